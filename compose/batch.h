/* Engine ops (jobs) with one completion: what images and resources share. Internal. */
#ifndef BERTH_COMPOSE_BATCH_H
#define BERTH_COMPOSE_BATCH_H

#include "compose/engine-internal.h"

struct batch_job;

/* A batch finished: err (taken over) is the first failure, NULL on success. */
typedef void (*batch_done_fn)(void *user, struct berth_error *err);
/* Frees what a job owns and the job itself (already unlinked from its batch). */
typedef void (*batch_job_free_fn)(struct batch_job *j);

/* A set of jobs with one completion; the first member of a module's own batch type. */
struct batch {
    struct berth_compose *c;
    struct batch_job *jobs; /* live jobs */
    bool cancelled;
    size_t pending;
    struct berth_error *err;
    batch_job_free_fn job_free;
    batch_done_fn done;
    void *user;
    bool started; /* every job was launched */
};

/* One job of a batch; the first member of a module's job type. */
struct batch_job {
    struct batch *b;
    struct eop *e; /* the step in flight */
    struct batch_job *prev, *next;
};

/* A zeroed batch of size bytes (a type that begins with struct batch), freed when it completes. */
void *batch_new(size_t size, struct berth_compose *c, batch_job_free_fn job_free,
                batch_done_fn done, void *user);
/* Links a new job (zeroed, a type that begins with struct batch_job) into b: one more pending. */
void batch_add(struct batch *b, struct batch_job *j);
/* Ends a job: err (taken over, or NULL) counts if first; the last job completes the batch. */
void batch_job_end(struct batch_job *j, struct berth_error *err);
/* eop_set_user_free of a job: its op was discarded (close); frees it and, last, the batch. */
void batch_job_discarded(void *job);
/* Marks every job launched; done runs at once (and NULL is returned) when none is pending. */
struct batch *batch_start(struct batch *b);
/* Cancels every step in flight; done follows with BERTH_E_CANCELLED. */
void batch_cancel(struct batch *b);

#endif
