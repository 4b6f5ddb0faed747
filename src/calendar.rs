//! Time: instants, and the working calendar (time zone, working days, working hours, holidays).
//!
//! Owns parsing instants and a calendar's parts (shared by the definitions decoder and the request
//! parser), and business-time arithmetic. Time zones resolve only through the database build.rs
//! bundles ([`Zone`]), so every target applies the same rules. Must not know definitions or requests.

use std::fmt;

use jiff::Timestamp;
use jiff::civil::{Date, Time, Weekday};

use crate::duration::Duration;

mod zone;
pub use zone::Zone;

/// A point in time, to the second (finer input is truncated toward the past).
///
/// Parsed from RFC 3339 with an offset (`2026-11-27T15:00:00Z`, `…+01:00`), printed in UTC as
/// `YYYY-MM-DDTHH:MM:SSZ`.
///
/// ```
/// use release_policy::calendar::Instant;
/// let at: Instant = "2026-11-27T16:30:00+01:00".parse().unwrap();
/// assert_eq!(at.to_string(), "2026-11-27T15:30:00Z");
/// assert!("2026-11-27T15:30:00".parse::<Instant>().is_err(), "an offset is required");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "string"))]
pub struct Instant(i64);

impl Instant {
    /// 9999-12-29T23:59:59Z, inside jiff's range; sums saturate here instead of overflowing.
    pub const MAX: Instant = Instant(253_402_127_999);

    /// Seconds since 1970-01-01T00:00:00Z.
    pub fn unix_seconds(self) -> i64 {
        self.0
    }

    /// The first second RFC 3339 can write (0000-01-01T00:00:00Z).
    pub const MIN: Instant = Instant(-62_167_219_200);

    pub fn from_unix_seconds(seconds: i64) -> Instant {
        Instant(seconds.clamp(Instant::MIN.0, Instant::MAX.0))
    }

    /// This instant plus `d` of elapsed time.
    pub fn plus(self, d: Duration) -> Instant {
        Instant::from_unix_seconds(self.0.saturating_add(i64::from(d.seconds())))
    }

    /// Seconds from `earlier` to `self` (negative when `earlier` is later).
    pub fn seconds_since(self, earlier: Instant) -> i64 {
        self.0 - earlier.0
    }

    pub(crate) fn timestamp(self) -> Timestamp {
        // In range by construction (parsing and `from_unix_seconds` clamp).
        Timestamp::from_second(self.0).unwrap_or(Timestamp::UNIX_EPOCH)
    }
}

impl std::str::FromStr for Instant {
    type Err = String;

    /// Strict RFC 3339: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
    fn from_str(text: &str) -> Result<Instant, String> {
        let bad = |why: &str| {
            format!("`{}` is not an RFC 3339 timestamp: {why}; write e.g. `2026-11-27T15:00:00Z`", crate::definitions::yaml::shorten(text))
        };
        let b = text.as_bytes();
        let shape_ok = b.len() >= 20
            && b[4] == b'-'
            && b[7] == b'-'
            && (b[10] == b'T' || b[10] == b't')
            && b[13] == b':'
            && b[16] == b':'
            && [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18].iter().all(|&i| b[i].is_ascii_digit());
        if !shape_ok {
            return Err(bad("expected YYYY-MM-DDTHH:MM:SS followed by Z or an offset"));
        }
        let rest = &text[19..];
        let rest = match rest.strip_prefix('.') {
            Some(frac) => {
                let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
                if digits == 0 {
                    return Err(bad("a `.` without fraction digits"));
                }
                &frac[digits..]
            }
            None => rest,
        };
        let offset_ok = matches!(rest, "Z" | "z")
            || (rest.len() == 6
                && (rest.starts_with('+') || rest.starts_with('-'))
                && rest.as_bytes()[3] == b':'
                && [1, 2, 4, 5].iter().all(|&i| rest.as_bytes()[i].is_ascii_digit())
                && rest[1..3] <= *"23"
                && rest[4..6] <= *"59");
        if !offset_ok {
            return Err(bad("it needs an offset (`Z` or `±HH:MM`) so that it names one instant"));
        }
        // The shape is checked above, so every field is ASCII digits: compute the instant directly.
        let num = |range: std::ops::Range<usize>| b[range].iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0'));
        let (year, month, day) = (num(0..4), num(5..7), num(8..10));
        let (hour, minute, second) = (num(11..13), num(14..16), num(17..19));
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) || hour > 23 || minute > 59 || second > 59 {
            return Err(bad("the date or time is out of range"));
        }
        let offset = match rest.as_bytes() {
            [b'+' | b'-', ..] => {
                let o = rest.as_bytes();
                let minutes =
                    i64::from(o[1] - b'0') * 600 + i64::from(o[2] - b'0') * 60 + i64::from(o[4] - b'0') * 10 + i64::from(o[5] - b'0');
                if o[0] == b'-' { -minutes * 60 } else { minutes * 60 }
            }
            _ => 0,
        };
        // A fraction only ever truncates toward the past: to the second, 10:00:00.9 is 10:00:00.
        let seconds = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset;
        if !(Instant::MIN.0..=Instant::MAX.0).contains(&seconds) {
            return Err(bad("out of range"));
        }
        Ok(Instant(seconds))
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date (after Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// The proleptic Gregorian `(year, month, day)` of a day counted from 1970-01-01 (after Howard
/// Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

impl Instant {
    /// `YYYY-MM-DDTHH:MM:SSZ` as bytes. Written by hand because instants are printed on every
    /// answer's hot path.
    fn utc_bytes(self) -> [u8; 20] {
        let secs = self.0.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(self.0.div_euclid(86_400));
        let mut out = *b"0000-00-00T00:00:00Z";
        let mut put = |at: usize, value: i64, width: usize| {
            let mut v = value;
            for i in (0..width).rev() {
                out[at + i] = b'0' + (v % 10) as u8;
                v /= 10;
            }
        };
        put(0, year, 4);
        put(5, month, 2);
        put(8, day, 2);
        put(11, secs / 3600, 2);
        put(14, secs / 60 % 60, 2);
        put(17, secs % 60, 2);
        out
    }
}

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bytes = self.utc_bytes();
        // ASCII by construction.
        f.write_str(std::str::from_utf8(&bytes).unwrap_or("0000-00-00T00:00:00Z"))
    }
}

