"""``tfgrade release NAME --out FOLDER``: what students download, and nothing they must not see.

A release is ``FOLDER/<name>/`` and the same folder zipped as ``FOLDER/<name>.zip``. It holds:

- the student notebook (the assignment's template);
- ``checks/public/``, and the part of ``checks/conftest.py`` the public checks need (see
  :func:`public_conftest`); a module beside it only if a public check imports it;
- ``data/``, if the assignment has one;
- a public ``assignment.toml``: name, title, notebook, questions with points, limits, required
  names, ``tensorflow`` and the packages the notebook may import (``requirements``), and a
  ``[hidden.<question>]`` table per question with hidden checks: how many, their points, and what
  they test (the student-facing hints of ``requirements.toml``);
- ``README.txt``: what to install and which commands to run; ``README.ko.txt`` the same in Korean,
  with the Korean notebook, when the assignment has one;
- the tfgrade wheel that made the release (``tfgrade-<version>-py3-none-any.whl``), so the README's
  one install command works from the unpacked folder, whether or not tfgrade is on a package index
  (see :mod:`autograder.authoring.wheel`).

It never holds a hidden check, a solution, ``requirements.toml`` (it names the hidden checks),
``mutants.toml``, the corpus, the samples, or a path of the instructor's machine. Files and
folders whose name starts with a dot (``.ipynb_checkpoints`` may hold a copy of a solution) and
``__pycache__`` are left out of every folder copied. The zip is the same bytes for the same
assignment: sorted entries, fixed timestamps and permissions.

The texts (public ``assignment.toml``, READMEs) are made in :mod:`autograder.authoring.release_texts`,
the public part of the conftest in :mod:`autograder.authoring.conftest_pruning`; this module writes
the folder and the zip, and takes a last look for secrets.
"""

from __future__ import annotations

import shutil
import tempfile
import tomllib
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from autograder.authoring import translations
from autograder.authoring import wheel as wheels

# What the release says and which conftest statements it ships: modules of their own, names importable from here.
from autograder.authoring.conftest_pruning import imported_modules, public_conftest
from autograder.authoring.release_texts import (
    HEADER,
    STUDENT_TOOLS,
    TIME_LIMITS,
    declared_packages,
    install_command,
    language_of,
    public_toml,
    readme,
    readme_ko,
    student_notebooks,
)
from autograder.core.assignment import Assignment, HiddenSummary
from autograder.core.check_shares import hidden_shares
from autograder.core.requirements import check_names
from autograder.errors import TfgradeError

README = "README.txt"
README_KO = "README.ko.txt"
"""The same steps in Korean, with the Korean notebook, when the assignment has one."""
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
"""The earliest time a zip can hold: every entry gets it, so the zip depends on the content only."""
SKIPPED = ("__pycache__",)

__all__ = [
    "HEADER", "README", "README_KO", "SKIPPED", "STUDENT_TOOLS", "TIME_LIMITS", "ZIP_TIME", "Release", "ReleaseError",
    "declared_packages", "install_command", "public_conftest", "public_toml", "readme", "readme_ko", "release",
    "student_notebooks", "summary", "write_zip",
]
class ReleaseError(TfgradeError):
    """A release cannot be written where asked, or would hold something students must not see."""


@dataclass(frozen=True)
class Release:
    folder: Path
    zip: Path
    files: tuple[str, ...]
    """The release's files, relative to ``folder``, sorted."""
    hidden: tuple[HiddenSummary, ...]


def release(assignment: Assignment, out: Path, wheel: Path | None = None) -> Release:
    """Write ``out/<name>/`` and ``out/<name>.zip`` for ``assignment``; replaces an earlier release there.

    ``wheel`` is the tfgrade wheel to ship; without one, it is built from the source tree this tfgrade
    is installed from (once per process), or :class:`ReleaseError` says to pass one.
    """
    if assignment.hidden_summary is not None:
        raise ReleaseError(f"{assignment.root} is itself a release; make a release from the course's assignment.")
    package = wheels.checked(wheel) if wheel is not None else wheels.built()
    hidden = summary(assignment)
    target = out / assignment.name
    _check_replaceable(target)
    out.mkdir(parents=True, exist_ok=True)
    # Built beside the target and moved in at the end, so a failure leaves the earlier release whole.
    with tempfile.TemporaryDirectory(dir=out, prefix=f".{assignment.name}-") as scratch:
        staged = Path(scratch) / assignment.name
        _write(assignment, hidden, staged, package.name)
        _refuse_leaks(assignment, staged)
        # After the look for secrets: the wheel is tfgrade itself, compressed, not the course's text.
        shutil.copyfile(package, staged / package.name)
        if target.exists():
            shutil.rmtree(target)
        staged.rename(target)
    files = tuple(sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()))
    archive = out / f"{assignment.name}.zip"
    write_zip(target, files, archive)
    return Release(target, archive, files, hidden)


