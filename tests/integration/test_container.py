"""The container image, built from the repo's Dockerfile and smoke-tested where an engine runs.

The engine is podman (Debian's package, which .ci/run installs) or a running Docker daemon; with
neither the tests skip and say so (tests/integration/test_wheel.py covers the same install steps).
When the official python image cannot be pulled (no image registry is reachable here), a stand-in
base is made from Debian's packages with debootstrap: Debian bookworm's Python 3.11 and venv,
plus this machine's CA bundle so that pip works behind a TLS-intercepting proxy. The Dockerfile is
used unchanged; only its PYTHON_IMAGE build argument differs.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tomllib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.integration.test_wheel import SCRIPT

ROOT = Path(__file__).resolve().parents[2]
OFFICIAL_BASE = "docker.io/library/python:3.11-slim-bookworm"
STAND_IN_BASE = "localhost/coworkbot-test-python:3.11-bookworm"
TAG = "localhost/coworkbot:test"
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")

pytestmark = pytest.mark.timeout(1200)  # a first build on a new machine downloads everything


@dataclass
class Engine:
    command: list[str]
    env: dict[str, str]

    def __call__(self, *args: str | Path, check: bool = True, timeout: float = 900,
                 **kwargs: object) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [*self.command, *map(str, args)], env=self.env, capture_output=True, text=True,
            timeout=timeout, **kwargs,  # type: ignore[arg-type]
        )
        if check:
            assert result.returncode == 0, f"{args}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        return result


def find_engine(workdir: Path) -> Engine | None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COWORKBOT_")}
    if shutil.which("podman"):
        # Limits below this machine's hard ones (podman asks for more than root may raise without
        # CAP_SYS_RESOURCE), and runc where installed: crun refuses hybrid cgroup v1/v2 hosts.
        conf = workdir / "containers.conf"
        runtime = '[engine]\nruntime = "runc"\n' if shutil.which("runc") else ""
        conf.write_text('[containers]\ndefault_ulimits = ["nofile=8192:8192", "nproc=8192:8192"]\n' + runtime)
        return Engine(["podman"], {**env, "CONTAINERS_CONF": str(conf)})
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "info"], capture_output=True, timeout=60).returncode == 0:
        return Engine([docker], env)
    return None


def debian_mirror() -> str:
    sources = Path("/etc/apt/sources.list.d/debian.sources")
    if sources.exists():
        match = re.search(r"^URIs:\s*(\S+)", sources.read_text(), re.MULTILINE)
        if match:
            return match.group(1)
    return "http://deb.debian.org/debian"


def base_image(engine: Engine, workdir: Path) -> str:
    for image in (OFFICIAL_BASE, STAND_IN_BASE):
        if engine("image", "inspect", image, check=False).returncode == 0:
            return image
    if engine("pull", OFFICIAL_BASE, check=False, timeout=180).returncode == 0:
        return OFFICIAL_BASE
    if not shutil.which("debootstrap") or os.geteuid() != 0:
        pytest.skip(f"{OFFICIAL_BASE} cannot be pulled and debootstrap (as root) is not available")
    rootfs = workdir / "rootfs"
    subprocess.run(
        ["debootstrap", "--variant=minbase", "--include=python3,python3-venv,ca-certificates",
         "bookworm", str(rootfs), debian_mirror()],
        check=True, capture_output=True, timeout=900,
    )
    if HOST_CA_BUNDLE.exists():
        shutil.copyfile(HOST_CA_BUNDLE, rootfs / "etc/ssl/certs/ca-certificates.crt")
    tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
    engine("import", "--change", f"ENV PIP_CERT={HOST_CA_BUNDLE}", "-", STAND_IN_BASE, stdin=tar.stdout)
    assert tar.wait() == 0
    shutil.rmtree(rootfs, ignore_errors=True)
    return STAND_IN_BASE


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    found = find_engine(tmp_path_factory.mktemp("engine"))
    if found is None:
        pytest.skip("no container engine: neither podman nor a running Docker daemon")
    probe = found("info", check=False, timeout=60)
    if probe.returncode != 0:
        pytest.skip(f"{found.command[0]} cannot run here: {probe.stderr.strip()[-300:]}")
    return found


@pytest.fixture(scope="module")
def image(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> str:
    base = base_image(engine, tmp_path_factory.mktemp("base"))
    format_docker = ["--format", "docker"] if engine.command[0] == "podman" else []  # keeps HEALTHCHECK
    engine("build", *format_docker, "--build-arg", f"PYTHON_IMAGE={base}", "-t", TAG, ROOT, timeout=1100)
    return TAG


@pytest.fixture
def volume(engine: Engine) -> Iterator[str]:
    name = f"coworkbot-test-{uuid.uuid4().hex[:8]}"
    engine("volume", "create", name)
    yield name
    engine("volume", "rm", "--force", name, check=False)


def test_image_runs_as_a_user_with_data_in_a_volume_and_a_health_check(engine: Engine, image: str) -> None:
    (config,) = json.loads(engine("image", "inspect", image).stdout)
    settings = config["Config"]
    assert settings["User"] == "coworkbot"
    assert "/data" in settings["Volumes"]
    assert "COWORKBOT_DATABASE_URL=sqlite:////data/coworkbot.db" in settings["Env"]
    assert "COWORKBOT_MATRIX_STORE_PATH=/data/matrix-store" in settings["Env"]
    health = settings.get("Healthcheck") or config.get("Healthcheck")  # Docker / podman
    assert health["Test"] == ["CMD", "coworkbot", "health"]
    uid = engine("run", "--rm", "--network=none", "--no-healthcheck", "--entrypoint", "id", image, "-u")
    assert uid.stdout.strip() != "0"


def test_health_check_and_a_console_session_keep_their_data_in_the_volume(
    engine: Engine, image: str, volume: str
) -> None:
    run = ["run", "--rm", "-i", "--network=none", "--no-healthcheck", "-v", f"{volume}:/data", image]
    first = engine(*run, "console", "--user", "ana", input=SCRIPT)
    assert "Traceback" not in first.stdout + first.stderr
    vocabulary = tomllib.loads((ROOT / "locales" / "skills" / "design.toml").read_text(encoding="utf-8"))
    assert vocabulary["skill"]["graphic-design"]["fr"][0] in first.stdout.splitlines()[1]
    assert not first.stdout.startswith("I will speak")

    check = engine(*run, "check")  # what HEALTHCHECK runs, once the first start made the database
    assert "Traceback" not in check.stdout + check.stderr

    again = engine(*run, "console", "--user", "ana", input="/spaces\n")  # a new container
    assert "Atelier" in again.stdout  # the space created by the first one, kept in /data


def test_health_check_asks_the_running_process_and_reports_a_stuck_one(engine: Engine, image: str,
                                                                       volume: str) -> None:
    """HEALTHCHECK runs `coworkbot health` inside the container: the web server's /readyz."""
    name = f"coworkbot-health-{uuid.uuid4().hex[:8]}"
    # -i keeps stdin open, so the console adapter of a bare `run` keeps running.
    engine("run", "-d", "-i", "--name", name, "--network=none", "--no-healthcheck", "-v", f"{volume}:/data", image,
           "run")
    try:
        for _ in range(60):
            health = engine("exec", name, "coworkbot", "health", check=False)
            if health.returncode == 0:
                break
            subprocess.run(["sleep", "0.5"], check=True)
        assert health.returncode == 0, health.stdout + health.stderr
        assert health.stdout.startswith("ok    http://127.0.0.1:8080/readyz: ready")
        # Nothing answering on the port (a process that hangs or died) is unhealthy, in one line.
        stuck = engine("exec", "-e", "COWORKBOT_HTTP_PORT=8081", name, "coworkbot", "health", check=False)
        assert stuck.returncode == 1 and stuck.stdout.startswith("FAIL  http://127.0.0.1:8081/readyz")
    finally:
        engine("rm", "--force", name, check=False)
