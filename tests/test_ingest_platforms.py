"""Real export layouts in, exact numbers out (issue 15): one small file per platform, written here from the platform's
documented columns (Shopify, WooCommerce's Customer/Order CSV Export, Amazon Seller Central's All Orders report and
its sales report, eBay's Seller Hub orders report, Olist's four files, Taobao/Tmall's order report and 宝贝报表, JD,
Pinduoduo, Douyin shop, Youzan; Chinese ones in GB18030 as their Excel exports are) and a Taobao/Tianchi behaviour
log without a header. Each test asserts the detected kind, layout and mapping, and the orders, valid orders,
cancellations, GMV, buyers and repurchase rate worked out by hand in the test (METRICS.md: valid = paid, shipped,
completed or returned; GMV = quantity x unit price over valid orders' lines; repurchase = buyers with 2+ valid
orders / buyers).
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from ecomops import config, db
from ecomops.ingest import import_file, import_files
from ecomops.ingest.statuses import set_status_words


def write(path: Path, header: list[str], rows: list[list], encoding: str = "utf-8", delimiter: str = ",",
          before: str = "", after: str = "", newline: str = "\n") -> Path:
    """Write a CSV as the platform does (any encoding, delimiter, lines before the header or after the data)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    writer.writerow(header)
    writer.writerows([[("" if v is None else str(v)) for v in row] for row in rows])
    path.write_bytes((before + buffer.getvalue() + after).encode(encoding))
    return path


def figures(con) -> dict:
    """Return the checked figures over the whole store, read through the one valid-order rule (migration 870)."""
    orders, valid, cancelled, unpaid = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE is_valid), count(*) FILTER (WHERE status = 'cancelled'), "
        "count(*) FILTER (WHERE status = 'unpaid') FROM orders_classified").fetchone()
    gmv = con.execute("SELECT coalesce(sum(gmv), 0) FROM order_lines").fetchone()[0]
    buyers, repeat = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE n >= 2) FROM (SELECT customer_id, count(*) AS n FROM valid_orders "
        "WHERE customer_id IS NOT NULL GROUP BY 1)").fetchone()
    return {"orders": orders, "valid": valid, "cancelled": cancelled, "unpaid": unpaid, "gmv": round(gmv, 2),
            "buyers": buyers, "repurchase": round(repeat / buyers, 4) if buyers else None}


def check(result, kind: str, profile: str, mapping: dict, expected: dict, con) -> None:
    assert result.status == "imported", (result.status, result.errors, result.notices)
    assert (result.kind, result.profile) == (kind, profile)
    for field_name, column in mapping.items():
        assert result.mapping.get(field_name) == column, (field_name, result.mapping)
    assert figures(con) == expected


# ------------------------------------------------------------------------------------------------------- Shopify

SHOPIFY = ["Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at", "Accepts Marketing",
           "Currency", "Subtotal", "Shipping", "Taxes", "Total", "Discount Code", "Discount Amount", "Shipping Method",
           "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem compare at price",
           "Lineitem sku", "Lineitem requires shipping", "Lineitem taxable", "Lineitem fulfillment status",
           "Billing Name", "Billing City", "Billing Country", "Cancelled at", "Payment Method", "Refunded Amount",
           "Id", "Tags", "Source"]


def _shopify_row(name, email, fin, paid, ful, created, qty, item, price, sku, cancelled="", first=True):
    if not first:  # Shopify writes an order's fields on its first line only
        return [name, email, "", "", "", "", "", "", "", "", "", "", "", "", "", created, qty, item, price, "", sku,
                "true", "true", ful, "", "", "", "", "", "", "", "", ""]
    return [name, email, fin, paid, ful, "", "no", "USD", "", "0.00", "0.00", "", "", "0.00", "Standard", created,
            qty, item, price, "", sku, "true", "true", ful, "Ann Lee", "Boston", "US", cancelled, "Shopify Payments",
            "0.00", "55" + name[1:], "", "web"]


def test_shopify(tmp_path: Path) -> None:
    rows = [
        _shopify_row("#1001", "a@x.com", "paid", "2024-03-01 10:05:00 -0500", "fulfilled", "2024-03-01 10:00:00 -0500",
                     2, "Mug", "10.00", "MUG-1"),
        _shopify_row("#1001", "a@x.com", "", "", "fulfilled", "2024-03-01 10:00:00 -0500", 1, "Sleeve", "5.00",
                     "SLV-1", first=False),
        _shopify_row("#1002", "b@x.com", "pending", "", "unfulfilled", "2024-03-02 09:00:00 -0500", 1, "Lamp", "30.00",
                     "LMP-1"),
        _shopify_row("#1003", "a@x.com", "refunded", "2024-03-03 11:00:00 -0500", "fulfilled",
                     "2024-03-03 11:00:00 -0500", 1, "Vase", "20.00", "VAS-1"),
        _shopify_row("#1004", "c@x.com", "voided", "", "unfulfilled", "2024-03-04 12:00:00 -0500", 1, "Cup", "15.00",
                     "CUP-1", cancelled="2024-03-04 13:00:00 -0500"),
        _shopify_row("#1005", "", "paid", "2024-03-05 08:00:00 -0500", "unfulfilled", "2024-03-05 08:00:00 -0500", 3,
                     "Brush", "4.00", "BRS-1"),
        _shopify_row("#1006", "b@x.com", "partially_refunded", "2024-03-06 08:00:00 -0500", "fulfilled",
                     "2024-03-06 08:00:00 -0500", 1, "Rug", "50.00", "RUG-1"),
    ]
    con = db.connect_memory()
    result = import_file(con, write(tmp_path / "orders_export.csv", SHOPIFY, rows))
    # Valid: #1001 (2x10 + 5 = 25), #1003 refunded = returned (20), #1005 guest (12), #1006 partially refunded (50).
    # #1002 pending = unpaid; #1004 voided and cancelled. Buyers a@ (#1001, #1003) and b@ (#1006): 1 of 2 repeats.
    check(result, "orders", "shopify_orders",
          {"order_id": "Name", "customer_id": "Email", "status": "Financial Status", "unit_price": "Lineitem price",
           "quantity": "Lineitem quantity", "currency": "Currency"},
          {"orders": 6, "valid": 4, "cancelled": 1, "unpaid": 1, "gmv": 107.0, "buyers": 2, "repurchase": 0.5}, con)
    assert config.store_currency(con) == "USD" and result.currency == "USD"
    # The shop's local time as written (the store has no time zone to convert to).
    assert con.execute("SELECT CAST(order_ts AS VARCHAR) FROM orders WHERE order_id = '#1001'").fetchone()[0] == \
        "2024-03-01 10:00:00"


