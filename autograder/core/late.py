"""Late work: a deadline, a penalty rule, each submission's time, and the points a late one loses.

The rule comes from the ``[late]`` table of ``assignment.toml`` and/or ``tfgrade grade`` options
(an option wins over the table's key)::

    [late]
    deadline = "2026-12-01T23:59:00+09:00"   # ISO 8601; without an offset, `timezone` says where
    timezone = "Asia/Seoul"                  # for times written without an offset (optional)
    per_day = 10                             # percent of the score per started day late ...
    # per_hour = 2                           # ... or per started hour (one of the two)
    cap = 50                                 # at most this percent in all (default 100)
    grace_minutes = 15                       # this late still counts as on time

A submission later than its deadline plus the grace period loses ``per_day`` percent of its score
for every day (or hour) started since the deadline itself, at most ``cap`` percent. The percent is
of the final score *after* the instructor's overrides: overrides judge the work, the penalty its
lateness, and a ``late`` row of the overrides file sets the points taken (``0`` waives it).

Where times come from: a ``--times`` CSV (``submission,time``) only. Neither Canvas's nor Moodle's
bulk download carries a submission time (Canvas marks a late file with ``_LATE_`` in its name, which
is read only to warn), and the time in a ``tfgrade submit`` zip is the student's own clock, which a
student can set (docs/late.md). Every function here but the readers is pure.
"""

from __future__ import annotations

import csv
import io
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from autograder import messages
from autograder.core.scoring import DECIMALS, LatePenalty, Score
from autograder.errors import TfgradeError

__all__ = ["LATE", "Due", "LateError", "Rule", "TimeRow", "apply", "canvas_marked_late", "parse_time",
           "percent_taken", "read_times", "rule_from", "table_of"]

LATE = "late"
"""The ``question`` of an overrides row that sets the points a late penalty takes (``0`` waives it)."""
_KEYS = ("deadline", "timezone", "per_day", "per_hour", "cap", "grace_minutes")
# Canvas's bulk download names each file lastnamefirstname[_LATE]_<user id>_<submission id>_<file name>.
_CANVAS_LATE = re.compile(r"^[^_]+_late_\d+_\d+_", re.IGNORECASE)


class LateError(TfgradeError):
    """The deadline, the rule or the times file cannot be used as written; the message says what to fix."""


@dataclass(frozen=True)
class Rule:
    """The assignment's deadline and how much a late submission loses."""

    deadline: datetime
    per_day: float = 0.0
    """Percent of the score per started day late."""
    per_hour: float = 0.0
    """Percent of the score per started hour late (instead of per day)."""
    cap: float = 100.0
    """The most percent taken in all."""
    grace_minutes: float = 0.0
    """A submission this many minutes late (or less) counts as on time."""
    timezone: tzinfo | None = None
    """Where times written without a UTC offset were written (None: such a time is an error)."""


@dataclass(frozen=True)
class Due:
    """One submission's case: when it came (None: no time known), its own deadline, and the rule."""

    submitted: datetime | None
    deadline: datetime
    rule: Rule


@dataclass(frozen=True)
class TimeRow:
    """One row of a ``--times`` file: a submission as the batch names it, and when it came."""

    submission: str
    time: datetime
    where: str
    """``file:line``, for messages."""


# -- the rule ------------------------------------------------------------------------------------


def percent_taken(rule: Rule, submitted: datetime, deadline: datetime) -> float:
    """The percent of the score a submission at ``submitted`` loses against ``deadline``."""
    late = submitted - deadline
    if late <= timedelta(minutes=rule.grace_minutes):
        return 0.0
    # Past the grace period, lateness counts from the deadline itself, and a started day (hour) counts whole.
    hours = late / timedelta(hours=1)
    units, rate = (math.ceil(hours), rule.per_hour) if rule.per_hour else (math.ceil(hours / 24), rule.per_day)
    return round(min(units * rate, rule.cap, 100.0), DECIMALS)


