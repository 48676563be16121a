"""Multi-topic comments: classify each sentence / clause as well as the whole comment.

A long comment with several complaints ("The washing machine came a week late. The hotline
kept me waiting 35 minutes. The refund is still missing after 3 weeks") dilutes each topic's
words in one feature vector, so a model trained on short examples finds one topic at most.
:func:`combined_proba` also scores every part of such a comment and keeps, per category, the
highest probability of the whole and its parts, so a category any part names is kept; the
evidence then names the part (``in "The refund is still missing..."``).

A comment the model is unsure about can still get the category its taxonomy keywords clearly
name (with a matcher; ``enrich`` passes one for the bundled default model and for models trained
without labels): a category whose own keywords match gets at least its decision threshold, unless
the model clearly disagrees (``KEYWORD_MIN_RATIO``).
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from feedback_classifier._arrays import ranges
from feedback_classifier.lang.chunking import Pieces
from feedback_classifier.model.keywords import keyword_hits, taxonomy_matcher

# Sentence ends, semicolons and line breaks; and a comma or dash before a contrast or addition
# ("..., but", "..., а ещё", "- и ещё"), where a second topic usually starts. Written as
# ``(?<=[.!?…])\s+|[;\n\r]+|[,–—-]\s+(?=...)`` would match the same, but starting with one
# character class lets the regex engine skip to candidate characters: 2.5x faster.
# The words after a comma or dash that start a new part (a contrast or an addition).
_NEXT_TOPIC = ("but", "however", "also", "plus", "and also", "and then", "though", "но", "однако", "зато",
               "а также", "а ещё", "а еще", "и ещё", "и еще", "плюс", "хотя", "к тому же")
_SPLIT_RE = re.compile(
    r"[\s;,–—-](?:(?<=[.!?…]\s)\s*|(?<=[;\n\r])[;\n\r]*|(?<=[,–—-])\s+(?=(?:" + "|".join(_NEXT_TOPIC) + r")\b))",
    re.IGNORECASE,
)
_MIN_WORDS = 2
# A part's probabilities count at this share: a short part has less context than the whole.
PART_WEIGHT = 1.0
# A keyword lifts a category only where the model does not clearly disagree (probability at least
# this share of its threshold). Chosen on the dev halves of benchmarks/real_comments.py and the
# example survey: 0 -> 0.2 costs 2-3 points of parent accuracy on SemEval and gains 4-6 points of
# precision, and +4 path micro-F1 on the survey; higher ratios lose accuracy for little precision.
KEYWORD_MIN_RATIO = 0.2
_QUOTE_CHARS = 60
# Models with keyword rules also get the shipped word table's zero-shot evidence
# (model/word_table.py); a switch so benchmarks can measure what it adds.
USE_ZERO_SHOT = True


def split_segments(text: str) -> list[str]:
    """The sentences / clauses of a comment that have at least two words; ``[]`` when the
    comment is one part (nothing more to look at than the whole).

    >>> split_segments("Delivery was late. Support never answered, but the refund came")
    ['Delivery was late.', 'Support never answered', 'but the refund came']
    >>> split_segments("Курьер опоздал, а ещё коробка мятая")
    ['Курьер опоздал', 'а ещё коробка мятая']
    >>> split_segments("All good!")
    []
    """
    return segment_batch([text]).parts(0)


class Segments(NamedTuple):
    """A comment's parts (:func:`split_segments`); when all separators are whitespace, the
    ``(start, end)`` offsets of the parts in the comment, before stripping (else None); and
    which of the split's pieces the parts are (a piece of one word is no part)."""

    parts: list
    pieces: list | None
    keep: list