# --------------------------------------------------------------------------------------------------- WooCommerce

WOO = ["order_id", "order_number", "order_date", "status", "shipping_total", "shipping_tax_total", "fee_total",
       "tax_total", "discount_total", "order_total", "refunded_total", "order_currency", "payment_method",
       "shipping_method", "customer_id", "billing_first_name", "billing_last_name", "billing_email", "billing_phone",
       "billing_country", "shipping_country", "customer_note", "item_id", "item_product_id", "item_name", "item_sku",
       "item_quantity", "item_subtotal", "item_total", "item_refunded", "item_refunded_qty"]


def _woo(order, date, status, customer, email, item, sku, qty, total):
    return [order, order, date, status, "5.00", "0.00", "0.00", "0.00", "0.00", total, "0.00", "EUR", "stripe",
            "Flat rate", customer, "Ann", "Lee", email, "", "DE", "DE", "", 1000 + order, 50, item, sku, qty, total,
            total, "0.00", 0]


def test_woocommerce(tmp_path: Path) -> None:
    rows = [_woo(101, "2024-03-05 14:02:11", "completed", 5, "ann@x.de", "Beanie", "woo-beanie", 2, "36.00"),
            _woo(101, "2024-03-05 14:02:11", "completed", 5, "ann@x.de", "Cap", "woo-cap", 1, "18.00"),
            _woo(102, "2024-03-06 09:00:00", "processing", 0, "guest@x.de", "Hoodie", "woo-hoodie", 1, "45.00"),
            _woo(103, "2024-03-06 10:00:00", "on-hold", 7, "bob@x.de", "Scarf", "woo-scarf", 1, "20.00"),
            _woo(104, "2024-03-07 10:00:00", "cancelled", 5, "ann@x.de", "Belt", "woo-belt", 1, "10.00"),
            _woo(105, "2024-03-08 10:00:00", "completed", 5, "ann@x.de", "Beanie", "woo-beanie", 3, "30.00"),
            _woo(106, "2024-03-09 10:00:00", "refunded", 7, "bob@x.de", "Poster", "woo-poster", 1, "25.00"),
            _woo(107, "2024-03-09 11:00:00", "failed", 8, "cy@x.de", "Sticker", "woo-sticker", 1, "12.00")]
    con = db.connect_memory()
    result = import_file(con, write(tmp_path / "orders-2024-03.csv", WOO, rows))
    # Valid: 101 (36 + 18), 102 guest (customer_id 0 = no account: 45), 105 (30), 106 refunded = returned (25).
    # 103 on-hold = unpaid; 104 cancelled, 107 failed. Buyers 5 (101, 105) and 7 (106).
    check(result, "orders", "woocommerce_orders",
          {"order_id": "order_id", "line_total": "item_total", "quantity": "item_quantity", "customer_id": "customer_id",
           "status": "status", "product_id": "item_sku"},
          {"orders": 7, "valid": 4, "cancelled": 2, "unpaid": 1, "gmv": 154.0, "buyers": 2, "repurchase": 0.5}, con)
    assert con.execute("SELECT customer_id FROM orders WHERE order_id = '102'").fetchone()[0] is None
    assert config.store_currency(con) == "EUR"


# -------------------------------------------------------------------------------------------------------- Amazon

AMAZON_ALL_ORDERS = ["amazon-order-id", "merchant-order-id", "purchase-date", "last-updated-date", "order-status",
                     "fulfillment-channel", "sales-channel", "order-channel", "url", "ship-service-level",
                     "product-name", "sku", "asin", "item-status", "quantity", "currency", "item-price", "item-tax",
                     "shipping-price", "shipping-tax", "gift-wrap-price", "gift-wrap-tax", "item-promotion-discount",
                     "ship-promotion-discount", "ship-city", "ship-state", "ship-postal-code", "ship-country",
                     "promotion-ids", "is-business-order", "purchase-order-number", "price-designation"]


def _amz(order, when, status, name, sku, item_status, qty, price):
    return [order, "", when, when, status, "Amazon", "Amazon.com", "", "", "Standard", name, sku, "B0" + sku,
            item_status, qty, "USD" if price else "", price, "0.00" if price else "", "", "", "", "", "", "", "Austin",
            "TX", "78701", "US", "", "false", "", ""]


def test_amazon_all_orders_report(tmp_path: Path) -> None:
    rows = [_amz("111-0000001-0000001", "2024-03-01T18:53:56+00:00", "Shipped", "Truffles", "TRF1", "Shipped", 1,
                 "19.99"),
            _amz("111-0000001-0000001", "2024-03-01T18:53:56+00:00", "Shipped", "Cocoa", "COC1", "Shipped", 2, "30.00"),
            _amz("111-0000002-0000002", "2024-03-02T08:00:00+00:00", "Pending", "Cocoa", "COC1", "Unshipped", 1,
                 "12.00"),
            # A cancelled line: quantity 0 and no amount (kept as a cancellation).
            _amz("111-0000003-0000003", "2024-03-02T09:00:00+00:00", "Cancelled", "Truffles", "TRF1", "Cancelled", 0,
                 ""),
            _amz("111-0000004-0000004", "2024-03-03T10:00:00+00:00", "Shipped", "Mints", "MNT1", "Shipped", 1,
                 "25.50"),
            _amz("111-0000005-0000005", "2024-03-04T11:00:00+00:00", "Shipping", "Mints", "MNT1", "Unshipped", 1,
                 "10.00")]
    con = db.connect_memory()
    result = import_file(con, write(tmp_path / "All Orders.txt", AMAZON_ALL_ORDERS, rows, delimiter="\t"))
    # item-price is the line's amount (2 x 15.00 = 30.00). Valid: -01 (19.99 + 30.00), -04 (25.50), -05 (10.00).
    # -02 Pending = unpaid, -03 cancelled. The report has no customer: no buyers.
    check(result, "orders", "amazon_all_orders",
          {"order_id": "amazon-order-id", "line_total": "item-price", "status": "order-status", "quantity": "quantity"},
          {"orders": 5, "valid": 3, "cancelled": 1, "unpaid": 1, "gmv": 85.49, "buyers": 0, "repurchase": None}, con)
    assert con.execute("SELECT quantity, unit_price FROM order_items WHERE order_id = '111-0000003-0000003'"
                       ).fetchall() == [(0, 0.0)]
    assert "event_ts" not in result.date_formats


