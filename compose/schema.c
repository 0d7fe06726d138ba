/*
 * The Compose Specification schema as C tables (written from the published
 * schema's rules: types, properties, patterns, enums, bounds), and the
 * checker that walks a node tree against them.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "compose/schema.h"
#include "compose/strmap.h"
#include "core/util.h"

/* Allowed node types (bit set). */
enum {
    T_STR = 1,
    T_INT = 2,
    T_NUM = 4, /* integer or float */
    T_BOOL = 8,
    T_NULL = 16,
    T_MAP = 32,
    T_SEQ = 64,
    T_ANY = 127,
};

/* Patterns for the keys of open mappings. */
enum keypat { KP_ANY = 0, KP_NAME, KP_LOWER };

/* Extra checks on string values. */
enum fmt { F_NONE = 0, F_PULL_POLICY };

struct sc;

struct prop {
    const char *name;
    const struct sc *sc;
};

struct sc {
    unsigned types;
    const struct prop *props;    /* known keys of a mapping (NULL-terminated) */
    const struct sc *values;     /* schema of other keys; NULL: not allowed */
    enum keypat keypat;          /* pattern other keys must match */
    bool x_ok;                   /* x- keys are extensions */
    const struct sc *items;      /* schema of list items */
    bool unique;                 /* list items must be unique */
    const char *const *enumv;    /* allowed strings (NULL-terminated) */
    const char *const *required; /* required keys (NULL-terminated) */
    bool has_min, has_max;
    long long min, max;
    enum fmt fmt;
};

#define S(...) (&(const struct sc){__VA_ARGS__})
#define PROPS(...) ((const struct prop[]){__VA_ARGS__, {NULL, NULL}})
#define STRS(...) ((const char *const[]){__VA_ARGS__, NULL})

#define STR S(.types = T_STR)
#define BOOL_S S(.types = T_BOOL | T_STR)
#define INT_S S(.types = T_INT | T_STR)
#define NUM_S S(.types = T_NUM | T_STR)
#define ANY S(.types = T_ANY, .values = NULL)
#define LIST_OF_STRINGS S(.types = T_SEQ, .items = STR, .unique = true)
#define LIST_OF_STRINGS_DUP S(.types = T_SEQ, .items = STR)
#define STRING_OR_LIST S(.types = T_STR | T_SEQ, .items = STR)
#define SCALAR_VALUE S(.types = T_STR | T_NUM | T_BOOL | T_NULL)
#define LIST_OR_DICT S(.types = T_MAP | T_SEQ, .values = SCALAR_VALUE, .items = STR)
#define STR_NUM_MAP S(.types = T_MAP, .values = S(.types = T_STR | T_NUM))
#define COMMAND S(.types = T_NULL | T_STR | T_SEQ, .items = STR)

static const struct sc extra_hosts[1] = {{.types = T_MAP | T_SEQ, .values = S(.types = T_STR | T_SEQ, .items = STR), .items = STR}};

static const struct sc ulimits[1] = {{.types = T_MAP, .keypat = KP_LOWER,
      .values = S(.types = T_INT | T_STR | T_MAP, .props = PROPS({"hard", INT_S}, {"soft", INT_S}),
                  .required = STRS("soft", "hard"), .x_ok = true)}};

static const struct sc config_or_secret[1] = {{.types = T_SEQ,
      .items = S(.types = T_STR | T_MAP,
                 .props = PROPS({"source", STR}, {"target", STR}, {"uid", STR}, {"gid", STR},
                                {"mode", NUM_S}),
                 .x_ok = true)}};

static const struct sc device_requests[1] = {{.types = T_SEQ,
      .items = S(.types = T_MAP,
                 .props = PROPS({"capabilities", LIST_OF_STRINGS},
                                {"count", S(.types = T_STR | T_INT)},
                                {"device_ids", LIST_OF_STRINGS}, {"driver", STR},
                                {"options", LIST_OR_DICT}),
                 .required = STRS("capabilities"), .x_ok = true)}};

static const struct sc service_hook[1] = {{.types = T_MAP,
      .props = PROPS({"command", COMMAND}, {"user", STR}, {"privileged", BOOL_S},
                     {"working_dir", STR}, {"environment", LIST_OR_DICT}),
      .required = STRS("command"), .x_ok = true}};