def segment_texts(texts: Sequence) -> list[Segments]:
    """Each comment's :class:`Segments` (:func:`segment_batch` gives the same as arrays).

    >>> segment_texts(["Late again. Rude staff, but the food was good", "Fine"])
    [Segments(parts=['Late again.', 'Rude staff', 'but the food was good'], pieces=None, keep=[0, 1, 2]), Segments(parts=[], pieces=None, keep=[])]
    >>> segment_texts(["Late again. Ok. Rude staff"])[0].pieces
    [(0, 11), (16, 26)]
    """
    batch = segment_batch(texts)
    return [batch.segments(i) for i in range(len(batch.counts))]


class SegmentBatch:
    """The parts of a batch of comments as arrays (:func:`segment_batch`): ``counts[i]`` parts of
    comment ``i`` (0: one part), the parts comment after comment as ``spans`` (offsets in their
    comment, before stripping) and ``keep`` (which piece of the split each is), and ``spaced[i]``:
    every separator of comment ``i`` is whitespace. A part's text is cut only when read."""

    def __init__(self, texts: list, counts: np.ndarray, spans: np.ndarray, keep: np.ndarray, spaced: np.ndarray,
                 words: np.ndarray | None = None):
        self.texts, self.counts, self.spans, self.keep, self.spaced = texts, counts, spans, keep, spaced
        # per part, its whitespace-separated words (first, end), counted from its comment's first
        # (read for the comments whose separators are all whitespace: ``piece_arrays``)
        self.words = words
        self.firsts = np.cumsum(counts) - counts  # each comment's first row of ``spans``

    def parts(self, i: int) -> list[str]:
        """Comment ``i``'s parts (stripped), ``[]`` when it is one part."""
        a = int(self.firsts[i])
        text = self.texts[i]
        return [text[s:e].strip() for s, e in self.spans[a : a + int(self.counts[i])].tolist()]

    def segments(self, i: int) -> Segments:
        """Comment ``i`` as a :class:`Segments`."""
        a, c = int(self.firsts[i]), int(self.counts[i])
        if not c:
            return Segments([], None, [])
        pieces = [tuple(x) for x in self.spans[a : a + c].tolist()] if self.spaced[i] else None
        return Segments(self.parts(i), pieces, self.keep[a : a + c].tolist())

    def pieces(self) -> list:
        """Per comment, the offsets of its parts when it has several and every separator is
        whitespace (``BatchAnalyzer.analyse(pieces=...)`` then analyses it piece by piece), else None."""
        out: list = [None] * len(self.counts)
        spans = self.spans.tolist()
        idx = np.flatnonzero((self.counts > 0) & self.spaced)
        for i, a, c in zip(idx.tolist(), self.firsts[idx].tolist(), self.counts[idx].tolist()):
            out[i] = spans[a : a + c]
        return out

    def piece_arrays(self) -> Pieces:
        """:meth:`pieces` as arrays (what ``BatchAnalyzer.analyse(pieces=...)`` reads).

        >>> segment_batch(["Late again. Ok. Rude staff", "x; y z"]).piece_arrays().counts.tolist()
        [2, 0]
        """
        use = (self.counts > 0) & self.spaced
        counts = np.where(use, self.counts, 0)
        rows = ranges(self.firsts[use], counts[use])
        return Pieces(counts, self.spans[rows], None if self.words is None else self.words[rows])

    def all_parts(self) -> _PartTexts:
        """Every part's text, comment after comment (cut when read)."""
        return _PartTexts(self)


class _PartTexts(Sequence):
    """The parts' texts of a :class:`SegmentBatch`, read lazily: the classifier reads the parts'
    analysis, and only evidence quotes and models without a batch analysis read their texts."""

    def __init__(self, batch: SegmentBatch):
        self.batch = batch
        self.owner = np.repeat(np.arange(len(batch.counts)), batch.counts)
        self._all: list | None = None

    def __len__(self) -> int:
        return len(self.owner)

    def __getitem__(self, k):
        if isinstance(k, slice):
            return list(self)[k]
        b = self.batch
        a, e = b.spans[k].tolist()
        return b.texts[int(self.owner[k])][a:e].strip()

    def __iter__(self):
        if self._all is None:
            texts = self.batch.texts
            self._all = [texts[i][a:e].strip() for i, (a, e) in zip(self.owner.tolist(), self.batch.spans.tolist())]
        return iter(self._all)