impl serde::Serialize for Instant {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let bytes = self.utc_bytes();
        serializer.serialize_str(std::str::from_utf8(&bytes).unwrap_or("0000-00-00T00:00:00Z"))
    }
}

impl<'de> serde::Deserialize<'de> for Instant {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Instant, D::Error> {
        // A visitor rather than parsing a deserialized string: an error raised while serde_json
        // is still on the string carries the string's position, which names its JSON path.
        struct Rfc3339;
        impl serde::de::Visitor<'_> for Rfc3339 {
            type Value = Instant;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RFC 3339 timestamp")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Instant, E> {
                text.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Rfc3339)
    }
}

/// A working calendar.
///
/// ```
/// use release_policy::Calendar;
/// let cal = Calendar::default();
/// assert_eq!(cal.timezone_name(), "UTC");
/// assert_eq!(cal.hours().to_string(), "09:00-17:00");
/// ```
#[derive(Clone, Debug)]
pub struct Calendar {
    timezone_name: String,
    timezone: Zone,
    /// Bit `n` set: weekday `n` (Monday = 0 … Sunday = 6) is a working day.
    working_days: u8,
    hours: WorkingHours,
    /// Sorted, without repeats.
    holidays: Vec<Date>,
}

/// The bit of a weekday in `Calendar::working_days`.
fn bit(day: Weekday) -> u8 {
    1 << day.to_monday_zero_offset()
}

impl PartialEq for Calendar {
    fn eq(&self, other: &Calendar) -> bool {
        self.timezone_name == other.timezone_name
            && self.working_days == other.working_days
            && self.hours == other.hours
            && self.holidays == other.holidays
    }
}

impl Default for Calendar {
    /// Monday to Friday, 09:00–17:00 UTC, no holidays.
    fn default() -> Calendar {
        Calendar {
            timezone_name: "UTC".to_owned(),
            timezone: Zone::UTC,
            working_days: 0b0001_1111,
            hours: WorkingHours { start: Time::constant(9, 0, 0, 0), end: Time::constant(17, 0, 0, 0) },
            holidays: Vec::new(),
        }
    }
}

impl Calendar {
    /// Assembles a calendar from parts already parsed by the functions of this module.
    pub fn new(
        timezone: (String, Zone),
        working_days: impl IntoIterator<Item = Weekday>,
        hours: WorkingHours,
        holidays: impl IntoIterator<Item = Date>,
    ) -> Calendar {
        let mut holidays: Vec<Date> = holidays.into_iter().collect();
        crate::sort::unique(&mut holidays);
        Calendar {
            timezone_name: timezone.0,
            timezone: timezone.1,
            working_days: working_days.into_iter().fold(0, |days, day| days | bit(day)),
            hours,
            holidays,
        }
    }

