/*
 * libFuzzer target for the whole compose loader: YAML parsing, anchors and
 * merge keys, interpolation, merging, normalisation, validation and both
 * emitters. The input is written to a compose file in a private directory
 * (the loader reads files, as users give it) and loaded with a fixed
 * environment; a project that loads is emitted as JSON and YAML and hashed.
 * Nothing may crash, leak or read out of bounds; a load either yields a
 * project or an error with a message, never both or neither.
 *
 * Built and run by fuzz/run.sh.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <berth/project.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_dir[] = "/tmp/berth-fuzz-loader.XXXXXX";
static char fuzz_file[sizeof(fuzz_dir) + 32];

/* Creates the private directory once per fuzzing process. */
static void fuzz_setup(void)
{
    if (fuzz_file[0] != '\0')
        return;
    if (mkdtemp(fuzz_dir) == NULL)
        abort();
    snprintf(fuzz_file, sizeof(fuzz_file), "%s/compose.yaml", fuzz_dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_setup();
    FILE *f = fopen(fuzz_file, "wb");
    if (f == NULL)
        abort();
    if (size > 0 && fwrite(data, 1, size, f) != size)
        abort();
    fclose(f);

    static const char *const env[] = {"HOME=/nonexistent", "SET=value", "EMPTY=",
                                      "N=3",              "PORT=8080", NULL};
    const char *const files[] = {fuzz_file, NULL};
    struct berth_project_options opts = {
        .files = files,
        .project_name = "fuzz",
        .environment = env,
    };
    struct berth_error *err = NULL;
    struct berth_project *p = berth_project_load(&opts, &err);
    if ((p == NULL) == (err == NULL))
        abort(); /* exactly one of project and error */
    if (p == NULL) {
        if (berth_error_message(err)[0] == '\0')
            abort(); /* an error always says something */
        berth_error_free(err);
        return 0;
    }
    free(berth_project_to_json(p, 0));
    free(berth_project_to_yaml(p, BERTH_PROJECT_ESCAPE_DOLLAR));
    const char *const *services = berth_project_services(p);
    for (size_t i = 0; services != NULL && services[i] != NULL && i < 4; i++) {
        char hash[65];
        struct berth_error *herr = NULL;
        if (berth_project_config_hash(p, services[i], hash, &herr) < 0)
            berth_error_free(herr);
    }
    berth_project_free(p);
    return 0;
}
