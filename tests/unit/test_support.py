"""Support in the domain: who an agent id names, and an audit entry that cannot be changed."""
from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from domain.support import AuditEntry, Phase, over_resend_limit, parse_agent


@pytest.mark.parametrize(("text", "expected"), [
    ("telegram:123456", ("telegram", "123456")), (" viber:AbCdEf== ", ("viber", "AbCdEf==")),
    ("viber:01234567890A+b/c=", ("viber", "01234567890A+b/c="))])
def test_an_agent_id_names_a_channel_and_a_user(text: str, expected: tuple[str, str]) -> None:
    assert parse_agent(text) == expected


@pytest.mark.parametrize("text", ["telegram:abc", "whatsapp:1", "telegram:", "123456", "viber:a b"])
def test_a_malformed_agent_id_is_refused_naming_it(text: str) -> None:
    with pytest.raises(ValueError, match="neither telegram:<digits> nor viber:<id>"):
        parse_agent(text)


def test_an_audit_entry_cannot_be_changed() -> None:
    entry = AuditEntry(action_id="a", agent="telegram:1", action="recheck", phase=Phase.STARTED,
                       at=datetime.now(UTC), invoice_id="i")
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.phase = Phase.DONE  # type: ignore[misc]


def test_the_resend_limit_allows_up_to_the_limit() -> None:
    assert not over_resend_limit(4, 5) and over_resend_limit(5, 5)


def test_every_support_text_speaks_uk_ru_and_en_with_the_same_blanks() -> None:
    import string

    from domain.i18n_support import SUPPORT_TEXTS
    from domain.support import Action, Phase

    for key, texts in SUPPORT_TEXTS.items():
        assert set(texts) == {"uk", "ru", "en"}, key
        blanks = {lang: {f for _, f, _, _ in string.Formatter().parse(text) if f}
                  for lang, text in texts.items()}
        assert blanks["uk"] == blanks["ru"] == blanks["en"], key
    assert {f"sup_act_{a}" for a in Action} <= set(SUPPORT_TEXTS)
    assert {f"sup_phase_{p}" for p in Phase} <= set(SUPPORT_TEXTS)


def test_every_invoice_event_has_words_in_the_history() -> None:
    import inspect as inspect_

    from domain import events
    from domain.i18n_support import SUPPORT_TEXTS
    names = {name for name, cls in inspect_.getmembers(events, inspect_.isclass)
             if issubclass(cls, events.Event) and cls is not events.Event}
    assert {f"sup_ev_{n}" for n in names - {"LinkSent"}} <= set(SUPPORT_TEXTS)
