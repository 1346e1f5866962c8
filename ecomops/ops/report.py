"""The weekly / monthly review a manager takes into a meeting, and its export as one HTML file or a PDF.

A review covers a calendar week (Monday-Sunday) or month holding the chosen date, clipped to the last day of data (a
partial period is compared with the same number of days before it). It holds: the KPIs (METRICS.md, via
``metrics.kpis``) with week-over-week / month-over-month and year-over-year change (the year-ago week is 52 weeks
earlier so weekdays line up; the year-ago month is the same dates a year earlier), top movers (products, channels,
search keywords), the channel ROI review, the alerts of the period with their root cause, reactivation outreach
results (treatment vs control), and risk items.

Exports: ``to_html`` writes one self-contained file (plotly.js inline, charts interactive, no network needed);
``to_pdf`` renders the same page with static SVG charts (kaleido) and prints it with headless Chromium; Chinese text
uses the WenQuanYi Zen Hei font (Debian fonts-wqy-zenhei).
"""
from __future__ import annotations

import calendar
import shutil
import subprocess
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import plotly.graph_objects as go
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ecomops import charts, config, db, derived, metrics
from ecomops.config import Thresholds
from ecomops.i18n import N_, _, current_locale, fmt, label
from ecomops.filters import Filters, slot, where
from ecomops.ops import charts as monitoring_charts
from ecomops.ops import monitoring
from ecomops.traffic.channels import review_action

PERIODS = ("week", "month")
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "chromium", "google-chrome")
REACTIVATION_LOOKBACK_DAYS = 180
MOVERS_TOP = 5


class ReportError(RuntimeError):
    """The review could not be exported (e.g. no Chromium for the PDF); the message says what to install."""


@dataclass(frozen=True)
class Period:
    """A review period and the two periods it is compared with."""

    kind: str
    start: date
    end: date
    previous_start: date
    previous_end: date
    year_ago_start: date
    year_ago_end: date
    partial: bool

    @property
    def label(self) -> str:
        """Return e.g. 'Week 2026-W45 (2026-11-02 – 2026-11-08)' or 'Month 2026-11 (...)', in the reader's language."""
        days = fmt.date_range(self.start, self.end)
        if self.kind == "week":
            if self.partial:
                return _("Week {week} ({range}, partial)", week=fmt.week(self.start), range=days)
            return _("Week {week} ({range})", week=fmt.week(self.start), range=days)
        if self.partial:
            return _("Month {month} ({range}, partial)", month=fmt.month(self.start), range=days)
        return _("Month {month} ({range})", month=fmt.month(self.start), range=days)

    @property
    def change_name(self) -> str:
        """Return 'WoW' or 'MoM' (zh 周环比 / 月环比)."""
        return _("WoW") if self.kind == "week" else _("MoM")


def _shift_year(day: date, years: int = 1) -> date:
    target_year = day.year - years
    return day.replace(year=target_year, day=min(day.day, calendar.monthrange(target_year, day.month)[1]))


def period_for(kind: str, anchor: date, data_end: date | None = None) -> Period:
    """Return the week (Mon-Sun) or month holding ``anchor``, clipped to ``data_end``, with its comparison periods."""
    if kind not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)} (got {kind!r})")
    if kind == "week":
        start = anchor - timedelta(days=anchor.weekday())
        full_end = start + timedelta(days=6)
    else:
        start = anchor.replace(day=1)
        full_end = anchor.replace(day=calendar.monthrange(anchor.year, anchor.month)[1])
    end = min(full_end, data_end) if data_end else full_end
    if end < start:
        raise ValueError(f"no data in the {kind} of {anchor} (data ends {data_end})")
    days = (end - start).days
    if kind == "week":
        previous_start = start - timedelta(days=7)
        year_ago_start = start - timedelta(weeks=52)
    else:
        previous_start = (start - timedelta(days=1)).replace(day=1)
        year_ago_start = _shift_year(start)
    previous_end = previous_start + timedelta(days=days)
    if kind == "month":  # a month can be shorter than the days of the one after it
        last = previous_start.replace(day=calendar.monthrange(previous_start.year, previous_start.month)[1])
        previous_end = min(previous_end, last)
    year_ago_end = year_ago_start + timedelta(days=days)
    return Period(kind, start, end, previous_start, previous_end, year_ago_start, year_ago_end, end < full_end)


