"""Polarity of each category mentioned in a comment: complaint, praise or neutral.

``AspectSentiment`` judges one (comment, category) pair at a time, so a comment that
praises the food and blames the service gets ``Food=positive; Service=negative``.
The sentence's overall tone is the easy part; the points are in telling each
category's own polarity, so the features are, per pair:

* **global**: lemma unigrams + bigrams of the whole comment (the analyzer marks
  negation: ``not_good``, ``не_вкусный``), plus ``!``/``?`` cues;
* **local**: the same for the *clauses about the category*. A comment is split into
  clauses at punctuation and at contrast words ("but", "however", "но", "зато"...);
  each category has *aspect words* learned in ``fit`` (smoothed log-odds of a word in
  comments with vs without the category), and the clauses holding the category's
  strongest aspect word are its local context (the whole comment when none holds one).
  Whether that clause follows or precedes a contrast word is a feature too;
* **category-specific**: the local words crossed with the category ("small" is
  praise for prices, a complaint about portions), and the category itself (its prior).

Each block is L2-normalised and weighted; one multinomial logistic regression over
``negative``, ``neutral``, ``positive`` decides. Prediction is a few dict look-ups per
word and one sparse product: no torch.

Labels are hashable category ids (the project uses ``(parent_id, child_id)`` tuples);
``None`` stands for "the comment as a whole" (used for comments without a category).
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

POLARITIES = ("negative", "neutral", "positive")
#: ``conflict`` in a training or gold cell is read as two opinions, one positive and one negative.
CONFLICT = "conflict"

CONTRAST_WORDS = frozenset(
    "but however although though whereas except yet but still nevertheless "
    "но однако зато хотя правда впрочем а".split()
)
INTENSIFIERS = frozenset(
    "very really so too extremely absolutely totally incredibly super highly quite utterly "
    "очень слишком крайне совсем абсолютно супер невероятно ужасно просто реально вообще".split()
)
_CONTRAST_RE = "|".join(sorted(CONTRAST_WORDS - {"а", "yet"}, key=len, reverse=True))
# A clause ends at punctuation or a dash, and starts again at a contrast word.
_CLAUSE_RE = re.compile(rf"[.!?;,:()\n]+|\s[-–—]+\s|(?<!\w)(?=(?:{_CONTRAST_RE})(?!\w))", re.IGNORECASE)
_EMOJI_RE = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")


class AspectSentiment(BaseEstimator):
    """Polarity of each (comment, category) pair; see the module docstring.

    Parameters
    ----------
    analyzer : callable or None
        ``text -> list[str]`` tokens; ``None``: the project's ``TextAnalyzer`` (lemmas,
        negation marked).
    C : float
        Inverse regularisation of the logistic regression.
    local_weight, cross_weight, global_weight : float
        Lengths of the local, category x local and global feature blocks.
    class_weight : "balanced" or None
        Re-weighting of the polarities (neutral is rare in most data).

    >>> texts = ["the food was great but the staff was rude", "rude staff", "great food",
    ...          "the staff was friendly but the food was cold", "cold food", "friendly staff"] * 3
    >>> cats = ["food", "staff", "food", "staff", "food", "staff"] * 3
    >>> pols = ["positive", "negative", "positive", "positive", "negative", "positive"] * 3
    >>> m = AspectSentiment(analyzer=str.split).fit(texts, cats, pols)
    >>> m.predict(["the food was great but the staff was rude"] * 2, ["food", "staff"])
    ['positive', 'negative']
    """

    def __init__(self, analyzer=None, *, C: float = 1.0, local_weight: float = 1.0, cross_weight: float = 0.5,
                 global_weight: float = 1.0, char_weight: float = 1.0, class_weight: str | None = None):
        self.analyzer = analyzer
        self.C = C
        self.local_weight = local_weight
        self.cross_weight = cross_weight
        self.global_weight = global_weight
        self.char_weight = char_weight
        self.class_weight = class_weight

    # ---- text -> clauses
    def _analyzer(self):
        if self.analyzer is not None:
            return self.analyzer
        from feedback_classifier.lang import TextAnalyzer

        analyzer = getattr(self, "_default_analyzer", None)
        if analyzer is None:
            analyzer = self._default_analyzer = TextAnalyzer()
        return analyzer

    def _clauses(self, text: str) -> tuple[list[list[str]], list[str]]:
        """``(tokens per clause, cue features of the comment)``."""
        analyzer = self._analyzer()
        pieces = [p for p in _CLAUSE_RE.split(text) if p and p.strip()]
        clauses = [analyzer(p) for p in pieces] or [[]]
        cues = []
        cues.extend(_char_grams(text.lower()))
        if "!" in text:
            cues.append("!!" if "!!" in text else "!")
        if "?" in text:
            cues.append("?")
        if _EMOJI_RE.search(text) is None and any(w.isupper() and len(w) > 2 for w in text.split()):
            cues.append("CAPS")
        return clauses, cues

    # ---- fitting
    def fit(self, texts: Sequence[str], categories: Sequence[Hashable], polarities: Sequence[str]):
        """Train on opinions: ``texts[i]`` says ``polarities[i]`` about ``categories[i]``.

        A comment with several opinions appears once per opinion (the same category twice
        with different polarities is fine: both are kept). Returns ``self``.
        """
        if not (len(texts) == len(categories) == len(polarities)):
            raise ValueError("texts, categories and polarities must have the same length")
        bad = sorted({p for p in polarities if p not in POLARITIES})
        if bad:
            raise ValueError(f"unknown polarity {bad[0]!r}: use one of {', '.join(POLARITIES)}")
        if not texts:
            raise ValueError("Cannot fit on 0 opinions.")
        cache = {t: self._clauses(t) for t in dict.fromkeys(texts)}
        self.aspect_words_ = _aspect_words(cache, texts, categories)
        self.categories_ = sorted({c for c in categories if c is not None}, key=repr)
        feats = [self._features(cache[t], c) for t, c in zip(texts, categories)]
        vocab: dict[str, int] = {}
        for f in feats:
            for name in f:
                vocab.setdefault(name, len(vocab))
        self.vocabulary_ = vocab
        X = self._matrix(feats)
        y = np.array([POLARITIES.index(p) for p in polarities])
        present = np.unique(y)
        self.classes_ = np.array(POLARITIES)
        self.coef_ = np.zeros((len(POLARITIES), X.shape[1]))
        self.intercept_ = np.full(len(POLARITIES), -30.0)
        if len(present) == 1:
            self.intercept_[present[0]] = 0.0
            return self
        lr = LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=2000).fit(X, y)
        rows = lr.coef_ if len(present) > 2 else np.vstack([-lr.coef_[0] / 2, lr.coef_[0] / 2])
        icpt = lr.intercept_ if len(present) > 2 else np.array([-lr.intercept_[0] / 2, lr.intercept_[0] / 2])
        self.coef_[present] = rows
        self.intercept_[present] = icpt
        return self

    # ---- features
    def _local(self, clauses: list[list[str]], category) -> tuple[list[int], list[str]]:
        """Indices of the clauses about ``category`` and position cues."""
        words = self.aspect_words_.get(category) if category is not None else None
        if not words or len(clauses) == 1:
            return list(range(len(clauses))), []
        scores = [max((words.get(t, 0.0) for t in clause), default=0.0) for clause in clauses]
        best = max(scores)
        if best <= 0.0:
            return list(range(len(clauses))), ["nolocal"]
        chosen = [i for i, s in enumerate(scores) if s == best]
        cues = []
        first, last = chosen[0], chosen[-1]
        if clauses[first] and clauses[first][0] in CONTRAST_WORDS:
            cues.append("after_contrast")
        if last + 1 < len(clauses) and clauses[last + 1] and clauses[last + 1][0] in CONTRAST_WORDS:
            cues.append("before_contrast")
        return chosen, cues

    def _features(self, analysed, category) -> dict[str, float]:
        clauses, cues = analysed
        chosen, position = self._local(clauses, category)
        tokens = [t for clause in clauses for t in clause]
        local = [t for i in chosen for t in clauses[i]]
        out: dict[str, float] = {}
        chars = [c for c in cues if c[0] == "#"]
        cues = [c for c in cues if c[0] != "#"]
        _block(out, "", chars, self.char_weight)
        _block(out, "g:", _grams(tokens) + cues, self.global_weight)
        _block(out, "l:", _grams(local) + position + [c for c in cues if c != "CAPS"], self.local_weight)
        cat = repr(category)
        _block(out, cat + "|", local + position, self.cross_weight)
        out["c=" + cat] = 1.0
        return out

    def _matrix(self, feats: list[dict[str, float]]) -> sp.csr_matrix:
        vocab = self.vocabulary_
        indptr, indices, values = [0], [], []
        for f in feats:
            for name, v in f.items():
                j = vocab.get(name)
                if j is not None:
                    indices.append(j)
                    values.append(v)
            indptr.append(len(indices))
        return sp.csr_matrix((values, indices, indptr), shape=(len(feats), len(vocab)))

    # ---- prediction
    def predict_proba(self, texts: Sequence[str], categories: Sequence[Hashable]) -> np.ndarray:
        """Probabilities of ``classes_`` (negative, neutral, positive) per (text, category) pair."""
        check_is_fitted(self, "coef_")
        cache: dict[str, tuple] = {}
        feats = []
        for t, c in zip(texts, categories):
            analysed = cache.get(t)
            if analysed is None:
                analysed = cache[t] = self._clauses(t)
            feats.append(self._features(analysed, c))
        scores = self._matrix(feats) @ self.coef_.T + self.intercept_
        scores -= scores.max(axis=1, keepdims=True)
        e = np.exp(scores)
        return e / e.sum(axis=1, keepdims=True)

    def predict(self, texts: Sequence[str], categories: Sequence[Hashable]) -> list[str]:
        """The polarity of each (text, category) pair.

        >>> m = AspectSentiment(analyzer=str.split).fit(["good", "bad"] * 3, ["x"] * 6, ["positive", "negative"] * 3)
        >>> m.predict(["good", "bad"], ["x", "x"])
        ['positive', 'negative']
        """
        proba = self.predict_proba(texts, categories)
        return [POLARITIES[j] for j in proba.argmax(axis=1)]

    def cues(self, text: str, category, polarity: str, top_k: int = 3) -> list[str]:
        """The words behind ``polarity`` for ``category`` in ``text``: its strongest local
        words (negated ones spelled "not good"), then the contrast word, intensifier or
        emoji of its clauses.

        >>> m = AspectSentiment(analyzer=str.split).fit(["good", "bad"] * 3, ["x"] * 6, ["positive", "negative"] * 3)
        >>> m.cues("bad", "x", "negative")
        ['bad']
        """
        check_is_fitted(self, "coef_")
        analysed = self._clauses(text)
        feats = self._features(analysed, category)
        k = POLARITIES.index(polarity)
        others = [j for j in range(len(POLARITIES)) if j != k]
        weight = self.coef_[k] - self.coef_[others].mean(axis=0)
        stop = _stop_words()
        share: Counter = Counter()
        for name, v in feats.items():
            j = self.vocabulary_.get(name)
            if j is None or not name.startswith("l:"):
                continue
            word = name[2:]
            parts = word.split(" ")
            if word in _NOT_WORDS or any(w in stop or w in CONTRAST_WORDS for w in parts) or (
                len(parts) == 2 and parts[1].startswith(parts[0] + "_")  # "not not_late": "not late" says it
            ):
                continue
            share[word] += v * weight[j]
        words = [_spell(w) for w, s in share.most_common(top_k) if s > 0]
        chosen, _ = self._local(analysed[0], category)
        local = [t for i in chosen for t in analysed[0][i]]
        extra = [t for t in local if t in CONTRAST_WORDS or t in INTENSIFIERS or _EMOJI_RE.fullmatch(t)]
        return list(dict.fromkeys(words + extra))


def overall_polarity(polarities: Sequence[str]) -> str:
    """A comment's tone from its categories' polarities: ``mixed`` when it both praises
    and complains, else the one that occurs, else ``neutral``.

    >>> overall_polarity(["positive", "negative"]), overall_polarity(["neutral", "negative"]), overall_polarity([])
    ('mixed', 'negative', 'neutral')
    """
    kinds = set(polarities)
    if {"positive", "negative"} <= kinds:
        return "mixed"
    for kind in ("negative", "positive"):
        if kind in kinds:
            return kind
    return "neutral"


_CHAR_CACHE: dict[str, list[str]] = {}
_WORD_RE = re.compile(r"\w+|[^\w\s]")


def _char_grams(text: str) -> list[str]:
    """Character 2-5-grams of each word as written (``#`` marks them and the word edges)."""
    out: list[str] = []
    for word in _WORD_RE.findall(text):
        grams = _CHAR_CACHE.get(word)
        if grams is None:
            w = f"<{word}>"
            grams = [f"#{w[i:i + n]}" for n in range(2, 6) for i in range(len(w) - n + 1)]
            if len(_CHAR_CACHE) < 500_000:
                _CHAR_CACHE[word] = grams
        out.extend(grams)
    return out


_NOT_WORDS = frozenset(("!", "!!", "?", "CAPS", "after_contrast", "before_contrast", "nolocal"))


def _stop_words() -> frozenset:
    from feedback_classifier.lang.negation import stop_words

    return stop_words()


def _spell(token: str) -> str:
    """``not_good`` -> ``not good``; ``не_вкусный`` -> ``не вкусный``; bigrams as phrases."""
    return token.replace("_", " ")


def _grams(tokens: list[str]) -> list[str]:
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]


