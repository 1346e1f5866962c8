"""Buyers' totals stored for the RFM scores (migrations 951 and 970, ecomops/users/rfm.py buyer_totals): the
Customers and Lost customers queries read them for the dates they hold and give the answers of grouping every
order."""
from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

from ecomops import db, derived, metrics
from ecomops.filters import default_filters
from ecomops.users import lifecycle, lost, rfm, value

# The former buyers and people of lifecycle_flow.sql (every buyer grouped from every order, everyone joined to the
# customer keys): spliced into the current query in place of its own, they give the reference the flow must equal.
GROUPED_BUYERS_AND_PEOPLE = """buyers AS (
    SELECT ckey, min(order_date) AS first_day,
           max(order_date) FILTER (WHERE order_date <= $prev_as_of) AS last_before,
           max(order_date) AS last_after
    FROM users_order_facts
    WHERE ckey IS NOT NULL AND order_date <= $as_of
    GROUP BY ckey
),
people AS (
    SELECT k.ckey, k.registered, k.signup_date, b.first_day, b.last_before, b.last_after
    FROM users_customer_keys k LEFT JOIN buyers b ON b.ckey = k.ckey
    WHERE b.ckey IS NOT NULL OR (k.registered AND coalesce(k.signup_date, $as_of) <= $as_of)
),
"""


@pytest.fixture
def demo(demo_users):
    return demo_users


def _grouped(monkeypatch) -> None:
    monkeypatch.setattr(rfm, "buyer_totals", lambda con, as_of: (rfm.buyers_sql(), {}))


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert len(a) > 0
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False, rtol=1e-9)


def _answers(con, f) -> dict[str, pd.DataFrame]:
    overview = lifecycle.lifecycle_overview(con, f)
    return {"summary": overview["summary"], "flow": overview["flow"], "customers": lifecycle.lifecycle(con, f.end),
            "profile": lost.behaviour_profile(con, f).reset_index(), "categories": lost.last_categories(con, f),
            "value": value.value_by_state(con)}


def test_stored_totals_give_the_grouped_answers(demo, monkeypatch):
    span = metrics.data_range(demo)
    f = default_filters(span.start, span.end)
    whole = "FROM users_rfm_totals\nWHERE totals_as_of IS NULL"
    sql, params = rfm.buyer_totals(demo, f.end)
    assert whole in sql and params == {}
    # A later date reads the whole history's totals (no order after the last day); an earlier one groups the
    # orders until its own totals are stored (the Customers page's first view of that date stores them).
    later = rfm.buyer_totals(demo, span.end + timedelta(days=9))
    assert whole in later[0] and later[1] == {}
    earlier = span.end - timedelta(days=9)
    assert rfm.buyer_totals(demo, earlier) == (rfm.buyers_sql(), {})
    with db.recording() as rec:
        stored = _answers(demo, f)
    assert any(whole in sql for sql, _p, _s in rec.queries)
    rfm.ensure_rfm(demo, earlier)
    assert rfm.buyer_totals(demo, earlier)[1] == {"totals_as_of": earlier}
    f_earlier = default_filters(span.start, earlier)
    stored_earlier = _answers(demo, f_earlier)
    _grouped(monkeypatch)
    grouped, grouped_earlier = _answers(demo, f), _answers(demo, f_earlier)
    for name in stored:
        _same(stored[name], grouped[name])
        _same(stored_earlier[name], grouped_earlier[name])
    assert stored["summary"]["customers"].sum() > 1000
    assert len(stored_earlier["customers"]) < len(stored["customers"])  # fewer people as of the earlier date


def test_flow_equals_the_grouping_of_every_order(demo):
    span = metrics.data_range(demo)
    for end in (span.end, span.end - timedelta(days=200)):
        f = default_filters(span.start, end)
        prev = lifecycle.snapshot_dates(f.end, 2)[0]
        gmv_sql, params = lifecycle.range_gmv_sql(f)
        buyers, buyer_params = rfm.buyer_totals(demo, f.end)
        params.update(lifecycle.threshold_params(demo), **buyer_params, as_of=f.end, prev_as_of=prev)
        template = db.load_sql("users/lifecycle_flow")
        reference = (template[:template.index("buyers AS (")] + GROUPED_BUYERS_AND_PEOPLE
                     + template[template.index("states AS ("):])
        ours = db.query_df(demo, template.format(range_gmv=gmv_sql, buyers=buyers), params)
        theirs = db.query_df(demo, reference.format(range_gmv=gmv_sql),
                             {k: v for k, v in params.items() if k != "totals_as_of"})
        _same(ours, theirs)
        assert set(ours["from_segment"].dropna()) >= {"active", "lost", "dormant", "prospect", "not yet a customer"}
        assert "prospect" in set(ours["to_segment"])


def test_new_totals_on_the_tiny_store_by_hand(tiny_con):
    derived.ensure(tiny_con, derived.USERS_ORDERS)
    # Tiny store as of its last day (03-05): A has O1 and O2 (the last, search), B has O3, C has O6 (returned).
    rows = tiny_con.execute("SELECT k.customer_id, r.frequency, r.discounted_orders, r.returned_orders, "
                            "r.last_order_returned FROM users_rfm_scores r JOIN users_customer_keys k USING (ckey) "
                            "ORDER BY 1").fetchall()
    assert rows == [("A", 2, 0, 0, False), ("B", 1, 0, 0, False), ("C", 1, 0, 1, True)]


def test_totals_of_some_keys_are_those_keys_rows_of_every_buyers_totals(demo):
    # rfm.update_latest_rfm groups only the touched buyers' orders (buyers_sql(keys)); their rows must be those
    # the grouping of every buyer gives, for an as-of date that cuts some histories short.
    as_of = metrics.data_range(demo).end - timedelta(days=40)
    cur = demo.cursor()
    cur.execute("CREATE OR REPLACE TEMP TABLE some_keys AS SELECT ckey FROM users_customer_keys "
                "WHERE first_order_date IS NOT NULL AND ckey % 7 = 3")
    some = cur.execute(f"SELECT * FROM ({rfm.buyers_sql('some_keys')}) ORDER BY ckey", {"as_of": as_of}).df()
    every = cur.execute(f"SELECT * FROM ({rfm.buyers_sql()}) WHERE ckey % 7 = 3 ORDER BY ckey", {"as_of": as_of}).df()
    cur.execute("DROP TABLE some_keys")
    assert len(some) > 100 and some["frequency"].gt(1).any()
    _same(some, every)
