/* Host-side parallel loops for the memory-bound passes of a solve (expanding the batch,
 * precision conversions, gathering into and scattering out of the GPU's staging buffers). On
 * a large batch these passes, and the first-touch page faults of fresh result arrays, cost
 * more than the kernel; spreading them over the cores divides that. Internal (prefix par_).
 *
 * The loops run on a pool of worker threads that a solver keeps between solves, where
 * creating threads per pass cost 0.2-0.5 ms each time (several passes per solve). A worker
 * polls for the next loop for 0.2 ms after each one before it sleeps: a loop that comes
 * within that time (the passes of one solve do) starts without waking threads through the
 * kernel, which cost tens of microseconds per worker and loop. Without a pool (NULL) the
 * threads are made per call. */
#ifndef BO_PARALLEL_H
#define BO_PARALLEL_H

#include <stddef.h>

typedef struct par_pool par_pool;

/* A pool of up to `threads` - 1 workers (the caller is the other thread; <= 0: one per core),
 * started lazily by the first loop that needs them. NULL when out of memory: the loops then
 * create threads per call. */
par_pool *par_pool_create(int threads);
/* Stops and joins the workers. Accepts NULL. Not while a loop runs on the pool. */
void par_pool_destroy(par_pool *pool);

/* fn(user, begin, end) over [0, n) split into contiguous pieces of at least `grain` items,
 * one per thread, on up to `threads` threads (<= 0: one per core), on pool's workers (or on
 * threads made for this call when pool is NULL); the calling thread takes the first piece.
 * When threads cannot be had the remaining pieces run on the caller, so the loop always
 * completes. One loop at a time per pool. */
typedef void (*par_fn)(void *user, size_t begin, size_t end);
void par_for(par_pool *pool, size_t n, size_t grain, int threads, par_fn fn, void *user);

/* One contiguous run of `count` elements from src to dst. Elements are dst_size and src_size
 * bytes: equal sizes copy bytes; 8 -> 4 converts double to float, 4 -> 8 float to double. */
typedef struct {
    void *dst;
    const void *src;
    size_t count;
    unsigned char dst_size, src_size;
} par_segment;

/* Copy every segment, the total elements split evenly over the threads (segments may be
 * split between threads; they must not overlap each other). */
void par_copy(par_pool *pool, const par_segment *seg, size_t count, int threads);

/* Copy one segment on the calling thread, as par_copy copies its parts (streaming stores for
 * large ones where the CPU has them). */
void par_copy_segment(const par_segment *seg);

/* Set `count` elements of dst (elem_bytes 4: float, 8: double) to v, converted as a cast
 * does, on the calling thread (streaming stores for large runs where the CPU has them). */
void par_fill_value(void *dst, size_t count, double v, int elem_bytes);

/* Number of cores this process may run on (its CPU affinity where the system reports it, else
 * the online cores; at least 1). */
int par_cores(void);

#endif
