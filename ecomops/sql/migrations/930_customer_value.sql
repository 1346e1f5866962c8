-- 930: predicted customer value (BG/NBD + Gamma-Gamma, ecomops/users/value.py, docs/clv.md) as of the last day of
-- data, stored by the derived-table mechanism (derived.CUSTOMER_VALUE) after every data change, so the Customers
-- page, `clv score` and the monthly review read them. Never edit by hand: everything follows from the order data.
-- users_clv_fit: one row, the fit (parameters as JSON, btyd.BgNbdFit / GammaGammaFit) or why there is none.
CREATE TABLE IF NOT EXISTS users_clv_fit (
    as_of            DATE,
    status           VARCHAR NOT NULL,  -- fitted | too_few_repeat_customers | no_orders
    customers        BIGINT NOT NULL,   -- buyers with a valid order on or before as_of
    repeat_customers BIGINT NOT NULL,   -- of them, with purchases on two or more days
    bgnbd            VARCHAR,           -- BgNbdFit.to_json()
    gamma_gamma      VARCHAR,           -- GammaGammaFit.to_json()
    fit_seconds      DOUBLE
);
-- users_customer_value: one row per buyer key, as of users_clv_fit.as_of (empty unless status = 'fitted').
CREATE TABLE IF NOT EXISTS users_customer_value (
    ckey                INTEGER NOT NULL,
    x                   INTEGER NOT NULL,  -- repeat purchase days
    t_x                 INTEGER NOT NULL,  -- days from the first to the last purchase day
    T                   INTEGER NOT NULL,  -- days from the first purchase day to as_of
    mean_spend          DOUBLE,            -- mean GMV of the repeat purchase days (NULL without a repeat)
    p_alive             DOUBLE NOT NULL,
    expected_orders_30  DOUBLE NOT NULL,
    expected_orders_90  DOUBLE NOT NULL,
    expected_orders_365 DOUBLE NOT NULL,
    p_order_365         DOUBLE NOT NULL,
    expected_spend      DOUBLE NOT NULL,
    value_365           DOUBLE NOT NULL,
    next_order_date     DATE               -- NULL = unlikely to buy again within a year
);
-- users_clv_weekly: 7-day periods ending on as_of (past) and starting the day after (future, 52 of them): actual
-- repeat orders and their GMV (past), and what the model expects (past: the tracking curve; future: the forecast).
CREATE TABLE IF NOT EXISTS users_clv_weekly (
    period_start     DATE NOT NULL,
    period_end       DATE NOT NULL,
    future           BOOLEAN NOT NULL,
    actual_orders    DOUBLE,
    actual_revenue   DOUBLE,
    expected_orders  DOUBLE NOT NULL,
    expected_revenue DOUBLE NOT NULL
);
CREATE TABLE IF NOT EXISTS users_customer_value_state (
    fingerprint VARCHAR NOT NULL,
    built_at    TIMESTAMP NOT NULL DEFAULT current_timestamp
);
