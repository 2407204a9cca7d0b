"""Korean particles (josa) chosen by the last sound of the value before them.

A Korean particle has two forms, one after a final consonant and one after a vowel: 셀 7이, 모델이,
but 레이어가. A translation cannot know which value will come, so it writes both,
``{cell}이(가)``; :func:`fill` fills the placeholders in and then picks the form for the value that
was filled in::

    fill("셀 {cell}이(가) 멈췄습니다", lambda text: text.format(cell=7))  # "셀 7이 멈췄습니다"

The combined spellings it resolves (either order): ``이(가)``, ``을(를)``, ``은(는)``, ``과(와)``,
``아(야)``, ``이나(나)``, ``이랑(랑)``, ``(이)`` before a syllable (``(이)나``, ``(이)라는``), and
``(으)로`` (also ``으로(로)``), which takes 로 after a vowel *and after ㄹ* (파일로, 셀 7로).
Where the last sound cannot be told (a symbol, another script, nothing before the particle) the
combined spelling stays as written, which every reader understands.

How the last sound is read (:func:`final_sound`), from the end of the text:

* Spaces, closing quotes and backticks, a trailing ``_`` and sentence punctuation are skipped:
  a backticked name reads the name, ``__init__`` reads ``init``.
* A closing bracket: the word the bracket is attached to, as Korean writing does for a gloss
  (``레이어(layer)`` reads 레이어), so calls and indexing read the name (``f()``, ``Dense(units=8)``,
  ``draw_model('a.png')``, ``x[0]``); a bracket with nothing readable before it reads its content
  (``(None, 3)`` reads 3, ``[1, 2]`` reads 2).
* A Hangul syllable: its own final consonant.
* Digits, read in Sino-Korean as Korean students read numbers aloud: 1 일, 3 삼, 7 칠, and
  trailing zeros by their unit, 10 십, 200 이백, 3000 삼천, 10000 만, 10^8 억, 10^12 조; ``0`` is
  영. After a decimal point each digit is read alone (``2.50`` ends in 영). ``1,000`` is 천.
* Latin letters, by how Korean readers say English in code:

  - a known file extension after a name (``bob.ipynb``: 아이파이엔비, ``data.zip``: 집) by
    :data:`EXTENSIONS`;
  - the last word of an identifier: ``build_model`` reads ``model``, ``GRUCell`` reads ``Cell``,
    ``ReLU`` reads ``LU``, ``conv2d`` reads ``d``;
  - a single letter, a word of capitals shorter than four letters or without a vowel (``GPU``,
    ``LSTM``; longer ones such as ``NAME`` or ``CIFAR`` are read as words), or a lower-case word
    without a vowel (``tf``, ``np``, ``sgd``) by its letters' Korean names, so by the last
    letter: 엘 and 알 end in ㄹ, 엠 and 엔 in another consonant, every other name (에이, 비, 씨,
    ..., 에스, 엑스, 제트) in a vowel;
  - any other word as an English word in Korean spelling (외래어 표기법), by its ending: ``-ng``
    (스트링) a consonant; ``-l``, ``-le`` (모델, 테이블) ㄹ; ``-m``, ``-n``, ``-me``, ``-ne`` (아담,
    트레인, 네임, 라인) a consonant; ``-ic`` (메트릭), ``-ck`` (스택) and ``p``, ``b``, ``t``, ``k``
    after one short vowel, or in ``-out``, ``-oup``, ``-ook``, ``-eep`` (맵, 밥, 셋, 아웃풋, 그룹)
    a consonant, as in the usual spellings; everything else a vowel, because English final ``r``
    is silent (레이어, 텐서) and other final consonants take 으 (리스트, 딕트, 빌드, 컨피그, 덴스,
    맥스). :data:`WORDS` lists the few common words this rule gets wrong (``type``: 타입).

  This is a heuristic: an unusual name may be read otherwise by some students, and then the
  particle still matches a common reading.
* ``%`` is read 퍼센트 (a vowel); any other symbol is unknown.

This module is pure (no package imports), so every process can use it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

__all__ = ["EXTENSIONS", "WORDS", "Sound", "Text", "fill", "final_sound", "format_map", "particle"]


class Sound(Enum):
    """What a syllable ends in, as far as particles care."""

    VOWEL = "vowel"
    """No final consonant: 가, 를, 는, 와, 야, 나, 로."""
    RIEUL = "rieul"
    """Final ㄹ: like a consonant (이, 을, 은) except before 로 (파일로)."""
    CONSONANT = "consonant"
    """Any other final consonant: 이, 을, 은, 과, 아, 이나, 으로."""


V, R, C = Sound.VOWEL, Sound.RIEUL, Sound.CONSONANT

# -- the particles ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pair:
    consonant: str
    vowel: str
    rieul: str

    def choose(self, sound: Sound) -> str:
        return {C: self.consonant, V: self.vowel, R: self.rieul}[sound]


def _plain(consonant: str, vowel: str) -> _Pair:
    return _Pair(consonant, vowel, consonant)


_PAIRS: dict[str, _Pair] = {
    "이(가)": _plain("이", "가"), "가(이)": _plain("이", "가"),
    "을(를)": _plain("을", "를"), "를(을)": _plain("을", "를"),
    "은(는)": _plain("은", "는"), "는(은)": _plain("은", "는"),
    "과(와)": _plain("과", "와"), "와(과)": _plain("과", "와"),
    "아(야)": _plain("아", "야"), "야(아)": _plain("아", "야"),
    "이나(나)": _plain("이나", "나"), "이랑(랑)": _plain("이랑", "랑"),
    "(이)": _plain("이", ""),  # only before a syllable: (이)나, (이)라는, (이)며
    "(으)": _Pair("으", "", ""),  # only before 로: (으)로, (으)로서
    "으로(로)": _Pair("으로", "로", "로"),
}
_PAIR_PATTERN = re.compile(
    "|".join(re.escape(p) for p in sorted(_PAIRS, key=len, reverse=True) if not p.startswith("("))
    + r"|\(이\)(?=[가-힣])|\(으\)(?=로)"
)
"""Longest first, so ``이나(나)`` is not read as ``나`` after ``이``."""


def particle(before: str, pair: str) -> str:
    """The form of ``pair`` (a combined spelling such as ``"이(가)"``) that follows ``before``.

    ``pair`` itself when the last sound of ``before`` cannot be told.
    """
    sound = final_sound(before)
    if sound is None:
        return pair
    head = pair[:3] if pair[:3] in ("(이)", "(으)") else pair  # (이)나, (으)로: the rest stays
    return _PAIRS[head].choose(sound) + pair[len(head):]


# -- filling in ---------------------------------------------------------------------------------

_MARK = "\ue000"
"""A private-use character stands for each particle while the values are filled in."""


def fill(template: str, filler: Callable[[str], str], visible: Callable[[str], str] = str) -> str:
    """``filler(template)`` (which fills the placeholders in), with each particle pair of the
    template resolved by the text before it in the result.

    ``visible`` turns a prefix of the result into the text a student sees (for HTML: without tags).
    A value that itself contains the private-use marks (never legitimately) makes every pair stay
    as written, so a value can never be mistaken for a particle.
    """
    pairs = [m.group() for m in _PAIR_PATTERN.finditer(template)]
    if not pairs or _MARK in template:
        return filler(template)
    filled = filler(_PAIR_PATTERN.sub(_MARK, template))
    if filled.count(_MARK) != len(pairs):
        return filler(template)
    return _resolve(filled, pairs, visible)


def _resolve(filled: str, pairs: list[str], visible: Callable[[str], str]) -> str:
    parts = str(filled).split(_MARK)  # a plain str, also when the filler made markup
    out = parts[0]
    for pair, rest in zip(pairs, parts[1:], strict=True):
        out += particle(visible(out), pair) + rest
    return out


def format_map(template: str, values: Mapping[str, object]) -> str:
    """``template.format_map(values)`` with its particles chosen for the values."""
    return fill(template, lambda text: text.format_map(values))


class Text(str):
    """A translated text whose :meth:`format` chooses its particles for the values filled in.

    An assignment's check text is translated first and filled in after, by the check file:
    ``_("{name}을(를) 반환해야 합니다").format(name="x")``. Everything else is a plain ``str``.
    """

    __slots__ = ()

    def format(self, *args: object, **kwargs: object) -> str:
        return fill(str(self), lambda text: text.format(*args, **kwargs))

    def format_map(self, mapping: Any) -> str:
        return fill(str(self), lambda text: text.format_map(mapping))


# -- the last sound -----------------------------------------------------------------------------

_SKIPPED = " \t\r\n'\"`’”」』_.,;:!?…"
_CLOSING = {")": "(", "]": "[", "}": "{", ">": "<"}
_SYMBOLS = {"%": V}

LETTERS: dict[str, Sound] = {letter: V for letter in "abcdefghijkopqstuvwxyz"} | {"l": R, "r": R, "m": C, "n": C}
"""The Korean names of the letters: 엘 and 알 end in ㄹ, 엠 and 엔 in ㄴ/ㅁ, the rest in a vowel."""
DIGITS: dict[str, Sound] = dict(zip("0123456789", (C, R, V, C, V, V, C, R, R, V), strict=True))
"""영 일 이 삼 사 오 육 칠 팔 구."""
_UNITS = (C, C, C)  # 십, 백, 천
_MYRIADS = (C, C, V, C)  # 만, 억, 조, 경

EXTENSIONS: dict[str, Sound] = {
    "ipynb": V, "py": V, "txt": V, "csv": V, "md": V, "pdf": V, "png": V, "jpg": V, "gz": V, "npy": V,
    "npz": V, "keras": V, "pkl": R, "whl": R, "ckpt": V, "pb": V, "onnx": V, "tflite": V, "log": V,
    "tar": V, "zip": C, "json": C, "jpeg": C, "html": R, "toml": R, "yaml": R, "yml": R, "docx": V,
    "xlsx": V, "svg": V, "sh": V, "cfg": V, "ini": V,
}
"""File extensions after a name (``bob.ipynb``), as students say them: 아이파이엔비, 파이, 집, 제이슨."""
WORDS: dict[str, Sound] = {"type": C, "dtype": C, "hub": V, "exec": C}
"""Common words the ending rule gets wrong (타입, 허브, 이그젝, 그룹)."""


def final_sound(text: str) -> Sound | None:
    """The sound ``text`` ends in when read aloud in Korean; None when that cannot be told."""
    text = text.rstrip(_SKIPPED)
    if not text:
        return None
    last = text[-1]
    if last in _CLOSING:
        return _bracketed(text)
    if "가" <= last <= "힣":
        return _hangul(last)
    if "0" <= last <= "9":
        return _number(text)
    if last.isascii() and last.isalpha():
        return _latin(text)
    return _SYMBOLS.get(last)


def _hangul(syllable: str) -> Sound:
    final = (ord(syllable) - ord("가")) % 28  # the Unicode order: 19 initials x 21 vowels x 28 finals
    return V if final == 0 else R if final == 8 else C


def _bracketed(text: str) -> Sound | None:
    opening = _opening(text)
    if opening is None:
        return None
    before, content = text[:opening], text[opening + 1:-1]
    attached = final_sound(before) if before and not before[-1].isspace() else None
    # The Korean rule for a parenthesis: the particle follows the word before it (레이어(layer)는),
    # and so for code: f(x) and Dense(units=8) read f and Dense; (None, 3) alone reads 3.
    return attached if attached is not None or not content.strip() else final_sound(content)


def _opening(text: str) -> int | None:
    """Where the bracket that closes ``text`` opens; None when it is not opened."""
    close, depth = text[-1], 0
    for index in range(len(text) - 1, -1, -1):
        depth += (text[index] == close) - (text[index] == _CLOSING[close])
        if depth == 0:
            return index
    return None


def _number(text: str) -> Sound:
    digits = re.search(r"(?:\d{1,3}(?:,\d{3})+|\d+)$", text)
    assert digits is not None  # text ends in a digit
    run, start = digits.group().replace(",", ""), digits.start()
    if start >= 2 and text[start - 1] == "." and text[start - 2].isdigit():
        return DIGITS[run[-1]]  # after a decimal point, digit by digit
    if not run.strip("0"):
        return DIGITS["0"]
    zeros = len(run) - len(run.rstrip("0"))
    if zeros == 0:
        return DIGITS[run[-1]]
    if zeros % 4:
        return _UNITS[zeros % 4 - 1]
    return _MYRIADS[min(zeros // 4, len(_MYRIADS)) - 1]


def _latin(text: str) -> Sound:
    run = re.search(r"[A-Za-z]+$", text)
    assert run is not None  # text ends in a letter
    before = text[:run.start()]
    if len(before) >= 2 and before[-1] == "." and (before[-2].isalnum() or before[-2] in "_-"):
        extension = EXTENSIONS.get(run.group().lower())
        if extension is not None:
            return extension
    return _word(re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+", run.group())[-1])


def _word(word: str) -> Sound:
    lower = word.lower()
    if lower in WORDS:
        return WORDS[lower]
    has_vowel = bool(set(lower) & set("aeiouy"))
    if len(word) == 1 or not has_vowel or (word.isupper() and len(word) < 4):
        return LETTERS[lower[-1]]  # said letter by letter
    return _english(lower)


_CLOSED = re.compile(r"(?:(?<![aeiou])[aeiou](?:[pbtk])|ck|oo[k]|ou[tp]|ee[p])$")
"""A stop after a short vowel, spelled with a final consonant in Korean: 맵, 밥, 셋, 스택, 북, 아웃풋, 딥."""


def _english(word: str) -> Sound:
    if word.endswith("ng"):
        return C
    if word.endswith(("l", "le")):
        return R
    if word.endswith(("m", "n", "me", "ne", "ic")) or word.endswith("type") or _CLOSED.search(word):
        return C
    return V
