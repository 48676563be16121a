"""Positive and negative recall of the bundled sentiment model (issue 13: praise read as complaints).

The bundled model (``model/default_sentiment.py``) is trained from hand-written examples
only, so two sets nobody tunes it on judge a change to those examples:

* every positive and negative opinion of the shared SemEval-2016 restaurant files (en, ru;
  real reviews the bundled model never saw), given the gold category;
* the hidden truth of the bundled example survey (``scripts/make_example_survey.py``,
  regenerated into a temporary folder), given the true categories;
* optionally, real customer messages about service companies, judged whole (no category):
  ``--airline Tweets.csv`` (Twitter US Airline Sentiment, Figure Eight / Kaggle, CC BY-NC-SA 4.0;
  14,640 tweets at US airlines, each judged positive / negative / neutral by crowd workers; rows
  with ``airline_sentiment_confidence`` < 0.6 left out; one copy is in the GitHub repository
  AyushDhatwalia/Twitter-Airline-Sentiment) and ``--sentirueval DIR`` (SentiRuEval-2016's gold
  test files ``banks_test_etalon.xml`` and ``tkk_test_etalon.xml``: Russian tweets about banks
  and telecom operators, each company named in a tweet judged -1 / 0 / 1 by the organisers; from
  the GitHub repository mokoron/sentirueval, no licence stated: read where you put it, never
  copied here; tweets whose companies are judged differently left out). Each is split in two
  halves by a hash of the tweet id: ``--half dev`` (default) for looking at errors and choosing,
  ``--half heldout`` scored once for a change chosen on the dev halves. Also printed for them:
  how the model calls the tweets judged neutral (it has no neutral of its own beyond the
  no-opinion answers, so they show where it leans on text with no opinion).
* optionally, ``--uci DIR``: the UCI "Sentiment Labelled Sentences" (Kotzias et al., KDD 2015;
  CC BY 4.0; ``amazon_cells_labelled.txt``, ``yelp_labelled.txt``, ``imdb_labelled.txt``, 500
  positive and 500 negative English review sentences each, ``sentence<TAB>0|1``; a copy is in the
  GitHub repository Nanofication/TWC-Naive-Bayes, the last two under ``Datasets/``), judged
  whole and halved as the tweets are (by a hash of the line number).

Printed per set: recall of positive and of negative opinions, their mean (macro recall: a
change that only moves the model's default towards one polarity trades one for the other
and leaves it flat) and, for SemEval, the ROC AUC of ``log p(pos) - log p(neg)`` (how well
the model ranks, whatever its default). ``--extra FILE`` also trains on candidate example
rows (same columns as ``data/sentiment_examples.csv``) and prints both models in the same
run. Keep a candidate only if macro recall rises on SemEval en AND ru AND the survey.

``--tone-halves``: how far tone words (``train --unlabelled-score-col``) lean a comment toward its
writer's score. The bundled model is taught the NPS of one random half of the example survey's
comments (``default_sentiment.bundled_sentiment(tone_words)``) and scored on the hidden truth of
each half, by whether an opinion agrees with its writer's score (promoters' praise, detractors'
complaints) or goes against it (promoters' complaints, detractors' praise); both halves in turn.

Run: ``OMP_NUM_THREADS=1 python benchmarks/bundled_sentiment.py [--extra benchmarks/sentiment_candidates.csv]
[--airline Tweets.csv] [--sentirueval DIR] [--uci DIR] [--half dev|heldout] [--tone-halves]``
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
import semeval_polarity  # noqa: E402
from feedback_classifier.model import default_sentiment  # noqa: E402
from feedback_classifier.taxonomy import load_taxonomy  # noqa: E402


def train(extra: Path | None, tmp: Path):
    """The bundled model, trained on the bundled examples plus ``extra``'s rows."""
    if extra is None:
        return default_sentiment.bundled_sentiment()
    rows = pd.concat([pd.read_csv(default_sentiment.SENTIMENT_EXAMPLES_FILE, dtype=str, keep_default_na=False),
                      pd.read_csv(extra, dtype=str, keep_default_na=False)])
    path = tmp / "examples.csv"
    rows.to_csv(path, index=False)
    saved = default_sentiment.SENTIMENT_EXAMPLES_FILE
    default_sentiment.SENTIMENT_EXAMPLES_FILE = path
    try:
        return default_sentiment.bundled_sentiment()
    finally:
        default_sentiment.SENTIMENT_EXAMPLES_FILE = saved


def semeval_pairs(lang: str):
    texts, opinions, _ = semeval_polarity.load(lang, load_taxonomy("semeval-restaurants"))
    pairs = [(t, label, pol) for t, ops in zip(texts, opinions) for label, pol in ops
             if pol in ("positive", "negative")]
    return [p[0] for p in pairs], [p[1] for p in pairs], np.array([p[2] for p in pairs])