@dataclass
class Review:
    """Everything a review shows; DataFrames for tables, figures built on demand by ``figures()``."""

    period: Period
    filters: Filters
    kpis: pd.DataFrame
    daily: pd.DataFrame
    movers: dict[str, pd.DataFrame]
    roi: pd.DataFrame
    alerts: pd.DataFrame
    reactivation: pd.DataFrame
    risks: pd.DataFrame
    thresholds: Thresholds  # the settings in force when it was built (the ROI floor of its chart)
    highlights: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        """Return the document title: Weekly review / Monthly review (zh 周报 / 月报)."""
        return label("period", self.period.kind)


# --------------------------------------------------------------------------------------------------------------
# Building the review


def _rel(value: float | None, before: float | None) -> float | None:
    if value is None or before is None or pd.isna(value) or pd.isna(before) or before == 0:
        return None
    return float(value) / float(before) - 1


def kpi_table(con: duckdb.DuckDBPyConnection, f: Filters, p: Period) -> pd.DataFrame:
    """Return one row per KPI: value, previous, change (WoW/MoM), year_ago, yoy."""
    now = metrics.kpis(con, f.with_range(p.start, p.end))
    before = metrics.kpis(con, f.with_range(p.previous_start, p.previous_end))
    year_ago = metrics.kpis(con, f.with_range(p.year_ago_start, p.year_ago_end))
    rows = []
    for name in metrics.KPI_NAMES:
        rows.append({"metric": name, "label": label("metric", name), "value": now[name],
                     "previous": before[name], "change": _rel(now[name], before[name]),
                     "year_ago": year_ago[name], "yoy": _rel(now[name], year_ago[name])})
    return pd.DataFrame(rows)


def _two_period_parts(f: Filters, p: Period) -> tuple[dict[str, str], dict[str, Any]]:
    cur_sql, params = slot(f.with_range(p.start, p.end), "orders", prefix="cur_")
    prev_sql, prev_params = slot(f.with_range(p.previous_start, p.previous_end), "orders", prefix="prev_")
    category_sql, category_params = slot(f, "products", prefix="cat_")
    params.update(prev_params)
    params.update(category_params)
    return {"cur_where": cur_sql, "prev_where": prev_sql, "category_where": category_sql}, params


def _movers(frame: pd.DataFrame, top: int = MOVERS_TOP) -> pd.DataFrame:
    """Return the ``top`` risers and ``top`` fallers by absolute change, risers first."""
    if frame.empty:
        return frame.assign(change=[], change_pct=[])
    frame = frame.copy()
    frame["change"] = frame["value"] - frame["previous"]
    frame["change_pct"] = [_rel(v, b) for v, b in zip(frame["value"], frame["previous"])]
    up = frame[frame["change"] > 0].nlargest(top, "change")
    down = frame[frame["change"] < 0].nsmallest(top, "change")
    return pd.concat([up, down], ignore_index=True)


def movers(con: duckdb.DuckDBPyConnection, f: Filters, p: Period) -> dict[str, pd.DataFrame]:
    """Return the top movers vs the previous period: products and channels by GMV, keywords by searches."""
    parts, params = _two_period_parts(f, p)
    derived.ensure(con, derived.PRODUCTS_LINES)
    products = db.query_df(con, db.load_sql("ops/report_product_movers").format(**parts), params)
    products["segment"] = products["title"].fillna(products["product_id"])
    # Channels: the overview's GMV by channel (daily rollup) for both periods, rather than a second GMV query.
    now = metrics.gmv_by_channel(con, f.with_range(p.start, p.end)).set_index("channel")["gmv"]
    before = metrics.gmv_by_channel(con, f.with_range(p.previous_start, p.previous_end)).set_index("channel")["gmv"]
    channels = (pd.concat({"value": now, "previous": before}, axis=1).fillna(0.0)
                .rename_axis("segment").reset_index())
    keyword_where, keyword_params = where(f, category_col="k.category", prefix="cat_")
    keyword_params.update(cur_start=p.start, cur_end=p.end, prev_start=p.previous_start, prev_end=p.previous_end)
    keywords = db.query_df(con, db.load_sql("ops/report_keyword_movers").format(keyword_category_where=keyword_where),
                           keyword_params)
    return {"products": _movers(products)[["segment", "category", "value", "previous", "change", "change_pct"]],
            "channels": _movers(channels, top=10)[["segment", "value", "previous", "change", "change_pct"]],
            "keywords": _movers(keywords)[["segment", "category", "value", "previous", "change", "change_pct", "gmv"]]}


