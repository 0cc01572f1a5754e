"""Every Python block in docs/ and README.md runs, and its assertions hold."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from heron import Heron

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([*ROOT.joinpath("docs").glob("*.md"), ROOT / "README.md"])
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def blocks() -> list[tuple[str, str]]:
    found = []
    for page in PAGES:
        for index, match in enumerate(BLOCK.finditer(page.read_text())):
            found.append((f"{page.name}#{index}", match.group(1)))
    return found


def test_docs_have_examples() -> None:
    assert len(blocks()) >= 10


@pytest.mark.parametrize(("where", "source"), blocks(), ids=[w for w, _ in blocks()])
def test_doc_block_runs(where: str, source: str, monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[Heron] = []

    def fake_run(self: Heron, *args: Any, **kwargs: Any) -> None:
        served.append(self)

    monkeypatch.setattr(Heron, "run", fake_run)
    namespace: dict[str, Any] = {"__name__": f"docs_{where}"}
    exec(compile(source, where, "exec", dont_inherit=True), namespace)
    if "app.run()" in source:
        assert served, "app.run() was called and reached the server"
        from heron.testclient import TestClient

        assert TestClient(served[0]).get("/").status_code == 200
