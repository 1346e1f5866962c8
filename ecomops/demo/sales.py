"""The demo's customers and sales: sign-ups, the order history of every customer (drawn in operational time), guest
orders, channels and devices, the planted conversion anomaly, the reactivation test with its treatment and control
arms, campaigns and discounts, order lines (favourites, bundles, the size-chart T-shirt nobody buys twice) and the
order statuses."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pandas as pd

from ecomops.demo.calendar import HOUR_WEIGHTS, Calendar, channel_mix
from ecomops.demo.catalogue import Catalogue
from ecomops.demo.constants import (ANOMALY_DAY, CATEGORIES, CHANNELS, DEMO_START, DEVICES, OUTREACH_CAMPAIGN,
                                    OUTREACH_DATE, STATUSES, ProgressFn)

CITIES = np.array(["上海", "北京", "广州", "深圳", "杭州", "成都", "武汉", "南京", "西安", "重庆", "苏州", "长沙",
                   "天津", "郑州", "青岛", "厦门"])
_CITY_WEIGHTS = np.array([12, 11, 9, 9, 8, 7, 6, 6, 5, 5, 5, 4, 4, 3, 3, 3], dtype=float)

DEVICE_GIVEN_CHANNEL = np.array([  # app, mobile_web, pc
    [0.35, 0.35, 0.30],  # search
    [0.30, 0.55, 0.15],  # paid_ads
    [0.55, 0.40, 0.05],  # xiaohongshu
    [0.75, 0.22, 0.03],  # douyin_live
    [0.50, 0.45, 0.05],  # wecom
    [0.50, 0.25, 0.25],  # direct
])


def pick_rows(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """Return one categorical draw per row of a probability matrix."""
    cum = probs.cumsum(axis=1)
    u = rng.random(probs.shape[0])[:, None] * cum[:, -1:]
    return (u > cum).sum(axis=1)


def customers(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Return the customers' sign-up day (relative to DEMO_START), tier, prospect flag, channel and city codes."""
    before = rng.random(n) < 0.2
    signup = np.where(before, -rng.integers(1, 366, n), np.floor(730 * rng.random(n) ** 0.85).astype(int))
    tier_roll = rng.random(n)
    tier = np.where(tier_roll < 0.06, 2, np.where(tier_roll < 0.20, 1, 0))  # 0 none, 1 silver, 2 gold
    prospect = rng.random(n) < 0.05  # plus late sign-ups and early customers who did not return: ~10% in all
    channel = pick_rows(rng, channel_mix((signup + 0.0) / 730.0))
    city = rng.choice(CITIES.size, n, p=_CITY_WEIGHTS / _CITY_WEIGHTS.sum())
    return {"signup": signup, "tier": tier, "prospect": prospect, "channel": channel, "city": city}


