"""Lemmatisers: English and Russian, each chosen per token by its script.

**Lemmatise** per token *by its script*, whatever the comment's language: Latin
words through spacy-lookups-data's English ``lemma_lookup`` table, Cyrillic words
through ``pymorphy3`` (``parse(w)[0].normal_form``). Other scripts pass through.

Nothing here downloads anything: both lemmatisers load installed package data, once
per process and only when first needed.
"""

from __future__ import annotations

from functools import lru_cache

from feedback_classifier._paths import cache_dir, write_cache_file
from feedback_classifier.lang.detect import is_cyrillic, is_latin

__all__ = ["forget_prefetched", "lemmatize", "lemmatize_en", "prefetch_lemmas"]

_EN_LEMMAS: dict[str, str] | None = None
# the code as imported, not as on disk when a table is first built: a process started before an
# upgrade had filed its old table under the new code's name
with open(__file__, "rb") as _fh:
    _CODE = _fh.read()
_MORPH = None


def _en_lemmas() -> dict[str, str]:
    """spacy-lookups-data's English ``lemma_lookup`` as a plain dict (loaded once).

    The JSON file is the one ``spacy.lookups.load_lookups("en", ["lemma_lookup"])``
    reads through the package's entry point; reading it directly gives a plain str
    dict (spaCy's ``Table`` hashes every key on lookup) and spares importing spaCy.
    """
    global _EN_LEMMAS
    if _EN_LEMMAS is None:
        try:
            path = _lookup_path("en", "lemma_lookup")
            lemmas = _cached_table(path, lambda: _lower_case_keys(_read_json(path)))
        except (ImportError, AttributeError, KeyError, OSError, ValueError):  # pragma: no cover
            # the data package changed its layout: fall back to spaCy's own API
            from spacy.lookups import load_lookups

            table = load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")
            _EN_LEMMAS = _TableDict(table)
        else:
            _EN_LEMMAS = lemmas
    return _EN_LEMMAS


# Words the table sends to another word whose meaning in feedback they do not share: "latest" is "most
# recent" there ("the latest update is great"), and as "late" it was a delivery-time complaint.
_EN_KEPT = ("latest",)


def _lower_case_keys(data: dict[str, str]) -> dict[str, str]:
    """The table with lower-case keys, but ``_EN_KEPT`` (their own lemmas).

    >>> _lower_case_keys({"Deliveries": "Delivery", "latest": "late", "couriers": "courier"})
    {'deliveries': 'delivery', 'couriers': 'courier'}
    """
    # Keys are case-sensitive ("Deliveries" is rare); our text is lower case,
    # so an exact lower-case key wins over a lower-cased capitalised one.
    lemmas = {k.lower(): v.lower() for k, v in data.items() if k and k != k.lower()}
    lemmas.update({k: v.lower() for k, v in data.items() if k and k == k.lower()})
    for word in _EN_KEPT:
        lemmas.pop(word, None)
    return lemmas


def _lookup_path(lang: str, table: str):
    """The JSON file of a spacy-lookups-data table (``.json`` or ``.json.gz``)."""
    import spacy_lookups_data

    path = getattr(spacy_lookups_data, lang)[table]
    return path if path.exists() else path.with_name(path.name + ".gz")


def _read_json(path) -> dict[str, str]:
    import gzip
    import json

    with (gzip.open(path, "rt", encoding="utf8") if path.suffix == ".gz" else open(path, encoding="utf8")) as fh:
        return json.load(fh)


def _cached_table(source, build) -> dict[str, str]:
    """``build()``, a str -> str dict derived from the file ``source``, kept in the user cache as a
    ``marshal`` file (read in a third of the time of parsing the JSON and lower-casing it, at every
    process's first English word). The file's name hashes the source's path, size and time, this
    module's code and the Python version (``marshal``'s format is Python's own); an unreadable, odd
    or damaged file (a CRC-32 of the payload leads it) is rebuilt, an unwritable cache only costs
    the next process the build."""
    import hashlib
    import marshal
    import os
    import sys
    import zlib

    stat = os.stat(source)
    key = hashlib.sha256(f"{source}|{stat.st_size}|{stat.st_mtime_ns}|{sys.version}|{marshal.version}".encode())
    key.update(_CODE)  # this module's code: how the table is derived
    path = cache_dir() / f"lemmas-{key.hexdigest()[:16]}.marshal"
    try:
        with open(path, "rb") as fh:
            data = fh.read()
        # marshal has no checksum: a damaged byte mostly still loaded, as a table with a wrong lemma in it
        payload = memoryview(data)[4:]
        if data[:4] == zlib.crc32(payload).to_bytes(4, "big"):
            table = marshal.loads(payload)  # data only: marshal builds objects, it runs nothing
            if type(table) is dict and all(type(k) is str and type(v) is str for k, v in table.items()):
                return table
    except (OSError, EOFError, ValueError, TypeError):
        pass  # missing or damaged: built again
    table = build()
    payload = marshal.dumps(table)
    write_cache_file(path, lambda fh: fh.write(zlib.crc32(payload).to_bytes(4, "big") + payload))
    return table


