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


# Known layouts: name -> (headers that must all be present, platform shown to the user, export time zone of
# values written without an offset). Checked in order; the first whose headers are all present wins.
PROFILES: list[tuple[str, set[str], str, str | None]] = [
    ("uci_online_retail", {"invoiceno", "stockcode", "unitprice", "invoicedate"}, "UCI Online Retail", None),
    ("shopify_orders", {"name", "financialstatus", "lineitemquantity", "lineitemprice"}, "Shopify", None),
    ("amazon_all_orders", {"amazonorderid", "purchasedate", "orderstatus", "itemprice"}, "Amazon", None),
    ("amazon_sale_report", {"orderid", "date", "status", "fulfilment", "qty", "amount"}, "Amazon", None),
    ("ebay_orders", {"salesrecordnumber", "ordernumber", "itemtitle", "soldfor"}, "eBay", None),
    ("woocommerce_orders", {"orderid", "orderdate", "status", "itemname", "itemquantity", "itemtotal"},
     "WooCommerce", None),
    ("olist_orders", {"orderid", "orderstatus", "orderpurchasetimestamp"}, "Olist", None),
    ("taobao_orders", {"订单编号", "买家会员名", "订单状态"}, "淘宝/天猫", "Asia/Shanghai"),
    ("taobao_items", {"订单编号", "标题", "价格", "购买数量"}, "淘宝/天猫", "Asia/Shanghai"),
    ("jd_orders", {"订单号", "商品id", "订购数量", "下单时间"}, "京东", "Asia/Shanghai"),
    ("pdd_orders", {"订单号", "商品总价元", "商品数量件"}, "拼多多", "Asia/Shanghai"),
    ("douyin_orders", {"主订单编号", "子订单编号", "选购商品"}, "抖店", "Asia/Shanghai"),
    ("youzan_orders", {"订单号", "商品名称", "商品实际成交金额"}, "有赞", "Asia/Shanghai"),
    ("taobao_behavior", {"userid", "itemid", "categoryid", "behaviortype", "timestamp"}, "淘宝 (Tianchi)",
     "Asia/Shanghai"),
    ("ga4_events", {"eventname", "userpseudoid"}, "Google Analytics 4", None),
    ("uci_online_shoppers", {"revenue", "visitortype", "traffictype", "productrelated"}, "UCI Online Shoppers", None),
]
PLATFORMS = {name: platform for name, _h, platform, _z in PROFILES}
EXPORT_ZONES = {name: zone for name, _h, _p, zone in PROFILES if zone}
# Kinds a layout always is (a behaviour log with a header once looked like customers).
PROFILE_KINDS = {"taobao_behavior": "events", "ga4_events": "events", "olist_orders": "orders",
                 "amazon_all_orders": "orders", "amazon_sale_report": "orders", "ebay_orders": "orders",
                 "woocommerce_orders": "orders", "jd_orders": "orders", "pdd_orders": "orders",
                 "douyin_orders": "orders", "youzan_orders": "orders", "taobao_orders": "orders",
                 "taobao_items": "orders"}


def detect_profile(headers: list[str]) -> str:
    """Return the name of a known export layout, or 'generic'."""
    norms = {normalise_header(h) for h in headers}
    for name, required, _platform, _zone in PROFILES:
        if required <= norms:
            return name
    if "订单编号" in norms and ({"买家会员名", "订单状态"} & norms):
        return "taobao_orders"
    return "generic"


