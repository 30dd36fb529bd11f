/* What the compile cache and the compiler invocation may trust, through the public API: a
 * cache directory or entry that another user could have written is not used (a warning, an
 * uncached compile, the right result), even when it holds a planted object with a valid sum;
 * new directories and entries are private; an entry that verifies but does not load is
 * rebuilt; the `cc` and `cflags` settings and BATCHODE_EXTRA_CFLAGS never reach a shell;
 * compiles honour TMPDIR; a compile directory left by a killed process is removed by the next
 * compile. Each solve is checked against the closed form y = 2.385 exp(-k c t). */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backend/cache.h"
#include "harness.h"
#include "util/sha256.h"

static bo_context *ctx;
static char root[64];
static int serial; /* makes every scenario's model, and so its cache key, distinct */

static int exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

static unsigned mode_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (unsigned)(st.st_mode & 07777) : 0xffffu;
}

static void spit(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(data, 1, len, f);
        fclose(f);
    }
}

static void run_or_report(const char *cmd)
{
    int rc = system(cmd);
    if (rc != 0)
        printf("command failed (%d): %s\n", rc, cmd);
}

/* A solve of dy/dt = -k c y, y(0) = 2.385, k = 1.5, to t = 1 on the CPU, with one extra
 * setting (key may be NULL). Returns the create or solve status; on success *y gets the final
 * state. */
static int solve(double c, const char *key, const char *value, double *y)
{
    char text[256];
    snprintf(text, sizeof text,
             "model trust_%d\nconst c = %.17g\nparam k = 1.5\nstate y = 2.385\ndy/dt = -k*c*y\n",
             ++serial, c);
    bo_model *m = NULL;
    bo_settings *s = NULL;
    bo_solver *sv = NULL;
    bo_batch *b = NULL;
    bo_results *r = NULL;
    int rc = bo_model_load_string(ctx, text, "trust.ode", &m);
    if (rc == BO_OK)
        rc = bo_settings_create(ctx, &s);
    if (rc == BO_OK) {
        bo_settings_set(s, "backend", "cpu");
        bo_settings_set(s, "rtol", "1e-10");
        bo_settings_set(s, "atol", "1e-12");
        bo_settings_set(s, "duration", "1");
        if (key)
            rc = bo_settings_set(s, key, value);
    }
    if (rc == BO_OK)
        rc = bo_solver_create(ctx, m, s, &sv);
    if (rc == BO_OK)
        rc = bo_batch_create(ctx, m, &b);
    if (rc == BO_OK)
        rc = bo_solver_solve(sv, b, &r);
    if (rc == BO_OK) {
        *y = bo_results_final(r, 0, 0);
        if (bo_results_status(r, 0) != 0)
            rc = BO_ERR_INTERNAL;
    }
    bo_results_destroy(r);
    bo_batch_destroy(b);
    bo_solver_destroy(sv);
    bo_settings_destroy(s);
    bo_model_destroy(m);
    return rc;
}

/* The same model text as the last solve: serial is not advanced. */
static int solve_again(double c, double *y)
{
    --serial;
    return solve(c, NULL, NULL, y);
}

static double exact(double c)
{
    return 2.385 * exp(-1.5 * c);
}

/* The single *.so entry of a cache directory (its file name), or "" when there is none. */
static void find_entry(const char *dir, char name[128])
{
    name[0] = '\0';
    DIR *dh = opendir(dir);
    struct dirent *e;
    while (dh && (e = readdir(dh)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n > 3 && n < 128 && strcmp(e->d_name + n - 3, ".so") == 0)
            memcpy(name, e->d_name, n + 1);
    }
    if (dh)
        closedir(dh);
}

static void write_sum(const char *path, const void *data, size_t len)
{
    char hex[65], text[256], sum_path[512];
    sha256_hex(data, len, hex);
    int n = snprintf(text, sizeof text, "batchode-cache-sum-v1\nsize %zu\nsha256 %s\n", len, hex);
    snprintf(sum_path, sizeof sum_path, "%s.sum", path);
    spit(sum_path, text, (size_t)n);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    *len = fread(buf, 1, (size_t)n, f);
    fclose(f);
    return buf;
}

