"""The benchmark tooling of docs/performance: the harness, the load runner and the report.

The patterns it measures live in snippets/performance/, where the page shows them; this
package only runs them, times them and renders the results:

    .venv/bin/python -m tests.performance.bench            # full run, about twenty minutes
    .venv/bin/python -m tests.performance.bench --quick    # small sizes, a few minutes
"""
