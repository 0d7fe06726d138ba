/* berth config: print the resolved, normalised project (or parts of it). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <berth/project.h>

#include "cli/cli.h"

/* What `berth config` prints. */
enum config_what {
    SHOW_MODEL = 0,
    SHOW_SERVICES,
    SHOW_VOLUMES,
    SHOW_NETWORKS,
    SHOW_PROFILES,
    SHOW_IMAGES,
    SHOW_HASH,
};

/* Prints the usage of berth config. */
static void config_usage(FILE *out)
{
    fputs("Usage:  berth config [OPTIONS] [SERVICE...]\n\n"
          "Parse, resolve and render the compose file in canonical format\n\n"
          "Options:\n"
          "      --format yaml|json      Output format (default yaml)\n"
          "      --services              Print the service names, one per line\n"
          "      --volumes               Print the volume names, one per line\n"
          "      --networks              Print the network names, one per line\n"
          "      --profiles              Print the profile names, one per line\n"
          "      --images                Print the image names, one per line\n"
          "      --hash \"*\"|SERVICE,...  Print the config hash of services\n"
          "  -q, --quiet                 Only validate the configuration\n"
          "      --no-interpolate        Don't interpolate environment variables\n"
          "      --no-normalize          Don't normalize the compose model\n"
          "  -o, --output FILE           Save to FILE instead of stdout\n"
          "  -h, --help                  Show this help\n",
          out);
}

/* Prints a warning from the loader. */
static void on_warning(const char *msg, void *user)
{
    (void)user;
    fprintf(stderr, "berth: warning: %s\n", msg);
}

/* Appends one line to a growing text. */
static void add_line(char **text, size_t *len, const char *a, const char *b)
{
    size_t n = strlen(a) + (b ? strlen(b) + 1 : 0) + 1;
    *text = realloc(*text, *len + n + 1);
    if (*text == NULL)
        abort();
    *len += (size_t)sprintf(*text + *len, "%s%s%s\n", a, b ? " " : "", b ? b : "");
}

/* Builds the text for the --services/--volumes/... listings. */
static char *listing(const struct berth_project *p, enum config_what what, const char *hash,
                     struct berth_error **err)
{
    char *text = calloc(1, 1);
    size_t len = 0;
    if (text == NULL)
        abort();
    const char *const *list = NULL;
    switch (what) {
    case SHOW_SERVICES:
    case SHOW_IMAGES:
    case SHOW_HASH:
        list = berth_project_services(p);
        break;
    case SHOW_VOLUMES:
        list = berth_project_volumes(p);
        break;
    case SHOW_NETWORKS:
        list = berth_project_networks(p);
        break;
    case SHOW_PROFILES:
        list = berth_project_profiles(p);
        break;
    case SHOW_MODEL:
        break;
    }
    for (; list && *list; list++) {
        if (what == SHOW_IMAGES) {
            add_line(&text, &len, berth_project_service_image(p, *list), NULL);
        } else if (what == SHOW_HASH) {
            if (strcmp(hash, "*") != 0) {
                /* a comma-separated selection */
                bool want = false;
                size_t n = strlen(*list);
                for (const char *h = hash; *h;) {
                    size_t l = strcspn(h, ",");
                    if (l == n && strncmp(h, *list, n) == 0)
                        want = true;
                    h += l + (h[l] == ',');
                }
                if (!want)
                    continue;
            }
            char digest[65];
            if (berth_project_config_hash(p, *list, digest, err) != 0) {
                free(text);
                return NULL;
            }
            add_line(&text, &len, *list, digest);
        } else {
            add_line(&text, &len, *list, NULL);
        }
    }
    return text;
}

/* Writes text to path or stdout. */
static int write_out(const char *path, const char *text)
{
    if (path == NULL) {
        fputs(text, stdout);
        return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
    }
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "berth: config: cannot write %s: %s\n", path, strerror(errno));
        return CLI_EXIT_FAILURE;
    }
    int ok = fputs(text, f) >= 0;
    ok = fclose(f) == 0 && ok;
    if (!ok) {
        fprintf(stderr, "berth: config: cannot write %s: %s\n", path, strerror(errno));
        return CLI_EXIT_FAILURE;
    }
    return CLI_EXIT_OK;
}