def channel_roi(con: duckdb.DuckDBPyConnection, f: Filters, p: Period) -> pd.DataFrame:
    """Return spend, attributed GMV, ROI and previous ROI per channel with the review action (cut / watch / grow)."""
    channel_sql, params = slot(f, "ads", dates=False)
    params.update(cur_start=p.start, cur_end=p.end, prev_start=p.previous_start, prev_end=p.previous_end)
    frame = db.query_df(con, db.load_sql("ops/report_channel_roi").format(channel_where=channel_sql), params)
    columns = ["channel", "spend", "attributed_gmv", "roi", "previous_roi", "roi_change", "flag", "action", "reason"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame["roi"] = [_ratio(g, s) for g, s in zip(frame["attributed_gmv"], frame["spend"])]
    frame["previous_roi"] = [_ratio(g, s) for g, s in zip(frame["previous_attributed_gmv"], frame["previous_spend"])]
    frame["roi_change"] = [_rel(a, b) for a, b in zip(frame["roi"], frame["previous_roi"])]
    floor = config.thresholds(con).roi_floor
    frame["flag"] = [r is not None and r < floor for r in frame["roi"]]
    actions = [review_action(r, b, floor, p.kind) for r, b in zip(frame["roi"], frame["previous_roi"])]
    frame["action"] = [action for action, _reason in actions]
    frame["reason"] = [reason for _action, reason in actions]
    return frame.sort_values("roi", na_position="last")[columns].reset_index(drop=True)


def _ratio(num: Any, den: Any) -> float | None:
    return None if num is None or den is None or pd.isna(num) or pd.isna(den) or den == 0 else float(num) / float(den)


def reactivation(con: duckdb.DuckDBPyConnection, p: Period) -> pd.DataFrame:
    """Return treatment and control rows (sent, converted, rate, converted_in_period, uplift with its interval) of
    the outreach sent in the lookback up to the period end: targeting.reactivation_by_arm, the one definition of
    reactivation (a valid order within the churn horizon after the sent date, seen up to the period end)."""
    from ecomops.users import targeting

    return targeting.reactivation_by_arm(con, p.end - timedelta(days=REACTIVATION_LOOKBACK_DAYS), p.end, p.end,
                                         period_start=p.start)


def reactivation_uplift(frame: pd.DataFrame) -> float | None:
    """Return treatment minus control reactivation rate (percentage points as a fraction), None without both arms."""
    if frame.empty or set(frame["arm"]) != {"treatment", "control"}:
        return None
    return float(frame["uplift"].iloc[0])


RISK_ITEMS = {"negative_rate": N_("Negative-review rate"), "sla": N_("Reply SLA breaches"),
              "backup": N_("SKUs without a backup supplier"), "undercut": N_("Competitor undercuts")}


def risks(con: duckdb.DuckDBPyConnection, p: Period) -> pd.DataFrame:
    """Return the risk items: item, value (display text), status ('ok' | 'attention'), detail."""
    t = config.thresholds(con)
    derived.ensure(con, derived.PRODUCTS_LINES)
    row = db.query_df(con, db.load_sql("ops/report_risks"), {
        "start": p.start, "end": p.end, "negative_max": t.negative_rating_max,
        "sla_hours": t.reply_sla_hours}).iloc[0]
    items = []
    negative_rate = _ratio(row["negative_reviews"], row["rated_reviews"])
    target = t.negative_rate_target
    items.append({"item": _(RISK_ITEMS["negative_rate"]), "value": fmt.percent(negative_rate),
                  "status": "attention" if negative_rate is not None and negative_rate > target else "ok",
                  "detail": _("{negative} of {rated} rated reviews (rating ≤ {max}); target ≤ {target}",
                              negative=fmt.count(row["negative_reviews"]), rated=fmt.count(row["rated_reviews"]),
                              max=fmt.count(t.negative_rating_max), target=fmt.percent(target, 0))})
    items.append({"item": _(RISK_ITEMS["sla"]), "value": fmt.count(row["sla_breaches"]),
                  "status": "attention" if row["sla_breaches"] else "ok",
                  "detail": _("negative reviews of the period answered after {hours} or not yet answered",
                              hours=fmt.hours(t.reply_sla_hours))})
    items[:2] = _reputation_items(con, p) or items[:2]
    items.append(_backup_item(con, p, row))
    deepest = row["deepest_undercut"]
    items.append({"item": _(RISK_ITEMS["undercut"]), "value": fmt.count(row["undercut_skus"]),
                  "status": "attention" if row["undercut_skus"] else "ok",
                  "detail": (_("SKUs a competitor sells cheaper (latest price of the period); deepest {share} below "
                               "our price", share=fmt.percent(float(deepest), 0)) if not pd.isna(deepest) else
                             _("SKUs a competitor sells cheaper (latest price of the period)"))})
    return pd.DataFrame(items)


def _reputation_items(con: duckdb.DuckDBPyConnection, p: Period) -> list[dict[str, str]] | None:
    """Return the negative-rate and SLA items from the Risk → Reputation module (text-only reviews classified by its
    model) when present; None to keep the rated-reviews-only figures of report_risks.sql."""
    try:
        from ecomops.risk.reputation import reputation_summary
    except ImportError:  # pragma: no cover - module absent
        return None
    s = reputation_summary(con, Filters(p.start, p.end))
    rate, target = s["negative_rate"], s["target"]
    return [
        {"item": _(RISK_ITEMS["negative_rate"]), "value": fmt.percent(rate),
         "status": "attention" if rate is not None and rate > target else "ok",
         "detail": _("{negative} of {reviews} reviews ({by_model} negative by the text model); target ≤ {target}",
                     negative=fmt.count(s["negative"]), reviews=fmt.count(s["reviews"]),
                     by_model=fmt.count(s["negative_by_model"]), target=fmt.percent(target, 0))},
        {"item": _(RISK_ITEMS["sla"]), "value": fmt.count(s["sla_breaches"]),
         "status": "attention" if s["sla_breaches"] else "ok",
         "detail": _("negative reviews answered after {hours} or still open past it; {open} still open",
                     hours=fmt.hours(config.thresholds(con).reply_sla_hours), open=fmt.count(s["negative_open"]))},
    ]


def _backup_item(con: duckdb.DuckDBPyConnection, p: Period, row: pd.Series) -> dict[str, str]:
    """Return the backup-supplier risk item: the Risk → Supply module's figures when present, else ours."""
    try:
        from ecomops.risk.supply import supply_summary
    except ImportError:  # pragma: no cover - module absent
        supply_summary = None
    if supply_summary is not None:
        summary = supply_summary(con, Filters(p.start, p.end))
        share = summary.get("gmv_share_without_backup")
        return {"item": _(RISK_ITEMS["backup"]), "value": fmt.count(summary["skus_without_backup"]),
                "status": "attention" if summary["skus_without_backup"] else "ok",
                "detail": (_("of {skus} SKUs; {share} of the period's GMV has no backup",
                             skus=fmt.count(summary["skus"]), share=fmt.percent(share, 0)) if share is not None else
                           _("of {skus} SKUs", skus=fmt.count(summary["skus"])))}
    return {"item": _(RISK_ITEMS["backup"]), "value": fmt.count(row["skus_without_backup"]),
            "status": "attention" if row["selling_skus_without_backup"] else "ok",
            "detail": _("{n} of them sold this period", n=fmt.count(row["selling_skus_without_backup"]))}


def _highlights(kpis: pd.DataFrame, roi: pd.DataFrame, alerts: pd.DataFrame, risk: pd.DataFrame,
                change_name: str, roi_floor: float) -> list[str]:
    lines = []
    k = kpis.set_index("metric")
    for name in ("gmv", "buyers", "conversion_rate"):
        change = monitoring.change_text(name, k.loc[name, "value"], k.loc[name, "previous"])
        if change is not None:
            lines.append(_("{metric} {value} ({change} {comparison}).", metric=label("metric", name),
                           value=fmt.metric(name, k.loc[name, "value"]), change=change, comparison=change_name))
    cut = roi[roi["action"] == "cut"]["channel"].tolist() if not roi.empty else []
    if cut:
        lines.append(_("ROI below {floor}: {channels}; cut or fix the spend.", floor=fmt.number(roi_floor, 2),
                       channels=", ".join(label("channel", c) for c in cut)))
    if not alerts.empty:
        lines.append(_("{n} alerts; most severe: {alert}", n=fmt.count(len(alerts)), alert=alerts.iloc[0]["message"]))
    attention = risk[risk["status"] == "attention"]["item"].tolist()
    if attention:
        lines.append(_("Risk items to act on: {items}.", items=", ".join(attention)))
    return lines


def build_review(con: duckdb.DuckDBPyConnection, kind: str, anchor: date, f: Filters | None = None) -> Review:
    """Return the review of the week or month holding ``anchor`` (channel/category filters from ``f`` if given)."""
    span = metrics.data_range(con)
    if span.empty:
        raise ValueError("the database holds no orders yet: import an orders export or build the demo first")
    p = period_for(kind, anchor, span.end)
    if p.end < span.start:
        raise ValueError(f"no data in the {kind} of {anchor}: the data starts on {span.start}")
    f = (f or Filters(p.start, p.end)).with_range(p.start, p.end)
    kpis = kpi_table(con, f, p)
    alert_frame, series = monitoring.alert_causes_and_series(con, f)
    daily = monitoring.series_slice(series, p.previous_start, p.end)  # the alerts' series covers both periods
    if daily is None:
        daily = metrics.daily_trend(con, f.with_range(p.previous_start, p.end))
    daily["period"] = ["current" if pd.Timestamp(d) >= pd.Timestamp(p.start) else "previous" for d in daily["day"]]
    roi = channel_roi(con, f, p)
    risk = risks(con, p)
    t = config.thresholds(con)
    return Review(p, f, kpis, daily, movers(con, f, p), roi, alert_frame, reactivation(con, p), risk, t,
                  _highlights(kpis, roi, alert_frame, risk, p.change_name, t.roi_floor))


# --------------------------------------------------------------------------------------------------------------
# Figures and export


def figures(review: Review) -> dict[str, go.Figure]:
    """Return the review's charts: daily GMV (this vs previous period), channel ROI, product movers."""
    out: dict[str, go.Figure] = {}
    daily = review.daily.copy()
    daily["day_of_period"] = daily.groupby("period").cumcount() + 1
    names = {"current": _("This period"), "previous": _("Previous period")}
    daily["period"] = [names.get(v, v) for v in daily["period"]]
    out["daily"] = charts.line(daily, "day_of_period", "gmv", color="period",
                               title=_("Daily GMV: this period vs the previous one (day of period)"))
    if not review.roi.empty:
        roi = review.roi.dropna(subset=["roi"])
        floor = review.thresholds.roi_floor
        roi = roi.assign(channel=[label("channel", c) for c in roi["channel"]])
        out["roi"] = charts.bar(roi, "channel", "roi", title=_("Channel ROI (attributed GMV / spend); floor {floor}",
                                                                 floor=fmt.number(floor, 2)))
        charts.add_shapes(out["roi"], [charts.hline(floor, "dash", charts.PALETTE[3])])
    products = review.movers["products"]
    if not products.empty:
        out["products"] = monitoring_charts.contributions(products.sort_values("change", key=abs, ascending=False),
                                                          "segment", "change", title=_("Product GMV movers"))
    for name, fig in out.items():
        # Static export does not grow margins for tick labels: leave room for them (long product names on the left).
        fig.update_layout(height=340, width=900, margin=dict(l=200 if name == "products" else 70, r=20, t=60, b=40))
        fig.update_yaxes(automargin=True)
    return out


TEXTS = {
    "highlights": N_("Highlights"), "kpis": N_("KPIs"), "yoy": N_("YoY"), "metric": N_("Metric"),
    "this_period": N_("This period"), "previous": N_("Previous"), "year_ago": N_("Year ago"),
    "movers": N_("Top movers"), "products": N_("Products (GMV)"), "no_products": N_("No product sales in either period."),
    "product": N_("Product"), "category": N_("Category"), "gmv": N_("GMV"), "change": N_("Change"),
    "channels": N_("Channels (GMV)"), "no_channels": N_("No channel sales in either period."), "channel": N_("Channel"),
    "keywords": N_("Search keywords (searches)"), "keyword": N_("Keyword"), "searches": N_("Searches"),
    "no_keywords": N_("No search keyword data: upload a keyword export on Data → Upload."),
    "roi_review": N_("Channel ROI review"), "spend": N_("Ad spend"), "attributed_gmv": N_("Attributed GMV"),
    "previous_roi": N_("Previous ROI"), "action": N_("Action"), "why": N_("Why"),
    "no_spend": N_("No ad spend in this period: upload an ad spend export on Data → Upload."),
    "alerts": N_("Alerts and their causes"), "no_alerts": N_("No alert rule fired in this period."), "day": N_("Day"),
    "severity": N_("Severity"), "alert": N_("Alert"), "reactivation": N_("Reactivation results"),
    "arm": N_("Group"), "sent": N_("Sent"), "converted": N_("Converted"), "conversion": N_("Conversion rate"),
    "converted_in_period": N_("Converted this period"), "sent_on": N_("Sent on"),
    "uplift": N_("Uplift (contacted − control)"), "ci": N_("confidence interval (95%)"), "risks": N_("Risk items"), "item": N_("Item"), "value": N_("Value"),
    "status": N_("Status"), "detail": N_("Detail"), "channels_filter": N_("channels"),
    "categories_filter": N_("categories"),
}
RISK_STATUS = {"ok": N_("OK"), "attention": N_("Needs attention")}


def texts(review: Review) -> dict[str, str]:
    """Return the review's headings and sentences in the current language (the template's ``t``)."""
    p = review.period
    out = {key: _(text) for key, text in TEXTS.items()}
    out["compared"] = _("{period} · compared with {previous} ({change}) and {year_ago} (YoY)", period=p.label,
                        previous=fmt.date_range(p.previous_start, p.previous_end), change=p.change_name,
                        year_ago=fmt.date_range(p.year_ago_start, p.year_ago_end))
    out["generated"] = _("generated on {day} by ecomops", day=date.today())
    out["no_reactivation"] = _("No reactivation outreach sent in the {days} days up to {day}.",
                               days=fmt.count(REACTIVATION_LOOKBACK_DAYS), day=p.end)
    return out


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES_DIR)), autoescape=select_autoescape(["html", "j2"]))
    env.filters.update(
        change=fmt.change, money=lambda v: fmt.money(v, decimals=0), value=lambda metric, v: fmt.metric(metric, v),
        number=lambda v, digits=0: fmt.count(v) if digits == 0 else fmt.number(v, digits), pct=fmt.percent, pp=fmt.pp,
        kpi_change=lambda m, v, before: monitoring.change_text(m, v, before) or fmt.NONE, day=fmt.date, channel=lambda c: label("channel", c),
        action=lambda a: label("channel_action", a), severity=lambda s: label("severity", s),
        arm=lambda a: label("outreach_arm", a), status=lambda s: _(RISK_STATUS.get(s, s)))
    return env


