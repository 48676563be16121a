"""QA sweep as a data scientist using the library in Jupyter and in a pipeline: pandas frames with
their own index, scikit-learn habits, warnings and errors a notebook can act on."""

import pandas as pd
import pytest


@pytest.mark.parametrize("ext", ["csv", "xlsx", "parquet", "jsonl"])
def test_write_table_keeps_a_named_index_as_columns(tmp_path, ext):
    # df.set_index("response_id") then write_table(enriched, ...) wrote the comments without their
    # ids, and a MultiIndex lost every level: values silently dropped
    from feedback_classifier.tableio import read_table, write_table

    df = pd.DataFrame({"comment": ["late", "rude"], "nps": ["3", "9"]},
                      index=pd.Index(["R1", "R2"], name="response_id"))
    back = read_table(write_table(df, tmp_path / f"one.{ext}"))
    assert back.columns.tolist() == ["response_id", "comment", "nps"]
    assert back["response_id"].tolist() == ["R1", "R2"]
    both = read_table(write_table(df.set_index("nps", append=True), tmp_path / f"two.{ext}"))
    assert both.columns.tolist() == ["response_id", "nps", "comment"]
    assert both[["response_id", "nps", "comment"]].values.tolist() == [["R1", "3", "late"], ["R2", "9", "rude"]]
    # an unnamed index is row positions, and a level also kept as a column is written once
    assert read_table(write_table(df.reset_index(drop=True), tmp_path / f"three.{ext}")).columns.tolist() == [
        "comment", "nps"]
    kept = df.reset_index().set_index("response_id", drop=False)
    assert read_table(write_table(kept, tmp_path / f"four.{ext}")).columns.tolist() == ["response_id", "comment", "nps"]


def test_save_and_load_a_model_through_a_file_object(tmp_path):
    # a pipeline keeping models in an object store saves to io.BytesIO: both raised
    # "TypeError: expected str, bytes or os.PathLike object, not BytesIO"
    import io

    from feedback_classifier.errors import ModelFileError
    from feedback_classifier.model import FeedbackClassifier, load_model, read_model_metadata, save_model

    texts = ["late courier", "rude staff", "courier late again", "staff rude again"] * 3
    clf = FeedbackClassifier(cv=2).fit(texts, [[("delivery", None)], [("service", None)]] * 6)
    buffer = io.BytesIO()
    assert save_model(clf, buffer, training_rows=12) is buffer
    buffer.seek(0)
    assert read_model_metadata(buffer)["training_rows"] == 12
    buffer.seek(0)
    assert load_model(buffer).predict_labels(texts) == clf.predict_labels(texts)
    assert load_model(io.BytesIO(buffer.getvalue())).predict_labels(texts) == clf.predict_labels(texts)
    path = tmp_path / "models with spaces" / "m.fcmodel"
    save_model(clf, path)
    with path.open("rb") as fh:
        assert load_model(fh).predict_labels(texts) == clf.predict_labels(texts)
    with path.open("r", encoding="latin-1") as fh, pytest.raises(ModelFileError, match="binary mode"):
        load_model(fh)
    with pytest.raises(ModelFileError, match="BytesIO given is not a feedback-classifier model file"):
        load_model(io.BytesIO(b"not a model"))


def test_input_warnings_point_at_the_callers_line_not_the_librarys(tmp_path):
    # every InputWarning was attributed to a line inside the package (enrichment.py, routing.py...):
    # Jupyter showed library source, and filterwarnings(module=...) of the user's own module missed it
    import warnings

    from feedback_classifier.errors import InputWarning
    from feedback_classifier.insights import route
    from feedback_classifier.model import default_model, enrich
    from feedback_classifier.tableio import read_table

    (tmp_path / "short.csv").write_text("id,comment\n1,late\n2\n", encoding="utf-8")
    df = pd.DataFrame({"comment": ["Der Kurier kam zu spät, sehr schlecht"], "categories": ["Price"], "row": [1]})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        read_table(tmp_path / "short.csv")
        enrich(df[["comment"]], default_model(), "comment")
        route(df, "cx-default", text_col="comment", keep=["row"])
    assert len(caught) == 3 and all(w.category is InputWarning for w in caught)
    assert {w.filename for w in caught} == {__file__}, [(w.filename, w.lineno) for w in caught]


