# cli/: the berth command, a thin client of libberth's public API.
bin_PROGRAMS += cli/berth
cli_berth_SOURCES = cli/main.c cli/cli.h cli/commands.c
cli_berth_LDADD = libberth.la $(BERTH_DEPS_LIBS) $(LIBEVENT_EXTRA_LIBS)
cli_berth_LDFLAGS = -static
cli_berth_SOURCES += cli/cmd_config.c
cli_berth_SOURCES += cli/cmd_backends.c
