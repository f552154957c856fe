"""What chatpay says about manual payments (cash, card to card ...), in uk, ru and en."""
from __future__ import annotations

MANUAL_TEXTS: dict[str, dict[str, str]] = {
    "manual_opened": {
        "uk": "🧾 Покупець каже, що оплатив {amount}{description}: {method}, {date}.{comment}\nПідтвердіть, коли побачите гроші, або відхиліть.",
        "ru": "🧾 Покупатель говорит, что оплатил {amount}{description}: {method}, {date}.{comment}\nПодтвердите, когда увидите деньги, или отклоните.",
        "en": "🧾 The buyer says they paid {amount}{description}: {method}, {date}.{comment}\nApprove it once you see the money, or reject it.",
    },
    "manual_opened_by_seller": {
        "uk": "🧾 Записано оплату {amount}{description}: {method}, {date}.{comment}\nПідтвердіть її, щоб рахунок став оплаченим.",
        "ru": "🧾 Записана оплата {amount}{description}: {method}, {date}.{comment}\nПодтвердите её, чтобы счёт стал оплаченным.",
        "en": "🧾 Payment recorded: {amount}{description}, {method}, {date}.{comment}\nApprove it to mark the invoice paid.",
    },
    "manual_comment": {"uk": " Коментар: «{comment}»", "ru": " Комментарий: «{comment}»", "en": " Comment: “{comment}”"},
    "btn_manual_approve": {"uk": "✅ Підтвердити", "ru": "✅ Подтвердить", "en": "✅ Approve"},
    "btn_manual_correct": {"uk": "✏️ Підтвердити з виправленням", "ru": "✏️ Подтвердить с исправлением", "en": "✏️ Approve with corrections"},
    "btn_manual_reject": {"uk": "❌ Відхилити", "ru": "❌ Отклонить", "en": "❌ Reject"},
    "manual_ask_amount": {
        "uk": "Скільки ви насправді отримали? Напишіть суму, можна з валютою (наприклад, 240 або 10 USD).",
        "ru": "Сколько вы на самом деле получили? Напишите сумму, можно с валютой (например, 240 или 10 USD).",
        "en": "How much did you actually receive? Type the amount, with a currency if it differs (e.g. 240 or 10 USD).",
    },
    "manual_ask_reason": {
        "uk": "Чому відхиляєте? Покупець побачить цю причину.",
        "ru": "Почему отклоняете? Покупатель увидит эту причину.",
        "en": "Why are you rejecting it? The buyer will see this reason.",
    },
    "manual_approving": {"uk": "Підтверджую оплату…", "ru": "Подтверждаю оплату…", "en": "Approving the payment…"},
    "manual_rejecting": {"uk": "Відхиляю оплату…", "ru": "Отклоняю оплату…", "en": "Rejecting the payment…"},
    "manual_rejected": {
        "uk": "❌ Оплату {amount}{description} ({method}) відхилено: {reason}",
        "ru": "❌ Оплата {amount}{description} ({method}) отклонена: {reason}",
        "en": "❌ The payment of {amount}{description} ({method}) was rejected: {reason}",
    },
    "manual_auto_rejected": {
        "uk": "⌛ Оплату {amount}{description} ({method}) ніхто не підтвердив вчасно — її відхилено автоматично.",
        "ru": "⌛ Оплату {amount}{description} ({method}) никто не подтвердил вовремя — она отклонена автоматически.",
        "en": "⌛ Nobody approved the payment of {amount}{description} ({method}) in time, so it was rejected automatically.",
    },
    "paid_manual": {
        "uk": "✅ Оплачено вручну ({method}): {amount}{description}",
        "ru": "✅ Оплачено вручную ({method}): {amount}{description}",
        "en": "✅ Paid by hand ({method}): {amount}{description}",
    },
    "manual_decided": {
        "uk": "Цю оплату вже {state}, змінити її не можна.",
        "ru": "Эта оплата уже {state}, изменить её нельзя.",
        "en": "This payment is {state} already and cannot be changed.",
    },
    "manual_state_open": {"uk": "очікує", "ru": "ожидает", "en": "open"},
    "manual_state_approved": {"uk": "підтверджено", "ru": "подтверждена", "en": "approved"},
    "manual_state_rejected": {"uk": "відхилено", "ru": "отклонена", "en": "rejected"},
    "manual_state_refunded": {"uk": "повернено", "ru": "возвращена", "en": "refunded"},
    "manual_already_paid": {
        "uk": "Оплату підтверджено, але рахунок уже був оплачений — можливо, покупець заплатив двічі. Одну з оплат можна повернути.",
        "ru": "Оплата подтверждена, но счёт уже был оплачен — возможно, покупатель заплатил дважды. Одну из оплат можно вернуть.",
        "en": "Approved, but the invoice was paid already: the buyer may have paid twice. You can refund one of the payments.",
    },
    "manual_not_payable": {
        "uk": "Цей рахунок уже оплачено, тож записати ще одну оплату не можна.",
        "ru": "Этот счёт уже оплачен, поэтому записать ещё одну оплату нельзя.",
        "en": "This invoice is paid already, so no other payment can be recorded on it.",
    },
    "manual_no_method": {
        "uk": "Такого способу оплати вже немає. Оберіть інший.",
        "ru": "Такого способа оплаты уже нет. Выберите другой.",
        "en": "That payment method is gone. Choose another one.",
    },
    "manual_not_found": {
        "uk": "Цієї оплати не знайдено.", "ru": "Эта оплата не найдена.",
        "en": "That payment was not found.",
    },
    # -- Record payment ----------------------------------------------------------------------
    "btn_record": {"uk": "💵 Записати оплату", "ru": "💵 Записать оплату", "en": "💵 Record payment"},
    "btn_record_for_invoice": {"uk": "💵 Оплачено інакше", "ru": "💵 Оплачено иначе", "en": "💵 Paid another way"},
    "record_ask_amount": {
        "uk": "Яку суму ви отримали? Наприклад: 150 або 99,90",
        "ru": "Какую сумму вы получили? Например: 150 или 99,90",
        "en": "How much were you paid? For example: 150 or 99.90",
    },
    "btn_cash": {"uk": "Готівка", "ru": "Наличные", "en": "Cash"},
    "record_opening": {"uk": "Записую оплату…", "ru": "Записываю оплату…", "en": "Recording the payment…"},
    "record_ask_method": {"uk": "Як вам заплатили?", "ru": "Как вам заплатили?", "en": "How were you paid?"},
    "record_ask_date": {
        "uk": "Коли? Натисніть «Сьогодні» або напишіть дату, наприклад 01.12.2026.",
        "ru": "Когда? Нажмите «Сегодня» или напишите дату, например 01.12.2026.",
        "en": "When? Tap “Today” or type the date, e.g. 01.12.2026.",
    },
    "btn_today": {"uk": "Сьогодні", "ru": "Сегодня", "en": "Today"},
    "record_date_invalid": {
        "uk": "Не розумію дату. Напишіть її як 01.12.2026 (не пізніше сьогодні) або натисніть «Сьогодні».",
        "ru": "Не понимаю дату. Напишите её как 01.12.2026 (не позже сегодня) или нажмите «Сегодня».",
        "en": "I can't read that date. Type it like 01.12.2026 (not after today) or tap “Today”.",
    },
    "record_ask_comment": {
        "uk": "Коментар до оплати (наприклад, за що або від кого). Можна пропустити.",
        "ru": "Комментарий к оплате (например, за что или от кого). Можно пропустить.",
        "en": "A comment for the payment (what for, or from whom). You may skip it.",
    },
    "record_saving": {"uk": "Записую оплату {amount}…", "ru": "Записываю оплату {amount}…", "en": "Recording the payment of {amount}…"},
    "manual_refund_ask_comment": {
        "uk": "Позначити оплату {amount} як повернену? Напишіть коментар (як і коли ви повернули гроші).",
        "ru": "Отметить оплату {amount} как возвращённую? Напишите комментарий (как и когда вы вернули деньги).",
        "en": "Mark the payment of {amount} as refunded? Type a comment (how and when you gave the money back).",
    },
    "manual_refunding": {"uk": "Позначаю оплату як повернену…", "ru": "Отмечаю оплату как возвращённую…", "en": "Marking the payment as refunded…"},
    # -- the pay page ------------------------------------------------------------------------
    "pay_manual_title": {"uk": "Або оплатіть інакше", "ru": "Или оплатите иначе", "en": "Or pay another way"},
    "pay_manual_method": {"uk": "Спосіб оплати", "ru": "Способ оплаты", "en": "Payment method"},
    "pay_manual_date": {"uk": "Дата оплати", "ru": "Дата оплаты", "en": "Date of payment"},
    "pay_manual_comment": {"uk": "Коментар", "ru": "Комментарий", "en": "Comment"},
    "pay_manual_button": {"uk": "Я оплатив(ла)", "ru": "Я оплатил(а)", "en": "I have paid"},
    "pay_manual_fee": {"uk": "комісія {fee}", "ru": "комиссия {fee}", "en": "fee {fee}"},
    "pay_manual_waiting": {
        "uk": "Продавець перевіряє вашу оплату ({method}). Щойно він її підтвердить, рахунок буде оплачено.",
        "ru": "Продавец проверяет вашу оплату ({method}). Как только он её подтвердит, счёт будет оплачен.",
        "en": "The seller is checking your payment ({method}). Once they approve it, the invoice is paid.",
    },
    "pay_manual_rejected": {
        "uk": "Продавець відхилив вашу оплату ({method}): {reason}",
        "ru": "Продавец отклонил вашу оплату ({method}): {reason}",
        "en": "The seller rejected your payment ({method}): {reason}",
    },
    "pay_manual_timeout": {"uk": "її ніхто не підтвердив вчасно", "ru": "её никто не подтвердил вовремя", "en": "nobody approved it in time"},
    "pay_manual_invalid": {
        "uk": "Оберіть спосіб оплати і дату не пізніше сьогодні.",
        "ru": "Выберите способ оплаты и дату не позже сегодня.",
        "en": "Choose a payment method and a date no later than today.",
    },
}