_JOIN = "\x00"  # no separator holds it, nor do the split's look-arounds read past it as text
_WIDE = 0x3001  # no whitespace or separator character lies at or above this code point
# classes of a code point below _WIDE (all above: none): what str.isspace (and the regex's \s)
# says is whitespace, and the characters a separator of _SPLIT_RE can start at or after
_SPACE, _END, _LINE, _DASH, _TOPIC = 1, 2, 4, 8, 16  # _TOPIC: a first letter of _NEXT_TOPIC, any case
_CLASSES: np.ndarray | None = None


def _class_table() -> np.ndarray:
    """Per code point below ``_WIDE`` (and one more entry, 0, for all above) its class bits."""
    global _CLASSES
    if _CLASSES is None:
        table = np.zeros(_WIDE + 1, dtype=np.uint8)
        table[:_WIDE] = [_SPACE if chr(c).isspace() else 0 for c in range(_WIDE)]
        for chars, bit in ((".!?…", _END), (";\n\r", _LINE), (",–—-", _DASH)):
            table[[ord(c) for c in chars]] |= bit
        first = re.compile("[" + "".join({w[0] for w in _NEXT_TOPIC}) + "]", re.IGNORECASE).match
        table[[c for c in range(_WIDE) if first(chr(c))]] |= _TOPIC
        _CLASSES = table
    return _CLASSES


def _separators(joined: str, cls: np.ndarray, space: np.ndarray, word_starts: np.ndarray) -> np.ndarray:
    """``[start, end, start, end, ...]`` of the matches of ``_SPLIT_RE`` in ``joined``, as
    ``finditer`` finds them, from the class bits (``space``: ``cls & _SPACE``; ``word_starts``:
    each non-space after a space). Where a match can start, and what it is:

    - a space after a sentence end: the whole run of whitespace (the first alternative, which
      cannot fail); no other match holds such a place (its previous character would be a
      space, a line mark or a dash);
    - a comma or dash before a space: the regex decides (it looks for the words after), tried
      only where the run of whitespace ends before one of their first letters; no other match
      holds a comma or dash;
    - ``;`` or a line break: the run of those marks, unless an earlier match holds it: one of
      the above, or the run of marks it belongs to (then the previous character is a mark that
      no match of the above holds).
    """
    n = len(cls)
    marks = (cls & _LINE).astype(bool)
    after_end = np.zeros(n, dtype=bool)
    after_end[1:] = (cls[:-1] & _END).astype(bool)
    at_end = np.flatnonzero(space & after_end)
    starts, ends = [at_end], [_run_end(word_starts, at_end, n)]
    dash = np.flatnonzero((cls[:-1] & _DASH).astype(bool) & space[1:])
    # (a run of whitespace to the very end is followed by no word: read its last space instead)
    dash = dash[(cls[_run_end(word_starts, dash + 1, n - 1)] & _TOPIC).astype(bool)]
    match, found = _SPLIT_RE.match, []
    for p in dash.tolist():
        m = match(joined, p)
        if m is not None:
            found += (p, m.end())
    starts.append(np.asarray(found[0::2], dtype=np.int64))
    ends.append(np.asarray(found[1::2], dtype=np.int64))
    line = np.flatnonzero(marks & ~(space & after_end))
    if len(line):
        s, e = np.concatenate(starts), np.concatenate(ends)
        order = np.argsort(s, kind="stable")
        s, e = s[order], e[order]
        k = np.searchsorted(s, line, side="right") - 1
        line = line[(k < 0) | (np.r_[e, 0][k] <= line)]  # not held by a match above
        first = np.ones(len(line), dtype=bool)
        first[1:] = line[1:] != line[:-1] + 1
        line = line[first]  # the first of a run of marks
        marks_end = np.flatnonzero(marks[:-1] & ~marks[1:]) + 1
        starts.append(line)
        ends.append(_run_end(marks_end, line, n))
    s, e = np.concatenate(starts), np.concatenate(ends)
    order = np.argsort(s, kind="stable")
    return np.stack([s[order], e[order]], axis=1).ravel()


