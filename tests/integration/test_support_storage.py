"""Support's storage on SQLite and PostgreSQL: the agents table (seeded by SUPPORT_IDS, a
removal sticks), the append-only audit log, and `chatpay support add|remove|list`."""
from __future__ import annotations

import inspect
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from domain.support import AuditEntry, Phase
from storage.settings import SettingsError, load_settings
from storage.support import AlreadyRecorded, AuditLog
from tests.integration.test_webhook_cli import chatpay


def entry(phase: Phase, action_id: str = "telegram:1:recheck:i:n") -> AuditEntry:
    return AuditEntry(action_id=action_id, agent="telegram:1", action="recheck", phase=phase,
                      at=datetime.now(UTC), invoice_id="i" * 32, detail={"why": "test"})


def test_the_audit_log_offers_append_and_reads_only() -> None:
    public = {name for name, _ in inspect.getmembers(AuditLog, inspect.isfunction)
              if not name.startswith("_")}
    assert public == {"append", "for_action", "for_invoice", "count", "unfinished"}
    source = inspect.getsource(AuditLog)
    assert "delete(" not in source and "update(" not in source and ".merge(" not in source


def test_an_action_is_appended_once_per_phase_and_read_back(uow_factory) -> None:
    with uow_factory() as uow:
        uow.audit.append(entry(Phase.STARTED))
        with pytest.raises(AlreadyRecorded):
            uow.audit.append(entry(Phase.STARTED))  # the same tap twice
        uow.audit.append(entry(Phase.DONE))
        uow.commit()
    with uow_factory() as uow:
        read = uow.audit.for_invoice("i" * 32)
        assert [e.phase for e in read] == [Phase.STARTED, Phase.DONE]
        assert read[0].detail == {"why": "test"} and read[0].agent == "telegram:1"
        assert uow.audit.count("i" * 32, frozenset({"recheck"}), Phase.STARTED,
                               datetime.now(UTC) - timedelta(hours=1)) == 1


def test_unfinished_actions_are_those_started_and_never_done(uow_factory) -> None:
    with uow_factory() as uow:
        uow.audit.append(entry(Phase.STARTED, "a"))
        uow.audit.append(entry(Phase.STARTED, "b"))
        uow.audit.append(entry(Phase.FAILED, "b"))
        uow.commit()
    with uow_factory() as uow:
        later = datetime.now(UTC) + timedelta(seconds=1)
        assert [e.action_id for e in uow.audit.unfinished(later)] == ["a"]


def test_support_ids_seed_agents_once_and_a_removal_sticks(uow_factory) -> None:
    now = datetime.now(UTC)
    ids = [("telegram", "123456"), ("viber", "AbCdEf==")]
    with uow_factory() as uow:
        assert uow.agents.seed(ids, now) == 2
        assert uow.agents.remove("telegram", "123456", now)
        assert uow.agents.seed(ids, now) == 0  # the next start: removed stays removed
        uow.commit()
    with uow_factory() as uow:
        assert uow.agents.active() == ["viber:AbCdEf=="]
        assert not uow.agents.is_agent("telegram", "123456")
        assert uow.agents.add("telegram", "123456", now)
        assert uow.agents.is_agent("telegram", "123456")


def test_a_malformed_support_ids_stops_start_up_naming_the_setting() -> None:
    with pytest.raises(SettingsError, match=r"^Setting SUPPORT_IDS is invalid: 'telegram:x'"):
        load_settings(support_ids="telegram:1,telegram:x")
    with pytest.raises(SettingsError, match=r"^Setting SUPPORT_RESEND_LIMIT is invalid"):
        load_settings(support_resend_limit=0)


def test_chatpay_support_adds_lists_and_removes_agents(database_url: str, redis_url: str,
                                                       tmp_path: Path) -> None:
    def run(*args: str, **env: str) -> tuple[int, str]:
        done = chatpay(database_url, redis_url, tmp_path, "support", *args, **env)
        return done.returncode, (done.stdout + done.stderr).strip()

    assert run("list", SUPPORT_IDS="viber:AbCdEf==") == (0, "viber:AbCdEf==")
    assert run("add", "telegram:123456") == (0, "telegram:123456 is now support.")
    assert run("add", "telegram:123456") == (0, "telegram:123456 already was support.")
    assert run("remove", "viber:AbCdEf==") == (0, "viber:AbCdEf== is no longer support.")
    assert run("list", SUPPORT_IDS="viber:AbCdEf==") == (0, "telegram:123456")
    code, said = run("add", "telegram:abc")
    assert code == 2 and "neither telegram:<digits> nor viber:<id>" in said
    code, said = run("list", SUPPORT_IDS="nobody")
    assert code == 2 and said.startswith("chatpay: Setting SUPPORT_IDS is invalid")


def test_find_matches_codes_ids_phones_and_addresses_newest_first(uow_factory) -> None:
    from domain.events import LinkSent
    from tests.integration.test_storage import T0, an_invoice
    with uow_factory() as uow:
        olena = uow.sellers.upsert("telegram", "1", phone="+380501234567", currency="UAH").id
        petro = uow.sellers.upsert("viber", "v1", phone="+380671112233", currency="UAH").id
        first = an_invoice(olena, created_at=T0, buyer_email="Buyer@Example.com")
        second = an_invoice(olena, created_at=T0 + timedelta(hours=1), buyer_phone="+380931234567")
        third = an_invoice(petro, created_at=T0 + timedelta(hours=2))
        for invoice in (first, second, third):
            uow.invoices.add(invoice)
        uow.events.record(LinkSent(third.id, "email", "told@example.com", "k", ok=True),
                          "pending", "pending", T0)
        uow.commit()
    with uow_factory() as uow:
        find = uow.support.find
        assert find(first.code, 0, 5) == [first.id]
        assert find(second.id, 0, 5) == [second.id]
        assert find("050 123 45 67", 0, 5) == [second.id, first.id]  # national, newest first
        assert find("+380501234567", 1, 5) == [first.id]  # the second page
        assert find("+380 93 123 45 67", 0, 5) == [second.id]  # the buyer's phone
        assert find("buyer@example.com", 0, 5) == [first.id]
        assert find("told@example.com", 0, 5) == [third.id]  # the link was sent there
        assert find("nobody@example.com", 0, 5) == [] and find("hello", 0, 5) == []
        assert uow.support.sellers_by_phone("0671112233") == [petro]
