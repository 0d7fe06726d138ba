/* Driver instances: creation, capabilities, submission of operations, destruction. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "core/util.h"
#include "plugins/plugins-internal.h"

/* Reads the instance's default timeout: "timeout" config, BERTH_BACKEND_TIMEOUT, 300 s. */
static int backend_read_timeout(struct berth_backend *b, struct berth_error **err)
{
    const char *v = berth_backend_config_get(b->eng, b->name, b->drv->info.name, "timeout");
    const char *what = "configuration 'timeout'";
    if (v == NULL) {
        v = getenv("BERTH_BACKEND_TIMEOUT");
        what = "BERTH_BACKEND_TIMEOUT";
    }
    if (v == NULL) {
        b->timeout_ms = BERTH_BACKEND_TIMEOUT_DEFAULT_MS;
        return 0;
    }
    if (berth_duration_parse(v, &b->timeout_ms, err) < 0)
        return berth_error_wrap(err, "backend '%s': %s", b->name, what);
    return 0;
}

/* Takes the instance's capability table (ABI minor 1) or the driver's; checks it. */
static int backend_read_caps(struct berth_backend *b, struct berth_error **err)
{
    const struct berth_backend_driver *drv = b->drv->info.driver;
    b->caps = drv->caps;
    b->n_caps = drv->caps_count;
    if (drv->abi_minor >= 1 && drv->instance_caps != NULL) {
        size_t n = 0;
        const enum berth_support *caps = drv->instance_caps(b->state, &n);
        if (caps != NULL || n == 0) {
            b->caps = caps;
            b->n_caps = caps ? n : 0;
        }
    }
    size_t n = b->n_caps < BERTH_FEAT_COUNT ? b->n_caps : BERTH_FEAT_COUNT;
    for (size_t i = 0; i < n; i++)
        if ((unsigned)b->caps[i] > BERTH_SUPPORT_PARTIAL)
            return berth_error_set(err, BERTH_E_INVALID, 0,
                                   "backend '%s': capability '%s' has an invalid support level %u",
                                   b->name, berth_feature_name((enum berth_feature)i),
                                   (unsigned)b->caps[i]);
    return 0;
}

/* Creates an instance of the driver serving name. */
struct berth_backend *berth_backend_new(struct berth_engine *eng, const char *name,
                                        struct berth_error **err)
{
    if (name == NULL || *name == '\0') {
        berth_error_set(err, BERTH_E_INVALID, 0, "no backend name given");
        return NULL;
    }
    struct plugin_registry *reg = plugins_registry(eng);
    const struct berth_driver_info *info = berth_plugins_find(eng, name);
    if (info == NULL) {
        berth_error_set(err, BERTH_E_NOT_FOUND, 0, "no driver provides backend '%s'", name);
        if (err != NULL)
            berth_error_set_hint(*err,
                                 "run 'berth backends' to list the drivers found; plugins are "
                                 "searched in --plugin-dir, BERTH_PLUGIN_PATH and %s/backends",
                                 BERTH_PKGLIBDIR);
        return NULL;
    }
    struct berth_backend *b = xcalloc(1, sizeof(*b));
    b->reg = reg;
    b->eng = eng;
    for (size_t i = 0; i < reg->n_drivers; i++)
        if (&reg->drivers[i]->info == info)
            b->drv = reg->drivers[i];
    b->name = xstrdup(name);
    host_init(b);
    if (backend_read_timeout(b, err) < 0) {
        free(b->name);
        free(b);
        return NULL;
    }
    const char *flavour = strcmp(name, info->name) == 0 ? NULL : name;
    if (info->driver->create(&b->host, flavour, &b->state, err) < 0) {
        berth_error_set(err, BERTH_E_BACKEND, 0, "the driver failed without saying why");
        berth_error_wrap(err, "backend '%s'", name);
        free(b->name);
        free(b);
        return NULL;
    }
    if (backend_read_caps(b, err) < 0) {
        info->driver->destroy(b->state);
        free(b->name);
        free(b);
        return NULL;
    }
    b->next = reg->instances;
    if (reg->instances != NULL)
        reg->instances->prev = b;
    reg->instances = b;
    return b;
}

