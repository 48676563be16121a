"""label: a local labelling web app (standard library HTTP server bound to 127.0.0.1).

One comment at a time, its suggested categories pre-ticked. Every decision rewrites the labels file
atomically before the answer goes back to the browser, so a crash or Ctrl-C loses nothing and a restart
resumes with the first comment not yet decided; a decision whose write fails is not recorded at all (the
server answers 500 naming the file). Every ``retrain_every`` labels a background thread retrains
``suggest``'s model on the labels so far and reorders the comments still waiting (the current one stays).
With ``background=True`` the first ranking is built that way too: the first comment (in the pool's order,
ticked by the taxonomy's keywords) is ready at once instead of after training on the labels and scoring the
pool (20 s for 500 labels and a 100,000-comment pool). With ``review=True`` the pool is a file to go through
in its own order (``audit``'s suspects): pre-ticked are the labels the comment has now, and its
``suggested_labels`` are shown as a hint.
"""

from __future__ import annotations

import json
import threading
from contextlib import ExitStack, contextmanager
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd

from feedback_classifier.errors import FeedbackClassifierError, InputFileError, InputWarning, LabelError, warn
from feedback_classifier.jobs.labelbook import (
    LABELLED, REVIEWED, SKIPPED, STATUS_COL, TIME_COL, check_given_labels, check_writable, file_signature,
    given_labels_column, leave_out_skipped, names_language, read_label_book, statuses, text_key, write_label_frame,
)
from feedback_classifier.jobs.suggest import (
    build_ranker, candidate_rows, keyword_ranker, open_pool, rank_texts, read_loop_labels,
)
from feedback_classifier.lang.normalization import shown_text
from feedback_classifier.lang.ui import ui_text
from feedback_classifier.model.default import DEFAULT_TAXONOMY
from feedback_classifier.render.label_page import label_page
from feedback_classifier.tableio import DEFAULT_READ, ReadOptions, input_layout, is_empty_file, read_table
from feedback_classifier.tableio.atomic import refuse_overwriting_inputs, unwritable_error, waiting_lock
from feedback_classifier.taxonomy import bundled_taxonomy
from feedback_classifier.taxonomy.labels import LABEL_SEPARATOR, cell_items

LABEL_JOIN = f"{LABEL_SEPARATOR} "  # as format_labels joins them
_UNCHANGED: dict = {}  # (undo: a decision that changed nothing in the labels table)
_RANKED_AHEAD = 200  # comments ordered by suggest at a time; the rest keep the pool's order
_MAX_BODY = 64 * 1024  # a decision is a few hundred bytes: anything bigger is refused unread
# the names a browser on this machine (or through a tunnel to it) uses for the app
_LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})


class NotSavedError(InputFileError):
    """The labels file could not be written (folder gone, permissions, full disk): the decision,
    undo or skip that asked for it is not recorded, and the session is exactly as it was before."""