def order_events(rng: np.random.Generator, cal: Calendar, cust: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Return (customer index, extended-day index) of every customer order, generated in operational time."""
    n = cust["signup"].size
    member = cust["tier"] > 0
    cum_m = np.cumsum(cal.w_member)
    cum_o = np.cumsum(cal.w_other)
    sig_idx = cust["signup"] + cal.offset
    op_start = np.where(member, cum_m[sig_idx] - cal.w_member[sig_idx], cum_o[sig_idx] - cal.w_other[sig_idx])
    horizon = np.where(member, cum_m[-1], cum_o[-1])

    first_delay = np.where(rng.random(n) < 0.45, rng.random(n), rng.exponential(20.0, n))
    t = op_start + first_delay
    # Customers who signed up before DEMO_START are the ones still active then: no one-timers among them.
    one_timer = (rng.random(n) < 0.28) & (cust["signup"] >= 0)
    lifetime = np.where(one_timer, 0.0, rng.exponential(420.0, n))
    t_end = t + lifetime
    median_gap = np.where(member, 37.0, 45.0)  # operational days; calibrated to calendar medians ~22 vs ~30

    alive = np.where(~cust["prospect"] & (t < horizon))[0]
    t = t[alive]
    t_end = t_end[alive]
    out_c, out_t = [], []
    for _ in range(90):  # rounds of "next order", vectorised over still-active customers
        if alive.size == 0:
            break
        out_c.append(alive)
        out_t.append(t)
        gap = median_gap[alive] * np.exp(0.5 * rng.standard_normal(alive.size))
        comeback = rng.random(alive.size) < 0.035  # a long break, after which the customer comes back
        pause = rng.uniform(130, 330, alive.size)
        gap = np.where(comeback, gap + pause, gap)
        t_end = np.where(comeback, t_end + pause, t_end)
        t = t + gap
        keep = (t <= t_end) & (t < horizon[alive])
        alive, t, t_end = alive[keep], t[keep], t_end[keep]
    c = np.concatenate(out_c)
    tt = np.concatenate(out_t)
    is_m = member[c]
    day = np.where(is_m, np.searchsorted(cum_m, tt, side="right"), np.searchsorted(cum_o, tt, side="right"))
    day = np.minimum(day, len(cal.days) - 1)
    keep = day >= cal.offset
    return c[keep], day[keep]


@dataclass
class Orders:
    """Order headers in chronological order (order number = index + 1), as arrays of codes; cust -1 is a guest."""

    cust: np.ndarray
    day: np.ndarray  # 0..730, days since DEMO_START
    seconds: np.ndarray  # time of day
    channel: np.ndarray
    device: np.ndarray
    cancelled: np.ndarray
    is_react: np.ndarray  # an extra order of the reactivation test's treatment arm
    campaign: np.ndarray  # index into the campaigns frame, -1 none
    is_presale: np.ndarray
    rate: np.ndarray  # discount rate off the list price


def order_headers(rng: np.random.Generator, cal: Calendar, cust: dict[str, np.ndarray],
                  progress: ProgressFn | None = None) -> tuple[Orders, pd.DataFrame]:
    """Return every order's header (customers' and guests', with the reactivation test's extra orders) and the
    reactivation outreach table."""
    n_days = 731  # DEMO_START..DEMO_END inclusive
    o_cust, o_day_ext = order_events(rng, cal, cust)
    o_day = o_day_ext - cal.offset  # 0..730

    # Guest orders (~2%): no customer id, dated by the non-member intensity.
    n_guest = int(round(o_cust.size * 0.02 / 0.98))
    w_demo = cal.w_other[cal.offset:]
    g_day = rng.choice(n_days, n_guest, p=w_demo / w_demo.sum())
    o_cust = np.concatenate([o_cust, np.full(n_guest, -1)])
    o_day = np.concatenate([o_day, g_day])

    # Channel: first-order and sticky orders keep the signup channel; others follow the (shifting) channel mix.
    n_o = o_cust.size
    frac = o_day / 730.0
    mixed = pick_rows(rng, channel_mix(frac))
    sticky = (o_cust >= 0) & (rng.random(n_o) < 0.35)
    channel = np.where(sticky, cust["channel"][np.maximum(o_cust, 0)], mixed)
    device = pick_rows(rng, DEVICE_GIVEN_CHANNEL[channel])

    # Planted anomaly: on 2026-11-03 a broken mobile landing page for paid_ads loses 75% of those orders.
    anomaly_day = (ANOMALY_DAY - DEMO_START).days
    hit = (o_day == anomaly_day) & (channel == CHANNELS.index("paid_ads")) & (device == DEVICES.index("mobile_web"))
    keep = ~(hit & (rng.random(n_o) < 0.75))
    o_cust, o_day, channel, device = o_cust[keep], o_day[keep], channel[keep], device[keep]
    cancelled = rng.random(o_cust.size) < 0.03

    if progress is not None:
        progress(0.25, "reactivation test")
    outreach, extra = reactivation(rng, cust, o_cust, o_day, cancelled)
    if extra["cust"].size:
        o_cust = np.concatenate([o_cust, extra["cust"]])
        o_day = np.concatenate([o_day, extra["day"]])
        channel = np.concatenate([channel, np.full(extra["cust"].size, CHANNELS.index("wecom"))])
        device = np.concatenate([device, pick_rows(rng, DEVICE_GIVEN_CHANNEL[np.full(extra["cust"].size, 4)])])
        cancelled = np.concatenate([cancelled, np.zeros(extra["cust"].size, dtype=bool)])
    is_react = np.zeros(o_cust.size, dtype=bool)
    is_react[o_cust.size - extra["cust"].size:] = True

    # Time of day, then sort chronologically so order numbers follow time.
    seconds = rng.choice(24, o_cust.size, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum()) * 3600 + rng.integers(0, 3600, o_cust.size)
    sort = np.lexsort((seconds, o_day))
    o_cust, o_day, channel, device, cancelled, is_react, seconds = (
        a[sort] for a in (o_cust, o_day, channel, device, cancelled, is_react, seconds))
    n_o = o_cust.size
    member_order = (o_cust >= 0) & (cust["tier"][np.maximum(o_cust, 0)] > 0)

    # Campaigns: big sale / flash sale by day; member day for members' orders on Tuesdays; reactivation orders.
    ext_day = o_day + cal.offset
    camp = cal.campaign_of_day[ext_day].copy()
    md = cal.member_day_campaign[ext_day]
    camp = np.where((camp < 0) & (md >= 0) & member_order, md, camp)
    react_k = int(np.where(cal.campaigns["campaign_id"].to_numpy() == OUTREACH_CAMPAIGN)[0][0])
    camp = np.where(is_react, react_k, camp)
    is_presale = cal.presale[ext_day] & (camp >= 0) & (cal.campaigns["kind"].to_numpy()[np.maximum(camp, 0)] == "big_sale")
    rate = np.where(camp >= 0, cal.discount_of_campaign[np.maximum(camp, 0)], 0.0)
    coupon = (camp < 0) & (rng.random(n_o) < 0.12)
    rate = np.where(coupon, 0.05, rate) * rng.uniform(0.85, 1.15, n_o)
    return Orders(o_cust, o_day, seconds, channel, device, cancelled, is_react, camp, is_presale, rate), outreach


def reactivation(rng: np.random.Generator, cust: dict[str, np.ndarray], o_cust: np.ndarray, o_day: np.ndarray,
                 cancelled: np.ndarray) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Return the outreach A/B table and the extra orders the treatment's comeback gift caused."""
    n_c = cust["signup"].size
    sent = (OUTREACH_DATE - DEMO_START).days
    valid = ~cancelled & (o_cust >= 0)
    before = valid & (o_day < sent)
    last = np.full(n_c, -10**6)
    np.maximum.at(last, o_cust[before], o_day[before])
    recency = sent - last
    eligible = np.where((recency > 90) & (recency <= 180))[0]
    target = min(eligible.size, int(round(2000 * n_c / 20000)))
    chosen = np.sort(rng.choice(eligible, target, replace=False))
    treat = rng.random(target) < 0.5
    after = valid & (o_day > sent) & (o_day <= sent + 30)
    first_after = np.full(n_c, 10**6)
    np.minimum.at(first_after, o_cust[after], o_day[after])
    natural = first_after[chosen] < 10**6
    # The comeback gift converts about 8 more points of the treatment arm (playbook: +8% over plain SMS).
    t_idx = np.where(treat & ~natural)[0]
    n_extra = min(t_idx.size, int(round(0.085 * treat.sum())))
    lucky = np.sort(rng.choice(t_idx, n_extra, replace=False))
    extra_day = sent + rng.integers(1, 31, n_extra)
    conv_day = np.where(natural, first_after[chosen], 10**6)
    conv_day[lucky] = np.minimum(conv_day[lucky], extra_day)
    converted = conv_day < 10**6
    frame = pd.DataFrame({
        "cust": chosen.astype(np.int64),
        "sent_date": OUTREACH_DATE,
        "arm": np.where(treat, "treatment", "control"),
        "offer": np.where(treat, "限时回归礼包（满99减20）+ 个性化推荐", "普通短信提醒"),
        "converted": converted,
        "converted_date": [DEMO_START + timedelta(days=int(d)) if d < 10**6 else None for d in conv_day],
    })
    return frame, {"cust": chosen[lucky], "day": extra_day}


