"""Data is never markup: imported names holding markdown (an image, a javascript: link, HTML, a Streamlit colour
directive) reach the pages as plain text.

A demo copy gets hostile product titles, competitor names, supplier names and channel names; each page is run
headless (AppTest) and every markdown-rendering element it produced (markdown, captions, alert boxes, metric labels
and help, expander labels, toasts) is checked: with escaped characters taken out, no image, link, HTML tag, URL or
directive is left, and the escaped hostile text is where the page shows the name.
"""
from __future__ import annotations

import re
import shutil

import pytest

from ecomops import db, derived
from ecomops.exports import escape_markdown

IMAGE = "![x](http://evil.test/t.png)"
LINK = "[click](javascript:alert(1))"
HTML = "<img src=http://evil.test/h.png>"
ANCHOR = '<a href="http://evil.test/a">verify</a>'  # Plotly renders <a href> in chart text
COLOUR = ":red[urgent]"
HOSTILE = f"{IMAGE} {LINK} {HTML} {ANCHOR} {COLOUR} "


@pytest.fixture(scope="module")
def hostile_db(demo_db_path, tmp_path_factory):
    """Return a demo copy whose product titles, competitor, supplier and channel names hold markdown and HTML."""
    path = tmp_path_factory.mktemp("markup") / "demo.duckdb"
    shutil.copyfile(demo_db_path, path)
    con = db.connect(path)
    with db.transaction(con) as cur:  # bumps the data versions: the summary tables are rebuilt from these names
        cur.execute("UPDATE products SET title = $h || title, category = $h || category", {"h": HOSTILE})
        cur.execute("UPDATE campaigns SET name = $h || name, kind = $h || kind", {"h": HOSTILE})
        cur.execute("UPDATE competitor_prices SET competitor = $h || competitor", {"h": HOSTILE})
        cur.execute("UPDATE suppliers SET name = $h || name", {"h": HOSTILE})
        for table in ("orders", "traffic_daily", "ad_spend", "customers"):
            cur.execute(f"UPDATE {table} SET channel = $h || channel WHERE channel IS NOT NULL", {"h": HOSTILE})
        cur.execute("UPDATE ad_spend SET spend = spend * 1000")  # every paid channel under the ROI floor: flagged
    derived.refresh_all(con)
    db.close(path)
    # A second copy for the served app: a server process cannot open a file this process holds (AppTest runs here).
    shutil.copyfile(path, path.with_name("served.duckdb"))
    return path


def _markdown_texts(at) -> list[str]:
    """Every string of the run that Streamlit renders as markdown."""
    texts = []
    for kind in ("markdown", "caption", "warning", "info", "success", "error", "toast", "title", "header",
                 "subheader"):
        texts += [element.value for element in at.get(kind)]
    for metric in at.metric:
        texts += [metric.label, metric.proto.help]
    texts += [expander.label for expander in at.expander]
    return [t for t in texts if t]


def _unescaped(text: str) -> str:
    """The markdown with every backslash-escaped character removed: what markdown syntax remains."""
    return re.sub(r"\\.", "", text)


def _assert_plain(texts: list[str]) -> None:
    for text in texts:
        bare = _unescaped(text)
        for markup in ("![", "](", "<img", "<a ", "javascript:", "http://evil", ":red["):
            assert markup not in bare, f"{markup!r} renders in {text!r}"


def _run(app_test, monkeypatch, hostile_db, page):
    import streamlit as st

    monkeypatch.setenv("ECOMOPS_DB", str(hostile_db))
    st.cache_data.clear()
    at = app_test(page)
    assert not at.exception, at.exception
    return at


def _contains_escaped(texts: list[str], name_part: str) -> bool:
    return any(escape_markdown(HOSTILE + name_part) in text or escape_markdown(HOSTILE) in text for text in texts)


def test_competition_page_shows_competitor_and_product_as_text(app_test, monkeypatch, hostile_db):
    at = _run(app_test, monkeypatch, hostile_db, "pages/risk_competition.py")
    texts = _markdown_texts(at)
    _assert_plain(texts)
    warnings = [w.value for w in at.warning]
    assert warnings, "the demo plants loss-leader alerts: the sink under test must be on the page"
    assert all(escape_markdown(HOSTILE) in w for w in warnings)  # competitor and title, both escaped
    assert all(w.count(escape_markdown(HOSTILE)) == 2 for w in warnings)


def test_channels_page_flags_channels_as_text(app_test, monkeypatch, hostile_db):
    at = _run(app_test, monkeypatch, hostile_db, "pages/traffic.py")
    texts = _markdown_texts(at)
    _assert_plain(texts)
    flagged = [w.value for w in at.warning if w.value.startswith("ROI below")]
    assert flagged and escape_markdown(HOSTILE) in flagged[0]


def test_review_highlights_name_channels_as_text(app_test, monkeypatch, hostile_db):
    at = _run(app_test, monkeypatch, hostile_db, "pages/data_review.py")
    texts = _markdown_texts(at)
    _assert_plain(texts)
    highlights = at.markdown[0].value if at.markdown else ""
    assert any(line.startswith("- ") for line in highlights.splitlines())
    assert escape_markdown(HOSTILE) in "".join(texts), "a channel name should appear in the highlights"


