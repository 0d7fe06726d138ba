# tests/: unit tests of core/ (cmocka), and the child program test_proc runs.
CORE_TEST_CPPFLAGS = $(AM_CPPFLAGS) -DBERTH_BUILDING $(CMOCKA_CFLAGS)
CORE_TEST_LDADD = libberth-internal.la $(BERTH_DEPS_LIBS) $(CMOCKA_LIBS)

check_PROGRAMS += tests/test_error tests/test_timer tests/test_engine tests/test_linebuf \
	tests/test_proc tests/helper_child
TESTS += tests/test_error tests/test_timer tests/test_engine tests/test_linebuf tests/test_proc

tests_test_error_SOURCES = tests/test_error.c
tests_test_error_CPPFLAGS = $(CORE_TEST_CPPFLAGS)
tests_test_error_LDADD = $(CORE_TEST_LDADD)

tests_test_timer_SOURCES = tests/test_timer.c
tests_test_timer_CPPFLAGS = $(CORE_TEST_CPPFLAGS)
tests_test_timer_LDADD = $(CORE_TEST_LDADD)

tests_test_engine_SOURCES = tests/test_engine.c
tests_test_engine_CPPFLAGS = $(CORE_TEST_CPPFLAGS)
tests_test_engine_LDADD = $(CORE_TEST_LDADD)

tests_test_linebuf_SOURCES = tests/test_linebuf.c
tests_test_linebuf_CPPFLAGS = $(CORE_TEST_CPPFLAGS)
tests_test_linebuf_LDADD = $(CORE_TEST_LDADD)

tests_test_proc_SOURCES = tests/test_proc.c tests/helper_gen.h
tests_test_proc_CPPFLAGS = $(CORE_TEST_CPPFLAGS)
tests_test_proc_LDADD = $(CORE_TEST_LDADD)

# A plain libc program (no libberth): the child test_proc spawns. Built
# without sanitizers: their start-up cost per exec would dominate the suite.
tests_helper_child_SOURCES = tests/helper_child.c tests/helper_gen.h
tests_helper_child_CFLAGS = -std=c11 $(WARN_CFLAGS)
tests_helper_child_LDFLAGS =
