"""Han/pinyin-aware name normalisation and an explaining name matcher (姓名比对).

``prepare()`` normalises a name once (NFKC, traditional → simplified, case and diacritics folded,
titles and legal forms removed, Han romanised in Hanyu Pinyin, Wade-Giles and Cantonese) and
derives blocking keys; ``compare()`` scores two prepared names in microseconds and explains the
score: which tokens matched, through which romanisation, by which rule.

Latin spellings of one Chinese or Korean name in different romanisations (Wade-Giles, Tongyong,
MPS II, Cantonese, pinyin; Revised Romanization, McCune-Reischauer, Hangul) are linked through
syllable keys (``_romanise``): Ma Hsiao-hung, Ma Xiaohong and Ma Siu-hung meet without Han
characters, each step named ("Wade-Giles hsiao ↔ Hanyu Pinyin xiao"). Uyghur names meet their
Chinese transcription by consonants (``_uyghur``: Memet / Maimaiti / 买买提, 阿不都·哈克 / ABDUL
HAQ).

Principles: traditional and simplified forms of the same characters are the same name; different
characters are different names even when they sound alike (张伟 ≠ 张玮); a Han ↔ Latin match is
capped at 0.85 and marked ``cross_script`` (the screening layer adds corroboration); agreeing on a
common surname alone is not a match.
"""

from finbrain.identity.names._core import (
    CROSS_SCRIPT_CAP,
    MAX_LENGTH,
    InvalidNameError,
    NameMatch,
    PreparedName,
    compare,
    match,
    prepare,
)

__all__ = [
    "CROSS_SCRIPT_CAP",
    "MAX_LENGTH",
    "InvalidNameError",
    "NameMatch",
    "PreparedName",
    "compare",
    "match",
    "prepare",
]
