"""Weekly product review: per-product table with week-over-week change, one product's detail, repurchase flags.

"This week" = the 7 days ending on the sidebar's end date, compared with the 7 days before. Channel and category
filters apply to sales. Per-product variants of the METRICS.md figures, named as such:
- product repurchase rate = buyers with 2+ valid orders holding the product / buyers of the product;
- return/cancel rate = orders holding the product with status returned or cancelled / all orders holding it;
- negative-review share = negative reviews / reviews created in the week (negative: rating <= 2; a text-only
  review counts as negative when its text holds a complaint word from ``NEGATIVE_WORDS``);
- price change = change of the realised average unit price (GMV / units) week over week.
Repurchase flags use a longer window (``FLAG_WINDOW_DAYS`` to the end date): a week is too short to repurchase.
"""
from __future__ import annotations

import re

import duckdb
import numpy as np
import pandas as pd

from ecomops import config, db, derived
from ecomops.filters import Filters, slot
from ecomops.i18n import _, fmt, label
from ecomops.products import Window, shifted, trailing

FLAG_WINDOW_DAYS = 90
FLAG_MIN_BUYERS = 30
FLAG_RATIO = 0.5  # flagged when the product's repurchase rate is under half its category's typical rate
FLAG_MAX_Z = -3.0  # ... and that gap is not chance (z-score of repeat buyers at most this)

# Complaint words that mark a text-only review as negative (Chinese and English).
NEGATIVE_WORDS = ("差", "坏", "失望", "破损", "退货", "不好", "太慢", "偏小", "偏大", "不准", "不合适", "垃圾",
                  "terrible", "awful", "broke", "broken", "damaged", "disappointed", "cheap", "runs small",
                  "runs large", "poor", "worst", "return")
NEGATIVE_PATTERN = "|".join(re.escape(w) for w in NEGATIVE_WORDS)

# Themes of complaints, each with the words that signal it; the first theme is the playbook's example.
REASON_THEMES: dict[str, tuple[str, ...]] = {
    "size / fit": ("尺码", "尺寸", "偏小", "偏大", "大小", "码数", "不合身", "穿不上", "size", "fit", "small",
                   "large", "tight", "loose"),
    "quality": ("质量", "做工", "坏", "破", "劣质", "开线", "quality", "broke", "broken", "cheap", "flimsy",
                "defect", "damaged"),
    "looks different": ("色差", "颜色", "图片", "不符", "描述", "color", "colour", "photo", "picture",
                        "looks different", "described"),
    "delivery": ("物流", "快递", "发货", "等了", "慢", "shipping", "delivery", "arrived", "late", "slow"),
    "price / value": ("价格", "贵", "不值", "性价比", "price", "expensive", "overpriced", "value"),
    "service": ("客服", "服务", "态度", "service", "support", "seller"),
    "smell / taste": ("味道", "异味", "难吃", "smell", "taste"),
}

WEEKLY_CHANGE_COLUMNS = ("gmv", "units", "orders", "repurchase_rate", "return_rate", "rating",
                         "negative_share", "avg_price")


def weeks(f: Filters) -> tuple[Window, Window]:
    """Return (this week, the week before): the 7 days ending on the end date and the 7 days before them."""
    week = trailing(f.end, 7)
    return week, shifted(week, 7)


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    den = den.astype(float)
    return num.astype(float) / den.where(den > 0)


