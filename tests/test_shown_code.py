"""Every page's code is complete: each name the shown code uses is defined or imported by
code the same page shows (an included section, a folded whole file, or an inline block)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.docs_examples import DOCS, display
from tests.shown_code import pages, shown_blocks, undefined_names


@pytest.mark.parametrize(
    "page", pages(), ids=lambda page: page.relative_to(DOCS).as_posix()
)
def test_the_code_on_a_page_defines_every_name_it_uses(page: Path) -> None:
    missing = undefined_names("\n\n".join(shown_blocks(page)))
    assert not missing, (
        f"{display(page)}: names no shown code defines or imports (line numbers count "
        "the page's python blocks joined in order): "
        + "; ".join(missing)
        + ". Start the included section at the module's imports, or fold the whole "
        "file in above the first use"
    )


def test_the_check_finds_a_missing_import(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "```python\nprint(select(User))\n```\n\n```python\nfrom m import User\n```\n"
    )
    # Read top to bottom: `User` is used before the block that imports it.
    assert undefined_names("\n\n".join(shown_blocks(page))) == [
        "1: Undefined name `select`",
        "1: Undefined name `User`",
    ]
