"""Shared fixtures: a tiny hand-built database, a small demo database, an AppTest factory, the shared data path."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from ecomops import db

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# A worktree beside the main checkout can point at the shared data with ECOMOPS_SHARED_DATA.
SHARED_DATA = Path(os.environ.get("ECOMOPS_SHARED_DATA") or PROJECT_ROOT.parent / "shared" / "data")
DEMO_CUSTOMERS = 2000

# The command line speaks the language of LANG (ecomops.i18n): tests expect the default (English) unless they choose
# a language, so a developer's LANG=zh_CN.UTF-8 must not change them.
for _name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
    os.environ.pop(_name, None)
os.environ["LANG"] = "C.UTF-8"

# Models trained by the tests (a page's first visit trains the churn model and the review classifier) go to a folder
# of this run, never the checkout's data/models, whose models the app then used (a review classifier trained on a
# test store labelled a developer's reviews). Made by the controlling process and inherited by xdist's workers, so
# they share one folder as they would share data/models (each model is trained once per run).
_MODEL_VARIABLES = ("ECOMOPS_MODELS", "ECOMOPS_MODELS_DIR")


def pytest_configure(config) -> None:
    if hasattr(config, "workerinput"):
        return  # an xdist worker: the folder is in its environment already
    import tempfile

    folder = tempfile.mkdtemp(prefix="ecomops-test-models-")
    config._ecomops_models = folder
    for name in _MODEL_VARIABLES:
        os.environ[name] = folder


def pytest_unconfigure(config) -> None:
    import shutil

    folder = getattr(config, "_ecomops_models", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Return the folder of the shared real data sets (skip when absent)."""
    if not SHARED_DATA.exists():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def demo_db_path(tmp_path_factory) -> Path:
    """Return the path of a small demo database built once per test session (closed, ready to open)."""
    from ecomops import demo

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    con = db.connect(path)
    demo.generate(con, customers=DEMO_CUSTOMERS, seed=7)
    db.close(path)
    return path


@pytest.fixture
def demo_users(demo_db_path, tmp_path):
    """Return a connection to a writable copy of the demo database with the Users summary tables fresh."""
    import shutil

    from ecomops import derived

    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db_path, path)
    con = db.connect(path)
    derived.ensure(con, derived.USERS_ORDERS)
    yield con
    db.close(path)


@pytest.fixture
def app_test(demo_db_path, monkeypatch):
    """Return a factory: app_test("pages/x.py") runs the whole app on the demo database, switched to that page."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("ECOMOPS_DB", str(demo_db_path))
    monkeypatch.chdir(PROJECT_ROOT)

    def run(page: str | None = None, timeout: float = 120):
        at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=timeout)
        at.run()
        if page:
            at.switch_page(page).run()
        return at

    yield run


def make_tiny_db():
    """Return an in-memory database holding the hand-built fixture of tests/fixtures_tiny.sql."""
    con = db.connect_memory()
    sql = (Path(__file__).parent / "fixtures_tiny.sql").read_text(encoding="utf-8")
    for statement in con.extract_statements(sql):
        con.execute(statement)
    return con


@pytest.fixture
def tiny_con():
    """Return the tiny hand-built database (see tests/fixtures_tiny.sql for the hand-computed figures)."""
    con = make_tiny_db()
    yield con
    con.close()
