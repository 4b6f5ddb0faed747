//! A YAML document as a tree whose every node remembers where it was written.
//!
//! Definitions errors must name file, line and column, and several errors in one file must all be
//! reported. A generic serde deserializer stops at the first error and forgets positions, so the
//! loader reads YAML through `yaml-rust2`'s event parser into this small tree and decodes it by
//! hand (see `decode.rs`).
//!
//! The tree builder is also the first line of defence against hostile files: it bounds nesting
//! depth (the tree is recursive, so depth is stack), bounds the expansion of aliases ("billion
//! laughs"), and rejects duplicate keys and multi-document files.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// Deepest nesting of sequences and mappings a definitions file may use.
pub const MAX_DEPTH: usize = 128;
/// Most nodes a file may hold once aliases are expanded.
pub const MAX_NODES: usize = 200_000;

/// A 1-based line and column in a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

impl Pos {
    fn of(mark: Marker) -> Pos {
        // yaml-rust2's columns are 0-based (its docs say otherwise); lines are 1-based.
        Pos { line: saturate(mark.line()), column: saturate(mark.col()).saturating_add(1) }
    }
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// One node of a YAML document.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub pos: Pos,
    pub kind: Kind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// A scalar with its source text; `quoted` scalars are always strings.
    Scalar {
        /// Borrowed from the built-in pack's static text (no copy on `Policy::builtin()`), owned
        /// when parsed from a pack given at run time.
        text: Cow<'static, str>,
        quoted: bool,
    },
    Seq(Vec<Node>),
    /// Entries in source order; keys are scalar nodes, unique.
    Map(Vec<(Node, Node)>),
}

/// A scalar resolved by the YAML 1.2 core schema.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scalar<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'a str),
}

impl Node {
    /// The scalar this node holds, resolved by the core schema, or `None` for a collection.
    pub fn scalar(&self) -> Option<Scalar<'_>> {
        match &self.kind {
            Kind::Scalar { text, quoted: true } => Some(Scalar::Str(text)),
            Kind::Scalar { text, quoted: false } => Some(resolve_plain(text)),
            _ => None,
        }
    }

    /// What this node is, for "expected …, found …" messages.
    pub fn describe(&self) -> String {
        match &self.kind {
            Kind::Seq(_) => "a list".to_owned(),
            Kind::Map(_) => "a mapping".to_owned(),
            Kind::Scalar { text, .. } => match self.scalar() {
                Some(Scalar::Null) => "nothing (null)".to_owned(),
                _ => format!("`{}`", shorten(text)),
            },
        }
    }

    /// Converts the node to JSON, resolving scalars; used for action parameters returned verbatim.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match &self.kind {
            Kind::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            Kind::Map(entries) => Value::Object(entries.iter().map(|(k, v)| (k.key_text().to_owned(), v.to_json())).collect()),
            Kind::Scalar { .. } => match self.scalar() {
                Some(Scalar::Bool(b)) => Value::Bool(b),
                Some(Scalar::Int(i)) => Value::from(i),
                Some(Scalar::Float(f)) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
                Some(Scalar::Str(s)) => Value::String(s.to_owned()),
                Some(Scalar::Null) | None => Value::Null,
            },
        }
    }

    /// The text of a mapping key (keys are always scalars).
    pub fn key_text(&self) -> &str {
        match &self.kind {
            Kind::Scalar { text, .. } => text,
            _ => "",
        }
    }
}

/// Cuts long values in messages so an error never echoes a megabyte back.
pub fn shorten(text: &str) -> String {
    const LIMIT: usize = 60;
    if text.chars().count() <= LIMIT {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(LIMIT).collect();
        format!("{cut}…")
    }
}

fn resolve_plain(text: &str) -> Scalar<'_> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Scalar::Null,
        "true" | "True" | "TRUE" => return Scalar::Bool(true),
        "false" | "False" | "FALSE" => return Scalar::Bool(false),
        _ => {}
    }
    // Only a digit, a sign or a point starts a number (and most scalars are names).
    if !matches!(text.as_bytes().first(), Some(b'0'..=b'9' | b'-' | b'+' | b'.')) {
        return Scalar::Str(text);
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(i) = text.parse::<i64>() {
            return Scalar::Int(i);
        }
    }
    if let Some(f) = decimal(text).filter(|_| text.contains(['.', 'e', 'E'])) {
        return Scalar::Float(f);
    }
    Scalar::Str(text)
}

