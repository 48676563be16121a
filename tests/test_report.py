"""The HTML report: sections, escaping, self-contained (no external refs), languages, edge cases,
and — when Chromium is installed — that a real browser renders it without console errors."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from feedback_classifier.insights.drivers import compute_drivers
from feedback_classifier.render import build_report, write_report
from feedback_classifier.insights.routing import route
from feedback_classifier.taxonomy import load_taxonomy

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from render_report import check_report, external_references  # noqa: E402

sys.path.pop(0)
NASTY = '<script>alert("x")</script> & <img src=http://evil.example/x.png>'
CATS = [
    "Delivery and logistics > Delivery time",
    "Price and value > Too expensive",
    "",
    "Service > Staff politeness; Delivery and logistics > Courier",
    "Website and app > Bugs and errors",
    "Product quality > Quality",
]


@pytest.fixture(scope="module")
def tax():
    return load_taxonomy("cx-default")


def enriched(n: int = 240, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cats = rng.choice(CATS, n).astype(object)
    nps = rng.integers(0, 11, n)
    # make delivery time clearly harmful so the drivers have something to show
    nps = np.where(cats == CATS[0], rng.integers(0, 5, n), nps)
    comments = [f"comment {i} about things" for i in range(n)]
    comments[0] = NASTY
    cats[0], nps[0] = "Loyalty and promotions > Promo codes", 0  # the only comment of its card
    return pd.DataFrame(
        {
            "response_id": [f"r{i}" for i in range(n)],
            "submitted_at": pd.date_range("2024-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
            "region": rng.choice(["North", "South", "East"], n),
            "nps": nps,
            "comment": comments,
            "categories": cats,
            "confidence": rng.random(n).round(3),
            "needs_review": rng.random(n) < 0.1,
        }
    )


@pytest.fixture(scope="module")
def full_page(tax) -> str:
    df = enriched()
    drivers = compute_drivers(df, score_col="nps", taxonomy=tax, by="region", period_col="submitted_at", n_boot=100)
    routing = route(df, tax, text_col="comment", score_col="nps")
    return build_report(df, tax, text_col="comment", score_col="nps", drivers=drivers, routing=routing,
                        by="region", period_col="submitted_at", source="survey.csv")


def _routing_table(page: str) -> str:
    return page[page.index('<section id="routing">'):].split("</table>")[0]


def test_routing_table_has_a_detractors_column_only_with_a_score(tax, full_page):
    # SentiRuEval tweets (no score): the Russian report's routing table had a "Критики" column of dashes
    assert "<th class=\"num\">Detractors</th>" in _routing_table(full_page)
    df = enriched().drop(columns=["nps"])
    page = build_report(df, tax, text_col="comment", routing=route(df, tax, text_col="comment"), lang="ru")
    table = _routing_table(page)
    assert "Критики" not in table and "<th class=\"num\">На проверку</th>" in table
    assert all(row.count("<td") == 3 for row in table.split("<tr")[2:])  # team, comments, review
    # the junk row read "пустые ответы (без слов: отдельно)", "empty answers (without words: separately)"
    assert "<td>ответы без темы (пустые, без мнения, одна эмоция: отдельный список)</td>" in table


def test_report_has_every_section(full_page):
    for section in ("overview", "drivers", "matrix", "categories", "segments", "routing", "method"):
        assert f'<section id="{section}">' in full_page
    assert "Customer feedback report" in full_page
    assert "95% CI" in full_page
    assert "Trend by submitted_at" in full_page
    assert "From detractors" in full_page and "From promoters" in full_page
    assert "Delivery and logistics" in full_page and "Logistics" in full_page


def test_report_escapes_comments(full_page):
    assert NASTY not in full_page
    assert "<script" not in full_page.lower()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in full_page


def test_report_is_self_contained(full_page):
    assert external_references(full_page) == []
    assert external_references('<p>x</p><img src="https://cdn.example/a.png">') == ["<img src=https://cdn.example/a.png>"]
    assert "<link" not in full_page and "@import" not in full_page and "url(" not in full_page
    images = re.findall(r'<img[^>]+src="([^"]+)"', full_page)
    assert len(images) >= 3  # impact chart, matrix, trend
    assert all(src.startswith("data:image/") for src in images)


def test_report_in_russian(tax):
    df = enriched()
    drivers = compute_drivers(df, score_col="nps", taxonomy=tax, n_boot=50)
    page = build_report(df, tax, text_col="comment", score_col="nps", drivers=drivers, lang="ru")
    assert '<html lang="ru">' in page
    for heading in ("Обзор", "Что влияет на NPS", "Категории", "Как читать отчёт", "Пишут критики"):
        assert heading in page
    assert tax.display_name(("delivery", "delivery_time"), "ru").split(" > ")[0] in page
    assert "What drives" not in page and "Overview" not in page


def test_report_without_scores(tax):
    page = build_report(enriched(), tax, text_col="comment")
    assert 'id="drivers"' not in page and 'id="categories"' in page
    assert "--score-col" in page and "Examples" in page


def test_report_with_empty_score_values(tax):
    df = enriched(30)
    df["nps"] = ""
    page = build_report(df, tax, text_col="comment", score_col="nps")
    assert 'id="drivers"' not in page and "No valid scores" in page


def test_report_with_no_categories(tax):
    df = enriched(20)
    df["categories"] = ""
    page = build_report(df, tax, text_col="comment", score_col="nps")
    assert "No categories were found" in page


def test_report_says_what_to_do_when_most_comments_need_review(tax):
    df = enriched(40)
    assert "Most comments need review" not in build_report(df, tax, text_col="comment", score_col="nps")
    df["needs_review"] = np.arange(len(df)) < 30  # 75% of the comments: a queue nobody can work through
    page = build_report(df, tax, text_col="comment", score_col="nps")
    assert "Most comments need review (75%)" in page and "feedback-classifier suggest" in page
    assert "Большинству комментариев нужна проверка (75" in build_report(df, tax, text_col="comment", lang="ru")


def test_report_on_tiny_data(tax):
    df = enriched(3)
    drivers = compute_drivers(df, score_col="nps", taxonomy=tax, n_boot=20, min_n=1)
    page = build_report(df, tax, text_col="comment", score_col="nps", drivers=drivers)
    assert "Only 3 scored responses" in page
    assert 'id="categories"' in page


def test_write_report_is_atomic_and_utf8(tmp_path, full_page):
    path = write_report(full_page, tmp_path / "report.html")
    assert path.read_text(encoding="utf-8") == full_page
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_report_language_is_checked_once_for_all(tax):
    page = build_report(enriched(20), tax, text_col="comment", lang="RU")
    assert '<html lang="ru">' in page
    with pytest.raises(ValueError, match="Unknown language 'de': use one of en, ru"):
        build_report(enriched(20), tax, text_col="comment", lang="de")


def test_cards_follow_the_harmful_direction_of_the_drivers_table(tax):
    """A CSAT where 1 is best still counts satisfied customers: lower is harmful, as in the drivers
    table, so the card of the most harmful category comes first and is marked so."""
    from feedback_classifier.insights import ScoreSpec

    df = enriched()
    rng = np.random.default_rng(3)
    df["csat"] = np.where(df["categories"] == CATS[0], rng.integers(4, 6, len(df)), rng.integers(1, 4, len(df)))
    spec = ScoreSpec.make("csat", higher_is_better=False)
    drivers = compute_drivers(df, score_col="csat", score_type="csat", higher_is_better=False, taxonomy=tax, n_boot=50)
    page = build_report(df, tax, text_col="comment", score_col="csat", score_type=spec, drivers=drivers)
    most_harmful = tax.parse_label(drivers.level("parent")["category"].iloc[0])[0]
    first_card = re.search(r'<article class="card" id="cat-([^"]+)".*?<b class="(\w+)">', page, re.S)
    assert first_card.groups() == (most_harmful, "neg")


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed")
def test_report_renders_in_chromium(tmp_path, tax):
    df = enriched()
    drivers = compute_drivers(df, score_col="nps", taxonomy=tax, by="region", period_col="submitted_at", n_boot=100)
    page = build_report(df, tax, text_col="comment", score_col="nps", drivers=drivers, by="region",
                        period_col="submitted_at", lang="ru",
                        routing=route(df, tax, text_col="comment", score_col="nps"))
    path = write_report(page, tmp_path / "report.html")
    shot = tmp_path / "shot.png"
    problems = check_report(path, sections=("overview", "drivers", "matrix", "categories", "segments", "routing"),
                            screenshot=shot)
    assert problems == []
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_segment_shares_say_they_are_of_the_segments_comments(tax):
    # "Most mentioned: Delivery 32%" stood beside "Responses 221", while drivers_segments.csv's share
    # (mentions / responses) said 29%: the page's percentages are of the comments, and now say so
    df = pd.DataFrame({"comment": ["late", "late", "", ""], "nps": [0, 1, 9, 10], "region": ["N"] * 4,
                       "categories": ["Delivery and logistics > Delivery time"] * 2 + ["", ""]})
    drivers = compute_drivers(df, score_col="nps", taxonomy=tax, by="region", n_boot=20, min_n=1)
    page = build_report(df, tax, text_col="comment", score_col="nps", drivers=drivers, by="region")
    section = page[page.index('id="segments"'):]
    assert "Most mentioned (% of the segment&#x27;s comments)" in section or \
        "Most mentioned (% of the segment's comments)" in section
    assert "Delivery and logistics 100%" in section  # 2 of its 2 comments (2 of 4 responses)
    assert float(drivers.segments.query("level == 'parent'")["share"].iloc[0]) == 0.5


def test_segment_grid_shows_every_mentioned_parent_for_the_table_s_segments_and_flags_tiny_ones(tax):
    # the grid showed the first 8 parents only (hiding the two that lift the score), had columns for shops the
    # table above pooled as "other", printed "0.0" where a shop never mentioned a category, and a shop of 3
    # answers showed NPS -100 with no mark
    rng = np.random.default_rng(0)
    parents = [tax.display_name(label) for label in tax.labels if label[1] is None]
    n = 600
    shop = ["Main"] * 540 + [f"Shop{i:02d}" for i in range(20) for _ in range(3)]
    df = pd.DataFrame({"comment": ["x"] * n, "nps": rng.integers(0, 11, n), "shop": shop,
                       "categories": [parents[i % len(parents)] for i in range(n)]})
    df.loc[df["shop"] == "Shop00", "nps"] = 0
    drivers = compute_drivers(df, score_col="nps", taxonomy=tax, by="shop", n_boot=20, min_n=30)
    page = build_report(df, tax, text_col="comment", score_col="nps", drivers=drivers, by="shop")
    section = page[page.index('id="segments"'):]
    table, grid = section.split("</table>")[:2]
    shown = re.findall(r"<tr><td>([^<]+)</td><td class=\"num\">\d", table)
    columns = re.findall(r'<th class="num">([^<]+)</th>', grid)
    assert columns == [s for s in shown if s in set(shop)]  # the table's segments, in its order
    assert len(re.findall(r"<tr><td>", grid)) == len(parents)  # every parent is mentioned: all shown
    assert "Shop00" in shown and re.search(r"<td>Shop00</td><td class=\"num\">3</td><td class=\"num\">−100 <span "
                                           r"class=\"badge\"", table)
    assert "—" in grid  # a shop of 3 answers does not mention most categories


def test_key_driver_regression_rows_on_few_mentions_are_marked_low_n(tax):
    # on 20 answers the regression's intervals ran past ±100 points with no mark; the CSV said low_n
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"comment": ["x"] * 20, "nps": rng.integers(0, 11, 20),
                       "categories": ["Price and value", "Customer service", "Delivery and logistics", ""] * 5})
    drivers = compute_drivers(df, score_col="nps", taxonomy=tax, n_boot=20)
    assert drivers.regression.query("category != '(intercept)'")["low_n"].all()
    page = build_report(df, tax, text_col="comment", score_col="nps", drivers=drivers)
    regression = page[page.index("Key-driver regression"):].split("</table>")[0]
    assert regression.count('class="badge" title="fewer than 30 scored answers with the category, or without it') >= 3


def test_ces_impacts_keep_the_decimals_the_drivers_table_gives_them(tax):
    # every impact was printed with one decimal: on a 1-7 CES an impact of -0.25 read "-0.3" (and
    # -0.04 "0.0") while drivers said -0.250; ScoreSpec.impact_digits says CES impacts take two
    df = pd.DataFrame({"comment": ["late"] * 4 + ["ok"] * 4, "ces": [4, 4, 4, 4, 5, 5, 5, 5],
                       "categories": ["Delivery and logistics"] * 4 + [""] * 4, "region": ["N", "S"] * 4})
    drivers = compute_drivers(df, score_col="ces", score_type="ces", taxonomy=tax, by="region", n_boot=50, min_n=1)
    impact = float(drivers.level("parent").set_index("category").loc["Delivery and logistics", "impact"])
    assert impact == pytest.approx(-0.5)
    page = build_report(df, tax, text_col="comment", score_col="ces", score_type="ces", drivers=drivers, by="region")
    drivers_section = page[page.index('id="drivers"'):page.index('id="matrix"')]
    assert "−0.50" in drivers_section
    cards = page[page.index('id="categories"'):]
    assert "<b>−0.50</b>" in cards


def test_csat_cards_give_the_metric_with_its_percent_sign_as_the_overview_tile_does(tax):
    df = pd.DataFrame({"comment": ["late"] * 4 + ["ok"] * 6, "csat": [1, 5, 1, 1, 5, 5, 4, 5, 2, 5],
                       "categories": ["Delivery and logistics"] * 4 + [""] * 6})
    drivers = compute_drivers(df, score_col="csat", score_type="csat", taxonomy=tax, n_boot=20, min_n=1)
    page = build_report(df, tax, text_col="comment", score_col="csat", score_type="csat", drivers=drivers)
    overview, cards = page[:page.index('id="drivers"')], page[page.index('id="categories"'):]
    assert ">60%<" in overview  # 6 of 10 in the top two boxes
    assert "25%</b>" in cards and "overall 60%" in cards  # was "25" (overall 60)


def test_a_parent_mentioned_without_a_child_names_its_owner_in_the_subcategory_table(tax):
    # the row "Price and value" (the parent tagged, none of its children) had an empty owner cell,
    # though routing sends those comments to the parent's team
    df = enriched()
    df.loc[df.index % 3 == 0, "categories"] = "Price and value"
    drivers = compute_drivers(df, score_col="nps", taxonomy=tax, n_boot=20)
    page = build_report(df, tax, text_col="comment", score_col="nps", drivers=drivers, lang="en")
    rows = [r for r in re.findall(r"<tr><td class=\"muted\">\d+</td>.*?</tr>", page)
            if re.search(r"<td>Price and value</td>", r)]
    assert len(rows) == 2, rows  # the parents' table and the subcategories' table
    assert all('<td class="muted">Pricing</td>' in r for r in rows), rows


def test_quotes_show_html_entities_of_web_exports_as_the_characters_they_stand_for(tax):
    # tweets and help-desk exports hold "&amp;" for "&" and "&lt;3" for "<3": escaped once more, the quotes
    # read "lost &amp; found" on the page (720 of 14,640 Twitter airline tweets); a bare "&" stays as written
    df = enriched(30)
    df["comment"] = "Lost &amp; found never called &#8212; &lt;3 R&D &notice"
    page = build_report(df, tax, text_col="comment")
    assert "Lost &amp; found never called \u2014 &lt;3 R&amp;D &amp;notice" in page
    assert "&amp;amp;" not in page and "&amp;lt;" not in page and "&amp;#8212;" not in page


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_report_without_scores_promises_no_score_and_no_intervals(tax, lang):
    # an unscored report (Twitter airline tweets) said each card shows the category's score and that
    # shares come with Wilson intervals: it shows neither, and shares are of the comments
    df = enriched(40).drop(columns="nps")
    df.loc[:4, "comment"] = ""
    page = build_report(df, tax, text_col="comment", lang=lang)
    for claim in ("its score", "Wilson", "её оценка", "Уилсона", "of all responses", "от всех ответов"):
        assert claim not in page
    assert ("of the comments" if lang == "en" else "от комментариев") in page


def test_cards_give_the_impact_of_a_categorys_complaints_alone(tax):
    # Zomato's "Product quality" lifted the rating as a whole (+1.8: mostly praise) while its complaints
    # alone pulled it down (drivers --polarity negative: -8.1); the report showed only the first
    cats = ["Delivery and logistics", "Delivery and logistics", "", ""]
    df = pd.DataFrame({"comment": ["late again", "fast delivery", "fine", "ok then"], "nps": [0, 10, 10, 8],
                       "categories": cats, "needs_review": False,
                       "category_sentiment": ["Delivery and logistics=negative", "Delivery and logistics=positive",
                                              "", ""]})
    page = build_report(df, tax, text_col="comment", score_col="nps", lang="en")
    # NPS of all 25; without the one complaint (10, 10, 8) 66.7: the complaint's impact is -41.7
    assert "Impact of complaints, pts: <b>−41.7</b>" in page
    assert "Impact of complaints" not in build_report(df.drop(columns="category_sentiment"), tax, text_col="comment",
                                                      score_col="nps", lang="en")


def test_report_of_a_classified_file_does_not_guess_how_its_sentiment_was_made(tmp_path):
    # analyze teaches the bundled sentiment model with e5 before classifying; report, given only the
    # classified file, said its complaints came from the untaught bundled model
    from feedback_classifier.jobs.report import report_file

    df = enriched(40)
    df["category_sentiment"] = ["; ".join(f"{c}=negative" for c in cell.split("; ") if c) for cell in df["categories"]]
    df.to_csv(src := tmp_path / "in.csv", index=False)
    report_file(src, tmp_path / "r.html", text_col="comment", score_col="nps", lang="en")
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "this file's own category_sentiment column" in page.replace("&#x27;", "'")
    assert "not trained on your comments" not in page


@pytest.mark.parametrize("command", ["report", "route"])
def test_a_file_classified_with_another_taxonomy_says_to_pass_it(tmp_path, command):
    # without --taxonomy the file is read against cx-default, and the error said to fix the cell
    # or add the category to cx-default
    path = tmp_path / "c.csv"
    pd.DataFrame({"comment": ["the card never came"], "categories": ["Cards > Card delivery"],
                  "needs_review": [False], "nps": [3]}).to_csv(path, index=False)
    out = ["--out", str(tmp_path / "r.html")] if command == "report" else ["--out-dir", str(tmp_path / "q")]
    from typer.testing import CliRunner

    from feedback_classifier.cli import app

    result = CliRunner().invoke(app, [command, str(path), "--text-col", "comment", *out], terminal_width=400)
    assert result.exit_code == 1, result.output
    assert "pass the taxonomy it was classified with (--taxonomy FILE)" in result.output
    assert "add the category" not in result.output
