"""Churn command end to end on the small demo store: evaluate --json, train (registry + hashed skops file), score
(checked against independent SQL), the planted reactivation experiment, and refusals."""
from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from ecomops import db
from ecomops.users import churn
from ecomops.users import targeting
from ecomops.__main__ import main

JSON_KEYS = {"auc", "pr_auc", "lift_top_decile", "baseline_recency_auc", "baseline_bgnbd_auc",
             "baseline_bgnbd_alive_auc", "n_train", "n_test", "cutoff"}


@pytest.fixture(scope="module")
def demo_copy(demo_db_path, tmp_path_factory):
    """Return a private copy of the demo database (training writes the registry) and a model folder."""
    folder = tmp_path_factory.mktemp("churn_demo")
    path = folder / "demo.duckdb"
    shutil.copyfile(demo_db_path, path)
    return path, folder / "models"


@pytest.fixture
def cli(demo_copy, monkeypatch, capsys):
    path, models = demo_copy
    monkeypatch.setenv("ECOMOPS_MODELS", str(models))

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["churn", *args, "--db", str(path)])
        out = capsys.readouterr()
        return code, out.out, out.err

    yield run
    db.close(path)


def test_evaluate_json_prints_exactly_the_contract(cli):
    code, out, _ = cli("evaluate", "--json")
    assert code == 0
    payload = json.loads(out)
    assert set(payload) == JSON_KEYS
    assert payload["cutoff"] == "2026-11-15"
    assert payload["n_train"] > 500 and payload["n_test"] > payload["n_train"]
    assert 0.7 < payload["baseline_recency_auc"] < 1 and 0.7 < payload["baseline_bgnbd_auc"] < 1
    # The classifier (with the BG/NBD outputs as features) beats both recency alone and BG/NBD alone, same window.
    assert payload["auc"] > payload["baseline_recency_auc"] and payload["auc"] > payload["baseline_bgnbd_auc"]
    assert payload["auc"] > payload["baseline_bgnbd_alive_auc"]
    # An earlier cutoff is a real out-of-time backtest on other customers.
    code, out, _ = cli("evaluate", "--json", "--cutoff", "2026-08-17")
    earlier = json.loads(out)
    assert code == 0 and earlier["cutoff"] == "2026-08-17" and earlier["n_test"] < payload["n_test"]
    print(f"\ndemo backtest: model AUC {payload['auc']:.3f} vs recency {payload['baseline_recency_auc']:.3f}, "
          f"BG/NBD {payload['baseline_bgnbd_auc']:.3f}; "
          f"at 2026-08-17 {earlier['auc']:.3f} vs {earlier['baseline_recency_auc']:.3f}")


def test_train_registers_a_hashed_model_and_score_matches_sql(cli, demo_copy, tmp_path):
    code, out, _ = cli("train", "--json")
    assert code == 0
    trained = json.loads(out)
    con = db.connect(demo_copy[0])
    entry = churn.latest_model(con)
    assert entry["model_id"] == trained["model_id"]
    assert entry["features"] == churn.FEATURES and str(entry["cutoff"]) == "2026-11-15"
    assert entry["metrics"]["auc"] == pytest.approx(trained["auc"])
    assert entry["metrics"]["baseline"]["auc"] == pytest.approx(trained["baseline_recency_auc"])
    assert entry["data_version"] == db.data_version(con)
    assert entry["sha256"] == churn._sha256(churn.Path(entry["path"]))

    out_csv = tmp_path / "scored.csv"
    code, out, err = cli("score", "--out", str(out_csv), "--top", "3")
    assert code == 0 and "dormant customers" in out
    scored = pd.read_csv(out_csv, encoding="utf-8-sig", dtype={"customer_id": str})
    dormant = con.execute("""
        WITH last AS (SELECT customer_id, max(order_date) AS d FROM orders
                      WHERE status IN ('paid', 'shipped', 'completed', 'returned') AND customer_id IS NOT NULL GROUP BY customer_id)
        SELECT customer_id FROM last WHERE DATE '2026-11-15' - d BETWEEN 91 AND 180""").df()["customer_id"]
    assert sorted(scored["customer_id"]) == sorted(dormant)
    # Ranked by the value a win-back would recover (P(return) x 12-month value once back; issue 20).
    assert scored["winback_value"].notna().all() and scored["winback_value"].is_monotonic_decreasing
    assert (scored["winback_value"] >= scored["p_return"] * scored["clv_365"] - 1e-9).all()
    assert scored["p_return"].between(0, 1).all() and scored["reasons"].str.len().gt(0).all()
    assert (scored["expected_value"] <= scored["monetary"] + 1e-9).all()
    # Recommendations never repeat a product the customer already bought.
    bought = con.execute("""SELECT DISTINCT o.customer_id, i.product_id FROM orders o JOIN order_items i USING (order_id)
                            WHERE o.status IN ('paid', 'shipped', 'completed', 'returned')""").df()
    recs = scored.dropna(subset=["recommended_ids"]).assign(product_id=lambda d: d["recommended_ids"].str.split(" | ",
                                                            regex=False)).explode("product_id")
    assert len(recs) > len(scored)
    assert recs.merge(bought, on=["customer_id", "product_id"]).empty


