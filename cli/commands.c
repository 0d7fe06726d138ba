/* The command table: one line per command, implemented in cli/cmd_<name>.c. */
#include "config.h"

#include <stddef.h>

#include "cli/cli.h"

const struct cli_command cli_commands[] = {
    {"config", "Parse, resolve and render the compose file in canonical format", cmd_config},
    {"help", "Show help for berth or one command", cmd_help},
    {"version", "Show the berth version information", cmd_version},
    {"backends", "List container runtime backends and plugins", cmd_backends},
    {NULL, NULL, NULL},
};
