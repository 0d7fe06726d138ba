/* A plugin built for another backend ABI major: the host must refuse it (test fixture). */
#include <berth/backend.h>

static const struct berth_backend_driver bad_abi_driver = {
    .abi_major = BERTH_BACKEND_ABI_MAJOR + 1,
    .abi_minor = 0,
    .name = "bad-abi",
};

BERTH_BACKEND_DEFINE(&bad_abi_driver)
