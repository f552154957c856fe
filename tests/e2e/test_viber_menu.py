"""In Viber a message shows one keyboard: the worker's messages about an invoice carry the main
menu under their own buttons, so after "paid" the seller can go on without typing."""
from __future__ import annotations

from typing import Any

from tests.e2e.conftest import buyer_pays
from tests.e2e.test_invoice_outcomes import code_of


def test_after_paid_the_viber_seller_still_has_the_main_menu(stack: Any) -> None:
    from tests.e2e.test_viber_conversation import ViberSeller, pay_link
    seller = ViberSeller(stack)
    seller.register()
    link = pay_link(seller.create_invoice("12,50", "Кава"))
    code = code_of(link)
    buyer_pays(link)
    paid = seller.next("Оплачено")
    bodies = [b["ActionBody"] for b in paid["keyboard"]["Buttons"]]
    assert bodies[0] == f"rfd:{code}"
    assert {"🧾 Створити рахунок", "⚙️ Платіжний рахунок"} <= set(bodies)

    seller.says("🧾 Створити рахунок")          # the menu's button, tapped under "paid"
    assert seller.next("Введіть суму")["text"].startswith("Введіть суму в")


def test_the_viber_manual_payments_screen_keeps_the_main_menu_under_its_buttons(
        stack: Any) -> None:
    """A new user opened Manual payments and was left with only "edit Cash" and "add"."""
    from tests.e2e.test_viber_conversation import ViberSeller
    seller = ViberSeller(stack)
    seller.register()
    seller.says("/manual")
    listing = seller.next("Готівка")
    bodies = [b["ActionBody"] for b in listing["keyboard"]["Buttons"]]
    assert "mm:add" in bodies
    assert {"🧾 Створити рахунок", "⚙️ Платіжний рахунок", "🌐 Мова"} <= set(bodies)
