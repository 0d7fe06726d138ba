/*
 * berth doctor: explains the machine. Which container runtimes are on PATH,
 * which answered their liveness probe (and why not), which one berth would
 * choose and why, what each can do (capability table), where plugins are
 * searched and which were refused; and, when no container runtime is
 * usable, the exact command that installs one on this platform. It never
 * installs anything. Exit 1 when no container runtime is usable: the
 * process backend (host processes) does not count.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/ccli.h"
#include "cli/cli.h"
#include "cli/flags.h"
#include "cli/table.h"

/* How long doctor lets each runtime answer its probe (BERTH_PROBE_TIMEOUT overrides). */
#define DOCTOR_PROBE_TIMEOUT "10s"

/* What the platform is and how to install a runtime on it. */
struct platform {
    char os[32];        /* "linux", "macos" */
    char id[64];        /* os-release ID ("debian"), "" when unknown */
    char id_like[128];  /* os-release ID_LIKE */
    char name[128];     /* PRETTY_NAME, or the OS */
    const char *install[3]; /* install commands, NULL-terminated */
    const char *install_note;
};

/* Copies an os-release value (quotes removed) into out. */
static void release_value(const char *v, char *out, size_t size)
{
    size_t len = strcspn(v, "\n");
    if (len >= 2 && (v[0] == '"' || v[0] == '\'') && v[len - 1] == v[0]) {
        v++;
        len -= 2;
    }
    snprintf(out, size, "%.*s", (int)len, v);
}

/* True when word is the id or in the ID_LIKE list. */
static bool like(const struct platform *p, const char *word)
{
    if (strcmp(p->id, word) == 0)
        return true;
    size_t n = strlen(word);
    for (const char *s = p->id_like; (s = strstr(s, word)) != NULL; s += n)
        if ((s == p->id_like || s[-1] == ' ') && (s[n] == '\0' || s[n] == ' '))
            return true;
    return false;
}

/* Detects the platform: macOS, else /etc/os-release (BERTH_OS_RELEASE overrides the path). */
static void platform_detect(struct platform *p)
{
    memset(p, 0, sizeof(*p));
#if defined(__APPLE__)
    snprintf(p->os, sizeof(p->os), "macos");
    snprintf(p->name, sizeof(p->name), "macOS");
    p->install[0] = "brew install podman && podman machine init && podman machine start";
    p->install[1] = "brew install container && container system start";
    p->install_note = "Apple's container (the second line) needs macOS 26 on Apple silicon";
    return;
#else
    snprintf(p->os, sizeof(p->os), "linux");
    snprintf(p->name, sizeof(p->name), "Linux");
    const char *path = getenv("BERTH_OS_RELEASE");
    FILE *f = fopen(path != NULL ? path : "/etc/os-release", "r");
    if (f == NULL && path == NULL)
        f = fopen("/usr/lib/os-release", "r");
    if (f != NULL) {
        char line[512];
        while (fgets(line, sizeof(line), f) != NULL) {
            if (strncmp(line, "ID=", 3) == 0)
                release_value(line + 3, p->id, sizeof(p->id));
            else if (strncmp(line, "ID_LIKE=", 8) == 0)
                release_value(line + 8, p->id_like, sizeof(p->id_like));
            else if (strncmp(line, "PRETTY_NAME=", 12) == 0)
                release_value(line + 12, p->name, sizeof(p->name));
        }
        fclose(f);
    }
    if (like(p, "debian") || like(p, "ubuntu"))
        p->install[0] = "sudo apt-get install -y podman";
    else if (like(p, "fedora") || like(p, "rhel") || like(p, "centos"))
        p->install[0] = "sudo dnf install -y podman";
    else if (like(p, "arch"))
        p->install[0] = "sudo pacman -S --noconfirm podman";
    else if (like(p, "suse") || like(p, "opensuse") || strncmp(p->id, "opensuse", 8) == 0)
        p->install[0] = "sudo zypper install -y podman";
    else if (like(p, "alpine"))
        p->install[0] = "sudo apk add podman";
    else
        p->install_note = "install podman with your distribution's package manager "
                          "(https://podman.io/docs/installation)";
#endif
}

