# compose/ (see the folder's files)
