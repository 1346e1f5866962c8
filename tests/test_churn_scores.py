"""The stored dormant-customer scores (derived.CHURN_SCORES, table churn_dormant_scores): equal to scoring in Python,
fresh right after training, stale after a new model or an import and rebuilt by refresh_all, empty without a model."""
from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from ecomops import db, derived
from ecomops.users import churn
from ecomops.users import targeting
from ecomops.ingest import import_file
from tests.ingest_support import ORDERS_HEADER, write_csv

# Small fits keep this module fast; the stored scores must equal score_dormant whatever the model is.
FAST = {"max_iter": 40, "importance_rows": 500}


def _stored_rows(con) -> pd.DataFrame:
    """The table as stored, read with plain SQL (not through stored_dormant, which would rebuild a stale table)."""
    return con.execute("SELECT * EXCLUDE (rank) FROM churn_dormant_scores ORDER BY rank").df()


def _assert_equal_to_python(stored: pd.DataFrame, con) -> pd.DataFrame:
    expected = targeting.score_dormant(con)[targeting.STORED_COLUMNS]
    assert len(expected) > 50  # the demo has a few hundred dormant customers: an empty list would prove nothing
    got = stored[targeting.STORED_COLUMNS].assign(scored_as_of=lambda d: pd.to_datetime(d["scored_as_of"]).dt.date)
    # Money sums come from DuckDB's parallel aggregation, whose summation order (so the last bit) may differ between
    # two runs: numbers are compared to 1e-9 relative, everything else exactly.
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected.reset_index(drop=True),
                                  check_dtype=False, check_exact=False, rtol=1e-9, atol=1e-12)
    return expected


@pytest.fixture(scope="module")
def trained(demo_db_path, tmp_path_factory):
    """Return (connection, train result) on a private demo copy with a freshly trained (small) model."""
    folder = tmp_path_factory.mktemp("churn_scores")
    path = folder / "demo.duckdb"
    shutil.copyfile(demo_db_path, path)
    con = db.connect(path)
    with pytest.MonkeyPatch.context() as patch:  # model files live in the models folder only (churn.model_dir)
        patch.setenv("ECOMOPS_MODELS", str(folder / "models"))
        result = churn.train(con, **FAST)
        yield con, result
    db.close(path)


def test_training_leaves_the_stored_scores_fresh_and_equal_to_scoring_in_python(trained):
    con, result = trained
    assert derived.is_fresh(con, derived.CHURN_SCORES)
    stored = _stored_rows(con)  # read before anything could rebuild it: training itself stored it
    assert set(stored["model_id"]) == {result.model_id}
    expected = _assert_equal_to_python(stored, con)
    assert expected["reasons"].str.len().gt(0).all() and expected["recommendations"].notna().any()
    # What the page and the command read is the same table, in the same order and columns.
    pd.testing.assert_frame_equal(targeting.stored_dormant(con), targeting.readable(stored[targeting.STORED_COLUMNS]))
    assert targeting.stored_count(con) == len(expected)
    # The page reads only its target list: the same rows select_targets picks from the Python scores.
    median_p = float(expected["p_return"].median())
    for budget, threshold in ((100, 0.0), (len(expected), median_p), (10_000, 0.0), (None, median_p)):
        want = targeting.select_targets(expected, budget, threshold)
        got = targeting.stored_targets(con, None, budget, threshold)
        assert 0 < len(want) < len(expected) or budget in (10_000,)
        assert got["customer_id"].tolist() == want["customer_id"].tolist()
        assert got["p_return"].tolist() == pytest.approx(want["p_return"].tolist(), rel=1e-9)
        assert got["reasons"].tolist() == targeting.readable(want)["reasons"].tolist()


def test_a_new_model_makes_the_scores_stale_and_refresh_rebuilds_them(trained):
    con, result = trained
    assert derived.is_fresh(con, derived.CHURN_SCORES)
    entry = churn.latest_model(con)
    with db.transaction(con, bump_version=False) as cur:  # register the same file again as a new model
        cur.execute("INSERT INTO model_registry SELECT * REPLACE (model_id + 1 AS model_id) FROM model_registry "
                    "WHERE model_id = $id", {"id": entry["model_id"]})
    assert not derived.is_fresh(con, derived.CHURN_SCORES)
    assert "churn_dormant_scores" in derived.refresh_all(con)
    stored = _stored_rows(con)
    assert set(stored["model_id"]) == {entry["model_id"] + 1}
    _assert_equal_to_python(stored, con)


