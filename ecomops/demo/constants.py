"""The demo store's fixed facts: its period, the planted dates and names, the label sets its codes stand for, and the
tables it fills. Every other module of the demo (and tests, through ``ecomops.demo``) reads them from here."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Callable

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
