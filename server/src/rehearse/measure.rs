//! What a rehearsal measures: per action, how many succeeded, the failures by kind, and the
//! latencies in a `Histogram` (log-linear buckets, within 1.6 %, lock-free so ten thousand
//! contestants record without waiting on each other); the `Report` rendered as a table or
//! JSON.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::text_table::{Align, TextTable};

/// Values below this many microseconds have a bucket each; above, 64 buckets per doubling.
const LINEAR_MICROS: u64 = 64;
const BUCKETS: usize = 64 + 58 * 64;

/// Latencies in microseconds.
pub struct Histogram {
    buckets: Box<[AtomicU64]>,
    max: AtomicU64,
}

impl Default for Histogram {
    fn default() -> Histogram {
        Histogram {
            buckets: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
            max: AtomicU64::new(0),
        }
    }
}

fn bucket_of(micros: u64) -> usize {
    if micros < LINEAR_MICROS {
        return micros as usize;
    }
    let exponent = 63 - u64::from(micros.leading_zeros()); // ≥ 6
    let mantissa = (micros >> (exponent - 6)) & 63;
    (64 + (exponent - 6) * 64 + mantissa) as usize
}

/// The middle of a bucket's range, in microseconds.
fn value_of(bucket: usize) -> u64 {
    let bucket = bucket as u64;
    if bucket < LINEAR_MICROS {
        return bucket;
    }
    let exponent = (bucket - 64) / 64 + 6;
    let mantissa = (bucket - 64) % 64;
    let low = (64 + mantissa) << (exponent - 6);
    let width = 1u64 << (exponent - 6);
    low + width / 2
}

impl Histogram {
    pub fn record(&self, latency: Duration) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        let bucket = bucket_of(micros).min(BUCKETS - 1);
        self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        self.max.fetch_max(micros, Ordering::Relaxed);
    }

    pub fn count(&self) -> u64 {
        self.buckets.iter().map(|b| b.load(Ordering::Relaxed)).sum()
    }

    /// p50, p95, p99 and the maximum, in milliseconds; `None` when nothing was recorded.
    pub fn percentiles(&self) -> Option<Percentiles> {
        let counts: Vec<u64> = self
            .buckets
            .iter()
            .map(|b| b.load(Ordering::Relaxed))
            .collect();
        let total: u64 = counts.iter().sum();
        if total == 0 {
            return None;
        }
        let max = self.max.load(Ordering::Relaxed);
        let at = |quantile: f64| {
            let rank = ((quantile * total as f64).ceil() as u64).clamp(1, total);
            let mut seen = 0;
            for (bucket, count) in counts.iter().enumerate() {
                seen += count;
                if seen >= rank {
                    return value_of(bucket).min(max);
                }
            }
            max
        };
        let ms = |micros: u64| micros as f64 / 1000.0;
        Some(Percentiles {
            p50_ms: ms(at(0.50)),
            p95_ms: ms(at(0.95)),
            p99_ms: ms(at(0.99)),
            max_ms: ms(max),
        })
    }
}

#[derive(Clone, Copy, Debug, Serialize)]
pub struct Percentiles {
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

/// One action of the rehearsal (register, start, answer, submit, …).
#[derive(Default)]
pub struct Action {
    latencies: Histogram,
    failures: Mutex<BTreeMap<String, u64>>,
    /// Microseconds after the rehearsal began of the first and last success.
    first_micros: AtomicU64,
    last_micros: AtomicU64,
}

impl Action {
    pub fn new() -> Action {
        Action {
            first_micros: AtomicU64::new(u64::MAX),
            ..Action::default()
        }
    }

    /// A success that took `latency`, ending now.
    pub fn succeeded(&self, began: Instant, latency: Duration) {
        self.latencies.record(latency);
        let at = u64::try_from(began.elapsed().as_micros()).unwrap_or(u64::MAX);
        self.first_micros.fetch_min(at, Ordering::Relaxed);
        self.last_micros.fetch_max(at, Ordering::Relaxed);
    }

    /// A failure of this kind (`503 queued`, `timeout`, …).
    pub fn failed(&self, kind: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        *failures.entry(kind.to_owned()).or_default() += 1;
    }

    pub fn successes(&self) -> u64 {
        self.latencies.count()
    }

    pub fn failures(&self) -> u64 {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .sum()
    }

