# examples/ (see the folder's files)
