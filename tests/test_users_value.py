"""Customer value on the store's own orders (ecomops.users.value, derived.CUSTOMER_VALUE, `clv` command, the
Customers page's value section): hand-computed summaries, stored values equal to the models, the base forecast,
the churn win-back value, the empty state and the command's contract."""
from __future__ import annotations

import json
import shutil
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from ecomops import db, derived
from ecomops.__main__ import main
from ecomops.i18n import fmt
from ecomops.users import btyd, value
from tests.conftest import make_tiny_db
from tests.page_text import ACTING_USER


def _store(con) -> None:
    derived.ensure(con, derived.USERS_ORDERS)
    derived.ensure(con, derived.CUSTOMER_VALUE)


# ------------------------------------------------------------------------------------------ summaries by hand

def _summaries_by_customer(con, as_of: date) -> pd.DataFrame:
    """The value summaries as of a day (users tables brought up to date first), indexed by customer id."""
    derived.ensure(con, derived.USERS_ORDERS)
    return value.summaries(con, as_of).merge(
        con.execute("SELECT ckey, customer_id FROM users_customer_keys").df(), on="ckey").set_index("customer_id")


def test_summaries_on_the_tiny_store_by_hand():
    con = make_tiny_db()
    derived.ensure(con, derived.USERS_ORDERS)
    frame = value.summaries(con, date(2024, 3, 5))
    keys = dict(con.execute("SELECT ckey, customer_id FROM users_customer_keys").fetchall())
    got = {keys[r.ckey]: (r.x, r.t_x, r.T, None if pd.isna(r.mean_spend) else r.mean_spend)
           for r in frame.itertuples()}
    # A: 03-04 (25) and 03-05 (20) -> one repeat, 1 day apart, first day 1 day before; repeat spend 20.
    # B: 03-04 only (10; the negative line is no sale). C: 03-03 returned order (valid, 40); the cancelled 03-05
    # order does not count -> no repeat, age 2. D never ordered; the guest order has no customer.
    assert got == {"A": (1, 1, 1, 20.0), "B": (0, 0, 1, None), "C": (0, 0, 2, None)}
    # As of 03-04: A's second day is after it.
    early = value.summaries(con, date(2024, 3, 4))
    assert sorted(zip(early["x"], early["T"])) == [(0, 0), (0, 0), (0, 1)]


@pytest.mark.parametrize("orders, lines, as_of, expected", [
    # A: 03-04 (25), 03-05 (20 + 10 = 30, two orders one purchase), 03-08 (10): x = 2, t_x = 4, T = 6,
    # mean repeat spend (30 + 10) / 2 = 20; mean purchase GMV (25 + 30 + 10) / 3.
    ("('X1', 'A', TIMESTAMP '2024-03-05 18:00', DATE '2024-03-05', 'paid', 'search', 'app'), "
     "('X2', 'A', TIMESTAMP '2024-03-08 09:00', DATE '2024-03-08', 'paid', 'search', 'app')",
     "('X1', 1, 'P1', 1, 10.0), ('X2', 1, 'P2', 2, 5.0)", date(2024, 3, 10), (2, 4, 6, 20.0, 65 / 3)),
    # A's first day 03-04 gets a second order (7) before the fixture's (25): the first purchase is 32 and all of it
    # is left out of spend. 03-05 (20): x = 1, repeat spend 20, mean purchase GMV (32 + 20) / 2.
    ("('X0', 'A', TIMESTAMP '2024-03-04 00:01', DATE '2024-03-04', 'paid', 'search', 'app')",
     "('X0', 1, 'P1', 1, 7.0)", date(2024, 3, 5), (1, 1, 1, 20.0, 26.0)),
], ids=["later-day", "first-day"])
def test_same_day_orders_are_one_purchase_and_the_first_day_is_left_out_of_spend(orders, lines, as_of, expected):
    con = make_tiny_db()
    con.execute("INSERT INTO orders (order_id, customer_id, order_ts, order_date, status, channel, device) VALUES "
                + orders)
    con.execute("INSERT INTO order_items (order_id, line_no, product_id, quantity, unit_price) VALUES " + lines)
    row = _summaries_by_customer(con, as_of).loc["A"]
    x, t_x, T, spend, purchase_gmv = expected
    assert (row["x"], row["t_x"], row["T"]) == (x, t_x, T)
    assert row.mean_spend == pytest.approx(spend) and row.mean_purchase_gmv == pytest.approx(purchase_gmv)


