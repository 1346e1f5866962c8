"""What a subscription's message says, built from the domain modules — the only delivery module that reads them.

* Reviews: ``report.build_review`` of the reviewed week or month; the summary lines are written here from its KPIs,
  ROI review, alerts and risk items in the subscription's language (``report``'s own highlights are English); the
  PDF is ``report.render_pdf`` of the same review, rendered only when an email asks for it.
* Alerts: ``monitoring.alerts`` (the stored alert rules on the daily series) for the data days not yet covered,
  filtered to the subscription's severities.
* Stock-outs: ``products_inventory.stock_alerts`` of the ABC table as of the data day, A items only ("Out of stock",
  "Stock-out risk").
* SLA breaches: ``risk_reputation.reputation_summary`` and ``negative_queue`` over the 7 days up to the data day.

Data days for the daily kinds: a message due on local day D looks at the data up to min(D - 1, last day of
orders), from the day after the last day an earlier message of the same subscription and destination looked at
(at most 7 days back). When the data has not moved since, nothing is sent ("empty").

Never in a message: customer ids (they may be emails or platform member names), order ids, review texts, survey
comments, cities — only aggregate figures, metric names, product titles and categories.
"""
from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any, Callable
from urllib.parse import urlencode

import duckdb
import pandas as pd

from ecomops import config
from ecomops.filters import Filters
from ecomops.i18n import use_locale
from ecomops.ops.delivery.model import Message, Subscription
from ecomops.ops.delivery.schedule import Occurrence
from ecomops.ops.delivery.texts import (
    change_name, join, metric_name, percent_change, risk_item, severity_name, text, weekday,
)

# Pages a message links to (their url_path: the page file's stem), with the sidebar's start/end in the query.
PAGES = {"weekly_review": "data_review", "monthly_review": "data_review", "alerts": "data_monitoring",
         "stockouts": "products_inventory", "sla_breaches": "risk_reputation"}
DAILY_LOOKBACK_DAYS = 7
SLA_WINDOW_DAYS = 7
MAX_LINES = 12
REVIEW_KPIS = ("gmv", "orders", "buyers", "conversion_rate")


