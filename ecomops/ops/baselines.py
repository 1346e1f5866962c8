"""What a day is expected to look like: the weekday baseline that knows the campaign calendar, and its band.

This is the one baseline every alert uses (Overview, Monitoring, the weekly/monthly review, ``report``, deliveries).

* A **normal day** is compared with the median of the same weekday of the previous ``weeks`` *normal* weeks: sale
  days (and pre-sale windows) are skipped, reaching further back, so the days after Double 11 are not compared with
  Double 11 itself.
* A **pre-sale day** is compared with the same weekday earlier in the same pre-sale window (at least 2 of them), else
  with its normal baseline times the lift the last comparable campaign's pre-sale had over its own normal baseline.
* A **sale day** (day n of a big sale or a flash sale) is compared with its normal baseline times the lift of day n of
  the last comparable campaign (same kind, same length) over that day's normal baseline: what a sale day of this size
  is expected to do. Without such a campaign there is no expectation and the day raises no alert.
* The **noise** is 1.4826 x MAD of the relative residuals of the previous ``noise_days`` normal days (at least 28,
  floor 1%); a campaign day's band is widened by ``EVENT_NOISE`` (one earlier campaign is a less certain guide).
  **Band** = baseline x (1 + centre +/- k x noise), the centre being the usual residual (a trend makes a lagged
  baseline run behind by a steady amount).
"""
from __future__ import annotations

from datetime import date, timedelta

import duckdb
import numpy as np
import pandas as pd

from ecomops import db

EVENT_KINDS = ("big_sale", "flash_sale")
NORMAL, PRESALE, SALE = "normal", "presale", "sale"
EXTRA_WEEKS = 6  # how much further back a normal baseline may reach to skip campaign weeks
EVENT_NOISE = {"usual": 1.0, "same_campaign": 1.25, "last_campaign": 2.0}
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
    frame = pd.DataFrame({"phase": NORMAL, "campaign_id": None, "kind": None, "offset": -1, "length": 0}, index=days)
    priority = {kind: rank for rank, kind in enumerate(reversed(EVENT_KINDS))}  # later writes win
    ordered = campaigns.assign(_rank=campaigns["kind"].map(priority).fillna(-1)).sort_values(["_rank", "start_date"])
    for row in ordered.itertuples(index=False):
        start, end = pd.Timestamp(row.start_date), pd.Timestamp(row.end_date)
        if row.presale_start is not None and not pd.isna(row.presale_start):
            window = frame.index[(frame.index >= pd.Timestamp(row.presale_start)) & (frame.index < start)
                                 & (frame["phase"] != SALE).to_numpy()]
            frame.loc[window, CALENDAR_COLUMNS] = [PRESALE, row.campaign_id, row.kind, -1, 0]
        length = int((end - start).days) + 1
        for offset in range(length):
            day = start + timedelta(days=offset)
            if day in frame.index:
                frame.loc[day, CALENDAR_COLUMNS] = [SALE, row.campaign_id, row.kind, offset, length]
    frame["offset"] = frame["offset"].astype(int)
    frame["length"] = frame["length"].astype(int)
    return frame


def _mad_scale(values: np.ndarray) -> float:
    values = values[~np.isnan(values)]
    if len(values) == 0:
        return float("nan")
    return float(1.4826 * np.median(np.abs(values - np.median(values))))


