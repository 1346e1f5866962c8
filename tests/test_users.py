"""Lifecycle states, their monthly movement and RFM scores on tiny hand-built stores; expected numbers by hand."""
from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from ecomops import db, derived
from ecomops.users import lifecycle
from ecomops.users import rfm
from ecomops.filters import Filters

AS_OF = date(2024, 6, 30)
_order_seq = iter(range(1, 1_000_000))


def add_customer(con, customer_id: str, signup: date | None = None, channel: str = "search", tier: str = "none") -> None:
    """Insert one registered customer."""
    con.execute("INSERT INTO customers (customer_id, signup_date, channel, membership_tier) VALUES (?, ?, ?, ?)",
                [customer_id, signup, channel, tier])


def add_order(con, customer_id: str | None, day: date, value: float = 10.0, status: str = "completed",
              channel: str = "search", discount: float = 0.0, product_id: str = "P1", order_id: str | None = None) -> str:
    """Insert one order with one line worth ``value``; return its id."""
    oid = order_id or f"T{next(_order_seq)}"
    con.execute("INSERT INTO orders (order_id, customer_id, order_ts, order_date, status, channel, device, discount) "
                "VALUES (?, ?, ?, ?, ?, ?, 'app', ?)", [oid, customer_id, day, day, status, channel, discount])
    con.execute("INSERT INTO order_items VALUES (?, 1, ?, 1, ?, NULL)", [oid, product_id, value])
    return oid


def add_products(con) -> None:
    """Insert products P1 (Kitchen) and P2 (Apparel)."""
    con.execute("INSERT INTO products (product_id, title, category) VALUES ('P1', 'Cup', 'Kitchen'), "
                "('P2', 'Shirt', 'Apparel')")


@pytest.fixture
def life_con():
    """A store whose lifecycle states as of 2024-06-30 are known by hand (see the comments)."""
    con = db.connect_memory()
    add_products(con)
    d = date
    add_customer(con, "A", d(2024, 1, 1), tier="gold")
    add_order(con, "A", d(2024, 6, 20), 100)            # first order 10 days before -> new
    add_order(con, "B", d(2024, 1, 10), 20)
    add_order(con, "B", d(2024, 5, 15), 30)             # recency 46 -> active
    add_order(con, "C", d(2023, 12, 1), 5)
    add_order(con, "C", d(2024, 2, 1), 5)               # recency 150 -> dormant
    add_order(con, "D", d(2023, 10, 1), 7)              # recency 273 -> lost
    add_customer(con, "E", d(2024, 6, 1))               # registered, no order -> prospect
    add_customer(con, "F", d(2024, 7, 15))              # registers after the date -> not counted
    add_customer(con, "G", d(2024, 5, 1))
    add_order(con, "G", d(2024, 6, 10), 99, status="cancelled")   # cancelled only -> still a prospect
    add_order(con, "H", d(2024, 6, 29), 40)             # not in customers (imported orders) -> new
    add_order(con, None, d(2024, 6, 25), 50)            # guest: GMV, never a customer
    add_order(con, "I", d(2024, 5, 31), 1)              # first order 30 days before: outside (D-30, D] -> active
    add_order(con, "J", d(2024, 5, 30), 1)              # 31 days -> active
    add_order(con, "K", d(2024, 3, 1), 1)
    add_order(con, "K", d(2024, 4, 1), 1)               # recency 90 -> active
    add_order(con, "L", d(2024, 3, 31), 1)              # recency 91 -> dormant
    add_order(con, "M", d(2024, 1, 2), 1)               # recency 180 -> dormant
    add_order(con, "N", d(2024, 1, 1), 1)               # recency 181 -> lost
    add_order(con, "N", d(2024, 7, 5), 1)               # after the date: ignored as of 2024-06-30
    yield con
    con.close()


EXPECTED_STATES = {"A": "new", "B": "active", "C": "dormant", "D": "lost", "E": "prospect", "G": "prospect",
                   "H": "new", "I": "active", "J": "active", "K": "active", "L": "dormant", "M": "dormant", "N": "lost"}


def test_lifecycle_states_by_hand(life_con):
    frame = lifecycle.lifecycle(life_con, AS_OF)
    assert dict(zip(frame["customer_id"], frame["segment"])) == EXPECTED_STATES
    recency = dict(zip(frame["customer_id"], frame["recency_days"]))
    assert (recency["B"], recency["K"], recency["L"], recency["M"], recency["N"]) == (46, 90, 91, 180, 181)
    assert pd.isna(recency["E"])
    assert frame.set_index("customer_id").loc["K", "orders"] == 2


