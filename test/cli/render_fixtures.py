#!/usr/bin/env python3
"""Renders the constructed `docker buildx inspect` and `docker buildx ls` fixtures in fixtures/.

No buildx binary can be installed on the machines this project is developed on, so these outputs
are not captured: they are rendered here from the Fprintf calls of docker/buildx commands/inspect.go
and commands/ls.go (checked at docker/buildx 461836ba0) through a re-implementation of Go's
text/tabwriter. The re-implementation reproduces the verbatim examples of buildx's own docs
(fixtures/buildx-inspect-docs.txt and buildx-ls-docs.txt are copies of those, not rendered).

    python3 test/cli/render_fixtures.py     # rewrites the rendered fixtures
"""
import base64, json, os

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fixtures')

def tabwrite(text, minwidth=0, padding=1):
    lines = text.split('\n')
    if lines and lines[-1] == '':
        lines = lines[:-1]
        trailing_nl = True
    else:
        trailing_nl = False
    cells = [l.split('\t') for l in lines]
    out = []
    widths = []
    def write_lines(l0, l1):
        for i in range(l0, l1):
            line = cells[i]
            s = ''
            for j, c in enumerate(line):
                if j < len(widths) and j < len(line) - 1:
                    s += c + ' ' * (widths[j] - len(c))
                elif j < len(widths):
                    s += c
                else:
                    s += c
            out.append(s)
    def fmt(l0, l1):
        column = len(widths)
        this = l0
        while this < l1:
            line = cells[this]
            if column >= len(line) - 1:
                this += 1
                continue
            write_lines(l0, this)
            l0 = this
            width = minwidth
            while this < l1:
                line = cells[this]
                if column >= len(line) - 1:
                    break
                w = len(line[column]) + padding
                if w > width:
                    width = w
                this += 1
            widths.append(width)
            fmt(l0, this)
            widths.pop()
            l0 = this
        write_lines(l0, l1)
    fmt(0, len(cells))
    return '\n'.join(out) + ('\n' if trailing_nl else '')

def inspect_text(b):
    """Mirrors the Fprintf calls of runInspect in docker/buildx commands/inspect.go (v0.18+)."""
    s = ''
    s += 'Name:\t%s\n' % b['name']
    s += 'Driver:\t%s\n' % b['driver']
    if b.get('last'): s += 'Last Activity:\t%s\n' % b['last']
    if b.get('error'): s += 'Error:\t%s\n' % b['error']
    else:
        s += '\n'
        s += 'Nodes:\n'
        for i, n in enumerate(b['nodes']):
            if i: s += '\n'
            s += 'Name:\t%s\n' % n['name']
            s += 'Endpoint:\t%s\n' % n['endpoint']
            if n.get('driverOpts'): s += 'Driver Options:\t%s\n' % n['driverOpts']
            if n.get('error'):
                s += 'Error:\t%s\n' % n['error']
                continue
            s += 'Status:\t%s\n' % n['status']
            if n.get('flags'): s += 'BuildKit daemon flags:\t%s\n' % n['flags']
            if n.get('version'): s += 'BuildKit version:\t%s\n' % n['version']
            if n.get('platforms'): s += 'Platforms:\t%s\n' % ', '.join(n['platforms'])
            if n.get('labels'):
                s += 'Labels:\n'
                for k in sorted(n['labels']): s += '\t%s:\t%s\n' % (k, n['labels'][k])
            for ri, r in enumerate(n.get('gc', [])):
                s += 'GC Policy rule#%d:\n' % ri
                s += '\tAll:\t%s\n' % ('true' if r['all'] else 'false')
                if r.get('filters'): s += '\tFilters:\t%s\n' % r['filters']
                if r.get('keep'): s += '\tKeep Duration:\t%s\n' % r['keep']
                if r.get('reserved'): s += '\tReserved Space:\t%s\n' % r['reserved']
                if r.get('maxused'): s += '\tMax Used Space:\t%s\n' % r['maxused']
                if r.get('minfree'): s += '\tMin Free Space:\t%s\n' % r['minfree']
            for f, dt in n.get('files', {}).items():
                s += 'File#%s:\n' % f
                for line in dt.split('\n'):
                    s += '\t> %s\n' % line
    return tabwrite(s, 0, 1)


