"""A MiniLM fine-tuned on the labels, distilled into a word-piece table (``train --embeddings finetune-table``).

``FineTunedTableEmbedder`` is an ``embedder`` for ``FeedbackClassifier(embedder=...)`` that learns from the
labels as ``FineTunedEmbedder`` does (``finetune.py``: the same fine-tune, one network per internal fold +
one on all rows) but keeps no network: of each fine-tuned network it keeps one row per MiniLM word-piece
(30,522), the network's head applied to the piece's vector. That vector is the mean of the piece's
last-layer vectors over the training comments it occurs in, and for the pieces they never use, the
piece run alone through the network (``[CLS] piece [SEP]``) mapped into that space by the ridge map of
``static_vectors._in_context``. A comment's features are then the head's sigmoid of the SIF-weighted
mean of its pieces' rows, one column per class: a table look-up pooled by ``StaticEmbedder`` (its
tokenising, word-piece cache and sparse product), no torch to predict, at ``static`` speed.

Cross-fitting as for ``finetune``: training rows get the table of the fold network that never saw
them. Training needs the ``embeddings`` extra (torch, the bundled MiniLM, ``wordfreq``); the model file
holds the table (30,522 x (classes + 1) values of float16 precision), no network.

>>> FineTunedTableEmbedder(epochs=2)
FineTunedTableEmbedder(epochs=2, lr=8e-05, head_lr=0.002, max_length=64, batch_size=16)
>>> FineTunedTableEmbedder().pieces_ is None
True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from feedback_classifier.model.static_vectors import StaticEmbedder

_SIF = 1e-3  # StaticEmbedder's default SIF coefficient


class FineTunedTableEmbedder:
    """A fine-tuned MiniLM's per-class logits of every word-piece, pooled per comment (module docstring).

    The parameters are ``FineTunedEmbedder``'s (the fine-tune is the same). Fitted by
    ``fitted_to_labels``; then ``pieces_`` is the ``StaticEmbedder`` over the table (each row the
    piece's SIF-weighted logits followed by its SIF weight) and ``bias_`` the head's bias.

    >>> tokens = ["[UNK]", "late", "rude"]
    >>> emb = FineTunedTableEmbedder.from_logits(tokens, np.array([[0., 0.], [4., -4.], [-4., 4.]]),
    ...                                          np.array([1., 1., 1.]), np.zeros(2))
    >>> emb(["Late", "so rude", ""]).astype(float).round(3).tolist()  # "so": [UNK], logits 0
    [[0.982, 0.018], [0.119, 0.881], [0.5, 0.5]]
    """

    def __init__(self, epochs: int = 3, lr: float = 8e-5, head_lr: float = 2e-3, max_length: int = 64,
                 batch_size: int = 16, threads: int | None = None, seed: int = 0):
        self.epochs = epochs
        self.lr = lr
        self.head_lr = head_lr
        self.max_length = max_length
        self.batch_size = batch_size
        self.threads = threads
        self.seed = seed
        self.pieces_: StaticEmbedder | None = None
        self.bias_: np.ndarray | None = None
        self._oof = None

    def __repr__(self) -> str:
        fitted = "" if self.pieces_ is None else " (fitted)"
        return (f"FineTunedTableEmbedder(epochs={self.epochs}, lr={self.lr}, head_lr={self.head_lr}, "
                f"max_length={self.max_length}, batch_size={self.batch_size}){fitted}")

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k != "_oof"}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._oof = None

    def _params(self) -> dict:
        return {k: getattr(self, k) for k in ("epochs", "lr", "head_lr", "max_length", "batch_size", "threads",
                                             "seed")}

    @classmethod
    def from_logits(cls, tokens: Sequence[str], logits, weights, bias, **params) -> FineTunedTableEmbedder:
        """A fitted embedder from each token's class logits (``len(tokens) x classes``), its pooling
        weight and the classes' bias; rounded to float16 precision, as the model file stores it."""
        weights = np.asarray(weights, dtype=np.float64)[:, None]
        table = np.hstack([np.asarray(logits, dtype=np.float64) * weights, weights])
        self = cls(**params)
        self.pieces_ = StaticEmbedder.from_table(tokens, table.astype(np.float16).astype(np.float32))
        self.bias_ = np.asarray(bias, dtype=np.float32)
        return self

    def fitted_to_labels(self, texts: Sequence[str], Y: np.ndarray,
                         folds) -> tuple[FineTunedTableEmbedder, np.ndarray]:
        """``(embedder, rows)``: the table of a network fine-tuned on all ``texts`` (``Y``: their 0/1 class
        matrix), and each text's features from the table of the network of the fold that left it out
        (``folds``: ``(train_idx, test_idx)`` pairs). Needs the ``embeddings`` extra."""
        texts = list(texts)
        Y = np.asarray(Y, dtype=np.float32)
        rows = np.zeros(Y.shape, dtype=np.float32)
        if len(folds) >= 2:
            for train_idx, test_idx in folds:
                fold = self._distilled([texts[i] for i in train_idx], Y[train_idx])
                rows[test_idx] = fold([texts[i] for i in test_idx])
        fitted = self._distilled(texts, Y)
        if len(folds) < 2:  # too few rows for folds: in-sample features
            rows = fitted(texts)
        fitted._oof = (texts, rows)  # for out_of_fold(); not stored in a model file
        return fitted, rows

    def _distilled(self, texts: list[str], Y: np.ndarray) -> FineTunedTableEmbedder:
        from feedback_classifier.model.finetune import _import_extra, fine_tune

        torch = _import_extra()[0]
        nets = []
        weights = fine_tune(texts, Y, **self._params(),
                            on_epoch=lambda epoch, net: nets.append(net) if epoch == self.epochs else None)
        tokens, logits, sif = piece_logits((torch, nets[0].tokenizer, nets[0].encoder), weights["head.weight"],
                                           texts, self.threads)
        return self.from_logits(tokens, logits, sif, weights["head.bias"], **self._params())

    def out_of_fold(self):
        """The training texts' out-of-fold features from the last ``fitted_to_labels`` as a fixed embedder
        (``train``'s cross-validation report reuses them instead of fine-tuning again)."""
        from feedback_classifier.model.finetune import OutOfFoldRows

        if self._oof is None:
            raise ValueError("out_of_fold() needs the embedder fitted_to_labels returned, in the same process.")
        return OutOfFoldRows(*self._oof)

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        if self.pieces_ is None:
            raise ValueError("FineTunedTableEmbedder is fitted by FeedbackClassifier.fit (fitted_to_labels), "
                             "not usable before.")
        E = self.pieces_(texts)
        # _pool scales a row by its L2 norm; the last column, the weights' sum, makes the mean a ratio
        weight = E[:, -1:]
        mean = np.divide(E[:, :-1], weight, out=np.zeros_like(E[:, :-1]), where=weight > 0)
        return (1.0 / (1.0 + np.exp(-(mean + self.bias_)))).astype(np.float32)


def piece_logits(network, head_weight, texts: list[str], threads) -> tuple[list[str], np.ndarray, np.ndarray]:
    """``(tokens, logits, sif)``: every word-piece's head logits (bias left out) from ``network``
    (``(torch, tokenizer, encoder)``), in context over ``texts`` where seen, and its SIF weight."""
    from feedback_classifier.model.static_vectors import (
        _check_frequencies, _distill, _in_context, _probabilities, _read_in_context)

    _check_frequencies("wordfreq")
    tokens, V = _distill(512, threads, network=network)
    sums, counts = np.zeros(V.shape), np.zeros(len(V))
    read = _read_in_context(list(dict.fromkeys(texts)), threads, 64, network=network)
    for ids, hidden in map(read.__getitem__, texts):  # a repeated comment counts each time, as in training
        np.add.at(sums, ids, hidden.astype(np.float64))
        np.add.at(counts, ids, 1)
    logits = _in_context(V, sums, counts) @ np.asarray(head_weight, dtype=np.float64).T
    return tokens, logits, _SIF / (_SIF + _probabilities("wordfreq", tuple(tokens)))
