"""Turn an uploaded file into something DuckDB can read: a UTF-8 CSV with a known delimiter, or a Parquet file.

Handles gzip (any format inside), .xlsx/.xls (read with python-calamine, written out as CSV), Parquet, and text
in UTF-8, UTF-8 with BOM, UTF-16 with BOM (Excel's "Unicode text") or GB18030 (Chinese Windows Excel; a superset
of GBK, whose 4-byte characters plain ``gbk`` cannot decode). DuckDB 2.0 reads only UTF-8, so other encodings are
transcoded in chunks with an incremental decoder into a temporary file (ARCHITECTURE.md); a plain UTF-8 file is
only validated, never copied, so a 5M-line CSV costs one streaming pass and no extra memory.
"""
from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import shutil
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

CHUNK = 4 * 1024 * 1024
DELIMITERS = (",", ";", "\t", "|")
Progress = Callable[[float, str], None]


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
    skip_lines: int = 0  # lines before the header (Excel's "sep=;" hint)
    has_quotes: bool = True  # a '"' anywhere: a quoted value may span lines, which DuckDB's parallel reader refuses
    head: str = ""  # the first 256 KB of the UTF-8 text from the header row on (what the layout was sniffed from)
    head_is_whole: bool = False  # the head is the whole file (else its last line may be cut off)
    notes: list[str] = field(default_factory=list)
    temp_dir: tempfile.TemporaryDirectory | None = None
    hash_job: Future | None = None  # the SHA-256 being computed on a second thread (prepare(hashing="background"))

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


def _open_stream(path: Path, gzipped: bool):
    return gzip.open(path, "rb") if gzipped else open(path, "rb")


def _head(path: Path, gzipped: bool, size: int = 65536) -> bytes:
    with _open_stream(path, gzipped) as handle:
        try:
            return handle.read(size)
        except (OSError, EOFError) as exc:
            raise IngestError(f"The gzip file is damaged ({exc}). Compress it again or upload it uncompressed.") from exc


def prepare(path: str | Path, file_name: str | None = None, progress: Progress | None = None,
            hashing: str = "now") -> Source:
    """Return the file as a :class:`Source` ready for staging; IngestError says why a file cannot be read.

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
        raise IngestError("The file is empty (0 bytes). Export the data again.")
    report = progress or (lambda _f, _m: None)
    report(0.0, "Reading the file")
    with open(path, "rb") as handle:
        magic = handle.read(4)
    gzipped = magic[:2] == b"\x1f\x8b"
    head = _head(path, gzipped)
    if not head:
        raise IngestError("The file is empty once decompressed. Export the data again.")
    temp_dir = tempfile.TemporaryDirectory(prefix="ecomops-import-")
    work = Path(temp_dir.name)
    source = Source(original=path, file_name=name, file_hash="", format="csv", path=path, temp_dir=temp_dir)
    try:
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
        source.path = _excel_to_csv(book, work / "sheet.csv", source)
        source.encoding = "xlsx"
        _sniff_text_layout(source)
        return
    _prepare_text(path, gzipped, head, work, source, report, hash_during_check)
    _sniff_text_layout(source)


def _decompressed(path: Path, target: Path) -> Path:
    with gzip.open(path, "rb") as src, open(target, "wb") as dst:
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
    valid, source.has_quotes, digest = _is_valid_utf8(path, gzipped, report, hash_blocks=hash_during_check)
    if digest:
        source.file_hash = digest
    if valid:
        source.encoding = "utf-8-sig" if bom else "utf-8"
        if gzipped or bom:
            # DuckDB would keep the BOM in the first header; write a clean copy (also decompresses).
            source.path = _transcode(path, gzipped, "utf-8-sig", work / "utf8.csv", report)
        return
    try:
        source.path = _transcode(path, gzipped, "gb18030", work / "utf8.csv", report)
    except UnicodeDecodeError as exc:
        raise IngestError(
            f"The file is neither UTF-8 nor GB18030/GBK text (undecodable bytes at offset {exc.start}). "
            "Save it from Excel as 'CSV UTF-8' and upload it again.") from exc
    source.encoding = "gb18030"
    source.notes.append("transcoded from GB18030/GBK to UTF-8")


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


def _is_valid_utf8(path: Path, gzipped: bool, report: Progress, hash_blocks: bool = True) -> tuple[bool, bool, str]:
    """Return (the whole file is valid UTF-8, it contains a double quote, its SHA-256 when not gzipped and
    ``hash_blocks``; else "")."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    digest = hashlib.sha256() if not gzipped and hash_blocks else None
    total = max(path.stat().st_size, 1)
    done = 0
    quotes = False
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
                    decoder.decode(block, final=False)
                quotes = quotes or b'"' in block
                done += len(block)
                report(min(0.1, 0.1 * done / total), "Checking the encoding")
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False, True, ""
        finally:
            if pending is not None:
                pending.result()
    return True, quotes, digest.hexdigest() if digest is not None else ""


