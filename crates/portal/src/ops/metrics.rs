//! Prometheus metrics in the text exposition format (version 0.0.4), written by hand: request
//! counts and latency histograms by method, route template and status (the route as routed,
//! `MatchedPath`, never the raw path, so a path full of IDs cannot explode the series), and at
//! scrape time the queue's jobs by kind and state and the decisions by outcome from the database.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

#[derive(Debug, Default, Clone)]
struct Series {
    count: u64,
    sum_seconds: f64,
    /// Observations at or under each bound of [`BUCKETS`] (cumulative when written).
    buckets: [u64; BUCKETS.len()],
}

/// A series of the request metrics: method, route template, status.
type SeriesKey = (String, String, u16);

/// The process's request metrics. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Metrics {
    /// (method, route, status) -> counts and latencies.
    requests: Arc<Mutex<BTreeMap<SeriesKey, Series>>>,
}

impl Metrics {
    pub fn new() -> Metrics {
        Metrics::default()
    }

    /// Counts one answered request.
    pub fn observe(&self, method: &str, route: &str, status: u16, latency: Duration) {
        let seconds = latency.as_secs_f64();
        let mut requests = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        let series = requests.entry((method.to_owned(), route.to_owned(), status)).or_default();
        series.count += 1;
        series.sum_seconds += seconds;
        if let Some(i) = BUCKETS.iter().position(|bound| seconds <= *bound) {
            series.buckets[i] += 1;
        }
    }

    /// The request metrics as exposition text.
    pub fn render_requests(&self, out: &mut String) {
        let requests = self.requests.lock().unwrap_or_else(|e| e.into_inner()).clone();
        out.push_str(
            "# HELP pocket_http_requests_total HTTP requests answered, by route template.\n",
        );
        out.push_str("# TYPE pocket_http_requests_total counter\n");
        for ((method, route, status), s) in &requests {
            let _ = writeln!(
                out,
                "pocket_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {}",
                escape(method),
                escape(route),
                s.count
            );
        }
        // The histogram is by method and route; statuses are summed into it.
        let mut by_route: BTreeMap<(&str, &str), Series> = BTreeMap::new();
        for ((method, route, _), s) in &requests {
            let total = by_route.entry((method, route)).or_default();
            total.count += s.count;
            total.sum_seconds += s.sum_seconds;
            for (t, b) in total.buckets.iter_mut().zip(s.buckets) {
                *t += b;
            }
        }
        out.push_str(
            "# HELP pocket_http_request_duration_seconds Time to answer, by route template.\n",
        );
        out.push_str("# TYPE pocket_http_request_duration_seconds histogram\n");
        for ((method, route), s) in &by_route {
            let labels = format!("method=\"{}\",route=\"{}\"", escape(method), escape(route));
            let mut cumulative = 0;
            for (bound, n) in BUCKETS.iter().zip(s.buckets) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "pocket_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "pocket_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "pocket_http_request_duration_seconds_sum{{{labels}}} {}",
                s.sum_seconds
            );
            let _ =
                writeln!(out, "pocket_http_request_duration_seconds_count{{{labels}}} {}", s.count);
        }
    }
}

/// The queue by kind and state, as exposition text.
pub fn render_jobs(out: &mut String, jobs: &[pocket_store::api_audit::JobCount]) {
    out.push_str("# HELP pocket_jobs Jobs in the queue table, by kind and state.\n");
    out.push_str("# TYPE pocket_jobs gauge\n");
    for j in jobs {
        let _ = writeln!(
            out,
            "pocket_jobs{{kind=\"{}\",state=\"{}\"}} {}",
            escape(&j.kind),
            escape(&j.status),
            j.count
        );
    }
}

/// Decisions recorded, by outcome, as exposition text.
pub fn render_decisions(out: &mut String, decisions: &[(String, i64)]) {
    out.push_str("# HELP pocket_decisions Credit decisions recorded, by outcome.\n");
    out.push_str("# TYPE pocket_decisions gauge\n");
    for (outcome, count) in decisions {
        let _ = writeln!(out, "pocket_decisions{{outcome=\"{}\"}} {count}", escape(outcome));
    }
}

/// A label value as the exposition format quotes it.
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_counted_and_bucketed_cumulatively() {
        let m = Metrics::new();
        m.observe("GET", "/api/v1/quote", 200, Duration::from_millis(3));
        m.observe("GET", "/api/v1/quote", 422, Duration::from_millis(30));
        let mut out = String::new();
        m.render_requests(&mut out);
        assert!(out.contains(
            "pocket_http_requests_total{method=\"GET\",route=\"/api/v1/quote\",status=\"200\"} 1"
        ));
        assert!(out.contains(
            "pocket_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/quote\",le=\"0.005\"} 1"
        ));
        assert!(out.contains(
            "pocket_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/quote\",le=\"0.05\"} 2"
        ));
        assert!(out.contains(
            "pocket_http_request_duration_seconds_count{method=\"GET\",route=\"/api/v1/quote\"} 2"
        ));
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
