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


def _module_imports() -> dict[str, set[str]]:
    """Project module → the project modules it imports (at module level or inside functions)."""
    modules = {}
    for folder in ("bot", "adapters", "storage"):
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            modules[name] = path
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                candidates = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                candidates = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            else:
                continue
            targets |= {c for c in candidates if c in modules and c != name}
        graph[name] = targets
    return graph


def test_the_core_never_imports_an_adapter() -> None:
    """Adapters are found by name (bot.registry, entry points): no arrow from bot/ or storage/ into adapters/."""
    offenders = sorted(f"{source} -> {target}" for source, targets in _module_imports().items()
                       if not source.startswith("adapters") for target in targets if target.startswith("adapters"))
    assert offenders == []


def test_there_is_no_import_cycle() -> None:
    """A lower module never needs a higher one: the import graph has no cycle (Tarjan's strongly connected parts)."""
    graph = _module_imports()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            part = []
            while True:
                member = stack.pop()
                part.append(member)
                if member == node:
                    break
            if len(part) > 1:
                cycles.append(sorted(part))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    assert cycles == []


def test_every_platform_is_registered_and_provides_a_factory() -> None:
    from bot.registry import platform_module, platforms

    assert platforms() == ["console", "matrix", "telegram"]
    assert all(callable(getattr(platform_module(name), "create", None)) for name in platforms())
