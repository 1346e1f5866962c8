"""The message catalogs against the code: every message id used exists in both catalogs, none is unused, zh is
fully translated, placeholders match; the check itself catches each kind of problem; the glossary agrees."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from ecomops import i18n
from ecomops.i18n import catalogs, label, use_locale
from ecomops.i18n.core import SUPPORTED, catalog_path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def test_every_message_in_code_is_in_both_catalogs_translated_and_used():
    report = catalogs.check()
    assert report.ok, "\n".join(report.lines())
    assert report.lines() == ["all catalogs complete: every message used in code is translated, nothing unused"]


def test_the_extraction_sees_the_marked_messages():
    keys = catalogs._keys(catalogs.extract())
    assert (None, "error: {message}") in keys  # _() in ecomops/__main__.py
    assert ("rfm_segment", "Can't lose") in keys and ("lifecycle", "Lost") in keys  # NP_() in the label tables
    assert ("duration", "{value} day") in keys  # npgettext: keyed by the singular
    assert ("argparse", "usage: ") in keys
    assert len(keys) == len(catalogs.read("zh_CN"))


def test_catalog_headers_and_plural_forms():
    assert [p.name for p in sorted((PROJECT_ROOT / "ecomops/i18n/locales").iterdir())] == sorted(SUPPORTED)
    zh, en = catalogs.read("zh_CN"), catalogs.read("en")
    assert zh.plural_forms == "nplurals=1; plural=0;"
    assert en.plural_forms == "nplurals=2; plural=(n != 1);"
    # The English catalog keeps the code's text: every msgstr empty, so an English fix is made in the code.
    assert all(not (m.string if isinstance(m.string, str) else any(m.string)) for m in en if m.id)


def _fake_project(tmp_path: Path, monkeypatch, zh_po: str, en_po: str) -> Path:
    root = tmp_path / "project"
    (root / "ecomops").mkdir(parents=True)
    (root / "ecomops" / "x.py").write_text(
        "from ecomops.i18n import _, ngettext, pgettext, N_\n"
        "A = _('Hello {name}', name='x')\n"
        "B = _('Bye')\n"
        "C = ngettext('{n} order', '{n} orders', 3)\n"
        "D = pgettext('lifecycle', 'New')\n"
        "E = _(N_('Marked'))\n"
        "F = _(some_variable)\n", encoding="utf-8")
    locales = root / "locales"
    for locale, text in (("zh_CN", zh_po), ("en", en_po)):
        path = locales / locale / "LC_MESSAGES" / "messages.po"
        path.parent.mkdir(parents=True)
        path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(catalogs, "LOCALES_DIR", locales)
    monkeypatch.setattr(catalogs, "catalog_path", lambda loc: locales / loc / "LC_MESSAGES" / "messages.po")
    return root


ZH_HEADER = 'msgid ""\nmsgstr ""\n"Language: zh_CN\\n"\n"Plural-Forms: nplurals=1; plural=0;\\n"\n\n'
EN_HEADER = 'msgid ""\nmsgstr ""\n"Language: en\\n"\n"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'


def test_check_reports_missing_unused_untranslated_and_placeholder_problems(tmp_path, monkeypatch):
    zh = ZH_HEADER + (
        'msgid "Hello {name}"\nmsgstr "你好，{nom}"\n\n'  # placeholder renamed
        'msgid "{n} order"\nmsgid_plural "{n} orders"\nmsgstr[0] "订单"\n\n'  # the count is lost
        'msgctxt "lifecycle"\nmsgid "New"\nmsgstr ""\n\n'  # untranslated
        '#, fuzzy\nmsgid "Marked"\nmsgstr "标记"\n\n'  # a fuzzy guess
        'msgid "Gone"\nmsgstr "没了"\n\n')  # no longer used; "Bye" missing
    en = EN_HEADER + ''.join(f'msgid "{m}"\nmsgstr ""\n\n' for m in ("Hello {name}", "Bye", "Marked")) + \
        'msgid "{n} order"\nmsgid_plural "{n} orders"\nmsgstr[0] ""\nmsgstr[1] ""\n\n' \
        'msgctxt "lifecycle"\nmsgid "New"\nmsgstr ""\n\n'
    root = _fake_project(tmp_path, monkeypatch, zh, en)
    report = catalogs.check(root)
    assert report.missing == [("zh_CN", "'Bye'")]
    assert report.unused == [("zh_CN", "'Gone'")]
    assert report.untranslated == [("zh_CN", "'Marked' (fuzzy)"), ("zh_CN", "'New' (context 'lifecycle')")]
    assert report.placeholders == [
        ("zh_CN", "'Hello {name}': expects ['name'], has ['nom']"),
        ("zh_CN", "'{n} order': the last plural form lacks ['n']"),
    ]
    assert not report.ok and report.catalogs == [] and report.code == []


def test_check_reports_calls_that_cannot_be_translated(tmp_path):
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "p.py").write_text(
        "from ecomops.i18n import _, pgettext\n"
        "A = _(f'Hi {name}')\n"
        "B = _('Total: ' + total)\n"
        "C = _('Up {x}').format(x=1)\n"
        "D = pgettext('ctx', '%s left' % n)\n"
        "E = _(TITLES[key])\n", encoding="utf-8")
    assert catalogs.untranslatable_calls(tmp_path) == [
        ("pages/p.py:2", "_() of an f-string: use {name} fields and keyword arguments"),
        ("pages/p.py:3", "_() of a concatenation or %-formatting: put the whole sentence in one message"),
        ("pages/p.py:4", "_(...).format(): pass the fields as keyword arguments of _()"),
        ("pages/p.py:5", "pgettext() of a concatenation or %-formatting: put the whole sentence in one message"),
    ]


@pytest.mark.parametrize("translation, problem", [
    ("参数 %(argument_name)s：%(message)s", None),
    ("参数：%(message)s", "expects ['argument_name', 'message'], has ['message']"),
    ("参数 %(argument_name)s：%(msg)s", "unknown named placeholder 'msg'"),
    ("参数%s", "the format strings are of different kinds"),
])
def test_percent_format_messages_of_argparse_are_checked_too(translation, problem):
    from babel.messages.catalog import Message

    message = Message("argument %(argument_name)s: %(message)s", translation, context="argparse")
    assert catalogs._placeholder_problem(message) == problem


def test_update_keeps_translations_adds_new_ids_and_drops_unused(tmp_path, monkeypatch):
    zh = ZH_HEADER + 'msgid "Hello {name}"\nmsgstr "你好，{name}"\n\nmsgid "Gone"\nmsgstr "没了"\n\n'
    root = _fake_project(tmp_path, monkeypatch, zh, EN_HEADER)
    monkeypatch.setattr(catalogs, "SUPPORTED", ("zh_CN", "en"))
    results = catalogs.update(root, fuzzy_matching=False)
    assert results[0].locale == "zh_CN"
    assert results[0].removed == [(None, "Gone")]
    assert sorted(results[0].added, key=str) == sorted(
        [(None, "Bye"), (None, "Marked"), (None, "{n} order"), ("lifecycle", "New")], key=str)
    catalog = catalogs.read("zh_CN")
    assert catalog.get("Hello {name}").string == "你好，{name}"
    assert catalog.get("{n} order").string == ("",)  # zh has one plural form
    text = catalogs.catalog_path("zh_CN").read_text(encoding="utf-8")
    assert "#: ecomops/x.py\n" in text and "#: ecomops/x.py:" not in text  # no line numbers: stable diffs
    assert "python-brace-format" in text
    report = catalogs.check(root)
    assert report.missing == [] and report.unused == []
    assert [t for _loc, t in report.untranslated] == ["'Bye'", "'Marked'", "'New' (context 'lifecycle')", "'{n} order'"]


def test_runtime_falls_back_to_english_for_untranslated_and_fuzzy_entries(tmp_path, monkeypatch):
    path = tmp_path / "zh_CN" / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True)
    path.write_text(ZH_HEADER + 'msgid "Hello {name}"\nmsgstr "你好，{name}"\n\n'
                    '#, fuzzy\nmsgid "Marked"\nmsgstr "标记"\n\n'
                    'msgid "Bye"\nmsgstr ""\n\n'
                    'msgid "{n} order"\nmsgid_plural "{n} orders"\nmsgstr[0] "{n}个订单"\n\n'
                    'msgid "Broken {name}"\nmsgstr "坏了 {nom}"\n\n', encoding="utf-8")
    monkeypatch.setattr(i18n.core, "LOCALES_DIR", tmp_path)
    i18n.reload()
    try:
        with use_locale("zh_CN"):
            assert i18n._("Hello {name}", name="王") == "你好，王"
            assert i18n._("Marked") == "Marked" and i18n._("Bye") == "Bye"
            assert i18n.ngettext("{n} order", "{n} orders", 1234) == "1,234个订单"
            assert i18n._("Broken {name}", name="x") == "Broken x"  # a bad translation never breaks the page
    finally:
        monkeypatch.undo()
        i18n.reload()
    with use_locale("zh_CN"):
        assert i18n.pgettext("lifecycle", "Lost") == "流失客户"


def _glossary_rows() -> list[tuple[str, str, str, str]]:
    rows = []
    for line in (PROJECT_ROOT / "docs" / "glossary.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and re.fullmatch(r"`[a-z_]+:[^`]+`", cells[2]):
            kind, code = cells[2].strip("`").split(":", 1)
            rows.append((cells[0], cells[1], kind, code))
    return rows


def test_the_glossary_says_what_the_catalogs_say():
    rows = _glossary_rows()
    assert len(rows) >= 60
    for zh, en, kind, code in rows:
        assert label(kind, code, locale="zh_CN") == zh, (kind, code)
        assert label(kind, code, locale="en") == en, (kind, code)
    # Every metric label and every RFM segment is in the glossary.
    listed = {(kind, code) for _zh, _en, kind, code in rows}
    from ecomops.i18n.labels import LABELS

    not_terms = {"guest", "not yet a customer", "on_hand", "recency_days"}  # plain words, no vocabulary to agree on
    for kind in ("metric", "rfm_segment", "lifecycle", "channel", "device"):
        missing = [code for code in LABELS[kind] if (kind, code) not in listed and code not in not_terms]
        assert missing == [], kind


@pytest.mark.parametrize("kind", i18n.KINDS)
def test_every_label_is_translated_and_zh_labels_are_distinct(kind):
    zh = i18n.labels(kind, locale="zh_CN")
    en = i18n.labels(kind, locale="en")
    assert all(zh[code] for code in zh) and all(en[code] for code in en)
    assert len(set(zh.values())) == len(zh), f"two {kind} codes share a Chinese label"
    if kind not in {"abc_class"}:
        assert all(zh[code] != en[code] for code in zh if not en[code].isupper() and en[code] != "App"), kind


def test_catalog_files_are_utf8_sorted_and_unwrapped():
    for locale in SUPPORTED:
        text = catalog_path(locale).read_text(encoding="utf-8")
        assert '"\n"' not in text.split("\n\n", 1)[1]  # no wrapped (multi-line) strings after the header
        ids = re.findall(r'^(?:msgctxt "(.*)"\n)?msgid "(.*)"$', text, flags=re.M)
        assert [i[1] for i in ids[1:]] == sorted(i[1] for i in ids[1:])
