"""AppTest of the Users pages on the small demo database: they run without errors and show the domain's numbers."""
from __future__ import annotations

import re

import pytest

from ecomops import db, metrics
from ecomops.users import cohorts as users_cohorts
from ecomops.users import lifecycle
from ecomops.users import lost
from ecomops.users import rfm
from ecomops.exports import escape_markdown
from ecomops.filters import default_filters


@pytest.fixture
def demo_filters(demo_db_path):
    con = db.connect(demo_db_path)
    span = metrics.data_range(con)
    return con, default_filters(span.start, span.end)


def _metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def test_customers_page(app_test, demo_filters):
    con, f = demo_filters
    at = app_test("pages/users.py")
    assert not at.exception
    summary = lifecycle.lifecycle_summary(con, f).set_index("segment")
    for segment in lifecycle.LIFECYCLE_SEGMENTS:
        assert _metric(at, lifecycle.LIFECYCLE_LABELS[segment]) == f"{summary.loc[segment, 'customers']:,}"
    segments = rfm.rfm_summary(con, f)["segments"]
    assert at.dataframe[1].value["customers"].tolist() == segments["customers"].tolist()
    first = at.selectbox(key="users_rfm_segment").value
    expected = rfm.rfm_segment_customers(con, f, first, 200, 0)
    assert at.dataframe[2].value["customer_id"].tolist() == expected["customer_id"].tolist()
    at.selectbox(key="users_rfm_segment").set_value("At risk").run()
    assert not at.exception
    assert set(at.dataframe[2].value["segment"]) == {"At risk"}
    assert len(at.get("plotly_chart")) == 8  # lifecycle 3, RFM 2, value: tracking + by state + by segment


def test_cohorts_page_members_statement(app_test, demo_filters):
    con, f = demo_filters
    at = app_test("pages/users_cohorts.py")
    assert not at.exception
    window = users_cohorts.trailing(f, 365)
    comparison = users_cohorts.members(con, window)
    statement = users_cohorts.members_statement(comparison)
    assert at.success[0].value == escape_markdown(statement)  # shown as text (ecomops.exports)
    member_gap, other_gap = (float(x) for x in re.match(r"Members reorder every ([\d.]+) days vs ([\d.]+)",
                                                         statement).groups())
    assert member_gap < other_gap  # the demo's members reorder faster (~22 vs ~30 days over its history)
    cohorts = users_cohorts.cohorts(con, f, 12)
    assert _metric(at, "Reorder in month 1") == f"{users_cohorts.cohort_summary(cohorts)['retention_m1']:.2%}"
    total = users_cohorts.conversion(con, users_cohorts.trailing(f, 90)).iloc[-1]  # default: last 90 days of signups
    assert _metric(at, "Signups") == f"{int(total['signups']):,}"
    assert _metric(at, "First order within 30 days") == f"{total['rate_30']:.2%}"
    at.radio(key="users_member_window").set_value("Selected range").run()
    assert not at.exception


def test_lost_page(app_test, demo_filters):
    con, f = demo_filters
    at = app_test("pages/users_lost.py")
    assert not at.exception
    profile = lost.behaviour_profile(con, f).set_index("segment")
    assert _metric(at, "Lost customers") == f"{int(profile.loc['lost', 'customers']):,}"
    rate = lost.winback(con, f).set_index("segment").loc["lost", "rate"]
    assert _metric(at, "Win-back rate") == f"{rate:.2%}"
    assert len(at.get("plotly_chart")) == 2  # survey reasons and last-order categories


def test_pages_on_orders_only_data(app_test, tmp_path, monkeypatch):
    """Imported order histories without customers: the pages explain what is missing instead of failing."""
    path = tmp_path / "orders_only.duckdb"
    con = db.connect(path)
    con.execute("INSERT INTO products (product_id, title, category) VALUES ('P1', 'Cup', 'Kitchen')")
    for i, (cid, day) in enumerate([("A", "2024-01-05"), ("A", "2024-02-05"), ("B", "2024-03-01"), (None, "2024-03-02")]):
        con.execute("INSERT INTO orders (order_id, customer_id, order_ts, order_date, status) VALUES (?, ?, ?, ?, 'completed')",
                    [f"O{i}", cid, day, day])
        con.execute("INSERT INTO order_items VALUES (?, 1, 'P1', 1, 10.0, NULL)", [f"O{i}"])
    db.close(path)
    monkeypatch.setenv("ECOMOPS_DB", str(path))
    for page in ("pages/users.py", "pages/users_cohorts.py", "pages/users_lost.py"):
        at = app_test(page)
        assert not at.exception, page
    infos = " ".join(i.value for i in at.info)
    assert "No survey answers yet" in infos
    at = app_test("pages/users_cohorts.py")
    infos = " ".join(i.value for i in at.info)
    assert "No signup dates" in infos and "No membership data" in infos


def test_members_totals_agree_with_overview_kpis(demo_filters):
    """Members + non-members add up to the Overview's buyers and repeat buyers (same METRICS.md definitions)."""
    con, f = demo_filters
    window = users_cohorts.trailing(f, 90)
    groups = users_cohorts.members(con, window)
    k = metrics.kpis(con, window)
    assert groups["buyers"].sum() == k["buyers"]
    assert groups["repeat_buyers"].sum() / groups["buyers"].sum() == pytest.approx(k["repurchase_rate"])
    guest_gmv = db.query_one(con, "SELECT coalesce(sum(i.quantity * i.unit_price), 0) FROM orders o JOIN order_items i "
                                  "USING (order_id) WHERE o.customer_id IS NULL AND o.status IN ('paid', 'shipped', 'completed', 'returned') "
                                  "AND i.quantity > 0 AND o.order_date BETWEEN $s AND $e",
                             {"s": window.start, "e": window.end})[0]
    assert groups["gmv"].sum() + guest_gmv == pytest.approx(k["gmv"])
