"""QA as an ML engineer operating models in production: monthly models in a registry folder, signed,
compared with `evaluate`, their metadata read back."""

from __future__ import annotations

import hashlib

import pandas as pd
from typer.testing import CliRunner

from feedback_classifier.cli.main import app

runner = CliRunner()


def _labelled(tmp_path):
    late = ["courier late again", "delivery two hours late", "late parcel", "slow courier, late"]
    price = ["too expensive", "prices are high", "expensive delivery fee", "overpriced items"]
    texts = [f"{late[i % 4]} {i}" for i in range(16)] + [f"{price[i % 4]} {i}" for i in range(16)]
    labels = ["Delivery and logistics > Delivery time"] * 16 + ["Price and value > Too expensive"] * 16
    data = tmp_path / "labels-2026-12.csv"
    pd.DataFrame({"comment": texts, "labels": labels, "customer": [i // 2 for i in range(32)]}).to_csv(data, index=False)
    return data


def test_model_metadata_says_which_labels_file_and_settings_made_the_model(tmp_path):
    """The header held rows, taxonomy and scores, but not which labels file nor which settings (group
    column, folds, embeddings): two monthly models in a registry could not be told apart by their data."""
    from feedback_classifier.model import read_model_metadata

    data = _labelled(tmp_path)
    out = tmp_path / "registry" / "cx-2026-12.joblib"
    result = runner.invoke(app, ["train", str(data), "--text-col", "comment", "--taxonomy", "cx-default",
                                 "--group-col", "customer", "--cv", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    training = read_model_metadata(out)["training"]
    assert training["data"] == "labels-2026-12.csv"
    assert training["data_sha256"] == hashlib.sha256(data.read_bytes()).hexdigest()
    assert training["text_col"] == "comment" and training["labels_col"] == "labels"
    assert training["group_col"] == "customer" and training["cv"] == 3 and training["embeddings"] == "none"
    assert training["taxonomy_inferred"] is False and "sentiment_col" not in training
    classified = runner.invoke(app, ["classify", str(data), "--text-col", "comment", "--model", str(out),
                                     "--out", str(tmp_path / "c.csv")])
    assert classified.exit_code == 0, classified.output
    assert "trained on 32 labelled comments of labels-2026-12.csv" in classified.output


def test_a_signed_model_loaded_with_verify_key_keeps_its_scores_and_error_rates(tmp_path):
    """With --verify-key (or --trust-model) the job got the loaded classifier instead of the path, and
    lost the file's header: `Model: trained on labelled comments, not cross-validated` (it was), and
    drivers.csv without its precision, recall and corrected shares; signing a model cost its correction."""
    data = _labelled(tmp_path)
    key = tmp_path / "team.key"
    key.write_bytes(bytes(range(32)))
    model = tmp_path / "cx.joblib"
    trained = runner.invoke(app, ["train", str(data), "--text-col", "comment", "--taxonomy", "cx-default",
                                  "--cv", "3", "--sign-key", str(key), "--out", str(model)])
    assert trained.exit_code == 0, trained.output
    survey = tmp_path / "survey.csv"
    frame = pd.read_csv(data)
    frame["nps"] = [2, 9, 3, 10] * 8
    frame.to_csv(survey, index=False)
    for extra in (["--verify-key", str(key)], ["--trust-model"], []):
        out = tmp_path / f"out{len(extra)}{extra[:1]}".replace("-", "").replace("[", "").replace("]", "").replace("'", "")
        result = runner.invoke(app, ["analyze", str(survey), "--text-col", "comment", "--score-col", "nps",
                                     "--model", str(model), *extra, "--tone-teacher", "none", "--quiet",
                                     "--out-dir", str(out)])
        assert result.exit_code == 0, result.output
        assert "trained on 32 labelled comments of labels-2026-12.csv, cross-validated micro-F1" in result.output, extra
        drivers = pd.read_csv(out / "drivers.csv", encoding="utf-8-sig")
        assert {"precision", "recall", "share_adjusted"} <= set(drivers.columns), extra


def test_retraining_on_the_same_labels_writes_the_same_model_data(tmp_path):
    """The polarity model's aspect words were stored in set order, which follows per-process string
    hashing: the same `train --sentiment-col` run twice wrote model files with different bytes (the
    same predictions), so a registry could not tell a retrained model from a changed one by checksum."""
    import os
    import subprocess
    import sys

    from feedback_classifier.model import read_model_metadata

    rows = [("courier was late again", "Delivery", "Delivery=negative"),
            ("fast courier, lovely", "Delivery", "Delivery=positive"),
            ("prices are too high", "Price", "Price=negative"),
            ("great prices and deals", "Price", "Price=positive"),
            ("rude staff on the phone", "Customer service", "Customer service=negative"),
            ("kind helpful staff member", "Customer service", "Customer service=positive")] * 4
    data = tmp_path / "labels.csv"
    pd.DataFrame([(f"{t} {i}", c, p) for i, (t, c, p) in enumerate(rows)],
                 columns=["text", "labels", "polarities"]).to_csv(data, index=False)
    digests = []
    for seed in ("1", "2"):
        out = tmp_path / f"m{seed}.joblib"
        done = subprocess.run([sys.executable, "-m", "feedback_classifier", "train", str(data), "--taxonomy", "cx-default",
                               "--sentiment-col", "polarities", "--cv", "0", "--out", str(out)],
                              env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        digests.append(read_model_metadata(out)["payload_sha256"])
    assert digests[0] == digests[1]