def test_summaries_equal_a_grouping_per_customer_and_day_on_online_retail(shared_data):
    from tests.retail import load_online_retail

    con = db.connect_memory()
    load_online_retail(con, shared_data / "online_retail.csv.gz")
    as_of = date(2011, 9, 30)  # before the last day: orders after it are left out
    found = _summaries_by_customer(con, as_of)
    # The plain way: GMV per customer and day from the valid orders' sale lines, then per customer.
    days = con.execute("""
        SELECT o.customer_id, o.order_date AS day, coalesce(sum(l.gmv), 0) AS gmv
        FROM valid_orders o LEFT JOIN sale_lines l ON l.order_id = o.order_id
        WHERE o.customer_id IS NOT NULL AND o.order_date <= $d GROUP BY ALL""", {"d": as_of}).df()
    days["day"] = pd.to_datetime(days["day"])
    days = days.sort_values(["customer_id", "day"])
    per = days.groupby("customer_id").agg(n=("day", "size"), first=("day", "min"), last=("day", "max"),
                                          total=("gmv", "sum"), first_gmv=("gmv", "first"))
    assert sorted(found.index) == sorted(per.index)
    per = per.loc[found.index]
    assert (found["x"].to_numpy() == per["n"].to_numpy() - 1).all()
    assert (found["t_x"].to_numpy() == (per["last"] - per["first"]).dt.days.to_numpy()).all()
    assert (found["T"].to_numpy() == (pd.Timestamp(as_of) - per["first"]).dt.days.to_numpy()).all()
    repeat = per["n"] > 1
    assert found["mean_spend"].isna().to_numpy().tolist() == (~repeat).to_numpy().tolist()
    spend = ((per["total"] - per["first_gmv"]) / (per["n"] - 1))[repeat]
    assert found.loc[repeat, "mean_spend"].to_numpy() == pytest.approx(spend.to_numpy(), rel=1e-9, abs=1e-9)
    assert found["mean_purchase_gmv"].to_numpy() == pytest.approx((per["total"] / per["n"]).to_numpy(), rel=1e-9)
    assert repeat.sum() > 1000  # many repeat buyers, many with several invoices on a day


def test_too_few_repeat_customers_store_the_reason_and_no_values():
    con = make_tiny_db()
    _store(con)
    info = value.fit_info(con)
    assert (info["status"], info["customers"], info["repeat_customers"]) == (value.STATUS_TOO_FEW, 3, 1)
    assert info["as_of"] == date(2024, 3, 5)
    assert con.execute("SELECT count(*) FROM users_customer_value").fetchone()[0] == 0
    assert "1 of 3 buyers" in value.fit_status_text(info)
    assert value.win_back_values(con, date(2024, 3, 5)).empty
    with pytest.raises(value.NotEnoughRepeatCustomersError):
        value.fit(con, date(2024, 3, 5))


# ------------------------------------------------------------------------------------------ the demo store

@pytest.fixture(scope="module")
def demo(demo_db_path, tmp_path_factory):
    path = tmp_path_factory.mktemp("clv") / "demo.duckdb"
    shutil.copyfile(demo_db_path, path)
    con = db.connect(path)
    value.ensure_value(con)
    yield con, path
    db.close(path)


def test_stored_values_are_the_models_values(demo):
    con, _ = demo
    info = value.fit_info(con)
    assert info["status"] == value.STATUS_FITTED and info["repeat_customers"] >= 1000
    stored = con.execute("SELECT * FROM users_customer_value ORDER BY ckey").df()
    assert len(stored) == info["customers"]
    bg, gg = info["bg"], info["gg"]
    x, t_x, T = (stored[c].to_numpy(float) for c in ("x", "t_x", "T"))
    m = stored["mean_spend"].to_numpy(float)
    assert stored["p_alive"].to_numpy() == pytest.approx(btyd.p_alive(bg, x, t_x, T), rel=1e-12)
    for h in (30, 90, 365):
        assert stored[f"expected_orders_{h}"].to_numpy() == pytest.approx(
            btyd.conditional_expected_purchases(bg, h, x, t_x, T), rel=1e-9)
    spend = btyd.expected_spend(gg, x, m)
    assert stored["value_365"].to_numpy() == pytest.approx(
        spend * btyd.conditional_expected_purchases(bg, 365, x, t_x, T), rel=1e-9)
    # Next order date: as_of + ceil(median days), NULL exactly where the model says unlikely within a year.
    days = btyd.days_to_next_purchase(bg, x, t_x, T)
    assert stored["next_order_date"].isna().to_numpy().tolist() == np.isnan(days).tolist()
    known = ~np.isnan(days)
    want = [info["as_of"] + pd.Timedelta(days=int(np.ceil(d))) for d in days[known]]
    assert pd.to_datetime(stored.loc[known, "next_order_date"]).dt.date.tolist() == [w.date() if hasattr(w, "date")
                                                                                     else w for w in want]


