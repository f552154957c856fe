"""What chatpay says about refunds, in uk, ru and en."""
from __future__ import annotations

REFUND_TEXTS: dict[str, dict[str, str]] = {
    "btn_refund": {"uk": "↩️ Повернути кошти", "ru": "↩️ Вернуть деньги", "en": "↩️ Refund"},
    "btn_refund_all": {"uk": "Повернути все: {amount}", "ru": "Вернуть всё: {amount}", "en": "Refund all: {amount}"},
    "btn_refund_confirm": {"uk": "✅ Так, повернути", "ru": "✅ Да, вернуть", "en": "✅ Yes, refund"},
    "btn_refund_no": {"uk": "✖️ Ні", "ru": "✖️ Нет", "en": "✖️ No"},
    "refund_ask_amount": {
        "uk": "Скільки повернути покупцю? Можна повернути до {left}. Натисніть кнопку, щоб повернути все, або напишіть суму.",
        "ru": "Сколько вернуть покупателю? Можно вернуть до {left}. Нажмите кнопку, чтобы вернуть всё, или напишите сумму.",
        "en": "How much should go back to the buyer? Up to {left} can be refunded. Tap the button to refund it all, or type an amount.",
    },
    "refund_confirm": {
        "uk": "Повернути покупцю {amount}{description}? Гроші повернуться на його картку.",
        "ru": "Вернуть покупателю {amount}{description}? Деньги вернутся на его карту.",
        "en": "Refund {amount}{description} to the buyer? The money goes back to their card.",
    },
    "refund_requested": {"uk": "Повертаю {amount}…", "ru": "Возвращаю {amount}…", "en": "Refunding {amount}…"},
    "refund_partial": {
        "uk": "↩️ Повернено {amount}{description}. Ще можна повернути {left}.",
        "ru": "↩️ Возвращено {amount}{description}. Ещё можно вернуть {left}.",
        "en": "↩️ Refunded {amount}{description}. {left} can still be refunded.",
    },
    "refund_pending": {
        "uk": "⏳ Повернення {amount}{description} прийнято, але ще не завершено. Я скажу, коли гроші повернуться.",
        "ru": "⏳ Возврат {amount}{description} принят, но ещё не завершён. Я сообщу, когда деньги вернутся.",
        "en": "⏳ The refund of {amount}{description} is accepted but not finished yet. I'll tell you when the money is back.",
    },
    "refund_refused": {
        "uk": "❌ Платіжна система відмовила в поверненні {amount}{description}: {reason}",
        "ru": "❌ Платёжная система отказала в возврате {amount}{description}: {reason}",
        "en": "❌ The payment provider refused to refund {amount}{description}: {reason}",
    },
    "refund_more_than_left": {
        "uk": "Стільки повернути не можна: лишилося не більше {left}.",
        "ru": "Столько вернуть нельзя: осталось не больше {left}.",
        "en": "That is more than can be refunded: at most {left} is left.",
    },
    "refund_nothing_left": {
        "uk": "Повертати нічого: цю оплату вже повернено повністю або повернення ще триває.",
        "ru": "Возвращать нечего: эта оплата уже возвращена полностью или возврат ещё идёт.",
        "en": "There is nothing left to refund: this payment is refunded already, or a refund is under way.",
    },
    "refund_in_flight": {
        "uk": "Повернення {amount} ще триває. Нове повернення можна зробити, коли воно завершиться.",
        "ru": "Возврат {amount} ещё идёт. Новый возврат можно сделать, когда он завершится.",
        "en": "A refund of {amount} is still in progress. You can refund again when it is done.",
    },
    "refund_paid_by_hand": {
        "uk": "Цей рахунок оплачено не карткою, тому кошти з картки не повертаються. Поверніть гроші покупцю самі й позначте це в рахунку.",
        "ru": "Этот счёт оплачен не картой, поэтому деньги на карту не возвращаются. Верните деньги покупателю сами и отметьте это в счёте.",
        "en": "This invoice was not paid by card, so nothing can go back to a card. Give the money back to the buyer yourself and mark it on the invoice.",
    },
}


def refusal_text(reason: str, named: object, lang: str) -> str:
    """Why a refund may not be made (domain.errors.RefundNotAllowed's `reason` and the amount
    it names: what is left, or the refund in flight), in the seller's language."""
    from domain.i18n import format_money, t  # here: domain.i18n imports this module
    amount = format_money(named, lang) if named is not None else ""  # type: ignore[arg-type]
    return t(lang, reason, left=amount, amount=amount)
