"""QA as an ML engineer signing off a model's quality numbers: `evaluate` and `train`'s
cross-validated report recomputed with scikit-learn, on tiny files whose answer is known."""

from __future__ import annotations

from typer.testing import CliRunner

from feedback_classifier.cli.main import app

runner = CliRunner()

_CARDS = ["my card has not arrived yet", "where is my new card", "card still not delivered"]
_FEES = ["why was I charged a fee", "there is an extra fee on my statement", "fee for the transfer"]


def _labelled(tmp_path, name: str = "labels.csv"):
    rows = ["text,labels"]
    for i in range(4):
        rows += [f"{t} {i},Cards > Card arrival" for t in _CARDS] + [f"{t} {i},Fees" for t in _FEES]
    path = tmp_path / name
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_evaluate_on_the_models_own_training_file_warns(tmp_path):
    """`evaluate` on the file the model was trained on printed micro-F1 0.92 (SemEval English, 1,616
    rows; 0.72 on reviews it never saw) as if it measured the model, without a word."""
    data, model = _labelled(tmp_path), tmp_path / "m.joblib"
    trained = runner.invoke(app, ["train", str(data), "--cv", "0", "--out", str(model)])
    assert trained.exit_code == 0, trained.output
    result = runner.invoke(app, ["evaluate", str(data), "--model", str(model)])
    assert result.exit_code == 0, result.output
    assert "is the file the model was trained on (labels.csv)" in " ".join(result.stderr.split())
    assert "24 rows (its training file)" in result.stdout
    as_json = runner.invoke(app, ["evaluate", str(data), "--model", str(model), "--json"])
    assert '"scored_training_file": true' in as_json.stdout
    other = _labelled(tmp_path, "holdout.csv")
    other.write_text(other.read_text(encoding="utf-8") + "card never came,Cards > Card arrival\n", encoding="utf-8")
    fresh = runner.invoke(app, ["evaluate", str(other), "--model", str(model)])
    assert fresh.exit_code == 0 and "trained on" not in fresh.stderr and "scored_training_file" not in fresh.stdout


def test_undefined_precision_and_recall_are_not_printed_as_zero(tmp_path):
    """A category the model never predicted showed precision 0.000 ("always wrong") and one never in
    the gold labels recall 0.000 ("misses them all"); scikit-learn calls both ill-defined. The
    project's own error rates (`insights.quantify.ErrorRates`) make them NaN, `evaluate` now too:
    "-" in the table, null in --json; F1 stays 0 there, as macro-F1 counts it."""
    import json

    import numpy as np
    from sklearn.metrics import f1_score
    from sklearn.preprocessing import MultiLabelBinarizer

    from feedback_classifier.model.evaluation import evaluate_predictions

    gold = [[("food", "quality")], [("service", None)], [("drinks", None)]]
    pred = [[("food", "quality"), ("ambience", None)], [("service", None)], []]
    report = evaluate_predictions(gold, pred)
    per = report.per_category.set_index(["category", "level"])
    assert np.isnan(per.loc[("drinks", "parent"), "precision"]) and per.loc[("drinks", "parent"), "recall"] == 0
    assert np.isnan(per.loc[("ambience", "path"), "recall"]) and per.loc[("ambience", "path"), "precision"] == 0
    binarizer = MultiLabelBinarizer().fit([[str(x) for x in row] for row in gold + pred])
    g, p = (binarizer.transform([[str(x) for x in row] for row in rows]) for rows in (gold, pred))
    assert report.path_macro_f1 == f1_score(g, p, average="macro", zero_division=0)
    assert report.path_micro_f1 == f1_score(g, p, average="micro")
    records = json.loads(json.dumps(report.to_dict(), allow_nan=False))["per_category"]
    assert {"category": "drinks", "level": "parent", "precision": None, "recall": 0.0, "f1": 0.0,
            "support": 1, "predicted": 0} in records

    data, model = _labelled(tmp_path), tmp_path / "m.joblib"
    assert runner.invoke(app, ["train", str(data), "--cv", "0", "--out", str(model)]).exit_code == 0
    holdout = tmp_path / "holdout.csv"
    holdout.write_text("text,labels\nmy card has not arrived,Cards > Card arrival\nhello there,\n", encoding="utf-8")
    result = runner.invoke(app, ["evaluate", str(holdout), "--model", str(model)])
    assert result.exit_code == 0, result.output
    fees = [line for line in result.stdout.splitlines() if "Fees" in line]
    assert fees == [] or all("0.000" not in line.split("│")[3] for line in fees)
    rows = {(r["category"], r["level"]): r for r in json.loads(
        runner.invoke(app, ["evaluate", str(holdout), "--model", str(model), "--json"]).stdout)["per_category"]}
    arrival = rows[("Cards > Card arrival", "path")]
    assert arrival["support"] == 1 and arrival["recall"] == 1.0


