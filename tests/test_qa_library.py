"""Library-user QA: the estimator inside scikit-learn's tools, inputs a notebook passes, jobs' errors."""

from __future__ import annotations

import numpy as np
import pytest

from feedback_classifier.model import FeedbackClassifier

TEXTS = ["rude staff", "slow delivery", "rude and slow", "nice staff", "late courier", "cheap price"] * 6
Y = [[("service", "staff")], [("delivery", None)], [("service", "staff"), ("delivery", None)],
     [("service", None)], [("delivery", None)], [("price", None)]] * 6
GROUPS = [i // 3 for i in range(len(TEXTS))]


def test_cross_val_score_and_grid_search_score_label_lists_without_a_named_scorer():
    from sklearn.model_selection import GridSearchCV, GroupKFold, cross_val_score

    clf = FeedbackClassifier(analyzer=str.split, cv=2)
    scores = cross_val_score(clf, TEXTS, Y, groups=GROUPS, cv=GroupKFold(3))
    assert np.isfinite(scores).all() and (scores > 0.5).all()
    search = GridSearchCV(clf, {"C": [1.0, 4.0]}, cv=GroupKFold(2)).fit(TEXTS, Y, groups=GROUPS)
    assert np.isfinite(search.best_score_)
    fitted = FeedbackClassifier(analyzer=str.split, cv=2).fit(TEXTS, Y)
    assert fitted.score(TEXTS, Y) == pytest.approx(1.0)


def test_a_none_label_list_is_named_by_its_row():
    from feedback_classifier.errors import LabelError

    with pytest.raises(LabelError, match=r"Row 2: y has None for a label list; give \[\]"):
        FeedbackClassifier(analyzer=str.split, cv=2).fit(["good", "bad"], [[("x", None)], None])


def test_enrich_takes_a_model_path_or_none_as_classify_file_does(tmp_path):
    import pandas as pd

    from feedback_classifier.errors import ModelFileError
    from feedback_classifier.model import default_model, enrich, save_model

    df = pd.DataFrame({"comment": ["The courier was two days late", None]})
    expected = enrich(df, default_model(), "comment")
    pd.testing.assert_frame_equal(enrich(df, None, "comment"), expected)
    save_model(default_model(), tmp_path / "m.fcmodel")
    pd.testing.assert_frame_equal(enrich(df, tmp_path / "m.fcmodel", "comment"), expected)
    with pytest.raises(ModelFileError, match="model file not found"):  # was AttributeError: no 'predict_proba'
        enrich(df, str(tmp_path / "missing.fcmodel"), "comment")


@pytest.mark.parametrize(("params", "message"), [
    ({"Cc": 1.0}, r"params: 'Cc' is not a FeedbackClassifier parameter; did you mean 'C'\?"),
    ({"taxonomy": "cx-default"}, r"params: 'taxonomy' is not a FeedbackClassifier parameter \(pass taxonomy= to"),
])
def test_train_file_names_a_params_typo_before_reading_the_table(tmp_path, params, message):
    from feedback_classifier.errors import ParameterError
    from feedback_classifier.jobs import train_file

    # the data file does not exist: the params are checked first
    with pytest.raises(ParameterError, match=message):
        train_file(tmp_path / "labels.csv", tmp_path / "m.fcmodel", params=params)


@pytest.mark.parametrize("dump", ["pickle", "joblib"])
def test_load_model_of_a_users_own_pickle_says_so_and_how_to_make_a_model_file(tmp_path, dump):
    import pickle

    import joblib

    from feedback_classifier.errors import ModelFileError
    from feedback_classifier.model import load_model

    clf = FeedbackClassifier(analyzer=str.split, cv=2).fit(TEXTS, Y)
    path = tmp_path / "mine.pkl"
    if dump == "pickle":
        path.write_bytes(pickle.dumps(clf))
    else:
        joblib.dump(clf, path)
    for trusted in (False, True):  # was: "not a feedback-classifier model file ... feedback-classifier train"
        with pytest.raises(ModelFileError, match=r"is a pickle, not a feedback-classifier model file \(never unpickled\): a model you pickled yourself loads with pickle or joblib"):
            load_model(path, trusted=trusted)


@pytest.mark.parametrize(("params", "message"), [
    ({"C": 0}, r"^C must be a number > 0, got 0\.$"),
    ({"stacking_C": 0}, r"^stacking_C must be a number > 0"),  # was refused as LogisticRegression's 'C'
    ({"class_weight": "bal"}, r"^class_weight must be 'balanced', None or a dict"),
    ({"cv": "3"}, r"^cv must be a whole number >= 1, got '3'"),  # was TypeError '<' not supported
    ({"cv": 0}, r"^cv must be a whole number >= 1"),  # was fitted with in-sample calibration, silently
    ({"word_ngrams": 0}, r"^word_ngrams must be a whole number >= 1"),  # was fitted without word features
    ({"char_ngrams": (5, 2)}, r"^char_ngrams must be None or \(shortest, longest\)"),  # without char features
    ({"char_ngrams": 3}, r"^char_ngrams must be None or"),  # was TypeError: cannot unpack non-iterable int
    ({"nb_scaling": -1}, r"^nb_scaling must be a number >= 0"),
    ({"word_vectors": float("nan")}, r"^word_vectors must be a number >= 0, got nan"),
])
def test_fit_names_a_parameter_it_cannot_use(params, message):
    from feedback_classifier.errors import ParameterError

    with pytest.raises(ParameterError, match=message):
        FeedbackClassifier(analyzer=str.split, **params).fit(TEXTS, Y)


def test_parameter_values_at_their_limits_still_fit():
    clf = FeedbackClassifier(analyzer=str.split, cv=1, char_ngrams=None, nb_scaling=0, word_vectors=0,
                             class_weight=None, C=np.float32(1.5), word_ngrams=np.int64(1)).fit(TEXTS, Y)
    assert clf.predict_labels(["rude staff"]) == [[("service", "staff")]]


@pytest.mark.parametrize("top_k", [-1, 1.5, None])
def test_explain_refuses_a_top_k_that_is_not_a_count(top_k):
    from feedback_classifier.errors import ParameterError

    clf = FeedbackClassifier(analyzer=str.split, cv=2).fit(TEXTS, Y)
    asked = np.ones((1, len(clf.classes_)), dtype=bool)
    # -1 gave every label an empty list and 1.5 two words, silently; None a TypeError from inside
    for call in (lambda: clf.explain(["rude staff"], top_k=top_k),
                 lambda: clf.explain_labels(["rude staff"], asked, top_k=top_k)):
        with pytest.raises(ParameterError, match=r"top_k must be a whole number >= 0 \(words per label\)"):
            call()
    assert clf.explain(["rude staff"], top_k=np.int64(1)) == [{("service", "staff"): ["rude"]}]


def _scored_frame():
    import pandas as pd

    rng = np.random.default_rng(0)
    cells = ["Delivery and logistics > Courier", "Price and value > Too expensive", ""] * 40
    return pd.DataFrame({"comment": ["late courier", "too expensive", "ok"] * 40, "categories": cells,
                         "csat": rng.integers(1, 6, len(cells)), "nps": rng.integers(0, 11, len(cells))})


def test_build_report_reads_the_score_type_from_the_drivers_it_is_given():
    from feedback_classifier.insights import compute_drivers
    from feedback_classifier.render import build_report

    df = _scored_frame()
    drivers = compute_drivers(df, score_col="csat", score_type="csat", n_boot=50, min_n=5)
    page = build_report(df, "cx-default", text_col="comment", score_col="csat", drivers=drivers)
    # was headed "NPS is -100 ... run again with --score-type csat" over the CSAT drivers table
    assert "What drives CSAT" in page and "NPS is -100" not in page


def test_build_report_refuses_drivers_of_another_score_column_or_type():
    from feedback_classifier.errors import ScoreError
    from feedback_classifier.insights import compute_drivers
    from feedback_classifier.render import build_report

    df = _scored_frame()
    drivers = compute_drivers(df, score_col="nps", n_boot=50, min_n=5)
    with pytest.raises(ScoreError, match="drivers were computed on score column 'nps', not 'csat'"):
        build_report(df, "cx-default", text_col="comment", score_col="csat", score_type="csat", drivers=drivers)
    with pytest.raises(ScoreError, match="drivers were computed as nps .* the report is asked for csat"):
        build_report(df, "cx-default", text_col="comment", score_col="nps", score_type="csat", drivers=drivers)
    assert "What drives NPS" in build_report(df, "cx-default", text_col="comment", score_col="nps", drivers=drivers)


def test_build_report_takes_a_taxonomy_name_as_route_and_compute_drivers_do(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")  # one "Generated" time for both pages
    from feedback_classifier.render import build_report
    from feedback_classifier.taxonomy import load_taxonomy

    df = _scored_frame()
    by_name = build_report(df, "cx-default", text_col="comment", score_col="nps")  # was AttributeError: no 'labels'
    assert by_name == build_report(df, load_taxonomy("cx-default"), text_col="comment", score_col="nps")


def test_enrich_classifies_a_big_frame_in_chunks_with_the_same_output(monkeypatch):
    # 1M distinct comments in one piece held every comment's analysis at once: ~6 GB peak
    import pandas as pd

    from feedback_classifier.model import default_model, enrich
    from feedback_classifier.model import enrichment

    texts = ["The courier was late", None, "Too expensive", "", "Курьер опоздал, но цена отличная",
             "The courier was late", "asdfgh", "Great app, rude staff", 5, "Доставка быстрая"]
    df = pd.DataFrame({"comment": texts, "n": range(10)}, index=[9, 9, 3, 1, 0, 5, 6, 7, 8, 2])
    whole = enrich(df, default_model(), "comment", probabilities=True, explain=True)
    sizes = []
    classify = enrichment._classify_texts
    monkeypatch.setattr(enrichment, "_classify_texts", lambda column, *a: sizes.append(len(column)) or classify(column, *a))
    monkeypatch.setattr(enrichment, "_ENRICH_ROWS", 4)
    pd.testing.assert_frame_equal(enrich(df, default_model(), "comment", probabilities=True, explain=True), whole)
    assert sizes == [4, 4, 2]
    assert list(enrich(df.iloc[:0], default_model(), "comment").columns) == list(whole.columns[:8])


def test_periods_of_time_zone_aware_stamps_are_the_dates_they_show():
    # converted to UTC, a Moscow answer at 00:30 on 1 February was counted in January
    import pandas as pd

    from feedback_classifier.insights import compute_drivers

    stamps = pd.Series(pd.to_datetime(["2024-01-15 12:00", "2024-02-01 00:30", "2024-02-10 09:00"] * 20))
    df = pd.DataFrame({"nps": [9, 3, 10] * 20, "categories": ["Price", "", "Delivery"] * 20})
    for when in (stamps.dt.tz_localize("Europe/Moscow"),
                 stamps.dt.strftime("%Y-%m-%dT%H:%M:%S") + "+03:00"):  # the same as an export's text
        trend = compute_drivers(df.assign(when=when), score_col="nps", period_col="when", min_n=1, n_boot=20).trend
        rows = trend.drop_duplicates("period").set_index("period")["period_rows"].to_dict()
        assert rows == {"2024-01": 20, "2024-02": 40}


def test_fit_and_predict_of_none_say_to_pass_texts():
    clf = FeedbackClassifier(analyzer=str.split, cv=2)
    with pytest.raises(TypeError, match=r"^Pass a list of texts, not None\.$"):
        clf.fit(None, Y)
    clf.fit(TEXTS, Y)
    with pytest.raises(TypeError, match=r"^Pass a list of texts, not None\.$"):
        clf.predict_labels(None)
    with pytest.raises(TypeError, match=r"^Pass a list of texts, not a single string\.$"):
        clf.predict("rude staff")


def test_aspect_sentiment_names_an_unknown_polarity_with_the_project_s_label_error():
    # a plain ValueError, where every other unreadable label is a LabelError
    from feedback_classifier.errors import LabelError
    from feedback_classifier.model.sentiment import AspectSentiment

    with pytest.raises(LabelError, match="unknown polarity 'awful': use one of negative, neutral, positive"):
        AspectSentiment(analyzer=str.split).fit(["good", "bad"], ["x", "x"], ["positive", "awful"])
