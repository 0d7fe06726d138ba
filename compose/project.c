/*
 * The project loader: files, environment, name, then the per-file stages,
 * merging, schema, profiles, normalisation and validation; and the public
 * berth_project_* API over the result. Synchronous file I/O, done before any
 * event loop runs.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "compose/diag.h"
#include "compose/dotenv.h"
#include "compose/emit.h"
#include "compose/hash.h"
#include "compose/loader.h"
#include "compose/merge.h"
#include "compose/normalize.h"
#include "compose/paths.h"
#include "compose/profiles.h"
#include "compose/project-internal.h"
#include "compose/schema.h"
#include "compose/validate.h"
#include "compose/vars.h"
#include "core/util.h"

struct berth_project {
    char *name;
    char *workdir;
    struct strv files;
    json_t *model;
    json_t *env;
    struct strv services, profiles, networks, volumes, images;
    struct strv defined; /* every service of the files, active or not (engine: orphans) */
    bool interpolated;
};

/* Default compose file names, in the order docker compose looks for them. */
static const char *const default_names[] = {"compose.yaml", "compose.yml", "docker-compose.yaml",
                                            "docker-compose.yml"};
static const char *const override_names[] = {"compose.override.yaml", "compose.override.yml",
                                             "docker-compose.override.yaml",
                                             "docker-compose.override.yml"};

/* ---------------------------------------------------------------- names */

/* A valid project name: [a-z0-9][a-z0-9_-]*. */
static bool name_valid(const char *s)
{
    if (!(islower((unsigned char)s[0]) || isdigit((unsigned char)s[0])))
        return false;
    for (const char *p = s; *p; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_' || *p == '-'))
            return false;
    return true;
}

/* docker compose's normalisation: lower-case, keep [a-z0-9_-], no leading _ or -. */
static char *name_normalize(const char *s)
{
    char *out = xmalloc(strlen(s) + 1), *o = out;
    for (const char *p = s; *p; p++) {
        char c = (char)tolower((unsigned char)*p);
        if (islower((unsigned char)c) || isdigit((unsigned char)c) || c == '_' || c == '-')
            *o++ = c;
    }
    *o = '\0';
    char *start = out;
    while (*start == '_' || *start == '-')
        start++;
    char *r = xstrdup(start);
    free(out);
    return r;
}

/* Records an invalid project name error with a suggestion. */
static void bad_name(struct diag *d, const struct ynode *at, const char *name, const char *from)
{
    char *fixed = name_normalize(name);
    char *hint = *fixed ? xasprintf("use \"%s\" (%s)", fixed, from)
                        : xasprintf("choose a name of lower-case letters and digits (%s)", from);
    diag_add(d, at, NULL, hint,
             "invalid project name \"%s\": must consist only of lowercase alphanumeric "
             "characters, hyphens, and underscores as well as start with a letter or number",
             name);
    free(hint);
    free(fixed);
}

/* ---------------------------------------------------------------- environment */

/* Parses env files into vals (later ones win; ${} sees the shell, then earlier keys). */
static int read_env_files(struct strv *paths, const json_t *shell, json_t *vals, struct diag *d)
{
    for (size_t i = 0; i < paths->n; i++) {
        struct berth_error *e = NULL;
        if (!paths_is_file(paths->v[i])) {
            diag_add_pos(d, NULL, 0, 0, NULL, "check the --env-file path",
                         "couldn't find env file: %s", paths->v[i]);
            diag_set_code(d, BERTH_E_NOT_FOUND);
            return -1;
        }
        if (dotenv_parse_file(paths->v[i], false, vars_lookup, (void *)shell, vals, &e) != 0) {
            diag_add_pos(d, NULL, 0, 0, NULL, "fix the line named in the message", "%s",
                         berth_error_message(e));
            berth_error_free(e);
            return -1;
        }
    }
    return 0;
}

/* The project environment: env files below, the shell environment on top. */
static json_t *project_env(const json_t *shell, const json_t *dot)
{
    json_t *env = json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)dot, k, v) {
        if (json_is_string(v))
            json_object_set(env, k, v);
    }
    json_object_update(env, (json_t *)shell);
    return env;
}

