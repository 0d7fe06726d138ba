/*
 * .env / env_file parser, following compose-go's dotenv package (what docker
 * compose runs) statement by statement:
 *
 * - a UTF-8 byte-order mark at the start is skipped;
 * - blank space (any Unicode White_Space, newlines included) and comments
 *   ('#' as the first non-blank character) between statements are skipped;
 * - "export" followed by blank space is dropped in front of a key;
 * - the key runs to '=', ':' (YAML style) or the end of the line; it may hold
 *   Unicode letters and numbers, '_', '.', '-', '[' and ']'; blanks around it
 *   are dropped, blanks inside it are an error ("key cannot contain a space");
 * - a key alone on its line is inherited: the value lookup gives, else null;
 * - after '=' or ':' blanks (not newlines) are skipped, then the value is
 *   - unquoted: the rest of the line, cut at the first " #", trailing Unicode
 *     blanks dropped, then interpolated;
 *   - '...' or "...": up to the matching quote, which a backslash escapes (the
 *     backslash is then dropped; before any other character it stays); may
 *     span lines. "..." then gets the escapes \a \b \f \n \r \t \v \\ \" \$
 *     and \0 with three octal digits (\0123 is "S"; any other backslash stays
 *     as written) and is interpolated; '...' is taken as it is. Whatever
 *     follows the closing quote is read as the next statement (so a " # c"
 *     comment there is skipped).
 * - interpolation (compose/interp.c) looks names up through `lookup` first,
 *   then among the keys already in `out` (earlier in this file, or earlier
 *   files); \$ and $$ give a literal $.
 *
 * Where compose-go silently produces a broken key, this parser reports an
 * error or does the evident thing instead: a key with no '=' at the very end
 * of the input (no newline) is inherited like any bare key (compose-go stores
 * it as the value of an empty key); an empty key ("=value") and blanks other
 * than ' ' inside a key (tab, U+00A0) are errors (compose-go keeps them); a
 * value holding a NUL byte or invalid UTF-8 is an error (environment
 * variables cannot carry NUL, and JSON needs UTF-8); an unterminated quote is
 * reported on the line where the value starts.
 *
 * raw = true follows the `raw` env_file format of docker compose (docker run
 * --env-file): line by line, a trailing '\r' dropped, leading blanks
 * dropped, blank lines and '#' lines skipped, KEY=VALUE with the value kept
 * byte for byte (no quotes, escapes, comments or interpolation), a bare KEY
 * inherited; a key with a space or tab, an empty key, or a line that is not
 * UTF-8 is an error.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose/dotenv.h"
#include "compose/utf8.h"
#include "core/util.h"

/* A file larger than this is refused rather than read into memory. */
#define DOTENV_MAX_FILE (64u * 1024 * 1024)

/* One parse: the input, the position, the current line and where results go. */
struct dotenv {
    const char *s;
    size_t n;
    const char *filename;
    interp_lookup_fn lookup;
    void *user;
    json_t *out;
    struct berth_error **err;
    size_t line_pos; /* line counting has reached this offset */
    int line;        /* 1-based line of line_pos */
};

/* The 1-based line of offset pos (pos never moves backwards between calls). */
static int dotenv_line_at(struct dotenv *d, size_t pos)
{
    while (d->line_pos < pos) {
        const char *nl = memchr(d->s + d->line_pos, '\n', pos - d->line_pos);
        if (nl == NULL) {
            d->line_pos = pos;
            break;
        }
        d->line++;
        d->line_pos = (size_t)(nl - d->s) + 1;
    }
    return d->line;
}

/* Sets a BERTH_E_PARSE error "FILE:LINE: <message>" and returns -1. */
static int dotenv_fail(struct dotenv *d, int line, const char *hint, const char *fmt, ...)
    BERTH_PRINTF(4, 5);
static int dotenv_fail(struct dotenv *d, int line, const char *hint, const char *fmt, ...)
{
    if (d->err == NULL || *d->err != NULL)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    berth_error_set(d->err, BERTH_E_PARSE, 0, "%s:%d: %s", d->filename, line, msg);
    if (hint != NULL)
        berth_error_set_hint(*d->err, "%s", hint);
    free(msg);
    return -1;
}

