"""Everything tfgrade says to a student, in one catalog: feedback, rejections, limits, check messages.

Each entry is a :class:`Message`: an id, English text with named placeholders, and for words that
change with a number, a plural text. Code never writes a student-facing sentence itself; it fills
in an entry::

    from autograder import messages

    messages.HIDDEN_SUMMARY.format(passed=1, total=2, points="1 / 2 points")

Rules the entries follow:

* Whole sentences where the code allows. Where a sentence is completed by a part chosen in code
  (a clause such as "while running cell 3", a value's description), the part is an entry too,
  and its docstring says which entry it completes. Pure layout (``"{label}: {text}"``, a list joined
  by commas, backticks around a name) stays in the renderers and templates.
* Placeholders hold values: names and numbers, text the student controls (already made safe by
  the caller), and the parts above. ``count`` picks the plural form of a plural entry.
* One wording per thing said: ``tests/ground/test_messages.py`` fails when two entries have the same
  text, when code fills in an entry with other placeholders than it has, when an entry is
  unused, and when an entry's words also appear in another module.

Translating: :func:`template`, the only place a message's text is looked up, asks
:func:`autograder.i18n.translations` for the current language's catalog
(``autograder/locale/<lang>/LC_MESSAGES/tfgrade.po``). A Korean translation writes a particle after a
placeholder in its combined spelling, ``{cell}이(가)``: :func:`render` picks the form for the value
(:mod:`autograder.josa`). The id is the message context, so ``pybabel
extract -k 'Message:1c,2,2t' -k 'Message:1c,2,3,3t'`` (``make catalogs``) finds every entry with its id
and plural (entries take their arguments by position and end without a trailing comma, which Babel
would count as one more argument).

Instructor-only text (the class report, console table, ``tfgrade validate``, grader errors) is
not here: it is written once beside its renderer.

This module imports nothing from the package but :mod:`autograder.errors`, :mod:`autograder.i18n`
and :mod:`autograder.josa`, so every layer, the sandboxed processes included, can use it.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from autograder.errors import TfgradeError
from autograder.i18n import translations as current_translations
from autograder.josa import format_map as fill_in

__all__ = ["Message", "MessageError", "catalog", "render", "template"]


class MessageError(TfgradeError, TypeError):
    """A message was filled in with other values than its placeholders (a bug in the caller)."""


@dataclass(frozen=True)
class Message:
    """One thing a student reads: ``id`` (stable, the translation context) and its English text."""

    id: str
    text: str
    plural: str | None = None
    """The text when ``count`` is not 1; None for a message without a plural form."""

    @cached_property
    def placeholders(self) -> frozenset[str]:
        """The names this message needs, from its text (and its plural text)."""
        texts = [self.text] if self.plural is None else [self.text, self.plural]
        return frozenset(field for text in texts for _, field, _, _ in string.Formatter().parse(text) if field)

    def format(self, **values: object) -> str:
        """The message with its placeholders filled in (``count`` also picks a plural form)."""
        return render(self, **values)


def render(message: Message, **values: object) -> str:
    """``message`` with its placeholders filled in from ``values``, which must name exactly them.

    A Korean particle written both ways after a placeholder (``{cell}이(가)``, ``{path}(으)로``)
    becomes the one that fits the value filled in (:mod:`autograder.josa`).
    """
    return fill_in(template(message, values), values)


def template(message: Message, values: Mapping[str, object]) -> str:
    """The text to fill in: the one place a translation plugs in (by id, and by ``count``)."""
    expected = message.placeholders | ({"count"} if message.plural is not None else set())
    if set(values) != expected:
        missing, extra = sorted(expected - set(values)), sorted(set(values) - expected)
        raise MessageError(f"message {message.id!r}: missing values {missing}, unexpected values {extra}")
    translations = current_translations()  # in the current thread's language
    if message.plural is None:
        return translations.pgettext(message.id, message.text)
    return translations.npgettext(message.id, message.text, message.plural, _plural_number(message, values["count"]))


def _plural_number(message: Message, count: object) -> int:
    """gettext picks plural forms for whole numbers; a fraction (2.5 points) takes the form of 2."""
    if not isinstance(count, int | float) or isinstance(count, bool):
        raise MessageError(f"message {message.id!r}: count must be a number, not {type(count).__name__}")
    return int(count) if float(count).is_integer() else 2


def catalog() -> dict[str, Message]:
    """Every entry of this module by its constant's name, in the order they are written."""
    return {name: value for name, value in globals().items() if isinstance(value, Message)}


# -- scores -----------------------------------------------------------------------------------

POINTS = Message("score.points", "{earned} / {points} point", "{earned} / {points} points")
"""A score out of a question's (or check's, or the assignment's) points; ``count`` is the points."""
POINT_COUNT = Message("score.point-count", "{points} point", "{points} points")
"""A number of points on its own: ``points`` as scores write it, ``count`` the number."""
GRADESCOPE_SCORE = Message("score.gradescope", "Score: {earned} / {points}.")

# -- feedback: text, Markdown, HTML and Gradescope ---------------------------------------------

FEEDBACK_TITLE = Message("feedback.title", "Feedback: {submission}")
FEEDBACK_ASSIGNMENT = Message("feedback.assignment", "Assignment: {assignment}")
FEEDBACK_EYEBROW = Message("feedback.eyebrow", "Feedback · {assignment}")
STATUS_GRADED = Message("feedback.status.graded", "Score")
STATUS_REJECTED = Message("feedback.status.rejected", "Not graded")
STATUS_GRADER_ERROR = Message("feedback.status.grader-error", "Not graded yet")
NOT_GRADED_REASON = Message("feedback.not-graded-reason", "Not graded: {reason}")
HEADING_CELL_ERRORS = Message("feedback.heading.cell-errors", "Cells that stopped with an error")
HEADING_ANSWERS = Message("feedback.heading.answers", "Your answers")
HEADING_NEXT = Message("feedback.heading.next", "What to do next")
CELL = Message("feedback.cell", "Cell {cell}")
CELL_STOPPED = Message("feedback.cell-stopped", "Cell {cell} stopped with an error: {error}")
VERDICT_PASSED = Message("feedback.verdict.passed", "Passed")
VERDICT_FAILED = Message("feedback.verdict.failed", "Failed")
VERDICT_ERROR = Message("feedback.verdict.error", "Could not run")
NO_CHECKS = Message("feedback.no-checks", "No checks ran for this question.")
NOT_SCORED = Message("feedback.not-scored", "not a question of this assignment, so it is not scored")
HIDDEN_SUMMARY = Message("feedback.hidden-summary", "Hidden checks: {passed} of {total} passed ({points}).")
"""The one summary of a question's hidden checks; ``points`` is a :data:`POINTS`."""
HIDDEN_NOTE = Message("feedback.hidden-note", "Details of hidden checks are not shown.")
HIDDEN_HINTS = Message("feedback.hidden-hints", "What the failed hidden checks point at:")
"""Leads the list of the hints of a question's failed hidden checks (each once)."""
HINT = Message("feedback.hint", "Hint: {hint}")
"""Shows a hint next to what it explains: a cell's error, a check's message."""
HIDDEN_TAG = Message("feedback.hidden-tag", "[hidden]")
CHECK_BROKE_NOTE = Message(
    "feedback.check-broke", "This check could not run because of a problem with the grader, not with your work."
)
GRADER_ERROR_FOR_STUDENT = Message(
    "feedback.grader-error",
    "The grader ran into a problem of its own (not in your notebook) while grading it, so there is no score yet. "
    "Tell your instructor."
)
NEXT_REJECTED = Message("feedback.next.rejected", "Fix the problem described above, then submit the notebook again.")
NEXT_GRADER_ERROR = Message(
    "feedback.next.grader-error",
    "This is a problem with the grader, not with your work, so you do not need to change your notebook. Tell your "
    "instructor; they can see the details."
)
NEXT_RUN_CLEANLY = Message(
    "feedback.next.run-cleanly",
    "Make the notebook run from top to bottom without errors: restart the kernel, run all cells, and fix the first "
    "cell that stops. Later answers often fail only because an earlier cell did."
)
NEXT_FIX_FAILED = Message(
    "feedback.next.fix-failed",
    "Fix the answers whose checks failed, run the whole notebook again from the top, then submit again."
)
NEXT_CHECK_BROKE = Message(
    "feedback.next.check-broke", "Some checks could not run because of a grader problem; tell your instructor."
)
ALL_PASSED = Message("feedback.all-passed", "Every check passed. Well done!")
"""The closing line of full marks (Markdown and HTML)."""
NO_CHECK_FAILED = Message("feedback.no-check-failed", "All checks passed.")
"""The text feedback's last line when no check failed or broke, full marks or not."""
MISSING_NAMES = Message(
    "feedback.missing-names",
    "Your notebook never defines {names}. The assignment asks for it by this exact name: define it.",
    "Your notebook never defines {names}. The assignment asks for these exact names: define them."
)
"""``count`` is the number of names."""
NO_NOTEBOOK_UPLOADED = Message(
    "feedback.no-notebook-uploaded", "No notebook (.ipynb) was found in your submission. Upload your notebook file."
)

