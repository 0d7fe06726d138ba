# tests/ (see the folder's files)
