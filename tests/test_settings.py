"""Thresholds are settings: stored in the database, read through config.thresholds, validated on save, shown and
edited on the Settings page; a saved value shows at once on the pages and rebuilds the summary tables that use it."""
from __future__ import annotations

import shutil
from dataclasses import replace

import pytest

from ecomops import config, db, derived, metrics
from ecomops.filters import default_filters
from ecomops.i18n import use_locale
from ecomops.users import lifecycle
from tests.conftest import PROJECT_ROOT


@pytest.fixture
def con():
    connection = db.connect_memory()
    yield connection
    connection.close()


def stored(con) -> dict[str, str]:
    return dict(db.query_df(con, "SELECT key, value FROM settings ORDER BY key").itertuples(index=False))


def test_defaults_until_something_is_saved(con):
    assert config.thresholds(con) == config.DEFAULTS == config.Thresholds()
    assert list(config.INFO) == [f for f in config.Thresholds.__dataclass_fields__]  # every field has its entry


def test_save_applies_partial_values_and_stores_only_what_differs(con):
    version = db.data_version(con), db.sales_version(con)
    config.save_thresholds(con, {"active_days": 60, "roi_floor": 1.5}, actor="ops")
    config.save_thresholds(con, {"reply_sla_hours": 24})  # the default: not stored, the others kept
    assert config.thresholds(con) == replace(config.DEFAULTS, active_days=60, roi_floor=1.5)
    assert stored(con) == {"threshold.active_days": "60", "threshold.roi_floor": "1.5"}
    # a settings write: cached results follow the data version, the summary tables are not all rebuilt
    assert (db.data_version(con), db.sales_version(con)) == (version[0] + 2, version[1])
    assert config.restore_defaults(con) == config.DEFAULTS and stored(con) == {}


@pytest.mark.parametrize("values, message", [
    ({"active_days": 200}, "Active customer window (200 days) must be shorter than Dormant customer window "
                           "(180 days)."),
    ({"new_days": 120}, "New customer window (120 days) must not be longer than Active customer window (90 days)."),
    ({"abc_a_share": 0.96}, "Class A share (96%) must be less than Class B share (95%)."),
    ({"abc_a_share": 1.2}, "Class A share: 120% is outside the allowed range 5% to 99%."),
    ({"reply_sla_hours": 0.5}, "Reply SLA: 0.5 h is outside the allowed range 1 h to 720 h."),
    ({"dormant_days": 90.5}, "Dormant customer window: enter a whole number, not 90.5."),
    ({"roi_floor": "high"}, "ROI floor: 'high' is not a number."),
    ({"roi_floor": float("nan")}, "ROI floor: nan is not a number."),
    ({"roi_floor": True}, "ROI floor: True is not a number."),
    ({"churn": 90}, "Unknown setting 'churn'."),
])
def test_a_refused_value_says_why_and_writes_nothing(con, values, message):
    config.save_thresholds(con, {"cover_window_days": 21})
    before = db.data_version(con)
    with pytest.raises(config.SettingError) as refused:
        config.save_thresholds(con, {"a_min_cover_days": 7, **values})
    assert str(refused.value) == message
    assert config.thresholds(con) == replace(config.DEFAULTS, cover_window_days=21)
    assert db.data_version(con) == before


def test_messages_and_table_in_chinese(con):
    config.save_thresholds(con, {"abc_a_share": 0.7})
    with use_locale("zh_CN"):
        with pytest.raises(config.SettingError, match="活跃老客判定天数（200天）必须短于沉睡客户判定天数（180天）"):
            config.save_thresholds(con, {"active_days": 200})
        table = config.thresholds_table(con).set_index("key")
    assert table.loc["abc_a_share", ["setting", "value", "default", "allowed", "changed"]].tolist() == [
        "A类成交额累计占比", "70%", "80%", "5%至99%", True]
    assert table.loc["reply_sla_hours", "value"] == "24小时"


def test_shown_and_display_units():
    t = replace(config.DEFAULTS, roi_floor=1.25, negative_rate_target=0.045)
    assert [config.shown(t, n) for n in ("roi_floor", "negative_rate_target", "abc_b_share", "active_days")] == [
        "1.25", "4.5%", "95%", "90"]
    assert config.display_value("abc_b_share", 0.95) == 95 and config.stored_value("abc_b_share", 99.9) == 0.999
    assert config.stored_value("active_days", 60) == 60


