"""The words of delivered messages in Chinese and English, in one place.

Every sentence a message carries goes through :func:`text` (and the name tables below), so the i18n work (issue 17)
can move these strings into the zh-CN / en message catalogs by replacing this module's body, without touching the
message builders. Languages are the subscription's: ``"zh"`` or ``"en"``.
"""
from __future__ import annotations

import math
from datetime import date
from typing import Any

LANGUAGES = ("zh", "en")

_TEXTS: dict[str, dict[str, str]] = {
    # reviews
    "weekly_title": {"en": "Weekly review {week} ({start} – {end})", "zh": "周报 {week}（{start} 至 {end}）"},
    "monthly_title": {"en": "Monthly review {month} ({start} – {end})", "zh": "月报 {month}（{start} 至 {end}）"},
    "partial": {"en": "Partial period: the data ends on {end}.", "zh": "本期数据不完整：数据截至 {end}。"},
    "kpi": {"en": "{label}: {value} ({change} {change_name}, {yoy} YoY)",
            "zh": "{label}：{value}（{change_name} {change}，同比 {yoy}）"},
    "roi_cut": {"en": "ROI below {floor}: {channels}. Cut or fix the spend.",
                "zh": "ROI 低于 {floor} 的渠道：{channels}，建议削减或优化投放。"},
    "review_alerts": {"en": "{n} alert(s) in the period; most severe: {alert}",
                      "zh": "本期告警 {n} 条；最严重：{alert}"},
    "review_risks": {"en": "Risk items to act on: {items}.", "zh": "需要处理的风险：{items}。"},
    "pdf_attached": {"en": "The full review is attached as a PDF.", "zh": "完整报告见附件 PDF。"},
    "open_review": {"en": "Open the review", "zh": "打开完整报告"},
    # alerts
    "alerts_title": {"en": "{n} alert(s) on core metrics, {start} – {end}",
                     "zh": "核心指标告警 {n} 条（{start} 至 {end}）"},
    "alert": {"en": "[{severity}] {label} {change} on {weekday} {day} (expected {baseline}, actual {value})",
              "zh": "【{severity}】{label} {change}（{day} {weekday}，基线 {baseline}，实际 {value}）"},
    "alert_cause": {"en": "  likely cause: {cause}", "zh": "  可能原因：{cause}"},
    "open_monitoring": {"en": "Open Monitoring for the root cause", "zh": "打开监控页查看根因"},
    # stock-outs
    "stockouts_title": {"en": "A items out of stock or at risk: {n} (as of {day})",
                        "zh": "A 类商品缺货或缺货风险：{n} 个（截至 {day}）"},
    "out_of_stock": {"en": "Out of stock: {title} ({category})", "zh": "已缺货：{title}（{category}）"},
    "stockout_risk": {"en": "Stock-out risk: {title} ({category}), {cover} days of cover, {on_hand} on hand",
                      "zh": "缺货风险：{title}（{category}），可售 {cover} 天，库存 {on_hand}"},
    "open_inventory": {"en": "Open Inventory (ABC)", "zh": "打开库存（ABC）页"},
    # negative-review SLA
    "sla_title": {"en": "Negative reviews past the {hours} h reply SLA: {n} ({start} – {end})",
                  "zh": "差评超过 {hours} 小时未及时回复：{n} 条（{start} 至 {end}）"},
    "sla_counts": {"en": "{negative} negative of {reviews} reviews ({rate}; target ≤ {target}); {open} still open.",
                   "zh": "共 {reviews} 条评价，差评 {negative} 条（差评率 {rate}，目标 ≤ {target}）；仍有 {open} 条未回复。"},
    "sla_open": {"en": "Open {hours} h: {title} ({category}), rating {rating}",
                 "zh": "已等待 {hours} 小时：{title}（{category}），评分 {rating}"},
    "open_reputation": {"en": "Open Reputation", "zh": "打开口碑页"},
    # shared
    "more": {"en": "… and {n} more", "zh": "……另有 {n} 条"},
    "test_title": {"en": "ecomops test message", "zh": "ecomops 测试消息"},
    "test_body": {"en": "This destination ({name}, {kind}) is set up: scheduled reviews and alerts will arrive here.",
                  "zh": "此渠道（{name}，{kind}）已配置成功：定时报告与告警将发送到这里。"},
}

_METRICS = {
    "gmv": {"en": "GMV", "zh": "GMV"},
    "orders": {"en": "Orders", "zh": "订单数"},
    "buyers": {"en": "Buyers", "zh": "买家数"},
    "uv": {"en": "UV", "zh": "访客数（UV）"},
    "conversion_rate": {"en": "Conversion rate", "zh": "转化率"},
    "spend_per_buyer": {"en": "Spend per buyer", "zh": "客单价"},
    "aov": {"en": "AOV", "zh": "平均订单金额"},
    "repurchase_rate": {"en": "Repurchase rate", "zh": "复购率"},
}
_SEVERITIES = {"critical": {"en": "critical", "zh": "严重"}, "warning": {"en": "warning", "zh": "警告"},
               "info": {"en": "info", "zh": "提示"}}
_CHANGE_NAMES = {"WoW": {"en": "WoW", "zh": "周环比"}, "MoM": {"en": "MoM", "zh": "月环比"}}
# The review's risk items (report.risks) by their English names.
_RISK_ITEMS = {
    "Negative-review rate": "差评率", "Reply SLA breaches": "差评回复超时",
    "SKUs without a backup supplier": "无备用供应商的 SKU", "Competitor undercuts": "竞品低价",
}
_WEEKDAYS = {"en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
             "zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日")}
_LIST_SEPARATOR = {"en": ", ", "zh": "、"}


def check_language(lang: str) -> str:
    """Return ``lang`` when it is a supported message language, else raise ValueError."""
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)} (got {lang!r})")
    return lang


def text(lang: str, key: str, **values: Any) -> str:
    """Return the message sentence ``key`` in ``lang`` with ``values`` filled in."""
    return _TEXTS[key][check_language(lang)].format(**values)


def metric_name(lang: str, metric: str) -> str:
    """Return the display name of a KPI in ``lang`` (the metric key when unknown)."""
    return _METRICS.get(metric, {}).get(lang, metric)


def severity_name(lang: str, severity: str) -> str:
    """Return the name of an alert severity in ``lang``."""
    return _SEVERITIES.get(severity, {}).get(lang, severity)


def change_name(lang: str, name: str) -> str:
    """Return 'WoW' / 'MoM' in ``lang``."""
    return _CHANGE_NAMES.get(name, {}).get(lang, name)


def risk_item(lang: str, item: str) -> str:
    """Return a review risk item's name in ``lang``."""
    return _RISK_ITEMS.get(item, item) if lang == "zh" else item


def weekday(lang: str, day: date) -> str:
    """Return the short weekday name of ``day`` in ``lang``."""
    return _WEEKDAYS[check_language(lang)][day.weekday()]


def join(lang: str, items: list[str]) -> str:
    """Return ``items`` joined as a list in ``lang``."""
    return _LIST_SEPARATOR[check_language(lang)].join(items)


def percent_change(value: float | None) -> str:
    """Return a relative change as '+12.3%' ('—' when undefined)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:+.1%}"