    pub fn timezone_name(&self) -> &str {
        &self.timezone_name
    }

    pub fn timezone(&self) -> Zone {
        self.timezone
    }

    pub fn hours(&self) -> WorkingHours {
        self.hours
    }

    pub fn is_working_day(&self, day: Weekday) -> bool {
        self.working_days & bit(day) != 0
    }

    pub fn is_holiday(&self, date: Date) -> bool {
        self.holidays.binary_search(&date).is_ok()
    }

    pub fn holidays(&self) -> impl Iterator<Item = Date> + '_ {
        self.holidays.iter().copied()
    }

    /// The working days, Monday first, as `mon`…`sun`.
    pub fn working_day_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        WEEKDAYS.iter().filter(|(_, _, day)| self.is_working_day(*day)).map(|(short, _, _)| *short)
    }

    /// Whether `date` has working hours (a working day that is not a holiday).
    fn works_on(&self, date: Date) -> bool {
        self.is_working_day(date.weekday()) && !self.is_holiday(date)
    }

    /// `start + d`, in elapsed time or, when `business`, counting only working time.
    pub fn add(&self, start: Instant, d: Duration, business: bool) -> Instant {
        if business { self.add_business(start, i64::from(d.seconds())) } else { start.plus(d) }
    }

    /// The working interval of `date` as instants, DST-correct: 09:00 local is whatever UTC
    /// instant 09:00 is on that day (a time in a DST gap moves forward: the "compatible" rule of [`Zone::to_instant`]).
    fn working_interval(&self, date: Date) -> Option<(Instant, Instant)> {
        let at = |time: Time| -> Option<Instant> {
            let civil = if time == Time::MAX { date.tomorrow().ok()?.to_datetime(Time::MIN) } else { date.to_datetime(time) };
            self.timezone.to_instant(civil)
        };
        Some((at(self.hours.start)?, at(self.hours.end)?))
    }

    /// Adds `seconds` of working time to `start`. Work left at a day's close carries over to the next
    /// working day's opening: 4h from Friday 16:00 (09:00–17:00) is Monday 12:00; work that ends
    /// exactly at closing time is due at closing time.
    fn add_business(&self, start: Instant, seconds: i64) -> Instant {
        let mut date = self.timezone.to_datetime(start).date();
        let mut remaining = seconds;
        // Every calendar has a working day each week and finitely many holidays, so this ends; the
        // bound only guards the arithmetic (ten years of 1-hour days is ~3,650 working days).
        for _ in 0..40_000 {
            if self.works_on(date) {
                if let Some((open, close)) = self.working_interval(date) {
                    let from = open.max(start);
                    if from < close {
                        let available = close.seconds_since(from);
                        if remaining <= available {
                            return Instant::from_unix_seconds(from.0 + remaining);
                        }
                        remaining -= available;
                    }
                }
            }
            match date.tomorrow() {
                Ok(next) => date = next,
                Err(_) => break,
            }
        }
        Instant::MAX
    }
}

/// Daily working hours, `start < end`, within one day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WorkingHours {
    pub start: Time,
    pub end: Time,
}

impl fmt::Display for WorkingHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The end of the day is held as `Time::MAX` and was written `24:00`.
        let (end_h, end_m) = if self.end == Time::MAX { (24, 0) } else { (self.end.hour(), self.end.minute()) };
        write!(f, "{:02}:{:02}-{end_h:02}:{end_m:02}", self.start.hour(), self.start.minute())
    }
}

/// Looks a time zone up in the bundled IANA database (`Europe/Berlin`, `UTC`), ignoring ASCII case
/// as jiff does. Instants from 2000 on get the zone's exact offsets; older history is not kept
/// (docs/decisions.md).
///
/// ```
/// let (name, tz) = release_policy::calendar::parse_timezone("europe/berlin").unwrap();
/// assert_eq!(name, "europe/berlin");
/// assert_eq!(tz.name(), "Europe/Berlin");
/// ```
pub fn parse_timezone(name: &str) -> Result<(String, Zone), String> {
    Zone::find(name).map(|zone| (name.to_owned(), zone)).ok_or_else(|| {
        format!("unknown time zone `{}`; use an IANA name such as `Europe/Berlin` or `UTC`", crate::definitions::yaml::shorten(name))
    })
}

