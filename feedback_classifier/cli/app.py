"""The ``feedback-classifier`` command line.

Each command parses its options, calls one library function and renders the
result. Only ``FeedbackClassifierError`` (a user mistake) is turned into a
one-line message with exit code 1; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from typer.core import TyperGroup

from feedback_classifier import __version__
from feedback_classifier.errors import FeedbackClassifierError
from feedback_classifier.tableio.tables import write_file_atomic

class _UserErrorsAsMessages(TyperGroup):
    """Turns a FeedbackClassifierError raised by any (sub)command into a one-line
    ``Error: ...`` on stderr with exit code 1, so CliRunner tests and real shells see the same thing."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except FeedbackClassifierError as exc:
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(1) from None


app = typer.Typer(
    cls=_UserErrorsAsMessages,
    name="feedback-classifier",
    help="Classify survey comments (English/Russian) into a taxonomy, find NPS drivers, route and report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
taxonomy_app = typer.Typer(help="Validate, show and infer taxonomies.", no_args_is_help=True)
app.add_typer(taxonomy_app, name="taxonomy")

# Piped or captured output (logs, CI, `| less`) would otherwise be squeezed into 80 columns,
# which folds the ranked tables into unreadable cells; a terminal keeps its own width.
_PIPED_WIDTH = 160
console = Console(width=None if sys.stdout.isatty() else _PIPED_WIDTH)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else _PIPED_WIDTH)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"feedback-classifier {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Optional[bool] = typer.Option(
        None, "--version", callback=_version_callback, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Classify survey comments into a taxonomy, find what drives NPS, route and report.

    Example: feedback-classifier analyze survey.csv --text-col comment --score-col nps --out-dir out/
    """


# ---- commands are added below, one section per capability ----


# ---- taxonomy ----
from rich.text import Text  # noqa: E402
from rich.tree import Tree  # noqa: E402

from feedback_classifier.taxonomy import core as _taxonomy  # noqa: E402


@taxonomy_app.command("validate")
def taxonomy_validate(
    file: str = typer.Argument(..., help="Taxonomy YAML file, or a bundled name such as cx-default."),
) -> None:
    """Check a taxonomy file and report every problem at once (file, line, category, field).

    Example: feedback-classifier taxonomy validate my-taxonomy.yaml
    """
    tax = _taxonomy.load_taxonomy(file)
    n_parents = len(tax.parents)
    typer.echo(
        f"OK: {tax.name} (version {tax.version}): {n_parents} parents, {len(tax) - n_parents} children, "
        f"{len(tax.owners)} owner teams, languages {', '.join(tax.languages)}; hash {tax.hash[:12]}"
    )


@taxonomy_app.command("show")
def taxonomy_show(
    file: str = typer.Argument(..., help="Taxonomy YAML file, or a bundled name such as cx-default."),
    lang: str = typer.Option("en", "--lang", help="Language of the names: en or ru."),
    keywords: bool = typer.Option(False, "--keywords", help="Also list each category's keywords."),
) -> None:
    """Print the taxonomy as a tree with ids and owner teams.

    Example: feedback-classifier taxonomy show cx-default --lang ru
    """
    tax = _taxonomy.load_taxonomy(file)
    if lang not in tax.languages:
        raise typer.BadParameter(
            f"'{lang}' is not a language of taxonomy '{tax.name}' ({', '.join(tax.languages)})",
            param_hint="--lang",
        )
    n_parents = len(tax.parents)
    tree = Tree(
        Text.assemble(
            (tax.name, "bold"),
            f"  version {tax.version}: {n_parents} parents, {len(tax) - n_parents} children",
        )
    )

    def node(label, *, show_owner: bool) -> Text:
        text = Text.assemble(
            (tax.short_name(label, lang), "bold" if label[1] is None else ""),
            (f"  [{label[1] or label[0]}]", "dim"),
        )
        if show_owner:
            text.append(f"  owner: {tax.owner(label)}", style="cyan")
        if keywords and tax.keywords(label, lang):
            text.append(f"\n{', '.join(tax.keywords(label, lang))}", style="dim italic")
        return text

    for parent in tax.parents:
        branch = tree.add(node(parent, show_owner=True))
        for child in tax.children(parent):
            # Children inherit the parent's team; print it only where it differs.
            branch.add(node(child, show_owner=tax.owner(child) != tax.owner(parent)))
    console.print(tree)


@taxonomy_app.command("infer")
def taxonomy_infer(
    data: Path = typer.Argument(..., help="Labelled data file (CSV, XLSX, Parquet, JSONL)."),
    labels_col: str = typer.Option("labels", "--labels-col", help="Column with labels like 'Parent > Child; Parent'."),
    output: Path = typer.Option(..., "-o", "--output", help="Taxonomy YAML file to write."),
    name: Optional[str] = typer.Option(None, "--name", help="Taxonomy name (default: the output file's stem)."),
    owner: str = typer.Option(_taxonomy.DEFAULT_OWNER, "--owner", help="Owner team given to every parent."),
    force: bool = typer.Option(False, "--force", help="Overwrite OUTPUT if it exists."),
) -> None:
    """Build a taxonomy from the labels of a data file, for when you have none.

    Ids are made from the names, names are kept as written for every language and every category is owned by "unassigned": edit the file afterwards.

    Example: feedback-classifier taxonomy infer labelled.csv --labels-col labels -o my-taxonomy.yaml
    """
    from feedback_classifier.tableio.tables import read_table, require_columns

    if output.exists() and not force:
        raise typer.BadParameter(f"{output} already exists; pass --force to overwrite it", param_hint="--output")
    df = read_table(data)
    require_columns(df, labels_col, source=data)
    tax = _taxonomy.infer_taxonomy(
        df[labels_col], name=name or output.stem, owner=owner, column=labels_col, source=str(data), first_row=1
    )
    tax.dump(
        output,
        header=(
            f"Inferred by `feedback-classifier taxonomy infer` from {data.name} (column '{labels_col}').\n"
            "Next: set owner teams, translate the names, add descriptions and keywords;\n"
            f"then check it with `feedback-classifier taxonomy validate {output.name}`."
        ),
    )
    n_parents = len(tax.parents)
    typer.echo(
        f"Wrote {output}: {n_parents} parents, {len(tax) - n_parents} children from {len(df)} rows "
        f"of {data.name}. Edit the owners and names, then run: feedback-classifier taxonomy validate {output}"
    )


# ---- classify ----
def _load_classify_model(model: Optional[Path]):
    if model is None:
        from feedback_classifier.model.default import default_model

        return default_model()
    from feedback_classifier.errors import ModelFileError
    from feedback_classifier.model.persist import load_model

    if not model.exists():
        raise ModelFileError(
            f"{model}: model file not found; train one with `feedback-classifier train`, "
            "or omit --model to use the bundled default model."
        )
    return load_model(model)


@app.command("classify")
def classify_command(
    data: Path = typer.Argument(..., help="Survey export: CSV/TSV, XLSX, Parquet or JSONL (a Parquet directory with --engine dask)."),
    text_col: str = typer.Option(..., "--text-col", help="Column with the comments."),
    out: Path = typer.Option(..., "--out", "-o", help="Output file; its extension sets the format (.csv, .xlsx, .parquet, .jsonl)."),
    model: Optional[Path] = typer.Option(None, "--model", "-m", help="Model file from `train` (default: the bundled cx-default model)."),
    fmt: Optional[str] = typer.Option(None, "--format", help="Input format when the extension does not tell: csv, tsv, xlsx, parquet, jsonl."),
    out_fmt: Optional[str] = typer.Option(None, "--out-format", help="Output format when the extension does not tell."),
    sheet: Optional[str] = typer.Option(None, "--sheet", help="XLSX sheet name (default: the first sheet)."),
    encoding: Optional[str] = typer.Option(None, "--encoding", help="CSV encoding (default: detected, e.g. utf-8, cp1251, utf-16)."),
    sep: Optional[str] = typer.Option(None, "--sep", help="CSV delimiter (default: detected)."),
    lang: str = typer.Option("en", "--lang", help="Language of the category names written: en or ru."),
    probabilities: bool = typer.Option(False, "--probabilities", help="Add a 'p: <category>' column per category."),
    explain: bool = typer.Option(False, "--explain", help="Add an 'evidence' column: the words behind each category."),
    review_margin: float = typer.Option(0.05, "--review-margin", min=0.0, max=1.0, help="Flag for review when a predicted category's probability is less than this above its threshold."),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Worker processes (use the number of cores for big files)."),
    chunksize: int = typer.Option(50_000, "--chunksize", min=1, help="Rows per chunk; memory grows with it."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or progress lines."),
    engine: str = typer.Option("pandas", "--engine", help="pandas (files, streaming) or dask (Parquet datasets, clusters)."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (default: a local cluster)."),
) -> None:
    """Add category columns (categories, parent_categories, confidence, needs_review) to every row of a survey export.

    Every row and column is kept, in order. Files of any size are streamed in chunks.

    Example: feedback-classifier classify survey.csv --text-col comment --out survey_classified.csv --jobs 2
    """
    from feedback_classifier.jobs.classify import classify_file
    from feedback_classifier.tableio.rowcount import LogLineProgress, RichProgress

    if engine not in ("pandas", "dask"):
        raise typer.BadParameter(f"'{engine}' is not an engine; use pandas or dask", param_hint="--engine")
    if scheduler is not None and engine != "dask":
        raise typer.BadParameter("--scheduler needs --engine dask", param_hint="--scheduler")
    clf = _load_classify_model(model)
    languages = tuple(getattr(clf.taxonomy_, "languages", ("en",)))
    if lang not in languages:
        raise typer.BadParameter(
            f"'{lang}' is not a language of the model's taxonomy ({', '.join(languages)})", param_hint="--lang"
        )

    if engine == "dask":
        from feedback_classifier.jobs.dask_engine import classify_parquet_dataset

        summary = classify_parquet_dataset(
            data, out, model=clf, text_col=text_col, lang=lang, probabilities=probabilities,
            explain=explain, review_margin=review_margin, scheduler=scheduler, workers=jobs,
        )
    else:
        options = dict(
            model=clf, text_col=text_col, fmt=fmt, out_fmt=out_fmt, sheet=sheet, encoding=encoding, sep=sep,
            chunksize=chunksize, jobs=jobs, lang=lang, probabilities=probabilities, explain=explain,
            review_margin=review_margin,
        )
        if quiet:
            summary = classify_file(data, out, **options)
        elif err_console.is_terminal:
            with RichProgress(console=err_console) as bar:
                summary = classify_file(data, out, progress=bar, **options)
        else:
            summary = classify_file(data, out, progress=LogLineProgress(), **options)

    typer.echo(
        f"Classified {summary.rows:,} rows in {summary.elapsed:.1f} s ({summary.rows_per_second:,.0f} rows/s): "
        f"{summary.rows_with_categories:,} with categories, {summary.needs_review:,} to review, "
        f"{summary.empty_comments:,} empty comments."
    )
    if summary.category_counts:
        top = list(summary.category_counts.items())[:5]
        typer.echo("Top categories: " + ", ".join(f"{name} ({n:,})" for name, n in top))
    typer.echo(f"Wrote {summary.output}")


# ---- analyze / route / report ----
_SCORE_TYPE_HELP = "Score type: nps (0-10), csat (1-5 by default), ces (1-7 by default) or mean."


def _split_keep(keep: Optional[list[str]]) -> Optional[list[str]]:
    """--keep id --keep region, or --keep id,region."""
    if not keep:
        return None
    return [c.strip() for item in keep for c in item.split(",") if c.strip()]


def _check_lang(lang: Optional[str]) -> Optional[str]:
    if lang is not None and lang not in ("en", "ru"):
        raise typer.BadParameter(f"'{lang}' is not a report language; use en or ru", param_hint="--lang")
    return lang


def _routing_table(summary, title: str, detractor_word: str = "detractors"):
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    table.add_column("team")
    table.add_column("comments", justify="right")
    table.add_column(detractor_word, justify="right")
    table.add_column("review", justify="right")
    for record in summary.to_dict("records"):
        style = "bold" if record["team"] == "review" else None
        table.add_row(str(record["team"]), f"{record['comments']:,}", f"{record['detractors']:,}",
                      f"{record['review']:,}", style=style)
    return table


def _fmt_metric(overall) -> str:
    digits = 1 if overall.score_type in ("ces", "mean") else 0
    unit = "%" if overall.score_type == "csat" else ""
    return (f"{overall.metric_name} {overall.metric:.{digits}f}{unit} (95% CI {overall.ci_low:.{digits}f} to "
            f"{overall.ci_high:.{digits}f}, {overall.n_scored:,} scores)")


@app.command("analyze")
def analyze_command(
    data: Path = typer.Argument(..., help="Survey export: CSV/TSV, XLSX, Parquet or JSONL."),
    text_col: str = typer.Option(..., "--text-col", help="Column with the comments."),
    out_dir: Path = typer.Option(..., "--out-dir", "-o", help="Folder for the enriched table, drivers, queues and report.html."),
    score_col: Optional[str] = typer.Option(None, "--score-col", help="Score column (NPS 0-10 by default); without it there are no drivers."),
    model: Optional[Path] = typer.Option(None, "--model", "-m", help="Model file from `train` (default: the bundled cx-default model)."),
    taxonomy: Optional[str] = typer.Option(None, "--taxonomy", "-t", help="Taxonomy name or YAML (default: the model's)."),
    by: Optional[str] = typer.Option(None, "--by", help="Segment column to compare (e.g. region, channel)."),
    period_col: Optional[str] = typer.Option(None, "--period-col", help="Date column for the trend (default: detected, e.g. submitted_at)."),
    freq: str = typer.Option("month", "--period", help="Trend period: week, month, quarter or year."),
    lang: Optional[str] = typer.Option(None, "--lang", help="Language of category names and the report: en or ru (default: the comments' majority language)."),
    score_type: str = typer.Option("nps", "--score-type", help=_SCORE_TYPE_HELP),
    scale: Optional[str] = typer.Option(None, "--scale", help="Score scale for csat/ces/mean, e.g. 1-5."),
    lower_is_better: bool = typer.Option(False, "--lower-is-better", help="Lower scores are better (e.g. a CES where 7 = most effort)."),
    keep: Optional[list[str]] = typer.Option(None, "--keep", help="Column to carry into the team queues (repeat, or comma-separate). Default: id-like columns."),
    queue_format: Optional[str] = typer.Option(None, "--queue-format", help="Format of queues and drivers: csv, xlsx or jsonl (default: like the input)."),
    fmt: Optional[str] = typer.Option(None, "--format", help="Input format when the extension does not tell."),
    sheet: Optional[str] = typer.Option(None, "--sheet", help="XLSX sheet name (default: the first sheet)."),
    encoding: Optional[str] = typer.Option(None, "--encoding", help="CSV encoding (default: detected)."),
    sep: Optional[str] = typer.Option(None, "--sep", help="CSV delimiter (default: detected)."),
    title: Optional[str] = typer.Option(None, "--title", help="Report title."),
    min_n: int = typer.Option(30, "--min-n", min=0, help="Categories with fewer scored mentions are flagged 'low n'."),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Worker processes for classifying (use the number of cores for big files)."),
    chunksize: int = typer.Option(50_000, "--chunksize", min=1, help="Rows read at a time; memory grows with it, not with the file."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or progress lines."),
    evidence: bool = typer.Option(True, "--evidence/--no-evidence", help="Add the 'evidence' column (the words behind each category) to the enriched table."),
) -> None:
    """Classify, find what drives the score, route to teams and write an HTML report — in one go.

    Streams the file: memory depends on --chunksize, not on the number of rows.

    Example: feedback-classifier analyze survey.csv --text-col comment --score-col nps --out-dir out/ --by region
    """
    from feedback_classifier.jobs.analyze import analyze
    from feedback_classifier.tableio.rowcount import LogLineProgress, RichProgress

    options = dict(
        text_col=text_col, out_dir=out_dir, score_col=score_col, model=model, taxonomy=taxonomy, by=by,
        period_col=period_col, freq=freq, lang=_check_lang(lang), score_type=score_type, scale=scale,
        higher_is_better=not lower_is_better, keep=_split_keep(keep), fmt=fmt, sheet=sheet, encoding=encoding,
        sep=sep, queue_format=queue_format, title=title, min_n=min_n, jobs=jobs, chunksize=chunksize,
        explain=evidence,
    )
    if quiet:
        result = analyze(data, **options)
    elif err_console.is_terminal:
        with RichProgress(description="analyzing", console=err_console) as bar:
            result = analyze(data, progress=bar, **options)
    else:
        result = analyze(data, progress=LogLineProgress(label="analyzed"), **options)
    for note in result.notes:
        typer.echo(note)
    typer.echo("")
    share = f"{result.classified / result.comments:.0%}" if result.comments else "n/a"
    typer.echo(f"Rows: {result.rows:,} ({result.comments:,} with a comment, {share} classified, "
               f"{result.needs_review:,} need review)")
    overall = result.overall
    typer.echo(_fmt_metric(overall) if overall is not None else "Score: none (give --score-col to see drivers)")
    top = result.top_negative_drivers(3)
    if len(top):
        typer.echo("Top negative drivers:")
        for i, row in enumerate(top.to_dict("records"), start=1):
            name = result.category_name(row["category"])
            typer.echo(f"  {i}. {name}: {row['impact']:+.1f} pts (95% CI {row['impact_low']:+.1f} to "
                       f"{row['impact_high']:+.1f}), {row['mentions']:,} mentions")
    elif overall is not None:
        typer.echo("Top negative drivers: none found")
    typer.echo("")
    typer.echo(f"Enriched table: {result.enriched_path}")
    if result.drivers_path:
        typer.echo(f"Drivers table:  {result.drivers_path}")
    typer.echo(f"Team queues:    {result.out_dir / 'queues'} ({len(result.routing.queues)} teams + review + summary)")
    typer.echo(f"Report:         {result.report_path}")


@app.command("route")
def route_command(
    data: Path = typer.Argument(..., help="Survey export, or a classified file (with a 'categories' column: no model needed)."),
    text_col: str = typer.Option(..., "--text-col", help="Column with the comments."),
    out_dir: Path = typer.Option(..., "--out-dir", "-o", help="Folder for one file per team, review and summary."),
    model: Optional[Path] = typer.Option(None, "--model", "-m", help="Model file to classify with (default: the bundled cx-default model)."),
    taxonomy: Optional[str] = typer.Option(None, "--taxonomy", "-t", help="Taxonomy of a classified file (default: the model's, else cx-default)."),
    score_col: Optional[str] = typer.Option(None, "--score-col", help="Score column: detractors first, then lower scores."),
    score_type: str = typer.Option("nps", "--score-type", help=_SCORE_TYPE_HELP),
    out_format: str = typer.Option("csv", "--format", help="Queue file format: csv, xlsx or jsonl."),
    keep: Optional[list[str]] = typer.Option(None, "--keep", help="Column to carry into every queue (repeat, or comma-separate)."),
    lang: Optional[str] = typer.Option(None, "--lang", help="Language of category names: en or ru (default: the comments' majority language)."),
    sheet: Optional[str] = typer.Option(None, "--sheet", help="XLSX sheet name (default: the first sheet)."),
    encoding: Optional[str] = typer.Option(None, "--encoding", help="CSV encoding (default: detected)."),
    sep: Optional[str] = typer.Option(None, "--sep", help="CSV delimiter (default: detected)."),
) -> None:
    """Send each comment to the team(s) owning its categories; uncertain ones also go to a review queue.

    Queues are most urgent first: detractors, then lower score, then the most confident.

    Example: feedback-classifier route survey.csv --text-col comment --score-col nps --out-dir queues/ --keep response_id
    """
    from feedback_classifier.jobs.route import route_file

    if out_format not in ("csv", "xlsx", "jsonl"):
        raise typer.BadParameter(f"'{out_format}' is not a queue format; use csv, xlsx or jsonl", param_hint="--format")
    result = route_file(
        data, out_dir, text_col=text_col, model=model, taxonomy=taxonomy, score_col=score_col,
        score_type=score_type, keep=_split_keep(keep) or (), lang=_check_lang(lang), fmt=out_format,
        sheet=sheet, encoding=encoding, sep=sep,
    )
    if result.classified_here:
        typer.echo(f"Classified {result.rows:,} rows.")
    console.print(_routing_table(result.routing.summary, f"Routing of {result.rows:,} rows"))
    typer.echo(f"Wrote {len(result.paths)} files to {out_dir} (summary: {result.paths['summary'].name})")


@app.command("report")
def report_command(
    data: Path = typer.Argument(..., help="A classified file (output of classify or analyze, with a 'categories' column)."),
    text_col: str = typer.Option(..., "--text-col", help="Column with the comments."),
    out: Path = typer.Option(Path("report.html"), "--out", "-o", help="HTML file to write."),
    score_col: Optional[str] = typer.Option(None, "--score-col", help="Score column (NPS 0-10 by default)."),
    taxonomy: str = typer.Option("cx-default", "--taxonomy", "-t", help="Taxonomy the file was classified with."),
    by: Optional[str] = typer.Option(None, "--by", help="Segment column to compare."),
    period_col: Optional[str] = typer.Option(None, "--period-col", help="Date column for the trend (default: detected)."),
    freq: str = typer.Option("month", "--period", help="Trend period: week, month, quarter or year."),
    lang: Optional[str] = typer.Option(None, "--lang", help="Report language: en or ru (default: the comments' majority language)."),
    score_type: str = typer.Option("nps", "--score-type", help=_SCORE_TYPE_HELP),
    scale: Optional[str] = typer.Option(None, "--scale", help="Score scale for csat/ces/mean, e.g. 1-5."),
    lower_is_better: bool = typer.Option(False, "--lower-is-better", help="Lower scores are better."),
    title: Optional[str] = typer.Option(None, "--title", help="Report title."),
    sheet: Optional[str] = typer.Option(None, "--sheet", help="XLSX sheet name (default: the first sheet)."),
    encoding: Optional[str] = typer.Option(None, "--encoding", help="CSV encoding (default: detected)."),
    sep: Optional[str] = typer.Option(None, "--sep", help="CSV delimiter (default: detected)."),
) -> None:
    """Rebuild the self-contained HTML report from a classified file.

    Example: feedback-classifier report out/survey.enriched.csv --text-col comment --score-col nps --out report.html
    """
    from feedback_classifier.jobs.report import report_file

    result = report_file(
        data, out, text_col=text_col, score_col=score_col, taxonomy=taxonomy, score_type=score_type, scale=scale,
        higher_is_better=not lower_is_better, by=by, period_col=period_col, freq=freq, lang=_check_lang(lang),
        title=title, sheet=sheet, encoding=encoding, sep=sep,
    )
    for note in result.notes:
        typer.echo(note)
    if result.drivers is not None:
        typer.echo(_fmt_metric(result.drivers.overall))
    typer.echo(f"Wrote {result.path} ({result.rows:,} rows)")


# ---- drivers ----


def _drivers_rich_table(result, level: str, top: int):
    import math

    from rich.table import Table

    s = result.settings
    digits = 2 if s["score_type"] in ("ces", "mean") else 1
    metric = result.overall.metric_name
    t = result.level(level)
    shown = t.head(top)
    title = f"{'Parent categories' if level == 'parent' else 'Categories'}: impact on {metric} (top {len(shown)} of {len(t)})"
    table = Table(title=title, title_justify="left")
    for name, justify in (("#", "right"), ("category", "left"), ("mentions", "right"), ("share", "right"),
                          ("with", "right"), ("without", "right"), ("impact [95% CI]", "right")):
        table.add_column(name, justify=justify)
    has_det = s["score_type"] != "mean"
    if has_det:
        table.add_column("detr. rate", justify="right")
        table.add_column("lift", justify="right")
    table.add_column("note")

    def f(v, d=digits):
        return "" if v is None or not math.isfinite(v) else f"{v:.{d}f}"

    orientation = 1 if (s["score_type"] in ("nps", "csat") or s["higher_is_better"]) else -1
    for r in shown.itertuples(index=False):
        ci = f" [{f(r.impact_low, digits + 1)}, {f(r.impact_high, digits + 1)}]" if math.isfinite(r.impact_low) else ""
        sure = math.isfinite(r.impact_low) and (r.impact_low > 0 or r.impact_high < 0)
        style = ("red" if r.impact * orientation < 0 else "green") if sure else None
        row = [str(r.rank), r.category, f"{r.mentions:,}", f"{100 * r.share:.1f}%", f(r.metric_with), f(r.metric_without),
               f"[{style}]{f(r.impact, digits + 1)}{ci}[/]" if style else f"{f(r.impact, digits + 1)}{ci}"]
        if has_det:
            row += [f"{100 * r.detractor_rate_with:.0f}%" if math.isfinite(r.detractor_rate_with) else "",
                    f(r.lift, 2)]
        row.append(f"[yellow]low n ({r.mentions_scored})[/]" if r.low_n else "")
        table.add_row(*row)
    return table


def _drivers_sibling(out: Path, part: str) -> Path:
    return out.with_name(f"{out.stem}_{part}{out.suffix}")


@app.command("drivers")
def drivers_command(
    data: Path = typer.Argument(..., help="Table with a categories column (from `classify`) and a score column: CSV/TSV, XLSX, Parquet or JSONL."),
    score_col: str = typer.Option(..., "--score-col", help="Column with the scores (e.g. nps)."),
    score_type: str = typer.Option("nps", "--score-type", help="nps (0-10), csat (top-2-box %, scale 1-5 by default), ces (mean, 1-7 by default) or mean."),
    scale: Optional[str] = typer.Option(None, "--scale", help="Score scale LOW-HIGH for csat/ces/mean, e.g. 1-5."),
    lower_is_better: bool = typer.Option(False, "--lower-is-better", help="For ces/mean/csat: lower scores are better (e.g. CES where 7 = most effort)."),
    categories_col: str = typer.Option("categories", "--categories-col", help="Column with the categories ('Parent > Child; Parent')."),
    by: Optional[str] = typer.Option(None, "--by", help="Repeat the analysis per segment of this column (e.g. region)."),
    period_col: Optional[str] = typer.Option(None, "--period-col", help="Date column for a trend per period."),
    freq: str = typer.Option("month", "--period", "--freq", help="Trend period: week, month, quarter or year."),
    min_n: int = typer.Option(30, "--min-n", min=0, help="Flag categories with fewer scored mentions than this (they are kept)."),
    model: Optional[Path] = typer.Option(None, "--model", "-m", help="Classify on the fly with this model file (needs --text-col)."),
    text_col: Optional[str] = typer.Option(None, "--text-col", help="Comment column to classify on the fly (default model unless --model)."),
    taxonomy: Optional[str] = typer.Option(None, "--taxonomy", help="Taxonomy (bundled name or YAML path) to match category names against."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the table: .csv/.xlsx/.parquet/.jsonl (regression, segments, trend go to <name>_regression.<ext> etc.) or .md (one document)."),
    charts: Optional[Path] = typer.Option(None, "--charts", help="Folder for PNG charts (impact bars, priority matrix)."),
    top: int = typer.Option(15, "--top", min=1, help="Rows shown per table in the terminal."),
    n_boot: int = typer.Option(1000, "--boot", min=0, help="Bootstrap replicates for the impact intervals (0 = none)."),
    seed: int = typer.Option(0, "--seed", help="Random seed of the bootstrap."),
    confidence: float = typer.Option(0.95, "--confidence", min=0.5, max=0.999, help="Confidence level of the intervals."),
    sheet: Optional[str] = typer.Option(None, "--sheet", help="XLSX sheet name (default: the first sheet)."),
    encoding: Optional[str] = typer.Option(None, "--encoding", help="CSV encoding (default: detected)."),
    sep: Optional[str] = typer.Option(None, "--sep", help="CSV delimiter (default: detected)."),
) -> None:
    """Show which categories drive NPS/CSAT/CES: impact with confidence intervals, key-driver regression, segments, trend.

    Example: feedback-classifier drivers survey_classified.csv --score-col nps --by region --out drivers.xlsx --charts charts/
    """
    from feedback_classifier.insights.drivers import compute_drivers, drivers_markdown
    from feedback_classifier.errors import MissingColumnError
    from feedback_classifier.tableio.tables import read_table, require_columns, write_table

    out_kind = None
    if out is not None:
        out_kind = out.suffix.lower().lstrip(".")
        if out_kind not in ("csv", "tsv", "xlsx", "parquet", "jsonl", "md"):
            raise typer.BadParameter(f"'{out.name}': use a .csv, .xlsx, .parquet, .jsonl or .md file", param_hint="--out")
    if model is not None and text_col is None:
        raise typer.BadParameter("--model needs --text-col (the comment column to classify)", param_hint="--text-col")
    if out is not None and not out.parent.is_dir():
        from feedback_classifier.errors import InputFileError

        raise InputFileError(f"{out}: output directory {out.parent} does not exist; create it first.")

    df = read_table(data, sheet=sheet, encoding=encoding, sep=sep)
    tax = taxonomy
    if text_col is not None:
        require_columns(df, [text_col], source=data)
        if model is not None:
            from feedback_classifier.errors import ModelFileError
            from feedback_classifier.model.persist import load_model

            if not model.exists():
                raise ModelFileError(f"{model}: model file not found; train one with `feedback-classifier train`.")
            clf = load_model(model)
        else:
            from feedback_classifier.model.default import default_model

            clf = default_model()
        from feedback_classifier.model.enrichment import enrich

        df = enrich(df, clf, text_col)
        categories_col = "categories"
        tax = tax or clf.taxonomy_
    elif categories_col not in df.columns:
        try:
            require_columns(df, [categories_col], source=data)
        except MissingColumnError as exc:
            raise MissingColumnError(
                f"{exc} Classify the comments first (`feedback-classifier classify`), or pass --text-col COL "
                "to classify on the fly."
            ) from None

    result = compute_drivers(
        df, score_col=score_col, score_type=score_type, categories_col=categories_col, by=by, period_col=period_col,
        freq=freq, min_n=min_n, scale=scale, higher_is_better=not lower_is_better, n_boot=n_boot, seed=seed,
        confidence=confidence, taxonomy=tax, source=str(data),
    )

    o = result.overall
    digits = 2 if o.score_type in ("ces", "mean") else 1
    unit = "%" if o.score_type == "csat" else ""
    console.print(
        f"[bold]{o.metric_name} {o.metric:.{digits}f}{unit}[/] ({confidence:.0%} CI {o.ci_low:.{digits}f} to "
        f"{o.ci_high:.{digits}f}) from {o.n_scored:,} valid scores of {o.n_rows:,} rows; "
        f"{result.uncategorised:,} rows without any category."
    )
    if o.promoters is not None:
        console.print(f"Promoters {o.promoters:,} · passives {o.passives:,} · detractors {o.detractors:,}")
    for level in ("parent", "category"):
        console.print(_drivers_rich_table(result, level, top))
    sig = result.regression[(result.regression["category"] != "(intercept)") & result.regression["significant"]]
    sig = sig[sig["level"] == "parent"].sort_values("coef")
    if len(sig):
        items = ", ".join(f"{r.category} {r.coef:+.{digits}f}" for r in sig.itertuples(index=False))
        console.print(f"Key-driver regression (parent level, significant after Benjamini-Hochberg): {items}")
    else:
        console.print("Key-driver regression (parent level): no category significant after Benjamini-Hochberg.")
    issues = result.score_issues
    console.print(issues.summary(max_rows=10), style="yellow" if issues.n_invalid else None, markup=False)
    if result.date_issues is not None:
        console.print(result.date_issues.summary(max_rows=10), style="yellow" if result.date_issues.n_invalid else None,
                      markup=False)
    if result.segments is not None:
        console.print(f"Segments by '{by}': {result.segments['segment'].nunique()} (see the output file for impact per segment).")

    if out is not None:
        if out_kind == "md":
            write_file_atomic(out, drivers_markdown(result), make_parents=True)
            typer.echo(f"Wrote {out}")
        else:
            written = [write_table(result.table, out)]
            written.append(write_table(result.regression, _drivers_sibling(out, "regression")))
            if result.segments is not None:
                written.append(write_table(result.segments, _drivers_sibling(out, "segments")))
            if result.trend is not None:
                written.append(write_table(result.trend, _drivers_sibling(out, "trend")))
            typer.echo("Wrote " + ", ".join(str(p) for p in written))
    if charts is not None:
        from feedback_classifier.render.charts import write_charts

        paths = write_charts(result, charts, top=top)
        typer.echo(f"Wrote {len(paths)} charts to {charts}")


# ---- train / evaluate ----
def _metrics_table(report, title: str):
    from rich.table import Table

    table = Table(title=title)
    table.add_column("level")
    table.add_column("micro-F1", justify="right")
    table.add_column("macro-F1", justify="right")
    table.add_row("parent", f"{report.parent_micro_f1:.3f}", f"{report.parent_macro_f1:.3f}")
    table.add_row("full path", f"{report.path_micro_f1:.3f}", f"{report.path_macro_f1:.3f}")
    return table


def _per_category_table(report):
    from rich.table import Table

    table = Table(title="Per category")
    for name, justify in (("category", "left"), ("level", "left"), ("precision", "right"),
                          ("recall", "right"), ("F1", "right"), ("support", "right"), ("predicted", "right")):
        table.add_column(name, justify=justify)
    for row in report.per_category.itertuples(index=False):
        table.add_row(row.category, row.level, f"{row.precision:.3f}", f"{row.recall:.3f}", f"{row.f1:.3f}",
                      str(row.support), str(row.predicted))
    return table


def _confusions_table(report):
    from rich.table import Table

    table = Table(title="Most confused (true -> predicted)")
    table.add_column("true")
    table.add_column("predicted")
    table.add_column("count", justify="right")
    for row in report.confused_pairs.itertuples(index=False):
        table.add_row(row.true, row.predicted, str(row.count))
    return table


@app.command("train")
def train_command(
    data: Path = typer.Argument(..., help="Labelled table: CSV/TSV, XLSX, Parquet or JSONL."),
    out: Path = typer.Option(..., "--out", "-o", help="Model file to write, e.g. models/my-model.joblib."),
    text_col: str = typer.Option("text", "--text-col", help="Column with the comments."),
    labels_col: str = typer.Option("labels", "--labels-col", help="Column with labels like 'Service > Staff; Price'."),
    taxonomy: Optional[str] = typer.Option(None, "--taxonomy", help="Taxonomy YAML or bundled name (default: inferred from the labels and saved in the model)."),
    group_col: Optional[str] = typer.Option(None, "--group-col", help="Column of ids (e.g. review or customer) whose rows stay in one cross-validation fold."),
    cv: int = typer.Option(5, "--cv", min=0, help="Cross-validation folds for the reported metrics (0 or 1: skip)."),
    embeddings: str = typer.Option(
        "none", "--embeddings",
        help="Add English MiniLM vectors (needs the 'embeddings' extra to train): 'static' = distilled token "
             "vectors, fast, predicts without the extra; 'context' = the same fitted to the training comments' "
             "contexts (most accurate fast model); 'minilm' = full sentence model, slow, needs the extra to predict too.",
    ),
) -> None:
    """Train a classifier on labelled comments, report cross-validated F1 and save it.

    Example: feedback-classifier train labelled.csv --text-col comment --labels-col labels --taxonomy cx-default --out models/cx.joblib
    """
    from feedback_classifier.model.evaluation import EMBEDDINGS, train_file

    if embeddings not in EMBEDDINGS:
        raise typer.BadParameter(f"'{embeddings}' is not one of {', '.join(EMBEDDINGS)}", param_hint="--embeddings")
    result = train_file(data, out, text_col=text_col, labels_col=labels_col, taxonomy=taxonomy,
                        group_col=group_col, cv=cv, embeddings=embeddings)
    tax = result.model.taxonomy_
    how = "inferred from the labels" if result.taxonomy_inferred else "given"
    typer.echo(f"Trained on {result.rows:,} rows in {result.fit_seconds:.1f} s; taxonomy '{tax.name}' ({how}), "
               f"{len(result.model.classes_)} categories.")
    if result.cv_report is not None:
        r = result.cv_report
        console.print(_metrics_table(r, f"{r.extra['cv_folds']}-fold cross-validated metrics"))
        typer.echo(f"Cross-validated micro-F1: {r.path_micro_f1:.3f} (full path), {r.parent_micro_f1:.3f} (parent); "
                   f"macro-F1: {r.path_macro_f1:.3f} (full path), {r.parent_macro_f1:.3f} (parent)")
    typer.echo(f"Saved model to {result.path}")


@app.command("evaluate")
def evaluate_command(
    data: Path = typer.Argument(..., help="Labelled table: CSV/TSV, XLSX, Parquet or JSONL."),
    model: Path = typer.Option(..., "--model", "-m", help="Model file from `train`."),
    text_col: str = typer.Option("text", "--text-col", help="Column with the comments."),
    labels_col: str = typer.Option("labels", "--labels-col", help="Column with the gold labels."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON instead of tables."),
) -> None:
    """Score a model on labelled comments: micro/macro F1, per-category table, confusions.

    Example: feedback-classifier evaluate holdout.csv --model models/cx.joblib --text-col comment --labels-col labels
    """
    import json

    from feedback_classifier.model.evaluation import evaluate_file

    report = evaluate_file(data, model, text_col=text_col, labels_col=labels_col)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    console.print(_metrics_table(report, f"{report.n_rows:,} rows"))
    console.print(_per_category_table(report))
    if len(report.confused_pairs):
        console.print(_confusions_table(report))


def main() -> None:
    """Console-script entry point."""
    app()
