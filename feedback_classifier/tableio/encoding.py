"""From bytes to text for CSV-like files: compression, encoding and delimiter sniffing.

The encoding is guessed from a sample of the first bytes: a BOM, then strict UTF-8, then a
restricted charset-normalizer guess with cp1251 as the Cyrillic fallback. The delimiter is
the candidate among ``,`` ``;`` tab ``|`` that parses the sample most consistently.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import re
from collections.abc import Iterator
from pathlib import Path

from feedback_classifier.errors import InputFileError

__all__ = ["detect_encoding", "detect_separator"]

# Large enough to see past a header into many rows, small enough to sniff instantly.
# Read at call time, so a test can shrink it.
_SAMPLE_BYTES = 256 * 1024
_SEP_CANDIDATES = (",", ";", "\t", "|")
_CYRILLIC_CODEPAGES = ("cp1251", "koi8_r", "cp866", "mac_cyrillic", "iso8859_5")


def is_gzip(path: Path) -> bool:
    """Whether ``path`` names a gzip-compressed file (by its ``.gz`` extension).

    >>> is_gzip(Path("export.CSV.GZ")), is_gzip(Path("export.csv"))
    (True, False)
    """
    return path.name.lower().endswith(".gz")


def normalize_sep(sep: str | None, path: Path) -> str | None:
    """A one-character delimiter from ``sep`` as a user types it (``"tab"``, ``"\\t"``, ``";"``).

    >>> normalize_sep("tab", Path("x.csv")), normalize_sep(";", Path("x.csv")), normalize_sep(None, Path("x.csv"))
    ('\\t', ';', None)
    """
    if sep is None:
        return None
    # Shells and CLI options hand over a tab as the two characters "\t".
    named = {"\\t": "\t", "tab": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
    sep = named.get(sep.lower(), sep) if len(sep) > 1 else sep
    if len(sep) != 1:
        raise InputFileError(f"{path}: the separator must be one character (or 'tab'), got {sep!r}")
    return sep


BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def detect_encoding(sample: bytes, *, truncated: bool = False) -> str:
    """Guess the text encoding of ``sample`` (the first bytes of a file).

    Order: a byte-order mark; BOM-less UTF-16 (NUL-byte pattern); strict UTF-8
    (``truncated=True`` tolerates a multi-byte character cut at the end of the
    sample); charset-normalizer restricted to Cyrillic and Western code pages;
    cp1251 when nothing fits, because that is what Russian Excel writes.
    The returned name works with :func:`open` and pandas; ``utf-8-sig`` and
    ``utf-16`` consume the BOM so it never ends up in the first column name.

    >>> detect_encoding("Отзыв;Оценка".encode("cp1251"))
    'cp1251'
    >>> detect_encoding("Отзыв;Оценка".encode("utf-8"))
    'utf-8'
    >>> detect_encoding("Отзыв".encode("utf-8")[:-1], truncated=True)
    'utf-8'
    >>> detect_encoding(codecs.BOM_UTF8 + b"id")
    'utf-8-sig'
    """
    for bom, name in BOMS:
        if sample.startswith(bom):
            return name
    guess = _bomless_utf16(sample)
    if guess:
        return guess
    try:
        # The incremental decoder with final=False accepts a character cut at the
        # end of the sample instead of calling it invalid.
        codecs.getincrementaldecoder("utf-8")("strict").decode(sample, final=not truncated)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(
        sample[:_SAMPLE_BYTES], cp_isolation=["cp1251", "koi8_r", "cp866", "cp1252"]
    ).best()
    enc = best.encoding if best is not None else None
    if enc in _CYRILLIC_CODEPAGES:
        # a Cyrillic code page that reads as letter shreds is a Western file (mangled emoji and all)
        return enc if _looks_cyrillic(sample, enc) else _western(sample)
    if enc is not None and not _looks_cyrillic(sample, "cp1251"):
        return enc
    return "cp1251"


def _western(sample: bytes) -> str:
    """cp1252 when ``sample`` reads in it; else Mac Roman, which reads every byte (a file with bytes
    cp1252 leaves undefined, such as 0x8D and 0x8F, is not cp1252; classic Mac exports are Mac Roman).

    >>> _western("café".encode("cp1252")), _western(bytes([0x49, 0x8D, 0x8F]))
    ('cp1252', 'mac_roman')
    """
    try:
        sample.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "mac_roman"


def _bomless_utf16(sample: bytes) -> str | None:
    head = sample[:4096]
    if len(head) < 4 or b"\x00" not in head:
        return None
    even, odd = head[0::2], head[1::2]
    even_zero = even.count(0) / len(even)
    odd_zero = odd.count(0) / len(odd)
    # ASCII-heavy UTF-16 has a NUL in every other byte; binary files have NULs everywhere.
    if odd_zero > 0.3 and even_zero < 0.05:
        return "utf-16-le"
    if even_zero > 0.3 and odd_zero < 0.05:
        return "utf-16-be"
    return None


def _looks_cyrillic(sample: bytes, encoding: str) -> bool:
    """Whether ``sample`` read as ``encoding`` is Cyrillic text: most non-ASCII letters Cyrillic, in
    words of their own. Western text read as cp1251 is Cyrillic letter for letter too ("Zürich" is
    "Zьrich", "café" is "cafй") but each such letter sits inside a Latin word.

    >>> _looks_cyrillic("Курьер опоздал, Zürich".encode("cp1251", errors="replace"), "cp1251")
    True
    >>> _looks_cyrillic("Lieferung kam zu spät, Zürich, café".encode("cp1252"), "cp1251")
    False
    >>> shreds = b"ok " + bytes([0xD9, 0xF7, 0x8C]) + b"; " + bytes([0xFC, 0x8F])  # "ok ЩчЌ; ьЏ"
    >>> _looks_cyrillic("Да;Нет;Да".encode("cp1251"), "cp1251"), _looks_cyrillic(shreds, "cp1251")
    (True, False)
    """
    text = sample.decode(encoding, errors="replace")
    non_ascii = [c for c in text if ord(c) > 127]
    if not non_ascii:
        return False
    cyr = sum(1 for c in non_ascii if "\u0400" <= c <= "\u04ff")
    if cyr / len(non_ascii) < 0.8:
        return False
    words = [w for w in _LETTERS.findall(text) if _CYRILLIC.search(w)]
    mixed = sum(1 for w in words if _LATIN.search(w))
    # Russian needs only А-я and Ёё; bytes that are not Russian text read as cp1251 give shreds of other
    # Cyrillic alphabets' letters ("ЩчЌ", "ьЏ", "ЫЄ": Zomato's reviews, UTF-8 emoji mangled into a
    # single-byte code page, 33% such letters, were read as Russian; Ukrainian text has ~7%)
    foreign = sum(1 for c in non_ascii if "\u0400" <= c <= "\u04ff" and not ("А" <= c <= "я" or c in "Ёё"))
    return mixed * 2 < len(words) and foreign <= _FOREIGN_CYRILLIC * cyr


_LETTERS = re.compile(r"[^\W\d_]+")
_FOREIGN_CYRILLIC = 0.2  # share of a sample's Cyrillic letters outside Russian's alphabet above which it is shreds
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_LATIN = re.compile("[A-Za-z]")


def detect_separator(text: str) -> str:
    """Guess the delimiter of CSV ``text`` among ``,`` ``;`` tab and ``|``.

    Each candidate parses the first rows with real CSV quoting; the winner is the
    one whose rows most often have as many fields as the header (with at least
    two columns), then the one giving more columns. A one-column file gets a
    separator that does not occur in it, so commas inside comments cannot split it.

    >>> detect_separator("id;comment\\n1;долго, дорого\\n2;ок\\n")
    ';'
    >>> detect_separator("id\\tcomment\\n1\\ta, b\\n")
    '\\t'
    >>> detect_separator("comment\\nслишком дорого, но удобно\\n")
    '\\t'
    """
    lines = text.splitlines(keepends=True)
    if len(lines) > 1 and not text.endswith(("\n", "\r")):
        lines = lines[:-1]  # the sample may end inside a row
    sample = "".join(lines[:500])
    best: tuple[float, int, int] | None = None
    best_sep = None
    for priority, sep in enumerate(_SEP_CANDIDATES):
        try:
            rows = list(csv.reader(io.StringIO(sample, newline=""), delimiter=sep, quotechar='"', strict=False))
        except csv.Error:
            continue
        rows = [r for r in rows if r]
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        body = rows[1:] or rows
        consistency = sum(1 for r in body if len(r) == width) / len(body)
        key = (consistency, width, -priority)
        if best is None or key > best:
            best, best_sep = key, sep
    if best_sep is not None:
        return best_sep
    # One column: pick a delimiter absent from the text so nothing splits.
    for sep in ("\t", "|", ";", ","):
        if sep not in sample:
            return sep
    return "\x1f"


def read_sample(path: Path, gz: bool) -> tuple[bytes, bool]:
    """The first bytes of ``path`` (decompressed when ``gz``) and whether the file goes on."""
    opener = gzip.open if gz else open
    try:
        with opener(path, "rb") as fh:
            sample = fh.read(_SAMPLE_BYTES + 1)
    except (OSError, EOFError) as exc:
        raise InputFileError(f"{path}: cannot read the file ({exc}); check it is a complete, readable file") from None
    truncated = len(sample) > _SAMPLE_BYTES
    return sample[:_SAMPLE_BYTES], truncated


def decode_sample(sample: bytes, encoding: str, path: Path, errors: str = "strict") -> str:
    """``sample`` decoded; a character cut at its end is dropped, a wrong encoding is an ``InputFileError``."""
    if errors not in ENCODING_ERRORS:
        raise InputFileError(f"{path}: encoding errors {errors!r} unknown; use one of: {', '.join(ENCODING_ERRORS)}")
    try:
        return codecs.getincrementaldecoder(encoding)(errors).decode(sample, final=False)
    except UnicodeDecodeError as exc:
        line = sample[:exc.start].count(b"\n") + 1
        if codecs.lookup(encoding).name in ("utf-8", "utf-8-sig") and mostly_utf8(sample[:-4]):  # a few bad bytes
            raise InputFileError(
                f"{path}: UTF-8 text with an invalid byte sequence (line {line}), probably damaged characters; fix "
                "that line, or pass --encoding-errors replace to read them as '\ufffd' (library: "
                "read=ReadOptions(encoding_errors='replace')), or --encoding if the file is in another encoding"
            ) from None
        others = " or ".join(repr(e) for e in ("utf-8", "cp1251") if codecs.lookup(e).name != codecs.lookup(encoding).name)
        raise InputFileError(
            f"{path}: cannot decode the file as {encoding} ({exc.reason}, line {line}); pass the right encoding with "
            f"--encoding, e.g. {others} (library: encoding=)"
        ) from None
    except LookupError:
        raise InputFileError(f"{path}: unknown encoding {encoding!r}; use a name like 'utf-8' or 'cp1251'") from None


def open_text_output(tmp: Path, encoding: str, gz: bool, name: Path | None = None):
    """A text stream writing ``tmp`` in ``encoding``, gzip-compressed when ``gz``; newlines untranslated.

    The gzip header names ``name`` (the output ``tmp`` becomes) and no time: by default it holds the
    temp file's random name and the clock, so two runs on the same input differed in their bytes
    and ``gunzip -N`` restored a hidden ``.out.csv.gz.x1y2.tmp``.
    """
    if gz:
        return io.TextIOWrapper(_GzipOut(tmp, name or tmp), encoding=encoding, newline="")
    return open(tmp, "w", encoding=encoding, newline="")


class _GzipOut(gzip.GzipFile):
    """A gzip file written to ``path`` whose header names ``name``; closing it closes the file too
    (``GzipFile`` leaves a ``fileobj`` it was given open)."""

    def __init__(self, path: Path, name: Path):
        inner = Path(name).name
        # GzipFile drops a lower-case ".gz" only: OUT.CSV.GZ had its header name "OUT.CSV.GZ" (gunzip -N kept it)
        inner = inner[:-3] if inner.lower().endswith(".gz") else inner
        self._raw = open(path, "wb")
        try:
            super().__init__(filename=inner, mode="wb", fileobj=self._raw, mtime=0)
        except BaseException:
            self._raw.close()
            raise

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._raw.close()


# --------------------------------------------------------------------------- validating a guess

_BLOCK = 1 << 20
#: Checked in full; beyond this, evenly spaced blocks of the rest (keeps a 10 GB file quick).
_FULL_CHECK_BYTES = 64 * _BLOCK
_SAMPLED_BLOCKS = 32
_INVALID = re.compile("[\udc80-\udcff]+")
ENCODING_ERRORS = ("strict", "replace")


def utf8_profile(data: bytes) -> tuple[int, int]:
    """(non-ASCII characters that are valid UTF-8, bytes that are not) in ``data``.

    Text in a single-byte code page has almost no valid multi-byte UTF-8 sequences; UTF-8
    text with a damaged character has many valid ones and a few bad bytes.

    >>> utf8_profile("Доставка быстрая".encode("utf-8"))
    (15, 0)
    >>> utf8_profile("Доставка быстрая".encode("utf-8") + b"\\xff ok")
    (15, 1)
    >>> utf8_profile("Доставка быстрая".encode("cp1251"))[0]
    0
    """
    # decode(..., "ignore") and translate() run in C: ~10 ms per MB, where a regex over the
    # bad sequences of a cp1251 file took 50
    good = data.decode("utf-8", "ignore")
    ascii_bytes = len(data.translate(None, _HIGH_BYTES))
    return len(good) - ascii_bytes, len(data) - len(good.encode("utf-8"))


_HIGH_BYTES = bytes(range(128, 256))


def mostly_utf8(data: bytes) -> bool:
    """Whether ``data`` is UTF-8 with a few damaged bytes rather than another encoding.

    >>> mostly_utf8("Очень долго ждали курьера".encode("utf-8")[:-1] + b"\\xe0 !")
    True
    >>> mostly_utf8("Очень долго ждали курьера".encode("cp1251"))
    False
    >>> mostly_utf8("Курьер опоздал".encode("utf-8") + b"\\xff bad \\xe9")
    True
    """
    valid, bad = utf8_profile(data)
    # Single-byte text almost never holds a valid multi-byte UTF-8 sequence (cp1251 Russian has a bad
    # byte in nearly every word), so two valid characters per bad byte already tell; a ratio of 8 read a
    # short UTF-8 export with one damaged word as cp1251, every Russian comment in it turned to mojibake.
    return bad > 0 and valid >= 2 * bad


def _blocks(path: Path, gz: bool) -> Iterator[tuple[int, bytes]]:
    """(offset, bytes) of the first ``_FULL_CHECK_BYTES`` of a file, then of evenly spaced blocks
    (a gzip file: the first ``_FULL_CHECK_BYTES`` only)."""
    opener = gzip.open if gz else open
    with opener(path, "rb") as fh:
        offset = 0
        while offset < _FULL_CHECK_BYTES:
            block = fh.read(_BLOCK)
            if not block:
                return
            yield offset, block
            offset += len(block)
        if gz:  # seeking in a gzip stream means decompressing all of it: the first 64 MB must do
            return
        size = path.stat().st_size
        step = max(1, (size - offset) // (_BLOCK * _SAMPLED_BLOCKS))
        while True:
            if step > 1:
                offset += (step - 1) * _BLOCK
                fh.seek(offset)
            block = fh.read(_BLOCK)
            if not block:
                return
            yield offset, block
            offset += len(block)


def invalid_utf8_lines(path: Path, gz: bool, limit: int = 5) -> tuple[list[int], int]:
    """Line numbers (1-based) of the first ``limit`` lines holding bytes that are not UTF-8,
    and how many such lines the whole file has."""
    opener = gzip.open if gz else open
    lines: list[int] = []
    total = 0
    line, last = 1, 0
    decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
    with opener(path, "rb") as fh:
        while block := fh.read(_BLOCK):
            text = decoder.decode(block)
            for match in _INVALID.finditer(text):
                at = line + text.count("\n", 0, match.start())
                if at == last:  # two bad runs on one line: the line is named once
                    continue
                last = at
                total += 1
                if len(lines) < limit:
                    lines.append(at)
            line += text.count("\n")
    return lines, total


def check_guess(path: Path, gz: bool, encoding: str, *, errors: str = "strict") -> str:
    """The encoding to read ``path`` with, after checking a guessed single-byte ``encoding``
    against the whole file (or its first 64 MB and evenly spaced blocks of the rest).

    A file that is UTF-8 apart from a few damaged bytes is never read as cp1251: with
    ``errors="strict"`` that is an ``InputFileError`` naming the lines, with
    ``errors="replace"`` it is read as UTF-8 with the damaged bytes as U+FFFD. A file that
    turns out to mix encodings is an error naming where.
    """
    if codecs.lookup(encoding).name in ("utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig"):
        return encoding
    try:
        for offset, block in _blocks(path, gz):
            if offset == 0 and _looks_binary(block):
                raise InputFileError(
                    f"{path}: looks like a binary file, not a text table ({_control_share(block):.0%} control bytes); "
                    "check the path, or export the survey as CSV or XLSX"
                )
            if mostly_utf8(block[:-4] if len(block) == _BLOCK else block):  # a block may end mid-character
                if offset == 0:
                    return _damaged_utf8(path, gz, errors)
                raise InputFileError(
                    f"{path}: starts as {encoding} but is UTF-8 from about byte {offset}: the file mixes "
                    "encodings (two exports joined?); save it again in one encoding, e.g. UTF-8"
                )
            codecs.getincrementaldecoder(encoding)("strict").decode(block, final=False)
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"{path}: not valid {encoding} (byte 0x{exc.object[exc.start]:02x} at byte {offset + exc.start}): "
            "the file mixes encodings or is in another one; pass the real encoding with --encoding "
            "(library: encoding=)"
        ) from None
    except (OSError, EOFError) as exc:
        raise InputFileError(f"{path}: cannot read the file ({exc}); check it is complete and not corrupt") from None
    return encoding


_CONTROL = bytes(c for c in range(32) if c not in (9, 10, 13))


def _control_share(data: bytes) -> float:
    return (len(data) - len(data.translate(None, _CONTROL))) / max(len(data), 1)


def _looks_binary(data: bytes) -> bool:
    """Text tables have next to no control bytes; images, archives and executables have many.

    >>> _looks_binary(bytes(range(256)) * 4), _looks_binary("id,comment\\n1,a NUL \\x00 in a long comment\\n".encode())
    (True, False)
    """
    return _control_share(data) > 0.05


def _damaged_utf8(path: Path, gz: bool, errors: str) -> str:
    if errors == "replace":
        return "utf-8"
    lines, total = invalid_utf8_lines(path, gz)
    listed = ", ".join(str(n) for n in lines) + (", ..." if total > len(lines) else "")
    raise InputFileError(
        f"{path}: UTF-8 text with invalid bytes on {total} line{'s' * (total != 1)} "
        f"(line{'s' * (len(lines) != 1)} {listed}), "
        "probably damaged characters; fix those lines, or pass --encoding-errors replace to read them as '\ufffd' "
        "(library: read=ReadOptions(encoding_errors='replace')), or --encoding if the file is in another encoding"
    )
