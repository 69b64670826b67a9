"""The shape of the code: the core never imports a platform library."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLATFORM_LIBRARIES = {"telegram", "nio"}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_core_and_storage_never_import_telegram_or_nio() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_roots(path) & PLATFORM_LIBRARIES)
        for folder in ("bot", "storage")
        for path in (ROOT / folder).rglob("*.py")
        if imported_roots(path) & PLATFORM_LIBRARIES
    }
    assert offenders == {}


def test_importing_the_core_opens_nothing_and_loads_no_platform(tmp_path: Path) -> None:
    code = (
        "import sys, bot.app, bot.core, bot.commands, storage.models, adapters.console;"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'telegram', 'nio'}))"
    )
    env_path = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env_path,
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert list(tmp_path.iterdir()) == []  # no database file, nothing written at import


def test_command_table_has_unique_names_and_translatable_summaries() -> None:
    from bot.commands import TABLE

    names = [command.name for command in TABLE]
    assert len(names) == len(set(names))
    assert all(command.summary and command.name.isascii() for command in TABLE)
