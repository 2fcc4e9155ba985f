-- job: cost_optimization
-- description: Freight cost per kg by mode, country, vendor and weight band; lateness; savings
-- sources: freight_cost_analytics
-- param: max_extra_delay_days = 3.0 -- a cheaper mode may be this much slower on average
-- param: min_shipments = 3 -- modes seen fewer times in a country and weight band are not offered
-- param: top_vendors = 20 -- vendors kept in by_vendor, those with the most shipments first
-- output: hbase, kafka
--
-- cost_per_kg is total freight over total weight (a weighted mean); mean_cost_per_kg is the plain
-- mean of the shipments' own freight_cost_per_kg.

-- result: by_mode
SELECT shipment_mode, count(*) AS shipments,
       sum(weight_kg) AS weight_kg, sum(freight_cost_usd) AS freight_usd,
       sum(freight_cost_usd) / nullif(sum(weight_kg), 0D) AS cost_per_kg,
       avg(freight_cost_per_kg) AS mean_cost_per_kg,
       count_if(late) / count(*) AS late_rate,
       avg(delay_days) AS mean_delay_days
FROM freight_cost_analytics GROUP BY shipment_mode ORDER BY shipment_mode;

-- result: by_country
SELECT country, count(*) AS shipments,
       sum(weight_kg) AS weight_kg, sum(freight_cost_usd) AS freight_usd,
       sum(freight_cost_usd) / nullif(sum(weight_kg), 0D) AS cost_per_kg,
       avg(freight_cost_per_kg) AS mean_cost_per_kg,
       count_if(late) / count(*) AS late_rate
FROM freight_cost_analytics GROUP BY country ORDER BY country;

-- result: by_vendor
SELECT vendor, shipments, weight_kg, freight_usd, cost_per_kg, mean_cost_per_kg, late_rate
FROM (
  SELECT vendor, count(*) AS shipments,
         sum(weight_kg) AS weight_kg, sum(freight_cost_usd) AS freight_usd,
         sum(freight_cost_usd) / nullif(sum(weight_kg), 0D) AS cost_per_kg,
         avg(freight_cost_per_kg) AS mean_cost_per_kg,
         count_if(late) / count(*) AS late_rate,
         row_number() OVER (ORDER BY count(*) DESC, vendor) AS rank
  FROM freight_cost_analytics GROUP BY vendor
)
WHERE rank <= :top_vendors
ORDER BY vendor;

-- result: by_weight_band
SELECT weight_band, count(*) AS shipments,
       sum(weight_kg) AS weight_kg, sum(freight_cost_usd) AS freight_usd,
       sum(freight_cost_usd) / nullif(sum(weight_kg), 0D) AS cost_per_kg,
       avg(freight_cost_per_kg) AS mean_cost_per_kg
FROM freight_cost_analytics GROUP BY weight_band ORDER BY weight_band;

-- result: by_mode_and_weight_band
SELECT shipment_mode, weight_band, count(*) AS shipments,
       sum(freight_cost_usd) / nullif(sum(weight_kg), 0D) AS cost_per_kg,
       avg(delay_days) AS mean_delay_days
FROM freight_cost_analytics GROUP BY shipment_mode, weight_band
ORDER BY shipment_mode, weight_band;

-- view: lanes
-- What each mode costs and how late it is, per country and weight band.
SELECT country, weight_band, shipment_mode, count(*) AS shipments,
       sum(freight_cost_usd) / nullif(sum(weight_kg), 0D) AS cost_per_kg,
       avg(delay_days) AS mean_delay_days
FROM freight_cost_analytics GROUP BY country, weight_band, shipment_mode;

-- view: best
-- For each shipment, the cheapest mode of its lane whose mean delay is at most its own mode's
-- mean delay plus the allowance; its own mode always qualifies, so savings are never negative.
SELECT f.shipment_id, f.country, f.shipment_mode, f.freight_cost_usd, f.weight_kg,
       least(f.freight_cost_usd, f.weight_kg * min(alt.cost_per_kg)) AS best_cost_usd
FROM freight_cost_analytics f
JOIN lanes own
  ON own.country = f.country AND own.weight_band = f.weight_band
 AND own.shipment_mode = f.shipment_mode
JOIN lanes alt
  ON alt.country = f.country AND alt.weight_band = f.weight_band
 AND alt.shipments >= :min_shipments
 AND alt.mean_delay_days <= own.mean_delay_days + :max_extra_delay_days
GROUP BY f.shipment_id, f.country, f.shipment_mode, f.freight_cost_usd, f.weight_kg;

-- result: savings_by_country
SELECT country, count(*) AS shipments, sum(freight_cost_usd) AS freight_usd,
       sum(freight_cost_usd - best_cost_usd) AS savings_usd,
       sum(freight_cost_usd - best_cost_usd) / nullif(sum(freight_cost_usd), 0D) AS savings_share
FROM best GROUP BY country ORDER BY savings_usd DESC, country;

-- result: savings_by_mode
SELECT shipment_mode, count(*) AS shipments, sum(freight_cost_usd) AS freight_usd,
       sum(freight_cost_usd - best_cost_usd) AS savings_usd
FROM best GROUP BY shipment_mode ORDER BY shipment_mode;

-- result: savings_total
SELECT count(*) AS shipments_with_alternative,
       (SELECT count(*) FROM freight_cost_analytics) AS shipments,
       sum(freight_cost_usd) AS freight_usd,
       sum(freight_cost_usd - best_cost_usd) AS savings_usd,
       sum(freight_cost_usd - best_cost_usd) / nullif(sum(freight_cost_usd), 0D) AS savings_share
FROM best;
