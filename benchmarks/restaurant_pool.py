"""Build the unlabelled restaurant-review sentence pools from the original source files.

The pools are in-domain comments without labels for ``train --teacher minilm --unlabelled FILE``
(``benchmarks/semeval_distil.py --unlabelled en_restaurant_sentences.csv``). Nothing is downloaded:
fetch each file from the repository and commit below yourself, e.g.
``git show <commit>:<path> > FILE``. Licences are as the repositories state them.

English (``en_restaurant_sentences.csv``):

* ``zomato_hyd``: BhavikaBhalani/Machine-Learning-Zomato-Restaurant-Clustering-and-Sentiment-Analysis
  @ 448c66e065597513272cc6636615b6edd81fecd0, ``Restaurant reviews.csv`` (10,000 reviews of 100
  Hyderabad restaurants, a copy of the Kaggle "Zomato Restaurants Hyderabad" file). Licence: none
  stated in the repo.
* ``yelp_uci``: canast02/csci544_fall2016_project @ ec40969dbddc2305ce45638665f9a4ea15e3bf41,
  ``yelp-sentiment/datasets/sentiment_uci/yelp_labelled.txt`` (1,000 Yelp restaurant sentences, labels
  discarded). Licence: the repo is GPL-3.0; the data is the UCI "Sentiment Labelled Sentences" set
  (Kotzias et al., 2015), which UCI lists as CC BY 4.0.

Russian (``ru_restaurant_sentences.csv``):

* ``ta_ru``: VladislavYeremeyev/tripadvisor-crawler, ``reviews.json`` at three points of its history:
  blob 1bc81373 @ 00d4125df983a3fa0cee90295d7d1683988a4495 (3,737 reviews), blob a5b5225c
  @ b91ebe7b977dba7945ea168684e91340c8ac800a (209) and blob 7e3ab396 @ HEAD
  e92218165b8149f66682ef89fc1f17146e9ac119 (33); ``feedbacks.json`` (blob 31472d04
  @ 02936cd7848fecbb45431897a6abd3b4a09cd450) adds nothing new. TripAdvisor.ru reviews of restaurants
  in Russian cities, scraped in Dec 2019. Licence: none stated (no LICENSE file); TripAdvisor's terms
  apply to the text.

Output columns: ``text`` (one sentence), ``review`` (``<source>:<row>``, for TripAdvisor
``ta_ru:<blob7>:<row>``; group by it), ``source`` and ``rating``: its review's rating, 1-5 (Zomato's
``Rating``, TripAdvisor's ``stars_amount``; empty for the Yelp sentences and Zomato's one "Like"),
what ``train --unlabelled-score-col rating --score-type csat`` learns tone words from
(``benchmarks/semeval_tone.py``). Sentences have 4-60 tokens and the language's
script (EN > 90% Latin letters, RU > 70% Cyrillic); exact duplicates (case- and whitespace-insensitive)
are dropped across all sources of a language, the first kept. Sentences matching a SemEval-2016
restaurant sentence (train EN+RU from ``semeval_data.data_dir()``, official test CSV/XML from
``--semeval-test`` or ``$SEMEVAL2016_TEST_DIR``) are dropped: exactly (case- and whitespace-insensitive)
or, for strings over 15 characters, with punctuation and spaces removed.

Run (from the repository root)::

    python benchmarks/restaurant_pool.py --zomato "Restaurant reviews.csv" --yelp-uci yelp_labelled.txt \\
        --tripadvisor reviews.json [reviews.json ...] [--semeval-test DIR] --out DIR

Give the TripAdvisor files in the order above (1bc81373, a5b5225c, 7e3ab396[, feedbacks.json]): a
review body seen before is skipped. Prints per-source counts and the SemEval drops.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from semeval_data import data_dir  # noqa: E402

MIN_TOKENS, MAX_TOKENS = 4, 60
# Printed per source, in the order the filters apply.
COUNTS = ("reviews", "sentences", "length_drop", "script_drop", "semeval_exact_drop", "semeval_loose_drop",
          "duplicate_drop", "kept")
# Sentence end: . ! ? or …, an optional closing quote/bracket, whitespace, then something that can
# start a sentence (Latin or Cyrillic capital, digit, quote, bracket); covers both languages.
SPLIT = re.compile(r'(?<=[.!?…])["»”)]?\s+(?=["«“(\'A-ZА-ЯЁ0-9])')


def norm(text: str) -> str:
    """Key for duplicates and exact SemEval matches: case and whitespace do not count."""
    return re.sub(r"\s+", " ", text).strip().lower()


def loose(text: str) -> str:
    """Key for the looser SemEval match: punctuation and spaces do not count either."""
    return re.sub(r"[\W_]+", "", text.lower())


def read_zomato(path: Path) -> list[tuple[str, str, str]]:
    """``(review id, text, rating)`` of the non-empty reviews; the id is the 0-based data row."""
    # The file is cp1252 with CR row ends and LF inside reviews; some bytes are not cp1252 at all,
    # so they become U+FFFD (cleaned later) rather than failing the whole file.
    rows = csv.DictReader(io.StringIO(path.read_bytes().decode("cp1252", errors="replace"), newline=""))
    reviews = []
    for i, row in enumerate(rows):
        text = row["Review"] or ""
        if not text:
            continue
        try:
            # Some reviews are UTF-8 that was read as cp1252 (e.g. "fortÌ¬"): undo it where the whole
            # review round-trips; elsewhere the mojibake is mixed with junk and is cleaned instead.
            text = text.encode("cp1252").decode("utf-8")
        except UnicodeError:
            pass
        reviews.append((f"zomato_hyd:{i}", text, row["Rating"] or ""))
    return reviews


def read_yelp_uci(path: Path) -> list[tuple[str, str, str]]:
    """``(review id, sentence, "")`` per line of ``sentence<TAB>label``; the label is not used."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [(f"yelp_uci:{i}", line.rsplit("\t", 1)[0], "") for i, line in enumerate(lines) if line.strip()]