def check_against_docs():
    """The docs examples (copied verbatim into fixtures/) rebuilt from the Fprintf calls of their era."""
    s = 'Name:\telated_tesla\nDriver:\tdocker-container\nLast Activity:\t2022-11-30 12:42:47 +0100 CET\n\nNodes:\n'
    s += 'Name:\telated_tesla0\nEndpoint:\tunix:///var/run/docker.sock\nDriver Options:\tenv.BUILDKIT_STEP_LOG_MAX_SPEED="10485760" env.JAEGER_TRACE="localhost:6831" image="moby/buildkit:latest" network="host" env.BUILDKIT_STEP_LOG_MAX_SIZE="10485760"\n'
    s += 'Status:\trunning\nFlags:\t--debug --allow-insecure-entitlement security.insecure --allow-insecure-entitlement network.host\nBuildKit:\tv0.10.6\nPlatforms:\tlinux/arm64*, linux/arm/v7, linux/arm/v6\nLabels:\n'
    for k,v in [('org.mobyproject.buildkit.worker.executor','oci'),('org.mobyproject.buildkit.worker.hostname','docker-desktop'),('org.mobyproject.buildkit.worker.network','host'),('org.mobyproject.buildkit.worker.oci.process-mode','sandbox'),('org.mobyproject.buildkit.worker.selinux.enabled','false'),('org.mobyproject.buildkit.worker.snapshotter','overlayfs')]:
        s += '\t%s:\t%s\n' % (k,v)
    s += 'GC Policy rule#0:\n\tAll:\tfalse\n\tFilters:\ttype==source.local,type==exec.cachemount,type==source.git.checkout\n\tKeep Duration:\t48h0m0s\n\tKeep Bytes:\t488.3MiB\n'
    s += 'GC Policy rule#1:\n\tAll:\tfalse\n\tKeep Duration:\t1440h0m0s\n\tKeep Bytes:\t24.21GiB\n'
    s += 'GC Policy rule#2:\n\tAll:\tfalse\n\tKeep Bytes:\t24.21GiB\n'
    s += 'GC Policy rule#3:\n\tAll:\ttrue\n\tKeep Bytes:\t24.21GiB\n'
    want = open(os.path.join(OUT, 'buildx-inspect-docs.txt')).read().split('--- stdout\n')[1].split('--- stderr')[0]
    got = tabwrite(s, 0, 1)
    assert got == want, 'tabwriter re-implementation does not reproduce docs/reference/buildx_inspect.md'
    rows = [['elated_tesla*','docker-container','','',''],[' \\_ elated_tesla0',' \\_ unix:///var/run/docker.sock','running','v0.10.3','linux/amd64'],[' \\_ elated_tesla1',' \\_ ssh://ubuntu@1.2.3.4','running','v0.10.3','linux/arm64*, linux/arm/v7, linux/arm/v6'],['default','docker','','',''],[' \\_ default',' \\_ default','running','v0.8.2','linux/amd64']]
    t = 'NAME/NODE\tDRIVER/ENDPOINT\tSTATUS\tBUILDKIT\tPLATFORMS\n' + ''.join('\t'.join(r)+'\n' for r in rows)
    got = '\n'.join(l.rstrip() for l in tabwrite(t, 10, 3).split('\n'))
    want = open(os.path.join(OUT, 'buildx-ls-docs.txt')).read().split('--- stdout\n')[1].split('--- stderr')[0]
    assert got == want, 'tabwriter re-implementation does not reproduce docs/reference/buildx_ls.md'


check_against_docs()

