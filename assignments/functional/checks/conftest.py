"""Shared by the public and hidden checks of `functional`.

* ``student_model``: each builder's model, loaded once per grading by the grader's runner from the
  ``.keras`` archive the student's process saved (the trusted description of its structure).
* ``diagram_size``: call ``draw_model(path)`` and check the PNG it wrote.
* ``diagram_reading``: what the diagram ``draw_model`` wrote *shows*: its text read by OCR
  (Tesseract, run here in the check process on the PNG's bytes), compared with the layers and
  shapes of the student's own ``build_model()`` model. Whatever ``dpi``, ``rankdir``,
  ``show_layer_names``, ``show_dtype``, ``show_layer_activations``, ``show_trainable`` or
  ``expand_nested`` the student passes, the diagram shows each layer's kind and, with
  ``show_shapes=True``, its input and output shapes; the pixel size of the picture says nothing.
* ``new_model_probe``: the "new model every call" probe (:func:`expect_new_model_each_call`).
"""

from __future__ import annotations

import functools
import os
import re
import secrets
import shutil
import struct
import subprocess
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from autograder.checks import (
    CheckFailure,
    Model,
    Runner,
    Student,
    StudentUnavailable,
    _,
    load_student_model,
    remembered,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_SIDE = 30_000
"""Graphviz draws a model of a few layers in a few thousand pixels; more means a broken file."""
MAX_PIXELS = 30_000_000
"""This model drawn with every option at dpi=300 is about 13 million pixels; OCR of much more is slow."""
OCR_SECONDS = 60.0
OCR_MODES = ("6", "3", "11")
"""Tesseract page segmentation modes, tried in turn until one reads the whole diagram: a uniform
block reads plot_model's boxes best (measured from dpi 72 to 300, top-down and left-right); the
automatic layout and sparse text modes pick up boxes it missed in wide left-to-right drawings."""
WEIGHT_MARK = 0.25
"""What the new-model probe writes into every weight of a first model (no initializer gives it)."""


# --- models, loaded once ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def student_model(student: Student, runner: Runner) -> Callable[[str], Model]:
    """``builder`` -> the student's model, as the grader's runner loaded it (once per grading)."""
    cache: dict[str, Model | CheckFailure] = {}

    def load(builder: str) -> Model:
        if builder not in cache:
            try:
                cache[builder] = load_student_model(student, runner, builder, store_as=f"graded_{builder}")
            except StudentUnavailable:
                raise
            except CheckFailure as failure:
                cache[builder] = failure
        value = cache[builder]
        if isinstance(value, CheckFailure):
            raise CheckFailure(str(value))
        return value

    return load


@pytest.fixture(scope="session")
def new_model_probe(student: Student, runner: Runner) -> Callable[[str], None]:
    """:func:`expect_new_model_each_call` for this grading's student and runner."""
    return lambda builder: expect_new_model_each_call(student, runner, builder)


def expect_new_model_each_call(student: Student, runner: Runner, builder: str) -> None:
    """Two calls of ``builder()`` give two models that share nothing.

    The first model's weights are all set to :data:`WEIGHT_MARK`; the second model, saved
    afterwards and read by the grader's runner, must not have changed. This catches a model kept
    from an earlier call and layers created once outside the function (the same object, or new
    models around the same layers), whatever random seed the builder sets.
    """
    token = secrets.token_hex(3)
    first, second = f"first_{builder}_{token}", f"second_{builder}_{token}"
    student.call(builder, store_as=first)
    student.call(builder, store_as=second)
    weights = student.weights(first)
    if not weights:
        raise CheckFailure(_("The model from {builder}() has no weights, so it cannot be the model the text asks "
                           "for.").format(builder=builder))
    student.call(f"{first}.set_weights", [np.full(w.shape, WEIGHT_MARK, w.dtype) for w in weights])
    second_model = _("The second model from {builder}()").format(builder=builder)
    model = runner.load_model(student.export_model(second), second_model)
    for layer in model.description.get("layers", []):
        for value in runner.layer_weights(model, str(layer["name"])):
            if value.size and np.all(value == WEIGHT_MARK):
                raise CheckFailure(
                    _("Calling {builder}() twice gave models that share weights: changing the first model's "
                      "weights changed the second's. Create the layers and the model inside the function, so "
                      "every call builds a new model.").format(builder=builder)
                )


# --- the PNG file ---------------------------------------------------------------------------------


def png_size(data: bytes, what: str) -> tuple[int, int]:
    """Width and height of a well-formed PNG; :class:`CheckFailure` naming what is wrong otherwise."""
    if not data.startswith(PNG_SIGNATURE):
        raise CheckFailure(_("{what} is not a PNG image. Give plot_model a file name that ends in .png.").format(
            what=what))
    if len(data) < 45:
        raise CheckFailure(_("{what} is only {len_data} bytes long, too short for a PNG image.").format(
            what=what, len_data=len(data)))
    length, kind = struct.unpack(">I4s", data[8:16])
    width, height = struct.unpack(">II", data[16:24])
    (crc,) = struct.unpack(">I", data[29:33])
    if kind != b"IHDR" or length != 13 or zlib.crc32(data[12:29]) != crc:
        raise CheckFailure(_("{what} is a damaged PNG image: its header is not valid.").format(what=what))
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        raise CheckFailure(_("{what} claims to be {width}x{height} pixels, which is not a real diagram.").format(
            what=what, width=width, height=height))
    if data[-8:-4] != b"IEND":
        raise CheckFailure(_("{what} is cut short: the PNG image does not end properly.").format(what=what))
    return width, height


def draw(student: Student, path: str) -> bytes:
    """Call ``draw_model(path)`` in the student's notebook; the bytes of the PNG it wrote there."""
    student.call("draw_model", path)
    try:
        data = student.read_file(path)
    except StudentUnavailable:
        raise
    except CheckFailure:
        raise CheckFailure(
            _("draw_model({path!r}) did not write the file {path}. Pass the path draw_model gets to "
              "plot_model: keras.utils.plot_model(..., to_file=path, ...).").format(path=path)
        ) from None
    png_size(data, _("The file draw_model({path!r}) wrote").format(path=path))
    return data


@pytest.fixture(scope="session")
def diagram_size(student: Student) -> Callable[[str], tuple[int, int]]:
    """Call ``draw_model(path)`` in the student's notebook; return the size of the PNG it wrote."""

    def size(path: str) -> tuple[int, int]:
        return png_size(draw(student, path), _("The file draw_model({path!r}) wrote").format(path=path))

    return size


# --- what the diagram shows -----------------------------------------------------------------------


@dataclass(frozen=True)
class Drawing:
    """What a plot_model diagram of a model shows: its boxes by layer kind, and its shapes."""

    kinds: Counter[str]
    shapes: frozenset[str]
    """Every layer's input and output shapes as plot_model writes them, without spaces."""


@dataclass
class Reading:
    """The diagram's text as OCR read it, held against the drawing of the student's model."""

    expected: Drawing
    own_model: bool
    """False when build_model() could not be loaded, so the reference model stood in."""
    kinds: Counter[str] = field(default_factory=Counter)
    shapes: set[str] = field(default_factory=set)

    @property
    def layers_match(self) -> bool:
        """Every kind of layer of the model is read, none it lacks, and none more often than the model
        has it. OCR can miss a box (so fewer is allowed), but it does not invent one: a diagram of
        another model shows a kind this one lacks, lacks one it has, or has more of a kind."""
        wanted = self.expected.kinds
        return set(self.kinds) == set(wanted) and all(self.kinds[kind] <= wanted[kind] for kind in wanted)

    @property
    def missing_shapes(self) -> list[str]:
        return sorted(self.expected.shapes - self.shapes)


def drawing_of(model: Any) -> Drawing:
    """What plot_model shows of ``model`` (a trusted Keras model): the class of every layer, and the
    shapes of its inputs (except an InputLayer's) and outputs."""
    import keras

    kinds: Counter[str] = Counter(type(layer).__name__ for layer in model.layers)
    shapes: set[str] = set()
    for layer in model.layers:
        sides = ("output",) if type(layer).__name__ == "InputLayer" else ("input", "output")
        for side in sides:
            for tensor in keras.tree.flatten(getattr(layer, side)):
                shapes.add(_squeezed(str(tuple(tensor.shape))))
    return Drawing(kinds, frozenset(shapes))


def rebuilt(model: Model) -> Any:
    """The student's model rebuilt here from the config the grader's runner read from its archive
    (built-in Keras layers only: the runner refused anything else), to know its layers' shapes."""
    import keras

    description = model.description
    cls = keras.Sequential if str(description.get("class", "")).endswith("Sequential") else keras.Model
    return cls.from_config(description["config"])


@pytest.fixture(scope="session")
def diagram_reading(student: Student, student_model: Callable[[str], Model]) -> Callable[[Callable[[], Any]], Reading]:
    """Draw ``build_model()``'s diagram into a fresh file and read it; once per grading.

    The argument makes the reference model, which stands in only when the student's own
    ``build_model()`` cannot be loaded (that costs question 2, not question 4).
    """
    cache: list[Reading | CheckFailure] = []

    def read(reference: Callable[[], Any]) -> Reading:
        if not cache:
            try:
                cache.append(_read_diagram(student, student_model, reference))
            except StudentUnavailable:
                raise
            except CheckFailure as failure:
                cache.append(failure)
        value = cache[0]
        if isinstance(value, CheckFailure):
            raise CheckFailure(str(value))
        return value

    return read


def _read_diagram(student: Student, student_model: Callable[[str], Model], reference: Callable[[], Any]) -> Reading:
    # A fresh name: a file the notebook wrote earlier does not count, and draw_model must use `path`.
    path = f"grader-diagram-{secrets.token_hex(4)}.png"
    data = draw(student, path)
    width, height = png_size(data, _("The file draw_model({path!r}) wrote").format(path=path))
    if width * height > MAX_PIXELS:
        raise CheckFailure(
            _("The diagram draw_model wrote is {width}x{height} pixels, too large to read. Draw it with a "
              "smaller dpi (plot_model's default is fine).").format(width=width, height=height)
        )
    try:
        expected, own = drawing_of(rebuilt(student_model("build_model"))), True
    except StudentUnavailable:
        raise
    except Exception:  # noqa: BLE001 - any reason build_model() cannot be rebuilt: q2 judges it, q4 uses the reference
        expected, own = drawing_of(reference()), False
    reading = Reading(expected, own)
    for mode in OCR_MODES:
        # The same bytes read the same (one thread): a class's identical diagrams are read once per batch.
        text = remembered(f"tesseract --psm {mode} (one thread)", data, functools.partial(ocr, data, mode))
        found = boxes(text, _layer_kinds() | set(expected.kinds))
        reading.kinds = Counter({k: max(reading.kinds[k], found[k]) for k in set(reading.kinds) | set(found)})
        squeezed = _squeezed(text)
        reading.shapes |= {s for s in expected.shapes if s in squeezed}
        if reading.layers_match and not reading.missing_shapes:
            break
    return reading


def ocr(data: bytes, mode: str) -> str:
    """The text Tesseract reads in a PNG image (deterministic: one thread, no model training)."""
    tesseract = shutil.which("tesseract")
    if tesseract is None:
        # The grader's machine lacks a tool it needs: a grader problem, not the student's.
        raise RuntimeError("tesseract is not installed where the checks run: install tesseract-ocr (make setup)")
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        done = subprocess.run(
            [tesseract, "stdin", "stdout", "--psm", mode], input=data, capture_output=True, timeout=OCR_SECONDS,
            env=env, check=False,
        )
    except subprocess.TimeoutExpired:
        raise CheckFailure(_("The diagram draw_model wrote could not be read in time. Draw it with plot_model's "
                             "default dpi.")) from None
    if done.returncode != 0:
        raise CheckFailure(_("The diagram draw_model wrote could not be read as an image. Write it with "
                             "keras.utils.plot_model(..., to_file=path, show_shapes=True)."))
    return done.stdout.decode("utf-8", errors="replace")


def boxes(text: str, kinds: Iterable[str]) -> Counter[str]:
    """How many times each layer kind is written in ``text`` as a word (``Activation:`` is the label
    show_layer_activations adds, not a box). OCR may split a long name (``GlobalAveragePooling 1D``)."""
    found: Counter[str] = Counter()
    for kind in kinds:
        spelled = r"\s?".join(re.escape(letter) for letter in kind)
        count = len(re.findall(rf"(?<![A-Za-z0-9_]){spelled}(?![A-Za-z0-9_:])", text))
        if count:
            found[kind] = count
    return found


def _layer_kinds() -> set[str]:
    import keras

    return {name for name, value in vars(keras.layers).items()
            if isinstance(value, type) and issubclass(value, keras.layers.Layer)} | {"InputLayer"}


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)
