/* A plugin whose table has the right ABI but no create function (test fixture). */
#include <berth/backend.h>

static const struct berth_backend_driver bad_table_driver = {
    .abi_major = BERTH_BACKEND_ABI_MAJOR,
    .abi_minor = BERTH_BACKEND_ABI_MINOR,
    .name = "bad-table",
};

BERTH_BACKEND_DEFINE(&bad_table_driver)
