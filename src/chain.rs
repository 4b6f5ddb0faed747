//! The approval chain as it unfolds in time: which levels run, who may approve, when each level
//! activates, completes, is rejected or auto-approved, and what happens next if nobody acts.
//!
//! Owns: eligibility (directory roles, approval `roles`, delegations, escalated approvers,
//! separation of duties), group and level satisfaction, and the merged, time-ordered simulation of
//! approvals, ladder steps and deadlines. Must not know: JSON, recipes' conditions (the caller
//! passes in what recipes change), SLAs.

use crate::calendar::{Calendar, Instant};
use crate::condition::Why;
use crate::definitions::{ApprovalChain, Assignment, AssignmentKind, ChainChange, Group, LadderAction, Level, Logic, Required};
use crate::duration::Duration;
use crate::request::{Approval, Decision, Directory};

/// What the caller decided about a level before the simulation: required or not and why,
/// recipe changes.
#[derive(Clone, Debug)]
pub struct LevelPlan<'a> {
    pub level: &'a Level,
    pub required: bool,
    pub why: Vec<Why<'a, 'a>>,
    /// The recipe whose `skip_levels` skipped it.
    pub skipped_by: Option<&'a str>,
    /// The effective timeout (after `reduce_timeout`).
    pub timeout: Option<Duration>,
    /// Approvers added by `add_approvers`, eligible from the level's activation.
    pub added: Vec<&'a Assignment>,
    /// The recipe changes that applied to this level, by recipe key, in the order applied.
    pub changed_by: Vec<(&'a str, &'a ChainChange)>,
}

/// How the chain relates to the release's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// The status comes before the chain: project it as if it started at `start` (= now).
    Preview { start: Instant },
    /// The release is in the chain's state since `start`; events up to `now` have happened.
    Live { start: Instant, now: Instant },
    /// The status lies past the chain's target: it was approved; past decisions are not rebuilt.
    Past,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum ChainState {
    NotStarted,
    InProgress,
    Approved,
    Rejected,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum LevelState {
    Waiting,
    Active,
    Approved,
    AutoApproved,
    Rejected,
    Skipped,
}

/// Something that happens at an instant in the chain's life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Happening {
    Activation,
    Deadline,
    /// Ladder step `index` of the chain's `escalation` (auto-approval included).
    Step {
        index: usize,
    },
    ChainComplete,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    pub at: Instant,
    pub level: u32,
    pub what: Happening,
    /// At or before `now`; otherwise projected (if nobody acts).
    pub happened: bool,
}

/// A group of a level, as of now.
#[derive(Clone, Debug)]
pub struct GroupRun<'a> {
    pub group: &'a Group,
    /// Who may approve for the group now (directory members, users, active delegates, escalated
    /// approvers), without the requester, sorted.
    pub eligible: Vec<&'a str>,
    /// Approvers whose approval counted, in order.
    pub approved_by: Vec<&'a str>,
    pub satisfied: bool,
}

#[derive(Clone, Debug)]
pub struct LevelRun<'a> {
    pub plan: LevelPlan<'a>,
    pub state: LevelState,
    pub activated_at: Option<Instant>,
    pub deadline: Option<Instant>,
    pub completed_at: Option<Instant>,
    /// The times above are a projection (the level has not activated yet).
    pub projected: bool,
    pub overdue: bool,
    pub groups: Vec<GroupRun<'a>>,
    /// Approvers added by escalation, and from when.
    pub escalated: Vec<(Instant, &'a Assignment)>,
    /// Who each reminder step of the ladder reaches (by step index): the eligible approvers of the
    /// groups still unsatisfied at its instant, without those whose approval already counted.
    pub reminded: Vec<(usize, Vec<&'a str>)>,
}

#[derive(Clone, Debug)]
pub struct ChainRun<'a> {
    pub state: ChainState,
    pub started_at: Option<Instant>,
    pub current_level: Option<u32>,
    pub levels: Vec<LevelRun<'a>>,
    /// Activations, deadlines, ladder steps and completion, happened and projected, in time order.
    pub events: Vec<Event>,
    pub warnings: Vec<String>,
}