def _transcode(path: Path, gzipped: bool, encoding: str, target: Path, report: Progress) -> Path:
    """Decode the file in chunks with an incremental decoder and write UTF-8 (no BOM); return the target."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    total = max(path.stat().st_size, 1)
    done = 0
    first = True
    with open(target, "w", encoding="utf-8", newline="") as out:
        for block in _chunks(path, gzipped):
            text = decoder.decode(block, final=False)
            if first and text:
                text = text.lstrip("\ufeff")
                first = False
            out.write(text)
            done += len(block)
            report(min(0.15, 0.15 * done / total), f"Converting {encoding.upper()} to UTF-8")
        out.write(decoder.decode(b"", final=True))
    return target


def _excel_to_csv(book: Path, target: Path, source: Source) -> Path:
    """Write the first non-empty sheet of a workbook as a UTF-8 CSV; return its path."""
    try:
        from python_calamine import CalamineWorkbook

        workbook = CalamineWorkbook.from_path(str(book))
    except Exception as exc:  # calamine raises its own error types for damaged or non-Excel zips
        raise IngestError(f"This workbook cannot be read ({exc}). Open it in Excel and save it as .xlsx or CSV.") from exc
    for sheet_name in workbook.sheet_names:
        rows = workbook.get_sheet_by_name(sheet_name).to_python(skip_empty_area=True)
        if any(any(str(c).strip() for c in row) for row in rows):
            with open(target, "w", encoding="utf-8", newline="") as out:
                writer = csv.writer(out)
                for row in rows:
                    writer.writerow([_cell_text(c) for c in row])
            if len(workbook.sheet_names) > 1:
                source.notes.append(f"read sheet {sheet_name!r} (the first with data)")
            return target
    raise IngestError("The workbook has no data in any sheet.")


def _cell_text(value: object) -> str:
    # Excel stores every number as a float: an id typed as 17850 arrives as 17850.0.
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    return "" if value is None else str(value)


HEAD_CHARS = 256 * 1024


def _sniff_text_layout(source: Source) -> None:
    """Set delimiter, header names and lines to skip from the first lines of the UTF-8 file."""
    with open(source.path, "r", encoding="utf-8", newline="") as handle:
        sample = handle.read(HEAD_CHARS)
    source.head_is_whole = len(sample) < HEAD_CHARS
    lines = sample.splitlines()
    if not any(line.strip() for line in lines):
        raise IngestError("The file holds no text (only blank lines).")
    if lines and lines[0].strip().lower().startswith("sep=") and len(lines[0].strip()) == 5:
        source.delimiter = lines[0].strip()[4]
        source.skip_lines = 1
        sample = sample.split("\n", 1)[1] if "\n" in sample else ""
    else:
        source.delimiter = sniff_delimiter(sample)
    source.head = sample
    reader = csv.reader(io.StringIO(sample), delimiter=source.delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise IngestError("The file has no header row.") from exc
    source.headers = clean_headers(header)
    if not any(h for h in header if h.strip()):
        raise IngestError("The first row is empty: the file needs a header row naming the columns.")


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