def _block(out: dict[str, float], prefix: str, names: list[str], weight: float) -> None:
    if not names or weight <= 0:
        return
    counts = Counter(names)
    norm = math.sqrt(sum(c * c for c in counts.values()))
    for name, c in counts.items():
        out[prefix + name] = out.get(prefix + name, 0.0) + weight * c / norm


def _aspect_words(cache: dict, texts: Sequence[str], categories: Sequence[Hashable]) -> dict:
    """Per category, the words that signal it: smoothed log-odds of the word in comments
    with the category against comments without it, kept when clearly positive."""
    cats_of: dict[str, set] = defaultdict(set)
    for t, c in zip(texts, categories):
        if c is not None:
            cats_of[t].add(c)
    words_of = {t: set(w for clause in cache[t][0] for w in clause) for t in cache}
    n = len(words_of)
    df = Counter(w for ws in words_of.values() for w in ws)
    out = {}
    for cat in {c for cs in cats_of.values() for c in cs}:
        with_cat = [t for t in words_of if cat in cats_of.get(t, ())]
        n_c = len(with_cat)
        dfc = Counter(w for t in with_cat for w in words_of[t])
        scores = {}
        for w, k in dfc.items():
            if k < 2:
                continue
            inside = (k + 0.5) / (n_c + 1.0)
            outside = (df[w] - k + 0.5) / (n - n_c + 1.0)
            s = math.log(inside / outside)
            if s > 1.0:
                scores[w] = s
        out[cat] = scores
    return out


