//! Tests of `unwrap.rs`: dev snippets re-pasted in the shapes it reads, and the lines it must
//! leave alone.

use super::*;

use crate::input::corpus_snippet as snippet;

/// A corpus snippet without its lines' trailing blanks (a terminal or mail editor drops them).
fn trimmed(name: &str) -> String {
    snippet(name)
        .lines()
        .map(|l| l.trim_end().to_string() + "\n")
        .collect()
}

/// `wrapped` joins back to `text`, and its numbered form keeps every line's number.
fn reads_back(wrapped: &str, text: &str, name: &str) {
    let u = unwrap(wrapped).unwrap_or_else(|| panic!("{name}: not unwrapped"));
    assert_eq!(u.compact, text, "{name}");
    assert_eq!(
        u.numbered.lines().count(),
        wrapped.lines().count(),
        "{name}"
    );
}

/// Dev snippets of every kind hard-wrapped at 80 columns read back as written.
#[test]
fn dev_snippets_wrapped_at_80_columns_read_back() {
    for name in [
        "node-dns-broken__kubernetes-minikube-6748.txt",
        "static-pod-manifest-invalid__kubernetes-kubeadm-1345.txt",
        "inotify-limit-reached__kubernetes-kubernetes-10421.txt",
        // one line cut once, at a space (`a valid |slice`): the terminal's own 80 columns
        "systemd-cgroup-parent-invalid__fudanselab-train-ticket-16.txt",
        // pieces that open like a program's message (`ror: failed`, `init: too many`) after
        // a cut inside a word
        "container-rootfs-readonly__oracle-vagrant-projects-120.txt",
        "inotify-limit-reached__kubernetes-kubernetes-58081.txt",
        // a sentence exactly 80 wide before a line of its own (`... dump'.` / `The ...`)
        "apiserver-unreachable__kubernetes-kubernetes-58988.txt",
        // a journal line that ends right at 240 columns, the next journal line after it
        "cgroup-driver-mismatch__kubernetes-website-8777.txt",
        // a cut right before a date, the value of `is expired: `
        "kubelet-client-cert-expired__kubernetes-kubernetes-65991.txt",
    ] {
        let t = trimmed(name);
        // rows as cut, and each row copied without its trailing blanks (a terminal's copy:
        // a row cut right after a space is then one column short)
        for copy_trims in [false, true] {
            let wrapped: Vec<String> = t
                .lines()
                .flat_map(|l| wrap_at(l, 80))
                .map(|p| {
                    if copy_trims {
                        p.trim_end().to_string()
                    } else {
                        p
                    }
                })
                .collect();
            let wrapped = wrapped.join("\n") + "\n";
            if t.lines().all(|l| columns(l) < 80) {
                assert_eq!(unwrap(&wrapped), None, "{name}");
                continue;
            }
            reads_back(&wrapped, &t, name);
        }
    }
}