/* compose-go's isSpace: blanks that are not line breaks. */
static bool is_blank(uint32_t cp)
{
    switch (cp) {
    case '\t': case '\v': case '\f': case '\r': case ' ': case 0x85: case 0xA0:
        return true;
    default:
        return false;
    }
}

/* Characters allowed in a key besides Unicode letters and numbers. */
static bool key_punct(uint32_t cp)
{
    return cp == '_' || cp == '.' || cp == '-' || cp == '[' || cp == ']';
}

/* Skips blanks (not newlines) from pos; returns the new position. */
static size_t skip_blanks(const char *s, size_t n, size_t pos)
{
    while (pos < n) {
        size_t w;
        if (!is_blank(utf8_decode(s + pos, n - pos, &w)))
            break;
        pos += w;
    }
    return pos;
}

/* Skips Unicode White_Space (newlines too); returns the new position. */
static size_t skip_space(const char *s, size_t n, size_t pos)
{
    while (pos < n) {
        size_t w;
        if (!utf8_is_space(utf8_decode(s + pos, n - pos, &w)))
            break;
        pos += w;
    }
    return pos;
}

/* Length of s[0..n) without trailing Unicode White_Space. */
static size_t trim_right_space(const char *s, size_t n)
{
    while (n > 0) {
        size_t w;
        if (!utf8_is_space(utf8_decode_last(s, n, &w)))
            break;
        n -= w;
    }
    return n;
}

/* True if s[0..n) holds a blank of any kind (the key check). */
static bool has_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t w;
        if (utf8_is_space(utf8_decode(s + i, n - i, &w)))
            return true;
        i += w;
    }
    return false;
}

/* Lookup for interpolation inside values: the caller's lookup, then keys already parsed. */
static const char *dotenv_lookup(const char *name, void *user)
{
    struct dotenv *d = user;
    if (d->lookup != NULL) {
        const char *v = d->lookup(name, d->user);
        if (v != NULL)
            return v;
    }
    return json_string_value(json_object_get(d->out, name));
}

/* Stores key = value (value[0..len)), after checking the value is a valid string. */
static int dotenv_store(struct dotenv *d, int line, const char *key, const char *value, size_t len)
{
    if (memchr(value, '\0', len) != NULL)
        return dotenv_fail(d, line, "environment variables cannot hold NUL characters",
                           "value of %s contains a NUL character", key);
    if (!utf8_valid(value, len))
        return dotenv_fail(d, line, "save the file as UTF-8",
                           "value of %s is not valid UTF-8", key);
    json_t *v = json_stringn(value, len);
    if (v == NULL)
        abort(); /* jansson fails here only on out-of-memory */
    json_object_set_new(d->out, key, v);
    return 0;
}

/* An inherited key: its value from lookup, else null. */
static int dotenv_inherit(struct dotenv *d, int line, const char *key)
{
    const char *v = d->lookup ? d->lookup(key, d->user) : NULL;
    if (v != NULL)
        return dotenv_store(d, line, key, v, strlen(v));
    json_object_set_new(d->out, key, json_null());
    return 0;
}

/*
 * compose-go's expandEscapes over a double-quoted value: \a \b \f \n \r \t
 * \v \\ \" become their characters, \$ becomes $$ (a literal $ for the
 * interpolation that follows), \0 plus exactly three octal digits up to \0377
 * becomes that code point (UTF-8 encoded); \c, \0 with fewer or non-octal
 * digits, and any other backslash stay as written.
 */