def _run_end(run_ends: np.ndarray, at: np.ndarray, n: int) -> np.ndarray:
    """For positions ``at`` inside runs, where their run ends (``run_ends``: sorted, each the
    first position after a run; ``n`` past the last one)."""
    k = np.searchsorted(run_ends, at, side="right")
    return np.r_[run_ends, n][k]


def segment_batch(texts: Sequence) -> SegmentBatch:
    """The parts of every comment (:func:`split_segments`) at once: the batch joined, read as
    code points with numpy (where a separator can start, the pieces' word counts), the regex
    tried only at those places; per comment, Python runs only to cut a part's text when read.

    >>> b = segment_batch(["Late again. Rude staff, but the food was good", "Fine", "Late again.  Rude staff"])
    >>> b.counts.tolist(), b.spans.tolist(), b.spaced.tolist()
    ([3, 0, 2], [[0, 11], [12, 22], [24, 45], [0, 11], [13, 23]], [False, True, True])
    >>> b.parts(0), b.pieces()
    (['Late again.', 'Rude staff', 'but the food was good'], [None, None, [[0, 11], [13, 23]]])
    """
    texts = list(texts)
    n = len(texts)
    usable = [t if isinstance(t, str) and len(t) >= 12 else "" for t in texts]
    lens = np.fromiter(map(len, usable), dtype=np.int64, count=n)
    starts = np.zeros(n, dtype=np.int64)
    starts[1:] = np.cumsum(lens[:-1] + 1)
    joined = _JOIN.join(usable)
    # (code points past the table's last entry, 0 for all at or above _WIDE, read that entry)
    cls = _class_table().take(np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32), mode="clip")
    space = (cls & _SPACE).astype(bool)  # str.isspace: where str.split and str.strip cut
    after_space = np.flatnonzero(space[:-1] & ~space[1:]) + 1
    found = _separators(joined, cls, space, after_space)
    spaced = np.ones(n, dtype=bool)
    if not len(found):
        none = np.zeros(0, dtype=np.int64)
        return SegmentBatch(texts, np.zeros(n, dtype=np.int64), np.zeros((0, 2), dtype=np.int64), none, spaced)
    ms, me = found[0::2], found[1::2]
    owner, pa, pb, pown = _pieces(ms, me, starts, starts + lens)
    # words of piece [a, b): one starting at a (no space there), and those starting after a space inside it
    nonempty = pb > pa
    first = nonempty & ~space[np.minimum(pa, len(space) - 1)]
    inside = np.searchsorted(after_space, pb) - np.searchsorted(after_space, np.minimum(pa + 1, pb))
    kept = inside + first >= 2
    per = np.bincount(pown[kept], minlength=n)
    counts = np.where(per >= 2, per, 0)
    kept &= counts[pown] > 0
    # a separator holding anything but whitespace ("; ", ", but ") makes its comment not spaced
    sep_len = me - ms
    spaced[np.repeat(owner, sep_len)[~space[ranges(ms, sep_len)]]] = False
    at = np.flatnonzero(kept)
    own = pown[at]
    piece_first = np.r_[0, np.flatnonzero(np.diff(pown)) + 1]  # each comment-with-matches' first piece
    first_piece = np.zeros(n, dtype=np.int64)
    first_piece[pown[piece_first]] = piece_first
    spans = np.stack([pa[at] - starts[own], pb[at] - starts[own]], axis=1)
    # each part's words (first, end) in its comment, as str.split of the comment counts them: the
    # words of the pieces before it (a comment's pieces and separators cover it, and a comment
    # whose separators are all whitespace, the only ones read piecewise, has no word in those)
    per_piece = (inside + first).astype(np.int64)
    before = np.cumsum(per_piece) - per_piece
    before -= before[first_piece[pown]]
    words = np.stack([before[at], before[at] + per_piece[at]], axis=1)
    return SegmentBatch(texts, counts, spans, at - first_piece[own], spaced, words)