def test_churn_scores_follow_the_dormant_window_and_nothing_else(con):
    """The summary tables name the thresholds their rules use: the churn scores' fingerprint moves with the
    dormant window, the order facts' does not (a threshold save rebuilds only what uses it)."""
    scores, orders = derived.fingerprint(con, derived.CHURN_SCORES), derived.fingerprint(con, derived.USERS_ORDERS)
    config.save_thresholds(con, {"dormant_days": 200})
    changed = derived.fingerprint(con, derived.CHURN_SCORES)
    assert changed != scores
    assert derived.fingerprint(con, derived.USERS_ORDERS) == orders
    config.save_thresholds(con, {"roi_floor": 2})  # not a rule of the churn scores
    assert derived.fingerprint(con, derived.CHURN_SCORES) == changed
    config.restore_defaults(con)
    assert derived.fingerprint(con, derived.CHURN_SCORES) == scores


# ------------------------------------------------------------------------------------------------ the pages

@pytest.fixture
def own_demo(demo_db_path, tmp_path, monkeypatch):
    """A copy of the demo database for this test alone (it writes settings), used by the app."""
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_db_path, path)
    monkeypatch.setenv("ECOMOPS_DB", str(path))
    monkeypatch.chdir(PROJECT_ROOT)
    yield path
    db.close(path)


def _lifecycle_metrics(at) -> dict[str, str]:
    labels = set(lifecycle.LIFECYCLE_LABELS.values())
    return {m.label: m.value for m in at.metric if m.label in labels}


def _rules(at) -> dict[str, str]:
    table = next(t for t in at.table if "Rule" in t.value.columns)
    return dict(zip(table.value["State"], table.value["Rule"]))


def _setting_input(at, name):
    return at.number_input(key=f"threshold_{name}")


def test_settings_page_changes_what_the_customers_page_shows(own_demo):
    from streamlit.testing.v1 import AppTest

    con = db.connect(own_demo)
    span = metrics.data_range(con)
    f = default_filters(span.start, span.end)
    before = lifecycle.lifecycle_summary(con, f).set_index("segment")["customers"]

    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("pages/users.py").run()
    assert not at.exception
    assert _lifecycle_metrics(at)["Active"] == f"{before['active']:,}"
    assert _rules(at)["Dormant"] == "last valid order 91–180 days ago"

    at.switch_page("pages/data_settings.py").run()
    assert not at.exception
    table = at.dataframe[0].value.set_index("key")
    assert table.loc["active_days", ["value", "default", "allowed"]].tolist() == ["90 days", "90 days",
                                                                                 "7 days to 730 days"]
    assert len(at.number_input) == len(config.INFO)
    assert _setting_input(at, "abc_a_share").value == 80.0  # shares are edited in percent
    _setting_input(at, "active_days").set_value(60)
    at.button(key="settings_save").click().run()
    assert not at.exception and not at.error
    assert at.success[0].value == "Saved: every page now uses these values."
    assert config.thresholds(con).active_days == 60
    assert at.dataframe[0].value.set_index("key").loc["active_days", "value"] == "60 days"

    at.switch_page("pages/users.py").run()
    assert not at.exception
    after = lifecycle.lifecycle_summary(con, f).set_index("segment")["customers"]
    assert after["active"] < before["active"] and after["dormant"] > before["dormant"]  # 61-90 days: now dormant
    shown = _lifecycle_metrics(at)
    assert (shown["Active"], shown["Dormant"]) == (f"{after['active']:,}", f"{after['dormant']:,}")
    assert _rules(at)["Active"] == "not new, last valid order at most 60 days ago"
    assert _rules(at)["Dormant"] == "last valid order 61–180 days ago"

    # A value the rules refuse: the message, and nothing changes.
    at.switch_page("pages/data_settings.py").run()
    version = db.data_version(con)
    _setting_input(at, "active_days").set_value(200)
    at.button(key="settings_save").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Active customer window (200 days) must be shorter than Dormant customer window (180 days)."]
    assert config.thresholds(con).active_days == 60 and db.data_version(con) == version

    at.button(key="settings_restore").click().run()
    assert at.success[0].value == "Defaults restored."
    assert config.thresholds(con) == config.DEFAULTS
    assert _setting_input(at, "active_days").value == 90  # the form shows the values in force again
