"""The Russian lemma skips pymorphy3's tag ranking only where it cannot matter (lang/lemmas.py)."""

from __future__ import annotations

import re

import pandas as pd

from feedback_classifier.lang import lemmas
from feedback_classifier.model.default import EXAMPLE_SURVEY_FILE


def test_most_likely_normal_form_is_parse_first():
    data = EXAMPLE_SURVEY_FILE.parent
    texts = pd.read_csv(EXAMPLE_SURVEY_FILE)["comment"].dropna().tolist()
    for name in ("cx_default_examples.csv", "sentiment_examples.csv"):
        frame = pd.read_csv(data / name)
        texts += frame[frame.columns[0]].dropna().astype(str).tolist()
    words = sorted({w for t in texts for w in re.findall(r"[а-яё]+(?:-[а-яё]+)*", t.lower())})
    words += ["стали", "мыла", "печь", "косой", "три", "дорогой", "уже", "ёж", "зззыкх", "кот-то"]
    assert len(words) > 1000
    morph = lemmas._morph()
    ambiguous = 0
    for w in words:
        parses = morph.parse(w)
        ambiguous += len({p.normal_form for p in parses}) > 1
        assert lemmas._most_likely_normal_form(morph, w) == parses[0].normal_form, w
    assert ambiguous > 20  # the ranked branch is exercised too
