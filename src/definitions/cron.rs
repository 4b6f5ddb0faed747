//! Cron schedules of `scheduled` recipes: parsing the expression and finding its next run in a
//! time zone.
//!
//! Owns: the accepted syntax (docs/decisions.md, "Cron schedules") and the DST rules of a run.
//! Why our own: the cron crate we used cost 27 KB of each gzipped WebAssembly module (with its
//! Unicode case tables and the zoned arithmetic it needed from jiff), for the 5-field subset a pack
//! uses. Must not know recipes or calendars: it gets a time zone and an instant.

use jiff::civil::{Date, DateTime, Time};

use crate::calendar::{Instant, Zone};

/// A parsed cron expression: the set of values each field matches, as bits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cron {
    seconds: u64,
    minutes: u64,
    hours: u32,
    days_of_month: u32,
    months: u16,
    /// Sunday = bit 0 … Saturday = bit 6.
    days_of_week: u8,
    /// Both day fields were restricted: a day matches either (as in Vixie cron).
    either_day: bool,
}

/// How far ahead a run is looked for: a pattern that never matches (`0 0 30 2 *`) has no next run.
const SEARCH_DAYS: u32 = 5 * 366;

const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const WEEKDAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/// One field's range and its names (the first name is worth `min`).
struct Field {
    what: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
    /// A day field, where `?` means "any", as in Quartz.
    day: bool,
}

const SECOND: Field = Field { what: "second", min: 0, max: 59, names: &[], day: false };
const MINUTE: Field = Field { what: "minute", min: 0, max: 59, names: &[], day: false };
const HOUR: Field = Field { what: "hour", min: 0, max: 23, names: &[], day: false };
const DAY_OF_MONTH: Field = Field { what: "day of the month", min: 1, max: 31, names: &[], day: true };
const MONTH: Field = Field { what: "month", min: 1, max: 12, names: &MONTHS, day: false };
// 7 is Sunday too; folded onto 0 after parsing.
const DAY_OF_WEEK: Field = Field { what: "day of the week", min: 0, max: 7, names: &WEEKDAYS, day: true };

impl Cron {
    /// Parses `minute hour day-of-month month day-of-week`, with an optional leading seconds field,
    /// or a macro (`@hourly`, `@daily`, `@midnight`, `@weekly`, `@monthly`, `@yearly`, `@annually`).
    ///
    /// ```
    /// use release_policy::definitions::cron::Cron;
    /// assert!(Cron::parse("0 9 * * 1-5").is_ok());
    /// assert!(Cron::parse("0 9 * *").unwrap_err().contains("five fields"));
    /// ```
    pub fn parse(text: &str) -> Result<Cron, String> {
        let expanded = match text.trim().to_ascii_lowercase().as_str() {
            "@yearly" | "@annually" => "0 0 1 1 *",
            "@monthly" => "0 0 1 * *",
            "@weekly" => "0 0 * * 0",
            "@daily" | "@midnight" => "0 0 * * *",
            "@hourly" => "0 * * * *",
            _ => text,
        };
        let fields: Vec<&str> = expanded.split_ascii_whitespace().collect();
        let (seconds, rest) = match fields.len() {
            5 => (None, &fields[..]),
            6 => (Some(fields[0]), &fields[1..]),
            n => {
                return Err(format!(
                    "five fields expected (minute hour day-of-month month day-of-week, optionally after a seconds field); found {n}"
                ));
            }
        };
        let days_of_week = parse_field(rest[4], &DAY_OF_WEEK)?;
        Ok(Cron {
            seconds: seconds.map_or(Ok(1), |s| parse_field(s, &SECOND))?,
            minutes: parse_field(rest[0], &MINUTE)?,
            hours: parse_field(rest[1], &HOUR)? as u32,
            days_of_month: parse_field(rest[2], &DAY_OF_MONTH)? as u32,
            months: parse_field(rest[3], &MONTH)? as u16,
            days_of_week: ((days_of_week | days_of_week >> 7) & 0x7f) as u8,
            // Vixie cron: a day field starting with `*` does not restrict the day.
            either_day: ![rest[2], rest[4]].iter().any(|f| f.starts_with('*') || *f == "?"),
        })
    }

