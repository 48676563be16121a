"""QA of a taxonomy written by hand from scratch: YAML mistakes and keyword matching."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from feedback_classifier.cli import app
from feedback_classifier.tableio import read_table


@pytest.mark.parametrize(
    "content, expected",
    [
        # categories written as one mapping instead of a list of them (the '- ' forgotten)
        ("name: x\ncategories:\n  id: a\n  names: {en: A}\n",
         "categories must be a list, got a mapping (fields): start each category with '- '"),
        ("name: x\ncategories:\n  - id: a\n    names: {en: A}\n    children:\n      id: b\n      names: {en: B}\n",
         "children must be a list, got a mapping (fields): start each child with '- '"),
        ("name: {en: x}\ncategories:\n  - {id: a, names: {en: A}}\n", "must be non-empty text, got a mapping"),
    ],
)
def test_yaml_shape_mistakes_name_the_yaml_kind_not_the_loaders_class(tmp_path, content, expected):
    path = tmp_path / "mine.yaml"
    path.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(app, ["taxonomy", "validate", str(path)])
    assert result.exit_code == 1, result.output
    assert expected in result.output
    assert "_LinedDict" not in result.output and "Traceback" not in result.output


_MINE = """\
name: my-cx
languages: [ru, en]
categories:
  - id: delivery
    names: {ru: Доставка, en: Delivery}
    keywords: {ru: [доставка, курьер], en: [delivery, courier, late]}
  - id: app
    names: {ru: Приложение, en: App}
    keywords: {ru: [приложение], en: [app]}
"""


def test_suggest_cold_start_ticks_keywords_as_whole_words_and_inflections(tmp_path):
    (tmp_path / "mine.yaml").write_text(_MINE, encoding="utf-8")
    texts = ["I am so happy with everything", "The plate was dirty", "Проблемы с доставкой", "The app keeps crashing"]
    pd.DataFrame({"comment": texts}).to_csv(tmp_path / "pool.csv", index=False)
    result = CliRunner().invoke(app, ["suggest", str(tmp_path / "pool.csv"), "--text-col", "comment", "--taxonomy",
                                      str(tmp_path / "mine.yaml"), "--n", "4", "--out", str(tmp_path / "b.csv")])
    assert result.exit_code == 0, result.output
    out = read_table(tmp_path / "b.csv").fillna("")
    got = dict(zip(out.comment, out.suggested_labels))
    # "happy" holds "app" and "plate" holds "late", «доставкой» is «доставка» inflected
    assert got == {"I am so happy with everything": "", "The plate was dirty": "",
                   "Проблемы с доставкой": "Delivery", "The app keeps crashing": "App"}


_SYMBOLS = """\
name: symbols
languages: [en, ru]
categories:
  - id: support
    names: {en: Help desk, ru: Справочная}
    keywords: {en: [24/7, hotline], ru: [24/7]}
  - id: dev
    names: {en: Developer tools, ru: Инструменты}
    keywords: {en: [c++, sdk]}