AMAZON_SALE_REPORT = ["index", "Order ID", "Date", "Status", "Fulfilment", "Sales Channel ", "ship-service-level",
                      "Style", "SKU", "Category", "Size", "ASIN", "Courier Status", "Qty", "currency", "Amount",
                      "ship-city", "ship-state", "ship-postal-code", "ship-country", "promotion-ids", "B2B",
                      "fulfilled-by"]


def test_amazon_sales_report_with_two_digit_years(tmp_path: Path) -> None:
    rows = [[0, "405-8078784-5731545", "04-30-22", "Cancelled", "Merchant", "Amazon.in", "Standard", "SET389",
             "SET389-KR-NP-S", "Set", "S", "B09KXVBD7Z", "", 0, "INR", "647.62", "MUMBAI", "MAHARASHTRA", "400081",
             "IN", "", "False", "Easy Ship"],
            [1, "171-9198151-1101146", "04-30-22", "Shipped - Delivered to Buyer", "Merchant", "Amazon.in",
             "Standard", "JNE3781", "JNE3781-KR-XXXL", "kurta", "3XL", "B09K3WFS32", "Shipped", 1, "INR", "406.00",
             "BENGALURU", "KARNATAKA", "560085", "IN", "", "False", "Easy Ship"],
            [2, "404-0687676-7273146", "04-30-22", "Shipped", "Amazon", "Amazon.in", "Expedited", "JNE3371",
             "JNE3371-KR-XL", "kurta", "XL", "B07WV4JV4D", "Shipped", 1, "INR", "329.00", "NAVI MUMBAI",
             "MAHARASHTRA", "410210", "IN", "", "True", ""],
            [3, "403-9615377-8133951", "04-29-22", "Cancelled", "Amazon", "Amazon.in", "Expedited", "J0341",
             "J0341-DR-L", "Western Dress", "L", "B099NRCT7B", "", 0, "", "", "PUDUCHERRY", "PUDUCHERRY", "605008",
             "IN", "", "False", ""],
            [4, "407-1069790-7240320", "04-28-22", "Shipped - Returned to Seller", "Merchant", "Amazon.in",
             "Standard", "SET264", "SET264-KR-NP-XL", "Set", "XL", "B08YN7XDSG", "Shipped", 1, "INR", "574.00",
             "CHENNAI", "TAMIL NADU", "600073", "IN", "", "False", "Easy Ship"],
            [5, "408-0373839-4433120", "04-27-22", "Pending", "Amazon", "Amazon.in", "Expedited", "J0230",
             "J0230-SKD-M", "Set", "M", "B08XNJ2LRG", "", 1, "INR", "399.00", "GHAZIABAD", "UTTAR PRADESH", "201102",
             "IN", "", "False", ""],
            [6, "406-7807733-3785945", "04-26-22", "Shipped - Rejected by Buyer", "Merchant", "Amazon.in",
             "Standard", "JNE3405", "JNE3405-KR-S", "kurta", "S", "B081WSCKPQ", "Shipped", 1, "INR", "450.00",
             "KOLKATA", "WEST BENGAL", "700029", "IN", "", "False", "Easy Ship"]]
    con = db.connect_memory()
    result = import_file(con, write(tmp_path / "Amazon Sale Report.csv", AMAZON_SALE_REPORT, rows))
    # 04-30-22 is month-day-2-digit-year (a second part of 30). Valid: delivered (406), shipped (329), returned to
    # seller and rejected by buyer = returned (574 + 450). Two cancellations (one without currency or amount),
    # one pending = unpaid.
    check(result, "orders", "amazon_sale_report", {"order_id": "Order ID", "line_total": "Amount", "quantity": "Qty",
                                                   "status": "Status", "order_ts": "Date"},
          {"orders": 7, "valid": 4, "cancelled": 2, "unpaid": 1, "gmv": 1759.0, "buyers": 0, "repurchase": None}, con)
    assert result.date_formats["order_ts"].startswith("month/day/2-digit year")
    assert con.execute("SELECT min(order_date), max(order_date) FROM orders").fetchone() == (
        pytest.importorskip("datetime").date(2022, 4, 26), pytest.importorskip("datetime").date(2022, 4, 30))
    assert config.store_currency(con) == "INR"


# ---------------------------------------------------------------------------------------------------------- eBay

EBAY = ["Sales Record Number", "Order Number", "Buyer Username", "Buyer Name", "Buyer Email", "Buyer Note",
        "Buyer Address 1", "Buyer City", "Buyer State", "Buyer Zip", "Buyer Country", "Ship To Name", "Item Number",
        "Item Title", "Custom Label", "Sold Via Promoted Listings", "Quantity", "Sold For", "Shipping And Handling",
        "Total Price", "Payment Method", "Sale Date", "Paid On Date", "Ship By Date", "Shipped On Date",
        "Feedback Left", "Tracking Number", "Transaction ID", "Variation Details", "Global Shipping Program"]


def _ebay(record, order, user, item_no, title, qty, sold_for, sale, paid, shipped):
    return [record, order, user, user.title(), f"{user}@mail.com", "", "1 Main St", "Reno", "NV", "89501",
            "United States", user.title(), item_no, title, "", "No", qty, sold_for, "$4.00", "", "PayPal", sale, paid,
            sale, shipped, "No", "", f"T{record}", "", "No"]


