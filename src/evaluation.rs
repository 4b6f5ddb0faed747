//! Evaluating a request against a policy: the orchestration of the engine's modules into the
//! answer of SPEC §5, and the guard (§6) and timeline (§7) built on the same run.
//!
//! Owns: the phase of the chain (live, preview, past), which recipe facts feed which module, the
//! output shape, `wake_at`. Must not know how JSON reaches it (adapters call `*_json`).

use serde::Serialize;
use serde::ser::Serializer;

use crate::Policy;
use crate::calendar::Instant;
use crate::chain::{self, ChainRun, ChainState, GroupRun, LevelPlan, LevelRun, Phase};
use crate::condition::{Actual, Facts, FieldPath, Why};
use crate::definitions::{ApprovalChain, ChainChange, Logic, Required, Trigger, Workflow};
use crate::error::{ErrorBody, ErrorKind};
use crate::escalation::{self, AuditEntry, Escalation};
use crate::recipe::{self, RecipeRun};
use crate::request::{self, Release, Request, RequestLimits};
use crate::sla::{self, SlaRun};
use crate::timeline::{self, Timeline};
use crate::transition::{self, GuardAnswer, TransitionRow};

/// Facts derived from a workflow once, at load time.
#[derive(Clone, Debug, Default)]
pub(crate) struct Derived {
    /// The chain's target and every state reachable from it without passing through the chain's
    /// own state: a release there has been approved.
    pub past_states: Vec<String>,
    /// Priorities the pack mentions, plus Kiket's usual ones, sorted; others earn a warning.
    pub priorities: Vec<String>,
    /// Each state approval as a chain of one level, so the chain's simulation decides it.
    pub state_chains: Vec<(String, ApprovalChain)>,
    /// States whose checklist no condition of the workflow reads, with the guard that checklist
    /// then is on the state's non-rejecting exits (`{checklist: <id>, complete: true}`).
    pub exit_checklists: Vec<(String, crate::Condition)>,
}

impl Derived {
    pub(crate) fn of(workflow: &Workflow) -> Derived {
        let mut past_states: Vec<String> = Vec::new();
        if let Some((t, _)) = workflow.chain_transition() {
            let mut todo = vec![t.to.as_str()];
            while let Some(state) = todo.pop() {
                if state != t.from && !past_states.iter().any(|s| s == state) {
                    past_states.push(state.to_owned());
                    todo.extend(workflow.transitions.iter().filter(|n| n.from == state).map(|n| n.to.as_str()));
                }
            }
        }
        let mut priorities: Vec<String> = ["low", "medium", "high", "critical"].iter().map(|p| (*p).to_owned()).collect();
        let conditions = workflow
            .chain_transition()
            .into_iter()
            .flat_map(|(_, c)| c.levels.iter().filter_map(|l| l.conditions.as_ref()))
            .chain(workflow.recipes.iter().filter_map(|r| r.conditions.as_ref()));
        for c in conditions {
            for leaf in c.leaves() {
                if leaf.field == FieldPath::Priority {
                    match &leaf.value {
                        Some(crate::Literal::String(s)) => priorities.push(s.clone()),
                        Some(crate::Literal::List(items)) => priorities.extend(items.iter().map(ToString::to_string)),
                        _ => {}
                    }
                }
            }
        }
        for r in &workflow.recipes {
            for a in &r.actions {
                if let crate::definitions::ActionKind::SetPriority(p) = &a.kind {
                    priorities.push(p.clone());
                }
            }
        }
        crate::sort::unique(&mut priorities);
        let state_chains = workflow
            .states
            .iter()
            .filter_map(|s| s.approval.as_ref().map(|a| (s, a)))
            .map(|(s, a)| {
                let level = crate::definitions::Level {
                    level: 1,
                    name: format!("{} approval", s.label.as_deref().unwrap_or(&s.id)),
                    groups: vec![a.group.clone()],
                    logic: Logic::And,
                    timeout: None,
                    conditions: None,
                    message: None,
                };
                let chain =
                    ApprovalChain { levels: vec![level], escalation: Vec::new(), business_hours: false, allow_self_approval: false };
                (s.id.clone(), chain)
            })
            .collect();
        let read: Vec<&str> = workflow
            .transitions
            .iter()
            .filter_map(|t| t.conditions.as_ref())
            .chain(workflow.states.iter().filter_map(|s| s.conditions.as_ref()))
            .flat_map(|c| c.leaves())
            .filter_map(|l| if let FieldPath::Checklist(id) = &l.field { Some(id.as_str()) } else { None })
            .collect();
        let exit_checklists = workflow
            .states
            .iter()
            .filter_map(|s| s.checklist.as_ref().map(|c| (s, c)))
            .filter(|(_, c)| !read.contains(&c.id.as_str()))
            .map(|(s, c)| {
                let leaf = crate::condition::Leaf {
                    field: FieldPath::Checklist(c.id.clone()),
                    operator: crate::Operator::Eq,
                    value: Some(crate::Literal::Bool(true)),
                };
                (s.id.clone(), crate::Condition::Leaf(leaf))
            })
            .collect();
        Derived { past_states, priorities, state_chains, exit_checklists }
    }
}

