//! Case types (`case_types.yaml` / `issue_types.yaml`) and the workspace (`workspace.yaml` /
//! `project.yaml`): roles, the calendar, seed cases.

use super::*;

// ---------------------------------------------------------------------------------------------
// Case types and workspace

/// `case_types.yaml` (`case_types:`, alias `issue_types:`).
pub(crate) fn case_types_file(root: &Node, cx: &mut Cx) -> Vec<CaseType> {
    let Some(f) = fields(root, cx, "a case types file") else { return Vec::new() };
    f.check_keys(cx, &vocabulary::CASE_TYPES_FILE, &[]);
    model_version(&f, cx);
    let Some(list_node) = f.get_either(cx, "case_types", "issue_types") else {
        cx.error(f.pos, "missing `case_types` (the list of case types)");
        return Vec::new();
    };
    let types = list(list_node, cx, case_type).unwrap_or_default();
    for (i, t) in types.iter().enumerate() {
        if types[..i].iter().any(|o| o.key == t.key) {
            cx.error(list_node.pos, format!("two case types have the key `{}`", t.key));
        }
    }
    types
}

pub(super) fn case_type(node: &Node, cx: &mut Cx) -> Option<CaseType> {
    let f = fields(node, cx, "a case type")?;
    f.check_keys(cx, &vocabulary::CASE_TYPE, &[]);
    let key = f.req(cx, "key", "the case type key", text)?;
    let fields_node = f.get("fields");
    let defs = fields_node.and_then(|n| list(n, cx, field_def)).unwrap_or_default();
    for (i, d) in defs.iter().enumerate() {
        if defs[..i].iter().any(|o| o.key == d.key) {
            cx.error(fields_node.map_or(f.pos, |n| n.pos), format!("case type `{key}` declares the field `{}` twice", d.key));
        }
    }
    let workflow = f.opt(cx, "workflow", |n, cx| {
        let id = text(n, cx)?;
        cx.refer(RefKind::Workflow, &id, n.pos);
        Some(id)
    });
    Some(CaseType { label: f.opt(cx, "label", text), workflow, fields: defs, key })
}

pub(super) fn field_def(node: &Node, cx: &mut Cx) -> Option<FieldDef> {
    let f = fields(node, cx, "a field definition")?;
    f.check_keys(cx, &vocabulary::FIELD_DEF, &[]);
    let key = f.req(cx, "key", "the field key", text);
    let kind = f.req(cx, "type", "the field type", |n, cx| one_of(n, cx, "field type", &FieldKind::ALL));
    let options = f.opt(cx, "options", texts).unwrap_or_default();
    if matches!(kind, Some(FieldKind::Select | FieldKind::Multiselect)) && options.is_empty() {
        cx.error(f.get("type").map_or(f.pos, |n| n.pos), "a select field needs a non-empty list of `options`");
    }
    Some(FieldDef {
        label: f.opt(cx, "label", text),
        required: f.opt(cx, "required", boolean).unwrap_or(false),
        readonly: f.opt(cx, "readonly", boolean).unwrap_or(false),
        options,
        key: key?,
        kind: kind?,
    })
}

/// `boards/*.yaml`: the columns' states and WIP limits; the rest is the Kiket UI's.
pub(crate) fn board_file(root: &Node, cx: &mut Cx) -> Option<Board> {
    let top = fields(root, cx, "a board file")?;
    top.check_keys(cx, &vocabulary::BOARD_FILE, &[]);
    let header = top.req(cx, "board", "the board's id and workflow", |n, cx| fields(n, cx, "a board"))?;
    header.check_keys(cx, &vocabulary::BOARD_HEADER, &[]);
    let id = header.req(cx, "id", "the board id", text)?;
    let workflow = header.opt(cx, "workflow", |n, cx| {
        let id = text(n, cx)?;
        cx.refer(RefKind::Workflow, &id, n.pos);
        Some(id)
    });
    let columns = top.opt_list(cx, "columns", |n, cx| {
        let f = fields(n, cx, "a board column")?;
        f.check_keys(cx, &vocabulary::BOARD_COLUMN, &[]);
        let states = f.opt(cx, "states", |n, cx| list(n, cx, super::workflow::state_name)).unwrap_or_default();
        Some(BoardColumn {
            name: f.opt(cx, "name", text).or_else(|| f.opt(cx, "key", text)).unwrap_or_default(),
            states,
            wip_limit: f.opt(cx, "wip_limit", positive),
        })
    });
    Some(Board { id, workflow, columns })
}