static char *expand_escapes(const char *s, size_t n, size_t *out_len)
{
    char *o = xmalloc(n * 2 + 1);
    size_t len = 0;
    size_t i = 0;
    while (i < n) {
        if (s[i] != '\\' || i + 1 >= n) {
            o[len++] = s[i++];
            continue;
        }
        char c = s[i + 1];
        const char *simple = strchr("abfnrtv\\\"", c);
        if (c != '\0' && simple != NULL) {
            static const char map[] = "\a\b\f\n\r\t\v\\\"";
            o[len++] = map[simple - "abfnrtv\\\""];
            i += 2;
        } else if (c == '$') {
            o[len++] = '$';
            o[len++] = '$';
            i += 2;
        } else if (c == 'c') {
            o[len++] = '\\'; /* matched by compose-go's pattern, but not a Go escape */
            o[len++] = 'c';
            i += 2;
        } else if (c == '0') {
            size_t k = 0; /* the digits after \0, at most three, as the pattern takes them */
            while (k < 3 && i + 2 + k < n && s[i + 2 + k] >= '0' && s[i + 2 + k] <= '9')
                k++;
            const char *dg = s + i + 2;
            bool octal = k == 3 && dg[0] <= '7' && dg[1] <= '7' && dg[2] <= '7';
            unsigned v = octal ? (unsigned)((dg[0] - '0') * 64 + (dg[1] - '0') * 8 + (dg[2] - '0')) : 0;
            if (octal && v <= 255) {
                len += utf8_encode(v, o + len);
            } else {
                memcpy(o + len, s + i, 2 + k);
                len += 2 + k;
            }
            i += 2 + k;
        } else {
            o[len++] = s[i++];
        }
    }
    o[len] = '\0';
    *out_len = len;
    return o;
}

/* Interpolates v[0..n) and stores it under key; errors get FILE:LINE. */
static int dotenv_expand_store(struct dotenv *d, int line, const char *key, const char *v, size_t n)
{
    size_t len;
    char *val = interp_expand_len(v, n, dotenv_lookup, d, &len, d->err);
    if (val == NULL)
        return berth_error_wrap(d->err, "%s:%d: value of %s", d->filename, line, key);
    int rc = dotenv_store(d, line, key, val, len);
    free(val);
    return rc;
}

/*
 * Parses the value of key at pos (just after '=' or ':' and its blanks);
 * returns the position after it, or (size_t)-1 on error.
 */
static size_t dotenv_value(struct dotenv *d, int line, const char *key, size_t pos)
{
    const char *s = d->s;
    size_t n = d->n;
    if (pos >= n || (s[pos] != '"' && s[pos] != '\'')) {
        const char *nl = memchr(s + pos, '\n', n - pos);
        size_t end = nl ? (size_t)(nl - s) : n;
        size_t vlen = end - pos;
        for (size_t j = 0; j + 1 < vlen; j++) { /* an inline comment starts at " #" */
            if (s[pos + j] == ' ' && s[pos + j + 1] == '#') {
                vlen = j;
                break;
            }
        }
        vlen = trim_right_space(s + pos, vlen);
        if (dotenv_expand_store(d, line, key, s + pos, vlen) < 0)
            return (size_t)-1;
        return nl ? end + 1 : end;
    }

    char quote = s[pos];
    char *raw = xmalloc(n - pos + 1);
    size_t rl = 0;
    bool esc = false;
    size_t i;
    for (i = pos + 1; i < n; i++) {
        char c = s[i];
        if (esc) {
            esc = false;
            if (c != quote) /* only an escaped quote loses its backslash here */
                raw[rl++] = '\\';
            raw[rl++] = c;
        } else if (c == '\\') {
            esc = true;
        } else if (c == quote) {
            break;
        } else {
            raw[rl++] = c;
        }
    }
    if (i >= n) {
        free(raw);
        const char *nl = memchr(s + pos, '\n', n - pos);
        size_t shown = nl ? (size_t)(nl - (s + pos)) : n - pos;
        char *q = utf8_quote(s + pos, shown, UTF8_QUOTE_MAX);
        dotenv_fail(d, line, "end the value with the same quote it starts with (a quote inside is written \\\" or \\')",
                    "unterminated quoted value for %s: %s", key, q);
        free(q);
        return (size_t)-1;
    }
    int rc;
    if (quote == '"') {
        size_t el;
        char *e = expand_escapes(raw, rl, &el);
        rc = dotenv_expand_store(d, line, key, e, el);
        free(e);
    } else {
        rc = dotenv_store(d, line, key, raw, rl);
    }
    free(raw);
    return rc < 0 ? (size_t)-1 : i + 1;
}

