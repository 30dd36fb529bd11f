/* The CPU backend's compiler invocation: how settings split into words, what keys a compile
 * (the target CPU's instruction-set lines when a flag asks for the host's CPU), the temp
 * directory rule, loading an object from its bytes (memfd and the private-file fallback), and
 * which leftover work directories the next compile removes. */
#include <dirent.h>
#include <dlfcn.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend/cpu/compile.h"
#include "harness.h"

static bo_context *ctx;
static char root[64];

/* Split text and compare with the expected words (NULL-terminated). */
static void expect_words(const char *text, const char *const *want)
{
    cpu_words w;
    cpu_words_init(&w);
    T_EQ_INT(cpu_words_split(ctx, "test", text, &w), BO_OK);
    size_t n = 0;
    while (want[n])
        ++n;
    T_CHECKF(w.n == n, "'%s': %zu words, want %zu", text, w.n, n);
    for (size_t i = 0; i < n && i < w.n; ++i)
        T_EQ_STR(w.v[i], want[i]);
    T_CHECK(w.n == 0 || w.v[w.n] == NULL);
    cpu_words_free(&w);
}

static void test_words(void)
{
    const char *const none[] = {NULL};
    expect_words("", none);
    expect_words("  \t ", none);
    const char *const plain[] = {"-O2", "-g", NULL};
    expect_words("  -O2\t -g ", plain);
    /* Shell syntax is just characters. */
    const char *const shell[] = {"-O2;", "touch", "FILE", "#", NULL};
    expect_words("-O2; touch FILE #", shell);
    const char *const subst[] = {"cc", "$(touch", "FILE)", NULL};
    expect_words("cc $(touch FILE)", subst);
    const char *const glob[] = {"*.c", "~/x", "$HOME", "a\\", "b", NULL}; /* no escapes */
    expect_words("*.c ~/x $HOME a\\ b", glob);
    /* Quotes group literally and join with what touches them. */
    const char *const quoted[] = {"-DNAME=a b", "/opt/my tools/gcc", "it's", "", "x\"y", NULL};
    expect_words("-DNAME='a b' \"/opt/my tools/gcc\" \"it's\" '' 'x\"y'", quoted);
    cpu_words w;
    cpu_words_init(&w);
    T_EQ_INT(cpu_words_split(ctx, "setting 'cflags'", "-O2 'open", &w), BO_ERR_SETTING);
    T_CONTAINS(bo_errmsg(ctx), "setting 'cflags': unterminated single quote");
    T_EQ_INT(cpu_words_split(ctx, "setting 'cc'", "\"cc", &w), BO_ERR_SETTING);
    T_CONTAINS(bo_errmsg(ctx), "double quote");
    cpu_words_free(&w);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* The identity keeps what fixes the instruction set and drops what does not. */
static void test_target_lines(void)
{
    char a[128], b[128], c[128];
    snprintf(a, sizeof a, "%s/cpuinfo-a", root);
    snprintf(b, sizeof b, "%s/cpuinfo-b", root);
    snprintf(c, sizeof c, "%s/cpuinfo-c", root);
    /* Two CPUs with the same (generic) model name, one with AVX-512 and one without. */
    write_file(a, "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 1\n"
                  "model name\t: AMD EPYC\ncpu MHz\t\t: 2445.404\n"
                  "flags\t\t: fpu sse2 avx avx2 avx512f\nbogomips\t: 4890.80\n\n"
                  "processor\t: 1\nvendor_id\t: AuthenticAMD\nflags\t\t: other\n");
    write_file(b, "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 1\n"
                  "model name\t: AMD EPYC\ncpu MHz\t\t: 1800.000\n"
                  "flags\t\t: fpu sse2 avx avx2\nbogomips\t: 3600.00\n\n");
    write_file(c, "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 1\n"
                  "model name\t: AMD EPYC 7763 64-Core Processor\ncpu MHz\t\t: 3100.000\n"
                  "flags\t\t: fpu sse2 avx avx2 avx512f\nbogomips\t: 6200.00\n\n");
    char *la = cpu_target_lines(a), *lb = cpu_target_lines(b), *lc = cpu_target_lines(c);
    T_EQ_STR(la, "vendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 1\n"
                 "flags\t\t: fpu sse2 avx avx2 avx512f\n");
    T_CHECK(la && lb && strcmp(la, lb) != 0); /* different instruction sets: different keys */
    T_EQ_STR(la, lc);                         /* only name, clock and bogomips differ */
    bo_free(la);
    bo_free(lb);
    bo_free(lc);
    /* Arm's Features line and part numbers. */
    write_file(a, "processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd sve\n"
                  "CPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x1\n"
                  "CPU part\t: 0xd40\nCPU revision\t: 1\n\n");
    la = cpu_target_lines(a);
    T_EQ_STR(la, "Features\t: fp asimd sve\nCPU implementer\t: 0x41\nCPU architecture: 8\n"
                 "CPU variant\t: 0x1\nCPU part\t: 0xd40\n");
    bo_free(la);
    /* A flags line longer than the reader's buffer is kept whole. */
    char *longer = malloc(20000);
    strcpy(longer, "processor\t: 0\nflags\t\t:");
    for (int i = 0; i < 2000; ++i)
        strcat(longer, " feature");
    strcat(longer, " last\nbogomips\t: 1\n\n");
    write_file(a, longer);
    la = cpu_target_lines(a);
    T_CHECK(la && strlen(la) ==
                      strlen(longer) - strlen("processor\t: 0\n") - strlen("bogomips\t: 1\n\n"));
    T_CHECK(la && strstr(la, " last\n") != NULL && strstr(la, "bogomips") == NULL);
    bo_free(la);
    free(longer);
    /* Nothing readable: the host stands in, so nothing is shared by accident. */
    snprintf(a, sizeof a, "%s/no-such-cpuinfo", root);
    la = cpu_target_lines(a);
    T_CHECK(la && strncmp(la, "host ", 5) == 0);
    bo_free(la);
}

static void test_identity(void)
{
    cpu_words cc, flags;
    cpu_words_init(&cc);
    cpu_words_init(&flags);
    cpu_words_split(ctx, "cc", "cc", &cc);
    cpu_words_split(ctx, "flags", "-O2 -march=x86-64", &flags);
    char *id = NULL;
    T_EQ_INT(cpu_compiler_identity(ctx, &cc, &flags, &id), BO_OK);
    T_CHECK(id && strchr(id, '\n') == id + strlen(id) - 1); /* the version line only */
    bo_free(id);
    cpu_words_split(ctx, "flags", "-march=native", &flags);
    T_EQ_INT(cpu_compiler_identity(ctx, &cc, &flags, &id), BO_OK);
    char *cpu = cpu_target_lines("/proc/cpuinfo");
    T_CHECK(id && cpu && strstr(id, cpu) != NULL);
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) { /* on Linux x86 and Arm the feature list is part of the key */
        char line[64];
        int has_flags = 0;
        while (fgets(line, sizeof line, f))
            has_flags |= strncmp(line, "flags", 5) == 0 || strncmp(line, "Features", 8) == 0;
        fclose(f);
        if (has_flags)
            T_CHECK(id && (strstr(id, "\nflags") || strstr(id, "\nFeatures")));
    }
    bo_free(id);
    /* A later -march wins, as in the compiler: a portable target keys no CPU; a later native
     * -mtune or -mcpu does. */
    const char *cases[][2] = {{"-march=native -O2 -march=x86-64-v2", "no"},
                              {"-march=x86-64-v2 -march=native", "yes"},
                              {"-march=x86-64-v2 -mtune=native", "yes"},
                              {"-mcpu=native", "yes"},
                              {"-Dx=-march=native", "no"}};
    for (int i = 0; i < 5; ++i) {
        cpu_words fl;
        cpu_words_init(&fl);
        cpu_words_split(ctx, "flags", cases[i][0], &fl);
        T_EQ_INT(cpu_compiler_identity(ctx, &cc, &fl, &id), BO_OK);
        int has = id && cpu && strstr(id, cpu) != NULL;
        T_CHECKF(has == (cases[i][1][0] == 'y'), "%s: CPU lines %s", cases[i][0],
                 has ? "present" : "absent");
        bo_free(id);
        cpu_words_free(&fl);
    }
    bo_free(cpu);
    cpu_words_free(&cc);
    cpu_words_split(ctx, "cc", "no-such-cc-2385 --flag", &cc);
    T_EQ_INT(cpu_compiler_identity(ctx, &cc, &flags, &id), BO_ERR_COMPILE);
    T_CONTAINS(bo_errmsg(ctx), "C compiler 'no-such-cc-2385 --flag' not found");
    T_CHECK(id == NULL);
    cpu_words_free(&cc);
    cpu_words_free(&flags);
}

