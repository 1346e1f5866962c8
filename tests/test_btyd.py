"""BG/NBD and Gamma-Gamma (ecomops.users.btyd): parameter recovery on simulated data, published CDNOW figures, and three
customers whose P(alive), expected purchases and next-purchase probability are recomputed here independently
(closed form by hand, and numeric integration over the posterior of (lambda, p))."""
from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest
from scipy import integrate
from scipy.optimize import approx_fprime
from scipy.special import hyp2f1

from ecomops.users import btyd

TRUE_BG = (0.5, 40.0, 0.8, 2.5)  # r, alpha (days), a, b
TRUE_GG = (6.0, 4.0, 15.0)  # p, q, gamma


def fit_of(r: float, alpha: float, a: float, b: float) -> btyd.BgNbdFit:
    return btyd.BgNbdFit(r=r, alpha=alpha, a=a, b=b, log_likelihood=0.0, n_customers=0, n_unique=0,
                         converged=True, iterations=0, message="")


# ----------------------------------------------------------------------------------------- recovery on simulated data

@pytest.fixture(scope="module")
def simulated():
    rng = np.random.default_rng(20240601)
    T = rng.uniform(30, 730, 80_000)
    x, t_x = btyd.simulate_bgnbd(*TRUE_BG, T, rng)
    return x, t_x, T


def test_bgnbd_recovers_simulated_parameters(simulated):
    # 80k customers: over 12 other seeds the worst parameter was 6.7% off, so 10% is a real, stable bound.
    x, t_x, T = simulated
    fit = btyd.fit_bgnbd(x, t_x, T)
    assert fit.converged, fit.message
    assert fit.n_customers == 80_000
    got = np.array([fit.r, fit.alpha, fit.a, fit.b])
    assert np.all(np.abs(got / np.array(TRUE_BG) - 1) < 0.10), got
    # the maximum is a maximum: the true parameters score lower on the same data
    assert fit.log_likelihood >= btyd.bgnbd_log_likelihood(TRUE_BG, x, t_x, T).sum()


def test_gamma_gamma_recovers_simulated_parameters():
    rng = np.random.default_rng(7)
    x = rng.integers(1, 10, 100_000).astype(float)
    spend = btyd.simulate_gamma_gamma(*TRUE_GG, x, rng)
    fit = btyd.fit_gamma_gamma(x, spend)
    assert fit.converged, fit.message
    assert fit.n_customers == 100_000
    got = np.array([fit.p, fit.q, fit.gamma])
    assert np.all(np.abs(got / np.array(TRUE_GG) - 1) < 0.10), got
    assert abs(fit.spend_frequency_correlation) < 0.05 and abs(fit.spend_frequency_rank_correlation) < 0.05
    assert fit.mean_spend == pytest.approx(fit.p * fit.gamma / (fit.q - 1))


def test_gamma_gamma_warns_when_spend_follows_frequency():
    rng = np.random.default_rng(3)
    x = rng.integers(1, 20, 5_000).astype(float)
    spend = 10.0 * x * rng.gamma(20.0, 1 / 20.0, x.size)  # spend per purchase grows with frequency
    with pytest.warns(btyd.SpendFrequencyDependenceWarning):
        fit = btyd.fit_gamma_gamma(x, spend)
    assert fit.spend_frequency_correlation > 0.9
    assert fit.spend_frequency_rank_correlation > 0.9


