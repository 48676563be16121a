"""Tone words from scored comments: ``train --sentiment-col COL --unlabelled FILE --unlabelled-score-col S``.

A survey export holds each comment beside its score. Detractors' comments complain and
promoters' praise far more often than not, so thousands of scored comments teach the
polarity model which words praise and which complain in the user's own domain, with no
labelling (``model.sentiment_fit``). Only the two ends of the scale are read: NPS 0-6
against 9-10, a CSAT's or CES's bottom two boxes against its top two (``ScoreSpec``);
passives and the middle of the scale are left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from feedback_classifier.errors import LabelError
from feedback_classifier.tableio import ReadOptions, require_columns, resolve_column
from feedback_classifier.taxonomy.labels import is_missing

#: Scored comments read at most (a fixed random sample of more): the fit's cost grows with them,
#: its gain flattens long before.
TONE_MAX = 100_000
#: Fewer comments at either end teach no words worth the name.
TONE_MIN_END = 20
#: Inverse regularisation of the tone regression, set before any benchmark run and kept
#: (SemEval English dev CV, C 1 / 4 / 16 / 64: +0.6 / +1.1 / +1.0 / +1.0 on the first two shuffles).
TONE_C = 4.0


@dataclass
class ToneWords:
    """What ``tone_words_from_file`` learned and from how many comments."""

    words: dict
    good: int  # comments at the good end of the scale (promoters, top-2-box)
    bad: int  # comments at the bad end (detractors, bottom-2-box)
    middle: int  # scored comments at neither end, left out
    notes: list


def tone_words_from_file(data, text_col: str, score_col: str, spec, *, labelled=(), read: ReadOptions,
                         content_grams: bool = False, limit: int = TONE_MAX, seed: int = 0) -> ToneWords:
    """The tone words of the comments in ``data`` (``text_col``) with their scores (``score_col``,
    read as ``spec``, an ``insights.ScoreSpec`` with a bad and a good end). Comments in ``labelled``
    are left out (their own opinions teach the model), and so are blank comments and rows without
    a valid score (said in ``notes``). ``content_grams``: the polarity model's setting of that name
    (its n-grams leave stop words out; the bundled sentiment model's), which the words must share.

    >>> import tempfile, pandas as pd
    >>> from feedback_classifier.insights import ScoreSpec
    >>> from feedback_classifier.tableio import DEFAULT_READ
    >>> d = tempfile.mkdtemp()
    >>> pd.DataFrame({"c": ["awful wait", "great staff"] * 20 + ["ok"], "nps": [2, 10] * 20 + [""]}
    ...              ).to_csv(f"{d}/s.csv", index=False)
    >>> t = tone_words_from_file(f"{d}/s.csv", "c", "nps", ScoreSpec.make("nps"), read=DEFAULT_READ)
    >>> t.good, t.bad, t.words["great"] > 0 > t.words["awful"], len(t.notes)
    (20, 20, True, 1)
    """
    from feedback_classifier.insights import parse_scores
    from feedback_classifier.model.sentiment import AspectSentiment
    from feedback_classifier.model.sentiment_fit import fit_tone_words

    if not spec.has_detractors:
        raise LabelError(f"--score-type {spec.score_type} has no good and bad end to learn tone from: "
                         "pass --score-type nps, csat or ces (with --scale and --lower-is-better as needed).")
    texts, values, notes = _scored_rows(data, text_col, score_col, spec, read, parse_scores)
    seen = set(labelled)
    known = np.array([t in seen for t in texts], dtype=bool)
    keep = np.array([bool(t.strip()) for t in texts], dtype=bool) & ~known & ~np.isnan(values)
    good = spec.top_box(values) & keep
    bad = spec.detractor(values) & keep
    ends = np.flatnonzero(good | bad)
    if len(ends) > limit:
        ends = np.sort(np.random.default_rng(seed).choice(ends, limit, replace=False))
    n_good, n_bad = int(good[ends].sum()), int(bad[ends].sum())
    if min(n_good, n_bad) < TONE_MIN_END:
        # the labelled comments' scores would tell the cross-validation's scored folds their polarity
        left = f", leaving out the {int(known.sum()):,} that are in the labelled file" if known.any() else ""
        raise LabelError(
            f"{data}: '{score_col}' has {n_good:,} comments at the good end of the scale and {n_bad:,} at the bad end "
            f"({spec.score_type.upper()}{left}); tone words need at least {TONE_MIN_END} at each. Check "
            "--unlabelled-score-col and --score-type, or leave --unlabelled-score-col out.")
    probe = AspectSentiment(content_grams=content_grams)
    words = fit_tone_words([probe.global_block(texts[i]) for i in ends], good[ends], C=TONE_C)
    return ToneWords(words, n_good, n_bad, int((keep & ~good & ~bad).sum()), notes)


def _scored_rows(data, text_col: str, score_col: str, spec, read: ReadOptions, parse_scores):
    """``(texts, scores, notes)`` of every row of ``data`` (NaN where the score is not valid)."""
    df = read.table(data)
    text_col, score_col = (resolve_column(df, c, source=data) for c in (text_col, score_col))
    require_columns(df, [text_col, score_col], source=str(data))
    texts = ["" if is_missing(v) else str(v) for v in df[text_col].tolist()]
    parsed = parse_scores(df[score_col], spec, column=score_col)
    return texts, np.where(parsed.valid, parsed.values, np.nan), _invalid_note(data, parsed.issues, spec)


def _invalid_note(data, issues, spec) -> list[str]:
    """One line on the rows whose score could not be read, by kind, with their first rows and values."""
    from feedback_classifier.insights.issues import ISSUE_LABELS

    if not issues.n_invalid:
        return []
    parts = []
    for kind, rows in issues.problem_rows.items():
        if len(rows):
            seen = [repr(e) for e in issues.examples.get(kind, [])[:3]] if kind != "missing" else []
            shown = ", ".join(str(r) for r in rows[:3]) + (", ..." if len(rows) > 3 else "")
            parts.append(f"{len(rows):,} {ISSUE_LABELS.get(kind, kind)} (row{'s' if len(rows) > 1 else ''} {shown}"
                         + (f": {', '.join(seen)}" if seen else "") + ")")
    return [f"{data}: {issues.n_invalid:,} of {issues.n_rows:,} rows have no valid {spec.score_type.upper()} score in "
            f"'{issues.column}', left out of the tone words: " + "; ".join(parts) + "."]

