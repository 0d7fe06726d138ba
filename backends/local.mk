# backends/ (see the folder's files)

# --- process driver ---
# Built into libberth (always available, registered by plugins/plugins.c).
libberth_internal_la_SOURCES += backends/process.c backends/process.h
# --- end process driver ---

# --- docker-protocol and apple drivers ---
# Plugins (.so) loaded at run time; they reach berth only through struct
# berth_host and link jansson themselves. drv-util/drv-job are their own helpers.
DRV_COMMON_SOURCES = backends/drv-util.c backends/drv-util.h backends/drv-job.c backends/drv-job.h
backend_LTLIBRARIES += backends/docker.la
backends_docker_la_SOURCES = backends/docker.c \
	backends/docker-argv.c backends/docker-argv.h \
	backends/docker-parse.c backends/docker-parse.h $(DRV_COMMON_SOURCES)
backends_docker_la_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden
backends_docker_la_LDFLAGS = -module -avoid-version -shared
backends_docker_la_LIBADD = $(JANSSON_LIBS)

# Tests: unit tests compile the drivers' sources directly; the integration
# test drives the built plugin through the host against real Podman.
DRV_TEST_CPPFLAGS = $(AM_CPPFLAGS) -DBERTH_BUILDING $(CMOCKA_CFLAGS)
DRV_TEST_LDADD = libberth-internal.la $(BERTH_DEPS_LIBS) $(CMOCKA_LIBS)
check_PROGRAMS += tests/test_docker_podman
TESTS += tests/test_podman.sh
EXTRA_DIST += tests/test_podman.sh tests/lib/podman-env.sh tests/fixtures/backends
tests_test_docker_podman_SOURCES = tests/test_docker_podman.c
tests_test_docker_podman_CPPFLAGS = $(DRV_TEST_CPPFLAGS)
tests_test_docker_podman_LDADD = $(DRV_TEST_LDADD)
# --- end docker-protocol and apple drivers ---
