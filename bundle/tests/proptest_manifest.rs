//! Property tests of the bundle contract: any manifest survives JSON (pretty and compact) and
//! reads back equal; the redactor is idempotent and leaves nothing its own scan would flag.

use kdiag_bundle::redact::{scan_text, Redactor};
use kdiag_bundle::{Item, Manifest, Status};
use proptest::prelude::*;

fn status() -> impl Strategy<Value = Status> {
    prop_oneof![
        Just(Status::Ok),
        Just(Status::Failed),
        Just(Status::Timeout),
        Just(Status::NotFound),
        Just(Status::PermissionDenied),
        Just(Status::Skipped),
    ]
}

/// Any string, control characters, quotes and non-ASCII included.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-z/._-]{0,40}",
        Just(String::new()),
        "[\"\\\\\u{0}-\u{1f}\u{7f}é中]{0,8}",
    ]
}

fn item() -> impl Strategy<Value = Item> {
    (
        (text(), text(), status(), any::<Option<i32>>()),
        (
            any::<u64>(),
            any::<u64>(),
            "[0-9a-f]{0,64}",
            any::<bool>(),
            any::<u64>(),
            text(),
        ),
    )
        .prop_map(
            |(
                (path, source, status, exit_code),
                (duration_ms, bytes, sha256, truncated, redactions, stderr),
            )| Item {
                path,
                source,
                status,
                exit_code,
                duration_ms,
                bytes,
                sha256,
                truncated,
                redactions,
                stderr,
            },
        )
}

fn manifest() -> impl Strategy<Value = Manifest> {
    (
        (text(), any::<u32>(), text(), text(), text(), text()),
        (
            any::<u32>(),
            prop::collection::vec(text(), 0..6),
            prop::collection::vec(item(), 0..8),
        ),
    )
        .prop_map(
            |(
                (format, format_version, collector_version, hostname, collected_at, since),
                (uid, args, items),
            )| {
                Manifest {
                    format,
                    format_version,
                    collector_version,
                    hostname,
                    collected_at,
                    since,
                    uid,
                    args,
                    items,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn manifest_json_round_trip(m in manifest()) {
        let pretty = serde_json::to_vec_pretty(&m).unwrap();
        let back: Manifest = serde_json::from_slice(&pretty).unwrap();
        prop_assert_eq!(&back, &m);
        let compact = serde_json::to_string(&m).unwrap();
        let back: Manifest = serde_json::from_str(&compact).unwrap();
        prop_assert_eq!(&back, &m);
    }

    #[test]
    fn redaction_is_idempotent_and_scans_clean(
        lines in prop::collection::vec(
            prop_oneof![
                any::<String>(),
                "(password|token|API_KEY|auth|secretName|key|value|name)(=|: |\": \"| )[A-Za-z0-9+/=._-]{0,20}",
                "(Authorization: (Bearer|Basic) |Bearer )[A-Za-z0-9._-]{0,20}",
                "- name: (DB_PASSWORD|LOG_LEVEL)|  value: [a-z0-9]{1,12}",
                "-----(BEGIN|END) (RSA )?PRIVATE KEY-----",
                "https?://[a-z]{1,5}:[a-z0-9]{1,8}@[a-z.]{1,10}/",
            ],
            0..12,
        )
    ) {
        let text = lines.join("\n");
        let (once, n) = Redactor::redact_text(&text);
        prop_assert_eq!(scan_text(text.as_bytes()).len() as u64, n);
        let (twice, m) = Redactor::redact_text(&once);
        prop_assert_eq!(m, 0, "redacted text still had secrets: {:?}", once);
        prop_assert_eq!(&twice, &once);
        prop_assert!(scan_text(once.as_bytes()).is_empty());
    }
}
