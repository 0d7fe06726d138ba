/* Line splitter with a bounded buffer (see core/linebuf.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/linebuf.h"
#include "core/util.h"

/* Smallest buffer allocated once a partial line must be kept. */
#define LINEBUF_MIN_CAP 256

/* Initialises an empty splitter. */
void linebuf_init(struct linebuf *lb, size_t max)
{
    lb->buf = NULL;
    lb->len = 0;
    lb->cap = 0;
    lb->max = max ? max : 1;
}

/* Appends n bytes to the partial line; the caller keeps len + n <= max. */
static void linebuf_append(struct linebuf *lb, const char *data, size_t n)
{
    if (lb->len + n > lb->cap) {
        size_t cap = lb->cap ? lb->cap : LINEBUF_MIN_CAP;
        while (cap < lb->len + n)
            cap *= 2;
        if (cap > lb->max)
            cap = lb->max;
        lb->buf = xrealloc(lb->buf, cap);
        lb->cap = cap;
    }
    memcpy(lb->buf + lb->len, data, n);
    lb->len += n;
}

/*
 * A piece is flushed as incomplete only once a byte beyond max is known to
 * belong to the same line, so no empty or dangling incomplete piece is ever
 * emitted: a line of exactly max bytes arrives whole.
 */
bool linebuf_feed(struct linebuf *lb, const char *data, size_t len, linebuf_emit_fn emit, void *ctx)
{
    while (len > 0) {
        const char *nl = memchr(data, '\n', len);
        size_t seg = nl ? (size_t)(nl - data) : len;

        /* fast path: a whole line inside data, nothing pending */
        if (nl != NULL && lb->len == 0 && seg <= lb->max) {
            if (!emit(ctx, data, seg, true))
                return false;
            data += seg + 1;
            len -= seg + 1;
            continue;
        }
        while (seg > 0) {
            if (lb->len == lb->max) {
                /* full, and more of the same line follows */
                lb->len = 0;
                if (!emit(ctx, lb->buf, lb->max, false))
                    return false;
                continue;
            }
            if (lb->len == 0 && seg > lb->max) {
                /* a full piece straight from data: more follows in seg */
                if (!emit(ctx, data, lb->max, false))
                    return false;
                data += lb->max;
                len -= lb->max;
                seg -= lb->max;
                continue;
            }
            size_t n = lb->max - lb->len;
            if (n > seg)
                n = seg;
            linebuf_append(lb, data, n);
            data += n;
            len -= n;
            seg -= n;
        }
        if (nl == NULL)
            break;
        /* the newline ends the pending line */
        size_t n = lb->len;
        lb->len = 0;
        data++;
        len--;
        if (!emit(ctx, lb->buf ? lb->buf : "", n, true))
            return false;
    }
    return true;
}

/* Emits the last line when the input did not end with a newline. */
void linebuf_finish(struct linebuf *lb, linebuf_emit_fn emit, void *ctx)
{
    if (lb->len == 0)
        return;
    size_t n = lb->len;
    lb->len = 0;
    emit(ctx, lb->buf, n, true);
}

/* Bytes of the unfinished line. */
size_t linebuf_pending(const struct linebuf *lb)
{
    return lb->len;
}

/* Releases the buffer. */
void linebuf_free(struct linebuf *lb)
{
    free(lb->buf);
    lb->buf = NULL;
    lb->len = 0;
    lb->cap = 0;
}