def test_tampered_model_file_is_refused_and_retrained(cli, demo_copy):
    code, _, _ = cli("train")
    assert code == 0
    con = db.connect(demo_copy[0])
    entry = churn.latest_model(con)
    with open(entry["path"], "ab") as handle:
        handle.write(b"tampered")
    targeting._models.clear()
    code, _, err = cli("score")
    assert code == 0 and "sha256" in err and f"model #{entry['model_id']} was refused" in err.lower()
    replacement = churn.latest_model(con)
    assert replacement["model_id"] == entry["model_id"] + 1 and churn.model_file_problem(replacement) is None
    # A model registered with another feature list (an older version) is replaced the same way, with a clear note.
    with db.transaction(con, bump_version=False) as cur:
        cur.execute("UPDATE model_registry SET features = '[\"recency_days\"]' WHERE model_id = $id",
                    {"id": replacement["model_id"]})
    code, _, err = cli("score")
    assert code == 0 and "another feature set" in err
    assert churn.latest_model(con)["model_id"] == replacement["model_id"] + 1


def test_refusal_is_a_clear_message(tmp_path, capsys):
    path = tmp_path / "thin.duckdb"
    con = db.connect(path)
    con.execute("INSERT INTO orders (order_id, customer_id, order_ts, order_date, status) VALUES "
                "('O1', 'A', TIMESTAMP '2024-01-01', DATE '2024-01-01', 'paid'), "
                "('O2', 'A', TIMESTAMP '2024-03-01', DATE '2024-03-01', 'paid')")
    code = main(["churn", "train", "--db", str(path)])
    assert code == 2
    assert "Too little history" in capsys.readouterr().err
    db.close(path)


def test_planted_reactivation_experiment_matches_sql(demo_db_path):
    """The demo's outreach ~120 days before its end: treatment converts better; figures agree with plain SQL."""
    con = db.connect(demo_db_path)
    try:
        result = targeting.reactivation_results(con, window_days=90)
        independent = con.execute("""
            SELECT r.arm, count(*) AS n,
                   count(*) FILTER (WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = r.customer_id
                       AND o.status IN ('paid', 'shipped', 'completed', 'returned') AND o.order_date > r.sent_date
                       AND o.order_date <= r.sent_date + 90)) AS back
            FROM reactivation_outreach r GROUP BY r.arm""").df().set_index("arm")
    finally:
        db.close(demo_db_path)
    row = result.iloc[0]
    assert len(result) == 1 and row["days_observed"] == 90
    assert row["treatment_customers"] == independent.loc["treatment", "n"]
    assert row["treatment_rate"] == pytest.approx(independent.loc["treatment", "back"] / independent.loc["treatment", "n"])
    assert row["control_rate"] == pytest.approx(independent.loc["control", "back"] / independent.loc["control", "n"])
    assert row["ci_low"] < row["uplift"] < row["ci_high"]
    assert row["uplift"] > 0