static const struct sc update_config[1] = {{.types = T_MAP,
      .props = PROPS({"parallelism", INT_S}, {"delay", STR}, {"failure_action", STR},
                     {"monitor", STR}, {"max_failure_ratio", NUM_S},
                     {"order", S(.types = T_STR, .enumv = STRS("start-first", "stop-first"))}),
      .x_ok = true}};

static const struct sc resource[1] = {{.types = T_MAP,
      .props = PROPS({"cpus", NUM_S}, {"memory", S(.types = T_STR | T_INT)}, {"pids", INT_S},
                     {"devices", device_requests},
                     {"generic_resources",
                      S(.types = T_SEQ,
                        .items = S(.types = T_MAP,
                                   .props = PROPS({"discrete_resource_spec",
                                                   S(.types = T_MAP,
                                                     .props = PROPS({"kind", STR},
                                                                    {"value", NUM_S}),
                                                     .x_ok = true)}),
                                   .x_ok = true))}),
      .x_ok = true}};

static const struct sc deployment[1] = {{.types = T_MAP | T_NULL,
      .props = PROPS(
          {"mode", STR}, {"endpoint_mode", STR},
          {"replicas", S(.types = T_INT | T_STR, .has_min = true, .min = 0)},
          {"labels", LIST_OR_DICT}, {"rollback_config", update_config},
          {"update_config", update_config},
          {"resources",
           S(.types = T_MAP, .props = PROPS({"limits", resource}, {"reservations", resource}),
             .x_ok = true)},
          {"restart_policy",
           S(.types = T_MAP,
             .props = PROPS({"condition", STR}, {"delay", STR}, {"max_attempts", INT_S},
                            {"window", STR}),
             .x_ok = true)},
          {"placement",
           S(.types = T_MAP,
             .props = PROPS({"constraints", LIST_OF_STRINGS_DUP},
                            {"preferences",
                             S(.types = T_SEQ,
                               .items = S(.types = T_MAP, .props = PROPS({"spread", STR}),
                                          .x_ok = true))},
                            {"max_replicas_per_node", INT_S}),
             .x_ok = true)}),
      .x_ok = true}};

static const struct sc development[1] = {{.types = T_MAP | T_NULL,
      .props = PROPS({"watch",
                      S(.types = T_SEQ,
                        .items = S(.types = T_MAP,
                                   .props = PROPS({"ignore", STRING_OR_LIST},
                                                  {"include", STRING_OR_LIST}, {"path", STR},
                                                  {"action",
                                                   S(.types = T_STR,
                                                     .enumv = STRS("rebuild", "sync", "restart",
                                                                   "sync+restart", "sync+exec"))},
                                                  {"target", STR}, {"exec", service_hook},
                                                  {"initial_sync", BOOL_S}),
                                   .required = STRS("path", "action"), .x_ok = true))}),
      .x_ok = true}};

static const struct sc build[1] = {{.types = T_STR | T_MAP,
      .props = PROPS({"context", STR}, {"dockerfile", STR}, {"dockerfile_inline", STR},
                     {"entitlements", LIST_OF_STRINGS_DUP}, {"args", LIST_OR_DICT},
                     {"ssh", LIST_OR_DICT}, {"labels", LIST_OR_DICT},
                     {"cache_from", LIST_OF_STRINGS_DUP}, {"cache_to", LIST_OF_STRINGS_DUP},
                     {"no_cache", BOOL_S}, {"additional_contexts", LIST_OR_DICT},
                     {"network", STR}, {"pull", BOOL_S}, {"target", STR}, {"shm_size", INT_S},
                     {"extra_hosts", extra_hosts}, {"isolation", STR}, {"privileged", BOOL_S},
                     {"secrets", config_or_secret}, {"tags", LIST_OF_STRINGS_DUP},
                     {"ulimits", ulimits}, {"platforms", LIST_OF_STRINGS_DUP},
                     {"provenance", S(.types = T_STR | T_BOOL)},
                     {"sbom", S(.types = T_STR | T_BOOL)}),
      .x_ok = true}};

static const struct sc blkio_limits[1] = {{.types = T_SEQ, .items = S(.types = T_MAP, .props = PROPS({"path", STR}, {"rate", INT_S}))}};