class _TableDict(dict):
    """Fallback: dict-like ``get`` over a spaCy lookups Table."""

    def __init__(self, table):
        super().__init__()
        self._table = table

    def get(self, key, default=None):  # type: ignore[override]
        value = self._table.get(key)
        return default if value is None else value


def _morph():
    global _MORPH
    if _MORPH is None:
        import pymorphy3

        morph = pymorphy3.MorphAnalyzer()
        _read_dawgs_fast(morph)
        _MORPH = morph
    return _MORPH


def _read_dawgs_fast(morph) -> None:
    """Give this analyzer's word DAWG and suffix-prediction DAWGs the inlined reader's
    ``similar_items`` (:class:`_FastWords`: dawg_python's walk, the same items in the same order).
    The dictionary look-up below calls it directly; pymorphy3's other units call it too: a word
    the dictionary does not hold (a typo, a rare name) is guessed by stripping prefixes and
    looking the rest up, and by its ending in the prediction DAWGs, a dozen look-ups or more.
    The objects are this process's own analyzer's (pymorphy3 loads a dictionary per analyzer)."""
    dictionary = getattr(morph, "dictionary", None)
    dawgs = [getattr(dictionary, "words", None)] + list(getattr(dictionary, "prediction_suffixes_dawgs", None) or [])
    for dawg in dawgs:
        fast = _fast_dawg(dawg)
        if fast is not None:
            dawg.similar_items = fast.similar_items


@lru_cache(maxsize=100_000)
def _ru_lemma(word: str) -> str:
    """pymorphy3's most likely normal form, with ё folded like the input.

    >>> _ru_lemma("курьеры"), _ru_lemma("стали")
    ('курьер', 'стать')
    """
    try:
        lemma = _most_likely_normal_form(_morph(), word)
    except ValueError:  # pymorphy3 asks unicodedata.name() of each letter; some have none
        lemma = word  # ("а-𗀀": Tangut in Python 3.11), and one odd comment must not stop a file
    return lemma.replace("ё", "е")


def _most_likely_normal_form(morph, word: str) -> str:
    """``morph.parse(word)[0].normal_form``, cheaper for a new word: ``parse`` ranks the
    parses by P(tag | word), a look-up per parse (a third of its time); when every parse has
    the same normal form the ranking cannot change it, and it is skipped. The loop is
    ``MorphAnalyzer.parse``'s own (pymorphy3); without its ``_units``, ``parse`` itself."""
    units = getattr(morph, "_units", None)
    if units is None:  # pragma: no cover - another pymorphy3 layout
        return morph.parse(word)[0].normal_form
    parses: list = []
    seen: set = set()
    lower = word.lower()
    for unit, is_terminal in units:
        words = _fast_words(unit) if unit.__class__.__name__ == "DictionaryAnalyzer" else None
        if words is not None:
            parses.extend(_dictionary_parses(unit, words, lower, morph.char_substitutes))
        else:
            parses.extend(unit.parse(word, lower, seen))
        if is_terminal and parses:
            break
    if not parses:  # pragma: no cover - pymorphy3 always guesses; keep its own error
        return morph.parse(word)[0].normal_form
    first = parses[0][2]
    if morph.prob_estimator is None or all(p[2] == first for p in parses):
        return first
    probs = _FastWords.probs(morph.prob_estimator, lower, parses)
    if probs is None:  # pragma: no cover - another layout: pymorphy3's own ranking
        return morph.prob_estimator.apply_to_parses(word, lower, parses)[0][2]
    # apply_to_parses keeps the order when no P(t|w) is known, else sorts by it (stable, so
    # the first of the most likely): max() picks that one
    return first if sum(probs) == 0 else parses[max(range(len(probs)), key=probs.__getitem__)][2]


