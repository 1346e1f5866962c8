"""Monitoring: the GMV decomposition, the seasonal anomaly detector, the trailing repurchase rate, alert rules and the
root cause, on hand-computed examples and synthetic series."""
from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from ecomops import db, metrics
from ecomops.ops import monitoring
from ecomops.filters import Filters


# ---------------------------------------------------------------------------------------------- decomposition


def test_decomposition_hand_computed_example():
    # Before: 1000 UV x 5% = 50 buyers x 200 = 10,000. After: 1100 UV x 4% = 44 buyers x 250 = 11,000.
    before = {"uv": 1000, "buyers": 50, "gmv": 10_000}
    after = {"uv": 1100, "buyers": 44, "gmv": 11_000}
    e = monitoring.decompose_gmv(before, after)
    weight = 1000 / math.log(1.1)  # logarithmic mean of 11,000 and 10,000
    assert weight == pytest.approx(10_492.06, abs=0.01)
    assert e["traffic"] == pytest.approx(weight * math.log(1.1))  # = 1000.0
    assert e["traffic"] == pytest.approx(1000.0)
    assert e["conversion"] == pytest.approx(weight * math.log(0.8))  # ≈ -2341.23
    assert e["conversion"] == pytest.approx(-2341.23, abs=0.01)
    assert e["spend"] == pytest.approx(weight * math.log(1.25))  # ≈ +2341.23
    assert e["traffic"] + e["conversion"] + e["spend"] == pytest.approx(1000.0, abs=1e-9)
    assert e["change"] == 1000 and e["other"] == 0


@pytest.mark.parametrize("seed", range(5))
def test_decomposition_effects_always_sum_to_the_change(seed):
    rng = np.random.default_rng(seed)
    for _ in range(50):
        uv0, uv1 = rng.integers(10, 10_000, 2)
        b0, b1 = rng.integers(1, 10, 2)
        g0, g1 = rng.uniform(1, 5000, 2)
        e = monitoring.decompose_gmv({"uv": uv0, "buyers": b0, "gmv": g0}, {"uv": uv1, "buyers": b1, "gmv": g1})
        assert e["traffic"] + e["conversion"] + e["spend"] == pytest.approx(g1 - g0, rel=1e-9, abs=1e-9)


def test_decomposition_pure_conversion_drop_and_zero_case():
    e = monitoring.decompose_gmv({"uv": 100, "buyers": 10, "gmv": 1000}, {"uv": 100, "buyers": 5, "gmv": 500})
    assert e["traffic"] == pytest.approx(0) and e["spend"] == pytest.approx(0)
    assert e["conversion"] == pytest.approx(-500)
    # A segment that appears (no visitor before) is a traffic effect; one without traffic data on both days is other.
    appears = monitoring.decompose_gmv({"uv": 0, "buyers": 0, "gmv": 0}, {"uv": 10, "buyers": 1, "gmv": 30})
    assert appears["traffic"] == pytest.approx(30) and appears["other"] == 0
    untracked = monitoring.decompose_gmv({"uv": 0, "buyers": 2, "gmv": 40}, {"uv": 0, "buyers": 1, "gmv": 30})
    assert untracked["other"] == -10 and untracked["traffic"] == 0


def test_zero_buyer_segment_gets_exact_shapley_effects():
    """The issue's case: paid_ads x mobile_web from 5.5 buyers (UV 254, GMV 3,850) to 0 buyers on UV 640.

    Spend per buyer has no value on the day (no buyer): it keeps the reference's 700, so the spend effect is 0. With
    u = UV, c = conversion, s = spend and only u and c moving, the Shapley split of u*c*s is
    traffic = (u1 - u0) * s * (c0 + c1) / 2 = 386 * 700 * (5.5/254) / 2 = 386 * 3850 / 508 = 2,925.39...
    conversion = (c1 - c0) * s * (u0 + u1) / 2 = -(5.5/254) * 700 * 894 / 2 = -3850 * 894 / 508 = -6,775.39...
    and they add up to the whole change, -3,850.
    """
    e = monitoring.decompose_gmv({"uv": 254, "buyers": 5.5, "gmv": 3850}, {"uv": 640, "buyers": 0, "gmv": 0})
    assert e["traffic"] == pytest.approx(386 * 3850 / 508)
    assert e["traffic"] == pytest.approx(2925.3937, abs=1e-3)
    assert e["conversion"] == pytest.approx(-3850 * 894 / 508)
    assert e["conversion"] == pytest.approx(-6775.3937, abs=1e-3)
    assert e["spend"] == 0 and e["other"] == 0
    assert e["traffic"] + e["conversion"] + e["spend"] == pytest.approx(-3850)
    # A segment losing all its visitors: every yuan lost is traffic.
    gone = monitoring.decompose_gmv({"uv": 100, "buyers": 4, "gmv": 400}, {"uv": 0, "buyers": 0, "gmv": 0})
    assert gone["traffic"] == pytest.approx(-400) and gone["conversion"] == 0 and gone["spend"] == 0


