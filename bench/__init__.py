"""Load benchmarks: figures that are printed, not timed tests. See bench/README.md."""
