"""Tone words from scored comments (``train --unlabelled-score-col``; ``jobs/tone.py``,
``model/sentiment_fit.py``): what the scores teach, that folding them away changes no score, that
a saved model predicts the same, and the command's errors."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from feedback_classifier.cli.main import app
from feedback_classifier.errors import LabelError
from feedback_classifier.insights import ScoreSpec
from feedback_classifier.jobs.tone import tone_words_from_file
from feedback_classifier.model import load_model, save_model
from feedback_classifier.model import sentiment as sentiment_module
from feedback_classifier.model.sentiment import AspectSentiment, _softmax
from feedback_classifier.model.sentiment_fit import add_tone, feature_matrix, fold_tone
from feedback_classifier.tableio import DEFAULT_READ

runner = CliRunner()

# Each category has praise and complaints; "zorky" and "quimble" (no lexicon knows them) are in no
# labelled comment. Scored comments say detractors (NPS 0-6) write "zorky" beside "rude" and "late",
# promoters "quimble".
LABELLED = pd.DataFrame({
    "comment": [f"{w} staff at the desk {i}" for i, w in enumerate(["friendly", "rude"] * 9)]
    + [f"{w} courier, parcel {i}" for i, w in enumerate(["fast", "late"] * 9)],
    "labels": ["Service"] * 18 + ["Delivery"] * 18,
    "polarities": ["Service=positive", "Service=negative"] * 9 + ["Delivery=positive", "Delivery=negative"] * 9,
})
SCORED = pd.DataFrame({
    "text": [f"zorky, {w} {i}" for i, w in enumerate(["rude", "late"] * 15)]
    + [f"quimble, {w} {i}" for i, w in enumerate(["friendly", "fast"] * 15)]
    + ["zorky but fine", "", "no score here"],
    "nps": [1] * 30 + [10] * 30 + [8, 3, None],
})


@pytest.fixture
def files(tmp_path):
    LABELLED.to_csv(tmp_path / "labelled.csv", index=False)
    SCORED.to_csv(tmp_path / "survey.csv", index=False)
    return tmp_path


def _opinions():
    cats = [("service", None)] * 18 + [("delivery", None)] * 18
    return LABELLED["comment"].tolist(), cats, ["positive", "negative"] * 18


def _tone(files):
    return tone_words_from_file(files / "survey.csv", "text", "nps", ScoreSpec.make("nps"), read=DEFAULT_READ)


def test_scored_comments_teach_a_word_the_opinions_never_had(files):
    tone = _tone(files)
    assert (tone.good, tone.bad, tone.middle) == (30, 30, 1)  # 8 is a passive; the blank comment and the row
    assert tone.notes and "no score here" not in tone.notes[0] and "'nps'" in tone.notes[0]  # without a score: said
    pairs = (["zorky staff at the desk", "quimble staff at the desk"], [("service", None)] * 2)
    assert len(set(AspectSentiment().fit(*_opinions()).predict(*pairs))) == 1  # two unknown words: one reading
    assert AspectSentiment(tone_words=tone.words).fit(*_opinions()).predict(*pairs) == ["negative", "positive"]


def test_folding_the_tone_features_away_changes_no_score(files, monkeypatch):
    tone, seen = _tone(files), {}
    real_fold = sentiment_module.fold_tone

    def recording_fold(vocabulary, coef, words):
        seen.update(vocabulary=dict(vocabulary), coef=coef.copy())
        return real_fold(vocabulary, coef, words)

    monkeypatch.setattr(sentiment_module, "fold_tone", recording_fold)
    model = AspectSentiment(tone_words=tone.words).fit(*_opinions())
    assert {"T:g", "T:l"} <= set(seen["vocabulary"]) and not {"T:g", "T:l"} & set(model.vocabulary_)
    texts = ["zorky staff, quimble courier", "quimble but zorky desk", "late courier", "kind staff"]
    cats = [("service", None), ("delivery", None), ("delivery", None), None]
    feats = [model._features(model._analyse(t), c) for t, c in zip(texts, cats)]
    add_tone(feats, tone.words)
    unfolded = AspectSentiment()
    unfolded.vocabulary_ = seen["vocabulary"]
    before = unfolded._matrix(feats) @ seen["coef"].T + model.intercept_
    np.testing.assert_allclose(model.predict_proba(texts, cats), _softmax(before), atol=1e-12)


def test_a_saved_model_predicts_the_same_without_its_tone_words(files, tmp_path):
    from feedback_classifier.model import FeedbackClassifier

    texts, cats, pols = _opinions()
    clf = FeedbackClassifier(cv=2).fit(texts, [[c] for c in cats])
    clf.sentiment_ = AspectSentiment(tone_words=_tone(files).words).fit(texts, cats, pols)
    back = load_model(save_model(clf, tmp_path / "m.fcm"))
    assert back.sentiment_.tone_words is None  # its weights hold them already
    probe = (["zorky staff", "quimble courier", "late"], [("service", None), ("delivery", None), None])
    np.testing.assert_array_equal(back.sentiment_.predict_proba(*probe), clf.sentiment_.predict_proba(*probe))


def _train(files, *extra):
    return runner.invoke(app, ["train", str(files / "labelled.csv"), "--text-col", "comment", "--cv", "2",
                               "--out", str(files / "m.fcm"), *extra])


def test_train_learns_tone_words_from_the_unlabelled_scores(files):
    result = _train(files, "--sentiment-col", "polarities", "--unlabelled", str(files / "survey.csv"),
                    "--unlabelled-text-col", "text", "--unlabelled-score-col", "nps")
    assert result.exit_code == 0, result.output
    assert "from 30 comments at the bad end of 'nps' and 30 at the good end (1 in between left out)" in result.output
    assert "polarity accuracy" in result.output
    model = load_model(files / "m.fcm")
    assert model.sentiment_.predict(["zorky staff at the desk", "quimble courier"],
                                    [("service", None), ("delivery", None)]) == ["negative", "positive"]


def test_without_opinions_the_scores_teach_the_bundled_sentiment_model_the_model_carries(files):
    from feedback_classifier.model.default import model_info
    from feedback_classifier.model.tones import sentiment_model_of

    pd.DataFrame({"text": [f"plimp, {w} {i}" for i, w in enumerate(["rude", "late", "broken"] * 10)]
                  + [f"blorf, {w} {i}" for i, w in enumerate(["friendly", "fast", "great"] * 10)],
                  "nps": [2] * 30 + [10] * 30}).to_csv(files / "survey.csv", index=False)
    pairs = (["plimp", "blorf"], [None, None])
    result = _train(files, "--unlabelled", str(files / "survey.csv"), "--unlabelled-text-col", "text",
                    "--unlabelled-score-col", "nps")
    assert result.exit_code == 0, result.output
    assert "from 30 comments at the bad end of 'nps' and 30 at the good end" in result.output
    model = load_model(files / "m.fcm")
    assert sentiment_model_of(object()).predict(*pairs) == ["positive", "negative"]  # made-up words: by their letters
    assert sentiment_model_of(model).predict(*pairs) == ["negative", "positive"]
    info = model_info(files / "m.fcm", model)
    assert info["bundled_sentiment"] and info["sentiment_from_scores"]  # the report says where its counts come from


@pytest.mark.parametrize("extra, message", [
    (["--sentiment-col", "polarities", "--unlabelled-score-col", "nps"], "is a column of --unlabelled FILE"),
    (["--sentiment-col", "polarities", "--unlabelled", "{survey}", "--unlabelled-text-col", "text",
      "--unlabelled-score-col", "nps", "--score-type", "mean"], "has no good and bad end"),
    (["--sentiment-col", "polarities", "--unlabelled", "{survey}", "--unlabelled-text-col", "text",
      "--unlabelled-score-col", "score"], "'score'"),
    (["--sentiment-col", "polarities", "--unlabelled", "{survey}", "--unlabelled-text-col", "text"],
     "--unlabelled is read by --teacher minilm or with --unlabelled-score-col"),
])
def test_train_says_what_is_wrong_with_the_scores_in_one_line(files, extra, message):
    result = _train(files, *[e.format(survey=files / "survey.csv") for e in extra])
    assert result.exit_code != 0
    assert message in result.output and "Traceback" not in result.output


def test_too_few_comments_at_one_end_is_an_error_naming_the_file_and_column(files):
    SCORED.assign(nps=[9] * 60 + [8, 3, None]).to_csv(files / "survey.csv", index=False)
    with pytest.raises(LabelError, match=r"survey\.csv: 'nps' has 60 comments at the good end .* and 0 at the bad"):
        _tone(files)


_WORDS = ["good", "bad", "late", "not fast", "!", "staff", "zorky"]
_NAMES = [p + w for p in ("g:", "l:") for w in _WORDS] + ["c='x'", "G:ab", "P:g+"]


@settings(max_examples=60, deadline=None)
@given(feats=st.lists(st.dictionaries(st.sampled_from(_NAMES), st.floats(-2, 2), max_size=8), min_size=1, max_size=6),
       tone=st.dictionaries(st.sampled_from(_WORDS), st.floats(-3, 3).filter(lambda v: v != 0.0), min_size=1),
       known=st.lists(st.sampled_from(_NAMES), unique=True), seed=st.integers(0, 1000))
def test_folding_keeps_every_pairs_scores(feats, tone, known, seed):
    # whatever the vocabulary already holds, folding the tone columns into the n-gram weights leaves
    # each pair's scores (and so its polarity) as the fit made them
    feats = [dict(f) for f in feats]
    add_tone(feats, tone)
    vocabulary = {name: j for j, name in enumerate(known + ["T:g", "T:l"])}
    coef = np.random.default_rng(seed).normal(size=(3, len(vocabulary)))
    before = feature_matrix(feats, vocabulary) @ coef.T
    # n-grams the vocabulary lacked counted only through the tone columns; after folding they are columns
    folded_vocab, folded = fold_tone(vocabulary, coef, tone)
    plain = [{k: v for k, v in f.items() if not k.startswith("T:")} for f in feats]  # what prediction sees
    after = feature_matrix(plain, folded_vocab) @ folded.T
    np.testing.assert_allclose(after, before, atol=1e-9)


def test_opinions_of_one_polarity_fold_no_tone_words_in(files):
    texts, cats, _ = _opinions()
    plain = AspectSentiment().fit(texts, cats, ["negative"] * len(texts))
    model = AspectSentiment(tone_words=_tone(files).words).fit(texts, cats, ["negative"] * len(texts))
    assert model.vocabulary_ == plain.vocabulary_  # no tone column, no tone word: nothing weighs them
    assert model.predict(["quimble staff", "zorky courier"], [("service", None), None]) == ["negative"] * 2


def test_the_labelled_file_as_its_own_scored_file_says_why_nothing_is_left(files):
    LABELLED.assign(nps=[9, 2] * 9 + [10, 1] * 9).to_csv(files / "labelled.csv", index=False)
    result = _train(files, "--sentiment-col", "polarities", "--unlabelled", str(files / "labelled.csv"),
                    "--unlabelled-score-col", "nps")
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "0 comments at the good end" in result.output and "leaving out the 36 that are in the labelled file" in result.output


def test_a_file_read_in_chunks_gives_the_same_words_rows_and_note(files, monkeypatch):
    from feedback_classifier.jobs import tone as tone_job

    SCORED.assign(nps=[1] * 30 + [10] * 29 + ["x", 8, 3, None]).to_csv(files / "survey.csv", index=False)
    whole = _tone(files)
    monkeypatch.setattr(tone_job, "_CHUNK", 7)
    chunked = _tone(files)
    assert chunked.words == whole.words and (chunked.good, chunked.bad, chunked.middle) == (29, 30, 1)
    assert chunked.notes == whole.notes and "(row 60: 'x')" in chunked.notes[0] and "(row 63)" in chunked.notes[0]
    assert "(row )" not in chunked.notes[0]  # kinds no row has are not listed
    monkeypatch.setattr(tone_job, "TONE_MIN_END", 10)
    sample = tone_words_from_file(files / "survey.csv", "text", "nps", ScoreSpec.make("nps"), read=DEFAULT_READ,
                                  limit=40)
    assert sample.good + sample.bad == 40  # a seeded sample of the rows at the ends, whatever the chunks


def test_the_sample_of_a_big_file_does_not_depend_on_its_row_order(files, monkeypatch):
    """Past the limit the rows kept had been a random draw over row positions: a shuffled copy of the same
    export taught other tone words. Now they are the rows of smallest seeded hash of (comment, end)."""
    from feedback_classifier.jobs import tone as tone_job

    monkeypatch.setattr(tone_job, "TONE_MIN_END", 10)
    monkeypatch.setattr(tone_job, "_CHUNK", 9)
    SCORED.to_csv(files / "survey.csv", index=False)
    SCORED.sample(frac=1, random_state=3).to_csv(files / "shuffled.csv", index=False)
    got = [tone_words_from_file(files / name, "text", "nps", ScoreSpec.make("nps"), read=DEFAULT_READ, limit=40)
           for name in ("survey.csv", "shuffled.csv")]
    assert got[0].good + got[0].bad == 40 and got[0].words == got[1].words
