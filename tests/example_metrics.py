"""How much of each example a reader sees at a glance, measured on the pages.

`python -m tests.example_metrics` prints, for the code visible without unfolding an expander
(`???`) or switching tabs (only a tab set's first tab counts): the median number of code lines
of a runnable example, and the share of visible code lines that are the `async def main()` /
`asyncio.run(main())` wrapper or an import line already shown earlier on the same page.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from pathlib import Path

from tests.docs_examples import DOCS, INCLUDE_LINE, line_at, markup_samples
from tests.shown_code import section_text

FENCE = re.compile(r"^([ \t]*)```python[^\n]*\n(.*?)^\1```", re.M | re.S)
WRAPPER = re.compile(
    r"^(import asyncio|async def main\(\).*:|asyncio\.run\(main\(\)\))$"
)
IMPORT = re.compile(r"^(import |from \S+ import )")


@dataclass(frozen=True)
class Metrics:
    examples: int
    median_lines: float
    shown_lines: int
    wrapper_or_repeated: int

    @property
    def wrapper_share(self) -> float:
        return self.wrapper_or_repeated / self.shown_lines if self.shown_lines else 0.0


def hidden(text: str, offset: int) -> bool:
    """Whether the fence at `offset` sits in a folded expander or a tab after the first."""
    lines = text[:offset].splitlines()
    first = text[offset:].split("\n", 1)[0]
    indent = len(first) - len(first.lstrip(" "))
    for position in range(len(lines) - 1, -1, -1):
        line = lines[position]
        stripped = line.lstrip(" ")
        depth = len(line) - len(stripped)
        if not stripped or depth >= indent:
            continue
        if stripped.startswith("??? "):
            return True
        if stripped.startswith("=== "):
            # A later tab when the nearest line above at this depth opens another tab.
            above = [
                entry
                for entry in lines[:position]
                if entry.strip() and len(entry) - len(entry.lstrip(" ")) <= depth
            ]
            return bool(above) and above[-1].lstrip(" ").startswith("=== ")
        indent = depth
        if depth == 0:
            return False
    return False


def measure(docs: Path = DOCS) -> Metrics:
    sizes: list[int] = []
    shown = extra = 0
    pages = [docs] if docs.is_file() else docs.rglob("*.md")
    for page in sorted(p for p in pages if "inventories" not in p.parts):
        text = page.read_text()
        seen: set[str] = set()
        samples = markup_samples(page)
        for match in FENCE.finditer(text):
            if hidden(text, match.start()) or line_at(text, match.start()) in samples:
                continue
            lines = [
                line.strip() for line in match.group(2).splitlines() if line.strip()
            ]
            include = bool(lines) and all(INCLUDE_LINE.match(line) for line in lines)
            if include and "excerpt=" in match.group(0).split("\n", 1)[0]:
                # An excerpt: the pattern section of a program, as the page shows it.
                target = lines[0].split('"')[1]
                lines = [
                    line.strip()
                    for line in section_text(target).splitlines()
                    if line.strip()
                ]
            elif include:
                continue  # included sections are counted on their own, not as examples
            code = [line for line in lines if not line.startswith("#>")]
            sizes.append(len(code))
            shown += len(code)
            for line in code:
                if WRAPPER.match(line) or (IMPORT.match(line) and line in seen):
                    extra += 1
                if IMPORT.match(line):
                    seen.add(line)
    median = statistics.median(sizes) if sizes else 0
    return Metrics(len(sizes), median, shown, extra)


if __name__ == "__main__":
    import sys

    # One page (or folder) to measure, as `python -m tests.example_metrics docs/types`.
    metrics = measure(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else DOCS)
    print(
        f"{metrics.examples} runnable examples visible; median {metrics.median_lines:g} "
        f"code lines; wrapper and repeated imports {metrics.wrapper_or_repeated} of "
        f"{metrics.shown_lines} shown lines ({metrics.wrapper_share:.1%})"
    )
