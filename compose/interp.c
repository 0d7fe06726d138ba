/*
 * Compose variable interpolation, with the grammar and the quirks of
 * compose-go's template package (what docker compose runs):
 *
 *   $$            a literal $
 *   $NAME         NAME = [A-Za-z_][A-Za-z0-9_]* (longest run)
 *   ${NAME}       the value, "" when unset
 *   ${NAME<op>W}  op one of :- - :? ? :+ + ; W may hold references itself
 *   $ + anything else (a digit, a space, the end) stays a literal $
 *   ${ not followed by one of the forms above is an error
 *
 * How far a ${NAME<op>W} reaches follows compose-go exactly: its regexp
 * first takes everything up to the LAST '}' of the line (W cannot span a
 * newline), then the expression is cut at the first '}' that balances the
 * braces counted from the start, where every '{' counts and the character
 * right after a '{' is skipped (compose-go's getFirstBraceClosingIndex). W is
 * the text between the operator and that '}'. So ${A:-{"a":1}} has the
 * default {"a":1}, and in "${A:-x} ${B:-y}" each reference ends at its own
 * '}'. What follows the cut is interpolated as a template of its own (which,
 * for the result, is the same as carrying on; it only matters for which text
 * an error message quotes).
 *
 * One deliberate difference: W is expanded only when it is used (compose-go
 * expands it up front), so ${A:-${B:?B is needed}} is an error only when A
 * is unset or empty. Every template compose-go accepts gives the same result.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "compose/interp.h"
#include "compose/utf8.h"
#include "core/util.h"

/* Nesting of defaults inside defaults beyond any real use; bounds recursion on hostile input. */
#define INTERP_MAX_DEPTH 64
#define STR_(x) #x
#define STR(x) STR_(x)

/* A growable byte buffer (may hold NUL bytes; always NUL-terminated). */
struct ibuf {
    char *p;
    size_t len;
    size_t cap;
};

/* Appends n bytes. */
static void ibuf_put(struct ibuf *b, const char *s, size_t n)
{
    if (n == 0 && b->p != NULL)
        return;
    b->p = xreallocarray_grow(b->p, &b->cap, b->len + n + 1, 1);
    if (n > 0)
        memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

/* Appends one byte. */
static void ibuf_putc(struct ibuf *b, char c)
{
    ibuf_put(b, &c, 1);
}

/* State shared by one interp_expand call and its nested expansions. */
struct interp {
    interp_lookup_fn lookup;
    void *user;
    struct ibuf name; /* scratch: the NUL-terminated name handed to lookup */
    struct berth_error **err;
};

/* First character of a name. */
static bool name_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* Following characters of a name. */
static bool name_char(char c)
{
    return name_start(c) || (c >= '0' && c <= '9');
}

/* Operator characters that may follow a braced name (after an optional ':'). */
static bool op_char(char c)
{
    return c == '-' || c == '+' || c == '?';
}

/* The value of s[0..n) through the caller's lookup, or NULL when unset. */
static const char *interp_lookup(struct interp *x, const char *s, size_t n)
{
    if (x->lookup == NULL)
        return NULL;
    x->name.len = 0;
    ibuf_put(&x->name, s, n);
    return x->lookup(x->name.p, x->user);
}

/* An int for "%.*s" (names and templates longer than INT_MAX are cut in messages). */
static int clamp_len(size_t n)
{
    return n > INT_MAX ? INT_MAX : (int)n;
}

/*
 * Reports a malformed template: the template text compose-go would quote
 * (tpl[0..n)), then `why`.
 */
static int invalid_template(struct interp *x, const char *tpl, size_t n, const char *why)
{
    if (x->err == NULL || *x->err != NULL)
        return -1;
    char *q = utf8_quote(tpl, n, UTF8_QUOTE_MAX);
    berth_error_set(x->err, BERTH_E_INVALID, 0, "invalid template: %s%s%s", q, why ? ": " : "",
                    why ? why : "");
    free(q);
    berth_error_set_hint(*x->err, "a reference is $NAME, ${NAME} or ${NAME} with :-, -, :?, ?, "
                                  ":+ or + and a word (${NAME:-default}); write a literal $ as $$");
    return -1;
}

/*
 * Reports the bad "${" at s[p] inside the template s[lo..hi): when the
 * template holds more than the reference, the message also shows the
 * reference (up to its '}' or the end of the line).
 */
static int invalid_reference(struct interp *x, const char *s, size_t lo, size_t hi, size_t p)
{
    size_t e = p + 2;
    while (e < hi && s[e] != '}' && s[e] != '\n')
        e++;
    if (e < hi && s[e] == '}')
        e++;
    if (p == lo && e == hi)
        return invalid_template(x, s + lo, hi - lo, NULL);
    char *q = utf8_quote(s + p, e - p, 40);
    char *why = xasprintf("%s is not a valid reference", q);
    invalid_template(x, s + lo, hi - lo, why);
    free(why);
    free(q);
    return -1;
}

/*
 * compose-go's getFirstBraceClosingIndex over s[0..n) (which starts with
 * "${"): the index of the '}' that brings the count of '{' back to zero, or
 * -1. The character after each '{' is skipped, as there.
 */
static long first_closing_brace(const char *s, size_t n)
{
    long open = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '}') {
            open--;
            if (open == 0)
                return (long)i;
        }
        if (s[i] == '{') {
            open++;
            i++;
        }
    }
    return -1;
}

