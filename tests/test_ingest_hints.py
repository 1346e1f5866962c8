"""Every "upload X" hint in the pages and the domain modules names a kind that the import pipeline has (issue 15).

The hints are found by reading the source: string constants (and f-string templates) that send the user to the
Upload page, the UPLOAD_HINTS dictionaries, and the table names passed to upload_hint(...). Each must name a kind
of the one registry, ecomops.ingest.kinds.UPLOAD_NAMES, whose kind is importable (get_kind).
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from ecomops.ingest.kinds import KINDS, UPLOAD_NAMES, get_kind, kinds_named_in

ROOT = Path(__file__).resolve().parents[1]
ASKS = re.compile(r"data → upload|\bupload (a|an|the|orders|customer|outreach)\b|\bimport an? [\w -]+ (export|history)", re.I)


def _sources() -> list[Path]:
    files = sorted((ROOT / "pages").glob("*.py")) + sorted((ROOT / "ecomops").rglob("*.py"))
    # The import path itself (the ingest package, the import command, the Upload page) describes imports, not hints.
    return [f for f in files if "ingest" not in f.relative_to(ROOT).parts
            and f.name not in ("data_upload.py", "import_cmd.py")]


def _texts(tree: ast.AST) -> list[tuple[int, str, bool]]:
    """Return (line, text, is_template_over_UPLOAD_HINTS) for string constants and f-strings."""
    out = []
    inside_fstring = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts, over_hints = [], False
            for value in node.values:
                if isinstance(value, ast.Constant):
                    parts.append(str(value.value))
                    inside_fstring.add(id(value))
                else:
                    over_hints = over_hints or "UPLOAD_HINTS" in ast.unparse(value)
                    parts.append("{}")
            out.append((node.lineno, "".join(parts), over_hints))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in inside_fstring:
            out.append((node.lineno, node.value, False))
    return out


def _hints() -> list[tuple[str, str, bool]]:
    found = []
    for path in _sources():
        for line, text, template in _texts(ast.parse(path.read_text(encoding="utf-8"))):
            if ASKS.search(text) and len(text) > 20:
                found.append((f"{path.relative_to(ROOT)}:{line}", text, template))
    return found


HINTS = _hints()


def test_hints_were_found() -> None:
    # The pages ask for orders, traffic, ad spend, campaigns, surveys, outreach, reviews, ...: the scan must see them.
    assert len(HINTS) >= 20


@pytest.mark.parametrize("where,text,template", HINTS, ids=[h[0] for h in HINTS])
def test_every_upload_hint_names_an_importable_kind(where: str, text: str, template: bool) -> None:
    if template:
        return  # a sentence around UPLOAD_HINTS[...]: the dictionary's values are checked below
    if "Data → Upload" not in text and not ASKS.search(text):
        return
    named = kinds_named_in(text)
    # A sentence split across lines ends with "on Data → Upload." alone: its start (checked on its own) names it.
    if text.strip().lower().startswith(("on data → upload", "data → upload", "promotion)", "export or an")):
        return
    assert named, f"{where}: the hint {text!r} names no importable kind (add its phrase to UPLOAD_NAMES)"
    for kind in named:
        assert kind in KINDS


def _unmarked(node: ast.AST) -> ast.AST:
    """Return the message id of a value marked for translation (``N_("...")``), else the node itself."""
    if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "N_" and len(node.args) == 1:
        return node.args[0]
    return node


def _dicts_named_upload_hints() -> list[tuple[str, dict]]:
    out = []
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "UPLOAD_HINTS"
                                                    for t in node.targets) and isinstance(node.value, ast.Dict):
                out.append((str(path.relative_to(ROOT)), {ast.literal_eval(k): ast.literal_eval(_unmarked(v))
                                                          for k, v in zip(node.value.keys, node.value.values)}))
    return out


def test_upload_hint_dictionaries_name_importable_kinds() -> None:
    dictionaries = _dicts_named_upload_hints()
    assert dictionaries, "no UPLOAD_HINTS dictionary found"
    for where, hints in dictionaries:
        for table, sentence in hints.items():
            assert get_kind(table).name in KINDS, (where, table)  # the table (or kind) name resolves to a kind
            assert get_kind(table).name in kinds_named_in(sentence) or kinds_named_in(
                "upload " + sentence), f"{where}: {table}: {sentence!r} does not name the kind {get_kind(table).name}"


def test_upload_hint_calls_name_known_tables() -> None:
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "upload_hint":
                for arg in node.args:
                    if isinstance(arg, ast.Constant):
                        assert get_kind(arg.value).name in KINDS, f"{path}:{node.lineno}: {arg.value}"
            if isinstance(node, ast.Subscript) and ast.unparse(node.value).endswith("UPLOAD_HINTS") and isinstance(
                    node.slice, ast.Constant):
                assert get_kind(node.slice.value).name in KINDS, f"{path}:{node.lineno}: {node.slice.value}"


def test_a_hint_naming_no_kind_is_caught() -> None:
    assert not kinds_named_in("No loyalty points yet: upload a loyalty export on Data → Upload.")


def test_registry_names_only_importable_kinds() -> None:
    assert set(UPLOAD_NAMES.values()) <= set(KINDS)
    assert kinds_named_in("upload a campaign calendar (name, kind, start, end) on Data → Upload") == ["campaigns"]
    assert kinds_named_in("upload an orders export (with customer ids) or a customers export") == ["orders",
                                                                                                  "customers"]
