"""Plotly builders for the traffic pages (DataFrame -> Figure), on the shared theme of :mod:`ecomops.charts`."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ecomops.charts import PALETTE, hline, secondary_y_layout, shapes_layout, theme_layout, vline, vrect
from ecomops.i18n import N_, _, fmt, label

ALERT = PALETTE[3]
KIND_COLORS = {"big_sale": PALETTE[3], "flash_sale": PALETTE[1], "member_day": PALETTE[4], "other": PALETTE[7]}

# Default titles are message ids, translated when a figure is built (a title passed in is shown as given).
# Every builder gives go.Figure its trace dicts and one layout dict at once: the figure is validated once, where
# go.Figure() followed by add_trace / update_layout / update_yaxes validates and copies it again on every call.


def roi_bars(frame: pd.DataFrame, key: str = "channel", grow: float | None = None,
             title: str | None = N_("ROI by channel"), *, floor: float, kind: str | None = "channel") -> go.Figure:
    """Return horizontal ROI bars, those under the ROI ``floor`` (the setting in force) in red, with the floor (and
    grow) lines; the bars are named by the labels of ``kind`` (None: the keys as they are, e.g. audience names)."""
    data = frame[frame["roi"].notna()].sort_values("roi")
    colors = [ALERT if r < floor else PALETTE[0] for r in data["roi"]]
    names = [label(kind, k) for k in data[key]] if kind else data[key].astype(str)
    bars = dict(type="bar", y=names, x=data["roi"], orientation="h", marker_color=colors,
                text=[fmt.number(r, 2) for r in data["roi"]], textposition="outside")
    lines = [vline(floor, "dash", ALERT, _("ROI {value}", value=fmt.number(floor, 1)))]
    if grow:
        lines.append(vline(grow, "dot", PALETTE[2], _("grow ≥ {value}", value=fmt.number(grow, 1))))
    # 40 px per bar: many audiences stay readable (the previous builder computed this height, but its last
    # apply_theme call reset it to Plotly's default 450 px).
    return go.Figure(data=[bars], layout=theme_layout(_(title) if title else None, max(220, 40 * len(data) + 80), showlegend=False,
                                                      **shapes_layout(lines)))


def share_area(trend: pd.DataFrame, highlight: str | None = None,
               title: str | None = N_("Share of GMV by channel")) -> go.Figure:
    """Return stacked areas of each channel's GMV share per bucket (legend: channel labels); ``highlight`` (a
    channel code) drawn with a thick outline."""
    traces = [dict(type="scatter", x=part["bucket"], y=part["gmv_share"], name=label("channel", channel), mode="lines",
                   stackgroup="share", line=dict(width=3 if channel == highlight else 0.5,
                                                 color=PALETTE[i % len(PALETTE)]))
              for i, (channel, part) in enumerate(trend.groupby("channel", sort=True))]
    return go.Figure(data=traces, layout=theme_layout(_(title) if title else None,
                                                      yaxis=dict(tickformat=".0%", range=[0, 1])))


def funnel_chart(steps: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Return a funnel of one row's stages, the stage after the biggest drop in red."""
    data = steps.sort_values("step")
    colors = [ALERT if flag else PALETTE[0] for flag in data["biggest_drop"]]
    text = [fmt.count(c) if pd.isna(s) else _("{count} · {share} of previous", count=fmt.count(c),
                                                 share=fmt.percent(s))
            for c, s in zip(data["count"], data["step_conversion"])]
    stages = dict(type="funnel", y=data["label"], x=data["count"], marker_color=colors, text=text, textinfo="text")
    return go.Figure(data=[stages], layout=theme_layout(title))


