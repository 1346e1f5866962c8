"""Hostile and broken inputs (issue 18, "bounded inputs"): each is refused early with one clear line and exit code 2
(or 1 for invalid rows), and the database is exactly as before. Peak memory for the full-size versions (a 60M
shared-string workbook, a gzip expanding to 4 GB) is measured by bench/bench_hostile.py, not here.
"""
from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest

from ecomops import db
from ecomops.__main__ import main
from ecomops.ingest import IngestError, import_file, preview, sniff, tempfiles
from tests.ingest_support import ORDERS_HEADER, SEED_ROWS, checksums, write_csv

PROJECT_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def store(tmp_path: Path):
    """A database file holding the seed orders (CNY), and its checksums."""
    path = tmp_path / "shop.duckdb"
    seed = write_csv(tmp_path / "seed.csv", ORDERS_HEADER, SEED_ROWS)
    assert main(["import", str(seed), "--db", str(path), "--no-progress", "--currency", "CNY"]) == 0
    con = db.connect(path)
    yield path, con, checksums(con)
    db.close(path)


def _refused(capsys, store, file: Path, *extra: str, code: int = 2) -> str:
    path, con, before = store
    capsys.readouterr()
    got = main(["import", str(file), "--db", str(path), "--no-progress", *extra])
    out = capsys.readouterr()
    assert got == code, (out.out, out.err)
    if code == 2:
        assert out.err.count("\n") == 1 and out.err.startswith("error: "), out.err  # one line, no traceback
    assert checksums(con) == before
    return out.err + out.out


def _workbook(path: Path, shared_strings: int) -> Path:
    """Write a minimal valid .xlsx whose sheet uses ``shared_strings`` distinct strings (one per row)."""
    strings = "".join(f"<si><t>s{i}</t></si>" for i in range(shared_strings))
    rows = "".join(f'<row r="{i + 1}"><c r="A{i + 1}" t="s"><v>{i}</v></c></row>' for i in range(shared_strings))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                      'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
                      '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
                      'officedocument.spreadsheetml.sheet.main+xml"/></Types>')
        book.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/'
                      'spreadsheetml/2006/main"><sheets><sheet name="S" sheetId="1"/></sheets></workbook>')
        book.writestr("xl/sharedStrings.xml", f'<?xml version="1.0"?><sst count="{shared_strings}" '
                      f'uniqueCount="{shared_strings}">{strings}</sst>')
        book.writestr("xl/worksheets/sheet1.xml", f'<?xml version="1.0"?><worksheet><dimension ref="A1:A'
                      f'{shared_strings}"/><sheetData>{rows}</sheetData></worksheet>')
    return path


def test_workbook_with_too_many_shared_strings_is_refused_before_reading(store, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sniff, "XLSX_MAX_SHARED_STRINGS", 1_000)
    book = _workbook(tmp_path / "many_strings.xlsx", 2_000)
    message = _refused(capsys, store, book)
    assert "2,000 distinct text values (more than 1,000)" in message
    with pytest.raises(IngestError, match="distinct text values"):  # the Upload page's preview too
        preview(book)


def test_workbook_that_expands_too_far_is_refused(store, tmp_path, capsys):
    book = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", "<row/>" * 20_000_000)  # 120 MB of XML in ~120 KB
    message = _refused(capsys, store, book)
    assert "expands" in message and "fold" in message


def test_workbook_conversion_runs_with_a_memory_cap(tmp_path, monkeypatch):
    # A child process converts workbooks under a memory cap; a cap below what even a tiny workbook needs makes the
    # child fail (an allocation failure ends it), and the import says so in one line.
    from openpyxl import Workbook

    monkeypatch.setattr(sniff, "XLSX_MEMORY_BYTES", 1024 ** 2)
    workbook = Workbook()
    workbook.active.append(["order_id", "order_date"])
    workbook.active.append(["A1", "2024-03-01"])
    book = tmp_path / "small.xlsx"
    workbook.save(book)
    with pytest.raises(IngestError, match="memory"):
        preview(book)


