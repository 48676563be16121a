"""Taxonomy loading/validation, label parsing and formatting, inference, and the taxonomy CLI."""

from __future__ import annotations

import doctest
import importlib
import json
import math
import pickle
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import feedback_classifier.taxonomy
from feedback_classifier.cli import app
from feedback_classifier.errors import LabelError, TaxonomyError
from feedback_classifier.taxonomy import (
    Taxonomy,
    bundled_taxonomy_names,
    bundled_taxonomy_path,
    infer_taxonomy,
    load_taxonomy,
)

DATA = Path(__file__).parent / "data"
SEMEVAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "semeval2016"
# Wide enough that rich does not wrap messages inside the words and paths we look for.
runner = CliRunner(env={"COLUMNS": "250"})


def plain(output: str) -> str:
    """CLI output without rich's box drawing and line wrapping, for substring checks."""
    return " ".join(output.translate({ord(c): " " for c in "│╭╮╰╯─"}).split())

# The contract other modules (training data, defaults, routing) rely on: docs/ARCHITECTURE.md.
CX_DEFAULT_IDS = {
    ("product", "Product team"): ["quality", "defects", "assortment", "description_mismatch"],
    ("price", "Pricing"): ["too_expensive", "value_for_money", "price_changes"],
    ("service", "Customer Support"): [
        "support_communication", "manager_interaction", "staff_competence", "staff_politeness", "response_speed",
    ],
    ("delivery", "Logistics"): ["delivery_time", "courier", "packaging", "tracking", "delivery_cost"],
    ("returns", "Returns desk"): ["return_process", "refund_delay", "exchange_warranty"],
    ("digital", "Digital"): ["usability", "bugs", "search", "checkout", "account_login"],
    ("payment", "Billing"): ["payment_methods", "payment_failures", "billing_errors"],
    ("communication", "Marketing"): ["spam", "order_notifications", "advertising"],
    ("loyalty", "Loyalty / CRM"): ["bonus_program", "discounts_promotions", "promo_codes"],
    ("store", "Retail operations"): ["queues", "cleanliness_atmosphere", "location_hours", "store_staff"],
}
SEMEVAL_PATHS = [
    "FOOD > QUALITY", "RESTAURANT > GENERAL", "SERVICE > GENERAL", "AMBIENCE > GENERAL",
    "FOOD > STYLE_OPTIONS", "RESTAURANT > MISCELLANEOUS", "FOOD > PRICES", "RESTAURANT > PRICES",
    "DRINKS > QUALITY", "DRINKS > STYLE_OPTIONS", "LOCATION > GENERAL", "DRINKS > PRICES",
]


@pytest.fixture(scope="module")
def cx() -> Taxonomy:
    return load_taxonomy("cx-default")


@pytest.fixture(scope="module")
def semeval() -> Taxonomy:
    return load_taxonomy("semeval-restaurants")


def small_dict(**changes) -> dict:
    d = {
        "name": "small",
        "languages": ["en", "ru"],
        "categories": [
            {
                "id": "price",
                "names": {"en": "Price", "ru": "Цена"},
                "owner": "Pricing",
                "keywords": {"en": ["price"], "ru": ["цена"]},
                "children": [{"id": "too_expensive", "names": {"en": "Too expensive", "ru": "Слишком дорого"}}],
            },
            {"id": "service", "names": {"en": "Service", "ru": "Сервис"}},
        ],
    }
    d.update(changes)
    return d


# ---------------------------------------------------------------- bundled taxonomies


def test_module_docstring_examples_run():
    package = feedback_classifier.taxonomy
    modules = [package] + [
        importlib.import_module(f"{package.__name__}.{info.name}") for info in pkgutil.iter_modules(package.__path__)
    ]
    results = [doctest.testmod(module, optionflags=doctest.ELLIPSIS) for module in modules]
    assert sum(r.attempted for r in results) > 20
    assert sum(r.failed for r in results) == 0


def test_cx_default_has_exactly_the_contract_ids_and_owners(cx):
    assert cx.name == "cx-default"
    assert cx.parents == [(pid, None) for pid, _ in CX_DEFAULT_IDS]
    for (pid, owner), kids in CX_DEFAULT_IDS.items():
        assert cx.children(pid) == [(pid, k) for k in kids]
        assert cx.owner((pid, None)) == owner
        for k in kids:
            expected = "Sales" if k == "manager_interaction" else owner
            assert cx.owner((pid, k)) == expected


