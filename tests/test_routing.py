"""Routing: per-team queues, review queue and summary from an enriched table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from feedback_classifier.errors import MissingColumnError
from feedback_classifier.insights.queues import safe_file_stem
from feedback_classifier.insights.routing import route, write_queues
from feedback_classifier.insights.streaming_router import StreamingRouter
from feedback_classifier.taxonomy import load_taxonomy
from test_analyze import tiny_model  # noqa: F401  (a fixture)


@pytest.fixture(scope="module")
def tax():
    return load_taxonomy("cx-default")


def enriched() -> pd.DataFrame:
    """A hand-made classify.enrich output (categories in English display paths)."""
    return pd.DataFrame(
        {
            "response_id": ["r1", "r2", "r3", "r4", "r5", "r6", "r7"],
            "region": ["North", "South", "North", "East", "South", "North", "East"],
            "comment": [
                "Courier was three hours late",
                "Courier late and I was charged twice",
                "Delivery fine, price too high",
                "It was ok I guess",  # uncertain; a bare "ok" states no opinion and is listed as junk
                "Parcel arrived crushed",
                "The manager never called back",
                "Courier lost my parcel",
            ],
            "nps": [9, 2, 6, 7, 8, 3, 2],
            "categories": [
                "Delivery and logistics > Delivery time",
                "Delivery and logistics > Courier; Payment and billing > Billing errors",
                "Price and value > Too expensive",
                "",
                "Delivery and logistics > Packaging",
                "Service > Manager interaction",
                "Delivery and logistics > Courier",
            ],
            "confidence": [0.9, 0.7, 0.8, 0.6, 0.95, 0.4, 0.85],
            "needs_review": [False, False, False, True, False, True, False],
        }
    )


def test_each_team_gets_only_its_own_categories(tax):
    result = route(enriched(), tax, text_col="comment", score_col="nps")
    logistics = result.queues["Logistics"]
    billing = result.queues["Billing"]
    assert "response_id" not in logistics.columns  # carried only when asked with keep=
    assert sorted(logistics["row"]) == [1, 2, 5, 7]
    assert all(c.startswith("Delivery and logistics") for c in logistics["categories"])
    assert billing["row"].tolist() == [2]
    assert billing["categories"].tolist() == ["Payment and billing > Billing errors"]
    assert result.queues["Pricing"]["row"].tolist() == [3]


def test_comment_with_two_teams_goes_to_both(tax):
    result = route(enriched(), tax, text_col="comment", score_col="nps")
    both = "Courier late and I was charged twice"
    assert both in result.queues["Logistics"]["comment"].tolist()
    assert both in result.queues["Billing"]["comment"].tolist()


def test_child_with_own_owner_goes_to_that_team_not_the_parents(tax):
    result = route(enriched(), tax, text_col="comment", score_col="nps")
    assert result.queues["Sales"]["row"].tolist() == [6]
    assert result.queues["Customer Support"].empty


def test_queue_is_most_urgent_first(tax):
    result = route(enriched(), tax, text_col="comment", score_col="nps")
    logistics = result.queues["Logistics"]
    # detractors (2, 2) first, equal score broken by confidence (0.85 before 0.7), then 8, 9
    assert logistics["row"].tolist() == [7, 2, 5, 1]
    assert logistics["nps"].tolist() == [2, 2, 8, 9]


def test_review_queue_holds_exactly_the_uncertain_comments(tax):
    result = route(enriched(), tax, text_col="comment", score_col="nps")
    assert sorted(result.review["row"]) == [4, 6]
    assert result.review["row"].tolist() == [6, 4]  # the detractor first
    assert result.review["categories"].tolist() == ["Customer service > Manager interaction", ""]


def test_summary_counts_per_team(tax):
    result = route(enriched(), tax, text_col="comment", score_col="nps")
    summary = result.summary.set_index("team")[["comments", "detractors", "review"]]
    assert summary.loc["Logistics"].tolist() == [4, 2, 0]  # comments, detractors, review
    assert summary.loc["Billing"].tolist() == [1, 1, 0]
    assert summary.loc["Sales"].tolist() == [1, 1, 1]
    assert summary.loc["Pricing"].tolist() == [1, 1, 0]
    assert summary.loc["review"].tolist() == [2, 1, 2]
    assert summary.loc["Marketing"].tolist() == [0, 0, 0]
    assert list(summary.index[:-2]) == tax.owners  # every team, taxonomy order, then review and junk
    assert list(summary.index[-2:]) == ["review", "junk"]


def test_summary_names_each_queue_in_the_chosen_language_and_keeps_its_key(tax, tmp_path):
    # the key (the taxonomy's owner name, as the queue files are named) stays the same in every
    # language for scripts that join on it; a Russian reader gets the teams' Russian names
    result = route(enriched(), tax, text_col="comment", score_col="nps", lang="ru")
    names = dict(zip(result.summary["team"], result.summary["name"]))
    assert names["Logistics"] == "Логистика" and names["Customer Support"] == "Служба поддержки"
    assert names["review"] == "на проверку" and names["junk"] == "пустые ответы"
    english = route(enriched(), tax, text_col="comment", score_col="nps")
    assert english.summary["name"].tolist() == english.summary["team"].tolist()
    router = StreamingRouter(tax, text_col="comment", score_col="nps", lang="ru", tmp_dir=tmp_path)
    router.add(enriched())
    streamed, _ = router.finish(tmp_path / "q", fmt="csv")
    pd.testing.assert_frame_equal(streamed.summary, result.summary)


def test_route_command_writes_russian_team_names_under_lang_ru(tmp_path):
    from typer.testing import CliRunner

    from feedback_classifier.cli import app

    src = tmp_path / "in.csv"
    enriched().to_csv(src, index=False)
    result = CliRunner().invoke(app, ["route", str(src), "--text-col", "comment", "--score-col", "nps",
                                      "--lang", "ru", "--out-dir", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "Логистика" in result.output and "Product team" not in result.output
    summary = pd.read_csv(tmp_path / "out" / "summary.csv", encoding="utf-8-sig")
    assert list(summary.columns) == ["team", "name", "file", "comments", "detractors", "review"]
    assert summary.set_index("team").loc["Logistics", "name"] == "Логистика"
    assert (tmp_path / "out" / "logistics.csv").exists()  # file names keep the owner's name


def test_keep_columns_are_carried(tax):
    result = route(enriched(), tax, text_col="comment", score_col="nps", keep=["response_id", "region"])
    billing = result.queues["Billing"]
    assert billing[["response_id", "region"]].values.tolist() == [["r2", "South"]]
    assert list(billing.columns[:3]) == ["row", "response_id", "region"]
    assert result.review["response_id"].tolist() == ["r6", "r4"]


def test_missing_keep_column_is_a_clear_error(tax):
    with pytest.raises(MissingColumnError, match="order_id"):
        route(enriched(), tax, text_col="comment", keep=["order_id"])


def test_categories_written_in_the_chosen_language(tax):
    result = route(enriched(), tax, text_col="comment", score_col="nps", lang="ru")
    assert result.queues["Billing"]["categories"].tolist() == [
        tax.display_name(("payment", "billing_errors"), lang="ru")
    ]


def test_russian_category_cells_are_understood(tax):
    df = enriched()
    df.loc[0, "categories"] = tax.format_labels([("delivery", "delivery_time")], lang="ru")
    result = route(df, tax, text_col="comment", score_col="nps")
    assert 1 in result.queues["Logistics"]["row"].tolist()


def test_without_scores_order_is_by_confidence(tax):
    result = route(enriched(), tax, text_col="comment")
    assert result.queues["Logistics"]["row"].tolist() == [5, 1, 7, 2]
    assert pd.isna(result.summary.set_index("team").loc["Logistics", "detractors"])  # unknown, not 0


def test_needs_review_read_back_from_text(tax):
    df = enriched()
    df["needs_review"] = df["needs_review"].map({True: "True", False: "False"})
    assert sorted(route(df, tax, text_col="comment").review["row"]) == [4, 6]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "jsonl"])
def test_write_queues_one_file_per_team(tax, tmp_path, fmt):
    from feedback_classifier.tableio import read_table

    result = route(enriched(), tax, text_col="comment", score_col="nps", keep=["response_id"])
    paths = write_queues(result, tmp_path / "queues", fmt=fmt)
    names = sorted(p.name for p in (tmp_path / "queues").iterdir())
    assert f"logistics.{fmt}" in names and f"loyalty-crm.{fmt}" in names
    assert f"review.{fmt}" in names and f"summary.{fmt}" in names
    assert f"junk.{fmt}" in names
    assert len(names) == len(tax.owners) + 3
    back = read_table(paths["Billing"])
    assert back["response_id"].tolist() == ["r2"]


def test_safe_file_stems():
    assert safe_file_stem("Loyalty / CRM") == "loyalty-crm"
    assert safe_file_stem("Логистика") == "логистика"
    assert "/" not in safe_file_stem("../../x") and ".." not in safe_file_stem("../../x")
    assert safe_file_stem("summary") == "summary-team"
    assert safe_file_stem("CON") == "con-team"
    assert safe_file_stem("Team A", taken=["team-a"]) == "team-a-2"


# ---- streaming router: the same files as route() + write_queues(), in bounded memory ---------



_CELLS = ["Delivery and logistics > Delivery time", "Price and value > Too expensive",
          "Delivery and logistics > Delivery time; Payment and billing > Billing errors", "",
          "Service > Manager interaction", "Service", "Доставка и логистика > Сроки доставки"]


def _big_enriched(n, seed, scores):
    rng = np.random.default_rng(seed)
    conf = np.round(rng.random(n), 2)
    conf[rng.random(n) < 0.05] = np.nan
    return pd.DataFrame({
        "id": [f"r{i}" for i in range(n)],
        "comment": rng.choice(["late", "pricey", "late and double charge", "", "rude manager", "ok"], n),
        "nps": rng.choice(scores, n),
        "categories": rng.choice(_CELLS, n),
        "confidence": conf,
        "needs_review": rng.random(n) < 0.2,
    }).astype({"id": "str", "comment": "str", "nps": "str"})


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@pytest.mark.parametrize("scores,score_type", [
    (["0", "3", "6", "7", "9", "10", "", "x", "9,0"], "nps"),
    (["0", "3", "6", "8.0", "9", "10", "9,0", "8,5"], "nps"),  # dots elsewhere: "9,0" is not a number
    (["1.5", "-2", "3.25", "100", "7", "0.5", ""], "mean"),
])
def test_streaming_router_writes_the_same_files_as_route(tax, tmp_path, fmt, scores, score_type, monkeypatch):
    from feedback_classifier.insights import streaming_router

    monkeypatch.setattr(streaming_router, "_FLUSH_ROWS", 10)  # many sorted runs per queue, as in a big file
    df = _big_enriched(300, 3, scores)
    expected = write_queues(route(df, tax, text_col="comment", score_col="nps", score_type=score_type, keep=["id"]),
                            tmp_path / "mem", fmt=fmt)
    router = StreamingRouter(tax, text_col="comment", score_col="nps", score_type=score_type, keep=["id"],
                             tmp_dir=tmp_path)
    for start in range(0, len(df), 37):
        router.add(df.iloc[start:start + 37])
    result, paths = router.finish(tmp_path / "stream", fmt=fmt)
    assert set(paths) == set(expected)
    for name, path in expected.items():
        assert paths[name].read_bytes() == path.read_bytes(), name
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("fc-queues-")] == []  # spill files removed
    assert result.summary["comments"].sum() > 0


def test_streaming_router_without_scores_and_empty_teams(tax, tmp_path):
    df = _big_enriched(50, 4, ["9"])
    expected = write_queues(route(df, tax, text_col="comment"), tmp_path / "mem", fmt="csv")
    router = StreamingRouter(tax, text_col="comment", tmp_dir=tmp_path)
    for start in range(0, len(df), 20):
        router.add(df.iloc[start:start + 20])
    _, paths = router.finish(tmp_path / "stream", fmt="csv")
    for name, path in expected.items():
        assert paths[name].read_bytes() == path.read_bytes(), name


def test_without_scores_detractors_are_unknown_not_zero(tax, tmp_path):
    # every team showed 0 detractors when the export had no score column
    result = route(enriched(), tax, text_col="comment")
    assert result.summary["detractors"].isna().all() and result.summary["comments"].sum() > 0
    paths = write_queues(result, tmp_path, fmt="csv")
    assert pd.read_csv(paths["summary"], encoding="utf-8-sig")["detractors"].isna().all()
    scored = route(enriched(), tax, text_col="comment", score_col="nps")
    assert scored.summary["detractors"].notna().all()


def test_route_keeps_the_inputs_own_confidence_under_its_input_name_when_it_classifies(tmp_path, tiny_model):
    # the README: a kept column named like one the queues add is kept as `confidence (input)`; when
    # route classified the file, that column showed the model's confidence, the input's values lost
    import warnings

    from feedback_classifier.errors import InputWarning
    from feedback_classifier.jobs import route_file

    src = tmp_path / "survey.csv"
    pd.DataFrame({"row": [7, 8], "comment": ["The courier was late again", "Prices are too high"],
                  "confidence": ["high", "low"], "nps": [2, 9]}).to_csv(src, index=False)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        result = route_file(src, tmp_path / "q", text_col="comment", score_col="nps", model=tiny_model,
                            keep=["row", "confidence"])
    queue = pd.read_csv(result.paths["Logistics"], encoding="utf-8-sig")
    assert queue["confidence (input)"].tolist() == ["high"] and queue["row (input)"].tolist() == [7]
    assert pd.api.types.is_float_dtype(queue["confidence"])  # the model's, under the queue's own name
    renamed = [str(w.message) for w in said if issubclass(w.category, InputWarning) and "(input)" in str(w.message)]
    assert len(renamed) == 1 and "'confidence' as 'confidence (input)'" in renamed[0], renamed


def test_junk_answers_are_not_counted_as_to_review(tax, tmp_path):
    # junk answers go to their own list, never to the review queue, whatever the model flagged:
    # the summary's review count said 83 for the example survey's junk while the report said "—"
    df = enriched()
    df.loc[3, ["comment", "categories", "needs_review"]] = ["asdfghjkl", "", True]
    summary = route(df, tax, text_col="comment", score_col="nps").summary.set_index("team")
    assert summary.loc["junk", ["comments", "review"]].tolist() == [1, 0]
    router = StreamingRouter(tax, text_col="comment", score_col="nps", tmp_dir=tmp_path)
    router.add(df)
    streamed = router.finish(tmp_path / "out", fmt="csv")[0].summary.set_index("team")
    assert streamed.loc["junk", ["comments", "review"]].tolist() == [1, 0]


def test_route_command_orders_a_ces_where_lower_is_better(tmp_path):
    # a CES where 7 = most effort: the hardest experiences lead each queue, as analyze orders them
    from typer.testing import CliRunner

    from feedback_classifier.cli import app

    df = enriched().assign(ces=[1, 7, 2, 4, 6, 7, 3])
    df["categories"] = "Delivery and logistics > Courier"
    df.to_csv(src := tmp_path / "in.csv", index=False)
    result = CliRunner().invoke(app, ["route", str(src), "--text-col", "comment", "--score-col", "ces",
                                      "--score-type", "ces", "--scale", "1-7", "--lower-is-better",
                                      "--out-dir", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    queue = pd.read_csv(tmp_path / "out" / "logistics.csv", encoding="utf-8-sig")
    assert queue["ces"].tolist()[:2] == [7, 7] and queue["ces"].tolist()[-1] == 1
    summary = pd.read_csv(tmp_path / "out" / "summary.csv", encoding="utf-8-sig").set_index("team")
    assert summary.loc["Logistics", "detractors"] == 3  # 6 and 7 are the bottom box of a 1-7 CES read this way
    # the terminal's column names them as a CES user does ("detractors" is an NPS word)
    assert "high effort" in result.output and "detractors" not in result.output


def test_route_carries_id_like_columns_unless_keep_says(tmp_path):
    # without --keep a queue had no response_id: a team could not reach the customer (analyze keeps them)
    from typer.testing import CliRunner

    from feedback_classifier.cli import app

    enriched().to_csv(src := tmp_path / "in.csv", index=False)
    result = CliRunner().invoke(app, ["route", str(src), "--text-col", "comment", "--out-dir", str(tmp_path / "a")])
    assert result.exit_code == 0, result.output
    assert "response_id" in pd.read_csv(tmp_path / "a" / "logistics.csv", encoding="utf-8-sig").columns
    result = CliRunner().invoke(app, ["route", str(src), "--text-col", "comment", "--keep", "region",
                                      "--out-dir", str(tmp_path / "b")])
    columns = pd.read_csv(tmp_path / "b" / "logistics.csv", encoding="utf-8-sig").columns
    assert "region" in columns and "response_id" not in columns


@pytest.mark.parametrize("streamed", [False, True])
def test_a_rerun_leaves_no_queue_of_an_earlier_run_beside_its_own(tax, tmp_path, streamed):
    # after a taxonomy switch or a team renamed, yesterday's team files stayed in queues/ beside today's
    out = tmp_path / "q"
    out.mkdir()
    pd.DataFrame({"team": ["Delivery team", "review", "junk"], "name": ["x"] * 3, "comments": [1, 0, 0]}).to_csv(
        out / "summary.csv", index=False)
    for name in ("delivery-team.csv", "review.csv", "junk.csv", "summary.jsonl", "notes.txt"):
        (out / name).write_text("old")
    pd.DataFrame({"team": ["Billing", "review", "junk"], "comments": [1, 0, 0]}).to_json(
        out / "summary.jsonl", orient="records", lines=True)
    (out / "billing.jsonl").write_text("old")
    result = route(enriched(), tax, text_col="comment", score_col="nps")
    if streamed:
        router = StreamingRouter(tax, text_col="comment", score_col="nps", tmp_dir=tmp_path)
        router.add(enriched())
        router.finish(out, fmt="csv")
    else:
        write_queues(result, out, fmt="csv")
    names = {p.name for p in out.iterdir()}
    assert "delivery-team.csv" not in names and "billing.jsonl" not in names and "summary.jsonl" not in names
    assert "notes.txt" in names  # a file no run wrote is left alone
    assert {"logistics.csv", "review.csv", "junk.csv", "summary.csv"} <= names


def test_summary_names_each_queues_file_when_two_teams_make_one_file_stem(tmp_path):
    # "Loyalty / CRM" and "Loyalty-CRM" both make loyalty-crm: the second got loyalty-crm-2.csv, which
    # a script could only find by rebuilding the rule (and moves when the taxonomy's order changes)
    from typer.testing import CliRunner

    from feedback_classifier.cli import app

    yaml = tmp_path / "t.yaml"
    yaml.write_text(
        "name: t\nversion: 1\nlanguages: [en]\ncategories:\n"
        "  - {id: points, names: {en: Points}, owner: Loyalty / CRM}\n"
        "  - {id: cards, names: {en: Cards}, owner: Loyalty-CRM}\n", encoding="utf-8")
    src = tmp_path / "in.csv"
    pd.DataFrame({"comment": ["points lost", "card blocked"], "categories": ["Points", "Cards"],
                  "needs_review": [False, False]}).to_csv(src, index=False)
    for fmt in ("csv", "jsonl"):
        out = tmp_path / fmt
        result = CliRunner().invoke(app, ["route", str(src), "--text-col", "comment", "--taxonomy", str(yaml),
                                          "--out-dir", str(out), "--format", fmt])
        assert result.exit_code == 0, result.output
        from feedback_classifier.tableio import read_table

        summary = read_table(out / f"summary.{fmt}").set_index("team")
        assert summary.loc["Loyalty / CRM", "file"] == f"loyalty-crm.{fmt}"
        assert summary.loc["Loyalty-CRM", "file"] == f"loyalty-crm-2.{fmt}"
        assert summary.loc["review", "file"] == f"review.{fmt}"
        for team, file in summary["file"].items():
            assert (out / file).is_file(), team
    tax = load_taxonomy(yaml)
    queues = write_queues(route(pd.read_csv(src), tax, text_col="comment"), tmp_path / "lib")
    assert pd.read_csv(queues["summary"], encoding="utf-8-sig").set_index("team").loc["Loyalty-CRM", "file"] == \
        "loyalty-crm-2.csv"
