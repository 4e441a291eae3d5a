//! Which seats' phones are connected (`seats[].connected` in every frame): counted per socket
//! in this process, and on PostgreSQL heard from the other processes serving the same final,
//! so a host on one server sees a finalist whose phone reached another.
//!
//! Each process announces its own seats (`{instance, final, connected: [bool]}` on the
//! finals' channel) when one connects or leaves, and again every `PRESENCE_EVERY` while any
//! is connected (`Finals::share_presence` in `running`). What another process said counts for
//! `PRESENCE_FORGOTTEN`: a process that stopped or lost the database stops counting within that
//! time, without a goodbye.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::Notify;

/// How often a process repeats which of its seats are connected.
pub(super) const PRESENCE_EVERY: Duration = Duration::from_secs(10);
/// How long another process's word counts without being repeated.
const PRESENCE_FORGOTTEN: Duration = Duration::from_secs(30);

/// The seats' connections of one final.
#[derive(Debug)]
pub(super) struct Presence {
    /// Seat index → sockets connected in this process.
    here: Mutex<Vec<u32>>,
    /// Another process → its seats, and when it said so.
    elsewhere: Mutex<HashMap<String, Heard>>,
    /// A seat here connected or left.
    pub(super) changed_here: Notify,
}

#[derive(Debug)]
struct Heard {
    connected: Vec<bool>,
    at: Instant,
}

impl Presence {
    pub(super) fn new(seats: usize) -> Presence {
        Presence {
            here: Mutex::new(vec![0; seats]),
            elsewhere: Mutex::new(HashMap::new()),
            changed_here: Notify::new(),
        }
    }

    /// Counts one more (`joined`) or one fewer socket of seat `index` in this process.
    pub(super) fn count(&self, index: usize, joined: bool) {
        if let Some(count) = self
            .here
            .lock()
            .expect("the lock is never poisoned")
            .get_mut(index)
        {
            *count = if joined {
                *count + 1
            } else {
                count.saturating_sub(1)
            };
        }
        self.changed_here.notify_one();
    }

    /// Seat index → connected to this process.
    pub(super) fn here(&self) -> Vec<bool> {
        self.here
            .lock()
            .expect("the lock is never poisoned")
            .iter()
            .map(|&n| n > 0)
            .collect()
    }

    /// Seat index → connected to this process or, as last heard, to another.
    pub(super) fn connected(&self) -> Vec<bool> {
        let mut connected = self.here();
        let now = Instant::now();
        for heard in self
            .elsewhere
            .lock()
            .expect("the lock is never poisoned")
            .values()
            .filter(|heard| now.duration_since(heard.at) < PRESENCE_FORGOTTEN)
        {
            for (seat, &there) in connected.iter_mut().zip(&heard.connected) {
                *seat |= there;
            }
        }
        connected
    }

    /// Another process said which seats it holds: true when that changes what it had said.
    pub(super) fn heard(&self, instance: &str, connected: Vec<bool>) -> bool {
        let mut elsewhere = self.elsewhere.lock().expect("the lock is never poisoned");
        let changed = elsewhere
            .get(instance)
            .is_none_or(|before| before.connected != connected);
        elsewhere.insert(
            instance.to_owned(),
            Heard {
                connected,
                at: Instant::now(),
            },
        );
        changed
    }

    /// Drops what processes silent too long said: true when one of them held a seat.
    pub(super) fn forget_silent(&self) -> bool {
        let now = Instant::now();
        let mut held_a_seat = false;
        self.elsewhere
            .lock()
            .expect("the lock is never poisoned")
            .retain(|_, heard| {
                let fresh = now.duration_since(heard.at) < PRESENCE_FORGOTTEN;
                held_a_seat |= !fresh && heard.connected.contains(&true);
                fresh
            });
        held_a_seat
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seat_counts_as_connected_while_any_of_its_sockets_is_open() {
        let presence = Presence::new(2);
        presence.count(0, true);
        presence.count(0, true);
        presence.count(0, false);
        assert_eq!(presence.connected(), vec![true, false]);
        presence.count(0, false);
        assert_eq!(presence.connected(), vec![false, false]);
    }

    #[test]
    fn a_seat_connected_to_another_process_counts_until_that_process_says_otherwise() {
        let presence = Presence::new(3);
        presence.count(0, true);
        assert!(presence.heard("other", vec![false, true, false]));
        assert_eq!(presence.connected(), vec![true, true, false]);
        assert!(
            !presence.heard("other", vec![false, true, false]),
            "a repetition changes nothing"
        );
        assert!(presence.heard("other", vec![false, false, false]));
        assert_eq!(presence.connected(), vec![true, false, false]);
    }

    #[test]
    fn a_process_silent_too_long_is_forgotten() {
        let presence = Presence::new(1);
        presence.heard("gone", vec![true]);
        presence
            .elsewhere
            .lock()
            .unwrap()
            .get_mut("gone")
            .unwrap()
            .at -= PRESENCE_FORGOTTEN;
        assert_eq!(presence.connected(), vec![false], "no longer counted");
        assert!(presence.forget_silent(), "it held a seat");
        assert!(presence.elsewhere.lock().unwrap().is_empty());
    }
}