# -- the gradebook's feedback line (reports/exports.py: Moodle's feedback column) ------------------
EXPORT_TOTAL = Message("export.total", "{earned}/{points} points")
"""Completes the EXPORT_* lines below as their ``{total}``."""
EXPORT_NO_SUBMISSION = Message("export.no-submission", "{total}: no submission was received.")
EXPORT_NOT_GRADED = Message("export.not-graded", "{total}: not graded. {reason}")
EXPORT_GRADED = Message("export.graded", "{total} ({questions}). Your feedback file lists each check.")
"""``{questions}``: each question's name and points, e.g. ``q1 1/1, q2 0.5/1``."""

# -- instructor overrides (core/overrides.py) --------------------------------------------------

OVERRIDE = Message(
    "feedback.override", "Your instructor changed this score from {automatic} to {final}. Reason: {reason}"
)
"""Under a question whose score an instructor changed (``tfgrade grade --overrides``); ``reason`` is theirs."""
OVERRIDE_TOTAL = Message(
    "feedback.override-total", "Your instructor changed your total score from {automatic} to {final}. Reason: {reason}"
)
HAND_WAITING = Message(
    "feedback.hand-waiting", "A teaching assistant reads this answer and scores it; until then it counts 0 points."
)
"""Under a hand-graded question (``manual = true``) that no TA has scored yet."""
HAND_SCORED = Message("feedback.hand-scored", "Scored by a teaching assistant: {final} of {points}. {reason}")
"""Under a hand-graded question a TA scored; ``reason`` is the TA's comment."""
OVERRIDE_TEST = Message("feedback.override-test", "Changed by your instructor")
"""Names Gradescope's test that carries an override's points, after the question's name."""

# -- late work (core/late.py) -------------------------------------------------------------------

LATE = Message(
    "feedback.late",
    "Late: submitted {submitted}, after the deadline {deadline}. Rule: {rule}. Points taken from your total: {taken}."
)
"""Under the total of a late submission; ``rule`` is one of the LATE_RULE_* texts below."""
LATE_RULE_DAY = Message("feedback.late-rule-day", "{percent}% per started day late, at most {cap}%")
LATE_RULE_HOUR = Message("feedback.late-rule-hour", "{percent}% per started hour late, at most {cap}%")
LATE_GRACE = Message("feedback.late-grace", "{rule}, after {minutes} minutes of grace")
"""A rule with a grace period: ``rule`` is a LATE_RULE_* text."""
LATE_CHANGED = Message(
    "feedback.late-changed", "Your instructor set the points taken for lateness to {taken}. Reason: {reason}"
)
"""After LATE, when a ``late`` row of the overrides file set the points taken (0 waives the penalty)."""

# -- integrity flags (core/integrity.py) ---------------------------------------------------------

INTEGRITY_REVIEW = Message("feedback.integrity-review", "Your instructor will look over this submission.")
"""All a student reads of integrity flags: neutral, it names no flag, cell or rule, and changes no score."""

# -- the feedback notebook (reports/feedback_notebook.py) -----------------------------------------

NOTEBOOK_LABEL = Message("feedback.notebook.label", "tfgrade feedback")
"""Starts every cell the grader adds to a student's notebook, so it never passes for the student's own."""
NOTEBOOK_INTRO = Message(
    "feedback.notebook.intro",
    "This is your notebook as you submitted it, with the grader's results added in cells marked {label}: each "
    "question's results follow its last cell, and an error follows the cell that raised it. Outputs are cleared: "
    "the grader ran your notebook from the top in a fresh process, and these cells say what it found."
)
NOTEBOOK_NOT_PLACED = Message(
    "feedback.notebook.not-placed",
    "We could not find where {question} is in your notebook (its cells may have been changed, moved or deleted), "
    "so its results are here, at the end."
)
NOTEBOOK_SOLUTION = Message("feedback.notebook.solution", "Reference solution for {question}")

# -- notebook rejections (core/notebook.py) ---------------------------------------------------

WRONG_ASSIGNMENT = Message(
    "notebook.wrong-assignment",
    "{file} is the notebook for assignment '{found}', not '{expected}'. Submit the notebook of this assignment."
)
NO_CODE = Message("notebook.no-code", "{file} has no code in it. Did you submit the right file?")
NOT_NOTEBOOK_JSON = Message(
    "notebook.not-json",
    "{file} is not a Jupyter notebook (it is not valid notebook JSON). Save your work from Jupyter as .ipynb and "
    "submit that file."
)
NOT_VALID_NOTEBOOK = Message("notebook.not-valid", "{file} is damaged: it is JSON but not a valid notebook ({error}).")
"""Followed by :data:`RESAVE`."""
JSON_INSTEAD_OF_OBJECT = Message("notebook.json-instead-of-object", "{kind} instead of an object")
"""Completes :data:`NOT_VALID_NOTEBOOK` as its ``error``; ``kind`` is a ``JSON_*`` entry."""
JSON_LIST = Message("notebook.json.list", "a list")
JSON_STRING = Message("notebook.json.string", "a string")
JSON_NUMBER = Message("notebook.json.number", "a number")
JSON_BOOLEAN = Message("notebook.json.boolean", "true or false")
JSON_NULL = Message("notebook.json.null", "null")
JSON_OTHER = Message("notebook.json.other", "not an object")
RESAVE = Message("notebook.resave", "Open it in Jupyter, save it again, and resubmit.")
TOO_DEEP = Message(
    "notebook.too-deep",
    "{file} holds data nested more than {depth} levels deep, which no notebook saved by Jupyter does. Copy your "
    "code into a fresh notebook, save it, and resubmit."
)
NOT_READABLE = Message("notebook.not-readable", "{path} is not a file that can be read.")
NOT_READABLE_ERROR = Message("notebook.not-readable-error", "{path} is not a file that can be read ({error}).")
TOO_LARGE = Message(
    "notebook.too-large",
    "{file} is larger than {megabytes} MB. Clear its outputs (Kernel > Restart & Clear Output), save, and submit "
    "again."
)
NOT_TEXT = Message("notebook.not-text", "{file} is not a text file, so it cannot be a notebook.")
REZIP = Message("notebook.rezip", "Make the zip again with only your notebook in it, or use `tfgrade submit`.")
ZIP_CUT_SHORT = Message(
    "notebook.zip.cut-short", "{file} is a damaged zip file (no table of contents: was it cut short?)."
)
"""Followed by :data:`REZIP`, as are the next four entries."""
ZIP_DIRECTORY_TOO_LARGE = Message(
    "notebook.zip.directory-too-large", "{file} holds too many files (its table of contents is {size} bytes)."
)
ZIP_DAMAGED = Message("notebook.zip.damaged", "{file} is a damaged zip file ({error}).")
ZIP_TOO_MANY_FILES = Message(
    "notebook.zip.too-many-files", "{file} holds {count} files; a submission holds your notebook."
)
ZIP_UNSAFE_NAME = Message("notebook.zip.unsafe-name", "{file} holds a file with an unsafe name ({name}).")
ZIP_NOTEBOOK_COUNT = Message(
    "notebook.zip.notebook-count",
    "{file} should hold exactly one notebook (.ipynb); it holds {count} ({found}). Zip only your notebook, or use "
    "`tfgrade submit`."
)
ZIP_NONE_FOUND = Message("notebook.zip.none-found", "none")
"""Completes :data:`ZIP_NOTEBOOK_COUNT` as its ``found``."""
ZIP_PASSWORD = Message(
    "notebook.zip.password", "The notebook in {file} is password-protected. Make the zip again without a password."
)
ZIP_NOTEBOOK_TOO_LARGE = Message(
    "notebook.zip.notebook-too-large", "The notebook in {file} is larger than {megabytes} MB."
)

# -- limits -----------------------------------------------------------------------------------

LIMIT_MEMORY = Message(
    "limit.memory",
    "Your notebook used more than the {gigabytes:.1f} GB memory limit and was stopped. Use smaller arrays or batches."
)
LIMIT_PROCESSES = Message(
    "limit.processes",
    "Your notebook tried to start more than {processes} processes or threads; the extra ones were refused."
)
CELL_TIMEOUT = Message(
    "limit.cell-timeout",
    "this cell ran longer than its time limit of {seconds:g} s of computing and was stopped; the cells after it "
    "still ran and were graded. Look for an infinite loop, or make it faster"
)
"""The error of a cell stopped at ``cell_seconds``, shown after ``CellTimeout:``."""
CELL_TIMEOUT_ADVICE = Message(
    "limit.cell-timeout-advice",
    "This cell ran longer than {seconds:g} s, so the grader stops it. Look for an infinite loop, or make it faster."
)
CHECKS_OUT_OF_TIME = Message(
    "limit.checks-out-of-time",
    "{lead} the checks ran out of their {budget:g} s budget because your notebook answered slowly. Make the "
    "functions the checks call faster (each call should take well under {request:g} s), then submit again."
)
CHECK_STOPPED = Message("limit.check-stopped", "This check was stopped:")
"""Completes :data:`CHECKS_OUT_OF_TIME` as its ``lead``."""
CHECK_NOT_RUN = Message("limit.check-not-run", "This check did not run:")
"""Completes :data:`CHECKS_OUT_OF_TIME` as its ``lead``."""

# -- the notebook's run (channel/student.py, channel/student_process.py) ------------------------

