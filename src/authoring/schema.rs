//! Editor schemas (SPEC §12): one JSON Schema (draft 2020-12) per kind of pack file, generated
//! from the vocabulary tables the decoder checks every key against, so that a schema cannot drift
//! from what the loader accepts.
//!
//! Owns the translation of [`Shape`]s into JSON Schema. Must not know any key by name: every key,
//! its value, its presence and its meaning come from [`vocabulary`]; only the few rules the
//! decoder writes as code (a condition's operators, the moves a host action may not make, which
//! recipe actions are closed) are restated here, each beside the decoder's own table.
//!
//! Where the loader checks more than a schema can say (names that must resolve across files, the
//! SLA warning before its breach, a near miss of more than one edit in an open structure), the
//! schema accepts and the loader refuses: the schema never refuses what the loader accepts.

use serde_json::{Map, Value, json};

use crate::condition::{Operand, Operator};
use crate::definitions::vocabulary::{self, Presence, Shape, Structure, Support};

/// Every file kind, with the structure at its root.
pub const KINDS: [(&str, &Structure); 7] = [
    ("workflow", &vocabulary::WORKFLOW_FILE),
    ("automation_recipe", &vocabulary::RECIPE_FILE),
    ("automations", &vocabulary::AUTOMATIONS_FILE),
    ("case_types", &vocabulary::CASE_TYPES_FILE),
    ("workspace", &vocabulary::WORKSPACE_FILE),
    ("dashboard", &vocabulary::DASHBOARD_FILE),
    ("board", &vocabulary::BOARD_FILE),
];

/// The pack paths each kind applies to, as globs (for an editor's `yaml.schemas` setting).
pub fn globs(kind: &str) -> &'static [&'static str] {
    match kind {
        "workflow" => &["workflows/*.yaml", "workflows/*.yml"],
        "automation_recipe" => &["workflows/*/automation_recipes/*.yaml"],
        "automations" => &["automations/*.yaml"],
        "case_types" => &["case_types.yaml", "issue_types.yaml"],
        "workspace" => &["workspace.yaml", "project.yaml"],
        "dashboard" => &["dashboards/*.yaml", "analytics/dashboards/*.yaml"],
        "board" => &["boards/*.yaml"],
        _ => &[],
    }
}

/// `{kind: schema}` for every kind, in [`KINDS`] order.
pub fn schemas() -> Map<String, Value> {
    KINDS.iter().map(|(kind, root)| ((*kind).to_owned(), Generator::default().document(kind, root))).collect()
}

/// The schema of one kind, if it is one.
pub fn schema(kind: &str) -> Option<Value> {
    KINDS.iter().find(|(k, _)| *k == kind).map(|(kind, root)| Generator::default().document(kind, root))
}

/// `30m`, `4h`, `2d`, `1w`, or ISO 8601 with weeks, days, hours, minutes and seconds in order.
const DURATION: &str = "^([0-9]+[smhdw]|P([0-9]+W|[0-9]+D(T([0-9]+H([0-9]+M)?([0-9]+S)?|[0-9]+M([0-9]+S)?|[0-9]+S))?|T([0-9]+H([0-9]+M)?([0-9]+S)?|[0-9]+M([0-9]+S)?|[0-9]+S)))$";

#[derive(Default)]
struct Generator {
    /// Definitions by name, each structure once.
    defs: Map<String, Value>,
    /// Which structure each definition name stands for.
    named: Vec<(*const Structure, String)>,
}

impl Generator {
    fn document(mut self, kind: &str, root: &'static Structure) -> Value {
        let mut top = self.structure(root);
        let mut doc = Map::new();
        doc.insert("$schema".into(), json!("https://json-schema.org/draft/2020-12/schema"));
        doc.insert("$id".into(), json!(format!("https://kiket.dev/schemas/release-policy/{kind}.schema.json")));
        doc.insert("title".into(), json!(format!("Kiket {} ({})", root.what.trim_start_matches("a ").trim_start_matches("an "), kind)));
        doc.append(&mut top);
        doc.insert("$defs".into(), Value::Object(self.defs));
        Value::Object(doc)
    }

    /// A reference to the structure's definition, generating it the first time.
    fn reference(&mut self, s: &'static Structure) -> Value {
        let key = s as *const Structure;
        if let Some((_, name)) = self.named.iter().find(|(p, _)| *p == key) {
            return json!({ "$ref": format!("#/$defs/{name}") });
        }
        let base = slug(s.what);
        let mut name = base.clone();
        let mut n = 2;
        while self.named.iter().any(|(_, taken)| *taken == name) {
            name = format!("{base}_{n}");
            n += 1;
        }
        self.named.push((key, name.clone()));
        let schema = self.structure(s);
        self.defs.insert(name.clone(), Value::Object(schema));
        json!({ "$ref": format!("#/$defs/{name}") })
    }