def test_supply_page_names_the_largest_supplier_as_text(app_test, monkeypatch, hostile_db):
    at = _run(app_test, monkeypatch, hostile_db, "pages/risk_supply.py")
    texts = _markdown_texts(at)
    _assert_plain(texts)
    largest = [c.value for c in at.caption if c.value.startswith("Largest supplier")]
    assert largest and escape_markdown(HOSTILE) in largest[0]


@pytest.mark.parametrize("page", ["pages/products_bundles.py", "pages/traffic_campaigns.py", "pages/data_monitoring.py",
                                  "pages/users_lost.py", "pages/overview.py", "pages/products_review.py"])
def test_other_pages_render_no_markup_from_data(app_test, monkeypatch, hostile_db, page):
    at = _run(app_test, monkeypatch, hostile_db, page)
    texts = _markdown_texts(at)
    _assert_plain(texts)
    if page in ("pages/products_bundles.py", "pages/traffic_campaigns.py", "pages/data_monitoring.py"):
        # Pair titles (metric help), campaign kinds (metric labels), the root cause (names a segment) show data.
        assert any(escape_markdown(HOSTILE) in text for text in texts)


def test_escape_markdown_covers_every_markup_kind():
    escaped = escape_markdown(HOSTILE + "$x$ **b** _i_ `c` # h\n- item\r\n1. one &amp; a@b.example www.evil.test")
    assert "\n" not in escaped and "\r" not in escaped
    bare = _unescaped(escaped)
    assert not re.search(r"[!-/:-@\[-`{-~]", bare), bare  # no ASCII punctuation is left unescaped


def test_sql_console_error_quoting_data_is_text(app_test, monkeypatch, hostile_db):
    """DuckDB's error messages quote values: a failed cast of a hostile title shows it as text."""
    at = _run(app_test, monkeypatch, hostile_db, "pages/data_sql.py")
    at.text_area(key="sql_text").set_value("SELECT CAST(title AS INTEGER) FROM products")
    next(b for b in at.button if b.label == "Run").click().run()
    errors = [e.value for e in at.error]
    assert errors and "Conversion Error" in _unescaped(errors[0]) + errors[0]
    _assert_plain(_markdown_texts(at))


def test_compliance_check_highlights_pasted_copy_as_text(app_test, monkeypatch, hostile_db):
    at = _run(app_test, monkeypatch, hostile_db, "pages/risk.py")
    at.text_area(key="risk_copy").set_value(HOSTILE + "全网最低价").run()
    highlighted = [m.value for m in at.markdown if ":red-background[" in m.value]
    assert highlighted and highlighted[0].startswith(escape_markdown(HOSTILE))
    _assert_plain([text.replace(":red-background[", "") for text in _markdown_texts(at)])


def _links_to_hostile_host(page) -> list[str]:
    """Every img/image/a element of the page pointing at the hostile host or a javascript: URL, with its container."""
    return page.evaluate("""() => [...document.querySelectorAll('img, image, a')].filter(e => {
        const v = e.getAttribute('src') || e.getAttribute('href') || e.getAttribute('xlink:href') || '';
        return v.includes('evil.test') || v.startsWith('javascript');
      }).map(e => (e.closest('[data-testid]')?.getAttribute('data-testid') || '?') + ': ' + e.outerHTML.slice(0, 120))""")


BROWSER_PAGES = ("risk_competition", "traffic", "data_review", "risk_supply", "products_bundles", "traffic_campaigns",
                 "data_monitoring", "products_review")


@pytest.fixture(scope="module")
def rendered(hostile_db, tmp_path_factory) -> dict[str, list[str]]:
    """Serve the hostile database, open each page in Chromium; return its hostile links (and all requests made)."""
    from tests.browser import chromium, require_chromium, serve_app, wait_for_app

    require_chromium()
    found, requests = {}, []
    with serve_app(hostile_db.with_name("served.duckdb"), tmp_path_factory.mktemp("home")) as url, \
            chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("request", lambda request: requests.append(request.url))
        for stem in BROWSER_PAGES:
            page.goto(f"{url}/{stem}")
            wait_for_app(page)
            try:
                page.locator('[data-testid="stMetric"], [data-testid="stPlotlyChart"], [data-testid="stDataFrame"]'
                             ).first.wait_for(state="visible", timeout=60000)
            except Exception as exc:  # name the page that showed nothing
                raise AssertionError(f"{stem} showed no metric, chart or table: "
                                     f"{page.locator('[data-testid=stMain]').inner_text()[:500]}") from exc
            wait_for_app(page)
            found[stem] = _links_to_hostile_host(page)
    found["requests"] = [r for r in requests if "evil.test" in r]
    return found


@pytest.mark.browser
def test_real_browser_renders_no_image_or_link_from_data(rendered):
    """Chromium on the served app: no markdown element holds an image or link to the hostile host, and the browser
    never requested anything from it (a tracking image would have)."""
    assert rendered.pop("requests") == []
    outside_charts = {stem: [f for f in links if not f.startswith("stPlotlyChart")] for stem, links in rendered.items()}
    assert outside_charts == {stem: [] for stem in rendered}


@pytest.mark.browser
def test_real_browser_charts_hold_no_link_from_data(rendered):
    rendered.pop("requests", None)
    assert {stem: links for stem, links in rendered.items() if links} == {}
