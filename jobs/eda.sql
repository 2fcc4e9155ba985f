-- job: eda
-- description: Row and null counts per field, numeric summaries, histograms, correlations
-- sources: fraud_analysis, pharmaceutical_supply_chain, freight_cost_analytics,
--   product_group_analytics
-- param: bins = 20 -- equal-width histogram bins between each field's minimum and maximum
-- output: hbase, kafka

-- result: row_counts
SELECT 'fraud_analysis' AS source, count(*) AS rows FROM fraud_analysis
UNION ALL SELECT 'pharmaceutical_supply_chain', count(*) FROM pharmaceutical_supply_chain
UNION ALL SELECT 'freight_cost_analytics', count(*) FROM freight_cost_analytics
UNION ALL SELECT 'product_group_analytics', count(*) FROM product_group_analytics;

-- result: null_counts
-- Every field of every topic: to_json keeps NULL fields when told to, and the map has one entry
-- per field, so the query needs no field list.
SELECT source, field, count(*) AS rows, count(*) - count(value) AS nulls
FROM (
  SELECT 'fraud_analysis' AS source, explode(from_json(to_json(struct(*),
         map('ignoreNullFields', 'false')), 'MAP<STRING, STRING>')) AS (field, value)
  FROM fraud_analysis
  UNION ALL
  SELECT 'pharmaceutical_supply_chain', explode(from_json(to_json(struct(*),
         map('ignoreNullFields', 'false')), 'MAP<STRING, STRING>'))
  FROM pharmaceutical_supply_chain
  UNION ALL
  SELECT 'freight_cost_analytics', explode(from_json(to_json(struct(*),
         map('ignoreNullFields', 'false')), 'MAP<STRING, STRING>'))
  FROM freight_cost_analytics
  UNION ALL
  SELECT 'product_group_analytics', explode(from_json(to_json(struct(*),
         map('ignoreNullFields', 'false')), 'MAP<STRING, STRING>'))
  FROM product_group_analytics
)
GROUP BY source, field ORDER BY source, field;

-- view: numeric
-- The numeric fields as (source, field, value) rows.
SELECT 'fraud_analysis' AS source, explode(
    map('unit_price', CAST(unit_price AS DOUBLE), 'quantity', CAST(quantity AS DOUBLE),
        'total_amount', CAST(total_amount AS DOUBLE),
        'customer_age', CAST(customer_age AS DOUBLE),
        'account_age_days', CAST(account_age_days AS DOUBLE),
        'hour_of_day', CAST(hour_of_day AS DOUBLE))) AS (field, value)
FROM fraud_analysis
UNION ALL
SELECT 'freight_cost_analytics', explode(
    map('weight_kg', CAST(weight_kg AS DOUBLE),
        'freight_cost_usd', CAST(freight_cost_usd AS DOUBLE),
        'freight_cost_per_kg', CAST(freight_cost_per_kg AS DOUBLE),
        'line_item_value', CAST(line_item_value AS DOUBLE),
        'delay_days', CAST(delay_days AS DOUBLE), 'insurance_usd', CAST(insurance_usd AS DOUBLE)))
FROM freight_cost_analytics
UNION ALL
SELECT 'product_group_analytics', explode(
    map('packs', CAST(packs AS DOUBLE), 'units', CAST(units AS DOUBLE),
        'line_item_value', CAST(line_item_value AS DOUBLE),
        'pack_price', CAST(pack_price AS DOUBLE), 'unit_price', CAST(unit_price AS DOUBLE)))
FROM product_group_analytics;

-- result: numeric_summary
SELECT source, field, count(value) AS count, avg(value) AS mean, stddev_samp(value) AS stddev,
       min(value) AS min, percentile(value, 0.5D) AS median, max(value) AS max
FROM numeric GROUP BY source, field ORDER BY source, field;