/// What conditions read: the release (or, in a preview, the release as it would be on entering the
/// chain's state now), and the event being evaluated.
#[derive(Clone, Copy)]
struct ReleaseFacts<'a> {
    release: &'a Release,
    status: &'a str,
    /// Seconds the release has been in `status`.
    in_state: i64,
    to_state: Option<&'a str>,
    from_state: Option<&'a str>,
    pending_hours: Option<f64>,
    level: Option<u32>,
    now: Instant,
    /// The workflow the release follows (its checklists).
    workflow: &'a Workflow,
}

impl<'a> ReleaseFacts<'a> {
    fn new(workflow: &'a Workflow, release: &'a Release, status: &'a str, since: Instant, now: Instant) -> ReleaseFacts<'a> {
        ReleaseFacts {
            release,
            status,
            in_state: now.seconds_since(since).max(0),
            to_state: None,
            from_state: None,
            pending_hours: None,
            level: None,
            now,
            workflow,
        }
    }
}

impl<'a> Facts<'a> for ReleaseFacts<'a> {
    fn actual(&self, field: &FieldPath) -> Actual<'a> {
        let text = |v: &'a Option<String>| v.as_deref().map_or(Actual::Missing, Actual::Str);
        let r = self.release;
        match field {
            FieldPath::Priority => text(&r.priority),
            FieldPath::Labels => Actual::List(&r.labels),
            FieldPath::Status => Actual::Str(self.status),
            FieldPath::CaseType => Actual::Str(&r.case_type),
            FieldPath::Title => text(&r.title),
            FieldPath::Assignee => text(&r.assignee),
            FieldPath::Reporter => text(&r.reporter),
            FieldPath::RequestedBy => text(&r.requested_by),
            FieldPath::CustomField(key) => r.custom_fields.get(key).map_or(Actual::Missing, Actual::Json),
            // Whole days: "7 days in state" means seven full days have passed.
            FieldPath::DaysInState => Actual::Number((self.in_state / 86_400) as f64),
            FieldPath::HoursInState => Actual::Number(self.in_state as f64 / 3600.0),
            FieldPath::ToState => self.to_state.map_or(Actual::Missing, Actual::Str),
            FieldPath::FromState => self.from_state.map_or(Actual::Missing, Actual::Str),
            FieldPath::ApprovalPendingDurationHours => self.pending_hours.map_or(Actual::Missing, Actual::Number),
            FieldPath::ApprovalLevel => self.level.map_or(Actual::Missing, |l| Actual::Number(f64::from(l))),
            FieldPath::HoursSinceLastUpdate => {
                r.updated_at.map_or(Actual::Missing, |t| Actual::Number(self.now.seconds_since(t) as f64 / 3600.0))
            }
            FieldPath::HoursUntilDue => r.due_at.map_or(Actual::Missing, |t| Actual::Number(t.seconds_since(self.now) as f64 / 3600.0)),
            FieldPath::Undefined(key) => r.custom_fields.get(key).map_or(Actual::Missing, Actual::Json),
            FieldPath::Checklist(id) => self
                .workflow
                .checklist(id)
                .map_or(Actual::Missing, |c| Actual::Bool(crate::checklist::missing(c, r.checklists.get(id), self).is_empty())),
        }
    }
}

/// The chain part of the answer (`null` for a workflow without an approval chain).
#[derive(Clone, Debug)]
pub struct ChainView<'a> {
    /// Whether the workflow has an approval chain; without one, `run` is the empty run of
    /// [`NO_CHAIN`] and the answer shows `"chain": null`.
    pub defined: bool,
    pub run: ChainRun<'a>,
    /// Recipes whose `modify_approval_chain` changed the chain.
    pub modified_by: Vec<&'a str>,
}

/// The answer to an evaluation request (SPEC §5).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Evaluation<'a> {
    pub release_id: &'a str,
    pub status: &'a str,
    #[cfg_attr(feature = "ts", ts(as = "Option<ChainJson<'a>>"))]
    pub chain: ChainView<'a>,
    /// The current state's `approval`, shown like a chain level (absent when the state has none).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(as = "Option<StateApprovalJson<'a>>", optional))]
    pub state_approval: Option<StateApprovalView<'a>>,
    pub escalation: Escalation<'a>,
    pub sla: Option<SlaRun<'a>>,
    pub recipes: Vec<RecipeRun<'a>>,
    pub transitions: Vec<TransitionRow<'a>>,
    pub audit: Vec<AuditEntry<'a>>,
    pub warnings: Vec<String>,
    pub wake_at: Option<Instant>,
}

/// The stand-in for a workflow without an approval chain: no levels, so its run is empty and past.
static NO_CHAIN: ApprovalChain =
    ApprovalChain { levels: Vec::new(), escalation: Vec::new(), business_hours: false, allow_self_approval: false };

/// Everything one evaluation computes; the evaluate, guard and timeline answers are views of it.
struct Run<'a> {
    workflow: &'a Workflow,
    evaluation: Evaluation<'a>,
    chain: &'a ApprovalChain,
    /// The SLA the timeline projects: the current state's, or in a preview the chain state's from now.
    timeline_sla: Option<SlaRun<'a>>,
}

