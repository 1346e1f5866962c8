"""The weekly/monthly review: period arithmetic, the numbers it holds, and the HTML/PDF exports opened and read back."""
from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser
from io import BytesIO

import pytest

from ecomops import db, metrics
from ecomops.i18n import fmt, use_locale
from ecomops.ops import report
from ecomops.__main__ import main
from ecomops.filters import Filters

WEEK_DAY = date(2026, 11, 4)  # Wednesday of ISO week 2026-W45 (Mon 11-02 .. Sun 11-08) in the demo data


def test_week_period_and_comparisons():
    p = report.period_for("week", WEEK_DAY)
    assert (p.start, p.end) == (date(2026, 11, 2), date(2026, 11, 8))
    assert (p.previous_start, p.previous_end) == (date(2026, 10, 26), date(2026, 11, 1))
    assert (p.year_ago_start, p.year_ago_end) == (date(2025, 11, 3), date(2025, 11, 9))  # 52 weeks: Mon..Sun
    assert p.year_ago_start.weekday() == 0 and not p.partial
    assert p.label.startswith("Week 2026-W45")


def test_month_period_partial_and_short_previous_month():
    p = report.period_for("month", date(2026, 3, 20), data_end=date(2026, 3, 31))
    assert (p.start, p.end, p.previous_start, p.previous_end) == (
        date(2026, 3, 1), date(2026, 3, 31), date(2026, 2, 1), date(2026, 2, 28))
    partial = report.period_for("month", date(2026, 11, 3), data_end=date(2026, 11, 15))
    assert partial.partial and partial.end == date(2026, 11, 15)
    assert (partial.previous_start, partial.previous_end) == (date(2026, 10, 1), date(2026, 10, 15))
    assert (partial.year_ago_start, partial.year_ago_end) == (date(2025, 11, 1), date(2025, 11, 15))
    with pytest.raises(ValueError):
        report.period_for("quarter", date(2026, 1, 1))


@pytest.fixture(scope="module")
def demo_review(demo_db_path):
    con = db.connect(demo_db_path)
    return con, report.build_review(con, "week", WEEK_DAY)


@pytest.fixture(scope="module")
def demo_review_zh(demo_db_path):
    """The same review built and read in Chinese (its sentences are written in the reader's language)."""
    con = db.connect(demo_db_path)
    with use_locale("zh_CN"):
        return con, report.build_review(con, "week", WEEK_DAY)


ZH_HEADINGS = ("周报", "要点", "核心指标", "变动最大", "渠道投产比复盘", "预警及原因", "唤醒效果", "风险项")
ZH_TABLE_HEADERS = ("指标", "本期", "上期", "去年同期", "同比", "商品", "类目", "渠道", "项目", "状态")


def test_review_numbers_follow_metrics(demo_review):
    con, review = demo_review
    kpis = review.kpis.set_index("metric")
    now = metrics.kpis(con, Filters(date(2026, 11, 2), date(2026, 11, 8)))
    before = metrics.kpis(con, Filters(date(2026, 10, 26), date(2026, 11, 1)))
    year_ago = metrics.kpis(con, Filters(date(2025, 11, 3), date(2025, 11, 9)))
    assert kpis.loc["gmv", "value"] == pytest.approx(now["gmv"])
    assert kpis.loc["gmv", "change"] == pytest.approx(now["gmv"] / before["gmv"] - 1)
    assert kpis.loc["buyers", "yoy"] == pytest.approx(now["buyers"] / year_ago["buyers"] - 1)
    # Channel movers add up to the GMV change of the period (all channels move one way or the other).
    channels = review.movers["channels"]
    assert channels["change"].sum() == pytest.approx(now["gmv"] - before["gmv"])
    # ROI = attributed GMV / spend, flagged below 1
    roi = review.roi.dropna(subset=["roi"])
    assert (roi["roi"] == roi["attributed_gmv"] / roi["spend"]).all()
    assert (roi["flag"] == (roi["roi"] < 1)).all()
    react = review.reactivation.set_index("arm")
    assert set(react.index) == {"treatment", "control"}
    assert react.loc["treatment", "rate"] == pytest.approx(react.loc["treatment", "converted"] / react.loc["treatment", "sent"])
    assert list(review.risks["item"]) == ["Negative-review rate", "Reply SLA breaches", "SKUs without a backup supplier",
                                          "Competitor undercuts"]


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.text: list[str] = []
        self.script_sources: list[str] = []
        self.links: list[str] = []
        self.kpi: dict[str, str] = {}
        self._kpi_id: str | None = None
        self._in_value = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.script_sources.append(attrs["src"])
        if tag == "link" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "div" and (attrs.get("id") or "").startswith("kpi-"):
            self._kpi_id = attrs["id"][4:]
        if tag == "div" and attrs.get("class") == "value" and self._kpi_id:
            self._in_value = True

    def handle_endtag(self, tag):
        if tag == "div" and self._in_value:
            self._in_value = False
            self._kpi_id = None

    def handle_data(self, data):
        self.text.append(data)
        if self._in_value and data.strip():
            self.kpi[self._kpi_id] = data.strip()


def test_html_export_is_self_contained_with_the_kpis(demo_review, tmp_path):
    con, review = demo_review
    path = report.export(review, tmp_path / "week.html")
    document = path.read_text(encoding="utf-8")
    parser = _Collector()
    parser.feed(document)
    assert parser.script_sources == [] and parser.links == []  # nothing fetched when opened offline
    assert "Plotly.newPlot" in document and len(re.findall(r'class="plotly-graph-div"', document)) >= 3
    now = metrics.kpis(con, Filters(date(2026, 11, 2), date(2026, 11, 8)))
    for name in ("gmv", "orders", "buyers", "uv", "conversion_rate"):
        assert parser.kpi[name] == fmt.metric(name, now[name])
    assert "Weekly review" in document


