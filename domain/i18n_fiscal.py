"""What chatpay says about fiscal receipts (the seller's PRRO, Checkbox), in uk, ru and en."""
from __future__ import annotations

FISCAL_TEXTS: dict[str, dict[str, str]] = {
    "btn_fiscal": {"uk": "🧾 Фіскальні чеки", "ru": "🧾 Фискальные чеки", "en": "🧾 Fiscal receipts"},
    "btn_fiscal_connect": {"uk": "🔌 Підключити Checkbox", "ru": "🔌 Подключить Checkbox", "en": "🔌 Connect Checkbox"},
    "btn_fiscal_auto": {"uk": "✅ Автоматично", "ru": "✅ Автоматически", "en": "✅ Automatic"},
    "btn_fiscal_off": {"uk": "⏸ Вимкнути", "ru": "⏸ Выключить", "en": "⏸ Off"},
    "btn_fiscal_goods": {"uk": "✏️ Назва товару", "ru": "✏️ Название товара", "en": "✏️ Goods name"},
    "fiscal_settings": {
        "uk": "🧾 Фіскальні чеки (ПРРО Checkbox)\nКаса: {register}\nРежим: {mode}\nНазва товару, коли в рахунку немає опису: «{goods}»",
        "ru": "🧾 Фискальные чеки (ПРРО Checkbox)\nКасса: {register}\nРежим: {mode}\nНазвание товара, когда в счёте нет описания: «{goods}»",
        "en": "🧾 Fiscal receipts (Checkbox PRRO)\nCash register: {register}\nMode: {mode}\nGoods name when an invoice has no description: “{goods}”",
    },
    "fiscal_register_connected": {"uk": "підключено", "ru": "подключена", "en": "connected"},
    "fiscal_register_none": {"uk": "не підключено", "ru": "не подключена", "en": "not connected"},
    "fiscal_mode_automatic": {"uk": "чек на кожну оплату й повернення", "ru": "чек на каждую оплату и возврат", "en": "a receipt for every payment and refund"},
    "fiscal_mode_off": {"uk": "вимкнено", "ru": "выключено", "en": "off"},
    "fiscal_default_goods": {"uk": "Оплата за рахунком", "ru": "Оплата по счёту", "en": "Payment by invoice"},
    "fiscal_ask_license": {
        "uk": "Надішліть ключ ліцензії каси з кабінету Checkbox (Каси → ключ ліцензії). Я видалю повідомлення з ключем.",
        "ru": "Пришлите ключ лицензии кассы из кабинета Checkbox (Кассы → ключ лицензии). Я удалю сообщение с ключом.",
        "en": "Send the cash register's licence key from your Checkbox cabinet (Cash registers → licence key). I will delete the message with the key.",
    },
    "fiscal_ask_pin": {
        "uk": "Тепер пін-код касира (лише цифри). Я видалю й це повідомлення.",
        "ru": "Теперь пин-код кассира (только цифры). Я удалю и это сообщение.",
        "en": "Now the cashier's PIN (digits only). I will delete this message too.",
    },
    "fiscal_license_invalid": {
        "uk": "Це не схоже на ключ ліцензії: один рядок з літер, цифр і дефісів. Спробуйте ще раз.",
        "ru": "Это не похоже на ключ лицензии: одна строка из букв, цифр и дефисов. Попробуйте ещё раз.",
        "en": "That does not look like a licence key: one word of letters, digits and hyphens. Try again.",
    },
    "fiscal_pin_invalid": {
        "uk": "Пін-код касира — від 4 до 10 цифр. Спробуйте ще раз.",
        "ru": "Пин-код кассира — от 4 до 10 цифр. Попробуйте ещё раз.",
        "en": "A cashier's PIN is 4 to 10 digits. Try again.",
    },
    "fiscal_checking": {"uk": "Перевіряю вхід у Checkbox…", "ru": "Проверяю вход в Checkbox…", "en": "Checking the sign-in with Checkbox…"},
    "fiscal_connected": {
        "uk": "✅ Checkbox підключено: на кожну оплату буде фіскальний чек, на повернення — чек повернення.",
        "ru": "✅ Checkbox подключён: на каждую оплату будет фискальный чек, на возврат — чек возврата.",
        "en": "✅ Checkbox is connected: every payment gets a fiscal receipt, every refund a return receipt.",
    },
    "fiscal_connect_refused": {
        "uk": "❌ Checkbox не прийняв ці дані: {reason}\nНічого не збережено. Перевірте ключ і пін-код і підключіть ще раз.",
        "ru": "❌ Checkbox не принял эти данные: {reason}\nНичего не сохранено. Проверьте ключ и пин-код и подключите ещё раз.",
        "en": "❌ Checkbox did not accept these: {reason}\nNothing was stored. Check the key and the PIN and connect again.",
    },
    "fiscal_connect_unchecked": {
        "uk": "⚠️ Checkbox зараз не відповідає, тож я не зміг перевірити дані. Нічого не збережено; спробуйте за кілька хвилин.",
        "ru": "⚠️ Checkbox сейчас не отвечает, поэтому я не смог проверить данные. Ничего не сохранено; попробуйте через несколько минут.",
        "en": "⚠️ Checkbox is not answering right now, so I could not check these. Nothing was stored; try again in a few minutes.",
    },
    "fiscal_need_connect": {
        "uk": "Спершу підключіть Checkbox.", "ru": "Сначала подключите Checkbox.",
        "en": "Connect Checkbox first.",
    },
    "fiscal_mode_set": {"uk": "Збережено: {mode}.", "ru": "Сохранено: {mode}.", "en": "Saved: {mode}."},
    "fiscal_ask_goods": {
        "uk": "Напишіть назву товару чи послуги для чеків, коли в рахунку немає опису (до 128 символів).",
        "ru": "Напишите название товара или услуги для чеков, когда в счёте нет описания (до 128 символов).",
        "en": "Type the goods or service name for receipts of invoices without a description (up to 128 characters).",
    },
    "fiscal_goods_invalid": {
        "uk": "Назва — від 1 до 128 символів, один рядок. Спробуйте ще раз.",
        "ru": "Название — от 1 до 128 символов, одна строка. Попробуйте ещё раз.",
        "en": "The name is 1 to 128 characters on one line. Try again.",
    },
    "fiscal_goods_set": {"uk": "Назва товару для чеків: «{goods}».", "ru": "Название товара для чеков: «{goods}».", "en": "Goods name for receipts: “{goods}”."},
    "fiscal_issued": {
        "uk": "🧾 Фіскальний чек № {code} на {amount}{description}\n{link}",
        "ru": "🧾 Фискальный чек № {code} на {amount}{description}\n{link}",
        "en": "🧾 Fiscal receipt No. {code} for {amount}{description}\n{link}",
    },
    "fiscal_paid_line": {
        "uk": "🧾 Фіскальний чек № {code}: {link}", "ru": "🧾 Фискальный чек № {code}: {link}",
        "en": "🧾 Fiscal receipt No. {code}: {link}",
    },
    "fiscal_return_issued": {
        "uk": "🧾 Чек повернення № {code} на {amount}{description}\n{link}",
        "ru": "🧾 Чек возврата № {code} на {amount}{description}\n{link}",
        "en": "🧾 Return receipt No. {code} for {amount}{description}\n{link}",
    },
    "fiscal_pending": {
        "uk": "⏳ Фіскальний чек на {amount}{description} очікує: Checkbox зараз не відповідає. Я зареєструю його, щойно каса відповість (до 36 годин), і надішлю посилання.",
        "ru": "⏳ Фискальный чек на {amount}{description} ожидает: Checkbox сейчас не отвечает. Я зарегистрирую его, как только касса ответит (до 36 часов), и пришлю ссылку.",
        "en": "⏳ The fiscal receipt for {amount}{description} is pending: Checkbox is not answering. I will register it as soon as the cash register answers (within 36 hours) and send the link.",
    },
    "fiscal_refused": {
        "uk": "❌ Фіскальний чек на {amount}{description} не зареєстровано. Причина від Checkbox: {reason}\nВиправте її (наприклад, у кабінеті Checkbox), потім підключіть Checkbox знову (Фіскальні чеки → Підключити Checkbox) — і чек буде зареєстровано повторно.",
        "ru": "❌ Фискальный чек на {amount}{description} не зарегистрирован. Причина от Checkbox: {reason}\nИсправьте её (например, в кабинете Checkbox), затем подключите Checkbox снова (Фискальные чеки → Подключить Checkbox) — и чек будет зарегистрирован повторно.",
        "en": "❌ The fiscal receipt for {amount}{description} was not registered. Checkbox's reason: {reason}\nFix it (in your Checkbox cabinet, say), then connect Checkbox again (Fiscal receipts → Connect Checkbox): the receipt will be registered again.",
    },
    "fiscal_reason_currency": {
        "uk": "Checkbox реєструє чеки лише в гривнях, а цю оплату отримано в {currency}.",
        "ru": "Checkbox регистрирует чеки только в гривнах, а эта оплата получена в {currency}.",
        "en": "Checkbox registers receipts in hryvnias only, and this payment came in {currency}.",
    },
    "fiscal_reason_not_connected": {
        "uk": "касу Checkbox не підключено.", "ru": "касса Checkbox не подключена.",
        "en": "no Checkbox cash register is connected.",
    },
    "fiscal_reason_no_sale": {
        "uk": "чек продажу для цієї оплати не зареєстровано, тож повернення не до чого прив'язати.",
        "ru": "чек продажи для этой оплаты не зарегистрирован, поэтому возврат не к чему привязать.",
        "en": "the sale receipt of this payment was not registered, so the return has nothing to refer to.",
    },
    "fiscal_reason_error": {
        "uk": "Checkbox не зміг фіскалізувати чек (статус ERROR). Перевірте налаштування каси в кабінеті Checkbox.",
        "ru": "Checkbox не смог фискализировать чек (статус ERROR). Проверьте настройки кассы в кабинете Checkbox.",
        "en": "Checkbox could not fiscalise the receipt (status ERROR). Check the cash register's settings in your Checkbox cabinet.",
    },
    "fiscal_stuck": {
        "uk": "⚠️ Фіскальний чек на {amount}{description} завис: Checkbox прийняв його, але 36 годин не фіскалізує. Я більше не перевіряю його. Перевірте чек у кабінеті Checkbox або зверніться до підтримки Checkbox.",
        "ru": "⚠️ Фискальный чек на {amount}{description} завис: Checkbox принял его, но 36 часов не фискализирует. Я больше не проверяю его. Проверьте чек в кабинете Checkbox или обратитесь в поддержку Checkbox.",
        "en": "⚠️ The fiscal receipt for {amount}{description} is stuck: Checkbox took it but has not fiscalised it in 36 hours. I have stopped checking it. Look at the receipt in your Checkbox cabinet, or ask Checkbox's support.",
    },
    "fiscal_reason_stuck": {
        "uk": "Checkbox 36 годин не фіскалізував чек.", "ru": "Checkbox 36 часов не фискализировал чек.",
        "en": "Checkbox did not fiscalise the receipt in 36 hours.",
    },
    "fiscal_reason_offline": {
        "uk": "Checkbox не відповідав 36 годин.", "ru": "Checkbox не отвечал 36 часов.",
        "en": "Checkbox did not answer for 36 hours.",
    },
    "receipt_fiscal_link": {
        "uk": "Фіскальний чек: {link}", "ru": "Фискальный чек: {link}", "en": "Fiscal receipt: {link}",
    },
}
