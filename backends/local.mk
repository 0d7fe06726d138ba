# backends/ (see the folder's files)

# --- process driver ---
# Built into libberth (always available, registered by plugins/plugins.c).
libberth_internal_la_SOURCES += backends/process.c backends/process.h
# --- end process driver ---
