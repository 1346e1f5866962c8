"""The chart builders that give go.Figure all traces and the layout at once draw exactly what the previous ones did.

Each ``_old_*`` function below is the builder as it was before (go.Figure() then add_trace / update_layout /
update_yaxes / add_shapes / apply_theme), copied unchanged; every case compares the full Plotly JSON of both.
"""
from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from ecomops import charts
from ecomops.traffic import charts as traffic_charts
from ecomops.charts import (PALETTE, WEBGL_POINTS, add_shapes, apply_theme, hline, secondary_y_layout, vline)
from ecomops.traffic.charts import ALERT
from ecomops.config import THRESHOLDS


# --- the previous builders (oracles), copied from ecomops/charts.py and ecomops/traffic/charts.py ---------------

def _old_line(frame, x, y, color=None, title=None, y_format=None):
    fig = go.Figure()
    many = len(frame) > WEBGL_POINTS
    trace = go.Scattergl if many else go.Scatter  # the previous charts._scatter
    if color:
        for key, part in frame.groupby(color, sort=True):
            fig.add_trace(trace(x=part[x], y=part[y], mode="lines", name=str(key)))
    else:
        for col in [y] if isinstance(y, str) else list(y):
            fig.add_trace(trace(x=frame[x], y=frame[col], mode="lines", name=col))
    if y_format:
        fig.update_yaxes(tickformat=y_format)
    return apply_theme(fig, title)


def _old_bar(frame, x, y, color=None, title=None, orientation="v", y_format=None, barmode="stack"):
    fig = go.Figure()
    groups = frame.groupby(color, sort=True) if color else [(y, frame)]
    for key, part in groups:
        if orientation == "h":
            fig.add_trace(go.Bar(y=part[x], x=part[y], name=str(key), orientation="h"))
        else:
            fig.add_trace(go.Bar(x=part[x], y=part[y], name=str(key)))
    fig.update_layout(barmode=barmode, showlegend=bool(color))
    if y_format:
        (fig.update_xaxes if orientation == "h" else fig.update_yaxes)(tickformat=y_format)
    return apply_theme(fig, title)


def _old_bar_line(frame, x, bar_y, line_y, bar_name, line_name, title=None):
    fig = go.Figure(layout=secondary_y_layout(bar_name, line_name))  # the previous charts.secondary_y_figure
    fig.update_layout(yaxis_rangemode="tozero", yaxis2_showgrid=False, yaxis2_rangemode="tozero")
    fig.add_trace(go.Bar(x=frame[x], y=frame[bar_y], name=bar_name, marker_color=PALETTE[0]))
    fig.add_trace(go.Scatter(x=frame[x], y=frame[line_y], name=line_name, mode="lines+markers",
                             marker_color=PALETTE[1], yaxis="y2"))
    return apply_theme(fig, title)


def _old_heatmap(frame, x, y, z, title=None, z_format=".0%", colorscale="Blues"):
    grid = frame.pivot(index=y, columns=x, values=z)
    fig = go.Figure(go.Heatmap(z=grid.values, x=[str(c) for c in grid.columns], y=[str(i) for i in grid.index],
                               colorscale=colorscale, texttemplate="%{z:" + z_format + "}", hoverongaps=False))
    fig.update_yaxes(autorange="reversed")
    return apply_theme(fig, title)


def _old_roi_bars(frame, key="channel", grow=None, title="ROI by channel"):
    data = frame[frame["roi"].notna()].sort_values("roi")
    colors = [ALERT if r < THRESHOLDS.roi_floor else PALETTE[0] for r in data["roi"]]
    fig = go.Figure(go.Bar(y=data[key].astype(str), x=data["roi"], orientation="h", marker_color=colors,
                           text=[f"{r:.2f}" for r in data["roi"]], textposition="outside"))
    lines = [vline(THRESHOLDS.roi_floor, "dash", ALERT, f"ROI {THRESHOLDS.roi_floor:g}")]
    if grow:
        lines.append(vline(grow, "dot", PALETTE[2], f"grow ≥ {grow:g}"))
    add_shapes(fig, lines)
    fig.update_layout(showlegend=False, height=max(220, 40 * len(data) + 80))
    return apply_theme(fig, title)


