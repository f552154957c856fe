"""A database already at the latest schema is not migrated again (each process start, `chatpay
up` and the tests' stacks call upgrade), and one behind still is."""
from sqlalchemy import create_engine, text

from storage.migrate import at_head, head_revisions, upgrade


def test_a_new_database_is_not_at_head_until_migrated(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    assert not at_head(url)
    upgrade(url)
    assert at_head(url)


def test_a_database_one_migration_behind_is_migrated(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0008_support")
    assert not at_head(url)
    upgrade(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        assert set(conn.execute(text("SELECT version_num FROM alembic_version")).scalars()) \
            == set(head_revisions())
    engine.dispose()


def test_the_test_database_is_already_at_head(database_url: str) -> None:
    assert at_head(database_url)
