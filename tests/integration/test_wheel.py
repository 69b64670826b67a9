"""The wheel as an operator installs it: built from the checkout, installed (not editable) into a
fresh virtual environment outside the checkout, and run from another folder.

Catalogues, the skill vocabulary and the migrations must travel as package data: a wheel without
them answers in English and fails on /skills (issue 11). Dependencies come from requirements.lock,
as in the Dockerfile; uv installs them in seconds from its cache (pip is the fallback), the wheel
itself goes in with plain pip.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOT_SHIPPED = shutil.ignore_patterns(
    ".*", "__pycache__", "*.egg-info", "build", "dist", "tests", "*.db", "*.db-*", "*.lock", "matrix-store",
)
SCRIPT = (
    "/lang fr\n"
    "/skills add graphiste\n"
    "/space create Atelier | Lyon | FR | Europe/Paris\n"
    "/need graphiste pour un logo\n"
    "/needs\n"
    "/help\n"
    ":quit\n"
)


def run(cmd: list[str | Path], cwd: Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=240,
        **kwargs,  # type: ignore[arg-type]
    )
    assert result.returncode == 0, f"{cmd}\n{result.stdout}\n{result.stderr}"
    return result


def clean_env() -> dict[str, str]:
    """No settings, no path into the checkout, no active virtual environment."""
    drop = ("COWORKBOT_", "PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")
    return {k: v for k, v in os.environ.items() if not k.startswith(drop)}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built from a copy of the checkout, so concurrent runs never share a build folder."""
    source = tmp_path_factory.mktemp("source") / "coworkbot"
    shutil.copytree(ROOT, source, ignore=NOT_SHIPPED)
    dist = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", source, "-w", dist], cwd=dist)
    (built,) = dist.glob("coworkbot-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding the locked dependencies and the wheel; returns its bin/ folder."""
    venv = tmp_path_factory.mktemp("venv")
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=elsewhere)
    python = venv / "bin" / "python"
    lock = ROOT / "requirements.lock"
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv:
        install = [uv, "pip", "install", "--quiet", "--python", python, "--require-hashes", "-r", lock]
        if subprocess.run(install, cwd=elsewhere, env=clean_env(), capture_output=True).returncode != 0:
            run([*install, "--offline"], cwd=elsewhere)  # no index reachable: uv's cache alone
    else:
        run([sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--require-hashes",
             "-r", lock], cwd=elsewhere)
    pip = [sys.executable, "-m", "pip", "--python", python]
    run([*pip, "install", "--quiet", "--no-deps", "--no-index", wheel], cwd=elsewhere)
    run([*pip, "check"], cwd=elsewhere)  # the lock covers every dependency the wheel declares
    return venv / "bin"


def test_wheel_carries_catalogues_vocabulary_and_migrations(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    data = [
        *(ROOT / "locales").glob("*/LC_MESSAGES/*.po"),
        *(ROOT / "locales" / "skills").glob("*.toml"),
        *(ROOT / "storage" / "migrations").rglob("*.py"),
        ROOT / "storage" / "migrations" / "script.py.mako",
        *(ROOT / "bot" / "web" / "templates").glob("*.html"),  # the public page
    ]
    missing = [str(p.relative_to(ROOT)) for p in data if str(p.relative_to(ROOT)) not in names]
    assert len(data) > 20 and missing == []


def test_installed_wheel_answers_in_french_and_knows_the_vocabulary(
    installed: Path, tmp_path: Path
) -> None:
    here, checkout_run = tmp_path / "operator", tmp_path / "checkout"
    here.mkdir()
    checkout_run.mkdir()
    where = run([installed / "python", "-c", "import bot, locales; print(bot.__file__, locales.__file__)"],
                cwd=here)
    assert str(ROOT) not in where.stdout and where.stdout.count(str(installed.parent)) == 2

    session = run([installed / "coworkbot", "console", "--user", "ana"], cwd=here, input=SCRIPT)
    output = session.stdout + session.stderr
    assert "Traceback" not in output
    assert not [line for line in output.splitlines() if "ERROR" in line or "Error:" in line]
    assert (here / "coworkbot.db").exists()  # the default database is relative to the cwd

    vocabulary = tomllib.loads((ROOT / "locales" / "skills" / "design.toml").read_text(encoding="utf-8"))
    french_term = vocabulary["skill"]["graphic-design"]["fr"][0]  # "graphisme", not the typed word
    assert french_term != "graphiste" and french_term in session.stdout.splitlines()[1]
    # The checkout (editable install, whose catalogues the unit tests check) is the reference:
    # every reply of the installed wheel is the same text, so it is French where that one is.
    reference = run([sys.executable, "-m", "bot.cli", "console", "--user", "ana"], cwd=checkout_run,
                    input=SCRIPT)
    assert session.stdout == reference.stdout
    assert not session.stdout.startswith("I will speak")

    check = run([installed / "coworkbot", "check"], cwd=here)  # the container's health check
    assert "Traceback" not in check.stdout + check.stderr