def test_gamma_gamma_skips_zero_spend_and_non_repeaters():
    x = np.array([0, 1, 2, 3, 2, 4, 1, 5.0])
    spend = np.array([np.nan, 10.0, 0.0, 12.0, 30.0, 8.0, 15.0, 20.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", btyd.SpendFrequencyDependenceWarning)
        fit = btyd.fit_gamma_gamma(x, spend)
    assert fit.n_customers == 6 and fit.n_excluded == 1


def test_fit_on_unique_triples_equals_fit_on_every_row():
    rng = np.random.default_rng(11)
    T = rng.integers(0, 400, 10_000).astype(float)
    x, t_x = btyd.simulate_bgnbd(*TRUE_BG, T, rng)
    t_x = np.floor(t_x)  # whole days, as from the database: many customers share a triple
    ux, utx, uT, counts = btyd.unique_summaries(x, t_x, T)
    assert counts.sum() == 10_000 and ux.size < 0.6 * 10_000
    assert len({(a, b, c) for a, b, c in zip(x, t_x, T)}) == ux.size
    fx, ftx, fT, fcounts = btyd.unique_summaries(x, t_x + 0.5 * (t_x > 0), T + 0.5)  # float path
    assert fx.size == ux.size and fcounts.sum() == 10_000
    by_rows = btyd.bgnbd_log_likelihood(TRUE_BG, x, t_x, T).sum()
    by_unique = counts @ btyd.bgnbd_log_likelihood(TRUE_BG, ux, utx, uT)
    assert by_unique == pytest.approx(by_rows, rel=1e-12)
    fit_rows = btyd.fit_bgnbd(x, t_x, T)
    fit_counts = btyd.fit_bgnbd(ux, utx, uT, counts=counts)
    assert fit_rows.n_unique == ux.size and fit_counts.n_customers == 10_000
    assert fit_counts.log_likelihood == pytest.approx(fit_rows.log_likelihood, rel=1e-12)
    assert fit_counts.b == pytest.approx(fit_rows.b, rel=1e-9)


def test_gradients_match_finite_differences(simulated):
    x, t_x, T = (v[:3000] for v in simulated)
    data = btyd._BgNbdData(x, t_x, T, np.ones(x.size))
    theta = np.log([0.7, 30.0, 1.3, 4.0])
    value, grad = data.objective(theta)
    assert value == pytest.approx(-btyd.bgnbd_log_likelihood(np.exp(theta), x, t_x, T).mean(), rel=1e-12)
    numeric = approx_fprime(theta, lambda th: data.objective(th)[0], 1e-7)
    np.testing.assert_allclose(grad, numeric, rtol=1e-4, atol=1e-7)

    xs = np.repeat(np.arange(1, 30, dtype=float), 2)  # repeated x: the per-x grouping is exercised
    spend = np.linspace(5, 90, xs.size)
    theta = np.log([4.0, 1.0, 12.0])  # p = 4, q = 1 + e^0 = 2, gamma = 12
    gg = btyd._GammaGammaData(xs, spend)
    value, grad = gg.objective(theta)
    assert value == pytest.approx(-btyd.gamma_gamma_log_likelihood((4.0, 2.0, 12.0), xs, spend).mean(), rel=1e-12)
    numeric = approx_fprime(theta, lambda th: gg.objective(th)[0], 1e-7)
    np.testing.assert_allclose(grad, numeric, rtol=1e-4, atol=1e-7)


def test_log_likelihood_by_hand():
    # FHL 2005 eq. 6 without logs for one customer: x = 2, t_x = 30, T = 50, params (0.5, 40, 0.8, 2.5)
    r, alpha, a, b = TRUE_BG
    x, t_x, T = 2, 30.0, 50.0
    beta = lambda u, v: math.gamma(u) * math.gamma(v) / math.gamma(u + v)  # noqa: E731
    nbd = lambda s: math.gamma(r + x) * alpha**r / (math.gamma(r) * (alpha + s) ** (r + x))  # noqa: E731
    alive = beta(a, b + x) / beta(a, b) * nbd(T)
    dropped = beta(a + 1, b + x - 1) / beta(a, b) * nbd(t_x)
    got = btyd.bgnbd_log_likelihood(TRUE_BG, [x, 0], [t_x, 0.0], [T, T])
    assert got[0] == pytest.approx(math.log(alive + dropped), rel=1e-12)
    assert got[1] == pytest.approx(r * math.log(alpha / (alpha + T)), rel=1e-12)  # x = 0: (alpha/(alpha+T))^r


# ------------------------------------------------------------------------------------------- published CDNOW figures

def test_published_cdnow_figures():
    # CDNOW, weeks: the lifetimes fit reported to 6 digits (0.242593, 4.413532, 0.792886, 2.425752), which rounds
    # to the paper's r = 0.243, alpha = 4.414, a = 0.793, b = 2.426; our own fit of that data gives the same
    # (bench/bench_clv.py --cdnow). Targets are from Fader & Hardie's BG/NBD Excel sheet.
    fit = fit_of(0.242593, 4.413532, 0.792886, 2.425752)
    assert btyd.conditional_expected_purchases(fit, 39, 2, 30.43, 38.86) == pytest.approx(1.226, abs=5e-4)
    times = [0.1429, 1.0, 3.00, 31.8571, 32.00, 78.00]
    sheet = [0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576]
    np.testing.assert_allclose(btyd.expected_purchases(fit, times), sheet, atol=5e-4)
    rounded = fit_of(0.243, 4.414, 0.793, 2.426)  # the paper's rounded parameters
    assert btyd.conditional_expected_purchases(rounded, 39, 2, 30.43, 38.86) == pytest.approx(1.226, abs=1e-3)


# --------------------------------------------------------------------- three customers computed independently here

def _posterior_integral(fit: btyd.BgNbdFit, x: int, t_x: float, T: float, future) -> float:
    """E[future(lambda, p) | alive at T] x P(alive), by 2-D numeric integration of the joint posterior of
    (lambda, p): weight = prior x [(1-p)^x lambda^x e^(-lambda T) (alive) + p (1-p)^(x-1) lambda^x e^(-lambda t_x)
    (dropped out after the x-th purchase)] / the same integral of both terms (FHL 2005 section 3)."""
    r, alpha, a, b = fit.r, fit.alpha, fit.a, fit.b
    scale = (r + x) / (alpha + t_x)  # lambda's posterior scale, to integrate on lambda = s * scale

    def log_prior(lam: float, p: float) -> float:
        return ((r - 1) * math.log(lam) - alpha * lam + (a - 1) * math.log(p) + (b - 1) * math.log1p(-p))

    def alive(s: float, p: float) -> float:
        lam = s * scale
        return math.exp(log_prior(lam, p) + x * math.log1p(-p) + x * math.log(lam) - lam * T)

    def dropped(s: float, p: float) -> float:
        if x == 0:
            return 0.0
        lam = s * scale
        return math.exp(log_prior(lam, p) + math.log(p) + (x - 1) * math.log1p(-p) + x * math.log(lam)
                        - lam * t_x)

    opts = dict(epsabs=0, epsrel=1e-10)
    both = integrate.dblquad(lambda s, p: alive(s, p) + dropped(s, p), 0, 1, 0, np.inf, **opts)[0]
    wanted = integrate.dblquad(lambda s, p: alive(s, p) * future(s * scale, p), 0, 1, 0, np.inf, **opts)[0]
    return wanted / both


CUSTOMERS = [  # (x, t_x, T) in days
    (3, 200.0, 300.0),   # regular buyer, silent for 100 days
    (1, 20.0, 400.0),    # one repeat early on, then a year of silence
    (10, 350.0, 360.0),  # frequent and recent
]


@pytest.mark.parametrize("x, t_x, T", CUSTOMERS)
def test_three_customers_against_hand_computation(x, t_x, T):
    fit = fit_of(*TRUE_BG)
    r, alpha, a, b = TRUE_BG
    # P(alive), FHL 2005 eq. 11, by hand
    by_hand = 1.0 / (1.0 + a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x))
    assert btyd.p_alive(fit, x, t_x, T) == pytest.approx(by_hand, rel=1e-12)
    # ... and from the posterior: P(alive) is the integral of the alive term
    assert _posterior_integral(fit, x, t_x, T, lambda lam, p: 1.0) == pytest.approx(by_hand, rel=1e-6)
    # expected purchases in the next 90 days: an alive customer buys (1 - e^(-lambda p t)) / p in t (eq. 7 shifted)
    t = 90.0
    expected = _posterior_integral(fit, x, t_x, T, lambda lam, p: -math.expm1(-lam * p * t) / p)
    assert btyd.conditional_expected_purchases(fit, t, x, t_x, T) == pytest.approx(expected, rel=1e-6)
    # P(a purchase within 365 days): an alive customer's next purchase comes after Exp(lambda)
    within = _posterior_integral(fit, x, t_x, T, lambda lam, p: -math.expm1(-lam * 365.0))
    assert btyd.p_purchase_within(fit, 365.0, x, t_x, T) == pytest.approx(within, rel=1e-6)


def test_hand_computed_values_of_the_three_customers():
    # The values the hand computation above gives (P(alive) by eq. 11, E[Y(90)] by the 2-D posterior integral),
    # kept as literals: the 100-day silence costs the regular buyer a third of its P(alive), the early one-off
    # repeater is probably gone, the frequent recent buyer is almost surely alive.
    fit = fit_of(*TRUE_BG)
    x, t_x, T = (np.array(c) for c in zip(*CUSTOMERS))
    np.testing.assert_allclose(btyd.p_alive(fit, x, t_x, T), [0.6243721092, 0.1359655655, 0.9168008852], rtol=1e-9)
    np.testing.assert_allclose(btyd.conditional_expected_purchases(fit, 90, x, t_x, T),
                               [0.5392936212, 0.0398783874, 2.0148780511], rtol=1e-8)


def test_next_purchase_days_and_unlikely_customers():
    fit = fit_of(*TRUE_BG)
    x, t_x, T = (np.array(c) for c in zip(*CUSTOMERS))
    days = btyd.days_to_next_purchase(fit, x, t_x, T)
    within = btyd.p_purchase_within(fit, 365.0, x, t_x, T)
    likely = within >= 0.5
    assert likely.tolist() == [True, False, True]
    assert np.isnan(days[1])  # P(alive) x P(buy within a year | alive) < 0.5: "unlikely to buy again"
    # the date is when the chance of having bought again reaches one half
    np.testing.assert_allclose(btyd.p_purchase_within(fit, days[likely], x[likely], t_x[likely], T[likely]), 0.5,
                               rtol=1e-10)
    assert days[2] < days[0] < 365  # the frequent recent buyer comes back sooner
    r, alpha = TRUE_BG[:2]
    assert days[2] == pytest.approx((alpha + 360) * ((1 - 0.5 / btyd.p_alive(fit, 10, 350, 360)) ** (-1 / (r + 10))
                                                     - 1), rel=1e-12)
    stricter = btyd.days_to_next_purchase(fit, x, t_x, T, probability=0.6)
    assert stricter[2] > days[2]
    with pytest.raises(ValueError):
        btyd.days_to_next_purchase(fit, x, t_x, T, probability=1.0)


# -------------------------------------------------------------------------------------------------------- edge cases

def test_edge_cases():
    fit = fit_of(*TRUE_BG)
    r, alpha, a, b = TRUE_BG
    # x = 0: BG/NBD only lets customers drop out after a repeat purchase, so P(alive) = 1
    assert btyd.p_alive(fit, 0, 0, 500) == 1.0
    # one order on the last day (x = t_x = T = 0): exactly a new customer, E[Y(t)] = E[X(t)]
    assert btyd.conditional_expected_purchases(fit, 90, 0, 0, 0) == pytest.approx(
        btyd.expected_purchases(fit, 90), rel=1e-12)
    # last purchase on the last day (t_x = T): the most alive a customer with x purchases can be
    assert btyd.p_alive(fit, 4, 300, 300) == pytest.approx(1 / (1 + a / (b + 4 - 1)), rel=1e-12)
    assert btyd.p_alive(fit, 4, 300, 300) > btyd.p_alive(fit, 4, 299, 300)
    # no time, no purchases; more time, more purchases
    assert btyd.conditional_expected_purchases(fit, 0, 3, 200, 300) == 0.0
    ys = btyd.conditional_expected_purchases(fit, [30, 90, 365], 3, 200, 300)
    assert np.all(np.diff(ys) > 0)
    # E[X(t)] is 0 at t = 0 and grows like r t / alpha at first (nobody has dropped out yet)
    assert btyd.expected_purchases(fit, 0.0) == 0.0
    assert btyd.expected_purchases(fit, 1e-3) == pytest.approx(r * 1e-3 / alpha, rel=1e-3)


def test_hyp2f1_fallback_for_large_arguments():
    fit = fit_of(*TRUE_BG)
    r, alpha, a, b = TRUE_BG
    # 1500 purchases in a year (transaction-level counts of a business buyer; daily purchase counts stay below T,
    # where SciPy 1.17's hyp2f1 is accurate): the textbook form of eq. 10 breaks down, 2F1(r+x, b+x; a+b+x-1; z)
    # is not finite
    x, t_x, T, t = 1500.0, 360.0, 365.0, 365.0
    z = t / (alpha + T + t)
    with np.errstate(all="ignore"):
        naive = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x)
                                             * hyp2f1(r + x, b + x, a + b + x - 1, z))
    assert not np.isfinite(naive)
    got = btyd.conditional_expected_purchases(fit, t, x, t_x, T)
    # independent value: E over p ~ Beta(a, b+x) of (1 - ((alpha+T)/(alpha+T+p t))^(r+x)) / p, times P(alive)
    log_beta = math.lgamma(a) + math.lgamma(b + x) - math.lgamma(a + b + x)

    def integrand(p: float) -> float:
        density = math.exp((a - 1) * math.log(p) + (b + x - 1) * math.log1p(-p) - log_beta)
        return density * -math.expm1(-(r + x) * math.log1p(p * t / (alpha + T))) / p

    inner = integrate.quad(integrand, 0, 1, points=[1e-4, 1e-3, 1e-2], epsrel=1e-11, limit=200)[0]
    assert got == pytest.approx(btyd.p_alive(fit, x, t_x, T) * inner, rel=1e-6)
    # the quadrature fallback agrees with the closed form where both work, and near a = 1
    args = (np.array([r + 3, r + 50.0]), np.array([alpha + 300, alpha + 30.0]), a, np.array([b + 3, b + 50]),
            np.array([90.0, 365.0]))
    np.testing.assert_allclose(btyd._quadrature(*args), btyd.alive_expected_purchases(*args), rtol=1e-4)
    near_one = [btyd.alive_expected_purchases(r + 3, alpha + 300, a_, b + 3, 90.0) for a_ in (1 - 1e-9, 1 + 1e-9)]
    exact = btyd._quadrature(np.array([r + 3]), np.array([alpha + 300]), 1.0, np.array([b + 3]), np.array([90.0]))
    np.testing.assert_allclose(near_one, [exact[0], exact[0]], rtol=1e-4)


