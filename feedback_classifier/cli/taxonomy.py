"""``feedback-classifier taxonomy validate|show|diff|infer``: check, print, compare and bootstrap taxonomies."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from feedback_classifier.cli import options as opt
from feedback_classifier.lang.ui import count_noun
from feedback_classifier.cli.render import console, taxonomy_counts, taxonomy_tree
from feedback_classifier.taxonomy import DEFAULT_OWNER

app = typer.Typer(help="Validate, show, compare and infer taxonomies.", no_args_is_help=True)

TaxonomyFile = Annotated[str, typer.Argument(help="Taxonomy YAML file, or a bundled name such as cx-default.")]


@app.command("validate")
def validate_command(file: TaxonomyFile, quiet: opt.Quiet = False) -> None:
    """Check a taxonomy file and report every problem at once (file, line, category, field).

    Example: feedback-classifier taxonomy validate my-taxonomy.yaml
    """
    from feedback_classifier.taxonomy import DEFAULT_OWNER, load_taxonomy  # pandas, YAML: not needed for --help

    from feedback_classifier.insights.queues import owner_teams

    tax = load_taxonomy(file)
    owner_teams(tax)  # a team named like the review or junk queue: route and analyze would refuse the file
    teams = sum(team != DEFAULT_OWNER for team in tax.owners)
    typer.echo(f"OK: {tax.name} (version {tax.version}): {taxonomy_counts(tax)}, {teams} owner teams, "
               f"languages {', '.join(tax.languages)}; hash {tax.hash[:12]}")
    unowned = [tax.display_name(p) for p in tax.parents if tax.owner(p) == DEFAULT_OWNER]
    if unowned:  # allowed (owner is optional), but their comments then reach no team of their own
        typer.echo(f"Note: {len(unowned)} of {len(tax.parents)} parent categories have no owner, so their comments "
                   f"go to the '{DEFAULT_OWNER}' queue: {', '.join(unowned[:5])}{', ...' if len(unowned) > 5 else ''}. "
                   "Add 'owner: <team>' to route them.")
    _note_unnamed_teams(tax)
    _note_unmatchable_keywords(tax)


def _note_unmatchable_keywords(tax) -> None:
    """A keyword of punctuation alone ("(") or a word like "the" matched nothing, and nothing said so."""
    from feedback_classifier.model.keywords import stolen_keywords, unmatchable_keywords

    for label, word in unmatchable_keywords(tax):
        typer.echo(opt.terminal_safe(f"Note: keyword '{word}' of {tax.display_name(label)} never matches (no word, "
                   "number or emoji in it, or a word that says nothing alone): remove it or write the word you mean."))
    for word, taker, loser in stolen_keywords(tax):
        typer.echo(opt.terminal_safe(
            f"Note: keyword '{word}' of {tax.display_name(loser)} is also under {tax.display_name(taker)}, which has no "
            f"subcategories: one keyword names {tax.display_name(taker)}, while {tax.display_name(loser)} needs a second "
            "of its own or a subcategory's, so the keywords send a comment with it alone to "
            f"{tax.display_name(taker)} only. Keep it under one of them."))


def _note_unnamed_teams(tax) -> None:
    """An owner the ``teams`` section misses is a queue of its own, named as written in every language:
    fine on purpose, but a typo ('Frud desk') splits a team's comments into two queues without a word."""
    import difflib

    missing, unused = tax.unnamed_teams()
    for team in missing:
        close = difflib.get_close_matches(team, unused, n=1, cutoff=0.8) if unused else []
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        typer.echo(f"Note: owner '{team}'{hint} is not under 'teams', so it has no name in "
                   f"{', '.join(tax.languages[1:]) or 'other languages'} and its queue is '{team}' in every language.")
    if unused:
        typer.echo(f"Note: {len(unused)} team(s) under 'teams' own no category: {', '.join(unused)}.")


@app.command("show")
def show_command(
    file: TaxonomyFile,
    lang: Annotated[Optional[str], typer.Option(
        "--lang", help="Language of the names and teams, one of the taxonomy's (default: its first).")] = None,
    keywords: Annotated[bool, typer.Option("--keywords", help="Also list each category's keywords.")] = False,
    quiet: opt.Quiet = False,
) -> None:
    """Print the taxonomy as a tree with ids and owner teams.

    Example: feedback-classifier taxonomy show cx-default --lang ru
    """
    from feedback_classifier.taxonomy import load_taxonomy  # pandas, YAML: not needed for --help

    tax = load_taxonomy(file)
    lang = lang or tax.languages[0]  # a taxonomy in Russian only has no English names to show
    if lang not in tax.languages:
        raise typer.BadParameter(
            f"'{lang}' is not a language of taxonomy '{tax.name}' ({', '.join(tax.languages)})",
            param_hint="--lang",
        )
    console.print(taxonomy_tree(tax, lang, keywords=keywords))