static const struct sc blkio[1] = {{.types = T_MAP,
      .props = PROPS({"device_read_bps", blkio_limits}, {"device_read_iops", blkio_limits},
                     {"device_write_bps", blkio_limits}, {"device_write_iops", blkio_limits},
                     {"weight", INT_S},
                     {"weight_device",
                      S(.types = T_SEQ, .items = S(.types = T_MAP,
                                                   .props = PROPS({"path", STR},
                                                                  {"weight", INT_S})))})}};

static const struct sc depends_on[1] = {{.types = T_SEQ | T_MAP, .items = STR, .unique = true, .keypat = KP_NAME,
      .values = S(.types = T_MAP,
                  .props = PROPS({"restart", BOOL_S}, {"required", BOOL_S},
                                 {"condition",
                                  S(.types = T_STR,
                                    .enumv = STRS("service_started", "service_healthy",
                                                  "service_completed_successfully"))}),
                  .required = STRS("condition"), .x_ok = true)}};

static const struct sc service_networks[1] = {{.types = T_SEQ | T_MAP, .items = STR, .unique = true, .keypat = KP_NAME,
      .values = S(.types = T_MAP | T_NULL,
                  .props = PROPS({"aliases", LIST_OF_STRINGS_DUP}, {"interface_name", STR},
                                 {"ipv4_address", STR}, {"ipv6_address", STR},
                                 {"link_local_ips", LIST_OF_STRINGS_DUP}, {"mac_address", STR},
                                 {"driver_opts", STR_NUM_MAP}, {"priority", S(.types = T_NUM)},
                                 {"gw_priority", S(.types = T_NUM)}),
                  .x_ok = true)}};

static const struct sc ports[1] = {{.types = T_SEQ,
      .items = S(.types = T_NUM | T_STR | T_MAP,
                 .props = PROPS({"name", STR}, {"mode", STR}, {"host_ip", STR},
                                {"target", INT_S}, {"published", S(.types = T_STR | T_INT)},
                                {"protocol", STR}, {"app_protocol", STR}),
                 .x_ok = true)}};

static const struct sc service_volumes[1] = {{.types = T_SEQ,
      .items = S(
          .types = T_STR | T_MAP,
          .props = PROPS(
              {"type", S(.types = T_STR, .enumv = STRS("bind", "volume", "tmpfs", "cluster",
                                                       "npipe", "image"))},
              {"source", STR}, {"target", STR}, {"read_only", BOOL_S}, {"consistency", STR},
              {"bind",
               S(.types = T_MAP,
                 .props = PROPS({"propagation", STR}, {"create_host_path", BOOL_S},
                                {"recursive",
                                 S(.types = T_STR, .enumv = STRS("enabled", "disabled",
                                                                 "writable", "readonly"))},
                                {"selinux", S(.types = T_STR, .enumv = STRS("z", "Z"))}),
                 .x_ok = true)},
              {"volume",
               S(.types = T_MAP,
                 .props = PROPS({"labels", LIST_OR_DICT}, {"nocopy", BOOL_S}, {"subpath", STR}),
                 .x_ok = true)},
              {"tmpfs",
               S(.types = T_MAP,
                 .props = PROPS({"size", S(.types = T_INT | T_STR, .has_min = true, .min = 0)},
                                {"mode", NUM_S}),
                 .x_ok = true)},
              {"image", S(.types = T_MAP, .props = PROPS({"subpath", STR}), .x_ok = true)}),
          .required = STRS("type"), .x_ok = true)}};

static const struct sc env_file[1] = {{.types = T_STR | T_SEQ,
      .items = S(.types = T_STR | T_MAP,
                 .props = PROPS({"path", STR}, {"format", STR}, {"required", BOOL_S}),
                 .required = STRS("path"))}};

static const struct sc healthcheck[1] = {{.types = T_MAP,
      .props = PROPS({"disable", BOOL_S}, {"interval", STR}, {"retries", NUM_S},
                     {"test", S(.types = T_STR | T_SEQ, .items = STR)}, {"timeout", STR},
                     {"start_period", STR}, {"start_interval", STR}),
      .x_ok = true}};

