"""Tests of autograder/students/ (the mirror: tests/ground/test_mirror.py)."""
