"""Tests of autograder/'s root modules and the whole package (the mirror: tests/ground/test_mirror.py)."""
