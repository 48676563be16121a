"""The labels file of the labelling loop: read it, match its rows to a pool, write it back atomically.

One row per decision: the comment (``text_col``), its labels in label syntax
(``Service > Staff; Price``; empty = the comment has no category), an optional id column,
``status`` (``labelled`` or ``skipped``) and ``labelled_at`` (UTC ISO time). Files made by
hand need only the text and labels columns. ``suggest``, ``audit`` and the label app share
this module, so "already labelled" means the same thing everywhere.
"""

from __future__ import annotations

import os
from collections import Counter
from itertools import islice
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from feedback_classifier.errors import InputFileError, InputWarning, LabelError, MissingColumnError, warn
from feedback_classifier.lang.normalization import text_key  # noqa: F401 - jobs import it from here
from feedback_classifier.tableio import is_empty_file, read_table, require_columns, write_table
from feedback_classifier.tableio.atomic import unwritable_error
from feedback_classifier.taxonomy import Label, Taxonomy, bundled_taxonomy, infer_taxonomy, load_taxonomy
from feedback_classifier.taxonomy.history import parse_cells
from feedback_classifier.taxonomy.labels import cell_items


def names_language(texts, taxonomy, lang: str | None = None, labelled=()) -> str:
    """The language the labelling loop names categories in (the label page, the labels it writes,
    ``suggested_labels``): ``lang`` when given, else the one the ``labelled`` cells (a labels
    file's) are written in, so that a file keeps one spelling of each category, else the comments'
    majority language when the taxonomy has names in it (every command decides it the same way),
    else its first language.

    >>> cx = load_taxonomy("cx-default")
    >>> names_language(["Курьер опоздал", "Всё отлично"], cx)
    'ru'
    >>> names_language(["Курьер опоздал", "Всё отлично"], cx, labelled=["Price and value", "", "Delivery"])
    'en'
    """
    from feedback_classifier.lang import majority_language

    if lang:
        return lang
    written = _written_language(labelled, taxonomy)
    if written:
        return written
    found = majority_language(texts)
    return found if found in taxonomy.languages else taxonomy.languages[0]


def _written_language(cells, taxonomy, limit: int = 200) -> str | None:
    """The language whose display names most of the first ``limit`` labels in ``cells`` are written in."""
    votes: Counter = Counter()
    for cell in islice((c for c in cells if isinstance(c, str) and c.strip()), limit):
        for item in cell_items(cell):
            written = " ".join(item.split()).casefold()
            try:
                label = taxonomy.parse_label(written)
            except LabelError:
                continue
            votes.update(code for code in taxonomy.languages
                         if taxonomy.display_name(label, code).casefold() == written)
    return votes.most_common(1)[0][0] if votes else None

STATUS_COL = "status"
TIME_COL = "labelled_at"
SKIPPED = "skipped"
LABELLED = "labelled"
REVIEWED = "reviewed"


def given_labels_column(columns, labels_col: str) -> str | None:
    """The column of a file to review (``label --review``) holding the labels it starts from, ticked on the
    page: ``labels_col``, else classify's ``categories`` (route's ``review`` queue, a classified export:
    the model's categories are what the reviewer checks), else None (no labels given).

    >>> given_labels_column(["row", "comment", "categories"], "labels"), given_labels_column(["comment"], "labels")
    ('categories', None)
    """
    return labels_col if labels_col in columns else "categories" if "categories" in columns else None


def check_given_labels(pool: pd.DataFrame, column: str | None, taxonomy: Taxonomy, source) -> None:
    """A ``LabelError`` naming the first cell of ``column`` (:func:`given_labels_column`) that ``taxonomy``
    cannot read, before the review starts: read as each comment is shown, one (a queue of another
    taxonomy's categories, ``--taxonomy`` left out) was a traceback in the terminal and a page that never drew."""
    if column is not None:
        for position, cell in enumerate(pool[column].tolist()):
            taxonomy.parse_labels(cell, row=position + 1, column=column, source=str(source))


