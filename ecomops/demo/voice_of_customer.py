"""The voice of the customer in the demo: reviews of about 30% of completed orders (ratings, Chinese and English
text, replies within or beyond 24 hours, size complaints about the T-shirt) and the surveys of lost customers
(reasons led by cheaper competitors)."""
from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd

from ecomops.demo.catalogue import Catalogue
from ecomops.demo.constants import DEMO_END, DEMO_START, STATUSES

_REVIEW_TEXT = {
    ("zh", 5): ["质量很好，超出预期，会回购。", "物流很快，包装完好，非常满意。", "做工精细，性价比高，推荐！",
                "用了一段时间，效果不错，好评。", "颜值高，家人都说好。"],
    ("zh", 4): ["整体不错，就是发货稍慢。", "质量可以，价格合适。", "还行，和描述基本一致。", "挺好用的，包装一般。"],
    ("zh", 3): ["一般般，没有想象中好。", "中规中矩，凑合用。", "质量一般，价格偏高。"],
    ("zh", 2): ["质量不太好，有点失望。", "物流太慢了，等了一周。", "和图片差别较大。"],
    ("zh", 1): ["质量太差，用两天就坏了，要求退货。", "客服不理人，非常差的体验。", "收到就是破损的，差评。"],
    ("en", 5): ["Great quality, exceeded my expectations.", "Fast delivery and works perfectly.", "Love it, will buy again."],
    ("en", 4): ["Good value, shipping was a bit slow.", "Pretty good, as described."],
    ("en", 3): ["It's okay, nothing special.", "Average quality for the price."],
    ("en", 2): ["Not great, quality feels cheap.", "Disappointed, looks different from the photos."],
    ("en", 1): ["Broke after two days, terrible.", "Awful experience, arrived damaged."],
}
_SIZE_COMPLAINTS = {
    "zh": ["尺码偏小，按平时尺码买穿不上，尺码表不清楚。", "尺码不准，偏小一码，只能退货。", "尺码表看不懂，买大了又买小了，差评。"],
    "en": ["Size runs small, the size chart is unclear.", "Had to return it, the size runs small."],
}


def reviews(rng: np.random.Generator, cat: Catalogue, o_cust: np.ndarray, ts: np.ndarray, status: np.ndarray,
            l_order: np.ndarray, l_prod: np.ndarray) -> pd.DataFrame:
    """Return reviews of ~30% of completed orders (one line each); the T-shirt draws size complaints."""
    n_o = o_cust.size
    completed = status == STATUSES.index("completed")
    returned = status == STATUSES.index("returned")
    pick = (completed & (rng.random(n_o) < 0.30)) | (returned & (rng.random(n_o) < 0.35))
    orders = np.where(pick)[0]
    starts = np.searchsorted(l_order, orders)
    ends = np.searchsorted(l_order, orders, side="right")
    line = starts + np.floor(rng.random(orders.size) * (ends - starts)).astype(np.int64)
    prod = l_prod[line]
    # Prefer the T-shirt when the order holds it: that is what buyers complain about.
    tshirt_orders = np.zeros(n_o, dtype=bool)
    tshirt_orders[l_order[l_prod == 0]] = True
    prod = np.where(tshirt_orders[orders], 0, prod)
    is_tshirt = prod == 0
    n = orders.size
    r = rng.random(n)
    rating = np.select([r < 0.66, r < 0.91, r < 0.98, r < 0.99], [5, 4, 3, 2], 1)
    bad = rng.random(n)
    rating = np.where(is_tshirt & (bad < 0.30), np.where(bad < 0.15, 1, 2), rating)
    rating = np.where(returned[orders] & ~is_tshirt & (bad < 0.4), np.where(bad < 0.2, 1, 2), rating)
    size_text = is_tshirt & (rating <= 3)
    lang = np.where(rng.random(n) < 0.15, "en", "zh")
    text = np.empty(n, dtype=object)
    pick_roll = rng.random(n)
    for (lg, stars), texts in _REVIEW_TEXT.items():
        m = (lang == lg) & (rating == stars) & ~size_text
        text[m] = np.array(texts, dtype=object)[(pick_roll[m] * len(texts)).astype(int)]
    for lg, texts in _SIZE_COMPLAINTS.items():
        m = (lang == lg) & size_text
        text[m] = np.array(texts, dtype=object)[(pick_roll[m] * len(texts)).astype(int)]
    created = ts[orders] + (rng.uniform(3, 14, n) * 86400).astype("timedelta64[s]")
    negative = rating <= 2
    replied_p = np.where(negative, 0.88, 0.25)
    replied = rng.random(n) < replied_p
    delay_h = np.where(negative, rng.lognormal(np.log(9), 0.9, n), rng.uniform(1, 72, n))
    replied_ts = created + (delay_h * 3600).astype("timedelta64[s]")
    end = np.datetime64(DEMO_END + timedelta(days=1), "s")
    replied = replied & (replied_ts < end)
    text_only = rng.random(n) < 0.10
    keep = created < end
    frame = pd.DataFrame({
        "order_no": orders[keep].astype(np.int64) + 1, "prod": prod[keep].astype(np.int64),
        "cust": o_cust[orders][keep].astype(np.int64),
        "rating": pd.array(np.where(text_only, -1, rating)[keep], dtype="Int64").astype("Int64"),
        "review_text": text[keep], "created_ts": created[keep],
        "replied_ts": pd.Series(np.where(replied, replied_ts, np.datetime64("NaT"))[keep]),
        "language": lang[keep],
    })
    frame.loc[frame["rating"] == -1, "rating"] = pd.NA
    return frame