/* Destroys b now: ops dropped, driver instance destroyed, memory freed. */
void backend_destroy(struct berth_backend *b)
{
    struct plugin_registry *reg = b->reg;
    if (b->prev != NULL)
        b->prev->next = b->next;
    else
        reg->instances = b->next;
    if (b->next != NULL)
        b->next->prev = b->prev;
    op_drop_all(b);
    b->destroyed = true;
    b->drv->info.driver->destroy(b->state);
    if (b->reap != NULL)
        event_free(b->reap);
    free(b->name);
    free(b);
}

/* libevent callback: finishes a free that was requested from a callback. */
static void backend_reap(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    backend_destroy(arg);
}

/* Frees an instance, on the next turn when called from one of its callbacks. */
void berth_backend_free(struct berth_backend *b)
{
    if (b == NULL || b->dying)
        return;
    if (b->upcalls == 0 && b->submits == 0) {
        backend_destroy(b);
        return;
    }
    b->dying = true;
    op_discard_all(b);
    b->reap = event_new(berth_engine_base(b->eng), -1, 0, backend_reap, b);
    if (b->reap == NULL)
        abort(); /* event_new fails only on OOM */
    event_active(b->reap, EV_TIMEOUT, 0);
}

/* The instance's name (its flavour). */
const char *berth_backend_name(const struct berth_backend *b)
{
    return b->name;
}

/* The instance's driver. */
const struct berth_driver_info *berth_backend_driver(const struct berth_backend *b)
{
    return &b->drv->info;
}

/* The support level of feature f. */
enum berth_support berth_backend_supports(const struct berth_backend *b, enum berth_feature f)
{
    if ((int)f < 0 || f >= BERTH_FEAT_COUNT || (size_t)f >= b->n_caps)
        return BERTH_SUPPORT_UNSUPPORTED;
    return b->caps[f];
}

/* True when the driver implements kind k. */
bool berth_backend_has_op(const struct berth_backend *b, enum berth_op_kind k)
{
    if ((int)k < 0 || k >= BERTH_OP_COUNT)
        return false;
    return b->drv->info.driver->ops[k] != NULL;
}

/* The default operation timeout. */
uint64_t berth_backend_timeout_ms(const struct berth_backend *b)
{
    return b->timeout_ms;
}

/* Number of unfinished ops. */
size_t berth_backend_op_count(const struct berth_backend *b)
{
    return b->n_ops;
}

/* Checks the fields the kind needs; sets *err naming the missing one. */
static int backend_check_req(const struct berth_backend *b, const struct berth_op_req *req,
                             struct berth_error **err)
{
    const char *kind = berth_op_kind_name(req->kind);
    const char *missing = NULL;
    switch (req->kind) {
    case BERTH_OP_CONTAINER_CREATE:
        if (req->spec == NULL)
            missing = "spec";
        break;
    case BERTH_OP_IMAGE_BUILD:
        if (req->build == NULL)
            missing = "build";
        break;
    case BERTH_OP_NETWORK_CREATE:
        if (req->network == NULL)
            missing = "network";
        break;
    case BERTH_OP_VOLUME_CREATE:
        if (req->volume == NULL)
            missing = "volume";
        break;
    case BERTH_OP_EVENTS:
        if (req->on_event == NULL)
            missing = "on_event";
        break;
    case BERTH_OP_CONTAINER_LOGS:
        if (req->on_line == NULL)
            missing = "on_line";
        else if (req->target == NULL || *req->target == '\0')
            missing = "target";
        break;
    case BERTH_OP_CONTAINER_EXEC:
        if (req->argv == NULL || req->argv[0] == NULL)
            missing = "argv";
        else if (req->target == NULL || *req->target == '\0')
            missing = "target";
        break;
    case BERTH_OP_IMAGE_PULL:
    case BERTH_OP_IMAGE_INSPECT:
    case BERTH_OP_IMAGE_REMOVE:
    case BERTH_OP_CONTAINER_START:
    case BERTH_OP_CONTAINER_STOP:
    case BERTH_OP_CONTAINER_KILL:
    case BERTH_OP_CONTAINER_REMOVE:
    case BERTH_OP_CONTAINER_INSPECT:
    case BERTH_OP_CONTAINER_WAIT:
    case BERTH_OP_CONTAINER_PORT:
    case BERTH_OP_NETWORK_INSPECT:
    case BERTH_OP_NETWORK_REMOVE:
    case BERTH_OP_VOLUME_INSPECT:
    case BERTH_OP_VOLUME_REMOVE:
        if (req->target == NULL || *req->target == '\0')
            missing = "target";
        break;
    default:
        break;
    }
    if (missing != NULL)
        return berth_error_set(err, BERTH_E_INVALID, 0, "backend '%s': %s request without %s",
                               b->name, kind, missing);
    return 0;
}

