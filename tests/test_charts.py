"""Charts: every text follows the report language, and priority-matrix labels stay readable
(no label overlaps another label or a marker, all points are drawn, unlabelled ones are counted)."""

from __future__ import annotations

import base64
import re
from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from matplotlib.text import Text

from feedback_classifier.render.charts import (
    chart_images,
    impact_chart,
    priority_matrix,
    write_charts,
)
from feedback_classifier.insights.drivers import compute_drivers

LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
ALLOWED_LATIN = {"NPS", "CSAT", "CES"}  # metric names stay as they are in Russian


def drivers_table(n: int, *, names: list[str] | None = None, seed: int = 0) -> pd.DataFrame:
    """A drivers-like table (what the charts read) with ``n`` categories crowded together."""
    rng = np.random.default_rng(seed)
    impact = np.round(rng.normal(-0.5, 1.2, n), 2)
    impact[:3] = [-4.0, -3.9, 2.5]  # a few that clearly matter
    width = np.abs(rng.normal(0.6, 0.2, n))
    mentions = rng.integers(5, 300, n)
    return pd.DataFrame({
        "level": "parent",
        "category": names or [f"Категория номер {i}" for i in range(n)],
        "share": rng.uniform(0.01, 0.08, n),
        "impact": impact,
        "impact_low": impact - width,
        "impact_high": impact + width,
        "mentions": mentions,
        "mentions_scored": mentions,
        "low_n": mentions < 30,
    })


