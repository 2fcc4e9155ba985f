//! The report's figures: which insight becomes which chart, with its file name, caption, axis
//! labels and units. Pure functions of [`Insights`], so they are tested without servers.

use crate::charts::{
    BarChart, Bin, Chart, GroupedBarChart, Heatmap, Histogram, LineChart, SIZE, Series, Unit,
};

use super::data::{self, Insights};

/// One chart of the report and where it goes.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// File name without extension; the report writes `<stem>.png` and `<stem>.svg`.
    pub stem: &'static str,
    /// The job whose insights the chart shows.
    pub job: &'static str,
    /// One sentence under the chart in index.html: what it shows and how to read it.
    pub caption: &'static str,
    /// Picture size in pixels.
    pub size: (u32, u32),
    /// The chart itself.
    pub chart: Chart,
}

/// What a chart of `job` says when the job has no results yet.
pub fn hint(job: &str) -> String {
    format!("run `ecomflow submit {job}` (or `ecomflow run-jobs --all`)")
}

/// Largest number of bars in a horizontal ranking, so names stay readable.
const TOP_BARS: usize = 20;

/// Every figure of the report, in page order.
pub fn figures(insights: &Insights) -> Vec<Figure> {
    let mut out = fraud(insights);
    out.extend(cost(insights));
    out.extend(sales(insights));
    out.extend(eda(insights));
    out
}

fn fraud_share_bars(
    insights: &Insights,
    result: &str,
    column: &str,
    title: &str,
    axis: &str,
) -> Chart {
    let job = "fraud_detection";
    let mut bars = data::pairs(insights.result(job, result), column, "fraud_share", 100.0);
    if column == "account_age_band" || column == "age_band" {
        data::sort_by_leading_number(&mut bars);
    }
    BarChart {
        title: title.into(),
        category_axis: axis.into(),
        value_axis: "Fraud share (% of orders)".into(),
        bars,
        unit: Unit::Percent,
        horizontal: false,
        no_data_hint: Some(hint(job)),
    }
    .into()
}

fn fraud(insights: &Insights) -> Vec<Figure> {
    let job = "fraud_detection";
    let fig = |stem, caption, chart| Figure { stem, job, caption, size: SIZE, chart };
    let mut out = vec![
        fig(
            "fraud-by-category",
            "Share of orders that were fraudulent, per product category.",
            fraud_share_bars(
                insights,
                "by_category",
                "category",
                "Fraud share by category",
                "Category",
            ),
        ),
        fig(
            "fraud-by-payment-method",
            "Share of fraudulent orders per payment method.",
            fraud_share_bars(
                insights,
                "by_payment_method",
                "payment_method",
                "Fraud share by payment method",
                "Payment method",
            ),
        ),
        fig(
            "fraud-by-device",
            "Share of fraudulent orders per device the order was placed from.",
            fraud_share_bars(insights, "by_device", "device", "Fraud share by device", "Device"),
        ),
        fig(
            "fraud-by-age-band",
            "Share of fraudulent orders per customer age band (years).",
            fraud_share_bars(
                insights,
                "by_age_band",
                "age_band",
                "Fraud share by customer age",
                "Customer age band (years)",
            ),
        ),
        fig(
            "fraud-by-account-age",
            "Share of fraudulent orders per account age band: new accounts are riskier.",
            fraud_share_bars(
                insights,
                "by_account_age",
                "account_age_band",
                "Fraud share by account age",
                "Account age band (days)",
            ),
        ),
        fig(
            "fraud-by-hour",
            "Share of fraudulent orders per hour of day the order was placed (0-23).",
            fraud_share_bars(
                insights,
                "by_hour",
                "hour_of_day",
                "Fraud share by hour of day",
                "Hour of day",
            ),
        ),
    ];

    let daily = insights.result(job, "daily_trend");
    let (days, shares): (Vec<String>, Vec<f64>) =
        data::pairs(daily, "day", "fraud_share", 100.0).into_iter().unzip();
    let orders: Vec<f64> =
        data::pairs(daily, "day", "orders", 1.0).into_iter().map(|p| p.1).collect();
    let frauds: Vec<f64> =
        data::pairs(daily, "day", "frauds", 1.0).into_iter().map(|p| p.1).collect();
    out.push(fig(
        "fraud-daily-trend",
        "Share of fraudulent orders per order date, and over the 7 days up to each date \
         (frauds over orders), which evens out days with few orders.",
        LineChart {
            title: "Daily fraud share".into(),
            x_label: "Order date".into(),
            y_label: "Fraud share (% of orders)".into(),
            x: days,
            series: vec![
                Series { name: "daily".into(), values: shares },
                Series { name: "7-day".into(), values: rolling_share(&frauds, &orders, 7) },
            ],
            unit: Unit::Percent,
            no_data_hint: Some(hint(job)),
        }
        .into(),
    ));

    let risk = insights.result(job, "risk_score");
    let column = |name: &str| -> Vec<f64> {
        data::pairs(risk, "threshold", name, 100.0).into_iter().map(|(_, v)| v).collect()
    };
    let thresholds: Vec<String> = data::pairs(risk, "threshold", "threshold", 1.0)
        .into_iter()
        .map(|(_, t)| format!("score ≥ {t:.1}"))
        .collect();
    out.push(fig(
        "fraud-risk-score",
        "Precision, recall and F1 of the rule-based risk score when orders at or above each \
         threshold are flagged: a higher threshold flags fewer orders, more of them fraud.",
        GroupedBarChart {
            title: "Risk score: precision and recall by threshold".into(),
            category_axis: "Flagging threshold".into(),
            value_axis: "Percent".into(),
            categories: thresholds,
            series: vec![
                Series { name: "precision".into(), values: column("precision") },
                Series { name: "recall".into(), values: column("recall") },
                Series { name: "F1".into(), values: column("f1") },
            ],
            unit: Unit::Percent,
            no_data_hint: Some(hint(job)),
        }
        .into(),
    ));
    out
}

