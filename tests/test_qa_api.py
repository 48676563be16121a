"""QA sweep as a Python-library user (notebook / pipeline): what the public API does with the inputs a
data scientist hands it, and that a mistake comes back as one of the project's own errors."""

import warnings

import numpy as np
import pandas as pd
import pytest

from feedback_classifier.insights.drivers import compute_drivers


def test_drivers_of_a_category_every_row_mentions_warn_nothing():
    # A category in every scored row (or in every row of a segment) has no "without" group: its
    # interval is NaN. numpy's "All-NaN slice encountered" RuntimeWarning reached the notebook and
    # the drivers command's terminal, above the table.
    df = pd.DataFrame({"nps": [9, 2, 10, 3, 7, 0] * 5, "categories": ["Price", "Price; Delivery"] * 15,
                       "region": ["N", "S", "N"] * 10})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = compute_drivers(df, score_col="nps", by="region", min_n=1, n_boot=50)
    price = result.level("parent").set_index("category").loc["Price"]
    assert np.isnan(price["impact"]) and np.isnan(price["impact_low"]) and np.isnan(price["impact_high"])
    delivery = result.level("parent").set_index("category").loc["Delivery"]
    assert delivery["impact_low"] <= delivery["impact"] <= delivery["impact_high"]


def test_enrich_route_and_classify_file_read_the_language_as_analyze_does(tmp_path):
    # lang="RU" (or "de") gave English category names without a word; analyze and report refuse
    # an unknown language and read any case
    from feedback_classifier.insights.routing import route
    from feedback_classifier.jobs.classify import classify_file
    from feedback_classifier.lang.registry import UnknownLanguageError
    from feedback_classifier.model.default import default_model
    from feedback_classifier.model.enrichment import enrich
    from feedback_classifier.taxonomy import load_taxonomy

    model = default_model()
    df = pd.DataFrame({"comment": ["The courier was late"], "nps": [2]})
    assert enrich(df, model, "comment", lang="RU")["categories"].iloc[0].startswith("Доставка")
    with pytest.raises(UnknownLanguageError, match="Unknown language 'de': use one of en, ru"):
        enrich(df, model, "comment", lang="de")
    russian = pd.DataFrame({"comment": ["Курьер опоздал", "Доставка долгая", "Late"]})
    assert enrich(russian, model, "comment", lang=None)["categories"].iloc[0].startswith("Доставка")  # as classify
    enriched = enrich(df, model, "comment")
    summary = route(enriched, load_taxonomy("cx-default"), text_col="comment", lang=" Ru ").summary
    assert "Логистика" in summary["name"].tolist()
    with pytest.raises(UnknownLanguageError):
        route(enriched, load_taxonomy("cx-default"), text_col="comment", lang="english")
    src = tmp_path / "in.csv"
    df.to_csv(src, index=False)
    done = classify_file(src, tmp_path / "out.csv", model=model, text_col="comment", lang="RU")
    assert done.lang == "ru"
    assert pd.read_csv(tmp_path / "out.csv")["categories"].iloc[0].startswith("Доставка")


def test_a_taxonomy_with_a_language_of_its_own_still_writes_its_names_in_it():
    # the language check above accepts the model taxonomy's own languages (classify --lang de does)
    from feedback_classifier.model.enrichment import enrich
    from feedback_classifier.model.estimator import FeedbackClassifier
    from feedback_classifier.taxonomy import Taxonomy

    tax = Taxonomy.from_dict({"name": "de", "languages": ["en", "de"], "categories": [
        {"id": "delivery", "names": {"en": "Delivery", "de": "Lieferung"}},
        {"id": "staff", "names": {"en": "Staff", "de": "Personal"}}]})
    clf = FeedbackClassifier(tax, analyzer=str.split, cv=2).fit(
        ["late courier", "rude staff"] * 4, [[("delivery", None)], [("staff", None)]] * 4)
    out = enrich(pd.DataFrame({"comment": ["late courier"]}), clf, "comment", lang="DE", sentiment=False)
    assert out["categories"].tolist() == ["Lieferung"]
    with pytest.raises(ValueError, match="Unknown language 'fr': use one of en, de, ru"):
        enrich(pd.DataFrame({"comment": ["late courier"]}), clf, "comment", lang="fr", sentiment=False)


