"""When each subscription is due: its occurrences, their keys, and the one due at a given moment.

* weekly review — every Monday at the subscription's local time; reviews the previous ISO week (Mon-Sun);
  occurrence key = that week, e.g. ``2026-W45``;
* monthly review — the 1st of every month at the local time; reviews the previous month; key ``2026-10``;
* alerts, stock-outs, SLA breaches — every day at the local time; look at the data up to the day before; key = the
  local date the occurrence is due, ``2026-11-09``.

Times are computed in the subscription's timezone (``zoneinfo``; default Asia/Shanghai) and stored in UTC. Only the
*latest* occurrence at or before "now" is ever due: a run after a missed window sends it once, not once per missed
occurrence (the runner records how many it passed over).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from ecomops.ops.delivery.model import Subscription, check_timezone

SCHEDULES = {"weekly_review": "weekly", "monthly_review": "monthly", "alerts": "daily", "stockouts": "daily",
             "sla_breaches": "daily"}


@dataclass(frozen=True)
class Occurrence:
    """One due time of a subscription: its key, the local day it is due, the instant (UTC), the period it covers."""

    key: str
    local_date: date
    due_at: datetime
    period_start: date
    period_end: date


def _anchor_on_or_before(cadence: str, day: date) -> date:
    if cadence == "weekly":
        return day - timedelta(days=day.weekday())
    if cadence == "monthly":
        return day.replace(day=1)
    return day


def _shift(cadence: str, anchor: date, steps: int) -> date:
    if cadence == "weekly":
        return anchor + timedelta(weeks=steps)
    if cadence == "monthly":
        months = anchor.year * 12 + anchor.month - 1 + steps
        return date(months // 12, months % 12 + 1, 1)
    return anchor + timedelta(days=steps)


def occurrence_on(sub: Subscription, anchor: date) -> Occurrence:
    """Return the occurrence of ``sub`` due on the local day ``anchor`` (a Monday, a 1st, or any day)."""
    cadence = SCHEDULES[sub.kind]
    due_at = datetime.combine(anchor, sub.local_time, tzinfo=sub.tz).astimezone(timezone.utc)
    if cadence == "weekly":
        start = anchor - timedelta(days=7)
        year, week, _ = start.isocalendar()
        return Occurrence(f"{year}-W{week:02d}", anchor, due_at, start, anchor - timedelta(days=1))
    if cadence == "monthly":
        end = anchor - timedelta(days=1)
        return Occurrence(f"{end:%Y-%m}", anchor, due_at, end.replace(day=1), end)
    before = anchor - timedelta(days=1)
    return Occurrence(anchor.isoformat(), anchor, due_at, before, before)


def latest_occurrence(sub: Subscription, now: datetime) -> Occurrence:
    """Return the last occurrence of ``sub`` due at or before ``now`` (an aware datetime)."""
    cadence = SCHEDULES[sub.kind]
    anchor = _anchor_on_or_before(cadence, now.astimezone(sub.tz).date())
    occ = occurrence_on(sub, anchor)
    if occ.due_at > now:
        occ = occurrence_on(sub, _shift(cadence, anchor, -1))
    return occ


def next_occurrence(sub: Subscription, now: datetime) -> Occurrence:
    """Return the first occurrence of ``sub`` due strictly after ``now``."""
    latest = latest_occurrence(sub, now)
    return occurrence_on(sub, _shift(SCHEDULES[sub.kind], latest.local_date, 1))


def occurrences_between(sub: Subscription, earlier: date, later: date) -> int:
    """Return how many occurrences fall strictly between the occurrences due on local days ``earlier`` and ``later``."""
    cadence = SCHEDULES[sub.kind]
    if later <= earlier:
        return 0
    if cadence == "weekly":
        return (later - earlier).days // 7 - 1
    if cadence == "monthly":
        return (later.year * 12 + later.month) - (earlier.year * 12 + earlier.month) - 1
    return (later - earlier).days - 1


def parse_now(text: str | None, default_tz: str) -> datetime:
    """Return 'now': the current time, or an ISO date-time (one without an offset is in ``default_tz``)."""
    if not text:
        return datetime.now(timezone.utc)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"--now must be an ISO date-time such as 2026-11-16T09:30+08:00 (got {text!r})") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(check_timezone(default_tz)))
    return moment.astimezone(timezone.utc)