def test_fit_takes_a_frame_of_indicator_columns_named_as_its_classes():
    # y = df[["staff", "delivery"]] (pd.get_dummies, a one-hot export) was iterated as its column
    # names: "X has 8 texts but y has 2 label lists", or a LabelError about a "label cell" when a
    # column was named "Service > Staff"
    from feedback_classifier.errors import LabelError
    from feedback_classifier.model import FeedbackClassifier

    texts = ["rude staff", "slow delivery", "rude and slow", "nice staff"] * 4
    onehot = pd.DataFrame({"staff": [1, 0, 1, 1] * 4, "delivery": [0, 1, 1, 0] * 4}, index=range(100, 116))
    for y in (onehot, onehot.astype(bool), onehot.astype("Int64")):
        clf = FeedbackClassifier(cv=2).fit(texts, y)
        assert clf.classes_ == [("staff", None), ("delivery", None)]
        assert clf.predict_labels(["rude staff"]) == [[("staff", None)]]
    gap = onehot.astype("Int64")
    gap.loc[102, "delivery"] = pd.NA
    with pytest.raises(LabelError, match=r"Row 3: y's column 'delivery' is missing"):
        FeedbackClassifier(cv=2).fit(texts, gap)
    with pytest.raises(LabelError, match=r"column 'labels' of y is not 0/1: .*parse_labels"):
        FeedbackClassifier(cv=2).fit(texts, pd.DataFrame({"labels": ["Service > Staff"] * 16}))


def test_readme_library_section_names_every_environment_variable_the_import_sets():
    # import feedback_classifier pins OMP_NUM_THREADS & co. for the whole process (a notebook's torch
    # imported after it ran on one thread), and only a code comment said so
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    init = (root / "feedback_classifier" / "__init__.py").read_text(encoding="utf-8")
    names = set(re.findall(r'"([A-Z_]+)"', init)) - {"USER_OMP_THREADS"}
    assert {"OMP_NUM_THREADS", "NUMPY_MADVISE_HUGEPAGE", "ARROW_DEFAULT_MEMORY_POOL", "SOURCE_DATE_EPOCH"} <= names
    library = (root / "README.md").read_text(encoding="utf-8").split("## Library", 1)[1].split("\n## ", 1)[0]
    assert [name for name in sorted(names) if f"`{name}" not in library] == []


def test_score_helpers_take_a_type_name_and_refuse_impossible_counts_in_one_line():
    # parse_scores(values, "nps") was "AttributeError: 'str' object has no attribute 'scale'",
    # wilson_interval(12, 10) "ValueError: math domain error", and nps_interval(-5, 3, 10) a number
    from feedback_classifier.errors import ScoreError
    from feedback_classifier.insights import ScoreSpec, nps_interval, parse_scores, wilson_interval

    by_name = parse_scores(pd.Series(["9", "x", "11"]), "nps", column="nps")
    by_spec = parse_scores(pd.Series(["9", "x", "11"]), ScoreSpec.make("nps"), column="nps")
    assert by_name.values[:1].tolist() == by_spec.values[:1].tolist() == [9.0]
    assert by_name.issues.counts() == by_spec.issues.counts()
    with pytest.raises(ScoreError, match=r"0 <= k <= n, got k=12, n=10"):
        wilson_interval(12, 10)
    with pytest.raises(ScoreError, match=r"0 <= k <= n, got k=-1, n=10"):
        wilson_interval(-1, 10)
    with pytest.raises(ScoreError, match="cannot be negative: promoters=-5"):
        nps_interval(-5, 3, 10)
    assert wilson_interval(0.3 + 0.6, 0.9)[0] == pytest.approx(1.0)  # float weights summed in another order


def test_fit_on_label_lists_that_are_all_empty_says_so():
    # was "TaxonomyError: Invalid taxonomy labels seen in training (1 problem): ... the taxonomy has no
    # categories; add a 'categories:' list": a YAML file the notebook never wrote
    from feedback_classifier.errors import LabelError
    from feedback_classifier.model import FeedbackClassifier

    with pytest.raises(LabelError, match="y has no labels: all 8 label lists are empty"):
        FeedbackClassifier(cv=2).fit(["late courier", "rude staff"] * 4, [[]] * 8)


def test_the_file_jobs_given_a_dataframe_say_what_takes_one(tmp_path):
    # analyze(df, ...), classify_file(df, ...), drivers_file(df, ...) and read_table(df) raised
    # pathlib's "TypeError: expected str, bytes or os.PathLike object, not DataFrame"
    from feedback_classifier.errors import ParameterError
    from feedback_classifier.jobs import analyze, classify_file, drivers_file, report_file
    from feedback_classifier.tableio import read_table

    df = pd.DataFrame({"comment": ["late"], "nps": [3]})
    calls = [lambda: analyze(df, text_col="comment", out_dir=tmp_path / "out"),
             lambda: classify_file(df, tmp_path / "out.csv", text_col="comment"),
             lambda: drivers_file(df, score_col="nps"),
             lambda: report_file(df, text_col="comment", out=tmp_path / "r.html"),
             lambda: read_table(df)]
    for call in calls:
        with pytest.raises(ParameterError, match=r"the input is a DataFrame, not a file path: .* use model\.enrich"):
            call()
    (tmp_path / "in.csv").write_text("comment\nlate\n", encoding="utf-8")
    with pytest.raises(TypeError, match="the output is a NoneType, not a file path"):
        classify_file(tmp_path / "in.csv", None, text_col="comment")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("margin", ["0.1", None, True, float("nan")])