def test_ebay_orders_report(tmp_path: Path) -> None:
    rows = [_ebay(1, "12-0001-0001", "alice", "2951", "Lamp", 1, "$10.00", "Mar-01-24", "Mar-01-24", "Mar-02-24"),
            _ebay(2, "12-0001-0001", "alice", "2952", "Bulb", 2, "$5.50", "Mar-01-24", "Mar-01-24", "Mar-02-24"),
            _ebay(3, "12-0002-0002", "bob", "2953", "Shade", 1, "$30.00", "Mar-03-24", "Mar-03-24", ""),
            _ebay(4, "12-0003-0003", "alice", "2952", "Bulb", 1, "$8.00", "Mar-05-24", "Mar-05-24", "Mar-06-24"),
            _ebay(5, "12-0004-0004", "carl", "2951", "Lamp", 1, "$20.00", "Mar-06-24", "", "")]
    # eBay's file starts with a blank line and ends with summary lines.
    path = write(tmp_path / "eBay-OrdersReport-Mar-31-2024.csv", EBAY, rows, before="\n",
                 after='\n"5 record(s) downloaded,from Mar-01-24 to Mar-31-24"\n"Seller ID: shop_1"\n')
    con = db.connect_memory()
    result = import_file(con, path)
    # No status column: a blank Paid On Date = unpaid (carl), a Shipped On Date = shipped. Valid: 0001 (10 + 2 x 5.50),
    # 0002 (30), 0003 (8). Buyers alice (0001, 0003) and bob. $ read as USD.
    check(result, "orders", "ebay_orders", {"order_id": "Order Number", "unit_price": "Sold For",
                                            "customer_id": "Buyer Username", "paid_ts": "Paid On Date",
                                            "shipped_ts": "Shipped On Date", "order_ts": "Sale Date"},
          {"orders": 4, "valid": 3, "cancelled": 0, "unpaid": 1, "gmv": 59.0, "buyers": 2, "repurchase": 0.5}, con)
    assert con.execute("SELECT order_id, status FROM orders ORDER BY 1").fetchall() == [
        ("12-0001-0001", "shipped"), ("12-0002-0002", "paid"), ("12-0003-0003", "shipped"), ("12-0004-0004", "unpaid")]
    assert result.rows_read == 5 and any("summary line" in n for n in result.notices)
    assert config.store_currency(con) == "USD"


# --------------------------------------------------------------------------------------- Olist (several files)

def _olist(tmp_path: Path) -> list[Path]:
    orders = write(tmp_path / "olist_orders_dataset.csv",
                   ["order_id", "customer_id", "order_status", "order_purchase_timestamp", "order_approved_at",
                    "order_delivered_carrier_date", "order_delivered_customer_date", "order_estimated_delivery_date"],
                   [["o1", "k1", "delivered", "2017-10-02 10:56:33", "2017-10-02 11:07:15", "2017-10-04 19:55:00",
                     "2017-10-10 21:25:13", "2017-10-18 00:00:00"],
                    ["o2", "k2", "invoiced", "2018-07-24 20:41:37", "2018-07-26 03:24:27", "", "", "2018-08-13 00:00:00"],
                    ["o3", "k3", "canceled", "2018-08-08 08:38:49", "", "", "", "2018-09-04 00:00:00"],
                    ["o4", "k4", "delivered", "2017-11-18 19:28:06", "2017-11-18 19:45:59", "2017-11-22 13:39:59",
                     "2017-12-02 00:28:42", "2017-12-15 00:00:00"],
                    ["o5", "k5", "unavailable", "2018-01-10 10:00:00", "2018-01-10 10:20:00", "", "",
                     "2018-02-01 00:00:00"],
                    ["o6", "k6", "created", "2018-02-10 10:00:00", "", "", "", "2018-03-01 00:00:00"],
                    ["o7", "k7", "shipped", "2018-03-10 10:00:00", "2018-03-10 10:30:00", "2018-03-12 10:00:00", "",
                     "2018-04-01 00:00:00"]])
    items = write(tmp_path / "olist_order_items_dataset.csv",
                  ["order_id", "order_item_id", "product_id", "seller_id", "shipping_limit_date", "price",
                   "freight_value"],
                  [["o1", 1, "p1", "s1", "2017-10-06 11:07:15", "29.99", "8.72"],
                   ["o2", 1, "p2", "s1", "2018-07-30 03:24:27", "118.70", "22.76"],
                   ["o2", 2, "p2", "s1", "2018-07-30 03:24:27", "118.70", "22.76"],
                   ["o4", 1, "p1", "s2", "2017-11-23 19:45:59", "29.99", "8.72"],
                   ["o4", 2, "p3", "s2", "2017-11-23 19:45:59", "45.00", "8.72"],
                   ["o6", 1, "p3", "s2", "2018-02-12 10:00:00", "45.00", "8.72"],
                   ["o7", 1, "p1", "s1", "2018-03-12 10:00:00", "29.99", "8.72"],
                   ["o9", 1, "p3", "s2", "2018-03-12 10:00:00", "45.00", "8.72"]])
    customers = write(tmp_path / "olist_customers_dataset.csv",
                      ["customer_id", "customer_unique_id", "customer_zip_code_prefix", "customer_city",
                       "customer_state"],
                      [["k1", "u1", "14409", "franca", "SP"], ["k2", "u2", "09790", "sao bernardo do campo", "SP"],
                       ["k3", "u3", "01151", "sao paulo", "SP"], ["k4", "u1", "14409", "franca", "SP"],
                       ["k5", "u4", "08775", "mogi das cruzes", "SP"], ["k6", "u5", "13056", "campinas", "SP"],
                       ["k7", "u2", "09790", "sao bernardo do campo", "SP"]])
    products = write(tmp_path / "olist_products_dataset.csv",
                     ["product_id", "product_category_name", "product_name_lenght", "product_description_lenght",
                      "product_photos_qty", "product_weight_g", "product_length_cm", "product_height_cm",
                      "product_width_cm"],
                     [["p1", "utilidades_domesticas", 40, 268, 4, 500, 19, 8, 13],
                      ["p2", "perfumaria", 44, 446, 1, 1000, 30, 18, 20],
                      ["p3", "automotivo", 46, 250, 1, 154, 18, 9, 15]])
    return [orders, items, customers, products]


