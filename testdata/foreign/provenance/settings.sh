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

# Since the trees below: REV = the source commit read (default HEAD); ARCHIVE = a tar.xz blob in
# the repository whose members are the source (TREE_PREFIX is then a folder inside it); PICK =
# {path regex: [indices]} keeps those items of a JSON List, whole and byte for byte; a YAML List
# (`items:` then `- ` items at column 0) over its cap keeps its leading whole items; LOGDIR = where
# <profile>.log.tsv is written (the TSV here is that file under a header line).

# must-gather-metal (profile mustgather)
# python3 extract.py <openshift/must-gather-clean git dir> must-gather-metal/ ../must-gather-metal mustgather
export ARCHIVE=test/files/must-gather-metal.tar.xz REV=cb2f7e580bde628058a2f14b9ea1033ba3804c5b
export DROP='{}' PICK='{}'
export HEADS='["host_service_logs/masters/kubelet_service\\.log$"]'
export CAPS='[["host_service_logs/",204800],["/core/events\\.yaml$",49152],["/openshift-etcd/core/pods\\.yaml$",163840],["/core/pods\\.yaml$",65536],["/apps/",16384],["/openshift-kube-scheduler-master-0[^/]*/kube-scheduler/kube-scheduler/logs/current\\.log$",49152],["/logs/(current|previous)\\.log$",16384],["",204800]]'

# cluster-info-dump-verrazzano (profile cidump)
# python3 extract.py <verrazzano/verrazzano git dir> tools/analysis/test/cluster/image-pull-case1/cluster-dump/ ../cluster-info-dump-verrazzano cidump
unset ARCHIVE
export REV=7d3b3d563598b4f20eb4ceca2b6c421cab3e729a DROP='{}' HEADS='[]' CAPS='[]'
export PICK="{\"^bobs-books/pods\\\\.json\$\": [3,7,8,9], \"^bobs-books/events\\\\.json\$\": [$(seq -s, 151 213)]}"

# rancher-r8s-rke2 (profile rancher)
# python3 extract.py <Rancheroo/r8s git dir> example-log-bundle/w-guard-wg-cp-svtk6-lqtxw-2025-12-04_09_15_57/ ../rancher-r8s-rke2 rancher
unset ARCHIVE
export REV=ff98879bec409945466246c1565678b9b95044e7 DROP='{}' PICK='{}'
export HEADS='["^systeminfo/ps$"]'
export CAPS='[["^rke2/podlogs/",65536],["^(journald|systemlogs)/",65536],["^systeminfo/(ps|dmesg)$",16384],["",131072]]'
