//! The Kiket 1.0 definitions format, typed.
//!
//! Owns: the model of a pack (workflows with their states, transitions, approval chain, escalation
//! ladder, SLAs, checklists, state approvals and recipes; dashboards, case types, workspace), its
//! vocabulary (`vocabulary`: the keys each structure may hold), reading it from YAML text with
//! positioned diagnostics (`yaml`, `decode`) and checking a pack as a whole (`load`). Must not know:
//! requests, `now`, or how anything is evaluated. Display-only keys (colors, icons, descriptions of
//! states) are read past, not kept.

pub mod cron;
pub mod vocabulary;
pub mod yaml;

mod decode;
mod load;

pub use load::{LoadOptions, PackFile, load, schema_kind};

use serde_json::{Map, Value};

use crate::calendar::Calendar;
use crate::condition::{Condition, Operator};
use crate::duration::Duration;

/// A loaded, validated pack: any number of workflows (zero included) and everything they share.
#[derive(Clone, Debug, PartialEq)]
pub struct Pack {
    /// Workflows in file-path order.
    pub workflows: Vec<Workflow>,
    pub dashboards: Vec<Dashboard>,
    /// The case types (`case_types.yaml` or `issue_types.yaml`); see `case_types_declared`.
    pub case_types: Vec<CaseType>,
    /// Whether the pack has a case types file at all: without one, a request's `case_type` is free
    /// text and no custom field is checked.
    pub case_types_declared: bool,
    pub workspace: Workspace,
    /// Boards, for their columns' WIP limits (the rest of a board is presentation).
    pub boards: Vec<Board>,
}

/// `boards/*.yaml`, as far as it decides anything: its columns' WIP limits.
#[derive(Clone, Debug, PartialEq)]
pub struct Board {
    pub id: String,
    /// The workflow whose cases it shows; absent: any.
    pub workflow: Option<String>,
    pub columns: Vec<BoardColumn>,
}

/// A column: the states it shows, and at most how many cases (Kiket's boards warn at the limit,
/// they do not block: a state's own `wip_limit` blocks).
#[derive(Clone, Debug, PartialEq)]
pub struct BoardColumn {
    pub name: String,
    pub states: Vec<String>,
    pub wip_limit: Option<u32>,
}

/// Why a request could not be routed to a workflow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoutingError {
    /// `release.workflow`, or `release.case_type` when the case type's own workflow is missing.
    pub path: &'static str,
    pub message: String,
}

impl Pack {
    pub fn case_type(&self, key: &str) -> Option<&CaseType> {
        self.case_types.iter().find(|c| c.key == key)
    }

    pub fn workflow(&self, id: &str) -> Option<&Workflow> {
        self.workflows.iter().find(|w| w.id == id)
    }

    /// The workflow a case follows (SPEC §13 "Which workflow"): the one the request names in
    /// `release.workflow`, else its case type's `workflow:`, else the pack's only workflow. A name
    /// that contradicts the case type's, an unknown name, no workflow at all, or a choice the pack
    /// leaves open is an error: a case is never evaluated against a guessed workflow.
    pub fn route(&self, named: Option<&str>, case_type: &str) -> Result<&Workflow, RoutingError> {
        self.route_index(named, case_type).map(|i| &self.workflows[i])
    }

    /// [`Pack::route`], as the workflow's index in `workflows`.
    pub fn route_index(&self, named: Option<&str>, case_type: &str) -> Result<usize, RoutingError> {
        let ids = || self.workflows.iter().map(|w| w.id.as_str()).collect::<Vec<_>>().join(", ");
        let by_type = self.case_type(case_type).and_then(|c| c.workflow.as_deref());
        let wanted = match (named, by_type) {
            (Some(n), Some(t)) if n != t => {
                return Err(RoutingError {
                    path: "release.workflow",
                    message: format!("case type `{case_type}` follows workflow `{t}`, not `{n}`"),
                });
            }
            (Some(n), _) => Some((n, "release.workflow")),
            (None, Some(t)) => Some((t, "release.case_type")),
            (None, None) => None,
        };
        match (wanted, self.workflows.as_slice()) {
            (Some((id, path)), _) => self
                .workflows
                .iter()
                .position(|w| w.id == id)
                .ok_or_else(|| RoutingError { path, message: format!("unknown workflow `{id}`; the pack's workflows are {}", ids()) }),
            (None, [_]) => Ok(0),
            (None, []) => Err(RoutingError { path: "release", message: "the pack has no workflow to evaluate a case against".into() }),
            (None, _) => Err(RoutingError {
                path: "release.workflow",
                message: format!(
                    "the pack has several workflows ({}) and case type `{case_type}` names none; say which in `release.workflow`",
                    ids()
                ),
            }),
        }
    }
}

