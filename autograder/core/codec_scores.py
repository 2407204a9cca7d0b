"""The JSON layouts of a score and its parts (for :mod:`autograder.core.codec`).

``SCORE``, ``QUESTION_SCORE``, ``ADJUSTMENT`` (an instructor's override) and ``LATE`` (a late penalty).
Layouts are the documents' schema: a change here is a change of schema version.
"""

from __future__ import annotations

from autograder.core.codec_fields import Codec, Fields, Json
from autograder.core.scoring import Adjustment, LatePenalty, QuestionScore, Score

# -- Score and QuestionScore: "score" is what was earned, "max_score" what was possible ----------

_QUESTION_SCORE_KEYS = ("question", "title", "score", "max_score")
SCORE_KEYS = ("score", "max_score", "questions")
OVERRIDE_FIELD = "override"
"""Optional on a question and on the whole score: written only when an instructor's override applies,
so a score without one keeps the layout it always had, and reports written before overrides read as before."""
_ADJUSTMENT_KEYS = ("automatic", "points", "reason")


def _encode_adjustment(adjustment: Adjustment) -> Json:
    return {"automatic": adjustment.automatic, "points": adjustment.change, "reason": adjustment.reason}


def _read_adjustment(f: Fields) -> Adjustment:
    f.expect_keys(_ADJUSTMENT_KEYS)
    return Adjustment(automatic=f.number("automatic"), change=f.text("points"), reason=f.text("reason"))


ADJUSTMENT: Codec[Adjustment] = Codec("override", _encode_adjustment, _read_adjustment)


def _override_field(adjustment: Adjustment | None) -> Json:
    return {} if adjustment is None else {OVERRIDE_FIELD: ADJUSTMENT.encode(adjustment)}


def _read_override(f: Fields) -> Adjustment | None:
    return f.nested(OVERRIDE_FIELD, ADJUSTMENT) if OVERRIDE_FIELD in f.data else None


def _encode_question_score(q: QuestionScore) -> Json:
    return {"question": q.question, "title": q.title, "score": q.earned, "max_score": q.points,
            **_override_field(q.override), **({_MANUAL: True} if q.manual else {})}


def _read_question_score(f: Fields) -> QuestionScore:
    f.expect_keys(_QUESTION_SCORE_KEYS, (OVERRIDE_FIELD, _MANUAL))
    return QuestionScore(
        question=f.text("question"), title=f.text("title"), earned=f.number("score"), points=f.number("max_score"),
        override=_read_override(f), manual=f.data.get(_MANUAL) is True,
    )


_MANUAL = "manual"
"""Present (true) only on a hand-graded question's score."""


QUESTION_SCORE: Codec[QuestionScore] = Codec("question score", _encode_question_score, _read_question_score)


LATE_FIELD = "late"
"""Optional on the whole score, like an override: written only for a submission a late penalty applies to."""
_LATE_NUMBERS = ("percent", "taken", "per_day", "per_hour", "cap", "grace_minutes")
_LATE_TEXTS = ("submitted", "deadline", "waived", "change")


def _encode_late(late: LatePenalty) -> Json:
    return {key: getattr(late, key) for key in (*_LATE_TEXTS, *_LATE_NUMBERS)}


def _read_late(f: Fields) -> LatePenalty:
    f.expect_keys((*_LATE_TEXTS, *_LATE_NUMBERS))
    return LatePenalty(
        submitted=f.text("submitted"), deadline=f.text("deadline"), percent=f.number("percent"),
        taken=f.number("taken"), per_day=f.number("per_day"), per_hour=f.number("per_hour"), cap=f.number("cap"),
        grace_minutes=f.number("grace_minutes"), waived=f.text("waived"), change=f.text("change"),
    )


LATE: Codec[LatePenalty] = Codec("late penalty", _encode_late, _read_late)


def _encode_score(score: Score) -> Json:
    return {
        "score": score.earned,
        "max_score": score.points,
        "questions": [QUESTION_SCORE.encode(q) for q in score.questions],
        **_override_field(score.override),
        **({} if score.late is None else {LATE_FIELD: LATE.encode(score.late)}),
    }


def _read_score(f: Fields) -> Score:
    f.expect_keys(SCORE_KEYS, (OVERRIDE_FIELD, LATE_FIELD))
    return Score(earned=f.number("score"), points=f.number("max_score"), questions=f.items("questions", QUESTION_SCORE),
                 override=_read_override(f), late=f.nested(LATE_FIELD, LATE) if LATE_FIELD in f.data else None)


SCORE: Codec[Score] = Codec("score", _encode_score, _read_score)
