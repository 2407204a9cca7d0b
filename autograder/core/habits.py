"""Keras 2 / TensorFlow 1 habits: errors that changed APIs raise, and what to write now.

Students who learned TensorFlow with Keras 2 or TensorFlow 1 write code that fails under Keras 3 /
TensorFlow 2 with errors such as "No module named 'keras.utils.vis_utils'", which do not say that
the module moved. :data:`HABITS` is the one table of those habits: the habit's name, a pattern of
the error text it raises (measured with TensorFlow 2.21 and Keras 3.15; ``tests/core/test_habits.py``
runs each habit's real code and checks that the pattern still matches), and a hint from
:mod:`autograder.messages` that says what changed and what to write now.

A hint is a fixed text that never quotes the error, so it is safe to show next to a hidden check's
failure too: it says only that the student's own code used an API that changed.

The grader (:mod:`autograder.grading.pipeline`) applies the table once, purely:

* :func:`explain_cells` gives each cell error the hint of its habit; for an import of a package the
  grader does not have, the packages the assignment allows (:mod:`autograder.core.packages`); for a
  ``NameError``, the earlier failed cell that should have defined the name;
* :func:`explain_checks` adds to a failed check's ``hint`` the hint of the habit its message carries
  (an error raised while the check called the student's code) and, when its message says a name is
  not defined while the cell that defines the name stopped with an error, points back at that cell.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from autograder import messages
from autograder.core.results import CellError, CheckResult, ExecutionSummary

__all__ = ["HABITS", "Habit", "explain_cells", "explain_checks", "habit_of", "hint_for"]


@dataclass(frozen=True)
class Habit:
    name: str
    """The habit in the student's words, e.g. ``keras.utils.vis_utils`` or ``lr= instead of learning_rate=``."""
    error: re.Pattern[str]
    """Found anywhere in the error text (``Type: message``) that the habit raises now."""
    hint: messages.Message
    """What changed and what to write now; a catalog entry without placeholders."""


def _habit(name: str, error: str, hint: messages.Message) -> Habit:
    return Habit(name, re.compile(error), hint)


_TF = r"module 'tensorflow' has no attribute "
"""How TensorFlow 2 says a top-level ``tf.X`` of TensorFlow 1 is gone."""