static const struct sc service[1] = {{.types = T_MAP,
      .props = PROPS(
          {"develop", development}, {"deploy", deployment}, {"annotations", LIST_OR_DICT},
          {"attach", BOOL_S}, {"build", build}, {"blkio_config", blkio},
          {"cap_add", LIST_OF_STRINGS_DUP}, {"cap_drop", LIST_OF_STRINGS_DUP},
          {"cgroup", STR}, /* host, private, or service:NAME */
          {"cgroup_parent", STR}, {"command", COMMAND}, {"configs", config_or_secret},
          {"container_name", STR},
          {"cpu_count", S(.types = T_INT | T_STR, .has_min = true, .min = 0)},
          {"cpu_percent", S(.types = T_INT | T_STR, .has_min = true, .min = 0, .has_max = true,
                            .max = 100)},
          {"cpu_shares", NUM_S}, {"cpu_quota", NUM_S}, {"cpu_period", NUM_S},
          {"cpu_rt_period", NUM_S}, {"cpu_rt_runtime", NUM_S}, {"cpus", NUM_S},
          {"cpuset", STR},
          {"credential_spec",
           S(.types = T_MAP, .props = PROPS({"config", STR}, {"file", STR}, {"registry", STR}),
             .x_ok = true)},
          {"depends_on", depends_on}, {"device_cgroup_rules", LIST_OF_STRINGS},
          {"devices",
           S(.types = T_SEQ,
             .items = S(.types = T_STR | T_MAP,
                        .props = PROPS({"source", STR}, {"target", STR}, {"permissions", STR}),
                        .required = STRS("source"), .x_ok = true))},
          {"dns", STRING_OR_LIST}, {"dns_opt", LIST_OF_STRINGS_DUP},
          {"dns_search", STRING_OR_LIST}, {"domainname", STR}, {"entrypoint", COMMAND},
          {"env_file", env_file}, {"label_file", STRING_OR_LIST},
          {"environment", LIST_OR_DICT},
          {"expose", S(.types = T_SEQ, .items = S(.types = T_STR | T_NUM))},
          {"extends",
           S(.types = T_STR | T_MAP, .props = PROPS({"service", STR}, {"file", STR}),
             .required = STRS("service"))},
          {"provider",
           S(.types = T_MAP,
             .props = PROPS({"type", STR},
                            {"options",
                             S(.types = T_MAP,
                               .values = S(.types = T_STR | T_NUM | T_BOOL | T_SEQ,
                                           .items = S(.types = T_STR | T_NUM | T_BOOL)))}),
             .required = STRS("type"), .x_ok = true)},
          {"external_links", LIST_OF_STRINGS}, {"extra_hosts", extra_hosts},
          {"gpus",
           S(.types = T_STR | T_SEQ, .enumv = STRS("all"),
             .items = S(.types = T_MAP,
                        .props = PROPS({"capabilities", LIST_OF_STRINGS},
                                       {"count", S(.types = T_STR | T_INT)},
                                       {"device_ids", LIST_OF_STRINGS}, {"driver", STR},
                                       {"options", LIST_OR_DICT}),
                        .values = ANY))},
          {"group_add", S(.types = T_SEQ, .items = S(.types = T_STR | T_NUM), .unique = true)},
          {"healthcheck", healthcheck}, {"hostname", STR}, {"image", STR}, {"init", BOOL_S},
          {"ipc", STR}, {"isolation", STR}, {"labels", LIST_OR_DICT},
          {"links", LIST_OF_STRINGS_DUP},
          {"logging",
           S(.types = T_MAP,
             .props = PROPS({"driver", STR},
                            {"options",
                             S(.types = T_MAP, .values = S(.types = T_STR | T_NUM | T_NULL))}),
             .x_ok = true)},
          {"mac_address", STR}, {"mem_limit", NUM_S}, {"mem_reservation", INT_S},
          {"mem_swappiness", INT_S}, {"memswap_limit", NUM_S}, {"network_mode", STR},
          {"models",
           S(.types = T_SEQ | T_MAP, .items = STR, .keypat = KP_NAME,
             .values = S(.types = T_MAP | T_NULL,
                         .props = PROPS({"endpoint_var", STR}, {"model_var", STR}),
                         .x_ok = true))},
          {"networks", service_networks}, {"oom_kill_disable", BOOL_S},
          {"oom_score_adj", S(.types = T_INT | T_STR, .has_min = true, .min = -1000,
                              .has_max = true, .max = 1000)},
          {"pid", S(.types = T_STR | T_NULL)}, {"pids_limit", NUM_S}, {"platform", STR},
          {"ports", ports}, {"post_start", S(.types = T_SEQ, .items = service_hook)},
          {"pre_stop", S(.types = T_SEQ, .items = service_hook)}, {"privileged", BOOL_S},
          {"profiles", LIST_OF_STRINGS_DUP},
          {"pull_policy", S(.types = T_STR, .fmt = F_PULL_POLICY)},
          {"pull_refresh_after", STR}, {"read_only", BOOL_S}, {"restart", STR},
          {"runtime", STR}, {"scale", S(.types = T_INT | T_STR, .has_min = true, .min = 0)},
          {"security_opt", LIST_OF_STRINGS}, {"shm_size", NUM_S}, {"secrets", config_or_secret},
          {"sysctls", LIST_OR_DICT}, {"stdin_open", BOOL_S}, {"stop_grace_period", STR},
          {"stop_signal", STR}, {"storage_opt", S(.types = T_MAP, .values = ANY)},
          {"tmpfs", STRING_OR_LIST}, {"tty", BOOL_S}, {"ulimits", ulimits},
          {"use_api_socket", BOOL_S}, {"user", STR}, {"uts", STR}, {"userns_mode", STR},
          {"volumes", service_volumes}, {"volumes_from", LIST_OF_STRINGS},
          {"working_dir", STR}),
      .x_ok = true}};