@dataclass
class LabelBook:
    """Rows of a labels file: ``texts``/``labels`` of the labelled rows (not the skipped ones),
    and the keys of every decided row (labelled or skipped) by text and by id."""

    frame: pd.DataFrame
    texts: list[str] = field(default_factory=list)
    labels: list[list[Label]] = field(default_factory=list)
    text_keys: set = field(default_factory=set)
    ids: set = field(default_factory=set)

    def __len__(self) -> int:
        return len(self.texts)

    def decided(self, text, row_id=None) -> bool:
        """Whether a pool comment (its text, or its id) is already in the labels file."""
        return text_key(text) in self.text_keys or (row_id is not None and str(row_id) in self.ids)


def require_unique_ids(df: pd.DataFrame, text_col: str, id_col: str, source) -> None:
    """A ``LabelError`` when ``id_col`` gives one id to different comments: a comment decided under
    that id would count every other one as decided too, and they would silently never be shown
    (a spreadsheet that rounded long ids to ``5.70306E+17`` does this). Exact repeats of one
    comment under one id are fine.

    >>> df = pd.DataFrame({"id": ["5.7E+17", "5.7E+17", "b"], "text": ["Late", "Rude", "Late"]})
    >>> require_unique_ids(df, "text", "id", "pool.csv")
    Traceback (most recent call last):
    ...
    feedback_classifier.errors.LabelError: pool.csv: column 'id' gives one id to different comments ('5.7E+17' at rows 1 and 2; 1 id repeats), so labelling one would mark the others labelled too. Pass an --id-col with one id per comment, or leave --id-col out to match comments by text (ids shown like 5.70306E+17 were rounded by a spreadsheet: export them as text).
    """
    ids = df[id_col]
    have = ids.notna().to_numpy() & (ids.astype(str).str.strip() != "").to_numpy()
    if not have.any():
        return
    keys = pd.DataFrame({"id": ids[have].astype(str).to_numpy(), "key": df[text_col][have].map(text_key).to_numpy(),
                         "row": np.flatnonzero(have) + 1})
    distinct = keys.drop_duplicates(["id", "key"])
    clashing = distinct[distinct.duplicated("id", keep=False)]
    if clashing.empty:
        return
    first = clashing.iloc[0]["id"]
    rows = clashing[clashing["id"] == first]["row"].tolist()[:2]
    count = clashing["id"].nunique()
    raise LabelError(
        f"{source}: column '{id_col}' gives one id to different comments ('{first}' at rows {rows[0]} and "
        f"{rows[1]}; {count:,} {'id repeats' if count == 1 else 'ids repeat'}), so labelling one would mark the "
        "others labelled too. Pass an --id-col with one id per comment, or leave --id-col out to match comments "
        "by text (ids shown like 5.70306E+17 were rounded by a spreadsheet: export them as text).")


def resolve_taxonomy(taxonomy, cells: list | None = None, *, source: str = "labels",
                     known: Taxonomy | None = None, column: str = "labels") -> Taxonomy | None:
    """The taxonomy given (``Taxonomy``, bundled name or YAML path), else ``known`` when every
    non-empty label cell parses with it, else one inferred from those ``cells``, else ``None``.

    ``known`` is the taxonomy the loop starts from (the bundled cx-default): a few of its labels
    must keep its categories and model, not turn into a keyword-less taxonomy of their own. When
    some labels are its categories and one is a near miss of one (a typo: ``Prise``), an
    ``InputWarning`` names that cell: the switch to the labels' own categories changes the ranking
    and the label page.

    >>> resolve_taxonomy(None, ["Price"], known=load_taxonomy("cx-default")).name
    'cx-default'
    >>> resolve_taxonomy(None, ["Price", "Parking"], known=load_taxonomy("cx-default")).name
    'labels'
    """
    if taxonomy is not None:
        return taxonomy if isinstance(taxonomy, Taxonomy) else load_taxonomy(taxonomy)
    # one per row of the file (``None`` where it has no label), so an error names the row as the file counts it
    cells = [c if isinstance(c, str) and c.strip() else None for c in (cells or [])]
    if not any(cells):
        return None
    if known is not None:
        errors = {}  # the first row of each distinct cell known cannot read, and why
        for i, cell in enumerate(cells):
            if cell is not None and cell not in errors:
                try:
                    known.parse_labels(cell, row=i + 1, column=column, source=source)
                    errors[cell] = None
                except LabelError as exc:  # labels of the user's own categories, or a typo in one of known's
                    errors[cell] = exc
        if not any(errors.values()):
            return known
        # the first typo, wherever it is: a category of the user's own before it must not hide it
        typo = next((exc for cell, exc in errors.items() if exc is not None and _near_miss(known, cell)), None)
        if typo is not None and None in errors.values():
            warn(InputWarning(
                f"{str(typo).split('. Fix the cell')[0]}. So the categories are inferred from the labels "
                f"instead (no keywords, no bundled model): fix the cell to keep {known.name}'s, or pass "
                "--taxonomy."))
    return infer_taxonomy(cells, name="labels", column=column, source=source, first_row=1)


