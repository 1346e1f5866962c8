"""Real browser (Playwright + Debian Chromium): upload a GB18030 file with Chinese headers on Data → Upload, confirm
the mapping, import, see the imported row count, and see the home KPIs change."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ecomops import db
from tests.browser import chromium, metric_value, require_chromium, serve_app, wait_for_app
from tests.ingest_support import write_csv

pytestmark = pytest.mark.browser


def test_gb18030_upload_changes_home_kpis(demo_db_path, tmp_path: Path) -> None:
    require_chromium()
    home = tmp_path / "home"
    home.mkdir()
    db_copy = home / "demo.duckdb"
    shutil.copy(demo_db_path, db_copy)
    con = db.connect(db_copy)
    last_day = con.execute("SELECT max(order_date) FROM orders").fetchone()[0]
    db.close(db_copy)
    # A Taobao-style report saved by Excel on Chinese Windows: GB18030, Chinese headers, CRLF.
    header = ["订单编号", "下单时间", "买家会员名", "商品编码", "宝贝标题", "购买数量", "实际单价", "订单状态"]
    rows = [[f"TB-UP-{i}", f"{last_day:%Y/%m/%d} 1{i}:00", f"淘宝买家{i}", "TB-SKU-1", "保温杯（上传）", "10", "999.00",
             "交易成功"] for i in range(3)]
    upload = write_csv(tmp_path / "淘宝订单.csv", header, rows, encoding="gb18030", newline="\r\n")
    assert upload.read_bytes().decode("gb18030").startswith("订单编号")

    with serve_app(db_copy, home) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.goto(url)
        wait_for_app(page)
        gmv_before, orders_before = metric_value(page, "GMV"), metric_value(page, "Orders")

        page.goto(f"{url}/data_upload")
        wait_for_app(page)
        # The first uploader takes the export file (the second one, more files of the same export).
        page.get_by_test_id("stFileUploader").first.locator("input[type=file]").set_input_files(str(upload))
        page.get_by_text("Detected").first.wait_for(timeout=180000)
        assert page.get_by_text("gb18030").count() > 0
        page.get_by_role("button", name="Confirm mapping and check the file").click()
        page.get_by_text("3 of 3 rows are valid").wait_for(timeout=180000)
        page.get_by_role("button", name="Import", exact=True).click()
        page.get_by_text("Imported 3 rows as Orders").wait_for(timeout=180000)
        assert page.locator('[data-testid="stException"]').count() == 0

        page.goto(url)
        wait_for_app(page)
        gmv_after, orders_after = metric_value(page, "GMV"), metric_value(page, "Orders")
        assert gmv_after != gmv_before
        assert int(orders_after.replace(",", "")) == int(orders_before.replace(",", "")) + 3
        page.close()

    con = db.connect(db_copy)
    try:
        got = con.execute("SELECT count(*), sum(quantity * unit_price) FROM order_items WHERE order_id LIKE 'TB-UP-%'")
        assert got.fetchone() == (3, 29970.0)
        assert con.execute("SELECT title FROM products WHERE product_id = 'TB-SKU-1'").fetchone() == ("保温杯（上传）",)
    finally:
        db.close(db_copy)