def render_html(review: Review, static: bool = False) -> str:
    """Return the review as one self-contained HTML document.

    Interactive (default): plotly.js is embedded inline once and each chart is a live div. ``static``: charts are
    inline SVG images made by kaleido (for printing to PDF).
    """
    figs = figures(review)
    if static:
        chart_html = static_svgs(figs)
        plotly_js = ""
    else:
        from plotly.offline import get_plotlyjs

        chart_html = {name: fig.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False})
                      for name, fig in figs.items()}
        plotly_js = get_plotlyjs()
    template = _environment().get_template("review.html.j2")
    return template.render(review=review, p=review.period, charts=chart_html, plotly_js=plotly_js, static=static,
                           uplift=reactivation_uplift(review.reactivation), thresholds=review.thresholds,
                           t=texts(review), lang=current_locale().replace("_", "-"))


_kaleido_lock = threading.Lock()
_kaleido_started = False
_render_lock = threading.Lock()  # kaleido's server pairs a call with its answer through one queue: one call at a time
KALEIDO_TIMEOUT_S = 120.0  # one review's charts take a few seconds; a stuck Chromium must not hold a delivery for ever


def _kaleido_server() -> Any:
    from kaleido._sync_server import GlobalKaleidoServer  # (kaleido pinned in requirements.txt)

    return GlobalKaleidoServer()


