"""``coworkbot`` command line. Imports stay inside the commands so ``--help`` is instant."""
from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coworkbot", description="A chatbot for a network of coworking spaces.")
    parser.add_argument("--config", help="TOML settings file (COWORKBOT_* variables override it)")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="start every configured adapter (console when none is)")
    run.add_argument("--config", dest="config_sub", help=argparse.SUPPRESS)
    console = sub.add_parser("console", help="a local chat in the terminal, reading stdin")
    console.add_argument("--user", default="me", help="who speaks first (default: me)")
    console.add_argument("--space", help="start in this space's room")
    console.add_argument("--config", dest="config_sub", help=argparse.SUPPRESS)
    check = sub.add_parser("check", help="validate settings, database and platform credentials; exit 0/1")
    check.add_argument("--config", dest="config_sub", help=argparse.SUPPRESS)
    health = sub.add_parser("health", help="ask the running process's /readyz (coworkbot check when HTTP_PORT "
                            "is 0); exit 0/1: the container's health check")
    health.add_argument("--config", dest="config_sub", help=argparse.SUPPRESS)
    db = sub.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"], help="apply migrations")
    db.add_argument("--config", dest="config_sub", help=argparse.SUPPRESS)
    spaces = sub.add_parser("spaces", help="bulk operations on spaces")
    spaces_sub = spaces.add_subparsers(dest="action", required=True)
    imp = spaces_sub.add_parser("import", help="create spaces from a CSV file: "
                                "name,city,country,timezone[,language[,hours[,capacity[,address]]]]")
    imp.add_argument("file")
    imp.add_argument("--config", dest="config_sub", help=argparse.SUPPRESS)
    stats = sub.add_parser("stats", help="network reporting")
    stats_sub = stats.add_subparsers(dest="action", required=True)
    export = stats_sub.add_parser("export", help="daily anonymous counts of a space as CSV")
    export.add_argument("--space", required=True, help="the space's slug")
    export.add_argument("--csv", required=True, help="output file ('-' for stdout)")
    export.add_argument("--days", type=int, default=30, help="how many days back (default 30)")
    export.add_argument("--config", dest="config_sub", help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command. A failure to start is one line on stderr naming the setting or service, exit 1."""
    args = _parser().parse_args(argv)
    from bot.config import ConfigError, load_settings, setting_problems as setting_problems_of
    from bot.logs import redact, setup_logging

    config = getattr(args, "config_sub", None) or args.config
    if args.command == "check":
        from bot.check import run_check

        return run_check(config)
    if args.command == "health":
        settings = load_settings(config) if not setting_problems_of(config) else None
        if settings is None or not settings.http_port:
            from bot.check import run_check

            return run_check(config)
        from bot.health_probe import probe

        return probe(settings)
    try:
        settings = load_settings(config)
    except ConfigError as exc:
        print(f"coworkbot: {exc}", file=sys.stderr)
        return 2
    console_only = args.command == "console" or (
        args.command == "run" and not (settings.telegram_token or settings.matrix_homeserver))
    setup_logging(settings.log_level or ("WARNING" if console_only else "INFO"), settings.secrets,
                  fmt=settings.log_format)
    from bot.startup import StartupError

    try:
        return _command(args, settings)
    except StartupError as exc:
        print(f"coworkbot: {redact(str(exc))}", file=sys.stderr)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - a bug: one line here, the traceback at DEBUG
        import logging

        logging.getLogger("coworkbot").debug("unexpected error", exc_info=True)
        print(f"coworkbot: unexpected error: {type(exc).__name__}: {redact(str(exc))[:300]} "
              "(COWORKBOT_LOG_LEVEL=DEBUG shows the traceback)", file=sys.stderr)
    return 1


def _command(args: argparse.Namespace, settings: Settings) -> int:
    if args.command in ("run", "console"):
        import asyncio

        from bot import app

        if args.command == "run":
            factory = app.platform_adapters
        else:
            def factory(runtime: app.Runtime) -> list:  # type: ignore[type-arg]
                return [app.console_adapter(runtime, args.user, args.space)]
            import dataclasses

            settings = dataclasses.replace(settings, http_port=0)  # a local chat serves nothing to the network
        from storage.leader import AnotherInstance

        try:
            asyncio.run(app.serve(settings, factory))
        except KeyboardInterrupt:
            pass
        except (AnotherInstance, app.LostLeadership) as exc:
            print(f"coworkbot: {exc}", file=sys.stderr)
            return 1
        return 0
    if args.command == "db":
        from bot.startup import open_engine

        open_engine(settings.database_url).dispose()
        print("database is up to date")
        return 0
    if args.command == "spaces":
        from bot.app import open_database
        from bot.space_import import import_spaces

        created, errors = import_spaces(open_database(settings), args.file, settings.default_language)
        print(f"{created} spaces created")
        for error in errors:
            print(f"  {error}", file=sys.stderr)
        return 1 if errors else 0
    if args.command == "stats":
        from bot.app import open_database
        from bot.stats import export_csv
        from storage.types import utcnow

        with open_database(settings)() as session:
            try:
                text = export_csv(session, args.space, args.days, utcnow())
            except LookupError as exc:
                print(f"coworkbot: {exc}", file=sys.stderr)
                return 1
        if args.csv == "-":
            sys.stdout.write(text)
        else:
            with open(args.csv, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
