# core/: error type, engine, timers, process supervision, platform shims.
noinst_LTLIBRARIES += libberth-internal.la
libberth_internal_la_SOURCES = \
	core/util.c core/util.h \
	core/error.c \
	core/engine.c core/engine-internal.h \
	core/timer.c \
	core/proc.c core/proc-internal.h \
	core/linebuf.c core/linebuf.h \
	core/pidfd.c core/pidfd.h \
	core/pipe.c core/pipe.h \
	core/fds.c core/fds.h
libberth_internal_la_CPPFLAGS = $(AM_CPPFLAGS) -DBERTH_BUILDING
libberth_internal_la_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden
libberth_internal_la_LIBADD = $(BERTH_DEPS_LIBS)

lib_LTLIBRARIES += libberth.la
libberth_la_SOURCES =
EXTRA_libberth_la_SOURCES = core/dummy.c
libberth_la_LIBADD = libberth-internal.la $(BERTH_DEPS_LIBS)
libberth_la_LDFLAGS = -version-info 0:0:0 -no-undefined

pkginclude_HEADERS += \
	include/berth/common.h include/berth/error.h include/berth/proc.h \
	include/berth/timer.h include/berth/berth.h
