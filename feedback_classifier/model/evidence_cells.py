"""The ``evidence`` column of ``enrich``: each predicted category's words (and its polarity's), in
the chosen language, for the comments that have categories."""

from __future__ import annotations

import re

import numpy as np

from feedback_classifier.lang.ui import UI, ui_text
from feedback_classifier.model.explain import as_written, model_terms, written_term
from feedback_classifier.model.segments import NEAREST

__all__ = ["EXPLAIN_TOP_K", "evidence_strings", "of_predicted", "readable_placeholders"]

EXPLAIN_TOP_K = 5  # words cited per category


def evidence_strings(model, uniques, labels_of, codes, n, has_comment, lang: str, explained=None, tones=None):
    """``(evidence string of each unique comment and a last empty one, each row's index into
    them)``; ``labels_of``: each unique comment's labels as ``categories`` lists them, the labels
    explained; ``explained``: the model's evidence of every unique comment when it already
    computed it with the probabilities."""
    taxonomy = model.taxonomy_
    order = {label: i for i, label in enumerate(model.classes_)}
    names = {label: taxonomy.display_name(label, lang) for label in model.classes_}
    strings = np.full(len(uniques) + 1, "", dtype=object)  # last slot: rows without a comment
    no_words = ui_text(lang if lang in UI else "en", "evidence.none")
    todo = np.flatnonzero([bool(labels) for labels in labels_of])
    if len(todo):
        texts = [uniques[i] for i in todo]
        if explained is None:
            explained_todo = model.explain(texts, top_k=EXPLAIN_TOP_K, **model_terms(model))
        else:
            explained_todo = [explained[i] for i in todo]
        explained_todo = of_predicted(model, texts, [labels_of[i] for i in todo], explained_todo)
        analyzer, pieces = getattr(model, "analyzer_", None), {}
        for i, words_by_label in zip(todo, explained_todo):
            why = tones.cues[i] if tones is not None else {}
            written = as_written(uniques[i], analyzer, pieces)
            parts = [
                f"{names.get(label) or taxonomy.display_name(label, lang)}: "
                f"{', '.join(_spoken(written_term(w, written), lang) for w in words) or no_words}"
                f"{_spoken_cue(_written_cues(why.get(label, ''), written), lang)}"
                for label, words in sorted(words_by_label.items(), key=lambda kv: order.get(kv[0], len(order)))
            ]
            strings[i] = readable_placeholders(" | ".join(parts), lang)
    row_unique = np.full(n, len(uniques), dtype=np.int64)
    row_unique[has_comment] = codes
    return strings, row_unique


_CUES_RE = re.compile(r" \((\w+): (.*)\)")


def _written_cues(why: str, written: dict) -> str:
    """The polarity suffix `` (negative: late, rude)`` with its words as the comment writes them."""
    m = _CUES_RE.fullmatch(why) if written and why else None
    if m is None:
        return why
    return f" ({m.group(1)}: {', '.join(written_term(w, written) for w in m.group(2).split(', '))})"


_QUOTED_PART = re.compile(r'in "(.*)"', re.S)
_CUE = re.compile(r" \((positive|negative|neutral)(?=[:)])")


def _spoken(word: str, lang: str) -> str:
    """An evidence item in ``lang``: the model quotes the clause behind a category as ``in "..."``,
    which a Russian cell showed in English.

    >>> _spoken('in "курьер опоздал"', "ru"), _spoken("курьер", "ru"), _spoken('in "late"', "en")
    ('в «курьер опоздал»', 'курьер', 'in "late"')
    """
    m = _QUOTED_PART.fullmatch(word) if lang != "en" and lang in UI else None
    return ui_text(lang, "evidence.in", quote=m.group(1)) if m else word


def _spoken_cue(cue: str, lang: str) -> str:
    """The polarity behind a category's words (`` (negative: too, expensive)``) in ``lang``.

    >>> _spoken_cue(" (negative: не, опоздать)", "ru"), _spoken_cue(" (positive)", "ru"), _spoken_cue("", "ru")
    (' (жалоба: не, опоздать)', ' (похвала)', '')
    """
    if not cue or lang == "en" or lang not in UI:
        return cue
    return _CUE.sub(lambda m: f" ({ui_text(lang, 'evidence.' + m.group(1))}", cue, count=1)


_PLACEHOLDER_RE = re.compile(r"(?<![\w])_(url|num|email|phone|near)_(?![\w])")


def readable_placeholders(evidence: str, lang: str) -> str:
    """``evidence`` with the analyser's placeholder tokens (``_url_``, ``_num_``...) in the
    chosen language: they are not words of the comment, and 17% of 3,719 tweets' evidence showed one.

    >>> readable_placeholders("Promotions: _num_, _url_ app, free_num_", "ru")
    'Promotions: [число], [ссылка] app, free_num_'
    """
    if "_" not in evidence:
        return evidence
    lang = lang if lang in UI else "en"
    return _PLACEHOLDER_RE.sub(lambda m: ui_text(lang, f"evidence.{m.group(1)}"), evidence)


def of_predicted(model, texts: list, labels: list, explained: list) -> list[dict]:
    """Each comment's evidence of its predicted ``labels`` and of no other label: an entry for every
    predicted label, its word list empty when no word argues for it.

    The model's explanation may come from another decision than the final one: the whole
    comment's, where its parts, keywords, the single-topic rule or a no-opinion answer decided
    otherwise, and a part-raised parent under a predicted child. Predicted labels it left out are
    explained here (``explain_labels``, one feature pass over those comments alone) when the model can.
    A label still without words keeps its (empty) entry: one left out of the evidence looked like
    a category nothing explained at all, and 2.4% of real comments' evidence (Banking77, SemEval)
    silently lacked one of their categories (the fallback rule's or the nearest description's picks).
    """
    kept = [{label: list(words.get(label) or []) for label in wanted} for wanted, words in zip(labels, explained)]
    # a part quoted alone ('in "..."') names where, not which words: a category a part raised
    # showed no words when the whole comment's explanation had not predicted it; a category the
    # word table gave (NEAREST) is explained too: the model's words that lean to it come first
    missing = [(k, label) for k, wanted in enumerate(labels) for label in wanted
               if not any(not term.startswith('in "') and term != NEAREST for term in kept[k][label])]
    if not missing or not hasattr(model, "explain_labels"):
        return kept
    rows = sorted({k for k, _ in missing})
    at, column = {k: r for r, k in enumerate(rows)}, {label: j for j, label in enumerate(model.classes_)}
    asked = np.zeros((len(rows), len(model.classes_)), dtype=bool)
    for k, label in missing:
        asked[at[k], column[label]] = True
    for k, words_by_label in zip(rows, model.explain_labels([texts[k] for k in rows], asked, top_k=EXPLAIN_TOP_K, **model_terms(model))):
        for label, words in words_by_label.items():
            if words:
                kept[k][label] = list(words) + kept[k][label]
    return kept
