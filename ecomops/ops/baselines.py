"""What a day is expected to look like: the weekday baseline that knows the campaign calendar, and its band.

This is the one baseline every alert uses (Overview, Monitoring, the weekly/monthly review, ``report``, deliveries).

* A **normal day** is compared with the median of the same weekday of the previous ``weeks`` *normal* weeks: sale
  days (and pre-sale windows) are skipped, reaching further back, so the days after Double 11 are not compared with
  Double 11 itself.
* A **pre-sale day** is compared with the same weekday earlier in the same pre-sale window (at least 2 of them), else
  with its normal baseline times the lift the last comparable campaign's pre-sale had over its own normal baseline.
* A **day after a big sale** (day n of the week after it) is expected to be as far below its normal baseline as day
  n after the last comparable campaign was (customers bought ahead); the same rule as a sale day.
* A **sale day** (day n of a big sale or a flash sale) is compared with its normal baseline times the lift of day n of
  the last comparable campaign (same kind, same length) over that day's normal baseline: what a sale day of this size
  is expected to do. Without such a campaign there is no expectation and the day raises no alert.
* The **noise** is 1.4826 x MAD of the relative residuals of the previous ``noise_days`` normal days (at least 28,
  floor 1%); a campaign day's band is widened by ``EVENT_NOISE`` (one earlier campaign is a less certain guide).
  **Band** = baseline x (1 + centre +/- k x noise), the centre being the usual residual (a trend makes a lagged
  baseline run behind by a steady amount).
* **Counts of a segment** (``expected_counts``: buyers of a channel out of its visitors): the expected count is the
  day's exposure (UV) x the expected rate, the rate's own ``expected_band`` (the same rules as above, campaign-aware);
  the observed count is judged by its tail probability under a negative binomial whose relative variance is the larger
  of the rate's noise (its history's scatter, campaign widening included: a noisy segment stays quiet) and the
  Poisson 1 / expected (a small count cannot be more certain than counting allows).
"""
from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pandas as pd
from scipy import stats

from ecomops import db

EVENT_KINDS = ("big_sale", "flash_sale")
NORMAL, PRESALE, SALE, AFTER = "normal", "presale", "sale", "after"
AFTER_KINDS = ("big_sale",)  # the week after a big sale is quieter than usual (customers bought ahead)
AFTER_DAYS = 7
PRESALE_SPAN = 3  # a pre-sale day's lift: the median over +/- 3 days around the same day of the last pre-sale
EXTRA_WEEKS = 6
LEVEL_DAYS = 14  # recent normal days whose median residual sets the level (tracks a month's step in demand)  # how much further back a normal baseline may reach to skip campaign weeks
EVENT_NOISE = {"usual": 1.0, "same_campaign": 1.25, "last_presale": 1.15, "last_campaign": 1.5}
CALENDAR_COLUMNS = ["phase", "campaign_id", "kind", "offset", "length"]


def campaign_calendar(con: duckdb.DuckDBPyConnection, first: date, last: date) -> pd.DataFrame:
    """Return one row per day of first..last (index ``day``): phase (normal | presale | sale), campaign_id, kind,
    offset (day n of the sale, from 0) and length (days of the sale) from the campaigns table."""
    try:
        campaigns = db.query_df(con, db.load_sql("ops/monitoring_calendar"),
                                {"first": first, "last": last, "kinds": list(EVENT_KINDS)})
    except duckdb.CatalogException:  # a database without a campaign calendar: every day is normal
        campaigns = pd.DataFrame(columns=["campaign_id", "kind", "start_date", "end_date", "presale_start"])
    return calendar_from_campaigns(campaigns, first, last)