static int expand(struct interp *x, const char *s, size_t n, int depth, struct ibuf *out);

/* Expands a default, alternative or message word (a template of its own). */
static int expand_word(struct interp *x, const char *w, size_t n, int depth, struct ibuf *out)
{
    if (depth + 1 > INTERP_MAX_DEPTH)
        return invalid_template(x, w, n, "references nested more than " STR(INTERP_MAX_DEPTH) " levels deep");
    return expand(x, w, n, depth + 1, out);
}

/*
 * Applies ${NAME<op>WORD}: name = s[0..name_len), op is "-", ":-", "?", ...
 * (colon says which), word = w[0..wn).
 */
static int apply_operator(struct interp *x, const char *name, size_t name_len, bool colon, char op,
                          const char *w, size_t wn, int depth, struct ibuf *out)
{
    const char *value = interp_lookup(x, name, name_len);
    /* The ':' forms treat an empty value like an unset one. */
    bool present = value != NULL && (!colon || value[0] != '\0');
    switch (op) {
    case '-':
        if (present) {
            ibuf_put(out, value, strlen(value));
            return 0;
        }
        return expand_word(x, w, wn, depth, out);
    case '+':
        if (present)
            return expand_word(x, w, wn, depth, out);
        if (value != NULL)
            ibuf_put(out, value, strlen(value));
        return 0;
    default: { /* '?' */
        if (present) {
            ibuf_put(out, value, strlen(value));
            return 0;
        }
        struct ibuf msg = {0};
        ibuf_put(&msg, "", 0);
        if (expand_word(x, w, wn, depth, &msg) < 0) {
            free(msg.p);
            return -1;
        }
        if (x->err != NULL && *x->err == NULL) {
            if (msg.len > 0)
                berth_error_set(x->err, BERTH_E_INVALID, 0, "required variable %.*s is missing a value: %s",
                                clamp_len(name_len), name, msg.p);
            else
                berth_error_set(x->err, BERTH_E_INVALID, 0, "required variable %.*s is missing a value",
                                clamp_len(name_len), name);
            berth_error_set_hint(*x->err, "set %.*s in the environment or the .env file", clamp_len(name_len),
                                 name);
        }
        free(msg.p);
        return -1;
    }
    }
}