def test_lifecycle_summary_counts_and_gmv_share(life_con):
    table = lifecycle.lifecycle_summary(life_con, Filters(date(2024, 6, 1), AS_OF)).set_index("segment")
    assert table["customers"].to_dict() == {"new": 2, "active": 4, "dormant": 3, "lost": 2, "prospect": 2, "guest": 0}
    # GMV in June: A 100 (new), H 40 (new), guest 50; G's order is cancelled. Total 190.
    assert table.loc["new", "gmv"] == pytest.approx(140.0)
    assert table.loc["guest", "gmv"] == pytest.approx(50.0)
    assert table.loc["active", "gmv"] == 0.0
    assert table.loc["new", "gmv_share"] == pytest.approx(140 / 190)
    assert table["gmv_share"].sum() == pytest.approx(1.0)
    assert table.loc["prospect", "customer_share"] == pytest.approx(2 / 13)


def test_lifecycle_summary_category_and_channel_filters(life_con):
    add_order(life_con, "B", date(2024, 6, 2), 15, product_id="P2", channel="wecom")
    june = Filters(date(2024, 6, 1), AS_OF, categories=("Apparel",))
    table = lifecycle.lifecycle_summary(life_con, june).set_index("segment")
    assert table.loc["active", "gmv"] == pytest.approx(15.0) and table["gmv"].sum() == pytest.approx(15.0)
    wecom = lifecycle.lifecycle_summary(life_con, Filters(date(2024, 6, 1), AS_OF, channels=("wecom",))).set_index("segment")
    assert wecom["gmv"].sum() == pytest.approx(15.0)


def test_cache_rebuilds_after_new_rows(life_con):
    lifecycle.lifecycle(life_con, AS_OF)
    add_order(life_con, "E", date(2024, 6, 30), 5)
    assert not derived.is_fresh(life_con, derived.USERS_ORDERS)
    states = lifecycle.lifecycle(life_con, AS_OF).set_index("customer_id")["segment"]
    assert states["E"] == "new"


def test_monthly_snapshots_match_point_in_time_states(life_con):
    monthly = lifecycle.lifecycle_monthly(life_con, Filters(date(2024, 6, 1), AS_OF), months=8)
    assert sorted(monthly["snapshot"].unique()) == lifecycle.snapshot_dates(AS_OF, 8)
    for snapshot in lifecycle.snapshot_dates(AS_OF, 8):
        expected = lifecycle.lifecycle(life_con, snapshot)["segment"].value_counts()
        got = monthly[monthly["snapshot"] == snapshot].set_index("segment")["customers"]
        for segment in lifecycle.LIFECYCLE_SEGMENTS:
            assert got[segment] == expected.get(segment, 0), (snapshot, segment)
    # by hand at 2024-05-30: only J is new (first order that day; I's is 05-31); A and G are registered without a
    # valid order (E signs up 06-01); lost: D (242 days)
    may = monthly[monthly["snapshot"] == date(2024, 5, 30)].set_index("segment")["customers"]
    assert (may["new"], may["prospect"], may["lost"]) == (1, 2, 1)


def test_snapshot_dates_clamp_to_month_end():
    assert lifecycle.snapshot_dates(date(2024, 3, 31), 3) == [date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31)]


def test_flow_from_previous_month(life_con):
    flow = lifecycle.lifecycle_flow(life_con, Filters(date(2024, 6, 1), AS_OF))
    moves = {(r.from_segment, r.to_segment): r.customers for r in flow.itertuples()}
    # as of 2024-05-30: A prospect, B active (05-15 first 01-10), C dormant (recency 119), D lost (242),
    # E not registered yet (signup 06-01), G prospect, H not yet, I not yet, J new, K active (59), L active (60),
    # M dormant (149), N dormant (150). As of 06-30 I (first order 30 days before) is active: "new" is (D-30, D].
    assert moves == {("prospect", "new"): 1, ("active", "active"): 2, ("dormant", "dormant"): 2, ("lost", "lost"): 1,
                     ("not yet a customer", "prospect"): 1, ("prospect", "prospect"): 1,
                     ("not yet a customer", "new"): 1, ("not yet a customer", "active"): 1, ("new", "active"): 1,
                     ("active", "dormant"): 1,
                     ("dormant", "lost"): 1}
    assert flow["customers"].sum() == len(EXPECTED_STATES)
    text = lifecycle.lifecycle_movement_text(flow)
    assert "1 customers lapsed into dormant" in text and "1 customers moved from dormant to lost" in text


