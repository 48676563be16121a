"""Survey-platform exports (real Qualtrics files, built SurveyMonkey/Google Forms/Typeform ones),
--skip-rows, encodings that must never be guessed silently wrong, and --trust-model."""

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from feedback_classifier.cli import app
from feedback_classifier.errors import InputFileError, MissingColumnError
from feedback_classifier.tableio import read_table, resolve_column

EXPORTS = Path(__file__).parent / "data" / "exports"
DATA = Path(__file__).parent / "data"
runner = CliRunner()


# ---- real Qualtrics exports (tests/data/exports/SOURCE.md)


def test_real_qualtrics_export_drops_question_and_importid_rows():
    df = read_table(EXPORTS / "qualtrics_sample.csv")
    assert len(df) == 1 and df.attrs["export_platform"] == "qualtrics"
    assert df.loc[0, "Q2"] == "Hello World!" and df.loc[0, "ResponseId"] == "R_2YPOQ602ER1jkf1"
    assert df.attrs["column_labels"]["Q2"][:2] == ("This is a free text question.", "QID2_TEXT")


@pytest.mark.parametrize("name", ["Q2", "QID2", "QID2_TEXT", "This is a free text question.",
                                  "  this is a FREE text question. "])
def test_a_qualtrics_column_answers_to_its_name_qid_and_question(name):
    df = read_table(EXPORTS / "qualtrics_sample.csv")
    assert resolve_column(df, name, source="q.csv") == "Q2"


def test_real_legacy_qualtrics_export():
    df = read_table(EXPORTS / "qualtrics_sample_legacy.csv")
    assert len(df) == 1 and df.attrs["export_platform"] == "qualtrics-legacy"
    assert resolve_column(df, "This is a free text question.", source="q.csv") == "Q2"
    assert df.loc[0, "Q2"] == "Hello World!"


def _qualtrics_frame(n=4):
    names = ["StartDate", "ResponseId", "Q1", "Q2_TEXT_col"]
    rows = [names,
            ["Start Date", "Response ID", "How likely are you to recommend us?", "Why?"],
            ['{"ImportId":"startDate","timeZone":"UTC"}', '{"ImportId":"_recordId"}', '{"ImportId":"QID1"}',
             '{"ImportId":"QID2_TEXT"}']]
    rows += [[f"2024-01-0{i + 1}", f"R_{i}", str(i + 6), ["late courier", "rude staff", "great", "pricey"][i % 4]]
             for i in range(n)]
    return rows


def test_qualtrics_tsv_in_utf16_and_xlsx(tmp_path):
    rows = _qualtrics_frame()
    tsv = tmp_path / "export.tsv"
    tsv.write_bytes("\r\n".join("\t".join(r) for r in rows).encode("utf-16"))  # what Qualtrics writes for TSV
    from openpyxl import Workbook

    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    xlsx = tmp_path / "export.xlsx"
    wb.save(xlsx)
    for path in (tsv, xlsx):
        df = read_table(path)
        assert len(df) == 4 and df["Q1"].tolist() == ["6", "7", "8", "9"], path
        assert resolve_column(df, "QID2", source=path) == "Q2_TEXT_col"
        assert resolve_column(df, "How likely are you to recommend us?", source=path) == "Q1"


def test_a_qualtrics_export_read_in_small_chunks_is_the_same(tmp_path):
    from feedback_classifier.tableio import iter_table

    path = tmp_path / "q.csv"
    pd.DataFrame(_qualtrics_frame(7)[1:], columns=_qualtrics_frame()[0]).to_csv(path, index=False)
    chunks = list(iter_table(path, chunksize=2))
    assert [len(c) for c in chunks] == [2, 2, 2, 1]
    assert pd.concat(chunks)["ResponseId"].tolist() == [f"R_{i}" for i in range(7)]
    assert all(c.attrs["column_labels"]["Q1"][0].startswith("How likely") for c in chunks)


# ---- built exports of the other platforms

SURVEYMONKEY = (
    "Respondent ID,Collector ID,Start Date,End Date,How likely is it that you would recommend us?,"
    "What is the main reason for your score?,Contact information,\n"
    ",,,,Response,Open-Ended Response,Name,Email\n"
    "114,431,01/02/2024 10:00,01/02/2024 10:05,3,The courier was late again,Ann,ann@example.com\n"
    "115,431,01/02/2024 11:00,01/02/2024 11:02,9,Friendly staff,,\n"
)