class LabelSession:
    """The state of one labelling session: pool, labels table, queue, history. Thread-safe."""

    def __init__(self, pool, labels_path, *, text_col: str, labels_col: str = "labels", taxonomy=None,
                 id_col: str | None = None, model=None, retrain_every: int = 20, review: bool = False,
                 seed: int = 0, read: ReadOptions = DEFAULT_READ, lang: str | None = None,
                 background: bool = False):
        self.labels_path, self.text_col, self.labels_col, self.id_col = labels_path, text_col, labels_col, id_col
        self.review, self.retrain_every, self.seed, self.model = review, retrain_every, seed, model
        # the labels table is rewritten on every decision: it must not be the pool it is made from
        refuse_overwriting_inputs([Path(labels_path)], [pool], fix="give --labels a file of its own, e.g. labels.csv.")
        check_writable(Path(labels_path))  # now, not at the first decision
        self.pool, self.pool_path = open_pool(pool, text_col, id_col, read), pool  # read: how to read the pool (format, sheet...)
        if not len(self.pool):  # "Labelling 0 comments" and an empty page, for an export that came out empty
            from feedback_classifier.tableio.columns import header_only_error

            raise header_only_error(pool, "nothing to label")
        self.texts = ["" if pd.isna(t) else str(t) for t in self.pool[text_col].tolist()]
        self.given = given_labels_column(self.pool.columns, labels_col) if review else None
        book, tax, model = read_loop_labels(labels_path, taxonomy, model, text_col=text_col, labels_col=labels_col,
                                            id_col=id_col)
        self.model = model  # (loaded once: the retrains use it too)
        # in review mode the file's own order and labels come first: nothing waits for a ranker
        self.preparing = background and not review
        if self.preparing:
            self.ranker = keyword_ranker(tax if tax is not None else bundled_taxonomy(DEFAULT_TAXONOMY), book)
        else:
            self.ranker = build_ranker(book, tax, model=model, seed=seed, pool=self.texts)
        self.taxonomy = self.ranker.taxonomy
        self.categories = list(self.taxonomy.labels)
        check_given_labels(self.pool, self.given, self.taxonomy, pool)
        # category names in the comments' language (as every command decides it), found by a name in any
        self.lang = names_language(self.texts, self.taxonomy, lang, labelled=book.frame.get(labels_col, ()))
        self.frame = self._empty_frame() if book.frame.empty else book.frame.astype(object)
        self.keep_spelling = not lang  # (--lang asks for its names, even for categories the file has)
        self.spelling = self._spellings()
        # rewritten as it was written (a ';' labels file stays ';', an XLSX one's dates stay dates), a new one
        # with the pool's separator (the pool's column types are not the labels file's)
        existing = Path(labels_path).is_file()
        self.layout = input_layout(book.frame.attrs if existing else self.pool.attrs, types=existing)
        self.lock = threading.RLock()
        self.seen = file_signature(labels_path)  # the file as this session last read or wrote it
        self.history: list[int] = self._decided_before()  # the rows decided, in order, for going back
        # every decision to undo, last first: ("decide", row, previous) moved on; ("edit", row, previous,
        # back) changed a comment shown by going back (undo restores it and shows it again)
        self.actions: list[tuple] = []
        self.back = 0
        self.since_retrain = 0
        self.retraining = False
        self.retrains = 0
        self.shown = False  # whether a page has drawn the queue's first comment: a reorder then keeps it
        self.left_out: dict = {}  # pool rows not queued, by reason (candidate_rows'), for the command to say
        if review:
            self.queue = self._to_review()
        else:
            self.queue = candidate_rows(self.pool, book, text_col, id_col, self.left_out)
            if not self.preparing:
                self.queue = self._ranked(self.queue, book.texts)
        self._first = self.start_retrain(book) if self.preparing else None

    # ---- labels table
    def _empty_frame(self) -> pd.DataFrame:
        cols = ([self.id_col] if self.id_col else []) + [self.text_col, self.labels_col, STATUS_COL, TIME_COL]
        return pd.DataFrame(columns=cols, dtype=object)

    def _status(self) -> list[str]:
        return statuses(self.frame)

    def _to_review(self) -> list[int]:
        """The pool rows not reviewed yet; a text labelled in several rows is looked at row by row."""
        from collections import Counter

        keys, status = [text_key(t) for t in self.frame[self.text_col]], self._status()
        reviewed = {k for k, s in zip(keys, status) if s == REVIEWED}
        # by --id-col each row of an answer several people gave is its own (none written yet: to review)
        repeated = set(keys) if self.id_col in self.frame else {k for k, n in Counter(keys).items() if n > 1}
        mine = [text_key(t) for t in self.texts]
        if any(mine) and not set(keys) & set(mine) and self.given == self.labels_col:  # (not the model's)
            # a mistyped --labels would collect the corrections in a new file, the audited one unchanged
            where = "a new file" if self.frame.empty else "it has other comments"
            warn(InputWarning(
                f"none of the {sum(map(bool, mine)):,} comments of {self.pool_path} is in {self.labels_path} "
                f"({where}): the reviewed labels are added there as new rows; to correct the labels file audit read, "
                "pass that file as --labels."))
        return [i for i, k in enumerate(mine) if k and (
            k not in reviewed or (k in repeated and ((found := self._find(i)) is None or status[found] != REVIEWED)))]

    def _decided_before(self) -> list[int]:
        """The pool rows the labels file holds decisions for, in its order (the order they were
        made in): going back reaches past a restart. In a review, the rows reviewed already."""
        by_key: dict[str, list[int]] = {}
        for i, t in enumerate(self.texts):
            by_key.setdefault(text_key(t), []).append(i)
        ids = self.pool[self.id_col].astype(str).tolist() if self.id_col and self.id_col in self.frame else None
        rows = []
        for i, (text, status) in enumerate(zip(self.frame[self.text_col], self._status())):
            hits = by_key.get(text_key(text), [])
            if ids is not None:
                hits = [r for r in hits if ids[r] == str(self.frame[self.id_col].iloc[i])]
            if hits and (status == REVIEWED or not self.review):
                rows.append(hits.pop(0))  # (one answer several people gave: each row of it once)
        return rows

    def _find(self, row: int) -> int | None:
        key = text_key(self.texts[row])
        hits = [i for i, t in enumerate(self.frame[self.text_col]) if text_key(t) == key]
        by_id = bool(hits) and self.id_col is not None and self.id_col in self.frame
        if len(hits) > 1 or by_id:
            hits = self._same_row(row, hits, by_id)
        return hits[-1] if hits else None

    def _same_row(self, row: int, hits: list[int], by_id: bool = False) -> list[int]:
        """Which of the labels rows with pool ``row``'s text (one answer such as "Вкусно." given by several people) is
        that row: the one with its id (``by_id``: none is a new row, not the previous id's overwritten); in a review
        (audit's suspects carry the labels they were audited with) the ones with its labels, else the ones reviewed."""
        if by_id:
            want = str(self.pool[self.id_col].iloc[row])
            return [i for i in hits if str(self.frame[self.id_col].iloc[i]) == want]
        if not self.review or self.labels_col not in self.pool:
            return hits
        want = set(self.taxonomy.parse_labels(self.pool[self.labels_col].iloc[row]))
        same = [i for i in hits if set(self.taxonomy.parse_labels(self.frame[self.labels_col].iloc[i])) == want]
        status = self._status()
        return same or [i for i in hits if status[i] == REVIEWED] or hits

    def _ranked(self, rows: list[int], labelled_texts: list[str]) -> list[int]:
        texts = [self.texts[i] for i in rows]
        picked, _ = rank_texts(self.ranker, texts, min(_RANKED_AHEAD, len(rows)), labelled_texts, seed=self.seed)
        first = [rows[i] for i in picked]
        taken = set(first)
        return first + [r for r in rows if r not in taken]

    # ---- what the page shows
    def current(self) -> int | None:
        if self.back:
            return self.history[-self.back]
        return self.queue[0] if self.queue else None

    def _ticked(self, row: int) -> tuple[list[int], str]:
        index = {c: j for j, c in enumerate(self.categories)}
        found = self._find(row)
        hint = ""
        if self.review and "suggested_labels" in self.pool:
            hint = "" if pd.isna(self.pool["suggested_labels"].iloc[row]) else str(self.pool["suggested_labels"].iloc[row])
        if found is not None and (self.back or self.review):
            labels = self.taxonomy.parse_labels(self.frame[self.labels_col].iloc[found])
        elif self.given is not None:
            labels = self.taxonomy.parse_labels(self.pool[self.given].iloc[row])
        else:
            P = self.ranker.probabilities([self.texts[row]])
            labels = self.ranker.labels_and_confidence(P)[0][0]
        return [index[lab] for lab in labels if lab in index], hint

    def state(self) -> dict:
        """Everything the page draws: the comment, ticked categories, progress and counts."""
        with self.lock:
            row = self.current()
            status = self._status()
            counts = [0] * len(self.categories)
            index = {c: j for j, c in enumerate(self.categories)}
            for cell, st in zip(self.frame[self.labels_col], status):
                if st == SKIPPED:
                    continue
                # a comment counts once per category: two subcategories of one parent counted the parent
                # twice (139 "examples" of a parent that 105 comments were given)
                labs = {lab for p, c in self.taxonomy.parse_labels(cell) for lab in ((p, None), (p, c))}
                for lab in labs:
                    counts[index[lab]] += 1
            item = None
            if row is not None:
                self.shown = True
                ticked, hint = self._ticked(row)
                text = self.texts[row]
                item = {"row": row, "text": text, "shown": shown_text(text), "ticked": ticked, "hint": hint}
            return {
                "item": item, "back": self.back, "remaining": len(self.queue),
                "labelled": sum(s != SKIPPED for s in status), "skipped": sum(s == SKIPPED for s in status),
                "counts": counts, "retraining": self.retraining, "retrains": self.retrains,
                "preparing": self.preparing,
                "model": ui_text(self.lang, f"label.kind.{self._kind()}"), "review": self.review, "can_undo": bool(self.actions),
                "categories": [{"name": self._name(c, self.lang), "child": c[1] is not None,
                                "path": self.taxonomy.display_name(c, self.lang), "search": self._search(c)}
                               for c in self.categories],
            }

    def _kind(self) -> str:
        """What ranks the comments, for the page: a taxonomy without keywords (one inferred from the
        labels) ticks nothing before the first model is trained, which "taxonomy keywords" hid."""
        kind = self.ranker.kind
        if kind == "keywords" and not any(self.taxonomy.keywords(label) for label in self.categories):
            return "nothing"
        return kind

    def _search(self, label) -> str:
        """What the page's filter finds a category by: its name and its path ("restaurant general": a
        subcategory's name alone repeats under several parents) in every language of the taxonomy."""
        names = (n for code in self.taxonomy.languages
                 for n in (self._name(label, code), self.taxonomy.display_name(label, code).replace(" > ", " ")))
        return " | ".join(dict.fromkeys(names)).lower()

    def _name(self, label, lang: str) -> str:
        return self.taxonomy.short_name(label, lang) if label[1] else self.taxonomy.display_name(label, lang)

    # ---- decisions
    def decide(self, row: int, labels: list[int] | None) -> dict:
        """Record ``labels`` (indices into the categories) for pool ``row``, or a skip (``None``).
        An index naming no category is a ``LabelError`` and nothing is recorded."""
        n = len(self.categories)
        bad = [j for j in labels or [] if isinstance(j, bool) or not isinstance(j, int) or not 0 <= j < n]
        if bad:  # (a negative index would silently name a category from the end)
            raise LabelError(f"category {bad[0]!r} is not one of the {n} categories: give their indices, "
                             f"0 to {n - 1}.")
        with self._exclusive():
            self._reload_if_changed()
            if row != self.current():
                return self._stale()
            with self._saving():
                found = self._find(row)
                previous = None if found is None else self.frame.iloc[found].to_dict()
                if labels is None and self.review:
                    previous = _UNCHANGED  # skipping a row under review leaves its labels as they are
                else:
                    record = self._record(row, labels)
                    if found is None:
                        self.frame = pd.concat([self.frame, pd.DataFrame([record], dtype=object)], ignore_index=True)
                    else:
                        for k, v in record.items():
                            self.frame.loc[found, k] = v
                if self.back:
                    self.actions.append(("edit", row, previous, self.back))
                    self.back -= 1
                else:
                    self.queue.pop(0)
                    self.history.append(row)
                    self.actions.append(("decide", row, previous))
                    self.since_retrain += labels is not None
            start = self.since_retrain >= self.retrain_every and not self.retraining and not self.review
        if start:
            self.start_retrain()
        return self.state()

    def _record(self, row: int, labels: list[int] | None) -> dict:
        labs = [] if labels is None else [self.categories[j] for j in sorted(set(labels))]
        children = {p for p, c in labs if c is not None}
        labs = [(p, c) for p, c in labs if c is not None or p not in children]  # a child implies its parent
        record = {self.text_col: self.texts[row],
                  self.labels_col: LABEL_JOIN.join(self._spelled(lab) for lab in labs),
                  STATUS_COL: SKIPPED if labels is None else (REVIEWED if self.review else LABELLED),
                  TIME_COL: datetime.now(timezone.utc).isoformat(timespec="seconds")}
        if self.id_col:
            record[self.id_col] = self.pool[self.id_col].iloc[row]
        return record

    def _spellings(self) -> dict:
        """How the labels file writes each category most often (``FOOD > STYLE_OPTIONS``, as SemEval
        does, or names in a language): the app writes it the same way, one spelling per category."""
        from collections import Counter, defaultdict

        votes: dict = defaultdict(Counter)
        for cell in self.frame[self.labels_col] if self.keep_spelling else ():
            for item in cell_items(cell):
                try:
                    label = self.taxonomy.parse_label(item)
                except LabelError:
                    continue
                votes[label][" ".join(item.split())] += 1
        return {label: counts.most_common(1)[0][0] for label, counts in votes.items()}

    def _spelled(self, label) -> str:
        return self.spelling.get(label) or self.taxonomy.display_name(label, self.lang)

    @contextmanager
    def _exclusive(self):
        """This session's lock and, across processes, one on the labels file's folder: a second label
        app reading the file between this one's reading and renaming its copy over it lost 21 of 60
        decisions made side by side (the file itself cannot be locked: each write is a new file)."""
        with self.lock, ExitStack() as held:
            try:
                held.enter_context(waiting_lock(Path(self.labels_path).absolute().parent))
            except InputFileError as exc:
                raise NotSavedError(f"{str(exc).rstrip('.')} (nothing was saved).") from None
            yield

    @contextmanager
    def _saving(self):
        """Change the labels table in the ``with`` block, then write it. When anything fails the
        session is put back as it was (table, history, queue, going back): the page and the file must
        not disagree about what is decided. A failed write is a ``NotSavedError`` naming the file."""
        before = (self.frame.copy(), list(self.history), list(self.actions), list(self.queue), self.back,
                  self.since_retrain)
        try:
            yield
            try:
                frame = self.frame.copy()
                frame.attrs.update(self.layout)
                write_label_frame(frame, self.labels_path)
                self.seen = file_signature(self.labels_path)
            except (InputFileError, OSError) as exc:
                reason = unwritable_error(Path(self.labels_path), exc) if isinstance(exc, OSError) else exc
                raise NotSavedError(f"{str(reason).rstrip('.')}, then try again (nothing was changed).") from None
        except BaseException:
            self.frame, self.history, self.actions, self.queue, self.back, self.since_retrain = before
            raise

    def _reload_if_changed(self) -> None:
        """Read the labels file again when something else wrote it since this session did (edited
        by hand or in Excel, or a second label app on it): every write rewrites the whole table, so
        writing the session's copy would silently undo those changes. Comments decided there leave
        the queue. A file that no longer reads (a typo in a label, a renamed column) is a
        ``NotSavedError`` naming row and column: the session keeps its own copy until it is fixed."""
        now = file_signature(self.labels_path)
        if now is None or now == self.seen:
            return  # (a file removed meanwhile is written again from the session's copy: no label lost)
        try:
            book, _ = read_label_book(self.labels_path, self.taxonomy, text_col=self.text_col,
                                      labels_col=self.labels_col, id_col=self.id_col)
        except FeedbackClassifierError as exc:
            raise NotSavedError(f"{str(exc).rstrip('.')} ({self.labels_path} was changed while the app ran: "
                                "fix it there, then try again; nothing was saved).") from None
        self.frame = self._empty_frame() if book.frame.empty else book.frame.astype(object)
        self.spelling = self._spellings()
        # Excel in a Russian locale saves it ';' separated: written back with ',' it opened in one column
        self.layout = input_layout(book.frame.attrs, types=True)
        self.seen = now
        if not self.review:  # (the one shown too: another app decided it, so this one's answer is stale)
            self.queue = [r for r in self.queue if not book.decided(
                self.texts[r], self.pool[self.id_col].iloc[r] if self.id_col else None)]

    def saved_labelled(self) -> int | None:
        """How many labelled (not skipped) rows the labels file holds now; ``None`` when there is no
        such file (never written, or removed while the app ran)."""
        path = Path(self.labels_path)
        if not path.is_file():
            return None
        return 0 if is_empty_file(path) else len(leave_out_skipped(read_table(path))[0])

    def _stale(self) -> dict:
        state = self.state()
        state["stale"] = True  # another tab moved on: the page redraws what is current
        return state

    def undo(self) -> dict:
        """Take back the last decision, a change made by going back included: the labels file forgets
        it and its comment is shown again."""
        with self._exclusive():
            self._reload_if_changed()
            if self.actions:
                with self._saving():
                    kind, row, previous, *back = self.actions.pop()
                    self._restore(row, previous)
                    if kind == "edit":  # shown again where it was
                        self.back = min(back[0], len(self.history))
                    else:
                        self.history.pop()
                        self.queue.insert(0, row)
                        self.back = 0
        return self.state()

    def _restore(self, row: int, previous: dict | None) -> None:
        """Put ``row``'s labels-table row back as ``previous`` (None: it had none)."""
        found = self._find(row)
        if previous is None and found is not None:
            self.frame = self.frame.drop(index=self.frame.index[found]).reset_index(drop=True)
        elif previous is not None and previous is not _UNCHANGED:
            # the row exactly as it was: a column the decision added (status, time) empty again
            for k in self.frame.columns:
                self.frame.loc[found, k] = previous.get(k)

    def go_back(self) -> dict:
        """Show the previous decided comment again (its labels ticked) without changing anything."""
        with self.lock:
            self.back = min(self.back + 1, len(self.history))
        return self.state()

    # ---- retraining
    def start_retrain(self, book=None) -> threading.Thread:
        """Retrain ``suggest``'s model on the labels file (or ``book``, the labels read already) in
        a background thread; reorder the queue."""
        with self.lock:
            self.retraining, self.since_retrain = True, 0
        thread = threading.Thread(target=self._retrain, args=(book,), daemon=True)
        thread.start()
        return thread

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Whether the first ranking (``background=True``) is done, after waiting up to ``timeout`` s."""
        if self._first is not None:
            self._first.join(timeout)
        return not self.preparing

    def _retrain(self, book=None) -> None:
        try:
            if book is None:
                book, _ = read_label_book(self.labels_path, self.taxonomy, text_col=self.text_col,
                                          labels_col=self.labels_col, id_col=self.id_col)
            ranker = build_ranker(book, self.taxonomy, model=self.model, seed=self.seed, pool=self.texts)
            with self.lock:
                # before any page asked (the command waits for the first ranking) nothing is on screen
                waiting = list(self.queue[1:] if self.shown else self.queue)
            self.ranker = ranker
            order = self._ranked(waiting, book.texts)
            with self.lock:
                head = self.queue[:1] if self.shown else []  # the comment on screen stays
                rest = self.queue[len(head):]
                # rows put back meanwhile (an undo) keep their place ahead of the ranked ones
                pending, ranked = set(rest), set(waiting)
                self.queue = head + [r for r in rest if r not in ranked] + [r for r in order if r in pending]
                self.retrains += not self.preparing
        finally:
            self.retraining = self.preparing = False


class _Handler(BaseHTTPRequestHandler):
    session: LabelSession
    page: bytes

    def log_message(self, format, *args):  # noqa: A002 - the terminal shows the app's own lines only
        pass

    def _send(self, body: bytes, ctype: str, code: int = 200) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("X-Frame-Options", "DENY")  # no other page may frame the app and click for the user
        self.send_header("Content-Security-Policy", "frame-ancestors 'none'")
        self.end_headers()
        self.wfile.write(body)

    def _json(self, data: dict, code: int = 200) -> None:
        self._send(json.dumps(data, ensure_ascii=False).encode(), "application/json; charset=utf-8", code)

    def _refused(self, *, write: bool) -> str | None:
        """Why a request must not be served, or ``None``. Bound to 127.0.0.1 is not enough: any web
        page the user has open can send requests there. A Host that is not this server's address is
        a DNS-rebinding page reading the comments; a write from another Origin, or not sent as
        ``application/json`` (which a cross-site page cannot send without a preflight this server
        never grants), is a page labelling behind the user's back. Any port is fine: an SSH tunnel
        (``ssh -L 9000:127.0.0.1:8765``) reaches the app as ``localhost:9000``, and a rebinding page
        cannot make its own name a loopback one."""
        port = self.server.server_address[1]
        host = (self.headers.get("Host") or "").strip().lower()
        if host.rpartition(":")[0] not in _LOOPBACK_NAMES and host not in _LOOPBACK_NAMES:
            return f"Host {host[:100]!r} is not this app's address: open http://127.0.0.1:{port}/"
        if not write:
            return None
        origin = self.headers.get("Origin")
        if origin is not None and origin.strip().lower() != f"http://{host}":
            return f"a request from {origin[:100]!r} may not change the labels"
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype != "application/json":
            return "a change must be sent as Content-Type: application/json"
        return None

    def do_GET(self):  # noqa: N802 - http.server's naming
        refused = self._refused(write=False)
        if refused:
            return self._send(refused.encode(), "text/plain; charset=utf-8", 403)
        if self.path == "/":
            self._send(self.page, "text/html; charset=utf-8")
        elif self.path == "/api/state":
            self._json(self.session.state())
        else:
            self._send(b"not found", "text/plain", 404)

    def do_POST(self):  # noqa: N802
        s = self.session
        actions = {
            "/api/decide": lambda body: s.decide(*_decision(body)),
            "/api/undo": lambda body: s.undo(),
            "/api/back": lambda body: s.go_back(),
        }
        refused = self._refused(write=True)
        if refused:
            self.close_connection = True  # (its body is not read)
            return self._json({"error": refused}, 403)
        if self.path not in actions:
            return self._send(b"not found", "text/plain", 404)
        # a bad request gets a 400 saying why, and the server keeps serving
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= _MAX_BODY:  # (a negative length would read until the client hangs up)
            self.close_connection = True
            return self._json({"error": f"the request body must be 0 to {_MAX_BODY} bytes with its "
                                        f"Content-Length; got {self.headers.get('Content-Length')!r}"}, 413)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError as exc:
            return self._json({"error": f"the request body is not JSON: {exc}"}, 400)
        except RecursionError:  # 64 kB of '[' is within the size limit yet deeper than Python's stack
            return self._json({"error": "the request body is not a decision: JSON nested too deeply"}, 400)
        try:
            state = actions[self.path](body)
        except NotSavedError as exc:  # the server's failure, not the request's: nothing changed, say why
            return self._json({"error": str(exc)}, 500)
        except FeedbackClassifierError as exc:
            return self._json({"error": str(exc)}, 400)
        self._json(state)


_DECISION = '{"row": <row>, "labels": [<category index>, ...]} or {"row": <row>, "skip": true}'


def _decision(body) -> tuple[int, list[int] | None]:
    """``(row, labels)`` of a ``/api/decide`` body (``labels`` ``None`` for a skip); a ``LabelError``
    saying what is expected when it is malformed."""
    row = body.get("row") if isinstance(body, dict) else None
    if isinstance(row, bool) or not isinstance(row, int):
        raise LabelError(f"/api/decide needs {_DECISION}; got {json.dumps(body)[:200]}")
    if body.get("skip"):
        return row, None
    labels = body.get("labels")
    if not isinstance(labels, list):
        raise LabelError(f"/api/decide needs {_DECISION}; 'labels' is {json.dumps(labels)[:200]}")
    return row, labels


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        import sys

        # a tab closed or reloaded while the app answered: nothing to tell the user in the terminal
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def make_server(session: LabelSession, port: int = 8765) -> ThreadingHTTPServer:
    """An HTTP server for ``session`` on 127.0.0.1 (``port=0``: any free port); call
    ``serve_forever()`` on it. Only this machine can reach it."""
    page = label_page(session.taxonomy.name, session.lang).encode()
    handler = type("Handler", (_Handler,), {"session": session, "page": page})
    try:
        server = _Server(("127.0.0.1", port), handler)
    except OSError as exc:
        raise FeedbackClassifierError(
            f"127.0.0.1:{port}: cannot listen there ({exc.strerror or exc}); pass another --port (0: any free port)."
        ) from None
    return server

