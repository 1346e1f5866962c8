"""Writing the demo store into DuckDB: the generated arrays of codes become frames, one transaction inserts them
(labels and ids made inside DuckDB, much faster than in pandas), and ``finish`` builds the summary tables so the
first page view pays nothing. A streamed (chunked) build appends each chunk's frames with ``insert`` after
``shift_ids`` has numbered its customers and orders on from the chunks before it."""
from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from ecomops import db, derived
from ecomops.demo.calendar import Calendar
from ecomops.demo.catalogue import Catalogue
from ecomops.demo.constants import CHANNELS, DEMO_START, DEVICES, STATUSES
from ecomops.demo.sales import CITIES, Lines, Orders, lines_line_no, order_timestamps

_CUSTOMER_ID = "printf('C%07d', {col} + 1)"
_ORDER_ID = "printf('O%09d', {col})"
_CID = _CUSTOMER_ID.format(col="cust")


def customers_frame(cust: dict[str, np.ndarray]) -> pd.DataFrame:
    """Return the customers as a frame of codes (labels are made while inserting)."""
    return pd.DataFrame({
        "cust": np.arange(cust["signup"].size, dtype=np.int64),
        "signup_date": np.datetime64(DEMO_START, "D") + cust["signup"].astype("timedelta64[D]"),
        "channel": cust["channel"].astype(np.int8),
        "membership_tier": cust["tier"].astype(np.int8),
        "city": cust["city"].astype(np.int8),
    })


def orders_frame(orders: Orders, status: np.ndarray, discount: np.ndarray) -> pd.DataFrame:
    """Return the order headers as a frame of codes, numbered in time order from 1."""
    return pd.DataFrame({
        "order_no": np.arange(1, orders.cust.size + 1, dtype=np.int64),
        "cust": orders.cust.astype(np.int64),
        "order_ts": order_timestamps(orders),
        # Small integer codes, turned into labels inside DuckDB (much faster than scanning pandas categoricals).
        "status": status.astype(np.int8),
        "channel": orders.channel.astype(np.int8),
        "device": orders.device.astype(np.int8),
        "campaign": orders.campaign.astype(np.int16),
        "is_presale": orders.is_presale,
        "discount": np.round(discount, 2),
    })


def items_frame(lines: Lines) -> pd.DataFrame:
    """Return the order lines as a frame (order numbers from 1, line numbers from 1 within each order)."""
    return pd.DataFrame({
        "order_no": lines.order.astype(np.int64) + 1,
        "line_no": lines_line_no(lines.order),
        "prod": lines.prod.astype(np.int64),
        "quantity": lines.qty.astype(np.int32),
        "unit_price": lines.price,
    })


def shift_ids(frame: pd.DataFrame, first_cust: int, first_order: int) -> pd.DataFrame:
    """Return a chunk's frame with its customer numbers (``cust``, guests' -1 kept) and order numbers
    (``order_no``) moved past those of the chunks written before it."""
    out = frame.copy(deep=False)
    if "cust" in out:
        cust = out["cust"].to_numpy()
        out["cust"] = np.where(cust >= 0, cust + first_cust, cust)
    if "order_no" in out:
        out["order_no"] = out["order_no"].to_numpy() + first_order
    return out