@app.command("diff")
def diff_command(
    old: Annotated[str, typer.Argument(help="The taxonomy before: a YAML file or a bundled name.")],
    new: Annotated[str, typer.Argument(help="The taxonomy after: a YAML file or a bundled name.")],
    lang: Annotated[Optional[str], typer.Option(
        "--lang", help="Language of the category names (default: each taxonomy's first).")] = None,
    quiet: opt.Quiet = False,
) -> None:
    """Compare two taxonomies: categories added, removed (and what their labels now read as), and changed
    (names, owner, keywords, description, aliases).

    Example: feedback-classifier taxonomy diff taxonomies/mine-2026q3.yaml taxonomies/mine.yaml
    """
    from feedback_classifier.taxonomy import load_taxonomy
    from feedback_classifier.taxonomy.compare import compare_taxonomies

    before, after = load_taxonomy(old), load_taxonomy(new)
    diff = compare_taxonomies(before, after, lang)
    typer.echo(f"{before.name} → {after.name}: {len(diff.added)} added, {len(diff.removed)} removed, "
               f"{len(diff.changed)} changed" + ("" if diff else " (no differences)"))
    for line in diff.general:
        typer.echo(f"  {line}")
    for _, name in diff.added:
        typer.echo(opt.terminal_safe(f"+ {name}"))
    for _, name, read_as in diff.removed:
        fate = (f"its labels now read as {read_as}" if read_as else
                "its labels are now an error: add its path to a category's aliases, or relabel them")
        typer.echo(opt.terminal_safe(f"- {name} ({fate})"))
    for name, changes in diff.changed:
        typer.echo(opt.terminal_safe(f"~ {name}: {'; '.join(changes)}"))


@app.command("infer")
def infer_command(
    data: Annotated[Path, typer.Argument(help="Labelled data file (CSV, XLSX, Parquet, JSONL).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Taxonomy YAML file to write.")],
    labels_col: Annotated[str, typer.Option(
        "--labels-col", help="Column with labels like 'Parent > Child; Parent'.")] = "labels",
    name: Annotated[Optional[str], typer.Option(
        "--name", help="Taxonomy name (default: the output file's stem).")] = None,
    owner: Annotated[str, typer.Option("--owner", help="Owner team given to every parent.")] = DEFAULT_OWNER,
    force: Annotated[bool, typer.Option("--force", help="Overwrite OUTPUT if it exists.")] = False,
    input_format: opt.InputFormat = None,
    sheet: opt.Sheet = None,
    encoding: opt.Encoding = None,
    sep: opt.Sep = None,
    skip_rows: opt.SkipRows = None,
    header_row: opt.HeaderRow = None,
    encoding_errors: opt.EncodingErrors = "strict",
    quiet: opt.Quiet = False,
) -> None:
    """Build a taxonomy from the labels of a data file, for when you have none.

    Ids are made from the names, names are kept as written for every language and every category is owned by "unassigned": edit the file afterwards.

    Example: feedback-classifier taxonomy infer labelled.csv --labels-col labels -o my-taxonomy.yaml
    """
    from feedback_classifier.jobs import infer_taxonomy_file

    if output.exists() and not force:
        raise typer.BadParameter(f"{output} already exists; pass --force to overwrite it", param_hint="--output")
    result = infer_taxonomy_file(data, output, labels_col=labels_col, name=name, owner=owner,
                                 read=opt.read_options(sheet, encoding, sep, skip_rows, encoding_errors, input_format, header_row))
    if result.skipped:
        from feedback_classifier.jobs.labelbook import skipped_note

        typer.echo(skipped_note(data, result.skipped), err=True)
    if result.bundled_match:
        name = result.bundled_match
        typer.echo(f"Warning: every label in '{labels_col}' is a {name} category (as the label app writes them), "
                   f"and {output} has none of {name}'s teams, keywords or translations: pass --taxonomy {name} "
                   "to train, evaluate, audit and suggest instead of this file.", err=True)
    typer.echo(
        f"Wrote {output}: {taxonomy_counts(result.taxonomy)} from {count_noun(result.rows, 'row')} "
        f"of {data.name}. Edit the owners and names, then run: feedback-classifier taxonomy validate {output}"
    )
