"""Bulk INSERTs of plain rows (dicts of column values), the fast way on each database.

An introduction round writes 100,000 outbox rows at once. On PostgreSQL an
``executemany`` still sends one statement per row; ``COPY ... FROM STDIN`` streams
them, and the server works on the rows while the caller is still producing
the next ones. Elsewhere (SQLite) rows go in chunks through ``executemany``,
which the driver runs in C. Either way rows may come from a generator, so
memory stays flat however many there are.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import chain, islice
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.engine import Connection

CHUNK = 5000  # rows per executemany where there is no COPY


def insert_rows(connection: Connection, table: Table, rows: Iterable[dict[str, Any]]) -> int:
    """Insert ``rows`` (each with the same keys) into ``table`` in the caller's transaction; how many."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return 0
    rows = chain([first], rows)
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
        return _copy(connection, table, list(first), rows)
    count = 0
    for chunk in chunks(rows, CHUNK):
        connection.execute(insert(table), chunk)
        count += len(chunk)
    return count


def _copy(connection: Connection, table: Table, columns: list[str], rows: Iterator[dict[str, Any]]) -> int:
    """COPY FROM STDIN, each value converted as an INSERT would (JSON, aware datetimes → UTC)."""
    dialect = connection.dialect
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns]
    quote = dialect.identifier_preparer.quote
    statement = f"COPY {dialect.identifier_preparer.format_table(table)} ({', '.join(map(quote, columns))}) FROM STDIN"
    # Columns often hold one value in every row (a round's time, a status): converted once.
    last: list[Any] = [object()] * len(columns)
    done: list[Any] = [None] * len(columns)
    count = 0
    cursor = connection.connection.cursor()
    try:
        with cursor.copy(statement) as copy:  # type: ignore[attr-defined]
            for row in rows:
                values = [row[name] for name in columns]
                for i, process in enumerate(processors):
                    if process is not None:
                        if values[i] is not last[i]:
                            last[i], done[i] = values[i], process(values[i])
                        values[i] = done[i]
                copy.write_row(values)
                count += 1
    finally:
        cursor.close()
    return count


def chunks(items: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    """Lists of at most ``size`` items."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
