# backends/ (see the folder's files)
