"""What every command's help shares: the layout of help texts written in lines, and ``--course``."""

from __future__ import annotations

import argparse
from collections.abc import Generator
from pathlib import Path
from typing import TypeAlias

Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
"""What ``add_subparsers`` returns: each command's parser is added to it."""


class HelpFormatter(argparse.HelpFormatter):
    """Keeps the layout of a description or epilog written in lines (lists, examples) and wraps the rest;
    leaves commands with ``help=argparse.SUPPRESS`` out of the list (Python 3.11 prints ``==SUPPRESS==``)."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" not in text:
            return super()._fill_text(text, width, indent)
        return "".join(indent + line for line in text.splitlines(keepends=True))

    def _iter_indented_subactions(self, action: argparse.Action) -> Generator[argparse.Action, None, None]:
        for subaction in super()._iter_indented_subactions(action):
            if subaction.help is not argparse.SUPPRESS:
                yield subaction


COURSE_HELP = ("the course folder, which holds assignments/ (default: $TFGRADE_COURSE, else the nearest "
               "folder holding assignments/ from here up)")


def course_option(command: argparse.ArgumentParser) -> None:
    """``--course FOLDER``: every command that takes an assignment accepts it."""
    command.add_argument("--course", type=Path, metavar="FOLDER", help=COURSE_HELP)