def test_input_errors_are_clear():
    with pytest.raises(ValueError, match="recency must lie"):
        btyd.fit_bgnbd([1, 2], [5, 30], [4, 40])
    with pytest.raises(ValueError, match="whole number"):
        btyd.fit_bgnbd([-1, 2], [0, 30], [4, 40])
    with pytest.raises(ValueError, match="repeat purchases"):
        btyd.fit_bgnbd([0, 0], [0, 0], [4, 40])
    with pytest.raises(ValueError, match="recency must be 0"):
        btyd.fit_bgnbd([0, 2], [3, 30], [4, 40])
    with pytest.raises(ValueError, match="repeat purchases and a positive"):
        btyd.fit_gamma_gamma([0, 0], [np.nan, np.nan])


# -------------------------------------------------------------------------------- spend, value, forecast, storage

def test_expected_spend_against_the_posterior_of_nu():
    fit = btyd.GammaGammaFit(*TRUE_GG, 0.0, 0, True, 0, "", 0.0, 0.0)
    p, q, gamma = TRUE_GG
    x, m = 4, 40.0
    # nu | x purchases with mean m ~ Gamma(q + p x, rate gamma + m x); E[spend | nu] = p / nu
    shape, rate = q + p * x, gamma + m * x
    log_norm = shape * math.log(rate) - math.lgamma(shape)
    expected = integrate.quad(lambda nu: p / nu * math.exp(log_norm + (shape - 1) * math.log(nu) - rate * nu),
                              0, np.inf, epsrel=1e-11)[0]
    assert btyd.expected_spend(fit, x, m) == pytest.approx(expected, rel=1e-8)
    assert btyd.expected_spend(fit, 0, np.nan) == pytest.approx(p * gamma / (q - 1))  # no repeat: the population