def lemmatize_en(word: str) -> str:
    """English lemma of a lower-case word (the word itself when the table has none).

    >>> lemmatize_en("deliveries"), lemmatize_en("zzz")
    ('delivery', 'zzz')
    """
    return _en_lemmas().get(word, word)


def lemmatize(word: str) -> str:
    """Lemma of one lower-case word, chosen by the script of its first letter.

    >>> lemmatize("курьеры"), lemmatize("couriers"), lemmatize("ok2")
    ('курьер', 'courier', 'ok2')
    """
    first = word[0]
    if is_cyrillic(first):
        return _ru_lemma(word)
    if is_latin(first):
        return lemmatize_en(word)
    return word


def _dictionary_parses(unit, words: _FastWords, lower: str, substitutes) -> list:
    """``DictionaryAnalyzer.parse`` of pymorphy3 (its own loop) over :class:`_FastWords`."""
    d = unit.dict
    return [(fixed, d.build_tag_info(para, idx), d.build_normal_form(para, idx, fixed), 1.0,
             ((unit, fixed, para, idx),))
            for fixed, found in words.similar_items(lower, substitutes) for para, idx in found]


def _variants(key: str, at: list, subs: dict) -> list:
    """``key`` and its variants with characters at positions ``at`` replaced (``subs``: each
    replaceable character's replacements), in the order dawg_python's ``similar_items`` visits
    them: the key, then per position, in order, the variants replaced there (recursively).

    >>> _variants("еле", [0, 2], {"е": ["ё"]})
    ['еле', 'ёле', 'ёлё', 'елё']
    """
    out = [key]
    for n, p in enumerate(at):
        for u in subs[key[p]]:
            out += _variants(key[:p] + u + key[p + 1 :], at[n + 1 :], subs)
    return out


def prefetch_lemmas(words: list) -> None:
    """Look the Russian ``words`` (lower case) up in pymorphy3's dictionary all at once, for the
    :func:`lemmatize` calls that follow (:func:`forget_prefetched` after them): a batch's new
    words cost a numpy pass instead of a Python walk each. Nothing changes but the speed."""
    ru = [w for w in words if w and is_cyrillic(w[0])]
    if not ru:
        return
    morph = _morph()
    for unit, _ in getattr(morph, "_units", ()):
        if unit.__class__.__name__ == "DictionaryAnalyzer":
            fast = _fast_words(unit)
            if fast is not None:
                fast.prefetch(ru, morph.char_substitutes)


def forget_prefetched() -> None:
    """Drop what :func:`prefetch_lemmas` looked up and no lemma asked for."""
    for _, fast in _WORDS.values():
        if fast is not None:
            fast.forget()


_WORDS: dict = {}
# Replaceable letters (е) from which a word is left to the pruned walk of similar_items: prefetch lists
# every spelling, 2^k of them (no Russian word has more than 8 е; a stretched "Нееее...т" has dozens)
_MAX_REPLACEABLE = 8
_MASK, _EXT, _LABEL = 0xFFFFFFFF, 1 << 9, (1 << 31) | 0xFF
_MAX_MEMO = 200_000  # payload lists kept per node (cleared when full)


def _fast_words(unit) -> _FastWords | None:
    """The :class:`_FastWords` of a ``DictionaryAnalyzer``'s words, None when their layout is
    not dawg_python's (the C ``dawg`` extension, another version: pymorphy3's own calls then)."""
    return _fast_dawg(getattr(getattr(unit, "dict", None), "words", None))


def _fast_dawg(dawg) -> _FastWords | None:
    """The :class:`_FastWords` reader of a dawg_python ``RecordDAWG``, None for another layout."""
    found = _WORDS.get(id(dawg))
    if found is None or found[0] is not dawg:
        try:
            fast = _FastWords(dawg)
        except (AttributeError, TypeError, ValueError):  # pragma: no cover - another layout
            fast = None
        # the DAWG is kept with its reader: it lives as long as the process's analyzer anyway
        found = _WORDS[id(dawg)] = (dawg, fast)
    return found[1]


