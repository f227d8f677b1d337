"""The pages, the snippets and the tests point at each other correctly."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest

from tests import pages
from tests.docs_examples import (
    DOCS,
    MAX_SKIPPED_SHARE,
    PROGRAM_INCLUDE,
    ROOT,
    DocBlockError,
    display,
    excerpt_problems,
    inline_blocks,
    line_at,
    summary_line,
    unseen_fences,
)

SNIPPETS = ROOT / "snippets"
TESTS = ROOT / "tests"
INCLUDE = re.compile(r'^\s*--8<--\s+"([^"]*)"\s*$', re.M)
SECTION = re.compile(r"^\s*# --8<-- \[(start|end):([a-z0-9_]+)\]\s*$", re.M)
FENCE = re.compile(r"^ *```+ *([^\s`{]*)", re.M)


def includes(docs: Path = DOCS) -> list[tuple[str, str]]:
    """(page:line, include target) for every --8<-- line in the docs."""
    found: list[tuple[str, str]] = []
    for path in sorted(docs.rglob("*.md")):
        text = path.read_text()
        found.extend(
            (f"{display(path)}:{line_at(text, match.start(1))}", match.group(1))
            for match in INCLUDE.finditer(text)
        )
    return found


@functools.cache
def sections(path: Path) -> dict[str, int]:
    """Section name -> line of its start marker."""
    text = path.read_text()
    markers = [
        (m.group(1), m.group(2), line_at(text, m.start()))
        for m in SECTION.finditer(text)
    ]
    starts = {name: line for kind, name, line in markers if kind == "start"}
    ends = {name: line for kind, name, line in markers if kind == "end"}
    unmatched = [
        f"{display(path)}:{line}: `# --8<-- [{kind}:{name}]` has no matching "
        f"`# --8<-- [{'end' if kind == 'start' else 'start'}:{name}]`"
        for kind, name, line in markers
        if name not in (ends if kind == "start" else starts)
    ]
    assert not unmatched, "\n".join(unmatched)
    return starts


def snippet_modules() -> list[Path]:
    return sorted(p for p in SNIPPETS.rglob("*.py") if p.name != "__init__.py")


def include_problems(docs: Path = DOCS) -> list[str]:
    problems = []
    for page, target in includes(docs):
        file, _, section = target.partition(":")
        if PROGRAM_INCLUDE.match(f'--8<-- "{target}"'):
            if not (ROOT / file).is_file():
                problems.append(f"{page}: {target!r}: there is no such program")
            continue  # a whole program, shown folded; nothing in it can drift
        if not section or section.isdigit() or re.fullmatch(r"[\d:-]+", section):
            problems.append(
                f"{page}: {target!r} counts lines, which drift when the file changes; "
                f"mark the code in {file} with `# --8<-- [start:NAME]` / "
                f'`# --8<-- [end:NAME]` and include "{file}:NAME"'
            )
        elif not (ROOT / file).is_file():
            problems.append(
                f"{page}: {target!r} names {file}, which does not exist; fix the path, "
                "or create the page, module and test with `python -m tests.scaffold`"
            )
        elif section not in sections(ROOT / file):
            problems.append(
                f"{page}: {target!r}: {file} has no section {section!r}; add "
                f"`# --8<-- [start:{section}]` and `# --8<-- [end:{section}]` around "
                f"the code in {file} (its sections: {sorted(sections(ROOT / file))})"
            )
    return problems


def test_every_include_names_an_existing_section() -> None:
    problems = include_problems()
    assert not problems, "\n".join(problems)
    assert includes(), "no page includes a snippet: the include pattern is broken"


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (
            "snippets/database.py:nope",
            "snippets/database.py has no section 'nope'; add `# --8<-- [start:nope]`",
        ),
        ("snippets/database.py:3:9", "counts lines, which drift"),
        ("snippets/gone.py:engine", "which does not exist; fix the path"),
    ],
)
def test_a_broken_include_names_the_page_line_and_the_fix(
    tmp_path: Path, target: str, message: str
) -> None:
    page = tmp_path / "page.md"
    page.write_text(f'# Page\n\n```python\n--8<-- "{target}"\n```\n')
    [problem] = include_problems(tmp_path)
    assert problem.startswith(f"{display(page)}:4: ")
    assert message in problem


def test_every_snippet_module_and_section_is_shown() -> None:
    shown = {target for _, target in includes()}
    problems = []
    for module in snippet_modules():
        rel = display(module)
        names = sections(module)
        if not names:
            problems.append(
                f"{rel}:1: no `# --8<-- [start:NAME]` section, so no page can show it; "
                "mark the code a page shows, or delete the module"
            )
        problems.extend(
            f"{rel}:{line}: section {name!r} is shown on no page; add a python fence "
            f'whose only line is --8<-- "{rel}:{name}" to a page in docs/, '
            "or delete the section"
            for name, line in sorted(names.items())
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
        f"{where}: <!-- output: {name} --> is compared by no test; add a test in "
        f'tests/ that produces the output and compares it with shown_output("...", "{name}")'
        for name, where in pages.all_output_markers().items()
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
        (
            '```python\nprint(1)\n```\n\n=== "SQLite"\n\n    ```text {output="sqlite"}\n'
            "    1\n    ```\n",
            "output fences after a python block name each of ['sqlite', 'postgres'] once",
        ),
        (
            '```python\nprint(1)\n#> 1\n```\n\n=== "SQLite"\n\n'
            '    ```text {output="sqlite"}\n    1\n    ```\n\n=== "PostgreSQL"\n\n'
            '    ```text {output="postgres"}\n    1\n    ```\n',
            "shows its output there, not in #> lines",
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
            ("postgres", "not for this version"): 2,
        },
        {"sqlalchemy": "2.0.58", "postgresql": "15.18"},
    )
    assert line == (
        "docs examples: 30 blocks; sqlite 28 passed 0 failed; "
        "postgres 27 passed 1 failed; skipped 1; not for this version 2 "
        "(SQLAlchemy 2.0.58, PostgreSQL 15.18)"
    )


def test_output_tabs_belong_to_the_block_before_them(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        '```python\nprint(1)\n```\n\n=== "SQLite"\n\n    ```text {output="sqlite"}\n'
        '    1\n    ```\n\n=== "PostgreSQL"\n\n    ```text {output="postgres"}\n'
        "    one\n    two\n    ```\n\nText.\n\n```python\nprint(2)\n#> 2\n```\n"
    )
    first, second = inline_blocks([tmp_path])
    assert [(o.backend, o.text) for o in first.outputs] == [
        ("sqlite", "1"),
        ("postgres", "one\ntwo"),
    ]
    assert second.outputs == ()


def test_every_excerpt_is_part_of_the_program_after_it() -> None:
    problems = excerpt_problems()
    assert not problems, "\n".join(problems)


def excerpt_page(tmp_path: Path, program: str, excerpt: str | None = None) -> Path:
    """A page with the guide's excerpt and expander around a program file in tmp_path."""
    folder = tmp_path / "snippets" / "demo" / "examples" / "page"
    folder.mkdir(parents=True)
    (folder / "shown.py").write_text(program)
    rel = "snippets/demo/examples/page/shown.py"
    excerpt = excerpt or f'--8<-- "{rel}:pattern"'
    page = tmp_path / "page.md"
    page.write_text(
        '```python {excerpt="shown.py" title="Excerpt of shown.py: the whole program '
        f'is below"}}\n{excerpt}\n```\n\n??? example "The whole program"\n\n'
        f'    ```python {{title="{rel}"}}\n    --8<-- "{rel}"\n    ```\n'
    )
    return page