def warn_two_spellings(cells, *, source, column: str = "labels") -> None:
    """An ``InputWarning`` when a labels file names one category of the bundled cx-default two
    ways (``Delivery`` typed by hand, ``Delivery and logistics`` written by the label app) and is
    about to be read without ``--taxonomy``: a taxonomy inferred from the cells would make them
    two categories and split their examples. ``suggest`` and ``label`` read such a file as
    cx-default; ``train``, ``evaluate`` and ``audit`` need ``--taxonomy cx-default`` for that.

    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     warn_two_spellings(["Delivery", "Delivery and logistics", "Price"], source="labels.csv")
    >>> "'Delivery' and 'Delivery and logistics'" in str(w[0].message)
    True
    """
    from feedback_classifier.model.default import DEFAULT_TAXONOMY
    from feedback_classifier.taxonomy.labels import cell_items

    known = bundled_taxonomy(DEFAULT_TAXONOMY)
    spellings: dict = {}
    for cell in dict.fromkeys(c for c in cells if isinstance(c, str) and c.strip()):
        for item in cell_items(cell):
            try:
                label = known.parse_label(item.strip())
            except LabelError:
                return  # the user's own categories: nothing of cx-default's to split
            spellings.setdefault(label, {}).setdefault(item.strip().casefold(), item.strip())
    split = [list(names.values()) for names in spellings.values() if len(names) > 1]
    if split:
        warn(InputWarning(
            f"{source}: '{split[0][0]}' and '{split[0][1]}' in column '{column}' name the same {DEFAULT_TAXONOMY} "
            f"category ({len(split)} such), but read without --taxonomy they are two categories and their rows are "
            f"split: pass --taxonomy {DEFAULT_TAXONOMY} (as suggest and label read this file), or write one name."))


def _near_miss(known: Taxonomy, cell: str) -> bool:
    """Whether a label of ``cell`` that ``known`` lacks looks like a typo of one of its category names
    (``Prise``: ``Price``), not a category of the user's own (``Service > Staff``)."""
    import difflib

    from feedback_classifier.taxonomy.labels import cell_items

    names = {n.casefold() for lab in known.labels for code in known.languages
             for n in (known.display_name(lab, code), known.short_name(lab, code), lab[1] or lab[0])}
    for item in cell_items(cell):
        try:
            known.parse_label(item.strip())
        except LabelError:
            last = item.split(">")[-1].strip().casefold()
            if difflib.get_close_matches(last, names, n=1, cutoff=0.8):
                return True
    return False


