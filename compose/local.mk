# compose/ (see the folder's files)

# --- engine ---
pkginclude_HEADERS += include/berth/compose.h
libberth_internal_la_SOURCES += \
	compose/engine-internal.h \
	compose/engine.c compose/engine-model.c compose/eop.c \
	compose/graph.c compose/graph.h \
	compose/service.c compose/health.c compose/health.h \
	compose/restart.c compose/restart.h \
	compose/resources.c compose/resources.h compose/batch.c compose/batch.h \
	compose/images.c compose/images.h \
	compose/labels.c compose/labels.h \
	compose/kvlist.c compose/kvlist.h \
	compose/spec-build.c compose/spec-build.h \
	compose/preflight.c compose/preflight.h \
	compose/compose.c compose/compose-project.c compose/compose-up.c \
	compose/compose-down.c compose/compose-ctl.c compose/compose-ps.c \
	compose/compose-exec.c compose/compose-pull.c compose/compose-wait.c
ENGINE_TEST_CPPFLAGS = $(AM_CPPFLAGS) -DBERTH_BUILDING $(CMOCKA_CFLAGS)
ENGINE_TEST_LDADD = libberth-internal.la $(BERTH_DEPS_LIBS) $(CMOCKA_LIBS)
check_PROGRAMS += tests/test_engine_fake
TESTS += tests/test_engine_fake
tests_test_engine_fake_SOURCES = tests/test_engine_fake.c \
	tests/test_engine_harness.c tests/engine_harness.h
tests_test_engine_fake_CPPFLAGS = $(ENGINE_TEST_CPPFLAGS)
tests_test_engine_fake_LDADD = $(ENGINE_TEST_LDADD)
check_PROGRAMS += tests/test_engine_process
TESTS += tests/test_engine_process
tests_test_engine_process_SOURCES = tests/test_engine_process.c \
	tests/test_engine_harness.c tests/engine_harness.h
tests_test_engine_process_CPPFLAGS = $(ENGINE_TEST_CPPFLAGS)
tests_test_engine_process_LDADD = $(ENGINE_TEST_LDADD)
check_PROGRAMS += tests/test_engine_spec
TESTS += tests/test_engine_spec
tests_test_engine_spec_SOURCES = tests/test_engine_spec.c \
	tests/test_engine_harness.c tests/engine_harness.h
tests_test_engine_spec_CPPFLAGS = $(ENGINE_TEST_CPPFLAGS)
tests_test_engine_spec_LDADD = $(ENGINE_TEST_LDADD)
# --- end engine ---

# --- loader ---
libberth_internal_la_SOURCES += \
	compose/strmap.c compose/strmap.h \
	compose/diag.c compose/diag.h \
	compose/yaml.c compose/yaml.h \
	compose/paths.c compose/paths.h \
	compose/vars.c compose/vars.h \
	compose/merge.c compose/merge.h \
	compose/loader.c compose/loader.h \
	compose/extends.c compose/extends.h \
	compose/include.c compose/include.h \
	compose/profiles.c compose/profiles.h \
	compose/syntax.c compose/syntax.h \
	compose/schema.c compose/schema.h \
	compose/normalize.c compose/normalize.h \
	compose/validate.c compose/validate.h \
	compose/hash.c compose/hash.h \
	compose/emit.c compose/emit.h \
	compose/project.c compose/project-internal.h
pkginclude_HEADERS += include/berth/project.h

