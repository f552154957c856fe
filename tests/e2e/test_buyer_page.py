"""The buyer's pay page in a real browser (Debian's Chromium, driven by Playwright) on a phone's
360 px screen: each state it shows, in Ukrainian and English, checked by axe-core (no serious
or critical violation), with tap targets of 44 px and nothing wider than the screen. The paid
state arrives without a reload. Screenshots of each state go to var/screenshots/."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from domain.declines import decline_text
from domain.i18n import t
from sandbox.stack import Stack
from tests.e2e.conftest import SellerChat
from tests.e2e.test_sandbox_page import ARTEFACTS, TIMEOUT
from web import pay_page
from web.pay_state import ATTEMPT_DECLINED, LatestAttempt
from workers import runtime

pytestmark = pytest.mark.timeout(1200)  # the first test may wait for apt-get to install Chromium

PHONE = {"width": 360, "height": 740}
LOCALES = {"uk": "uk-UA", "en": "en-US"}


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Any]:  # noqa: F811
    # this module's only: Playwright's sync API keeps an event loop running in this thread
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium,
                                              args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield launched
        launched.close()


@pytest.fixture(params=["uk", "en"])
def phone(request: pytest.FixtureRequest, browser: Any) -> Iterator[Any]:
    """A phone-sized tab whose browser asks for the language of the test."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=PHONE, locale=LOCALES[request.param],
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.lang = request.param
    try:
        yield page
    except Exception:
        page.screenshot(path=str(ARTEFACTS / f"buyer-{request.param}-failed.png"))
        raise
    finally:
        context.close()


def looks_right(page: Any, state: str) -> None:
    """The state is shown, in the page's language, usable on the phone, and passes axe-core;
    a screenshot of it is kept."""
    from axe_playwright_python.sync_playwright import Axe
    lang = page.lang
    assert page.locator("html").get_attribute("lang") == lang
    page.locator(f"#live[data-state={state}]").wait_for()
    page.screenshot(path=str(ARTEFACTS / f"buyer-{state}-{lang}.png"), full_page=True)
    results = Axe().run(page)
    bad = [(v["id"], v["impact"], v["help"]) for v in results.response["violations"]
           if v["impact"] in ("serious", "critical")]
    assert bad == [], f"axe-core in the {state} state ({lang}): {bad}"
    too_small = page.evaluate("""() => [...document.querySelectorAll(
        'a, button, input, select')].filter(e => e.offsetParent !== null).map(e => {
            const r = e.getBoundingClientRect(); return [e.outerHTML.slice(0, 60), r.height]; })
        .filter(([_, h]) => h < 44)""")
    assert too_small == [], f"tap targets under 44 px in the {state} state: {too_small}"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def new_invoice(stack: Stack, description: str | None = "Букет троянд",
                ) -> tuple[SellerChat, dict[str, Any], str]:
    """A seller who named the shop, their invoice's message and its pay link."""
    seller = SellerChat(stack)
    seller.register()
    seller.says("/shop")
    seller.next("Назва магазину")
    seller.says("Квіти Оксани")
    seller.next("✅")
    message = seller.create_invoice("99", description)
    return seller, message, seller.pay_link(message)


def test_the_buyer_pays_and_the_page_turns_green_without_a_reload(
        phone: Any, stack: Stack) -> None:
    seller, _, link = new_invoice(stack)
    lang = phone.lang
    phone.goto(link)
    looks_right(phone, "open")
    assert phone.get_by_text("Квіти Оксани").count() and "Seller" not in phone.content()

    stack.sandbox.callback_delay = 3.0  # the bank takes its time: the buyer is back before it
    phone.locator("input[name=email]").fill("buyer@example.com")
    phone.locator("button.pay").click()
    phone.locator("input[name=card]").fill("4242 4242 4242 4242")
    phone.locator("input[name=exp]").fill("12/30")
    phone.locator("input[name=cvv]").fill("123")
    phone.locator("#card-form button").click()

    phone.wait_for_url("**/p/*?back=1")  # back from the checkout while the bank decides
    looks_right(phone, "processing")
    assert phone.locator("button").count() == 0  # neither the card nor a manual payment
    phone.evaluate("window.stillTheSamePage = true")

    phone.locator("#live[data-state=paid]").wait_for()  # followed live
    assert phone.evaluate("window.stillTheSamePage") is True  # no reload
    looks_right(phone, "paid")
    paid = phone.locator(".state-paid").inner_text()
    assert t(lang, "page_paid_title") in paid and "99" in paid and "Квіти Оксани" in paid
    assert t(lang, "page_receipt_sent", email="b…@example.com") in paid
    assert " EET" in paid  # the time in the seller's zone (Kyiv), not UTC
    seller.next("Оплачено")


