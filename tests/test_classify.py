"""classify.enrich / classify_file and the `classify` command."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from feedback_classifier.jobs.classify import ClassifySummary, classify_file
from feedback_classifier.model.enrichment import enrich
from feedback_classifier.errors import MissingColumnError
from feedback_classifier.taxonomy import Taxonomy

TAXONOMY = Taxonomy.from_dict(
    {
        "name": "tiny",
        "languages": ["en", "ru"],
        "categories": [
            {
                "id": "delivery",
                "names": {"en": "Delivery", "ru": "Доставка"},
                "children": [
                    {"id": "delivery_time", "names": {"en": "Delivery time", "ru": "Сроки доставки"}},
                    {"id": "courier", "names": {"en": "Courier", "ru": "Курьер"}},
                ],
            },
            {
                "id": "price",
                "names": {"en": "Price", "ru": "Цена"},
                "children": [{"id": "too_expensive", "names": {"en": "Too expensive", "ru": "Слишком дорого"}}],
            },
            {"id": "service", "names": {"en": "Service", "ru": "Сервис"}},
        ],
    }
)
D, DT, CO = ("delivery", None), ("delivery", "delivery_time"), ("delivery", "courier")
P, PX, S = ("price", None), ("price", "too_expensive"), ("service", None)


class StandInModel:
    """Keyword model with fixed probabilities: lets the review rules be tested exactly."""

    classes_ = [D, DT, CO, P, PX, S]
    thresholds_ = np.array([0.5, 0.5, 0.5, 0.5, 0.5, 0.4])
    taxonomy_ = TAXONOMY
    # keyword -> probabilities over classes_
    RULES = {
        "late": [0.95, 0.9, 0.1, 0.02, 0.01, 0.05],
        "courier": [0.9, 0.2, 0.85, 0.02, 0.01, 0.05],
        "expensive": [0.03, 0.01, 0.01, 0.97, 0.9, 0.05],
        "borderline": [0.03, 0.01, 0.01, 0.02, 0.01, 0.43],  # service fires at 0.43 >= 0.4, within 0.05
        "near miss": [0.95, 0.9, 0.47, 0.02, 0.01, 0.05],  # courier rejected at 0.47 < 0.5: not a doubt
        "weak parent": [0.46, 0.8, 0.1, 0.02, 0.01, 0.05],  # delivery fires through a confident child
    }
    BASE = [0.03, 0.01, 0.01, 0.02, 0.01, 0.05]

    def __init__(self):
        self.calls: list[list[str]] = []

    def predict_proba(self, texts):
        texts = list(texts)
        self.calls.append(texts)
        out = []
        for t in texts:
            row = np.array(self.BASE)
            for word, probs in self.RULES.items():
                if word in t.lower():
                    row = np.maximum(row, probs)
            out.append(row)
        return np.array(out).reshape(len(texts), len(self.classes_))

    def explain(self, texts, top_k=5):
        out = []
        for t in texts:
            p = self.predict_proba([t])[0]
            ev = {}
            for j, label in enumerate(self.classes_):
                if p[j] >= self.thresholds_[j] and label[1] is not None or (label == S and p[j] >= 0.4):
                    ev[label] = [w for w in self.RULES if w in t.lower()][:top_k]
            out.append(ev)
        return out


@pytest.fixture(scope="module")
def real_model():
    """A real FeedbackClassifier trained on a tiny in-file corpus."""
    from feedback_classifier.model.estimator import FeedbackClassifier

    corpus = [
        ("the parcel arrived late again", [DT]),
        ("delivery took two weeks, very late", [DT]),
        ("доставка опоздала на неделю", [DT]),
        ("заказ привезли поздно", [DT]),
        ("the courier was rude and threw the box", [CO]),
        ("courier did not call before coming", [CO]),
        ("курьер нагрубил", [CO]),
        ("курьер не позвонил", [CO]),
        ("way too expensive for what it is", [PX]),
        ("prices are too high, expensive", [PX]),
        ("очень дорого", [PX]),
        ("цены слишком высокие", [PX]),
        ("prices went up", [P]),
        ("support answered quickly and helped", [S]),
        ("great service, friendly people", [S]),
        ("хороший сервис", [S]),
        ("late delivery and expensive shipping", [DT, PX]),
        ("courier late and rude", [DT, CO]),
        ("nothing to say", []),
        ("всё нормально", []),
    ] * 3
    texts = [t for t, _ in corpus]
    y = [labels for _, labels in corpus]
    return FeedbackClassifier(taxonomy=TAXONOMY, cv=2).fit(texts, y)


# ---------------------------------------------------------------- enrich: shape and rows


def test_enrich_adds_columns_after_the_input_columns_and_keeps_rows():
    df = pd.DataFrame(
        {"id": [3, 1, 2, 9], "comment": ["Courier was late", None, "", "too expensive"], "nps": [2, 5, 7, 0]},
        index=[10, 10, 5, 7],  # duplicated, unsorted index: kept as is
    )
    out = enrich(df, StandInModel(), "comment")
    assert list(out.columns) == ["id", "comment", "nps", "categories", "parent_categories", "confidence", "needs_review",
                                 "category_sentiment", "sentiment"]
    assert out.index.tolist() == [10, 10, 5, 7]
    pd.testing.assert_frame_equal(out[df.columns], df)
    assert out["categories"].tolist() == ["Delivery > Delivery time; Delivery > Courier", "", "", "Price > Too expensive"]
    assert out["parent_categories"].tolist() == ["Delivery", "", "", "Price"]
    assert "categories" not in df.columns  # the input is not modified


def test_enrich_analyses_each_distinct_comment_once():
    model = StandInModel()
    df = pd.DataFrame({"c": ["late", "late", "expensive", "late", None, "expensive"]})
    out = enrich(df, model, "c")
    assert sorted(model.calls[0]) == ["expensive", "late"]
    assert out["categories"].tolist()[:3] == ["Delivery > Delivery time", "Delivery > Delivery time", "Price > Too expensive"]


def test_enrich_names_categories_in_russian_on_request():
    out = enrich(pd.DataFrame({"c": ["late courier"]}), StandInModel(), "c", lang="ru")
    assert out["categories"].iloc[0] == "Доставка > Сроки доставки; Доставка > Курьер"
    assert out["parent_categories"].iloc[0] == "Доставка"


def test_enrich_of_an_empty_frame_has_the_output_columns():
    df = pd.DataFrame({"c": pd.Series([], dtype="str"), "x": pd.Series([], dtype="int64")})
    out = enrich(df, StandInModel(), "c", probabilities=True, explain=True)
    assert len(out) == 0
    assert list(out.columns[:6]) == ["c", "x", "categories", "parent_categories", "confidence", "needs_review"]
    assert out["needs_review"].dtype == bool


def test_enrich_missing_text_column_lists_the_columns():
    with pytest.raises(MissingColumnError) as err:
        enrich(pd.DataFrame({"comment": ["x"], "nps": [1]}), StandInModel(), "text")
    assert "comment" in str(err.value) and "text" in str(err.value)


def test_enrich_replaces_old_result_columns_in_place():
    first = enrich(pd.DataFrame({"c": ["late"], "z": [1]}), StandInModel(), "c")
    first.loc[0, "c"] = "expensive"
    again = enrich(first, StandInModel(), "c")
    assert list(again.columns) == list(first.columns)
    assert again["categories"].tolist() == ["Price > Too expensive"]


# ---------------------------------------------------------------- confidence and review rules


def test_confidence_is_the_weakest_predicted_probability_or_one_minus_max():
    df = pd.DataFrame({"c": ["late courier", "nothing here", None]})
    out = enrich(df, StandInModel(), "c")
    # late courier: D .95, DT .9, CO .85 fired -> weakest .85
    assert out["confidence"].iloc[0] == pytest.approx(0.85)
    # nothing fired: 1 - max(BASE) = 0.95
    assert out["confidence"].iloc[1] == pytest.approx(0.95)
    assert math.isnan(out["confidence"].iloc[2])


def test_needs_review_rules():
    df = pd.DataFrame(
        {"c": ["late", "nothing here", "borderline", "near miss", "weak parent", "", None, 42, "   "]}
    )
    out = enrich(df, StandInModel(), "c")
    assert out["needs_review"].tolist() == [
        False,  # every predicted category is well above its threshold
        True,  # nothing fired on a real comment
        True,  # service fired at 0.43 with threshold 0.4: within the margin
        False,  # a category that nearly fired does not make a confident prediction doubtful
        False,  # the parent is implied by its confident child, its own probability does not matter
        False,  # empty comments are never sent to review
        False,
        False,
        False,
    ]
    # a rejected category near its threshold also counts: margin 0.5 reaches BASE probabilities
    wide = enrich(pd.DataFrame({"c": ["late"]}), StandInModel(), "c", review_margin=0.5)
    assert wide["needs_review"].tolist() == [True]


# ---------------------------------------------------------------- optional columns


def test_probability_columns_one_per_category():
    out = enrich(pd.DataFrame({"c": ["late", None]}), StandInModel(), "c", probabilities=True)
    p_cols = [c for c in out.columns if c.startswith("p: ")]
    assert p_cols == [
        "p: Delivery",
        "p: Delivery > Delivery time",
        "p: Delivery > Courier",
        "p: Price",
        "p: Price > Too expensive",
        "p: Service",
    ]
    assert out["p: Delivery > Delivery time"].iloc[0] == pytest.approx(0.9)
    assert out[p_cols].iloc[1].isna().all()


def test_evidence_column_names_paths_and_words():
    out = enrich(pd.DataFrame({"c": ["late courier", "nothing", ""]}), StandInModel(), "c", explain=True,
                 sentiment=False)
    assert out["evidence"].tolist() == [
        "Delivery > Delivery time: late, courier | Delivery > Courier: late, courier",
        "",
        "",
    ]


def test_evidence_shows_masked_parts_as_words_not_placeholder_tokens():
    # tweets' evidence read "Скидки и акции: _num_, _url_, кемерово" (644 of 3,719 SentiRuEval evidence cells):
    # the analyser's tokens for a link or a number, not words of the comment
    class Masked(StandInModel):
        def explain(self, texts, top_k=5):
            return [{label: words + ["_url_", "_num_ days"] for label, words in ev.items()}
                    for ev in super().explain(texts, top_k)]

    frame = pd.DataFrame({"c": ["late courier http://t.co/x 5 days"]})
    en = enrich(frame, Masked(), "c", explain=True, sentiment=False)["evidence"].iloc[0]
    assert en.startswith("Delivery > Delivery time: late, courier, [link], [number] days | ")
    assert "_url_" not in en and "_num_" not in en


# ---------------------------------------------------------------- invariants (hypothesis)

_cells = st.one_of(
    st.sampled_from(["late", "courier", "expensive", "late and expensive", "borderline", "fine", "", "  "]),
    st.text(max_size=20),
    st.none(),
    st.just(float("nan")),
    st.integers(-5, 5),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cells=st.lists(_cells, max_size=30), other=st.lists(st.integers(), max_size=30))
def test_enrich_invariants(cells, other):
    n = len(cells)
    df = pd.DataFrame({"k": (other + [0] * n)[:n], "text": pd.Series(cells, dtype=object)})
    out = enrich(df, StandInModel(), "text", probabilities=True)
    assert len(out) == n
    assert list(out.columns[:2]) == ["k", "text"]
    pd.testing.assert_frame_equal(out[["k", "text"]], df)
    for cell, cats, parents, review in zip(
        cells, out["categories"], out["parent_categories"], out["needs_review"]
    ):
        labels = TAXONOMY.parse_labels(cats)
        assert TAXONOMY.format_labels(labels) == cats  # the strings round-trip
        # child => parent: the parents column is exactly the parents of the categories
        assert set(TAXONOMY.parse_labels(parents)) == {TAXONOMY.parent_of(lab) for lab in labels}
        if not (isinstance(cell, str) and cell.strip()):
            assert cats == "" and parents == "" and not review


# ---------------------------------------------------------------- with the real model


def test_enrich_agrees_with_the_real_model(real_model):
    # "!!!" and "-" are comments without a single word: they must get a row like any other
    texts = ["the courier came late", "очень дорого", "", "nothing to say", "-", "support helped", "!!!"]
    out = enrich(pd.DataFrame({"t": texts}), real_model, "t", probabilities=True, explain=True)
    comments = [t for t in texts if t]
    expected = real_model.predict_labels(comments)
    got = [TAXONOMY.parse_labels(c) for c, t in zip(out["categories"], texts) if t]
    assert got == expected
    assert out["categories"].iloc[1] == "Price > Too expensive"
    # evidence words are given for each predicted category, and only for them
    ev = out["evidence"].iloc[1]
    assert ev.startswith("Price > Too expensive: ")
    assert out["evidence"].iloc[2] == ""


def test_evidence_column_is_the_models_explain(real_model):
    from feedback_classifier.model.evidence_cells import as_written

    # enrich takes probabilities and evidence from one feature pass: same words as explain()
    texts = ["the courier came late", "очень дорого", "late delivery and expensive shipping", "nothing to say", ""]
    out = enrich(pd.DataFrame({"t": texts}), real_model, "t", explain=True, sentiment=False)
    expected = []
    for text in texts:
        evidence = real_model.explain([text])[0] if text else {}
        written = as_written(text, real_model.analyzer_)  # cited as the comment writes them ("came", not "come")
        expected.append(" | ".join(
            f"{TAXONOMY.display_name(label)}: {', '.join(' '.join(written.get(w, w) for w in t.split()) for t in words)}"
            for label, words in evidence.items() if words
        ))
    assert out["evidence"].tolist() == expected
    assert any(expected)


# ---------------------------------------------------------------- classify_file

SURVEY = pd.DataFrame(
    {
        "id": [f"{i:04d}" for i in range(40)],
        "comment": (
            ["the courier came late", "очень дорого", "", "support helped", "late and expensive", None, "ok", "курьер"] * 5
        ),
        "nps": [str(i % 11) for i in range(40)],
    }
)


def _write_survey(path):
    from feedback_classifier.tableio import write_table

    write_table(SURVEY, path)
    return path


def test_classify_file_csv_to_csv(tmp_path, real_model):
    src = _write_survey(tmp_path / "in.csv")
    seen = []
    summary = classify_file(
        src, tmp_path / "out.csv", model=real_model, text_col="comment", chunksize=7,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert isinstance(summary, ClassifySummary)
    assert summary.rows == 40 and summary.empty_comments == 10
    out = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False)
    assert out.columns.tolist() == ["id", "comment", "nps", "categories", "parent_categories", "confidence", "needs_review",
                                    "category_sentiment", "sentiment"]
    assert out["id"].tolist() == SURVEY["id"].tolist()  # order and leading zeros kept
    expected = enrich(SURVEY, real_model, "comment")
    assert out["categories"].tolist() == expected["categories"].tolist()
    assert summary.rows_with_categories == int((expected["categories"] != "").sum())
    assert summary.needs_review == int(expected["needs_review"].sum())
    assert summary.category_counts["Price > Too expensive"] >= 5
    # progress: once per chunk (6 chunks of 7) then a final call with the exact total
    assert [d for d, _ in seen] == [7, 14, 21, 28, 35, 40, 40]
    assert seen[-1] == (40, 40)
    assert seen[0][1] is not None and seen[0][1] >= 30


def test_classify_file_csv_to_parquet_with_probabilities(tmp_path, real_model):
    src = _write_survey(tmp_path / "in.csv")
    classify_file(src, tmp_path / "out.parquet", model=real_model, text_col="comment", probabilities=True, chunksize=16)
    out = pd.read_parquet(tmp_path / "out.parquet")
    assert len(out) == 40
    assert out["needs_review"].dtype == bool
    assert "p: Delivery > Courier" in out.columns
    assert out["categories"].tolist() == enrich(SURVEY, real_model, "comment")["categories"].tolist()


def test_classify_file_xlsx_to_csv(tmp_path, real_model):
    src = _write_survey(tmp_path / "in.xlsx")
    summary = classify_file(src, tmp_path / "out.csv", model=real_model, text_col="comment", lang="ru")
    out = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False)
    assert summary.rows == len(out) == 40
    assert out["categories"].iloc[1] == "Цена > Слишком дорого"


def test_classify_file_missing_column_lists_columns_and_writes_nothing(tmp_path, real_model):
    src = _write_survey(tmp_path / "in.csv")
    with pytest.raises(MissingColumnError, match="'comment'"):
        classify_file(src, tmp_path / "out.csv", model=real_model, text_col="text")
    assert not (tmp_path / "out.csv").exists()


def test_classify_file_parallel_output_is_byte_identical(tmp_path, real_model):
    src = _write_survey(tmp_path / "in.csv")
    one = classify_file(src, tmp_path / "one.csv", model=real_model, text_col="comment", chunksize=6, explain=True)
    two = classify_file(src, tmp_path / "two.csv", model=real_model, text_col="comment", chunksize=6, jobs=2, explain=True)
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "two.csv").read_bytes()
    assert (one.rows, one.needs_review, one.category_counts) == (two.rows, two.needs_review, two.category_counts)


def test_chunks_cut_into_one_piece_per_worker_give_the_same_output(tmp_path, real_model, monkeypatch):
    from feedback_classifier.jobs import classify as classify_module

    src = _write_survey(tmp_path / "in.csv")
    one = classify_file(src, tmp_path / "one.csv", model=real_model, text_col="comment", chunksize=7)
    monkeypatch.setattr(classify_module, "_MIN_PIECE", 2)  # pieces of 3-4 rows: 2 per chunk, 1 for the last
    two = classify_file(src, tmp_path / "two.csv", model=real_model, text_col="comment", chunksize=7, jobs=2)
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "two.csv").read_bytes()
    assert (one.rows, one.needs_review, one.rows_with_categories, one.category_counts) == (
        two.rows, two.needs_review, two.rows_with_categories, two.category_counts)
    frame = pd.DataFrame({"c": range(5)})
    assert [(a, b, last) for _, a, b, last in classify_module._pieces([frame, frame.head(3)], 2)] == [
        (0, 2, False), (2, 5, True), (0, 3, True)]


def test_pieces_are_at_most_one_model_batch_and_give_the_same_output(tmp_path, real_model, monkeypatch):
    from feedback_classifier.jobs import classify as classify_module

    src = _write_survey(tmp_path / "in.csv")
    classify_file(src, tmp_path / "one.csv", model=real_model, text_col="comment", chunksize=7)
    monkeypatch.setattr(classify_module, "_MIN_PIECE", 1)
    monkeypatch.setattr(classify_module, "_MAX_PIECE", 3)  # a 7-row chunk: 3 pieces for 2 workers
    classify_file(src, tmp_path / "two.csv", model=real_model, text_col="comment", chunksize=7, jobs=2)
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "two.csv").read_bytes()
    frame = pd.DataFrame({"c": range(7)})
    assert [(a, b, last) for _, a, b, last in classify_module._pieces([frame], 2)] == [
        (0, 2, False), (2, 5, False), (5, 7, True)]


def test_the_main_process_classifies_the_first_rows_before_the_workers_fork(monkeypatch):
    from feedback_classifier.jobs import classify as classify_module

    seen = []
    monkeypatch.setattr(classify_module, "_classify_column", lambda state, column: seen.append(column.tolist()))
    monkeypatch.setattr(classify_module, "_WARM_ROWS", 2)
    a, b = pd.DataFrame({"comment": ["x", "y", "z"]}), pd.DataFrame({"comment": ["w"]})
    out = list(classify_module._warmed(iter([a, b]), None, lambda chunk: chunk["comment"]))
    assert len(out) == 2 and out[0] is a and out[1] is b  # the chunks themselves, all of them
    assert seen == [["x", "y"]]  # only the first rows of the first chunk, once
    assert list(classify_module._warmed(iter([]), None, lambda chunk: chunk["comment"])) == [] and len(seen) == 1


def test_classify_file_refuses_to_overwrite_its_input(tmp_path, real_model):
    from feedback_classifier.errors import InputFileError

    src = _write_survey(tmp_path / "in.csv")
    with pytest.raises(InputFileError, match="overwrite the input"):
        classify_file(src, src, model=real_model, text_col="comment")


# ---------------------------------------------------------------- CLI

runner = CliRunner()


def _cli(*args):
    from feedback_classifier.cli import app

    return runner.invoke(app, ["classify", *map(str, args)])


def test_cli_classify_with_the_default_model(tmp_path):
    src = _write_survey(tmp_path / "in.csv")
    result = _cli(src, "--text-col", "comment", "--out", tmp_path / "out.parquet", "--jobs", "2", "--chunksize", "10")
    assert result.exit_code == 0, result.output
    assert "Classified 40 rows" in result.output
    assert "to review" in result.output and "Top categories:" in result.output
    assert f"Wrote {tmp_path / 'out.parquet'}" in result.output
    out = pd.read_parquet(tmp_path / "out.parquet")
    assert out["id"].tolist() == SURVEY["id"].tolist()
    assert (out["categories"] != "").sum() > 0


def test_cli_classify_xlsx_to_xlsx_keeps_text_cells_as_text_and_the_sheet_name(tmp_path):
    # a sheet whose cells are all stored as text: the output had 10001 as a number, the phone with a
    # literal ' (CSV's formula mark) and a sheet named 'Sheet1'
    from openpyxl import Workbook, load_workbook

    wb = Workbook()
    wb.active.title = "Ответы"
    for row in [("zip", "phone", "comment"), ("10001", "+44 20 7946 0958", "Great price"),
                ("00123", "=1+2", "Курьер опоздал на два часа")]:
        wb.active.append(row)
    wb.save(tmp_path / "in.xlsx")
    result = _cli(tmp_path / "in.xlsx", "--text-col", "comment", "--out", tmp_path / "out.xlsx", "--quiet")
    assert result.exit_code == 0, result.output
    out = load_workbook(tmp_path / "out.xlsx")
    assert out.sheetnames == ["Ответы"]
    rows = [[(c.value, c.data_type) for c in row[:3]] for row in out.active.iter_rows(min_row=2)]
    assert rows == [[("10001", "s"), ("+44 20 7946 0958", "s"), ("Great price", "s")],
                    [("00123", "s"), ("=1+2", "s"), ("Курьер опоздал на два часа", "s")]]
    assert isinstance(out.active["D2"].value, str) and out.active["F2"].data_type == "n"  # categories; confidence


def test_cli_classify_quiet_has_no_progress_lines(tmp_path):
    src = _write_survey(tmp_path / "in.csv")
    loud = _cli(src, "--text-col", "comment", "--out", tmp_path / "a.csv")
    quiet = _cli(src, "--text-col", "comment", "--out", tmp_path / "b.csv", "--quiet")
    assert loud.exit_code == quiet.exit_code == 0
    assert "classified 40 / 40 rows" in loud.stderr  # plain progress line: stderr is not a terminal
    assert quiet.stderr == ""
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_cli_classify_missing_column_exits_1_listing_columns(tmp_path):
    src = _write_survey(tmp_path / "in.csv")
    result = _cli(src, "--text-col", "text", "--out", tmp_path / "out.csv", "--quiet")
    assert result.exit_code == 1
    assert "no column 'text'" in result.output and "'comment'" in result.output and "'nps'" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out.csv").exists()


def test_cli_classify_with_a_saved_model_and_russian_names(tmp_path, real_model):
    from feedback_classifier.model.persist import save_model

    model_path = save_model(real_model, tmp_path / "tiny.joblib")
    src = _write_survey(tmp_path / "in.csv")
    result = _cli(
        src, "--text-col", "comment", "--out", tmp_path / "out.csv", "--model", model_path,
        "--lang", "ru", "--probabilities", "--explain", "--quiet",
    )
    assert result.exit_code == 0, result.output
    out = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False)
    expected = enrich(SURVEY, real_model, "comment", lang="ru", probabilities=True, explain=True)
    assert out.columns.tolist() == expected.columns.tolist()
    assert out["categories"].tolist() == expected["categories"].tolist()
    assert "Цена > Слишком дорого" in result.output  # top categories in the summary


def test_cli_classify_rejects_a_language_the_taxonomy_lacks(tmp_path, real_model):
    from feedback_classifier.model.persist import save_model

    model_path = save_model(real_model, tmp_path / "tiny.joblib")
    src = _write_survey(tmp_path / "in.csv")
    result = _cli(src, "--text-col", "comment", "--out", tmp_path / "o.csv", "--model", model_path, "--lang", "de")
    assert result.exit_code != 0
    assert "'de' is not a language" in result.output


def test_cli_classify_missing_model_file_exits_1(tmp_path):
    src = _write_survey(tmp_path / "in.csv")
    result = _cli(src, "--text-col", "comment", "--out", tmp_path / "out.csv", "--model", tmp_path / "nope.joblib")
    assert result.exit_code == 1
    assert "nope.joblib" in result.output and "not found" in result.output


# ---------------------------------------------------------------- progress helpers


@pytest.mark.parametrize("ext", ["csv", "parquet", "xlsx", "jsonl"])
def test_total_rows_estimate_is_exact_for_small_files(tmp_path, ext):
    from feedback_classifier.tableio.rowcount import estimate_total_rows

    path = _write_survey(tmp_path / f"in.{ext}")
    assert estimate_total_rows(path) == 40


def test_total_rows_estimate_of_a_big_csv_is_close(tmp_path):
    from feedback_classifier.tableio.rowcount import estimate_total_rows

    path = tmp_path / "big.csv"
    rows = [f"{i},comment number {i} {'x' * (i % 50)}\n" for i in range(60_000)]
    path.write_text("id,comment\n" + "".join(rows))
    assert path.stat().st_size > 2 * (1 << 20)  # larger than the sample read
    assert abs(estimate_total_rows(path) - 60_000) < 6_000


def test_log_lines_are_plain_and_the_final_count_is_printed_once():
    import io

    from feedback_classifier.cli.progress import LogLineProgress

    buf = io.StringIO()
    log = LogLineProgress(stream=buf, interval=3600)
    log(10, 40)  # first call prints
    log(20, 40)  # within the interval: silent
    log(40, 40)  # finished: prints
    log(40, 40)  # the library's final call repeats the count: silent
    lines = buf.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("classified 10 / ~40 rows (") and "ETA" in lines[0]
    assert lines[1].startswith("classified 40 / 40 rows (")  # finished: the count is exact, no "~"
    assert "\x1b" not in buf.getvalue() and "\r" not in buf.getvalue()


def test_log_lines_end_with_the_exact_count_when_the_estimate_was_too_high():
    # a CSV's size estimate was 6,114 rows for 5,560 tweets: the last line said "5,560 / ~6,114", which
    # reads as 554 rows lost; the library's final call (done == total) now prints the exact count
    import io

    from feedback_classifier.cli.progress import LogLineProgress

    buf = io.StringIO()
    log = LogLineProgress(stream=buf, interval=0)
    log(5560, 6114)
    log(5560, 5560)
    log(5560, 5560)  # said once
    lines = buf.getvalue().splitlines()
    assert len(lines) == 2 and lines[0].startswith("classified 5,560 / ~6,114 rows")
    assert lines[1].startswith("classified 5,560 / 5,560 rows (") and "ETA" not in lines[1]


def test_cli_classify_names_often_missed_categories_in_the_chosen_language(tmp_path):
    from feedback_classifier.jobs.audit_sample import often_missed
    from feedback_classifier.taxonomy import load_taxonomy

    tax = load_taxonomy("cx-default")
    ru, en = often_missed(None, tax, "ru")[0], often_missed(None, tax, "en")[0]
    assert ru and ru != en  # the bundled rates name some parents, and the taxonomy has Russian names for them
    src = _write_survey(tmp_path / "in.csv")
    result = _cli(src, "--text-col", "comment", "--lang", "ru", "--out", tmp_path / "out.csv")
    assert result.exit_code == 0, result.output
    line = next(x for x in result.stdout.splitlines() if x.startswith("Often missed"))
    assert line.endswith(": " + ", ".join(ru)), line


def test_html_escaped_comments_are_classified_as_the_text_they_stand_for(real_model):
    # tweets and help-desk exports come HTML-escaped: "&amp;" was split at its ";" into two clauses and
    # read as a word "amp" (Twitter US Airline tweets: 332 of the 720 with an entity got other categories)
    plain = ["Quick, painless & free. Thank you for the easy itinerary shift",
             "you have amazing staff & super helpful agents",
             "I <3 flying with you but I am trying to change my trip, the site errors out"]
    escaped = [t.replace("&", "&amp;").replace("<", "&lt;") for t in plain]
    a = enrich(pd.DataFrame({"comment": plain}), real_model, "comment", lang="en", explain=True)
    b = enrich(pd.DataFrame({"comment": escaped}), real_model, "comment", lang="en", explain=True)
    assert b["comment"].tolist() == escaped  # the table keeps the comments as written
    pd.testing.assert_frame_equal(a.drop(columns="comment"), b.drop(columns="comment"))


def test_a_stage_counts_no_speed_for_rows_done_before_it_began():
    # e5's reading of a file whose vectors were cached reported "1,656 / 1,656 rows (9,000,000 rows/s)":
    # a stage's first call counts what was done before it began, which is no speed
    import io
    import time

    from rich.console import Console

    from feedback_classifier.cli.progress import LogLineProgress, RichProgress

    buf = io.StringIO()
    read = LogLineProgress(stream=buf, interval=0).stage("reading", "read")
    read(1656, 1656)
    assert buf.getvalue() == "read 1,656 / 1,656 rows\n"
    buf = io.StringIO()
    read = LogLineProgress(stream=buf, interval=0).stage("reading", "read")
    read(1000, 1100)
    time.sleep(0.05)
    read(1100, 1100)
    speed = float(buf.getvalue().splitlines()[-1].split("(")[1].split()[0].replace(",", ""))
    assert 100 <= speed <= 100 / 0.05  # the 100 rows read since the first call, not the 1,100
    with RichProgress(console=Console(file=io.StringIO()), description="classifying") as bar:
        bar.stage("reading", "read")(1656, 1656)
        assert [t.fields["rate"] for t in bar._progress.tasks] == ["-", "-"]


def test_cli_classify_categories_col_does_not_name_the_model_s_often_missed_categories(tmp_path):
    # the categories are given, not predicted: "Often missed: Price and value (40%)" spoke of the model's
    path = tmp_path / "coded.csv"
    pd.DataFrame({"text": ["too expensive", "courier was rude"],
                  "codes": ["Price and value", "Delivery and logistics > Courier"]}).to_csv(path, index=False)
    result = _cli(path, "--text-col", "text", "--categories-col", "codes", "--out", tmp_path / "out.csv")
    assert result.exit_code == 0, result.output
    assert "Often missed" not in result.stdout and "Model:" in result.stdout


def test_cli_classify_quiet_still_names_often_missed_categories(tmp_path):
    # -q silences progress, notes on what the run is doing and tips; "Often missed" says which
    # categories the output under-counts (a note about the results) and went with them
    src = _write_survey(tmp_path / "in.csv")
    result = _cli(src, "--text-col", "comment", "--lang", "en", "--out", tmp_path / "out.csv", "-q")
    assert result.exit_code == 0, result.output
    assert any(x.startswith("Often missed (rough recall") for x in result.stdout.splitlines()), result.stdout
