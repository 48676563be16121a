"""A data-protection pass over the masking of personal data (QA, 2026-12-07): what leaked into
quotes, queues and messages, and what the masking ate that is not personal data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from feedback_classifier.lang.pii import mask_pii


@pytest.mark.parametrize("text", [
    "Курьер приехал 12.03.2024 14:30 вместо 10:00",
    "submitted 2024-03-12 14:30:00, still nothing",
    "ждали с 9:00-18:00 12.03.2024",
    "с 10.03.2024-12.03.2024 никто не звонил",
    "кредит на 1 000 000 000 руб",
    "fined $1 000 000 000",
])
def test_dates_times_and_amounts_are_not_phones(text):
    # a date with its time is ten digits with a phone's separators: "12.03.2024 14:30" came out "[phone]:30"
    assert mask_pii(text) == text


def test_a_phone_after_a_date_is_still_masked():
    assert mask_pii("12.03.2024 звонил с 89123456789") == "12.03.2024 звонил с [phone]"
    assert mask_pii("12.03.2024 89123456789") == "12.03.2024 [phone]"


@pytest.mark.parametrize("text, masked", [
    # the patronymic was left: "меня зовут [name] Иванович"
    ("Меня зовут Иванов Иван Иванович, курьер груб", "Меня зовут [name], курьер груб"),
    ("Звоните +7 (912) 345 - 67 - 89, курьер опоздал", "Звоните [phone], курьер опоздал"),
    ("С уважением, Иван Петров", "С уважением, [name]"),
    ("Best regards, John Smith", "Best regards, [name]"),
])
def test_names_and_phones_that_leaked(text, masked):
    assert mask_pii(text) == masked


@pytest.mark.parametrize("text, masked", [
    ("Возврат на IBAN DE89 3704 0044 0532 0130 00 не пришёл", "Возврат на IBAN [iban] не пришёл"),
    ("Refund to GB82WEST12345698765432 never arrived", "Refund to [iban] never arrived"),
    ("деньги на счёт 40817810099910004312 не пришли", "деньги на счёт [account] не пришли"),
    ("Паспорт серия 45 10 номер 123456 потребовали", "Паспорт серия [id] потребовали"),
    ("серия и номер паспорта: 4510 № 123456", "серия и номер паспорта: [id]"),
    ("Мой ИНН 7707083893 указан неверно", "Мой ИНН [id] указан неверно"),
    ("СНИЛС 112-233-445 95 зачем-то спросили", "СНИЛС [id] зачем-то спросили"),
    ("they asked for my passport no. 533401299", "they asked for my passport no. [id]"),
])
def test_bank_accounts_and_identity_numbers_are_masked(text, masked):
    assert mask_pii(text) == masked


@pytest.mark.parametrize("text, masked", [
    # the e-mail pattern swallowed the link's path ("https:[email]&token=...") and the token stayed
    ("Track https://shop.example/track?email=anna@mail.ru&token=9f8e7d6c5b4a, parcel late",
     "Track https://shop.example/track?email=[email]&token=[token], parcel late"),
    ("Ссылка https://shop.example/login?token=eyJhbGciOiJIUzI1NiJ9.secret не работает",
     "Ссылка https://shop.example/login?token=[token] не работает"),
    ("see https://shop.example/help.", "see https://shop.example/help."),
])
def test_link_query_values_are_masked(text, masked):
    assert mask_pii(text) == masked


PHONE_COMMENT = "Курьер нахамил, звоните мне +7 (912) 345-67-89"


def _cli(args):
    from typer.testing import CliRunner

    from feedback_classifier.cli import app

    return CliRunner().invoke(app, [str(a) for a in args])


def test_score_errors_do_not_echo_comments_with_phones(tmp_path):
    # --score-col given the comment column: the error quoted five whole comments, phone and all
    path = tmp_path / "c.csv"
    pd.DataFrame({"comment": [PHONE_COMMENT, "A long comment about the delivery that was late again", "ok"],
                  "nps": [1, 2, 3]}).to_csv(path, index=False)
    result = _cli(["drivers", path, "--score-col", "comment", "--categories-col", "nps"])
    assert result.exit_code != 0
    assert "345-67-89" not in result.output and "[phone]" in result.output
    assert "late again" not in result.output  # long cells are cut


def test_date_errors_do_not_echo_comments_with_phones():
    from feedback_classifier.insights.issues import ScoreIssues

    issues = ScoreIssues("comment", 1, {"unparseable": np.array([1])}, {"unparseable": [PHONE_COMMENT]}, what="date")
    assert "345-67-89" not in issues.summary() and "345-67-89" not in issues.to_frame()["examples"][0]


def test_unknown_label_errors_do_not_echo_comments_with_phones(tmp_path):
    path = tmp_path / "l.csv"
    pd.DataFrame({"comment": [PHONE_COMMENT, "fine"], "labels": [PHONE_COMMENT, "Price"]}).to_csv(path, index=False)
    result = _cli(["train", path, "--text-col", "comment", "--labels-col", "labels", "--taxonomy", "cx-default",
                   "--out", tmp_path / "m.joblib", "--cv", "0"])
    assert result.exit_code != 0 and "Unknown label" in result.output
    assert "345-67-89" not in result.output and "[phone]" in result.output


def test_the_comment_column_as_labels_is_refused_not_trained_on(tmp_path):
    # the columns swapped: every comment became a category of its own (331 on a 400-row survey, 2.5
    # minutes), written with its phone number into the model file as a category name
    comments = [f"The courier number {i} was late again, call me on +7 912 345 67 {i:02d}." for i in range(6)]
    path = tmp_path / "l.csv"
    pd.DataFrame({"comment": comments, "labels": ["Delivery", "Price"] * 3}).to_csv(path, index=False)
    result = _cli(["train", path, "--text-col", "labels", "--labels-col", "comment", "--out", tmp_path / "m.joblib",
                   "--cv", "0"])
    assert result.exit_code != 0 and "holds sentences, not labels" in result.output
    assert "345 67" not in result.output and not (tmp_path / "m.joblib").exists()


def test_inferred_taxonomies_with_plain_names_are_kept():
    from feedback_classifier.taxonomy.infer import infer_taxonomy

    cells = ["Delivery > Late courier; Price", "Customer service > Manager interaction", "Product > Not as described"]
    assert len(infer_taxonomy(cells).labels) == 7


def test_no_labels_examples_on_the_console_are_masked():
    from feedback_classifier.cli.render import caught_table
    from feedback_classifier.taxonomy import load_taxonomy
    from rich.console import Console

    console = Console(record=True, width=200)
    console.print(caught_table([(("delivery", None), 1, [PHONE_COMMENT])], load_taxonomy("cx-default"), 1))
    text = console.export_text()
    assert "345-67-89" not in text and "[phone]" in text


@pytest.mark.parametrize("ext", ["csv", "jsonl"])
def test_classify_mask_pii_masks_the_comments_and_evidence_it_writes(tmp_path, ext):
    """The README promised the enriched table masked with --mask-pii, but only analyze had it: the
    nightly classify job could not write a masked table. The categories stay those of the text as written."""
    path = tmp_path / "s.csv"
    pd.DataFrame({"comment": [PHONE_COMMENT, "My name is Ivan Petrov, the courier was rude", "Refund is late"]}
                 ).to_csv(path, index=False)
    plain, masked = tmp_path / f"plain.{ext}", tmp_path / f"masked.{ext}"
    for out, extra in ((plain, []), (masked, ["--mask-pii"])):
        result = _cli(["classify", path, "--text-col", "comment", "--out", out, "--evidence", "-q", *extra])
        assert result.exit_code == 0, result.output
    read = pd.read_csv if ext == "csv" else (lambda p: pd.read_json(p, lines=True))
    before, after = read(plain), read(masked)
    written = after.to_csv()
    for leaked in ("345-67-89", "Ivan", "Petrov"):
        assert leaked not in written
    assert after["comment"][0] == "Курьер нахамил, звоните мне [phone]"
    assert before.drop(columns=["comment", "evidence"]).equals(after.drop(columns=["comment", "evidence"]))


@pytest.mark.parametrize("text", [
    "Ссылка https://shop.example/login?token=eyJhbGciOiJIUzI1NiJ9.secret не работает",
    "Track https://shop.example/track?email=anna@mail.ru&token=9f8e7d6c5b4a, parcel late",
    "[see https://x.example/a?b=c]", "https://x.example/p#access_token=abc&x=1.",
    "Меня зовут Иванов Иван Иванович, ИНН 7707083893, +7 (912) 345 - 67 - 89, IBAN DE89 3704 0044 0532 0130 00",
])
def test_masking_twice_changes_nothing(text):
    # report masks the quotes of a table analyze --mask-pii already masked: a link came out "?token=[token]]"
    once = mask_pii(text)
    assert mask_pii(once) == once


def test_a_comment_column_as_segments_is_refused(tmp_path):
    # --by comment: every comment became a segment, written with its phone number to drivers_segments.csv
    comments = [PHONE_COMMENT, "The courier was late again.", "Too expensive!", "Great support, thanks.",
                "Refund is still missing.", "Доставка опоздала на три дня."] * 3
    path = tmp_path / "c.csv"
    pd.DataFrame({"comment": comments, "nps": list(range(11)) + list(range(7)),
                  "categories": ["Delivery and logistics", "Price and value"] * 9,
                  "region": ["Kazan", "Leeds", "Moscow"] * 6}).to_csv(path, index=False)
    result = _cli(["drivers", path, "--score-col", "nps", "--by", "comment", "--out", tmp_path / "d.csv"])
    assert result.exit_code != 0 and "holds comments, not segments" in result.output
    assert "345-67-89" not in result.output and not (tmp_path / "d_segments.csv").exists()
    result = _cli(["drivers", path, "--score-col", "nps", "--by", "region", "--out", tmp_path / "d.csv"])
    assert result.exit_code == 0, result.output


def test_postal_tracking_numbers_are_not_ibans():
    # 62a7b8b's IBAN pattern took the international parcel number for one
    assert mask_pii("трек RA123456789RU не обновляется") == "трек RA123456789RU не обновляется"
    assert mask_pii("NO9386011117947") == "[iban]"  # the shortest IBAN


def test_a_phone_with_its_area_code_in_brackets_is_masked_whole():
    # "(495) 123-45-67" came out "([phone]"
    assert mask_pii("звоните (495) 123-45-67!") == "звоните [phone]!"
