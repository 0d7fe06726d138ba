# examples/ (see the folder's files)

# --- embed: libberth on the program's own loop, state served over HTTP (evhttp) ---
noinst_PROGRAMS += examples/embed/berth-embed
examples_embed_berth_embed_SOURCES = examples/embed/embed.c
examples_embed_berth_embed_LDADD = libberth.la $(BERTH_DEPS_LIBS) $(LIBEVENT_EXTRA_LIBS)
EXTRA_DIST += examples/embed/README.md examples/embed/compose.yaml \
	examples/demo/README.md examples/demo/compose.yaml examples/demo/compose.podman.yaml \
	examples/demo/run.sh examples/demo/www/index.html
# --- end embed ---