def read_label_book(path, taxonomy: Taxonomy | None, *, text_col: str, labels_col: str = "labels",
                    id_col: str | None = None, known: Taxonomy | None = None) -> tuple[LabelBook, Taxonomy | None]:
    """Read a labels file; a missing or empty file is an empty book (a cold start).

    With ``taxonomy=None`` the taxonomy is ``known`` if every label is one of its categories,
    else inferred from the label cells (``None`` if there are none; ``resolve_taxonomy``).
    A label the taxonomy lacks is a ``LabelError`` naming row and column.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "labels.csv")
    >>> book, tax = read_label_book(p, None, text_col="comment")
    >>> len(book), tax
    (0, None)
    """
    path = Path(path)
    if not path.exists() or is_empty_file(path):
        return LabelBook(pd.DataFrame(columns=[text_col, labels_col])), resolve_taxonomy(taxonomy)
    df = read_table(path)
    try:
        require_columns(df, [text_col, labels_col] + ([id_col] if id_col else []), source=str(path))
    except MissingColumnError as exc:
        if id_col and {text_col, labels_col} <= set(df.columns):
            raise MissingColumnError(
                f"{exc} The labels file was written without ids (a session without --id-col): leave out --id-col "
                "to match its comments by text, or add the ids as a column of that name."
            ) from None
        # no option names the labels file's own columns: it shares the pool's names
        raise MissingColumnError(
            f"{exc} The labels file uses the pool's column names (--text-col, --labels-col, --id-col): "
            "rename its column, or pass the name both files use."
        ) from None
    df = leave_out_header_repeats(df, path)
    status = statuses(df, source=path)
    cells = df[labels_col].tolist()
    # skipped rows blanked, not dropped: a malformed label is named by its row in the file
    taxonomy = resolve_taxonomy(taxonomy, [None if s == SKIPPED else c for c, s in zip(cells, status)],
                                source=str(path), known=known, column=labels_col)
    book = LabelBook(df.reset_index(drop=True))
    blank = set(np.flatnonzero(_blank_texts(df, text_col, path, labels_col)).tolist())
    for i, (text, cell, st) in enumerate(zip(df[text_col].tolist(), cells, status)):
        book.text_keys.add(text_key(text))
        if id_col and not pd.isna(df[id_col].iloc[i]):
            book.ids.add(str(df[id_col].iloc[i]))
        if st == SKIPPED:
            continue
        if taxonomy is None or i in blank:  # only empty cells so far ("no category" rows), or no comment
            continue
        book.texts.append("" if pd.isna(text) else str(text))
        book.labels.append(taxonomy.parse_labels(cell, row=_row_of(df, i), column=labels_col, source=str(path)))
    return book, taxonomy


def leave_out_skipped(df: pd.DataFrame, source=None) -> tuple[pd.DataFrame, int]:
    """``(rows, skipped)``: the rows of a labels table that hold a decision (index kept) and how
    many the label app marked ``skipped`` were left out. A skipped comment was never labelled:
    its empty labels cell is no example of "no category" for train, evaluate, audit or taxonomy
    infer (``suggest`` and ``label`` still count it as decided, ``read_label_book``).

    >>> df = pd.DataFrame({"labels": ["Price", None, None], "status": ["labelled", "skipped", None]})
    >>> rows, skipped = leave_out_skipped(df)
    >>> rows.index.tolist(), skipped
    ([0, 2], 1)
    """
    if STATUS_COL not in df:
        return df, 0
    marked = np.array(statuses(df, source=source)) == SKIPPED
    return (df[~marked], int(marked.sum())) if marked.any() else (df, 0)


def statuses(df: pd.DataFrame, *, source=None) -> list[str]:
    """Each row's decision as the label app writes it (``labelled``, ``skipped``, ``reviewed``), read
    without case or surrounding spaces; a blank cell, or no status column, is ``labelled``. Any other
    value is read as ``labelled``, and with ``source`` said (an ``InputWarning`` naming its row).

    >>> statuses(pd.DataFrame({"status": [" Skipped ", None, "REVIEWED"]}))
    ['skipped', 'labelled', 'reviewed']
    """
    if STATUS_COL not in df:
        return [LABELLED] * len(df)
    out = [LABELLED if pd.isna(s) or not str(s).strip() else str(s).strip().lower() for s in df[STATUS_COL]]
    odd = [k for k, s in enumerate(out) if s not in (LABELLED, SKIPPED, REVIEWED)]
    if odd and source is not None:
        warn(InputWarning(
            f"{source}: {_rows(len(odd))} a '{STATUS_COL}' the label app does not write (first: row "
            f"{_row_of(df, odd[0])}, {df[STATUS_COL].iloc[odd[0]]!r}), read as {LABELLED}: write {LABELLED}, "
            f"{REVIEWED} or {SKIPPED}"))
    for k in odd:
        out[k] = LABELLED
    return out


