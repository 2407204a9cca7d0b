"""Tests of autograder/runner_side/ (the mirror: tests/ground/test_mirror.py)."""
