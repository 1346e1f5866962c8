-- A hand-built store of two days (2024-03-04 Mon, 2024-03-05 Tue) and one day earlier (2024-03-03).
-- Hand-computed KPIs are in tests/test_metrics.py next to each assertion.
INSERT INTO products VALUES
  ('P1', 'Cup', NULL, 'Kitchen', 10.0, 4.0, DATE '2023-01-01', NULL),
  ('P2', 'Sleeve', NULL, 'Kitchen', 5.0, 1.0, DATE '2023-01-01', NULL),
  ('P3', 'Shirt', NULL, 'Apparel', 20.0, 8.0, DATE '2023-01-01', NULL);
INSERT INTO customers (customer_id, signup_date, channel, membership_tier) VALUES
  ('A', DATE '2024-01-01', 'search', 'gold'),
  ('B', DATE '2024-01-01', 'paid_ads', 'none'),
  ('C', DATE '2024-01-01', 'search', 'none'),
  ('D', DATE '2024-03-01', 'search', 'none');
INSERT INTO orders (order_id, customer_id, order_ts, order_date, status, channel, device) VALUES
  ('O1', 'A', TIMESTAMP '2024-03-04 10:00', DATE '2024-03-04', 'completed', 'search', 'app'),
  ('O2', 'A', TIMESTAMP '2024-03-05 11:00', DATE '2024-03-05', 'completed', 'search', 'app'),
  ('O3', 'B', TIMESTAMP '2024-03-04 12:00', DATE '2024-03-04', 'completed', 'paid_ads', 'pc'),
  ('O4', 'C', TIMESTAMP '2024-03-05 09:00', DATE '2024-03-05', 'cancelled', 'search', 'app'),
  ('O5', NULL, TIMESTAMP '2024-03-05 15:00', DATE '2024-03-05', 'completed', 'paid_ads', 'app'),
  ('O6', 'C', TIMESTAMP '2024-03-03 15:00', DATE '2024-03-03', 'returned', 'search', 'pc');
INSERT INTO order_items (order_id, line_no, product_id, quantity, unit_price) VALUES
  ('O1', 1, 'P1', 2, 10.0),   -- 20
  ('O1', 2, 'P2', 1, 5.0),    --  5
  ('O2', 1, 'P3', 1, 20.0),   -- 20
  ('O3', 1, 'P1', 1, 10.0),   -- 10
  ('O3', 2, 'P3', -1, 20.0),  -- negative quantity: not GMV
  ('O4', 1, 'P1', 5, 10.0),   -- cancelled: not GMV
  ('O5', 1, 'P2', 3, 5.0),    -- 15, guest
  ('O6', 1, 'P3', 2, 20.0);   -- 40 on 2024-03-03
INSERT INTO traffic_daily (day, channel, device, uv, pv, product_views, add_to_cart, checkouts) VALUES
  (DATE '2024-03-04', 'search', 'app', 40, 100, 60, 10, 4),
  (DATE '2024-03-04', 'paid_ads', 'pc', 10, 20, 12, 3, 2),
  (DATE '2024-03-05', 'search', 'app', 30, 90, 50, 8, 3),
  (DATE '2024-03-05', 'paid_ads', 'app', 20, 30, 15, 4, 2),
  (DATE '2024-03-03', 'search', 'pc', 25, 50, 20, 5, 2);
