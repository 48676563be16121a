"""A support-operations manager's QA sweep of routing: a daily mixed English/Russian export sent to
the teams of a taxonomy of their own (teams with spaces, Cyrillic names, one team owning several
categories, a parent and its child owned by different teams), the review queue in the label app.

Each test fails on the code before its fix.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from feedback_classifier.cli import app

runner = CliRunner()

CLASSIFIED = (
    "response_id,comment,nps,categories,confidence,needs_review\n"
    "0001,Курьер опоздал на два часа,2,Delivery and logistics > Delivery time,0.9,False\n"
    "0002,The shop was dirty,3,Store / branch experience,0.8,False\n"
    "0003,Hmm,5,,0.3,True\n"
)


def _taxonomy(tmp_path: Path, store_owner: str) -> Path:
    """cx-default with the store's owner renamed."""
    from feedback_classifier.taxonomy.bundled import bundled_taxonomy_path

    text = Path(bundled_taxonomy_path("cx-default")).read_text(encoding="utf-8")
    assert "    owner: Retail operations\n" in text
    path = tmp_path / "teams.yaml"
    path.write_text(text.replace("    owner: Retail operations\n", f"    owner: {store_owner}\n"), encoding="utf-8")
    return path


def test_a_team_named_review_is_refused_in_one_line_and_writes_nothing(tmp_path):
    """An owner team called 'review' shared the review queue's key and file: route mixed the store's rows
    into review.csv, then failed on its second write with "cannot write the output there (No such file or
    directory)", leaving half of the queues in the folder (no junk, no summary) and a spill folder."""
    data = tmp_path / "classified.csv"
    data.write_text(CLASSIFIED, encoding="utf-8")
    taxonomy = _taxonomy(tmp_path, "review")
    out = tmp_path / "queues"
    result = runner.invoke(app, ["route", str(data), "--text-col", "comment", "--score-col", "nps",
                                 "--out-dir", str(out), "--taxonomy", str(taxonomy)])
    assert result.exit_code == 1, result.output
    assert "owner team 'review'" in result.output and "rename the team" in result.output
    assert "Traceback" not in result.output
    assert not out.exists() or not any(out.iterdir())
    checked = runner.invoke(app, ["taxonomy", "validate", str(taxonomy)])
    assert checked.exit_code == 1 and "owner team 'review'" in checked.output

    # 'Junk' is not the junk list's key: a team of its own, in junk-team.csv
    out = tmp_path / "queues2"
    result = runner.invoke(app, ["route", str(data), "--text-col", "comment", "--score-col", "nps",
                                 "--out-dir", str(out), "--taxonomy", str(_taxonomy(tmp_path, "Junk"))])
    assert result.exit_code == 0, result.output
    assert pd.read_csv(out / "junk-team.csv", dtype=str, encoding="utf-8-sig")["response_id"].tolist() == ["0002"]
    assert pd.read_csv(out / "junk.csv", encoding="utf-8-sig").empty


def test_label_review_of_the_review_queue_ticks_the_queues_categories(tmp_path, recwarn):
    """`label review.csv --review` on route's review queue ticked what the labelling model guessed, not
    the categories the queue shows (its `categories` column, in any language): Enter on "charged extra"
    saved it as about nothing, where the queue had said Payment and billing. It also warned that the
    labels file held none of the comments, as for a mistyped file of audit's, on the first review."""
    from feedback_classifier.errors import InputWarning
    from feedback_classifier.jobs.label_app import LabelSession

    pd.DataFrame({
        "row": [7, 3], "response_id": ["0007", "0003"],
        "comment": ["Is it normal to get charged extra when i use my card?", "Hmm, well."],
        "categories": ["Оплата и счета > Ошибки в счетах и списаниях", "Доставка и логистика; Цена и выгода"],
        "nps": ["2", "5"], "confidence": [0.92, 0.3], "needs_review": [True, True], "complaint": [True, False],
    }).to_csv(tmp_path / "review.csv", index=False, encoding="utf-8-sig")
    s = LabelSession(tmp_path / "review.csv", tmp_path / "labels.csv", text_col="comment", review=True,
                     taxonomy="cx-default")
    first = s.state()["item"]
    assert [s.categories[i] for i in first["ticked"]] == [("payment", "billing_errors")]
    second = s.decide(first["row"], first["ticked"])["item"]
    assert sorted(s.categories[i] for i in second["ticked"]) == [("delivery", None), ("price", None)]
    saved = pd.read_csv(tmp_path / "labels.csv", encoding="utf-8-sig")
    assert saved["labels"].tolist() == ["Payment and billing > Billing errors"]
    assert not [w for w in recwarn if issubclass(w.category, InputWarning)]


def test_the_missing_scores_line_says_which_rows_are_queued_after_the_scored_ones(tmp_path):
    """After the CSAT labels read as points, "They are not ordered with the low scores." read as if the
    labels ('Very dissatisfied' = 1) were left out of the ordering; it meant the rows without a score."""
    data = tmp_path / "classified.csv"
    data.write_text(CLASSIFIED.replace(",2,Delivery", ",Very dissatisfied,Delivery").replace(",3,Store", ",,Store"),
                    encoding="utf-8")
    result = runner.invoke(app, ["route", str(data), "--text-col", "comment", "--score-col", "nps", "--score-type",
                                 "csat", "--out-dir", str(tmp_path / "q")])
    assert result.exit_code == 0, result.output
    assert "They are not ordered" not in result.output
    assert "Rows without a valid score are routed all the same, after the scored ones of their queue" in result.output
    store = pd.read_csv(tmp_path / "q" / "retail-operations.csv", dtype=str, encoding="utf-8-sig")
    assert store["response_id"].tolist() == ["0002"]