/* berth config: load the project and print it (or a part of it). */
int cmd_config(struct cli_globals *g, int argc, char **argv)
{
    enum {
        OPT_FORMAT = 300,
        OPT_SERVICES,
        OPT_VOLUMES,
        OPT_NETWORKS,
        OPT_PROFILES,
        OPT_IMAGES,
        OPT_HASH,
        OPT_NO_INTERP,
        OPT_NO_NORM,
    };
    static const struct option opts[] = {
        {"format", required_argument, NULL, OPT_FORMAT},
        {"services", no_argument, NULL, OPT_SERVICES},
        {"volumes", no_argument, NULL, OPT_VOLUMES},
        {"networks", no_argument, NULL, OPT_NETWORKS},
        {"profiles", no_argument, NULL, OPT_PROFILES},
        {"images", no_argument, NULL, OPT_IMAGES},
        {"hash", required_argument, NULL, OPT_HASH},
        {"quiet", no_argument, NULL, 'q'},
        {"no-interpolate", no_argument, NULL, OPT_NO_INTERP},
        {"no-normalize", no_argument, NULL, OPT_NO_NORM},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool json = false, quiet = false;
    enum config_what what = SHOW_MODEL;
    const char *hash = NULL, *output = NULL;
    struct berth_project_options o = {.warn = on_warning};
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":qo:h", opts, NULL)) != -1) {
        switch (c) {
        case OPT_FORMAT:
            if (strcmp(optarg, "json") == 0)
                json = true;
            else if (strcmp(optarg, "yaml") == 0)
                json = false;
            else
                return cli_usage_error("use --format yaml or --format json",
                                       "config: --format: invalid value '%s'", optarg);
            break;
        case OPT_SERVICES:
            what = SHOW_SERVICES;
            break;
        case OPT_VOLUMES:
            what = SHOW_VOLUMES;
            break;
        case OPT_NETWORKS:
            what = SHOW_NETWORKS;
            break;
        case OPT_PROFILES:
            what = SHOW_PROFILES;
            break;
        case OPT_IMAGES:
            what = SHOW_IMAGES;
            break;
        case OPT_HASH:
            what = SHOW_HASH;
            hash = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        case OPT_NO_INTERP:
            o.no_interpolate = true;
            break;
        case OPT_NO_NORM:
            o.no_normalize = true;
            break;
        case 'o':
            output = optarg;
            break;
        case 'h':
            config_usage(stdout);
            return CLI_EXIT_OK;
        case ':':
            return cli_usage_error("run 'berth config --help'", "config: flag '%s' needs a value",
                                   argv[optind - 1]);
        default:
            return cli_usage_error("run 'berth config --help'", "config: unknown flag '%s'",
                                   argv[optind - 1]);
        }
    }
    o.files = g->files.n ? g->files.v : NULL;
    o.project_name = g->project_name;
    o.project_directory = g->project_directory;
    o.env_files = g->env_files.n ? g->env_files.v : NULL;
    o.profiles = g->profiles.n ? g->profiles.v : NULL;
    struct cli_list targets = {0};
    for (int i = optind; i < argc; i++)
        cli_list_push(&targets, argv[i]);
    o.services = targets.n ? targets.v : NULL;

    struct berth_error *err = NULL;
    cli_heap_for_batch();
    struct berth_project *p = berth_project_load(&o, &err);
    free(targets.v);
    if (p == NULL)
        return cli_report_error(err);
    int rc = CLI_EXIT_OK;
    if (!quiet) {
        char *text;
        if (what != SHOW_MODEL)
            text = listing(p, what, hash, &err);
        else if (json)
            text = berth_project_to_json(p, BERTH_PROJECT_ESCAPE_DOLLAR);
        else
            text = berth_project_to_yaml(p, BERTH_PROJECT_ESCAPE_DOLLAR);
        if (text == NULL) {
            rc = err ? cli_report_error(err) : CLI_EXIT_FAILURE;
        } else {
            rc = write_out(output, text);
            free(text);
        }
    }
    berth_project_free(p);
    return rc;
}
