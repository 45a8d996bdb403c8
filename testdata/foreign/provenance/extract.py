import subprocess, sys, os, re, json, lzma, tarfile, io

GITDIR = sys.argv[1]
PREFIX = sys.argv[2].rstrip('/') + '/'
DEST = sys.argv[3]
PROFILE = sys.argv[4]
DRY = len(sys.argv) > 5 and sys.argv[5] == 'dry'
LIMIT = 200 * 1024

def git(*a, inp=None):
    return subprocess.run(['git', '--git-dir', GITDIR] + list(a), input=inp, capture_output=True, check=True).stdout

def tail_lines(data, limit):
    if len(data) <= limit:
        return data, False
    cut = len(data) - limit
    if data[cut-1:cut] == b'\n':
        return data[cut:], True
    nl = data.find(b'\n', cut)
    return data[nl+1:], True

def head_lines(data, limit):
    if len(data) <= limit:
        return data, False
    nl = data.rfind(b'\n', 0, limit)
    return data[:nl+1], True

HEADS = json.loads(os.environ.get('HEADS', '[]'))

def exists(sha):
    if sha.startswith(('member:', 'sym:')): return True
    r = subprocess.run(['git', '--git-dir', GITDIR, 'cat-file', '-e', sha], capture_output=True)
    return r.returncode == 0

# REV: the commit to read (default HEAD). ARCHIVE: a tar.xz blob in the repository whose members
# are the source (PREFIX is then a folder inside that archive, not in the repository).
REV = os.environ.get('REV', 'HEAD')
ARCHIVE = os.environ.get('ARCHIVE')
MEMBERS = {}
entries = []
if ARCHIVE:
    tf = tarfile.open(fileobj=io.BytesIO(lzma.decompress(git('cat-file', 'blob', f'{REV}:{ARCHIVE}'))))
    for mem in tf.getmembers():
        if not mem.name.startswith(PREFIX) or mem.isdir(): continue
        rel = mem.name[len(PREFIX):]
        if mem.issym() or mem.islnk():
            entries.append(('120000', 'sym:' + mem.linkname, str(mem.size), rel)); continue
        if not mem.isfile(): continue
        MEMBERS[rel] = tf.extractfile(mem).read()
        entries.append(('100644', 'member:' + rel, str(mem.size), rel))
else:
    raw = git('ls-tree', '-r', '-z', '-l', REV, PREFIX)
    for rec in raw.split(b'\0'):
        if not rec: continue
        meta, path = rec.split(b'\t', 1)
        mode, typ, sha, size = meta.split()
        entries.append((mode.decode(), sha.decode(), size.decode(), path.decode()[len(PREFIX):]))

if PROFILE == 'kubernetes':
    NODE = 'kernel|networking|filesys|memory|host|systemd|process|date|selinux|firewall_tables|docker|containerd|logs'
    inc = [r'^sos_commands/kubernetes/', rf'^sos_commands/({NODE})/', r'^sos_commands/logs\.xz$',
           r'^etc/(os-release|hostname|hosts|resolv\.conf|docker/daemon\.json)$', r'^etc/kubernetes/',
           r'^usr/lib/os-release$',
           r'^proc/(cgroups|cmdline|meminfo|mounts|swaps)$', r'^var/log/(syslog|kern\.log)$',
           r'^sos_logs/', r'^version\.txt$']
    exc = {}
elif PROFILE == 'sunbeam':
    inc = [r'^sos_commands/kubernetes/', r'^sos_commands/(date|host|process)/', r'^version\.txt$', r'^sos_logs/',
           r'^etc/(os-release|hostname|hosts|resolv\.conf)$', r'^proc/(cgroups|cmdline|meminfo|mounts|swaps)$']
    exc = {r'_secrets$': 'Secret objects (kubectl get -o json secrets): excluded for holding secrets'}
elif PROFILE == 'mustgather':
    # PREFIX is the archive's top folder; under it, the one folder per gather image
    NS = 'openshift-etcd|openshift-ingress-operator|openshift-kube-scheduler'
    I = r'^[^/]+/'
    inc = [r'^timestamp$', I + r'(version|timestamp)$', I + r'cluster-scoped-resources/core/nodes/',
           I + r'host_service_logs/masters/kubelet_service\.log$',
           I + rf'namespaces/({NS})/core/(pods|events|services|endpoints|persistentvolumeclaims)\.yaml$',
           I + rf'namespaces/({NS})/apps/(deployments|daemonsets|statefulsets|replicasets)\.yaml$',
           I + rf'namespaces/({NS})/core/secrets\.yaml$',
           I + rf'namespaces/({NS})/pods/(ingress-operator-|openshift-kube-scheduler-master-0|etcd-master-0)[^/]+/[^/]+/[^/]+/logs/(current|previous)\.log$']
    exc = {r'/core/secrets\.yaml$': 'Secret objects (oc adm inspect replaced most values by "<N> bytes long" but kept ca.crt and service-ca.crt data): excluded for holding secrets'}