/// Reads the core schema's float syntax (`1.5`, `-.5`, `2.`, `1e3`; `.inf`/`.nan` are not numbers
/// to a policy, which has no use for non-finite values) as the `f64` serde_json reads for the same
/// number written as JSON. So a threshold in a pack equals the same number in a request, and the
/// module carries one float reader (core's would add 20 KB to the WebAssembly modules).
///
/// ```
/// use release_policy::definitions::yaml::decimal;
/// assert_eq!(decimal("+.5"), Some(0.5));
/// assert_eq!(decimal("007.25e1"), Some(72.5));
/// assert_eq!(decimal("."), None);
/// assert_eq!(decimal("1e"), None);
/// ```
pub fn decimal(text: &str) -> Option<f64> {
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
        None => (unsigned, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if !digits(whole) || !digits(fraction) || (whole.is_empty() && fraction.is_empty()) {
        return None;
    }
    // The same number in JSON's stricter syntax: no `+`, no leading zeros, digits on both sides.
    let mut json = String::with_capacity(text.len() + 2);
    if negative {
        json.push('-');
    }
    let whole = whole.trim_start_matches('0');
    json.push_str(if whole.is_empty() { "0" } else { whole });
    if !fraction.is_empty() {
        json.push('.');
        json.push_str(fraction);
    }
    if let Some(exponent) = exponent {
        let magnitude = exponent.strip_prefix(['-', '+']).unwrap_or(exponent);
        if magnitude.is_empty() || !digits(magnitude) {
            return None;
        }
        json.push('e');
        json.push_str(exponent);
    }
    serde_json::from_str::<f64>(&json).ok().filter(|f| f.is_finite())
}

/// A syntax or structure error in one YAML file.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub pos: Pos,
    pub message: String,
}

/// A parsed tree as compact bytes, and back: build.rs parses the built-in pack with [`parse`] and
/// stores its trees this way, so that loading the built-in pack skips YAML scanning (the bulk of a
/// cold start in WebAssembly). The text stays in the module anyway (`BUILTIN_FILES`), so a node
/// refers to it: its position is a byte offset (a signed delta from the previous node's), and a
/// scalar whose text stands verbatim at its position (most do) is just a length. Each node is a tag
/// (bits 0–1: plain scalar, quoted scalar, sequence, mapping; bit 2: the text is the source's, one
/// byte on for a quote when bit 3), the offset delta, then the text or the children, numbers as
/// LEB128. `None` when a position is not in `source`: the caller then parses.
pub fn encode(node: &Node, source: &str, out: &mut Vec<u8>) -> Option<()> {
    let lines = LineStarts::of(source);
    encode_node(node, source, &lines, &mut 0, out)
}

fn encode_node(node: &Node, source: &str, lines: &LineStarts, previous: &mut usize, out: &mut Vec<u8>) -> Option<()> {
    let offset = lines.offset(source, node.pos)?;
    let (kind, text) = match &node.kind {
        Kind::Scalar { text, quoted: false } => (0, Some(text)),
        Kind::Scalar { text, quoted: true } => (1, Some(text)),
        Kind::Seq(_) => (2, None),
        Kind::Map(_) => (3, None),
    };
    let verbatim =
        text.and_then(|t| [0, 1].into_iter().find(|skip| source.get(offset + skip..).is_some_and(|rest| rest.starts_with(t.as_ref()))));
    out.push(kind | verbatim.map_or(0, |skip| 4 | (skip as u8) << 3));
    let delta = offset as i64 - *previous as i64;
    write_number(((delta << 1) ^ (delta >> 63)) as u64, out);
    *previous = offset;
    match &node.kind {
        Kind::Scalar { text, .. } => {
            write_number(text.len() as u64, out);
            if verbatim.is_none() {
                out.extend_from_slice(text.as_bytes());
            }
        }
        Kind::Seq(items) => {
            write_number(items.len() as u64, out);
            for item in items {
                encode_node(item, source, lines, previous, out)?;
            }
        }
        Kind::Map(entries) => {
            write_number(entries.len() as u64, out);
            for (key, value) in entries {
                encode_node(key, source, lines, previous, out)?;
                encode_node(value, source, lines, previous, out)?;
            }
        }
    }
    Some(())
}