def survey_pairs(tmp: Path):
    survey, truth = tmp / "survey.csv", tmp / "truth.csv"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_example_survey.py"), "--out", str(survey),
                    "--truth", str(truth)], check=True, capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    df = pd.read_csv(survey).merge(pd.read_csv(truth), on="response_id")
    texts, labels, gold = [], [], []
    for comment, labs, sent in zip(df["comment"], df["true_labels"], df["true_sentiment"]):
        if not isinstance(sent, str):
            continue
        signs = {m[:-1]: m[-1] for m in sent.split()}
        for lab in labs.split(";"):
            parent, child = (x.strip() for x in lab.split(">"))
            if child in signs:
                texts.append(comment)
                labels.append((parent, child))
                gold.append("positive" if signs[child] == "+" else "negative")
    return texts, labels, np.array(gold)


def airline_tweets(path: Path) -> pd.DataFrame:
    """``id``, ``text``, ``gold`` of the Twitter US Airline Sentiment file (confident rows)."""
    df = pd.read_csv(path, dtype={"tweet_id": str})
    df = df[df["airline_sentiment_confidence"] >= 0.6]
    return pd.DataFrame({"id": df["tweet_id"], "text": df["text"], "gold": df["airline_sentiment"]})


def sentirueval_tweets(path: Path) -> pd.DataFrame:
    """``id``, ``text``, ``gold`` of a SentiRuEval-2016 gold file: tweets whose named companies
    all have one judgement (-1 / 0 / 1)."""
    import xml.etree.ElementTree as ET

    gold_of = {"1": "positive", "-1": "negative", "0": "neutral"}
    rows = []
    for table in ET.parse(path).getroot().iter("table"):
        cells = {c.get("name"): (c.text or "").strip() for c in table.findall("column")}
        judged = {v for k, v in cells.items() if k not in ("id", "twitid", "date", "text") and v not in ("NULL", "")}
        if len(judged) == 1:
            rows.append({"id": cells["twitid"], "text": cells["text"], "gold": gold_of[judged.pop()]})
    return pd.DataFrame(rows)


def uci_sentences(path: Path) -> pd.DataFrame:
    """``id`` (the line number), ``text``, ``gold`` of one UCI Sentiment Labelled Sentences file."""
    rows = [line.rsplit("\t", 1) for line in path.read_text(encoding="utf-8").splitlines() if "\t" in line]
    return pd.DataFrame({"id": [str(i) for i in range(1, len(rows) + 1)], "text": [r[0].strip() for r in rows],
                         "gold": ["positive" if r[1].strip() == "1" else "negative" for r in rows]})


def half(df: pd.DataFrame, which: str) -> pd.DataFrame:
    """One of two fixed halves by a hash of the tweet id (duplicate texts kept once)."""
    df = df.drop_duplicates("text")
    bit = df["id"].map(lambda s: int(hashlib.md5(str(s).encode()).hexdigest(), 16) % 2)
    return df[bit == (0 if which == "dev" else 1)]


def whole_comment_sets(args) -> dict:
    """``{name: (texts, categories, gold)}`` of the opinionated tweets, plus the neutral ones'
    texts under ``name + " neutral"`` (categories None: each tweet judged whole)."""
    frames = {}
    if args.airline is not None:
        frames["airline-en"] = airline_tweets(args.airline)
    if args.sentirueval is not None:
        for name, file in (("banks-ru", "banks_test_etalon.xml"), ("telecom-ru", "tkk_test_etalon.xml")):
            frames[name] = sentirueval_tweets(args.sentirueval / file)
    if args.uci is not None:
        for name in ("amazon", "yelp", "imdb"):
            frames[f"uci-{name}"] = uci_sentences(args.uci / f"{name}{'_cells' if name == 'amazon' else ''}_labelled.txt")
    out = {}
    for name, df in frames.items():
        df = half(df, args.half)
        opinion = df[df["gold"] != "neutral"]
        out[f"{name} ({args.half})"] = (opinion["text"].tolist(), [None] * len(opinion), opinion["gold"].to_numpy())
        if (df["gold"] == "neutral").any():
            out[f"{name} neutral"] = df.loc[df["gold"] == "neutral", "text"].tolist()
    return out


def leaning(model, texts) -> str:
    """How the model calls texts judged neutral: its share of each polarity."""
    pred = np.array(model.classes_)[model.predict_proba(texts, [None] * len(texts)).argmax(axis=1)]
    return " ".join(f"{p} {np.mean(pred == p):.3f}" for p in ("negative", "positive", "neutral")) + f" (n {len(texts)})"


