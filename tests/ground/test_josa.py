"""Korean particles after a value are chosen by the value's last sound (issue 21, item 6).

The picker itself is a table of cases (Hangul, numbers, English in code, brackets, symbols); then
the places values are filled in: every Korean message of the tool's catalog with values of every
ending, the HTML renderer, and an assignment's own check text filled in by ``str.format``.
"""

from __future__ import annotations

import contextvars
import json
import re
import string
from pathlib import Path

import pytest
from markupsafe import Markup

from autograder import i18n, josa, messages
from autograder.josa import Sound
from autograder.reports import pages

V, R, C = Sound.VOWEL, Sound.RIEUL, Sound.CONSONANT
COMBINED = ("이(가)", "가(이)", "을(를)", "를(을)", "은(는)", "는(은)", "과(와)", "와(과)", "(으)로", "(이)")

# -- the last sound ---------------------------------------------------------------------------------

SOUNDS = {
    # Hangul: the syllable's own final consonant
    "레이어": V, "모델": R, "파일": R, "값": C, "셀": R, "텐서": V, "입력": C, "노트북": C,
    # numbers, read in Sino-Korean: 영 일 이 삼 사 오 육 칠 팔 구, then 십 백 천 만 억 조
    "0": C, "1": R, "2": V, "3": C, "4": V, "5": V, "6": C, "7": R, "8": R, "9": V,
    "10": C, "20": C, "11": R, "100": C, "110": C, "1000": C, "10000": C, "100000": C, "100000000": C,
    "1000000000000": V, "1,000": C, "007": R, "셀 7": R, "q1": R, "layer2": V,
    "2.5": V, "0.1": R, "2.50": C, "1e-05": V,
    # letters said by name: a single letter, short capitals, words without a vowel
    "x": V, "W": V, "b": V, "L": R, "r": R, "M": C, "n": C,
    "GPU": V, "API": V, "LSTM": C, "HTML": R, "RNN": C, "tf": V, "np": V, "sgd": V, "lstm": C,
    # English words in Korean spelling, by their ending
    "layer": V, "tensor": V, "model": R, "Scale": R, "cell": R, "tuple": R, "string": C, "padding": C,
    "Adam": C, "train": C, "None": C, "name": C, "line": C, "metric": C, "stack": C, "map": C, "zip": C,
    "bob": C, "input": C, "output": C, "dataset": C, "fit": C, "list": V, "dict": V, "float": V,
    "config": V, "Dense": V, "True": V, "False": V, "numpy": V, "keras": V, "build": V, "type": C,
    "dtype": C, "NAME": C, "CIFAR": V, "TRAIN": C, "group": C, "book": C, "sleep": C, "seek": V, "hub": V,
    # identifiers: the last word
    "build_model": R, "x_train": C, "get_config": V, "tf.keras.layers.Dense": V, "GRUCell": R,
    "MyLayer": V, "ReLU": V, "conv2d": V, "Conv2D": V, "MAX_LEN": C, "__init__": C, "model.fit": C,
    "ValueError": V, "ZeroDivisionError": V,
    # file names: the extension as students say it
    "bob.ipynb": V, "notebook.py": V, "data.zip": C, "config.json": C, "pyproject.toml": R,
    "page.html": R, "model.keras": V, "weights.h5": V, "photo.jpeg": C, "hw1-release.zip": C,
    # quotes, backticks, punctuation and brackets
    "`name`": C, "'layer'": V, "\"모델\"": R, "`build_model()`": R, "f()": V, "(None, 3)": C,
    "[1, 2]": V, "Dense(units=8)": V, "draw_model('a.png')": R, "x[0]": V, "shape (None, 3)": C,
    "레이어(layer)": V, "값(value)": C, "{'Dense': 2}": V,
    "<lambda>": V, "끝.": C, "마지막!": C, "x ": V, "50%": V,
}


@pytest.mark.parametrize(("text", "sound"), SOUNDS.items())
def test_the_last_sound_is_read_as_a_korean_student_reads_it(text: str, sound: Sound) -> None:
    assert josa.final_sound(text) is sound


