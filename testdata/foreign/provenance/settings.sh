# Settings used with extract.py (python3 extract.py GIT_DIR TREE_PREFIX DEST PROFILE).
# DROP: path regex -> reason (file left out); CAPS: [regex, max bytes] (first match wins; default 204800);
# HEADS: path regexes trimmed from the head (keep first bytes, header line kept) instead of the tail.

# sosreport-hotsos-kubernetes (profile kubernetes)
export DROP='{"lsof_":"lsof output: not read by kdiag; size","modinfo_ALL_MODULES":"not read by kdiag; size","systemd-analyze_dump":"not read by kdiag; size","systemd-analyze_plot\\.svg":"not read by kdiag; size","dumpe2fs_":"not read by kdiag; size","ls_-lR_\\.lib\\.systemd|ls_-lt_\\.sys\\.kernel\\.slab":"not read by kdiag; size"}'
export CAPS='[["^sos_commands/kubernetes/",204800],["^sos_logs/sos\\.log$",65536],["^sos_commands/",65536],["^var/log/",65536]]'
export HEADS='["^sos_commands/process/ps"]'

# sosreport-hotsos-sunbeam (profile sunbeam)
export DROP='{"lsof_":"lsof output: not read by kdiag; size","pidstat_":"not read by kdiag; size","iotop_":"not read by kdiag","namespace_openstack_configmaps$":"holds a credential: the juju modeloperator-agent.conf value has an oldpassword: line; excluded for holding secrets"}'
export HEADS='["^sos_commands/process/ps"]'
O='^sos_commands/kubernetes/cluster-info/openstack/k8s_kubectl_get_-o_json_--namespace_openstack_'
export CAPS='[["'$O'pods$",204800],["'$O'statefulsets$",65536],["'$O'(events|services)$",49152],["'$O'(clusterroles|clusterrolebindings|endpoints)$",32768],["/podlogs/",4096],["^sos_commands/process/ps_auxwwwm$",65536],["^sos_commands/process/",8192],["",204800]]'

# troubleshoot-sbctl (profile sbctl)
export DROP='{}'
export HEADS='[]'
export CAPS='[["^cluster-resources/custom-resource-definitions\\.json$",32768],["^cluster-resources/pods/kube-system\\.json$",65536],["^cluster-resources/pods/longhorn-system\\.json$",40960],["^cluster-resources/pods/projectcontour\\.json$",32768],["^cluster-resources/events/velero\\.json$",49152],["^cluster-resources/(deployments|replicasets)/(longhorn-system|kurl)\\.json$",24576],["",204800]]'