fn write_number(mut n: u64, out: &mut Vec<u8>) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// The tree [`encode`] wrote for `source`, or `None` if the bytes are not such a tree. Both are
/// static (the built-in pack), so the tree's scalars borrow their text instead of copying it.
pub fn decode(bytes: &'static [u8], source: &'static str) -> Option<Node> {
    struct Reader {
        bytes: &'static [u8],
        at: usize,
        offset: usize,
    }
    impl Reader {
        fn number(&mut self) -> Option<u64> {
            let mut n = 0u64;
            for shift in (0..64).step_by(7) {
                let byte = *self.bytes.get(self.at)?;
                self.at += 1;
                n |= u64::from(byte & 0x7f) << shift;
                if byte < 0x80 {
                    return Some(n);
                }
            }
            None
        }
        fn len(&mut self) -> Option<usize> {
            usize::try_from(self.number()?).ok()
        }
    }
    fn node(r: &mut Reader, source: &'static str, lines: &LineStarts, depth: usize) -> Option<Node> {
        let tag = *r.bytes.get(r.at)?;
        r.at += 1;
        let zigzag = r.number()?;
        let delta = (zigzag >> 1) as i64 ^ -((zigzag & 1) as i64);
        r.offset = usize::try_from(r.offset as i64 + delta).ok()?;
        let offset = r.offset;
        let pos = lines.pos(source, offset)?;
        let len = r.len()?;
        let kind = match tag & 3 {
            k @ (0 | 1) => {
                let text = if tag & 4 != 0 {
                    let start = offset + usize::from(tag >> 3 & 1);
                    source.get(start..start.checked_add(len)?)?
                } else {
                    let text = std::str::from_utf8(r.bytes.get(r.at..r.at.checked_add(len)?)?).ok()?;
                    r.at += len;
                    text
                };
                Kind::Scalar { text: Cow::Borrowed(text), quoted: k == 1 }
            }
            _ if depth >= MAX_DEPTH => return None,
            2 => Kind::Seq((0..len).map(|_| node(r, source, lines, depth + 1)).collect::<Option<_>>()?),
            _ => Kind::Map(
                (0..len).map(|_| Some((node(r, source, lines, depth + 1)?, node(r, source, lines, depth + 1)?))).collect::<Option<_>>()?,
            ),
        };
        Some(Node { pos, kind })
    }
    let lines = LineStarts::of(source);
    let mut reader = Reader { bytes, at: 0, offset: 0 };
    let root = node(&mut reader, source, &lines, 0)?;
    (reader.at == bytes.len()).then_some(root)
}

/// The byte offset where each line of a text starts, to turn a [`Pos`] (line, and column in
/// characters) into a byte offset and back.
struct LineStarts(Vec<usize>);

impl LineStarts {
    fn of(source: &str) -> LineStarts {
        LineStarts(std::iter::once(0).chain(source.match_indices('\n').map(|(i, _)| i + 1)).collect())
    }

    fn offset(&self, source: &str, pos: Pos) -> Option<usize> {
        let start = *self.0.get((pos.line as usize).checked_sub(1)?)?;
        let column = (pos.column as usize).checked_sub(1)?;
        let line = source.get(start..)?;
        // Column `n` is after `n - 1` characters; it may stand just past the line's last one.
        line.char_indices().map(|(i, _)| i).chain(std::iter::once(line.len())).nth(column).map(|i| start + i)
    }

    fn pos(&self, source: &str, offset: usize) -> Option<Pos> {
        let line = self.0.partition_point(|start| *start <= offset);
        let start = self.0[line.checked_sub(1)?];
        let column = source.get(start..offset)?.chars().count() + 1;
        Some(Pos { line: u32::try_from(line).ok()?, column: u32::try_from(column).ok()? })
    }
}

/// Parses one YAML document into a [`Node`] tree. An empty file is a null scalar.
pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    if let Err(e) = parser.load(&mut builder, true) {
        // A scanner error is the root cause; anything the builder saw after it is noise.
        return Err(SyntaxError { pos: Pos::of(*e.marker()), message: e.info().to_owned() });
    }
    if let Some(error) = builder.error {
        return Err(error);
    }
    Ok(builder.root.unwrap_or(Node { pos: Pos { line: 1, column: 1 }, kind: Kind::Scalar { text: Cow::Borrowed(""), quoted: false } }))
}

