"""The QR code of a pay link, as PNG bytes."""
from __future__ import annotations

import io

import qrcode
from qrcode.constants import ERROR_CORRECT_M

#: Choosing the "best" of the eight masks costs ~6 ms of pure Python per code, most of the
#: worker's time per invoice; every mask is valid and read by any scanner, so we fix one.
MASK = 0


def qr_png(url: str, *, box_size: int = 10) -> bytes:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=4,
                         mask_pattern=MASK)
    code.add_data(url)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()
