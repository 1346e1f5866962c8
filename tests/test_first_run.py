"""First run complete: ``python -m ecomops demo`` trains the churn model and the review classifier and stores their
outputs, so the first visit of the Churn page and the weekly review shows trained-model content without training
anything inside the request."""
from __future__ import annotations

import pytest

from ecomops import db, derived
from ecomops.__main__ import main
from ecomops.risk import reviews_model
from ecomops.users import churn, model_jobs


@pytest.fixture(scope="module")
def demo_with_models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("first_run")
    path = folder / "demo.duckdb"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ECOMOPS_MODELS", str(folder / "models"))
        assert main(["demo", "--db", str(path), "--customers", "2000"]) == 0
    db.close(path)
    return path, folder / "models"


def test_demo_command_trains_and_scores(demo_with_models, monkeypatch):
    path, models = demo_with_models
    monkeypatch.setenv("ECOMOPS_MODELS", str(models))
    con = db.connect(path)
    try:
        entry = churn.latest_model(con)
        assert entry is not None and churn.model_file_problem(entry) is None
        assert con.execute("SELECT count(*) FROM churn_dormant_scores WHERE model_id = $id",
                           {"id": entry["model_id"]}).fetchone()[0] > 50
        assert derived.is_fresh(con, derived.CHURN_SCORES)
        if reviews_model.cache_key():  # the review classifier needs the shared review data sets
            assert derived.is_fresh(con, derived.RISK_REVIEW_LABELS)
    finally:
        db.close(path)


def test_first_visits_show_trained_content_without_training(demo_with_models, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import PROJECT_ROOT

    path, models = demo_with_models
    monkeypatch.setenv("ECOMOPS_MODELS", str(models))
    monkeypatch.setenv("ECOMOPS_DB", str(path))
    monkeypatch.chdir(PROJECT_ROOT)
    review_key = reviews_model.cache_key()
    before = churn.latest_model(db.connect(path))["model_id"]
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=300)
    at.run()
    at.switch_page("pages/users_churn.py").run()
    assert not at.exception
    assert not any("No churn model yet" in i.value for i in at.info)
    labels = {m.label: m.value for m in at.metric}
    assert "ROC AUC: churn model" in labels and "ROC AUC: BG/NBD alone" in labels
    assert int(labels["Dormant customers"].replace(",", "")) > 50
    assert model_jobs.churn_job(db.connect(path)) is None  # nothing was trained for this visit
    assert churn.latest_model(db.connect(path))["model_id"] == before

    at.switch_page("pages/data_review.py").run()
    assert not at.exception
    assert any(m.label == "Uplift (contacted − control)" for m in at.metric)  # the planted outreach, from orders
    assert reviews_model.cache_key() == review_key  # the review classifier was not (re)trained by the visit
    db.close(path)
