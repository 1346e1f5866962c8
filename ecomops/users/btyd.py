"""Probabilistic customer value ("buy till you die"): BG/NBD for repeat purchases and P(alive) (Fader, Hardie & Lee
2005, "Counting your customers the easy way"), Gamma-Gamma for spend per purchase (Fader, Hardie & Lee 2005, "RFM
and CLV"), and the 12-month value and next-purchase date built from them. Maximum likelihood with NumPy/SciPy only;
no database, no Streamlit. docs/clv.md has the formulas, the choices and the backtest.

Conventions:
- Time unit: days. A *purchase* is a day with at least one valid order of the customer (orders of one customer on
  one day are one purchase, their GMV summed), as in Fader & Hardie's and lifetimes' daily summaries.
- Per customer, as of the end D of the observation period: ``frequency`` x = purchase days after the first
  (repeat purchases), ``recency`` t_x = days from the first purchase day to the last one (0 when x = 0), ``age``
  T = days from the first purchase day to D. A customer whose only purchase is on D has x = t_x = T = 0.
- r, a, b are unitless; alpha is in days (the purchase rate lambda ~ Gamma(r, alpha) has mean r / alpha per day).
- Spend: ``mean_spend`` is the mean GMV of the repeat purchases (the first purchase excluded, as in the paper).
"""
from __future__ import annotations

import json
import math
import warnings
from dataclasses import asdict, dataclass
from typing import Any, ClassVar

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaincinv, digamma, expit, gammaln, hyp2f1, roots_legendre
from threadpoolctl import threadpool_limits

TIME_UNIT = "day"
JSON_VERSION = 1
# Log-parameters are kept in [-15, 15] (3e-7 .. 3e6): wide enough for any real store in days, narrow enough that
# a flat likelihood (e.g. almost nobody drops out, so a and b run off together) ends at a bound that is reported
# as "not converged" instead of overflowing. No penalty term: with thousands of customers the likelihood is well
# determined, and a penalty would bias exactly the parameters the tests recover.
LOG_BOUND = 15.0
# |Pearson or Spearman correlation| between frequency and mean spend above this makes the Gamma-Gamma independence
# assumption doubtful (Fader, Hardie & Lee report 0.11 on CDNOW and proceed).
DEPENDENCE_THRESHOLD = 0.3
# Within this distance of a = 1 the closed form (a + b - 1) / (a - 1) * (...) cancels catastrophically; it is then
# interpolated linearly in a between 1 - A_NEAR_ONE and 1 + A_NEAR_ONE (relative error < 1e-4, measured).
A_NEAR_ONE = 1e-4
QUADRATURE_NODES = 128
# Above this many rows, conditional_expected_purchases evaluates its slow factor once per distinct (x, T, t).
DISTINCT_MIN_ROWS = 1_000
# L-BFGS-B may stop with "ABNORMAL" on a flat ridge (e.g. a -> 0, b -> inf when nobody seems to drop out) although
# the gradient of the mean log-likelihood per customer is already ~1e-6: such a stop counts as converged.
GRADIENT_TOLERANCE = 1e-5
# Mean dropout probability a / (a + b) below this: the data show no dropout and BG/NBD is in effect the NBD model.
NO_DROPOUT = 1e-3


class SpendFrequencyDependenceWarning(UserWarning):
    """Spend per purchase is correlated with purchase frequency: the Gamma-Gamma assumption is doubtful."""


