"""Tests of autograder/core/ (the mirror: tests/ground/test_mirror.py)."""
