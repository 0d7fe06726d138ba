/* Engine internals shared by library modules (never installed). */
#ifndef BERTH_CORE_ENGINE_INTERNAL_H
#define BERTH_CORE_ENGINE_INTERNAL_H

#include <berth/berth.h>

/*
 * Per-engine state of library modules hangs off the engine in slots, so that
 * no module keeps globals. A slot's free function runs at berth_engine_free(),
 * in reverse slot order (later layers go first).
 */
enum engine_slot {
    ENGINE_SLOT_PROC = 0, /* core/proc.c children */
    ENGINE_SLOT_PLUGINS,  /* backend plugin registry */
    ENGINE_SLOT_BACKEND,  /* selected backend */
    ENGINE_SLOT_PROJECT,  /* compose engine */
    ENGINE_SLOT_VERIFY,   /* image verification cache */
    ENGINE_SLOT_EXTRA1,
    ENGINE_SLOT_EXTRA2,
    ENGINE_SLOT_COUNT
};

typedef void (*engine_slot_free_fn)(void *data);

void *engine_slot(const struct berth_engine *eng, enum engine_slot slot);
void engine_set_slot(struct berth_engine *eng, enum engine_slot slot, void *data,
                     engine_slot_free_fn free_fn);

#endif
