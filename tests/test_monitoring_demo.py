"""Monitoring on the full-size demo store (20,000 customers): the planted 2026-11-03 anomaly -- conversion down ~25%,
mostly paid_ads traffic on mobile_web -- is alerted and its root cause is found. The small session demo (2,000
customers) is too noisy for a single-day anomaly, so this module builds the default-size demo once (~5 s)."""
from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from ecomops import db, metrics
from ecomops.ops import monitoring
from ecomops.filters import Filters

ANOMALY_DAY = date(2026, 11, 3)
RANGE = Filters(date(2026, 10, 20), date(2026, 11, 8))


@pytest.fixture(scope="module")
def demo_con(tmp_path_factory):
    from ecomops import demo

    path = tmp_path_factory.mktemp("demo_full") / "demo.duckdb"
    con = db.connect(path)
    demo.generate(con, seed=7)
    yield con
    db.close(path)


def test_planted_conversion_drop_is_a_critical_alert(demo_con):
    found = monitoring.alerts(demo_con, RANGE)
    conversion = found[(found["metric"] == "conversion_rate") & (found["day"] == ANOMALY_DAY)]
    assert len(conversion) == 1
    assert conversion["severity"].iloc[0] == "critical"
    assert conversion["change"].iloc[0] < -0.15
    bands = monitoring.monitor(demo_con, RANGE)
    day = bands[(bands["metric"] == "conversion_rate") & (bands["day"] == pd.Timestamp(ANOMALY_DAY))].iloc[0]
    assert day["anomaly"] and day["value"] < day["low"]
    # The other days of the range keep their conversion rate inside the band.
    others = bands[(bands["metric"] == "conversion_rate") & (bands["day"] != pd.Timestamp(ANOMALY_DAY))
                   & (bands["day"] <= pd.Timestamp("2026-11-08"))]
    assert not others["anomaly"].any()


def test_root_cause_names_paid_ads_mobile_web(demo_con):
    rc = monitoring.root_cause(demo_con, RANGE, ANOMALY_DAY, metric="conversion_rate")
    top = rc.cells.iloc[0]
    assert (top["channel"], top["device"]) == ("paid_ads", "mobile_web")
    assert top["share_of_focus"] > 0.5
    assert rc.ratios()["conversion"] < -0.15
    assert "of the drop is Paid ads × Mobile web" in rc.summary
    assert rc.basis == "same_campaign"  # 11-03 lies in the Double 11 pre-sale: compared with its earlier Tuesdays
    e = rc.effects
    assert e["traffic"] + e["conversion"] + e["spend"] == pytest.approx(e["change"])
    # The totals the decomposition starts from are the METRICS.md figures of metrics.kpis.
    k = metrics.kpis(demo_con, RANGE.with_range(ANOMALY_DAY, ANOMALY_DAY))
    assert rc.totals["after"]["gmv"] == pytest.approx(k["gmv"])
    assert rc.totals["after"]["buyers"] == k["buyers"] and rc.totals["after"]["uv"] == k["uv"]
    refs = [metrics.kpis(demo_con, RANGE.with_range(d, d)) for d in rc.reference_days]
    assert rc.totals["before"]["gmv"] == pytest.approx(sum(r["gmv"] for r in refs) / len(refs))


def test_daily_series_agree_with_kpis(demo_con):
    series = monitoring.daily_series(demo_con, RANGE).set_index("day")
    for day in (date(2026, 10, 25), ANOMALY_DAY):
        k = metrics.kpis(demo_con, RANGE.with_range(day, day))
        row = series.loc[pd.Timestamp(day)]
        assert row["gmv"] == pytest.approx(k["gmv"]) and row["uv"] == k["uv"]
        assert row["conversion_rate"] == pytest.approx(k["conversion_rate"])
        window = metrics.kpis(demo_con, RANGE.with_range(day - timedelta(days=29), day))
        assert row["repurchase_rate"] == pytest.approx(window["repurchase_rate"])
