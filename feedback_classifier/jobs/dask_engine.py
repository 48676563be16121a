"""Optional Dask engine: classify partitioned datasets on one machine or a cluster.

Needs the extra: ``pip install "feedback-classifier[dask]"``. Importing
``feedback_classifier`` never imports Dask; only the functions here do.

``enrich_dask`` adds exactly the columns of ``model.enrich`` to a Dask DataFrame,
partition by partition; ``classify_parquet_dataset`` is what ``feedback-classifier
classify --engine dask`` runs: a Parquet dataset (directory) in, a Parquet dataset out.
The model is sent to each worker once (scattered to a distributed cluster, otherwise a
single node of the task graph), never re-serialised per partition.
"""

from __future__ import annotations

import shutil
import time
import uuid
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from feedback_classifier.jobs.classify import ClassifySummary
from feedback_classifier.errors import InputFileError, MissingExtraError
from feedback_classifier.model import enrich

_INSTALL_HINT = 'pip install "feedback-classifier[dask]"'


def _import_dask():
    try:
        import dask
        import dask.dataframe as dd
    except ImportError as exc:
        raise MissingExtraError(
            f"The Dask engine needs Dask, which is not installed ({exc.name or exc}); "
            f"install it with: {_INSTALL_HINT}"
        ) from None
    return dask, dd


def _import_distributed():
    try:
        import distributed
    except ImportError as exc:
        raise MissingExtraError(
            f"Running on a Dask cluster needs dask.distributed, which is not installed ({exc.name or exc}); "
            f"install it with: {_INSTALL_HINT}"
        ) from None
    return distributed


def enrich_dask(
    ddf: Any,
    model: Any,
    text_col: str,
    *,
    lang: str = "en",
    probabilities: bool = False,
    explain: bool = False,
    review_margin: float = 0.05,
) -> Any:
    """Lazily enrich a Dask DataFrame with the columns ``model.enrich`` adds.

    Partitions keep their rows and order; compute or write the result as usual.
    When a ``distributed`` client is active the model is scattered to every worker once;
    otherwise it is one shared node of the task graph.

    >>> import dask.dataframe as dd, pandas as pd
    >>> from feedback_classifier.model.default import default_model
    >>> pdf = pd.DataFrame({"comment": ["The courier was two days late", "", "Too expensive"]})
    >>> out = enrich_dask(dd.from_pandas(pdf, npartitions=2), default_model(), "comment").compute()
    >>> out.columns.tolist()[:3], len(out)
    (['comment', 'categories', 'parent_categories'], 3)
    """
    dask, _dd = _import_dask()
    from feedback_classifier.tableio import require_columns

    require_columns(list(ddf.columns), [text_col], source="the Dask DataFrame")
    options = dict(lang=lang, probabilities=probabilities, explain=explain, review_margin=review_margin)
    # An empty partition through the real function gives the exact output columns and dtypes.
    meta = enrich(ddf._meta, model, text_col, **options)
    model_ref = _ship_model(dask, model)
    return ddf.map_partitions(_enrich_partition, model_ref, text_col, options, meta=meta)


def _enrich_partition(part: pd.DataFrame, model: Any, text_col: str, options: dict) -> pd.DataFrame:
    return enrich(part, model, text_col, **options)


def _ship_model(dask, model: Any):
    client = _current_client()
    if client is not None:
        # broadcast: every worker gets its copy up front instead of fetching it from a peer per task
        return client.scatter(model, broadcast=True, hash=False)
    return dask.delayed(model, pure=True)


def _current_client():
    try:
        from distributed import get_client
    except ImportError:
        return None
    try:
        return get_client()
    except ValueError:  # no client running: the local schedulers are used
        return None


