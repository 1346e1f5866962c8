"""Supply chain.

Risk → Supply chain: SKUs without a backup supplier, supplier concentration (share of GMV), lead times vs the
backup restock target (a setting), and A-class items exposed to a single supplier.
"""
import streamlit as st

from ecomops import charts, config
from ecomops.risk import supply
from ecomops.exports import escape_markdown as md
from ecomops.i18n import _, fmt
from ecomops.ui import downloads, page, state

f = page.setup(__file__)
st.title("Supply chain")
t = state.thresholds()
target = t.backup_restock_hours
target_text = config.formatted("backup_restock_hours", target)
st.caption(_("GMV over {period}; ABC class over the {days} days ending {end}. Backup target: restock within {target}.",
             period=fmt.date_range(f.start, f.end), days=fmt.count(t.abc_window_days), end=f.end, target=target_text))

summary = state.cached(supply.supply_summary, f)
if summary["skus"] == 0:
    st.info("No products yet: upload a product list on Data → Upload.")
    st.stop()
if summary["skus_with_suppliers"] == 0:
    st.info("No supplier data yet: upload the product–supplier list (product, supplier, role, lead time) on "
            "Data → Upload.")

c1, c2, c3, c4 = st.columns(4)
c1.metric("SKUs without backup", f"{summary['skus_without_backup']:,} / {summary['skus']:,}",
          help="SKUs with no supplier of role 'backup'.")
c2.metric("GMV on SKUs without backup", charts.format_value("gmv_share", summary["gmv_share_without_backup"]))
c3.metric(_("Backups within {target}", target=target_text), f"{summary['backups_within_target']:,} / {summary['skus_with_backup']:,}")
c4.metric("A items on a single supplier", f"{summary['a_single_supplier']:,}")

st.subheader("A-class items exposed to a single supplier")
exposed = state.cached(supply.a_class_single_supplier, f)
if exposed.empty:
    st.success("Every A-class item has at least two suppliers.")
else:
    st.dataframe(exposed, hide_index=True, width="stretch",
                 column_config={"gmv": st.column_config.NumberColumn("GMV (period)", format="¥%.2f"),
                                "primary_lead_hours": st.column_config.NumberColumn("lead time (h)", format="%.0f")})

st.subheader("Supplier concentration")
conc = state.cached(supply.supplier_concentration, f)
if summary["top_supplier"]:
    st.caption(f"Largest supplier: {md(summary['top_supplier'])} with {summary['top_supplier_share']:.1%} of GMV; "
               f"Herfindahl index {summary['hhi']:.2f} (1 = everything on one supplier).")
left, right = st.columns([3, 2])
left.plotly_chart(charts.bar(conc.head(15).iloc[::-1], "supplier", "share", orientation="h", y_format=".0%",
                             title="Share of GMV per primary supplier"), width="stretch")
right.dataframe(conc, hide_index=True, width="stretch",
                column_config={"share": st.column_config.NumberColumn(format="percent"),
                               "gmv": st.column_config.NumberColumn(format="¥%.0f")})

st.subheader("SKUs and their suppliers")
only_risky = st.toggle("Only SKUs at risk (no backup, or backup slower than the target)", value=True,
                       key="risk_supply_only_risky")
skus = state.cached(supply.sku_suppliers, f, target, only_risky)
st.dataframe(skus[["product_id", "title", "category", "abc_class", "gmv", "suppliers", "primary_supplier_name",
                    "primary_lead_hours", "fastest_backup", "backup_lead_hours", "risk"]],
             hide_index=True, width="stretch",
             column_config={"gmv": st.column_config.NumberColumn("GMV (period)", format="¥%.2f")})
st.download_button("Download this table (CSV)", downloads.csv(skus, "utf-8-sig"),
                   file_name="supply_skus.csv", mime="text/csv", on_click="ignore")

with st.expander("Lead time per product and supplier"):
    leads = state.cached(supply.lead_times, f)
    st.dataframe(leads, hide_index=True, width="stretch")
