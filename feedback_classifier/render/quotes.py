"""Which comments the report quotes, and the few rows of a streamed file that could be quoted.

Quotes under detractors are complaints and quotes under promoters are praise: a comment whose
tone contradicts its score ("9 - but the courier was rude") is not quoted there. The tone is
the table's ``category_sentiment`` for the card's category, else its ``sentiment`` column,
else a small bilingual word check (:func:`~feedback_classifier.lang.tone.tone_score`).
Comments that say the same thing (same words up to case, punctuation, order and endings) are
quoted once. Quotes are shown with personal data masked unless the report is built with
``mask=False``.

Quotes are picked in a fixed order (clearest tone first, then extreme scores, then the comments
most focused on one category, then the most confident, then the earliest row) and the
tone and the duplicate key depend on the row alone, so a row that is not among a chunk's
picks can never be among the whole file's: :class:`QuotePool` keeps only each chunk's
candidates, and the quotes of a streamed file equal those of the whole table.
"""

from __future__ import annotations

import dataclasses
import math
import re
from typing import Any

import numpy as np
import pandas as pd

from feedback_classifier.insights import ScoreSpec
from feedback_classifier.lang.detect import detect_language
from feedback_classifier.lang.foreign import unread_language
from feedback_classifier.lang.normalization import shown_text
from feedback_classifier.lang.pii import mask_pii
from feedback_classifier.lang.tone import tone_score
from feedback_classifier.lang.ui import ui_text
from feedback_classifier.render.facts import Facts, ReportInputs, build_facts
from feedback_classifier.render.html import esc, fmt_int, fmt_num, truncate


def _score_text(inp: ReportInputs, value: float) -> str:
    if value is None or math.isnan(value):
        return ""
    # a respondent's own score: whole on rating scales, unlike the averaged metric
    return f"{ui_text(inp.lang, 'score')} {fmt_num(value, 0 if inp.spec.integer_scale else 1, inp.lang)}"


_POLARITY = {"positive": 1, "negative": -1, "neutral": 0, "mixed": 0}
_WORDS = re.compile(r"[^\W_]+", re.UNICODE)
_CANDIDATES = 3  # distinct comments considered per quote slot before near-duplicates are dropped


def near_duplicate(a: set[str], b: set[str]) -> bool:
    """Whether two comments' word sets (see :func:`duplicate_key`) mostly repeat each other:
    80% of the shorter one's words are in the other ("Returns are quick and easy" and
    "Returns are quick and easy. Thanks!").

    >>> near_duplicate(set(duplicate_key("Все вежливые и доброжелательные").split()),
    ...                set(duplicate_key("Ну что сказать, все вежливые и доброжелательные!").split()))
    True
    >>> near_duplicate(set(duplicate_key("The cashier was lovely. Great job.").split()),
    ...                set(duplicate_key("The cashier was lovely. The support agent was really helpful.").split()))
    False
    """
    if not a or not b:
        return a == b
    return len(a & b) >= 0.8 * min(len(a), len(b))


def duplicate_key(text: str) -> str:
    """Comments with the same key say the same thing: the set of their words' first five
    letters (case, punctuation, word order and endings ignored; ё = е).

    >>> duplicate_key("Все вежливые и доброжелательные!") == duplicate_key("все вежливые, доброжелательные")
    True
    >>> duplicate_key("Fast delivery") == duplicate_key("Slow delivery")
    False
    """
    words = {w[:5] for w in _WORDS.findall(str(text).casefold().replace("ё", "е")) if len(w) > 1 or w.isdigit()}
    return " ".join(sorted(words))


def _entries(cell: Any, taxonomy: Any) -> list[tuple[Any, int]]:
    """``(label, polarity)`` of each entry of a ``category_sentiment`` cell this taxonomy can read."""
    out = []
    for entry in cell.split(";") if isinstance(cell, str) else ():
        name, _, value = entry.rpartition("=")
        if value.strip().lower() not in _POLARITY or not name.strip():
            continue
        try:
            labels = taxonomy.parse_labels(name)
        except Exception:  # a name this taxonomy does not know: the entry says nothing here
            continue
        if labels:
            out.append((labels[0], _POLARITY[value.strip().lower()]))
    return out


def _category_polarity(cell: Any, parent: str, taxonomy: Any) -> int | None:
    """The polarity a ``category_sentiment`` cell gives the category ``parent`` (None: not given): of all
    its entries under ``parent``, as ``sentiment`` sums up a comment's (0 when they both praise and
    blame: the first entry alone quoted "Courier=positive; Packaging=negative" as praise of delivery,
    and the same two the other way round as a complaint)."""
    kinds = {polarity for label, polarity in _entries(cell, taxonomy) if label[0] == parent}
    if not kinds:
        return None
    return 0 if {1, -1} <= kinds else max(kinds, key=abs)


