"""Read what a page shows, so tests compare against the page itself, not a copy."""

from __future__ import annotations

import re

from tests.docs_examples import DOCS, ROOT, line_at
from tests.shown_code import INCLUDE, section_text

OUTPUT_MARKER = re.compile(
    r"<!-- output: ([a-z0-9-]+) -->\n\s*```text\n(.*?)\n\s*```", re.S
)
FENCE = re.compile(r"^([ \t]*)```(\w+).*?\n(.*?)^\1```", re.M | re.S)
TABLE_MARKER = "<!-- {name} -->\n(.*?)<!-- /{name} -->"


def page(path: str) -> str:
    return (DOCS / path).read_text()


def shown_output(path: str, name: str) -> str:
    """The text fence that follows `<!-- output: name -->` on a page, dedented, as the
    site shows it (a `;--8<--` escape shows as `--8<--`)."""
    for match in OUTPUT_MARKER.finditer(page(path)):
        if match.group(1) == name:
            text = match.group(2).replace(";--8<--", "--8<--")
            return "\n".join(line.strip() for line in text.splitlines())
    raise AssertionError(
        f"docs/{path} has no `<!-- output: {name} -->` followed by a text fence"
    )


def all_output_markers() -> dict[str, str]:
    """Output name -> `page:line` of its marker."""
    markers = {}
    for path in DOCS.rglob("*.md"):
        text = path.read_text()
        for match in OUTPUT_MARKER.finditer(text):
            line = line_at(text, match.start())
            markers[match.group(1)] = f"{path.relative_to(ROOT)}:{line}"
    return markers


def shown_table(path: str, name: str) -> list[dict[str, str]]:
    """Rows of the Markdown table between `<!-- name -->` and `<!-- /name -->`."""
    match = re.search(TABLE_MARKER.format(name=re.escape(name)), page(path), re.S)
    assert match, (
        f"docs/{path} has no table between <!-- {name} --> and <!-- /{name} -->"
    )
    lines = [line.strip() for line in match.group(1).strip().splitlines()]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    return [
        dict(
            zip(
                header,
                (cell.strip() for cell in line.strip("|").split("|")),
                strict=True,
            )
        )
        for line in lines[2:]
    ]


def with_includes(body: str) -> str:
    """A page section's text with each included section or program as the page shows it."""
    return "\n".join(
        section_text(m.group(1)) if (m := INCLUDE.match(line)) else line
        for line in body.splitlines()
    )


def section_output(body: str) -> str:
    """What a page section shows as output: `#>` lines, output docstrings and text fences,
    in its code and in the programs it includes."""
    shown = []
    for _, language, code in FENCE.findall(body):
        targets = [INCLUDE.match(line) for line in code.splitlines() if line.strip()]
        if targets and all(targets):  # an excerpt or a program, as the page shows it
            code = "\n".join(section_text(m.group(1)) for m in targets if m)
        lines = [line.strip() for line in code.splitlines()]
        if language == "text":
            shown += lines
            continue
        shown += [
            line.removeprefix("#>").strip() for line in lines if line.startswith("#>")
        ]
        shown += re.findall(r'^\s*"""\n(.*?)\n\s*"""', code, re.M | re.S)
    return "\n".join(line.strip() for line in shown)