/* The probe verdict of one backend for the table. */
static const char *live_text(const struct berth_backend_status *b)
{
    if (b->available)
        return "yes";
    return b->probed ? "no" : "-";
}

/* The survey's outcome. */
struct doctor {
    struct ccli c;
    int json;
    const char *plugin_dir;
    int rc;
};

/* Prints the capability table: one row per feature, one column per backend with a driver. */
static void print_caps(const struct berth_backend_survey *s)
{
    size_t n = 1;
    for (size_t i = 0; i < s->n_backends; i++)
        if (s->backends[i].caps != NULL)
            n++;
    const char **header = calloc(n, sizeof(*header));
    const char **row = calloc(n, sizeof(*row));
    if (header == NULL || row == NULL)
        abort();
    header[0] = "FEATURE";
    size_t k = 1;
    for (size_t i = 0; i < s->n_backends; i++)
        if (s->backends[i].caps != NULL)
            header[k++] = s->backends[i].name;
    struct table *t = table_new(n, header);
    for (int f = 0; f < BERTH_FEAT_COUNT; f++) {
        row[0] = berth_feature_name((enum berth_feature)f);
        k = 1;
        for (size_t i = 0; i < s->n_backends; i++)
            if (s->backends[i].caps != NULL)
                row[k++] = berth_support_name(s->backends[i].caps[f]);
        table_add(t, row);
    }
    table_print(t, stdout);
    table_free(t);
    free(header);
    free(row);
}

/* The first usable container runtime, or NULL. */
static const struct berth_backend_status *usable_runtime(const struct berth_backend_survey *s)
{
    for (size_t i = 0; i < s->n_backends; i++)
        if (s->backends[i].available && s->backends[i].container_runtime)
            return &s->backends[i];
    return NULL;
}

/* The text report. */
static void print_text(const struct doctor *d, const struct platform *p,
                       const struct berth_backend_survey *s)
{
    printf("Platform: %s (%s)\n\n", p->name, p->os);
    printf("Plugin search path:\n");
    if (d->plugin_dir != NULL)
        printf("  %s (--plugin-dir)\n", d->plugin_dir);
    for (size_t i = 0; s->plugin_dirs[i] != NULL; i++)
        printf("  %s (%s)\n", s->plugin_dirs[i],
               s->plugin_dirs[i + 1] == NULL ? "installed plugins" : "BERTH_PLUGIN_PATH");
    if (s->n_refused == 0)
        printf("Refused plugins: none\n");
    else
        printf("Refused plugins:\n");
    for (size_t i = 0; i < s->n_refused; i++)
        printf("  %s: %s\n", s->refused[i].file, s->refused[i].reason);

    printf("\nBackends (in priority order, from %s):\n", s->source);
    static const char *const header[] = {"BACKEND", "DRIVER",  "PROGRAM", "ON PATH",
                                         "LIVE",    "VERSION", "WHY"};
    struct table *t = table_new(7, header);
    for (size_t i = 0; i < s->n_backends; i++) {
        const struct berth_backend_status *b = &s->backends[i];
        const char *on_path = b->binary == NULL ? "-" : b->binary_path ? b->binary_path : "no";
        const char *row[] = {b->name,
                             b->driver ? b->driver : "(no driver)",
                             b->binary ? b->binary : "-",
                             on_path,
                             live_text(b),
                             b->version ? b->version : "-",
                             b->reason ? b->reason : ""};
        table_add(t, row);
    }
    table_print(t, stdout);
    table_free(t);

    printf("\nCapabilities (native: the runtime does it; emulated: berth does it; partial: "
           "with limits):\n");
    print_caps(s);

    printf("\nChoice: ");
    if (s->chosen != NULL) {
        for (size_t i = 0; i < s->n_backends; i++)
            if (s->backends[i].chosen)
                printf("%s (%s)\n", s->chosen, s->backends[i].reason);
    } else {
        printf("none\n");
    }
    const struct berth_backend_status *rt = usable_runtime(s);
    printf("\nNote: the process backend runs services as host processes; it does not count as "
           "a container runtime here.\n");
    if (rt != NULL) {
        printf("\nVerdict: OK, container runtime '%s' is usable.\n", rt->name);
        return;
    }
    printf("\nVerdict: no container runtime is usable.\n");
    bool slow = false;
    for (size_t i = 0; i < s->n_backends; i++) {
        const struct berth_backend_status *b = &s->backends[i];
        if (b->binary_path != NULL && !b->available) {
            printf("  %s is installed (%s) but did not answer: %s\n", b->name, b->binary_path,
                   b->reason ? b->reason : "no reason given");
            slow = slow || (b->reason != NULL && strstr(b->reason, "timed out") != NULL);
        }
    }
    if (slow)
        printf("  (a runtime that is only slow answers with more time: BERTH_PROBE_TIMEOUT=30s)\n");
    if (p->install[0] != NULL) {
        printf("Install one (berth never installs anything itself):\n");
        for (size_t i = 0; p->install[i] != NULL; i++)
            printf("  %s\n", p->install[i]);
    }
    if (p->install_note != NULL)
        printf("  (%s)\n", p->install_note);
}

