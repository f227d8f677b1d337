"""llms.txt, llms-full.txt and one Markdown file per page (the https://llmstxt.org convention),
for readers' coding agents: each page's source with every `--8<--` include expanded, so an agent
reads the same tested code a reader sees.

An MkDocs hook (mkdocs.yml, `hooks:`); builders without hooks run it after building:
`python tests/llms.py [SITE_DIR]`. Self-contained on purpose: MkDocs loads a hook by its path,
without the repository on sys.path.
"""

from __future__ import annotations

import posixpath
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from markdown import Markdown
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig

INCLUDE_OPTIONS = "pymdownx.snippets"
TITLE = re.compile(r"^# (.+)$", re.M)
# A link to another page's source, ](../pooling/index.md#anchor), or to a file next to it,
# ](bulk.svg); and a raw HTML link, href="../starter.zip", which the browser resolves.
LINK = re.compile(
    r"\]\((?!https?:|#|/)([^)\s#]+\.(?:md|svg|png|zip|txt|json))(#[^)\s]*)?\)"
)
HTML_LINK = re.compile(r'((?:href|src)=")(?!https?:|#|/|mailto:)([^"]+)"')
# Nav sections an agent can skip (llmstxt.org's "Optional"): reference and contributing.
OPTIONAL = {"API reference", "Contributing"}


def nav_sections(nav: list[Any]) -> Iterator[tuple[str, list[str]]]:
    """(section title, page paths) for each top-level nav entry, in nav order."""
    for entry in nav:
        title, value = (
            next(iter(entry.items())) if isinstance(entry, dict) else ("", entry)
        )
        yield title, list(page_paths(value))


def page_paths(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from page_paths(item)
    else:
        for item in value:
            yield from page_paths(item)


def expanded(source: str, config: MkDocsConfig) -> str:
    """The page's Markdown with its includes replaced by their text, by the same
    pymdownx.snippets preprocessor, with the same options, as the site build."""
    markdown = Markdown(
        extensions=[INCLUDE_OPTIONS],
        extension_configs={
            INCLUDE_OPTIONS: config.mdx_configs.get(INCLUDE_OPTIONS, {})
        },
    )
    return "\n".join(markdown.preprocessors["snippet"].run(source.splitlines())) + "\n"


def title_of(source: str, path: str) -> str:
    found = TITLE.search(source)
    return found.group(1).strip() if found else path


def page_address(path: str) -> str:
    """A page's address under the site, as MkDocs makes it: setup/models.md -> setup/models/."""
    address = path.removesuffix("index.md").removesuffix(".md")
    return address + "/" if address and not address.endswith("/") else address


def markdown_address(path: str) -> str:
    """Where the page's Markdown sits: its address plus index.html.md (llmstxt.org)."""
    return page_address(path) + "index.html.md"


def absolute_links(text: str, page: str, site_url: str) -> str:
    """Links to other pages made absolute: the Markdown does not sit where the page's
    source does, and llms-full.txt joins every page."""

    def to_site(found: re.Match[str]) -> str:
        path = posixpath.normpath(posixpath.join(posixpath.dirname(page), found[1]))
        address = page_address(path) if path.endswith(".md") else path
        return f"]({site_url}{address}{found[2] or ''})"

    def html_to_site(found: re.Match[str]) -> str:
        path = posixpath.normpath(posixpath.join(page_address(page), found[2]))
        return f'{found[1]}{site_url}{path.removeprefix("./")}"'

    return HTML_LINK.sub(html_to_site, LINK.sub(to_site, text))


def write(config: MkDocsConfig) -> None:
    site, docs = Path(config.site_dir), Path(config.docs_dir)
    url = (config.site_url or "").rstrip("/") + "/"
    index = [
        f"# {config.site_name}",
        "",
        f"> {config.site_description}",
        "",
        "Each page below as Markdown, with the tested code included in place: every example "
        "runs on SQLite and PostgreSQL in the guide's test suite. llms-full.txt has them all.",
    ]
    optional: list[str] = []
    everything = []
    for section, paths in nav_sections(config.nav or []):
        lines = optional if section in OPTIONAL else index
        lines += ["", f"## {section}", ""] if lines is index else []
        for path in paths:
            source = (docs / path).read_text()
            text = absolute_links(expanded(source, config), path, url)
            target = site / markdown_address(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
            everything.append(f"<!-- {url}{page_address(path)} -->\n{text}")
            lines.append(f"- [{title_of(source, path)}]({url}{markdown_address(path)})")
    index += ["", "## Optional", "", *optional]
    (site / "llms.txt").write_text("\n".join(index) + "\n")
    (site / "llms-full.txt").write_text("\n".join(everything))


def on_post_build(config: MkDocsConfig, **_: Any) -> None:
    write(config)


if __name__ == "__main__":
    config = load_config("mkdocs.yml")
    if len(sys.argv) > 1:
        config.site_dir = sys.argv[1]
    write(config)
