# compose/ (see the folder's files)

# --- engine ---
pkginclude_HEADERS += include/berth/compose.h
# --- end engine ---
