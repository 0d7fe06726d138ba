#!/usr/bin/env bash
# bench/supervise.sh BUILDDIR: berth as a foreground supervisor of many chatty
# host processes (a benchmark, not a test; `make` in BUILDDIR builds
# bench/ticker and cli/berth).
#
# Busy run: `berth --backend process up` (attached, stdout to a file) of
# $SUPERVISE_SERVICES services (50), each a bench/ticker printing
# "svc=NAME seq=N pay=..." every 10 ms, for $SUPERVISE_SECONDS (30). Measured
# over that window: berth's own CPU (utime+stime of the berth process from
# /proc/PID/stat, not its children) and its peak RSS (VmHWM). Then SIGTERM
# (graceful stop: each ticker prints "svc=NAME end=N" and exits) and the
# captured output is checked: for every service seq 0..N-1 exactly once, in
# order, every line whole (its prefix names the service of its payload).
# Idle run: the same services printing nothing, $SUPERVISE_IDLE_SECONDS (10):
# berth's CPU in ms per second. Each run $SUPERVISE_RUNS times (3); medians.
# Targets (issue): busy CPU <= 5 % of one core, RSS <= 20 MiB, no lost or
# interleaved lines; idle CPU ~ 0 (<= 1 ms/s, the clock-tick resolution).
set -euo pipefail
build=${1:?usage: bench/supervise.sh BUILDDIR}
berth="$build/cli/berth"
ticker="$build/bench/ticker"
for f in "$berth" "$ticker"; do
    [ -x "$f" ] || { echo "bench/supervise: $f not built: run 'make' in $build" >&2; exit 1; }
done
[ -r /proc/self/stat ] || { echo "bench/supervise: needs /proc (Linux)" >&2; exit 1; }
work=$(mktemp -d /tmp/berth-bench-supervise.XXXXXX)
trap 'rm -rf "$work"' EXIT
exec python3 - "$(cd "$(dirname "$berth")" && pwd)/berth" "$(cd "$(dirname "$ticker")" && pwd)/ticker" "$work" <<'PY'
import os, re, signal, statistics, subprocess, sys, time

berth, ticker, work = sys.argv[1], sys.argv[2], sys.argv[3]
N = int(os.environ.get("SUPERVISE_SERVICES", "50"))
BUSY_S = float(os.environ.get("SUPERVISE_SECONDS", "30"))
IDLE_S = float(os.environ.get("SUPERVISE_IDLE_SECONDS", "10"))
RUNS = int(os.environ.get("SUPERVISE_RUNS", "3"))
PERIOD_MS, PAYLOAD = 10, 48
TCK = os.sysconf("SC_CLK_TCK")
names = [f"s{i:02d}" for i in range(N)]

def gen(path, period):
    out = ["name: benchsup", "services:"]
    for n in names:
        out += [f"  {n}:", "    image: none",
                f"    command: [\"{ticker}\", \"{n}\", \"{period}\", \"{PAYLOAD}\"]",
                "    stop_grace_period: 10s"]
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")

