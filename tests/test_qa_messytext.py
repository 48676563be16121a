"""Messy real-world text (chat logs, app-store reviews, e-mail surveys) through the tables and commands."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from feedback_classifier.cli import app
from feedback_classifier.errors import InputFileError
from feedback_classifier.tableio import read_table

runner = CliRunner()


def _jsonl(tmp_path, text: str):
    path = tmp_path / "chat.jsonl"
    path.write_text(text, encoding="utf-8")
    return path


# A JavaScript substring cut inside an emoji leaves "\ud83d" alone: json reads it as a lone surrogate,
# which pandas' Arrow strings could not hold (a UnicodeEncodeError traceback before)
CUT_EMOJI = '{"id": 1, "comment": "bad \\ud83d delivery"}\n{"id": 2, "comment": "ok \\ud83d\\ude00 fine"}\n'


def test_lone_surrogate_in_jsonl_is_a_one_line_error(tmp_path):
    with pytest.raises(InputFileError, match=r'line 1, key "comment": .*lone surrogate.*--encoding-errors replace'):
        read_table(_jsonl(tmp_path, CUT_EMOJI))


def test_lone_surrogate_in_jsonl_reads_as_replacement_character(tmp_path):
    df = read_table(_jsonl(tmp_path, CUT_EMOJI), encoding_errors="replace")
    assert df["comment"].tolist() == ["bad \ufffd delivery", "ok \U0001F600 fine"]


def test_lone_surrogate_in_json_array(tmp_path):
    path = tmp_path / "chat.json"
    path.write_text('[{"c": "x"}, {"c": "y", "\\udc00k": "\\ud800"}]', encoding="utf-8")
    with pytest.raises(InputFileError, match=r"object 2: .*lone surrogate"):
        read_table(path)
    assert read_table(path, encoding_errors="replace").columns.tolist() == ["c", "\ufffdk"]


def test_classify_lone_surrogate_cli(tmp_path):
    src = _jsonl(tmp_path, CUT_EMOJI)
    out = tmp_path / "out.csv"
    args = ["classify", str(src), "--text-col", "comment", "--out", str(out), "--quiet", "--no-sentiment"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "--encoding-errors replace" in result.output
    result = runner.invoke(app, [*args, "--encoding-errors", "replace"])
    assert result.exit_code == 0, result.output
    assert pd.read_csv(out, dtype=str)["id"].tolist() == ["1", "2"]


# ---------------------------------------------------------------- HTML line breaks and lone CRs


def test_html_line_break_tags_read_as_line_breaks():
    from feedback_classifier.lang.normalization import decode_entities

    assert decode_entities("Late<br>rude<br/>x<BR />y</p><p>z") == "Late\nrude\nx\ny\n\nz"
    assert decode_entities("&lt;3 a<b <script>x</script>") == "<3 a<b <script>x</script>"


def test_report_quotes_a_help_desk_comment_without_its_br_tags(tmp_path):
    src = tmp_path / "tickets.csv"
    pd.DataFrame({"comment": ["Delivery was late &amp; courier was rude<br>never again",
                              "Доставка опоздала<br/>курьер нагрубил", "Too expensive"] * 3,
                  "nps": [1, 2, 3] * 3}).to_csv(src, index=False)
    result = runner.invoke(app, ["analyze", str(src), "--text-col", "comment", "--score-col", "nps", "--out-dir",
                                 str(tmp_path / "out"), "--lang", "en", "--tone-teacher", "none", "--quiet"])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "courier was rude" in page and "&lt;br" not in page and "&lt;br/" not in page


LABEL_POOL = ["late &amp; rude<br>never again", "line one\r\nline two\rline three", "x" * 20000]


def _label_session(tmp_path):
    from feedback_classifier.jobs.label_app import LabelSession

    pd.DataFrame({"comment": LABEL_POOL}).to_csv(tmp_path / "pool.csv", index=False)
    return LabelSession(tmp_path / "pool.csv", tmp_path / "labels.csv", text_col="comment", review=True)


def test_label_app_shows_the_comment_as_classify_reads_it_and_keeps_it_as_written(tmp_path):
    s = _label_session(tmp_path)
    item = s.state()["item"]
    # a lone CR is drawn as nothing by a browser: "line twoline three"
    assert item["text"] == LABEL_POOL[0] and item["shown"] == "late & rude\nnever again"
    assert s.state()["item"]["text"] == LABEL_POOL[0]  # nothing changed by looking


_BROWSER = __import__("shutil").which("chromium") and __import__("shutil").which("chromedriver")


@pytest.mark.skipif(not _BROWSER, reason="chromium and chromedriver are needed")
def test_label_app_page_lone_cr_and_a_20000_character_comment(tmp_path):
    from tests.test_label_app import chrome, press, serve, wait_for

    s = _label_session(tmp_path)
    server, url = serve(s)
    driver = chrome(1280, 900)
    try:
        driver.get(url + "/")
        text = lambda d: d.find_element("id", "text").text  # noqa: E731
        assert wait_for(driver, text) == "late & rude\nnever again"
        press(driver, "s")
        assert wait_for(driver, lambda d: "line one" in text(d) and text(d)) == "line one\nline two\nline three"
        press(driver, "s")
        wait_for(driver, lambda d: text(d).startswith("xxx"))
        # the buttons stay on screen: the comment scrolls in its box, not the page
        top = driver.execute_script("return document.querySelector('.buttons').getBoundingClientRect().top")
        assert top < 900
    finally:
        driver.quit()
        server.shutdown()
        server.server_close()


# ---------------------------------------------------------------- one-letter answers


def test_one_letter_answer_is_junk_not_a_category(tmp_path):
    from feedback_classifier.lang.junk import names_nothing

    assert names_nothing(["a", "A", "ъ", "x.", "Я!"]) == [True] * 5
    assert names_nothing(["ok a", "a b", "no"]) == [False, False, True]
    src = tmp_path / "app_reviews.csv"
    pd.DataFrame({"comment": ["a", "The courier was two hours late"], "nps": [1, 2]}).to_csv(src, index=False)
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["classify", str(src), "--text-col", "comment", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    got = pd.read_csv(out, dtype=str, keep_default_na=False)
    # "a" was Product quality > Defects and damage, a complaint
    assert got["categories"].tolist()[0] == "" and got["sentiment"].tolist()[0] == "neutral"
    assert got["categories"].tolist()[1] != ""


# ---------------------------------------------------------------- replies by e-mail

REPLY = ("On Mon, 7 Dec 2026, Support <help@shop.example> wrote:\n> previous message\n> quoted text\n"
         "The app keeps crashing.\n\n--\nJohn Smith\nSent from my iPhone")


def test_email_reply_is_read_without_its_quote_and_signature():
    from feedback_classifier.lang.normalization import comment_as_read

    assert comment_as_read(REPLY) == "The app keeps crashing."
    assert comment_as_read("Отлично\n\nОтправлено с iPhone") == "Отлично"
    # only "> " and a word is a quote; a comment of nothing but quotes is read whole
    assert comment_as_read("Waited\n> 2 hours\n>3 days") == "Waited\n> 2 hours\n>3 days"
    assert comment_as_read("> only a quote\n> here") == "> only a quote\n> here"
    assert comment_as_read("Part one\n--\n" + "more\n" * 10) == "Part one\n--\n" + "more\n" * 10


def test_quoted_message_gives_a_reply_no_categories_and_the_table_keeps_it(tmp_path):
    src = tmp_path / "mail.csv"
    pd.DataFrame({"comment": [REPLY]}).to_csv(src, index=False)
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["classify", str(src), "--text-col", "comment", "--out", str(out), "--quiet",
                                 "--evidence", "--lang", "en"])
    assert result.exit_code == 0, result.output
    got = pd.read_csv(out, dtype=str, keep_default_na=False)
    # the quote had added Manager interaction and Spam and too many messages
    assert got["categories"].tolist() == ["Website and app > Bugs and errors"]
    assert "quoted" not in got["evidence"].iloc[0] and got["comment"].iloc[0] == REPLY


# ---------------------------------------------------------------- invisible direction characters


@pytest.mark.parametrize("mark", ["\u2068", "\u2069", "\u202b", "\u202e", "\u061c", "\u2063"])
def test_direction_isolates_and_embeddings_inside_a_word_are_invisible(mark):
    from feedback_classifier.lang.normalization import normalize

    # chat apps wrap pasted names and text in U+2068...U+2069; inside a word they split it in two
    assert normalize(f"Дос{mark}тавка опо{mark}здала") == "доставка опоздала"


def test_a_word_split_by_an_isolate_reads_as_the_word():
    from feedback_classifier.model.default import default_model
    from feedback_classifier.model.enrichment import enrich

    texts = ["Ку\u2068рьер нагрубил", "Курьер нагрубил", "Дос\u2068тавка ужасная", "Доставка ужасная"]
    out = enrich(pd.DataFrame({"c": texts}), default_model(), "c", explain=True)
    # the evidence read "рьер" and "тавка, дос": two words the customer did not write
    assert out["evidence"].iloc[0] == out["evidence"].iloc[1] and out["evidence"].iloc[2] == out["evidence"].iloc[3]
    assert out["categories"].iloc[2] == out["categories"].iloc[3]
    assert out["c"].tolist() == texts


# ---------------------------------------------------------------- personal data in web exports


@pytest.mark.parametrize("text, masked", [
    ("call +7\u00a0912\u00a0345-67-89", "call [phone]"),
    ("8\u00a0(912)\u00a0345-67-89", "[phone]"),
    ("card 4111\u202f1111\u202f1111\u202f1111", "card [card]"),
    ("mail john&#64;example.com or ivan&#x40;mail.ru", "mail [email] or [email]"),
    ("call +7&nbsp;912&nbsp;345-67-89 &amp; more", "call [phone] & more"),
    ("lost &amp; found, заказ №123\u00a0456\u00a0789", "lost &amp; found, заказ №123\u00a0456\u00a0789"),
])
def test_personal_data_written_with_no_break_spaces_or_entities_is_masked(text, masked):
    from feedback_classifier.lang.pii import mask_pii

    assert mask_pii(text) == masked


def test_team_queues_mask_escaped_emails_and_no_break_phones(tmp_path):
    src = tmp_path / "tickets.csv"
    rows = ["The courier was late, mail me at john&#64;example.com or call +7&nbsp;912&nbsp;345-67-89",
            "Card 4111\u00a01111\u00a01111\u00a01111 was charged twice"]
    pd.DataFrame({"comment": rows * 2, "nps": [1, 2] * 2}).to_csv(src, index=False)
    result = runner.invoke(app, ["analyze", str(src), "--text-col", "comment", "--score-col", "nps", "--out-dir",
                                 str(tmp_path / "out"), "--lang", "en", "--tone-teacher", "none", "--quiet"])
    assert result.exit_code == 0, result.output
    queues = "".join(p.read_text(encoding="utf-8-sig") for p in (tmp_path / "out" / "queues").glob("*.csv"))
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    for leak in ("john", "912", "4111"):
        assert leak not in queues and leak not in page, leak
    enriched = pd.read_csv(tmp_path / "out" / "tickets.enriched.csv", dtype=str)
    assert enriched["comment"].tolist() == rows * 2  # the enriched table keeps them as written


# ---------------------------------------------------------------- direction overrides on the page


def test_report_quote_with_a_direction_override_reads_left_to_right(tmp_path):
    src = tmp_path / "chat.csv"
    pd.DataFrame({"comment": ["\u202eThe courier was rude and late", "Too expensive"] * 3,
                  "nps": [1, 2] * 3}).to_csv(src, index=False)
    result = runner.invoke(app, ["analyze", str(src), "--text-col", "comment", "--score-col", "nps", "--out-dir",
                                 str(tmp_path / "out"), "--lang", "en", "--tone-teacher", "none", "--quiet"])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    # drawn as "etal dna edur saw reiruoc ehT"
    assert "The courier was rude and late" in page and "\u202e" not in page


def test_label_app_shows_a_direction_override_comment_left_to_right(tmp_path):
    from feedback_classifier.jobs.label_app import LabelSession

    pd.DataFrame({"comment": ["\u202eThe courier was rude"]}).to_csv(tmp_path / "pool.csv", index=False)
    item = LabelSession(tmp_path / "pool.csv", tmp_path / "labels.csv", text_col="comment").state()["item"]
    assert item["shown"] == "The courier was rude" and item["text"] == "\u202eThe courier was rude"


# ---------------------------------------------------------------- suggest's count


def test_suggest_says_which_pool_rows_it_left_out(tmp_path):
    pool = tmp_path / "pool.csv"
    pd.DataFrame({"comment": ["The courier was late", "Too expensive", "", "😡😡😡", "10", "a",
                              "The courier was late"]}).to_csv(pool, index=False)
    result = runner.invoke(app, ["suggest", str(pool), "--text-col", "comment", "--n", "5",
                                 "--out", str(tmp_path / "batch.csv")])
    assert result.exit_code == 0, result.output
    # "Suggested 2 of 2 unlabelled comments (7 pool rows, 0 labelled)" and nothing about the other 5
    assert "Suggested 2 of 2" in result.output
    assert "Left out of the pool: 1 empty, 1 repeating a comment above, 3 naming no topic" in result.output


# ---------------------------------------------------------------- Excel's escapes


def test_excel_line_breaks_escaped_as_x000d_are_read_as_line_breaks(tmp_path):
    import openpyxl

    from tests.test_xlsx_stream import _as_excel_saves

    path = tmp_path / "survey.xlsx"
    wb = openpyxl.Workbook()
    # as Excel stores a CR: "_x000D_" in the shared strings; a literal "_x000D_" as "_x005F_x000D_"
    for row in (["id", "comment"], ["1", "Курьер опоздал_x000D_\nочень долго"], ["2", "code _x005F_x000D_ shown"]):
        wb.active.append(row)
    wb.save(path)
    shared = _as_excel_saves(path)
    df = read_table(shared)
    assert df["comment"].tolist() == ["Курьер опоздал\r\nочень долго", "code _x000D_ shown"]


# ---------------------------------------------------------------- scores pasted from web pages and chats


def test_scores_with_invisible_characters_are_numbers():
    from feedback_classifier.insights.scores import ScoreSpec, parse_scores

    p = parse_scores(pd.Series(["\u200b10", "8\ufeff", "9\u202f", "\u20687\u2069", "1\u00a0000", "=9"]),
                     ScoreSpec.make("mean"), column="nps")
    # the first four were "not a number" (rows left out of every score statistic)
    assert p.values.tolist()[:5] == [10.0, 8.0, 9.0, 7.0, 1000.0] and p.valid.tolist()[5] is False