    fn structure(&mut self, s: &'static Structure) -> Map<String, Value> {
        let mut properties = Map::new();
        for key in s.keys {
            let mut value = match key.support {
                Support::Refused(why) => json!({ "not": {}, "description": format!("Refused by this engine: {why}.") }),
                Support::Honoured => {
                    let shape = self.shape(&key.shape);
                    let shape = if key.presence == Presence::Optional { nullable(shape) } else { shape };
                    described(shape, key.meaning)
                }
            };
            if !key.decides {
                if let Value::Object(o) = &mut value {
                    o.entry("description")
                        .and_modify(|d| *d = json!(format!("{} (descriptive: decides nothing)", d.as_str().unwrap_or(""))));
                }
            }
            properties.insert(key.name.to_owned(), value);
        }
        let mut out = Map::new();
        out.insert("type".into(), json!("object"));
        out.insert("description".into(), json!(capitalised(s.what)));
        out.insert("properties".into(), Value::Object(properties));
        let required: Vec<&str> = s.keys.iter().filter(|k| k.presence == Presence::Required).map(|k| k.name).collect();
        if !required.is_empty() {
            out.insert("required".into(), json!(required));
        }
        let choices: Vec<Value> =
            s.keys.iter().filter(|k| k.presence == Presence::OneOf).map(|k| json!({ "required": [k.name] })).collect();
        if !choices.is_empty() {
            out.insert("oneOf".into(), Value::Array(choices));
        }
        if s.closed {
            out.insert("additionalProperties".into(), json!(false));
        } else if let Some(near) = near_misses(s) {
            // An open structure keeps unknown keys, except a near miss of a deciding key.
            let known: Vec<&str> = s.names().collect();
            out.insert("propertyNames".into(), json!({ "anyOf": [{ "enum": known }, { "not": { "pattern": near } }] }));
        }
        out
    }

    fn shape(&mut self, shape: &Shape) -> Value {
        match shape {
            Shape::Any => json!({}),
            Shape::Text => json!({ "type": ["string", "number", "boolean"] }),
            Shape::Bool => json!({ "type": "boolean" }),
            Shape::Positive => json!({ "type": "integer", "minimum": 1 }),
            Shape::Number => json!({ "type": "number" }),
            Shape::Duration => json!({ "type": "string", "pattern": DURATION }),
            Shape::Pattern(p) => json!({ "type": "string", "pattern": p }),
            Shape::Words(words) => json!({ "enum": words() }),
            Shape::Map(s) => self.reference(s),
            Shape::List(item) => json!({ "type": "array", "items": self.shape(item) }),
            Shape::NonEmpty(item) => json!({ "type": "array", "minItems": 1, "items": self.shape(item) }),
            Shape::Named(item) => json!({ "type": "object", "additionalProperties": self.shape(item) }),
            Shape::Either(shapes) => json!({ "anyOf": shapes.iter().map(|s| self.shape(s)).collect::<Vec<_>>() }),
            Shape::Condition => self.condition(),
            Shape::ModelVersion => json!({ "enum": ["1.0", "1", 1] }),
            Shape::HostAction => self.host_action(),
            Shape::RecipeAction => self.recipe_action(),
        }
    }

    /// `decode::condition`: a bare list (all), `{all: […]}`, `{any: […]}`, `{not: …}`, a checklist
    /// leaf, or a leaf with `operator:` or exactly one shorthand operator key.
    fn condition(&mut self) -> Value {
        const REF: &str = "#/$defs/condition";
        if !self.defs.contains_key("condition") {
            self.defs.insert("condition".into(), json!({}));
            let list = json!({ "type": "array", "minItems": 1, "items": { "$ref": REF } });
            let only = |key: &str, value: Value, meaning: &str| {
                let value = described(value, meaning);
                json!({ "type": "object", "properties": { key: value }, "required": [key], "additionalProperties": false })
            };
            let checklist = self.reference(&vocabulary::CHECKLIST_LEAF);
            let leaf = self.leaf();
            let schema = json!({
                "description": "A condition: a leaf (`field` with `operator`/`value`, or one shorthand key such as `in:`), `all`/`any`/`not`, or a list (all must hold)",
                "anyOf": [
                    list,
                    only("all", list.clone(), "every condition of the list holds"),
                    only("any", list.clone(), "at least one condition of the list holds"),
                    only("not", json!({ "$ref": REF }), "the condition does not hold"),
                    checklist,
                    leaf,
                ],
            });
            self.defs.insert("condition".into(), schema);
        }
        json!({ "$ref": REF })
    }

    fn leaf(&mut self) -> Value {
        let mut o = self.structure(&vocabulary::CONDITION_LEAF);
        let shorthands: Vec<(&str, Operator)> =
            Operator::spellings().filter_map(|s| Operator::from_shorthand_key(s).map(|op| (s, op))).collect();
        if let Some(Value::Object(properties)) = o.get_mut("properties") {
            for (key, op) in &shorthands {
                let value = match op.operand() {
                    Operand::None => json!({ "const": true }),
                    Operand::List => json!({ "type": "array" }),
                    Operand::Number => json!({ "type": "number" }),
                    Operand::Scalar => json!({ "type": ["string", "number", "boolean"] }),
                };
                properties.insert((*key).to_owned(), described(value, &format!("shorthand for `operator: {key}` with this value")));
            }
        }
        let one_operator: Vec<Value> =
            std::iter::once("operator").chain(shorthands.iter().map(|(k, _)| *k)).map(|k| json!({ "required": [k] })).collect();
        o.insert("oneOf".into(), Value::Array(one_operator));
        Value::Object(o)
    }

