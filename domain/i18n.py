"""What chatpay says to a person, in Ukrainian, Russian and English, and how it shows money."""
from __future__ import annotations

from decimal import Decimal

from domain.i18n_fiscal import FISCAL_TEXTS
from domain.i18n_manual import MANUAL_TEXTS
from domain.i18n_refunds import REFUND_TEXTS
from domain.i18n_support import SUPPORT_TEXTS
from domain.i18n_webhooks import WEBHOOK_TEXTS
from domain.money import SYMBOLS, Money

LANGUAGES = ("uk", "ru", "en")
DEFAULT_LANGUAGE = "uk"

_NBSP = "\u00a0"

TEXTS: dict[str, dict[str, str]] = {
    "welcome": {
        "uk": "Вітаю, {name}! Я допоможу приймати оплату карткою: створіть рахунок, покажіть QR-код покупцю, і я скажу, коли гроші надійдуть.",
        "ru": "Здравствуйте, {name}! Я помогу принимать оплату картой: создайте счёт, покажите QR-код покупателю, и я сообщу, когда деньги поступят.",
        "en": "Hello, {name}! I help you take card payments: create an invoice, show the buyer its QR code, and I'll tell you when the money arrives.",
    },
    "share_phone_prompt": {
        "uk": "Щоб визначити валюту рахунків, поділіться своїм номером телефону кнопкою нижче.",
        "ru": "Чтобы определить валюту счетов, поделитесь своим номером телефона кнопкой ниже.",
        "en": "To set your invoice currency, share your phone number with the button below.",
    },
    "btn_share_phone": {"uk": "📱 Поділитися номером", "ru": "📱 Поделиться номером", "en": "📱 Share my number"},
    "phone_not_own": {
        "uk": "Будь ласка, поділіться саме своїм номером — кнопкою нижче.",
        "ru": "Пожалуйста, поделитесь именно своим номером — кнопкой ниже.",
        "en": "Please share your own number, with the button below.",
    },
    "phone_invalid": {
        "uk": "Не вдалося розпізнати цей номер телефону. Спробуйте ще раз кнопкою нижче.",
        "ru": "Не удалось распознать этот номер телефона. Попробуйте ещё раз кнопкой ниже.",
        "en": "I couldn't read that phone number. Please try again with the button below.",
    },
    "currency_set": {
        "uk": "Готово! Ваші рахунки будуть у валюті {currency}.",
        "ru": "Готово! Ваши счета будут в валюте {currency}.",
        "en": "Done! Your invoices will be in {currency}.",
    },
    "currency_not_supported": {
        "uk": "Ваш номер з країни, де валюта — {currency}, але платіжний провайдер приймає лише {supported}. Оберіть валюту рахунків:",
        "ru": "Ваш номер из страны с валютой {currency}, но платёжный провайдер принимает только {supported}. Выберите валюту счетов:",
        "en": "Your number's country uses {currency}, but the payment provider only takes {supported}. Choose your invoice currency:",
    },
    "need_phone_first": {
        "uk": "Спершу поділіться номером телефону — /start.",
        "ru": "Сначала поделитесь номером телефона — /start.",
        "en": "Please share your phone number first — /start.",
    },
    "btn_create": {"uk": "🧾 Створити рахунок", "ru": "🧾 Создать счёт", "en": "🧾 Create invoice"},
    "btn_pending": {"uk": "⏳ Неоплачені рахунки", "ru": "⏳ Неоплаченные счета", "en": "⏳ Pending invoices"},
    "btn_language": {"uk": "🌐 Мова", "ru": "🌐 Язык", "en": "🌐 Language"},
    "btn_settings": {"uk": "⚙️ Платіжний рахунок", "ru": "⚙️ Платёжный счёт", "en": "⚙️ Payment account"},
    "account_platform": {
        "uk": "Платіжний рахунок: рахунок платформи. Оплати надходять на LiqPay платформи.\nЩоб гроші надходили на ваш власний LiqPay, підключіть його.",
        "ru": "Платёжный счёт: счёт платформы. Оплаты поступают на LiqPay платформы.\nЧтобы деньги поступали на ваш собственный LiqPay, подключите его.",
        "en": "Payment account: the platform's. Payments go to the platform's LiqPay.\nTo be paid into your own LiqPay, connect it.",
    },
    "account_own": {
        "uk": "Платіжний рахунок: ваш LiqPay (публічний ключ {public_key}). Нові рахунки оплачуються на нього.",
        "ru": "Платёжный счёт: ваш LiqPay (публичный ключ {public_key}). Новые счета оплачиваются на него.",
        "en": "Payment account: your own LiqPay (public key {public_key}). New invoices are paid into it.",
    },
    "account_none": {
        "uk": "Платіжний рахунок не підключено: рахунки створювати не можна, доки ви не підключите свій LiqPay.",
        "ru": "Платёжный счёт не подключён: счета создавать нельзя, пока вы не подключите свой LiqPay.",
        "en": "No payment account is connected: you cannot create invoices until you connect your LiqPay.",
    },
    "btn_connect": {"uk": "🔗 Підключити LiqPay", "ru": "🔗 Подключить LiqPay", "en": "🔗 Connect LiqPay"},
    "btn_disconnect": {"uk": "🔌 Відключити LiqPay", "ru": "🔌 Отключить LiqPay", "en": "🔌 Disconnect LiqPay"},
    "btn_disconnect_yes": {"uk": "Так, відключити", "ru": "Да, отключить", "en": "Yes, disconnect"},
    "btn_keep": {"uk": "Ні, залишити", "ru": "Нет, оставить", "en": "No, keep it"},
    "ask_public_key": {
        "uk": "Надішліть публічний ключ (public_key) з кабінету LiqPay: Налаштування → API. /cancel — скасувати.",
        "ru": "Отправьте публичный ключ (public_key) из кабинета LiqPay: Настройки → API. /cancel — отменить.",
        "en": "Send the public key (public_key) from your LiqPay cabinet: Settings → API. /cancel to stop.",
    },
    "ask_private_key": {
        "uk": "Тепер надішліть приватний ключ (private_key). Я перевірю ключі в LiqPay і збережу їх зашифрованими; приватний ключ я нікому не показую.",
        "ru": "Теперь отправьте приватный ключ (private_key). Я проверю ключи в LiqPay и сохраню их зашифрованными; приватный ключ я никому не показываю.",
        "en": "Now send the private key (private_key). I will check the keys with LiqPay and store them encrypted; I never show the private key to anyone.",
    },
    "key_deleted": {
        "uk": "🗑 Повідомлення з ключем видалено з чату.",
        "ru": "🗑 Сообщение с ключом удалено из чата.",
        "en": "🗑 I deleted your message with the key from the chat.",
    },
    "key_delete_yourself": {
        "uk": "🗑 Я не можу видалити повідомлення з ключем — видаліть його, будь ласка, самі (утримуйте повідомлення → Видалити).",
        "ru": "🗑 Я не могу удалить сообщение с ключом — удалите его, пожалуйста, сами (удерживайте сообщение → Удалить).",
        "en": "🗑 I cannot delete your message with the key — please delete it yourself (press and hold the message → Delete).",
    },
    "key_not_valid": {
        "uk": "Це не схоже на ключ LiqPay: ключ — одне слово без пробілів. Надішліть його ще раз або /cancel.",
        "ru": "Это не похоже на ключ LiqPay: ключ — одно слово без пробелов. Отправьте его ещё раз или /cancel.",
        "en": "That doesn't look like a LiqPay key: a key is one word without spaces. Send it again, or /cancel.",
    },
    "key_not_text": {"uk": "Надішліть ключ текстом або /cancel.", "ru": "Отправьте ключ текстом или /cancel.", "en": "Send the key as text, or /cancel."},
    "checking_keys": {"uk": "Перевіряю ключі в LiqPay…", "ru": "Проверяю ключи в LiqPay…", "en": "Checking the keys with LiqPay…"},
    "account_connected": {
        "uk": "✅ LiqPay підключено (публічний ключ {public_key}). Нові рахунки оплачуватимуться на ваш рахунок.",
        "ru": "✅ LiqPay подключён (публичный ключ {public_key}). Новые счета будут оплачиваться на ваш счёт.",
        "en": "✅ LiqPay connected (public key {public_key}). New invoices will be paid into your account.",
    },
    "keys_refused": {
        "uk": "❌ LiqPay не прийняв ці ключі — нічого не збережено. Перевірте публічний і приватний ключі в кабінеті LiqPay (Налаштування → API) і спробуйте ще раз: «⚙️ Платіжний рахунок» → «🔗 Підключити LiqPay».",
        "ru": "❌ LiqPay не принял эти ключи — ничего не сохранено. Проверьте публичный и приватный ключи в кабинете LiqPay (Настройки → API) и попробуйте ещё раз: «⚙️ Платёжный счёт» → «🔗 Подключить LiqPay».",
        "en": "❌ LiqPay did not accept these keys — nothing was saved. Check the public and private key in your LiqPay cabinet (Settings → API) and try again: “⚙️ Payment account” → “🔗 Connect LiqPay”.",
    },
    "keys_unchecked": {
        "uk": "⚠️ Не вдалося зв'язатися з LiqPay, щоб перевірити ключі — нічого не збережено. Спробуйте пізніше.",
        "ru": "⚠️ Не удалось связаться с LiqPay, чтобы проверить ключи — ничего не сохранено. Попробуйте позже.",
        "en": "⚠️ I couldn't reach LiqPay to check the keys — nothing was saved. Please try again later.",
    },
    "confirm_disconnect": {
        "uk": "Відключити ваш LiqPay ({public_key})? Нові рахунки більше не оплачуватимуться на нього; вже створені працюватимуть до кінця.",
        "ru": "Отключить ваш LiqPay ({public_key})? Новые счета больше не будут оплачиваться на него; уже созданные будут работать до конца.",
        "en": "Disconnect your LiqPay ({public_key})? New invoices will no longer be paid into it; invoices already made keep working to the end.",
    },
    "account_disconnected": {
        "uk": "LiqPay відключено. Вже створені рахунки працюють, як і раніше.",
        "ru": "LiqPay отключён. Уже созданные счета работают, как и раньше.",
        "en": "LiqPay disconnected. Invoices already made keep working as before.",
    },
    "account_not_connected": {"uk": "Власний LiqPay не підключено.", "ru": "Собственный LiqPay не подключён.", "en": "You have no LiqPay of your own connected."},
    "nothing_changed": {"uk": "Нічого не змінено.", "ru": "Ничего не изменено.", "en": "Nothing was changed."},
    "need_account_first": {
        "uk": "Щоб створювати рахунки, спершу підключіть свій LiqPay: «⚙️ Платіжний рахунок» → «🔗 Підключити LiqPay», і надішліть публічний та приватний ключі з кабінету LiqPay (Налаштування → API).",
        "ru": "Чтобы создавать счета, сначала подключите свой LiqPay: «⚙️ Платёжный счёт» → «🔗 Подключить LiqPay», и отправьте публичный и приватный ключи из кабинета LiqPay (Настройки → API).",
        "en": "To create invoices, first connect your LiqPay: “⚙️ Payment account” → “🔗 Connect LiqPay”, and send the public and private key from your LiqPay cabinet (Settings → API).",
    },
    "menu": {
        "uk": "Натисніть «Створити рахунок», щоб прийняти оплату.",
        "ru": "Нажмите «Создать счёт», чтобы принять оплату.",
        "en": "Tap “Create invoice” to take a payment.",
    },
    "ask_amount": {
        "uk": "Введіть суму в {currency}, наприклад 12,50.",
        "ru": "Введите сумму в {currency}, например 12,50.",
        "en": "Type the amount in {currency}, for example 12.50.",
    },
    "amount_empty": {"uk": "Введіть суму числом, наприклад 12,50.", "ru": "Введите сумму числом, например 12,50.", "en": "Type the amount as a number, for example 12.50."},
    "amount_not_a_number": {
        "uk": "Це не схоже на суму. Введіть число, наприклад 12, 12,50 або 1 200,50.",
        "ru": "Это не похоже на сумму. Введите число, например 12, 12,50 или 1 200,50.",
        "en": "That doesn't look like an amount. Type a number such as 12, 12.50 or 1 200.50.",
    },
    "amount_not_positive": {"uk": "Сума має бути більшою за нуль.", "ru": "Сумма должна быть больше нуля.", "en": "The amount must be more than zero."},
    "amount_ascii_digits": {
        "uk": "Використовуйте звичайні цифри 0–9.", "ru": "Используйте обычные цифры 0–9.", "en": "Please use the ordinary digits 0–9.",
    },
    "amount_too_many_decimals": {
        "uk": "Забагато знаків після коми: можна не більше {places}.",
        "ru": "Слишком много знаков после запятой: можно не больше {places}.",
        "en": "Too many decimal places: at most {places}.",
    },
    "amount_too_large": {
        "uk": "Сума завелика: максимум {maximum}.", "ru": "Сумма слишком большая: максимум {maximum}.", "en": "That amount is too large: the maximum is {maximum}.",
    },
    "ask_description": {
        "uk": "Додайте опис (що оплачує покупець) або натисніть «Пропустити».",
        "ru": "Добавьте описание (что оплачивает покупатель) или нажмите «Пропустить».",
        "en": "Add a description (what the buyer pays for) or tap “Skip”.",
    },
    "description_too_long": {
        "uk": "Опис задовгий: не більше {limit} символів.", "ru": "Описание слишком длинное: не больше {limit} символов.", "en": "The description is too long: at most {limit} characters.",
    },
    "btn_skip": {"uk": "Пропустити", "ru": "Пропустить", "en": "Skip"},
    "creating": {"uk": "Створюю рахунок на {amount}…", "ru": "Создаю счёт на {amount}…", "en": "Creating an invoice for {amount}…"},
    "dialog_cancelled": {"uk": "Скасовано.", "ru": "Отменено.", "en": "Cancelled."},
    "invoice_ready": {
        "uk": "Рахунок на {amount}{description}\nПокажіть QR-код покупцю або надішліть посилання:\n{link}\nДійсний до {expires}.",
        "ru": "Счёт на {amount}{description}\nПокажите QR-код покупателю или отправьте ссылку:\n{link}\nДействителен до {expires}.",
        "en": "Invoice for {amount}{description}\nShow the buyer the QR code or send the link:\n{link}\nValid until {expires}.",
    },
    "btn_check": {"uk": "🔄 Перевірити статус", "ru": "🔄 Проверить статус", "en": "🔄 Check status"},
    "btn_cancel": {"uk": "✖️ Скасувати рахунок", "ru": "✖️ Отменить счёт", "en": "✖️ Cancel invoice"},
    "btn_send_sms": {"uk": "📱 Надіслати SMS", "ru": "📱 Отправить SMS", "en": "📱 Send by SMS"},
    "btn_send_email": {"uk": "✉️ Надіслати на e-mail", "ru": "✉️ Отправить на e-mail", "en": "✉️ Send by e-mail"},
    "ask_buyer_phone": {
        "uk": "Введіть номер телефону покупця, наприклад 067 123 45 67 або +380671234567. /cancel — скасувати.",
        "ru": "Введите номер телефона покупателя, например 067 123 45 67 или +380671234567. /cancel — отменить.",
        "en": "Type the buyer's phone number, for example 067 123 45 67 or +380671234567. /cancel to stop.",
    },
    "ask_buyer_email": {
        "uk": "Введіть e-mail покупця, наприклад name@example.com. /cancel — скасувати.",
        "ru": "Введите e-mail покупателя, например name@example.com. /cancel — отменить.",
        "en": "Type the buyer's e-mail address, for example name@example.com. /cancel to stop.",
    },
    "buyer_phone_invalid": {
        "uk": "Це не схоже на номер телефону. Введіть його цифрами, наприклад 067 123 45 67 або +380671234567, або /cancel.",
        "ru": "Это не похоже на номер телефона. Введите его цифрами, например 067 123 45 67 или +380671234567, или /cancel.",
        "en": "That doesn't look like a phone number. Type it in digits, for example 067 123 45 67 or +380671234567, or /cancel.",
    },
    "buyer_email_invalid": {
        "uk": "Це не схоже на адресу e-mail. Введіть її повністю, наприклад name@example.com, або /cancel.",
        "ru": "Это не похоже на адрес e-mail. Введите его полностью, например name@example.com, или /cancel.",
        "en": "That doesn't look like an e-mail address. Type all of it, for example name@example.com, or /cancel.",
    },
    "link_sending": {"uk": "Надсилаю посилання на {to}…", "ru": "Отправляю ссылку на {to}…", "en": "Sending the link to {to}…"},
    "link_sent": {
        "uk": "📨 Посилання на оплату {amount} надіслано на {to}",
        "ru": "📨 Ссылка на оплату {amount} отправлена на {to}",
        "en": "📨 The link to pay {amount} was sent to {to}",
    },
    "link_not_sent": {
        "uk": "⚠️ Не вдалося надіслати посилання на {to}: {reason}",
        "ru": "⚠️ Не удалось отправить ссылку на {to}: {reason}",
        "en": "⚠️ Could not send the link to {to}: {reason}",
    },
    "link_reason_refused": {
        "uk": "поштовий сервер або SMS-шлюз відмовився прийняти цю адресу ({detail}). Перевірте її і спробуйте ще раз.",
        "ru": "почтовый сервер или SMS-шлюз отказался принять этот адрес ({detail}). Проверьте его и попробуйте ещё раз.",
        "en": "the mail server or SMS gateway refused this recipient ({detail}). Check it and try again.",
    },
    "link_reason_unavailable": {
        "uk": "сервіс розсилки зараз недоступний. Спробуйте пізніше або покажіть покупцю QR-код.",
        "ru": "сервис рассылки сейчас недоступен. Попробуйте позже или покажите покупателю QR-код.",
        "en": "the sending service is unavailable right now. Try again later, or show the buyer the QR code.",
    },
    "link_reason_closed": {
        "uk": "рахунок уже {status}.", "ru": "счёт уже {status}.", "en": "the invoice is already {status}.",
    },
    "mail_subject": {
        "uk": "{seller} просить оплатити {amount}", "ru": "{seller} просит оплатить {amount}", "en": "{seller} asks you to pay {amount}",
    },
    "mail_body": {
        "uk": "{seller} просить вас оплатити {amount}{description}.\nОплатити карткою: {link}\nПосилання дійсне до {expires}.",
        "ru": "{seller} просит вас оплатить {amount}{description}.\nОплатить картой: {link}\nСсылка действительна до {expires}.",
        "en": "{seller} asks you to pay {amount}{description}.\nPay by card: {link}\nThe link is valid until {expires}.",
    },
    "mail_scan": {"uk": "Або відскануйте QR-код:", "ru": "Или отсканируйте QR-код:", "en": "Or scan the QR code:"},
    "sms_body": {
        "uk": "Oplata {amount}: {link}", "ru": "Oplata {amount}: {link}", "en": "Pay {amount}: {link}",
    },
    "a_seller": {"uk": "Продавець", "ru": "Продавец", "en": "A seller"},
    "paid": {"uk": "✅ Оплачено {amount}{description}", "ru": "✅ Оплачено {amount}{description}", "en": "✅ Paid {amount}{description}"},
    "paid_late": {
        "uk": "✅ Оплачено {amount}{description}\nОплата надійшла пізніше, ніж рахунок було закрито — гроші зараховано.",
        "ru": "✅ Оплачено {amount}{description}\nОплата пришла позже, чем счёт был закрыт — деньги зачислены.",
        "en": "✅ Paid {amount}{description}\nThe payment arrived after the invoice was closed — the money is yours.",
    },
    "paid_mismatch": {
        "uk": "⚠️ Надійшла оплата, але не та сума: очікувалось {expected}, надійшло {received}{description}\nПеревірте, перш ніж віддавати товар; різницю можна повернути.",
        "ru": "⚠️ Пришла оплата, но не та сумма: ожидалось {expected}, пришло {received}{description}\nПроверьте, прежде чем отдавать товар; разницу можно вернуть.",
        "en": "⚠️ A payment arrived, but not the amount asked for: expected {expected}, received {received}{description}\nCheck before handing over the goods; the difference can be refunded.",
    },
    "paid_twice": {
        "uk": "⚠️ Покупець оплатив цей рахунок ще раз: додатково надійшло {amount}{description} (платіж {payment_id}). Цей платіж можна повернути.",
        "ru": "⚠️ Покупатель оплатил этот счёт ещё раз: дополнительно пришло {amount}{description} (платёж {payment_id}). Этот платёж можно вернуть.",
        "en": "⚠️ The buyer paid this invoice a second time: another {amount}{description} arrived (payment {payment_id}). It can be refunded.",
    },
    "payment_in_progress": {
        "uk": "⏳ Рахунок на {amount}{description} мав закінчитися, але оплата ще обробляється банком (статус: {status}). Я повідомлю, щойно банк завершить платіж.",
        "ru": "⏳ Счёт на {amount}{description} должен был истечь, но оплата ещё обрабатывается банком (статус: {status}). Я сообщу, как только банк завершит платёж.",
        "en": "⏳ The invoice for {amount}{description} was due to expire, but a payment is still in progress at the bank (status: {status}). I'll tell you as soon as the bank finishes it.",
    },
    "polling_stopped": {
        "uk": "⚠️ LiqPay відмовляється повідомляти статус рахунку на {amount}{description}: {reason}\nЯ більше не перевіряю його сам. Перевірте ключі LiqPay; якщо покупець заплатить, повідомлення LiqPay однаково дійде.",
        "ru": "⚠️ LiqPay отказывается сообщать статус счёта на {amount}{description}: {reason}\nЯ больше не проверяю его сам. Проверьте ключи LiqPay; если покупатель заплатит, уведомление LiqPay всё равно дойдёт.",
        "en": "⚠️ LiqPay refuses to tell me the status of the invoice for {amount}{description}: {reason}\nI have stopped checking it myself. Check your LiqPay keys; if the buyer pays, LiqPay's notice still reaches me.",
    },
    "still_working": {
        "uk": "⏳ Ще працюю над рахунком — зараз це триває довше, ніж зазвичай. Нічого не потрібно повторювати: рахунок з'явиться тут, щойно буде готовий.",
        "ru": "⏳ Ещё работаю над счётом — сейчас это занимает больше времени, чем обычно. Ничего не нужно повторять: счёт появится здесь, как только будет готов.",
        "en": "⏳ Still working on your invoice — it is taking longer than usual. No need to repeat anything: it will appear here as soon as it is ready.",
    },
    "failed": {"uk": "❌ Оплата не вдалася: {amount}{description}\nПричина: {reason}", "ru": "❌ Оплата не прошла: {amount}{description}\nПричина: {reason}", "en": "❌ Payment failed: {amount}{description}\nReason: {reason}"},
    "reason_unknown": {"uk": "невідома", "ru": "неизвестна", "en": "unknown"},
    "expired": {"uk": "⌛ Рахунок на {amount} прострочено{description}", "ru": "⌛ Счёт на {amount} просрочен{description}", "en": "⌛ The invoice for {amount} expired{description}"},
    "cancelled": {"uk": "✖️ Рахунок на {amount} скасовано{description}", "ru": "✖️ Счёт на {amount} отменён{description}", "en": "✖️ The invoice for {amount} was cancelled{description}"},
    "refunded": {"uk": "↩️ Повернено {amount}{description}", "ru": "↩️ Возвращено {amount}{description}", "en": "↩️ Refunded {amount}{description}"},
    "still_pending": {
        "uk": "⏳ Рахунок на {amount} ще не оплачено (статус: {status}).",
        "ru": "⏳ Счёт на {amount} ещё не оплачен (статус: {status}).",
        "en": "⏳ The invoice for {amount} is not paid yet (status: {status}).",
    },
    "status_is": {"uk": "Статус рахунку на {amount}: {status}.", "ru": "Статус счёта на {amount}: {status}.", "en": "The invoice for {amount} is {status}."},
    "cannot_cancel": {
        "uk": "Цей рахунок уже не можна скасувати: він {status}.", "ru": "Этот счёт уже нельзя отменить: он {status}.", "en": "This invoice can no longer be cancelled: it is {status}.",
    },
    "checking": {"uk": "Перевіряю…", "ru": "Проверяю…", "en": "Checking…"},
    "cancelling": {"uk": "Скасовую…", "ru": "Отменяю…", "en": "Cancelling…"},
    "pending_header": {"uk": "Неоплачені рахунки:", "ru": "Неоплаченные счета:", "en": "Pending invoices:"},
    "pending_item": {"uk": "{amount}{description} — до {expires}", "ru": "{amount}{description} — до {expires}", "en": "{amount}{description} — until {expires}"},
    "no_pending": {"uk": "Неоплачених рахунків немає.", "ru": "Неоплаченных счетов нет.", "en": "You have no pending invoices."},
    "invoice_not_found": {"uk": "Рахунок не знайдено.", "ru": "Счёт не найден.", "en": "Invoice not found."},
    "choose_language": {"uk": "Оберіть мову:", "ru": "Выберите язык:", "en": "Choose your language:"},
    "language_set": {"uk": "Мову змінено на українську.", "ru": "Язык изменён на русский.", "en": "Language set to English."},
    "unavailable": {
        "uk": "⚠️ Сервіс тимчасово недоступний. Нічого не збережено — спробуйте ще раз за хвилину.",
        "ru": "⚠️ Сервис временно недоступен. Ничего не сохранено — попробуйте ещё раз через минуту.",
        "en": "⚠️ The service is temporarily unavailable. Nothing was saved — please try again in a minute.",
    },
    "unknown_input": {
        "uk": "Не зрозумів. Натисніть «Створити рахунок» або /help.",
        "ru": "Не понял. Нажмите «Создать счёт» или /help.",
        "en": "I didn't understand that. Tap “Create invoice” or /help.",
    },
    "help": {
        "uk": "/start — початок\n/invoices — неоплачені рахунки\n/settings — платіжний рахунок\n/buyer — дані покупця на сторінці оплати\n/manual — ручні оплати (готівка, переказ)\n/language — мова\n/cancel — скасувати введення",
        "ru": "/start — начало\n/invoices — неоплаченные счета\n/settings — платёжный счёт\n/buyer — данные покупателя на странице оплаты\n/manual — ручные оплаты (наличные, перевод)\n/language — язык\n/cancel — отменить ввод",
        "en": "/start — start\n/invoices — pending invoices\n/settings — payment account\n/buyer — buyer details on the pay page\n/manual — manual payments (cash, transfers)\n/language — language\n/cancel — cancel what you are typing",
    },
    "status_created": {"uk": "створюється", "ru": "создаётся", "en": "being created"},
    "status_pending": {"uk": "очікує оплати", "ru": "ожидает оплаты", "en": "awaiting payment"},
    "status_paid": {"uk": "оплачено", "ru": "оплачен", "en": "paid"},
    "status_failed": {"uk": "оплата не вдалася", "ru": "оплата не прошла", "en": "failed"},
    "status_expired": {"uk": "прострочено", "ru": "просрочен", "en": "expired"},
    "status_cancelled": {"uk": "скасовано", "ru": "отменён", "en": "cancelled"},
    "status_refunded": {"uk": "повернено", "ru": "возвращён", "en": "refunded"},
    "status_partially_refunded": {"uk": "частково повернено", "ru": "частично возвращён", "en": "partially refunded"},
    "pay_title": {"uk": "Оплата рахунку", "ru": "Оплата счёта", "en": "Pay invoice"},
    "pay_button": {"uk": "Оплатити карткою", "ru": "Оплатить картой", "en": "Pay by card"},
    "pay_from": {"uk": "Отримувач", "ru": "Получатель", "en": "Payee"},
    "pay_processing": {
        "uk": "Платіж обробляється. Продавець отримає повідомлення, щойно його буде підтверджено.",
        "ru": "Платёж обрабатывается. Продавец получит сообщение, как только он будет подтверждён.",
        "en": "The payment is being processed. The seller will be told as soon as it is confirmed.",
    },
    "pay_email_label": {
        "uk": "E-mail для квитанції (необов'язково)", "ru": "E-mail для квитанции (необязательно)", "en": "E-mail for the receipt (optional)",
    },
    "pay_email_invalid": {
        "uk": "Це не схоже на адресу e-mail. Виправте її або залиште поле порожнім.",
        "ru": "Это не похоже на адрес e-mail. Исправьте его или оставьте поле пустым.",
        "en": "That doesn't look like an e-mail address. Correct it or leave the field empty.",
    },
    "pay_name_label": {"uk": "Ваше ім'я", "ru": "Ваше имя", "en": "Your name"},
    "pay_phone_label": {"uk": "Ваш телефон", "ru": "Ваш телефон", "en": "Your phone"},
    "pay_name_missing": {
        "uk": "Вкажіть ім'я (до 100 символів).", "ru": "Укажите имя (до 100 символов).", "en": "Please give your name (up to 100 characters).",
    },
    "pay_phone_invalid": {
        "uk": "Це не схоже на номер телефону. Введіть його, наприклад, як 067 123 45 67 або +380671234567.",
        "ru": "Это не похоже на номер телефона. Введите его, например, как 067 123 45 67 или +380671234567.",
        "en": "That doesn't look like a phone number. Type it like 067 123 45 67 or +380671234567.",
    },
    "buyer_fields": {
        "uk": "Дані покупця. Сторінка оплати завжди пропонує e-mail для квитанції (необов'язково). Для нових рахунків також питати:\nім'я — {name}\nтелефон — {phone}",
        "ru": "Данные покупателя. Страница оплаты всегда предлагает e-mail для квитанции (необязательно). Для новых счетов также спрашивать:\nимя — {name}\nтелефон — {phone}",
        "en": "Buyer details. The pay page always offers an e-mail for the receipt (optional). For new invoices also ask for:\nname — {name}\nphone — {phone}",
    },
    "yes": {"uk": "так", "ru": "да", "en": "yes"},
    "no": {"uk": "ні", "ru": "нет", "en": "no"},
    "btn_toggle_name": {"uk": "👤 Ім'я: змінити", "ru": "👤 Имя: изменить", "en": "👤 Name: switch"},
    "btn_toggle_phone": {"uk": "📞 Телефон: змінити", "ru": "📞 Телефон: изменить", "en": "📞 Phone: switch"},
    "btn_buyer_fields": {"uk": "🧍 Дані покупця", "ru": "🧍 Данные покупателя", "en": "🧍 Buyer details"},
    "paid_buyer": {"uk": "\nПокупець: {details}", "ru": "\nПокупатель: {details}", "en": "\nBuyer: {details}"},
    "receipt_subject": {"uk": "Квитанція про оплату — {seller}", "ru": "Квитанция об оплате — {seller}", "en": "Payment receipt — {seller}"},
    "receipt_paid": {"uk": "Ви оплатили {amount} — отримувач {seller}.", "ru": "Вы оплатили {amount} — получатель {seller}.", "en": "You paid {amount} to {seller}."},
    "receipt_when": {"uk": "Дата і час: {when}", "ru": "Дата и время: {when}", "en": "Date and time: {when}"},
    "receipt_for": {"uk": "За: {description}", "ru": "За: {description}", "en": "For: {description}"},
    "receipt_transaction": {"uk": "Номер транзакції: {id}", "ru": "Номер транзакции: {id}", "en": "Transaction id: {id}"},
    "receipt_card": {"uk": "Картка: {mask}", "ru": "Карта: {mask}", "en": "Card: {mask}"},
    "receipt_link": {"uk": "Рахунок: {link}", "ru": "Счёт: {link}", "en": "Invoice: {link}"},
    "refund_subject": {"uk": "Повернення коштів — {seller}", "ru": "Возврат средств — {seller}", "en": "Refund — {seller}"},
    "refund_notice": {
        "uk": "{seller} повернув вам {amount}. Гроші надійдуть на картку, якою ви платили.",
        "ru": "{seller} вернул вам {amount}. Деньги поступят на карту, которой вы платили.",
        "en": "{seller} refunded you {amount}. The money goes back to the card you paid with.",
    },
    "receipt_not_fiscal": {
        "uk": "Це не фіскальний чек: він лише підтверджує оплату.",
        "ru": "Это не фискальный чек: он лишь подтверждает оплату.",
        "en": "This is not a fiscal receipt: it only confirms the payment.",
    },
    "pay_closed": {"uk": "Цей рахунок {status}.", "ru": "Этот счёт {status}.", "en": "This invoice is {status}."},
}


