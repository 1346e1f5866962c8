"""The text a user sees on a page run by AppTest, for the language checks of ecomops.i18n.visible.

``collect(at)`` returns a ``Visible`` with ``texts`` (what the page says: titles, headers, captions, markdown, alerts,
metric labels/values/deltas/help, widget labels, options, placeholders and help, tab and expander labels, dataframe
column headers, chart titles, axis titles, legend names, colour-bar titles, annotations and the fixed words of hover
templates) and ``data`` (values the page shows as stored: the text cells of every table and the category labels of
the charts, which the checks ignore wherever they appear). ``problems(at, locale)`` runs the checks.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

import pandas as pd

from ecomops.i18n import visible

# Hover-template fields (%{y:.1%}, %{customdata[0]}), Plotly's <extra></extra> and line breaks are not words.
_TEMPLATE_FIELD = re.compile(r"%\{[^}]*\}|<extra>.*?</extra>|<br\s*/?>|</?b>", re.S)
_AXIS_KEY = re.compile(r"^[xy]axis\d*$")


@dataclass
class Visible:
    """What one page run shows: texts to check and data values to ignore."""

    texts: list[str] = field(default_factory=list)
    data: set[str] = field(default_factory=set)

    def add(self, *values: Any) -> None:
        """Add the non-empty string values to the texts."""
        self.texts += [str(v) for v in values if isinstance(v, str) and v.strip()]


def _elements(at, kind: str) -> list:
    try:
        return list(at.get(kind))
    except Exception:  # noqa: BLE001 - an element type this Streamlit does not have
        return []


def _headers(proto) -> list[str]:
    """Return the column headers a dataframe shows: the configured label, else the column name; hidden left out."""
    import pyarrow as pa

    config = json.loads(proto.columns) if proto.columns else {}
    names = list(proto.column_order)
    if not names and proto.arrow_data.data:
        schema = pa.ipc.open_stream(proto.arrow_data.data).schema
        names = [n for n in schema.names if not n.startswith("__index_level_")]
    shown = []
    for name in names:
        spec = config.get(name) or config.get(f"name:{name}") or {}
        if spec.get("hidden"):
            continue
        shown.append(spec.get("label") or name)
    return shown


def _cells(frame) -> set[str]:
    """Return the text values of a table's cells (data: titles, categories, names, statuses...)."""
    out: set[str] = set()
    for col in frame.columns:
        if frame[col].dtype == object or pd.api.types.is_string_dtype(frame[col].dtype):
            out.update(str(v) for v in frame[col].dropna().unique() if isinstance(v, str))
    return out


def _figure(spec: dict, seen: Visible) -> None:
    """Add a Plotly figure's words: title, axis and legend titles, trace names, annotations, hover text."""
    layout = spec.get("layout", {})

    def title_of(node: Any) -> str | None:
        if isinstance(node, dict):
            title = node.get("title")
            return title.get("text") if isinstance(title, dict) else title
        return None

    seen.add(title_of(layout))
    for key, value in layout.items():
        if _AXIS_KEY.match(key) or key in ("legend", "coloraxis"):
            seen.add(title_of(value))
    seen.add(*[a.get("text") for a in layout.get("annotations", []) if isinstance(a, dict)])
    legend = layout.get("showlegend") is not False
    for trace in spec.get("data", []):
        if legend and trace.get("showlegend") is not False:
            seen.add(trace.get("name"))
        seen.add(title_of(trace.get("colorbar")))
        for key in ("hovertemplate", "texttemplate"):
            templates = trace.get(key)
            for template in templates if isinstance(templates, list) else [templates]:
                if isinstance(template, str):
                    seen.add(_TEMPLATE_FIELD.sub(" ", template))
        # Category labels (products, keywords, channels as imported) and point texts are data.
        for key in ("x", "y", "labels", "text", "ids"):
            values = trace.get(key)
            if isinstance(values, list):
                seen.data.update(str(v) for v in values if isinstance(v, str))


def collect(at) -> Visible:
    """Return the visible texts and the data values of an AppTest run (main area and sidebar)."""
    seen = Visible()
    for kind in ("title", "header", "subheader", "caption", "markdown", "info", "warning", "success", "error"):
        seen.add(*[e.value for e in getattr(at, kind)])
    for metric in at.metric:
        seen.add(metric.label, metric.value, metric.delta, metric.proto.help)
    for kind in ("button", "checkbox", "toggle", "number_input", "text_input", "text_area", "date_input", "slider",
                 "select_slider", "selectbox", "multiselect", "radio", "color_picker", "time_input"):
        for widget in getattr(at, kind, []):
            seen.add(widget.label, getattr(widget.proto, "help", None), getattr(widget.proto, "placeholder", None))
            if kind in ("selectbox", "multiselect", "radio"):
                seen.add(*[str(o) for o in widget.options])
    for button in _elements(at, "download_button") + _elements(at, "link_button") + _elements(at, "page_link"):
        seen.add(button.proto.label, button.proto.help)
    seen.add(*[tab.label for tab in at.tabs], *[e.label for e in at.expander])
    for table in at.dataframe:
        seen.add(*_headers(table.proto))
        seen.data |= _cells(table.value)
    for chart in _elements(at, "plotly_chart"):
        _figure(json.loads(chart.proto.spec), seen)
    return seen


def problems(at, locale: str, data: Iterable[str] = ()) -> list[visible.Problem]:
    """Return the language problems of what an AppTest run shows (ecomops.i18n.visible.find_problems)."""
    seen = collect(at)
    return visible.find_problems(seen.texts, locale, data=seen.data | set(data))