def test_polarity_fold_sd_is_the_same_sd_as_the_categories_one():
    """`train` printed the categories' fold sd as a sample sd (ddof=1) and, on the next line, the
    polarity accuracy's as a population sd (np.std): the same folds' spread understated by
    sqrt(2/3) with 3 folds, sqrt(4/5) with 5, next to a number that was not."""
    import numpy as np

    from feedback_classifier.model.sentiment_eval import cross_validate_polarity

    class Praise:  # calls every opinion praise: a fold's accuracy is its share of praise
        def fit(self, *args):
            return self

        def predict(self, texts, labels):
            return ["positive"] * len(texts)

    polarity = ["positive"] * 4 + ["positive", "negative"] * 2 + ["negative"] * 4
    opinions = [[(("food", None), pol)] for pol in polarity]
    groups = ["a"] * 4 + ["b"] * 4 + ["c"] * 4  # one group per fold: accuracies 1, 0.5, 0
    got = cross_validate_polarity(Praise, ["x"] * 12, opinions, groups=groups, cv=3)
    assert got["polarity_accuracy"] == 0.5
    assert got["polarity_accuracy_sd"] == np.std([1.0, 0.5, 0.0], ddof=1) == 0.5


def _reviews(tmp_path):
    rows = ["review_id,text,labels"]
    for i in range(4):
        rows += [f"r{i},{t} {i},Cards > Card arrival" for t in _CARDS] + [f"r{i},{t} {i},Fees" for t in _FEES]
    path = tmp_path / "reviews.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_train_without_group_col_says_when_an_id_column_repeats(tmp_path):
    """`train` on SemEval sentences without --group-col mixed each review's sentences across the
    training and the scored folds: micro-F1 0.702 against 0.687 grouped by review_id (1,616 English
    sentences), printed as the model's quality with no word of the review_id column beside it."""
    data = _reviews(tmp_path)
    plain = runner.invoke(app, ["train", str(data), "--cv", "2", "--out", str(tmp_path / "m.joblib")])
    assert plain.exit_code == 0, plain.output
    said = " ".join(plain.stderr.split())
    assert "'review_id' repeats its ids (24 of 24 rows share theirs with another row)" in said
    assert "pass --group-col review_id" in said
    grouped = runner.invoke(app, ["train", str(data), "--cv", "2", "--group-col", "review_id",
                                  "--out", str(tmp_path / "g.joblib")])
    assert grouped.exit_code == 0 and "repeats its ids" not in grouped.stderr
    no_cv = runner.invoke(app, ["train", str(data), "--cv", "0", "--out", str(tmp_path / "n.joblib")])
    assert no_cv.exit_code == 0 and "repeats its ids" not in no_cv.stderr