impl Policy {
    /// Evaluates a request (already parsed): the chain, escalation, SLA, recipes, transitions.
    ///
    /// ```
    /// use release_policy::{Policy, request};
    /// let policy = Policy::builtin();
    /// let req = request::parse(r#"{"now": "2026-11-27T15:00:00Z", "release": {"id": "REL-1",
    ///     "case_type": "Release", "status": "pending_approval", "status_since": "2026-11-27T09:00:00Z",
    ///     "custom_fields": {"release_type": "minor"}}}"#, &Default::default()).unwrap();
    /// let answer = policy.evaluate(&req).unwrap();
    /// assert_eq!(answer.chain.run.current_level, Some(1));
    /// ```
    pub fn evaluate<'a>(&'a self, request: &'a Request) -> Result<Evaluation<'a>, request::RequestError> {
        self.run(request, &RequestLimits::default()).map(|r| r.evaluation)
    }

    /// The projected schedule if nobody acts (SPEC §7).
    pub fn timeline(&self, request: &Request) -> Result<Timeline, request::RequestError> {
        let run = self.run(request, &RequestLimits::default())?;
        Ok(timeline::project(run.chain, &run.evaluation.chain.run, run.timeline_sla.as_ref(), request.now))
    }

    /// The guard's answer for `request.transition` (SPEC §6). Never an error: anything wrong denies.
    pub fn guard<'a>(&'a self, request: &'a Request) -> GuardAnswer<'a> {
        let Some(asked) = &request.transition else {
            return GuardAnswer::deny_error(ErrorBody {
                path: Some("transition".into()),
                ..ErrorBody::new(ErrorKind::Request, "a guard request needs `transition: {from, to}`")
            });
        };
        let run = match self.run(request, &RequestLimits::default()) {
            Ok(run) => run,
            Err(e) => return GuardAnswer::deny_error(e.to_error_body()),
        };
        if asked.from != request.release.status {
            let message = format!("the release is in `{}`, not `{}`", request.release.status, asked.from);
            return GuardAnswer::deny_error(ErrorBody {
                path: Some("transition.from".into()),
                ..ErrorBody::new(ErrorKind::Request, message)
            });
        }
        let Some(row) = run.evaluation.transitions.iter().find(|r| r.to == asked.to) else {
            let message = format!("the workflow has no transition from `{}` to `{}`", asked.from, asked.to);
            return GuardAnswer::deny_error(ErrorBody {
                path: Some("transition.to".into()),
                ..ErrorBody::new(ErrorKind::Request, message)
            });
        };
        let release = &request.release;
        let after: Vec<RecipeRun<'a>> = recipe::with_trigger(&run.workflow.recipes, Trigger::AfterTransition)
            .map(|r| {
                let facts = ReleaseFacts {
                    to_state: Some(&asked.to),
                    from_state: Some(&asked.from),
                    ..ReleaseFacts::new(run.workflow, release, &release.status, release.status_since, request.now)
                };
                let mut out = recipe::run(r, &facts, &release.id, Some(request.now), true);
                // A move after this transition starts from its target, which this evaluation does
                // not cover: fail closed until the case is evaluated there.
                for action in out.actions.iter_mut() {
                    if let Some(to) = action.moves_to {
                        action.guard = Some(transition::MoveAnswer::deny(format!(
                            "this move starts from `{}` once the transition is taken; evaluate the case there to guard it (towards `{to}`)",
                            asked.to
                        )));
                    }
                }
                out
            })
            .filter(|run| run.matched)
            .collect();
        let chain = &run.evaluation.chain;
        transition::answer(row, &release.status, chain.defined.then_some(&chain.run), after, request.now)
    }

