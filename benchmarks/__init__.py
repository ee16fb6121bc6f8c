"""The benchmark suite of opsassess: `make bench` (see benchmarks/run.py)."""