def _judged_otherwise(cell: Any, parent: str, taxonomy: Any, tone: int) -> set:
    """The subcategories of ``parent`` a ``category_sentiment`` cell judges against ``tone``: not named
    beside a quote of that tone (praise of one child is not praise of the other one blamed)."""
    return {label for label, polarity in _entries(cell, taxonomy)
            if label[0] == parent and label[1] is not None and polarity == -tone}


def column_tones(inp: ReportInputs, rows: np.ndarray, parent: str | None) -> np.ndarray:
    """Tone of each row in ``rows`` about ``parent`` from the table's sentiment columns: +1 praise,
    -1 complaint, 0 neutral or mixed, NaN where they say nothing (the ``category_sentiment``
    entry for ``parent``, else the ``sentiment`` column). Each distinct cell is read once.

    >>> from feedback_classifier.taxonomy import load_taxonomy
    >>> df = pd.DataFrame({"c": ["a", "b", "c"], "category_sentiment": ["Price=negative", "Price=positive", None],
    ...                    "sentiment": ["negative", "positive", "neutral"]})
    >>> inp = ReportInputs(df=df, taxonomy=load_taxonomy("cx-default"), text_col="c")
    >>> column_tones(inp, np.arange(3), "price").tolist()
    [-1.0, 1.0, 0.0]
    """
    df = inp.df
    out = np.full(len(rows), np.nan)
    if parent is not None and "category_sentiment" in df.columns:
        codes, cells = pd.factorize(df["category_sentiment"].iloc[rows], use_na_sentinel=True)
        polarity = [_category_polarity(cell, parent, inp.taxonomy) for cell in cells]
        per_cell = np.array([np.nan if p is None else p for p in polarity] + [np.nan])  # [-1]: a missing cell
        out = per_cell[codes]
    if "sentiment" in df.columns:
        todo = np.flatnonzero(np.isnan(out))
        if len(todo):
            given = df["sentiment"].iloc[rows[todo]].astype("string").str.strip().str.lower().map(_POLARITY)
            out[todo] = given.astype("float64").to_numpy()
    return out