/// The weekdays Monday to Sunday, short and full English names.
const WEEKDAYS: [(&str, &str, Weekday); 7] = [
    ("mon", "monday", Weekday::Monday),
    ("tue", "tuesday", Weekday::Tuesday),
    ("wed", "wednesday", Weekday::Wednesday),
    ("thu", "thursday", Weekday::Thursday),
    ("fri", "friday", Weekday::Friday),
    ("sat", "saturday", Weekday::Saturday),
    ("sun", "sunday", Weekday::Sunday),
];

/// `mon`…`sun`, or the full English name, any case.
pub fn parse_weekday(text: &str) -> Result<Weekday, String> {
    let lower = text.to_ascii_lowercase();
    WEEKDAYS
        .iter()
        .find(|(short, long, _)| lower == *short || lower == *long)
        .map(|(_, _, day)| *day)
        .ok_or_else(|| format!("`{}` is not a weekday; use mon, tue, wed, thu, fri, sat or sun", crate::definitions::yaml::shorten(text)))
}

/// `HH:MM-HH:MM`, start strictly before end (a shift over midnight is not supported).
pub fn parse_hours(text: &str) -> Result<WorkingHours, String> {
    let bad = |why: &str| {
        format!("`{}` is not working hours: {why}; write `HH:MM-HH:MM` like `09:00-17:00`", crate::definitions::yaml::shorten(text))
    };
    let (start, end) = text.split_once('-').ok_or_else(|| bad("no `-` between start and end"))?;
    let clock = |t: &str| -> Option<Time> {
        let (h, m) = t.trim().split_once(':')?;
        if h.len() != 2 || m.len() != 2 {
            return None;
        }
        let (h, m): (i8, i8) = (h.parse().ok()?, m.parse().ok()?);
        // 24:00 is the end of the day; jiff's Time stops at 23:59:59.999999999.
        if h == 24 && m == 0 {
            return Some(Time::MAX);
        }
        Time::new(h, m, 0, 0).ok()
    };
    let (start, end) = (clock(start).ok_or_else(|| bad("bad start time"))?, clock(end).ok_or_else(|| bad("bad end time"))?);
    if start >= end {
        return Err(bad("the day must end after it starts"));
    }
    Ok(WorkingHours { start, end })
}

