"""The QR code of a pay link, as PNG bytes."""
from __future__ import annotations

import io

import qrcode
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M

#: Choosing the "best" of the eight masks costs ~6 ms of pure Python per code, most of the
#: worker's time per invoice; every mask is valid and read by any scanner, so we fix one.
MASK = 0


def qr_png(url: str, *, box_size: int = 10, border: int = 4) -> bytes:
    """A black-on-white, 1-bit PNG, `box_size` pixels a module, with a `border`-module margin.

    The image is built from the module matrix in one piece and scaled up, rather than drawn a
    square at a time as qrcode's PIL factory does: the same pixels in 1.3 ms instead of 2 ms.
    """
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=border, mask_pattern=MASK)
    code.add_data(url)
    code.make(fit=True)
    matrix = code.get_matrix()  # True is a dark module; the border is included
    side = len(matrix)
    bits = b"".join(_pack(row) for row in matrix)
    image = Image.frombytes("1", (side, side), bits)  # in mode "1" a set bit is white
    image = image.resize((side * box_size, side * box_size), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _pack(row: list[bool]) -> bytes:
    """One matrix row as 1-bit pixels, most significant bit first, padded to whole bytes."""
    return bytes(
        sum((not dark) << (7 - i) for i, dark in enumerate(row[j:j + 8]))
        for j in range(0, len(row), 8))
