#!/usr/bin/env bash
# bench/config.sh [BUILD_DIR]: `berth config` against `docker-compose config`
# (Debian's docker-compose 1.29) on generated projects, in the same run.
# Prints medians of wall time, the speed-up ratio and peak RSS of each, and
# berth's time at 100 / 1000 / 5000 services to show growth is linear.
# Targets (issue 3): ratio >= 50x at 1000 services, berth peak RSS <= 40 MiB.
set -euo pipefail
build=${1:-$(pwd)}
berth="$build/cli/berth"
[ -x "$berth" ] || { echo "bench/config: $berth not built" >&2; exit 1; }
work=$(mktemp -d /tmp/berth-bench-config.XXXXXX)
trap 'rm -rf "$work"' EXIT
exec python3 - "$berth" "$work" <<'PY'
import os, statistics, subprocess, sys, time, shutil

berth, work = sys.argv[1], sys.argv[2]
dc = shutil.which("docker-compose")

def gen(n, path):
    """A project of n services with environment, ports, volumes, labels,
    healthchecks, depends_on and anchors/merge keys, as real files have."""
    out = ["x-common: &common", "  restart: unless-stopped",
           "  labels:", "    com.example.team: platform", "  logging:",
           "    driver: json-file", "    options: {max-size: 10m}", "services:"]
    for i in range(n):
        out += [f"  svc{i}:", "    <<: *common", f"    image: registry.example/app{i % 17}:${{TAG:-1.{i % 5}}}",
                "    environment:", f"      SERVICE_ID: \"{i}\"", "      LOG_LEVEL: ${LOG_LEVEL:-info}",
                f"      DB_URL: postgres://db{i % 3}:5432/app", f"    ports: [\"{20000 + i}:80\"]",
                f"    volumes: [\"data{i % 50}:/var/lib/app\", \"./conf/{i}:/etc/app:ro\"]",
                "    healthcheck:", "      test: [\"CMD\", \"wget\", \"-q\", \"-O-\", \"http://localhost/health\"]",
                "      interval: 10s", "      timeout: 3s", "      retries: 5"]
        if i > 0:
            out += ["    depends_on:", f"      svc{(i * 7) % i}:", "        condition: service_started"]
    out += ["volumes:"] + [f"  data{j}: {{}}" for j in range(min(n, 50))]
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")

def run(argv, cwd):
    """Wall seconds and peak RSS (KiB) of one run of argv."""
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t0
    err = p.stderr.read().decode(errors="replace"); p.stderr.close()
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.exit(f"bench/config: {argv[0]} failed ({p.returncode}): {err[:400]}")
    return dt, ru.ru_maxrss, ru.ru_utime + ru.ru_stime

def measure(argv, cwd, reps):
    """Median wall seconds, peak RSS (KiB), median CPU seconds (user+sys):
    on a shared, noisy machine CPU time is the steadier of the two."""
    runs = [run(argv, cwd) for _ in range(reps)]
    return (statistics.median(r[0] for r in runs), max(r[1] for r in runs),
            statistics.median(r[2] for r in runs))

env_berth = [berth, "-p", "bench", "config", "--format", "json"]
results = {}
for n in (100, 1000, 5000):
    d = os.path.join(work, f"p{n}")
    os.makedirs(d)
    gen(n, os.path.join(d, "compose.yaml"))
    results[n] = measure(env_berth, d, 5 if n <= 1000 else 3)
    print(f"berth config, {n:5d} services: median wall {results[n][0]*1000:8.1f} ms, cpu {results[n][2]*1000:8.1f} ms, peak RSS {results[n][1]/1024:6.1f} MiB")

t100, t1000, t5000 = results[100][2], results[1000][2], results[5000][2]
print(f"growth (cpu): 1000/100 = {t1000/t100:.1f}x (10x services), 5000/1000 = {t5000/t1000:.1f}x (5x services)")

if dc is None:
    print("docker-compose not installed (apt-get install docker-compose): no baseline ratio")
    sys.exit(0)
# docker-compose 1.29 rejects the top-level name/x- keys only in old file versions; the file is v3-style.
d = os.path.join(work, "p1000")
dt_dc, rss_dc, cpu_dc = measure([dc, "-p", "bench", "config"], d, 3)
print(f"docker-compose config, 1000 services: median wall {dt_dc*1000:8.1f} ms, cpu {cpu_dc*1000:8.1f} ms, peak RSS {rss_dc/1024:6.1f} MiB")
print(f"ratio (docker-compose / berth) at 1000 services: wall {dt_dc / results[1000][0]:.1f}x, cpu {cpu_dc / t1000:.1f}x   (target >= 50x)")
print(f"berth peak RSS at 1000 services: {results[1000][1]/1024:.1f} MiB   (target <= 40 MiB)")
PY
