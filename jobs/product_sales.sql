-- job: product_sales
-- description: Revenue and units by category and product group per month, top products, growth
-- sources: fraud_analysis, product_group_analytics
-- param: top_n = 20 -- products kept in top_products
-- output: hbase, kafka
--
-- Orders (fraud_analysis) give the e-commerce categories, revenue = total_amount, units =
-- quantity; shipment lines (product_group_analytics) give the pharmaceutical product groups,
-- revenue = line_item_value, units = units. Months are yyyy-MM of the order time or delivery date.

-- result: monthly_by_category
SELECT date_format(event_time, 'yyyy-MM') AS month, category,
       count(*) AS orders, sum(quantity) AS units, sum(total_amount) AS revenue
FROM fraud_analysis GROUP BY 1, 2 ORDER BY month, category;

-- result: monthly_by_group
SELECT date_format(delivered_date, 'yyyy-MM') AS month, product_group,
       count(*) AS lines, sum(units) AS units, sum(packs) AS packs,
       sum(line_item_value) AS revenue
FROM product_group_analytics GROUP BY 1, 2 ORDER BY month, product_group;

-- result: by_category
SELECT category, count(*) AS orders, sum(quantity) AS units, sum(total_amount) AS revenue,
       avg(total_amount) AS mean_order_value
FROM fraud_analysis GROUP BY category ORDER BY revenue DESC, category;

-- result: by_group
SELECT product_group, count(*) AS lines, sum(units) AS units, sum(line_item_value) AS revenue,
       avg(line_item_value) AS mean_line_value
FROM product_group_analytics GROUP BY product_group ORDER BY revenue DESC, product_group;

-- result: top_products
SELECT product_id, category, sub_category, orders, units, revenue
FROM (
  SELECT product_id, first(category) AS category, first(sub_category) AS sub_category,
         count(*) AS orders, sum(quantity) AS units, sum(total_amount) AS revenue,
         row_number() OVER (ORDER BY sum(total_amount) DESC, product_id) AS rank
  FROM fraud_analysis GROUP BY product_id
)
WHERE rank <= :top_n
ORDER BY revenue DESC, product_id;

-- view: monthly
SELECT date_format(event_time, 'yyyy-MM') AS month, sum(total_amount) AS revenue,
       sum(quantity) AS units
FROM fraud_analysis GROUP BY 1;

-- result: monthly_growth
-- Month-over-month change of order revenue; NULL for the first month.
SELECT month, revenue, units,
       lag(revenue) OVER (ORDER BY month) AS previous_revenue,
       revenue / nullif(lag(revenue) OVER (ORDER BY month), 0D) - 1D AS growth
FROM monthly ORDER BY month;

-- view: group_monthly
SELECT date_format(delivered_date, 'yyyy-MM') AS month, product_group,
       sum(line_item_value) AS revenue
FROM product_group_analytics GROUP BY 1, 2;

-- result: monthly_growth_by_group
SELECT month, product_group, revenue,
       revenue / nullif(lag(revenue) OVER (PARTITION BY product_group ORDER BY month), 0D) - 1D
         AS growth
FROM group_monthly ORDER BY product_group, month;

-- result: order_value_distribution
-- Orders and revenue per order-value bin (USD, lower bound inclusive).
SELECT bin, lower_usd, upper_usd, count(*) AS orders, sum(total_amount) AS revenue
FROM (
  SELECT total_amount,
         CASE WHEN total_amount < 10 THEN 0 WHEN total_amount < 25 THEN 1
              WHEN total_amount < 50 THEN 2 WHEN total_amount < 100 THEN 3
              WHEN total_amount < 250 THEN 4 WHEN total_amount < 500 THEN 5
              WHEN total_amount < 1000 THEN 6 ELSE 7 END AS bin
  FROM fraud_analysis
) JOIN (
  SELECT * FROM VALUES (0, 0D, 10D), (1, 10D, 25D), (2, 25D, 50D), (3, 50D, 100D),
    (4, 100D, 250D), (5, 250D, 500D), (6, 500D, 1000D), (7, 1000D, CAST(NULL AS DOUBLE))
    AS bins(bin, lower_usd, upper_usd)
) USING (bin)
GROUP BY bin, lower_usd, upper_usd ORDER BY bin;

-- result: order_value_quantiles
SELECT percentile(total_amount, 0.25D) AS p25, percentile(total_amount, 0.5D) AS median,
       percentile(total_amount, 0.75D) AS p75, percentile(total_amount, 0.9D) AS p90,
       percentile(total_amount, 0.99D) AS p99, avg(total_amount) AS mean
FROM fraud_analysis;