/// Everything the simulation reads.
pub struct Inputs<'a, 'f> {
    pub chain: &'a ApprovalChain,
    pub plans: Vec<LevelPlan<'a>>,
    pub phase: Phase,
    pub approvals: &'a [Approval],
    pub directory: &'a Directory,
    pub requester: Option<&'a str>,
    pub calendar: &'f Calendar,
    /// Approvers that recipes add when a level's deadline passes (`approval.timeout` →
    /// `escalate_approval`), given the level, its activation and its deadline.
    pub on_timeout: &'f dyn Fn(u32, Instant, Instant) -> Vec<&'a Assignment>,
    /// Which recorded approvals the simulation reads.
    pub target: Target<'a>,
}

/// What a simulation decides: a transition's approval chain, or a state's approval (run as a
/// chain of one level, so eligibility, separation of duties, delegation, `required` and rejection
/// are the chain's own).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target<'a> {
    /// Approvals that name a chain `level`.
    Chain,
    /// Approvals that name this `state`, all on the one level.
    State(&'a str),
}

impl Target<'_> {
    /// The level an approval counts for, if it is for this target.
    pub fn level_of(self, approval: &Approval) -> Option<u32> {
        match self {
            Target::Chain => approval.level,
            Target::State(id) => (approval.state.as_deref() == Some(id)).then_some(1),
        }
    }

    /// How messages name the level.
    fn name(self, level: u32) -> String {
        match self {
            Target::Chain => format!("level {level}"),
            Target::State(id) => format!("the approval of state `{id}`"),
        }
    }
}

/// The users an assignment names.
#[derive(Clone, Copy, Debug)]
pub enum Members<'a> {
    User(&'a str),
    Role(&'a [String]),
}

impl<'a> Members<'a> {
    pub fn contains(self, user: &str) -> bool {
        match self {
            Members::User(u) => u == user,
            Members::Role(members) => members.iter().any(|m| m == user),
        }
    }

    pub fn is_empty(self) -> bool {
        matches!(self, Members::Role([]))
    }

    pub fn iter(self) -> impl Iterator<Item = &'a str> {
        let (one, many): (Option<&'a str>, &'a [String]) = match self {
            Members::User(u) => (Some(u), &[]),
            Members::Role(members) => (None, members),
        };
        one.into_iter().chain(many.iter().map(String::as_str))
    }
}

/// Users an assignment names, through the directory (no allocation: this is on every eligibility
/// check). `None` when the directory has no entry for the role (membership unknown).
pub fn resolve<'a>(assignment: &'a Assignment, directory: &'a Directory) -> Option<Members<'a>> {
    match assignment.kind {
        AssignmentKind::User => Some(Members::User(&assignment.identifier)),
        AssignmentKind::Role => directory.roles.get(&assignment.identifier).map(|m| Members::Role(m)),
    }
}

/// How an approver may act for an assignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Acting<'a> {
    /// As this member: the approver, or the member whose open delegation the approver holds.
    As(&'a str),
    /// The directory has no entry for the role, and the approval record lists it in `roles`.
    ByClaim,
}

/// Whether the approver of `approval` may act for `assignment` at `at`, and as whom. The one
/// eligibility rule of the engine, shared by chain levels and transitions' `require_approval`.
pub fn acts_for<'a>(assignment: &'a Assignment, approval: &'a Approval, directory: &'a Directory, at: Instant) -> Option<Acting<'a>> {
    let user = approval.approver.as_str();
    match resolve(assignment, directory) {
        Some(members) => {
            let delegators = directory.delegations.iter().filter(|d| d.to == user && d.start <= at && at < d.end).map(|d| d.from.as_str());
            std::iter::once(user).chain(delegators).find(|p| members.contains(p)).map(Acting::As)
        }
        None => (assignment.kind == AssignmentKind::Role && approval.roles.contains(&assignment.identifier)).then_some(Acting::ByClaim),
    }
}

