"""The public page in a real browser: Debian's headless Chromium loads it from the running web server.

The browser sends its own ``Accept-Language`` (``--accept-lang``), renders the page without any
script, and its DOM is read back (``--dump-dom``) for what a visitor sees. Screenshots are kept
as test artefacts in ``tests/artefacts/`` (or ``$COWORKBOT_TEST_ARTEFACTS``), to look at.
``.ci/run`` installs Chromium; without it this test skips, saying so.
"""
from __future__ import annotations

import asyncio
import os
import shutil
import struct
import tempfile
from pathlib import Path

import pytest

from bot.web.context import WebContext
from bot.web.server import WebServer
from storage.models import Space
from tests.page_text import PageText, read_page
from tests.world import World

ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = Path(os.environ.get("COWORKBOT_TEST_ARTEFACTS") or ROOT / "tests" / "artefacts")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
HEADER_BLUE = (0x12, 0x35, 0x5B)  # the page header's background (bot/web/templates/base.html)

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed "
                                "(apt-get install -y chromium; .ci/run does it)")


async def chromium(*arguments: str, lang: str, timeout: float = 90) -> str:
    """Run headless Chromium on its own profile and HOME; its stdout. Awaited, so the server keeps serving."""
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory() as home:
        process = await asyncio.create_subprocess_exec(
            CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
            f"--user-data-dir={home}/profile", f"--accept-lang={lang}", f"--lang={lang}", *arguments,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env={**os.environ, "HOME": home})
        try:
            out, err = await asyncio.wait_for(process.communicate(), timeout)
        except asyncio.TimeoutError:
            process.kill()
            await process.wait()
            raise AssertionError(f"chromium did not finish within {timeout:.0f} s") from None
    assert process.returncode == 0, err.decode(errors="replace")[-2000:]
    return out.decode()


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


async def seen_by_browser(url: str, lang: str, shot: Path) -> PageText:
    """The page's DOM as Chromium rendered it, and a screenshot of it at ``shot``."""
    dom = await chromium("--dump-dom", url, lang=lang)
    shot.parent.mkdir(parents=True, exist_ok=True)
    shot.with_suffix(".html").write_text(dom, encoding="utf-8")
    shot.unlink(missing_ok=True)
    await chromium(f"--screenshot={shot}", "--window-size=1280,2000", "--hide-scrollbars", url, lang=lang)
    assert shot.exists(), f"no screenshot at {shot}"
    assert png_size(shot) == (1280, 2000) and shot.stat().st_size > 20_000, "the screenshot is (nearly) empty"
    return read_page(dom)


def header_colour(shot: Path) -> tuple[int, int, int]:
    """The colour of a pixel in the page's header bar: the stylesheet was applied, not just the text."""
    from matplotlib.image import imread

    pixel = imread(shot)[5, 640]
    return tuple(round(float(channel) * 255) for channel in pixel[:3])  # type: ignore[return-value]


async def test_chromium_renders_the_network_and_a_space_page_in_the_browsers_language(world: World) -> None:
    hub = world.space("Hub Marseille", "Marseille", "FR", "Europe/Paris")
    zagreb = world.space("Impact Zagreb", "Zagreb", "HR", "Europe/Zagreb")
    with world.sessions() as session:
        for space, hours, capacity in ((hub, "Mo-Fr 08:00-19:00; Sa 09:00-13:00", 40), (zagreb, "Mo-Fr 14:00-18:00", 12)):
            row = session.get(Space, space.id)
            assert row is not None
            row.opening_hours, row.capacity = hours, capacity
        session.commit()
    world.member("max", hub, manager=True)
    for name in ("ana", "ben", "cleo"):
        world.member(name, hub)
        await world.say(name, "/checkin", space=hub)
    await world.create_event("max", "/event Demo night | friday 18:00-20:00 | Room 1 | network", hub)

    context = WebContext(world.settings, sessions=world.sessions)
    context.clock = world.clock  # Wednesday 10:00 in Paris and Zagreb
    server = WebServer(context)
    await server.start(host="127.0.0.1", port=0)
    backend = "postgresql" if world.settings.database_url.startswith("postgresql") else "sqlite"
    try:
        network = await seen_by_browser(server.url + "/", "fr", ARTEFACTS / f"public-network-{backend}.png")
        space = await seen_by_browser(server.url + "/spaces/hub-marseille", "el",
                                      ARTEFACTS / f"public-space-{backend}.png")
    finally:
        await server.stop()

    # The network page, in French because the browser asked for it.
    assert network.lang == "fr" and network.scripts == 0
    assert network["h1"] == ["Les espaces du réseau"]
    assert network["h2"] == ["Croatie (1 espace)", "France (1 espace)", "Prochains événements du réseau"]
    assert "Impact Zagreb, Zagreb Fermé maintenant 0 personne sur place · 12 postes" in network["li"]
    assert "Hub Marseille, Marseille Ouvert maintenant 3 personnes sur place · 40 postes" in network["li"]
    assert any(item.startswith("Demo night vendredi 27 novembre 2026, 18:00 – 20:00 (Europe/Paris)")
               for item in network["li"])
    landmarks = [tag for tag, _ in network.elements if tag in ("header", "nav", "main", "footer")]
    assert landmarks == ["header", "nav", "main", "footer"]
    assert network.links[0][:2] == ("#main", "Aller au contenu")  # the skip link comes first
    assert [attrs.get("aria-current") for _, text, attrs in network.links if text == "français"] == ["true"]

    # A space's page, in Greek: its hours as a table, its count, its event.
    assert space.lang == "el" and space["h1"] == ["Hub Marseille"]
    assert space["h2"] == ["Ωράριο λειτουργίας", "Προσεχείς εκδηλώσεις"]
    assert "Ανοιχτά τώρα 3 άτομα εδώ τώρα · 40 θέσεις" in space["dd"]
    assert space["tr"][0] == "Ημέρα Ώρες" and space["tr"][-1] == "Κυριακή Κλειστά"
    assert ("th", {"scope": "row"}) in space.elements

    for name in ("public-network", "public-space"):
        assert header_colour(ARTEFACTS / f"{name}-{backend}.png") == HEADER_BLUE