static const struct sc external[1] = {{.types = T_BOOL | T_STR | T_MAP, .props = PROPS({"name", STR}), .x_ok = true}};

static const struct sc network[1] = {{.types = T_MAP | T_NULL,
      .props = PROPS(
          {"name", STR}, {"driver", STR}, {"driver_opts", STR_NUM_MAP},
          {"ipam",
           S(.types = T_MAP,
             .props = PROPS(
                 {"driver", STR},
                 {"config",
                  S(.types = T_SEQ,
                    .items = S(.types = T_MAP,
                               .props = PROPS({"subnet", STR}, {"ip_range", STR},
                                              {"gateway", STR},
                                              {"aux_addresses",
                                               S(.types = T_MAP, .values = STR)}),
                               .x_ok = true))},
                 {"options", S(.types = T_MAP, .values = STR)}),
             .x_ok = true)},
          {"external", external}, {"internal", BOOL_S}, {"enable_ipv4", BOOL_S},
          {"enable_ipv6", BOOL_S}, {"attachable", BOOL_S}, {"labels", LIST_OR_DICT}),
      .x_ok = true}};

static const struct sc volume[1] = {{.types = T_MAP | T_NULL,
      .props = PROPS({"name", STR}, {"driver", STR}, {"driver_opts", STR_NUM_MAP},
                     {"external", external}, {"labels", LIST_OR_DICT}),
      .x_ok = true}};

static const struct sc secret[1] = {{.types = T_MAP,
      .props = PROPS({"name", STR}, {"environment", STR}, {"file", STR}, {"external", external},
                     {"labels", LIST_OR_DICT}, {"driver", STR}, {"driver_opts", STR_NUM_MAP},
                     {"template_driver", STR}),
      .x_ok = true}};

static const struct sc config[1] = {{.types = T_MAP,
      .props = PROPS({"name", STR}, {"content", STR}, {"environment", STR}, {"file", STR},
                     {"external", external}, {"labels", LIST_OR_DICT},
                     {"template_driver", STR}),
      .x_ok = true}};

static const struct sc model[1] = {{.types = T_MAP,
      .props = PROPS({"name", STR}, {"model", STR}, {"context_size", INT_S},
                     {"runtime_flags", LIST_OF_STRINGS_DUP}),
      .required = STRS("model"), .x_ok = true}};

static const struct sc project[1] = {{.types = T_MAP,
      .props = PROPS(
          {"version", ANY}, {"name", STR},
          {"include",
           S(.types = T_SEQ,
             .items = S(.types = T_STR | T_MAP,
                        .props = PROPS({"path", STRING_OR_LIST}, {"env_file", STRING_OR_LIST},
                                       {"project_directory", STR})))},
          {"services", S(.types = T_MAP, .values = service, .keypat = KP_NAME)},
          {"models", S(.types = T_MAP, .values = model, .keypat = KP_NAME)},
          {"networks", S(.types = T_MAP, .values = network, .keypat = KP_NAME)},
          {"volumes", S(.types = T_MAP, .values = volume, .keypat = KP_NAME)},
          {"secrets", S(.types = T_MAP, .values = secret, .keypat = KP_NAME)},
          {"configs", S(.types = T_MAP, .values = config, .keypat = KP_NAME)}),
      .x_ok = true}};