def test_customer_value_and_discounting():
    bg = fit_of(*TRUE_BG)
    gg = btyd.GammaGammaFit(*TRUE_GG, 0.0, 0, True, 0, "", 0.0, 0.0)
    x, t_x, T, m = 3, 200.0, 300.0, 40.0
    plain = btyd.customer_value(bg, gg, x, t_x, T, m)
    assert plain == pytest.approx(btyd.conditional_expected_purchases(bg, 365, x, t_x, T)
                                  * btyd.expected_spend(gg, x, m), rel=1e-12)
    discounted = btyd.customer_value(bg, gg, x, t_x, T, m, annual_discount_rate=0.10)
    months = [btyd.conditional_expected_purchases(bg, 365 * k / 12, x, t_x, T) for k in range(13)]
    by_hand = sum((months[k] - months[k - 1]) / 1.1 ** (k / 12) for k in range(1, 13)) * btyd.expected_spend(gg, x, m)
    assert discounted == pytest.approx(by_hand, rel=1e-12)
    assert plain / 1.1 < discounted < plain


def test_score_forecast_and_tracking():
    bg = fit_of(*TRUE_BG)
    gg = btyd.GammaGammaFit(*TRUE_GG, 0.0, 0, True, 0, "", 0.0, 0.0)
    x, t_x, T = (np.array(c) for c in zip(*CUSTOMERS))
    m = np.array([30.0, 50.0, 20.0])
    scored = btyd.score_customers(bg, gg, x, t_x, T, m, as_of=np.datetime64("2024-06-30"))
    assert set(scored) == {"p_alive", "expected_purchases_30", "expected_purchases_90", "expected_purchases_365",
                           "p_purchase_365", "expected_spend", "value_365", "days_to_next_purchase",
                           "next_purchase_date"}
    assert np.isnat(scored["next_purchase_date"][1])
    assert scored["next_purchase_date"][2] == np.datetime64("2024-06-30") + int(math.ceil(
        scored["days_to_next_purchase"][2]))
    forecast = btyd.base_forecast(bg, x, t_x, T, (28, 91), gg, m)
    assert forecast[91]["purchases"] == pytest.approx(btyd.conditional_expected_purchases(bg, 91, x, t_x, T).sum())
    assert forecast[28]["gmv"] == pytest.approx(btyd.conditional_expected_purchases(bg, 28, x, t_x, T)
                                                @ btyd.expected_spend(gg, x, m))
    # tracking: births on days 0, 0 and 2; on day d each adds E[X(d - birth)]
    curve = btyd.tracking_expected_repeats(bg, [0, 0, 2], 5)
    ex = btyd.expected_purchases(bg, np.arange(5.0))
    np.testing.assert_allclose(curve, [0, 2 * ex[1], 2 * ex[2], 2 * ex[3] + ex[1], 2 * ex[4] + ex[2]], rtol=1e-12)