    fn runs_on(&self, date: Date) -> bool {
        let month = self.months & (1 << date.month()) != 0;
        let dom = self.days_of_month & (1 << date.day()) != 0;
        let dow = self.days_of_week & (1 << date.weekday().to_sunday_zero_offset()) != 0;
        month && if self.either_day { dom || dow } else { dom && dow }
    }

    /// The first run strictly after `after`, reading the fields as wall-clock time in `tz`. A
    /// time that a spring-forward gap skips runs at the end of the gap, shifted by its length
    /// (02:30 → 03:30); a time that a fall-back repeats runs at its first occurrence only.
    pub fn next_after(&self, after: Instant, tz: &Zone) -> Option<Instant> {
        let mut day = tz.to_datetime(after).date();
        for _ in 0..SEARCH_DAYS {
            if self.runs_on(day) {
                let run = bits(u64::from(self.hours)).find_map(|h| {
                    bits(self.minutes).find_map(|m| {
                        bits(self.seconds).find_map(|s| {
                            let local = DateTime::from_parts(day, Time::new(h as i8, m as i8, s as i8, 0).ok()?);
                            tz.to_instant(local).filter(|t| *t > after)
                        })
                    })
                });
                if run.is_some() {
                    return run;
                }
            }
            day = day.tomorrow().ok()?;
        }
        None
    }
}

/// The positions of the set bits, lowest first.
fn bits(mut set: u64) -> impl Iterator<Item = u32> {
    std::iter::from_fn(move || {
        (set != 0).then(|| {
            let bit = set.trailing_zeros();
            set &= set - 1;
            bit
        })
    })
}

/// One field (`*`, `5`, `1-5`, `*/15`, `1-30/2`, `mon-fri`, lists of these) as the set of values
/// it matches.
fn parse_field(text: &str, field: &Field) -> Result<u64, String> {
    let mut set = 0u64;
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((range, step)) => {
                let step: u32 = step
                    .parse()
                    .ok()
                    .filter(|s| *s > 0)
                    .ok_or_else(|| format!("the step `{step}` of the {} field is not a whole number above 0", field.what))?;
                (range, step)
            }
            None => (part, 1),
        };
        let (low, high) = match range {
            "*" => (field.min, field.max),
            "?" if field.day => (field.min, field.max),
            _ => match range.split_once('-') {
                Some((a, b)) => (value(a, field)?, value(b, field)?),
                // `5/15`: from 5 to the end of the field, every 15.
                None if step > 1 => (value(range, field)?, field.max),
                None => {
                    let v = value(range, field)?;
                    (v, v)
                }
            },
        };
        if low > high {
            return Err(format!("the range `{range}` of the {} field runs backwards", field.what));
        }
        for v in (low..=high).step_by(step as usize) {
            set |= 1 << v;
        }
    }
    Ok(set)
}

