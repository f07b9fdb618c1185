"""Question matching: pairs of questions with the same meaning score higher than pairs without."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from finbrain.assistant.matching import QuestionMatcher
from finbrain.core.errors import ValidationError

SAME = [
    ("花呗怎么还款", "花呗如何还钱"),
    ("信用卡丢了怎么挂失", "信用卡不见了要怎么挂失"),
    ("借呗额度怎么提高", "怎样提升借呗的额度"),
    ("转账多久到账", "转账一般多长时间到"),
    ("how do I reset my pin", "how can I change my pin"),
    ("年费怎么收", "年费是怎么收取的"),
]
DIFFERENT = [
    ("花呗怎么还款", "借呗额度怎么提高"),
    ("信用卡丢了怎么挂失", "转账多久到账"),
    ("年费怎么收", "花呗如何还钱"),
    ("how do I reset my pin", "转账一般多长时间到"),
    ("借呗额度怎么提高", "信用卡不见了要怎么挂失"),
    ("转账多久到账", "年费是怎么收取的"),
]


@pytest.fixture(scope="module")
def matcher() -> QuestionMatcher:
    pairs = SAME + DIFFERENT
    return QuestionMatcher().fit(pairs, [1] * len(SAME) + [0] * len(DIFFERENT))


def test_paraphrases_score_above_unrelated_questions(matcher: QuestionMatcher) -> None:
    same = matcher.predict_proba([("花呗要怎么还", "花呗还款方法")])[0, 1]
    other = matcher.predict_proba([("花呗要怎么还", "信用卡年费多少")])[0, 1]
    assert same > other


def test_frames_and_lists_give_the_same_answer(matcher: QuestionMatcher) -> None:
    frame = pd.DataFrame(SAME, columns=["sentence1", "sentence2"])
    np.testing.assert_allclose(matcher.predict_proba(frame), matcher.predict_proba(SAME))
    assert set(matcher.predict(SAME)) <= {0, 1}
    assert matcher.predict_proba([]).shape == (0, 2)


def test_bad_pairs_and_labels_name_the_field(matcher: QuestionMatcher) -> None:
    assert matcher.predict_proba([("", None), ("😀", "x" * 10_000)]).shape == (2, 2)
    with pytest.raises(ValidationError) as caught:
        QuestionMatcher().fit(["one", "two"], [0, 1])
    assert caught.value.field == "X"
    with pytest.raises(ValidationError) as caught:
        QuestionMatcher().fit(SAME, [1] * len(SAME))
    assert caught.value.field == "y"


def test_the_boosted_matcher_is_monotone_in_overlap() -> None:
    pairs = (SAME + DIFFERENT) * 4
    labels = ([1] * len(SAME) + [0] * len(DIFFERENT)) * 4
    gbm = QuestionMatcher(model="gbm", min_child_samples=2, n_estimators=50).fit(pairs, labels)
    assert gbm.kind_ == "gbm"
    assert gbm.features_.monotone()[gbm.features_.names_.index("char_cos")] == 1
    identical = gbm.predict_proba([("花呗怎么还款", "花呗怎么还款")])[0, 1]
    unrelated = gbm.predict_proba([("花呗怎么还款", "how do I reset my pin")])[0, 1]
    assert identical > unrelated


def test_a_bad_model_name_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        QuestionMatcher(model="bert").fit(SAME + DIFFERENT, [1] * 6 + [0] * 6)
    assert caught.value.field == "model"


def test_fast_tfidf_equals_scikit_learn() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    from finbrain.assistant.nlu.features import fast_tfidf
    from finbrain.assistant.nlu.text import char_ngrams

    docs = ["花呗怎么还款", "how do I reset my pin", "", "😀", "花呗 花呗 pin pin pin"]
    vectorizer = TfidfVectorizer(analyzer=char_ngrams, sublinear_tf=True).fit(docs[:2])
    np.testing.assert_allclose(fast_tfidf(vectorizer, docs).toarray(),
                               vectorizer.transform(docs).toarray())  # fmt: skip


def test_held_out_threshold_is_chosen_on_questions_never_seen() -> None:
    from itertools import combinations

    from finbrain.assistant.matching import held_out_threshold

    topics = [
        "花呗",
        "借呗",
        "信用卡",
        "转账",
        "年费",
        "余额",
        "密码",
        "额度",
        "积分",
        "账单",
        "贷款",
        "理财",
        "存款",
        "汇款",
        "挂失",
        "开户",
    ]
    forms = ["{}怎么办理", "{}如何操作", "请问{}怎么弄", "{}要怎么处理"]
    pairs, labels = [], []
    for topic in topics:
        for a, b in combinations(forms, 2):
            pairs.append((a.format(topic), b.format(topic)))
            labels.append(1)
    rng = np.random.default_rng(0)
    while len(pairs) < 360:
        t1, t2 = rng.choice(len(topics), 2, replace=False)
        f1, f2 = rng.choice(len(forms), 2)
        pairs.append((forms[f1].format(topics[t1]), forms[f2].format(topics[t2])))
        labels.append(0)
    threshold = held_out_threshold(QuestionMatcher(model="linear"), pairs, labels)
    assert 0.0 < threshold < 1.0
    with pytest.raises(ValidationError) as caught:
        held_out_threshold(QuestionMatcher(model="linear"), pairs[:3], labels[:3])
    assert caught.value.field == "X"


def test_a_full_vector_cache_starts_afresh_without_losing_a_text(matcher: QuestionMatcher) -> None:
    features = matcher.features_
    left = [f"问题{i}怎么办" for i in range(30)]
    expected = features.transform(left, left[::-1])
    filler = 50_001 - len(features._vector_cache)
    features._vector_cache.update({(f"x{i}", ("x",)): ({}, {}) for i in range(filler)})
    # cached texts and a new one in one call, the cache over its size
    again = features.transform([*left, "新的问题"], [*left[::-1], "新的问题"])
    np.testing.assert_allclose(again[:-1], expected)
