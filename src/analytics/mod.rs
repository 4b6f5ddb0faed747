//! Deployment-health analytics (SPEC §8): the pack's `deployment_health` dashboard over a release
//! history, in one pass with memory that does not grow with the number of releases.
//!
//! Owns: reading the dashboard's windows, buckets, limits and alert thresholds, the per-release
//! facts the widgets need (entries into states, the chain as it ran), and the running aggregates.
//! Must not know: how releases arrive (object, JSON Lines, JS array — the adapters feed
//! [`Analyzer::add`] one at a time) nor how the answer is printed.
//!
//! ```
//! use release_policy::{Policy, analytics::AnalyzeInput};
//! let policy = Policy::builtin();
//! let input: AnalyzeInput = serde_json::from_str(r#"{"now": "2026-11-27T12:00:00Z", "releases": [
//!   {"id": "R1", "case_type": "Release", "status": "rollback", "status_since": "2026-11-20T10:00:00Z",
//!    "custom_fields": {"release_type": "minor"}},
//!   {"id": "R2", "case_type": "Release", "status": "completed", "status_since": "2026-11-21T10:00:00Z",
//!    "custom_fields": {"release_type": "minor"}}]}"#).unwrap();
//! let answer = policy.analyze(input).unwrap();
//! assert_eq!(answer.rollback_rate, 50.0);
//! ```

pub mod expr;

use std::collections::BTreeMap;

use crate::sort::SortedMap;

use serde::{Deserialize, Serialize};

use crate::calendar::Instant;
use crate::chain::LevelState;
use crate::condition::{Actual, FieldPath, Leaf, Literal};
use crate::definitions::{Dashboard, Filter, Pack, Widget};
use crate::duration::Duration;
use crate::error::{ErrorBody, ErrorKind};
use crate::request::{self, CalendarInput, Directory, Release, Request, RequestLimits};
use crate::{Policy, chain};
use expr::{Expr, ReleaseView, Tally};

/// The object form of `analyze`'s input.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct AnalyzeInput {
    pub now: Instant,
    pub releases: Vec<Release>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    pub directory: Directory,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub calendar: Option<CalendarInput>,
}

/// The dashboard's answer (SPEC §8), plus the workflow's metrics and what was skipped.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Analytics {
    pub velocity: Vec<WeekCount>,
    pub approval_time_by_level: Vec<LevelHours>,
    pub rollback_rate: f64,
    pub lead_time_histogram: Vec<BucketCount>,
    pub approval_wait_by_role: Vec<RoleHours>,
    pub releases_by_type: Vec<TypeCount>,
    pub pending_approvals: Vec<PendingApproval>,
    /// The `recent_rollbacks` list: releases rolled back or failed inside its window, latest first.
    pub recent_rollbacks: Vec<RecentRollback>,
    pub alerts: Vec<AlertState>,
    /// The workflow's `analytics.metrics`, each over the 30-day window.
    pub metrics: Vec<MetricValue>,
    /// Releases analysed (skipped ones excluded).
    pub releases: u64,
    /// Releases left out because they were malformed (only with `skip_invalid`).
    pub skipped: u64,
    /// The first 100 of them, with their error.
    pub skipped_errors: Vec<SkippedRelease>,
    /// Widgets of the pack's dashboards that read a warehouse model (`query: fct_…`): the host
    /// computes them, not `analyze` (absent when there are none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<UncomputedWidget>>", optional))]
    pub not_computed: Vec<UncomputedWidget>,
}

/// `{"id", "computed": false, "model"}` (SPEC §13 "Dashboards").
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct UncomputedWidget {
    pub id: String,
    pub dashboard: String,
    pub computed: bool,
    pub model: String,
}

/// Every warehouse widget of the pack, in dashboard and widget order.
fn uncomputed(pack: &Pack) -> Vec<UncomputedWidget> {
    pack.dashboards
        .iter()
        .flat_map(|d| {
            d.widgets.iter().filter_map(move |w| {
                w.model.as_ref().map(|m| UncomputedWidget { id: w.id.clone(), dashboard: d.id.clone(), computed: false, model: m.clone() })
            })
        })
        .collect()
}

