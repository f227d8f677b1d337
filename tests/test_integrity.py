"""The pages, the snippets and the tests point at each other correctly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests import pages
from tests.docs_examples import (
    DOCS,
    MAX_SKIPPED_SHARE,
    ROOT,
    DocBlockError,
    display,
    inline_blocks,
    summary_line,
)

SNIPPETS = ROOT / "snippets"
TESTS = ROOT / "tests"
INCLUDE = re.compile(r'^\s*--8<--\s+"([^"]*)"\s*$', re.M)
SECTION = re.compile(r"^\s*# --8<-- \[(start|end):([a-z0-9_]+)\]\s*$", re.M)
FENCE = re.compile(r"^ *```+ *([^\s`{]*)", re.M)


def includes() -> list[tuple[str, str]]:
    """(page, include target) for every --8<-- line in the docs."""
    return [
        (display(path), match.group(1))
        for path in sorted(DOCS.rglob("*.md"))
        for match in INCLUDE.finditer(path.read_text())
    ]


def sections(path: Path) -> set[str]:
    text = path.read_text()
    starts = [name for kind, name in SECTION.findall(text) if kind == "start"]
    ends = [name for kind, name in SECTION.findall(text) if kind == "end"]
    assert sorted(starts) == sorted(ends), (
        f"{display(path)}: every `# --8<-- [start:NAME]` needs a matching `# --8<-- [end:NAME]` "
        f"(starts {starts}, ends {ends})"
    )
    return set(starts)


def snippet_modules() -> list[Path]:
    return sorted(p for p in SNIPPETS.rglob("*.py") if p.name != "__init__.py")


def test_every_include_names_an_existing_section() -> None:
    problems = []
    for page, target in includes():
        file, _, section = target.partition(":")
        if not section or section.isdigit() or re.fullmatch(r"[\d:-]+", section):
            problems.append(
                f"{page}: {target!r} must name a section, e.g. {file}:engine"
            )
        elif not (ROOT / file).is_file():
            problems.append(f"{page}: {target!r} names a file that does not exist")
        elif section not in sections(ROOT / file):
            problems.append(
                f"{page}: {target!r}: {file} has no `# --8<-- [start:{section}]` marker"
            )
    assert not problems, "\n".join(problems)
    assert includes(), "no page includes a snippet: the include pattern is broken"


def test_every_snippet_module_and_section_is_shown() -> None:
    shown = {target for _, target in includes()}
    problems = []
    for module in snippet_modules():
        rel = display(module)
        names = sections(module)
        if not names:
            problems.append(
                f"{rel}: no `# --8<-- [start:NAME]` section, so no page can show it"
            )
        problems.extend(
            f"{rel}: section {name!r} is shown on no page; include it with "
            f'--8<-- "{rel}:{name}" or delete it'
            for name in sorted(names)
            if f"{rel}:{name}" not in shown
        )
    assert not problems, "\n".join(problems)


def test_every_python_fence_is_run_or_skipped_with_a_reason() -> None:
    # Languages pytest-examples would treat as Python, which must then be valid blocks.
    odd = [
        f"{display(path)}: fence language {lang!r}: use `python` (pytest-examples runs any "
        "fence whose language starts with 'py')"
        for path in sorted(DOCS.rglob("*.md"))
        for lang in FENCE.findall(path.read_text())
        if lang.lower().startswith("py") and lang.lower() not in {"py", "python"}
    ]
    assert not odd, "\n".join(odd)
    blocks = inline_blocks()  # raises DocBlockError with the fix for any bad fence
    skipped = [b for b in blocks if b.skip_reason]
    assert len(skipped) <= MAX_SKIPPED_SHARE * len(blocks), (
        f"{len(skipped)} of {len(blocks)} blocks are skipped; at most "
        f"{MAX_SKIPPED_SHARE:.0%} may be: " + ", ".join(b.location for b in skipped)
    )


def test_every_shown_output_is_asserted_by_a_test() -> None:
    test_sources = "\n".join(
        p.read_text() for p in TESTS.rglob("test_*.py") if p.name != "test_integrity.py"
    )
    unasserted = [
        f"{path}: <!-- output: {name} --> is compared by no test; add a test that calls "
        f'shown_output("...", "{name}")'
        for name, path in pages.all_output_markers().items()
        if f'"{name}"' not in test_sources
    ]
    assert not unasserted, "\n".join(unasserted)


@pytest.mark.parametrize(
    ("fence", "message"),
    [
        ('```python {lang="x"}\nprint(1)\n```', "unknown fence attribute(s) ['lang']"),
        (
            '```python {backend="mysql"}\nprint(1)\n```',
            "is not one of ['sqlite', 'postgres']",
        ),
        ('```python {skip=" "}\nprint(1)\n```', "needs a reason"),
        (
            '```python\n--8<-- "snippets/app.py:routes"\nprint(1)\n```',
            "mixes --8<-- includes",
        ),
    ],
)
def test_bad_fences_are_reported_with_the_fix(
    tmp_path: Path, fence: str, message: str
) -> None:
    page = tmp_path / "page.md"
    page.write_text(f"# Page\n\n{fence}\n")
    with pytest.raises(DocBlockError, match=re.escape(message)):
        inline_blocks([tmp_path])


def test_include_only_fences_are_not_inline_blocks(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        '```python\n--8<-- "snippets/app.py:routes"\n```\n\n```python\nprint(1)\n```\n'
    )
    assert [b.example.source for b in inline_blocks([tmp_path])] == ["print(1)\n"]


def test_summary_line_has_the_documented_form() -> None:
    line = summary_line(
        30,
        {
            ("sqlite", "passed"): 28,
            ("postgres", "passed"): 27,
            ("postgres", "failed"): 1,
            ("sqlite", "skipped"): 1,
        },
    )
    assert line == (
        "docs examples: 30 blocks; sqlite 28 passed 0 failed; "
        "postgres 27 passed 1 failed; skipped 1"
    )
