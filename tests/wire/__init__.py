"""Tests of autograder/wire/ (the mirror: tests/ground/test_mirror.py)."""