def step_heatmap(table: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Return a heatmap of step conversions (rows: channels or devices; columns: steps)."""
    steps = [c for c in table.columns if "→" in c and c != "biggest_drop"]
    cells = dict(type="heatmap", z=table[steps].to_numpy(dtype=float), x=steps, y=table["key"].astype(str),
                 colorscale="Blues", texttemplate="%{z:.1%}", hoverongaps=False)
    return go.Figure(data=[cells], layout=theme_layout(title, yaxis=dict(autorange="reversed")))


def scroll_chart(scroll: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Return bars of the share reaching each screen with the share leaving there; the biggest exit in red."""
    data = scroll.sort_values("screen")
    colors = [ALERT if flag else PALETTE[0] for flag in data["biggest_exit"]]
    traces = [
        dict(type="bar", x=data["screen"], y=data["reach_share"], name=_("reached this screen"), marker_color=colors,
             text=[fmt.percent(v, 0) for v in data["reach_share"]], textposition="outside"),
        dict(type="scatter", x=data["screen"], y=data["leave_share"], name=_("left at this screen"),
             mode="lines+markers", line=dict(color=PALETTE[1])),
    ]
    return go.Figure(data=traces, layout=theme_layout(
        title, xaxis=dict(title_text=_("screen of the detail page"), dtick=1),
        yaxis=dict(tickformat=".0%", range=[0, 1.1])))


def campaign_timeline(calendar: pd.DataFrame, title: str | None = N_("Campaign calendar")) -> go.Figure:
    """Return a calendar: one bar per campaign on a lane per kind (its label), pre-sale windows drawn lighter."""
    traces = []  # plain dicts and the layout given at once: go.Figure validates everything once
    day = pd.Timedelta(days=1)
    for kind, part in calendar.groupby("kind", sort=False):
        color = KIND_COLORS.get(kind, PALETTE[7])
        starts = pd.to_datetime(part["start_date"])
        ends = pd.to_datetime(part["end_date"]) + day
        lane = label("campaign_kind", kind)
        traces.append(dict(type="bar", y=[lane] * len(part), base=starts, x=(ends - starts).dt.total_seconds() * 1000,
                           orientation="h", name=lane, marker_color=color, text=part["name"],
                           hovertemplate="%{text}<extra></extra>"))
        pre = part[part["presale_start"].notna()]
        if not pre.empty:
            p_start = pd.to_datetime(pre["presale_start"])
            p_end = pd.to_datetime(pre["start_date"])
            traces.append(dict(type="bar", y=[lane] * len(pre), base=p_start,
                               x=(p_end - p_start).dt.total_seconds() * 1000, orientation="h",
                               name=_("{kind} pre-sale", kind=lane), marker_color=color, opacity=0.35,
                               text=[_("{name} (pre-sale)", name=name) for name in pre["name"]],
                               hovertemplate="%{text}<extra></extra>"))
    return go.Figure(traces, layout=theme_layout(_(title) if title else None, 80 + 45 * max(1, calendar["kind"].nunique()),
                                                 barmode="overlay", xaxis=dict(type="date")))


def campaign_gmv(daily: pd.DataFrame, calendar: pd.DataFrame,
                 title: str | None = N_("Daily GMV and campaign days")) -> go.Figure:
    """Return daily GMV with campaign days shaded by kind."""
    spans = []
    for row in calendar.head(80).itertuples():  # cap the shapes so a long range stays light
        color = KIND_COLORS.get(row.kind, PALETTE[7])
        spans.append(vrect(pd.Timestamp(row.start_date), pd.Timestamp(row.end_date) + pd.Timedelta(days=1), color, 0.15)[0])
        if pd.notna(row.presale_start):
            spans.append(vrect(pd.Timestamp(row.presale_start), pd.Timestamp(row.start_date), color, 0.06)[0])
    return go.Figure(dict(type="scatter", x=daily["day"], y=daily["gmv"], mode="lines", name=label("metric", "gmv"),
                          line=dict(color=PALETTE[0])),
                     layout=theme_layout(_(title) if title else None, shapes=spans))


def search_trend(trend: pd.DataFrame,
                 title: str | None = N_("Organic search traffic and on-site searches")) -> go.Figure:
    """Return stacked core / long-tail searches per bucket with the search channel's UV on a second axis."""
    return go.Figure([
        dict(type="bar", x=trend["bucket"], y=trend["core_searches"], name=_("core searches"),
             marker_color=PALETTE[0]),
        dict(type="bar", x=trend["bucket"], y=trend["long_tail_searches"], name=_("long-tail searches"),
             marker_color=PALETTE[5]),
        dict(type="scatter", x=trend["bucket"], y=trend["search_uv"], name=_("search UV (organic traffic)"),
             mode="lines+markers", line=dict(color=PALETTE[1]), yaxis="y2"),
    ], layout=theme_layout(_(title) if title else None, **secondary_y_layout(_("searches"), _("UV"), barmode="stack",
                                                         yaxis2=dict(showgrid=False))))


def roi_trend(trend: pd.DataFrame, x: str = "bucket", color: str | None = "channel",
              title: str | None = N_("ROI over time"), *, floor: float) -> go.Figure:
    """Return ROI lines over time (per channel when ``color``: legend by channel label), with the ROI ``floor`` (the
    setting in force) marked."""
    data = trend[trend["roi"].notna()]
    groups = data.groupby(color, sort=True) if color else [(None, data)]
    traces = [dict(type="scatter", x=part[x], y=part["roi"], mode="lines",
                   name=label("channel", key) if key is not None else label("metric", "roi")) for key, part in groups]
    return go.Figure(data=traces, layout=theme_layout(_(title) if title else None,
                                                      **shapes_layout([hline(floor, "dash", ALERT)])))