def apply_profile(proposal: Proposal, headers: list[str]) -> None:
    """Adjust a proposal for a known layout (in place)."""
    by_norm = {normalise_header(h): h for h in headers}
    mapping = proposal.mapping

    def use(field: str, *norms: str) -> None:
        for n in norms:
            if n in by_norm:
                for other, src in list(mapping.items()):
                    if src == by_norm[n] and other != field:
                        mapping.pop(other)
                mapping[field] = by_norm[n]
                return

    if proposal.profile in EXPORT_ZONES:
        proposal.options.setdefault("source_timezone", EXPORT_ZONES[proposal.profile])
    if proposal.kind != "orders":
        if proposal.profile == "uci_online_shoppers" and proposal.kind == "traffic_sessions":
            _online_shoppers(proposal, by_norm)
        return
    if proposal.profile == "uci_online_retail":
        proposal.options["cancelled_prefix"] = "C"
        proposal.options["default_status"] = "completed"
    elif proposal.profile == "shopify_orders":
        mapping.pop("line_total", None)  # "Total" is the order total, on the first row only
        proposal.options["default_status"] = "paid"
    elif proposal.profile == "amazon_all_orders":
        # item-price is the amount for the line's quantity, not a unit price (Amazon's report help).
        mapping.pop("unit_price", None)
        use("line_total", "itemprice")
        use("quantity", "quantity", "quantitypurchased")
        use("status", "orderstatus")
        mapping.pop("customer_id", None)  # the report has no customer (Amazon's privacy rule)
    elif proposal.profile == "amazon_sale_report":
        use("line_total", "amount")
        use("status", "status")
        use("quantity", "qty")
    elif proposal.profile == "ebay_orders":
        use("order_id", "ordernumber")
        use("unit_price", "soldfor")
        mapping.pop("line_total", None)  # Total Price includes shipping and tax
        use("customer_id", "buyerusername")
        use("product_id", "itemnumber")
        proposal.options["default_status"] = "paid"
    elif proposal.profile == "woocommerce_orders":
        use("line_total", "itemtotal")
        mapping.pop("unit_price", None)
        use("product_id", "itemsku", "itemproductid")
    elif proposal.profile == "taobao_orders":
        # One row per order: its amount is the line (宝贝标题 lists the items); 宝贝总数量 its units.
        use("line_total", "买家应付货款", "总金额", "买家实际支付金额")
        use("quantity", "宝贝总数量")
        proposal.options["default_status"] = "paid"
    elif proposal.profile == "pdd_orders":
        use("line_total", "商品总价元", "商品总价")
        use("product_name", "商品")
    elif proposal.profile == "douyin_orders":
        use("order_id", "主订单编号")
        use("line_total", "商品金额")
    elif proposal.profile == "youzan_orders":
        # The amount actually paid for the line (after its share of discounts); 商品单价 is the list price.
        use("line_total", "商品实际成交金额")
        mapping.pop("unit_price", None)
    if "default_status" not in proposal.options:
        proposal.options["default_status"] = "completed"


def _online_shoppers(proposal: Proposal, by_norm: dict[str, str]) -> None:
    pages = [by_norm[n] for n in ("administrative", "informational", "productrelated") if n in by_norm]
    durations = [by_norm[n] for n in ("administrativeduration", "informationalduration", "productrelatedduration")
                 if n in by_norm]
    if pages:
        proposal.mapping["pages_viewed"] = pages
    if durations:
        proposal.mapping["duration_seconds"] = durations
    if "traffictype" in by_norm:
        proposal.mapping["channel"] = by_norm["traffictype"]
        proposal.mapping["traffic_type"] = by_norm["traffictype"]
        proposal.options["prefix"] = {"channel": "traffic_type_"}
    proposal.options["month_abbrev"] = True


def propose(headers: list[str], kind: str | None = None) -> Proposal:
    """Return the best kind for these headers (or the given kind) with its proposed mapping."""
    scores: dict[str, float] = {}
    mappings: dict[str, Mapping] = {}
    candidates = [get_kind(kind)] if kind else list(KINDS.values())
    for k in candidates:
        mappings[k.name] = match_headers(k, headers)
        scores[k.name] = _score(k, headers, mappings[k.name])
    best = max(scores, key=lambda name: scores[name])
    profile = detect_profile(headers)
    if not kind and PROFILE_KINDS.get(profile) in scores:
        best = PROFILE_KINDS[profile]
    proposal = Proposal(kind=best, mapping=dict(mappings[best]), scores=scores)
    proposal.profile = profile
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
