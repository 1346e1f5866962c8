"""Load test: N concurrent browser sessions browsing every page while one session uploads a file.

    python bench/load.py [--sessions 20] [--visits 6] [--db PATH]

Starts the app with `streamlit run` on a copy of the database (default: the small demo; pass the scale database
with --db), drives N Chromium pages with Playwright (async), each visiting random pages in its own order, and one more
uploading an orders CSV through Data → Upload at the same time. Reports page times (median, p95, max), errors seen
in the browser (exception boxes, console errors), and checks that the upload landed every row (no lost rows, no
lock failures). Once the import has finished, every session opens the Overview again: its Orders card must show the
count with the imported orders (the summary tables updated from them), which the run checks against the database.
The copy's summary tables are brought up to date first (a running server's state). Peak RSS of the server process
is sampled with psutil. Writes bench/out/load.json.
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import json
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import OUT, PROJECT_ROOT  # noqa: E402
from tests.browser import CHROMIUM, CHROMIUM_ARGS, serve_app  # noqa: E402

WAIT_JS = """() => !document.querySelector('[data-testid="stStatusWidget"]')
   && document.querySelectorAll('[data-testid="stMain"] [data-testid="stElementContainer"]').length > 0"""


def write_orders_csv(path: Path, rows: int, day: str) -> None:
    """Write an orders export with one line per order on ``day`` (ids unique to this run)."""
    stamp = int(time.time())
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["order_id", "customer_id", "order_date", "product_id", "quantity", "unit_price", "status",
                         "channel"])
        for i in range(rows):
            writer.writerow([f"LOAD-{stamp}-{i}", f"LOADC{i % 500}", f"{day} 10:00:00", "LOAD-SKU-1", 1 + i % 3,
                             "19.90", "completed", "direct"])


ORDERS_METRIC = '[data-testid="stMetric"]:has-text("Orders") [data-testid="stMetricValue"]'


async def browse(browser, url: str, stems: list[str], visits: int, seed: int, times: list, errors: list,
                 imported: asyncio.Event, seen: list) -> None:
    """Visit `visits` pages in a random order (each session its own), recording load times and visible errors;
    then, once the upload's import has finished, open the Overview again and record the Orders figure it shows."""
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(240000)
    page.on("console", lambda msg: errors.append(f"console: {msg.text}")
            if msg.type == "error" and not msg.text.startswith("Failed to load resource") else None)
    # 404s are expected only for Streamlit's base-path probes (<page>/_stcore/...); anything else is an error.
    page.on("response", lambda r: errors.append(f"HTTP {r.status} {r.url}")
            if r.status >= 400 and "/_stcore/" not in r.url else None)
    rng = random.Random(seed)
    order = [rng.choice(stems) for _ in range(visits)]
    for stem in order:
        started = time.perf_counter()
        await page.goto(f"{url}/{'' if stem == 'overview' else stem}", wait_until="commit")
        await page.wait_for_selector('[data-testid="stMain"]', timeout=180000)
        await page.wait_for_function(WAIT_JS, timeout=180000)
        times.append((stem, time.perf_counter() - started))
        if await page.locator('[data-testid="stException"]').count():
            errors.append(f"exception on {stem}: {await page.locator('[data-testid=stException]').first.inner_text()}")
    await imported.wait()
    started = time.perf_counter()
    await page.goto(url, wait_until="commit")
    await page.wait_for_selector('[data-testid="stMain"]', timeout=180000)
    await page.wait_for_function(WAIT_JS, timeout=300000)
    times.append(("overview (after the import)", time.perf_counter() - started))
    seen.append(await page.locator(ORDERS_METRIC).first.inner_text())
    await page.close()


async def upload(browser, url: str, csv_path: Path, rows: int, errors: list, imported: asyncio.Event) -> float:
    """Upload the CSV through Data → Upload, confirm the mapping and import it (then set ``imported``); return the
    seconds it took."""
    try:
        return await _upload(browser, url, csv_path, rows, errors)
    finally:
        imported.set()  # (also when it failed: the sessions then report what they see, and the run its failure)


async def _upload(browser, url: str, csv_path: Path, rows: int, errors: list) -> float:
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(300000)
    started = time.perf_counter()
    await page.goto(f"{url}/data_upload", wait_until="commit")
    await page.wait_for_function(WAIT_JS, timeout=180000)
    await page.get_by_test_id("stFileUploader").first.locator("input[type=file]").set_input_files(str(csv_path))
    await page.get_by_text("Detected").first.wait_for(timeout=180000)
    await page.get_by_role("button", name="Confirm mapping and check the file").click()
    await page.get_by_text(f"{rows:,} of {rows:,} rows are valid").wait_for(timeout=180000)
    await page.get_by_role("button", name="Import", exact=True).click()
    await page.get_by_text(f"Imported {rows:,} rows").first.wait_for(timeout=300000)
    if await page.locator('[data-testid="stException"]').count():
        errors.append("exception on upload")
    await page.close()
    return time.perf_counter() - started


