/*
 * Helpers shared by the compose loader tests: temporary project directories,
 * files, and loading a project with a hermetic environment. Header-only so
 * that each test program stays one file.
 */
#ifndef BERTH_TESTS_COMPOSE_TEST_H
#define BERTH_TESTS_COMPOSE_TEST_H

#include <ftw.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <berth/project.h>

/* Creates a fresh temporary directory (malloc'd path). */
static inline char *ct_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    size_t n = strlen(base && *base ? base : "/tmp") + 32;
    char *tpl = malloc(n);
    assert_non_null(tpl);
    snprintf(tpl, n, "%s/berth-ct-XXXXXX", base && *base ? base : "/tmp");
    assert_non_null(mkdtemp(tpl));
    return tpl;
}

/* Writes dir/rel (creating its parent directories). */
static inline void ct_write(const char *dir, const char *rel, const char *content)
{
    size_t n = strlen(dir) + strlen(rel) + 2;
    char *path = malloc(n);
    assert_non_null(path);
    snprintf(path, n, "%s/%s", dir, rel);
    for (char *p = path + strlen(dir) + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0755);
            *p = '/';
        }
    }
    FILE *f = fopen(path, "w");
    free(path);
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
}

/* nftw callback removing one entry. */
static inline int ct_rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(p);
}

/* Removes a directory tree and frees the path. */
static inline void ct_rmtree(char *dir)
{
    if (dir != NULL)
        nftw(dir, ct_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

/* A hermetic environment: HOME=dir, PATH, and the extra KEY=VALUE entries. */
struct ct_env {
    char *v[32];
    size_t n;
};

static inline void ct_env_init(struct ct_env *e, const char *home)
{
    memset(e, 0, sizeof(*e));
    size_t n = strlen(home) + 6;
    e->v[0] = malloc(n);
    assert_non_null(e->v[0]);
    snprintf(e->v[0], n, "HOME=%s", home);
    e->v[1] = strdup("PATH=/usr/bin:/bin");
    e->n = 2;
}

static inline void ct_env_add(struct ct_env *e, const char *kv)
{
    assert_true(e->n + 1 < sizeof(e->v) / sizeof(e->v[0]));
    e->v[e->n++] = strdup(kv);
}

static inline void ct_env_free(struct ct_env *e)
{
    for (size_t i = 0; i < e->n; i++)
        free(e->v[i]);
    e->n = 0;
}

/*
 * Loads dir/<file> (one file, or NULL for discovery from dir) with a
 * hermetic environment plus the extra KEY=VALUE strings (NULL-terminated).
 * The working directory is dir during the load. Returns the project, or NULL
 * with *err set.
 */
static inline struct berth_project *ct_load_opts(const char *dir,
                                                 struct berth_project_options *o,
                                                 const char *const *extra_env,
                                                 struct berth_error **err)
{
    struct ct_env env;
    ct_env_init(&env, dir);
    for (const char *const *x = extra_env; x && *x; x++)
        ct_env_add(&env, *x);
    env.v[env.n] = NULL;
    o->environment = (const char *const *)env.v;
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(chdir(dir), 0);
    struct berth_project *p = berth_project_load(o, err);
    assert_int_equal(chdir(cwd), 0);
    ct_env_free(&env);
    o->environment = NULL;
    return p;
}

/* Loads one compose file of dir with -p test. */
static inline struct berth_project *ct_load(const char *dir, const char *file,
                                            struct berth_error **err)
{
    const char *files[] = {file, NULL};
    struct berth_project_options o = {.files = file ? files : NULL, .project_name = "test"};
    return ct_load_opts(dir, &o, NULL, err);
}

/* Writes compose.yaml into a fresh directory and loads it; returns the error text (malloc'd) or NULL. */
static inline char *ct_error_of(const char *yaml)
{
    char *dir = ct_tmpdir();
    ct_write(dir, "compose.yaml", yaml);
    struct berth_error *err = NULL;
    struct berth_project *p = ct_load(dir, "compose.yaml", &err);
    char *msg = NULL;
    if (p == NULL) {
        msg = strdup(berth_error_message(err));
        berth_error_free(err);
    }
    berth_project_free(p);
    ct_rmtree(dir);
    return msg;
}

/* Asserts that text contains needle (printing both when not). */
static inline void ct_assert_contains(const char *text, const char *needle)
{
    if (text == NULL || strstr(text, needle) == NULL) {
        fprintf(stderr, "expected to find:\n  %s\nin:\n  %s\n", needle, text ? text : "(null)");
        fail();
    }
}

#endif