/* ---------------------------------------------------------------- files */

/* The first default file in dir (warning when several exist), or NULL. */
static char *find_in_dir(struct loader *l, const char *dir)
{
    char *found = NULL;
    struct strv all;
    strv_init(&all);
    for (size_t i = 0; i < ARRAY_LEN(default_names); i++) {
        char *p = paths_join(dir, default_names[i]);
        if (paths_is_file(p)) {
            strv_push(&all, default_names[i]);
            if (found == NULL)
                found = xstrdup(p);
        }
        free(p);
    }
    if (all.n > 1) {
        char *list = xstrdup("");
        for (size_t i = 0; i < all.n; i++) {
            char *t = xasprintf("%s%s%s", list, i ? ", " : "", all.v[i]);
            free(list);
            list = t;
        }
        loader_warn(l, "Found multiple config files with supported names: %s. Using %s", list,
                    all.v[0]);
        free(list);
    }
    strv_free(&all);
    return found;
}

/* Looks for the compose file in start and its parents; adds the override file. */
static int discover(struct loader *l, const char *start, struct strv *files)
{
    char *dir = xstrdup(start);
    for (;;) {
        char *f = find_in_dir(l, dir);
        if (f != NULL) {
            strv_push_take(files, f);
            for (size_t i = 0; i < ARRAY_LEN(override_names); i++) {
                char *o = paths_join(dir, override_names[i]);
                if (paths_is_file(o)) {
                    strv_push_take(files, o);
                    break;
                }
                free(o);
            }
            free(dir);
            return 0;
        }
        if (strcmp(dir, "/") == 0)
            break;
        char *up = paths_dir(dir);
        free(dir);
        dir = up;
    }
    free(dir);
    return -1;
}

/* Splits COMPOSE_FILE into absolute paths. */
static void split_compose_file(const char *value, const char *sep, const char *base,
                               struct strv *out)
{
    char *copy = xstrdup(value), *save = NULL;
    for (char *f = strtok_r(copy, sep, &save); f; f = strtok_r(NULL, sep, &save))
        if (*f)
            strv_push_take(out, paths_join(base, f));
    free(copy);
}

/* ---------------------------------------------------------------- the pipeline */

struct load {
    const struct berth_project_options *o;
    struct diag d;
    struct loader l;
    json_t *shell;
    json_t *env;
    struct strv files;
    char *workdir;
    char *name;
    struct ydocs *docs; /* per file */
    struct ynode *tree;
};

/* Reads .env / --env-file and builds the environment for directory wd. */
static int setup_env(struct load *s, const char *wd)
{
    json_t *dot = json_object();
    struct strv paths;
    strv_init(&paths);
    if (s->o->env_files != NULL && s->o->env_files[0] != NULL) {
        for (const char *const *f = s->o->env_files; *f; f++)
            strv_push_take(&paths, paths_join(s->l.cwd, *f));
    } else {
        char *p = paths_join(wd, ".env");
        if (paths_is_file(p))
            strv_push(&paths, p);
        free(p);
    }
    int rc = read_env_files(&paths, s->shell, dot, &s->d);
    strv_free(&paths);
    json_decref(s->env);
    s->env = project_env(s->shell, dot);
    json_decref(dot);
    return rc;
}

