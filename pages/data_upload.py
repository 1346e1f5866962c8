"""Upload.

Upload any CSV/TSV/TXT/XLSX/Parquet export (optionally .gz): check the detected kind and columns, fix any column,
validate, import in one transaction (or only the valid rows), and undo imports from the list.
"""
import streamlit as st

from ecomops import derived
from ecomops.exports import escape_markdown as md
from ecomops.ingest import IngestError, UndoRefused, import_file, import_files, list_imports, preview, undo_import
from ecomops.ingest import uploads
from ecomops.ingest.presets import list_presets, load_preset, save_preset
from ecomops.ingest.statuses import set_status_words
from ecomops.ui import page, state

# Reading a large upload (encoding check, hash) is not repeated on every widget change.
cached_preview = st.cache_data(preview, max_entries=20, show_spinner="Reading the file…")
con = state.connection()
st.title("Upload data")
st.caption("UTF-8 or GBK/GB18030 (Chinese Excel), any delimiter, Chinese or English headers. "
           "Nothing is written until you press Import; every import can be undone below. See docs/import.md.")

page.setup(__file__)
upload = st.file_uploader("Export file", type=["csv", "tsv", "txt", "xlsx", "xls", "parquet", "gz"])
more = st.file_uploader("More files of the same export (order items, customers, products), optional",
                        type=["csv", "tsv", "txt", "xlsx", "xls", "parquet", "gz"], accept_multiple_files=True)
if upload is not None:
    path = uploads.save_upload(upload.name, upload.getvalue())
    extra = [uploads.save_upload(f.name, f.getvalue()) for f in more or []]
    names = [upload.name, *[f.name for f in more or []]]
    choices, store_code = uploads.currency_choices(con)
    left, right, third = st.columns(3)
    currency = uploads.chosen_currency(left.selectbox(
        "Currency of the amounts", choices, help=f"The store's currency is {store_code}." if store_code else
        "The store has no currency yet: the first import sets it."))
    fx_rate = right.number_input("Conversion rate to the store's currency (0 = none)", min_value=0.0, value=0.0)
    columns = uploads.column_names(third.text_input("Column names, for a file without a header row",
                                                    placeholder="user_id, item_id, ..."))
    run_options = {"fx_rate": fx_rate} if fx_rate else {}
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
                                                mapping=mapping, file_name=upload.name, columns=columns)
    except (IngestError, ValueError) as exc:
        st.error(f"This file cannot be imported: {md(exc)}")
        st.stop()
    st.success(f"Detected **{md(kinds[proposal.kind])}** · encoding {md(source.encoding)} · "
               f"delimiter {md(repr(source.delimiter))} · layout {md(proposal.profile)}")
    st.dataframe(head, hide_index=True, height=220)
    for note in source.notes:
        st.caption(md(note))
    if extra:
        st.info(f"{len(names)} files: they are linked by their ids and checked and imported as one export.")
        if st.button("Check the files", type="primary"):
            try:
                check = import_files(con, [path, *extra], file_names=names, dry_run=True, currency=currency,
                                     currency_required=True, options=run_options)
            except (IngestError, ValueError) as exc:
                st.error(md(exc))
                st.stop()
            st.session_state.update(check=check, done=None, choice=("__files__", {}, {}))
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
                                    options={**proposal.options, **run_options}, dry_run=True, file_name=upload.name,
                                    columns=columns, currency=currency, currency_required=True)
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
        for field_name, how in check.date_formats.items():
            st.caption(f"Dates of {field_name}: {md(how)}")
        for notice in check.notices:
            st.info(md(notice))
        if check.unknown_statuses:
            st.warning("Status words this store does not know yet: map each once (remembered for later imports).")
            for row in uploads.unknown_status_rows(check):
                a, b, c = st.columns([3, 2, 1])
                a.write(f"**{md(row['word'])}** — {row['rows']:,} rows")
                status = b.selectbox("Means", uploads.STATUS_CHOICES, key=f"status_{row['word']}",
                                     label_visibility="collapsed")
                if c.button("Map", key=f"map_{row['word']}"):
                    set_status_words(con, {row["word"]: status})
                    st.session_state.update(check=None)
                    st.toast(f"{md(row['word'])} = {status}. Check the file again.")
                    st.rerun()
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
            show = lambda f, m: bar.progress(min(max(f, 0.0), 1.0), text=m)  # noqa: E731
            try:
                if kind_name == "__files__":
                    done = import_files(con, [path, *extra], file_names=names, accept_valid=accept, force=force,
                                        currency=currency, currency_required=True, options=run_options, progress=show)
                else:
                    done = import_file(con, path, kind=kind_name, mapping={"__replace__": True, **chosen},
                                       options={**opts, **run_options}, accept_valid=accept, force=force,
                                       file_name=upload.name, columns=columns, currency=currency,
                                       currency_required=True, progress=show)
            except (IngestError, ValueError) as exc:
                bar.empty()
                st.error(md(exc))
                st.stop()
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
