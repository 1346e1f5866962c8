"""ecomops: the domain package of the e-commerce operations dashboard (importable without Streamlit)."""

__version__ = "0.1.0"