/* Decides the compose files and the project directory. */
static int setup_files(struct load *s)
{
    const struct berth_project_options *o = s->o;
    char *pd = o->project_directory ? paths_join(s->l.cwd, o->project_directory) : NULL;
    char *wd = pd ? xstrdup(pd) : NULL;
    if (o->files != NULL && o->files[0] != NULL) {
        for (const char *const *f = o->files; *f; f++) /* "-" is standard input */
            strv_push_take(&s->files, strcmp(*f, "-") == 0 ? xstrdup("-")
                                                           : paths_join(s->l.cwd, *f));
        if (wd == NULL)
            wd = strcmp(s->files.v[0], "-") == 0 ? xstrdup(s->l.cwd) : paths_dir(s->files.v[0]);
    }
    if (wd == NULL)
        wd = xstrdup(s->l.cwd);
    if (setup_env(s, wd) != 0) {
        free(pd);
        free(wd);
        return -1;
    }
    if (s->files.n == 0) {
        const char *cf = json_string_value(json_object_get(s->env, "COMPOSE_FILE"));
        if (cf != NULL && *cf) {
            const char *sep = json_string_value(json_object_get(s->env, "COMPOSE_PATH_SEPARATOR"));
            split_compose_file(cf, sep && *sep ? sep : ":", wd, &s->files);
        } else if (discover(&s->l, wd, &s->files) != 0) {
            diag_add_pos(&s->d, NULL, 0, 0, NULL,
                         "run berth in a directory with a compose.yaml, or name the file with -f",
                         "no configuration file provided: not found (looked for compose.yaml, "
                         "compose.yml, docker-compose.yaml and docker-compose.yml in %s and its "
                         "parents)",
                         wd);
            diag_set_code(&s->d, BERTH_E_NOT_FOUND);
            free(pd);
            free(wd);
            return -1;
        } else if (pd == NULL) {
            /* found in a parent: that directory is the project's, and so is its .env */
            char *dir = paths_dir(s->files.v[0]);
            if (strcmp(dir, wd) != 0 && (o->env_files == NULL || o->env_files[0] == NULL) &&
                setup_env(s, dir) != 0) {
                free(dir);
                free(pd);
                free(wd);
                return -1;
            }
            free(dir);
        }
    }
    s->workdir = pd                                 ? pd
                 : strcmp(s->files.v[0], "-") == 0 ? xstrdup(s->l.cwd)
                                                   : paths_dir(s->files.v[0]);
    free(wd);
    return 0;
}

/* Parses every file (not interpolated yet: the project name comes first). */
static int parse_files(struct load *s)
{
    s->docs = xcalloc(s->files.n, sizeof(*s->docs));
    int rc = 0;
    for (size_t i = 0; i < s->files.n; i++)
        if (loader_parse(&s->l, s->files.v[i], s->workdir, NULL, &s->docs[i]) != 0)
            rc = -1;
    return rc;
}

/* -p, else COMPOSE_PROJECT_NAME, else the last `name:`, else the directory. */
static int decide_name(struct load *s)
{
    size_t before = s->d.n;
    if (s->o->project_name != NULL && *s->o->project_name) {
        if (!name_valid(s->o->project_name))
            bad_name(&s->d, NULL, s->o->project_name, "-p/--project-name");
        s->name = xstrdup(s->o->project_name);
    } else {
        const char *env = json_string_value(json_object_get(s->env, "COMPOSE_PROJECT_NAME"));
        if (env != NULL && *env) {
            if (!name_valid(env))
                bad_name(&s->d, NULL, env, "COMPOSE_PROJECT_NAME");
            s->name = xstrdup(env);
        }
    }
    if (s->name == NULL) {
        const struct ynode *last = NULL;
        for (size_t i = 0; i < s->files.n; i++)
            for (size_t j = 0; j < s->docs[i].n; j++) {
                const struct ynode *n = ynode_map_get(s->docs[i].v[j], "name");
                if (n != NULL && ynode_is_str(n) && *n->text)
                    last = n;
            }
        if (last != NULL) {
            char *v = NULL;
            if (s->o->no_interpolate) {
                v = xstrdup(last->text);
            } else {
                struct berth_error *e = NULL;
                v = vars_expand(last->text, s->env, &e);
                if (v == NULL) {
                    diag_add(&s->d, last, "name", "set the variable, or fix the expression",
                             "%s", berth_error_message(e));
                    berth_error_free(e);
                }
            }
            if (v != NULL && *v) {
                if (!name_valid(v))
                    bad_name(&s->d, last, v, "the name: key");
                s->name = v;
            } else {
                free(v);
            }
        }
    }
    if (s->name == NULL) {
        char *base = paths_base(s->workdir);
        s->name = name_normalize(base);
        if (*s->name == '\0')
            diag_add_pos(&s->d, NULL, 0, 0, NULL,
                         "name the project with -p NAME or a name: key",
                         "project name must not be empty (the directory name \"%s\" has no "
                         "usable character)",
                         base);
        free(base);
    }
    json_object_set_new(s->env, "COMPOSE_PROJECT_NAME", json_string(s->name));
    return s->d.n != before ? -1 : 0;
}