static void test_temp_dir(void)
{
    const char *old = getenv("TMPDIR");
    char *saved = old ? strdup(old) : NULL;
    unsetenv("TMPDIR");
    T_EQ_STR(cpu_temp_dir(), "/tmp");
    setenv("TMPDIR", "", 1);
    T_EQ_STR(cpu_temp_dir(), "/tmp");
    setenv("TMPDIR", "relative/dir", 1);
    T_EQ_STR(cpu_temp_dir(), "/tmp");
    setenv("TMPDIR", "/scratch/me", 1);
    T_EQ_STR(cpu_temp_dir(), "/scratch/me");
    if (saved)
        setenv("TMPDIR", saved, 1);
    else
        unsetenv("TMPDIR");
    free(saved);
}

static int count_entries(const char *dir, const char *prefix)
{
    int n = 0;
    DIR *dh = opendir(dir);
    struct dirent *e;
    while (dh && (e = readdir(dh)) != NULL)
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    if (dh)
        closedir(dh);
    return n;
}

/* Compile a small object with the library's own path, then load its bytes both ways. */
static void test_compile_and_load(void)
{
    char tmp[128];
    snprintf(tmp, sizeof tmp, "%s/tmp", root);
    mkdir(tmp, 0700);
    setenv("TMPDIR", tmp, 1);
    cpu_words cc, flags;
    cpu_words_init(&cc);
    cpu_words_init(&flags);
    cpu_words_split(ctx, "cc", "cc", &cc);
    cpu_words_split(ctx, "flags", "-std=c11 -O2 -fPIC -shared '-DANSWER=(40 + 2)'", &flags);
    void *so = NULL;
    size_t size = 0;
    T_EQ_INT(cpu_compile(ctx, &cc, &flags, "int answer(void) { return ANSWER; }\n", &so, &size),
             BO_OK);
    T_CHECK(so && size > 4 &&
            memcmp(so,
                   "\x7f"
                   "ELF",
                   4) == 0);
    T_EQ_INT(count_entries(tmp, "batchode_cc_"), 0);
    for (int fallback = 0; fallback < 2; ++fallback) {
        cpu_test_no_memfd(fallback);
        void *h = NULL;
        int fd = -2;
        T_EQ_INT(cpu_dlopen_bytes(ctx, so, size, &h, &fd), BO_OK);
        T_CHECK(fallback ? fd == -1 : fd >= 0);
        int (*fn)(void) = NULL;
        void *sym = h ? dlsym(h, "answer") : NULL;
        memcpy(&fn, &sym, sizeof sym);
        T_CHECK(fn && fn() == 42);
        if (h)
            dlclose(h);
        if (fd >= 0)
            close(fd);
        T_EQ_INT(count_entries(tmp, "batchode_cc_"), 0);
    }
    /* Two objects loaded at once, each from its own bytes, stay distinct. */
    cpu_test_no_memfd(0);
    void *so2 = NULL;
    size_t size2 = 0;
    cpu_words_free(&flags);
    cpu_words_split(ctx, "flags", "-std=c11 -O2 -fPIC -shared -DANSWER=7", &flags);
    T_EQ_INT(cpu_compile(ctx, &cc, &flags, "int answer(void) { return ANSWER; }\n", &so2, &size2),
             BO_OK);
    void *h1 = NULL, *h2 = NULL;
    int fd1 = -1, fd2 = -1;
    T_EQ_INT(cpu_dlopen_bytes(ctx, so, size, &h1, &fd1), BO_OK);
    T_EQ_INT(cpu_dlopen_bytes(ctx, so2, size2, &h2, &fd2), BO_OK);
    int (*f1)(void) = NULL, (*f2)(void) = NULL;
    void *s1 = h1 ? dlsym(h1, "answer") : NULL, *s2 = h2 ? dlsym(h2, "answer") : NULL;
    memcpy(&f1, &s1, sizeof s1);
    memcpy(&f2, &s2, sizeof s2);
    T_CHECK(f1 && f2 && f1() == 42 && f2() == 7);
    if (h1)
        dlclose(h1);
    if (h2)
        dlclose(h2);
    close(fd1);
    close(fd2);
    /* Bytes that are no object: a clear error naming the loader's complaint. */
    void *h = NULL;
    int fd = -1;
    T_EQ_INT(cpu_dlopen_bytes(ctx, "not an ELF object", 17, &h, &fd), BO_ERR_COMPILE);
    T_CONTAINS(bo_errmsg(ctx), "cannot load the compiled program");
    T_CHECK(h == NULL && fd == -1);
    /* A compile error keeps the compiler's output in the log. */
    void *bad = NULL;
    T_EQ_INT(cpu_compile(ctx, &cc, &flags, "int answer(void) { return }\n", &bad, &size),
             BO_ERR_COMPILE);
    T_CONTAINS(bo_errmsg(ctx), "failed (exit 1)");
    T_CONTAINS(bo_errlog(ctx), "return");
    T_CHECK(bad == NULL);
    T_EQ_INT(count_entries(tmp, "batchode_cc_"), 0);
    /* Files the compiler leaves beside the object (-save-temps) go with the work directory. */
    cpu_words_split(ctx, "flags", "-save-temps", &flags);
    T_EQ_INT(cpu_compile(ctx, &cc, &flags, "int answer(void) { return 1; }\n", &bad, &size), BO_OK);
    bo_free(bad);
    T_EQ_INT(count_entries(tmp, "batchode_cc_"), 0);
    bo_free(so);
    bo_free(so2);
    cpu_words_free(&cc);
    cpu_words_free(&flags);
}

