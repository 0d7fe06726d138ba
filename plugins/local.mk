# plugins/: the backend plugin host (loader, host services, op lifecycle, detection).
libberth_internal_la_SOURCES += \
	plugins/plugins-internal.h \
	plugins/plugins.c \
	plugins/config.c \
	plugins/host.c \
	plugins/backend.c \
	plugins/op.c \
	plugins/result.c \
	plugins/detect.c \
	plugins/names.c

# The plugin ABI is public: third-party drivers build against the installed headers.
pkginclude_HEADERS += include/berth/runtime.h include/berth/backend.h include/berth/spec.h

# plugins/example/: a third-party-style driver and broken plugins for the loader tests,
# compiled with ONLY the installed headers (staged into _inst by `make install`'s own rule).
EXAMPLE_PLUGINS = plugins/example/example.so plugins/example/bad-abi.so \
	plugins/example/no-entry.so plugins/example/bad-table.so
EXAMPLE_STAGE = $(abs_top_builddir)/plugins/example/_inst
check_SCRIPTS += $(EXAMPLE_PLUGINS)
CLEANFILES += $(EXAMPLE_PLUGINS) plugins/example/headers.stamp
EXTRA_DIST += $(EXAMPLE_PLUGINS:.so=.c)

plugins/example/headers.stamp: $(pkginclude_HEADERS)
	$(AM_V_GEN)rm -rf '$(EXAMPLE_STAGE)' && \
	$(MAKE) $(AM_MAKEFLAGS) install-pkgincludeHEADERS DESTDIR='$(EXAMPLE_STAGE)' >/dev/null && \
	$(MKDIR_P) plugins/example && touch $@

plugins/example/%.so: plugins/example/%.c plugins/example/headers.stamp
	$(AM_V_CC)$(CC) -std=c11 $(WARN_CFLAGS) -Werror -fPIC -shared \
		-I'$(EXAMPLE_STAGE)$(includedir)' -o $@ $<

clean-local: clean-plugins-example
clean-plugins-example:
	rm -rf '$(EXAMPLE_STAGE)'
.PHONY: clean-plugins-example

# Tests of the plugin host, the process driver and detection.
PLUGINS_TEST_CPPFLAGS = $(AM_CPPFLAGS) -DBERTH_BUILDING $(CMOCKA_CFLAGS)
PLUGINS_TEST_LDADD = libberth-internal.la $(BERTH_DEPS_LIBS) $(CMOCKA_LIBS)
check_PROGRAMS += tests/test_plugins tests/test_process_driver tests/test_detect
TESTS += tests/test_plugins tests/test_process_driver tests/test_detect

tests_test_plugins_SOURCES = tests/test_plugins.c
tests_test_plugins_CPPFLAGS = $(PLUGINS_TEST_CPPFLAGS)
tests_test_plugins_LDADD = $(PLUGINS_TEST_LDADD)

tests_test_process_driver_SOURCES = tests/test_process_driver.c
tests_test_process_driver_CPPFLAGS = $(PLUGINS_TEST_CPPFLAGS)
tests_test_process_driver_LDADD = $(PLUGINS_TEST_LDADD)

tests_test_detect_SOURCES = tests/test_detect.c tests/fake_probe.c tests/fake_probe.h
tests_test_detect_CPPFLAGS = $(PLUGINS_TEST_CPPFLAGS)
tests_test_detect_LDADD = $(PLUGINS_TEST_LDADD)

# --- container and image API, backend selection ---
# The single-container/image API (include/berth/container.h) runs on the plugin host,
# so it lives here: no compose knowledge (cleanup, which uses compose labels, is in compose/).
libberth_internal_la_SOURCES += \
	plugins/capi-internal.h plugins/capi.c \
	plugins/copy.c plugins/copy.h \
	plugins/select.c \
	plugins/container.c \
	plugins/image.c
pkginclude_HEADERS += include/berth/container.h
# --- end container and image API ---