def _kaleido_alive() -> bool:
    """Return whether kaleido's server thread is running."""
    thread = getattr(_kaleido_server(), "_thread", None)
    return thread is not None and thread.is_alive()


def static_svgs(figs: dict[str, go.Figure], timeout: float | None = None) -> dict[str, str]:
    """Return each figure as inline SVG text, made by kaleido's sync server; raise ReportError when it gives none
    within ``timeout`` seconds (default KALEIDO_TIMEOUT_S)."""
    # Why: when kaleido's Chromium fails, its server thread ends and a call queued to it waits for ever (a weekly
    # review's PDF hung the test suite that way). A dead server is started again and the call tried once more.
    limit = KALEIDO_TIMEOUT_S if timeout is None else timeout
    with _render_lock:
        for _attempt in range(2):
            _ensure_kaleido()
            result: dict[str, Any] = {}

            def render() -> None:
                try:
                    with warnings.catch_warnings():  # plotly warns that kopts are ignored by the running server
                        warnings.simplefilter("ignore", UserWarning)
                        result["svgs"] = {name: fig.to_image(format="svg").decode("utf-8")
                                          for name, fig in figs.items()}
                except Exception as exc:  # noqa: BLE001 - raised in the caller's thread below
                    result["error"] = exc

            worker = threading.Thread(target=render, name="ecomops-kaleido", daemon=True)
            worker.start()
            deadline = time.monotonic() + limit
            while worker.is_alive() and time.monotonic() < deadline and _kaleido_alive():
                worker.join(0.2)
            worker.join(0.2)  # (an answer that came as the server ended)
            if "svgs" in result:
                return result["svgs"]
            if "error" in result:
                raise result["error"]
            if _kaleido_alive():  # still working on it: a second call would queue behind the stuck one
                raise ReportError(_("The charts for the PDF got no answer from Chromium in {seconds} s: download "
                                    "the HTML instead, or restart the app.", seconds=fmt.count(limit)))
    raise ReportError(_("Chromium stopped twice while drawing the charts for the PDF. Install it with apt-get "
                        "install -y chromium fonts-wqy-zenhei, or download the HTML instead."))


