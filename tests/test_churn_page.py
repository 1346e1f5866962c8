"""AppTest of the Churn & reactivation page: empty state, training with progress, metrics vs baseline, scored dormant
customers, recording an outreach with its control group, and the treatment-vs-control uplift."""
from __future__ import annotations

import json
import re
import shutil

import pytest

from ecomops import db
from ecomops.i18n import fmt
from ecomops.users import churn, model_jobs
from ecomops.users import targeting

PAGE = "pages/users_churn.py"


@pytest.fixture
def page_db(demo_db_path, tmp_path, monkeypatch):
    """Point the app at a private copy of the demo database (the page writes the registry and the outreach)."""
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_db_path, path)
    monkeypatch.setenv("ECOMOPS_MODELS", str(tmp_path / "models"))
    yield path
    db.close(path)


def _metric(at, label):
    return next(m for m in at.metric if m.label == label)


def test_page_trains_scores_records_and_measures(app_test, page_db, monkeypatch):
    monkeypatch.setenv("ECOMOPS_DB", str(page_db))
    at = app_test(PAGE)
    assert not at.exception
    assert at.title[0].value == "Churn & reactivation"
    assert any("No churn model yet" in i.value for i in at.info)
    # The planted demo experiment is measured before any model exists, with its interval.
    results = targeting.reactivation_results(db.connect(page_db))
    latest = results.iloc[-1]
    assert _metric(at, "Uplift").value == fmt.pp(latest["uplift"])
    assert _metric(at, "Uplift").help == targeting.uplift_text(latest["uplift"], latest["ci_low"], latest["ci_high"])
    assert _metric(at, "Treatment reactivated").value == fmt.percent(latest["treatment_rate"])

    # Training runs on a background thread, not inside the request; the page shows the model once it is done.
    at.button(key="churn_train").click().run()
    assert not at.exception
    job = model_jobs.churn_job(db.connect(page_db))
    assert job is not None
    job.thread.join(timeout=600)
    assert job.state == "done", job.error
    at.run()
    entry = churn.latest_model(db.connect(page_db))
    assert entry is not None and entry["model_id"] == job.model_id
    metrics = entry["metrics"]
    assert _metric(at, "ROC AUC: churn model").value == fmt.number(metrics["model"]["auc"], 3)
    assert _metric(at, "ROC AUC: recency alone").value == fmt.number(metrics["baseline"]["auc"], 3)
    assert _metric(at, "ROC AUC: BG/NBD alone").value == fmt.number(metrics["bgnbd_order"]["auc"], 3)
    assert any("were dormant at the test cutoff" in c.value for c in at.caption)
    calibration = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert {t["name"] for t in calibration["data"]} >= {"model", "recency baseline"}

    scored = targeting.score_dormant(db.connect(page_db))
    assert _metric(at, "Dormant customers").value == fmt.count(len(scored))
    at.number_input(key="churn_budget").set_value(100).run()
    expected = targeting.expected_outcome(scored.head(100))
    assert _metric(at, "Expected revenue").value == fmt.money(expected["expected_revenue"], decimals=0)
    shown = next(d.value for d in at.dataframe if "reasons" in d.value.columns)
    assert shown["reasons"].str.match(r"^(Less likely to return|More likely to return|Close to a typical)").all()

    before = db.query_one(db.connect(page_db), "SELECT count(*) FROM reactivation_outreach")[0]
    submit = next(b for b in at.button if b.label == "Record outreach and prepare the export")
    submit.click().run()
    assert not at.exception
    after = db.query_one(db.connect(page_db), "SELECT count(*) FROM reactivation_outreach")[0]
    assert after - before == 100
    control = db.query_one(db.connect(page_db), "SELECT count(*) FROM reactivation_outreach "
                                                "WHERE arm = 'control' AND sent_date = DATE '2026-11-16'")[0]
    assert control == 10
    assert any("held out as control" in s.value for s in at.success)
    assert at.get("download_button")


def test_page_with_a_missing_model_file_retrains_and_says_so(app_test, page_db, monkeypatch):
    """A registered model whose file is gone (or refused) is replaced by a new one, with a warning naming both."""
    monkeypatch.setenv("ECOMOPS_DB", str(page_db))
    con = db.connect(page_db)
    with db.transaction(con, bump_version=False) as cur:
        cur.execute("INSERT INTO model_registry (model_id, name, trained_at, cutoff, horizon_days, features, metrics, "
                    "path, sha256) VALUES (1, 'churn', TIMESTAMP '2026-11-16 08:00', DATE '2026-11-15', 90, $features, "
                    "'{}', $path, 'x')", {"features": json.dumps(churn.FEATURES),
                                          "path": str(churn.model_dir() / "churn_gone.skops")})
    db.close(page_db)
    at = app_test(PAGE)
    assert not at.exception
    shown = [re.sub(r"\\(.)", r"\1", w.value) for w in at.warning]  # the note is escaped markdown
    assert any("is missing" in w and "replaced by model #2" in w for w in shown), shown
    assert churn.latest_model(db.connect(page_db))["model_id"] == 2


def test_page_shows_the_stored_scores(app_test, page_db, monkeypatch, tmp_path):
    """The page reads churn_dormant_scores (stored at training), not a fresh scoring: a stored list cut to 7
    customers is what it shows."""
    import streamlit as st

    from ecomops import derived

    monkeypatch.setenv("ECOMOPS_DB", str(page_db))
    con = db.connect(page_db)
    churn.train(con, max_iter=40, importance_rows=500)  # into $ECOMOPS_MODELS, set to tmp_path / "models" above
    full = targeting.stored_dormant(con)
    assert len(full) > 7
    # Edit the stored rows behind the mechanism's back (its fingerprint does not change, so nothing rebuilds them).
    con.execute("DELETE FROM churn_dormant_scores WHERE rank > 7")
    con.execute("UPDATE churn_dormant_scores SET expected_value = 1000 * rank")
    assert derived.is_fresh(con, derived.CHURN_SCORES)
    db.close(page_db)
    st.cache_data.clear()
    at = app_test(PAGE)
    assert not at.exception
    assert _metric(at, "Dormant customers").value == "7"
    assert _metric(at, "Expected revenue").value == fmt.money(1000 * sum(range(1, 8)), decimals=0)
    shown = next(d.value for d in at.dataframe if "customer_id" in d.value.columns)
    assert shown["customer_id"].tolist() == full["customer_id"].head(7).tolist()
    assert shown["reasons"].tolist() == full["reasons"].head(7).tolist()
