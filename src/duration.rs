//! Durations as Kiket definitions write them: `30m`, `4h`, `2d`, `1w`, or ISO 8601 (`PT4H`, `P2D`).
//!
//! A day is 24 hours and a week 7 days: definitions describe elapsed (or business) time, never
//! calendar arithmetic, so months and years, whose length varies, are refused.

use std::fmt;

/// A positive span of time, whole seconds, at most [`Duration::MAX_SECONDS`].
///
/// ```
/// use release_policy::Duration;
/// let d: Duration = "48h".parse().unwrap();
/// assert_eq!(d.to_string(), "2d");
/// assert_eq!("PT1H30M".parse::<Duration>().unwrap().to_string(), "90m");
/// assert!("4 hours".parse::<Duration>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "string"))]
pub struct Duration(u32);

impl Duration {
    /// Ten years: longer than any timeout or window a release process needs, short enough that
    /// adding it to any supported timestamp cannot overflow.
    pub const MAX_SECONDS: u32 = 10 * 366 * 24 * 3600;

    /// A duration of `seconds`, if it is positive and at most [`Duration::MAX_SECONDS`].
    pub fn from_seconds(seconds: u64) -> Option<Duration> {
        (1..=u64::from(Self::MAX_SECONDS)).contains(&seconds).then_some(Duration(seconds as u32))
    }

    /// The length in seconds.
    pub fn seconds(self) -> u32 {
        self.0
    }

    /// The length in (fractional) hours.
    pub fn hours(self) -> f64 {
        f64::from(self.0) / 3600.0
    }
}

/// Why a text is not a duration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DurationError(pub String);

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

const HINT: &str = "write a positive whole number with a unit, like `30m`, `4h`, `2d`, `1w`, or ISO 8601 like `PT4H`, `P2D`";

impl std::str::FromStr for Duration {
    type Err = DurationError;

    fn from_str(text: &str) -> Result<Duration, DurationError> {
        let bad = |why: &str| DurationError(format!("`{}` is not a duration: {why}; {HINT}", crate::definitions::yaml::shorten(text)));
        let seconds = if text.starts_with('P') {
            parse_iso(text).ok_or_else(|| bad("malformed ISO 8601 duration (months and years are not allowed)"))?
        } else {
            parse_short(text).ok_or_else(|| bad("expected `<number><unit>` with unit s, m, h, d or w"))?
        };
        if seconds == 0 {
            return Err(bad("it is zero, so it would expire the instant it starts"));
        }
        Duration::from_seconds(seconds).ok_or_else(|| bad("longer than ten years"))
    }
}

fn unit_seconds(unit: char) -> Option<u64> {
    Some(match unit {
        's' | 'S' => 1,
        'm' | 'M' => 60,
        'h' | 'H' => 3600,
        'd' | 'D' => 86_400,
        'w' | 'W' => 7 * 86_400,
        _ => return None,
    })
}

/// `<digits><unit>`: exactly one number and one unit, no sign, no spaces.
fn parse_short(text: &str) -> Option<u64> {
    let unit = text.chars().last()?;
    let number = &text[..text.len() - unit.len_utf8()];
    if !unit.is_ascii_lowercase() {
        return None;
    }
    // Saturating: a number too large for any unit still reads as a duration, and is refused as
    // longer than ten years rather than as malformed.
    Some(number_then(number)?.saturating_mul(unit_seconds(unit)?))
}

fn number_then(digits: &str) -> Option<u64> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // All digits: only overflow can fail, and it means "very long".
    Some(digits.parse().unwrap_or(u64::MAX))
}

/// `P[nW]` or `P[nD][T[nH][nM][nS]]`, integers only.
fn parse_iso(text: &str) -> Option<u64> {
    let rest = text.strip_prefix('P')?;
    let (date, time) = match rest.split_once('T') {
        Some((d, t)) if !t.is_empty() => (d, Some(t)),
        Some(_) => return None,
        None => (rest, None),
    };
    let mut total = 0u64;
    let mut any = false;
    for (part, units) in [(date, "WD"), (time.unwrap_or(""), "HMS")] {
        let mut remaining = part;
        let mut allowed = units;
        while !remaining.is_empty() {
            let end = remaining.find(|c: char| !c.is_ascii_digit())?;
            let unit = remaining[end..].chars().next()?;
            // Units must appear in order, each at most once.
            let at = allowed.find(unit)?;
            allowed = &allowed[at + 1..];
            let n = number_then(&remaining[..end])?;
            total = total.saturating_add(n.saturating_mul(unit_seconds(unit)?));
            remaining = &remaining[end + 1..];
            any = true;
        }
    }
    any.then_some(total)
}

impl fmt::Display for Duration {
    /// The largest of `d`, `h`, `m`, `s` that divides the duration exactly.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60)] {
            if s % size == 0 {
                return write!(f, "{}{unit}", s / size);
            }
        }
        write!(f, "{s}s")
    }
}

impl serde::Serialize for Duration {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(text: &str) -> u32 {
        text.parse::<Duration>().unwrap_or_else(|e| panic!("{text}: {e}")).seconds()
    }

    #[test]
    fn short_forms() {
        assert_eq!(secs("30m"), 1800);
        assert_eq!(secs("4h"), 4 * 3600);
        assert_eq!(secs("2d"), 48 * 3600);
        assert_eq!(secs("1w"), 7 * 24 * 3600);
        assert_eq!(secs("45s"), 45);
    }

    #[test]
    fn iso_8601_forms() {
        assert_eq!(secs("PT4H"), 4 * 3600);
        assert_eq!(secs("P2D"), 48 * 3600);
        assert_eq!(secs("P1W"), 7 * 24 * 3600);
        assert_eq!(secs("P1DT2H30M"), 26 * 3600 + 1800);
        assert_eq!(secs("PT90S"), 90);
    }

    #[test]
    fn rejects_what_a_reader_could_misread() {
        for text in [
            "4 hours", "-1h", "+1h", "1.5h", "h", "4", "", "4H", "4hours", "1h30m", "P", "PT", "P1M", "P1Y", "PT4H2H", "PT1M1H", "P1DT",
            "4х", "0h", "PT0S", "P0D",
        ] {
            assert!(text.parse::<Duration>().is_err(), "`{text}` should be rejected");
        }
    }

    #[test]
    fn zero_is_refused_with_the_reason() {
        let err = "0h".parse::<Duration>().unwrap_err();
        assert!(err.0.contains("zero"), "{err}");
    }

    #[test]
    fn overflow_is_an_error_not_a_wrap() {
        assert!("99999999999999999999h".parse::<Duration>().is_err());
        assert!("P999999999999W".parse::<Duration>().is_err());
        assert!("3660d".parse::<Duration>().is_ok());
        assert!("3661d".parse::<Duration>().is_err());
    }

    #[test]
    fn prints_in_the_largest_exact_unit() {
        let show = |t: &str| t.parse::<Duration>().unwrap().to_string();
        assert_eq!(show("90m"), "90m");
        assert_eq!(show("48h"), "2d");
        assert_eq!(show("PT4H"), "4h");
        assert_eq!(show("1w"), "7d");
        assert_eq!(show("PT61S"), "61s");
    }
}