/* ---------------------------------------------------------------- checker */

struct chk {
    struct diag *d;
    const struct ylpath *path; /* where the walk is */
    char *where;               /* the text of path, made on demand */
    bool failed;
    const struct ynode **bad;   /* values to prune after the walk */
    size_t nbad, capbad;
    const struct prop **tables; /* big property tables with a hash index */
    struct strmap **index;
    size_t ntables, captables;
};

/* The property named k of a table: hashed for big tables, linear for small ones. */
static const struct prop *find_prop(struct chk *c, const struct prop *props, const char *k)
{
    if (props == NULL)
        return NULL;
    size_t n = 0;
    while (props[n].name != NULL && n < 12)
        n++;
    if (n < 12) {
        for (const struct prop *p = props; p->name; p++)
            if (strcmp(p->name, k) == 0)
                return p;
        return NULL;
    }
    struct strmap *m = NULL;
    for (size_t i = 0; i < c->ntables && m == NULL; i++)
        if (c->tables[i] == props)
            m = c->index[i];
    if (m == NULL) {
        m = strmap_new();
        for (const struct prop *p = props; p->name; p++)
            strmap_put(m, p->name, (void *)p);
        size_t cap = c->captables;
        c->tables = xreallocarray_grow(c->tables, &cap, c->ntables + 1, sizeof(*c->tables));
        c->index = xrealloc(c->index, cap * sizeof(*c->index));
        c->captables = cap;
        c->tables[c->ntables] = props;
        c->index[c->ntables++] = m;
    }
    return strmap_get(m, k, NULL);
}

/* The type bit of a node; interpolated strings also count as what they parse as. */
static unsigned node_types(const struct ynode *n)
{
    switch (ynode_type(n)) {
    case YTYPE_NULL:
        return T_NULL;
    case YTYPE_BOOL:
        return T_BOOL;
    case YTYPE_INT:
        return T_INT | T_NUM;
    case YTYPE_FLOAT:
        return T_NUM;
    case YTYPE_MAP:
        return T_MAP;
    case YTYPE_SEQ:
        return T_SEQ;
    case YTYPE_STR: {
        unsigned t = T_STR;
        if (n->interpolated) {
            if (yscalar_int(n, NULL))
                t |= T_INT | T_NUM;
            else if (yscalar_number(n, NULL))
                t |= T_NUM;
            if (yscalar_bool(n, NULL))
                t |= T_BOOL;
        }
        return t;
    }
    }
    return T_STR;
}

/* "a mapping", "a boolean, null, number or string" ... */
static char *type_names(unsigned types)
{
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {{T_MAP, "mapping"}, {T_BOOL, "boolean"}, {T_INT, "integer"}, {T_SEQ, "list"},
                 {T_NULL, "null"},   {T_NUM, "number"},   {T_STR, "string"}};
    const char *v[8];
    size_t n = 0;
    for (size_t i = 0; i < ARRAY_LEN(names); i++) {
        if (!(types & names[i].bit))
            continue;
        if (names[i].bit == T_INT && (types & T_NUM))
            continue; /* "number" covers it */
        v[n++] = names[i].name;
    }
    char *s = xstrdup("");
    for (size_t i = 0; i < n; i++) {
        char *t = xasprintf("%s%s%s", s, i == 0 ? "" : i + 1 == n ? " or " : ", ", v[i]);
        free(s);
        s = t;
    }
    return s;
}

/* Levenshtein distance of two short strings. */
size_t schema_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return 99;
    size_t prev[65], cur[65];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (lb + 1) * sizeof(*prev));
    }
    return prev[lb];
}

/* The known key closest to a misspelt one, or NULL. */
static const char *closest(const struct prop *props, const char *key)
{
    const char *best = NULL;
    size_t bd = 3;
    for (const struct prop *p = props; p && p->name; p++) {
        size_t d = schema_distance(key, p->name);
        if (d < bd) {
            bd = d;
            best = p->name;
        }
    }
    return best;
}

/* True when key matches the pattern of open mapping keys. */
static bool key_ok(enum keypat kp, const char *key)
{
    if (*key == '\0')
        return false;
    for (const char *p = key; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (kp == KP_NAME && !(isalnum(c) || c == '.' || c == '_' || c == '-'))
            return false;
        if (kp == KP_LOWER && !(c >= 'a' && c <= 'z'))
            return false;
    }
    return true;
}

