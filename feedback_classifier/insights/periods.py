"""Response dates: which column holds them, how they read, and which period each falls in.

Unreadable dates never drop a row: they are reported (``ScoreIssues`` with ``what="date"``)
and only left out of the trend.
"""

from __future__ import annotations

import re
import warnings
from typing import Sequence

import numpy as np
import pandas as pd

from feedback_classifier.errors import ScoreError
from feedback_classifier.insights.issues import ScoreIssues

FREQS = {"month": "M", "quarter": "Q", "week": "W-SUN", "year": "Y"}

# Column names that usually hold a response date; values are still checked before use.
_DATE_NAME = re.compile(
    r"(^|_|\b)(date|datetime|time|timestamp|submitted|created|answered|completed|period|day|month|дата|время)",
    re.IGNORECASE,
)
_DATE_VALUE = re.compile(r"^\s*(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}/\d{1,2}/\d{1,2})")
# Russian dates written out: "5 декабря 2026", "05 дек. 2026 г.", "5 декабря 2026 года, 14:30", "декабрь 2026"
_RU_MONTHS = {"янв": 1, "фев": 2, "мар": 3, "апр": 4, "май": 5, "мая": 5, "июн": 6, "июл": 7, "авг": 8, "сен": 9,
              "окт": 10, "ноя": 11, "дек": 12}
_RU_WEEKDAY = r"(?:(?:пн|вт|ср|чт|пт|сб|вс|понедельник|вторник|среда|четверг|пятница|суббота|воскресенье)\.?,?\s+)?"
# a label before the date, as review sites export it: "Отзыв написан 6 ноября 2019 г.", "Дата посещения: ноябрь 2019 г."
_RU_LABEL = r"(?:[а-яё]+:?\s+){0,3}?"
_RU_TIME = r",?(?:\s+(?:в\s+)?(\d{1,2}:\d{2}(?::\d{2})?))?\s*$"
_RU_DATE = re.compile(
    r"^\s*" + _RU_LABEL + _RU_WEEKDAY + r"(?:(\d{1,2})\s+)?(янв|фев|мар|апр|ма[йя]|июн|июл|авг|сен|окт|ноя|дек)[а-яё]*\.?,?\s+"
    r"(\d{4})(?:\s*(?:г\.?|года?))?" + _RU_TIME,
    re.IGNORECASE,
)
# "05.12.2026 г.": the year word says the day comes first, whatever the column's other dates do
_RU_NUMERIC_DATE = re.compile(r"^\s*" + _RU_LABEL + _RU_WEEKDAY + r"(\d{1,2})[./](\d{1,2})[./](\d{4}|\d{2})\s*(?:г\.?|года?)"
                              + _RU_TIME, re.IGNORECASE)
# Excel's month-name formats: "d-mmm-yy" and "mmm-yy" (7-Dec-26, Dec-26; in Russian "07.дек.26", "дек.26").
# pandas reads "Dec-26" as 26 December of the year 1, which wrapped to the 1750s: the year must be read here.
_EN_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                          "nov", "dec"), start=1)}
_MONTH_WORD = r"(jan|feb|mar|apr|may|jun|jul|aug|sept?|oct|nov|dec|янв|февр?|мар|апр|ма[йя]|июн|июл|авг|сент?|окт|нояб?|дек)"
_EXCEL_MONTH_DATE = re.compile(
    r"^\s*(?:(\d{1,2})[-. /]\s*)?" + _MONTH_WORD + r"(?:\.\s*|\.?-|\.?\s+(?=\d{4}))(\d{4}|\d{2})\s*$", re.IGNORECASE)
# a stamp pandas reads outside the span a nanosecond timestamp holds would wrap round to another century
_YEARS = (1900, 2200)
_NON_ISO_TIME = re.compile(
    r"^(\s*\d{1,2}[./-]\d{1,2}[./-]\d{2,4})[ T]+\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:\s*[AaPp]\.?[Mm]\.?)?\s*$"
)