def normalize_language(code: str | None) -> str:
    """Map a messenger's language code (e.g. "uk", "ru-RU", "en-GB", None) to one we speak."""
    base = (code or "").split("-")[0].split("_")[0].lower()
    return base if base in LANGUAGES else ("en" if base else DEFAULT_LANGUAGE)


TEXTS.update(WEBHOOK_TEXTS)
TEXTS.update(REFUND_TEXTS)
TEXTS.update(MANUAL_TEXTS)
TEXTS.update(SUPPORT_TEXTS)
TEXTS.update(FISCAL_TEXTS)


def t(lang: str, key: str, **params: object) -> str:
    """The text `key` in `lang` (falling back to English), with `params` filled in."""
    entry = TEXTS[key]
    text = entry.get(lang) or entry["en"]
    return text.format(**params) if params else text


def mask_key(public_key: str) -> str:
    """A public key as chatpay shows it, `i1234…6789`: enough for the seller to recognise it, not
    to copy it. Private keys are never shown, not even masked."""
    if len(public_key) <= 9:
        return public_key[:2] + "…"
    return f"{public_key[:5]}…{public_key[-4:]}"


def format_amount(value: Decimal, lang: str) -> str:
    """1200.5 → "1 200,50" (uk, ru) or "1,200.50" (en)."""
    sign = "-" if value < 0 else ""
    whole, _, frac = f"{abs(value):f}".partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    if lang == "en":
        return sign + ",".join(groups) + ("." + frac if frac else "")
    return sign + _NBSP.join(groups) + ("," + frac if frac else "")


def format_money(money: Money, lang: str) -> str:
    """Money as a person reads it: "12,50 ₴" (uk, ru) or "₴12.50" (en)."""
    number = format_amount(money.amount, lang)
    symbol = SYMBOLS.get(money.currency, money.currency)
    if lang == "en":
        return f"{symbol}{number}" if len(symbol) == 1 else f"{number} {symbol}"
    return f"{number}{_NBSP}{symbol}"


def status_word(status: str, lang: str) -> str:
    key = f"status_{status}"
    return t(lang, key) if key in TEXTS else status
