"""The optional Dask engine (and the Spark recipe of docs/scaling.md when pyspark is present)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

import dask.dataframe as dd
from test_classify import SURVEY, _write_survey, real_model  # noqa: F401  (real_model is a fixture)

from feedback_classifier.jobs.classify import classify_file
from feedback_classifier.model.enrichment import enrich
from feedback_classifier.errors import FeedbackClassifierError, MissingColumnError

ROOT = Path(__file__).resolve().parents[1]
# dask's own parquet reader still uses reset_index(inplace=True), deprecated in pandas 3.1
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword:DeprecationWarning")


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=":0"
    ) as cluster, distributed.Client(cluster) as c:
        yield c


def _parquet_dataset(directory: Path, parts: int = 4) -> Path:
    directory.mkdir()
    size = len(SURVEY) // parts
    for i in range(parts):
        SURVEY.iloc[i * size : (i + 1) * size].to_parquet(directory / f"part.{i}.parquet", index=False)
    return directory


def test_enrich_dask_equals_the_pandas_path(client, real_model):
    from feedback_classifier.jobs.dask_engine import enrich_dask

    ddf = dd.from_pandas(SURVEY, npartitions=3)
    got = enrich_dask(ddf, real_model, "comment", probabilities=True, explain=True, lang="ru").compute()
    expected = enrich(SURVEY, real_model, "comment", probabilities=True, explain=True, lang="ru")
    assert got.columns.tolist() == expected.columns.tolist()
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_enrich_dask_sends_the_model_once_not_per_partition(client, real_model):
    from feedback_classifier.jobs.dask_engine import enrich_dask

    CountingModel.pickles = 0
    model = CountingModel(real_model)
    ddf = dd.from_pandas(SURVEY, npartitions=8)
    out = enrich_dask(ddf, model, "comment").compute()
    assert len(out) == len(SURVEY)
    assert CountingModel.pickles <= 2  # scatter/graph submission, not 8 partitions


class CountingModel:
    """Delegates to a real model and counts how often it is serialised."""

    pickles = 0

    def __init__(self, inner):
        self.inner = inner

    def __getattr__(self, name):
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)

    def __reduce__(self):
        CountingModel.pickles += 1
        return (CountingModel, (self.inner,))


def test_enrich_dask_missing_column_lists_columns(real_model):
    from feedback_classifier.jobs.dask_engine import enrich_dask

    with pytest.raises(MissingColumnError, match="'comment'"):
        enrich_dask(dd.from_pandas(SURVEY, npartitions=2), real_model, "text")


def test_parquet_dataset_in_and_out_match_classify_file(tmp_path, real_model):
    from feedback_classifier.jobs.dask_engine import classify_parquet_dataset

    src = _parquet_dataset(tmp_path / "in")
    summary = classify_parquet_dataset(src, tmp_path / "out", model=real_model, text_col="comment")
    got = pd.read_parquet(tmp_path / "out")

    single = tmp_path / "all.parquet"
    SURVEY.to_parquet(single, index=False)
    pandas_summary = classify_file(single, tmp_path / "all_out.parquet", model=real_model, text_col="comment")
    expected = pd.read_parquet(tmp_path / "all_out.parquet")
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    assert (summary.rows, summary.rows_with_categories, summary.needs_review, summary.empty_comments) == (
        pandas_summary.rows,
        pandas_summary.rows_with_categories,
        pandas_summary.needs_review,
        pandas_summary.empty_comments,
    )
    assert summary.category_counts == pandas_summary.category_counts
    # no staging directories are left next to the output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["all.parquet", "all_out.parquet", "in", "out"]


def test_parquet_dataset_already_classified_is_classified_again(tmp_path, real_model):
    # re-classifying a classified dataset (a new model, a nightly rerun) ended in pyarrow's ArrowInvalid
    # traceback: the replaced 'categories' column's meta was object, whose placeholder Arrow cannot type
    from feedback_classifier.jobs.dask_engine import classify_parquet_dataset

    src = tmp_path / "classified.parquet"
    SURVEY.assign(categories="old", sentiment="old").to_parquet(src, index=False)
    summary = classify_parquet_dataset(src, tmp_path / "out", model=real_model, text_col="comment")
    got = pd.read_parquet(tmp_path / "out")
    assert summary.rows == len(got) == len(SURVEY)
    assert "old" not in set(got["categories"]) | set(got["sentiment"])


def test_enrich_keeps_the_dtype_of_a_column_it_replaces(real_model):
    empty = pd.DataFrame({"comment": pd.Series([], dtype="string"), "categories": pd.Series([], dtype="string")})
    fresh = enrich(empty.drop(columns="categories"), real_model, "comment")
    assert enrich(empty, real_model, "comment")["categories"].dtype == fresh["categories"].dtype


def test_cli_engine_dask(tmp_path):
    from typer.testing import CliRunner

    from feedback_classifier.cli import app

    src = _parquet_dataset(tmp_path / "in")
    result = CliRunner().invoke(
        app, ["classify", str(src), "--text-col", "comment", "--out", str(tmp_path / "out"), "--engine", "dask"]
    )
    assert result.exit_code == 0, result.output
    assert "Classified 40 rows" in result.output
    assert len(pd.read_parquet(tmp_path / "out")) == 40
    # English by default, not read from the comments: the summary said "most comments are in it"
    assert "Category names in en (the default: the Dask engine does not read" in result.stdout
    assert "most comments are in it" not in result.stdout


def test_cli_engine_dask_speaks_the_chosen_language(tmp_path):
    # its summary said "Category names in en" and the often-missed names were English under --lang ru
    from typer.testing import CliRunner

    from feedback_classifier.cli import app

    src = _parquet_dataset(tmp_path / "in")
    result = CliRunner().invoke(app, ["classify", str(src), "--text-col", "comment", "--out", str(tmp_path / "out"),
                                      "--engine", "dask", "--lang", "ru"])
    assert result.exit_code == 0, result.output
    assert "Category names in ru" in result.stdout
    assert "Often missed" in result.stdout and "Price and value" not in result.stdout


def test_importing_the_package_does_not_import_dask():
    code = (
        "import sys, feedback_classifier, feedback_classifier.jobs.classify, feedback_classifier.cli; "
        "print(sorted(m for m in sys.modules if m == 'dask' or m.startswith('dask.') or m == 'distributed'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_missing_dask_tells_how_to_install(monkeypatch, real_model):
    from feedback_classifier.jobs.dask_engine import enrich_dask

    for name in [m for m in sys.modules if m == "dask" or m.startswith("dask.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "dask", None)  # makes `import dask` raise ImportError
    with pytest.raises(FeedbackClassifierError, match=re.escape('pip install "feedback-classifier[dask]"')):
        enrich_dask(object(), real_model, "comment")


# ---------------------------------------------------------------- Spark recipe from docs/scaling.md


def _spark_recipe() -> str:
    text = (ROOT / "docs" / "scaling.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- spark-recipe -->\s*```python\n(.*?)```", text, re.DOTALL)
    assert match, "docs/scaling.md lost its tested Spark recipe block"
    return match.group(1)


def test_spark_recipe_in_the_docs_is_valid_python():
    compile(_spark_recipe(), "docs/scaling.md", "exec")


def test_spark_recipe_runs(tmp_path, real_model):
    pytest.importorskip("pyspark")
    from pyspark.sql import SparkSession

    from feedback_classifier.model.persist import save_model

    model_path = tmp_path / "model.joblib"
    save_model(real_model, model_path)
    spark = SparkSession.builder.master("local[1]").appName("fc-test").getOrCreate()
    try:
        survey = SURVEY.fillna("")
        namespace = {"spark": spark, "sdf": spark.createDataFrame(survey), "MODEL_PATH": str(model_path)}
        exec(_spark_recipe(), namespace)
        got = namespace["classified"].toPandas()
    finally:
        spark.stop()
    expected = enrich(survey, real_model, "comment")
    assert got["categories"].tolist() == expected["categories"].tolist()
    assert got["needs_review"].tolist() == expected["needs_review"].tolist()


def test_spark_recipe_declares_every_column_enrich_adds(real_model):
    """Spark refuses a mapInPandas batch whose columns differ from its schema; the recipe (never run
    here without pyspark) declared four columns while enrich adds six (its two sentiment columns)."""
    declared = re.findall(r'StructField\("([^"]+)"', _spark_recipe())
    frame = pd.DataFrame({"comment": ["The courier was two days late"]})
    assert declared == enrich(frame, real_model, "comment").columns.tolist()[1:]