def test_base_forecast_is_the_sum_over_customers(demo):
    con, _ = demo
    info = value.fit_info(con)
    frame = value.summaries(con, info["as_of"])
    x, t_x, T = (frame[c].to_numpy(float) for c in ("x", "t_x", "T"))
    spend = btyd.expected_spend(info["gg"], x, frame["mean_spend"].to_numpy(float))
    forecast = value.base_forecast(con).set_index("weeks")
    for weeks in (4, 13, 52):
        per_customer = btyd.conditional_expected_purchases(info["bg"], 7 * weeks, x, t_x, T)
        assert forecast.loc[weeks, "expected_orders"] == pytest.approx(per_customer.sum(), rel=1e-9)
        assert forecast.loc[weeks, "expected_revenue"] == pytest.approx(per_customer @ spend, rel=1e-9)
    # The 52-week total equals the customers' 12-month values over 364 days, and the past columns are the actual
    # repeat orders of the weeks before (counted here in plain SQL).
    weekly = value.weekly(con)
    assert weekly["future"].sum() == 52 and (weekly["expected_orders"] >= 0).all()
    last13 = con.execute("""
        WITH p AS (SELECT customer_id, order_date FROM valid_orders WHERE customer_id IS NOT NULL GROUP BY ALL),
             f AS (SELECT customer_id, min(order_date) AS first FROM p GROUP BY ALL)
        SELECT count(*) FROM p JOIN f USING (customer_id)
        WHERE order_date > first AND order_date > $d - 91 AND order_date <= $d""", {"d": info["as_of"]}).fetchone()[0]
    assert forecast.loc[13, "past_orders"] == last13


def test_value_by_state_and_segment_add_up(demo):
    con, _ = demo
    total = con.execute("SELECT sum(value_365), count(*) FROM users_customer_value").fetchone()
    by_state, by_segment = value.value_by_state(con), value.value_by_segment(con)
    for table in (by_state, by_segment):
        assert table["value_365"].sum() == pytest.approx(total[0], rel=1e-9)
        assert table["customers"].sum() == total[1]
        assert table["value_share"].sum() == pytest.approx(1.0)
    # Active customers are worth more each than lost ones; Champions more than Hibernating.
    state = by_state.set_index("segment")["avg_value_365"]
    assert state["active"] > state["dormant"] > state["lost"]
    seg = by_segment.set_index("segment")["avg_value_365"]
    assert seg["Champions"] > seg["Hibernating"]


def test_values_per_state_and_segment_are_stored_with_the_rules_they_follow(demo_db_path, tmp_path):
    """The page reads the values per state and segment stored with the fit (users_clv_groups) while the lifecycle
    windows they were grouped by are in force, and groups the stored values itself after a change on Settings."""
    from ecomops import config
    from ecomops.users import lifecycle

    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_db_path, path)
    con = db.connect(path)
    value.ensure_value(con)
    info = value.fit_info(con)
    stored = con.execute("SELECT grouping, rules, count(*), sum(customers) FROM users_clv_groups "
                         "GROUP BY ALL ORDER BY grouping").fetchall()
    segments = con.execute(db.load_sql("users/clv_by_segment"), {"as_of": info["as_of"]}).df()
    assert len(segments) >= 8
    assert stored == [("segment", "", len(segments), info["customers"]),
                      ("state", value.group_rules(con), 4, info["customers"])]
    seg = value.value_by_segment(con).set_index("segment").sort_index()
    assert seg["value_365"].to_numpy() == pytest.approx(
        segments.set_index("segment").sort_index()["value_365"].to_numpy(float), rel=1e-12)
    live_sql, params = value.state_values_sql(con, info["as_of"])
    live = con.execute(live_sql, params).df().set_index("segment").sort_index()
    by_state = value.value_by_state(con).set_index("segment").sort_index()
    assert by_state["customers"].tolist() == live["customers"].tolist()
    assert by_state["value_365"].to_numpy() == pytest.approx(live["value_365"].to_numpy(float), rel=1e-12)
    # Another active window: the stored rows no longer apply, and the states are grouped by the new windows.
    t = config.thresholds(con)
    config.save_thresholds(con, {"active_days": t.active_days + 60})
    assert value._stored_groups(con, "state", value.group_rules(con)).empty
    moved = value.value_by_state(con).set_index("segment")
    assert moved.loc["active", "customers"] > by_state.loc["active", "customers"]
    assert moved["customers"].sum() == info["customers"]
    assert lifecycle.threshold_params(con)["active_days"] == t.active_days + 60
    db.close(path)