/* Build the attacker's object (its constructor writes marker) at path, with a valid sum: what
 * a local user who can write the directory plants there, as in the attack this reproduces. */
static void plant(const char *path, const char *marker)
{
    char src[256], cmd[1024];
    snprintf(src, sizeof src, "%s/evil.c", root);
    FILE *f = fopen(src, "w");
    if (f) {
        fprintf(f,
                "#include <stdint.h>\n#include <stdio.h>\n"
                "__attribute__((constructor)) static void pwn(void)\n"
                "{ FILE *f = fopen(\"%s\", \"w\"); if (f) { fputs(\"pwned\\n\", f); "
                "fclose(f); } }\n"
                "void bo_run_range(const void *a, int64_t b, int64_t e)\n"
                "{ (void)a; (void)b; (void)e; }\n",
                marker);
        fclose(f);
    }
    snprintf(cmd, sizeof cmd, "cc -shared -fPIC -o '%s' '%s'", path, src);
    run_or_report(cmd);
    size_t len = 0;
    char *data = slurp(path, &len);
    if (data)
        write_sum(path, data, len);
    free(data);
}

static void chown_entry(const char *path, uid_t uid)
{
    char sum[512];
    snprintf(sum, sizeof sum, "%s.sum", path);
    if (chown(path, uid, uid) != 0 || chown(sum, uid, uid) != 0)
        printf("chown failed: %s\n", strerror(errno));
}

/* The key the next solve(c) will use, found by compiling it once into a private directory. */
static void key_for(double c, char name[128])
{
    char dir[128];
    snprintf(dir, sizeof dir, "%s/keys-%d", root, serial + 1);
    setenv("BATCHODE_CACHE_DIR", dir, 1);
    double y = 0;
    T_EQ_INT(solve(c, NULL, NULL, &y), BO_OK);
    find_entry(dir, name);
    T_CHECK(name[0] != '\0');
    cc_mem_clear();
}

/* D1, as found: a cache directory another user can write (0777, and owned by that user when
 * the test runs as root) holding an object with a valid sum is not used. */
static void test_planted_object(void)
{
    double c = 1.25, y = 0;
    char name[128], dir[128], entry[300], marker[128];
    key_for(c, name);
    snprintf(dir, sizeof dir, "%s/shared", root);
    snprintf(entry, sizeof entry, "%s/%s", dir, name);
    snprintf(marker, sizeof marker, "%s/pwned-1", root);
    mkdir(dir, 0777);
    chmod(dir, 0777);
    plant(entry, marker);
    if (geteuid() == 0) {
        chown_entry(entry, 65534);
        T_EQ_INT(chown(dir, 65534, 65534), 0);
    }
    setenv("BATCHODE_CACHE_DIR", dir, 1);
    bo_clear_warnings(ctx);
    T_EQ_INT(solve_again(c, &y), BO_OK);
    T_REL(y, exact(c), 1e-8);
    T_CHECKF(!exists(marker), "the planted object ran");
    T_CONTAINS(bo_warnings(ctx), "compile cache: not using");
    T_CONTAINS(bo_warnings(ctx), dir);
    cc_mem_clear();
}

/* A directory writable by group or others is not used even when it is this user's; nor is one
 * below a directory others may write (unless that one is sticky, like /tmp). */
