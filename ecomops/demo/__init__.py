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

Streaming above ``STREAM_ABOVE`` (1,000,000) customers: the customers are generated in chunks of at most
``CHUNK_CUSTOMERS`` (500,000), each with its own generator spawned from ``SeedSequence(seed)`` (child 0 draws the
catalogue and the store-level tables, child k + 1 chunk k), by the same functions as the single pass. Each chunk's
customers, orders, lines, reviews, surveys and outreach are appended to DuckDB (one transaction per chunk) before the
next chunk is drawn; what the store-level tables need from all orders (orders and buyers per day x channel x device,
GMV per day and channel, units per product and day, product GMV) is summed over the chunks, and traffic, ad spend,
search keywords, inventory, suppliers and competitor prices are drawn once at the end. Customer ids run on across
chunks (``C0000001`` ...); order ids are numbered **by chunk**: chunk k's orders come after every order of chunk
k - 1 and are in time order within the chunk, so in a streamed store order_id order is not time order (numbering
all orders by time would need them all at once). Review ids run on across chunks too. Each chunk has its own
reactivation test (2,000 contacts per 20,000 customers, as in the single pass) and its own ~2% guest orders. At or
below the threshold the single pass runs, unchanged (same seed, same tables, bit for bit); a streamed store of N
customers is a different draw from a single-pass one of the same size, with the same shape (orders per customer,
shares, planted features). The 1M-customer scale data set of bench/RESULTS.md is thus still a single pass: its
measured peak (3.28 GB) is what one pass of 1M customers costs; chunks of half that keep a streamed build's
arrays near 1.7 GB, next to DuckDB's own buffer (``ECOMOPS_MEMORY_LIMIT``, 4 GB by default).
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from ecomops import db
from ecomops.demo import sales, stock, traffic, voice_of_customer, writer
from ecomops.demo.calendar import Calendar, build_calendar
from ecomops.demo.catalogue import Catalogue, build_catalogue
from ecomops.demo.constants import (AD_CHANNELS, ANOMALY_DAY, CATEGORIES, CHANNELS, DEMO_END, DEMO_START, DEMO_TABLES,
                                    DEVICES, OUTREACH_CAMPAIGN, OUTREACH_DATE, PET_FEEDER_KEYWORD, STATUSES,
                                    TSHIRT_ID, UNDERCUT_COMPETITOR, ProgressFn)
from ecomops.demo.sales import lines_line_no

STREAM_ABOVE = 1_000_000  # more customers than this are generated and written in chunks
CHUNK_CUSTOMERS = 500_000  # customers per chunk when streaming (at most)
_N_DAYS = 731  # DEMO_START..DEMO_END inclusive

__all__ = ["AD_CHANNELS", "ANOMALY_DAY", "CATEGORIES", "CHANNELS", "DEMO_END", "DEMO_START", "DEMO_TABLES", "DEVICES",
           "OUTREACH_CAMPAIGN", "OUTREACH_DATE", "PET_FEEDER_KEYWORD", "STATUSES", "TSHIRT_ID", "UNDERCUT_COMPETITOR",
           "CHUNK_CUSTOMERS", "ProgressFn", "STREAM_ABOVE", "generate", "lines_line_no"]


def generate(con: duckdb.DuckDBPyConnection, customers: int = 20000, seed: int = 7,
             progress: ProgressFn | None = None, chunk_customers: int | None = None) -> dict[str, int]:
    """Fill an empty, migrated database with the deterministic demo store; return row counts per table.

    ``chunk_customers`` None: one pass up to ``STREAM_ABOVE`` customers, chunks of ``CHUNK_CUSTOMERS`` above. A number:
    chunks of at most that many customers whenever there are more customers than that (tests force small chunks)."""
    if customers < 100:
        raise ValueError("the demo needs at least 100 customers")
    if chunk_customers is not None and chunk_customers < 100:
        raise ValueError("a chunk needs at least 100 customers")
    for table in DEMO_TABLES:
        if db.query_one(con, f"SELECT EXISTS (SELECT 1 FROM {table})")[0]:
            raise ValueError(f"table {table} already holds data: the demo fills an empty database only")

    def report(fraction: float, message: str) -> None:
        if progress is not None:
            progress(fraction, message)

    if chunk_customers is None:
        chunk_customers = CHUNK_CUSTOMERS if customers > STREAM_ABOVE else customers
    if customers <= chunk_customers:
        counts = _generate_and_write(con, customers, seed, report)
    else:
        counts = _stream(con, customers, seed, chunk_customers, report)
    # The generated arrays are gone by now (locals of the call above): the summary-table builds below no longer
    # share the process's memory with them (at 200k customers the peak was during these builds).
    report(0.95, "derived tables")
    writer.finish(con)
    report(1.0, "done")
    return counts