/// Frauds over orders in the `window` rows up to each row, in percent; NaN without orders.
///
/// Rows are days with orders; a day without any has no row, so near such gaps the window
/// spans more than `window` calendar days.
fn rolling_share(frauds: &[f64], orders: &[f64], window: usize) -> Vec<f64> {
    (0..orders.len().min(frauds.len()))
        .map(|i| {
            let from = (i + 1).saturating_sub(window);
            let pairs = frauds[from..=i].iter().zip(&orders[from..=i]);
            let (f, o) = pairs
                .filter(|(f, o)| f.is_finite() && o.is_finite())
                .fold((0.0, 0.0), |(sf, so), (f, o)| (sf + f, so + o));
            if o > 0.0 { f / o * 100.0 } else { f64::NAN }
        })
        .collect()
}

fn cost(insights: &Insights) -> Vec<Figure> {
    let job = "cost_optimization";
    let fig = |stem, caption, chart| Figure { stem, job, caption, size: SIZE, chart };
    let by_mode = insights.result(job, "by_mode");
    let mut savings =
        data::pairs(insights.result(job, "savings_by_country"), "country", "savings_usd", 1.0);
    savings.truncate(TOP_BARS);
    vec![
        fig(
            "freight-cost-per-kg-by-mode",
            "Freight cost per kilogram (total freight over total weight) per shipment mode.",
            BarChart {
                title: "Freight cost per kg by shipment mode".into(),
                category_axis: "Shipment mode".into(),
                value_axis: "Freight cost (USD per kg)".into(),
                bars: data::pairs(by_mode, "shipment_mode", "cost_per_kg", 1.0),
                unit: Unit::Number,
                horizontal: false,
                no_data_hint: Some(hint(job)),
            }
            .into(),
        ),
        fig(
            "late-delivery-by-mode",
            "Share of shipments delivered after their scheduled date, per shipment mode.",
            BarChart {
                title: "Late deliveries by shipment mode".into(),
                category_axis: "Shipment mode".into(),
                value_axis: "Late deliveries (% of shipments)".into(),
                bars: data::pairs(by_mode, "shipment_mode", "late_rate", 100.0),
                unit: Unit::Percent,
                horizontal: false,
                no_data_hint: Some(hint(job)),
            }
            .into(),
        ),
        fig(
            "savings-by-country",
            "Estimated freight savings per destination country if each shipment had used the \
             cheapest mode of its lane that is not much slower (largest first, top 20).",
            BarChart {
                title: "Estimated freight savings by country".into(),
                category_axis: "Country".into(),
                value_axis: "Estimated savings (USD)".into(),
                bars: savings,
                unit: Unit::Number,
                horizontal: true,
                no_data_hint: Some(hint(job)),
            }
            .into(),
        ),
    ]
}

fn monthly_revenue(insights: &Insights, result: &str, column: &str, title: &str) -> Chart {
    let job = "product_sales";
    let (months, lines) = data::pivot(insights.result(job, result), "month", column, "revenue");
    LineChart {
        title: title.into(),
        x_label: "Month".into(),
        y_label: "Revenue (USD)".into(),
        x: months,
        series: lines.into_iter().map(|(name, values)| Series { name, values }).collect(),
        unit: Unit::Number,
        no_data_hint: Some(hint(job)),
    }
    .into()
}

