//! [`Outline`]: what a pack offers a form — states, transitions, case types and their fields, roles,
//! calendar and seed cases — so that a UI (the preview page) never parses YAML itself.
//!
//! Owns: flattening the typed [`Pack`] into a serializable summary. Must not evaluate anything.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::definitions::{ActionKind, AssignmentKind, ChainChange, FieldKind, Pack};

/// A pack as a form sees it.
///
/// ```
/// use release_policy::{Outline, Policy};
/// let outline = Outline::of(Policy::builtin().pack());
/// assert!(outline.roles.iter().any(|r| r == "director"));
/// assert_eq!(outline.chain_levels[2].name, "Manager Sign-off");
/// ```
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Outline {
    /// The pack's first workflow (its only one, usually); `workflows` lists them all.
    pub workflow: OutlineWorkflow,
    /// States of the first workflow in definition order.
    pub states: Vec<OutlineState>,
    pub transitions: Vec<OutlineTransition>,
    /// The levels of the approval chain, ascending.
    pub chain_levels: Vec<OutlineLevel>,
    pub case_types: Vec<OutlineCaseType>,
    /// Every role the pack declares or assigns, sorted.
    pub roles: Vec<String>,
    /// The pack's calendar (the default one when `workspace.yaml` has none), in request form.
    pub calendar: OutlineCalendar,
    pub seed_cases: Vec<OutlineSeedCase>,
    pub dashboards: Vec<OutlineDashboard>,
    /// Every workflow of the pack, in the pack's order, each as a form sees it.
    pub workflows: Vec<OutlineFlow>,
}

/// One workflow: its states (with their checklists and approvals), transitions and chain levels.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct OutlineFlow {
    pub id: String,
    pub name: String,
    pub states: Vec<OutlineState>,
    pub transitions: Vec<OutlineTransition>,
    pub chain_levels: Vec<OutlineLevel>,
}

/// A state's checklist: the items a request ticks in `release.checklists` (auto items are done by
/// their condition).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct OutlineChecklist {
    pub id: String,
    pub title: String,
    pub items: Vec<OutlineChecklistItem>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct OutlineChecklistItem {
    pub id: String,
    pub label: String,
    pub required: bool,
    /// Done when this condition holds (in words); absent for a manual item.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub auto: Option<String>,
}

