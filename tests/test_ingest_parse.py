"""Number/date parsing, delimiter sniffing, kind detection and mapping, presets, and the real shared exports."""
from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from ecomops import db
from ecomops.ingest import import_file, propose
from ecomops.ingest import parse
from ecomops.ingest.detect import parse_map_arguments
from ecomops.ingest.presets import list_presets, load_preset, save_preset
from ecomops.ingest import sniff
from ecomops.ingest.sniff import sniff_delimiter
from tests.ingest_support import write_csv

CON = duckdb.connect()


def _value(expr: str, text: str):
    return CON.execute(f"SELECT {expr} FROM (SELECT ? AS x)", [text]).fetchone()[0]


@pytest.mark.parametrize("text,decimal_comma,expected", [
    ("¥1,234.50", False, 1234.5), ("$12.00", False, 12.0), ("1.234,50", True, 1234.5), ("12,5", True, 12.5),
    ("(12.00)", False, -12.0), ("12%", False, 0.12), ("RMB 30", False, 30.0), ("30元", False, 30.0),
    ("￥ 8.8", False, 8.8), ("1 234,5", True, 1234.5), ("abc", False, None), ("nan", False, None),
    ("inf", False, None), ("1-2", False, None),
])
def test_numbers(text, decimal_comma, expected) -> None:
    got = _value(parse.number_sql(parse.clean_text("x"), decimal_comma), text)
    assert got == (pytest.approx(expected) if expected is not None else None)


@pytest.mark.parametrize("text,day_first,expected", [
    ("2024-03-05", False, datetime(2024, 3, 5)), ("2024/3/5 14:02", False, datetime(2024, 3, 5, 14, 2)),
    ("05.03.2024", False, datetime(2024, 3, 5)), ("20240305", False, datetime(2024, 3, 5)),
    ("45356.5", False, datetime(2024, 3, 5, 12)), ("2025-05-11 09:55:16 -0400", False, datetime(2025, 5, 11, 9, 55, 16)),
    ("2024年3月5日 14:02", False, datetime(2024, 3, 5, 14, 2)), ("3/5/2024", False, datetime(2024, 3, 5)),
    ("3/5/2024", True, datetime(2024, 5, 3)), ("05-Mar-2024", False, datetime(2024, 3, 5)),
    ("2024-03-05T14:02:00Z", False, datetime(2024, 3, 5, 14, 2)), ("12/1/2010 8:26", False, datetime(2010, 12, 1, 8, 26)),
    ("soon", False, None),
])
def test_dates(text, day_first, expected) -> None:
    assert _value(parse.timestamp_sql(parse.clean_text("x"), day_first), text) == expected


@pytest.mark.parametrize("text,expected", [("17850.0", "17850"), ('="3012345678901234567"', "3012345678901234567"),
                                           ("'0012", "0012"), ("A-17.5", "A-17.5")])
def test_ids(text, expected) -> None:
    assert _value(parse.id_sql(parse.clean_text("x")), text) == expected


def test_statuses() -> None:
    expr = parse.status_sql("x")
    # Unpaid is its own status now (METRICS.md: stored, never a sale); Amazon's long words are one word each.
    words = ("交易成功", "交易关闭", "等待买家付款", "Partially Refunded", "fulfilled", "Shipped - Delivered to Buyer",
             "买家已付款，等待卖家发货", "Pending", "invoiced", "??")
    assert [_value(expr, s) for s in words] == [
        "completed", "cancelled", "unpaid", "returned", "shipped", "completed", "paid", "unpaid", "paid", None]


def test_day_first_is_detected_from_the_column() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT * FROM (VALUES ('3/5/2024'), ('25/12/2024')) v(c0)")
    assert parse.detect_styles(con, "t", ["c0"], {"c0": {"timestamp"}})["c0"].day_first
    con.execute("CREATE TABLE u AS SELECT * FROM (VALUES ('3/5/2024'), ('4/6/2024')) v(c0)")
    assert parse.detect_styles(con, "u", ["c0"], {"c0": {"timestamp"}})["c0"].ambiguous_dates


@pytest.mark.parametrize("sample,expected", [("a,b,c\n1,2,3\n", ","), ("a;b;c\n1,5;2;3\n", ";"), ("a\tb\n1\t2\n", "\t"),
                                             ("a|b\n1|2\n", "|"), ('a,b\n"x;y",2\n', ",")])
def test_delimiter(sample, expected) -> None:
    assert sniff_delimiter(sample) == expected


