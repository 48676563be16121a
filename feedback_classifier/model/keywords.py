"""What a taxonomy's own words say about a comment: keyword and phrase matching on lemmas.

A category's keywords (and its names, in every language) are analysed with the same
``TextAnalyzer`` the classifier uses, so matching works on lemmas: "couriers were late"
matches the keyword "courier", "не хватает деталей" matches "не хватать деталь". Negation is
part of the tokens (``not_work``, ``не_работать``), so "works" does not match "does not
work", while the keyword "does not work" does. A phrase matches when its tokens occur in
order within a short window (a word or two may sit between them: "took forever to arrive").

A keyword listed under a child also counts for its parent. :class:`KeywordMatcher` is used
by the bundled default model (a comment the model is unsure about still gets the category
its keywords clearly name) and by the cold start without labels (``model.weak``).
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from feedback_classifier.lang import TextAnalyzer

# Extra tokens allowed inside a multi-word phrase match ("took [so] forever").
_GAP = 2
# Keywords that are one of these lemmas say nothing on their own (they are in phrases).
_WEAK = frozenset({"be", "do", "have", "not", "the", "a", "to", "of", "and", "не", "и", "в", "на", "быть", "с"})
# Digits and symbols inside a keyword, which the analyzer reads as placeholders or drops ("24/7"
# is two numbers, "c++" the letter c, "1+1" any two numbers); a separator standing alone
# ("Store / branch") is left to the tokens.
_SYMBOL = re.compile(r"[^\w\s'’-]|\d")
_LONE_SYMBOLS = re.compile(r"(?<!\S)[^\w\s]+(?!\S)")


class KeywordMatcher:
    """Match a taxonomy's keywords and category names against comments.

    ``match(texts)`` gives, per comment, ``{label: [matched phrases]}`` for every
    category (parent or full path) whose keywords occur; ``matrix(texts, classes)`` the
    number of distinct matched phrases per class.

    >>> from feedback_classifier.taxonomy import load_taxonomy
    >>> m = KeywordMatcher(load_taxonomy("cx-default"))
    >>> hits = m.match(["The couriers were rude", "Курьер опоздал, заказ не пришёл"])
    >>> ("delivery", "courier") in hits[0], ("delivery", "courier") in hits[1]
    (True, True)
    >>> ("product", "defects") in m.match(["It does not work at all"])[0]
    True
    """

    def __init__(self, taxonomy, analyzer=None, *, names: bool = True):
        self.taxonomy = taxonomy
        self.analyzer = analyzer or TextAnalyzer()
        # first token -> [(phrase tokens, label, phrase text)]
        self._index: dict[str, list[tuple[tuple[str, ...], tuple, str]]] = defaultdict(list)
        for tokens, label, phrase in self._entries(names) if analyzer is not None else _cached_entries(self, names):
            self._index[tokens[0]].append((tokens, label, phrase))
        self._index = dict(self._index)
        self._firsts = frozenset(self._index)
        # phrases that match only where the comment holds them as written
        self._literal = {text: pattern for entries in self._index.values() for _t, _l, text in entries
                         if (pattern := literal_pattern(text)) is not None}
        # (a first pass without the word-boundary look-arounds: with them it cost classify ~3 CPU-s per million rows)
        self._any_literal = re.compile("|".join(
            r"\s+".join(re.escape(w) for w in _fold(text).split()).replace("е", "[её]") for text in self._literal),
            re.IGNORECASE) if self._literal else None

    def _entries(self, names: bool) -> list[tuple[tuple[str, ...], tuple, str]]:
        """Every (phrase tokens, label, phrase text), grouped by first token in first-seen order."""
        index: dict[str, list] = defaultdict(list)
        for label in self.taxonomy.labels:
            for phrase in self._phrases(label, names):
                tokens = tuple(self.analyzer(phrase))
                if not tokens or (len(tokens) == 1 and tokens[0] in _WEAK):
                    continue
                if all(tokens != seen for seen, seen_label, _ in index[tokens[0]] if seen_label == label):
                    index[tokens[0]].append((tokens, label, phrase))  # "Курьер" = "курьер"
        return [entry for entries in index.values() for entry in entries]

    def _phrases(self, label, names: bool) -> list[str]:
        words = list(self.taxonomy.keywords(label))
        if names:
            for lang in self.taxonomy.languages:
                words.append(self.taxonomy.short_name(label, lang))
        return list(dict.fromkeys(w for w in words if w and w.strip()))

    def match_tokens(self, tokens: Sequence[str], text: str | None = None) -> dict[tuple, list[str]]:
        """``{label: matched phrases}`` for one comment's analyzer tokens; a child's hit also
        counts for its parent. A phrase with digits or symbols ("24/7") counts only where
        ``text``, the comment, holds it as written (never without ``text``)."""
        hits = self._token_hits(tokens)
        if self._literal and hits:
            folded = _fold(text) if isinstance(text, str) else None
            for label in list(hits):
                hits[label] = [p for p in hits[label] if p not in self._literal
                               or (folded is not None and self._literal[p].search(folded))]
                if not hits[label]:
                    del hits[label]
        return hits

    def literal_rows(self, texts: Sequence[str]) -> list[int]:
        """Indices of the ``texts`` holding a phrase with digits or symbols as written."""
        if self._any_literal is None:
            return []
        maybe = [i for i, t in enumerate(texts) if isinstance(t, str) and self._any_literal.search(t)]
        return [i for i in maybe if any(p.search(_fold(texts[i])) for p in self._literal.values())]

    def _token_hits(self, tokens: Sequence[str]) -> dict[tuple, list[str]]:
        hits: dict[tuple, list[str]] = {}
        # most comments contain no keyword at all: one C-level set intersection says so
        if self._firsts.isdisjoint(tokens):
            return hits
        index = self._index
        for start, token in enumerate(tokens):
            entries = index.get(token)
            if entries is None:
                continue
            for phrase, label, text in entries:
                if len(phrase) == 1 or _matches_at(tokens, start, phrase):
                    for target in (label, (label[0], None)) if label[1] is not None else (label,):
                        found = hits.setdefault(target, [])
                        if text not in found:
                            found.append(text)
        return hits

    def match(self, texts: Sequence[str]) -> list[dict[tuple, list[str]]]:
        """Per comment, ``{label: matched phrases}`` (see the class example)."""
        return [self.match_tokens(self.analyzer(t), t if isinstance(t, str) else None) for t in texts]

    def matrix(self, texts: Sequence[str], classes: Sequence[tuple]) -> np.ndarray:
        """``(n_texts, n_classes)`` counts of distinct matched phrases per class.

        >>> from feedback_classifier.taxonomy import load_taxonomy
        >>> tax = load_taxonomy("cx-default")
        >>> bool(KeywordMatcher(tax).matrix(["too expensive"], tax.labels)[0].sum() > 0)
        True
        """
        position = {label: j for j, label in enumerate(classes)}
        out = np.zeros((len(texts), len(classes)), dtype=np.int32)
        for i, hits in enumerate(self.match(texts)):
            for label, phrases in hits.items():
                j = position.get(label)
                if j is not None:
                    out[i, j] = len(phrases)
        return out


def unmatchable_keywords(taxonomy, analyzer=None) -> list[tuple[tuple, str]]:
    """``(label, keyword)`` for each keyword no comment can match: nothing in it that the analyzer
    keeps ("(", "!!!"), or one word that says nothing alone ("the", "не"). The matcher leaves them
    out without a word, so ``taxonomy validate`` names them.

    >>> from feedback_classifier.taxonomy.taxonomy import Taxonomy
    >>> tax = Taxonomy.from_dict({"name": "t", "categories": [{"id": "a", "names": {"en": "A"},
    ...                                                        "keywords": {"en": ["(", "the", "c++", "😡"]}}]})
    >>> unmatchable_keywords(tax)
    [(('a', None), '('), (('a', None), 'the')]
    """
    analyzer = analyzer or TextAnalyzer()
    out = []
    for label in taxonomy.labels:
        for word in taxonomy.keywords(label):
            tokens = analyzer(word)
            if not tokens or (len(tokens) == 1 and tokens[0] in _WEAK):
                out.append((label, word))
    return out


def stolen_keywords(taxonomy, analyzer=None) -> list[tuple[str, tuple, tuple]]:
    """``(keyword, taker, loser)``: a keyword (as lemmas) listed under a parent without subcategories
    (the taker: one keyword names it) and under a parent with subcategories (the loser: it needs a
    second keyword of its own, or a subcategory's), so a comment with that keyword alone goes to the
    taker only: «доставка» under Price and Delivery sent «Проблемы с доставкой» to Price.

    >>> from feedback_classifier.taxonomy.taxonomy import Taxonomy
    >>> tax = Taxonomy.from_dict({"name": "t", "categories": [
    ...     {"id": "a", "names": {"en": "A"}, "keywords": {"en": ["Delivery"]}},
    ...     {"id": "b", "names": {"en": "B"}, "keywords": {"en": ["deliveries"]},
    ...      "children": [{"id": "c", "names": {"en": "C"}, "keywords": {"en": ["late"]}}]}]})
    >>> stolen_keywords(tax)
    [('Delivery', ('a', None), ('b', None))]
    """
    analyzer = analyzer or TextAnalyzer()
    with_children = {label[0] for label in taxonomy.labels if label[1] is not None}
    takers: dict[tuple, tuple[str, tuple]] = {}
    losers: dict[tuple, list[tuple]] = defaultdict(list)
    # a parent whose subcategory lists the keyword too is named by it alone (the child's keyword)
    in_child = {(label[0], tuple(analyzer(word))) for label in taxonomy.labels if label[1] is not None
                for word in taxonomy.keywords(label)}
    for label in taxonomy.parents:
        for word in taxonomy.keywords(label):
            tokens = tuple(analyzer(word))
            if label[0] in with_children:
                if label not in losers[tokens] and (label[0], tokens) not in in_child:  # («доставки»: one lemma)
                    losers[tokens].append(label)
            elif tokens:
                takers.setdefault(tokens, (word, label))
    return [(word, taker, loser) for tokens, (word, taker) in takers.items() for loser in losers.get(tokens, ())]


def _fold(text: str) -> str:
    return text.casefold().replace("ё", "е")


def literal_pattern(phrase: str) -> re.Pattern | None:
    """The pattern a keyword with digits or symbols must match as written (case and ё aside), or
    None for a keyword of words alone, which matches on lemmas.

    >>> [bool(literal_pattern("24/7").search(t)) for t in ("support 24/7", "2 items for 7 days", "124/7")]
    [True, False, False]
    >>> literal_pattern("c++").search("vitamin c"), literal_pattern("wi-fi"), literal_pattern("Store / branch")
    (None, None, None)
    """
    folded = " ".join(_fold(phrase).split())
    if not _SYMBOL.search(_LONE_SYMBOLS.sub(" ", folded)):
        return None
    body = r"\s+".join(re.escape(word) for word in folded.split())
    start = r"(?<!\w)" if re.match(r"\w", folded) else ""
    end = r"(?!\w)" if re.search(r"\w$", folded) else ""
    return re.compile(start + body + end)


def _matches_at(tokens: Sequence[str], start: int, phrase: tuple[str, ...]) -> bool:
    """Do ``phrase``'s tokens follow ``tokens[start]`` in order, with at most ``_GAP`` others
    between consecutive ones?"""
    pos = start
    for want in phrase[1:]:
        for k in range(pos + 1, min(len(tokens), pos + 2 + _GAP)):
            if tokens[k] == want:
                pos = k
                break
        else:
            return False
    return True


class VocabularyKeywords:
    """A matcher's phrases as sets of a fitted model's word n-gram features, so the keyword hits
    of a whole batch come from one sparse product over the features the model computes anyway
    (no second analysis of the texts: prediction stays at tens of thousands of comments/s).

    A one-word phrase is its unigram feature; a longer one is present when all its consecutive
    word pairs are (bigram features, so no gap inside the phrase here). Phrases outside the
    model's vocabulary are never hit here (the bundled default model trains on every keyword; for a
    model trained on labels, ``keyword_trust.OutsideKeywords`` finds them).
    ``clear(Xw)`` is the ``(n, n_classes)`` boolean matrix of categories the keywords clearly
    name: a child's own phrase, a parent without children's phrase, or two phrases of a parent.
    """

    def __init__(self, matcher: KeywordMatcher, vocab: dict, n_features: int, classes: Sequence[tuple]):
        import scipy.sparse as sp

        position = {label: j for j, label in enumerate(classes)}
        parents_with_children = {label[0] for label in classes if label[1] is not None}
        rows, cols, sizes, phrase_class = [], [], [], []
        for entries in matcher._index.values():
            for tokens, label, _text in entries:
                if _text in matcher._literal:  # the features cannot tell "24/7" from "2 ... 7": see literal_rows
                    continue
                grams = tokens if len(tokens) == 1 else [f"{a} {b}" for a, b in itertools.pairwise(tokens)]
                ids = {vocab.get(g) for g in grams}
                if None in ids or label not in position:
                    continue
                rows.extend(ids)
                cols.extend([len(sizes)] * len(ids))
                sizes.append(len(ids))
                phrase_class.append(position[label])
        k = len(sizes)
        self.Q = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(n_features, k))
        self.sizes = np.asarray(sizes, dtype=np.float32)
        self.L = sp.csr_matrix((np.ones(k, dtype=np.float32), (np.arange(k), phrase_class)),
                               shape=(k, len(classes)))
        self.need = np.array([2 if (label[1] is None and label[0] in parents_with_children) else 1
                              for label in classes], dtype=np.float32)

    def clear(self, Xw, extra=None) -> np.ndarray:
        """``(n_docs, n_classes)`` bool: the categories the keywords clearly name in each doc
        (``extra``: per class, the number of other phrases found, counted with these)."""
        import scipy.sparse as sp

        B = sp.csr_matrix((np.ones(len(Xw.data), dtype=np.float32), Xw.indices, Xw.indptr), shape=Xw.shape)
        counts = sp.csr_matrix(B @ self.Q)
        counts.data = (counts.data >= self.sizes[counts.indices] - 0.5).astype(np.float32)
        counts.eliminate_zeros()
        by_class = (counts @ self.L).toarray()
        if extra is not None:
            by_class += extra
        return by_class >= self.need - 0.5


def _cached_entries(matcher: KeywordMatcher, names: bool) -> list[tuple[tuple[str, ...], tuple, str]]:
    """``matcher._entries(names)`` for the default analyzer, cached on disk (model/cache.py):
    lemmatising a taxonomy's ~800 keywords and names took ~0.3 s of every command's start. The
    key holds the code (analyzer included) and the taxonomy's content hash."""
    import json

    from feedback_classifier.model.cache import cached_arrays, table_key

    def build() -> dict[str, np.ndarray]:
        rows = [[list(tokens), list(label), phrase] for tokens, label, phrase in matcher._entries(names)]
        return {"entries": np.array([json.dumps(rows, ensure_ascii=False)])}

    key = table_key("keywords", matcher.taxonomy.hash, str(names))
    rows = json.loads(str(cached_arrays("keywords", key, build)["entries"][0]))
    return [(tuple(tokens), tuple(label), phrase) for tokens, label, phrase in rows]


