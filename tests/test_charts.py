"""The chart builders on small frames: what each figure shows (trace types, x/y values, names, theme colours, axis
formats and titles, reference lines with their labels, heights), read from the figure's own attributes."""
from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.io as pio
import pytest

from ecomops import charts
from ecomops.charts import PALETTE, WEBGL_POINTS
from ecomops.traffic import charts as traffic_charts
from ecomops.traffic.charts import ALERT

FLOOR = 1.0  # the ROI floor the charts mark (the setting in force is passed in; 1.0 is its default)

NAN = float("nan")


def _list(values) -> list:
    """Return a trace's values as a plain list (Plotly stores numpy arrays or tuples)."""
    return [v.item() if isinstance(v, np.generic) else v for v in values]


def _days(values) -> list[str]:
    """Return a trace's datetime values as 'YYYY-MM-DD' strings."""
    return [d.strftime("%Y-%m-%d") for d in pd.to_datetime(list(values))]


def _title(fig) -> str | None:
    return fig.layout.title.text


DAILY = pd.DataFrame({"day": pd.to_datetime(["2024-11-01", "2024-11-02", "2024-11-03"]).astype("datetime64[us]"),
                      "gmv": [100.0, 110.5, 121.0], "orders": [3, 4, 5]})
# Weekly share/ROI by channel, rows deliberately not sorted by channel; "direct" has no ROI (no spend).
TREND = pd.DataFrame({
    "bucket": pd.to_datetime(["2024-11-04", "2024-11-04", "2024-11-04", "2024-11-11", "2024-11-11", "2024-11-11"]),
    "channel": ["wecom", "search", "direct", "wecom", "search", "direct"],
    "gmv_share": [0.5, 0.3, 0.2, 0.4, 0.4, 0.2],
    "roi": [2.0, 0.8, NAN, 2.5, NAN, NAN],
})


# --- the theme --------------------------------------------------------------------------------------------------

