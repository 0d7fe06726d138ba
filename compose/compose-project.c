/* berth_compose_open: a loaded project (berth/project.h) opened in the engine. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <berth/project.h>

#include "compose/engine-internal.h"
#include "compose/project-internal.h"

/* The loader's config hash of a service. */
static char *project_hash(void *ctx, const char *service, const json_t *def,
                          struct berth_error **err)
{
    char out[65];
    if (berth_project_config_hash(ctx, service, out, err) < 0)
        return NULL;
    return xstrdup(out);
}

struct berth_compose *berth_compose_open(struct berth_engine *eng,
                                         const struct berth_project *project,
                                         struct berth_backend *backend,
                                         const struct berth_compose_options *opts,
                                         struct berth_error **err)
{
    if (eng == NULL || project == NULL || backend == NULL) {
        berth_error_set(err, BERTH_E_INVALID, 0, "berth_compose_open: missing %s",
                        eng == NULL ? "engine" : project == NULL ? "project" : "backend");
        return NULL;
    }
    const char *const *files = berth_project_config_files(project);
    size_t len = 1;
    for (const char *const *f = files; f != NULL && *f != NULL; f++)
        len += strlen(*f) + 1;
    char *joined = xcalloc(1, len);
    for (const char *const *f = files; f != NULL && *f != NULL; f++) {
        if (f != files)
            strcat(joined, ",");
        strcat(joined, *f);
    }
    struct compose_source src = {
        .model = project_model(project),
        .defined = project_defined_services(project),
        .parallel_env = berth_project_getenv(project, "COMPOSE_PARALLEL_LIMIT"),
        .working_dir = berth_project_working_dir(project),
        .config_files = joined,
        .hash = project_hash,
        .hash_ctx = (void *)project,
    };
    if (src.model == NULL) {
        free(joined);
        berth_error_set(err, BERTH_E_INVALID, 0, "project %s has no model",
                        berth_project_name(project));
        return NULL;
    }
    struct berth_compose *c = compose_open_source(eng, &src, backend, opts, err);
    free(joined);
    return c;
}
