"""taxonomy infer: build a taxonomy file from the labels of a data file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from feedback_classifier.tableio import DEFAULT_READ, ReadOptions


@dataclass
class InferredTaxonomy:
    """What :func:`infer_taxonomy_file` wrote."""

    taxonomy: Any
    path: Path
    rows: int
    skipped: int = 0  # rows the label app marked skipped, left out
    bundled_match: str | None = None  # the bundled taxonomy every label already names, if any


def infer_taxonomy_file(
    data: str | Path,
    output: str | Path,
    *,
    labels_col: str = "labels",
    name: str | None = None,
    owner: str | None = None,
    read: ReadOptions = DEFAULT_READ,
) -> InferredTaxonomy:
    """Infer a taxonomy from the labels in ``data`` and write it to ``output`` (YAML).

    The file starts with a comment saying where it came from and what to edit next.
    ``name`` defaults to the output file's stem, ``owner`` to the "unassigned" team.
    ``read`` says how to read ``data`` (encoding, delimiter, sheet...). Rows the label app marked
    ``skipped`` are left out (``leave_out_skipped``).

    >>> import os, tempfile, pandas as pd
    >>> d = tempfile.mkdtemp()
    >>> src = os.path.join(d, "labelled.csv")
    >>> pd.DataFrame({"labels": ["Price > Too expensive", "Delivery; Price"]}).to_csv(src, index=False)
    >>> res = infer_taxonomy_file(src, os.path.join(d, "mine.yaml"))
    >>> res.taxonomy.name, len(res.taxonomy.parents), res.rows
    ('mine', 2, 2)
    """
    from feedback_classifier.jobs.labelbook import leave_out_skipped
    from feedback_classifier.tableio import require_columns, resolve_column
    from feedback_classifier.taxonomy import DEFAULT_OWNER, infer_taxonomy

    from feedback_classifier.tableio.atomic import refuse_standard_output

    refuse_standard_output(output, "--output", example="taxonomies/mine.yaml")
    data, output = Path(data), Path(output)
    df = read.table(data).reset_index(drop=True)
    labels_col = resolve_column(df, labels_col, source=data)
    require_columns(df, labels_col, source=data)
    if not len(df):
        from feedback_classifier.tableio.columns import header_only_error

        raise header_only_error(data, "no label to build a taxonomy from")
    kept, skipped = leave_out_skipped(df)
    cells = df[labels_col].where(df.index.isin(kept.index))  # blanked, not dropped: errors name the file's rows
    tax = infer_taxonomy(
        cells, name=name or output.stem, owner=owner or DEFAULT_OWNER, column=labels_col, source=str(data),
        first_row=1,
    )
    tax.dump(
        output,
        header=(
            f"Inferred by `feedback-classifier taxonomy infer` from {data.name} (column '{labels_col}').\n"
            "Next: set owner teams, translate the names, add descriptions and keywords;\n"
            f"then check it with `feedback-classifier taxonomy validate {output.name}`."
        ),
    )
    return InferredTaxonomy(tax, output, len(kept), skipped, _bundled_match(cells, data, labels_col))


def _bundled_match(cells, data: Path, labels_col: str) -> str | None:
    """The bundled taxonomy's name when every label is one of its categories, else None.

    Labels the label app or suggest wrote are cx-default names (in either language); a taxonomy
    inferred from them loses cx-default's teams, keywords and translations (every queue "unassigned").
    """
    import warnings

    from feedback_classifier.errors import InputWarning
    from feedback_classifier.jobs.labelbook import resolve_taxonomy
    from feedback_classifier.model.default import DEFAULT_TAXONOMY
    from feedback_classifier.taxonomy import bundled_taxonomy

    bundled = bundled_taxonomy(DEFAULT_TAXONOMY)
    with warnings.catch_warnings():  # inferring the taxonomy above warned about the cells already
        warnings.simplefilter("ignore", InputWarning)
        same = resolve_taxonomy(None, cells.dropna().tolist(), known=bundled, source=str(data),
                                column=labels_col) is bundled
    return DEFAULT_TAXONOMY if same else None