/* The JSON report. */
static void print_json(const struct doctor *d, const struct platform *p,
                       const struct berth_backend_survey *s)
{
    json_t *o = json_object();
    json_t *pl = json_object();
    json_object_set_new(pl, "os", json_string(p->os));
    json_object_set_new(pl, "id", json_string(p->id));
    json_object_set_new(pl, "name", json_string(p->name));
    json_object_set_new(o, "platform", pl);
    json_t *dirs = json_array();
    if (d->plugin_dir != NULL)
        json_array_append_new(dirs, json_string(d->plugin_dir));
    for (size_t i = 0; s->plugin_dirs[i] != NULL; i++)
        json_array_append_new(dirs, json_string(s->plugin_dirs[i]));
    json_object_set_new(o, "plugin_dirs", dirs);
    json_t *ref = json_array();
    for (size_t i = 0; i < s->n_refused; i++) {
        json_t *r = json_object();
        json_object_set_new(r, "file", json_string(s->refused[i].file));
        json_object_set_new(r, "reason", json_string(s->refused[i].reason));
        json_array_append_new(ref, r);
    }
    json_object_set_new(o, "refused_plugins", ref);
    json_object_set_new(o, "source", json_string(s->source));
    json_t *arr = json_array();
    for (size_t i = 0; i < s->n_backends; i++) {
        const struct berth_backend_status *b = &s->backends[i];
        json_t *j = json_object();
        json_object_set_new(j, "name", json_string(b->name));
        json_object_set_new(j, "driver", b->driver ? json_string(b->driver) : json_null());
        json_object_set_new(j, "file", b->file ? json_string(b->file) : json_null());
        json_object_set_new(j, "program", b->binary ? json_string(b->binary) : json_null());
        json_object_set_new(j, "program_path",
                            b->binary_path ? json_string(b->binary_path) : json_null());
        json_object_set_new(j, "probed", json_boolean(b->probed));
        json_object_set_new(j, "available", json_boolean(b->available));
        json_object_set_new(j, "chosen", json_boolean(b->chosen));
        json_object_set_new(j, "container_runtime", json_boolean(b->container_runtime));
        json_object_set_new(j, "version", b->version ? json_string(b->version) : json_null());
        json_object_set_new(j, "reason", json_string(b->reason ? b->reason : ""));
        json_object_set_new(j, "probe_ms", json_integer((json_int_t)b->elapsed_ms));
        if (b->caps != NULL) {
            json_t *caps = json_object();
            for (int f = 0; f < BERTH_FEAT_COUNT; f++)
                json_object_set_new(caps, berth_feature_name((enum berth_feature)f),
                                    json_string(berth_support_name(b->caps[f])));
            json_object_set_new(j, "capabilities", caps);
        } else {
            json_object_set_new(j, "capabilities", json_null());
        }
        json_array_append_new(arr, j);
    }
    json_object_set_new(o, "backends", arr);
    json_object_set_new(o, "chosen", s->chosen ? json_string(s->chosen) : json_null());
    const struct berth_backend_status *rt = usable_runtime(s);
    json_object_set_new(o, "container_runtime", rt ? json_string(rt->name) : json_null());
    json_object_set_new(o, "ok", json_boolean(rt != NULL));
    json_t *install = json_array();
    for (size_t i = 0; rt == NULL && p->install[i] != NULL; i++)
        json_array_append_new(install, json_string(p->install[i]));
    json_object_set_new(o, "install", install);
    json_object_set_new(o, "install_note", rt == NULL && p->install_note != NULL
                                               ? json_string(p->install_note)
                                               : json_null());
    json_object_set_new(o, "note", json_string("the process backend runs services as host "
                                               "processes; it does not count as a container "
                                               "runtime"));
    ccli_print_json_pretty(o);
    json_decref(o);
}

