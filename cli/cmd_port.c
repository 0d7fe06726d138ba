/* berth port: print the public port of a port binding. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/ctrs.h"
#include "cli/flags.h"
#include "cli/project.h"

struct port {
    struct project *p;
    const char *service;
    int private_port;
    const char *protocol;
    int index;
};

/* Finds the replica and its binding of the private port. */
static void listed(struct ctrs *list, const struct berth_error *err, void *user)
{
    struct port *x = user;
    if (err != NULL) {
        project_print_error(err);
        ctrs_free(list);
        project_finish(x->p, CLI_EXIT_FAILURE);
        return;
    }
    const struct ctr *c = NULL;
    for (size_t i = 0; i < list->n && c == NULL; i++)
        if (!list->v[i].oneoff && list->v[i].number == x->index)
            c = &list->v[i];
    if (c == NULL) {
        fprintf(stderr, "berth: service \"%s\" has no container number %d\n", x->service,
                x->index);
        fprintf(stderr, "hint: run 'berth ps -a %s' to see its containers\n", x->service);
        ctrs_free(list);
        project_finish(x->p, CLI_EXIT_FAILURE);
        return;
    }
    for (size_t i = 0; i < c->n_ports; i++) {
        const struct ctr_port *pt = &c->ports[i];
        if (pt->container_port == x->private_port && strcmp(pt->protocol, x->protocol) == 0 &&
            pt->host_port != 0) {
            printf("%s:%d\n", pt->host_ip[0] != '\0' ? pt->host_ip : "0.0.0.0", pt->host_port);
            ctrs_free(list);
            project_finish(x->p, CLI_EXIT_OK);
            return;
        }
    }
    fprintf(stderr, "berth: no port %d/%s for container %s\n", x->private_port, x->protocol,
            c->name);
    fprintf(stderr, "hint: publish it with 'ports:' in the service\n");
    ctrs_free(list);
    project_finish(x->p, CLI_EXIT_FAILURE);
}

int cmd_port(struct cli_globals *g, int argc, char **argv)
{
    const char *protocol = "tcp";
    int index = 1;
    const struct flag flags[] = {
        {"index", 0, FLAG_INT, &index, "INDEX", "Index of the container if service has multiple replicas"},
        {"protocol", 0, FLAG_STRING, &protocol, "PROTO", "tcp or udp"},
        {NULL, 0, 0, NULL, NULL, NULL},
    };
    const struct flags_cmd spec = {"port", "[OPTIONS] SERVICE PRIVATE_PORT",
                                   "Print the public port for a port binding", flags, false, 2, 2};
    struct cli_list args = {0};
    int port = 0;
    int rc = flags_parse(&spec, argc, argv, &args);
    if (rc == 0 && (!flags_int(args.v[1], &port) || port < 1 || port > 65535))
        rc = cli_usage_error("give a port number, e.g. 80", "port: invalid port '%s'", args.v[1]);
    if (rc == 0 && strcmp(protocol, "tcp") != 0 && strcmp(protocol, "udp") != 0 &&
        strcmp(protocol, "sctp") != 0)
        rc = cli_usage_error("use tcp or udp", "port: --protocol: invalid value '%s'", protocol);
    if (rc == 0 && index < 1)
        rc = cli_usage_error(NULL, "port: --index must be 1 or more");
    if (rc != 0)
        goto out;
    struct project *p = project_open(g, PROJECT_COMPOSE, &rc);
    if (p == NULL)
        goto out;
    struct port x = {p, args.v[0], port, protocol, index};
    const char *svc[] = {args.v[0], NULL};
    struct berth_error *err = NULL;
    project_signals(p, NULL, NULL);
    if (ctrs_list(project_backend(p), project_name(p), svc, false, listed, &x, &err) < 0)
        rc = cli_report_error(err);
    else
        rc = project_run(p);
    project_close(p);
out:
    free(args.v);
    return flags_exit(rc);
}