/// `workspace.yaml` (`workspace:`, alias `project:`).
pub(crate) fn workspace_file(root: &Node, cx: &mut Cx) -> Option<Workspace> {
    let top = fields(root, cx, "a workspace file")?;
    top.check_keys(cx, &vocabulary::WORKSPACE_FILE, &[]);
    let f = match top.get_either(cx, "workspace", "project") {
        Some(n) => fields(n, cx, "the workspace")?,
        None => {
            cx.error(top.pos, "missing `workspace` (the workspace settings)");
            return None;
        }
    };
    f.check_keys(cx, &vocabulary::WORKSPACE, &[]);
    let roles = f
        .opt(cx, "team", |n, cx| fields(n, cx, "the team"))
        .map(|team| {
            team.opt_list(cx, "roles", |n, cx| match &n.kind {
                Kind::Map(_) => fields(n, cx, "a role")?.req(cx, "name", "the role name", text),
                _ => text(n, cx),
            })
        })
        .unwrap_or_default();
    let calendar = match (f.get("calendar"), top.get("calendar")) {
        (Some(_), Some(_)) => {
            cx.error(top.key_pos("calendar"), "`calendar` is given twice (top level and under `workspace`); keep one");
            None
        }
        (Some(n), None) | (None, Some(n)) => calendar(n, cx),
        (None, None) => None,
    };
    let seed_cases =
        f.opt(cx, "seed_data", |n, cx| fields(n, cx, "seed data")).map(|seed| seed.opt_list(cx, "cases", seed_case)).unwrap_or_default();
    Some(Workspace { key: f.opt(cx, "key", text), name: f.opt(cx, "name", text), roles, calendar, seed_cases })
}

pub(super) fn seed_case(node: &Node, cx: &mut Cx) -> Option<SeedCase> {
    let f = fields(node, cx, "a seed case")?;
    let title = f.req(cx, "title", "the case title", text);
    let case_type_node = f.get_either(cx, "case_type", "issue_type");
    let case_type = match case_type_node {
        Some(n) => {
            let t = text(n, cx);
            if let Some(t) = &t {
                cx.refer(RefKind::CaseType, t, n.pos);
            }
            t
        }
        None => {
            cx.error(f.pos, "missing `case_type` of the seed case");
            None
        }
    };
    Some(SeedCase {
        description: f.opt(cx, "description", text),
        status: f.opt(cx, "status", state_name),
        priority: f.opt(cx, "priority", text),
        labels: f.opt(cx, "labels", texts).unwrap_or_default(),
        custom_fields: f.opt(cx, "custom_fields", |n, cx| fields(n, cx, "custom fields").map(|c| c.to_json_except(""))).unwrap_or_default(),
        title: title?,
        case_type: case_type?,
    })
}

/// A text scalar run through one of the calendar module's parsers.
pub(super) fn parsed<T>(node: &Node, cx: &mut Cx, parse: fn(&str) -> Result<T, String>) -> Option<T> {
    let t = text(node, cx)?;
    parse(&t).map_err(|e| cx.error(node.pos, e)).ok()
}

/// The `calendar:` extension; absent parts take the defaults (UTC, Mon–Fri, 09:00–17:00).
pub(crate) fn calendar(node: &Node, cx: &mut Cx) -> Option<Calendar> {
    let f = fields(node, cx, "a calendar")?;
    f.check_keys(cx, &vocabulary::CALENDAR, &[]);
    let default = Calendar::default();
    let timezone = match f.get("timezone") {
        Some(n) => parsed(n, cx, calendar::parse_timezone)?,
        None => (default.timezone_name().to_owned(), default.timezone()),
    };
    let days = match f.get("working_days") {
        Some(n) => list(n, cx, |d, cx| parsed(d, cx, calendar::parse_weekday))?,
        None => [
            jiff::civil::Weekday::Monday,
            jiff::civil::Weekday::Tuesday,
            jiff::civil::Weekday::Wednesday,
            jiff::civil::Weekday::Thursday,
            jiff::civil::Weekday::Friday,
        ]
        .to_vec(),
    };
    if days.is_empty() {
        cx.error(f.get("working_days").map_or(f.pos, |n| n.pos), "a calendar needs at least one working day");
    }
    let hours: WorkingHours = match f.get("hours") {
        Some(n) => parsed(n, cx, calendar::parse_hours)?,
        None => default.hours(),
    };
    let holidays = f.opt(cx, "holidays", |n, cx| list(n, cx, |d, cx| parsed(d, cx, calendar::parse_date))).unwrap_or_default();
    Some(Calendar::new(timezone, days, hours, holidays))
}
