//! `release-policy analyze`: feeds the library's [`Analyzer`] one release at a time, from the object
//! form (`{"now", "directory", "calendar", "releases": [...]}`, read as a stream) or from JSON Lines
//! (one release per line, `--now`). Memory stays flat whatever the number of releases.

use std::fmt;
use std::io::{BufRead, IsTerminal, Write};

use release_policy::analytics::{Analytics, AnalyzeOptions, Analyzer};
use release_policy::calendar::Instant;
use release_policy::request::{CalendarInput, Directory};
use release_policy::{ErrorBody, ErrorKind, Policy};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// Where the releases come from.
pub enum Format {
    Object,
    JsonLines,
}

/// Prints `analysed N releases` on a terminal every so often, so a long run shows it is alive.
struct Progress {
    on: bool,
    seen: u64,
}

impl Progress {
    fn new() -> Progress {
        Progress { on: std::io::stderr().is_terminal(), seen: 0 }
    }

    fn tick(&mut self) {
        self.seen += 1;
        if self.on && self.seen % 100_000 == 0 {
            eprint!("\ranalysed {} releases…", self.seen);
            let _ = std::io::stderr().flush();
        }
    }

    fn done(&self) {
        if self.on && self.seen >= 100_000 {
            eprintln!("\ranalysed {} releases.   ", self.seen);
        }
    }
}

fn request_error(message: impl Into<String>) -> ErrorBody {
    ErrorBody::new(ErrorKind::Request, message)
}

/// Runs the analysis over `input`.
pub fn run(
    policy: &Policy,
    input: impl BufRead,
    format: Format,
    now: Option<Instant>,
    options: AnalyzeOptions,
) -> Result<Analytics, ErrorBody> {
    let mut progress = Progress::new();
    let result = match format {
        Format::JsonLines => {
            let now = now.ok_or_else(|| request_error("JSON Lines input needs `--now <RFC 3339 instant>`"))?;
            let mut analyzer = policy.analyzer(now, Directory::default(), None, options)?;
            let mut input = input;
            let mut line = String::new();
            for number in 1.. {
                // One buffer for every line: no allocation per release for the text itself.
                line.clear();
                match input.read_line(&mut line) {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(e) => return Err(request_error(format!("cannot read line {number}: {e}"))),
                }
                if line.trim().is_empty() {
                    continue;
                }
                analyzer.add_json(line.trim_end())?;
                progress.tick();
            }
            Ok(analyzer.finish())
        }
        Format::Object => {
            let mut stream = Stream {
                policy,
                now,
                now_from_flag: now.is_some(),
                options,
                directory: None,
                calendar: None,
                analyzer: None,
                stopped: None,
                progress: &mut progress,
            };
            let mut de = serde_json::Deserializer::from_reader(input);
            let outcome = (&mut stream).deserialize(&mut de).and_then(|()| de.end());
            match (outcome, stream.stopped.take()) {
                (_, Some(body)) => Err(body),
                (Err(e), None) => Err(request_error(format!("the input is not the analyze object: {e}"))),
                (Ok(()), None) => match stream.analyzer {
                    Some(analyzer) => Ok(analyzer.finish()),
                    None => Err(ErrorBody { path: Some("releases".into()), ..request_error("the input has no `releases`") }),
                },
            }
        }
    };
    progress.done();
    result
}

/// The object form, read key by key so that releases are analysed as they arrive.
struct Stream<'s, 'p> {
    policy: &'p Policy,
    now: Option<Instant>,
    /// `--now` was given: the file's `now` is ignored, wherever it is.
    now_from_flag: bool,
    options: AnalyzeOptions,
    directory: Option<Directory>,
    calendar: Option<CalendarInput>,
    analyzer: Option<Analyzer<'p>>,
    /// An error of ours that stopped the parse (the parser's own errors come back from serde).
    stopped: Option<ErrorBody>,
    progress: &'s mut Progress,
}

impl Stream<'_, '_> {
    fn stop<E: de::Error>(&mut self, body: ErrorBody) -> E {
        let message = body.message.clone();
        self.stopped = Some(body);
        E::custom(message)
    }
}

impl<'de> DeserializeSeed<'de> for &mut Stream<'_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for &mut Stream<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object with `now` and `releases`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            let late = |what: &str| ErrorBody {
                path: Some(what.to_owned()),
                ..request_error(format!("`{what}` must come before `releases`, which are analysed as they are read"))
            };
            match key.as_str() {
                "now" if self.analyzer.is_some() && !self.now_from_flag => return Err(self.stop(late("now"))),
                "directory" if self.analyzer.is_some() => return Err(self.stop(late("directory"))),
                "calendar" if self.analyzer.is_some() => return Err(self.stop(late("calendar"))),
                "now" => {
                    let now: Instant = map.next_value()?;
                    // `--now` wins over the file's.
                    self.now.get_or_insert(now);
                }
                "directory" => self.directory = Some(map.next_value()?),
                "calendar" => self.calendar = Some(map.next_value()?),
                "releases" => {
                    let Some(now) = self.now else {
                        let body = ErrorBody {
                            path: Some("now".into()),
                            ..request_error(
                                "`now` must come before `releases` (or pass --now), so that releases are analysed as they are read",
                            )
                        };
                        return Err(self.stop(body));
                    };
                    let analyzer = self.policy.analyzer(now, self.directory.take().unwrap_or_default(), self.calendar.take(), self.options);
                    match analyzer {
                        Ok(analyzer) => self.analyzer = Some(analyzer),
                        Err(body) => return Err(self.stop(body)),
                    }
                    map.next_value_seed(Releases(&mut *self))?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

struct Releases<'a, 's, 'p>(&'a mut Stream<'s, 'p>);

impl<'de> DeserializeSeed<'de> for Releases<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Releases<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of releases")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let stream = self.0;
        while let Some(raw) = seq.next_element::<Box<serde_json::value::RawValue>>()? {
            let Some(analyzer) = stream.analyzer.as_mut() else { return Ok(()) };
            if let Err(body) = analyzer.add_json(raw.get()) {
                return Err(stream.stop(body));
            }
            stream.progress.tick();
        }
        Ok(())
    }
}
