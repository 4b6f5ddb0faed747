//! Time zones: the bundled IANA rules, UTC offsets, and local time ↔ instant.
//!
//! Owns the zone tables build.rs generates (`tzdb.rs`: every zone's offsets and transitions since
//! 2000 and the POSIX rule that continues them) and the two conversions the engine needs. Why not
//! jiff's `TimeZone`: reading TZif at run time costs each WebAssembly module 25 KB gzipped (its
//! parsers and a 16 KB CRC table); these tables need no parsing. jiff stays the engine's civil
//! calendar, and `tests/timezones.rs` checks every zone against jiff's `TimeZone` on the full IANA
//! data. Must not know working hours, definitions or requests.

use jiff::civil::DateTime;
use jiff::tz::Offset;

use super::{Instant, civil_from_days, days_from_civil, is_leap};

/// A time zone of the bundled database.
///
/// ```
/// use release_policy::calendar::{Instant, parse_timezone};
/// let (_, berlin) = parse_timezone("Europe/Berlin").unwrap();
/// let summer: Instant = "2026-07-01T12:00:00Z".parse().unwrap();
/// assert_eq!(berlin.offset_seconds(summer), 7200);
/// assert_eq!(berlin.name(), "Europe/Berlin");
/// ```
#[derive(Clone, Copy)]
pub struct Zone {
    name: &'static str,
    rules: &'static Rules,
}

/// A zone's offsets since 2000: `offsets[0]` before the first transition, `offsets[kinds[i]]` from
/// `times[i]` on, and after the last transition `rule` (none: the last offset stays).
#[derive(Debug, PartialEq)]
pub(crate) struct Rules {
    offsets: &'static [i32],
    times: &'static [i64],
    kinds: &'static [u8],
    rule: Option<Rule>,
}

/// A POSIX TZ rule: a standard offset and, for zones with summer time, when it starts and ends.
#[derive(Debug, PartialEq)]
struct Rule {
    std: i32,
    dst: Option<Dst>,
}

#[derive(Debug, PartialEq)]
struct Dst {
    offset: i32,
    /// In local standard time.
    start: When,
    /// In local summer time.
    end: When,
}

/// A day of the year and the local time on it (seconds after midnight; may be negative or past
/// 24 hours, as POSIX allows).
#[derive(Debug, PartialEq)]
struct When {
    day: Day,
    time: i32,
}

#[derive(Debug, PartialEq)]
enum Day {
    /// `Mm.w.d`: weekday `d` (0 = Sunday) of week `w` (5 = the last) of month `m`.
    Weekday { month: u8, week: u8, weekday: u8 },
    /// `Jn`: day `n` of 1..=365, February 29 never counted. (No zone of the bundled release uses
    /// this form or the next; they are read so that a database update that does still builds.)
    #[cfg_attr(not(test), allow(dead_code))]
    NoLeap(u16),
    /// `n`: day `n` of 0..=365, February 29 counted.
    #[cfg_attr(not(test), allow(dead_code))]
    Leap(u16),
}

mod tzdb {
    use super::{Day, Dst, Rule, Rules, When};
    include!(concat!(env!("OUT_DIR"), "/tzdb.rs"));
}

static UTC_RULES: Rules = Rules { offsets: &[0], times: &[], kinds: &[], rule: None };

impl Zone {
    pub const UTC: Zone = Zone { name: "UTC", rules: &UTC_RULES };

    /// Looks a zone up by its IANA name, ignoring ASCII case as jiff does.
    pub(crate) fn find(name: &str) -> Option<Zone> {
        fn lower(s: &str) -> impl Iterator<Item = u8> + '_ {
            s.bytes().map(|b| b.to_ascii_lowercase())
        }
        let name_at = |start: u16| -> &'static str {
            let rest = tzdb::NAMES.get(usize::from(start)..).unwrap_or("");
            rest.split('\n').next().unwrap_or(rest)
        };
        let i = tzdb::ZONES.binary_search_by(|&(start, _)| lower(name_at(start)).cmp(lower(name))).ok()?;
        let &(start, rules) = tzdb::ZONES.get(i)?;
        Some(Zone { name: name_at(start), rules: tzdb::RULES.get(usize::from(rules))? })
    }

    /// The canonical IANA name (`Europe/Berlin` for `europe/berlin`).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The UTC offset in force at `at`, in seconds east of Greenwich.
    pub fn offset_seconds(&self, at: Instant) -> i32 {
        self.offset_at(at.unix_seconds())
    }

    fn offset_at(&self, t: i64) -> i32 {
        let r = self.rules;
        let offset = |kind: Option<&u8>| kind.and_then(|k| r.offsets.get(usize::from(*k))).copied().unwrap_or(0);
        match r.times.partition_point(|&time| time <= t) {
            0 if !r.times.is_empty() => r.offsets.first().copied().unwrap_or(0),
            n if n < r.times.len() => offset(r.kinds.get(n - 1)),
            _ => match &r.rule {
                Some(rule) => rule.offset_at(t),
                None => offset(r.kinds.last().or(Some(&0))),
            },
        }
    }

    /// The local date and time at `at`.
    pub fn to_datetime(&self, at: Instant) -> DateTime {
        let offset = Offset::from_seconds(self.offset_at(at.unix_seconds())).unwrap_or(Offset::UTC);
        offset.to_datetime(at.timestamp())
    }

    /// The instant a local date and time names. A time a spring-forward gap skips is read with
    /// the offset before the gap (02:30 becomes 03:30); a time a fall-back repeats is its first
    /// occurrence: jiff's and RFC 5545's "compatible" rule. `None` outside the instant range.
    pub fn to_instant(&self, local: DateTime) -> Option<Instant> {
        let wall = Offset::UTC.to_timestamp(local).ok()?.as_second();
        // Offsets are under 26 hours and transitions weeks apart: the offsets a day either side
        // are the only ones that can apply.
        let (before, after) = (self.offset_at(wall - 86_400), self.offset_at(wall + 86_400));
        let fits = |offset: i32| self.offset_at(wall - i64::from(offset)) == offset;
        let seconds = match (fits(before), fits(after)) {
            (true, true) => wall - i64::from(before.max(after)),
            (true, false) => wall - i64::from(before),
            (false, true) => wall - i64::from(after),
            (false, false) => wall - i64::from(before),
        };
        let instant = Instant::from_unix_seconds(seconds);
        (instant.unix_seconds() == seconds).then_some(instant)
    }
}

