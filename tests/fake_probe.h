/*
 * A driver-agnostic fake runtime driver for detection tests and benchmarks:
 * driver "fake" with flavours fake-a ... fake-h. A flavour's PROBE runs the
 * program named by its "binary" configuration (with the optional single
 * argument "arg"): exit 0 = available (version: first stdout line), other
 * exits = unavailable (reason: stderr). Cancelling kills the program.
 */
#ifndef BERTH_TESTS_FAKE_PROBE_H
#define BERTH_TESTS_FAKE_PROBE_H

#include <berth/backend.h>

/* The fake driver's table. */
const struct berth_backend_driver *fake_probe_driver(void);

#endif