NOT_RUN = Message("run.not-run", "The notebook was not run.")
RAN_CLEANLY = Message("run.clean", "All cells ran without errors.")
RAN_WITH_ERRORS = Message(
    "run.with-errors", "The notebook ran; {count} cell raised an error (cell {cells}).",
    "The notebook ran; {count} cells raised an error (cells {cells})."
)
ERROR_AT_LINE = Message("run.error-at-line", "{error} (line {line})")
NOTEBOOK_TIMEOUT = Message(
    "run.timeout",
    "Your notebook did not finish running in time{where}{limit}. The checks still graded what the cells that ran "
    "had defined. Look for an infinite loop or a very slow cell, then restart and run all cells to check it "
    "finishes."
)
NOTEBOOK_LIMIT = Message("run.timeout-limit", " (its limit: {seconds:g} s of computing)")
"""Completes :data:`NOTEBOOK_TIMEOUT` as its ``limit`` where the limit is known (else empty)."""
TIMEOUT_IN_CELL = Message("run.timeout-in-cell", ": cell {cell} was still running")
"""Completes :data:`NOTEBOOK_TIMEOUT` as its ``where`` (else empty)."""
NOTEBOOK_ENDED = Message(
    "run.ended",
    "Your notebook's Python process ended{where} (for example a call to os._exit(), a crash, or running out of "
    "memory), so no check could use it. Remove that call, then restart the kernel and run all cells to check that "
    "the notebook runs to the end."
)
ENDED_IN_CELL = Message("run.ended-in-cell", " while running cell {cell}")
"""Completes :data:`NOTEBOOK_ENDED` as its ``where`` (else empty)."""
NOTEBOOK_PROTOCOL = Message(
    "run.protocol",
    "Your notebook's Python process sent the grader messages it does not accept (code that tampers with tfgrade's "
    "channel, or data too large to send), so no check could use it. Remove that code and submit again."
)
CANNOT_INSTALL = Message(
    "run.cannot-install",
    "`{command}` installs packages, but the grader cannot install packages: it runs your notebook offline, with "
    "the packages of the assignment only. Remove this line, use only the packages the assignment imports, then "
    "restart the kernel and run all cells."
)
"""The error of a cell whose shell command or magic (``!pip install``, ``%pip install``) installs packages."""
NO_NETWORK = Message(
    "run.no-network",
    "`{command}` needs the network, but the grader runs your notebook without network access. Remove this line and "
    "use only the files that come with the assignment, then restart the kernel and run all cells."
)
"""The error of a cell whose shell command downloads or connects (``!wget``, ``!git clone``)."""

# -- the channel: the student's process, the runner, the check process --------------------------

STUDENT_UNAVAILABLE = Message(
    "channel.student-unavailable", "Your notebook's Python process {problem}. Later checks were not run."
)
STUDENT_NO_ANSWER = Message(
    "channel.student.no-answer",
    "did not answer within {seconds:g} s while the grader was using {what}; look for an infinite loop or a very "
    "slow computation in it"
)
"""This and the next ``STUDENT_*`` entries complete :data:`STUDENT_UNAVAILABLE` as its ``problem``."""
STUDENT_STOPPED = Message(
    "channel.student.stopped",
    "stopped while the grader was using {what} (a call to os._exit, a crash, or running out of memory)"
)
STUDENT_BAD_ANSWER = Message("channel.student.bad-answer", "sent an answer the grader could not read ({error})")
STUDENT_BAD_MODEL = Message("channel.student.bad-model", "sent a saved model the grader could not read")
STUDENT_BAD_WEIGHTS = Message("channel.student.bad-weights", "sent weights the grader could not read")
STUDENT_BAD_FILE = Message("channel.student.bad-file", "sent a file the grader could not read")
A_REQUEST = Message("channel.student.a-request", "a request")
"""Completes :data:`STUDENT_NO_ANSWER` and :data:`STUDENT_STOPPED` as ``what`` when no name was asked for."""
NOT_DEFINED = Message(
    "channel.not-defined",
    "`{name}` is not defined in your notebook. Define it with exactly this name, then restart the kernel and run "
    "all cells."
)
STUDENT_RAISED = Message(
    "channel.student-raised", "{action} `{name}` raised {error}. Run it in your notebook to see the full error."
)
ACTION_CALLING = Message("channel.action.calling", "Calling")
"""This and the next ``ACTION_*`` entries complete :data:`STUDENT_RAISED` as its ``action``."""
ACTION_USING = Message("channel.action.using", "Using")
ACTION_SAVING = Message("channel.action.saving", "Saving")
GET_CONFIG_NOT_DICT = Message("channel.get-config-not-dict", "`{name}.get_config()` must return a dict.")
RUNNER_UNAVAILABLE = Message(
    "channel.runner-unavailable",
    "{problem}. Later checks that need the runner were not run; if your notebook is fine, ask your instructor to "
    "look at the report."
)
RUNNER_NOT_STARTED = Message("channel.runner.not-started", "No runner was started for these checks")
"""This and the next three ``RUNNER_*`` entries complete :data:`RUNNER_UNAVAILABLE` as its ``problem``."""
RUNNER_UNCLEAR = Message("channel.runner.unclear", "The runner described {what} in a way not understood ({error})")
RUNNER_BAD_TIMING = Message("channel.runner.bad-timing", "The runner reported a timing not understood ({error})")
RUNNER_STOPPED = Message("channel.runner.stopped", "The grader's runner stopped while examining {what} ({error})")
RUNNER_NOT_BUILTIN = Message(
    "channel.runner.not-builtin",
    "{what} uses something that is not a built-in Keras layer ({names}). Build it from keras.layers only (no Lambda "
    "layers or custom classes), as the question asks."
)
RUNNER_COULD_NOT_USE = Message("channel.runner.could-not-use", "The grader could not use {what}: {error}")
RUNNER_LOAD_FAILED = Message(
    "channel.runner.load-failed",
    "The grader could not load {what}, which it traced and exported itself, into its runner ({error}). This is "
    "a fault of the grader, not of the submitted code."
)
"""The grader's own graph artifact did not load: the check broke (its outcome is an error, not a failure)."""
RUNNER_REFUSED_GRAPH = Message("channel.runner.refused-graph", "{what} was not run: the grader refused it ({ops}).")
RUNNER_NOT_TENSORS = Message(
    "channel.runner.not-tensors", "The grader's runner answered with something other than tensors."
)
CHECK_RAISED = Message("channel.check-raised", "The check itself raised {error}. Your instructor can see the details.")
"""A check that broke; renderers add :data:`CHECK_BROKE_NOTE` after it."""
CHECK_WITHOUT_MARKER = Message("channel.check-without-marker", "This check has no @pytest.mark.question(...) marker.")
CHECK_DID_NOT_PASS = Message("channel.check-did-not-pass", "This check did not pass.")
CHECK_SKIPPED = Message("channel.check-skipped", "Skipped: {reason}")

# -- the check library: tensors and tf.functions (checks/__init__.py) ---------------------------

