"""Collect the text an AppTest run shows (for the visible-text checks of ecomops.i18n.visible in page tests).

``visible_texts(at)`` returns every string a user reads on the page: titles, headers, captions, markdown, alerts,
metric labels / values / deltas / help, widget labels, options and help, button labels, tab and expander labels,
table column headers (the column config's labels, or the column names when none is given) and string cells, and the
texts of Plotly charts (title, axis titles, legend names, annotations, text labels, hover templates, category ticks).
"""
from __future__ import annotations

import json
import re
from typing import Any, Iterator

from ecomops import access

# Who the sidebar says is acting in local mode (no accounts): the OS user, a name shown as it is (data, not interface).
ACTING_USER = access.os_user()

_TEMPLATE_FIELD = re.compile(r"%\{[^}]*\}|<extra>.*?</extra>|<[^>]+>")
_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")  # Plotly's dates on a date axis (ticks are formatted)


def _nodes(node: Any) -> Iterator[Any]:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            if isinstance(item, str):
                yield item


def _chart_texts(spec: dict) -> Iterator[str]:
    layout = spec.get("layout", {})
    title = layout.get("title")
    yield from _strings(title.get("text") if isinstance(title, dict) else title)
    for name, axis in layout.items():
        if name.startswith(("xaxis", "yaxis")) and isinstance(axis, dict):
            axis_title = axis.get("title")
            yield from _strings(axis_title.get("text") if isinstance(axis_title, dict) else axis_title)
            yield from _strings(axis.get("ticktext"))
    for note in layout.get("annotations", []) or []:
        yield from _strings(note.get("text"))
    legend = layout.get("showlegend", True) is not False
    for trace in spec.get("data", []):
        yield from _strings(trace.get("name") if legend and trace.get("showlegend", True) is not False else None)
        for key in ("text", "texttemplate", "hovertemplate", "labels"):
            for text in _strings(trace.get(key)):
                yield _TEMPLATE_FIELD.sub(" ", text)
        for key in ("x", "y"):  # category axes: their values are tick labels
            yield from (v for v in _strings(trace.get(key)) if not _ISO_TIME.match(v))
        node = trace.get("node")
        if isinstance(node, dict):
            yield from _strings(node.get("label"))


def _table_texts(element: Any) -> Iterator[str]:
    frame = element.value
    config = json.loads(element.proto.columns or "{}")
    order = list(element.proto.column_order)
    for column in (order or frame.columns):
        shown = config.get(str(column), {})
        if shown.get("hidden"):
            continue
        yield str(shown.get("label") or column)
        yield from _strings(shown.get("help"))
        if frame[column].dtype == object or str(frame[column].dtype).startswith("str"):
            yield from (v for v in frame[column] if isinstance(v, str))


def visible_texts(at: Any, sidebar: bool = False) -> list[str]:
    """Return the strings the page of an AppTest run shows in its main area (and the sidebar's when ``sidebar``)."""
    texts: list[str] = []
    for node in [*_nodes(at.main), *(_nodes(at.sidebar) if sidebar else [])]:
        kind = getattr(node, "type", "")
        proto = getattr(node, "proto", None)
        if kind == "dataframe" or kind == "arrow_data_frame":
            texts += list(_table_texts(node))
            continue
        if kind == "plotly_chart":
            texts += list(_chart_texts(json.loads(proto.spec)))
            continue
        if proto is None:
            continue
        for field in ("label", "body", "delta", "help", "placeholder", "caption"):
            value = getattr(proto, field, None)
            if isinstance(value, str) and value:
                texts.append(value)
        options = getattr(proto, "options", None)
        if options is not None and not isinstance(options, str):
            texts += [o if isinstance(o, str) else getattr(o, "content", "") for o in options]
        value = getattr(node, "value", None)
        if kind in ("title", "header", "subheader", "caption", "markdown", "info", "warning", "success", "error",
                    "exception") and isinstance(value, str):
            texts.append(value)
    return [t for t in texts if t and t.strip()]
