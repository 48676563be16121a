"""How far a model trained on labels trusts its taxonomy's keywords.

A user who wrote good keywords and then labelled a few hundred comments used to get a model that
ignored the keywords: on a SaaS taxonomy with ~9 distinct sentences per category it scored 0.23
held-out micro-F1 against the keyword matcher's 0.89, because new comments used words no
labelled comment had. ``fit`` now also chooses, on its own out-of-fold probabilities (the
internal cross-validation that tunes thresholds, grouped as that one is), how much a clear
keyword match (a child's keyword, or two of a parent's) may lift a category to its decision
threshold: where the model gives it at least ``ratio`` times that threshold. The lowest ratio
whose out-of-fold path micro-F1 is not below the model alone's is kept as ``keyword_trust_`` (the
user wrote the keywords: they are used unless they cost out of fold); none when every ratio costs
(then the model is left as it was). That rule (``RULE``) was chosen over "the best ratio, if it
gains 0.001" on the tuning splits of ``benchmarks/keyword_rules.py --tune`` (training parts only,
3 seeds): SaaS +0.027 / +0.060 more at 300 / 1,000 labels, SemEval-2016 en / ru and Banking77
within 0.002 of it. ``enrich`` (classify, analyze, evaluate, explain) applies it
in ``segments.combined_proba``; ``predict`` and ``predict_proba`` stay the model alone.

The lift matches every keyword on the comment's lemmas, not only those the model's vocabulary
holds (the words a few hundred labels never used are the point): phrases in the vocabulary from
the features (``keywords.VocabularyKeywords``), and a comment holding the first word of one
outside it word by word (``keywords.outside_rows``), so the features' speed is kept. It leaves
out the word table's zero-shot lift that the bundled and ``--no-labels`` models add, which
nothing here tuned.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence

import numpy as np

# Shares of a category's threshold its probability must reach for a keyword to lift it; 0: any
# keyword match names the category. A short grid: each costs one decoding of the training rows.
RATIOS = (0.0, 0.1, 0.2, 0.35, 0.5, 0.8)
# How a ratio is kept (``chosen_trust``): "no_loss", the lowest not below the model alone out of fold.
RULE = "no_loss"
# The other rule's bar: the best ratio beats the model alone by this much (one more right tag in ~1,000).
MIN_GAIN = 1e-3


def keyword_matrix(model, texts: Sequence[str], docs=None) -> np.ndarray:
    """``(n, n_classes)`` bool: the classes whose keywords clearly name each comment
    (``keywords.keyword_hits``; ``docs``: the texts as the model's analyzer read them)."""
    from feedback_classifier.model.keywords import keyword_hits, taxonomy_matcher

    matcher = taxonomy_matcher(model.taxonomy_)
    same = docs is not None and getattr(matcher, "analyzer", None) == getattr(model, "analyzer_", None)
    K = np.zeros((len(texts), len(model.classes_)), dtype=bool)
    for i, by_class in enumerate(keyword_hits(matcher, texts, model.classes_, token_lists=docs if same else None)):
        K[i, list(by_class)] = True
    return K


def lift(P: np.ndarray, K: np.ndarray, thresholds: np.ndarray, ratio: float) -> np.ndarray:
    """``P`` with each keyword-named class raised to its threshold where ``P`` is at least
    ``ratio`` times it (a new array).

    >>> lift(np.array([[0.1, 0.3]]), np.array([[True, True]]), np.array([0.5, 0.5]), 0.5).tolist()
    [[0.1, 0.5]]
    """
    raise_ = K & (P >= ratio * thresholds)
    return np.where(raise_, np.maximum(P, thresholds), P)


def tune_keyword_trust(model, texts: Sequence[str], docs, P: np.ndarray, G: np.ndarray) -> None:
    """Set ``model.keyword_trust_`` (see the module docstring) from the out-of-fold probabilities
    ``P`` and the path targets ``G`` of the training ``texts``; remove it when every ratio costs.
    ``keyword_oof_`` keeps the out-of-fold micro-F1 of the model alone, then with each of ``RATIOS``."""
    for name in ("keyword_trust_", "keyword_oof_"):
        model.__dict__.pop(name, None)
    if not getattr(model, "keyword_rules", True) or not any(model.taxonomy_.keywords(label) for label in model.classes_):
        return
    K = keyword_matrix(model, texts, docs)
    if not K.any():
        return
    thresholds = np.asarray(model.thresholds_, dtype=float)

    def score(Q: np.ndarray) -> float:
        from feedback_classifier.model.decoding import _micro_f1_matrix

        D = model._decode(Q, model.child_completion_, model.fallback_ratio_, model.extra_ratio_)
        return _micro_f1_matrix(G, model._path_matrix(D))

    lifted = [score(model.parents_at_least_children(lift(P, K, thresholds, r))) for r in RATIOS]
    model.keyword_oof_ = np.array([score(P), *lifted])
    trust = chosen_trust(model.keyword_oof_, RULE)
    if trust is not None:
        model.keyword_trust_ = trust


def chosen_trust(oof: np.ndarray, rule: str = "gain") -> float | None:
    """The ratio kept from ``keyword_oof_``'s scores (the model alone first, then each of ``RATIOS``), or None.
    ``"gain"``: the best, when it beats the model alone by ``MIN_GAIN`` (of equals, the highest ratio: the
    fewest lifts). ``"no_loss"``: the lowest ratio that does not score below the model alone.

    >>> chosen_trust(np.array([0.5, 0.4, 0.52, 0.52, 0.5, 0.5, 0.5])), chosen_trust(np.array([0.5, 0.4, 0.5, 0.5, 0.5, 0.5, 0.5]))
    (0.2, None)
    >>> chosen_trust(np.array([0.5, 0.4, 0.5, 0.5, 0.5, 0.5, 0.5]), "no_loss")
    0.1
    """
    alone, scores = float(oof[0]), np.asarray(oof[1:], dtype=float)
    if rule == "no_loss":
        ok = np.flatnonzero(scores >= alone)
        return float(RATIOS[ok[0]]) if len(ok) else None
    best = len(RATIOS) - 1 - int(np.argmax(scores[::-1]))
    return float(RATIOS[best]) if scores[best] >= alone + MIN_GAIN else None


class OutsideKeywords:
    """A matcher's phrases that a fitted model's vocabulary lacks (``VocabularyKeywords`` leaves them
    out): the words a few hundred labelled comments never used twice. One-word phrases are found on
    the batch analysis' flat token ids (``counts``); a comment that may hold a longer one (a word of it
    outside the vocabulary, or all its words) is matched word by word (``candidates``).
    """

    def __init__(self, matcher, vocab: dict, classes: Sequence[tuple]):
        import itertools

        import scipy.sparse as sp

        position = {label: j for j, label in enumerate(classes)}
        single: dict[str, set] = {}
        double: dict[tuple, set] = {}
        firsts, apart = set(), []
        for entries in matcher._index.values():
            for tokens, label, text in entries:
                grams = tokens if len(tokens) == 1 else [f"{a} {b}" for a, b in itertools.pairwise(tokens)]
                if text in matcher._literal or label not in position or all(g in vocab for g in grams):
                    continue
                if len(tokens) <= 2:
                    (single if len(tokens) == 1 else double).setdefault(tokens[0] if len(tokens) == 1 else tokens,
                                                                          set()).add(position[label])
                elif any(w not in vocab for w in tokens):  # its longest such word: the rarest, most likely
                    firsts.add(max((w for w in tokens if w not in vocab), key=len))
                else:  # words the vocabulary has, never side by side in training
                    apart.append(sorted({vocab[w] for w in tokens}))
        self.words, self.pairs = sorted(single), sorted(double)
        self.word_set = frozenset(self.words)
        self.T = _to_classes([single[w] for w in self.words], len(classes))
        self.T2 = _to_classes([double[p] for p in self.pairs], len(classes))
        self.firsts = frozenset(firsts)
        self.apart = sp.csc_matrix((np.ones(sum(map(len, apart)), dtype=np.float32),
                                    ([i for ids in apart for i in ids], [j for j, ids in enumerate(apart) for _ in ids])),
                                   shape=(max(vocab.values(), default=-1) + 1, len(apart)))
        self.apart_sizes = np.array([len(ids) for ids in apart], dtype=np.float32)

    def counts(self, docs) -> np.ndarray:
        """``(n_docs, n_classes)``: per class, the one- and two-word phrases outside the vocabulary each doc holds."""
        import scipy.sparse as sp

        n = len(docs)
        out = np.zeros((n, self.T.shape[1]), dtype=np.float32)
        for found, table in ((_rows_holding(docs, self.words, self.word_set), self.T),
                             (_rows_holding_pairs(docs, self.pairs), self.T2)):
            rows, cols = found
            if len(rows):
                M = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(n, table.shape[0]))
                M.data[:] = 1.0  # (a phrase twice in a comment is one phrase)
                out += (M @ table).toarray()
        return out

    def candidates(self, Xw, docs) -> list[int]:
        """Rows of ``Xw`` (``docs``: the same comments' tokens) that may hold a longer phrase outside the vocabulary."""
        import scipy.sparse as sp

        words = sorted(self.firsts)
        rows = set(_rows_holding(docs, words, self.firsts)[0].tolist()) if words else set()
        if self.apart.shape[1]:
            B = sp.csr_matrix((np.ones(len(Xw.data), dtype=np.float32), Xw.indices, Xw.indptr), shape=Xw.shape)
            counts = sp.csr_matrix(B[:, : self.apart.shape[0]] @ self.apart)
            rows.update(counts.nonzero()[0][counts.data >= self.apart_sizes[counts.indices] - 0.5].tolist())
        return sorted(rows)