GRAPH_OF = Message("checks.graph-of", "the graph traced from `{name}`")
"""What a check calls a student's graph (the ``what`` of runner messages)."""
GRAPH_REFUSED_OPS = Message(
    "checks.graph-refused-ops",
    "The graph traced from `{name}` contains operations the grader does not run ({ops}). Write it with TensorFlow "
    "math and control flow only: no tf.py_function, file or queue operations."
)
GRAPH_NOT_THE_FUNCTION = Message(
    "checks.graph-not-the-function",
    "The graph traced from `{name}` does not compute what calling `{name}` returns. Make `{name}` itself the "
    "tf.function (decorate its `def`), and do not change it after defining it."
)
PLAIN_PYTHON_FUNCTION = Message(
    "checks.plain-python-function",
    "`{name}` is a plain Python function, not a tf.function. Put `@tf.function` on the line above its `def` so "
    "TensorFlow compiles it into a graph."
)
NOT_WRITTEN_AS_TF_FUNCTION = Message(
    "checks.not-written-as-tf-function",
    "`{name}` is not written as a tf.function: the grader reads how it is defined in your notebook. Define it with "
    "`@tf.function` on the line above its `def`, or as the result of `tf.function(...)`."
)
EAGER_SWITCHED_ON = Message(
    "checks.eager-switched-on",
    "Cell {cell}, line {line} uses `tf.config.run_functions_eagerly` with something other than `False`, so every "
    "tf.function may run eagerly and `{name}` is not judged as a graph. Remove that line (it is meant for "
    "debugging), then restart the kernel and run all cells."
)
SOURCE_UNREADABLE = Message(
    "checks.source-unreadable",
    "The grader could not read from your notebook how `{binding}` is defined, which it needs to trace `{name}`: it "
    "is changed by {how} in cell {cell}, line {line}. Define `{binding}` at the top level of a cell with `def`, "
    "`class`, an import or a plain assignment, and leave it unchanged afterwards."
)
SOURCE_REACHES_BEYOND = Message(
    "checks.source-reaches-beyond",
    "The grader did not trace `{name}`: its definition, or a helper or constant it uses, reaches beyond "
    "TensorFlow, Keras, NumPy and math (`{what}` in cell {cell}, line {line}). Write the graded function and what "
    "it uses with those libraries only; keep anything else in other cells."
)
CLEAN_ROOM_RAISED = Message(
    "checks.clean-room-raised",
    "Tracing `{name}` raised {error}. The grader traces it with only its definition and the imports, helpers and "
    "constants it uses; run those cells in a fresh kernel to see the full error."
)
CLEAN_ROOM_NOT_TF_FUNCTION = Message(
    "checks.clean-room-not-tf-function",
    "Defined on its own, `{name}` is a {kind}, not a tf.function. Define it with `@tf.function` on the line above "
    "its `def`, and do not replace it afterwards."
)
CLEAN_ROOM_WEIGHTS = Message(
    "checks.clean-room-weights",
    "The weights of `{holder}` in your notebook do not fit `{holder}` as its definition builds it ({error}). Do "
    "not replace or rebuild `{holder}` after the cell that defines it."
)
CLEAN_ROOM_GRADER_FAILED = Message(
    "checks.clean-room-grader-failed",
    "the grader could not export the graph of `{name}` ({error}), which is the grader's problem, not your code's"
)
"""The message of an error (not a failure) that the check process wraps in :data:`CHECK_RAISED`."""
CLEAN_ROOM_UNAVAILABLE = Message(
    "checks.clean-room-unavailable",
    "The grader's clean room, where it traces your functions, stopped answering ({problem}). Later checks that "
    "need it were not run; if your notebook is fine, ask your instructor to look at the report."
)
GRAPH_LACKS = Message("checks.graph-lacks", "The graph traced from {what} has no {label}.")
GRAPH_CONTAINS = Message("checks.graph-contains", "The graph traced from {what} contains {label} ({ops}).")
WRONG_DTYPE = Message(
    "checks.wrong-dtype",
    "{what} has dtype {actual}, expected {expected}. Use tf.cast(..., tf.{expected}) or create the tensor with that "
    "dtype."
)
WRONG_SHAPE = Message("checks.wrong-shape", "{what} has shape {actual}, expected {expected}. {hint}")
SHAPE_HINT_RESHAPE = Message(
    "checks.shape-hint.reshape", "Same number of elements: check for an extra reshape or expand_dims."
)
"""This and the next ``SHAPE_HINT_*`` entries complete :data:`WRONG_SHAPE` as its ``hint``."""
SHAPE_HINT_TRANSPOSE = Message(
    "checks.shape-hint.transpose", "Same number of elements: check for a transpose or a reshape."
)
SHAPE_HINT_BROADCAST = Message("checks.shape-hint.broadcast", "It has extra dimensions: did you broadcast by accident?")
SHAPE_HINT_AXIS = Message("checks.shape-hint.axis", "Check which axis you reduced or sliced.")
NUMPY_VALUE = Message("checks.numpy-value", "{what} is a NumPy value; return a tf.Tensor (do not call .numpy()).")
KERAS_TENSOR = Message(
    "checks.keras-tensor",
    "{what} is a symbolic KerasTensor with no value: call the layer or function on a real tensor (e.g. tf.constant) "
    "instead of keras.Input."
)
RAGGED_TENSOR = Message(
    "checks.ragged-tensor",
    "{what} is a tf.RaggedTensor, but a dense tf.Tensor is expected: use .to_tensor() or make all rows the same "
    "length."
)
NOT_A_TENSOR = Message("checks.not-a-tensor", "{what} should be a tf.Tensor, but it is a {kind}.")
WRONG_VALUES = Message(
    "checks.wrong-values",
    "{what} has the right shape and dtype but wrong values: {bad} of {count} element differs{where}; largest "
    "difference {difference:.3g}.{nans}",
    "{what} has the right shape and dtype but wrong values: {bad} of {count} elements differ{where}; largest "
    "difference {difference:.3g}.{nans}"
)
FIRST_AT = Message("checks.first-at", ", first at index {index}")
"""Completes :data:`WRONG_VALUES` as its ``where`` (else empty)."""
NAN_VALUES = Message(
    "checks.nan-values", "{count} value is NaN: look for a division by zero or a log of 0.",
    "{count} values are NaN: look for a division by zero or a log of 0."
)
"""Completes :data:`WRONG_VALUES` as its ``nans``, after a space (else empty)."""

# -- the check library: model topology (checks/topology/) ----------------------------------------
# Differences complete "<what>: ..." (see topology.expect_same_topology); {where} is a WHERE_*.

TOPOLOGY_UNREADABLE = Message(
    "topology.unreadable",
    "{what}: the grader could not read its structure ({error}). Build it with keras.Sequential or with keras.Input "
    "and keras.Model(inputs, outputs)."
)
TOPOLOGY_TOO_DEEP = Message("topology.too-deep", "{what}: the model is too deep for the grader to compare.")
INTERFACE_UNREADABLE = Message(
    "topology.interface-unreadable", "{what}: the grader could not read its inputs and outputs ({error})."
)
NOT_A_MODEL = Message(
    "topology.not-a-model",
    "{builder}() should return a Keras model (keras.Sequential or keras.Model); it returned a {kind}."
)
UNREADABLE_VALUE = Message("topology.unreadable-value", "value the grader could not read")
"""Completes :data:`NOT_A_MODEL` as its ``kind`` when the student's process did not say."""
MODEL_FROM = Message("topology.model-from", "The model from {builder}()")
WEIGHT_SHAPES = Message(
    "topology.weight-shapes", "The weights of your layer `{layer}` have shapes {actual}; they should be {expected}."
)
NOT_BUILT = Message(
    "topology.not-built",
    "it is not built, so it has no inputs yet. Start it with keras.Input(shape=...) (for a Sequential model, as its "
    "first item)."
)
OUTPUT_COUNT = Message(
    "topology.output-count",
    "it should have {expected} output; yours has {actual}.",
    "it should have {expected} outputs; yours has {actual}."
)
INPUT_COUNT = Message(
    "topology.input-count",
    "it should have {expected} input; yours has {actual}.",
    "it should have {expected} inputs; yours has {actual}."
)
SPEC_SHAPE = Message("topology.spec-shape", "{label} should have shape {expected}; yours has {actual}.")
SPEC_DTYPE = Message("topology.spec-dtype", "{label} should have dtype {expected}; yours has {actual}{hint}.")
DTYPE_HINT_INPUT = Message("topology.dtype-hint-input", 'pass dtype="{dtype}" to keras.Input')
"""Completes :data:`SPEC_DTYPE` as its ``hint``, in brackets after a space (else empty)."""
OUTPUT_NAMES_ORDER = Message(
    "topology.output-names-order",
    "its outputs should be named {expected}, in this order; yours are {actual}. Check the name= of each output layer "
    "and the order of the outputs list."
)
OUTPUT_NAME = Message(
    "topology.output-name",
    'output {index} should be named `{name}`; {yours}. Pass name="{name}" to the layer that computes it.'
)
YOURS_NAMED = Message("topology.yours-named", "yours is named `{name}`")
"""Completes :data:`OUTPUT_NAME` as its ``yours``."""
YOURS_UNNAMED = Message("topology.yours-unnamed", "yours has no name")
PARAMETER_COUNT = Message(
    "topology.parameter-count",
    "it has {actual:,} parameters; it should have {expected:,}. Check the layer sizes and the input shape."
)
WHERE_OUTPUT = Message("topology.where.output", "at {output}")
WHERE_READER = Message("topology.where.reader", "where {reader} gets its input (on the way to {output})")
OTHER_TENSOR = Message(
    "topology.other-tensor", "{where}, the model should use output {expected} of {layer}; yours uses output {actual}."
)
MISSING_LAYER = Message(
    "topology.missing-layer",
    "{where}, the model should have {layer}; yours reads {input} directly. Is a layer missing?"
)
EXTRA_LAYER = Message(
    "topology.extra-layer", "{where}, the model should read {input} directly; yours has {layer} there."
)
OTHER_INPUT = Message("topology.other-input", "{where}, the model should read {expected}; yours reads {actual}.")
NOT_REUSED = Message(
    "topology.not-reused",
    "{where}, the model should reuse the output of {layer} that is also used {first}; yours computes it again."
)
REUSED = Message(
    "topology.reused",
    "{where}, the model should have its own {layer}; yours reuses the output that is also used {first}."
)
OTHER_LAYER = Message("topology.other-layer", "{where}, the model should have {expected}; yours has {actual}.")
OTHER_CONFIG = Message("topology.other-config", "{where}, the {kind} layer should have {expected}; yours has {actual}.")
OTHER_ARGUMENTS = Message(
    "topology.other-arguments", "{where}, {layer} should be called with {expected}; yours is called with {actual}."
)
NO_EXTRA_ARGUMENTS = Message("topology.no-extra-arguments", "no extra arguments")
OTHER_LAYER_NAME = Message(
    "topology.other-layer-name", "{where}, the {layer} layer should be named `{expected}`; yours is named `{actual}`."
)
NOT_SHARED = Message(
    "topology.not-shared",
    "{kind} should be ONE shared layer called {calls} times; yours is not shared: it uses separate {kind} layers. "
    "Create the layer once and call that same layer on each input."
)
SHARED = Message(
    "topology.shared",
    "{where}, the model should have a separate {layer} layer with its own weights; yours calls the same {kind} layer "
    "again. Create a new layer here."
)
SHARED_WITHOUT_WEIGHTS = Message(
    "topology.shared-without-weights",
    "{where}, the model should have its own {layer} layer; yours calls the same {kind} layer that it also uses "
    "{first}. Create a new {kind} layer here: a layer called twice is one shared layer, even without weights."
)
TAKES_INPUTS = Message(
    "topology.takes-inputs",
    "{where}, {layer} should take {expected} input; yours takes {actual}.",
    "{where}, {layer} should take {expected} inputs; yours takes {actual}."
)
MERGE_INPUTS = Message("topology.merge-inputs", "{where}, {layer} should {should} {expected}; yours {does} {actual}.")
"""``should`` and ``does`` are verbs of topology.MERGE_VERBS."""
MERGE_ORDER = Message(
    "topology.merge-order",
    "{where}, {layer} gets its inputs in the wrong order: it should {should} {expected}; yours {does} {actual}."
)
THE_MODELS_INPUT = Message("topology.the-models-input", "the model's input")
INPUT_NUMBER = Message("topology.input-number", "input {number}")
THE_MODELS_OUTPUT = Message("topology.the-models-output", "the model's output")
OUTPUT_NUMBER = Message("topology.output-number", "output {number}")
OUTPUT_CALLED = Message("topology.output-called", "output `{name}`")
AN_INPUT = Message("topology.an-input", "an Input")
A_NESTED_MODEL = Message("topology.a-nested-model", "a nested model")
OUTPUT_OF = Message("topology.output-of", "the output of {layer}")
OUTPUT_OF_FROM = Message("topology.output-of-from", "the output of {layer} from {source}")
SEVERAL_INPUTS = Message("topology.several-inputs", "several inputs")