@pytest.mark.parametrize("text", ["", "   ", "★", "→", "x +", "a)", "東京", "ㄱ", "...", "``"])
def test_a_sound_that_cannot_be_told_is_none(text: str) -> None:
    assert josa.final_sound(text) is None


PARTICLES = [
    ("이(가)", "이", "가", "이"), ("가(이)", "이", "가", "이"),
    ("을(를)", "을", "를", "을"), ("를(을)", "을", "를", "을"),
    ("은(는)", "은", "는", "은"), ("는(은)", "은", "는", "은"),
    ("과(와)", "과", "와", "과"), ("와(과)", "과", "와", "과"),
    ("아(야)", "아", "야", "아"), ("이나(나)", "이나", "나", "이나"), ("이랑(랑)", "이랑", "랑", "이랑"),
    ("으로(로)", "으로", "로", "로"), ("(으)로", "으로", "로", "로"), ("(이)나", "이나", "나", "이나"),
    ("(이)라는", "이라는", "라는", "이라는"),
]


@pytest.mark.parametrize(("pair", "consonant", "vowel", "rieul"), PARTICLES)
def test_each_pair_has_its_consonant_vowel_and_rieul_form(pair: str, consonant: str, vowel: str, rieul: str) -> None:
    assert josa.particle("값", pair) == consonant
    assert josa.particle("레이어", pair) == vowel
    assert josa.particle("파일", pair) == rieul
    assert josa.particle("★", pair) == pair  # unknown: both ways, as written


@pytest.mark.parametrize(("template", "value", "expected"), [
    ("{v}(으)로 바꾸었습니다", "3", "3으로 바꾸었습니다"),
    ("{v}(으)로 바꾸었습니다", "7", "7로 바꾸었습니다"),  # ㄹ takes 로
    ("{v}(으)로 바꾸었습니다", "2", "2로 바꾸었습니다"),
    ("{v}(으)로서", "모델", "모델로서"),
    ("{v}(이)나 {v}(이)라는", "값", "값이나 값이라는"),
    ("{v}(이)나 {v}(이)라는", "x", "x나 x라는"),
    ("{v}(이)나", "★", "★(이)나"),
    ("`{v}`을(를) 정의하세요", "Scale", "`Scale`을 정의하세요"),
    ("{v}()은(는) 모델을", "build_model", "build_model()은 모델을"),
    ("{v}이(가) {w}을(를)", "7", "7이 x를"),
])
def test_fill_chooses_each_particle_for_the_text_before_it(template: str, value: str, expected: str) -> None:
    assert josa.format_map(template, {"v": value, "w": "x"}) == expected


def test_a_value_holding_the_private_mark_leaves_every_pair_as_written() -> None:
    # The marks that stand for particles while values are filled in cannot be forged by a value.
    assert josa.format_map("{a}이(가) {b}을(를)", {"a": "값\ue000", "b": "x"}) == "값\ue000이(가) x을(를)"


def test_text_formats_like_str_format_with_positions_specs_and_braces() -> None:
    text = josa.Text("{0}이(가) {1}을(를) {n:.1f}(으)로 {{x}}이(가) {0!r}은(는)")
    assert text.format("모델", "x", n=3.0) == "모델이 x를 3.0으로 {x}가 '모델'은"
    assert josa.Text("{}이(가) {}와(과)").format("값", "7") == "값이 7과"  # automatic numbering
    assert josa.Text("{a}을(를)").format_map({"a": "셀"}) == "셀을"
    assert isinstance(text, str) and text == "{0}이(가) {1}을(를) {n:.1f}(으)로 {{x}}이(가) {0!r}은(는)"
    assert json.dumps({"m": josa.Text("값")}, ensure_ascii=False) == '{"m": "값"}'
    assert josa.Text("{n} points").format(n=2) == "2 points"  # English: plain str.format


# -- where values are filled in ---------------------------------------------------------------------

SAMPLES = ("레이어", "모델", "값", "7", "3", "2", "bob.ipynb", "Scale", "`x`", "build_model()")
"""Values of every ending: a vowel, ㄹ, another consonant, in Hangul, digits, Latin and code."""
NUMBERS = {"레이어": 2, "모델": 7, "값": 3, "7": 7, "3": 3, "2": 2, "bob.ipynb": 2, "Scale": 1, "`x`": 2,
           "build_model()": 8}