def cpu_s(pid):
    """utime+stime of pid itself, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        st = f.read()
    fields = st[st.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / TCK

def hwm_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0

def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []

def services_cpu(pids):
    total = 0.0
    for p in pids:
        try:
            total += cpu_s(p)
        except OSError:
            pass
    return total

def run(kind, secs, idx):
    d = os.path.join(work, f"{kind}{idx}")
    os.makedirs(d)
    gen(os.path.join(d, "compose.yaml"), PERIOD_MS if kind == "busy" else 0)
    out = open(os.path.join(d, "out"), "wb")
    err = open(os.path.join(d, "err"), "wb")
    p = subprocess.Popen([berth, "--backend", "process", "up"], cwd=d, stdout=out, stderr=err)
    # wait until every service runs, then let start-up settle
    deadline = time.monotonic() + 60
    while len(children(p.pid)) < N:
        if p.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"bench/supervise: berth did not start {N} services: "
                     + open(os.path.join(d, "err")).read()[-600:])
        time.sleep(0.05)
    time.sleep(1)
    kids = children(p.pid)
    c0, k0, t0 = cpu_s(p.pid), services_cpu(kids), time.monotonic()
    time.sleep(secs)
    c1, k1, t1 = cpu_s(p.pid), services_cpu(kids), time.monotonic()
    hwm = hwm_kib(p.pid)
    s0 = time.monotonic()
    p.send_signal(signal.SIGTERM)
    try:
        rc = p.wait(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        sys.exit("bench/supervise: berth did not stop within 60 s of SIGTERM")
    stop_s = time.monotonic() - s0
    out.close(); err.close()
    r = {"cpu": (c1 - c0) / (t1 - t0), "svc_cpu": (k1 - k0) / (t1 - t0),
         "hwm": hwm / 1024, "rc": rc, "stop": stop_s}
    if kind == "busy":
        r.update(check(os.path.join(d, "out")))
    return r

LINE = re.compile(rb"^(s\d+)-1 +\| svc=(s\d+) (?:seq=(\d+) pay=(.*)|end=(\d+))$")

def check(path):
    """Lost, interleaved/corrupt, duplicated or reordered lines of the capture."""
    seqs = {n: [] for n in names}
    ends = {}
    bad = 0
    examples = []
    with open(path, "rb") as f:
        data = f.read()
    for raw in data.split(b"\n"):
        if b"svc=" not in raw:
            continue  # status lines ("s00-1 exited with code 0", ...)
        m = LINE.match(raw)
        ok = m is not None and m.group(1) == m.group(2)
        if ok:
            n = m.group(1).decode()
            if m.group(5) is not None:
                ends[n] = int(m.group(5))
            else:
                pay = m.group(4).decode()
                ok = n in seqs and pay == (n * PAYLOAD)[:PAYLOAD]
                if ok:
                    seqs[n].append(int(m.group(3)))
        if not ok:
            bad += 1
            if len(examples) < 3:
                examples.append(raw[:160])
    lost = dup = order = 0
    lines = 0
    for n in names:
        s = seqs[n]
        lines += len(s)
        end = ends.get(n, max(s) + 1 if s else 0)
        if n not in ends:
            lost += 1  # the end line itself
        present = set(s)
        lost += sum(1 for i in range(end) if i not in present)
        dup += len(s) - len(present)
        order += sum(1 for a, b in zip(s, s[1:]) if b <= a)
    return {"lines": lines, "lost": lost, "bad": bad, "dup": dup, "order": order,
            "examples": examples}

busy, idle = [], []
for i in range(RUNS):
    r = run("busy", BUSY_S, i)
    busy.append(r)
    print(f"busy run {i + 1}: berth cpu {r['cpu'] * 100:5.2f} % of a core "
          f"(services {r['svc_cpu'] * 100:5.1f} %), peak RSS {r['hwm']:5.1f} MiB, "
          f"{r['lines']} lines ({r['lines'] / N / BUSY_S:.0f}/s/service incl. start/stop), "
          f"lost {r['lost']}, interleaved/corrupt {r['bad']}, dup {r['dup']}, "
          f"out of order {r['order']}, stop {r['stop']:.1f} s, exit {r['rc']}", flush=True)
    for e in r["examples"]:
        print(f"    bad line: {e!r}")
for i in range(RUNS):
    r = run("idle", IDLE_S, i)
    idle.append(r)
    print(f"idle run {i + 1}: berth cpu {r['cpu'] * 1000:5.2f} ms/s, peak RSS {r['hwm']:5.1f} MiB, "
          f"stop {r['stop']:.1f} s, exit {r['rc']}", flush=True)

med = lambda rs, k: statistics.median(r[k] for r in rs)
cpu = med(busy, "cpu") * 100
svc = med(busy, "svc_cpu") * 100
rss = max(r["hwm"] for r in busy + idle)
lost = sum(r["lost"] + r["dup"] + r["order"] for r in busy)
bad = sum(r["bad"] for r in busy)
icpu = med(idle, "cpu") * 1000
verdict = lambda ok: "PASS" if ok else "MISS"
print(f"\nsummary: {N} services, {1000 // PERIOD_MS} lines/s each, {BUSY_S:g} s busy, "
      f"{IDLE_S:g} s idle, {RUNS} run(s), medians")
print(f"  berth CPU, busy      {cpu:6.2f} % of a core  (target <= 5 %)   {verdict(cpu <= 5)}"
      f"   [services: {svc:.1f} %, berth/services {cpu / svc if svc else 0:.2f}]")
print(f"  berth peak RSS       {rss:6.1f} MiB        (target <= 20 MiB) {verdict(rss <= 20)}")
print(f"  lost/dup/reordered   {lost:6d}            (target 0)         {verdict(lost == 0)}")
print(f"  interleaved/corrupt  {bad:6d}            (target 0)         {verdict(bad == 0)}")
print(f"  berth CPU, idle      {icpu:6.2f} ms/s       (target ~0, <= 1)  {verdict(icpu <= 1)}")
PY
