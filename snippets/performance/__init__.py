"""Benchmarks of the guide's patterns: python -m snippets.performance [--quick]."""
