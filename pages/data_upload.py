"""Upload.

Upload any CSV/TSV/TXT/XLSX/Parquet export (optionally .gz): check the detected kind and columns, fix any column,
validate, import in one transaction (or only the valid rows), and undo imports from the list. Every write goes
through ecomops/ui/actions.py (role check, audit entry); a viewer sees the imports log only.
"""
import streamlit as st

from ecomops import access
from ecomops.exports import escape_markdown as md
from ecomops.i18n import _, fmt
from ecomops.ingest import IngestError, UndoRefused, list_imports, preview
from ecomops.ingest import uploads
from ecomops.ingest.presets import list_presets, load_preset
from ecomops.ui import actions, page, state

page.setup(__file__)
# Reading a large upload (encoding check, hash) is not repeated on every widget change.
cached_preview = st.cache_data(preview, max_entries=20, show_spinner=_("Reading the file…"))
con = state.connection()
actor = page.actor()
st.title(_("Upload data"))
st.caption(_("UTF-8 or GBK/GB18030 (Chinese Excel), any delimiter, Chinese or English headers. "
             "Nothing is written until you press Import; every import can be undone below."))

upload = more = None
if page.can("import"):
    upload = st.file_uploader(_("Export file"), type=["csv", "tsv", "txt", "xlsx", "xls", "parquet", "gz"])
    more = st.file_uploader(_("More files of the same export (order items, customers, products), optional"),
                            type=["csv", "tsv", "txt", "xlsx", "xls", "parquet", "gz"], accept_multiple_files=True)
else:
    st.info(_("Your role ({role}) can read the imports log below; importing needs the operator or admin role.",
              role=access.role_label(actor.role)))
