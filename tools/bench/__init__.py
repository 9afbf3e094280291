"""Benchmarks, run as modules from the project root: `python3 -m tools.bench.compare`,
`tools.bench.inprocess`, `tools.bench.scale` and `tools.bench.load`."""
