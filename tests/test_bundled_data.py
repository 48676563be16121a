"""The bundled data: training examples for cx-default and the README's example survey.

The default model is trained from cx_default_examples.csv, so every label must parse and every
category needs enough examples in both languages. example_survey.csv is what a new user runs
first; it must be the generator's output and carry the structure the generator documents.
"""

import csv
import importlib.util
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from feedback_classifier.taxonomy import load_taxonomy
from feedback_classifier.lang import detect_language

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "feedback_classifier" / "data"
EXAMPLES = DATA / "cx_default_examples.csv"
SURVEY = DATA / "example_survey.csv"
GENERATOR = ROOT / "scripts" / "make_example_survey.py"


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _norm(text: str) -> str:
    return re.sub(r"[^\w ]", "", text.lower()).strip()


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy("cx-default")


@pytest.fixture(scope="module")
def examples():
    return _read(EXAMPLES)


@pytest.fixture(scope="module")
def example_labels(examples, taxonomy):
    return [
        taxonomy.parse_labels(row["labels"], row=i + 2, column="labels", source=str(EXAMPLES))
        for i, row in enumerate(examples)
    ]


@pytest.fixture(scope="module")
def generator():
    spec = importlib.util.spec_from_file_location("make_example_survey", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def survey():
    return _read(SURVEY)


# ---- training examples ----

def test_examples_have_the_documented_columns(examples):
    with EXAMPLES.open(encoding="utf-8") as fh:
        assert fh.readline().strip() == "text,labels,lang"
    assert len(examples) >= 1000
    assert all(row["text"].strip() for row in examples)


def test_every_example_label_parses_with_cx_default(example_labels, taxonomy):
    known = set(taxonomy.labels)
    for labels in example_labels:
        assert set(labels) <= known


def test_every_parent_and_child_has_enough_examples_in_both_languages(examples, example_labels, taxonomy):
    per_parent, per_child = Counter(), Counter()
    for row, labels in zip(examples, example_labels):
        for parent in {p for p, _ in labels}:
            per_parent[parent] += 1
        for parent, child in labels:
            if child is not None:
                per_child[(parent, child, row["lang"])] += 1
    for parent, child in taxonomy.labels:
        if child is None:
            assert per_parent[parent] >= 100, (parent, per_parent[parent])
        else:
            en, ru = per_child[(parent, child, "en")], per_child[(parent, child, "ru")]
            assert en + ru >= 10, (parent, child, en, ru)
            assert en >= 5 and ru >= 5, (parent, child, en, ru)


def test_examples_are_multi_label_and_include_no_category_comments(example_labels):
    n = len(example_labels)
    empty = sum(1 for labels in example_labels if not labels)
    multi = sum(1 for labels in example_labels if len(labels) > 1)
    parent_only = sum(1 for labels in example_labels if any(c is None for _, c in labels))
    assert 0.05 <= empty / n <= 0.12
    assert multi / n >= 0.18
    assert parent_only >= 50


def test_examples_are_english_and_russian_and_lang_column_is_right(examples):
    langs = Counter(row["lang"] for row in examples)
    assert 0.4 <= langs["en"] / len(examples) <= 0.6
    assert 0.4 <= langs["ru"] / len(examples) <= 0.6
    wrong = [row["text"] for row in examples if detect_language(row["text"]) != row["lang"]]
    assert len(wrong) <= 0.02 * len(examples), wrong[:10]


def test_examples_have_no_duplicate_texts(examples):
    counts = Counter(_norm(row["text"]) for row in examples if len(row["text"]) > 3)
    assert [t for t, c in counts.items() if c > 1] == []


# ---- example survey ----

def test_survey_has_the_documented_columns_and_size(survey, generator):
    with SURVEY.open(encoding="utf-8") as fh:
        assert fh.readline().strip().split(",") == generator.COLUMNS
    assert generator.COLUMNS == ["response_id", "submitted_at", "region", "channel", "nps", "comment"]
    assert len(survey) >= 2000
    assert len({row["response_id"] for row in survey}) == len(survey)
    assert {row["channel"] for row in survey} == {"web", "app", "store", "call centre"}
    assert len({row["region"] for row in survey}) >= 6


def test_survey_mixes_languages_and_spreads_over_months(survey):
    langs = Counter(detect_language(row["comment"]) for row in survey if row["comment"].strip())
    total = langs["en"] + langs["ru"]
    assert 0.35 <= langs["ru"] / total <= 0.65
    months = Counter(row["submitted_at"][:7] for row in survey)
    assert len(months) >= 6
    assert min(months.values()) >= 0.05 * len(survey)


def test_survey_has_realistic_junk(survey):
    comments = [row["comment"] for row in survey]
    assert 0.03 <= sum(1 for c in comments if not c.strip()) / len(comments) <= 0.08
    assert any(c in {"-", "...", "asdf", "нет"} for c in comments)
    assert any(re.search(r"https?://|@\w+\.\w+|\+\d[\d -]{8,}", c) for c in comments)
    assert any(len(c) > 400 for c in comments)
    nps = [row["nps"] for row in survey]
    invalid = [v for v in nps if not (v.isdigit() and 0 <= int(v) <= 10)]
    assert 0.003 * len(nps) <= len(invalid) <= 0.02 * len(nps)


def test_survey_comments_are_not_copies_of_training_examples(survey, examples):
    training = {_norm(row["text"]) for row in examples}
    copies = {row["comment"] for row in survey if len(row["comment"]) >= 12 and _norm(row["comment"]) in training}
    assert copies == set()


def test_generator_reproduces_the_bundled_survey_byte_for_byte(tmp_path):
    out = tmp_path / "survey.csv"
    subprocess.run([sys.executable, str(GENERATOR), "--out", str(out)], check=True, cwd=tmp_path)
    assert out.read_bytes() == SURVEY.read_bytes()


def test_survey_carries_the_planted_drivers_trend_and_segment(tmp_path, generator, taxonomy):
    """What the generator's docstring promises an analysis will find is really in the data."""
    truth_path = tmp_path / "truth.csv"
    generator.main(["--out", str(tmp_path / "survey.csv"), "--truth", str(truth_path)])
    truth = {row["response_id"]: row for row in _read(truth_path)}
    rows = []
    for row in _read(SURVEY):
        labels = taxonomy.parse_labels(truth[row["response_id"]]["true_labels"])
        nps = int(row["nps"]) if row["nps"].isdigit() and int(row["nps"]) <= 10 else None
        rows.append({**row, "children": {c for _, c in labels}, "nps_value": nps})

    def mean_nps(rs):
        values = [r["nps_value"] for r in rs if r["nps_value"] is not None]
        return sum(values) / len(values)

    def gap(topic):
        with_ = [r for r in rows if topic in r["children"]]
        without = [r for r in rows if topic not in r["children"]]
        return mean_nps(with_) - mean_nps(without)

    planted = generator.PLANTED
    for topic in planted["strong_negative_drivers"]:
        assert gap(topic) <= -1.5, topic
    for topic in planted["positive_drivers"]:
        assert gap(topic) >= 0.4, topic
    assert gap("too_expensive") > min(gap(t) for t in planted["strong_negative_drivers"]) + 1.0

    trend = planted["trend"]
    app = [r for r in rows if r["channel"] == trend["channel"]]

    def share(rs, topic):
        return sum(topic in r["children"] for r in rs) / len(rs)

    spike = share([r for r in app if r["submitted_at"][:7] in trend["spike_months"]], trend["topic"])
    base = share([r for r in app if r["submitted_at"][:7] in trend["baseline_months"]], trend["topic"])
    assert spike >= 3 * base

    seg = planted["segment"]
    inside = [r for r in rows if r[seg["column"]] == seg["value"]]
    outside = [r for r in rows if r[seg["column"]] != seg["value"]]
    assert share(inside, seg["topic"]) >= 1.5 * share(outside, seg["topic"])
    assert mean_nps(inside) < mean_nps(outside)