# ---------------------------------------------------------------------------------------------- detector

WEEKLY = np.array([1.0, 0.92, 0.95, 1.0, 1.1, 1.45, 1.35])  # Mon..Sun


def _seasonal(days: int = 196, noise: float = 0.03, seed: int = 3, trend: float = 0.001) -> pd.Series:
    rng = np.random.default_rng(seed)
    index = pd.date_range("2026-01-05", periods=days, freq="D")  # a Monday
    level = 1000 * (1 + trend) ** np.arange(days)
    values = level * WEEKLY[index.dayofweek] * (1 + rng.normal(0, noise, days))
    return pd.Series(values, index=index)


STRICT_K = 4.0  # the detector's own tests: a band wide enough that pure 3% noise never leaves it


@pytest.mark.parametrize("seed", range(10))
def test_plain_weekday_seasonality_raises_no_alarm(seed):
    series = _seasonal(seed=seed)
    band = monitoring.seasonal_band(series, k=STRICT_K)
    assert band["baseline"].notna().sum() > 150  # the detector did judge the days
    assert not band["anomaly"].any()
    # The alert engine's own band (k tuned on bench/bench_alerts.py) is narrower: it flags few plain-noise days.
    assert monitoring.seasonal_band(series)["anomaly"].mean() < 0.05


def test_seasonality_would_fool_a_weekday_blind_detector():
    # The point of the weekday baseline: a plain 7-day rolling median flags the weekends of the same series.
    series = _seasonal()
    naive_change = series / series.shift(1).rolling(7).median() - 1
    assert (naive_change.abs() > 0.2).sum() > 20
    assert not monitoring.seasonal_band(series, k=STRICT_K)["anomaly"].any()


def test_planted_anomalies_are_found_and_only_they():
    series = _seasonal(seed=11)
    planted = {series.index[120]: 0.75, series.index[150]: 1.3, series.index[181]: 0.8}  # -25%, +30%, -20%
    for day, factor in planted.items():
        series[day] *= factor
    band = monitoring.seasonal_band(series, k=STRICT_K)
    found = set(band.index[band["anomaly"]])
    assert found == set(planted)
    assert band.loc[series.index[120], "change"] == pytest.approx(-0.25, abs=0.08)
    assert band.loc[series.index[120], "value"] < band.loc[series.index[120], "low"]
    assert band.loc[series.index[150], "value"] > band.loc[series.index[150], "high"]
    # The week after an anomaly is judged against a median the bad day could not drag: no echo alarm.
    assert not band.loc[series.index[127], "anomaly"]


# ---------------------------------------------------------------------------------------------- store fixtures


