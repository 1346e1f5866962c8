"""The ``import`` and ``imports`` commands: exit codes, one-line errors, --json, --map, --rejects, --dry-run, undo."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from ecomops import db
from ecomops.__main__ import main
from tests.ingest_support import ORDERS_HEADER, write_csv


@pytest.fixture
def db_path(tmp_path: Path):
    path = tmp_path / "new" / "shop.duckdb"  # the folder does not exist either
    yield path
    db.close(path)


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_exit_codes_json_rejects_and_undo(tmp_path: Path, db_path: Path, capsys) -> None:
    rows = [["C1", "2024-01-02", "u1", "S1", "Cup", "2", "3.5", "paid"],
            ["C2", "2024-01-02", "u2", "S1", "Cup", "0", "3.5", "paid"]]
    path = write_csv(tmp_path / "o.csv", ORDERS_HEADER, rows)
    # A new store whose file names no currency: the command asks for it once (issue 15), one line, exit 2.
    code, _, err = _run(capsys, "import", path, "--db", db_path, "--json")
    assert code == 2 and err.count("\n") == 1 and "--currency" in err
    code, out, _ = _run(capsys, "import", path, "--db", db_path, "--json", "--currency", "CNY")
    assert code == 1
    summary = json.loads(out)
    assert (summary["rows_read"], summary["rows_imported"], summary["rows_rejected"], summary["import_id"]) == (2, 0, 1, None)
    assert db_path.exists()  # created with its schema

    code, out, _ = _run(capsys, "import", path, "--db", db_path, "--dry-run", "--no-progress", "--currency", "CNY")
    assert code == 1 and out.startswith("Dry run: 1 of 2 rows valid as Orders")

    rejects = tmp_path / "rejects.csv"
    code, out, _ = _run(capsys, "import", path, "--db", db_path, "--skip-invalid", "--rejects", rejects, "--json",
                        "--currency", "CNY")
    assert code == 0
    summary = json.loads(out)
    assert summary["rows_imported"] == 1 and summary["import_id"] == 1
    frame = pd.read_csv(rejects, dtype=str)
    assert frame[["row", "order_id", "reason"]].values.tolist() == [["3", "C2", "quantity: is 0"]]

    code, out, _ = _run(capsys, "import", path, "--db", db_path, "--skip-invalid", "--no-progress")
    assert code == 0 and "already imported on" in out

    code, out, _ = _run(capsys, "imports", "--db", db_path)
    assert code == 0 and "#1" in out and "o.csv" in out
    code, out, _ = _run(capsys, "imports", "--db", db_path, "--undo", "1")
    assert code == 0 and out.startswith("Undid import #1")
    code, _, err = _run(capsys, "imports", "--db", db_path, "--undo", "1")
    assert code == 2 and err.strip() == "error: Import #1 was already undone."


def test_cli_one_line_errors(tmp_path: Path, db_path: Path, capsys) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    code, out, err = _run(capsys, "import", empty, "--db", db_path, "--no-progress")
    assert code == 2 and err.count("\n") == 1 and "empty" in err
    code, _, err = _run(capsys, "import", tmp_path / "missing.csv", "--db", db_path)
    assert code == 2 and "no such file" in err
    path = write_csv(tmp_path / "x.csv", ["a", "b"], [["1", "2"]])
    code, _, err = _run(capsys, "import", path, "--db", db_path, "--kind", "nonsense")
    assert code == 2 and "unknown kind" in err


def test_cli_map_and_presets(tmp_path: Path, db_path: Path, capsys) -> None:
    path = write_csv(tmp_path / "odd.csv", ["单号", "时间点", "谁", "什么", "几个", "每个"],
                     [["M1", "2024-02-03 10:00", "w1", "Lamp", "1", "20"]])
    args = ["--map", "order_id=单号", "--map", "order_ts=时间点", "--map", "customer_id=谁", "--map", "product_name=什么",
            "--map", "quantity=几个", "--map", "unit_price=每个"]
    code, out, _ = _run(capsys, "import", path, "--db", db_path, "--kind", "orders", *args, "--save-preset", "odd",
                        "--no-progress", "--currency", "CNY")
    assert code == 0, out
    other = write_csv(tmp_path / "odd2.csv", ["单号", "时间点", "谁", "什么", "几个", "每个"],
                      [["M2", "2024-02-04 10:00", "w2", "Lamp", "3", "20"]])
    code, out, _ = _run(capsys, "import", other, "--db", db_path, "--preset", "odd", "--no-progress")
    assert code == 0, out
    con = db.connect(db_path)
    assert con.execute("SELECT order_id, customer_id FROM orders ORDER BY 1").fetchall() == [("M1", "w1"), ("M2", "w2")]


def test_non_contiguous_lines_of_one_order_keep_file_order(tmp_path: Path) -> None:
    from ecomops.ingest import import_file

    con = db.connect_memory()
    rows = [["N1", "2024-01-01", "u1", "A", "a", "1", "1", "paid"],
            ["N2", "2024-01-01", "u2", "B", "b", "1", "2", "paid"],
            ["N1", "2024-01-01", "u1", "C", "c", "1", "3", "paid"]]
    result = import_file(con, write_csv(tmp_path / "nc.csv", ORDERS_HEADER, rows))
    assert result.status == "imported"
    assert con.execute("SELECT order_id, line_no, product_id FROM order_items ORDER BY 1, 2").fetchall() == [
        ("N1", 1, "A"), ("N1", 2, "C"), ("N2", 1, "B")]


def test_import_command_loads_only_its_own_module(tmp_path: Path) -> None:
    """A scripted import starts in a fraction of a second: no chart, model or UI libraries are loaded."""
    import subprocess
    import sys

    csv_path = write_csv(tmp_path / "one.csv", ORDERS_HEADER, [["Q1", "2024-01-02", "u1", "S1", "Cup", "1", "3", "paid"]])
    code = ("import sys\nfrom ecomops.__main__ import main\n"
            f"rc = main(['import', {str(csv_path)!r}, '--db', {str(tmp_path / 'x.duckdb')!r}, '--json', '--currency', "
            "'CNY'])\n"
            "print(rc, sorted(m for m in ('plotly', 'sklearn', 'streamlit') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).parents[1])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "0 []"
    assert json.loads(done.stdout.strip().splitlines()[0])["rows_imported"] == 1