def apply(score: Score, due: Due | None, waiver_points: str = "", waiver_reason: str = "") -> Score:
    """``score`` less its late penalty; a ``late`` override row (``waiver_points``, ``0`` waives it) sets the
    points taken instead. No time known, or on time (a ``late`` row then has nothing to change): the score as
    it is."""
    if due is None or due.submitted is None:
        return score
    percent = percent_taken(due.rule, due.submitted, due.deadline)
    if not percent:
        return score
    computed = score.earned * percent / 100
    taken = round(min(float(waiver_points) if waiver_points else computed, score.earned), DECIMALS)
    rule = due.rule
    penalty = LatePenalty(submitted=due.submitted.isoformat(), deadline=due.deadline.isoformat(), percent=percent,
                          taken=taken, per_day=float(rule.per_day), per_hour=float(rule.per_hour), cap=float(rule.cap),
                          grace_minutes=float(rule.grace_minutes), waived=waiver_reason, change=waiver_points)
    return replace(score, earned=round(score.earned - taken, DECIMALS), late=penalty)


# -- reading the rule ----------------------------------------------------------------------------


def table_of(assignment_root: Path) -> dict[str, object]:
    """The ``[late]`` table of the assignment's ``assignment.toml`` ({} without one)."""
    config = assignment_root / "assignment.toml"
    try:
        data = tomllib.loads(config.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}  # the assignment loader has already said what is wrong with it
    table = data.get(LATE, {})
    if not isinstance(table, dict):
        raise LateError(f"{config}: [late] must be a table (deadline = \"...\", per_day = 10, ...).")
    unknown = sorted(set(table) - set(_KEYS))
    if unknown:
        raise LateError(f"{config}: [late] has no key {', '.join(unknown)}; its keys are {', '.join(_KEYS)}.")
    return table


def rule_from(table: Mapping[str, object], given: Mapping[str, object | None], source: str) -> Rule | None:
    """The rule from ``[late]`` and the command line (``given``, whose non-None values win); None without a
    deadline. LateError names what to fix."""
    merged = {**table, **{k: v for k, v in given.items() if v is not None}}
    if not merged.get("deadline"):
        if any(merged.get(k) for k in ("per_day", "per_hour")):
            raise LateError(f"{source}: a late penalty needs a deadline: add deadline = \"2026-12-01T23:59:00+09:00\" "
                            "to [late] in assignment.toml, or give --deadline.")
        return None
    zone = _zone(merged.get("timezone"), source)
    numbers = {k: _number(merged, k, source) for k in ("per_day", "per_hour", "cap", "grace_minutes")}
    if numbers["per_day"] and numbers["per_hour"]:
        raise LateError(f"{source}: give per_day or per_hour, not both.")
    cap = numbers["cap"] if "cap" in merged else 100.0
    if not 0 <= cap <= 100:
        raise LateError(f"{source}: cap {cap:g} is not a percent from 0 to 100.")
    deadline = parse_time(str(merged["deadline"]), zone, f"{source}: deadline")
    return Rule(deadline, numbers["per_day"], numbers["per_hour"], cap, numbers["grace_minutes"], zone)


def _number(values: Mapping[str, object], key: str, source: str) -> float:
    value = values.get(key, 0)
    try:
        number = float(value)  # type: ignore[arg-type]  # checked just below
    except (TypeError, ValueError):
        raise LateError(f"{source}: {key} = {value!r} is not a number.") from None
    if number < 0 or math.isnan(number):
        raise LateError(f"{source}: {key} = {value!r} must be 0 or more.")
    return number


def _zone(name: object, source: str) -> tzinfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise LateError(f"{source}: no time zone {name!r}; write one such as Asia/Seoul or UTC.") from None


def parse_time(text: str, zone: tzinfo | None, where: str) -> datetime:
    """An ISO 8601 time (``2026-12-01T23:59:00+09:00``, ``2026-12-01 23:59``, ``...Z``); one without an offset
    is in ``zone``, and an error without one, since guessing the zone could move a deadline by hours."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise LateError(f"{where}: {text!r} is not a time; write it as 2026-12-01T23:59:00+09:00.") from None
    if moment.tzinfo is None:
        if zone is None:
            raise LateError(f"{where}: {text!r} has no UTC offset. Write it with one (2026-12-01T23:59:00+09:00), "
                            "or set timezone = \"Asia/Seoul\" in [late] (or --timezone).")
        moment = moment.replace(tzinfo=zone)
    return moment


def canvas_marked_late(file_name: str) -> bool:
    """Whether Canvas's bulk download marked this file late (its name carries ``_LATE_``; no time)."""
    return bool(_CANVAS_LATE.match(Path(file_name).name))


