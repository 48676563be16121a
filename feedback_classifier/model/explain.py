"""Why a comment got its labels: the words and phrases behind each predicted label.

A label's score is linear in the features, and every feature belongs to a word of the
comment (its unigram, its char n-grams) or to a word n-gram phrase, so the score splits
exactly into per-word and per-phrase shares. ``_Explaining`` computes those shares for a
whole batch with array operations instead of a loop per comment.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import pandas as pd
import scipy.sparse as sp

from feedback_classifier._arrays import ranges
from feedback_classifier.errors import ParameterError
from feedback_classifier.lang.normalization import (
    PLACEHOLDERS,
    TOKEN_RE,
    drop_invisible,
)
from feedback_classifier.model.base import check_is_fitted
from feedback_classifier.model.features import _Parts
from feedback_classifier.taxonomy import Label

# Comments per feature pass when explaining: bounds the (comment, label, char n-gram)
# arrays of the evidence computation to a few tens of MB.
_EXPLAIN_BATCH = 2048
# tables derived from the fitted state at first use (not pickled)
_EXPLAIN_CACHES = ("_names_cache", "_word_tables_cache", "_coef_t_cache")


def _checked_top_k(top_k) -> int:
    """``top_k`` as a count: -1 gave every label no words and 1.5 two, silently; None a TypeError from inside."""
    if not isinstance(top_k, (int, np.integer)) or isinstance(top_k, bool) or top_k < 0:
        raise ParameterError(f"top_k must be a whole number >= 0 (words per label), got {top_k!r}.")
    return int(top_k)


def as_written(text: str, analyzer, cache: dict | None = None) -> dict[str, str]:
    """``{lemma: the comment's word it came from}`` (the first such word), from each word of
    ``text`` analysed alone (``cache``: piece -> its tokens, shared over a batch). Evidence built
    from lemmas cited words the comment does not hold: "опоздать" for "опоздал", "wrong" for
    "worse", "well" for "better", so an analyst searching the comment for them found nothing (or,
    for "wrong", a different word). Placeholders (numbers, links, e-mails, phones) are left to
    :func:`readable_placeholders`: their text may be personal.

    >>> from feedback_classifier.lang import TextAnalyzer
    >>> written = as_written("Курьер опоздал, it got worse", TextAnalyzer())
    >>> written["опоздать"], written["wrong"]
    ('опоздал', 'worse')
    """
    if analyzer is None or not callable(analyzer) or not isinstance(text, str):
        return {}
    cache = {} if cache is None else cache
    out: dict[str, str] = {}
    for piece in TOKEN_RE.findall(unicodedata.normalize("NFC", drop_invisible(text))):
        tokens = cache.get(piece)
        if tokens is None:
            tokens = cache[piece] = [t for t in analyzer(piece) if isinstance(t, str) and t not in PLACEHOLDERS]
        for token in tokens:
            out.setdefault(token, piece)
    return out


def written_term(term: str, written: dict) -> str:
    """An evidence term (a word, a phrase, a quoted keyword, ``in "<part>"``) in the comment's words."""
    if not written or term.startswith('in "'):  # a part is quoted as written already
        return term
    quoted = len(term) > 2 and term[0] == term[-1] == '"'
    inner = term[1:-1] if quoted else term
    inner = " ".join(written.get(w, w) for w in inner.split(" "))
    return f'"{inner}"' if quoted else inner


def model_terms(model) -> dict:
    """Keywords asking ``model``'s explanation in its own terms (lemmas), which this module maps to
    the comment's words once; a stand-in model without that option explains as it does."""
    return {"written": False} if hasattr(model, "_as_written") else {}


class _Explaining:
    """``explain`` and ``predict_proba_and_explain`` of ``FeedbackClassifier``."""

    def explain(self, X, top_k: int = 5, written: bool = True) -> list[dict[Label, list[str]]]:
        """Words/phrases of each text that most support each of its predicted deepest labels.

        Each feature present in the text contributes ``coef * value`` to a label's score;
        a word's share is its unigram's contribution plus the character n-grams it
        contains (an n-gram found in several words of the text is split equally between
        them); word bigrams are credited as phrases. Returns, per text,
        ``{label: [word or phrase, ...]}`` for each predicted deepest label, at most
        ``top_k`` entries, strongest first (only positive contributions; words and phrases
        made of function words are left out, negation markers spelled out: "not late"). Each word
        is the text's own, as written ("опоздал", "worse"); ``written=False`` gives the model's
        terms instead (lemmas: "опоздать", "wrong").

        >>> from feedback_classifier.model.estimator import FeedbackClassifier
        >>> texts = ["rude staff", "slow delivery", "rude and slow", "nice staff"] * 5
        >>> y = [[("service", "staff")], [("delivery", None)],
        ...      [("service", "staff"), ("delivery", None)], [("service", None)]] * 5
        >>> clf = FeedbackClassifier(analyzer=str.split, cv=2).fit(texts, y)
        >>> clf.explain(["rude staff"], top_k=1)
        [{('service', 'staff'): ['rude']}]
        """
        return self.predict_proba_and_explain(X, top_k=top_k, written=written)[1]

    def predict_proba_and_explain(self, X, top_k: int = 5,
                                  written: bool = True) -> tuple[np.ndarray, list[dict[Label, list[str]]]]:
        """``(predict_proba(X), explain(X, top_k))`` from one analysis and feature pass.

        What ``classify --explain`` uses: tens of times faster than calling the two
        separately on large batches. The labels explained are those of
        ``predict_from_proba`` of the returned probabilities.
        """
        check_is_fitted(self, "coef_")
        texts = self._texts(X, fitting=False)
        P, evidence = self._proba_and_evidence(texts, self._analyze(texts), _checked_top_k(top_k))
        return P, (self._as_written(texts, evidence) if written else evidence)

    def explain_labels(self, X, labels, top_k: int = 5, written: bool = True) -> list[dict[Label, list[str]]]:
        """Words/phrases of each text behind the labels set in ``labels`` (rows = texts, columns =
        ``classes_``), whichever labels the model alone would predict: ``enrich`` decides with the
        comment's parts and keywords too, and explains the labels it decided. Same terms and order
        as :meth:`explain`; an entry for every label asked, empty when no word argues for it.

        >>> from feedback_classifier.model.estimator import FeedbackClassifier
        >>> texts = ["rude staff", "slow delivery", "rude and slow", "nice staff"] * 5
        >>> y = [[("service", "staff")], [("delivery", None)],
        ...      [("service", "staff"), ("delivery", None)], [("service", None)]] * 5
        >>> clf = FeedbackClassifier(analyzer=str.split, cv=2).fit(texts, y)
        >>> asked = np.array([[label == ("delivery", None) for label in clf.classes_]])
        >>> clf.explain_labels(["rude and slow"], asked, top_k=1)
        [{('delivery', None): ['slow']}]
        """
        check_is_fitted(self, "coef_")
        top_k = _checked_top_k(top_k)
        texts = self._texts(X, fitting=False)
        docs = self._analyze(texts)
        M = np.asarray(labels, dtype=bool)
        if M.shape != (len(texts), len(self.classes_)):  # a short matrix cut the answer short, silently
            raise ValueError(f"labels must have shape ({len(texts)}, {len(self.classes_)}) (a row per text, a column "
                             f"per class in classes_), got {M.shape}.")
        evidence: list[dict[Label, list[str]]] = []
        for start in range(0, len(texts), _EXPLAIN_BATCH):
            stop = start + _EXPLAIN_BATCH
            evidence.extend(self._evidence(self.features_._parts(docs[start:stop], token_chars=True), M[start:stop], top_k))
        return self._as_written(texts, evidence) if written else evidence

    def _as_written(self, texts, evidence: list[dict[Label, list[str]]]) -> list[dict[Label, list[str]]]:
        """Evidence terms in each text's own words: the model's terms are lemmas, and an analyst
        searching a comment for "опоздать" or "wrong" found nothing (it says "опоздал", "worse")."""
        analyzer, pieces = getattr(self, "analyzer_", None), {}
        out = []
        for text, by_label in zip(texts, evidence):
            words = as_written(text, analyzer, pieces) if by_label else {}
            out.append({label: [written_term(w, words) for w in terms] for label, terms in by_label.items()})
        return out

    def _proba_and_evidence(self, texts, docs, top_k: int):
        """``predict_proba_and_explain`` of texts already analysed (``docs = self._analyze(texts)``)."""
        P = np.zeros((len(texts), len(self.classes_)))
        evidence: list[dict[Label, list[str]]] = []
        for start in range(0, len(texts), _EXPLAIN_BATCH):
            stop = start + _EXPLAIN_BATCH
            parts = self.features_._parts(docs[start:stop], token_chars=True)
            Pb = self._calibrate(np.asarray(self._scores(parts, texts[start:stop], docs[start:stop]), dtype=np.float64))
            P[start:stop] = Pb
            evidence.extend(self._evidence(parts, self._path_matrix(self.predict_from_proba(Pb)), top_k))
        return P, evidence

    def _evidence(self, parts: _Parts, M: np.ndarray, top_k: int) -> list[dict[Label, list[str]]]:
        """Evidence of the labels set in ``M`` (rows = the batch's texts), vectorised.

        For every (text, label) pair the contributions of the text's features are
        summed per *slot* (a distinct word of the text, or a word n-gram phrase) with
        one ``bincount``; the terms are added in the same order as a plain loop over
        the text's sorted features would add them, so the sums are bit-identical to
        that definition (and so is the ranking).
        """
        out: list[dict[Label, list[str]]] = [{} for _ in range(M.shape[0])]
        pair_row, pair_label = np.nonzero(M)  # row-major: labels in class order
        classes = self.classes_
        if top_k <= 0 or not len(pair_row):
            for i, j in zip(pair_row, pair_label):
                out[i][classes[j]] = []
            return out
        rows = np.unique(pair_row)
        pr = np.searchsorted(rows, pair_row)  # each pair's row among ``rows``
        slots = _slots(parts, rows, self._word_feature_tables())
        triples = _char_triples(parts, rows, slots)
        coef_flat = self._coef_by_class().ravel()  # (class, feature) order: one flat take
        sums, pair_base = _slot_sums(coef_flat, self.coef_.shape[0], pr, pair_label, slots, triples)
        words, counts = _top_terms(sums, pair_base, pr, slots, top_k)
        at = 0
        for p, (i, j) in enumerate(zip(rows[pr], pair_label)):
            out[i][classes[j]] = words[at : at + counts[p]]
            at += counts[p]
        return out

    def _coef_by_class(self) -> np.ndarray:
        """``coef_.T`` as a C-contiguous array (each class's weights contiguous), cached."""
        coef_t = getattr(self, "_coef_t_cache", None)
        if coef_t is None:
            coef_t = np.ascontiguousarray(self.coef_.T)
            self._coef_t_cache = coef_t
        return coef_t

    def _word_feature_tables(self):
        """Per word feature: its text, whether it contains a function word, whether it
        is a single word (unigram); computed once per model."""
        tables = getattr(self, "_word_tables_cache", None)
        if tables is None:
            n_word = self.features_.n_word_
            names = np.empty(n_word, dtype=object)
            names[:] = self._feature_names()[:n_word]
            stop = _stop_words()
            word_stop = np.fromiter((any(w in stop for w in t.split(" ")) for t in names), dtype=bool, count=n_word)
            is_unigram = np.fromiter((" " not in t for t in names), dtype=bool, count=n_word)
            tables = (names, word_stop, is_unigram)
            self._word_tables_cache = tables
        return tables

    def _feature_names(self) -> list[str]:
        names = getattr(self, "_names_cache", None)
        if names is None:
            names = self.features_.feature_names()
            self._names_cache = names
        return names


class _Slots(NamedTuple):
    """The units evidence is credited to, per row of a batch: its distinct words, then its
    word n-gram phrases. Slot ids run over the whole batch, row after row."""

    Xw: sp.csr_matrix  # the rows' word block
    Ct: sp.csr_matrix  # the rows' distinct words (canonical copy: sorted by local token id)
    ct_row: np.ndarray  # the row of each entry of ``Ct``
    n_slot: np.ndarray  # slots per row
    base: np.ndarray  # each row's first slot
    tok_slot: np.ndarray  # the slot of each entry of ``Ct``
    w_slot: np.ndarray  # the slot of each entry of ``Xw`` (a unigram's is its word's)
    text: np.ndarray  # each slot's text
    stop: np.ndarray  # whether it is (or contains) a function word


class _Triples(NamedTuple):
    """Each (row, word of the row, char n-gram of the word) of a batch's char block."""

    feat: np.ndarray  # the n-gram's feature id
    slot: np.ndarray  # the word's slot within its row
    value: np.ndarray  # the n-gram's value in the row
    owners: np.ndarray  # how many words of the row contain the n-gram
    ptr: np.ndarray  # the triples of row r are ``[ptr[r], ptr[r + 1])``


def _slots(parts: _Parts, rows: np.ndarray, tables) -> _Slots:
    """The slots of ``rows`` of the batch; ``tables``: ``_word_feature_tables()``."""
    names, word_stop, is_unigram = tables
    Xw = parts.Xw[rows]
    n_rows, n_local = len(rows), len(parts.tokens)
    Ct = parts.Cw[rows].copy()
    Ct.sum_duplicates()
    n_tok = np.diff(Ct.indptr)
    ct_row = np.repeat(np.arange(n_rows), n_tok)
    w_row = np.repeat(np.arange(n_rows), np.diff(Xw.indptr))
    w_feat = Xw.indices
    uni = is_unigram[w_feat]
    n_phrase = np.bincount(w_row[~uni], minlength=n_rows)
    n_slot = n_tok + n_phrase
    slot_base = np.r_[0, np.cumsum(n_slot)[:-1]].astype(np.int64)
    tok_slot = slot_base[ct_row] + (np.arange(Ct.nnz) - Ct.indptr[ct_row])
    w_slot = np.empty(len(w_feat), dtype=np.int64)
    # unigram -> the slot of its word in that row
    local_of_word = np.full(len(is_unigram), -1, dtype=np.int64)
    has = parts.word_ids >= 0
    local_of_word[parts.word_ids[has]] = np.flatnonzero(has)
    ct_key = ct_row.astype(np.int64) * n_local + Ct.indices
    uni_key = w_row[uni].astype(np.int64) * n_local + local_of_word[w_feat[uni]]
    w_slot[uni] = tok_slot[np.searchsorted(ct_key, uni_key)]
    phrase_rank = np.arange(int((~uni).sum())) - np.r_[0, np.cumsum(n_phrase)[:-1]][w_row[~uni]]
    w_slot[~uni] = slot_base[w_row[~uni]] + n_tok[w_row[~uni]] + phrase_rank
    text, stop = _slot_texts(parts, Ct, tok_slot, w_slot[~uni], w_feat[~uni], int(n_slot.sum()), tables)
    return _Slots(Xw, Ct, ct_row, n_slot, slot_base, tok_slot, w_slot, text, stop)


def _slot_texts(parts: _Parts, Ct, tok_slot, phrase_slot, phrase_feat, n_slots: int, tables):
    """Each slot's text and whether it is (or contains) a function word."""
    names, word_stop, _ = tables
    n_local = len(parts.tokens)
    slot_text = np.empty(n_slots, dtype=object)
    slot_stop = np.zeros(n_slots, dtype=bool)
    tokens = np.empty(n_local, dtype=object)
    tokens[:] = parts.tokens
    slot_text[tok_slot] = tokens[Ct.indices]
    # a word in the vocabulary has its flag in the table; the others are checked once per batch
    has = parts.word_ids >= 0
    tok_stop = np.zeros(n_local, dtype=bool)
    tok_stop[has] = word_stop[parts.word_ids[has]]
    stop_words = _stop_words()
    for t in np.unique(Ct.indices[~has[Ct.indices]]):
        tok_stop[t] = any(w in stop_words for w in parts.tokens[t].split(" "))
    slot_stop[tok_slot] = tok_stop[Ct.indices]
    slot_text[phrase_slot] = names[phrase_feat]
    slot_stop[phrase_slot] = word_stop[phrase_feat]
    return slot_text, slot_stop


def _char_triples(parts: _Parts, rows: np.ndarray, slots: _Slots) -> _Triples:
    """The char n-grams of each word of ``rows``, with their owners and values in the row."""
    V = parts.V  # the words' own char n-grams: who owns an n-gram of the row
    Ct = slots.Ct
    n_rows, n_feat = len(rows), V.shape[1]
    v_start = V.indptr[Ct.indices]
    v_len = V.indptr[Ct.indices + 1] - v_start
    tri_word = np.repeat(np.arange(Ct.nnz), v_len)
    tri_feat = V.indices[ranges(v_start, v_len)]
    tri_row = slots.ct_row[tri_word]
    Xc = sp.csr_matrix(parts.Cc[rows] @ parts.Vc)  # the char block, as ``transform`` computes it
    xc_key = np.repeat(np.arange(n_rows, dtype=np.int64), np.diff(Xc.indptr)) * n_feat + Xc.indices
    # a hash look-up (pandas' Index) of each triple's (row, n-gram) entry: several times
    # faster than sorting the char block and searchsorted
    pos = pd.Index(xc_key).get_indexer(tri_row.astype(np.int64) * n_feat + tri_feat)
    found = pos >= 0
    if not found.all():
        # char n-grams come from the surface forms: a lemma's n-gram that no written
        # word of the row has is no feature of the row
        tri_word, tri_feat, tri_row, pos = tri_word[found], tri_feat[found], tri_row[found], pos[found]
    owners = np.bincount(pos, minlength=Xc.nnz)[pos].astype(np.float64)
    tri_slot = slots.tok_slot[tri_word] - slots.base[tri_row]
    tri_ptr = np.r_[0, np.cumsum(np.bincount(tri_row, minlength=n_rows))]
    return _Triples(tri_feat, tri_slot, Xc.data[pos].astype(np.float64), owners, tri_ptr)


def _slot_sums(coef_flat, n_coef: int, pr, pair_label, slots: _Slots, tri: _Triples):
    """``(sums, pair_base)``: each (pair, slot)'s summed contribution, pair ``p``'s slots
    at ``[pair_base[p], pair_base[p + 1])``.

    Word features come first: a word's sum starts with its unigram, then its n-grams in
    ascending feature order.
    """
    Xw, n_slot, slot_base = slots.Xw, slots.n_slot, slots.base
    pair_base = np.r_[0, np.cumsum(n_slot[pr])]
    w_start, w_len = Xw.indptr[pr], np.diff(Xw.indptr)[pr]
    wi = ranges(w_start, w_len)
    w_pair = np.repeat(np.arange(len(pr)), w_len)
    wc = coef_flat[np.repeat(pair_label * n_coef, w_len) + Xw.indices[wi]].astype(np.float64)
    wc *= Xw.data[wi]
    w_bin = pair_base[w_pair] + slots.w_slot[wi] - slot_base[pr[w_pair]]
    t_len = tri.ptr[pr + 1] - tri.ptr[pr]
    ti = ranges(tri.ptr[pr], t_len)
    tc = coef_flat[np.repeat(pair_label * n_coef, t_len) + tri.feat[ti]].astype(np.float64)
    tc *= tri.value[ti]
    tc /= tri.owners[ti]
    t_bin = np.repeat(pair_base[:-1], t_len) + tri.slot[ti]
    sums = np.bincount(np.r_[w_bin, t_bin], weights=np.r_[wc, tc], minlength=int(pair_base[-1]))
    return sums, pair_base


def _top_terms(sums, pair_base, pr, slots: _Slots, top_k: int) -> tuple[list[str], np.ndarray]:
    """The readable terms of each pair's best ``top_k`` slots, pair after pair, and how
    many each pair got. Strongest first, ties by the text, descending (as
    ``sorted((c, t))[::-1]``); no function words, nothing that argues against the label."""
    bin_pair = np.repeat(np.arange(len(pr)), slots.n_slot[pr])
    bin_slot = slots.base[pr[bin_pair]] + np.arange(len(sums)) - pair_base[bin_pair]
    keep = np.flatnonzero((sums > 0) & ~slots.stop[bin_slot])
    order = keep[np.lexsort((-sums[keep], bin_pair[keep]))]
    o_pair, o_sum = bin_pair[order], sums[order]
    tied = np.flatnonzero((o_pair[1:] == o_pair[:-1]) & (o_sum[1:] == o_sum[:-1]))
    for p in np.unique(o_pair[tied]):
        seg = np.flatnonzero(o_pair == p)
        ranked = sorted(((o_sum[i], slots.text[bin_slot[order[i]]], order[i]) for i in seg), reverse=True)
        order[seg] = [b for _, _, b in ranked]
    first = np.searchsorted(o_pair, o_pair)  # start of each pair's run (o_pair is sorted)
    top = np.flatnonzero(np.arange(len(order)) - first < top_k)
    words = [_readable(t) for t in slots.text[bin_slot[order[top]]]]
    return words, np.bincount(o_pair[top], minlength=len(pr))


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from feedback_classifier.lang import STOP_WORDS

    return frozenset(STOP_WORDS) | {"be", "have", "do", "быть", "not", "не"}


@lru_cache(maxsize=200_000)
def _readable(term: str) -> str:
    """A feature term as a user reads it: negation markers spelled out in the word's language.

    >>> _readable("not_привезти заказ"), _readable("не_good"), _readable("NOT_late")
    ('не привезти заказ', 'not good', 'not late')
    """
    words = []
    for w in term.split(" "):
        for marker in ("NOT_", "not_", "НЕ_", "не_"):
            if w.startswith(marker) and len(w) > len(marker):
                rest = w[len(marker) :]
                w = ("не " if re.search("[а-яё]", rest, re.IGNORECASE) else "not ") + rest
                break
        words.append(w)
    return " ".join(words)