def test_fits_round_trip_through_json():
    rng = np.random.default_rng(5)
    T = rng.uniform(30, 400, 3000)
    x, t_x = btyd.simulate_bgnbd(*TRUE_BG, T, rng)
    bg = btyd.fit_bgnbd(x, t_x, T)
    text = bg.to_json()
    stored = json.loads(text)
    assert stored["model"] == "bg_nbd" and stored["version"] == 1 and stored["time_unit"] == "day"
    assert btyd.BgNbdFit.from_json(text) == bg
    gg = btyd.GammaGammaFit(*TRUE_GG, -12.5, 10, True, 7, "ok", 0.1, 0.2, 1)
    assert btyd.GammaGammaFit.from_json(gg.to_json()) == gg
    with pytest.raises(ValueError):
        btyd.GammaGammaFit.from_json(text)


def test_no_dropout_data_fit_the_nbd_limit():
    # Nobody drops out (a wholesaler's year, as on Online Retail): the likelihood rises towards a -> 0 or
    # b -> inf. With this sample L-BFGS-B stops on that flat ridge with SciPy's "ABNORMAL" line-search message at a
    # vanishing gradient: the fit counts that as converged, says "no dropout detected", recovers the purchase-rate
    # parameters, and P(alive) ~ 1. (Other samples find a small interior dropout instead, e.g. a/(a+b) = 0.5%.)
    rng = np.random.default_rng(2)
    T = rng.integers(30, 365, 5_000).astype(float)
    lam = rng.gamma(0.8, 1 / 60.0, T.size)
    x = rng.poisson(lam * T).astype(float)
    t_x = np.where(x > 0, np.floor(T * rng.beta(np.maximum(x, 1), 1)), 0.0)  # the last of x uniform arrivals
    fit = btyd.fit_bgnbd(x, t_x, T)
    assert fit.converged, fit.message
    assert fit.mean_dropout < btyd.NO_DROPOUT and "no dropout detected" in fit.message
    assert fit.r == pytest.approx(0.8, rel=0.1) and fit.alpha == pytest.approx(60.0, rel=0.1)
    assert btyd.p_alive(fit, x, t_x, T).min() > 0.99