    fn run<'a>(&'a self, request: &'a Request, limits: &RequestLimits) -> Result<Run<'a>, request::RequestError> {
        let pack = self.pack();
        let (workflow, derived) = self.route(&request.release)?;
        let calendar = request::check(request, pack, workflow, limits)?;
        let release = &request.release;
        let now = request.now;
        let chained = workflow.chain_transition();
        let chain_def = chained.map_or(&NO_CHAIN, |(_, c)| c);
        let mut warnings = Vec::new();

        let phase = match chained {
            // Nothing to simulate: the empty chain's run is past and decides nothing.
            None => Phase::Past,
            Some((t, _)) if release.status == t.from => Phase::Live { start: release.status_since, now },
            Some(_) if derived.past_states.contains(&release.status) => Phase::Past,
            Some(_) => Phase::Preview { start: now },
        };
        // The chain is judged on the release as it is in the chain's state: in a preview, as if it
        // entered that state now.
        let chain_facts = match (phase, chained) {
            (Phase::Preview { .. }, Some((t, _))) => ReleaseFacts::new(workflow, release, &t.from, now, now),
            _ => ReleaseFacts::new(workflow, release, &release.status, release.status_since, now),
        };
        let actual_facts = ReleaseFacts::new(workflow, release, &release.status, release.status_since, now);

        // Recipes on `case.updated` that change the chain. One that `requires_approval` changes
        // nothing by itself: the engine cannot see that approval, and every change it could make
        // (skipping levels, shorter timeouts, more approvers) would open the chain further.
        let mut modified_by = Vec::new();
        let mut changes: Vec<(&'a str, &'a ChainChange)> = Vec::new();
        for r in recipe::with_trigger(&workflow.recipes, Trigger::CaseUpdated).filter(|r| r.enabled && !r.requires_approval) {
            let mut why = Vec::new();
            let holds = r.conditions.as_ref().is_none_or(|c| c.evaluate(&chain_facts, &mut why));
            let mine: Vec<&ChainChange> = recipe::chain_changes(r).collect();
            if holds && !mine.is_empty() {
                modified_by.push(r.key.as_str());
                changes.extend(mine.into_iter().map(|c| (r.key.as_str(), c)));
            }
        }

        let case_type = pack.case_type(&release.case_type);
        let plans: Vec<LevelPlan<'a>> = chain_def
            .levels
            .iter()
            .map(|level| {
                let mut why: Vec<Why<'a, 'a>> = Vec::new();
                let holds = level.conditions.as_ref().is_none_or(|c| c.evaluate(&chain_facts, &mut why));
                for w in &why {
                    // Only a value that is there can change the requirement: an undeclared field the
                    // release does not carry is simply absent, as for any release of this case type.
                    if let FieldPath::CustomField(key) = &w.leaf.field {
                        if !matches!(w.actual, Actual::Missing) && case_type.is_some_and(|c| c.field(key).is_none()) {
                            warnings.push(format!(
                                "level {} ({}) reads custom_fields.{key}, which case type {} does not declare",
                                level.level, level.name, release.case_type
                            ));
                        }
                    }
                }
                let mut plan = LevelPlan {
                    level,
                    required: holds,
                    why,
                    skipped_by: None,
                    timeout: level.timeout,
                    added: Vec::new(),
                    changed_by: Vec::new(),
                };
                for (by, change) in &changes {
                    match change {
                        ChainChange::SkipLevels(levels) if levels.contains(&level.level) => {
                            plan.required = false;
                            plan.skipped_by = Some(by);
                        }
                        ChainChange::ReduceTimeout { levels, to } if levels.as_ref().is_none_or(|l| l.contains(&level.level)) => {
                            plan.timeout = Some(plan.timeout.map_or(*to, |t| t.min(*to)));
                        }
                        ChainChange::AddApprovers { level: n, assignments } if *n == level.level => plan.added.extend(assignments.iter()),
                        _ => continue,
                    }
                    plan.changed_by.push((by, change));
                }
                plan
            })
            .collect();

        let timeout_recipes: Vec<_> = recipe::with_trigger(&workflow.recipes, Trigger::ApprovalTimeout).collect();
        let timeout_facts = |level: u32, activated: Instant, deadline: Instant| ReleaseFacts {
            pending_hours: Some(deadline.seconds_since(activated) as f64 / 3600.0),
            level: Some(level),
            ..actual_facts
        };
        let on_timeout = |level: u32, activated: Instant, deadline: Instant| {
            let facts = timeout_facts(level, activated, deadline);
            timeout_recipes
                .iter()
                .filter(|r| r.enabled && !r.requires_approval)
                .filter(|r| r.conditions.as_ref().is_none_or(|c| c.evaluate(&facts, &mut Vec::new())))
                .flat_map(|r| recipe::escalated_approvers(r))
                .collect()
        };
        let inputs = chain::Inputs {
            chain: chain_def,
            plans,
            phase,
            approvals: &release.approvals,
            directory: &request.directory,
            requester: release.requester(),
            calendar: &calendar,
            on_timeout: &on_timeout,
            target: chain::Target::Chain,
        };
        let run = chain::run(&inputs);
        warnings.extend(run.warnings.iter().cloned());

        // Decisions on another state's approval were for a visit the release has left.
        for (i, a) in release.approvals.iter().enumerate() {
            if let Some(state) = a.state.as_deref().filter(|s| *s != release.status) {
                warnings.push(format!(
                    "approval {i} by {} decides the approval of `{state}`, but the release is in `{}`; ignored",
                    a.approver, release.status
                ));
            }
        }
        // The current state's approval, when it applies: a chain of one level, live since the
        // release entered the state.
        let state_approval = workflow.state(&release.status).and_then(|s| s.approval.as_ref().map(|a| (s, a))).and_then(|(s, a)| {
            let (_, chain) = derived.state_chains.iter().find(|(id, _)| *id == s.id)?;
            let mut why = Vec::new();
            let applies = a.conditions.as_ref().is_none_or(|c| c.evaluate(&actual_facts, &mut why));
            let plan = LevelPlan {
                level: chain.levels.first()?,
                required: applies,
                why: Vec::new(),
                skipped_by: None,
                timeout: None,
                added: Vec::new(),
                changed_by: Vec::new(),
            };
            let no_escalation = |_: u32, _: Instant, _: Instant| Vec::new();
            let inputs = chain::Inputs {
                chain,
                plans: vec![plan],
                phase: Phase::Live { start: release.status_since, now },
                approvals: &release.approvals,
                directory: &request.directory,
                requester: release.requester(),
                calendar: &calendar,
                on_timeout: &no_escalation,
                target: chain::Target::State(&s.id),
            };
            let run = chain::run(&inputs);
            warnings.extend(run.warnings.iter().cloned());
            let level = run.levels.into_iter().next()?;
            Some(StateApprovalView { state: &s.id, required: applies, why, level })
        });

        let (escalation, audit) = escalation::report(chain_def, &run, &request.directory);

        let current_state = workflow.state(&release.status);
        let sla = current_state.and_then(|s| {
            sla::pick(s, &actual_facts)
                .map(|(sla, variant)| SlaRun { variant, ..sla::run(sla, &s.id, release.status_since, now, &calendar, &release.id) })
        });
        let timeline_sla = match (phase, chained) {
            (Phase::Preview { .. }, Some((t, _))) => workflow.state(&t.from).and_then(|s| {
                sla::pick(s, &chain_facts)
                    .map(|(sla, variant)| SlaRun { variant, ..sla::run(sla, &s.id, now, now, &calendar, &release.id) })
            }),
            _ => sla.clone(),
        };

        // Recipes: on every evaluation, at each passed deadline, and on their schedule.
        let mut recipes = Vec::new();
        for r in &workflow.recipes {
            match r.trigger {
                Trigger::CaseUpdated => recipes.push(recipe::run(r, &actual_facts, &release.id, Some(release.status_since), true)),
                Trigger::ApprovalTimeout => {
                    let passed: Vec<_> = run.events.iter().filter(|e| e.happened && e.what == chain::Happening::Deadline).collect();
                    for e in &passed {
                        let activated =
                            run.levels.iter().find(|l| l.plan.level.level == e.level).and_then(|l| l.activated_at).unwrap_or(e.at);
                        let facts = timeout_facts(e.level, activated, e.at);
                        let mut out = recipe::run(r, &facts, &release.id, Some(e.at), true);
                        out.level = Some(e.level);
                        recipes.push(out);
                    }
                    if passed.is_empty() {
                        recipes.push(recipe::run(r, &actual_facts, &release.id, None, false));
                    }
                }
                Trigger::Scheduled => {
                    // The next run matters when the conditions hold: then its actions are due.
                    let mut out = recipe::run(r, &actual_facts, &release.id, None, false);
                    if out.matched {
                        out.next_run = recipe::next_run(r, now, &calendar);
                        out = RecipeRun { next_run: out.next_run, ..recipe::run(r, &actual_facts, &release.id, out.next_run, true) };
                    }
                    recipes.push(out);
                }
                // At the instant the current state's SLA crossed its warning or breach.
                Trigger::SlaWarning | Trigger::SlaBreached => {
                    let crossed = sla.as_ref().and_then(|s| if r.trigger == Trigger::SlaWarning { s.warning_at } else { s.breach_at });
                    match crossed.filter(|at| *at <= now) {
                        Some(at) => recipes.push(recipe::run(r, &actual_facts, &release.id, Some(at), true)),
                        None => recipes.push(recipe::run(r, &actual_facts, &release.id, None, false)),
                    }
                }
                // Transitions are the guard's business; creation is not an evaluation event.
                Trigger::AfterTransition | Trigger::CaseCreated => {}
            }
        }

        // A transition's own conditions and its target's entry guard, read with the move in view.
        let check = |t: &'a crate::definitions::Transition| {
            let facts = ReleaseFacts { to_state: Some(&t.to), from_state: Some(&t.from), ..actual_facts };
            let mut why = Vec::new();
            let own = t.conditions.as_ref().is_none_or(|c| c.evaluate(&facts, &mut why));
            let entry = workflow.state(&t.to).and_then(|s| s.conditions.as_ref()).is_none_or(|c| c.evaluate(&facts, &mut why));
            // A checklist no condition reads gates its own state's exits, except a rejecting one.
            let listed = derived
                .exit_checklists
                .iter()
                .find(|(state, _)| *state == t.from && !t.rejects())
                .is_none_or(|(_, c)| c.evaluate(&facts, &mut why));
            let incomplete = why
                .iter()
                .filter(|w| !w.result)
                .filter_map(|w| match &w.leaf.field {
                    FieldPath::Checklist(id) => {
                        workflow.checklist(id).map(|c| (c.id.as_str(), crate::checklist::missing(c, release.checklists.get(id), &facts)))
                    }
                    _ => None,
                })
                .collect();
            transition::ConditionCheck { why, holds: own && entry && listed, incomplete }
        };
        let gate = state_approval.as_ref().filter(|a| a.required).map(|a| (a.state, &a.level));
        let transitions = transition::rows(workflow, request, &run, chain_def.allow_self_approval, gate, check);
        // A board column at its WIP limit warns about the moves into it (Kiket's boards warn by
        // default and no pack sets another policy); a state's own `wip_limit` already blocks.
        for row in transitions.iter().filter(|r| !r.blocking.iter().any(|b| matches!(b, transition::Blocker::WipLimit(_)))) {
            let boards = pack.boards.iter().filter(|b| b.workflow.as_deref().is_none_or(|w| w == workflow.id));
            for (board, column) in
                boards.flat_map(|b| b.columns.iter().map(move |c| (b, c))).filter(|(_, c)| c.states.iter().any(|s| s == row.to))
            {
                let Some(limit) = column.wip_limit else { continue };
                let count: u32 = column.states.iter().map(|s| request.wip.get(s).copied().unwrap_or(0)).sum();
                if count >= limit {
                    warnings.push(format!(
                        "column `{}` of board `{}` holds {count} of its WIP limit {limit}: moving to `{}` goes over it (boards warn, they do not block)",
                        column.name, board.id, row.to
                    ));
                }
            }
        }
        // A recipe that would move the case carries the guard's answer for that move.
        for action in recipes.iter_mut().flat_map(|r| r.actions.iter_mut()) {
            if let Some(to) = action.moves_to {
                action.guard = Some(transition::move_answer(&transitions, &release.status, to));
            }
        }