def calendar_from_campaigns(campaigns: pd.DataFrame, first: date, last: date) -> pd.DataFrame:
    """Return the day calendar of first..last for a campaigns frame (campaign_id, kind, start_date, end_date,
    presale_start); a sale day beats a pre-sale day, a big sale beats a flash sale when campaigns overlap."""
    days = pd.date_range(pd.Timestamp(first), pd.Timestamp(last), freq="D", name="day")
    n = len(days)
    phase = np.full(n, NORMAL, dtype=object)
    campaign = np.full(n, None, dtype=object)
    kinds = np.full(n, None, dtype=object)
    offset = np.full(n, -1)
    length = np.zeros(n, dtype=int)
    origin = pd.Timestamp(first)
    priority = {kind: rank for rank, kind in enumerate(reversed(EVENT_KINDS))}  # later writes win
    ordered = campaigns.assign(_rank=campaigns["kind"].map(priority).fillna(-1)).sort_values(["_rank", "start_date"])
    for row in ordered.itertuples(index=False):
        start = (pd.Timestamp(row.start_date) - origin).days
        end = (pd.Timestamp(row.end_date) - origin).days
        if row.presale_start is not None and not pd.isna(row.presale_start):
            pre = (pd.Timestamp(row.presale_start) - origin).days
            window = np.arange(max(pre, 0), min(start, n))
            window = window[phase[window] != SALE] if len(window) else window
            # offset: days before the sale starts (1 = the eve), so a ramp towards the sale lines up between campaigns
            phase[window], campaign[window], kinds[window], offset[window], length[window] = \
                PRESALE, row.campaign_id, row.kind, start - window, 0
        span = np.arange(start, end + 1)
        inside = span[(span >= 0) & (span < n)]
        phase[inside], campaign[inside], kinds[inside] = SALE, row.campaign_id, row.kind
        offset[inside], length[inside] = inside - start, end - start + 1
        if row.kind in AFTER_KINDS:
            after = np.arange(end + 1, end + 1 + AFTER_DAYS)
            after = after[(after >= 0) & (after < n)]
            after = after[phase[after] == NORMAL] if len(after) else after
            phase[after], campaign[after], kinds[after] = AFTER, row.campaign_id, row.kind
            offset[after], length[after] = after - end - 1, AFTER_DAYS
    return pd.DataFrame({"phase": phase, "campaign_id": campaign, "kind": kinds, "offset": offset,
                         "length": length}, index=days)