def test_olist_multi_file_export(tmp_path: Path) -> None:
    con = db.connect_memory()
    paths = _olist(tmp_path)
    refused = import_files(con, paths, currency="BRL")
    # Line o9 has no order: the export is refused until the user accepts the valid rows.
    assert refused.status == "rejected" and any("no such order" in e for e in refused.errors)
    result = import_files(con, paths, currency="BRL", accept_valid=True)
    # Per person (customer_unique_id), not per order: u1 bought o1 and o4, u2 o2 and o7. Valid: o1 (29.99),
    # o2 invoiced = paid (2 x 118.70), o4 (29.99 + 45), o7 shipped (29.99). o3 canceled and o5 unavailable have no
    # items and are still cancellations; o6 created = unpaid.
    check(result, "orders", "olist_orders",
          {"order_id": "order_id", "customer_id": "customer_unique_id", "unit_price": "price",
           "order_ts": "order_purchase_timestamp", "category": "product_category_name"},
          {"orders": 7, "valid": 4, "cancelled": 2, "unpaid": 1, "gmv": 372.37, "buyers": 2, "repurchase": 1.0}, con)
    assert result.files == [p.name for p in paths] and result.rows_rejected == 1
    assert any("customer_unique_id" in n and "one value per order" in n for n in result.notices)
    assert con.execute("SELECT category FROM products WHERE product_id = 'p2'").fetchone()[0] == "perfumaria"
    # One import, undone as one.
    from ecomops.ingest import undo_import

    undo_import(con, result.import_id)
    assert figures(con)["orders"] == 0


def test_per_order_customer_ids_get_a_warning(tmp_path: Path) -> None:
    """A file whose customer column is per order, beside another id column that cannot be told apart by the data,
    is imported with a warning that the repurchase rate will be 0."""
    rows = [[f"o{i}", f"2024-03-{i:02d} 10:00", f"k{i}", f"m{i}@x.com", "P1", 1, "10.00", "delivered"]
            for i in range(1, 13)]
    con = db.connect_memory()
    result = import_file(con, write(tmp_path / "o.csv", ["order_id", "order_date", "customer_id", "email", "sku",
                                                         "qty", "price", "status"], rows))
    assert result.status == "imported" and figures(con)["repurchase"] == 0
    assert any("repurchase rate will be 0" in n and "'email'" in n for n in result.notices)


# ------------------------------------------------------------------------------------------------ Taobao / Tmall

TAOBAO_ORDERS = ["订单编号", "买家会员名", "买家支付宝账号", "买家应付货款", "买家应付邮费", "买家支付积分", "总金额", "返点积分",
                 "买家实际支付金额", "买家实际支付积分", "订单状态", "买家留言", "收货人姓名", "收货地址", "运送方式", "联系电话",
                 "联系手机", "订单创建时间", "订单付款时间", "宝贝标题", "宝贝种类", "物流单号", "物流公司", "订单备注", "宝贝总数量",
                 "店铺Id", "店铺名称", "订单关闭原因", "卖家服务费", "买家服务费", "发票抬头", "是否手机订单", "分阶段订单信息",
                 "特权订金订单id", "是否上传合同照片", "是否上传小票", "是否代付", "定金排名", "修改后的sku", "修改后的收货地址",
                 "异常信息", "天猫卡券抵扣", "集分宝抵扣", "是否是O2O交易"]
TAOBAO_ITEMS = ["订单编号", "标题", "价格", "购买数量", "外部系统编号", "商品属性", "套餐信息", "备注", "订单状态", "商家编码"]
_T = {"T1": "3012345678901234501", "T2": "3012345678901234502", "T3": "3012345678901234503",
      "T4": "3012345678901234504", "T5": "3012345678901234505", "T6": "3012345678901234506"}


def _tb_order(key, buyer, amount, status, created, paid, titles, units):
    return [f'="{_T[key]}"', buyer, f"{buyer}@alipay", amount, "0.00", 0, amount, 0, amount if paid else "0.00", 0,
            status, "", buyer, "浙江省 杭州市 西湖区", "快递", "", "'13800000000", created, paid, titles, 1, "", "", "",
            units, "12345", "杯子旗舰店", "", "0", "0", "", "手机订单", "", "", "否", "否", "否", "", "", "", "", "0", "0", "否"]


def _taobao_orders(with_status: bool = True) -> tuple[list[str], list[list]]:
    rows = [_tb_order("T1", "小明", "127.90", "交易成功", "2024-03-05 14:00:00", "2024-03-05 14:01:00", "保温杯 杯套", 3),
            _tb_order("T2", "小红", "5.00", "交易关闭", "2024-03-05 15:00:00", "", "刷子", 1),
            _tb_order("T3", "小刚", "59.00", "等待买家付款", "2024-03-06 09:00:00", "", "保温杯", 1),
            _tb_order("T4", "小明", "59.00", "卖家已发货，等待买家确认", "2024-03-06 10:00:00", "2024-03-06 10:00:30",
                      "保温杯", 1),
            _tb_order("T5", "小李", "29.70", "买家已付款，等待卖家发货", "2024-03-07 11:00:00", "2024-03-07 11:02:00",
                      "杯套", 3),
            _tb_order("T6", "小红", "20.00", "交易成功", "2024-03-08 12:00:00", "2024-03-08 12:00:10", "刷子", 4)]
    if with_status:
        return TAOBAO_ORDERS, rows
    at = TAOBAO_ORDERS.index("订单状态")
    return [h for i, h in enumerate(TAOBAO_ORDERS) if i != at], [[v for i, v in enumerate(r) if i != at] for r in rows]


