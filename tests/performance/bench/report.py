"""Tables and plots from the benchmark results: the page shows exactly these."""

from __future__ import annotations

import json
import math
import statistics
from html import escape
from pathlib import Path
from typing import Any

from tests.performance.bench.variants import CORE, HOT, RECOMMENDED, SEED

GROUPS = (
    "bulk",
    "lookups",
    "loading",
    "pagination",
    "path",
    "path_latency",
    "http",
    "http_latency",
    "pairs",
    "sqlite_loading",
    "sqlite_pagination",
)
BAR = "#4051b5"
OTHER_BAR = "#9fa8da"
LOG_NOTE = " (log scale)"


def ratio(value: float) -> str:
    return f"{value:.3g} x"


def ms(seconds: float) -> str:
    millis = 1000 * seconds
    return f"{millis:.3g}" if millis < 100 else f"{millis:,.0f}"


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def bulk_table(group: dict[str, Any]) -> str:
    rows = []
    for c in group["cases"]:
        name = c["name"]
        if c["extrapolated"]:
            name += f" (timed on {c['rows']:,} rows, extrapolated)"
        scale = group["rows"] / c["rows"]
        rows.append(
            [
                name,
                f"{c['rows_per_s']:,.0f}",
                ratio(c["ratio"]),
                # Scaled to the group's rows, so the case timed on fewer rows compares.
                " / ".join(f"{c[k] * scale:.3g}" for k in ("min", "median", "max")),
                "n/a (driver)" if c["statements"] is None else str(c["statements"]),
            ]
        )
    header = [
        "case",
        "rows/s",
        "x COPY",
        f"s per {group['rows']:,} rows (min / median / max)",
        "statements",
    ]
    return table(header, rows)


def microsecond_rows(cases: list[dict[str, Any]], count: str) -> list[list[str]]:
    """Name, median µs per operation, ratio, min / max µs; `count`: operations a run."""
    rows = []
    for c in cases:
        per = 1e6 / c[count]
        rows.append(
            [
                c["name"],
                f"{c['median'] * per:.0f}",
                ratio(c["ratio"]),
                f"{c['min'] * per:.0f} / {c['max'] * per:.0f}",
            ]
        )
    return rows


def lookups_table(group: dict[str, Any]) -> str:
    rows = microsecond_rows(group["cases"], "lookups")
    if group["pgbench_us"] is not None:
        reference = group["cases"][0]["us_per_lookup"]
        rows.append(
            [
                "pgbench -S: PostgreSQL's own C client, for scale",
                f"{group['pgbench_us']:.0f}",
                ratio(group["pgbench_us"] / reference),
                "one run",
            ]
        )
    header = ["case", "µs per lookup", "x asyncpg's time", "µs (min / max)"]
    return table(header, rows)


def loading_table(group: dict[str, Any]) -> str:
    rows = [
        [
            c["name"],
            "n/a (driver)" if c["statements"] is None else str(c["statements"]),
            ms(c["median"]),
            ratio(c["ratio"]),
            f"{ms(c['min'])} / {ms(c['max'])}",
        ]
        for c in group["cases"]
    ]
    header = ["case", "statements", "ms", f"x {group['reference']}", "ms (min / max)"]
    return table(header, rows)


def spread(case: dict[str, Any]) -> str:
    return f"{ms(case['median'])} ({ms(case['min'])} to {ms(case['max'])})"


def pagination_table(group: dict[str, Any]) -> str:
    rows = [
        [
            f"{c['page']:,}",
            spread(c["offset"]),
            spread(c["keyset"]),
            ratio(c["ratio"]),
        ]
        for c in group["cases"]
    ]
    return table(["page", "offset ms", "keyset ms", "offset ÷ keyset"], rows)


def round_trips(case: dict[str, Any]) -> str:
    return f"{case['round_trips']:g}"


def http_table(group: dict[str, Any]) -> str:
    rows = [
        [
            c["name"],
            round_trips(c),
            f"{c['median']:.0f}",
            ratio(c["ratio"]),
            f"{c['min']:.0f} / {c['max']:.0f}",
            f"{c['p50_ms']:.1f}",
            f"{c['p99_ms']:.1f}",
            str(c["errors"]),
            "n/a" if c["peak_checked_out"] is None else str(c["peak_checked_out"]),
            str(c["peak_connections"]),
        ]
        for c in group["cases"]
    ]
    header = [
        "variant",
        "round trips",
        "requests/s",
        "x raw asyncpg",
        "requests/s (min / max)",
        "p50 ms",
        "p99 ms",
        "errors",
        "peak checked out",
        "peak server conns",
    ]
    return table(header, rows)


