"""`python -m tests.performance.bench`: the one command that reruns the benchmarks."""

from tests.performance.bench.harness import main

main()