def test_enrich_names_a_review_margin_that_is_not_a_number(margin):
    # review_margin="0.1" (a value read from a config file) was "TypeError: '<=' not supported
    # between instances of 'float' and 'str'"
    from feedback_classifier.errors import ParameterError
    from feedback_classifier.model import default_model, enrich

    with pytest.raises(ParameterError, match=r"review_margin must be between 0 and 1 \(a number; .*got"):
        enrich(pd.DataFrame({"comment": ["late"]}), default_model(), "comment", review_margin=margin)


def test_compute_drivers_with_a_polarity_counts_only_the_mentions_judged_so():
    # compute_drivers(enriched, polarity="negative") only titled the table "complaints only": every
    # mention was counted, praise included; polarity="neg" and a table without category_sentiment
    # passed without a word
    from feedback_classifier.errors import InputFileError, MissingColumnError
    from feedback_classifier.insights import compute_drivers
    from feedback_classifier.insights.polarity import categories_with_polarity

    df = pd.DataFrame({
        "nps": [2, 9, 3, 10, 1, 8] * 6,
        "categories": ["Price", "Price", "Delivery", "Delivery; Price", "Price; Delivery", ""] * 6,
        "category_sentiment": ["Price=negative", "Price=positive", "Delivery=negative",
                               "Delivery=positive; Price=positive", "Price=negative; Delivery=negative", ""] * 6,
    })
    got = compute_drivers(df, score_col="nps", polarity="negative", min_n=1, n_boot=50)
    complaints = df.assign(categories=categories_with_polarity(df["category_sentiment"], "negative"))
    expected = compute_drivers(complaints, score_col="nps", min_n=1, n_boot=50)
    columns = ["category", "mentions", "metric_with", "metric_without", "impact"]
    pd.testing.assert_frame_equal(got.level("parent")[columns], expected.level("parent")[columns])
    assert got.level("parent").set_index("category")["mentions"].to_dict() == {"Price": 12, "Delivery": 12}
    with pytest.raises(InputFileError, match="must be one of negative, positive, neutral, got 'neg'"):
        compute_drivers(df, score_col="nps", polarity="neg", min_n=1, n_boot=50)
    with pytest.raises(MissingColumnError, match="category_sentiment"):
        compute_drivers(df.drop(columns="category_sentiment"), score_col="nps", polarity="negative", min_n=1)


@pytest.mark.parametrize("setting, message", [
    ({"min_n": "5"}, "got min_n='5'"), ({"n_boot": "100"}, "got n_boot='100'"), ({"n_boot": 10.5}, "got n_boot=10.5"),
    ({"min_n": -1}, "got min_n=-1"), ({"seed": "x"}, "seed must be a whole number >= 0"),
])
def test_compute_drivers_names_a_count_setting_that_is_not_a_whole_number(setting, message):
    # min_n="5" and n_boot="100" (read from a config) were "TypeError: '<' not supported between
    # instances of 'str' and 'int'", n_boot=10.5 "'float' object is not iterable", seed="x" numpy's
    # SeedSequence TypeError
    from feedback_classifier.errors import ScoreError
    from feedback_classifier.insights import compute_drivers

    df = pd.DataFrame({"nps": [9, 2, 10, 3] * 5, "categories": ["", "Price", "", "Price"] * 5})
    with pytest.raises(ScoreError, match=message):
        compute_drivers(df, score_col="nps", **setting)


def test_route_queues_keep_the_input_index_labels(tmp_path):
    # every queue came back indexed 0, 1, 2...: a notebook routing a frame indexed by response id
    # could only map a queue row back through its 1-based position in the "row" column
    from feedback_classifier.insights import route, write_queues
    from feedback_classifier.tableio import read_table

    df = pd.DataFrame({"comment": ["Courier late", "Charged twice", "Courier rude and late"],
                       "nps": [3, 1, 0],
                       "categories": ["Delivery and logistics > Delivery time", "Payment and billing > Billing errors",
                                      "Delivery and logistics > Courier; Delivery and logistics > Delivery time"]},
                      index=pd.Index(["R7", "R3", "R9"], name="response_id"))
    result = route(df, "cx-default", text_col="comment", score_col="nps")
    logistics = result.queues["Logistics"]
    assert logistics.index.tolist() == ["R9", "R7"]  # most urgent first
    assert (df.loc[logistics.index, "comment"].tolist() == logistics["comment"].tolist())
    assert result.queues["Billing"].index.tolist() == ["R3"]
    write_queues(result, tmp_path, fmt="csv")
    assert read_table(tmp_path / "logistics.csv")["response_id"].tolist() == ["R9", "R7"]