@pytest.fixture
def rfm_con():
    """Five buyers as of 2024-06-30 whose R/F/M scores follow by hand from 'score = 1 + number strictly worse'."""
    con = db.connect_memory()
    add_products(con)
    plan = {  # customer: (recency days, orders, total spend)
        "P1": (1, 5, 500), "P2": (10, 3, 300), "P3": (10, 1, 50), "P4": (200, 4, 400), "P5": (300, 1, 40),
    }
    for customer, (recency, n_orders, spend) in plan.items():
        last = AS_OF - timedelta(days=recency)
        for k in range(n_orders):
            add_order(con, customer, last - timedelta(days=7 * k), spend / n_orders)
    add_order(con, "P5", AS_OF - timedelta(days=3), 999, status="cancelled")  # cancelled: changes nothing
    add_order(con, None, AS_OF, 999)                                          # guest: not a buyer
    yield con
    con.close()


def test_rfm_scores_by_hand(rfm_con):
    scores = rfm.rfm_scores(rfm_con, AS_OF).set_index("customer_id")
    assert scores["r_score"].to_dict() == {"P1": 5, "P2": 3, "P3": 3, "P4": 2, "P5": 1}
    assert scores["f_score"].to_dict() == {"P1": 5, "P2": 3, "P3": 1, "P4": 4, "P5": 1}
    assert scores["m_score"].to_dict() == {"P1": 5, "P2": 3, "P3": 2, "P4": 4, "P5": 1}
    assert scores["fm_score"].to_dict() == {"P1": 5, "P2": 3, "P3": 2, "P4": 4, "P5": 1}
    assert scores["segment"].to_dict() == {"P1": "Champions", "P2": "Needs attention", "P3": "Needs attention",
                                           "P4": "At risk", "P5": "Lost"}
    assert scores.loc["P4", "monetary"] == pytest.approx(400.0) and scores.loc["P2", "frequency"] == 3


def test_rfm_scores_of_the_last_order_day_are_stored_with_the_derived_tables(rfm_con):
    """The derived-table build stores the scores as of the last order day (the sidebar's default end), so the
    Customers page's first view after an import writes nothing; other days are still computed on first use."""
    derived.ensure(rfm_con, derived.USERS_ORDERS)
    stored = rfm_con.execute("SELECT as_of, count(*), sum(r_score) FROM users_rfm_scores GROUP BY as_of").fetchall()
    assert stored == [(AS_OF, 5, 5 + 3 + 3 + 2 + 1)]  # the guest order makes AS_OF the last order day
    rfm.rfm_scores(rfm_con, AS_OF - timedelta(days=1))
    days = rfm_con.execute("SELECT DISTINCT as_of FROM users_rfm_scores ORDER BY 1").fetchall()
    assert days == [(AS_OF - timedelta(days=1),), (AS_OF,)]


def test_rfm_summary_and_segment_table(rfm_con):
    f = Filters(date(2024, 6, 1), AS_OF)
    summary = rfm.rfm_summary(rfm_con, f)
    seg = summary["segments"].set_index("segment")
    assert list(seg.index) == list(rfm.RFM_SEGMENTS)
    assert seg.loc["Needs attention", "customers"] == 2
    assert seg.loc["Needs attention", "avg_monetary"] == pytest.approx(175.0)
    assert seg.loc["Champions", "monetary_share"] == pytest.approx(500 / 1290)
    assert seg.loc["Loyal", "customers"] == 0
    assert summary["grid"]["customers"].sum() == 5
    table = rfm.rfm_segment_customers(rfm_con, f, "Needs attention")
    assert table["customer_id"].tolist() == ["P2", "P3"]  # biggest spender first
    page2 = rfm.rfm_segment_customers(rfm_con, f, "Needs attention", limit=1, offset=1)
    assert page2["customer_id"].tolist() == ["P3"]
    csv = rfm.rfm_segment_csv(rfm_con, f, "Needs attention").decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("customer_id,segment") and len(csv.splitlines()) == 3
    with pytest.raises(ValueError):
        rfm.rfm_segment_customers(rfm_con, f, "Robert'); DROP TABLE orders;--")