def _store(con, days: int, uv_by_cell, conversion_by_cell, spend: float = 100.0, start: date = date(2026, 1, 5),
           overrides=None):
    """Insert a synthetic store: per day and channel x device cell, uv visitors and round(uv * conversion) buyers,
    each with one order of ``spend``. ``overrides`` maps (day offset, channel, device) -> conversion."""
    orders, items, traffic = [], [], []
    overrides = overrides or {}
    for offset in range(days):
        day = start + timedelta(days=offset)
        for (channel, device), uv in uv_by_cell.items():
            conv = overrides.get((offset, channel, device), conversion_by_cell[(channel, device)])
            traffic.append((day, channel, device, uv))
            for b in range(round(uv * conv)):
                oid = f"{offset}-{channel}-{device}-{b}"
                orders.append((oid, f"C{channel}{device}{b}", day, day, "completed", channel, device))
                items.append((oid, 1, "P1", 1, spend))
    # Bulk inserts from DataFrames (row-by-row executemany is slow in DuckDB).
    order_frame = pd.DataFrame(orders, columns=["order_id", "customer_id", "order_ts", "order_date", "status",
                                                "channel", "device"])
    item_frame = pd.DataFrame(items, columns=["order_id", "line_no", "product_id", "quantity", "unit_price"])
    traffic_frame = pd.DataFrame(traffic, columns=["day", "channel", "device", "uv"])
    con.execute("INSERT INTO orders (order_id, customer_id, order_ts, order_date, status, channel, device) "
                "SELECT order_id, customer_id, order_ts, order_date, status, channel, device FROM order_frame")
    con.execute("INSERT INTO order_items (order_id, line_no, product_id, quantity, unit_price) "
                "SELECT * FROM item_frame")
    con.execute("INSERT INTO traffic_daily (day, channel, device, uv) SELECT * FROM traffic_frame")
    con.execute("INSERT INTO products (product_id, title, category) VALUES ('P1', '杯子', 'Kitchen')")


CELLS_UV = {("search", "app"): 1000, ("paid_ads", "mobile_web"): 1000, ("paid_ads", "app"): 500}
CELLS_CR = {("search", "app"): 0.05, ("paid_ads", "mobile_web"): 0.04, ("paid_ads", "app"): 0.06}


def test_root_cause_finds_the_cell_behind_a_conversion_drop():
    con = db.connect_memory()
    # Day 28 (a Monday): paid_ads x mobile_web converts at 1% instead of 4% -> 30 buyers fewer out of 120.
    _store(con, 29, CELLS_UV, CELLS_CR, overrides={(28, "paid_ads", "mobile_web"): 0.01})
    day = date(2026, 1, 5) + timedelta(days=28)
    rc = monitoring.root_cause(con, Filters(date(2026, 1, 5), day), day)
    assert rc.totals["before"] == {"uv": 2500, "buyers": 120, "gmv": 12_000}
    assert rc.totals["after"] == {"uv": 2500, "buyers": 90, "gmv": 9_000}
    assert rc.focus == "conversion"
    assert rc.effects["conversion"] == pytest.approx(-3000)
    assert rc.effects["traffic"] == pytest.approx(0) and rc.effects["spend"] == pytest.approx(0)
    top = rc.cells.iloc[0]
    assert (top["channel"], top["device"]) == ("paid_ads", "mobile_web")
    assert top["share_of_focus"] == pytest.approx(1.0)
    assert rc.by_channel.iloc[0]["channel"] == "paid_ads"
    assert rc.summary.startswith("Conversion rate -1.2 pp against the usual Monday; 100% of the drop is "
                                 "Paid ads × Mobile web.")
    assert rc.by_category.iloc[0]["segment"] == "Kitchen"
    assert rc.by_category.iloc[0]["share_of_change"] == pytest.approx(1.0)
    # The segment effects add up to the GMV change too.
    assert rc.cells[["traffic", "conversion", "spend", "other"]].to_numpy().sum() == pytest.approx(-3000)
    last_week = monitoring.root_cause(con, Filters(date(2026, 1, 5), day), day, reference="last_week")
    assert last_week.reference_days == [day - timedelta(days=7)]
    assert "against last Monday" in last_week.summary


