/*
 * Deep copies into an arena: requests the container API must keep while the
 * backend is being selected (specs, build specs, argv, filters), and records
 * handed to callers as owned copies (container and image info). Internal.
 */
#ifndef BERTH_PLUGINS_COPY_H
#define BERTH_PLUGINS_COPY_H

#include <stddef.h>

#include <berth/backend.h>

/* A bump allocator whose blocks are freed all at once. */
struct copy_arena {
    struct copy_block *head;
};

/* n zeroed bytes, aligned for any field type. */
void *copy_alloc(struct copy_arena *a, size_t n);
/* Frees every block (the arena is empty and reusable afterwards). */
void copy_arena_free(struct copy_arena *a);

/* Copies of strings and arrays; NULL stays NULL. */
const char *copy_str(struct copy_arena *a, const char *s);
const char *copy_mem(struct copy_arena *a, const char *s, size_t len);
const char *const *copy_strv(struct copy_arena *a, const char *const *v);
const struct berth_kv *copy_kv(struct copy_arena *a, const struct berth_kv *kv, size_t n);

/* A deep copy of a container spec. */
const struct berth_container_spec *copy_spec(struct copy_arena *a,
                                             const struct berth_container_spec *s);
/* A deep copy of a build spec. */
const struct berth_build_spec *copy_build(struct copy_arena *a, const struct berth_build_spec *b);
/* Deep copies of n records into dst (which the caller allocated). */
void copy_container_infos(struct copy_arena *a, struct berth_container_info *dst,
                          const struct berth_container_info *src, size_t n);
void copy_image_infos(struct copy_arena *a, struct berth_image_info *dst,
                      const struct berth_image_info *src, size_t n);

#endif
