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
            json_lines(policy, input, now, options, &mut progress)
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

/// Lines of one block, with the index of its first release (blank lines do not count).
struct Block {
    text: Vec<u8>,
    /// Where each release's line ends in `text` (blank lines are left out of the block).
    ends: Vec<usize>,
    first: u64,
}

/// JSON Lines over every core: the reader cuts the input into blocks of whole lines, each worker
/// analyses the blocks it is dealt with its own [`Analyzer`], and the analyzers are merged. The
/// answer is the same as one analyzer's; so is the error: the malformed release with the lowest index.
fn json_lines(
    policy: &Policy,
    mut input: impl BufRead,
    now: Instant,
    options: AnalyzeOptions,
    progress: &mut Progress,
) -> Result<Analytics, ErrorBody> {
    const BLOCK: usize = 1 << 20;
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    // Fail early on a dashboard the pack lacks, before reading anything.
    policy.analyzer(now, Directory::default(), None, options)?;
    std::thread::scope(|scope| {
        let mut senders = Vec::new();
        let mut handles = Vec::new();
        for _ in 0..workers {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Block>(2);
            senders.push(tx);
            handles.push(scope.spawn(move || -> Result<(Analyzer<'_>, Option<(u64, ErrorBody)>), ErrorBody> {
                let mut analyzer = policy.analyzer(now, Directory::default(), None, options)?;
                let mut failed: Option<(u64, ErrorBody)> = None;
                for block in rx {
                    if failed.is_some() {
                        continue;
                    }
                    analyzer.skip_to(block.first);
                    let mut start = 0;
                    for &end in &block.ends {
                        let line = block.text[start..end].trim_ascii_end();
                        start = end;
                        let index = analyzer.position();
                        let outcome = match std::str::from_utf8(line) {
                            Ok(text) => analyzer.add_json(text),
                            Err(e) => Err(ErrorBody {
                                path: Some(format!("releases[{index}]")),
                                ..request_error(format!("the line is not UTF-8 (invalid byte at offset {})", e.valid_up_to()))
                            }),
                        };
                        if let Err(body) = outcome {
                            failed = Some((index, body));
                            break;
                        }
                    }
                }
                Ok((analyzer, failed))
            }));
        }

        let mut first = 0u64;
        let mut turn = 0usize;
        let mut read_error = None;
        loop {
            // A block of whole lines, about BLOCK bytes; the reader notes where each line ends so
            // that the workers need not scan for newlines again.
            let mut text = Vec::with_capacity(BLOCK + 4096);
            let mut ends = Vec::new();
            while text.len() < BLOCK {
                let start = text.len();
                match input.read_until(b'\n', &mut text) {
                    Ok(0) => break,
                    Ok(_) if text[start..].trim_ascii().is_empty() => text.truncate(start),
                    Ok(_) => ends.push(text.len()),
                    Err(e) => {
                        read_error = Some(request_error(format!("cannot read the input: {e}")));
                        break;
                    }
                }
            }
            if ends.is_empty() {
                break;
            }
            let releases = ends.len() as u64;
            let block = Block { text, ends, first };
            first += releases;
            for _ in 0..releases {
                progress.tick();
            }
            if senders[turn % workers].send(block).is_err() || read_error.is_some() {
                break;
            }
            turn += 1;
        }
        drop(senders);

        let mut merged: Option<Analyzer<'_>> = None;
        let mut failure: Option<(u64, ErrorBody)> = None;
        for handle in handles {
            let (analyzer, failed) = match handle.join() {
                Ok(result) => result?,
                Err(_) => return Err(ErrorBody::new(ErrorKind::Internal, "an analysis thread panicked (a bug, please report it)")),
            };
            if let Some((index, body)) = failed {
                if failure.as_ref().is_none_or(|(i, _)| index < *i) {
                    failure = Some((index, body));
                }
            }
            match merged.as_mut() {
                Some(m) => m.merge(analyzer),
                None => merged = Some(analyzer),
            }
        }
        if let Some(e) = read_error {
            return Err(e);
        }
        if let Some((_, body)) = failure {
            return Err(body);
        }
        match merged {
            Some(analyzer) => Ok(analyzer.finish()),
            None => Err(ErrorBody::new(ErrorKind::Internal, "no analysis thread ran")),
        }
    })
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
