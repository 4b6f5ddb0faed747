//! Condition trees and their leaves, with the names they compare with recorded as references.

use super::*;

// ---------------------------------------------------------------------------------------------
// Conditions

pub(super) const COMBINATORS: [&str; 3] = ["all", "any", "not"];

/// The words besides `field`/`operator`/`value` a leaf's mapping may hold: the shorthand operator
/// keys and the combinators (a test keeps the list equal to the operators' own table).
const LEAF_WORDS: &[&str] = &[
    "equals",
    "not_equals",
    "gt",
    "gte",
    "greater_or_equal",
    "lt",
    "lte",
    "less_or_equal",
    "in",
    "not_in",
    "contains",
    "not_contains",
    "is_present",
    "is_not_empty",
    "is_empty",
    "all",
    "any",
    "not",
];

/// A condition tree: `{all: […]}`, `{any: […]}`, `{not: …}`, a leaf, or a bare list (= all).
pub(crate) fn condition(node: &Node, cx: &mut Cx, depth: usize) -> Option<Condition> {
    if depth > cx.max_condition_depth {
        cx.error(node.pos, format!("conditions nested deeper than {} levels", cx.max_condition_depth));
        return None;
    }
    match &node.kind {
        Kind::Seq(_) => condition_list(node, cx, depth).map(Condition::All),
        Kind::Map(entries) => {
            let combinator = entries.iter().find(|(k, _)| COMBINATORS.contains(&k.key_text()));
            match combinator {
                Some((key, value)) => {
                    if entries.len() > 1 {
                        cx.error(key.pos, format!("`{}` must be the only key of its mapping; wrap the others in it", key.key_text()));
                        return None;
                    }
                    match key.key_text() {
                        "all" => condition_list(value, cx, depth).map(Condition::All),
                        "any" => condition_list(value, cx, depth).map(Condition::Any),
                        _ => condition(value, cx, depth + 1).map(|c| Condition::Not(Box::new(c))),
                    }
                }
                None => leaf(node, cx).map(Condition::Leaf),
            }
        }
        Kind::Scalar { .. } => {
            cx.error(
                node.pos,
                format!("expected a condition (`field`/`operator`/`value`, or all/any/not, or a list), found {}", node.describe()),
            );
            None
        }
    }
}

pub(super) fn condition_list(node: &Node, cx: &mut Cx, depth: usize) -> Option<Vec<Condition>> {
    let Kind::Seq(items) = &node.kind else {
        cx.error(node.pos, format!("expected a list of conditions, found {}", node.describe()));
        return None;
    };
    if items.is_empty() {
        cx.error(node.pos, "an empty condition list: its meaning is unclear; remove it or add conditions");
        return None;
    }
    let decoded: Vec<_> = items.iter().map(|n| condition(n, cx, depth + 1)).collect();
    decoded.into_iter().collect()
}

