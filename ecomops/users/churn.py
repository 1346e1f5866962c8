"""Churn model (METRICS.md): SQL features as of a cutoff, a calibrated scikit-learn Pipeline, out-of-time evaluation
against the "rank by recency alone" baseline, a model registry with safely stored model files, and explanations.

Time split, exactly as METRICS.md says, with T the cutoff (default: the last day with a valid order) and H the
horizon:
- ``train``: features as of T - H, labels from (T - H, T]; the saved model then scores customers as of T.
- ``backtest`` (``evaluate --cutoff T``): fit on features as of T - 2H with labels from (T - 2H, T - H]; test on the
  customers with an order on or before T - H, features as of T - H, labels from (T - H, T].
``train`` runs the backtest too, so every registered model carries out-of-time metrics.

The positive class is "churns" (no valid order in the horizon); return probability = 1 - P(churn).
Large histories: the fit uses at most ``max_train_rows`` labelled customers (a stratified random subsample,
default 250,000), which keeps training on 1M customers within two minutes on two cores; features are computed for
at most ``MAX_FEATURE_ROWS`` customers (a deterministic hash sample of the customers above it: at 10M customers
everyone's features exceed DuckDB's memory limit), so evaluation uses every test customer up to a million.
"""
from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Callable

# libgomp's default busy-wait makes HistGradientBoosting 50-100x slower when the cores are shared (a Streamlit
# server, other jobs); passive waiting costs nothing on idle cores. Must be set before sklearn loads OpenMP.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pandas as pd

from ecomops import config, db, derived, model_files
from ecomops.i18n import N_, _, fmt, pgettext

# scikit-learn is imported inside the functions that fit, score or evaluate: importing it costs ~1.5 s, which the
# Churn page (and every module importing this one) would otherwise pay on a server process's first visit even when
# no model exists. ui.state warms it up in the background when the server opens the database.
if TYPE_CHECKING:  # pragma: no cover
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.pipeline import Pipeline

MODEL_NAME = "churn"
MIN_REPEAT_CUSTOMERS = 200
MAX_TRAIN_ROWS = 250_000
# Customers whose features a training or its backtest computes at most (a deterministic hash sample above): at 10M
# customers the features of everyone did not fit DuckDB's memory limit, and a million is ample to fit and evaluate.
MAX_FEATURE_ROWS = 1_000_000
SAMPLE_SCALE = 1_000_000  # hash(customer_id) % SAMPLE_SCALE < $sample_keep keeps about keep / SAMPLE_SCALE of them
RANDOM_STATE = 42

CATEGORICAL_FEATURES = ["membership_tier", "signup_channel", "main_channel"]
NUMERIC_FEATURES = [
    "recency_days", "frequency", "monetary", "avg_order_value", "tenure_days", "account_age_days",
    "gap_mean", "gap_median", "gap_std", "gap_max", "recency_gap_ratio",
    "orders_last_90", "orders_prev_90", "order_trend_90", "spend_trend_90",
    "category_breadth", "units", "discount_share", "return_share", "cancelled_orders", "channel_count",
    "reviews", "avg_rating", "negative_reviews", "purchase_days",
]
FEATURES = CATEGORICAL_FEATURES + NUMERIC_FEATURES
# Added inside the Pipeline by BtydFeatures from purchase days, recency and tenure (a BG/NBD fit on the training rows
# only): P(alive) and P(at least one order in the horizon). Not the expected orders in the horizon: when the fitted
# dropout Beta is narrow (large a and b, as on the demo) btyd computes it by quadrature at ~5 ms a customer, which
# permutation importance and scoring would pay dozens of times; P(order in the horizon) is closed-form and is the
# complement of the churn event itself.
BTYD_FEATURES = ["p_alive", "p_order_in_horizon"]

# How each feature reads in a reason: (message with {value}, display rule of the value). The value (and the typical
# value beside it) go through fmt, so "7.8x" is 7.8× / 7.8倍 and money is in the store's format.
FEATURE_WORDS: dict[str, tuple[str, str]] = {
    "recency_days": (N_("last order {value} ago"), "days"),
    "frequency": (N_("orders so far: {value}"), "count"),
    "monetary": (N_("{value} spent in total"), "money"),
    "gap_mean": (N_("orders every {value} on average"), "days"),
    "gap_median": (N_("usually {value} between orders"), "days"),
    "recency_gap_ratio": (N_("silent for {value} their usual gap"), "times"),
    "orders_last_90": (N_("orders in the last 90 days: {value}"), "count"),
    "orders_prev_90": (N_("orders in the 90 days before: {value}"), "count"),
    "order_trend_90": (N_("order trend {value} (last 90 days vs the 90 before)"), "signed"),
    "spend_trend_90": (N_("spend trend {value} (last 90 days vs the 90 before)"), "signed_money"),
    "category_breadth": (N_("categories bought: {value}"), "count"),
    "units": (N_("items bought in total: {value}"), "count"),
    "return_share": (N_("{value} of orders returned"), "percent"),
    "cancelled_orders": (N_("cancelled orders: {value}"), "count"),
    "channel_count": (N_("channels ordered through: {value}"), "count"),
    "avg_rating": (N_("average rating {value}"), "number"),
    "negative_reviews": (N_("negative reviews: {value}"), "count"),
    "purchase_days": (N_("days with a purchase: {value}"), "count"),
}
# Which way a higher value moves the chance of churning, all else equal (+1 more churn, -1 less). A reason is named
# only when the model's effect for that customer goes this way: a tree model can, through an interaction, credit a
# long silence with a return, and "silent for 7.8x their usual gap -> more likely to return" reads as a contradiction.
# Features whose direction is not clear-cut (order value, tenure, discounts, tier, channel) are not named at all.
CHURN_DIRECTION: dict[str, int] = {
    "recency_days": 1, "recency_gap_ratio": 1, "gap_mean": 1, "gap_median": 1, "return_share": 1,
    "cancelled_orders": 1, "negative_reviews": 1,
    "frequency": -1, "monetary": -1, "orders_last_90": -1, "orders_prev_90": -1, "order_trend_90": -1,
    "spend_trend_90": -1, "category_breadth": -1, "units": -1, "channel_count": -1, "avg_rating": -1,
    "purchase_days": -1,
}
EXPLAINABLE_FEATURES = [f for f in NUMERIC_FEATURES if f in CHURN_DIRECTION]
MIN_REASON_EFFECT = 0.005  # a change of P(return) smaller than half a point is not a reason

