/*
 * The plugin registry: built-in drivers, the *.so loader, refused plugins.
 *
 * The registry hangs off the engine (ENGINE_SLOT_PLUGINS) and is created on
 * first use with the built-in drivers, so that the process driver is always
 * there even when no plugin directory exists.
 */
#include "config.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "backends/process.h"
#include "core/engine-internal.h"
#include "core/util.h"
#include "plugins/plugins-internal.h"

/* Drivers linked into libberth, in registration order. */
static const struct berth_backend_driver *(*const builtin_drivers[])(void) = {
    process_backend_driver,
};

/* True when s is a valid driver or flavour name: [a-z0-9][a-z0-9._-]*. */
static bool valid_name(const char *s)
{
    if (s == NULL || *s == '\0' || strlen(s) > 64)
        return false;
    for (const char *p = s; *p; p++) {
        bool ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                  (p != s && (*p == '-' || *p == '_' || *p == '.'));
        if (!ok)
            return false;
    }
    return true;
}

/* Checks a driver table before anything else of it is used; sets *err on refusal. */
static int check_table(const struct berth_backend_driver *drv, struct berth_error **err)
{
    if (drv == NULL)
        return berth_error_set(err, BERTH_E_INVALID, 0, "the entry function returned no table");
    if (drv->abi_major != BERTH_BACKEND_ABI_MAJOR)
        return berth_error_set(err, BERTH_E_ABI, 0,
                               "built for backend ABI %u.%u, this berth supports ABI %u "
                               "(rebuild the plugin against this berth's headers)",
                               drv->abi_major, drv->abi_minor, BERTH_BACKEND_ABI_MAJOR);
    if (!valid_name(drv->name))
        return berth_error_set(err, BERTH_E_INVALID, 0,
                               "invalid driver name%s%s%s (use [a-z0-9][a-z0-9._-]*)",
                               drv->name ? " '" : "", drv->name ? drv->name : " (none)",
                               drv->name ? "'" : "");
    if (drv->create == NULL || drv->destroy == NULL)
        return berth_error_set(err, BERTH_E_INVALID, 0, "driver '%s' has no %s function",
                               drv->name, drv->create == NULL ? "create" : "destroy");
    if (drv->caps_count > 0 && drv->caps == NULL)
        return berth_error_set(err, BERTH_E_INVALID, 0,
                               "driver '%s' declares %zu capabilities but no table", drv->name,
                               drv->caps_count);
    /* Entries past the features this berth knows belong to a newer minor: not read. */
    size_t n = drv->caps_count < BERTH_FEAT_COUNT ? drv->caps_count : BERTH_FEAT_COUNT;
    for (size_t i = 0; i < n; i++) {
        if ((unsigned)drv->caps[i] > BERTH_SUPPORT_PARTIAL)
            return berth_error_set(err, BERTH_E_INVALID, 0,
                                   "driver '%s': capability '%s' has an invalid support "
                                   "level %u",
                                   drv->name, berth_feature_name((enum berth_feature)i),
                                   (unsigned)drv->caps[i]);
    }
    if (drv->flavours != NULL) {
        for (size_t i = 0; drv->flavours[i] != NULL; i++) {
            if (!valid_name(drv->flavours[i]))
                return berth_error_set(err, BERTH_E_INVALID, 0,
                                       "driver '%s': invalid flavour name '%s'", drv->name,
                                       drv->flavours[i]);
            if (i > 64)
                return berth_error_set(err, BERTH_E_INVALID, 0,
                                       "driver '%s': flavour list is not NULL-terminated",
                                       drv->name);
        }
    }
    return 0;
}

/* The driver named name exactly, or NULL. */
static struct plugin_driver *find_by_name(struct plugin_registry *reg, const char *name)
{
    for (size_t i = 0; i < reg->n_drivers; i++)
        if (strcmp(reg->drivers[i]->info.name, name) == 0)
            return reg->drivers[i];
    return NULL;
}

