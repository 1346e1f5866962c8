"""A corpus of malformed and awkward files, generated here: each asserts the exact outcome of the import, and that a
rejected import leaves every table (and the data version) exactly as before."""
from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd
import pytest

from ecomops.ingest import IngestError, import_file
from tests.ingest_support import ORDERS_HEADER, checksums, gmv, seeded_db, write_csv

H = ORDERS_HEADER
SEED_GMV = 2 * 10 + 5 + 3 * 4  # S1 (25) + S3 (12); S2 is cancelled


def rows(n: int, start: int = 100, **over) -> list[list[str]]:
    """Return n valid one-line orders O<start>.. with 2 units at 12.50 each."""
    out = []
    for i in range(n):
        row = {"order_id": f"O{start + i}", "order_date": "2024-03-05 14:02:00", "customer_id": f"c{i % 7}",
               "sku": f"K{i % 5}", "product_name": f"Item {i % 5}", "qty": "2", "unit_price": "12.50",
               "status": "paid"}
        row.update(over)
        out.append([row[h] for h in H])
    return out


@dataclass
class Case:
    name: str
    build: Callable[[Path], Path]
    status: str | None = None  # imported | rejected | already_imported | dry_run ; None -> IngestError expected
    error: str = ""  # substring of the IngestError, or of a problem description
    imported: int | None = None
    rejected: int | None = None
    kwargs: dict = field(default_factory=dict)
    check: Callable | None = None


def _file(name: str, data: bytes) -> Callable[[Path], Path]:
    def build(tmp: Path) -> Path:
        path = tmp / name
        path.write_bytes(data)
        return path
    return build


def _csv(name: str, header=H, body=None, **kw) -> Callable[[Path], Path]:
    return lambda tmp: write_csv(tmp / name, header, body if body is not None else rows(3), **kw)


def _check_sql(sql: str, expected) -> Callable:
    def check(con, result):
        got = con.execute(sql).fetchall()
        assert got == expected, (sql, got)
    return check


def _xlsx(tmp: Path) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Order ID", "Order Date", "Customer ID", "SKU", "Product Name", "Qty", "Unit Price"])
    sheet.append(["X1", pd.Timestamp("2024-03-05 14:02").to_pydatetime(), 17850, "A1", "Lamp", 2, 9.5])
    sheet.append(["X2", pd.Timestamp("2024-03-06 09:00").to_pydatetime(), 17851, "A2", "Bulb", 1, 3.25])
    path = tmp / "orders.xlsx"
    book.save(path)
    return path


def _parquet(tmp: Path) -> Path:
    frame = pd.DataFrame({"sku": ["P9", "P8"], "title": ["Kettle", "Teapot"], "category": ["Kitchen", "Kitchen"],
                          "price": [39.9, 25.0]})
    path = tmp / "products.parquet"
    frame.to_parquet(path)
    return path


def _taobao(tmp: Path) -> Path:
    header = ["订单编号", "买家会员名", "订单付款时间", "宝贝标题", "购买数量", "实际单价", "买家实际支付金额", "订单状态"]
    body = [
        ['="3012345678901234567"', "小明", "2024-03-05 14:02:11", "保温杯 500ml", "2", "¥59.00", "118.00", "交易成功"],
        ['="3012345678901234568"', "小红", "2024/3/6 9:15", "杯套", "1", "¥9.90", "9.90", "交易关闭"],
        ['="3012345678901234569"', "小刚", "", "刷子", "1", "¥5.00", "5.00", "等待买家付款"],
        ['="3012345678901234570"', "小明", "2024-03-07 20:00:00", "保温杯 500ml", "1", "¥59.00", "59.00",
         "卖家已发货，等待买家确认"],
    ]
    # The unpaid order has no payment time: give the report its creation-time column too.
    header.insert(2, "订单创建时间")
    for row, created in zip(body, ["2024-03-05 14:00:00", "2024-03-06 09:10:00", "2024-03-06 10:00:00",
                                   "2024-03-07 19:58:00"]):
        row.insert(2, created)
    return write_csv(tmp / "淘宝订单报表.csv", header, body, encoding="gb18030", newline="\r\n")


def _utf16(tmp: Path) -> Path:
    text = "\t".join(H) + "\r\n" + "\r\n".join("\t".join(r) for r in rows(2)) + "\r\n"
    path = tmp / "unicode.txt"
    path.write_bytes(text.encode("utf-16"))
    return path


def _ten_percent_bad(tmp: Path) -> Path:
    body = rows(100)
    for i in range(0, 100, 10):
        body[i][H.index("qty")] = "abc"
    return write_csv(tmp / "ten_percent_bad.csv", H, body)