enum Frame {
    Seq { pos: Pos, anchor: usize, items: Vec<Node> },
    Map { pos: Pos, anchor: usize, entries: Vec<(Node, Node)>, key: Option<Node>, seen: HashSet<String> },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    root: Option<Node>,
    anchors: HashMap<usize, Node>,
    nodes: usize,
    documents: usize,
    error: Option<SyntaxError>,
}

impl Builder {
    fn fail(&mut self, pos: Pos, message: String) {
        if self.error.is_none() {
            self.error = Some(SyntaxError { pos, message });
        }
    }

    fn count(&mut self, pos: Pos, n: usize) -> bool {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > MAX_NODES {
            self.fail(pos, format!("the file expands to more than {MAX_NODES} nodes (aliases included); definitions are never that large"));
            return false;
        }
        true
    }

    fn open(&mut self, frame: Frame, pos: Pos) {
        if self.stack.len() >= MAX_DEPTH {
            self.fail(pos, format!("nesting deeper than {MAX_DEPTH} levels"));
        }
        self.stack.push(frame);
    }

    /// Attaches a finished node to its parent (or makes it the document root).
    fn attach(&mut self, node: Node, anchor: usize) {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, seen, .. }) => match key.take() {
                Some(k) => entries.push((k, node)),
                None => {
                    let Kind::Scalar { text, .. } = &node.kind else {
                        let pos = node.pos;
                        self.fail(pos, "a mapping key must be a plain string, not a list or mapping".to_owned());
                        return;
                    };
                    if !seen.insert(text.to_string()) {
                        let message = format!("duplicate key `{}` in this mapping", shorten(text));
                        let pos = node.pos;
                        self.fail(pos, message);
                        return;
                    }
                    *key = Some(node);
                }
            },
        }
    }
}

