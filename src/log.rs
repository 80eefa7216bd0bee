//! Messages from the driver to the application: VK_EXT_debug_utils sinks and `SOFTVK_LOG`.
//!
//! A [`Reporter`] belongs to one instance. The ABI layer registers a [`MessageSink`] for each
//! debug-utils messenger (including the ones chained into `VkInstanceCreateInfo`). Every
//! report also goes to stderr when its severity reaches `SOFTVK_LOG`
//! (`error` (default), `warn`, `info`, `debug`, or `off`).
//!
//! Concurrency: `report` may be called from any thread, including queue workers. Sinks are
//! called without any lock held, so a callback may itself call back into the driver.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

/// Severity, ordered from least to most severe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Debug,
    Info,
    Warn,
    Error,
}

/// The debug-utils message type a report belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Driver events and failures of the system.
    General,
    /// The application used the API in a way the driver refuses.
    Validation,
    /// A slow path was taken.
    Performance,
}

/// Where messages go: implemented by the ABI layer for debug-utils messengers.
pub trait MessageSink: Send + Sync {
    fn message(&self, severity: Severity, kind: Kind, id: &str, text: &str);
}

/// The set of sinks of one instance, plus stderr.
#[derive(Default)]
pub struct Reporter {
    sinks: RwLock<Vec<(u64, Arc<dyn MessageSink>)>>,
    next_id: AtomicU64,
}

impl std::fmt::Debug for Reporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.sinks.read().map(|s| s.len()).unwrap_or(0);
        f.debug_struct("Reporter").field("sinks", &n).finish()
    }
}

impl Reporter {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Adds a sink; the id removes it again.
    pub fn add_sink(&self, sink: Arc<dyn MessageSink>) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.sinks.write().unwrap().push((id, sink));
        id
    }

    pub fn remove_sink(&self, id: u64) {
        self.sinks.write().unwrap().retain(|(i, _)| *i != id);
    }

    /// Reports a message of kind `General`.
    pub fn report(&self, severity: Severity, id: &str, text: &str) {
        self.report_kind(severity, Kind::General, id, text);
    }

    pub fn report_kind(&self, severity: Severity, kind: Kind, id: &str, text: &str) {
        stderr(severity, text);
        let sinks: Vec<Arc<dyn MessageSink>> = self
            .sinks
            .read()
            .unwrap()
            .iter()
            .map(|(_, s)| s.clone())
            .collect();
        for sink in sinks {
            sink.message(severity, kind, id, text);
        }
    }
}

/// The stderr threshold from `SOFTVK_LOG`; `None` means off.
pub fn stderr_level() -> Option<Severity> {
    static LEVEL: OnceLock<Option<Severity>> = OnceLock::new();
    *LEVEL.get_or_init(|| parse_level(std::env::var("SOFTVK_LOG").ok().as_deref()))
}

fn parse_level(value: Option<&str>) -> Option<Severity> {
    match value.map(|v| v.trim().to_ascii_lowercase()).as_deref() {
        None | Some("") | Some("error") => Some(Severity::Error),
        Some("warn") | Some("warning") => Some(Severity::Warn),
        Some("info") => Some(Severity::Info),
        Some("debug") | Some("trace") | Some("all") => Some(Severity::Debug),
        Some("off") | Some("none") => None,
        Some(other) => {
            eprintln!(
                "softvk: SOFTVK_LOG={other:?} is not one of error|warn|info|debug|off; using error"
            );
            Some(Severity::Error)
        }
    }
}

/// Writes to stderr if `severity` reaches the `SOFTVK_LOG` threshold.
pub fn stderr(severity: Severity, text: &str) {
    if let Some(level) = stderr_level()
        && severity >= level
    {
        let tag = match severity {
            Severity::Debug => "debug",
            Severity::Info => "info",
            Severity::Warn => "warn",
            Severity::Error => "error",
        };
        eprintln!("softvk: {tag}: {text}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn levels_parse() {
        assert_eq!(parse_level(None), Some(Severity::Error));
        assert_eq!(parse_level(Some("debug")), Some(Severity::Debug));
        assert_eq!(parse_level(Some("WARN")), Some(Severity::Warn));
        assert_eq!(parse_level(Some("off")), None);
    }

    struct Collect(Mutex<Vec<String>>);
    impl MessageSink for Collect {
        fn message(&self, _: Severity, _: Kind, id: &str, text: &str) {
            self.0.lock().unwrap().push(format!("{id}: {text}"));
        }
    }

    #[test]
    fn sinks_receive_until_removed() {
        let r = Reporter::new();
        let c = Arc::new(Collect(Mutex::new(vec![])));
        let id = r.add_sink(c.clone());
        r.report(Severity::Debug, "t", "one");
        r.remove_sink(id);
        r.report(Severity::Debug, "t", "two");
        assert_eq!(*c.0.lock().unwrap(), vec!["t: one".to_string()]);
    }
}
