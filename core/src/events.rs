//! Kubernetes-style events: what happened, to which object, when (in
//! simulated time), and why, in the words Kubernetes uses
//! (`Scaled up replica set web-6bdd4b58db from 0 to 4`).

use serde::Serialize;

use crate::api::{Kind, Name, Time, Uid};
use crate::intern::Symbol;

/// `Normal` or `Warning`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum EventType {
    /// Business as usual.
    Normal,
    /// Something went wrong or is blocked.
    Warning,
}

/// The object an event is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct InvolvedObject {
    /// Its kind.
    pub kind: Kind,
    /// Its namespace (empty for cluster-scoped kinds).
    pub namespace: Symbol,
    /// Its name.
    pub name: Name,
    /// Its uid.
    pub uid: Uid,
}

impl InvolvedObject {
    /// The involved-object reference of `meta` of kind `kind`.
    pub fn of(kind: Kind, meta: &crate::api::ObjectMeta) -> InvolvedObject {
        InvolvedObject {
            kind,
            namespace: meta.namespace,
            name: meta.name,
            uid: meta.uid,
        }
    }
}

/// One event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// When it happened (simulated time).
    pub time: Time,
    /// Normal or Warning.
    pub type_: EventType,
    /// The reason, such as `ScalingReplicaSet` or `FailedScheduling`.
    pub reason: &'static str,
    /// The object it is about.
    pub involved: InvolvedObject,
    /// The message.
    pub message: String,
    /// The component that reported it, such as `deployment-controller`.
    pub source: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EventJson<'a> {
    time: Time,
    #[serde(rename = "type")]
    type_: EventType,
    reason: &'static str,
    involved_object: InvolvedJson,
    message: &'a str,
    source: &'static str,
}

#[derive(Serialize)]
struct InvolvedJson {
    kind: &'static str,
    #[serde(skip_serializing_if = "String::is_empty")]
    namespace: String,
    name: String,
    uid: String,
}

impl Event {
    /// The event as one line of JSON (the `--events` format).
    pub fn to_json_line(&self) -> String {
        let json = EventJson {
            time: self.time,
            type_: self.type_,
            reason: self.reason,
            involved_object: InvolvedJson {
                kind: self.involved.kind.name(),
                namespace: self.involved.namespace.as_str().to_owned(),
                name: self.involved.name.to_string(),
                uid: self.involved.uid.to_string(),
            },
            message: &self.message,
            source: self.source,
        };
        serde_json::to_string(&json).unwrap_or_default()
    }

    /// A stable 64-bit digest of the event's content (for the trace hash):
    /// strings, not symbol numbers.
    pub fn digest(&self) -> u64 {
        let mut h = Fnv::default();
        h.write_i64(self.time.millis());
        h.write(match self.type_ {
            EventType::Normal => b"N",
            EventType::Warning => b"W",
        });
        h.write(self.reason.as_bytes());
        h.write(self.involved.kind.name().as_bytes());
        h.write(self.involved.namespace.as_str().as_bytes());
        h.write(self.involved.name.to_string().as_bytes());
        h.write(self.message.as_bytes());
        h.finish()
    }
}

/// FNV-1a, 64 bit: stable across platforms and versions (the trace hash
/// must never change for the same run).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    /// Feeds bytes, with a separator so that ("ab","c") and ("a","bc") differ.
    pub fn write(&mut self, bytes: &[u8]) {
        self.write_parts(&[bytes]);
    }

    /// Feeds the concatenation of `parts` as one [`Fnv::write`] would (one separator).
    pub fn write_parts(&mut self, parts: &[&[u8]]) {
        for b in parts.iter().flat_map(|p| p.iter()) {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 ^= 0xff;
        self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
    }

    /// Feeds an integer.
    pub fn write_i64(&mut self, v: i64) {
        self.write(&v.to_le_bytes());
    }

    /// Feeds an integer.
    pub fn write_u64(&mut self, v: u64) {
        self.write(&v.to_le_bytes());
    }

    /// The digest.
    pub fn finish(&self) -> u64 {
        self.0
    }
}

/// An append-only list of events.
#[derive(Clone, Debug, Default)]
pub struct EventLog {
    events: Vec<Event>,
    total: u64,
    keep: bool,
    digest: Fnv,
}

impl EventLog {
    /// A log that keeps every event (tests, `--events`).
    pub fn keeping() -> EventLog {
        EventLog {
            keep: true,
            ..EventLog::default()
        }
    }

    /// A log that only counts and hashes events (large runs).
    pub fn counting() -> EventLog {
        EventLog::default()
    }

    /// Records an event.
    pub fn push(&mut self, event: Event) {
        self.total += 1;
        self.digest.write_u64(event.digest());
        if self.keep {
            self.events.push(event);
        }
    }

    /// The kept events, in order.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// Removes and returns the kept events (for streaming them out).
    pub fn drain(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }

    /// How many events were recorded.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// A digest of every event so far, in order.
    pub fn digest(&self) -> u64 {
        self.digest.finish()
    }
}
