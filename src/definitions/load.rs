//! A pack (in-memory files) → a validated [`Pack`], or every error found.
//!
//! The layout is Kiket's, both families: `workflows/<id>.yaml` (any number),
//! `workflows/<id>/automation_recipes/*.yaml`, `automations/*.yaml`, `dashboards/*.yaml` and
//! `analytics/dashboards/*.yaml`, `case_types.yaml` (alias `issue_types.yaml`), `workspace.yaml`
//! (alias `project.yaml`), `boards/*.yaml`; folders that decide nothing (agents, intakes, templates,
//! modules, e-mail templates) are part of the layout and not read. Paths may carry a leading `.kiket/`. Reading files from disk
//! is the caller's business (see `pack_dir`); this module never touches the file system.

use super::decode::{self, Cx, Ref, RefKind};
use super::yaml::{self, Pos, shorten};
use super::{Pack, Workspace};
use crate::error::{DefinitionsError, Diagnostic};

/// One file of a pack: its path inside the pack and its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackFile {
    pub path: String,
    pub text: String,
}

impl PackFile {
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> PackFile {
        PackFile { path: path.into(), text: text.into() }
    }
}

/// Limits a host may tighten or relax.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoadOptions {
    /// Total size of all files of a pack, in bytes (default 1 MiB).
    pub max_definitions_bytes: usize,
    /// Deepest nesting of all/any/not in a condition (default 64).
    pub max_condition_depth: usize,
}

