"""Upload.

Upload any CSV/TSV/TXT/XLSX/Parquet export (optionally .gz): check the detected kind and columns, fix any column,
validate, import in one transaction (or only the valid rows), and undo imports from the list.
"""
import streamlit as st

from ecomops import derived
from ecomops.exports import escape_markdown as md
from ecomops.ingest import IngestError, UndoRefused, import_file, list_imports, preview, undo_import
from ecomops.ingest import uploads
from ecomops.ingest.presets import list_presets, load_preset, save_preset
from ecomops.ui import page, state

# Reading a large upload (encoding check, hash) is not repeated on every widget change.
cached_preview = st.cache_data(preview, max_entries=20, show_spinner="Reading the file…")
con = state.connection()
st.title("Upload data")
st.caption("UTF-8 or GBK/GB18030 (Chinese Excel), any delimiter, Chinese or English headers. "
           "Nothing is written until you press Import; every import can be undone below. See docs/import.md.")

page.setup(__file__)
upload = st.file_uploader("Export file", type=["csv", "tsv", "txt", "xlsx", "xls", "parquet", "gz"])
if upload is not None:
    path = uploads.save_upload(upload.name, upload.getvalue())
    if st.session_state.get("upload_path") != str(path):
        st.session_state.update(upload_path=str(path), upload_name=upload.name, check=None, done=None, choice=None,
                                kind_override=None)
    presets = list_presets(con)
    preset = st.selectbox("Mapping preset", ["(detect automatically)", *presets["name"]], key="preset")
    kind, mapping = None, None
    if preset != "(detect automatically)":
        kind, mapping, _options = load_preset(con, preset)
    kinds = uploads.kind_choices()
    try:
        proposal, head, source = cached_preview(path, kind=st.session_state.get("kind_override") or kind,
                                                mapping=mapping, file_name=upload.name)
    except (IngestError, ValueError) as exc:
        st.error(f"This file cannot be imported: {md(exc)}")
        st.stop()
    st.success(f"Detected **{md(kinds[proposal.kind])}** · encoding {md(source.encoding)} · "
               f"delimiter {md(repr(source.delimiter))} · layout {md(proposal.profile)}")
    st.dataframe(head, hide_index=True, height=220)
    with st.form("mapping"):
        st.subheader("Columns")
        kind_choice = st.selectbox("Kind of data", list(kinds), index=list(kinds).index(proposal.kind),
                                   format_func=kinds.get)
        rows = uploads.field_rows(proposal.kind, proposal.mapping)
        options = [uploads.NONE, *source.headers]
        choices, grid = {}, st.columns(3)
        for i, row in enumerate(rows):
            label = f"{row['label']}{' *' if row['required'] else ''}"
            help_text = f"sum of {md(' + '.join(row['sum_of']))}" if row["sum_of"] else None
            choices[row["field"]] = grid[i % 3].selectbox(label, options, index=options.index(row["column"]),
                                                          key=f"map_{proposal.kind}_{row['field']}", help=help_text)
        preset_name = st.text_input("Save this mapping as a preset (optional)")
        confirmed = st.form_submit_button("Confirm mapping and check the file", type="primary")
    if confirmed:
        if kind_choice != proposal.kind:
            st.session_state["kind_override"] = kind_choice
            st.rerun()
        chosen = uploads.mapping_from_choices(choices, {r["field"]: r["sum_of"] for r in rows})
        st.session_state["choice"] = (proposal.kind, chosen, proposal.options)
        with st.status("Checking the file…", expanded=False) as status:
            try:
                check = import_file(con, path, kind=proposal.kind, mapping={"__replace__": True, **chosen},
                                    options=proposal.options, dry_run=True, file_name=upload.name)
            except (IngestError, ValueError) as exc:
                status.update(label="The file cannot be imported", state="error")
                st.error(md(exc))
                st.stop()
            status.update(label=md(check.summary()), state="complete")
        st.session_state.update(check=check, done=None)
        if preset_name.strip():
            save_preset(con, preset_name.strip(), proposal.kind, chosen, proposal.options)
            st.toast(f"Saved preset {md(repr(preset_name.strip()))}")

    check = st.session_state.get("check")
    if check is not None and st.session_state.get("choice"):
        kind_name, chosen, opts = st.session_state["choice"]
        st.subheader("Validation report")
        st.write(f"{check.rows_valid:,} of {check.rows_read:,} rows are valid.")
        for notice in check.notices:
            st.info(md(notice))
        if check.problems:
            st.dataframe(uploads.problems_frame(check), hide_index=True)
            rejected = uploads.rejects_bytes(check)
            if rejected:
                st.download_button("Download the rejected rows (CSV with a reason column)", rejected,
                                   file_name=f"{upload.name.split('.')[0]}_rejected.csv", mime="text/csv")
        accept = False
        if check.rows_rejected:
            accept = st.radio("The file has invalid rows", ["Fix the file and upload it again",
                                                            f"Import the {check.rows_valid:,} valid rows"]).startswith("Import")
        force = False
        if check.previous_import:
            prev = check.previous_import
            st.warning(f"This file was already imported on {prev['imported_at']} as import #{prev['import_id']}.")
            force = st.checkbox("Import it again (replaces the same rows, no duplicates)")
        ready = (accept or not check.rows_rejected) and (force or not check.previous_import) and check.rows_valid
        if st.button("Import", type="primary", disabled=not ready):
            bar = st.progress(0.0, text="Starting…")
            done = import_file(con, path, kind=kind_name, mapping={"__replace__": True, **chosen}, options=opts,
                               accept_valid=accept, force=force, file_name=upload.name,
                               progress=lambda f, m: bar.progress(min(max(f, 0.0), 1.0), text=m))
            # The bar's last text repeats the summary shown after the rerun: clear it so the outcome reads once.
            bar.empty()
            state.ensure_derived(*derived.REGISTRY)  # pay the summary-table refresh here, not on the next page
            st.session_state.update(done=done, check=None)
            st.rerun()

done = st.session_state.get("done")
if done is not None:
    (st.success if done.status == "imported" else st.warning)(md(done.summary()))

st.subheader("Imports")
log = list_imports(con)
if log.empty:
    st.info("No imports yet.")
else:
    st.dataframe(log.drop(columns=["note", "file_hash"]), hide_index=True)
    active = log[log["status"] == "done"]["import_id"].tolist()
    if active:
        left, right = st.columns([1, 3])
        target = left.selectbox("Import to undo", active, format_func=lambda i: f"#{i}")
        if right.button("Undo this import"):
            try:
                result = undo_import(con, int(target))
                state.ensure_derived(*derived.REGISTRY)
                st.success(f"Undid import #{result.import_id}: removed {sum(result.removed.values()):,} rows, "
                           f"restored {sum(result.restored.values()):,}.")
                st.rerun()
            except UndoRefused as exc:
                st.error(md(exc))