def test_known_layouts_are_detected(shared_data: Path) -> None:
    with open(shared_data / "shopify_admin_orders_export_devstore.csv", encoding="utf-8") as handle:
        shopify = propose(next(csv.reader(handle)))
    assert (shopify.kind, shopify.profile) == ("orders", "shopify_orders")
    assert shopify.mapping["order_id"] == "Name" and shopify.mapping["unit_price"] == "Lineitem price"
    assert "line_total" not in shopify.mapping  # Total is the order total on the first row only
    retail = propose(["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID",
                      "Country"])
    assert (retail.kind, retail.profile, retail.options["cancelled_prefix"]) == ("orders", "uci_online_retail", "C")
    taobao = propose(["订单编号", "买家会员名", "订单付款时间", "宝贝标题", "购买数量", "实际单价", "买家实际支付金额", "订单状态"])
    assert (taobao.kind, taobao.profile) == ("orders", "taobao_orders")
    assert taobao.mapping == {"order_id": "订单编号", "order_ts": "订单付款时间", "customer_id": "买家会员名",
                              "product_name": "宝贝标题", "quantity": "购买数量", "unit_price": "实际单价",
                              "line_total": "买家实际支付金额", "status": "订单状态"}


@pytest.mark.parametrize("headers,kind", [
    (["customer_id", "signup_date", "membership_tier", "city"], "customers"),
    (["sku", "title", "category", "price", "cost"], "products"),
    (["date", "sku", "on_hand", "warehouse"], "inventory"),
    (["日期", "渠道", "终端", "访客数", "浏览量"], "traffic"),
    (["date", "channel", "campaign", "audience", "spend", "impressions", "clicks", "attributed_gmv"], "ad_spend"),
    (["日期", "搜索词", "搜索人数", "点击人数", "成交金额"], "keywords"),
    (["review_id", "sku", "rating", "review_text", "created_at"], "reviews"),
    (["date", "sku", "competitor", "price", "promotion"], "competitor_prices"),
    (["supplier_id", "supplier_name", "country", "sku", "role", "lead_time"], "suppliers"),
])
def test_every_kind_is_detected(headers, kind) -> None:
    proposal = propose(headers)
    assert proposal.kind == kind and not proposal.missing_required


def test_map_arguments() -> None:
    headers = ["a", "b", "c+d"]
    assert parse_map_arguments(["x=a", "y=a+b", "z=c+d", "w="], headers) == {"x": "a", "y": ["a", "b"], "z": "c+d",
                                                                             "w": ""}
    with pytest.raises(ValueError):
        parse_map_arguments(["nonsense"], headers)


def test_user_mapping_and_presets(tmp_path: Path) -> None:
    con = db.connect_memory()
    path = write_csv(tmp_path / "odd.csv", ["单号", "when", "who", "what", "n", "each"],
                     [["Z1", "2024-01-02", "u1", "Cup", "2", "3.5"]])
    mapping = {"order_id": "单号", "order_ts": "when", "customer_id": "who", "product_name": "what",
               "quantity": "n", "unit_price": "each"}
    result = import_file(con, path, kind="orders", mapping=mapping)
    assert result.status == "imported" and result.rows_imported == 1
    save_preset(con, "odd shop", "orders", result.mapping, result.options)
    kind, saved, options = load_preset(con, "odd shop")
    assert kind == "orders" and saved == result.mapping
    assert list_presets(con)["name"].tolist() == ["odd shop"]
    with pytest.raises(ValueError, match="not in the file"):
        import_file(con, path, kind="orders", mapping={"order_id": "nope"}, force=True)


def test_shopify_export_matches_an_independent_sum(shared_data: Path) -> None:
    path = shared_data / "shopify_admin_orders_export_devstore.csv"
    with open(path, encoding="utf-8") as handle:
        lines = list(csv.DictReader(handle))
    # Orders whose payment is still pending are unpaid (METRICS.md): not sales. Order-level fields are on the first line.
    pending = {r["Name"] for r in lines if r["Financial Status"] == "pending"}
    assert pending == {"#1013"}
    expected_gmv = sum(int(r["Lineitem quantity"]) * float(r["Lineitem price"]) for r in lines if r["Name"] not in pending)
    con = db.connect_memory()
    result = import_file(con, path)
    assert result.status == "imported" and result.rows_imported == len(lines) == 40
    assert con.execute("SELECT count(*) FROM orders").fetchone()[0] == len({r["Name"] for r in lines}) == 19
    got = con.execute("SELECT sum(quantity * unit_price) FROM order_items i JOIN orders o USING (order_id) "
                      "WHERE o.status IN ('paid', 'shipped', 'completed', 'returned') AND i.quantity > 0").fetchone()[0]
    assert got == pytest.approx(expected_gmv)
    # Order-level fields come from the order's first row; line numbers follow the file.
    first = lines[0]
    assert con.execute("SELECT source_status, channel FROM orders WHERE order_id = $o", {"o": first["Name"]}).fetchone() \
        == (first["Financial Status"], first["Source"])
    assert con.execute("SELECT list(product_id ORDER BY line_no) FROM order_items WHERE order_id = '#1001'").fetchone()[0] \
        == [r["Lineitem name"] for r in lines if r["Name"] == "#1001"]
    buyers = {r["Email"] for r in lines if r["Email"]}
    assert con.execute("SELECT count(DISTINCT customer_id) FROM orders").fetchone()[0] == len(buyers)


