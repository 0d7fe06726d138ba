/* The service dependency graph (depends_on edges) and its deterministic order. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "compose/graph.h"
#include "core/util.h"

struct adj {
    size_t *v;
    size_t n, cap;
};

struct graph {
    const char *const *names;
    size_t n;
    struct adj *deps; /* deps[i]: nodes i depends on */
    struct adj *rdeps; /* rdeps[i]: nodes depending on i */
};

/* Creates a graph without edges. */
struct graph *graph_new(const char *const *names, size_t n)
{
    struct graph *g = xcalloc(1, sizeof(*g));
    g->names = names;
    g->n = n;
    g->deps = xcalloc(n ? n : 1, sizeof(*g->deps));
    g->rdeps = xcalloc(n ? n : 1, sizeof(*g->rdeps));
    return g;
}

/* Frees the graph. */
void graph_free(struct graph *g)
{
    if (g == NULL)
        return;
    for (size_t i = 0; i < g->n; i++) {
        free(g->deps[i].v);
        free(g->rdeps[i].v);
    }
    free(g->deps);
    free(g->rdeps);
    free(g);
}

/* Appends x to a unless present. */
static void adj_add(struct adj *a, size_t x)
{
    for (size_t i = 0; i < a->n; i++)
        if (a->v[i] == x)
            return;
    a->v = xreallocarray_grow(a->v, &a->cap, a->n + 1, sizeof(*a->v));
    a->v[a->n++] = x;
}

/* Records an edge dependent -> dependency. */
void graph_add_edge(struct graph *g, size_t dependent, size_t dependency)
{
    adj_add(&g->deps[dependent], dependency);
    adj_add(&g->rdeps[dependency], dependent);
}

/* Kahn's algorithm; the ready node with the smallest name goes first. */
int graph_order(const struct graph *g, size_t *order, struct berth_error **err)
{
    size_t *indeg = xcalloc(g->n ? g->n : 1, sizeof(*indeg));
    bool *done = xcalloc(g->n ? g->n : 1, sizeof(*done));
    for (size_t i = 0; i < g->n; i++)
        indeg[i] = g->deps[i].n;
    size_t k = 0;
    while (k < g->n) {
        size_t best = g->n;
        for (size_t i = 0; i < g->n; i++)
            if (!done[i] && indeg[i] == 0 &&
                (best == g->n || strcmp(g->names[i], g->names[best]) < 0))
                best = i;
        if (best == g->n)
            break;
        done[best] = true;
        order[k++] = best;
        for (size_t j = 0; j < g->rdeps[best].n; j++)
            indeg[g->rdeps[best].v[j]]--;
    }
    int rc = 0;
    if (k < g->n) {
        struct strv names;
        strv_init(&names);
        for (size_t i = 0; i < g->n; i++)
            if (!done[i])
                strv_push(&names, g->names[i]);
        size_t len = 1;
        for (size_t i = 0; i < names.n; i++)
            len += strlen(names.v[i]) + 2;
        char *list = xcalloc(1, len);
        for (size_t i = 0; i < names.n; i++) {
            if (i)
                strcat(list, ", ");
            strcat(list, names.v[i]);
        }
        rc = berth_error_set(err, BERTH_E_INVALID, 0,
                             "dependency cycle between services: %s", list);
        free(list);
        strv_free(&names);
    }
    free(indeg);
    free(done);
    return rc;
}

/* Direct edge test. */
bool graph_has_edge(const struct graph *g, size_t a, size_t b)
{
    for (size_t i = 0; i < g->deps[a].n; i++)
        if (g->deps[a].v[i] == b)
            return true;
    return false;
}

/* Depth-first reachability from a to b, marking visited nodes. */
static bool reach(const struct graph *g, size_t a, size_t b, bool *seen)
{
    if (seen[a])
        return false;
    seen[a] = true;
    for (size_t i = 0; i < g->deps[a].n; i++) {
        size_t d = g->deps[a].v[i];
        if (d == b || reach(g, d, b, seen))
            return true;
    }
    return false;
}

/* Transitive dependency test. */
bool graph_reaches(const struct graph *g, size_t a, size_t b)
{
    bool *seen = xcalloc(g->n ? g->n : 1, sizeof(*seen));
    bool r = reach(g, a, b, seen);
    free(seen);
    return r;
}

/* Nodes depending on i. */
const size_t *graph_dependents(const struct graph *g, size_t i, size_t *n)
{
    *n = g->rdeps[i].n;
    return g->rdeps[i].v;
}

/* Nodes i depends on. */
const size_t *graph_dependencies(const struct graph *g, size_t i, size_t *n)
{
    *n = g->deps[i].n;
    return g->deps[i].v;
}
