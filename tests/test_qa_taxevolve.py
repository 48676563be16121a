"""QA of a taxonomy that changes every quarter: last quarter's files read with this quarter's taxonomy."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from feedback_classifier.cli import app
from feedback_classifier.errors import LabelError, TaxonomyError
from feedback_classifier.taxonomy import Taxonomy

_Q1 = {"name": "mine", "languages": ["en", "ru"], "categories": [
    {"id": "delivery", "names": {"en": "Delivery", "ru": "Доставка"}, "owner": "Logistics", "children": [
        {"id": "courier", "names": {"en": "Courier", "ru": "Курьер"}},
        {"id": "tracking", "names": {"en": "Order tracking", "ru": "Отслеживание"}}]},
    {"id": "app", "names": {"en": "App", "ru": "Приложение"}, "owner": "Digital", "children": [
        {"id": "bugs", "names": {"en": "Bugs", "ru": "Ошибки"}}]},
    {"id": "marketing", "names": {"en": "Marketing", "ru": "Маркетинг"}, "owner": "Marketing", "children": [
        {"id": "spam", "names": {"en": "Spam", "ru": "Спам"}},
        {"id": "ads", "names": {"en": "Advertising", "ru": "Реклама"}}]},
]}


def _q2(**aliases) -> dict:
    """Q1 with 'Order tracking' moved under App and 'Advertising' retired into Marketing."""
    return {"name": "mine", "version": 2, "languages": ["en", "ru"], "categories": [
        {"id": "delivery", "names": {"en": "Delivery", "ru": "Доставка"}, "owner": "Logistics", "children": [
            {"id": "courier", "names": {"en": "Courier", "ru": "Курьер"}}]},
        {"id": "app", "names": {"en": "App", "ru": "Приложение"}, "owner": "Digital", "children": [
            {"id": "bugs", "names": {"en": "Bugs", "ru": "Ошибки"}},
            {"id": "tracking", "names": {"en": "Order tracking", "ru": "Отслеживание"},
             "aliases": aliases.get("tracking", [])}]},
        {"id": "marketing", "names": {"en": "Marketing", "ru": "Маркетинг"}, "owner": "Marketing",
         "aliases": aliases.get("marketing", []), "children": [{"id": "spam", "names": {"en": "Spam", "ru": "Спам"}}]},
    ]}


def test_a_moved_or_retired_subcategory_reads_through_its_former_path():
    # an alias 'Delivery > Order tracking' was accepted by validate and then matched nothing
    tax = Taxonomy.from_dict(_q2(tracking=["Delivery > Order tracking"], marketing=["Marketing > Advertising", "Маркетинг > Реклама"]))
    assert tax.parse_labels("Delivery > Order tracking; Delivery > Courier") == [
        ("app", "tracking"), ("delivery", "courier")]
    assert tax.parse_labels("Доставка > Отслеживание") == [("app", "tracking")]  # one alias, every language
    assert tax.parse_labels("delivery > tracking") == [("app", "tracking")]
    assert tax.parse_labels("Marketing > Advertising; Маркетинг > Реклама") == [("marketing", None)]
    assert tax.parse_labels("App > Order tracking") == [("app", "tracking")]
    assert Taxonomy.from_dict(tax.to_dict()) == tax


def test_a_moved_subcategorys_old_path_is_an_error_naming_its_new_path_and_the_alias_to_add():
    tax = Taxonomy.from_dict(_q2())
    with pytest.raises(LabelError) as caught:
        tax.parse_labels("Delivery > Order tracking", row=3, column="categories")
    message = str(caught.value)
    assert "Closest known: 'App > Order tracking'" in message
    assert "aliases: ['Delivery > Order tracking']" in message
    # a parent renamed in one language (Доставка -> Логистика): its old name is the alias to add, for every child
    renamed = _q2()
    renamed["categories"][0]["names"]["ru"] = "Логистика"
    with pytest.raises(LabelError, match="add 'Доставка' to the aliases of the parent it became"):
        Taxonomy.from_dict(renamed).parse_labels("Доставка > Курьер")
    renamed["categories"][0]["aliases"] = ["Доставка"]
    assert Taxonomy.from_dict(renamed).parse_labels("Доставка > Курьер") == [("delivery", "courier")]


@pytest.mark.parametrize("alias, said", [
    ("Delivery > Courier", "still the path of 'delivery/courier'"),  # never read as this category
    ("Delivery > Order tracking; App", "has a ';'"),
    ("Delivery > Order > tracking", "is not a former path"),
    (" > Order tracking", "is not a former path"),
])
def test_an_alias_no_label_could_match_is_a_problem_of_the_taxonomy(alias, said):
    with pytest.raises(TaxonomyError, match=said):
        Taxonomy.from_dict(_q2(tracking=[alias]))
    with pytest.raises(TaxonomyError, match="also an alias of 'app/tracking'"):
        Taxonomy.from_dict(_q2(tracking=["Delivery > Order tracking"], marketing=["Delivery > Order tracking"]))


def test_drivers_on_last_quarters_file_counts_a_moved_subcategory_under_its_new_path(tmp_path):
    import yaml

    (tmp_path / "q2.yaml").write_text(yaml.safe_dump(_q2(tracking=["Delivery > Order tracking"])), encoding="utf-8")
    cats = ["Delivery > Order tracking", "Delivery > Courier", "App > Bugs", ""] * 15
    pd.DataFrame({"nps": [2, 9, 5, 10] * 15, "categories": cats}).to_csv(tmp_path / "q1.csv", index=False)
    result = CliRunner().invoke(app, ["drivers", str(tmp_path / "q1.csv"), "--score-col", "nps", "--min-n", "5",
                                      "--taxonomy", str(tmp_path / "q2.yaml"), "--lang", "en",
                                      "--out", str(tmp_path / "d.csv")])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "d.csv")
    mentions = {(level, name): n for level, name, n in zip(table["level"], table["category"], table["mentions"])}
    assert mentions[("category", "App > Order tracking")] == 15 and mentions[("parent", "App")] == 30, mentions
    assert mentions[("parent", "Delivery")] == 15, mentions


def test_a_trend_over_two_quarters_classified_with_two_taxonomy_versions_warns_of_a_renamed_category(tmp_path):
    import yaml

    # Q1 classified as 'Service', Q2 as 'Care': the trend showed one falling to 0 and one rising from 0
    dates = [f"2024-0{m}-1{d}" for m in (1, 2, 4, 5) for d in range(10)]
    cats = [("Service" if m < 4 else "Care") if d % 2 else "Price" for m in (1, 2, 4, 5) for d in range(10)]
    pd.DataFrame({"submitted_at": dates, "nps": [3, 9, 10, 6] * 10, "categories": cats}).to_csv(
        tmp_path / "both.csv", index=False)
    args = ["drivers", str(tmp_path / "both.csv"), "--score-col", "nps", "--period", "quarter", "--min-n", "5",
            "--out", str(tmp_path / "d.csv")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "categories change between the trend's periods: 'Service' has no mention after 2024-Q1" in said
    assert "'Care' none before 2024-Q2" in said and "'Price'" not in said
    # a parent without subcategories is in the trend at both levels: it was named twice in the warning
    assert said.count("'Service' has no mention") == 1 and said.count("'Care' none before") == 1, said
    new = {"name": "mine", "version": 2, "categories": [{"id": "care", "names": {"en": "Care"}, "aliases": ["Service"]},
                                                        {"id": "price", "names": {"en": "Price"}}]}
    (tmp_path / "new.yaml").write_text(yaml.safe_dump(new), encoding="utf-8")
    result = CliRunner().invoke(app, args + ["--taxonomy", str(tmp_path / "new.yaml")])
    assert result.exit_code == 0, result.output
    assert "change between the trend's periods" not in result.output
    trend = pd.read_csv(tmp_path / "d_trend.csv")
    care = trend[(trend["level"] == "parent") & (trend["category"] == "Care")]
    assert care["mentions"].tolist() == [10, 10]


@pytest.mark.parametrize("command", ["drivers", "route", "train"])
def test_last_quarters_file_names_every_old_label_the_new_taxonomy_lacks_at_once(tmp_path, command):
    import yaml

    # one old label per run: a quarter's moves and retirements took a run per alias to add
    (tmp_path / "q2.yaml").write_text(yaml.safe_dump(_q2()), encoding="utf-8")
    cats = ["Delivery > Courier", "Delivery > Order tracking", "App > Bugs", "Marketing > Advertising",
            "delivery > order tracking", "Marketing > Advertising; App"] * 3
    pd.DataFrame({"comment": [f"comment {i}" for i in range(18)], "nps": [3, 9, 10] * 6, "categories": cats}).to_csv(
        tmp_path / "q1.csv", index=False)
    args = {"drivers": ["--score-col", "nps", "--out", str(tmp_path / "d.csv")],
            "route": ["--text-col", "comment", "--out-dir", str(tmp_path / "q")],
            "train": ["--text-col", "comment", "--labels-col", "categories", "--cv", "0", "--out", str(tmp_path / "m")]}
    result = CliRunner().invoke(app, [command, str(tmp_path / "q1.csv"), "--taxonomy", str(tmp_path / "q2.yaml"),
                                      *args[command]])
    assert result.exit_code == 1, result.output
    said = " ".join(result.output.split())
    assert "Unknown label 'Delivery > Order tracking' in row 2" in said
    assert "Not in the taxonomy either: 'Marketing > Advertising' (row 4)." in said


def test_a_teams_new_name_in_the_given_taxonomy_is_used_with_the_model_it_still_fits(tmp_path):
    from feedback_classifier.taxonomy import load_taxonomy

    # teams' names stay out of the taxonomy's hash so that renaming them needs no new model, but the
    # model's own copy was used: the queues kept the old Russian name without a word
    definition = load_taxonomy("cx-default").to_dict()
    definition["teams"]["Logistics"] = {"ru": "Последняя миля"}
    Taxonomy.from_dict(definition).dump(tmp_path / "mine.yaml")
    pd.DataFrame({"comment": ["Курьер опоздал на два часа", "Курьер нагрубил"]}).to_csv(tmp_path / "in.csv", index=False)
    result = CliRunner().invoke(app, ["route", str(tmp_path / "in.csv"), "--text-col", "comment", "--lang", "ru",
                                      "--taxonomy", str(tmp_path / "mine.yaml"), "--tone-teacher", "none", "-q",
                                      "--out-dir", str(tmp_path / "q")])
    assert result.exit_code == 0, result.output
    summary = pd.read_csv(tmp_path / "q" / "summary.csv")
    assert summary.set_index("team").loc["Logistics", "name"] == "Последняя миля"


def test_aliases_added_after_training_need_no_new_model(tmp_path):
    import yaml

    q1 = {"name": "mine", "categories": [
        {"id": "delivery", "names": {"en": "Delivery"}, "owner": "Logistics", "keywords": {"en": ["courier", "late"]}},
        {"id": "app", "names": {"en": "App"}, "owner": "Digital", "keywords": {"en": ["app", "crash"]}}]}
    (tmp_path / "q1.yaml").write_text(yaml.safe_dump(q1), encoding="utf-8")
    texts = ["courier was late", "the app crashes", "late again, courier lost", "app froze at login"] * 6
    labels = ["Delivery", "App", "Delivery", "App"] * 6
    pd.DataFrame({"text": texts, "labels": labels}).to_csv(tmp_path / "labels.csv", index=False)
    trained = CliRunner().invoke(app, ["train", str(tmp_path / "labels.csv"), "--text-col", "text", "--taxonomy",
                                       str(tmp_path / "q1.yaml"), "--cv", "0", "--out", str(tmp_path / "m")])
    assert trained.exit_code == 0, trained.output
    q1["categories"][0]["aliases"] = ["Shipping"]  # last year's name, found in an old export
    (tmp_path / "q1b.yaml").write_text(yaml.safe_dump(q1), encoding="utf-8")
    pd.DataFrame({"comment": ["late", "crash"], "categories": ["Shipping", "App"]}).to_csv(tmp_path / "old.csv",
                                                                                            index=False)
    result = CliRunner().invoke(app, ["route", str(tmp_path / "old.csv"), "--text-col", "comment", "--model",
                                      str(tmp_path / "m"), "--taxonomy", str(tmp_path / "q1b.yaml"), "-q",
                                      "--out-dir", str(tmp_path / "q")])
    assert result.exit_code == 0, result.output
    assert pd.read_csv(tmp_path / "q" / "summary.csv").set_index("team").loc["Logistics", "comments"] == 1
    q1["categories"][0]["owner"] = "Last mile"  # a real change still needs the model's taxonomy or a new model
    (tmp_path / "q1c.yaml").write_text(yaml.safe_dump(q1), encoding="utf-8")
    result = CliRunner().invoke(app, ["route", str(tmp_path / "old.csv"), "--text-col", "comment", "--model",
                                      str(tmp_path / "m"), "--taxonomy", str(tmp_path / "q1c.yaml"), "-q",
                                      "--out-dir", str(tmp_path / "q")])
    assert result.exit_code == 1 and "owner of 'delivery'" in result.output


def test_cx_default_with_aliases_added_keeps_the_bundled_model(tmp_path):
    from feedback_classifier.taxonomy import load_taxonomy

    # a copy of cx-default that only maps last year's names was told to train a model of its own
    definition = load_taxonomy("cx-default").to_dict()
    definition["categories"][3]["aliases"] = ["Shipping"]
    Taxonomy.from_dict(definition).dump(tmp_path / "mine.yaml")
    pd.DataFrame({"comment": ["Курьер опоздал на два часа", "Shipping was slow"]}).to_csv(tmp_path / "in.csv",
                                                                                        index=False)
    result = CliRunner().invoke(app, ["route", str(tmp_path / "in.csv"), "--text-col", "comment", "--lang", "en",
                                      "--taxonomy", str(tmp_path / "mine.yaml"), "--tone-teacher", "none", "-q",
                                      "--out-dir", str(tmp_path / "q")])
    assert result.exit_code == 0, result.output
    pd.DataFrame({"comment": ["slow", "late"], "nps": [2, 3], "categories": ["Shipping", "Delivery and logistics"]}
                 ).to_csv(tmp_path / "old.csv", index=False)
    result = CliRunner().invoke(app, ["report", str(tmp_path / "old.csv"), "--text-col", "comment", "--score-col",
                                      "nps", "--taxonomy", str(tmp_path / "mine.yaml"), "--out",
                                      str(tmp_path / "r.html")])
    assert result.exit_code == 0, result.output
    assert "bundled default model is assumed" in " ".join(result.output.split())


def test_a_trend_joining_exports_before_and_after_cx_default_renamed_service_names_the_bundled_taxonomy(tmp_path):
    """Last month's export says 'Service', this month's 'Customer service' (the bundled cx-default renamed it and
    keeps the old name as an alias): the warning told the upgrading user to write a taxonomy of their own."""
    dates = [f"2024-0{m}-1{d}" for m in (1, 2, 4, 5) for d in range(10)]
    cats = [("Service > Response speed" if m < 4 else "Customer service > Response speed") if d % 2 else "Price"
            for m in (1, 2, 4, 5) for d in range(10)]
    pd.DataFrame({"submitted_at": dates, "nps": [3, 9, 10, 6] * 10, "categories": cats}).to_csv(
        tmp_path / "both.csv", index=False)
    args = ["drivers", str(tmp_path / "both.csv"), "--score-col", "nps", "--period", "quarter", "--min-n", "5"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "'Service' has no mention after 2024-Q1" in said and "pass --taxonomy cx-default" in said, said
    result = CliRunner().invoke(app, args + ["--taxonomy", "cx-default"])
    assert result.exit_code == 0, result.output
    assert "categories change" not in " ".join(result.output.split())
