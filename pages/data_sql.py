"""SQL console.

Read-only SQL for admins: one SELECT/WITH statement over the data tables, with a row cap and a time limit. Opening
the page needs the admin role (page.setup); each run is checked again and logged (actions.run_sql).
"""
import streamlit as st

from ecomops import charts
from ecomops.ops import sqlconsole
from ecomops.exports import escape_markdown as md
from ecomops.i18n import _, fmt
from ecomops.ui import actions, downloads, page, state

page.setup(__file__)
st.title(_("SQL console"))
st.caption(_("One read-only SELECT (or WITH) statement over the tables on the right. Files, other databases, internal "
             "tables and writes are refused; results stop at {rows} rows or {mb} MB, and a query at {seconds} s. "
             "Every query run is recorded in the audit trail.", rows=fmt.count(sqlconsole.DEFAULT_ROW_CAP),
             mb=fmt.count(sqlconsole.DEFAULT_BYTE_CAP // 2**20), seconds=fmt.number(sqlconsole.DEFAULT_TIMEOUT_S, 0)))

editor, browser = st.columns([3, 1])
with browser:
    st.markdown(_("**Tables**"))
    for table, rows, column_list in state.cached(sqlconsole.table_browser):
        title = (_("{table} · view", table=table) if rows is None
                 else _("{table} · {n} rows", table=table, n=fmt.count(rows)))
        with st.expander(title):
            if column_list:
                st.markdown(column_list)

with editor:
    example = st.selectbox(_("Example queries"), ["—", *sqlconsole.EXAMPLES], key="sql_example",
                           format_func=lambda name: name if name == "—" else _(name))
    if example != "—" and st.session_state.get("_sql_example_loaded") != example:
        st.session_state["sql_text"] = sqlconsole.EXAMPLES[example]
        st.session_state["_sql_example_loaded"] = example
    sql = st.text_area(_("Query"), key="sql_text", height=220, placeholder="SELECT ... FROM orders ...")
    run_clicked = st.button(_("Run"), type="primary")

if run_clicked:
    try:
        st.session_state["sql_result"] = actions.run_sql(sql)
        st.session_state.pop("sql_error", None)
    except (sqlconsole.QueryRefused, actions.AccessDenied) as exc:
        st.session_state["sql_error"] = str(exc)
        st.session_state.pop("sql_result", None)

if "sql_error" in st.session_state:
    st.error(md(st.session_state["sql_error"]))
result = st.session_state.get("sql_result")
if result is not None:
    done = {"rows": _("{n} rows in {seconds} s (row cap reached: add a LIMIT or filters)."),
            "bytes": _("{n} rows in {seconds} s (size cap reached: select fewer or narrower columns).")}.get(
        result.truncated_by, _("{n} rows in {seconds} s."))
    st.success(done.format(n=fmt.count(len(result.frame)), seconds=fmt.number(result.elapsed_s, 2)))
    st.dataframe(result.frame, hide_index=True, width="stretch")
    st.download_button(_("Download result (CSV)"), downloads.csv(result.frame, "utf-8"),
                       file_name="ecomops_query.csv", mime="text/csv", on_click="ignore")
    x, ys = sqlconsole.chart_columns(result.frame)
    if x is not None and ys and len(result.frame) > 1:
        kind = st.radio(_("Chart"), ["line", "bar"], horizontal=True, key="sql_chart_kind",
                        format_func=lambda k: _("line") if k == "line" else _("bar"))
        builder = charts.line if kind == "line" else charts.bar
        figure = builder(result.frame, x, ys if kind == "line" else ys[0])
        page.chart(st, figure, width="stretch")