def keyword_hits(matcher, texts: Sequence[str], classes: Sequence[tuple], token_lists=None) -> list[dict[int, list[str]]]:
    """Per comment, ``{class index: matched phrases}`` for the classes whose keywords clearly
    name them: a child's own phrase, or two distinct phrases of a parent (``token_lists``: the
    texts as the matcher's analyzer reads them, when the caller has them)."""
    position = {label: j for j, label in enumerate(classes)}
    children_of: dict[str, set] = {}
    for label in classes:
        if label[1] is not None:
            children_of.setdefault(label[0], set()).add(label)
    out = []
    for by_label in matcher.match(texts) if token_lists is None else map(matcher.match_tokens, token_lists, texts):
        clear = {}
        for label, phrases in by_label.items():
            j = position.get(label)
            if j is None:
                continue
            if label[1] is not None or label[0] not in children_of:
                clear[j] = phrases
            else:
                own = [p for p in phrases if not any(p in by_label.get(c, ()) for c in children_of.get(label[0], ()))]
                if len(own) >= 2:
                    clear[j] = own
        out.append(clear)
    return out


_MATCHERS: dict[str, KeywordMatcher] = {}


def taxonomy_matcher(taxonomy):
    """The taxonomy's ``KeywordMatcher`` (one per taxonomy content, kept for the process)."""
    matcher = _MATCHERS.get(taxonomy.hash)
    if matcher is None:
        matcher = _MATCHERS[taxonomy.hash] = KeywordMatcher(taxonomy)
    return matcher
