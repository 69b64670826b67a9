"""The console adapter as a person uses it: a real process reading stdin."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def console(tmp_path: Path, script: str, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COWORKBOT_")}
    env["COWORKBOT_DATABASE_URL"] = f"sqlite:///{tmp_path / 'bot.db'}"
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "console", *args], input=script, cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.replace("\u202f", " ")


def test_scripted_session_from_the_readme(tmp_path: Path) -> None:
    out = console(
        tmp_path,
        "/space create Make It Marseille | Marseille | FR | Europe/Paris\n/checkin logo work\n:as bob\n/checkin\n/here\n",
        "--user", "ana",
    )
    lines = out.splitlines()
    assert lines[0] == "Space Make It Marseille created (make-it-marseille) and linked to this chat."
    # A French space speaks French to those who chose no language, with French times.
    # Until closing (20:00), or midnight once it is past: the process runs on the real clock.
    assert any(line in ("Check-in effectué à Make It Marseille jusqu'à 20:00. Bienvenue !",
                        "Check-in effectué à Make It Marseille jusqu'à 00:00. Bienvenue !") for line in lines), lines
    assert "2 personnes sur place en ce moment" in out
    assert any(line.startswith("• ana, depuis") and line.endswith(": logo work") for line in lines)
    assert any(line.startswith("• bob, depuis") for line in lines)


def test_meta_lines_switch_user_room_and_direct_chat(tmp_path: Path) -> None:
    out = console(
        tmp_path,
        "/space create Alpha | Lyon | FR | Europe/Paris | en\n"
        "/space create Beta Hub | Ljubljana | SI | Europe/Ljubljana | sl\n"
        ":in alpha\n:as zoe\n/checkin\n:in beta-hub\n/here\n:in nowhere\n:dm\n/checkin in my home space\n"
        "/here\n:quit\n/help\n",
        "--user", "ana",
    )
    assert "Checked in at Alpha until" in out
    assert "Trenutno v prostoru Beta Hub ni nikogar prijavljenega." in out  # the space speaks Slovenian
    assert "! no space 'nowhere'" in out
    # zoe's home space is Alpha (first check-in), so in DM she checks in there again
    assert out.count("Checked in at Alpha until") == 2
    assert "What I can do for you" not in out  # nothing is read after :quit


def test_first_console_user_is_coordinator_others_are_not(tmp_path: Path) -> None:
    out = console(tmp_path, "/help\n:as bob\n/space create X | Y | FR | Europe/Paris\n", "--user", "ana")
    assert "/space create NAME" in out
    assert "Only a network coordinator can do that." in out