/// For whom an approval counts in a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Principal<'a> {
    /// A member (or the member a delegate acts for).
    Member(&'a str),
    /// Counts for a role assignment whose membership the directory does not know.
    UnknownRole(usize),
    /// An approver added by escalation: satisfies the group outright.
    Escalated,
}

/// Per-group tally during a level's run.
#[derive(Clone, Debug, Default)]
struct Tally<'a> {
    principals: Vec<&'a str>,
    /// Assignment indices, each once (a group has a handful).
    unknown_roles: Vec<usize>,
    escalated: bool,
    approvers: Vec<&'a str>,
}

struct Sim<'a, 'f> {
    inputs: &'f Inputs<'a, 'f>,
    warnings: Vec<String>,
    events: Vec<Event>,
    /// Per approval (by index in the release): already counted or warned about.
    handled: Vec<bool>,
}

impl<'a, 'f> Sim<'a, 'f> {
    fn principal(
        &self,
        group: &'a Group,
        approval: &'a Approval,
        at: Instant,
        escalated: &[(Instant, &'a Assignment)],
    ) -> Option<Principal<'a>> {
        let directory = self.inputs.directory;
        if escalated.iter().any(|(from, a)| *from <= at && acts_for(a, approval, directory, at).is_some()) {
            return Some(Principal::Escalated);
        }
        group.assignments.iter().enumerate().find_map(|(i, a)| match acts_for(a, approval, directory, at)? {
            Acting::As(p) => Some(Principal::Member(p)),
            Acting::ByClaim => Some(Principal::UnknownRole(i)),
        })
    }

    fn satisfied(&self, group: &'a Group, tally: &Tally<'a>) -> bool {
        if tally.escalated {
            return true;
        }
        let distinct = tally.principals.len() + tally.unknown_roles.len();
        match group.required {
            Required::Any => distinct >= 1,
            Required::AtLeast(n) => distinct >= n as usize,
            Required::All => {
                let mut everyone_known = true;
                for (i, a) in group.assignments.iter().enumerate() {
                    match resolve(a, self.inputs.directory) {
                        Some(members) if members.is_empty() => return false,
                        Some(members) => everyone_known &= members.iter().all(|m| tally.principals.contains(&m)),
                        None => everyone_known &= tally.unknown_roles.contains(&i),
                    }
                }
                everyone_known
            }
        }
    }

    fn level_satisfied(&self, level: &'a Level, tallies: &[Tally<'a>]) -> bool {
        let mut each = level.groups.iter().zip(tallies).map(|(g, t)| self.satisfied(g, t));
        match level.logic {
            Logic::And => each.all(|s| s),
            Logic::Or => each.any(|s| s),
        }
    }
}

/// Who may approve for `group` at `at`: directory members and named users, approvers escalated by
/// then, and active delegates of any of them; never the requester unless self-approval is allowed.
pub fn eligible<'a>(
    group: &'a Group,
    escalated: &[(Instant, &'a Assignment)],
    directory: &'a Directory,
    requester: Option<&str>,
    allow_self_approval: bool,
    at: Instant,
) -> Vec<&'a str> {
    let mut users: Vec<&'a str> = Vec::new();
    let active = group.assignments.iter().chain(escalated.iter().filter(|(from, _)| *from <= at).map(|(_, a)| *a));
    for a in active {
        if let Some(members) = resolve(a, directory) {
            users.extend(members.iter());
        }
    }
    // Direct delegations only, as `acts_for` honours them: a delegate's delegate is not eligible.
    let members = users.len();
    for d in &directory.delegations {
        if d.start <= at && at < d.end && users[..members].contains(&d.from.as_str()) {
            users.push(d.to.as_str());
        }
    }
    if !allow_self_approval {
        if let Some(requester) = requester {
            users.retain(|u| *u != requester);
        }
    }
    crate::sort::unique(&mut users);
    users
}

