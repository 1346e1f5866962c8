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
        "all": NP_("device", "All devices"),  # traffic exports without a device split (the importer's default)
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
    "member_group": {
        "member": NP_("member_group", "Members"),
        "non-member": NP_("member_group", "Non-members"),
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
    # The days a campaign's baseline is made of (ecomops.traffic.campaigns: same day type when enough remain).
    "baseline_rule": {
        "weekdays": NP_("baseline_rule", "Weekdays"),
        "weekend days": NP_("baseline_rule", "Weekend days"),
        "any day": NP_("baseline_rule", "Any day"),
    },
    "keyword_class": {
        "core": NP_("keyword_class", "Core"),
        "long-tail": NP_("keyword_class", "Long-tail"),
        "all": NP_("keyword_class", "All keywords"),
    },
    "audience_rank": {
        "best": NP_("audience_rank", "Best"),
        "worst": NP_("audience_rank", "Worst"),
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
    "destination_kind": {
        "email": NP_("destination_kind", "Email"),
        "wecom": NP_("destination_kind", "WeCom group robot"),
        "dingtalk": NP_("destination_kind", "DingTalk group robot"),
        "feishu": NP_("destination_kind", "Feishu group robot"),
        "slack": NP_("destination_kind", "Slack"),
        "webhook": NP_("destination_kind", "JSON webhook"),
    },
    "subscription_kind": {
        "weekly_review": NP_("subscription_kind", "Weekly review"),
        "monthly_review": NP_("subscription_kind", "Monthly review"),
        "alerts": NP_("subscription_kind", "Core-metric alerts"),
        "stockouts": NP_("subscription_kind", "Stock-outs of A items"),
        "sla_breaches": NP_("subscription_kind", "Negative-review SLA breaches"),
    },
    "delivery_status": {
        "sent": NP_("delivery_status", "Sent"),
        "sending": NP_("delivery_status", "Sending"),
        "pending": NP_("delivery_status", "Queued"),
        "retrying": NP_("delivery_status", "Retrying"),
        "failed": NP_("delivery_status", "Failed"),
        "interrupted": NP_("delivery_status", "Interrupted"),
        "skipped": NP_("delivery_status", "Skipped"),
        "empty": NP_("delivery_status", "Nothing to send"),
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
    # Table column headers (the column names of the frames the pages show; ecomops.ui.columns.headers).
    "column": {
        "product_id": NP_("column", "Product ID"),
        "title": NP_("column", "Title"),
        "category": NP_("column", "Category"),
        "keyword": NP_("column", "Keyword"),
        "searches": NP_("column", "Searches"),
        "searches_prev": NP_("column", "Searches (previous 4 weeks)"),
        "searches_yoy": NP_("column", "Searches a year earlier"),
        "growth": NP_("column", "Growth"),
        "yoy_growth": NP_("column", "YoY growth"),
        "clicks": NP_("column", "Clicks"),
        "orders": NP_("column", "Orders"),
        "ctr": NP_("column", "CTR"),
        "conversion": NP_("column", "Conversion"),
        "gmv": NP_("column", "GMV"),
        "gmv_prev": NP_("column", "GMV (previous 4 weeks)"),
        "gmv_yoy": NP_("column", "GMV a year earlier"),
        "is_new": NP_("column", "New this period"),
        "matching_products": NP_("column", "Matching products"),
        "units": NP_("column", "Units"),
        "units_growth": NP_("column", "Units growth"),
        "avg_price": NP_("column", "Average price"),
        "category_price_p75": NP_("column", "Category price (75th percentile)"),
        "category_median_units": NP_("column", "Category median units"),
        "weeks_with_sales": NP_("column", "Weeks with sales"),
        "weekly_cv": NP_("column", "Weekly variation (CV)"),
        "abc_class": NP_("column", "ABC class"),
        "skus": NP_("column", "SKUs"),
        "gmv_share": NP_("column", "GMV share"),
        "on_hand": NP_("column", "On hand"),
        "median_days_of_cover": NP_("column", "Median days of cover"),
        "action": NP_("column", "Suggested action"),
        "alert": NP_("column", "Alert"),
        "daily_units": NP_("column", "Daily units"),
        "days_of_cover": NP_("column", "Days of cover"),
        "message": NP_("column", "Detail"),
        "price": NP_("column", "Price"),
        "share": NP_("column", "Share"),
        "cum_share": NP_("column", "Cumulative share"),
        "snapshot_date": NP_("column", "Stock as of"),
        "avg_on_hand": NP_("column", "Average on hand"),
        "period_daily_units": NP_("column", "Daily units (range)"),
        "turnover_days": NP_("column", "Turnover days"),
        "lead_time_days": NP_("column", "Lead time (days)"),
        "lead_time_known": NP_("column", "Lead time on file"),
        "target_days": NP_("column", "Target days"),
        "suggested_qty": NP_("column", "Suggested quantity"),
        "title_a": NP_("column", "Product A"),
        "title_b": NP_("column", "Product B"),
        "product_a": NP_("column", "Product A ID"),
        "product_b": NP_("column", "Product B ID"),
        "pair_orders": NP_("column", "Orders together"),
        "support": NP_("column", "Support"),
        "confidence_a_to_b": NP_("column", "Confidence A→B"),
        "confidence_b_to_a": NP_("column", "Confidence B→A"),
        "lift": NP_("column", "Lift"),
        "aov_with_pair": NP_("column", "AOV with the pair"),
        "aov_without_pair": NP_("column", "AOV of other orders"),
        "uplift_aov": NP_("column", "AOV uplift"),
        "slow_mover": NP_("column", "Slow mover ID"),
        "slow_title": NP_("column", "Slow mover"),
        "slow_class": NP_("column", "Slow mover class"),
        "partner": NP_("column", "Partner ID"),
        "partner_title": NP_("column", "Partner"),
        "attach_rate": NP_("column", "Attach rate"),
        "suggestion": NP_("column", "Suggestion"),
        "gmv_wow": NP_("column", "GMV WoW"),
        "units_wow": NP_("column", "Units WoW"),
        "repurchase_rate": NP_("column", "Repurchase rate"),
        "return_rate": NP_("column", "Return/cancel rate"),
        "return_rate_wow": NP_("column", "Return/cancel rate WoW"),
        "rating": NP_("column", "Rating"),
        "rating_wow": NP_("column", "Rating WoW"),
        "negative_share": NP_("column", "Negative-review share"),
        "avg_price_wow": NP_("column", "Average price WoW"),
        "created_ts": NP_("column", "Created"),
        "review_text": NP_("column", "Review"),
        "language": NP_("column", "Language"),
        "replied": NP_("column", "Replied"),
        "buyers": NP_("column", "Buyers"),
        "share_of_buyers": NP_("column", "Share of its buyers"),
        "category_repurchase_rate": NP_("column", "Category repurchase rate"),
        "z_score": NP_("column", "z-score"),
        "likely_reason": NP_("column", "Likely reason"),
        "claims": NP_("column", "Claims"),
        "words": NP_("column", "Words"),
        "title_highlighted": NP_("column", "Title (claims marked)"),
        "description_highlighted": NP_("column", "Description (claims marked)"),
        "description": NP_("column", "Description"),
        "suggested_title": NP_("column", "Suggested title"),
        "rule_categories": NP_("column", "Rule categories"),
        "word": NP_("column", "Word"),
        "reason": NP_("column", "Reason"),
        "whole_word": NP_("column", "Whole word"),
        "exceptions": NP_("column", "Exceptions"),
        "enabled": NP_("column", "Enabled"),
        "matched": NP_("column", "Matched text"),
        "rule_category": NP_("column", "Rule category"),
        "primary_supplier": NP_("column", "Primary supplier ID"),
        "primary_supplier_name": NP_("column", "Primary supplier"),
        "primary_lead_hours": NP_("column", "Primary lead time (h)"),
        "risk": NP_("column", "Risk"),
        "supplier": NP_("column", "Supplier"),
        "skus_without_backup": NP_("column", "SKUs without backup"),
        "suppliers": NP_("column", "Suppliers"),
        "fastest_backup": NP_("column", "Fastest backup"),
        "backup_lead_hours": NP_("column", "Backup lead time (h)"),
        "supplier_id": NP_("column", "Supplier ID"),
        "role": NP_("column", "Role"),
        "lead_hours": NP_("column", "Lead time (h)"),
        "within_target": NP_("column", "Within target"),
        "competitor": NP_("column", "Competitor"),
        "day": NP_("column", "Day"),
        "competitor_price": NP_("column", "Competitor price"),
        "our_price": NP_("column", "Our price"),
        "gap": NP_("column", "Gap"),
        "promotion": NP_("column", "Promotion"),
        "suggested_response": NP_("column", "Suggested response"),
        "is_new_product": NP_("column", "New product"),
        "review_id": NP_("column", "Review ID"),
        "source": NP_("column", "Judged by"),
        "replied_ts": NP_("column", "Replied at"),
        "hours": NP_("column", "Hours open / to reply"),
        "sla_status": NP_("column", "SLA status"),
        "reviews": NP_("column", "Reviews"),
        "negative": NP_("column", "Negative reviews"),
        "sla_breaches": NP_("column", "SLA breaches"),
        "negative_rate": NP_("column", "Negative-review rate"),
        "above_target": NP_("column", "Above target"),
    },
    # Values stored as English words (the codes are the stored values; en labels capitalise them).
    "sla_status": {
        "open, overdue": NP_("sla_status", "Open, overdue"),
        "open, within SLA": NP_("sla_status", "Open, within SLA"),
        "replied late": NP_("sla_status", "Replied late"),
        "replied in time": NP_("sla_status", "Replied in time"),
    },
    "review_source": {
        "rating": NP_("review_source", "Rating"),
        "model": NP_("review_source", "Review model"),
        "none": NP_("review_source", "Not judged"),
        "unclassified": NP_("review_source", "Unclassified"),
    },
    "competitor_alert": {
        "loss leader": NP_("competitor_alert", "Loss leader"),
        "undercut": NP_("competitor_alert", "Undercut"),
    },
    # Complaint themes of ecomops.products.review.REASON_THEMES (the code is the English name).
    "complaint_theme": {
        "size / fit": NP_("complaint_theme", "size / fit"),
        "quality": NP_("complaint_theme", "quality"),
        "looks different": NP_("complaint_theme", "looks different"),
        "delivery": NP_("complaint_theme", "delivery"),
        "price / value": NP_("complaint_theme", "price / value"),
        "service": NP_("complaint_theme", "service"),
        "smell / taste": NP_("complaint_theme", "smell / taste"),
    },
    "supplier_role": {
        "primary": NP_("supplier_role", "Primary"),
        "backup": NP_("supplier_role", "Backup"),
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


# Column names are also the field names of CSV exports and imports, which the Upload page names on purpose.
NOT_RAW: frozenset[str] = frozenset({"column"})


def raw_codes(kinds: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """Return the snake_case codes of the tables (paid_ads, mobile_web...): text a user should never see as is
    (column names left out unless their kind is asked for: see NOT_RAW)."""
    chosen = kinds or tuple(k for k in KINDS if k not in NOT_RAW)
    return tuple(sorted({code for kind in chosen for code in LABELS[kind] if "_" in code}))
