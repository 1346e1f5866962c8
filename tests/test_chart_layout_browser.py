"""The chart theme in a real browser (Chromium draws each figure with the Plotly.js of plotly.py): a legend never
covers the chart's title nor its plot area, however many legend entries wrap onto how many rows (long English names,
Chinese names, narrow half-page columns, a set height)."""
from __future__ import annotations

import pandas as pd
import pytest
from plotly.offline import get_plotlyjs

from ecomops import charts
from ecomops.traffic import charts as traffic_charts
from tests.browser import chromium, require_chromium

ENGLISH = ["Search", "Paid ads", "Xiaohongshu", "Douyin live", "WeCom", "Direct", "Tmall flagship store",
           "JD self-operated store", "Pinduoduo", "Kuaishou live"]
CHINESE = ["搜索", "付费广告", "小红书", "抖音直播", "企业微信", "直接访问", "天猫旗舰店", "京东自营", "拼多多", "快手直播"]


def _box(page, selector: str) -> dict | None:
    """Return the bounding box around every element matching ``selector`` (None when there is none)."""
    found = [b for b in (e.bounding_box() for e in page.query_selector_all(selector)) if b]
    if not found:
        return None
    x0, y0 = min(b["x"] for b in found), min(b["y"] for b in found)
    x1, y1 = max(b["x"] + b["width"] for b in found), max(b["y"] + b["height"] for b in found)
    return {"x0": x0, "y0": y0, "x1": x1, "y1": y1}


def _overlap(a: dict, b: dict) -> bool:
    return a["x0"] < b["x1"] and b["x0"] < a["x1"] and a["y0"] < b["y1"] - 0.5 and b["y0"] < a["y1"] - 0.5


def _lines(names: list[str]) -> pd.DataFrame:
    days = pd.date_range("2026-11-01", periods=8)
    return pd.DataFrame([(d, n, i + j) for i, d in enumerate(days) for j, n in enumerate(names)],
                        columns=["day", "channel", "value"])


def _figures():
    for names in (ENGLISH, CHINESE):
        for n in (2, 4, 6, 10):
            yield f"line-{names[0]}-{n}", charts.line(_lines(names[:n]), "day", "value", color="channel",
                                                       title="Share of GMV by channel over time (渠道成交额占比)")
    calendar = pd.DataFrame({"name": ["Double 11", "Member day", "Flash", "Outreach"],
                             "kind": ["big_sale", "member_day", "flash_sale", "other"],
                             "presale_start": [pd.Timestamp("2026-10-20"), None, None, None],
                             "start_date": pd.to_datetime(["2026-11-01", "2026-11-05", "2026-11-08", "2026-11-02"]),
                             "end_date": pd.to_datetime(["2026-11-11", "2026-11-05", "2026-11-08", "2026-11-20"])})
    yield "campaign calendar (set height)", traffic_charts.campaign_timeline(calendar)


@pytest.mark.parametrize("width", [380, 760])
def test_legend_never_covers_the_title_or_the_plot(width):
    require_chromium()
    with chromium() as browser:
        page = browser.new_page()
        # Plotly.js loaded once (3.5 MB inline), then each figure drawn into the same div as the app would draw it.
        page.set_content(f"<html><head><script>{get_plotlyjs()}</script></head><body><div id='chart'></div></body>"
                         "</html>")
        for name, fig in _figures():
            height = fig.layout.height or charts.DEFAULT_HEIGHT
            page.evaluate("""([spec, width, height]) => {
                const fig = JSON.parse(spec);
                const div = document.getElementById('chart');
                div.style.width = width + 'px'; div.style.height = height + 'px';
                Plotly.purge(div);
                return Plotly.newPlot(div, fig.data, fig.layout);
            }""", [fig.to_json(), width, height])
            page.wait_for_selector(".legend", timeout=20000)
            title, legend, plot = _box(page, ".gtitle"), _box(page, ".legend"), _box(page, ".nsewdrag")
            assert title and legend and plot, name
            assert not _overlap(legend, title), (name, width, title, legend)
            assert not _overlap(legend, plot), (name, width, legend, plot)
            assert legend["y0"] >= title["y1"], (name, width)  # the legend reads after the title
