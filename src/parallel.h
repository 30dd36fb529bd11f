/* Host-side parallel loops for the memory-bound passes of a solve (expanding the batch,
 * precision conversions, gathering into and scattering out of the GPU's staging buffers). On
 * a large batch these passes, and the first-touch page faults of fresh result arrays, cost
 * more than the kernel; spreading them over the cores divides that. Internal (prefix par_). */
#ifndef BO_PARALLEL_H
#define BO_PARALLEL_H

#include <stddef.h>

/* fn(user, begin, end) over [0, n) split into contiguous pieces of at least `grain` items,
 * one per thread, on up to `threads` threads (<= 0: one per core); the calling thread takes
 * the first piece. When threads cannot be created the remaining pieces run on the caller, so
 * the loop always completes. */
typedef void (*par_fn)(void *user, size_t begin, size_t end);
void par_for(size_t n, size_t grain, int threads, par_fn fn, void *user);

/* One contiguous copy. */
typedef struct {
    void *dst;
    const void *src;
    size_t bytes;
} par_segment;

/* Copy every segment, the total bytes split evenly over the threads (segments may be split
 * between threads; they must not overlap each other). */
void par_copy(const par_segment *seg, size_t count, int threads);

/* Number of online cores (at least 1). */
int par_cores(void);

#endif
