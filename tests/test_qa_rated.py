"""A CX analyst's first runs on real rated reviews (Zomato Hyderabad, TripAdvisor.ru): star ratings,
an old-Mac CSV, segments with a hundred reviews each. Each test is a problem those runs showed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from feedback_classifier.cli import app
from feedback_classifier.tableio.encoding import detect_separator
from feedback_classifier.tableio.reading import read_table

runner = CliRunner()


def _flat(output: str) -> str:
    return " ".join(output.split())


# ---- a CSV with old-Mac line ends ("\r" only; Excel for Mac's "CSV" before 2016, the Zomato file)

def test_a_csv_with_carriage_return_line_ends_finds_its_comma_separator():
    text = 'Restaurant,Review,Rating\r"Paradise","good food\nslow service",4\rEat.fit,ok,5\r'
    assert detect_separator(text) == ","


def test_a_csv_with_carriage_return_line_ends_reads_its_columns(tmp_path: Path):
    path = tmp_path / "reviews.csv"
    path.write_bytes(b'Restaurant,Review,Rating\r"Paradise","good food\nslow service",4\rEat.fit,ok,5\r')
    df = read_table(path)
    assert list(df.columns) == ["Restaurant", "Review", "Rating"]
    assert df["Review"].tolist() == ["good food\nslow service", "ok"]


# ---- a 1-5 star rating read as NPS (the default score type): every score a detractor

def _rated(tmp_path: Path, stars: list[int]) -> Path:
    path = tmp_path / "classified.csv"
    n = len(stars)
    pd.DataFrame({"comment": (["The courier was late", "Too expensive", "Great app"] * n)[:n], "Rating": stars,
                  "categories": (["Delivery and logistics", "Price and value", ""] * n)[:n]}).to_csv(path, index=False)
    return path


def test_drivers_on_star_ratings_read_as_nps_says_to_pass_csat(tmp_path: Path):
    path = _rated(tmp_path, [1, 2, 3, 4, 5, 5, 4, 5] * 5)
    result = runner.invoke(app, ["drivers", str(path), "--score-col", "Rating", "--out", str(tmp_path / "d.csv")])
    assert result.exit_code == 0, result.output
    flat = _flat(result.output)
    assert "all 40 rows have a valid score" in flat
    assert "run 1-5: on NPS's 0-10 every one is a detractor" in flat and "pass --score-type csat" in flat


def test_real_nps_scores_and_csat_get_no_such_hint(tmp_path: Path):
    nps = _rated(tmp_path, [0, 6, 7, 9, 10, 3, 8, 10] * 5)
    result = runner.invoke(app, ["drivers", str(nps), "--score-col", "Rating", "--out", str(tmp_path / "d.csv")])
    assert result.exit_code == 0 and "every one is a detractor" not in _flat(result.output)
    stars = _rated(tmp_path, [1, 2, 3, 4, 5] * 8)
    result = runner.invoke(app, ["drivers", str(stars), "--score-col", "Rating", "--score-type", "csat",
                                 "--out", str(tmp_path / "d.csv")])
    assert result.exit_code == 0 and "every one is a detractor" not in _flat(result.output)


def test_analyze_on_star_ratings_read_as_nps_says_so_in_the_console_and_the_report(tmp_path: Path):
    path = tmp_path / "reviews.csv"
    rng = np.random.default_rng(3)
    comments = ["The courier was late", "Too expensive", "Great food, friendly staff", "Cold food, rude waiter"]
    pd.DataFrame({"Review": [comments[i % 4] + f" #{i}" for i in range(60)],
                  "Rating": rng.integers(1, 6, 60)}).to_csv(path, index=False)
    out = tmp_path / "out"
    result = runner.invoke(app, ["analyze", str(path), "--text-col", "Review", "--score-col", "Rating",
                                 "--out-dir", str(out), "--quiet", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "run 1-5: on NPS's 0-10 every one is a detractor" in _flat(result.output)
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "on the 0-10 NPS scale each one is a detractor" in page


# ---- segments of a hundred reviews: a category mentioned a few times is no segment's "first driver"

def _segmented(tmp_path: Path) -> Path:
    """Segment N: 6 mentions of Price (all 1 star: the most harmful impact, but under --min-n) and
    40 of Delivery (4 of them 1 star); segment S: the same shape, so both have a clear answer."""
    rows = []
    for seg in ("N", "S"):
        rows += [(seg, "Too expensive", "Price and value", 1)] * 6
        rows += [(seg, "Courier late", "Delivery and logistics", 1)] * 4
        rows += [(seg, "Courier ok", "Delivery and logistics", 5)] * 36
        rows += [(seg, "Fine", "", 5)] * 74
    path = tmp_path / "classified.csv"
    pd.DataFrame(rows, columns=["region", "comment", "categories", "stars"]).to_csv(path, index=False)
    return path


def test_a_segments_first_driver_has_enough_mentions(tmp_path: Path):
    from rich.console import Console

    from feedback_classifier.cli.render import segments_table
    from feedback_classifier.insights import compute_drivers

    df = pd.read_csv(_segmented(tmp_path), keep_default_na=False)
    result = compute_drivers(df, score_col="stars", score_type="csat", by="region", n_boot=200, min_n=30)
    parents = result.segments[(result.segments["level"] == "parent") & (result.segments["segment"] == "N")]
    assert parents.sort_values("rank")["category"].iloc[0] == "Price and value"  # ranked first, on 6 mentions
    console = Console(width=250, record=True)
    console.print(segments_table(result, "region", 15))
    lines = [line for line in console.export_text().splitlines() if line.startswith("│ N ")]
    assert len(lines) == 1 and "Delivery and logistics" in lines[0] and "Price and value" not in lines[0]


def test_the_reports_segment_grid_greys_impacts_on_few_mentions(tmp_path: Path):
    import re

    path = _segmented(tmp_path)
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(path), "--text-col", "comment", "--score-col", "stars",
                                 "--score-type", "csat", "--by", "region", "--out", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    grid = page[page.index("<h3>Impact, pts</h3>"):]
    price = re.search(r"<tr><td>Price and value</td>(.*?)</tr>", grid).group(1)
    assert "background" not in price and price.count('class="num muted"') == 2
    assert "Shaded: at least 30 scored answers in the segment" in grid


# ---- TripAdvisor.ru dates come with their label: "Отзыв написан 6 ноября 2019 г."

def test_russian_dates_after_a_label_are_read_and_their_column_found():
    from feedback_classifier.insights.periods import detect_period_column, parse_periods

    written = pd.Series(["Отзыв написан 6 ноября 2019 г. ", "Отзыв написан 30 мая 2019 г.", "Отзыв написан неделю назад"])
    codes, periods, issues = parse_periods(written, "month")
    assert [str(periods[c]) if c >= 0 else None for c in codes] == ["2019-11", "2019-05", None]
    assert issues.counts()["unparseable"] == 1
    visited = pd.Series(["Дата посещения: ноябрь 2019 г.", "Дата посещения: май 2019 г."])
    assert [str(p) for p in parse_periods(visited, "month")[1]] == ["2019-05", "2019-11"]
    df = pd.DataFrame({"review_body": ["Вкусно", "Долго ждали", "Дорого"], "date": written})
    assert detect_period_column(df, exclude=["review_body"]) == "date"


def test_analyze_names_the_unreadable_dates_it_left_out(tmp_path: Path):
    path = tmp_path / "reviews.csv"
    dates = ["Отзыв написан 6 ноября 2019 г.", "Отзыв написан 2 октября 2019 г.", "Отзыв написан вчера"] * 4
    pd.DataFrame({"review_body": ["Вкусно и быстро", "Долго ждали официанта", "Дорого"] * 4, "stars": [5, 2, 3] * 4,
                  "date": dates}).to_csv(path, index=False)
    result = runner.invoke(app, ["analyze", str(path), "--text-col", "review_body", "--score-col", "stars",
                                 "--score-type", "csat", "--period-col", "date", "--out-dir", str(tmp_path / "out"),
                                 "--quiet"])
    assert result.exit_code == 0, result.output
    assert "4 rows have no readable date in 'date', e.g. 'Отзыв написан вчера' (left out of the trend)" in _flat(result.output)


# ---- the impact chart's title and notes fit the picture (a CSAT title is longer than NPS's)

def _csat_drivers():
    from feedback_classifier.insights import compute_drivers

    rng = np.random.default_rng(0)
    cats = ["Delivery and logistics", "Price and value", "Customer service", "Communication and marketing", ""]
    df = pd.DataFrame({"categories": [cats[i % 5] for i in range(300)], "stars": rng.integers(1, 6, 300)})
    df.loc[:9, "categories"] = "Returns and refunds"  # a category under --min-n: the hatched note too
    return compute_drivers(df, score_col="stars", score_type="csat", n_boot=100)


def test_the_impact_charts_texts_stay_inside_the_picture():
    from matplotlib.text import Text

    from feedback_classifier.render.charts import impact_chart

    result = _csat_drivers()
    for lang in ("en", "ru"):
        for width in (8.0, 3.6):
            fig = impact_chart(result, level="parent", lang=lang, width=width)
            fig.draw_without_rendering()
            renderer = fig.canvas.get_renderer()
            box = fig.bbox
            ticks = set(fig.axes[0].get_xticklabels())  # ticks past the view limits are kept but not drawn
            for text in fig.findobj(Text):
                if not (text.get_visible() and text.get_text().strip()) or text in ticks:
                    continue
                extent = text.get_window_extent(renderer)
                assert box.x0 - 1 <= extent.x0 and extent.x1 <= box.x1 + 1, (lang, width, text.get_text())


# ---- a trend of 74 months (TripAdvisor.ru has reviews in 74 of 2013-06 .. 2019-11): the last month's label over its neighbour's

def test_the_trends_period_labels_do_not_overlap():
    import re

    from feedback_classifier.render.overview import trend_svg

    periods = [str(p) for p in pd.period_range("2013-06", periods=74, freq="M")]  # 74 months with reviews
    n = len(periods)
    svg = trend_svg(periods, [90.0] * n, [50] * n, "en", 0, [80.0] * n, [95.0] * n)
    xs = [float(x) for x, label in re.findall(r'<text x="([\d.]+)" y="172"[^>]*>([^<]+)</text>', svg)
          if re.fullmatch(r"\d{4}-\d{2}", label)]
    assert len(xs) >= 6 and xs[-1] > 650  # the last month keeps its label
    assert min(b - a for a, b in zip(xs, xs[1:])) >= 50, xs  # a label is ~45 px wide at 11 px


# ---- Zomato's half stars (3.5, 4.5: 144 of 10,000 reviews) on CSAT: left out, and said how to keep them

def test_half_stars_on_csat_say_how_to_keep_them(tmp_path: Path):
    path = _rated(tmp_path, [1, 2, 3, 4, 5, 5, 4, 5] * 5)
    df = pd.read_csv(path)
    df["Rating"] = df["Rating"].astype(object)
    df.loc[[3, 7], "Rating"] = ["3.5", "4.5"]
    df.to_csv(path, index=False)
    result = runner.invoke(app, ["drivers", str(path), "--score-col", "Rating", "--score-type", "csat",
                                 "--out", str(tmp_path / "d.csv")])
    assert result.exit_code == 0, result.output
    flat = _flat(result.output)
    assert "2 not a whole number (rows 4, 8: '3.5', '4.5')" in flat
    assert "if the scale has half points, pass --score-type mean --scale 1-5 to keep them" in flat
    nps = runner.invoke(app, ["drivers", str(path), "--score-col", "Rating", "--out", str(tmp_path / "d.csv")])
    assert "half points" not in _flat(nps.output)


# ---- the regression's coefficients (Zomato CSAT: Returns and refunds -39.1 next to an impact of -0.6)

def test_the_reports_regression_says_what_its_coefficient_is(tmp_path: Path):
    path = _segmented(tmp_path)
    for lang, words in (("en", "coef. = how many points CSAT differs for respondents who mention the category"),
                        ("ru", "коэф. — на сколько пунктов CSAT у упомянувших категорию")):
        out = tmp_path / f"report_{lang}.html"
        result = runner.invoke(app, ["report", str(path), "--text-col", "comment", "--score-col", "stars",
                                     "--score-type", "csat", "--out", str(out), "--lang", lang])
        assert result.exit_code == 0, result.output
        page = out.read_text(encoding="utf-8")
        assert words in page and page.index(words) > page.index('<h3>')


# ---- analyze's score note: which rows to fix ('Like' in row 7602 of Zomato's file), as drivers says it

def test_analyzes_score_note_names_each_problem_with_its_rows(tmp_path: Path):
    path = tmp_path / "reviews.csv"
    stars = ["5", "4", "Like", "3.5", "", "1"] * 6
    pd.DataFrame({"Review": [f"Food was good, service slow #{i}" for i in range(36)], "Rating": stars}).to_csv(
        path, index=False)
    result = runner.invoke(app, ["analyze", str(path), "--text-col", "Review", "--score-col", "Rating",
                                 "--score-type", "csat", "--out-dir", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 0, result.output
    flat = _flat(result.output)
    assert "18 rows have no valid score in 'Rating' (kept, left out of score statistics): 6 missing (rows 5, 11," in flat
    assert "6 not a number (rows 3, 9, 15, 21, 27, ...: 'Like')" in flat
    assert "6 not a whole number (rows 4, 10, 16, 22, 28, ...: '3.5')" in flat
