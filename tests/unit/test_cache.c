/* The compile cache: keys, the directory's environment precedence, store and lookup, corrupt
 * and partial entries (removed and reported as misses), concurrent writers in separate
 * processes with a concurrent reader (every hit must be one whole, intact version), and the
 * in-memory handle map under threads. */
#include "harness.h"

#include <dirent.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backend/cache.h"
#include "util/sha256.h"

static bo_context *ctx;
static char root[64];

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
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
    size_t got = fread(buf, 1, (size_t)n, f);
    buf[got] = '\0';
    fclose(f);
    *len = got;
    return buf;
}

static void spit(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(data, 1, len, f);
        fclose(f);
    }
}

static void test_keys(void)
{
    char a[65], b[65];
    cc_key("int f(void);", "gcc 12.2 x86_64", "-O3", a);
    T_EQ_INT(strlen(a), 64);
    T_CHECK(strspn(a, "0123456789abcdef") == 64);
    cc_key("int f(void);", "gcc 12.2 x86_64", "-O3", b);
    T_EQ_STR(a, b);
    cc_key("int f(void); ", "gcc 12.2 x86_64", "-O3", b);
    T_CHECK(strcmp(a, b) != 0);
    cc_key("int f(void);", "gcc 13.1 x86_64", "-O3", b);
    T_CHECK(strcmp(a, b) != 0);
    cc_key("int f(void);", "gcc 12.2 x86_64", "-O2", b);
    T_CHECK(strcmp(a, b) != 0);
    /* Fields are framed: moving text from one field to the next changes the key. */
    cc_key("ab", "c", "", a);
    cc_key("a", "bc", "", b);
    T_CHECK(strcmp(a, b) != 0);
    cc_key("a", "", "b", b);
    cc_key("a", "b", "", a);
    T_CHECK(strcmp(a, b) != 0);
}

static void test_dir_env(void)
{
    char *saved[3];
    const char *names[3] = {"BATCHODE_CACHE_DIR", "XDG_CACHE_HOME", "HOME"};
    for (int i = 0; i < 3; ++i) {
        const char *v = getenv(names[i]);
        saved[i] = v ? strdup(v) : NULL;
    }
    char *d = NULL;
    setenv("BATCHODE_CACHE_DIR", "/data/bo", 1);
    setenv("XDG_CACHE_HOME", "/xdg", 1);
    setenv("HOME", "/home/u", 1);
    T_EQ_INT(cc_dir(ctx, &d), BO_OK);
    T_EQ_STR(d, "/data/bo");
    bo_free(d);
    setenv("BATCHODE_CACHE_DIR", "", 1); /* empty means unset */
    T_EQ_INT(cc_dir(ctx, &d), BO_OK);
    T_EQ_STR(d, "/xdg/batchode");
    bo_free(d);
    unsetenv("BATCHODE_CACHE_DIR");
    setenv("XDG_CACHE_HOME", "relative/dir", 1); /* XDG: relative paths are ignored */
    T_EQ_INT(cc_dir(ctx, &d), BO_OK);
    T_EQ_STR(d, "/home/u/.cache/batchode");
    bo_free(d);
    unsetenv("XDG_CACHE_HOME");
    T_EQ_INT(cc_dir(ctx, &d), BO_OK);
    T_EQ_STR(d, "/home/u/.cache/batchode");
    bo_free(d);
    unsetenv("HOME");
    T_EQ_INT(cc_dir(ctx, &d), BO_ERR_IO);
    T_CHECK(d == NULL);
    T_CONTAINS(bo_errmsg(ctx), "BATCHODE_CACHE_DIR");
    for (int i = 0; i < 3; ++i) {
        if (saved[i])
            setenv(names[i], saved[i], 1);
        else
            unsetenv(names[i]);
        free(saved[i]);
    }
}