def test_enrich_given_a_series_says_it_takes_a_dataframe():
    # the Series' values were listed as "the table's columns" in a MissingColumnError
    from feedback_classifier.model.default import default_model
    from feedback_classifier.model.enrichment import enrich

    with pytest.raises(TypeError, match=r"enrich takes a DataFrame .* got Series"):
        enrich(pd.Series(["The courier was late", "ok"]), default_model(), "comment")


def test_aspect_sentiment_takes_arrays_and_series_and_refuses_misaligned_input():
    # fit on numpy arrays or Series: "The truth value of an array ... is ambiguous"; predict with a
    # single string, or fewer categories than texts: IndexError "boolean index did not match"
    from feedback_classifier.model.sentiment import AspectSentiment

    texts = pd.Series(["good food", "bad food"] * 3, index=range(10, 16))
    m = AspectSentiment().fit(texts, np.array(["x"] * 6), pd.Series(["positive", "negative"] * 3, index=range(6)))
    assert m.predict(np.array(["good food", "bad food"]), pd.Series(["x", "x"], index=[7, 3])) == [
        "positive", "negative"]
    with pytest.raises(TypeError, match=r"texts must be a list .* not a single string: pass \['good food'\]"):
        m.predict("good food", ["x"])
    with pytest.raises(ValueError, match="texts and categories must have one entry per comment, got 2 and 1"):
        m.predict(["good food", "bad food"], ["x"])
    with pytest.raises(ValueError, match="texts and categories_per_text must have one entry per comment"):
        m.predict_pairs(["good food", "bad food"], [["x"]])
    with pytest.raises(ValueError, match="texts, categories and polarities must have one entry per comment, got 2, 2 and 1"):
        AspectSentiment().fit(["good", "bad"], ["x", "x"], ["positive"])


@pytest.mark.parametrize("ext", ["xlsx", "jsonl", "parquet"])
def test_write_table_of_a_frame_with_a_repeated_column_name_says_so(tmp_path, ext):
    # XLSX failed with "AttributeError: 'DataFrame' object has no attribute 'dtype'", JSON Lines and
    # Parquet with pandas' / Arrow's ValueError; CSV writes such a header as it is
    from feedback_classifier.errors import InputFileError
    from feedback_classifier.tableio import read_table, write_table

    df = pd.DataFrame([["x", 1, 2]], columns=["comment", "score", "score"])
    with pytest.raises(InputFileError, match=r"more than one column named 'score'; .* rename them"):
        write_table(df, tmp_path / f"out.{ext}")
    assert not list(tmp_path.iterdir())  # no output and no temp file left
    assert read_table(write_table(df, tmp_path / "out.csv")).columns.tolist() == ["comment", "score", "score.1"]


def test_fit_and_cross_validation_take_groups_with_missing_ids():
    # a review id column with gaps, as pandas gives it: None raised "TypeError: '<' not supported between
    # instances of 'NoneType' and 'NoneType'", NaN scikit-learn's "Input groups contains NaN"; each such
    # row is a group of its own, as `train --group-col` makes it
    from feedback_classifier.model.estimator import FeedbackClassifier
    from feedback_classifier.model.evaluation import cross_validate_model

    texts = ["rude staff", "slow delivery", "rude and slow", "nice staff"] * 5
    y = [[("service", "staff")], [("delivery", None)], [("service", "staff"), ("delivery", None)],
         [("service", None)]] * 5
    reviews = pd.Series([f"r{i // 2}" for i in range(20)], index=range(100, 120)).astype(object)
    reviews.iloc[[0, 5, 6]] = None
    for groups in (reviews, reviews.fillna(np.nan).to_numpy(), [None] * 20):
        clf = FeedbackClassifier(analyzer=str.split, cv=2).fit(texts, y, groups=groups)
        assert clf.predict_labels(["rude staff"]) == [[("service", "staff")]]
    report = cross_validate_model(FeedbackClassifier(analyzer=str.split, cv=2), texts, y, groups=reviews, cv=3)
    assert report.n_rows == 20 and report.extra["cv_folds"] == 3