/* Adds a checked table to the registry; takes dl. */
static struct plugin_driver *add_driver(struct plugin_registry *reg,
                                        const struct berth_backend_driver *drv, const char *file,
                                        const char *real, void *dl)
{
    struct plugin_driver *pd = xcalloc(1, sizeof(*pd));
    pd->dl = dl;
    pd->file = xstrdup(file);
    pd->realpath = real ? xstrdup(real) : NULL;
    struct strv fl;
    strv_init(&fl);
    if (drv->flavours == NULL || drv->flavours[0] == NULL)
        strv_push(&fl, drv->name);
    else
        for (size_t i = 0; drv->flavours[i] != NULL; i++)
            strv_push(&fl, drv->flavours[i]);
    pd->flavours = fl.v;
    pd->info.name = drv->name;
    pd->info.file = pd->file;
    pd->info.builtin = dl == NULL && real == NULL;
    pd->info.abi_major = drv->abi_major;
    pd->info.abi_minor = drv->abi_minor;
    pd->info.description = drv->description ? drv->description : "";
    pd->info.flavours = (const char *const *)pd->flavours;
    pd->info.driver = drv;
    reg->drivers = xreallocarray_grow(reg->drivers, &reg->cap_drivers, reg->n_drivers + 1,
                                      sizeof(*reg->drivers));
    reg->drivers[reg->n_drivers++] = pd;
    return pd;
}

/* Records a refused plugin file and logs why. */
static void refuse(struct plugin_registry *reg, const char *file, const char *reason)
{
    reg->refused = xreallocarray_grow(reg->refused, &reg->cap_refused, reg->n_refused + 1,
                                      sizeof(*reg->refused));
    reg->refused[reg->n_refused].file = xstrdup(file);
    reg->refused[reg->n_refused].reason = xstrdup(reason);
    reg->n_refused++;
    berth_engine_log(reg->eng, BERTH_LOG_WARN, "plugins", "refused plugin %s: %s", file, reason);
}

/* Frees the registry: instances first, then the drivers' code. */
static void registry_free(void *data)
{
    struct plugin_registry *reg = data;
    while (reg->instances != NULL)
        backend_destroy(reg->instances);
    for (size_t i = 0; i < reg->n_drivers; i++) {
        struct plugin_driver *pd = reg->drivers[i];
        if (pd->dl != NULL)
            dlclose(pd->dl);
        free(pd->file);
        free(pd->realpath);
        for (size_t j = 0; pd->flavours[j] != NULL; j++)
            free(pd->flavours[j]);
        free(pd->flavours);
        free(pd);
    }
    free(reg->drivers);
    for (size_t i = 0; i < reg->n_refused; i++) {
        free((char *)reg->refused[i].file);
        free((char *)reg->refused[i].reason);
    }
    free(reg->refused);
    for (size_t i = 0; i < reg->n_config; i++) {
        free(reg->config[i].backend);
        free(reg->config[i].key);
        free(reg->config[i].value);
    }
    free(reg->config);
    free(reg);
}

/* The engine's registry, created with the built-in drivers on first use. */
struct plugin_registry *plugins_registry(struct berth_engine *eng)
{
    struct plugin_registry *reg = engine_slot(eng, ENGINE_SLOT_PLUGINS);
    if (reg != NULL)
        return reg;
    reg = xcalloc(1, sizeof(*reg));
    reg->eng = eng;
    engine_set_slot(eng, ENGINE_SLOT_PLUGINS, reg, registry_free);
    for (size_t i = 0; i < ARRAY_LEN(builtin_drivers); i++) {
        const struct berth_backend_driver *drv = builtin_drivers[i]();
        struct berth_error *e = NULL;
        if (check_table(drv, &e) < 0) {
            /* A broken built-in is a berth bug: keep going without it, loudly. */
            berth_engine_log(eng, BERTH_LOG_ERROR, "plugins", "built-in driver refused: %s",
                             berth_error_message(e));
            berth_error_free(e);
            continue;
        }
        add_driver(reg, drv, "(built-in)", NULL, NULL);
    }
    return reg;
}

