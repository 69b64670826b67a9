"""Alembic, driven from code: ``coworkbot db upgrade`` and the start of ``coworkbot run``.

There is no alembic.ini; the script location is this package's ``migrations``
folder, so migrations work the same from a checkout and from an install.

New revision after changing the tables: ``python -m storage.migrate revision "what changed"``.
"""
from __future__ import annotations

import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine) -> Config:
    """An Alembic config that runs on ``engine``'s connection."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema up to ``revision``."""
    command.upgrade(alembic_config(engine), revision)


def main(argv: list[str]) -> None:
    """Developer entry point to autogenerate a revision against a scratch SQLite file.

    ``revision "message"`` adds a revision; ``regenerate-initial`` rewrites
    0001 from the current tables (only while no release has shipped it).
    """
    import tempfile

    from storage.db import create_db_engine

    if argv == ["regenerate-initial"]:
        for old in (MIGRATIONS / "versions").glob("*.py"):
            old.unlink()
        argv = ["revision", "initial schema", "0001"]
    if len(argv) not in (2, 3) or argv[0] != "revision":
        raise SystemExit('usage: python -m storage.migrate revision "message" | regenerate-initial')
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_db_engine(f"sqlite:///{tmp}/scratch.db")
        upgrade(engine)
        command.revision(alembic_config(engine), message=argv[1], autogenerate=True,
                         rev_id=argv[2] if len(argv) == 3 else None)


if __name__ == "__main__":
    main(sys.argv[1:])