def test_explain_labels_refuses_a_label_matrix_of_another_shape():
    # two texts and a one-row matrix gave one explanation, silently
    from feedback_classifier.model.estimator import FeedbackClassifier

    texts = ["rude staff", "slow delivery", "rude and slow", "nice staff"] * 5
    y = [[("service", "staff")], [("delivery", None)], [("service", "staff"), ("delivery", None)],
         [("service", None)]] * 5
    clf = FeedbackClassifier(analyzer=str.split, cv=2).fit(texts, y)
    asked = np.ones((1, len(clf.classes_)), dtype=bool)
    with pytest.raises(ValueError, match=r"labels must have shape \(2, 3\) .* got \(1, 3\)"):
        clf.explain_labels(["rude staff", "slow delivery"], asked)
    assert len(clf.explain_labels(["rude staff", "slow delivery"], np.vstack([asked, asked]))) == 2


def test_drivers_result_level_and_segments_wide_refuse_a_typo():
    # level("child") gave an empty table, silently; segments_wide("impct") a bare KeyError
    df = pd.DataFrame({"nps": [10, 2, 9, 1], "categories": ["", "Price > Too expensive", "", "Price"],
                       "region": ["N", "N", "S", "S"]})
    result = compute_drivers(df, score_col="nps", by="region", n_boot=0, min_n=1)
    with pytest.raises(ValueError, match="Unknown level 'child': use one of 'parent', 'category'"):
        result.level("child")
    with pytest.raises(ValueError, match="Unknown level 'children'"):
        result.segments_wide("impact", level="children")
    with pytest.raises(ValueError, match="Unknown value 'impct'"):
        result.segments_wide("impct")
    assert result.level("category")["category"].tolist() == ["Price", "Price > Too expensive"]  # a tie: name order
    assert result.segments_wide("share", level="parent").columns.tolist() == ["level", "category", "N", "S"]


def test_taxonomy_says_what_is_wrong_with_a_label_that_is_not_a_pair_or_not_text():
    # tax.display_name("food") said "'food' is not a category ... Closest: 'food'"; parse_label(None)
    # raised AttributeError; infer_taxonomy("Food > Taste") read the string's characters as cells
    from feedback_classifier.errors import LabelError
    from feedback_classifier.taxonomy import infer_taxonomy, load_taxonomy

    tax = load_taxonomy("cx-default")
    with pytest.raises(LabelError, match=r"'price' is text, not a label: .* such as \('price', None\)"):
        tax.display_name("price")
    with pytest.raises(LabelError, match=r"'Price' is text, not a label: .* such as \('parent_id', None\)"):
        tax.short_name("Price")
    with pytest.raises(LabelError, match="Malformed label 'None' in row 3: it is not text"):
        tax.parse_label(None, row=3)
    assert tax.children("price")[0] == ("price", "too_expensive")
    with pytest.raises(TypeError, match=r"not one string: pass \['Food > Taste'\]"):
        infer_taxonomy("Food > Taste")
    assert infer_taxonomy(["Food > Taste"]).labels == [("food", None), ("food", "taste")]


def test_save_model_of_a_sentiment_model_says_what_it_saves(tmp_path):
    # AttributeError: 'AspectSentiment' object has no attribute 'taxonomy_'
    from feedback_classifier.model.estimator import FeedbackClassifier
    from feedback_classifier.model.persist import load_model, save_model
    from feedback_classifier.model.sentiment import AspectSentiment

    sentiment = AspectSentiment().fit(["good food", "bad food"] * 3, ["x"] * 6, ["positive", "negative"] * 3)
    with pytest.raises(TypeError, match="save_model saves a FeedbackClassifier .* got AspectSentiment"):
        save_model(sentiment, tmp_path / "s.fcmodel")
    clf = FeedbackClassifier(cv=2).fit(["good food", "rude staff"] * 4, [[("food", None)], [("staff", None)]] * 4)
    clf.sentiment_ = sentiment  # the way the message gives
    loaded = load_model(save_model(clf, tmp_path / "m.fcmodel"))
    assert loaded.sentiment_.predict(["bad food"], ["x"]) == ["negative"]