def test_taobao_order_report_and_item_report(tmp_path: Path) -> None:
    header, rows = _taobao_orders()
    orders = write(tmp_path / "ExportOrderList202403.csv", header, rows, encoding="gb18030", newline="\r\n")
    items = write(tmp_path / "ExportOrderDetailList202403.csv", TAOBAO_ITEMS,
                  [[_T["T1"], "保温杯 500ml", "59.00", 2, "", "颜色:白", "", "", "交易成功", "CUP500"],
                   [_T["T1"], "杯套", "9.90", 1, "", "", "", "", "交易成功", "SLV01"],
                   [_T["T2"], "刷子", "5.00", 1, "", "", "", "", "交易关闭", "BRS01"],
                   [_T["T3"], "保温杯 500ml", "59.00", 1, "", "", "", "", "等待买家付款", "CUP500"],
                   [_T["T4"], "保温杯 500ml", "59.00", 1, "", "", "", "", "卖家已发货，等待买家确认", "CUP500"],
                   [_T["T5"], "杯套", "9.90", 3, "", "", "", "", "买家已付款，等待卖家发货", "SLV01"],
                   [_T["T6"], "刷子", "5.00", 4, "", "", "", "", "交易成功", "BRS01"]],
                  encoding="gb18030", newline="\r\n")
    con = db.connect_memory()
    result = import_files(con, [orders, items])
    # Lines from the 宝贝报表 (its titles, prices and quantities), the order from the report (buyer, times, status).
    # Valid: T1 (2 x 59 + 9.90), T4 (59), T5 (3 x 9.90), T6 (4 x 5). T2 closed = cancelled, T3 unpaid.
    # Buyers 小明 (T1, T4), 小李, 小红 (T6; T2 was cancelled): 1 of 3 repeats.
    check(result, "orders", "taobao_orders",
          {"order_id": "订单编号", "customer_id": "买家会员名", "product_name": "标题", "unit_price": "价格",
           "quantity": "购买数量", "product_id": "商家编码", "status": "订单状态", "order_ts": "订单创建时间"},
          {"orders": 6, "valid": 4, "cancelled": 1, "unpaid": 1, "gmv": 236.6, "buyers": 3, "repurchase": 0.3333},
          con)
    assert config.store_currency(con) == "CNY" and config.store_timezone(con) == "Asia/Shanghai"
    assert con.execute("SELECT count(*) FROM order_items WHERE order_id = $o", {"o": _T["T1"]}).fetchone()[0] == 2


def test_taobao_order_report_without_status_column(tmp_path: Path) -> None:
    """No status column: a blank 订单付款时间 means the order was never paid (issue 15: they were all counted)."""
    header, rows = _taobao_orders(with_status=False)
    con = db.connect_memory()
    result = import_file(con, write(tmp_path / "ExportOrderList.csv", header, rows, encoding="gb18030"))
    # One line per order: the goods amount (买家应付货款) for 宝贝总数量 units. T2 and T3 have no payment time:
    # unpaid. Valid: T1 127.90, T4 59.00, T5 29.70, T6 20.00.
    check(result, "orders", "taobao_orders",
          {"line_total": "买家应付货款", "quantity": "宝贝总数量", "paid_ts": "订单付款时间"},
          {"orders": 6, "valid": 4, "cancelled": 0, "unpaid": 2, "gmv": 236.6, "buyers": 3, "repurchase": 0.3333},
          con)


# ------------------------------------------------------------------------------------------------------------ JD

JD = ["订单号", "商品ID", "商品名称", "订购数量", "支付方式", "下单时间", "京东价", "订单金额", "结算金额", "余额支付", "应付金额",
      "订单状态", "订单类型", "下单帐号", "客户姓名", "客户地址", "联系电话", "订单备注", "发票类型", "发票抬头", "发票内容", "商家备注",
      "商家备注等级（等级1-5为由高到低）", "运费金额", "付款确认时间", "增值税发票", "货号", "订单完成时间", "订单来源", "订单渠道",
      "送装服务", "服务费", "仓库id", "仓库名称"]


def _jd(order, sku, name, qty, when, price, total, status, account, paid):
    return [order, sku, name, qty, "在线支付", when, price, total, total, "0.00", total, status, "SOP", account,
            account.upper(), "北京市朝阳区", "138****0000", "", "电子发票", "个人", "明细", "", "", "0.00", paid, "否", "",
            "", "京东商城", "APP", "", "0.00", "", ""]


def test_jd_orders_with_one_unknown_status(tmp_path: Path) -> None:
    rows = [_jd("J1", "100001", "商品A", 1, "2024/3/5 9:00:00", "99.00", "198.00", "完成", "jd_a", "2024/3/5 9:01:00"),
            _jd("J1", "100002", "商品B", 2, "2024/3/5 9:00:00", "49.50", "198.00", "完成", "jd_a", "2024/3/5 9:01:00"),
            _jd("J2", "100003", "商品C", 1, "2024/3/6 10:00:00", "199.00", "199.00", "等待出库", "jd_b", "2024/3/6 10:00:30"),
            _jd("J3", "100004", "商品D", 1, "2024/3/7 11:00:00", "59.00", "59.00", "等待确认收货", "jd_a", "2024/3/7 11:01:00"),
            _jd("J4", "100001", "商品A", 1, "2024/3/8 12:00:00", "99.00", "99.00", "已取消", "jd_c", ""),
            _jd("J5", "100005", "商品E", 1, "2024/3/9 13:00:00", "20.00", "20.00", "等待付款", "jd_d", ""),
            _jd("J6", "100003", "商品C", 1, "2024/3/9 14:00:00", "199.00", "199.00", "锁定", "jd_b", "2024/3/9 14:00:30")]
    path = write(tmp_path / "jd_orders.csv", JD, rows, encoding="gb18030", newline="\r\n")
    con = db.connect_memory()
    first = import_file(con, path)
    # 锁定 (locked) is not in the seed: reported once, with its row count, nothing written.
    assert first.status == "rejected" and first.unknown_statuses == {"锁定": 1}
    assert figures(con)["orders"] == 0
    set_status_words(con, {"锁定": "cancelled"})  # the one correction (the Upload page's one click)
    result = import_file(con, path)
    # Valid: J1 (99 + 2 x 49.50), J2 (199), J3 (59). Cancelled: J4, J6 (locked). J5 unpaid.
    check(result, "orders", "jd_orders",
          {"order_id": "订单号", "product_id": "商品ID", "quantity": "订购数量", "unit_price": "京东价",
           "customer_id": "下单帐号", "status": "订单状态"},
          {"orders": 6, "valid": 3, "cancelled": 2, "unpaid": 1, "gmv": 456.0, "buyers": 2, "repurchase": 0.5}, con)


# ---------------------------------------------------------------------------------------------------- Pinduoduo

PDD = ["商品", "订单号", "订单状态", "商品总价(元)", "店铺优惠折扣(元)", "平台优惠折扣(元)", "多多支付立减金额(元)", "邮费(元)",
       "用户实付金额(元)", "商家实收金额(元)", "商品数量(件)", "身份证姓名", "身份证号码", "收货人", "手机", "是否审核中", "省", "市", "区",
       "街道", "支付时间", "拼单成功时间", "订单成交时间", "商品id", "商品规格", "样式ID", "商家编码-SKU维度", "商家编码-商品维度",
       "商家备注", "售后状态", "快递单号", "快递公司", "发货时间", "确认收货时间"]