LABELS = {
    'org.mobyproject.buildkit.worker.executor': 'oci',
    'org.mobyproject.buildkit.worker.hostname': '7f1c2b9e4a0d',
    'org.mobyproject.buildkit.worker.network': 'host',
    'org.mobyproject.buildkit.worker.oci.process-mode': 'sandbox',
    'org.mobyproject.buildkit.worker.selinux.enabled': 'false',
    'org.mobyproject.buildkit.worker.snapshotter': 'overlayfs',
}
GC = [
    {'all': False, 'filters': 'type==source.local,type==exec.cachemount,type==source.git.checkout', 'keep': '48h0m0s', 'maxused': '488.3MiB'},
    {'all': False, 'keep': '1440h0m0s', 'reserved': '9.313GiB', 'maxused': '93.13GiB', 'minfree': '188.1GiB'},
    {'all': False, 'reserved': '9.313GiB', 'maxused': '93.13GiB', 'minfree': '188.1GiB'},
    {'all': True, 'reserved': '9.313GiB', 'maxused': '93.13GiB', 'minfree': '188.1GiB'},
]
# What buildx stores and shows for our generated buildkitd.toml: util/confutil LoadConfigFiles
# decodes the file into a map and re-encodes it with go-toml/v2 (comments dropped, keys sorted,
# single-quoted strings, no indentation; see tests/inspect.go testInspectBuildkitdConf).
WASM_TOML = "[worker]\n[worker.containerd]\nplatforms = ['linux/amd64', 'wasi/wasm']\n\n[worker.oci]\nplatforms = ['linux/amd64', 'wasi/wasm']\n"
DEBUG_TOML = "debug = true\n"

HEADER_CONSTRUCTED = """# Constructed, not captured on this machine (no buildx binary can be installed here). Rendered from
# the Fprintf calls of runInspect in docker/buildx commands/inspect.go (v0.18 and later, checked at
# HEAD 461836ba0) through a re-implementation of Go's text/tabwriter (minwidth 0, padding 1), as
# buildx prints it. Values (dates, hostnames, GC sizes, BuildKit version) are made up but shaped as
# BuildKit reports them.
"""

def write(name, desc, header, cmd, exit_code, stdout, stderr=''):
    with open(os.path.join(OUT, name), 'w') as f:
        for l in desc.strip('\n').split('\n'): f.write('# ' + l + '\n')
        f.write(header)
        f.write('# command: %s\n# exit: %d\n--- stdout\n' % (cmd, exit_code))
        f.write(stdout)
        f.write('--- stderr\n')
        f.write(stderr)

wasm_node = {'name': 'wasm0', 'endpoint': 'unix:///var/run/docker.sock', 'status': 'running',
    'flags': '--allow-insecure-entitlement=network.host', 'version': 'v0.22.0',
    'platforms': ['linux/amd64*', 'wasi/wasm*'], 'labels': LABELS, 'gc': GC, 'files': {'buildkitd.toml': WASM_TOML}}
wasm = {'name': 'wasm', 'driver': 'docker-container', 'last': '2025-06-02 09:41:07 +0000 UTC', 'nodes': [wasm_node]}
write('buildx-inspect-wasm.txt',
    'The builder `wasm-frontend builder create` makes, after bootstrap: docker-container driver,\n'
    'created with --platform linux/amd64,wasi/wasm (the "*" marks) and our buildkitd.toml, which\n'
    'buildx shows re-encoded under File#buildkitd.toml (go-toml/v2: keys sorted, single quotes).',
    HEADER_CONSTRUCTED, 'docker buildx inspect --bootstrap wasm', 0, inspect_text(wasm))

n = dict(wasm_node); n.pop('files')
write('buildx-inspect-wasm-v0.17.txt',
    'The same builder inspected by buildx 0.17, which does not print the File# section yet.',
    HEADER_CONSTRUCTED.replace('(v0.18 and later', '(v0.17: the same calls without the File# loop').replace(', checked at\n# HEAD 461836ba0)', ')\n#'),
    'docker buildx inspect --bootstrap wasm', 0, inspect_text(dict(wasm, nodes=[n])))