def parsed_labels(taxonomy: Taxonomy, df: pd.DataFrame, text_col: str, labels_col: str, source) -> list:
    """Each row's labels cell parsed (an error names the file's row), and an ``InputWarning`` when one
    comment is in several rows with different labels: two annotators' batches joined by hand, or a
    comment labelled again, teach the model both answers for one text, silently."""
    rows = [_row_of(df, k) for k in range(len(df))]
    labels = parse_cells(taxonomy, df[labels_col].tolist(), rows, column=labels_col, source=str(source))
    first: dict = {}
    clashes: dict = {}
    for row, text, labs in zip(rows, df[text_col].tolist(), labels):
        key = text_key(text)
        if not key:
            continue
        given = set(labs) | {(p, None) for p, _ in labs}  # a child implies its parent
        seen_row, seen, seen_labs = first.setdefault(key, (row, given, labs))
        if seen != given and key not in clashes:
            clashes[key] = (seen_row, row, seen_labs, labs)
    if clashes:
        a, b, one, other = next(iter(clashes.values()))
        what = f"{len(clashes):,} comments are" if len(clashes) > 1 else "1 comment is"
        warn(InputWarning(
            f"{source}: {what} in several rows with different labels (first: rows {a} and {b}, "
            f"{taxonomy.format_labels(one)!r} and {taxonomy.format_labels(other)!r}): the "
            f"model learns both; keep one row per comment, or run audit to see which is right"))
    return labels


def leave_out_header_repeats(df: pd.DataFrame, source) -> pd.DataFrame:
    """The rows of a labels table but those repeating its column names (index kept), said with an
    ``InputWarning`` naming the first: labels files joined with ``cat`` or pasted one under another
    with their header rows taught a comment "comment" with a category "labels".

    >>> df = pd.DataFrame({"comment": ["late", "\ufeffComment "], "labels": ["Delivery", "labels"]})
    >>> import warnings; warnings.simplefilter("ignore")
    >>> leave_out_header_repeats(df, "l.csv").index.tolist()
    [0]
    """
    if df.empty or not len(df.columns):
        return df
    repeat = np.ones(len(df), dtype=bool)
    for name in df.columns:
        cells = df[name].astype(str).str.lstrip("\ufeff").str.strip().str.casefold()
        repeat &= cells.eq(str(name).lstrip("\ufeff").strip().casefold()).to_numpy()
    if not repeat.any():
        return df
    first = _row_of(df, int(np.flatnonzero(repeat)[0]))
    warn(InputWarning(
        f"{source}: {_rows(int(repeat.sum()))} the column names again (first: row {first}; files joined with "
        "their header rows?): left out, not read as a labelled comment"))
    return df[~repeat]


def leave_out_blank(df: pd.DataFrame, text_col: str, source, labels_col: str | None = None) -> pd.DataFrame:
    """The rows of a labels table that have a comment (index kept); the others are said (an
    ``InputWarning`` naming the first) and left out: an empty comment teaches nothing, and audit
    would rank it.

    >>> leave_out_blank(pd.DataFrame({"t": ["late", " ", None]}), "t", None).index.tolist()
    [0]
    """
    blank = _blank_texts(df, text_col, source, labels_col)
    return df[~blank] if blank.any() else df


def _blank(values: pd.Series) -> np.ndarray:
    return (values.isna() | values.astype(str).str.strip().eq("")).to_numpy()


def _blank_texts(df: pd.DataFrame, text_col: str, source, labels_col: str | None = None) -> np.ndarray:
    """Which rows have no comment; said in an ``InputWarning`` naming the first of them that has a label
    (rows with neither, an export's empty lines, are said apart: nothing of theirs is lost)."""
    blank = _blank(df[text_col])
    if not blank.any() or source is None:
        return blank
    labelled = blank & ~_blank(df[labels_col]) if labels_col in df.columns else blank
    if labelled.any():
        warn(InputWarning(
            f"{source}: {_rows(int(labelled.sum()))} labels but no comment in '{text_col}' (first: row "
            f"{_row_of(df, int(np.flatnonzero(labelled)[0]))}); left out: fill the comment in or delete the row"))
    if (blank & ~labelled).any():
        n = int((blank & ~labelled).sum())
        warn(InputWarning(
            f"{source}: {n:,} {'rows have' if n > 1 else 'row has'} neither a comment nor a label (first: row "
            f"{_row_of(df, int(np.flatnonzero(blank & ~labelled)[0]))}); left out"))
    return blank


def _rows(n: int) -> str:
    return f"{n:,} rows have" if n > 1 else "1 row has"


def _row_of(df: pd.DataFrame, position: int) -> int:
    """The 1-based file row of ``df``'s row at ``position`` (its index counts the file's rows from 0)."""
    index = df.index[position]
    return int(index) + 1 if isinstance(index, (int, np.integer)) else position + 1


