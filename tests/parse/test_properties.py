"""Property-based tests (hypothesis) of the number and label normalisers (issue 13).

Properties: ``read_number`` never raises and reads back any printed integer or decimal (thousands
separators, full-width digits, units, signs, 增/减); ``norm`` is idempotent and blind to whitespace,
``core`` depends only on the normalised text; ``cn_numerals_to_digits`` rewrites every valid date
(of a year with a 〇, as every report year since 2000 has) and never raises. Findings that are
bugs these properties found in ``labels`` are fixed and kept as regression tests. The bounded fuzz is in ``test_fuzz.py``.
"""

from __future__ import annotations

import pytest

hypothesis = pytest.importorskip("hypothesis")

import tempfile

from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from ogi.model import READ_BLANK, READ_DASH, READ_NUMBER, READ_SIGNED, READ_TEXT, READ_WITH_UNIT
from ogi.parse import labels as L

READS = {READ_BLANK, READ_DASH, READ_NUMBER, READ_SIGNED, READ_TEXT, READ_WITH_UNIT}
FULL = str.maketrans("0123456789,.-", "０１２３４５６７８９，．－")
UNITS = ["件", "条", "个", "项", "元", "万元", "人次", "(件)", "（件）", "（万元）"]
SPACE = st.sampled_from(["", " ", "\u3000", "\xa0", "\t", "\n"])
# what report labels are made of: CJK, ASCII, full-width forms, CJK and general punctuation, spaces
LABEL_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
        st.characters(min_codepoint=0x20, max_codepoint=0x7E),
        st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E),
        st.characters(min_codepoint=0x3000, max_codepoint=0x3029),  # CJK punctuation, without the
        st.characters(min_codepoint=0x3030, max_codepoint=0x303F),  # combining tone marks 302A-302F
        st.sampled_from("“”‘’「」『』【】〔〕（）、，。：；\n\t\xa0開請數據結轉辦處屬國規"),
    ),
    max_size=60,
)
PROPS = settings(max_examples=300, deadline=None, database=None)
set_hypothesis_home_dir(tempfile.mkdtemp(prefix="ogi-hypothesis-"))  # nothing written into the repository


@PROPS
@given(st.text())
def test_read_number_never_raises(s):
    r = L.read_number(s)
    assert r.read_as in READS
    assert (r.value is None) == (r.read_as in (READ_BLANK, READ_DASH, READ_TEXT))
    assert L.is_value(s) == (r.read_as != READ_TEXT)


@PROPS
@given(
    n=st.integers(0, 10**15),
    thousands=st.booleans(),
    full_width=st.booleans(),
    unit=st.sampled_from([None, *UNITS]),
    before=SPACE,
    after=SPACE,
)
def test_printed_integer_reads_back(n, thousands, full_width, unit, before, after):
    s = f"{n:,}" if thousands else str(n)
    s += unit or ""
    if full_width:
        s = s.translate(FULL)
    r = L.read_number(before + s + after)
    assert r.value == n and isinstance(r.value, int)
    assert r.read_as == (READ_WITH_UNIT if unit else READ_NUMBER)
    if unit:
        assert r.unit == unit.strip("()（）")


@PROPS
@given(n=st.integers(1, 10**9), word=st.sampled_from(["-", "−", "－", "减", "减少", "增", "增加", "+"]))
def test_signed_values_read_back(n, word):
    r = L.read_number(f"{word}{n}")
    expected = -n if word in ("-", "−", "－", "减", "减少") else n
    assert (r.value, r.read_as) == (expected, READ_SIGNED)


@PROPS
@given(whole=st.integers(0, 10**9), frac=st.integers(0, 99), unit=st.sampled_from(["", "万元", "元"]))
def test_printed_decimal_reads_back(whole, frac, unit):
    s = f"{whole}.{frac:02d}{unit}"
    assert L.read_number(s).value == float(f"{whole}.{frac:02d}")


@PROPS
@given(st.sampled_from(sorted(L._DASHES - {"…"})), SPACE)
def test_dashes_are_blank_values(dash, pad):
    r = L.read_number(pad + dash + pad)
    assert r.value is None and r.read_as == READ_DASH


def test_ellipsis_is_a_dash():
    assert L.read_number("…").read_as == READ_DASH


@PROPS
@given(st.text())
def test_norm_and_core_never_raise(s):
    n, c = L.norm(s), L.core(s)
    assert not any(ch.isspace() for ch in n) and not any(ch.isspace() for ch in c)
    L.enumerator(s)
    L.best_match(s, {"a": ("本年新收政府信息公开申请数量",), "b": ("其他",)})


@PROPS
@given(LABEL_TEXT)
def test_norm_is_idempotent(s):
    assert L.norm(L.norm(s)) == L.norm(s)


@pytest.mark.parametrize("s", ["e \u0301", '〫"〪'])
def test_norm_is_idempotent_with_combining_marks(s):
    assert L.norm(L.norm(s)) == L.norm(s)


@PROPS
@given(LABEL_TEXT, st.data())
def test_norm_ignores_whitespace_inside_labels(s, data):
    spaced = "".join(ch + data.draw(SPACE) for ch in s)
    assert L.norm(spaced) == L.norm(s)


@PROPS
@given(LABEL_TEXT)
def test_core_depends_only_on_the_normalised_text(s):
    assert L.core(L.norm(s)) == L.core(s)


_CN = "〇一二三四五六七八九"


def _cn_small(n: int) -> str:
    tens, ones = divmod(n, 10)
    return (("" if tens == 1 else _CN[tens]) + "十" if tens else "") + (_CN[ones] if ones else "")


@PROPS
@given(y=st.integers(2000, 2099), m=st.integers(1, 12), d=st.integers(1, 31), zero=st.sampled_from("〇○零"))
def test_chinese_numeral_dates_read_as_digits(y, m, d, zero):
    cn = "".join(_CN[int(ch)] for ch in str(y)).replace("〇", zero)
    assert (
        L.cn_numerals_to_digits(f"发布于{cn}年{_cn_small(m)}月{_cn_small(d)}日。")
        == f"发布于{y}年{m}月{d}日。"
    )


@PROPS
@given(st.text(alphabet="〇○零一二三四五六七八九十年月日 2", max_size=20))
@example("二〇二一年十十月")
def test_cn_numerals_to_digits_never_raises(s):
    L.cn_numerals_to_digits(s)