def test_surveymonkey_export_two_header_rows(tmp_path):
    path = tmp_path / "sm.csv"
    path.write_text(SURVEYMONKEY, encoding="utf-8")
    df = read_table(path)
    assert df.attrs["export_platform"] == "surveymonkey" and len(df) == 2
    assert df["What is the main reason for your score?"].tolist() == ["The courier was late again", "Friendly staff"]
    assert df["Contact information - Email"].tolist()[0] == "ann@example.com"  # a blank header got its question
    assert resolve_column(df, "Email", source=path) == "Contact information - Email"


def test_google_forms_and_typeform_exports_have_one_header_row(tmp_path):
    forms = tmp_path / "forms.csv"
    forms.write_text('Timestamp,How likely are you to recommend us?,What could we do better?\n'
                     '2024/01/02 10:00:00 AM GMT+1,7,"Faster delivery, please"\n', encoding="utf-8")
    typeform = tmp_path / "typeform.csv"
    typeform.write_text("#,What could we do better?,Start Date (UTC),Submit Date (UTC),Network ID\n"
                        "abc123,Cheaper shipping,2024-01-02 10:00:00,2024-01-02 10:01:00,9f8e\n", encoding="utf-8")
    assert read_table(forms).attrs["export_platform"] == "google-forms"
    assert read_table(typeform).attrs["export_platform"] == "typeform"
    assert len(read_table(forms)) == 1 and len(read_table(typeform)) == 1


