"""Tests of autograder/grading/ (the mirror: tests/ground/test_mirror.py)."""