@dataclass(frozen=True)
class _JsonFit:
    MODEL: ClassVar[str] = ""

    def to_json(self) -> str:
        """Return the fit as a JSON object (model name, format version and every field), for storing in the DB."""
        return json.dumps({"model": self.MODEL, "version": JSON_VERSION, **asdict(self)}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Any:
        """Return the fit stored by ``to_json``; ValueError when the text holds another model or format."""
        data = json.loads(text)
        if data.pop("model", None) != cls.MODEL or data.pop("version", None) != JSON_VERSION:
            raise ValueError(f"not a {cls.MODEL} fit of format version {JSON_VERSION}")
        return cls(**data)


@dataclass(frozen=True)
class BgNbdFit(_JsonFit):
    """A fitted BG/NBD model: purchase rate lambda ~ Gamma(r, alpha), dropout p ~ Beta(a, b) after each repeat."""
    MODEL: ClassVar[str] = "bg_nbd"
    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    n_customers: int
    n_unique: int
    converged: bool
    iterations: int
    message: str
    time_unit: str = TIME_UNIT

    @property
    def mean_dropout(self) -> float:
        """Return the mean probability of dropping out after a repeat purchase, a / (a + b)."""
        return self.a / (self.a + self.b)


@dataclass(frozen=True)
class GammaGammaFit(_JsonFit):
    """A fitted Gamma-Gamma spend model: spend per purchase ~ Gamma(p, nu), nu ~ Gamma(q, gamma)."""
    MODEL: ClassVar[str] = "gamma_gamma"
    p: float
    q: float
    gamma: float
    log_likelihood: float
    n_customers: int
    converged: bool
    iterations: int
    message: str
    spend_frequency_correlation: float
    spend_frequency_rank_correlation: float
    n_excluded: int = 0

    @property
    def mean_spend(self) -> float:
        """Return the population mean spend per purchase, p * gamma / (q - 1)."""
        return self.p * self.gamma / (self.q - 1)


# ---------------------------------------------------------------------------------------------------------- BG/NBD

def _as_float(*arrays: Any) -> list[np.ndarray]:
    return [np.asarray(a, dtype=float) for a in arrays]


def _check_summaries(x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> None:
    if not (x.shape == t_x.shape == T.shape) or x.ndim != 1:
        raise ValueError("frequency, recency and age must be 1-D arrays of one length")
    if x.size == 0:
        raise ValueError("no customers to fit")
    if not (np.isfinite(x).all() and np.isfinite(t_x).all() and np.isfinite(T).all()):
        raise ValueError("frequency, recency and age must be finite")
    if (x < 0).any() or (x != np.floor(x)).any():
        raise ValueError("frequency must be a whole number >= 0 (repeat purchases)")
    if (t_x < 0).any() or (t_x > T).any():
        raise ValueError("recency must lie in [0, age]")
    if (t_x[x == 0] != 0).any():
        raise ValueError("recency must be 0 for customers without a repeat purchase")


def bgnbd_log_likelihood(params: tuple[float, float, float, float], x: Any, t_x: Any, T: Any) -> np.ndarray:
    """Return each customer's BG/NBD log-likelihood (FHL 2005 eq. 6) for params (r, alpha, a, b)."""
    r, alpha, a, b = params
    x, t_x, T = _as_float(x, t_x, T)
    return _bgnbd_rows(r, alpha, a, b, x, t_x, T)


def _bgnbd_rows(r: float, alpha: float, a: float, b: float, x: np.ndarray, t_x: np.ndarray, T: np.ndarray,
                ) -> np.ndarray:
    """Return the log-likelihood per row.

    L = B(a, b+x)/B(a, b) * G(r+x) alpha^r / (G(r) (alpha+T)^(r+x))
        + [x > 0] B(a+1, b+x-1)/B(a, b) * G(r+x) alpha^r / (G(r) (alpha+t_x)^(r+x)),
    written as exp(A1 + A2) * (exp(A3) + [x > 0] exp(A4)) and summed in log space (logaddexp), so neither term
    under- or overflows for large x or T.
    """
    repeat = x > 0
    rx = r + x
    log_at = np.log(alpha + T)
    log_atx = np.log(alpha + t_x)
    a1 = gammaln(rx) - gammaln(r) + r * math.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -rx * log_at
    a4 = np.full_like(a3, -np.inf)
    a4[repeat] = math.log(a) - np.log(b + x[repeat] - 1) - rx[repeat] * log_atx[repeat]
    return a1 + a2 + np.logaddexp(a3, a4)


class _BgNbdData:
    """Unique (x, t_x, T) rows with weights, plus what depends on x alone (few distinct values), so that each
    likelihood evaluation pays the log-gamma and digamma functions once per distinct x, not once per row."""

    def __init__(self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, w: np.ndarray) -> None:
        self.x, self.t_x, self.T, self.w = x, t_x, T, w
        self.x_values, self.x_index = np.unique(x, return_inverse=True)
        self.x_weight = np.bincount(self.x_index, weights=w, minlength=self.x_values.size)
        self.repeat = x > 0
        self.total = float(w.sum())

    def objective(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """Return the weighted mean negative log-likelihood and its gradient in the log-parameters."""
        r, alpha, a, b = np.exp(theta)
        xv, xi, wx, w = self.x_values, self.x_index, self.x_weight, self.w
        x, t_x, T = self.x, self.t_x, self.T
        rx = r + x
        log_at = np.log(alpha + T)
        log_atx = np.log(alpha + t_x)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_bx1 = np.where(xv > 0, np.log(b + xv - 1), 0.0)
            inv_bx1 = np.where(xv > 0, 1.0 / (b + xv - 1), 0.0)
        a3 = -rx * log_at
        a4 = np.where(self.repeat, math.log(a) - log_bx1[xi] - rx * log_atx, -np.inf)
        log_sum = np.logaddexp(a3, a4)
        w4 = np.exp(a4 - log_sum)
        w3 = 1.0 - w4
        per_x = (gammaln(r + xv) - gammaln(r) + gammaln(a + b) + gammaln(b + xv) - gammaln(b)
                 - gammaln(a + b + xv))
        ll = wx @ per_x + self.total * r * math.log(alpha) + w @ log_sum
        psi_ab, psi_abx = digamma(a + b), digamma(a + b + xv)
        d_r = (wx @ (digamma(r + xv) - digamma(r)) + self.total * math.log(alpha)
               - w @ (w3 * log_at + w4 * log_atx))
        d_alpha = self.total * r / alpha - w @ (rx * (w3 / (alpha + T) + w4 / (alpha + t_x)))
        ww4 = w * w4
        d_a = wx @ (psi_ab - psi_abx) + ww4.sum() / a
        d_b = wx @ (psi_ab + digamma(b + xv) - digamma(b) - psi_abx) - ww4 @ inv_bx1[xi]
        grad = np.array([d_r * r, d_alpha * alpha, d_a * a, d_b * b]) / self.total
        return -float(ll) / self.total, -grad


def unique_summaries(x: Any, t_x: Any, T: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return the unique (x, t_x, T) triples and how many customers share each (fit on these, weighted)."""
    x, t_x, T = _as_float(x, t_x, T)
    whole = (t_x == np.floor(t_x)).all() and (T == np.floor(T)).all() and (x == np.floor(x)).all()
    span = float(T.max()) + 1.0 if T.size else 1.0
    if whole and (x.max() + 1.0) * span * span < 2.0**62:
        # Whole days: one int64 key per row sorts ~10x faster than np.unique(axis=0) on a float matrix.
        key = ((x.astype(np.int64) * int(span) + t_x.astype(np.int64)) * int(span) + T.astype(np.int64))
        keys, counts = np.unique(key, return_counts=True)
        tx_T, T_u = np.divmod(keys, int(span))
        x_u, tx_u = np.divmod(tx_T, int(span))
        return x_u.astype(float), tx_u.astype(float), T_u.astype(float), counts.astype(float)
    triples, counts = np.unique(np.column_stack([x, t_x, T]), axis=0, return_counts=True)
    return triples[:, 0].copy(), triples[:, 1].copy(), triples[:, 2].copy(), counts.astype(float)


def _bound_message(names: list[str], theta: np.ndarray) -> str:
    at_bound = [n for n, v in zip(names, theta) if abs(abs(v) - LOG_BOUND) < 1e-6]
    return f"parameter(s) at the search bound: {', '.join(at_bound)}" if at_bound else ""


def _minimize(objective: Any, theta0: np.ndarray) -> Any:
    """L-BFGS-B on log-parameters with an analytic gradient, on one BLAS thread: its tiny linear algebra woke
    OpenBLAS's second thread at every step, and on two shared cores that made the 1M-customer fit 3-4x and a
    2,000-customer fit 30x slower (measured 2.7 s vs 0.9 s, and 0.6 s vs 0.02 s)."""
    with threadpool_limits(limits=1, user_api="blas"):
        return minimize(objective, theta0, jac=True, method="L-BFGS-B",
                        bounds=[(-LOG_BOUND, LOG_BOUND)] * theta0.size,
                        options={"maxiter": 2000, "ftol": 1e-13, "gtol": 1e-8})


def _stopped_well(result: Any) -> bool:
    return bool(result.success) or float(np.abs(result.jac).max()) <= GRADIENT_TOLERANCE


def fit_bgnbd(frequency: Any, recency: Any, age: Any, counts: Any | None = None,
              start: tuple[float, float, float, float] | None = None) -> BgNbdFit:
    """Return the maximum-likelihood BG/NBD fit on per-customer (x, t_x, T) in days.

    ``counts`` gives how many customers share each row (e.g. from a SQL GROUP BY); without it the rows are first
    reduced to their unique triples, so a million customers cost as much as their (far fewer) distinct summaries.
    L-BFGS-B on log-parameters with the analytic gradient.
    """
    x, t_x, T = _as_float(frequency, recency, age)
    _check_summaries(x, t_x, T)
    if counts is None:
        x, t_x, T, w = unique_summaries(x, t_x, T)
    else:
        w = np.asarray(counts, dtype=float)
        if w.shape != x.shape or (w < 0).any() or not np.isfinite(w).all():
            raise ValueError("counts must be finite, >= 0 and one per row")
    if not (w[x > 0] > 0).any():
        raise ValueError("BG/NBD needs customers with repeat purchases (frequency > 0)")
    if start is None:
        # Purchase rate ~ repeat purchases per day of observed life; a = 1, b = 3 is a 25% dropout per purchase.
        rate = float(w @ x) / max(float(w @ T), 1e-9)
        start = (1.0, 1.0 / max(rate, 1e-9), 1.0, 3.0)
    theta0 = np.clip(np.log(np.asarray(start, dtype=float)), -LOG_BOUND + 1, LOG_BOUND - 1)
    data = _BgNbdData(x, t_x, T, w)
    result = _minimize(data.objective, theta0)
    r, alpha, a, b = np.exp(result.x)
    ll = float(w @ _bgnbd_rows(r, alpha, a, b, x, t_x, T))
    # a or b at a bound is the no-dropout limit (a legitimate supremum); r or alpha at a bound is a failed fit.
    bound = _bound_message(["r", "alpha"], result.x[:2])
    message = bound or str(result.message)
    if a / (a + b) < NO_DROPOUT:
        message += (f"; no dropout detected (mean dropout probability a/(a+b) = {a / (a + b):.1e}): the model is in "
                    "effect the NBD and P(alive) is close to 1 for everyone")
    return BgNbdFit(r=float(r), alpha=float(alpha), a=float(a), b=float(b), log_likelihood=ll,
                    n_customers=int(round(w.sum())), n_unique=int(x.size),
                    converged=_stopped_well(result) and not bound, iterations=int(result.nit), message=message)


def p_alive(fit: BgNbdFit, x: Any, t_x: Any, T: Any) -> np.ndarray:
    """Return P(alive at T | x, t_x, T) (FHL 2005 eq. 11); 1 for customers without a repeat purchase."""
    x, t_x, T = np.broadcast_arrays(*_as_float(x, t_x, T))
    repeat = x > 0
    xs = np.where(repeat, x, 1.0)
    log_odds_dead = (math.log(fit.a) - np.log(fit.b + xs - 1)
                     + (fit.r + xs) * (np.log(fit.alpha + T) - np.log(fit.alpha + t_x)))
    return np.where(repeat, expit(-log_odds_dead), 1.0)


def _euler_closed_form(r_: np.ndarray, alpha_: np.ndarray, a: float, b_: np.ndarray, t: np.ndarray) -> np.ndarray:
    """(a+b'-1)/(a-1) * [1 - (alpha'/(alpha'+t))^r' 2F1(r', b'; a+b'-1; z)], z = t/(alpha'+t), evaluated through
    Euler's transformation 2F1(A, B; C; z) = (1-z)^(C-A-B) 2F1(C-A, C-B; C; z):
    = (a+b'-1)/(a-1) * [1 - (1-z)^(a-1) 2F1(a+b'-1-r', a-1; a+b'-1; z)].
    The untransformed call can return NaN/inf when r' and b' are large and z is near 1 (C-A-B = a-1-r' very
    negative; e.g. x = 1500 purchases, T = t = 365 in SciPy 1.17); the transformed series has the small second
    parameter a-1 and stayed finite and within 1e-10 of 60-digit mpmath over 600 random argument sets."""
    c = a + b_ - 1.0
    z = t / (alpha_ + t)
    log_1mz = -np.log1p(t / alpha_)
    with np.errstate(all="ignore"):
        return c / (a - 1.0) * (1.0 - np.exp((a - 1.0) * log_1mz) * hyp2f1(c - r_, a - 1.0, c, z))


_quantile_cache: dict[tuple[float, float, int], np.ndarray] = {}
QUANTILE_CACHE_SIZE = 100_000


def _beta_quantiles(a: float, b_values: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Return the Beta(a, b') quantiles at the nodes u, one row per b', remembered per (a, b', nodes): scoring
    asks for the same ones at each horizon (30, 90, 365 days, the weekly forecast)."""
    missing = [b for b in b_values if (a, b, u.size) not in _quantile_cache]
    if missing:
        if len(_quantile_cache) + len(missing) > QUANTILE_CACHE_SIZE:
            _quantile_cache.clear()
        found = betaincinv(a, np.asarray(missing)[:, None], u[None, :])
        _quantile_cache.update({(a, b, u.size): row for b, row in zip(missing, found)})
    return np.array([_quantile_cache[(a, b, u.size)] for b in b_values]).reshape(b_values.size, u.size)


def _quadrature(r_: np.ndarray, alpha_: np.ndarray, a: float, b_: np.ndarray, t: np.ndarray,
                nodes: int = QUADRATURE_NODES) -> np.ndarray:
    """E over p ~ Beta(a, b') of (1 - (alpha'/(alpha'+p t))^r') / p, by Gauss-Legendre on the Beta quantile scale
    (p = I^-1(u)); bounded, so stable for any arguments (relative error ~1e-4 for horizons up to years)."""
    u, weights = roots_legendre(nodes)
    u, weights = (u + 1.0) / 2.0, weights / 2.0
    out = np.empty(r_.shape)
    # b' = b + x takes few distinct values (one per purchase count), and the Beta quantiles cost far more than the
    # rest (betaincinv iterates, ~1 ms per row and node when a and b' are large: a fit on the no-heterogeneity ridge
    # made a 1,500-customer forecast take 25 s): compute them once per distinct b'.
    b_values, b_index = np.unique(b_, return_inverse=True)
    quantiles = _beta_quantiles(a, b_values, u)
    for start in range(0, r_.size, 20_000):  # chunks keep the (rows x nodes) matrices small
        s = slice(start, start + 20_000)
        p = quantiles[b_index[s]]
        ratio = t[s, None] / alpha_[s, None]
        small = p * ratio < 1e-300
        f = -np.expm1(-r_[s, None] * np.log1p(p * ratio)) / np.where(small, 1.0, p)
        f = np.where(small, r_[s, None] * ratio, f)
        out[s] = f @ weights
    return out


def alive_expected_purchases(r_: Any, alpha_: Any, a: float, b_: Any, t: Any) -> np.ndarray:
    """Return the expected purchases in the next t days of a customer alive now whose rate is Gamma(r', alpha')
    and whose dropout probability is Beta(a, b'): (a+b'-1)/(a-1) [1 - (alpha'/(alpha'+t))^r' 2F1(r', b'; a+b'-1;
    t/(alpha'+t))]. With (r, alpha, b) it is E[X(t)] of a new customer (FHL eq. 9); with (r+x, alpha+T, b+x) the
    conditional expectation given survival (eq. 10 without P(alive)). Closed form through Euler's transformation;
    rows where it is not finite or outside [0, r' t / alpha'] are recomputed by quadrature."""
    r_, alpha_, b_, t = (np.array(v, dtype=float) for v in np.broadcast_arrays(*_as_float(r_, alpha_, b_, t)))
    shape = r_.shape
    r_, alpha_, b_, t = r_.ravel(), alpha_.ravel(), b_.ravel(), t.ravel()
    if abs(a - 1.0) < A_NEAR_ONE:
        lo = _euler_closed_form(r_, alpha_, 1.0 - A_NEAR_ONE, b_, t)
        hi = _euler_closed_form(r_, alpha_, 1.0 + A_NEAR_ONE, b_, t)
        out = (lo + hi) / 2.0 + (a - 1.0) * (hi - lo) / (2.0 * A_NEAR_ONE)
    else:
        out = _euler_closed_form(r_, alpha_, a, b_, t)
    upper = r_ * t / alpha_  # never more than a customer who never drops out: E[lambda] t
    bad = ~np.isfinite(out) | (out < -1e-12 * (1 + upper)) | (out > upper * (1 + 1e-9) + 1e-12)
    if bad.any():
        out[bad] = _quadrature(r_[bad], alpha_[bad], a, b_[bad], t[bad])
    return np.clip(out, 0.0, upper).reshape(shape)


def expected_purchases(fit: BgNbdFit, t: Any) -> np.ndarray:
    """Return E[X(t)]: expected repeat purchases of a customer in the first t days after the first purchase."""
    return alive_expected_purchases(fit.r, fit.alpha, fit.a, fit.b, t)


def conditional_expected_purchases(fit: BgNbdFit, t: Any, x: Any, t_x: Any, T: Any) -> np.ndarray:
    """Return E[Y(t) | x, t_x, T]: expected purchases in the t days after T (FHL 2005 eq. 10)."""
    x, t_x, T, t = np.broadcast_arrays(*_as_float(x, t_x, T, t))
    if x.size <= DISTINCT_MIN_ROWS:
        return p_alive(fit, x, t_x, T) * alive_expected_purchases(fit.r + x, fit.alpha + T, fit.a, fit.b + x, t)
    # The slow factor (a hypergeometric function, by quadrature where the closed form fails) does not depend on t_x:
    # it is evaluated once per distinct (x, T, t), which a store's customers share far more than their triples; the
    # same values, element by element.
    first, back = _distinct_rows(x.ravel(), T.ravel(), t.ravel())
    x1, T1, t1 = x.ravel()[first], T.ravel()[first], t.ravel()[first]
    slow = alive_expected_purchases(fit.r + x1, fit.alpha + T1, fit.a, fit.b + x1, t1)
    return p_alive(fit, x, t_x, T) * slow[back].reshape(x.shape)


def _distinct_rows(*columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (the index of one row per distinct combination of the columns' values, each row's combination number).

    Each column is numbered by its distinct values first and the numbers combined into one integer: one sort per
    column instead of np.unique(axis=0), which compares rows as raw bytes (3.6 s for 1.2M rows where this takes
    0.2 s)."""
    combined = np.zeros(columns[0].size, dtype=np.int64)
    for column in columns:
        values, codes = np.unique(column, return_inverse=True)
        combined = combined * values.size + codes.ravel()
        combined = np.unique(combined, return_inverse=True)[1].ravel()  # renumbered: the product never overflows
    return np.unique(combined, return_index=True)[1], combined


def p_purchase_within(fit: BgNbdFit, t: Any, x: Any, t_x: Any, T: Any) -> np.ndarray:
    """Return P(at least one purchase in (T, T + t] | x, t_x, T) = P(alive) (1 - ((alpha+T)/(alpha+T+t))^(r+x)).

    In BG/NBD a customer drops out only right after a purchase, so one alive at T buys again after an exponential
    wait with rate lambda ~ Gamma(r + x, alpha + T)."""
    x, t_x, T, t = np.broadcast_arrays(*_as_float(x, t_x, T, t))
    return p_alive(fit, x, t_x, T) * -np.expm1(-(fit.r + x) * np.log1p(t / (fit.alpha + T)))


def days_to_next_purchase(fit: BgNbdFit, x: Any, t_x: Any, T: Any, probability: float = 0.5,
                          within_days: float = 365.0) -> np.ndarray:
    """Return the days after T by which the customer has bought again with ``probability`` (default: the median
    of the time to the next purchase, dropout counted as "never"); NaN ("unlikely to buy again") when
    P(alive) x P(purchase within ``within_days`` | alive) < ``probability``.

    Solves P(alive) (1 - ((alpha+T)/(alpha+T+s))^(r+x)) = probability:
    s = (alpha+T) (exp(-log(1 - probability/P(alive)) / (r+x)) - 1)."""
    if not 0.0 < probability < 1.0:
        raise ValueError("probability must lie in (0, 1)")
    x, t_x, T = np.broadcast_arrays(*_as_float(x, t_x, T))
    alive = p_alive(fit, x, t_x, T)
    likely = p_purchase_within(fit, within_days, x, t_x, T) >= probability
    share = np.where(likely, probability / np.where(likely, alive, 1.0), 0.5)
    days = (fit.alpha + T) * np.expm1(-np.log1p(-share) / (fit.r + x))
    return np.where(likely, days, np.nan)


def tracking_expected_repeats(fit: BgNbdFit, birth_day: Any, n_days: int) -> np.ndarray:
    """Return the cumulative expected repeat purchases of a cohort on days 0..n_days-1 (the tracking plot), each
    customer contributing E[X(d - birth)] from its first-purchase day ``birth_day`` (whole days from day 0) on."""
    birth = np.asarray(birth_day)
    if birth.size and (birth.min() < 0 or (birth != np.floor(birth)).any()):
        raise ValueError("birth days must be whole days >= 0")
    births = np.bincount(birth.astype(np.int64), minlength=n_days)[:n_days].astype(float)
    curve = expected_purchases(fit, np.arange(n_days, dtype=float))
    return np.convolve(births, curve)[:n_days]


def simulate_bgnbd(r: float, alpha: float, a: float, b: float, T: Any, rng: np.random.Generator,
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Return simulated (x, t_x) for customers observed T days after their first purchase (tests, benchmarks).

    Each customer draws lambda ~ Gamma(r, alpha) and p ~ Beta(a, b); repeat purchases come at Poisson(lambda)
    times and the customer drops out right after the j-th with probability p (j ~ Geometric(p)). Given n Poisson
    arrivals in (0, T], the x-th is T times a Beta(x, n - x + 1) order statistic."""
    T = np.asarray(T, dtype=float)
    lam = rng.gamma(r, 1.0 / alpha, T.size)
    p = rng.beta(a, b, T.size)
    last = rng.geometric(p)
    n = rng.poisson(lam * T)
    x = np.minimum(last, n)
    t_x = np.zeros(T.size)
    repeat = x > 0
    t_x[repeat] = T[repeat] * rng.beta(x[repeat], n[repeat] - x[repeat] + 1)
    return x.astype(float), t_x


# ----------------------------------------------------------------------------------------------------- Gamma-Gamma

def gamma_gamma_log_likelihood(params: tuple[float, float, float], x: Any, mean_spend: Any) -> np.ndarray:
    """Return each customer's Gamma-Gamma log-likelihood of their mean spend m over x purchases (x > 0):
    log[G(px+q) / (G(px) G(q)) gamma^q m^(px-1) x^(px) / (gamma + m x)^(px+q)]."""
    p, q, gamma = params
    x, m = _as_float(x, mean_spend)
    px = p * x
    return (gammaln(px + q) - gammaln(px) - gammaln(q) + q * math.log(gamma)
            + (px - 1) * np.log(m) + px * np.log(x) - (px + q) * np.log(gamma + m * x))


class _GammaGammaData:
    """Customers' (x, mean spend m) with what depends on x alone computed per distinct x, and the sums of log m
    fixed once, so each evaluation pays one log per row."""

    def __init__(self, x: np.ndarray, m: np.ndarray) -> None:
        self.x, self.m = x, m
        self.x_values, counts = np.unique(x, return_counts=True)
        self.x_count = counts.astype(float)
        self.n = float(x.size)
        self.log_x_values = np.log(self.x_values)
        log_m = np.log(m)
        self.sum_log_m, self.sum_x_log_m = float(log_m.sum()), float((x * log_m).sum())

    def objective(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """Return the mean negative log-likelihood and its gradient in (log p, log(q - 1), log gamma)."""
        p, q1, gamma = np.exp(theta)
        q = 1.0 + q1
        xv, nx, x = self.x_values, self.x_count, self.x
        pxv = p * xv
        log_gmx = np.log(gamma + self.m * x)
        ll = ((nx * (gammaln(pxv + q) - gammaln(pxv) + pxv * self.log_x_values)).sum()
              + self.n * (q * math.log(gamma) - gammaln(q)) + p * self.sum_x_log_m - self.sum_log_m
              - ((p * x + q) * log_gmx).sum())
        psi = digamma(pxv + q)
        d_p = (nx * xv * (psi - digamma(pxv) + self.log_x_values)).sum() + self.sum_x_log_m - (x * log_gmx).sum()
        d_q = (nx * psi).sum() - self.n * digamma(q) + self.n * math.log(gamma) - log_gmx.sum()
        d_gamma = self.n * q / gamma - ((p * x + q) / (gamma + self.m * x)).sum()
        grad = np.array([d_p * p, d_q * q1, d_gamma * gamma]) / self.n
        return -float(ll) / self.n, -grad


def _ranks(values: np.ndarray) -> np.ndarray:
    """Return average ranks (ties share their mean rank)."""
    order = np.argsort(values, kind="stable")
    _, first, counts = np.unique(values[order], return_index=True, return_counts=True)
    ranks = np.empty(values.size)
    mean_rank = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(mean_rank, counts)
    return ranks


def _correlation(u: np.ndarray, v: np.ndarray) -> float:
    if u.size < 3 or u.std() == 0 or v.std() == 0:
        return float("nan")
    return float(np.corrcoef(u, v)[0, 1])


def fit_gamma_gamma(frequency: Any, mean_spend: Any, warn: bool = True) -> GammaGammaFit:
    """Return the maximum-likelihood Gamma-Gamma fit on the customers with x > 0 and a positive mean spend.

    Also returns the Pearson and Spearman correlations of frequency and mean spend (the model assumes them
    independent) and warns (SpendFrequencyDependenceWarning) when either exceeds DEPENDENCE_THRESHOLD. q is fitted
    as 1 + exp(theta) so the population mean spend p gamma / (q - 1) exists."""
    x, m = _as_float(frequency, mean_spend)
    if x.shape != m.shape or x.ndim != 1:
        raise ValueError("frequency and mean spend must be 1-D arrays of one length")
    repeat = (x > 0) & np.isfinite(m)
    usable = repeat & (m > 0)
    x, m = x[usable], m[usable]
    if x.size == 0:
        raise ValueError("Gamma-Gamma needs customers with repeat purchases and a positive mean spend")
    pearson = _correlation(x, m)
    spearman = _correlation(_ranks(x), _ranks(m))
    if warn and max(abs(pearson), abs(spearman)) > DEPENDENCE_THRESHOLD:
        warnings.warn(f"frequency and mean spend are correlated (Pearson {pearson:.2f}, Spearman {spearman:.2f}): "
                      "the Gamma-Gamma independence assumption is doubtful", SpendFrequencyDependenceWarning,
                      stacklevel=2)
    mean = float(m.mean())
    theta0 = np.log([1.0, 1.0, mean])  # p = 1, q = 2, gamma = mean: the population mean spend starts at the mean
    result = _minimize(_GammaGammaData(x, m).objective, theta0)
    p, q1, gamma = np.exp(result.x)
    ll = float(gamma_gamma_log_likelihood((p, 1.0 + q1, gamma), x, m).sum())
    bound = _bound_message(["p", "q - 1", "gamma"], result.x)
    return GammaGammaFit(p=float(p), q=float(1.0 + q1), gamma=float(gamma), log_likelihood=ll,
                         n_customers=int(x.size), converged=_stopped_well(result) and not bound,
                         iterations=int(result.nit), message=bound or str(result.message),
                         spend_frequency_correlation=pearson, spend_frequency_rank_correlation=spearman,
                         n_excluded=int(repeat.sum() - usable.sum()))


def expected_spend(fit: GammaGammaFit, x: Any, mean_spend: Any) -> np.ndarray:
    """Return E[spend per purchase | x, mean spend] = (gamma + m x) p / (p x + q - 1): a weighted average of the
    population mean p gamma / (q - 1) and the customer's own mean; the population mean when x = 0."""
    x, m = np.broadcast_arrays(*_as_float(x, mean_spend))
    m = np.where((x > 0) & np.isfinite(m), m, 0.0)
    return (fit.gamma + m * x) * fit.p / (fit.p * x + fit.q - 1.0)


def simulate_gamma_gamma(p: float, q: float, gamma: float, x: Any, rng: np.random.Generator) -> np.ndarray:
    """Return simulated mean spend over x purchases (NaN for x = 0): nu ~ Gamma(q, rate gamma), each purchase
    ~ Gamma(p, rate nu), so the sum of x purchases is Gamma(p x, rate nu)."""
    x = np.asarray(x, dtype=float)
    nu = rng.gamma(q, 1.0 / gamma, x.size)
    out = np.full(x.size, np.nan)
    repeat = x > 0
    out[repeat] = rng.gamma(p * x[repeat], 1.0 / nu[repeat]) / x[repeat]
    return out


# ---------------------------------------------------------------------------------------------------- Value, scoring

def customer_value(bg: BgNbdFit, gg: GammaGammaFit, x: Any, t_x: Any, T: Any, mean_spend: Any,
                   horizon_days: float = 365.0, annual_discount_rate: float = 0.0, steps: int = 12) -> np.ndarray:
    """Return the predicted GMV over the next ``horizon_days``: expected purchases x expected spend per purchase.

    Undiscounted by default (it then adds up to the base forecast's revenue). With ``annual_discount_rate`` d the
    horizon is cut into ``steps`` equal periods and each period's expected purchases are discounted by
    (1 + d)^-(end of period in years)."""
    spend = expected_spend(gg, x, mean_spend)
    if annual_discount_rate == 0.0:
        return spend * conditional_expected_purchases(bg, horizon_days, x, t_x, T)
    edges = horizon_days * np.arange(steps + 1) / steps
    cumulative = [conditional_expected_purchases(bg, e, x, t_x, T) for e in edges[1:]]
    total = np.zeros_like(cumulative[0])
    previous = 0.0
    for end, cum in zip(edges[1:], cumulative):
        total += (cum - previous) / (1.0 + annual_discount_rate) ** (end / 365.0)
        previous = cum
    return spend * total


def score_customers(bg: BgNbdFit, gg: GammaGammaFit, x: Any, t_x: Any, T: Any, mean_spend: Any,
                    horizons: tuple[int, ...] = (30, 90, 365), value_horizon_days: int = 365,
                    annual_discount_rate: float = 0.0, next_purchase_probability: float = 0.5,
                    as_of: np.datetime64 | None = None) -> dict[str, np.ndarray]:
    """Return per-customer columns: p_alive, expected_purchases_<h> for each horizon, p_purchase_365,
    expected_spend, value_<value_horizon_days>, days_to_next_purchase (NaN = unlikely to buy again within a year)
    and, with ``as_of``, next_purchase_date (NaT when unlikely)."""
    x, t_x, T, m = np.broadcast_arrays(*_as_float(x, t_x, T, mean_spend))
    out: dict[str, np.ndarray] = {"p_alive": p_alive(bg, x, t_x, T)}
    for h in horizons:
        out[f"expected_purchases_{h}"] = conditional_expected_purchases(bg, h, x, t_x, T)
    out["p_purchase_365"] = p_purchase_within(bg, 365.0, x, t_x, T)
    out["expected_spend"] = expected_spend(gg, x, m)
    out[f"value_{value_horizon_days}"] = customer_value(bg, gg, x, t_x, T, m, value_horizon_days,
                                                        annual_discount_rate)
    days = days_to_next_purchase(bg, x, t_x, T, next_purchase_probability)
    out["days_to_next_purchase"] = days
    if as_of is not None:
        whole = np.ceil(np.where(np.isnan(days), 0, days)).astype("timedelta64[D]")
        dates = np.datetime64(as_of, "D") + whole
        out["next_purchase_date"] = np.where(np.isnan(days), np.datetime64("NaT"), dates)
    return out


def base_forecast(bg: BgNbdFit, x: Any, t_x: Any, T: Any, horizons_days: tuple[int, ...] = (28, 91, 364),
                  gg: GammaGammaFit | None = None, mean_spend: Any | None = None) -> dict[int, dict[str, float]]:
    """Return, per horizon, the expected purchases of the existing customers in the next h days (sum of E[Y(h)])
    and, with a spend model, the expected GMV."""
    x, t_x, T = np.broadcast_arrays(*_as_float(x, t_x, T))
    spend = expected_spend(gg, x, mean_spend) if gg is not None and mean_spend is not None else None
    out: dict[int, dict[str, float]] = {}
    for h in horizons_days:
        purchases = conditional_expected_purchases(bg, h, x, t_x, T)
        out[h] = {"purchases": float(purchases.sum())}
        if spend is not None:
            out[h]["gmv"] = float(purchases @ spend)
    return out