def _old_share_area(trend, highlight=None, title="Share of GMV by channel"):
    fig = go.Figure()
    for i, (channel, part) in enumerate(trend.groupby("channel", sort=True)):
        bold = channel == highlight
        fig.add_trace(go.Scatter(x=part["bucket"], y=part["gmv_share"], name=str(channel), mode="lines",
                                 stackgroup="share", line=dict(width=3 if bold else 0.5,
                                                               color=PALETTE[i % len(PALETTE)])))
    fig.update_yaxes(tickformat=".0%", range=[0, 1])
    return apply_theme(fig, title)


def _old_funnel_chart(steps, title=None):
    data = steps.sort_values("step")
    colors = [ALERT if flag else PALETTE[0] for flag in data["biggest_drop"]]
    text = [f"{c:,.0f}" + ("" if pd.isna(s) else f" · {s:.1%} of previous")
            for c, s in zip(data["count"], data["step_conversion"])]
    fig = go.Figure(go.Funnel(y=data["label"], x=data["count"], marker_color=colors, text=text, textinfo="text"))
    return apply_theme(fig, title)


def _old_step_heatmap(table, title=None):
    steps = [c for c in table.columns if "→" in c and c != "biggest_drop"]
    fig = go.Figure(go.Heatmap(z=table[steps].to_numpy(dtype=float), x=steps, y=table["key"].astype(str),
                               colorscale="Blues", texttemplate="%{z:.1%}", hoverongaps=False))
    fig.update_yaxes(autorange="reversed")
    return apply_theme(fig, title)


def _old_scroll_chart(scroll, title=None):
    data = scroll.sort_values("screen")
    colors = [ALERT if flag else PALETTE[0] for flag in data["biggest_exit"]]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=data["screen"], y=data["reach_share"], name="reached this screen", marker_color=colors,
                         text=[f"{v:.0%}" for v in data["reach_share"]], textposition="outside"))
    fig.add_trace(go.Scatter(x=data["screen"], y=data["leave_share"], name="left at this screen",
                             mode="lines+markers", line=dict(color=PALETTE[1])))
    fig.update_xaxes(title_text="screen of the detail page", dtick=1)
    fig.update_yaxes(tickformat=".0%", range=[0, 1.1])
    return apply_theme(fig, title)


def _old_roi_trend(trend, x="bucket", color="channel", title="ROI over time"):
    fig = go.Figure()
    data = trend[trend["roi"].notna()]
    groups = data.groupby(color, sort=True) if color else [("ROI", data)]
    for key, part in groups:
        fig.add_trace(go.Scatter(x=part[x], y=part["roi"], mode="lines", name=str(key)))
    add_shapes(fig, [hline(THRESHOLDS.roi_floor, "dash", ALERT)])
    return apply_theme(fig, title)


# --- hand-built inputs shaped like the pages' frames -----------------------------------------------------------

CHANNELS = ["search", "paid_ads", "xiaohongshu", "douyin_live", "wecom", "direct"]
WEEKS = pd.to_datetime(["2024-11-04", "2024-11-11", "2024-11-18"]).astype("datetime64[us]")


def _channels() -> pd.DataFrame:
    """Channel rows as traffic.channel_overview returns them: one ROI under the floor, one missing (no spend)."""
    return pd.DataFrame({"channel": CHANNELS, "gmv": [120.0, 80.5, 60.0, 40.25, 30.0, 10.0],
                         "roi": [2.5, 0.8, 1.6, np.nan, 3.4, np.nan]})


def _trend() -> pd.DataFrame:
    """Weekly channel trend (bucket, channel, gmv_share, roi, conversion_rate, gmv), ROI missing for some rows."""
    rows = []
    for w, week in enumerate(WEEKS):
        for c, channel in enumerate(CHANNELS):
            rows.append(dict(bucket=week, channel=channel, gmv=100.0 * (c + 1) + w, gmv_share=(c + 1) / 21,
                             conversion_rate=0.01 * (c + 1) + 0.001 * w,
                             roi=np.nan if channel == "direct" or (w, c) == (1, 1) else 0.5 + c * 0.4 + w * 0.1))
    return pd.DataFrame(rows)


