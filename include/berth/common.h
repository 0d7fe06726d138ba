/* Shared definitions for every public berth header. */
#ifndef BERTH_COMMON_H
#define BERTH_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(BERTH_BUILDING) && defined(__GNUC__)
#define BERTH_API __attribute__((visibility("default")))
#else
#define BERTH_API
#endif

#if defined(__GNUC__)
#define BERTH_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define BERTH_PRINTF(fmt, args)
#endif

#define BERTH_VERSION_MAJOR 0
#define BERTH_VERSION_MINOR 1
#define BERTH_VERSION_PATCH 0
#define BERTH_VERSION_STRING "0.1.0"

#endif