def _pieces(ms: np.ndarray, me: np.ndarray, starts: np.ndarray, ends: np.ndarray):
    """The separators' comments, and the pieces between them as ``(start, end, comment)`` arrays
    (offsets in the joined batch), comment after comment: before each separator, then after the
    last separator of each comment."""
    owner = np.searchsorted(starts, ms, side="right") - 1
    m = len(ms)
    new = np.r_[True, owner[1:] != owner[:-1]]
    last = np.r_[owner[1:] != owner[:-1], True]
    prev_end = np.r_[0, me[:-1]]
    prev_end[new] = starts[owner[new]]
    done = np.cumsum(last) - last  # comments finished before separator k (each added a final piece)
    at = np.arange(m) + done
    lasts = np.flatnonzero(last)
    final_at = lasts + done[lasts] + 1
    total = m + len(lasts)
    pa, pb, pown = (np.empty(total, dtype=np.int64) for _ in range(3))
    pa[at], pb[at], pown[at] = prev_end, ms, owner
    pa[final_at], pb[final_at], pown[final_at] = me[lasts], ends[owner[lasts]], owner[lasts]
    return owner, pa, pb, pown


def combined_proba(model, texts: Sequence[str], *, matcher=None, with_evidence: bool = False, top_k: int = 5,
                   docs=None, segments: SegmentBatch | None = None):
    """Probabilities of ``texts`` from the whole comments and their parts (and keywords).

    Returns ``proba`` or, with ``with_evidence``, ``(proba, evidence)`` where evidence is the
    model's explanation of the whole comment plus, for categories that a part or a keyword
    raised, the words that did (``in "<part>"`` names the part). ``docs``: ``model._analyze(texts)``
    when the caller has it (``enrich`` analyses once for the classifier and the sentiment model);
    ``segments``: :func:`segment_batch` of ``texts`` when the caller has it (``enrich`` passes its
    pieces to that analysis, and the parts' analysis is then taken from it).

    >>> from feedback_classifier.model.default import default_model
    >>> model = default_model()
    >>> text = "The courier came a week late. The refund is still missing after 3 weeks"
    >>> P = combined_proba(model, [text])
    >>> fired = model.predict_from_proba(P)[0]
    >>> {"delivery", "returns"} <= {model.classes_[j][0] for j in np.flatnonzero(fired)}
    True
    """
    texts = list(texts)
    explained = None
    trust = _keyword_trust(model) if matcher is not None else None
    vocab_keywords = _vocabulary_keywords(model, matcher)
    outside = None
    if trust is not None and vocab_keywords is not None:
        from feedback_classifier.model.keyword_trust import outside_keywords

        outside = outside_keywords(model, matcher)
    K = Xw = None
    fresh = False
    own = hasattr(model, "_proba_of_docs")  # a FeedbackClassifier: texts analysed once here
    if docs is None and own:
        docs = model._analyze(texts)
    if with_evidence:
        P, explained = model._proba_and_evidence(texts, docs, top_k) if own else \
            model.predict_proba_and_explain(texts, top_k=top_k)
        if vocab_keywords is not None:
            Xw = model.features_._parts(docs).Xw
            K = vocab_keywords.clear(Xw, None if outside is None else outside.counts(docs))
    elif vocab_keywords is not None:
        # one feature pass for the probabilities and the keyword hits
        parts = model.features_._parts(docs)
        P = model._calibrate(np.asarray(model._scores(parts, texts, docs), dtype=np.float64))
        Xw = parts.Xw
        K = vocab_keywords.clear(Xw, None if outside is None else outside.counts(docs))
        fresh = True  # a new array of this call's: raised in place below without a copy
    else:
        P = model._proba_of_docs(docs, texts) if own else model.predict_proba(texts)
    P = P if fresh and isinstance(P, np.ndarray) and P.dtype == float else np.array(P, dtype=float)
    whole = P.copy() if with_evidence else None
    if segments is None:
        segments = segment_batch(texts)
    seg_texts, best_part = _score_parts(model, segments, P, with_evidence, docs)
    hits = None
    if matcher is not None:
        K, hits = _keyword_matrix(model, matcher, texts, docs, K, Xw, outside, own)
        thresholds = np.asarray(model.thresholds_, dtype=float)
        ratio = trust if trust is not None else getattr(model, "keyword_min_ratio_", KEYWORD_MIN_RATIO)
        K &= P >= ratio * thresholds
        np.maximum(P, thresholds, out=P, where=K)  # (P is this call's own array: raised in place)
        zero_shot = _zero_shot(model) if USE_ZERO_SHOT and trust is None else None
        if zero_shot is not None:  # the parent a comment's words are clearly nearest to
            same = own and zero_shot.prototypes.analyzer == model.analyzer_  # its tokens are the docs
            P = zero_shot.lift(P, texts, thresholds, token_lists=docs if same else None)
        if hasattr(model, "parents_at_least_children"):  # the lifts raise a child, not its parent
            P = model.parents_at_least_children(P)
        if getattr(model, "single_topic_ratio_", None):  # the bundled default: model/focus.py
            from feedback_classifier.model.focus import bare_topic_parents, single_topic

            P = single_topic(P, thresholds, model.classes_, segments.counts == 0, model.single_topic_ratio_)
            P = bare_topic_parents(P, thresholds, model.classes_, texts, model.taxonomy_,
                                   getattr(model, "child_completion_", 1.0))
    if not with_evidence:
        return P
    if matcher is not None and hits is None:
        same = own and getattr(matcher, "analyzer", None) == model.analyzer_  # its tokens are the docs
        hits = keyword_hits(matcher, texts, model.classes_, token_lists=docs if same else None)
    return P, _evidence(model, P, whole, explained, best_part, seg_texts, hits)


