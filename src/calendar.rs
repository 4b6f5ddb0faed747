//! The working calendar: time zone, working days, working hours and holidays.
//!
//! Owns parsing and validating a calendar's parts (shared by the definitions decoder and the request
//! parser). Business-time arithmetic lands here with the engine. Time zones resolve only through
//! jiff's bundled database, so every target applies the same rules.

use std::collections::BTreeSet;
use std::fmt;

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;

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
    timezone: TimeZone,
    working_days: BTreeSet<WeekdayIndex>,
    hours: WorkingHours,
    holidays: BTreeSet<Date>,
}

/// Monday = 0 … Sunday = 6 (jiff's `Weekday` has no `Ord`).
type WeekdayIndex = i8;

fn index(day: Weekday) -> WeekdayIndex {
    day.to_monday_zero_offset()
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
            timezone: TimeZone::UTC,
            working_days: (0..5).collect(),
            hours: WorkingHours { start: Time::constant(9, 0, 0, 0), end: Time::constant(17, 0, 0, 0) },
            holidays: BTreeSet::new(),
        }
    }
}

impl Calendar {
    /// Assembles a calendar from parts already parsed by the functions of this module.
    pub fn new(
        timezone: (String, TimeZone),
        working_days: impl IntoIterator<Item = Weekday>,
        hours: WorkingHours,
        holidays: impl IntoIterator<Item = Date>,
    ) -> Calendar {
        Calendar {
            timezone_name: timezone.0,
            timezone: timezone.1,
            working_days: working_days.into_iter().map(index).collect(),
            hours,
            holidays: holidays.into_iter().collect(),
        }
    }

    pub fn timezone_name(&self) -> &str {
        &self.timezone_name
    }

    pub fn timezone(&self) -> &TimeZone {
        &self.timezone
    }

    pub fn hours(&self) -> WorkingHours {
        self.hours
    }

    pub fn is_working_day(&self, day: Weekday) -> bool {
        self.working_days.contains(&index(day))
    }

    pub fn is_holiday(&self, date: Date) -> bool {
        self.holidays.contains(&date)
    }

    pub fn holidays(&self) -> impl Iterator<Item = Date> + '_ {
        self.holidays.iter().copied()
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
        write!(f, "{:02}:{:02}-{:02}:{:02}", self.start.hour(), self.start.minute(), self.end.hour(), self.end.minute())
    }
}

/// Looks a time zone up in the bundled IANA database (`Europe/Berlin`, `UTC`).
pub fn parse_timezone(name: &str) -> Result<(String, TimeZone), String> {
    jiff::tz::db().get(name).map(|tz| (name.to_owned(), tz)).map_err(|_| {
        format!("unknown time zone `{}`; use an IANA name such as `Europe/Berlin` or `UTC`", crate::definitions::yaml::shorten(name))
    })
}

/// `mon`…`sun`, or the full English name, any case.
pub fn parse_weekday(text: &str) -> Result<Weekday, String> {
    let lower = text.to_ascii_lowercase();
    let days = [
        ("mon", "monday", Weekday::Monday),
        ("tue", "tuesday", Weekday::Tuesday),
        ("wed", "wednesday", Weekday::Wednesday),
        ("thu", "thursday", Weekday::Thursday),
        ("fri", "friday", Weekday::Friday),
        ("sat", "saturday", Weekday::Saturday),
        ("sun", "sunday", Weekday::Sunday),
    ];
    days.iter()
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
    let valid_shape = text.len() == 10 && text.as_bytes()[4] == b'-' && text.as_bytes()[7] == b'-';
    valid_shape
        .then(|| text.parse::<Date>().ok())
        .flatten()
        .ok_or_else(|| format!("`{}` is not a date; write `YYYY-MM-DD`", crate::definitions::yaml::shorten(text)))
}

#[cfg(test)]
mod tests {
    use super::*;

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