fn size(node: &Node) -> usize {
    let mut total = 0usize;
    let mut todo = vec![node];
    while let Some(n) = todo.pop() {
        total += 1;
        match &n.kind {
            Kind::Scalar { .. } => {}
            Kind::Seq(items) => todo.extend(items),
            Kind::Map(entries) => todo.extend(entries.iter().flat_map(|(k, v)| [k, v])),
        }
    }
    total
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        let pos = Pos::of(mark);
        match event {
            Event::DocumentStart => {
                self.documents += 1;
                if self.documents > 1 {
                    self.fail(pos, "a definitions file holds one YAML document; found a second `---`".to_owned());
                }
            }
            Event::Scalar(text, style, anchor, _tag) => {
                if self.count(pos, 1) {
                    let quoted = !matches!(style, TScalarStyle::Plain);
                    self.attach(Node { pos, kind: Kind::Scalar { text: Cow::Owned(text), quoted } }, anchor);
                }
            }
            Event::SequenceStart(anchor, _) => {
                if self.count(pos, 1) {
                    self.open(Frame::Seq { pos, anchor, items: Vec::new() }, pos);
                }
            }
            Event::MappingStart(anchor, _) => {
                if self.count(pos, 1) {
                    let frame = Frame::Map { pos, anchor, entries: Vec::new(), key: None, seen: HashSet::new() };
                    self.open(frame, pos);
                }
            }
            Event::SequenceEnd | Event::MappingEnd => match self.stack.pop() {
                Some(Frame::Seq { pos, anchor, items }) => {
                    self.attach(Node { pos, kind: Kind::Seq(items) }, anchor);
                }
                Some(Frame::Map { pos, anchor, entries, .. }) => {
                    // yaml-rust2 marks a block mapping after its first key; a reader looks for
                    // the mapping where its first key is written.
                    let pos = entries.first().map_or(pos, |(k, _)| k.pos);
                    self.attach(Node { pos, kind: Kind::Map(entries) }, anchor);
                }
                None => self.fail(pos, "unbalanced end of a collection".to_owned()),
            },
            Event::Alias(id) => match self.anchors.get(&id).cloned() {
                Some(mut node) => {
                    if self.count(pos, size(&node)) {
                        node.pos = pos;
                        self.attach(node, 0);
                    }
                }
                None => self.fail(pos, "an alias to an anchor that is not defined before it".to_owned()),
            },
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map_entries(node: &Node) -> &[(Node, Node)] {
        match &node.kind {
            Kind::Map(entries) => entries,
            other => panic!("expected a map, got {other:?}"),
        }
    }

    #[test]
    fn positions_are_one_based_line_and_column() {
        let doc = parse("a: 1\nlist:\n  - x\n  - key: value\n").unwrap();
        let entries = map_entries(&doc);
        assert_eq!(entries[0].0.pos, Pos { line: 1, column: 1 });
        assert_eq!(entries[0].1.pos, Pos { line: 1, column: 4 });
        let Kind::Seq(items) = &entries[1].1.kind else { panic!() };
        assert_eq!(items[0].pos, Pos { line: 3, column: 5 });
        assert_eq!(items[1].pos, Pos { line: 4, column: 5 }, "a mapping is where its first key is");
        let inner = map_entries(&items[1]);
        assert_eq!(inner[0].1.pos, Pos { line: 4, column: 10 });
    }

    #[test]
    fn a_number_in_a_pack_is_the_f64_the_same_number_in_a_request_is() {
        for json in ["0.1", "0.3", "-2.5", "99.95", "1e3", "1.7976931348623157e308", "5e-324", "0.30000000000000004", "123456789.123456789"]
        {
            let request: f64 = serde_json::from_str(json).unwrap();
            assert_eq!(decimal(json), Some(request), "{json}");
        }
        // YAML's looser spellings read as their JSON equivalents.
        for (yaml, json) in [("+.5", "0.5"), ("2.", "2"), ("007.25", "7.25"), ("-.1E+2", "-0.1e2"), ("1.e-3", "1e-3")] {
            assert_eq!(decimal(yaml), Some(serde_json::from_str::<f64>(json).unwrap()), "{yaml}");
        }
        for not_a_number in [".", "-", "+e5", "1e", "1e+", "1.2.3", "1_000.5", "0x1p3", ".inf", "NaN", "1e400", "١.٥"] {
            assert_eq!(decimal(not_a_number), None, "{not_a_number}");
        }
    }

    #[test]
    fn scalars_resolve_by_the_core_schema_and_quotes_keep_strings() {
        let doc = parse("a: 4\nb: '4'\nc: 1.5\nd: true\ne: ~\nf: 1.0.0\ng: 2h\nh: .inf\n").unwrap();
        let values: Vec<_> = map_entries(&doc).iter().map(|(_, v)| v.scalar().unwrap()).collect();
        assert_eq!(
            values,
            [
                Scalar::Int(4),
                Scalar::Str("4"),
                Scalar::Float(1.5),
                Scalar::Bool(true),
                Scalar::Null,
                Scalar::Str("1.0.0"),
                Scalar::Str("2h"),
                Scalar::Str(".inf"),
            ]
        );
    }

    #[test]
    fn syntax_errors_carry_their_position() {
        let err = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(err.pos.line >= 1, "{err:?}");
        let err = parse("a: 1\n  b: 2\n").unwrap_err();
        assert_eq!(err.pos.line, 2, "{err:?}");
    }

    #[test]
    fn duplicate_keys_are_rejected_where_the_second_one_stands() {
        let err = parse("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(err.pos, Pos { line: 3, column: 1 });
        assert!(err.message.contains("duplicate key `a`"), "{}", err.message);
    }

    #[test]
    fn aliases_expand_within_a_budget() {
        let doc = parse("base: &b {x: 1}\ncopy: *b\n").unwrap();
        assert_eq!(doc.to_json(), serde_json::json!({"base": {"x": 1}, "copy": {"x": 1}}));

        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            bomb.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let err = parse(&bomb).unwrap_err();
        assert!(err.message.contains("expands to more than"), "{}", err.message);
    }

    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow() {
        // Block style: only this builder bounds it.
        let block: String = (0..300).map(|i| format!("{}k{i}:\n", "  ".repeat(i))).collect();
        let err = parse(&block).unwrap_err();
        assert!(err.message.contains("nesting deeper than 128"), "{}", err.message);
        // Flow style between this limit and yaml-rust2's own (255).
        let flow = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(parse(&flow).unwrap_err().message.contains("nesting deeper than 128"));
        // Far beyond both: refused by the scanner, still an error and not a crash.
        let flow = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(parse(&flow).is_err());
    }

    #[test]
    fn a_second_document_is_an_error() {
        let err = parse("a: 1\n---\nb: 2\n").unwrap_err();
        assert!(err.message.contains("one YAML document"), "{}", err.message);
    }
}