LOADER_TEST_CPPFLAGS = $(AM_CPPFLAGS) -DBERTH_BUILDING $(CMOCKA_CFLAGS)
LOADER_TEST_LDADD = libberth-internal.la $(BERTH_DEPS_LIBS) $(CMOCKA_LIBS)
LOADER_TESTS = tests/test_yaml tests/test_merge tests/test_normalize tests/test_emit tests/test_validate tests/test_profiles tests/test_extends tests/test_include tests/test_project tests/test_fixtures
check_PROGRAMS += $(LOADER_TESTS)
TESTS += $(LOADER_TESTS)
noinst_HEADERS += tests/compose_test.h
tests_test_yaml_SOURCES = tests/test_yaml.c
tests_test_yaml_CPPFLAGS = $(LOADER_TEST_CPPFLAGS)
tests_test_yaml_LDADD = $(LOADER_TEST_LDADD)
tests_test_merge_SOURCES = tests/test_merge.c
tests_test_merge_CPPFLAGS = $(LOADER_TEST_CPPFLAGS)
tests_test_merge_LDADD = $(LOADER_TEST_LDADD)
tests_test_normalize_SOURCES = tests/test_normalize.c
tests_test_normalize_CPPFLAGS = $(LOADER_TEST_CPPFLAGS)
tests_test_normalize_LDADD = $(LOADER_TEST_LDADD)
tests_test_emit_SOURCES = tests/test_emit.c
tests_test_emit_CPPFLAGS = $(LOADER_TEST_CPPFLAGS)
tests_test_emit_LDADD = $(LOADER_TEST_LDADD)
tests_test_validate_SOURCES = tests/test_validate.c
tests_test_validate_CPPFLAGS = $(LOADER_TEST_CPPFLAGS)
tests_test_validate_LDADD = $(LOADER_TEST_LDADD)
tests_test_profiles_SOURCES = tests/test_profiles.c
tests_test_profiles_CPPFLAGS = $(LOADER_TEST_CPPFLAGS)
tests_test_profiles_LDADD = $(LOADER_TEST_LDADD)
tests_test_extends_SOURCES = tests/test_extends.c
tests_test_extends_CPPFLAGS = $(LOADER_TEST_CPPFLAGS)
tests_test_extends_LDADD = $(LOADER_TEST_LDADD)
tests_test_include_SOURCES = tests/test_include.c
tests_test_include_CPPFLAGS = $(LOADER_TEST_CPPFLAGS)
tests_test_include_LDADD = $(LOADER_TEST_LDADD)
tests_test_project_SOURCES = tests/test_project.c
tests_test_project_CPPFLAGS = $(LOADER_TEST_CPPFLAGS)
tests_test_project_LDADD = $(LOADER_TEST_LDADD)
tests_test_fixtures_SOURCES = tests/test_fixtures.c
tests_test_fixtures_CPPFLAGS = $(LOADER_TEST_CPPFLAGS)
tests_test_fixtures_LDADD = $(LOADER_TEST_LDADD)
EXTRA_DIST += tests/fixtures/compose
# --- end loader ---

# --- interpolation and dotenv ---
libberth_internal_la_SOURCES += \
	compose/interp.c compose/interp.h \
	compose/dotenv.c compose/dotenv.h \
	compose/utf8.c compose/utf8.h
check_PROGRAMS += tests/test_interp tests/test_dotenv
TESTS += tests/test_interp tests/test_dotenv
tests_test_interp_SOURCES = tests/test_interp.c
tests_test_interp_CPPFLAGS = $(AM_CPPFLAGS) -DBERTH_BUILDING
tests_test_interp_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_interp_LDADD = libberth-internal.la $(BERTH_DEPS_LIBS) $(CMOCKA_LIBS)
tests_test_dotenv_SOURCES = tests/test_dotenv.c
tests_test_dotenv_CPPFLAGS = $(AM_CPPFLAGS) -DBERTH_BUILDING
tests_test_dotenv_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_dotenv_LDADD = libberth-internal.la $(BERTH_DEPS_LIBS) $(CMOCKA_LIBS)
# --- end interpolation and dotenv ---

# --- cleanup by compose label (container API) ---
libberth_internal_la_SOURCES += compose/cleanup.c
check_PROGRAMS += tests/test_cleanup
TESTS += tests/test_cleanup tests/test_cleanup_podman.sh
EXTRA_DIST += tests/test_cleanup_podman.sh
tests_test_cleanup_SOURCES = tests/test_cleanup.c tests/capi_helpers.c tests/capi_helpers.h
tests_test_cleanup_CPPFLAGS = $(AM_CPPFLAGS) -DBERTH_BUILDING $(CMOCKA_CFLAGS)
tests_test_cleanup_LDADD = libberth-internal.la $(BERTH_DEPS_LIBS) $(CMOCKA_LIBS)
# --- end cleanup ---

# --- image verification in the compose engine (x-berth.verify, hook before create) ---
libberth_internal_la_SOURCES += compose/verify-model.c compose/verify-model.h
# --- end image verification ---