/* Interpolates and processes every file, then merges them in order. */
static int merge_files(struct load *s)
{
    int rc = 0;
    for (size_t i = 0; i < s->files.n; i++) {
        struct ynode *root = loader_finish(&s->l, &s->docs[i], s->files.v[i], s->env);
        if (root == NULL) {
            rc = -1;
            continue;
        }
        if (loader_stages(&s->l, root, s->files.v[i], s->env) != 0)
            rc = -1;
        if (rc != 0) {
            ynode_free(root);
            continue;
        }
        if (merge_into(&s->tree, root, &s->d) != 0)
            rc = -1;
    }
    if (rc == 0 && (s->tree == NULL || s->tree->n == 0)) {
        char *shown = loader_display_name(&s->l, s->files.v[0]);
        diag_add_pos(&s->d, shown, 0, 0, NULL, "add a services: section",
                     "empty compose file");
        free(shown);
        rc = -1;
    }
    return rc;
}

/* Keeps the targeted services and everything they depend on. */
static void select_targets(json_t *model, const char *const *targets)
{
    json_t *services = json_object_get(model, "services");
    struct strmap *keep = strmap_new();
    struct strv queue;
    strv_init(&queue);
    for (const char *const *t = targets; *t; t++)
        strv_push(&queue, *t);
    for (size_t i = 0; i < queue.n; i++) {
        if (strmap_has(keep, queue.v[i]))
            continue;
        strmap_put(keep, queue.v[i], NULL);
        const char *dep;
        json_t *cfg;
        json_object_foreach(json_object_get(json_object_get(services, queue.v[i]), "depends_on"),
                            dep, cfg) strv_push(&queue, dep);
    }
    const char *k;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(services, tmp, k, v) {
        if (!strmap_has(keep, k))
            json_object_del(services, k);
    }
    strv_free(&queue);
    strmap_free(keep);
}

/* qsort comparator for strings. */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of a JSON object, sorted, appended to out. */
static void sorted_keys(const json_t *o, struct strv *out)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v) strv_push(out, k);
    if (out->n > 1)
        qsort(out->v, out->n, sizeof(*out->v), cmp_str);
}

/* Builds the project object from a finished load. */
static struct berth_project *make_project(struct load *s, json_t *model)
{
    struct berth_project *p = xcalloc(1, sizeof(*p));
    p->name = xstrdup(s->name);
    p->workdir = xstrdup(s->workdir);
    strv_init(&p->files);
    for (size_t i = 0; i < s->files.n; i++)
        strv_push(&p->files, s->files.v[i]);
    p->model = model;
    p->env = json_incref(s->env);
    p->interpolated = !s->o->no_interpolate;
    strv_init(&p->services);
    strv_init(&p->profiles);
    strv_init(&p->networks);
    strv_init(&p->volumes);
    strv_init(&p->images);
    const json_t *services = json_object_get(model, "services");
    sorted_keys(services, &p->services);
    for (size_t i = 0; i < p->services.n; i++) {
        const char *img = json_string_value(
            json_object_get(json_object_get(services, p->services.v[i]), "image"));
        if (img != NULL)
            strv_push(&p->images, img);
        else
            strv_pushf(&p->images, "%s-%s", p->name, p->services.v[i]);
    }
    profiles_all(ynode_map_get(s->tree, "services"), &p->profiles);
    strv_init(&p->defined);
    const struct ynode *all = ynode_map_get(s->tree, "services");
    for (size_t i = 0; all != NULL && all->kind == YNODE_MAP && i < all->n; i++)
        strv_push(&p->defined, ynode_map_key(all, i));
    sorted_keys(json_object_get(model, "networks"), &p->networks);
    sorted_keys(json_object_get(model, "volumes"), &p->volumes);
    return p;
}