pub(super) fn leaf(node: &Node, cx: &mut Cx) -> Option<Leaf> {
    let f = fields(node, cx, "a condition")?;
    if f.has("checklist") {
        return checklist_leaf(&f, cx);
    }
    // Shorthand operator keys (`equals:`) and the combinators are the other words a leaf's
    // mapping may hold; a typo of any of them (`equls:`, `al:`) is named as such.
    f.check_keys(cx, &vocabulary::CONDITION_LEAF, LEAF_WORDS);
    let field_node = f.req(cx, "field", "the field to test", |n, _| Some(n));
    let field = field_node.and_then(|n| {
        let path = text(n, cx)?;
        let field = FieldPath::parse(&path).map_err(|e| cx.error(n.pos, e)).ok()?;
        if let FieldPath::Undefined(name) = &field {
            if cx.approval_conditions {
                // There a false leaf would waive an approval: fail closed by refusing the pack.
                cx.error(
                    n.pos,
                    format!("`{name}` is defined by nothing in the pack; an approval's conditions may not read it (absent, it would waive the approval)"),
                );
                return None;
            }
            cx.refer(RefKind::UndefinedField, name, n.pos);
        }
        Some(field)
    });

    // Either `operator: x` + `value: y`, or one shorthand key (`equals: y`, `in: […]`).
    let shorthands: Vec<&(Node, Node)> = f.entries.iter().filter(|(k, _)| Operator::from_shorthand_key(k.key_text()).is_some()).collect();
    let (operator, value_node, op_pos) = match (f.get("operator"), shorthands.as_slice()) {
        (Some(op), []) => {
            let spelled = text(op, cx)?;
            let Some(operator) = Operator::from_spelling(&spelled) else {
                let known: Vec<_> = Operator::spellings().collect();
                cx.error(op.pos, format!("unknown operator `{}`; expected one of {}", shorten(&spelled), known.join(", ")));
                return None;
            };
            (operator, f.get("value"), op.pos)
        }
        (None, [(key, value)]) => {
            let operator = Operator::from_shorthand_key(key.key_text())?;
            // `is_present: true` reads as "apply is_present"; there is no value to compare.
            let value = match operator.operand() {
                Operand::None => {
                    if value.scalar() != Some(Scalar::Bool(true)) {
                        cx.error(value.pos, format!("write `{}: true`, or use `operator: {}`", key.key_text(), key.key_text()));
                    }
                    None
                }
                _ => Some(value),
            };
            (operator, value, key.pos)
        }
        (None, []) => {
            cx.error(f.pos, "missing `operator` (or a shorthand key such as `equals:`, `in:`, `gte:`)");
            return None;
        }
        (Some(_), [(key, _), ..]) | (None, [_, (key, _), ..]) => {
            cx.error(key.pos, "a condition takes one operator; found more than one");
            return None;
        }
    };

    let value = match (operator.operand(), value_node) {
        (Operand::None, None) => None,
        (Operand::None, Some(v)) => {
            cx.error(v.pos, format!("`{operator}` takes no value"));
            return None;
        }
        (_, None) => {
            cx.error(op_pos, format!("`{operator}` needs a `value` to compare with"));
            return None;
        }
        (operand, Some(v)) => Some(operand_value(v, operand, operator, cx)?),
    };
    let field = field?;
    if let (true, Some(Literal::String(_) | Literal::Bool(_))) = (field.is_numeric(), &value) {
        if let Some(v) = value_node {
            cx.error(v.pos, format!("`{field}` is a number; compare it with a number"));
        }
    }
    if let Some(v) = value_node {
        refer_literals(&field, value.as_ref(), v, cx);
    }
    Some(Leaf { field, operator, value })
}

/// `{checklist: <id>, complete: true}`.
pub(super) fn checklist_leaf(f: &Fields, cx: &mut Cx) -> Option<Leaf> {
    f.check_keys(cx, &vocabulary::CHECKLIST_LEAF, &[]);
    let id_node = f.get("checklist")?;
    let id = text(id_node, cx)?;
    cx.refer(RefKind::Checklist, &id, id_node.pos);
    let complete = f.req(cx, "complete", "true or false", boolean)?;
    Some(Leaf { field: FieldPath::Checklist(id), operator: Operator::Eq, value: Some(Literal::Bool(complete)) })
}

pub(super) fn literal(node: &Node, cx: &mut Cx) -> Option<Literal> {
    match node.scalar() {
        Some(Scalar::Bool(b)) => Some(Literal::Bool(b)),
        Some(Scalar::Int(i)) => Some(Literal::Number(i as f64)),
        Some(Scalar::Float(x)) => Some(Literal::Number(x)),
        Some(Scalar::Str(s)) => Some(Literal::String(s.to_owned())),
        Some(Scalar::Null) => {
            cx.error(node.pos, "missing value: use `is_empty` to test for an absent field");
            None
        }
        None => {
            cx.error(node.pos, format!("expected a single value, found {}", node.describe()));
            None
        }
    }
}

pub(super) fn operand_value(node: &Node, operand: Operand, operator: Operator, cx: &mut Cx) -> Option<Literal> {
    match operand {
        Operand::Number => match literal(node, cx)? {
            n @ Literal::Number(_) => Some(n),
            other => {
                cx.error(node.pos, format!("`{operator}` compares numbers, found `{other}`"));
                None
            }
        },
        Operand::List => match &node.kind {
            Kind::Seq(items) => {
                let values: Option<Vec<Literal>> = items.iter().map(|n| literal(n, cx)).collect();
                values.map(Literal::List)
            }
            _ => {
                cx.error(node.pos, format!("`{operator}` needs a list of values, found {}", node.describe()));
                None
            }
        },
        Operand::Scalar | Operand::None => literal(node, cx),
    }
}