def _many_channels_trend() -> pd.DataFrame:
    """A trend with more channels than the palette has colours (the colours wrap around)."""
    names = [f"ch{i:02d}" for i in range(len(PALETTE) + 3)]
    return pd.DataFrame({"bucket": np.repeat(WEEKS, len(names)), "channel": names * len(WEEKS),
                         "gmv_share": np.tile(np.full(len(names), 1 / len(names)), len(WEEKS)),
                         "roi": np.linspace(0.2, 4.0, len(names) * len(WEEKS))})


def _funnel_steps() -> pd.DataFrame:
    """One key's funnel (traffic_funnel.funnel_steps shape), rows out of order, the biggest drop at add to cart."""
    return pd.DataFrame({"step": [3, 1, 2, 4], "label": ["Add to cart", "Visit", "Product view", "Order"],
                         "count": [3370.0, 33035.0, 42081.0, 1202.0],
                         "step_conversion": [0.0801, np.nan, 1.2738, 0.3567],
                         "biggest_drop": [True, False, False, False]})


def _step_table() -> pd.DataFrame:
    """Step conversions per channel (traffic_funnel.step_table shape) with a missing cell."""
    return pd.DataFrame({"key": ["search", "wecom", "direct"], "visits→product_views": [0.9, 1.1, 0.7],
                         "product_views→add_to_cart": [0.08, np.nan, 0.12], "add_to_cart→orders": [0.3, 0.4, 0.2],
                         "biggest_drop": ["product_views→add_to_cart"] * 3})


def _scroll() -> pd.DataFrame:
    """Scroll depth of one device (screen, reach_share, leave_share, biggest_exit), rows out of order."""
    return pd.DataFrame({"screen": [2, 1, 3, 4], "reach_share": [0.62, 1.0, 0.31, 0.12],
                         "leave_share": [0.31, 0.38, 0.19, 0.12], "biggest_exit": [False, True, False, False]})


def _daily(n: int = 30) -> pd.DataFrame:
    """Daily GMV and orders (the overview's trend), days as datetime64[us]."""
    days = pd.date_range("2024-11-01", periods=n, freq="D").astype("datetime64[us]")
    return pd.DataFrame({"day": days, "gmv": np.arange(n) * 10.5 + 100, "orders": np.arange(n) % 7 + 3})


def _big_series() -> pd.DataFrame:
    """More points than charts.WEBGL_POINTS, in two series (WebGL traces)."""
    n = WEBGL_POINTS + 500
    return pd.DataFrame({"day": np.arange(n), "price": np.sin(np.arange(n) / 50.0),
                         "series": np.where(np.arange(n) % 2 == 0, "ours", "competitor")})


def _cohort_cells() -> pd.DataFrame:
    """Long-format heatmap cells (one row per x, y), y labels as dates, one cell missing."""
    cohorts = [date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)]
    rows = [dict(cohort=c, month=m, retention=1.0 / (m + 1) - i * 0.01)
            for i, c in enumerate(cohorts) for m in range(4) if (i, m) != (2, 3)]
    return pd.DataFrame(rows)


def _empty(*columns: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=float) for c in columns})