/// How a level's run ended (or didn't, by now).
enum Outcome {
    Completed {
        at: Instant,
        auto: bool,
    },
    Rejected {
        at: Instant,
    },
    /// Still active at the horizon; if nobody acts it completes at `auto_approve_at` (when the
    /// ladder has an auto-approval), or never.
    Pending {
        auto_approve_at: Option<Instant>,
    },
}

/// Runs the chain.
pub fn run<'a>(inputs: &Inputs<'a, '_>) -> ChainRun<'a> {
    run_in(inputs, inputs.phase)
}

/// Runs a live chain again as of `now` (None for other phases): what the answer would be then.
pub fn rerun_at<'a>(inputs: &Inputs<'a, '_>, now: Instant) -> Option<ChainRun<'a>> {
    match inputs.phase {
        Phase::Live { start, .. } => Some(run_in(inputs, Phase::Live { start, now })),
        _ => None,
    }
}

impl ChainRun<'_> {
    /// Whether two runs reached the same decisions: states, completions, who counted.
    pub fn same_decisions(&self, other: &ChainRun<'_>) -> bool {
        let same_groups = |a: &[GroupRun<'_>], b: &[GroupRun<'_>]| {
            a.iter().zip(b).all(|(x, y)| x.approved_by == y.approved_by && x.satisfied == y.satisfied)
        };
        self.state == other.state
            && self.current_level == other.current_level
            && self.levels.len() == other.levels.len()
            && self
                .levels
                .iter()
                .zip(&other.levels)
                .all(|(a, b)| a.state == b.state && a.completed_at == b.completed_at && same_groups(&a.groups, &b.groups))
    }
}