def _rows_holding(docs, words: list[str], word_set: frozenset) -> tuple[np.ndarray, np.ndarray]:
    """``(rows, positions in words)`` of each occurrence of one of ``words`` in ``docs`` (token lists,
    or ``LazyDocs`` of a batch analysis, read on its flat token ids: one pass over every comment's
    token list cost ~5 µs a comment).

    >>> _rows_holding([["slow", "app"], ["webhook", "app", "webhook"]], ["app", "webhook"], frozenset({"app", "webhook"}))
    (array([0, 1, 1, 1]), array([0, 1, 0, 1]))
    """
    analysed = getattr(docs, "analysed", None)
    if not words or not len(docs):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if analysed is None:
        index = {w: j for j, w in enumerate(words)}
        found = [(i, index[t]) for i, tokens in enumerate(docs) if not word_set.isdisjoint(tokens)
                 for t in tokens if t in index]
        return np.array([i for i, _ in found], dtype=np.int64), np.array([j for _, j in found], dtype=np.int64)
    ids = np.array([analysed.source.token_id(w) for w in words])
    order = np.argsort(ids)
    at = np.flatnonzero(np.isin(analysed.ids, ids))
    rows = np.searchsorted(analysed.starts, at, side="right") - 1
    return rows, order[np.searchsorted(ids[order], analysed.ids[at])]


