"""Tests of autograder/reports/ (the mirror: tests/ground/test_mirror.py)."""