Progress = Callable[[str], None]


class InsufficientHistoryError(ValueError):
    """Raised when the order history is too short or too thin to train a meaningful model."""


class ModelIntegrityError(RuntimeError):
    """Raised when a stored model file does not match the hash recorded in the registry."""


def _quiet(_: str) -> None:
    return None


# ---------------------------------------------------------------------------------------------------- features

def last_order_day(con: duckdb.DuckDBPyConnection) -> date | None:
    """Return the last day with a valid customer order (the default cutoff), or None when there is none."""
    # From the Users summary table (one row per valid order, guests without a key): the Churn page asks on every
    # run, and valid_orders classifies every order first (1 s at 45M orders).
    derived.ensure(con, derived.USERS_ORDERS)
    row = db.query_one(con, "SELECT max(order_date) FROM users_order_facts WHERE ckey IS NOT NULL")
    return row[0] if row else None


SCORE_BATCH_ROWS = 100_000  # customers scored per predict call: memory stays bounded at any number of customers


def engine_query_df(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any],
                    sample_rows: int | None = None) -> pd.DataFrame:
    """Return the rows of a customer-level query: on the local file, or computed in Spark over the warehouse when
    the engine is Spark (docs/scaling.md), where with ``sample_rows`` only a random sample of that many customers
    (about) is collected for training."""
    if config.engine_name() != "spark":
        return db.query_df(con, sql, params)
    from ecomops.engine import spark_engine
    from ecomops.engine.spark import arrow_to_pandas_like_duckdb

    frame = spark_engine().spark_frame(sql, params)
    if sample_rows:
        total = frame.count()
        if total > sample_rows:
            frame = frame.sample(fraction=min(1.0, 1.02 * sample_rows / total), seed=RANDOM_STATE).limit(sample_rows)
    return arrow_to_pandas_like_duckdb(frame.toArrow())


def features(con: duckdb.DuckDBPyConnection, cutoff: date, min_recency: int = -1,
             max_recency: int = 1_000_000, sample_rows: int | None = None) -> pd.DataFrame:
    """Return one row of features per customer with a valid order on or before ``cutoff`` (no later data read),
    optionally only for customers whose recency lies in (min_recency, max_recency]; with the Spark engine computed
    there, and with ``sample_rows`` a random sample of that many customers (locally: a hash sample of about
    MAX_FEATURE_ROWS customers when there are more)."""
    params = {"cutoff": cutoff, "negative_rating_max": config.thresholds(con).negative_rating_max,
              "min_recency": min_recency, "max_recency": max_recency}
    scoped = min_recency >= 0 or max_recency < 1_000_000
    scope = "o.customer_id IN (SELECT customer_id FROM scope)" if scoped else "TRUE"  # fixed strings only
    if sample_rows and config.engine_name() != "spark":  # (Spark samples the computed rows: engine_query_df)
        # Locally every customer's features up to MAX_FEATURE_ROWS (fit_model then draws its stratified sample).
        keep = _sample_keep(con, cutoff, max(sample_rows, MAX_FEATURE_ROWS))
        if keep is not None:
            scope = f"{scope} AND hash(o.customer_id) % {SAMPLE_SCALE} < $sample_keep"
            params["sample_keep"] = keep
    frame = engine_query_df(con, db.load_sql("users/churn_features").format(scope_filter=scope), params, sample_rows)
    for col in NUMERIC_FEATURES:
        frame[col] = frame[col].astype("float64")
    for col in CATEGORICAL_FEATURES:
        frame[col] = frame[col].astype("object")
    return frame


def _sample_keep(con: duckdb.DuckDBPyConnection, cutoff: date, sample_rows: int) -> int | None:
    """Return the hash bound that keeps about ``sample_rows`` of the customers with a valid order by the cutoff (2%
    over, so the sample rarely falls short), or None when there are no more than that."""
    derived.ensure(con, derived.USERS_ORDERS)
    total = db.query_one(con, "SELECT count(*) FROM users_customer_keys WHERE first_order_date <= $cutoff",
                         {"cutoff": cutoff})[0]
    if total <= sample_rows:
        return None
    return math.ceil(SAMPLE_SCALE * min(1.0, 1.02 * sample_rows / total))


def returners(con: duckdb.DuckDBPyConnection, cutoff: date, horizon_days: int) -> set[str]:
    """Return the customers with a valid order in (cutoff, cutoff + horizon]."""
    params = {"cutoff": cutoff, "label_end": cutoff + timedelta(days=horizon_days)}
    return set(engine_query_df(con, db.load_sql("users/churn_returners"), params)["customer_id"])


def labelled(con: duckdb.DuckDBPyConnection, cutoff: date, horizon_days: int,
             sample_rows: int | None = None) -> pd.DataFrame:
    """Return features as of ``cutoff`` with ``churned`` = 1 when no valid order follows in (cutoff, cutoff + H]
    (with the Spark engine and ``sample_rows``: for a random sample of the customers)."""
    frame = features(con, cutoff, sample_rows=sample_rows)
    came_back = returners(con, cutoff, horizon_days)
    frame["churned"] = (~frame["customer_id"].isin(came_back)).astype("int8")
    return frame


