"""AppTest of the Monitoring page on the small demo database: it runs, and shows what ecomops computes."""
from __future__ import annotations

import json

from ecomops import db
from ecomops.i18n import fmt, label
from ecomops.ops import monitoring
from ecomops.exports import escape_markdown
from ecomops.ui import state  # noqa: F401  (the page's module must import cleanly)


def _page(app_test):
    at = app_test("pages/data_monitoring.py")
    assert not at.exception, at.exception
    return at


def test_monitoring_page_shows_alerts_bands_and_root_cause(app_test, demo_db_path):
    at = _page(app_test)
    con = db.connect(demo_db_path)
    result_days = at.selectbox[0].options
    assert result_days, "the root-cause day picker lists the days of the range"
    shown = {m.label: m.value for m in at.metric}
    # The page's own range (the sidebar default: last 30 days of data)
    from ecomops.filters import default_filters
    from ecomops.metrics import data_range

    span = data_range(con)
    flt = default_filters(span.start, span.end)
    expected = monitoring.overview(con, flt)["alerts"]["severity"].value_counts()
    for severity in monitoring.SEVERITIES:
        assert shown[f"{label('severity', severity)} alerts"] == fmt.count(expected.get(severity, 0))
    # one band chart per monitored metric, with the expected band and the observed series
    specs = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    band_names = [{trace.get("name") for trace in spec["data"]} for spec in specs]
    assert sum("expected band" in names for names in band_names) == len(monitoring.MONITORED)
    # the root cause sentence is the one ecomops writes for the chosen day
    day = at.selectbox[0].value
    focus = at.selectbox[1].value
    cause = monitoring.root_cause(con, flt, day, "usual", None if focus == "auto" else focus)
    assert at.info[0].value == escape_markdown(cause.summary)  # shown as text (ecomops.exports)


def test_root_cause_reference_switch_and_rule_save(app_test, demo_db_path):
    at = _page(app_test)
    at.radio[0].set_value("last_week").run()
    assert not at.exception
    assert "against last " in at.info[0].value
    save = next(b for b in at.button if b.label == "Save rules")
    save.click().run()
    assert not at.exception
    assert not at.error
    assert len(monitoring.alert_rules(db.connect(demo_db_path))) == len(monitoring.DEFAULT_RULES)
