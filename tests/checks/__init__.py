"""Tests of autograder/checks/ (the mirror: tests/ground/test_mirror.py)."""
