"""kill -9 of a command-line import in the middle of loading a large file: the database opens afterwards with its
previous data intact and no trace of the partial import."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb

from ecomops import db
from tests.ingest_support import ORDERS_HEADER, SEED_ROWS, checksums, write_csv

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BIG_LINES = 2_000_000


def _big_orders_csv(path: Path, lines: int) -> Path:
    duckdb.connect().execute(f"""
        COPY (SELECT 'K' || (i // 3) AS order_id, TIMESTAMP '2024-01-01' + INTERVAL (i % 86400) SECOND AS order_date,
                     'u' || ((i // 3) % 50000) AS customer_id, 'SKU' || (i % 997) AS sku, 'Item ' || (i % 997) AS product_name,
                     1 + i % 4 AS qty, round(5 + (i % 300) / 7.0, 2) AS unit_price, 'paid' AS status
              FROM range({lines}) t(i)) TO '{path}' (HEADER, DELIMITER ',')""")
    return path


def test_kill_9_mid_load_leaves_previous_data_intact(tmp_path: Path) -> None:
    db_path = tmp_path / "shop.duckdb"
    seed = write_csv(tmp_path / "seed.csv", ORDERS_HEADER, SEED_ROWS)
    subprocess.run([sys.executable, "-m", "ecomops", "import", str(seed), "--db", str(db_path), "--no-progress",
                    "--currency", "CNY"],
                   cwd=PROJECT_ROOT, check=True, capture_output=True, timeout=120)
    con = db.connect(db_path)
    before = checksums(con)
    db.close(db_path)

    big = _big_orders_csv(tmp_path / "big.csv", BIG_LINES)
    proc = subprocess.Popen([sys.executable, "-m", "ecomops", "import", str(big), "--db", str(db_path)],
                            cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seen = bytearray()

    def pump() -> None:
        while True:
            chunk = proc.stderr.read1(4096) if hasattr(proc.stderr, "read1") else proc.stderr.read(1)
            if not chunk:
                return
            seen.extend(chunk)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    deadline = time.time() + 120
    while b"Writing" not in seen and proc.poll() is None and time.time() < deadline:
        time.sleep(0.01)
    assert b"Writing" in seen, f"the import never reached the load step: {bytes(seen)[-500:]!r}"
    time.sleep(0.3)  # well inside the load of 2M lines
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the import finished before it could be killed: make the file bigger"

    con = db.connect(db_path)  # opens (replaying the WAL if any) with the previous data only
    try:
        assert checksums(con) == before
        assert con.execute("SELECT count(*) FROM orders WHERE order_id LIKE 'K%'").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM imports").fetchone()[0] == 1
    finally:
        db.close(db_path)
