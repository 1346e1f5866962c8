"""Order status words as data: the editable table ``status_map`` (migration 880) and its seed.

Every platform's status words map to one of the model's statuses (METRICS.md): ``unpaid`` (created or pending, not
paid), ``paid``, ``shipped``, ``completed``, ``cancelled`` (closed or voided), ``returned`` (returned or refunded
after payment). Unpaid and cancelled orders are stored but never count as sales (the views of migration 870).

Choices worth knowing (docs/import.md lists them too):
- ``pending`` (Shopify's payment pending, Amazon's "Pending") is ``unpaid``: no money has been taken.
- ``refunded`` and ``partially_refunded`` are ``returned``: the order was paid (a sale), then money went back.
  The platform's own word stays in ``orders.source_status``, so the two can still be told apart.
- ``Shipped - Returned to Seller`` / ``Shipped - Rejected by Buyer`` (Amazon) are ``returned``; 交易关闭 (closed,
  whether never paid or refunded before shipping) is ``cancelled``; 退款成功 is ``returned``.

Words are compared normalised (:func:`normalise_word`), so "Shipped - Delivered to Buyer", "shipped_delivered_to
_buyer" and "SHIPPED-DELIVERED TO BUYER" are one word.
"""
from __future__ import annotations

import re

import duckdb
import pandas as pd

from ecomops import db

MODEL_STATUSES = ("unpaid", "paid", "shipped", "completed", "cancelled", "returned")
VALID_STATUSES = ("paid", "shipped", "completed", "returned")  # as migration 870 (for messages only)

# platform -> {word: status}. The seed of ``status_map``; a user's own mapping always wins.
SEED: dict[str, dict[str, str]] = {
    "model": {s: s for s in MODEL_STATUSES} | {"pending": "unpaid", "refunded": "returned"},
    "Shopify": {"authorized": "paid", "partially_paid": "paid", "voided": "cancelled", "expired": "cancelled",
                "partially_refunded": "returned", "fulfilled": "shipped", "unfulfilled": "paid",
                "partial": "shipped", "restocked": "returned"},
    "WooCommerce": {"processing": "paid", "on_hold": "unpaid", "pending_payment": "unpaid", "failed": "cancelled",
                    "canceled": "cancelled", "checkout_draft": "unpaid", "draft": "unpaid"},
    "Amazon": {"shipped_delivered_to_buyer": "completed", "shipped_returned_to_seller": "returned",
               "shipped_returning_to_seller": "returned", "shipped_rejected_by_buyer": "returned",
               "shipped_picked_up": "shipped", "shipped_out_for_delivery": "shipped", "shipping": "paid",
               "pending_waiting_for_pick_up": "paid", "unshipped": "paid", "partiallyshipped": "shipped",
               "partially_shipped": "shipped", "unfulfillable": "cancelled", "invoiceunconfirmed": "paid",
               "pendingavailability": "unpaid", "pending_availability": "unpaid", "complete": "completed",
               "delivered": "completed", "returned_to_seller": "returned"},
    "eBay": {"awaiting_payment": "unpaid", "paid_and_shipped": "shipped", "paid_awaiting_shipment": "paid",
             "awaiting_shipment": "paid", "cancelled_order": "cancelled", "returned_refunded": "returned"},
    "Olist": {"created": "unpaid", "approved": "paid", "invoiced": "paid", "unavailable": "cancelled",
              "canceled": "cancelled"},
    "generic": {"unpaid": "unpaid", "awaiting_payment": "unpaid", "payment_pending": "unpaid", "new": "unpaid",
                "open": "unpaid", "in_transit": "shipped", "dispatched": "shipped", "done": "completed",
                "success": "completed", "closed": "cancelled", "cancel": "cancelled", "void": "cancelled",
                "rejected": "cancelled", "return": "returned", "refund": "returned"},
    "淘宝/天猫": {"等待买家付款": "unpaid", "买家已付款,等待卖家发货": "paid", "等待卖家发货": "paid",
              "卖家已发货,等待买家确认": "shipped", "等待买家确认收货": "shipped", "交易成功": "completed",
              "交易关闭": "cancelled", "退款成功": "returned", "交易关闭(退款成功)": "returned",
              "卖家部分发货": "shipped", "买家已付款": "paid"},
    "京东": {"等待付款": "unpaid", "等待出库": "paid", "等待发货": "paid", "等待确认收货": "shipped", "完成": "completed",
           "已完成": "completed", "已取消": "cancelled", "取消": "cancelled", "已退款": "returned", "退款成功": "returned"},
    "拼多多": {"待支付": "unpaid", "待付款": "unpaid", "待发货": "paid", "已发货,待签收": "shipped", "已发货,待收货": "shipped",
            "已发货": "shipped", "已签收": "completed", "已收货": "completed", "已取消": "cancelled",
            "未发货,退款成功": "cancelled", "已发货,退款成功": "returned", "已签收,退款成功": "returned"},
    "抖店": {"待支付": "unpaid", "备货中": "paid", "待发货": "paid", "部分发货": "shipped", "已发货": "shipped",
           "已完成": "completed", "已关闭": "cancelled", "已取消": "cancelled", "售后完成": "returned"},
    "有赞": {"待付款": "unpaid", "待成团": "paid", "待接单": "paid", "待发货": "paid", "已发货": "shipped",
           "交易成功": "completed", "已完成": "completed", "交易关闭": "cancelled", "已关闭": "cancelled",
           "退款成功": "returned", "已退款": "returned"},
    "通用": {"未付款": "unpaid", "待付款": "unpaid", "已付款": "paid", "已支付": "paid", "付款成功": "paid", "待发货": "paid",
           "已发货": "shipped", "待收货": "shipped", "运输中": "shipped", "已签收": "completed", "确认收货": "completed",
           "完成": "completed", "已完成": "completed", "已关闭": "cancelled", "已取消": "cancelled", "取消": "cancelled",
           "已退货": "returned", "退货": "returned", "已退款": "returned", "退款成功": "returned"},
}


