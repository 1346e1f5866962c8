"""Turn an uploaded file into something DuckDB can read: a UTF-8 CSV with a known delimiter, or a Parquet file.

Handles gzip (any format inside), .xlsx/.xls (read with python-calamine, written out as CSV), Parquet, and text
in UTF-8, UTF-8 with BOM, UTF-16 with BOM (Excel's "Unicode text"), GB18030 (Chinese Windows Excel; a superset
of GBK, whose 4-byte characters plain ``gbk`` cannot decode) or Windows-1252. DuckDB 2.0 reads only UTF-8, so other
encodings are transcoded in chunks with an incremental decoder into a temporary file (ARCHITECTURE.md); a plain
UTF-8 file is only validated, never copied, so a 5M-line CSV costs one streaming pass and no extra memory.

Bounded inputs (hostile or broken files are refused early, with the reason, before they cost memory or disk):
decompression is counted while streaming (a size cap and a ratio cap: a 4 MB gzip expanding to 4 GB stops after
the first 32 MB), a line longer than 16 MB is refused while checking the encoding, a workbook is measured before it
is read (expanded size, shared strings, cells) and converted in a child process with a memory cap. A UTF-8 file with
one row in another encoding is refused with that row's number (never transcoded whole as GB18030).
"""
from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from ecomops.i18n import _
from ecomops.ingest import tempfiles

CHUNK = 4 * 1024 * 1024
DELIMITERS = (",", ";", "\t", "|")
Progress = Callable[[float, str], None]