static void test_store_lookup(void)
{
    char dir[128];
    snprintf(dir, sizeof dir, "%s/a/b/cache", root); /* created on first store */
    setenv("BATCHODE_CACHE_DIR", dir, 1);
    char key[65], other[65];
    cc_key("source one", "cc-test", "-O2", key);
    cc_key("source two", "cc-test", "-O2", other);

    char *path = (char *)"x";
    T_EQ_INT(cc_lookup(ctx, key, "so", &path), 0);
    T_CHECK(path == NULL);
    T_CHECK(!exists(dir)); /* a lookup creates nothing */

    const char payload[] = "\x7f"
                           "ELF fake shared object \x00\x01\x02 with a NUL inside";
    size_t plen = sizeof payload - 1;
    T_EQ_INT(cc_store_bytes(ctx, key, "so", payload, plen), BO_OK);
    T_EQ_INT(cc_lookup(ctx, key, "so", &path), 1);
    char want[256];
    snprintf(want, sizeof want, "%s/%s.so", dir, key);
    T_EQ_STR(path, want);
    char *p2 = NULL;
    T_EQ_INT(cc_path(ctx, key, "so", &p2), BO_OK);
    T_EQ_STR(p2, want);
    bo_free(p2);
    size_t len = 0;
    char *content = slurp(path, &len);
    T_EQ_INT(len, plen);
    T_CHECK(content && memcmp(content, payload, plen) == 0);
    free(content);
    bo_free(path);

    /* The sum file holds the size and the SHA-256 of the content. */
    char sum_path[300], hex[65];
    snprintf(sum_path, sizeof sum_path, "%s.sum", want);
    char *sum = slurp(sum_path, &len);
    sha256_hex(payload, plen, hex);
    char line[128];
    snprintf(line, sizeof line, "size %zu\n", plen);
    T_CONTAINS(sum, line);
    T_CONTAINS(sum, hex);
    free(sum);

    void *data = NULL;
    size_t size = 0;
    T_EQ_INT(cc_load_bytes(ctx, key, "so", &data, &size), 1);
    T_EQ_INT(size, plen);
    T_CHECK(data && memcmp(data, payload, plen) == 0);
    bo_free(data);
    T_EQ_INT(cc_load_bytes(ctx, other, "so", &data, &size), 0);
    T_CHECK(data == NULL && size == 0);
    T_EQ_INT(cc_lookup(ctx, key, "cubin", NULL), 0); /* the extension is part of the name */

    /* Storing again replaces the entry; an empty artifact is a valid entry. */
    T_EQ_INT(cc_store_bytes(ctx, key, "so", "v2", 2), BO_OK);
    T_EQ_INT(cc_load_bytes(ctx, key, "so", &data, &size), 1);
    T_CHECK(size == 2 && memcmp(data, "v2", 2) == 0);
    bo_free(data);
    T_EQ_INT(cc_store_bytes(ctx, other, "bin", "", 0), BO_OK);
    T_EQ_INT(cc_load_bytes(ctx, other, "bin", &data, &size), 1);
    T_EQ_INT(size, 0);
    bo_free(data);

    /* From a file, larger than one read chunk. */
    size_t big = 200000;
    unsigned char *blob = malloc(big);
    for (size_t i = 0; i < big; ++i)
        blob[i] = (unsigned char)((i * 2654435761u) >> 13);
    char src[128];
    snprintf(src, sizeof src, "%s/artifact.bin", root);
    spit(src, blob, big);
    T_EQ_INT(cc_store_file(ctx, other, "cubin", src), BO_OK);
    T_EQ_INT(cc_load_bytes(ctx, other, "cubin", &data, &size), 1);
    T_CHECK(size == big && memcmp(data, blob, big) == 0);
    bo_free(data);
    free(blob);
    snprintf(src, sizeof src, "%s/missing.bin", root);
    T_EQ_INT(cc_store_file(ctx, other, "so", src), BO_ERR_IO);

    /* Keys and extensions cannot escape the directory. */
    T_EQ_INT(cc_lookup(ctx, "../../etc/passwd", "so", NULL), BO_ERR_INVALID_ARG);
    char upper[65];
    memcpy(upper, key, 65);
    upper[0] = 'A';
    T_EQ_INT(cc_store_bytes(ctx, upper, "so", "x", 1), BO_ERR_INVALID_ARG);
    T_EQ_INT(cc_store_bytes(ctx, key, "s/o", "x", 1), BO_ERR_INVALID_ARG);
    T_EQ_INT(cc_store_bytes(ctx, key, "", "x", 1), BO_ERR_INVALID_ARG);

    /* No temporary files are left behind. */
    DIR *dh = opendir(dir);
    int temps = 0, files = 0;
    struct dirent *ent;
    while (dh && (ent = readdir(dh)) != NULL) {
        if (ent->d_name[0] == '.' && strncmp(ent->d_name, ".tmp", 4) == 0)
            ++temps;
        else if (ent->d_name[0] != '.')
            ++files;
    }
    if (dh)
        closedir(dh);
    T_EQ_INT(temps, 0);
    T_EQ_INT(files, 6); /* key.so, other.bin, other.cubin and their sums */
}