def test_classify_file_takes_a_model_path_or_none_as_analyze_does(tmp_path):
    # model=None or a model file's path raised AttributeError: 'str' object has no attribute 'classes_'
    from feedback_classifier.errors import ModelFileError
    from feedback_classifier.jobs.classify import classify_file
    from feedback_classifier.model.estimator import FeedbackClassifier
    from feedback_classifier.model.persist import save_model

    src = tmp_path / "in.csv"
    pd.DataFrame({"comment": ["The courier was late", "rude staff"]}).to_csv(src, index=False)
    classify_file(src, tmp_path / "default.csv", text_col="comment", sentiment=False)
    assert pd.read_csv(tmp_path / "default.csv")["categories"].iloc[0].startswith("Delivery and logistics")
    clf = FeedbackClassifier(cv=2).fit(["late courier", "rude staff"] * 4, [[("delivery", None)], [("staff", None)]] * 4)
    path = save_model(clf, tmp_path / "m.fcmodel")
    classify_file(src, tmp_path / "own.csv", model=str(path), text_col="comment", sentiment=False)
    assert pd.read_csv(tmp_path / "own.csv")["categories"].tolist() == ["delivery", "staff"]
    with pytest.raises(ModelFileError, match="model file not found"):
        classify_file(src, tmp_path / "x.csv", model=tmp_path / "missing.fcmodel", text_col="comment")


def test_evaluate_predictions_says_to_pass_predict_labels_not_predict():
    # clf.predict(X)'s 0/1 matrix raised "cannot unpack non-iterable numpy.int64 object", label cells
    # "too many values to unpack (expected 2)"
    from feedback_classifier.errors import LabelError
    from feedback_classifier.model.evaluation import evaluate_predictions

    gold = [[("food", None)], [("service", "staff")]]
    with pytest.raises(LabelError, match=r"y_pred row 1: np.int64\(1\) is not a .* pass predict_labels\(X\)"):
        evaluate_predictions(gold, np.array([[1, 0], [0, 1]]))
    with pytest.raises(LabelError, match="y_true row 1: 'Food' is not a"):
        evaluate_predictions([["Food"], []], gold)
    assert evaluate_predictions(gold, [[("food", None)], None]).path_micro_f1 == pytest.approx(2 / 3)


def test_drivers_accumulator_names_a_column_a_chunk_lacks():
    # a bare KeyError: 'nps'
    from feedback_classifier.errors import MissingColumnError
    from feedback_classifier.insights.accumulator import DriversAccumulator

    acc = DriversAccumulator(["categories", "nps"], score_col="nps")
    acc.add(pd.DataFrame({"categories": ["Price"], "nps": ["3"]}))
    with pytest.raises(MissingColumnError, match="no column 'nps'; the file has columns: 'categories', 'NPS'"):
        acc.add(pd.DataFrame({"categories": ["Price"], "NPS": ["3"]}))


def test_fit_on_a_labels_column_of_cells_says_to_parse_them():
    # fit(df.text, df.labels) made one flat class per distinct cell ('class_food_taste_service'), silently
    from feedback_classifier.errors import LabelError
    from feedback_classifier.model.estimator import FeedbackClassifier

    df = pd.DataFrame({"text": ["tasty food", "rude staff"] * 4, "labels": ["Food > Taste; Service", "Service"] * 4})
    with pytest.raises(LabelError, match=r"Row 1: y holds the label cell 'Food > Taste; Service'; parse label cells"):
        FeedbackClassifier(cv=2).fit(df["text"], df["labels"])
    flat = FeedbackClassifier(analyzer=str.split, cv=2).fit(df["text"], ["food", "service"] * 4)  # class values
    assert flat.classes_ == [("food", None), ("service", None)]


