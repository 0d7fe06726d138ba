/* The built-in process driver (backends/process.c), registered by the plugin host. */
#ifndef BERTH_BACKENDS_PROCESS_H
#define BERTH_BACKENDS_PROCESS_H

#include <berth/backend.h>

/* The process driver's table: services run as host processes. */
const struct berth_backend_driver *process_backend_driver(void);

#endif