elif PROFILE == 'rancher':
    CP = 'w-guard-wg-cp-svtk6-lqtxw'
    inc = [r'^systeminfo/(hostname|hostnamefqdn|uname|osrelease|uptime|date|sysctla|dfh|dfi|freem|dmesg|etchosts|etcresolvconf|ps)$',
           r'^networking/(iptablessave|ip6tablessave|ipaddrshow|iproute|sstunlp4|sstunlp6)$', r'^networking/cni/',
           r'^journald/', r'^systemlogs/syslog$', r'^rke2/crictl/(info|version|containerd-version)$', r'^rke2/pod-manifests/',
           r'^rke2/kubectl/(nodes|version)$', r'^rke2/version$',
           rf'^rke2/podlogs/kube-system-(etcd|kube-apiserver|kube-scheduler|kube-proxy)-{CP}(-previous)?$']
    exc = {}
elif PROFILE == 'cidump':
    inc = [r'']
    exc = {}
elif PROFILE == 'sbctl':
    inc = [r'']
    exc = {r'^cluster-resources/image-pull-secrets/': 'image pull secrets (registry credentials): excluded for holding secrets'}
else:
    sys.exit('profile?')

# per-profile caps (bytes) for specific path regexes; default LIMIT
CAPS = json.loads(os.environ.get('CAPS', '[]'))
DROP = json.loads(os.environ.get('DROP', '{}'))

def cap_for(p):
    for rx, c in CAPS:
        if re.search(rx, p): return c
    return LIMIT

def json_trim(data, limit):
    """Keep whole leading items of a kubectl List's "items" array, byte-exact, so that the result is <= limit."""
    text = data.decode('utf-8')
    m = re.search(r'"items": \[', text)
    if not m: return None
    dec = json.JSONDecoder()
    pos = m.end()
    spans = []
    while True:
        ws = re.compile(r'[\s,]*').match(text, pos); pos = ws.end()
        if text[pos] == ']': break
        obj, end = dec.raw_decode(text, pos)
        spans.append((pos, end)); pos = end
    close = pos  # index of ']'
    head = text[:m.end()]
    tail = text[close:]
    keep = 0
    for i, (s, e) in enumerate(spans):
        prefix_ws = text[m.end():spans[0][0]]
        # the whitespace between last item and ']' in original
        trail_ws = text[spans[-1][1]:close]
        cand = head + prefix_ws + text[spans[0][0]:e] + trail_ws + tail
        if len(cand.encode()) > limit and keep > 0: break
        keep = i + 1; best = cand
        if len(cand.encode()) > limit: break
    json.loads(best)
    return best.encode('utf-8'), keep, len(spans)

# PICK: path regex -> indices of the JSON List items to keep (whole items, byte for byte, in order).
PICK = json.loads(os.environ.get('PICK', '{}'))

def json_items(text):
    m = re.search(r'"items": \[', text)
    dec = json.JSONDecoder(); pos = m.end(); spans = []
    while True:
        pos = re.compile(r'[\s,]*').match(text, pos).end()
        if text[pos] == ']': break
        obj, end = dec.raw_decode(text, pos); spans.append((pos, end)); pos = end
    return m, spans, pos

def json_pick(data, keep):
    """Keep the chosen items of a kubectl List, byte-exact, joined as the original joins its items."""
    text = data.decode('utf-8')
    m, spans, close = json_items(text)
    sep = text[spans[0][1]:spans[1][0]] if len(spans) > 1 else ',\n'
    body = sep.join(text[spans[i][0]:spans[i][1]] for i in keep)
    out = text[:m.end()] + text[m.end():spans[0][0]] + body + text[spans[-1][1]:close] + text[close:]
    json.loads(out)
    return out.encode('utf-8'), len(spans)