def test_cx_default_every_category_is_bilingual_described_and_has_keywords(cx):
    assert cx.languages == ("en", "ru")
    for label in cx.labels:
        assert cx.short_name(label, "en").isascii()
        assert any("а" <= ch.lower() <= "я" for ch in cx.short_name(label, "ru")), label
        assert cx.description_of(label).strip(), label
        for lang in ("en", "ru"):
            assert 5 <= len(cx.keywords(label, lang)) <= 12, (label, lang)


def test_semeval_taxonomy_parses_the_dataset_spelling(semeval):
    labels = semeval.parse_labels("; ".join(SEMEVAL_PATHS))
    assert len(labels) == 12
    assert set(labels) == {label for label in semeval.labels if label[1] is not None}
    assert ("food", "style_options") in labels
    # A child id recurs under several parents; the path is the identity.
    assert semeval.parse_labels("DRINKS > QUALITY") == [("drinks", "quality")]
    assert all(semeval.display_name(label, "ru") for label in semeval.labels)


@pytest.mark.skipif(not SEMEVAL.is_dir(), reason="../shared research data not available")
def test_semeval_taxonomy_parses_every_label_cell_of_the_research_data(semeval):
    for name in ("restaurants_en_train.csv", "restaurants_ru_train.csv"):
        df = pd.read_csv(SEMEVAL / name, keep_default_na=False, dtype=str)
        parsed = {lbl for i, cell in enumerate(df["labels"]) for lbl in semeval.parse_labels(cell, row=i)}
        assert len(parsed) == 12, name


def test_bundled_names_and_unknown_name_lists_them():
    assert {"cx-default", "semeval-restaurants"} <= set(bundled_taxonomy_names())
    assert bundled_taxonomy_path("cx-default").is_file()
    with pytest.raises(TaxonomyError, match=r"Unknown taxonomy 'nope'.*cx-default, semeval-restaurants"):
        load_taxonomy("nope")
    with pytest.raises(TaxonomyError, match="does not exist"):
        load_taxonomy("missing/file.yaml")


# ---------------------------------------------------------------- validation


def test_invalid_file_reports_every_problem_in_one_error_with_locations():
    path = DATA / "taxonomy_invalid.yaml"
    with pytest.raises(TaxonomyError) as info:
        Taxonomy.load(path)
    problems = info.value.problems
    text = str(info.value)
    by = {(p.category, p.field): p for p in problems}
    # unknown fields, with a suggestion for a typo
    assert by[(None, "colour")].line == 4
    assert "did you mean 'keywords'" in by[("service/Bad-Id", "kewords")].message
    # missing names: one language, and all of them
    assert by[("service", "names.ru")].line == 7
    assert "missing names" in by[("price", "names")].message
    # duplicate ids: a child under its parent, and a parent
    assert by[("service/speed", "id")].line == 13
    assert "duplicate id 'service'" in by[("service", "id")].message
    assert by[("service", "id")].line == 21
    # wrong types and bad values
    assert by[("service/speed", "keywords.en")].line == 12
    assert by[("categories[2]", "description")].line == 24
    assert by[("categories[2]", "id")].message == "missing id"
    assert "lowercase" in by[("service/Bad-Id", "id")].message
    assert "two levels" in by[("service/nested", "children")].message
    assert len(problems) == 11
    assert text.startswith(f"Invalid taxonomy {path} (11 problems):")
    assert f"{path}:13, category service/speed, field 'id'" in text
    lines = [p.line for p in sorted(problems, key=lambda p: p.line)]
    assert [int(s.split(":")[1].split(",")[0]) for s in text.splitlines()[1:]] == lines


