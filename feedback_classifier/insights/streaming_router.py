"""Routing for files too big to hold in memory: the queues of :func:`route`, spilled and sorted in buckets."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from feedback_classifier.insights.queues import (
    JUNK_QUEUE,
    REVIEW_QUEUE,
    ROW_COLUMN,
    SUMMARY_NAME,
    QueueRows,
    add_teams,
    counts_detractors,
    detractor_flags,
    file_stems,
    kept_name,
    output_dir,
    owner_teams,
    previous_queue_files,
    queue_order,
    review_categories,
    rows_by_team,
    summary_frame,
    urgency_key,
    warn_renamed_keep,
    with_files,
)
from feedback_classifier.insights.routing import RoutingResult, _complaint_rule
from feedback_classifier.insights.scores import DOT_DECIMAL, THOUSANDS_COMMA, ScoreSpec, parse_scores
from feedback_classifier.lang.registry import check_language

_SPILL_PREFIX = "fc-queues-"
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
    end, when the whole column's decimal mark is known (``9,0`` vs ``8.5``). ``complaints_only``
    as in :func:`route`: praise is left out of the team and review queues.

    >>> import tempfile
    >>> router = StreamingRouter("cx-default", text_col="comment", score_col="nps", keep="id", lang="ru")
    >>> for chunk in [pd.DataFrame({"id": ["r1"], "comment": ["Late again"], "nps": [2],
    ...                             "categories": ["Delivery and logistics > Delivery time"]})]:
    ...     router.add(chunk)
    >>> result, paths = router.finish(tempfile.mkdtemp(), fmt="csv")
    >>> pd.read_csv(paths["Logistics"], encoding="utf-8-sig")[["id", "categories"]].values.tolist()
    [['r1', 'Доставка и логистика > Сроки доставки']]
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
        mask: bool = True,
        complaints_only: bool = False,
    ):
        import tempfile

        if tmp_dir is not None:  # the spill folders of runs killed outright: they hold comments and ids
            from feedback_classifier.tableio.atomic import remove_stale_leftovers

            remove_stale_leftovers(Path(tmp_dir), _SPILL_PREFIX)
        from feedback_classifier.taxonomy import Taxonomy, load_taxonomy

        # as route takes them: a taxonomy's name or path, one keep column as a string, "RU"
        self.taxonomy = taxonomy if isinstance(taxonomy, Taxonomy) else load_taxonomy(taxonomy)
        self._teams = owner_teams(self.taxonomy)  # (refused before a spill folder is left behind)
        self.text_col = text_col
        self.score_col = score_col
        self.spec = score_type if isinstance(score_type, ScoreSpec) else ScoreSpec.make(score_type)
        self.keep = [keep] if isinstance(keep, str) else list(keep)
        warn_renamed_keep([c for c in self.keep if c not in (text_col, score_col)], source)
        self.lang = check_language(lang)
        self.source = source
        self.mask = mask
        self.complaints_only = complaints_only
        self.rows = 0
        self._tmp = Path(tempfile.mkdtemp(prefix=_SPILL_PREFIX, dir=tmp_dir))
        from feedback_classifier.tableio.atomic import hold_lock

        self._lock = hold_lock(self._tmp)  # a later run removes the folder only if this process is gone
        self._parsed: dict[str, dict[str, str]] = {}
        # (queue, complaint rank, det rank, score bin, conf bin, comma?) -> (offset, length) of its parts in the
        # one spill file: a file per bucket cost an open() per bucket and chunk (~40,000 for 1M rows, 1/4 of the time)
        self._buckets: dict[tuple, list[tuple[int, int]]] = {}
        self._spill_file = self._tmp / "spill.arrows"
        self._handle = None  # the spill file, open from the first spill to the end
        self._size = 0
        self._complaints: bool | None = None  # whether the chunks carry category_sentiment
        self._has_dot = False
        self._columns: list[str] | None = None
        self._layout: dict = {}  # the input's separator and column types, for the queue files

    # -- streaming
    def add(self, df: pd.DataFrame) -> None:
        """Spill one enriched chunk."""
        import pyarrow as pa

        from feedback_classifier.tableio import require_columns

        needed = [self.text_col, "categories", *([self.score_col] if self.score_col else []), *self.keep]
        require_columns(df, list(dict.fromkeys(needed)), source=self.source)
        n = len(df)
        start = self.rows
        self.rows += n
        scores, det, comma = self._chunk_scores(df[self.score_col] if self.score_col else None, n)
        urgency = urgency_key(scores, self.spec)
        rows = QueueRows.of(df, self.text_col, first_row=start + 1, mask=self.mask)
        if not start:
            self._layout = rows.layout
        cells = df["categories"].astype("string").fillna("").tolist()
        team_rows = rows_by_team(cells, self.taxonomy, lang=self.lang, source=self.source, cache=self._parsed,
                                  first_row=start + 1)
        add_teams(self._teams, team_rows)
        review_positions = rows.review_positions()
        team_rows[REVIEW_QUEUE] = list(zip(review_positions, review_categories(cells, review_positions, self._parsed)))
        junk_positions = np.flatnonzero(rows.junk)
        team_rows[JUNK_QUEUE] = list(zip(junk_positions, review_categories(cells, junk_positions, self._parsed)))

        det_rank = np.where(det, 0, 1)
        score_bin = self._score_bins(urgency)
        confidence = rows.confidence
        conf_bin = np.where(np.isnan(confidence), _CONF_BINS,
                            np.clip(np.floor((1 - np.nan_to_num(confidence, nan=0.0)) * _CONF_BINS), 0, _CONF_BINS - 1))
        if not self.spec.integer_scale:  # a score bin holds several scores: they must sort before confidence
            conf_bin = np.zeros(n)
        complaint_of = _complaint_rule(df, self.taxonomy, self.source, self.complaints_only, first_row=start + 1,
                                       junk=rows.wordless())
        self._complaints = complaint_of is not None
        if self.complaints_only:  # praise is left out of the team and review queues, as route does
            team_rows = {queue: entries if queue == JUNK_QUEUE else [(p, t) for p, t in entries if complaint_of(p, t)]
                         for queue, entries in team_rows.items()}
        for queue, entries in team_rows.items():
            if not entries:
                continue
            positions = np.array([p for p, _ in entries], dtype=np.int64)
            frame = rows.frame(positions, [t for _, t in entries], keep=self.keep, text_col=self.text_col,
                               score_col=self.score_col)
            complaint = np.zeros(len(positions), dtype=bool)
            if complaint_of is not None:
                complaint = np.array([complaint_of(p, t) for p, t in entries], dtype=bool)
                frame["complaint"] = complaint
            keys = pd.DataFrame({"k": np.where(complaint, 0, 1), "d": det_rank[positions], "s": score_bin[positions],
                                 "c": conf_bin[positions], "m": comma[positions]})
            groups = keys.groupby(["k", "d", "s", "c", "m"], sort=False).indices
            # one gather into bucket order, then zero-copy slices: a take per bucket cost more than the spill
            table = pa.Table.from_pandas(frame, preserve_index=False).take(np.concatenate(list(groups.values())))
            start = 0
            for key, idx in groups.items():
                self._spill((queue, *key), table.slice(start, len(idx)))
                start += len(idx)

    def _chunk_scores(self, raw: pd.Series | None, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Scores read with a comma decimal mark, detractor flags, and which cells were comma
        decimals that could be thousands (they become invalid if the whole column turns out to use dots)."""
        if raw is None:
            return np.full(n, np.nan), np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
        comma = np.zeros(n, dtype=bool)
        if not (pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype)):
            codes, uniques = pd.factorize(raw, use_na_sentinel=True)
            texts = [str(u).strip() for u in uniques if isinstance(u, str)]
            self._has_dot = self._has_dot or any(DOT_DECIMAL.match(t) for t in texts)
            u_comma = np.array(
                [isinstance(u, str) and bool(THOUSANDS_COMMA.match(u.strip().replace("\u00a0", "").replace(" ", "")))
                 for u in uniques] + [False], dtype=bool)
            comma = u_comma[codes]
        parsed = parse_scores(raw, self.spec, column=self.score_col, decimal=",")
        return parsed.values, detractor_flags(parsed), comma

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

        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        data = sink.getvalue()
        try:
            if self._handle is None:
                self._handle = open(self._spill_file, "wb")
            self._handle.write(data)
        except OSError as exc:  # a full disk or a quota is the user's to fix, not a traceback
            from feedback_classifier.tableio.atomic import unwritable_error

            raise unwritable_error(self._tmp.parent, exc) from None
        self._buckets.setdefault(key, []).append((self._size, len(data)))
        self._size += len(data)

    def _read(self, parts: list[tuple[int, int]]) -> list:
        """The Arrow tables spilled into one bucket (the spill file is open for reading then)."""
        import pyarrow as pa

        tables = []
        for offset, length in parts:
            self._handle.seek(offset)
            tables.append(pa.ipc.open_stream(pa.py_buffer(self._handle.read(length))).read_all())
        return tables

    @property
    def teams(self) -> list[str]:
        """The owning teams: the taxonomy's, then any a label named that its list lacks (one queue each)."""
        return list(self._teams)

    # -- the end
    def finish(self, out_dir: str | Path, *, fmt: str = "csv", with_scores: bool = True, stage=None,
               detractors_known: bool = True) -> tuple[RoutingResult, dict[str, Path]]:
        """Write all queues and the summary into ``out_dir`` (as :func:`write_queues` names them);
        returns a RoutingResult whose ``queues``/``review`` are empty frames with the queue columns
        (the rows are in the files) and the paths. Temporary files are removed.

        ``with_scores=False`` writes the queues as if no score column had been given (for a
        score column without a single valid score, as ``analyze`` does); ``detractors_known=False`` keeps
        the score column but leaves the summary's detractors empty, unknown (``route`` on such a column). ``stage``: a
        ``tableio.atomic.StagedFiles`` of a folder holding ``out_dir`` that commits the queues with
        the caller's other outputs (``analyze``); else the queues are a staged set of their own."""
        from contextlib import nullcontext

        from feedback_classifier.tableio import TableWriter
        from feedback_classifier.tableio.atomic import StagedFiles

        fmt, out = output_dir(out_dir, fmt, create=stage is None)
        decimal = "." if self._has_dot else ","
        score_col = self.score_col if with_scores else None
        final = self._final_buckets(decimal, with_scores)
        if self._handle is not None:  # from writing to reading the spill file
            self._handle.close()
            self._handle = open(self._spill_file, "rb")
        stems = file_stems(self._teams)
        empty = self._empty_queue(score_col)
        paths: dict[str, Path] = {}
        counts: dict[str, dict[str, int]] = {}
        try:
            # all of today's queues, or yesterday's untouched
            with nullcontext(stage) if stage is not None else StagedFiles(out) as staged:
                inside = "" if staged.folder == out else f"{out.relative_to(staged.folder)}/"
                staged.retire([inside + name for name in previous_queue_files(out)])  # no stale team left beside
                for queue in [*self._teams, REVIEW_QUEUE, JUNK_QUEUE]:
                    name = f"{queue}.{fmt}" if queue in (REVIEW_QUEUE, JUNK_QUEUE) else f"{stems[queue]}.{fmt}"
                    with TableWriter(staged.path(inside + name), fmt=fmt) as writer:
                        counts[queue] = self._write_queue(writer, final.get(queue, {}), empty, decimal, score_col)
                    paths[queue] = out / name
                counts[JUNK_QUEUE]["review"] = 0  # listed apart from the review queue, as route() counts it
                summary = summary_frame([{"team": t, **counts[t]} for t in [*self._teams, REVIEW_QUEUE, JUNK_QUEUE]],
                                        self.taxonomy, self.lang, self._layout,
                                        scored=counts_detractors(score_col, self.spec) and detractors_known)
                with TableWriter(staged.path(f"{inside}{SUMMARY_NAME}.{fmt}"), fmt=fmt) as writer:
                    writer.write(with_files(summary, {t: p.name for t, p in paths.items()}))
                paths[SUMMARY_NAME] = out / f"{SUMMARY_NAME}.{fmt}"
        finally:
            self.cleanup()
        result = RoutingResult(queues={t: empty.copy() for t in self._teams}, review=empty.copy(), summary=summary,
                               file_stems=stems, junk=empty.copy())
        return result, {name: Path(p) for name, p in paths.items()}

    def _final_buckets(self, decimal: str, with_scores: bool) -> dict[str, dict[tuple, list[list]]]:
        """Spill files per queue and final sort key. Comma-decimal cells are invalid scores when
        the column turns out to use dots, so they move to the unscored bucket of their band."""
        final: dict[str, dict[tuple, list[Path]]] = {}
        for (queue, k, d, s, c, m), parts in self._buckets.items():
            key = (k, 1, 10**7, c) if ((m and decimal == ".") or not with_scores) else (k, d, s, c)
            final.setdefault(queue, {}).setdefault(key, []).append(parts)
        return final

    def _empty_queue(self, score_col: str | None) -> pd.DataFrame:
        """A queue without rows, with the columns and types :func:`route` gives one."""
        columns = [ROW_COLUMN] + [kept_name(c) for c in self.keep if c not in (self.text_col, self.score_col)]
        columns += [self.text_col, "categories"] + ([score_col] if score_col else [])
        columns += ["confidence", "needs_review"] + (["complaint"] if self._complaints else [])
        empty = pd.DataFrame({c: pd.Series(dtype=float if c == "confidence" else bool if c in ("needs_review", "complaint")
                                           else "int64" if c == ROW_COLUMN else object) for c in columns})
        empty.attrs.update(self._layout)
        return empty

    def _write_queue(self, writer, buckets: dict[tuple, list[list]], empty: pd.DataFrame, decimal: str,
                     score_col: str | None) -> dict[str, int]:
        """Write one queue in urgency order; returns its summary counts."""
        import pyarrow as pa

        tally = {"comments": 0, "detractors": 0, "review": 0}
        if not buckets:
            writer.write(empty)
        # Consecutive buckets are sorted together up to _FLUSH_ROWS rows (fewer, larger writes);
        # sorting a run of consecutive buckets by the full key keeps the overall order.
        pending: list = []
        pending_rows = 0
        ordered = sorted(buckets)
        for i, key in enumerate(ordered):
            for parts in buckets[key]:
                tables = self._read(parts)
                pending += tables
                pending_rows += sum(t.num_rows for t in tables)
            if pending_rows < _FLUSH_ROWS and i + 1 < len(ordered):
                continue
            frame = pa.concat_tables(pending, promote_options="default").to_pandas()
            pending, pending_rows = [], 0
            if self.score_col and not score_col:
                frame = frame.drop(columns=[self.score_col])
            frame, det = self._sorted(frame, decimal, score_col)
            frame.attrs.update(self._layout)  # lost in the spill files
            tally["comments"] += len(frame)
            tally["detractors"] += int(det.sum())
            tally["review"] += int(frame["needs_review"].sum())
            writer.write(frame)
        return tally

    def _sorted(self, frame: pd.DataFrame, decimal: str, score_col: str | None) -> tuple[pd.DataFrame, np.ndarray]:
        n = len(frame)
        if score_col:
            parsed = parse_scores(frame[score_col], self.spec, column=score_col, decimal=decimal)
            scores, det = parsed.values, detractor_flags(parsed)
        else:
            scores, det = np.full(n, np.nan), np.zeros(n, dtype=bool)
        complaint = frame["complaint"].to_numpy(dtype=bool) if "complaint" in frame.columns else None
        order = queue_order(frame[ROW_COLUMN].to_numpy(), frame["confidence"].to_numpy(dtype=float),
                            urgency_key(scores, self.spec), det, complaint)
        return frame.iloc[order].reset_index(drop=True), det[order]

    def cleanup(self) -> None:
        """Remove the temporary files (``finish`` does it too)."""
        import shutil

        from feedback_classifier.tableio.atomic import release_lock

        if self._handle is not None:
            self._handle.close()
            self._handle = None

        shutil.rmtree(self._tmp, ignore_errors=True)
        self._lock = release_lock(self._lock)