def scores(model, texts, labels, gold) -> dict:
    from sklearn.metrics import roc_auc_score

    proba = model.predict_proba(texts, labels)
    classes = list(model.classes_)
    pred = np.array(classes)[proba.argmax(axis=1)]
    pos, neg = gold == "positive", gold == "negative"
    out = {"pos": float(np.mean(pred[pos] == "positive")), "neg": float(np.mean(pred[neg] == "negative"))}
    out["macro"] = (out["pos"] + out["neg"]) / 2
    margin = np.log(proba[:, classes.index("positive")] + 1e-12) - np.log(proba[:, classes.index("negative")] + 1e-12)
    out["auc"] = float(roc_auc_score(pos, margin))
    out["n"] = f"{pos.sum()}+/{neg.sum()}-"
    return out


def tone_halves(tmp: Path) -> None:
    """The bundled model taught one half's NPS, scored on each half by agreement with the writer's score."""
    from feedback_classifier.insights import ScoreSpec
    from feedback_classifier.jobs.tone import tone_words_from_file
    from feedback_classifier.tableio import DEFAULT_READ

    texts, labels, gold = survey_pairs(tmp)
    survey = pd.read_csv(tmp / "survey.csv")
    nps = dict(zip(survey["comment"], pd.to_numeric(survey["nps"], errors="coerce")))
    half = dict(zip(survey["comment"], np.random.default_rng(0).integers(0, 2, len(survey))))
    score = np.array([nps.get(t, np.nan) for t in texts])
    groups = {"promoters' complaints": (score >= 9) & (gold == "negative"),
              "detractors' praise": (score <= 6) & (gold == "positive"),
              "promoters' praise": (score >= 9) & (gold == "positive"),
              "detractors' complaints": (score <= 6) & (gold == "negative")}
    plain = default_sentiment.bundled_sentiment()
    for taught_half in (0, 1):
        survey[survey["comment"].map(half) == taught_half].to_csv(tmp / "half.csv", index=False)
        tone = tone_words_from_file(tmp / "half.csv", "comment", "nps", ScoreSpec.make("nps"), read=DEFAULT_READ,
                                    content_grams=True)
        taught = default_sentiment.bundled_sentiment(tone_words=tone.words)
        for where in ("taught half", "other half"):
            rows = np.array([(half.get(t) == taught_half) == (where == "taught half") for t in texts])
            for tag, model in (("bundled", plain), ("taught", taught)):
                pred = np.array(model.predict([texts[i] for i in np.flatnonzero(rows)],
                                              [labels[i] for i in np.flatnonzero(rows)]))
                g = gold[rows]
                macro = np.mean([(pred[g == p] == p).mean() for p in ("positive", "negative")])
                parts = [f"{name} {100 * (pred[m[rows]] == g[m[rows]]).mean():.1f} ({int(m[rows].sum())})"
                         for name, m in groups.items()]
                print(f"half {taught_half} taught, {where:11s} {tag:8s} macro {100 * macro:.1f} | " + " | ".join(parts),
                      flush=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--extra", type=Path, default=None, help="candidate example rows to add (CSV)")
    ap.add_argument("--airline", type=Path, default=None, help="Twitter US Airline Sentiment's Tweets.csv")
    ap.add_argument("--sentirueval", type=Path, default=None,
                    help="folder with SentiRuEval-2016's banks_test_etalon.xml and tkk_test_etalon.xml")
    ap.add_argument("--uci", type=Path, default=None,
                    help="folder with the UCI Sentiment Labelled Sentences (amazon_cells_, yelp_, imdb_labelled.txt)")
    ap.add_argument("--half", choices=("dev", "heldout"), default="dev", help="which half of the tweet and UCI sets")
    ap.add_argument("--tone-halves", action="store_true", help="only: how far tone words lean toward the score")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if args.tone_halves:
            tone_halves(tmp)
            return 0
        sets = {f"semeval-{lang}": semeval_pairs(lang) for lang in ("en", "ru")}
        sets["survey"] = survey_pairs(tmp)
        sets.update(whole_comment_sets(args))
        models = {"bundled": train(None, tmp)}
        if args.extra is not None:
            models[f"+{args.extra.name}"] = train(args.extra, tmp)
        for name, data in sets.items():
            for tag, model in models.items():
                if name.endswith(" neutral"):
                    print(f"{name:20s} {tag:32s} called {leaning(model, data)}", flush=True)
                    continue
                s = scores(model, *data)
                print(f"{name:20s} {tag:32s} pos {s['pos']:.3f} neg {s['neg']:.3f} macro {s['macro']:.3f} "
                      f"auc {s['auc']:.3f} ({s['n']})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
