/*
 * libFuzzer target for compose/interp.c and compose/dotenv.c: the input is
 * expanded as a template (whole, and in two halves so that lengths and
 * embedded NUL bytes vary), then parsed as a dotenv file in both formats.
 * Nothing may crash, leak or read out of bounds; results are checked for the
 * invariants the parsers promise (a result xor an error, JSON string values).
 *
 * Build (the lead wires it into the build):
 *   clang -fsanitize=fuzzer,address,undefined -I<srcdir>/include -I<srcdir> -I<builddir> \
 *     fuzz/fuzz_interp.c compose/interp.c compose/dotenv.c compose/utf8.c core/util.c \
 *     core/error.c $(pkg-config --cflags --libs jansson)
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "compose/dotenv.h"
#include "compose/interp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A few set, empty and unset variables, so that every operator branch is reachable. */
static const char *fuzz_lookup(const char *name, void *user)
{
    (void)user;
    if (name[0] == '\0' || name[1] != '\0')
        return strcmp(name, "HOME") == 0 ? "/root" : NULL;
    switch (name[0]) {
    case 'A': return "value";
    case 'B': return "";
    case 'C': return "${A} $$ {x}";
    default: return NULL;
    }
}

/* Expands in[0..n) and checks that exactly one of result and error comes back. */
static void fuzz_expand(const char *in, size_t n)
{
    struct berth_error *err = NULL;
    size_t len = 0;
    char *out = interp_expand_len(in, n, fuzz_lookup, NULL, &len, &err);
    if ((out == NULL) == (err == NULL))
        abort();
    if (out != NULL && out[len] != '\0')
        abort();
    if (err != NULL && berth_error_message(err)[0] == '\0')
        abort();
    free(out);
    berth_error_free(err);
}

/* Parses in[0..n) as a dotenv file and checks the shape of the result. */
static void fuzz_dotenv(const char *in, size_t n, bool raw)
{
    json_t *out = json_object();
    struct berth_error *err = NULL;
    int rc = dotenv_parse(in, n, "fuzz.env", raw, fuzz_lookup, NULL, out, &err);
    if ((rc == 0) != (err == NULL))
        abort();
    const char *key;
    json_t *v;
    json_object_foreach(out, key, v) {
        if (!json_is_string(v) && !json_is_null(v))
            abort();
    }
    json_decref(out);
    berth_error_free(err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    fuzz_expand(in, size);
    fuzz_expand(in, size / 2);
    fuzz_expand(in + size / 2, size - size / 2);

    /* interp_expand and interp_needed on the NUL-terminated prefix. */
    char *z = malloc(size + 1);
    if (z == NULL)
        return 0;
    memcpy(z, data, size);
    z[size] = '\0';
    char *out = interp_expand(z, fuzz_lookup, NULL, NULL);
    if (out != NULL && !interp_needed(z) && strcmp(out, z) != 0)
        abort(); /* interp_needed said nothing would change */
    free(out);
    free(z);

    fuzz_dotenv(in, size, false);
    fuzz_dotenv(in, size, true);
    return 0;
}