def path_table(group: dict[str, Any]) -> str:
    rows = [
        [row[0], round_trips(case), *row[1:]]
        for row, case in zip(
            microsecond_rows(group["cases"], "reads"), group["cases"], strict=True
        )
    ]
    header = ["one read", "round trips", "µs", "x asyncpg's time", "µs (min / max)"]
    return table(header, rows)


def pairs_table(group: dict[str, Any]) -> str:
    rows = []
    for c in group["cases"]:
        ratios = sorted(c["ratios"])
        rows.append(
            [
                f"{c['a']['name']} ÷ {c['b']['name']}",
                ratio(statistics.median(ratios)),
                " ".join(f"{r:.2f}" for r in c["ratios"]),
                f"{c['a_at_least_b']} of {len(ratios)}",
                " ".join(f"{r:.2f}" for r in c["p99_ratios"]),
            ]
        )
    header = [
        "A ÷ B",
        "requests/s, median ratio",
        "ratio in each pair",
        "pairs where A >= B",
        "p99 ratio in each pair",
    ]
    return table(header, rows)


TABLES = {
    "bulk": bulk_table,
    "lookups": lookups_table,
    "loading": loading_table,
    "pagination": pagination_table,
    "path": path_table,
    "path_latency": path_table,
    "pairs": pairs_table,
    "http_latency": http_table,
    "sqlite_loading": loading_table,
    "sqlite_pagination": pagination_table,
    "http": http_table,
}


def machine(results: dict[str, Any]) -> str:
    m, s = results["machine"], results["sizes"]
    return (
        f"{m['cores']} cores, Python {m['python']}, PostgreSQL {m['postgresql']},"
        f" SQLite {m['sqlite']}, SQLAlchemy {m['sqlalchemy']}, asyncpg {m['asyncpg']},"
        f" aiosqlite {m['aiosqlite']},"
        f" FastAPI {m['fastapi']}, uvicorn {m['uvicorn']} with uvloop {m['uvloop']}"
        f" and httptools {m['httptools']};"
        f" {s['repeats']} timed runs per case after a warm-up"
        f" ({s['http_repeats']} of {s['seconds']:g} s for HTTP,"
        f" {results['groups']['http']['clients']} clients,"
        f" load from {results['groups']['http']['load_generator']};"
        f" {s['pairs']} interleaved pairs per comparison;"
        f" {s['latency_ms']:g} ms per round trip in the latency runs)"
        + (" (quick mode)" if results["quick"] else "")
    )


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The chapter's targets, each measured against this run."""
    bulk = {c["name"]: c for c in results["groups"]["bulk"]["cases"]}
    http = {c["name"]: c for c in results["groups"]["http"]["cases"]}
    pairs = {
        (c["a"]["name"], c["b"]["name"]): c for c in results["groups"]["pairs"]["cases"]
    }
    core = bulk["Core insert, list of parameters"]
    hot = http[HOT]
    orm_vs_seed = pairs[RECOMMENDED, SEED]
    wins, runs = orm_vs_seed["a_at_least_b"], len(orm_vs_seed["ratios"])
    return [
        {
            "id": "bulk",
            "target": "recommended bulk insert (Core, a list of rows) >= 0.2 x COPY",
            "measured": ratio(core["ratio"]),
            "met": core["ratio"] >= 0.2,
        },
        {
            "id": "hot-path",
            "target": "hot path >= 0.6 x raw asyncpg's requests/s, 0 errors",
            "measured": f"{ratio(hot['ratio'])}, {hot['errors']} errors",
            "met": hot["ratio"] >= 0.6 and hot["errors"] == 0,
        },
        {
            "id": "orm-vs-seed",
            "target": "recommended ORM setup at least as fast as the seed's pool"
            " in at least 4 of 5 interleaved pairs",
            "measured": f"{wins} of {runs}",
            "met": runs >= 5 and wins >= runs - 1,
        },
    ]