/* Damage an entry in the given way, then expect a miss and both files gone. */
static void expect_removed(const char *key, const char *what, int mode)
{
    char *path = NULL;
    T_EQ_INT(cc_store_bytes(ctx, key, "so", "0123456789abcdef", 16), BO_OK);
    T_EQ_INT(cc_path(ctx, key, "so", &path), BO_OK);
    char sum_path[256];
    snprintf(sum_path, sizeof sum_path, "%s.sum", path);
    if (mode == 0) { /* flip one byte */
        spit(path, "0123456789abcdeF", 16);
    } else if (mode == 1) { /* truncate */
        spit(path, "01234567", 8);
    } else if (mode == 2) { /* delete the sum */
        unlink(sum_path);
    } else if (mode == 3) { /* extra bytes */
        spit(path, "0123456789abcdef!", 17);
    } else if (mode == 4) { /* garbage sum */
        spit(sum_path, "size 16\nsha256 nope\n", 20);
    } else { /* sum without content */
        unlink(path);
    }
    char *hit = (char *)"x";
    T_CHECKF(cc_lookup(ctx, key, "so", &hit) == 0, "%s", what);
    T_CHECK(hit == NULL);
    T_CHECKF(!exists(path) && !exists(sum_path), "%s: entry not removed", what);
    void *data = NULL;
    size_t size = 0;
    T_EQ_INT(cc_load_bytes(ctx, key, "so", &data, &size), 0);
    bo_free(path);
}

static void test_corruption(void)
{
    char key[65];
    cc_key("corruptible", "cc-test", "", key);
    const char *what[] = {"flipped byte", "truncated", "sum deleted",
                          "extra bytes",  "bad sum",   "content deleted"};
    for (int mode = 0; mode < 6; ++mode)
        expect_removed(key, what[mode], mode);
    /* A repaired entry is a hit again. */
    T_EQ_INT(cc_store_bytes(ctx, key, "so", "fresh", 5), BO_OK);
    T_EQ_INT(cc_lookup(ctx, key, "so", NULL), 1);
}

/* ---- concurrency across processes ---- */

/* Content that proves itself whole: the seed in the first 8 bytes fixes the length and every
 * other byte, so a torn or mixed file cannot pass. */
static size_t blob_make(uint64_t seed, unsigned char *buf)
{
    size_t len = 64 + (size_t)(seed % 40000u);
    memcpy(buf, &seed, 8);
    for (size_t i = 8; i < len; ++i)
        buf[i] = (unsigned char)(seed * 31u + i * 7u + (i >> 9));
    return len;
}

static int blob_ok(const unsigned char *buf, size_t len)
{
    if (len < 8)
        return 0;
    uint64_t seed;
    memcpy(&seed, buf, 8);
    static unsigned char want[64 + 40000];
    return blob_make(seed, want) == len && memcmp(want, buf, len) == 0;
}

