/* A shared object without the entry symbol: the host must refuse it (test fixture). */
#include <berth/backend.h>

/* Looks like an entry point under another name. */
__attribute__((visibility("default"))) int berth_backend_entry_v2(void);

/* Not the symbol the host looks for. */
int berth_backend_entry_v2(void)
{
    return BERTH_BACKEND_ABI_MAJOR;
}
