"""Hypothesis fuzzing of what reads user input: the table readers, the label parser, the taxonomy
loader, model files, and drivers. Whatever the input, each either works or raises the
project's one-line ``FeedbackClassifierError``: never another exception, never a silent change."""

from __future__ import annotations

import io
import string

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback_classifier.errors import FeedbackClassifierError
from feedback_classifier.insights import compute_drivers
from feedback_classifier.tableio import read_table
from feedback_classifier.taxonomy import Taxonomy, load_taxonomy

# generated files with short rows: the warning they give is tested in test_qa_inputs.py
pytestmark = pytest.mark.filterwarnings("ignore::feedback_classifier.errors.InputWarning")

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
CX = load_taxonomy("cx-default")


def _one_line(exc: BaseException) -> None:
    lines = str(exc).strip().splitlines()
    assert lines and len(lines) <= 2, str(exc)


# ---- readers

cells = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)
tables = st.lists(st.lists(cells, min_size=1, max_size=4), min_size=1, max_size=8)


@FUZZ
@given(data=st.binary(max_size=2000), ext=st.sampled_from(["csv", "tsv", "jsonl", "json", "xlsx", "parquet", "csv.gz"]))
def test_any_bytes_read_or_fail_with_one_line(tmp_path, data, ext):
    path = tmp_path / f"f.{ext}"
    path.write_bytes(data)
    try:
        df = read_table(path)
    except FeedbackClassifierError as exc:
        _one_line(exc)
        return
    assert isinstance(df, pd.DataFrame)


@FUZZ
@given(rows=tables, sep=st.sampled_from([",", ";", "\t"]), codec=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
def test_csv_cells_round_trip_exactly(tmp_path, rows, sep, codec):
    """Whatever text is in the cells (quotes, separators, newlines, Cyrillic, emoji), a CSV written
    by the csv module reads back cell for cell; blank cells are the only ones that become missing."""
    import csv

    width = max(len(r) for r in rows)
    header = [f"c{i}" for i in range(width)]
    body = [r + [""] * (width - len(r)) for r in rows]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow(header)
    writer.writerows(body)
    path = tmp_path / "t.csv"
    path.write_bytes(buffer.getvalue().encode(codec))
    try:
        df = read_table(path, sep=sep, skip_rows=0)
    except FeedbackClassifierError as exc:  # e.g. a NUL-heavy cell read as binary: said, not mangled
        _one_line(exc)
        return
    assert list(df.columns) == header
    got = df.fillna("").to_numpy().tolist()
    # rows of empty cells after the last row with a value are not data (Excel's ";;;;" lines), as in XLSX
    while body and not any(body[-1]):
        body.pop()
    # XML/CSV keep no difference between "" and missing; \r inside a cell may come back as \n only in XLSX
    assert got == body


# ---- the label parser


labels_text = st.text(alphabet=string.ascii_letters + " >;,|/\\-_&'\"" + "АБВгдеЁ", max_size=60)


@FUZZ
@given(cell=st.one_of(labels_text, st.none(), st.floats(allow_nan=True), st.integers()))
def test_label_cells_parse_or_say_which_cell(cell):
    try:
        labels = CX.parse_labels(cell, row=7, column="labels", source="l.csv")
    except FeedbackClassifierError as exc:
        _one_line(exc)
        assert "row 7" in str(exc) and "labels" in str(exc)
        return
    assert all(label in CX.labels for label in labels)
    assert len(set(labels)) == len(labels)


@FUZZ
@given(paths=st.lists(st.sampled_from(sorted(CX.labels, key=str)), min_size=1, max_size=4, unique=True))
def test_label_cells_written_by_path_parse_back(paths):
    cell = "; ".join(" > ".join(CX.display_name(lab, "en").split(" > ")) for lab in paths)
    parsed = CX.parse_labels(cell, row=1, column="labels", source="l.csv")
    assert set(paths) <= set(parsed) | {(p, None) for p, _ in parsed}


# ---- the taxonomy loader

yaml_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=12)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=20,
)
near_taxonomies = st.fixed_dictionaries(
    {"name": st.one_of(st.text(max_size=8), st.integers()),
     "languages": st.one_of(st.just(["en"]), st.lists(st.sampled_from(["en", "ru", "xx", ""]), max_size=3)),
     "categories": st.lists(st.fixed_dictionaries(
         {"id": st.one_of(st.from_regex(r"[a-z][a-z_]{0,6}", fullmatch=True), st.text(max_size=6)),
          "names": st.one_of(st.fixed_dictionaries({"en": st.text(max_size=8)}), yaml_values)},
         optional={"children": st.lists(yaml_values, max_size=2), "owner": yaml_values}), max_size=4)},
    optional={"version": yaml_values, "extra": yaml_values},
)