"""A number with the same last sound, for placeholders that format one (``{seconds:g}``)."""
KOREAN = {name: m for name, m in messages.catalog().items() if m.placeholders}


def korean_template(message: messages.Message) -> str:
    with i18n.using("ko"):
        return messages.template(message, {p: 1 for p in message.placeholders | {"count"}} if message.plural
                                 else {p: 1 for p in message.placeholders})


def fill_every_placeholder(message: messages.Message, sample: str) -> dict[str, object]:
    specs = {field: spec for text in (message.text, message.plural or "", korean_template(message))
             for _, field, spec, _ in string.Formatter().parse(text) if field}
    values: dict[str, object] = {name: NUMBERS[sample] if spec else sample for name, spec in specs.items()}
    if message.plural is not None:
        values["count"] = NUMBERS[sample]
    return values


def test_the_korean_catalog_writes_particles_after_placeholders_both_ways() -> None:
    # What the rendering test below resolves; guards against a catalog that uses none.
    assert sum(any(p in korean_template(m) for p in COMBINED) for m in KOREAN.values()) >= 40


@pytest.mark.parametrize("sample", SAMPLES)
def test_every_korean_message_chooses_its_particles_for_the_values(sample: str) -> None:
    left = []
    for name, message in KOREAN.items():
        values = fill_every_placeholder(message, sample)
        with i18n.using("ko"):
            text = message.format(**values)
            html = str(pages.render_message(message, **values))
        left += [f"{name}: {out}" for out in (text, html) if any(p in out for p in COMBINED)]
        for placeholder, pair in re.findall(r"\{(\w+)\}(" + "|".join(map(re.escape, COMBINED)) + ")",
                                            korean_template(message)):
            shown = str(values[placeholder])
            assert shown + josa.particle(shown, pair) in text, (name, text)
    assert left == []


def test_particles_in_html_read_the_text_not_the_tags() -> None:
    message = next(m for m in KOREAN.values() if "{notebook}" in korean_template(m)
                   and "{notebook}을(를)" in korean_template(m))
    with i18n.using("ko"):
        html = pages.render_message(message, notebook=Markup("<code>bob.ipynb</code>"))
        escaped = pages.render_message(message, notebook="<★>")
    assert "<code>bob.ipynb</code>를" in html
    assert "&lt;★&gt;을(를)" in escaped  # the escaped text is read as the student sees it: <★>, unknown


def test_an_assignments_check_text_chooses_its_particles_when_the_check_fills_it_in(tmp_path: Path) -> None:
    po = tmp_path / "locale" / "ko" / "LC_MESSAGES" / "assignment.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                  'msgid "{name} should return {n} values"\nmsgstr "{name}은(는) 값 {n}개를 반환해야 합니다"\n',
                  encoding="utf-8")

    def in_check_process() -> list[str]:
        from autograder.checks import _

        i18n.set_language("ko")
        i18n.set_assignment(tmp_path)
        text = _("{name} should return {n} values")
        return [text.format(name="build_model", n=2), text.format(name="layer", n=3), text]

    model, layer, text = contextvars.copy_context().run(in_check_process)
    assert (model, layer) == ("build_model은 값 2개를 반환해야 합니다", "layer는 값 3개를 반환해야 합니다")
    assert text == "{name}은(는) 값 {n}개를 반환해야 합니다" and isinstance(text, str)
    assert i18n.assignment_text(tmp_path, "not translated {x}", "ko").format(x=1) == "not translated 1"


# -- Korean gradings for real: tests/assignments/test_korean_*.py read their feedback with this ---------


def combined_after_a_known_sound(text: str) -> list[str]:
    """Each particle left both ways although the text before it has a sound that can be told."""
    found = re.finditer("|".join(map(re.escape, COMBINED)), text)
    return [text[max(0, m.start() - 30):m.end()] for m in found if josa.final_sound(text[:m.start()]) is not None]
