"""Label and number normalisation, and matching printed cell text to template labels.

Real reports print the template labels with many small differences (REPORT_FORMAT.md §5):
full/half-width punctuation and digits, whitespace and ``<br>`` inside words, “”/""/no quotes,
``1、`` vs ``1.``, local fill-in notes in parentheses, traditional characters on mirrors.
``norm`` maps all of them to one comparable form; ``core`` also drops parenthetical notes and
the leading enumerator, which is what matching compares. Numbers in cells are read by
``read_number`` (full-width digits, thousands separators, units, signed 增/减 values).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from ogi.model import READ_BLANK, READ_DASH, READ_NUMBER, READ_SIGNED, READ_TEXT, READ_WITH_UNIT

# traditional -> simplified, only for characters that occur in template labels, section headings,
# dates and organ names (mirrors republish reports in traditional script, §5.5)
_T2S = str.maketrans(
    "開請數據結轉辦處屬國規穩護權類內務過執詢項無關沒現製補確訪舉報訴複覆應為計繼續機構會組織業議維糾審經條範"
    "發廢許罰強費額單萬對總減採購標準體況動問題進實驗區門縣鎮鄉廳員華與於職書後導說讀網統間時佈號傳認獲繳納決"
    "觸產團參證據頁編際並們執會階層這個處來單違經濟稅務財場監衛環檢驗質勞資幣據級屬歲濟園區黨紀",
    "开请数据结转办处属国规稳护权类内务过执询项无关没现制补确访举报诉复复应为计继续机构会组织业议维纠审经条范"
    "发废许罚强费额单万对总减采购标准体况动问题进实验区门县镇乡厅员华与于职书后导说读网统间时布号传认获缴纳决"
    "触产团参证据页编际并们执会阶层这个处来单违经济税务财场监卫环检验质劳资币据级属岁济园区党纪",
)
_QUOTES = dict.fromkeys(map(ord, "“”‘’\"'「」『』〝〞＂"), None)
_WS = re.compile(r"\s+")
# after NFKC: "1、" / "1．" / "1," -> "1." at the start of a label
_NUM_ENUM = re.compile(r"^(\d{1,2})[、.,，]")
_LEADING_ENUM = re.compile(r"^(?:\d{1,2}\.|[一二三四五六七八九十]{1,2}、|\([一二三四五六七八九十]{1,2}\))")
_PAREN = re.compile(r"\([^()]*\)")
_CN_DIGITS = {ch: i for i, ch in enumerate("〇一二三四五六七八九")} | {"○": 0, "零": 0}


@lru_cache(maxsize=8192)
def norm(text: str) -> str:
    """Comparable form: NFKC (full→half width), no whitespace, no quotes, simplified, ``1、``→``1.``."""
    s = unicodedata.normalize("NFKC", text).translate(_T2S).translate(_QUOTES)
    s = _WS.sub("", s).replace("【", "[").replace("】", "]").replace("〔", "[").replace("〕", "]")
    s = unicodedata.normalize("NFKC", s)  # marks that whitespace or quotes kept apart meet now
    return _NUM_ENUM.sub(r"\1.", s)


def strip_notes(s: str) -> str:
    """Drop parenthetical notes from a normalised label, keeping a leading "(一)" enumerator.

    An unclosed trailing "(…" (a note cut off by the page or the cell) is dropped too.
    """
    head = ""
    m = re.match(r"^\([一二三四五六七八九十]{1,2}\)", s)
    if m:
        head, s = m.group(0), s[m.end() :]
    prev = None
    while prev != s:
        prev, s = s, _PAREN.sub("", s)
    cut = s.find("(")
    if cut > 0:
        s = s[:cut]
    return head + s.replace(")", "")


@lru_cache(maxsize=8192)
def core(text: str) -> str:
    """What label matching compares: normalised, notes removed, leading enumerator removed."""
    return _LEADING_ENUM.sub("", strip_notes(norm(text)))


def enumerator(text: str) -> str | None:
    """The leading enumerator of a label ("1.", "一、", "(三)") in normalised form, if any."""
    m = _LEADING_ENUM.match(norm(text))
    return m.group(0) if m else None


def match_score(cell_core: str, label_core: str) -> int:
    """3 exact, 2 prefix, 1 containment, 0 none. Short labels (≤2 chars, e.g. 其他/总计) match exactly only."""
    if not cell_core or not label_core:
        return 0
    if cell_core == label_core:
        return 3
    if len(label_core) <= 2:
        return 0
    if cell_core.startswith(label_core) or (len(cell_core) >= 6 and label_core.startswith(cell_core)):
        return 2
    if label_core in cell_core and len(cell_core) <= 2 * len(label_core) + 12:
        return 1
    return 0


def best_match(text: str, candidates: dict[str, tuple[str, ...]]) -> str | None:
    """Key of the candidate whose labels best match ``text`` (score, then label length); None if none."""
    c = core(text)
    if not c or len(c) > 200:
        return None
    best: tuple[int, int, str] | None = None
    for key, labels in candidates.items():
        for lab in labels:
            lc = core(lab)
            s = match_score(c, lc)
            if s and (best is None or (s, len(lc)) > best[:2]):
                best = (s, len(lc), key)
    return best[2] if best else None


#: a month or day in Chinese numerals: 一…九, 十, 十一…十九, 二十…三十一 (never 十十)
_CN_SMALL = "[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九]"


def cn_numerals_to_digits(text: str) -> str:
    """Rewrite dates written in Chinese numerals (二〇二一年一月二十日) with Arabic digits."""
    if not any(ch in text for ch in "〇○零"):
        return text

    def small(s: str | None) -> str:
        if not s:
            return ""
        tens, _, ones = s.rpartition("十")
        if "十" not in s:
            return str(_CN_DIGITS[s])
        return str((_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0))

    def date(m: re.Match) -> str:
        y = "".join(str(_CN_DIGITS[ch]) for ch in m.group(1)) + "年"
        if m.group(2):
            y += small(m.group(2)) + "月"
            if m.group(3):
                y += small(m.group(3)) + "日"
        return y

    return re.sub(
        rf"([〇○零一二三四五六七八九]{{4}})年(?:({_CN_SMALL})月(?:({_CN_SMALL})日)?)?",
        date,
        text,
    )


# ---------------------------------------------------------------------------- numbers


@dataclass(frozen=True)
class Reading:
    """How one cell's text reads as a value."""

    value: int | float | None
    read_as: str
    unit: str | None = None