def expected_band(values: pd.Series, calendar: pd.DataFrame | None = None, weeks: int = 4, k: float = 4.0,
                  noise_days: int = 84, noise_floor: float = 0.01, min_noise_points: int = 28) -> pd.DataFrame:
    """Return value, baseline, change, noise, z, low, high, anomaly, basis, compared_with for a daily series.

    ``values`` is indexed by consecutive days; ``calendar`` is campaign_calendar() over (at least) those days, None
    when every day is normal. ``basis``: usual | same_campaign | last_campaign; ``compared_with``: the campaign whose
    lift set the expectation of a campaign day.
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

    base_normal = np.full(n, np.nan)
    for i in range(n):
        picks = []
        for j in range(1, weeks + EXTRA_WEEKS + 1):
            p = i - 7 * j
            if p < 0 or len(picks) == weeks:
                break
            if normal[p] and not np.isnan(v[p]):
                picks.append(v[p])
        if len(picks) >= need:
            base_normal[i] = float(np.median(picks))

    baseline = np.where(normal, base_normal, np.nan)
    basis = np.where(normal, "usual", "").astype(object)
    compared = np.full(n, None, dtype=object)
    if not normal.all():
        positions = _campaign_positions(cal)
        lift = np.where(base_normal > 0, v / base_normal, np.nan)
        for i in np.flatnonzero(~normal):
            if phase[i] == PRESALE:
                same = [v[i - 7 * j] for j in range(1, weeks + 1)
                        if i - 7 * j >= 0 and phase[i - 7 * j] == PRESALE and campaign[i - 7 * j] == campaign[i]
                        and not np.isnan(v[i - 7 * j])]
                if len(same) >= 2:
                    baseline[i], basis[i] = float(np.median(same)), "same_campaign"
                    continue
            found = _last_comparable(positions, cal, i, lift)
            if found is not None:
                ratio, other = found
                baseline[i], basis[i], compared[i] = base_normal[i] * ratio, "last_campaign", other

    baseline = np.where(baseline > 0, baseline, np.nan)
    change = v / baseline - 1
    centre = np.full(n, np.nan)
    noise = np.full(n, np.nan)
    normal_change = np.where(normal, change, np.nan)
    for i in range(n):
        history = normal_change[max(0, i - noise_days):i]
        history = history[~np.isnan(history)]
        if len(history) >= min_noise_points:
            centre[i] = float(np.median(history))
            noise[i] = max(_mad_scale(history), noise_floor)
    widen = np.array([EVENT_NOISE.get(b, 1.0) for b in basis])
    noise = noise * widen
    z = (change - centre) / noise
    low = baseline * (1 + centre - k * noise)
    high = baseline * (1 + centre + k * noise)
    anomaly = np.nan_to_num(np.abs(z), nan=0.0) > k
    anomaly &= ~np.isnan(v)
    return pd.DataFrame({"value": v, "baseline": baseline, "change": change, "noise": noise, "z": z,
                         "low": np.clip(low, 0, None), "high": high, "anomaly": anomaly.astype(bool),
                         "basis": np.where(np.isnan(baseline), "", basis), "compared_with": compared},
                        index=values.index)


def _campaign_positions(cal: pd.DataFrame) -> dict[str, dict]:
    """Return per campaign in the calendar: kind, first position, length, sale positions by offset, pre-sale ones."""
    out: dict[str, dict] = {}
    for pos, (phase, cid, kind, offset, length) in enumerate(cal[CALENDAR_COLUMNS].itertuples(index=False)):
        if phase == NORMAL or cid is None:
            continue
        entry = out.setdefault(cid, {"kind": kind, "first": pos, "length": 0, "sale": {}, "presale": []})
        if phase == SALE:
            entry["sale"][int(offset)] = pos
            entry["length"] = int(length)
        else:
            entry["presale"].append(pos)
    return out


def _last_comparable(positions: dict[str, dict], cal: pd.DataFrame, i: int,
                     lift: np.ndarray) -> tuple[float, str] | None:
    """Return (lift, campaign id) of the latest earlier campaign of the same kind (and length, for a sale day) whose
    matching day(s) had a normal baseline, or None."""
    row = cal.iloc[i]
    mine = positions[row["campaign_id"]]
    candidates = sorted((entry["first"], cid) for cid, entry in positions.items()
                        if cid != row["campaign_id"] and entry["kind"] == row["kind"] and entry["first"] < mine["first"])
    for _, cid in reversed(candidates):
        entry = positions[cid]
        if row["phase"] == SALE:
            if entry["length"] != int(row["length"]) or int(row["offset"]) not in entry["sale"]:
                continue
            ratio = lift[entry["sale"][int(row["offset"])]]
        else:
            ratios = lift[entry["presale"]] if entry["presale"] else np.array([np.nan])
            ratio = np.nanmedian(ratios) if np.isfinite(ratios).any() else np.nan
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
    if phase == SALE:
        row = calendar.loc[stamp]
        sales = calendar[(calendar["phase"] == SALE) & (calendar["kind"] == row["kind"])
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
