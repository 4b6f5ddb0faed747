//! Metric expressions of a pack: `count("rollback") / count("production") * 100`,
//! `cycle_time("development", "production")`, `(count(status = 'rollback' OR status = 'failed') /
//! count(status IN ('production', 'completed'))) * 100`.
//!
//! Owns: parsing an expression into a tree, and its value from per-window aggregates. An expression is
//! a function of aggregates over the releases of a window — counts of releases matching a predicate
//! and mean cycle times — so it is evaluated in one pass whatever the number of releases: each
//! release adds to the aggregates ([`Expr::observe`]), the value is read at the end ([`Expr::value`]).

use std::fmt;

/// A parsed metric expression.
///
/// ```
/// use release_policy::analytics::expr::Expr;
/// let e = Expr::parse("count(\"rollback\") / count(\"production\") * 100").unwrap();
/// assert_eq!(e.aggregates().len(), 2);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    tree: Node,
    aggregates: Vec<Aggregate>,
}

#[derive(Clone, Debug, PartialEq)]
enum Node {
    Number(f64),
    /// An aggregate over the window's releases, by its index in [`Expr::aggregates`].
    Aggregate(usize),
    Binary(Box<Node>, BinaryOp, Box<Node>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
}

/// What an expression counts or measures over a window's releases.
#[derive(Clone, Debug, PartialEq)]
pub enum Aggregate {
    /// `count(<predicate>)`: releases for which the predicate holds.
    Count(Predicate),
    /// `count("state")`: releases that reached the state (their status, or an entry in their history).
    Reached(String),
    /// `cycle_time("from", "to")`: mean hours from the first entry into `from` to the first entry into
    /// `to` after it, over the releases that have both.
    CycleTime { from: String, to: String },
}

/// A condition on one release inside `count(...)`.
#[derive(Clone, Debug, PartialEq)]
pub enum Predicate {
    /// `field = 'value'` (`field` is `status`, `case_type`, `priority` or a custom field).
    Equals(String, String),
    /// `field IN ('a', 'b')`.
    In(String, Vec<String>),
    And(Box<Predicate>, Box<Predicate>),
    Or(Box<Predicate>, Box<Predicate>),
    Not(Box<Predicate>),
}

/// What the expression language needs to know of a release.
pub trait ReleaseView {
    /// The value of `status`, `case_type`, `priority`, or a custom field (text values only).
    fn field(&self, name: &str) -> Option<&str>;
    /// Whether the release is in the state or has a history entry into it.
    fn reached(&self, state: &str) -> bool;
    /// Hours from the first entry into `from` to the first entry into `to` after it.
    fn cycle_hours(&self, from: &str, to: &str) -> Option<f64>;
}

impl Predicate {
    pub fn holds(&self, release: &dyn ReleaseView) -> bool {
        match self {
            Predicate::Equals(field, value) => release.field(field) == Some(value.as_str()),
            Predicate::In(field, values) => release.field(field).is_some_and(|v| values.iter().any(|x| x == v)),
            Predicate::And(a, b) => a.holds(release) && b.holds(release),
            Predicate::Or(a, b) => a.holds(release) || b.holds(release),
            Predicate::Not(a) => !a.holds(release),
        }
    }
}

/// Running totals of one aggregate.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Tally {
    pub sum: f64,
    pub count: u64,
}

impl Expr {
    /// Parses an expression; the message of an error says where and what was expected.
    pub fn parse(text: &str) -> Result<Expr, String> {
        let mut p = Parser { tokens: tokenize(text)?, at: 0, aggregates: Vec::new() };
        let tree = p.sum()?;
        if let Some(t) = p.tokens.get(p.at) {
            return Err(format!("unexpected {t} after the end of the expression"));
        }
        if p.aggregates.is_empty() {
            return Err("the expression counts nothing: use count(...) or cycle_time(...)".into());
        }
        Ok(Expr { tree, aggregates: p.aggregates })
    }

    /// The aggregates the expression reads, in the order [`Expr::observe`] fills tallies.
    pub fn aggregates(&self) -> &[Aggregate] {
        &self.aggregates
    }

    /// A tally per aggregate, to pass to [`Expr::observe`] and [`Expr::value`].
    pub fn tallies(&self) -> Vec<Tally> {
        vec![Tally::default(); self.aggregates().len()]
    }

