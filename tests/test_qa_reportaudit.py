"""QA pass as an executive's analyst defending every number of the HTML report: what the page says
must agree with its own counts and with the CSV tables."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from feedback_classifier.render import build_report
from feedback_classifier.taxonomy import load_taxonomy

CAT = "Delivery and logistics > Courier"


@pytest.fixture(scope="module")
def tax():
    return load_taxonomy("cx-default")


def _card(page: str, parent_id: str) -> str:
    return re.search(rf'<article class="card" id="cat-{parent_id}">(.*?)</article>', page, re.S).group(1)


def test_an_empty_quote_list_says_why_when_its_group_has_comments(tax):
    # every promoter who mentions the courier complained: "No comments in this group" denied they exist
    df = pd.DataFrame({"comment": ["Courier late again", "Courier late as usual", "Courier never rang"],
                       "nps": [10, 9, 1], "categories": CAT, "category_sentiment": f"{CAT}=negative"})
    card = _card(build_report(df, tax, text_col="comment", score_col="nps"), "delivery")
    assert "No comments in this group" not in card
    assert "2 comments in this group, none of them clearly praise" in card
    ru = _card(build_report(df, tax, text_col="comment", score_col="nps", lang="ru"), "delivery")
    assert "В этой группе 2 комментария, но ни один не является явной похвалой" in ru


def test_an_empty_unscored_quote_list_names_the_complaints_it_left_out(tax):
    # no scores: complaints are quoted only where their words agree; "Courier broke it" has no word the
    # check knows, and the card counted 2 complaints above an empty list saying there were no comments
    df = pd.DataFrame({"comment": ["Courier broke it", "Courier broke the box"], "categories": CAT,
                       "category_sentiment": f"{CAT}=negative"})
    card = _card(build_report(df, tax, text_col="comment"), "delivery")
    assert "None of the 2 complaints is quoted" in card
    assert "No comments in this group" in card  # the praise list: there is none


def test_a_table_cut_to_its_first_rows_says_so(tax):
    # 13 subcategories mentioned, the page's table shows 12: the 13th was left out without a word
    from feedback_classifier.insights import compute_drivers

    children = [label for label in tax.labels if label[1] is not None][:13]
    paths = [tax.display_name(label) for label in children]
    df = pd.DataFrame({"comment": [f"comment {i}" for i in range(260)],
                       "nps": [i % 11 for i in range(260)],
                       "categories": [paths[i % 13] for i in range(260)]})
    drivers = compute_drivers(df, score_col="nps", taxonomy=tax, n_boot=50)
    page = build_report(df, tax, text_col="comment", score_col="nps", drivers=drivers)
    assert "The 12 most harmful of 13 shown" in page
    few = compute_drivers(df[df["categories"].isin(paths[:3])], score_col="nps", taxonomy=tax, n_boot=50)
    assert "most harmful of" not in build_report(df, tax, text_col="comment", score_col="nps", drivers=few)


def test_need_review_is_not_a_zero_when_the_file_cannot_say(tax):
    # categories coded by people (no needs_review column): the tile said "0 ... low confidence or nothing
    # detected" over 1 comment with no category, and the routing table a review queue of 0
    from feedback_classifier.insights import route

    df = pd.DataFrame({"comment": ["Courier late", "We went there on Tuesday"], "nps": [1, 9], "categories": [CAT, ""]})
    page = build_report(df, tax, text_col="comment", score_col="nps",
                        routing=route(df, tax, text_col="comment", score_col="nps"))
    tile = re.search(r'Need review</div><div class="value">(.*?)</div><div class="note">(.*?)</div>', page)
    assert tile.groups() == ("—", "not known: the file has no needs_review column (classify adds it)")
    assert re.search(r"<td>review queue</td><td class=\"num\">—</td>(<td class=\"num\">—</td>){2}", page)
    df["needs_review"] = [False, True]
    flagged = build_report(df, tax, text_col="comment", score_col="nps",
                           routing=route(df, tax, text_col="comment", score_col="nps"))
    assert re.search(r'Need review</div><div class="value">1</div>', flagged)


def test_a_score_column_without_valid_scores_is_not_called_missing(tax):
    # --score-col nps was given; the page told the reader to give a score column and that the file has none
    df = pd.DataFrame({"comment": ["Courier late", "Courier rude"], "nps": [None, "n/a"], "categories": CAT})
    page = build_report(df, tax, text_col="comment", score_col="nps")
    assert "Give a score column" not in page and "The file has no score column" not in page
    assert "No valid scores in column &#x27;nps&#x27;" in page
    assert "The score column &#x27;nps&#x27; holds no valid score" in page
    assert "The file has no score column" in build_report(df, tax, text_col="comment")


def test_a_mean_score_below_minus_1000_does_not_crash_the_report(tmp_path):
    # fmt_num read "1,376.9" back as a float to decide the minus sign: a traceback for any English
    # number at or below -1,000 (a --score-type mean of balances, wait times turned round)
    from typer.testing import CliRunner

    from feedback_classifier.cli.main import app

    df = pd.DataFrame({"comment": [f"c {i}" for i in range(40)], "balance": [-3000 + 10 * i for i in range(40)],
                       "categories": [CAT if i % 2 else "" for i in range(40)]})
    df.to_csv(tmp_path / "s.csv", index=False)
    result = CliRunner().invoke(app, ["report", str(tmp_path / "s.csv"), "--text-col", "comment", "--score-col",
                                      "balance", "--score-type", "mean", "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 0, result.output
    assert "−2,805.0" in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_what_rounds_to_zero_has_no_sign_either_way():
    from feedback_classifier.render.html import fmt_num

    # "+0.0" in one segment's cell beside "0.0" in another's read as a lift where neither moved
    assert fmt_num(0.018, 1, signed=True) == fmt_num(-0.019, 1, signed=True) == "0.0"
    assert fmt_num(0.05, 1, signed=True) == "+0.1" and fmt_num(-0.4, 0, "ru", signed=True) == "0"


def test_a_comment_is_not_quoted_under_every_card_it_mentions_when_others_can_be(tax):
    # one long detractor comment about delivery, refunds and support came first under all three cards
    both = "Delivery and logistics > Courier; Returns and refunds > Refund delay"
    df = pd.DataFrame({"comment": ["Courier late, refund late, nobody helps", "Courier never rang",
                                   "Refund still not here"],
                       "nps": [0, 2, 2], "categories": [both, CAT, "Returns and refunds > Refund delay"]})
    page = build_report(df, tax, text_col="comment", score_col="nps", examples=1)
    quoted = re.findall(r'<blockquote class="det"(?: lang="\w+")?>(.*?)<span', page)
    assert sorted(quoted) == ["Courier late, refund late, nobody helps", "Refund still not here"]
    # with nothing else to quote, a card still quotes the comment an earlier card did
    alone = build_report(df.iloc[:1], tax, text_col="comment", score_col="nps", examples=1)
    assert len(re.findall(r'<blockquote class="det"', alone)) == 2


def test_a_segment_column_empty_in_every_row_is_said(tax):
    # --by region on an export whose region column is blank: one segment headed "—" and nothing more
    df = pd.DataFrame({"comment": ["Courier late", "Courier fine"], "nps": [1, 9], "categories": CAT,
                       "region": [None, " "]})
    page = build_report(df, tax, text_col="comment", score_col="nps", by="region")
    section = page[page.index('id="segments"'):]
    assert "Column &#x27;region&#x27; is empty in every row: there are no segments to compare." in section
    assert "<table>" not in section[:section.index("</section>")]


def test_the_generation_time_says_its_zone(tax, monkeypatch):
    # "Generated 2026-12-07 22:21": a nightly job's server clock, read in another time zone, with no zone
    df = pd.DataFrame({"comment": ["Courier late"], "nps": [1], "categories": CAT})
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1765135260")
    assert "Generated 2025-12-07 19:21 UTC from" in build_report(df, tax, text_col="comment", score_col="nps")
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert re.search(r"Generated \d{4}-\d\d-\d\d \d\d:\d\d UTC([+-]\d\d:\d\d)? from",
                     build_report(df, tax, text_col="comment", score_col="nps"))


def test_complaints_and_praise_over_the_mentions_are_explained(tax):
    # Delivery: 2 mentions, 2 complaints and 1 praise; the page gave no reason for 3 > 2
    time, courier = "Delivery and logistics > Delivery time", CAT
    df = pd.DataFrame({"comment": ["Fast delivery, rude courier", "Late delivery"], "nps": [5, 1],
                       "categories": [f"{time}; {courier}", time],
                       "category_sentiment": [f"{time}=positive; {courier}=negative", f"{time}=negative"]})
    page = build_report(df, tax, text_col="comment", score_col="nps")
    assert ("Complaints and praise can add up to more than the mentions: a comment that blames one subcategory "
            "and praises another counts once in each (Delivery and logistics).") in page
    df["category_sentiment"] = [f"{time}=negative; {courier}=negative", f"{time}=negative"]
    assert "can add up to more than the mentions" not in build_report(df, tax, text_col="comment", score_col="nps")


def test_how_to_read_names_the_interval_method_of_every_interval_it_shows(tax):
    # the impacts' intervals are bootstrap and the regression's HC3; the page named only Wald, Wilson and t
    from feedback_classifier.insights import compute_drivers

    df = pd.DataFrame({"comment": [f"c {i}" for i in range(60)], "nps": [i % 11 for i in range(60)],
                       "categories": [CAT if i % 3 else "" for i in range(60)]})
    page = build_report(df, tax, text_col="comment", score_col="nps",
                        drivers=compute_drivers(df, score_col="nps", taxonomy=tax, n_boot=50))
    method = page[page.index('id="method"'):]
    assert "percentile bootstrap over respondents" in method and "HC3" in method


def test_promoters_complaints_judged_praise_are_not_quoted_as_praise(tax):
    # the score-taught sentiment model leans to the writer's score: "Prices keep rising!" with a 10 was
    # judged positive and quoted under "From promoters" (3 of the example survey's 30 promoter quotes)
    price = "Price and value"
    df = pd.DataFrame({"comment": ["Prices keep rising!", "Great prices, love it", "Prices are too high", "ok price"],
                       "nps": [10, 10, 2, 9], "categories": price,
                       "category_sentiment": [f"{price}=positive", f"{price}=positive", f"{price}=negative",
                                              f"{price}=positive"]})
    card = _card(build_report(df, tax, text_col="comment", score_col="nps"), "price")
    promoters = card.split("From promoters")[1]
    assert "Great prices, love it" in promoters
    assert "Prices keep rising" not in promoters
    only = _card(build_report(df.iloc[[0, 2]], tax, text_col="comment", score_col="nps"), "price")
    assert "1 comment in this group, none of them clearly praise" in only  # said why, as for a group of scores