def test_a_page_of_top_customers_is_that_slice_of_every_customer_ties_included(demo):
    """top_customers looks up only the values at least the page's last one; a page that starts and ends inside a
    run of equal values (one-time buyers of the same day and spend) holds the same ids as the full ordering."""
    con, _ = demo
    every = value.top_customers(con, None)
    runs = every.groupby("value_365").size()
    tied = runs[runs >= 6].index.max()  # the highest value shared by six or more customers
    first = int(every.index[every["value_365"] == tied][0])
    for limit, offset in ((100, 0), (4, first + 2), (3, first - 1), (10, len(every) - 5), (5, len(every) + 3)):
        page = value.top_customers(con, limit, offset)
        pd.testing.assert_frame_equal(page, every.iloc[offset:offset + limit].reset_index(drop=True),
                                      check_dtype=False)
    assert len(value.top_customers(con, 5, len(every) + 3)) == 0


def test_win_back_value_is_the_value_once_back(demo):
    con, _ = demo
    info = value.fit_info(con)
    found = value.fitted_win_back_values(con, info["as_of"]).set_index("customer_id")
    top = value.top_customers(con, None).set_index("customer_id")
    joined = found.join(top[["value_365", "p_alive"]])
    assert joined["clv_365"].to_numpy() == pytest.approx(joined["value_365"].to_numpy(), rel=1e-9)
    # Once back (P(alive) = 1) a customer is worth their value divided by P(alive).
    assert joined["value_if_back_365"].to_numpy() == pytest.approx(
        (joined["value_365"] / joined["p_alive"]).to_numpy(), rel=1e-9)


def test_win_back_values_read_from_the_stored_values_equal_a_fit_made_now(demo):
    con, _ = demo
    as_of = value.fit_info(con)["as_of"]
    fitted = value.fitted_win_back_values(con, as_of).sort_values("customer_id", ignore_index=True)
    stored = value._stored_win_back_values(con, as_of, None)
    assert stored is not None and len(stored) == len(fitted) > 500
    pd.testing.assert_frame_equal(stored.sort_values("customer_id", ignore_index=True), fitted, check_dtype=False,
                                  rtol=1e-9)
    some = fitted["customer_id"].iloc[::7].tolist()
    picked = value.win_back_values(con, as_of, some).sort_values("customer_id", ignore_index=True)
    assert picked["customer_id"].tolist() == sorted(some)
    pd.testing.assert_frame_equal(picked, fitted[fitted["customer_id"].isin(some)].reset_index(drop=True),
                                  check_dtype=False, rtol=1e-9)
    # Another day than the stored fit's: fitted now.
    assert value._stored_win_back_values(con, as_of - timedelta(days=1), None) is None


def test_customers_page_shows_the_value_section(app_test, demo_db_path):
    con = db.connect(demo_db_path)
    forecast = value.base_forecast(con)
    top = value.top_customers(con, 100)
    by_state = value.value_by_state(con)
    at = app_test("pages/users.py")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    for row in forecast.itertuples():
        assert metrics[f"Next {row.weeks} weeks: orders from existing customers"] == fmt.count(round(row.expected_orders))
    shown = next(d.value for d in at.dataframe if "value_365" in d.value.columns and "customer_id" in d.value.columns)
    assert shown["customer_id"].tolist() == top["customer_id"].tolist()
    assert shown["value_365"].to_numpy() == pytest.approx(top["value_365"].to_numpy())
    states = next(d.value for d in at.dataframe if "value_share" in d.value.columns)
    assert states["customers"].tolist() == by_state["customers"].tolist()
    assert any("Top customers by predicted value" == s.value for s in at.subheader)


def test_customers_page_says_why_without_enough_repeat_customers(app_test, tmp_path, monkeypatch):
    path = tmp_path / "tiny.duckdb"
    con = db.connect(path)
    sql = (pytest.importorskip("pathlib").Path(__file__).parent / "fixtures_tiny.sql").read_text(encoding="utf-8")
    for statement in con.extract_statements(sql):
        con.execute(statement)
    db.close(path)
    monkeypatch.setenv("ECOMOPS_DB", str(path))
    at = app_test("pages/users.py")
    assert not at.exception
    assert any("Too few repeat customers to predict customer value: 1 of 3 buyers" in i.value for i in at.info)


