"""Rewriting a project's imports from another framework to Heron's (``heron migrate``).

Called by ``heron migrate flask`` (:mod:`heron.cli`) and by user code; calls libcst (the
``heron[migrate]`` extra), whose concrete syntax tree prints back exactly what it parsed,
so the comments, blank lines, quotes and line breaks of a file stay as they were and only
the module names of its import statements change.

What a framework's imports become is a :class:`Table`: top-level packages and the Heron
module standing for each, submodules following (``flask.views`` is
``heron.flask.views``). :data:`FLASK` is the one table registered in :data:`TABLES`; the
FastAPI one (``fastapi`` and ``starlette``) will be another table, with the same
rewriting. What is not rewritten, on purpose: relative imports, other packages
(``flask_login``, ``flasky``), strings that happen to name the framework, and imports by
``__import__``/``importlib`` — those are reported (:class:`DynamicImport`) for a person to
look at, since their argument may be computed.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import libcst as cst
from libcst.helpers import get_full_name_for_node, get_full_name_for_node_or_raise
from libcst.metadata import MetadataWrapper, PositionProvider

__all__ = [
    "FLASK",
    "SKIPPED_DIRECTORIES",
    "TABLES",
    "DynamicImport",
    "Failure",
    "MigratedFile",
    "Report",
    "Result",
    "Table",
    "iter_python_files",
    "migrate_paths",
    "rewrite_source",
]

_NodeT = TypeVar("_NodeT", bound=cst.CSTNode)


@dataclass(frozen=True)
class Table:
    """What one framework's imports become in Heron.

    Args:
        name: The framework, as ``heron migrate`` names it (``"flask"``).
        modules: Each top-level package of the framework and the Heron module that stands
            for it: ``{"flask": "heron.flask"}``. A submodule follows its package
            (``flask.json`` becomes ``heron.flask.json``).
        extension_prefixes: How the names of the framework's third-party extensions begin
            (``"flask_"``). They are not rewritten; the summary names those a project
            imports and how they run on Heron.
        drop_in: The value of ``HERON_DROP_IN`` under which the framework's own imports,
            the extensions' included, get Heron; ``None`` when there is none.

    Raises:
        ValueError: A key of ``modules`` is not a top-level package.
    """

    name: str
    modules: Mapping[str, str]
    extension_prefixes: tuple[str, ...] = ()
    drop_in: str | None = None

    def __post_init__(self) -> None:
        # `import a.b` binds `a`: rewriting it needs a Heron module for `a` itself, so a
        # table maps whole packages, never a part of one.
        dotted = [key for key in self.modules if "." in key]
        if dotted:
            raise ValueError(f"Table {self.name!r} maps submodules {dotted}: map packages.")

    def target(self, module: str) -> str | None:
        """The Heron module that stands for ``module``.

        Args:
            module: An absolute module name, as an import statement spells it.

        Returns:
            The Heron module's name, or ``None`` when the table does not map ``module``
            (``flask_login`` and ``flasky`` are other packages than ``flask``).
        """
        top, dot, rest = module.partition(".")
        heron_module = self.modules.get(top)
        return None if heron_module is None else heron_module + dot + rest

    def is_extension(self, module: str) -> bool:
        """Whether ``module`` belongs to one of the framework's extensions (``flask_login``)."""
        return module.partition(".")[0].startswith(self.extension_prefixes)


#: Flask 3.1's public API is ``heron.flask``, module for module.
FLASK = Table(
    name="flask",
    modules={"flask": "heron.flask"},
    extension_prefixes=("flask_",),
    drop_in="flask",
)

#: The tables ``heron migrate`` offers, by framework.
TABLES: Mapping[str, Table] = {FLASK.name: FLASK}

#: Directories never searched for files to rewrite (besides those whose name starts with
#: a dot): environments, dependencies, caches and build output are not the project's code.
SKIPPED_DIRECTORIES = frozenset({".venv", "venv", "node_modules", "__pycache__", "build", "dist"})

#: The calls that import a module named by a string, as user code spells them.
_IMPORT_CALLS = frozenset(
    {"__import__", "importlib.__import__", "importlib.import_module", "import_module"}
)


@dataclass(frozen=True)
class DynamicImport:
    """A call importing a module of the framework by name: reported, not rewritten.

    Args:
        line: Its line, from 1.
        column: Its column, from 1.
        call: The function called, as written (``importlib.import_module``).
        module: The module named (``flask``).
        target: The Heron module to name instead (``heron.flask``).
    """

    line: int
    column: int
    call: str
    module: str
    target: str

    def describe(self, path: str | os.PathLike[str]) -> str:
        """One warning line naming the file, the line and the call.

        Args:
            path: The file the call is in.

        Returns:
            ``path:line:column: warning: ...``.
        """
        return (
            f"{path}:{self.line}:{self.column}: warning: {self.call}({self.module!r}) is not"
            f" rewritten: name {self.target!r} there"
        )