def _keyword_matrix(model, matcher, texts, docs, K, Xw, outside, own):
    """``(K, hits)``: the keyword-named classes of each comment, ``K`` (from the features) completed where
    the features cannot tell; ``hits`` the matched phrases when the texts had to be matched whole (else None)."""
    hits = None
    rows = matcher.literal_rows(texts) if K is not None else []  # ("24/7": not in the features)
    tokens = None
    if outside is not None:  # a model trained on labels: its vocabulary lacks longer keywords too
        rows = sorted(set(rows).union(outside.candidates(Xw, docs)))
        if getattr(matcher, "analyzer", None) == model.analyzer_:  # its tokens are the docs: no second analysis
            tokens = [docs[i] for i in rows]
    for i, by_label in zip(rows, keyword_hits(matcher, [texts[i] for i in rows], model.classes_, token_lists=tokens)):
        K[i, list(by_label)] = True
    if K is None:  # a model without a word vocabulary: match the texts themselves
        same = own and getattr(matcher, "analyzer", None) == model.analyzer_  # its tokens are the docs
        hits = keyword_hits(matcher, texts, model.classes_, token_lists=docs if same else None)
        K = np.zeros((len(texts), len(model.classes_)), dtype=bool)
        for i, by_label in enumerate(hits):
            K[i, list(by_label)] = True
    return K, hits