def test_trailing_repurchase_rate_matches_brute_force():
    con = db.connect_memory()
    rng = np.random.default_rng(5)
    start = date(2026, 3, 1)
    rows = []
    for n in range(400):
        day = start + timedelta(days=int(rng.integers(0, 60)))
        customer = f"C{int(rng.integers(0, 60))}" if rng.random() > 0.1 else None
        status = "cancelled" if rng.random() < 0.1 else "completed"
        rows.append((f"O{n}", customer, day, day, status))
    con.executemany("INSERT INTO orders (order_id, customer_id, order_ts, order_date, status) VALUES (?, ?, ?, ?, ?)",
                    rows)
    f = Filters(start + timedelta(days=20), start + timedelta(days=59))
    got = monitoring.repurchase_series(con, f, window=10).set_index("day")
    frame = pd.DataFrame(rows, columns=["order_id", "customer_id", "order_ts", "order_date", "status"])
    valid = frame[(frame["status"] != "cancelled") & frame["customer_id"].notna()]
    for offset in range(40):
        day = f.start + timedelta(days=offset)
        window = valid[(valid["order_date"] > day - timedelta(days=10)) & (valid["order_date"] <= day)]
        counts = window.groupby("customer_id").size()
        assert got.loc[pd.Timestamp(day), "window_buyers"] == len(counts)
        assert got.loc[pd.Timestamp(day), "window_repeat_buyers"] == int((counts >= 2).sum())
        # and it is METRICS.md's repurchase rate of the window period, as metrics.kpis computes it
        assert got.loc[pd.Timestamp(day), "repurchase_rate"] == pytest.approx(
            metrics.kpis(con, Filters(day - timedelta(days=9), day))["repurchase_rate"])


# ---------------------------------------------------------------------------------------------- alert rules


def test_rules_seeded_validated_and_saved():
    con = db.connect_memory()
    rules = monitoring.alert_rules(con)
    assert len(rules) == len(monitoring.DEFAULT_RULES)
    assert not monitoring.seed_default_rules(con)  # seeded once only
    edited = rules.copy()
    edited.loc[0, "threshold"] = 0.08
    edited = pd.concat([edited, pd.DataFrame([{"metric": None, "threshold": None}])], ignore_index=True)
    assert monitoring.save_alert_rules(con, edited) == len(rules)
    assert monitoring.alert_rules(con).loc[0, "threshold"] == pytest.approx(0.08)
    for bad, message in (({"metric": "profit"}, "metric"), ({"direction": "sideways"}, "direction"),
                         ({"threshold": -1}, "threshold"), ({"window_days": 3}, "window"),
                         ({"severity": "panic"}, "severity")):
        broken = rules.copy()
        for key, value in bad.items():
            broken[key] = broken[key].astype(object)
            broken.loc[1, key] = value
        with pytest.raises(ValueError, match=message):
            monitoring.save_alert_rules(con, broken)
    assert len(monitoring.alert_rules(con)) == len(rules)  # a refused save left the stored rules alone


def test_alert_fires_on_planted_conversion_drop_only():
    con = db.connect_memory()
    rng_cr = {cell: cr for cell, cr in CELLS_CR.items()}
    # 120 days of steady traffic with mild weekday-free noise in conversion; day 110 drops mobile_web x paid_ads.
    overrides = {}
    rng = np.random.default_rng(1)
    for offset in range(120):
        for cell, cr in rng_cr.items():
            overrides[(offset, *cell)] = cr * (1 + rng.normal(0, 0.03))
    overrides[(110, "paid_ads", "mobile_web")] = 0.005
    _store(con, 120, CELLS_UV, CELLS_CR, overrides=overrides)
    f = Filters(date(2026, 1, 5) + timedelta(days=90), date(2026, 1, 5) + timedelta(days=119))
    found = monitoring.alerts(con, f)
    bad_day = date(2026, 1, 5) + timedelta(days=110)
    conversion = found[found["metric"] == "conversion_rate"]
    assert conversion["day"].tolist() == [bad_day]
    assert conversion["severity"].iloc[0] == "critical"  # -29% passes the 15% critical rule
    assert set(found["day"]) == {bad_day}  # GMV falls too on that day; nothing else fires
    causes = monitoring.alert_causes(con, f)
    row = causes.loc[causes["metric"] == "conversion_rate"].iloc[0]
    assert row["likely_cause"].startswith("Conversion rate of Paid ads × Mobile web (")
    assert row["message"].endswith(f"Likely cause: {row['likely_cause']}.")
    assert row["message"].startswith(f"Conversion rate -1.3 pp on {bad_day.isoformat()}: 3.48% against an expected ")


