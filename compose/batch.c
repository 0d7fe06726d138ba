/*
 * The bookkeeping images and resources share: a batch of jobs, each one
 * engine op at a time, with one completion that reports the first failure.
 * A batch completes only after it was started (every job launched), so a
 * job that ends at once does not complete it early.
 */
#include "config.h"

#include <stdlib.h>

#include "compose/batch.h"

/* A zeroed batch of size bytes, freed when it completes. */
void *batch_new(size_t size, struct berth_compose *c, batch_job_free_fn job_free,
                batch_done_fn done, void *user)
{
    struct batch *b = xcalloc(1, size);
    b->c = c;
    b->job_free = job_free;
    b->done = done;
    b->user = user;
    return b;
}

/* Completes the batch when nothing is pending any more. */
static void batch_check(struct batch *b)
{
    if (!b->started || b->pending > 0)
        return;
    batch_done_fn done = b->done;
    void *user = b->user;
    struct berth_error *err = b->err;
    free(b);
    done(user, err);
}

/* Links a new job into b. */
void batch_add(struct batch *b, struct batch_job *j)
{
    j->b = b;
    j->next = b->jobs;
    if (b->jobs != NULL)
        b->jobs->prev = j;
    b->jobs = j;
    b->pending++;
}

/* Unlinks and frees a job (its batch goes on). */
static void batch_job_free(struct batch_job *j)
{
    struct batch *b = j->b;
    if (j->prev != NULL)
        j->prev->next = j->next;
    else
        b->jobs = j->next;
    if (j->next != NULL)
        j->next->prev = j->prev;
    b->job_free(j);
}

/* Ends a job (with an error or not). */
void batch_job_end(struct batch_job *j, struct berth_error *err)
{
    struct batch *b = j->b;
    if (err != NULL) {
        if (b->err == NULL)
            b->err = err;
        else
            berth_error_free(err);
    }
    batch_job_free(j);
    b->pending--;
    batch_check(b);
}

/* A job's op was discarded (close): free it and, last, the batch (no callback). */
void batch_job_discarded(void *job)
{
    struct batch_job *j = job;
    struct batch *b = j->b;
    batch_job_free(j);
    if (--b->pending == 0 && b->started) {
        berth_error_free(b->err);
        free(b);
    }
}

/* Marks the batch launched; done runs at once (NULL returned) when it had nothing to do. */
struct batch *batch_start(struct batch *b)
{
    b->started = true;
    if (b->pending == 0) {
        batch_check(b);
        return NULL;
    }
    return b;
}

/* Cancels a running batch: done follows with BERTH_E_CANCELLED. */
void batch_cancel(struct batch *b)
{
    b->cancelled = true;
    for (struct batch_job *j = b->jobs; j != NULL; j = j->next)
        if (j->e != NULL)
            eop_cancel(j->e);
}
