"""Queue building blocks shared by :func:`insights.route` and the streaming router: which
team a row goes to, the columns a queue row carries, the urgency order and the output files.

Both routers write identical files because they share these and nothing else decides them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from feedback_classifier.errors import InputFileError
from feedback_classifier.insights.scores import ParsedScores, ScoreSpec

REVIEW_QUEUE = "review"
JUNK_QUEUE = "junk"
SUMMARY_NAME = "summary"
ROW_COLUMN = "row"
#: The columns a queue adds next to the kept ones (with the text and the score).
QUEUE_COLUMNS = (ROW_COLUMN, "categories", "confidence", "needs_review", "complaint")
_RESERVED_FILE_STEMS = {
    REVIEW_QUEUE,
    JUNK_QUEUE,
    SUMMARY_NAME,
    # Windows device names cannot be file names, whatever the extension.
    "con", "prn", "aux", "nul",
    *(f"com{i}" for i in range(1, 10)),
    *(f"lpt{i}" for i in range(1, 10)),
}


def safe_file_stem(name: str, taken: Iterable[str] = ()) -> str:
    """A file-name stem for a team name: lower case, letters/digits/dashes only.

    Letters of any script are kept (``"Логистика"`` stays readable); anything that
    could be a path separator or trouble in a shell becomes a dash. Stems that
    collide with ``taken``, with ``review``/``summary`` or with Windows device names
    get a suffix.

    >>> safe_file_stem("Loyalty / CRM")
    'loyalty-crm'
    >>> safe_file_stem("../etc/passwd")
    'etc-passwd'
    >>> safe_file_stem("Review")
    'review-team'
    """
    text = unicodedata.normalize("NFKC", str(name)).lower()
    stem = re.sub(r"[^\w]+", "-", text, flags=re.UNICODE).replace("_", "-")
    stem = re.sub(r"-{2,}", "-", stem).strip("-")[:80] or "team"
    taken = {t.lower() for t in taken}
    if stem in _RESERVED_FILE_STEMS:
        stem = f"{stem}-team"
    candidate, n = stem, 2
    while candidate in taken:
        candidate, n = f"{stem}-{n}", n + 1
    return candidate


def kept_name(column: str) -> str:
    """The name a kept input column has in the queues: its own, unless the queue adds a column of
    that name (an export's own ``row`` or ``complaint``), which would replace its values.

    >>> kept_name("response_id"), kept_name("complaint")
    ('response_id', 'complaint (input)')
    """
    return f"{column} (input)" if column in QUEUE_COLUMNS else column


def warn_renamed_keep(keep: Sequence[str], source: str) -> None:
    """An ``InputWarning`` naming the kept columns :func:`kept_name` renames."""
    from feedback_classifier.errors import InputWarning, warn

    renamed = [c for c in keep if kept_name(c) != c]
    if renamed:
        listed = ", ".join(f"{c!r} as {kept_name(c)!r}" for c in renamed)
        warn(InputWarning(f"{source}: the queues have columns of their own named like kept columns of the "
                          f"input, so these are kept as: {listed}"))


def kept_as_read(columns: Sequence[str], keep: Sequence[str], *, exclude: Sequence[str], source: str):
    """``(renamed, keep)``: the kept columns the queues rename (``confidence`` as ``confidence
    (input)``) that the input has and a classifier run would replace (``confidence``,
    ``needs_review``), and ``keep`` naming their copies instead. Copy them with
    :func:`with_input_copies` before classifying: the queues then show the input's values under the
    ``(input)`` name, as the renaming promises, not the model's. Said once.

    >>> kept_as_read(["id", "comment"], ["id"], exclude=("comment",), source="f.csv")
    ([], ['id'])
    """
    renamed = [c for c in keep if c not in exclude and kept_name(c) != c and kept_name(c) not in columns]
    if renamed:
        warn_renamed_keep(renamed, source)
    return renamed, [kept_name(c) if c in renamed else c for c in keep]


def with_input_copies(df: pd.DataFrame, renamed: Sequence[str]) -> pd.DataFrame:
    """``df`` with each of ``renamed`` copied under its :func:`kept_name` (see :func:`kept_as_read`).

    >>> list(with_input_copies(pd.DataFrame({"confidence": ["high"]}), ["confidence"]).columns)
    ['confidence', 'confidence (input)']
    """
    return df.assign(**{kept_name(c): df[c] for c in renamed}) if len(renamed) else df


def _team_labels(labels, taxonomy) -> dict[str, list]:
    """Group one comment's labels by owning team, most specific label only.

    A child implies its parent; the parent's own team only gets the comment when the
    parent was tagged on its own (``Service`` alone), so ``Service > Manager
    interaction`` goes to Sales and not also to Customer Support.
    """
    parents_with_child = {p for p, c in labels if c is not None}
    by_team: dict[str, list] = {}
    for label in labels:
        parent, child = label
        if child is None and parent in parents_with_child:
            continue
        by_team.setdefault(taxonomy.owner(label), []).append(label)
    return by_team


# Above this share of the comments, the review queue is no queue: the model is unsure on most of
# this kind of comment (5,560 Russian bank/telecom tweets with the bundled model: 83%), and the
# way out is labels of the user's own, which the commands then say.
MOSTLY_REVIEW = 0.5


def mostly_review(needs_review: int, comments: int) -> bool:
    """Whether more than ``MOSTLY_REVIEW`` of the non-empty comments need review.

    >>> mostly_review(4620, 5560), mostly_review(405, 2256), mostly_review(0, 0)
    (True, False, False)
    """
    return comments > 0 and needs_review > MOSTLY_REVIEW * comments


def review_flags(df: pd.DataFrame, text_col: str | None) -> np.ndarray:
    """Per row, whether it belongs in the review queue: ``needs_review`` and not junk.

    Junk answers (:func:`~feedback_classifier.lang.junk.names_nothing`) are flagged by the model
    but listed apart, so every count of "need review" (queues, report, ``analyze``) is this one.
    ``text_col`` None skips the junk test (a reduced table whose flags already leave junk out).

    >>> review_flags(pd.DataFrame({"c": ["asdf", "Late?", "ok"], "needs_review": ["True", "true", "False"]}), "c")
    array([False,  True, False])
    """
    if "needs_review" not in df.columns:
        return np.zeros(len(df), dtype=bool)
    review = _as_bool(df["needs_review"]).to_numpy(dtype=bool, copy=True)
    if text_col is not None and review.any():
        asked = np.flatnonzero(review)
        texts = df[text_col].iloc[asked].astype("string").fillna("").tolist()
        cells = df["categories"].iloc[asked] if "categories" in df.columns else None
        review[asked[listed_apart(texts, cells)]] = False
    return review


def listed_apart(texts: list, categories: pd.Series | None = None) -> np.ndarray:
    """Per answer, whether it names no topic, so the router lists it apart from the review queue:
    junk, no opinion or emoji alone (``lang.junk.names_nothing``), or general praise or complaint words
    alone that got no category ("TERRIBLE", «всё ок»: ``lang.tone_only``; the review queue of an optional
    question was nothing else). ``categories``: the answers' cells (None: none has a category).

    >>> listed_apart(["-", "TERRIBLE", "Awesome", "Courier late"], pd.Series(["", "", "General", ""])).tolist()
    [True, True, False, False]
    """
    from feedback_classifier.lang.junk import names_nothing
    from feedback_classifier.lang.tone_only import tone_only_mask

    apart = np.array(names_nothing(texts), dtype=bool).reshape(len(texts))
    bare = (np.ones(len(texts), dtype=bool) if categories is None
            else categories.astype("string").fillna("").str.strip().eq("").to_numpy(dtype=bool))
    asked = np.flatnonzero(bare & ~apart)
    apart[asked[np.array(tone_only_mask([texts[i] for i in asked.tolist()]), dtype=bool)]] = True
    return apart


def _as_bool(values: pd.Series) -> pd.Series:
    """needs_review read back from CSV/JSONL comes as text; accept the usual spellings."""
    if values.dtype == bool:
        return values
    text = values.astype("string").str.strip().str.lower()
    return text.isin(["true", "1", "yes", "y", "t", "1.0"]).fillna(False).astype(bool)


@dataclass
class QueueRows:
    """One table (or chunk) prepared for queues: the cells every queue row carries.

    ``texts`` are masked (:func:`~feedback_classifier.lang.pii.mask_pii`) unless ``mask=False``;
    ``junk`` flags answers without words and answers stating no opinion ("asdf", "n/a", "нет":
    :func:`~feedback_classifier.lang.junk.names_nothing`), which go to their own list instead of
    the review queue (the model gives them no category on purpose: nothing for a human to review)."""

    df: pd.DataFrame
    row_numbers: np.ndarray
    texts: pd.Series
    confidence: np.ndarray
    needs_review: np.ndarray
    junk: np.ndarray
    #: the input's separator and column types (``tableio.input_layout``): a queue of a ``;`` export
    #: is a ``;`` file, a JSON Lines export's scores and ids stay numbers
    layout: dict = field(default_factory=dict)

    @classmethod
    def of(cls, df: pd.DataFrame, text_col: str, first_row: int = 1, *, mask: bool = True) -> "QueueRows":
        from feedback_classifier.lang.pii import mask_pii_series
        from feedback_classifier.tableio import input_layout
        from feedback_classifier.tableio.cells import numbers

        n = len(df)
        confidence = (
            numbers(df["confidence"])  # a ';' file's decimal comma too
            if "confidence" in df.columns
            else np.full(n, np.nan)
        )
        needs_review = (
            _as_bool(df["needs_review"]).to_numpy() if "needs_review" in df.columns else np.zeros(n, dtype=bool)
        )
        texts = df[text_col].astype("string").fillna("")
        junk = listed_apart(texts.tolist(), df["categories"] if "categories" in df.columns else None)
        if mask:
            texts = mask_pii_series(texts).astype("string")
        return cls(df, np.arange(first_row, first_row + n), texts, confidence, needs_review, junk,
                   input_layout(df.attrs))

    def review_positions(self) -> np.ndarray:
        """Rows a human should check: flagged by the model and not junk."""
        return np.flatnonzero(self.needs_review & ~self.junk)

    def wordless(self) -> np.ndarray:
        """Junk rows whose ``sentiment`` says nothing: all but tone alone ("😡😡😡" or "TERRIBLE" from a
        detractor is a complaint with no topic, listed apart yet flagged as one: ``lang.tone_only``)."""
        from feedback_classifier.lang.tone_only import tone_only_mask

        out = self.junk.copy()
        asked = np.flatnonzero(out)
        out[asked[np.array(tone_only_mask(self.texts.iloc[asked].tolist()), dtype=bool)]] = False
        return out

    def frame(self, positions: np.ndarray, categories: list[str], *, keep: Sequence[str], text_col: str,
              score_col: str | None) -> pd.DataFrame:
        """The queue columns of the rows at ``positions``, in that order."""
        frame = pd.DataFrame({ROW_COLUMN: self.row_numbers[positions]})
        for column in keep:
            if column not in (text_col, score_col):
                frame[kept_name(column)] = self.df[column].iloc[positions].to_numpy()
        frame[text_col] = self.texts.iloc[positions].to_numpy()
        frame["categories"] = pd.array(categories, dtype="string")
        if score_col:  # the cell as the user wrote it ("9", not 9.0); sorting uses the parsed value
            frame[score_col] = self.df[score_col].iloc[positions].to_numpy()
        frame["confidence"] = self.confidence[positions]
        frame["needs_review"] = self.needs_review[positions]
        frame.attrs.update(self.layout)
        return frame


def rows_by_team(cells: list[str], taxonomy, *, lang: str, source: str, cache: dict[str, dict[str, str]],
                  first_row: int = 1) -> dict[str, list[tuple[int, str]]]:
    """(position, category names) of every row, per owning team.

    Each distinct cell is parsed once (``cache`` keeps them across chunks): exports repeat
    the same few hundred values.
    """
    team_rows: dict[str, list[tuple[int, str]]] = {}
    for position, cell in enumerate(cells):
        names = cache.get(cell)
        if names is None:
            labels = _parsed(taxonomy, cells, position, source=source, first_row=first_row)
            names = cache[cell] = {
                team: taxonomy.format_labels(team_labels, lang=lang)
                for team, team_labels in _team_labels(labels, taxonomy).items()
            }
        for team, text in names.items():
            team_rows.setdefault(team, []).append((position, text))
    return team_rows


def _parsed(taxonomy, cells: list[str], position: int, *, source: str, first_row: int) -> list:
    """The labels of ``cells[position]``; an unknown one is an error naming the chunk's other unknown labels too."""
    from feedback_classifier.errors import LabelError
    from feedback_classifier.taxonomy.history import naming_other_unknowns
    from feedback_classifier.taxonomy.labels import cell_items

    if not cells[position].strip():
        return []
    try:
        return taxonomy.parse_labels(cells[position], row=first_row + position, column="categories", source=source)
    except LabelError as error:
        later = ((item.strip(), lambda p=p: first_row + p) for p in range(position, len(cells))
                 for item in cell_items(cells[p]) if item.strip())
        raise naming_other_unknowns(error, taxonomy, later) from None


def review_categories(cells: list[str], positions: np.ndarray, cache: dict[str, dict[str, str]]) -> list[str]:
    """The review queue shows every team's categories of a row."""
    return ["; ".join(cache[cells[p]][t] for t in cache[cells[p]]) if cells[p] else "" for p in positions]


def add_teams(teams: list[str], team_rows: dict) -> None:
    for team in team_rows:  # a label whose owner is missing from the taxonomy's list
        if team not in teams:
            teams.append(team)


def urgency_key(scores: np.ndarray, spec: ScoreSpec) -> np.ndarray:
    """Sort key that puts worse scores first: ascending scores, unless lower is better (a CES
    where 7 = most effort).

    >>> urgency_key(np.array([1.0, 7.0]), ScoreSpec.make("ces", higher_is_better=False)).tolist()
    [-1.0, -7.0]
    """
    return scores if spec.higher_is_better else -scores


def detractor_flags(parsed: ParsedScores) -> np.ndarray:
    """Detractor flag of each row, False where the score is invalid."""
    detractor = parsed.spec.detractor(parsed.values)
    if detractor is None:  # a plain "mean" score has no detractors: order by score alone
        return np.zeros(len(parsed.values), dtype=bool)
    return np.asarray(detractor, dtype=bool) & parsed.valid


def queue_order(rows: np.ndarray, confidence: np.ndarray, urgency: np.ndarray, detractor: np.ndarray,
                complaint: np.ndarray | None = None) -> np.ndarray:
    """Most urgent first: complaints (when known), detractors, worse score, more confident
    classification, then row order.

    >>> queue_order(np.array([1, 2, 3]), np.array([0.9, 0.5, np.nan]), np.array([8.0, 2.0, 2.0]),
    ...             np.array([False, True, True])).tolist()
    [1, 2, 0]
    >>> queue_order(np.array([1, 2, 3]), np.array([0.9, 0.5, np.nan]), np.array([8.0, 2.0, 2.0]),
    ...             np.array([False, True, True]), complaint=np.array([True, False, False])).tolist()
    [0, 1, 2]
    """
    keys = (rows, -np.nan_to_num(confidence, nan=-1.0), np.nan_to_num(urgency, nan=np.inf), ~detractor)
    if complaint is not None:
        keys += (~complaint,)
    return np.lexsort(keys)


def counts_detractors(score_col: str | None, spec) -> bool:
    """Whether the queues' detractors can be counted: there are scores, and of a kind that has
    detractors (a plain mean score has none: its count is unknown, as without scores, not zero)."""
    return score_col is not None and spec.score_type != "mean"


def summary_frame(rows: list[dict], taxonomy, lang: str, layout: dict | None = None, *,
                  scored: bool = True) -> pd.DataFrame:
    """The per-queue counts; ``layout``: the input's (only its separator applies: these columns are not the input's).

    ``team`` is the queue's key (the owner as the taxonomy writes it, ``review`` or ``junk``: the same in
    every language, for scripts that join on it); ``name`` is what a reader of ``lang`` calls it.
    Without scores (``scored=False``) ``detractors`` is empty: unknown, not zero.

    >>> from feedback_classifier.taxonomy import load_taxonomy
    >>> frame = summary_frame([{"team": "Logistics", "comments": 2, "detractors": 1, "review": 0},
    ...                        {"team": "review", "comments": 1, "detractors": 0, "review": 1}],
    ...                       load_taxonomy("cx-default"), "ru")
    >>> frame[["team", "name"]].values.tolist()
    [['Logistics', 'Логистика'], ['review', 'на проверку']]
    """
    from feedback_classifier.lang.ui import ui_text

    frame = pd.DataFrame(rows, columns=["team", "comments", "detractors", "review"])
    special = {queue: ui_text(lang, f"queue.{queue}") for queue in (REVIEW_QUEUE, JUNK_QUEUE)}
    frame.insert(1, "name", [special.get(t) or taxonomy.team_name(t, lang) for t in frame["team"]])
    if not scored:
        frame["detractors"] = pd.array([pd.NA] * len(frame), dtype="Int64")
    if layout and layout.get("input_sep"):
        frame.attrs["input_sep"] = layout["input_sep"]
    return frame


def with_files(summary: pd.DataFrame, files: dict[str, str]) -> pd.DataFrame:
    """``summary`` with each queue's ``file`` name beside its ``name``: two teams whose names make the
    same file stem ("Loyalty / CRM", "Loyalty-CRM") get ``-2`` in the order the taxonomy lists them,
    so a script should find a team's queue here rather than rebuild its name.

    >>> s = pd.DataFrame({"team": ["Logistics", "review"], "name": ["Logistics", "review"], "comments": [2, 1]})
    >>> with_files(s, {"Logistics": "logistics.csv", "review": "review.csv"}).columns.tolist()
    ['team', 'name', 'file', 'comments']
    """
    out = summary.copy()
    out.insert(2, "file", [files.get(team, "") for team in out["team"]])
    out.attrs = dict(summary.attrs)
    return out


def file_stems(teams: list[str]) -> dict[str, str]:
    stems: dict[str, str] = {}
    for team in teams:
        stems[team] = safe_file_stem(team, taken=stems.values())
    return stems


def queue_file_names(teams: list[str], fmt: str) -> dict[str, str]:
    """The file name of each team's queue, of the review and junk lists and of the summary.

    >>> queue_file_names(["Logistics", "Служба поддержки/"], "csv")
    {'Logistics': 'logistics.csv', 'Служба поддержки/': 'служба-поддержки.csv', 'review': 'review.csv', 'junk': 'junk.csv', 'summary': 'summary.csv'}
    """
    stems = file_stems(teams)
    names = {team: f"{stems[team]}.{fmt}" for team in teams}
    names.update({queue: f"{queue}.{fmt}" for queue in (REVIEW_QUEUE, JUNK_QUEUE, SUMMARY_NAME)})
    return names


def previous_queue_files(folder: str | Path) -> list[str]:
    """The queue files an earlier run wrote into ``folder``, from its summaries (``summary.csv`` etc.,
    which list its teams): what a new run retires when it does not write them again (a team renamed or
    gone, another ``--format``). Nothing else in the folder is touched; an unreadable summary names none.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "summary.csv").write_text("team,name,comments\\nLogistics,Logistics,1\\nreview,review,0\\n")
    >>> previous_queue_files(d)
    ['logistics.csv', 'review.csv', 'junk.csv', 'summary.csv']
    """
    from feedback_classifier.tableio import read_table

    names: list[str] = []
    for fmt in ("csv", "xlsx", "jsonl"):
        summary = Path(folder) / f"{SUMMARY_NAME}.{fmt}"
        if not summary.is_file():
            continue
        try:
            teams = [str(t) for t in read_table(summary)["team"] if str(t) not in (REVIEW_QUEUE, JUNK_QUEUE)]
        except Exception:  # noqa: BLE001 - a summary edited or half-written by hand: leave its files be
            continue
        names += list(queue_file_names(teams, fmt).values())
    return names


def output_dir(out_dir: str | Path, fmt: str, *, create: bool = True) -> tuple[str, Path]:
    """The normalised queue format and the output folder (created unless ``create`` is False)."""
    fmt = fmt.lower().lstrip(".")
    if fmt not in {"csv", "xlsx", "jsonl"}:
        raise InputFileError(f"Unknown queue format {fmt!r}: use csv, xlsx or jsonl.")
    out = Path(out_dir)
    if not create:
        return fmt, out
    from feedback_classifier.tableio.atomic import refuse_standard_output

    refuse_standard_output(out, "--out-dir")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputFileError(f"Cannot create the output folder {out}: {exc.strerror}.") from None
    return fmt, out


def owner_teams(taxonomy) -> list[str]:
    """Owner teams in taxonomy order, each once.

    A team named like a list every run adds (``review``, ``junk``) is a ``TaxonomyError``: its rows
    and that list's would share one queue, one file name and one ``team`` key of the summary.

    >>> from feedback_classifier.taxonomy import Taxonomy
    >>> owner_teams(Taxonomy.from_dict({"name": "t", "categories": [
    ...     {"id": "store", "names": {"en": "Store"}, "owner": "review"}]}))
    Traceback (most recent call last):
    ...
    feedback_classifier.errors.TaxonomyError: Taxonomy 't': owner team 'review' (of Store) has the name of the review queue every route adds ('review' and 'junk' are taken): rename the team under 'owner', e.g. 'review team'.
    """
    from feedback_classifier.errors import TaxonomyError

    teams: list[str] = []
    for label in taxonomy.labels:
        team = taxonomy.owner(label)
        if team in (REVIEW_QUEUE, JUNK_QUEUE):
            raise TaxonomyError(
                f"Taxonomy '{taxonomy.name}': owner team '{team}' (of {taxonomy.display_name(label)}) has the name of "
                f"the {team} queue every route adds ('{REVIEW_QUEUE}' and '{JUNK_QUEUE}' are taken): rename the team "
                f"under 'owner', e.g. '{team} team'.")
        if team not in teams:
            teams.append(team)
    return teams
