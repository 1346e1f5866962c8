"""The pages of the alert engine speak the reader's language: Overview, Monitoring and the weekly/monthly review in zh
and en, checked with ecomops.i18n.visible (no English in zh outside the operators' terms, no Chinese in en outside the
data, no doc names, no 00:00:00, no 3-decimal numbers, no raw codes)."""
from __future__ import annotations

import json

import pytest

from ecomops import db
from ecomops.i18n import visible
from tests.page_text import ACTING_USER

PAGES = ("pages/overview.py", "pages/data_monitoring.py", "pages/data_review.py")


def _texts(at) -> list[str]:
    """Return the strings an AppTest run shows: headings, texts, widgets, metric cards, table cells, chart texts."""
    texts: list[str] = []
    for kind in ("title", "header", "subheader", "caption", "markdown", "info", "success", "warning", "error"):
        texts += [str(e.value) for e in at.get(kind)]
    for m in at.metric:
        texts += [m.label, str(m.value), str(m.delta or "")]
    for widget in list(at.selectbox) + list(at.radio):
        texts.append(widget.label)
        texts += [str(o) for o in widget.options]
    texts += [b.label for b in at.button] + [t.label for t in at.tabs]
    texts += [b.proto.label for b in at.get("download_button")]
    for frame in at.dataframe:
        if "window_days" in frame.value.columns:
            continue  # the rules editor: the browser shows its codes through the columns' format_func and labels
        texts += [str(c) for c in frame.value.columns]
        texts += [str(v) for v in frame.value.astype(str).to_numpy().ravel()]
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        title = (spec.get("layout", {}).get("title") or {})
        texts.append(title.get("text", "") if isinstance(title, dict) else str(title))
        texts += [str(t.get("name") or "") for t in spec["data"]]
    return [t for t in texts if t]


def _data_values(demo_db_path) -> list[str]:
    """Return values shown as stored (campaign names, categories, product titles): data, not interface text."""
    con = db.connect(demo_db_path)
    values = ["English", "中文", ACTING_USER]  # language names in themselves; the acting OS user (sidebar)
    values += [r[0] for r in con.execute("SELECT name FROM campaigns").fetchall()]
    values += [r[0] for r in con.execute("SELECT DISTINCT category FROM products WHERE category IS NOT NULL").fetchall()]
    values += [r[0] for r in con.execute("SELECT title FROM products WHERE title IS NOT NULL").fetchall()]
    values += [r[0] for r in con.execute("SELECT keyword FROM search_keywords").fetchall()] if _has(con, "search_keywords") else []
    return values


def _has(con, table: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]).fetchone()[0])


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_alert_pages_are_clean_in_both_languages(app_test, demo_db_path, page, lang):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import PROJECT_ROOT

    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=180)
    at.query_params["lang"] = lang
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    texts = _texts(at)
    assert len(texts) > 20
    visible.assert_clean(texts, "zh_CN" if lang == "zh" else "en", data=_data_values(demo_db_path))
