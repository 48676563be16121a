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