def check_history(con: duckdb.DuckDBPyConnection, cutoff: date, horizon_days: int, horizons_needed: int) -> None:
    """Raise InsufficientHistoryError unless the data spans ``horizons_needed`` horizons before ``cutoff`` and at
    least MIN_REPEAT_CUSTOMERS customers have a repeat order in the span (otherwise the model would learn noise)."""
    first, repeaters = db.query_one(
        con,
        "SELECT min(first_day), count(*) FILTER (WHERE n_orders >= 2) FROM ("
        "  SELECT customer_id, min(order_date) AS first_day, count(DISTINCT order_id) AS n_orders"
        "  FROM valid_orders WHERE customer_id IS NOT NULL AND order_date <= $cutoff GROUP BY customer_id)",
        {"cutoff": cutoff},
    )
    if first is None:
        raise InsufficientHistoryError("No customer orders on or before the cutoff: import an orders history first.")
    span = (cutoff - first).days
    needed = horizons_needed * horizon_days
    if span < needed:
        raise InsufficientHistoryError(
            f"Too little history for a churn model: orders span {span} days up to {cutoff}, but this needs "
            f"{horizons_needed} horizons of {horizon_days} days ({needed} days). Import a longer order history "
            f"or use a shorter --horizon-days."
        )
    if repeaters < MIN_REPEAT_CUSTOMERS:
        raise InsufficientHistoryError(
            f"Too little history for a churn model: only {repeaters} customers have a repeat order up to {cutoff} "
            f"(at least {MIN_REPEAT_CUSTOMERS} are needed), so the model would learn noise."
        )


# ------------------------------------------------------------------------------------------------------ model