-- view: histogram_input
SELECT 'price' AS field, unit_price AS value FROM fraud_analysis
UNION ALL SELECT 'amount', total_amount FROM fraud_analysis
UNION ALL SELECT 'freight_cost', freight_cost_usd FROM freight_cost_analytics
UNION ALL SELECT 'weight', weight_kg FROM freight_cost_analytics;

-- result: histograms
-- Bin i covers [lower, upper); the maximum falls in the last bin.
SELECT h.field, h.bin, r.lo + h.bin * r.width AS lower, r.lo + (h.bin + 1) * r.width AS upper,
       h.count
FROM (
  SELECT i.field,
         least(CAST(floor((i.value - r.lo) / nullif(r.width, 0D)) AS INT), :bins - 1) AS bin,
         count(*) AS count
  FROM histogram_input i
  JOIN (SELECT field, min(value) AS lo, (max(value) - min(value)) / :bins AS width
        FROM histogram_input GROUP BY field) r USING (field)
  WHERE i.value IS NOT NULL
  GROUP BY 1, 2
) h
JOIN (SELECT field, min(value) AS lo, (max(value) - min(value)) / :bins AS width
      FROM histogram_input GROUP BY field) r USING (field)
ORDER BY h.field, h.bin;

-- result: correlation_orders
-- Pearson correlation of every pair, both orders and the diagonal, for a heatmap.
SELECT stack(49,
    'unit_price', 'quantity', c0,
    'quantity', 'unit_price', c0,
    'unit_price', 'total_amount', c1,
    'total_amount', 'unit_price', c1,
    'unit_price', 'customer_age', c2,
    'customer_age', 'unit_price', c2,
    'unit_price', 'account_age_days', c3,
    'account_age_days', 'unit_price', c3,
    'unit_price', 'hour_of_day', c4,
    'hour_of_day', 'unit_price', c4,
    'unit_price', 'fraud', c5,
    'fraud', 'unit_price', c5,
    'quantity', 'total_amount', c6,
    'total_amount', 'quantity', c6,
    'quantity', 'customer_age', c7,
    'customer_age', 'quantity', c7,
    'quantity', 'account_age_days', c8,
    'account_age_days', 'quantity', c8,
    'quantity', 'hour_of_day', c9,
    'hour_of_day', 'quantity', c9,
    'quantity', 'fraud', c10,
    'fraud', 'quantity', c10,
    'total_amount', 'customer_age', c11,
    'customer_age', 'total_amount', c11,
    'total_amount', 'account_age_days', c12,
    'account_age_days', 'total_amount', c12,
    'total_amount', 'hour_of_day', c13,
    'hour_of_day', 'total_amount', c13,
    'total_amount', 'fraud', c14,
    'fraud', 'total_amount', c14,
    'customer_age', 'account_age_days', c15,
    'account_age_days', 'customer_age', c15,
    'customer_age', 'hour_of_day', c16,
    'hour_of_day', 'customer_age', c16,
    'customer_age', 'fraud', c17,
    'fraud', 'customer_age', c17,
    'account_age_days', 'hour_of_day', c18,
    'hour_of_day', 'account_age_days', c18,
    'account_age_days', 'fraud', c19,
    'fraud', 'account_age_days', c19,
    'hour_of_day', 'fraud', c20,
    'fraud', 'hour_of_day', c20,
    'unit_price', 'unit_price', 1D,
    'quantity', 'quantity', 1D,
    'total_amount', 'total_amount', 1D,
    'customer_age', 'customer_age', 1D,
    'account_age_days', 'account_age_days', 1D,
    'hour_of_day', 'hour_of_day', 1D,
    'fraud', 'fraud', 1D
  ) AS (x, y, corr)
