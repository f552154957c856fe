"""The sandbox page in a real browser (Debian's Chromium, driven by Playwright): the seller
registers and makes an invoice in the Telegram chat pane, the buyer pays it in the phone pane,
and the paid message arrives in the chat, live. Screenshots are kept as the test's artefacts."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from domain.i18n import t
from sandbox.stack import SANDBOX_PAGE, Stack

ARTEFACTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
TIMEOUT = 30_000  #: milliseconds a step may take on a busy machine
# the first test may wait for the `chromium` fixture (tests/conftest.py) to install Chromium
pytestmark = pytest.mark.timeout(1200)


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Any]:
    # this module's only: Playwright's sync API keeps an event loop running in this thread,
    # which other modules' tests (blocking user-side calls, asyncio.run) must not find
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium,
                                              args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield launched
        launched.close()


def buyer_pays(page: Any, screenshot: str) -> None:
    """In the phone pane, the pay page opened from the QR: on to the checkout, the success card."""
    phone = page.frame_locator("#phone")
    # the card form, not a manual method's *I have paid*
    phone.locator("form:not([action$='/manual']) button.pay").click()
    phone.locator("input[name=card]").fill("4242 4242 4242 4242")
    phone.locator("input[name=exp]").fill("12/30")
    phone.locator("input[name=cvv]").fill("123")
    page.screenshot(path=str(ARTEFACTS / screenshot))
    phone.locator("#card-form button").click()


@contextmanager
def sandbox_page(browser: Any, stack: Stack, phone_number: str, name: str) -> Iterator[Any]:
    """The sandbox page in a fresh tab; `phone_number` is what a shared contact gives; a failure
    leaves a screenshot `<name>-failed.png`."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    print(f"screenshots in {ARTEFACTS}")
    page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="uk-UA")
    page.set_default_timeout(TIMEOUT)
    page.on("dialog", lambda dialog: dialog.accept(phone_number))
    try:
        page.goto(f"{stack.base_url}{SANDBOX_PAGE}")
        yield page
    except Exception:
        page.screenshot(path=str(ARTEFACTS / f"{name}-failed.png"))
        raise
    finally:
        page.close()


def registered_telegram_chat(page: Any) -> tuple[Any, Any, Any]:
    """The sandbox page's Telegram chat after /start and the shared phone: the chat's frame, a
    way to type into it, and a way to wait for the bot's words."""
    chat = page.frame_locator("#chat-telegram")

    def says(text: str) -> None:
        chat.locator("#text").fill(text)
        chat.locator("#text").press("Enter")

    def bot_said(text: str) -> None:
        chat.locator(".msg:not(.out)", has_text=text).last.wait_for()

    says("/start")
    chat.locator("#keyboard button", has_text=t("uk", "btn_share_phone")).click()
    bot_said("UAH")
    return chat, says, bot_said


def test_a_seller_makes_an_invoice_in_the_sandbox_page_and_sees_the_buyer_pay_it(
        browser: Any, stack: Stack) -> None:
    with sandbox_page(browser, stack, "+380501234567", "telegram") as page:
        chat, says, bot_said = registered_telegram_chat(page)
        chat.locator("#keyboard button", has_text=t("uk", "btn_create")).click()
        bot_said(t("uk", "ask_amount", currency="UAH"))
        says("12,50")
        chat.locator(".inline button", has_text=t("uk", "btn_skip")).click()
        chat.locator("#log .msg img").last.wait_for()
        page.screenshot(path=str(ARTEFACTS / "1-invoice.png"))

        chat.locator("#log .msg img").last.click()  # the buyer scans the QR code
        buyer_pays(page, "2-checkout.png")

        bot_said("✅ Оплачено")  # pushed to the chat pane, no reload
        page.screenshot(path=str(ARTEFACTS / "3-paid.png"))


def test_a_viber_seller_makes_an_invoice_in_the_sandbox_page_and_sees_the_buyer_pay_it(
        browser: Any, stack: Stack) -> None:
    """The same in the Viber tab: the welcome, the share-phone keyboard, the QR as a picture."""
    with sandbox_page(browser, stack, "+380671234567", "viber") as page:
        page.locator(".tabs button", has_text="Viber").click()
        chat = page.frame_locator("#chat-viber")

        def bot_said(text: str) -> None:
            chat.locator(".msg:not(.out)", has_text=text).last.wait_for()

        chat.locator("#start").click()  # opening the bot's chat: Viber's welcome
        chat.locator("#keyboard button", has_text=t("uk", "btn_share_phone")).click()
        bot_said("UAH")
        chat.locator("#keyboard button", has_text=t("uk", "btn_create")).click()
        bot_said(t("uk", "ask_amount", currency="UAH"))
        chat.locator("#text").fill("12,50")
        chat.locator("#text").press("Enter")
        chat.locator("#keyboard button", has_text=t("uk", "btn_skip")).click()
        chat.locator("#log .msg img").last.click()  # the buyer scans the QR code
        buyer_pays(page, "viber-checkout.png")

        bot_said("✅ Оплачено")
        page.screenshot(path=str(ARTEFACTS / "viber-paid.png"))


def test_the_sandbox_page_links_urls_shows_the_emails_qr_and_who_the_seller_is(
        browser: Any, stack: Stack) -> None:
    with sandbox_page(browser, stack, "+380501234567", "sandbox-details") as page:
        chat, says, bot_said = registered_telegram_chat(page)
        # which chat is the seller, and one click to make it support (development only)
        page.locator("#who-text", has_text="chat id 100001 — the seller").wait_for()
        page.locator("#make-agent").click()
        page.locator("#who-text", has_text="support agent").wait_for()
        assert page.locator("#make-agent").is_hidden()
        with stack_uow(stack) as uow:
            assert "telegram:100001" in uow.agents.active()

        says("/webhook http://127.0.0.1:9/the-shop")  # a bare URL, as the seller typed it
        link = chat.locator(".msg.out a[href='http://127.0.0.1:9/the-shop']")
        assert link.get_attribute("target") == "phone"  # tappable, into the phone

        chat.locator("#keyboard button", has_text=t("uk", "btn_create")).click()
        bot_said(t("uk", "ask_amount", currency="UAH"))
        says("12,50")
        chat.locator(".inline button", has_text=t("uk", "btn_skip")).click()
        chat.locator(".inline button", has_text=t("uk", "btn_send_email")).last.click()
        bot_said("e-mail")
        says("buyer@example.com")
        bot_said("надіслано на buyer@example.com")
        mail = page.frame_locator("#outbox").frame_locator("article.email iframe").first
        qr = mail.locator("img[alt=QR]")
        assert (qr.get_attribute("src") or "").startswith("data:image/png;base64,")
        assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
        page.screenshot(path=str(ARTEFACTS / "sandbox-email-qr.png"))

        chat.locator("#log .msg img").last.click()  # the buyer scans the QR code
        phone = page.frame_locator("#phone")
        phone.locator("button.pay").click()
        heading = phone.locator("h1")
        heading.wait_for()
        fits = heading.evaluate("h => h.scrollWidth <= h.clientWidth && "
                                "document.documentElement.scrollWidth <= window.innerWidth")
        assert fits, "the checkout heading is wider than the phone pane"


@contextmanager
def stack_uow(stack: Stack) -> Iterator[Any]:
    from workers import runtime
    with runtime.deps().uow().readonly() as uow:
        yield uow
