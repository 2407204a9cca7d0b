"""Tests of autograder/interop/ (the mirror: tests/ground/test_mirror.py)."""
