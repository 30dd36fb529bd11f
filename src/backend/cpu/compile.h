/* Running the system C compiler for the CPU backend (docs/cache.md): the `cc` and `cflags`
 * settings split into argument vectors by fixed rules and run without a shell, compiles in a
 * private, locked work directory under $TMPDIR (stale ones of killed processes are removed),
 * the identity of compiler and target that keys the compile cache, and loading a compiled
 * object from its bytes so that the code run is the code checked. */
#ifndef BO_CPU_COMPILE_H
#define BO_CPU_COMPILE_H

#include <stddef.h>

#include "util/internal.h"

/* An argument vector: v[0..n) are words (owned), v[n] is NULL once any word was added. */
typedef struct {
    char **v;
    size_t n, cap;
} cpu_words;

void cpu_words_init(cpu_words *w);
void cpu_words_free(cpu_words *w);
/* Append one word (copied). BO_OK or BO_ERR_NOMEM. */
int cpu_words_add(bo_context *ctx, cpu_words *w, const char *word);
/* Append the words of text. Rules: spaces and tabs separate words; a '...' or "..." section
 * is taken literally (spaces included, no escapes) and joins the characters around it into
 * one word ('' is an empty word); nothing else is special: no variables, no globs, no
 * commands. what names the text's origin for errors ("setting 'cflags'"). BO_OK,
 * BO_ERR_SETTING for an unterminated quote, BO_ERR_NOMEM. */
int cpu_words_split(bo_context *ctx, const char *what, const char *text, cpu_words *w);

/* Directory for temporary files: $TMPDIR when it is set to an absolute path, else /tmp. */
const char *cpu_temp_dir(void);

/* Identity of the compiler and of the code it generates, for the cache key (*out: bo_free):
 * the first line of `cc --version`, and, when the flags ask for the host's CPU (the last
 * -march=, -mcpu= or -mtune= is native), the CPU's lines from cpu_target_lines, so that
 * objects built for one CPU are never handed to another. BO_ERR_COMPILE when the compiler
 * cannot be run. */
int cpu_compiler_identity(bo_context *ctx, const cpu_words *cc, const cpu_words *flags, char **out);

/* The lines of a cpuinfo file (production: /proc/cpuinfo) that the identity keeps: those of
 * the first processor named vendor_id, cpu family, model, flags, Features, CPU implementer,
 * CPU architecture, CPU variant, CPU part, isa or cpu. Lines that change from boot to boot or
 * CPU to CPU of one kind (cpu MHz, bogomips, model name, microcode) are left out. When there
 * are none, "host <name> <machine>". New string (bo_free), NULL when out of memory. */
char *cpu_target_lines(const char *cpuinfo);

/* Compile source with cc, flags, -o OUT SOURCE -lm into a shared object; *so (bo_free) and
 * *size receive its bytes. BO_ERR_COMPILE (compiler not found, or failed: its output in
 * bo_errlog), BO_ERR_IO (temp directory), BO_ERR_NOMEM. */
int cpu_compile(bo_context *ctx, const cpu_words *cc, const cpu_words *flags, const char *source,
                void **so, size_t *size);

/* dlopen a shared object from its bytes: through an in-memory file (memfd), else through a
 * file in a fresh private work directory; never through a path another user could write.
 * *handle: the dlopen handle; *hold_fd: a descriptor to close after dlclose (-1 if none; it
 * keeps the memfd's /proc/self/fd name unique while the object is loaded). BO_ERR_COMPILE
 * with dlerror's text when the bytes do not load. */
int cpu_dlopen_bytes(bo_context *ctx, const void *so, size_t size, void **handle, int *hold_fd);

/* Tests only: nonzero makes cpu_dlopen_bytes skip the memfd and use its file fallback. */
void cpu_test_no_memfd(int on);

#endif