/// One value of a field: a number in its range, or a month or weekday name.
fn value(text: &str, field: &Field) -> Result<u32, String> {
    let by_name = field.names.iter().position(|n| n.eq_ignore_ascii_case(text)).map(|i| i as u32 + field.min);
    by_name.or_else(|| text.parse().ok()).filter(|v| (field.min..=field.max).contains(v)).ok_or_else(|| {
        let names = if field.names.is_empty() {
            String::new()
        } else {
            format!(" or a name ({}–{})", field.names[0], field.names[field.names.len() - 1])
        };
        format!(
            "`{}` is not a {} (a number from {} to {}{names}; `L`, `W` and `#` are not supported)",
            crate::definitions::yaml::shorten(text),
            field.what,
            field.min,
            field.max
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> Instant {
        text.parse().unwrap()
    }

    fn next(cron: &str, after: &str, tz: &str) -> Option<String> {
        let tz = crate::calendar::parse_timezone(tz).unwrap().1;
        Cron::parse(cron).unwrap().next_after(ts(after), &tz).map(|t| t.to_string())
    }

    #[test]
    fn weekday_mornings_skip_the_weekend_and_run_strictly_after() {
        assert_eq!(next("0 9 * * 1-5", "2026-11-27T12:00:00Z", "UTC").as_deref(), Some("2026-11-30T09:00:00Z"));
        assert_eq!(next("0 9 * * 1-5", "2026-11-30T09:00:00Z", "UTC").as_deref(), Some("2026-12-01T09:00:00Z"));
        assert_eq!(next("0 9 * * MON-FRI", "2026-11-27T12:00:00Z", "Europe/Berlin").as_deref(), Some("2026-11-30T08:00:00Z"));
    }

    #[test]
    fn fields_lists_steps_names_and_macros() {
        assert_eq!(next("*/15 * * * *", "2026-11-30T10:07:00Z", "UTC").as_deref(), Some("2026-11-30T10:15:00Z"));
        assert_eq!(next("5/20 * * * *", "2026-11-30T10:30:00Z", "UTC").as_deref(), Some("2026-11-30T10:45:00Z"));
        assert_eq!(next("0 0 1 jan,jul *", "2026-02-01T00:00:00Z", "UTC").as_deref(), Some("2026-07-01T00:00:00Z"));
        assert_eq!(next("0 12 * * 7", "2026-11-30T00:00:00Z", "UTC").as_deref(), Some("2026-12-06T12:00:00Z"), "7 is Sunday");
        assert_eq!(next("@daily", "2026-11-30T10:00:00Z", "UTC").as_deref(), Some("2026-12-01T00:00:00Z"));
        assert_eq!(next("30 0 9 * * *", "2026-11-30T09:00:00Z", "UTC").as_deref(), Some("2026-11-30T09:00:30Z"), "seconds first");
    }

    #[test]
    fn both_day_fields_restricted_match_either_day() {
        // The 13th, or any Friday: Friday 2026-12-04 comes before the 13th.
        assert_eq!(next("0 0 13 * 5", "2026-12-01T00:00:00Z", "UTC").as_deref(), Some("2026-12-04T00:00:00Z"));
        // Only the day of the month restricted: the 13th, whatever its weekday.
        assert_eq!(next("0 0 13 * *", "2026-12-01T00:00:00Z", "UTC").as_deref(), Some("2026-12-13T00:00:00Z"));
    }

    #[test]
    fn daylight_saving_gaps_and_overlaps() {
        // 2026-03-29 02:30 does not exist in Berlin: the run moves past the gap, to 03:30 CEST.
        assert_eq!(next("30 2 * * *", "2026-03-29T00:00:00Z", "Europe/Berlin").as_deref(), Some("2026-03-29T01:30:00Z"));
        // 2026-10-25 02:30 happens twice: the first (CEST, 00:30Z) only.
        assert_eq!(next("30 2 * * *", "2026-10-24T23:00:00Z", "Europe/Berlin").as_deref(), Some("2026-10-25T00:30:00Z"));
        assert_eq!(next("30 2 * * *", "2026-10-25T00:30:00Z", "Europe/Berlin").as_deref(), Some("2026-10-26T01:30:00Z"));
    }

    #[test]
    fn a_schedule_that_never_runs_has_no_next_run() {
        assert_eq!(next("0 0 30 2 *", "2026-01-01T00:00:00Z", "UTC"), None);
    }

    #[test]
    fn malformed_schedules_are_errors_that_say_why() {
        let error = |text: &str| Cron::parse(text).unwrap_err();
        assert!(error("0 9 * *").contains("five fields"), "{}", error("0 9 * *"));
        assert!(error("60 9 * * *").contains("`60` is not a minute"));
        assert!(error("0 9 * * 1-8").contains("`8` is not a day of the week"));
        assert!(error("0 9 L * *").contains("`L` is not a day of the month"));
        assert!(error("0 9 * * 5-1").contains("runs backwards"));
        assert!(error("*/0 9 * * *").contains("step `0`"));
        assert!(error("0 9 * foo *").contains("not a month"));
    }
}