static void test_directory_modes(void)
{
    double y = 0;
    char dir[128], parent[128], name[128];
    snprintf(dir, sizeof dir, "%s/groupw", root);
    mkdir(dir, 0700);
    chmod(dir, 0770);
    setenv("BATCHODE_CACHE_DIR", dir, 1);
    bo_clear_warnings(ctx);
    T_EQ_INT(solve(1.5, NULL, NULL, &y), BO_OK);
    T_REL(y, exact(1.5), 1e-8);
    T_CONTAINS(bo_warnings(ctx), "writable by group or others");
    find_entry(dir, name);
    T_CHECKF(name[0] == '\0', "an object was stored in a group-writable directory: %s", name);

    snprintf(parent, sizeof parent, "%s/openparent", root);
    mkdir(parent, 0777);
    chmod(parent, 0777);
    snprintf(dir, sizeof dir, "%s/openparent/cache", root);
    setenv("BATCHODE_CACHE_DIR", dir, 1);
    bo_clear_warnings(ctx);
    T_EQ_INT(solve(1.75, NULL, NULL, &y), BO_OK);
    T_REL(y, exact(1.75), 1e-8);
    T_CONTAINS(bo_warnings(ctx), "the directory above it");
    find_entry(dir, name);
    T_CHECK(name[0] == '\0');

    /* Sticky and world-writable above (as /tmp): fine, the cache itself is private. */
    snprintf(parent, sizeof parent, "%s/sticky", root);
    mkdir(parent, 0777);
    chmod(parent, 01777);
    snprintf(dir, sizeof dir, "%s/sticky/cache", root);
    setenv("BATCHODE_CACHE_DIR", dir, 1);
    bo_clear_warnings(ctx);
    T_EQ_INT(solve(2.0, NULL, NULL, &y), BO_OK);
    T_REL(y, exact(2.0), 1e-8);
    T_EQ_STR(bo_warnings(ctx), "");
    find_entry(dir, name);
    T_CHECK(name[0] != '\0');
    cc_mem_clear();
}

/* New directories are made 0700 and entries 0600. */
static void test_private_modes(void)
{
    double y = 0;
    char top[128], dir[160], name[128], path[300];
    snprintf(top, sizeof top, "%s/new", root);
    snprintf(dir, sizeof dir, "%s/a/b", top);
    setenv("BATCHODE_CACHE_DIR", dir, 1);
    mode_t old = umask(0);
    T_EQ_INT(solve(2.25, NULL, NULL, &y), BO_OK);
    umask(old);
    T_EQ_INT(mode_of(top), 0700);
    snprintf(path, sizeof path, "%s/a", top);
    T_EQ_INT(mode_of(path), 0700);
    T_EQ_INT(mode_of(dir), 0700);
    find_entry(dir, name);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    T_EQ_INT(mode_of(path), 0600);
    snprintf(path, sizeof path, "%s/%s.sum", dir, name);
    T_EQ_INT(mode_of(path), 0600);
    cc_mem_clear();
}

/* In a private directory, an entry that others may write, or (as root) one owned by another
 * user, is not used; the fresh compile replaces it with a private one. */
static void test_untrusted_entries(void)
{
    char dir[128];
    snprintf(dir, sizeof dir, "%s/private", root);
    for (int foreign = 0; foreign < 2; ++foreign) {
        if (foreign && geteuid() != 0) {
            printf("not root: the entry owned by another user is not tried\n");
            break;
        }
        double c = foreign ? 2.75 : 2.5, y = 0;
        char name[128], entry[300], marker[128];
        key_for(c, name);
        mkdir(dir, 0700);
        snprintf(entry, sizeof entry, "%s/%s", dir, name);
        snprintf(marker, sizeof marker, "%s/pwned-entry-%d", root, foreign);
        plant(entry, marker);
        if (foreign) {
            chown_entry(entry, 65534);
        } else {
            chmod(entry, 0666);
        }
        setenv("BATCHODE_CACHE_DIR", dir, 1);
        bo_clear_warnings(ctx);
        T_EQ_INT(solve_again(c, &y), BO_OK);
        T_REL(y, exact(c), 1e-8);
        T_CHECKF(!exists(marker), "the planted entry ran (%s)", foreign ? "owner" : "mode");
        T_CONTAINS(bo_warnings(ctx), name);
        T_CONTAINS(bo_warnings(ctx), foreign ? "not by this user" : "writable by group or others");
        struct stat st;
        T_CHECK(stat(entry, &st) == 0 && st.st_uid == geteuid() && (st.st_mode & 077) == 0);
        cc_mem_clear();
    }
}

