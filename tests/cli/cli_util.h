/* Test utility for the CLI tests: a temp dir to work in, files written to and read from it,
 * and run(), which runs the batchode tool there and keeps its stdout and stderr in
 * out_text/err_text. Header-only (static functions and state); include from one test source
 * as "cli_util.h" (it sits beside the sources). */
#ifndef BO_TEST_CLI_UTIL_H
#define BO_TEST_CLI_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[256];
static char *out_text, *err_text;

/* The whole file as a NUL-terminated string (NULL when unreadable); its length in *len_out
 * when len_out is not NULL. */
static inline char *read_all(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (cap - len < 2) {
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    if (buf)
        buf[len] = '\0';
    if (len_out)
        *len_out = len;
    fclose(f);
    return buf;
}

static inline char *read_in_dir(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return read_all(path, len);
}

static inline void write_file(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* Run `batchode ARGS` inside the temp dir; stdout and stderr land in out_text/err_text.
 * Returns the exit code, or -1. An exit code above 2 is none the CLI should give: its
 * stderr is printed to help the diagnosis. */
static inline int run(const char *args)
{
    free(out_text);
    free(err_text);
    char cmd[2048], out_path[512], err_path[512];
    snprintf(out_path, sizeof out_path, "%s/stdout.txt", dir);
    snprintf(err_path, sizeof err_path, "%s/stderr.txt", dir);
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s >'%s' 2>'%s'", dir, BO_CLI_PATH, args, out_path,
             err_path);
    int st = system(cmd);
    out_text = read_all(out_path, NULL);
    err_text = read_all(err_path, NULL);
    if (!out_text || !err_text)
        return -1;
    if (WIFEXITED(st) && WEXITSTATUS(st) > 2)
        printf("stderr of '%s':\n%s\n", args, err_text);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Create the temp dir from PATTERN (ending in XXXXXX); 0 on success, -1 if it cannot be
 * made (the caller skips). */
static inline int cli_setup(const char *pattern)
{
    snprintf(dir, sizeof dir, "%s", pattern);
    return mkdtemp(dir) ? 0 : -1;
}

/* Free the captured output and remove the temp dir. */
static inline void cli_cleanup(void)
{
    free(out_text);
    free(err_text);
    out_text = err_text = NULL;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        printf("note: could not remove %s\n", dir);
}

#endif