/* The path for messages ("(root)" at the top); valid until the walk moves. */
static const char *where(struct chk *c)
{
    free(c->where);
    c->where = ylpath_str(c->path);
    return *c->where ? c->where : "(root)";
}

/* pull_policy: a fixed word or every_<duration>. */
static bool pull_policy_ok(const char *s)
{
    static const char *const words[] = {"always", "never", "build", "if_not_present",
                                        "missing", "refresh", "daily", "weekly"};
    for (size_t i = 0; i < ARRAY_LEN(words); i++)
        if (strcmp(s, words[i]) == 0)
            return true;
    if (!str_starts_with(s, "every_") || s[6] == '\0')
        return false;
    for (const char *p = s + 6; *p;) {
        if (!isdigit((unsigned char)*p))
            return false;
        while (isdigit((unsigned char)*p))
            p++;
        if (*p == '\0' || strchr("wdhms", *p) == NULL)
            return false;
        p++;
    }
    return true;
}

static void check(struct chk *c, const struct ynode *n, const struct sc *sc);

/* Remembers a value that does not fit the schema (removed after the walk). */
static void mark_bad(struct chk *c, const struct ynode *n)
{
    c->bad = xreallocarray_grow(c->bad, &c->capbad, c->nbad + 1, sizeof(*c->bad));
    c->bad[c->nbad++] = n;
    c->failed = true;
}

/* Checks the entries of a mapping. */
static void check_map(struct chk *c, const struct ynode *n, const struct sc *sc)
{
    for (size_t i = 0; i < n->n; i++) {
        const char *k = n->keys[i]->text;
        const struct prop *pr = find_prop(c, sc->props, k);
        const struct sc *child = pr ? pr->sc : NULL;
        if (child == NULL && sc->x_ok && str_starts_with(k, "x-"))
            continue;
        if (child == NULL && sc->values != NULL) {
            if (!key_ok(sc->keypat, k)) {
                diag_add(c->d, n->keys[i], NULL,
                         sc->keypat == KP_LOWER
                             ? "use lower-case letters only"
                             : "names may only contain letters, digits, '.', '_' and '-'",
                         "%s: invalid name '%s' (it must match %s)", where(c), k,
                         sc->keypat == KP_LOWER ? "^[a-z]+$" : "^[a-zA-Z0-9._-]+$");
                mark_bad(c, n->items[i]);
                continue;
            }
            child = sc->values;
        }
        if (child == NULL) {
            const char *near = closest(sc->props, k);
            char *hint = near ? xasprintf("did you mean '%s'?", near)
                              : xstrdup(sc->x_ok ? "remove it, or prefix it with x- to keep it "
                                                   "as an extension"
                                                 : "remove it");
            if (c->path != NULL)
                diag_add(c->d, n->keys[i], NULL, hint, "%s additional properties '%s' not allowed",
                         where(c), k);
            else
                diag_add(c->d, n->keys[i], NULL, hint, "additional properties '%s' not allowed",
                         k);
            free(hint);
            mark_bad(c, n->items[i]);
            continue;
        }
        struct ylpath sub = {.up = c->path, .key = k};
        const struct ylpath *saved = c->path;
        c->path = &sub;
        check(c, n->items[i], child);
        c->path = saved;
    }
    for (const char *const *r = sc->required; r && *r; r++) {
        if (ynode_map_find(n, *r) < 0) {
            char *hint = xasprintf("add %s:", *r);
            diag_add(c->d, n, NULL, hint, "%s missing property '%s'", where(c), *r);
            free(hint);
            c->failed = true;
        }
    }
}