CASES = {
    # charts.line
    "line one y": (charts.line, _old_line, (_daily(), "day", "gmv"), {}),
    "line y list, format, title": (charts.line, _old_line,
                                   (pd.DataFrame({"period": ["2024-01", "2024-02", "2024-03"],
                                                  "negative_rate": [0.05, 0.07, 0.04], "target": [0.06] * 3}),
                                    "period", ["negative_rate", "target"]), dict(y_format=".0%", title="Negative")),
    "line by color": (charts.line, _old_line, (_trend(), "bucket", "conversion_rate"),
                      dict(color="channel", title="Conversion rate", y_format=".1%")),
    "line webgl": (charts.line, _old_line, (_big_series(), "day", "price"), {}),
    "line webgl by color": (charts.line, _old_line, (_big_series(), "day", "price"),
                            dict(color="series", title="Price")),
    "line empty": (charts.line, _old_line, (_empty("day", "gmv"), "day", "gmv"), {}),
    # charts.bar
    "bar plain": (charts.bar, _old_bar, (pd.DataFrame({"bucket": ["0-7 d", "8-30 d", "31+ d"],
                                                       "customers": [120, 45, 12]}), "bucket", "customers"),
                  dict(title="Time from signup to first order")),
    "bar stacked by color": (charts.bar, _old_bar, (_trend(), "bucket", "gmv"), dict(color="channel",
                                                                                        title="GMV by channel")),
    "bar grouped, numeric color": (charts.bar, _old_bar,
                                   (pd.DataFrame({"pair": ["a+b", "a+b", "c+d", "c+d"], "orders": [1, 2, 1, 2],
                                                  "aov": [88.0, 120.5, 60.0, 99.9]}), "pair", "aov"),
                                   dict(color="orders", barmode="group")),
    "bar vertical format": (charts.bar, _old_bar,
                            (pd.DataFrame({"category": ["Pet", "Home", "Baby"], "difference": [0.05, -0.02, 0.0]}),
                             "category", "difference"), dict(y_format="+.1%", title="Lost vs kept")),
    "bar horizontal format": (charts.bar, _old_bar,
                              (pd.DataFrame({"supplier": ["S3", "S1", "S2"], "share": [0.1, 0.5, 0.4]}),
                               "supplier", "share"), dict(orientation="h", y_format=".0%", title="Supplier share")),
    "bar horizontal by color": (charts.bar, _old_bar, (_trend(), "channel", "gmv"),
                                dict(orientation="h", color="bucket")),
    "bar empty": (charts.bar, _old_bar, (_empty("bucket", "customers"), "bucket", "customers"), {}),
    "bar empty by color": (charts.bar, _old_bar, (_empty("bucket", "gmv", "channel"), "bucket", "gmv"),
                           dict(color="channel")),
    # charts.bar_line
    "bar_line": (charts.bar_line, _old_bar_line, (_daily(), "day", "gmv", "orders", "GMV", "Orders"),
                 dict(title="Daily GMV and orders")),
    "bar_line no title, date objects": (charts.bar_line, _old_bar_line,
                                        (pd.DataFrame({"month": [date(2024, 1, 1), date(2024, 2, 1)],
                                                       "sessions": [1200, 1350],
                                                       "conversion_rate": [0.031, 0.029]}),
                                         "month", "sessions", "conversion_rate", "Sessions", "Conversion rate"), {}),
    "bar_line empty": (charts.bar_line, _old_bar_line,
                       (_empty("day", "gmv", "units"), "day", "gmv", "units", "GMV", "Units"), {}),
    # charts.heatmap
    "heatmap": (charts.heatmap, _old_heatmap, (_cohort_cells(), "month", "cohort", "retention"), {}),
    "heatmap format, colorscale, title": (charts.heatmap, _old_heatmap,
                                          (_cohort_cells(), "month", "cohort", "retention"),
                                          dict(title="Retention", z_format=".1%", colorscale="Greens")),
    # charts_traffic.roi_bars
    "roi_bars": (traffic_charts.roi_bars, _old_roi_bars, (_channels(),), {}),
    "roi_bars grow": (traffic_charts.roi_bars, _old_roi_bars, (_channels(),), dict(grow=3.0)),
    "roi_bars key, no title": (traffic_charts.roi_bars, _old_roi_bars,
                               (_channels().rename(columns={"channel": "key"}),), dict(key="key", title=None)),
    "roi_bars numeric keys": (traffic_charts.roi_bars, _old_roi_bars,
                              (pd.DataFrame({"key": [3, 1, 2], "roi": [0.4, 1.0, 2.0]}),),
                              dict(key="key", grow=2.0, title="ROI by audience")),
    "roi_bars no ROI": (traffic_charts.roi_bars, _old_roi_bars,
                        (pd.DataFrame({"channel": ["direct", "wecom"], "roi": [np.nan, np.nan]}),), dict(grow=3.0)),
    # charts_traffic.share_area
    "share_area": (traffic_charts.share_area, _old_share_area, (_trend(),), {}),
    "share_area highlight": (traffic_charts.share_area, _old_share_area, (_trend(),),
                             dict(highlight="wecom", title=None)),
    "share_area palette wraps": (traffic_charts.share_area, _old_share_area, (_many_channels_trend(),),
                                 dict(highlight="ch09")),
    "share_area empty": (traffic_charts.share_area, _old_share_area,
                         (_empty("bucket", "channel", "gmv_share"),), {}),
    # charts_traffic.funnel_chart
    "funnel_chart": (traffic_charts.funnel_chart, _old_funnel_chart, (_funnel_steps(),), {}),
    "funnel_chart title": (traffic_charts.funnel_chart, _old_funnel_chart, (_funnel_steps(),),
                           dict(title="Funnel")),
    "funnel_chart empty": (traffic_charts.funnel_chart, _old_funnel_chart,
                           (_empty("step", "label", "count", "step_conversion", "biggest_drop"),), {}),
    # charts_traffic.step_heatmap
    "step_heatmap": (traffic_charts.step_heatmap, _old_step_heatmap, (_step_table(),),
                     dict(title="Step conversion")),
    "step_heatmap no title": (traffic_charts.step_heatmap, _old_step_heatmap, (_step_table(),), {}),
    # charts_traffic.scroll_chart
    "scroll_chart": (traffic_charts.scroll_chart, _old_scroll_chart, (_scroll(),), {}),
    "scroll_chart title": (traffic_charts.scroll_chart, _old_scroll_chart, (_scroll(),), dict(title="Scroll")),
    "scroll_chart empty": (traffic_charts.scroll_chart, _old_scroll_chart,
                           (_empty("screen", "reach_share", "leave_share", "biggest_exit"),), {}),
    # charts_traffic.roi_trend
    "roi_trend": (traffic_charts.roi_trend, _old_roi_trend, (_trend(),), {}),
    "roi_trend one line": (traffic_charts.roi_trend, _old_roi_trend,
                           (_trend().groupby("bucket", as_index=False)["roi"].mean().rename(columns={"bucket": "key"}),
                            ), dict(x="key", color=None, title="ROI by week")),
    "roi_trend no title, wrap": (traffic_charts.roi_trend, _old_roi_trend, (_many_channels_trend(),),
                                 dict(title=None)),
    "roi_trend no ROI": (traffic_charts.roi_trend, _old_roi_trend,
                         (_trend().assign(roi=np.nan),), {}),
}


