/* The service dependency graph: Kahn's algorithm with ties broken by name. Internal. */
#ifndef BERTH_COMPOSE_GRAPH_H
#define BERTH_COMPOSE_GRAPH_H

#include <stdbool.h>
#include <stddef.h>

#include <berth/error.h>

struct graph;

/* A graph over n nodes named names[i] (borrowed; they must outlive the graph). */
struct graph *graph_new(const char *const *names, size_t n);
/* Frees g (NULL is fine). */
void graph_free(struct graph *g);
/* Records that node `dependent` depends on node `dependency`. Duplicates are ignored. */
void graph_add_edge(struct graph *g, size_t dependent, size_t dependency);
/*
 * Writes a dependency order into order[n]: each node after every node it
 * depends on; among nodes ready at the same time the smallest name first.
 * Fails with BERTH_E_INVALID naming the services of a cycle.
 */
int graph_order(const struct graph *g, size_t *order, struct berth_error **err);
/* True when a depends on b directly. */
bool graph_has_edge(const struct graph *g, size_t a, size_t b);
/* True when a depends on b directly or through others. */
bool graph_reaches(const struct graph *g, size_t a, size_t b);
/* The nodes depending directly on node i (count in *n). */
const size_t *graph_dependents(const struct graph *g, size_t i, size_t *n);
/* The nodes node i depends on directly (count in *n). */
const size_t *graph_dependencies(const struct graph *g, size_t i, size_t *n);

#endif