static void test_concurrent(void)
{
    char dir[128];
    snprintf(dir, sizeof dir, "%s/concurrent", root);
    setenv("BATCHODE_CACHE_DIR", dir, 1);
    char key[65];
    cc_key("shared key", "cc-test", "", key);
    fflush(stdout);

    int pipefd[2];
    T_EQ_INT(pipe(pipefd), 0);
    pid_t writers[2];
    for (int w = 0; w < 2; ++w) {
        writers[w] = fork();
        if (writers[w] == 0) {
            static unsigned char buf[64 + 40000];
            int bad = 0;
            for (uint64_t i = 0; i < 50; ++i) {
                size_t len = blob_make((uint64_t)w * 1000u + i * 7919u + 1u, buf);
                bad += cc_store_bytes(ctx, key, "so", buf, len) != BO_OK;
                /* Leave the reader windows between stores, as real compiles do. */
                struct timespec ts = {0, (long)(i % 3) * 1000000L};
                nanosleep(&ts, NULL);
            }
            _exit(bad ? 1 : 0);
        }
    }
    pid_t reader = fork();
    if (reader == 0) {
        close(pipefd[0]);
        long hits = 0, misses = 0, bad = 0;
        /* Read until the parent, having reaped both writers, drops the flag file. */
        for (int round = 0; round < 100000; ++round) {
            void *data = NULL;
            size_t size = 0;
            int r = cc_load_bytes(ctx, key, "so", &data, &size);
            if (r == 1) {
                ++hits;
                bad += !blob_ok(data, size);
            } else if (r == 0) {
                ++misses;
            } else {
                ++bad;
            }
            bo_free(data);
            char *path = NULL;
            if (cc_lookup(ctx, key, "so", &path) == 1) {
                /* This process is the only one that removes entries, so the path still
                 * names a complete file (perhaps a newer one, swapped in by rename). */
                size_t len = 0;
                char *c = slurp(path, &len);
                ++hits;
                bad += !c || !blob_ok((unsigned char *)c, len);
                free(c);
            }
            bo_free(path);
            struct stat st;
            char flag[160];
            snprintf(flag, sizeof flag, "%s.done", dir);
            if (stat(flag, &st) == 0)
                break;
        }
        char msg[64];
        int n = snprintf(msg, sizeof msg, "%ld %ld %ld", hits, misses, bad);
        if (write(pipefd[1], msg, (size_t)n) != n)
            _exit(2);
        _exit(0);
    }
    close(pipefd[1]);
    for (int w = 0; w < 2; ++w) {
        int status = 0;
        waitpid(writers[w], &status, 0);
        T_CHECKF(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer %d failed", w);
    }
    char flag[160];
    snprintf(flag, sizeof flag, "%s.done", dir);
    spit(flag, "", 0);
    int status = 0;
    waitpid(reader, &status, 0);
    T_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    char msg[64] = "";
    ssize_t got = read(pipefd[0], msg, sizeof msg - 1);
    close(pipefd[0]);
    msg[got > 0 ? got : 0] = '\0';
    long hits = -1, misses = -1, bad = -1;
    T_EQ_INT(sscanf(msg, "%ld %ld %ld", &hits, &misses, &bad), 3);
    printf("concurrent: reader saw %ld hits, %ld misses\n", hits, misses);
    T_EQ_INT(bad, 0);
    T_CHECK(hits > 0);
    unlink(flag);

    /* Quiescent again: one more store is a verified hit. */
    unsigned char buf[64 + 40000];
    size_t len = blob_make(424242u, buf);
    T_EQ_INT(cc_store_bytes(ctx, key, "so", buf, len), BO_OK);
    void *data = NULL;
    size_t size = 0;
    T_EQ_INT(cc_load_bytes(ctx, key, "so", &data, &size), 1);
    T_CHECK(size == len && blob_ok(data, size));
    bo_free(data);
}

/* ---- in-memory map ---- */

static int destroyed;
static pthread_mutex_t destroyed_lock = PTHREAD_MUTEX_INITIALIZER;

static void count_destroy(void *p)
{
    pthread_mutex_lock(&destroyed_lock);
    ++destroyed;
    pthread_mutex_unlock(&destroyed_lock);
    free(p);
}

static void *put_same_key(void *arg)
{
    (void)arg;
    void *held = NULL;
    int *mine = malloc(sizeof *mine);
    if (cc_mem_put(NULL, "race", mine, count_destroy, &held) != BO_OK)
        return NULL;
    return held;
}

static void test_mem(void)
{
    T_CHECK(cc_mem_get("a") == NULL);
    void *held = NULL;
    int *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    T_EQ_INT(cc_mem_put(ctx, "a", a, count_destroy, &held), BO_OK);
    T_CHECK(held == a);
    T_CHECK(cc_mem_get("a") == a);
    T_EQ_INT(cc_mem_put(ctx, "a", b, count_destroy, &held), BO_OK);
    T_CHECK(held == a); /* first one stays; the late one is destroyed */
    T_EQ_INT(destroyed, 1);
    T_EQ_INT(cc_mem_put(ctx, "a", a, count_destroy, &held), BO_OK);
    T_EQ_INT(destroyed, 1); /* putting the held value again destroys nothing */

    enum { NT = 8 };
    pthread_t th[NT];
    void *res[NT];
    for (int i = 0; i < NT; ++i)
        pthread_create(&th[i], NULL, put_same_key, NULL);
    for (int i = 0; i < NT; ++i)
        pthread_join(th[i], &res[i]);
    int same = 1;
    for (int i = 1; i < NT; ++i)
        same &= res[i] == res[0];
    T_CHECK(same && res[0] != NULL);
    T_CHECK(cc_mem_get("race") == res[0]);
    T_EQ_INT(destroyed, 1 + NT - 1);

    bo_test_fail_alloc_after(0);
    int *c = malloc(sizeof *c);
    T_EQ_INT(cc_mem_put(ctx, "c", c, count_destroy, &held), BO_ERR_NOMEM);
    bo_test_fail_alloc_after(-1);
    T_CHECK(cc_mem_get("c") == NULL);
    free(c); /* still the caller's */

    cc_mem_clear();
    T_EQ_INT(destroyed, 1 + NT - 1 + 2);
    T_CHECK(cc_mem_get("a") == NULL && cc_mem_get("race") == NULL);
}

static void remove_tree(const char *path)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    if (system(cmd) != 0)
        printf("could not remove %s\n", path);
}

int main(void)
{
    snprintf(root, sizeof root, "/tmp/bo_cache_test_XXXXXX");
    if (!mkdtemp(root))
        T_SKIP("cannot create a temporary directory");
    T_EQ_INT(bo_context_create(&ctx), BO_OK);
    test_keys();
    test_dir_env();
    test_store_lookup();
    test_corruption();
    test_concurrent();
    test_mem();
    bo_context_destroy(ctx);
    remove_tree(root);
    T_DONE();
}