def test_rfm_rules_cover_every_cell_once():
    for r in range(1, 6):
        for fm in range(1, 6):
            hits = [name for name, rs, fms, _ in rfm.RFM_RULES if r in rs and fm in fms]
            assert len(hits) == 1, (r, fm, hits)
    assert len(rfm.rfm_rules_table()) == 9


def test_rfm_quintile_cut_offs_equal_the_rank_definition():
    """Scores from the stored cut-offs (users/rfm_cutoffs.sql, read through the view users_rfm_scores) equal
    1 + floor(5 * w / n), w = buyers strictly worse, on stores of 1 to 101 buyers full of ties (spend buckets of
    several values, zero and negative spend included), for the whole history's totals and for an earlier date's."""
    import random

    for seed in range(40):
        rng = random.Random(seed)
        con = db.connect_memory()
        buyers = rng.choice([1, 2, 3, 4, 5, 6, 7, 10, 11, 25, 101])
        rows = [(ckey, f"O{ckey}_{j}", date(2024, 1, rng.randint(1, 5)),
                 rng.choice([0.0, 0.1, 0.2, 1.25, 1.5, 2.0, 3.3333, 10.0, 10.5, -1.0, 100.75]))
                for ckey in range(1, buyers + 1) for j in range(rng.randint(1, 4))]
        con.executemany("INSERT INTO users_order_facts VALUES (?, 'none', ?, ?, ?, 'search', 'paid', 0, ?, 0, NULL, "
                        "NULL)", [(k, o, d, d, g) for k, o, d, g in rows])
        as_of = date(2024, 1, 5) + timedelta(days=seed % 3)
        rfm.store_scores(con, as_of, whole_history=seed % 2 == 0)
        got = con.execute("SELECT ckey, recency_days, frequency, monetary, r_score, f_score, m_score "
                          "FROM users_rfm_scores WHERE as_of = $as_of", {"as_of": as_of}).fetchall()
        n = len(got)
        assert n == buyers
        for ckey, recency, frequency, monetary, r, f, m in got:
            mine = [(d, g) for k, _o, d, g in rows if k == ckey]
            assert (recency, frequency) == ((as_of - max(d for d, _g in mine)).days, len(mine))
            assert monetary == pytest.approx(sum(g for _d, g in mine))
            worse = [sum(o[1] > recency for o in got), sum(o[2] < frequency for o in got),
                     sum(o[3] < monetary for o in got)]
            assert [r, f, m] == [1 + (5 * w) // n for w in worse], (seed, ckey)


def test_rfm_view_rules_agree_with_the_table():
    """Every (R, FM) cell classified by the view's CASE (migration 970) matches RFM_RULES."""
    con = db.connect_memory()
    sql = db.query_one(con, "SELECT sql FROM duckdb_views() WHERE view_name = 'users_rfm_scores'")[0]
    case = sql[sql.index("CASE"):sql.index("AS segment")]  # (the only CASE: the segment of a grid cell)
    rows = con.execute(f"SELECT r, fm, {case} FROM range(1, 6) a(r), range(1, 6) b(fm)").fetchall()
    assert len(rows) == 25
    for r, fm, segment in rows:
        expected = next(name for name, rs, fms, _ in rfm.RFM_RULES if r in rs and fm in fms)
        assert segment == expected, (r, fm)


def test_new_means_a_first_order_in_the_last_30_days_today_included():
    """METRICS.md: new = first valid order in (D - 30, D]: 29 days before is new, 30 days before is not."""
    con = db.connect_memory()
    add_products(con)
    add_order(con, "P", AS_OF - timedelta(days=29), 5)
    add_order(con, "Q", AS_OF - timedelta(days=30), 5)
    add_order(con, "R", AS_OF, 5)
    states = lifecycle.lifecycle(con, AS_OF).set_index("customer_id")["segment"].to_dict()
    assert states == {"P": "new", "Q": "active", "R": "new"}
    monthly = lifecycle.lifecycle_monthly(con, Filters(AS_OF, AS_OF), months=1).set_index("segment")["customers"]
    assert (monthly["new"], monthly["active"]) == (2, 1)
