"""Tests of autograder/cli/ (the mirror: tests/ground/test_mirror.py)."""