/* Checks the items of a list (and their uniqueness when required). */
static void check_seq(struct chk *c, const struct ynode *n, const struct sc *sc)
{
    for (size_t i = 0; i < n->n && sc->items != NULL; i++) {
        struct ylpath sub = {.up = c->path, .index = i};
        const struct ylpath *saved = c->path;
        c->path = &sub;
        check(c, n->items[i], sc->items);
        c->path = saved;
    }
    if (!sc->unique || n->n < 2)
        return;
    /* duplicates within one file are mistakes; across merged files compose drops them */
    struct strmap *seen = n->n > 16 ? strmap_new() : NULL;
    for (size_t i = 0; i < n->n; i++) {
        const struct ynode *it = n->items[i];
        if (it->kind != YNODE_SCALAR)
            continue;
        bool dup = false;
        if (seen != NULL) {
            const struct ynode *prev = strmap_get(seen, it->text, NULL);
            dup = prev != NULL && prev->src == it->src;
            if (prev == NULL)
                strmap_put(seen, it->text, (void *)it);
        } else {
            for (size_t j = 0; j < i && !dup; j++)
                dup = n->items[j]->kind == YNODE_SCALAR && n->items[j]->src == it->src &&
                      strcmp(n->items[j]->text, it->text) == 0;
        }
        if (dup) {
            diag_add(c->d, it, NULL, "remove the repeated entry",
                     "%s contains duplicate item \"%s\"", where(c), it->text);
            c->failed = true;
        }
    }
    strmap_free(seen);
}

/* Checks one node against a schema. */
static void check(struct chk *c, const struct ynode *n, const struct sc *sc)
{
    unsigned t = node_types(n);
    if ((t & sc->types) == 0) {
        char *names = type_names(sc->types);
        diag_add(c->d, n, NULL, NULL, "%s must be %s %s", where(c),
                 strchr("aeiou", names[0]) ? "an" : "a", names);
        free(names);
        mark_bad(c, n);
        return;
    }
    if (n->kind == YNODE_MAP) {
        check_map(c, n, sc);
        return;
    }
    if (n->kind == YNODE_SEQ) {
        check_seq(c, n, sc);
        return;
    }
    if (sc->enumv != NULL && ynode_type(n) == YTYPE_STR) {
        bool ok = false;
        for (const char *const *e = sc->enumv; *e && !ok; e++)
            ok = strcmp(*e, n->text) == 0;
        if (!ok) {
            char *list = xstrdup("");
            for (const char *const *e = sc->enumv; *e; e++) {
                char *l = xasprintf("%s%s%s", list, *list ? ", " : "", *e);
                free(list);
                list = l;
            }
            char *hint = xasprintf("use one of: %s", list);
            diag_add(c->d, n, NULL, hint, "%s must be one of the following: %s (got \"%s\")",
                     where(c), list, n->text);
            free(hint);
            free(list);
            c->failed = true;
        }
    }
    if (sc->fmt == F_PULL_POLICY && !pull_policy_ok(n->text)) {
        diag_add(c->d, n, NULL,
                 "use always, never, missing, build, refresh, daily, weekly or every_<duration>",
                 "%s: invalid pull policy \"%s\"", where(c), n->text);
        c->failed = true;
    }
    long long v;
    if ((sc->has_min || sc->has_max) && yscalar_int(n, &v)) {
        if (sc->has_min && v < sc->min) {
            diag_add(c->d, n, NULL, NULL, "%s must be greater than or equal to %lld", where(c),
                     sc->min);
            c->failed = true;
        } else if (sc->has_max && v > sc->max) {
            diag_add(c->d, n, NULL, NULL, "%s must be less than or equal to %lld", where(c),
                     sc->max);
            c->failed = true;
        }
    }
}

/* qsort/bsearch comparator for node pointers. */
static int cmp_ptr(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t) * (const void *const *)a, y = (uintptr_t) * (const void *const *)b;
    return x < y ? -1 : x > y;
}

/* Removes the marked values from the tree. */
static void prune(struct ynode *n, const struct ynode **bad, size_t nbad)
{
    for (size_t i = 0; i < n->n;) {
        const struct ynode *child = n->items[i];
        if (bsearch(&child, bad, nbad, sizeof(*bad), cmp_ptr) != NULL) {
            struct ynode *gone = n->kind == YNODE_MAP ? ynode_map_take(n, i) : ynode_seq_take(n, i);
            ynode_free(gone);
            continue;
        }
        prune(n->items[i], bad, nbad);
        i++;
    }
}

/* Checks a project tree against the schema tables. */
int schema_check_project(struct ynode *root, struct diag *d)
{
    struct chk c = {.d = d};
    check(&c, root, project);
    if (c.nbad > 0) {
        qsort(c.bad, c.nbad, sizeof(*c.bad), cmp_ptr);
        prune(root, c.bad, c.nbad);
    }
    free(c.bad);
    for (size_t i = 0; i < c.ntables; i++)
        strmap_free(c.index[i]);
    free(c.index);
    free(c.tables);
    free(c.where);
    return c.failed ? -1 : 0;
}
