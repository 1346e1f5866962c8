"""The named queries a page or command runs, with the parameters their callers pass, captured on a database file.

Every page runs under AppTest with ``db.recording()`` on; queries that no page runs on its first view (they run in a
derived-table build, a command, or behind a selection) are added by calling the functions that build them, with
the arguments those functions' callers use. The engine tests replay the result on DuckDB and on Spark.
"""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from ecomops import db
from ecomops.engine import registry

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((PROJECT_ROOT / "pages").glob("*.py"))


def page_queries(db_path: Path) -> list[tuple[str, object, tuple]]:
    """Return the (sql, params, settings) of every query the app's pages run on their first view of ``db_path``."""
    from streamlit.testing.v1 import AppTest

    with pytest.MonkeyPatch.context() as mp, db.recording() as recorder:
        mp.setenv("ECOMOPS_DB", str(db_path))
        mp.chdir(PROJECT_ROOT)
        for page in PAGES:
            at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
            at.run()
            at.switch_page(f"pages/{page.name}").run()
            assert not at.exception, f"{page.name}: {at.exception[0].message}"
    return list(recorder.queries)


def direct_queries(con) -> list[tuple[str, object, tuple]]:
    """Return the (sql, params, settings) of the named queries no page runs on its first view, built by the
    functions (or, for builds, the SQL and parameters) their callers use."""
    from ecomops import metrics
    from ecomops.risk import reputation
    from ecomops.traffic import funnel
    from ecomops.users import churn
    from ecomops.users import lifecycle
    from ecomops.users import rfm
    from ecomops.users import targeting
    from ecomops.config import THRESHOLDS
    from ecomops.filters import Filters, default_filters

    span = metrics.data_range(con)
    f = default_filters(span.start, span.end)
    category = db.query_one(con, "SELECT min(category) FROM products")[0] or "Kitchen"
    by_category = Filters(f.start, f.end, channels=("search",), categories=(category,))
    cutoff = span.end - timedelta(days=30)
    with db.recording() as recorder:
        lifecycle.lifecycle(con, span.end)  # users_lifecycle_customers (+ users_lifecycle inside)
        lifecycle.lifecycle_overview(con, by_category)  # users_range_gmv_category (category filter chosen)
        churn.labelled(con, cutoff, THRESHOLDS.churn_horizon_days)  # churn_features, churn_returners
        churn.features(con, cutoff, THRESHOLDS.active_days, THRESHOLDS.dormant_days)  # scoped features
        targeting.recommendations(con, cutoff)
        funnel.session_funnel(con, f)
        # A category chosen: the order counts come from the orders, not the stored daily counts (ops/daily_counts.py):
        # ops/order_counts, ops/segment_buyers, ops/segment_sales and ops/monitoring_repurchase.
        from ecomops.ops import monitoring

        metrics.daily_trend(con, by_category)
        monitoring.segment_series(con, by_category)
        monitoring.repurchase_series(con, by_category)
        monitoring.segment_cells(con, by_category, [by_category.end, by_category.end - timedelta(days=7)])
        from ecomops.users import cohorts

        cohorts.members_by_level(con, by_category)  # users/members_buyers_grouped (a channel chosen)
        funnel.session_conversion(con, f)  # traffic/session_conversion (sessions without a day)
        funnel.session_conversion_by_month(con, f)  # traffic/session_months
        # products/complaints: the complaint reviews of flagged products (repurchase_flags; few stores flag any).
        from ecomops.products import review

        # products/weekly_buyers_grouped and products/repurchase_buyers_grouped (a channel chosen).
        review.weekly_table(con, by_category)
        review.repurchase_vs_category(con, by_category)
        ids = db.query_df(con, "SELECT product_id FROM products ORDER BY product_id LIMIT 5")["product_id"].tolist()
        db.query_df(con, db.load_sql("products/complaints"), {
            "ids": ids, "start": f.start, "end": f.end, "pattern": review.NEGATIVE_PATTERN})
    found = list(recorder.queries)
    # Customer value (users/value.py): the daily repeat purchases of the tracking plot, run while the value table
    # is built, and the holdout window of `clv evaluate`.
    found.append((db.load_sql("users/clv_repeat_daily"), {"as_of": span.end}, ()))
    found.append((db.load_sql("users/clv_holdout"), {"cutoff": cutoff, "end": span.end}, ()))
    # The churn scores' win-back values from the stored customer values (value.win_back_values; its ids semi-join
    # reads a table registered on a cursor, so the case runs it for every customer).
    found.append((db.load_sql("users/clv_win_back").format(wanted="TRUE"), None, ()))
    # The values per lifecycle state and RFM segment: stored with the customer values (value._store_groups, on the
    # build's cursor); pages group them live only when the lifecycle windows changed since.
    from ecomops.users import value

    state_sql, state_params = value.state_values_sql(con, span.end)
    found.append((state_sql, state_params, ()))
    found.append((db.load_sql("users/clv_by_segment"), {"as_of": span.end}, ()))
    # Run by derived-table builds on their cursor (not through db.query_df): RFM cut-offs as of the last order day.
    found.append((rfm.cutoffs_sql(), {"as_of": span.end}, ()))
    found.append((db.load_sql("users/rfm_cells"), {"as_of": span.end}, ()))  # and the cells of those scores
    # The review SLA classification over stored labels (runs when a review model is cached).
    sql, params = reputation._classified_sql(by_category, "model-key", THRESHOLDS)
    found.append((sql, params, ()))
    # The reviews of a range with their stored labels (classified_reviews; pages run it only when no review model is
    # cached, the summaries otherwise): built as classified_reviews builds it.
    review_sql, review_params = reputation.review_where(by_category)
    found.append((db.load_sql("risk/reviews").format(where_sql=review_sql), dict(review_params, model_key="model-key"),
                  ()))
    return found


def named_cases(queries: list[tuple[str, object, tuple]], per_name: int = 3) -> list[tuple[str, str, object, tuple]]:
    """Return (name, sql, params, settings) of the named queries among ``queries``: distinct texts and
    parameters, at most ``per_name`` of each query and set of named fragments filled into it (filters change the
    text; more runs add time, not cover; another fragment is other SQL, so it is compared too)."""
    cases, seen, count = [], set(), {}
    for sql, params, settings in queries:
        name = registry.name_of(sql)
        if name is None:
            continue
        key, variant = (sql, repr(params)), (name, frozenset(registry.names_in(sql)))
        if key in seen or count.get(variant, 0) >= per_name:
            continue
        seen.add(key)
        count[variant] = count.get(variant, 0) + 1
        cases.append((name, sql, params, settings))
    return cases


def covered(queries: list[tuple[str, object, tuple]]) -> set[str]:
    """Return the named queries run by ``queries``, alone or filled into another query."""
    names: set[str] = set()
    for sql, _params, _settings in queries:
        names |= registry.names_in(sql)
    return names
