"""Real-browser helpers: start the app with `streamlit run` on a free port, and Debian's Chromium via Playwright."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
SCREENSHOTS = PROJECT_ROOT / "artifacts" / "screenshots"


def require_chromium() -> None:
    """Skip the calling test with the reason when Debian's Chromium is not installed."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium); .ci/run installs it")


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve_app(db_path: Path, home: Path, timeout: float = 90) -> Iterator[str]:
    """Yield the base URL of the app served by `streamlit run` on the given database; stop it afterwards."""
    port = free_port()
    env = dict(os.environ, ECOMOPS_DB=str(db_path), HOME=str(home), PYTHONUNBUFFERED="1")
    log = open(home / "streamlit.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited: {(home / 'streamlit.log').read_text()[-2000:]}")
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError("streamlit did not become healthy in time")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@contextmanager
def chromium() -> Iterator[object]:
    """Yield a Playwright Browser running Debian's Chromium headless."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def wait_for_app(page, timeout_ms: int = 60000, menu_section: str = "Products") -> None:
    """Wait until Streamlit has finished running the script (no running indicator, main block present).

    ``menu_section``: a menu section header in the page's language ("Products", in Chinese "商品").
    """
    page.wait_for_selector('[data-testid="stMain"]', timeout=timeout_ms)
    # The menu's section headers ("Users", "Products" ...) show that the page has drawn its sidebar
    # (ecomops/ui/page.py).
    page.wait_for_function(
        """section => !document.querySelector('[data-testid="stStatusWidget"]')
               && document.querySelectorAll('[data-testid="stMain"] [data-testid="stElementContainer"]').length > 0
               && (document.querySelector('[data-testid="stSidebar"]')?.innerText || '').includes(section)""",
        arg=menu_section, timeout=timeout_ms)
    page.wait_for_timeout(300)


def metric_labels(page) -> list[str]:
    """Return the labels of the st.metric elements shown, in page order."""
    return [text.strip() for text in page.locator('[data-testid="stMetricLabel"]').all_inner_texts()]


def metric_value(page, label: str, timeout_ms: int = 120000) -> str:
    """Return the shown value of the st.metric with this label, waiting until it is rendered."""
    metric = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    metric.wait_for(state="visible", timeout=timeout_ms)
    return metric.locator('[data-testid="stMetricValue"]').inner_text()