# -- the times file ------------------------------------------------------------------------------


def read_times(path: Path, zone: tzinfo | None) -> tuple[TimeRow, ...]:
    """The rows of a ``submission,time`` CSV; LateError lists every row that cannot be read."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise LateError(f"cannot read the times file {path}: {exc.strerror or exc}.") from exc
    except UnicodeDecodeError as exc:
        raise LateError(f"{path} is not UTF-8 text. Save it as 'CSV UTF-8' and run again.") from exc
    return parse_times(text, str(path), zone)


def parse_times(text: str, source: str, zone: tzinfo | None) -> tuple[TimeRow, ...]:
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    header = [cell.strip().lower() for cell in rows[0]] if rows else []
    if "time" not in header or not {"submission", "student"} & set(header):
        raise LateError(f"{source}: the first line must name the columns submission,time.")
    name_at = header.index("submission" if "submission" in header else "student")
    time_at = header.index("time")
    found: list[TimeRow] = []
    problems: list[str] = []
    for line, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        where = f"{source}:{line}"
        name = cells[name_at].strip() if name_at < len(cells) else ""
        try:
            moment = parse_time(cells[time_at] if time_at < len(cells) else "", zone, where)
        except LateError as exc:
            problems.append(str(exc))
            continue
        if not name:
            problems.append(f"{where}: the submission is empty.")
            continue
        found.append(TimeRow(name, moment, where))
    if problems:
        raise LateError(messages.CLI_UNUSABLE_TIMES.format(file=source, count=len(problems)) + "\n"
                        + "\n".join(f"  {p}" for p in problems[:20]))
    return tuple(found)


def times_by_path(rows: Sequence[TimeRow], names: Mapping[Path, Sequence[str]]) -> tuple[dict[Path, datetime],
                                                                                          list[str]]:
    """Each submission's time, matched by any of its names (row name, path, file name, roster id); and the
    problems: a row that names no submission or two, or a second row for one submission."""
    times: dict[Path, datetime] = {}
    problems: list[str] = []
    for row in rows:
        matches = [p for p, known in names.items() if row.submission in known]
        if len(matches) != 1:
            what = "no submission of this batch" if not matches else f"{len(matches)} submissions"
            problems.append(f"{row.where}: {row.submission!r} names {what}.")
        elif matches[0] in times:
            problems.append(f"{row.where}: a second time for {row.submission!r}; keep one row.")
        else:
            times[matches[0]] = row.time
    return times, problems


def dues(rule: Rule, paths: Sequence[Path], times: Mapping[Path, datetime],
         deadlines: Mapping[Path, str]) -> tuple[dict[Path, Due], list[str]]:
    """Each submission's case under ``rule``: its time from ``times``, its deadline from ``deadlines`` (a
    roster's extension, as written) or the rule's; and a warning per submission with no time, which then
    loses nothing. LateError names an extension that is not a time."""
    found: dict[Path, Due] = {}
    untimed: list[str] = []
    for path in paths:
        own = deadlines.get(path, "")
        deadline = parse_time(own, rule.timezone, f"the roster's deadline for {path.name}") if own else rule.deadline
        found[path] = Due(times.get(path), deadline, rule)
        if path not in times:
            marked = " (Canvas marked it late)" if canvas_marked_late(path.name) else ""
            untimed.append(f"{path}{marked}")
    return found, _untimed_warnings(untimed)


def _untimed_warnings(untimed: Sequence[str]) -> list[str]:
    shown = 20
    lines = [f"no submission time for {name}: no late penalty applied. Add it to --times." for name in untimed[:shown]]
    more = len(untimed) - shown
    return lines + ([messages.LATE_MORE_UNTIMED.format(count=more)] if more > 0 else [])