impl Default for LoadOptions {
    fn default() -> LoadOptions {
        LoadOptions { max_definitions_bytes: 1 << 20, max_condition_depth: 64 }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum FileRole {
    Workflow(String),
    Recipes(String),
    Dashboard,
    CaseTypes,
    Workspace,
    Board,
    /// `automations/*.yaml`: standalone automations, not yet read (refused).
    Automations,
    /// Files that decide nothing the engine evaluates (agents, intake forms, templates, email
    /// templates, modules, the inbound e-mail intake, a bundle manifest, the pack's own tests): part of
    /// the layout, loaded without being interpreted.
    Uninterpreted,
}

fn classify(path: &str) -> Option<FileRole> {
    let stem = path.strip_suffix(".yaml").or_else(|| path.strip_suffix(".yml"))?;
    let parts: Vec<&str> = stem.split('/').collect();
    Some(match parts.as_slice() {
        ["case_types" | "issue_types"] => FileRole::CaseTypes,
        ["workspace" | "project"] => FileRole::Workspace,
        ["workflows", id] => FileRole::Workflow((*id).to_owned()),
        ["workflows", id, "automation_recipes", _] => FileRole::Recipes((*id).to_owned()),
        ["dashboards", _] | ["analytics", "dashboards", _] => FileRole::Dashboard,
        ["boards", _] => FileRole::Board,
        ["automations", _] => FileRole::Automations,
        ["agents" | "intakes" | "templates" | "case_templates" | "modules" | "email_templates" | "tests", ..]
        | ["inbound_email" | "manifest"] => FileRole::Uninterpreted,
        _ => return None,
    })
}

/// The editor schema kind (`release-policy schema`) of a pack file, by its path: `None` for a file
/// outside the layout or one the loader does not interpret.
pub fn schema_kind(path: &str) -> Option<&'static str> {
    Some(match classify(&normalise(path))? {
        FileRole::Workflow(_) => "workflow",
        FileRole::Recipes(_) => "automation_recipe",
        FileRole::Automations => "automations",
        FileRole::Dashboard => "dashboard",
        FileRole::CaseTypes => "case_types",
        FileRole::Workspace => "workspace",
        FileRole::Board => "board",
        FileRole::Uninterpreted => return None,
    })
}

/// `./a\b` and `.kiket/a/b` both name `a/b`.
fn normalise(path: &str) -> String {
    let path = path.replace('\\', "/");
    let path = path.trim_start_matches("./");
    path.strip_prefix(".kiket/").unwrap_or(path).to_owned()
}

fn whole_file(file: &str, message: impl Into<String>) -> Diagnostic {
    Diagnostic { file: file.to_owned(), line: 0, column: 0, message: message.into() }
}

/// Loads and validates a pack. On success, the pack and its warnings (sorted); on failure, every
/// error found and the warnings.
///
/// ```
/// use release_policy::definitions::{load, LoadOptions, PackFile};
/// let files = [PackFile::new("case_types.yaml", "case_types: [{key: Release, workflow: release}]")];
/// let err = load(&files, &LoadOptions::default()).unwrap_err();
/// assert!(err.first().message.contains("unknown workflow `release`"));
/// ```
pub fn load(files: &[PackFile], options: &LoadOptions) -> Result<(Pack, Vec<Diagnostic>), DefinitionsError> {
    let mut cx = Cx::new(options.max_condition_depth);

    let total: usize = files.iter().map(|f| f.text.len()).sum();
    if total > options.max_definitions_bytes {
        let err = whole_file("(pack)", format!("the definitions are {total} bytes; the limit is {} bytes", options.max_definitions_bytes));
        return Err(DefinitionsError { errors: vec![err], warnings: Vec::new() });
    }

    // Sorted by path so that results never depend on the order a directory was listed in; of two
    // files with one path, the first given is read.
    let mut classified: Vec<(String, FileRole, &str)> = Vec::new();
    for file in files {
        let path = normalise(&file.path);
        match classify(&path) {
            Some(role) => classified.push((path, role, &file.text)),
            None if path.ends_with(".yaml") || path.ends_with(".yml") => {
                cx.warnings.push(whole_file(&path, "not part of the Kiket pack layout; ignored"));
            }
            None => {}
        }
    }
    crate::sort::by(&mut classified, |a, b| a.0.cmp(&b.0));
    let mut given_twice = Vec::new();
    classified.dedup_by(|later, first| {
        let twice = later.0 == first.0;
        if twice {
            given_twice.push(whole_file(&later.0, "this file is given twice"));
        }
        twice
    });
    cx.errors.extend(given_twice);

    let mut workflows = Vec::new();
    let mut recipes = Vec::new();
    let mut automations: Vec<(String, super::Recipe)> = Vec::new();
    let mut dashboards = Vec::new();
    let mut boards = Vec::new();
    let mut case_types = None;
    let mut workspace = None;
    for (path, role, text) in &classified {
        if *role == FileRole::Uninterpreted {
            continue;
        }
        cx.file = path.clone();
        let root = match prebuilt(text).map_or_else(|| yaml::parse(text), Ok) {
            Ok(root) => root,
            Err(e) => {
                cx.error(e.pos, format!("YAML syntax: {}", e.message));
                continue;
            }
        };
        match role {
            FileRole::Workflow(stem) => {
                if let Some(w) = decode::workflow_file(&root, &mut cx) {
                    workflows.push((path.clone(), stem.clone(), w));
                }
            }
            FileRole::Recipes(workflow) => {
                if let Some(r) = decode::recipe_file(&root, &mut cx) {
                    recipes.push((path.clone(), workflow.clone(), r));
                }
            }
            FileRole::Dashboard => dashboards.extend(decode::dashboard_file(&root, &mut cx)),
            FileRole::CaseTypes => {
                if case_types.is_some() {
                    cx.errors.push(whole_file(path, "both case_types.yaml and issue_types.yaml are present; keep one"));
                }
                case_types = Some(decode::case_types_file(&root, &mut cx));
            }
            FileRole::Workspace => {
                if workspace.is_some() {
                    cx.errors.push(whole_file(path, "both workspace.yaml and project.yaml are present; keep one"));
                }
                workspace = decode::workspace_file(&root, &mut cx);
            }
            FileRole::Automations => {
                let read = decode::automations_file(&root, &mut cx);
                automations.extend(read.into_iter().map(|r| (path.clone(), r)));
            }
            // Boards are presentation for the Kiket UI, apart from their columns' WIP limits.
            FileRole::Board => boards.extend(decode::board_file(&root, &mut cx)),
            FileRole::Uninterpreted => {}
        }
    }

    for (path, stem, w) in &workflows {
        if w.id != *stem {
            cx.warnings.push(Diagnostic {
                file: path.clone(),
                line: 1,
                column: 1,
                message: format!(
                    "the workflow id `{}` differs from its file name `{stem}`; recipes are looked up under workflows/{}/",
                    w.id, w.id
                ),
            });
        }
    }
    for (i, (path, _, w)) in workflows.iter().enumerate() {
        if let Some((first, _, _)) = workflows[..i].iter().find(|(_, _, o)| o.id == w.id) {
            cx.errors.push(whole_file(path, format!("a second workflow with the id `{}` (the first is {first})", w.id)));
        }
    }
    for (path, dir, _) in &recipes {
        if !workflows.iter().any(|(_, _, w)| w.id == *dir) {
            let ids: Vec<&str> = workflows.iter().map(|(_, _, w)| w.id.as_str()).collect();
            let known =
                if ids.is_empty() { "the pack has none".to_owned() } else { format!("the pack's workflows are {}", ids.join(", ")) };
            cx.errors.push(whole_file(path, format!("recipes of workflow `{dir}`, but there is no such workflow; {known}")));
        }
    }
    // Each recipe after the first (in path order) with a key already used in its workflow.
    let mut keyed: Vec<(&str, &str, &str)> =
        recipes.iter().map(|(path, dir, recipe)| (dir.as_str(), recipe.key.as_str(), path.as_str())).collect();
    crate::sort::by(&mut keyed, |a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    for pair in keyed.windows(2).filter(|pair| (pair[0].0, pair[0].1) == (pair[1].0, pair[1].1)) {
        cx.errors.push(whole_file(pair[1].2, format!("a second recipe with the key `{}`", pair[1].1)));
    }

    // A workflow file that could not be read leaves names unresolvable: its errors say enough.
    let every_workflow_read = workflows.len() == classified.iter().filter(|(_, r, _)| matches!(r, FileRole::Workflow(_))).count();
    let mut scopes: Vec<(String, String)> = Vec::new();
    let mut workflows: Vec<super::Workflow> = workflows
        .into_iter()
        .map(|(path, _, w)| {
            scopes.push((path, w.id.clone()));
            w
        })
        .collect();
    for (path, dir, recipe) in recipes {
        if let Some(w) = workflows.iter_mut().find(|w| w.id == dir) {
            scopes.push((path, dir));
            w.recipes.push(recipe);
        }
    }
    // Standalone automations belong to no one workflow: every workflow runs them (their
    // conditions select the cases), after its own recipes.
    for (i, (path, automation)) in automations.iter().enumerate() {
        if let Some((first, _)) = automations[..i].iter().find(|(_, o)| o.key == automation.key) {
            cx.errors.push(whole_file(path, format!("a second automation with the id `{}` (the first is in {first})", automation.key)));
        }
    }
    for w in &mut workflows {
        w.recipes.extend(automations.iter().map(|(_, a)| a.clone()));
    }
    let pack = Pack {
        workflows,
        dashboards,
        case_types_declared: case_types.is_some(),
        case_types: case_types.unwrap_or_default(),
        workspace: workspace.unwrap_or_else(Workspace::default),
        boards,
    };
    if every_workflow_read {
        check_references(&pack, &scopes, &mut cx);
    }

    let Cx { mut errors, mut warnings, .. } = cx;
    crate::sort::unique(&mut errors);
    crate::sort::unique(&mut warnings);
    if errors.is_empty() { Ok((pack, warnings)) } else { Err(DefinitionsError { errors, warnings }) }
}

/// Every case type's definition of the custom field `key`.
fn field_defs<'p>(pack: &'p Pack, key: &'p str) -> impl Iterator<Item = &'p super::FieldDef> + 'p {
    pack.case_types.iter().filter_map(move |c| c.field(key))
}

/// Resolves every name one file uses from another. `scopes` maps each workflow and recipe file to
/// its workflow: names of states and levels there resolve in that workflow; elsewhere (dashboards,
/// seed cases) in any workflow of the pack.
fn check_references(pack: &Pack, scopes: &[(String, String)], cx: &mut Cx) {
    let case_types: Vec<&str> = pack.case_types.iter().map(|c| c.key.as_str()).collect();
    let mut declared_roles: Vec<&str> = pack.workspace.roles.iter().map(String::as_str).collect();
    crate::sort::unique(&mut declared_roles);
    let mut undeclared_roles: Vec<Ref> = Vec::new();
    let mut undeclared_fields: Vec<Ref> = Vec::new();
    let mut undefined_fields: Vec<Ref> = Vec::new();
    let refs = std::mem::take(&mut cx.refs);

    for r in refs {
        let at = Pos { line: r.pos.line, column: r.pos.column };
        let name = shorten(&r.name);
        let scope: Vec<&super::Workflow> = match scopes.iter().find(|(path, _)| *path == r.file) {
            Some((_, id)) => pack.workflow(id).into_iter().collect(),
            None => pack.workflows.iter().collect(),
        };
        let error = match &r.kind {
            RefKind::State if !scope.iter().any(|w| w.state(&r.name).is_some()) => {
                let mut states: Vec<&str> = Vec::new();
                for state in scope.iter().flat_map(|w| w.states.iter().map(|s| s.id.as_str())) {
                    if !states.contains(&state) {
                        states.push(state);
                    }
                }
                let whose = if scope.len() == 1 { "the workflow's" } else { "the pack's" };
                Some(format!("unknown state `{name}`; {whose} states are {}", states.join(", ")))
            }
            RefKind::Workflow if pack.workflow(&r.name).is_none() => {
                let ids: Vec<&str> = pack.workflows.iter().map(|w| w.id.as_str()).collect();
                Some(format!("unknown workflow `{name}`; the pack's workflows are {}", ids.join(", ")))
            }
            RefKind::CaseType if pack.case_types_declared && !case_types.contains(&r.name.as_str()) => {
                Some(format!("unknown case type `{name}`; the pack's case types are {}", case_types.join(", ")))
            }
            RefKind::Level => {
                let mut levels: Vec<u32> =
                    scope.iter().filter_map(|w| w.chain_transition()).flat_map(|(_, c)| c.levels.iter().map(|l| l.level)).collect();
                crate::sort::unique(&mut levels);
                (!r.name.parse().is_ok_and(|n: u32| levels.contains(&n))).then(|| {
                    let list: Vec<String> = levels.iter().map(u32::to_string).collect();
                    format!("there is no level {name} in the approval chain (levels: {})", list.join(", "))
                })
            }
            RefKind::Dashboard if !pack.dashboards.iter().any(|d| d.id == r.name) => Some(format!("no dashboard has the id `{name}`")),
            RefKind::Metric { dashboard } => {
                let widget = pack.dashboards.iter().filter(|d| d.id == *dashboard).flat_map(|d| &d.widgets).any(|w| w.id == r.name);
                let metric = pack.workflows.iter().any(|w| {
                    let prefix = format!("{}.", w.id);
                    w.analytics.metrics.iter().any(|m| m.id == r.name || m.id.strip_prefix(&prefix) == Some(r.name.as_str()))
                });
                (!widget && !metric)
                    .then(|| format!("unknown metric `{name}`: no widget of this dashboard and no workflow metric has that id"))
            }
            RefKind::FieldValue { field } => {
                let selects: Vec<_> = field_defs(pack, field).filter(|d| !d.options.is_empty()).collect();
                let allowed = selects.iter().any(|d| d.options.contains(&r.name));
                (!selects.is_empty() && !allowed).then(|| {
                    let mut options: Vec<&str> = selects.iter().flat_map(|d| d.options.iter().map(String::as_str)).collect();
                    options.dedup();
                    format!("`{name}` is not an option of custom field `{field}`; its options are {}", options.join(", "))
                })
            }
            RefKind::Role if declared_roles.binary_search(&r.name.as_str()).is_err() => {
                undeclared_roles.push(r.clone());
                None
            }
            RefKind::Checklist if !scope.iter().any(|w| w.checklist(&r.name).is_some()) => {
                let mut ids: Vec<&str> =
                    scope.iter().flat_map(|w| w.states.iter().filter_map(|s| s.checklist.as_ref().map(|c| c.id.as_str()))).collect();
                crate::sort::unique(&mut ids);
                let known = if ids.is_empty() {
                    "no state declares a checklist".to_owned()
                } else {
                    format!("the checklists are {}", ids.join(", "))
                };
                Some(format!("unknown checklist `{name}`; {known}"))
            }
            RefKind::Move { from } => {
                let declared =
                    |w: &super::Workflow, f: Option<&str>| w.transitions.iter().any(|t| t.to == r.name && f.is_none_or(|f| t.from == f));
                let undeclared: Vec<&str> =
                    from.iter().map(String::as_str).filter(|f| !scope.iter().any(|w| declared(w, Some(f)))).collect();
                let message = if from.is_empty() && !scope.iter().any(|w| declared(w, None)) {
                    Some(format!("this action moves the case to `{name}`, which no transition enters: the move always answers deny"))
                } else if !undeclared.is_empty() {
                    Some(format!(
                        "this action moves the case from `{}` to `{name}`, a transition the workflow does not declare: the move answers deny",
                        undeclared.join("`, `")
                    ))
                } else {
                    None
                };
                if let Some(message) = message {
                    cx.warnings.push(Diagnostic { file: r.file.clone(), line: at.line, column: at.column, message });
                }
                None
            }
            RefKind::UndefinedField => {
                undefined_fields.push(r.clone());
                None
            }
            RefKind::CustomField | RefKind::RequiredField if field_defs(pack, &r.name).next().is_none() => {
                undeclared_fields.push(r.clone());
                None
            }
            _ => None,
        };
        if let Some(message) = error {
            cx.errors.push(Diagnostic { file: r.file.clone(), line: at.line, column: at.column, message });
        }
    }
    let plural = |uses: usize| if uses == 1 { "" } else { "s" };
    warn_once_per_name(cx, undeclared_roles, |name, uses| {
        format!("role `{name}` is used ({uses} place{}) but not declared in workspace.yaml team.roles", plural(uses))
    });
    warn_once_per_name(cx, undefined_fields, |name, uses| {
        format!(
            "field `{name}` ({uses} condition{}) is defined by nothing in the pack: it is read from release.custom_fields.{name}, and while absent every condition on it is false",
            plural(uses)
        )
    });
    warn_once_per_name(cx, undeclared_fields, |name, _| format!("custom field `{name}` is not declared by any case type"));
}

/// One warning per name, at its first reference, worded from the name and its number of uses.
fn warn_once_per_name(cx: &mut Cx, refs: Vec<Ref>, message: impl Fn(&str, usize) -> String) {
    for (first, uses) in first_of_each(refs) {
        let message = message(&first.name, uses);
        cx.warnings.push(Diagnostic { file: first.file, line: first.pos.line, column: first.pos.column, message });
    }
}

/// The first reference to each name, in name order, with how many references name it. A sort
/// rather than a map: a pack may hold as many names as it has bytes.
fn first_of_each(mut refs: Vec<Ref>) -> Vec<(Ref, usize)> {
    crate::sort::by(&mut refs, |a, b| a.name.cmp(&b.name));
    let mut out: Vec<(Ref, usize)> = Vec::new();
    for r in refs {
        match out.last_mut() {
            Some((first, uses)) if first.name == r.name => *uses += 1,
            _ => out.push((r, 1)),
        }
    }
    out
}

/// The built-in pack's files with their trees, as build.rs parsed them: `(text, encoded tree)`.
/// Not in the plugin module: it carries a compiled pack instead (SPEC §11), and the texts and trees
/// would be dead weight in every compiled module's memory.
#[cfg(not(feature = "plugin"))]
static BUILTIN_TREES: &[(&str, &[u8])] = include!(concat!(env!("OUT_DIR"), "/builtin_trees.rs"));

/// The tree of a file whose text is exactly one of the built-in pack's (so `Policy::builtin()`,
/// and a pack that reuses built-in files, skip YAML scanning); `None` for any other text.
#[cfg(feature = "plugin")]
fn prebuilt(_text: &str) -> Option<yaml::Node> {
    None
}

#[cfg(not(feature = "plugin"))]
fn prebuilt(text: &str) -> Option<yaml::Node> {
    BUILTIN_TREES.iter().find(|(builtin, _)| *builtin == text).and_then(|(builtin, tree)| yaml::decode(tree, builtin))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_file_has_its_stored_tree_and_nothing_else_does() {
        for (path, text) in crate::BUILTIN_FILES {
            assert_eq!(prebuilt(text), yaml::parse(text).ok(), "{path}");
            assert!(prebuilt(text).is_some(), "{path}");
            assert!(prebuilt(&format!("{text} ")).is_none(), "{path}: another text is parsed");
        }
    }
}