/// Dev snippets word-wrapped by a mail client at 76 columns (RFC 3676 soft breaks) read back
/// as written: a journal, a long error line broken once, a short prose line broken once.
#[test]
fn dev_snippets_word_wrapped_by_mail_read_back() {
    use crate::eval::reshape::Reshape;
    for name in [
        "cgroup-driver-mismatch__kubernetes-website-8777.txt",
        "systemd-cgroup-parent-invalid__fudanselab-train-ticket-16.txt",
        "neg-kernel-old-3-10__docker-for-linux-591.txt",
        "apiserver-unreachable__kubernetes-kubernetes-125283.txt",
        // df rows whose mount paths, all of one length, went to lines of their own
        "disk-usage-high__rancher-k3os-765.txt",
        // a `|`-bordered table broken in a cell's padding and right after a cell's bar; its
        // borders, wider than the mail width, are lines of their own
        "calico-bgp-not-established__projectcalico-calico-6474.txt",
        // a date on a line of its own, the value of `is expired: `
        "kubelet-client-cert-expired__bsycorp-kind-49.txt",
        // `Events:          <none>` after a line as wide as the widest: a describe field
        "scheduler-not-running__kubernetes-sigs-scheduler-plugins-571.txt",
    ] {
        let t = trimmed(name);
        let mailed = String::from_utf8(Reshape::Mail76.apply(t.as_bytes())).unwrap();
        assert_ne!(mailed, t, "{name}: nothing to wrap");
        reads_back(&mailed, &t, name);
    }
    // cgroup-kmem-leak__huzhengchuan-dailywork-58-2.txt (dev): a typed command with a
    // trailing space is not joined to its output
    let t = "[root@kube-node02 ~]# cat /proc/cgroups \n#subsys_name hierarchy num_cgroups enabled\ncpuset 2 4 1\n";
    assert_eq!(unwrap(t), None);
    // kubelet-client-cert-expired__openshift-installer-1494.txt (dev): a long command the
    // mail client broke is joined (its next word would have run past 72 columns)
    let cmd = "[root@master0 pki]# openssl x509 -in kubelet-client-current.pem -noout -dates";
    let mailed =
        String::from_utf8(Reshape::Mail76.apply(format!("{cmd}\nnotBefore=x\n").as_bytes()))
            .unwrap();
    assert_eq!(
        unwrap(&mailed).unwrap().compact,
        format!("{cmd}\nnotBefore=x\n")
    );
}

/// Dev snippets word-wrapped at 76 by a plain-text mail client (the break takes the space's
/// place) read back as written: a journal with klog lines and prose before it, etcd's
/// warnings each broken twice.
#[test]
fn dev_snippets_word_wrapped_as_plain_text_read_back() {
    use crate::eval::reshape::Reshape;
    for name in [
        "cgroup-driver-mismatch__kubernetes-website-8777.txt",
        "etcd-slow-requests__etcd-io-etcd-11912.txt",
    ] {
        let t = trimmed(name);
        let mailed = String::from_utf8(Reshape::Plain76.apply(t.as_bytes())).unwrap();
        assert_ne!(mailed, t, "{name}: nothing to wrap");
        reads_back(&mailed, &t, name);
    }
    // short pastes where only a line or two were long, read on breaks no mail width could
    // have kept: a long next word (coredns/coredns#2087's `MD5 =` before its hash), a klog
    // header cut in its pid's padding or after its pid (kubernetes/minikube#11966,
    // kubernetes/kubernetes#41428), a sentence broken before its next word in lower case
    // (k3d-io/k3d#44), words too long for a mail line each on a line of its own, which are no
    // terminal's rows (kubernetes-sigs/kubespray#8122)
    for name in [
        "certificate-expiring__kubernetes-minikube-11966.txt",
        "apiserver-unreachable__kubernetes-kubernetes-41428.txt",
        "certificate-expiring__k3d-io-k3d-44.txt",
        "cgroup-driver-mismatch__kubernetes-sigs-kubespray-8122.txt",
    ] {
        let t = trimmed(name);
        let mailed = String::from_utf8(Reshape::Plain76.apply(t.as_bytes())).unwrap();
        assert_ne!(mailed, t, "{name}: nothing to wrap");
        reads_back(&mailed, &t, name);
    }
    // (coredns/coredns#2087: its log lines read back; the line before `.:53`, a typed command
    // after a prompt no reader knows, `➜`, is joined too)
    let t = trimmed("coredns-forward-loop__coredns-coredns-2087.txt");
    let mailed = String::from_utf8(Reshape::Plain76.apply(t.as_bytes())).unwrap();
    let u = unwrap(&mailed).unwrap().compact;
    for line in t.lines().filter(|l| l.starts_with("2018/")) {
        assert!(u.lines().any(|l| l == line), "{line}");
    }
    // rows of one listing opening alike (`ip route`'s addresses, sysctl names) and a field of
    // `docker info` before the next are no pieces, as pasted
    for name in [
        "neg-default-route-missing__flannel-io-flannel-1029.txt",
        "neg-sysctl-forwarding-disabled__kubernetes-kubeadm-312.txt",
        "neg-overlay-xfs-no-dtype__kata-containers-runtime-784.txt",
    ] {
        assert_eq!(unwrap(&snippet(name)), None, "{name}");
    }
    // lines that merely end near their widest are no wrap: a sentence before the settings
    // it names (sysctl-forwarding-disabled__kubernetes-kubernetes-33798.txt, dev), a `kubectl
    // get nodes` table whose rows are not lined up with its header
    // (node-not-ready__colebrooke-kubernetes-nagios-11.txt, dev)
    for name in [
        "sysctl-forwarding-disabled__kubernetes-kubernetes-33798.txt",
        "node-not-ready__colebrooke-kubernetes-nagios-11.txt",
    ] {
        assert_eq!(unwrap(&snippet(name)), None, "{name}");
    }
}