/* True when validation of model finds a problem (checked without positions). */
static bool validate_fails(const json_t *model, const struct ynode *services)
{
    struct diag d;
    diag_init(&d);
    int rc = validate_model(model, NULL, services, &d);
    diag_free(&d);
    return rc != 0;
}

/* Loads a project: files, environment, name, stages, checks, model. */
struct berth_project *berth_project_load(const struct berth_project_options *opts,
                                         struct berth_error **err)
{
    static const struct berth_project_options none;
    struct load s = {.o = opts ? opts : &none};
    diag_init(&s.d);
    strv_init(&s.files);
    s.shell = vars_from_envp(s.o->environment);
    loader_init(&s.l, &s.d, s.shell);
    s.l.no_interpolate = s.o->no_interpolate;
    s.l.warn = s.o->warn;
    s.l.warn_user = s.o->warn_user;
    struct berth_project *p = NULL;
    json_t *model = NULL;
    struct posidx pos;
    posidx_init(&pos);
    struct strmap *active = NULL;
    struct strv enabled, targets;
    strv_init(&enabled);
    strv_init(&targets);

    if (setup_files(&s) != 0 || parse_files(&s) != 0 || decide_name(&s) != 0 ||
        merge_files(&s) != 0)
        goto out;
    schema_check_project(s.tree, &s.d); /* bad parts are pruned: keep checking the rest */
    if (s.o->profiles != NULL && s.o->profiles[0] != NULL) {
        for (const char *const *pr = s.o->profiles; *pr; pr++)
            strv_push(&enabled, *pr);
    } else {
        profiles_split(json_string_value(json_object_get(s.env, "COMPOSE_PROFILES")), &enabled);
    }
    for (const char *const *t = s.o->services; t && *t; t++)
        strv_push(&targets, *t);
    const struct ynode *services = ynode_map_get(s.tree, "services");
    active = profiles_active(services, &enabled, &targets, &s.d);
    struct nz_opts nzo = {.project = s.name,
                          .workdir = s.workdir,
                          .home = s.l.home,
                          .env = s.env,
                          .no_interpolate = s.o->no_interpolate,
                          .active = active,
                          .loader = &s.l};
    model = normalize_project(s.tree, &nzo, NULL, &s.d);
    if (model == NULL)
        goto out;
    if (s.d.n > 0 || validate_fails(model, services)) {
        /* the position index (one path string per node) only serves messages:
         * build it by normalising again now that there will be some */
        struct diag again;
        diag_init(&again);
        json_decref(model);
        model = normalize_project(s.tree, &nzo, &pos, &again);
        diag_free(&again);
        if (model == NULL)
            goto out;
        validate_model(model, &pos, services, &s.d);
    }
    if (s.d.n > 0)
        goto out;
    if (targets.n > 0)
        select_targets(model, (const char *const *)targets.v);
    if (s.o->no_normalize) {
        json_t *plain = normalize_plain(s.tree);
        json_object_set_new(plain, "name", json_string(s.name));
        json_t *ps = json_object_get(plain, "services");
        const char *k;
        json_t *v;
        void *tmp;
        json_object_foreach_safe(ps, tmp, k, v) {
            if (json_object_get(json_object_get(model, "services"), k) == NULL)
                json_object_del(ps, k);
        }
        json_decref(model);
        model = plain;
    }
    p = make_project(&s, model);
    model = NULL;
out:
    if (p == NULL)
        diag_to_error(&s.d, err);
    json_decref(model);
    strmap_free(active);
    strv_free(&enabled);
    strv_free(&targets);
    posidx_free(&pos);
    for (size_t i = 0; s.docs && i < s.files.n; i++)
        ydocs_free(&s.docs[i]);
    free(s.docs);
    ynode_free(s.tree);
    loader_free(&s.l);
    diag_free(&s.d);
    strv_free(&s.files);
    json_decref(s.shell);
    json_decref(s.env);
    free(s.workdir);
    free(s.name);
    return p;
}

