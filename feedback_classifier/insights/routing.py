"""Routing: one work queue per owning team, a review queue, and a summary.

Every comment goes to the team(s) that own its categories — a comment about a late
courier *and* a double charge lands in both Logistics' and Billing's queue, each
seeing only its own categories. Comments the classifier is unsure about (or where it
found nothing in a non-empty comment) also go to a ``review`` queue for a human; they
stay in the team queues too, flagged, so no team loses sight of them.

Queues are ordered most urgent first: complaints (when the table has ``category_sentiment``:
a row whose categories owned by the team include one judged negative), then detractors, then
lower score, then the most confident classification, then the original row order. With
``complaints_only`` the team and review queues hold complaints alone: praise is left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from feedback_classifier.insights.queues import (
    JUNK_QUEUE,
    REVIEW_QUEUE,
    SUMMARY_NAME,
    QueueRows,
    add_teams,
    counts_detractors,
    detractor_flags,
    file_stems,
    output_dir,
    owner_teams,
    previous_queue_files,
    queue_order,
    review_categories,
    rows_by_team,
    safe_file_stem,
    summary_frame,
    urgency_key,
    warn_renamed_keep,
    with_files,
)
from feedback_classifier.insights.scores import ScoreSpec, parse_scores
from feedback_classifier.lang.registry import check_language

@dataclass
class RoutingResult:
    """Per-team queues, the review queue and a per-team summary.

    ``queues`` maps a team name (as written in the taxonomy) to its queue; every
    owner team of the taxonomy has an entry, possibly empty. ``file_stems`` maps the
    same team names to the safe file-name stems used by :func:`write_queues`. Each queue row
    keeps its index label in the routed table; its ``row`` column is its position there, from 1.
    """

    queues: dict[str, pd.DataFrame]
    review: pd.DataFrame
    summary: pd.DataFrame
    file_stems: dict[str, str] = field(default_factory=dict)
    junk: pd.DataFrame = field(default_factory=pd.DataFrame)


def route(
    df: pd.DataFrame,
    taxonomy,
    *,
    text_col: str,
    score_col: str | None = None,
    score_type: str | ScoreSpec = "nps",
    keep: Sequence[str] = (),
    lang: str = "en",
    source: str = "the table",
    mask: bool = True,
    complaints_only: bool = False,
) -> RoutingResult:
    """Split an enriched table (``model.enrich`` output) into per-team queues.

    ``taxonomy``: a ``Taxonomy``, a bundled name or a YAML path. ``df`` needs ``text_col`` and ``categories``
    (display paths joined by ``; `` in any language of the taxonomy); ``confidence`` and ``needs_review``
    are used when present. ``keep`` names extra columns to carry into every queue (e.g. a response id).
    Category names in the queues are written in ``lang`` ("en" or "ru"). Comments are shown with e-mails,
    phone and card numbers and names masked unless ``mask=False``; junk answers (keyboard mashes, digits
    only) are listed in ``junk`` instead of the review queue. ``score_type``: ``nps``, ``csat``, ``ces``,
    ``mean`` or a ``ScoreSpec`` (a custom scale or a lower-is-better CES); invalid score cells are kept
    and sort after the scored rows.

    >>> from feedback_classifier.taxonomy import load_taxonomy
    >>> tax = load_taxonomy("cx-default")
    >>> df = pd.DataFrame({"comment": ["Late and charged twice"], "nps": [2],
    ...     "categories": ["Delivery and logistics > Delivery time; Payment and billing > Billing errors"],
    ...     "confidence": [0.8], "needs_review": [False]})
    >>> result = route(df, tax, text_col="comment", score_col="nps")
    >>> len(result.queues["Logistics"]), len(result.queues["Billing"])
    (1, 1)
    """
    taxonomy, keep, lang = _checked(df, taxonomy, text_col, score_col, keep, lang, source)
    spec = score_type if isinstance(score_type, ScoreSpec) else ScoreSpec.make(score_type)
    scores, detractor = _scores_and_detractors(df, score_col, spec)
    urgency = urgency_key(scores, spec)
    rows = QueueRows.of(df, text_col, mask=mask)
    cells = df["categories"].astype("string").fillna("").tolist()
    parsed: dict[str, dict[str, str]] = {}
    team_rows = rows_by_team(cells, taxonomy, lang=lang, source=source, cache=parsed)
    teams = owner_teams(taxonomy)
    add_teams(teams, team_rows)
    complaint_of = _complaint_rule(df, taxonomy, source, complaints_only, junk=rows.wordless())
    if complaint_of is not None:
        team_rows = {team: [(p, names) for p, names in entries if complaint_of(p, names) or not complaints_only]
                     for team, entries in team_rows.items()}

    def build(positions: np.ndarray, categories: list[str]) -> pd.DataFrame:
        frame = rows.frame(positions, categories, keep=keep, text_col=text_col, score_col=score_col)
        complaint = None
        if complaint_of is not None:
            complaint = np.array([complaint_of(p, names) for p, names in zip(positions, categories)], dtype=bool)
            frame["complaint"] = complaint
        order = queue_order(positions, rows.confidence[positions], urgency[positions], detractor[positions], complaint)
        # labelled by the input's own index (a notebook's response ids), as enrich keeps it; was 0, 1, 2...
        return frame.iloc[order].set_axis(df.index[positions[order]])

    queues: dict[str, pd.DataFrame] = {}
    summary_rows = []
    for team in teams:
        entries = team_rows.get(team, [])
        positions = np.array([p for p, _ in entries], dtype=int)
        queues[team] = build(positions, [names for _, names in entries])
        summary_rows.append(_summary_row(team, positions, detractor, rows.needs_review[positions].sum()))
    review_positions = rows.review_positions()
    review_names = review_categories(cells, review_positions, parsed)
    if complaints_only:
        review_positions, review_names = _complaints_in(review_positions, review_names, complaint_of)
    review = build(review_positions, review_names)
    summary_rows.append(_summary_row(REVIEW_QUEUE, review_positions, detractor, len(review_positions)))
    junk_positions = np.flatnonzero(rows.junk)
    junk = build(junk_positions, review_categories(cells, junk_positions, parsed))
    # junk answers are listed apart from the review queue, so none of them is counted as to review
    summary_rows.append(_summary_row(JUNK_QUEUE, junk_positions, detractor, 0))
    summary = summary_frame(summary_rows, taxonomy, lang, rows.layout, scored=counts_detractors(score_col, spec))
    return RoutingResult(queues=queues, review=review, summary=summary, file_stems=file_stems(teams), junk=junk)


def _checked(df: pd.DataFrame, taxonomy, text_col: str, score_col: str | None, keep, lang: str, source: str):
    """``(taxonomy, keep, lang)`` as ``route`` uses them, once the columns are checked. A taxonomy's name or
    path is loaded (it raised AttributeError: 'str' object has no attribute 'parse_labels'), one ``keep``
    column may be given as a string (its letters were taken for column names), "RU" is "ru" (it gave
    English names without a word)."""
    from feedback_classifier.tableio import require_columns
    from feedback_classifier.taxonomy import Taxonomy, load_taxonomy

    taxonomy = taxonomy if isinstance(taxonomy, Taxonomy) else load_taxonomy(taxonomy)
    keep = [keep] if isinstance(keep, str) else list(keep)
    needed = [text_col, "categories", *([score_col] if score_col else []), *keep]
    require_columns(df, list(dict.fromkeys(needed)), source=source)
    warn_renamed_keep([c for c in keep if c not in (text_col, score_col)], source)
    return taxonomy, keep, check_language(lang)  # the queues' headings: English or Russian


def _summary_row(team: str, positions: np.ndarray, detractor: np.ndarray, review: int) -> dict:
    return {"team": team, "comments": len(positions), "detractors": int(detractor[positions].sum()),
            "review": int(review)}


def _complaints_in(positions: np.ndarray, names: list[str], complaint_of) -> tuple[np.ndarray, list[str]]:
    """The review rows that are complaints (``--complaints-only`` leaves praise out of every queue)."""
    kept = [k for k, (p, n) in enumerate(zip(positions, names)) if complaint_of(p, n)]
    return positions[kept], [names[k] for k in kept]


def _complaint_rule(df: pd.DataFrame, taxonomy, source: str, complaints_only: bool, first_row: int = 1,
                    junk: np.ndarray | None = None):
    """``(position, category names) -> is it a complaint`` from ``category_sentiment``, or None
    when the table has no such column (``complaints_only`` then is a one-line error). ``first_row``:
    the file's row number of ``df``'s first row (a chunk's), for error messages. A row without a category
    is a complaint when its ``sentiment`` is negative, unless ``junk`` flags it (an answer with no words)."""
    from feedback_classifier.errors import MissingColumnError
    from feedback_classifier.insights.polarity import CATEGORY_SENTIMENT, complaint_labels

    if CATEGORY_SENTIMENT not in df.columns:
        if complaints_only:
            raise MissingColumnError(
                f"{source}: --complaints-only needs the '{CATEGORY_SENTIMENT}' column, the polarity of each category; "
                "route the plain export (it is classified with polarity), or classify the file again without "
                "--no-sentiment (a file from an older version has no polarity either)."
            )
        return None
    negative = complaint_labels(df[CATEGORY_SENTIMENT], taxonomy, source=source, first_row=first_row)
    # a comment without a category is judged as a whole: "Worst experience ever" (needs review) was no
    # complaint, so --complaints-only dropped it from every file
    whole = (df["sentiment"].astype("string").str.strip().str.lower().eq("negative").fillna(False).to_numpy(dtype=bool)
             if "sentiment" in df.columns else np.zeros(len(df), dtype=bool))
    if junk is not None:
        whole &= ~junk
    cache: dict[str, list] = {}

    def complaint_of(position: int, names: str) -> bool:
        if not str(names).strip():
            return bool(whole[position])
        if not negative[position]:
            return False
        labels = cache.get(names)
        if labels is None:
            labels = cache[names] = [taxonomy.parse_label(n.strip()) for n in str(names).split(";") if n.strip()]
        # a parent in the queue stands for its children's complaints too
        return any(lab in negative[position] or (lab[1] is None and any(n[0] == lab[0] for n in negative[position]))
                   for lab in labels)

    return complaint_of


def _scores_and_detractors(df: pd.DataFrame, score_col: str | None, spec: ScoreSpec) -> tuple[np.ndarray, np.ndarray]:
    """Parsed scores (NaN where missing/invalid) and the detractor flag for each row."""
    n = len(df)
    if not score_col:
        return np.full(n, np.nan), np.zeros(n, dtype=bool)
    parsed = parse_scores(df[score_col], spec, column=score_col)
    return parsed.values, detractor_flags(parsed)


def write_queues(result: RoutingResult, out_dir: str | Path, *, fmt: str = "csv") -> dict[str, Path]:
    """Write each team's queue, the review queue and the summary into ``out_dir``.

    Files are ``<team-stem>.<fmt>``, ``review.<fmt>``, ``junk.<fmt>`` and ``summary.<fmt>``, replacing
    the ones there all together or not at all (``tableio.atomic.StagedFiles``). Returns a mapping of
    queue name (team, ``review``, ``summary``) to path.

    >>> # write_queues(route(df, tax, text_col="comment"), "queues/", fmt="xlsx")
    """
    from feedback_classifier.tableio import write_table
    from feedback_classifier.tableio.atomic import StagedFiles

    fmt, out = output_dir(out_dir, fmt)
    junk = result.junk if len(result.junk.columns) else result.review.iloc[:0]
    tables = [(team, result.file_stems.get(team) or safe_file_stem(team), queue) for team, queue in result.queues.items()]
    tables += [(REVIEW_QUEUE, REVIEW_QUEUE, result.review), (JUNK_QUEUE, JUNK_QUEUE, junk),
               (SUMMARY_NAME, SUMMARY_NAME, result.summary)]
    paths: dict[str, Path] = {}
    with StagedFiles(out) as stage:  # all of today's queues, or yesterday's untouched
        stage.retire(previous_queue_files(out))  # (and none of yesterday's left beside today's)
        files = {name: f"{stem}.{fmt}" for name, stem, _ in tables if name != SUMMARY_NAME}
        for name, stem, table in tables:
            table = with_files(table, files) if name == SUMMARY_NAME else table
            write_table(table, stage.path(f"{stem}.{fmt}"), fmt=fmt)
            paths[name] = out / f"{stem}.{fmt}"
    return paths


def is_enriched(columns: Iterable[str]) -> bool:
    """True when a table already carries classification output (a ``categories`` column).

    >>> is_enriched(["comment", "categories", "confidence"])
    True
    """
    return "categories" in set(columns)


def prefixed_categories(columns: Iterable) -> list:
    """The columns ``classify --prefix`` named like ``categories`` (``improve_categories``), which the commands
    reading a plain ``categories`` column do not take for it.

    >>> prefixed_categories(["liked", "liked_categories", "liked_parent_categories", "categories"])
    ['liked_categories']
    """
    return [c for c in columns if isinstance(c, str) and c.endswith("categories") and c != "categories"
            and not c.endswith("parent_categories")]


def require_categories_of(frame: pd.DataFrame, text_col: str, *, source: object, first_row: int = 1) -> None:
    """An ``InputFileError`` when a classified table's ``categories`` were not made from ``text_col``:
    a row has categories but an empty ``text_col``, which classify never tags. A survey with two open
    questions, classified from one, then routed or reported with the other's ``--text-col``, had each
    comment shown under the other answer's categories without a word. ``first_row``: the table's first
    row as the file counts it (from 1, under the column names).

    >>> table = pd.DataFrame({"liked": ["Fast courier", ""], "improve": ["", "Too expensive"],
    ...                       "categories": ["Delivery > Courier", ""]})
    >>> require_categories_of(table, "liked", source="s.csv")
    >>> require_categories_of(table, "improve", source="s.csv")
    Traceback (most recent call last):
    ...
    feedback_classifier.errors.InputFileError: s.csv: row 1 has categories ('Delivery > Courier') but its 'improve' is empty (1 such row): the 'categories' column was made from another column (classify tags no empty comment). Give --text-col the column it was classified from, or classify 'improve' first (`feedback-classifier classify FILE --text-col improve --out FILE2`) and pass that file.
    """
    from feedback_classifier.errors import InputFileError

    if "categories" not in frame.columns or text_col not in frame.columns:
        return
    tagged = frame["categories"].fillna("").astype(str).str.strip() != ""
    empty = frame[text_col].fillna("").astype(str).str.strip() == ""
    stale = np.flatnonzero((tagged & empty).to_numpy())
    if stale.size:
        first = int(stale[0])
        raise InputFileError(
            f"{source}: row {first_row + first} has categories ({frame['categories'].iloc[first]!r}) but its "
            f"{text_col!r} is empty ({stale.size} such row{'s' if stale.size != 1 else ''}): the 'categories' column "
            f"was made from another column (classify tags no empty comment). Give --text-col the column it was "
            f"classified from, or classify {text_col!r} first (`feedback-classifier classify FILE --text-col "
            f"{text_col} --out FILE2`) and pass that file.")
