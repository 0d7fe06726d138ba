/* Column tables in docker's tabwriter layout (see cli/table.h). */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli/table.h"

#define TABLE_MIN_WIDTH 10
#define TABLE_PADDING 3

struct table {
    size_t ncols;
    char **cells; /* rows * ncols, row-major; row 0 is the header when has_header */
    size_t nrows, cap;
    bool has_header;
};

/* Allocates or aborts: the CLI cannot go on without memory. */
static void *table_alloc(void *p, size_t n)
{
    p = realloc(p, n);
    if (p == NULL)
        abort();
    return p;
}

/* Copies s ("" for NULL) or aborts. */
static char *table_strdup(const char *s)
{
    size_t n = strlen(s != NULL ? s : "") + 1;
    char *d = table_alloc(NULL, n);
    memcpy(d, s != NULL ? s : "", n);
    return d;
}

/* Creates a table, with its header row when given. */
struct table *table_new(size_t ncols, const char *const *header)
{
    struct table *t = table_alloc(NULL, sizeof(*t));
    *t = (struct table){.ncols = ncols};
    if (header != NULL) {
        table_add(t, header);
        t->has_header = true;
    }
    return t;
}

/* Appends a copy of a row. */
void table_add(struct table *t, const char *const *cells)
{
    if (t->nrows == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 8;
        t->cells = table_alloc(t->cells, t->cap * t->ncols * sizeof(*t->cells));
    }
    for (size_t c = 0; c < t->ncols; c++)
        t->cells[t->nrows * t->ncols + c] = table_strdup(cells[c]);
    t->nrows++;
}

/* Rows without the header. */
size_t table_rows(const struct table *t)
{
    return t->nrows - (t->has_header ? 1 : 0);
}

/* Counts UTF-8 characters (bytes that are not continuation bytes). */
size_t table_width(const char *s)
{
    size_t n = 0;
    for (; *s != '\0'; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

/* Prints every row, each column padded to its widest cell plus the padding. */
void table_print(const struct table *t, FILE *out)
{
    size_t *w = table_alloc(NULL, (t->ncols ? t->ncols : 1) * sizeof(*w));
    for (size_t c = 0; c < t->ncols; c++) {
        w[c] = 0;
        for (size_t r = 0; r < t->nrows; r++) {
            size_t n = table_width(t->cells[r * t->ncols + c]);
            if (n > w[c])
                w[c] = n;
        }
        w[c] += TABLE_PADDING;
        if (w[c] < TABLE_MIN_WIDTH)
            w[c] = TABLE_MIN_WIDTH;
    }
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            const char *cell = t->cells[r * t->ncols + c];
            fputs(cell, out);
            if (c + 1 < t->ncols)
                fprintf(out, "%*s", (int)(w[c] - table_width(cell)), "");
        }
        fputc('\n', out);
    }
    free(w);
}

/* Frees the cells and the table. */
void table_free(struct table *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t);
}