def test_the_queue_of_categories_without_an_owner_is_named_in_russian(tmp_path):
    """A parent without an owner goes to the 'unassigned' queue: the Russian report's category card said
    «Ответственный: unassigned» and summary.csv's `name` (the queue "in the chosen language") 'unassigned',
    where the review and junk lists were «на проверку» and «пустые ответы»."""
    from feedback_classifier.taxonomy.bundled import bundled_taxonomy_path

    text = Path(bundled_taxonomy_path("cx-default")).read_text(encoding="utf-8")
    taxonomy = tmp_path / "teams.yaml"
    taxonomy.write_text(text.replace("    owner: Retail operations\n", ""), encoding="utf-8")
    data = tmp_path / "classified.csv"
    data.write_text(CLASSIFIED, encoding="utf-8")
    result = runner.invoke(app, ["route", str(data), "--text-col", "comment", "--score-col", "nps", "--lang", "ru",
                                 "--out-dir", str(tmp_path / "q"), "--taxonomy", str(taxonomy)])
    assert result.exit_code == 0, result.output
    summary = pd.read_csv(tmp_path / "q" / "summary.csv", encoding="utf-8-sig").set_index("team")
    assert summary.loc["unassigned", "name"] == "без ответственного"
    assert summary.loc["unassigned", "comments"] == 1
    assert (tmp_path / "q" / "unassigned.csv").is_file()  # the file keeps the key, as every team's does


def test_a_column_named_with_a_comma_can_be_kept(tmp_path):
    """`--keep "Сумма, руб."` was split at its comma: "no column 'Сумма' ... Did you mean 'Сумма, руб.'?",
    naming what was typed; such a column could not reach the queues at all. A list still splits."""
    data = tmp_path / "classified.csv"
    data.write_text(CLASSIFIED.replace("response_id,", '"Сумма, руб.",response_id,region,')
                    .replace("\n0001,", '\n"1 299,50",0001,EU,').replace("\n0002,", "\n15,0002,US,")
                    .replace("\n0003,", "\n7,0003,EU,"), encoding="utf-8")
    for command in (["route"], ["analyze", "--tone-teacher", "none"]):
        out = tmp_path / command[0]
        result = runner.invoke(app, [*command, str(data), "--text-col", "comment", "--score-col", "nps",
                                     "--out-dir", str(out), "--keep", "Сумма, руб.", "--keep", "response_id, region"])
        assert result.exit_code == 0, result.output
        queue = out / "logistics.csv" if command[0] == "route" else out / "queues" / "logistics.csv"
        logistics = pd.read_csv(queue, dtype=str, encoding="utf-8-sig")
        assert logistics[["Сумма, руб.", "response_id", "region"]].values.tolist() == [["1 299,50", "0001", "EU"]]


def test_label_review_of_a_queue_with_categories_the_taxonomy_lacks_is_one_error_at_start(tmp_path):
    """A review queue of another taxonomy's categories (`label review.csv --review` without the --taxonomy
    route used) printed a LabelError traceback per page request and the page never drew a comment."""
    import pytest

    from feedback_classifier.errors import LabelError
    from feedback_classifier.jobs.label_app import LabelSession

    pd.DataFrame({"row": [1, 2], "comment": ["Курьер опоздал", "Teleport broke"],
                  "categories": ["Доставка и логистика", "Teleport > Fast"]}).to_csv(tmp_path / "review.csv", index=False)
    with pytest.raises(LabelError, match=r"'Teleport > Fast' in row 2, column 'categories' of .*review.csv"):
        LabelSession(tmp_path / "review.csv", tmp_path / "labels.csv", text_col="comment", review=True,
                     taxonomy="cx-default")


def test_label_review_by_id_keeps_one_row_per_customer_of_a_repeated_answer(tmp_path):
    """Route's review queue holds the same answer from several customers (a pasted template, "[phone]
    перезвоните мне"). Reviewed with --id-col into a new labels file, each decision was written over the
    previous customer's row: 19 reviewed rows left 2 rows, the last ids only; a restart then resumes
    with every row of the file decided, each once."""
    from feedback_classifier.jobs.label_app import LabelSession

    pd.DataFrame({"response_id": ["0001", "0002", "0003"], "comment": ["Дорого", "Дорого", "Курьер опоздал"],
                  "categories": ["Цена и выгода", "Цена и выгода", "Доставка и логистика"]}).to_csv(
        tmp_path / "review.csv", index=False)

    def session():
        return LabelSession(tmp_path / "review.csv", tmp_path / "labels.csv", text_col="comment", review=True,
                            id_col="response_id", taxonomy="cx-default")

    s = session()
    item = s.state()["item"]
    s.decide(item["row"], item["ticked"])
    assert session().state()["remaining"] == 2  # (the other customer's "Дорого" too)
    s = session()
    while (item := s.state()["item"]) is not None:
        s.decide(item["row"], item["ticked"])
    saved = pd.read_csv(tmp_path / "labels.csv", dtype=str)
    assert sorted(saved["response_id"]) == ["0001", "0002", "0003"]
    assert session().state()["item"] is None