/// A state's approval: who decides, how many, and when it applies (in words).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct OutlineStateApproval {
    #[cfg_attr(feature = "ts", ts(type = "\"any\" | \"all\" | number"))]
    pub required: crate::evaluation::RequiredJson,
    pub assignments: Vec<crate::definitions::Assignment>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub when: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct OutlineDashboard {
    pub id: String,
    pub name: String,
    /// In the dashboard's order.
    pub widgets: Vec<OutlineWidget>,
    pub alerts: Vec<OutlineAlert>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct OutlineWidget {
    pub id: String,
    /// `line_chart`, `bar_chart`, `gauge`, `histogram`, `list`, `pie_chart`, …
    #[serde(rename = "type")]
    #[cfg_attr(feature = "ts", ts(rename = "type"))]
    pub kind: String,
    pub title: String,
    /// A gauge's colour bands: upper bound and colour name.
    pub thresholds: Vec<(f64, String)>,
    /// A list's columns.
    pub fields: Vec<String>,
    /// The warehouse model the host computes the widget from (`query: fct_…`); absent for the
    /// widgets `analyze` computes.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub model: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct OutlineAlert {
    pub id: String,
    pub name: String,
    pub severity: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct OutlineWorkflow {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct OutlineState {
    pub id: String,
    /// `metadata.label`, else the id.
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub checklist: Option<OutlineChecklist>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub approval: Option<OutlineStateApproval>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct OutlineTransition {
    pub from: String,
    pub to: String,
    pub name: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct OutlineLevel {
    pub level: u32,
    pub name: String,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct OutlineCaseType {
    pub key: String,
    pub label: String,
    /// The workflow cases of this type follow, when the pack says.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub workflow: Option<String>,
    pub fields: Vec<OutlineField>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct OutlineField {
    pub key: String,
    pub label: String,
    /// The field type as the pack spells it (`select`, `text`, …).
    #[serde(rename = "type")]
    #[cfg_attr(feature = "ts", ts(rename = "type"))]
    pub kind: String,
    pub required: bool,
    /// The allowed values of a `select` / `multiselect` (empty otherwise).
    pub options: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct OutlineCalendar {
    pub timezone: String,
    pub working_days: Vec<String>,
    pub hours: String,
    pub holidays: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct OutlineSeedCase {
    pub title: String,
    pub description: Option<String>,
    pub case_type: String,
    pub status: Option<String>,
    pub priority: Option<String>,
    pub labels: Vec<String>,
    #[cfg_attr(feature = "ts", ts(type = "Record<string, unknown>"))]
    pub custom_fields: Map<String, Value>,
}

impl Outline {
    /// Flattens a loaded pack.
    /// The pack's first workflow (in a one-workflow pack, its workflow); a pack without a
    /// workflow outlines empty states and transitions.
    pub fn of(pack: &Pack) -> Outline {
        let wf = pack.workflows.first();
        let chain = wf.and_then(|w| w.chain_transition()).map(|(_, chain)| chain);
        let calendar = pack.workspace.calendar.clone().unwrap_or_default();
        Outline {
            workflow: OutlineWorkflow {
                id: wf.map(|w| w.id.clone()).unwrap_or_default(),
                name: wf.map(|w| w.name.clone()).unwrap_or_default(),
            },
            states: wf.iter().flat_map(|w| &w.states).map(state).collect(),
            transitions: wf.iter().flat_map(|w| &w.transitions).map(transition).collect(),
            chain_levels: chain.map(levels).unwrap_or_default(),
            workflows: pack
                .workflows
                .iter()
                .map(|w| OutlineFlow {
                    id: w.id.clone(),
                    name: w.name.clone(),
                    states: w.states.iter().map(state).collect(),
                    transitions: w.transitions.iter().map(transition).collect(),
                    chain_levels: w.chain_transition().map(|(_, c)| levels(c)).unwrap_or_default(),
                })
                .collect(),
            case_types: pack
                .case_types
                .iter()
                .map(|c| OutlineCaseType {
                    key: c.key.clone(),
                    label: c.label.clone().unwrap_or_else(|| c.key.clone()),
                    workflow: c.workflow.clone(),
                    fields: c
                        .fields
                        .iter()
                        .map(|f| OutlineField {
                            key: f.key.clone(),
                            label: f.label.clone().unwrap_or_else(|| f.key.clone()),
                            kind: field_kind_name(f.kind).to_owned(),
                            required: f.required,
                            options: f.options.clone(),
                        })
                        .collect(),
                })
                .collect(),
            roles: roles(pack),
            calendar: OutlineCalendar {
                timezone: calendar.timezone_name().to_owned(),
                working_days: calendar.working_day_names().map(str::to_owned).collect(),
                hours: calendar.hours().to_string(),
                holidays: calendar.holidays().map(|d| d.to_string()).collect(),
            },
            seed_cases: pack
                .workspace
                .seed_cases
                .iter()
                .map(|c| OutlineSeedCase {
                    title: c.title.clone(),
                    description: c.description.clone(),
                    case_type: c.case_type.clone(),
                    status: c.status.clone(),
                    priority: c.priority.clone(),
                    labels: c.labels.clone(),
                    custom_fields: c.custom_fields.clone(),
                })
                .collect(),
            dashboards: pack
                .dashboards
                .iter()
                .map(|d| OutlineDashboard {
                    id: d.id.clone(),
                    name: d.name.clone(),
                    widgets: d
                        .widgets
                        .iter()
                        .map(|w| OutlineWidget {
                            id: w.id.clone(),
                            kind: w.kind.clone(),
                            title: w.title.clone().unwrap_or_else(|| w.id.clone()),
                            thresholds: w.thresholds.iter().map(|t| (t.value, t.color.clone())).collect(),
                            fields: w.fields.clone(),
                            model: w.model.clone(),
                        })
                        .collect(),
                    alerts: d
                        .alerts
                        .iter()
                        .map(|a| OutlineAlert {
                            id: a.id.clone(),
                            name: a.name.clone().unwrap_or_else(|| a.id.clone()),
                            severity: a.severity.clone(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

fn state(s: &crate::definitions::State) -> OutlineState {
    OutlineState {
        id: s.id.clone(),
        label: s.label.clone().unwrap_or_else(|| s.id.clone()),
        checklist: s.checklist.as_ref().map(|c| OutlineChecklist {
            id: c.id.clone(),
            title: c.title.clone().unwrap_or_else(|| c.id.clone()),
            items: c
                .items
                .iter()
                .map(|i| OutlineChecklistItem {
                    id: i.id.clone(),
                    label: i.label.clone().unwrap_or_else(|| i.id.clone()),
                    required: c.all_required || i.required,
                    auto: i.auto.as_ref().map(ToString::to_string),
                })
                .collect(),
        }),
        approval: s.approval.as_ref().map(|a| OutlineStateApproval {
            required: crate::evaluation::RequiredJson::of(a.group.required),
            assignments: a.group.assignments.clone(),
            when: a.conditions.as_ref().map(ToString::to_string),
        }),
    }
}

fn transition(t: &crate::definitions::Transition) -> OutlineTransition {
    OutlineTransition { from: t.from.clone(), to: t.to.clone(), name: t.name.clone() }
}

fn levels(chain: &crate::definitions::ApprovalChain) -> Vec<OutlineLevel> {
    chain.levels.iter().map(|l| OutlineLevel { level: l.level, name: l.name.clone() }).collect()
}

fn field_kind_name(kind: FieldKind) -> &'static str {
    FieldKind::ALL.iter().find(|(_, k)| *k == kind).map_or("text", |(name, _)| name)
}

/// Declared roles plus every role an assignment names (levels, ladder, transitions, recipes).
fn roles(pack: &Pack) -> Vec<String> {
    let mut roles: Vec<&str> = pack.workspace.roles.iter().map(String::as_str).collect();
    let mut assignments = Vec::new();
    for approval in pack.workflows.iter().flat_map(|w| &w.states).filter_map(|s| s.approval.as_ref()) {
        assignments.extend(&approval.group.assignments);
    }
    for transition in pack.workflows.iter().flat_map(|w| &w.transitions) {
        assignments.extend(transition.require_approval.iter().map(|r| &r.assignment));
        if let Some(chain) = &transition.approval_chain {
            assignments.extend(chain.levels.iter().flat_map(|l| l.groups.iter().flat_map(|g| &g.assignments)));
            assignments.extend(chain.escalation.iter().flat_map(|s| &s.to));
        }
    }
    for action in pack.workflows.iter().flat_map(|w| &w.recipes).flat_map(|r| &r.actions) {
        match &action.kind {
            ActionKind::ModifyApprovalChain(changes) => {
                for change in changes {
                    if let ChainChange::AddApprovers { assignments: added, .. } = change {
                        assignments.extend(added);
                    }
                }
            }
            ActionKind::EscalateApproval { add_approvers, .. } => assignments.extend(add_approvers),
            ActionKind::RequestApproval { assignment, .. } => assignments.push(assignment),
            _ => {}
        }
    }
    roles.extend(assignments.iter().filter(|a| a.kind == AssignmentKind::Role).map(|a| a.identifier.as_str()));
    crate::sort::unique(&mut roles);
    roles.into_iter().map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Policy;

    #[test]
    fn the_builtin_outline_lists_declared_and_assigned_roles_and_the_default_calendar() {
        let outline = Outline::of(Policy::builtin().pack());
        assert_eq!(
            outline.roles,
            ["director", "engineering_lead", "engineering_manager", "qa_lead", "release_manager", "sre", "sre_oncall"]
        );
        assert_eq!(outline.calendar.timezone, "UTC");
        assert_eq!(outline.calendar.working_days, ["mon", "tue", "wed", "thu", "fri"]);
        assert_eq!(outline.calendar.hours, "09:00-17:00");
        assert_eq!(outline.seed_cases.len(), 6);
        let release = &outline.case_types[0];
        let release_type = release.fields.iter().find(|f| f.key == "release_type").unwrap();
        assert_eq!((release_type.kind.as_str(), release_type.options.len()), ("select", 4));
        assert_eq!(outline.states[2].label, "Pending Approval");
        let kinds: Vec<&str> = outline.dashboards[0].widgets.iter().map(|w| w.kind.as_str()).collect();
        assert_eq!(kinds, ["line_chart", "bar_chart", "gauge", "histogram", "list", "list", "bar_chart", "pie_chart"]);
    }
}
