"""What the buyer's pay page says in each of its states, and the seller's *Shop name* setting."""
from __future__ import annotations

PAY_TEXTS: dict[str, dict[str, str]] = {
    "page_invoice_from": {"uk": "Рахунок від", "ru": "Счёт от", "en": "Invoice from"},
    "page_language": {"uk": "Мова", "ru": "Язык", "en": "Language"},
    "page_refresh": {"uk": "Оновити сторінку", "ru": "Обновить страницу", "en": "Refresh the page"},
    "page_processing_title": {
        "uk": "Платіж обробляється…", "ru": "Платёж обрабатывается…",
        "en": "Your payment is being processed…",
    },
    "page_processing_hint": {
        "uk": "Сторінка оновиться сама, щойно банк відповість. Не платіть вдруге.",
        "ru": "Страница обновится сама, как только банк ответит. Не платите второй раз.",
        "en": "This page updates by itself as soon as the bank answers. Please do not pay again.",
    },
    "page_checking_title": {
        "uk": "Продавець перевіряє вашу оплату", "ru": "Продавец проверяет вашу оплату",
        "en": "The seller is checking your payment",
    },
    "page_paid_title": {"uk": "Оплачено", "ru": "Оплачено", "en": "Paid"},
    # one button per provider, when the seller connected more than one
    "pay_with_liqpay": {"uk": "Картка — LiqPay", "ru": "Карта — LiqPay", "en": "Card — LiqPay"},
    "pay_with_monobank": {
        "uk": "Картка, Apple Pay, Google Pay — monobank",
        "ru": "Карта, Apple Pay, Google Pay — monobank",
        "en": "Card, Apple Pay, Google Pay — monobank",
    },
    "page_paid_to": {"uk": "Отримувач: {shop}", "ru": "Получатель: {shop}", "en": "Paid to {shop}"},
    "page_paid_at": {"uk": "Дата й час: {when}", "ru": "Дата и время: {when}", "en": "On {when}"},
    "page_refunded": {
        "uk": "Кошти за цей рахунок повернуто (повністю або частково).",
        "ru": "Деньги за этот счёт возвращены (полностью или частично).",
        "en": "Money for this invoice was refunded (in full or in part).",
    },
    "page_fiscal_receipt": {"uk": "Фіскальний чек", "ru": "Фискальный чек", "en": "Fiscal receipt"},
    "page_receipt_sent": {
        "uk": "Квитанцію надіслано на {email}", "ru": "Квитанция отправлена на {email}",
        "en": "A receipt was sent to {email}",
    },
    "page_declined_title": {
        "uk": "Оплату відхилено", "ru": "Оплата отклонена", "en": "The payment was declined",
    },
    "page_declined_reason": {"uk": "Причина: {reason}.", "ru": "Причина: {reason}.", "en": "Reason: {reason}."},
    "page_declined_hint": {
        "uk": "Гроші не списано. Можна спробувати ще раз — тією ж карткою чи іншою.",
        "ru": "Деньги не списаны. Можно попробовать ещё раз — той же картой или другой.",
        "en": "No money was taken. You can try again, with the same card or another.",
    },
    "page_try_again": {"uk": "Спробувати ще раз", "ru": "Попробовать ещё раз", "en": "Try again"},
    "pay_not_found_hint": {
        "uk": "Перевірте посилання або попросіть у продавця нове.",
        "ru": "Проверьте ссылку или попросите у продавца новую.",
        "en": "Check the link, or ask the seller for a new one.",
    },
    "decline_other": {
        "uk": "банк відхилив платіж", "ru": "банк отклонил платёж", "en": "the bank declined the payment",
    },
    "page_expired_title": {
        "uk": "Термін оплати минув", "ru": "Срок оплаты истёк", "en": "This invoice has expired",
    },
    "page_expired_hint": {
        "uk": "Його вже не можна оплатити. Якщо ви ще хочете заплатити, попросіть у продавця нове посилання.",
        "ru": "Его уже нельзя оплатить. Если вы ещё хотите заплатить, попросите у продавца новую ссылку.",
        "en": "It can no longer be paid. If you still want to pay, ask the seller for a new link.",
    },
    "page_cancelled_title": {
        "uk": "Рахунок скасовано", "ru": "Счёт отменён", "en": "This invoice was cancelled",
    },
    "page_cancelled_hint": {
        "uk": "Платити нічого не потрібно.", "ru": "Платить ничего не нужно.",
        "en": "There is nothing to pay.",
    },
    "page_failed_title": {
        "uk": "Оплата не пройшла", "ru": "Оплата не прошла", "en": "The payment did not go through",
    },
    "page_failed_hint": {
        "uk": "Цей рахунок більше не можна оплатити; попросіть у продавця нове посилання.",
        "ru": "Этот счёт больше нельзя оплатить; попросите у продавца новую ссылку.",
        "en": "This invoice can no longer be paid; ask the seller for a new link.",
    },
    "page_unavailable_title": {
        "uk": "Зараз оплату прийняти неможливо", "ru": "Сейчас оплату принять невозможно",
        "en": "Payment cannot be taken now",
    },
    "page_unavailable_hint": {
        "uk": "Зверніться, будь ласка, до продавця.", "ru": "Обратитесь, пожалуйста, к продавцу.",
        "en": "Please ask the seller.",
    },
    "provider_invoice": {"uk": "рахунок {code}", "ru": "счёт {code}", "en": "invoice {code}"},
    "sms_pay": {"uk": "Oplata", "ru": "Oplata", "en": "Pay"},
    "shop_name_show": {
        "uk": "🏪 Назва магазину — її бачать покупці на сторінці оплати, в SMS і листі.\nЗараз: {current}.\n\nНадішліть нову назву (до 64 символів) або /cancel.",
        "ru": "🏪 Название магазина — его видят покупатели на странице оплаты, в SMS и письме.\nСейчас: {current}.\n\nПришлите новое название (до 64 символов) или /cancel.",
        "en": "🏪 Shop name — buyers see it on the pay page, in the SMS and the e-mail.\nNow: {current}.\n\nSend a new name (up to 64 characters), or /cancel.",
    },
    "shop_name_none": {"uk": "не задано (видно ваше ім'я)", "ru": "не задано (видно ваше имя)", "en": "not set (your name shows)"},
    "shop_name_set": {
        "uk": "✅ Назва магазину: «{name}». Так її бачитимуть покупці.",
        "ru": "✅ Название магазина: «{name}». Так его увидят покупатели.",
        "en": "✅ Shop name: “{name}”. Buyers will see it like this.",
    },
    "shop_name_invalid": {
        "uk": "Назва має бути від 1 до 64 символів. Надішліть іншу або /cancel.",
        "ru": "Название должно быть от 1 до 64 символов. Пришлите другое или /cancel.",
        "en": "The name must be 1 to 64 characters. Send another, or /cancel.",
    },
    "btn_shop_name": {"uk": "🏪 Назва магазину", "ru": "🏪 Название магазина", "en": "🏪 Shop name"},
}
