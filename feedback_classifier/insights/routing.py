"""Routing: one work queue per owning team, a review queue, and a summary.

Every comment goes to the team(s) that own its categories — a comment about a late
courier *and* a double charge lands in both Logistics' and Billing's queue, each
seeing only its own categories. Comments the classifier is unsure about (or where it
found nothing in a non-empty comment) also go to a ``review`` queue for a human; they
stay in the team queues too, flagged, so no team loses sight of them.

Queues are ordered most urgent first: detractors, then lower score, then the most
confident classification, then the original row order.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from feedback_classifier.insights.scores import ScoreSpec, parse_scores

REVIEW_QUEUE = "review"
SUMMARY_NAME = "summary"
ROW_COLUMN = "row"
ENRICHED_COLUMNS = ("categories",)
_RESERVED_FILE_STEMS = {
    REVIEW_QUEUE,
    SUMMARY_NAME,
    # Windows device names cannot be file names, whatever the extension.
    "con", "prn", "aux", "nul",
    *(f"com{i}" for i in range(1, 10)),
    *(f"lpt{i}" for i in range(1, 10)),
}


@dataclass
class RoutingResult:
    """Per-team queues, the review queue and a per-team summary.

    ``queues`` maps a team name (as written in the taxonomy) to its queue; every
    owner team of the taxonomy has an entry, possibly empty. ``file_stems`` maps the
    same team names to the safe file-name stems used by :func:`write_queues`.
    """

    queues: dict[str, pd.DataFrame]
    review: pd.DataFrame
    summary: pd.DataFrame
    file_stems: dict[str, str] = field(default_factory=dict)


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


def _as_bool(values: pd.Series) -> pd.Series:
    """needs_review read back from CSV/JSONL comes as text; accept the usual spellings."""
    if values.dtype == bool:
        return values
    text = values.astype("string").str.strip().str.lower()
    return text.isin(["true", "1", "yes", "y", "t", "1.0"]).fillna(False).astype(bool)


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
) -> RoutingResult:
    """Split an enriched table (``classify.enrich`` output) into per-team queues.

    ``df`` needs ``text_col`` and ``categories`` (display paths joined by ``; `` in any
    language of the taxonomy); ``confidence`` and ``needs_review`` are used when present.
    ``keep`` names extra columns to carry into every queue (e.g. a response id).
    Category names in the queues are written in ``lang``. ``score_type`` is a type name
    (``nps``, ``csat``, ``ces``, ``mean``) or a ``scores.ScoreSpec`` (for a custom scale or
    a lower-is-better CES); invalid score cells are kept and sort after the scored rows.

    >>> from feedback_classifier.taxonomy.core import load_taxonomy
    >>> tax = load_taxonomy("cx-default")
    >>> df = pd.DataFrame({"comment": ["Late and charged twice"], "nps": [2],
    ...     "categories": ["Delivery and logistics > Delivery time; Payment and billing > Billing errors"],
    ...     "confidence": [0.8], "needs_review": [False]})
    >>> result = route(df, tax, text_col="comment", score_col="nps")
    >>> len(result.queues["Logistics"]), len(result.queues["Billing"])
    (1, 1)
    """
    from feedback_classifier.tableio.tables import require_columns

    needed = [text_col, "categories", *([score_col] if score_col else []), *keep]
    require_columns(df, list(dict.fromkeys(needed)), source=source)

    n = len(df)
    row_numbers = np.arange(1, n + 1)
    spec = score_type if isinstance(score_type, ScoreSpec) else ScoreSpec.make(score_type)
    scores, detractor = _scores_and_detractors(df, score_col, spec, source)
    # "worse first": ascending scores, unless lower is better (a CES where 7 = most effort)
    urgency = scores if spec.higher_is_better else -scores
    confidence = (
        pd.to_numeric(df["confidence"], errors="coerce").to_numpy(dtype=float)
        if "confidence" in df.columns
        else np.full(n, np.nan)
    )
    needs_review = (
        _as_bool(df["needs_review"]).to_numpy() if "needs_review" in df.columns else np.zeros(n, dtype=bool)
    )
    texts = df[text_col].astype("string").fillna("")

    # Parse each distinct categories cell once: exports repeat the same few hundred values.
    cells = df["categories"].astype("string").fillna("")
    parsed: dict[str, dict[str, list]] = {}
    team_rows: dict[str, list[tuple[int, str]]] = {}
    for position, cell in enumerate(cells.tolist()):
        if cell not in parsed:
            labels = taxonomy.parse_labels(cell, row=position + 1, column="categories", source=source) if cell.strip() else []
            parsed[cell] = {
                team: taxonomy.format_labels(team_labels, lang=lang)
                for team, team_labels in _team_labels(labels, taxonomy).items()
            }
        for team, names in parsed[cell].items():
            team_rows.setdefault(team, []).append((position, names))

    teams = _owner_teams(taxonomy)
    for team in team_rows:  # a label whose owner is missing from the taxonomy's list
        if team not in teams:
            teams.append(team)

    def build(positions: np.ndarray, categories: list[str]) -> pd.DataFrame:
        frame = pd.DataFrame({ROW_COLUMN: row_numbers[positions]})
        for column in keep:
            if column not in (text_col, score_col):
                frame[column] = df[column].iloc[positions].to_numpy()
        frame[text_col] = texts.iloc[positions].to_numpy()
        frame["categories"] = pd.array(categories, dtype="string")
        if score_col:  # the cell as the user wrote it ("9", not 9.0); sorting uses the parsed value
            frame[score_col] = df[score_col].iloc[positions].to_numpy()
        frame["confidence"] = confidence[positions]
        frame["needs_review"] = needs_review[positions]
        order = np.lexsort(
            (
                positions,  # last key: original order breaks remaining ties
                -np.nan_to_num(confidence[positions], nan=-1.0),
                np.nan_to_num(urgency[positions], nan=np.inf),
                ~detractor[positions],
            )
        )
        return frame.iloc[order].reset_index(drop=True)

    queues: dict[str, pd.DataFrame] = {}
    for team in teams:
        entries = team_rows.get(team, [])
        positions = np.array([p for p, _ in entries], dtype=int)
        queues[team] = build(positions, [names for _, names in entries])

    review_positions = np.flatnonzero(needs_review)
    review_categories = [
        "; ".join(parsed[cell][t] for t in parsed[cell]) if cell else ""
        for cell in cells.iloc[review_positions].tolist()
    ]
    review = build(review_positions, review_categories)

    summary_rows = []
    for team in teams:
        positions = np.array([p for p, _ in team_rows.get(team, [])], dtype=int)
        summary_rows.append(
            {
                "team": team,
                "comments": len(positions),
                "detractors": int(detractor[positions].sum()),
                "review": int(needs_review[positions].sum()),
            }
        )
    summary_rows.append(
        {
            "team": REVIEW_QUEUE,
            "comments": len(review_positions),
            "detractors": int(detractor[review_positions].sum()),
            "review": len(review_positions),
        }
    )
    summary = pd.DataFrame(summary_rows, columns=["team", "comments", "detractors", "review"])

    stems: dict[str, str] = {}
    for team in teams:
        stems[team] = safe_file_stem(team, taken=stems.values())
    return RoutingResult(queues=queues, review=review, summary=summary, file_stems=stems)


def _owner_teams(taxonomy) -> list[str]:
    """Owner teams in taxonomy order, each once."""
    teams: list[str] = []
    for label in taxonomy.labels:
        team = taxonomy.owner(label)
        if team not in teams:
            teams.append(team)
    return teams


def _scores_and_detractors(df, score_col, spec, source) -> tuple[np.ndarray, np.ndarray]:
    """Parsed scores (NaN where missing/invalid) and the detractor flag for each row."""
    n = len(df)
    if not score_col:
        return np.full(n, np.nan), np.zeros(n, dtype=bool)
    parsed = parse_scores(df[score_col], spec, column=score_col)
    detractor = spec.detractor(parsed.values)
    if detractor is None:  # a plain "mean" score has no detractors: order by score alone
        detractor = np.zeros(n, dtype=bool)
    return parsed.values, np.asarray(detractor, dtype=bool) & parsed.valid


def write_queues(result: RoutingResult, out_dir: str | Path, *, fmt: str = "csv") -> dict[str, Path]:
    """Write each team's queue, the review queue and the summary into ``out_dir``.

    Files are ``<team-stem>.<fmt>``, ``review.<fmt>`` and ``summary.<fmt>``, each written
    atomically. Returns a mapping of queue name (team, ``review``, ``summary``) to path.

    >>> # write_queues(route(df, tax, text_col="comment"), "queues/", fmt="xlsx")
    """
    from feedback_classifier.errors import InputFileError
    from feedback_classifier.tableio.tables import write_table

    fmt = fmt.lower().lstrip(".")
    if fmt not in {"csv", "xlsx", "jsonl"}:
        raise InputFileError(f"Unknown queue format {fmt!r}: use csv, xlsx or jsonl.")
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputFileError(f"Cannot create the output folder {out}: {exc.strerror}.") from None
    paths: dict[str, Path] = {}
    for team, queue in result.queues.items():
        stem = result.file_stems.get(team) or safe_file_stem(team)
        paths[team] = write_table(queue, out / f"{stem}.{fmt}", fmt=fmt)
    paths[REVIEW_QUEUE] = write_table(result.review, out / f"{REVIEW_QUEUE}.{fmt}", fmt=fmt)
    paths[SUMMARY_NAME] = write_table(result.summary, out / f"{SUMMARY_NAME}.{fmt}", fmt=fmt)
    return {name: Path(path) for name, path in paths.items()}


def is_enriched(columns: Iterable[str]) -> bool:
    """True when a table already carries classification output (a ``categories`` column).

    >>> is_enriched(["comment", "categories", "confidence"])
    True
    """
    return "categories" in set(columns)


# ---- streaming: queues for files too big to hold in memory

_DOT_DECIMAL = re.compile(r"^[+-]?\d*\.\d+$")  # as scores.parse_scores decides the decimal mark
_COMMA_DECIMAL = re.compile(r"^[+-]?\d+,\d+$")
_CONF_BINS = 8
_FLUSH_ROWS = 50_000  # rows sorted and written at once when finishing a queue


class StreamingRouter:
    """:func:`route` + :func:`write_queues` for a table that arrives in chunks, in bounded memory.

    ``add(chunk)`` takes enriched chunks in file order (row numbers continue from chunk to
    chunk) and spills each team's rows into temporary bucket files keyed by the leading sort
    keys (detractor?, score, confidence band); ``finish(out_dir)`` writes every queue by
    reading its buckets in urgency order and sorting *within* a bucket (or a run of consecutive
    buckets up to 50,000 rows) only, by score, confidence and row like :func:`route`. Memory is
    bounded by that run plus the largest bucket (one score value x 1/8 of the confidence range
    of one team), not by the file. The files are
    identical to ``write_queues(route(whole_table, ...))``; the score cells are parsed at the
    end, when the whole column's decimal mark is known (``9,0`` vs ``8.5``).

    >>> # router = StreamingRouter(tax, text_col="comment", score_col="nps", tmp_dir=tmp)
    >>> # for chunk in enriched_chunks: router.add(chunk)
    >>> # result, paths = router.finish("out/queues", fmt="csv")
    """

    def __init__(
        self,
        taxonomy,
        *,
        text_col: str,
        score_col: str | None = None,
        score_type: str | ScoreSpec = "nps",
        keep: Sequence[str] = (),
        lang: str = "en",
        source: str = "the table",
        tmp_dir: str | Path | None = None,
    ):
        import tempfile

        self.taxonomy = taxonomy
        self.text_col = text_col
        self.score_col = score_col
        self.spec = score_type if isinstance(score_type, ScoreSpec) else ScoreSpec.make(score_type)
        self.keep = list(keep)
        self.lang = lang
        self.source = source
        self.rows = 0
        self._tmp = Path(tempfile.mkdtemp(prefix="fc-queues-", dir=tmp_dir))
        self._parsed: dict[str, dict[str, str]] = {}
        self._buckets: dict[tuple, Path] = {}  # (queue, det rank, score bin, conf bin, comma?) -> spill file
        self._teams = _owner_teams(taxonomy)
        self._has_dot = False
        self._columns: list[str] | None = None

    # -- streaming
    def add(self, df: pd.DataFrame) -> None:
        """Spill one enriched chunk."""
        import pyarrow as pa

        from feedback_classifier.tableio.tables import require_columns

        needed = [self.text_col, "categories", *([self.score_col] if self.score_col else []), *self.keep]
        require_columns(df, list(dict.fromkeys(needed)), source=self.source)
        n = len(df)
        start = self.rows
        self.rows += n
        row_numbers = np.arange(start + 1, start + n + 1)
        raw_scores = df[self.score_col] if self.score_col else None
        scores, det, comma = self._chunk_scores(raw_scores, n)
        urgency = scores if self.spec.higher_is_better else -scores
        confidence = (
            pd.to_numeric(df["confidence"], errors="coerce").to_numpy(dtype=float)
            if "confidence" in df.columns else np.full(n, np.nan)
        )
        needs_review = _as_bool(df["needs_review"]).to_numpy() if "needs_review" in df.columns else np.zeros(n, bool)
        texts = df[self.text_col].astype("string").fillna("")

        cells = df["categories"].astype("string").fillna("").tolist()
        team_rows: dict[str, list[tuple[int, str]]] = {}
        for position, cell in enumerate(cells):
            names = self._parsed.get(cell)
            if names is None:
                labels = (self.taxonomy.parse_labels(cell, row=start + position + 1, column="categories",
                                                     source=self.source) if cell.strip() else [])
                names = self._parsed[cell] = {
                    team: self.taxonomy.format_labels(team_labels, lang=self.lang)
                    for team, team_labels in _team_labels(labels, self.taxonomy).items()
                }
            for team, text in names.items():
                team_rows.setdefault(team, []).append((position, text))
        for team in team_rows:
            if team not in self._teams:
                self._teams.append(team)
        review_positions = np.flatnonzero(needs_review)
        team_rows[REVIEW_QUEUE] = [
            (p, "; ".join(self._parsed[cells[p]][t] for t in self._parsed[cells[p]]) if cells[p] else "")
            for p in review_positions
        ]

        det_rank = np.where(det, 0, 1)
        score_bin = self._score_bins(urgency)
        conf_bin = np.where(np.isnan(confidence), _CONF_BINS,
                            np.clip(np.floor((1 - np.nan_to_num(confidence, nan=0.0)) * _CONF_BINS), 0, _CONF_BINS - 1))
        if not self.spec.integer_scale:  # a score bin holds several scores: they must sort before confidence
            conf_bin = np.zeros(n)
        for queue, entries in team_rows.items():
            if not entries:
                continue
            positions = np.array([p for p, _ in entries], dtype=np.int64)
            frame = pd.DataFrame({ROW_COLUMN: row_numbers[positions]})
            for column in self.keep:
                if column not in (self.text_col, self.score_col):
                    frame[column] = df[column].iloc[positions].to_numpy()
            frame[self.text_col] = texts.iloc[positions].to_numpy()
            frame["categories"] = pd.array([t for _, t in entries], dtype="string")
            if self.score_col:
                frame[self.score_col] = raw_scores.iloc[positions].to_numpy()
            frame["confidence"] = confidence[positions]
            frame["needs_review"] = needs_review[positions]
            keys = pd.DataFrame({"d": det_rank[positions], "s": score_bin[positions], "c": conf_bin[positions],
                                 "m": comma[positions]})
            table = pa.Table.from_pandas(frame, preserve_index=False)
            for key, idx in keys.groupby(["d", "s", "c", "m"], sort=False).indices.items():
                self._spill((queue, *key), table.take(idx))

    def _chunk_scores(self, raw: pd.Series | None, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Scores read with a comma decimal mark, detractor flags, and which cells were comma
        decimals (they become invalid if the whole column turns out to use dots)."""
        if raw is None:
            return np.full(n, np.nan), np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
        comma = np.zeros(n, dtype=bool)
        if not (pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype)):
            codes, uniques = pd.factorize(raw, use_na_sentinel=True)
            texts = [str(u).strip() for u in uniques if isinstance(u, str)]
            self._has_dot = self._has_dot or any(_DOT_DECIMAL.match(t) for t in texts)
            u_comma = np.array(
                [isinstance(u, str) and bool(_COMMA_DECIMAL.match(u.strip().replace("\u00a0", "").replace(" ", "")))
                 for u in uniques] + [False], dtype=bool)
            comma = u_comma[codes]
        parsed = parse_scores(raw, self.spec, column=self.score_col, decimal=",")
        det = self.spec.detractor(parsed.values)
        det = np.zeros(n, dtype=bool) if det is None else np.asarray(det, dtype=bool) & parsed.valid
        return parsed.values, det, comma

    def _score_bins(self, urgency: np.ndarray) -> np.ndarray:
        """A bin number that never decreases as the urgency key grows (NaN last)."""
        u = np.nan_to_num(urgency, nan=np.inf, posinf=np.inf, neginf=-np.inf)
        if self.spec.integer_scale:
            bins = np.floor(np.clip(u, -1e6, 1e6))
        else:  # any real number: a log scale keeps the number of bins small
            bins = np.sign(u) * np.ceil(np.log2(1 + np.abs(np.clip(u, -1e300, 1e300))))
        return np.where(np.isinf(u) & (u > 0), 1e7, bins).astype(np.int64)

    def _spill(self, key: tuple, table) -> None:
        import pyarrow as pa

        path = self._buckets.get(key)
        if path is None:
            path = self._buckets[key] = self._tmp / f"b{len(self._buckets):05d}.arrows"
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        data = sink.getvalue()
        with open(path, "ab") as fh:  # opened per write: thousands of buckets never hold file handles
            fh.write(len(data).to_bytes(8, "little"))
            fh.write(data)

    def _read(self, path: Path) -> list:
        """The Arrow tables spilled into one bucket file."""
        import pyarrow as pa

        tables = []
        with open(path, "rb") as fh:
            while True:
                head = fh.read(8)
                if not head:
                    break
                data = fh.read(int.from_bytes(head, "little"))
                tables.append(pa.ipc.open_stream(pa.py_buffer(data)).read_all())
        return tables

    # -- the end
    def finish(self, out_dir: str | Path, *, fmt: str = "csv", with_scores: bool = True
               ) -> tuple[RoutingResult, dict[str, Path]]:
        """Write all queues and the summary into ``out_dir`` (as :func:`write_queues` names them);
        returns a RoutingResult whose ``queues``/``review`` are empty frames with the queue columns
        (the rows are in the files) and the paths. Temporary files are removed.

        ``with_scores=False`` writes the queues as if no score column had been given (for a
        score column without a single valid score, as ``analyze`` does)."""
        import shutil

        import pyarrow as pa

        from feedback_classifier.errors import InputFileError
        from feedback_classifier.tableio.tables import TableWriter

        fmt = fmt.lower().lstrip(".")
        if fmt not in {"csv", "xlsx", "jsonl"}:
            raise InputFileError(f"Unknown queue format {fmt!r}: use csv, xlsx or jsonl.")
        out = Path(out_dir)
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputFileError(f"Cannot create the output folder {out}: {exc.strerror}.") from None
        decimal = "." if self._has_dot else ","
        score_col = self.score_col if with_scores else None
        # Final bucket of every spill file: comma-decimal cells are invalid scores when the column uses dots.
        final: dict[str, dict[tuple, list[Path]]] = {}
        for (queue, d, s, c, m), path in self._buckets.items():
            key = (1, 10**7, c) if ((m and decimal == ".") or not with_scores) else (d, s, c)
            final.setdefault(queue, {}).setdefault(key, []).append(path)

        stems: dict[str, str] = {}
        for team in self._teams:
            stems[team] = safe_file_stem(team, taken=stems.values())
        columns = [ROW_COLUMN] + [c for c in self.keep if c not in (self.text_col, self.score_col)]
        columns += [self.text_col, "categories"] + ([score_col] if score_col else [])
        columns += ["confidence", "needs_review"]
        empty = pd.DataFrame({c: pd.Series(dtype=float if c == "confidence" else bool if c == "needs_review"
                                            else "int64" if c == ROW_COLUMN else object) for c in columns})
        paths: dict[str, Path] = {}
        counts: dict[str, dict[str, int]] = {}
        try:
            for queue in [*self._teams, REVIEW_QUEUE]:
                name = f"{REVIEW_QUEUE}.{fmt}" if queue == REVIEW_QUEUE else f"{stems[queue]}.{fmt}"
                tally = counts[queue] = {"comments": 0, "detractors": 0, "review": 0}
                with TableWriter(out / name, fmt=fmt) as writer:
                    buckets = final.get(queue, {})
                    if not buckets:
                        writer.write(empty)
                    # Consecutive buckets are sorted together up to _FLUSH_ROWS rows (fewer, larger writes);
                    # sorting a run of consecutive buckets by the full key keeps the overall order.
                    pending: list = []
                    pending_rows = 0
                    ordered = sorted(buckets)
                    for i, key in enumerate(ordered):
                        for path in buckets[key]:
                            tables = self._read(path)
                            pending += tables
                            pending_rows += sum(t.num_rows for t in tables)
                        if pending_rows < _FLUSH_ROWS and i + 1 < len(ordered):
                            continue
                        frame = pa.concat_tables(pending, promote_options="default").to_pandas()
                        pending, pending_rows = [], 0
                        if self.score_col and not score_col:
                            frame = frame.drop(columns=[self.score_col])
                        frame, det = self._sorted(frame, decimal, score_col)
                        tally["comments"] += len(frame)
                        tally["detractors"] += int(det.sum())
                        tally["review"] += int(frame["needs_review"].sum())
                        writer.write(frame)
                paths[queue] = out / name
            summary_rows = [{"team": t, **counts[t]} for t in self._teams]
            summary_rows.append({"team": REVIEW_QUEUE, **counts[REVIEW_QUEUE]})
            summary = pd.DataFrame(summary_rows, columns=["team", "comments", "detractors", "review"])
            with TableWriter(out / f"{SUMMARY_NAME}.{fmt}", fmt=fmt) as writer:
                writer.write(summary)
            paths[SUMMARY_NAME] = out / f"{SUMMARY_NAME}.{fmt}"
        finally:
            shutil.rmtree(self._tmp, ignore_errors=True)
        result = RoutingResult(queues={t: empty.copy() for t in self._teams}, review=empty.copy(), summary=summary,
                               file_stems=stems)
        return result, {name: Path(p) for name, p in paths.items()}

    def _sorted(self, frame: pd.DataFrame, decimal: str, score_col: str | None) -> tuple[pd.DataFrame, np.ndarray]:
        n = len(frame)
        if score_col:
            parsed = parse_scores(frame[score_col], self.spec, column=score_col, decimal=decimal)
            scores = parsed.values
            det = self.spec.detractor(scores)
            det = np.zeros(n, dtype=bool) if det is None else np.asarray(det, dtype=bool) & parsed.valid
        else:
            scores, det = np.full(n, np.nan), np.zeros(n, dtype=bool)
        urgency = scores if self.spec.higher_is_better else -scores
        confidence = frame["confidence"].to_numpy(dtype=float)
        order = np.lexsort((frame[ROW_COLUMN].to_numpy(), -np.nan_to_num(confidence, nan=-1.0),
                           np.nan_to_num(urgency, nan=np.inf), ~det))
        return frame.iloc[order].reset_index(drop=True), det[order]

    def cleanup(self) -> None:
        """Remove the temporary files (``finish`` does it too)."""
        import shutil

        shutil.rmtree(self._tmp, ignore_errors=True)