def _score_parts(model, segments: SegmentBatch, P: np.ndarray, with_evidence: bool, docs=None):
    """Raise ``P`` in place to each comment's best part; return ``(parts, best part index per
    (comment, class) or None)``: the first part reaching that best, -1 where the whole did."""
    counts = segments.counts
    seg_texts = segments.all_parts()
    if not len(seg_texts):
        return seg_texts, np.full(P.shape, -1, dtype=np.int64) if with_evidence else None
    as_wholes = getattr(getattr(model, "embedder_", None), "parts_as_wholes", None)  # (E5Embedder)
    if as_wholes is None:
        Ps = np.asarray(_parts_proba(model, segments, seg_texts, docs), dtype=float)
    else:
        with as_wholes(list(seg_texts), [segments.texts[i] for i in np.repeat(np.arange(len(counts)), counts)]):
            Ps = np.asarray(_parts_proba(model, segments, seg_texts, docs), dtype=float)
    if PART_WEIGHT != 1.0:  # (x * 1.0 is x: no copy of the parts' matrix for nothing)
        Ps = Ps * PART_WEIGHT
    # A comment's parts are consecutive rows of Ps: one reduction per comment, no Python loop.
    owners = np.flatnonzero(counts)
    starts = segments.firsts[owners]
    parts = counts[owners]
    best = _segment_reduce(np.fmax, Ps, starts, parts)  # fmax: a NaN part raises nothing, as a comparison would not
    better = best > P[owners]
    P[owners] = np.where(better, best, P[owners])
    if not with_evidence:
        return seg_texts, None
    group = np.repeat(np.arange(len(owners)), parts)
    k = np.arange(len(seg_texts))[:, None]
    first = _segment_reduce(np.minimum, np.where(Ps == best[group], k, len(seg_texts)), starts, parts)
    best_part = np.full(P.shape, -1, dtype=np.int64)
    best_part[owners] = np.where(better, first, -1)
    return seg_texts, best_part


# Beyond this many parts in a comment, one reduceat call instead of a pass per part.
_MAX_PART_PASSES = 64