FROM (
SELECT
       corr(unit_price, quantity) AS c0,
       corr(unit_price, total_amount) AS c1,
       corr(unit_price, customer_age) AS c2,
       corr(unit_price, account_age_days) AS c3,
       corr(unit_price, hour_of_day) AS c4,
       corr(unit_price, fraud) AS c5,
       corr(quantity, total_amount) AS c6,
       corr(quantity, customer_age) AS c7,
       corr(quantity, account_age_days) AS c8,
       corr(quantity, hour_of_day) AS c9,
       corr(quantity, fraud) AS c10,
       corr(total_amount, customer_age) AS c11,
       corr(total_amount, account_age_days) AS c12,
       corr(total_amount, hour_of_day) AS c13,
       corr(total_amount, fraud) AS c14,
       corr(customer_age, account_age_days) AS c15,
       corr(customer_age, hour_of_day) AS c16,
       corr(customer_age, fraud) AS c17,
       corr(account_age_days, hour_of_day) AS c18,
       corr(account_age_days, fraud) AS c19,
       corr(hour_of_day, fraud) AS c20
FROM (SELECT *, CAST(is_fraud AS DOUBLE) AS fraud FROM fraud_analysis)
);

-- result: correlation_freight
-- Pearson correlation of every pair, both orders and the diagonal, for a heatmap.
SELECT stack(36,
    'weight_kg', 'freight_cost_usd', c0,
    'freight_cost_usd', 'weight_kg', c0,
    'weight_kg', 'freight_cost_per_kg', c1,
    'freight_cost_per_kg', 'weight_kg', c1,
    'weight_kg', 'line_item_value', c2,
    'line_item_value', 'weight_kg', c2,
    'weight_kg', 'delay_days', c3,
    'delay_days', 'weight_kg', c3,
    'weight_kg', 'insurance_usd', c4,
    'insurance_usd', 'weight_kg', c4,
    'freight_cost_usd', 'freight_cost_per_kg', c5,
    'freight_cost_per_kg', 'freight_cost_usd', c5,
    'freight_cost_usd', 'line_item_value', c6,
    'line_item_value', 'freight_cost_usd', c6,
    'freight_cost_usd', 'delay_days', c7,
    'delay_days', 'freight_cost_usd', c7,
    'freight_cost_usd', 'insurance_usd', c8,
    'insurance_usd', 'freight_cost_usd', c8,
    'freight_cost_per_kg', 'line_item_value', c9,
    'line_item_value', 'freight_cost_per_kg', c9,
    'freight_cost_per_kg', 'delay_days', c10,
    'delay_days', 'freight_cost_per_kg', c10,
    'freight_cost_per_kg', 'insurance_usd', c11,
    'insurance_usd', 'freight_cost_per_kg', c11,
    'line_item_value', 'delay_days', c12,
    'delay_days', 'line_item_value', c12,
    'line_item_value', 'insurance_usd', c13,
    'insurance_usd', 'line_item_value', c13,
    'delay_days', 'insurance_usd', c14,
    'insurance_usd', 'delay_days', c14,
    'weight_kg', 'weight_kg', 1D,
    'freight_cost_usd', 'freight_cost_usd', 1D,
    'freight_cost_per_kg', 'freight_cost_per_kg', 1D,
    'line_item_value', 'line_item_value', 1D,
    'delay_days', 'delay_days', 1D,
    'insurance_usd', 'insurance_usd', 1D
  ) AS (x, y, corr)
FROM (
SELECT
       corr(weight_kg, freight_cost_usd) AS c0,
       corr(weight_kg, freight_cost_per_kg) AS c1,
       corr(weight_kg, line_item_value) AS c2,
       corr(weight_kg, delay_days) AS c3,
       corr(weight_kg, insurance_usd) AS c4,
       corr(freight_cost_usd, freight_cost_per_kg) AS c5,
       corr(freight_cost_usd, line_item_value) AS c6,
       corr(freight_cost_usd, delay_days) AS c7,
       corr(freight_cost_usd, insurance_usd) AS c8,
       corr(freight_cost_per_kg, line_item_value) AS c9,
       corr(freight_cost_per_kg, delay_days) AS c10,
       corr(freight_cost_per_kg, insurance_usd) AS c11,
       corr(line_item_value, delay_days) AS c12,
       corr(line_item_value, insurance_usd) AS c13,
       corr(delay_days, insurance_usd) AS c14
FROM freight_cost_analytics
);
