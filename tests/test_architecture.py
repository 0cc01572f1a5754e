"""The architecture's rules, checked: layers, deferred imports, and the map in the docs.

* The import-linter layers contract (``[tool.importlinter]`` in pyproject.toml) holds, and
  it can fail: an upward import hidden inside a function breaks it.
* Imports inside functions are few, and each says why it is deferred.
* Every ``heron.…`` name ``docs/architecture.md`` mentions exists.
"""

from __future__ import annotations

import ast
import importlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "heron"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

#: The most imports of Heron modules inside functions (each deferred for a reason).
MAX_DEFERRED_IMPORTS = 12
#: What the comment above a deferred import names: what it avoids.
_REASON = re.compile(r"#\s*(PERF|OPTIONAL|NOTE)\b")


def _lint_imports(package_parent: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(package_parent), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_layers_contract_is_kept(tmp_path: Path) -> None:
    result = _lint_imports(SRC.parent, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_an_upward_import_inside_a_function_breaks_the_contract(tmp_path: Path) -> None:
    copy = tmp_path / "src"
    shutil.copytree(SRC, copy / "heron", ignore=shutil.ignore_patterns("__pycache__"))
    handlers = copy / "heron" / "handlers.py"
    handlers.write_text(
        handlers.read_text()
        + "\n\ndef _deferred() -> None:\n    from heron.csrf import FIELD_NAME  # noqa: F401\n"
    )
    result = _lint_imports(copy, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "heron.handlers is not allowed to import heron.csrf" in result.stdout


def _deferred_imports() -> list[tuple[Path, int, str]]:
    """Imports of Heron modules inside function bodies: (file, line, module)."""
    found: list[tuple[Path, int, str]] = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text())
        seen: set[int] = set()
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for inner in ast.walk(node):
                if not isinstance(inner, ast.Import | ast.ImportFrom) or id(inner) in seen:
                    continue
                seen.add(id(inner))
                if isinstance(inner, ast.ImportFrom):
                    modules = [inner.module or ""]
                else:
                    modules = [alias.name for alias in inner.names]
                for module in modules:
                    if module.split(".")[0] == "heron":
                        found.append((path, inner.lineno, module))
    return found


def test_imports_inside_functions_are_few_and_say_why() -> None:
    deferred = _deferred_imports()
    assert len(deferred) <= MAX_DEFERRED_IMPORTS, [
        f"{p.relative_to(SRC)}:{line} {module}" for p, line, module in deferred
    ]
    for path, line, module in deferred:
        lines = path.read_text().splitlines()
        above = lines[line - 2].strip()
        assert _REASON.search(above), (
            f"{path.relative_to(SRC)}:{line} imports {module} inside a function: say which "
            "cycle (# NOTE:) or cost (# PERF:) or optional dependency (# OPTIONAL:) it avoids"
        )


def _names_in(doc: Path) -> set[str]:
    return set(re.findall(r"`(heron(?:\.[A-Za-z_][A-Za-z0-9_]*)+)`", doc.read_text()))


def _resolve(dotted: str) -> object:
    """The object ``dotted`` names: the longest importable module, then attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[cut:]:
            found = getattr(found, attribute)
        return found
    raise ModuleNotFoundError(dotted)


@pytest.mark.parametrize("name", sorted(_names_in(ROOT / "docs" / "architecture.md")))
def test_every_name_the_architecture_page_mentions_exists(name: str) -> None:
    assert _resolve(name) is not None
