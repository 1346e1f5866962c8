"""The database layer's memory and WAL upkeep (ecomops/db.py): release_memory acts only when the command line
enabled it and always sets the usual limit back; checkpoint writes the WAL into the file and never raises
(nor loses a running transaction's rows)."""
from __future__ import annotations

import duckdb
import pytest

from ecomops import db


@pytest.fixture
def file_con(tmp_path):
    con = duckdb.connect(str(tmp_path / "m.duckdb"), config={"memory_limit": db.MEMORY_LIMIT})
    con.execute("CREATE TABLE t AS SELECT range AS i, repeat('x', 50) || range AS s FROM range(300000)")
    yield con
    con.close()


def _limit(con) -> str:
    return con.execute("SELECT current_setting('memory_limit')").fetchone()[0]


def test_release_memory_does_nothing_unless_enabled(file_con, monkeypatch):
    usual = _limit(file_con)
    seen = []
    monkeypatch.setattr(db, "_trim_heap", lambda: seen.append("trim"))
    assert db.release_memory(file_con) is False
    assert seen == [] and _limit(file_con) == usual


def test_release_memory_evicts_and_sets_the_usual_limit_back(file_con):
    usual = _limit(file_con)
    db.enable_memory_release()
    try:
        file_con.execute("SELECT count(DISTINCT s) FROM t").fetchall()
        assert db.release_memory(file_con) is True
    finally:
        db.enable_memory_release(False)
    assert _limit(file_con) == usual  # the usual limit is back
    assert file_con.execute("SELECT count(DISTINCT s) FROM t").fetchone()[0] == 300000  # and queries run as before


class _RefusingCursor:
    """A cursor whose small-limit SET fails (as DuckDB's does when running queries pin too many blocks)."""

    def __init__(self, log: list[str]):
        self.log = log

    def execute(self, sql: str, *args):
        self.log.append(sql)
        if "256MB" in sql:
            raise duckdb.OutOfMemoryException("could not free up enough memory for the new limit")
        return self

    def close(self):
        self.log.append("closed")


class _RefusingConnection:
    def __init__(self):
        self.log: list[str] = []

    def cursor(self):
        return _RefusingCursor(self.log)


def test_a_refused_release_still_ends_with_the_usual_limit(monkeypatch):
    monkeypatch.setattr(db, "_trim_heap", lambda: None)
    con = _RefusingConnection()
    db.enable_memory_release()
    try:
        assert db.release_memory(con) is False
    finally:
        db.enable_memory_release(False)
    assert con.log == ["SET memory_limit = '256MB'", f"SET memory_limit = '{db.MEMORY_LIMIT}'", "closed"]


def test_checkpoint_writes_the_wal_and_loses_nothing_beside_a_running_transaction(tmp_path):
    path = tmp_path / "c.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE t (i INTEGER)")
    con.execute("INSERT INTO t SELECT range FROM range(1000)")
    wal = path.with_name(path.name + ".wal")
    assert wal.exists() and wal.stat().st_size > 0
    assert db.checkpoint(con) is True
    assert not wal.exists() or wal.stat().st_size == 0
    other = con.cursor()
    other.execute("BEGIN TRANSACTION")
    other.execute("INSERT INTO t VALUES (1)")
    db.checkpoint(con)  # beside a running transaction: never raises, and loses nothing
    other.execute("COMMIT")
    assert con.execute("SELECT count(*) FROM t").fetchone()[0] == 1001
    con.close()
    assert duckdb.connect(str(path)).execute("SELECT count(*) FROM t").fetchone()[0] == 1001


def test_memory_beside_frames_holds_duckdb_to_the_step_limit_only_inside_and_only_when_enabled(file_con):
    usual = _limit(file_con)
    with db.memory_beside_frames(file_con):
        assert _limit(file_con) == usual  # not enabled: nothing changes
    db.enable_memory_release()
    try:
        with db.memory_beside_frames(file_con):
            inside = _limit(file_con)
            assert file_con.execute("SELECT count(DISTINCT s) FROM t").fetchone()[0] == 300000
        with pytest.raises(ZeroDivisionError):
            with db.memory_beside_frames(file_con):
                1 / 0
    finally:
        db.enable_memory_release(False)
    step = duckdb.connect(config={"memory_limit": db.FRAMES_STEP_MEMORY_LIMIT})
    assert inside == _limit(step) != usual
    assert _limit(file_con) == usual  # set back after the query, an error included