def test_a_slice_of_the_daily_series_equals_the_daily_trend_query(tiny_con):
    """The weekly review reuses the alerts' daily series for its daily chart: a slice equals the direct query."""
    series = monitoring.daily_series(tiny_con, Filters(date(2024, 2, 20), date(2024, 3, 5)))
    part = monitoring.series_slice(series, date(2024, 3, 3), date(2024, 3, 5))
    direct = metrics.daily_trend(tiny_con, Filters(date(2024, 3, 3), date(2024, 3, 5)))
    pd.testing.assert_frame_equal(part, direct)
    assert part["gmv"].sum() > 0
    assert monitoring.series_slice(series, date(2024, 2, 1), date(2024, 3, 5)) is None  # not covered: query instead


def test_root_cause_day_choices_and_alert_focus() -> None:
    """Alert days first (in alert order, once each), then the other days of the bands, newest first."""
    d = [date(2026, 11, k) for k in range(1, 6)]
    alerts = pd.DataFrame({"day": [d[2], d[2], d[0]], "metric": ["conversion_rate", "uv", "gmv"]})
    bands = pd.DataFrame({"day": pd.to_datetime(d + d)})  # every day twice (one row per metric)
    alert_days, options = monitoring.root_cause_days(alerts, bands)
    assert alert_days == [d[2], d[0]]
    assert options == [d[2], d[0], d[4], d[3], d[1]]
    focus = ["auto", "uv", "conversion_rate", "spend_per_buyer"]
    assert monitoring.alert_focus(alerts, d[2], focus) == "conversion_rate"  # the day's first alert
    assert monitoring.alert_focus(alerts, d[0], focus) == "auto"  # gmv is not an effect to explain
    assert monitoring.alert_focus(alerts, d[4], focus) == "auto"  # no alert that day


# ---------------------------------------------------------------------------------------------- root cause identity


def _insert_cells(con, rows) -> None:
    """Insert (day, channel, device, uv, buyers, spend per order) rows: uv visitors and ``buyers`` one-order buyers."""
    orders, items, traffic = [], [], []
    for day, channel, device, uv, buyers, spend in rows:
        traffic.append((day, channel, device, uv))
        for b in range(buyers):
            oid = f"{day}-{channel}-{device}-{b}"
            orders.append((oid, f"C-{oid}", day, day, "completed", channel, device))
            items.append((oid, 1, "P1", 1, spend))
    order_frame = pd.DataFrame(orders, columns=["order_id", "customer_id", "order_ts", "order_date", "status",
                                                "channel", "device"])
    item_frame = pd.DataFrame(items, columns=["order_id", "line_no", "product_id", "quantity", "unit_price"])
    traffic_frame = pd.DataFrame(traffic, columns=["day", "channel", "device", "uv"])
    con.execute("INSERT INTO orders (order_id, customer_id, order_ts, order_date, status, channel, device) "
                "SELECT * FROM order_frame")
    con.execute("INSERT INTO order_items (order_id, line_no, product_id, quantity, unit_price) SELECT * FROM item_frame")
    con.execute("INSERT INTO traffic_daily (day, channel, device, uv) SELECT * FROM traffic_frame")
    con.execute("INSERT INTO products (product_id, title, category) VALUES ('P1', '杯子', 'Kitchen')")


# ---------------------------------------------------------------------------------------------- segment check

SEGMENT_DAYS = 120
SEGMENT_START = date(2026, 1, 5)


def _segment_cells(last_day: dict[tuple[str, str], tuple[float, float]]) -> pd.DataFrame:
    """Return 120 days of day x channel x device cells (uv, buyers, gmv = 100 per buyer), every cell steady but
    search x app, which is small and noisy (negative binomial, mean 30 buyers, relative sd 45%); ``last_day``
    overrides (uv, buyers) of cells on the last day."""
    rng = np.random.default_rng(3)
    noisy = rng.negative_binomial(6, 6 / (6 + 30), SEGMENT_DAYS)  # mean 30, variance 30 + 30² / 6 = 180
    rows = []
    for offset in range(SEGMENT_DAYS):
        day = pd.Timestamp(SEGMENT_START + timedelta(days=offset))
        cells = {("paid_ads", "mobile_web"): (250, 5), ("paid_ads", "app"): (100, 4),
                 ("search", "app"): (300, int(noisy[offset])), ("direct", "app"): (20_000, 600)}
        if offset == SEGMENT_DAYS - 1:
            cells.update(last_day)
        rows += [(day, channel, device, float(uv), float(buyers), 100.0 * buyers)
                 for (channel, device), (uv, buyers) in cells.items()]
    return pd.DataFrame(rows, columns=["day", "channel", "device", "uv", "buyers", "gmv"])