def _segment_reduce(ufunc, values: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``ufunc.reduceat(values, starts, axis=0)`` for consecutive runs of ``lengths`` (>= 1) rows:
    the runs' first rows, then each with its second row, ... (the same operations in the same
    order). ``reduceat`` over rows of a 2-D array costs a call per run and column: ~5x slower
    on 2-3 parts per comment.

    >>> _segment_reduce(np.maximum, np.array([[1, 5], [3, 2], [4, 4]]), np.array([0, 2]), np.array([2, 1])).tolist()
    [[3, 5], [4, 4]]
    """
    if not len(starts) or int(lengths.max()) > _MAX_PART_PASSES:
        return ufunc.reduceat(values, starts, axis=0)
    out = values[starts]
    for k in range(1, int(lengths.max())):
        longer = np.flatnonzero(lengths > k)
        out[longer] = ufunc(out[longer], values[starts[longer] + k])
    return out


def _parts_proba(model, segments: SegmentBatch, seg_texts: Sequence[str], docs) -> np.ndarray:
    """``model.predict_proba(seg_texts)`` (the texts of ``segments``' parts); the analysis taken
    from the comments' own (``docs``) for comments analysed piece by piece
    (``Analysed.pieces``): a part's words are then a run of its comment's words, and the
    analysis of a run is that of the part's text."""
    from feedback_classifier.lang.batch import LazyDocs, batch_analyzer_for

    analysed = getattr(docs, "analysed", None)
    if (analysed is None or analysed.pieces is None or docs.punct or not hasattr(model, "_proba_of_docs")
            or docs.surface != getattr(model.features_, "char_surface_", False)
            or batch_analyzer_for(model.analyzer_) is not analysed.source):
        return model.predict_proba(list(seg_texts))
    counts = segments.counts
    read = analysed.pieces[1]
    if not np.array_equal(read[read > 0], counts[read > 0]):  # not this call's parts
        return model.predict_proba(list(seg_texts))
    alone = np.flatnonzero((counts > 0) & (read == 0))  # analysed whole: their parts alone
    other_texts = [part for i in alone.tolist() for part in segments.parts(i)]
    source = analysed.source
    others = source.analyse(other_texts) if other_texts else None
    other_at = ranges(segments.firsts[alone], counts[alone])
    found = source.parts_of(analysed, others, other_at)
    if found is None:  # the analyzer's tables were rebuilt meanwhile
        return model.predict_proba(list(seg_texts))
    return model._proba_of_docs(LazyDocs(found, punct=False, surface=docs.surface), seg_texts)


def _evidence(model, P, whole, explained, best_part, seg_texts, hits) -> list[dict]:
    """The whole comment's evidence, plus the part or keywords behind each raised category."""
    fired = np.asarray(model.predict_from_proba(P), dtype=bool)
    out = []
    for i in range(P.shape[0]):
        words_by_label = dict(explained[i])
        for j in np.flatnonzero(fired[i]):
            label = model.classes_[j]
            if P[i, j] <= whole[i, j] and words_by_label.get(label):
                continue
            words = list(words_by_label.get(label, []))
            if hits is not None and j in hits[i]:
                words = list(dict.fromkeys(words + [f'"{p}"' for p in hits[i][j]]))
            if best_part[i, j] >= 0:
                part = seg_texts[best_part[i, j]]
                quote = part if len(part) <= _QUOTE_CHARS else part[: _QUOTE_CHARS - 1].rstrip() + "…"
                words.append(f'in "{quote}"')
            if not words and P[i, j] > whole[i, j]:  # raised by the word table alone: an empty cell hid why
                words = [NEAREST]
            if words:
                words_by_label[label] = words
        out.append(words_by_label)
    return out


# evidence of a category the word table's nearest description gave (evidence_cells shows it in words)
NEAREST = "_near_"
_VOCAB_KEYWORDS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_ZERO_SHOTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _zero_shot(model):
    """The shipped word table's zero-shot lift for a keyword-rules model (cached per model), or
    None (no table in this install, or a model without an analyzer)."""
    if not hasattr(model, "analyzer_"):
        return None
    if model not in _ZERO_SHOTS:
        from feedback_classifier.model.word_table import zero_shot_for

        _ZERO_SHOTS[model] = zero_shot_for(model)
    return _ZERO_SHOTS[model]


def _vocabulary_keywords(model, matcher):
    """The matcher as feature sets of ``model``'s vocabulary (cached per model), or None."""
    if matcher is None or not hasattr(getattr(model, "features_", None), "word_vocab_"):
        return None
    found = _VOCAB_KEYWORDS.get(model)
    features = model.features_
    if found is None or found[0] is not matcher or found[2] is not features:  # (a refit: another vocabulary)
        from feedback_classifier.model.keywords import VocabularyKeywords

        found = (matcher, VocabularyKeywords(matcher, features.word_vocab_, features.n_features_, model.classes_),
                 features)
        _VOCAB_KEYWORDS[model] = found
    return found[1]


class _Parts:
    """How ``enrich`` scores a model's comments: by parts, and with which keyword matcher."""

    def __init__(self, matcher):
        self.matcher = matcher


def uses_parts(model) -> _Parts | None:
    """``None`` for a model ``combined_proba`` cannot drive (no ``predict_proba_and_explain``,
    thresholds and decoding rule); else how to score its comments. A model whose
    ``keyword_rules_`` is true (the bundled default, models trained without labels) also gets
    its taxonomy's keyword matcher.

    >>> uses_parts(object()) is None
    True
    """
    needed = ("predict_proba_and_explain", "predict_from_proba", "thresholds_", "taxonomy_")
    if not all(hasattr(model, name) for name in needed):
        return None
    rules = getattr(model, "keyword_rules_", False) or _keyword_trust(model) is not None
    return _Parts(taxonomy_matcher(model.taxonomy_) if rules else None)


def _keyword_trust(model) -> float | None:
    """A model trained on labels: the share of its threshold a keyword-named category needs
    (``model/keyword_trust.py``), or None (no keyword lift chosen; the bundled default and
    ``--no-labels`` models keep their own rules)."""
    if getattr(model, "keyword_rules_", False):
        return None
    return getattr(model, "keyword_trust_", None)
