"""The QR code a buyer scans holds exactly the pay link."""
from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image

from domain.qr import qr_png


@pytest.mark.parametrize("link", [
    "http://127.0.0.1:8000/p/j2L6cB6bHc",
    "https://pay.example.com/p/" + "x" * 40,
])
def test_the_qr_code_decodes_to_the_pay_link(link: str) -> None:
    image = Image.open(io.BytesIO(qr_png(link)))
    results = zxingcpp.read_barcodes(image)
    assert [r.text for r in results] == [link]
    assert image.format == "PNG"


def test_the_code_has_its_quiet_zone_and_whole_modules() -> None:
    """Scanners need the white margin; every module is a square of box_size pixels."""
    image = Image.open(io.BytesIO(qr_png("http://127.0.0.1:8000/p/j2L6cB6bHc", box_size=6)))
    width, height = image.size
    assert width == height and width % 6 == 0
    gray = image.convert("L")
    margin = 4 * 6
    assert gray.crop((0, 0, width, margin)).getextrema() == (255, 255)
    assert gray.crop((0, 0, margin, height)).getextrema() == (255, 255)
    assert gray.crop((width - margin, 0, width, height)).getextrema() == (255, 255)
    # the finder pattern's dark outer ring starts right after the margin
    assert gray.getpixel((margin, margin)) == 0
    assert gray.getpixel((margin + 6 * 7 - 1, margin)) == 0
    assert gray.getpixel((margin + 6 * 7, margin)) == 255
