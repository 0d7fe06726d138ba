/*
 * Column tables printed like docker's tabwriter (minimum cell width 10,
 * padding 3, the last column unpadded), widths counted in characters of
 * UTF-8 text.
 */
#ifndef BERTH_CLI_TABLE_H
#define BERTH_CLI_TABLE_H

#include <stddef.h>
#include <stdio.h>

struct table;

/* A table of ncols columns whose first row is the header (NULL: no header). */
struct table *table_new(size_t ncols, const char *const *header);

/* Appends a row of ncols cells (copied; NULL is printed as ""). */
void table_add(struct table *t, const char *const *cells);

/* Number of rows added, the header excluded. */
size_t table_rows(const struct table *t);

/* Prints the table. */
void table_print(const struct table *t, FILE *out);

/* Frees the table (NULL is fine). */
void table_free(struct table *t);

/* Characters of UTF-8 text s (continuation bytes are not counted). */
size_t table_width(const char *s);

#endif