/* Frees a project. */
void berth_project_free(struct berth_project *p)
{
    if (p == NULL)
        return;
    free(p->name);
    free(p->workdir);
    strv_free(&p->files);
    json_decref(p->model);
    json_decref(p->env);
    strv_free(&p->services);
    strv_free(&p->profiles);
    strv_free(&p->networks);
    strv_free(&p->volumes);
    strv_free(&p->images);
    strv_free(&p->defined);
    free(p);
}

/* The project name. */
const char *berth_project_name(const struct berth_project *p)
{
    return p->name;
}

/* The project directory. */
const char *berth_project_working_dir(const struct berth_project *p)
{
    return p->workdir;
}

/* The compose files. */
const char *const *berth_project_config_files(const struct berth_project *p)
{
    return strv_argv((struct strv *)&p->files);
}

/* The active services, sorted. */
const char *const *berth_project_services(const struct berth_project *p)
{
    return strv_argv((struct strv *)&p->services);
}

/* Number of active services. */
size_t berth_project_service_count(const struct berth_project *p)
{
    return p->services.n;
}

/* Every profile the services declare. */
const char *const *berth_project_profiles(const struct berth_project *p)
{
    return strv_argv((struct strv *)&p->profiles);
}

/* The network keys, sorted. */
const char *const *berth_project_networks(const struct berth_project *p)
{
    return strv_argv((struct strv *)&p->networks);
}

/* The volume keys, sorted. */
const char *const *berth_project_volumes(const struct berth_project *p)
{
    return strv_argv((struct strv *)&p->volumes);
}

/* The image a service runs (or builds). */
const char *berth_project_service_image(const struct berth_project *p, const char *service)
{
    for (size_t i = 0; i < p->services.n; i++)
        if (strcmp(p->services.v[i], service) == 0)
            return p->images.v[i];
    return NULL;
}

/* A variable of the project environment. */
const char *berth_project_getenv(const struct berth_project *p, const char *name)
{
    return json_string_value(json_object_get(p->env, name));
}

/* The emit flags for the public output flags. */
static unsigned emit_flags(const struct berth_project *p, unsigned flags)
{
    unsigned f = 0;
    if (flags & BERTH_PROJECT_COMPACT)
        f |= EMIT_COMPACT;
    if ((flags & BERTH_PROJECT_ESCAPE_DOLLAR) && p->interpolated)
        f |= EMIT_ESCAPE_DOLLAR;
    return f;
}

/* The model as JSON text. */
char *berth_project_to_json(const struct berth_project *p, unsigned flags)
{
    return emit_json(p->model, emit_flags(p, flags));
}

/* The model as YAML text. */
char *berth_project_to_yaml(const struct berth_project *p, unsigned flags)
{
    return emit_yaml(p->model, emit_flags(p, flags));
}

/* The config hash of one service. */
int berth_project_config_hash(const struct berth_project *p, const char *service, char out[65],
                              struct berth_error **err)
{
    const json_t *svc = project_service(p, service);
    if (svc == NULL)
        return berth_error_set(err, BERTH_E_NOT_FOUND, 0, "no such service: %s", service);
    return hash_service(svc, out, err);
}

/* The normalised model. */
const json_t *project_model(const struct berth_project *p)
{
    return p->model;
}

/* The model of one service. */
const json_t *project_service(const struct berth_project *p, const char *name)
{
    return json_object_get(json_object_get(p->model, "services"), name);
}

/* Every service of the files, active or not. */
const char *const *project_defined_services(const struct berth_project *p)
{
    return (const char *const *)p->defined.v;
}

/* The project environment. */
const json_t *project_environment(const struct berth_project *p)
{
    return p->env;
}