def sample_rss(pid: int, stop: threading.Event, peak: list) -> None:
    """Record the peak RSS (MB) of the server process tree until stopped."""
    proc = psutil.Process(pid)
    while not stop.is_set():
        try:
            total = proc.memory_info().rss + sum(c.memory_info().rss for c in proc.children(recursive=True))
            peak[0] = max(peak[0], total / 2**20)
        except psutil.Error:
            pass
        time.sleep(0.2)


async def run_load(url: str, sessions: int, visits: int, csv_path: Path, rows: int, server_pid: int) -> dict:
    """Return the load-test figures."""
    from playwright.async_api import async_playwright

    from ecomops.ui.navigation import PAGES

    stems = [entry.stem for entry in PAGES if entry.stem != "data_upload"]
    times: list = []
    errors: list = []
    seen: list = []
    imported = asyncio.Event()
    stop, peak = threading.Event(), [0.0]
    sampler = threading.Thread(target=sample_rss, args=(server_pid, stop, peak), daemon=True)
    sampler.start()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        started = time.perf_counter()
        results = await asyncio.gather(
            *[browse(browser, url, stems, visits, seed, times, errors, imported, seen) for seed in range(sessions)],
            upload(browser, url, csv_path, rows, errors, imported), return_exceptions=True)
        wall = time.perf_counter() - started
        await browser.close()
    stop.set()
    failures = [repr(r) for r in results if isinstance(r, BaseException)]
    loads = [t for _, t in times]
    after = [t for stem, t in times if stem == "overview (after the import)"]
    return {"sessions": sessions, "page_loads": len(loads), "wall_s": wall, "orders_seen_after_import": seen,
            "overview_after_import_max_s": max(after) if after else None,
            "median_s": statistics.median(loads) if loads else None,
            "p95_s": statistics.quantiles(loads, n=20)[-1] if len(loads) >= 20 else None,
            "max_s": max(loads) if loads else None, "errors": errors, "failures": failures,
            "upload_s": results[-1] if not isinstance(results[-1], BaseException) else None,
            "server_peak_rss_mb": peak[0]}


def _digits(text: str) -> str:
    """Return the digits of a shown figure (the separators follow the browser's language)."""
    return "".join(ch for ch in text if ch.isdigit())


def main() -> None:
    """Run the load test and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--visits", type=int, default=6, help="pages each session opens (random, per session)")
    parser.add_argument("--db", type=Path, default=None, help="database to copy (default: a fresh small demo)")
    parser.add_argument("--upload-rows", type=int, default=5000)
    args = parser.parse_args()
    from ecomops import db, derived, metrics
    from ecomops.filters import default_filters
    from ecomops.i18n import fmt

    work = Path(tempfile.mkdtemp(prefix="ecomops-load-"))
    target = work / "load.duckdb"
    if args.db:
        shutil.copy(args.db, target)
    else:
        from ecomops import demo

        con = db.connect(target)
        demo.generate(con, customers=20000)
        db.close(target)
    con = db.connect(target)
    # The server has been running: its summary tables are up to date before the sessions and the import arrive.
    started = time.perf_counter()
    derived.refresh_all(con)
    print(f"summary tables brought up to date before the run in {time.perf_counter() - started:.1f} s", flush=True)
    orders_before = db.query_one(con, "SELECT count(*) FROM orders")[0]
    last_day = metrics.data_range(con).end
    db.close(target)
    csv_path = work / "load_orders.csv"
    write_orders_csv(csv_path, args.upload_rows, last_day.isoformat())  # in the Overview's default range
    home = work / "home"
    home.mkdir()
    with serve_app(target, home) as url:
        server_pid = next(p.pid for p in psutil.process_iter(["cmdline"])
                          if p.info["cmdline"] and "streamlit" in " ".join(p.info["cmdline"]) and str(url.rsplit(":", 1)[1]) in " ".join(p.info["cmdline"]))
        figures = asyncio.run(run_load(url, args.sessions, args.visits, csv_path, args.upload_rows, server_pid))
    con = db.connect(target)
    orders_after = db.query_one(con, "SELECT count(*) FROM orders")[0]
    landed = db.query_one(con, "SELECT count(*) FROM orders WHERE order_id LIKE 'LOAD-%'")[0]
    span = metrics.data_range(con)
    # What the Overview's Orders card must show once the import is in (default range, English display rules).
    expected = fmt.metric("orders", metrics.kpis(con, default_filters(span.start, span.end))["orders"])
    db.close(target)
    figures.update({"orders_expected_after_import": expected,
                    "sessions_seeing_the_import": sum(_digits(v) == _digits(expected)
                                                      for v in figures["orders_seen_after_import"])})
    figures.update({"upload_ok": figures["upload_s"] is not None, "orders_before": orders_before, "orders_after": orders_after, "upload_rows": args.upload_rows,
                    "upload_rows_landed": landed, "lost_rows": args.upload_rows - landed})
    print(json.dumps(figures, indent=2))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "load.json").write_text(json.dumps(figures, indent=2))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
