"""Guess the kind of a file and map its columns to the kind's fields, from the header names alone.

Known layouts get a *profile* with options the generic mapping cannot express: UCI Online Retail (an invoice
number starting with "C" is a cancellation, METRICS.md), Shopify's orders export (order-level fields only on an
order's first row; Total is the order total, not a line amount), Taobao/Tmall order reports, and UCI Online
Shoppers sessions (page counts and durations summed over the three page types; Revenue = purchased).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from ecomops.ingest.kinds import KINDS, Kind, get_kind, normalise_header

Source = Union[str, list]  # one header, or several (numbers summed, text: first non-blank)
Mapping = dict[str, Source]


@dataclass
class Proposal:
    """A detected kind with its proposed column mapping."""

    kind: str
    mapping: Mapping
    profile: str = "generic"
    options: dict = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)
    missing_required: list[str] = field(default_factory=list)
    unused_headers: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        """Return a JSON-ready description."""
        return {"kind": self.kind, "profile": self.profile, "mapping": self.mapping, "options": self.options,
                "missing_required": self.missing_required, "unused_headers": self.unused_headers}


def match_headers(kind: Kind, headers: list[str]) -> Mapping:
    """Return target field -> source header for the headers that match a field's synonyms (each header used once)."""
    by_norm: dict[str, str] = {}
    for header in headers:
        by_norm.setdefault(normalise_header(header), header)
    taken: set[str] = set()
    mapping: Mapping = {}
    # Required fields choose first so an optional field cannot take their column.
    ordered = sorted(kind.fields, key=lambda f: not f.required)
    for fld in ordered:
        for synonym in fld.synonyms:
            header = by_norm.get(normalise_header(synonym))
            if header is not None and header not in taken:
                mapping[fld.name] = header
                taken.add(header)
                break
    return {f.name: mapping[f.name] for f in kind.fields if f.name in mapping}


def missing_required(kind: Kind, mapping: Mapping) -> list[str]:
    """Return the required fields the mapping lacks (orders also need a unit price or a line amount)."""
    missing = [f.name for f in kind.fields if f.required and not mapping.get(f.name)]
    if kind.name == "orders" and not mapping.get("unit_price") and not mapping.get("line_total"):
        missing.append("unit_price")
    return missing


def _score(kind: Kind, headers: list[str], mapping: Mapping) -> float:
    """Return how well the headers fit the kind: matched columns, typical headers, and a bonus when complete.

    A kind that matches many more columns wins even when incomplete, so an orders file lacking its price column
    is reported as such instead of being imported as, say, customers.
    """
    norms = {normalise_header(h) for h in headers}
    signature = sum(1 for s in kind.signature if normalise_header(s) in norms)
    complete = not missing_required(kind, mapping)
    return len(mapping) + 0.5 * signature + (1.5 if complete else 0.0)


def detect_profile(headers: list[str]) -> str:
    """Return the name of a known export layout, or 'generic'."""
    norms = {normalise_header(h) for h in headers}
    if {"invoiceno", "stockcode", "unitprice", "invoicedate"} <= norms:
        return "uci_online_retail"
    if {"name", "financialstatus", "lineitemquantity", "lineitemprice"} <= norms:
        return "shopify_orders"
    if "订单编号" in norms and ({"买家会员名", "订单状态"} & norms):
        return "taobao_orders"
    if {"revenue", "visitortype", "traffictype", "productrelated"} <= norms:
        return "uci_online_shoppers"
    return "generic"


def apply_profile(proposal: Proposal, headers: list[str]) -> None:
    """Adjust a proposal for a known layout (in place)."""
    by_norm = {normalise_header(h): h for h in headers}
    if proposal.profile == "uci_online_retail" and proposal.kind == "orders":
        proposal.options["cancelled_prefix"] = "C"
        proposal.options["default_status"] = "completed"
    elif proposal.profile == "shopify_orders" and proposal.kind == "orders":
        proposal.mapping.pop("line_total", None)  # "Total" is the order total, on the first row only
        proposal.options["default_status"] = "paid"
    elif proposal.profile == "taobao_orders" and proposal.kind == "orders":
        proposal.options["default_status"] = "paid"
    elif proposal.profile == "uci_online_shoppers" and proposal.kind == "traffic_sessions":
        pages = [by_norm[n] for n in ("administrative", "informational", "productrelated") if n in by_norm]
        durations = [by_norm[n] for n in ("administrativeduration", "informationalduration",
                                          "productrelatedduration") if n in by_norm]
        if pages:
            proposal.mapping["pages_viewed"] = pages
        if durations:
            proposal.mapping["duration_seconds"] = durations
        if "traffictype" in by_norm:
            proposal.mapping["channel"] = by_norm["traffictype"]
            proposal.mapping["traffic_type"] = by_norm["traffictype"]
            proposal.options["prefix"] = {"channel": "traffic_type_"}
        proposal.options["month_abbrev"] = True
    if proposal.kind == "orders" and "default_status" not in proposal.options:
        proposal.options["default_status"] = "completed"


def propose(headers: list[str], kind: str | None = None) -> Proposal:
    """Return the best kind for these headers (or the given kind) with its proposed mapping."""
    scores: dict[str, float] = {}
    mappings: dict[str, Mapping] = {}
    candidates = [get_kind(kind)] if kind else list(KINDS.values())
    for k in candidates:
        mappings[k.name] = match_headers(k, headers)
        scores[k.name] = _score(k, headers, mappings[k.name])
    best = max(scores, key=lambda name: scores[name])
    proposal = Proposal(kind=best, mapping=dict(mappings[best]), scores=scores)
    proposal.profile = detect_profile(headers)
    apply_profile(proposal, headers)
    finish(proposal, headers)
    return proposal


def finish(proposal: Proposal, headers: list[str]) -> None:
    """Recompute the missing-required and unused-header lists after the mapping changed."""
    kind = get_kind(proposal.kind)
    proposal.missing_required = missing_required(kind, proposal.mapping)
    used = set()
    for source in proposal.mapping.values():
        used.update(source if isinstance(source, list) else [source])
    proposal.unused_headers = [h for h in headers if h not in used]


def parse_map_arguments(items: list[str] | None, headers: list[str]) -> Mapping:
    """Return a mapping from ``target=source`` strings (``a+b`` sums columns; empty source unmaps the field)."""
    mapping: Mapping = {}
    for item in items or []:
        if "=" not in item:
            raise ValueError(f"--map expects target=source, got {item!r}")
        target, source = (part.strip() for part in item.split("=", 1))
        if not source:
            mapping[target] = ""
            continue
        if source in headers or "+" not in source:
            mapping[target] = source
        else:
            mapping[target] = [part.strip() for part in source.split("+")]
    return mapping


def merge_mapping(proposal: Proposal, overrides: Mapping, headers: list[str]) -> None:
    """Apply user corrections to a proposal (in place); ValueError for unknown fields or headers."""
    kind = get_kind(proposal.kind)
    for target, source in overrides.items():
        if target not in kind.field_names:
            raise ValueError(f"{target!r} is not a field of {kind.name}; fields: {', '.join(kind.field_names)}")
        if source in ("", None, []):
            proposal.mapping.pop(target, None)
            continue
        for name in source if isinstance(source, list) else [source]:
            if name not in headers:
                raise ValueError(f"column {name!r} is not in the file; its columns are: {', '.join(headers)}")
        proposal.mapping[target] = source
    proposal.mapping = {f: proposal.mapping[f] for f in kind.field_names if f in proposal.mapping}
    finish(proposal, headers)