# -- the check library: Keras saving (checks/keras_saving.py) -----------------------------------

CONFIG_NOT_DICT = Message("saving.config-not-dict", "{what} should return a dict, but it returned a {kind}.")
CONFIG_MISSING = Message(
    "saving.config-missing",
    "{what} does not include {keys}, so a reloaded layer silently uses the default (or fails when there is none). "
    "Add every constructor argument to the dict get_config returns, including the ones left at their defaults."
)
CONFIG_WRONG_VALUE = Message(
    "saving.config-wrong-value",
    "{what} gives `{key}` = {actual}, expected {expected}. Store the value the layer was created with."
)
CONFIG_LOST_BASE = Message(
    "saving.config-lost-base", "{what} lost {keys}: start from `config = super().get_config()` and update it."
)
GET_CONFIG_NOT_METHOD = Message("saving.get-config-not-method", "`{cls}.get_config` should be a method.")
GET_CONFIG_INHERITED = Message(
    "saving.get-config-inherited",
    "{cls} has no get_config of its own: it inherits {inherited}, which only guesses a config from __init__'s "
    "arguments (without `name`, and not at all for arguments it cannot store). Define get_config: start from "
    "`config = super().get_config()` and add every constructor argument."
)
NOT_REGISTERED = Message(
    "saving.not-registered",
    "{cls} is not registered for saving, so keras.saving.load_model cannot find it. Put "
    '`@keras.saving.register_keras_serializable(package="{package}")` on the line above `class {cls}`, then rerun '
    "that cell."
)
REGISTRY_NOT_DICT = Message("saving.registry-not-dict", "keras.saving.get_custom_objects() should return a dict.")
NO_KERAS_IMPORT = Message(
    "saving.no-keras-import", "Your notebook does not import keras (`import keras`), so nothing can be registered."
)
ARCHIVE_TOO_LARGE = Message("saving.archive.too-large", "The saved .keras file is larger than {megabytes} MB.")
ARCHIVE_NOT_ZIP = Message("saving.archive.not-zip", "The saved .keras file is not a readable zip archive ({error}).")
ARCHIVE_TOO_MANY = Message(
    "saving.archive.too-many", "The saved .keras file has {count} entries; a model file has a handful."
)
ARCHIVE_UNEXPECTED = Message("saving.archive.unexpected", "The saved .keras file holds an unexpected entry {name}.")
ARCHIVE_DUPLICATE = Message("saving.archive.duplicate", "The saved .keras file holds the same entry twice.")
ARCHIVE_NO_CONFIG = Message("saving.archive.no-config", "The saved .keras file has no config.json.")
ARCHIVE_CONFIG_TOO_LARGE = Message(
    "saving.archive.config-too-large", "config.json in the saved .keras file is larger than {megabytes} MB."
)
ARCHIVE_CONFIG_NOT_JSON = Message(
    "saving.archive.config-not-json", "config.json in the saved .keras file is not JSON ({error})."
)
ARCHIVE_CONFIG_NOT_OBJECT = Message(
    "saving.archive.config-not-object", "config.json in the saved .keras file is not a JSON object."
)
ARCHIVE_CONFIG_TOO_DEEP = Message(
    "saving.archive.config-too-deep", "config.json in the saved .keras file is nested more than {depth} levels deep."
)
RELOAD_FAILED = Message("saving.reload-failed", "Saving `{name}` as a .keras file and loading it back failed. {cause}")
RELOAD_ERROR_WAS = Message("saving.reload-error-was", "{hint} The error was: {error}")
"""Completes :data:`RELOAD_FAILED` as its ``cause`` when no layer's from_config is to blame."""
FROM_CONFIG_FAILED = Message("saving.from-config-failed", "Rebuilding a {cls} from its config failed: {error} {hint}")
"""Completes :data:`RELOAD_FAILED` as its ``cause``."""
HINT_KWARGS = Message(
    "saving.hint.kwargs", "__init__ must accept **kwargs and pass them on with super().__init__(**kwargs)."
)
HINT_WEIGHTS = Message(
    "saving.hint.weights",
    "A reloaded layer has a different number of weights: get_config misses an argument, such as one that decides "
    "which weights build creates."
)
HINT_CONFIG = Message(
    "saving.hint.config", "Check that get_config returns every constructor argument and that from_config can use it."
)
HINT_MISSING_ARGUMENT = Message(
    "saving.hint.missing-argument", "get_config probably misses an argument, or __init__ does not use it."
)
OUTPUT_SHAPES_DIFFER = Message(
    "saving.output-shapes-differ", "{what} gives outputs of shape {actual} instead of {expected}. {hint}"
)
OUTPUTS_DIFFER = Message(
    "saving.outputs-differ", "{what} gives different outputs (largest difference {difference:.3g}). {hint}"
)
NOT_NUMBERS = Message("saving.not-numbers", "`{name}` should return a tensor of numbers.")
REBUILT_CONFIG_DIFFERS = Message(
    "saving.rebuilt-config-differs",
    "{rebuilt} builds a layer whose get_config() differs in {keys}: from_config should pass every entry of the "
    "config to the constructor (the default `cls(**config)` does)."
)
REBUILT_LAYER = Message("saving.rebuilt-layer", "The layer rebuilt with {rebuilt}")
STEP_FAILED = Message("saving.step-failed", "{what} failed: {error} {hint}")
FROM_CONFIG_WRONG_TYPE = Message(
    "saving.from-config-wrong-type", "{cls}.from_config(config) should return a {cls}, not {shown}."
)
SOMETHING_ELSE = Message("saving.something-else", "something else")
"""Completes :data:`FROM_CONFIG_WRONG_TYPE` as its ``shown``."""
WEIGHTS_NOT_COPIED = Message(
    "saving.weights-not-copied",
    "The layer built by {what} has different weights from the original (copying them failed): get_config probably "
    "misses an argument, such as one that decides which weights build creates."
)

# -- Keras 2 / TF 1 habits (core/habits.py) ------------------------------------------------------
# What changed and what to write now, for errors that code written with Keras 2 or TensorFlow 1
# habits raises under Keras 3 / TensorFlow 2. Fixed texts that never quote the error, so they are
# safe next to a hidden check too. Code between backticks is run by tests/core/test_habits.py.

