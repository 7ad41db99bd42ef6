"""Text normalisation at the reader boundary: once, for every reader (PDF, DOCX, HTML, text).

PDFs made from CJK fonts (Chromium/Skia exports above all) often carry *radical* code points in
their text layer where the font shares one glyph between a radical and the ideograph: ``⼈⺠`` for
人民, ``⾏`` for 行, ``⻔`` for 门. They look right on paper but match nothing. Two blocks are involved:

* Kangxi Radicals (U+2F00–U+2FDF) and CJK Compatibility Ideographs (U+F900–U+FAFF, U+2F800–U+2FA1F):
  Unicode gives each a compatibility (NFKC) mapping to its unified ideograph; where that is a
  traditional form that simplified-Chinese fonts draw as the simplified one (⼾ → 戶, printed as 户),
  the simplified character is taken;
* CJK Radicals Supplement (U+2E80–U+2EFF): NFKC maps only two of them, so the simplified and
  variant forms that are characters in their own right (⺠ 民, ⻔ 门, ⻢ 马 …) come from an explicit map.

Only these code points are rewritten. Full NFKC of the whole text would also rewrite printed
punctuation and digits (（ → (, ５ → 5, ㎡ → m2), but titles, organ names and local labels are kept
as printed; label matching applies its own width folding (``labels.norm``).
"""

from __future__ import annotations

import unicodedata

from ogi.parse.grid import Document

#: CJK Radicals Supplement code points that stand for a whole character (NFKC maps only ⺟ and ⻳)
RADICALS_SUPPLEMENT: dict[str, str] = {
    "⺁": "厂", "⺅": "亻", "⺆": "冂", "⺇": "几", "⺉": "刂", "⺊": "卜", "⺋": "㔾", "⺌": "小",
    "⺎": "兀", "⺏": "尣", "⺐": "尢", "⺒": "巳", "⺓": "幺", "⺔": "彑", "⺖": "忄", "⺗": "㣺",
    "⺘": "扌", "⺙": "攵", "⺛": "旡", "⺜": "日", "⺝": "月", "⺞": "歺", "⺟": "母", "⺠": "民",
    "⺡": "氵", "⺢": "氺", "⺣": "灬", "⺤": "爫", "⺥": "爫", "⺦": "丬", "⺧": "牜", "⺨": "犭",
    "⺩": "王", "⺪": "疋", "⺫": "罒", "⺬": "示", "⺭": "礻", "⺮": "竹", "⺯": "糸", "⺰": "纟",
    "⺱": "网", "⺲": "罒", "⺳": "㓁", "⺴": "罓", "⺵": "网", "⺶": "羊", "⺷": "羊", "⺹": "耂",
    "⺺": "肀", "⺻": "聿", "⺼": "月", "⺽": "臼", "⺾": "艹", "⺿": "艹", "⻀": "艹", "⻁": "虎",
    "⻂": "衤", "⻃": "覀", "⻄": "西", "⻅": "见", "⻆": "角", "⻇": "角", "⻈": "讠", "⻉": "贝",
    "⻋": "车", "⻌": "辶", "⻍": "辶", "⻎": "辶", "⻏": "阝", "⻐": "钅", "⻑": "長", "⻒": "镸",
    "⻓": "长", "⻔": "门", "⻕": "阜", "⻖": "阝", "⻗": "雨", "⻘": "青", "⻙": "韦", "⻚": "页",
    "⻛": "风", "⻜": "飞", "⻝": "食", "⻟": "飠", "⻠": "饣", "⻡": "首", "⻢": "马", "⻣": "骨",
    "⻤": "鬼", "⻥": "鱼", "⻦": "鸟", "⻧": "卤", "⻨": "麦", "⻩": "黄", "⻪": "黾", "⻫": "斉",
    "⻬": "齐", "⻭": "歯", "⻮": "齿", "⻯": "竜", "⻰": "龙", "⻱": "龜", "⻲": "亀", "⻳": "龟",
}  # fmt: skip

#: Kangxi radicals whose NFKC form is a traditional character but which simplified-Chinese fonts draw
#: as the simplified one (their glyph is shared with it: Skia prints ⼾ for 户, ⾨ for 门); the reports
#: are in simplified Chinese
KANGXI_SIMPLIFIED: dict[str, str] = {
    "⼾": "户", "⾒": "见", "⾙": "贝", "⾞": "车", "⾧": "长", "⾨": "门", "⾱": "韦", "⾴": "页", "⾵": "风",
    "⾶": "飞", "⾺": "马", "⿂": "鱼", "⿃": "鸟", "⿄": "卤", "⿆": "麦", "⿈": "黄", "⿌": "黾", "⿑": "齐",
    "⿒": "齿", "⿓": "龙", "⿔": "龟",
}  # fmt: skip

_NFKC_RANGES = ((0x2F00, 0x2FDF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F))


def _table() -> dict[int, str]:
    out: dict[int, str] = {ord(k): v for k, v in RADICALS_SUPPLEMENT.items()}
    for lo, hi in _NFKC_RANGES:
        for cp in range(lo, hi + 1):
            mapped = unicodedata.normalize("NFKC", chr(cp))
            if mapped != chr(cp):
                out[cp] = mapped
    out.update({ord(k): v for k, v in KANGXI_SIMPLIFIED.items()})
    return out


_TABLE = _table()
_FIRST = min(_TABLE)


def normalise_text(text: str) -> str:
    """``text`` with radical and compatibility-ideograph code points replaced by unified ideographs."""
    if not text or max(text) < chr(_FIRST):  # the common case: nothing to do
        return text
    return text.translate(_TABLE)


def normalise_document(doc: Document) -> Document:
    """Normalise a reader's output in place (text, every cell, string meta) and return it."""
    doc.text = normalise_text(doc.text)
    for t in doc.tables:
        for row in t.rows:
            for c in row:
                c.text = normalise_text(c.text)
    for k, v in doc.meta.items():
        if isinstance(v, str):
            doc.meta[k] = normalise_text(v)
    return doc