def weekly_table(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Return one row per product sold in either week: this week's figures, last week's, and the relative change."""
    week, before = weeks(f)
    derived.ensure(con, derived.PRODUCTS_LINES)
    order_sql, params = slot(f, "lines", dates=False, categories=False)
    category_sql, cat_params = slot(f, "lines", dates=False, channels=False)
    params.update(cat_params)
    params.update(week_start=week.start, end=week.end, prev_start=before.start,
                  neg_max_rating=config.thresholds(con).negative_rating_max, neg_pattern=NEGATIVE_PATTERN)
    # Buyers along the purchase chain unless channels are chosen (the chain runs over every channel).
    buyers = db.load_sql("products/weekly_buyers_grouped" if f.channels else "products/weekly_buyers_chained")
    sql = db.load_sql("products/weekly").format(order_where=order_sql, category_where=category_sql, buyers=buyers)
    t = db.query_df(con, sql, params)
    for suffix in ("", "_prev"):
        t["repurchase_rate" + suffix] = _ratio(t["repeat_buyers" + suffix], t["buyers" + suffix])
        t["return_rate" + suffix] = _ratio(t["returned_or_cancelled" + suffix], t["all_orders" + suffix])
        t["negative_share" + suffix] = _ratio(t["negative_reviews" + suffix], t["reviews" + suffix])
        t["avg_price" + suffix] = _ratio(t["gmv" + suffix], t["units" + suffix])
    for name in WEEKLY_CHANGE_COLUMNS:
        t[name + "_wow"] = _ratio(t[name] - t[name + "_prev"], t[name + "_prev"])
    return t


def flag_window(f: Filters, days: int = FLAG_WINDOW_DAYS) -> Window:
    """Return the window of the repurchase comparison: ``days`` days to the end date."""
    return trailing(f.end, days)


def repurchase_vs_category(con: duckdb.DuckDBPyConnection, f: Filters, days: int = FLAG_WINDOW_DAYS,
                           min_buyers: int = FLAG_MIN_BUYERS) -> pd.DataFrame:
    """Return each product's repurchase rate with its category's typical rate and a z-score of the gap.

    The category's typical rate is the median product repurchase rate over its products with at least
    ``min_buyers`` buyers: a median, because one mega-seller would dominate a pooled rate, and product-level, because
    a category as a whole is always repurchased more often than any one of its products. The z-score compares the
    product's repeat buyers with what the typical rate predicts for its buyers (binomial, normal approximation).
    """
    window = flag_window(f, days)
    derived.ensure(con, derived.PRODUCTS_LINES)
    order_sql, params = slot(f, "lines", dates=False, categories=False)
    category_sql, cat_params = slot(f, "lines", dates=False, channels=False)
    params.update(cat_params)
    params.update(start=window.start, end=window.end)
    buyers = db.load_sql("products/repurchase_buyers_grouped" if f.channels
                         else "products/repurchase_buyers_chained")
    sql = db.load_sql("products/repurchase").format(order_where=order_sql, category_where=category_sql,
                                                    product_buyers=buyers)
    rates = db.query_df(con, sql, params)
    judged = rates[rates["buyers"] >= min_buyers]
    typical = judged.groupby("category")["repurchase_rate"].median()
    peers = judged.groupby("category").size()
    rates["category_repurchase_rate"] = rates["category"].map(typical)
    rates["category_products"] = rates["category"].map(peers).fillna(0).astype(int)
    p = rates["category_repurchase_rate"]
    spread = np.sqrt(rates["buyers"] * p * (1 - p))
    rates["z_score"] = (rates["repeat_buyers"] - rates["buyers"] * p) / spread.where(spread > 0)
    return rates


# Per theme: one compiled pattern of its Latin words (whole words) and its Chinese words (substrings: no spaces to
# mark words). A pattern per word and text, compiled on every call, took 3.6 s for a 10M-customer store's flags.
_THEME_MATCHERS = {
    theme: (re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words if w.isascii()) + r")\b"),
            tuple(w for w in words if not w.isascii()))
    for theme, words in REASON_THEMES.items()
}


def _mentions(low: str, theme: str) -> bool:
    pattern, substrings = _THEME_MATCHERS[theme]
    return any(w in low for w in substrings) or pattern.search(low) is not None


def theme_counts(texts: list[str]) -> dict[str, int]:
    """Return how many of the texts mention each complaint theme (a text counts once per theme)."""
    counts = {theme: 0 for theme in REASON_THEMES}
    for text in texts:
        low = (text or "").lower()
        for theme in REASON_THEMES:
            if _mentions(low, theme):
                counts[theme] += 1
    return counts


def likely_reason(texts: list[str], min_share: float = 0.2, min_hits: int = 3) -> tuple[str | None, str]:
    """Return (theme, sentence): the complaint theme most reviews mention, when at least ``min_share`` and
    ``min_hits`` of them do."""
    if not texts:
        return None, _("No complaint reviews in the window to explain it.")
    counts = theme_counts(texts)
    theme, hits = max(counts.items(), key=lambda kv: kv[1])
    if hits < min_hits:
        return None, _("Too few complaint reviews ({n}) to name a reason.", n=fmt.count(len(texts)))
    if hits / len(texts) < min_share:
        return None, _("No single theme stands out in {n} complaint reviews.", n=fmt.count(len(texts)))
    example = next(t for t in texts if _mentions((t or "").lower(), theme))
    return theme, _("{theme}: {hits} of {n} complaint reviews ({share}), e.g. “{example}”",
                    theme=label("complaint_theme", theme), hits=fmt.count(hits), n=fmt.count(len(texts)),
                    share=fmt.percent(hits / len(texts), 0), example=example)


def repurchase_flags(con: duckdb.DuckDBPyConnection, f: Filters, days: int = FLAG_WINDOW_DAYS,
                     min_buyers: int = FLAG_MIN_BUYERS, ratio: float = FLAG_RATIO,
                     max_z: float = FLAG_MAX_Z) -> pd.DataFrame:
    """Return products whose repurchase rate is far below their category's typical rate, with the likely reason.

    Far below = under ``ratio`` x the category's typical rate and a z-score at most ``max_z`` (not chance), among
    products with at least ``min_buyers`` buyers in categories with 3+ such products. The reason comes from the
    product's complaint reviews in the window (rating <= 3, or text-only with a complaint word).
    """
    rates = repurchase_vs_category(con, f, days, min_buyers)
    flagged = rates[(rates["buyers"] >= min_buyers) & (rates["category_products"] >= 3)
                    & (rates["repurchase_rate"] < ratio * rates["category_repurchase_rate"])
                    & (rates["z_score"] <= max_z)].copy()
    cols = list(rates.columns) + ["complaints", "reason_theme", "likely_reason"]
    if flagged.empty:
        return pd.DataFrame(columns=cols)
    window = flag_window(f, days)
    reviews = db.query_df(con, db.load_sql("products/complaints"), {
        "ids": flagged["product_id"].tolist(), "start": window.start, "end": window.end, "pattern": NEGATIVE_PATTERN})
    texts = reviews.groupby("product_id")["review_text"].apply(list).to_dict()
    reasons = [likely_reason(texts.get(pid, [])) for pid in flagged["product_id"]]
    flagged["complaints"] = [len(texts.get(pid, [])) for pid in flagged["product_id"]]
    flagged["reason_theme"] = [theme for theme, _ in reasons]
    flagged["likely_reason"] = [sentence for _, sentence in reasons]
    return flagged.sort_values(["z_score", "buyers"], ascending=[True, False]).reset_index(drop=True)[cols]


def product_daily(con: duckdb.DuckDBPyConnection, f: Filters, product_id: str) -> pd.DataFrame:
    """Return one row per day of the sidebar range for one product: GMV, units and orders (channel filter on)."""
    derived.ensure(con, derived.PRODUCTS_LINES)
    order_sql, params = slot(f, "lines", categories=False)
    params.update(pid=product_id)
    return db.query_df(con, db.load_sql("products/product_daily").format(order_where=order_sql), params)


def product_reviews(con: duckdb.DuckDBPyConnection, f: Filters, product_id: str, limit: int = 30) -> pd.DataFrame:
    """Return the product's latest reviews in the sidebar range (rating, text, when, replied)."""
    return db.query_df(con, db.load_sql("products/product_reviews"),
                       {"pid": product_id, "start": f.start, "end": f.end, "limit": int(limit)})


def also_bought(con: duckdb.DuckDBPyConnection, f: Filters, product_id: str, top: int = 10) -> pd.DataFrame:
    """Return what the product's buyers also bought in the sidebar range: buyers and share of its buyers."""
    derived.ensure(con, derived.PRODUCTS_LINES)
    order_sql, params = slot(f, "lines", categories=False)
    params.update(pid=product_id, top=int(top))
    return db.query_df(con, db.load_sql("products/also_bought").format(order_where=order_sql), params)


def product_choices(weekly: pd.DataFrame, flags: pd.DataFrame | None = None) -> dict[str, str]:
    """Return {product_id: label} for the detail picker: flagged products first, then this week's best sellers."""
    first = [] if flags is None or flags.empty else list(flags["product_id"])
    labels = dict(zip(weekly["product_id"], weekly["title"]))
    if flags is not None and not flags.empty:
        labels.update(zip(flags["product_id"], flags["title"]))
    order = list(dict.fromkeys(first + list(weekly["product_id"])))
    return {pid: f"{labels[pid]} ({pid})" + (" ⚑" if pid in first else "") for pid in order}


def weekly_caption(f: Filters) -> str:
    """Return the sentence naming the week compared, in the current language."""
    week, before = weeks(f)
    return _("This week {week} vs the week before {before}. Ends on the sidebar's end date; channel and category "
             "filters apply.", week=week.label(), before=fmt.date_range(before.start, before.end))



def week_totals(weekly: pd.DataFrame) -> list[tuple[str, str, float | None, float | None]]:
    """Return headline (label in the current language, metric, this week, change vs last week): GMV, units, products
    sold, negative share."""
    def change(now: float, before: float) -> float | None:
        return now / before - 1 if before else None

    gmv, gmv_prev = float(weekly["gmv"].sum()), float(weekly["gmv_prev"].sum())
    units, units_prev = float(weekly["units"].sum()), float(weekly["units_prev"].sum())
    sold, sold_prev = float((weekly["units"] > 0).sum()), float((weekly["units_prev"] > 0).sum())
    reviews, reviews_prev = float(weekly["reviews"].sum()), float(weekly["reviews_prev"].sum())
    negative = float(weekly["negative_reviews"].sum()) / reviews if reviews else None
    negative_prev = float(weekly["negative_reviews_prev"].sum()) / reviews_prev if reviews_prev else None
    return [
        (_("GMV this week"), "gmv", gmv, change(gmv, gmv_prev)),
        (_("Units this week"), "units", units, change(units, units_prev)),
        (_("Products sold"), "products", sold, change(sold, sold_prev)),
        (_("Negative-review share"), "negative_rate", negative,
         change(negative, negative_prev) if negative is not None and negative_prev else None),
    ]