    fn summary(&self) -> ActionSummary {
        let ok = self.latencies.count();
        let first = self.first_micros.load(Ordering::Relaxed);
        let last = self.last_micros.load(Ordering::Relaxed);
        // Successes per second between the first and the last one.
        let per_second =
            (ok > 1 && last > first).then(|| (ok - 1) as f64 / ((last - first) as f64 / 1e6));
        ActionSummary {
            ok,
            errors: self
                .failures
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone(),
            latency: self.latencies.percentiles(),
            per_second,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ActionSummary {
    pub ok: u64,
    pub errors: BTreeMap<String, u64>,
    pub latency: Option<Percentiles>,
    pub per_second: Option<f64>,
}

/// Every action a rehearsal measures, in the order of a contestant's day.
pub struct Measures {
    pub began: Instant,
    /// Each registration request (a queued reply is a failure of kind `503 queued`).
    pub register: Action,
    /// From the first registration request to the admitted one, queueing included.
    pub register_admitted: Action,
    pub start: Action,
    pub answer: Action,
    pub submit: Action,
    pub viewer_connect: Action,
    /// A board frame's delay after the newest submission it contains.
    pub frame_delay: Action,
}

impl Measures {
    pub fn new(began: Instant) -> Measures {
        Measures {
            began,
            register: Action::new(),
            register_admitted: Action::new(),
            start: Action::new(),
            answer: Action::new(),
            submit: Action::new(),
            viewer_connect: Action::new(),
            frame_delay: Action::new(),
        }
    }

    /// Every action's figures, by its JSON key.
    pub fn summaries(&self) -> BTreeMap<&'static str, ActionSummary> {
        ACTIONS
            .iter()
            .map(|&(key, _, action)| (key, action(self).summary()))
            .collect()
    }
}

/// Every action's JSON key and the table's label, in the order of a contestant's day.
/// One of `Measures`' actions.
type ActionOf = fn(&Measures) -> &Action;

const ACTIONS: [(&str, &str, ActionOf); 7] = [
    ("register", "注册(每次请求)", |m| &m.register),
    ("register_admitted", "注册(含排队)", |m| {
        &m.register_admitted
    }),
    ("start", "开始答题", |m| &m.start),
    ("answer", "保存答案", |m| &m.answer),
    ("submit", "交卷", |m| &m.submit),
    ("viewer_connect", "看板连接", |m| &m.viewer_connect),
    ("frame_delay", "看板帧延迟", |m| &m.frame_delay),
];

/// The rehearsal's outcome, as printed.
#[derive(Debug, Serialize)]
pub struct Report {
    pub urls: Vec<String>,
    pub competition_id: i64,
    pub contestants: u64,
    pub viewers: u64,
    pub arrival_seconds: u64,
    pub think_ms: u64,
    pub questions: u64,
    pub interrupted: bool,
    pub elapsed_seconds: f64,
    pub actions: BTreeMap<&'static str, ActionSummary>,
    /// The servers' largest resident memory seen on `/metrics`, when they publish it.
    pub server_peak_rss_bytes: Option<u64>,
    /// The latest a request was sent after its schedule (the rehearsing machine's own lag).
    pub client_lag_max_ms: f64,
}

impl Report {
    /// The table a person reads at the end.
    pub fn render(&self) -> String {
        let mut table = TextTable::new(&[
            ("动作", Align::Left),
            ("成功", Align::Right),
            ("失败", Align::Right),
            ("p50 ms", Align::Right),
            ("p95 ms", Align::Right),
            ("p99 ms", Align::Right),
            ("最大 ms", Align::Right),
            ("每秒", Align::Right),
        ]);
        let mut failures = Vec::new();
        for (key, label, _) in ACTIONS {
            let summary = &self.actions[key];
            let cell = |f: fn(&Percentiles) -> f64| {
                summary
                    .latency
                    .as_ref()
                    .map_or("—".to_owned(), |p| format!("{:.1}", f(p)))
            };
            table.row(vec![
                label.to_owned(),
                summary.ok.to_string(),
                summary.errors.values().sum::<u64>().to_string(),
                cell(|p| p.p50_ms),
                cell(|p| p.p95_ms),
                cell(|p| p.p99_ms),
                cell(|p| p.max_ms),
                summary
                    .per_second
                    .map_or("—".to_owned(), |r| format!("{r:.0}")),
            ]);
            for (kind, count) in &summary.errors {
                failures.push(format!("  {label}:{kind} × {count}"));
            }
        }
        let mut text = format!(
            "{}演练:竞赛 {},{} 名考生,{} 个看板观众,{} 道题,到达 {} 秒,思考 {} ms,用时 {:.1} 秒\n服务器:{}\n\n",
            if self.interrupted { "已中断的" } else { "" },
            self.competition_id,
            self.contestants,
            self.viewers,
            self.questions,
            self.arrival_seconds,
            self.think_ms,
            self.elapsed_seconds,
            self.urls.join(" "),
        );
        text.push_str(&table.render());
        if !failures.is_empty() {
            text.push_str("\n失败原因:\n");
            text.push_str(&failures.join("\n"));
            text.push('\n');
        }
        text.push_str(&format!(
            "\n服务器内存峰值:{}\n本机发送延迟(请求晚于计划的最大值):{:.1} ms\n",
            self.server_peak_rss_bytes.map_or(
                "未知(服务器没有提供 /metrics)".to_owned(),
                |b| format!("{:.0} MB", b as f64 / 1e6)
            ),
            self.client_lag_max_ms
        ));
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_holds_its_values_within_two_percent() {
        for micros in [
            0, 1, 63, 64, 65, 127, 128, 1_000, 49_999, 50_000, 1_234_567, 60_000_000,
        ] {
            let middle = value_of(bucket_of(micros));
            let error = middle.abs_diff(micros) as f64 / micros.max(1) as f64;
            assert!(error <= 0.016, "{micros} µs read back as {middle} µs");
        }
    }

    #[test]
    fn percentiles_are_read_from_the_recorded_latencies() {
        let histogram = Histogram::default();
        for ms in 1..=100 {
            histogram.record(Duration::from_millis(ms));
        }
        let p = histogram.percentiles().expect("recorded");
        assert!((p.p50_ms - 50.0).abs() <= 1.0, "{p:?}");
        assert!((p.p99_ms - 99.0).abs() <= 1.6, "{p:?}");
        assert_eq!(p.max_ms, 100.0);
        assert!(Histogram::default().percentiles().is_none());
    }
}