fn run_in<'a>(inputs: &Inputs<'a, '_>, phase: Phase) -> ChainRun<'a> {
    let mut sim = Sim { inputs, warnings: Vec::new(), events: Vec::new(), handled: vec![false; inputs.approvals.len()] };
    let (start, horizon) = match phase {
        Phase::Preview { start } => (start, None),
        Phase::Live { start, now } => (start, Some(now)),
        Phase::Past => return past(inputs),
    };
    warn_unknown_roles(&mut sim);

    // Approvals on levels, in time order (stable for equal instants); a transition's approvals are
    // the business of its guard.
    let target = inputs.target;
    let mut on_levels: Vec<(usize, &'a Approval)> =
        inputs.approvals.iter().enumerate().filter(|(_, a)| target.level_of(a).is_some()).collect();
    crate::sort::by_key(&mut on_levels, |(i, a)| (a.at, *i));
    let mut usable: Vec<(usize, &'a Approval)> = Vec::new();
    for (i, a) in on_levels {
        let level = target.level_of(a).unwrap_or(0);
        let on = target.name(level);
        let plan = inputs.plans.iter().find(|p| p.level.level == level);
        let ignored = match (plan, horizon) {
            (None, _) => Some(format!("names level {level}, which the chain does not have")),
            (Some(_), None) => Some(format!("on {on}: the chain has not started")),
            (Some(_), Some(now)) if a.at > now => Some(format!("on {on} is dated {}, after now", a.at)),
            (Some(p), Some(_)) if !p.required => Some(format!("on {on}: the level is skipped")),
            _ => None,
        };
        match ignored {
            Some(why) => sim.ignore(i, a, &why),
            None => usable.push((i, a)),
        }
    }

    let mut levels: Vec<LevelRun<'a>> = Vec::new();
    let mut state = ChainState::InProgress;
    let mut current = None;
    // Where the next required level activates, and whether that instant is itself a projection.
    let mut next_start = Some((start, horizon.is_none()));
    for plan in &inputs.plans {
        let groups = || {
            plan.level
                .groups
                .iter()
                .map(|g| GroupRun { group: g, eligible: Vec::new(), approved_by: Vec::new(), satisfied: false })
                .collect()
        };
        if !plan.required {
            levels.push(blank(plan, LevelState::Skipped, groups()));
            continue;
        }
        let Some((activated, projected)) = next_start else {
            levels.push(blank(plan, LevelState::Waiting, groups()));
            continue;
        };
        sim.events.push(Event { at: activated, level: plan.level.level, what: Happening::Activation, happened: !projected });
        let (mut run, outcome) = run_level(&mut sim, plan, activated, projected, horizon, &usable);
        run.state = match (&outcome, projected) {
            (_, true) => LevelState::Waiting,
            (Outcome::Completed { auto: true, .. }, _) => LevelState::AutoApproved,
            (Outcome::Completed { auto: false, .. }, _) => LevelState::Approved,
            (Outcome::Rejected { .. }, _) => LevelState::Rejected,
            (Outcome::Pending { .. }, _) => LevelState::Active,
        };
        next_start = match outcome {
            Outcome::Completed { at, .. } => Some((at, projected)),
            Outcome::Rejected { .. } => {
                state = ChainState::Rejected;
                None
            }
            Outcome::Pending { auto_approve_at } => {
                if !projected {
                    current = Some(plan.level.level);
                }
                auto_approve_at.map(|at| (at, true))
            }
        };
        levels.push(run);
    }
    if let Some((at, projected)) = next_start {
        sim.events.push(Event { at, level: 0, what: Happening::ChainComplete, happened: !projected });
        if !projected {
            state = ChainState::Approved;
        }
    }
    if horizon.is_none() {
        state = ChainState::NotStarted;
    }
    // Approvals no level run looked at: their level had not activated yet when they were cast.
    for (i, a) in usable {
        if !sim.handled[i] {
            sim.ignore(i, a, &format!("on {} came before the level activated", target.name(target.level_of(a).unwrap_or(0))));
        }
    }
    // Simultaneous events: earlier levels first (a level's auto-approval comes before the next
    // level's activation it causes), the chain's completion last.
    crate::sort::by_key(&mut sim.events, |e| {
        (e.at, if e.what == Happening::ChainComplete { u32::MAX } else { e.level }, event_rank(e.what))
    });
    ChainRun {
        state,
        started_at: horizon.map(|_| start),
        current_level: if state == ChainState::InProgress { current } else { None },
        levels,
        events: sim.events,
        warnings: sim.warnings,
    }
}

impl<'a> Sim<'a, '_> {
    /// Records that approval `index` is ignored, and why (once per approval).
    fn ignore(&mut self, index: usize, approval: &Approval, why: &str) {
        if !std::mem::replace(&mut self.handled[index], true) {
            self.warnings.push(format!("approval {index} by {} {why}; ignored", approval.approver));
        }
    }
}

/// Order of one level's simultaneous events: activation, ladder steps, deadline.
fn event_rank(what: Happening) -> (u8, usize) {
    match what {
        Happening::Activation => (0, 0),
        Happening::Step { index } => (1, index),
        Happening::Deadline => (2, 0),
        Happening::ChainComplete => (3, 0),
    }
}

fn blank<'a>(plan: &LevelPlan<'a>, state: LevelState, groups: Vec<GroupRun<'a>>) -> LevelRun<'a> {
    LevelRun {
        plan: plan.clone(),
        state,
        activated_at: None,
        deadline: None,
        completed_at: None,
        projected: false,
        overdue: false,
        groups,
        escalated: Vec::new(),
        reminded: Vec::new(),
    }
}

fn past<'a>(inputs: &Inputs<'a, '_>) -> ChainRun<'a> {
    let levels = inputs
        .plans
        .iter()
        .map(|plan| {
            let state = if plan.required { LevelState::Approved } else { LevelState::Skipped };
            let groups = plan
                .level
                .groups
                .iter()
                .map(|g| GroupRun { group: g, eligible: Vec::new(), approved_by: Vec::new(), satisfied: plan.required })
                .collect();
            blank(plan, state, groups)
        })
        .collect();
    ChainRun { state: ChainState::Approved, started_at: None, current_level: None, levels, events: Vec::new(), warnings: Vec::new() }
}

fn warn_unknown_roles(sim: &mut Sim<'_, '_>) {
    let mut seen: Vec<&str> = Vec::new();
    for plan in sim.inputs.plans.iter().filter(|p| p.required) {
        for g in &plan.level.groups {
            for a in &g.assignments {
                if a.kind == AssignmentKind::Role
                    && !sim.inputs.directory.roles.contains_key(&a.identifier)
                    && !seen.contains(&a.identifier.as_str())
                {
                    seen.push(&a.identifier);
                    let all = if g.required == Required::All { "; `all` then needs one approval for the role" } else { "" };
                    sim.warnings.push(format!(
                        "the directory has no entry for role `{}`: approvals whose `roles` list it count for it{all}",
                        a.identifier
                    ));
                }
            }
        }
    }
}

/// The order in which simultaneous things are processed at one instant.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Slot {
    /// Approvals by users eligible before this instant (a level completing now stops the ladder).
    Approval,
    /// Ladder steps, then the deadline.
    Time,
}

