"""A support lead going round the labelling loop (suggest, label, audit, train) with a real export:
defects found on the Twitter US Airline Sentiment export (ids a spreadsheet rounded to
``5.70306E+17``), a labels file fixed by hand or shared by two label apps while they run, typos
in category names, a one-category audit.

Each test runs on a tiny file written here and fails on the code before its fix.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from feedback_classifier.cli import app
from feedback_classifier.jobs.label_app import LabelSession, NotSavedError
from feedback_classifier.tableio import read_table

runner = CliRunner()

TWEETS = ["@united my bag never arrived in Denver", "@SouthwestAir refund still not received after a month",
          "@JetBlue the crew was rude at the gate", "@AmericanAir app crashes at checkout",
          "@united flight delayed three hours, no info", "@USAirways great seats and friendly staff"]


def _rounded_ids(tmp_path: Path) -> Path:
    """Tweets whose ids a spreadsheet rounded: two different tweets share ``5.70306E+17``."""
    ids = ["5.70306E+17", "5.70301E+17", "5.70306E+17", "5.70267E+17", "5.70265E+17", "5.70264E+17"]
    path = tmp_path / "tweets.csv"
    pd.DataFrame({"tweet_id": ids, "text": TWEETS}).to_csv(path, index=False)
    return path


def _pool(tmp_path: Path) -> Path:
    path = tmp_path / "pool.csv"
    pd.DataFrame({"comment": TWEETS}).to_csv(path, index=False)
    return path


def _session(tmp_path: Path) -> LabelSession:
    return LabelSession(tmp_path / "pool.csv", tmp_path / "labels.csv", text_col="comment")


@pytest.mark.parametrize("command", ["suggest", "label"])
def test_an_id_col_giving_one_id_to_different_comments_is_a_one_line_error(tmp_path, command, label_sessions):
    # before: accepted; one tweet labelled under 5.70306E+17 silently hid the other one for good
    # (on the real export, 4 decisions hid 36 tweets)
    pool = _rounded_ids(tmp_path)
    args = ["--out", str(tmp_path / "b.csv")] if command == "suggest" else ["--labels", str(tmp_path / "l.csv")]
    result = runner.invoke(app, [command, str(pool), "--text-col", "text", "--id-col", "tweet_id", *args])
    assert result.exit_code == 1, result.output
    line = result.output.strip()
    assert line.startswith("Error: ") and "\n" not in line and "Traceback" not in line
    assert "tweets.csv" in line and "'tweet_id'" in line and "'5.70306E+17' at rows 1 and 3" in line
    assert "leave --id-col out" in line


def test_one_comment_repeated_under_its_id_is_fine(tmp_path):
    path = tmp_path / "pool.csv"
    pd.DataFrame({"id": ["a", "a", "b"], "text": ["Late courier", "late  courier", "Rude staff"]}).to_csv(path, index=False)
    result = runner.invoke(app, ["suggest", str(path), "--text-col", "text", "--id-col", "id", "--n", "5",
                                 "--out", str(tmp_path / "b.csv")])
    assert result.exit_code == 0, result.output


def test_a_labels_file_fixed_by_hand_while_the_app_runs_keeps_the_fix(tmp_path):
    # before: the app rewrote the file from its own copy at the next decision: the fix was lost
    _pool(tmp_path)
    s = _session(tmp_path)
    s.decide(s.current(), [0])
    s.decide(s.current(), [0])
    fixed = read_table(tmp_path / "labels.csv").comment.iloc[0]  # (as the app reads it: no formula guard ')
    df = pd.read_csv(tmp_path / "labels.csv")
    df.loc[0, "labels"] = "Price and value"  # opened in Excel, corrected, saved
    df.to_csv(tmp_path / "labels.csv", index=False)
    s.decide(s.current(), [0])
    after = read_table(tmp_path / "labels.csv")
    assert len(after) == 3 and after.set_index("comment").labels[fixed] == "Price and value"


def test_two_label_apps_on_one_labels_file_lose_no_decision(tmp_path):
    # before: each app wrote its own copy, so the other app's decisions vanished from the file
    _pool(tmp_path)
    a, b = _session(tmp_path), _session(tmp_path)
    first = a.current()
    assert b.current() == first  # both show the same comment first
    a.decide(first, [0])
    assert b.decide(first, [1]).get("stale")  # decided in the other app: b moves on, a's label stays
    second = b.current()
    b.decide(second, [1])
    assert a.decide(second, [2]).get("stale")  # the same again, the other way round
    a.decide(a.current(), [2])
    saved = read_table(tmp_path / "labels.csv")
    assert len(saved) == 3 and saved.status.tolist() == ["labelled"] * 3
    assert saved.labels.iloc[0] == a.taxonomy.format_labels([a.categories[0]])


def test_a_labels_file_broken_by_hand_while_the_app_runs_is_named_and_nothing_is_saved(tmp_path):
    _pool(tmp_path)
    s = _session(tmp_path)
    s.decide(s.current(), [0])
    df = pd.read_csv(tmp_path / "labels.csv")
    df.loc[0, "labels"] = "Prise"
    df.to_csv(tmp_path / "labels.csv", index=False)
    before = (tmp_path / "labels.csv").read_bytes()
    with pytest.raises(NotSavedError, match=r"'Prise' in row 1, column 'labels' of .*labels.csv.*was changed"):
        s.decide(s.current(), [0])
    assert (tmp_path / "labels.csv").read_bytes() == before  # the user's file, as they left it


def test_a_typo_in_a_bundled_category_name_is_a_warning_naming_the_cell(tmp_path):
    # before: silently read as a taxonomy of the labels' own (no bundled model, keyword ranking)
    pool = _pool(tmp_path)
    pd.DataFrame({"comment": ["the bag was lost", "too expensive"], "labels": ["Delivery", "Prise"]}).to_csv(
        tmp_path / "labels.csv", index=False)
    result = runner.invoke(app, ["suggest", str(pool), "--text-col", "comment", "--labelled",
                                 str(tmp_path / "labels.csv"), "--n", "2", "--out", str(tmp_path / "b.csv")])
    assert result.exit_code == 0, result.output
    warning = [line for line in result.output.splitlines() if line.startswith("Warning:")]
    assert len(warning) == 1 and "'Prise' in row 2, column 'labels'" in warning[0]
    assert "'Price and value'" in warning[0] and "--taxonomy" in warning[0]
    # a category of the user's own in an earlier row hid it
    pd.DataFrame({"comment": ["the bag was lost", "beam me up", "too expensive"],
                  "labels": ["Delivery", "Teleportation", "Prise"]}).to_csv(tmp_path / "labels.csv", index=False)
    result = runner.invoke(app, ["suggest", str(pool), "--text-col", "comment", "--labelled",
                                 str(tmp_path / "labels.csv"), "--n", "2", "--out", str(tmp_path / "b.csv")])
    assert result.exit_code == 0 and "'Prise' in row 3, column 'labels'" in result.output


def test_label_says_its_warnings_before_it_serves_not_when_it_stops(tmp_path, label_sessions):
    # before: the command's warnings were printed when it ended, i.e. after the labelling was done
    pool = tmp_path / "pool.csv"
    pool.write_text("comment,airline\nmy bag never arrived,United\nrude crew at the gate\n")  # a row short of a cell
    result = runner.invoke(app, ["label", str(pool), "--text-col", "comment", "--labels", str(tmp_path / "labels.csv")])
    assert result.exit_code == 0, result.output
    assert result.output.count("Warning:") == 1 and "fewer cells" in result.output
    assert result.output.index("Warning:") < result.output.index("Stopped.")


def test_audit_of_labels_all_naming_one_category_is_a_one_line_error(tmp_path):
    # before: "Audited 20 rows ... most suspicious: row 1 (0.00), row 2 (0.00)...": nothing could be found
    path = tmp_path / "labels.csv"
    pd.DataFrame({"comment": [f"bag lost on flight {i}" for i in range(20)], "labels": "Delivery"}).to_csv(
        path, index=False)
    result = runner.invoke(app, ["audit", str(path), "--text-col", "comment", "--out", str(tmp_path / "s.csv")])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and "same labels ('Delivery')" in result.output
    assert not (tmp_path / "s.csv").exists()


def test_train_warns_when_hand_and_app_labels_name_one_category_two_ways(tmp_path):
    # before: "Delivery" (typed by hand) and "Delivery and logistics" (written by the label app) were
    # silently trained as two categories, and audit flagged the app's rows as suspects
    path = tmp_path / "labels.csv"
    rows = [(f"bag lost {i}", "Delivery") for i in range(6)] + [(f"too expensive {i}", "Price") for i in range(6)]
    rows += [("my bag never arrived", "Delivery and logistics")]
    pd.DataFrame(rows, columns=["comment", "labels"]).to_csv(path, index=False)
    for command in (["train", "--out", str(tmp_path / "m.fcmodel"), "--cv", "0"],
                    ["audit", "--out", str(tmp_path / "s.csv"), "--folds", "2"]):
        result = runner.invoke(app, [command[0], str(path), "--text-col", "comment", *command[1:]])
        assert result.exit_code == 0, result.output
        assert "Warning: " in result.output and "'Delivery' and 'Delivery and logistics'" in result.output
        assert "--taxonomy cx-default" in result.output


def test_labels_files_joined_with_their_header_rows_teach_no_header_row(tmp_path):
    """Two suggest batches labelled by hand and joined with `cat`: the second header row was trained as a
    comment "comment" labelled with a category "labels", and the label app counted it as labelled."""
    from feedback_classifier.jobs.labelbook import read_label_book
    from feedback_classifier.jobs.train import read_labelled_table

    one = "comment,labels\nThe courier was late,Delivery\nToo expensive,Price\n"
    two = "comment,labels\nRude staff at the till,Staff\nThe app crashes,App\n"
    (tmp_path / "l.csv").write_bytes(("\ufeff" + one + "\ufeff" + two).encode())
    with pytest.warns(UserWarning, match=r"column names again \(first: row 3;"):
        table = read_labelled_table(tmp_path / "l.csv", text_col="comment", labels_col="labels")
    assert "labels" not in {p for p, _ in table.taxonomy.labels} and len(table.texts) == 4
    with pytest.warns(UserWarning, match="column names again"):
        book, tax = read_label_book(tmp_path / "l.csv", None, text_col="comment")
    assert len(book) == 4 and "labels" not in {p for p, _ in tax.labels}


def test_one_comment_labelled_differently_in_two_joined_batches_is_said(tmp_path):
    """Two annotators' batches joined by hand shared comments they labelled differently: train learned
    both answers for one text without a word."""
    from feedback_classifier.jobs.train import read_labelled_table

    pd.DataFrame({"comment": ["The courier was late", "Too expensive", "The courier was  late", "Too expensive"],
                  "labels": ["Delivery", "Price and value", "Staff", "Price and value"]}).to_csv(
        tmp_path / "l.csv", index=False)
    with pytest.warns(UserWarning, match=r"1 comment is in several rows with different labels \(first: rows 1 and 3"):
        read_labelled_table(tmp_path / "l.csv", text_col="comment", labels_col="labels")
