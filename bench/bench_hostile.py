"""Hostile files at full size (issue 18, "bounded inputs"): exit code, message, time, peak memory, database unchanged.

Each file is imported with the ``import`` command in a child process (peak memory = the largest resident size of
that process and of the processes it started, e.g. the workbook converter); the workbook is also opened by the
Upload page's ``preview`` in a child, as the server would. The target is under 2 GB for each.

    python bench/bench_hostile.py            # builds the files in bench/out/hostile/ (about 5 minutes)
    python bench/bench_hostile.py gzip       # only the cases whose label contains "gzip"
"""
from __future__ import annotations

import gzip
import json
import subprocess
import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import OUT, PROJECT_ROOT, machine  # noqa: E402

WORK = OUT / "hostile"
HEADER = "order_id,order_date,customer_id,sku,product_name,qty,unit_price,status\n"

CHILD = """
import json, resource, sys, time
from ecomops import db
from ecomops.__main__ import main

def state(path):
    con = db.connect(path)
    names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()]
    out = {n: con.execute(f"SELECT count(*), coalesce(bit_xor(hash(t)), 0) FROM {n} t").fetchone() for n in names}
    db.close(path)
    return json.dumps(out, sort_keys=True, default=str)

mode, file, path = sys.argv[1], sys.argv[2], sys.argv[3]
before = state(path)
started = time.perf_counter()
message = ""
if mode == "import":
    import io, contextlib
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()) as out:
        rc = main(["import", file, "--db", path, "--no-progress"])
    message = (err.getvalue() or out.getvalue()).strip().splitlines()
    message = message[0] if message else ""
else:
    from ecomops.ingest import IngestError, preview
    try:
        preview(file)
        rc = 0
    except IngestError as exc:
        rc, message = 2, str(exc)
seconds = time.perf_counter() - started
peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print("BENCH " + json.dumps({"rc": rc, "seconds": seconds, "peak_mb": peak / 1024, "message": message,
                             "unchanged": state(path) == before}))
"""