/* True when a plugin of that resolved path is already loaded. */
static bool already_loaded(struct plugin_registry *reg, const char *real)
{
    for (size_t i = 0; i < reg->n_drivers; i++)
        if (reg->drivers[i]->realpath != NULL && strcmp(reg->drivers[i]->realpath, real) == 0)
            return true;
    for (size_t i = 0; i < reg->n_refused; i++)
        if (strcmp(reg->refused[i].file, real) == 0)
            return true;
    return false;
}

/* dlopens one plugin file and registers its driver, or refuses it. */
static void load_file(struct plugin_registry *reg, const char *path)
{
    char real[PATH_MAX];
    if (realpath(path, real) == NULL) {
        char *why = xasprintf("cannot resolve the path: %s", strerror(errno));
        refuse(reg, path, why);
        free(why);
        return;
    }
    if (already_loaded(reg, real))
        return;
    dlerror();
    void *dl = dlopen(real, RTLD_NOW | RTLD_LOCAL);
    if (dl == NULL) {
        const char *de = dlerror();
        char *why = xasprintf("cannot load it: %s", de ? de : "unknown dlopen error");
        refuse(reg, real, why);
        free(why);
        return;
    }
    dlerror();
    void *sym = dlsym(dl, BERTH_BACKEND_ENTRY);
    if (sym == NULL) {
        refuse(reg, real,
               "no entry symbol '" BERTH_BACKEND_ENTRY "' (not a berth backend plugin)");
        dlclose(dl);
        return;
    }
    /* POSIX guarantees object/function pointer conversion for dlsym results. */
    berth_backend_entry_fn entry;
    memcpy(&entry, &sym, sizeof(entry));
    const struct berth_backend_driver *drv = entry();
    struct berth_error *e = NULL;
    if (check_table(drv, &e) < 0) {
        refuse(reg, real, berth_error_message(e));
        berth_error_free(e);
        dlclose(dl);
        return;
    }
    struct plugin_driver *dup = find_by_name(reg, drv->name);
    if (dup != NULL) {
        char *why = xasprintf("duplicate driver name '%s' (already provided by %s)", drv->name,
                              dup->file);
        refuse(reg, real, why);
        free(why);
        dlclose(dl);
        return;
    }
    add_driver(reg, drv, real, real, dl);
}

/* Orders directory entries by name so that loading is deterministic. */
static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Loads every *.so of dir; a missing directory is fine unless must_exist. */
static int load_dir(struct plugin_registry *reg, const char *dir, bool must_exist,
                    struct berth_error **err)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        if (!must_exist)
            return 0;
        return berth_error_set(err, errno == ENOENT ? BERTH_E_NOT_FOUND : BERTH_E_SYSTEM, errno,
                               "plugin directory '%s'", dir);
    }
    struct strv names;
    strv_init(&names);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] != '.' && str_ends_with(de->d_name, ".so"))
            strv_push(&names, de->d_name);
    }
    closedir(d);
    if (names.n > 0)
        qsort(names.v, names.n, sizeof(char *), cmp_names);
    for (size_t i = 0; i < names.n; i++) {
        char *path = xasprintf("%s/%s", dir, names.v[i]);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            free(path);
            continue;
        }
        load_file(reg, path);
        free(path);
    }
    strv_free(&names);
    return 0;
}