def read_tripadvisor(paths: list[Path]) -> tuple[list[tuple[str, str, str]], int]:
    """``(review id, body, stars)`` of every review body not seen in an earlier file, and the rows read.

    The id names the file by its git blob hash (what ``git show <commit>:reviews.json`` gives), so it
    says which version of ``reviews.json`` the row came from without relying on the local file name.
    """
    reviews, seen, read = [], set(), 0
    for path in paths:
        data = path.read_bytes()
        blob = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()[:7]
        for i, rec in enumerate(json.loads(data.decode("utf-8"))):
            read += 1
            body = (rec.get("review_body") or "").strip()
            # The versions of the file overlap; a body is one review whichever version has it.
            if not body or norm(body) in seen:
                continue
            seen.add(norm(body))
            reviews.append((f"ta_ru:{blob}:{i}", body, str(rec.get("stars_amount") or "")))
    return reviews, read


def clean_tripadvisor(text: str) -> str:
    """Drop TripAdvisor's "Еще" ("more") teaser marker, and the cut-off sentence before "...Еще"."""
    text = text.rstrip()
    cut_off = re.search(r"(\.\.\.|…)\s*Ещ[её]$", text)
    if not cut_off:
        return re.sub(r"Ещ[её]$", "", text)
    text = text[:cut_off.start()]
    # The last sentence was cut mid-way: keep only up to the end of the previous complete one.
    end = max(text.rfind(". "), text.rfind("! "), text.rfind("? "), text.rfind("\n"))
    return text[:end + 1] if end > 0 else ""


def clean_zomato(text: str) -> str:
    """Remove emoji mojibake and turn Mac-Roman double-encoded punctuation into ASCII."""
    # Emoji that went through a wrong code page end up as "?" plus Latin-1/punctuation junk ("?Ÿ˜ç").
    text = re.sub(r"\?[\u0080-\u02ff\u2000-\u20ff\u0152-\u0178]+", " ", text)
    text = re.sub(r"\?*\ufffd[\ufffd?]*", " ", text)
    # ‰Ûª = apostrophe, ‰ÛÏ = quote, ‰ÛÓ/‰ÛÒ = dash, ‰Û¢ = bullet; other ‰... sequences are junk.
    for junk, ascii_ in (("‰Ûª", "'"), ("‰Û÷", "'"), ("‰ÛÏ", '"'), ("‰ÛÓ", " - "), ("‰ÛÒ", " - "),
                         ("‰Û¢", " ")):
        text = text.replace(junk, ascii_)
    text = re.sub(r"‰Û.?", " ", text)
    text = re.sub(r"â\?\d?", " ", text)
    return re.sub(r"‰[^\x00-\x7F]*", " ", text)


def sentences(text: str):
    """Sentences of a review: split on line breaks and sentence ends, whitespace collapsed."""
    for para in re.split(r"\n+", text.replace("\r", "\n")):
        for sentence in SPLIT.split(para):
            sentence = re.sub(r"\s+", " ", sentence).strip()
            if sentence:
                yield sentence


def right_script(sentence: str, lang: str) -> bool:
    """Mostly the language's letters: drops foreign-language lines and emoji junk."""
    letters = re.findall(r"[^\W\d_]", sentence)
    if not letters:
        return False
    if lang == "en":
        return sum(c.isascii() for c in letters) / len(letters) > 0.9
    return sum("а" <= c.lower() <= "я" or c in "ёЁ" for c in letters) / len(letters) > 0.7


