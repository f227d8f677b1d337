"""Which fenced Python blocks in docs/ run, on which backends, and how they are marked.

A python fence runs on every backend unless its opening line says otherwise:

    ```python {backend="postgres"}     runs on PostgreSQL only (a feature or output of it)
    ```python {backend="sqlite"}       runs on SQLite only
    ```python {skip="why it cannot run"}   not run; the reason is required and counted

    ```python {needs="postgresql>=18"}  runs only where the server (or SQLAlchemy) is that new;
                                        elsewhere it is counted as "not for this version"

A block whose output differs by backend shows its code once and its output in tabs right after it,
one `text {output="sqlite"}` and one `text {output="postgres"}` fence; what it prints on each
backend is compared with that fence. Output that differs by SQLAlchemy version gets a fence of
its own for the older version, `text {output="postgres" sqlalchemy="2.0"}` (or `output="all"`
for every backend the block runs on); a run on that version compares with it, every other run
with the fence without a version.

A complete program lives in its own file, `snippets/<chapter>/examples/<page>/<name>.py`, and
the page shows it folded in a `??? example` expander: a python fence whose only line includes the
whole file. That file is what runs here, with the fence's attributes and the output tabs after
the expander; `#>` lines are in the file. The part a reader needs sits right before the expander
as an excerpt, a fence marked {excerpt="<name>.py"} that includes the file's `pattern` section.

Any other fence whose body is only `--8<--` include lines shows code from snippets/; the snippets
tests prove that code and test_integrity.py proves the include resolves, so it is not run here.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import textwrap
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pytest_examples import CodeExample, find_examples

from tests import versions

ROOT = Path(__file__).resolve().parent.parent


def copy_project(target: Path, *folders: str) -> Path:
    """pyproject.toml, mkdocs.yml and the given folders, copied into `target`: for commands
    that write into the project (autogenerate, Zensical's .cache/, site/)."""
    for name in ("pyproject.toml", "mkdocs.yml"):
        shutil.copy(ROOT / name, target)
    for folder in folders:
        shutil.copytree(
            ROOT / folder, target / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    return target


DOCS = ROOT / "docs"
BACKENDS = ("sqlite", "postgres")
ATTRIBUTES = {"backend", "skip", "excerpt", "title", "needs"}
MAX_SKIPPED_SHARE = 0.02

INCLUDE_LINE = re.compile(r'^\s*--8<--\s+"[^"]*"\s*$')
# A whole program: a file of a page's examples folder, included whole (no `:section`).
PROGRAM_INCLUDE = re.compile(
    r'^\s*--8<--\s+"(snippets/[a-z_]+/examples/[a-z_]+/[a-z0-9_]+\.py)"\s*$'
)
SUMMARY_PREFIX = "docs examples:"
NOT_FOR_THIS_VERSION = versions.NOT_FOR_THIS_VERSION


@dataclass(frozen=True)
class OutputFence:
    """A `text {output="BACKEND"}` fence after a python block: what the block prints on
    that backend ("all": on every backend it runs on), shown in tabs while the code is
    shown once; with `sqlalchemy="2.0"`, what it prints on that SQLAlchemy version."""

    backend: str
    first_line: int  # 1-based, the fence's first content line
    last_line: int  # 1-based, the fence's last content line (first_line - 1 if empty)
    indent: str
    text: str
    tab: str = ""  # the title of the tab it sits under
    sqlalchemy: str | None = None

    @property
    def attributes(self) -> str:
        version = f' sqlalchemy="{self.sqlalchemy}"' if self.sqlalchemy else ""
        return f'output="{self.backend}"{version}'


@dataclass(frozen=True)
class DocBlock:
    """A runnable block: inline code on a page, or a program file a page includes whole
    (then `example` is the file and `fence` the page's include fence)."""

    example: CodeExample
    backends: tuple[str, ...]
    skip_reason: str | None
    outputs: tuple[OutputFence, ...] = ()
    fence: CodeExample | None = None
    needs: tuple[versions.Need, ...] = ()

    @property
    def page_fence(self) -> CodeExample:
        """The fence on the page: the block itself, or the include of its program."""
        return self.fence or self.example

    @property
    def program(self) -> Path | None:
        return self.example.path if self.fence else None

    def output_for(
        self, backend: str, sqlalchemy: str = versions.PINNED_SQLALCHEMY_SERIES
    ) -> OutputFence | None:
        """The fence to compare with: this version's if the page has one, else the default."""
        wanted = None if sqlalchemy == versions.PINNED_SQLALCHEMY_SERIES else sqlalchemy
        for version in dict.fromkeys([wanted, None]):
            for name in (backend, "all"):
                for output in self.outputs:
                    if (output.backend, output.sqlalchemy) == (name, version):
                        return output
        return None

    @property
    def location(self) -> str:
        fence = self.page_fence
        return f"{display(fence.path)}:{fence.start_line}-{fence.end_line}"

    def test_id(self, backend: str) -> str:
        return f"{backend}-{self.location}"


def line_at(text: str, offset: int) -> int:
    """The 1-based line of `text` that character `offset` is on."""
    return text.count("\n", 0, offset) + 1


def display(path: Path) -> str:
    """A path as a contributor types it: relative to the repository when inside it."""
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)


class DocBlockError(ValueError):
    """A fence the harness cannot run as written; the message says how to fix it."""


def is_include_only(example: CodeExample) -> bool:
    lines = [line for line in example.source.splitlines() if line.strip()]
    return bool(lines) and all(INCLUDE_LINE.match(line) for line in lines)


OUTPUT_FENCE = re.compile(
    r'^(\s*)```text \{output="([a-z]+)"(?: sqlalchemy="([0-9.]+)")?\}\s*$'
)
TAB_LINE = re.compile(r'^\s*=== "[^"]+"\s*$')
TAB_TITLES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


def tab_title(output: OutputFence, outputs: tuple[OutputFence, ...]) -> str:
    """The tab an output fence sits under: its backend, and its SQLAlchemy version when
    another fence shows the same backend's output on another version."""
    parts = [TAB_TITLES[output.backend]] if output.backend != "all" else []
    versioned = any(
        other.sqlalchemy != output.sqlalchemy
        and (
            other.backend == output.backend or "all" in (other.backend, output.backend)
        )
        for other in outputs
    )
    if versioned:
        series = output.sqlalchemy or versions.PINNED_SQLALCHEMY_SERIES
        parts.append(f"SQLAlchemy {series}")
    return ", ".join(parts) or "Output"


def output_fences(lines: list[str], after: int) -> tuple[OutputFence, ...]:
    """The output fences in the tabs right after line `after` (1-based, the python
    block's closing fence): blank lines, `=== "Tab"` lines and text fences only."""
    found: list[OutputFence] = []
    index = after  # 0-based index of the line after the closing fence
    tab = ""
    while index < len(lines):
        line = lines[index]
        if TAB_LINE.match(line):
            tab = line.split('"')[1]
        if not line.strip() or TAB_LINE.match(line):
            index += 1
            continue
        match = OUTPUT_FENCE.match(line)
        if not match:
            break
        indent, backend, sqlalchemy = match.groups()
        end = index + 1
        while lines[end].strip() != "```":
            end += 1
        body = "\n".join(text.removeprefix(indent) for text in lines[index + 1 : end])
        found.append(
            OutputFence(backend, index + 2, end, indent, body, tab, sqlalchemy)
        )
        index = end + 1
    return tuple(found)


def closing_fence_line(lines: list[str], example: CodeExample) -> int:
    """1-based line of the python block's closing fence."""
    index = example.start_line  # the first code line (0-based: start_line is the fence)
    while lines[index].strip() != "```":
        index += 1
    return index + 1


def program_path(example: CodeExample) -> Path | None:
    """The program file a fence includes whole, if that is all the fence does."""
    lines = [line for line in example.source.splitlines() if line.strip()]
    match = PROGRAM_INCLUDE.match(lines[0]) if len(lines) == 1 else None
    return ROOT / match.group(1) if match else None


@dataclass
class ProgramFile(CodeExample):
    """A whole program file. pytest-examples treats code in a .py file as a docstring
    example (double blank lines removed, long output in single-quoted docstrings); a
    program is formatted and given its output like a block on a page."""

    def in_py_file(self) -> bool:
        return False


def program_example(path: Path, fence: CodeExample) -> CodeExample:
    """A program file as pytest-examples runs and rewrites it: the whole file, one group
    per file (its own `#>` updates), the page fence's attributes."""
    source = path.read_text()
    return ProgramFile(
        source=source,
        path=path,
        start_line=0,
        end_line=source.count("\n"),
        start_index=0,
        end_index=len(source),
        prefix=fence.prefix,
        indent=0,
        group=uuid.uuid5(uuid.NAMESPACE_URL, str(path)),
    )


def _classify(example: CodeExample) -> DocBlock:
    where = f"{display(example.path)}:{example.start_line}"
    program = program_path(example)
    if program is not None and not program.is_file():
        raise DocBlockError(f"{where}: {display(program)} does not exist")
    settings = example.prefix_settings()
    unknown = set(settings) - ATTRIBUTES
    if unknown:
        raise DocBlockError(
            f"{where}: unknown fence attribute(s) {sorted(unknown)}; allowed: {sorted(ATTRIBUTES)}"
        )
    if program is None and any(
        INCLUDE_LINE.match(line) for line in example.source.splitlines()
    ):
        raise DocBlockError(
            f"{where}: a python fence mixes --8<-- includes with inline code; put the code in "
            "the snippets file and include it, or write the whole block inline"
        )
    backend = settings.get("backend")
    if backend is not None and backend not in BACKENDS:
        raise DocBlockError(
            f'{where}: backend="{backend}" is not one of {list(BACKENDS)}'
        )
    skip = settings.get("skip")
    if skip is not None and not skip.strip():
        raise DocBlockError(f'{where}: skip="" needs a reason the reader can check')
    backends = (backend,) if backend else BACKENDS
    try:
        needs = versions.parse_needs(settings.get("needs", ""))
    except ValueError as exc:
        raise DocBlockError(f"{where}: {exc}") from exc
    if any(need.name == "postgresql" for need in needs) and backends != ("postgres",):
        raise DocBlockError(
            f'{where}: needs="{settings["needs"]}" is about the server; add backend="postgres"'
        )
    lines = example.path.read_text().splitlines()
    outputs = output_fences(lines, closing_fence_line(lines, example))
    check_outputs(where, outputs, backends)
    code = program_example(program, example) if program else example
    if outputs and "#>" in code.source:
        raise DocBlockError(
            f"{where}: a block with output tabs shows its output there, not in #> lines"
        )
    fence = example if program else None
    return DocBlock(code, backends, skip, outputs, fence, needs)


def check_outputs(
    where: str, outputs: tuple[OutputFence, ...], backends: tuple[str, ...]
) -> None:
    """Output fences: one per backend (or one "all") without a version, at most one per
    backend and older SQLAlchemy version, none empty, each under the tab it names."""
    if not outputs:
        return
    shown = [o.attributes for o in outputs]
    by_version: dict[str | None, list[str]] = {}
    for output in outputs:
        by_version.setdefault(output.sqlalchemy, []).append(output.backend)
    defaults = by_version.get(None, [])
    if sorted(defaults) not in (["all"], sorted(backends)):
        raise DocBlockError(
            f"{where}: output fences after a python block name each of {list(backends)} "
            f'once (or one output="all"); found {shown}'
        )
    for version, names in by_version.items():
        if version is not None and version not in versions.OLDER_SQLALCHEMY_SERIES:
            raise DocBlockError(
                f'{where}: sqlalchemy="{version}" is not one of the older versions the '
                f"suite runs, {list(versions.OLDER_SQLALCHEMY_SERIES)}"
            )
        allowed = {"all"} if names == ["all"] else set(backends)
        if len(set(names)) != len(names) or not set(names) <= allowed:
            raise DocBlockError(
                f"{where}: the output fences for SQLAlchemy {version} name each of "
                f'{list(backends)} at most once (or one output="all"); found {shown}'
            )
    for output in outputs:
        if not output.text.strip():
            raise DocBlockError(
                f"{where}: the {output.attributes} fence is empty, which hides the "
                "blocks after it from pytest-examples; put a line `...` in it and run "
                "--update-examples"
            )
        title = tab_title(output, outputs)
        if output.tab != title:
            raise DocBlockError(
                f'{where}: {output.attributes} sits under the tab "{output.tab}"; '
                f'put it under "{title}"'
            )


def inline_blocks(paths: Iterable[Path] = (DOCS,)) -> list[DocBlock]:
    """Every runnable block in the docs, in page order: inline python fences and the
    program files pages include whole (other include-only fences and excerpts show code
    that runs elsewhere)."""
    # One find_examples call per page: pytest-examples writes its updates (and the output
    # tabs') per group, and a group must be one file for its offsets to stay right.
    pages = sorted(
        page
        for path in paths
        for page in ([path] if path.is_file() else path.rglob("*.md"))
    )
    examples = [
        ex
        for page in pages
        for samples in [markup_samples(page)]  # read each page once
        for ex in find_examples(page)
        if ex.start_line not in samples
    ]
    examples.sort(key=lambda ex: (str(ex.path), ex.start_line))
    return [
        _classify(ex)
        for ex in examples
        if (not is_include_only(ex) or program_path(ex)) and not is_excerpt(ex)
    ]


def unseen_fences(page: Path) -> list[int]:
    """Lines of python fences outside markup samples that pytest-examples does not find
    (it would then never run them)."""
    found = {example.start_line for example in find_examples(page)}
    samples = markup_samples(page)
    return [
        number
        for number, line in enumerate(page.read_text().splitlines(), start=1)
        if re.match(r"^\s*```python", line) and number not in samples | found
    ]


def markup_samples(page: Path) -> set[int]:
    """1-based lines inside ````-fences: markup shown as text (the contributor guide's
    samples of a page), whose python fences are not blocks."""
    inside: set[int] = set()
    opened: str | None = None
    for number, line in enumerate(page.read_text().splitlines(), start=1):
        fence = re.match(r"^\s*(`{4,})", line)
        if fence and opened is None:
            opened = fence.group(1)
        elif fence and fence.group(1) == opened and not line.strip().strip("`"):
            opened = None
        elif opened is not None:
            inside.add(number)
    return inside


def is_excerpt(example: CodeExample) -> bool:
    """A fence marked {excerpt="<name>.py"}: the `pattern` section of the program that the
    expander right after it includes whole; the program runs, the excerpt is part of it."""
    return "excerpt" in example.prefix_settings()


def excerpt_problems(paths: Iterable[Path] = (DOCS,)) -> list[str]:
    """Every excerpt shows the `pattern` section of the program folded right after it."""
    problems = []
    for page in sorted(
        p for path in paths for p in ([path] if path.is_file() else path.rglob("*.md"))
    ):
        examples = list(find_examples(page))
        lines = page.read_text().splitlines()
        for index, example in enumerate(examples):
            if not is_excerpt(example):
                continue
            where = f"{display(page)}:{example.start_line}"
            after = closing_fence_line(lines, example)
            following = [line for line in lines[after:] if line.strip()]
            nxt = examples[index + 1] if index + 1 < len(examples) else None
            program = program_path(nxt) if nxt else None
            if not following or not following[0].startswith("??? ") or program is None:
                problems.append(
                    f"{where}: an excerpt needs its whole program in a `??? ` expander "
                    'right after it: a python fence whose only line is --8<-- "snippets/'
                    '<chapter>/examples/<page>/<name>.py"'
                )
                continue
            rel = display(program)
            wanted = f'--8<-- "{rel}:pattern"'
            named = example.prefix_settings()["excerpt"]
            if example.source.strip() != wanted or named != program.name:
                problems.append(
                    f'{where}: the excerpt must be {{excerpt="{program.name}"}} with the '
                    f"one line {wanted}, the pattern of the program after it"
                )
                continue
            caption = f"Excerpt of {program.name}: the whole program is below"
            if (
                # pytest-examples lowercases a fence's attributes
                example.prefix_settings().get("title") != caption.lower()
                or nxt is None
                or nxt.prefix_settings().get("title") != rel
            ):
                problems.append(
                    f"{where}: the excerpt's title must be {caption!r} and its "
                    f"program's title {rel!r}"
                )
                continue
            source = program.read_text()
            shown = section_text(f"{rel}:pattern")
            hidden = sorted(
                used_names(shown) & module_definitions(source) - defined_in(shown)
            )
            if hidden:
                problems.append(
                    f"{where}: the excerpt uses {hidden}, which only the folded program "
                    f"defines; widen the pattern section of {rel} to show them"
                )
    return problems


MARKER = re.compile(r"^\s*# --8<-- \[(?:start|end):[a-z0-9_]+\]\s*$")


def section_text(target: str) -> str:
    """`path:name` (or a whole file) as pymdownx.snippets includes it: dedented, without
    its markers."""
    path, _, name = target.partition(":")
    lines = (ROOT / path).read_text().splitlines()
    if name:
        stripped = [line.strip() for line in lines]
        start = stripped.index(f"# --8<-- [start:{name}]")
        end = stripped.index(f"# --8<-- [end:{name}]")
        lines = lines[start + 1 : end]
    return textwrap.dedent("\n".join(x for x in lines if not MARKER.match(x)))


def used_names(fragment: str) -> set[str]:
    """Names an excerpt reads (it may use top-level await, so it is parsed inside a
    coroutine)."""
    body = textwrap.indent(fragment, "    ")
    tree = ast.parse(f"async def _():\n{body}")
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


def defined_in(excerpt: str) -> set[str]:
    """What an excerpt that starts at module level defines itself."""
    try:
        return module_definitions(excerpt)
    except SyntaxError:  # a body with top-level await defines nothing at module level
        return set()


def module_definitions(program: str) -> set[str]:
    """What a program defines at module level other than by importing: its models,
    constants, routes and helpers, which a reader needs to see."""
    names: set[str] = set()
    for node in ast.parse(program).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name != "main":
                names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def summary_line(
    blocks: int, outcomes: dict[tuple[str, str], int], running: dict[str, str]
) -> str:
    """The one line every run prints; `outcomes` maps (backend, outcome) to a count,
    `running` names the versions it ran on."""
    parts = [f"{SUMMARY_PREFIX} {blocks} blocks"]
    for backend in BACKENDS:
        passed = outcomes.get((backend, "passed"), 0)
        failed = outcomes.get((backend, "failed"), 0)
        parts.append(f"{backend} {passed} passed {failed} failed")
    for kind in ("skipped", NOT_FOR_THIS_VERSION):
        count = sum(n for (_, outcome), n in outcomes.items() if outcome == kind)
        parts.append(f"{kind} {count}")
    return "; ".join(parts) + f" ({versions.describe(running)})"


def active_backends(env: str = versions.BACKENDS_ENV) -> tuple[str, ...]:
    """The backends this run parametrizes: all, or those a version-matrix cell names (for
    the examples, or with CHAPTER_BACKENDS_ENV for the chapter tests)."""
    named = os.environ.get(env)
    return tuple(b for b in BACKENDS if b in named.split(",")) if named else BACKENDS
