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
    r = subprocess.run(['git', '--git-dir', GITDIR, 'cat-file', '-e', sha], capture_output=True)
    return r.returncode == 0

raw = git('ls-tree', '-r', '-z', '-l', 'HEAD', PREFIX)
entries = []
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

log = []
files = {}
for mode, sha, size, p in entries:
    if not any(re.search(r, p) for r in inc): continue
    if mode == '120000':
        log.append(('skip-symlink', p, '', git('cat-file', 'blob', sha).decode() if exists(sha) else '?')); continue
    if not exists(sha):
        log.append(('skip-missing-blob', p, size, 'blob absent from stored snapshot')); continue
    why = next((w for r, w in exc.items() if re.search(r, p)), None) or next((w for r, w in DROP.items() if re.search(r, p)), None)
    if why:
        log.append(('exclude', p, size, why)); continue
    data = git('cat-file', 'blob', sha)
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
    with open(os.path.join('/tmp/kd', PROFILE + '.log.tsv'), 'w') as f:
        for l in log: f.write('\t'.join(l) + '\n')