def unlabelled_categories_note(taxonomy: Taxonomy, labels: list) -> list[str]:
    """A warning naming ``taxonomy``'s categories no row of ``labels`` has (a child counts for its
    parent): the model gives them a threshold it never reaches, so a new category of a taxonomy
    being refined was trained and then never came out, without a word.

    >>> tax = load_taxonomy("semeval-restaurants")
    >>> unlabelled_categories_note(tax, [[("food", "quality")]] * 3)[0][:62]
    'Warning: 16 of 18 categories of taxonomy semeval-restaurants h'
    """
    seen = {label for row in labels for label in row} | {(label[0], None) for row in labels for label in row}
    missing = [label for label in taxonomy.labels if label not in seen]
    if not missing:
        return []
    names = ", ".join(taxonomy.display_name(label) for label in missing[:8]) + (", ..." if len(missing) > 8 else "")
    return [f"Warning: {len(missing)} of {len(taxonomy.labels)} categories of taxonomy {taxonomy.name} have no "
            f"labelled comment, so the model never gives them: {names}. Label a few comments of each "
            "(suggest, label) or take them out of the taxonomy."]


FEW_LABELS = 10


def few_labels_note(taxonomy: Taxonomy, labels: list) -> list[str]:
    """A warning naming the categories fewer than ``FEW_LABELS`` rows of ``labels`` are labelled with
    (a child counts for its parent), with their counts: trained on 1, 2 and 5 labels of a category
    (and on 10), a SaaS taxonomy's model never gave it on 200 new comments, while ``train`` said
    nothing and its cross-validated micro-F1 stayed high, carried by the well-labelled categories.

    >>> tax = load_taxonomy("semeval-restaurants")
    >>> few_labels_note(tax, [[("food", "quality")]] * 12 + [[("service", "general")]] * 2)[0][:91]
    'Warning: 2 categories have fewer than 10 labelled comments, so the model seldom or never gi'
    """
    counts = Counter()
    for row in labels:
        counts.update(set(row) | {(label[0], None) for label in row})
    few = [(label, counts[label]) for label in taxonomy.labels if 0 < counts[label] < FEW_LABELS]
    if not few:
        return []
    names = ", ".join(f"{taxonomy.display_name(label)} ({n})" for label, n in few[:8]) + (", ..." if len(few) > 8 else "")
    return [f"Warning: {len(few)} {'categories have' if len(few) > 1 else 'category has'} fewer than {FEW_LABELS} "
            f"labelled comments, so the model seldom or never gives {'them' if len(few) > 1 else 'it'} and the "
            f"cross-validated figures say little about {'them' if len(few) > 1 else 'it'}: {names}. Label more "
            "comments of each (suggest, label) before relying on them."]


def skipped_note(path, skipped: int) -> str:
    """What a command says about the skipped rows ``leave_out_skipped`` left out of ``path``."""
    rows = "row" if skipped == 1 else "rows"
    return (f"Left out {skipped:,} {rows} of {path} whose '{STATUS_COL}' is '{SKIPPED}': comments skipped in the "
            "label app were not labelled, so they are not examples of 'no category'.")


def write_label_frame(df: pd.DataFrame, path) -> Path:
    """Write the whole labels table atomically (a crash leaves the old file or the new one), as
    its attrs say (``tableio.input_layout``: a ``;`` separated file stays one, so Excel in a
    Russian or European locale still opens it in columns; an XLSX file's dates and numbers keep their
    types: its cells are read as text and the session edits them as objects, which the writer's type
    restoring passes over)."""
    typed = df.astype("string")
    typed.attrs.update(df.attrs)
    return write_table(typed, path)


def check_writable(path: Path) -> None:
    """A one-line error when the labels file could not be written: its folder missing or read-only."""
    folder = path.absolute().parent
    if not folder.is_dir():
        raise InputFileError(f"{path}: the folder {folder} does not exist; create it, or choose another --labels path.")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise unwritable_error(path, PermissionError(13, "Permission denied"))


def file_signature(path) -> tuple | None:
    """What changes when a file is rewritten (a rename gives a new inode, an edit a new time or
    size); ``None`` when there is no file."""
    try:
        st = Path(path).stat()
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size