    /// Adds one release of the window to the tallies.
    pub fn observe(&self, release: &dyn ReleaseView, tallies: &mut [Tally]) {
        for (aggregate, tally) in self.aggregates().iter().zip(tallies.iter_mut()) {
            match aggregate {
                Aggregate::Count(p) => tally.count += u64::from(p.holds(release)),
                Aggregate::Reached(state) => tally.count += u64::from(release.reached(state)),
                Aggregate::CycleTime { from, to } => {
                    if let Some(hours) = release.cycle_hours(from, to) {
                        tally.sum += hours;
                        tally.count += 1;
                    }
                }
            }
        }
    }

    /// The value from the tallies; `None` when it divides by zero or averages nothing.
    pub fn value(&self, tallies: &[Tally]) -> Option<f64> {
        eval(&self.tree, &self.aggregates, tallies)
    }

    /// What the value measures, from the expression's shape: `releases` for a count, `hours` for a
    /// cycle time, `%` for a ratio of like quantities times 100; `None` for a bare number or a mix.
    ///
    /// ```
    /// use release_policy::analytics::expr::Expr;
    /// let unit = |text| Expr::parse(text).unwrap().unit();
    /// assert_eq!(unit("count(\"rollback\") / count(\"production\") * 100"), Some("%"));
    /// assert_eq!(unit("cycle_time(\"development\", \"production\") / 24"), Some("hours"));
    /// assert_eq!(unit("count(\"rollback\") / count(\"production\")"), None);
    /// ```
    pub fn unit(&self) -> Option<&'static str> {
        match dimension(&self.tree, &self.aggregates) {
            (Dimension::Releases, false) => Some("releases"),
            (Dimension::Hours, false) => Some("hours"),
            (Dimension::Ratio, true) => Some("%"),
            _ => None,
        }
    }
}

/// The dimension of a subexpression: what [`Expr::unit`] names.
#[derive(Clone, Copy, PartialEq)]
enum Dimension {
    Number,
    Releases,
    Hours,
    /// Like quantities divided: a fraction.
    Ratio,
    /// Unlike quantities combined: no unit to name.
    Mixed,
}

/// A subexpression's dimension, and whether it is scaled by 100 (a ratio so scaled is a percentage).
fn dimension(e: &Node, aggregates: &[Aggregate]) -> (Dimension, bool) {
    use Dimension::*;
    let (a, op, b) = match e {
        Node::Number(n) => return (Number, *n == 100.0),
        Node::Aggregate(i) if matches!(aggregates.get(*i), Some(Aggregate::CycleTime { .. })) => return (Hours, false),
        Node::Aggregate(_) => return (Releases, false),
        Node::Binary(a, op, b) => (a, op, b),
    };
    let ((x, fx), (y, fy)) = (dimension(a, aggregates), dimension(b, aggregates));
    match op {
        BinaryOp::Add | BinaryOp::Sub if x == y && fx == fy => (x, fx),
        BinaryOp::Mul if y == Number => (x, fx || fy),
        BinaryOp::Mul if x == Number => (y, fx || fy),
        BinaryOp::Div if x == y && x != Number => (Ratio, fx && !fy),
        BinaryOp::Div if y == Number => (x, fx && !fy),
        _ => (Mixed, false),
    }
}