/* An entry whose sum matches but which does not load is dropped and rebuilt. */
static void test_unloadable_entry(void)
{
    double c = 3.0, y = 0;
    char name[128], dir[128], entry[300];
    key_for(c, name);
    snprintf(dir, sizeof dir, "%s/rebuild", root);
    mkdir(dir, 0700);
    snprintf(entry, sizeof entry, "%s/%s", dir, name);
    unsigned char junk[4096];
    for (size_t i = 0; i < sizeof junk; ++i)
        junk[i] = (unsigned char)((i * 2654435761u) >> 11);
    spit(entry, junk, sizeof junk);
    chmod(entry, 0600);
    write_sum(entry, junk, sizeof junk);
    setenv("BATCHODE_CACHE_DIR", dir, 1);
    bo_clear_warnings(ctx);
    T_EQ_INT(solve_again(c, &y), BO_OK);
    T_REL(y, exact(c), 1e-8);
    size_t len = 0;
    char *now = slurp(entry, &len);
    T_CHECKF(now && len > 4 &&
                 memcmp(now,
                        "\x7f"
                        "ELF",
                        4) == 0,
             "the entry was not rebuilt");
    free(now);
    cc_mem_clear();
    /* ... and is a plain hit afterwards. */
    bo_clear_warnings(ctx);
    T_EQ_INT(solve_again(c, &y), BO_OK);
    T_REL(y, exact(c), 1e-8);
    T_EQ_STR(bo_warnings(ctx), "");
    cc_mem_clear();
}

/* Settings are arguments, never shell text. */
static void test_no_shell(void)
{
    char dir[128], file[160], value[512];
    snprintf(dir, sizeof dir, "%s/noshell", root);
    setenv("BATCHODE_CACHE_DIR", dir, 1);
    double y = 0;
    snprintf(file, sizeof file, "%s/injected-cflags", root);
    snprintf(value, sizeof value, "-O2; touch %s #", file);
    int rc = solve(3.25, "cflags", value, &y);
    T_CHECK(rc == BO_OK || rc == BO_ERR_COMPILE);
    T_CHECKF(!exists(file), "cflags ran a shell command");

    snprintf(file, sizeof file, "%s/injected-cc", root);
    snprintf(value, sizeof value, "cc $(touch %s)", file);
    rc = solve(3.5, "cc", value, &y);
    T_CHECK(rc == BO_OK || rc == BO_ERR_COMPILE);
    T_CHECKF(!exists(file), "cc ran a shell command");

    snprintf(file, sizeof file, "%s/injected-env", root);
    snprintf(value, sizeof value, "-O1 `touch %s` && touch %s", file, file);
    const char *old = getenv("BATCHODE_EXTRA_CFLAGS");
    char *saved = old ? strdup(old) : NULL;
    setenv("BATCHODE_EXTRA_CFLAGS", value, 1);
    rc = solve(3.75, NULL, NULL, &y);
    T_CHECK(rc == BO_OK || rc == BO_ERR_COMPILE);
    T_CHECKF(!exists(file), "BATCHODE_EXTRA_CFLAGS ran a shell command");
    if (saved)
        setenv("BATCHODE_EXTRA_CFLAGS", saved, 1);
    else
        unsetenv("BATCHODE_EXTRA_CFLAGS");
    free(saved);
    cc_mem_clear();
}

/* Write an executable shell script. */
static void script(const char *path, const char *body)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fprintf(f, "#!/bin/sh\n%s\n", body);
        fclose(f);
    }
    chmod(path, 0755);
}

static int count_work_dirs(const char *dir)
{
    int n = 0;
    DIR *dh = opendir(dir);
    struct dirent *e;
    while (dh && (e = readdir(dh)) != NULL)
        n += strncmp(e->d_name, "batchode_cc_", 12) == 0;
    if (dh)
        closedir(dh);
    return n;
}