/// Records the names a condition compares with (states, case types, select options) so that a
/// typo such as `pending-approval` or `majr` is an error rather than a level silently skipped.
pub(super) fn refer_literals(field: &FieldPath, value: Option<&Literal>, node: &Node, cx: &mut Cx) {
    let strings: Vec<&str> = match value {
        Some(Literal::String(s)) => vec![s],
        Some(Literal::List(items)) => {
            items.iter().filter_map(|l| if let Literal::String(s) = l { Some(s.as_str()) } else { None }).collect()
        }
        _ => Vec::new(),
    };
    let kind = match field {
        FieldPath::Status | FieldPath::ToState | FieldPath::FromState => RefKind::State,
        FieldPath::CaseType => RefKind::CaseType,
        FieldPath::CustomField(key) => {
            cx.refer(RefKind::CustomField, key, node.pos);
            RefKind::FieldValue { field: key.clone() }
        }
        _ => return,
    };
    for s in strings {
        cx.refer(kind.clone(), s, node.pos);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_leaf_words_are_the_shorthand_operators_and_the_combinators() {
        let mut expected: Vec<&str> = Operator::spellings().filter(|s| Operator::from_shorthand_key(s).is_some()).collect();
        expected.extend(COMBINATORS);
        assert_eq!(LEAF_WORDS, expected.as_slice());
    }
    use crate::definitions::yaml::parse;

    /// Decodes a condition written in YAML; returns it or the error messages.
    fn cond(text: &str) -> Result<Condition, Vec<String>> {
        let node = parse(text).expect("yaml");
        let mut cx = Cx::new(64);
        let c = condition(&node, &mut cx, 1);
        match (c, cx.errors.is_empty()) {
            (Some(c), true) => Ok(c),
            _ => Err(cx.errors.into_iter().map(|e| e.message).collect()),
        }
    }

    fn shown(text: &str) -> String {
        cond(text).unwrap_or_else(|e| panic!("{text}: {e:?}")).to_string()
    }

    #[test]
    fn a_bare_list_means_all() {
        let c = cond("- {field: priority, operator: '=', value: high}\n- {field: labels, operator: contains, value: x}").unwrap();
        assert!(matches!(&c, Condition::All(items) if items.len() == 2));
    }

    #[test]
    fn trees_nest_freely() {
        assert_eq!(
            shown(
                "any:\n  - all: [{field: status, equals: staging}, {field: days_in_state, gte: 3}]\n  - not: {field: labels, contains: frozen}\n"
            ),
            "(status = staging AND days_in_state >= 3) OR NOT (labels contains frozen)"
        );
    }

    #[test]
    fn shorthand_keys_are_operators() {
        assert_eq!(shown("{field: priority, equals: critical}"), "priority = critical");
        assert_eq!(shown("{field: priority, in: [high, critical]}"), "priority in [high, critical]");
        assert_eq!(shown("{field: hours_in_state, gte: 4}"), "hours_in_state >= 4");
        assert_eq!(shown("{field: assignee, is_present: true}"), "assignee is_present");
        assert_eq!(shown("{field: title, operator: is_empty}"), "title is_empty");
    }

    #[test]
    fn operands_must_fit_the_operator() {
        let err = |t: &str| cond(t).unwrap_err().join(" | ");
        assert!(err("{field: priority, operator: in, value: high}").contains("`in` needs a list of values"));
        assert!(err("{field: days_in_state, operator: '>', value: seven}").contains("`>` compares numbers, found `seven`"));
        assert!(err("{field: days_in_state, operator: '=', value: seven}").contains("`days_in_state` is a number"));
        assert!(err("{field: title, operator: is_empty, value: x}").contains("`is_empty` takes no value"));
        assert!(err("{field: priority, operator: '='}").contains("`=` needs a `value`"));
        assert!(err("{field: priority, equals: a, in: [b]}").contains("one operator"));
        assert!(err("{field: priority}").contains("missing `operator`"));
        assert!(err("{all: [], any: []}").contains("must be the only key"));
        assert!(err("{all: []}").contains("empty condition list"));
        assert!(err("just text").contains("expected a condition"));
    }

    #[test]
    fn the_nesting_limit_counts_every_level() {
        let nested = |depth: usize| format!("{}{{field: priority, equals: x}}{}", "{not: ".repeat(depth - 1), "}".repeat(depth - 1));
        assert!(cond(&nested(64)).is_ok());
        assert_eq!(cond(&nested(65)).unwrap_err(), ["conditions nested deeper than 64 levels"]);
    }
}
