"""The Streamlit-facing layer: shared sidebar, connection and cache wrappers. Only app.py and pages/ import it."""