def semeval_texts(test_dir: Path | None) -> list[str]:
    """Every SemEval-2016 restaurant sentence on this machine: training CSVs, official test CSV/XML."""
    paths = [data_dir() / f"restaurants_{lang}_train.csv" for lang in ("en", "ru")]
    missing = [p for p in paths if not p.is_file()]
    if missing:
        raise SystemExit(f"{missing[0]}: no such file (set SEMEVAL2016_DIR?)")
    xmls = []
    if test_dir is None:
        print("warning: no --semeval-test or $SEMEVAL2016_TEST_DIR: the official test sets are not "
              "filtered out", file=sys.stderr)
    else:
        paths += sorted(test_dir.glob("restaurants_*_test.csv"))
        xmls = sorted(test_dir.glob("*.xml*"))
        found = " ".join(p.name.lower() for p in paths[2:] + xmls)
        for lang in ("en", "ru"):
            # The pools were built without the RU test set; say so rather than fail.
            if f"{lang}_" not in found:
                print(f"warning: no {lang} test file in {test_dir}: not filtered out", file=sys.stderr)
    texts = []
    for path in paths:
        with open(path, encoding="utf-8", newline="") as fh:
            texts += [row["text"] for row in csv.DictReader(fh)]
    for path in xmls:
        texts += [t.text for t in ET.parse(path).getroot().iter("text") if t.text]
    print(f"semeval sentences: {len(texts):,} ({len({norm(t) for t in texts}):,} unique) from "
          + ", ".join(p.name for p in paths + xmls))
    return texts


def build_pool(lang: str, sources: dict, semeval: list[str]) -> tuple[list, dict]:
    """The pool's rows ``(text, review, source, rating)`` and per-source counts.

    ``sources`` maps a source name to ``(reviews, cleaner)``; sources are read in order, and a
    sentence already in the pool (from any source) is a duplicate.
    """
    exact = {norm(t) for t in semeval}
    # Short strings would match too much once punctuation is gone ("Great food!" vs "great food").
    loose_keys = {loose(t) for t in semeval if len(loose(t)) > 15}
    seen, rows, stats = set(), [], {}
    for source, (reviews, cleaner) in sources.items():
        counts = dict.fromkeys(COUNTS, 0)
        counts["reviews"] = len(reviews)
        for review, text, rating in reviews:
            for sentence in sentences(cleaner(text)):
                counts["sentences"] += 1
                key = norm(sentence)
                if not MIN_TOKENS <= len(sentence.split()) <= MAX_TOKENS:
                    drop = "length_drop"
                elif not right_script(sentence, lang):
                    drop = "script_drop"
                elif key in exact:
                    drop = "semeval_exact_drop"
                elif loose(sentence) in loose_keys:
                    drop = "semeval_loose_drop"
                elif key in seen:
                    drop = "duplicate_drop"
                else:
                    drop = "kept"
                    seen.add(key)
                    rows.append((sentence, review, source, rating))
                counts[drop] += 1
        stats[source] = counts
    return rows, stats


def write_pool(path: Path, rows: list) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "review", "source", "rating"])
        writer.writerows(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     epilog=__doc__.split("\n\n", 1)[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--zomato", type=Path, required=True, help='"Restaurant reviews.csv"')
    parser.add_argument("--yelp-uci", type=Path, required=True, help="yelp_labelled.txt")
    parser.add_argument("--tripadvisor", type=Path, nargs="+", required=True,
                        help="reviews.json versions (and feedbacks.json), oldest-largest first")
    parser.add_argument("--semeval-test", type=Path, default=None,
                        help="folder with restaurants_<lang>_test.csv and/or the gold XML "
                             "(default: $SEMEVAL2016_TEST_DIR)")
    parser.add_argument("--out", type=Path, required=True, help="folder for the two pools")
    args = parser.parse_args(argv)
    for path in [args.zomato, args.yelp_uci, *args.tripadvisor]:
        if not path.is_file():
            parser.error(f"{path}: no such file; see --help for where to get it")
    test_dir = args.semeval_test or (Path(os.environ["SEMEVAL2016_TEST_DIR"])
                                     if os.environ.get("SEMEVAL2016_TEST_DIR") else None)
    semeval = semeval_texts(test_dir)
    tripadvisor, ta_read = read_tripadvisor(args.tripadvisor)
    print(f"tripadvisor: {ta_read:,} rows read, {len(tripadvisor):,} unique review bodies")
    pools = {
        "en": {"zomato_hyd": (read_zomato(args.zomato), clean_zomato),
               "yelp_uci": (read_yelp_uci(args.yelp_uci), str)},
        "ru": {"ta_ru": (tripadvisor, clean_tripadvisor)},
    }
    args.out.mkdir(parents=True, exist_ok=True)
    for lang, sources in pools.items():
        rows, stats = build_pool(lang, sources, semeval)
        out = args.out / f"{lang}_restaurant_sentences.csv"
        write_pool(out, rows)
        print(f"[{lang}] {len(rows):,} sentences from {len({r[1] for r in rows}):,} reviews -> {out}")
        for source, counts in stats.items():
            print(f"  {source}: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
