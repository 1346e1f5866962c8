"""ABC classes and pair statistics on UCI Online Retail, checked against an independent pandas computation.

The data model is filled straight from the raw file (tests/retail.py, not the import path); the expected figures
are computed here with pandas and itertools over the same raw file, following METRICS.md.
"""
from collections import Counter
from datetime import date
from itertools import combinations

import pandas as pd
import pytest

from ecomops import db
from ecomops.products import bundles
from ecomops.products import inventory
from ecomops.filters import Filters
from tests.retail import load_online_retail

END = date(2011, 12, 9)


@pytest.fixture(scope="module")
def raw(shared_data):
    frame = pd.read_csv(shared_data / "online_retail.csv.gz", dtype={"InvoiceNo": str, "StockCode": str},
                        parse_dates=["InvoiceDate"])
    # valid orders (not a cancellation) and purchase lines (quantity > 0), per METRICS.md
    sold = frame[~frame["InvoiceNo"].str.startswith("C") & (frame["Quantity"] > 0)].copy()
    sold["day"] = sold["InvoiceDate"].dt.date
    sold["value"] = sold["Quantity"] * sold["UnitPrice"]
    return sold


@pytest.fixture(scope="module")
def retail_con(shared_data):
    con = db.connect_memory()
    load_online_retail(con, shared_data / "online_retail.csv.gz")
    yield con
    con.close()


def test_abc_classes_match_pandas(retail_con, raw):
    f = Filters(date(2011, 11, 10), END)
    window = raw[(raw["day"] >= date(2011, 9, 11)) & (raw["day"] <= END)]  # the 90 days to 2011-12-09
    gmv = window.groupby("StockCode")["value"].sum().round(6)
    ranked = gmv[gmv > 0].reset_index().sort_values(["value", "StockCode"], ascending=[False, True])
    before = ranked["value"].cumsum() - ranked["value"]
    total = ranked["value"].sum()
    expected = pd.Series(["A" if b < 0.8 * total else "B" if b < 0.95 * total else "C" for b in before],
                         index=ranked["StockCode"])
    abc = inventory.abc_table(retail_con, f).set_index("product_id")
    assert len(abc) == len(expected) > 3000
    assert abc["gmv"].round(2).to_dict() == pytest.approx(gmv[gmv > 0].round(2).to_dict())
    assert (abc["abc_class"].sort_index() == expected.sort_index()).all()
    counts = abc["abc_class"].value_counts().to_dict()
    assert counts == expected.value_counts().to_dict()
    assert counts["A"] < counts["B"] < counts["C"]  # the Pareto shape: few SKUs carry 80% of GMV
    assert abc["on_hand"].isna().all()  # no inventory in this data set


def test_pair_statistics_match_itertools(retail_con, raw):
    f = Filters(date(2011, 11, 1), date(2011, 11, 30))
    month = raw[(raw["day"] >= f.start) & (raw["day"] <= f.end)]
    baskets = month.groupby("InvoiceNo")["StockCode"].apply(lambda s: sorted(set(s)))
    order_value = month.groupby("InvoiceNo")["value"].sum()
    n_orders = len(baskets)
    product_orders = Counter(code for basket in baskets for code in basket)
    frequent = {code for code, n in product_orders.items() if n >= 40}
    pair_orders, pair_value = Counter(), Counter()
    for invoice, basket in baskets.items():
        for a, b in combinations([c for c in basket if c in frequent], 2):
            pair_orders[(a, b)] += 1
            pair_value[(a, b)] += order_value[invoice]
    expected = {pair: n for pair, n in pair_orders.items() if n >= 30}

    table = bundles.pairs(retail_con, f, min_product_orders=40, min_pair_orders=30, limit=1_000_000, max_basket=None)
    got = table.set_index(["product_a", "product_b"])
    assert len(got) == len(expected) > 100
    assert got["pair_orders"].to_dict() == expected
    assert (got["n_orders"] == n_orders).all()
    total_value = order_value.sum()
    for (a, b), row in got.sample(50, random_state=1).iterrows():
        n_ab, n_a, n_b = expected[(a, b)], product_orders[a], product_orders[b]
        assert row["support"] == pytest.approx(n_ab / n_orders)
        assert row["confidence_a_to_b"] == pytest.approx(n_ab / n_a)
        assert row["confidence_b_to_a"] == pytest.approx(n_ab / n_b)
        assert row["lift"] == pytest.approx(n_ab * n_orders / (n_a * n_b))
        assert row["aov_with_pair"] == pytest.approx(pair_value[(a, b)] / n_ab)
        assert row["aov_without_pair"] == pytest.approx((total_value - pair_value[(a, b)]) / (n_orders - n_ab))
    # The most frequent pair comes first.
    assert table["pair_orders"].iloc[0] == max(expected.values())