def summary(assignment: Assignment) -> tuple[HiddenSummary, ...]:
    """Per question with hidden checks: their count, points and hints, as ``tfgrade check`` shows them."""
    return tuple(HiddenSummary(h.question, h.checks, h.points, h.tests) for h in hidden_shares(assignment))


def _write(assignment: Assignment, hidden: tuple[HiddenSummary, ...], folder: Path, wheel: str) -> None:
    folder.mkdir(parents=True)
    for notebook in student_notebooks(assignment):
        shutil.copyfile(notebook, folder / notebook.name)
    _copy_tree(assignment.public_checks, folder / "checks" / "public")
    _write_check_helpers(assignment, folder / "checks")
    if assignment.data is not None:
        _copy_tree(assignment.data, folder / "data")
    packages = declared_packages(assignment)
    (folder / "assignment.toml").write_text(public_toml(assignment, hidden, packages), encoding="utf-8")
    install = install_command(wheel, packages)
    (folder / README).write_text(readme(assignment, hidden, install, wheel), encoding="utf-8")
    if any(language_of(p) == "ko" for p in student_notebooks(assignment)):
        (folder / README_KO).write_text(readme_ko(assignment, hidden, install, wheel), encoding="utf-8")
    translations.write_public_catalogs(assignment, folder)  # hints and public check messages, translated


def _copy_tree(source: Path, target: Path) -> None:
    for path in _visible_files(source):
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)  # content only: no timestamps or modes of the instructor's files


def _visible_files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*")):
        parts = path.relative_to(folder).parts
        if path.is_file() and not any(p.startswith(".") or p in SKIPPED for p in parts):
            # A link out of the folder (to checks/hidden/, say) would copy what it points at.
            if not path.resolve().is_relative_to(folder.resolve()):
                raise ReleaseError(f"{path} links to {path.resolve()}, outside {folder}; replace the link by a file.")
            yield path


def _check_replaceable(target: Path) -> None:
    """Only an earlier release is replaced: never a course's assignment or some other folder."""
    if not target.exists():
        return
    config = target / "assignment.toml"
    try:
        earlier = tomllib.loads(config.read_text(encoding="utf-8")) if config.is_file() else {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        earlier = {}
    if not (target / README).is_file() or "hidden" not in earlier:
        raise ReleaseError(
            f"{target} exists and is not a release made by tfgrade release; pick another --out folder."
        )


# --- checks/: the part of conftest.py the public checks use --------------------------------------


def _write_check_helpers(assignment: Assignment, checks: Path) -> None:
    folder = assignment.public_checks.parent
    public = [p.read_text(encoding="utf-8") for p in _visible_files(assignment.public_checks) if p.suffix == ".py"]
    conftest = folder / "conftest.py"
    kept = public_conftest(conftest.read_text(encoding="utf-8"), public) if conftest.is_file() else None
    if kept is not None:
        checks.mkdir(parents=True, exist_ok=True)
        (checks / "conftest.py").write_text(kept, encoding="utf-8")
    imported = set().union(*(imported_modules(text) for text in [*public, kept or ""]))
    for module in sorted(folder.glob("*.py")):
        if module.name != "conftest.py" and module.stem in imported:
            shutil.copyfile(module, checks / module.name)


# --- the zip, and a last look for secrets ---------------------------------------------------------


def write_zip(folder: Path, files: Iterable[str], archive: Path) -> None:
    """``folder`` as ``<folder name>/...`` entries: sorted, with fixed times and modes (same input, same bytes)."""
    with zipfile.ZipFile(archive, "w") as out:
        for name in sorted(files):
            info = zipfile.ZipInfo(f"{folder.name}/{name}", date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, wherever the release is made
            info.external_attr = 0o644 << 16
            out.writestr(info, (folder / name).read_bytes())


def _refuse_leaks(assignment: Assignment, staged: Path) -> None:
    """A last look before students get it: no hidden check's name and no path of this machine."""
    folder = assignment.hidden_checks
    secrets = {f"test_{name}" for name in check_names(folder)} if folder.is_dir() else set()
    # The course's own folders; a folder right under / (``/course``) is too likely to be ordinary text.
    secrets |= {str(p) for p in (assignment.root, assignment.root.parent.parent) if len(p.parts) > 2}
    for path in staged.rglob("*"):
        if path.is_file():
            content = path.read_bytes().decode("utf-8", errors="replace")
            found = sorted(s for s in secrets if s in content)
            if found:
                raise ReleaseError(
                    f"{path.relative_to(staged)} would show students {', '.join(found)}; remove it from that file "
                    "and release again."
                )
