"""Compliance.

Risk → Compliance: product titles and descriptions scanned for absolute and prohibited claims (PRC Advertising Law,
platform rules), a box to check new copy before publishing, and the editable word list.
"""
import pandas as pd
import streamlit as st

from ecomops.risk import compliance
from ecomops.exports import escape_markdown as md
from ecomops.i18n import _, fmt
from ecomops.ui import actions, downloads, page, state
from ecomops.ui import columns as colfmt

con = state.connection()
f = page.setup(__file__)
st.title(_("Compliance"))
st.caption(_("Absolute claims such as “best”, “#1” or “guaranteed” in product copy. Rules: English words match whole "
             "words; Chinese words match anywhere except inside the rule's exceptions (compounds in which the word is "
             "no claim). The category filter applies; dates and channels do not (copy is not dated)."))

check_tab, products_tab, words_tab = st.tabs([_("Check new copy"), _("Product scan"), _("Word list")])

with check_tab:
    text = st.text_area(_("Paste a title or description before publishing"),
                        placeholder=_("e.g. Best seller, guaranteed results, the #1 choice"), key="risk_copy")
    if text.strip():
        result = compliance.check_copy(con, text)
        if result["clean"]:
            st.success(_("No banned or absolute claims found."))
        else:
            st.warning(_("{n} claim(s) found:", n=fmt.count(len(result["findings"]))), icon="🚫")
            st.markdown(result["highlighted_markdown"])
            findings_shown = result["findings"].drop(columns="position")
            st.dataframe(findings_shown, hide_index=True, width="stretch",
                         column_config=colfmt.headers(findings_shown.columns))
            st.markdown(_("**Suggested compliant wording** (a starting point: read it before publishing)"))
            st.code(result["suggested"], language=None, wrap_lines=True)

with products_tab:
    summary = state.cached(compliance.compliance_summary, f)
    c1, c2, c3 = st.columns(3)
    c1.metric(_("Products scanned"), fmt.count(summary["products_scanned"]))
    c2.metric(_("Products with claims"), fmt.count(summary["products_flagged"]))
    c3.metric(_("Claims found"), fmt.count(summary["claims"]))
    if summary["products_scanned"] == 0:
        st.info(_("No products yet: upload a product list on Data → Upload."))
    else:
        flagged = state.cached(compliance.scan_products, f)
        if flagged.empty:
            st.success(_("No product copy holds a banned or absolute claim."))
        else:
            st.caption(_("Offending text is marked 【like this】. Suggested titles replace each claim with the rule's "
                         "suggested wording."))
            flagged_columns = ["product_id", "category", "claims", "words", "title_highlighted",
                               "description_highlighted", "suggested_title", "rule_categories"]
            st.dataframe(flagged[flagged_columns], hide_index=True, width="stretch",
                         column_config=colfmt.headers(flagged_columns))
            findings = state.cached(compliance.scan_findings, f)
            st.download_button(_("Download all findings (CSV)"), downloads.csv(findings, "utf-8-sig"),
                               file_name="compliance_findings.csv", mime="text/csv", on_click="ignore")

with words_tab:
    st.caption(_("One rule per row. Whole word: English-style word edges; exceptions: compounds where the word is not "
                 "a claim, separated by |. Untick Enabled to keep a rule without firing it."))
    if "risk_words_saved" in st.session_state:
        st.success(st.session_state.pop("risk_words_saved"))
    words = state.cached(compliance.banned_words)
    # Keyed on the data version: after a save the editor starts from the saved list, not replaying old edits.
    edited = st.data_editor(words, num_rows="dynamic", hide_index=True, width="stretch",
                            key=f"risk_words_{state.data_version()}",
                            column_config=colfmt.headers(words.columns, {
                                "language": st.column_config.SelectboxColumn(options=["zh", "en"])}))
    save, restore = st.columns(2)
    editable = page.can("edit_word_lists")
    if not editable:
        st.caption(_("Editing the word list needs the admin role."))
    if save.button(_("Save word list"), type="primary", disabled=not editable):
        try:
            count = actions.save_banned_words(pd.DataFrame(edited))
            st.session_state["risk_words_saved"] = _("Saved {n} rules.", n=fmt.count(count))
            st.rerun()
        except (ValueError, actions.AccessDenied) as exc:
            st.error(_("Not saved: {error}", error=md(exc)))
    if restore.button(_("Restore the shipped list"), disabled=not editable):
        count = actions.restore_default_words()
        st.session_state["risk_words_saved"] = _("Restored the shipped list ({n} rules).", n=fmt.count(count))
        st.rerun()
    st.download_button(_("Download word list (CSV)"), downloads.csv(words, "utf-8-sig"),
                       file_name="banned_words.csv", mime="text/csv", on_click="ignore")
