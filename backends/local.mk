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
backend_LTLIBRARIES += backends/apple.la
backends_apple_la_SOURCES = backends/apple.c \
	backends/apple-argv.c backends/apple-argv.h \
	backends/apple-parse.c backends/apple-parse.h $(DRV_COMMON_SOURCES)
backends_apple_la_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden
backends_apple_la_LDFLAGS = -module -avoid-version -shared
backends_apple_la_LIBADD = $(JANSSON_LIBS)

# Tests: unit tests compile the drivers' sources directly; the integration
# test drives the built plugin through the host against real Podman.
DRV_TEST_CPPFLAGS = $(AM_CPPFLAGS) -DBERTH_BUILDING $(CMOCKA_CFLAGS)
DRV_TEST_LDADD = libberth-internal.la $(BERTH_DEPS_LIBS) $(CMOCKA_LIBS)
DRV_DOCKER_SOURCES = backends/docker-argv.c backends/docker-parse.c backends/drv-util.c
check_PROGRAMS += tests/test_docker_argv tests/test_docker_parse tests/test_apple \
	tests/test_docker_podman
TESTS += tests/test_docker_argv tests/test_docker_parse tests/test_apple tests/test_podman.sh
tests_test_apple_SOURCES = tests/test_apple.c tests/drv-test-host.h \
	backends/apple-argv.c backends/apple-parse.c backends/drv-util.c
tests_test_apple_CPPFLAGS = $(DRV_TEST_CPPFLAGS)
tests_test_apple_LDADD = $(DRV_TEST_LDADD)
tests_test_docker_argv_SOURCES = tests/test_docker_argv.c tests/drv-test-host.h \
	$(DRV_DOCKER_SOURCES)
tests_test_docker_argv_CPPFLAGS = $(DRV_TEST_CPPFLAGS)
tests_test_docker_argv_LDADD = $(DRV_TEST_LDADD)
tests_test_docker_parse_SOURCES = tests/test_docker_parse.c tests/drv-test-host.h \
	$(DRV_DOCKER_SOURCES)
tests_test_docker_parse_CPPFLAGS = $(DRV_TEST_CPPFLAGS)
tests_test_docker_parse_LDADD = $(DRV_TEST_LDADD)
EXTRA_DIST += tests/test_podman.sh tests/lib/podman-env.sh tests/fixtures/backends
tests_test_docker_podman_SOURCES = tests/test_docker_podman.c
tests_test_docker_podman_CPPFLAGS = $(DRV_TEST_CPPFLAGS)
tests_test_docker_podman_LDADD = $(DRV_TEST_LDADD)
# --- end docker-protocol and apple drivers ---
