"""What chatpay says while a seller sets up and makes an invoice (uk, ru, en): the welcome, the
menus, the payment account, the amount rules, the invoice message."""
from __future__ import annotations

DIALOG_TEXTS: dict[str, dict[str, str]] = {
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
        "uk": "Платіжний рахунок: рахунок платформи. Оплати надходять на LiqPay платформи.\nЩоб гроші надходили на ваш власний рахунок, підключіть LiqPay або monobank кнопкою нижче.",
        "ru": "Платёжный счёт: счёт платформы. Оплаты поступают на LiqPay платформы.\nЧтобы деньги поступали на ваш собственный счёт, подключите LiqPay или monobank кнопкой ниже.",
        "en": "Payment account: the platform's. Payments go to the platform's LiqPay.\nTo be paid into your own account, connect LiqPay or monobank with a button below.",
    },
    "account_own": {
        "uk": "Платіжний рахунок: ваш LiqPay (публічний ключ {public_key}). Нові рахунки оплачуються на нього.",
        "ru": "Платёжный счёт: ваш LiqPay (публичный ключ {public_key}). Новые счета оплачиваются на него.",
        "en": "Payment account: your own LiqPay (public key {public_key}). New invoices are paid into it.",
    },
    "account_own_refused": {
        "uk": "⚠️ LiqPay більше не приймає ці ключі: підключіть LiqPay знову кнопкою нижче.",
        "ru": "⚠️ LiqPay больше не принимает эти ключи: подключите LiqPay снова кнопкой ниже.",
        "en": "⚠️ LiqPay no longer accepts these keys: connect LiqPay again with the button below.",
    },
    "account_none": {
        "uk": "Платіжний рахунок не підключено: рахунки створювати не можна, доки ви не підключите свій LiqPay або monobank.",
        "ru": "Платёжный счёт не подключён: счета создавать нельзя, пока вы не подключите свой LiqPay или monobank.",
        "en": "No payment account is connected: you cannot create invoices until you connect your LiqPay or monobank.",
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
    "account_refused": {
        "uk": "⚠️ LiqPay більше не приймає ключі вашого рахунку ({public_key}) — можливо, їх відкликано в кабінеті LiqPay. Поки ви не підключите його знову, нові рахунки не створюються, а покупці не можуть оплатити відкриті. Візьміть ключі в кабінеті LiqPay (Налаштування → API) і підключіть: «⚙️ Платіжний рахунок» → «🔗 Підключити LiqPay».",
        "ru": "⚠️ LiqPay больше не принимает ключи вашего счёта ({public_key}) — возможно, их отозвали в кабинете LiqPay. Пока вы не подключите его снова, новые счета не создаются, а покупатели не могут оплатить открытые. Возьмите ключи в кабинете LiqPay (Настройки → API) и подключите: «⚙️ Платёжный счёт» → «🔗 Подключить LiqPay».",
        "en": "⚠️ LiqPay no longer accepts the keys of your account ({public_key}) — they may have been revoked in your LiqPay cabinet. Until you connect it again, no new invoice is made and buyers cannot pay the open ones. Take the keys from your LiqPay cabinet (Settings → API) and connect: “⚙️ Payment account” → “🔗 Connect LiqPay”.",
    },
    "platform_refused": {
        "uk": "⚠️ Зараз рахунки на платіжний рахунок платформи створити неможливо: LiqPay не приймає його ключі. Спробуйте пізніше або підключіть власний LiqPay: «⚙️ Платіжний рахунок» → «🔗 Підключити LiqPay».",
        "ru": "⚠️ Сейчас счета на платёжный счёт платформы создать невозможно: LiqPay не принимает его ключи. Попробуйте позже или подключите собственный LiqPay: «⚙️ Платёжный счёт» → «🔗 Подключить LiqPay».",
        "en": "⚠️ Invoices paid into the platform's account cannot be made now: LiqPay does not accept its keys. Try again later, or connect your own LiqPay: “⚙️ Payment account” → “🔗 Connect LiqPay”.",
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
    "button_stale": {"uk": "Ця кнопка вже не діє.", "ru": "Эта кнопка уже не действует.", "en": "This button no longer works."},
    "dialog_cancelled": {"uk": "Скасовано.", "ru": "Отменено.", "en": "Cancelled."},
    "invoice_ready": {
        "uk": "Рахунок на {amount}{description}\nПокажіть QR-код покупцю або надішліть посилання:\n{link}\nДійсний до {expires}.",
        "ru": "Счёт на {amount}{description}\nПокажите QR-код покупателю или отправьте ссылку:\n{link}\nДействителен до {expires}.",
        "en": "Invoice for {amount}{description}\nShow the buyer the QR code or send the link:\n{link}\nValid until {expires}.",
    },
}