def normalise_word(word: str | None) -> str:
    """Return a status word reduced for comparison (lower case, '_' for runs of spaces/hyphens, ASCII commas)."""
    text = (word or "").strip().lower()
    text = text.translate(_FULL_WIDTH)
    text = re.sub(r"[\s_\-]+", "_", text).strip("_")
    return text


_FULL_WIDTH = str.maketrans({"，": ",", "（": "(", "）": ")", "：": ":", "；": ";", "\u3000": " "})


def normalise_sql(text: str) -> str:
    """Return the SQL expression computing :func:`normalise_word` of a VARCHAR expression."""
    translated = f"translate(lower(trim({text})), '，（）：；' || chr(12288), ',():; ')"
    return f"trim(regexp_replace({translated}, '[\\s_\\-]+', '_', 'g'), '_')"


def seed_rows() -> list[tuple[str, str, str]]:
    """Return (word, status, platform) of the seed; the first platform naming a word wins."""
    seen: dict[str, tuple[str, str, str]] = {}
    for platform, words in SEED.items():
        for word, status in words.items():
            key = normalise_word(word)
            seen.setdefault(key, (key, status, platform))
    return list(seen.values())


def ensure_seeded(cur: duckdb.DuckDBPyConnection) -> None:
    """Add the seed words the table lacks (never overwriting a row: the user's mapping wins)."""
    rows = seed_rows()
    have = cur.execute("SELECT count(*) FROM status_map WHERE origin = 'seed'").fetchone()[0]
    if have >= len(rows):
        return
    cur.execute("CREATE TEMP TABLE IF NOT EXISTS status_seed (word VARCHAR, status VARCHAR, platform VARCHAR)")
    cur.execute("DELETE FROM status_seed")
    cur.executemany("INSERT INTO status_seed VALUES (?, ?, ?)", rows)
    cur.execute("INSERT INTO status_map (word, status, platform, origin) SELECT word, status, platform, 'seed' "
                "FROM status_seed s WHERE NOT EXISTS (SELECT 1 FROM status_map m WHERE m.word = s.word)")


def status_words(cur: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Return normalised word -> model status from the table (seeded first)."""
    ensure_seeded(cur)
    return dict(cur.execute("SELECT word, status FROM status_map").fetchall())


def set_status_words(con: duckdb.DuckDBPyConnection, mapping: dict[str, str], platform: str | None = None) -> int:
    """Map status words to model statuses (the user's choice, kept over the seed); return the words written.

    ValueError names the model statuses when one is not.
    """
    rows = []
    for word, status in mapping.items():
        status = (status or "").strip().lower()
        if status not in MODEL_STATUSES:
            raise ValueError(f"{status!r} is not a model status; use one of: {', '.join(MODEL_STATUSES)}")
        key = normalise_word(word)
        if not key:
            raise ValueError("a status word cannot be empty")
        rows.append((key, status, platform))
    with db.transaction(con, sales_data=False) as cur:
        ensure_seeded(cur)
        for key, status, plat in rows:
            cur.execute("INSERT INTO status_map (word, status, platform, origin) VALUES ($w, $s, $p, 'user') "
                        "ON CONFLICT (word) DO UPDATE SET status = excluded.status, origin = 'user', "
                        "platform = coalesce(excluded.platform, status_map.platform), updated_at = now()",
                        {"w": key, "s": status, "p": plat})
    return len(rows)


def parse_status_arguments(items: list[str] | None) -> dict[str, str]:
    """Return {word: status} from ``WORD=STATUS`` command-line items (the last '=' splits)."""
    out = {}
    for item in items or []:
        if "=" not in item:
            raise ValueError(f"--status expects WORD=STATUS, got {item!r}")
        word, status = item.rsplit("=", 1)
        out[word.strip()] = status.strip()
    return out


def status_map_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return the mapping as shown to users: word, status, platform, origin (user rows first)."""
    with db.transaction(con, bump_version=False) as cur:
        ensure_seeded(cur)
    return db.query_df(con, "SELECT word, status, platform, origin FROM status_map "
                            "ORDER BY origin = 'seed', platform, word")