def chart_texts(fig) -> list[str]:
    fig.draw_without_rendering()
    return [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def english_words(texts: list[str]) -> set[str]:
    return {w for t in texts for w in LATIN_WORD.findall(t)} - ALLOWED_LATIN


@pytest.mark.parametrize("make", [impact_chart, priority_matrix])
def test_russian_charts_have_no_english_text(make):
    table = drivers_table(12)
    table.loc[0, "low_n"] = True  # notes about small samples are drawn too
    texts = chart_texts(make(table, lang="ru"))
    assert english_words(texts) == set(), texts
    joined = " ".join(texts)
    assert "Влияние на" in joined


@pytest.mark.parametrize("make", [impact_chart, priority_matrix])
def test_russian_tick_labels_use_a_decimal_comma(make):
    table = drivers_table(6)
    table[["impact", "impact_low", "impact_high"]] = [[-0.9, -1.1, -0.7], [-0.6, -0.8, -0.4], [-0.3, -0.5, -0.1],
                                                     [0.2, 0.0, 0.4], [0.5, 0.3, 0.7], [0.8, 0.6, 1.0]]
    ticks = {lang: [t for t in chart_texts(make(table, lang=lang)) if re.fullmatch(r"[−-]?\d+[.,]\d+", t)]
             for lang in ("en", "ru")}
    assert ticks["ru"] and all("," in t for t in ticks["ru"])
    assert ticks["en"] and all("." in t for t in ticks["en"])


@pytest.mark.parametrize("make", [impact_chart, priority_matrix])
def test_english_is_the_default_language(make):
    texts = " ".join(chart_texts(make(drivers_table(12))))
    assert "Impact on" in texts
    assert not re.search("[а-яё]", texts.replace("Категория номер", ""), re.IGNORECASE)


def test_unknown_chart_language_is_refused():
    with pytest.raises(ValueError, match="'de'"):
        impact_chart(drivers_table(3), lang="de")


def test_empty_chart_message_is_translated():
    empty = drivers_table(3).iloc[:0]
    assert "Ни одна категория" in " ".join(chart_texts(priority_matrix(empty, lang="ru")))


def _boxes(fig):
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    labels = [a for a in ax.texts if a.get_text()]
    # Text's own extent: an Annotation's would include its leader line
    return ax, [Text.get_window_extent(a, renderer) for a in labels], labels


@pytest.mark.parametrize("n", [10, 45])
def test_priority_matrix_labels_do_not_overlap_and_every_point_is_drawn(n):
    table = drivers_table(n, seed=n)
    fig = priority_matrix(table, label_top=12)
    ax, boxes, labels = _boxes(fig)
    scatter = ax.collections[0]
    assert len(scatter.get_offsets()) == n  # unlabelled points are still plotted
    assert labels, "the most important points must be labelled"
    for a, b in combinations(boxes, 2):
        assert not a.overlaps(b), (a, b)
    frame = ax.get_window_extent()
    assert all(frame.x0 <= b.x0 and b.x1 <= frame.x1 and frame.y0 <= b.y0 and b.y1 <= frame.y1 for b in boxes)
    # no label covers a marker (markers as the squares around their circles)
    centres = ax.transData.transform(scatter.get_offsets())
    radius = np.sqrt(scatter.get_sizes()) / 2 * fig.dpi / 72
    for box in boxes:
        for (x, y), r in zip(centres, radius):
            assert not (box.x0 < x + r and x - r < box.x1 and box.y0 < y + r and y - r < box.y1)
    # the clearest drivers are labelled first
    texts = {t.get_text() for t in labels}
    assert {"Категория номер 0", "Категория номер 2"} <= {t.replace("\n", " ") for t in texts}
    note = re.search(r"(\d+) of (\d+) points unlabelled", ax.get_xlabel())
    if len(labels) < n:
        assert note and int(note.group(1)) == n - len(labels) and int(note.group(2)) == n
    else:
        assert note is None


def test_priority_matrix_shortens_parent_child_names_when_unambiguous():
    names = ["Delivery and logistics > Delivery time", "Returns and refunds > Refund delay",
             "Service > Other", "Store > Other"]
    fig = priority_matrix(drivers_table(4, names=names), label_top=4)
    _, _, labels = _boxes(fig)
    texts = {t.get_text().replace("\n", " ") for t in labels}
    assert "Delivery time" in texts and "Refund delay" in texts
    assert not texts & {"Other"}  # two children called "Other": keep their parents
    assert texts & {"Service > Other", "Store > Other"}


def svg_texts(svg: str) -> list[str]:
    # matplotlib writes each text as a comment next to its glyphs
    return re.findall(r"<!-- (.*?) -->", svg)


def test_chart_images_and_files_follow_language(tmp_path):
    df = pd.DataFrame({"nps": [10, 2, 9, 1, 8, 3] * 5,
                       "categories": ["", "Price", "", "Price; Delivery", "Delivery", ""] * 5})
    res = compute_drivers(df, score_col="nps", n_boot=20, min_n=1)
    ru = chart_images(res, fmt="svg", levels=("parent",), lang="ru")
    assert set(ru) == {"impact_parent", "priority_parent"}
    for svg in ru.values():
        assert english_words(svg_texts(svg)) == {"Price", "Delivery"}  # names come translated by the caller
    en = chart_images(res, fmt="svg", levels=("parent",))
    assert any("Impact on NPS" in t for t in svg_texts(en["impact_parent"]))
    paths = write_charts(res, tmp_path, fmt="svg", lang="ru")
    assert any("Влияние на NPS" in t for t in svg_texts((tmp_path / "impact_parent.svg").read_text("utf-8")))
    assert len(paths) == 4


def test_russian_report_charts_are_russian():
    from feedback_classifier.render.report import build_report
    from feedback_classifier.taxonomy import load_taxonomy

    rng = np.random.default_rng(1)
    cats = rng.choice(["Delivery and logistics > Delivery time", "Price and value > Too expensive",
                       "Service > Staff politeness", ""], 200)
    nps = np.where(cats == "Delivery and logistics > Delivery time", rng.integers(0, 5, 200), rng.integers(0, 11, 200))
    df = pd.DataFrame({"comment": [f"отзыв {i}" for i in range(200)], "nps": nps, "categories": cats})
    tax = load_taxonomy("cx-default")
    res = compute_drivers(df, score_col="nps", n_boot=50, min_n=5, taxonomy=tax)
    page = build_report(df, tax, text_col="comment", score_col="nps", lang="ru", drivers=res)
    images = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', page)
    assert len(images) >= 2
    texts = [t for img in images for t in svg_texts(base64.b64decode(img).decode("utf-8"))]
    assert any("Влияние на NPS" in t for t in texts)
    assert english_words(texts) == set(), texts
