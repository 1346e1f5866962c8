"""Deterministic demo data generator: a two-year Chinese e-commerce store that shows every playbook feature.

``generate(con, customers, seed)`` fills an empty, migrated database and returns row counts per table. Everything is
vectorised numpy driven by one ``numpy.random.default_rng(seed)`` (no wall clock, no ``hash()``, no set order), so a
seed always gives identical tables; 20k customers take a few seconds, 1M customers (~4M orders, ~10M lines) minutes.

How orders get their shape: each customer lives in "operational time", where one unit is one average day of demand.
Gaps between a customer's orders are drawn in operational time (members' median gap shorter than non-members'), then
mapped back to calendar days through the cumulative daily intensity curve. Days with high intensity (Nov/Dec,
weekends, Tuesday member days, monthly flash-sale weekends, 618 and Double 11 with their pre-sale windows) thus
receive proportionally more orders without any per-customer Python loop. Planted features (see docs/data-model.md
and the playbook): wecom share 8% -> 18%, members reorder faster, the size-chart T-shirt, bundles, the 2026-11-03
conversion anomaly on paid_ads x mobile_web, the growing "智能宠物喂食器" searches, the 9.9 competitor undercut,
low/high inventory cover, a supplier concentration, ad ROI by channel/audience, reactivation A/B test, churn surveys.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable

import duckdb
import numpy as np
import pandas as pd

from ecomops import db, derived, metrics

DEMO_END = date(2026, 11, 15)
DEMO_START = DEMO_END - timedelta(days=730)
ANOMALY_DAY = date(2026, 11, 3)
OUTREACH_DATE = DEMO_END - timedelta(days=120)
OUTREACH_CAMPAIGN = "REACT-2026-07"

CHANNELS = ("search", "paid_ads", "xiaohongshu", "douyin_live", "wecom", "direct")
DEVICES = ("app", "mobile_web", "pc")
STATUSES = ("paid", "shipped", "completed", "returned", "cancelled")
CATEGORIES = ("Apparel", "Beauty", "Home", "Kitchen", "Pet", "Sports", "Electronics", "Food", "Baby", "Outdoor")
AD_CHANNELS = ("paid_ads", "douyin_live", "xiaohongshu", "search")
TSHIRT_ID = "P0001"  # the Apparel T-shirt with the unclear size chart
PET_FEEDER_KEYWORD = "智能宠物喂食器"
UNDERCUT_COMPETITOR = "拼划算"

# Tables generate() fills; the command empties exactly these (plus imports) on --force.
DEMO_TABLES = (
    "customers", "products", "orders", "order_items", "traffic_daily", "scroll_depth", "ad_spend",
    "search_keywords", "inventory_snapshots", "suppliers", "product_suppliers", "competitor_prices", "reviews",
    "campaigns", "reactivation_outreach", "customer_surveys",
)

ProgressFn = Callable[[float, str], None]

# Extra history before DEMO_START so customers who signed up earlier are already in their rhythm on day one.
_WARMUP_DAYS = 400
_MONTH_FACTOR = np.array([0.92, 0.78, 0.95, 0.96, 1.0, 1.08, 0.92, 0.92, 0.96, 1.0, 1.22, 1.18])
_WEEKDAY_FACTOR = np.array([0.95, 1.0, 0.94, 0.95, 1.0, 1.1, 1.08])  # Mon..Sun
_HOUR_WEIGHTS = np.array([2.0, 1.2, 0.6, 0.3, 0.2, 0.3, 0.8, 1.8, 3.0, 4.0, 4.6, 4.8, 5.2, 4.8, 4.2, 4.2,
                          4.4, 4.4, 4.8, 5.8, 7.0, 7.6, 6.6, 4.0])
_PRESALE_SHARE = 0.35  # pre-sale share of a big sale's GMV (playbook: 618 pre-sale = 35%)
_PRESALE_DAYS = 25  # deposits open this many days before the main sale day
_PRESALE_BOOST = 1.45


# --------------------------------------------------------------------------------------------------------------------
# Catalogue
# --------------------------------------------------------------------------------------------------------------------
# (category, base title, price, [variants]); the first entries of some categories are the planted products.
_CATALOGUE: dict[str, list[tuple[str, float, list[str]]]] = {
    "Apparel": [
        ("纯棉圆领T恤", 59, ["白色 基础款"]),
        ("冰丝防晒衣", 129, ["女款", "男款", "儿童款"]),
        ("高腰阔腿裤", 139, ["垂感", "九分", "加绒"]),
        ("羊毛混纺针织开衫", 259, ["燕麦色", "藏青", "驼色"]),
        ("轻薄羽绒服", 399, ["短款", "长款", "连帽"]),
        ("运动速干短袖", 79, ["男款", "女款", "宽松版"]),
        ("法式碎花连衣裙", 189, ["长款", "中长款", "收腰"]),
        ("直筒牛仔裤", 169, ["浅蓝", "深蓝", "黑色"]),
        ("Oversize Hoodie", 219, ["Grey", "Black", "Cream"]),
        ("纯棉家居服套装", 149, ["长袖", "短袖", "情侣款"]),
    ],
    "Beauty": [
        ("氨基酸洁面乳", 69, ["120g"]),
        ("补水爽肤水", 99, ["200ml"]),
        ("保湿面霜", 159, ["50g"]),
        ("烟酰胺精华液", 199, ["30ml", "50ml", "旅行装"]),
        ("清透防晒霜 SPF50", 119, ["50ml", "80ml", "喷雾"]),
        ("哑光口红", 139, ["正红", "豆沙", "枫叶红"]),
        ("卸妆油", 109, ["200ml", "400ml", "便携装"]),
        ("Vitamin C Serum", 239, ["30ml", "50ml", "Set"]),
        ("修护睡眠面膜", 129, ["75ml", "100ml", "双支装"]),
        ("控油洗发水", 79, ["500ml", "750ml", "无硅油"]),
        ("身体乳", 89, ["果香", "木质香", "无香"]),
        ("气垫粉底", 189, ["自然色", "象牙白", "替换芯"]),
    ],
    "Home": [
        ("四件套 全棉床品", 299, ["1.5m", "1.8m", "2.0m"]),
        ("乳胶枕", 199, ["标准款", "护颈款", "儿童款"]),
        ("香薰蜡烛", 69, ["雪松", "白茶", "无花果"]),
        ("收纳箱 带盖", 49, ["3个装", "大号", "透明款"]),
        ("遮光窗帘", 189, ["米白", "灰色", "定制尺寸"]),
        ("夏凉被", 159, ["单人", "双人", "儿童"]),
        ("浴巾 长绒棉", 79, ["白色", "灰色", "两条装"]),
        ("懒人沙发", 399, ["单人", "双人", "豆袋款"]),
        ("地毯 客厅", 259, ["北欧", "简约", "圆形"]),
        ("衣架 防滑", 39, ["20个装", "50个装", "儿童款"]),
    ],
    "Kitchen": [
        ("316不锈钢保温杯", 89, ["500ml"]),
        ("保温杯硅胶杯套", 29, ["通用款"]),
        ("长柄杯刷", 15, ["两支装"]),
        ("不粘炒锅", 229, ["30cm", "32cm", "带盖"]),
        ("空气炸锅", 399, ["4.5L", "6L", "可视款"]),
        ("陶瓷刀具套装", 159, ["三件套", "五件套", "带刀架"]),
        ("手冲咖啡壶", 139, ["600ml", "细口", "带温度计"]),
        ("玻璃保鲜盒", 69, ["4件套", "6件套", "可微波"]),
        ("竹砧板", 59, ["大号", "双面", "带凹槽"]),
        ("电热水壶", 129, ["1.7L", "恒温款", "玻璃款"]),
        ("破壁料理机", 599, ["静音款", "家用款", "便携款"]),
        ("Chef's Knife", 269, ["8 inch", "Damascus", "Gift Box"]),
    ],
    "Pet": [
        ("全价成猫粮", 139, ["2kg"]),
        ("豆腐猫砂", 49, ["6L"]),
        ("羽毛逗猫棒", 19, ["三支装"]),
        ("智能宠物喂食器", 299, ["WiFi款"]),
        ("实木猫爬架 大型", 1299, ["落地款"]),
        ("狗狗磨牙棒", 39, ["小型犬", "中型犬", "大型犬"]),
        ("宠物自动饮水机", 149, ["2L", "3L", "无线泵"]),
        ("宠物牵引绳", 59, ["小型", "中型", "反光款"]),
        ("冻干鸡肉粒", 69, ["200g", "500g", "混合装"]),
        ("宠物窝 四季通用", 99, ["S", "M", "L"]),
        ("猫抓板", 35, ["瓦楞纸", "剑麻", "立式"]),
        ("Pet Grooming Brush", 79, ["Cat", "Dog", "Deshedding"]),
    ],
    "Sports": [
        ("加厚防滑瑜伽垫", 99, ["8mm"]),
        ("高密度瑜伽砖", 29, ["两块装"]),
        ("乳胶弹力带", 39, ["五件套"]),
        ("可调节哑铃", 399, ["10kg", "20kg", "24kg"]),
        ("跳绳 计数", 49, ["无绳款", "负重款", "儿童款"]),
        ("运动护膝", 69, ["篮球", "跑步", "登山"]),
        ("筋膜枪", 299, ["迷你款", "专业款", "静音款"]),
        ("健腹轮", 59, ["双轮", "回弹款", "带跪垫"]),
        ("Running Shoes", 459, ["Men", "Women", "Trail"]),
        ("运动水壶", 59, ["750ml", "1L", "吸管款"]),
    ],
    "Electronics": [
        ("蓝牙耳机 降噪", 299, ["入耳式", "头戴式", "运动款"]),
        ("氮化镓快充充电器", 129, ["65W", "100W", "双口"]),
        ("移动电源", 149, ["10000mAh", "20000mAh", "磁吸款"]),
        ("机械键盘", 349, ["红轴", "茶轴", "无线款"]),
        ("Wireless Mouse", 129, ["Silent", "Ergonomic", "Gaming"]),
        ("智能手表", 699, ["运动版", "健康版", "儿童版"]),
        ("USB-C 数据线", 39, ["1m", "2m", "三条装"]),
        ("桌面台灯 护眼", 199, ["标准", "带无线充", "折叠"]),
        ("Smart Speaker", 399, ["Mini", "Standard", "Max"]),
        ("平板支架", 59, ["铝合金", "可折叠", "懒人款"]),
    ],
    "Food": [
        ("每日坚果", 129, ["30包", "15包", "礼盒"]),
        ("挂耳咖啡", 69, ["20包", "40包", "混合装"]),
        ("低糖燕麦片", 49, ["1kg", "500g", "即食"]),
        ("云南普洱茶", 199, ["生茶", "熟茶", "礼盒"]),
        ("鸡胸肉即食", 89, ["10袋", "20袋", "混合口味"]),
        ("手工牛轧糖", 59, ["原味", "抹茶", "蔓越莓"]),
        ("有机大米", 79, ["5kg", "10kg", "2.5kg"]),
        ("Dark Chocolate", 59, ["70%", "85%", "Gift Box"]),
        ("蜂蜜", 99, ["500g", "1kg", "枣花"]),
        ("螺蛳粉", 39, ["5袋", "10袋", "加辣"]),
    ],
    "Baby": [
        ("婴儿纸尿裤", 139, ["S码", "M码", "L码"]),
        ("婴儿湿巾", 49, ["10包", "20包", "手口专用"]),
        ("婴儿洗护套装", 159, ["洗发沐浴", "润肤", "礼盒"]),
        ("宝宝辅食机", 299, ["蒸煮一体", "便携", "多功能"]),
        ("儿童绘本", 69, ["0-3岁", "3-6岁", "套装"]),
        ("婴儿推车", 999, ["轻便款", "高景观", "双向"]),
        ("婴儿连体衣", 89, ["纯棉", "夹棉", "三件装"]),
        ("吸管杯", 59, ["240ml", "360ml", "重力球"]),
        ("Baby Carrier", 329, ["Newborn", "Toddler", "Hip Seat"]),
        ("安抚奶嘴", 39, ["0-6月", "6-18月", "两只装"]),
    ],
    "Outdoor": [
        ("自动帐篷", 399, ["2人", "4人", "6人"]),
        ("折叠露营椅", 129, ["月亮椅", "克米特椅", "轻量款"]),
        ("登山杖", 99, ["碳素", "铝合金", "折叠"]),
        ("户外冲锋衣", 499, ["男款", "女款", "三合一"]),
        ("便携烧烤架", 189, ["小号", "大号", "卡式炉款"]),
        ("露营灯", 79, ["充电款", "太阳能", "复古款"]),
        ("防水背包", 229, ["20L", "35L", "50L"]),
        ("Sleeping Bag", 259, ["Summer", "3-Season", "Winter"]),
        ("户外保温壶", 149, ["1L", "2L", "带杯"]),
        ("天幕", 459, ["方形", "蝶形", "黑胶"]),
    ],
}

# Product-copy fragments. Banned absolute claims are planted in a minority of products; harmless compounds such as
# 最近 / 第一次 / bestselling are traps for a naive scanner.
_CLAIMS_BANNED_ZH = ["全网最低价", "销量第一", "最佳选择", "顶级品质", "100%好评", "行业第一品牌", "最舒适的体验"]
_CLAIMS_BANNED_EN = ["The best choice for your home.", "#1 rated by customers.", "Satisfaction guaranteed."]
_TRAPS_ZH = ["最近很多用户反馈很好用。", "第一次使用前请用温水清洗。", "最近上新了新配色。", "第一次下单可领新人券。"]
_TRAPS_EN = ["A bestselling design from our studio.", "First-time buyers get a welcome coupon."]
_DESC_ZH = ["精选材质，做工细致，", "日常使用方便，", "简约设计，百搭耐用，", "适合家用与送礼，", "细节处理到位，"]
_DESC_TAIL_ZH = ["支持7天无理由退换。", "下单48小时内发货。", "多种规格可选。", "详情请见尺码/规格表。"]
_DESC_EN = ["Carefully made from quality materials. ", "Easy to use every day. ", "Minimal design that lasts. "]

_BUNDLES = [  # (zh label, product base titles) - bought together often
    ("保温杯+杯套+杯刷", ("316不锈钢保温杯", "保温杯硅胶杯套", "长柄杯刷")),
    ("瑜伽垫+瑜伽砖+弹力带", ("加厚防滑瑜伽垫", "高密度瑜伽砖", "乳胶弹力带")),
    ("猫粮+猫砂+逗猫棒", ("全价成猫粮", "豆腐猫砂", "羽毛逗猫棒")),
    ("洁面+爽肤水+面霜", ("氨基酸洁面乳", "补水爽肤水", "保湿面霜")),
]

_CITIES = np.array(["上海", "北京", "广州", "深圳", "杭州", "成都", "武汉", "南京", "西安", "重庆", "苏州", "长沙",
                    "天津", "郑州", "青岛", "厦门"])
_CITY_WEIGHTS = np.array([12, 11, 9, 9, 8, 7, 6, 6, 5, 5, 5, 4, 4, 3, 3, 3], dtype=float)


@dataclass
class _Catalogue:
    frame: pd.DataFrame  # product_id, title, description, category, price, cost, launch_date
    popularity: np.ndarray  # probability of being picked for a line
    launch_day: np.ndarray  # day index (relative to DEMO_START) of launch
    substitute: np.ndarray  # an older product of the same category, used before launch
    bundles: np.ndarray  # (n_bundles, 3) product indices
    category_idx: np.ndarray


def _build_catalogue(rng: np.random.Generator) -> _Catalogue:
    rows = []
    for cat in CATEGORIES:
        for base, price, variants in _CATALOGUE[cat]:
            for v_no, variant in enumerate(variants):
                rows.append((cat, base, variant, price * (1.0 + 0.18 * v_no)))
    n = len(rows)
    cats = np.array([r[0] for r in rows])
    bases = [r[1] for r in rows]
    # Product ids: P0001 is the size-chart T-shirt (first Apparel row), then in catalogue order.
    ids = [f"P{i + 1:04d}" for i in range(n)]
    price = np.array([r[3] for r in rows]) * rng.uniform(0.9, 1.12, n)
    price = np.round(price) - 0.1  # 59 -> 58.9 style shelf prices
    price = np.maximum(price, 9.9)
    cost = np.round(price * rng.uniform(0.35, 0.62, n), 2)

    # Launch dates: most before the demo period; ~18 launched within the last 150 days (new items).
    launch_day = -rng.integers(30, 900, n)
    protected = {bases.index(b) for _, triple in _BUNDLES for b in triple} | {0}
    candidates = np.array([i for i in range(n) if i not in protected])
    recent = rng.choice(candidates, 18, replace=False)
    launch_day[recent] = 730 - rng.integers(10, 150, recent.size)
    feeder = bases.index("智能宠物喂食器")
    launch_day[feeder] = 730 - 52  # custom product launched after the search trend was spotted
    protected.add(feeder)

    # Zipf popularity over a random rank order, with planted products at chosen ranks.
    order = rng.permutation(n)
    fixed = {0: 7, bases.index("316不锈钢保温杯"): 2, bases.index("加厚防滑瑜伽垫"): 4, feeder: 30,
             bases.index("全价成猫粮"): 12, bases.index("氨基酸洁面乳"): 18, bases.index("保温杯硅胶杯套"): 40,
             bases.index("长柄杯刷"): 55, bases.index("高密度瑜伽砖"): 45, bases.index("乳胶弹力带"): 50,
             bases.index("豆腐猫砂"): 25, bases.index("羽毛逗猫棒"): 60, bases.index("补水爽肤水"): 35,
             bases.index("保湿面霜"): 38}
    rank = np.empty(n, dtype=np.int64)
    free_ranks = [r for r in range(1, n + 1) if r not in fixed.values()]
    free_products = [int(p) for p in order if int(p) not in fixed]
    for p, r in zip(free_products, free_ranks):
        rank[p] = r
    for p, r in fixed.items():
        rank[p] = r
    weight = 1.0 / rank.astype(float) ** 1.15
    popularity = weight / weight.sum()

    cat_idx = np.array([CATEGORIES.index(c) for c in cats])
    substitute = np.arange(n)
    for i in np.where(launch_day > 0)[0]:
        same = np.where((cat_idx == cat_idx[i]) & (launch_day <= 0))[0]
        substitute[i] = same[np.argmin(rank[same])] if rank[i] < 60 else same[int(rng.integers(same.size))]

    titles, descs = [], []
    claim_roll = rng.random(n)
    trap_roll = rng.random(n)
    for i, (cat, base, variant, _) in enumerate(rows):
        english = base[0].isascii()
        title = f"{base} {variant}"
        if english:
            desc = "".join(rng.choice(_DESC_EN, 2, replace=False))
            if claim_roll[i] < 0.35:
                desc += str(rng.choice(_CLAIMS_BANNED_EN))
            if trap_roll[i] < 0.3:
                desc += " " + str(rng.choice(_TRAPS_EN))
        else:
            desc = "".join(rng.choice(_DESC_ZH, 2, replace=False)) + str(rng.choice(_DESC_TAIL_ZH))
            if claim_roll[i] < 0.09:
                desc = str(rng.choice(_CLAIMS_BANNED_ZH)) + "！" + desc
            if trap_roll[i] < 0.12:
                desc += str(rng.choice(_TRAPS_ZH))
            if claim_roll[i] > 0.985:
                title = f"{title} 顶级品质"
        if i == 0:
            desc = "100%纯棉，基础百搭圆领T恤。版型说明：参考尺码表选购。" + desc
        titles.append(title)
        descs.append(desc)

    frame = pd.DataFrame({
        "product_id": ids, "title": titles, "description": descs, "category": cats, "price": price, "cost": cost,
        "launch_date": [DEMO_START + timedelta(days=int(d)) for d in launch_day],
    })
    bundles = np.array([[bases.index(b) for b in triple] for _, triple in _BUNDLES])
    return _Catalogue(frame, popularity, launch_day, substitute, bundles, cat_idx)


# --------------------------------------------------------------------------------------------------------------------
# Calendar: intensities and campaigns
# --------------------------------------------------------------------------------------------------------------------
@dataclass
class _Calendar:
    days: pd.DatetimeIndex  # extended timeline: DEMO_START - warm-up .. DEMO_END
    offset: int  # index of DEMO_START in days
    w_member: np.ndarray
    w_other: np.ndarray
    campaign_of_day: np.ndarray  # index into campaigns frame for big/flash sales, -1 none
    member_day_campaign: np.ndarray  # index of the member-day campaign on Tuesdays, -1 otherwise
    presale: np.ndarray  # bool, day in a pre-sale window
    campaigns: pd.DataFrame
    discount_of_campaign: np.ndarray


def _build_calendar() -> _Calendar:
    start_ext = DEMO_START - timedelta(days=_WARMUP_DAYS)
    days = pd.date_range(start_ext, DEMO_END, freq="D")
    n = len(days)
    month = days.month.to_numpy() - 1
    weekday = days.weekday.to_numpy()
    base = _MONTH_FACTOR[month] * _WEEKDAY_FACTOR[weekday]
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
    return _Calendar(days, _WARMUP_DAYS, w_member, w_other, campaign_of_day, member_day_campaign, presale,
                     campaigns, campaigns["discount"].to_numpy())


def _channel_mix(frac: np.ndarray) -> np.ndarray:
    """Return channel probabilities (rows) at fractions 0..1 of the period: wecom and douyin_live grow."""
    frac = np.clip(frac, 0, 1)[:, None]
    start = np.array([0.27, 0.25, 0.12, 0.12, 0.07, 0.17])
    end = np.array([0.21, 0.20, 0.10, 0.17, 0.19, 0.13])
    mix = start + (end - start) * frac
    return mix / mix.sum(axis=1, keepdims=True)


_DEVICE_GIVEN_CHANNEL = np.array([  # app, mobile_web, pc
    [0.35, 0.35, 0.30],  # search
    [0.30, 0.55, 0.15],  # paid_ads
    [0.55, 0.40, 0.05],  # xiaohongshu
    [0.75, 0.22, 0.03],  # douyin_live
    [0.50, 0.45, 0.05],  # wecom
    [0.50, 0.25, 0.25],  # direct
])


def _pick_rows(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """Return one categorical draw per row of a probability matrix."""
    cum = probs.cumsum(axis=1)
    u = rng.random(probs.shape[0])[:, None] * cum[:, -1:]
    return (u > cum).sum(axis=1)


# --------------------------------------------------------------------------------------------------------------------
# Customers and order headers
# --------------------------------------------------------------------------------------------------------------------
def _customers(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    before = rng.random(n) < 0.2
    signup = np.where(before, -rng.integers(1, 366, n), np.floor(730 * rng.random(n) ** 0.85).astype(int))
    tier_roll = rng.random(n)
    tier = np.where(tier_roll < 0.06, 2, np.where(tier_roll < 0.20, 1, 0))  # 0 none, 1 silver, 2 gold
    prospect = rng.random(n) < 0.05  # plus late sign-ups and early customers who did not return: ~10% in all
    channel = _pick_rows(rng, _channel_mix((signup + 0.0) / 730.0))
    city = rng.choice(_CITIES.size, n, p=_CITY_WEIGHTS / _CITY_WEIGHTS.sum())
    return {"signup": signup, "tier": tier, "prospect": prospect, "channel": channel, "city": city}


def _order_events(rng: np.random.Generator, cal: _Calendar, cust: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
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


# --------------------------------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------------------------------
def generate(con: duckdb.DuckDBPyConnection, customers: int = 20000, seed: int = 7,
             progress: ProgressFn | None = None) -> dict[str, int]:
    """Fill an empty, migrated database with the deterministic demo store; return row counts per table."""
    if customers < 100:
        raise ValueError("the demo needs at least 100 customers")
    for table in DEMO_TABLES:
        if db.query_one(con, f"SELECT EXISTS (SELECT 1 FROM {table})")[0]:
            raise ValueError(f"table {table} already holds data: the demo fills an empty database only")

    def report(fraction: float, message: str) -> None:
        if progress is not None:
            progress(fraction, message)

    rng = np.random.default_rng(seed)
    report(0.0, "catalogue and calendar")
    cat = _build_catalogue(rng)
    cal = _build_calendar()
    n_days = 731  # DEMO_START..DEMO_END inclusive
    demo_days = cal.days[cal.offset:]

    report(0.05, "customers")
    cust = _customers(rng, customers)
    report(0.1, "order history")
    o_cust, o_day_ext = _order_events(rng, cal, cust)
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
    mixed = _pick_rows(rng, _channel_mix(frac))
    sticky = (o_cust >= 0) & (rng.random(n_o) < 0.35)
    channel = np.where(sticky, cust["channel"][np.maximum(o_cust, 0)], mixed)
    device = _pick_rows(rng, _DEVICE_GIVEN_CHANNEL[channel])

    # Planted anomaly: on 2026-11-03 a broken mobile landing page for paid_ads loses 75% of those orders.
    anomaly_day = (ANOMALY_DAY - DEMO_START).days
    hit = (o_day == anomaly_day) & (channel == CHANNELS.index("paid_ads")) & (device == DEVICES.index("mobile_web"))
    keep = ~(hit & (rng.random(n_o) < 0.75))
    o_cust, o_day, channel, device = o_cust[keep], o_day[keep], channel[keep], device[keep]
    cancelled = rng.random(o_cust.size) < 0.03

    report(0.25, "reactivation test")
    outreach, extra = _reactivation(rng, cust, o_cust, o_day, cancelled)
    if extra["cust"].size:
        o_cust = np.concatenate([o_cust, extra["cust"]])
        o_day = np.concatenate([o_day, extra["day"]])
        channel = np.concatenate([channel, np.full(extra["cust"].size, CHANNELS.index("wecom"))])
        device = np.concatenate([device, _pick_rows(rng, _DEVICE_GIVEN_CHANNEL[np.full(extra["cust"].size, 4)])])
        cancelled = np.concatenate([cancelled, np.zeros(extra["cust"].size, dtype=bool)])
    is_react = np.zeros(o_cust.size, dtype=bool)
    is_react[o_cust.size - extra["cust"].size:] = True

    # Time of day, then sort chronologically so order numbers follow time.
    seconds = rng.choice(24, o_cust.size, p=_HOUR_WEIGHTS / _HOUR_WEIGHTS.sum()) * 3600 + rng.integers(0, 3600, o_cust.size)
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

    report(0.35, "order lines")
    lines = _order_lines(rng, cat, cust, o_cust, o_day)
    l_order, l_prod, l_qty = lines
    list_price = cat.frame["price"].to_numpy()[l_prod]
    l_price = np.round(list_price * (1 - rate[l_order]), 2)
    discount = np.bincount(l_order, weights=l_qty * (list_price - l_price), minlength=n_o)

    # Status: recent orders still paid/shipped; ~4% returned (the T-shirt far more often); ~3% cancelled.
    age = 730 - o_day
    has_tshirt = np.zeros(n_o, dtype=bool)
    has_tshirt[l_order[l_prod == 0]] = True
    r = rng.random(n_o)
    status = np.full(n_o, STATUSES.index("completed"))
    status = np.where(age <= 9, np.where(r < 0.3, 2, 1), status)
    status = np.where(age <= 2, np.where(r < 0.6, 0, 1), status)
    ret_p = np.where(has_tshirt, 0.2, 0.034)
    returned = (age >= 6) & (rng.random(n_o) < ret_p) & ~is_react
    status = np.where(returned, STATUSES.index("returned"), status)
    status = np.where(cancelled, STATUSES.index("cancelled"), status)

    ts = (np.datetime64(DEMO_START, "s") + (o_day.astype(np.int64) * 86400 + seconds).astype("timedelta64[s]"))
    report(0.5, "traffic and funnel")
    n_prod = len(cat.frame)
    valid = status != STATUSES.index("cancelled")

    orders_frame = pd.DataFrame({
        "order_no": np.arange(1, n_o + 1, dtype=np.int64),
        "cust": o_cust.astype(np.int64),
        "order_ts": ts,
        # Small integer codes, turned into labels inside DuckDB (much faster than scanning pandas categoricals).
        "status": status.astype(np.int8),
        "channel": channel.astype(np.int8),
        "device": device.astype(np.int8),
        "campaign": camp.astype(np.int16),
        "is_presale": is_presale,
        "discount": np.round(discount, 2),
    })
    items_frame = pd.DataFrame({
        "order_no": l_order.astype(np.int64) + 1,
        "line_no": lines_line_no(l_order),
        "prod": l_prod.astype(np.int64),
        "quantity": l_qty.astype(np.int32),
        "unit_price": l_price,
    })

    traffic, scroll = _traffic(rng, o_cust, o_day, channel, device, valid, demo_days)
    line_gmv = l_qty * l_price * valid[l_order]
    chan_gmv = np.zeros((n_days, len(CHANNELS)))
    np.add.at(chan_gmv, (o_day[l_order], channel[l_order]), line_gmv)
    report(0.6, "ads and search")
    ads = _ad_spend(rng, chan_gmv, cal, demo_days)
    keywords = _search_keywords(rng, cat, cal, demo_days, customers)

    report(0.65, "inventory, suppliers, competitors")
    units = np.zeros((n_prod, n_days))
    np.add.at(units, (l_prod, o_day[l_order]), l_qty * valid[l_order])
    prod_gmv_90 = np.bincount(l_prod[(o_day[l_order] > 730 - 90)], weights=line_gmv[(o_day[l_order] > 730 - 90)],
                              minlength=n_prod)
    abc = _abc_codes(con, cat, prod_gmv_90)
    inventory = _inventory(rng, cat, units, abc, demo_days)
    prod_gmv_all = np.bincount(l_prod, weights=line_gmv, minlength=n_prod)
    suppliers, product_suppliers = _suppliers(rng, cat, abc, prod_gmv_all)
    competitors = _competitor_prices(rng, cat, prod_gmv_90, demo_days)

    report(0.72, "reviews and surveys")
    reviews = _reviews(rng, cat, o_cust, ts, status, l_order, l_prod)
    surveys = _surveys(rng, o_cust, o_day, valid, has_tshirt)

    customers_frame = pd.DataFrame({
        "cust": np.arange(customers, dtype=np.int64),
        "signup_date": np.datetime64(DEMO_START, "D") + cust["signup"].astype("timedelta64[D]"),
        "channel": cust["channel"].astype(np.int8),
        "membership_tier": cust["tier"].astype(np.int8),
        "city": cust["city"].astype(np.int8),
    })
    report(0.8, "writing to DuckDB")
    counts = _write(con, cat, cal, customers_frame, orders_frame, items_frame, traffic, scroll, ads, keywords,
                    inventory, suppliers, product_suppliers, competitors, reviews, outreach, surveys)
    # Build the pages' derived tables now, so the first page view after generation pays nothing; the shipped
    # banned-word list first, so the compliance findings are among them.
    report(0.95, "derived tables")
    from ecomops.risk import compliance

    compliance.ensure_seeded(con)
    derived.refresh_all(con)
    report(1.0, "done")
    return counts


def _abc_codes(con: duckdb.DuckDBPyConnection, cat: "_Catalogue", gmv: np.ndarray) -> np.ndarray:
    """Return ABC class codes (0=A, 1=B, 2=C) per product by the one ABC rule (metrics.abc_class_of) on its GMV."""
    classes = metrics.abc_class_of(con, pd.DataFrame({"product_id": cat.frame["product_id"], "gmv": gmv}))
    return classes.map({"A": 0, "B": 1, "C": 2}).to_numpy(dtype=np.int64)


def lines_line_no(l_order: np.ndarray) -> np.ndarray:
    """Return 1-based line numbers for line arrays sorted by order."""
    idx = np.arange(l_order.size)
    starts = np.r_[0, np.flatnonzero(np.diff(l_order)) + 1]
    first = np.repeat(starts, np.diff(np.r_[starts, l_order.size]))
    return (idx - first + 1).astype(np.int32)


def _order_lines(rng: np.random.Generator, cat: _Catalogue, cust: dict[str, np.ndarray], o_cust: np.ndarray,
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


def _reactivation(rng: np.random.Generator, cust: dict[str, np.ndarray], o_cust: np.ndarray, o_day: np.ndarray,
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


def _traffic(rng: np.random.Generator, o_cust: np.ndarray, o_day: np.ndarray, channel: np.ndarray,
             device: np.ndarray, valid: np.ndarray, demo_days: pd.DatetimeIndex) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return traffic_daily (funnel consistent with orders) and scroll_depth frames."""
    n_days, n_ch, n_dev = 731, len(CHANNELS), len(DEVICES)
    cell = (o_day * n_ch + channel) * n_dev + device
    size = n_days * n_ch * n_dev
    orders_all = np.bincount(cell, minlength=size).reshape(n_days, n_ch, n_dev)
    # Buyers per cell: distinct customers with a valid order (guests are not buyers).
    vb = valid & (o_cust >= 0)
    pair = np.unique(cell[vb].astype(np.int64) * (o_cust.max() + 2) + o_cust[vb])
    buyers = np.bincount(pair // (o_cust.max() + 2), minlength=size).reshape(n_days, n_ch, n_dev)
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


def _ad_spend(rng: np.random.Generator, chan_gmv: np.ndarray, cal: _Calendar, demo_days: pd.DatetimeIndex) -> pd.DataFrame:
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


def _search_keywords(rng: np.random.Generator, cat: _Catalogue, cal: _Calendar, demo_days: pd.DatetimeIndex,
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
    season = _MONTH_FACTOR[demo_dates.month.to_numpy() - 1] * _WEEKDAY_FACTOR[demo_dates.weekday.to_numpy()]
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


def _inventory(rng: np.random.Generator, cat: _Catalogue, units: np.ndarray, abc: np.ndarray,
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


def _suppliers(rng: np.random.Generator, cat: _Catalogue, abc: np.ndarray,
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


def _competitor_prices(rng: np.random.Generator, cat: _Catalogue, gmv_90: np.ndarray,
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


def _reviews(rng: np.random.Generator, cat: _Catalogue, o_cust: np.ndarray, ts: np.ndarray, status: np.ndarray,
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


def _surveys(rng: np.random.Generator, o_cust: np.ndarray, o_day: np.ndarray, valid: np.ndarray,
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


# --------------------------------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------------------------------
_CUSTOMER_ID = "printf('C%07d', {col} + 1)"
_ORDER_ID = "printf('O%09d', {col})"


def _write(con: duckdb.DuckDBPyConnection, cat: _Catalogue, cal: _Calendar, customers: pd.DataFrame,
           orders: pd.DataFrame, items: pd.DataFrame, traffic: pd.DataFrame, scroll: pd.DataFrame,
           ads: pd.DataFrame, keywords: pd.DataFrame, inventory: pd.DataFrame, suppliers: pd.DataFrame,
           product_suppliers: pd.DataFrame, competitors: pd.DataFrame, reviews: pd.DataFrame,
           outreach: pd.DataFrame, surveys: pd.DataFrame) -> dict[str, int]:
    """Insert every frame in one transaction (bumping the data version); return row counts per table."""
    products = cat.frame.assign(prod=np.arange(len(cat.frame), dtype=np.int64))
    campaigns = cal.campaigns.drop(columns=["discount"])
    cid = _CUSTOMER_ID.format(col="cust")
    statements = [
        ("products", products, "INSERT INTO products (product_id, title, description, category, price, cost, launch_date)"
                               " SELECT product_id, title, description, category, price, cost, launch_date FROM src"),
        ("customers", customers, f"INSERT INTO customers (customer_id, signup_date, channel, membership_tier, city, country)"
                                 f" SELECT {cid}, signup_date, $channels[channel + 1], $tiers[membership_tier + 1], $cities[city + 1], 'CN'"
                                 " FROM src"),
        ("campaigns", campaigns, "INSERT INTO campaigns (campaign_id, name, kind, start_date, end_date, presale_start)"
                                 " SELECT campaign_id, name, kind, start_date, end_date, presale_start FROM src"),
        ("orders", orders, "INSERT INTO orders (order_id, customer_id, order_ts, order_date, status, channel, device,"
                           " campaign_id, is_presale, discount) SELECT " + _ORDER_ID.format(col="order_no") +
                           f", CASE WHEN cust >= 0 THEN {cid} END, order_ts, CAST(order_ts AS DATE), $statuses[status + 1],"
                           " $channels[channel + 1], $devices[device + 1],"
                           " CASE WHEN campaign >= 0 THEN $campaigns[campaign + 1] END, is_presale, discount FROM src"),
        ("order_items", items, "INSERT INTO order_items (order_id, line_no, product_id, quantity, unit_price) SELECT " +
                               _ORDER_ID.format(col="s.order_no") + ", s.line_no, p.product_id, s.quantity, s.unit_price"
                               " FROM src s JOIN prod_map p ON p.prod = s.prod"),
        ("traffic_daily", traffic, "INSERT INTO traffic_daily (day, channel, device, uv, pv, product_views, add_to_cart,"
                                   " checkouts) SELECT * FROM src"),
        ("scroll_depth", scroll, "INSERT INTO scroll_depth (day, device, screen, visitors) SELECT * FROM src"),
        ("ad_spend", ads, "INSERT INTO ad_spend (day, channel, campaign, audience, spend, impressions, clicks,"
                          " attributed_gmv) SELECT * FROM src"),
        ("search_keywords", keywords, "INSERT INTO search_keywords (day, keyword, category, searches, clicks, orders, gmv)"
                                      " SELECT day, keyword, category, searches, clicks, orders, gmv FROM src"),
        ("inventory_snapshots", inventory, "INSERT INTO inventory_snapshots (snapshot_date, product_id, on_hand)"
                                           " SELECT s.snapshot_date, p.product_id, s.on_hand FROM src s"
                                           " JOIN prod_map p ON p.prod = s.prod"),
        ("suppliers", suppliers, "INSERT INTO suppliers (supplier_id, name, country) SELECT * FROM src"),
        ("product_suppliers", product_suppliers,
         "INSERT INTO product_suppliers (product_id, supplier_id, role, lead_time_days, unit_cost)"
         " SELECT p.product_id, s.supplier_id, s.role, s.lead_time_days, s.unit_cost FROM src s"
         " JOIN prod_map p ON p.prod = s.prod"),
        ("competitor_prices", competitors,
         "INSERT INTO competitor_prices (day, product_id, competitor, price, promotion, is_new_product)"
         " SELECT s.day, p.product_id, s.competitor, s.price, s.promotion, s.is_new_product FROM src s"
         " JOIN prod_map p ON p.prod = s.prod"),
        ("reviews", reviews, "INSERT INTO reviews (review_id, product_id, customer_id, order_id, rating, review_text,"
                             " created_ts, replied_ts, language) SELECT printf('R%08d', row_number() OVER ()),"
                             f" p.product_id, CASE WHEN s.cust >= 0 THEN {_CUSTOMER_ID.format(col='s.cust')} END, " +
                             _ORDER_ID.format(col="s.order_no") + ", s.rating, s.review_text, s.created_ts,"
                             " s.replied_ts, s.language FROM src s JOIN prod_map p ON p.prod = s.prod"),
        ("reactivation_outreach", outreach,
         "INSERT INTO reactivation_outreach (customer_id, sent_date, arm, offer, converted, converted_date)"
         f" SELECT {cid}, sent_date, arm, offer, converted, converted_date FROM src"),
        ("customer_surveys", surveys, "INSERT INTO customer_surveys (customer_id, response_date, reason, comment)"
                                      f" SELECT {cid}, response_date, reason, comment FROM src"),
    ]
    labels = {"statuses": list(STATUSES), "channels": list(CHANNELS), "devices": list(DEVICES),
              "tiers": ["none", "silver", "gold"], "cities": _CITIES.tolist(),
              "campaigns": cal.campaigns["campaign_id"].tolist()}
    counts: dict[str, int] = {}
    with db.transaction(con) as cur:
        cur.register("prod_map", products[["prod", "product_id"]])
        for table, frame, sql in statements:
            cur.register("src", frame)
            used = {k: v for k, v in labels.items() if f"${k}" in sql}
            # DuckDB 2.0: finish the result before the next call on this cursor.
            (cur.execute(sql, used) if used else cur.execute(sql)).fetchall()
            cur.unregister("src")
            counts[table] = int(cur.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])
        cur.unregister("prod_map")
    return counts