def test_an_excerpt_must_be_its_programs_pattern_section(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tests.docs_examples.ROOT", tmp_path)
    program = "# --8<-- [start:pattern]\nprint(1)\n# --8<-- [end:pattern]\n"
    page = excerpt_page(tmp_path, program, excerpt="print(1)")
    assert excerpt_problems([page]) == [
        f'{display(page)}:1: the excerpt must be {{excerpt="shown.py"}} with the one line '
        '--8<-- "snippets/demo/examples/page/shown.py:pattern", the pattern of the '
        "program after it"
    ]


def test_an_excerpt_that_hides_a_definition_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tests.docs_examples.ROOT", tmp_path)
    program = (
        "LIMIT = 3\n\n\nasync def main() -> None:\n    # --8<-- [start:pattern]\n"
        "    print(LIMIT)\n    # --8<-- [end:pattern]\n"
    )
    page = excerpt_page(tmp_path, program)
    assert excerpt_problems([page]) == [
        f"{display(page)}:1: the excerpt uses ['LIMIT'], which only the folded program "
        "defines; widen the pattern section of snippets/demo/examples/page/shown.py to show them"
    ]
    (tmp_path / "snippets/demo/examples/page/shown.py").write_text(
        "# --8<-- [start:pattern]\nLIMIT = 3\n\n\nasync def main() -> None:\n"
        "    print(LIMIT)\n# --8<-- [end:pattern]\n"
    )
    assert excerpt_problems([page]) == []


def test_every_program_file_is_shown_whole_on_one_page() -> None:
    programs = sorted(SNIPPETS.glob("*/examples/*/*.py"))
    programs = [p for p in programs if p.name != "__init__.py"]
    shown = [
        target
        for _, target in includes()
        if PROGRAM_INCLUDE.match(f'--8<-- "{target}"')
    ]
    problems = [
        f"{display(p)} is included whole on {shown.count(display(p))} pages; a program "
        "belongs to exactly one page, in its expander"
        for p in programs
        if shown.count(display(p)) != 1
    ]
    assert programs
    assert not problems, "\n".join(problems)


def test_python_fences_inside_a_markup_sample_are_not_blocks(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "```python\nprint(2)\n#> 2\n```\n\n"
        "````markdown\n    ```python\n    print(1)\n    ```\n````\n"
    )
    assert [b.example.source for b in inline_blocks([tmp_path])] == ["print(2)\n#> 2\n"]


def test_a_python_fence_pytest_examples_cannot_see_is_reported(tmp_path: Path) -> None:
    # pytest-examples' fence pattern closes a ````markdown sample at the first ``` inside
    # it, and can then miss the blocks after it: such a block would never run.
    page = tmp_path / "page.md"
    page.write_text(
        "````markdown\n    ```python\n    print(1)\n    ```\n````\n\n"
        "```python\nprint(2)\n#> 2\n```\n"
    )
    assert unseen_fences(page) == [7]
    assert all(unseen_fences(p) == [] for p in sorted(DOCS.rglob("*.md")))


def test_no_page_line_looks_like_a_section_marker() -> None:
    """pymdownx.snippets deletes any page line with a section marker in it, prose and
    code alike; a page that talks about markers escapes them as `;--8<--`."""
    problems = [
        f"{display(page)}:{number}: MkDocs deletes this line (it reads as a section "
        "marker); write the first marker on it as `;--8<--`"
        for page in sorted(DOCS.rglob("*.md"))
        for number, line in enumerate(page.read_text().splitlines(), start=1)
        if re.search(r"(?<!;)-{1,}8<-{1,}[ \t]+\[(start|end):", line)
        and not re.search(r";-{1,}8<-{1,}[ \t]+\[", line)
    ]
    assert not problems, "\n".join(problems)


def test_an_output_fence_under_the_wrong_tab_is_reported(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        '```python\nprint(1)\n```\n\n=== "PostgreSQL"\n\n    ```text {output="sqlite"}\n'
        '    1\n    ```\n\n=== "SQLite"\n\n    ```text {output="postgres"}\n    1\n    ```\n'
    )
    with pytest.raises(
        DocBlockError, match='output="sqlite" sits under the tab "PostgreSQL"'
    ):
        inline_blocks([tmp_path])


def test_an_excerpt_or_program_title_naming_another_file_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tests.docs_examples.ROOT", tmp_path)
    program = "# --8<-- [start:pattern]\nprint(1)\n# --8<-- [end:pattern]\n"
    page = excerpt_page(tmp_path, program)
    assert excerpt_problems([page]) == []
    rel = "snippets/demo/examples/page/shown.py"
    good = page.read_text()
    for wrong in (
        good.replace("Excerpt of shown.py", "Excerpt of other.py"),
        good.replace(f'{{title="{rel}"}}', '{title="snippets/demo/other.py"}'),
    ):
        page.write_text(wrong)
        assert excerpt_problems([page]) == [
            f"{display(page)}:1: the excerpt's title must be 'Excerpt of shown.py: the "
            f"whole program is below' and its program's title '{rel}'"
        ]


def test_an_empty_output_fence_is_refused(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        '```python\nprint(1)\n```\n\n=== "SQLite"\n\n    ```text {output="sqlite"}\n'
        '    ```\n\n=== "PostgreSQL"\n\n    ```text {output="postgres"}\n    1\n    ```\n'
    )
    with pytest.raises(DocBlockError, match='output="sqlite" fence is empty'):
        inline_blocks([tmp_path])