class BtydFeatures:
    """Transformer (scikit-learn conventions): adds the BG/NBD outputs P(alive) and P(at least one order in the
    horizon) to a feature frame.

    ``fit`` fits BG/NBD (ecomops.users.btyd, maximum likelihood) on the rows it is given — in training, the features
    as of the training cutoff, so nothing after it is read; ``transform`` applies those parameters to any frame.
    Per customer: repeat purchases x = purchase_days - 1, recency t_x = tenure_days - recency_days, age T =
    tenure_days (days, as of the frame's cutoff). A fit that fails (no repeat buyers) leaves both columns missing.
    """

    def __init__(self, horizon_days: int = 90) -> None:
        self.horizon_days = horizon_days

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Return the constructor parameters (scikit-learn's clone reads them)."""
        return {"horizon_days": self.horizon_days}

    def set_params(self, **params: Any) -> "BtydFeatures":
        """Set constructor parameters; return self."""
        for key, value in params.items():
            setattr(self, key, value)
        return self

    @staticmethod
    def summaries(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return BG/NBD's (x, t_x, T) in days from a feature frame."""
        T = frame["tenure_days"].to_numpy(dtype=float)
        x = np.maximum(frame["purchase_days"].to_numpy(dtype=float) - 1.0, 0.0)
        t_x = np.where(x > 0, T - frame["recency_days"].to_numpy(dtype=float), 0.0)
        return x, np.clip(t_x, 0.0, T), T

    def fit(self, frame: pd.DataFrame, y: Any = None) -> "BtydFeatures":
        """Fit BG/NBD on the frame's customers; return self (``fit_json_`` holds the fit, "" when it failed)."""
        from ecomops.users import btyd

        try:
            self.fit_json_ = btyd.fit_bgnbd(*self.summaries(frame)).to_json()
        except ValueError:  # no repeat purchases at all: the columns stay missing (imputed downstream)
            self.fit_json_ = ""
        return self

    def transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Return the frame with BTYD_FEATURES added (P(alive), P(order in the horizon))."""
        from ecomops.users import btyd

        out = frame.copy(deep=False)
        if not self.fit_json_ or frame.empty:
            return out.assign(**{name: np.nan for name in BTYD_FEATURES})
        fit = btyd.BgNbdFit.from_json(self.fit_json_)
        x, t_x, T = self.summaries(frame)
        out["p_alive"] = btyd.p_alive(fit, x, t_x, T)
        out["p_order_in_horizon"] = btyd.p_purchase_within(fit, self.horizon_days, x, t_x, T)
        return out

    def fit_transform(self, frame: pd.DataFrame, y: Any = None) -> pd.DataFrame:
        """Fit, then transform the same frame."""
        return self.fit(frame, y).transform(frame)


def build_pipeline(random_state: int = RANDOM_STATE, max_iter: int = 300, horizon_days: int = 90) -> "Pipeline":
    """Return the unfitted Pipeline: BG/NBD features, ordinal-encoded categoricals and imputed numeric features into
    gradient boosting."""
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OrdinalEncoder

    numeric = NUMERIC_FEATURES + BTYD_FEATURES
    encode = ColumnTransformer(
        [("categorical", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1,
                                        encoded_missing_value=-1), CATEGORICAL_FEATURES),
         # Missing values (no second order -> no gaps, no reviews -> no rating) become -1, outside every real
         # range; a column missing everywhere (no reviews imported at all) would otherwise break the binning.
         ("numeric", SimpleImputer(strategy="constant", fill_value=-1.0, keep_empty_features=True), numeric)],
        verbose_feature_names_out=False,
    )
    categorical_mask = [True] * len(CATEGORICAL_FEATURES) + [False] * len(numeric)
    # Churn can only rise with recency when all else is equal; the constraint keeps the model at least as
    # orderly as the recency baseline and helps on small histories. Likewise it can only fall with P(alive).
    direction = {"recency_days": 1, "p_alive": -1, "p_order_in_horizon": -1}
    monotonic = [direction.get(name, 0) for name in CATEGORICAL_FEATURES + numeric]
    booster = HistGradientBoostingClassifier(
        learning_rate=0.08, max_iter=max_iter, max_leaf_nodes=15, min_samples_leaf=100, l2_regularization=1.0,
        categorical_features=categorical_mask, monotonic_cst=monotonic, early_stopping=True,
        validation_fraction=0.15, n_iter_no_change=15, random_state=random_state,
    )
    return Pipeline([("btyd", BtydFeatures(horizon_days)), ("encode", encode), ("model", booster)])


def _subsample(frame: pd.DataFrame, max_rows: int, random_state: int) -> pd.DataFrame:
    if len(frame) <= max_rows:
        return frame
    from sklearn.model_selection import train_test_split

    keep, _ = train_test_split(frame, train_size=max_rows, stratify=frame["churned"], random_state=random_state)
    return keep


def fit_model(train: pd.DataFrame, random_state: int = RANDOM_STATE, max_rows: int = MAX_TRAIN_ROWS,
              max_iter: int = 300, horizon_days: int = 90) -> "CalibratedClassifierCV":
    """Return the Pipeline fitted on the (subsampled) rows and calibrated (Platt scaling).

    The calibration map is learned on 2-fold out-of-fold predictions, then the Pipeline is refit on all rows
    (``ensemble=False``): no rows are held back from the final model, and sigmoid calibration keeps the ranking,
    so it never costs AUC.
    """
    from sklearn.calibration import CalibratedClassifierCV

    rows = _subsample(train, max_rows, random_state)
    if rows["churned"].nunique() < 2 or rows["churned"].value_counts().min() < 10:
        raise InsufficientHistoryError("Almost every customer in the training window has the same outcome; "
                                       "there is nothing to learn yet.")
    calibrated = CalibratedClassifierCV(build_pipeline(random_state, max_iter, horizon_days), method="sigmoid", cv=2,
                                        ensemble=False)
    return calibrated.fit(rows[FEATURES], rows["churned"])


def churn_probability(model: Any, frame: pd.DataFrame) -> np.ndarray:
    """Return P(churn in the horizon) for each row of a feature frame."""
    if frame.empty:
        return np.empty(0)
    return np.concatenate([model.predict_proba(frame[FEATURES].iloc[start:start + SCORE_BATCH_ROWS])[:, 1]
                           for start in range(0, len(frame), SCORE_BATCH_ROWS)])


# ------------------------------------------------------------------------------------------------- evaluation

def top_decile_lift(y: np.ndarray, score: np.ndarray) -> float:
    """Return the churn rate among the 10% highest scores divided by the overall churn rate (ties in order)."""
    y = np.asarray(y, dtype=float)
    if len(y) == 0 or y.mean() == 0:
        return float("nan")
    top = np.argsort(-np.asarray(score, dtype=float), kind="stable")[: max(1, math.ceil(len(y) / 10))]
    return float(y[top].mean() / y.mean())


def calibration_table(y: np.ndarray, prob: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Return predicted vs observed churn rate per decile of predicted probability."""
    frame = pd.DataFrame({"y": np.asarray(y, dtype=float), "p": np.asarray(prob, dtype=float)})
    order = frame["p"].rank(method="first")
    frame["bin"] = np.ceil(order / len(frame) * bins).clip(1, bins).astype(int)
    table = frame.groupby("bin").agg(customers=("y", "size"), predicted=("p", "mean"), observed=("y", "mean"))
    return table.reset_index()


def _scores(y: np.ndarray, score: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import average_precision_score, roc_auc_score

    both = len(set(np.asarray(y).tolist())) == 2
    return {
        "auc": float(roc_auc_score(y, score)) if both else float("nan"),
        "pr_auc": float(average_precision_score(y, score)) if both else float("nan"),
        "lift_top_decile": top_decile_lift(y, score),
    }


@dataclass
class Evaluation:
    """Out-of-time metrics of the model and of the recency baseline, with calibration and importance tables."""

    cutoff: date
    horizon_days: int
    n_train: int
    n_test: int
    churn_rate: float
    model: dict[str, float]
    baseline: dict[str, float]
    calibration: pd.DataFrame
    importance: pd.DataFrame
    extra: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """Return the figures ``evaluate --json`` prints (exactly these keys)."""
        return {
            "auc": self.model["auc"], "pr_auc": self.model["pr_auc"],
            "lift_top_decile": self.model["lift_top_decile"], "baseline_recency_auc": self.baseline["auc"],
            "baseline_bgnbd_auc": self.extra.get("bgnbd_order", {}).get("auc", float("nan")),
            "baseline_bgnbd_alive_auc": self.extra.get("bgnbd", {}).get("auc", float("nan")),
            "n_train": self.n_train, "n_test": self.n_test, "cutoff": self.cutoff.isoformat(),
        }

    def metrics_table(self) -> pd.DataFrame:
        """Return :func:`comparison_table` of this evaluation (one row per scorer, out-of-time metrics)."""
        return comparison_table(self.to_json())

    def to_json(self) -> dict[str, Any]:
        """Return everything as plain JSON-able values (stored in the model registry)."""
        return {
            **self.summary(), "horizon_days": self.horizon_days, "churn_rate": self.churn_rate,
            "model": self.model, "baseline": self.baseline,
            "calibration": self.calibration.to_dict(orient="records"),
            "importance": self.importance.to_dict(orient="records"), **self.extra,
        }


# The scorers compared out of time on the same test customers: the stored metrics key and how each is named.
SCORERS = (("model", N_("Churn model (with BG/NBD features)")), ("baseline", N_("Recency alone")),
           ("bgnbd_order", N_("BG/NBD alone: P(order in the horizon)")), ("bgnbd", N_("BG/NBD alone: P(alive)")))
METRICS = (("auc", N_("ROC AUC")), ("pr_auc", N_("PR AUC")), ("lift_top_decile", N_("Top-decile lift")))


def comparison_table(metrics: dict[str, Any], slice_key: str | None = None) -> pd.DataFrame:
    """Return one row per scorer (code ``scorer``, translated ``name``) with its ROC AUC, PR AUC and top-decile lift
    from stored evaluation metrics (``Evaluation.to_json``); ``slice_key="dormant"`` reads the dormant slice. Scorers
    an older evaluation lacks are left out."""
    source = (metrics.get(slice_key) or {}) if slice_key else metrics
    rows = [{"scorer": key, "name": _(name), **{m: (source.get(key) or {}).get(m) for m, _label in METRICS}}
            for key, name in SCORERS if source.get(key)]
    columns = ["scorer", "name"] + [m for m, _label in METRICS]
    return pd.DataFrame(rows, columns=columns).astype({m: "float64" for m, _label in METRICS})


def evaluate(model: Any, train: pd.DataFrame, test: pd.DataFrame, cutoff: date, horizon_days: int,
             importance_rows: int = 5000, random_state: int = RANDOM_STATE, *,
             dormant_window: tuple[int, int]) -> Evaluation:
    """Return the model's and the recency baseline's metrics on ``test`` (both judged on the same customers), also
    on the dormant slice: recency in ``dormant_window`` = (active_days, dormant_days]."""
    from sklearn.isotonic import IsotonicRegression

    y = test["churned"].to_numpy()
    prob = churn_probability(model, test)
    recency = test["recency_days"].to_numpy()
    # The baseline's probabilities for its calibration table: churn rate by recency, learned on the training rows.
    iso = IsotonicRegression(out_of_bounds="clip", increasing=True).fit(train["recency_days"], train["churned"])
    base_prob = iso.predict(recency)
    model_cal = calibration_table(y, prob).rename(columns={"predicted": "model_predicted", "observed": "model_observed",
                                                            "customers": "model_customers"})
    base_cal = calibration_table(y, base_prob).rename(columns={"predicted": "baseline_predicted",
                                                               "observed": "baseline_observed",
                                                               "customers": "baseline_customers"})
    # The slice the reactivation list is drawn from (dormant at the test cutoff), where recency alone ranks poorly.
    dormant = (recency > dormant_window[0]) & (recency <= dormant_window[1])
    bg_alive, bg_order = bgnbd_baseline(test, horizon_days)
    dormant_scores = {"customers": int(dormant.sum()), "model": _scores(y[dormant], prob[dormant]),
                      "baseline": _scores(y[dormant], recency[dormant]),
                      "bgnbd": _scores(y[dormant], -bg_alive[dormant]),
                      "bgnbd_order": _scores(y[dormant], -bg_order[dormant])}
    return Evaluation(
        cutoff=cutoff, horizon_days=horizon_days, n_train=len(train), n_test=len(test),
        churn_rate=float(y.mean()) if len(y) else float("nan"),
        model=_scores(y, prob), baseline=_scores(y, recency),
        calibration=model_cal.merge(base_cal, on="bin", how="outer"),
        importance=global_importance(model, test, rows=importance_rows, random_state=random_state),
        extra={"dormant": dormant_scores, "bgnbd": _scores(y, -bg_alive), "bgnbd_order": _scores(y, -bg_order)},
    )


def bgnbd_baseline(frame: pd.DataFrame, horizon_days: int) -> tuple[np.ndarray, np.ndarray]:
    """Return BG/NBD alone per row of a feature frame: (P(alive), P(at least one order in the horizon)), fitted on
    the frame's own customers (their history up to its cutoff; no labels are read)."""
    step = BtydFeatures(horizon_days).fit(frame)
    if not step.fit_json_ or frame.empty:
        return np.full(len(frame), np.nan), np.full(len(frame), np.nan)
    from ecomops.users import btyd

    fit = btyd.BgNbdFit.from_json(step.fit_json_)
    x, t_x, T = step.summaries(frame)
    return btyd.p_alive(fit, x, t_x, T), btyd.p_purchase_within(fit, horizon_days, x, t_x, T)


def global_importance(model: Any, frame: pd.DataFrame, rows: int = 5000, repeats: int = 3,
                      random_state: int = RANDOM_STATE) -> pd.DataFrame:
    """Return permutation importance (drop in ROC AUC when a feature is shuffled), largest first."""
    sample = frame.sample(n=min(rows, len(frame)), random_state=random_state) if len(frame) else frame
    if sample.empty or sample["churned"].nunique() < 2:
        return pd.DataFrame({"feature": FEATURES, "importance": 0.0, "std": 0.0, "description": FEATURES})
    from sklearn.inspection import permutation_importance

    result = permutation_importance(model, sample[FEATURES], sample["churned"], scoring="roc_auc",
                                    n_repeats=repeats, random_state=random_state, n_jobs=1)
    table = pd.DataFrame({"feature": FEATURES, "importance": result.importances_mean, "std": result.importances_std})
    table["description"] = table["feature"].str.replace("_", " ")
    return table.sort_values("importance", ascending=False, ignore_index=True)


def backtest(con: duckdb.DuckDBPyConnection, cutoff: date | None = None, horizon_days: int | None = None,
             progress: Progress = _quiet, max_train_rows: int = MAX_TRAIN_ROWS, max_iter: int = 300,
             random_state: int = RANDOM_STATE, importance_rows: int = 5000) -> Evaluation:
    """Return the out-of-time evaluation at ``cutoff`` T: fit on (T - 2H features, labels to T - H), test on
    (T - H features, labels to T); H defaults to the churn horizon in force."""
    horizon_days = horizon_days or config.thresholds(con).churn_horizon_days
    return _backtest(con, cutoff or _default_cutoff(con), horizon_days, progress, max_train_rows, max_iter,
                     random_state, importance_rows)[0]


def _backtest(con: duckdb.DuckDBPyConnection, cutoff: date, horizon_days: int, progress: Progress,
              max_train_rows: int, max_iter: int, random_state: int,
              importance_rows: int) -> tuple[Evaluation, pd.DataFrame]:
    """Return the evaluation and the test rows (features as of T - H, labels to T: also the final training set)."""
    horizon = timedelta(days=horizon_days)
    check_history(con, cutoff - horizon, horizon_days, horizons_needed=2)
    progress(f"Computing training features as of {cutoff - 2 * horizon} …")
    train = labelled(con, cutoff - 2 * horizon, horizon_days, sample_rows=max_train_rows)
    progress(f"Computing test features as of {cutoff - horizon} …")
    test = labelled(con, cutoff - horizon, horizon_days, sample_rows=MAX_FEATURE_ROWS)
    progress(f"Fitting on {min(len(train), max_train_rows):,} of {len(train):,} customers …")
    model = fit_model(train, random_state, max_train_rows, max_iter, horizon_days)
    progress(f"Evaluating on {len(test):,} customers against the recency baseline …")
    t = config.thresholds(con)
    return evaluate(model, train, test, cutoff, horizon_days, importance_rows, random_state,
                    dormant_window=(t.active_days, t.dormant_days)), test


def _default_cutoff(con: duckdb.DuckDBPyConnection) -> date:
    cutoff = last_order_day(con)
    if cutoff is None:
        raise InsufficientHistoryError("No customer orders yet: import an orders export (Data → Upload) first.")
    return cutoff


# --------------------------------------------------------------------------------------------- registry / files

def model_dir() -> Path:
    """Return where model files go: $ECOMOPS_MODELS, else data/models/ (git-ignored)."""
    return Path(os.environ.get("ECOMOPS_MODELS") or config.PROJECT_ROOT / "data" / "models")


# Every type a saved churn model holds (model_files.types_in of a trained model): the calibrated Pipeline's classes
# and the sklearn internals of gradient boosting (loss, link, binning, tree predictors), the numpy values inside,
# and the one function a calibrated model keeps (check_array, in a functools.partial). Nothing else is constructed.
TRUSTED_TYPES = frozenset({
    "builtins.dict", "builtins.list", "builtins.slice", "builtins.str", "builtins.tuple",
    "functools.partial",
    "numpy.dtype", "numpy.float64", "numpy.ndarray", "numpy.uint64", "numpy.random._generator.Generator",
    "sklearn.calibration.CalibratedClassifierCV", "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.compose._column_transformer.ColumnTransformer",
    "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingClassifier",
    "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn._loss._loss.CyHalfBinomialLoss", "sklearn._loss.loss.HalfBinomialLoss", "sklearn._loss.link.Interval",
    "sklearn._loss.link.LogitLink",
    "sklearn.impute._base.SimpleImputer",
    "sklearn.pipeline.Pipeline",
    "sklearn.preprocessing._encoders.OrdinalEncoder", "sklearn.preprocessing._function_transformer.FunctionTransformer",
    "sklearn.preprocessing._label.LabelEncoder",
    "sklearn.utils.validation.check_array",
    "ecomops.users.churn.BtydFeatures",
})


def _sha256(path: Path) -> str:
    return model_files.sha256(path)


@dataclass
class TrainResult:
    """A registered model: its id, file, training cutoff and out-of-time evaluation."""

    model_id: int
    path: Path
    cutoff: date
    n_train: int
    evaluation: Evaluation


def train(con: duckdb.DuckDBPyConnection, cutoff: date | None = None, horizon_days: int | None = None,
          progress: Progress = _quiet, max_train_rows: int = MAX_TRAIN_ROWS,
          max_iter: int = 300, random_state: int = RANDOM_STATE, importance_rows: int = 5000) -> TrainResult:
    """Fit the model on features as of T - H with labels from (T - H, T], evaluate it out of time, save the file
    (skops, in the models folder, hash recorded), register it and store the dormant customers' scores; return the
    registry entry. H defaults to the churn horizon in force."""
    horizon_days = horizon_days or config.thresholds(con).churn_horizon_days
    cutoff = cutoff or _default_cutoff(con)
    horizon = timedelta(days=horizon_days)
    check_history(con, cutoff, horizon_days, horizons_needed=2)
    try:
        evaluation, rows = _backtest(con, cutoff, horizon_days, progress, max_train_rows, max_iter, random_state,
                                     importance_rows)
    except InsufficientHistoryError as exc:  # the backtest needs a third horizon; train without its metrics
        progress(f"Skipping the out-of-time backtest: {exc}")
        evaluation = None
        progress(f"Computing training features as of {cutoff - horizon} …")
        rows = labelled(con, cutoff - horizon, horizon_days, sample_rows=MAX_FEATURE_ROWS)
    progress(f"Fitting the final model on {min(len(rows), max_train_rows):,} of {len(rows):,} customers …")
    model = fit_model(rows, random_state, max_train_rows, max_iter, horizon_days)
    if evaluation is None:
        evaluation = Evaluation(cutoff, horizon_days, len(rows), 0, float("nan"), _scores([], []), _scores([], []),
                                pd.DataFrame(), global_importance(model, rows, importance_rows, random_state=random_state))
    numeric_reference = rows[NUMERIC_FEATURES].median(numeric_only=True)
    reference = {**{k: (None if pd.isna(v) else float(v)) for k, v in numeric_reference.items()},
                 **{c: str(rows[c].mode().iloc[0]) if len(rows) else "" for c in CATEGORICAL_FEATURES}}
    evaluation.extra.update({"reference": reference, "train_cutoff": (cutoff - horizon).isoformat(),
                             "n_train_final": len(rows), "max_train_rows": max_train_rows,
                             "typical_order_value": float(rows["avg_order_value"].median())})
    directory = model_dir()
    stamp = datetime.now()
    path = directory / f"churn_{cutoff:%Y%m%d}_{stamp:%Y%m%d%H%M%S%f}.skops"
    progress(f"Saving the model to {path} …")
    model_files.dump(model, path)
    try:  # a type missing from the trust list would make every load refuse (and retrain) this model: say so now
        model_files.check(path, TRUSTED_TYPES)
    except model_files.UntrustedModelFile as exc:
        path.unlink(missing_ok=True)
        raise ModelIntegrityError(f"The trained model holds a type not on churn.TRUSTED_TYPES: {exc}") from exc
    digest = _sha256(path)
    with db.transaction(con, bump_version=False) as cur:
        model_id = int(cur.execute("SELECT coalesce(max(model_id), 0) + 1 FROM model_registry").fetchone()[0])
        cur.execute(
            "INSERT INTO model_registry (model_id, name, trained_at, cutoff, horizon_days, features, metrics, "
            "data_version, path, sha256) VALUES ($id, $name, $at, $cutoff, $h, $features, $metrics, $version, $path, $sha)",
            {"id": model_id, "name": MODEL_NAME, "at": stamp, "cutoff": cutoff, "h": horizon_days,
             "features": json.dumps(FEATURES), "metrics": json.dumps(_jsonable(evaluation.to_json())),
             "version": db.data_version(con), "path": str(path.resolve()), "sha": digest},
        )
    progress(f"Registered model #{model_id}.")
    # Score the dormant customers with the new model now (stored, derived.CHURN_SCORES): the training pays it once,
    # not the next view of the page or `churn score`.
    progress("Scoring the dormant customers with the new model …")
    derived.ensure(con, derived.CHURN_SCORES)
    return TrainResult(model_id, path, cutoff, len(rows), evaluation)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(float(value)) else float(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def latest_model(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    """Return the newest registry entry of the churn model (metrics parsed), or None when none is trained."""
    frame = db.query_df(
        con, "SELECT * FROM model_registry WHERE name = $name ORDER BY model_id DESC LIMIT 1", {"name": MODEL_NAME})
    if frame.empty:
        return None
    return _parse_entry(frame.iloc[0].to_dict())


def _parse_entry(entry: dict[str, Any]) -> dict[str, Any]:
    entry["metrics"] = json.loads(entry["metrics"]) if entry["metrics"] else {}
    entry["features"] = json.loads(entry["features"]) if entry["features"] else []
    entry["model_id"] = int(entry["model_id"])
    entry["cutoff"] = pd.Timestamp(entry["cutoff"]).date() if entry["cutoff"] is not None else None
    entry["trained_at"] = pd.Timestamp(entry["trained_at"]).to_pydatetime()
    return entry


def model_file_problem(entry: dict[str, Any]) -> str | None:
    """Return why a registered model file cannot be used, or None when it is fine: another feature set, a path
    outside the models folder, a missing file, another sha256, or a type not on :data:`TRUSTED_TYPES` (read from the
    file's schema; nothing in it is built)."""
    path = Path(entry["path"])
    if entry.get("features") != FEATURES:
        return "The registered model was trained on another feature set (an older version): train the model again."
    folder = model_dir().resolve()
    resolved = path.resolve()
    if not resolved.is_relative_to(folder) or resolved.suffix != ".skops":
        return (f"The registered model file {path} is not a .skops file inside the models folder {folder}: "
                f"it is not read; train the model again.")
    if not resolved.is_file():
        return f"The model file {path} is missing (trained on another machine?): train the model again."
    if _sha256(resolved) != entry["sha256"]:
        return f"The model file {path} does not match its recorded sha256: train the model again."
    try:
        model_files.check(resolved, TRUSTED_TYPES)
    except model_files.UntrustedModelFile as exc:
        return f"The model file was refused: {exc} Train the model again."
    return None


def load_model(con: duckdb.DuckDBPyConnection, model_id: int | None = None) -> tuple[Any, dict[str, Any]]:
    """Return (model, registry entry) after the checks of :func:`model_file_problem`; raise ModelIntegrityError."""
    entry = latest_model(con) if model_id is None else _entry(con, model_id)
    if entry is None:
        raise InsufficientHistoryError("No churn model trained yet: run `python -m ecomops churn train` first.")
    problem = model_file_problem(entry)
    if problem:
        raise ModelIntegrityError(problem)
    try:
        return model_files.load(Path(entry["path"]).resolve(), TRUSTED_TYPES), entry
    except model_files.UntrustedModelFile as exc:
        raise ModelIntegrityError(f"The model file was refused: {exc}") from exc


def latest_usable_model(con: duckdb.DuckDBPyConnection, progress: Progress = _quiet,
                        **train_options: Any) -> tuple[dict[str, Any] | None, str | None]:
    """Return (the newest registry entry whose file passes every check, a note) — retraining first when the newest
    file is refused (tampered, foreign, missing, outside the models folder): such a file is never loaded.

    The note says what was refused and which model replaced it (None when nothing was); (None, None) without any
    model. Raises InsufficientHistoryError when the replacement cannot be trained. ``train_options`` go to
    :func:`train` (tests make the replacement small).
    """
    entry = latest_model(con)
    if entry is None:
        return None, None
    problem = model_file_problem(entry)
    if problem is None:
        return entry, None
    progress(f"Model #{entry['model_id']} refused: {problem} Retraining …")
    trained = train(con, horizon_days=int(entry["horizon_days"]), progress=progress, **train_options)
    note = f"Model #{entry['model_id']} was refused and replaced by model #{trained.model_id}, trained now. {problem}"
    return latest_model(con), note


def _entry(con: duckdb.DuckDBPyConnection, model_id: int) -> dict[str, Any] | None:
    frame = db.query_df(con, "SELECT * FROM model_registry WHERE model_id = $id", {"id": model_id})
    if frame.empty:
        return None
    return _parse_entry(frame.iloc[0].to_dict())


# ----------------------------------------------------------------------------------------------- explanations

def reasons(model: Any, frame: pd.DataFrame, reference: dict[str, Any], candidates: list[str], top: int = 3,
            base: np.ndarray | None = None) -> list[str]:
    """Return, per row, its top reasons as JSON text (stored; :func:`reason_sentence` reads it in the user's language):
    a list of {"feature", "value", "typical", "effect"} with ``effect`` = "up" (more likely to return) or "down".

    A feature's effect = P(return) with the customer's value minus P(return) with the typical (median) value. Only
    features of :data:`CHURN_DIRECTION` are named, and only when the effect goes the way their value says (above the
    typical value of a churn-raising feature -> "down"); the ``top`` largest such effects are kept. ``base``: the
    rows' P(return) when the caller has it (one prediction pass less).
    """
    if frame.empty:
        return []
    candidates = [f for f in candidates if f in CHURN_DIRECTION]
    base = 1.0 - churn_probability(model, frame) if base is None else np.asarray(base, dtype=float)
    effects = np.zeros((len(frame), len(candidates)))
    expected = np.zeros((len(frame), len(candidates)))
    for j, feature in enumerate(candidates):
        typical = reference.get(feature)
        changed = frame.assign(**{feature: typical})
        effects[:, j] = base - (1.0 - churn_probability(model, changed))
        values = frame[feature].to_numpy(dtype=float)
        # Sign of the effect on P(return) the feature's direction implies: above typical x churn-raising -> down.
        expected[:, j] = -CHURN_DIRECTION[feature] * np.sign(values - (np.nan if typical is None else typical))
    consistent = (np.sign(effects) == expected) & (np.abs(effects) >= MIN_REASON_EFFECT)
    ranked = np.where(consistent, np.abs(effects), -1.0)
    order = np.argsort(-ranked, axis=1, kind="stable")[:, :top]
    # The JSON of json.dumps([{"feature", "value", "typical", "effect"}, ...]) written directly: one json.dumps per
    # item took about 30 s of the 1.26M dormant customers' scoring at 10M customers.
    values = frame[candidates].to_numpy(dtype=float).tolist() if candidates else [[] for _ in range(len(frame))]
    heads = [f'{{"feature": {json.dumps(f)}, "value": ' for f in candidates]
    tails = {(j, up): f', "typical": {json.dumps(_plain(reference.get(f)))}, "effect": "{"up" if up else "down"}"}}'
             for j, f in enumerate(candidates) for up in (True, False)}
    texts = []
    for i in range(len(frame)):
        items = [heads[j] + _json_number(values[i][j]) + tails[j, effects[i, j] > 0]
                 for j in order[i] if ranked[i, j] >= 0]
        texts.append("[" + ", ".join(items) + "]")
    return texts


def _json_number(value: float) -> str:
    """Return json.dumps(_plain(value)) for a float: null when missing."""
    return "null" if value != value else repr(value) if abs(value) != float("inf") else json.dumps(value)


def _plain(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _show(value: Any, rule: str) -> str:
    """Return a feature value under its display rule (fmt)."""
    shown = {"days": lambda v: fmt.days(v), "count": lambda v: fmt.count(v), "money": lambda v: fmt.money(v, decimals=0),
             "times": lambda v: fmt.times(v), "signed": lambda v: fmt.count(v, signed=True),
             "signed_money": lambda v: fmt.money(v, decimals=0, signed=True), "percent": lambda v: fmt.percent(v, 0),
             "number": lambda v: fmt.number(v, 1)}
    return shown[rule](value)


def reason_phrase(feature: str, value: Any, typical: Any) -> str:
    """Return one reason in words, in the current language: "last order 150 days ago (typical 40 days)"."""
    message, rule = FEATURE_WORDS[feature]
    text = _(message, value=_show(value, rule))
    if typical is None or pd.isna(typical):
        return text
    return _("{reason} (typical {typical})", reason=text, typical=_show(typical, rule))


def reason_sentence(stored: str | None) -> str:
    """Return one sentence per customer from the stored reasons (JSON of :func:`reasons`), in the current language:
    the reasons that lower the chance of a return, then those that raise it."""
    try:
        items = json.loads(stored) if stored else []
    except (TypeError, ValueError):  # text stored by an older version: shown as it is
        return str(stored or "")
    separator = pgettext("list separator", ", ")
    down = separator.join(reason_phrase(r["feature"], r["value"], r["typical"]) for r in items if r["effect"] == "down")
    up = separator.join(reason_phrase(r["feature"], r["value"], r["typical"]) for r in items if r["effect"] == "up")
    if down and up:
        return _("Less likely to return: {down}; more likely: {up}.", down=down, up=up)
    if down:
        return _("Less likely to return: {down}.", down=down)
    if up:
        return _("More likely to return: {up}.", up=up)
    return _("Close to a typical customer.")


def stored_tables(entry: dict[str, Any]) -> dict[str, Any]:
    """Return a registry entry's evaluation as tables: ``metrics`` (:func:`comparison_table`: the model, recency
    alone and BG/NBD alone on the same test customers), ``dormant`` (the same on the dormant slice), ``dormant_customers``,
    calibration and importance."""
    metrics = entry.get("metrics") or {}
    return {
        "metrics": comparison_table(metrics),
        "dormant": comparison_table(metrics, "dormant"),
        "dormant_customers": int((metrics.get("dormant") or {}).get("customers") or 0),
        "calibration": pd.DataFrame(metrics.get("calibration") or []),
        "importance": pd.DataFrame(metrics.get("importance") or [], columns=["feature", "importance", "std", "description"]),
    }