def added_per_round_trip_ms(results: dict[str, Any]) -> float:
    """What the latency proxy added to each round trip: the median, over the one-read
    cases, of the time added to a read divided by its round trips."""
    g = results["groups"]
    direct = {c["name"]: float(c["us_per_read"]) for c in g["path"]["cases"]}
    added: list[float] = [
        (c["us_per_read"] - direct[c["name"]]) / c["round_trips"] / 1000
        for c in g["path_latency"]["cases"]
        if c["round_trips"]
    ]
    return statistics.median(added)


def latency_text(results: dict[str, Any]) -> str:
    return (
        f"each round trip took {added_per_round_trip_ms(results):.2f} ms longer through"
        " it than without it (the median over the one-read cases of the time added to a"
        " read, divided by its round trips)."
    )


def decisions_table(results: dict[str, Any]) -> str:
    """What to use, and what it costs against the floor, from this run."""
    g = results["groups"]
    bulk = {c["name"]: c for c in g["bulk"]["cases"]}
    http = {c["name"]: c for c in g["http"]["cases"]}

    def served(name: str) -> str:
        c = http[name]
        # Two figures: single runs minutes apart, rough sizes (the pairs decide).
        return (
            f"{c['ratio']:.2g} x raw asyncpg's requests/s, p99 {c['p99_ms']:.0f} ms,"
            f" {round_trips(c)} round trips a request"
        )

    rows = [
        [
            "routes that read and write with the ORM",
            "the guide's session dependency, default pool (5 + 10)",
            served(RECOMMENDED),
        ],
        [
            "read-only routes that carry much of the traffic",
            "Core on a second engine created with AUTOCOMMIT",
            served(CORE),
        ],
        [
            "the one route that carries most of it",
            "the hot path: asyncpg's connection borrowed from that engine",
            served(HOT),
        ],
        [
            "inserting many rows at once",
            "Core insert() with a list of rows",
            f"{bulk['Core insert, list of parameters']['ratio']:.2g} x COPY's rows/s",
        ],
        ["imports and backfills", "COPY on the driver's connection", "the floor"],
    ]
    return table(["for", "use", "costs"], rows)


def targets_table(results: dict[str, Any]) -> str:
    rows = [
        [t["target"], t["measured"], "yes" if t["met"] else "**no**"]
        for t in targets(results)
    ]
    return table(["target", "measured", "met"], rows)


def bars_svg(title: str, bars: list[tuple[str, float, str, bool]], log: bool) -> str:
    """Horizontal bars: (label, value, text after the bar, highlighted)."""
    width, bar_height, left = 720, 26, 300
    height = 30 + bar_height * len(bars) + 10
    top = max(value for _, value, _, _ in bars)
    bottom = min(value for _, value, _, _ in bars)
    span = width - left - 110

    def length(value: float) -> float:
        if not log:
            return span * value / top
        # Log scale from a tenth of the smallest value, so the smallest bar still shows.
        floor = math.log10(bottom / 10)
        return span * (math.log10(value) - floor) / (math.log10(top) - floor)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="13">',
        f'<text x="{left}" y="16">{escape(title)}{LOG_NOTE if log else ""}</text>',
    ]
    for i, (label, value, after, highlighted) in enumerate(bars):
        y = 26 + i * bar_height
        bar = length(value)
        parts += [
            f'<text x="{left - 8}" y="{y + 16}" text-anchor="end">'
            f"{escape(label)}</text>",
            f'<rect x="{left}" y="{y + 4}" width="{bar:.1f}" height="{bar_height - 8}"'
            f' fill="{BAR if highlighted else OTHER_BAR}"/>',
            f'<text x="{left + bar + 6:.1f}" y="{y + 16}">{escape(after)}</text>',
        ]
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def ratio_bars(group: dict[str, Any]) -> list[tuple[str, float, str, bool]]:
    return [
        (c["name"], c["ratio"], ratio(c["ratio"]), c["name"] == group["reference"])
        for c in group["cases"]
    ]


def loading_svg(group: dict[str, Any], backend: str) -> str:
    return bars_svg(
        f"time to load every user with their posts, {backend}",
        [
            (
                f"{c['name']} ({c['statements'] or 'n/a'} statements)",
                c["median"],
                f"{ms(c['median'])} ms",
                c["name"] == group["reference"],
            )
            for c in group["cases"]
        ],
        log=True,
    )