def test_bad_yaml_is_reported_with_its_line(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("name: x\ncategories:\n  - id: a\n   names: [\n", encoding="utf-8")
    with pytest.raises(TaxonomyError, match=r"t\.yaml:4: not valid YAML"):
        Taxonomy.load(path)


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "the file is empty"),
        ("name: x\ncategories: []\n", "has no categories"),
        ("name: x\n", "has no categories"),
        ("- a\n- b\n", "top level must be a mapping"),
        ("categories:\n  - {id: a, names: {en: A}}\n", "missing taxonomy name"),
        ("name: x\ncategories:\n  - {id: a, names: {en: A}, children: {id: b}}\n", "children must be a list"),
        ("name: x\ncategories:\n  - {id: yes, names: {en: A}}\n", "id must be text, got bool True; quote it"),
        ("name: x\ncategories:\n  - {id: a, names: {en: A}, keywords: [x]}\n", "keywords must be a mapping"),
        ("name: x\ncategories:\n  - {id: a, names: {en: A; B}}\n", "must not contain ';' or '>'"),
        ("name: x\ncategories:\n  - {id: a, names: {en: A}}\n  - {id: b, names: {en: a}}\n", "matches both"),
        ("name: x\ncategories:\n  - {id: a, names: {en: A, en: B}}\n", "'en' is given twice"),
        ("name: x\nlanguages: [en, en]\ncategories:\n  - {id: a, names: {en: A}}\n", "listed twice"),
    ],
)
def test_each_kind_of_mistake_is_a_taxonomy_error(tmp_path, content, message):
    path = tmp_path / "t.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TaxonomyError, match=message):
        Taxonomy.load(path)


def test_children_inherit_owner_and_missing_owner_is_unassigned():
    tax = Taxonomy.from_dict(small_dict())
    assert tax.owner(("price", "too_expensive")) == "Pricing"
    assert tax.owner(("service", None)) == "unassigned"
    assert tax.owners == ["Pricing", "unassigned"]


def test_taxonomy_is_immutable_and_picklable(cx):
    with pytest.raises(AttributeError):
        cx.name = "other"
    cx.labels.append(("x", None))
    assert ("x", None) not in cx.labels
    copy = pickle.loads(pickle.dumps(cx))
    assert copy == cx and copy.hash == cx.hash and copy.labels == cx.labels


# ---------------------------------------------------------------- hash


def test_hash_is_stable_across_processes_and_formatting(cx, tmp_path):
    code = "from feedback_classifier.taxonomy import load_taxonomy; print(load_taxonomy('cx-default').hash)"
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert other.stdout.strip() == cx.hash
    assert len(cx.hash) == 64
    # Re-dumping with different YAML layout and comments keeps the content, so the hash.
    assert Taxonomy.load(cx.dump(tmp_path / "copy.yaml", header="a comment")).hash == cx.hash
    assert Taxonomy.from_dict(json.loads(json.dumps(cx.to_dict()))).hash == cx.hash


def test_hash_changes_when_content_changes():
    base = Taxonomy.from_dict(small_dict()).hash
    changed = small_dict()
    changed["categories"][0]["keywords"]["ru"].append("дорого")
    assert Taxonomy.from_dict(changed).hash != base
    renamed = small_dict()
    renamed["categories"][1]["names"]["ru"] = "Обслуживание"
    assert Taxonomy.from_dict(renamed).hash != base


# ---------------------------------------------------------------- label parsing


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("service > support_communication", [("service", "support_communication")]),
        ("Service > Support communication", [("service", "support_communication")]),
        ("Обслуживание > Общение с поддержкой", [("service", "support_communication")]),
        ("  SERVICE>support   COMMUNICATION ", [("service", "support_communication")]),
        ("service > support-communication", [("service", "support_communication")]),
        ("Price", [("price", None)]),
        ("Price and value", [("price", None)]),
        ("цена и выгода >", [("price", None)]),
        ("Качество товара > Брак и повреждения", [("product", "defects")]),
        ("Возврат и возмещение > задержка возврата денег", [("returns", "refund_delay")]),
        ("ВОЗВРАТ И ВОЗМЕЩЕНИЕ > ЗАДЕРЖКА ВОЗВРАТА ДЕНЕГ", [("returns", "refund_delay")]),
        (
            "Service > Support communication; Price;Delivery > courier\nstore",
            [("service", "support_communication"), ("price", None), ("delivery", "courier"), ("store", None)],
        ),
        ("price; Price and value; PRICE ;", [("price", None)]),
        (["delivery > courier", "price"], [("delivery", "courier"), ("price", None)]),
        ("", []),
        ("   ", []),
        (None, []),
        (float("nan"), []),
        (pd.NA, []),
    ],
)
def test_parse_labels(cx, cell, expected):
    assert cx.parse_labels(cell) == expected