@dataclass
class _Sales:
    """A set of customers with their orders, order lines and reactivation outreach: the whole store, or one chunk."""

    cust: dict[str, np.ndarray]
    orders: sales.Orders
    outreach: pd.DataFrame
    lines: sales.Lines
    discount: np.ndarray
    status: np.ndarray
    has_tshirt: np.ndarray

    @property
    def valid(self) -> np.ndarray:
        return self.status != STATUSES.index("cancelled")


def _sales(rng: np.random.Generator, cat: Catalogue, cal: Calendar, customers: int, report: ProgressFn) -> _Sales:
    """Draw the customers, their orders and order lines, and settle the orders."""
    report(0.05, "customers")
    cust = sales.customers(rng, customers)
    report(0.1, "order history")
    orders, outreach = sales.order_headers(rng, cal, cust, report)
    report(0.35, "order lines")
    lines, discount = sales.order_lines(rng, cat, cust, orders)
    status, has_tshirt = sales.settle(rng, orders, lines)
    return _Sales(cust, orders, outreach, lines, discount, status, has_tshirt)


class _Totals:
    """What the store-level tables need from all orders: small sums that add up over disjoint sets of customers."""

    def __init__(self, n_prod: int) -> None:
        cells = (_N_DAYS, len(CHANNELS), len(DEVICES))
        self.orders = np.zeros(cells, dtype=np.int64)  # orders per day x channel x device
        self.buyers = np.zeros(cells, dtype=np.int64)  # distinct customers with a valid order, per cell
        self.chan_gmv = np.zeros((_N_DAYS, len(CHANNELS)))  # valid orders' GMV per day and channel
        self.units = np.zeros((n_prod, _N_DAYS))  # valid units per product and day
        self.prod_gmv_90 = np.zeros(n_prod)  # valid GMV per product, last 90 days
        self.prod_gmv_all = np.zeros(n_prod)  # valid GMV per product

    def add(self, batch: _Sales) -> None:
        """Add the orders of a set of customers (none of whom was added before)."""
        valid = batch.valid
        o_day, l_order, l_prod = batch.orders.day, batch.lines.order, batch.lines.prod
        n_orders, n_buyers = traffic.funnel_counts(batch.orders.cust, o_day, batch.orders.channel,
                                                   batch.orders.device, valid)
        self.orders += n_orders
        self.buyers += n_buyers
        line_gmv = batch.lines.qty * batch.lines.price * valid[l_order]
        np.add.at(self.chan_gmv, (o_day[l_order], batch.orders.channel[l_order]), line_gmv)
        np.add.at(self.units, (l_prod, o_day[l_order]), batch.lines.qty * valid[l_order])
        n_prod = self.prod_gmv_all.size
        recent = o_day[l_order] > 730 - 90
        self.prod_gmv_90 += np.bincount(l_prod[recent], weights=line_gmv[recent], minlength=n_prod)
        self.prod_gmv_all += np.bincount(l_prod, weights=line_gmv, minlength=n_prod)


def _store(rng: np.random.Generator, con: duckdb.DuckDBPyConnection, cat: Catalogue, cal: Calendar, totals: _Totals,
           customers: int, report: ProgressFn) -> dict[str, pd.DataFrame]:
    """Draw the store-level tables from the order totals: traffic, ads, search, inventory, suppliers, competitors."""
    demo_days = cal.days[cal.offset:]
    report(0.5, "traffic and funnel")
    traffic_frame, scroll = traffic.traffic(rng, totals.orders, totals.buyers, demo_days)
    report(0.6, "ads and search")
    ads = traffic.ad_spend(rng, totals.chan_gmv, cal, demo_days)
    keywords = traffic.search_keywords(rng, cat, cal, demo_days, customers)
    report(0.65, "inventory, suppliers, competitors")
    abc = stock.abc_codes(con, cat, totals.prod_gmv_90)
    inventory = stock.inventory(rng, cat, totals.units, abc, demo_days)
    suppliers, product_suppliers = stock.suppliers(rng, cat, abc, totals.prod_gmv_all)
    competitors = stock.competitor_prices(rng, cat, totals.prod_gmv_90, demo_days)
    return {"traffic_daily": traffic_frame, "scroll_depth": scroll, "ad_spend": ads, "search_keywords": keywords,
            "inventory_snapshots": inventory, "suppliers": suppliers, "product_suppliers": product_suppliers,
            "competitor_prices": competitors}