def test_gzip_bomb_is_refused_while_streaming(store, tmp_path, capsys):
    bomb = tmp_path / "orders.csv.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as handle:
        handle.write(b"order_id,order_date\n")
        block = b"O1,2024-03-01\n" * (4 * 1024 * 1024 // 14)
        for _ in range(64):  # 256 MB of short lines in ~1 MB
            handle.write(block)
    assert bomb.stat().st_size < 2 * 1024 * 1024
    message = _refused(capsys, store, bomb)
    assert "expands more than 100-fold" in message
    # One endless line inside a gzip is stopped by the line length first.
    line = tmp_path / "line.csv.gz"
    with gzip.open(line, "wb", compresslevel=9) as handle:
        handle.write(b"order_id,order_date\n")
        for _ in range(8):
            handle.write(b"x" * (4 * 1024 * 1024))
    assert "longer than 16 MB" in _refused(capsys, store, line)


def test_a_line_longer_than_16_mb_is_refused(store, tmp_path, capsys):
    long = tmp_path / "long.csv"
    with open(long, "wb") as handle:
        handle.write(b"order_id,order_date\n")
        for _ in range(5):
            handle.write(b"y" * (4 * 1024 * 1024))
    assert "longer than 16 MB" in _refused(capsys, store, long)


def test_amount_above_a_sane_bound_is_rejected(store, tmp_path, capsys):
    rows = [["H1", "2024-03-01", "c1", "P1", "Mug", "1", "1e308", "paid"],
            ["H2", "2024-03-01", "c1", "P1", "Mug", "1", "10.00", "paid"]]
    message = _refused(capsys, store, write_csv(tmp_path / "huge.csv", ORDERS_HEADER, rows), code=1)
    assert "unit_price" in message and "too large" in message
    # With --skip-invalid the sane row goes in, and the KPIs stay valid JSON.
    path, con, _ = store
    assert main(["import", str(tmp_path / "huge.csv"), "--db", str(path), "--no-progress", "--skip-invalid"]) == 0
    capsys.readouterr()
    assert main(["kpis", "--db", str(path), "--json"]) == 0
    import json

    assert json.loads(capsys.readouterr().out)["gmv"] == pytest.approx(25 + 12 + 10)


def test_a_latin1_row_in_a_utf8_file_is_refused_with_its_row(store, tmp_path, capsys):
    lines = [",".join(ORDERS_HEADER)] + [f"E{i},2024-03-01,c1,P1,Café crème,1,3.50,paid" for i in range(1, 8)]
    data = ("\n".join(lines[:5]) + "\n").encode("utf-8") + (lines[5] + "\n").encode("latin-1") + \
        ("\n".join(lines[6:]) + "\n").encode("utf-8")
    path = tmp_path / "mixed.csv"
    path.write_bytes(data)
    message = _refused(capsys, store, path)
    assert "mixes encodings" in message and "row 6" in message


def test_a_latin1_file_is_read_as_windows_1252_not_gb18030(tmp_path):
    lines = [",".join(ORDERS_HEADER)] + [f"L{i},2024-03-01,c1,P{i},Crème brûlée,1,3.50,paid" for i in range(1, 4)]
    path = tmp_path / "latin1.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("cp1252"))
    con = db.connect_memory()
    result = import_file(con, path)
    assert result.status == "imported" and result.encoding == "cp1252"
    assert con.execute("SELECT DISTINCT title FROM products").fetchall() == [("Crème brûlée",)]


@pytest.mark.parametrize("first_line", ['sep="', "sep=ab", "sep=\t\t"])
def test_a_broken_sep_line_is_a_clear_error(store, tmp_path, capsys, first_line):
    path = tmp_path / "sep.csv"
    path.write_text(first_line + "\n" + ",".join(ORDERS_HEADER) + "\nX1,2024-03-01,c1,P1,Mug,1,3,paid\n")
    assert "names no usable delimiter" in _refused(capsys, store, path)


def test_text_keeps_a_leading_tab_or_formula_sign(tmp_path):
    """The importer keeps the original text (downloads neutralise formulas, not the importer)."""
    rows = [["F1", "2024-03-01", "c1", "P1", "\t=HYPERLINK(\"http://x\")", "1", "3", "paid"],
            ["F2", "2024-03-01", "c1", "P2", "=1+1", "1", "3", "paid"],
            ["F3", "2024-03-01", "c1", "P3", "@SUM(A1)", "1", "3", "paid"],
            ["F4", "2024-03-01", "c1", "=\"P4\"", "  Mug  ", "1", "3", "paid"]]
    con = db.connect_memory()
    assert import_file(con, write_csv(tmp_path / "formulas.csv", ORDERS_HEADER, rows)).status == "imported"
    titles = dict(con.execute("SELECT product_id, title FROM products").fetchall())
    assert titles == {"P1": '\t=HYPERLINK("http://x")', "P2": "=1+1", "P3": "@SUM(A1)", "P4": "Mug"}


def test_two_imports_at_once_are_queued_not_a_transaction_error(tmp_path):
    con = db.connect_memory()
    files = [write_csv(tmp_path / f"q{n}.csv", ORDERS_HEADER,
                       [[f"Q{n}-{i}", "2024-03-01", f"c{i}", "P1", "Mug", "1", "3", "paid"] for i in range(20_000)])
             for n in (1, 2)]
    barrier = threading.Barrier(2)
    results, errors, waited = {}, [], []

    def run(n: int, path: Path) -> None:
        barrier.wait()
        try:
            results[n] = import_file(con, path, progress=lambda f, m: waited.append(m) if "Waiting" in m else None)
        except Exception as exc:  # noqa: BLE001 - the test reports any error
            errors.append(repr(exc))

    threads = [threading.Thread(target=run, args=(n, p)) for n, p in enumerate(files, start=1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and {r.status for r in results.values()} == {"imported"}
    assert con.execute("SELECT count(*) FROM orders").fetchone()[0] == 40_000
    assert waited  # the second one said it waited


def test_temp_folders_of_a_killed_import_are_removed_on_the_next_start(tmp_path, store):
    """kill -9 during the GB18030 conversion leaves its folder; the next import (any process) removes it."""
    temp_root = tmp_path / "tmp"
    temp_root.mkdir()
    big = tmp_path / "gbk.csv"
    row = "订单号,下单时间,客户,商品编码,商品名称,数量,单价\n"
    body = "".join(f"G{i},2024-03-05 10:00,张三,B1,保温杯,2,59\n" for i in range(600_000))
    big.write_bytes((row + body).encode("gb18030"))
    path, con, before = store
    db.close(path)
    env = dict(os.environ, TMPDIR=str(temp_root))
    proc = subprocess.Popen([sys.executable, "-m", "ecomops", "import", str(big), "--db", str(path), "--no-progress"],
                            cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline and not list(temp_root.glob("ecomops-import-*/utf8.csv")):
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    left = list(temp_root.glob("ecomops-import-*"))
    assert left, "the import was not killed during its conversion"
    removed = tempfiles.sweep(root=temp_root, force=True)  # what the next import does first
    assert sorted(removed) == sorted(str(p) for p in left) and not list(temp_root.glob("ecomops-import-*"))
    # A folder of a live process is kept.
    alive = tempfiles.new_dir()
    assert str(alive.name) not in tempfiles.sweep(force=True)
    alive.cleanup()
    con = db.connect(path)
    assert checksums(con) == before