HABIT_VIS_UTILS = Message(
    "habits.vis-utils",
    "Keras 3 removed the module keras.utils.vis_utils (and tensorflow.keras.utils.vis_utils). Import plot_model "
    "from keras.utils instead: `from keras.utils import plot_model`."
)
HABIT_UTILS_MODULES = Message(
    "habits.utils-modules",
    "Keras 3 has no submodules such as keras.utils.np_utils or keras.utils.generic_utils. Import from keras.utils "
    "itself, e.g. `from keras.utils import to_categorical`."
)
HABIT_PREPROCESSING = Message(
    "habits.preprocessing",
    "Keras 3 moved the preprocessing layers out of layers.experimental.preprocessing into keras.layers: write "
    "`keras.layers.Rescaling(1 / 255)` or `keras.layers.Normalization()`."
)
HABIT_ENGINE = Message(
    "habits.engine",
    "keras.engine was a private part of Keras 2 and is gone in Keras 3. Import these classes from keras itself: "
    "`from keras import Input, Layer, Model`."
)
HABIT_LAYERS_MODULES = Message(
    "habits.layers-modules",
    "Keras 3 has no submodules such as keras.layers.core or keras.layers.convolutional. Import every layer from "
    "keras.layers itself, e.g. `from keras.layers import Conv2D, Dense, Dropout`."
)
HABIT_PYTHON_KERAS = Message(
    "habits.python-keras",
    "tensorflow.python.keras is the old Keras 2 inside TensorFlow: its layers and utilities do not work with Keras "
    "3 models. Import from keras instead, e.g. `from keras.utils import plot_model` or `from keras import layers`."
)
HABIT_CONTRIB = Message(
    "habits.contrib",
    "tf.contrib was removed in TensorFlow 2. Its layers are Keras layers now (keras.layers), most of its math is in "
    "tf.math or tf.signal, and the rest moved to separate packages: look up the TensorFlow 2 name of what you used."
)
HABIT_SESSION = Message(
    "habits.session",
    "TensorFlow 2 runs operations as soon as they are called, so there is no tf.Session, tf.placeholder or variable "
    "initializer any more. Compute on tensors directly (`y = tf.reduce_sum(x)`), keep state in a tf.Variable, and "
    "put @tf.function on a function you want as a graph."
)
HABIT_COMPAT_V1 = Message(
    "habits.compat-v1",
    "tf.compat.v1 placeholders, sessions and .eval() need TensorFlow 1's graph mode, which TensorFlow 2 (and the "
    "grader) leaves off. Write TensorFlow 2 code instead: call your functions on tensors and read a result's values "
    "with `y.numpy()`."
)
HABIT_ENABLE_EAGER = Message(
    "habits.enable-eager",
    "TensorFlow 2 runs eagerly from the start, so tf.enable_eager_execution() and tf.enable_v2_behavior() are gone: "
    "delete that line."
)
HABIT_RANDOM = Message(
    "habits.random",
    "TensorFlow 2 keeps its random functions in tf.random: write `tf.random.normal([3])` instead of "
    "tf.random_normal([3]), and likewise tf.random.uniform, tf.random.truncated_normal, tf.random.shuffle, "
    "tf.random.categorical and tf.random.set_seed."
)
HABIT_CASTS = Message(
    "habits.casts",
    "tf.to_float, tf.to_int32 and the other tf.to_* functions were removed in TensorFlow 2. Write "
    "`tf.cast(x, tf.float32)` (with the dtype you need)."
)
HABIT_MATH = Message(
    "habits.math",
    "TensorFlow 2 keeps many math functions only under tf.math and tf.linalg: write `tf.math.log(x)` instead of "
    "tf.log(x), and likewise tf.math.squared_difference, tf.math.argmax, tf.math.divide, tf.linalg.inv and "
    "tf.linalg.diag."
)
HABIT_PRINT = Message(
    "habits.print",
    "tf.Print was replaced by tf.print (lower case) in TensorFlow 2: `tf.print(x)` prints every time it runs, in a "
    "graph too."
)
HABIT_TF_LAYERS = Message(
    "habits.tf-layers",
    "tf.layers was removed in TensorFlow 2. Use Keras layers instead: `keras.layers.Dense(2)(x)` in place of "
    "tf.layers.dense(x, 2)."
)
HABIT_TRAIN_OPTIMIZERS = Message(
    "habits.train-optimizers",
    "The tf.train optimizers (tf.train.AdamOptimizer and the like) were removed in TensorFlow 2. Use Keras "
    "optimizers: `keras.optimizers.Adam(learning_rate=0.001)`."
)
HABIT_REDUCE_ARGUMENTS = Message(
    "habits.reduce-arguments",
    "TensorFlow 2's reductions take axis= and keepdims=, not reduction_indices= or keep_dims=: write "
    "`tf.reduce_sum(x, axis=0, keepdims=True)`."
)
HABIT_KEEP_PROB = Message(
    "habits.keep-prob",
    "In TensorFlow 2, tf.nn.dropout takes rate=, the fraction to drop, instead of keep_prob=: keep_prob=0.8 becomes "
    "`tf.nn.dropout(x, rate=0.2)`."
)
HABIT_FIT_GENERATOR = Message(
    "habits.fit-generator",
    "Keras 3 removed fit_generator, predict_generator and evaluate_generator. Pass the generator or tf.data.Dataset "
    "to model.fit, model.predict or model.evaluate instead, e.g. `model.fit(dataset, epochs=1)`."
)
HABIT_PREDICT_CLASSES = Message(
    "habits.predict-classes",
    "Keras 3 models have no predict_classes or predict_proba. Call model.predict and take the classes yourself: "
    "`np.argmax(model.predict(x), axis=-1)` (or `model.predict(x) > 0.5` for one sigmoid output)."
)
HABIT_LR = Message(
    "habits.lr",
    "Keras 3 optimizers take learning_rate=, not lr=: write `keras.optimizers.Adam(learning_rate=0.001)`."
)
HABIT_LEGACY_OPTIMIZERS = Message(
    "habits.legacy-optimizers",
    "Keras 3 has no legacy optimizers (keras.optimizers.legacy): use the optimizers of keras.optimizers directly, "
    "e.g. `keras.optimizers.SGD(learning_rate=0.01)`."
)
HABIT_BACKEND = Message(
    "habits.backend",
    "keras.backend in Keras 3 no longer has math functions such as K.mean, K.sum or K.square, nor sessions or "
    "K.get_value. Use keras.ops or tf.math instead, e.g. `keras.ops.mean(x)`, and read a variable's value with "
    "`.numpy()`."
)
HABIT_SAVE_FORMAT = Message(
    "habits.save-format",
    "Keras 3 picks the file format from the file name and has no save_format argument: write "
    "`model.save(\"model.keras\")` (or a name ending in .h5). For a TensorFlow SavedModel folder, use "
    "`model.export(\"saved_model\")`."
)
HABIT_WEIGHTS_FILE = Message(
    "habits.weights-file",
    "Keras 3 weight files must have names ending in .weights.h5: write `model.save_weights(\"model.weights.h5\")`, "
    "and give ModelCheckpoint such a name when save_weights_only=True."
)
HABIT_LOAD_SAVEDMODEL = Message(
    "habits.load-savedmodel",
    "keras.models.load_model in Keras 3 reads .keras (and .h5) files only, not a SavedModel folder. Save with "
    "`model.save(\"model.keras\")`, then load that file: `keras.models.load_model(\"model.keras\")`."
)
HABIT_ADD_WEIGHT = Message(
    "habits.add-weight",
    "In Keras 3, add_weight takes keyword arguments only: write "
    "`self.add_weight(shape=(n_in, n_out), initializer=\"glorot_uniform\", name=\"kernel\")`."
)
HABIT_OUTPUT_SHAPE = Message(
    "habits.output-shape",
    "Keras 3 layers have no output_shape attribute. Call `layer.compute_output_shape(input_shape)`, or take the "
    "shape of what the layer returns: `layer(x).shape`."
)
HABIT_IMAGE_DATA_GENERATOR = Message(
    "habits.image-data-generator",
    "Keras 3 removed ImageDataGenerator. Load images with keras.utils.image_dataset_from_directory and augment them "
    "with layers such as `keras.layers.RandomFlip(\"horizontal\")` and keras.layers.RandomRotation."
)
HABIT_CUDNN = Message(
    "habits.cudnn",
    "Keras 3 has no CuDNNLSTM or CuDNNGRU: use `keras.layers.LSTM(32)` or keras.layers.GRU, which use cuDNN by "
    "themselves on a GPU."
)
HABIT_DATASET_ITERATORS = Message(
    "habits.dataset-iterators",
    "TensorFlow 2 datasets need no iterator objects: loop over them (for batch in dataset: ...) or take one batch "
    "with `next(iter(dataset))`; `dataset.element_spec` gives their shapes and dtypes."
)
HABIT_RESIZE_IMAGES = Message(
    "habits.resize-images",
    "tf.image.resize_images is tf.image.resize in TensorFlow 2: write `tf.image.resize(images, [height, width])`."
)
HABIT_CROSS_ENTROPY_V2 = Message(
    "habits.cross-entropy-v2",
    "TensorFlow 2 names it tf.nn.softmax_cross_entropy_with_logits, without _v2: write "
    "`tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)`."
)
FAILED_CELL_CAUSE = Message(
    "habits.failed-cell",
    "Cell {cells} stopped with an error before it could define what this check uses: fix that cell first, then run "
    "all cells again.",
    "Cells {cells} stopped with errors before they could define what this check uses: fix those cells first, then "
    "run all cells again."
)
"""A check that failed for a name that is not defined, when the cell that defines it stopped; ``count`` is the cells."""
FAILED_CELL_BEFORE = Message(
    "habits.failed-cell-before",
    "This name was to be defined by cell {cells}, which stopped with an error: fix that cell first.",
    "This name was to be defined by cells {cells}, which stopped with errors: fix those cells first."
)
"""A cell's NameError, when an earlier cell that defines the name stopped; ``count`` is the cells."""
NOT_ANSWERED_YET = Message(
    "habits.not-answered-yet",
    "Not answered yet: this is still the template's `raise NotImplementedError()`. Write your answer in its place, "
    "then run all cells again."
)
"""A cell or check that stopped at the template's answer stub."""
STOPPED_BEFORE_DEFINING = Message(
    "habits.stopped-before-defining",
    "This cell stopped before it could define {names}, which the assignment asks for: fix the error, then run all "
    "cells again."
)
"""A failed cell that binds required names the run never defined (``names``: each in backticks)."""
MISSING_PACKAGE = Message(
    "habits.missing-package",
    "Cell {cell} imports {module}, which the grader does not have. This assignment's notebooks may use: {packages}. "
    "Remove the import, or ask your instructor to add it."
)
"""A cell's ModuleNotFoundError for a top-level module; ``packages`` lists what the grader has (assignment.toml)."""
ALLOWED_PACKAGE_MISSING = Message(
    "habits.allowed-package-missing",
    "Cell {cell} imports {module}, which this assignment allows, but it is not installed where the notebook ran. On "
    "your own computer, install it: pip install '{requirement}'. If the grader says this, tell your instructor."
)
"""A cell's ModuleNotFoundError for a package the assignment declares: missing from the student's own environment."""