CASES = [
    Case("clean_utf8", _csv("clean.csv"), "imported", imported=3,
         check=lambda con, r: pytest.approx(gmv(con)) == SEED_GMV + 3 * 25),
    Case("utf8_bom", lambda t: write_csv(t / "bom.csv", H, rows(2), encoding="utf-8-sig"), "imported", imported=2,
         check=_check_sql("SELECT count(*) FROM orders WHERE order_id IN ('O100', 'O101')", [(2,)])),
    Case("gb18030_chinese_headers",
         lambda t: write_csv(t / "gbk.csv", ["订单号", "下单时间", "客户", "商品编码", "商品名称", "数量", "单价"],
                             [["G1", "2024-03-05 10:00", "张三", "B1", "保温杯", "2", "59"],
                              ["G2", "2024-03-05 11:00", "李四", "B2", "杯套", "1", "9.9"]], encoding="gb18030"),
         "imported", imported=2,
         check=_check_sql("SELECT title FROM products WHERE product_id IN ('B1', 'B2') ORDER BY product_id",
                          [("保温杯",), ("杯套",)])),
    Case("gb18030_four_byte_chars",
         lambda t: write_csv(t / "gb4.csv", H, rows(1, product_name="𠀀 杯子", sku="Z9"), encoding="gb18030"),
         "imported", imported=1, check=_check_sql("SELECT title FROM products WHERE product_id = 'Z9'", [("𠀀 杯子",)])),
    Case("semicolon_decimal_comma", _csv("eu.csv", body=rows(2, unit_price="12,50"), delimiter=";"), "imported",
         imported=2, check=_check_sql("SELECT DISTINCT unit_price FROM order_items WHERE order_id = 'O100'", [(12.5,)])),
    Case("tab_separated", _csv("tabs.tsv", delimiter="\t"), "imported", imported=3),
    Case("pipe_separated", _csv("pipes.txt", delimiter="|"), "imported", imported=3),
    Case("quoted_newlines", _csv("multiline.csv", body=rows(2, product_name="Mug\nwith lid", sku="NL")), "imported",
         imported=2, check=_check_sql("SELECT title FROM products WHERE product_id = 'NL'", [("Mug\nwith lid",)])),
    Case("ragged_rows", _file("ragged.csv", (",".join(H) + "\n" + ",".join(rows(1)[0]) + "\n"
                                             + ",".join(rows(1, 200)[0][:5]) + "\n"
                                             + ",".join(rows(1, 300)[0]) + ",surplus\n").encode()),
         "rejected", error="fewer fields", rejected=2,
         check=lambda con, r: {p.message for p in r.problems} >= {"more fields than the header",
                                                                   "fewer fields than the header"}),
    Case("header_only", _file("header.csv", (",".join(H) + "\n").encode()), None, error="no data rows"),
    Case("empty_file", _file("empty.csv", b""), None, error="empty"),
    Case("binary_named_csv", _file("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4),
         None, error="not a text file"),
    Case("xlsx_workbook", _xlsx, "imported", imported=2,
         check=_check_sql("SELECT customer_id, CAST(order_ts AS VARCHAR) FROM orders WHERE order_id = 'X1'",
                          [("17850", "2024-03-05 14:02:00")])),
    Case("duplicate_order_ids_conflicting_customers",
         _csv("dups.csv", body=rows(2) + [rows(1, 100, customer_id="someone_else")[0]]), "rejected",
         error="disagree on the customer", rejected=2),
    Case("mixed_date_formats",
         _csv("dates.csv", body=[rows(1, 1, order_date=d)[0] for d in
                                 ["2024-03-05", "2024/3/5 14:02", "05.03.2024", "20240305", "45356", "2024年3月5日"]]),
         "imported", imported=6, check=_check_sql("SELECT DISTINCT order_date FROM orders WHERE order_id LIKE 'O_'",
                                                  [(pd.Timestamp("2024-03-05").date(),)])),
    Case("ten_percent_bad_rows", _ten_percent_bad, "rejected", error="not a whole number", rejected=10),
    Case("ten_percent_bad_rows_accept_valid", _ten_percent_bad, "imported", imported=90, rejected=10,
         kwargs={"accept_valid": True},
         check=lambda con, r: len(pd.read_csv(r.rejects_path)) == 10 and "reason" in pd.read_csv(r.rejects_path)),
    Case("column_missing", _csv("noprice.csv", header=H[:6], body=[r[:6] for r in rows(2)]), None,
         error="no column for unit_price"),
    Case("extra_columns", _csv("extra.csv", header=H + ["gift_note", "warehouse_code"],
                               body=[r + ["hi", "W1"] for r in rows(2)]), "imported", imported=2,
         check=lambda con, r: True),
    Case("very_long_text", _csv("long.csv", body=rows(1, product_name="x" * 100_000, sku="LONG")), "imported",
         imported=1, check=_check_sql("SELECT length(title) FROM products WHERE product_id = 'LONG'", [(100_000,)])),
    # One currency written four ways (a file mixing currencies is refused: see currency_mixed_signs).
    Case("currency_symbols", _csv("money.csv", body=[rows(1, 1, unit_price="¥1,234.50")[0],
                                                     rows(1, 2, unit_price="￥12.00")[0],
                                                     rows(1, 3, unit_price="RMB 30")[0],
                                                     rows(1, 4, unit_price="8元")[0]]), "imported", imported=4,
         check=_check_sql("SELECT unit_price FROM order_items WHERE order_id IN ('O1','O2','O3','O4') ORDER BY order_id",
                          [(1234.5,), (12.0,), (30.0,), (8.0,)])),
    Case("currency_mixed_signs", _csv("mixed_money.csv", body=[rows(1, 1, unit_price="¥1,234.50")[0],
                                                               rows(1, 2, unit_price="$12.00")[0]]), None,
         error="mixes currencies (CNY (1 rows), USD (1 rows)"),
    Case("european_thousands", _csv("eu2.csv", delimiter=";", body=[rows(1, 1, unit_price="1.234,50")[0],
                                                                     rows(1, 2, unit_price="2,5")[0]]),
         "imported", imported=2,
         check=_check_sql("SELECT unit_price FROM order_items WHERE order_id IN ('O1','O2') ORDER BY order_id",
                          [(1234.5,), (2.5,)])),
    Case("negative_price", _csv("neg.csv", body=rows(2) + rows(1, 500, unit_price="-3")), "rejected",
         error="negative", rejected=1),
    Case("quantity_zero", _csv("zero.csv", body=rows(2) + rows(1, 500, qty="0")), "rejected", error="is 0", rejected=1),
    Case("future_date", _csv("future.csv", body=rows(2) + rows(1, 500, order_date="2999-01-01")), "rejected",
         error="in the future", rejected=1),
    Case("unknown_status", _csv("status.csv", body=rows(2) + rows(1, 500, status="teleported")), "rejected",
         error="unknown status", rejected=1),
    Case("excel_scientific_ids", _csv("sci.csv", body=rows(1) + rows(1, 500, order_id="3.01235E+18")), "rejected",
         error="scientific notation", rejected=1),
    Case("gzip_csv", lambda t: (t / "o.csv.gz").write_bytes(gzip.compress(
        write_csv(t / "plain.csv", H, rows(4)).read_bytes())) and t / "o.csv.gz", "imported", imported=4),
    Case("utf16_excel_unicode_text", _utf16, "imported", imported=2),
    Case("parquet_products", _parquet, "imported", imported=2,
         check=_check_sql("SELECT title, price FROM products WHERE product_id = 'P9'", [("Kettle", 39.9)])),
    Case("excel_sep_hint_line", _file("sep.csv", ("sep=;\n" + ";".join(H) + "\n" + ";".join(rows(1)[0]) + "\n").encode()),
         "imported", imported=1),
    Case("taobao_order_report", _taobao, "imported", imported=4,
         check=_check_sql("SELECT order_id, status, source_status FROM orders WHERE order_id LIKE '30123%' "
                          "ORDER BY 1", [("3012345678901234567", "completed", "交易成功"),
                                         ("3012345678901234568", "cancelled", "交易关闭"),
                                         ("3012345678901234569", "unpaid", "等待买家付款"),
                                         ("3012345678901234570", "shipped", "卖家已发货，等待买家确认")])),
    Case("float_customer_ids", _csv("floatids.csv", body=rows(1, customer_id="17850.0")), "imported", imported=1,
         check=_check_sql("SELECT customer_id FROM orders WHERE order_id = 'O100'", [("17850",)])),
    Case("duplicate_product_keys",
         lambda t: write_csv(t / "products.csv", ["sku", "title", "category"],
                             [["Q1", "Cup", "Kitchen"], ["Q2", "Lid", "Kitchen"], ["Q1", "Cup again", "Kitchen"]]),
         "rejected", error="duplicate in the file", rejected=1),
    Case("whitespace_and_blank_lines", _file("ws.csv", (",".join(H) + "\n" + "  O900 ,2024-03-05, c1 ,K1, Mug ,2,"
                                                        "12.50,paid\n\n" + "O901,2024-03-05,c1,K1,Mug,1,12.50,paid\n"
                                                        ).encode()),
         "imported", imported=2, check=_check_sql("SELECT order_id, customer_id FROM orders WHERE order_id LIKE 'O90%' "
                                                  "ORDER BY 1", [("O900", "c1"), ("O901", "c1")])),
    Case("unclosed_quote", _file("quote.csv", (",".join(H) + "\n" + ",".join(rows(1)[0]) + "\n"
                                               + 'O7,2024-03-05,c1,K1,"Mug,2,12.50,paid\n'
                                               + ",".join(rows(1, 800)[0]) + "\n").encode()),
         "rejected", error="unclosed quote"),
    Case("all_rows_invalid_accept_valid", _csv("allbad.csv", body=rows(3, qty="many")), "rejected", rejected=3,
         kwargs={"accept_valid": True}),
    Case("missing_required_values", _csv("blanks.csv", body=rows(2) + rows(1, 600, order_id="")), "rejected",
         error="): missing", rejected=1),
    Case("guest_orders_are_valid", _csv("guests.csv", body=rows(2, customer_id="")), "imported", imported=2,
         check=_check_sql("SELECT count(*) FROM orders WHERE order_id IN ('O100','O101') AND customer_id IS NULL",
                          [(2,)])),
    Case("kind_forced_but_wrong", _csv("wrongkind.csv"), None, error="Cannot import as traffic",
         kwargs={"kind": "traffic"}),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus(case: Case, tmp_path: Path) -> None:
    con = seeded_db(tmp_path)
    before = checksums(con)
    path = case.build(tmp_path)
    if case.status is None:
        with pytest.raises(IngestError) as info:
            import_file(con, path, **case.kwargs)
        assert case.error.lower() in str(info.value).lower()
        assert checksums(con) == before
        return
    result = import_file(con, path, **case.kwargs)
    assert result.status == case.status, (result.status, result.errors)
    if case.error:
        assert any(case.error in e for e in result.errors), result.errors
    if case.imported is not None:
        assert result.rows_imported == case.imported
    if case.rejected is not None:
        assert result.rows_rejected == case.rejected
    if result.status == "rejected":
        assert result.import_id is None
        assert checksums(con) == before
        if result.rows_rejected:
            rejects = pd.read_csv(result.rejects_path, dtype=str, keep_default_na=False)
            assert len(rejects) == result.rows_rejected and rejects["reason"].str.len().min() > 0
    else:
        assert checksums(con)["data_version"] != before["data_version"]
    if case.check is not None:
        assert case.check(con, result) is not False


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 30


def test_reimport_same_file_is_recognised_and_never_duplicates(tmp_path: Path) -> None:
    con = seeded_db(tmp_path)
    path = write_csv(tmp_path / "again.csv", H, rows(5))
    first = import_file(con, path)
    after_first = checksums(con)
    second = import_file(con, path)
    assert second.status == "already_imported"
    assert second.previous_import["import_id"] == first.import_id
    assert "already imported on" in second.summary()
    assert checksums(con) == after_first
    forced = import_file(con, path, force=True)
    assert forced.status == "imported" and forced.updated["orders"] == 5
    assert con.execute("SELECT count(*) FROM orders WHERE order_id LIKE 'O1%'").fetchone()[0] == 5
    assert con.execute("SELECT count(*) FROM order_items WHERE order_id LIKE 'O1%'").fetchone()[0] == 5


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    con = seeded_db(tmp_path)
    before = checksums(con)
    result = import_file(con, write_csv(tmp_path / "dry.csv", H, rows(4)), dry_run=True)
    assert result.status == "dry_run" and result.rows_valid == 4 and result.ok
    assert checksums(con) == before


def test_problem_report_names_rows_values_and_advice(tmp_path: Path) -> None:
    con = seeded_db(tmp_path)
    body = rows(6)
    body[2][H.index("unit_price")] = "twelve"
    body[4][H.index("unit_price")] = "?"
    result = import_file(con, write_csv(tmp_path / "bad.csv", H, body))
    assert result.status == "rejected"
    [problem] = result.problems
    assert problem.field == "unit_price (column 'unit_price')"
    assert problem.message == "not an amount" and problem.rows == 2
    assert problem.examples == [{"row": 4, "value": "twelve"}, {"row": 6, "value": "?"}]
    assert "12.50" in problem.hint
