# plugins/ (see the folder's files)
