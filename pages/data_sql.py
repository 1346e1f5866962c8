"""SQL console.

Read-only SQL for operators: one SELECT/WITH statement over the data tables, with a row cap and a time limit.
"""
import streamlit as st

from ecomops import charts
from ecomops.ops import sqlconsole
from ecomops.exports import escape_markdown as md
from ecomops.ui import downloads, page, state

page.setup(__file__)
con = state.connection()
st.title("SQL console")
st.caption("One read-only SELECT (or WITH) statement over the tables on the left. Files, other databases, internal "
           f"tables and writes are refused; results stop at {sqlconsole.DEFAULT_ROW_CAP:,} rows or "
           f"{sqlconsole.DEFAULT_BYTE_CAP // 2**20} MB, and a query at {sqlconsole.DEFAULT_TIMEOUT_S:g} s.")

editor, browser = st.columns([3, 1])
with browser:
    st.markdown("**Tables**")
    for table, rows, column_list in state.cached(sqlconsole.table_browser):
        with st.expander(f"{table} · {rows:,} rows"):
            if column_list:
                st.markdown(column_list)

with editor:
    example = st.selectbox("Example queries", ["—", *sqlconsole.EXAMPLES], key="sql_example")
    if example != "—" and st.session_state.get("_sql_example_loaded") != example:
        st.session_state["sql_text"] = sqlconsole.EXAMPLES[example]
        st.session_state["_sql_example_loaded"] = example
    sql = st.text_area("Query", key="sql_text", height=220, placeholder="SELECT ... FROM orders ...")
    run_clicked = st.button("Run", type="primary")

if run_clicked:
    try:
        st.session_state["sql_result"] = sqlconsole.run(con, sql)
        st.session_state.pop("sql_error", None)
    except sqlconsole.QueryRefused as exc:
        st.session_state["sql_error"] = str(exc)
        st.session_state.pop("sql_result", None)

if "sql_error" in st.session_state:
    st.error(md(st.session_state["sql_error"]))
result = st.session_state.get("sql_result")
if result is not None:
    note = {"rows": " (row cap reached: add a LIMIT or filters)",
            "bytes": " (size cap reached: select fewer or narrower columns)"}.get(result.truncated_by, "")
    st.success(f"{len(result.frame):,} rows in {result.elapsed_s:.2f} s{note}.")
    st.dataframe(result.frame, hide_index=True, width="stretch")
    st.download_button("Download result (CSV)", downloads.csv(result.frame, "utf-8"),
                       file_name="ecomops_query.csv", mime="text/csv", on_click="ignore")
    x, ys = sqlconsole.chart_columns(result.frame)
    if x is not None and ys and len(result.frame) > 1:
        kind = st.radio("Chart", ["line", "bar"], horizontal=True, key="sql_chart_kind")
        builder = charts.line if kind == "line" else charts.bar
        figure = builder(result.frame, x, ys if kind == "line" else ys[0])
        st.plotly_chart(figure, width="stretch")
