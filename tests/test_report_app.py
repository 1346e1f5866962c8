"""AppTest of the Weekly/monthly review page on the small demo database."""
from __future__ import annotations

from ecomops import db
from ecomops.i18n import fmt
from ecomops.ops import report
from ecomops.filters import default_filters
from ecomops.metrics import data_range


def test_review_page_shows_the_review_kpis_and_downloads(app_test, demo_db_path):
    at = app_test("pages/data_review.py")
    assert not at.exception, at.exception
    con = db.connect(demo_db_path)
    span = data_range(con)
    flt = default_filters(span.start, span.end)
    review = report.build_review(con, "week", flt.end, flt)
    shown = {m.label: m.value for m in at.metric}
    for row in review.kpis.itertuples():
        assert shown[row.label] == fmt.metric(row.metric, row.value)
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Download HTML (interactive)", "Download PDF"]
    at.radio[0].set_value("month").run()
    assert not at.exception
    month = report.build_review(con, "month", flt.end, flt)
    shown = {m.label: m.value for m in at.metric}
    assert shown["GMV"] == fmt.metric("gmv", month.kpis.set_index("metric").loc["gmv", "value"])