# "24-02-2015 11.35": Excel in locales whose time separator is "." (Finnish, Danish, Italian...)
# writes times so, which no parser reads; the time becomes "11:35" before the per-value parser
_DOT_TIME = re.compile(
    r"^(\s*(?:\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{1,2}-\d{1,2}))[ T]+(\d{1,2})\.(\d{2})(?:\.(\d{2}))?\s*$"
)


# A UTC offset after a time of day: the period is the date the stamp shows, the clock of whoever wrote it,
# not the UTC date (converted to UTC, a Moscow answer at 00:30 on 1 February counted in January).
_OFFSET = re.compile(r"(\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)\s*(?:Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)$", re.IGNORECASE)


def _colon_time(text: str) -> str:
    """The text a date parser reads: dotted times with colons, a UTC offset dropped (wall-clock time).

    >>> _colon_time("24-02-2015 11.35"), _colon_time("05.12.2026 9.05.59"), _colon_time("05.12.2026")
    ('24-02-2015 11:35', '05.12.2026 9:05:59', '05.12.2026')
    >>> _colon_time("2024-02-01T00:30:00+03:00"), _colon_time("2024-01-31 21:30Z"), _colon_time("2024-01-05")
    ('2024-02-01T00:30:00', '2024-01-31 21:30', '2024-01-05')
    """
    text = _OFFSET.sub(r"\1", text)
    match = _DOT_TIME.match(text)
    if not match:
        return text
    day, hours, minutes, seconds = match.groups()
    return f"{day.strip()} {hours}:{minutes}" + (f":{seconds}" if seconds else "")


_NAMED_SHARE = 0.5


def detect_period_column(df: pd.DataFrame, *, exclude: Sequence[str] = (), sample: int = 500) -> str | None:
    """A column that holds response dates: a date-like name *and* at least half of its values
    shaped and read as dates, or, failing that, any text column whose values are 90% dates.
    None when there is none.

    >>> detect_period_column(pd.DataFrame({"id": [1, 2], "submitted_at": ["2024-01-05", "2024-02-11"]}))
    'submitted_at'
    >>> detect_period_column(pd.DataFrame({"дата": ["05.12.2026", "2026-12-06", "46000", "?"]}))
    'дата'
    """
    def looks_like_dates(column: str, share: float) -> bool:
        values = df[column]
        if pd.api.types.is_datetime64_any_dtype(values.dtype):
            return True
        # Excel's day numbers (a date column saved without its format) count under a date-like name
        # only: under any other they are as likely ids or amounts
        serials = column in named
        if pd.api.types.is_bool_dtype(values.dtype) or (
                pd.api.types.is_numeric_dtype(values.dtype) and not serials):
            return False
        text = values.dropna().astype(str).str.strip()
        text = text[text != ""].head(sample)
        if not len(text):
            return False
        shaped = (text.str.match(_DATE_VALUE) | text.str.match(_RU_DATE) | text.str.match(_RU_NUMERIC_DATE)
                  | text.str.match(_EXCEL_MONTH_DATE))
        if serials:
            shaped |= text.str.match(_EXCEL_SERIAL)
        shaped = shaped.mean()
        if shaped < share:
            return False
        codes, _, _ = parse_periods(text.reset_index(drop=True), "month")
        return bool((codes >= 0).mean() >= share)

    candidates = [c for c in df.columns if c not in set(exclude)]
    named = [c for c in candidates if _DATE_NAME.search(str(c))]
    for column in named + [c for c in candidates if c not in named]:
        try:
            # a date-like name already says what the column is: half its values reading as dates
            # will do (the rest are reported with their rows); any other column needs 90%
            if looks_like_dates(column, _NAMED_SHARE if column in named else 0.9):
                return column
        except (TypeError, ValueError):
            continue
    return None


