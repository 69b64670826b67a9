"""``coworkbot spaces import FILE.csv``: create many spaces at once.

Columns: name, city, country, timezone[, language[, hours[, capacity[, address]]]]. A first
row starting with ``name`` is a header: its column names then give the order (``lang`` and
``opening_hours`` are read as ``language`` and ``hours``), and columns may be left out after
the first four. An empty language is the country's (``HR`` → ``hr``); hours use the
``/space set hours`` syntax (quote them: ``"Mo-Fr 08:00-19:00, Sa 09:00-13:00"``).
The whole file is one transaction: a bad row names its line and nothing is created.
"""
from __future__ import annotations

import csv
from pathlib import Path

from bot.context import UserError
from bot.i18n import translator
from bot.space_settings import checked_address, checked_capacity, checked_hours
from bot.spaces import create_space
from storage.db import SessionFactory

COLUMNS = ("name", "city", "country", "timezone", "language", "hours", "capacity", "address")
ALIASES = {"lang": "language", "opening_hours": "hours", "time_zone": "timezone", "tz": "timezone"}


def _header(fields: list[str]) -> tuple[tuple[str, ...], str | None]:
    """The column order a header row gives, or an error naming the unknown columns."""
    names = tuple(ALIASES.get(f.lower().replace(" ", "_"), f.lower().replace(" ", "_")) for f in fields)
    unknown = [f for f, name in zip(fields, names) if name not in COLUMNS]
    missing = [name for name in COLUMNS[:4] if name not in names]
    if unknown or missing:
        return names, (f"unknown columns: {', '.join(unknown)}; " if unknown else "") + \
            f"the columns are {', '.join(COLUMNS)} (the first four are needed)"
    return names, None


def import_spaces(sessions: SessionFactory, path: str | Path, default_language: str = "en") -> tuple[int, list[str]]:
    """Returns (spaces created, error lines)."""
    errors: list[str] = []
    created = 0
    columns: tuple[str, ...] = COLUMNS
    with open(path, newline="", encoding="utf-8") as fh, sessions() as session:
        for number, row in enumerate(csv.reader(fh), start=1):
            fields = [cell.strip() for cell in row]
            if not any(fields):
                continue
            if number == 1 and fields[0].lower() == "name":
                columns, problem = _header(fields)
                if problem:
                    errors.append(f"line 1: {problem}")
                    break
                continue
            if len(fields) > len(columns):
                errors.append(f"line {number}: {len(fields)} columns, at most {len(columns)} expected")
                continue
            values = dict(zip(columns, fields))
            try:
                required = [values.get(name, "") for name in COLUMNS[:4]]
                space = create_space(session, required + [values.get("language", "")], default_language)
                if values.get("hours"):
                    space.opening_hours = checked_hours(values["hours"])
                if values.get("capacity"):
                    space.capacity = checked_capacity(values["capacity"])
                if values.get("address"):
                    space.address = checked_address(values["address"])
                session.add(space)
                created += 1
            except UserError as error:
                errors.append(f"line {number}: {translator('en').t(error.msgid, **error.kwargs)}")
        if errors:
            session.rollback()
            return 0, errors
        session.commit()
    return created, errors
