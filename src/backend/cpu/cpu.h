/* CPU backend: compile a generated unit with the system C compiler into a shared object
 * (through the compile cache), load it with dlopen, and run a launch over a pool of threads. */
#ifndef BO_CPU_H
#define BO_CPU_H

#include <stddef.h>
#include <stdint.h>

#include "batchode.h"

typedef struct cpu_module cpu_module;

/* Compile (or fetch from the cache) and load. cc: compiler command ("cc"); cflags: extra
 * flags appended to the built-in optimisation flags (may be NULL); disk_cache: use the on-disk
 * compile cache (the in-process cache is always used). On a compile failure:
 * BO_ERR_COMPILE, the compiler's output in bo_errlog(ctx). */
int cpu_module_load(bo_context *ctx, const char *source, const char *cc, const char *cflags,
                    int disk_cache, cpu_module **out);
void cpu_module_release(cpu_module *m);
/* 1 if the module came from the on-disk cache or the in-process cache (no compile ran). */
int cpu_module_was_cached(const cpu_module *m);

typedef void (*cpu_progress_fn)(void *user, size_t done, size_t total);
typedef int (*cpu_interrupt_fn)(void *user);

/* Run runs [0, run_count) of the launch described by args (a bo_args of the module's
 * precision) on `threads` threads (0 = all cores). progress (may be NULL) is called from the
 * calling thread about every 100 ms and once at the end; interrupt (may be NULL) as often,
 * and when it returns nonzero no further runs start and cpu_run returns BO_ERR_CANCELLED once
 * the runs in flight are done. */
int cpu_run(bo_context *ctx, cpu_module *m, const void *args, int64_t run_count, int threads,
            cpu_progress_fn progress, cpu_interrupt_fn interrupt, void *user);

#endif