def test_route_takes_a_taxonomy_name_and_one_keep_column_as_a_string():
    # route(df, "cx-default") raised AttributeError: 'str' object has no attribute 'parse_labels' (compute_drivers
    # takes a name); keep="id" looked for columns 'i' and 'd'; load_taxonomy(None) a TypeError about os.fspath
    from feedback_classifier.insights.routing import route
    from feedback_classifier.taxonomy import load_taxonomy

    df = pd.DataFrame({"id": ["r1"], "comment": ["Late and charged twice"], "nps": [2],
                       "categories": ["Delivery and logistics > Delivery time; Payment and billing > Billing errors"]})
    result = route(df, "cx-default", text_col="comment", score_col="nps", keep="id")
    assert result.queues["Logistics"]["id"].tolist() == ["r1"]
    with pytest.raises(TypeError, match="load_taxonomy takes a bundled name .* got NoneType"):
        load_taxonomy(None)


def test_route_file_and_analyze_take_one_keep_column_as_a_string(tmp_path):
    # keep="region": "no column 'r'"
    from feedback_classifier.jobs import analyze, route_file

    src = tmp_path / "survey.csv"
    pd.DataFrame({"region": ["N", "S"], "nps": [2, 9], "comment": ["The courier was late", "Too expensive"]}).to_csv(
        src, index=False)
    routed = route_file(src, text_col="comment", score_col="nps", out_dir=tmp_path / "q", keep="region")
    assert "region" in pd.read_csv(routed.paths["Logistics"], encoding="utf-8-sig").columns
    analyze(src, text_col="comment", score_col="nps", out_dir=tmp_path / "out", n_boot=10, keep="region")
    assert "region" in pd.read_csv(tmp_path / "out" / "queues" / "logistics.csv", encoding="utf-8-sig").columns


@pytest.mark.parametrize("margin", [-1, 5, float("nan")])
def test_enrich_refuses_a_review_margin_outside_0_to_1(margin):
    # -1 flagged no comment for review, 5 every one, without a word (the CLI refuses them)
    from feedback_classifier.model.default import default_model
    from feedback_classifier.model.enrichment import enrich

    with pytest.raises(ValueError, match="review_margin must be between 0 and 1"):
        enrich(pd.DataFrame({"comment": ["The courier was late"]}), default_model(), "comment", review_margin=margin)


def test_text_analyzer_refuses_an_unknown_language_and_one_string_for_many():
    # TextAnalyzer(lang="de") analysed every comment without a word; analyze_texts("ok") gave [['o'], ['k']]
    from feedback_classifier.lang import TextAnalyzer, analyze_texts

    with pytest.raises(ValueError, match="unknown language 'de'"):
        TextAnalyzer(lang="de")
    with pytest.raises(TypeError, match=r"not one string: pass \['no issues'\]"):
        analyze_texts("no issues")
    assert analyze_texts(("no issues",)) == [["no", "not_issue"]]
    assert TextAnalyzer(lang="ru")("не вкусно") == ["не", "не_вкусно"]


def test_a_repeated_column_name_or_one_column_in_two_roles_is_one_line():
    # a DataFrame naming 'nps' twice: pandas' "Cannot construct a Series from a DataFrame" (compute_drivers),
    # "Buffer has wrong number of dimensions" (enrich); by=categories_col ran with a segment per category cell
    from feedback_classifier.errors import InputFileError
    from feedback_classifier.model.default import default_model
    from feedback_classifier.model.enrichment import enrich

    twice = pd.DataFrame([[9, "Price", 3]], columns=["nps", "categories", "nps"])
    with pytest.raises(InputFileError, match="more than one column is named 'nps'; rename the copies"):
        compute_drivers(twice, score_col="nps")
    with pytest.raises(InputFileError, match="more than one column is named 'comment'"):
        enrich(pd.DataFrame([["late courier", "x"]], columns=["comment", "comment"]), default_model(), "comment")
    df = pd.DataFrame({"nps": [9, 3], "categories": ["Price", ""], "n": [1, 2]})
    with pytest.raises(InputFileError, match="categories_col and by both name the column 'categories'"):
        compute_drivers(df, score_col="nps", by="categories")
    assert len(compute_drivers(df.rename(columns={"n": "nps2"}), score_col="nps", min_n=1, n_boot=0).table) == 2