def _customer_frames(rng: np.random.Generator, cat: Catalogue, batch: _Sales, report: ProgressFn) -> dict[str, pd.DataFrame]:
    """Draw the reviews and surveys of a set of customers; return them with its customers, orders, lines and
    outreach as frames to insert."""
    report(0.72, "reviews and surveys")
    orders = batch.orders
    reviews = voice_of_customer.reviews(rng, cat, orders.cust, sales.order_timestamps(orders), batch.status,
                                        batch.lines.order, batch.lines.prod)
    surveys = voice_of_customer.surveys(rng, orders.cust, orders.day, batch.valid, batch.has_tshirt)
    return {"customers": writer.customers_frame(batch.cust), "orders": writer.orders_frame(orders, batch.status,
                                                                                          batch.discount),
            "order_items": writer.items_frame(batch.lines), "reviews": reviews,
            "reactivation_outreach": batch.outreach, "customer_surveys": surveys}


def _generate_and_write(con: duckdb.DuckDBPyConnection, customers: int, seed: int,
                        report: ProgressFn) -> dict[str, int]:
    """Generate every table of the demo store in one pass and insert them; return row counts per table."""
    # One generator drives every draw, in this order: moving a step changes the data.
    rng = np.random.default_rng(seed)
    report(0.0, "catalogue and calendar")
    cat = build_catalogue(rng)
    cal = build_calendar()
    batch = _sales(rng, cat, cal, customers, report)
    totals = _Totals(len(cat.frame))
    totals.add(batch)
    store = _store(rng, con, cat, cal, totals, customers, report)
    frames = _customer_frames(rng, cat, batch, report)
    del batch
    report(0.8, "writing to DuckDB")
    return writer.insert(con, cat, cal, {"products": None, "campaigns": None, **frames, **store})


def _stream(con: duckdb.DuckDBPyConnection, customers: int, seed: int, chunk_customers: int,
            report: ProgressFn) -> dict[str, int]:
    """Generate the store chunk by chunk of customers, appending each chunk before drawing the next, then the
    store-level tables from the chunks' totals; return row counts per table. A failure empties the demo's tables."""
    n_chunks = -(-customers // chunk_customers)
    bounds = [customers * k // n_chunks for k in range(n_chunks + 1)]  # near-equal chunks of <= chunk_customers
    store_seq, *chunk_seqs = np.random.SeedSequence(seed).spawn(n_chunks + 1)
    rng = np.random.default_rng(store_seq)
    report(0.0, "catalogue and calendar")
    cat = build_catalogue(rng)
    cal = build_calendar()
    totals = _Totals(len(cat.frame))
    try:
        writer.insert(con, cat, cal, {"products": None, "campaigns": None})
        n_orders = n_reviews = 0
        for k in range(n_chunks):
            first, last = bounds[k], bounds[k + 1]

            def chunk_report(fraction: float, message: str, k: int = k, first: int = first, last: int = last) -> None:
                # The single pass's fractions 0..0.8 of this chunk's share of 0.02..0.8.
                report(0.02 + 0.78 * (k + fraction / 0.85) / n_chunks,
                       f"chunk {k + 1}/{n_chunks} (customers {first + 1:,}-{last:,} of {customers:,}): {message}")

            chunk_rng = np.random.default_rng(chunk_seqs[k])
            batch = _sales(chunk_rng, cat, cal, last - first, chunk_report)
            totals.add(batch)
            frames = _customer_frames(chunk_rng, cat, batch, chunk_report)
            del batch
            chunk_report(0.8, "writing to DuckDB")
            frames = {table: writer.shift_ids(frame, first, n_orders) for table, frame in frames.items()}
            written = writer.insert(con, cat, cal, frames, reviews_before=n_reviews)
            del frames
            n_orders, n_reviews = written["orders"], written["reviews"]

        def store_report(fraction: float, message: str) -> None:
            report(0.8 + 0.4 * (fraction - 0.5), message)  # the single pass's 0.5..0.65

        store = _store(rng, con, cat, cal, totals, customers, store_report)
        report(0.9, "writing to DuckDB")
        writer.insert(con, cat, cal, store)
    except BaseException:
        with contextlib.suppress(Exception):  # the original error matters, not one from the clean-up
            _clear(con)
        raise
    return {table: db.query_one(con, f"SELECT count(*) FROM {table}")[0] for table in writer.TABLES}


def _clear(con: duckdb.DuckDBPyConnection) -> None:
    """Empty the demo's tables (after a failed streamed build had filled some)."""
    with db.transaction(con) as cur:
        for table in DEMO_TABLES:  # names from a fixed tuple
            cur.execute(f"DELETE FROM {table}").fetchall()