def period_column_or_detected(df: pd.DataFrame, period_col: str | None, *, exclude: Sequence[str | None],
                              notes: list[str], scored: bool = True) -> str | None:
    """``period_col`` when given, else the date column :func:`detect_period_column` finds among
    the columns not in ``exclude`` (None entries are skipped), said in ``notes``: a trend over
    a column the user did not name must not come as a surprise. ``scored`` False (no score column,
    so no trend): a found column is not announced, a named one is said not to be used.

    >>> notes = []
    >>> df = pd.DataFrame({"nps": [9, 3], "submitted_at": ["2024-01-05", "2024-02-11"]})
    >>> period_column_or_detected(df, None, exclude=["nps", None], notes=notes), notes
    ('submitted_at', ["Trend: using 'submitted_at' as the date column (set --period-col to change)"])
    >>> notes = []
    >>> period_column_or_detected(df, None, exclude=[None], notes=notes, scored=False), notes
    ('submitted_at', [])
    """
    if period_col is not None:
        if not scored:  # the trend is the score over time: a named column must not be dropped silently
            notes.append(no_trend_note(period_col))
        return period_col
    found = detect_period_column(df, exclude=[c for c in exclude if c is not None])
    if found is not None and scored:  # without scores no trend is drawn: nothing to announce
        notes.append(f"Trend: using '{found}' as the date column (set --period-col to change)")
    return found


def no_trend_note(period_col: str) -> str:
    """What a date column named with ``--period-col`` does in a run without scores: nothing, since
    the trend is the score over time. Said, so the option is not dropped without a word.

    >>> no_trend_note("created")
    "Trend: none without a score column (--period-col 'created' is not used; give --score-col for the score over time)"
    """
    return (f"Trend: none without a score column (--period-col '{period_col}' is not used; "
            "give --score-col for the score over time)")


def check_freq(freq: str) -> str:
    """``freq`` when it names a period length (a key of ``FREQS``), else a ``ScoreError`` naming them.

    >>> check_freq("quarter")
    'quarter'
    """
    if freq not in FREQS:
        raise ScoreError(f"Unknown period '{freq}': use one of {', '.join(FREQS)}.")
    return freq


def parse_periods(values: pd.Series, freq: str, *, column: str = "date",
                  dayfirst: bool = False) -> tuple[np.ndarray, list, ScoreIssues]:
    """Map a date column to period codes; unreadable dates are reported (code -1), rows kept.

    Distinct values are parsed once: ISO dates first (offsets converted to UTC), then Russian
    dates written out (``5 декабря 2026``, ``дек. 2026``), then pandas' per-value ``mixed`` parser, day-first when the column's dd/mm dates say so (31.03.2024),
    then Excel serial day numbers (``46000``, a date cell saved without its format).
    Returns (codes, period list, issues); the list has every period from the first to the last
    (the empty ones too, unless the span is far wider than the periods with data: ``_with_gaps``).
    ``dayfirst``: slash dates with nothing in them to tell (``01/10/2026``) are day first: the file
    came from a locale that writes them so (a ``;`` separated CSV: no month-first locale's Excel writes one).

    >>> codes, periods, issues = parse_periods(pd.Series(["2024-01-05", "2024-03-01", "soon", None]), "month")
    >>> codes.tolist(), [str(p) for p in periods], issues.counts()
    ([0, 2, -1, -1], ['2024-01', '2024-02', '2024-03'], {'missing': 1, 'unparseable': 1})
    """
    check_freq(freq)
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    n = len(series)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        stamps = pd.DatetimeIndex(series)
        missing = np.asarray(stamps.isna())
        bad = np.zeros(n, dtype=bool)
    else:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        texts = pd.Index([_colon_time(str(u).strip()) for u in uniques], dtype=object)
        # utc=True so that a mix of offsets ("...Z", "+03:00") and naive stamps is allowed
        parsed = pd.to_datetime(texts, errors="coerce", format="ISO8601", utc=True).tz_convert(None)
        retry = parsed.isna() & (texts != "")
        if retry.any():
            parsed = _russian_dates(texts, parsed)
            retry = parsed.isna() & (texts != "")
        if retry.any():
            parsed = _excel_month_dates(texts, parsed)
            retry = parsed.isna() & (texts != "")
        if retry.any():
            parsed = _read_mixed(texts, parsed, retry, dayfirst)
        if getattr(parsed, "tz", None) is not None:
            parsed = parsed.tz_convert(None)
        parsed = _excel_serials(texts, parsed)
        parsed = parsed.where((parsed.year >= _YEARS[0]) & (parsed.year < _YEARS[1]))
        empty = np.array([t == "" for t in texts], dtype=bool)
        u_missing = np.append(empty, True)
        u_bad = np.append(np.asarray(parsed.isna()) & ~empty, False)
        stamps = pd.DatetimeIndex(np.append(parsed.to_numpy(dtype="datetime64[ns]"), np.datetime64("NaT")))
        idx = np.where(codes < 0, len(uniques), codes)
        missing = u_missing[idx]
        bad = u_bad[idx]
        stamps = stamps[idx]
    if getattr(stamps, "tz", None) is not None:  # wall-clock time, as for texts with an offset (_OFFSET)
        stamps = stamps.tz_localize(None)
    periods = stamps.to_period(FREQS[freq])
    ok = ~(missing | bad)
    pcodes, puniques = pd.factorize(periods[ok], sort=True)
    puniques = _with_gaps(puniques)
    out = np.full(n, -1, dtype=np.int64)
    out[ok] = puniques.get_indexer(periods[ok])
    issues = ScoreIssues(
        column=column,
        n_rows=n,
        problem_rows={"missing": np.flatnonzero(missing) + 1, "unparseable": np.flatnonzero(bad) + 1},
        examples={"unparseable": [str(v) for v in pd.unique(series.to_numpy()[bad])[:5]]},
        what="date",
        hint="" if pd.api.types.is_datetime64_any_dtype(series.dtype) else month_first_note(texts, dayfirst),
    )
    return out, list(puniques), issues


