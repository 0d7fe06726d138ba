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