def test_an_import_makes_the_scores_stale_and_refresh_rebuilds_them(trained, tmp_path):
    con, _ = trained
    derived.refresh_all(con)
    before = _stored_rows(con)
    comeback = before["customer_id"].iloc[0]  # the most likely returner orders on the last day of data
    sku = con.execute("SELECT product_id FROM products ORDER BY product_id LIMIT 1").fetchone()[0]
    last_day = churn.last_order_day(con)
    result = import_file(con, write_csv(tmp_path / "comeback.csv", ORDERS_HEADER, [
        ["COMEBACK-1", f"{last_day} 12:00:00", comeback, sku, "Kettle", "1", "88.00", "paid"]]))
    assert result.status == "imported"
    assert not derived.is_fresh(con, derived.CHURN_SCORES)
    assert "churn_dormant_scores" in derived.refresh_all(con)
    stored = _stored_rows(con)
    assert comeback not in set(stored["customer_id"])  # now active, no longer dormant
    assert len(stored) == len(before) - 1
    _assert_equal_to_python(stored, con)


def test_after_an_import_the_scores_alone_read_the_stored_values_brought_up_to_date_first(trained, tmp_path,
                                                                                           monkeypatch):
    """The page ensures the churn scores alone: the customer value (and the users tables before it) is brought up to
    date first, in its own transaction, so the scoring reads the stored win-back values instead of refitting the
    value model inside its build."""
    from ecomops.users import value

    con, _ = trained
    derived.refresh_all(con)
    customer, sku = con.execute("SELECT (SELECT min(customer_id) FROM customers), "
                                "(SELECT min(product_id) FROM products)").fetchone()
    last_day = churn.last_order_day(con)
    import_file(con, write_csv(tmp_path / "next_day.csv", ORDERS_HEADER, [
        ["NEXTDAY-1", f"{last_day + pd.Timedelta(days=1)} 09:00:00", customer, sku, "Kettle", "1", "20.00", "paid"]]))
    assert not derived.is_fresh(con, derived.CUSTOMER_VALUE) and not derived.is_fresh(con, derived.CHURN_SCORES)

    def refit(*args, **kwargs):
        raise AssertionError("the churn scores refitted the value model instead of reading the stored values")

    monkeypatch.setattr(value, "fitted_win_back_values", refit)
    assert derived.refresh(con, [derived.CHURN_SCORES]) == ["churn_dormant_scores"]
    for table in (derived.USERS_ORDERS, derived.CUSTOMER_VALUE, derived.CHURN_SCORES):
        assert derived.is_fresh(con, table), table.name
    stored = _stored_rows(con)
    assert set(stored["scored_as_of"].astype(str)) == {str(last_day + pd.Timedelta(days=1))}
    assert stored["clv_365"].notna().any()  # the values were read (the demo's value model fits)
    monkeypatch.undo()
    _assert_equal_to_python(stored, con)


def test_without_a_model_nothing_is_stored(demo_db_path, tmp_path):
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_db_path, path)
    con = db.connect(path)
    try:
        assert derived.is_fresh(con, derived.CHURN_SCORES)  # the demo built it, empty
        assert con.execute("SELECT count(*) FROM churn_dormant_scores").fetchone()[0] == 0
        with pytest.raises(churn.InsufficientHistoryError):
            targeting.stored_dormant(con)
        # Settle the other derived tables first: the review labels follow the review classifier's file, which a
        # fresh checkout trains during the test run (after the shared demo database was built).
        derived.refresh_all(con)
        # A registered model whose file is missing: refresh stores nothing (and does not fail an import's refresh).
        with db.transaction(con, bump_version=False) as cur:
            cur.execute("INSERT INTO model_registry (model_id, name, trained_at, cutoff, horizon_days, features, "
                        "metrics, path, sha256) VALUES (1, 'churn', TIMESTAMP '2026-11-16 08:00', DATE '2026-11-15', "
                        "90, $features, '{}', $path, 'x')",
                        {"features": json.dumps(churn.FEATURES), "path": str(churn.model_dir() / "churn_gone.skops")})
        assert derived.refresh_all(con) == ["churn_dormant_scores"]
        assert con.execute("SELECT count(*) FROM churn_dormant_scores").fetchone()[0] == 0
        with pytest.raises(churn.ModelIntegrityError, match="is missing"):
            targeting.stored_dormant(con)
    finally:
        db.close(path)