def test_parse_treats_yo_as_ye():
    tax = Taxonomy.from_dict(
        {"name": "t", "languages": ["ru"], "categories": [{"id": "a", "names": {"ru": "Ёмкость"}}]}
    )
    assert tax.parse_labels("емкость") == [("a", None)]
    assert tax.parse_labels("ЁМКОСТЬ") == [("a", None)]


def test_unknown_label_names_row_column_label_and_closest_paths(cx):
    with pytest.raises(LabelError) as info:
        cx.parse_labels("Price; Delivery > Curier", row=42, column="labels", source="survey.csv")
    message = str(info.value)
    assert "'Delivery > Curier'" in message
    assert "row 42" in message and "column 'labels'" in message and "survey.csv" in message
    assert "Closest known: 'Delivery and logistics > Courier'" in message
    assert "add the category to the taxonomy" in message
    assert (info.value.row, info.value.column, info.value.label) == (42, "labels", "Delivery > Curier")


def test_unknown_russian_label_suggests_russian_paths(cx):
    with pytest.raises(LabelError, match="Closest known: 'Доставка и логистика > Курьер'"):
        cx.parse_labels("Доставка и логистика > курер", row=1)


def test_child_without_its_parent_and_three_levels_are_errors(cx):
    with pytest.raises(LabelError, match="Closest known: 'Delivery and logistics > Courier'"):
        cx.parse_labels("courier", row=3)
    with pytest.raises(LabelError, match="has 3 levels"):
        cx.parse_labels("delivery > courier > late", row=3)
    with pytest.raises(LabelError, match="no parent"):
        cx.parse_labels("> courier", row=3)


def test_format_labels(cx, semeval):
    assert cx.format_labels([("service", "support_communication"), ("price", None)]) == (
        "Customer service > Support communication; Price and value"
    )
    assert cx.format_labels([("delivery", "courier")], lang="ru") == "Доставка и логистика > Курьер"
    assert cx.format_labels([]) == ""
    assert semeval.format_labels([("food", "quality")]) == "Food > Quality"
    with pytest.raises(LabelError, match="not a category"):
        cx.format_labels([("delivery", "drone")])


@st.composite
def label_lists(draw, tax_name):
    labels = load_taxonomy(tax_name).labels
    return draw(st.lists(st.sampled_from(labels), unique=True, max_size=6))


@settings(max_examples=150, deadline=None)
@given(
    tax_name=st.sampled_from(["cx-default", "semeval-restaurants"]),
    data=st.data(),
    lang=st.sampled_from(["en", "ru"]),
)
def test_format_then_parse_gives_back_the_labels(tax_name, data, lang):
    tax = load_taxonomy(tax_name)
    labels = data.draw(label_lists(tax_name))
    assert tax.parse_labels(tax.format_labels(labels, lang=lang)) == labels


# ---------------------------------------------------------------- inference


def test_infer_builds_parents_and_children_from_label_cells():
    df = pd.DataFrame(
        {
            "text": ["a", "b", "c", "d", "e"],
            "labels": ["Delivery > Late courier; Price", None, "delivery > late  courier", "Доставка > Долго", ""],
        }
    )
    tax = infer_taxonomy(df["labels"], name="mine")
    assert tax.name == "mine"
    assert tax.labels == [
        ("delivery", None), ("delivery", "late_courier"), ("price", None), ("dostavka", None), ("dostavka", "dolgo"),
    ]
    assert tax.display_name(("delivery", "late_courier"), "ru") == "Delivery > Late courier"
    assert tax.owner(("price", None)) == "unassigned"
    assert [tax.parse_labels(c) for c in df["labels"]][0] == [("delivery", "late_courier"), ("price", None)]
    # Row order does not change the result.
    assert infer_taxonomy(df["labels"][::-1], name="mine").hash == tax.hash


def test_infer_reports_malformed_label_with_row_and_empty_column():
    with pytest.raises(LabelError, match=r"'a > b > c' in row 2, column 'tags'"):
        infer_taxonomy(["x", "y", "a > b > c"], column="tags")
    with pytest.raises(TaxonomyError, match="No labels found in column 'tags'"):
        infer_taxonomy([None, "", math.nan], column="tags")


# ---------------------------------------------------------------- CLI


