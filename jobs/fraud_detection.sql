-- job: fraud_detection
-- description: Fraud share by order, customer and time dimensions; daily trend; risk score
-- sources: fraud_analysis
-- param: min_orders = 1 -- groups with fewer orders are left out of the by_* results
-- param: top_cities = 25 -- cities kept in by_city, those with the most orders first
-- param: high_amount = 500.0 -- order total (USD) above which the risk score adds its amount rule
-- param: new_account_days = 30 -- accounts younger than this many days count as new
-- output: hbase, kafka
--
-- Every by_* result has the same columns: the dimension, orders, frauds, fraud_share (frauds /
-- orders), total_amount and mean_amount (USD), sorted by the dimension.

-- view: orders
SELECT *,
       CAST(is_fraud AS INT) AS fraud,
       CASE WHEN customer_age < 25 THEN '18-24'
            WHEN customer_age < 35 THEN '25-34'
            WHEN customer_age < 45 THEN '35-44'
            WHEN customer_age < 55 THEN '45-54'
            WHEN customer_age < 65 THEN '55-64'
            ELSE '65+' END AS age_band,
       CASE WHEN account_age_days < 30 THEN '0-29d'
            WHEN account_age_days < 180 THEN '30-179d'
            WHEN account_age_days < 365 THEN '180-364d'
            ELSE '365d+' END AS account_age_band
FROM fraud_analysis;

-- result: overview
SELECT count(*) AS orders,
       sum(fraud) AS frauds,
       sum(fraud) / nullif(count(*), 0) AS fraud_share,
       sum(total_amount) AS total_amount,
       avg(total_amount) AS mean_amount,
       sum(CASE WHEN is_fraud THEN total_amount ELSE 0D END) AS fraud_amount
FROM orders;

-- result: by_category
SELECT category, count(*) AS orders, sum(fraud) AS frauds, sum(fraud) / count(*) AS fraud_share,
       sum(total_amount) AS total_amount, avg(total_amount) AS mean_amount
FROM orders GROUP BY category HAVING count(*) >= :min_orders ORDER BY category;

-- result: by_payment_method
SELECT payment_method, count(*) AS orders, sum(fraud) AS frauds,
       sum(fraud) / count(*) AS fraud_share,
       sum(total_amount) AS total_amount, avg(total_amount) AS mean_amount
FROM orders GROUP BY payment_method HAVING count(*) >= :min_orders ORDER BY payment_method;

-- result: by_device
SELECT device, count(*) AS orders, sum(fraud) AS frauds, sum(fraud) / count(*) AS fraud_share,
       sum(total_amount) AS total_amount, avg(total_amount) AS mean_amount
FROM orders GROUP BY device HAVING count(*) >= :min_orders ORDER BY device;

-- result: by_age_band
SELECT age_band, count(*) AS orders, sum(fraud) AS frauds, sum(fraud) / count(*) AS fraud_share,
       sum(total_amount) AS total_amount, avg(total_amount) AS mean_amount
FROM orders GROUP BY age_band HAVING count(*) >= :min_orders ORDER BY age_band;

-- result: by_income_band
SELECT income_band, count(*) AS orders, sum(fraud) AS frauds,
       sum(fraud) / count(*) AS fraud_share,
       sum(total_amount) AS total_amount, avg(total_amount) AS mean_amount
FROM orders GROUP BY income_band HAVING count(*) >= :min_orders ORDER BY income_band;

-- result: by_account_age
SELECT account_age_band, count(*) AS orders, sum(fraud) AS frauds,
       sum(fraud) / count(*) AS fraud_share,
       sum(total_amount) AS total_amount, avg(total_amount) AS mean_amount
FROM orders GROUP BY account_age_band HAVING count(*) >= :min_orders ORDER BY account_age_band;

-- result: by_city
SELECT city, orders, frauds, fraud_share, total_amount, mean_amount
FROM (
  SELECT city, count(*) AS orders, sum(fraud) AS frauds, sum(fraud) / count(*) AS fraud_share,
         sum(total_amount) AS total_amount, avg(total_amount) AS mean_amount,
         row_number() OVER (ORDER BY count(*) DESC, city) AS rank
  FROM orders GROUP BY city HAVING count(*) >= :min_orders
)
WHERE rank <= :top_cities
ORDER BY city;

-- result: by_hour
SELECT hour_of_day, count(*) AS orders, sum(fraud) AS frauds,
       sum(fraud) / count(*) AS fraud_share,
       sum(total_amount) AS total_amount, avg(total_amount) AS mean_amount
FROM orders GROUP BY hour_of_day ORDER BY hour_of_day;

-- result: daily_trend
SELECT to_date(event_time) AS day, count(*) AS orders, sum(fraud) AS frauds,
       sum(fraud) / count(*) AS fraud_share, sum(total_amount) AS total_amount
FROM orders GROUP BY to_date(event_time) ORDER BY day;

-- view: scored
-- The risk score adds a weight per rule that fires; weights sum to 1.
SELECT fraud,
       0.30D * CAST(ip_country_mismatch AS INT)
     + 0.25D * CAST(shipping_billing_mismatch AS INT)
     + 0.20D * CAST(account_age_days < :new_account_days AS INT)
     + 0.15D * CAST(total_amount > :high_amount AS INT)
     + 0.10D * CAST(hour_of_day < 6 AS INT) AS risk_score
FROM orders;

-- result: risk_score
-- Orders at or above the threshold are flagged; precision, recall and F1 against is_fraud.
SELECT threshold, flagged, true_positives, false_positives, false_negatives,
       true_positives / nullif(flagged, 0) AS precision,
       true_positives / nullif(true_positives + false_negatives, 0) AS recall,
       2D * true_positives / nullif(flagged + true_positives + false_negatives, 0) AS f1
FROM (
  SELECT t.threshold,
         count_if(s.risk_score >= t.threshold - 1e-9) AS flagged,
         count_if(s.risk_score >= t.threshold - 1e-9 AND s.fraud = 1) AS true_positives,
         count_if(s.risk_score >= t.threshold - 1e-9 AND s.fraud = 0) AS false_positives,
         count_if(s.risk_score < t.threshold - 1e-9 AND s.fraud = 1) AS false_negatives
  FROM scored s CROSS JOIN (SELECT explode(array(0.2D, 0.4D, 0.5D, 0.6D, 0.8D)) AS threshold) t
  GROUP BY t.threshold
)
ORDER BY threshold;