fn sales(insights: &Insights) -> Vec<Figure> {
    let job = "product_sales";
    let fig = |stem, caption, chart| Figure { stem, job, caption, size: SIZE, chart };
    let top: Vec<(String, f64)> = insights
        .result(job, "top_products")
        .map(|rs| {
            rs.rows
                .iter()
                .enumerate()
                .take(TOP_BARS)
                .map(|(i, _)| {
                    let text = |c: &str| rs.get(i, c).map(data::label).unwrap_or_default();
                    let revenue = rs.get(i, "revenue").map(data::num).unwrap_or(f64::NAN);
                    (format!("{} ({})", text("product_id"), text("category")), revenue)
                })
                .collect()
        })
        .unwrap_or_default();
    vec![
        fig(
            "revenue-monthly-by-category",
            "Order revenue per month for each product category.",
            monthly_revenue(
                insights,
                "monthly_by_category",
                "category",
                "Monthly revenue by category",
            ),
        ),
        fig(
            "revenue-monthly-by-group",
            "Shipment line value per delivery month for each pharmaceutical product group.",
            monthly_revenue(
                insights,
                "monthly_by_group",
                "product_group",
                "Monthly revenue by product group",
            ),
        ),
        fig(
            "top-products",
            "The products with the most order revenue, largest first (category in brackets).",
            BarChart {
                title: "Top products by revenue".into(),
                category_axis: "Product".into(),
                value_axis: "Revenue (USD)".into(),
                bars: top,
                unit: Unit::Number,
                horizontal: true,
                no_data_hint: Some(hint(job)),
            }
            .into(),
        ),
    ]
}

fn histogram(insights: &Insights, field: &str, title: &str, x: &str, y: &str) -> Chart {
    let job = "eda";
    let bins = insights
        .result(job, "histograms")
        .map(|rs| {
            (0..rs.rows.len())
                .filter(|&i| rs.get(i, "field").and_then(|v| v.as_str()) == Some(field))
                .map(|i| {
                    let n = |c: &str| rs.get(i, c).map(data::num).unwrap_or(f64::NAN);
                    Bin { lower: n("lower"), upper: n("upper"), count: n("count") }
                })
                .collect()
        })
        .unwrap_or_default();
    Histogram {
        title: title.into(),
        x_label: x.into(),
        y_label: y.into(),
        bins,
        no_data_hint: Some(hint(job)),
    }
    .into()
}

fn heatmap(insights: &Insights, result: &str, title: &str) -> Chart {
    let (labels, values) = data::matrix(insights.result("eda", result));
    Heatmap {
        title: title.into(),
        x_labels: labels.clone(),
        y_labels: labels,
        values,
        range: (-1.0, 1.0),
        scale_label: "Pearson r".into(),
        no_data_hint: Some(hint("eda")),
    }
    .into()
}

fn eda(insights: &Insights) -> Vec<Figure> {
    let fig = |stem, caption, chart| Figure { stem, job: "eda", caption, size: SIZE, chart };
    let square =
        |stem, caption, chart| Figure { stem, job: "eda", caption, size: (1000, 800), chart };
    vec![
        fig(
            "eda-histogram-price",
            "Distribution of order unit prices.",
            histogram(insights, "price", "Unit price distribution", "Unit price (USD)", "Orders"),
        ),
        fig(
            "eda-histogram-amount",
            "Distribution of order totals.",
            histogram(
                insights,
                "amount",
                "Order total distribution",
                "Order total (USD)",
                "Orders",
            ),
        ),
        fig(
            "eda-histogram-freight-cost",
            "Distribution of freight cost per shipment.",
            histogram(
                insights,
                "freight_cost",
                "Freight cost distribution",
                "Freight cost (USD)",
                "Shipments",
            ),
        ),
        fig(
            "eda-histogram-weight",
            "Distribution of shipment weights.",
            histogram(
                insights,
                "weight",
                "Shipment weight distribution",
                "Weight (kg)",
                "Shipments",
            ),
        ),
        square(
            "eda-correlation-orders",
            "Pearson correlation between the numeric order fields and the fraud flag.",
            heatmap(insights, "correlation_orders", "Correlation of order fields"),
        ),
        square(
            "eda-correlation-freight",
            "Pearson correlation between the numeric freight fields.",
            heatmap(insights, "correlation_freight", "Correlation of freight fields"),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rolling_share_sums_frauds_and_orders_over_the_window() {
        let frauds = [1.0, 0.0, 3.0, f64::NAN];
        let orders = [10.0, 0.0, 10.0, 5.0];
        let r = rolling_share(&frauds, &orders, 2);
        assert_eq!(r[0], 10.0);
        assert_eq!(r[1], 10.0);
        assert_eq!(r[2], 30.0);
        // The last day's frauds are unknown, so only the day before counts.
        assert_eq!(r[3], 30.0);
        assert!(rolling_share(&[0.0], &[0.0], 7)[0].is_nan());
    }

    #[test]
    fn every_figure_has_a_unique_stem_and_says_no_data_without_insights() {
        let figs = figures(&Insights::default());
        assert_eq!(figs.len(), 20);
        let mut stems: Vec<&str> = figs.iter().map(|f| f.stem).collect();
        stems.sort();
        stems.dedup();
        assert_eq!(stems.len(), 20);
        for f in &figs {
            assert!(!f.chart.has_data(), "{} has data without insights", f.stem);
            assert!(f.stem.starts_with(match f.job {
                "fraud_detection" => "fraud-",
                "eda" => "eda-",
                _ => "",
            }));
        }
    }
}
