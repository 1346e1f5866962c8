"""Compliance.

Risk → Compliance: product titles and descriptions scanned for absolute and prohibited claims (PRC Advertising Law,
platform rules), a box to check new copy before publishing, and the editable word list.
"""
import pandas as pd
import streamlit as st

from ecomops.risk import compliance
from ecomops.exports import escape_markdown as md
from ecomops.i18n import _
from ecomops.ui import actions, downloads, page, state

con = state.connection()
f = page.setup(__file__)
st.title("Compliance")
st.caption("Absolute claims such as 最 / 第一 / 顶级 / best / #1 / guaranteed in product copy. Rules: English words "
           "match whole words; Chinese words match anywhere except inside the rule's exceptions (最近, 第一次 …). "
           "The category filter applies; dates and channels do not (copy is not dated).")

check_tab, products_tab, words_tab = st.tabs(["Check new copy", "Product scan", "Word list"])

with check_tab:
    text = st.text_area("Paste a title or description before publishing",
                        placeholder="例如：全网最低价，销量第一的顶级保温杯 / Best seller, guaranteed results",
                        key="risk_copy")
    if text.strip():
        result = compliance.check_copy(con, text)
        if result["clean"]:
            st.success("No banned or absolute claims found.")
        else:
            st.warning(f"{len(result['findings'])} claim(s) found:", icon="🚫")
            st.markdown(result["highlighted_markdown"])
            st.dataframe(result["findings"].drop(columns="position"), hide_index=True, width="stretch")
            st.markdown("**Suggested compliant wording** (a starting point: read it before publishing)")
            st.code(result["suggested"], language=None, wrap_lines=True)

with products_tab:
    summary = state.cached(compliance.compliance_summary, f)
    c1, c2, c3 = st.columns(3)
    c1.metric("Products scanned", f"{summary['products_scanned']:,}")
    c2.metric("Products with claims", f"{summary['products_flagged']:,}")
    c3.metric("Claims found", f"{summary['claims']:,}")
    if summary["products_scanned"] == 0:
        st.info("No products yet: upload a product list on Data → Upload.")
    else:
        flagged = state.cached(compliance.scan_products, f)
        if flagged.empty:
            st.success("No product copy holds a banned or absolute claim.")
        else:
            st.caption("Offending text is marked 【like this】. Suggested titles replace each claim with the rule's "
                       "suggested wording.")
            st.dataframe(flagged[["product_id", "category", "claims", "words", "title_highlighted",
                                  "description_highlighted", "suggested_title", "rule_categories"]],
                         hide_index=True, width="stretch",
                         column_config={"title_highlighted": "title", "description_highlighted": "description"})
            findings = state.cached(compliance.scan_findings, f)
            st.download_button("Download all findings (CSV)", downloads.csv(findings, "utf-8-sig"),
                               file_name="compliance_findings.csv", mime="text/csv", on_click="ignore")

with words_tab:
    st.caption("One rule per row. whole_word: English-style word edges; exceptions: compounds where the word is "
               "not a claim, separated by |. Untick enabled to keep a rule without firing it.")
    if "risk_words_saved" in st.session_state:
        st.success(st.session_state.pop("risk_words_saved"))
    words = state.cached(compliance.banned_words)
    # Keyed on the data version: after a save the editor starts from the saved list, not replaying old edits.
    edited = st.data_editor(words, num_rows="dynamic", hide_index=True, width="stretch",
                            key=f"risk_words_{state.data_version()}",
                            column_config={"language": st.column_config.SelectboxColumn(options=["zh", "en"])})
    save, restore = st.columns(2)
    editable = page.can("edit_word_lists")
    if not editable:
        st.caption(_("Editing the word list needs the admin role."))
    if save.button("Save word list", type="primary", disabled=not editable):
        try:
            count = actions.save_banned_words(pd.DataFrame(edited))
            st.session_state["risk_words_saved"] = f"Saved {count} rules."
            st.rerun()
        except (ValueError, actions.AccessDenied) as exc:
            st.error(f"Not saved: {md(exc)}")
    if restore.button("Restore the shipped list", disabled=not editable):
        count = actions.restore_default_words()
        st.session_state["risk_words_saved"] = f"Restored the shipped list ({count} rules)."
        st.rerun()
    st.download_button("Download word list (CSV)", downloads.csv(words, "utf-8-sig"),
                       file_name="banned_words.csv", mime="text/csv", on_click="ignore")