_GAPS_MAX = 3  # periods in the whole span per period with data, up to which the empty ones are listed


def _with_gaps(present: pd.PeriodIndex) -> pd.PeriodIndex:
    """Every period from the first to the last, the empty ones too (a trend with a month without
    answers must show the gap, not join its neighbours as if adjacent); as they are when the span
    is far wider than the periods with data (a stray date years away: it would list empty decades).

    >>> [str(p) for p in _with_gaps(pd.PeriodIndex(["2024-01", "2024-03"], freq="M"))]
    ['2024-01', '2024-02', '2024-03']
    """
    if len(present) < 2:
        return present
    span = pd.period_range(present[0], present[-1], freq=present.freq)
    return span if len(span) <= _GAPS_MAX * len(present) else present


# Excel stores a date as days since 1899-12-30; a date column saved as CSV without its date format
# (or a General-formatted cell) holds that number. 25569..73050 is 1970-01-01..2099-12-31: whole
# numbers outside it are not taken for dates.
# With a time of day the number has a fraction, its decimal mark the locale's ("46000,58333" from a
# Russian or German Excel).
_EXCEL_SERIAL = re.compile(r"^\d{5}([.,]\d+)?$")
_EXCEL_DAYS = (25569, 73050)


def _excel_serials(texts: pd.Index, parsed: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """``parsed`` with the unread cells that are Excel serial day numbers (``46000`` = 2025-12-09) read.

    >>> texts = pd.Index(["46000", "46000.75", "46000,5", "12345", "soon"], dtype=object)
    >>> [str(t) for t in _excel_serials(texts, pd.DatetimeIndex([pd.NaT] * 5))]
    ['2025-12-09 00:00:00', '2025-12-09 18:00:00', '2025-12-09 12:00:00', 'NaT', 'NaT']
    """
    serial = np.array([bool(_EXCEL_SERIAL.match(t)) for t in texts], dtype=bool) & np.asarray(parsed.isna())
    if not serial.any():
        return parsed
    days = np.array([float(t.replace(",", ".")) for t in texts[serial]])
    days[(days < _EXCEL_DAYS[0]) | (days >= _EXCEL_DAYS[1] + 1)] = np.nan
    out = parsed.to_series().reset_index(drop=True)
    out[np.flatnonzero(serial)] = pd.to_datetime(days, unit="D", origin="1899-12-30").round("s")
    return pd.DatetimeIndex(out)


def _excel_month_dates(texts: pd.Index, parsed: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """``parsed`` with the unread cells in Excel's month-name formats read (``mmm-yy`` is the month's
    first day; a two-digit year is 20yy up to 29 and 19yy from 30, as Excel reads it).

    >>> texts = pd.Index(["Dec-26", "7-Dec-26", "07.дек.2026", "дек.26", "14-мар-12", "Sept-26", "Dec 26"])
    >>> [str(t)[:10] for t in _excel_month_dates(texts, pd.DatetimeIndex([pd.NaT] * 7))]
    ['2026-12-01', '2026-12-07', '2026-12-07', '2026-12-01', '2012-03-14', '2026-09-01', 'NaT']
    """
    iso = {}
    for i in np.flatnonzero(np.asarray(parsed.isna())):
        match = _EXCEL_MONTH_DATE.match(texts[i])
        if match:
            day, month, year = match.groups()
            word = month.lower()[:3]
            number = _EN_MONTHS.get(word) or _RU_MONTHS[word]
            if len(year) == 2:
                year = str(int(year) + (2000 if int(year) < 30 else 1900))
            iso[i] = f"{year}-{number:02d}-{int(day or 1):02d}"
    return _filled(parsed, iso, "%Y-%m-%d")


def _russian_dates(texts: pd.Index, parsed: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """``parsed`` with the unread cells that are Russian dates written out read (a month without a
    day is its first day).

    >>> texts = pd.Index(["5 декабря 2026", "05 Дек. 2026 г.", "1 мая 2026 года, 14:30", "Март 2026", "5 дек"])
    >>> [str(t)[:16] for t in _russian_dates(texts, pd.DatetimeIndex([pd.NaT] * 5))]
    ['2026-12-05 00:00', '2026-12-05 00:00', '2026-05-01 14:30', '2026-03-01 00:00', 'NaT']
    >>> texts = pd.Index(["пн, 7 декабря 2026", "05.12.2026 г.", "5.12.26г", "31.02.2026 г."])
    >>> [str(t)[:10] for t in _russian_dates(texts, pd.DatetimeIndex([pd.NaT] * 4))]
    ['2026-12-07', '2026-12-05', '2026-12-05', 'NaT']
    >>> texts = pd.Index(["Отзыв написан 6 ноября 2019 г. ", "Дата посещения: ноябрь 2019 г.", "Отзыв написан вчера"])
    >>> [str(t)[:10] for t in _russian_dates(texts, pd.DatetimeIndex([pd.NaT] * 3))]
    ['2019-11-06', '2019-11-01', 'NaT']
    """
    todo = np.flatnonzero(np.asarray(parsed.isna()))
    iso = {}
    for i in todo:
        match = _RU_DATE.match(texts[i])
        if match:
            day, month, year, time = match.groups()
            iso[i] = f"{year}-{_RU_MONTHS[month.lower()]:02d}-{int(day or 1):02d} {time or '00:00'}"
        elif match := _RU_NUMERIC_DATE.match(texts[i]):
            day, month, year, time = match.groups()
            year = int(year) + (2000 if len(year) == 2 else 0)
            iso[i] = f"{year}-{int(month):02d}-{int(day):02d} {time or '00:00'}"
    return _filled(parsed, iso, "mixed")


def _filled(parsed: pd.DatetimeIndex, iso: dict, fmt: str) -> pd.DatetimeIndex:
    """``parsed`` with the cells at ``iso``'s positions read from its ISO strings (``fmt``)."""
    if not iso:
        return parsed
    out = parsed.to_series().reset_index(drop=True)
    out[list(iso)] = pd.to_datetime(pd.Index(list(iso.values())), errors="coerce", format=fmt)
    return pd.DatetimeIndex(out)


_DOTTED = r"^\s*\d{1,2}\.\d{1,2}\.\d{2,4}"


def _read_mixed(texts: pd.Index, parsed: pd.DatetimeIndex, retry: np.ndarray, dayfirst: bool = False) -> pd.DatetimeIndex:
    """``parsed`` with the ``retry`` cells read by pandas' per-value parser, dotted dates
    (05.02.2024) and the others (02/05/2024) each day-first or not by their own evidence: a column
    merged from two systems' exports holds both, and a US 03/25/2024 must not turn every
    05.02.2024 into 2 May.

    >>> texts = pd.Index(["05.02.2024", "03/25/2024", "03/04/2024", "Feb 2024"], dtype=object)
    >>> [str(t)[:10] for t in _read_mixed(texts, pd.DatetimeIndex([pd.NaT] * 4), np.ones(4, dtype=bool))]
    ['2024-02-05', '2024-03-25', '2024-03-04', '2024-02-01']
    """
    dotted = np.asarray(texts.str.contains(_DOTTED, regex=True), dtype=bool)
    dot_first = _dayfirst(texts[retry & dotted], dayfirst)
    out = parsed.to_series().reset_index(drop=True)
    for part, dayfirst in ((retry & dotted, dot_first), (retry & ~dotted, _dayfirst(texts[retry & ~dotted], dot_first))):
        if not part.any():
            continue
        with np.errstate(all="ignore"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                again = pd.to_datetime(texts[part], errors="coerce", format="mixed", dayfirst=dayfirst, utc=True)
        out[np.flatnonzero(part)] = again.tz_convert(None)
    return pd.DatetimeIndex(out)


def _dayfirst(texts: pd.Index, dotted_dayfirst: bool = False) -> bool:
    """Read 03/04/2024 as 3 April when these dates are day-first somewhere (a first number above
    12) and never month-first (a second number above 12); dotted dates (31.03.2024, the European
    way) are day-first unless they show otherwise. When nothing tells, ``dotted_dayfirst``: the
    column's dotted dates say which locale wrote it."""
    first = texts.str.extract(r"^\s*(\d{1,2})[./-](\d{1,2})[./-]\d{2,4}")
    a = pd.to_numeric(first[0], errors="coerce")
    b = pd.to_numeric(first[1], errors="coerce")
    if (b > 12).any():
        return False
    return bool((a > 12).any()) or bool(texts.str.contains(_DOTTED, regex=True).any()) or dotted_dayfirst


def month_first_note(texts: pd.Index, dayfirst: bool = False) -> str:
    """What to say when a column's slash dates (03/04/2024) were read month first with nothing in
    them to tell (no number above 12 in either place, no dotted date): a UK or Russian export of
    a few days reads as months apart, which only the user can know. Empty otherwise.

    >>> month_first_note(pd.Index(["03/04/2024 10:05", "05/04/2024", "2024-04-01"]))[:80]
    "Dates such as '03/04/2024 10:05' could be day or month first and were read month"
    >>> month_first_note(pd.Index(["03/04/2024", "25/04/2024"])), month_first_note(pd.Index(["03/03/2024"]))
    ('', '')
    """
    slash = texts[np.asarray(texts.str.contains(r"^\s*\d{1,2}/\d{1,2}/\d{2,4}", regex=True), dtype=bool)]
    if not len(slash) or _dayfirst(slash, bool(texts.str.contains(_DOTTED, regex=True).any())):
        return ""
    parts = slash.str.extract(r"^\s*(\d{1,2})/(\d{1,2})/")
    a, b = pd.to_numeric(parts[0]), pd.to_numeric(parts[1])
    if (b > 12).any() or not (a != b).any():
        return ""  # month first by the dates' own evidence, or nothing to swap
    example = slash[np.flatnonzero((a != b).to_numpy())[0]]
    if dayfirst:
        return (f"Dates such as {example!r} could be day or month first and were read day first (the file is ';' "
                "separated, as Excel writes it where dates are day first); if the export writes the month first, "
                "the trend's periods are wrong: export the dates as YYYY-MM-DD.")
    return (f"Dates such as {example!r} could be day or month first and were read month first (US); if the export "
            "writes the day first, the trend's periods are wrong: export the dates as YYYY-MM-DD.")


def period_label(period: pd.Period, freq: str) -> str:
    """How a period is named in the trend: weeks by their first day, quarters as ``2024-Q1``.

    >>> period_label(pd.Period("2024-02", "M"), "month"), period_label(pd.Period("2024-05", "Q"), "quarter")
    ('2024-02', '2024-Q2')
    """
    if freq == "week":
        return period.start_time.strftime("%Y-%m-%d")
    if freq == "quarter":
        return f"{period.year}-Q{period.quarter}"
    return str(period)


def canonical_dates(values: pd.Series, freq: str) -> pd.Series:
    """Date cells rewritten so that many cells fall in one period without changing any result.

    A cell that reads as an ISO date/time becomes the ISO date of its period's first day
    (``2024-03-17T10:22:05+03:00`` -> ``2024-03-01`` by month), which ``parse_periods`` reads
    back into the same period; a non-ISO date with a time keeps only its date part (the period
    and the day-first decision depend on the date part alone). Anything else is left as
    written, so unreadable dates are still reported as the user wrote them.

    >>> canonical_dates(pd.Series(["2024-03-17 10:22", "17.03.2024 10:22", "soon", None]), "month").tolist()
    ['2024-03-01', '17.03.2024', 'soon', nan]
    """
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return series
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    if not len(uniques):
        return series
    texts = pd.Index([_colon_time(str(u).strip()) for u in uniques], dtype=object)
    parsed = pd.to_datetime(texts, errors="coerce", format="ISO8601", utc=True).tz_convert(None)
    out = np.array(list(uniques), dtype=object)
    # a year parse_periods does not take stays as written: it is listed as the user wrote it
    ok = np.asarray(parsed.notna() & (parsed.year >= _YEARS[0]) & (parsed.year < _YEARS[1]))
    if ok.any():
        starts = parsed[ok].to_period(FREQS[freq]).start_time.strftime("%Y-%m-%d")
        out[ok] = np.asarray(starts, dtype=object)
    for i in np.flatnonzero(~ok):
        match = _NON_ISO_TIME.match(texts[i])
        if match:
            out[i] = match.group(1).strip()
    result = pd.Series(out[np.where(codes < 0, 0, codes)], index=series.index, dtype=object)
    result[codes < 0] = None
    return result.astype(series.dtype) if series.dtype != object else result


def vanishing_categories(trend: pd.DataFrame, *, per_period: float = 5.0) -> tuple[list, list]:
    """``([(level, category, last period)], [(level, category, first period)])``: categories of a trend
    mentioned about ``per_period`` times or more a period while present that are absent from every
    later period with answers (stopped), and those absent from every earlier one (started). A file
    joined from two quarters classified with two taxonomy versions showed a renamed category as one
    dropping to 0 and another rising from 0, without a word.

    >>> t = pd.DataFrame({"period": ["Q1", "Q2", "Q1", "Q2", "Q1", "Q2"], "period_rows": [50, 40] * 3,
    ...     "level": ["parent"] * 6, "category": ["Service", "Service", "Care", "Care", "Price", "Price"],
    ...     "mentions": [20, 0, 0, 18, 9, 7]})
    >>> vanishing_categories(t)
    ([('parent', 'Service', 'Q1')], [('parent', 'Care', 'Q2')])
    """
    stopped, started = [], []
    present = trend[trend["period_rows"] > 0]
    for (level, category), rows in present.groupby(["level", "category"], sort=False):
        counts = rows["mentions"].to_numpy()
        seen = np.flatnonzero(counts > 0)
        if not len(seen) or counts[seen[0]:seen[-1] + 1].mean() < per_period:
            continue
        if seen[-1] < len(counts) - 1:
            stopped.append((level, category, rows["period"].iloc[seen[-1]]))
        if seen[0] > 0:
            started.append((level, category, rows["period"].iloc[seen[0]]))
    return stopped, started
