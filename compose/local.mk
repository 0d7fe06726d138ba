# compose/ (see the folder's files)

# --- engine ---
pkginclude_HEADERS += include/berth/compose.h
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
# --- end loader ---
