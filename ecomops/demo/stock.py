"""The demo's stock side: ABC classes (by the one rule, ``metrics.abc_class_of``), weekly inventory snapshots (a few
A items running short, C items overstocked), suppliers (A items on a single supplier, one supplier carrying a large
share of GMV) and competitor prices (the 9.9 loss leader undercutting a top product)."""
from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from ecomops import metrics
from ecomops.demo.catalogue import Catalogue
from ecomops.demo.constants import CATEGORIES, UNDERCUT_COMPETITOR


def abc_codes(con: duckdb.DuckDBPyConnection, cat: Catalogue, gmv: np.ndarray) -> np.ndarray:
    """Return ABC class codes (0=A, 1=B, 2=C) per product by the one ABC rule (metrics.abc_class_of) on its GMV."""
    classes = metrics.abc_class_of(con, pd.DataFrame({"product_id": cat.frame["product_id"], "gmv": gmv}))
    return classes.map({"A": 0, "B": 1, "C": 2}).to_numpy(dtype=np.int64)


def inventory(rng: np.random.Generator, cat: Catalogue, units: np.ndarray, abc: np.ndarray,
              demo_days: pd.DatetimeIndex) -> pd.DataFrame:
    """Return weekly (Monday) plus last-day stock per product: a few A items short, C items overstocked."""
    n_prod, n_days = units.shape
    csum = np.cumsum(units, axis=1)
    snap_days = [i for i in range(n_days) if demo_days[i].weekday() == 0] + [n_days - 1]
    cover_target = np.where(abc == 0, rng.uniform(22, 45, n_prod), np.where(abc == 1, rng.uniform(28, 60, n_prod),
                                                                              rng.uniform(60, 240, n_prod)))
    a_items = np.where(abc == 0)[0]
    short = a_items[rng.permutation(a_items.size)[:max(3, a_items.size // 10)]]
    frames = []
    for s in snap_days:
        lo = max(0, s - 27)
        sold = csum[:, s] - (csum[:, lo - 1] if lo > 0 else 0)
        rate = sold / (s - lo + 1)
        target = cover_target.copy()
        if s >= n_days - 10:
            target[short] = rng.uniform(4, 11, short.size)
        on_hand = np.round(np.maximum(rate, 0.05) * target * np.exp(0.1 * rng.standard_normal(n_prod)))
        on_hand = np.where(rate == 0, rng.integers(20, 400, n_prod), on_hand)
        launched = cat.launch_day <= s
        frames.append(pd.DataFrame({"snapshot_date": demo_days[s].date(), "prod": np.where(launched)[0],
                                    "on_hand": on_hand[launched].astype(np.int64)}))
    return pd.concat(frames, ignore_index=True)


_SUPPLIERS = [
    ("S01", "宁波优材日用制品有限公司", "CN"), ("S02", "义乌恒达小商品有限公司", "CN"),
    ("S03", "广州美妍化妆品有限公司", "CN"), ("S04", "深圳速联电子科技有限公司", "CN"),
    ("S05", "佛山家居纺织有限公司", "CN"), ("S06", "杭州织锦服饰有限公司", "CN"),
    ("S07", "青岛宠乐宠物用品有限公司", "CN"), ("S08", "厦门健行体育用品有限公司", "CN"),
    ("S09", "云南茶源食品有限公司", "CN"), ("S10", "Saigon Outdoor Gear Co., Ltd.", "VN"),
    ("S11", "苏州贝护母婴用品有限公司", "CN"), ("S12", "Osaka Kitchenware K.K.", "JP"),
]
_PRIMARY_BY_CATEGORY = {"Apparel": ["S06", "S02"], "Beauty": ["S03"], "Home": ["S05", "S01"], "Kitchen": ["S01", "S12"],
                        "Pet": ["S07"], "Sports": ["S08", "S01"], "Electronics": ["S04"], "Food": ["S09"],
                        "Baby": ["S11"], "Outdoor": ["S10", "S08"]}


def suppliers(rng: np.random.Generator, cat: Catalogue, abc: np.ndarray,
              gmv: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return suppliers and product_suppliers: every product has a primary, ~70% a backup; S01 carries a big share."""
    supplier_ids = [s[0] for s in _SUPPLIERS]
    n = cat.popularity.size
    top = np.argsort(-gmv, kind="stable")
    rows = []
    cost = cat.frame["cost"].to_numpy()
    s01_products = set(top[:24:2].tolist())  # every other top seller: one supplier with a large share of GMV
    single_a = [int(p) for p in top[1:30] if abc[p] == 0][:2]  # A items with no backup: a supply risk to show
    for p in range(n):
        c = CATEGORIES[cat.category_idx[p]]
        options = _PRIMARY_BY_CATEGORY[c]
        primary = "S01" if p in s01_products else options[int(rng.integers(len(options)))]
        rows.append((p, primary, "primary", float(rng.integers(3, 21)), round(cost[p] * float(rng.uniform(0.97, 1.0)), 2)))
        if p not in single_a and rng.random() < 0.70:
            backups = [s for s in supplier_ids if s != primary]
            backup = backups[int(rng.integers(len(backups)))]
            rows.append((p, backup, "backup", float(rng.integers(2, 31)), round(cost[p] * float(rng.uniform(1.02, 1.15)), 2)))
    ps = pd.DataFrame(rows, columns=["prod", "supplier_id", "role", "lead_time_days", "unit_cost"])
    sup = pd.DataFrame(_SUPPLIERS, columns=["supplier_id", "name", "country"])
    return sup, ps


_COMPETITORS = ("优品汇", "省心购", UNDERCUT_COMPETITOR)
_PROMOS = ["满199减30", "第二件半价", "限时直降", "买一送一", "领券立减20", "会员专享价"]


def competitor_prices(rng: np.random.Generator, cat: Catalogue, gmv_90: np.ndarray,
                      demo_days: pd.DatetimeIndex) -> pd.DataFrame:
    """Return weekly competitor prices for our top ~50 products; the last two weeks hold a 9.9 loss leader."""
    price = cat.frame["price"].to_numpy()
    top = [int(p) for p in np.argsort(-gmv_90, kind="stable")[:50]]
    target = next(p for p in top if 29 <= price[p] <= 150)  # a staple a 9.9 leader can hurt
    mondays = np.array([i for i in range(len(demo_days)) if demo_days[i].weekday() == 0])
    frames = []
    for k, comp in enumerate(_COMPETITORS):
        level = rng.uniform(0.88, 1.12, len(top))
        for p_pos, p in enumerate(top):
            weeks = mondays[mondays >= max(cat.launch_day[p], 0)]
            walk = np.exp(np.cumsum(0.02 * rng.standard_normal(weeks.size)))
            pr = np.round(price[p] * level[p_pos] * walk, 1) - 0.1
            promo_roll = rng.random(weeks.size)
            promo = np.where(promo_roll < 0.18, rng.choice(_PROMOS, weeks.size), None).astype(object)
            is_new = np.zeros(weeks.size, dtype=bool)
            if cat.launch_day[p] > 0 or rng.random() < 0.08:  # competitor's matching new product
                first = int(rng.integers(0, max(weeks.size // 2, 1)))
                is_new[first:first + 3] = True
                promo[first] = "新品首发"
            if p == target and comp == UNDERCUT_COMPETITOR:
                last2 = weeks >= len(demo_days) - 14
                pr = np.where(last2, 9.9, pr)
                promo[last2] = "9.9元秒杀 引流款"
            frames.append(pd.DataFrame({"day": demo_days[weeks].date, "prod": p, "competitor": comp,
                                        "price": np.maximum(pr, 1.0), "promotion": promo, "is_new_product": is_new}))
    return pd.concat(frames, ignore_index=True)
