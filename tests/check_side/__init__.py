"""Tests of autograder/check_side/ (the mirror: tests/ground/test_mirror.py)."""
