"""Shared by the public and hidden checks of `functional`: the diagram ``draw_model`` writes."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

import pytest

from autograder.channel.student import Student, StudentUnavailable
from autograder.checks import CheckFailure

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_SIDE = 30_000
"""Graphviz draws a model of a few layers in a few thousand pixels; more means a broken file."""


def png_size(data: bytes, what: str) -> tuple[int, int]:
    """Width and height of a well-formed PNG; :class:`CheckFailure` naming what is wrong otherwise."""
    if not data.startswith(PNG_SIGNATURE):
        raise CheckFailure(f"{what} is not a PNG image. Give plot_model a file name that ends in .png.")
    if len(data) < 45:
        raise CheckFailure(f"{what} is only {len(data)} bytes long, too short for a PNG image.")
    length, kind = struct.unpack(">I4s", data[8:16])
    width, height = struct.unpack(">II", data[16:24])
    (crc,) = struct.unpack(">I", data[29:33])
    if kind != b"IHDR" or length != 13 or zlib.crc32(data[12:29]) != crc:
        raise CheckFailure(f"{what} is a damaged PNG image: its header is not valid.")
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        raise CheckFailure(f"{what} claims to be {width}x{height} pixels, which is not a real diagram.")
    if data[-8:-4] != b"IEND":
        raise CheckFailure(f"{what} is cut short: the PNG image does not end properly.")
    return width, height


@pytest.fixture(scope="session")
def diagram_size(student: Student) -> Callable[[str], tuple[int, int]]:
    """Call ``draw_model(path)`` in the student's notebook; return the size of the PNG it wrote."""

    def draw(path: str) -> tuple[int, int]:
        student.call("draw_model", path)
        try:
            data = student.read_file(path)
        except StudentUnavailable:
            raise
        except CheckFailure:
            raise CheckFailure(
                f"draw_model({path!r}) did not write the file {path}. Pass the path draw_model gets to "
                "plot_model: keras.utils.plot_model(..., to_file=path, ...)."
            ) from None
        return png_size(data, f"The file draw_model({path!r}) wrote")

    return draw
