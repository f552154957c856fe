"""What chatpay says about a seller's shop notifications (webhooks), in uk, ru and en."""
from __future__ import annotations

WEBHOOK_TEXTS: dict[str, dict[str, str]] = {
    "webhook_none": {
        "uk": "Сповіщення магазину не налаштовані. Надішліть /webhook https://ваш-магазин/hook, щоб увімкнути.",
        "ru": "Уведомления магазина не настроены. Отправьте /webhook https://ваш-магазин/hook, чтобы включить.",
        "en": "Shop notifications are not set up. Send /webhook https://your-shop/hook to set them up.",
    },
    "webhook_set": {
        "uk": "Сповіщення про оплати надходитимуть на {url}.\n\nСекрет для підпису (показую лише раз):\n{secret}\n\nПеревіряйте кожен POST за стандартом Standard Webhooks: заголовки webhook-id, webhook-timestamp, webhook-signature (v1, HMAC-SHA256 над «id.timestamp.тіло», ключ — base64 після whsec_). Відповідайте 200 з тілом ok. Надсилаю тестову подію…",
        "ru": "Уведомления об оплатах будут приходить на {url}.\n\nСекрет для подписи (показываю один раз):\n{secret}\n\nПроверяйте каждый POST по стандарту Standard Webhooks: заголовки webhook-id, webhook-timestamp, webhook-signature (v1, HMAC-SHA256 над «id.timestamp.тело», ключ — base64 после whsec_). Отвечайте 200 с телом ok. Отправляю тестовое событие…",
        "en": "Payment notifications will go to {url}.\n\nSigning secret (shown only this once):\n{secret}\n\nVerify each POST the Standard Webhooks way: headers webhook-id, webhook-timestamp, webhook-signature (v1, HMAC-SHA256 over \"id.timestamp.body\", key: the base64 after whsec_). Answer 200 with the body ok. Sending a test event…",
    },
    "webhook_refused": {
        "uk": "Цю адресу не можна використати: {reason}.",
        "ru": "Этот адрес нельзя использовать: {reason}.",
        "en": "That URL can't be used: {reason}.",
    },
    "webhook_ping_ok": {
        "uk": "✅ Магазин відповів ok на тестову подію.",
        "ru": "✅ Магазин ответил ok на тестовое событие.",
        "en": "✅ Your shop answered ok to the test event.",
    },
    "webhook_ping_failed": {
        "uk": "⚠️ Магазин не відповів ok на тестову подію ({detail}).",
        "ru": "⚠️ Магазин не ответил ok на тестовое событие ({detail}).",
        "en": "⚠️ Your shop did not answer ok to the test event ({detail}).",
    },
    "webhook_exhausted": {
        "uk": "⚠️ Магазин так і не підтвердив подію {event}{invoice} після {attempts} спроб.",
        "ru": "⚠️ Магазин так и не подтвердил событие {event}{invoice} после {attempts} попыток.",
        "en": "⚠️ Your shop never confirmed the event {event}{invoice} after {attempts} attempts.",
    },
    "webhook_disabled": {
        "uk": "⛔ Сповіщення на {url} вимкнено: останні 3 події не доставлено. «Надіслати тест» з відповіддю ok увімкне їх знову.",
        "ru": "⛔ Уведомления на {url} отключены: последние 3 события не доставлены. «Отправить тест» с ответом ok включит их снова.",
        "en": "⛔ Notifications to {url} are turned off: the last 3 events were never confirmed. A “Send test” answered ok turns them back on.",
    },
    "webhook_enabled": {
        "uk": "✅ Сповіщення на {url} знову увімкнено.",
        "ru": "✅ Уведомления на {url} снова включены.",
        "en": "✅ Notifications to {url} are back on.",
    },
    "webhook_show": {
        "uk": "Адреса магазину: {url}\nСтан: {state}\nОстанні доставки:\n{lines}",
        "ru": "Адрес магазина: {url}\nСостояние: {state}\nПоследние доставки:\n{lines}",
        "en": "Shop URL: {url}\nState: {state}\nLast deliveries:\n{lines}",
    },
    "webhook_no_deliveries": {"uk": "— ще немає", "ru": "— пока нет", "en": "— none yet"},
    "webhook_delivery_pending": {"uk": "очікує", "ru": "ожидает", "en": "pending"},
    "webhook_delivery_delivered": {"uk": "доставлено", "ru": "доставлено", "en": "delivered"},
    "webhook_delivery_failed": {"uk": "не доставлено", "ru": "не доставлено", "en": "failed"},
    "webhook_state_active": {"uk": "активні", "ru": "активны", "en": "active"},
    "webhook_state_disabled": {"uk": "вимкнені", "ru": "отключены", "en": "disabled"},
    "webhook_rotated": {
        "uk": "Новий секрет (показую лише раз):\n{secret}\nСтарий підписує ще 24 години разом із новим.",
        "ru": "Новый секрет (показываю один раз):\n{secret}\nСтарый подписывает ещё 24 часа вместе с новым.",
        "en": "New secret (shown only this once):\n{secret}\nThe old one keeps signing alongside it for 24 hours.",
    },
    "webhook_redelivered": {
        "uk": "Надіслано повторно: {count}.",
        "ru": "Отправлено повторно: {count}.",
        "en": "Sent again: {count}.",
    },
    "webhook_removed": {
        "uk": "Сповіщення магазину вимкнено й адресу видалено.",
        "ru": "Уведомления магазина отключены, адрес удалён.",
        "en": "Shop notifications removed.",
    },
    "webhook_test_sent": {
        "uk": "Надсилаю тестову подію…", "ru": "Отправляю тестовое событие…",
        "en": "Sending a test event…",
    },
    "btn_webhook_test": {"uk": "Надіслати тест", "ru": "Отправить тест", "en": "Send test"},
    "btn_webhook_rotate": {"uk": "Новий секрет", "ru": "Новый секрет", "en": "Rotate secret"},
    "btn_webhook_redeliver": {
        "uk": "Повторити невдалі", "ru": "Повторить неудачные", "en": "Redeliver failed",
    },
    "btn_webhook_remove": {"uk": "Видалити", "ru": "Удалить", "en": "Remove"},
}