#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct WeekCount {
    /// ISO week, `2026-W48`.
    pub week: String,
    pub count: u64,
    /// Days of the week inside the window (UTC): 7, or fewer for the window's first and last weeks,
    /// whose counts are partial.
    pub days: u8,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct LevelHours {
    pub level: u32,
    pub avg_hours: f64,
    pub count: u64,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct BucketCount {
    /// The bucket's upper bound (`1d`), or `>30d` for the overflow bucket.
    pub bucket: String,
    pub count: u64,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct RoleHours {
    pub role: String,
    pub avg_hours: f64,
    pub count: u64,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct TypeCount {
    /// The grouped field's value; null for releases without one.
    pub release_type: Option<String>,
    pub count: u64,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct PendingApproval {
    pub release_id: String,
    pub pending_since: Instant,
    /// The chain's active level now (null when no level is active).
    pub approval_level: Option<u32>,
    pub version_tag: Option<String>,
    pub assignee: Option<String>,
    pub pending_hours: f64,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct RecentRollback {
    pub release_id: String,
    pub status: String,
    pub version_tag: Option<String>,
    pub rollback_reason: Option<String>,
    /// The release's latest move (its latest history entry, else `status_since`).
    pub updated_at: Instant,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct AlertState {
    pub id: String,
    pub name: Option<String>,
    pub firing: bool,
    pub value: f64,
    pub operator: String,
    pub threshold: f64,
    pub severity: Option<String>,
    /// What `value` and `threshold` measure: `hours` for a pending time; for a metric, what its
    /// expression's shape says (`%` for a ratio × 100, `hours` for a cycle time, `releases` for a
    /// count); null for a bare number.
    pub unit: Option<&'static str>,
    /// The release behind `value`, for an alert on a per-release field: the one pending longest.
    pub release_id: Option<String>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct MetricValue {
    pub id: String,
    pub expression: String,
    /// Null when it divides by zero or averages nothing.
    pub value: Option<f64>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SkippedRelease {
    pub index: u64,
    pub error: ErrorBody,
}

/// How malformed releases are treated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AnalyzeOptions {
    /// Skip a malformed release (counted, its error kept) instead of failing the run.
    pub skip_invalid: bool,
    pub limits: RequestLimits,
}

/// What the dashboard asks for, read once from the pack.
#[derive(Debug)]
struct Plan<'p> {
    dashboard: &'p Dashboard,
    velocity: &'p Widget,
    approval_time: &'p Widget,
    rollback: (&'p Widget, Expr),
    lead_time: &'p Widget,
    pending: &'p Widget,
    rollbacks: &'p Widget,
    wait_by_role: &'p Widget,
    by_type: &'p Widget,
    /// The workflow's metrics.
    metrics: Vec<(&'p str, &'p str, Expr)>,
    chain_state: &'p str,
    workflow: &'p crate::definitions::Workflow,
    /// The states whose entries the velocity widget counts (its `status` filter).
    velocity_states: Vec<&'p str>,
}

/// The window of the workflow metrics (`analytics.metrics` name none): the dashboard's recent window.
const METRICS_WINDOW_SECONDS: i64 = 30 * 86_400;
const KEPT_ERRORS: usize = 100;

fn widget<'p>(dashboard: &'p Dashboard, id: &str) -> Result<&'p Widget, ErrorBody> {
    dashboard.widgets.iter().find(|w| w.id == id).ok_or_else(|| {
        ErrorBody::new(ErrorKind::Definitions, format!("the dashboard `{}` has no widget `{id}`, which analyze computes", dashboard.id))
    })
}

fn window(w: &Widget) -> Result<Duration, ErrorBody> {
    w.query.time_range.ok_or_else(|| ErrorBody::new(ErrorKind::Definitions, format!("the widget `{}` needs a `time_range`", w.id)))
}

impl<'p> Plan<'p> {
    fn of(pack: &'p Pack) -> Result<Plan<'p>, ErrorBody> {
        let dashboard = pack.dashboards.iter().find(|d| d.id.ends_with("deployment_health")).ok_or_else(|| {
            // What analyze computes is that dashboard; say what the pack's own widgets are instead.
            let models: Vec<String> = uncomputed(pack).iter().map(|w| format!("{} ({})", w.id, w.model)).collect();
            let others = if models.is_empty() {
                String::new()
            } else {
                format!("; the pack's widgets read warehouse models its host computes: {}", models.join(", "))
            };
            ErrorBody::new(
                ErrorKind::Definitions,
                format!("the pack has no `deployment_health` dashboard (dashboards/deployment_health.yaml){others}"),
            )
        })?;
        let rollback = widget(dashboard, "rollback_rate")?;
        let expression = rollback
            .query
            .expression
            .as_deref()
            .ok_or_else(|| ErrorBody::new(ErrorKind::Definitions, "the widget `rollback_rate` needs an `expression`".to_owned()))?;
        let bad = |id: &str, e: String| ErrorBody::new(ErrorKind::Definitions, format!("the metric expression of `{id}`: {e}"));
        let rollback_expr = Expr::parse(expression).map_err(|e| bad("rollback_rate", e))?;
        // The workflow the deployment-health dashboard watches: the one with the approval chain.
        let workflow = pack.workflows.iter().find(|w| w.chain_transition().is_some()).ok_or_else(|| {
            ErrorBody::new(ErrorKind::Definitions, "the pack has no workflow with an approval chain for `deployment_health` to watch")
        })?;
        let metrics = workflow
            .analytics
            .metrics
            .iter()
            .map(|m| Expr::parse(&m.expression).map(|e| (m.id.as_str(), m.expression.as_str(), e)).map_err(|e| bad(&m.id, e)))
            .collect::<Result<Vec<_>, _>>()?;
        let mut plan = Plan {
            dashboard,
            velocity: widget(dashboard, "release_velocity")?,
            approval_time: widget(dashboard, "approval_time")?,
            rollback: (rollback, rollback_expr),
            lead_time: widget(dashboard, "release_lead_time")?,
            pending: widget(dashboard, "pending_approvals")?,
            rollbacks: widget(dashboard, "recent_rollbacks")?,
            wait_by_role: widget(dashboard, "approval_bottlenecks")?,
            by_type: widget(dashboard, "release_by_type")?,
            metrics,
            chain_state: workflow.chain_transition().map_or("pending_approval", |(t, _)| t.from.as_str()),
            workflow,
            velocity_states: Vec::new(),
        };
        let velocity = plan.velocity;
        plan.velocity_states =
            velocity.query.filter.iter().filter(|f| f.field == "status").flat_map(|f| f.values.iter().map(String::as_str)).collect();
        for w in [plan.velocity, plan.approval_time, plan.rollback.0, plan.lead_time, plan.wait_by_role, plan.by_type] {
            window(w)?;
        }
        for (w, what) in [(plan.lead_time, "from_state"), (plan.lead_time, "to_state")] {
            let present = if what == "from_state" { w.query.from_state.is_some() } else { w.query.to_state.is_some() };
            if !present {
                return Err(ErrorBody::new(ErrorKind::Definitions, format!("the widget `{}` needs `{what}`", w.id)));
            }
        }
        Ok(plan)
    }
}

/// A release's entries into states, in time order: its history, and its current status from
/// `status_since` when the history does not end there.
struct Facts<'r> {
    release: &'r Release,
    entries: Vec<(&'r str, Instant)>,
}

impl<'r> Facts<'r> {
    fn of(release: &'r Release) -> Facts<'r> {
        let mut entries: Vec<(&str, Instant)> = release.history.iter().map(|h| (h.to.as_str(), h.at)).collect();
        crate::sort::by_key(&mut entries, |(_, at)| *at);
        if !entries.iter().any(|(to, at)| *to == release.status && *at == release.status_since) {
            entries.push((release.status.as_str(), release.status_since));
            crate::sort::by_key(&mut entries, |(_, at)| *at);
        }
        Facts { release, entries }
    }

    /// The instant that places the release in a window: its latest history entry, else status_since.
    fn placed_at(&self) -> Instant {
        self.release.history.iter().map(|h| h.at).max().unwrap_or(self.release.status_since)
    }

    fn first_entry(&self, state: &str, from: Instant) -> Option<Instant> {
        self.entries.iter().find(|(to, at)| *to == state && *at >= from).map(|(_, at)| *at)
    }
}

impl ReleaseView for Facts<'_> {
    fn field(&self, name: &str) -> Option<&str> {
        let r = self.release;
        match name {
            "status" => Some(&r.status),
            "case_type" => Some(&r.case_type),
            "priority" => r.priority.as_deref(),
            "id" => Some(&r.id),
            "assignee" => r.assignee.as_deref(),
            other => r.custom_fields.get(other.strip_prefix("custom_fields.").unwrap_or(other)).and_then(|v| v.as_str()),
        }
    }

    fn reached(&self, state: &str) -> bool {
        self.entries.iter().any(|(to, _)| *to == state)
    }

    fn cycle_hours(&self, from: &str, to: &str) -> Option<f64> {
        let start = self.first_entry(from, Instant::MIN)?;
        let end = self.first_entry(to, start)?;
        Some(hours(end.seconds_since(start)))
    }
}

fn hours(seconds: i64) -> f64 {
    seconds as f64 / 3600.0
}

/// The longest value of a per-release field so far, and the release it came from.
#[derive(Clone, Debug, Default)]
struct Longest {
    hours: f64,
    /// The release's place in the input: of two equal values the earlier release is kept, whatever
    /// the order analyzers over parts of the input are merged in.
    index: u64,
    release: Option<String>,
}

impl Longest {
    fn offer(&mut self, other: Longest) {
        let wins = match (&self.release, &other.release) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(_), Some(_)) => other.hours > self.hours || (other.hours == self.hours && other.index < self.index),
        };
        if wins {
            *self = other;
        }
    }
}

/// Two decimals: the dashboard shows hours and percentages, not float noise.
fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn passes(filters: &[Filter], release: &Facts<'_>) -> bool {
    filters.iter().all(|f| release.field(&f.field).is_some_and(|v| f.values.iter().any(|x| x == v)))
}

/// The running state of one analysis. Feed it releases with [`Analyzer::add`], then
/// [`Analyzer::finish`]. Its memory is bounded by the dashboard (weeks, levels, roles, types, the
/// pending list's limit), not by the number of releases.
pub struct Analyzer<'p> {
    policy: &'p Policy,
    plan: Plan<'p>,
    now: Instant,
    directory: Directory,
    calendar: Option<CalendarInput>,
    options: AnalyzeOptions,
    velocity: SortedMap<(i16, i8), u64>,
    approval_time: SortedMap<u32, Tally>,
    rollback: Vec<Tally>,
    lead_buckets: Vec<u64>,
    wait_by_role: SortedMap<String, Tally>,
    by_type: BTreeMap<String, u64>,
    /// Releases in the by-type window without the grouped field.
    untyped: u64,
    /// The oldest pending releases, at most the widget's limit.
    pending: TopN<Instant, PendingApproval>,
    /// The latest rollbacks, at most the widget's limit.
    rollbacks: TopN<std::cmp::Reverse<Instant>, RecentRollback>,
    /// Per dashboard alert (by position), the largest value of the field it watches.
    longest_pending: Vec<Longest>,
    metrics: Vec<Vec<Tally>>,
    index: u64,
    analysed: u64,
    skipped: u64,
    skipped_errors: Vec<SkippedRelease>,
}

/// Inside the window that ends at `now` and reaches back `range`, both ends included.
fn in_window(t: Instant, now: Instant, range: Duration) -> bool {
    within(t, now, i64::from(range.seconds()))
}

fn within(t: Instant, now: Instant, seconds: i64) -> bool {
    t <= now && now.seconds_since(t) <= seconds
}

impl Policy {
    /// Starts an analysis at `now`; fails when the pack's dashboard lacks what analyze computes.
    pub fn analyzer(
        &self,
        now: Instant,
        directory: Directory,
        calendar: Option<CalendarInput>,
        options: AnalyzeOptions,
    ) -> Result<Analyzer<'_>, ErrorBody> {
        let plan = Plan::of(self.pack())?;
        // What every release shares is checked once, here, with its own path (`directory…`,
        // `calendar…`); each release then checks only itself.
        request::check_context(&directory, None, &BTreeMap::new(), plan.workflow).map_err(|e| e.to_error_body())?;
        request::resolve_calendar(calendar.as_ref(), self.pack()).map_err(|e| e.to_error_body())?;
        let rollback = plan.rollback.1.tallies();
        let metrics = plan.metrics.iter().map(|(_, _, e)| e.tallies()).collect();
        let lead_buckets = vec![0; plan.lead_time.query.buckets.len() + 1];
        let pending = TopN::new(plan.pending.query.limit.unwrap_or(10) as usize);
        let longest_pending = vec![Longest::default(); plan.dashboard.alerts.len()];
        let rollbacks = TopN::new(plan.rollbacks.query.limit.unwrap_or(5) as usize);
        Ok(Analyzer {
            policy: self,
            plan,
            now,
            directory,
            calendar,
            options,
            velocity: SortedMap::new(),
            approval_time: SortedMap::new(),
            rollback,
            lead_buckets,
            wait_by_role: SortedMap::new(),
            by_type: BTreeMap::new(),
            untyped: 0,
            pending,
            rollbacks,
            longest_pending,
            metrics,
            index: 0,
            analysed: 0,
            skipped: 0,
            skipped_errors: Vec::new(),
        })
    }

    /// Analyses a whole input held in memory.
    pub fn analyze(&self, input: AnalyzeInput) -> Result<Analytics, ErrorBody> {
        let mut analyzer = self.analyzer(input.now, input.directory, input.calendar, AnalyzeOptions::default())?;
        for release in input.releases {
            analyzer.add(release)?;
        }
        Ok(analyzer.finish())
    }

    /// The object form as JSON text → the answer as JSON text: what the JS and plugin adapters call.
    pub fn analyze_json(&self, json: &str, options: &AnalyzeOptions) -> Result<String, ErrorBody> {
        #[derive(Deserialize)]
        struct Head {
            now: Instant,
            #[serde(default)]
            directory: Directory,
            #[serde(default)]
            calendar: Option<CalendarInput>,
            releases: Vec<Box<serde_json::value::RawValue>>,
        }
        let head: Head = request::parse_tracked(json, "").map_err(|e| e.to_error_body())?;
        let mut analyzer = self.analyzer(head.now, head.directory, head.calendar, *options)?;
        for raw in &head.releases {
            analyzer.add_json(raw.get())?;
        }
        Ok(crate::json::to_string(&analyzer.finish()).unwrap_or_default())
    }
}

impl<'p> Analyzer<'p> {
    /// The index the next release gets (its place in the whole input, for error paths and ties).
    pub fn position(&self) -> u64 {
        self.index
    }

    /// Continues at `index`: for an analyzer that gets a later part of the input (several analyzers
    /// over parts of one history, joined with [`Analyzer::merge`]).
    pub fn skip_to(&mut self, index: u64) {
        self.index = index;
    }

    /// Joins the aggregates of another analyzer of the same analysis (same policy, `now` and
    /// options) over other releases of the same history.
    pub fn merge(&mut self, other: Analyzer<'p>) {
        fn add(into: &mut Tally, from: &Tally) {
            into.sum += from.sum;
            into.count += from.count;
        }
        for (week, n) in other.velocity {
            *self.velocity.entry(week).or_default() += n;
        }
        for (level, t) in other.approval_time.iter() {
            add(self.approval_time.entry(*level).or_default(), t);
        }
        for (into, from) in self.rollback.iter_mut().zip(&other.rollback) {
            add(into, from);
        }
        for (into, from) in self.lead_buckets.iter_mut().zip(&other.lead_buckets) {
            *into += from;
        }
        for (role, t) in other.wait_by_role.iter() {
            add(self.wait_by_role.entry(role.clone()).or_default(), t);
        }
        for (kind, n) in other.by_type {
            *self.by_type.entry(kind).or_default() += n;
        }
        self.untyped += other.untyped;
        self.pending.absorb(other.pending);
        self.rollbacks.absorb(other.rollbacks);
        for (longest, theirs) in self.longest_pending.iter_mut().zip(other.longest_pending) {
            longest.offer(theirs);
        }
        for (into, from) in self.metrics.iter_mut().zip(&other.metrics) {
            for (a, b) in into.iter_mut().zip(from) {
                add(a, b);
            }
        }
        self.index = self.index.max(other.index);
        self.analysed += other.analysed;
        self.skipped += other.skipped;
        self.skipped_errors.extend(other.skipped_errors);
        crate::sort::by_key(&mut self.skipped_errors, |e| e.index);
        self.skipped_errors.truncate(KEPT_ERRORS);
    }

    /// Parses one release (JSON text, e.g. a JSON Lines line) and adds it.
    pub fn add_json(&mut self, json: &str) -> Result<(), ErrorBody> {
        let limits = self.options.limits;
        let parsed = if json.len() > limits.max_request_bytes {
            Err(ErrorBody::new(
                ErrorKind::Limit,
                format!("the release is {} bytes; the limit is {} bytes", json.len(), limits.max_request_bytes),
            ))
        } else if let Some(release) = fast_parse(json) {
            Ok(release)
        } else {
            request::parse_tracked::<Release>(json, "release").map_err(|e| e.to_error_body())
        };
        match parsed {
            Ok(release) => self.add(release),
            Err(body) => self.reject(body),
        }
    }

    /// Adds one release; a malformed one fails with `releases[i]` in its path, or is skipped.
    pub fn add(&mut self, release: Release) -> Result<(), ErrorBody> {
        let checked = self
            .policy
            .route(&release)
            .and_then(|(workflow, _)| request::check_release(&release, self.now, self.policy.pack(), workflow, &self.options.limits));
        if let Err(e) = checked {
            return self.reject(e.to_error_body());
        }
        // The shared directory and calendar lend themselves to the request for the time it is observed.
        let request = Request {
            now: self.now,
            release,
            directory: std::mem::take(&mut self.directory),
            calendar: self.calendar.take(),
            wip: BTreeMap::new(),
            transition: None,
            host: None,
        };
        let request = self.observe(request);
        self.directory = request.directory;
        self.calendar = request.calendar;
        self.analysed += 1;
        self.index += 1;
        Ok(())
    }

    fn reject(&mut self, mut body: ErrorBody) -> Result<(), ErrorBody> {
        let index = self.index;
        self.index += 1;
        let rest = body.path.as_deref().and_then(|p| p.strip_prefix("release")).unwrap_or("");
        body.path = Some(format!("releases[{index}]{rest}"));
        if !self.options.skip_invalid {
            return Err(body);
        }
        self.skipped += 1;
        if self.skipped_errors.len() < KEPT_ERRORS {
            self.skipped_errors.push(SkippedRelease { index, error: body });
        }
        Ok(())
    }

    /// Adds a checked release to every aggregate; gives the request back.
    fn observe(&mut self, request: Request) -> Request {
        let now = self.now;
        let plan = &self.plan;
        let facts = Facts::of(&request.release);
        let placed = facts.placed_at();
        let inside = |w: &Widget| w.query.time_range.is_some_and(|range| in_window(placed, now, range));

        // Velocity: entries into the filtered states inside the window, by ISO week.
        if let Some(range) = plan.velocity.query.time_range {
            for (to, at) in &facts.entries {
                if plan.velocity_states.contains(to) && in_window(*at, now, range) {
                    *self.velocity.entry(iso_week(*at)).or_default() += 1;
                }
            }
        }
        if inside(plan.rollback.0) {
            plan.rollback.1.observe(&facts, &mut self.rollback);
        }
        if within(placed, now, METRICS_WINDOW_SECONDS) {
            for ((_, _, e), tallies) in plan.metrics.iter().zip(self.metrics.iter_mut()) {
                e.observe(&facts, tallies);
            }
        }
        if inside(plan.lead_time) {
            let q = &plan.lead_time.query;
            if let (Some(from), Some(to)) = (&q.from_state, &q.to_state) {
                if let Some(h) = facts.cycle_hours(from, to) {
                    let seconds = h * 3600.0;
                    let bucket = q.buckets.iter().position(|b| seconds <= f64::from(b.seconds())).unwrap_or(q.buckets.len());
                    self.lead_buckets[bucket] += 1;
                }
            }
        }
        if inside(plan.rollbacks) && passes(&plan.rollbacks.query.filter, &facts) {
            let release = facts.release;
            let row = RecentRollback {
                release_id: release.id.clone(),
                status: release.status.clone(),
                version_tag: release.custom_fields.get("version_tag").and_then(|v| v.as_str()).map(str::to_owned),
                rollback_reason: release.custom_fields.get("rollback_reason").and_then(|v| v.as_str()).map(str::to_owned),
                updated_at: placed,
            };
            self.rollbacks.offer(std::cmp::Reverse(placed), self.index, row);
        }
        if inside(plan.by_type) {
            let field = plan.by_type.query.group_by.as_deref().unwrap_or("release_type");
            match facts.field(field) {
                // Looked up first: a key is allocated once per type, not once per release.
                Some(kind) => match self.by_type.get_mut(kind) {
                    Some(n) => *n += 1,
                    None => {
                        self.by_type.insert(kind.to_owned(), 1);
                    }
                },
                None => self.untyped += 1,
            }
        }
        for (alert, longest) in plan.dashboard.alerts.iter().zip(self.longest_pending.iter_mut()) {
            if alert.field.as_deref() == Some("pending_duration_hours") && passes(&alert.filter, &facts) {
                let hours = hours(now.seconds_since(request.release.status_since));
                if hours > longest.hours || longest.release.is_none() {
                    longest.offer(Longest { hours, index: self.index, release: Some(request.release.id.clone()) });
                }
            }
        }

        // The chain as it ran: from the last entry into the chain's state until the release left it
        // (or now), with the approvals it recorded.
        let is_pending = passes(&plan.pending.query.filter, &facts);
        let level_window = inside(plan.approval_time);
        let role_window = inside(plan.wait_by_role);
        let chain_state = plan.chain_state;
        let chain_start = facts.entries.iter().rev().find(|(to, _)| *to == chain_state).map(|(_, at)| *at);
        let left = chain_start.and_then(|start| facts.entries.iter().find(|(to, at)| *at > start && *to != chain_state).map(|(_, at)| *at));
        drop(facts);

        let mut request = request;
        let since = request.release.status_since;
        let mut current_level = None;
        if let Some(start) = chain_start.filter(|_| level_window || role_window || is_pending) {
            let status = std::mem::replace(&mut request.release.status, chain_state.to_owned());
            request.release.status_since = start;
            request.now = left.unwrap_or(now).min(now);
            let policy = self.policy;
            if let Ok(evaluation) = policy.evaluate(&request) {
                let run = &evaluation.chain.run;
                chain_times(run, &request, level_window, role_window, &mut self.approval_time, &mut self.wait_by_role);
                current_level = if status == chain_state { run.current_level } else { None };
            }
            request.release.status = status;
            request.release.status_since = since;
            request.now = now;
        }
        if is_pending {
            let release = &request.release;
            let row = PendingApproval {
                release_id: release.id.clone(),
                pending_since: since,
                approval_level: current_level,
                version_tag: release.custom_fields.get("version_tag").and_then(|v| v.as_str()).map(str::to_owned),
                assignee: release.assignee.clone(),
                pending_hours: round2(hours(now.seconds_since(since))),
            };
            self.pending.offer(since, self.index, row);
        }
        request
    }

    /// The answer.
    pub fn finish(self) -> Analytics {
        let plan = &self.plan;
        let now = self.now;
        let mut velocity = Vec::new();
        if let Some(range) = plan.velocity.query.time_range {
            let start = Instant::from_unix_seconds(now.unix_seconds() - i64::from(range.seconds()));
            let (first, last) = (iso_week(start), iso_week(now));
            let mut week = first;
            while week <= last {
                // The window's first week starts on its first day, its last ends today.
                let days = 7 - if week == first { weekday(start) } else { 0 } - if week == last { 6 - weekday(now) } else { 0 };
                let count = self.velocity.get(&week).copied().unwrap_or(0);
                velocity.push(WeekCount { week: format!("{}-W{:02}", week.0, week.1), count, days });
                week = next_week(week);
            }
        }
        let rollback_rate = round2(plan.rollback.1.value(&self.rollback).unwrap_or(0.0));
        let mut buckets: Vec<String> = plan.lead_time.query.buckets.iter().map(ToString::to_string).collect();
        buckets.push(format!(">{}", buckets.last().map_or("0s", String::as_str)));
        let lead_time_histogram =
            buckets.into_iter().zip(&self.lead_buckets).map(|(bucket, &count)| BucketCount { bucket, count }).collect();
        // Most first, then by name (the map's order, kept by a stable sort); releases without a type last.
        let mut releases_by_type: Vec<TypeCount> =
            self.by_type.iter().map(|(t, &count)| TypeCount { release_type: Some(t.clone()), count }).collect();
        crate::sort::by_key(&mut releases_by_type, |t| std::cmp::Reverse(t.count));
        if self.untyped > 0 {
            releases_by_type.push(TypeCount { release_type: None, count: self.untyped });
        }
        let metric_values: SortedMap<&str, (Option<f64>, Option<&'static str>)> =
            plan.metrics.iter().zip(&self.metrics).map(|((id, _, e), t)| (*id, (e.value(t), e.unit()))).collect();
        let alerts = plan
            .dashboard
            .alerts
            .iter()
            .zip(&self.longest_pending)
            .map(|(alert, longest)| {
                let (value, unit, release_id) = match &alert.metric {
                    Some(metric) if metric == &plan.rollback.0.id => (rollback_rate, plan.rollback.1.unit(), None),
                    Some(metric) => {
                        let found = metric_values
                            .iter()
                            .find(|(id, _)| *id == metric || id.rsplit_once('.').is_some_and(|(_, short)| short == metric));
                        (found.and_then(|(_, (v, _))| *v).map_or(0.0, round2), found.and_then(|(_, (_, unit))| *unit), None)
                    }
                    None => (round2(longest.hours), Some("hours"), longest.release.clone()),
                };
                let leaf = Leaf {
                    field: FieldPath::ApprovalPendingDurationHours,
                    operator: alert.operator,
                    value: Some(Literal::Number(alert.value)),
                };
                AlertState {
                    id: alert.id.clone(),
                    name: alert.name.clone(),
                    firing: leaf.test(Actual::Number(value)),
                    value,
                    operator: alert.operator.as_str().to_owned(),
                    threshold: alert.value,
                    severity: alert.severity.clone(),
                    unit,
                    release_id,
                }
            })
            .collect();
        Analytics {
            velocity,
            approval_time_by_level: self
                .approval_time
                .iter()
                .map(|(&level, t)| LevelHours { level, avg_hours: round2(t.sum / t.count as f64), count: t.count })
                .collect(),
            rollback_rate,
            lead_time_histogram,
            approval_wait_by_role: self
                .wait_by_role
                .iter()
                .map(|(role, t)| RoleHours { role: role.clone(), avg_hours: round2(t.sum / t.count as f64), count: t.count })
                .collect(),
            releases_by_type,
            pending_approvals: self.pending.into_sorted(),
            recent_rollbacks: self.rollbacks.into_sorted(),
            alerts,
            metrics: plan
                .metrics
                .iter()
                .zip(&self.metrics)
                .map(|((id, text, e), t)| MetricValue {
                    id: (*id).to_owned(),
                    expression: text.trim().to_owned(),
                    value: e.value(t).map(round2),
                })
                .collect(),
            releases: self.analysed,
            skipped: self.skipped,
            skipped_errors: self.skipped_errors,
            not_computed: uncomputed(self.policy.pack()),
        }
    }
}

/// The first `limit` rows by key (ties: first seen first), in bounded memory.
struct TopN<K, V> {
    limit: usize,
    rows: SortedMap<(K, u64), V>,
}

impl<K: Ord, V> TopN<K, V> {
    fn new(limit: usize) -> TopN<K, V> {
        TopN { limit, rows: SortedMap::new() }
    }

    fn offer(&mut self, key: K, index: u64, row: V) {
        if self.limit == 0 {
            return;
        }
        self.rows.insert((key, index), row);
        if self.rows.len() > self.limit {
            self.rows.pop_last();
        }
    }

    fn absorb(&mut self, other: TopN<K, V>) {
        for ((key, index), row) in other.rows {
            self.offer(key, index, row);
        }
    }

    fn into_sorted(self) -> Vec<V> {
        self.rows.into_values().collect()
    }
}

/// A release parsed without tracking its JSON path: most releases are well formed, and tracking
/// costs a fifth of the parse. On error the caller parses again with tracking, for the path. Native
/// only: in WebAssembly the second instantiation of the deserializer costs more in size than it
/// saves in time.
#[cfg(not(target_arch = "wasm32"))]
fn fast_parse(json: &str) -> Option<Release> {
    serde_json::from_str(json).ok()
}

#[cfg(target_arch = "wasm32")]
fn fast_parse(_: &str) -> Option<Release> {
    None
}

/// Level durations (activation → completion) and approvers' waits (activation → their approval),
/// from levels that completed (not projected ones).
fn chain_times(
    run: &chain::ChainRun<'_>,
    request: &Request,
    level_window: bool,
    role_window: bool,
    approval_time: &mut SortedMap<u32, Tally>,
    wait_by_role: &mut SortedMap<String, Tally>,
) {
    for level in &run.levels {
        if !matches!(level.state, LevelState::Approved | LevelState::AutoApproved) || level.projected {
            continue;
        }
        let (Some(activated), Some(completed)) = (level.activated_at, level.completed_at) else { continue };
        let number = level.plan.level.level;
        if level_window {
            let t = approval_time.entry(number).or_default();
            t.sum += hours(completed.seconds_since(activated));
            t.count += 1;
        }
        if !role_window {
            continue;
        }
        for group in &level.groups {
            for approver in &group.approved_by {
                let counted = request.release.approvals.iter().find(|a| {
                    a.level == Some(number)
                        && a.approver == *approver
                        && (activated..=completed).contains(&a.at)
                        && a.decision == request::Decision::Approve
                });
                let Some(approval) = counted else { continue };
                let Some(role) = approver_role(group.group, approval, &request.directory) else { continue };
                let t = wait_by_role.entry(role).or_default();
                t.sum += hours(approval.at.seconds_since(activated));
                t.count += 1;
            }
        }
    }
}

/// The role an approver held when approving for a group: a role assignment of the group the
/// approval acts for (directory, the approval's own `roles`, or a delegation), else the first role
/// the directory gives the approver, else the first the approval claims.
fn approver_role(group: &crate::definitions::Group, approval: &request::Approval, directory: &Directory) -> Option<String> {
    group
        .assignments
        .iter()
        .filter(|a| a.kind == crate::definitions::AssignmentKind::Role)
        .find(|a| chain::acts_for(a, approval, directory, approval.at).is_some())
        .map(|a| a.identifier.clone())
        .or_else(|| directory.roles.iter().find(|(_, users)| users.contains(&approval.approver)).map(|(role, _)| role.clone()))
        .or_else(|| approval.roles.first().cloned())
}

/// ISO year and week of an instant (UTC).
fn iso_week(t: Instant) -> (i16, i8) {
    let date = jiff::tz::Offset::UTC.to_datetime(t.timestamp()).date();
    let week = date.iso_week_date();
    (week.year(), week.week())
}

/// Days since Monday (0–6) of the instant's UTC date.
fn weekday(t: Instant) -> u8 {
    // 1970-01-01 was a Thursday (3 days after Monday).
    (t.unix_seconds().div_euclid(86_400) + 3).rem_euclid(7) as u8
}

fn next_week((year, week): (i16, i8)) -> (i16, i8) {
    // ISO years have 52 or 53 weeks: the week of the day 7 days after this week's Monday.
    jiff::civil::ISOWeekDate::new(year, week, jiff::civil::Weekday::Monday)
        .ok()
        .and_then(|d| jiff::tz::Offset::UTC.to_timestamp(d.date().to_datetime(jiff::civil::Time::midnight())).ok())
        .map(|monday| iso_week(Instant::from_unix_seconds(monday.as_second() + 7 * 86_400)))
        .unwrap_or((year.saturating_add(1), 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_step_across_iso_years_of_52_and_53_weeks() {
        assert_eq!(next_week((2026, 1)), (2026, 2));
        assert_eq!(next_week((2025, 52)), (2026, 1), "2025 has 52 ISO weeks");
        assert_eq!(next_week((2026, 52)), (2026, 53), "2026 has 53 ISO weeks");
        assert_eq!(next_week((2026, 53)), (2027, 1));
        assert_eq!(iso_week("2027-01-03T23:59:59Z".parse().unwrap()), (2026, 53), "a Sunday in the 53rd week");
        assert_eq!(iso_week("2027-01-04T00:00:00Z".parse().unwrap()), (2027, 1));
    }
}
