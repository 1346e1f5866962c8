"""Supply chain.

Risk → Supply chain: SKUs without a backup supplier, supplier concentration (share of GMV), lead times vs the
backup restock target (a setting), and A-class items exposed to a single supplier.
"""
import streamlit as st

from ecomops import charts, config
from ecomops.risk import supply
from ecomops.exports import escape_markdown as md
from ecomops.i18n import _, fmt
from ecomops.ui import columns as colfmt
from ecomops.ui import downloads, page, state

f = page.setup(__file__)
st.title(_("Supply chain"))
t = state.thresholds()
target = t.backup_restock_hours
target_text = config.formatted("backup_restock_hours", target)
st.caption(_("GMV over {period}; ABC class over the {days} days ending {end}. Backup target: restock within {target}.",
             period=fmt.date_range(f.start, f.end), days=fmt.count(t.abc_window_days), end=f.end, target=target_text))

summary = state.cached(supply.supply_summary, f)
if summary["skus"] == 0:
    st.info(_("No products yet: upload a product list on Data → Upload."))
    st.stop()
if summary["skus_with_suppliers"] == 0:
    st.info(_("No supplier data yet: upload the product–supplier list (product, supplier, role, lead time) on "
              "Data → Upload."))

c1, c2, c3, c4 = st.columns(4)
c1.metric(_("SKUs without backup"), f"{fmt.count(summary['skus_without_backup'])} / {fmt.count(summary['skus'])}",
          help=_("SKUs with no supplier in the backup role."))
c2.metric(_("GMV on SKUs without backup"), fmt.metric("gmv_share", summary["gmv_share_without_backup"]))
c3.metric(_("Backups within {target}", target=target_text),
          f"{fmt.count(summary['backups_within_target'])} / {fmt.count(summary['skus_with_backup'])}")
c4.metric(_("A items on a single supplier"), fmt.count(summary["a_single_supplier"]))

st.subheader(_("A-class items exposed to a single supplier"))
exposed = state.cached(supply.a_class_single_supplier, f)
if exposed.empty:
    st.success(_("Every A-class item has at least two suppliers."))
else:
    st.dataframe(exposed, hide_index=True, width="stretch",
                 column_config=colfmt.headers(exposed.columns, {
                     "gmv": st.column_config.NumberColumn(_("GMV (period)"), format="¥%.2f"),
                     "primary_lead_hours": st.column_config.NumberColumn(format="%.0f")}))

st.subheader(_("Supplier concentration"))
conc = state.cached(supply.supplier_concentration, f)
if summary["top_supplier"]:
    st.caption(_("Largest supplier: {supplier} with {share} of GMV; Herfindahl index {hhi} (1 = everything on one "
                 "supplier).", supplier=md(summary["top_supplier"]), share=fmt.percent(summary["top_supplier_share"]),
                 hhi=fmt.number(summary["hhi"], 2)))
left, right = st.columns([3, 2])
page.chart(left, charts.bar(conc.head(15).iloc[::-1], "supplier", "share", orientation="h", y_format=".0%",
                             title=_("Share of GMV per primary supplier")), width="stretch")
right.dataframe(conc, hide_index=True, width="stretch",
                column_config=colfmt.headers(conc.columns, {
                    "share": st.column_config.NumberColumn(format="percent"),
                    "gmv": st.column_config.NumberColumn(format="¥%.0f")}))

st.subheader(_("SKUs and their suppliers"))
only_risky = st.toggle(_("Only SKUs at risk (no backup, or backup slower than the target)"), value=True,
                       key="risk_supply_only_risky")
skus = state.cached(supply.sku_suppliers, f, target, only_risky)
sku_columns = ["product_id", "title", "category", "abc_class", "gmv", "suppliers", "primary_supplier_name",
               "primary_lead_hours", "fastest_backup", "backup_lead_hours", "risk"]
st.dataframe(skus[sku_columns], hide_index=True, width="stretch",
             column_config=colfmt.headers(sku_columns, {
                 "gmv": st.column_config.NumberColumn(_("GMV (period)"), format="¥%.2f")}))
st.download_button(_("Download this table (CSV)"), downloads.csv(skus, "utf-8-sig"),
                   file_name="supply_skus.csv", mime="text/csv", on_click="ignore")

with st.expander(_("Lead time per product and supplier")):
    leads = state.cached(supply.lead_times, f)
    st.dataframe(colfmt.with_labels(leads, {"role": "supplier_role"}), hide_index=True, width="stretch",
                 column_config=colfmt.headers(leads.columns))
