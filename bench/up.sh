#!/bin/sh
# Usage: bench/up.sh BUILDDIR [RUNS]
#
# A benchmark (not a test): `up -d` and `down` of generated stacks on Podman,
# berth against podman-compose and docker-compose (Debian's 1.29, talking to a
# `podman system service` this script starts), and against the floor — the
# same containers started with plain podman commands — all in one run:
#
#   wide     20 independent services; floor: 20 x `podman run -d`, xargs -P2
#   down     `down` of the wide stack; floor: 20 x `podman rm -f`, xargs -P2
#   chain    20 services, each depends_on the previous (service_started);
#            floor: 20 x `podman run -d` one after the other (no target)
#   healthy  10 services, each depends_on the previous with service_healthy;
#            floor: per service `podman run -d` + the first passing exec of its
#            check (`podman exec NAME true`), summed
#
# Each figure is the median of RUNS runs (default 5; podman-compose and
# docker-compose, which are slower, get min(RUNS, 3)). Targets (ratios against
# the floor of the same run): wide up -d <= 1.2x, down <= 1.2x, healthy chain
# all healthy (`berth up -d --wait`) <= 1.2x. Podman runs no health checks by
# itself without systemd: docker-compose then waits forever on service_healthy
# (it gets a time limit and is reported as not finishing) and podman-compose
# does not wait at all (reported with the health states it left).
#
# Everything runs with a project-local containers.conf (runc, explicit
# ulimits) and a busybox image imported offline under a name of its own; the
# containers, networks, image and the podman service this creates are removed
# at exit, also on Ctrl-C. Environment: BERTH_BENCH_DC_HEALTHY_TIMEOUT (seconds
# docker-compose gets for the healthy chain, default 60). Exits 3 when berth
# misses a target.
set -u
builddir=${1:?usage: bench/up.sh BUILDDIR [RUNS]}
runs=${2:-5}
builddir=$(cd "$builddir" && pwd) || exit 1
srcdir=$(cd "$(dirname "$0")/.." && pwd)
berth=$builddir/cli/berth
[ -x "$berth" ] || { echo "bench/up: $berth not built (make -C $builddir)" >&2; exit 1; }
[ -e "$builddir/backends/.libs/docker.so" ] ||
    { echo "bench/up: $builddir/backends/.libs/docker.so not built" >&2; exit 1; }
command -v podman >/dev/null 2>&1 || { echo "bench/up: podman is not installed" >&2; exit 1; }
. "$srcdir/tests/lib/podman-env.sh"

id=$$
work=$(mktemp -d "${TMPDIR:-/tmp}/berth-bench-up.XXXXXX") || exit 1
# An image of its own, so removing it at the end touches nothing else.
BERTH_TEST_IMAGE=localhost/berth-bench-up/busybox:$id
export BERTH_TEST_IMAGE
projects="bup${id}w bup${id}c bup${id}h"