def _json(fig: go.Figure) -> dict:
    return json.loads(pio.to_json(fig))


@pytest.mark.parametrize("case", list(CASES))
def test_builder_draws_what_the_previous_one_drew(case):
    new, old, args, kwargs = CASES[case]
    expected = _json(old(*args, **kwargs))
    if new is traffic_charts.roi_bars:
        # The one intended difference: the height the previous builder computed now reaches the figure (its final
        # apply_theme call reset it to Plotly's default).
        frame = args[0]
        expected["layout"]["height"] = max(220, 40 * int(frame["roi"].notna().sum()) + 80)
    if new in (traffic_charts.roi_bars, traffic_charts.roi_trend):  # the ROI floor in force is an argument now
        kwargs = dict(kwargs, floor=THRESHOLDS.roi_floor)
    got = _json(new(*args, **kwargs))
    assert got == expected


def test_cases_cover_the_branches():
    """The cases above reach WebGL traces, shapes with labels, secondary axes, binary arrays and titles."""
    webgl = _json(charts.line(*CASES["line webgl by color"][2], **CASES["line webgl by color"][3]))
    assert [t["type"] for t in webgl["data"]] == ["scattergl", "scattergl"]
    assert _json(charts.line(_daily(), "day", "gmv"))["data"][0]["type"] == "scatter"

    bars = _json(traffic_charts.roi_bars(_channels(), grow=3.0, floor=THRESHOLDS.roi_floor))
    assert [a["text"] for a in bars["layout"]["annotations"]] == [f"ROI {THRESHOLDS.roi_floor:g}", "grow ≥ 3"]
    assert len(bars["layout"]["shapes"]) == 2 and bars["data"][0]["y"] == ["paid_ads", "xiaohongshu", "search",
                                                                            "wecom"]
    assert bars["layout"]["height"] == 240  # 4 bars: 40 px each + 80 (never below 220)
    trend = _json(traffic_charts.roi_trend(_trend(), floor=THRESHOLDS.roi_floor))
    assert len(trend["layout"]["shapes"]) == 1 and "annotations" not in trend["layout"]

    combo = _json(charts.bar_line(_daily(), "day", "gmv", "orders", "GMV", "Orders", title="Daily"))
    assert combo["layout"]["yaxis"]["rangemode"] == "tozero" and combo["layout"]["yaxis2"]["overlaying"] == "y"
    assert combo["data"][0]["y"]["dtype"] == "f8" and "bdata" in combo["data"][0]["y"]  # Plotly's binary arrays
    assert combo["layout"]["title"]["text"] == "Daily" and combo["layout"]["margin"] == {"t": 80}