def test_cli_validate_ok():
    result = runner.invoke(app, ["taxonomy", "validate", str(bundled_taxonomy_path("cx-default"))])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK: cx-default (version 1): 10 parents, 38 children, 11 owner teams")


def test_cli_validate_names_the_parents_without_an_owner(tmp_path):
    # a parent without 'owner' passed silently, and its comments went to an "unassigned" queue
    data = yaml.safe_load(bundled_taxonomy_path("cx-default").read_text(encoding="utf-8"))
    assert "owner" in data["categories"][1]
    del data["categories"][1]["owner"]
    (path := tmp_path / "mine.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(app, ["taxonomy", "validate", str(path)], terminal_width=300)
    assert result.exit_code == 0, result.output
    assert "1 of 10 parent categories have no owner" in result.output and "Price and value" in result.output
    assert "10 owner teams" in result.output  # ('unassigned' was counted as the 11th)
    assert "no owner" not in runner.invoke(app, ["taxonomy", "validate", "cx-default"]).output


def test_cli_validate_names_an_owner_the_teams_section_misses(tmp_path):
    # 'Frud desk' passed as OK: a queue of its own, named in English in a Russian report
    data = yaml.safe_load(bundled_taxonomy_path("cx-default").read_text(encoding="utf-8"))
    assert data["categories"][1]["owner"] == "Pricing"
    data["categories"][1]["owner"] = "Prising"
    (path := tmp_path / "mine.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(app, ["taxonomy", "validate", str(path)], terminal_width=300)
    assert result.exit_code == 0, result.output
    assert "owner 'Prising' (did you mean 'Pricing'?) is not under 'teams'" in result.output
    assert "1 team(s) under 'teams' own no category: Pricing" in result.output
    assert "Note" not in runner.invoke(app, ["taxonomy", "validate", "cx-default"]).output


def test_cli_validate_bad_file_exits_1_with_the_problem_list():
    result = runner.invoke(app, ["taxonomy", "validate", str(DATA / "taxonomy_invalid.yaml")])
    assert result.exit_code == 1
    out = plain(result.output)
    assert "Error" in out and "Invalid taxonomy" in out
    assert "taxonomy_invalid.yaml:13, category service/speed, field 'id': duplicate id 'speed'" in out
    assert "Traceback" not in out


def test_cli_validate_unknown_name_exits_1():
    result = runner.invoke(app, ["taxonomy", "validate", "no-such-taxonomy"])
    assert result.exit_code == 1
    assert "Unknown taxonomy 'no-such-taxonomy'" in plain(result.output)


def test_cli_show_tree_with_ids_and_owners():
    result = runner.invoke(app, ["taxonomy", "show", "cx-default"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Customer service  [service]  owner: Customer Support" in out
    assert "Manager interaction  [manager_interaction]  owner: Sales" in out
    assert "Courier  [courier]" in out
    result = runner.invoke(app, ["taxonomy", "show", "semeval-restaurants", "--lang", "ru", "--keywords"])
    assert result.exit_code == 0, result.output
    assert "Еда  [food]  owner: Kitchen" in result.output
    assert "вкусный" in result.output


def test_cli_show_defaults_to_the_taxonomys_first_language_and_names_teams_in_the_chosen_one(tmp_path):
    path = tmp_path / "ru.yaml"
    path.write_text("name: ru-only\nlanguages: [ru]\ncategories:\n"
                    "  - {id: dostavka, names: {ru: Доставка}, owner: Логистика}\n", encoding="utf-8")
    result = runner.invoke(app, ["taxonomy", "show", str(path)])  # no --lang: was "'en' is not a language"
    assert result.exit_code == 0, result.output
    assert "Доставка  [dostavka]  owner: Логистика" in result.output
    result = runner.invoke(app, ["taxonomy", "show", "cx-default", "--lang", "ru"])
    assert result.exit_code == 0, result.output
    assert "[product]  owner: Команда продукта" in result.output and "Product team" not in result.output


def test_cli_show_rejects_a_language_the_taxonomy_lacks():
    result = runner.invoke(app, ["taxonomy", "show", "cx-default", "--lang", "de"])
    assert result.exit_code == 2
    assert "'de' is not a language" in plain(result.output)


def test_cli_infer_writes_a_taxonomy_that_validates_and_parses_the_labels(tmp_path):
    data = tmp_path / "labelled.csv"
    data.write_text(
        "text,labels\n"
        "slow courier,Delivery > Courier; Price\n"
        "ok,\n"
        "дорого,Цена > Слишком дорого\n"
        "late,DELIVERY > courier\n",
        encoding="utf-8",
    )
    out = tmp_path / "mine.yaml"
    result = runner.invoke(app, ["taxonomy", "infer", str(data), "--labels-col", "labels", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "2 parents" not in result.output and "3 parents, 2 children" in result.output
    assert not list(tmp_path.glob(".*.tmp"))  # the atomic write left no temp file behind
    assert yaml.safe_load(out.read_text(encoding="utf-8"))["name"] == "mine"
    validated = runner.invoke(app, ["taxonomy", "validate", str(out)])
    assert validated.exit_code == 0, validated.output
    tax = load_taxonomy(out)
    cells = pd.read_csv(data, dtype=str)["labels"]
    assert [tax.parse_labels(c) for c in cells] == [
        [("delivery", "courier"), ("price", None)], [], [("tsena", "slishkom_dorogo")], [("delivery", "courier")],
    ]
    assert tax.owner(("delivery", "courier")) == "unassigned"
    # An existing file is not overwritten without --force.
    again = runner.invoke(app, ["taxonomy", "infer", str(data), "-o", str(out)])
    assert again.exit_code == 2 and "--force" in plain(again.output)
    forced = runner.invoke(app, ["taxonomy", "infer", str(data), "-o", str(out), "--force", "--owner", "CX team"])
    assert forced.exit_code == 0, forced.output
    assert load_taxonomy(out).owner(("price", None)) == "CX team"


def test_cli_infer_warns_when_every_label_is_a_cx_default_category(tmp_path):
    # labels the label app wrote (cx-default names, here Russian ones) had given a taxonomy with every
    # queue "unassigned" and Russian text as English names, without a word that cx-default already fits
    data = tmp_path / "labels.csv"
    data.write_text("comment,labels\nа,Доставка и логистика > Курьер\nb,Цена и выгода\n", encoding="utf-8")
    result = runner.invoke(app, ["taxonomy", "infer", str(data), "-o", str(tmp_path / "mine.yaml")])
    assert result.exit_code == 0, result.output
    assert "--taxonomy cx-default" in plain(result.output)
    own = tmp_path / "own.csv"
    own.write_text("labels\nFood > Quality\nService\n", encoding="utf-8")
    result = runner.invoke(app, ["taxonomy", "infer", str(own), "-o", str(tmp_path / "own.yaml")])
    assert result.exit_code == 0, result.output
    assert "cx-default" not in plain(result.output)


def test_cli_infer_missing_column_exits_1(tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("text,tags\na,Price\n", encoding="utf-8")
    result = runner.invoke(app, ["taxonomy", "infer", str(data), "-o", str(tmp_path / "t.yaml")])
    assert result.exit_code == 1
    assert "no column 'labels'" in plain(result.output)
    assert not (tmp_path / "t.yaml").exists()


@pytest.mark.parametrize("command", ["validate", "show", "infer"])
def test_cli_help_has_an_example(command):
    result = runner.invoke(app, ["taxonomy", command, "--help"])
    assert result.exit_code == 0
    assert "Example: feedback-classifier taxonomy " + command in result.output


def test_team_names_per_language_and_their_problems():
    from feedback_classifier.errors import TaxonomyError
    from feedback_classifier.taxonomy import Taxonomy

    base = {"name": "t", "languages": ["en", "ru"],
            "categories": [{"id": "a", "names": {"en": "A", "ru": "А"}, "owner": "Ops"}]}
    plain = Taxonomy.from_dict(base)
    named = Taxonomy.from_dict({**base, "teams": {"Ops": {"ru": "Операции"}}})
    assert named.team_name("Ops", "ru") == "Операции" and named.team_name("Ops", "en") == "Ops"
    assert named.hash == plain.hash  # display names only: model files stay valid
    assert Taxonomy.from_dict(named.to_dict()) == named
    with pytest.raises(TaxonomyError, match="'de' is not one of the languages"):
        Taxonomy.from_dict({**base, "teams": {"Ops": {"de": "Betrieb"}}})
    with pytest.raises(TaxonomyError, match="teams"):
        Taxonomy.from_dict({**base, "teams": ["Ops"]})


def test_a_renamed_category_still_parses_its_former_names():
    tax = load_taxonomy("cx-default")
    assert tax.display_name(("service", None), "en") == "Customer service"
    assert tax.display_name(("service", None), "ru") == "Обслуживание клиентов"
    assert tax.parse_labels("Обслуживание > Общение с поддержкой; Service") == [
        ("service", "support_communication"), ("service", None)]
    assert Taxonomy.from_dict(tax.to_dict()) == tax  # aliases survive a model file's round trip


def test_aliases_must_be_a_list_of_names_and_may_not_clash():
    base = {"name": "t", "categories": [{"id": "a", "names": {"en": "A"}, "aliases": "B"}]}
    with pytest.raises(TaxonomyError, match="aliases must be a list"):
        Taxonomy.from_dict(base)
    clash = {"name": "t", "categories": [{"id": "a", "names": {"en": "A"}, "aliases": ["B"]},
                                         {"id": "b", "names": {"en": "Bee"}}]}
    with pytest.raises(TaxonomyError, match="matches both"):
        Taxonomy.from_dict(clash)


def _billion_laughs(levels: int = 11) -> str:
    lines = ["name: bomb", "languages: [en]", "x0: &x0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"x{i}: &x{i} [{', '.join([f'*x{i - 1}'] * 9)}]" for i in range(1, levels + 1)]
    return "\n".join(lines + [f"categories:\n  - id: a\n    names: {{en: A}}\n    description: *x{levels}\n"])


@pytest.mark.parametrize("text, said", [
    (_billion_laughs(), "expand to more than 1,000,000 values"),  # was minutes and gigabytes
    ("name: deep\nlanguages: [en]\ncategories: " + "[" * 50000 + "]" * 50000, "nests more than 100 levels"),
    ("name: deep\nlanguages: [en]\ncategories:\n" + "".join("  " * i + "-\n" for i in range(3000)), "nests too deep"),
    # an alias inside itself: the size count looped, its stack grew to 20 GB
    ("name: loop\nlanguages: [en]\nx: &x [*x]\ncategories: []\n", "refers to a value it is part of"),
    ("name: loop\nlanguages: [en]\ncategories:\n  - &c\n    id: a\n    names: {en: A}\n    children: [*c]\n",
     "refers to a value it is part of"),
])
def test_a_taxonomy_whose_yaml_expands_to_billions_or_nests_too_deep_is_one_error(tmp_path, text, said):
    import time

    path = tmp_path / "t.yaml"
    path.write_text(text, encoding="utf-8")
    start = time.perf_counter()
    with pytest.raises(TaxonomyError, match=said):
        load_taxonomy(path)
    assert time.perf_counter() - start < 10


def test_a_wrong_value_in_a_taxonomy_is_shown_cut_short(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text(_billion_laughs(4).replace("description: *x4", "names: {en: *x4}").replace(
        "    names: {en: A}\n", ""), encoding="utf-8")
    with pytest.raises(TaxonomyError) as err:
        load_taxonomy(path)
    assert all(len(line) < 400 for line in str(err.value).splitlines())  # was 9**4 values in full


def test_label_mistakes_get_the_fix_in_their_message():
    from feedback_classifier.errors import LabelError
    from feedback_classifier.model.opinions import parse_opinions

    tax = load_taxonomy("cx-default")
    # a comma between two labels read as a third level
    with pytest.raises(LabelError, match="separate labels with ';'"):
        tax.parse_labels("Service > Staff politeness, Price > Too expensive", row=3, column="codes")
    # a subcategory's name alone: the full path is suggested
    with pytest.raises(LabelError, match="Closest known: 'Доставка и логистика > Курьер'"):
        tax.parse_labels("Курьер", row=2, column="codes")
    with pytest.raises(LabelError, match="Closest known: 'Delivery and logistics > Courier'"):
        tax.parse_labels("courier", row=2, column="codes")
    # an opinion with no category before '='
    with pytest.raises(LabelError, match="names no category before '='") as caught:
        parse_opinions(tax, "Price=negative; =positive", row=5, column="polarities")
    assert "row 5" in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("cell, sep", [("Price > Too expensive, Delivery", ","), ("Delivery | Price", "|")])
def test_labels_joined_by_a_comma_or_bar_are_said_to_be_joined(cell, sep):
    # with two levels the cell was only an 'Unknown label', its closest match the first label alone
    from feedback_classifier.errors import LabelError

    with pytest.raises(LabelError, match=f"joined by '\\{sep}'; separate labels with ';'") as err:
        load_taxonomy("cx-default").parse_labels(cell, row=3, column="labels")
    assert "row 3, column 'labels'" in str(err.value)
    assert load_taxonomy("cx-default").parse_labels("Store / branch experience") == [("store", None)]


@pytest.mark.parametrize("encoding, said", [("cp1251", r"not UTF-8 text \(line 2, Cyrillic in Windows-1251\)"),
                                            ("utf-16", r"not UTF-8 text \(it is UTF-16\)")])
def test_a_taxonomy_file_not_in_utf8_says_where_and_what_it_looks_like(tmp_path, encoding, said):
    # "(byte 23)" had the user count bytes in a file Notepad saved as Windows-1251
    path = tmp_path / "t.yaml"
    path.write_bytes("name: t\nlanguages: [ru]\ncategories:\n  - id: a\n    names: {ru: Доставка}\n"
                     .replace("languages: [ru]\n", "languages: [ru]  # банк\n").encode(encoding))
    with pytest.raises(TaxonomyError, match=said):
        load_taxonomy(path)


def test_a_name_that_is_not_text_names_its_field_as_names_dot_lang(tmp_path):
    # the field was 'en', where every other problem of a name says 'names.en'
    path = tmp_path / "t.yaml"
    path.write_text("name: t\nlanguages: [en]\ncategories:\n  - id: a\n    names: {en: 2024}\n  - id: b\n"
                    "    names: {en: '  '}\n", encoding="utf-8")
    with pytest.raises(TaxonomyError) as err:
        load_taxonomy(path)
    lines = str(err.value).splitlines()[1:]
    assert "field 'names.en': must be non-empty text, got a number 2024; put it in quotes" in lines[0]
    assert lines[1].endswith("field 'names.en': must be non-empty text, got empty text")


@pytest.mark.parametrize("text, said", [
    ("name: t\nlanguages: [en]\ncategories:\n  - id: a\n    names: {en: A}\n      owner: T\n",
     "indentation does not match the lines around it"),
    ("name: t\nlanguages: [en]\ncategories:\n  - id: a\n    names: {en: A}\n    owner: T\n      children:\n",
     "check this line's indentation"),
    ("name: t\nlanguages: [en]\ncategories:\n  - id: a\n\tnames: {en: A}\n", "replace the tab with spaces"),
    ("name: t\nlanguages: [en]\ncategories:\n  - id: a\n    names: {en: A\n    owner: T\n", "add its '}'"),
])
def test_a_yaml_slip_in_a_taxonomy_says_what_to_do(tmp_path, text, said):
    # PyYAML's "mapping values are not allowed here" alone left the user guessing
    path = tmp_path / "t.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TaxonomyError, match=re.escape(said)):
        load_taxonomy(path)


def test_control_characters_in_a_taxonomy_s_texts_never_reach_the_terminal(tmp_path):
    """A YAML "\\e" is ESC: a hostile taxonomy's name, category names and owners were echoed by `taxonomy
    validate`, `classify` and `analyze` summaries as they were, and the terminal ran them (retitle, clear)."""
    from typer.testing import CliRunner

    from feedback_classifier.cli import app

    path = tmp_path / "t.yaml"
    path.write_text('name: "cx\\e]0;pwn\\a"\nlanguages: [en]\ncategories:\n  - id: deliv\n'
                    '    names: {en: "Deli\\e[2Jvery"}\n    owner: "Log\\e[31mistics"\n    description: "a\\x9bb"\n',
                    encoding="utf-8")
    tax = load_taxonomy(path)
    (cat,) = tax._categories
    texts = [tax.name, *cat.names.values(), cat.owner, cat.description]
    assert not any(ch in text for text in texts for ch in "\x1b\x07\x9b"), texts
    assert cat.names["en"] == "Deli [2Jvery" and cat.owner == "Log [31mistics"
    out = CliRunner().invoke(app, ["taxonomy", "validate", str(path)]).output
    assert out.startswith("OK: cx ]0;pwn") and "\x1b" not in out