def pagination_svg(group: dict[str, Any], backend: str) -> str:
    return bars_svg(
        f"time for one page of {group['page_size']}, {group['rows']:,} rows, {backend}",
        [
            (
                f"page {c['page']:,}, {kind}",
                c[kind]["median"],
                f"{ms(c[kind]['median'])} ms",
                kind == "keyset",
            )
            for c in group["cases"]
            for kind in ("offset", "keyset")
        ],
        log=True,
    )


def latency_note(group: dict[str, Any]) -> str:
    return f", {group['latency_ms']:g} ms per round trip" if group["latency_ms"] else ""


def path_svg(group: dict[str, Any]) -> str:
    return bars_svg(
        "microseconds for one read, connection borrowed and returned"
        + latency_note(group),
        [
            (
                f"{c['name']} ({c['round_trips']:g} round trips)",
                c["us_per_read"],
                f"{c['us_per_read']:.0f} µs",
                i == 0,
            )
            for i, c in enumerate(group["cases"])
        ],
        log=False,
    )


def http_svg(group: dict[str, Any]) -> str:
    return bars_svg(
        "requests per second, relative to the raw asyncpg pool" + latency_note(group),
        ratio_bars(group),
        log=False,
    )


def plots(results: dict[str, Any]) -> dict[str, str]:
    g = results["groups"]
    return {
        "bulk": bars_svg(
            "rows per second, relative to asyncpg COPY",
            ratio_bars(g["bulk"]),
            log=True,
        ),
        "lookups": bars_svg(
            "microseconds per primary-key lookup",
            [
                (c["name"], c["us_per_lookup"], f"{c['us_per_lookup']:.0f} µs", i == 0)
                for i, c in enumerate(g["lookups"]["cases"])
            ],
            log=False,
        ),
        "loading": loading_svg(g["loading"], "PostgreSQL"),
        "pagination": pagination_svg(g["pagination"], "PostgreSQL"),
        "sqlite_loading": loading_svg(g["sqlite_loading"], "SQLite"),
        "sqlite_pagination": pagination_svg(g["sqlite_pagination"], "SQLite"),
        "path": path_svg(g["path"]),
        "path_latency": path_svg(g["path_latency"]),
        "http": http_svg(g["http"]),
        "http_latency": http_svg(g["http_latency"]),
        "pairs": bars_svg(
            "A ÷ B, requests per second, median of the interleaved pairs",
            [
                (
                    f"{c['a']['name']} ÷ {c['b']['name']}"[:60],
                    statistics.median(c["ratios"]),
                    f"{statistics.median(c['ratios']):.2f}"
                    f" ({min(c['ratios']):.2f} to {max(c['ratios']):.2f})",
                    False,
                )
                for c in g["pairs"]["cases"]
            ],
            log=False,
        ),
    }


def write_results(results: dict[str, Any], out: Path, page: Path | None = None) -> str:
    """results.json and one SVG per group into `out`, and the tables into `page`;
    returns the tables as text."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    for name, svg in plots(results).items():
        (out / f"{name}.svg").write_text(svg)
    sections = [machine(results)]
    sections += [f"{name}:\n{TABLES[name](results['groups'][name])}" for name in GROUPS]
    sections.append(f"targets:\n{targets_table(results)}")
    sections.append(f"written to {out}")
    if page is not None:
        page.write_text(update_page(page.read_text(), results))
        sections.append(f"updated {page}")
    return "\n\n".join(sections)


def regions(results: dict[str, Any]) -> dict[str, str]:
    """What the page shows between `<!-- perf:NAME -->` and `<!-- /perf:NAME -->`."""
    shown = {
        "machine": machine(results),
        "targets": targets_table(results),
        "decisions": decisions_table(results),
        "latency_added": latency_text(results),
    }
    shown |= {name: TABLES[name](results["groups"][name]) for name in GROUPS}
    return shown


def update_page(page: str, results: dict[str, Any]) -> str:
    """The page with every marked region rendered from `results`."""
    for name, text in regions(results).items():
        start, end = f"<!-- perf:{name} -->\n", f"<!-- /perf:{name} -->"
        before, found, rest = page.partition(start)
        _, found_end, after = rest.partition(end)
        if not (found and found_end):
            raise ValueError(f"the page has no <!-- perf:{name} --> region")
        page = f"{before}{start}{text}\n{end}{after}"
    return page