# More specific patterns come first: the first habit whose pattern matches wins.
HABITS: tuple[Habit, ...] = (
    _habit("tensorflow.python.keras", r"tensorflow[./]python[./]keras", messages.HABIT_PYTHON_KERAS),
    _habit(
        "keras.utils.vis_utils",
        r"No module named '(?:tensorflow\.)?keras\.utils\.vis_utils'|has no attribute 'vis_utils'",
        messages.HABIT_VIS_UTILS,
    ),
    _habit("keras.utils.np_utils and other keras.utils submodules",
           r"No module named '(?:tensorflow\.)?keras\.utils\.\w+", messages.HABIT_UTILS_MODULES),
    _habit(
        "layers.experimental.preprocessing",
        r"No module named '(?:tensorflow\.)?keras\.layers\.(?:experimental|preprocessing)"
        r"|module '[\w.]*layers' has no attribute 'experimental'",
        messages.HABIT_PREPROCESSING,
    ),
    _habit("keras.engine", r"No module named '(?:tensorflow\.)?keras\.(?:src\.)?engine", messages.HABIT_ENGINE),
    _habit("keras.layers.core and other keras.layers submodules",
           r"No module named '(?:tensorflow\.)?keras\.layers\.\w+", messages.HABIT_LAYERS_MODULES),
    _habit("tf.contrib", r"No module named 'tensorflow\.contrib|" + _TF + "'contrib'", messages.HABIT_CONTRIB),
    _habit(
        "tf.Session and tf.placeholder",
        _TF + r"'(?:Session|InteractiveSession|placeholder|placeholder_with_default|global_variables_initializer"
        r"|local_variables_initializer|initialize_all_variables|get_variable|variable_scope|get_default_graph"
        r"|reset_default_graph|get_default_session)'",
        messages.HABIT_SESSION,
    ),
    _habit(
        "tf.compat.v1 graph mode",
        r"(?:is not compatible with|is not supported when) eager execution|The Session graph is empty"
        r"|No default session is registered",
        messages.HABIT_COMPAT_V1,
    ),
    _habit("tf.enable_eager_execution", _TF + r"'(?:enable_eager_execution|enable_v2_behavior)'",
           messages.HABIT_ENABLE_EAGER),
    _habit(
        "tf.random_normal and other tf.random_* functions",
        _TF + r"'(?:random_normal|random_uniform|truncated_normal|random_shuffle|random_gamma|random_poisson"
        r"|multinomial|set_random_seed)'",
        messages.HABIT_RANDOM,
    ),
    _habit("tf.to_float and other tf.to_* casts", _TF + r"'to_(?:float|double|int32|int64|bfloat16|complex64)'",
           messages.HABIT_CASTS),
    _habit(
        "tf.log and other math functions outside tf.math",
        _TF + r"'(?:log|log1p|lgamma|digamma|erf|erfc|rsqrt|squared_difference|count_nonzero|is_nan|is_inf"
        r"|is_finite|floordiv|div|mul|sub|neg|arg_max|arg_min|matrix_inverse|matrix_determinant|matrix_band_part"
        r"|diag|diag_part|trace)'",
        messages.HABIT_MATH,
    ),
    _habit("tf.Print", _TF + r"'Print'", messages.HABIT_PRINT),
    _habit("tf.layers", _TF + r"'layers'", messages.HABIT_TF_LAYERS),
    _habit("tf.train.AdamOptimizer and other tf.train optimizers",
           r"module 'tensorflow[\w.]*\.train' has no attribute '\w*Optimizer'", messages.HABIT_TRAIN_OPTIMIZERS),
    _habit("keep_dims= and reduction_indices=", r"unexpected keyword argument '(?:keep_dims|reduction_indices)'",
           messages.HABIT_REDUCE_ARGUMENTS),
    _habit("tf.nn.dropout(keep_prob=...)", r"unexpected keyword argument 'keep_prob'", messages.HABIT_KEEP_PROB),
    _habit("model.fit_generator", r"has no attribute '(?:fit|predict|evaluate)_generator'",
           messages.HABIT_FIT_GENERATOR),
    _habit("model.predict_classes", r"has no attribute 'predict_(?:classes|proba)'", messages.HABIT_PREDICT_CLASSES),
    _habit("lr= instead of learning_rate=", r"Argument\(s\) not recognized: \{[^}]*'lr':", messages.HABIT_LR),
    _habit("keras.optimizers.legacy", r"keras\.optimizers\.legacy` is not supported", messages.HABIT_LEGACY_OPTIMIZERS),
    _habit("K.mean and other keras.backend functions",
           r"module 'keras\.backend' has no attribute|cannot import name '\w+' from 'keras\.backend'",
           messages.HABIT_BACKEND),
    _habit(
        "model.save(..., save_format=...) or a file name without extension",
        r"The `save_format` argument is deprecated in Keras 3|Invalid filepath extension for saving"
        r"|The filepath provided must end in `\.keras`",
        messages.HABIT_SAVE_FORMAT,
    ),
    _habit("weights file names", r"must end in `\.weights\.h5`", messages.HABIT_WEIGHTS_FILE),
    _habit("load_model on a SavedModel folder", r"Keras 3 only supports V3 `\.keras` files",
           messages.HABIT_LOAD_SAVEDMODEL),
    _habit("add_weight(name, shape)", r"`name` must be passed as a keyword argument", messages.HABIT_ADD_WEIGHT),
    _habit("layer.output_shape", r"object has no attribute 'output_shape'", messages.HABIT_OUTPUT_SHAPE),
    _habit("ImageDataGenerator", r"(?:cannot import name|has no attribute) 'ImageDataGenerator'",
           messages.HABIT_IMAGE_DATA_GENERATOR),
    _habit("CuDNNLSTM and CuDNNGRU", r"(?:cannot import name|has no attribute) 'CuDNN(?:LSTM|GRU)'",
           messages.HABIT_CUDNN),
    _habit(
        "dataset.make_one_shot_iterator",
        r"object has no attribute '(?:make_one_shot_iterator|make_initializable_iterator|output_shapes|output_types"
        r"|output_classes)'",
        messages.HABIT_DATASET_ITERATORS,
    ),
    _habit("tf.image.resize_images", r"has no attribute 'resize_images'", messages.HABIT_RESIZE_IMAGES),
    _habit("softmax_cross_entropy_with_logits_v2", r"has no attribute 'softmax_cross_entropy_with_logits_v2'",
           messages.HABIT_CROSS_ENTROPY_V2),
)