def classify_parquet_dataset(
    input: str | Path,
    output: str | Path,
    *,
    model: Any,
    text_col: str,
    lang: str | None = None,
    probabilities: bool = False,
    explain: bool = False,
    review_margin: float = 0.05,
    scheduler: str | None = None,
    workers: int = 1,
) -> ClassifySummary:
    """Classify a Parquet dataset (a directory of files, or one file) into a Parquet directory.

    ``scheduler`` is a Dask scheduler address (``tcp://host:8786``); its workers need
    feedback-classifier installed and must see the input and output paths (shared disk or
    object store). Without one, a local cluster of ``workers`` processes (threads when 1)
    runs for the call. Input partitions become output part files in the same order; the
    output directory appears only when complete. A dataset on a cluster is not read ahead for
    its comments' language: category names are in ``lang``, English when None (``summary.lang_default``).

    >>> import tempfile, os, pandas as pd
    >>> from feedback_classifier.model.default import default_model
    >>> d = tempfile.mkdtemp()
    >>> pd.DataFrame({"comment": ["Support never answered", ""]}).to_parquet(os.path.join(d, "in.parquet"))
    >>> s = classify_parquet_dataset(os.path.join(d, "in.parquet"), os.path.join(d, "out"),
    ...                              model=default_model(), text_col="comment")
    >>> s.rows, len(pd.read_parquet(os.path.join(d, "out")))
    (2, 2)
    """
    dask, dd = _import_dask()
    distributed = _import_distributed()
    lang_default = lang is None
    lang = lang or "en"
    input, output = Path(input), Path(output)
    if scheduler is None and not input.exists():
        raise InputFileError(f"{input}: no such file or directory; give a Parquet file or a directory of Parquet files.")
    if output.exists() and not output.is_dir():
        raise InputFileError(f"{output}: exists and is not a directory; the Dask engine writes a Parquet directory.")
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")

    if scheduler is not None:
        cluster, client = None, distributed.Client(scheduler)
    else:
        cluster = distributed.LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=workers > 1,  # one worker: threads start instantly and skip inter-process copies
            dashboard_address=":0",  # any free port: a fixed one clashes with other local clusters
        )
        client = distributed.Client(cluster)
    try:
        start = time.perf_counter()
        try:
            ddf = dd.read_parquet(str(input))
        except (FileNotFoundError, ValueError, OSError) as exc:
            raise InputFileError(f"{input}: cannot read it as a Parquet dataset ({exc}).") from None
        enriched = enrich_dask(
            ddf, model, text_col, lang=lang, probabilities=probabilities, explain=explain, review_margin=review_margin
        )
        staging = output.with_name(f".{output.name}.tmp-{uuid.uuid4().hex[:8]}")
        write = enriched.to_parquet(str(staging), write_index=False, compute=False)
        stats = enriched.map_partitions(_partition_stats, meta=_STATS_META)
        try:
            # One compute: the enriched partitions feed both the files and the summary.
            _, stats_df = dask.compute(write, stats)
            _replace_dir(staging, output)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        elapsed = time.perf_counter() - start
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return replace(_summary(input, output, stats_df, elapsed, workers, lang), lang_given=not lang_default,
                   lang_default=lang_default)


_STATS_META = pd.DataFrame(
    {"rows": pd.Series([], dtype="int64"), "with_categories": pd.Series([], dtype="int64"),
     "needs_review": pd.Series([], dtype="int64"), "empty": pd.Series([], dtype="int64"),
     "counts": pd.Series([], dtype=object)}
)


def _partition_stats(part: pd.DataFrame) -> pd.DataFrame:
    cats = part["categories"].fillna("")
    counts: Counter = Counter()
    for cell in cats[cats != ""]:
        counts.update(p for p in cell.split("; ") if " > " in p)  # children; parents counted below
    for cell in part["parent_categories"].fillna(""):
        if cell:
            counts.update(cell.split("; "))
    return pd.DataFrame(
        {
            "rows": [len(part)],
            "with_categories": [int((cats != "").sum())],
            "needs_review": [int(part["needs_review"].sum())],
            "empty": [int(part["confidence"].isna().sum())],
            "counts": pd.Series([dict(counts)], dtype=object),
        }
    )


def _summary(input: Path, output: Path, stats: pd.DataFrame, elapsed: float, workers: int,
             lang: str) -> ClassifySummary:
    counts: Counter = Counter()
    for c in stats["counts"]:
        counts.update(c)
    return ClassifySummary(
        input=input,
        output=output,
        rows=int(stats["rows"].sum()),
        rows_with_categories=int(stats["with_categories"].sum()),
        needs_review=int(stats["needs_review"].sum()),
        empty_comments=int(stats["empty"].sum()),
        elapsed=elapsed,
        jobs=workers,
        category_counts=dict(sorted(counts.items(), key=lambda kv: -kv[1])),
        lang=lang,
    )


def _replace_dir(staging: Path, output: Path) -> None:
    """Swap the finished staging directory in; an old output is removed only after that works."""
    if output.exists():
        old = output.with_name(f".{output.name}.old-{uuid.uuid4().hex[:8]}")
        output.rename(old)
        staging.rename(output)
        shutil.rmtree(old, ignore_errors=True)
    else:
        staging.rename(output)


__all__ = ["MissingExtraError", "classify_parquet_dataset", "enrich_dask"]