def _limit(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


# Limits (environment variables override them for a bigger machine).
MAX_EXPANDED_BYTES = _limit("ECOMOPS_MAX_EXPANDED_BYTES", 20 * 1024 ** 3)  # a decompressed file
MAX_RATIO = _limit("ECOMOPS_MAX_RATIO", 100)  # decompressed / compressed, checked once past RATIO_GRACE
RATIO_GRACE = 32 * 1024 * 1024
MAX_LINE_BYTES = 16 * 1024 * 1024  # as DuckDB's reader (max_line_size)
XLSX_MAX_EXPANDED = _limit("ECOMOPS_XLSX_MAX_EXPANDED", 1536 * 1024 ** 2)  # all parts of a workbook, unzipped
XLSX_MAX_SHARED_STRINGS = _limit("ECOMOPS_XLSX_MAX_SHARED_STRINGS", 5_000_000)
XLSX_MAX_CELLS = _limit("ECOMOPS_XLSX_MAX_CELLS", 30_000_000)
XLSX_MEMORY_BYTES = _limit("ECOMOPS_XLSX_MEMORY_BYTES", 2 * 1024 ** 3)  # the converting child process
XLSX_TIMEOUT_SECONDS = _limit("ECOMOPS_XLSX_TIMEOUT_SECONDS", 600)


class IngestError(ValueError):
    """A file that cannot be imported at all; the message tells the user why and what to do."""


@dataclass
class Source:
    """A file prepared for DuckDB."""

    original: Path
    file_name: str
    file_hash: str
    format: str  # csv | parquet
    path: Path  # what DuckDB reads (the original or a UTF-8 / decompressed temp copy)
    encoding: str = "utf-8"
    delimiter: str = ","
    headers: list[str] = field(default_factory=list)
    skip_lines: int = 0  # lines before the header (Excel's "sep=;" hint, blank lines)
    has_header: bool = True  # False: the first line is data (columns named from content or by the user)
    has_quotes: bool = True  # a '"' anywhere: a quoted value may span lines, which DuckDB's parallel reader refuses
    head: str = ""  # the first 256 KB of the UTF-8 text from the header row on (what the layout was sniffed from)
    head_is_whole: bool = False  # the head is the whole file (else its last line may be cut off)
    notes: list[str] = field(default_factory=list)
    temp_dir: tempfile.TemporaryDirectory | None = None
    hash_job: Future | None = None  # the SHA-256 being computed on a second thread (prepare(hashing="background"))
    columns_given: list[str] | None = None  # column names the user gave (a file without a header row)
    proposed_columns: bool = False  # the names were proposed from the content

    def digest(self) -> str:
        """Return the file's SHA-256, waiting for the background hash when it is still running."""
        if self.hash_job is not None:
            self.file_hash, self.hash_job = self.hash_job.result(), None
        return self.file_hash

    def cleanup(self) -> None:
        """Remove temporary copies (after the background hash, which may still read the file)."""
        if self.hash_job is not None:
            self.hash_job.cancel() or self.hash_job.exception()
            self.hash_job = None
        if self.temp_dir is not None:
            self.temp_dir.cleanup()
            self.temp_dir = None


def file_sha256(path: Path) -> str:
    """Return the SHA-256 of the file's bytes (the identity remembered per import)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


class _BoundedGzip(io.RawIOBase):
    """A gzip reader that refuses to expand past the size cap, or past the ratio cap once RATIO_GRACE is out."""

    def __init__(self, path: Path) -> None:
        self._raw = open(path, "rb")
        self._gzip = gzip.GzipFile(fileobj=self._raw, mode="rb")
        self.expanded = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._gzip.read(size if size and size > 0 else CHUNK)
        self.expanded += len(data)
        if self.expanded > MAX_EXPANDED_BYTES:
            raise IngestError(f"The compressed file expands to more than {MAX_EXPANDED_BYTES / 1024 ** 3:.0f} GB; "
                              "nothing was imported. Split the export into smaller files.")
        if self.expanded > RATIO_GRACE:
            ratio = self.expanded / max(self._raw.tell(), 1)
            if ratio > MAX_RATIO:
                raise IngestError(f"The compressed file expands more than {MAX_RATIO}-fold ({ratio:,.0f}x after "
                                  f"{self.expanded / 1024 ** 2:,.0f} MB), which no real export does; nothing was "
                                  "imported. Upload the file uncompressed, or check where it came from.")
        return data

    def close(self) -> None:
        self._gzip.close()
        self._raw.close()
        super().close()


def _open_stream(path: Path, gzipped: bool):
    return _BoundedGzip(path) if gzipped else open(path, "rb")


def _head(path: Path, gzipped: bool, size: int = 65536) -> bytes:
    with _open_stream(path, gzipped) as handle:
        try:
            return handle.read(size)
        except (OSError, EOFError) as exc:
            raise IngestError(_("The gzip file is damaged ({error}). Compress it again or upload it uncompressed.",
                                error=str(exc))) from exc


def prepare(path: str | Path, file_name: str | None = None, progress: Progress | None = None,
            hashing: str = "now", columns: list[str] | None = None) -> Source:
    """Return the file as a :class:`Source` ready for staging; IngestError says why a file cannot be read.

    ``columns`` names the columns of a file without a header row (its first line is then data).

    ``hashing``: "now" computes the file's SHA-256 before returning; "background" starts it on a second thread
    (``Source.digest()`` waits for it), so it overlaps DuckDB reading the file; "skip" leaves it empty (previews).
    """
    if hashing not in ("now", "background", "skip"):
        raise ValueError(f"hashing must be now, background or skip, not {hashing!r}")
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no such file: {path}")
    name = file_name or path.name
    if path.stat().st_size == 0:
        raise IngestError(_("The file is empty (0 bytes). Export the data again."))
    report = progress or (lambda _f, _m: None)
    report(0.0, _("Reading the file"))
    with open(path, "rb") as handle:
        magic = handle.read(4)
    gzipped = magic[:2] == b"\x1f\x8b"
    head = _head(path, gzipped)
    if not head:
        raise IngestError(_("The file is empty once decompressed. Export the data again."))
    tempfiles.sweep()  # folders left by a killed import (on this machine's next import)
    temp_dir = tempfiles.new_dir()
    work = Path(temp_dir.name)
    source = Source(original=path, file_name=name, file_hash="", format="csv", path=path, temp_dir=temp_dir)
    try:
        source.columns_given = list(columns) if columns else None
        _prepare_source(path, gzipped, head, work, source, report, hash_during_check=hashing == "now")
        if hashing == "background":
            hasher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ecomops-hash")
            source.hash_job = hasher.submit(file_sha256, path)
            hasher.shutdown(wait=False)  # its thread ends with the job
        elif hashing == "now":
            # A plain text file was hashed during its encoding check (one read); the rest are hashed here.
            source.file_hash = source.file_hash or file_sha256(path)
        return source
    except BaseException:
        source.cleanup()
        raise


def _prepare_source(path: Path, gzipped: bool, head: bytes, work: Path, source: Source, report: Progress,
                    hash_during_check: bool = True) -> None:
    """Fill in format, path, encoding and layout of the source (in place)."""
    if gzipped:
        source.notes.append("gzip-compressed")
    if head[:4] == b"PAR1":
        source.format = "parquet"
        source.path = _decompressed(path, work / "data.parquet") if gzipped else path
        return
    if head[:4] == b"PK\x03\x04" or head[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        book = _decompressed(path, work / "book.xlsx") if gzipped else path
        if head[:4] == b"PK\x03\x04":
            check_workbook(book)
        source.path = _excel_to_csv(book, work / "sheet.csv", source)
        source.encoding = "xlsx"
        _sniff_text_layout(source)
        return
    _prepare_text(path, gzipped, head, work, source, report, hash_during_check)
    _sniff_text_layout(source)


def _decompressed(path: Path, target: Path) -> Path:
    with _BoundedGzip(path) as src, open(target, "wb") as dst:
        shutil.copyfileobj(src, dst, CHUNK)
    return target


def _looks_binary(head: bytes) -> bool:
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head[:4096] if b < 32 and b not in (9, 10, 13, 12))
    return controls > max(8, len(head[:4096]) // 50)


def _prepare_text(path: Path, gzipped: bool, head: bytes, work: Path, source: Source, report: Progress,
                  hash_during_check: bool = True) -> None:
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        source.encoding = "utf-16"
        source.path = _transcode(path, gzipped, "utf-16", work / "utf8.csv", report)
        return
    if _looks_binary(head):
        raise IngestError(
            "This is not a text file (it contains binary data). Upload a CSV/TSV/TXT export, an .xlsx workbook "
            "or a Parquet file.")
    bom = head.startswith(codecs.BOM_UTF8)
    check = _check_utf8(path, gzipped, report, hash_blocks=hash_during_check)
    if check.digest:
        source.file_hash = check.digest
    source.has_quotes = check.quotes
    if check.valid:
        source.encoding = "utf-8-sig" if bom else "utf-8"
        if gzipped or bom:
            # DuckDB would keep the BOM in the first header; write a clean copy (also decompresses).
            source.path = _transcode(path, gzipped, "utf-8-sig", work / "utf8.csv", report)
        return
    if check.utf8_seen:
        # UTF-8 text up to that line, then bytes that are not: transcoding the whole file as another encoding
        # would garble every correct line ("Café" -> "Caf茅").
        raise IngestError(
            f"The file mixes encodings: it is UTF-8 up to row {check.error_line}, which is not (byte "
            f"0x{check.error_byte:02X} at offset {check.error_offset:,}). Nothing was imported. Fix that row (or save "
            "the whole file again as 'CSV UTF-8') and upload it again.")
    encoding = _legacy_encoding(head)
    try:
        source.path = _transcode(path, gzipped, encoding, work / "utf8.csv", report)
    except UnicodeDecodeError as exc:
        raise IngestError(
            f"The file is neither UTF-8 nor {_ENCODING_NAMES[encoding]} text (undecodable bytes at offset "
            f"{exc.start:,}). Save it from Excel as 'CSV UTF-8' and upload it again.") from exc
    source.encoding = encoding
    source.notes.append(f"transcoded from {_ENCODING_NAMES[encoding]} to UTF-8")


_ENCODING_NAMES = {"gb18030": "GB18030/GBK", "cp1252": "Windows-1252 (Latin-1)"}


def _legacy_encoding(head: bytes) -> str:
    """Return gb18030 or cp1252 for a file that is not UTF-8, from its first non-ASCII bytes.

    GB18030 writes Chinese characters as pairs of high bytes (or high/digit quadruples); Latin-1/Windows-1252 text has
    single accented letters between ASCII letters ("Café,", "Müller", "crème"). More of the latter than of the former
    means Windows-1252.
    """
    sample = head[:65536]
    latin = len(re.findall(rb"(?<=[A-Za-z])[\x80-\xff](?=[A-Za-z\s,;\"'.])", sample))
    pairs = len(re.findall(rb"[\x80-\xff]{2,}", sample))
    return "cp1252" if latin > pairs else "gb18030"


def _chunks(path: Path, gzipped: bool) -> Iterator[bytes]:
    with _open_stream(path, gzipped) as handle:
        while True:
            try:
                block = handle.read(CHUNK)
            except (OSError, EOFError) as exc:
                raise IngestError(f"The gzip file is damaged ({exc}).") from exc
            if not block:
                return
            yield block


class _LineLength:
    """Counts lines and refuses a line longer than MAX_LINE_BYTES, block by block (cheap: one find/rfind each)."""

    def __init__(self) -> None:
        self.open_bytes = 0  # bytes since the last newline
        self.lines = 0

    def feed(self, block: bytes) -> None:
        first = block.find(b"\n")
        if first < 0:
            self.open_bytes += len(block)
        else:
            self.open_bytes += first
            self._check()
            self.lines += block.count(b"\n")
            self.open_bytes = len(block) - block.rfind(b"\n") - 1
        self._check()

    def _check(self) -> None:
        if self.open_bytes > MAX_LINE_BYTES:
            raise IngestError(f"Line {self.lines + 1:,} of the file is longer than {MAX_LINE_BYTES // 1024 ** 2} MB, "
                              "which no export writes (a damaged or hostile file); nothing was imported.")


@dataclass
class _Utf8Check:
    valid: bool = True
    quotes: bool = False
    digest: str = ""
    utf8_seen: bool = False  # valid multi-byte UTF-8 occurred before the first invalid byte
    error_offset: int = 0
    error_line: int = 0
    error_byte: int = 0


def _is_valid_utf8(path: Path, gzipped: bool, report: Progress, hash_blocks: bool = True) -> tuple[bool, bool, str]:
    """Return (the whole file is valid UTF-8, it contains a double quote, its SHA-256 when not gzipped and
    ``hash_blocks``; else "")."""
    check = _check_utf8(path, gzipped, report, hash_blocks)
    return check.valid, check.quotes if check.valid else True, check.digest


def _check_utf8(path: Path, gzipped: bool, report: Progress, hash_blocks: bool = True) -> _Utf8Check:
    """Check the whole file is UTF-8 in one streaming pass (also: quotes, line lengths, the SHA-256 when not
    gzipped and ``hash_blocks``); on the first invalid byte, say where it is and whether UTF-8 came before."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    digest = hashlib.sha256() if not gzipped and hash_blocks else None
    total = max(path.stat().st_size, 1)
    done = 0
    result = _Utf8Check()
    lines = _LineLength()
    # Hashing runs on a second thread (hashlib releases the GIL) while this one decodes, one block apart, so the
    # two passes cost about the time of the longer one and at most two blocks are held.
    pending = None
    with ThreadPoolExecutor(max_workers=1) as hasher:
        try:
            for block in _chunks(path, gzipped):
                if digest is not None:
                    if pending is not None:
                        pending.result()
                    pending = hasher.submit(digest.update, block)
                # Most exports are plain ASCII: checking that is ~30x cheaper than decoding, and an ASCII block
                # is valid UTF-8 on its own when no multi-byte character is left open from the block before.
                if not (block.isascii() and not decoder.getstate()[0]):
                    held = len(decoder.getstate()[0])
                    try:
                        decoder.decode(block, final=False)
                    except UnicodeDecodeError as exc:
                        at = max(exc.start - held, 0)
                        result.valid = False
                        result.error_offset = done + at
                        result.error_byte = block[at] if at < len(block) else 0
                        result.error_line = lines.lines + block.count(b"\n", 0, at) + 1
                        result.utf8_seen = result.utf8_seen or not block[:at].isascii()
                        result.quotes = True
                        return result
                    result.utf8_seen = True
                lines.feed(block)
                result.quotes = result.quotes or b'"' in block
                done += len(block)
                report(min(0.1, 0.1 * done / total), _("Checking the encoding"))
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            result.valid = False
            result.error_offset = done
            result.error_line = lines.lines + 1
            return result
        finally:
            if pending is not None:
                pending.result()
    result.digest = digest.hexdigest() if digest is not None else ""
    return result


def _transcode(path: Path, gzipped: bool, encoding: str, target: Path, report: Progress) -> Path:
    """Decode the file in chunks with an incremental decoder and write UTF-8 (no BOM); return the target."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    total = max(path.stat().st_size, 1)
    done = 0
    first = True
    lines = _LineLength()
    with open(target, "w", encoding="utf-8", newline="") as out:
        for block in _chunks(path, gzipped):
            lines.feed(block)
            try:
                text = decoder.decode(block, final=False)
            except UnicodeDecodeError as exc:
                at = max(exc.start - len(decoder.getstate()[0]), 0)
                row = lines.lines - block.count(b"\n") + block.count(b"\n", 0, at) + 1
                bad = block[at] if at < len(block) else 0
                raise IngestError(
                    f"Row {row:,} is not {_ENCODING_NAMES.get(encoding, encoding.upper())} text like the rows "
                    f"before it (byte 0x{bad:02X} at offset {done + at:,}): the file mixes "
                    "encodings. Nothing was imported; save it again as 'CSV UTF-8'.") from exc
            if first and text:
                text = text.lstrip("\ufeff")
                first = False
            out.write(text)
            done += len(block)
            report(min(0.15, 0.15 * done / total), f"Converting {encoding.upper()} to UTF-8")
        out.write(decoder.decode(b"", final=True))
    return target


def check_workbook(book: Path) -> None:
    """Refuse a workbook whose parts would expand too far, or that holds too many shared strings or cells, before
    anything reads it (a 21 MB file can hold 60M shared strings)."""
    try:
        archive = zipfile.ZipFile(book)
    except zipfile.BadZipFile as exc:
        raise IngestError(f"This workbook cannot be read ({exc}). Open it in Excel and save it as .xlsx or CSV.") from exc
    with archive:
        infos = archive.infolist()
        expanded = sum(i.file_size for i in infos)
        packed = sum(i.compress_size for i in infos) or 1
        if expanded > XLSX_MAX_EXPANDED:
            raise IngestError(f"The workbook unzips to {expanded / 1024 ** 2:,.0f} MB (more than "
                              f"{XLSX_MAX_EXPANDED / 1024 ** 2:,.0f} MB); nothing was imported. Save the sheet as CSV "
                              "(or split it) and upload that.")
        if expanded > RATIO_GRACE and expanded / packed > MAX_RATIO:
            raise IngestError(f"The workbook expands {expanded / packed:,.0f}-fold when unzipped, which no real "
                              "export does; nothing was imported. Save the sheet as CSV and upload that.")
        names = {i.filename: i for i in infos}
        strings = names.get("xl/sharedStrings.xml")
        if strings is not None:
            with archive.open(strings) as handle:
                start = handle.read(4096).decode("utf-8", "replace")
            declared = re.search(r'uniqueCount="(\d+)"', start) or re.search(r'count="(\d+)"', start)
            count = int(declared.group(1)) if declared else 0
            # The attribute can lie: each string takes at least ~12 bytes of XML (<si><t>x</t></si>).
            count = max(count, strings.file_size // 40)
            if count > XLSX_MAX_SHARED_STRINGS:
                raise IngestError(f"The workbook holds about {count:,} distinct text values (more than "
                                  f"{XLSX_MAX_SHARED_STRINGS:,}); nothing was imported. Save the sheet as CSV and "
                                  "upload that.")
        for info in infos:
            if not re.fullmatch(r"xl/worksheets/sheet\d+\.xml", info.filename):
                continue
            with archive.open(info) as handle:
                start = handle.read(8192).decode("utf-8", "replace")
            dim = re.search(r'<dimension ref="[A-Z]+(\d+)(?::([A-Z]+)(\d+))?"', start)
            if dim and dim.group(2):
                cols = 0
                for ch in dim.group(2):
                    cols = cols * 26 + (ord(ch) - 64)
                cells = int(dim.group(3)) * cols
                if cells > XLSX_MAX_CELLS:
                    raise IngestError(f"A sheet of the workbook spans {cells:,} cells (more than {XLSX_MAX_CELLS:,}); "
                                      "nothing was imported. Save the sheet as CSV and upload that.")


def _excel_to_csv(book: Path, target: Path, source: Source) -> Path:
    """Write the first non-empty sheet of a workbook as a UTF-8 CSV, converted by a child process whose memory is
    capped (xlsx_worker.py); return the CSV's path."""
    worker = Path(__file__).with_name("xlsx_worker.py")
    try:
        # No Rust backtrace: printing one when memory is exhausted can deadlock the child instead of ending it.
        env = dict(os.environ, RUST_BACKTRACE="0")
        done = subprocess.run([sys.executable, "-I", str(worker), str(book), str(target), str(XLSX_MEMORY_BYTES)],
                              capture_output=True, text=True, timeout=XLSX_TIMEOUT_SECONDS, env=env)
    except subprocess.TimeoutExpired as exc:
        raise IngestError(f"Reading the workbook took more than {XLSX_TIMEOUT_SECONDS} s; nothing was imported. Save "
                          "the sheet as CSV and upload that.") from exc
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    outcome = json.loads(lines[-1]) if lines else {"error": "memory" if done.returncode else "no result"}
    if outcome.get("error") == "memory" or (done.returncode and not lines):
        raise IngestError(f"The workbook needs more than {XLSX_MEMORY_BYTES / 1024 ** 3:.0f} GB of memory to read; "
                          "nothing was imported. Save the sheet as CSV and upload that.")
    if outcome.get("error"):
        raise IngestError(outcome["error"])
    if outcome.get("sheets", 1) > 1:
        source.notes.append(f"read sheet {outcome['sheet']!r} (the first with data)")
    return target


HEAD_CHARS = 256 * 1024


def _sniff_text_layout(source: Source) -> None:
    """Set delimiter, header names (or, for a file without a header row, proposed names) and lines to skip."""
    with open(source.path, "r", encoding="utf-8", newline="") as handle:
        sample = handle.read(HEAD_CHARS)
    source.head_is_whole = len(sample) < HEAD_CHARS
    lines = sample.splitlines(keepends=True)
    if not any(line.strip() for line in lines):
        raise IngestError(_("The file holds no text (only blank lines)."))
    skipped = 0
    while lines and not lines[0].strip(", ;\t|\r\n\ufeff"):
        skipped += 1  # blank lines above the header (eBay's order report starts with one)
        lines.pop(0)
    first = lines[0].strip()
    if first.lower().startswith("sep="):
        delimiter = first[4:]
        if len(delimiter) != 1 or delimiter in ('"', "'", "\r", "\n") or delimiter.isalnum():
            raise IngestError(f"The first line {first[:20]!r} names no usable delimiter (Excel's 'sep=' line takes one "
                              "character such as ; or ,). Remove that line or fix it, then upload the file again.")
        source.delimiter = delimiter
        skipped += 1
        lines.pop(0)
    else:
        source.delimiter = sniff_delimiter("".join(lines))
    source.skip_lines = skipped
    sample = "".join(lines)
    source.head = sample
    try:
        rows = list(csv.reader(io.StringIO(sample), delimiter=source.delimiter))
    except csv.Error as exc:
        raise IngestError(f"The first lines cannot be read as CSV ({exc}); save the file again as CSV.") from exc
    if not rows:
        raise IngestError(_("The file has no header row."))
    header = rows[0]
    body = rows[1:-1] if not source.head_is_whole else rows[1:]
    if source.columns_given:
        if len(source.columns_given) != len(header):
            raise IngestError(f"{len(source.columns_given)} column names were given but the file has {len(header)} "
                              f"columns (first line: {','.join(header)[:120]!r}).")
        source.has_header = False
        source.headers = clean_headers(source.columns_given)
        return
    if looks_headerless(header, body):
        source.has_header = False
        source.headers = clean_headers(propose_columns(rows[: 2000]))
        source.proposed_columns = True
        source.notes.append("The file has no header row (its first line looks like the rows below it); columns "
                            f"were named from their content: {', '.join(source.headers)}. Name them yourself with "
                            "--columns a,b,c (or on the Upload page).")
        return
    source.headers = clean_headers(header)
    if not any(h for h in header if h.strip()):
        raise IngestError(_("The first row is empty: the file needs a header row naming the columns."))


_INT = re.compile(r"[-+]?\d+")
_NUM = re.compile(r"[-+]?(\d+([.,]\d+)?|[.,]\d+)([eE][-+]?\d+)?%?")
_DATE = re.compile(r"\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}.*|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}.*")
BEHAVIOURS = {"pv", "view", "views", "page_view", "pageview", "view_item", "detail", "click", "fav", "favorite",
              "favourite", "collect", "add_to_wishlist", "cart", "add_to_cart", "addtocart", "buy", "purchase",
              "order", "checkout", "begin_checkout", "浏览", "收藏", "加购", "购买", "下单"}


def _cell_type(value: str) -> str:
    text = value.strip()
    if not text:
        return "empty"
    if _INT.fullmatch(text):
        return "int"
    if _NUM.fullmatch(text):
        return "num"
    if _DATE.fullmatch(text):
        return "date"
    return "text"


def looks_headerless(first: list[str], rows: list[list[str]]) -> bool:
    """Return True when the first row looks like the data below it: in every column whose values are numbers or
    dates, the first row's value is one too (a header names columns in words)."""
    rows = [r for r in rows if len(r) == len(first)][:500]
    if len(rows) < 2:
        return False
    typed_columns, matching = 0, 0
    for j, value in enumerate(first):
        kinds = [_cell_type(r[j]) for r in rows]
        filled = [k for k in kinds if k != "empty"]
        if not filled:
            continue
        main = max(set(filled), key=filled.count)
        if main == "text" or filled.count(main) < 0.9 * len(filled):
            continue
        typed_columns += 1
        mine = _cell_type(value)
        if mine == main or (mine, main) in (("int", "num"), ("num", "int")):
            matching += 1
    return typed_columns > 0 and matching == typed_columns


def propose_columns(rows: list[list[str]]) -> list[str]:
    """Return column names for a file without a header row, from the content of each column: an event vocabulary
    (pv, cart, fav, buy) -> behavior_type; 10/13-digit numbers -> timestamp; dates -> date; whole numbers before
    them -> user_id, item_id, category_id (the Taobao/Tianchi behaviour-log order); anything else column_N."""
    width = len(rows[0])
    names: list[str] = []
    id_names = iter(("user_id", "item_id", "category_id"))
    for j in range(width):
        values = [r[j].strip() for r in rows if len(r) == width and r[j].strip()]
        lowered = {v.lower() for v in values}
        if values and lowered <= BEHAVIOURS:
            names.append("behavior_type")
        elif values and all(_INT.fullmatch(v) and len(v.lstrip("-+")) in (10, 13) for v in values):
            names.append("timestamp")
        elif values and all(_DATE.fullmatch(v) for v in values):
            names.append("date")
        elif values and all(_INT.fullmatch(v) for v in values):
            names.append(next(id_names, f"column_{j + 1}"))
        else:
            names.append(f"column_{j + 1}")
    return names


def sniff_delimiter(sample: str) -> str:
    """Return the delimiter (comma, semicolon, tab or pipe) that splits the sample's rows most consistently."""
    best, best_score = ",", (-1, 0)
    lines = sample.splitlines()[:50]
    text = "\n".join(lines)
    for delim in DELIMITERS:
        try:
            rows = list(csv.reader(io.StringIO(text), delimiter=delim))
        except csv.Error:
            continue
        rows = [r for r in rows if r]
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        consistent = sum(1 for r in rows[1:-1] if len(r) == width) if len(rows) > 2 else len(rows) - 1
        score = (consistent, width)
        if score > best_score:
            best, best_score = delim, score
    return best


def clean_headers(header: list[str]) -> list[str]:
    """Return header names stripped, with blanks named ``column_N`` and repeats suffixed ``_2``, ``_3``."""
    seen: dict[str, int] = {}
    out = []
    for index, raw in enumerate(header, start=1):
        name = (raw or "").replace("\ufeff", "").strip() or f"column_{index}"
        count = seen.get(name.lower(), 0) + 1
        seen[name.lower()] = count
        out.append(name if count == 1 else f"{name}_{count}")
    return out
