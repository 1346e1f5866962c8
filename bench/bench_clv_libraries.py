"""Compare ecomops.users.btyd with lifetimes and PyMC-Marketing on the same simulated customers (fit time, parameters,
E[Y(365)] per customer). The libraries are not project dependencies: run this inside a throwaway venv that has
the one to compare (plus numpy/scipy/pandas), e.g.

    python -m venv /tmp/venv_lt && /tmp/venv_lt/bin/pip install lifetimes
    /tmp/venv_lt/bin/python bench/bench_clv_libraries.py lifetimes --customers 1000000
    python -m venv /tmp/venv_pm && /tmp/venv_pm/bin/pip install pymc-marketing
    /tmp/venv_pm/bin/python bench/bench_clv_libraries.py pymc-marketing --customers 1000000

The data are bench_clv.py's simulation (same seed), so the ecomops figures printed here match that script's.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ecomops.users import btyd  # noqa: E402

SIM_PARAMS = (0.3, 60.0, 0.7, 3.0)


def simulate(customers: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return bench_clv.py's simulated (x, t_x, T) in whole days."""
    rng = np.random.default_rng(seed)
    T = rng.integers(0, 731, customers).astype(float)
    x, t_x = btyd.simulate_bgnbd(*SIM_PARAMS, T, rng)
    return x, np.floor(t_x), T


def run_lifetimes(x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> tuple[dict, np.ndarray, tuple[float, float]]:
    from lifetimes import BetaGeoFitter
    started = time.perf_counter(), time.process_time()
    model = BetaGeoFitter().fit(x, t_x, T)
    elapsed = time.perf_counter() - started[0], time.process_time() - started[1]
    return model.params_.to_dict(), np.asarray(
        model.conditional_expected_number_of_purchases_up_to_time(365, x, t_x, T)), elapsed


def run_pymc_marketing(x: np.ndarray, t_x: np.ndarray, T: np.ndarray,
                       ) -> tuple[dict, np.ndarray, tuple[float, float]]:
    import pandas as pd
    from pymc_extras.prior import Prior
    from pymc_marketing.clv import BetaGeoModel
    data = pd.DataFrame({"customer_id": np.arange(x.size), "frequency": x, "recency": t_x, "T": T})
    flat = {name: Prior("HalfFlat") for name in ("r", "alpha", "a", "b")}  # MAP with flat priors = MLE
    started = time.perf_counter(), time.process_time()
    model = BetaGeoModel(data=data, model_config=flat)
    model.build_model()
    model.fit(method="map")
    elapsed = time.perf_counter() - started[0], time.process_time() - started[1]
    params = model.fit_summary().to_dict()
    return params, np.asarray(model.expected_purchases(future_t=365)).ravel(), elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("library", choices=["lifetimes", "pymc-marketing"])
    parser.add_argument("--customers", type=int, default=1_000_000)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    started = time.perf_counter()
    if args.library == "lifetimes":
        import lifetimes  # noqa: F401
    else:
        import pymc_marketing.clv  # noqa: F401
    import_s = time.perf_counter() - started
    x, t_x, T = simulate(args.customers)
    started = time.perf_counter(), time.process_time()
    ours = btyd.fit_bgnbd(x, t_x, T)
    ours_s = time.perf_counter() - started[0], time.process_time() - started[1]
    ours_y = btyd.conditional_expected_purchases(ours, 365, x, t_x, T)
    runner = run_lifetimes if args.library == "lifetimes" else run_pymc_marketing
    params, theirs_y, theirs_s = runner(x, t_x, T)
    print(f"{args.customers:,} customers; import {args.library} {import_s:.1f} s; load average "
          f"{os.getloadavg()[0]:.1f}")
    print(f"ecomops.users.btyd: fit {ours_s[0]:.1f} s wall, {ours_s[1]:.1f} s CPU; r={ours.r:.4f} alpha={ours.alpha:.3f} "
          f"a={ours.a:.4f} b={ours.b:.4f}")
    print(f"{args.library}: fit {theirs_s[0]:.1f} s wall, {theirs_s[1]:.1f} s CPU; "
          + " ".join(f"{k}={v:.4f}" for k, v in sorted(params.items())))
    print(f"E[Y(365)] per customer: max |difference| {np.abs(ours_y - theirs_y).max():.2e}, "
          f"mean {ours_y.mean():.5f} vs {theirs_y.mean():.5f}; peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
