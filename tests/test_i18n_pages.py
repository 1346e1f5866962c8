"""Every page in Chinese and in English (issue 17): AppTest renders it with ?lang=zh / ?lang=en on the demo data,
and the visible text (tests/visible_text.py) must be clean: in zh no English word outside the operators' allowlist,
in en no Chinese outside the data; in both no raw codes, doc names, midnight times or debug-print decimals."""
from __future__ import annotations

import pytest

from ecomops import i18n
from ecomops.i18n import visible
from ecomops.ui.navigation import PAGES
from tests.conftest import PROJECT_ROOT
from tests.visible_text import collect
from tests.page_text import ACTING_USER

# Pages still being converted on other branches, as "<page>-<lang>" (the test ids): strict xfail, so a case that
# becomes clean fails here until it leaves this set (the lead empties it after merging those branches). Most pages
# already pass in English (untranslated text is English); their Chinese fails.
NOT_YET: set[str] = set()
LOCALES = {"zh": "zh_CN", "en": "en"}
# The language switch names each language in itself (中文, English), whatever the page's language.
LANGUAGE_NAMES = {i18n.language_name(code) for code in i18n.SUPPORTED}
# The marks around a claim in the Compliance tables (compliance.highlight), which its caption shows as an example.
CLAIM_MARKS = {"【", "】"}


@pytest.fixture(scope="module")
def stored_names(demo_db_path) -> set[str]:
    """Return the names stored in the demo data that the sidebar and the pages show as they are (categories, product
    titles)."""
    from ecomops import db

    rows = db.connect(demo_db_path).execute(
        "SELECT category FROM products WHERE category IS NOT NULL UNION SELECT title FROM products").fetchall()
    return {row[0] for row in rows}


def run_page(stem: str, lang: str, monkeypatch, demo_db_path):
    """Return the AppTest of the whole app opened with ?lang=<lang> and switched to the page."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("ECOMOPS_DB", str(demo_db_path))
    monkeypatch.chdir(PROJECT_ROOT)
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=180)
    at.query_params["lang"] = lang
    at.run()
    if stem != "overview":
        at.switch_page(f"pages/{stem}.py").run()
    return at


def _cases():
    for entry in PAGES:
        for lang in LOCALES:
            case = f"{entry.stem}-{lang}"
            marks = [pytest.mark.xfail(strict=True, reason="being converted on another branch")] \
                if case in NOT_YET else []
            yield pytest.param(entry.stem, lang, marks=marks, id=case)


@pytest.mark.parametrize("stem, lang", list(_cases()))
def test_page_speaks_one_language(stem, lang, monkeypatch, demo_db_path, stored_names):
    at = run_page(stem, lang, monkeypatch, demo_db_path)
    assert not at.exception, [e.value for e in at.exception]
    seen = collect(at)
    assert len(seen.texts) > 10, "the collector found almost nothing on the page"
    data = seen.data | LANGUAGE_NAMES | CLAIM_MARKS | stored_names | {ACTING_USER}
    if stem == "data_sql":  # the SQL console shows the SQL catalogue as it is: table names, columns and their types
        data |= sql_catalogue(demo_db_path)
    visible.assert_clean(seen.texts, LOCALES[lang], data=data)


def sql_catalogue(db_path) -> set[str]:
    """Return the table browser's texts that are SQL (table names, column lists) and the editor's SQL placeholder."""
    from ecomops import db
    from ecomops.ops import sqlconsole

    found = {"SELECT ... FROM orders ..."}
    for table, _rows, column_list in sqlconsole.table_browser(db.connect(db_path)):
        found |= {table, column_list}
    return found


def test_the_collector_sees_every_kind_of_text(monkeypatch, demo_db_path):
    """The check cannot pass by not looking: headers, metrics, chart titles and axes are all collected."""
    at = run_page("products_inventory", "en", monkeypatch, demo_db_path)
    texts = set(collect(at).texts)
    assert "Inventory (ABC)" in texts  # the menu (sidebar)
    assert any(t.startswith("Class A") for t in texts)  # a metric label
    assert "Product ID" in texts  # a dataframe column header
    assert "Pareto: cumulative GMV by SKU rank" in texts  # a chart title
    assert "Cumulative share of GMV" in texts  # an axis title
    zh = run_page("products_inventory", "zh", monkeypatch, demo_db_path)
    assert "商品ID" in collect(zh).texts
    # An English word left in a zh page is caught.
    problems = visible.find_problems(collect(zh).texts + ["Stock alerts"], "zh_CN",
                                     data=collect(zh).data | LANGUAGE_NAMES | {ACTING_USER})
    assert [p.match for p in problems] == ["Stock", "alerts"]
