"""The deployment locks stay in step with pyproject.toml (refresh them with `make lock`)."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)", re.MULTILINE)


def pins(lock: str) -> dict[str, str]:
    return {canonicalize_name(n): v for n, v in PIN.findall((ROOT / lock).read_text(encoding="utf-8"))}


def stale(requirements: list[str], pinned: dict[str, str]) -> list[str]:
    """Requirements the lock lacks or pins outside the range pyproject asks for."""
    out = []
    for line in requirements:
        req = Requirement(line)
        version = pinned.get(canonicalize_name(req.name))
        if version is None or not req.specifier.contains(version, prereleases=True):
            out.append(f"{line} (locked: {version})")
    return out


@pytest.mark.parametrize(
    ("lock", "extras"), [("requirements.lock", ["e2e"]), ("requirements-dev.lock", ["dev", "e2e"])]
)
def test_lock_pins_every_dependency_within_pyproject_ranges(lock: str, extras: list[str]) -> None:
    wanted = PROJECT["dependencies"] + [r for extra in extras for r in PROJECT["optional-dependencies"][extra]]
    assert stale(wanted, pins(lock)) == [], f"{lock} is stale: run `make lock`"


def test_every_pin_has_hashes_and_tests_run_the_deployed_versions() -> None:
    for lock in ("requirements.lock", "requirements-dev.lock"):
        blocks = re.split(r"\n(?=[A-Za-z0-9])", (ROOT / lock).read_text(encoding="utf-8"))
        unhashed = [b.split()[0] for b in blocks if "==" in b.split("\n")[0] and "--hash=sha256:" not in b]
        assert unhashed == [], f"{lock}: pins without hashes"
    runtime, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    assert {name: (v, dev.get(name)) for name, v in runtime.items() if dev.get(name) != v} == {}


def test_python_dateutil_stays_on_the_2_x_line() -> None:
    assert pins("requirements.lock")["python-dateutil"].startswith("2.")
