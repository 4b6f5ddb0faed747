// Shared by tests/wasm_node.rs and tests/wasm_browser.rs (included with `include!`): the JS
// bindings in a real JS engine, answering the native engine's golden bytes.

use release_policy::js::JsPolicy;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

const REQUEST: &str = include_str!("../../examples/pending-release.json");

fn stringify(value: &JsValue) -> String {
    js_sys::JSON::stringify(value).map(String::from).unwrap_or_default()
}

#[wasm_bindgen_test]
fn evaluate_guard_and_timeline_answer_the_native_bytes() {
    let policy = JsPolicy::builtin();
    let request = JsValue::from_str(REQUEST);
    assert_eq!(stringify(&policy.evaluate(request.clone()).unwrap()), include_str!("../golden/pending-release.evaluate.json").trim_end());
    assert_eq!(stringify(&policy.guard(request.clone())), include_str!("../golden/pending-release.guard.json").trim_end());
    assert_eq!(stringify(&policy.timeline(request).unwrap()), include_str!("../golden/pending-release.timeline.json").trim_end());
}

#[wasm_bindgen_test]
fn a_request_object_answers_like_its_text() {
    let policy = JsPolicy::builtin();
    let object = js_sys::JSON::parse(REQUEST).unwrap();
    assert_eq!(stringify(&policy.evaluate(object).unwrap()), include_str!("../golden/pending-release.evaluate.json").trim_end());
}

#[wasm_bindgen_test]
fn errors_are_thrown_as_js_errors_with_the_structured_fields() {
    let policy = JsPolicy::builtin();
    let thrown = policy.evaluate(JsValue::from_str("{\"now\": \"yesterday\"}")).unwrap_err();
    assert!(thrown.is_instance_of::<js_sys::Error>());
    let field = |k: &str| js_sys::Reflect::get(&thrown, &JsValue::from_str(k)).unwrap().as_string().unwrap_or_default();
    assert_eq!(field("kind"), "request");
    assert_eq!(field("path"), "now");
    assert!(field("message").contains("RFC 3339"), "{}", field("message"));
    let deny = policy.guard(JsValue::from_str("not json"));
    assert_eq!(js_sys::Reflect::get(&deny, &JsValue::from_str("status")).unwrap().as_string().as_deref(), Some("deny"));
}
