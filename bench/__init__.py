"""Benchmarks: run them as scripts (`python3 -m bench.compare`, `python3 -m bench.scale`)."""
