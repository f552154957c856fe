"""`/qr/{code}.png`, the picture Viber and the cabinet show for an invoice, is drawn once: every
later request, in any web process, gets the same bytes without the invoice being read again."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from storage.settings import load_settings
from tests.integration.test_storage import add_seller, an_invoice
from web.main import WebProcess, build


@pytest.fixture
def two_edges(database_url: str, redis_url: str, tmp_path: Path) -> Iterator[list[WebProcess]]:
    settings = load_settings(database_url=database_url, redis_url=redis_url, var_dir=tmp_path)
    edges = [build(settings, redis_url), build(settings, redis_url)]
    yield edges
    for edge in edges:
        edge.close()


def test_an_invoices_qr_is_drawn_once_for_every_web_process(two_edges: list[WebProcess]) -> None:
    first, second = two_edges
    with first.store.uow() as uow:
        invoice = an_invoice(add_seller(uow))
        uow.invoices.add(invoice)
        uow.commit()
    statements: list[str] = []
    event.listen(second.store.engine, "before_cursor_execute",
                 lambda *args: statements.append(args[2]))
    drawn = TestClient(first.app).get(f"/qr/{invoice.code}.png")
    kept = TestClient(second.app).get(f"/qr/{invoice.code}.png")
    assert drawn.status_code == kept.status_code == 200
    assert drawn.headers["content-type"] == "image/png" and drawn.content[:4] == b"\x89PNG"
    assert kept.content == drawn.content
    assert statements == []  # the second process neither read the invoice nor drew it


def test_an_unknown_code_has_no_qr(two_edges: list[WebProcess]) -> None:
    assert TestClient(two_edges[0].app).get("/qr/NoSuch123.png").status_code == 404
    assert TestClient(two_edges[1].app).get("/qr/NoSuch123.png").status_code == 404