_SURVEY_REASONS = [
    ("价格更低的竞品", 0.34, ["别家同款便宜很多", "看到竞品9.9包邮就去买了", "直播间价格更低"]),
    ("物流慢", 0.18, ["等了一周才到", "偏远地区发货太慢"]),
    ("质量问题", 0.15, ["用了几次就坏了", "和描述不符"]),
    ("尺码不合适", 0.11, ["尺码表不清楚，买了两次都不合适", "偏小一码"]),
    ("不再需要", 0.12, [None]),
    ("客服体验差", 0.10, ["客服回复太慢", "退货流程麻烦"]),
]


def surveys(rng: np.random.Generator, o_cust: np.ndarray, o_day: np.ndarray, valid: np.ndarray,
            has_tshirt: np.ndarray) -> pd.DataFrame:
    """Return survey answers of some lost customers (> 180 days since their last valid order)."""
    vb = valid & (o_cust >= 0)
    n_c = int(o_cust.max()) + 1
    last = np.full(n_c, -1)
    np.maximum.at(last, o_cust[vb], o_day[vb])
    bought_tshirt = np.zeros(n_c, dtype=bool)
    bought_tshirt[o_cust[vb & has_tshirt]] = True
    lost = np.where((last >= 0) & (730 - last > 180))[0]
    resp = lost[rng.random(lost.size) < 0.08]
    p = np.array([r[1] for r in _SURVEY_REASONS])
    reason = rng.choice(len(p), resp.size, p=p / p.sum())
    size_k = [r[0] for r in _SURVEY_REASONS].index("尺码不合适")
    reason = np.where(bought_tshirt[resp] & (rng.random(resp.size) < 0.5), size_k, reason)
    comment = [(_SURVEY_REASONS[k][2][int(u * len(_SURVEY_REASONS[k][2]))]) for k, u in
               zip(reason, rng.random(resp.size))]
    resp_day = np.minimum(last[resp] + rng.integers(181, 320, resp.size), 730)
    return pd.DataFrame({
        "cust": resp.astype(np.int64),
        "response_date": np.datetime64(DEMO_START, "D") + resp_day.astype("timedelta64[D]"),
        "reason": [_SURVEY_REASONS[k][0] for k in reason], "comment": comment,
    })