def _to_classes(class_sets: list, n_classes: int):
    """``(len(class_sets), n_classes)`` 0/1 matrix: row i marks the classes of ``class_sets[i]``."""
    import scipy.sparse as sp

    pairs = [(i, j) for i, js in enumerate(class_sets) for j in sorted(js)]
    return sp.csr_matrix((np.ones(len(pairs), dtype=np.float32), ([i for i, _ in pairs], [j for _, j in pairs])),
                         shape=(len(class_sets), n_classes))


def _rows_holding_pairs(docs, pairs: list[tuple[str, str]]) -> tuple[np.ndarray, np.ndarray]:
    """``(rows, positions in pairs)`` where a doc holds a pair's first word and, at most ``keywords._GAP``
    tokens later, its second (as ``KeywordMatcher`` matches a phrase).

    >>> _rows_holding_pairs([["take", "so", "forever"], ["forever", "take"]], [("take", "forever")])
    (array([0]), array([0]))
    """
    from feedback_classifier.model.keywords import _GAP

    if not pairs or not len(docs):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    analysed = getattr(docs, "analysed", None)
    if analysed is None:
        index = {p: j for j, p in enumerate(pairs)}
        found = {(i, index[(a, b)]) for i, tokens in enumerate(docs) for k, a in enumerate(tokens)
                 for b in tokens[k + 1 : k + 2 + _GAP] if (a, b) in index}
        found = sorted(found)
        return np.array([i for i, _ in found], dtype=np.int64), np.array([j for _, j in found], dtype=np.int64)
    ids, starts = analysed.ids.astype(np.int64), analysed.starts
    token_id = analysed.source.token_id
    codes = np.array([token_id(a) * (1 << 32) + token_id(b) for a, b in pairs], dtype=np.int64)
    order = np.argsort(codes)
    at = np.flatnonzero(np.isin(ids, codes >> 32))
    rows = np.searchsorted(starts, at, side="right") - 1
    ends = starts[rows + 1]
    found_rows, found_cols = [], []
    for k in range(1, _GAP + 2):
        ok = at + k < ends
        code = ids[at[ok]] * (1 << 32) + ids[at[ok] + k]
        hit = np.isin(code, codes)
        found_rows.append(rows[ok][hit])
        found_cols.append(order[np.searchsorted(codes[order], code[hit])])
    return np.concatenate(found_rows), np.concatenate(found_cols)


_OUTSIDE_KEYWORDS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # per fitted model


def outside_keywords(model, matcher):
    """The matcher's phrases ``model``'s vocabulary lacks (``keyword_trust.OutsideKeywords``; cached per model)."""
    found = _OUTSIDE_KEYWORDS.get(model)
    if found is None or found[0] is not matcher or found[2] is not model.features_:  # (a refit: another vocabulary)
        found = (matcher, OutsideKeywords(matcher, model.features_.word_vocab_, model.classes_), model.features_)
        _OUTSIDE_KEYWORDS[model] = found
    return found[1]
