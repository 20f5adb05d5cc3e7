"""Benchmarks, run as scripts (python bench/run_benchmarks.py); a package so that tests import bench.alerts_eval."""
