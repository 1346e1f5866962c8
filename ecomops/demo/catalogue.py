"""The demo's catalogue: ~290 products in ten categories with prices, costs, launch dates and Chinese/English copy
(a few banned absolute claims planted, and harmless look-alikes as traps), their popularity, and the bundles that
are bought together."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pandas as pd

from ecomops.demo.constants import CATEGORIES, DEMO_START

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


@dataclass
class Catalogue:
    """The products (as the products table holds them) with the arrays the sales draw from, by product index."""

    frame: pd.DataFrame  # product_id, title, description, category, price, cost, launch_date
    popularity: np.ndarray  # probability of being picked for a line
    launch_day: np.ndarray  # day index (relative to DEMO_START) of launch
    substitute: np.ndarray  # an older product of the same category, used before launch
    bundles: np.ndarray  # (n_bundles, 3) product indices
    category_idx: np.ndarray


def build_catalogue(rng: np.random.Generator) -> Catalogue:
    """Return the catalogue: products in catalogue order (P0001 is the size-chart T-shirt), Zipf popularity."""
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
    return Catalogue(frame, popularity, launch_day, substitute, bundles, cat_idx)
