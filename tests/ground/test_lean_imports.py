"""nbformat without rfc3987-syntax's grammar, and the package still importable by name."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = """
import sys

import pytest
from autograder import lean_imports
lean_imports.jsonschema()
import nbformat
nbformat.validate(nbformat.v4.new_notebook())
print("rfc3987_syntax" in sys.modules)
import rfc3987_syntax  # still there for anyone who asks by name
print("rfc3987_syntax" in sys.modules)
"""


@pytest.mark.slow
def test_nbformat_validates_without_rfc3987_syntax_which_stays_importable() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "True"]


@pytest.mark.slow
def test_a_command_reads_notebooks_without_it() -> None:
    probe = ("import sys; from autograder.cli import main; main(['list', '--course', 'nowhere']);"
             "print('rfc3987_syntax' in sys.modules, 'jsonschema' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    assert done.stdout.split()[-2:] == ["False", "True"], done.stdout + done.stderr