/* Parses one statement (a key and maybe a value) at pos; returns the next position or -1. */
static size_t dotenv_statement(struct dotenv *d, size_t pos)
{
    const char *s = d->s;
    size_t n = d->n;
    int line = dotenv_line_at(d, pos);

    /* "export" and at least one of \t \n \f \r ' ' (Go's \s) before the key. */
    if (n - pos > 6 && memcmp(s + pos, "export", 6) == 0 && strchr("\t\n\f\r ", s[pos + 6]) != NULL &&
        s[pos + 6] != '\0')
        pos = skip_blanks(s, n, pos + 6);

    size_t start = pos, i = pos;
    char term = 0; /* '=', ':', '\n' or 0 for the end of the input */
    while (i < n) {
        size_t w;
        uint32_t cp = utf8_decode(s + i, n - i, &w);
        if (is_blank(cp)) {
            i += w;
            continue;
        }
        if (cp == '=' || cp == ':' || cp == '\n') {
            term = (char)cp;
            break;
        }
        if (!key_punct(cp) && !utf8_is_letter_or_number(cp)) {
            const char *nl = memchr(s + start, '\n', n - start);
            char *qc = utf8_quote(s + i, w, UTF8_QUOTE_MAX);
            char *ql = utf8_quote(s + start, nl ? (size_t)(nl - (s + start)) : n - start, UTF8_QUOTE_MAX);
            dotenv_fail(d, line, "a variable name holds letters, digits, '_', '.', '-', '[' and ']'; "
                                 "write lines as KEY=VALUE",
                        "unexpected character %s in variable name %s", qc, ql);
            free(qc);
            free(ql);
            return (size_t)-1;
        }
        i += w;
    }

    size_t klen = trim_right_space(s + start, i - start);
    char *key = xstrndup(s + start, klen);
    size_t next = i;
    if (term == '\n' || term == 0) {
        next = term ? i + 1 : i;
        if (klen == 0) { /* "export" alone on its line: nothing to set */
            free(key);
            return next;
        }
    } else if (klen == 0) {
        free(key);
        return (size_t)dotenv_fail(d, line, "write lines as KEY=VALUE", "missing variable name before '%c'", term);
    }
    if (has_blank(key, klen)) {
        char *q = utf8_quote(key, klen, UTF8_QUOTE_MAX);
        dotenv_fail(d, line, "write lines as KEY=VALUE, the key without blanks",
                    "invalid variable name %s on line %d: key cannot contain a space", q, line);
        free(q);
        free(key);
        return (size_t)-1;
    }
    if (term == '\n' || term == 0) {
        int rc = dotenv_inherit(d, line, key);
        free(key);
        return rc < 0 ? (size_t)-1 : next;
    }
    next = dotenv_value(d, line, key, skip_blanks(s, n, i + 1));
    free(key);
    return next;
}

/* The default (compose) format: statements until the end of the input. */
static int dotenv_parse_env(struct dotenv *d)
{
    size_t pos = 0;
    for (;;) {
        pos = skip_space(d->s, d->n, pos);
        if (pos >= d->n)
            return 0;
        if (d->s[pos] == '#') {
            const char *nl = memchr(d->s + pos, '\n', d->n - pos);
            if (nl == NULL)
                return 0;
            pos = (size_t)(nl - d->s);
            continue;
        }
        pos = dotenv_statement(d, pos);
        if (pos == (size_t)-1)
            return -1;
    }
}

