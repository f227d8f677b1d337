"""Create a new page with its snippet module and its test, wired together and passing.

    .venv/bin/python -m tests.scaffold CHAPTER/PAGE "Title"

for example `python -m tests.scaffold queries/upserts "Upserts"` writes

    docs/queries/upserts.md             the page: includes the section, runs an example
    snippets/queries/upserts.py         the code, in a named section `upserts`
    tests/queries/test_upserts.py       the test of that code, on SQLite and PostgreSQL

and adds the page to the nav in mkdocs.yml. Replace the example code, keep the wiring.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.docs_examples import ROOT

SLUG = re.compile(r"[a-z][a-z0-9-]*")
NAV_END = "  - Contributing: contributing.md\n"
PYTEST = ".venv/bin/pytest --no-cov"

PAGE = """# {title}

What a reader can do after this page, in one or two sentences.

## Names in order

The code this page teaches lives in `snippets/{chapter}/{module}.py`, between the section
markers `# ;--8<-- [start:{section}]` and `# --8<-- [end:{section}]`:

```python
--8<-- "snippets/{chapter}/{module}.py:{section}"
```

Run on the sample rows, on SQLite and on PostgreSQL, it prints:

```python
import asyncio

from snippets.{chapter}.{module} import names_in_order
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        print(await names_in_order(session))
        #> ['Ada Lovelace', 'Grace Hopper', 'Linus Torvalds']


asyncio.run(main())
```

Why it works, and what to watch out for.
"""

SNIPPET = '''"""{title}: the code docs/{chapter}/{page}.md shows."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from snippets.models import User


# --8<-- [start:{section}]
async def names_in_order(session: AsyncSession) -> list[str]:
    # ORDER BY makes the result the same on every backend and every run.
    return list(await session.scalars(select(User.name).order_by(User.name)))


# --8<-- [end:{section}]
'''

TEST = '''"""snippets/{chapter}/{module}.py, shown on docs/{chapter}/{page}.md."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from snippets.{chapter}.{module} import names_in_order
from snippets.testing.factories import new_user


async def test_names_come_back_sorted(db_session: AsyncSession) -> None:
    db_session.add_all([new_user(name="Zoe"), new_user(name="Ann")])
    await db_session.flush()
    assert await names_in_order(db_session) == ["Ann", "Zoe"]
'''


class ScaffoldError(ValueError):
    """The arguments or the project do not allow the scaffold; the message says why."""


@dataclass(frozen=True)
class Scaffold:
    chapter: str
    page: str
    title: str

    @property
    def module(self) -> str:
        return self.page.replace("-", "_")

    def files(self, root: Path) -> dict[Path, str]:
        values = {
            "chapter": self.chapter,
            "page": self.page,
            "module": self.module,
            "section": self.module,
            "title": self.title,
        }
        return {
            root / "docs" / self.chapter / f"{self.page}.md": PAGE.format(**values),
            root / "snippets" / self.chapter / f"{self.module}.py": SNIPPET.format(
                **values
            ),
            root / "tests" / self.chapter / f"test_{self.module}.py": TEST.format(
                **values
            ),
        }

    def nav(self, mkdocs_yml: str) -> str:
        """mkdocs.yml with the page added to its chapter's nav section (or a new one)."""
        entry = f"{self.title}: {self.chapter}/{self.page}.md"
        one_page = re.search(
            rf"^  - ([^\n:]+): {re.escape(self.chapter)}/index\.md\n", mkdocs_yml, re.M
        )
        if one_page:  # a chapter of one page becomes a section of two
            return mkdocs_yml.replace(
                one_page.group(0),
                f"  - {one_page.group(1)}:\n      - {self.chapter}/index.md\n"
                f"      - {entry}\n",
                1,
            )
        section = re.search(
            rf"^  - [^\n]+:\n(?:      - [^\n]+\n)*?      - (?:[^\n]+: )?"
            rf"{re.escape(self.chapter)}/[^\n]+\n(?:      - [^\n]+\n)*",
            mkdocs_yml,
            re.M,
        )
        if section:
            return mkdocs_yml.replace(
                section.group(0), f"{section.group(0)}      - {entry}\n", 1
            )
        if NAV_END not in mkdocs_yml:
            raise ScaffoldError(
                f"mkdocs.yml: no nav line {NAV_END.strip()!r} to add before"
            )
        chapter_title = self.chapter.replace("-", " ").capitalize()
        return mkdocs_yml.replace(
            NAV_END, f"  - {chapter_title}:\n      - {entry}\n{NAV_END}", 1
        )

    def check_commands(self) -> list[str]:
        """The contributor guide's commands for checking a new page (tested to match)."""
        return [
            f"{PYTEST} tests/test_integrity.py tests/{self.chapter}/test_{self.module}.py",
            f'{PYTEST} tests/test_docs.py -k "docs/{self.chapter}/{self.page}.md"'
            " --update-examples",
        ]

    def write(self, root: Path = ROOT) -> list[Path]:
        files = self.files(root)
        taken = [path for path in files if path.exists()]
        if taken:
            raise ScaffoldError(
                "already exists, nothing written: "
                + ", ".join(str(p.relative_to(root)) for p in taken)
            )
        config = root / "mkdocs.yml"
        new_config = self.nav(config.read_text())
        for package in ("snippets", "tests"):
            init = root / package / self.chapter / "__init__.py"
            if not init.exists():
                files[init] = ""
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        config.write_text(new_config)
        return [*files, config]


def parse(argv: list[str]) -> tuple[Scaffold, Path]:
    parser = argparse.ArgumentParser(
        prog="python -m tests.scaffold", description=__doc__.splitlines()[0]
    )
    parser.add_argument("where", help="CHAPTER/PAGE, for example queries/upserts")
    parser.add_argument("title", help='the page title, for example "Upserts"')
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    chapter, _, page = args.where.partition("/")
    if not (SLUG.fullmatch(chapter) and SLUG.fullmatch(page)) or page == "index":
        parser.error(
            f"{args.where!r}: give CHAPTER/PAGE in lower case with hyphens, "
            "for example queries/upserts"
        )
    return Scaffold(chapter, page, args.title), args.root


def main(argv: list[str] | None = None) -> int:
    scaffold, root = parse(sys.argv[1:] if argv is None else argv)
    try:
        written = scaffold.write(root)
    except ScaffoldError as exc:
        print(f"scaffold: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path.relative_to(root)}")
    print("check it (page, snippet and test):")
    for command in scaffold.check_commands():
        print(f"  {command}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
