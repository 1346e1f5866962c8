"""Users domain on UCI Online Retail (orders only: no signup dates, no members), checked against pandas on the raw file."""
from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from ecomops import db
from ecomops.users import cohorts
from ecomops.users import lifecycle
from ecomops.users import rfm
from ecomops.filters import Filters
from tests.retail import load_online_retail


@pytest.fixture(scope="module")
def retail(shared_data):
    path = shared_data / "online_retail.csv.gz"
    con = db.connect_memory()
    load_online_retail(con, path)
    raw = pd.read_csv(path, dtype={"InvoiceNo": str, "StockCode": str}, parse_dates=["InvoiceDate"])
    yield con, raw
    con.close()


def _valid(raw: pd.DataFrame) -> pd.DataFrame:
    """Valid orders per METRICS.md: invoices not starting with 'C', with a customer id (guests excluded)."""
    lines = raw[~raw["InvoiceNo"].str.startswith("C") & raw["CustomerID"].notna()].copy()
    lines["customer_id"] = lines["CustomerID"].astype("int64").astype(str)
    lines["day"] = lines.groupby("InvoiceNo")["InvoiceDate"].transform("min").dt.normalize()
    return lines


def test_lifecycle_matches_pandas(retail):
    con, raw = retail
    as_of = date(2011, 12, 9)
    lines = _valid(raw)
    per = lines.groupby("customer_id")["day"].agg(["min", "max"])
    ref = pd.Timestamp(as_of)
    since_first, recency = (ref - per["min"]).dt.days, (ref - per["max"]).dt.days
    expected = pd.Series("lost", index=per.index)
    expected[recency <= 180] = "dormant"
    expected[recency <= 90] = "active"
    expected[since_first < 30] = "new"  # METRICS.md: first order in (D - 30, D]
    # Customers whose every invoice is a cancellation: registered (in customers) without a valid order.
    all_ids = set(raw.loc[raw["CustomerID"].notna(), "CustomerID"].astype("int64").astype(str))
    prospects = len(all_ids - set(per.index))
    found = lifecycle.lifecycle(con, as_of).set_index("customer_id")["segment"]
    assert found[found != "prospect"].sort_index().to_dict() == expected.sort_index().to_dict()
    assert (found == "prospect").sum() == prospects
    summary = lifecycle.lifecycle_summary(con, Filters(date(2011, 11, 10), as_of)).set_index("segment")
    assert summary.loc["lost", "customers"] == (expected == "lost").sum()
    assert summary["gmv_share"].sum() == pytest.approx(1.0)


def test_rfm_matches_pandas(retail):
    con, raw = retail
    as_of = date(2011, 12, 9)
    lines = _valid(raw)
    positive = lines[lines["Quantity"] > 0]
    monetary = (positive["Quantity"] * positive["UnitPrice"]).groupby(positive["customer_id"]).sum()
    frequency = lines.groupby("customer_id")["InvoiceNo"].nunique()
    scores = rfm.rfm_scores(con, as_of).set_index("customer_id")
    assert scores["frequency"].sort_index().to_dict() == frequency.sort_index().to_dict()
    assert scores["monetary"].sort_index().to_numpy() == pytest.approx(monetary.reindex(scores.index.sort_values())
                                                                       .fillna(0).to_numpy())
    # F score by the documented rule: 1 + floor(5 * (buyers with strictly fewer orders) / buyers)
    n = len(frequency)
    worse = frequency.map(lambda v: (frequency < v).sum())
    assert scores["f_score"].sort_index().to_dict() == (1 + (5 * worse // n)).sort_index().to_dict()
    assert set(scores["segment"]) <= set(rfm.RFM_SEGMENTS)


def test_repurchase_cycle_matches_pandas(retail):
    con, raw = retail
    f = Filters(date(2011, 1, 1), date(2011, 12, 9))
    lines = _valid(raw)
    orders = (lines.groupby("InvoiceNo").agg(customer_id=("customer_id", "first"), ts=("InvoiceDate", "min"))
              .reset_index().sort_values(["customer_id", "ts", "InvoiceNo"]))
    orders["gap"] = orders.groupby("customer_id")["ts"].diff()
    orders["gap_days"] = (orders["ts"].dt.normalize() - (orders["ts"] - orders["gap"]).dt.normalize()).dt.days
    in_range = orders[(orders["ts"] >= pd.Timestamp(f.start)) & (orders["ts"] < pd.Timestamp(f.end + timedelta(days=1)))]
    table = cohorts.members(con, f).set_index("group")
    assert list(table.index) == ["non-member"]  # Online Retail has no membership data
    assert table.loc["non-member", "median_gap_days"] == in_range["gap_days"].dropna().median()
    counts = in_range.groupby("customer_id").size()
    assert table.loc["non-member", "buyers"] == len(counts)
    assert table.loc["non-member", "repeat_buyers"] == (counts >= 2).sum()
    assert cohorts.members_statement(table.reset_index()) is None
    assert cohorts.signup_coverage(con)["with_signup_date"] == 0