/* Compiles happen under $TMPDIR; a missing compiler is one clear error. */
static void test_tmpdir_and_missing_compiler(void)
{
    const char *old = getenv("TMPDIR");
    char *saved = old ? strdup(old) : NULL;
    char tmp[128], missing[128], wrapper[160], log[160], body[600];
    snprintf(tmp, sizeof tmp, "%s/tmp17", root);
    mkdir(tmp, 0700);
    snprintf(missing, sizeof missing, "%s/no-such-dir", root);
    snprintf(wrapper, sizeof wrapper, "%s/cc-wrapper", root);
    snprintf(log, sizeof log, "%s/cc-wrapper.log", root);
    snprintf(body, sizeof body, "echo \"$@\" >> '%s'\nexec cc \"$@\"", log);
    script(wrapper, body);
    double y = 0;
    setenv("TMPDIR", missing, 1);
    T_EQ_INT(solve(4.0, "cache", "false", &y), BO_ERR_IO);
    T_CONTAINS(bo_errmsg(ctx), missing);
    setenv("TMPDIR", tmp, 1);
    T_EQ_INT(solve(4.25, "cc", wrapper, &y), BO_OK);
    T_REL(y, exact(4.25), 1e-8);
    size_t len = 0;
    char *args = slurp(log, &len);
    char want[160];
    snprintf(want, sizeof want, "%s/batchode_cc_", tmp);
    T_CONTAINS(args, want);
    free(args);
    T_EQ_INT(count_work_dirs(tmp), 0);

    /* The missing compiler: one clear message, and no shell's "not found" line in the
     * compiler log (which the CLI prints after the message). */
    T_EQ_INT(solve(4.5, "cc", "no-such-cc-2385", &y), BO_ERR_COMPILE);
    T_CONTAINS(bo_errmsg(ctx), "C compiler 'no-such-cc-2385' not found");
    T_EQ_STR(bo_errlog(ctx), "");

    if (saved)
        setenv("TMPDIR", saved, 1);
    else
        unsetenv("TMPDIR");
    free(saved);
    cc_mem_clear();
}

/* A solve killed while its compiler runs leaves its work directory; the next compile removes
 * it (and leaves the directories of live compiles alone). */
static void test_killed_compile(void)
{
    const char *old = getenv("TMPDIR");
    char *saved = old ? strdup(old) : NULL;
    char tmp[128], slow[160], pidfile[160], body[800];
    snprintf(tmp, sizeof tmp, "%s/tmp10", root);
    mkdir(tmp, 0700);
    snprintf(slow, sizeof slow, "%s/slow-cc", root);
    snprintf(pidfile, sizeof pidfile, "%s/slow-cc.pid", root);
    snprintf(body, sizeof body,
             "[ \"$1\" = --version ] && exec cc --version\n"
             "echo $$ > '%s.part' && mv '%s.part' '%s'\nexec sleep 60",
             pidfile, pidfile, pidfile);
    script(slow, body);
    setenv("TMPDIR", tmp, 1);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        double y;
        solve(4.75, "cc", slow, &y);
        _exit(0);
    }
    long slow_pid = 0;
    for (int i = 0; i < 1000 && !slow_pid; ++i) {
        FILE *f = fopen(pidfile, "r");
        if (f) {
            if (fscanf(f, "%ld", &slow_pid) != 1)
                slow_pid = 0;
            fclose(f);
        }
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    T_CHECK(slow_pid > 0);
    T_EQ_INT(count_work_dirs(tmp), 1);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    if (slow_pid > 0)
        kill((pid_t)slow_pid, SIGKILL);
    T_EQ_INT(count_work_dirs(tmp), 1); /* left behind */
    double y = 0;
    T_EQ_INT(solve(5.0, "cache", "false", &y), BO_OK);
    T_REL(y, exact(5.0), 1e-8);
    T_EQ_INT(count_work_dirs(tmp), 0);
    if (saved)
        setenv("TMPDIR", saved, 1);
    else
        unsetenv("TMPDIR");
    free(saved);
    cc_mem_clear();
}

int main(void)
{
    snprintf(root, sizeof root, "/tmp/bo_trust_XXXXXX");
    if (!mkdtemp(root))
        T_SKIP("cannot create a temporary directory");
    chmod(root, 0755); /* as root, the foreign owner's files must be reachable */
    T_EQ_INT(bo_context_create(&ctx), BO_OK);
    test_planted_object();
    test_directory_modes();
    test_private_modes();
    test_untrusted_entries();
    test_unloadable_entry();
    test_no_shell();
    test_tmpdir_and_missing_compiler();
    test_killed_compile();
    bo_context_destroy(ctx);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    run_or_report(cmd);
    T_DONE();
}