def parse_opinions(taxonomy, cell, *, row=None, column: str | None = None, source: str | None = None) -> list:
    """``[(label, polarity), ...]`` of a sentiment cell such as ``Price=negative; Service > Staff=positive``.

    Every opinion is kept, in order, even the same category twice with different polarities;
    ``conflict`` becomes two opinions, one positive and one negative. An unknown category or
    polarity raises ``LabelError`` naming the row, column and fix.

    >>> from feedback_classifier.taxonomy import load_taxonomy
    >>> parse_opinions(load_taxonomy("cx-default"), "Price=negative; Service > Staff politeness=conflict")
    [(('price', None), 'negative'), (('service', 'staff_politeness'), 'positive'), (('service', 'staff_politeness'), 'negative')]
    """
    from feedback_classifier.errors import LabelError
    from feedback_classifier.taxonomy.labels import cell_items, is_missing

    if is_missing(cell):
        return []
    out = []
    for item in cell_items(cell):
        item = item.strip()
        if not item:
            continue
        path, eq, polarity = item.rpartition("=")
        polarity = polarity.strip().lower()
        if not eq or polarity not in POLARITIES + (CONFLICT,):
            where = f" in row {row}" if row is not None else ""
            col = f", column {column!r}" if column else ""
            src = f"{source}: " if source else ""
            raise LabelError(
                f"{src}Opinion {item!r}{where}{col} needs a polarity: write 'Category=positive' "
                f"(one of {', '.join(POLARITIES + (CONFLICT,))})."
            )
        label = taxonomy.parse_label(path.strip(), row=row, column=column, source=source)
        if polarity == CONFLICT:
            out += [(label, "positive"), (label, "negative")]
        else:
            out.append((label, polarity))
    return out
