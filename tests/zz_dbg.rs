#[test]
fn dbg() {
    for j in [
        r#"{"now": "x", "release": {"title": "\ud800"}}"#,
        r#"{"now": "x", "release": {"title": "ab\q"}}"#,
        r#"{"now": "x" "release": 1}"#,
        r#"{"now": "x", "release": [1 2]}"#,
        r#"{"now": tru }"#,
        r#"{"now": [ }"#,
    ] {
        let e = serde_json::from_str::<serde_json::Value>(j).unwrap_err();
        println!("{:?} {} {e}", e.classify(), e.column());
        println!("  [{}]", &j[..e.column()]);
    }
}
