"""Turn the official SemEval-2016 Task 5 restaurant TEST gold XML into the training-CSV format.

``../shared`` holds only the training splits. The official test splits (subtask 1,
sentence level, slot 1 categories + slot 3 polarities) are what the SemEval-2016
results were reported on, so a number on them was never looked at by any tuning
decision here. This script does not download anything: get the gold XML yourself and
give its local path.

Where to get the XML (research use only, do not commit it to the project):

* the task page, http://alt.qcri.org/semeval2016/task5/ ("Gold annotations" of the
  test data): ``EN_REST_SB1_TEST.xml.gold`` (676 sentences, 90 reviews, 859 opinions)
  and ``RU_REST_SB1_TEST.xml.gold`` (about 1,209 sentences);
* or a public repository that vendors it, e.g. the English file is
  ``test_gold_data/EN_REST_SB1_TEST.xml.gold`` in github.com/JaeceeNaylor/OpinionDominion
  (commit d453f5b1cda19373ebd4be31c04bb745709a972e).

The CSV has the columns of ``../shared/data/semeval2016/restaurants_<lang>_train.csv``:
``id`` (sentence id), ``review_id``, ``text`` (stripped), ``labels`` (the sentence's
distinct categories as ``ENTITY > ATTRIBUTE`` in order of first mention, joined by
``"; "``; empty when it has none) and ``polarities`` (``ENTITY > ATTRIBUTE=polarity`` for
every opinion, duplicates kept, joined by ``"; "``). Sentences without text are dropped.

Run::

    python benchmarks/semeval_test_data.py --en PATH/EN_REST_SB1_TEST.xml.gold \\
        --ru PATH/RU_REST_SB1_TEST.xml.gold [--out DIR]

``--out`` defaults to ``$SEMEVAL2016_TEST_DIR`` (one of the two is needed; keep the files outside
the project); the
benchmarks read ``restaurants_<lang>_test.csv`` from there
(``SEMEVAL2016_TEST_DIR=DIR python benchmarks/semeval.py --held-out`` and
``SEMEVAL2016_TEST_DIR=DIR python benchmarks/semeval_polarity.py --official-test``).
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

COLUMNS = ("id", "review_id", "text", "labels", "polarities")


def category_path(category: str) -> str:
    """``FOOD#QUALITY`` -> ``FOOD > QUALITY`` (the training files' path syntax).

    >>> category_path("FOOD#STYLE_OPTIONS")
    'FOOD > STYLE_OPTIONS'
    """
    entity, _, attribute = category.partition("#")
    if not entity or not attribute:
        raise ValueError(f"category {category!r} is not ENTITY#ATTRIBUTE")
    return f"{entity} > {attribute}"


def sentence_rows(root: ET.Element) -> list[dict]:
    """One dict per sentence with text, in document order.

    >>> xml = ('<Reviews><Review rid="7"><sentences><sentence id="7:0"><text> Great fish, rude staff. </text>'
    ...        '<Opinions><Opinion target="fish" category="FOOD#QUALITY" polarity="positive" from="6" to="10"/>'
    ...        '<Opinion target="staff" category="SERVICE#GENERAL" polarity="negative" from="17" to="22"/>'
    ...        '<Opinion target="NULL" category="FOOD#QUALITY" polarity="positive" from="0" to="0"/>'
    ...        '</Opinions></sentence><sentence id="7:1"><text>We left.</text></sentence>'
    ...        '<sentence id="7:2"><text></text></sentence></sentences></Review></Reviews>')
    >>> for row in sentence_rows(ET.fromstring(xml)):
    ...     print(row)
    {'id': '7:0', 'review_id': '7', 'text': 'Great fish, rude staff.', 'labels': 'FOOD > QUALITY; SERVICE > GENERAL', \
'polarities': 'FOOD > QUALITY=positive; SERVICE > GENERAL=negative; FOOD > QUALITY=positive'}
    {'id': '7:1', 'review_id': '7', 'text': 'We left.', 'labels': '', 'polarities': ''}
    """
    rows = []
    for review in root.iter("Review"):
        for sentence in review.iter("sentence"):
            text = (sentence.findtext("text") or "").strip()
            if not text:
                continue
            opinions = [(category_path(o.get("category", "")), o.get("polarity", ""))
                        for o in sentence.iter("Opinion")]
            labels = list(dict.fromkeys(path for path, _ in opinions))
            rows.append({"id": sentence.get("id", ""), "review_id": review.get("rid", ""), "text": text,
                         "labels": "; ".join(labels),
                         "polarities": "; ".join(f"{path}={pol}" for path, pol in opinions)})
    return rows


def check_gold(rows: list[dict], source: Path) -> None:
    """Refuse files without gold opinions (the phase-A/B inputs look the same otherwise)."""
    n_opinions = sum(len(r["polarities"].split("; ")) for r in rows if r["polarities"])
    bad = [r["id"] for r in rows for p in r["polarities"].split("; ")
           if r["polarities"] and p.rsplit("=", 1)[1] not in {"positive", "negative", "neutral", "conflict"}]
    if n_opinions == 0 or bad:
        raise SystemExit(f"{source}: not a gold file (opinions with category and polarity: {n_opinions}; "
                         f"sentences with a missing polarity: {bad[:3]}). Use the *.xml.gold file.")


def convert(source: Path, target: Path) -> dict:
    """Write ``target`` from the gold XML ``source``; return its counts."""
    rows = sentence_rows(ET.parse(source).getroot())
    check_gold(rows, source)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return {"file": str(target), "sentences": len(rows), "reviews": len({r["review_id"] for r in rows}),
            "with_category": sum(1 for r in rows if r["labels"]),
            "opinions": sum(len(r["polarities"].split("; ")) for r in rows if r["polarities"])}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     epilog="Where to get the XML" + __doc__.split("Where to get the XML", 1)[1].split("The CSV has", 1)[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--en", type=Path, help="local path of EN_REST_SB1_TEST.xml.gold")
    parser.add_argument("--ru", type=Path, help="local path of RU_REST_SB1_TEST.xml.gold")
    parser.add_argument("--out", type=Path, default=None,
                        help="folder for restaurants_<lang>_test.csv (default: $SEMEVAL2016_TEST_DIR)")
    args = parser.parse_args(argv)
    sources = {lang: path for lang, path in (("en", args.en), ("ru", args.ru)) if path is not None}
    if not sources:
        parser.print_help()
        return 2
    if args.out is None and not os.environ.get("SEMEVAL2016_TEST_DIR"):
        parser.error("give --out DIR or set SEMEVAL2016_TEST_DIR")
    args.out = args.out or Path(os.environ["SEMEVAL2016_TEST_DIR"])
    for lang, path in sources.items():
        if not path.is_file():
            print(f"{path}: no such file; see --help for where to get the gold XML", file=sys.stderr)
            return 2
        counts = convert(path, args.out / f"restaurants_{lang}_test.csv")
        print(f"[{lang}] " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
