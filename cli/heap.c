/*
 * Heap tuning for commands that build a large model and exit (config):
 * most of their time went to first-touch page faults of the malloc heap
 * (5000 faults for a 1000-service file), so the heap is reserved in large
 * steps and backed by transparent huge pages where the platform has them.
 * Elsewhere this does nothing.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <sys/mman.h>

#include "cli/cli.h"

#define HEAP_RESERVE (256u << 20) /* address space; pages are touched as used */
#define HUGE_PAGE (2u << 20)

/* Reserves the heap in 256 MiB steps and asks for huge pages on it. */
void cli_heap_for_batch(void)
{
#if defined(__GLIBC__) && defined(M_TOP_PAD) && defined(MADV_HUGEPAGE)
    if (mallopt(M_TOP_PAD, HEAP_RESERVE) == 0)
        return;
    void *probe = malloc(1); /* grows the main arena by the pad */
    if (probe == NULL)
        return;
    uintptr_t start = ((uintptr_t)probe + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
    uintptr_t end = (uintptr_t)sbrk(0) & ~(uintptr_t)(HUGE_PAGE - 1);
    if (end > start)
        (void)madvise((void *)start, end - start, MADV_HUGEPAGE); /* advice only */
    free(probe);
#endif
}