/* Expands the template s[0..n) into out. */
static int expand(struct interp *x, const char *s, size_t n, int depth, struct ibuf *out)
{
    /* The text an error quotes: the whole template, or the rest after a cut (see top). */
    size_t tpl_lo = 0, tpl_hi = n;
    /* The last '}' of the current line, cached: the line end and that brace (or none). */
    size_t line_end = 0;
    size_t last_brace = 0;
    bool have_brace = false;
    size_t i = 0;

    while (i < n) {
        const char *d = memchr(s + i, '$', n - i);
        if (d == NULL) {
            ibuf_put(out, s + i, n - i);
            break;
        }
        size_t p = (size_t)(d - s);
        ibuf_put(out, s + i, p - i);
        if (p >= tpl_hi) {
            tpl_lo = 0;
            tpl_hi = n;
        }
        if (p + 1 >= n) { /* a final '$' */
            ibuf_putc(out, '$');
            break;
        }
        char c = s[p + 1];
        if (c == '$') {
            ibuf_putc(out, '$');
            i = p + 2;
            continue;
        }
        if (name_start(c)) {
            size_t j = p + 2;
            while (j < n && name_char(s[j]))
                j++;
            const char *v = interp_lookup(x, s + p + 1, j - p - 1);
            if (v != NULL)
                ibuf_put(out, v, strlen(v));
            i = j;
            continue;
        }
        if (c != '{') { /* "$1", "$ ", "$-": not a reference */
            ibuf_putc(out, '$');
            i = p + 1;
            continue;
        }

        /* "${": a name, then '}' or an operator. */
        size_t q = p + 2;
        if (q >= n || !name_start(s[q]))
            return invalid_reference(x, s, tpl_lo, tpl_hi, p);
        size_t k = q + 1;
        while (k < n && name_char(s[k]))
            k++;
        if (k < n && s[k] == '}') {
            const char *v = interp_lookup(x, s + q, k - q);
            if (v != NULL)
                ibuf_put(out, v, strlen(v));
            i = k + 1;
            continue;
        }
        bool colon = false;
        size_t body;
        char op;
        if (k + 1 < n && s[k] == ':' && op_char(s[k + 1])) {
            colon = true;
            op = s[k + 1];
            body = k + 2;
        } else if (k < n && op_char(s[k])) {
            op = s[k];
            body = k + 1;
        } else {
            return invalid_reference(x, s, tpl_lo, tpl_hi, p);
        }

        /* The regexp's reach: up to the last '}' on this line (cached per line). */
        if (body >= line_end) {
            const char *nl = memchr(s + body, '\n', n - body);
            line_end = nl ? (size_t)(nl - s) : n;
            have_brace = false;
            for (size_t b = line_end; b > body; b--) {
                if (s[b - 1] == '}') {
                    last_brace = b - 1;
                    have_brace = true;
                    break;
                }
            }
        }
        if (!have_brace || last_brace < body)
            return invalid_reference(x, s, tpl_lo, tpl_hi, p);
        size_t reach = last_brace; /* index of the match's final '}' */
        long cut = first_closing_brace(s + p, reach - p + 1);
        size_t end = cut >= 0 ? p + (size_t)cut : reach; /* the '}' that ends this reference */

        if (apply_operator(x, s + q, k - q, colon, op, s + body, end - body, depth, out) < 0)
            return -1;
        if (end < reach) {
            tpl_lo = end + 1;
            tpl_hi = reach + 1;
        }
        i = end + 1;
    }
    return 0;
}

/* Expands in[0..len); the result may be longer or shorter. *out_len gets its length. */
char *interp_expand_len(const char *in, size_t len, interp_lookup_fn lookup, void *user,
                        size_t *out_len, struct berth_error **err)
{
    struct berth_error *local = NULL; /* built here, then handed to the caller's err */
    struct interp x = {.lookup = lookup, .user = user, .err = &local};
    struct ibuf out = {0};
    ibuf_put(&out, "", 0);
    int rc = expand(&x, in ? in : "", in ? len : 0, 0, &out);
    free(x.name.p);
    if (rc < 0) {
        free(out.p);
        berth_error_propagate(err, local);
        return NULL;
    }
    if (out_len != NULL)
        *out_len = out.len;
    return out.p;
}

char *interp_expand(const char *in, interp_lookup_fn lookup, void *user, struct berth_error **err)
{
    return interp_expand_len(in, in ? strlen(in) : 0, lookup, user, NULL, err);
}

bool interp_needed(const char *in)
{
    if (in == NULL)
        return false;
    for (const char *d = strchr(in, '$'); d != NULL; d = strchr(d + 1, '$')) {
        if (d[1] == '$' || d[1] == '{' || name_start(d[1]))
            return true;
    }
    return false;
}