    /// `decode::host_action`: `action:` and parameters handed to the host; `set_field` is closed, and
    /// a move (`transition`, `set_field` of `status`) is refused (`vocabulary::MOVES_A_CASE`).
    fn host_action(&mut self) -> Value {
        if !self.defs.contains_key("host_action") {
            let any = self.reference(&vocabulary::HOST_ACTION);
            let set_field = self.reference(&vocabulary::HOST_SET_FIELD);
            let schema = json!({
                "description": format!("A host action. {}", vocabulary::MOVES_A_CASE),
                "allOf": [
                    any,
                    { "if": { "properties": { "action": { "const": "set_field" } }, "required": ["action"] }, "then": set_field },
                    { "not": { "properties": { "action": { "const": "transition" } }, "required": ["action"] } },
                    { "not": { "properties": { "action": { "const": "set_field" }, "field": { "const": "status" } }, "required": ["action", "field"] } },
                ],
            });
            self.defs.insert("host_action".into(), schema);
        }
        json!({ "$ref": "#/$defs/host_action" })
    }

    /// `decode::action`: `type:`; the types of [`vocabulary::RECIPE_ACTIONS`] are closed.
    fn recipe_action(&mut self) -> Value {
        if !self.defs.contains_key("recipe_action") {
            let mut all = vec![self.reference(&vocabulary::RECIPE_ACTION)];
            for (kind, structure) in &vocabulary::RECIPE_ACTIONS {
                let then = self.reference(structure);
                all.push(json!({ "if": { "properties": { "type": { "const": kind } }, "required": ["type"] }, "then": then }));
            }
            self.defs.insert("recipe_action".into(), json!({ "description": "A recipe or automation action", "allOf": all }));
        }
        json!({ "$ref": "#/$defs/recipe_action" })
    }
}

/// The schema, or null (an explicit null is an absent key to the loader).
fn nullable(schema: Value) -> Value {
    match schema {
        Value::Object(mut o) if o.len() == 1 && o.get("type").is_some_and(Value::is_string) => {
            let t = o.remove("type").unwrap_or(Value::Null);
            json!({ "type": [t, "null"] })
        }
        Value::Object(mut o) if o.get("type").is_some_and(Value::is_array) => {
            if let Some(Value::Array(types)) = o.get_mut("type") {
                types.push(json!("null"));
            }
            Value::Object(o)
        }
        Value::Object(o) if o.is_empty() => Value::Object(o),
        other => json!({ "anyOf": [{ "type": "null" }, other] }),
    }
}

fn described(schema: Value, meaning: &str) -> Value {
    match schema {
        Value::Object(mut o) if !meaning.is_empty() => {
            o.insert("description".into(), json!(capitalised(meaning)));
            Value::Object(o)
        }
        other => other,
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// "a state approval" → `state_approval`.
fn slug(what: &str) -> String {
    let words: Vec<&str> = what.split_whitespace().filter(|w| !["a", "an", "the"].contains(w)).collect();
    words.join("_").chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').collect::<String>().to_ascii_lowercase()
}

/// A pattern matching every name one edit (ASCII case aside) from a deciding key of an open
/// structure long enough for the loader to call it a typo (`vocabulary::nearest`): the loader
/// refuses those. Farther near misses (two or three edits) the loader refuses too; a schema
/// accepts them.
fn near_misses(s: &Structure) -> Option<String> {
    let mut alternatives = Vec::new();
    for key in s.keys.iter().filter(|k| k.decides) {
        let chars: Vec<char> = key.name.chars().collect();
        let n = chars.len();
        // One edit is a typo when it is at most a third of the longer word.
        if n + 1 < 3 {
            continue;
        }
        let letters = |part: &[char]| part.iter().map(|c| caseless(*c)).collect::<String>();
        for i in 0..n {
            // Deleting or replacing the i-th letter.
            if n >= 3 {
                alternatives.push(format!("{}.?{}", letters(&chars[..i]), letters(&chars[i + 1..])));
            }
        }
        for i in 0..=n {
            alternatives.push(format!("{}.{}", letters(&chars[..i]), letters(&chars[i..])));
        }
    }
    (!alternatives.is_empty()).then(|| format!("^({})$", alternatives.join("|")))
}

fn caseless(c: char) -> String {
    if c.is_ascii_alphabetic() {
        format!("[{}{}]", c.to_ascii_lowercase(), c.to_ascii_uppercase())
    } else if c.is_ascii_alphanumeric() || c == '_' {
        c.to_string()
    } else {
        format!("\\{c}")
    }
}