class NothingToSend(Exception):
    """No message for this occurrence: ``status`` 'empty' (nothing to report) or 'skipped' (no data); the text says why."""

    def __init__(self, status: str, reason: str, covers: tuple[date, date] | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.covers = covers


def page_link(base_url: str | None, page: str, start: date, end: date) -> str | None:
    """Return the dashboard link of a page with the date range in its query string, or None without a base URL."""
    if not base_url:
        return None
    return f"{base_url.rstrip('/')}/{page}?{urlencode({'start': start.isoformat(), 'end': end.isoformat()})}"


def _value(metric: str, value: Any) -> str:
    from ecomops import charts  # plotly loads only when a message is built, not for a test message or --list

    return charts.format_value(metric, None if value is None or pd.isna(value) else float(value))


def _plain(value: Any) -> Any:
    """Return a JSON-ready scalar (NaN and infinities as None)."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _capped(lines: list[str], lang: str, limit: int = MAX_LINES) -> list[str]:
    if len(lines) <= limit:
        return lines
    return lines[:limit - 1] + [text(lang, "more", n=len(lines) - limit + 1)]


_LOCALES = {"zh": "zh_CN", "en": "en"}


def _in_locale(lang: str, render: Callable[[Any], bytes], review: Any) -> bytes:
    """Return render(review) with the subscriber's language in force (the PDF's headings and tables)."""
    with use_locale(_LOCALES.get(lang, lang)):
        return render(review)


def alert_line(lang: str, row: Any) -> str:
    """Return one alert as a sentence: severity, metric (and segment, for a segment alert), change, day, expected
    and actual value."""
    day = pd.Timestamp(row.day).date()
    channel = getattr(row, "channel", None)
    if isinstance(channel, str) and channel:  # the segment conversion check: the segment, its buyers and expectation
        from ecomops.ops import monitoring

        with use_locale(_LOCALES.get(lang, lang)):
            segment = monitoring.segment_words(channel, row.device)
        return text(lang, "alert_segment", severity=severity_name(lang, row.severity),
                    label=metric_name(lang, row.metric), segment=segment, change=percent_change(row.change),
                    weekday=weekday(lang, day), day=day.isoformat(), buyers=f"{row.buyers:,.0f}",
                    expected=f"{row.expected_buyers:,.1f}", baseline=_value(row.metric, row.baseline),
                    value=_value(row.metric, row.value))
    return text(lang, "alert", severity=severity_name(lang, row.severity), label=metric_name(lang, row.metric),
                change=percent_change(row.change), weekday=weekday(lang, day), day=day.isoformat(),
                baseline=_value(row.metric, row.baseline), value=_value(row.metric, row.value))


class DomainContent:
    """Builds messages from the database; ``pdf_renderer`` (review -> PDF bytes) and ``classifier`` (for text-only
    reviews) can be injected, e.g. in tests."""

    def __init__(self, pdf_renderer: Callable[[Any], bytes] | None = None,
                 classifier: Callable | None = None) -> None:
        self.pdf_renderer = pdf_renderer
        self.classifier = classifier

    # ----------------------------------------------------------------------------------------------------------
    def coverage(self, con: duckdb.DuckDBPyConnection, sub: Subscription, occ: Occurrence,
                 covered_until: date | None) -> tuple[date, date]:
        """Return the data days the message of ``occ`` looks at; raise NothingToSend when there are none."""
        from ecomops import metrics

        if sub.kind in ("weekly_review", "monthly_review"):
            return occ.period_start, occ.period_end
        span = metrics.data_range(con)
        if span.empty:
            raise NothingToSend("skipped", "the database holds no orders yet")
        as_of = min(occ.period_end, span.end)
        if covered_until is not None and covered_until >= as_of:
            raise NothingToSend("empty", f"no new data since the last message (the data ends on {span.end})")
        start = as_of if covered_until is None else covered_until + timedelta(days=1)
        return max(start, as_of - timedelta(days=DAILY_LOOKBACK_DAYS - 1)), as_of

    def build(self, con: duckdb.DuckDBPyConnection, sub: Subscription, occ: Occurrence, covers: tuple[date, date],
              base_url: str | None) -> Message:
        """Return the message of ``sub`` for ``occ`` over the data days ``covers``; raise NothingToSend."""
        builder = {"weekly_review": self._review, "monthly_review": self._review, "alerts": self._alerts,
                   "stockouts": self._stockouts, "sla_breaches": self._sla}[sub.kind]
        msg = builder(con, sub, occ, covers, base_url)
        msg.subscription, msg.kind, msg.occurrence, msg.language = sub.name, sub.kind, occ.key, sub.language
        return msg

    # ----------------------------------------------------------------------------------------------------------
    def _review(self, con, sub: Subscription, occ: Occurrence, covers, base_url) -> Message:
        from ecomops.ops import report

        lang, kind = sub.language, "week" if sub.kind == "weekly_review" else "month"
        try:
            with use_locale(_LOCALES.get(lang, lang)):  # the review's sentences and its PDF in the subscriber's language
                review = report.build_review(con, kind, occ.period_start)
        except ValueError as exc:
            raise NothingToSend("skipped", f"no review: {exc}", covers) from None
        p = review.period
        if kind == "week":
            title = text(lang, "weekly_title", week=occ.key, start=f"{p.start:%m-%d}", end=f"{p.end:%m-%d}")
        else:
            title = text(lang, "monthly_title", month=occ.key, start=f"{p.start:%m-%d}", end=f"{p.end:%m-%d}")
        lines = [text(lang, "partial", end=p.end.isoformat())] if p.partial else []
        kpis = review.kpis.set_index("metric")
        for metric in REVIEW_KPIS:
            row = kpis.loc[metric]
            lines.append(text(lang, "kpi", label=metric_name(lang, metric), value=_value(metric, row["value"]),
                              change=percent_change(row["change"]), change_name=change_name(lang, p.change_name),
                              yoy=percent_change(row["yoy"])))
        cut = review.roi[review.roi["action"] == "cut"]["channel"].tolist() if not review.roi.empty else []
        if cut:
            lines.append(text(lang, "roi_cut", floor=f"{review.thresholds.roi_floor:g}", channels=join(lang, cut)))
        if not review.alerts.empty:
            lines.append(text(lang, "review_alerts", n=len(review.alerts),
                              alert=alert_line(lang, next(review.alerts.itertuples(index=False)))))
        attention = review.risks[review.risks["status"] == "attention"]["item"].tolist()
        if attention:
            lines.append(text(lang, "review_risks", items=join(lang, [risk_item(lang, i) for i in attention])))
        renderer = self.pdf_renderer or report.render_pdf
        data = {
            "period": {"kind": kind, "start": p.start.isoformat(), "end": p.end.isoformat(), "partial": p.partial},
            "kpis": {r.metric: {"value": _plain(r.value), "previous": _plain(r.previous), "change": _plain(r.change),
                                "year_ago": _plain(r.year_ago), "yoy": _plain(r.yoy)}
                     for r in review.kpis.itertuples(index=False)},
            "roi_cut_channels": cut,
            "alerts": int(len(review.alerts)),
            "risks": [{"item": r.item, "value": r.value, "status": r.status} for r in review.risks.itertuples()],
        }
        return Message(title, lines, link=page_link(base_url, PAGES[sub.kind], p.start, p.end),
                       link_label=text(lang, "open_review"), data=data,
                       pdf_name=f"ecomops_{kind}ly_review_{occ.key}.pdf", pdf=lambda: _in_locale(lang, renderer, review))

    def _alerts(self, con, sub: Subscription, occ: Occurrence, covers, base_url) -> Message:
        from ecomops.ops import monitoring

        lang = sub.language
        start, end = covers
        frame = monitoring.alerts(con, Filters(start, end))
        frame = frame[frame["severity"].isin(sub.severities)]
        if frame.empty:
            raise NothingToSend("empty", f"no {'/'.join(sub.severities)} alerts on {start} – {end}", covers)
        lines = [alert_line(lang, row) for row in frame.itertuples(index=False)]
        severity = next(s for s in monitoring.SEVERITIES if s in set(frame["severity"]))
        data = {"start": start.isoformat(), "end": end.isoformat(), "alerts": [
            {"day": _plain(r.day), "metric": r.metric, "severity": r.severity, "value": _plain(r.value),
             "baseline": _plain(r.baseline), "change": _plain(r.change),
             **({"channel": r.channel, "device": r.device or None} if isinstance(r.channel, str) else {})}
            for r in frame.itertuples(index=False)]}
        return Message(text(lang, "alerts_title", n=len(frame), start=start.isoformat(), end=end.isoformat()),
                       _capped(lines, lang), severity=severity, data=data,
                       link=page_link(base_url, PAGES["alerts"], start, end), link_label=text(lang, "open_monitoring"))

    def _stockouts(self, con, sub: Subscription, occ: Occurrence, covers, base_url) -> Message:
        from ecomops.products import inventory

        lang, as_of = sub.language, covers[1]
        t = config.thresholds(con)
        f = Filters(as_of - timedelta(days=t.cover_window_days - 1), as_of)
        # The alert names are labels in the current language; this message has its own (lang), so it reads them
        # in English, the codes it compares and writes into its data.
        with use_locale("en"):
            found = inventory.stock_alerts(inventory.abc_table(con, f), t.a_min_cover_days, t.c_max_cover_days,
                                           t.cover_window_days)
        found = found[(found["abc_class"] == "A") & found["alert"].isin(["Out of stock", "Stock-out risk"])]
        if found.empty:
            raise NothingToSend("empty", f"no A item out of stock or at risk on {as_of}", covers)
        found = found.assign(_order=(found["alert"] != "Out of stock").astype(int)).sort_values(
            ["_order", "days_of_cover", "title"])
        lines = []
        for r in found.itertuples(index=False):
            if r.alert == "Out of stock":
                lines.append(text(lang, "out_of_stock", title=r.title, category=r.category))
            else:
                lines.append(text(lang, "stockout_risk", title=r.title, category=r.category,
                                  cover=f"{r.days_of_cover:.1f}", on_hand=f"{r.on_hand:,.0f}"))
        data = {"as_of": as_of.isoformat(), "items": [
            {"product_id": r.product_id, "title": r.title, "category": r.category, "alert": r.alert,
             "on_hand": _plain(r.on_hand), "days_of_cover": _plain(r.days_of_cover)}
            for r in found.itertuples(index=False)]}
        severity = "critical" if (found["alert"] == "Out of stock").any() else "warning"
        return Message(text(lang, "stockouts_title", n=len(found), day=as_of.isoformat()), _capped(lines, lang),
                       severity=severity, data=data, link=page_link(base_url, PAGES["stockouts"], f.start, as_of),
                       link_label=text(lang, "open_inventory"))

    def _sla(self, con, sub: Subscription, occ: Occurrence, covers, base_url) -> Message:
        from ecomops.risk import reputation

        lang, as_of = sub.language, covers[1]
        f = Filters(as_of - timedelta(days=SLA_WINDOW_DAYS - 1), as_of)
        summary = reputation.reputation_summary(con, f, classifier=self.classifier)
        if not summary["sla_breaches"]:
            raise NothingToSend("empty", f"no negative review past the reply SLA on {f.start} – {as_of}", covers)
        queue = reputation.negative_queue(con, f, open_only=True, classifier=self.classifier)
        overdue = queue[queue["sla_status"] == "open, overdue"]
        rate = summary["negative_rate"]
        lines = [text(lang, "sla_counts", negative=summary["negative"], reviews=summary["reviews"],
                      rate="—" if rate is None else f"{rate:.1%}", target=f"{summary['target']:.0%}",
                      open=summary["negative_open"])]
        # Product and hours only: never the review's text or who wrote it.
        lines += [text(lang, "sla_open", hours=f"{r.hours:.0f}", title=r.title, category=r.category,
                       rating="—" if pd.isna(r.rating) else int(r.rating)) for r in overdue.itertuples(index=False)]
        data = {"start": f.start.isoformat(), "end": as_of.isoformat(),
                **{k: _plain(summary[k]) for k in ("reviews", "negative", "negative_rate", "target", "negative_open",
                                                   "sla_breaches", "open_overdue")},
                "open_overdue_items": [{"product_id": r.product_id, "title": r.title, "hours": _plain(r.hours)}
                                       for r in overdue.itertuples(index=False)]}
        hours = config.thresholds(con).reply_sla_hours
        return Message(text(lang, "sla_title", hours=f"{hours:g}", n=summary["sla_breaches"],
                            start=f.start.isoformat(), end=as_of.isoformat()),
                       _capped(lines, lang), severity="warning", data=data,
                       link=page_link(base_url, PAGES["sla_breaches"], f.start, as_of),
                       link_label=text(lang, "open_reputation"))


def test_message(lang: str, name: str, kind: str) -> Message:
    """Return the test message of a destination."""
    return Message(text(lang, "test_title"), [text(lang, "test_body", name=name, kind=kind)], language=lang,
                   subscription="(test)", kind="test")
