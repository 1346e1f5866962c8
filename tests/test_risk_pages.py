"""AppTest of the Risk pages on the small demo database: they run and show the risk modules' numbers."""
from __future__ import annotations

import base64
import json

import numpy as np

import pytest

from ecomops import charts, db, metrics
from ecomops.risk import competition
from ecomops.risk import compliance
from ecomops.risk import reputation
from ecomops.risk import supply
from ecomops.filters import default_filters


@pytest.fixture
def demo(demo_db_path):
    con = db.connect(demo_db_path)
    span = metrics.data_range(con)
    return con, default_filters(span.start, span.end)


def _values(encoded) -> list:
    """Return a Plotly array from a chart spec (plain list, or the typed {dtype, bdata} form of Plotly 6+)."""
    if isinstance(encoded, dict) and "bdata" in encoded:
        return np.frombuffer(base64.b64decode(encoded["bdata"]), dtype=np.dtype(encoded["dtype"])).tolist()
    return list(encoded)


def _metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def test_compliance_page(app_test, demo):
    con, f = demo
    at = app_test("pages/risk.py")
    assert not at.exception
    summary = compliance.compliance_summary(con, f)
    assert _metric(at, "Products scanned") == f"{summary['products_scanned']:,}"
    assert _metric(at, "Products with claims") == f"{summary['products_flagged']:,}"
    assert summary["claims"] > 0  # the demo copy holds banned claims
    flagged = at.dataframe[0].value
    assert flagged["product_id"].tolist() == compliance.scan_products(con, f)["product_id"].tolist()
    shown = " ".join(flagged["title_highlighted"]) + " ".join(flagged["description_highlighted"])
    assert "【" in shown and "【最近】" not in shown and "【第一】次" not in shown  # traps not flagged
    at.text_area(key="risk_copy").input("销量第一的顶级面膜，最近上新 · Best seller").run()
    assert not at.exception
    assert at.warning[0].value.startswith("3 claim(s)")
    assert at.code[0].value == "销量领先的高端面膜，最近上新 · Great seller"
    at.text_area(key="risk_copy").input("最近上新，第一次购买送礼").run()
    assert at.success[0].value.startswith("No banned")
    rules = len(compliance.banned_words(con))
    next(b for b in at.button if b.label == "Save word list").click().run()
    assert not at.exception
    assert f"Saved {rules} rules." in [s.value for s in at.success]


def test_supply_page(app_test, demo):
    con, f = demo
    at = app_test("pages/risk_supply.py")
    assert not at.exception
    s = supply.supply_summary(con, f)
    assert _metric(at, "SKUs without backup") == f"{s['skus_without_backup']:,} / {s['skus']:,}"
    assert _metric(at, "GMV on SKUs without backup") == charts.format_value("gmv_share", s["gmv_share_without_backup"])
    assert _metric(at, "A items on a single supplier") == f"{s['a_single_supplier']:,}"
    assert s["a_single_supplier"] > 0 and s["top_supplier_share"] > 0.3  # demo: S01 concentration, exposed A items
    exposed = supply.a_class_single_supplier(con, f)
    assert at.dataframe[0].value["product_id"].tolist() == exposed["product_id"].tolist()
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    conc = supply.supplier_concentration(con, f)
    assert max(_values(spec["data"][0]["x"])) == pytest.approx(conc["share"].max())


def test_competition_page(app_test, demo):
    con, f = demo
    at = app_test("pages/risk_competition.py")
    assert not at.exception
    s = competition.competition_summary(con, f)
    assert _metric(at, "Products undercut") == f"{s['undercut_products']:,}"
    assert _metric(at, "Loss leaders") == f"{s['loss_leaders']:,}" and s["loss_leaders"] >= 1
    assert not at.error
    assert "¥9.90" in at.warning[0].value  # the demo's 9.9 loss leader in the last two weeks
    alerts = competition.undercut_alerts(con, f)
    assert len(at.dataframe[0].value) == len(alerts)
    at.slider(key="risk_undercut").set_value(0.3).run()
    assert not at.exception
    assert len(at.dataframe[0].value) == len(competition.undercut_alerts(con, f, 0.3)) < len(alerts)
    assert at.get("plotly_chart")  # price history of the first watched product


def test_reputation_page_without_model(app_test, demo, monkeypatch, tmp_path):
    """Without training data and without a cached model the page explains it and still shows rated reviews."""
    import streamlit as st

    from ecomops.risk import reviews_model

    monkeypatch.setenv("ECOMOPS_SHARED_DATA", str(tmp_path / "missing"))
    monkeypatch.setenv("ECOMOPS_MODELS_DIR", str(tmp_path / "models"))
    st.cache_data.clear()
    con, f = demo
    at = app_test("pages/risk_reputation.py")
    assert not at.exception
    assert any("not found" in w.value for w in at.warning)
    s = reputation.reputation_summary(con, f)
    assert s["unclassified"] > 0
    assert _metric(at, "Negative reviews") == f"{s['negative']:,} / {s['reviews']:,}"
    assert _metric(at, "SLA breaches") == f"{s['sla_breaches']:,}"
    st.cache_data.clear()
    reviews_model._loaded.clear()