def shared_strings_workbook(path: Path, strings: int = 60_000_000) -> None:
    """A workbook whose shared-string table holds ``strings`` distinct entries (~21 MB zipped)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as book:
        book.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                      'package/2006/content-types"/>')
        book.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                      'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                      'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        book.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/'
                      'spreadsheetml/2006/main"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
        with book.open("xl/sharedStrings.xml", "w", force_zip64=True) as handle:
            handle.write(f'<?xml version="1.0"?><sst count="{strings}" uniqueCount="{strings}">'.encode())
            chunk = 1_000_000
            for start in range(0, strings, chunk):
                handle.write("".join(f"<si><t>{i}</t></si>" for i in range(start, min(start + chunk, strings))).encode())
            handle.write(b"</sst>")
        book.writestr("xl/worksheets/sheet1.xml", '<?xml version="1.0"?><worksheet><sheetData><row r="1"><c r="A1" '
                      't="s"><v>0</v></c></row></sheetData></worksheet>')


def lying_workbook(path: Path, strings: int = 60_000_000) -> None:
    """60M copies of one short string (~21 MB zipped, like the tester's file) whose header claims uniqueCount=1."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as book:
        book.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                      'package/2006/relationships"/>')
        with book.open("xl/sharedStrings.xml", "w", force_zip64=True) as handle:
            handle.write(b'<?xml version="1.0"?><sst count="1" uniqueCount="1">')
            block = b"<si><t>x</t></si>" * 1_000_000
            for _ in range(strings // 1_000_000):
                handle.write(block)
            handle.write(b"</sst>")
        book.writestr("xl/worksheets/sheet1.xml", '<?xml version="1.0"?><worksheet><sheetData/></worksheet>')


def large_legit_workbook(path: Path, rows: int = 200_000) -> None:
    """A real order export as a workbook (200k lines x 8 columns), for the converter's normal peak."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER.strip().split(","))
    for i in range(rows):
        sheet.append([f"O{i // 3}", "2024-03-05 14:02:00", f"c{i % 5000}", f"S{i % 700}", f"Product {i % 700}",
                      1 + i % 3, 9.5 + i % 40, "paid"])
    book.save(path)


def gzip_one_line(path: Path, gigabytes: float = 4.0) -> None:
    block = b"x" * (16 * 1024 * 1024)
    with gzip.open(path, "wb", compresslevel=9) as handle:
        handle.write(HEADER.encode())
        for _ in range(int(gigabytes * 1024 ** 3 / len(block))):
            handle.write(block)


def gzip_ratio_bomb(path: Path, gigabytes: float = 4.0) -> None:
    row = b"O1,2024-03-05,c1,S1,P,1,9.5,paid\n"
    block = row * (16 * 1024 * 1024 // len(row))
    with gzip.open(path, "wb", compresslevel=9) as handle:
        handle.write(HEADER.encode())
        for _ in range(int(gigabytes * 1024 ** 3 / len(block))):
            handle.write(block)


def amount_1e308(path: Path) -> None:
    path.write_text(HEADER + "H1,2024-03-05,c1,S1,P,1,1e308,paid\nH2,2024-03-05,c1,S1,P,1,10,paid\n")


def mixed_encoding(path: Path, rows: int = 2_000_000) -> None:
    with open(path, "wb") as out:
        out.write(HEADER.encode())
        body = "".join(f"M{i},2024-03-05,c1,S1,Café crème,1,3.5,paid\n" for i in range(rows)).encode("utf-8")
        out.write(body)
        out.write("M-last,2024-03-05,c1,S1,Café crème,1,3.5,paid\n".encode("latin-1"))


def broken_sep(path: Path) -> None:
    path.write_text('sep="\n' + HEADER + "S1,2024-03-05,c1,S1,P,1,9.5,paid\n")


def run(mode: str, file: Path, db_path: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, mode, str(file), str(db_path)], cwd=PROJECT_ROOT,
                          capture_output=True, text=True)
    line = next((l for l in done.stdout.splitlines() if l.startswith("BENCH ")), None)
    if line is None:
        return {"rc": done.returncode, "seconds": 0, "peak_mb": 0, "message": done.stderr[-300:], "unchanged": None}
    return json.loads(line[6:])


def main() -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}")
    db_path = WORK / "store.duckdb"
    if not db_path.exists():
        seed = WORK / "seed.csv"
        seed.write_text(HEADER + "S1,2024-01-05,c1,P1,Mug,2,10,completed\n")
        subprocess.run([sys.executable, "-m", "ecomops", "import", str(seed), "--db", str(db_path), "--currency", "CNY",
                        "--no-progress"], cwd=PROJECT_ROOT, check=True, capture_output=True)
    cases = [
        ("xlsx, 60M shared strings", "strings.xlsx", shared_strings_workbook, ("import", "preview")),
        ("xlsx, 60M one-letter strings, uniqueCount=1", "lying.xlsx", lying_workbook, ("import", "preview")),
        ("xlsx, 200k legit lines (converter's normal peak)", "legit.xlsx", large_legit_workbook, ("preview",)),
        ("gzip, one 4 GB line", "line.csv.gz", gzip_one_line, ("import",)),
        ("gzip, 4 GB of short lines", "ratio.csv.gz", gzip_ratio_bomb, ("import",)),
        ("unit price 1e308", "huge.csv", amount_1e308, ("import",)),
        ("UTF-8, 2M rows then one Latin-1 row", "mixed.csv", mixed_encoding, ("import",)),
        ("first line sep=\"", "sep.csv", broken_sep, ("import",)),
    ]
    print(f"{'file':<48} {'size':>9} {'mode':<8} {'exit':>4} {'seconds':>8} {'peak MB':>8}  unchanged  message")
    only = sys.argv[1] if len(sys.argv) > 1 else ""
    for label, name, build, modes in cases:
        if only and only not in label:
            continue
        path = WORK / name
        if not path.exists():
            build(path)
        size = path.stat().st_size / 1024 ** 2
        for mode in modes:
            got = run(mode, path, db_path)
            print(f"{label:<48} {size:>7.1f}MB {mode:<8} {got['rc']:>4} {got['seconds']:>8.1f} {got['peak_mb']:>8.0f}  "
                  f"{str(got['unchanged']):<9}  {got['message'][:110]}")


if __name__ == "__main__":
    main()