@dataclass
class Lines:
    """Order lines sorted by order (order index into Orders), with the unit price paid."""

    order: np.ndarray
    prod: np.ndarray
    qty: np.ndarray
    price: np.ndarray


def lines_line_no(l_order: np.ndarray) -> np.ndarray:
    """Return 1-based line numbers for line arrays sorted by order."""
    idx = np.arange(l_order.size)
    starts = np.r_[0, np.flatnonzero(np.diff(l_order)) + 1]
    first = np.repeat(starts, np.diff(np.r_[starts, l_order.size]))
    return (idx - first + 1).astype(np.int32)


def _pick_lines(rng: np.random.Generator, cat: Catalogue, cust: dict[str, np.ndarray], o_cust: np.ndarray,
                o_day: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (order index, product index, quantity) of every order line, deduplicated per order and sorted."""
    n_o = o_cust.size
    n_prod = cat.popularity.size
    n_lines = rng.choice(np.arange(1, 5), n_o, p=[0.12, 0.27, 0.33, 0.28])
    bundle_kind = np.where(rng.random(n_o) < 0.06, rng.integers(0, len(cat.bundles), n_o), -1)
    n_lines = np.where(bundle_kind >= 0, np.maximum(n_lines, 3), n_lines)
    l_order = np.repeat(np.arange(n_o), n_lines)
    l_pos = lines_line_no(l_order) - 1
    n_l = l_order.size

    # Favourites: each customer re-buys three preferred products (never the size-chart T-shirt, which disappoints).
    n_c = cust["signup"].size
    fav = rng.choice(n_prod, (n_c, 3), p=cat.popularity)
    tshirt_alt = np.where(cat.category_idx == 0)[0][1:]
    fav = np.where(fav == 0, tshirt_alt[rng.integers(0, tshirt_alt.size, (n_c, 3))], fav)
    members = cust["tier"] > 0
    l_cust = o_cust[l_order]
    use_fav = (l_cust >= 0) & (rng.random(n_l) < np.where(members[np.maximum(l_cust, 0)], 0.42, 0.36))
    prod = rng.choice(n_prod, n_l, p=cat.popularity)
    prod = np.where(use_fav, fav[np.maximum(l_cust, 0), rng.integers(0, 3, n_l)], prod)
    b = bundle_kind[l_order]
    in_bundle = (b >= 0) & (l_pos < 3) & (rng.random(n_l) < 0.9)
    prod = np.where(in_bundle, cat.bundles[np.maximum(b, 0), np.minimum(l_pos, 2)], prod)
    # Disappointed T-shirt buyers (unclear size chart) rarely buy it again: most repeat picks go elsewhere in Apparel.
    tshirt_lines = np.where((prod == 0) & (l_cust >= 0))[0]  # lines are in chronological order
    _, first_pos = np.unique(l_cust[tshirt_lines], return_index=True)
    repeat = np.ones(tshirt_lines.size, dtype=bool)
    repeat[first_pos] = False
    swap = tshirt_lines[repeat & (rng.random(tshirt_lines.size) < 0.85)]
    prod[swap] = tshirt_alt[rng.integers(0, tshirt_alt.size, swap.size)]
    # Nothing sells before its launch: fall back to an older product of the same category.
    not_yet = cat.launch_day[prod] > o_day[l_order]
    prod = np.where(not_yet, cat.substitute[prod], prod)

    consumable = np.isin(cat.category_idx[prod], [CATEGORIES.index(c) for c in ("Food", "Pet", "Baby", "Beauty")])
    qty_roll = rng.random(n_l)
    qty = np.where(consumable, 1 + (qty_roll > 0.55) + (qty_roll > 0.8) + (qty_roll > 0.93),
                   1 + (qty_roll > 0.8) + (qty_roll > 0.95) + (qty_roll > 0.99))

    # One line per product per order (a repeated pick means a bigger quantity would be nicer, but keep it simple).
    key = l_order.astype(np.int64) * n_prod + prod
    order = np.argsort(key, kind="stable")
    key_sorted = key[order]
    first = np.r_[True, key_sorted[1:] != key_sorted[:-1]]
    sel = order[first]
    sel.sort()
    return l_order[sel], prod[sel], qty[sel]


def order_lines(rng: np.random.Generator, cat: Catalogue, cust: dict[str, np.ndarray],
                orders: Orders) -> tuple[Lines, np.ndarray]:
    """Return the order lines with their discounted prices, and each order's discount (list minus paid)."""
    l_order, l_prod, l_qty = _pick_lines(rng, cat, cust, orders.cust, orders.day)
    list_price = cat.frame["price"].to_numpy()[l_prod]
    l_price = np.round(list_price * (1 - orders.rate[l_order]), 2)
    discount = np.bincount(l_order, weights=l_qty * (list_price - l_price), minlength=orders.cust.size)
    return Lines(l_order, l_prod, l_qty, l_price), discount


def settle(rng: np.random.Generator, orders: Orders, lines: Lines) -> tuple[np.ndarray, np.ndarray]:
    """Return (status code, holds the T-shirt) per order: recent orders still paid/shipped; ~4% returned (the T-shirt
    far more often); ~3% cancelled."""
    n_o = orders.cust.size
    age = 730 - orders.day
    has_tshirt = np.zeros(n_o, dtype=bool)
    has_tshirt[lines.order[lines.prod == 0]] = True
    r = rng.random(n_o)
    status = np.full(n_o, STATUSES.index("completed"))
    status = np.where(age <= 9, np.where(r < 0.3, 2, 1), status)
    status = np.where(age <= 2, np.where(r < 0.6, 0, 1), status)
    ret_p = np.where(has_tshirt, 0.2, 0.034)
    returned = (age >= 6) & (rng.random(n_o) < ret_p) & ~orders.is_react
    status = np.where(returned, STATUSES.index("returned"), status)
    status = np.where(orders.cancelled, STATUSES.index("cancelled"), status)
    return status, has_tshirt


def order_timestamps(orders: Orders) -> np.ndarray:
    """Return each order's timestamp (datetime64[s])."""
    return np.datetime64(DEMO_START, "s") + (orders.day.astype(np.int64) * 86400 + orders.seconds).astype("timedelta64[s]")
