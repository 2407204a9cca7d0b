"""The tfgrade wheel a release carries, so that students install from the unpacked folder itself.

A release made from a checkout of tfgrade (the usual case: ``make setup`` installs it editable)
builds the wheel from that source tree, once per process: the package and the two files the build
reads are copied to a scratch folder first, so the build leaves nothing in the checkout. Where
tfgrade was installed from a wheel, there is no source tree to build from, and the instructor
passes the wheel (``tfgrade release NAME --out FOLDER --wheel FILE``).

The wheel is built with ``SOURCE_DATE_EPOCH`` set, so its entries carry a fixed time and the same
source gives the same bytes: a release stays comparable by its checksum.
"""

from __future__ import annotations

import atexit
import functools
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import autograder
from autograder.errors import TfgradeError

PROJECT = "tfgrade"
PACKAGE = "autograder"
BUILD_FILES = ("pyproject.toml", "README.md")
"""What the build reads besides the package: the project's metadata and its long description."""
EPOCH = "315532800"
"""1980-01-01, the earliest time a zip holds (as the release zip's entries)."""
BUILD_SECONDS = 600


class WheelError(TfgradeError):
    """The tfgrade wheel a release ships cannot be built here, or the one given is not this tfgrade's."""


def source_tree() -> Path | None:
    """The checkout this tfgrade runs from (its ``pyproject.toml`` names the project), or None."""
    root = Path(autograder.__file__).resolve().parent.parent
    try:
        project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    return root if project.get("project", {}).get("name") == PROJECT else None


@functools.cache
def built() -> Path:
    """This tfgrade's wheel, built from its source tree into a scratch folder removed at exit."""
    root = source_tree()
    if root is None:
        where = Path(autograder.__file__).parent
        raise WheelError(
            f"tfgrade runs from {where}, not from its source tree, so the release cannot build the wheel it "
            f"ships. Pass one: tfgrade release NAME --out FOLDER --wheel {wheel_name()} (build it in tfgrade's "
            "source with `pip wheel --no-deps .`, or download it with `pip download --no-deps "
            f'"tfgrade=={autograder.__version__}"`).'
        )
    out = Path(tempfile.mkdtemp(prefix="tfgrade-wheel-"))
    atexit.register(shutil.rmtree, out, True)
    return checked(build(root, out))


def wheel_name() -> str:
    return f"{PROJECT}-{autograder.__version__}-py3-none-any.whl"


def build(root: Path, out: Path) -> Path:
    """The wheel of the tfgrade source at ``root``, built from a copy in ``out``, written to ``out``."""
    source = out / "source"
    shutil.copytree(root / PACKAGE, source / PACKAGE, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*"))
    for name in BUILD_FILES:
        shutil.copyfile(root / name, source / name)
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(out), str(source)]
    if importlib.util.find_spec("setuptools") is not None:
        command.insert(4, "--no-build-isolation")  # this environment's setuptools: no download, no network
    done = subprocess.run(command, env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH}, capture_output=True, text=True,
                          timeout=BUILD_SECONDS, check=False)
    wheels = sorted(out.glob(f"{PROJECT}-*.whl"))
    if done.returncode != 0 or len(wheels) != 1:
        raise WheelError(f"Building the tfgrade wheel from {root} failed:\n{(done.stderr or done.stdout)[-2000:]}")
    return wheels[0]


def checked(wheel: Path) -> Path:
    """``wheel`` if it is a tfgrade wheel of the version making the release, whose library the public checks
    were written for; otherwise :class:`WheelError`."""
    if not wheel.is_file():
        raise WheelError(f"{wheel} is not a file; pass the path of a tfgrade wheel (.whl).")
    if not (wheel.name.startswith(f"{PROJECT}-{autograder.__version__}-") and wheel.suffix == ".whl"):
        raise WheelError(
            f"{wheel.name} is not a wheel of tfgrade {autograder.__version__}, the version making this release; "
            f"pass {wheel_name()}."
        )
    return wheel