def test_html_export_in_chinese_has_chinese_headings_and_numbers(demo_review_zh, tmp_path):
    con, review = demo_review_zh
    with use_locale("zh_CN"):
        document = report.render_html(review)
        now = metrics.kpis(con, Filters(date(2026, 11, 2), date(2026, 11, 8)))
        parser = _Collector()
        parser.feed(document)
        assert parser.kpi["gmv"] == fmt.metric("gmv", now["gmv"]) and parser.kpi["gmv"].startswith("¥")
    assert '<html lang="zh-CN">' in document
    for text in ZH_HEADINGS + ZH_TABLE_HEADERS + ("2026年第45周",):
        assert text in document, text
    for english in ("Highlights", "Top movers", "Risk items", "Week 2026", "WoW", "paid_ads", "METRICS.md"):
        assert english not in "".join(parser.text), english


def _needs_chromium() -> None:
    try:
        report.chromium_path()
    except report.ReportError:
        pytest.skip("Chromium not installed")


def test_pdf_export_in_chinese_renders_chinese_headings_and_tables(demo_review_zh, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    _needs_chromium()
    con, review = demo_review_zh
    with use_locale("zh_CN"):
        path = report.export(review, tmp_path / "week.pdf")
        now = metrics.kpis(con, Filters(date(2026, 11, 2), date(2026, 11, 8)))
        values = {name: fmt.metric(name, now[name]) for name in ("gmv", "orders", "buyers", "uv", "conversion_rate")}
    reader = pypdf.PdfReader(BytesIO(path.read_bytes()))
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = text.replace(" ", "")
    for name, value in values.items():
        assert value.replace(" ", "") in flat, name
    # the CJK font rendered every heading and the table headers as text, not boxes
    for heading in ZH_HEADINGS + ZH_TABLE_HEADERS:
        assert heading in flat, heading
    chinese_titles = [t for t in review.movers["products"]["segment"] if re.search(r"[\u4e00-\u9fff]", t)]
    assert chinese_titles and any(t.replace(" ", "") in text.replace(" ", "") for t in chinese_titles)


def test_report_command(demo_db_path, tmp_path, capsys):
    # The command opens the database itself; in this process db.connect returns the connection already open.
    out = tmp_path / "month.html"
    assert main(["report", "--period", "month", "--date", "2026-10-10", "--out", str(out),
                 "--db", str(demo_db_path)]) == 0
    assert out.exists() and "Monthly review" in out.read_text(encoding="utf-8")
    assert "Month 2026-10" in capsys.readouterr().out
    assert main(["report", "--period", "month", "--date", "2026-10-10", "--out", str(tmp_path / "x.txt"),
                 "--db", str(demo_db_path)]) == 2
    assert main(["report", "--period", "week", "--date", "1999-01-01", "--out", str(tmp_path / "x.html"),
                 "--db", str(demo_db_path)]) == 2  # before the first order: refused, not an empty report
    assert "no data" in capsys.readouterr().err


def _within(seconds: float, call):
    """Return call() run on a thread, or fail when it has not returned within ``seconds`` (a hang fails the test)."""
    import threading

    out: dict = {}

    def run() -> None:
        try:
            out["value"] = call()
        except Exception as exc:  # raised in the test's thread below
            out["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    if "error" in out:
        raise out["error"]
    assert "value" in out, f"no answer within {seconds} s"
    return out["value"]


def test_a_dead_kaleido_server_is_started_again(tmp_path):
    # kaleido's server thread ends when its Chromium fails; a call queued to it then waited for ever (the weekly
    # review's PDF hung the whole test suite). A task it cannot run ends the thread the same way.
    import plotly.graph_objects as go
    from kaleido._sync_server import Task

    _needs_chromium()
    figs = {"bars": go.Figure(go.Bar(x=["a", "b"], y=[3, 5]))}
    assert "<svg" in _within(120, lambda: report.static_svgs(figs))["bars"]
    server = report._kaleido_server()
    first = server._thread
    server._task_queue.put(Task("no_such_function", (), {}))
    first.join(30)
    assert not first.is_alive()
    again = _within(120, lambda: report.static_svgs(figs))
    assert "<svg" in again["bars"] and server._thread is not first and server._thread.is_alive()


def test_a_chart_render_that_never_answers_is_a_report_error(monkeypatch):
    import time

    import plotly.graph_objects as go

    _needs_chromium()
    monkeypatch.setattr(go.Figure, "to_image", lambda self, **kwargs: time.sleep(30))
    started = time.monotonic()
    with pytest.raises(report.ReportError, match="no answer from Chromium in 1 s"):
        _within(20, lambda: report.static_svgs({"bars": go.Figure(go.Bar(x=["a"], y=[1]))}, timeout=1.0))
    assert time.monotonic() - started < 10


def test_pdf_errors_come_from_the_catalogs(monkeypatch):
    # The export's errors reach the Data review page and the command line: in the operator's language.
    monkeypatch.setattr(report, "CHROMIUM_CANDIDATES", ())
    with use_locale("zh_CN"), pytest.raises(report.ReportError, match="导出 PDF 需要 Chromium"):
        report.chromium_path()
    with use_locale("en"), pytest.raises(report.ReportError, match="The PDF export needs Chromium"):
        report.chromium_path()