n = {'name': 'wasm0', 'endpoint': 'unix:///var/run/docker.sock', 'status': 'inactive',
    'flags': '--allow-insecure-entitlement=network.host', 'platforms': ['linux/amd64*', 'wasi/wasm*'], 'files': {'buildkitd.toml': WASM_TOML}}
write('buildx-inspect-wasm-inactive.txt',
    'The wasm builder before it is booted (created without --bootstrap, or its container removed):\n'
    'status inactive, no BuildKit version, only the platforms of buildx\'s own record.',
    HEADER_CONSTRUCTED, 'docker buildx inspect wasm', 0, inspect_text(dict(wasm, nodes=[n])))

plain_platforms = 'linux/amd64, linux/amd64/v2, linux/amd64/v3, linux/arm64, linux/riscv64, linux/ppc64le, linux/s390x, linux/386, linux/mips64le, linux/mips64, linux/arm/v7, linux/arm/v6'.split(', ')
n = {'name': 'wasm0', 'endpoint': 'unix:///var/run/docker.sock', 'status': 'running',
    'flags': '--allow-insecure-entitlement=network.host', 'version': 'v0.22.0', 'platforms': plain_platforms, 'labels': LABELS, 'gc': GC[:1]}
write('buildx-inspect-plain.txt',
    'A docker-container builder named "wasm" made with plain `docker buildx create --name wasm`: no\n'
    'buildkitd.toml, BuildKit\'s detected platforms (the list printed in docker/buildx PR #2684), no\n'
    'wasi/wasm.',
    HEADER_CONSTRUCTED, 'docker buildx inspect wasm', 0, inspect_text(dict(wasm, nodes=[n])))

n = {'name': 'wasm0', 'endpoint': 'unix:///var/run/docker.sock', 'status': 'running',
    'flags': '--allow-insecure-entitlement=network.host', 'version': 'v0.22.0',
    'platforms': ['linux/amd64*', 'wasi/wasm*'] + plain_platforms[1:], 'labels': LABELS, 'files': {'buildkitd.toml': DEBUG_TOML}}
write('buildx-inspect-record-only.txt',
    'A builder made with `docker buildx create --name wasm --platform linux/amd64,wasi/wasm\n'
    '--buildkitd-config debug.toml`: wasi/wasm is in buildx\'s record (the "*"), but the buildkitd.toml\n'
    'does not declare it, so BuildKit\'s worker does not advertise it.',
    HEADER_CONSTRUCTED, 'docker buildx inspect wasm', 0, inspect_text(dict(wasm, nodes=[n])))