/// An ISO date, `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Result<Date, String> {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b.get(r.clone()).filter(|d| d.iter().all(u8::is_ascii_digit)).map(|d| d.iter().fold(0i16, |n, x| n * 10 + i16::from(x - b'0')))
    };
    let parsed = (b.len() == 10 && b[4] == b'-' && b[7] == b'-')
        .then(|| Some((digits(0..4)?, digits(5..7)?, digits(8..10)?)))
        .flatten()
        .and_then(|(y, m, d)| Date::new(y, i8::try_from(m).ok()?, i8::try_from(d).ok()?).ok());
    parsed.ok_or_else(|| format!("`{}` is not a date; write `YYYY-MM-DD`", crate::definitions::yaml::shorten(text)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Instant {
        text.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    fn hours(h: u32) -> Duration {
        Duration::from_seconds(u64::from(h) * 3600).unwrap()
    }

    fn berlin() -> Calendar {
        Calendar::new(
            parse_timezone("Europe/Berlin").unwrap(),
            [Weekday::Monday, Weekday::Tuesday, Weekday::Wednesday, Weekday::Thursday, Weekday::Friday],
            parse_hours("09:00-17:00").unwrap(),
            [parse_date("2026-12-25").unwrap()],
        )
    }

    #[test]
    fn instants_are_strict_rfc3339_and_print_in_utc() {
        assert_eq!(at("2026-11-27T15:00:00Z").to_string(), "2026-11-27T15:00:00Z");
        assert_eq!(at("2026-11-27T15:00:00.999Z").to_string(), "2026-11-27T15:00:00Z", "truncated");
        assert_eq!(at("1969-12-31T23:59:59.5Z").unix_seconds(), -1, "truncated toward the past");
        assert_eq!(at("2026-11-27T15:00:00+01:30").to_string(), "2026-11-27T13:30:00Z");
        assert_eq!(at("2024-02-29T00:00:00Z").to_string(), "2024-02-29T00:00:00Z", "a leap day");
        assert!("2026-02-29T00:00:00Z".parse::<Instant>().is_err(), "not a leap year");
        assert!("2026-11-27T24:00:00Z".parse::<Instant>().is_err());
        // Agrees with jiff's own parser on a spread of instants.
        for text in [
            "1970-01-01T00:00:00Z",
            "2000-03-01T12:34:56-07:00",
            "1900-02-28T23:59:59+14:00",
            "0001-01-01T00:00:00Z",
            "2026-12-31T23:59:59.999999999+00:00",
        ] {
            let mine = at(text).unix_seconds();
            let theirs = text.parse::<jiff::Timestamp>().unwrap().as_second();
            assert_eq!(mine, theirs, "{text}");
        }
        for text in ["0000-01-01T00:00:00Z", "1970-01-01T00:00:00Z", "2000-02-29T23:59:59Z", "2026-12-31T12:00:00Z", "9999-12-29T23:59:59Z"]
        {
            assert_eq!(at(text).to_string(), text, "prints as jiff parses it");
        }
        assert_eq!(at("2026-11-27t10:00:00-05:00").to_string(), "2026-11-27T15:00:00Z");
        for bad in [
            "2026-11-27T15:00:00",
            "2026-11-27 15:00:00Z",
            "2026-11-27",
            "2026-13-01T00:00:00Z",
            "2026-11-27T15:00:00+0100",
            "2026-11-27T15:00:00+24:00",
            "2026-11-27T15:00:00+01:60",
            "2026-11-27T15:00Z",
            "2026-11-27T15:00:00.Z",
            "yesterday",
        ] {
            assert!(bad.parse::<Instant>().is_err(), "{bad}");
        }
    }

    #[test]
    fn four_business_hours_from_friday_four_pm_fall_due_monday_noon() {
        let cal = Calendar::default();
        assert_eq!(cal.add(at("2026-11-27T16:00:00Z"), hours(4), true), at("2026-11-30T12:00:00Z"));
        assert_eq!(cal.add(at("2026-11-27T16:00:00Z"), hours(4), false), at("2026-11-27T20:00:00Z"));
    }

    #[test]
    fn business_time_starts_at_the_next_opening_and_ends_at_closing_exactly() {
        let cal = Calendar::default();
        assert_eq!(cal.add(at("2026-11-28T10:00:00Z"), hours(2), true), at("2026-11-30T11:00:00Z"), "Saturday");
        assert_eq!(cal.add(at("2026-11-30T07:00:00Z"), hours(8), true), at("2026-11-30T17:00:00Z"), "ends at closing");
        assert_eq!(cal.add(at("2026-11-30T09:00:00Z"), hours(48), true), at("2026-12-07T17:00:00Z"), "six working days");
    }

    #[test]
    fn holidays_are_skipped() {
        // Thursday 24 Dec 16:00 Berlin + 2h: 1h on Thursday, Friday 25th is a holiday, 1h on Monday.
        assert_eq!(berlin().add(at("2026-12-24T15:00:00Z"), hours(2), true), at("2026-12-28T09:00:00Z"));
    }

    #[test]
    fn working_hours_follow_the_local_clock_across_dst() {
        // Berlin leaves summer time on Sunday 25 Oct 2026: 09:00 local is 07:00Z on Friday, 08:00Z on Monday.
        let cal = berlin();
        assert_eq!(cal.add(at("2026-10-23T14:00:00Z"), hours(2), true), at("2026-10-26T09:00:00Z"));
        // Into summer time on 29 Mar 2026: Friday 16:00 CET (15:00Z) + 2h = Monday 10:00 CEST (08:00Z).
        assert_eq!(cal.add(at("2026-03-27T15:00:00Z"), hours(2), true), at("2026-03-30T08:00:00Z"));
    }

    #[test]
    fn time_zones_come_from_the_bundled_database() {
        assert!(parse_timezone("Europe/Berlin").is_ok());
        assert!(parse_timezone("America/New_York").is_ok());
        assert!(parse_timezone("Mars/Olympus").unwrap_err().contains("unknown time zone"));
    }

    #[test]
    fn weekdays_short_long_any_case() {
        assert_eq!(parse_weekday("mon"), Ok(Weekday::Monday));
        assert_eq!(parse_weekday("Friday"), Ok(Weekday::Friday));
        assert!(parse_weekday("fr").is_err());
    }

    #[test]
    fn hours_must_be_a_forward_range() {
        assert_eq!(parse_hours("09:00-17:00").unwrap().to_string(), "09:00-17:00");
        assert_eq!(parse_hours("00:00-24:00").unwrap().start, Time::MIN);
        for bad in ["17:00-09:00", "9:00-17:00", "09:00", "09:00-09:00", "25:00-26:00", "09:60-10:00"] {
            assert!(parse_hours(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_are_strict_iso() {
        assert_eq!(parse_date("2026-12-25").unwrap().to_string(), "2026-12-25");
        for bad in ["2026-02-30", "25.12.2026", "2026-12-25T00:00", "2026-1-5"] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
    }
}