/* Loads plugins from the explicit dirs, BERTH_PLUGIN_PATH and the installed directory. */
int berth_plugins_load(struct berth_engine *eng, const char *const *dirs, int flags,
                       struct berth_error **err)
{
    struct plugin_registry *reg = plugins_registry(eng);
    /* Check every explicit directory first: a bad one loads nothing (no half-applied change). */
    for (size_t i = 0; dirs != NULL && dirs[i] != NULL; i++) {
        struct stat st;
        if (stat(dirs[i], &st) < 0)
            return berth_error_set(err, errno == ENOENT ? BERTH_E_NOT_FOUND : BERTH_E_SYSTEM,
                                   errno, "plugin directory '%s'", dirs[i]);
        if (!S_ISDIR(st.st_mode))
            return berth_error_set(err, BERTH_E_INVALID, 0,
                                   "plugin directory '%s' is not a directory", dirs[i]);
    }
    for (size_t i = 0; dirs != NULL && dirs[i] != NULL; i++)
        if (load_dir(reg, dirs[i], true, err) < 0)
            return -1;
    const char *path = (flags & BERTH_PLUGINS_NO_ENV) ? NULL : getenv("BERTH_PLUGIN_PATH");
    if (path != NULL) {
        char *copy = xstrdup(path), *save = NULL;
        for (char *dir = strtok_r(copy, ":", &save); dir != NULL; dir = strtok_r(NULL, ":", &save))
            load_dir(reg, dir, false, NULL);
        free(copy);
    }
    if (!(flags & BERTH_PLUGINS_NO_INSTALLED))
        load_dir(reg, BERTH_PKGLIBDIR "/backends", false, NULL);
    return 0;
}

/* Registers a driver table linked into the program. */
int berth_plugins_add_driver(struct berth_engine *eng, const struct berth_backend_driver *drv,
                             const char *origin, struct berth_error **err)
{
    struct plugin_registry *reg = plugins_registry(eng);
    if (check_table(drv, err) < 0)
        return -1;
    struct plugin_driver *dup = find_by_name(reg, drv->name);
    if (dup != NULL)
        return berth_error_set(err, BERTH_E_EXISTS, 0,
                               "a driver named '%s' is already registered (from %s)", drv->name,
                               dup->file);
    add_driver(reg, drv, origin ? origin : "(built-in)", NULL, NULL);
    return 0;
}

/* Number of usable drivers. */
size_t berth_plugins_count(struct berth_engine *eng)
{
    return plugins_registry(eng)->n_drivers;
}

/* The i-th usable driver. */
const struct berth_driver_info *berth_plugins_get(struct berth_engine *eng, size_t i)
{
    struct plugin_registry *reg = plugins_registry(eng);
    return i < reg->n_drivers ? &reg->drivers[i]->info : NULL;
}

/* The driver of that name, else the first listing it as a flavour. */
const struct berth_driver_info *berth_plugins_find(struct berth_engine *eng, const char *name)
{
    struct plugin_registry *reg = plugins_registry(eng);
    if (name == NULL)
        return NULL;
    struct plugin_driver *pd = find_by_name(reg, name);
    if (pd != NULL)
        return &pd->info;
    for (size_t i = 0; i < reg->n_drivers; i++)
        for (size_t j = 0; reg->drivers[i]->flavours[j] != NULL; j++)
            if (strcmp(reg->drivers[i]->flavours[j], name) == 0)
                return &reg->drivers[i]->info;
    return NULL;
}

/* The driver table's support of feature f. */
enum berth_support berth_driver_supports(const struct berth_driver_info *d, enum berth_feature f)
{
    const struct berth_backend_driver *drv = d->driver;
    if ((int)f < 0 || f >= BERTH_FEAT_COUNT || (size_t)f >= drv->caps_count)
        return BERTH_SUPPORT_UNSUPPORTED;
    return drv->caps[f];
}

/* Number of refused plugin files. */
size_t berth_plugins_refused_count(struct berth_engine *eng)
{
    return plugins_registry(eng)->n_refused;
}

/* The i-th refused plugin. */
const struct berth_refused_plugin *berth_plugins_refused(struct berth_engine *eng, size_t i)
{
    struct plugin_registry *reg = plugins_registry(eng);
    return i < reg->n_refused ? &reg->refused[i] : NULL;
}
