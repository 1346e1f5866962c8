"""Issue 2 proofs beyond the tiny fixture: KPIs on real data against independent SQL, the app pages, the DB lock."""
import subprocess
import sys
from datetime import date

import pytest

from ecomops import db, metrics
from ecomops.i18n import fmt, label
from ecomops.filters import Filters
from tests.conftest import PROJECT_ROOT
from tests.retail import load_online_retail


@pytest.fixture(scope="module")
def retail_con(shared_data):
    con = db.connect_memory()
    load_online_retail(con, shared_data / "online_retail.csv.gz")
    yield con
    con.close()


def test_online_retail_kpis_match_independent_sql(retail_con, shared_data):
    # Independent computation straight over the raw file, following METRICS.md.
    gmv, orders, buyers, cancelled = db.query_one(retail_con, """
        SELECT sum(Quantity * UnitPrice) FILTER (WHERE InvoiceNo NOT LIKE 'C%' AND Quantity > 0),
               count(DISTINCT InvoiceNo) FILTER (WHERE InvoiceNo NOT LIKE 'C%'),
               count(DISTINCT CustomerID) FILTER (WHERE InvoiceNo NOT LIKE 'C%'),
               count(DISTINCT InvoiceNo) FILTER (WHERE InvoiceNo LIKE 'C%')
        FROM read_csv($p, header = true, types = {'InvoiceNo': 'VARCHAR'})
    """, {"p": str(shared_data / "online_retail.csv.gz")})
    k = metrics.kpis(retail_con, Filters(date(2010, 12, 1), date(2011, 12, 9)))
    assert k["gmv"] == pytest.approx(gmv, rel=1e-9)
    assert k["orders"] == orders == 22064
    assert k["buyers"] == buyers == 4339
    assert cancelled == 3836
    assert k["uv"] is None and k["conversion_rate"] is None  # no traffic in this data set
    assert k["aov"] == pytest.approx(gmv / orders)


def test_online_retail_daily_trend_adds_up(retail_con):
    f = Filters(date(2011, 11, 1), date(2011, 11, 30))
    trend = metrics.daily_trend(retail_con, f)
    assert len(trend) == 30
    assert trend["gmv"].sum() == pytest.approx(metrics.kpis(retail_con, f)["gmv"])
    assert trend["orders"].sum() == metrics.kpis(retail_con, f)["orders"]


def test_every_page_runs_and_home_shows_ecomops_values(app_test, demo_db_path):
    at = app_test()
    assert not at.exception
    con = db.connect(demo_db_path)  # the same process-wide connection the app uses: do not close it here
    span = metrics.data_range(con)
    f = Filters(date.fromordinal(span.end.toordinal() - 29), span.end)
    table = metrics.kpi_comparison(con, f).set_index("metric")
    shown = {m.label: (m.value, m.delta) for m in at.metric}
    for metric, row in table.iterrows():
        assert shown[label("metric", metric)][0] == fmt.metric(metric, row["value"])
    assert shown["GMV"][0] != fmt.money(0)
    # a rate's change is in percentage points, an amount's a relative change
    conversion = table.loc["conversion_rate"]
    assert shown["Conversion rate"][1] == fmt.pp(conversion["value"] - conversion["previous"])
    assert shown["GMV"][1] == fmt.change(table.loc["gmv", "value"] / table.loc["gmv", "previous"] - 1)
    assert len(at.get("plotly_chart")) >= 2
    from ecomops.ui.navigation import PAGES

    for entry in PAGES:
        at.switch_page(f"pages/{entry.stem}.py").run()
        assert not at.exception, f"{entry.stem}: {at.exception}"


def test_filters_change_the_numbers_and_the_url(app_test):
    at = app_test()
    all_gmv = next(m.value for m in at.metric if m.label == "GMV")
    at.sidebar.multiselect(key="flt_channels").set_value(["wecom"]).run()
    assert not at.exception
    wecom_gmv = next(m.value for m in at.metric if m.label == "GMV")
    assert wecom_gmv != all_gmv
    assert at.query_params["channel"] == "wecom"


def test_second_process_gets_a_clear_lock_message(tmp_path):
    path = tmp_path / "locked.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(path)!r}); "
                               "print('ready', flush=True); time.sleep(30)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        result = subprocess.run([sys.executable, "-m", "ecomops", "kpis", "--db", str(path)], capture_output=True,
                                text=True, cwd=PROJECT_ROOT)
        assert result.returncode == 3
        assert f"PID {holder.pid}" in result.stderr and "Traceback" not in result.stderr
    finally:
        holder.kill()


def test_first_start_creates_the_demo_database_and_says_so(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    path = tmp_path / "fresh" / "ecomops.duckdb"
    monkeypatch.setenv("ECOMOPS_DB", str(path))
    monkeypatch.chdir(PROJECT_ROOT)
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=180)
    at.run()
    assert not at.exception
    assert path.exists()
    assert any("created a demo data set" in t.value for t in at.toast)
    orders = next(m.value for m in at.metric if m.label == "Orders")
    assert int(orders.replace(",", "")) > 0
    db.close(path)


def test_overview_and_monitoring_show_the_same_alerts(app_test, demo_db_path):
    """One alert engine: Overview's "Needs attention" and Monitoring's alert table list the same alerts for the same
    range (here a range holding the Double 11 pre-sale, the sale and the week after it)."""
    from ecomops.ops import monitoring

    con = db.connect(demo_db_path)
    f = Filters(date(2026, 10, 1), date(2026, 11, 15))
    expected = monitoring.alert_table(monitoring.alerts(con, f))
    assert not expected.empty  # the range holds alerts on the small demo: the comparison means something
    tables = {}
    for page in ("pages/overview.py", "pages/data_monitoring.py"):
        at = app_test(page)
        at.sidebar.date_input(key="flt_range").set_value((f.start, f.end)).run()
        assert not at.exception, at.exception
        shown = [frame.value for frame in at.dataframe if "Alert" in frame.value.columns]
        tables[page] = shown[0] if shown else None
    for page, shown in tables.items():
        assert shown is not None, page
        assert shown.reset_index(drop=True).equals(expected), page
