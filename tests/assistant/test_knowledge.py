"""The FAQ knowledge base: incremental edits, hybrid search with a re-ranker, answers only with
evidence; and the BM25 index under it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError as PydanticValidationError

from finbrain.assistant import FaqEntry, KnowledgeBase, load_demo_faq
from finbrain.assistant.bm25 import BM25Index, terms
from finbrain.core.decision import BilingualText
from finbrain.core.errors import NotFoundError


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase(load_demo_faq(), encoders=None)


def entry(entry_id: str, *questions: str) -> FaqEntry:
    return FaqEntry(
        id=entry_id, questions=questions, answer=BilingualText(zh="答" + entry_id, en=entry_id)
    )


def test_the_demo_faq_is_bilingual_and_valid() -> None:
    entries = load_demo_faq()
    assert len(entries) >= 20 and len({e.id for e in entries}) == len(entries)
    for e in entries:
        assert e.answer.zh and e.answer.en
        assert any("\u4e00" <= ch <= "\u9fff" for q in e.questions for ch in q)
        assert any(q.isascii() for q in e.questions)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("信用卡年费怎么收", "annual-fee"),
        ("年费要交多少", "annual-fee"),
        ("how long does a transfer take", "transfer-time"),
        ("转账要多久才到", "transfer-time"),
        ("can I use google pay", "apple-pay"),
    ],
)
def test_search_finds_the_entry(kb: KnowledgeBase, query: str, expected: str) -> None:
    hits = kb.search(query, k=3)
    assert hits[0].entry.id == expected
    assert len({h.entry.id for h in hits}) == len(hits) and 0 <= hits[0].probability <= 1
    assert kb.answer(query) is not None


@pytest.mark.parametrize("query", ["asdkjh qwe", "😀😀", "嗯嗯", "yes", "", None, "x" * 10_000])
def test_nothing_in_common_is_never_answered(kb: KnowledgeBase, query: object) -> None:
    assert kb.answer(query) is None


def test_an_intent_links_an_entry_when_search_is_unsure(kb: KnowledgeBase) -> None:
    hit = kb.answer("zzz", intent="card_delivery_estimate")
    assert hit is not None and hit.entry.id == "card-arrival" and hit.via == "intent"


def test_add_update_remove_take_effect_at_the_next_search() -> None:
    base = KnowledgeBase(
        [
            entry("a", "怎么开通手机银行", "手机银行如何开通"),
            entry("b", "网点几点关门", "营业到几点"),
        ],
        encoders=None,
    )
    assert base.search("手机银行怎样开通")[0].entry.id == "a"
    base.add(entry("c", "理财产品怎么买", "如何购买理财"))
    assert base.search("理财怎么购买")[0].entry.id == "c" and len(base) == 3
    base.update(entry("c", "基金怎么定投", "定投基金的方法"))
    assert base.get("c").questions[0] == "基金怎么定投"
    assert base.search("基金定投怎么弄")[0].entry.id == "c"
    base.remove("c")
    assert "c" not in base and all(h.entry.id != "c" for h in base.search("基金定投"))
    with pytest.raises(NotFoundError):
        base.remove("c")


def test_an_empty_base_answers_nothing() -> None:
    assert KnowledgeBase(encoders=None).search("年费") == []


@pytest.mark.parametrize(
    "bad",
    [
        {"id": "", "questions": ["q"], "answer": {"zh": "a", "en": "a"}},
        {"id": "x", "questions": [], "answer": {"zh": "a", "en": "a"}},
        {"id": "x", "questions": ["  "], "answer": {"zh": "a", "en": "a"}},
        {"id": "x", "questions": ["q"], "answer": {"zh": "a"}},
        {"id": "has space", "questions": ["q"], "answer": {"zh": "a", "en": "a"}},
        {"id": "x", "questions": ["q" * 501], "answer": {"zh": "a", "en": "a"}},
    ],
)
def test_a_bad_entry_is_refused(bad: dict) -> None:
    with pytest.raises(PydanticValidationError):
        FaqEntry.model_validate(bad)


def test_bm25_updates_in_place() -> None:
    index = BM25Index()
    index.add("1", "信用卡挂失怎么办")
    index.add("2", "转账多久到账")
    assert index.search("挂失信用卡")[0][0] == "1"
    index.add("1", "年费怎么收")  # replaced
    assert all(d != "1" for d, _ in index.search("挂失"))
    index.remove("2")
    index.remove("missing")
    assert len(index) == 1 and index.search("转账") == []
    assert "挂失" in terms("挂失信用卡") and "挂失" in terms("挂失信用卡")
    assert "花呗" in terms("蚂蚁花呗怎么还")  # folded to the synonym group's word


def test_searches_and_edits_from_many_threads() -> None:
    from concurrent.futures import ThreadPoolExecutor

    base = KnowledgeBase(load_demo_faq()[:6], encoders=None)
    extra = load_demo_faq()[6:12]

    def work(i: int) -> str:
        if i % 4 == 0:
            base.add(extra[(i // 4) % len(extra)])
        hits = base.search("信用卡年费怎么收", k=1)
        return hits[0].entry.id if hits else ""

    with ThreadPoolExecutor(4) as pool:
        found = list(pool.map(work, range(24)))
    assert all(found)
    assert base.search("年费", k=1)[0].entry.id == "annual-fee"