# Removes what this run created: containers (by project and by the floor's
# label), project networks, the podman service, the image, the work dir.
cleanup() {
    trap '' INT TERM
    if [ -f "$work/service.pid" ]; then
        kill "$(cat "$work/service.pid")" 2>/dev/null
    fi
    for p in $projects; do
        podman ps -aq --filter "label=com.docker.compose.project=$p" | xargs -r podman rm -f -t 0 >/dev/null 2>&1
        podman network rm -f "${p}_default" >/dev/null 2>&1
    done
    podman ps -aq --filter "label=berth.bench.up=$id" | xargs -r podman rm -f -t 0 >/dev/null 2>&1
    podman rmi -f "$BERTH_TEST_IMAGE" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

berth_podman_conf "$work/conf" || exit 1
berth_podman_image || exit 1

python3 - "$berth" "$builddir" "$work" "$id" "$runs" "$BERTH_TEST_IMAGE" <<'PY'
import os, shutil, signal, statistics, subprocess, sys, time

berth, builddir, work, run_id, runs, image = sys.argv[1:7]
runs = max(1, int(runs))
slow_runs = min(runs, 3)
dc_healthy_timeout = float(os.environ.get("BERTH_BENCH_DC_HEALTHY_TIMEOUT", "60"))
label = f"berth.bench.up={run_id}"
# The service ends on SIGTERM as a real one does (sleep as PID 1 would not).
cmd = "trap 'exit 0' TERM; sleep 3600 & wait"
projects = {"wide": f"bup{run_id}w", "chain": f"bup{run_id}c", "healthy": f"bup{run_id}h"}

env = dict(os.environ)
env.update(BERTH_BACKEND="podman", BERTH_PLUGIN_PATH=os.path.join(builddir, "backends/.libs"),
           BERTH_PODMAN_PROBE_TIMEOUT="60s", NO_COLOR="1")

def log(*a):
    print(*a, flush=True)

def sh_quote_list(argv):
    return "[" + ", ".join('"' + a.replace('"', '\\"') + '"' for a in argv) + "]"

def gen(kind, n):
    out = ["services:"]
    for i in range(n):
        out += [f"  s{i}:", f"    image: {image}",
                "    command: " + sh_quote_list(["sh", "-c", cmd])]
        if kind in ("chain", "healthy") and i > 0:
            cond = "service_healthy" if kind == "healthy" else "service_started"
            out += ["    depends_on:", f"      s{i-1}:", f"        condition: {cond}"]
        if kind == "healthy":
            # a generous timeout: on a loaded 2-core machine `podman exec` can take seconds
            out += ["    healthcheck:", '      test: ["CMD", "true"]', "      interval: 2s",
                    "      timeout: 30s", "      retries: 3"]
    path = os.path.join(work, f"{kind}.yaml")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
    return path

files = {"wide": gen("wide", 20), "chain": gen("chain", 20), "healthy": gen("healthy", 10)}

def run(argv, timeout=600, extra_env=None, check=True):
    """Wall seconds of argv; None when it timed out (its group is killed)."""
    e = env if extra_env is None else {**env, **extra_env}
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, cwd=work, env=e, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, start_new_session=True)
    try:
        _, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        return None
    dt = time.perf_counter() - t0
    if check and p.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:6])} ... exited {p.returncode}: "
                           f"{err.decode(errors='replace')[-600:]}")
    return dt

def podman_out(*args):
    return subprocess.run(["podman", *args], env=env, capture_output=True, text=True).stdout.split()

def wipe(project):
    """Removes a project's containers and network whatever left them."""
    ids = podman_out("ps", "-aq", "--filter", f"label=com.docker.compose.project={project}")
    if ids:
        subprocess.run(["podman", "rm", "-f", "-t", "0", *ids], env=env, capture_output=True)
    subprocess.run(["podman", "network", "rm", "-f", f"{project}_default"], env=env,
                   capture_output=True)

def wipe_floor():
    ids = podman_out("ps", "-aq", "--filter", f"label={label}")
    if ids:
        subprocess.run(["podman", "rm", "-f", "-t", "0", *ids], env=env, capture_output=True)

def median(xs):
    return statistics.median(xs) if xs else None

# --- the floor ----------------------------------------------------------------
def floor_names(tag, n):
    return [f"bup{run_id}-{tag}-{i}" for i in range(n)]