def _ensure_kaleido() -> None:
    """Start kaleido's sync server once per process (then ~0.15 s per figure), and again if its thread has ended."""
    global _kaleido_started
    with _kaleido_lock:
        if _kaleido_started and not _kaleido_alive():
            # Its thread ended (its Chromium failed): mark the server closed so that it can be opened again.
            _kaleido_server()._initialized = False
            _kaleido_started = False
        if not _kaleido_started:
            import kaleido

            try:
                kaleido.start_sync_server(silence_warnings=True)
            except Exception as exc:  # noqa: BLE001 - reported with the fix
                raise ReportError(_("The charts for the PDF need Chromium ({error}): install it with apt-get "
                                    "install -y chromium fonts-wqy-zenhei.", error=str(exc))) from exc
            _kaleido_started = True


def chromium_path() -> str:
    """Return the Chromium executable used to print PDFs, or raise ReportError saying how to install it."""
    for candidate in CHROMIUM_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    raise ReportError(_("The PDF export needs Chromium: install it with apt-get install -y chromium "
                        "fonts-wqy-zenhei."))


def render_pdf(review: Review, timeout: float = 120) -> bytes:
    """Return the review as PDF bytes: the static HTML printed by headless Chromium."""
    browser = chromium_path()  # (first: without Chromium the charts' renderer would fail too, less clearly)
    document = render_html(review, static=True)
    with tempfile.TemporaryDirectory(prefix="ecomops_report_") as tmp:
        source = Path(tmp) / "review.html"
        target = Path(tmp) / "review.pdf"
        source.write_text(document, encoding="utf-8")
        command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                   "--disable-component-update", "--disable-sync", "--no-first-run", "--no-pdf-header-footer",
                   f"--user-data-dir={Path(tmp) / 'profile'}", f"--print-to-pdf={target}", source.as_uri()]
        env = {"HOME": tmp, "PATH": "/usr/bin:/bin"}
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout, env=env, check=False)
        except subprocess.TimeoutExpired as exc:
            raise ReportError(_("Chromium did not finish printing the PDF within {seconds} s.",
                                seconds=fmt.count(timeout))) from exc
        if not target.exists() or target.stat().st_size == 0:
            raise ReportError(_("Chromium could not print the PDF: {error}",
                                error=done.stderr.decode(errors="replace")[-400:]))
        return target.read_bytes()


