"""Reputation (METRICS.md): negative-review queue, reply time, SLA breaches, negative-review rate vs its target by
product and over time. Every function returns a DataFrame or a dict. The thresholds are settings
(``config.thresholds``, defaults in brackets), read at each call.

Definitions:
- **Negative**: rating <= ``negative_rating_max`` (2); a review with text and no rating is classified
  by ``reviews_model`` (``source`` = "model"); no rating and no text = not negative. When the model is unavailable
  (no cache, no training data) text-only reviews count as not negative and are reported as ``unclassified``.
- **Negative-review rate**: negative / all reviews created in the range (target ``negative_rate_target``: 5%).
- **As of**: the end of the range's last day (midnight after ``f.end``) — the same clock as the weekly report.
  A reply after that moment counts as not yet given.
- **Response time**: hours from review to first reply. The **SLA** (``reply_sla_hours``: 24 h) applies to negative
  reviews (the playbook's "answer within 24 h with an apology and a coupon"): breached when replied after it, or
  still open and older than it as of the end of the range.
- Filters: dates on ``created_ts``; category via the product; channel via the review's order (reviews without an
  order drop out when a channel is chosen).
"""
from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Callable, Sequence

import duckdb
import numpy as np
import pandas as pd

from ecomops import config, db, derived
from ecomops.config import Thresholds
from ecomops.filters import Filters, where
from ecomops.i18n import N_, _

Classifier = Callable[[Sequence[str | None], Sequence[str | None]], Sequence[bool | None]]
# The queue's order (also written out in sql/risk/reputation_queue.sql, the stored-labels path).
SLA_ORDER = {"open, overdue": 0, "open, within SLA": 1, "replied late": 2, "replied in time": 3}
ACTION = N_("Apologise and send a compensation coupon")
REPLIED_ACTION = N_("Check the reply resolved it")


def as_of(f: Filters) -> datetime:
    """Return the moment the range ends (midnight after its last day): the clock for open reviews."""
    return datetime.combine(f.end + timedelta(days=1), time())


def _model_classifier() -> tuple[Classifier | None, str | None]:
    from ecomops.risk import reviews_model

    try:
        model = reviews_model.get_model()
    except reviews_model.ReviewsModelUnavailable as exc:
        return None, str(exc)
    return model.predict_negative, None


def store_labels(cur: duckdb.DuckDBPyConnection) -> None:
    """Classify the reviews with text and no rating that have no stored label of the cached review model, and store
    the labels (with the hash of the text judged).

    Run by the derived-table mechanism (derived.RISK_REVIEW_LABELS.after_build) in its build transaction after a
    data change or a new model file; the build query has already dropped labels of deleted, rated or edited
    reviews, so only new text is classified. Without a cached model nothing is stored (the page trains one on first
    use; its new file changes the fingerprint, so the labels are then built).
    """
    from ecomops.risk import reviews_model

    key = reviews_model.cache_key()
    if not key:
        return
    cur.execute("DELETE FROM risk_review_labels WHERE model_key <> $key", {"key": key})
    rows = cur.execute("""
        SELECT r.review_id, r.review_text, r.language FROM reviews r
        WHERE r.rating IS NULL AND trim(coalesce(r.review_text, '')) <> ''
          AND NOT EXISTS (SELECT 1 FROM risk_review_labels l WHERE l.review_id = r.review_id)""").df()
    if rows.empty:
        return
    try:
        model = reviews_model.get_model()
    except reviews_model.ReviewsModelUnavailable:
        return
    labels = model.predict_negative(rows["review_text"].tolist(), rows["language"].tolist())
    frame = pd.DataFrame({"review_id": rows["review_id"], "negative": [bool(x) for x in labels]})
    cur.register("labels_frame", frame)
    cur.execute("INSERT INTO risk_review_labels (review_id, model_key, text_hash, negative) "
                "SELECT f.review_id, $key, hash(r.review_text), f.negative "
                "FROM labels_frame f JOIN reviews r ON r.review_id = f.review_id", {"key": key})
    cur.unregister("labels_frame")


def _stored_labels_key(con: duckdb.DuckDBPyConnection, classifier: Classifier | None) -> str | None:
    """Return the current review model's key when the stored labels apply (no explicit classifier, a cached model),
    after bringing them up to date; None means classify in Python (classified_reviews)."""
    if classifier is not None:
        return None
    from ecomops.risk import reviews_model

    if not reviews_model.cache_key():
        return None  # no cached model: classified_reviews trains one or reports why it cannot
    derived.ensure(con, derived.RISK_REVIEW_LABELS)
    return reviews_model.cache_key()


def review_where(f: Filters) -> tuple[str, dict]:
    """Return (sql, params) keeping the reviews (alias r, product p) of the range and categories, and of the chosen
    channels through the review's order: looked up only when channels are chosen (joining every order to find the
    reviews' channels took 1.7 of the 1.9 s of each Reputation summary on a 10M-customer store)."""
    sql, params = where(f, date_col="r.created_ts", category_col="p.category")
    if f.channels:
        channel_sql, channel_params = where(f, channel_col="o.channel")
        sql += f" AND r.order_id IN (SELECT o.order_id FROM orders o WHERE {channel_sql})"
        params.update(channel_params)
    return sql, params


