"""Deterministic demo data generator: a two-year Chinese e-commerce store that shows every playbook feature.

``generate(con, customers, seed)`` fills an empty, migrated database and returns row counts per table. Everything is
vectorised numpy driven by one ``numpy.random.default_rng(seed)`` (no wall clock, no ``hash()``, no set order), so a
seed always gives identical tables; 20k customers take a few seconds, 1M customers (~4M orders, ~10M lines) minutes.

How orders get their shape: each customer lives in "operational time", where one unit is one average day of demand.
Gaps between a customer's orders are drawn in operational time (members' median gap shorter than non-members'), then
mapped back to calendar days through the cumulative daily intensity curve. Days with high intensity (Nov/Dec,
weekends, Tuesday member days, monthly flash-sale weekends, 618 and Double 11 with their pre-sale windows) thus
receive proportionally more orders without any per-customer Python loop. Planted features (see docs/data-model.md
and the playbook): wecom share 8% -> 18%, members reorder faster, the size-chart T-shirt, bundles, the 2026-11-03
conversion anomaly on paid_ads x mobile_web, the growing "智能宠物喂食器" searches, the 9.9 competitor undercut,
low/high inventory cover, a supplier concentration, ad ROI by channel/audience, reactivation A/B test, churn surveys.
"""
from __future__ import annotations
from __future__ import annotations

import duckdb
import numpy as np

from ecomops import db
from ecomops.demo import sales, stock, traffic, voice_of_customer, writer
from ecomops.demo.calendar import build_calendar
from ecomops.demo.catalogue import build_catalogue
from ecomops.demo.constants import (AD_CHANNELS, ANOMALY_DAY, CATEGORIES, CHANNELS, DEMO_END, DEMO_START, DEMO_TABLES,
                                    DEVICES, OUTREACH_CAMPAIGN, OUTREACH_DATE, PET_FEEDER_KEYWORD, STATUSES,
                                    TSHIRT_ID, UNDERCUT_COMPETITOR, ProgressFn)
from ecomops.demo.sales import lines_line_no

__all__ = ["AD_CHANNELS", "ANOMALY_DAY", "CATEGORIES", "CHANNELS", "DEMO_END", "DEMO_START", "DEMO_TABLES", "DEVICES",
           "OUTREACH_CAMPAIGN", "OUTREACH_DATE", "PET_FEEDER_KEYWORD", "STATUSES", "TSHIRT_ID", "UNDERCUT_COMPETITOR",
           "ProgressFn", "generate", "lines_line_no"]


def generate(con: duckdb.DuckDBPyConnection, customers: int = 20000, seed: int = 7,
             progress: ProgressFn | None = None) -> dict[str, int]:
    """Fill an empty, migrated database with the deterministic demo store; return row counts per table."""
    if customers < 100:
        raise ValueError("the demo needs at least 100 customers")
    for table in DEMO_TABLES:
        if db.query_one(con, f"SELECT EXISTS (SELECT 1 FROM {table})")[0]:
            raise ValueError(f"table {table} already holds data: the demo fills an empty database only")

    def report(fraction: float, message: str) -> None:
        if progress is not None:
            progress(fraction, message)

    counts = _generate_and_write(con, customers, seed, report)
    # The generated arrays are gone by now (locals of the call above): the summary-table builds below no longer
    # share the process's memory with them (at 200k customers the peak was during these builds).
    report(0.95, "derived tables")
    writer.finish(con)
    report(1.0, "done")
    return counts


def _generate_and_write(con: duckdb.DuckDBPyConnection, customers: int, seed: int,
                        report: ProgressFn) -> dict[str, int]:
    """Generate every table of the demo store and insert them; return row counts per table."""
    # One generator drives every draw, in this order: moving a step changes the data.
    rng = np.random.default_rng(seed)
    report(0.0, "catalogue and calendar")
    cat = build_catalogue(rng)
    cal = build_calendar()
    n_days = 731  # DEMO_START..DEMO_END inclusive
    demo_days = cal.days[cal.offset:]

    report(0.05, "customers")
    cust = sales.customers(rng, customers)
    report(0.1, "order history")
    orders, outreach = sales.order_headers(rng, cal, cust, report)
    report(0.35, "order lines")
    lines, discount = sales.order_lines(rng, cat, cust, orders)
    status, has_tshirt = sales.settle(rng, orders, lines)

    report(0.5, "traffic and funnel")
    n_prod = len(cat.frame)
    valid = status != STATUSES.index("cancelled")
    o_day, l_order, l_prod = orders.day, lines.order, lines.prod
    traffic_frame, scroll = traffic.traffic(rng, orders.cust, o_day, orders.channel, orders.device, valid, demo_days)
    line_gmv = lines.qty * lines.price * valid[l_order]
    chan_gmv = np.zeros((n_days, len(CHANNELS)))
    np.add.at(chan_gmv, (o_day[l_order], orders.channel[l_order]), line_gmv)
    report(0.6, "ads and search")
    ads = traffic.ad_spend(rng, chan_gmv, cal, demo_days)
    keywords = traffic.search_keywords(rng, cat, cal, demo_days, customers)

    report(0.65, "inventory, suppliers, competitors")
    units = np.zeros((n_prod, n_days))
    np.add.at(units, (l_prod, o_day[l_order]), lines.qty * valid[l_order])
    prod_gmv_90 = np.bincount(l_prod[(o_day[l_order] > 730 - 90)], weights=line_gmv[(o_day[l_order] > 730 - 90)],
                              minlength=n_prod)
    abc = stock.abc_codes(con, cat, prod_gmv_90)
    inventory = stock.inventory(rng, cat, units, abc, demo_days)
    prod_gmv_all = np.bincount(l_prod, weights=line_gmv, minlength=n_prod)
    suppliers, product_suppliers = stock.suppliers(rng, cat, abc, prod_gmv_all)
    competitors = stock.competitor_prices(rng, cat, prod_gmv_90, demo_days)

    report(0.72, "reviews and surveys")
    reviews = voice_of_customer.reviews(rng, cat, orders.cust, sales.order_timestamps(orders), status, l_order, l_prod)
    surveys = voice_of_customer.surveys(rng, orders.cust, o_day, valid, has_tshirt)

    report(0.8, "writing to DuckDB")
    counts = writer.write(con, cat, cal, writer.customers_frame(cust), writer.orders_frame(orders, status, discount),
                          writer.items_frame(lines), traffic_frame, scroll, ads, keywords, inventory, suppliers,
                          product_suppliers, competitors, reviews, outreach, surveys)
    return counts