def _per_product_buyers(con, start: date, end: date, channels: list[str] | None = None) -> pd.DataFrame:
    """Buyers and buyers with 2+ orders of each product in start..end, by a plain grouping of order_lines."""
    return con.execute("""
        SELECT product_id, count(*) AS buyers, count(*) FILTER (WHERE n >= 2) AS repeat_buyers
        FROM (SELECT product_id, customer_id, count(DISTINCT order_id) AS n FROM order_lines
              WHERE is_sale AND customer_id IS NOT NULL AND order_date BETWEEN ? AND ?
                AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], channel))
              GROUP BY ALL)
        GROUP BY product_id ORDER BY product_id""", [start, end, channels, channels]).df()


def test_purchase_chain_counts_equal_a_grouping_per_buyer(retail_con):
    """The weekly review and the repurchase rates count buyers along the purchase chain (products_line_facts'
    buy_prev_date / buy_next_date, first_product_line); Online Retail has repeated lines of a product in one order,
    cancellations and same-day orders, and both must equal a plain grouping per buyer, with and without a channel."""
    from ecomops.products import review as product_review

    for f in (Filters(date(2011, 9, 1), END), Filters(date(2011, 9, 1), date(2011, 11, 20), channels=("online",))):
        window = product_review.flag_window(f)
        expected = _per_product_buyers(retail_con, window.start, window.end, list(f.channels) or None)
        rates = product_review.repurchase_vs_category(retail_con, f)
        got = rates[["product_id", "buyers", "repeat_buyers"]].sort_values("product_id").reset_index(drop=True)
        assert len(expected) > 2000 and expected["repeat_buyers"].sum() > 5000
        pd.testing.assert_frame_equal(got, expected, check_dtype=False)

        week, before = product_review.weeks(f)
        table = product_review.weekly_table(retail_con, f).set_index("product_id")
        for suffix, span in (("", week), ("_prev", before)):
            buyers = _per_product_buyers(retail_con, span.start, span.end, list(f.channels) or None)
            assert buyers["repeat_buyers"].sum() > 50
            got = table[["buyers" + suffix, "repeat_buyers" + suffix]].loc[buyers["product_id"]]
            assert got.to_numpy().tolist() == buyers[["buyers", "repeat_buyers"]].to_numpy().tolist()
            orders = retail_con.execute("""
                SELECT product_id, count(DISTINCT order_id) FILTER (WHERE is_sale) AS orders,
                       count(DISTINCT order_id) AS all_orders,
                       count(DISTINCT order_id) FILTER (WHERE status IN ('returned', 'cancelled')) AS returned,
                       coalesce(sum(quantity) FILTER (WHERE is_sale), 0) AS units
                FROM order_lines WHERE order_date BETWEEN ? AND ? GROUP BY product_id ORDER BY product_id""",
                                        [span.start, span.end]).df().set_index("product_id")
            assert orders["returned"].sum() > 100
            got = table.loc[orders.index, ["orders" + suffix, "all_orders" + suffix,
                                           "returned_or_cancelled" + suffix, "units" + suffix]]
            assert got.to_numpy().tolist() == orders.to_numpy().tolist()