impl std::fmt::Debug for Zone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Zone").field(&self.name).finish()
    }
}

impl PartialEq for Zone {
    fn eq(&self, other: &Zone) -> bool {
        self.name == other.name
    }
}

impl Rule {
    fn offset_at(&self, t: i64) -> i32 {
        let Some(dst) = &self.dst else { return self.std };
        // The transitions of the years around `t` (a rule's times may cross into the next or the
        // previous year); the latest at or before `t` decides. At equal instants summer time wins,
        // so a rule that ends summer time where it starts it again (`J365/25`) stays on it.
        let (year, ..) = civil_from_days((t + i64::from(self.std)).div_euclid(86_400));
        let mut latest: Option<(i64, bool)> = None;
        for y in year - 1..=year + 1 {
            let start = dst.start.local_seconds(y) - i64::from(self.std);
            let end = dst.end.local_seconds(y) - i64::from(dst.offset);
            for event in [(end, false), (start, true)] {
                if event.0 <= t && latest.is_none_or(|l| event >= l) {
                    latest = Some(event);
                }
            }
        }
        match latest {
            Some((_, true)) => dst.offset,
            _ => self.std,
        }
    }
}

impl When {
    /// Seconds from 1970-01-01T00:00 local time to this moment of `year`.
    fn local_seconds(&self, year: i64) -> i64 {
        let january_first = days_from_civil(year, 1, 1);
        let day = match self.day {
            Day::Weekday { month, week, weekday } => {
                let (month, week, weekday) = (i64::from(month), i64::from(week), i64::from(weekday));
                let first = days_from_civil(year, month, 1);
                // 1970-01-01 was a Thursday (weekday 4, Sunday = 0).
                let mut day = first + (weekday - (first + 4)).rem_euclid(7) + 7 * (week - 1);
                let next_month = if month == 12 { days_from_civil(year + 1, 1, 1) } else { days_from_civil(year, month + 1, 1) };
                while day >= next_month {
                    day -= 7;
                }
                day
            }
            Day::NoLeap(n) => january_first + i64::from(n) - 1 + i64::from(is_leap(year) && n >= 60),
            Day::Leap(n) => january_first + i64::from(n),
        };
        day * 86_400 + i64::from(self.time)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_from_days_inverts_days_from_civil_at_year_boundaries() {
        for year in [-1, 0, 1, 1969, 1970, 1999, 2000, 2024, 2100, 9999] {
            let first = days_from_civil(year, 1, 1);
            assert_eq!(civil_from_days(first), (year, 1, 1));
            assert_eq!(civil_from_days(first - 1), (year - 1, 12, 31));
        }
    }

    #[test]
    fn posix_days_land_where_posix_says() {
        let at = |day: Day, year: i64| (When { day, time: 0 }.local_seconds(year)).div_euclid(86_400);
        // Last Sunday of March 2026: the 29th. Second Sunday of March 2026: the 8th.
        assert_eq!(at(Day::Weekday { month: 3, week: 5, weekday: 0 }, 2026), days_from_civil(2026, 3, 29));
        assert_eq!(at(Day::Weekday { month: 3, week: 2, weekday: 0 }, 2026), days_from_civil(2026, 3, 8));
        // J60 is March 1 in every year; day 59 (zero-based, leap days counted) is Feb 29 in 2028.
        assert_eq!(at(Day::NoLeap(60), 2028), days_from_civil(2028, 3, 1));
        assert_eq!(at(Day::Leap(59), 2028), days_from_civil(2028, 2, 29));
    }
}