        if let Some(p) = &release.priority {
            if !derived.priorities.contains(p) {
                let known: Vec<&str> = derived.priorities.iter().map(String::as_str).collect();
                warnings.push(format!(
                    "priority `{p}` is none of the priorities the pack knows ({}); conditions compare it exactly",
                    known.join(", ")
                ));
            }
        }

        let wake_at = wake_at(&inputs, &run, sla.as_ref(), request);

        Ok(Run {
            workflow,
            evaluation: Evaluation {
                release_id: &release.id,
                status: &release.status,
                chain: ChainView { defined: chained.is_some(), run, modified_by },
                state_approval,
                escalation,
                sla,
                recipes,
                transitions,
                audit,
                warnings,
                wake_at,
            },
            chain: chain_def,
            timeline_sla,
        })
    }

    /// Parses and evaluates request JSON, answering JSON: the adapters' single entry point.
    pub fn evaluate_json(&self, json: &str, limits: &RequestLimits) -> Result<String, ErrorBody> {
        let request = request::parse(json, limits).map_err(|e| e.to_error_body())?;
        let run = self.run(&request, limits).map_err(|e| e.to_error_body())?;
        to_json(&run.evaluation)
    }

    /// Parts of the evaluate answer of a parsed request as a JSON object: each named top-level key
    /// (`chain`, `transitions`, …) with the value `evaluate_json`'s text parses to there, without
    /// writing and reading text, and without the parts nobody reads (change impact compares two
    /// answers per request, and never the audit or the recipes).
    pub fn evaluate_parts(&self, request: &Request, limits: &RequestLimits, parts: &[&str]) -> Result<serde_json::Value, ErrorBody> {
        let run = self.run(request, limits).map_err(|e| e.to_error_body())?;
        let e = &run.evaluation;
        let value = |part: &str| -> Option<Result<serde_json::Value, serde_json::Error>> {
            Some(match part {
                "release_id" => serde_json::to_value(e.release_id),
                "status" => serde_json::to_value(e.status),
                "chain" => serde_json::to_value(&e.chain),
                "state_approval" => serde_json::to_value(&e.state_approval),
                "escalation" => serde_json::to_value(&e.escalation),
                "sla" => serde_json::to_value(&e.sla),
                "recipes" => serde_json::to_value(&e.recipes),
                "transitions" => serde_json::to_value(&e.transitions),
                "audit" => serde_json::to_value(&e.audit),
                "warnings" => serde_json::to_value(&e.warnings),
                "wake_at" => serde_json::to_value(e.wake_at),
                _ => return None,
            })
        };
        let mut out = serde_json::Map::new();
        for part in parts {
            // A part the answer does not have is the caller's mistake, never a silent null.
            let v = value(part)
                .ok_or_else(|| ErrorBody::new(ErrorKind::Internal, format!("an evaluate answer has no part `{part}`")))?
                .map_err(|e| ErrorBody::new(ErrorKind::Internal, format!("could not write the answer: {e}")))?;
            out.insert((*part).to_owned(), v);
        }
        Ok(serde_json::Value::Object(out))
    }

    /// Evaluates a JSON array of requests (each an object, or a string holding request JSON) and
    /// answers a JSON array with one answer per request in its place; a bad request answers its
    /// `{"error": {...}}` there, so one bad request never loses the batch. `Err` only when the batch
    /// itself is not a JSON array. The batch form spares a host one crossing per request.
    ///
    /// ```
    /// use release_policy::{Policy, RequestLimits};
    /// let answers = Policy::builtin().evaluate_many_json(r#"[{"now": "nope"}]"#, &RequestLimits::default()).unwrap();
    /// assert!(answers.starts_with(r#"[{"error":"#));
    /// ```
    pub fn evaluate_many_json(&self, batch: &str, limits: &RequestLimits) -> Result<String, ErrorBody> {
        let requests: Vec<&serde_json::value::RawValue> = request::parse_tracked(batch, "").map_err(|e| e.to_error_body())?;
        // Grown as answers come: a batch of many tiny bad requests must not reserve gigabytes.
        let mut out = String::new();
        out.push('[');
        for (i, raw) in requests.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let text = raw.get();
            // A request given as JSON text arrives as a JSON string holding it.
            let decoded: Option<String> = if text.starts_with('"') { serde_json::from_str(text).ok() } else { None };
            match self.evaluate_json(decoded.as_deref().unwrap_or(text), limits) {
                Ok(answer) => out.push_str(&answer),
                Err(body) => out.push_str(&body.to_json()),
            }
        }
        out.push(']');
        Ok(out)
    }

    /// Parses a timeline request and answers JSON.
    pub fn timeline_json(&self, json: &str, limits: &RequestLimits) -> Result<String, ErrorBody> {
        let request = request::parse(json, limits).map_err(|e| e.to_error_body())?;
        let run = self.run(&request, limits).map_err(|e| e.to_error_body())?;
        to_json(&timeline::project(run.chain, &run.evaluation.chain.run, run.timeline_sla.as_ref(), request.now))
    }

    /// Parses a guard request and answers the guard JSON; `Err` carries the same deny answer when
    /// the request itself was bad (so a CLI can exit 2), never anything but a deny.
    pub fn guard_json(&self, json: &str, limits: &RequestLimits) -> Result<String, String> {
        let request = match request::parse(json, limits) {
            Ok(r) => r,
            Err(e) => return Err(to_json(&GuardAnswer::deny_error(e.to_error_body())).unwrap_or_default()),
        };
        if let Err(e) = self.route(&request.release).and_then(|(w, _)| request::check(&request, self.pack(), w, limits)) {
            return Err(to_json(&GuardAnswer::deny_error(e.to_error_body())).unwrap_or_default());
        }
        let answer = self.guard(&request);
        to_json(&answer).map_err(|e| e.message)
    }
}

