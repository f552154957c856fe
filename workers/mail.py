"""E-mail to buyers over SMTP (SMTP_URL): all of its SMTP is here."""
from __future__ import annotations

import base64
import logging
import smtplib
import ssl
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from domain.errors import DeliveryRefused, DeliveryUnavailable
from domain.ports import Email

log = logging.getLogger(__name__)

TIMEOUT = 15.0  #: seconds


def build_message(email: Email, sender: str) -> EmailMessage:
    """multipart/alternative: text, then HTML with its images related by `cid:`."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, email.to, email.subject
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip("> "))
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    html = message.get_payload()[1]  # type: ignore[index]
    for cid, png in email.images.items():
        html.add_related(png, maintype="image", subtype="png", cid=f"<{cid}>")
    return message


class SmtpMailer:
    """smtp://[user:pass@]host[:port][?starttls=1] or smtps:// (implicit TLS).

    A recipient or message the server refuses (5xx) is DeliveryRefused; no connection, a dropped
    one or a 4xx (try later) is DeliveryUnavailable."""

    def __init__(self, url: str, sender: str, *, context: ssl.SSLContext | None = None) -> None:
        parts = urlsplit(url)
        self.implicit_tls = parts.scheme == "smtps"
        self.starttls = parse_qs(parts.query).get("starttls") == ["1"]
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if self.implicit_tls else 25)
        self.user = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password or "")
        self.sender = sender
        self.context = context or ssl.create_default_context()

    def send(self, email: Email) -> None:
        message = build_message(email, self.sender)
        try:
            smtp: smtplib.SMTP = (
                smtplib.SMTP_SSL(self.host, self.port, timeout=TIMEOUT, context=self.context)
                if self.implicit_tls else smtplib.SMTP(self.host, self.port, timeout=TIMEOUT))
            with smtp:
                if self.starttls:
                    smtp.starttls(context=self.context)
                if self.user:
                    smtp.login(self.user, self.password)
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            _raise(code, reply)
        except smtplib.SMTPResponseException as exc:
            _raise(exc.smtp_code, exc.smtp_error)
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryUnavailable(f"The mail server could not be reached: {exc}") from exc


def _raise(code: int, reply: bytes | str) -> None:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else reply
    detail = f"{code} {text}".strip()
    if 400 <= code < 500:
        raise DeliveryUnavailable(f"The mail server said try later: {detail}")
    raise DeliveryRefused(detail)


class LogMailer:
    """No SMTP_URL: the e-mail is logged and kept in the outbox, nothing is sent."""

    def __init__(self, sender: str, keep: Callable[[dict[str, str]], None] | None = None) -> None:
        self.sender, self.keep = sender, keep

    def send(self, email: Email) -> None:
        log.info("E-mail to %s (not sent, no SMTP_URL): %s", email.to, email.subject)
        if self.keep is not None:
            # inline images (the QR, `cid:qr`) as base64: the sandbox's outbox draws them
            self.keep({"kind": "email", "to": email.to, "subject": email.subject,
                       "text": email.text, "html": email.html,
                       "images": {cid: base64.b64encode(png).decode()
                                  for cid, png in (email.images or {}).items()}})