def _store_series(cells: pd.DataFrame) -> pd.DataFrame:
    daily = cells.groupby("day", as_index=False)[["uv", "buyers", "gmv"]].sum()
    daily["conversion_rate"] = daily["buyers"] / daily["uv"]
    daily["spend_per_buyer"] = daily["gmv"] / daily["buyers"]
    daily["repurchase_rate"] = np.nan
    return daily


def test_segment_losing_every_buyer_alerts_while_the_store_rate_stays_in_its_band():
    """paid_ads x mobile_web converts 5 of 250 visitors (2%) every day; on the last day its UV rises to 700 and it
    sells to nobody. The store-level rate moves -3.7% (z -2.1; direct's 600 buyers of 20,000 dominate): inside its
    band.

    Hand-computed: the cell's expected rate is 2% (the same weekday of 4 weeks, no level shift, noise at its 1%
    floor, so no overdispersion), expected buyers 700 x 2% = 14, P(0 | Poisson 14) = e^-14 = 8.3e-7. The day tests
    4 segments (paid_ads, its mobile_web cell, search, direct; paid_ads x app expects 4 < 5 buyers and is not
    tested) in 2 tails (the default rules look down and both ways): the bar is (1/300) / 8 = 4.2e-4. The whole
    channel fires too (4 buyers of 800 where 800 x 9/350 = 20.57 were expected, p = 1.1e-5), but its mobile_web cell
    is the more certain, so the one alert names the cell. The band's low end is the smallest count not below the bar:
    P(X <= 2) = 113 e^-14 = 9.4e-5 < 4.2e-4 <= P(X <= 3) = 570.3 e^-14 = 4.7e-4, so 3 buyers of 700."""
    cells = _segment_cells({("paid_ads", "mobile_web"): (700, 0), ("search", "app"): (300, 30)})
    last = SEGMENT_START + timedelta(days=SEGMENT_DAYS - 1)
    rules = monitoring.alert_rules(db.connect_memory())
    found = monitoring.evaluate_rules(_store_series(cells), rules, last, segments=cells)
    assert len(found) == 1  # the store-level rules do not fire
    row = found.iloc[0]
    assert (row["day"], row["metric"], row["channel"], row["device"]) == (last, "conversion_rate", "paid_ads",
                                                                           "mobile_web")
    assert row["severity"] == "critical" and row["rule_id"] == 2  # conversion down 15%: critical
    assert (row["uv"], row["buyers"], row["value"]) == (700, 0, 0)
    assert row["baseline"] == pytest.approx(0.02) and row["expected_buyers"] == pytest.approx(14.0)
    assert row["change"] == pytest.approx(-1.0)
    assert row["p_value"] == pytest.approx(math.exp(-14)) and row["p_value"] == pytest.approx(8.315e-7, rel=1e-3)
    assert row["low"] == pytest.approx(3 / 700)
    assert row["message"] == (f"Conversion rate of Paid ads × Mobile web -2.0 pp on {last.isoformat()}: 0 buyers "
                              "from 700 visitors, where 14.0 were expected at 2.00% (the usual Monday).")
    from ecomops.ops.delivery.content import alert_line  # the delivered alert names the segment too

    assert alert_line("en", next(found.itertuples(index=False))) == (
        f"[critical] Conversion rate of Paid ads × Mobile web -100.0% on Mon {last.isoformat()}: 0 buyers where 14.0 "
        "were expected (expected 2.00%, actual 0.00%)")
    checks = monitoring.segment_checks(cells, last)
    assert len(checks) == 4
    assert set(zip(checks["channel"], checks["device"])) == {("paid_ads", ""), ("paid_ads", "mobile_web"),
                                                             ("search", ""), ("direct", "")}
    channel = checks[(checks["channel"] == "paid_ads") & (checks["device"] == "")].iloc[0]
    assert channel["expected"] == pytest.approx(800 * 9 / 350)
    mu = 800 * 9 / 350
    assert channel["p_low"] == pytest.approx(math.exp(-mu) * sum(mu ** k / math.factorial(k) for k in range(5)))
    assert channel["p_low"] < monitoring.SEGMENT_FALSE_ALERTS_PER_DAY / 8
    # The same store where nothing happened: no alert at all.
    quiet = _segment_cells({})
    assert monitoring.evaluate_rules(_store_series(quiet), rules, last, segments=quiet).empty