# The insert of every table, in this order; ``src`` is the frame, ``prod_map`` maps product codes to ids.
_SQL = {
    "products": "INSERT INTO products (product_id, title, description, category, price, cost, launch_date)"
                " SELECT product_id, title, description, category, price, cost, launch_date FROM src",
    "customers": "INSERT INTO customers (customer_id, signup_date, channel, membership_tier, city, country)"
                 f" SELECT {_CID}, signup_date, $channels[channel + 1], $tiers[membership_tier + 1], $cities[city + 1], 'CN'"
                 " FROM src",
    "campaigns": "INSERT INTO campaigns (campaign_id, name, kind, start_date, end_date, presale_start)"
                 " SELECT campaign_id, name, kind, start_date, end_date, presale_start FROM src",
    "orders": "INSERT INTO orders (order_id, customer_id, order_ts, order_date, status, channel, device,"
              " campaign_id, is_presale, discount) SELECT " + _ORDER_ID.format(col="order_no") +
              f", CASE WHEN cust >= 0 THEN {_CID} END, order_ts, CAST(order_ts AS DATE), $statuses[status + 1],"
              " $channels[channel + 1], $devices[device + 1],"
              " CASE WHEN campaign >= 0 THEN $campaigns[campaign + 1] END, is_presale, discount FROM src",
    "order_items": "INSERT INTO order_items (order_id, line_no, product_id, quantity, unit_price) SELECT " +
                   _ORDER_ID.format(col="s.order_no") + ", s.line_no, p.product_id, s.quantity, s.unit_price"
                   " FROM src s JOIN prod_map p ON p.prod = s.prod",
    "traffic_daily": "INSERT INTO traffic_daily (day, channel, device, uv, pv, product_views, add_to_cart,"
                     " checkouts) SELECT * FROM src",
    "scroll_depth": "INSERT INTO scroll_depth (day, device, screen, visitors) SELECT * FROM src",
    "ad_spend": "INSERT INTO ad_spend (day, channel, campaign, audience, spend, impressions, clicks,"
                " attributed_gmv) SELECT * FROM src",
    "search_keywords": "INSERT INTO search_keywords (day, keyword, category, searches, clicks, orders, gmv)"
                       " SELECT day, keyword, category, searches, clicks, orders, gmv FROM src",
    "inventory_snapshots": "INSERT INTO inventory_snapshots (snapshot_date, product_id, on_hand)"
                           " SELECT s.snapshot_date, p.product_id, s.on_hand FROM src s"
                           " JOIN prod_map p ON p.prod = s.prod",
    "suppliers": "INSERT INTO suppliers (supplier_id, name, country) SELECT * FROM src",
    "product_suppliers": "INSERT INTO product_suppliers (product_id, supplier_id, role, lead_time_days, unit_cost)"
                         " SELECT p.product_id, s.supplier_id, s.role, s.lead_time_days, s.unit_cost FROM src s"
                         " JOIN prod_map p ON p.prod = s.prod",
    "competitor_prices": "INSERT INTO competitor_prices (day, product_id, competitor, price, promotion, is_new_product)"
                         " SELECT s.day, p.product_id, s.competitor, s.price, s.promotion, s.is_new_product FROM src s"
                         " JOIN prod_map p ON p.prod = s.prod",
    # Review ids go on from the reviews already written ($reviews_before: 0 but for the later chunks of a stream).
    "reviews": "INSERT INTO reviews (review_id, product_id, customer_id, order_id, rating, review_text,"
               " created_ts, replied_ts, language) SELECT printf('R%08d', $reviews_before + row_number() OVER ()),"
               f" p.product_id, CASE WHEN s.cust >= 0 THEN {_CUSTOMER_ID.format(col='s.cust')} END, " +
               _ORDER_ID.format(col="s.order_no") + ", s.rating, s.review_text, s.created_ts,"
               " s.replied_ts, s.language FROM src s JOIN prod_map p ON p.prod = s.prod",
    "reactivation_outreach": "INSERT INTO reactivation_outreach (customer_id, sent_date, arm, offer, converted,"
                             f" converted_date) SELECT {_CID}, sent_date, arm, offer, converted, converted_date FROM src",
    "customer_surveys": "INSERT INTO customer_surveys (customer_id, response_date, reason, comment)"
                        f" SELECT {_CID}, response_date, reason, comment FROM src",
}

TABLES = tuple(_SQL)


def insert(con: duckdb.DuckDBPyConnection, cat: Catalogue, cal: Calendar,
           frames: dict[str, pd.DataFrame | None], reviews_before: int = 0) -> dict[str, int]:
    """Append the given tables' frames in one transaction (bumping the data version), in the order of ``TABLES``;
    return each given table's row count after it. ``products`` and ``campaigns`` take None: their rows come from
    the catalogue and the calendar. ``reviews_before`` is the number of reviews already in the table."""
    products = cat.frame.assign(prod=np.arange(len(cat.frame), dtype=np.int64))
    fixed = {"products": products, "campaigns": cal.campaigns.drop(columns=["discount"])}
    labels = {"statuses": list(STATUSES), "channels": list(CHANNELS), "devices": list(DEVICES),
              "tiers": ["none", "silver", "gold"], "cities": CITIES.tolist(),
              "campaigns": cal.campaigns["campaign_id"].tolist(), "reviews_before": reviews_before}
    counts: dict[str, int] = {}
    with db.transaction(con) as cur:
        cur.register("prod_map", products[["prod", "product_id"]])
        for table, sql in _SQL.items():
            if table not in frames:
                continue
            frame = fixed[table] if frames[table] is None else frames[table]
            cur.register("src", frame)
            used = {k: v for k, v in labels.items() if f"${k}" in sql}
            # DuckDB 2.0: finish the result before the next call on this cursor.
            (cur.execute(sql, used) if used else cur.execute(sql)).fetchall()
            cur.unregister("src")
            counts[table] = int(cur.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])
        cur.unregister("prod_map")
    return counts


def finish(con: duckdb.DuckDBPyConnection) -> None:
    """Build the pages' summary tables now, so the first page view after generation pays nothing; the shipped
    banned-word list first, so the compliance findings are among them."""
    from ecomops.risk import compliance  # imports derived: loaded here, not at module level

    compliance.ensure_seeded(con)
    derived.refresh_all(con)