/* The raw format (docker run --env-file): one KEY=VALUE per line, taken literally. */
static int dotenv_parse_raw(struct dotenv *d)
{
    const char *s = d->s;
    size_t n = d->n;
    int line = 0;
    size_t pos = 0;
    while (pos < n) {
        line++;
        const char *nl = memchr(s + pos, '\n', n - pos);
        size_t end = nl ? (size_t)(nl - s) : n;
        size_t next = nl ? end + 1 : n;
        if (end > pos && s[end - 1] == '\r')
            end--;
        if (!utf8_valid(s + pos, end - pos))
            return dotenv_fail(d, line, "save the file as UTF-8", "invalid UTF-8 on line %d", line);
        if (memchr(s + pos, '\0', end - pos) != NULL)
            return dotenv_fail(d, line, "environment variables cannot hold NUL characters",
                               "NUL character on line %d", line);
        size_t b = skip_space(s, end, pos);
        if (b >= end || s[b] == '#') {
            pos = next;
            continue;
        }
        const char *eq = memchr(s + b, '=', end - b);
        size_t klen = eq ? (size_t)(eq - (s + b)) : end - b;
        char *q = utf8_quote(s + b, end - b, UTF8_QUOTE_MAX);
        if (klen == 0) {
            dotenv_fail(d, line, "write lines as KEY=VALUE", "no variable name on line %s", q);
            free(q);
            return -1;
        }
        if (memchr(s + b, ' ', klen) != NULL || memchr(s + b, '\t', klen) != NULL) {
            char *qk = utf8_quote(s + b, klen, UTF8_QUOTE_MAX);
            dotenv_fail(d, line, "write lines as KEY=VALUE, the key without blanks",
                        "variable %s contains whitespaces", qk);
            free(qk);
            free(q);
            return -1;
        }
        free(q);
        char *key = xstrndup(s + b, klen);
        int rc = 0;
        if (eq != NULL)
            rc = dotenv_store(d, line, key, eq + 1, (size_t)(s + end - (eq + 1)));
        else
            rc = dotenv_inherit(d, line, key);
        free(key);
        if (rc < 0)
            return -1;
        pos = next;
    }
    return 0;
}

int dotenv_parse(const char *data, size_t len, const char *filename, bool raw, interp_lookup_fn lookup,
                 void *user, json_t *out, struct berth_error **err)
{
    struct berth_error *local = NULL; /* errors are built here, then handed to the caller's err */
    struct dotenv d = {
        .s = data ? data : "",
        .n = data ? len : 0,
        .filename = filename ? filename : "<env>",
        .lookup = lookup,
        .user = user,
        .out = out,
        .err = &local,
        .line = 1,
    };
    if (!json_is_object(out))
        return berth_error_set(err, BERTH_E_INVALID, 0, "dotenv_parse: out is not a JSON object");
    /* A UTF-8 byte-order mark (Windows editors write one) is not content. */
    if (d.n >= 3 && memcmp(d.s, "\xEF\xBB\xBF", 3) == 0) {
        d.s += 3;
        d.n -= 3;
    }
    if ((raw ? dotenv_parse_raw(&d) : dotenv_parse_env(&d)) < 0)
        return berth_error_propagate(err, local);
    return 0;
}

int dotenv_parse_file(const char *path, bool raw, interp_lookup_fn lookup, void *user, json_t *out,
                      struct berth_error **err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        int e = errno;
        return berth_error_set(err, e == ENOENT || e == ENOTDIR ? BERTH_E_NOT_FOUND : BERTH_E_SYSTEM, e,
                               "cannot open env file %s", path);
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 4096;
            buf = xrealloc(buf, cap);
        }
        size_t r = fread(buf + len, 1, cap - len, f);
        len += r;
        if (len > DOTENV_MAX_FILE) {
            fclose(f);
            free(buf);
            return berth_error_set(err, BERTH_E_TOO_LARGE, 0, "env file %s is larger than %u MiB", path,
                                   DOTENV_MAX_FILE / (1024 * 1024));
        }
        if (r == 0) {
            if (ferror(f)) {
                int e = errno;
                fclose(f);
                free(buf);
                return berth_error_set(err, BERTH_E_SYSTEM, e, "cannot read env file %s", path);
            }
            break;
        }
    }
    fclose(f);
    int rc = dotenv_parse(buf, len, path, raw, lookup, user, out, err);
    free(buf);
    return rc;
}
