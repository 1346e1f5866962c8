"""The Data → Upload page (AppTest on a copy of the demo database): upload, mapping, report, import, undo."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ecomops import db, derived
from ecomops.users import model_jobs
from tests.ingest_support import ORDERS_HEADER, write_csv

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PAGE = "pages/data_upload.py"


@pytest.fixture
def upload_app(demo_db_path, tmp_path, monkeypatch):
    """Return a factory of AppTests on a private copy of the demo database (imports write to it)."""
    from streamlit.testing.v1 import AppTest

    copy = tmp_path / "demo.duckdb"
    shutil.copy(demo_db_path, copy)
    monkeypatch.setenv("ECOMOPS_DB", str(copy))
    monkeypatch.chdir(PROJECT_ROOT)

    def run():
        at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
        at.run()
        at.switch_page(PAGE).run()
        return at

    yield run, copy
    db.close(copy)


def _button(at, label: str):
    return next(b for b in at.button if b.label.startswith(label))


def test_upload_check_import_and_undo(upload_app, tmp_path: Path) -> None:
    run, path = upload_app
    at = run()
    assert not at.exception
    rows = [["UP1", "2024-03-05 10:00", "c_up", "SKU-UP", "上传测试杯", "2", "50", "paid"],
            ["UP2", "2024-03-05 11:00", "", "SKU-UP", "上传测试杯", "1", "50", "paid"],
            ["UP3", "2024-03-05 12:00", "c_up", "SKU-UP", "上传测试杯", "0", "50", "paid"]]
    data = write_csv(tmp_path / "orders.csv", ORDERS_HEADER, rows, encoding="gb18030").read_bytes()
    at.file_uploader[0].set_value(("orders.csv", data, "text/csv")).run()
    assert not at.exception
    assert any("Detected" in s.value and "Orders" in s.value for s in at.success)
    _button(at, "Confirm mapping").click().run()
    assert not at.exception
    assert any("2 of 3 rows are valid" in m.value for m in at.markdown)
    report = at.dataframe[1].value
    assert report.loc[0, "Problem"] == "is 0" and report.loc[0, "Rows"] == "1" and "row 4" in report.loc[0, "Example rows"]
    assert _button(at, "Import").disabled  # invalid rows: the user must choose
    at.radio[0].set_value("Import the 2 valid rows").run()
    _button(at, "Import").click().run()
    assert not at.exception
    assert any("Imported 2 rows as Orders" in s.value for s in at.success)
    con = db.connect(path)
    assert con.execute("SELECT count(*) FROM orders WHERE order_id IN ('UP1', 'UP2', 'UP3')").fetchone()[0] == 2
    # The summary tables pages read were updated before the page came back; the model outputs on a background
    # thread, whose end the page then reports.
    assert all(derived.is_fresh(con, t) for t in derived.REGISTRY if not t.background)
    job = model_jobs.refresh_job(con)
    assert job is not None and set(job.tables) <= {t.name for t in derived.REGISTRY if t.background}
    job.thread.join(300)
    assert job.state == "done" and all(derived.is_fresh(con, t) for t in derived.REGISTRY)
    at.run()
    assert any("were updated with the latest data in the background" in c.value for c in at.caption)
    import_id = con.execute("SELECT max(import_id) FROM imports").fetchone()[0]
    undo = [s for s in at.selectbox if s.label == "Import to undo"][0]
    assert undo.value == import_id
    _button(at, "Undo this import").click().run()
    assert not at.exception
    assert con.execute("SELECT count(*) FROM orders WHERE order_id IN ('UP1', 'UP2', 'UP3')").fetchone()[0] == 0


def test_unreadable_file_shows_a_clear_error(upload_app) -> None:
    run, _ = upload_app
    at = run()
    at.file_uploader[0].set_value(("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00" * 50, "text/csv")).run()
    assert not at.exception
    assert any("not a text file" in e.value for e in at.error)


def test_unknown_status_words_are_mapped_in_one_click(upload_app, tmp_path: Path) -> None:
    run, path = upload_app
    at = run()
    rows = [["US1", "2024-03-05 10:00", "c_us", "SKU-US", "测试杯", "1", "50", "Shipped - Lost in Transit"],
            ["US2", "2024-03-05 11:00", "c_us", "SKU-US", "测试杯", "1", "50", "Shipped - Lost in Transit"],
            ["US3", "2024-03-05 12:00", "c_us", "SKU-US", "测试杯", "1", "50", "paid"]]
    data = write_csv(tmp_path / "lost.csv", ORDERS_HEADER, rows).read_bytes()
    at.file_uploader[0].set_value(("lost.csv", data, "text/csv")).run()
    _button(at, "Confirm mapping").click().run()
    assert not at.exception
    # The word is shown once (escaped: data is never markup), with its row count, and one click maps it.
    from ecomops.exports import escape_markdown

    assert any(escape_markdown("Shipped - Lost in Transit") in m.value and "2 rows" in m.value for m in at.markdown)
    status = next(s for s in at.selectbox if s.key == "status_Shipped - Lost in Transit")
    status.set_value("shipped").run()
    _button(at, "Map").click().run()
    assert not at.exception
    con = db.connect(path)
    assert con.execute("SELECT status, origin FROM status_map WHERE word = 'shipped_lost_in_transit'").fetchone() == (
        "shipped", "user")
    _button(at, "Confirm mapping").click().run()
    assert any("3 of 3 rows are valid" in m.value for m in at.markdown)