@dataclass(frozen=True)
class Result:
    """What :func:`rewrite_source` made of one source.

    Args:
        source: The source given.
        code: The rewritten source (``source`` itself when nothing changed).
        rewritten: How many import statements changed.
        dynamic_imports: The framework's modules imported by ``__import__``/``importlib``.
        extensions: The framework's extensions imported (top-level names, sorted).
    """

    source: str
    code: str
    rewritten: int = 0
    dynamic_imports: tuple[DynamicImport, ...] = ()
    extensions: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        """Whether the code differs from the source."""
        return self.code != self.source


class _ImportRewriter(cst.CSTTransformer):
    """Renames the framework's modules in import statements; notes what it cannot rename."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, table: Table) -> None:
        super().__init__()
        self.table = table
        self.rewritten = 0
        self.dynamic_imports: list[DynamicImport] = []
        self.extensions: set[str] = set()
        # Names and the modules they hold, as bound by the import statements read since
        # the last statement of another kind in this block. Only there is it sure that
        # nothing rebound them in between, so only there may `import flask.json` count
        # on an earlier `import heron.flask as flask` (see leave_Import).
        self._bound: dict[str, str] = {}
        # The import being visited when it is alone on its line, and the bindings to put
        # on lines of their own above that line.
        self._alone: cst.Import | None = None
        self._lines_above: list[cst.ImportAlias] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        # A block starts and a statement that is not an import may rebind anything: what
        # the imports before bound is no longer known.
        if isinstance(node, cst.BaseCompoundStatement | cst.BaseSuite) or (
            isinstance(node, cst.BaseSmallStatement)
            and not isinstance(node, cst.Import | cst.ImportFrom)
        ):
            self._bound.clear()
        return super().on_visit(node)

    def on_leave(
        self, original_node: _NodeT, updated_node: _NodeT
    ) -> _NodeT | cst.RemovalSentinel | cst.FlattenSentinel[_NodeT]:
        # After an `if`/`try`/`def`…, whichever of its branches ran may have rebound names.
        if isinstance(original_node, cst.BaseCompoundStatement):
            self._bound.clear()
        return super().on_leave(original_node, updated_node)

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        only = node.body[0] if len(node.body) == 1 else None
        self._alone = only if isinstance(only, cst.Import) else None

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | cst.FlattenSentinel[cst.SimpleStatementLine]:
        self._alone = None
        if not self._lines_above:
            return updated_node
        above, self._lines_above = self._lines_above, []
        # The comments and blank lines that were above the statement stay above it all.
        lines = [cst.SimpleStatementLine(body=[cst.Import(names=[alias])]) for alias in above]
        lines[0] = lines[0].with_changes(leading_lines=updated_node.leading_lines)
        return cst.FlattenSentinel([*lines, updated_node.with_changes(leading_lines=())])

    def leave_Import(self, original_node: cst.Import, updated_node: cst.Import) -> cst.Import:
        names: list[cst.ImportAlias] = []
        changed = False
        for alias in updated_node.names:
            module = alias.evaluated_name
            target = self.table.target(module)
            if target is None:
                self._note_extension(module)
                names.append(self._bind(alias))
                continue
            changed = True
            if alias.asname is not None or "." not in module:
                # `import flask` → `import heron.flask as flask`, `import flask as f` →
                # `import heron.flask as f`: the name the code uses holds Heron's module.
                asname = alias.asname or cst.AsName(name=cst.Name(module))
                names.append(self._bind(alias.with_changes(name=_dotted(target), asname=asname)))
                continue
            # `import flask.json` binds `flask` (the package) and loads `flask.json`; the
            # code then says `flask.json.dumps(...)` and `flask.Flask`. `import
            # heron.flask.json` alone would bind `heron` instead, and `import
            # heron.flask.json as flask` would make `flask` the submodule. So two imports:
            # `import heron.flask as flask` binds the name (once, when the imports just
            # above did not bind it already), `import heron.flask.json` loads the
            # submodule, which sets it as the attribute `json` of `heron.flask`.
            package = module.partition(".")[0]
            heron_package = self.table.modules[package]
            if self._bound.get(package) != heron_package:
                binding = self._bind(
                    cst.ImportAlias(
                        name=_dotted(heron_package), asname=cst.AsName(cst.Name(package))
                    )
                )
                if self._alone is original_node:
                    # On its own line above: one import a line stays so (pycodestyle's
                    # E401), and the comment at the end of the line stays with the module
                    # it was about.
                    self._lines_above.append(binding)
                else:
                    # In a `;` line or a one-line block: within the same statement.
                    names.append(binding.with_changes(comma=_COMMA))
            names.append(self._bind(alias.with_changes(name=_dotted(target))))
        if not changed:
            return updated_node
        self.rewritten += 1
        return updated_node.with_changes(names=names)

    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom:
        if isinstance(updated_node.names, cst.ImportStar):
            self._bound.clear()
        else:
            for alias in updated_node.names:
                self._bound.pop(alias.evaluated_alias or alias.evaluated_name, None)
        # A relative import names the project's own modules, whatever they are called.
        if updated_node.relative or updated_node.module is None:
            return updated_node
        module = get_full_name_for_node_or_raise(updated_node.module)
        target = self.table.target(module)
        if target is None:
            self._note_extension(module)
            return updated_node
        self.rewritten += 1
        return updated_node.with_changes(module=_dotted(target))

    def visit_Call(self, node: cst.Call) -> None:
        call = get_full_name_for_node(node.func)
        if call not in _IMPORT_CALLS:
            return
        argument = next(
            (arg for arg in node.args if arg.keyword is None or arg.keyword.value == "name"), None
        )
        if argument is None or not isinstance(
            argument.value, cst.SimpleString | cst.ConcatenatedString
        ):
            return  # a computed name: nothing to tell about it
        module = argument.value.evaluated_value
        target = self.table.target(module) if isinstance(module, str) else None
        if target is None:
            return
        position = self.get_metadata(PositionProvider, node).start
        self.dynamic_imports.append(
            DynamicImport(position.line, position.column + 1, str(call), str(module), target)
        )

    def _bind(self, alias: cst.ImportAlias) -> cst.ImportAlias:
        """Record the name ``alias`` binds (``import a.b`` binds ``a``); return ``alias``."""
        module = alias.evaluated_name
        name = alias.evaluated_alias
        if name is None:
            name = module = module.partition(".")[0]
        self._bound[name] = module
        return alias

    def _note_extension(self, module: str) -> None:
        if self.table.is_extension(module):
            self.extensions.add(module.partition(".")[0])


#: The comma after a binding put in front of the module it was made for.
_COMMA = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def _dotted(name: str) -> cst.Attribute | cst.Name:
    """The expression ``heron.flask.views`` of the module name ``"heron.flask.views"``."""
    *parents, last = name.split(".")
    if not parents:
        return cst.Name(last)
    return cst.Attribute(value=_dotted(".".join(parents)), attr=cst.Name(last))


_BOM = "\ufeff"


def rewrite_source(source: str, table: Table) -> Result:
    """Rewrite the imports of one module's source.

    Args:
        source: A module's source.
        table: What the framework's imports become (:data:`FLASK`).

    Returns:
        The rewritten source and what was done; ``code`` is ``source`` itself when no
        import changed.

    Raises:
        libcst.ParserSyntaxError: ``source`` is not Python that libcst parses.
    """
    # libcst reads a byte-order mark and does not print it back: kept aside.
    bom = _BOM if source.startswith(_BOM) else ""
    wrapper = MetadataWrapper(cst.parse_module(source.removeprefix(_BOM)))
    rewriter = _ImportRewriter(table)
    module = wrapper.visit(rewriter)
    return Result(
        source=source,
        code=bom + module.code if rewriter.rewritten else source,
        rewritten=rewriter.rewritten,
        dynamic_imports=tuple(rewriter.dynamic_imports),
        extensions=tuple(sorted(rewriter.extensions)),
    )


def iter_python_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    """The files to rewrite: those given, and the ``*.py`` files under the directories given.

    Directories named in :data:`SKIPPED_DIRECTORIES` or starting with a dot are not
    searched (a directory given itself always is). Each file comes once, in sorted order
    within each directory.

    Args:
        paths: Files and directories.

    Yields:
        The paths of the files, under the paths given.
    """
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        for file in _walk(path) if path.is_dir() else [path]:
            key = file.resolve()
            if key not in seen:
                seen.add(key)
                yield file


def _walk(root: Path) -> Iterator[Path]:
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = sorted(
            name
            for name in subdirectories
            if not name.startswith(".") and name not in SKIPPED_DIRECTORIES
        )
        for name in sorted(files):
            if name.endswith(".py"):
                yield Path(directory, name)


@dataclass(frozen=True)
class Failure:
    """A file that could not be read or parsed, and was left as it was.

    Args:
        path: The file.
        message: Why (libcst's message for a syntax error).
        line: Where, from 1, when known. (libcst's message may say more: its column is
            not kept, being 0 whatever the error.)
    """

    path: Path
    message: str
    line: int | None = None

    def describe(self) -> str:
        """One line: ``path:line: error: message (file skipped)``."""
        where = f"{self.path}:" if self.line is None else f"{self.path}:{self.line}:"
        return f"{where} error: {self.message} (file skipped)"


@dataclass(frozen=True)
class MigratedFile:
    """A file read and parsed, and what its rewriting gave.

    Args:
        path: The file.
        result: Its rewriting (written back by :func:`migrate_paths` with ``write=True``).
    """

    path: Path
    result: Result

    def describe(self, *, written: bool) -> str:
        """One line saying that the file was (or would be) rewritten, and how much."""
        verb = "rewrote" if written else "would rewrite"
        return f"{verb} {self.path} ({_count(self.result.rewritten, 'import')})"

    def diff(self) -> str:
        """The change as a unified diff (``git apply``/``patch -p1`` read it)."""
        name = self.path.as_posix()
        old, new = (name, name) if self.path.is_absolute() else (f"a/{name}", f"b/{name}")
        hunks = difflib.unified_diff(_lines(self.result.source), _lines(self.result.code), old, new)
        return "".join(
            line if line.endswith("\n") else f"{line}\n\\ No newline at end of file\n"
            for line in hunks
        )


def _lines(text: str) -> list[str]:
    # Line breaks are "\n" (or "\r\n") only: str.splitlines would also break at a form
    # feed or U+2028, which Python source treats as characters, and the diff would lie.
    *lines, last = text.split("\n")
    return [f"{line}\n" for line in lines] + ([last] if last else [])


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


@dataclass
class Report:
    """What :func:`migrate_paths` did, file by file.

    Args:
        table: The table used.
        written: Whether the changed files were written back.
        files: The files read and parsed, changed or not.
        failures: The files that could not be read or parsed.
    """

    table: Table
    written: bool
    files: list[MigratedFile] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)

    @property
    def changed(self) -> list[MigratedFile]:
        """The files whose imports changed (or would change)."""
        return [file for file in self.files if file.result.changed]

    @property
    def rewritten(self) -> int:
        """How many import statements changed (or would change), over all files."""
        return sum(file.result.rewritten for file in self.files)

    @property
    def extensions(self) -> list[str]:
        """The framework's extensions the files import, sorted."""
        return sorted({name for file in self.files for name in file.result.extensions})

    def warnings(self) -> list[str]:
        """One line for each ``__import__``/``importlib`` import of the framework."""
        return [
            dynamic.describe(file.path)
            for file in self.files
            for dynamic in file.result.dynamic_imports
        ]

    def summary(self) -> list[str]:
        """The closing lines: counts, files skipped, and how extensions run on Heron."""
        scanned = len(self.files) + len(self.failures)
        changed, rewritten = len(self.changed), _count(self.rewritten, "import")
        counts = (
            f"{changed} changed, {rewritten} rewritten"
            if self.written
            else f"{changed} would change, {rewritten} to rewrite"
        )
        lines = [f"{_count(scanned, 'file')} scanned, {counts}."]
        if self.failures:
            lines.append(f"{_count(len(self.failures), 'file')} skipped: could not be parsed.")
        if self.table.drop_in is not None:
            # Extensions are other projects' code, installed: rewriting them is not this
            # command's business, and `import flask` in them must still find something.
            found = self.extensions or [f"{prefix}*" for prefix in self.table.extension_prefixes]
            lines.append(
                f"Extensions ({', '.join(found)}) are not rewritten and import"
                f" {self.table.name} themselves: run the app with"
                f" HERON_DROP_IN={self.table.drop_in} so that they run on Heron."
            )
        return lines


def migrate_paths(
    paths: Iterable[str | os.PathLike[str]], table: Table, *, write: bool = False
) -> Report:
    """Rewrite the imports of every file under ``paths``.

    Files are read and written as UTF-8, their line breaks (LF or CRLF) and
    byte-order mark kept. A file that cannot be read or parsed is reported and left as
    it was; the others are still processed.

    Args:
        paths: Files and directories (see :func:`iter_python_files`).
        table: What the framework's imports become (:data:`FLASK`).
        write: Write the changed files back; by default nothing is written.

    Returns:
        What was (or would be) done.
    """
    report = Report(table=table, written=write)
    for path in iter_python_files(paths):
        try:
            # newline="": the text as it is, "\r\n" included, and written back so.
            with path.open(encoding="utf-8", newline="") as file:
                source = file.read()
        except UnicodeDecodeError as exc:
            report.failures.append(Failure(path, f"not UTF-8 ({exc.reason})"))
            continue
        except OSError as exc:
            report.failures.append(Failure(path, exc.strerror or str(exc)))
            continue
        try:
            result = rewrite_source(source, table)
        except cst.ParserSyntaxError as exc:
            report.failures.append(Failure(path, exc.message, line=exc.editor_line))
            continue
        if write and result.changed:
            with path.open("w", encoding="utf-8", newline="") as file:
                file.write(result.code)
        report.files.append(MigratedFile(path, result))
    return report