def test_noisy_small_segment_with_an_ordinary_dip_does_not_alert():
    """search x app (mean 30 buyers, relative sd 45%) sells to 12 on the last day, where its baseline (a median of
    four noisy weekdays, level-corrected) expects 44.8: -73%. Under a plain Poisson that is P = 6e-9, far below the
    day's bar; the scatter of its own history (dispersion 0.26, a relative sd of 51%) makes it P = 4%: ordinary."""
    cells = _segment_cells({("search", "app"): (300, 12)})
    last = SEGMENT_START + timedelta(days=SEGMENT_DAYS - 1)
    checks = monitoring.segment_checks(cells, last).set_index("channel")
    search = checks.loc["search"]
    bar = monitoring.SEGMENT_FALSE_ALERTS_PER_DAY / (2 * len(checks))
    naive = sum(math.exp(-search["expected"]) * search["expected"] ** k / math.factorial(k) for k in range(13))
    assert naive < bar  # a test that ignores the scatter would page someone
    assert search["expected"] == pytest.approx(44.8, abs=0.01) and search["dispersion"] == pytest.approx(0.258, abs=1e-3)
    assert search["p_low"] == pytest.approx(0.0395, abs=1e-4)  # one day in 25 dips this far
    rules = monitoring.alert_rules(db.connect_memory())
    assert monitoring.evaluate_rules(_store_series(cells), rules, last, segments=cells).empty
    assert monitoring.segment_alerts(cells, rules, last).empty


def test_segment_alert_gives_way_to_the_store_level_alert_of_its_day():
    """When the store-level conversion fires the same way, its alert stands alone (its likely cause names the cell)."""
    cells = _segment_cells({("paid_ads", "mobile_web"): (700, 0), ("direct", "app"): (20_000, 400)})
    last = SEGMENT_START + timedelta(days=SEGMENT_DAYS - 1)
    rules = monitoring.alert_rules(db.connect_memory())
    assert not monitoring.segment_alerts(cells, rules, last).empty
    found = monitoring.evaluate_rules(_store_series(cells), rules, last, segments=cells)
    conversion = found[found["metric"] == "conversion_rate"]
    assert len(conversion) == 1 and pd.isna(conversion["channel"].iloc[0])


