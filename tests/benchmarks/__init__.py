"""Tests of the benchmarks' arithmetic, benchmarks/ (the mirror: tests/ground/test_mirror.py)."""