/*
 * A detached exec needs a driver of ABI minor 2 (older ones do not read
 * req->detach and would run the command attached) and no attached I/O.
 */
static int backend_check_detach(const struct berth_backend *b, const struct berth_op_req *req,
                                struct berth_error **err)
{
    if (req->kind != BERTH_OP_CONTAINER_EXEC || !req->detach)
        return 0;
    const struct berth_backend_driver *drv = b->drv->info.driver;
    if (drv->abi_minor < 2) {
        berth_error_set(err, BERTH_E_UNSUPPORTED, 0,
                        "backend '%s' does not support detached exec (driver '%s' is built for "
                        "ABI %u.%u; detach needs %u.2)",
                        b->name, drv->name, drv->abi_major, drv->abi_minor,
                        BERTH_BACKEND_ABI_MAJOR);
        if (err != NULL)
            berth_error_set_hint(*err, "run the command without --detach, or update the driver");
        return -1;
    }
    if (req->interactive || req->tty || req->on_line != NULL)
        return berth_error_set(err, BERTH_E_INVALID, 0,
                               "backend '%s': a detached exec cannot be interactive, have a TTY "
                               "or stream its output",
                               b->name);
    return 0;
}

/*
 * A stop-then-remove in one call needs a driver of ABI minor 2: an older one
 * would not see req->stop_first and kill the container without its grace.
 */
static int backend_check_stop_first(const struct berth_backend *b, const struct berth_op_req *req,
                                    struct berth_error **err)
{
    if (req->kind != BERTH_OP_CONTAINER_REMOVE || !req->stop_first ||
        b->drv->info.driver->abi_minor >= 2)
        return 0;
    return berth_error_set(err, BERTH_E_UNSUPPORTED, 0,
                           "backend '%s' cannot stop and remove in one call (driver built for "
                           "ABI %u.%u)",
                           b->name, b->drv->info.driver->abi_major, b->drv->info.driver->abi_minor);
}

/* Starts an operation after checking that the driver can do it. */
struct berth_op *berth_backend_submit(struct berth_backend *b, const struct berth_op_req *req,
                                      berth_op_done_fn done, void *user, struct berth_error **err)
{
    if (b == NULL || req == NULL || done == NULL) {
        berth_error_set(err, BERTH_E_INVALID, 0,
                        "berth_backend_submit needs a backend, a request and a callback");
        return NULL;
    }
    if (b->dying) {
        berth_error_set(err, BERTH_E_STATE, 0, "backend '%s' is being freed", b->name);
        return NULL;
    }
    if ((int)req->kind < 0 || req->kind >= BERTH_OP_COUNT) {
        berth_error_set(err, BERTH_E_INVALID, 0, "backend '%s': unknown operation kind %d",
                        b->name, (int)req->kind);
        return NULL;
    }
    if (b->drv->info.driver->ops[req->kind] == NULL) {
        berth_error_set(err, BERTH_E_UNSUPPORTED, 0, "backend '%s' does not support %s", b->name,
                        berth_op_kind_name(req->kind));
        if (err != NULL)
            berth_error_set_hint(*err,
                                 "choose another backend with --backend or BERTH_BACKEND "
                                 "(run 'berth backends' to see them)");
        return NULL;
    }
    if (backend_check_req(b, req, err) < 0)
        return NULL;
    if (backend_check_detach(b, req, err) < 0 || backend_check_stop_first(b, req, err) < 0)
        return NULL;
    return op_start(b, req, done, user);
}