def test_the_states_without_a_payment_under_way(phone: Any, stack: Stack) -> None:
    """Declined and unavailable are drawn from the page's inputs (the latest attempt, the
    account refused), on a real invoice; cancelled is the seller's cancel, from the chat."""
    seller, message, link = new_invoice(stack, description=None)
    code = link.rsplit("/", 1)[1]
    lang = phone.lang

    def drawn(returning: bool, **inputs: Any) -> None:
        with runtime.deps().uow().readonly() as uow:
            found = pay_page.load(uow, code, stack.settings.liqpay_public_key)
        assert found is not None
        found.update(inputs)
        html = pay_page.templates.get_template("pay.html").render(
            pay_page.context(found, lang, returning))
        phone.goto(f"{stack.base_url}/healthz")  # the page's origin, for its links
        # drawn, not served: it must not follow the real invoice (open) through its status
        phone.set_content(html.replace('data-final="false"', 'data-final="true"'))

    drawn(True, attempt=LatestAttempt(ATTEMPT_DECLINED, "limit"))  # back from the checkout
    looks_right(phone, "declined")
    declined = phone.locator(".state-declined").inner_text()
    assert decline_text("limit", lang) in declined
    assert phone.locator("button.pay").inner_text() == t(lang, "page_try_again")

    drawn(False, refused=True)
    looks_right(phone, "unavailable")
    assert phone.locator("button").count() == 0

    seller.taps(message, f"cnl:{code}")
    seller.next("скасовано")
    phone.goto(link)
    looks_right(phone, "cancelled")
    assert phone.locator("form").count() == 0


def test_an_expired_invoice_says_so_plainly(phone: Any, stack_factory: Any) -> None:
    stack = stack_factory(invoice_ttl="3s")
    seller, _, link = new_invoice(stack)
    seller.next("прострочено", timeout=20)
    phone.goto(link)
    looks_right(phone, "expired")
    assert phone.locator("form").count() == 0
    assert t(phone.lang, "page_expired_title") in phone.locator("#live").inner_text()


def test_the_language_switcher_wins_over_the_browser_and_is_remembered(
        phone: Any, stack: Stack) -> None:
    _, _, link = new_invoice(stack)
    other = "en" if phone.lang == "uk" else "uk"
    phone.goto(link)
    phone.locator(f"nav.langs a[lang={other}]").click()
    phone.locator(f"html[lang={other}]").wait_for()
    assert t(other, "pay_button") in phone.locator("button.pay").inner_text()
    phone.goto(link)  # the choice is remembered
    assert phone.locator("html").get_attribute("lang") == other


def test_a_declined_card_is_not_the_end_the_buyer_tries_again_and_the_page_turns_green(
        phone: Any, stack: Stack) -> None:
    """The issue's journey: the declining card, *Try again*, the good card, green without a
    reload; the seller hears of the decline once, then "paid", and never "payment failed"."""
    seller, _, link = new_invoice(stack)

    def checkout(card: str) -> None:
        phone.locator("button.pay").click()
        phone.locator("input[name=card]").fill(card)
        phone.locator("input[name=exp]").fill("12/30")
        phone.locator("input[name=cvv]").fill("123")
        phone.locator("#card-form button").click()

    phone.goto(link)
    checkout("4000 0000 0000 0002")
    phone.wait_for_url("**/p/*?back=1")
    looks_right(phone, "declined")
    assert decline_text("limit", phone.lang) in phone.locator(".state-declined").inner_text()
    assert phone.locator("button.pay").inner_text() == t(phone.lang, "page_try_again")

    stack.sandbox.callback_delay = 3.0
    checkout("4242 4242 4242 4242")
    phone.wait_for_url("**/p/*?back=1")
    phone.locator("#live[data-state=processing]").wait_for()
    phone.evaluate("window.stillTheSamePage = true")
    phone.locator("#live[data-state=paid]").wait_for()
    assert phone.evaluate("window.stillTheSamePage") is True

    paid = seller.next("✅ Оплачено")
    told = [m.get("text") or m.get("caption") or "" for m in seller.tg.sent(seller.chat_id)
            if m["message_id"] <= paid["message_id"]]
    assert not any("❌" in text for text in told)
    assert sum("Оплачено" in text for text in told) == 1
    notes = [text for text in told if "відхилено" in text]
    assert len(notes) == 1 and "покупець може спробувати ще раз" in notes[0]
    assert "Insufficient" not in notes[0] and "limit" not in notes[0]


def test_an_unknown_pay_link_gets_a_page_in_the_buyers_language(phone: Any, stack: Stack) -> None:
    """A mistyped or old link: 404, a page like the others at a phone's width, passing axe-core."""
    from axe_playwright_python.sync_playwright import Axe
    answer = phone.goto(f"{stack.base_url}/p/NoSuchCode1")
    assert answer.status == 404
    assert phone.locator("html").get_attribute("lang") == phone.lang
    assert t(phone.lang, "invoice_not_found") in phone.locator("h1").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scroll
    bad = [v["id"] for v in Axe().run(phone).response["violations"]
           if v["impact"] in ("serious", "critical")]
    assert bad == []