def expected_band(values: pd.Series, calendar: pd.DataFrame | None = None, weeks: int = 4, k: float = 4.0,
                  noise_days: int = 84, noise_floor: float = 0.01, min_noise_points: int = 28,
                  level_days: int = LEVEL_DAYS) -> pd.DataFrame:
    """Return value, baseline, expected, change, noise, z, low, high, anomaly, basis, compared_with for a daily series.

    ``values`` is indexed by consecutive days; ``calendar`` is campaign_calendar() over (at least) those days, None
    when every day is normal. ``basis``: usual | same_campaign | last_campaign; ``compared_with``: the campaign whose
    lift set the expectation of a campaign day; ``expected``: the baseline with the level correction (the band's
    centre).
    """
    values = values.astype(float)
    n = len(values)
    v = values.to_numpy()
    if calendar is None:
        cal = pd.DataFrame({"phase": NORMAL, "campaign_id": None, "kind": None, "offset": -1, "length": 0},
                           index=values.index)
    else:
        cal = calendar.reindex(values.index)
        cal["phase"] = cal["phase"].fillna(NORMAL)
    phase = cal["phase"].to_numpy()
    campaign = cal["campaign_id"].to_numpy()
    normal = phase == NORMAL
    need = min(2, weeks)

    base_normal = _normal_baseline(v, normal, weeks, need)
    baseline = np.where(normal, base_normal, np.nan)
    basis = np.where(normal, "usual", "").astype(object)
    compared = np.full(n, None, dtype=object)
    if not normal.all():
        plan = _calendar_plan(cal)
        memo: dict[tuple, tuple[float, str] | None] = {}
        lift = np.where(base_normal > 0, v / base_normal, np.nan)
        for i in np.flatnonzero(~normal):
            found = _last_comparable(plan, i, lift, memo)
            if found is not None:
                ratio, other = found
                baseline[i], compared[i] = base_normal[i] * ratio, other
                basis[i] = "last_presale" if phase[i] == PRESALE else "last_campaign"
            elif phase[i] == PRESALE:  # a first pre-sale: the same weekdays earlier in it
                same = [v[i - 7 * j] for j in range(1, weeks + 1)
                        if i - 7 * j >= 0 and phase[i - 7 * j] == PRESALE and campaign[i - 7 * j] == campaign[i]
                        and not np.isnan(v[i - 7 * j])]
                if len(same) >= 2:
                    baseline[i], basis[i] = float(np.median(same)), "same_campaign"

    baseline = np.where(baseline > 0, baseline, np.nan)
    change = v / baseline - 1
    # The level: the median residual of the last ``level_days`` normal days (a month's step in demand, a trend),
    # then the noise of what is left, so a level shift is neither an alarm nor a wider band.
    normal_change = np.where(normal, change, np.nan)
    centre, _ = _rolling_noise(normal_change, level_days, max(3, level_days // 2), noise_floor)
    centre = np.where(np.isnan(centre), _rolling_noise(normal_change, noise_days, min_noise_points, noise_floor)[0],
                      centre)
    _, noise = _rolling_noise(np.where(normal, (1 + change) / (1 + centre) - 1, np.nan), noise_days,
                              min_noise_points, noise_floor)
    widen = np.array([EVENT_NOISE.get(b, 1.0) for b in basis])
    noise = noise * widen
    z = ((1 + change) / (1 + centre) - 1) / noise
    low = baseline * (1 + centre) * (1 - k * noise)
    high = baseline * (1 + centre) * (1 + k * noise)
    anomaly = np.nan_to_num(np.abs(z), nan=0.0) > k
    anomaly &= ~np.isnan(v)
    return pd.DataFrame({"value": v, "baseline": baseline, "expected": baseline * (1 + centre), "change": change,
                         "noise": noise, "z": z, "low": np.clip(low, 0, None), "high": high,
                         "anomaly": anomaly.astype(bool),
                         "basis": np.where(np.isnan(baseline), "", basis), "compared_with": compared},
                        index=values.index)


def expected_counts(counts: pd.Series, exposure: pd.Series, calendar: pd.DataFrame | None = None, weeks: int = 4,
                    noise_days: int = 84, noise_floor: float = 0.01, min_noise_points: int = 28) -> pd.DataFrame:
    """Return per day count, exposure, rate, expected_rate, expected, noise, dispersion, p_low, p_high, basis,
    compared_with for the daily counts of one segment (buyers) out of its exposure (UV), both indexed by day.

    expected = exposure x expected_rate, expected_rate being ``expected_band`` of the rate counts / exposure (the one
    baseline: weekday, campaigns, level). The count is modelled as negative binomial with that mean and variance
    expected + dispersion x expected², dispersion = max(0, noise² - 1 / expected), so its relative spread is the
    larger of the rate's noise and Poisson's. p_low = P(X <= count), p_high = P(X >= count); NaN without an
    expectation (too little history, a rate whose expectation is 0).
    """
    counts = counts.astype(float)
    exposure = exposure.reindex(counts.index).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = counts / exposure.where(exposure > 0)
        band = expected_band(rate, calendar, weeks=weeks, k=1.0, noise_days=noise_days, noise_floor=noise_floor,
                             min_noise_points=min_noise_points)
        expected = (exposure * band["expected"]).to_numpy()
        expected = np.where(expected > 0, expected, np.nan)
        noise = band["noise"].to_numpy()
        dispersion = np.maximum(noise ** 2 - 1 / expected, 0.0)
    p_low, p_high = count_tails(counts.to_numpy(), expected, dispersion)
    return pd.DataFrame({"count": counts.to_numpy(), "exposure": exposure.to_numpy(), "rate": rate.to_numpy(),
                         "expected_rate": band["expected"].to_numpy(), "expected": expected, "noise": noise,
                         "dispersion": dispersion, "p_low": p_low, "p_high": p_high, "basis": band["basis"].to_numpy(),
                         "compared_with": band["compared_with"].to_numpy()}, index=counts.index)


def _negative_binomial(expected: np.ndarray, dispersion: np.ndarray):
    """Return the frozen count distribution of mean ``expected`` and variance expected + dispersion x expected²
    (Poisson where dispersion is 0) as (poisson, nbinom, which rows are negative binomial)."""
    over = dispersion > 1e-9
    size = np.where(over, 1 / np.where(over, dispersion, 1.0), 1.0)
    prob = size / (size + expected)
    return stats.poisson(expected), stats.nbinom(size, prob), over


def count_tails(counts: np.ndarray, expected: np.ndarray, dispersion: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (P(X <= count), P(X >= count)) per row for X of mean ``expected`` and variance expected + dispersion x
    expected² (NaN where the expectation is missing)."""
    counts, expected, dispersion = (np.asarray(a, dtype=float) for a in (counts, expected, dispersion))
    ok = np.isfinite(expected) & np.isfinite(counts) & np.isfinite(dispersion)
    p_low, p_high = np.full(len(counts), np.nan), np.full(len(counts), np.nan)
    if ok.any():
        poisson, nbinom, over = _negative_binomial(expected[ok], dispersion[ok])
        c = counts[ok]
        p_low[ok] = np.where(over, nbinom.cdf(c), poisson.cdf(c))
        p_high[ok] = np.where(over, nbinom.sf(c - 1), poisson.sf(c - 1))
    return p_low, p_high


def count_bounds(expected: np.ndarray, dispersion: np.ndarray, p: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (low, high): the counts whose lower / upper tail probability is just above ``p`` (a count below low,
    or above high, has a tail probability under p)."""
    expected, dispersion = np.asarray(expected, dtype=float), np.asarray(dispersion, dtype=float)
    poisson, nbinom, over = _negative_binomial(expected, dispersion)
    low = np.where(over, nbinom.ppf(p), poisson.ppf(p))
    high = np.where(over, nbinom.isf(p), poisson.isf(p))
    return low, high


def _normal_baseline(v: np.ndarray, normal: np.ndarray, weeks: int, need: int) -> np.ndarray:
    """Return per day the median of the same weekday on the previous ``weeks`` normal days with a value (looking
    back at most weeks + EXTRA_WEEKS weeks), NaN with fewer than ``need`` of them."""
    n = len(v)
    depth = weeks + EXTRA_WEEKS
    lags = np.full((n, depth), np.nan)
    for j in range(1, depth + 1):
        if 7 * j < n:
            usable = np.where(normal[:-7 * j], v[:-7 * j], np.nan)
            lags[7 * j:, j - 1] = usable
    valid = ~np.isnan(lags)
    keep = valid & (np.cumsum(valid, axis=1) <= weeks)  # the nearest ``weeks`` usable weeks
    picked = np.where(keep, lags, np.nan)
    enough = keep.sum(axis=1) >= need
    out = np.full(n, np.nan)
    if enough.any():
        out[enough] = np.nanmedian(picked[enough], axis=1)
    return out


def _rolling_noise(changes: np.ndarray, window: int, min_points: int, floor: float) -> tuple[np.ndarray, np.ndarray]:
    """Return (centre, noise) per day: median and 1.4826 x MAD of the ``window`` previous values (NaN skipped)."""
    n = len(changes)
    padded = np.concatenate([np.full(window, np.nan), changes])
    windows = np.lib.stride_tricks.sliding_window_view(padded, window)[:n]  # row i: the window days before day i
    counts = (~np.isnan(windows)).sum(axis=1)
    centre = np.full(n, np.nan)
    noise = np.full(n, np.nan)
    ok = counts >= min_points
    if ok.any():
        w = windows[ok]
        c = np.nanmedian(w, axis=1)
        centre[ok] = c
        noise[ok] = np.maximum(1.4826 * np.nanmedian(np.abs(w - c[:, None]), axis=1), floor)
    return centre, noise


# Calendar plans by content: the lift-free part of the comparable-day lookup (which campaign positions a day may be
# compared with). The segment conversion check runs dozens of bands over one calendar; each used to rebuild it.
_PLANS: dict[tuple, dict] = {}
_PLANS_KEPT = 32


def _calendar_plan(cal: pd.DataFrame) -> dict:
    """Return the calendar's campaign positions, its rows as dicts and a memo of comparable candidates (built once
    per distinct calendar and day range)."""
    key = (cal.index[0], cal.index[-1], len(cal),
           int(pd.util.hash_pandas_object(cal[CALENDAR_COLUMNS].astype(str), index=False).sum()))
    plan = _PLANS.get(key)
    if plan is None:
        if len(_PLANS) >= _PLANS_KEPT:
            _PLANS.clear()
        plan = _PLANS[key] = {"positions": _campaign_positions(cal),
                              "rows": cal[CALENDAR_COLUMNS].to_dict("records"), "candidates": {}}
    return plan


def _campaign_positions(cal: pd.DataFrame) -> dict[str, dict]:
    """Return per campaign in the calendar: kind, first position, length, sale positions by offset, pre-sale ones."""
    out: dict[str, dict] = {}
    for pos, (phase, cid, kind, offset, length) in enumerate(cal[CALENDAR_COLUMNS].itertuples(index=False)):
        if phase == NORMAL or cid is None:
            continue
        entry = out.setdefault(cid, {"kind": kind, "first": pos, "length": 0, SALE: {}, AFTER: {}, PRESALE: {}})
        if phase in (SALE, AFTER, PRESALE):
            entry[phase][int(offset)] = pos
            if phase == SALE:
                entry["length"] = int(length)
    return out


def _last_comparable(plan: dict, i: int, lift: np.ndarray,
                     memo: dict[tuple, tuple[float, str] | None]) -> tuple[float, str] | None:
    """Return (lift, campaign id) of the latest earlier campaign of the same kind (and length, for a sale day) whose
    matching day(s) had a normal baseline, or None (``memo``: this band's answers by campaign, phase and offset)."""
    row = plan["rows"][i]
    key = (row["campaign_id"], row["phase"], int(row["offset"]))
    if key not in memo:
        memo[key] = _search_comparable(_comparable_candidates(plan, key, row), lift)
    return memo[key]


def _comparable_candidates(plan: dict, key: tuple, row: dict) -> list[tuple[str, list[int], bool]]:
    """Return, latest first, the earlier campaigns a day may be compared with: (campaign id, the positions whose lift
    it offers, whether their median is taken: the pre-sale days around the same point)."""
    found = plan["candidates"].get(key)
    if found is not None:
        return found
    positions = plan["positions"]
    mine = positions[row["campaign_id"]]
    earlier = sorted(((entry["first"], cid) for cid, entry in positions.items()
                      if cid != row["campaign_id"] and entry["kind"] == row["kind"] and entry["first"] < mine["first"]),
                     reverse=True)
    found = []
    for _, cid in earlier:
        entry = positions[cid]
        if row["phase"] in (SALE, AFTER):
            if (row["phase"] == SALE and entry["length"] != int(row["length"])) \
                    or int(row["offset"]) not in entry[row["phase"]]:
                continue
            found.append((cid, [entry[row["phase"]][int(row["offset"])]], False))
        else:  # pre-sale: the lift around the same number of days before the sale (a week, for a steadier ratio)
            around = range(int(row["offset"]) - PRESALE_SPAN, int(row["offset"]) + PRESALE_SPAN + 1)
            found.append((cid, [entry[PRESALE][o] for o in around if o in entry[PRESALE]], True))
    plan["candidates"][key] = found
    return found


def _search_comparable(candidates: list[tuple[str, list[int], bool]], lift: np.ndarray) -> tuple[float, str] | None:
    for cid, where, pooled in candidates:
        if pooled:
            ratios = lift[where] if where else np.array([np.nan])
            ratio = np.nanmedian(ratios) if np.isfinite(ratios).any() else np.nan
        else:
            ratio = lift[where[0]]
        if np.isfinite(ratio) and ratio > 0:
            return float(ratio), cid
    return None


def comparable_days(calendar: pd.DataFrame | None, day: date, weeks: int = 4) -> tuple[list[date], str, str | None]:
    """Return (the days ``day`` is compared with, basis, campaign compared with) by the rules of ``expected_band``:
    the usual normal weekdays, the same weekdays of the same pre-sale, or the same day of the last comparable sale."""
    stamp = pd.Timestamp(day)

    def phase_of(d: pd.Timestamp) -> tuple[str, object]:
        if calendar is None or d not in calendar.index:
            return NORMAL, None
        row = calendar.loc[d]
        return row["phase"], row["campaign_id"]

    phase, campaign = phase_of(stamp)
    if phase == PRESALE:
        same = [stamp - pd.Timedelta(days=7 * j) for j in range(1, weeks + 1)]
        same = [d for d in same if phase_of(d) == (PRESALE, campaign)]
        if len(same) >= 2:
            return [d.date() for d in same], "same_campaign", None
    if phase in (SALE, AFTER):
        row = calendar.loc[stamp]
        sales = calendar[(calendar["phase"] == phase) & (calendar["kind"] == row["kind"])
                         & (calendar["length"] == row["length"]) & (calendar["offset"] == row["offset"])
                         & (calendar.index < stamp - pd.Timedelta(days=int(row["offset"])))]
        if not sales.empty:
            return [sales.index[-1].date()], "last_campaign", sales["campaign_id"].iloc[-1]
    normal = []
    for j in range(1, weeks + EXTRA_WEEKS + 1):
        d = stamp - pd.Timedelta(days=7 * j)
        if phase_of(d)[0] == NORMAL:
            normal.append(d.date())
        if len(normal) == weeks:
            break
    return normal, "usual", None
