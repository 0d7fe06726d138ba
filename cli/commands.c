/* The command table: one line per command, implemented in cli/cmd_<name>.c. */
#include "config.h"

#include <stddef.h>

#include "cli/cli.h"

const struct cli_command cli_commands[] = {
    {"config", "Parse, resolve and render the compose file in canonical format", cmd_config},
    {"help", "Show help for berth or one command", cmd_help},
    {"version", "Show the berth version information", cmd_version},
    {"up", "Create and start containers", cmd_up},
    {"down", "Stop and remove containers, networks", cmd_down},
    {"ps", "List containers", cmd_ps},
    {"logs", "View output from containers", cmd_logs},
    {"start", "Start services", cmd_start},
    {"stop", "Stop services", cmd_stop},
    {"restart", "Restart service containers", cmd_restart},
    {"kill", "Force stop service containers", cmd_kill},
    {"rm", "Removes stopped service containers", cmd_rm},
    {"exec", "Execute a command in a running container", cmd_exec},
    {"run", "Run a one-off command on a service", cmd_run},
    {"pull", "Pull service images", cmd_pull},
    {"images", "List images used by the created containers", cmd_images},
    {"port", "Print the public port for a port binding", cmd_port},
    {"top", "Display the running processes", cmd_top},
    {"events", "Receive real time events from containers", cmd_events},
    {"wait", "Block until containers of all (or specified) services stop", cmd_wait},
    {"ls", "List running compose projects", cmd_ls},
    {"backends", "List container runtime backends and plugins", cmd_backends},
    {"verify", "Verify image signatures with cosign", cmd_verify},
    {"sandbox", "Run untrusted work in hardened one-off containers", cmd_sandbox},
    {"container", "Manage single containers (run, ls, logs, exec ...)", cmd_container},
    {"image", "Manage images (pull, ls, inspect, rm, build)", cmd_image},
    {"doctor", "Explain which container runtimes berth can use here", cmd_doctor},
    {NULL, NULL, NULL},
};
