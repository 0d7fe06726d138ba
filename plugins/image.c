/* Images on the engine's selected backend (berth/container.h): one backend operation each. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "plugins/capi-internal.h"

/* Checks the engine and (when need_ref) the image reference arguments. */
static int check_args(const char *fn, struct berth_engine *eng, const char *ref, bool need_ref,
                      struct berth_error **err)
{
    if (eng == NULL)
        return berth_error_set(err, BERTH_E_INVALID, 0, "%s: no engine given", fn);
    if (need_ref && (ref == NULL || *ref == '\0'))
        return berth_error_set(err, BERTH_E_INVALID, 0, "%s: no image reference given", fn);
    return 0;
}

/* Pulls an image. */
struct berth_container_op *berth_image_pull(struct berth_engine *eng, const char *ref,
                                            const struct berth_image_pull_options *opts,
                                            berth_container_done_fn done, void *user,
                                            struct berth_error **err)
{
    if (check_args("berth_image_pull", eng, ref, true, err) < 0)
        return NULL;
    struct berth_op_req req = {.kind = BERTH_OP_IMAGE_PULL, .target = ref};
    if (opts != NULL) {
        req.platform = opts->platform;
        req.on_line = opts->on_line;
        req.stream_user = opts->stream_user;
        req.timeout_ms = opts->timeout_ms;
    }
    return capi_simple(eng, &req, done, user);
}

/* Lists images. */
struct berth_container_op *berth_image_list(struct berth_engine *eng,
                                            const struct berth_image_list_options *opts,
                                            berth_container_done_fn done, void *user,
                                            struct berth_error **err)
{
    if (check_args("berth_image_list", eng, NULL, false, err) < 0)
        return NULL;
    struct berth_op_req req = {.kind = BERTH_OP_IMAGE_LIST};
    if (opts != NULL) {
        for (size_t i = 0; i < opts->n_filters; i++) {
            if (opts->filters == NULL || opts->filters[i].key == NULL ||
                *opts->filters[i].key == '\0') {
                berth_error_set(err, BERTH_E_INVALID, 0,
                                "berth_image_list: label filter %zu has no key", i + 1);
                return NULL;
            }
        }
        req.all = opts->all;
        req.filters = opts->filters;
        req.n_filters = opts->n_filters;
    }
    return capi_simple(eng, &req, done, user);
}

/* Inspects an image. */
struct berth_container_op *berth_image_inspect(struct berth_engine *eng, const char *ref,
                                               berth_container_done_fn done, void *user,
                                               struct berth_error **err)
{
    if (check_args("berth_image_inspect", eng, ref, true, err) < 0)
        return NULL;
    struct berth_op_req req = {.kind = BERTH_OP_IMAGE_INSPECT, .target = ref};
    return capi_simple(eng, &req, done, user);
}

/* Removes an image. */
struct berth_container_op *berth_image_remove(struct berth_engine *eng, const char *ref,
                                              bool force, berth_container_done_fn done,
                                              void *user, struct berth_error **err)
{
    if (check_args("berth_image_remove", eng, ref, true, err) < 0)
        return NULL;
    struct berth_op_req req = {.kind = BERTH_OP_IMAGE_REMOVE, .target = ref, .force = force};
    return capi_simple(eng, &req, done, user);
}

/* Builds an image. */
struct berth_container_op *berth_image_build(struct berth_engine *eng,
                                             const struct berth_build_spec *build,
                                             berth_op_line_fn on_line, void *stream_user,
                                             uint64_t timeout_ms, berth_container_done_fn done,
                                             void *user, struct berth_error **err)
{
    if (check_args("berth_image_build", eng, NULL, false, err) < 0)
        return NULL;
    if (build == NULL || build->context == NULL || *build->context == '\0') {
        berth_error_set(err, BERTH_E_INVALID, 0, "berth_image_build: no build context given");
        return NULL;
    }
    struct berth_op_req req = {.kind = BERTH_OP_IMAGE_BUILD,
                               .build = build,
                               .target = build->tags != NULL ? build->tags[0] : NULL,
                               .on_line = on_line,
                               .stream_user = stream_user,
                               .timeout_ms = timeout_ms};
    return capi_simple(eng, &req, done, user);
}

/* A record and the arena holding its strings, freed together. */
struct owned_image {
    struct copy_arena arena;
    struct berth_image_info info;
};

/* Deep-copies an image record. */
struct berth_image_info *berth_image_info_dup(const struct berth_image_info *info)
{
    if (info == NULL)
        return NULL;
    struct owned_image *o = xcalloc(1, sizeof(*o));
    copy_image_infos(&o->arena, &o->info, info, 1);
    return &o->info;
}

/* Frees a copy. */
void berth_image_info_free(struct berth_image_info *info)
{
    if (info == NULL)
        return;
    struct owned_image *o =
        (struct owned_image *)((char *)info - offsetof(struct owned_image, info));
    copy_arena_free(&o->arena);
    free(o);
}