def yaml_trim(data, limit):
    """A YAML List (`apiVersion: v1` / `items:` / `- ...` items at column 0 / `kind: ...List`): keep the
    leading whole items that fit, every line byte for byte."""
    lines = data.split(b'\n')
    try: start = lines.index(b'items:') + 1
    except ValueError: return None
    end = start
    while end < len(lines) and (lines[end].startswith((b'- ', b'  ')) or lines[end] == b''): end += 1
    while end > start and lines[end - 1] == b'': end -= 1
    heads = [i for i in range(start, end) if lines[i].startswith(b'- ')]
    if not heads: return None
    bounds = heads + [end]
    head = b'\n'.join(lines[:start]) + b'\n'; tail = b'\n'.join(lines[end:])
    keep = 0; best = None
    for k in range(1, len(heads) + 1):
        cand = head + b'\n'.join(lines[start:bounds[k]]) + b'\n' + tail
        if len(cand) > limit and keep > 0: break
        keep = k; best = cand
    return best, keep, len(heads)

log = []
files = {}
for mode, sha, size, p in entries:
    if not any(re.search(r, p) for r in inc): continue
    if mode == '120000':
        tgt = sha[4:] if sha.startswith('sym:') else (git('cat-file', 'blob', sha).decode() if exists(sha) else '?')
        log.append(('skip-symlink', p, '', tgt)); continue
    if not exists(sha):
        log.append(('skip-missing-blob', p, size, 'blob absent from stored snapshot')); continue
    why = next((w for r, w in exc.items() if re.search(r, p)), None) or next((w for r, w in DROP.items() if re.search(r, p)), None)
    if why:
        log.append(('exclude', p, size, why)); continue
    data = MEMBERS[p] if sha.startswith('member:') else git('cat-file', 'blob', sha)
    note = []
    if p == 'sos_commands/logs.xz':
        tf = tarfile.open(fileobj=io.BytesIO(lzma.decompress(data)))
        for mem in tf.getmembers():
            if not mem.isfile(): continue
            d = tf.extractfile(mem).read()
            q = 'sos_commands/' + mem.name
            if any(re.search(r, q) for r in DROP):
                log.append(('exclude', q, str(len(d)), next(w for r, w in DROP.items() if re.search(r, q)))); continue
            c = cap_for(q); d2, t = tail_lines(d, c)
            files[q] = d2
            log.append(('from-logs.xz' + ('+tail' if t else ''), q, str(len(d)), str(len(d2))))
        continue
    if p.endswith('.xz'):
        data = lzma.decompress(data); p = p[:-3]
        try:
            tf = tarfile.open(fileobj=io.BytesIO(data)); ms = [m for m in tf.getmembers() if m.isfile()]
            assert len(ms) == 1 and os.path.basename(ms[0].name) == os.path.basename(p), ms
            data = tf.extractfile(ms[0]).read(); note.append('unpacked from one-member tar.xz (.xz dropped)')
        except tarfile.ReadError:
            note.append('xz-decompressed (.xz dropped)')
    c = cap_for(p)
    pick = next((v for r, v in PICK.items() if re.search(r, p)), None)
    if pick is not None:
        newd, n = json_pick(data, pick)
        log.append(('trim', p, str(len(data)), f'{len(newd)} json-items picked {",".join(map(str, pick))} of {n}'))
        files[p] = newd; continue
    if len(data) > c and p.endswith('.yaml'):
        y = yaml_trim(data, c)
        if y:
            log.append(('trim', p, str(len(data)), f'{len(y[0])} yaml-items {y[1]}/{y[2]} kept')); files[p] = y[0]; continue
    if len(data) > c:
        j = None
        if data.lstrip()[:1] == b'{' and b'"items"' in data[:4096]:
            try: j = json_trim(data, c)
            except Exception as e: j = None
        if j:
            note.append(f'json-items {j[1]}/{j[2]} kept'); newd = j[0]
        elif any(re.search(r, p) for r in HEADS):
            newd, _ = head_lines(data, c); note.append(f'head {c}')
        else:
            newd, _ = tail_lines(data, c); note.append(f'tail {c}')
        log.append(('trim', p, str(len(data)), f'{len(newd)} ' + ' '.join(note))); data = newd
    elif note:
        log.append(('copy', p, str(len(data)), ' '.join(note)))
    files[p] = data

tot = sum(len(v) for v in files.values())
for l in log: print('\t'.join(l))
print('FILES', len(files), 'TOTAL', tot)
if os.environ.get("TOP"):
    for p, d in sorted(files.items(), key=lambda x: -len(x[1]))[:30]: print(len(d), p)
if not DRY:
    for p, d in files.items():
        fp = os.path.join(DEST, p); os.makedirs(os.path.dirname(fp), exist_ok=True)
        open(fp, 'wb').write(d)
    with open(os.path.join(os.environ.get('LOGDIR', '/tmp/kd'), PROFILE + '.log.tsv'), 'w') as f:
        for l in log: f.write('\t'.join(l) + '\n')