def _classified_sql(f: Filters, model_key: str, t: Thresholds) -> tuple[str, dict]:
    """Return (sql, params) of the range's reviews classified in SQL with the stored labels and the thresholds ``t``
    (the CTE the SQL summaries group; same columns and rules as classified_reviews)."""
    where_sql, params = review_where(f)
    params.update(model_key=model_key, clock=as_of(f), neg_max=t.negative_rating_max, sla_hours=t.reply_sla_hours)
    return db.load_sql("risk/reviews_classified").format(where_sql=where_sql), params


UNCLASSIFIED_MESSAGE = N_("Some reviews with text and no rating have no stored label (the review model could not "
                          "be loaded): they count as not negative.")


def classified_reviews(con: duckdb.DuckDBPyConnection, f: Filters, classifier: Classifier | None = None,
                       sla_hours: float | None = None) -> pd.DataFrame:
    """Return the reviews of the range with negative (bool), source, response/open hours and SLA status (against
    ``sla_hours``, default: the reply SLA in force).

    Without an explicit classifier, reviews with text and no rating take the label stored for the current review
    model (derived.RISK_REVIEW_LABELS); only those without one are classified here.
    """
    model_key = ""
    if classifier is None:
        from ecomops.risk import reviews_model

        derived.ensure(con, derived.RISK_REVIEW_LABELS)
        model_key = reviews_model.cache_key()
    where_sql, params = review_where(f)
    frame = db.query_df(con, db.load_sql("risk/reviews").format(where_sql=where_sql),
                        dict(params, model_key=model_key))
    frame.attrs["model_message"] = None
    rated = frame["rating"].notna()
    has_text = frame["review_text"].fillna("").str.strip() != ""
    t = config.thresholds(con)
    sla_hours = t.reply_sla_hours if sla_hours is None else sla_hours
    frame["negative"] = rated & (frame["rating"] <= t.negative_rating_max)
    frame["source"] = np.where(rated, "rating", np.where(has_text, "model", "none"))
    to_classify = ~rated & has_text
    stored = to_classify & frame["stored_negative"].notna()
    if stored.any():
        frame.loc[stored, "negative"] = frame.loc[stored, "stored_negative"].astype(bool)
        to_classify &= ~stored
    frame = frame.drop(columns="stored_negative")
    if to_classify.any():
        message = None
        if classifier is None:
            classifier, message = _model_classifier()
        if classifier is None:
            frame.loc[to_classify, "source"] = "unclassified"
            frame.attrs["model_message"] = message
        else:
            labels = classifier(frame.loc[to_classify, "review_text"].tolist(),
                                frame.loc[to_classify, "language"].tolist())
            frame.loc[to_classify, "negative"] = [bool(x) for x in labels]
    frame["negative"] = frame["negative"].astype(bool)
    clock = pd.Timestamp(as_of(f))
    replied = frame["replied_ts"].notna() & (frame["replied_ts"] <= clock)
    frame["replied"] = replied
    frame["response_hours"] = ((frame["replied_ts"] - frame["created_ts"]).dt.total_seconds() / 3600).where(replied)
    frame["open_hours"] = ((clock - frame["created_ts"]).dt.total_seconds() / 3600).where(~replied)
    frame["sla_status"] = np.select(
        [replied & (frame["response_hours"] <= sla_hours), replied, frame["open_hours"] > sla_hours],
        ["replied in time", "replied late", "open, overdue"], "open, within SLA")
    frame["sla_breach"] = frame["negative"] & frame["sla_status"].isin(["replied late", "open, overdue"])
    return frame


def reputation_summary(con: duckdb.DuckDBPyConnection, f: Filters, classifier: Classifier | None = None) -> dict:
    """Return reviews, negatives, negative rate vs target, reply times and SLA breaches for the range."""
    t = config.thresholds(con)
    key = _stored_labels_key(con, classifier)
    if key is not None:  # one aggregate query over the stored labels
        sql, params = _classified_sql(f, key, t)
        row = db.query_df(con, db.load_sql("risk/reputation_summary").format(reviews_classified=sql), params).iloc[0]
        total, negative = int(row["reviews"]), int(row["negative"])
        median = lambda v: None if pd.isna(v) else float(v)  # noqa: E731 - NULL when nothing was replied
        return {
            "reviews": total, "negative": negative, "negative_rate": negative / total if total else None,
            "target": t.negative_rate_target,
            **{k: int(row[k]) for k in ("classified_by_model", "negative_by_model", "unclassified",
                                        "negative_replied", "negative_open")},
            "median_response_hours": median(row["median_response_hours"]),
            "median_response_hours_all": median(row["median_response_hours_all"]),
            "sla_breaches": int(row["sla_breaches"]),
            "sla_breach_rate": int(row["sla_breaches"]) / negative if negative else None,
            "open_overdue": int(row["open_overdue"]),
            "model_message": _(UNCLASSIFIED_MESSAGE) if int(row["unclassified"]) else None,
        }
    r = classified_reviews(con, f, classifier)
    neg = r[r["negative"]]
    total = len(r)
    return {
        "reviews": total,
        "negative": int(len(neg)),
        "negative_rate": len(neg) / total if total else None,
        "target": t.negative_rate_target,
        "classified_by_model": int((r["source"] == "model").sum()),
        "negative_by_model": int((neg["source"] == "model").sum()),
        "unclassified": int((r["source"] == "unclassified").sum()),
        "negative_replied": int(neg["replied"].sum()),
        "negative_open": int((~neg["replied"]).sum()),
        "median_response_hours": float(neg["response_hours"].median()) if neg["replied"].any() else None,
        "median_response_hours_all": float(r["response_hours"].median()) if r["replied"].any() else None,
        "sla_breaches": int(neg["sla_breach"].sum()),
        "sla_breach_rate": float(neg["sla_breach"].mean()) if len(neg) else None,
        "open_overdue": int((neg["sla_status"] == "open, overdue").sum()),
        "model_message": r.attrs.get("model_message"),
    }