n = {'name': 'wasm0', 'endpoint': 'unix:///var/run/docker.sock',
    'error': 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?'}
write('buildx-inspect-node-error.txt',
    'The wasm builder while the docker daemon is down: the node prints "Error:" instead of its status.',
    HEADER_CONSTRUCTED, 'docker buildx inspect wasm', 0, inspect_text(dict(wasm, nodes=[n])))

RLABELS = dict(LABELS); RLABELS['org.mobyproject.buildkit.worker.hostname'] = 'buildkitd'; RLABELS['org.mobyproject.buildkit.worker.network'] = 'cni'
remote = {'name': 'wasm', 'driver': 'remote', 'last': '2025-06-02 09:41:07 +0000 UTC',
    'nodes': [{'name': 'wasm0', 'endpoint': 'tcp://buildkitd:1234', 'status': 'running', 'version': 'v0.22.0',
               'platforms': ['linux/amd64', 'wasi/wasm'], 'labels': RLABELS}]}
write('buildx-inspect-remote.txt',
    'A remote builder whose buildkitd was started with our buildkitd.toml (buildkitd --config): the\n'
    'worker itself reports wasi/wasm (no "*": nothing was set with --platform, and no File# section:\n'
    'the remote driver takes no config file).',
    HEADER_CONSTRUCTED, 'docker buildx inspect --bootstrap wasm', 0, inspect_text(remote))
remote2 = json.loads(json.dumps(remote)); remote2['nodes'][0]['platforms'] = ['linux/amd64', 'linux/amd64/v2', 'linux/amd64/v3', 'linux/386']
write('buildx-inspect-remote-nowasm.txt',
    'A remote builder whose buildkitd runs without our config: its detected platforms, no wasi/wasm.',
    HEADER_CONSTRUCTED, 'docker buildx inspect --bootstrap wasm', 0, inspect_text(remote2))

# ---- ls
HEADER_LS = """# Constructed, not captured on this machine (no buildx binary can be installed here). Rendered from
# docker/buildx commands/ls.go (table template "{{.Name}}\\t{{.DriverEndpoint}}\\t{{.Status}}\\t
# {{.Buildkit}}\\t{{.Platforms}}", node rows indented with " \\_ ", "*" after the current builder,
# PLATFORMS truncated by truncPlatforms to 4 groups) through docker/cli's table formatter
# (text/tabwriter minwidth 10, padding 3), re-implemented here. Values are made up.
"""
def ls_table(rows):
    s = 'NAME/NODE\tDRIVER/ENDPOINT\tSTATUS\tBUILDKIT\tPLATFORMS\n'
    for r in rows: s += '\t'.join(r) + '\n'
    return tabwrite(s, 10, 3)
rows = [
    ['wasm*', 'docker-container', '', '', ''],
    [' \\_ wasm0', ' \\_ unix:///var/run/docker.sock', 'running', 'v0.22.0', 'linux/amd64*, wasi/wasm*'],
    ['multi', 'docker-container', '', '', ''],
    [' \\_ multi0', ' \\_ unix:///var/run/docker.sock', 'running', 'v0.22.0', 'linux/amd64 (+3), linux/arm64, linux/arm (+2), linux/ppc64le, (6 more)'],
    ['default', 'docker', '', '', ''],
    [' \\_ default', ' \\_ default', 'running', 'v0.23.2', 'linux/amd64 (+3), linux/386'],
]
write('buildx-ls-wasm.txt',
    'Three builders: "wasm" (current) from `wasm-frontend builder create`; "multi", a builder whose\n'
    'worker lists twelve linux platforms and wasi/wasm, which the table truncates so that wasi/wasm is\n'
    'hidden in "(6 more)" (the truncation of commands/ls_test.go\'s "amd64 no preferred and emulated"\n'
    'case plus one platform); and the docker driver\'s "default".',
    HEADER_LS, 'docker buildx ls', 0, ls_table(rows))

def b64(s): return base64.b64encode(s.encode()).decode()
GCJ = [{"all": False, "filter": ["type==source.local", "type==exec.cachemount", "type==source.git.checkout"], "keepDuration": 172800000000000, "maxUsedSpace": 512000000}]
wasm_j = {"Name": "wasm", "Driver": "docker-container", "LastActivity": "2025-06-02T09:41:07Z", "Dynamic": False,
    "Nodes": [{"Name": "wasm0", "Endpoint": "unix:///var/run/docker.sock", "Flags": ["--allow-insecure-entitlement=network.host"],
               "Files": {"buildkitd.toml": b64(WASM_TOML)}, "Status": "running", "Version": "v0.22.0", "IDs": ["r0n5kcbqy4wa5ptzi3c1o2z8m"],
               "Platforms": ["linux/amd64", "wasi/wasm"], "GCPolicy": GCJ, "Labels": LABELS}]}
multi_j = {"Name": "multi", "Driver": "docker-container", "LastActivity": "2025-05-30T14:02:11Z", "Dynamic": False,
    "Nodes": [{"Name": "multi0", "Endpoint": "unix:///var/run/docker.sock", "Flags": ["--allow-insecure-entitlement=network.host"],
               "Status": "running", "Version": "v0.22.0", "IDs": ["m3x0ak7l2q9e8zv1c5n4b6t0p"],
               "Platforms": ['linux/amd64', 'linux/amd64/v2', 'linux/amd64/v3', 'linux/386', 'linux/arm64', 'linux/riscv64', 'linux/ppc64le', 'linux/s390x', 'linux/mips64le', 'linux/mips64', 'linux/arm/v7', 'linux/arm/v6', 'wasi/wasm'],
               "GCPolicy": GCJ, "Labels": LABELS}]}
default_j = {"Name": "default", "Driver": "docker", "LastActivity": "0001-01-01T00:00:00Z", "Dynamic": False,
    "Nodes": [{"Name": "default", "Endpoint": "default", "Status": "running", "Version": "v0.23.2", "IDs": ["default"],
               "Platforms": ["linux/amd64", "linux/amd64/v2", "linux/amd64/v3", "linux/386"], "GCPolicy": GCJ,
               "Labels": {"org.mobyproject.buildkit.worker.moby.host-gateway-ip": "172.17.0.1"}}]}
HEADER_JSON = """# Constructed, not captured on this machine (no buildx binary can be installed here). One JSON
# object per builder per line (docker/cli's "json" format is {{json .}} per row), each from
# docker/buildx builder.Builder.MarshalJSON (Name, Driver, LastActivity, Dynamic, Nodes, Err) with
# builder.Node.MarshalJSON nodes (Name, Endpoint, Flags, DriverOpts, Files as base64, Status,
# ProxyConfig, Version, Err, IDs, Platforms as strings, GCPolicy, Labels). GCPolicy entries use
# BuildKit client.PruneInfo's JSON names; the parser ignores them. Values are made up.
"""
def jl(objs): return ''.join(json.dumps(o, separators=(',', ':')) + '\n' for o in objs)
write('buildx-ls-json.txt',
    'buildx 0.24 and later: "Current" is set on each builder (commands/ls.go lsContext.MarshalJSON).',
    HEADER_JSON, 'docker buildx ls --format json', 0,
    jl([dict(wasm_j, Current=True), dict(multi_j, Current=False), dict(default_j, Current=False)]))
write('buildx-ls-json-v0.13.txt',
    'buildx 0.13 to 0.20: no "Current" (the embedded Builder\'s MarshalJSON wins), and a builder is\n'
    'written once more per node (fixed in 0.21, "ls: fix duplicated builders for json format").',
    HEADER_JSON, 'docker buildx ls --format json', 0,
    jl([wasm_j, wasm_j, default_j, default_j]))

# ---- docker info with the containerd image store, derived from this machine's real capture
def containerd_info():
    src = open(os.path.join(OUT, 'docker-20.10-info.txt')).read()
    d = json.loads(src.split('--- stdout\n', 1)[1].split('--- stderr\n', 1)[0])
    d['ServerVersion'] = '28.2.2'
    d['Driver'] = 'overlayfs'
    d['DriverStatus'] = [['driver-type', 'io.containerd.snapshotter.v1']]
    d['Runtimes'] = {'io.containerd.runc.v2': {'path': 'runc', 'status': {}}, 'io.containerd.wasmtime.v1': {'runtimeType': 'io.containerd.wasmtime.v1'}, 'runc': {'path': 'runc', 'status': {}}}
    d['ContainerdCommit'] = {'ID': '05044ec0a9a75232cad458027ca83437aae3f4da'}
    out = ['# A Docker Engine 28 with the containerd image store and the wasmtime shim registered as a runtime.',
        "# Constructed, not captured on this machine: this machine's real docker 20.10 `docker info` JSON",
        '# (docker-20.10-info.txt) with the fields that differ changed: ServerVersion, Driver "overlayfs",',
        '# DriverStatus [["driver-type", "io.containerd.snapshotter.v1"]] (the pair buildx tests in',
        '# util/dockerutil/client.go to detect the containerd store) and a Runtimes entry for',
        '# io.containerd.wasmtime.v1.',
        "# command: docker info --format '{{json .}}'", '# exit: 0', '--- stdout', json.dumps(d, separators=(',', ':')), '--- stderr', '']
    open(os.path.join(OUT, 'docker-28-info-containerd.txt'), 'w').write('\n'.join(out))

containerd_info()