#[test]
fn a_table_whose_rows_share_one_width_is_no_wrap() {
    let row = format!("{:<70}5d", "pod-a   1/1   Running   0");
    let t = format!("NAME   READY   STATUS   AGE\n{row}\n{row}\n{row}\n\n$ next\n");
    assert_eq!(unwrap(&t), None);
    // rows followed by a shorter row: aligned, so no wrap either
    let t = format!("{row}\n{row}\n{:<60}1d\n", "pod-b   1/1   Running   0");
    assert_eq!(unwrap(&t), None);
    // kubelet-client-cert-expired__openshift-installer-1494.txt (dev): two pairs of openssl
    // commands of one length, each pair followed by a prompt
    let t = snippet("kubelet-client-cert-expired__openshift-installer-1494.txt");
    assert_eq!(unwrap(&t), None);
}

/// Rows of one listing that happen to be one width, or one short of it (etcd-io/etcd#7117,
/// dev: `etcdctl endpoint status` rows of 98, 99, 99 and 93 columns, each opening with
/// `https://`), are rows, not one cut line: a cut piece opens wherever the cut fell.
#[test]
fn rows_opening_alike_are_no_pieces() {
    let t = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/rules/etcd-db-space-exceeded/pos-endpoint-status-simple.txt"
    ))
    .unwrap();
    assert_eq!(unwrap(&t), None);
    assert!(same_opening(
        "https://tess-master-cbtkd-8128.dev.*.*:4001, 87e6a178ab5a0f63",
        "https://tess-master-temb2-9053.dev.*.*:4001, b3f0b5ddc047ed37"
    ));
    assert!(!same_opening("xxxxxxxxxx", "xxxxxxxxxx"));
}

#[test]
fn one_line_cut_in_three_is_joined_but_one_longest_line_is_no_wrap() {
    let line = "E0124 09:56:43.089609   25648 file_linux.go:61] ".to_string() + &"x".repeat(150);
    let t = wrap_at(&line, 80).join("\n") + "\n";
    assert_eq!(unwrap(&t).unwrap().compact, format!("{line}\n"));
    let t = format!("{}\nnext line\n", "y".repeat(90));
    assert_eq!(unwrap(&t), None);
    // at 80 columns, one cut inside running text is enough; at two spaces it is not
    let t = format!("{}\nyyy\n", "y".repeat(80));
    assert_eq!(unwrap(&t).unwrap().compact, format!("{}\n", "y".repeat(83)));
    let t = format!("{} \n yyy\n", "y".repeat(79));
    assert_eq!(unwrap(&t), None);
}

#[test]
fn wide_characters_take_two_columns() {
    let line = "节点".repeat(50);
    let pieces = wrap_at(&line, 80);
    assert_eq!(pieces.len(), 3);
    assert_eq!(columns(&pieces[0]), 80);
    let t = format!("{}\nx\n{}\ny\n", pieces.join("\n"), pieces.join("\n"));
    let u = unwrap(&t).unwrap();
    assert_eq!(u.compact, format!("{line}\nx\n{line}\ny\n"));
}