# -- students' own commands: self-check and submit ----------------------------------------------

UNKNOWN_QUESTION = Message(
    "students.unknown-question", "This assignment has no question {question!r}; its questions are {known}."
)
NO_ASSIGNMENT = Message(
    "students.no-assignment", "{file} does not say which assignment it is for; use the notebook you were given."
)
NO_ASSIGNMENT_CLI = Message(
    "students.no-assignment-cli", "{file} does not say which assignment it is for; pass --assignment NAME ({known})."
)
WHICH_NOTEBOOK = Message(
    "students.which-notebook",
    "Cannot tell which of these notebooks this kernel runs: {candidates}. Name yours, e.g. "
    "check('q1', notebook='{example}')."
)
"""``candidates``: the folder's notebooks, none of which holds more of the cells this kernel ran than the others."""
NO_NOTEBOOK_HERE = Message(
    "students.no-notebook-here",
    "There is no notebook (.ipynb) in {folder}. Name yours with its folder, e.g. check('q1', notebook='{example}')."
)
CHECKED_NOTEBOOK = Message("students.checked-notebook", "Checked {file} ({how}).")
FOUND_GIVEN = Message("students.found.given", "the notebook you named")
"""Completes :data:`CHECKED_NOTEBOOK` as its ``how``, as do the other ``FOUND_`` entries."""
FOUND_JUPYTER = Message("students.found.jupyter", "the notebook open in Jupyter")
FOUND_VSCODE = Message("students.found.vscode", "the notebook open in VS Code")
FOUND_COLAB = Message("students.found.colab", "the notebook open in Colab, as it is now")
FOUND_HISTORY = Message("students.found.history", "the notebook whose cells this kernel ran")
FOUND_ONLY = Message("students.found.only", "the only notebook in this folder")
SELFCHECK_SUMMARY = Message("students.selfcheck.summary", "{passed}/{total} public checks passed ({scope}){hidden}.")
SELFCHECK_HIDDEN = Message(
    "students.selfcheck.hidden", "; {count} hidden check worth {points} runs when your notebook is graded",
    "; {count} hidden checks worth {points} run when your notebook is graded"
)
"""Completes :data:`SELFCHECK_SUMMARY` as its ``hidden`` (else empty)."""
SCOPE_QUESTION = Message("students.selfcheck.scope-question", "question {question}")
SCOPE_ALL = Message("students.selfcheck.scope-all", "all questions")
SELFCHECK_HIDDEN_TESTS = Message(
    "students.selfcheck.hidden-tests",
    "{question}: {count} hidden check, worth {points}, will test:",
    "{question}: {count} hidden checks, worth {points}, will test:"
)
"""Leads the list of what a question's hidden checks test (from the requirements table); ``count`` is the checks."""
SELFCHECK_ALL_PASSED = Message(
    "students.selfcheck.all-passed", "All public checks passed. Hidden checks may still find problems they do not test."
)
SELFCHECK_RAN_SAVED = Message(
    "students.selfcheck.ran-saved",
    "This ran your {saved} notebook from top to bottom in a fresh process, as the grader will."
)
SAVED = Message("students.selfcheck.saved", "saved")
"""Completes :data:`SELFCHECK_RAN_SAVED`, emphasised (capitals in text, bold in HTML)."""
SAVE_FIRST = Message("students.selfcheck.save-first", "Save (Ctrl-S) before checking.")
CHECK_RUNNING = Message(
    "students.check-running", "Running {notebook} in a fresh process and checking it (public checks only)..."
)
CHECK_UNISOLATED = Message(
    "students.check-unisolated", "Note: your notebook runs {isolation}; that is fine for a self-check."
)
SUBMIT_RUNNING = Message("students.submit.running", "Running {notebook} in a fresh process, as the grader will...")
SUBMIT_WROTE = Message("students.submit.wrote", "Wrote {zip}: hand in this file.")
SUBMIT_READY = Message("students.submit.ready", "{file} is ready to submit.")
SUBMIT_READY_BUT_FAILING = Message(
    "students.submit.ready-but-failing",
    "{file} runs cleanly and can be submitted, but {count} public check still fails: {checks}. Fix it if you can, "
    "then run submit again.",
    "{file} runs cleanly and can be submitted, but {count} public checks still fail: {checks}. Fix them if you can, "
    "then run submit again."
)
"""Said instead of :data:`SUBMIT_READY` while a public check fails (the zip is still written)."""
SUBMIT_NOT_READY = Message(
    "students.submit.not-ready", "{file} is not ready to submit. Fix these, then run submit again:"
)
CELL_NAME_ERROR_ADVICE = Message(
    "students.submit.name-error",
    "{error}. This cell uses a name defined only in a later cell, in a deleted cell, or in a cell you ran out of "
    "order. Restart the kernel and run all cells to see it, then fix the order."
)
CELL_ERROR_ADVICE = Message(
    "students.submit.cell-error",
    "{error}. Fix this error (restart the kernel and run all cells to see it), then submit again."
)
OUT_OF_ORDER = Message(
    "students.submit.out-of-order",
    "Cell {later} was last run before cell {earlier}: your cells were run out of order. The grader runs them top to "
    "bottom; the run above shows what it will see."
)


# -- the review desk (tfgrade review OUT): what TAs read (autograder/review/) ---------------------------------

REVIEW_TITLE = Message("review.title", "Review desk: {assignment}")
REVIEW_WARNING = Message(
    "review.warning", "For the course team only: this desk shows hidden checks, and its decisions go into {file}."
)
REVIEW_FILTER_QUESTION = Message("review.filter.question", "Lost points on")
REVIEW_FILTER_ANY = Message("review.filter.any", "(any)")
REVIEW_FILTER_STATUS = Message("review.filter.status", "Status")
REVIEW_FILTER_FLAG = Message("review.filter.flag", "Integrity flag")
REVIEW_FILTER_FLAGGED = Message("review.filter.flagged", "any flag")
REVIEW_FILTER_UNFLAGGED = Message("review.filter.unflagged", "no flag")
REVIEW_FILTER_APPLY = Message("review.filter.apply", "Show")
REVIEW_SHOWN = Message("review.shown", "{shown} of {count} submission shown.", "{shown} of {count} submissions shown.")
REVIEW_NONE_SHOWN = Message("review.none-shown", "No submission matches these filters.")
REVIEW_COL_SUBMISSION = Message("review.col.submission", "Submission")
REVIEW_COL_SCORE = Message("review.col.score", "Total")
REVIEW_COL_FLAGS = Message("review.col.flags", "Flags")
REVIEW_PENDING = Message(
    "review.pending", "Changed in the overrides file since the last grading run; the next tfgrade grade writes it."
)
REVIEW_UNREADABLE = Message(
    "review.unreadable", "Cannot read the report in {folders}: run the same tfgrade grade command again to rewrite it."
)
REVIEW_OVERRIDES_PROBLEM = Message(
    "review.overrides-problem", "The overrides file cannot be used as it is, so scores show as last graded:"
)
REVIEW_BACK = Message("review.back", "All submissions")
REVIEW_SCORE = Message("review.score", "Score: {earned} of {points} points (the checks gave {automatic}).")
REVIEW_FEEDBACK = Message("review.feedback", "What the student reads")
REVIEW_NO_FEEDBACK = Message("review.no-feedback", "No feedback page was written for this submission.")
REVIEW_CHECKS = Message("review.checks", "Every check")
REVIEW_COL_CHECK = Message("review.col.check", "Check")
REVIEW_COL_QUESTION = Message("review.col.question", "Question")
REVIEW_COL_OUTCOME = Message("review.col.outcome", "Outcome")
REVIEW_COL_POINTS = Message("review.col.points", "Points")
REVIEW_COL_MESSAGE = Message("review.col.message", "Message")
REVIEW_COL_DETAILS = Message("review.col.details", "For you only")
REVIEW_RUN = Message("review.run", "The notebook's run")
REVIEW_CELL_ERRORS = Message("review.cell-errors", "Cell errors")
REVIEW_NO_CELL_ERRORS = Message("review.no-cell-errors", "No cell raised an error.")
REVIEW_CELL = Message("review.cell", "cell {cell}")
REVIEW_FLAGS = Message("review.flags", "Integrity flags")
REVIEW_NO_FLAGS = Message("review.no-flags", "The grader's reading of the source found nothing to flag.")
REVIEW_FLAG_AT = Message("review.flag-at", "cell {cell}, line {line}")
REVIEW_OVERRIDE = Message("review.override", "Override a score")
REVIEW_HAND = Message("review.hand", "Hand-graded answers")
REVIEW_HAND_HELP = Message(
    "review.hand.help",
    "No check scores these questions: read the student's answer in the notebook, then give its points with the "
    "form above (choose the question). Your reason is the comment the student reads."
)
REVIEW_HAND_WAITING = Message("review.hand.waiting", "waiting for a TA")
REVIEW_HAND_SCORED = Message("review.hand.scored", "scored by a TA")
REVIEW_OVERRIDE_HELP = Message(
    "review.override.help",
    "7 sets the score; +2 or -1.5 adds to what the checks gave. The student reads the reason. Leave the points "
    "empty to withdraw an override."
)
REVIEW_TOTAL = Message("review.total", "the whole assignment (total)")
REVIEW_REASON = Message("review.reason", "Reason")
REVIEW_BY = Message("review.by", "Your name")
REVIEW_SAVE = Message("review.save", "Save to the overrides file")
REVIEW_SAVED = Message("review.saved", "Saved in {file}. The next tfgrade grade and tfgrade export include it.")
REVIEW_NOT_SAVED = Message("review.not-saved", "Nothing was saved: {problem}")
REVIEW_ACTIVE = Message("review.active", "Overrides of this submission")
REVIEW_NO_OVERRIDES = Message("review.no-overrides", "None yet.")
REVIEW_REGRADE = Message("review.regrade", "Regrade this one")
REVIEW_REGRADE_HELP = Message(
    "review.regrade.help",
    "Runs the grader again on this submission only, with the checks and overrides as they are now, and "
    "writes its files and grades.csv again."
)
REVIEW_REGRADING = Message("review.regrading", "Regrading now; this page refreshes until it is done.")
REVIEW_REGRADED = Message("review.regraded", "Regraded: {before} before, {after} now.")
REVIEW_REGRADE_FAILED = Message("review.regrade-failed", "The regrade failed: {error}")
REVIEW_NO_REGRADE = Message(
    "review.no-regrade",
    "The desk cannot find the submitted file of {name}: start it where you ran tfgrade grade, or give it the same "
    "submissions with --submissions."
)
REVIEW_PASSWORD = Message("review.password", "Password")
REVIEW_LOGIN = Message("review.login", "Open the desk")
REVIEW_REFUSED = Message(
    "review.refused", "This desk opens only with the link tfgrade review printed (it holds a token), or its password."
)
REVIEW_STALE_FORM = Message("review.stale-form", "This form is out of date: reload the page and send it again.")
REVIEW_NOT_FOUND = Message("review.not-found", "This grading folder has no submission {folder}.")
REVIEW_COL_LATE = Message("review.col.late", "Late")
REVIEW_LATE = Message(
    "review.late",
    "Late: submitted {submitted}, due {deadline}. The rule takes {percent}%: {taken} points off the total."
)
REVIEW_LATE_CHANGED = Message("review.late.changed", "A late row sets the points taken to {change}: {reason}")
REVIEW_LATE_OPTION = Message("review.late.option", "the late penalty (the points it takes; 0 waives it)")
REVIEW_ROSTER_ID = Message("review.roster-id", "Roster id: {id}")


