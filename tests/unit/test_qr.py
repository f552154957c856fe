"""The QR code a buyer scans holds exactly the pay link."""
from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image

from workers.qr import qr_png


@pytest.mark.parametrize("link", [
    "http://127.0.0.1:8000/p/j2L6cB6bHc",
    "https://pay.example.com/p/" + "x" * 40,
])
def test_the_qr_code_decodes_to_the_pay_link(link: str) -> None:
    image = Image.open(io.BytesIO(qr_png(link)))
    results = zxingcpp.read_barcodes(image)
    assert [r.text for r in results] == [link]
    assert image.format == "PNG"