def export(review: Review, out: str | Path) -> Path:
    """Write the review to ``out`` (.html or .pdf by suffix); return the path."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        raise ValueError(f"--out must end in .html or .pdf (got {out.name!r})")
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".pdf":
        out.write_bytes(render_pdf(review))
    else:
        out.write_text(render_html(review), encoding="utf-8")
    return out



# --------------------------------------------------------------------------------------------------------------
# Tables as shown on the page (translated headers, values through the display rules)


def movers_table(review: Review, kind: str) -> pd.DataFrame:
    """Return the products / channels / keywords movers as shown: names, this period, previous, change, change %."""
    frame = review.movers[kind]
    if kind == "keywords":
        value = lambda v: fmt.count(v)  # noqa: E731 - searches
    else:
        value = lambda v: fmt.money(v, decimals=0)  # noqa: E731
    names = [label("channel", s) for s in frame["segment"]] if kind == "channels" else frame["segment"].astype(str)
    out = {_({"products": TEXTS["product"], "channels": TEXTS["channel"], "keywords": TEXTS["keyword"]}[kind]):
           list(names)}
    if "category" in frame:
        out[_(TEXTS["category"])] = [c if isinstance(c, str) else "" for c in frame["category"]]
    out[_(TEXTS["this_period"])] = [value(v) for v in frame["value"]]
    out[_(TEXTS["previous"])] = [value(v) for v in frame["previous"]]
    out[_(TEXTS["change"])] = [fmt.count(v, signed=True) if kind == "keywords" else fmt.money(v, decimals=0, signed=True)
                               for v in frame["change"]]
    out["%"] = [fmt.change(v) for v in frame["change_pct"]]
    if kind == "keywords":
        out[_(TEXTS["gmv"])] = [fmt.money(v, decimals=0) for v in frame["gmv"]]
    return pd.DataFrame(out)


def roi_table(review: Review) -> pd.DataFrame:
    """Return the channel ROI review as shown."""
    r = review.roi
    return pd.DataFrame({
        _(TEXTS["channel"]): [label("channel", c) for c in r["channel"]],
        _(TEXTS["spend"]): [fmt.money(v, decimals=0) for v in r["spend"]],
        _(TEXTS["attributed_gmv"]): [fmt.money(v, decimals=0) for v in r["attributed_gmv"]],
        "ROI": [fmt.number(v, 2) for v in r["roi"]], _(TEXTS["previous_roi"]): [fmt.number(v, 2) for v in r["previous_roi"]],
        _(TEXTS["action"]): [label("channel_action", a) for a in r["action"]],
        _(TEXTS["why"]): r["reason"].astype(str).tolist()})


def risks_table(review: Review) -> pd.DataFrame:
    """Return the risk items as shown."""
    r = review.risks
    return pd.DataFrame({_(TEXTS["item"]): r["item"].tolist(), _(TEXTS["value"]): r["value"].tolist(),
                         _(TEXTS["status"]): [_(RISK_STATUS.get(s, s)) for s in r["status"]],
                         _(TEXTS["detail"]): r["detail"].tolist()})


def reactivation_table(review: Review) -> pd.DataFrame:
    """Return the reactivation arms as shown."""
    r = review.reactivation
    return pd.DataFrame({_(TEXTS["arm"]): [label("outreach_arm", a) for a in r["arm"]],
                         _(TEXTS["sent"]): [fmt.count(v) for v in r["sent"]],
                         _(TEXTS["converted"]): [fmt.count(v) for v in r["converted"]],
                         _(TEXTS["conversion"]): [fmt.percent(v) for v in r["rate"]]})
