"""The demo's traffic: daily visitors and the funnel per channel and device (consistent with the orders, with the
planted 2026-11-03 paid_ads x mobile_web anomaly), scroll depth on detail pages, ad spend by campaign and audience,
and on-site search keywords (core, long-tail, the growing pet-feeder query)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ecomops.demo.calendar import MONTH_FACTOR, WEEKDAY_FACTOR, Calendar
from ecomops.demo.catalogue import Catalogue
from ecomops.demo.constants import AD_CHANNELS, ANOMALY_DAY, CHANNELS, DEMO_START, DEVICES, PET_FEEDER_KEYWORD


def funnel_counts(o_cust: np.ndarray, o_day: np.ndarray, channel: np.ndarray, device: np.ndarray,
                  valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (orders, buyers) per (day, channel, device) cell; buyers are distinct customers with a valid order
    (guests are not buyers). Both add up over disjoint sets of customers, so chunks of customers can be summed."""
    n_days, n_ch, n_dev = 731, len(CHANNELS), len(DEVICES)
    cell = (o_day * n_ch + channel) * n_dev + device
    size = n_days * n_ch * n_dev
    orders_all = np.bincount(cell, minlength=size).reshape(n_days, n_ch, n_dev)
    vb = valid & (o_cust >= 0)
    pair = np.unique(cell[vb].astype(np.int64) * (o_cust.max() + 2) + o_cust[vb])
    buyers = np.bincount(pair // (o_cust.max() + 2), minlength=size).reshape(n_days, n_ch, n_dev)
    return orders_all, buyers


def traffic(rng: np.random.Generator, orders_all: np.ndarray, buyers: np.ndarray,
            demo_days: pd.DatetimeIndex) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return traffic_daily (funnel consistent with the orders and buyers per cell of ``funnel_counts``) and
    scroll_depth frames."""
    n_days, n_ch, n_dev = 731, len(CHANNELS), len(DEVICES)
    # Smooth the expected buyers so UV does not jump with every order; conversion then varies realistically.
    # A centred 7-day rolling median: robust to sale-day spikes, which keep their own (higher) conversion.
    smooth = np.apply_along_axis(lambda s: np.median(np.lib.stride_tricks.sliding_window_view(
        np.r_[s[:3][::-1], s, s[-3:][::-1]], 7), axis=1), 0,
                                 buyers.reshape(n_days, -1).astype(float)).reshape(buyers.shape)
    conv_ch = np.array([0.040, 0.024, 0.020, 0.030, 0.075, 0.050])
    conv_dev = np.array([1.2, 0.85, 1.0])
    conv = conv_ch[None, :, None] * conv_dev[None, None, :] * np.exp(0.06 * rng.standard_normal(buyers.shape))
    expected = 0.5 * buyers + 0.5 * smooth + 0.4
    uv = np.maximum(np.round(expected / conv), buyers * 8 + 5)
    a = (ANOMALY_DAY - DEMO_START).days
    hit = (a, CHANNELS.index("paid_ads"), DEVICES.index("mobile_web"))
    uv[hit] = np.round(2.6 * (smooth[hit] + 0.4) / conv[hit])  # bad creative and a broken landing page: UV up, orders down
    pv_per_uv = np.array([3.2, 2.6, 3.8])[None, None, :] * np.exp(0.05 * rng.standard_normal(buyers.shape))
    pview_per_uv = np.array([1.35, 1.1, 1.5])[None, None, :] * np.exp(0.05 * rng.standard_normal(buyers.shape))
    product_views = np.round(uv * pview_per_uv)
    checkouts = np.ceil(orders_all * rng.uniform(1.15, 1.45, buyers.shape))
    add_to_cart = np.minimum(np.maximum(np.round(uv * rng.uniform(0.08, 0.12, buyers.shape)), checkouts), product_views)
    pv = np.maximum(np.round(uv * pv_per_uv), product_views)
    d_idx, c_idx, v_idx = np.meshgrid(np.arange(n_days), np.arange(n_ch), np.arange(n_dev), indexing="ij")
    traffic = pd.DataFrame({
        "day": demo_days[d_idx.ravel()].date,
        "channel": np.array(CHANNELS)[c_idx.ravel()],
        "device": np.array(DEVICES)[v_idx.ravel()],
        "uv": uv.ravel().astype(np.int64), "pv": pv.ravel().astype(np.int64),
        "product_views": product_views.ravel().astype(np.int64), "add_to_cart": add_to_cart.ravel().astype(np.int64),
        "checkouts": checkouts.ravel().astype(np.int64),
    })
    # Scroll depth on detail pages: ~60% of visitors leave at the 3rd screen.
    reach = np.array([1.0, 0.9, 0.78, 0.18, 0.14, 0.105, 0.08, 0.06])
    detail_visitors = np.round(uv.sum(axis=1) * 0.7)  # (days, devices)
    noise = np.exp(0.03 * rng.standard_normal((n_days, n_dev, reach.size)))
    noise[:, :, 0] = 1.0
    visitors = np.round(detail_visitors[:, :, None] * reach[None, None, :] * noise)
    visitors = np.minimum.accumulate(visitors, axis=2)
    d_idx, v_idx, s_idx = np.meshgrid(np.arange(n_days), np.arange(n_dev), np.arange(reach.size), indexing="ij")
    scroll = pd.DataFrame({
        "day": demo_days[d_idx.ravel()].date, "device": np.array(DEVICES)[v_idx.ravel()],
        "screen": (s_idx.ravel() + 1).astype(np.int32), "visitors": visitors.ravel().astype(np.int64),
    })
    return traffic, scroll


_AUDIENCES = {  # channel -> [(audience, share of attributed GMV, relative ROI)]
    "paid_ads": [("新客拉新", 0.42, 1.1), ("老客召回", 0.30, 1.35), ("相似人群扩展", 0.22, 0.95), ("宽泛定向人群", 0.06, 0.2)],
    "douyin_live": [("直播间粉丝", 0.5, 1.15), ("达人相似粉", 0.3, 0.95), ("泛兴趣人群", 0.2, 0.75)],
    "xiaohongshu": [("种草笔记互动人群", 0.5, 1.15), ("搜索意向人群", 0.3, 1.0), ("泛兴趣人群", 0.2, 0.72)],
    "search": [("品牌词", 0.4, 1.3), ("品类词", 0.4, 0.9), ("长尾词", 0.2, 0.85)],
}


def ad_spend(rng: np.random.Generator, chan_gmv: np.ndarray, cal: Calendar, demo_days: pd.DatetimeIndex) -> pd.DataFrame:
    """Return ad_spend rows: attributed GMV is a share of the channel's real GMV; spend follows the ROI targets."""
    n_days = chan_gmv.shape[0]
    frac = np.arange(n_days) / (n_days - 1)
    roi = {"paid_ads": 2.5 + 1.3 * frac, "douyin_live": np.full(n_days, 4.2), "xiaohongshu": np.full(n_days, 1.5),
           "search": np.full(n_days, 3.0)}
    attr_share = {"paid_ads": 0.62, "douyin_live": 0.7, "xiaohongshu": 0.45, "search": 0.5}
    camp_ids = cal.campaigns["campaign_id"].to_numpy()
    kinds = cal.campaigns["kind"].to_numpy()
    big = cal.campaign_of_day[cal.offset:]
    frames = []
    for ch in AD_CHANNELS:
        real = chan_gmv[:, CHANNELS.index(ch)]
        padded = np.r_[real[:3][::-1], real, real[-3:][::-1]]
        smooth = np.convolve(padded, np.ones(7) / 7, "valid")
        auds = _AUDIENCES[ch]
        share = np.array([a[1] for a in auds])
        rel = np.array([a[2] for a in auds])
        rel = rel * (share / rel).sum()  # so the channel's overall ROI (share-weighted harmonic mean) is the target
        day_big = (big >= 0) & (kinds[np.maximum(big, 0)] == "big_sale")
        for camp_name, camp_share in (("日常投放", None), ("大促专项", None)):
            cs = np.where(day_big, 0.6, 0.0) if camp_name == "大促专项" else np.where(day_big, 0.4, 1.0)
            label = np.where(day_big, camp_ids[np.maximum(big, 0)], "") if camp_name == "大促专项" else None
            for (aud, s, _), r in zip(auds, rel):
                noise = np.exp(0.12 * rng.standard_normal(n_days))
                attributed = real * attr_share[ch] * s * cs * np.minimum(noise, 1.4)
                spend = smooth * attr_share[ch] * s * cs / (roi[ch] * r) * np.exp(0.05 * rng.standard_normal(n_days))
                cpc = {"paid_ads": 1.8, "douyin_live": 1.2, "xiaohongshu": 0.9, "search": 2.4}[ch]
                clicks = np.round(spend / (cpc * np.exp(0.1 * rng.standard_normal(n_days))))
                impressions = np.round(clicks / (0.018 * np.exp(0.15 * rng.standard_normal(n_days))))
                mask = cs > 0
                frames.append(pd.DataFrame({
                    "day": demo_days[mask].date, "channel": ch,
                    "campaign": label[mask] if label is not None else f"{ch}-日常投放",
                    "audience": aud, "spend": np.round(np.maximum(spend[mask], 1.0), 2),
                    "impressions": impressions[mask].astype(np.int64), "clicks": clicks[mask].astype(np.int64),
                    "attributed_gmv": np.round(attributed[mask], 2),
                }))
    return pd.concat(frames, ignore_index=True)


_KEYWORDS_CORE = {
    "Apparel": ["T恤", "防晒衣", "阔腿裤", "羽绒服", "连衣裙", "牛仔裤"],
    "Beauty": ["洗面奶", "精华液", "防晒霜", "口红", "面霜"],
    "Home": ["四件套", "枕头", "收纳箱", "窗帘", "地毯"],
    "Kitchen": ["保温杯", "炒锅", "空气炸锅", "咖啡壶", "保鲜盒"],
    "Pet": ["猫粮", "猫砂", "猫爬架", "狗粮", "宠物饮水机"],
    "Sports": ["瑜伽垫", "哑铃", "跳绳", "筋膜枪", "护膝"],
    "Electronics": ["蓝牙耳机", "充电器", "充电宝", "键盘", "智能手表"],
    "Food": ["坚果", "咖啡", "燕麦片", "茶叶", "鸡胸肉"],
    "Baby": ["纸尿裤", "湿巾", "辅食机", "绘本", "推车"],
    "Outdoor": ["帐篷", "露营椅", "登山杖", "冲锋衣", "露营灯"],
}
_LONG_TAIL_PREFIX = ["初学者", "加厚", "防滑", "便携", "大容量", "静音", "儿童", "女士", "男士", "高颜值", "平价", "学生"]
_KEYWORDS_EN = [("yoga mat", "Sports"), ("coffee", "Food"), ("earbuds", "Electronics"), ("sunscreen", "Beauty"),
                ("cat litter", "Pet"), ("tent", "Outdoor"), ("hoodie", "Apparel"), ("air fryer", "Kitchen"),
                ("baby wipes", "Baby"), ("pillow", "Home"), ("power bank", "Electronics"), ("vitamin c serum", "Beauty")]


def search_keywords(rng: np.random.Generator, cat: Catalogue, cal: Calendar, demo_days: pd.DatetimeIndex,
                    customers: int) -> pd.DataFrame:
    """Return daily on-site search rows for ~150 keywords (core, long-tail, English, the growing pet feeder)."""
    words: list[tuple[str, str, float, float]] = []  # keyword, category, base searches/day per 20k customers, price
    for c, core in _KEYWORDS_CORE.items():
        for w in core:
            words.append((w, c, float(rng.uniform(25, 90)), float(rng.uniform(40, 300))))
    for c, core in _KEYWORDS_CORE.items():
        prefixes = rng.choice(_LONG_TAIL_PREFIX, 8, replace=False)
        for k in range(8):
            w = str(rng.choice(core))
            words.append((f"{prefixes[k]}{w}", c, float(rng.uniform(2, 12)), float(rng.uniform(40, 300))))
    for w, c in _KEYWORDS_EN:
        words.append((w, c, float(rng.uniform(3, 15)), float(rng.uniform(40, 300))))
    words.append(("初学者防滑瑜伽垫", "Sports", 14.0, 99.0))
    words.append((PET_FEEDER_KEYWORD, "Pet", 6.0, 299.0))
    words.append(("实木猫爬架 大型", "Pet", 3.0, 1299.0))  # niche, high price, steady demand
    seen: dict[str, tuple[str, str, float, float]] = {}
    for row in words:
        seen.setdefault(row[0], row)  # first wins; dict keeps insertion order (deterministic)
    words = list(seen.values())
    n_days = len(demo_days)
    # Search interest follows the month and weekday pattern, with a moderate bump (not the order spike) on sale days.
    demo_dates = demo_days
    season = MONTH_FACTOR[demo_dates.month.to_numpy() - 1] * WEEKDAY_FACTOR[demo_dates.weekday.to_numpy()]
    season = season * np.where(cal.campaign_of_day[cal.offset:] >= 0, 1.3, 1.0)
    scale = customers / 20000
    frames = []
    for kw, c, base, price in words:
        level = base * scale * season
        if kw == PET_FEEDER_KEYWORD:  # +300% over the last 8 weeks
            ramp = np.ones(n_days)
            last = np.arange(n_days - 56, n_days)
            ramp[last] = 3.2 ** ((last - (n_days - 56)) / 55)  # x3.2, times the Nov season: ~+300%
            level = level * ramp
        if kw == "实木猫爬架 大型":
            level = np.full(n_days, base * scale)
        searches = rng.poisson(level)
        clicks = rng.binomial(searches, float(rng.uniform(0.25, 0.5)))
        orders = rng.binomial(clicks, 0.03 if price > 1000 else float(rng.uniform(0.05, 0.12)))
        gmv = np.round(orders * price * np.exp(0.1 * rng.standard_normal(n_days)), 2)
        frames.append(pd.DataFrame({"day": demo_days.date, "keyword": kw, "category": c, "searches": searches,
                                    "clicks": clicks, "orders": orders, "gmv": gmv}))
    out = pd.concat(frames, ignore_index=True)
    return out[out["searches"] > 0]
