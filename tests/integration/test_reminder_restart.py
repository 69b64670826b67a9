"""Reminders across a real process restart: ``coworkbot console`` stopped, time moved, started again.

The first process creates the events through the console as a person would.
While it is down, "time passes": the test moves the stored times of the events
and their reminder rows back (the same as moving the clock forward, without a
test hook in the bot). The next start sends the recently missed reminder once,
late and worded "starting soon", and skips (and logs) the one whose event has
already begun; a third start sends nothing again.
"""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_console(db: Path, script: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COWORKBOT_")}
    env["COWORKBOT_DATABASE_URL"] = f"sqlite:///{db}"
    env["COWORKBOT_REMINDER_OFFSETS"] = "1h,30m"  # "tomorrow" is always more than an hour away
    env["COWORKBOT_LOG_LEVEL"] = "INFO"  # the test reads the start-up summary line
    result = subprocess.run([sys.executable, "-m", "bot.cli", "console", "--user", "ana"], input=script,
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result


def shift_event(db: Path, event_id: int, new_start: datetime) -> None:
    """Move an event and its reminders so that it starts at ``new_start`` (as if time had passed)."""
    fmt = "%Y-%m-%d %H:%M:%S.%f"
    with sqlite3.connect(db) as conn:
        (stored,) = conn.execute("SELECT starts_at FROM event WHERE id = ?", (event_id,)).fetchone()
        start = datetime.fromisoformat(stored).replace(tzinfo=timezone.utc)
        delta = new_start - start
        seconds = delta.total_seconds()
        conn.execute("UPDATE event SET starts_at = ? WHERE id = ?",
                     ((start + delta).strftime(fmt), event_id))
        for rid, occurrence, due in conn.execute(
                "SELECT id, occurrence_at, due_at FROM reminder WHERE event_id = ?", (event_id,)).fetchall():
            occ = datetime.fromisoformat(occurrence) + timedelta(seconds=seconds)
            due_at = datetime.fromisoformat(due) + timedelta(seconds=seconds)
            conn.execute("UPDATE reminder SET occurrence_at = ?, due_at = ? WHERE id = ?",
                         (occ.strftime(fmt), due_at.strftime(fmt), rid))


def test_a_missed_reminder_is_sent_once_after_a_real_restart(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    first = run_console(db, "\n".join([
        "/space create Hub | Marseille | FR | Europe/Paris | en",
        "/event Quiz | tomorrow at 18:00 | Room 2",
        "/confirm 1",
        "/event Breakfast | tomorrow at 9:00",
        "/confirm 2",
        ":as bob",
        "/rsvp 1 yes",
        "",
    ]))
    assert "Event #1 Quiz is scheduled and announced in 1 chat." in first.stdout
    assert "Starting soon" not in first.stdout and "Reminder:" not in first.stdout
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM reminder WHERE sent_at IS NULL").fetchone() == (4,)

    # The bot is down; meanwhile both reminders of the quiz fell due (it starts in 20 minutes),
    # and breakfast began 5 minutes ago.
    now = datetime.now(timezone.utc)
    shift_event(db, 1, now + timedelta(minutes=20))
    shift_event(db, 2, now - timedelta(minutes=5))

    second = run_console(db, "")
    out = second.stdout.replace("\u202f", " ")
    assert out.count("→ #lobby: ⏰ Starting soon: Quiz at Hub,") == 1
    assert out.count("→ @bob (direct): ⏰ Starting soon: Quiz at Hub,") == 1
    assert "Breakfast" not in out
    skips = [line for line in second.stderr.splitlines() if "WARNING bot.reminders" in line and "skipped" in line]
    assert len(skips) == 3  # the quiz's 1-hour one (superseded), breakfast's two (too late)
    assert "reminders at start: 1 sent late or on time, 3 skipped" in second.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM reminder WHERE sent_at IS NOT NULL").fetchone() == (1,)
        assert conn.execute("SELECT count(*) FROM reminder WHERE skipped_at IS NOT NULL").fetchone() == (3,)

    third = run_console(db, "")
    assert "⏰" not in third.stdout
