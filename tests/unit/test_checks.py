"""The checks a Python project is expected to run, run by the README's test command too: `ruff
check .` over the whole repository and `mypy` (strict) over the domain, as configured in
pyproject.toml. A lint error or a type error fails the suite, not only CI."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / tool), *args], cwd=ROOT, text=True, capture_output=True,
                          timeout=300)


def test_ruff_finds_nothing() -> None:
    done = run("ruff", "check", ".")
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_finds_no_type_error_in_the_domain() -> None:
    done = run("mypy", "--no-incremental")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success" in done.stdout


def test_a_type_error_in_the_domain_fails_the_check(tmp_path: Path) -> None:
    """The check can fail: the same configuration finds a str passed where Money belongs."""
    bad = tmp_path / "domain"
    bad.mkdir()
    (bad / "__init__.py").write_text("")
    (bad / "broken.py").write_text(
        "from decimal import Decimal\n\n\ndef double(value: Decimal) -> Decimal:\n"
        "    return value * 2\n\n\nHALF = double('1')\n")
    strict = tmp_path / "bots" / "conversation"  # strict too: an untyped function fails
    strict.mkdir(parents=True)
    (tmp_path / "bots" / "__init__.py").write_text("")
    (strict / "__init__.py").write_text("")
    (strict / "loose.py").write_text("def reply(turn):\n    return turn\n")
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    done = subprocess.run([str(BIN / "mypy"), "--no-incremental"], cwd=tmp_path, text=True,
                          capture_output=True, timeout=300)
    assert done.returncode == 1 and "arg-type" in done.stdout, done.stdout
    assert "no-untyped-def" in done.stdout and "loose.py" in done.stdout, done.stdout