@FUZZ
@given(data=st.one_of(near_taxonomies, yaml_values))
def test_taxonomy_definitions_load_or_list_problems(tmp_path, data):
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    try:
        tax = Taxonomy.load(path)
    except FeedbackClassifierError as exc:
        assert "t.yaml" in str(exc)
        return
    assert Taxonomy.from_dict(tax.to_dict()) == tax  # what loads, saves and loads the same


@FUZZ
@given(text=st.text(max_size=300))
def test_taxonomy_yaml_text_never_crashes(tmp_path, text):
    path = tmp_path / "t.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        tax = Taxonomy.load(path)
    except FeedbackClassifierError as exc:
        assert "t.yaml" in str(exc)
        return
    assert isinstance(tax, Taxonomy)  # random text that happens to be a valid taxonomy is fine too


# ---- drivers

score_cells = st.one_of(st.integers(-3, 13).map(str), st.sampled_from(["", "n/a", "7,5", " 9 ", "ten", "1e1"]))
category_cells = st.lists(st.sampled_from(["Delivery", "Price", "Delivery > Late", "Service", ""]), max_size=2)


@FUZZ
@given(rows=st.lists(st.tuples(score_cells, category_cells), min_size=1, max_size=40),
       score_type=st.sampled_from(["nps", "csat", "ces", "mean"]))
def test_drivers_on_any_scores_keep_every_row_accounted_for(rows, score_type):
    df = pd.DataFrame({"s": [s for s, _ in rows], "categories": ["; ".join(c) for _, c in rows]})
    try:
        res = compute_drivers(df, score_col="s", score_type=score_type, min_n=1, n_boot=0,
                              scale="0-10" if score_type != "nps" else None)
    except FeedbackClassifierError as exc:
        _one_line(exc)
        return
    issues = res.score_issues
    assert issues.n_rows == len(df)
    assert res.overall.n_scored == issues.n_valid  # every row is either a valid score or a reported problem
    assert issues.n_valid + issues.n_invalid <= len(df)
    table = res.table
    if len(table):
        assert (table["mentions"] <= len(df)).all()
        assert (table["mentions_scored"] <= table["mentions"]).all()
        assert np.isfinite(table["share"]).all()


# ---- model files: forged payloads (checksum recomputed, as an attacker would) build nothing or a model


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory):
    from feedback_classifier.model.estimator import FeedbackClassifier
    from feedback_classifier.model.persist import save_model

    texts = ["late courier", "parcel late again", "too expensive", "price is high"] * 3
    labels = [[("delivery", None)], [("delivery", None)], [("price", None)], [("price", None)]] * 3
    tax = Taxonomy.from_dict({"name": "fuzz", "categories": [{"id": "delivery", "names": {"en": "Delivery"}},
                                                             {"id": "price", "names": {"en": "Price"}}]})
    clf = FeedbackClassifier(taxonomy=tax, cv=2).fit(texts, labels)
    return save_model(clf, tmp_path_factory.mktemp("m") / "m.fcmodel")


def _reforge(path, payload: bytes, out):
    import hashlib
    import json

    from feedback_classifier.model.persist import MAGIC, read_model_metadata

    header = read_model_metadata(path)
    header.update(payload_bytes=len(payload), payload_sha256=hashlib.sha256(payload).hexdigest())
    out.write_bytes(MAGIC + json.dumps(header).encode() + b"\n" + payload)
    return out


@FUZZ
@given(data=st.data())
def test_tampered_model_payloads_are_refused_or_load_as_a_model(saved_model, tmp_path, data):
    from feedback_classifier.model.estimator import FeedbackClassifier
    from feedback_classifier.model.persist import load_model

    payload = bytearray(saved_model.read_bytes().split(b"\n", 2)[2])
    how = data.draw(st.sampled_from(["flip", "cut", "random"]))
    if how == "flip":
        for pos in data.draw(st.lists(st.integers(0, len(payload) - 1), min_size=1, max_size=5)):
            payload[pos] ^= data.draw(st.integers(1, 255))
    elif how == "cut":
        payload = payload[: data.draw(st.integers(0, len(payload) - 1))]
    else:
        payload = bytearray(data.draw(st.binary(max_size=500)))
    path = _reforge(saved_model, bytes(payload), tmp_path / "forged.fcmodel")
    try:
        model = load_model(path)
    except FeedbackClassifierError as exc:
        _one_line(exc)
        return
    assert isinstance(model, FeedbackClassifier)