def floor_run_parallel(names):
    argv = ["xargs", "-P2", "-I{}", "podman", "run", "-d", "--name", "{}", "--label", label,
            image, "sh", "-c", cmd]
    t0 = time.perf_counter()
    subprocess.run(argv, input="\n".join(names) + "\n", text=True, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0

def floor_rm_parallel(names):
    t0 = time.perf_counter()
    subprocess.run(["xargs", "-P2", "-n1", "podman", "rm", "-f"], input="\n".join(names) + "\n",
                   text=True, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0

def floor_run_serial(names):
    t0 = time.perf_counter()
    for nm in names:
        subprocess.run(["podman", "run", "-d", "--name", nm, "--label", label, image, "sh", "-c", cmd],
                       env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0

def floor_healthy(names):
    """Per service: podman run -d, then exec the check until it passes; summed."""
    total = 0.0
    for nm in names:
        t0 = time.perf_counter()
        subprocess.run(["podman", "run", "-d", "--name", nm, "--label", label, image, "sh", "-c", cmd],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        while subprocess.run(["podman", "exec", nm, "true"], env=env,
                             capture_output=True).returncode != 0:
            pass
        total += time.perf_counter() - t0
    return total

# --- the tools ----------------------------------------------------------------
def tool_argv(tool, kind, verb):
    f, p = files[kind], projects[kind]
    if tool == "berth":
        base = [berth, "-p", p, "-f", f]
    elif tool == "podman-compose":
        base = [shutil.which("podman-compose"), "-p", p, "-f", f]
    else:
        base = [shutil.which("docker-compose"), "-p", p, "-f", f]
    if verb == "up":
        return base + ["up", "-d"]
    if verb == "wait":
        return base + ["up", "-d", "--wait"] if tool == "berth" else base + ["up", "-d"]
    return base + ["down"]

# podman-compose and docker-compose are optional: missing or failing, say so and go on.
tools = ["berth"]
notes = {}
if shutil.which("podman-compose"):
    tools.append("podman-compose")
else:
    notes["podman-compose"] = "not installed"
sock = os.path.join(work, "podman.sock")
dc_env = {"DOCKER_HOST": "unix://" + sock, "COMPOSE_INTERACTIVE_NO_CLI": "1"}
if shutil.which("docker-compose"):
    # the API service: a time limit of its own in case this script is killed hard
    svc = subprocess.Popen(["timeout", "3600", "podman", "system", "service", "--time=0",
                            "unix://" + sock], env=env, stdout=subprocess.DEVNULL,
                           stderr=open(os.path.join(work, "service.log"), "w"))
    with open(os.path.join(work, "service.pid"), "w") as f:
        f.write(str(svc.pid))
    deadline = time.time() + 60
    while not os.path.exists(sock) and time.time() < deadline and svc.poll() is None:
        time.sleep(0.1)
    ok = os.path.exists(sock) and subprocess.run(
        [shutil.which("docker-compose"), "version"], env={**env, **dc_env},
        capture_output=True).returncode == 0
    if ok:
        tools.append("docker-compose")
    else:
        notes["docker-compose"] = "podman system service did not come up"
else:
    notes["docker-compose"] = "not installed"

res = {}      # (tool, figure) -> list of seconds
fail = {}     # (tool, figure) -> note

def record(tool, fig, dt):
    res.setdefault((tool, fig), []).append(dt)

def guarded(tool, fig, fn):
    """Runs fn(); a failure of an optional tool is noted and that tool skipped for fig."""
    if (tool, fig) in fail:
        return
    try:
        fn()
    except Exception as e:  # noqa: BLE001 (any failure is a result, berth's a MISS)
        fail[(tool, fig)] = f"failed: {str(e).splitlines()[0][:160] if str(e) else e}"

# One warm-up of each way (image and storage caches, python imports), not counted.
log("bench/up: warm-up")
wn = floor_names("warm", 2)
floor_run_parallel(wn); floor_rm_parallel(wn)
for tool in tools:
    guarded(tool, "warm", lambda: (run(tool_argv(tool, "wide", "up"), extra_env=dc_env),
                                   run(tool_argv(tool, "wide", "down"), extra_env=dc_env)))
    wipe(projects["wide"])
    if ("docker-compose", "warm") in fail and "docker-compose" in tools:
        notes["docker-compose"] = fail[("docker-compose", "warm")]
        tools.remove("docker-compose")
    if ("podman-compose", "warm") in fail and "podman-compose" in tools:
        notes["podman-compose"] = fail[("podman-compose", "warm")]
        tools.remove("podman-compose")

# --- wide and down ------------------------------------------------------------
for r in range(runs):
    names = floor_names(f"w{r}", 20)
    record("floor", "wide", floor_run_parallel(names))
    record("floor", "down", floor_rm_parallel(names))
    wipe_floor()
    for tool in tools:
        if tool != "berth" and r >= slow_runs:
            continue
        def one():
            try:
                record(tool, "wide", run(tool_argv(tool, "wide", "up"), extra_env=dc_env))
                record(tool, "down", run(tool_argv(tool, "wide", "down"), extra_env=dc_env))
            finally:
                wipe(projects["wide"])
        guarded(tool, "wide", one)
    log(f"run {r + 1}/{runs} wide/down: " + ", ".join(
        f"{t} {res[(t, 'wide')][-1]:.2f}/{res[(t, 'down')][-1]:.2f}s"
        for t in ["floor"] + tools if (t, "wide") in res and len(res[(t, "wide")]) == r + 1
        and len(res.get((t, "down"), [])) == r + 1))

# --- chain --------------------------------------------------------------------
for r in range(runs):
    names = floor_names(f"c{r}", 20)
    record("floor", "chain", floor_run_serial(names))
    wipe_floor()
    for tool in tools:
        if tool != "berth" and r >= slow_runs:
            continue
        def one():
            try:
                record(tool, "chain", run(tool_argv(tool, "chain", "up"), extra_env=dc_env))
                run(tool_argv(tool, "chain", "down"), extra_env=dc_env)
            finally:
                wipe(projects["chain"])
        guarded(tool, "chain", one)
    log(f"run {r + 1}/{runs} chain: " + ", ".join(
        f"{t} {res[(t, 'chain')][-1]:.2f}s" for t in ["floor"] + tools
        if len(res.get((t, "chain"), [])) == r + 1))

# --- healthy chain ------------------------------------------------------------
health_state = {}
for r in range(runs):
    names = floor_names(f"h{r}", 10)
    record("floor", "healthy", floor_healthy(names))
    wipe_floor()
    for tool in tools:
        if tool != "berth" and r >= slow_runs:
            continue
        if tool == "docker-compose" and r > 0:
            continue  # it hangs: once is enough
        def one():
            try:
                to = dc_healthy_timeout if tool == "docker-compose" else 600
                dt = run(tool_argv(tool, "healthy", "wait"), timeout=to, extra_env=dc_env)
                if dt is None:
                    fail[(tool, "healthy")] = (f"did not finish within {to:.0f} s "
                                               "(no health checks without systemd)")
                    return
                if tool != "berth":
                    # it returned: were the containers healthy, or did it not wait?
                    ids = podman_out("ps", "-aq", "--filter",
                                     f"label=com.docker.compose.project={projects['healthy']}")
                    st = podman_out("inspect", "--format", "{{.State.Health.Status}}", *ids) if ids else []
                    health_state[tool] = (len(ids), sum(1 for s in st if s == "healthy"))
                record(tool, "healthy", dt)
            finally:
                wipe(projects["healthy"])
        guarded(tool, "healthy", one)
    log(f"run {r + 1}/{runs} healthy: " + ", ".join(
        f"{t} {res[(t, 'healthy')][-1]:.2f}s" for t in ["floor"] + tools
        if len(res.get((t, "healthy"), [])) == r + 1))

# --- report -------------------------------------------------------------------
figs = [("wide", "wide up -d (20 services)"), ("down", "down (20 services)"),
        ("chain", "chain up -d (20, service_started)"),
        ("healthy", "healthy chain (10, all healthy)")]
log("")
log(f"bench/up: medians of {runs} runs (podman-compose, docker-compose: {slow_runs}); ratio = tool / floor")
hdr = f"{'':36s}{'floor':>10s}" + "".join(f"{t:>22s}" for t in tools)
log(hdr)
for fig, title in figs:
    fl = median(res.get(("floor", fig), []))
    row = f"{title:36s}{fl:9.2f}s"
    for t in tools:
        m = median(res.get((t, fig), []))
        if m is None:
            row += f"{'n/a':>22s}"
        else:
            row += f"{m:9.2f}s ({m / fl:5.2f}x)".rjust(22)
    log(row)
for (t, fig), note in sorted(fail.items()):
    if fig != "warm":
        log(f"  {t}, {fig}: {note}")
for t, (n, healthy) in sorted(health_state.items()):
    log(f"  {t}, healthy: returned with {healthy} of {n} containers healthy"
        + (" (it did not wait for health checks)" if healthy < n else ""))
for t, note in notes.items():
    log(f"  {t}: {note}")
fl_health = "floor: sum over services of `podman run -d` + first passing `podman exec NAME true`"
log(f"  chain floor: 20 x `podman run -d` one after the other; healthy {fl_health}")

log("")
log(f"{'target':44s}{'berth':>9s}{'floor':>9s}{'ratio':>8s}{'limit':>7s}  result")
allpass = True
for fig, title, limit in [("wide", "wide up -d <= 1.2x floor (run -d, -P2)", 1.2),
                          ("down", "down of 20 <= 1.2x floor (rm -f, -P2)", 1.2),
                          ("healthy", "healthy chain all healthy <= 1.2x floor", 1.2)]:
    b, fl = median(res.get(("berth", fig), [])), median(res.get(("floor", fig), []))
    if b is None:
        allpass = False
        log(f"{title:44s}{'-':>9s}{fl:8.2f}s{'-':>8s}{limit:6.1f}x  MISS (berth failed)")
        continue
    ratio = b / fl
    ok = ratio <= limit
    allpass &= ok
    log(f"{title:44s}{b:8.2f}s{fl:8.2f}s{ratio:7.2f}x{limit:6.1f}x  {'PASS' if ok else 'MISS'}")
sys.exit(0 if allpass else 3)
PY