def negative_queue(con: duckdb.DuckDBPyConnection, f: Filters, open_only: bool = True,
                   classifier: Classifier | None = None) -> pd.DataFrame:
    """Return the negative reviews to handle: overdue first (oldest first), then open, then replied late."""
    key = _stored_labels_key(con, classifier)
    if key is not None:
        sql, params = _classified_sql(f, key, config.thresholds(con))
        return db.query_df(con, db.load_sql("risk/reputation_queue").format(reviews_classified=sql),
                           dict(params, action=_(ACTION), replied_action=_(REPLIED_ACTION),
                                open_only=bool(open_only)))
    r = classified_reviews(con, f, classifier)
    q = r[r["negative"]].copy()
    if open_only:
        q = q[~q["replied"]]
    q["hours"] = q["open_hours"].fillna(q["response_hours"])
    q["_order"] = q["sla_status"].map(SLA_ORDER)
    q["action"] = np.where(q["replied"], _(REPLIED_ACTION), _(ACTION))
    q = q.sort_values(["_order", "hours"], ascending=[True, False], ignore_index=True)
    return q[["review_id", "product_id", "title", "category", "rating", "source", "review_text", "created_ts",
              "replied_ts", "hours", "sla_status", "action"]]


def negative_rate_by_product(con: duckdb.DuckDBPyConnection, f: Filters, min_reviews: int = 1,
                             classifier: Classifier | None = None) -> pd.DataFrame:
    """Return reviews, negatives and negative rate per product (with >= min_reviews), worst first, vs target."""
    t = config.thresholds(con)
    key = _stored_labels_key(con, classifier)
    if key is not None:
        sql, params = _classified_sql(f, key, t)
        table = db.query_df(con, db.load_sql("risk/reputation_by_product").format(reviews_classified=sql),
                            dict(params, min_reviews=min_reviews))
    else:
        r = classified_reviews(con, f, classifier)
        table = r.groupby(["product_id", "title"], as_index=False, dropna=False).agg(
            reviews=("review_id", "count"), negative=("negative", "sum"), sla_breaches=("sla_breach", "sum"))
        table = table[table["reviews"] >= min_reviews].copy()
    table["negative_rate"] = table["negative"] / table["reviews"]
    table["above_target"] = table["negative_rate"] > t.negative_rate_target
    return table.sort_values(["negative", "negative_rate", "product_id"], ascending=[False, False, True],
                             ignore_index=True)


def negative_rate_over_time(con: duckdb.DuckDBPyConnection, f: Filters, grain: str | None = None,
                            classifier: Classifier | None = None) -> pd.DataFrame:
    """Return reviews, negatives and rate per day (ranges up to 14 days) or per week (Monday), with the target.

    Weekly beyond two weeks: a day holds too few reviews for a rate (one review makes 0% or 100%).
    """
    grain = grain or ("day" if f.days <= 14 else "week")
    t = config.thresholds(con)
    key = _stored_labels_key(con, classifier)
    if key is not None:
        if grain not in ("day", "week"):
            raise ValueError(f"unknown grain {grain!r}")
        sql, params = _classified_sql(f, key, t)
        table = db.query_df(con, db.load_sql("risk/reputation_over_time").format(reviews_classified=sql, grain=grain),
                            params)
    else:
        r = classified_reviews(con, f, classifier)
        period = r["created_ts"].dt.normalize()
        if grain == "week":
            period = period - pd.to_timedelta(period.dt.weekday, unit="D")
        table = r.assign(period=period).groupby("period", as_index=False).agg(
            reviews=("review_id", "count"), negative=("negative", "sum"), sla_breaches=("sla_breach", "sum"))
    table["negative_rate"] = table["negative"] / table["reviews"]
    table["target"] = t.negative_rate_target
    table.attrs["grain"] = grain
    return table
