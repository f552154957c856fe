"""What the seller reads when connecting, seeing and disconnecting their monobank account."""
from __future__ import annotations

MONOBANK_TEXTS: dict[str, dict[str, str]] = {
    # which provider took a payment (the cabinet, support's history)
    "provider_liqpay": {"uk": "LiqPay", "ru": "LiqPay", "en": "LiqPay"},
    "provider_monobank": {"uk": "monobank", "ru": "monobank", "en": "monobank"},
    "sup_h_paid_by": {"uk": " — через {provider}", "ru": " — через {provider}",
                      "en": " — through {provider}"},
    "btn_connect_monobank": {
        "uk": "🔗 Підключити monobank", "ru": "🔗 Подключить monobank", "en": "🔗 Connect monobank"},
    "btn_disconnect_monobank": {
        "uk": "🔌 Відключити monobank", "ru": "🔌 Отключить monobank",
        "en": "🔌 Disconnect monobank"},
    "account_monobank": {
        "uk": "monobank: ваш еквайринг (мерчант {public_key}).",
        "ru": "monobank: ваш эквайринг (мерчант {public_key}).",
        "en": "monobank: your own acquiring (merchant {public_key}).",
    },
    "account_monobank_refused": {
        "uk": "⚠️ monobank більше не приймає цей токен: підключіть monobank знову кнопкою нижче.",
        "ru": "⚠️ monobank больше не принимает этот токен: подключите monobank снова кнопкой ниже.",
        "en": "⚠️ monobank no longer accepts this token: connect monobank again with the button below.",
    },
    "account_both": {
        "uk": "Платіжні рахунки: ваш LiqPay (публічний ключ {public_key}) і monobank. Покупець обирає на сторінці оплати, чим платити.",
        "ru": "Платёжные счета: ваш LiqPay (публичный ключ {public_key}) и monobank. Покупатель выбирает на странице оплаты, чем платить.",
        "en": "Payment accounts: your own LiqPay (public key {public_key}) and monobank. The buyer chooses on the pay page how to pay.",
    },
    "account_own_only_monobank": {
        "uk": "Платіжний рахунок: ваш власний. Нові рахунки оплачуються на нього.",
        "ru": "Платёжный счёт: ваш собственный. Новые счета оплачиваются на него.",
        "en": "Payment account: your own. New invoices are paid into it.",
    },
    "ask_monobank_token": {
        "uk": "Надішліть токен з бізнес-кабінету monobank (web.monobank.ua → Налаштування → API). Я перевірю його в monobank і збережу зашифрованим; токен я нікому не показую. /cancel — скасувати.",
        "ru": "Отправьте токен из бизнес-кабинета monobank (web.monobank.ua → Настройки → API). Я проверю его в monobank и сохраню зашифрованным; токен я никому не показываю. /cancel — отменить.",
        "en": "Send the token from your monobank business cabinet (web.monobank.ua → Settings → API). I will check it with monobank and store it encrypted; I never show the token to anyone. /cancel to stop.",
    },
    "monobank_token_not_valid": {
        "uk": "Це не схоже на токен monobank: токен — одне слово без пробілів. Надішліть його ще раз або /cancel.",
        "ru": "Это не похоже на токен monobank: токен — одно слово без пробелов. Отправьте его ещё раз или /cancel.",
        "en": "That doesn't look like a monobank token: a token is one word without spaces. Send it again, or /cancel.",
    },
    "checking_monobank_token": {
        "uk": "Перевіряю токен у monobank…", "ru": "Проверяю токен в monobank…",
        "en": "Checking the token with monobank…"},
    "monobank_connected": {
        "uk": "✅ monobank підключено: {merchant}. Покупці зможуть платити карткою, Apple Pay і Google Pay.",
        "ru": "✅ monobank подключён: {merchant}. Покупатели смогут платить картой, Apple Pay и Google Pay.",
        "en": "✅ monobank connected: {merchant}. Buyers can pay by card, Apple Pay and Google Pay.",
    },
    "monobank_refused": {
        "uk": "❌ monobank не прийняв цей токен — нічого не збережено. Перевірте токен у бізнес-кабінеті monobank і спробуйте ще раз: «⚙️ Платіжний рахунок» → «🔗 Підключити monobank».",
        "ru": "❌ monobank не принял этот токен — ничего не сохранено. Проверьте токен в бизнес-кабинете monobank и попробуйте ещё раз: «⚙️ Платёжный счёт» → «🔗 Подключить monobank».",
        "en": "❌ monobank did not accept this token — nothing was saved. Check the token in your monobank business cabinet and try again: “⚙️ Payment account” → “🔗 Connect monobank”.",
    },
    "monobank_unchecked": {
        "uk": "⚠️ Не вдалося зв'язатися з monobank, щоб перевірити токен — нічого не збережено. Спробуйте пізніше.",
        "ru": "⚠️ Не удалось связаться с monobank, чтобы проверить токен — ничего не сохранено. Попробуйте позже.",
        "en": "⚠️ I couldn't reach monobank to check the token — nothing was saved. Please try again later.",
    },
    "confirm_disconnect_monobank": {
        "uk": "Відключити ваш monobank ({public_key})? Нові рахунки більше не оплачуватимуться на нього; вже створені працюватимуть до кінця.",
        "ru": "Отключить ваш monobank ({public_key})? Новые счета больше не будут оплачиваться на него; уже созданные будут работать до конца.",
        "en": "Disconnect your monobank ({public_key})? New invoices will no longer be paid into it; invoices already made keep working to the end.",
    },
    "monobank_disconnected": {
        "uk": "monobank відключено. Вже створені рахунки працюють, як і раніше.",
        "ru": "monobank отключён. Уже созданные счета работают, как и раньше.",
        "en": "monobank disconnected. Invoices already made keep working as before.",
    },
    "monobank_account_refused": {
        "uk": "⚠️ monobank більше не приймає токен вашого рахунку (мерчант {public_key}), тож нові рахунки на нього не створюються. Підключіть monobank знову: «⚙️ Платіжний рахунок» → «🔗 Підключити monobank».",
        "ru": "⚠️ monobank больше не принимает токен вашего счёта (мерчант {public_key}), поэтому новые счета на него не создаются. Подключите monobank снова: «⚙️ Платёжный счёт» → «🔗 Подключить monobank».",
        "en": "⚠️ monobank no longer accepts your account's token (merchant {public_key}), so no new invoice is made on it. Connect monobank again: “⚙️ Payment account” → “🔗 Connect monobank”.",
    },
    "monobank_not_connected": {
        "uk": "monobank не підключено.", "ru": "monobank не подключён.",
        "en": "You have no monobank connected."},
}
