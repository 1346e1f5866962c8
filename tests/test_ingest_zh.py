"""A refused or partly invalid import in Simplified Chinese: the command line (``--lang zh``) and the Upload page's
report (``uploads.problems_frame``) say what is wrong, on which rows and how to fix it in Chinese; ``--json`` stays
English (machine output). Checked with ecomops.i18n.visible (field and column names, file paths and command-line
options are names, not prose)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from ecomops import db
from ecomops.__main__ import main
from ecomops.i18n import use_locale
from ecomops.i18n.visible import assert_clean
from ecomops.ingest import IngestError, import_file, uploads
from tests.ingest_support import ORDERS_HEADER, write_csv

# Names a message quotes as they are: command-line options and the status codes they take.
OPTIONS = ["--currency GBP", "--fx-rate", "--skip-invalid", "--status", "--map", "completed", "unpaid", "paid",
           "shipped", "cancelled", "returned", "generic", "utf-8"]


@pytest.fixture
def db_path(tmp_path: Path):
    path = tmp_path / "shop.duckdb"
    yield path
    db.close(path)


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def _orders(tmp_path: Path) -> Path:
    rows = [["C1", "2024-01-02", "u1", "S1", "Cup", "2", "3.5", "paid"],
            ["C2", "2024-01-02", "u2", "S1", "Cup", "0", "3.5", "paid"],
            ["C3", "2024-13-45", "u3", "S1", "Cup", "1", "abc", "paid"]]
    return write_csv(tmp_path / "o.csv", ORDERS_HEADER, rows)


def test_cli_refusals_and_the_validation_report_in_chinese(tmp_path, db_path, capsys):
    path = _orders(tmp_path)
    # a new store and a file naming no currency: refused with one line saying what to do
    code, _, err = _run(capsys, "--lang", "zh", "import", path, "--db", db_path)
    assert "正在读取文件" in err  # the progress bar speaks Chinese too
    assert code == 2 and "金额是什么币种" in err and "--currency GBP" in err
    assert_clean([err.rsplit("\r", 1)[-1]], "zh_CN", data=OPTIONS)  # the last line (before it: the progress bar)
    # a dry run with invalid rows: each problem with its field and column, rows, values and the fix
    code, out, _ = _run(capsys, "--lang", "zh", "import", path, "--db", db_path, "--dry-run", "--no-progress",
                        "--currency", "CNY")
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "试运行：按订单，3 行中有 1 行有效。"
    problems = [line for line in lines if line.startswith("问题：")]
    assert "问题：quantity（列“qty”）：为 0——共 1 行，例如 第 3 行（'0'）。数量为 0 的明细没有卖出任何东西；请删除该行或更正数量。" in problems
    assert any(line.startswith("问题：unit_price（列“unit_price”）：不是金额——共 1 行，例如 第 4 行（'abc'）。")
               for line in problems)
    assert any("不是日期" in line and "第 4 行" in line for line in problems)
    names = ["quantity", "qty", "unit_price", "order_ts", "'abc'", "'2024-13-45'", "1.234,50", "CNY"]
    # the date-format lines (日期) are not translated yet; the mapping line lists column names
    assert_clean([line for line in lines if not line.startswith(("类型：", "被拒绝的行", "日期："))], "zh_CN",
                 data=names + OPTIONS)
    # --json is machine output: English, whatever the language
    code, out, _ = _run(capsys, "--lang", "zh", "import", path, "--db", db_path, "--dry-run", "--json",
                        "--currency", "CNY")
    errors = json.loads(out)["errors"]
    assert any(e.startswith("quantity (column 'qty'): is 0 — 1 row, e.g. row 3 ('0').") for e in errors)


def test_refused_files_in_chinese(tmp_path, db_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    header_only = write_csv(tmp_path / "header.csv", ORDERS_HEADER, [])
    con = db.connect(db_path)
    with use_locale("zh_CN"):
        with pytest.raises(IngestError, match="文件是空的（0 字节）。请重新导出数据。"):
            import_file(con, empty, dry_run=True, currency="CNY")
        with pytest.raises(IngestError, match="文件有表头行，但没有数据行。"):
            import_file(con, header_only, dry_run=True, currency="CNY")
    with pytest.raises(IngestError, match="The file is empty"):  # English by default
        import_file(con, empty, dry_run=True, currency="CNY")


def test_upload_page_report_in_chinese(tmp_path, db_path):
    con = db.connect(db_path)
    with use_locale("zh_CN"):
        result = import_file(con, _orders(tmp_path), dry_run=True, currency="CNY")
        report = uploads.problems_frame(result)
        summary = result.summary()
    assert list(report.columns) == ["字段", "问题", "行数", "示例行", "如何修正"]
    row = report.set_index("问题").loc["为 0"]
    assert (row["字段"], row["行数"], row["示例行"]) == ("quantity（列“qty”）", "1", "第 3 行（'0'）")
    assert row["如何修正"] == "数量为 0 的明细没有卖出任何东西；请删除该行或更正数量。"
    assert summary == "试运行：按订单，3 行中有 1 行有效。"
    assert_clean(report.to_numpy().ravel().tolist() + [summary], "zh_CN",
                 data=["quantity", "qty", "unit_price", "order_ts", "'abc'", "'2024-13-45'", "1.234,50"])