def test_enrich_keeps_what_read_table_noted_so_write_table_writes_the_input_back_as_it_was(tmp_path):
    # enrich dropped df.attrs: a ';' export came back ',' separated (one column in Russian Excel) and a
    # repeated header name as the reader's 'Q1.1', unlike classify_file's output
    from feedback_classifier.model.default import default_model
    from feedback_classifier.model.enrichment import enrich
    from feedback_classifier.tableio import read_table, write_table

    src = tmp_path / "export.csv"
    src.write_bytes("id;Q1;Q1;nps\n1;Курьер опоздал;x;3\n".encode("cp1251"))
    out = enrich(read_table(src), default_model(), "Q1", lang="ru")
    header = write_table(out, tmp_path / "out.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.startswith("id;Q1;Q1;nps;categories;")


def test_route_file_reports_the_language_it_used(tmp_path):
    from feedback_classifier.jobs import route_file

    src = tmp_path / "survey.csv"
    pd.DataFrame({"nps": [2], "comment": ["The courier was late"]}).to_csv(src, index=False)
    assert route_file(src, text_col="comment", out_dir=tmp_path / "q", lang="RU").lang == "ru"  # was 'RU'


def test_classifier_takes_a_taxonomy_name():
    # FeedbackClassifier("cx-default") raised AttributeError: 'str' object has no attribute 'labels' in fit
    from feedback_classifier.model.estimator import FeedbackClassifier

    clf = FeedbackClassifier("cx-default", analyzer=str.split, cv=2)
    clf.fit(["rude staff", "slow delivery"] * 4, [[("service", "staff_politeness")], [("delivery", None)]] * 4)
    assert clf.taxonomy == "cx-default" and clf.taxonomy_.name == "cx-default"  # the parameter stays as given
    assert clf.predict_labels(["rude staff"]) == [[("service", "staff_politeness")]]


def test_train_file_refuses_an_unknown_teacher(tmp_path):
    # teacher="bert" trained and saved a model without any teacher, without a word
    from feedback_classifier.jobs import train_file

    src = tmp_path / "labels.csv"
    pd.DataFrame({"text": ["rude staff", "slow delivery"] * 4, "labels": ["Service", "Delivery"] * 4}).to_csv(
        src, index=False)
    with pytest.raises(ValueError, match="teacher must be one of none, e5, minilm, not 'bert'"):
        train_file(src, tmp_path / "m.fcmodel", cv=0, teacher="bert")
    with pytest.raises(ValueError, match="unlabelled comments are read by teacher='minilm' or with unlabelled_score_col"):
        train_file(src, tmp_path / "m.fcmodel", cv=0, unlabelled=src)  # the comments were never read
    assert not (tmp_path / "m.fcmodel").exists()


def test_a_missing_label_list_is_named_by_its_row_as_other_label_errors_are():
    # "y contains NaN at row 0": 0-based, unlike "Row 1: label ..." and every other message
    from feedback_classifier.model.estimator import FeedbackClassifier

    y = pd.Series([["x"], np.nan], index=[10, 11]).map(lambda v: [("x", None)] if isinstance(v, list) else v)
    with pytest.raises(ValueError, match=r"Row 2: y contains NaN; give \[\] for a text without labels"):
        FeedbackClassifier(analyzer=str.split, cv=2).fit(["good", "bad"], y)


def test_train_names_the_row_of_a_malformed_label(tmp_path):
    # "Malformed label 'Food > > Taste' in row 1" for the file's second data row: infer_taxonomy counted from 0
    from typer.testing import CliRunner

    from feedback_classifier.cli import app

    src = tmp_path / "labels.csv"
    src.write_text("text,labels\ntasty,Food\nbland,Food > > Taste\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["train", str(src), "--out", str(tmp_path / "m.fcmodel")])
    assert result.exit_code == 1 and "Malformed label 'Food > > Taste' in row 2, column 'labels'" in result.output


def test_suggest_names_the_row_of_a_malformed_label_as_the_labels_file_counts_it(tmp_path):
    # "in row 1" for the third data row: empty and skipped rows were dropped and the rest counted from 0
    from typer.testing import CliRunner

    from feedback_classifier.cli import app

    labels = tmp_path / "labels.csv"
    labels.write_text("text,labels,status\ntasty,Food,labelled\nmeh,Food,skipped\nbland,A > B > C,labelled\n",
                      encoding="utf-8")
    result = CliRunner().invoke(app, ["suggest", str(labels), "--text-col", "text", "--labelled", str(labels),
                                      "--labels-col", "labels", "--n", "1", "--out", str(tmp_path / "s.csv")])
    assert result.exit_code == 1, result.output
    assert "Malformed label 'A > B > C' in row 3, column 'labels'" in result.output


def test_library_settings_mistakes_raise_the_projects_one_line_errors_as_analyze_does(tmp_path):
    # classify_file(jobs=0) and drivers_file(polarity="neg") raised plain ValueError (analyze raises
    # InputFileError for the same mistakes), train_file(jobs=0) was accepted, parse_scores(None) returned
    # no rows, train_file(sign_key="str") trained and then raised hmac's TypeError
    from feedback_classifier.errors import FeedbackClassifierError, InputFileError, ModelFileError, ScoreError
    from feedback_classifier.insights.scores import ScoreSpec, parse_scores
    from feedback_classifier.jobs import analyze
    from feedback_classifier.jobs.classify import classify_file
    from feedback_classifier.jobs.drivers import drivers_file
    from feedback_classifier.jobs.train import train_file

    src, labelled = tmp_path / "s.csv", tmp_path / "l.csv"
    pd.DataFrame({"comment": ["late courier", "rude staff"], "nps": [1, 9],
                  "categories": ["Delivery", ""], "category_sentiment": ["Delivery=negative", ""]}).to_csv(src, index=False)
    pd.DataFrame({"text": ["late courier", "rude staff"] * 6,
                  "labels": ["Delivery", "Service > Staff"] * 6}).to_csv(labelled, index=False)
    mistakes = [
        (lambda: analyze(src, text_col="comment", out_dir=tmp_path / "o", jobs=0), InputFileError, "--jobs must be"),
        (lambda: classify_file(src, tmp_path / "c.csv", text_col="comment", jobs=0), InputFileError, "--jobs must be"),
        (lambda: classify_file(src, tmp_path / "c.csv", text_col="comment", chunksize=0), InputFileError,
         "--chunksize must be"),
        (lambda: classify_file(src, tmp_path / "c.csv", text_col="comment", categories_col="categories",
                               sentiment=False), InputFileError, "only adds sentiment"),
        (lambda: drivers_file(src, score_col="nps", polarity="neg"), InputFileError,
         "--polarity must be one of negative, positive, neutral, got 'neg'"),
        (lambda: train_file(labelled, tmp_path / "m.fcmodel", cv=0, jobs=0), InputFileError, "--jobs must be"),
        (lambda: train_file(labelled, tmp_path / "m.fcmodel", cv=0, teacher="bert"), InputFileError, "teacher must"),
        (lambda: train_file(labelled, tmp_path / "m.fcmodel", cv=0, sign_key="keys/model.key"), ModelFileError,
         "the signing key must be bytes, got a str"),
        (lambda: parse_scores(None, ScoreSpec.make("nps"), column="nps"), ScoreError, "Column 'nps': no scores given"),
    ]
    for call, error, fragment in mistakes:
        with pytest.raises(error, match=fragment) as caught:
            call()
        assert isinstance(caught.value, (FeedbackClassifierError, ValueError)) and "\n" not in str(caught.value)
    assert not (tmp_path / "m.fcmodel").exists()  # refused before training, not after
    assert parse_scores([], ScoreSpec.make("nps")).issues.n_rows == 0  # an empty column is still no rows
