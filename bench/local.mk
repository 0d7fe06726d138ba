# bench/ (see the folder's files)
