/*
 * Capability preflight: each feature a service's container spec uses is
 * looked up in the backend's capability table before anything is created,
 * so `--strict` can refuse a project the backend cannot run faithfully and
 * a lenient run says once per feature and service what will be missing.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <berth/backend.h>
#include <berth/container.h>
#include <berth/runtime.h>

#include "compose/engine-internal.h"
#include "compose/preflight.h"
#include "compose/spec-build.h"
#include "core/util.h"

/* Whether a service definition lists network aliases of its own. */
static bool preflight_has_aliases(const json_t *def)
{
    const char *name;
    json_t *net;
    json_t *nets = json_object_get(def, "networks");
    if (!json_is_object(nets))
        return false;
    json_object_foreach(nets, name, net) {
        json_t *aliases = json_object_get(net, "aliases");
        if (json_is_array(aliases) && json_array_size(aliases) > 0)
            return true;
    }
    return false;
}

/* The features service svc needs (its container spec, and exec for health checks). */
static int preflight_features(struct service *svc, bool used[BERTH_FEAT_COUNT],
                              struct berth_error **err)
{
    struct replica probe;
    memset(&probe, 0, sizeof(probe));
    probe.svc = svc;
    probe.name = svc->name;
    struct spec_build *sb = spec_build_new(&probe, err);
    if (sb == NULL)
        return -1;
    berth_select_spec_features(spec_build_spec(sb), used);
    spec_build_free(sb);
    /* images are the driver's business (the process backend runs none) */
    used[BERTH_FEAT_IMAGES] = false;
    /* the service-name alias every container gets is implicit: only aliases the file asks for */
    used[BERTH_FEAT_NETWORK_ALIASES] = preflight_has_aliases(svc->def);
    if (svc->health.enabled)
        used[BERTH_FEAT_EXEC] = true; /* berth runs the checks through exec */
    return 0;
}

int preflight_check(struct berth_compose *c, const bool *sel, bool strict,
                    struct berth_error **err)
{
    const char *backend = berth_backend_name(c->backend);
    struct strv problems;
    strv_init(&problems);
    for (size_t i = 0; i < c->n_defined; i++) {
        struct service *svc = c->services[i];
        if (!sel[i] || svc->orphan || svc->def == NULL)
            continue;
        bool used[BERTH_FEAT_COUNT] = {false};
        if (preflight_features(svc, used, err) < 0) {
            berth_error_wrap(err, "service %s", svc->name);
            strv_free(&problems);
            return -1;
        }
        for (int f = 0; f < BERTH_FEAT_COUNT; f++) {
            if (!used[f])
                continue;
            enum berth_support s = berth_backend_supports(c->backend, (enum berth_feature)f);
            if (s == BERTH_SUPPORT_NATIVE || s == BERTH_SUPPORT_EMULATED)
                continue;
            const char *feat = berth_feature_name((enum berth_feature)f);
            if (strict)
                strv_pushf(&problems, "%s: %s (%s)", svc->name, feat, berth_support_name(s));
            else
                engine_warn(c, svc->name, "service %s uses %s, which the %s backend %s", svc->name,
                            feat, backend,
                            s == BERTH_SUPPORT_PARTIAL ? "supports only in part"
                                                       : "does not support: it is not applied");
        }
    }
    if (problems.n == 0) {
        strv_free(&problems);
        return 0;
    }
    size_t len = 1;
    for (size_t i = 0; i < problems.n; i++)
        len += strlen(problems.v[i]) + 2;
    char *list = xcalloc(1, len);
    for (size_t i = 0; i < problems.n; i++) {
        if (i > 0)
            strcat(list, "; ");
        strcat(list, problems.v[i]);
    }
    berth_error_set(err, BERTH_E_UNSUPPORTED, 0,
                    "--strict: the %s backend cannot run this project as written: %s", backend,
                    list);
    if (err != NULL)
        berth_error_set_hint(*err,
                             "choose a backend that supports these features (berth backends "
                             "shows each one's capabilities), or drop --strict to run with "
                             "them left out");
    free(list);
    strv_free(&problems);
    return -1;
}
