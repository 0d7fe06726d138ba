# bench/: benchmarks (not tests). bench/spawn.sh BUILDDIR runs bench/spawn-bench.
noinst_PROGRAMS += bench/spawn-bench
bench_spawn_bench_SOURCES = bench/spawn.c
bench_spawn_bench_CPPFLAGS = $(AM_CPPFLAGS) -DBERTH_BUILDING
bench_spawn_bench_LDADD = libberth-internal.la $(BERTH_DEPS_LIBS)
EXTRA_DIST += bench/spawn.sh

# --- detection bench (plugins/) ---
# bench/detect-bench: detection with all candidates vs the slowest single probe (<= 1.1x).
noinst_PROGRAMS += bench/detect-bench
bench_detect_bench_SOURCES = bench/detect.c tests/fake_probe.c tests/fake_probe.h
bench_detect_bench_CPPFLAGS = $(AM_CPPFLAGS) -DBERTH_BUILDING
bench_detect_bench_LDADD = libberth-internal.la $(BERTH_DEPS_LIBS)
# --- end detection bench ---

# --- backend-overhead bench (docker-protocol driver) ---
# bench/backend-overhead.sh BUILDDIR: berth's podman driver vs a shell loop of the same commands.
noinst_PROGRAMS += bench/backend-overhead
bench_backend_overhead_SOURCES = bench/backend-overhead.c
bench_backend_overhead_CPPFLAGS = $(AM_CPPFLAGS) -DBERTH_BUILDING
bench_backend_overhead_LDADD = libberth-internal.la $(BERTH_DEPS_LIBS)
EXTRA_DIST += bench/backend-overhead.sh
# --- end backend-overhead bench ---

# --- supervise bench (process backend, attached logs) ---
# bench/supervise.sh BUILDDIR: berth's CPU, RSS and log integrity with 50 chatty services.
noinst_PROGRAMS += bench/ticker
bench_ticker_SOURCES = bench/ticker.c
EXTRA_DIST += bench/supervise.sh
# --- end supervise bench ---

# --- up bench (Podman) ---
# bench/up.sh BUILDDIR [RUNS]: up -d / down on Podman, berth vs podman-compose, docker-compose and plain podman.
EXTRA_DIST += bench/up.sh
# --- end up bench ---