/// The earliest instant after now at which the chain, escalation or SLA part of the answer changes
/// with no new input: a ladder step, a deadline, an auto-approval, an SLA warning or breach, an
/// approval dated in the future coming due, or a delegation window changing who is eligible on the
/// active level. A preview's times move with `now`, so only its SLA counts.
fn wake_at(inputs: &chain::Inputs<'_, '_>, run: &ChainRun<'_>, sla: Option<&SlaRun<'_>>, request: &Request) -> Option<Instant> {
    let now = request.now;
    let mut candidates: Vec<Instant> = sla.iter().flat_map(|s| [s.warning_at, s.breach_at]).flatten().filter(|t| *t > now).collect();
    if let Phase::Live { .. } = inputs.phase {
        candidates.extend(run.events.iter().filter(|e| !e.happened).map(|e| e.at));
        let requester = request.release.requester();
        for level in run.levels.iter().filter(|l| l.state == chain::LevelState::Active) {
            let eligible_at = |at: Instant| -> Vec<Vec<&str>> {
                level
                    .groups
                    .iter()
                    .map(|g| {
                        chain::eligible(g.group, &level.escalated, &request.directory, requester, inputs.chain.allow_self_approval, at)
                    })
                    .collect()
            };
            for d in &request.directory.delegations {
                for boundary in [d.start, d.end].into_iter().filter(|b| *b > now) {
                    let before = Instant::from_unix_seconds(boundary.unix_seconds() - 1);
                    if eligible_at(boundary) != eligible_at(before) {
                        candidates.push(boundary);
                    }
                }
            }
        }
        // An approval dated in the future changes the answer when it comes due only if it then
        // counts (or rejects): find the first that does, before anything else happens.
        let horizon = candidates.iter().min().copied().unwrap_or(Instant::MAX);
        let mut due: Vec<Instant> =
            request.release.approvals.iter().filter(|a| a.level.is_some() && a.at > now && a.at < horizon).map(|a| a.at).collect();
        crate::sort::unique(&mut due);
        if let Some(t) = due.into_iter().find(|t| chain::rerun_at(inputs, *t).is_some_and(|then| !then.same_decisions(run))) {
            candidates.push(t);
        }
    }
    candidates.into_iter().min()
}