def test_a_home_relative_path_is_the_home_folder_not_a_folder_named_tilde(tmp_path, monkeypatch):
    # a notebook has no shell to expand "~": read_table("~/exports/x.csv") was "file not found", and
    # save_model(clf, "~/models/m.fcmodel") wrote ./~/models/m.fcmodel in the working directory
    from feedback_classifier.model import FeedbackClassifier, load_model, save_model
    from feedback_classifier.tableio import read_table, write_table

    home, work = tmp_path / "home", tmp_path / "work"
    (home / "exports").mkdir(parents=True)
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    written = write_table(pd.DataFrame({"comment": ["late"]}), "~/exports/x.csv")
    assert written == home / "exports" / "x.csv" and written.exists()
    assert read_table("~/exports/x.csv")["comment"].tolist() == ["late"]
    clf = FeedbackClassifier(cv=2).fit(["late courier", "rude staff"] * 4, [[("delivery", None)], [("service", None)]] * 4)
    assert save_model(clf, "~/models/m.fcmodel") == home / "models" / "m.fcmodel"
    assert load_model("~/models/m.fcmodel").predict_labels(["late courier"]) == [[("delivery", None)]]
    assert not list(work.iterdir())


@pytest.mark.parametrize("examples", ["3", -1, 2.5])
def test_build_report_names_an_examples_count_that_is_not_one(examples):
    # examples="3" was "TypeError: '>=' not supported between instances of 'int' and 'str'" from the
    # quotes; examples=-1 drew a report with no quotes without a word
    from feedback_classifier.errors import ParameterError
    from feedback_classifier.render import build_report

    df = pd.DataFrame({"comment": ["too expensive"] * 4, "categories": ["Price and value > Too expensive"] * 4})
    with pytest.raises(ParameterError, match=f"examples must be a whole number .*got {examples!r}"):
        build_report(df, "cx-default", text_col="comment", examples=examples)


def test_models_fitted_in_threads_at_once_are_the_ones_fitted_one_by_one():
    # liblinear's shuffling draws from one generator shared by the process: models fitted in threads
    # at once (GridSearchCV under joblib's threading backend, a ThreadPoolExecutor) came out different
    # from the same fits one by one, and from run to run
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np

    from feedback_classifier.model import FeedbackClassifier

    rng = np.random.default_rng(0)
    words = [f"w{k}" for k in range(400)]
    topics = {"a": words[:60], "b": words[60:120], "c": words[120:180], "d": words[180:240]}
    texts, labels = [], []
    for _ in range(600):
        chosen = sorted(rng.choice(list(topics), size=rng.integers(1, 3), replace=False))
        bag = [w for t in chosen for w in rng.choice(topics[t], 4)] + list(rng.choice(words, 6))
        texts.append(" ".join(rng.permutation(bag)))
        labels.append([(t, None) for t in chosen])

    def fit(seed):
        return FeedbackClassifier(analyzer=str.split, cv=3, char_ngrams=None, word_vectors=0.0, prototype_prior=0.0,
                                  random_state=seed).fit(texts, labels).coef_

    alone = [fit(seed) for seed in range(4)]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(fit, range(4)))
    assert all(np.array_equal(a, b) for a, b in zip(alone, together))


def test_route_drivers_and_report_write_home_relative_outputs_in_the_home_folder(tmp_path, monkeypatch):
    # route_file(out_dir="~/queues"), drivers_file(out="~/d.csv", charts="~/charts") and
    # report_file(out="~/r.html") wrote into ./~ in the working directory (or refused: no folder "~")
    from feedback_classifier.jobs import drivers_file, report_file, route_file

    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    src = home / "survey.csv"
    pd.DataFrame({"nps": [2, 9, 3, 10] * 3, "comment": ["The courier was late", "Too expensive"] * 6,
                  "categories": ["Delivery and logistics > Delivery time", "Price and value"] * 6}).to_csv(src, index=False)
    routed = route_file("~/survey.csv", "~/queues", text_col="comment", score_col="nps")
    assert all(p.parent == home / "queues" for p in routed.paths.values())
    drivers_file("~/survey.csv", score_col="nps", categories_col="categories", n_boot=0, min_n=1,
                 out="~/d.csv", charts="~/charts")
    assert (home / "d.csv").exists() and list((home / "charts").iterdir())
    report_file("~/survey.csv", "~/r.html", text_col="comment", score_col="nps", lang="en")
    assert (home / "r.html").exists()
    assert not list(work.iterdir())