def test_online_shoppers_sessions(shared_data: Path) -> None:
    con = db.connect_memory()
    result = import_file(con, shared_data / "online_shoppers_intention.csv")
    assert (result.kind, result.status, result.rows_imported) == ("traffic_sessions", "imported", 12330)
    assert con.execute("SELECT count(*), count(*) FILTER (WHERE purchased) FROM traffic_sessions").fetchone() == (12330, 1908)
    raw = CON.execute(f"SELECT sum(Administrative + Informational + ProductRelated), count(*) FILTER (WHERE Month = 'June')"
                      f" FROM read_csv('{shared_data / 'online_shoppers_intention.csv'}')").fetchone()
    assert con.execute("SELECT sum(pages_viewed), count(*) FILTER (WHERE month = 'Jun') FROM traffic_sessions").fetchone() \
        == (raw[0], raw[1])


@pytest.mark.parametrize("tail, valid", [
    ("é,1\n" + "x,2\n" * 10, True),  # a 2-byte character split across the block boundary, ASCII after it
    ("中,1\n", True),  # a 3-byte character split across the boundary
    ("\xe9,1\n", False),  # Latin-1 é after an ASCII block: not UTF-8 (the file gets transcoded)
    # A lead byte closing one block, a block of ASCII, then a lone continuation byte: the open character must
    # not be completed across the ASCII block that was skipped.
    ("\xc3" + "x" * 64 + "\xa9,1\n", False),
])
def test_encoding_check_across_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tail: str,
                                      valid: bool) -> None:
    """The ASCII fast path of the UTF-8 check keeps a character split over two blocks and sees invalid bytes."""
    monkeypatch.setattr(sniff, "CHUNK", 64)
    head = "name,qty\n" + "a,1\n" * 13 + "ab"  # 63 bytes of ASCII before the tail starts
    raw = head.encode() + (tail.encode("latin-1") if not valid else tail.encode("utf-8"))  # latin-1: bytes as written
    path = tmp_path / "split.csv"
    path.write_bytes(raw)
    assert len(head) == 63  # the first non-ASCII character starts on the last byte of the first 64-byte block
    ok, quotes, digest = sniff._is_valid_utf8(path, False, lambda _f, _m: None)
    assert ok is valid
    assert quotes is (not valid)  # an invalid file reports "may have quotes" (it is transcoded before reading)
    if valid:
        import hashlib
        assert digest == hashlib.sha256(raw).hexdigest()


def test_new_products_take_the_first_name_and_known_products_stay(tmp_path: Path) -> None:
    """Products met in an orders file are added once, titled by their first named valid line; known ones stay."""
    con = db.connect_memory()
    con.execute("INSERT INTO products (product_id, title, category) VALUES ('KNOWN', 'Catalogue title', 'Kitchen')")
    header = ["order_id", "order_date", "customer_id", "sku", "product_name", "qty", "unit_price", "status"]
    rows = [["X1", "2024-01-01", "c1", "P1", "", "1", "5", "paid"],  # no name on the first line
            ["X1", "2024-01-01", "c1", "P1", "First name", "1", "5", "paid"],
            ["X2", "2024-01-02", "c2", "P1", "Second name", "1", "5", "paid"],
            ["X3", "2024-01-02", "c2", "KNOWN", "Export title", "1", "5", "paid"],
            ["X4", "2024-01-03", "c3", "P2", "Bad line", "0", "5", "paid"],  # quantity 0: rejected
            ["X5", "2024-01-03", "c3", "P2", "Good line", "1", "5", "paid"]]
    result = import_file(con, write_csv(tmp_path / "p.csv", header, rows), accept_valid=True)
    assert result.status == "imported" and result.inserted["products"] == 2
    assert con.execute("SELECT product_id, title, category FROM products ORDER BY product_id").fetchall() == [
        ("KNOWN", "Catalogue title", "Kitchen"), ("P1", "First name", "Uncategorised"),
        ("P2", "Good line", "Uncategorised")]