class _FastWords:
    """pymorphy3's word DAWG (a dawg_python ``RecordDAWG``) read exactly as dawg_python reads
    it, the same walk in the same order, with its unit operations inlined: ``similar_items``
    (a word and its ``е``/``ё`` variants, then each one's values through a completer) is most
    of a new Russian word's cost, and dawg_python spends it on one call per byte and unit."""

    def __init__(self, words):
        import array

        self.units, self.guide = words.dct._units, words.guide._units
        if not (isinstance(self.units, array.array) and isinstance(self.guide, array.array) and len(self.guide)):
            raise TypeError("not a dawg_python layout")
        self.separator, self.struct = words._payload_separator, words._struct
        # a followed byte could reach the root only if it were the root's label: dawg_python
        # stops a walk there (index 0); the inlined runs of nonzero bytes would go on
        if self.units[0] & _LABEL:
            raise ValueError("a root unit with a label")
        # the payloads under a node, per node index: a DAWG shares a suffix's node (the payload
        # list of all the forms of a paradigm's cell is one node), the walk is a pure function
        self._memo: dict[int, list] = {}
        self._replaceable: dict = {}  # id(replaces) -> (replaces, its characters as str)
        self._ahead: dict = {}  # key -> (replaces, similar_items' result): see prefetch

    def _chars(self, replaces: dict) -> frozenset:
        found = self._replaceable.get(id(replaces))
        if found is None or found[0] is not replaces:
            found = self._replaceable[id(replaces)] = (replaces, frozenset(k.decode("utf8") for k in replaces))
        return found[1]

    def prefetch(self, keys: list, replaces: dict) -> None:
        """:meth:`similar_items` of many keys at once, kept for their next call (:meth:`forget`
        drops what was not asked for). A key's result is the items of the key and of its variants
        (each replaceable character also tried replaced) that the DAWG holds, in dawg_python's
        order: the key itself, then per replaceable position, in order, the variants replaced
        there (recursively, at later positions). All variants' bytes are walked together, a numpy
        step per byte instead of Python operations per byte and word; the payloads under each
        found node are read as :meth:`similar_items` reads them. Keys holding a NUL (whose walk
        may stop at the root) and replacements of another length are left to :meth:`similar_items`."""
        import numpy as np

        subs: dict[str, list] = {}
        for k, pairs in replaces.items():
            ch = k.decode("utf8")
            if len(ch) != 1 or any(len(u) != 1 or b != u.encode("utf8") for b, u in pairs):
                return
            subs[ch] = [u for _, u in pairs]
        variants, owners = [], []
        for key in dict.fromkeys(keys):
            if key and "\x00" not in key and key not in self._ahead:
                at = [i for i, ch in enumerate(key) if ch in subs] if any(ch in key for ch in subs) else []
                if len(at) > _MAX_REPLACEABLE:
                    continue  # 2^k spellings ("Супеееее...ер"): similar_items's walk prunes them instead
                found = _variants(key, at, subs)
                variants += found
                owners += [key] * len(found)
        if not variants:
            return
        data = [v.encode("utf8") + self.separator for v in variants]
        lens = np.fromiter(map(len, data), dtype=np.int64, count=len(data))
        flat = np.frombuffer(b"".join(data), dtype=np.uint8).astype(np.int64)
        starts = np.cumsum(lens) - lens
        units = np.frombuffer(self.units, dtype=np.uint32)
        index = np.zeros(len(data), dtype=np.int64)
        live, walked = np.arange(len(data)), []
        for j in range(int(lens.max())):
            end = lens[live] == j
            walked.append(live[end])  # all its bytes followed
            live = live[~end]
            label = flat[starts[live] + j]
            base = units[index[live]].astype(np.int64)
            nxt = (index[live] ^ (((base >> 10) << ((base & _EXT) >> 6)) & _MASK) ^ label) & _MASK
            ok = (units[nxt].astype(np.int64) & _LABEL) == label
            index[live[ok]] = nxt[ok]
            live = live[ok]
        live = np.sort(np.concatenate(walked + [live]))  # in the variants' order
        results: dict[str, list] = {key: [] for key in dict.fromkeys(owners)}
        memo = self._memo
        for k in live.tolist():
            node = int(index[k])
            values = memo.get(node)
            if values is None:
                if len(memo) >= _MAX_MEMO:
                    memo.clear()
                values = memo[node] = self._values(node)
            results[owners[k]].append((variants[k], values))
        for key, items in results.items():
            self._ahead[key] = (replaces, items)

    def forget(self) -> None:
        """Drop the prefetched results not asked for."""
        self._ahead.clear()

    def _follow(self, data: bytes, index: int) -> int | None:
        units = self.units
        for label in data:
            base = units[index]
            index = (index ^ (((base >> 10) << ((base & _EXT) >> 6)) & _MASK) ^ label) & _MASK
            if units[index] & _LABEL != label:
                return None
        return index

    def similar_items(self, key: str, replaces: dict) -> list:
        """``RecordDAWG.similar_items(key, replaces)``."""
        ahead = self._ahead.pop(key, None)
        if ahead is not None and ahead[0] is replaces:
            return ahead[1]
        chars = self._chars(replaces)
        # NUL is the one character whose byte (0) may lead to the root: it is followed alone
        at = ([i for i, ch in enumerate(key) if ch in chars or ch == "\x00"]
              if "\x00" in key or any(ch in key for ch in chars) else [])
        return self._similar("", key, 0, replaces, at)

    def _similar(self, prefix: str, key: str, index: int, replaces: dict, at: list) -> list:
        """dawg_python's walk: the characters between two replaceable ones (``at``: their
        positions in ``key``, and those of NULs) followed as one byte string, each replaceable
        one tried with its replacements first (a branch), then as itself. A character whose walk
        ends at the root (index 0) stops it, as in dawg_python; inside a run that cannot happen
        (a nonzero byte never matches the root's label, ``__init__``)."""
        found: list = []
        units = self.units
        start = pos = len(prefix)
        for nxt in [i for i in at if i >= pos] + [len(key)] if at else (len(key),):
            for label in key[pos:nxt].encode("utf8"):
                base = units[index]
                index = (index ^ (((base >> 10) << ((base & _EXT) >> 6)) & _MASK) ^ label) & _MASK
                if units[index] & _LABEL != label:
                    return found
            if nxt == len(key):
                break
            step = key[nxt].encode("utf8")
            for b_char, u_char in replaces.get(step, ()):
                other = self._follow(b_char, index)
                if other:
                    found += self._similar(prefix + key[start:nxt] + u_char, key, other, replaces, at)
            index = self._follow(step, index)
            if not index:
                return found
            pos = nxt + 1
        index = self._follow(self.separator, index)
        if index:
            values = self._memo.get(index)
            if values is None:
                if len(self._memo) >= _MAX_MEMO:
                    self._memo.clear()
                values = self._memo[index] = self._values(index)
            found.insert(0, (prefix + key[start:], values))
        return found

    @staticmethod
    def probs(estimator, lower: str, parses: list) -> list | None:
        """``[estimator.p_t_given_w.prob(lower, tag) for each parse]`` (an ``IntDAWG`` look-up of
        ``word:tag``, its unit operations inlined), or None when the layout is not known."""
        dawg = getattr(estimator, "p_t_given_w", None)
        units = getattr(getattr(dawg, "dct", None), "_units", None)
        multiplier = getattr(dawg, "MULTIPLIER", None)
        if units is None or multiplier is None:  # pragma: no cover - another layout
            return None
        out = []
        for p in parses:
            index = 0
            for label in f"{lower}:{p[1]}".encode():
                base = units[index]
                index = (index ^ (((base >> 10) << ((base & _EXT) >> 6)) & _MASK) ^ label) & _MASK
                if units[index] & _LABEL != label:
                    index = None
                    break
            value = 0
            if index is not None and units[index] & 256:  # Dictionary.find
                base = units[index]
                value = units[(index ^ (((base >> 10) << ((base & _EXT) >> 6)) & _MASK)) & _MASK] & 0x7FFFFFFF
            out.append(value / multiplier)
        return out

    def _values(self, index: int) -> list:
        """The payloads under ``index`` (dawg_python's ``Completer`` walk), unpacked."""
        from binascii import a2b_base64

        units, guide, unpack = self.units, self.guide, self.struct.unpack
        out: list = []
        key = bytearray()
        stack = [index]
        last = 0
        while stack:
            index = stack[-1]
            if last:
                label = guide[index * 2]
                if not label:
                    while True:
                        label = guide[index * 2 + 1]
                        if key:
                            key.pop()
                        stack.pop()
                        if not stack:
                            return out
                        index = stack[-1]
                        if label:
                            break
                base = units[index]
                index = (index ^ (((base >> 10) << ((base & _EXT) >> 6)) & _MASK) ^ label) & _MASK
                if units[index] & _LABEL != label:
                    return out
                key.append(label)
                stack.append(index)
            while not units[index] & 256:  # no leaf yet: down the first children
                label = guide[index * 2]
                base = units[index]
                index = (index ^ (((base >> 10) << ((base & _EXT) >> 6)) & _MASK) ^ label) & _MASK
                if units[index] & _LABEL != label:
                    return out
                key.append(label)
                stack.append(index)
            last = index
            out.append(unpack(a2b_base64(key)))
        return out
