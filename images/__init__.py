"""Pictures chatpay draws for people, pure rendering without I/O: the pay link's QR code. Shared by
the workers (the Telegram photo, the e-mail) and the web edge (`/qr/{code}.png`), below both."""