fn to_json<T: Serialize>(value: &T) -> Result<String, ErrorBody> {
    crate::json::to_string(value).map_err(|e| ErrorBody::new(ErrorKind::Internal, format!("could not write the answer: {e}")))
}

/// A state's approval as the evaluation found it.
#[derive(Clone, Debug)]
pub struct StateApprovalView<'a> {
    pub state: &'a str,
    /// Whether it applies (its conditions hold; absent: always).
    pub required: bool,
    pub why: Vec<Why<'a, 'a>>,
    /// Its run as a one-level chain: state, eligible approvers, who approved, since when.
    pub level: LevelRun<'a>,
}

/// A state's approval as the answer shows it (SPEC §13).
#[derive(Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, rename = "StateApproval"))]
pub struct StateApprovalJson<'r> {
    pub state: &'r str,
    pub required: bool,
    #[cfg_attr(feature = "ts", ts(as = "Vec<crate::condition::WhyJson<'r, 'r>>"))]
    pub why: &'r [Why<'r, 'r>],
    /// `active` (awaiting a decision), `approved`, `rejected`, or `skipped` when it does not apply.
    pub decision: chain::LevelState,
    pub activated_at: Option<Instant>,
    pub completed_at: Option<Instant>,
    #[cfg_attr(feature = "ts", ts(type = "\"any\" | \"all\" | number"))]
    pub required_approvals: RequiredJson,
    pub assignments: &'r [crate::definitions::Assignment],
    pub eligible: &'r [&'r str],
    pub approved_by: &'r [&'r str],
    pub satisfied: bool,
}

impl Serialize for StateApprovalView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let group = self.level.groups.first().map(group_json);
        StateApprovalJson {
            state: self.state,
            required: self.required,
            why: &self.why,
            decision: self.level.state,
            activated_at: self.level.activated_at,
            completed_at: self.level.completed_at,
            required_approvals: group.as_ref().map_or(RequiredJson::Rule("any"), |g| g.required.clone()),
            assignments: group.as_ref().map_or(&[], |g| g.assignments),
            eligible: group.as_ref().map_or(&[], |g| g.eligible),
            approved_by: group.as_ref().map_or(&[], |g| g.approved_by),
            satisfied: group.as_ref().is_some_and(|g| g.satisfied),
        }
        .serialize(serializer)
    }
}

