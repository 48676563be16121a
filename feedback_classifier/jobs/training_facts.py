"""What a trained model was made from, for its file's header (``read_model_metadata(path)["training"]``)."""

from __future__ import annotations

import hashlib
import os
import unicodedata
from pathlib import Path


def training_facts(data, *, cv: int, embeddings: str, teacher: str, unlabelled=None, table=None, **columns) -> dict:
    """What a model was trained from, for its file's header: the labelled file's name and SHA-256 (a
    registry's models said their row count and scores, not which labels file or settings made them, so
    two monthly models could not be told apart by their data), the columns and settings given, and
    with ``table`` (the rows read) whether its taxonomy was inferred and :func:`content_sha256`.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "labels.csv")
    >>> _ = open(p, "w").write("text,labels\\n")
    >>> f = training_facts(p, cv=5, embeddings="none", teacher="none", text_col="text", group_col=None)
    >>> f["data"], f["data_sha256"][:12], f["cv"], "group_col" in f
    ('labels.csv', '44592d540b26', 5, False)
    """
    from feedback_classifier.tableio.columns import argv_text

    # names as typed: under an ASCII locale argv's Cyrillic is surrogates, which the header's UTF-8 cannot hold
    facts: dict = {}
    if isinstance(data, (str, os.PathLike)):  # a table passed in memory has no file to name or fingerprint
        facts["data"] = argv_text(Path(data).name)
        facts["data_sha256"] = file_sha256(data)
    facts.update({name: argv_text(value) for name, value in columns.items() if value is not None})
    facts.update(cv=int(cv), embeddings=embeddings, teacher=teacher,
                 taxonomy_inferred=bool(table is not None and table.taxonomy_inferred))
    if table is not None:
        facts["content_sha256"] = content_sha256(table.texts, table.labels)
    if isinstance(unlabelled, (str, os.PathLike)):
        facts["unlabelled"] = argv_text(Path(unlabelled).name)
    return facts


def file_sha256(path) -> str:
    """The SHA-256 of a file's bytes, read in blocks (a labels file can be larger than memory allows)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def content_sha256(texts, labels) -> str:
    """One SHA-256 of a labelled file's (comment, labels) rows, in any order, for ``evaluate`` to know
    the training rows again when Excel re-saved them (another encoding, separator, line endings, column
    order, extra columns), which change every byte. One hash of the whole, not one per row: a model
    file shared as data must not let anyone check whether a given comment was in its training file.

    >>> a = content_sha256(["Too  expensive", "Late"], [[("Price", None)], [("Delivery", "Time"), ("Delivery", None)]])
    >>> a == content_sha256(["Late ", "Too expensive"], [[("Delivery", None), ("Delivery", "Time")], [("Price", None)]])
    True
    >>> a == content_sha256(["Late", "Too expensive"], [[("Delivery", None)], [("Price", None)]])
    False
    """
    rows = sorted(hashlib.sha256(_row_key(text, labs)).digest() for text, labs in zip(texts, labels))
    digest = hashlib.sha256(b"feedback-classifier labelled rows 1\0")
    for row in rows:
        digest.update(row)
    return digest.hexdigest()


def _row_key(text, labels) -> bytes:
    # spreadsheets trim, re-wrap and re-normalise cells; a label's order in its cell is not content
    words = " ".join(unicodedata.normalize("NFC", str(text)).split())
    paths = sorted({" > ".join(part for part in label if part) for label in labels})
    return "\0".join([words, *paths]).encode("utf-8", "surrogatepass")

