"""The deployment files say what the README promises: the systemd unit starts as written, the
Dockerfile and compose.yaml keep data in volumes and install from the lock.

Building and running the image is tests/integration/test_container.py; installing the wheel is
tests/integration/test_wheel.py.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_unit() -> str:
    (unit,) = [block for block in re.findall(r"```ini\n(.*?)```", README, re.DOTALL) if "[Service]" in block]
    return unit


def unit_settings(unit: str) -> dict[str, list[str]]:
    """Key → values of the [Service] section (keys like Environment may repeat)."""
    settings: dict[str, list[str]] = {}
    section = ""
    for line in unit.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line
        elif section == "[Service]":
            key, _, value = line.partition("=")
            settings.setdefault(key, []).append(value)
    return settings


def test_systemd_unit_keeps_its_state_in_a_state_directory_with_absolute_paths() -> None:
    service = unit_settings(readme_unit())
    assert service["StateDirectory"] == ["coworkbot"]
    assert service["Type"] == ["simple"]
    assert "COWORKBOT_DATABASE_URL=sqlite:////var/lib/coworkbot/coworkbot.db" in service["Environment"]
    assert "COWORKBOT_MATRIX_STORE_PATH=/var/lib/coworkbot/matrix-store" in service["Environment"]
    assert service["WorkingDirectory"] == ["/var/lib/coworkbot"]
    assert service["ExecStart"][0].startswith("/opt/coworkbot/bin/coworkbot run")
    # systemd takes everything after '=' as the value: a trailing comment would be part of it
    assert not [v for values in service.values() for v in values if "#" in v]


def test_systemd_unit_is_hardened() -> None:
    service = unit_settings(readme_unit())
    for key in ("PrivateTmp", "ProtectHome", "NoNewPrivileges"):
        assert service[key] == ["yes"], key
    assert service["ProtectSystem"] == ["strict"]
    assert service["RestrictAddressFamilies"] == ["AF_UNIX AF_INET AF_INET6"]
    assert service["SystemCallFilter"] == ["@system-service"]
    assert "ReadWritePaths" not in service  # StateDirectory is the one writable place


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
def test_systemd_accepts_the_unit_as_written(tmp_path: Path) -> None:
    # The unit's ExecStart must exist for `verify`: point it at this checkout's coworkbot.
    coworkbot = Path(sys.executable).parent / "coworkbot"
    unit = tmp_path / "coworkbot.service"
    unit.write_text(readme_unit().replace("/opt/coworkbot/bin/coworkbot", str(coworkbot)))
    verify = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True,
                            timeout=60)
    # Unknown keys and unparsable values are only warnings (exit 0): any output is a failure.
    assert verify.returncode == 0 and verify.stdout + verify.stderr == "", verify.stderr
    security = subprocess.run(["systemd-analyze", "security", "--offline=yes", str(unit)],
                              capture_output=True, text=True, timeout=60)
    exposure = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", security.stdout)
    if exposure:  # systemd >= 250
        assert float(exposure.group(1)) <= 4.0, security.stdout


def dockerfile() -> list[str]:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def test_dockerfile_is_slim_non_root_with_data_in_a_volume_and_a_health_check() -> None:
    lines = dockerfile()
    assert lines[0] == "ARG PYTHON_IMAGE=docker.io/library/python:3.11-slim-bookworm"
    final = lines[max(i for i, line in enumerate(lines) if line.startswith("FROM ")):]
    assert final[0] == "FROM ${PYTHON_IMAGE}"
    assert "USER coworkbot" in final and "VOLUME /data" in final
    env = " ".join(line for line in final if line.startswith("ENV "))
    assert "COWORKBOT_DATABASE_URL=sqlite:////data/coworkbot.db" in env
    assert "COWORKBOT_MATRIX_STORE_PATH=/data/matrix-store" in env
    assert any(re.match(r'HEALTHCHECK .*CMD \["coworkbot", "health"\]$', line) for line in final)
    installs = [line for line in lines if "pip install" in line]
    assert any("--require-hashes -r /tmp/requirements.lock" in line for line in installs)
    assert all("--no-deps" in line for line in installs if "requirements.lock" not in line)


def test_dockerignore_keeps_local_state_out_of_the_image() -> None:
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".git", ".venv", "*.db", "matrix-store", "coworkbot.env"} <= set(ignored)


def test_compose_runs_the_bot_with_postgresql_and_synapse_in_the_dev_profile() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    services, volumes = compose["services"], compose["volumes"]
    bot, db, synapse = services["bot"], services["db"], services["synapse"]
    assert bot["build"] == "." and "profiles" not in bot and "profiles" not in db
    assert bot["environment"]["COWORKBOT_DATABASE_URL"].startswith("postgresql://coworkbot:")
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"
    assert "bot-data:/data" in bot["volumes"]
    assert bot["ports"] == ["127.0.0.1:8080:8080"]  # the web application, for a proxy on the host only
    assert "pg_isready" in db["healthcheck"]["test"]
    assert any(v.endswith(":/var/lib/postgresql/data") for v in db["volumes"])
    assert synapse["profiles"] == ["dev"] and "healthcheck" in synapse
    assert {"bot-data", "db-data", "synapse-data"} <= set(volumes)


def test_readme_shows_the_image_compose_and_the_locked_install() -> None:
    for shown in ("docker build -t coworkbot .", "docker compose up -d", "docker compose --profile dev up -d",
                  "pip install --require-hashes -r requirements.lock", "make lock"):
        assert shown in README, shown