def test_root_cause_with_a_segment_losing_every_buyer():
    """The issue's case on a tiny store: paid_ads x mobile_web goes from 5.5 buyers on the usual Monday (UV 254, 700
    per buyer) to 0 buyers on UV 640, while wecom x app converts better (4 -> 5 buyers of 100 on UV 100).

    Hand-computed effects (spend per buyer of the empty cell keeps its 700; Shapley split of UV x CR x spend):
    paid_ads x mobile_web: traffic = 386 * 3850 / 508 = +2,925.39, conversion = -3850 * 894 / 508 = -6,775.39;
    wecom x app: conversion = +100 (only conversion moved). Totals: traffic +2,925.39, conversion -6,675.39, spend 0,
    adding up to the GMV change 4,250 - 8,250 = -4,000 ... = (0 + 500) - (3,850 + 400) = -3,750.
    """
    con = db.connect_memory()
    day = date(2026, 2, 2)  # a Monday; the usual Monday = the 4 Mondays before
    rows = [(day, "paid_ads", "mobile_web", 640, 0, 700.0), (day, "wecom", "app", 100, 5, 100.0)]
    for j, buyers in zip(range(1, 5), (5, 6, 5, 6)):
        ref = day - timedelta(days=7 * j)
        rows += [(ref, "paid_ads", "mobile_web", 254, buyers, 700.0), (ref, "wecom", "app", 100, 4, 100.0)]
    _insert_cells(con, rows)
    rc = monitoring.root_cause(con, Filters(date(2026, 1, 5), day), day, metric="conversion_rate")
    cells = rc.cells.set_index("channel")
    paid, wecom = cells.loc["paid_ads"], cells.loc["wecom"]
    assert (paid["buyers_0"], paid["buyers_1"], paid["gmv_0"]) == (5.5, 0.0, 3850.0)
    assert paid["traffic"] == pytest.approx(386 * 3850 / 508) and paid["traffic"] == pytest.approx(2925.39, abs=0.01)
    assert paid["conversion"] == pytest.approx(-3850 * 894 / 508)
    assert paid["conversion"] == pytest.approx(-6775.39, abs=0.01)
    assert paid["spend"] == 0 and paid["other"] == 0
    assert wecom["conversion"] == pytest.approx(100.0) and wecom["traffic"] == pytest.approx(0.0)
    e = rc.effects
    assert e["change"] == pytest.approx(-3750.0)
    assert e["traffic"] == pytest.approx(2925.39, abs=0.01) and e["conversion"] == pytest.approx(-6675.39, abs=0.01)
    assert e["traffic"] + e["conversion"] + e["spend"] + e["other"] == pytest.approx(e["change"])
    # The sentence names the segment that fell, never wecom x app whose conversion rose.
    assert rc.cells.iloc[0]["segment"] == "Paid ads × Mobile web"
    assert "Paid ads × Mobile web" in rc.summary and "WeCom" not in rc.summary.split(".")[0]
    # conversion 9.5 / 354 = 2.68% -> 5 / 740 = 0.68%: -2.0 pp; the cell's share 6,775.39 / 6,675.39 = 101%
    assert rc.summary.startswith("Conversion rate -2.0 pp against the usual Monday; Paid ads × Mobile web alone "
                                 "accounts for more than the whole drop (101%)")


def test_segment_effects_add_up_to_the_total_on_random_demo_days(demo_db_path):
    """The identity on the small demo (many cells with no buyer on a day): on 25 random days, the segment effects
    add up to the day's effects and those to the GMV change, for both references."""
    con = db.connect(demo_db_path)
    span = metrics.data_range(con)
    rng = np.random.default_rng(16)
    f = Filters(span.start, span.end)
    zero_cells = 0
    for offset in rng.choice(np.arange(60, (span.end - span.start).days), size=25, replace=False):
        day = span.start + timedelta(days=int(offset))
        for reference in ("usual", "last_week"):
            rc = monitoring.root_cause(con, f, day, reference)
            cells, e = rc.cells, rc.effects
            for key in ("traffic", "conversion", "spend", "other"):
                assert cells[key].sum() == pytest.approx(e[key], abs=1e-6)
            assert e["traffic"] + e["conversion"] + e["spend"] + e["other"] == pytest.approx(e["change"], abs=1e-6)
            row_sums = cells[["traffic", "conversion", "spend", "other"]].sum(axis=1)
            assert np.allclose(row_sums, cells["gmv_1"] - cells["gmv_0"], atol=1e-6)
            assert e["change"] == pytest.approx(rc.totals["after"]["gmv"] - rc.totals["before"]["gmv"], abs=1e-6)
            # only sales without any visitor on a day (orders with no traffic row) are left unsplit
            unsplit = cells[cells["other"].abs() > 1e-9]
            assert ((unsplit["uv_0"] == 0) | (unsplit["uv_1"] == 0) | (unsplit["buyers_0"] == 0)
                    | (unsplit["buyers_1"] == 0)).all()
            zero_cells += int(((cells["buyers_0"] == 0) | (cells["buyers_1"] == 0)).sum())
    assert zero_cells > 0  # the identity was tested on segments with no buyer on a day