/* The survey finished. */
static void doctor_done(const struct berth_container_result *res, void *user)
{
    struct doctor *d = user;
    if (res->error != NULL || res->survey == NULL) {
        if (res->error != NULL)
            ccli_print_error(res->error);
        ccli_finish(&d->c, d->c.signals > 0 ? CLI_EXIT_INTERRUPTED : CLI_EXIT_FAILURE);
        return;
    }
    struct platform p;
    platform_detect(&p);
    if (d->json)
        print_json(d, &p, res->survey);
    else
        print_text(d, &p, res->survey);
    ccli_finish(&d->c, usable_runtime(res->survey) ? CLI_EXIT_OK : CLI_EXIT_FAILURE);
}

/* Ctrl-C stops the probes. */
static void doctor_signal(struct ccli *c, int signo, int count, void *user)
{
    (void)signo;
    (void)count;
    (void)user;
    ccli_finish(c, CLI_EXIT_INTERRUPTED);
}

/* berth doctor [--format json]: survey, report, verdict as exit code. */
int cmd_doctor(struct cli_globals *g, int argc, char **argv)
{
    const char *format = NULL;
    const struct flag flags[] = {
        {"format", 0, FLAG_STRING, &format, "string", "Format output: text or json"},
        {NULL, 0, 0, NULL, NULL, NULL},
    };
    const struct flags_cmd spec = {"doctor", "[OPTIONS]",
                                   "Explain which container runtimes berth can use here, and why",
                                   flags, false, 0, 0};
    struct cli_list none = {0};
    int rc = flags_parse(&spec, argc, argv, &none);
    free(none.v);
    if (rc != 0)
        return flags_exit(rc);
    struct doctor d = {0};
    if (format != NULL && strcmp(format, "text") == 0)
        format = NULL;
    d.json = ccli_format_json(spec.name, format);
    if (d.json < 0)
        return CLI_EXIT_USAGE;
    rc = ccli_open(&d.c, g);
    if (rc != 0)
        return rc;
    d.plugin_dir = g->plugin_dir;
    /* A diagnosis may wait longer than a command would for a slow runtime to answer. */
    const char *pt = getenv("BERTH_PROBE_TIMEOUT");
    if (pt == NULL || *pt == '\0')
        berth_backend_config_set(d.c.eng, NULL, "probe_timeout", DOCTOR_PROBE_TIMEOUT, NULL);
    ccli_signals(&d.c, doctor_signal, &d);
    struct berth_error *e = NULL;
    if (berth_select_survey(d.c.eng, doctor_done, &d, &e) == NULL) {
        ccli_print_error(e);
        berth_error_free(e);
        ccli_finish(&d.c, CLI_EXIT_FAILURE);
    }
    rc = ccli_run(&d.c);
    ccli_close(&d.c);
    return rc;
}