def test_importing_charts_makes_the_ecomops_theme_the_default():
    # in a fresh process: in this one, a test that imported streamlit after ecomops.charts has made Streamlit's
    # template the default (streamlit.elements.plotly_chart sets it on import; the app imports streamlit first)
    out = subprocess.run([sys.executable, "-c", "import ecomops.charts, plotly.io as pio; print(pio.templates.default)"],
                         capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == "ecomops"


def test_builders_draw_with_the_default_theme(monkeypatch):
    monkeypatch.setattr(pio.templates, "default", "ecomops")  # as in the app (see the test above)
    fig = charts.line(DAILY, "day", "gmv")
    template = fig.layout.template.layout
    assert list(template.colorway) == PALETTE
    assert template.font.family.startswith("Inter, 'Noto Sans CJK SC'") and template.font.size == 13
    assert template.plot_bgcolor == "white" and template.legend.orientation == "h"


def test_title_sits_top_left_with_room_and_no_title_leaves_plotly_defaults():
    titled = charts.line(DAILY, "day", "gmv", title="Daily GMV")
    assert _title(titled) == "Daily GMV"
    assert (titled.layout.title.x, titled.layout.title.xanchor, titled.layout.title.yref) == (0, "left", "container")
    assert titled.layout.margin.t == 80
    # the legend starts 44 px below the figure's top (under the title) and grows downwards
    legend = titled.layout.legend
    assert (legend.yref, legend.yanchor, legend.y) == ("container", "top", pytest.approx(1 - 44 / 450))
    assert charts.apply_theme(charts.line(DAILY, "day", "gmv"), "t", height=300).layout.legend.y == pytest.approx(
        1 - 44 / 300)
    plain = charts.line(DAILY, "day", "gmv")
    assert _title(plain) is None and plain.layout.margin.t is None and plain.layout.height is None


# --- charts.line --------------------------------------------------------------------------------------------------

def test_line_one_y():
    fig = charts.line(DAILY, "day", "gmv")
    (trace,) = fig.data
    assert (trace.type, trace.mode, trace.name) == ("scatter", "lines", "gmv")
    assert _days(trace.x) == ["2024-11-01", "2024-11-02", "2024-11-03"]
    assert _list(trace.y) == [100.0, 110.5, 121.0]
    assert fig.layout.yaxis.tickformat is None


def test_line_several_y_columns_with_a_format():
    frame = pd.DataFrame({"period": ["2024-01", "2024-02"], "negative_rate": [0.05, 0.07], "target": [0.06, 0.06]})
    fig = charts.line(frame, "period", ["negative_rate", "target"], y_format=".0%", title="Negative")
    assert [t.name for t in fig.data] == ["negative_rate", "target"]  # one trace per column, in the given order
    assert _list(fig.data[1].y) == [0.06, 0.06] and _list(fig.data[0].x) == ["2024-01", "2024-02"]
    assert fig.layout.yaxis.tickformat == ".0%" and _title(fig) == "Negative"


def test_line_split_by_color_sorted_by_key():
    fig = charts.line(TREND, "bucket", "gmv_share", color="channel")
    assert [t.name for t in fig.data] == ["direct", "search", "wecom"]  # sorted, not in row order
    assert _list(fig.data[2].y) == [0.5, 0.4]  # wecom's rows only
    assert _days(fig.data[2].x) == ["2024-11-04", "2024-11-11"]


@pytest.mark.parametrize("rows, kind", [
    (WEBGL_POINTS, "scatter"),        # at the limit: SVG
    (WEBGL_POINTS + 1, "scattergl"),  # one more point: WebGL
])
def test_line_switches_to_webgl_above_the_point_limit(rows, kind):
    frame = pd.DataFrame({"x": np.arange(rows), "y": np.zeros(rows), "series": np.where(np.arange(rows) % 2, "a", "b")})
    assert [t.type for t in charts.line(frame, "x", "y").data] == [kind]
    # the limit counts the whole frame, not each coloured series (each has half the rows here)
    assert [t.type for t in charts.line(frame, "x", "y", color="series").data] == [kind, kind]


def test_line_of_an_empty_frame_draws_one_empty_trace():
    fig = charts.line(pd.DataFrame({"day": pd.Series([], dtype=float), "gmv": pd.Series([], dtype=float)}),
                      "day", "gmv")
    assert len(fig.data) == 1 and _list(fig.data[0].x) == [] and _list(fig.data[0].y) == []


# --- charts.bar ---------------------------------------------------------------------------------------------------

def test_bar_plain_has_no_legend():
    frame = pd.DataFrame({"bucket": ["0-7 d", "8-30 d", "31+ d"], "customers": [120, 45, 12]})
    fig = charts.bar(frame, "bucket", "customers", title="Time to first order")
    (trace,) = fig.data
    assert (trace.type, trace.name, trace.orientation) == ("bar", "customers", None)
    assert _list(trace.x) == ["0-7 d", "8-30 d", "31+ d"] and _list(trace.y) == [120, 45, 12]
    assert fig.layout.barmode == "stack" and fig.layout.showlegend is False
    assert _title(fig) == "Time to first order"


def test_bar_stacked_by_color():
    fig = charts.bar(TREND, "bucket", "gmv_share", color="channel")
    assert [t.name for t in fig.data] == ["direct", "search", "wecom"]
    assert _list(fig.data[1].y) == [0.3, 0.4]  # search
    assert fig.layout.barmode == "stack" and fig.layout.showlegend is True


def test_bar_grouped_by_a_numeric_color_names_traces_as_text():
    frame = pd.DataFrame({"pair": ["a+b", "a+b", "c+d", "c+d"], "orders": [2, 1, 2, 1],
                          "aov": [120.5, 88.0, 99.9, 60.0]})
    fig = charts.bar(frame, "pair", "aov", color="orders", barmode="group")
    assert [t.name for t in fig.data] == ["1", "2"]
    assert _list(fig.data[0].y) == [88.0, 60.0]  # orders == 1
    assert fig.layout.barmode == "group"


@pytest.mark.parametrize("orientation, value_axis, other_axis", [("v", "yaxis", "xaxis"), ("h", "xaxis", "yaxis")])
def test_bar_format_goes_on_the_value_axis(orientation, value_axis, other_axis):
    frame = pd.DataFrame({"supplier": ["S3", "S1"], "share": [0.1, 0.5]})
    fig = charts.bar(frame, "supplier", "share", orientation=orientation, y_format=".0%")
    assert fig.layout[value_axis].tickformat == ".0%" and fig.layout[other_axis].tickformat is None


def test_bar_horizontal_puts_categories_on_y():
    frame = pd.DataFrame({"supplier": ["S3", "S1"], "share": [0.1, 0.5]})
    (trace,) = charts.bar(frame, "supplier", "share", orientation="h").data
    assert trace.orientation == "h"
    assert _list(trace.y) == ["S3", "S1"] and _list(trace.x) == [0.1, 0.5]
    by_week = charts.bar(TREND, "channel", "gmv_share", orientation="h", color="bucket")
    assert [t.name for t in by_week.data] == ["2024-11-04 00:00:00", "2024-11-11 00:00:00"]  # str() of the keys
    assert _list(by_week.data[0].y) == ["wecom", "search", "direct"] and _list(by_week.data[0].x) == [0.5, 0.3, 0.2]


def test_bar_of_an_empty_frame():
    empty = pd.DataFrame({"bucket": pd.Series([], dtype=float), "gmv": pd.Series([], dtype=float),
                          "channel": pd.Series([], dtype=object)})
    assert len(charts.bar(empty, "bucket", "gmv").data) == 1  # the one (empty) series
    assert len(charts.bar(empty, "bucket", "gmv", color="channel").data) == 0  # no group, no trace


# --- charts.bar_line ----------------------------------------------------------------------------------------------

def test_bar_line_puts_the_line_on_a_right_axis():
    fig = charts.bar_line(DAILY, "day", "gmv", "orders", "GMV", "Orders", title="Daily GMV and orders")
    bars, line = fig.data
    assert (bars.type, bars.name, bars.marker.color) == ("bar", "GMV", PALETTE[0])
    assert _list(bars.y) == [100.0, 110.5, 121.0]
    assert (line.type, line.name, line.mode, line.yaxis) == ("scatter", "Orders", "lines+markers", "y2")
    assert line.marker.color == PALETTE[1] and _list(line.y) == [3, 4, 5]
    y, y2 = fig.layout.yaxis, fig.layout.yaxis2
    assert (y.title.text, y.rangemode) == ("GMV", "tozero")
    assert (y2.title.text, y2.overlaying, y2.side, y2.rangemode, y2.showgrid) == ("Orders", "y", "right", "tozero",
                                                                                  False)
    assert list(fig.layout.xaxis.domain) == [0.0, 0.94]  # room for the right axis
    assert _title(fig) == "Daily GMV and orders"


def test_bar_line_with_date_objects_and_no_rows():
    months = pd.DataFrame({"month": [date(2024, 1, 1), date(2024, 2, 1)], "sessions": [1200, 1350],
                           "conversion_rate": [0.031, 0.029]})
    fig = charts.bar_line(months, "month", "sessions", "conversion_rate", "Sessions", "Conversion rate")
    assert _list(fig.data[0].x) == [date(2024, 1, 1), date(2024, 2, 1)] and _title(fig) is None
    empty = charts.bar_line(DAILY.head(0), "day", "gmv", "orders", "GMV", "Orders")
    assert [len(t.x) for t in empty.data] == [0, 0] and empty.layout.yaxis2.title.text == "Orders"


# --- charts.heatmap -----------------------------------------------------------------------------------------------

COHORTS = pd.DataFrame({  # long format, rows shuffled, the cell (2024-02-01, month 1) missing
    "cohort": [date(2024, 2, 1), date(2024, 1, 1), date(2024, 1, 1)],
    "month": [0, 1, 0],
    "retention": [1.0, 0.25, 1.0],
})


def test_heatmap_pivots_long_cells_into_a_grid():
    fig = charts.heatmap(COHORTS, "month", "cohort", "retention")
    (cells,) = fig.data
    assert cells.type == "heatmap"
    assert _list(cells.x) == ["0", "1"] and _list(cells.y) == ["2024-01-01", "2024-02-01"]  # labels as text
    # row 2024-01-01: month 0 = 1.0, month 1 = 0.25; row 2024-02-01: 1.0 and the missing cell (NaN, no gap fill)
    assert cells.z.tolist()[0] == [1.0, 0.25]
    assert cells.z.tolist()[1][0] == 1.0 and np.isnan(cells.z.tolist()[1][1])
    assert (cells.texttemplate, cells.colorscale[0][1], cells.hoverongaps) == ("%{z:.0%}", "rgb(247,251,255)", False)
    assert fig.layout.yaxis.autorange == "reversed"  # first cohort on top


def test_heatmap_format_and_colorscale():
    fig = charts.heatmap(COHORTS, "month", "cohort", "retention", title="Retention", z_format=".1%",
                         colorscale="Greens")
    assert fig.data[0].texttemplate == "%{z:.1%}"
    assert fig.data[0].colorscale[-1][1] == "rgb(0,68,27)"  # the dark end of Plotly's Greens
    assert _title(fig) == "Retention"


# --- traffic: roi_bars --------------------------------------------------------------------------------------------

CHANNEL_ROI = pd.DataFrame({"channel": ["search", "paid_ads", "xiaohongshu", "douyin_live", "wecom", "direct"],
                            "roi": [2.5, 0.8, 1.0, NAN, 3.4, NAN]})


def test_roi_bars_sorted_with_the_floor_in_red():
    fig = traffic_charts.roi_bars(CHANNEL_ROI, floor=FLOOR)
    (bars,) = fig.data
    # the two channels without ROI are left out; ascending ROI (Plotly draws the first at the bottom)
    assert _list(bars.y) == ["Paid ads", "Xiaohongshu", "Search", "WeCom"]  # channel labels, never the codes
    assert _list(bars.x) == [0.8, 1.0, 2.5, 3.4]
    assert list(bars.marker.color) == [ALERT, PALETTE[0], PALETTE[0], PALETTE[0]]  # ROI 1.0 is not under the floor
    assert list(bars.text) == ["0.80", "1.00", "2.50", "3.40"] and bars.orientation == "h"
    (floor,) = fig.layout.shapes
    assert (floor.type, floor.x0, floor.x1, floor.yref, floor.line.dash, floor.line.color) == (
        "line", FLOOR, FLOOR, "paper", "dash", ALERT)
    assert [a.text for a in fig.layout.annotations] == ["ROI 1.0"]
    assert fig.layout.height == 240  # 4 bars: 40 * 4 + 80
    assert fig.layout.showlegend is False and _title(fig) == "ROI by channel"


def test_roi_bars_grow_line():
    fig = traffic_charts.roi_bars(CHANNEL_ROI, grow=3.0, floor=FLOOR)
    floor, grow = fig.layout.shapes
    assert (grow.x0, grow.line.dash, grow.line.color) == (3.0, "dot", PALETTE[2])
    assert [a.text for a in fig.layout.annotations] == ["ROI 1.0", "grow ≥ 3.0"]
    assert [a.x for a in fig.layout.annotations] == [1.0, 3.0]


@pytest.mark.parametrize("rois, height", [
    ([NAN, NAN], 220),                 # no bar: the minimum height
    ([0.4, 2.0, 1.0], 220),            # 40 * 3 + 80 = 200, raised to 220
    ([0.5 * i for i in range(1, 8)], 360),  # 40 * 7 + 80
])
def test_roi_bars_height_grows_with_the_bars(rois, height):
    frame = pd.DataFrame({"key": list(range(len(rois))), "roi": rois})
    fig = traffic_charts.roi_bars(frame, key="key", title=None, floor=FLOOR)
    assert fig.layout.height == height and _title(fig) is None


def test_roi_bars_numeric_keys_become_labels():
    fig = traffic_charts.roi_bars(pd.DataFrame({"key": [3, 1, 2], "roi": [0.4, 1.0, 2.0]}), key="key", floor=FLOOR)
    assert _list(fig.data[0].y) == ["3", "1", "2"]


# --- traffic: share_area ------------------------------------------------------------------------------------------

def test_share_area_stacks_channels_and_highlights_one():
    fig = traffic_charts.share_area(TREND, highlight="wecom")
    assert [t.name for t in fig.data] == ["Direct", "Search", "WeCom"]  # legend by label
    assert {t.stackgroup for t in fig.data} == {"share"} and {t.mode for t in fig.data} == {"lines"}
    assert [t.line.width for t in fig.data] == [0.5, 0.5, 3]
    assert [t.line.color for t in fig.data] == PALETTE[:3]
    assert _list(fig.data[2].y) == [0.5, 0.4]
    assert fig.layout.yaxis.tickformat == ".0%" and list(fig.layout.yaxis.range) == [0, 1]
    assert _title(fig) == "Share of GMV by channel"


def test_share_area_colours_wrap_around_the_palette():
    names = [f"ch{i:02d}" for i in range(len(PALETTE) + 2)]  # 10 channels, 8 colours
    frame = pd.DataFrame({"bucket": ["w1"] * len(names), "channel": names, "gmv_share": [0.1] * len(names)})
    fig = traffic_charts.share_area(frame, title=None)
    assert [t.line.color for t in fig.data][-3:] == [PALETTE[7], PALETTE[0], PALETTE[1]]  # ch07, ch08, ch09
    assert {t.line.width for t in fig.data} == {0.5} and _title(fig) is None


def test_share_area_empty():
    empty = pd.DataFrame({"bucket": [], "channel": [], "gmv_share": []})
    assert len(traffic_charts.share_area(empty).data) == 0


# --- traffic: funnel_chart ----------------------------------------------------------------------------------------

STEPS = pd.DataFrame({"step": [3, 1, 2, 4], "label": ["Add to cart", "Visit", "Product view", "Order"],
                      "count": [3370.0, 33035.0, 42081.0, 1202.0], "step_conversion": [0.0801, NAN, 1.2738, 0.3567],
                      "biggest_drop": [True, False, False, False]})


def test_funnel_chart_in_step_order_with_the_biggest_drop_in_red():
    fig = traffic_charts.funnel_chart(STEPS, title="Funnel")
    (stages,) = fig.data
    assert stages.type == "funnel" and stages.textinfo == "text"
    assert _list(stages.y) == ["Visit", "Product view", "Add to cart", "Order"]
    assert _list(stages.x) == [33035.0, 42081.0, 3370.0, 1202.0]
    assert list(stages.marker.color) == [PALETTE[0], PALETTE[0], ALERT, PALETTE[0]]
    # the first step has no previous one; 0.0801 -> 8.0%, 1.2738 -> 127.4%
    assert list(stages.text) == ["33,035", "42,081 · 127.4% of previous", "3,370 · 8.0% of previous",
                                 "1,202 · 35.7% of previous"]
    assert _title(fig) == "Funnel"


def test_funnel_chart_empty():
    empty = STEPS.head(0)
    (stages,) = traffic_charts.funnel_chart(empty).data
    assert len(stages.x) == 0 and list(stages.text) == []


# --- traffic: step_heatmap ----------------------------------------------------------------------------------------

def test_step_heatmap_has_one_column_per_step():
    table = pd.DataFrame({"key": ["search", "wecom"], "visits→product_views": [0.9, 1.1],
                          "product_views→add_to_cart": [0.08, NAN], "add_to_cart→orders": [0.3, 0.4],
                          "biggest_drop": ["product_views→add_to_cart"] * 2})
    fig = traffic_charts.step_heatmap(table, title="Step conversion")
    (cells,) = fig.data
    assert _list(cells.x) == ["visits→product_views", "product_views→add_to_cart", "add_to_cart→orders"]
    assert _list(cells.y) == ["search", "wecom"]
    assert cells.z.tolist()[0] == [0.9, 0.08, 0.3]
    assert cells.z.tolist()[1][0] == 1.1 and np.isnan(cells.z.tolist()[1][1])
    assert cells.texttemplate == "%{z:.1%}" and fig.layout.yaxis.autorange == "reversed"
    assert _title(fig) == "Step conversion"


# --- traffic: scroll_chart ----------------------------------------------------------------------------------------

def test_scroll_chart_reach_bars_and_leave_line():
    scroll = pd.DataFrame({"screen": [2, 1, 3], "reach_share": [0.62, 1.0, 0.31], "leave_share": [0.31, 0.38, 0.31],
                           "biggest_exit": [False, True, False]})
    fig = traffic_charts.scroll_chart(scroll, title="Scroll")
    bars, line = fig.data
    assert (bars.type, bars.name) == ("bar", "reached this screen")
    assert _list(bars.x) == [1, 2, 3] and _list(bars.y) == [1.0, 0.62, 0.31]  # sorted by screen
    assert list(bars.marker.color) == [ALERT, PALETTE[0], PALETTE[0]]
    assert list(bars.text) == ["100%", "62%", "31%"]
    assert (line.type, line.name, line.mode, line.line.color) == ("scatter", "left at this screen", "lines+markers",
                                                                  PALETTE[1])
    assert _list(line.y) == [0.38, 0.31, 0.31]
    assert (fig.layout.xaxis.title.text, fig.layout.xaxis.dtick) == ("screen of the detail page", 1)
    assert fig.layout.yaxis.tickformat == ".0%" and list(fig.layout.yaxis.range) == [0, 1.1]
    assert _title(fig) == "Scroll"


def test_scroll_chart_empty():
    empty = pd.DataFrame({"screen": [], "reach_share": [], "leave_share": [], "biggest_exit": []})
    fig = traffic_charts.scroll_chart(empty)
    assert [len(t.x) for t in fig.data] == [0, 0]


# --- traffic: roi_trend -------------------------------------------------------------------------------------------

def test_roi_trend_one_line_per_channel_with_the_floor():
    fig = traffic_charts.roi_trend(TREND, floor=FLOOR)
    # direct has no ROI at all: no line; search lost its second week (no ROI)
    assert [t.name for t in fig.data] == ["Search", "WeCom"]
    assert _list(fig.data[0].y) == [0.8] and _list(fig.data[1].y) == [2.0, 2.5]
    assert {t.mode for t in fig.data} == {"lines"}
    (floor,) = fig.layout.shapes
    assert (floor.y0, floor.y1, floor.xref, floor.line.dash, floor.line.color) == (
        FLOOR, FLOOR, "paper", "dash", ALERT)
    assert len(fig.layout.annotations) == 0  # the floor line has no label here
    assert _title(fig) == "ROI over time"


def test_roi_trend_single_line():
    weekly = pd.DataFrame({"key": ["w1", "w2", "w3"], "roi": [1.2, NAN, 0.9]})
    fig = traffic_charts.roi_trend(weekly, x="key", color=None, title=None, floor=FLOOR)
    (line,) = fig.data
    assert line.name == "ROI" and _list(line.x) == ["w1", "w3"] and _list(line.y) == [1.2, 0.9]
    assert _title(fig) is None


def test_roi_trend_without_roi_keeps_the_floor():
    fig = traffic_charts.roi_trend(TREND.assign(roi=NAN), floor=FLOOR)
    assert len(fig.data) == 0 and len(fig.layout.shapes) == 1


def test_link_tags_from_data_are_written_as_text():
    """Plotly draws <a href> in chart text as a link: imported names must not become one (any case, closing tag)."""
    import numpy as np
    import plotly.graph_objects as go

    from ecomops import charts as chart_theme

    fig = go.Figure(go.Bar(x=np.array(['<a href="http://evil.test">x</a>', "ok"], dtype=object), y=[1, 2],
                           name="<A HREF=x>n", customdata=[["< a href=y>"], ["<b>bold</b>"]]),
                    layout={"title": {"text": "Sales <br> <a href='javascript:1'>c</a>"}})
    chart_theme.without_links(fig)
    assert list(fig.data[0].x) == ['&lt;a href="http://evil.test">x&lt;/a>', "ok"]
    assert fig.data[0].name == "&lt;A HREF=x>n"
    assert [list(row) for row in fig.data[0].customdata] == [["&lt; a href=y>"], ["<b>bold</b>"]]  # ours stays
    assert fig.layout.title.text == "Sales <br> &lt;a href='javascript:1'>c&lt;/a>"
    assert list(fig.data[0].y) == [1, 2]
