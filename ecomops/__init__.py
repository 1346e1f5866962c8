"""ecomops: the domain package of the e-commerce operations dashboard (importable without Streamlit)."""

import os

# scikit-learn's OpenMP threads spin while waiting by default; on a busy 2-core server that turned a 2 s model fit
# into 100 s. Set before any module loads scikit-learn (churn, the review classifier).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__version__ = "0.1.0"