if upload is not None:
    path = actions.save_upload(upload.name, upload.getvalue())
    extra = [actions.save_upload(f.name, f.getvalue()) for f in more or []]
    names = [upload.name, *[f.name for f in more or []]]
    choices, store_code = uploads.currency_choices(con)
    left, right, third = st.columns(3)
    currency = uploads.chosen_currency(left.selectbox(
        _("Currency of the amounts"), choices, help=_("The store's currency is {code}.", code=store_code) if store_code
        else _("The store has no currency yet: the first import sets it.")))
    fx_rate = right.number_input(_("Conversion rate to the store's currency (0 = none)"), min_value=0.0, value=0.0)
    columns = uploads.column_names(third.text_input(_("Column names, for a file without a header row"),
                                                    placeholder="user_id, item_id, ..."))
    run_options = {"fx_rate": fx_rate} if fx_rate else {}
    if st.session_state.get("upload_path") != str(path):
        st.session_state.update(upload_path=str(path), upload_name=upload.name, check=None, done=None, choice=None,
                                kind_override=None)
    presets = list_presets(con)
    automatic = _("(detect automatically)")
    preset = st.selectbox(_("Mapping preset"), [automatic, *presets["name"]], key="preset")
    kind, mapping = None, None
    if preset != automatic:
        kind, mapping, _options = load_preset(con, preset)
    kinds = uploads.kind_choices()
    try:
        proposal, head, source = cached_preview(path, kind=st.session_state.get("kind_override") or kind,
                                                mapping=mapping, file_name=upload.name, columns=columns)
    except (IngestError, ValueError) as exc:
        st.error(_("This file cannot be imported: {reason}", reason=md(exc)))
        st.stop()
    st.success(_("Detected **{kind}** · encoding {encoding} · delimiter {delimiter} · layout {layout}",
                 kind=md(kinds[proposal.kind]), encoding=md(source.encoding), delimiter=md(repr(source.delimiter)),
                 layout=md(proposal.profile)))
    st.dataframe(head, hide_index=True, height=220)
    for note in source.notes:
        st.caption(md(note))
    if extra:
        st.info(_("{n} files: they are linked by their ids and checked and imported as one export.",
                  n=fmt.count(len(names))))
        if st.button(_("Check the files"), type="primary"):
            try:
                check = actions.import_files([path, *extra], file_names=names, dry_run=True, currency=currency,
                                             currency_required=True, options=run_options)
            except (IngestError, ValueError) as exc:
                st.error(md(exc))
                st.stop()
            st.session_state.update(check=check, done=None, choice=("__files__", {}, {}))
    with st.form("mapping"):
        st.subheader(_("Columns"))
        kind_choice = st.selectbox(_("Kind of data"), list(kinds), index=list(kinds).index(proposal.kind),
                                   format_func=kinds.get)
        rows = uploads.field_rows(proposal.kind, proposal.mapping)
        options = [uploads.NONE, *source.headers]
        choices, grid = {}, st.columns(3)
        for i, row in enumerate(rows):
            label = f"{row['label']}{' *' if row['required'] else ''}"
            help_text = _("sum of {columns}", columns=md(" + ".join(row["sum_of"]))) if row["sum_of"] else None
            choices[row["field"]] = grid[i % 3].selectbox(label, options, index=options.index(row["column"]),
                                                          key=f"map_{proposal.kind}_{row['field']}", help=help_text)
        preset_name = st.text_input(_("Save this mapping as a preset (optional)"), disabled=not page.can("edit_presets"),
                                    help=None if page.can("edit_presets") else _("Saving presets needs the admin role."))
        confirmed = st.form_submit_button(_("Confirm mapping and check the file"), type="primary")
    if confirmed:
        if kind_choice != proposal.kind:
            st.session_state["kind_override"] = kind_choice
            st.rerun()
        chosen = uploads.mapping_from_choices(choices, {r["field"]: r["sum_of"] for r in rows})
        st.session_state["choice"] = (proposal.kind, chosen, proposal.options)
        with st.status(_("Checking the file…"), expanded=False) as status:
            try:
                check = actions.import_file(path, kind=proposal.kind, mapping={"__replace__": True, **chosen},
                                            options={**proposal.options, **run_options}, dry_run=True,
                                            file_name=upload.name, columns=columns, currency=currency,
                                            currency_required=True)
            except (IngestError, ValueError) as exc:
                status.update(label=_("The file cannot be imported"), state="error")
                st.error(md(exc))
                st.stop()
            status.update(label=md(check.summary()), state="complete")
        st.session_state.update(check=check, done=None)
        if preset_name.strip():
            try:
                actions.save_preset(preset_name.strip(), proposal.kind, chosen, proposal.options)
                st.toast(_("Saved preset {name}", name=md(repr(preset_name.strip()))))
            except actions.AccessDenied as exc:
                st.error(str(exc))

    check = st.session_state.get("check")
    if check is not None and st.session_state.get("choice"):
        kind_name, chosen, opts = st.session_state["choice"]
        st.subheader(_("Validation report"))
        st.write(_("{valid} of {read} rows are valid.", valid=fmt.count(check.rows_valid), read=fmt.count(check.rows_read)))
        for field_name, how in check.date_formats.items():
            st.caption(_("Dates of {field}: {how}", field=md(field_name), how=md(how)))
        for notice in check.notices:
            st.info(md(notice))
        if check.unknown_statuses:
            st.warning(_("Status words this store does not know yet: map each once (remembered for later imports)."))
            for row in uploads.unknown_status_rows(check):
                a, b, c = st.columns([3, 2, 1])
                a.write(_("**{word}** — {n} rows", word=md(row["word"]), n=fmt.count(row["rows"])))
                status = b.selectbox(_("Means"), uploads.STATUS_CHOICES, key=f"status_{row['word']}",
                                     label_visibility="collapsed")
                if c.button(_("Map"), key=f"map_{row['word']}"):
                    actions.set_status_words({row["word"]: status})
                    st.session_state.update(check=None)
                    st.toast(_("{word} = {status}. Check the file again.", word=md(row["word"]), status=status))
                    st.rerun()
        if check.problems:
            st.dataframe(uploads.problems_frame(check), hide_index=True)
            rejected = uploads.rejects_bytes(check)
            if rejected:
                st.download_button(_("Download the rejected rows (CSV with a reason column)"), rejected,
                                   file_name=f"{upload.name.split('.')[0]}_rejected.csv", mime="text/csv")
        accept = False
        if check.rows_rejected:
            import_valid = _("Import the {n} valid rows", n=fmt.count(check.rows_valid))
            accept = st.radio(_("The file has invalid rows"),
                              [_("Fix the file and upload it again"), import_valid]) == import_valid
        force = False
        if check.previous_import:
            prev = check.previous_import
            st.warning(_("This file was already imported on {when} as import #{id}.", when=prev["imported_at"],
                         id=prev["import_id"]))
            force = st.checkbox(_("Import it again (replaces the same rows, no duplicates)"))
        ready = (accept or not check.rows_rejected) and (force or not check.previous_import) and check.rows_valid
        if st.button(_("Import"), type="primary", disabled=not ready):
            bar = st.progress(0.0, text=_("Starting…"))
            show = lambda f, m: bar.progress(min(max(f, 0.0), 1.0), text=m)  # noqa: E731
            try:
                if kind_name == "__files__":
                    done = actions.import_files([path, *extra], file_names=names, accept_valid=accept, force=force,
                                                currency=currency, currency_required=True, options=run_options,
                                                progress=show)
                else:
                    done = actions.import_file(path, kind=kind_name, mapping={"__replace__": True, **chosen},
                                               options={**opts, **run_options}, accept_valid=accept, force=force,
                                               file_name=upload.name, columns=columns, currency=currency,
                                               currency_required=True, progress=show)
            except (IngestError, ValueError, actions.AccessDenied) as exc:
                bar.empty()
                st.error(md(exc))
                st.stop()
            # The bar's last text repeats the summary shown after the rerun: clear it so the outcome reads once.
            bar.empty()
            state.update_after_import()  # pay the summary-table update here, not on the next page
            st.session_state.update(done=done, check=None)
            st.rerun()

done = st.session_state.get("done")
if done is not None:
    (st.success if done.status == "imported" else st.warning)(md(done.summary()))
state.background_refresh_status()  # the model outputs, updated after an import on a background thread

st.subheader(_("Imports"))
log = list_imports(con)
if log.empty:
    st.info(_("No imports yet."))
else:
    st.dataframe(log.drop(columns=["note", "file_hash"]), hide_index=True)
    # Only the imports this role may undo are offered (operators: their own); actions.undo_import checks again.
    active = [int(i) for i, by, status in zip(log["import_id"], log["imported_by"], log["status"])
              if status == "done" and access.may_undo(actor, by)]
    if active:
        left, right = st.columns([1, 3])
        target = left.selectbox(_("Import to undo"), active, format_func=lambda i: f"#{i}")
        if right.button(_("Undo this import")):
            try:
                result = actions.undo_import(int(target))
                state.update_after_import()
                st.success(_("Undid import #{id}: removed {removed} rows, restored {restored}.", id=result.import_id,
                             removed=fmt.count(sum(result.removed.values())),
                             restored=fmt.count(sum(result.restored.values()))))
                st.rerun()
            except (UndoRefused, actions.AccessDenied) as exc:
                st.error(md(exc))
