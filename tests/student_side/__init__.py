"""Tests of autograder/student_side/ (the mirror: tests/ground/test_mirror.py)."""