# -- the tfgrade command's counts (cli/): lines with a number, in the plural form the language gives it --

CLI_GRADING = Message(
    "cli.grading", "Grading {count} submission for '{assignment}' into {out}/ ...",
    "Grading {count} submissions for '{assignment}' into {out}/ ..."
)
CLI_REUSED = Message(
    "cli.reused", "{count} unchanged submission kept its earlier results; {fresh} graded now.",
    "{count} unchanged submissions kept their earlier results; {fresh} graded now."
)
CLI_OVERRIDES = Message(
    "cli.overrides", "{count} override applied: grades.csv shows it next to the automatic score.",
    "{count} overrides applied: grades.csv shows each next to the automatic score."
)
CLI_UNUSABLE_TIMES = Message(
    "cli.unusable-times", "{file}: {count} row of the submission times cannot be used, so nothing was graded:",
    "{file}: {count} rows of the submission times cannot be used, so nothing was graded:"
)
CLI_EXPORT_ROWS = Message("cli.export-rows", "{count} row", "{count} rows")
"""Leads the line that says what ``tfgrade export`` wrote."""
CLI_TABLE_PROBLEMS = Message(
    "cli.table-problems", "The requirements table and its hints have {count} problem; see above.",
    "The requirements table and its hints have {count} problems; see above."
)
CLI_HIDDEN_LEFT_OUT = Message(
    "cli.hidden-left-out", "{question}: {count} hidden check, {points}, left out",
    "{question}: {count} hidden checks, {points}, left out"
)
"""``tfgrade release``: what the release leaves out; ``points`` is a :data:`POINT_COUNT`."""


# -- the instructor's counted lines (core/, reports/): rows, submissions and names, in the language's plural form --

EXPORT_WAITING = Message(
    "export.waiting",
    "{count} row has hand-graded answers no TA has scored yet ({questions}): it counts 0 points in this file. "
    "Score them (overrides.csv, or tfgrade review) and export again.",
    "{count} rows have hand-graded answers no TA has scored yet ({questions}): they count 0 points in this file. "
    "Score them (overrides.csv, or tfgrade review) and export again."
)
EXPORT_GRADER_ERRORS = Message(
    "export.grader-errors",
    "{count} submission hit a grader error and is left out so its gradebook grade stays as it is: {ids}. "
    "Regrade it (run tfgrade grade again), then export.",
    "{count} submissions hit a grader error and are left out so their gradebook grade stays as it is: {ids}. "
    "Regrade them (run tfgrade grade again), then export."
)
EXPORT_NO_LMS_ID = Message(
    "export.no-lms-id",
    "{count} row has no student id {lms} knows (e.g. {example}): {lms} would reject the file, so none was "
    "written. Export again with --roster FILE (or --student-id REGEX).",
    "{count} rows have no student id {lms} knows (e.g. {example}): {lms} would reject the file, so none was "
    "written. Export again with --roster FILE (or --student-id REGEX)."
)
EXPORT_DAMAGED_REPORTS = Message(
    "export.damaged-reports",
    "cannot read {count} report: {reports}. Run the same tfgrade grade command again: it regrades that "
    "submission, then export.",
    "cannot read {count} reports: {reports}. Run the same tfgrade grade command again: it regrades those "
    "submissions, then export."
)
ASSIGNMENT_UNKNOWN_LIMITS = Message(
    "assignment.unknown-limits", "{file}: unknown limit {names}; known: {known}",
    "{file}: unknown limits {names}; known: {known}"
)
"""``count`` is how many ``names`` lists (as for every message below that lists names)."""
ASSIGNMENT_HIDDEN_UNKNOWN = Message(
    "assignment.hidden-unknown", "{file}: [hidden] names question {names} that [questions] lacks",
    "{file}: [hidden] names questions {names} that [questions] lacks"
)
ROSTER_UNMATCHED = Message(
    "roster.unmatched",
    "{count} submission matches no roster row and is left out of the export: {files}. "
    "Add a row for it (or fix its file pattern) and export again.",
    "{count} submissions match no roster row and are left out of the export: {files}. "
    "Add a row for each (or fix its file pattern) and export again."
)
ROSTER_NAMELESS = Message(
    "roster.nameless", "{file}: row {rows} has no student id. Fill in the id, or delete the row.",
    "{file}: rows {rows} have no student id. Fill in the ids, or delete the rows."
)
ROSTER_NO_FILE = Message(
    "roster.no-file",
    "{file}: row {rows} has an empty file column. Give the student's file name or a pattern such as ann_* "
    "(or drop the column to match by --student-id).",
    "{file}: rows {rows} have an empty file column. Give each student's file name or a pattern such as ann_* "
    "(or drop the column to match by --student-id)."
)
ROSTER_AMBIGUOUS = Message(
    "roster.ambiguous",
    "{count} submission matches more than one roster row, e.g. {example} matches {who}. Make the file patterns "
    "in {roster} narrower so each file matches one student.",
    "{count} submissions match more than one roster row, e.g. {example} matches {who}. Make the file patterns "
    "in {roster} narrower so each file matches one student."
)
ROSTER_DOUBLES = Message(
    "roster.doubles",
    "{count} student has more than one submission, e.g. {student}: {files}. Keep one submission per student "
    "in the batch, or make the file patterns in {roster} narrower.",
    "{count} students have more than one submission, e.g. {student}: {files}. Keep one submission per student "
    "in the batch, or make the file patterns in {roster} narrower."
)
LATE_MORE_UNTIMED = Message(
    "late.more-untimed", "... and {count} more submission with no time, also without a penalty.",
    "... and {count} more submissions with no time, also without a penalty."
)
OVERRIDES_MISSING_COLUMNS = Message(
    "overrides.missing-columns",
    "{file}:{line}: the header lacks the column {names}. The first line must name the columns: {columns}.",
    "{file}:{line}: the header lacks the columns {names}. The first line must name the columns: {columns}."
)
OVERRIDES_UNUSABLE = Message(
    "overrides.unusable",
    "{file}: {count} row cannot be used, so nothing was graded or written. Fix it and run again:",
    "{file}: {count} rows cannot be used, so nothing was graded or written. Fix them and run again:"
)
