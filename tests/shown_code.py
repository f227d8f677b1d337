"""The Python a reader sees on a page: inline blocks, and included sections as MkDocs
shows them (dedented, without their markers)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from tests.docs_examples import DOCS, line_at, markup_samples, section_text

PYTHON_FENCE = re.compile(r"^([ \t]*)```python[^\n]*\n(.*?)^\1```", re.M | re.S)
INCLUDE = re.compile(r'^\s*--8<--\s+"([^"]*)"\s*$')


def shown_blocks(page: Path) -> list[str]:
    """Every python block of the page, in page order, as the reader sees it."""
    blocks = []
    text = page.read_text()
    samples = markup_samples(page)
    for match in PYTHON_FENCE.finditer(text):
        if line_at(text, match.start()) in samples:
            continue  # markup shown as text, not code
        if "excerpt=" in match.group(0).split("\n", 1)[0]:
            continue  # a part of the program right after it (checked by test_integrity)
        body = textwrap.dedent(match.group(2))
        found = [INCLUDE.match(line) for line in body.splitlines() if line.strip()]
        if found and all(found):
            blocks.append("\n".join(section_text(m.group(1)) for m in found if m))
        else:
            blocks.append(body)
    return blocks


def undefined_names(code: str) -> list[str]:
    """What ruff's F821 (undefined name) finds in `code`: `line: name`."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "shown.py"
        path.write_text(code)
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "ruff",
                "check",
                "--isolated",
                "--no-cache",
                "--select",
                "F821",
                "--output-format",
                "json",
                str(path),
            ],
            capture_output=True,
            text=True,
        )
    return [
        f"{item['location']['row']}: {item['message']}"
        for item in json.loads(result.stdout or "[]")
    ]


def pages() -> list[Path]:
    return sorted(p for p in DOCS.rglob("*.md") if "inventories" not in p.parts)