def _toned(inp: ReportInputs, rows: np.ndarray, tone: int, parent: str | None,
           agree: bool | str = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(rows, tones, to_check)`` of the rows that may be quoted as ``tone`` (-1 complaints, +1 praise):
    those the sentiment columns give that tone or none (0), or, where they say nothing, whose word
    check (:func:`~feedback_classifier.lang.tone.tone_score`) does not lean the other way; ``tones``
    (>= 0) ranks them, clearest first. ``to_check``: the rows whose column tone is still to be
    checked against their words (a contradiction, "Points burn too fast. Fix it!" judged positive
    for "fast", is mixed: quoted under neither) — lazily, as the quotes are picked, because only
    the first few rows in order are ever read. ``agree``: only rows of that very tone whose words
    lean that way too (a sarcastic "Thank you for wasting my time" judged praise is not quoted
    as praise); ``"judged"``: neutral and mixed rows too, but a row judged that tone only where its
    words lean that way (promoters: a score-taught model judged "Prices keep rising!" praise)."""
    tones = column_tones(inp, rows, parent)
    silent = np.flatnonzero(np.isnan(tones))
    if len(silent):
        texts = inp.df[inp.text_col].iloc[rows[silent]].tolist()
        tones[silent] = [tone_score(t) for t in texts]
    to_check = np.ones(len(rows), dtype=bool)
    to_check[silent] = False
    tones = tones * tone
    keep = tones > 0 if agree is True else tones >= 0
    to_check &= tones != 0  # a neutral column tone cannot contradict the words
    return rows[keep], tones[keep], to_check[keep]


def pick_quotes(inp: ReportInputs, facts: Facts, rows: np.ndarray, worst_first: bool, tone: int = 0,
                parent: str | None = None, agree: bool | str = False,
                avoid: set[int] | frozenset = frozenset()) -> list[int]:
    """Positions of up to ``inp.examples`` comments from ``rows`` that say different things.

    ``tone`` -1 keeps complaints and neutral comments (clearest complaints first), +1 praise
    and neutral ones (clearest praise first), 0 any; then extreme scores first, then the
    comments most focused on one category (fewest parents), then most confident, then the
    earliest row. ``agree`` (with a ``tone``): only comments judged that tone whose words say
    so too, for quotes with no score to back their tone (``"judged"``: see :func:`_toned`).
    ``avoid``: positions quoted already (under an earlier card), taken only when the other
    candidates run out."""
    candidates = quote_pool_rows(inp, facts, rows, worst_first, tone, parent, agree)
    # a long comment naming four topics came first under four cards: the page quoted it four times
    candidates = [c for c in candidates if c[0] not in avoid] + [c for c in candidates if c[0] in avoid]
    picked: list[tuple[int, set[str]]] = []
    for position, words in candidates:
        if not any(near_duplicate(words, other) for _, other in picked):
            picked.append((position, words))
            if len(picked) >= inp.examples:
                break
    return [position for position, _ in picked]


def quote_pool_rows(inp: ReportInputs, facts: Facts, rows: np.ndarray, worst_first: bool, tone: int = 0,
                    parent: str | None = None, agree: bool | str = False) -> list[tuple[int, set[str]]]:
    """The candidates :func:`pick_quotes` chooses from: ``(position, words)`` of the first
    ``_CANDIDATES * inp.examples`` comments of ``rows`` with distinct words, in its order."""
    if not len(rows):
        return []
    if tone:
        rows, tones, to_check = _toned(inp, rows, tone, parent, agree)
        if not len(rows):
            return []
    else:
        tones, to_check = np.zeros(len(rows)), np.zeros(len(rows), dtype=bool)
    scores = facts.scores[rows] if facts.scores is not None else np.zeros(len(rows))
    # worst first = lowest first when higher is better; best first = the opposite
    if worst_first != inp.spec.higher_is_better:
        scores = -scores
    parents = np.array([i for i, label in enumerate(facts.labels) if label[1] is None])
    focus = facts.matrix[np.ix_(rows, parents)].sum(axis=1)
    conf = np.nan_to_num(facts.confidence[rows], nan=0.0)
    order = np.lexsort((rows, -conf, focus, np.nan_to_num(scores, nan=np.inf), -np.minimum(tones, 2)))
    texts = _texts(inp)
    # The first few comments with distinct keys: they depend on the order alone, so a chunk's
    # candidates hold every row the whole file's could, and streamed quotes stay exact.
    seen: set[str] = set()
    candidates: list[tuple[int, set[str]]] = []
    for k in order:
        position = rows[k]
        text = truncate(texts.iloc[position])
        key = duplicate_key(text)
        if not text or key in seen:
            continue
        if to_check[k] and tone_score(texts.iloc[position]) * tone < (1 if agree else 0):
            continue  # the words contradict the column's tone (mixed: quoted under neither), or do not back it
        seen.add(key)
        candidates.append((int(position), set(key.split())))
        if len(candidates) >= _CANDIDATES * inp.examples:
            break
    return candidates


def _texts(inp: ReportInputs) -> pd.Series:
    """The comments as strings ("" where missing), made once per table: each card's each kind of
    quote reads them."""
    if inp.quote_texts is None:
        inp.quote_texts = inp.df[inp.text_col].astype("string").fillna("")
    return inp.quote_texts


def quotes_html(inp: ReportInputs, facts: Facts, rows: np.ndarray, column: int, css: str, worst_first: bool,
                tone: int = 0, agree: bool | str = False, group: int = 0) -> str:
    """Up to ``inp.examples`` distinct comments from ``rows`` (see :func:`pick_quotes`) as
    blockquotes, each with its score and the subcategories of label ``column`` it mentions;
    personal data masked unless ``inp.mask`` is False. ``group``: how many comments the whole
    table has in this group, to say why none is quoted when there are some."""
    picked = pick_quotes(inp, facts, rows, worst_first, tone, facts.labels[column][0], agree, inp.quoted)
    inp.quoted.update(picked)
    if not picked:
        return f'<p class="muted">{esc(_none_quoted(inp.lang, group, tone, agree is True))}</p>'
    texts = _texts(inp)
    parent = facts.labels[column][0]
    children = [i for i, label in enumerate(facts.labels) if label[0] == parent and label[1] is not None]
    judged = inp.df["category_sentiment"] if tone and "category_sentiment" in inp.df.columns else None
    out = []
    for position in picked:
        text = shown_text(texts.iloc[position])  # before masking: "&#64;" must not hide an e-mail's "@"
        text = truncate(mask_pii(text) if inp.mask else text)
        other = _judged_otherwise(judged.iloc[position], parent, inp.taxonomy, tone) if judged is not None else set()
        child_names = [inp.taxonomy.short_name(facts.labels[i], inp.lang) for i in children
                       if facts.matrix[position, i] and facts.labels[i] not in other]
        meta = [m for m in (_score_text(inp, facts.scores[position]) if facts.scores is not None else "", ", ".join(child_names)) if m]
        # a screen reader reads a Russian quote in an English report with the English voice (mangled)
        # unless the quote says its language (WCAG 3.1.2); its score line stays in the report's
        said = _quote_language(text)
        own = f' lang="{said}"' if said not in ("und", inp.lang) else ""
        back = f' lang="{esc(inp.lang)}"' if own else ""
        meta_html = f'<span class="meta"{back}>{esc(" · ".join(meta))}</span>' if meta else ""
        out.append(f'<blockquote class="{css}"{own}>{esc(text)}{meta_html}</blockquote>')
    return "".join(out)


def _quote_language(text: str) -> str:
    """The BCP 47 tag of a quote's language: a Ukrainian or Kazakh quote is no Russian one to a screen reader,
    a Spanish or German one no English one, and a Chinese one was left untagged ("und")."""
    foreign = unread_language(text)
    if foreign and foreign != "other":
        return foreign  # (ru-Latn is a valid tag: Russian in Latin script)
    return detect_language(text)


def _none_quoted(lang: str, group: int, tone: int, agree: bool) -> str:
    """Why a quote list is empty. "No comments in this group" under a card that counts 126
    complaints, or over promoters who all complained, read as a contradiction of the card's counts."""
    if not group or not tone:
        return ui_text(lang, "no_examples")
    kind = "complaint" if tone < 0 else "praise"
    key = f"no_examples_words_{kind}" if agree else f"no_examples_tone_{kind}"
    return ui_text(lang, key, n=fmt_int(group, lang))


def quote_source(inp: ReportInputs, facts: Facts) -> tuple[ReportInputs, Facts]:
    """Where quotes come from: the table itself, or the candidate rows of a reduced table."""
    if inp.quotes is None:
        return inp, facts
    if inp.quote_view is None:
        # (quotes are picked, not weighed: the candidates carry no survey weights)
        qinp = dataclasses.replace(inp, df=inp.quotes.reset_index(drop=True), weight=None, quotes=None, quoted=set(),
                                   survey_weight=None)
        inp.quote_view = (qinp, build_facts(qinp))
    return inp.quote_view


def quote_candidates(df: pd.DataFrame, taxonomy: Any, *, text_col: str, score_col: str | None = None,
                     score_type: Any = "nps", examples: int = 3, source: str = "") -> np.ndarray:
    """Positions of the rows of ``df`` that the report could quote (sorted).

    For every parent category and each kind of quote (detractors, promoters/top box, complaints,
    praise, any) the report chooses among the first few comments with distinct words in a fixed
    order (:func:`quote_pool_rows`); a row that is not among them in its own chunk can never be
    among them in the whole file. So the quotes of a streamed file are exact when the report gets
    the union of each chunk's candidates (reduced again as chunks come: see :class:`QuotePool`).

    >>> from feedback_classifier.taxonomy import load_taxonomy
    >>> df = pd.DataFrame({"comment": ["late", "late", "nice courier", "slow"], "nps": [1, 2, 9, 5],
    ...                    "categories": ["Delivery > Courier"] * 3 + ["Delivery > Delivery time"]})
    >>> quote_candidates(df, load_taxonomy("cx-default"), text_col="comment", score_col="nps", examples=1).tolist()
    [0, 2, 3]
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
        # every candidate, not just each card's own picks: a card passes over those an earlier card quoted
        kinds = [(rows_in, True, 0, False)]
        if facts.scores is not None:
            kinds += [(rows_in[facts.detractor[rows_in]], True, -1, False), (rows_in[facts.top_box[rows_in]], False, 1, "judged")]
        if not (facts.has_scores and spec.has_detractors):
            # complaints and praise by tone alone: what a card shows without scores to split by. Exact
            # when streamed: a file whose report has no detractors has none in any chunk or pool either
            kinds += [(rows_in, True, -1, True), (rows_in, False, 1, True)]
        for rows, worst_first, tone, agree in kinds:
            keep.update(p for p, _ in quote_pool_rows(inp, facts, rows, worst_first, tone, label[0], agree))
    return np.array(sorted(keep), dtype=np.int64)


class QuotePool:
    """The few rows of a streamed file the report may quote, kept across chunks (bounded:
    at most 15 x ``examples`` rows per parent category).

    >>> from feedback_classifier.taxonomy import load_taxonomy
    >>> pool = QuotePool(load_taxonomy("cx-default"), text_col="comment", examples=1)
    >>> for chunk in (pd.DataFrame({"comment": ["late", "slow"], "categories": ["Delivery", "Delivery"]}),
    ...               pd.DataFrame({"comment": ["rude"], "categories": ["Service"]}, index=[2])):
    ...     pool.add(chunk)
    >>> pool.frame()["comment"].tolist()
    ['late', 'slow', 'rude']
    """

    def __init__(self, taxonomy: Any, *, text_col: str, score_col: str | None = None, score_type: Any = "nps",
                 examples: int = 3, source: str = ""):
        self.taxonomy = taxonomy
        self.columns = [c for c in dict.fromkeys([text_col, "categories", score_col, "confidence", "sentiment",
                                                   "category_sentiment"]) if c]
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
