"""Dates and times, decided per column from the evidence of all its values, then parsed in SQL.

A column's values are grouped by *shape* (digit runs as ``N``, letters as ``a``: ``04-30-22`` -> ``N-N-N``,
``Mar-05-24`` -> ``a-N-N``, ``1511544070`` -> ``N``) over every value DuckDB's own cast cannot read, with the
largest number and the digit counts at each position. One format is chosen per shape from that evidence:
``N/N/N`` is day first when a first part above 12 occurs, month first when a second part does, and ambiguous
otherwise (month first, or the user's ``date_order``); four digits first is year-month-day; two-digit years are
read as 20yy/19yy by strptime's rule; 10/13/16-digit numbers are epoch seconds/milliseconds/microseconds; 5-digit
numbers (with a fraction) are Excel serial days; 8 and 14 digits are yyyymmdd[HHMMSS]. The decision is shown to
the user (:attr:`DateStyle.label`) and applied to every value: a value written otherwise is reported, never
silently misread.

Time zones: values with an offset (``+00:00``, ``Z``) or epoch numbers are instants; they are converted to the
store's time zone when it is known, else kept as written (the offset dropped: the wall-clock time of the export)
and the import says so. Values without offset are the export's local time; when the export's zone (e.g. Beijing
time for Chinese platforms) differs from the store's, they are converted once.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

import duckdb

EPOCH_DIGITS = {10: "s", 13: "ms", 16: "us"}
# Plausible instants: 1990-01-01 .. 2100-01-01 in seconds.
EPOCH_MIN, EPOCH_MAX = 631_152_000, 4_102_444_800
_TIME_FORMATS = {"N:N": "%H:%M", "N:N:N": "%H:%M:%S", "N:N:N.N": "%H:%M:%S.%f", "N:N a": "%I:%M %p",
                 "N:N:N a": "%I:%M:%S %p"}
_MONTH_WORDS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def sql_str(value: str) -> str:
    """Return a SQL string literal (for constants written by this module only)."""
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class DateStyle:
    """How one column writes its dates, decided from all of its values (see the module docstring)."""

    formats: tuple[str, ...] = ()  # strptime formats for the values DuckDB's own cast cannot read
    epoch: str = ""  # s | ms | us: the column holds epoch numbers
    serial: bool = False  # Excel serial day numbers (e.g. 45356.5)
    zone: bool = False  # the values carry an offset or Z
    day_first: bool = False
    ambiguous: bool = False  # d/m vs m/d could not be told from the values (month first unless date_order)
    label: str = ""  # the decision in words, shown in the preview and the import's notices
    to_zone: str | None = None  # the store's time zone (instants are converted to it)
    from_zone: str | None = None  # the export's zone for values without offset (converted when it differs)

    def with_zones(self, to_zone: str | None, from_zone: str | None) -> "DateStyle":
        """Return the style with the time zones to apply."""
        return replace(self, to_zone=to_zone, from_zone=from_zone)


LEGACY_FORMATS = (
    "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d",
    "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y", "%Y.%m.%d", "%Y%m%d%H%M%S", "%Y%m%d",
)


def normalised_sql(text: str) -> str:
    """Return the value with Chinese date marks as '-', a 'T' between date and time as a space, and a trailing
    fraction of seconds dropped (what the shapes and formats are computed on); zones are kept."""
    chinese = f"replace(replace(replace({text}, '年', '-'), '月', '-'), '日', '')"
    return f"regexp_replace({chinese}, '(\\d)T(\\d)', '\\1 \\2')"


# A zone only after a time (so the '-05' of '2024-03-05' is never taken for one).
_ZONE_RE = "(\\d:\\d{2}(:\\d{2}(\\.\\d+)?)?)\\s*(Z|UTC|GMT|[+-]\\d{2}:?\\d{2}|[+-]\\d{2})$"


def _iso_cast(text: str, target: str = "TIMESTAMP") -> str:
    """Return DuckDB's own cast, only for values starting with a four-digit year (it reads '04-01-22' as the
    year 4)."""
    return (f"(CASE WHEN substr({text}, 5, 1) IN ('-', '/') AND TRY_CAST(left({text}, 4) AS INTEGER) IS NOT NULL "
            f"THEN TRY_CAST({text} AS {target}) END)")


def _without_zone(text: str) -> str:
    return f"regexp_replace({text}, '{_ZONE_RE}', '\\1')"


def _with_offset(text: str) -> str:
    """Return the value with its zone written as a '+HH:MM' suffix (Z, UTC, GMT -> +00:00; -0400 -> -04:00)."""
    time = "(\\d:\\d{2}(:\\d{2}(\\.\\d+)?)?)\\s*"
    named = f"regexp_replace({text}, '{time}(Z|UTC|GMT)$', '\\1+00:00')"
    hours_minutes = f"regexp_replace({named}, '{time}([+-]\\d{{2}}):?(\\d{{2}})$', '\\1\\4:\\5')"
    return f"regexp_replace({hours_minutes}, '{time}([+-]\\d{{2}})$', '\\1\\4:00')"


def timestamp_sql(text: str, style: DateStyle | None = None, day_first: bool = False) -> str:
    """Return a TIMESTAMP (store-local) from cleaned text per the column's :class:`DateStyle` (NULL if unreadable).

    Without a style (a value parsed alone): DuckDB's cast, Excel serials and a fixed list of common formats,
    slash dates month first unless ``day_first``; an offset is dropped.
    """
    if style is None:
        style = DateStyle(formats=LEGACY_FORMATS + _slash_formats(day_first) + (
            "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%d-%m-%Y", "%d-%b-%Y", "%d %b %Y", "%b %d, %Y", "%d-%b-%y",
            "%B %d, %Y", "%d %B %Y"), serial=True)
    norm = normalised_sql(text)
    formats = "[" + ", ".join(sql_str(f) for f in style.formats) + "]" if style.formats else None
    if style.epoch:
        divisor = {"s": 1, "ms": 1_000, "us": 1_000_000}[style.epoch]
        digits = {"s": 10, "ms": 13, "us": 16}[style.epoch]
        # Whole numbers (the usual case) by integer arithmetic; a fraction (1511544070.5) through a double.
        instant = (f"(CASE WHEN length({text}) = {digits} THEN make_timestamptz(TRY_CAST({text} AS BIGINT) * "
                   f"{1_000_000 // divisor}) WHEN regexp_full_match({text}, '[0-9]{{{digits}}}\\.[0-9]+') THEN "
                   f"make_timestamptz(CAST(round(CAST({text} AS DOUBLE) / {divisor} * 1000000) AS BIGINT)) END)")
        return _to_store(instant, style, instant_value=True)
    parts = []
    if style.zone:
        # Instants: with the store's zone known, read the offset and convert; else keep the wall-clock time.
        bare = _without_zone(norm)
        if style.to_zone:
            with_zone = _with_offset(norm)
            tz_formats = "[" + ", ".join(sql_str(f + "%z") for f in style.formats) + "]" if style.formats else None
            candidates = [_iso_cast(with_zone, "TIMESTAMPTZ")]
            if tz_formats:
                candidates.append(f"try_strptime({with_zone}, {tz_formats})")
            instant = f"coalesce({', '.join(candidates)})"
            return f"timezone({sql_str(style.to_zone)}, {instant})"
        parts.append(_iso_cast(bare))
        if formats:
            parts.append(f"try_strptime({bare}, {formats})")
        return _to_store(f"coalesce({', '.join(parts)})", style)
    parts.append(_iso_cast(text))
    if style.serial:
        parts.append(f"CASE WHEN regexp_full_match({text}, '[0-9]{{5}}(\\.[0-9]+)?') "
                     f"AND TRY_CAST({text} AS DOUBLE) BETWEEN 20000 AND 80000 THEN TIMESTAMP '1899-12-30' + "
                     f"to_microseconds(CAST(round(CAST({text} AS DOUBLE) * 86400) * 1000000 AS BIGINT)) END")
    if formats:
        # A fraction of seconds is dropped for the formats (DuckDB's cast above reads ISO values with one).
        parts.append(f"try_strptime(regexp_replace({norm}, '(:\\d{{2}})\\.\\d+$', '\\1'), {formats})")
    return _to_store(f"coalesce({', '.join(parts)})", style)


def _to_store(value: str, style: DateStyle, instant_value: bool = False) -> str:
    """Return the value as store-local time: instants converted to the store's zone (else UTC wall time);
    local values converted from the export's zone when it differs from the store's."""
    if instant_value:
        return f"timezone({sql_str(style.to_zone or 'UTC')}, {value})"
    if style.from_zone and style.to_zone and style.from_zone != style.to_zone:
        return f"timezone({sql_str(style.to_zone)}, timezone({sql_str(style.from_zone)}, {value}))"
    return value


def date_sql(text: str, style: DateStyle | None = None, day_first: bool = False) -> str:
    """Return a DATE read like :func:`timestamp_sql`."""
    return f"CAST({timestamp_sql(text, style, day_first)} AS DATE)"


def _slash_formats(day_first: bool) -> tuple[str, ...]:
    if day_first:
        return ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%d/%m/%y %H:%M", "%d/%m/%y")
    return ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y",
            "%m/%d/%y %H:%M", "%m/%d/%y")


# ----------------------------------------------------------------------------------------------- the decision

@dataclass
class ShapeEvidence:
    """What the values of one shape showed: how many, digit counts and largest value per position."""

    shape: str
    rows: int
    lengths: list[tuple[int, int]]  # (min, max) digit count of the 1st, 2nd, 3rd number
    largest: list[int | None]  # largest value of the 1st, 2nd, 3rd number
    example: str
    words: str = ""  # the letters of an example (month name, AM/PM)


SHAPE_SAMPLE = 100_000  # values the shapes are read from (the day/month evidence comes from every value)


def collect_evidence(cur: duckdb.DuckDBPyConnection, table: str, column: str,
                     limit_shapes: int = 40) -> tuple[list[ShapeEvidence], int, int]:
    """Return (the shapes of the values DuckDB's cast cannot read, values with a zone, values read by the cast).

    ``column`` is an expression over ``table`` yielding cleaned text (NULL for blanks). The shapes come from the first
    SHAPE_SAMPLE values (their regular expressions cost about a microsecond a value); the evidence that decides an
    order — the largest first and second number of every d/m/y-like value — comes from all values (split_part is
    cheap), so a day above 12 on the last row still makes the column day first.
    """
    norm = normalised_sql("v")
    iso = _iso_cast("v")
    sample = f"(SELECT {column} AS v FROM {table} WHERE {column} IS NOT NULL LIMIT {SHAPE_SAMPLE})"
    zone_count, plain_count = cur.execute(f"""
        SELECT count(*) FILTER (WHERE regexp_matches(v, '{_ZONE_RE}')), count(*) FILTER (WHERE {iso} IS NOT NULL)
        FROM {sample}""").fetchone()
    rows = cur.execute(f"""
        WITH v AS (
            SELECT n, regexp_extract_all(n, '[0-9]+') AS p,
                   regexp_replace(regexp_replace(n, '[A-Za-z]+', 'a', 'g'), '[0-9]+', 'N', 'g') AS shape
            FROM (SELECT {_without_zone(norm)} AS n FROM {sample} WHERE {iso} IS NULL))
        SELECT shape, count(*) AS rows,
               min(length(p[1])), max(length(p[1])), min(length(p[2])), max(length(p[2])),
               min(length(p[3])), max(length(p[3])),
               max(TRY_CAST(left(p[1], 18) AS BIGINT)), max(TRY_CAST(left(p[2], 18) AS BIGINT)),
               max(TRY_CAST(left(p[3], 18) AS BIGINT)),
               any_value(n), any_value(lower(array_to_string(regexp_extract_all(n, '[A-Za-z]+'), ' ')))
        FROM v GROUP BY shape, CASE WHEN shape IN ('N', 'N.N') THEN length(p[1]) END
        ORDER BY rows DESC LIMIT {int(limit_shapes)}""").fetchall()
    shapes = [ShapeEvidence(shape=r[0], rows=int(r[1]),
                            lengths=[(r[2] or 0, r[3] or 0), (r[4] or 0, r[5] or 0), (r[6] or 0, r[7] or 0)],
                            largest=[r[8], r[9], r[10]], example=r[11], words=r[12] or "") for r in rows]
    seps = sorted({sh.shape[1] for sh in shapes if len(sh.shape) >= 5 and sh.shape[0] == "N"
                   and sh.shape[1] in "-/." and sh.shape[2] == "N" and sh.shape[3] == sh.shape[1]})
    if seps:
        parts = []
        for sep in seps:
            first = f"split_part(v, '{sep}', 1)"
            second = f"split_part(split_part(v, ' ', 1), '{sep}', 2)"
            only = f"contains(v, '{sep}') AND length({first}) <= 2"
            parts += [f"max(TRY_CAST({first} AS INTEGER)) FILTER (WHERE {only})",
                      f"max(TRY_CAST({second} AS INTEGER)) FILTER (WHERE {only})"]
        found = cur.execute(f"SELECT {', '.join(parts)} FROM (SELECT {column} AS v FROM {table}) "
                            "WHERE v IS NOT NULL").fetchone()
        for i, sep in enumerate(seps):
            for sh in shapes:
                if sh.shape.startswith(f"N{sep}N{sep}N") and sh.lengths[0][1] <= 2:
                    sh.largest = [max(sh.largest[0] or 0, found[2 * i] or 0),
                                  max(sh.largest[1] or 0, found[2 * i + 1] or 0), sh.largest[2]]
    return shapes, int(zone_count), int(plain_count)


_SHAPE = re.compile(r"^(?P<date>N(?P<s1>[-/.])N(?P=s1)N|a[- ]N,? N|N[- ]a[- ]N|a[- ]N[- ]N|N)"
                    r"(?P<time> N:N(:N(\.N)?)?( a)?)?$")


def decide(shapes: list[ShapeEvidence], zone_rows: int = 0, plain_rows: int = 0,
           date_order: str | None = None) -> DateStyle:
    """Return the column's :class:`DateStyle` from the evidence of its values (see the module docstring)."""
    formats: list[str] = []
    labels: list[str] = []
    epoch, serial, day_first, ambiguous = "", False, False, False
    for ev in shapes:
        if ev.shape == "N.N" and ev.lengths[0] == (5, 5):
            serial = True
            labels.append(f"Excel serial days ({ev.example})")
            continue
        match = _SHAPE.match(ev.shape)
        if not match:
            continue  # nothing date-like: those values will be reported as unreadable
        date, time = match.group("date"), (match.group("time") or "").strip()
        time_fmt = _TIME_FORMATS.get(time, "") if time else ""
        if time and not time_fmt:
            continue
        (l1min, l1), (l2min, l2), (l3min, l3) = ev.lengths
        v1, v2, v3 = ev.largest
        if date == "N":
            if time:
                continue
            if l1min == l1 and l1 in EPOCH_DIGITS and (v1 or 0) <= EPOCH_MAX * 10 ** (l1 - 10):
                epoch = EPOCH_DIGITS[l1]
                labels.append({"s": "epoch seconds", "ms": "epoch milliseconds", "us": "epoch microseconds"}[epoch]
                              + f" ({ev.example})")
            elif l1 == 8 and l1min == 8:
                formats.append("%Y%m%d")
                labels.append(f"yyyymmdd ({ev.example})")
            elif l1 == 14 and l1min == 14:
                formats.append("%Y%m%d%H%M%S")
                labels.append(f"yyyymmddHHMMSS ({ev.example})")
            elif l1 == 5 and l1min == 5:
                serial = True
                labels.append(f"Excel serial days ({ev.example})")
            continue
        sep = match.group("s1")
        amb = False
        month_word = any(w in ev.words for w in _MONTH_WORDS)
        if sep:
            fmt, order, amb = _numeric_date(sep, (l1min, l1), (l3min, l3), v1, v2, v3, date_order)
            if fmt is None:
                continue
            day_first = day_first or order == "dmy"
            ambiguous = ambiguous or amb
        elif month_word:
            fmt = _month_name_date(date, ev, l2)
            order = "named month"
        else:
            continue
        full = fmt + (" " + time_fmt if time_fmt else "")
        if full not in formats:
            formats.append(full)
            labels.append(f"{_describe(full)} ({ev.example})" + (" — ambiguous, read month first" if amb and sep
                                                                   and order == "mdy" else ""))
    if epoch and (formats or serial):
        epoch = ""  # a mixed column of numbers and dates: numbers are not instants then
    if zone_rows:
        labels.append("with a time-zone offset")
    if plain_rows and not labels:
        labels.append("year-month-day, as written")
    return DateStyle(formats=tuple(formats), epoch=epoch, serial=serial, zone=bool(zone_rows),
                     day_first=day_first, ambiguous=ambiguous, label="; ".join(labels))


def _numeric_date(sep: str, len1: tuple[int, int], len3: tuple[int, int], v1, v2, v3,
                  date_order: str | None) -> tuple[str | None, str, bool]:
    """Return (format, order, ambiguous) for N<sep>N<sep>N dates."""
    (l1min, l1), (l3min, l3) = len1, len3
    if l1 == 4 and l1min == 4:
        return f"%Y{sep}%m{sep}%d", "ymd", False
    if l3 not in (2, 4) or l3min != l3:
        return None, "", False
    year = "%Y" if l3 == 4 else "%y"
    if (v1 or 0) > 31 and l3 == 2:  # yy-mm-dd
        return f"%y{sep}%m{sep}%d", "ymd", False
    first_is_day = (v1 or 0) > 12
    second_is_day = (v2 or 0) > 12
    if first_is_day and second_is_day:
        return None, "", False  # both parts exceed 12: not one order; those values are reported
    if first_is_day:
        order, amb = "dmy", False
    elif second_is_day:
        order, amb = "mdy", False
    else:
        # Nothing tells: the user's choice, else day first for dotted dates (European), else month first.
        order = date_order or ("dmy" if sep == "." else "mdy")
        amb = date_order is None and sep != "."
    fmt = f"%d{sep}%m{sep}{year}" if order == "dmy" else f"%m{sep}%d{sep}{year}"
    return fmt, order, amb


def _month_name_date(date: str, ev: ShapeEvidence, year_digits: int) -> str:
    long_names = any(len(w) > 3 for w in ev.words.split() if w[:3] in _MONTH_WORDS)
    month = "%B" if long_names else "%b"
    year = "%Y" if year_digits == 4 else "%y"
    if date.startswith("a"):
        sep = date[1]
        if "," in date:
            return f"{month} %d, {year}"
        return f"{month}{sep}%d{sep}{year}"
    sep = date[1]
    return f"%d{sep}{month}{sep}{year}"


_WORDS = {"%Y": "year", "%y": "2-digit year", "%m": "month", "%d": "day", "%b": "month name", "%B": "month name"}


def _describe(fmt: str) -> str:
    date_part = re.split(r" %[HI]", fmt)[0]
    names = re.findall(r"%[YymdbB]", date_part)
    text = "/".join(_WORDS[n] for n in names)
    if "%H" in fmt or "%I" in fmt:
        text += " + time"
    return text


def decide_columns(cur: duckdb.DuckDBPyConnection, table: str, columns: dict[str, str],
                   date_order: str | None = None) -> dict[str, DateStyle]:
    """Return {column: DateStyle} for text columns of ``table`` (``columns``: column -> cleaned-text expression)."""
    out = {}
    for col, expr in columns.items():
        shapes, zones, plain = collect_evidence(cur, table, expr)
        out[col] = decide(shapes, zones, plain, date_order)
    return out