def habit_of(error: str) -> Habit | None:
    """The habit whose error ``error`` is (or quotes), or None."""
    return next((h for h in HABITS if h.error.search(error)), None)


def hint_for(error: str) -> str:
    """The hint for ``error``: what changed and what to write now; empty when no habit explains it."""
    habit = habit_of(error)
    return habit.hint.format() if habit else ""


def explain_cells(
    summary: ExecutionSummary, sources: Mapping[int, str], packages: Sequence[str] = ()
) -> ExecutionSummary:
    """``summary`` with each cell error's hint filled in (pure): the hint of its habit; for a module
    that is not installed, the packages the notebook may use; or, for a name that is not defined, the
    earlier failed cell that should have defined it.

    ``sources`` maps a cell's number to its code; ``packages`` are the assignment's pip requirements.
    """
    failed = [e.cell for e in summary.cell_errors]
    # A required name that a failed cell would have defined was not "never defined": the cell stopped
    # first. Say so at that cell, once, and keep "never defines" for names no failed cell binds.
    stopped = {cell: _bound_names(sources.get(cell, ""), set(summary.missing_names)) for cell in failed}
    errors = tuple(
        replace(e, hint=_joined(_cell_hint(e, failed, sources, packages), _stopped_hint(stopped[e.cell])))
        for e in summary.cell_errors
    )
    unexplained = tuple(n for n in summary.missing_names if not any(n in names for names in stopped.values()))
    return replace(summary, cell_errors=errors, missing_names=unexplained)


def _stopped_hint(names: set[str]) -> str:
    if not names:
        return ""
    listed = ", ".join(f"`{n}`" for n in sorted(names))
    return messages.STOPPED_BEFORE_DEFINING.format(names=listed)


def _joined(*lines: str) -> str:
    return "\n".join(line for line in lines if line)


def _cell_hint(error: CellError, failed: list[int], sources: Mapping[int, str], packages: Sequence[str]) -> str:
    if _NOT_ANSWERED.match(error.error) and _STUB.search(sources.get(error.cell, "")):
        return messages.NOT_ANSWERED_YET.format()
    habit = hint_for(error.error)
    if habit:
        return habit
    module = _NOT_INSTALLED.match(error.error)
    if module:
        return _missing_package_hint(error.cell, module.group("module"), packages)
    cells = _defined_by(_missing_names(error.error), [c for c in failed if c < error.cell], sources)
    if cells:
        return messages.FAILED_CELL_BEFORE.format(cells=", ".join(map(str, cells)), count=len(cells))
    return ""


def _missing_package_hint(cell: int, module: str, packages: Sequence[str]) -> str:
    declared = {canonicalize_name(Requirement(p).name): p for p in packages}
    # A module named as its distribution (matplotlib, pandas, scipy) is one the assignment allows but this
    # environment lacks: a student's own, usually. (PIL or sklearn cannot be told apart from an undeclared
    # module without the distribution's files, which are just what is missing.)
    requirement = declared.get(canonicalize_name(module))
    if requirement is not None:
        return messages.ALLOWED_PACKAGE_MISSING.format(cell=cell, module=module, requirement=requirement)
    allowed = ", ".join([*ALWAYS_INSTALLED, *(Requirement(p).name for p in packages)])
    return messages.MISSING_PACKAGE.format(cell=cell, module=module, packages=allowed)


