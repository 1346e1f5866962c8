"""Human labels for the codes stored in the data: ``label("channel", "paid_ads")`` -> "Paid ads" / "付费广告".

Each table maps a code to its English label, marked with ``NP_(kind, text)``: the kind is the message context, so
one English word can have two Chinese translations ("New" is 新客 as a lifecycle state and 一般发展客户 as an RFM
segment) and the translations live in the catalogs like every other message. A code no table knows is data: a
snake_case identifier is humanised (``tmall_flagship`` -> "Tmall flagship"), anything else (an imported channel
called 天猫旗舰店 or "Google Ads") is shown as is. The Chinese terms and their sources are in docs/glossary.md.
"""
from __future__ import annotations

import re
from typing import Any

from ecomops.i18n.core import NP_, pgettext, use_locale

LABELS: dict[str, dict[str, str]] = {
    # The home KPIs and the other measures the pages name (METRICS.md; zh terms as in 生意参谋, see the glossary).
    "metric": {
        "gmv": NP_("metric", "GMV"),
        "orders": NP_("metric", "Orders"),
        "buyers": NP_("metric", "Buyers"),
        "uv": NP_("metric", "UV"),
        "pv": NP_("metric", "Page views"),
        "conversion_rate": NP_("metric", "Conversion rate"),
        "spend_per_buyer": NP_("metric", "Spend per buyer"),
        "aov": NP_("metric", "AOV"),
        "item_price": NP_("metric", "Average item price"),
        "repurchase_rate": NP_("metric", "Repurchase rate"),
        "repurchase_cycle": NP_("metric", "Repurchase cycle"),
        "roi": NP_("metric", "ROI"),
        "spend": NP_("metric", "Ad spend"),
        "attributed_gmv": NP_("metric", "Attributed GMV"),
        "impressions": NP_("metric", "Impressions"),
        "clicks": NP_("metric", "Clicks"),
        "ctr": NP_("metric", "Click-through rate"),
        "cpc": NP_("metric", "Cost per click"),
        "add_to_cart": NP_("metric", "Add to cart"),
        "favourites": NP_("metric", "Favourites"),
        "gmv_share": NP_("metric", "GMV share"),
        "days_of_cover": NP_("metric", "Days of cover"),
        "turnover_days": NP_("metric", "Inventory turnover days"),
        "on_hand": NP_("metric", "On hand"),
        "negative_review_rate": NP_("metric", "Negative-review rate"),
        "response_time": NP_("metric", "Response time"),
        "support": NP_("metric", "Support"),
        "confidence": NP_("metric", "Confidence"),
        "lift": NP_("metric", "Lift"),
        "uplift": NP_("metric", "Uplift"),
        "churn_probability": NP_("metric", "Churn probability"),
        "recency_days": NP_("metric", "Days since last order"),
    },
    "channel": {
        "search": NP_("channel", "Search"),
        "paid_ads": NP_("channel", "Paid ads"),
        "xiaohongshu": NP_("channel", "Xiaohongshu"),
        "douyin_live": NP_("channel", "Douyin live"),
        "wecom": NP_("channel", "WeCom"),
        "direct": NP_("channel", "Direct"),
    },
    "device": {
        "app": NP_("device", "App"),
        "mobile_web": NP_("device", "Mobile web"),
        "pc": NP_("device", "PC"),
    },
    "order_status": {
        "unpaid": NP_("order_status", "Unpaid"),
        "paid": NP_("order_status", "Paid"),
        "shipped": NP_("order_status", "Shipped"),
        "completed": NP_("order_status", "Completed"),
        "cancelled": NP_("order_status", "Cancelled"),
        "returned": NP_("order_status", "Returned"),
    },
    "lifecycle": {
        "new": NP_("lifecycle", "New"),
        "active": NP_("lifecycle", "Active"),
        "dormant": NP_("lifecycle", "Dormant"),
        "lost": NP_("lifecycle", "Lost"),
        "prospect": NP_("lifecycle", "Prospect"),
        "guest": NP_("lifecycle", "Guest orders"),
        "not yet a customer": NP_("lifecycle", "Not yet a customer"),
    },
    # The codes are the segment names ecomops.users.rfm.RFM_RULES stores; the Chinese names follow the 8-segment RFM
    # model of Chinese CRM tools (glossary: how the 9 segments of the R x FM grid map onto it).
    "rfm_segment": {
        "Champions": NP_("rfm_segment", "Champions"),
        "Loyal": NP_("rfm_segment", "Loyal"),
        "Potential loyalist": NP_("rfm_segment", "Potential loyalist"),
        "New": NP_("rfm_segment", "New"),
        "Needs attention": NP_("rfm_segment", "Needs attention"),
        "Can't lose": NP_("rfm_segment", "Can't lose"),
        "At risk": NP_("rfm_segment", "At risk"),
        "Hibernating": NP_("rfm_segment", "Hibernating"),
        "Lost": NP_("rfm_segment", "Lost"),
    },
    "campaign_kind": {
        "big_sale": NP_("campaign_kind", "Big sale"),
        "member_day": NP_("campaign_kind", "Member day"),
        "flash_sale": NP_("campaign_kind", "Flash sale"),
        "other": NP_("campaign_kind", "Other campaign"),
    },
    "abc_class": {
        "A": NP_("abc_class", "A"),
        "B": NP_("abc_class", "B"),
        "C": NP_("abc_class", "C"),
    },
    "stock_alert": {
        "out_of_stock": NP_("stock_alert", "Out of stock"),
        "stockout_risk": NP_("stock_alert", "Stock-out risk"),
        "overstock": NP_("stock_alert", "Overstock"),
    },
    "severity": {
        "critical": NP_("severity", "Critical"),
        "warning": NP_("severity", "Warning"),
        "info": NP_("severity", "Info"),
    },
    "direction": {
        "down": NP_("direction", "Down"),
        "up": NP_("direction", "Up"),
        "both": NP_("direction", "Up or down"),
    },
    "effect": {
        "traffic": NP_("effect", "Traffic (UV)"),
        "conversion": NP_("effect", "Conversion rate"),
        "spend": NP_("effect", "Spend per buyer"),
    },
    "funnel_stage": {
        "visits": NP_("funnel_stage", "Visit"),
        "product_views": NP_("funnel_stage", "Product view"),
        "add_to_cart": NP_("funnel_stage", "Add to cart"),
        "checkouts": NP_("funnel_stage", "Checkout"),
        "purchases": NP_("funnel_stage", "Purchase"),
    },
    "visitor_type": {
        "new": NP_("visitor_type", "New visitor"),
        "returning": NP_("visitor_type", "Returning visitor"),
        "other": NP_("visitor_type", "Other"),
        "unknown": NP_("visitor_type", "Unknown"),
    },
    "member_tier": {
        "none": NP_("member_tier", "Not a member"),
        "silver": NP_("member_tier", "Silver member"),
        "gold": NP_("member_tier", "Gold member"),
    },
    "outreach_arm": {
        "treatment": NP_("outreach_arm", "Contacted"),
        "control": NP_("outreach_arm", "Control (held out)"),
    },
    "channel_action": {
        "cut": NP_("channel_action", "Cut"),
        "watch": NP_("channel_action", "Watch"),
        "grow": NP_("channel_action", "Grow"),
        "keep": NP_("channel_action", "Keep"),
    },
    "period": {
        "week": NP_("period", "Weekly review"),
        "month": NP_("period", "Monthly review"),
    },
    "comparison": {
        "wow": NP_("comparison", "Week over week"),
        "mom": NP_("comparison", "Month over month"),
        "yoy": NP_("comparison", "Year over year"),
        "previous": NP_("comparison", "vs previous period"),
    },
    "import_kind": {
        "orders": NP_("import_kind", "Orders"),
        "customers": NP_("import_kind", "Customers"),
        "products": NP_("import_kind", "Products"),
        "inventory": NP_("import_kind", "Inventory snapshot"),
        "traffic": NP_("import_kind", "Traffic (daily)"),
        "traffic_sessions": NP_("import_kind", "Traffic sessions"),
        "ad_spend": NP_("import_kind", "Ad spend"),
        "keywords": NP_("import_kind", "Search keywords"),
        "reviews": NP_("import_kind", "Reviews"),
        "competitor_prices": NP_("import_kind", "Competitor prices"),
        "suppliers": NP_("import_kind", "Suppliers"),
    },
    # The writes the audit trail records (ecomops/audit.py; column action of audit_log).
    "audit_action": {
        "import": NP_("audit_action", "Import"),
        "undo_import": NP_("audit_action", "Undo of an import"),
        "status_words": NP_("audit_action", "Status words mapped"),
        "preset_save": NP_("audit_action", "Mapping preset saved"),
        "settings_save": NP_("audit_action", "Thresholds changed"),
        "settings_restore_defaults": NP_("audit_action", "Default thresholds restored"),
        "word_list_save": NP_("audit_action", "Word list saved"),
        "word_list_restore": NP_("audit_action", "Shipped word list restored"),
        "alert_rules_save": NP_("audit_action", "Alert rules saved"),
        "outreach_record": NP_("audit_action", "Outreach list recorded"),
        "sql_query": NP_("audit_action", "SQL query run"),
        "model_train": NP_("audit_action", "Churn model trained"),
        "account_add": NP_("audit_action", "Account added"),
        "account_remove": NP_("audit_action", "Account removed"),
        "account_set_role": NP_("audit_action", "Role changed"),
        "account_set_password": NP_("audit_action", "Password changed"),
    },
    "role": {
        "viewer": NP_("role", "Viewer"),
        "operator": NP_("role", "Operator"),
        "admin": NP_("role", "Admin"),
    },
    "via": {
        "web": NP_("via", "Web app"),
        "cli": NP_("via", "Command line"),
    },
    # Concepts the pages name that are not a stored code (section titles, report names, glossary terms).
    "term": {
        "abc_classification": NP_("term", "ABC classification"),
        "rfm_segmentation": NP_("term", "RFM segmentation"),
        "lifecycle": NP_("term", "Customer lifecycle"),
        "returning_customer": NP_("term", "Returning customer"),
        "private_domain": NP_("term", "Private domain"),
        "pre_sale": NP_("term", "Pre-sale"),
        "percentage_points": NP_("term", "Percentage points"),
        "control_group": NP_("term", "Control group"),
    },
}
KINDS: tuple[str, ...] = tuple(LABELS)
_IDENTIFIER = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")


def humanise(code: str) -> str:
    """Return a code no table knows as readable text: ``tmall_flagship`` -> "Tmall flagship"; other text as is."""
    if _IDENTIFIER.fullmatch(code):
        text = code.replace("_", " ")
        return text[0].upper() + text[1:]
    return code


def label(kind: str, code: Any, *, locale: str | None = None) -> str:
    """Return the label of a code of a kind (a key of LABELS) in the current locale; "—" for a missing code."""
    from ecomops.i18n.fmt import NONE, is_missing

    table = LABELS[kind]  # an unknown kind is a programming error
    if is_missing(code):
        return NONE
    code = str(code)
    msgid = table.get(code)
    if msgid is None:
        return humanise(code)
    with use_locale(locale):
        return pgettext(kind, msgid)


def labels(kind: str, *, locale: str | None = None) -> dict[str, str]:
    """Return {code: label} of a kind in table order (for select boxes and legends)."""
    return {code: label(kind, code, locale=locale) for code in LABELS[kind]}


def raw_codes(kinds: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """Return the snake_case codes of the tables (paid_ads, mobile_web...): text a user should never see as is."""
    return tuple(sorted({code for kind in (kinds or KINDS) for code in LABELS[kind] if "_" in code}))