_DASHES = {"-", "--", "—", "——", "–", "/", "\\", "无", "null", "N/A", "n/a", "NA", "－", "―", "…", "×"}
_UNITS = "万元|元|件|条|个|项|次|人次|人|家|篇|份"
_NUMBER = re.compile(rf"^([+-]?)(\d+(?:\.\d+)?)(?:({_UNITS})|\(({_UNITS})\))?$")  # 5 / 5件 / 5(件)
_SIGNED_WORD = re.compile(r"^(增加?|减少?)(\d+(?:\.\d+)?)(件|条|个|项)?$")


@lru_cache(maxsize=4096)
def read_number(text: str) -> Reading:
    """Read a cell: blank → None, dash/无 → None, '1,234' / '１２' / '251000元' / '-3' / '减3' → numbers."""
    s = unicodedata.normalize("NFKC", text).replace("\u2212", "-").replace("\u2014", "—")
    s = _WS.sub("", s)
    if not s:
        return Reading(None, READ_BLANK)
    if s in _DASHES or s == "..." or set(s) <= set("-—–/\\"):  # "…" reads "..." after NFKC
        return Reading(None, READ_DASH)
    t = re.sub(r"(?<=\d),(?=\d{3}(?:\D|$))", "", s)  # thousands separators
    m = _NUMBER.match(t)
    if m:
        sign, digits, unit, bracketed = m.groups()
        unit = unit or bracketed
        v: int | float = float(digits) if "." in digits else int(digits)
        if sign == "-":
            v = -v
        if unit:
            return Reading(v, READ_WITH_UNIT, unit)
        return Reading(v, READ_SIGNED if sign else READ_NUMBER)
    m = _SIGNED_WORD.match(t)
    if m:
        v = float(m.group(2)) if "." in m.group(2) else int(m.group(2))
        return Reading(-v if m.group(1).startswith("减") else v, READ_SIGNED)
    return Reading(None, READ_TEXT)


def is_value(text: str) -> bool:
    """True when a cell reads as a value (number, blank or dash), False for a label."""
    return read_number(text).read_as != READ_TEXT