/// The chain as the answer shows it (SPEC §5).
#[derive(Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, rename = "Chain"))]
pub struct ChainJson<'r> {
    pub state: ChainState,
    pub started_at: Option<Instant>,
    pub current_level: Option<u32>,
    /// Recipes whose `modify_approval_chain` changed the chain.
    pub modified_by: &'r [&'r str],
    pub levels: Vec<LevelJson<'r>>,
}

/// One level of the chain.
#[derive(Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, rename = "Level"))]
pub struct LevelJson<'r> {
    pub level: u32,
    pub name: &'r str,
    pub required: bool,
    #[cfg_attr(feature = "ts", ts(as = "Vec<crate::condition::WhyJson<'r, 'r>>"))]
    pub why: &'r [Why<'r, 'r>],
    /// The recipe whose `skip_levels` skipped it.
    pub skipped_by: Option<&'r str>,
    pub state: chain::LevelState,
    pub timeout: Option<crate::Duration>,
    pub activated_at: Option<Instant>,
    pub deadline: Option<Instant>,
    pub completed_at: Option<Instant>,
    pub overdue: bool,
    /// The times above are a projection if nobody acts.
    pub projected: bool,
    #[cfg_attr(feature = "ts", ts(type = "\"AND\" | \"OR\""))]
    pub logic: &'static str,
    pub groups: Vec<GroupJson<'r>>,
    /// What recipes changed on this level (`modify_approval_chain`), in the order applied.
    pub changes: Vec<LevelChangeJson<'r>>,
}

/// One recipe change of a level, for people to read what a fast track did.
#[derive(Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, rename = "LevelChange"))]
pub struct LevelChangeJson<'r> {
    /// The recipe's key.
    pub recipe: &'r str,
    /// `skip_levels`, `reduce_timeout` (the level's `timeout` is the result) or `add_approvers`.
    pub change: &'static str,
    /// `add_approvers`: who became eligible, from the level's activation.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub assignments: Option<&'r [crate::definitions::Assignment]>,
}

/// One group of a level (a plain level has one, named `null`).
#[derive(Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, rename = "Group"))]
pub struct GroupJson<'r> {
    pub group: Option<&'r str>,
    #[cfg_attr(feature = "ts", ts(type = "\"any\" | \"all\" | number"))]
    pub required: RequiredJson,
    pub assignments: &'r [crate::definitions::Assignment],
    pub eligible: &'r [&'r str],
    pub approved_by: &'r [&'r str],
    pub satisfied: bool,
}

/// `"any"`, `"all"`, or a number of distinct approvers.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum RequiredJson {
    Rule(&'static str),
    AtLeast(u32),
}

impl RequiredJson {
    pub fn of(required: Required) -> RequiredJson {
        match required {
            Required::Any => RequiredJson::Rule("any"),
            Required::All => RequiredJson::Rule("all"),
            Required::AtLeast(n) => RequiredJson::AtLeast(n),
        }
    }
}

impl<'a> ChainView<'a> {
    /// The chain as the answer shows it.
    pub fn to_json(&self) -> ChainJson<'_> {
        ChainJson {
            state: self.run.state,
            started_at: self.run.started_at,
            current_level: self.run.current_level,
            modified_by: &self.modified_by,
            levels: self.run.levels.iter().map(level_json).collect(),
        }
    }
}

fn level_json<'r>(l: &'r LevelRun<'_>) -> LevelJson<'r> {
    let level = l.plan.level;
    LevelJson {
        level: level.level,
        name: &level.name,
        required: l.plan.required,
        why: &l.plan.why,
        skipped_by: l.plan.skipped_by,
        state: l.state,
        timeout: l.plan.timeout,
        activated_at: l.activated_at,
        deadline: l.deadline,
        completed_at: l.completed_at,
        overdue: l.overdue,
        projected: l.projected,
        logic: match level.logic {
            Logic::And => "AND",
            Logic::Or => "OR",
        },
        groups: l.groups.iter().map(group_json).collect(),
        changes: l.plan.changed_by.iter().map(|(recipe, change)| level_change(recipe, change)).collect(),
    }
}

fn level_change<'r>(recipe: &'r str, change: &'r ChainChange) -> LevelChangeJson<'r> {
    let (name, assignments) = match change {
        ChainChange::SkipLevels(_) => ("skip_levels", None),
        ChainChange::ReduceTimeout { .. } => ("reduce_timeout", None),
        ChainChange::AddApprovers { assignments, .. } => ("add_approvers", Some(assignments.as_slice())),
    };
    LevelChangeJson { recipe, change: name, assignments }
}

fn group_json<'r>(g: &'r GroupRun<'_>) -> GroupJson<'r> {
    GroupJson {
        group: g.group.name.as_deref(),
        required: RequiredJson::of(g.group.required),
        assignments: &g.group.assignments,
        eligible: &g.eligible,
        approved_by: &g.approved_by,
        satisfied: g.satisfied,
    }
}

impl Serialize for ChainView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if !self.defined {
            return serializer.serialize_none();
        }
        self.to_json().serialize(serializer)
    }
}

impl ChainState {
    pub fn is_approved(self) -> bool {
        self == ChainState::Approved
    }
}
