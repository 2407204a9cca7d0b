"""Gradescope: build an autograder zip, and the entry point it runs for each submission.

The zip holds ``setup.sh`` (installs tfgrade, its system tools and, from ``packages.txt``, the
packages the notebooks may import into the image), ``run_autograder`` (grades ``/autograder/submission`` and writes
``/autograder/results/results.json`` in Gradescope's format), this package and the one
assignment; Gradescope unpacks it into ``/autograder/source``. The root folder is configurable
(``AUTOGRADER_ROOT``) so the same script can be tried against a simulated layout.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import autograder
from autograder import messages
from autograder.core import scoring
from autograder.core.assignment import Assignment
from autograder.core.results import SubmissionResult
from autograder.grading.execution import ProcessExecutor
from autograder.grading.pipeline import grade
from autograder.reports import formats as report

SETUP_SH = """#!/usr/bin/env bash
# Runs once when Gradescope builds the autograder image (as root). tfgrade needs Python 3.11 or
# newer: Ubuntu 24.04's python3 is 3.12; on 22.04 this installs python3.11 next to its 3.10.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends bubblewrap graphviz tesseract-ocr util-linux
python=""
for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        python="$candidate"
        break
    fi
done
if [ -z "$python" ]; then
    apt-get install -y --no-install-recommends python3.11
    python=python3.11
fi
# Debian and Ubuntu ship venv's pip bootstrap as a package per Python version (python3.X-venv).
if ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
    apt-get install -y --no-install-recommends "$(basename "$(readlink -f "$(command -v "$python")")")-venv"
fi
"$python" -m venv /autograder/venv
/autograder/venv/bin/pip install --upgrade pip
/autograder/venv/bin/pip install /autograder/source
# What the assignment's notebooks may import besides TensorFlow (matplotlib, pandas...), from its
# course.toml and assignment.toml: without them a notebook's first cell fails, and every answer after it.
/autograder/venv/bin/pip install -r /autograder/source/packages.txt
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Runs for every submission. Gradescope's container is the outer isolation; tfgrade adds its own
# sandbox where the container allows it and says in the results which one was in force.
set -u
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
PYTHON="${{TFGRADE_PYTHON:-$ROOT/venv/bin/python}}"
mkdir -p "$ROOT/results"
# One submission per container: no fork server kept warm for a next command that never comes.
export TFGRADE_WARM_SECONDS=0
exec "$PYTHON" -m autograder gradescope-run --root "$ROOT" --assignment "$ROOT/source/assignments/{name}"
"""


def build_zip(assignment: Assignment, out: Path) -> Path:
    """The autograder zip to upload to Gradescope for this assignment."""
    project = autograder.PACKAGE.parent
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        _add_text(archive, "setup.sh", SETUP_SH)
        _add_text(archive, "run_autograder", RUN_AUTOGRADER.format(name=assignment.root.name))
        archive.writestr("packages.txt", packages_txt(assignment))
        # Gradescope unpacks the zip into /autograder/source: the package installs from there.
        archive.write(project / "pyproject.toml", "pyproject.toml")
        archive.write(project / "README.md", "README.md")
        for path in autograder.package_files():
            archive.write(path, f"autograder/{path.relative_to(autograder.PACKAGE)}")
        for path in sorted(assignment.root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                archive.write(path, f"assignments/{assignment.root.name}/{path.relative_to(assignment.root)}")
    return out


def packages_txt(assignment: Assignment) -> str:
    """The pip requirements file that setup.sh installs: the packages the notebooks may import."""
    header = f"# The packages the notebooks of {assignment.name} may import (setup.sh installs them).\n"
    return header + "".join(f"{requirement}\n" for requirement in assignment.packages)


def _add_text(archive: zipfile.ZipFile, name: str, text: str) -> None:
    info = zipfile.ZipInfo(name)
    info.external_attr = 0o755 << 16  # executable: Gradescope runs these files directly
    archive.writestr(info, text)


def run(root: Path, assignment: Assignment) -> dict[str, Any]:
    """Grade the one submission under ``root/submission``; write and return results.json."""
    results = root / "results" / "results.json"
    results.parent.mkdir(parents=True, exist_ok=True)
    submission = _find_submission(root / "submission", assignment.name)
    if submission is None:
        result = SubmissionResult(
            "submission", assignment.name, "rejected", messages.NO_NOTEBOOK_UPLOADED.format(),
        )
        document = report.gradescope_results(result, scoring.score(result, assignment.questions_in(result.language)))
    else:
        executor = ProcessExecutor()
        graded = grade(submission, assignment, executor)
        document = report.gradescope_results(graded.result, graded.score)
        if not executor.isolated:
            document["extra_data"] = {"isolation": executor.isolation}
    results.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return document


def _find_submission(folder: Path, assignment: str) -> Path | None:
    """The notebook (or zip) to grade: the one for this assignment if several were uploaded."""
    found = sorted([*folder.rglob("*.ipynb"), *folder.rglob("*.zip")])
    found = [p for p in found if ".ipynb_checkpoints" not in p.parts]
    matching = [p for p in found if p.suffix == ".ipynb" and f'"assignment": "{assignment}"' in _head(p)]
    candidates = matching or found
    return candidates[0] if candidates else None


def _head(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-4000:]
    except OSError:
        return ""