/* Which work directories a compile removes: only those named by a dead process, owned by this
 * user and not locked. */
static void test_stale_work_dirs(void)
{
    char tmp[128], path[256];
    snprintf(tmp, sizeof tmp, "%s/stale", root);
    mkdir(tmp, 0700);
    setenv("TMPDIR", tmp, 1);
    /* A pid that is surely gone: a child that has exited and been reaped. */
    pid_t dead = fork();
    if (dead == 0)
        _exit(0);
    waitpid(dead, NULL, 0);
    char stale[200], locked[200], alive[200], foreign[200], other[200];
    snprintf(stale, sizeof stale, "%s/batchode_cc_%ld_0_aaaaaa", tmp, (long)dead);
    snprintf(locked, sizeof locked, "%s/batchode_cc_%ld_1_bbbbbb", tmp, (long)dead);
    snprintf(alive, sizeof alive, "%s/batchode_cc_%ld_0_cccccc", tmp, (long)getppid());
    snprintf(foreign, sizeof foreign, "%s/batchode_cc_%ld_2_dddddd", tmp, (long)dead);
    snprintf(other, sizeof other, "%s/batchode_cc_XyZ123", tmp); /* not ours to judge */
    const char *all[] = {stale, locked, alive, foreign, other};
    for (int i = 0; i < 5; ++i) {
        mkdir(all[i], 0700);
        snprintf(path, sizeof path, "%s/program.c", all[i]);
        FILE *f = fopen(path, "w");
        if (f)
            fclose(f);
    }
    int lfd = open(locked, O_RDONLY | O_DIRECTORY);
    T_EQ_INT(flock(lfd, LOCK_EX), 0);
    int is_root = geteuid() == 0;
    if (is_root) {
        T_EQ_INT(chown(foreign, 65534, 65534), 0);
    }
    /* A symlink with a stale-looking name pointing elsewhere is never followed. */
    char victim[160], link[200];
    snprintf(victim, sizeof victim, "%s/victim", root);
    mkdir(victim, 0700);
    snprintf(path, sizeof path, "%s/keep.txt", victim);
    FILE *f = fopen(path, "w");
    if (f)
        fclose(f);
    snprintf(link, sizeof link, "%s/batchode_cc_%ld_3_eeeeee", tmp, (long)dead);
    T_EQ_INT(symlink(victim, link), 0);

    cpu_words cc, flags;
    cpu_words_init(&cc);
    cpu_words_init(&flags);
    cpu_words_split(ctx, "cc", "cc", &cc);
    cpu_words_split(ctx, "flags", "-std=c11 -fPIC -shared", &flags);
    void *so = NULL;
    size_t size = 0;
    T_EQ_INT(cpu_compile(ctx, &cc, &flags, "int f(void) { return 1; }\n", &so, &size), BO_OK);
    bo_free(so);
    struct stat st;
    T_CHECKF(stat(stale, &st) != 0, "the stale directory is still there");
    T_CHECK(stat(locked, &st) == 0);
    T_CHECK(stat(alive, &st) == 0);
    T_CHECK(stat(other, &st) == 0);
    if (is_root)
        T_CHECK(stat(foreign, &st) == 0);
    T_CHECK(stat(path, &st) == 0); /* the symlink's target is untouched */
    close(lfd);
    cpu_words_free(&cc);
    cpu_words_free(&flags);
    unsetenv("TMPDIR");
}

int main(void)
{
    snprintf(root, sizeof root, "/tmp/bo_cpu_compile_XXXXXX");
    if (!mkdtemp(root))
        T_SKIP("cannot create a temporary directory");
    T_EQ_INT(bo_context_create(&ctx), BO_OK);
    test_words();
    test_target_lines();
    test_identity();
    test_temp_dir();
    test_compile_and_load();
    test_stale_work_dirs();
    bo_context_destroy(ctx);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd) != 0)
        printf("could not remove %s\n", root);
    T_DONE();
}
