"""``coworkbot spaces import FILE.csv``: create many spaces at once.

Columns: name, city, country, timezone[, language]; a header row is allowed.
The whole file is one transaction: a bad row names its line and nothing is created.
"""
from __future__ import annotations

import csv
from pathlib import Path

from bot.context import UserError
from bot.i18n import translator
from bot.spaces import create_space
from storage.db import SessionFactory


def import_spaces(sessions: SessionFactory, path: str | Path) -> tuple[int, list[str]]:
    """Returns (spaces created, error lines)."""
    errors: list[str] = []
    created = 0
    with open(path, newline="", encoding="utf-8") as fh, sessions() as session:
        for number, row in enumerate(csv.reader(fh), start=1):
            fields = [cell.strip() for cell in row]
            if not any(fields) or (number == 1 and fields[0].lower() == "name"):
                continue
            try:
                create_space(session, fields)
                created += 1
            except UserError as error:
                errors.append(f"line {number}: {translator('en').t(error.msgid, **error.kwargs)}")
        if errors:
            session.rollback()
            return 0, errors
        session.commit()
    return created, errors