/// `workflows/<id>.yaml`.
#[derive(Clone, Debug, PartialEq)]
pub struct Workflow {
    pub id: String,
    pub name: String,
    pub version: Option<String>,
    /// States in the order written.
    pub states: Vec<State>,
    pub transitions: Vec<Transition>,
    pub hooks: Vec<Hook>,
    pub automations: Vec<Automation>,
    pub analytics: Analytics,
    /// Automation recipes of the workflow (`workflows/<id>/automation_recipes/`), in file-name order.
    pub recipes: Vec<Recipe>,
}

impl Workflow {
    pub fn state(&self, id: &str) -> Option<&State> {
        self.states.iter().find(|s| s.id == id)
    }

    /// The checklist with this id, whichever state declares it.
    pub fn checklist(&self, id: &str) -> Option<&Checklist> {
        self.states.iter().filter_map(|s| s.checklist.as_ref()).find(|c| c.id == id)
    }

    /// The transition carrying the approval chain, and the chain, if the workflow has one (at most
    /// one, validation guarantees).
    pub fn chain_transition(&self) -> Option<(&Transition, &ApprovalChain)> {
        self.transitions.iter().find_map(|t| t.approval_chain.as_ref().map(|c| (t, c)))
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct State {
    pub id: String,
    pub kind: StateType,
    pub category: Option<String>,
    pub label: Option<String>,
    pub wip_limit: Option<u32>,
    /// The SLA of the mapping form, or the default of the list form when no variant matched.
    pub sla: Option<Sla>,
    /// The list form's variants, in order: the first whose condition holds applies, else `sla`.
    pub sla_variants: Vec<SlaVariant>,
    /// An entry guard: every transition into the state needs these to hold (`conditions:` beside
    /// the state's `approval`).
    pub conditions: Option<Condition>,
    pub checklist: Option<Checklist>,
    /// An approval for leaving the state.
    pub approval: Option<StateApproval>,
}

/// `approval: {required, approvers, conditions?}` on a state: while it applies (its conditions
/// hold; absent: always), no exit is allowed until it is satisfied, and a rejecting exit needs an
/// eligible `reject` instead (SPEC §13 "State approvals").
#[derive(Clone, Debug, PartialEq)]
pub struct StateApproval {
    /// The approvers and how many must approve, as a chain level's one group.
    pub group: Group,
    pub conditions: Option<Condition>,
}

/// A state's checklist: items to tick, read by a transition's `{checklist: <id>, complete: true}`.
#[derive(Clone, Debug, PartialEq)]
pub struct Checklist {
    pub id: String,
    pub title: Option<String>,
    /// `required_mode: all`: every item is required, whatever its own `required`.
    pub all_required: bool,
    pub items: Vec<ChecklistItem>,
}

impl Checklist {
    /// The items that must be done for the checklist to be complete.
    pub fn required_items(&self) -> impl Iterator<Item = &ChecklistItem> {
        self.items.iter().filter(|i| self.all_required || i.required)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ChecklistItem {
    pub id: String,
    pub label: Option<String>,
    pub required: bool,
    /// `check_type: auto`: done when this condition holds on the case; manual items are ticked in
    /// the request's `release.checklists`.
    pub auto: Option<Condition>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateType {
    Initial,
    Active,
    Gateway,
    Final,
}

impl StateType {
    /// Every spelling of `type:` (the decoder's table and the editor schema's enum).
    pub const ALL: [(&'static str, StateType); 4] =
        [("initial", StateType::Initial), ("active", StateType::Active), ("gateway", StateType::Gateway), ("final", StateType::Final)];
}

/// A state's service level: warn after `warning`, breached after `breach`, from `status_since`.
#[derive(Clone, Debug, PartialEq)]
pub struct Sla {
    pub warning: Option<Duration>,
    pub breach: Option<Duration>,
    pub business_hours: bool,
    pub on_warning: Vec<HostAction>,
    pub on_breach: Vec<HostAction>,
    /// `pause_on_state: true`: a waiting state (on the customer, say). The case's service clocks
    /// stop here: every other state's SLA counts from entering that state again, never across this
    /// one; this state's own `warning` and `breach` (how long the wait may last) still run.
    pub pause_on_state: bool,
}

/// One entry of a list-form SLA: applies when `condition` holds (the first that does wins).
#[derive(Clone, Debug, PartialEq)]
pub struct SlaVariant {
    pub condition: Condition,
    pub sla: Sla,
}

/// An action the engine never performs itself: it is handed to the host exactly as written.
#[derive(Clone, Debug, PartialEq)]
pub struct HostAction {
    /// The `action:` (hooks, SLA) or `type:` (recipes) name.
    pub action: String,
    /// Every other key, verbatim.
    pub params: Map<String, Value>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Transition {
    pub from: String,
    pub to: String,
    pub name: Option<String>,
    /// Custom fields that must be present and non-empty (`metadata.requires_fields`).
    pub requires_fields: Vec<String>,
    /// `metadata.rejection: true` marks the way back when approval is refused.
    pub rejection: bool,
    pub require_approval: Vec<ApprovalRequirement>,
    pub approval_chain: Option<ApprovalChain>,
    /// A guard: the transition is allowed only when these hold.
    pub conditions: Option<Condition>,
}

impl Transition {
    /// Whether taking this transition rejects (SPEC §13): `metadata.rejection: true`, or, by the
    /// engine's documented rule, a target state `rejected`, `denied` or `declined`, or a name that
    /// starts with "Reject", "Deny" or "Decline". Under a state approval, a rejecting exit is
    /// opened by one eligible `reject`; every other exit needs the approval.
    pub fn rejects(&self) -> bool {
        let name = self.name.as_deref().unwrap_or("").trim_start().to_ascii_lowercase();
        self.rejection
            || ["rejected", "denied", "declined"].contains(&self.to.as_str())
            || ["reject", "deny", "decline"].iter().any(|w| name.starts_with(w))
    }
}

/// One `require_approval` entry: an eligible approver must approve this transition.
#[derive(Clone, Debug, PartialEq)]
pub struct ApprovalRequirement {
    pub assignment: Assignment,
    pub message: Option<String>,
    pub urgency: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ApprovalChain {
    /// Levels in ascending `level`, numbers unique.
    pub levels: Vec<Level>,
    /// The ladder, in the order written; it restarts for every level.
    pub escalation: Vec<EscalationStep>,
    pub business_hours: bool,
    pub allow_self_approval: bool,
}

impl ApprovalChain {
    pub fn level(&self, number: u32) -> Option<&Level> {
        self.levels.iter().find(|l| l.level == number)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Level {
    pub level: u32,
    pub name: String,
    /// A plain level is one group without a name; a `parallel` level has named groups.
    pub groups: Vec<Group>,
    pub logic: Logic,
    pub timeout: Option<Duration>,
    /// Absent: the level is always required.
    pub conditions: Option<Condition>,
    pub message: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    pub name: Option<String>,
    pub assignments: Vec<Assignment>,
    pub required: Required,
}

/// How many approvals a group needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Required {
    /// One eligible approval.
    Any,
    /// Every resolved member of every assignment.
    All,
    /// N distinct eligible approvers.
    AtLeast(u32),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Logic {
    And,
    Or,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Assignment {
    #[serde(rename = "type")]
    pub kind: AssignmentKind,
    pub identifier: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum AssignmentKind {
    Role,
    User,
}

impl AssignmentKind {
    /// Every spelling of an assignment's `type:`.
    pub const ALL: [(&'static str, AssignmentKind); 2] = [("role", AssignmentKind::Role), ("user", AssignmentKind::User)];
}

/// One rung of the escalation ladder.
#[derive(Clone, Debug, PartialEq)]
pub struct EscalationStep {
    pub after: Duration,
    pub action: LadderAction,
    pub to: Vec<Assignment>,
    pub channels: Vec<String>,
    pub reason: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LadderAction {
    Reminder,
    Escalate,
    NotifyExecutive,
    AutoApprove,
}

impl LadderAction {
    /// Every spelling of an escalation step's `action:`.
    pub const ALL: [(&'static str, LadderAction); 4] = [
        ("reminder", LadderAction::Reminder),
        ("escalate", LadderAction::Escalate),
        ("notify_executive", LadderAction::NotifyExecutive),
        ("auto_approve", LadderAction::AutoApprove),
    ];

    pub fn as_str(self) -> &'static str {
        LadderAction::ALL.iter().find(|(_, a)| *a == self).map_or("?", |(s, _)| s)
    }
}

/// `hooks:` entries: host work on workflow events.
#[derive(Clone, Debug, PartialEq)]
pub struct Hook {
    pub event: String,
    pub when: TransitionFilter,
    pub run: Vec<HostAction>,
}

/// `automations:` entries.
#[derive(Clone, Debug, PartialEq)]
pub struct Automation {
    pub id: String,
    pub on: String,
    pub when: TransitionFilter,
    pub run: Vec<HostAction>,
}

/// `when: {from, to}` on hooks and automations; an absent side matches any state.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct TransitionFilter {
    pub from: Option<String>,
    pub to: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Analytics {
    /// Dashboard ids the workflow refers to.
    pub dashboards: Vec<String>,
    pub metrics: Vec<Metric>,
}

/// A named metric expression (`cycle_time("development", "production")`).
#[derive(Clone, Debug, PartialEq)]
pub struct Metric {
    pub id: String,
    pub description: Option<String>,
    pub expression: String,
}

/// `workflows/<id>/automation_recipes/*.yaml`.
#[derive(Clone, Debug, PartialEq)]
pub struct Recipe {
    pub key: String,
    pub name: String,
    pub trigger: Trigger,
    /// The cron schedule of a `scheduled` recipe (required for it, refused for others).
    pub schedule: Option<Schedule>,
    pub conditions: Option<Condition>,
    pub actions: Vec<Action>,
    pub requires_approval: bool,
    /// `enabled: false` (standalone automations): loaded, never matched.
    pub enabled: bool,
}

/// A cron schedule (`0 9 * * 1-5`), read in the calendar's time zone.
#[derive(Clone, Debug)]
pub struct Schedule {
    text: String,
    cron: cron::Cron,
}

impl Schedule {
    /// Parses a 5-field (or 6-field, with seconds) cron expression; see [`cron::Cron::parse`].
    pub fn parse(text: &str) -> Result<Schedule, String> {
        cron::Cron::parse(text)
            .map(|cron| Schedule { text: text.to_owned(), cron })
            .map_err(|e| format!("`{}` is not a cron schedule: {e}", yaml::shorten(text)))
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The first run strictly after `after`, in `tz` (DST-correct), if any within five years.
    pub fn next_after(&self, after: crate::calendar::Instant, tz: &crate::calendar::Zone) -> Option<crate::calendar::Instant> {
        self.cron.next_after(after, tz)
    }
}

impl PartialEq for Schedule {
    fn eq(&self, other: &Schedule) -> bool {
        self.text == other.text
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    CaseCreated,
    CaseUpdated,
    ApprovalTimeout,
    AfterTransition,
    Scheduled,
    /// The current state's SLA warning was crossed.
    SlaWarning,
    /// The current state's SLA breach was crossed.
    SlaBreached,
}

impl Trigger {
    /// Every spelling (after `issue.` → `case.`); the first of each trigger is how answers name it.
    pub const ALL: [(&'static str, Trigger); 10] = [
        ("case.created", Trigger::CaseCreated),
        ("case.updated", Trigger::CaseUpdated),
        ("approval.timeout", Trigger::ApprovalTimeout),
        ("workflow.after_transition", Trigger::AfterTransition),
        ("case.transitioned", Trigger::AfterTransition),
        ("scheduled", Trigger::Scheduled),
        ("schedule", Trigger::Scheduled),
        ("sla.warning", Trigger::SlaWarning),
        ("sla.breached", Trigger::SlaBreached),
        ("sla.breach", Trigger::SlaBreached),
    ];

    /// The trigger a spelling names: `issue.*` reads as `case.*`.
    pub fn parse(spelled: &str) -> Option<Trigger> {
        let canonical = spelled.strip_prefix("issue.").map_or(spelled.to_owned(), |rest| format!("case.{rest}"));
        Trigger::ALL.iter().find(|(name, _)| *name == canonical).map(|(_, t)| *t)
    }

    pub fn as_str(self) -> &'static str {
        Trigger::ALL.iter().find(|(_, t)| *t == self).map_or("?", |(s, _)| s)
    }

    /// Every text [`Trigger::parse`] accepts: the spellings of [`Trigger::ALL`], and `issue.*` for
    /// each `case.*`.
    pub fn spellings() -> Vec<&'static str> {
        let names = Trigger::ALL.iter().map(|(n, _)| *n);
        let issue = |n: &'static str| match n {
            "case.created" => Some("issue.created"),
            "case.updated" => Some("issue.updated"),
            "case.transitioned" => Some("issue.transitioned"),
            _ => None,
        };
        names.clone().chain(names.filter_map(issue)).collect()
    }
}

/// A recipe action: what the engine understands of it, and its parameters for the host.
#[derive(Clone, Debug, PartialEq)]
pub struct Action {
    pub kind: ActionKind,
    /// Every key but `type`, verbatim, for the host.
    pub params: Map<String, Value>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ActionKind {
    Notify,
    /// Applied by the engine to the chain.
    ModifyApprovalChain(Vec<ChainChange>),
    /// Adds eligible approvers to the active level from the instant it fires.
    EscalateApproval {
        add_approvers: Vec<Assignment>,
        reason: Option<String>,
    },
    RequestApproval {
        assignment: Assignment,
        timeout: Option<Duration>,
    },
    AddLabel(String),
    SetPriority(String),
    SetField {
        field: String,
        value: Value,
    },
    AddComment(String),
    CreateChildIssue {
        case_type: String,
    },
    /// Moves the case (`transition: {to}`, or `set_field` of `status`): returned with the guard's
    /// answer for that move, so a host never moves a case the pack forbids.
    Move {
        to: String,
    },
    /// A type the engine does not know: returned to the host untouched (a load warning says so).
    Other(String),
}

impl Action {
    /// The action's `type`.
    pub fn type_name(&self) -> &str {
        match &self.kind {
            ActionKind::Notify => "notify",
            ActionKind::ModifyApprovalChain(_) => "modify_approval_chain",
            ActionKind::EscalateApproval { .. } => "escalate_approval",
            ActionKind::RequestApproval { .. } => "request_approval",
            ActionKind::AddLabel(_) => "add_label",
            ActionKind::SetPriority(_) => "set_priority",
            ActionKind::SetField { .. } => "set_field",
            ActionKind::AddComment(_) => "add_comment",
            ActionKind::CreateChildIssue { .. } => "create_child_issue",
            ActionKind::Move { .. } => self.params.get("field").map_or("transition", |_| "set_field"),
            ActionKind::Other(name) => name,
        }
    }
}

/// One `modify_approval_chain` change.
#[derive(Clone, Debug, PartialEq)]
pub enum ChainChange {
    SkipLevels(Vec<u32>),
    /// Caps the timeout of the selected levels (`None` = all levels) at `to`.
    ReduceTimeout {
        levels: Option<Vec<u32>>,
        to: Duration,
    },
    AddApprovers {
        level: u32,
        assignments: Vec<Assignment>,
    },
}

/// `dashboards/*.yaml`.
#[derive(Clone, Debug, PartialEq)]
pub struct Dashboard {
    pub id: String,
    pub name: String,
    pub widgets: Vec<Widget>,
    pub alerts: Vec<Alert>,
    /// Alerts over a warehouse model (`condition` is SQL-like text): listed, never evaluated.
    pub warehouse_alerts: Vec<WarehouseAlert>,
}

/// `{query: <model>, query_config, condition: "<text>", notify_roles, message}`: computed by the
/// host's data warehouse, not by this engine; it decides no transition.
#[derive(Clone, Debug, PartialEq)]
pub struct WarehouseAlert {
    pub model: String,
    pub condition: String,
    pub message: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Widget {
    pub id: String,
    /// `line_chart`, `bar_chart`, `gauge`, `histogram`, `list`, `pie_chart`, …
    pub kind: String,
    pub title: Option<String>,
    pub query: Query,
    /// The warehouse model a widget reads (`query: fct_expense_status` with `query_config`): the
    /// host computes it; `analyze` lists it as not computed.
    pub model: Option<String>,
    pub thresholds: Vec<Threshold>,
    pub fields: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Query {
    pub metric: Option<String>,
    pub field: Option<String>,
    pub expression: Option<String>,
    pub filter: Vec<Filter>,
    pub group_by: Option<String>,
    pub time_range: Option<Duration>,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    /// Strictly ascending.
    pub buckets: Vec<Duration>,
    pub order_by: Option<String>,
    pub limit: Option<u32>,
}

/// `field: value` or `field: [values]` in a query or alert filter.
#[derive(Clone, Debug, PartialEq)]
pub struct Filter {
    pub field: String,
    pub values: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Threshold {
    pub value: f64,
    pub color: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Alert {
    pub id: String,
    pub name: Option<String>,
    /// A widget or workflow metric the alert watches…
    pub metric: Option<String>,
    /// …or a per-release field, over the releases the filter selects.
    pub field: Option<String>,
    pub filter: Vec<Filter>,
    pub operator: Operator,
    pub value: f64,
    pub severity: Option<String>,
    pub channels: Vec<String>,
}

/// Fields an alert may watch per release (`condition.field`): what the engine can compute.
pub const ALERT_FIELDS: &[&str] = &["pending_duration_hours"];

/// `case_types.yaml`.
#[derive(Clone, Debug, PartialEq)]
pub struct CaseType {
    pub key: String,
    pub label: Option<String>,
    /// The workflow cases of this type follow (`workflow:`); absent: the pack's only workflow.
    pub workflow: Option<String>,
    pub fields: Vec<FieldDef>,
}

impl CaseType {
    pub fn field(&self, key: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.key == key)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct FieldDef {
    pub key: String,
    pub label: Option<String>,
    pub kind: FieldKind,
    pub required: bool,
    /// The allowed values of a `select` / `multiselect`.
    pub options: Vec<String>,
    pub readonly: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Textarea,
    Markdown,
    Url,
    Email,
    Number,
    Boolean,
    Date,
    Datetime,
    Select,
    Multiselect,
    User,
}

impl FieldKind {
    pub const ALL: [(&'static str, FieldKind); 12] = [
        ("text", FieldKind::Text),
        ("textarea", FieldKind::Textarea),
        ("markdown", FieldKind::Markdown),
        ("url", FieldKind::Url),
        ("email", FieldKind::Email),
        ("number", FieldKind::Number),
        ("boolean", FieldKind::Boolean),
        ("date", FieldKind::Date),
        ("datetime", FieldKind::Datetime),
        ("select", FieldKind::Select),
        ("multiselect", FieldKind::Multiselect),
        ("user", FieldKind::User),
    ];
}

/// `workspace.yaml` (absent: no declared roles, the default calendar, no seed cases).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Workspace {
    pub key: Option<String>,
    pub name: Option<String>,
    /// Declared team roles (`team.roles[].name`).
    pub roles: Vec<String>,
    /// The `calendar:` extension; `None` means the default calendar.
    pub calendar: Option<Calendar>,
    pub seed_cases: Vec<SeedCase>,
}

/// A sample case from `seed_data.cases`, used by the preview.
#[derive(Clone, Debug, PartialEq)]
pub struct SeedCase {
    pub title: String,
    pub description: Option<String>,
    pub case_type: String,
    pub status: Option<String>,
    pub priority: Option<String>,
    pub labels: Vec<String>,
    pub custom_fields: Map<String, Value>,
}
