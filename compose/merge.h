/*
 * Merging compose node trees with the Compose Specification's merge rules
 * (several -f files, multi-document files, extends): mappings merge
 * recursively, sequences are appended, scalars are replaced, with the
 * special cases of the spec (environment/labels/... by key, command,
 * entrypoint and healthcheck.test replaced, depends_on/networks short and
 * long syntax merged by name, logging options merged only for the same
 * driver) and the `!reset` / `!override` tags. Uniqueness of sequence items
 * (volumes by target, ports ...) is applied later, on the normalised model.
 * Internal.
 */
#ifndef BERTH_COMPOSE_MERGE_H
#define BERTH_COMPOSE_MERGE_H

#include "compose/diag.h"
#include "compose/yaml.h"

/*
 * Merges `over` (consumed) into *base (NULL: over becomes the base, cleaned).
 * Both are top-level compose mappings. Problems (a mapping overridden by a
 * list ...) go to d; returns -1 then.
 */
int merge_into(struct ynode **base, struct ynode *over, struct diag *d);

/*
 * Like merge_into, for the documents of one file: the first document is kept
 * as it is (its !reset / !override tags apply when the file is merged over
 * the files before it).
 */
int merge_docs(struct ynode **base, struct ynode *over, struct diag *d);

/*
 * Merges a service definition `over` (consumed) on top of `base` (consumed),
 * as `extends` does; name is the service name (for the merge rules and
 * messages). Returns the merged service.
 */
struct ynode *merge_service(struct ynode *base, struct ynode *over, const char *name,
                            struct diag *d);

/* Drops `!reset` entries and `!override` tags from a tree (a first layer). */
void merge_clean(struct ynode *n);

#endif