_NOT_ANSWERED = re.compile(r"NotImplementedError\b")
"""The error a template's answer stub raises (``tfgrade assign`` writes ``raise NotImplementedError()``)."""
_STUB = re.compile(r"^\s*raise NotImplementedError\b", re.MULTILINE)
_RAISED_NOT_IMPLEMENTED = re.compile(r"\braised NotImplementedError\b")
"""A check's message when the student's code it called raised the stub's error."""
_NOT_INSTALLED = re.compile(r"ModuleNotFoundError: No module named '(?P<module>[A-Za-z_]\w*)'(?:\s|$)")
"""A top-level module that is not there (a missing submodule of an installed package is another matter)."""
ALWAYS_INSTALLED = ("TensorFlow", "Keras", "NumPy")
"""What every grading environment has, named first in the list of what a notebook may use."""


def explain_checks(
    checks: Iterable[CheckResult], cell_errors: Iterable[CellError], sources: Mapping[int, str]
) -> tuple[CheckResult, ...]:
    """Each failed check with what its message points at added to its hint, a line each (pure):
    the failed cell that should have defined a name the message says is not defined (public checks),
    that the answer is still the template's stub, and the habit behind an error the message carries.

    A hidden check's message is only read here, never quoted: what is added is a fixed hint or cell numbers.
    """
    errors = tuple(cell_errors)
    failed = [e.cell for e in errors]
    told = {line for e in errors for line in e.hint.splitlines()}
    return tuple(_explain(c, failed, sources, told) if c.outcome == "failed" else c for c in checks)


def _explain(check: CheckResult, failed: list[int], sources: Mapping[int, str], told: set[str]) -> CheckResult:
    lines = [line for line in check.hint.splitlines() if line.strip()]
    # A hidden check's hints list the requirements that failed: a failed cell, or advice a cell error
    # already gives, is told once at the cell, not again in that list as if it were a requirement.
    skip = told if check.visibility == "hidden" else set()
    cells = _defined_by(_missing_names(check.message), failed, sources) if check.visibility == "public" else []
    cause = messages.FAILED_CELL_CAUSE.format(cells=", ".join(map(str, cells)), count=len(cells)) if cells else ""
    unanswered = messages.NOT_ANSWERED_YET.format() if _RAISED_NOT_IMPLEMENTED.search(check.message) else ""
    for advice in (cause, unanswered, hint_for(check.message)):
        if advice and advice not in lines and advice not in skip:
            lines.append(advice)
    return replace(check, hint="\n".join(lines))


_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
_NAME_ERROR = re.compile(r"name '(?P<name>[A-Za-z_]\w*)' is not defined")
_SOME_NAME = "tfgrade_some_name"


def _missing_names(message: str) -> set[str]:
    """The names ``message`` says are not defined: the catalog's own sentence, or a NameError it quotes."""
    names = {m.group("name") for m in _NAME_ERROR.finditer(message)}
    # The catalog's sentence, filled in with a stand-in, gives the text around the name (in any language).
    before, after = messages.NOT_DEFINED.format(name=_SOME_NAME).split(_SOME_NAME, 1)
    start = message.find(before)
    found = _IDENTIFIER.match(message, start + len(before)) if start >= 0 else None
    if found and message.startswith(after, found.end()):
        names.add(found.group())
    return names


def _defined_by(names: set[str], failed: list[int], sources: Mapping[int, str]) -> list[int]:
    """The failed cells whose code defines one of ``names``, in order."""
    return sorted(cell for cell in failed if names & _bound_names(sources.get(cell, ""), names))


def _bound_names(source: str, wanted: set[str]) -> set[str]:
    """Which of ``wanted`` the cell's top level defines (def, class, import, assignment, for, with...)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        # A cell Python cannot read stopped before defining anything; a mention is the best clue left.
        return {name for name in wanted if re.search(rf"(?<![\w.]){name}\b", source)}
    bound: set[str] = set()
    nodes: list[ast.AST] = [tree]
    while nodes:
        node = nodes.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
            continue  # names bound inside a function or class are not the notebook's
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
        elif isinstance(node, ast.alias):
            bound.add(node.asname or node.name.split(".")[0])
        nodes.extend(ast.iter_child_nodes(node))
    return bound & wanted
