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