"""


def test_keywords_with_digits_and_symbols_match_only_as_written(tmp_path):
    from feedback_classifier.model.keywords import KeywordMatcher
    from feedback_classifier.model.weak import weak_labels
    from feedback_classifier.taxonomy import load_taxonomy

    (tmp_path / "s.yaml").write_text(_SYMBOLS, encoding="utf-8")
    matcher = KeywordMatcher(load_taxonomy(tmp_path / "s.yaml"))
    texts = ["Поддержка 24/7 не отвечает", "Заказал 2 товара за 300 рублей", "open 24 hours, 7 days",
             "I code in C++ all day", "Vitamin C was missing from the box"]
    hits = matcher.match(texts)
    # "24/7" was read as any two numbers and "c++" as the letter c
    assert [sorted(h) for h in hits] == [[("support", None)], [], [], [("dev", None)], []]
    assert hits[0][("support", None)] == ["24/7"] and hits[3][("dev", None)] == ["c++"]
    assert weak_labels(matcher, texts) == [[("support", None)], [], [], [("dev", None)], []]


def test_default_model_evidence_quotes_a_symbol_keyword_only_where_it_is_written(tmp_path):
    # cx-default's keyword "1+1" was quoted as the evidence for a phone number's digits
    texts = ["I always find what I need. Order no. 4471-2290, call 020 7946 0958", "Акция 1+1 не сработала"]
    pd.DataFrame({"comment": texts}).to_csv(tmp_path / "in.csv", index=False)
    result = CliRunner().invoke(app, ["classify", str(tmp_path / "in.csv"), "--text-col", "comment", "--evidence",
                                      "--no-sentiment", "-q", "--out", str(tmp_path / "out.csv")])
    assert result.exit_code == 0, result.output
    evidence = read_table(tmp_path / "out.csv").evidence.fillna("").tolist()
    assert '"1+1"' not in evidence[0]
    assert "Discounts and promotions" in read_table(tmp_path / "out.csv").categories[1]


def test_validate_names_keywords_that_can_never_match(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("name: x\ncategories:\n  - id: app\n    names: {en: App}\n"
                    "    keywords: {en: [app, \"(\", \"!!!\", c++, \"😡\"]}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["taxonomy", "validate", str(path)])
    assert result.exit_code == 0, result.output
    notes = [line for line in result.output.splitlines() if "never matches" in line]
    assert [n.split("'")[1] for n in notes] == ["(", "!!!"]


def test_a_child_name_alone_lists_every_parent_it_recurs_under():
    from feedback_classifier.errors import LabelError
    from feedback_classifier.taxonomy import load_taxonomy

    # 'General' is a child of four SemEval parents; the three closest names left 'Ambience > General' out
    with pytest.raises(LabelError) as info:
        load_taxonomy("semeval-restaurants").parse_labels("general", row=4, column="labels")
    message = str(info.value)
    assert "a subcategory is written with its parent, 'Parent > Child'" in message
    for parent in ("Restaurant", "Ambience", "Service", "Location"):
        assert f"'{parent} > General'" in message


def test_validate_names_a_keyword_a_parent_without_subcategories_takes_from_another(tmp_path):
    # «доставка» under Delivery (with subcategories) and Price (without): «Проблемы с доставкой» went to Price
    path = tmp_path / "ru.yaml"
    path.write_text("name: ru\nlanguages: [ru]\ncategories:\n"
                    "  - id: dostavka\n    names: {ru: Доставка}\n    keywords: {ru: [доставка, доставки, курьер]}\n"
                    "    children:\n      - id: srok\n        names: {ru: Сроки}\n        keywords: {ru: [опоздать]}\n"
                    "  - id: ceny\n    names: {ru: Цены}\n    keywords: {ru: [дорого, Доставка]}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["taxonomy", "validate", str(path)])
    assert result.exit_code == 0, result.output
    notes = [line for line in result.output.splitlines() if line.startswith("Note: keyword")]
    assert len(notes) == 1 and "'Доставка' of Доставка is also under Цены" in notes[0]
    assert "send a comment with it alone to Цены only" in notes[0]
    bundled = CliRunner().invoke(app, ["taxonomy", "validate", "semeval-restaurants"])
    assert "Note: keyword" not in bundled.output  # the same word under several subcategories is fine


def test_a_renamed_categorys_old_name_in_a_classified_file_points_at_aliases(tmp_path):
    old = "name: mine\ncategories:\n  - id: price\n    names: {en: Price}\n  - id: app\n    names: {en: App}\n"
    new = old.replace("id: price\n    names: {en: Price}", "id: cost\n    names: {en: Cost}")
    (tmp_path / "new.yaml").write_text(new, encoding="utf-8")
    pd.DataFrame({"comment": ["too dear", "app crashes"], "categories": ["Price", "App"]}).to_csv(
        tmp_path / "classified.csv", index=False)
    args = ["route", str(tmp_path / "classified.csv"), "--text-col", "comment", "-q", "--out-dir", str(tmp_path / "q")]
    result = CliRunner().invoke(app, args + ["--taxonomy", str(tmp_path / "new.yaml")])
    assert result.exit_code == 1 and "Unknown label 'Price' in row 1" in result.output
    assert "a category renamed since keeps its old name under 'aliases'" in result.output
    (tmp_path / "new.yaml").write_text(new.replace("{en: Cost}", "{en: Cost}\n    aliases: [Price]"), encoding="utf-8")
    result = CliRunner().invoke(app, args + ["--taxonomy", str(tmp_path / "new.yaml")])
    assert result.exit_code == 0, result.output


def test_a_category_the_word_table_gave_says_so_in_the_evidence(tmp_path):
    # the default model gave "Staff politeness" by the nearest description, and its evidence cell was empty
    texts = ["Вещи носятся годами. Молодцы.", "Курьер опоздал на два часа"]
    pd.DataFrame({"comment": texts}).to_csv(tmp_path / "in.csv", index=False)
    result = CliRunner().invoke(app, ["classify", str(tmp_path / "in.csv"), "--text-col", "comment", "--evidence",
                                      "--lang", "en", "-q", "--out", str(tmp_path / "out.csv")])
    assert result.exit_code == 0, result.output
    out = read_table(tmp_path / "out.csv").fillna("")
    for categories, evidence in zip(out.categories, out.evidence):
        for category in categories.split("; "):
            assert f"{category}: " in evidence, (category, evidence)
    assert "[nearest to its description]" in out.evidence[0] and "nearest" not in out.evidence[1]


def test_a_folder_given_as_the_taxonomy_is_called_a_folder(tmp_path):
    (tmp_path / "mine.yaml").mkdir()  # (an unzipped download, or the taxonomies folder itself)
    result = CliRunner().invoke(app, ["taxonomy", "validate", str(tmp_path / "mine.yaml")])
    assert result.exit_code == 1
    assert "mine.yaml is a folder" in result.output and "does not exist" not in result.output


def test_train_names_the_given_taxonomys_categories_no_label_teaches(tmp_path):
    # 'App' added to the taxonomy but not labelled yet: trained with a threshold it never reaches, silently
    (tmp_path / "mine.yaml").write_text(_MINE, encoding="utf-8")
    rows = [("Курьер опоздал", "Доставка"), ("The courier was late", "Delivery"), ("Доставили быстро", "")] * 4
    pd.DataFrame(rows, columns=["comment", "labels"]).to_csv(tmp_path / "labels.csv", index=False)
    args = ["train", str(tmp_path / "labels.csv"), "--text-col", "comment", "--labels-col", "labels", "--cv", "0",
            "--out", str(tmp_path / "m.joblib")]
    result = CliRunner().invoke(app, args + ["--taxonomy", str(tmp_path / "mine.yaml")])
    assert result.exit_code == 0, result.output
    assert "1 of 2 categories of taxonomy my-cx have no labelled comment, so the model never gives them: " in result.output
    assert "never gives them: App." in result.output or "never gives them: Приложение." in result.output
    inferred = CliRunner().invoke(app, args)  # a taxonomy inferred from the labels has only labelled categories
    assert inferred.exit_code == 0 and "no labelled comment" not in inferred.output


def test_label_refuses_a_model_of_the_taxonomy_before_its_renaming_before_serving(tmp_path):
    # the label app found out in its background thread: a traceback, then keyword ranking without a word
    from feedback_classifier.errors import ModelFileError
    from feedback_classifier.jobs.suggest import read_loop_labels

    (tmp_path / "mine.yaml").write_text(_MINE, encoding="utf-8")
    rows = [("Курьер опоздал", "Доставка"), ("The app crashes", "App"), ("Доставили быстро", "")] * 4
    pd.DataFrame(rows, columns=["comment", "labels"]).to_csv(tmp_path / "labels.csv", index=False)
    trained = CliRunner().invoke(app, ["train", str(tmp_path / "labels.csv"), "--text-col", "comment", "--cv", "0",
                                       "--taxonomy", str(tmp_path / "mine.yaml"), "--out", str(tmp_path / "m.joblib")])
    assert trained.exit_code == 0, trained.output
    (tmp_path / "renamed.yaml").write_text(_MINE.replace("id: app", "id: mobile_app"), encoding="utf-8")
    with pytest.raises(ModelFileError, match="'app' only in the model's, 'mobile_app' only in the given one"):
        read_loop_labels(None, str(tmp_path / "renamed.yaml"), str(tmp_path / "m.joblib"), text_col="comment")
    with pytest.raises(ModelFileError, match="model file not found"):
        read_loop_labels(None, str(tmp_path / "renamed.yaml"), str(tmp_path / "gone.joblib"), text_col="comment")
    book, tax, model = read_loop_labels(None, str(tmp_path / "mine.yaml"), str(tmp_path / "m.joblib"),
                                        text_col="comment")
    assert tax.name == "my-cx"


def test_no_note_when_a_subcategory_lists_the_shared_keyword_too():
    from feedback_classifier.model.keywords import stolen_keywords
    from feedback_classifier.taxonomy.taxonomy import Taxonomy

    tax = Taxonomy.from_dict({"name": "t", "languages": ["ru"], "categories": [
        {"id": "dostavka", "names": {"ru": "Доставка"}, "keywords": {"ru": ["доставка"]},
         "children": [{"id": "srok", "names": {"ru": "Сроки"}, "keywords": {"ru": ["доставки", "опоздать"]}}]},
        {"id": "ceny", "names": {"ru": "Цены"}, "keywords": {"ru": ["Доставка"]}}]})
    assert stolen_keywords(tax) == []  # the child's keyword names Доставка > Сроки as well


def test_a_category_written_as_a_bare_name_is_reported_with_a_line(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("name: x\ncategories:\n  - id: a\n    names: {en: A}\n    children: [speed, damage]\n"
                    "  - delivery\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["taxonomy", "validate", str(path)])
    assert result.exit_code == 1
    problems = [line for line in result.output.splitlines() if line.startswith("  - ")]
    assert [p.split(",")[0] for p in problems] == [f"  - {path}:2", f"  - {path}:5", f"  - {path}:5"]
    assert all("write '- id: ...' and its names on the lines below" in p for p in problems)