/// Runs one level from `activated`, returning its run and outcome.
fn run_level<'a>(
    sim: &mut Sim<'a, '_>,
    plan: &LevelPlan<'a>,
    activated: Instant,
    projected: bool,
    horizon: Option<Instant>,
    approvals: &[(usize, &'a Approval)],
) -> (LevelRun<'a>, Outcome) {
    let inputs = sim.inputs;
    let level = plan.level;
    let business = inputs.chain.business_hours;
    let deadline = plan.timeout.map(|t| inputs.calendar.add(activated, t, business));
    let now = if projected { None } else { horizon };
    let happened = |at: Instant| now.is_some_and(|n| at <= n);

    let mut escalated: Vec<(Instant, &'a Assignment)> = plan.added.iter().map(|a| (activated, *a)).collect();
    let mut tallies: Vec<Tally<'a>> = vec![Tally::default(); level.groups.len()];
    let mut reminded: Vec<(usize, Vec<&'a str>)> = Vec::new();
    let mut counted: Vec<&'a str> = Vec::new();

    // Time events: ladder steps, then the deadline.
    let mut timed: Vec<(Instant, Option<usize>)> =
        inputs.chain.escalation.iter().enumerate().map(|(i, s)| (inputs.calendar.add(activated, s.after, business), Some(i))).collect();
    timed.extend(deadline.map(|d| (d, None)));
    crate::sort::by_key(&mut timed, |(at, step)| (*at, step.map_or(usize::MAX, |i| i)));

    let mine: Vec<(usize, &'a Approval)> = if now.is_some() {
        approvals.iter().filter(|(_, a)| inputs.target.level_of(a) == Some(level.level) && a.at >= activated).copied().collect()
    } else {
        Vec::new()
    };
    let mut queue: Vec<(Instant, Slot, usize)> = mine.iter().enumerate().map(|(k, (_, a))| (a.at, Slot::Approval, k)).collect();
    queue.extend(timed.iter().enumerate().map(|(k, (at, _))| (*at, Slot::Time, k)));
    crate::sort::by(&mut queue, Ord::cmp);

    let mut outcome = None;
    let mut held: Vec<usize> = Vec::new();
    let mut qi = 0;
    while qi < queue.len() && outcome.is_none() {
        let (at, slot, k) = queue[qi];
        qi += 1;
        if slot == Slot::Approval {
            let more_at_this_instant = queue[qi..].iter().any(|(t, s, _)| *t == at && *s == Slot::Time);
            match apply(sim, plan, mine[k], at, &escalated, &mut tallies, &mut counted) {
                // Someone escalated at this very instant is eligible from it: retry after the steps.
                Decided::Ineligible if more_at_this_instant => held.push(k),
                decided => outcome = settle(sim, plan, mine[k], at, decided),
            }
            continue;
        }
        let (_, step) = timed[k];
        let happens = happened(at);
        match step {
            Some(i) => {
                sim.events.push(Event { at, level: level.level, what: Happening::Step { index: i }, happened: happens });
                if inputs.chain.escalation[i].action == LadderAction::Reminder {
                    // Approvals before this instant are in the tallies (they sort first): a reminder
                    // asks only for the approvals still needed.
                    reminded.push((i, still_needed(sim, level, &tallies, &escalated, at)));
                }
                match (inputs.chain.escalation[i].action, happens) {
                    (LadderAction::AutoApprove, true) => outcome = Some(Outcome::Completed { at, auto: true }),
                    (LadderAction::AutoApprove, false) => outcome = Some(Outcome::Pending { auto_approve_at: Some(at) }),
                    (LadderAction::Escalate, true) => escalated.extend(inputs.chain.escalation[i].to.iter().map(|a| (at, a))),
                    _ => {}
                }
            }
            None => {
                sim.events.push(Event { at, level: level.level, what: Happening::Deadline, happened: happens });
                if happens {
                    escalated.extend((inputs.on_timeout)(level.level, activated, at).into_iter().map(|a| (at, a)));
                }
            }
        }
        let instant_done = queue.get(qi).is_none_or(|(t, _, _)| *t != at);
        if instant_done && outcome.is_none() {
            for k in std::mem::take(&mut held) {
                let decided = apply(sim, plan, mine[k], at, &escalated, &mut tallies, &mut counted);
                outcome = settle(sim, plan, mine[k], at, decided);
                if outcome.is_some() {
                    break;
                }
            }
        }
    }
    // Approvals the run never reached came after the level ended.
    let end = match &outcome {
        Some(Outcome::Completed { at, .. } | Outcome::Rejected { at }) | Some(Outcome::Pending { auto_approve_at: Some(at) }) => Some(*at),
        _ => None,
    };
    for (index, approval) in &mine {
        if !sim.handled[*index] {
            sim.ignore(
                *index,
                approval,
                &format!(
                    "on {} came after the level ended at {}",
                    inputs.target.name(level.level),
                    end.map_or(String::new(), |e| e.to_string())
                ),
            );
        }
    }
    let outcome = outcome.unwrap_or(Outcome::Pending { auto_approve_at: None });
    let as_of = match (&outcome, now) {
        (Outcome::Completed { at, .. } | Outcome::Rejected { at }, _) => *at,
        (_, Some(n)) => n,
        (_, None) => activated,
    };
    let completed_by_now = match outcome {
        Outcome::Completed { at, .. } | Outcome::Rejected { at } => Some(at),
        Outcome::Pending { .. } => None,
    };
    let overdue = match (deadline, now) {
        (Some(d), Some(n)) => d <= n && completed_by_now.is_none_or(|e| e > d),
        _ => false,
    };
    let groups = level
        .groups
        .iter()
        .zip(&tallies)
        .map(|(g, t)| GroupRun {
            group: g,
            eligible: eligible(g, &escalated, inputs.directory, inputs.requester, inputs.chain.allow_self_approval, as_of),
            approved_by: t.approvers.clone(),
            satisfied: sim.satisfied(g, t),
        })
        .collect();
    let run = LevelRun {
        plan: plan.clone(),
        state: LevelState::Waiting,
        activated_at: Some(activated),
        deadline,
        completed_at: completed_by_now,
        projected,
        overdue,
        groups,
        escalated,
        reminded,
    };
    (run, outcome)
}

/// The eligible approvers of the groups of `level` not yet satisfied at `at`, without those whose
/// approval already counted: whom a reminder asks.
fn still_needed<'a>(
    sim: &Sim<'a, '_>,
    level: &'a Level,
    tallies: &[Tally<'a>],
    escalated: &[(Instant, &'a Assignment)],
    at: Instant,
) -> Vec<&'a str> {
    let inputs = sim.inputs;
    let mut users: Vec<&'a str> = level
        .groups
        .iter()
        .zip(tallies)
        .filter(|(g, t)| !sim.satisfied(g, t))
        .flat_map(|(g, t)| {
            eligible(g, escalated, inputs.directory, inputs.requester, inputs.chain.allow_self_approval, at)
                .into_iter()
                .filter(|u| !t.approvers.contains(u))
        })
        .collect();
    crate::sort::unique(&mut users);
    users
}

enum Decided {
    Counted,
    Completed,
    Rejected,
    Ineligible,
    /// Ignored, with a warning already recorded.
    Ignored,
}

/// Turns a decision on an approval into the level's outcome, recording ineligibility.
fn settle(
    sim: &mut Sim<'_, '_>,
    plan: &LevelPlan<'_>,
    (index, approval): (usize, &Approval),
    at: Instant,
    decided: Decided,
) -> Option<Outcome> {
    sim.handled[index] = true;
    match decided {
        Decided::Completed => Some(Outcome::Completed { at, auto: false }),
        Decided::Rejected => Some(Outcome::Rejected { at }),
        Decided::Ineligible => {
            sim.handled[index] = false;
            sim.ignore(index, approval, &format!("on {}: not an eligible approver at {at}", sim.inputs.target.name(plan.level.level)));
            None
        }
        Decided::Counted | Decided::Ignored => None,
    }
}

/// Applies one approval at `at` to the level's tallies.
fn apply<'a>(
    sim: &mut Sim<'a, '_>,
    plan: &LevelPlan<'a>,
    (index, approval): (usize, &'a Approval),
    at: Instant,
    escalated: &[(Instant, &'a Assignment)],
    tallies: &mut [Tally<'a>],
    counted: &mut Vec<&'a str>,
) -> Decided {
    let level = plan.level;
    let user = approval.approver.as_str();
    let self_approval = |who: &str| sim.inputs.requester == Some(who) && !sim.inputs.chain.allow_self_approval;
    if self_approval(user) {
        sim.ignore(index, approval, &format!("on {}: the requester cannot approve their own release", sim.inputs.target.name(level.level)));
        return Decided::Ignored;
    }
    let targets: Vec<usize> = match &approval.group {
        Some(name) => match level.groups.iter().position(|g| g.name.as_deref() == Some(name.as_str())) {
            Some(i) => vec![i],
            None => {
                sim.ignore(index, approval, &format!("names group `{name}`, which level {} does not have", level.level));
                return Decided::Ignored;
            }
        },
        None => (0..level.groups.len()).collect(),
    };
    let principals: Vec<(usize, Principal<'a>)> =
        targets.iter().filter_map(|&g| sim.principal(&level.groups[g], approval, at, escalated).map(|p| (g, p))).collect();
    if principals.is_empty() {
        return Decided::Ineligible;
    }
    if principals.iter().any(|(_, p)| matches!(p, Principal::Member(m) if self_approval(m))) {
        sim.ignore(index, approval, &format!("on {} acts for the requester", sim.inputs.target.name(level.level)));
        return Decided::Ignored;
    }
    if approval.decision == Decision::Reject {
        return Decided::Rejected;
    }
    if counted.contains(&user) {
        sim.ignore(index, approval, &format!("on {} repeats an earlier approval", sim.inputs.target.name(level.level)));
        return Decided::Ignored;
    }
    counted.push(user);
    for (g, p) in principals {
        let t = &mut tallies[g];
        match p {
            Principal::Member(m) if !t.principals.contains(&m) => t.principals.push(m),
            Principal::Member(_) => {}
            Principal::UnknownRole(i) if !t.unknown_roles.contains(&i) => t.unknown_roles.push(i),
            Principal::UnknownRole(_) => {}
            Principal::Escalated => t.escalated = true,
        }
        t.approvers.push(user);
    }
    if sim.level_satisfied(level, tallies) { Decided::Completed } else { Decided::Counted }
}
