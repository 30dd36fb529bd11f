/* Test utility: compile a C source string with the system compiler and run it or load it.
 * Used by tests that check generated code natively. Header-only (static functions); include
 * from one test source. */
#ifndef BO_TEST_CCUTIL_H
#define BO_TEST_CCUTIL_H

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Strict flags for generated code (STYLE: generated C compiles with warnings as errors). */
#define CCU_STRICT "-std=c11 -Wall -Wextra -Werror -pedantic -O2"

static inline const char *ccu_cc(void)
{
    const char *cc = getenv("CC");
    return (cc && *cc) ? cc : "cc";
}

/* Write source to a fresh temp file with the given suffix; returns malloc'd path. */
static inline char *ccu_write_temp(const char *source, const char *suffix)
{
    char tmpl[] = "/tmp/bo_test_XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd < 0)
        return NULL;
    close(fd);
    unlink(tmpl);
    size_t n = strlen(tmpl) + strlen(suffix) + 1;
    char *path = malloc(n);
    if (!path)
        return NULL;
    snprintf(path, n, "%s%s", tmpl, suffix);
    FILE *f = fopen(path, "w");
    if (!f) {
        free(path);
        return NULL;
    }
    fputs(source, f);
    fclose(f);
    return path;
}

/* Read a whole file into a malloc'd string (NULL on failure). */
static inline char *ccu_read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf) {
        size_t got = fread(buf, 1, (size_t)n, f);
        buf[got] = '\0';
    }
    fclose(f);
    return buf;
}

/* Compile source into an executable (libs follow the source on the command line, as static
 * libraries must), run it, and return its stdout (malloc'd) or NULL on a compile failure
 * (the compiler output is printed). *exit_code receives the exit status. */
static inline char *ccu_compile_run_libs(const char *source, const char *flags, const char *libs,
                                         int *exit_code)
{
    char *src = ccu_write_temp(source, ".c");
    if (!src)
        return NULL;
    char exe[512], out[512], cmd[2048];
    snprintf(exe, sizeof exe, "%s.bin", src);
    snprintf(out, sizeof out, "%s.out", src);
    snprintf(cmd, sizeof cmd, "%s %s %s -o %s %s -lm 2>&1", ccu_cc(), flags ? flags : "", src, exe,
             libs ? libs : "");
    FILE *p = popen(cmd, "r");
    char line[1024];
    while (p && fgets(line, sizeof line, p))
        fputs(line, stdout);
    int rc = p ? pclose(p) : -1;
    char *result = NULL;
    if (rc == 0) {
        snprintf(cmd, sizeof cmd, "%s > %s", exe, out);
        int run = system(cmd);
        if (exit_code)
            *exit_code = WIFEXITED(run) ? WEXITSTATUS(run) : -1;
        result = ccu_read_file(out);
    } else {
        printf("ccu_compile_run: compile failed: %s\n", cmd);
    }
    unlink(src);
    unlink(exe);
    unlink(out);
    free(src);
    return result;
}

/* Compile source into an executable, run it, and return its stdout (see
 * ccu_compile_run_libs). */
static inline char *ccu_compile_run(const char *source, const char *flags, int *exit_code)
{
    return ccu_compile_run_libs(source, flags, NULL, exit_code);
}

/* 1 when source compiles to an object file under flags (e.g. CCU_STRICT), else 0; the
 * compiler's messages go to the test's output. */
static inline int ccu_compiles(const char *source, const char *flags)
{
    char *path = ccu_write_temp(source, ".c");
    if (!path)
        return 0;
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s %s -c -o /dev/null %s 2>&1", ccu_cc(), flags ? flags : "", path);
    int ok = system(cmd) == 0;
    unlink(path);
    free(path);
    return ok;
}

/* Compile source into a shared object and dlopen it; returns the handle or NULL. */
static inline void *ccu_compile_so(const char *source, const char *flags)
{
    char *src = ccu_write_temp(source, ".c");
    if (!src)
        return NULL;
    char so[512], cmd[2048];
    snprintf(so, sizeof so, "%s.so", src);
    snprintf(cmd, sizeof cmd, "%s %s -shared -fPIC %s -o %s -lm 2>&1", ccu_cc(), flags ? flags : "",
             src, so);
    FILE *p = popen(cmd, "r");
    char line[1024];
    while (p && fgets(line, sizeof line, p))
        fputs(line, stdout);
    int rc = p ? pclose(p) : -1;
    void *h = NULL;
    if (rc == 0) {
        h = dlopen(so, RTLD_NOW | RTLD_LOCAL);
        if (!h)
            printf("ccu_compile_so: dlopen failed: %s\n", dlerror());
    } else {
        printf("ccu_compile_so: compile failed: %s\n", cmd);
    }
    unlink(src);
    unlink(so);
    free(src);
    return h;
}

#endif
