"""The demo's calendar: seasonality (month, weekday, hour of day), the campaigns (618 and Double 11 with their
pre-sale windows, monthly weekend flash sales, Tuesday member days, the reactivation campaign) and the daily demand
intensity they give members and other customers, plus the channel mix drifting over the two years."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from ecomops.demo.constants import DEMO_END, DEMO_START, OUTREACH_CAMPAIGN, OUTREACH_DATE

# Extra history before DEMO_START so customers who signed up earlier are already in their rhythm on day one.
_WARMUP_DAYS = 400
MONTH_FACTOR = np.array([0.92, 0.78, 0.95, 0.96, 1.0, 1.08, 0.92, 0.92, 0.96, 1.0, 1.22, 1.18])
WEEKDAY_FACTOR = np.array([0.95, 1.0, 0.94, 0.95, 1.0, 1.1, 1.08])  # Mon..Sun
HOUR_WEIGHTS = np.array([2.0, 1.2, 0.6, 0.3, 0.2, 0.3, 0.8, 1.8, 3.0, 4.0, 4.6, 4.8, 5.2, 4.8, 4.2, 4.2,
                         4.4, 4.4, 4.8, 5.8, 7.0, 7.6, 6.6, 4.0])
_PRESALE_SHARE = 0.35  # pre-sale share of a big sale's GMV (playbook: 618 pre-sale = 35%)
_PRESALE_DAYS = 25  # deposits open this many days before the main sale day
_PRESALE_BOOST = 1.45


@dataclass
class Calendar:
    """Daily demand intensities and campaign markers over the extended timeline, and the campaigns table."""

    days: pd.DatetimeIndex  # extended timeline: DEMO_START - warm-up .. DEMO_END
    offset: int  # index of DEMO_START in days
    w_member: np.ndarray
    w_other: np.ndarray
    campaign_of_day: np.ndarray  # index into campaigns frame for big/flash sales, -1 none
    member_day_campaign: np.ndarray  # index of the member-day campaign on Tuesdays, -1 otherwise
    presale: np.ndarray  # bool, day in a pre-sale window
    campaigns: pd.DataFrame
    discount_of_campaign: np.ndarray


def build_calendar() -> Calendar:
    """Return the calendar: seasonal intensities with the big sales, flash sales and member days laid on them."""
    start_ext = DEMO_START - timedelta(days=_WARMUP_DAYS)
    days = pd.date_range(start_ext, DEMO_END, freq="D")
    n = len(days)
    month = days.month.to_numpy() - 1
    weekday = days.weekday.to_numpy()
    base = MONTH_FACTOR[month] * WEEKDAY_FACTOR[weekday]
    w_other = base.copy()
    w_member = base.copy()
    in_demo = np.arange(n) >= _WARMUP_DAYS
    campaign_of_day = np.full(n, -1)
    member_day_campaign = np.full(n, -1)
    presale = np.zeros(n, dtype=bool)
    rows: list[tuple[str, str, str, date, date, date | None, float]] = []

    def day_index(d: date) -> int:
        return (d - start_ext).days

    # Big sales: 618 and Double 11 with ~25-day pre-sale windows. Sale days hold (1 - share) of the campaign demand.
    for year in range(DEMO_START.year, DEMO_END.year + 1):
        for label, name, month_day in (("618", "618年中大促", (6, 18)), ("D11", "双11狂欢节", (11, 11))):
            peak = date(year, *month_day)
            start = peak - timedelta(days=2)
            pre = peak - timedelta(days=_PRESALE_DAYS)
            if pre < DEMO_START or peak > DEMO_END:
                continue
            cid = f"{label}-{year}"
            rows.append((cid, f"{year} {name}", "big_sale", start, peak, pre, 0.2))
            k = len(rows) - 1
            p0, s0, s1 = day_index(pre), day_index(start), day_index(peak)
            w_other[p0:s0] *= _PRESALE_BOOST
            w_member[p0:s0] *= _PRESALE_BOOST
            presale[p0:s0] = True
            campaign_of_day[p0:s1 + 1] = k
            pre_mass = base[p0:s0].sum() * _PRESALE_BOOST
            sale_mass = pre_mass * (1 - _PRESALE_SHARE) / _PRESALE_SHARE
            split = np.array([0.2, 0.25, 0.55])
            w_other[s0:s1 + 1] = sale_mass * split
            w_member[s0:s1 + 1] = sale_mass * split

    # Monthly weekend flash sale: the second Saturday and Sunday of each month.
    for month_start in pd.date_range(DEMO_START.replace(day=1), DEMO_END, freq="MS"):
        saturdays = pd.date_range(month_start, month_start + pd.offsets.MonthEnd(0), freq="W-SAT")
        sat = saturdays[1].date()
        sun = sat + timedelta(days=1)
        if sat < DEMO_START or sun > DEMO_END:
            continue
        i = day_index(sat)
        if (campaign_of_day[i:i + 2] >= 0).any():
            continue
        rows.append((f"FS-{sat:%Y-%m}", f"{sat:%Y年%m月} 周末限时秒杀", "flash_sale", sat, sun, None, 0.25))
        campaign_of_day[i:i + 2] = len(rows) - 1
        w_other[i:i + 2] *= 1.55
        w_member[i:i + 2] *= 1.55

    # Tuesday member day: members buy much more, others a little (site-wide banners).
    for d in pd.date_range(DEMO_START, DEMO_END, freq="W-TUE"):
        dd = d.date()
        rows.append((f"MD-{dd:%Y%m%d}", f"{dd:%m月%d日} 周二会员日", "member_day", dd, dd, None, 0.1))
        i = day_index(dd)
        member_day_campaign[i] = len(rows) - 1
        w_member[i] *= 1.7
        w_other[i] *= 1.03

    rows.append((OUTREACH_CAMPAIGN, "沉睡客户唤醒 限时回归礼", "other", OUTREACH_DATE,
                 OUTREACH_DATE + timedelta(days=30), None, 0.15))
    # Ramp up during the warm-up so the pre-period does not look like a flat line of sudden starts.
    w_other[~in_demo] *= 1.0
    campaigns = pd.DataFrame(rows, columns=["campaign_id", "name", "kind", "start_date", "end_date",
                                            "presale_start", "discount"])
    return Calendar(days, _WARMUP_DAYS, w_member, w_other, campaign_of_day, member_day_campaign, presale,
                    campaigns, campaigns["discount"].to_numpy())


def channel_mix(frac: np.ndarray) -> np.ndarray:
    """Return channel probabilities (rows) at fractions 0..1 of the period: wecom and douyin_live grow."""
    frac = np.clip(frac, 0, 1)[:, None]
    start = np.array([0.27, 0.25, 0.12, 0.12, 0.07, 0.17])
    end = np.array([0.21, 0.20, 0.10, 0.17, 0.19, 0.13])
    mix = start + (end - start) * frac
    return mix / mix.sum(axis=1, keepdims=True)
