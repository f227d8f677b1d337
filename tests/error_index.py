"""The error index at the top of docs/mistakes/index.md, generated from what the pages show.

Every line of a compared output (a `#>` line, an output docstring or an output fence, in a
page's code or in the programs it includes) that reads `Kind: message`, where Kind names an
exception or warning class of the libraries the guide uses, is an error a reader can meet.
The index lists each once, linked to the section that shows it: a section whose heading names
the error if there is one, else the first section that shows it.

`python -m tests.error_index` rewrites the index; tests/mistakes/test_error_index.py fails
when it is stale.
"""

from __future__ import annotations

import importlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from markdown.extensions.toc import slugify

from tests.docs_examples import DOCS
from tests.pages import section_output

PAGE = DOCS / "mistakes" / "index.md"
START, END = "<!-- error-index -->", "<!-- /error-index -->"
# Where the exception and warning classes a reader meets are defined.
MODULES = (
    "builtins",
    "asyncio",
    "configparser",
    "socket",
    "sqlite3",
    "ssl",
    "sqlalchemy.exc",
    "sqlalchemy.orm.exc",
    "asyncpg.exceptions",
    "pydantic",
    "fastapi.exceptions",
    "httpx",
    "alembic.util.exc",
    "snippets.database",
    "snippets.migrations.startup",
)
# A heading that is an error: `Kind: message`, the Kind maybe lower case (socket.gaierror).
ERROR_TITLE = re.compile(r"^`(?P<kind>[A-Za-z]\w*): (?P<message>[^`]+)`")
HEADING = re.compile(
    r"^(#{2,4}) (?P<title>.+?)(?: \{#(?P<anchor>[a-z0-9-]+)\})?$", re.M
)
# `Kind: message` at the start of a line or after a label ("setup failed: Kind: ..."),
# the Kind maybe with its module; or a bare `Kind` that ends the line (no message).
LINE = re.compile(
    r"(?:^|(?<=[\s(:]))(?:[a-z_]\w*\.)*(?P<kind>[A-Z]\w*)(?:: (?P<message>\S.*))?$"
)


def exception_names() -> set[str]:
    """The class names of every exception and warning in MODULES."""
    names: set[str] = set()
    for name in MODULES:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, BaseException):
                names.add(value.__name__)
    return names


@dataclass(frozen=True)
class Entry:
    text: str  # `Kind: message`, as the heading or the output shows it
    kind: str
    page: Path
    anchor: str
    title: str  # the section's heading, as Markdown
    heading: bool  # the section's heading is this error


def plain(title: str) -> str:
    """A heading's text as the table of contents sees it (no code marks, no links)."""
    return re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", title).replace("`", "")


def sections(page: Path) -> list[tuple[str, str, str]]:
    """(anchor, heading, body) of each section of `page` with a level 2 to 4 heading."""
    text = page.read_text()
    found = []
    matches = list(HEADING.finditer(text))
    seen: dict[str, int] = {}
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        title = match.group("title")
        anchor = match.group("anchor")
        if anchor is None:  # toc's own id: the slug, with _1, _2 for repeats
            slug = slugify(plain(title), "-")
            anchor = slug if slug not in seen else f"{slug}_{seen[slug]}"
            seen[slug] = seen.get(slug, 0) + 1
        found.append((anchor, title, text[match.end() : end]))
    return found


def pages() -> list[Path]:
    return sorted(p for p in DOCS.rglob("*.md") if "inventories" not in p.parts)


def heading_errors() -> list[Entry]:
    """Every heading that is an error, `Kind: message` in code marks."""
    found = []
    for page in pages():
        for anchor, title, _ in sections(page):
            if match := ERROR_TITLE.match(title):
                text = f"{match['kind']}: {match['message']}"
                found.append(Entry(text, match["kind"], page, anchor, title, True))
    return found


def shown_errors() -> list[Entry]:
    """Every error line the pages' compared outputs show, in page order."""
    kinds = exception_names()
    found = []
    for page in pages():
        for anchor, title, body in sections(page):
            for line in section_output(body).splitlines():
                for match in LINE.finditer(line):
                    if match["kind"] not in kinds:
                        continue
                    message = match["message"]
                    text = match["kind"] + (f": {message}" if message else "")
                    found.append(Entry(text, match["kind"], page, anchor, title, False))
                    break  # the first error of a line is the one it reports
    return found


def covers(heading: Entry, text: str) -> bool:
    """Whether this text starts with a heading's error ("..." stands for any text)."""
    pattern = ".*?".join(map(re.escape, heading.text.split("...")))
    return re.match(pattern, text) is not None


def normalized(text: str) -> str:
    """An object's address, which changes from run to run, as `0x...`."""
    return re.sub(r"0x[0-9a-f]{6,}", "0x...", text)


def entries() -> list[Entry]:
    """Each error heading (a row each, though several name the same error), and each
    error an output shows that no heading is: once, at the mistakes chapter if it shows
    it, else where it is first shown. Sorted by kind, then text, then page."""
    headings = heading_errors()
    shown: dict[str, Entry] = {}
    for found in shown_errors():
        if any(covers(h, found.text) for h in headings):
            continue
        if found.text == found.kind and found.title.startswith(f"`{found.kind}:"):
            continue  # a bare Kind under the heading that is that error
        key = normalized(found.text)
        if key not in shown or (found.page == PAGE and shown[key].page != PAGE):
            shown[key] = found
    rows = headings + list(shown.values())
    return sorted(
        rows,
        key=lambda e: (
            e.kind.lower(),
            normalized(e.text).lower(),
            e.page != PAGE,
            e.page.as_posix(),
        ),
    )


def cell(text: str) -> str:
    """`text` as code in a table cell."""
    code = text.replace("|", "\\|")
    return f"`` {code} ``" if "`" in code else f"`{code}`"


def table() -> str:
    rows = ["| error | shown and explained in |", "| --- | --- |"]
    for entry in entries():
        target = Path(os.path.relpath(entry.page, PAGE.parent)).as_posix()
        link = f"#{entry.anchor}" if entry.page == PAGE else f"{target}#{entry.anchor}"
        name = entry.page.relative_to(DOCS).with_suffix("").as_posix()
        name = name.removesuffix("/index")
        # A heading that is the error: the page, and any words after the error
        # ("after `commit()`"); else the page and the section's heading.
        if entry.heading:
            rest = plain(entry.title.split("`", 2)[-1]).strip()
            where = f"{name} ({rest})" if rest else name
        else:
            where = f"{name}: {plain(entry.title)}"
        where = where.replace("|", "\\|")
        rows.append(f"| {cell(normalized(entry.text))} | [{where}]({link}) |")
    return "\n".join(rows)


def rendered() -> str:
    """docs/mistakes/index.md with its index as the pages say it should be."""
    text = PAGE.read_text()
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    return f"{before}{START}\n{table()}\n{END}{after}"


if __name__ == "__main__":
    PAGE.write_text(rendered())
    print(f"{PAGE}: {len(entries())} errors indexed")
