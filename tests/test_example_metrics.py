"""Issue 14's targets for what a reader sees of an example, kept as a check:
`python -m tests.example_metrics` prints the same numbers."""

from __future__ import annotations

from pathlib import Path

from tests.example_metrics import hidden, measure


def test_examples_show_the_pattern_first() -> None:
    metrics = measure()
    assert metrics.median_lines <= 12, metrics
    assert metrics.wrapper_share <= 0.05, metrics


def test_code_in_an_expander_or_a_later_tab_is_not_counted(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "```python\nprint(1)\n```\n\n"
        '??? example "The whole program"\n\n    ```python\n    import asyncio\n    ```\n\n'
        '=== "SQLite"\n\n    ```python\n    a = 1\n    b = 2\n    ```\n\n'
        '=== "PostgreSQL"\n\n    ```python\n    import asyncio\n    ```\n'
    )
    text = page.read_text()
    starts = [i for i in range(len(text)) if text.startswith("```python", i)]
    lines_start = [text.rfind("\n", 0, i) + 1 for i in starts]
    assert [hidden(text, offset) for offset in lines_start] == [
        False,
        True,
        False,
        True,
    ]
    metrics = measure(tmp_path)
    assert (metrics.examples, metrics.median_lines, metrics.wrapper_or_repeated) == (
        2,
        1.5,
        0,
    )