def _pdd(name, order, status, total, qty, when, goods_id, sku):
    return [name, order, status, total, "0", "0", "0", "0", total, total, qty, "", "", "张*", "138****1234", "否",
            "广东省", "深圳市", "南山区", "", when, when, when, goods_id, "默认", "1", sku, "", "", "无售后或售后取消", "", "",
            "", ""]


def test_pinduoduo(tmp_path: Path) -> None:
    rows = [_pdd("抽纸", "240305-001", "待发货", "39.90", 1, "2024-03-05 14:02:11", "G1", "SKU-A"),
            _pdd("湿巾", "240305-002", "已签收", "59.80", 2, "2024-03-05 15:00:00", "G2", "SKU-B"),
            _pdd("抽纸", "240306-003", "已取消", "19.90", 1, "2024-03-06 09:00:00", "G1", "SKU-A"),
            _pdd("纸巾盒", "240306-004", "已发货，待签收", "88.00", 1, "2024-03-06 10:00:00", "G3", "SKU-C"),
            _pdd("湿巾", "240307-005", "未发货，退款成功", "25.00", 1, "2024-03-07 11:00:00", "G2", "SKU-B")]
    con = db.connect_memory()
    result = import_file(con, write(tmp_path / "orders_export.csv", PDD, rows, encoding="gb18030"))
    # 商品总价(元) is the line's amount. Valid: 001 (39.90), 002 (59.80), 004 (88.00); 003 cancelled, 005 refunded
    # before shipping = cancelled. The export names no buyer: no buyers.
    check(result, "orders", "pdd_orders", {"order_id": "订单号", "line_total": "商品总价(元)", "quantity": "商品数量(件)",
                                           "product_name": "商品", "status": "订单状态"},
          {"orders": 5, "valid": 3, "cancelled": 2, "unpaid": 0, "gmv": 187.7, "buyers": 0, "repurchase": None}, con)
    assert config.store_currency(con) == "CNY"


# ------------------------------------------------------------------------------------------------- Douyin (抖店)

DOUYIN = ["主订单编号", "子订单编号", "选购商品", "商品规格", "商品数量", "商品ID", "商家编码", "商品单价", "商品金额", "订单应付金额",
          "运费", "优惠总金额", "支付方式", "订单提交时间", "支付完成时间", "订单完成时间", "订单状态", "售后状态", "取消原因",
          "发货时间", "收件人", "收件人手机号", "省", "市", "区", "街道", "详细地址", "达人ID", "达人昵称", "流量来源", "流量渠道",
          "商家备注"]


def _dy(main, sub, item, qty, goods, code, price, amount, when, paid, status, source):
    return [main, sub, item, "默认", qty, goods, code, price, amount, amount, "0", "0", "抖音支付", when, paid, "", status,
            "", "", "", "王*", "1**********", "北京市", "北京市", "朝阳区", "", "", "", "", source, "商品卡", ""]


def test_douyin_shop(tmp_path: Path) -> None:
    rows = [_dy("D1", "D1-1", "面霜", 1, "3001", "FC-1", "49.00", "49.00", "2024/03/05 14:00:00", "2024/03/05 14:00:20",
                "已完成", "直播"),
            _dy("D1", "D1-2", "洁面", 2, "3002", "CL-1", "19.90", "39.80", "2024/03/05 14:00:00", "2024/03/05 14:00:20",
                "已完成", "直播"),
            _dy("D2", "D2-1", "精华", 1, "3003", "SE-1", "99.00", "99.00", "2024/03/06 10:00:00", "2024/03/06 10:00:20",
                "备货中", "短视频"),
            _dy("D3", "D3-1", "爽肤水", 1, "3004", "TN-1", "29.90", "29.90", "2024/03/06 11:00:00", "", "已关闭", "直播"),
            _dy("D4", "D4-1", "面膜", 1, "3005", "MK-1", "59.00", "59.00", "2024/03/07 12:00:00", "", "待支付", "商城"),
            _dy("D5", "D5-1", "洁面", 2, "3002", "CL-1", "15.00", "30.00", "2024/03/07 13:00:00", "2024/03/07 13:00:20",
                "已发货", "直播")]
    con = db.connect_memory()
    result = import_file(con, write(tmp_path / "抖店订单.csv", DOUYIN, rows, encoding="gb18030"))
    # Lines are sub-orders of a main order. Valid: D1 (49 + 2 x 19.90), D2 (99), D5 (2 x 15). D3 closed, D4 unpaid.
    check(result, "orders", "douyin_orders", {"order_id": "主订单编号", "unit_price": "商品单价", "quantity": "商品数量",
                                              "product_name": "选购商品", "channel": "流量来源"},
          {"orders": 5, "valid": 3, "cancelled": 1, "unpaid": 1, "gmv": 217.8, "buyers": 0, "repurchase": None}, con)
    assert con.execute("SELECT channel FROM orders WHERE order_id = 'D2'").fetchone()[0] == "短视频"
    assert config.store_currency(con) == "CNY"


# -------------------------------------------------------------------------------------------------- Youzan (有赞)

YOUZAN = ["订单号", "订单状态", "订单创建时间", "买家付款时间", "买家手机号", "粉丝昵称", "商品名称", "商品规格", "规格编码", "商品编码",
          "商品单价", "商品数量", "商品金额小计", "商品实际成交金额", "收货人/提货人", "收货人城市", "商品退款状态", "商品已退款金额"]


def _yz(order, status, created, paid, phone, item, code, price, qty, paid_amount):
    subtotal = f"{float(price) * int(qty):.2f}"
    return [order, status, created, paid, phone, "粉丝", item, "默认", code, code, price, qty, subtotal, paid_amount,
            "李*", "杭州市", "", "0.00"]