# --- container API tests ---
CAPI_TEST_CPPFLAGS = $(AM_CPPFLAGS) -DBERTH_BUILDING $(CMOCKA_CFLAGS)
CAPI_TEST_LDADD = libberth-internal.la $(BERTH_DEPS_LIBS) $(CMOCKA_LIBS)
check_PROGRAMS += tests/test_container_api
TESTS += tests/test_container_api
tests_test_container_api_SOURCES = tests/test_container_api.c \
	tests/capi_helpers.c tests/capi_helpers.h
tests_test_container_api_CPPFLAGS = $(CAPI_TEST_CPPFLAGS)
tests_test_container_api_LDADD = $(CAPI_TEST_LDADD)
check_PROGRAMS += tests/test_select
TESTS += tests/test_select
tests_test_select_SOURCES = tests/test_select.c tests/capi_helpers.c tests/capi_helpers.h
tests_test_select_CPPFLAGS = $(CAPI_TEST_CPPFLAGS)
tests_test_select_LDADD = $(CAPI_TEST_LDADD)
# The same program against a real Podman (private storage; skipped without podman).
TESTS += tests/test_container_api_podman.sh
EXTRA_DIST += tests/test_container_api_podman.sh tests/lib/capi-podman.sh
# The container, image and doctor commands (cli/berth): fixture-backed shapes, the process
# backend, usage errors; then a real Podman (skipped without it).
TESTS += tests/cli_doctor.sh tests/cli_container.sh tests/cli_container_podman.sh
EXTRA_DIST += tests/cli_doctor.sh tests/cli_container.sh tests/cli_container_podman.sh
# --- end container API tests ---

# --- image verification (cosign) and sandbox runs ---
libberth_internal_la_SOURCES += \
	plugins/imgref.c plugins/imgref.h \
	plugins/verify-internal.h plugins/verify-op.h \
	plugins/verify-policy.c plugins/verify-cache.c plugins/verify.c \
	plugins/sandbox-internal.h plugins/sandbox-spec.c plugins/sandbox.c
pkginclude_HEADERS += include/berth/verify.h include/berth/sandbox.h
dist_pkgdata_DATA += data/seccomp-sandbox.json
VERIFY_TEST_CPPFLAGS = $(AM_CPPFLAGS) -DBERTH_BUILDING $(CMOCKA_CFLAGS)
VERIFY_TEST_LDADD = libberth-internal.la $(BERTH_DEPS_LIBS) $(CMOCKA_LIBS)
check_PROGRAMS += tests/test_verify
TESTS += tests/test_verify
tests_test_verify_SOURCES = tests/test_verify.c tests/verify_fake.c tests/verify_fake.h
tests_test_verify_CPPFLAGS = $(VERIFY_TEST_CPPFLAGS)
tests_test_verify_LDADD = $(VERIFY_TEST_LDADD)
check_PROGRAMS += tests/test_verify_compose
TESTS += tests/test_verify_compose
tests_test_verify_compose_SOURCES = tests/test_verify_compose.c tests/verify_fake.c \
	tests/verify_fake.h tests/test_engine_harness.c tests/engine_harness.h
tests_test_verify_compose_CPPFLAGS = $(VERIFY_TEST_CPPFLAGS)
tests_test_verify_compose_LDADD = $(VERIFY_TEST_LDADD)
check_PROGRAMS += tests/test_sandbox
TESTS += tests/test_sandbox
tests_test_sandbox_SOURCES = tests/test_sandbox.c tests/verify_fake.c tests/verify_fake.h
tests_test_sandbox_CPPFLAGS = $(VERIFY_TEST_CPPFLAGS)
tests_test_sandbox_LDADD = $(VERIFY_TEST_LDADD)
# Sandbox runs on a real Podman (skipped without podman).
TESTS += tests/test_sandbox_podman.sh
EXTRA_DIST += tests/fake-cosign tests/test_sandbox_podman.sh
# --- end image verification and sandbox runs ---
