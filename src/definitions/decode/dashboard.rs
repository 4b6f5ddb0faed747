//! Dashboards: the structured widgets `analyze` computes, warehouse widgets and alerts passed through.

use super::*;

// ---------------------------------------------------------------------------------------------
// Dashboards

pub(crate) fn dashboard_file(root: &Node, cx: &mut Cx) -> Option<Dashboard> {
    let top = fields(root, cx, "a dashboard file")?;
    model_version(&top, cx);
    let f = top.req(cx, "dashboard", "the dashboard", |n, cx| fields(n, cx, "a dashboard"))?;
    let id = f.req(cx, "id", "the dashboard id", text)?;
    let widgets = f.opt_list(cx, "widgets", widget);
    if let Some(list_node) = f.get("widgets") {
        for (i, w) in widgets.iter().enumerate() {
            if widgets[..i].iter().any(|o| o.id == w.id) {
                cx.error(list_node.pos, format!("two widgets have the id `{}`", w.id));
            }
        }
    }
    // An alert whose `condition` is text runs in the host's warehouse; one with a mapping is ours.
    let is_warehouse = |n: &Node| matches!(&n.kind, Kind::Map(e) if e.iter().any(|(k, v)| k.key_text() == "condition" && matches!(v.kind, Kind::Scalar { .. })));
    let alert_nodes: &[Node] = match f.get("alerts").map(|n| &n.kind) {
        Some(Kind::Seq(items)) => items,
        Some(_) => {
            cx.error(f.get("alerts").map_or(f.pos, |n| n.pos), "expected a list of alerts");
            &[]
        }
        None => &[],
    };
    let alerts = alert_nodes.iter().filter(|n| !is_warehouse(n)).filter_map(|n| alert(n, cx, &id)).collect();
    let warehouse_alerts = alert_nodes.iter().filter(|n| is_warehouse(n)).filter_map(|n| warehouse_alert(n, cx)).collect();
    Some(Dashboard { name: f.opt(cx, "name", text).unwrap_or_else(|| id.clone()), id, widgets, alerts, warehouse_alerts })
}

pub(super) fn warehouse_alert(node: &Node, cx: &mut Cx) -> Option<WarehouseAlert> {
    let f = fields(node, cx, "an alert")?;
    let model = f.req(cx, "query", "the warehouse model the alert reads", text);
    let condition = f.req(cx, "condition", "when the alert fires", text);
    Some(WarehouseAlert { model: model?, condition: condition?, message: f.opt(cx, "message", text) })
}

pub(super) fn widget(node: &Node, cx: &mut Cx) -> Option<Widget> {
    let f = fields(node, cx, "a widget")?;
    let id = f.req(cx, "id", "the widget id", text);
    let kind = f.req(cx, "type", "the widget type", text);
    // `query: <model name>` (with `query_config`) is read by the host's warehouse.
    let model = match f.get("query").map(|n| &n.kind) {
        Some(Kind::Scalar { .. }) => f.opt(cx, "query", text),
        _ => None,
    };
    Some(Widget {
        title: f.opt(cx, "title", text),
        query: if model.is_some() { Query::default() } else { f.opt(cx, "query", query).unwrap_or_default() },
        model,
        // `thresholds: {warning, critical}` (display bands of the structured dashboards) decides
        // nothing; the list form `[{value, color}]` colours the deployment-health gauge.
        thresholds: if matches!(f.get("thresholds").map(|n| &n.kind), Some(Kind::Map(_))) {
            Vec::new()
        } else {
            f.opt_list(cx, "thresholds", |n, cx| {
                let t = fields(n, cx, "a threshold")?;
                let value = t.req(cx, "value", "the threshold value", number);
                let color = t.req(cx, "color", "its color", text);
                Some(Threshold { value: value?, color: color? })
            })
        },
        fields: f.opt(cx, "fields", texts).unwrap_or_default(),
        id: id?,
        kind: kind?,
    })
}

