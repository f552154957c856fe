"""The dependency rule the design draws is checked, not hoped for: `lint-imports` keeps the
import-linter contracts in pyproject.toml, and a forbidden import breaks them."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGES = ("web", "bots", "workers", "storage", "domain", "sandbox")


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    # the tree itself first on the path, so a copy is analysed rather than the installed code
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=tree, text=True,
                          capture_output=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tree)})


def test_the_code_keeps_every_layer_contract() -> None:
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def copy_of_the_code(tmp_path: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__", "*.html", "*.png"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


@pytest.mark.parametrize(("module", "forbidden", "why"), [
    ("bots/invoices.py", "workers.providers.liqpay", "a bot holding the provider client"),
    ("web/metrics.py", "sandbox.outbox", "the web edge importing the sandbox"),
    ("storage/uow.py", "workers.runtime", "storage importing the workers"),
    ("web/callbacks.py", "workers.handlers", "the web edge doing a worker's job"),
    ("workers/render.py", "bots.telegram.keyboards", "a worker reaching up into a bot"),
    ("domain/money.py", "storage.settings", "the domain importing storage"),
])
def test_a_forbidden_import_breaks_the_contracts(tmp_path: Path, module: str, forbidden: str,
                                                 why: str) -> None:
    tree = copy_of_the_code(tmp_path)
    path = tree / module
    path.write_text(path.read_text() + f"\nimport {forbidden}\n")

    done = lint_imports(tree)

    assert done.returncode != 0, why
    importer = module.removesuffix(".py").replace("/", ".")
    assert f"{importer} -> {forbidden}" in done.stdout, done.stdout
