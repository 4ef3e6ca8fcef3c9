"""The wheel: it holds every package, the rule packs and the migrations, and an installed copy
finds its bundled rules without a checkout."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from pipeline.config import CHECKOUT_RULES_DIR, PROJECT_ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(PROJECT_ROOT)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    (built,) = out.glob("callsentry-*.whl")
    return built


def test_wheel_holds_every_package_the_packs_and_the_migrations(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for package in ("pipeline", "flows"):
        for init in (PROJECT_ROOT / package).rglob("*.py"):
            if "__pycache__" not in init.parts:
                assert init.relative_to(PROJECT_ROOT).as_posix() in names
    for pack in CHECKOUT_RULES_DIR.rglob("*.yaml"):
        assert f"pipeline/bundled_rules/{pack.relative_to(CHECKOUT_RULES_DIR).as_posix()}" in names
    assert "pipeline/store/migrations/script.py.mako" in names
    assert "pipeline/pii/default_policy.yaml" in names
    for page in (PROJECT_ROOT / "pipeline" / "console").glob("*/*.*"):  # templates, static
        if page.suffix in (".html", ".css", ".js"):
            assert page.relative_to(PROJECT_ROOT).as_posix() in names


def test_installed_wheel_finds_its_bundled_rules(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    probe = (
        "import pipeline, pipeline.config as c; "
        "from pipeline.compliance.loader import load_rulebook; "
        "book = load_rulebook(c.DEFAULT_RULES_DIR); "
        "print(pipeline.__file__); print(c.DEFAULT_RULES_DIR); "
        "print(len(book.rules), len(book.problems))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    module_file, rules_dir, counts = result.stdout.strip().splitlines()
    assert module_file.startswith(str(site))  # the installed copy, not the checkout
    assert rules_dir == str(site / "pipeline" / "bundled_rules")
    rules, problems = map(int, counts.split())
    assert rules > 10 and problems == 0