fn eval(e: &Node, aggregates: &[Aggregate], tallies: &[Tally]) -> Option<f64> {
    match e {
        Node::Number(n) => Some(*n),
        Node::Aggregate(i) => {
            let t = tallies.get(*i)?;
            match aggregates.get(*i)? {
                Aggregate::CycleTime { .. } => (t.count > 0).then(|| t.sum / t.count as f64),
                _ => Some(t.count as f64),
            }
        }
        Node::Binary(a, op, b) => {
            let (a, b) = (eval(a, aggregates, tallies)?, eval(b, aggregates, tallies)?);
            match op {
                BinaryOp::Add => Some(a + b),
                BinaryOp::Sub => Some(a - b),
                BinaryOp::Mul => Some(a * b),
                BinaryOp::Div => (b != 0.0).then(|| a / b),
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Number(f64),
    Text(String),
    Word(String),
    Symbol(char),
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::Number(n) => write!(f, "number {n}"),
            Token::Text(s) => write!(f, "text '{s}'"),
            Token::Word(w) => write!(f, "`{w}`"),
            Token::Symbol(c) => write!(f, "`{c}`"),
        }
    }
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '\'' || c == '"' {
            chars.next();
            let mut s = String::new();
            loop {
                match chars.next() {
                    Some((_, q)) if q == c => break,
                    Some((_, x)) => s.push(x),
                    None => return Err(format!("the text starting at character {} has no closing {c}", i + 1)),
                }
            }
            tokens.push(Token::Text(s));
        } else if c.is_ascii_digit() || c == '.' {
            let mut s = String::new();
            while let Some(&(_, d)) = chars.peek().filter(|(_, d)| d.is_ascii_digit() || *d == '.') {
                s.push(d);
                chars.next();
            }
            tokens.push(Token::Number(crate::definitions::yaml::decimal(&s).ok_or_else(|| format!("`{s}` is not a number"))?));
        } else if c.is_alphabetic() || c == '_' {
            let mut s = String::new();
            while let Some(&(_, d)) = chars.peek().filter(|(_, d)| d.is_alphanumeric() || *d == '_' || *d == '.') {
                s.push(d);
                chars.next();
            }
            tokens.push(Token::Word(s));
        } else if "()+-*/=,".contains(c) {
            tokens.push(Token::Symbol(c));
            chars.next();
        } else {
            return Err(format!("unexpected `{c}` at character {}", i + 1));
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    aggregates: Vec<Aggregate>,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn expect(&mut self, c: char) -> Result<(), String> {
        match self.next() {
            Some(Token::Symbol(s)) if s == c => Ok(()),
            Some(t) => Err(format!("expected `{c}`, found {t}")),
            None => Err(format!("expected `{c}`, found the end of the expression")),
        }
    }

    fn is_word(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn sum(&mut self) -> Result<Node, String> {
        let mut left = self.product()?;
        while let Some(Token::Symbol(c @ ('+' | '-'))) = self.peek().cloned() {
            self.at += 1;
            let op = if c == '+' { BinaryOp::Add } else { BinaryOp::Sub };
            left = Node::Binary(Box::new(left), op, Box::new(self.product()?));
        }
        Ok(left)
    }

    fn product(&mut self) -> Result<Node, String> {
        let mut left = self.factor()?;
        while let Some(Token::Symbol(c @ ('*' | '/'))) = self.peek().cloned() {
            self.at += 1;
            let op = if c == '*' { BinaryOp::Mul } else { BinaryOp::Div };
            left = Node::Binary(Box::new(left), op, Box::new(self.factor()?));
        }
        Ok(left)
    }

    fn factor(&mut self) -> Result<Node, String> {
        match self.next() {
            Some(Token::Number(n)) => Ok(Node::Number(n)),
            Some(Token::Symbol('(')) => {
                let e = self.sum()?;
                self.expect(')')?;
                Ok(e)
            }
            Some(Token::Word(w)) if w == "count" || w == "cycle_time" => {
                self.expect('(')?;
                let aggregate = if w == "count" {
                    match (self.tokens.get(self.at), self.tokens.get(self.at + 1)) {
                        (Some(Token::Text(state)), Some(Token::Symbol(')'))) => {
                            let state = state.clone();
                            self.at += 1;
                            Aggregate::Reached(state)
                        }
                        _ => Aggregate::Count(self.or()?),
                    }
                } else {
                    let from = self.text("cycle_time's first argument, the state it starts from")?;
                    self.expect(',')?;
                    let to = self.text("cycle_time's second argument, the state it ends in")?;
                    Aggregate::CycleTime { from, to }
                };
                self.expect(')')?;
                self.aggregates.push(aggregate);
                Ok(Node::Aggregate(self.aggregates.len() - 1))
            }
            Some(Token::Word(w)) => Err(format!("unknown function `{w}`; metric expressions use count(...) and cycle_time(...)")),
            Some(t) => Err(format!("expected a number, `(`, count(...) or cycle_time(...), found {t}")),
            None => Err("the expression ends too early".into()),
        }
    }

    fn text(&mut self, what: &str) -> Result<String, String> {
        match self.next() {
            Some(Token::Text(s)) => Ok(s),
            Some(t) => Err(format!("expected {what} as quoted text, found {t}")),
            None => Err(format!("expected {what}, found the end of the expression")),
        }
    }

    fn or(&mut self) -> Result<Predicate, String> {
        let mut left = self.and()?;
        while self.is_word("or") {
            self.at += 1;
            left = Predicate::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Predicate, String> {
        let mut left = self.atom()?;
        while self.is_word("and") {
            self.at += 1;
            left = Predicate::And(Box::new(left), Box::new(self.atom()?));
        }
        Ok(left)
    }

    fn atom(&mut self) -> Result<Predicate, String> {
        if self.is_word("not") {
            self.at += 1;
            return Ok(Predicate::Not(Box::new(self.atom()?)));
        }
        match self.next() {
            Some(Token::Symbol('(')) => {
                let p = self.or()?;
                self.expect(')')?;
                Ok(p)
            }
            Some(Token::Word(field)) => {
                if self.is_word("in") {
                    self.at += 1;
                    self.expect('(')?;
                    let mut values = vec![self.text("a value")?];
                    while let Some(Token::Symbol(',')) = self.peek() {
                        self.at += 1;
                        values.push(self.text("a value")?);
                    }
                    self.expect(')')?;
                    Ok(Predicate::In(field, values))
                } else {
                    self.expect('=')?;
                    Ok(Predicate::Equals(field, self.text("a value")?))
                }
            }
            Some(t) => Err(format!("expected a condition such as status = 'rollback', found {t}")),
            None => Err("the condition ends too early".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct R(&'static str, &'static [&'static str]);

    #[test]
    fn a_unit_follows_the_expression_shape() {
        let unit = |text: &str| Expr::parse(text).unwrap().unit();
        // The built-in dashboard's rollback rate, and the workflow's metrics.
        assert_eq!(
            unit("(count(status = 'rollback' OR status = 'failed') /\n count(status IN ('production', 'failed'))) * 100"),
            Some("%")
        );
        assert_eq!(unit("100 * count(\"rollback\") / count(\"production\")"), Some("%"));
        assert_eq!(unit("100 * (count(\"rollback\") / count(\"production\"))"), Some("%"));
        assert_eq!(unit("cycle_time(\"development\", \"production\")"), Some("hours"));
        assert_eq!(unit("cycle_time(\"a\", \"b\") + cycle_time(\"b\", \"c\")"), Some("hours"));
        assert_eq!(unit("count(\"production\") - count(\"rollback\")"), Some("releases"));
        assert_eq!(unit("count(\"rollback\") * 100 / count(\"production\")"), Some("%"));
        // A ratio times something other than 100 is a plain number; unlike quantities have no unit.
        assert_eq!(unit("count(\"a\") / (count(\"b\") * 100)"), None);
        assert_eq!(unit("count(\"rollback\") / count(\"production\") * 10"), None);
        assert_eq!(unit("cycle_time(\"a\", \"b\") / count(\"production\")"), None);
        assert_eq!(unit("count(\"a\") * count(\"b\")"), None);
        assert_eq!(unit("cycle_time(\"a\", \"b\") + count(\"b\")"), None);
    }

    impl ReleaseView for R {
        fn field(&self, name: &str) -> Option<&str> {
            (name == "status").then_some(self.0)
        }
        fn reached(&self, state: &str) -> bool {
            self.0 == state || self.1.contains(&state)
        }
        fn cycle_hours(&self, _: &str, _: &str) -> Option<f64> {
            None
        }
    }

    fn value(text: &str, releases: &[R]) -> Option<f64> {
        let e = Expr::parse(text).unwrap();
        let mut t = e.tallies();
        for r in releases {
            e.observe(r, &mut t);
        }
        e.value(&t)
    }

    #[test]
    fn the_dashboard_rollback_expression_counts_by_status() {
        let e = "(count(status = 'rollback' OR status = 'failed') /\n count(status IN ('production', 'completed', 'rollback', 'failed'))) * 100\n";
        let releases = [R("rollback", &[]), R("production", &[]), R("completed", &[]), R("development", &[])];
        assert_eq!(value(e, &releases), Some(1.0 / 3.0 * 100.0));
        assert_eq!(value(e, &[R("development", &[])]), None, "nothing released: no rate");
    }

    #[test]
    fn a_quoted_state_counts_the_releases_that_reached_it() {
        let e = "count(\"rollback\") / count(\"production\") * 100";
        let releases = [R("rollback", &["production"]), R("completed", &["production"]), R("production", &[])];
        assert_eq!(value(e, &releases), Some(1.0 / 3.0 * 100.0));
    }

    #[test]
    fn mistakes_say_what_was_expected() {
        assert!(Expr::parse("count(status = )").unwrap_err().contains("expected a value"));
        assert!(Expr::parse("sum(1)").unwrap_err().contains("unknown function `sum`"));
        assert!(Expr::parse("count('a') 2").unwrap_err().contains("after the end"));
        assert!(Expr::parse("100").unwrap_err().contains("counts nothing"));
        assert!(Expr::parse("count('a").unwrap_err().contains("no closing"));
        assert!(Expr::parse("cycle_time(development, 'b')").unwrap_err().contains("quoted text"));
    }
}
