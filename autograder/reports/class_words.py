"""The words of the instructor's class report (:mod:`autograder.reports.class_report`), translatable.

Instructor-facing, so they are kept apart from the student's catalog (:mod:`autograder.messages`,
whose rules are about what students read), but they are the same kind of entry and go into the same
gettext catalogs (``make catalogs`` extracts both modules): the class report follows ``--lang``.
"""

from __future__ import annotations

from autograder import messages

M = messages.Message

WARNING = M("class.warning",
            "For instructors: this page names hidden checks and quotes their messages. Do not share it with students.")
FOOTER = M("class.footer", "Made by tfgrade.")
NO_MESSAGE = M("class.no-message", "(no message)")
SUMMARY = M("class.summary", "Summary")
CARD_SUBMISSIONS = M("class.card.submissions", "Submissions")
CARD_GRADED = M("class.card.graded", "Graded")
CARD_REJECTED = M("class.card.rejected", "Rejected")
CARD_GRADER_ERRORS = M("class.card.grader-errors", "Grader errors")
CARD_MEAN = M("class.card.mean", "Mean score")
CARD_MEDIAN = M("class.card.median", "Median score")
CARD_NONE = M("class.card.none", "no graded submissions")
OUT_OF = M("class.out-of", "out of {points}{share}")
SCORES = M("class.scores", "Score distribution")
SCORES_NOTE = M("class.scores.note", "Total score of each graded submission.")
SCORES_EMPTY = M("class.scores.empty", "No graded submissions, so there is no score distribution.")
BIN_TIP = M("class.scores.bin", "{count} submission scored {label}", "{count} submissions scored {label}")
AXIS_POINTS = M("class.scores.axis", "points (out of {points})")
HISTOGRAM_LABEL = M("class.scores.label", "Histogram of total scores of {count} graded submission: {bins}",
                    "Histogram of total scores of {count} graded submissions: {bins}")
QUESTIONS = M("class.questions", "Mean per question")
QUESTIONS_NOTE = M("class.questions.note", "Mean points earned on each question by the graded submissions.")
QUESTIONS_LABEL = M("class.questions.label", "Mean score per question: {bars}")
QUESTION_TIP = M("class.questions.tip", "{label}: mean {value}")
CHECKS = M("class.checks", "Pass rate per check")
CHECKS_EMPTY = M("class.checks.empty", "No checks ran.")
CHECKS_LABEL = M("class.checks.label", "Pass rate per check, lowest first: {bars}")
CHECKS_NOTE = M("class.checks.note",
                "Share of graded submissions that passed each check, lowest first. Hidden checks included.")
RATE_VALUE = M("class.checks.value", "{percent} ({passed} of {runs})")
RATE_BROKE = M("class.checks.broke", "; the check itself broke {count} time", "; the check itself broke {count} times")
RATE_TESTS = M("class.checks.tests", "; tests requirement {requirement}")
RATE_TIP = M("class.checks.tip", "{label}: {passed} of {runs} passed{broke}{tests}")
FAILURES = M("class.failures", "Most common failure messages")
FAILURES_EMPTY = M("class.failures.empty", "No check failed.")
FAILURES_NOTE = M("class.failures.note",
                  "Failed checks grouped by check and message, ignoring numbers so near-identical messages group.")
TAG_HIDDEN = M("class.tag.hidden", "hidden")
TAG_BROKE = M("class.tag.broke", "check broke")
CELL_ERRORS = M("class.cell-errors", "Most common cell errors")
CELL_ERRORS_NOTE = M("class.cell-errors.note", "Errors that stopped a cell, grouped by message, ignoring numbers.")
HEAD_COUNT = M("class.head.count", "Count")
HEAD_CHECK = M("class.head.check", "Check")
HEAD_CELLS = M("class.head.cells", "Cells")
HEAD_EXAMPLE = M("class.head.example", "Message (one example)")
SHARE = M("class.share", "Out of {count} graded submission.", "Out of {count} graded submissions.")
MORE = M("class.more", "…and {count} more message not shown.", "…and {count} more messages not shown.")
VARIANTS = M("class.variants", "(+{count} variant)", "(+{count} variants)")
OVERRIDES = M("class.overrides", "Overrides ({number})")
OVERRIDES_NOTE = M("class.overrides.note", "Every score on this page is final: it includes these changes. Students "
                   "see each one, with its reason, in their feedback.")
TOTAL = M("class.total", "total")
HEAD_SUBMISSION = M("class.head.submission", "Submission")
HEAD_QUESTION = M("class.head.question", "Question")
HEAD_AUTOMATIC = M("class.head.automatic", "Automatic")
HEAD_CHANGE = M("class.head.change", "Change")
HEAD_FINAL = M("class.head.final", "Final")
HEAD_REASON = M("class.head.reason", "Reason")
HEAD_STATUS = M("class.head.status", "Status")
NOT_GRADED = M("class.not-graded", "Not graded")
NOT_GRADED_NOTE = M("class.not-graded.note",
                    "Rejected files and grader errors score 0 and are left out of every statistic above.")
FLAGS = M("class.flags", "Integrity flags ({number})")
FLAGS_NOTE = M("class.flags.note", "Code that reaches into the grader, found by the grader's own reading of each "
               "submission's source. Review it: a flag changes no score, and the student reads only that you will look "
               "over the submission. Each submission's report.json lists every flag.")
FLAGS_MORE = M("class.flags.more", "…and {count} more flag", "…and {count} more flags")
HEAD_FLAG = M("class.head.flag", "Flag")
HEAD_CELL = M("class.head.cell", "Cell")
HEAD_LINE = M("class.head.line", "Line")
HEAD_WHAT = M("class.head.what", "What the code does")
KIND_GRADER_IMPORT = M("class.flag.grader-import", "imports the grader")
KIND_INTERPRETER_WALK = M("class.flag.interpreter-walk", "walks the interpreter")
KIND_INHERITED_FD = M("class.flag.inherited-fd", "uses inherited file descriptors")
KIND_GRADER_PATCH = M("class.flag.grader-patch", "patches the grader's surroundings")
STUDENTS = M("class.students", "Every submission")
STUDENTS_NOTE = M("class.students.note", "Each name links to the feedback that student reads.")
STATUS_GRADED = M("class.status.graded", "graded")
STATUS_REJECTED = M("class.status.rejected", "rejected")
STATUS_GRADER_ERROR = M("class.status.grader-error", "grader error")
HEAD_LATE = M("class.head.late", "Late penalty")
HEAD_HAND = M("class.head.hand", "Hand-graded")
LATE_CELL = M("class.late.cell", "−{taken} ({percent}% late)")
LATE_SET = M("class.late.set", "−{taken} (set by a late row: {reason})")
HAND_WAITING = M("class.hand.waiting", "waiting for a TA: {questions}")
HAND_SCORED = M("class.hand.scored", "scored by a TA: {questions}")
CARD_WAITING = M("class.card.waiting", "Answers waiting for a TA")
CARD_WAITING_SUB = M("class.card.waiting.sub", "in {count} submission: they count 0 until scored",
                     "in {count} submissions: they count 0 until scored")
CARD_LATE = M("class.card.late", "Late submissions")
CARD_LATE_SUB = M("class.card.late.sub", "{points} points taken in all")


def catalog() -> dict[str, messages.Message]:
    """Every entry of this module by its constant's name."""
    return {name: value for name, value in globals().items() if isinstance(value, messages.Message)}