def test_rows_repeated_in_every_column_are_said_by_train_and_evaluate(tmp_path):
    """A labels file joined from two overlapping exports (every row twice) cross-validated at 1.000
    with no word: each fold learned one copy and scored the other. `train` now keeps a comment's
    copies in one fold and says so; `evaluate` counted each copy again, and now says it."""
    data = _labelled(tmp_path)
    lines = data.read_text(encoding="utf-8").splitlines()
    twice = tmp_path / "twice.csv"
    twice.write_text("\n".join(lines + lines[1:]) + "\n", encoding="utf-8")
    trained = runner.invoke(app, ["train", str(twice), "--cv", "2", "--out", str(tmp_path / "m.joblib")])
    assert trained.exit_code == 0, trained.output
    said = " ".join(trained.stderr.split())
    assert "24 of 48 rows repeat another row's comment" in said and "keeps each comment's rows in one fold" in said
    once = runner.invoke(app, ["train", str(data), "--cv", "2", "--out", str(tmp_path / "once.joblib")])
    assert once.exit_code == 0 and "repeat another row's comment" not in once.stderr
    scored = runner.invoke(app, ["evaluate", str(twice), "--model", str(tmp_path / "once.joblib")])
    assert scored.exit_code == 0, scored.output
    assert "each copy is scored again" in " ".join(scored.stderr.split())


def test_evaluate_with_subcategories_named_without_their_parent_says_so(tmp_path):
    """A holdout whose cells name subcategories alone ('Card arrival') was refused as "none of the labels
    is a category of the model's taxonomy ... pass the --model trained on these labels": the right model,
    sent looking for another. The error now says to write the parent before the child."""
    data, model = _labelled(tmp_path), tmp_path / "m.joblib"
    assert runner.invoke(app, ["train", str(data), "--cv", "0", "--out", str(model)]).exit_code == 0
    holdout = tmp_path / "holdout.csv"
    holdout.write_text("text,labels\nmy card has not arrived,Card arrival\nwhere is my card,Card arrival\n",
                       encoding="utf-8")
    result = runner.invoke(app, ["evaluate", str(holdout), "--model", str(model)])
    assert result.exit_code == 1
    said = " ".join(result.stderr.split())
    assert "none of the labels" not in said and "the model never learned it" not in said
    assert "Unknown label 'Card arrival' in row 1" in said and "'Cards > Card arrival'" in said


def test_group_ids_that_differ_only_in_spaces_are_one_group(tmp_path):
    """A review id typed with a trailing space in some rows ('r1 ') made a second group of that review,
    whose rows the grouped cross-validation could then put in the training and the scored folds."""
    from feedback_classifier.jobs.train import read_labelled_table

    data = tmp_path / "labels.csv"
    data.write_text('review,text,labels\nr1,late card,Cards\n"r1 ",card late again,Cards\n r2,fee,Fees\n',
                    encoding="utf-8")
    table = read_labelled_table(data, group_col="review")
    assert table.groups == ["r1", "r1", "r2"]


def test_tone_words_leave_out_labelled_comments_written_a_little_differently(tmp_path):
    """`train --unlabelled-score-col` leaves the labelled comments out of the scored ones, so that
    their scores cannot tell the cross-validation's scored folds their polarity; a copy with other
    spacing or case, or an HTML entity (the labelled text is read decoded), was kept and taught."""
    import pandas as pd

    from feedback_classifier.insights import ScoreSpec
    from feedback_classifier.jobs.tone import tone_words_from_file
    from feedback_classifier.tableio import DEFAULT_READ

    scored = tmp_path / "scored.csv"
    pd.DataFrame({"c": ["awful wait", "great staff"] * 20 + ["Food  &amp; SERVICE were bad ", "slow  Courier"],
                  "nps": [2, 10] * 20 + [1, 0]}).to_csv(scored, index=False)
    tone = tone_words_from_file(scored, "c", "nps", ScoreSpec.make("nps"), read=DEFAULT_READ,
                                labelled=["Food & service were bad", "slow courier"])
    assert (tone.good, tone.bad) == (20, 20)