def test_skip_rows_for_other_exports_and_zero_turns_detection_off(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("id,comment\nID,Your comment\n(internal),(internal)\n1,late\n", encoding="utf-8")
    assert read_table(path, skip_rows=2)["comment"].tolist() == ["late"]
    assert len(read_table(EXPORTS / "qualtrics_sample.csv", skip_rows=0)) == 3
    with pytest.raises(InputFileError, match="skip-rows"):
        read_table(path, skip_rows=9)


def test_cli_classify_a_qualtrics_export_by_question_text(tmp_path):
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["classify", str(EXPORTS / "qualtrics_sample.csv"), "--text-col",
                                 "This is a free text question.", "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert "Classified 1 row " in result.output
    assert "Read as a Qualtrics export (2 header rows skipped)" in result.output  # said, not silent
    assert pd.read_csv(out)["Q2"].tolist() == ["Hello World!"]


def test_cli_analyze_counts_responses_not_header_rows(tmp_path):
    path = tmp_path / "q.csv"
    pd.DataFrame(_qualtrics_frame(6)[1:], columns=_qualtrics_frame()[0]).to_csv(path, index=False)
    result = runner.invoke(app, ["analyze", str(path), "--text-col", "Why?", "--score-col", "QID1",
                                 "--out-dir", str(tmp_path / "out"), "-q"])
    assert result.exit_code == 0, result.output
    assert "Rows: 6 " in result.output and "Read as a Qualtrics export (2 header rows skipped)" in result.output
    assert "invalid" not in result.output.lower()


def test_cli_skip_rows_and_a_bad_value(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("id,comment\nID,Your comment\n1,late courier\n", encoding="utf-8")
    ok = runner.invoke(app, ["classify", str(path), "--text-col", "comment", "--skip-rows", "1",
                             "--out", str(tmp_path / "o.csv"), "-q"])
    assert ok.exit_code == 0 and "Classified 1 row " in ok.output
    assert "Skipped 1 header row under the column names" in ok.output
    bad = runner.invoke(app, ["classify", str(path), "--text-col", "comment", "--skip-rows", "-1",
                              "--out", str(tmp_path / "o.csv")])
    assert bad.exit_code == 2


def test_repeated_column_names_are_an_error_only_when_asked_for(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("id,comment,comment\n1,late,rude\n", encoding="utf-8")
    df = read_table(path)
    assert list(df.columns) == ["id", "comment", "comment.1"]
    with pytest.raises(MissingColumnError, match="2 columns are named 'comment'.*'comment.1'"):
        resolve_column(df, "comment", source=path)
    assert resolve_column(df, "comment.1", source=path) == "comment.1"
    result = runner.invoke(app, ["classify", str(path), "--text-col", "comment", "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 1 and "2 columns are named 'comment'" in result.output


# ---- encodings


RU = ["Курьер опоздал на два часа", "Очень дорого но быстро", "Приложение зависает при оплате"] * 20


def _utf8_with_bad_byte_on_line(tmp_path, line: int) -> Path:
    lines = ["id,comment"] + [f"{i},{t}" for i, t in enumerate(RU)]
    data = "\n".join(lines).encode("utf-8") + b"\n"
    parts = data.split(b"\n")
    parts[line - 1] = parts[line - 1][:-1] + b"\xff"  # cut a two-byte letter: one damaged character
    path = tmp_path / "bad.csv"
    path.write_bytes(b"\n".join(parts))
    return path


def test_utf8_with_one_bad_byte_near_the_top_is_never_read_as_cp1251(tmp_path):
    path = _utf8_with_bad_byte_on_line(tmp_path, 3)
    with pytest.raises(InputFileError, match=r"UTF-8 text with invalid bytes on 1 line \(line 3\).*--encoding-errors"):
        read_table(path)
    df = read_table(path, encoding_errors="replace")
    assert df["comment"].tolist()[0] == RU[0] and df["comment"].tolist()[1].endswith("\ufffd")


def test_utf8_with_a_bad_byte_further_down_names_the_line(tmp_path, monkeypatch):
    import feedback_classifier.tableio.encoding as enc

    monkeypatch.setattr(enc, "_SAMPLE_BYTES", 256)  # the sniffed sample ends before the bad byte
    path = _utf8_with_bad_byte_on_line(tmp_path, 50)
    with pytest.raises(InputFileError, match="line 50.*--encoding-errors replace"):
        read_table(path)
    assert len(read_table(path, encoding_errors="replace")) == len(RU)


def test_a_file_mixing_cp1251_and_utf8_is_an_error(tmp_path, monkeypatch):
    import feedback_classifier.tableio.encoding as enc

    monkeypatch.setattr(enc, "_BLOCK", 512)
    monkeypatch.setattr(enc, "_SAMPLE_BYTES", 512)
    head = ("id,comment\n" + "".join(f"{i},{t}\n" for i, t in enumerate(RU))).encode("cp1251")
    tail = "".join(f"{i},{t}\n" for i, t in enumerate(RU)).encode("utf-8")
    path = tmp_path / "mixed.csv"
    path.write_bytes(head + tail)
    with pytest.raises(InputFileError, match="mixes encodings"):
        read_table(path)


@pytest.mark.parametrize("codec", ["cp1251", "koi8_r", "utf-16", "utf-8-sig"])
def test_single_encodings_still_read_right(tmp_path, codec):
    path = tmp_path / "ok.csv"
    path.write_bytes(("id;comment\n" + "".join(f"{i};{t}\n" for i, t in enumerate(RU))).encode(codec))
    assert read_table(path)["comment"].tolist() == RU


def test_cli_encoding_errors_option(tmp_path):
    path = _utf8_with_bad_byte_on_line(tmp_path, 2)
    args = ["classify", str(path), "--text-col", "comment", "--out", str(tmp_path / "o.csv"), "-q"]
    strict = runner.invoke(app, args)
    assert strict.exit_code == 1 and "line 2" in strict.output and len(strict.output.strip().splitlines()) == 1
    assert runner.invoke(app, args + ["--encoding-errors", "replace"]).exit_code == 0
    assert runner.invoke(app, args + ["--encoding-errors", "ignore"]).exit_code == 2


# ---- old pickled model files from the command line


def test_cli_old_model_needs_trust_model(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("comment\nthe courier was late\n", encoding="utf-8")
    args = ["classify", str(path), "--text-col", "comment", "--out", str(tmp_path / "o.csv"), "-q",
            "--model", str(DATA / "model_v0_1_0.fcmodel")]
    refused = runner.invoke(app, args)
    assert refused.exit_code == 1 and "--trust-model" in refused.output
    assert len(refused.output.strip().splitlines()) == 1
    assert runner.invoke(app, args + ["--trust-model"]).exit_code == 0


def test_route_carries_a_qualtrics_export_s_response_id_into_the_queues(tmp_path):
    # 'ResponseId' (camelCase) was not id-like: the queues had no way back to the respondent
    result = runner.invoke(app, ["route", str(EXPORTS / "qualtrics_sample.csv"), "--text-col", "Q2",
                                 "--out-dir", str(tmp_path / "q"), "--tone-teacher", "none"])
    assert result.exit_code == 0, result.output
    review = pd.read_csv(tmp_path / "q" / "review.csv", encoding="utf-8-sig")
    assert review.columns[:2].tolist() == ["row", "ResponseId"]
    assert review["ResponseId"].tolist() == ["R_2YPOQ602ER1jkf1"]