@pytest.mark.parametrize("a", [0.8, 1.0 + 5e-5])  # the closed form, and its interpolation next to a = 1
def test_conditional_expected_purchases_per_distinct_x_T_equals_every_row(simulated, a):
    """Above DISTINCT_MIN_ROWS the slow factor is evaluated once per distinct (x, T, t): the same values as the
    formula row by row (P(alive) x E[Y(t) | alive]), here for whole-day ages shared by many customers."""
    x, t_x, T = simulated
    x, t_x, T = x[:20_000], t_x[:20_000], np.floor(T[:20_000])
    fit = fit_of(0.5, 40.0, a, 2.5)
    assert len(np.unique(np.stack([x, T], axis=1), axis=0)) < len(x) / 3  # shared pairs: the path is exercised
    for t in (30.0, np.array([[7.0], [91.0], [364.0]])):
        got = btyd.conditional_expected_purchases(fit, t, x, t_x, T)
        x_b, t_x_b, T_b, t_b = np.broadcast_arrays(x, t_x, T, t)
        want = np.concatenate([  # in pieces below the threshold: the row-by-row path
            (btyd.p_alive(fit, x_b[..., s], t_x_b[..., s], T_b[..., s])
             * btyd.alive_expected_purchases(fit.r + x_b[..., s], fit.alpha + T_b[..., s], fit.a,
                                             fit.b + x_b[..., s], t_b[..., s]))
            for s in (slice(i, i + 300) for i in range(0, x.size, 300))], axis=-1)
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=0)
