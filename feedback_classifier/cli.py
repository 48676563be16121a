"""The ``feedback-classifier`` command line.

Each command parses its options, calls one library function and renders the
result. Only ``FeedbackClassifierError`` (a user mistake) is turned into a
one-line message with exit code 1; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from typer.core import TyperGroup

from feedback_classifier import __version__
from feedback_classifier.errors import FeedbackClassifierError

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

console = Console()
err_console = Console(stderr=True)


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

from feedback_classifier import taxonomy as _taxonomy  # noqa: E402


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
    from feedback_classifier.io import read_table, require_columns

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
        from feedback_classifier.defaults import default_model

        return default_model()
    from feedback_classifier.errors import ModelFileError
    from feedback_classifier.modelfile import load_model

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
    review_margin: float = typer.Option(0.1, "--review-margin", min=0.0, max=1.0, help="Flag for review when a probability is this close to its threshold."),
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
    from feedback_classifier.classify import classify_file
    from feedback_classifier.progress import LogLineProgress, RichProgress

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
        from feedback_classifier.dask import classify_parquet_dataset

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
) -> None:
    """Classify, find what drives the score, route to teams and write an HTML report — in one go.

    Example: feedback-classifier analyze survey.csv --text-col comment --score-col nps --out-dir out/ --by region
    """
    from feedback_classifier.analyze import analyze

    result = analyze(
        data, text_col=text_col, out_dir=out_dir, score_col=score_col, model=model, taxonomy=taxonomy, by=by,
        period_col=period_col, freq=freq, lang=_check_lang(lang), score_type=score_type, scale=scale,
        higher_is_better=not lower_is_better, keep=_split_keep(keep), fmt=fmt, sheet=sheet, encoding=encoding,
        sep=sep, queue_format=queue_format, title=title, min_n=min_n,
    )
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
    from feedback_classifier.routing import route_file

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
    from feedback_classifier.report import report_file

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


def main() -> None:
    """Console-script entry point."""
    app()
