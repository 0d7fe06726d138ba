# cli/: the berth command, a thin client of libberth's public API.
bin_PROGRAMS += cli/berth
cli_berth_SOURCES = cli/main.c cli/cli.h cli/commands.c
cli_berth_LDADD = libberth.la $(BERTH_DEPS_LIBS) $(LIBEVENT_EXTRA_LIBS)
cli_berth_LDFLAGS = -static
cli_berth_SOURCES += cli/cmd_config.c

# --- compose commands (docker compose compatible) ---
cli_berth_SOURCES += cli/cli.c cli/heap.c
cli_berth_SOURCES += cli/flags.c cli/flags.h cli/args.c cli/args.h \
	cli/format.c cli/format.h cli/table.c cli/table.h cli/logview.c cli/logview.h \
	cli/progress.c cli/progress.h cli/project.c cli/project.h cli/ctrs.c cli/ctrs.h
cli_berth_SOURCES += cli/cmd_up.c cli/cmd_down.c cli/cmd_ps.c cli/cmd_logs.c cli/cmd_start.c \
	cli/cmd_stop.c cli/cmd_restart.c cli/cmd_kill.c cli/cmd_rm.c cli/cmd_exec.c cli/cmd_run.c \
	cli/cmd_pull.c cli/cmd_images.c cli/cmd_port.c cli/cmd_top.c cli/cmd_events.c \
	cli/cmd_wait.c cli/cmd_ls.c
# --- end compose commands ---
cli_berth_SOURCES += cli/cmd_backends.c

# --- cli unit tests (pure parts: flags, formats, tables, log prefixes, progress) ---
CLI_TEST_CPPFLAGS = $(AM_CPPFLAGS) $(CMOCKA_CFLAGS)
CLI_TEST_LDADD = libberth-internal.la $(BERTH_DEPS_LIBS) $(CMOCKA_LIBS)
check_PROGRAMS += tests/test_cli_flags tests/test_cli_format tests/test_cli_logview \
	tests/test_cli_progress
TESTS += tests/test_cli_flags tests/test_cli_format tests/test_cli_logview \
	tests/test_cli_progress
tests_test_cli_flags_SOURCES = tests/test_cli_flags.c cli/flags.c cli/cli.c
tests_test_cli_flags_CPPFLAGS = $(CLI_TEST_CPPFLAGS)
tests_test_cli_flags_LDADD = $(CLI_TEST_LDADD)
tests_test_cli_format_SOURCES = tests/test_cli_format.c cli/format.c cli/table.c
tests_test_cli_format_CPPFLAGS = $(CLI_TEST_CPPFLAGS)
tests_test_cli_format_LDADD = $(CLI_TEST_LDADD)
tests_test_cli_logview_SOURCES = tests/test_cli_logview.c cli/logview.c
tests_test_cli_logview_CPPFLAGS = $(CLI_TEST_CPPFLAGS)
tests_test_cli_logview_LDADD = $(CLI_TEST_LDADD)
tests_test_cli_progress_SOURCES = tests/test_cli_progress.c cli/progress.c cli/table.c
tests_test_cli_progress_CPPFLAGS = $(CLI_TEST_CPPFLAGS)
tests_test_cli_progress_LDADD = $(CLI_TEST_LDADD)
# --- end cli unit tests ---

# --- cli end-to-end tests (process backend, tmux, embed example, podman) ---
TESTS += tests/cli_process.sh tests/cli_tmux.sh tests/cli_embed.sh tests/cli_podman.sh
EXTRA_DIST += tests/cli_lib.sh tests/cli_process.sh tests/cli_tmux.sh tests/cli_embed.sh \
	tests/cli_podman.sh
# --- end cli end-to-end tests ---

# --- verify and sandbox commands ---
cli_berth_SOURCES += cli/cmd_verify.c cli/cmd_sandbox.c
# --- end verify and sandbox commands ---

# --- container, image, doctor commands (container API) ---
cli_berth_SOURCES += cli/ccli.c cli/ccli.h cli/cmd_container.c cli/cmd_image.c \
	cli/cmd_doctor.c cli/cleanup-report.c
# --- end container, image, doctor commands ---