# ------------------------------------------------------------------------------------------ the command

@pytest.fixture
def cli(demo, capsys):
    _, path = demo

    def run(*args: str) -> tuple[int, str, str]:
        try:
            code = main(["clv", *args, "--db", str(path)])
        except SystemExit as exc:  # argparse refusals
            code = exc.code
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def test_fit_json(cli):
    code, out, _ = cli("fit", "--json")
    assert code == 0
    payload = json.loads(out)
    assert set(payload) == {"as_of", "customers", "repeat_customers", "fit_seconds", "bgnbd", "gamma_gamma"}
    assert payload["as_of"] == "2026-11-15"
    assert {"r", "alpha", "a", "b", "log_likelihood"} <= set(payload["bgnbd"])
    assert {"p", "q", "gamma"} <= set(payload["gamma_gamma"])


def test_score_json_and_csv(cli, demo, tmp_path):
    con, _ = demo
    out_csv = tmp_path / "values.csv"
    code, out, err = cli("score", "--json", "--top", "5", "--out", str(out_csv))
    assert code == 0 and "Wrote" in err
    payload = json.loads(out)
    top = value.top_customers(con, 5)
    assert [row["customer_id"] for row in payload["customers"]] == top["customer_id"].tolist()
    assert set(payload["customers"][0]) == set(top.columns)
    written = pd.read_csv(out_csv, encoding="utf-8-sig", dtype={"customer_id": str})
    assert len(written) == value.fit_info(con)["customers"]
    # As of an earlier day: fitted and scored then, fewer customers.
    code, out, _ = cli("score", "--json", "--cutoff", "2026-06-30")
    assert code == 0 and json.loads(out)["as_of"] == "2026-06-30"


def test_evaluate_json(cli):
    code, out, _ = cli("evaluate", "--json", "--horizon-days", "60")
    assert code == 0
    payload = json.loads(out)
    assert set(payload) == {"cutoff", "end", "horizon_days", "customers", "repeat_customers", "params", "orders",
                            "spend", "auc_buys_again", "base_forecast", "calibration"}
    assert (payload["cutoff"], payload["end"], payload["horizon_days"]) == ("2026-09-16", "2026-11-15", 60)
    assert set(payload["orders"]) == {"model", "naive"}
    assert set(payload["orders"]["model"]) == {"corr", "spearman", "mae", "rmse", "predicted_total", "actual_total",
                                               "total_error"}
    assert len(payload["calibration"]) == 10 and sum(r["customers"] for r in payload["calibration"]) == \
        payload["customers"]
    assert payload["orders"]["model"]["corr"] > 0.4  # the model ranks customers on the demo store


@pytest.mark.parametrize("args", [("evaluate", "--cutoff", "2026-11-15"), ("evaluate", "--cutoff", "2030-01-01"),
                                  ("score", "--cutoff", "2030-01-01"), ("fit", "--cutoff", "2026-13-01"),
                                  ("fit", "--cutoff", "2000-01-01"), ("evaluate", "--horizon-days", "3")])
def test_bad_cutoff_exits_2(cli, args):
    code, out, err = cli(*args)
    assert code == 2 and out == "" and err.strip()


def test_monthly_review_forecast_sentence(demo):
    from ecomops.i18n import use_locale

    con, _ = demo
    table = value.base_forecast(con).set_index("weeks")
    review = value.monthly_review_forecast(con)
    assert review["as_of"] == date(2026, 11, 15)
    assert review["table"]["weeks"].tolist() == [4, 13, 52]
    assert fmt.count(round(table.loc[13, "expected_orders"])) in review["text"]
    assert fmt.count(round(table.loc[52, "expected_orders"])) in review["text"]
    with use_locale("zh_CN"):
        assert "未来 13 周" in value.monthly_review_forecast(con)["text"]


def test_customers_page_in_chinese_shows_no_english(app_test):
    from ecomops.i18n.visible import ALLOWED_IN_ZH, find_problems

    at = app_test()
    at.query_params["lang"] = "zh"
    at.switch_page("pages/users.py").run()
    assert not at.exception
    texts = [e.value for kind in ("title", "header", "subheader", "caption", "info") for e in at.get(kind)]
    texts += [m.label for m in at.metric] + [m.value for m in at.metric]
    assert "客户价值" in texts and "预测价值最高的客户" in texts
    problems = find_problems(texts, "zh_CN", allowed=ALLOWED_IN_ZH | {"fm"}, data=[ACTING_USER])
    assert problems == [], problems