pub(super) fn filters(node: &Node, cx: &mut Cx) -> Option<Vec<Filter>> {
    let Kind::Map(entries) = &node.kind else {
        cx.error(node.pos, format!("expected a filter mapping (`status: production`), found {}", node.describe()));
        return None;
    };
    let mut out = Vec::new();
    for (key, value) in entries {
        let Some(values) = one_or_many(value, cx) else { continue };
        if key.key_text() == "status" {
            for v in &values {
                cx.refer(RefKind::State, v, value.pos);
            }
        }
        out.push(Filter { field: key.key_text().to_owned(), values });
    }
    Some(out)
}

pub(super) fn query(node: &Node, cx: &mut Cx) -> Option<Query> {
    let f = fields(node, cx, "a widget query")?;
    let buckets = f.opt(cx, "buckets", |n, cx| list(n, cx, duration)).unwrap_or_default();
    if buckets.windows(2).any(|w| w[0] >= w[1]) {
        if let Some(n) = f.get("buckets") {
            cx.error(n.pos, "histogram buckets must be strictly ascending");
        }
    }
    Some(Query {
        metric: f.opt(cx, "metric", text),
        field: f.opt(cx, "field", text),
        expression: f.opt(cx, "expression", text),
        filter: f.opt(cx, "filter", filters).unwrap_or_default(),
        group_by: f.opt(cx, "group_by", text),
        time_range: f.opt(cx, "time_range", duration),
        from_state: f.opt(cx, "from_state", state_name),
        to_state: f.opt(cx, "to_state", state_name),
        buckets,
        order_by: f.opt(cx, "order_by", text),
        limit: f.opt(cx, "limit", positive),
    })
}

pub(super) fn alert(node: &Node, cx: &mut Cx, dashboard: &str) -> Option<Alert> {
    let f = fields(node, cx, "an alert")?;
    let id = f.req(cx, "id", "the alert id", text);
    let c = f.req(cx, "condition", "when the alert fires", |n, cx| fields(n, cx, "an alert condition"))?;
    c.warn_unknown(cx, &vocabulary::ALERT_CONDITION);
    let metric = c.opt(cx, "metric", text);
    let field = c.opt(cx, "field", text);
    match (&metric, &field, c.get("metric"), c.get("field")) {
        (Some(m), None, Some(n), _) => cx.refer(RefKind::Metric { dashboard: dashboard.to_owned() }, m, n.pos),
        (None, Some(name), _, Some(n)) => {
            if !ALERT_FIELDS.contains(&name.as_str()) {
                cx.error(n.pos, format!("unknown alert field `{}`; the engine computes {}", shorten(name), ALERT_FIELDS.join(", ")));
            }
        }
        (Some(_), Some(_), _, Some(n)) => cx.error(n.pos, "an alert watches a `metric` or a `field`, not both"),
        _ => cx.error(c.pos, "an alert condition needs a `metric` or a `field`"),
    }
    let operator = c.req(cx, "operator", "how to compare, e.g. \">\"", |n, cx| {
        let spelled = text(n, cx)?;
        let op = Operator::from_spelling(&spelled);
        match op {
            Some(op) if op.operand() == Operand::Number || matches!(op, Operator::Eq | Operator::Ne) => Some(op),
            Some(_) => {
                cx.error(n.pos, format!("an alert compares numbers; `{}` does not", shorten(&spelled)));
                None
            }
            None => {
                let known: Vec<_> = Operator::spellings().collect();
                cx.error(n.pos, format!("unknown operator `{}`; expected one of {}", shorten(&spelled), known.join(", ")));
                None
            }
        }
    });
    let value = c.req(cx, "value", "the threshold", number);
    Some(Alert {
        name: f.opt(cx, "name", text),
        filter: c.opt(cx, "filter", filters).unwrap_or_default(),
        severity: f.opt(cx, "severity", text),
        channels: f.opt(cx, "channels", texts).unwrap_or_default(),
        id: id?,
        metric,
        field,
        operator: operator?,
        value: value?,
    })
}
