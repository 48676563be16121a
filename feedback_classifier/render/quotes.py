"""Which comments the report quotes, and the few rows of a streamed file that could be quoted.

Quotes are picked in a fixed order (extreme scores first, then the comments most focused on one
category, then the most confident, then the earliest row), so a row that is not among a chunk's
picks can never be among the whole file's: :class:`QuotePool` keeps only each chunk's
candidates, and the quotes of a streamed file equal those of the whole table.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pandas as pd

from feedback_classifier.insights import ScoreSpec
from feedback_classifier.lang.ui import ui_text
from feedback_classifier.render.facts import Facts, ReportInputs, build_facts
from feedback_classifier.render.html import esc, fmt_num, truncate


def _score_text(inp: ReportInputs, value: float) -> str:
    if value is None or math.isnan(value):
        return ""
    # a respondent's own score: whole on rating scales, unlike the averaged metric
    return f"{ui_text(inp.lang, 'score')} {fmt_num(value, 0 if inp.spec.integer_scale else 1, inp.lang)}"


def pick_quotes(inp: ReportInputs, facts: Facts, rows: np.ndarray, worst_first: bool) -> list[int]:
    """Positions of up to ``inp.examples`` distinct comments from ``rows``: extreme scores first,
    then the comments most focused on one category (fewest parents), then most confident, then
    the earliest row."""
    if not len(rows):
        return []
    scores = facts.scores[rows] if facts.scores is not None else np.zeros(len(rows))
    # worst first = lowest first when higher is better; best first = the opposite
    if worst_first != inp.spec.higher_is_better:
        scores = -scores
    parents = np.array([i for i, label in enumerate(facts.labels) if label[1] is None])
    focus = facts.matrix[np.ix_(rows, parents)].sum(axis=1)
    conf = np.nan_to_num(facts.confidence[rows], nan=0.0)
    order = np.lexsort((rows, -conf, focus, np.nan_to_num(scores, nan=np.inf)))
    texts = inp.df[inp.text_col].astype("string").fillna("")
    seen: set[str] = set()
    picked = []
    for position in rows[order]:
        text = truncate(texts.iloc[position])
        key = text.casefold()
        if not text or key in seen:
            continue
        seen.add(key)
        picked.append(int(position))
        if len(picked) >= inp.examples:
            break
    return picked


def quotes_html(inp: ReportInputs, facts: Facts, rows: np.ndarray, column: int, css: str, worst_first: bool) -> str:
    """Up to ``inp.examples`` distinct comments from ``rows`` (see :func:`pick_quotes`) as
    blockquotes, each with its score and the subcategories of label ``column`` it mentions."""
    picked = pick_quotes(inp, facts, rows, worst_first)
    if not picked:
        return f'<p class="muted">{esc(ui_text(inp.lang, "no_examples"))}</p>'
    texts = inp.df[inp.text_col].astype("string").fillna("")
    children = [i for i, label in enumerate(facts.labels) if label[0] == facts.labels[column][0] and label[1] is not None]
    out = []
    for position in picked:
        text = truncate(texts.iloc[position])
        child_names = [
            inp.taxonomy.short_name(facts.labels[i], inp.lang) for i in children if facts.matrix[position, i]
        ]
        meta = [m for m in (_score_text(inp, facts.scores[position]) if facts.scores is not None else "", ", ".join(child_names)) if m]
        meta_html = f'<span class="meta">{esc(" · ".join(meta))}</span>' if meta else ""
        out.append(f'<blockquote class="{css}">{esc(text)}{meta_html}</blockquote>')
    return "".join(out)


def quote_source(inp: ReportInputs, facts: Facts) -> tuple[ReportInputs, Facts]:
    """Where quotes come from: the table itself, or the candidate rows of a reduced table."""
    if inp.quotes is None:
        return inp, facts
    if inp.quote_view is None:
        qinp = dataclasses.replace(inp, df=inp.quotes.reset_index(drop=True), weight=None, quotes=None)
        inp.quote_view = (qinp, build_facts(qinp))
    return inp.quote_view


def quote_candidates(df: pd.DataFrame, taxonomy: Any, *, text_col: str, score_col: str | None = None,
                     score_type: Any = "nps", examples: int = 3, source: str = "") -> np.ndarray:
    """Positions of the rows of ``df`` that the report could quote (sorted).

    For every parent category and each kind of quote (detractors, promoters/top box, any) the
    report shows the first ``examples`` distinct comments in a fixed order; a row that is not
    among them in its own chunk can never be among them in the whole file. So the quotes of a
    streamed file are exact when the report gets the union of each chunk's candidates
    (reduced again as chunks come: see :class:`QuotePool`).

    >>> from feedback_classifier.taxonomy import load_taxonomy
    >>> df = pd.DataFrame({"comment": ["late", "late", "rude", "slow"], "nps": [1, 2, 9, 5],
    ...                    "categories": ["Delivery > Courier"] * 3 + ["Delivery > Delivery time"]})
    >>> quote_candidates(df, load_taxonomy("cx-default"), text_col="comment", score_col="nps", examples=1).tolist()
    [0, 2]
    """
    spec = score_type if isinstance(score_type, ScoreSpec) else ScoreSpec.make(score_type)
    inp = ReportInputs(df=df.reset_index(drop=True), taxonomy=taxonomy, text_col=text_col, score_col=score_col,
                       spec=spec, source=source, examples=examples)
    facts = build_facts(inp)
    keep: set[int] = set()
    for i, label in enumerate(facts.labels):
        if label[1] is not None:
            continue
        rows_in = np.flatnonzero(facts.matrix[:, i])
        if not len(rows_in):
            continue
        keep.update(pick_quotes(inp, facts, rows_in, True))
        if facts.scores is not None:
            keep.update(pick_quotes(inp, facts, rows_in[facts.detractor[rows_in]], True))
            keep.update(pick_quotes(inp, facts, rows_in[facts.top_box[rows_in]], False))
    return np.array(sorted(keep), dtype=np.int64)


class QuotePool:
    """The few rows of a streamed file the report may quote, kept across chunks (bounded:
    at most 3 x ``examples`` rows per parent category).

    >>> from feedback_classifier.taxonomy import load_taxonomy
    >>> pool = QuotePool(load_taxonomy("cx-default"), text_col="comment", examples=1)
    >>> for chunk in (pd.DataFrame({"comment": ["late", "slow"], "categories": ["Delivery", "Delivery"]}),
    ...               pd.DataFrame({"comment": ["rude"], "categories": ["Service"]}, index=[2])):
    ...     pool.add(chunk)
    >>> pool.frame()["comment"].tolist()
    ['late', 'rude']
    """

    def __init__(self, taxonomy: Any, *, text_col: str, score_col: str | None = None, score_type: Any = "nps",
                 examples: int = 3, source: str = ""):
        self.taxonomy = taxonomy
        self.columns = [c for c in dict.fromkeys([text_col, "categories", score_col, "confidence"]) if c]
        self.kwargs = dict(text_col=text_col, score_col=score_col, score_type=score_type, examples=examples,
                           source=source)
        self._pool: pd.DataFrame | None = None

    def add(self, chunk: pd.DataFrame) -> None:
        part = chunk[[c for c in self.columns if c in chunk.columns]]
        part = part.iloc[quote_candidates(part, self.taxonomy, **self.kwargs)]
        pool = part if self._pool is None else pd.concat([self._pool, part])
        self._pool = pool.iloc[quote_candidates(pool, self.taxonomy, **self.kwargs)]

    def frame(self) -> pd.DataFrame:
        """The candidate rows in file order (the index is the row's position in the file)."""
        return self._pool if self._pool is not None else pd.DataFrame(columns=self.columns)
