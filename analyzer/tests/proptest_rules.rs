//! Property test of the rule format: any rule -> YAML -> rule reads back equal (the loader's own
//! `parse_rule`), so what `rules variants`/tools write and what authors write mean the same.
//! Texts include YAML's troublemakers: `~`, `null`, `yes`, `: `, `#`, quotes, leading spaces,
//! newlines, tabs and non-ASCII.

use kdiag_analyzer::rules::load::parse_rule;
use kdiag_analyzer::rules::model::{
    Bindings, Condition, EvidenceSpec, I18n, MatchSpec, OneOrMany, Reference, Rule, Severity,
    SeverityIf, RESERVED_NAMES,
};
use proptest::prelude::*;

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 ._/-]{0,20}",
        Just("~".to_string()),
        Just("null".to_string()),
        Just("yes".to_string()),
        Just("0x1F".to_string()),
        Just("- a".to_string()),
        "[a-z]{1,5}: [a-z#'\"]{0,5}",
        " {1,3}[a-z]{1,5}\n\t[中文é]{1,3} ",
        any::<String>(),
    ]
}

fn i18n() -> impl Strategy<Value = I18n> {
    (text(), text()).prop_map(|(en, zh)| I18n { en, zh })
}

fn regex() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(r"failed to (?P<what>\w+): .*".to_string()),
        Just(r#"kubelet cgroup driver: "(\w+)""#.to_string()),
        "[a-z .*+?()|\\\\]{1,20}",
    ]
}

fn match_spec() -> impl Strategy<Value = MatchSpec> {
    (
        proptest::option::of("[a-z0-9_]{1,8}"),
        prop_oneof![
            text().prop_map(OneOrMany::One),
            prop::collection::vec(text(), 0..3).prop_map(OneOrMany::Many),
        ],
        regex(),
        proptest::option::of(regex()),
        proptest::option::of(any::<u64>()),
    )
        .prop_map(|(name, source, regex, unless, min)| MatchSpec {
            name,
            source,
            regex,
            unless,
            min,
        })
}

fn condition() -> impl Strategy<Value = Condition> {
    let leaf = prop_oneof![
        match_spec().prop_map(Condition::Match),
        text().prop_map(Condition::Expr),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Condition::All),
            prop::collection::vec(inner.clone(), 0..4).prop_map(Condition::Any),
            inner.prop_map(|c| Condition::Not(Box::new(c))),
        ]
    })
}

fn rule() -> impl Strategy<Value = Rule> {
    (
        (
            "[a-z0-9-]{1,20}",
            prop_oneof![
                Just(Severity::Info),
                Just(Severity::Warning),
                Just(Severity::Critical)
            ],
            prop::collection::vec("[0-9]{3}", 0..3),
            i18n(),
            i18n(),
            i18n(),
        ),
        (
            prop::collection::vec(
                (text(), text()).prop_map(|(title, url)| Reference { title, url }),
                0..3,
            ),
            prop::collection::vec("[a-z-]{1,10}", 0..3),
            prop::collection::vec(text(), 0..3),
            proptest::option::of(i18n()),
            proptest::option::of(condition()),
        ),
        (
            proptest::option::of(text()),
            proptest::option::of(i18n()),
            prop::collection::vec(text(), 0..3),
            prop::collection::vec(
                (
                    proptest::option::of(text()),
                    proptest::option::of(regex()),
                    proptest::option::of(text()),
                )
                    .prop_map(|(file, regex, at)| EvidenceSpec { file, regex, at }),
                0..3,
            ),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just(Severity::Info),
                        Just(Severity::Warning),
                        Just(Severity::Critical)
                    ],
                    text(),
                )
                    .prop_map(|(severity, expr)| SeverityIf { severity, expr }),
                0..3,
            ),
            // `let:` names: distinct identifiers that are not the engine's own variables
            prop::collection::btree_map("[a-z][a-z0-9_]{0,8}", text(), 0..4).prop_map(|m| {
                Bindings(
                    m.into_iter()
                        .filter(|(k, _)| !RESERVED_NAMES.contains(&k.as_str()))
                        .collect(),
                )
            }),
        ),
    )
        .prop_map(
            |(
                (id, severity, knowledge, title, why, fix),
                (references, explains, sources, message, when),
                (items, item, requires, evidence, severity_if, bindings),
            )| Rule {
                id,
                severity,
                severity_if,
                knowledge,
                title,
                why,
                fix,
                references,
                explains,
                // A map of regexes: not generated here; the YAML round trip of the other fields
                // is what this property checks.
                explains_if: Default::default(),
                sources,
                message,
                bindings,
                when,
                items,
                item,
                requires,
                evidence,
                withholds_node_findings: false,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn rule_yaml_round_trip(r in rule()) {
        let yaml = serde_yaml::to_string(&r).unwrap();
        let back = parse_rule(&yaml).map_err(|e| TestCaseError::fail(format!("{e}\n{yaml}")))?;
        prop_assert_eq!(&back, &r, "{}", yaml);
    }
}

/// Every embedded rule survives the same round trip (real rules, real regexes and templates).
#[test]
fn embedded_rules_round_trip() {
    for (name, text) in kdiag_analyzer::rules::load::embedded_files() {
        let r = parse_rule(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let yaml = serde_yaml::to_string(&r).unwrap();
        assert_eq!(parse_rule(&yaml).unwrap(), r, "{name}");
    }
}