def test_youzan(tmp_path: Path) -> None:
    rows = [_yz("E1", "交易成功", "2024-03-05 10:00:00", "2024-03-05 10:01:00", "13800001111", "咖啡豆", "B1", "68.00", 1,
                "60.00"),
            _yz("E1", "交易成功", "2024-03-05 10:00:00", "2024-03-05 10:01:00", "13800001111", "滤纸", "F1", "12.00", 2,
                "24.00"),
            _yz("E2", "待发货", "2024-03-06 10:00:00", "2024-03-06 10:01:00", "13800002222", "挂耳", "G1", "35.00", 1,
                "35.00"),
            _yz("E3", "已发货", "2024-03-07 10:00:00", "2024-03-07 10:01:00", "13800001111", "挂耳", "G1", "20.00", 3,
                "60.00"),
            _yz("E4", "交易关闭", "2024-03-08 10:00:00", "", "13800003333", "咖啡豆", "B1", "50.00", 1, "50.00"),
            _yz("E5", "待付款", "2024-03-09 10:00:00", "", "13800004444", "滤纸", "F1", "10.00", 1, "10.00")]
    con = db.connect_memory()
    result = import_file(con, write(tmp_path / "有赞订单明细.csv", YOUZAN, rows, encoding="gb18030"))
    # The amount actually paid per line (商品实际成交金额, after discounts). Valid: E1 (60 + 24), E2 (35), E3 (60).
    # Buyers by phone: ...1111 (E1, E3), ...2222.
    check(result, "orders", "youzan_orders", {"order_id": "订单号", "line_total": "商品实际成交金额",
                                              "customer_id": "买家手机号", "status": "订单状态"},
          {"orders": 5, "valid": 3, "cancelled": 1, "unpaid": 1, "gmv": 179.0, "buyers": 2, "repurchase": 0.5}, con)


# --------------------------------------------------------------------------------------- behaviour log (Tianchi)

TIANCHI = """1,2268318,2520377,pv,1511544070
1,2333346,2520771,pv,1511561733
1,2268318,2520377,cart,1511562000
1,2268318,2520377,buy,1511563000
2,2333346,2520771,pv,1511600000
2,2576651,149192,fav,1511600100
3,2576651,149192,pv,1511690000
3,2576651,149192,cart,1511690100
2,2333346,2520771,pv,1511690200
"""


def test_headerless_behaviour_log(tmp_path: Path) -> None:
    path = tmp_path / "UserBehavior.csv"
    path.write_text(TIANCHI, encoding="utf-8")
    con = db.connect_memory()
    result = import_file(con, path)
    assert result.status == "imported", result.errors
    assert (result.kind, result.profile) == ("events", "taobao_behavior")
    assert result.headers == ["user_id", "item_id", "category_id", "behavior_type", "timestamp"]
    assert result.rows_imported == 9 and result.date_formats["event_ts"].startswith("epoch seconds")
    # Epoch seconds are UTC instants, shown in Beijing time (the platform's, which the store takes on):
    # 1511544070 = 2017-11-24 17:21:10 UTC = 2017-11-25 01:21:10 +08:00.
    assert config.store_timezone(con) == "Asia/Shanghai"
    assert str(con.execute("SELECT min(event_ts) FROM events").fetchone()[0]) == "2017-11-25 01:21:10"
    # By Beijing day: the 25th has visitors 1 and 2 (2 UV), the 26th visitors 3 and 2.
    daily = con.execute("SELECT day, visitors, viewers, carters, buyers FROM event_daily_uv ORDER BY day").fetchall()
    assert [(str(d), v, vw, c, b) for d, v, vw, c, b in daily] == [("2017-11-25", 2, 2, 1, 1), ("2017-11-26", 2, 2, 1, 0)]
    funnel = dict((s, v) for s, v, _e in con.execute(
        "SELECT * FROM event_funnel('2017-11-25', '2017-11-26')").fetchall())
    assert funnel == {"view": 3, "cart": 2, "purchase": 1, "favorite": 1}
    assert con.execute("SELECT event_uv('2017-11-25', '2017-11-26')").fetchone()[0] == 3
    # Importing the log again in two overlapping pieces counts nothing twice.
    lines = TIANCHI.splitlines(keepends=True)
    (tmp_path / "part1.csv").write_text("".join(lines[:6]), encoding="utf-8")
    (tmp_path / "part2.csv").write_text("".join(lines[3:]), encoding="utf-8")
    con2 = db.connect_memory()
    for part in ("part1.csv", "part2.csv"):
        assert import_file(con2, tmp_path / part).status == "imported"
    assert con2.execute("SELECT count(*) FROM events").fetchone()[0] == 9
    assert con2.execute("SELECT * FROM event_daily_uv ORDER BY day").fetchall() == \
        con.execute("SELECT * FROM event_daily_uv ORDER BY day").fetchall()


GA4 = ["event_date", "event_timestamp", "event_name", "user_pseudo_id", "device_category", "traffic_source_source",
       "item_id", "item_category"]


def test_ga4_event_export(tmp_path: Path) -> None:
    # event_timestamp is microseconds since the epoch (UTC); the store keeps UTC here (no zone set).
    base = 1709640000000000  # 2024-03-05 12:00:00 UTC
    rows = [["20240305", base, "page_view", "111.222", "mobile", "google", "", ""],
            ["20240305", base + 60_000_000, "view_item", "111.222", "mobile", "google", "SKU1", "Mugs"],
            ["20240305", base + 120_000_000, "add_to_cart", "111.222", "mobile", "google", "SKU1", "Mugs"],
            ["20240305", base + 180_000_000, "purchase", "111.222", "mobile", "google", "SKU1", "Mugs"],
            ["20240305", base + 200_000_000, "page_view", "333.444", "desktop", "(direct)", "", ""],
            ["20240305", base + 260_000_000, "view_item", "333.444", "desktop", "(direct)", "SKU2", "Plates"]]
    con = db.connect_memory()
    result = import_file(con, write(tmp_path / "ga4_events.csv", GA4, rows))
    assert result.status == "imported" and (result.kind, result.profile) == ("events", "ga4_events")
    assert result.mapping["visitor_id"] == "user_pseudo_id" and result.mapping["event_ts"] == "event_timestamp"
    got = con.execute("SELECT channel, device, uv, pv, product_views, add_to_cart, checkouts "
                      "FROM traffic_daily_from_events ORDER BY channel").fetchall()
    assert got == [("(direct)", "desktop", 1, 2, 1, 0, 0), ("google", "mobile", 1, 2, 1, 1, 1)]
    attention = con.execute("SELECT item_id, category, views, carts, purchases FROM item_attention('2024-03-05', "
                            "'2024-03-05')").fetchall()
    assert attention == [("SKU1", "Mugs", 1, 1, 1), ("SKU2", "Plates", 1, 0, 0)]
