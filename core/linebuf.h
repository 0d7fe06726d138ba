/*
 * Line splitter for child output. Bytes go in as they arrive; whole lines
 * come out through a callback, without the '\n'. A line longer than max is
 * emitted in pieces of exactly max bytes with complete = false, and the
 * memory held never exceeds max bytes. Every other byte, '\r' included, is
 * passed through unchanged: berth shows output as the program wrote it
 * (docker logs output has no '\r'; a CRLF program keeps its '\r').
 */
#ifndef BERTH_CORE_LINEBUF_H
#define BERTH_CORE_LINEBUF_H

#include <stdbool.h>
#include <stddef.h>

/* Receives one line or piece; returns false to stop the current feed. */
typedef bool (*linebuf_emit_fn)(void *ctx, const char *line, size_t len, bool complete);

struct linebuf {
    char *buf;  /* the unfinished line so far */
    size_t len; /* bytes in buf */
    size_t cap; /* allocated size of buf, grows up to max */
    size_t max; /* longest piece emitted */
};

/* Initialises lb for pieces of at most max bytes (max > 0). Allocates nothing yet. */
void linebuf_init(struct linebuf *lb, size_t max);

/*
 * Splits data into lines. Lines wholly inside data are emitted from data
 * itself (no copy); the unfinished tail is kept. Returns false if emit asked
 * to stop (the rest of data is then dropped).
 */
bool linebuf_feed(struct linebuf *lb, const char *data, size_t len, linebuf_emit_fn emit,
                  void *ctx);

/* At end of input: emits the unfinished last line, if any, as complete. */
void linebuf_finish(struct linebuf *lb, linebuf_emit_fn emit, void *ctx);

/* Bytes currently held. */
size_t linebuf_pending(const struct linebuf *lb);

/* Frees the buffer (lb may be reused after linebuf_init). */
void linebuf_free(struct linebuf *lb);

#endif
