/* The compile cache: keys, the directory's environment precedence, store and lookup, corrupt
 * and partial entries (removed and reported as misses), concurrent writers in separate
 * processes with a concurrent reader (every hit must be one whole, intact version), what makes
 * a directory or an entry untrusted, the keyed (shared) mode with its HMAC (checked against
 * RFC 4231's vectors), and the in-memory handle map under threads. */
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

    T_EQ_INT(cc_lookup(ctx, key, "so"), 0);
    T_CHECK(!exists(dir)); /* a lookup creates nothing */

    const char payload[] = "\x7f"
                           "ELF fake shared object \x00\x01\x02 with a NUL inside";
    size_t plen = sizeof payload - 1;
    T_EQ_INT(cc_store_bytes(ctx, key, "so", payload, plen), BO_OK);
    T_EQ_INT(cc_lookup(ctx, key, "so"), 1);
    char want[256];
    snprintf(want, sizeof want, "%s/%s.so", dir, key);
    char *path = NULL;
    T_EQ_INT(cc_path(ctx, key, "so", &path), BO_OK);
    T_EQ_STR(path, want);
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
    T_EQ_INT(cc_lookup(ctx, key, "cubin"), 0); /* the extension is part of the name */

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
    T_EQ_INT(cc_lookup(ctx, "../../etc/passwd", "so"), BO_ERR_INVALID_ARG);
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
    T_CHECKF(cc_lookup(ctx, key, "so") == 0, "%s", what);
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
    T_EQ_INT(cc_lookup(ctx, key, "so"), 1);
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
            if (cc_lookup(ctx, key, "so") == 1 && cc_path(ctx, key, "so", &path) == BO_OK) {
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

/* ---- trust ---- */

/* HMAC-SHA256 against RFC 4231's test cases 1, 2 and 6 (a key longer than the block). */
static void test_hmac_vectors(void)
{
    struct {
        const char *key;
        size_t key_len;
        const char *msg;
        const char *mac;
    } cases[3];
    unsigned char k1[20], k6[131];
    memset(k1, 0x0b, sizeof k1);
    memset(k6, 0xaa, sizeof k6);
    cases[0].key = (const char *)k1;
    cases[0].key_len = sizeof k1;
    cases[0].msg = "Hi There";
    cases[0].mac = "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7";
    cases[1].key = "Jefe";
    cases[1].key_len = 4;
    cases[1].msg = "what do ya want for nothing?";
    cases[1].mac = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
    cases[2].key = (const char *)k6;
    cases[2].key_len = sizeof k6;
    cases[2].msg = "Test Using Larger Than Block-Size Key - Hash Key First";
    cases[2].mac = "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54";
    for (int i = 0; i < 3; ++i) {
        hmac_sha256_ctx h;
        unsigned char mac[32];
        char hex[65];
        hmac_sha256_init(&h, cases[i].key, cases[i].key_len);
        /* In two pieces: the streaming interface must not depend on the split. */
        size_t n = strlen(cases[i].msg);
        hmac_sha256_update(&h, cases[i].msg, n / 3);
        hmac_sha256_update(&h, cases[i].msg + n / 3, n - n / 3);
        hmac_sha256_final(&h, mac);
        sha256_to_hex(mac, hex);
        T_EQ_STR(hex, cases[i].mac);
    }
}

static unsigned mode_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (unsigned)(st.st_mode & 07777) : 0xffffu;
}

static char *entry_path(const char *key, const char *ext, int sum)
{
    char *p = NULL;
    cc_path(ctx, key, ext, &p);
    if (sum && p) {
        char *q = bo_asprintf("%s.sum", p);
        bo_free(p);
        p = q;
    }
    return p;
}

/* Private mode at the level of the cache: what makes a directory or an entry untrusted, and
 * what a lookup does then (a warning and a miss, the entry left for a store to replace). */
static void test_private_trust(void)
{
    char dir[128];
    snprintf(dir, sizeof dir, "%s/trust", root);
    setenv("BATCHODE_CACHE_DIR", dir, 1);
    char key[65];
    cc_key("trusted source", "cc-test", "", key);
    T_EQ_INT(cc_store_bytes(ctx, key, "so", "content", 7), BO_OK);
    T_EQ_INT(mode_of(dir), 0700);
    char *path = entry_path(key, "so", 0), *sum = entry_path(key, "so", 1);
    T_EQ_INT(mode_of(path), 0600);
    T_EQ_INT(mode_of(sum), 0600);

    /* An entry (or its sum) others may write: a miss with a warning, not removed. */
    const char *which[2] = {path, sum};
    for (int i = 0; i < 2; ++i) {
        chmod(which[i], 0602);
        bo_clear_warnings(ctx);
        T_EQ_INT(cc_lookup(ctx, key, "so"), 0);
        T_CONTAINS(bo_warnings(ctx), "writable by group or others (mode 0602)");
        T_CHECK(exists(which[i]));
        /* A store replaces it with a private file. */
        T_EQ_INT(cc_store_bytes(ctx, key, "so", "content", 7), BO_OK);
        T_EQ_INT(mode_of(which[i]), 0600);
        T_EQ_INT(cc_lookup(ctx, key, "so"), 1);
    }
    if (geteuid() == 0) {
        T_EQ_INT(chown(path, 65534, 65534), 0);
        bo_clear_warnings(ctx);
        T_EQ_INT(cc_lookup(ctx, key, "so"), 0);
        T_CONTAINS(bo_warnings(ctx), "owned by uid 65534, not by this user");
        T_EQ_INT(cc_store_bytes(ctx, key, "so", "content", 7), BO_OK);
        T_EQ_INT(cc_lookup(ctx, key, "so"), 1);
    }

    /* The directory itself: group-writable is refused for lookups and stores alike. */
    chmod(dir, 0720);
    bo_clear_warnings(ctx);
    T_EQ_INT(cc_lookup(ctx, key, "so"), 0);
    T_CONTAINS(bo_warnings(ctx), "it is writable by group or others (mode 0720");
    T_EQ_INT(cc_store_bytes(ctx, key, "so", "content", 7), BO_ERR_IO);
    chmod(dir, 0700);
    T_EQ_INT(cc_lookup(ctx, key, "so"), 1);
    if (geteuid() == 0) {
        T_EQ_INT(chown(dir, 65534, 65534), 0);
        bo_clear_warnings(ctx);
        T_EQ_INT(cc_lookup(ctx, key, "so"), 0);
        T_CONTAINS(bo_warnings(ctx), "it is owned by uid 65534");
        T_EQ_INT(chown(dir, 0, 0), 0);
    }

    /* Reached through a symlink: the real directory is what is checked. */
    char link[160];
    snprintf(link, sizeof link, "%s/trust-link", root);
    T_EQ_INT(symlink(dir, link), 0);
    setenv("BATCHODE_CACHE_DIR", link, 1);
    T_EQ_INT(cc_lookup(ctx, key, "so"), 1);
    chmod(dir, 0777);
    T_EQ_INT(cc_lookup(ctx, key, "so"), 0);
    chmod(dir, 0700);
    setenv("BATCHODE_CACHE_DIR", dir, 1);

    /* An entry that is a symlink (even to a good copy) or a FIFO is damage: removed, a miss,
     * and the FIFO does not stall the reader. */
    char copy[160];
    snprintf(copy, sizeof copy, "%s/copy.so", root);
    spit(copy, "content", 7);
    unlink(path);
    T_EQ_INT(symlink(copy, path), 0);
    T_EQ_INT(cc_lookup(ctx, key, "so"), 0);
    T_CHECK(!exists(path) && !exists(sum));
    T_EQ_INT(cc_store_bytes(ctx, key, "so", "content", 7), BO_OK);
    unlink(path);
    T_EQ_INT(mkfifo(path, 0600), 0);
    T_EQ_INT(cc_lookup(ctx, key, "so"), 0);
    T_CHECK(!exists(path));

    /* cc_remove drops both files; removing nothing is fine. */
    T_EQ_INT(cc_store_bytes(ctx, key, "so", "content", 7), BO_OK);
    T_EQ_INT(cc_remove(ctx, key, "so"), BO_OK);
    T_CHECK(!exists(path) && !exists(sum));
    T_EQ_INT(cc_remove(ctx, key, "so"), BO_OK);
    T_EQ_INT(cc_remove(ctx, "nope", "so"), BO_ERR_INVALID_ARG);
    bo_free(path);
    bo_free(sum);
}

static void write_key_file(const char *path, size_t n, unsigned mode)
{
    unsigned char secret[5000];
    for (size_t i = 0; i < n && i < sizeof secret; ++i)
        secret[i] = (unsigned char)(i * 37u + 11u);
    unlink(path);
    spit(path, secret, n);
    chmod(path, mode);
}

/* Keyed (shared) mode: sums are HMACs under the key file's secret, computed over the framed
 * entry name and the content, so entries work whoever wrote them and cannot be forged or
 * swapped without the secret. */
static void test_keyed(void)
{
    char dir[128], key_file[160];
    snprintf(dir, sizeof dir, "%s/shared", root);
    snprintf(key_file, sizeof key_file, "%s/cache.key", root);
    mkdir(dir, 0700);
    chmod(dir, 02770); /* group-writable and setgid, as documented for a shared cache */
    write_key_file(key_file, 48, 0640);
    setenv("BATCHODE_CACHE_DIR", dir, 1);
    setenv("BATCHODE_CACHE_KEY_FILE", key_file, 1);
    char key[65], other[65];
    cc_key("shared source", "cc-test", "", key);
    cc_key("other source", "cc-test", "", other);
    const char content[] = "shared content";
    size_t clen = sizeof content - 1;
    bo_clear_warnings(ctx);
    T_EQ_INT(cc_store_bytes(ctx, key, "so", content, clen), BO_OK);
    T_EQ_STR(bo_warnings(ctx), "");
    T_EQ_INT(cc_lookup(ctx, key, "so"), 1);
    char *path = entry_path(key, "so", 0), *sum = entry_path(key, "so", 1);
    T_EQ_INT(mode_of(path), 0640);
    T_EQ_INT(mode_of(sum), 0640);

    /* The sum is HMAC-SHA256(secret, "batchode-cache-entry-v1 <len>:<name>" + content). */
    unsigned char secret[48];
    for (size_t i = 0; i < sizeof secret; ++i)
        secret[i] = (unsigned char)(i * 37u + 11u);
    char name[80], framing[160], hex[65], want[256];
    snprintf(name, sizeof name, "%s.so", key);
    snprintf(framing, sizeof framing, "batchode-cache-entry-v1 %zu:%s", strlen(name), name);
    hmac_sha256_ctx h;
    unsigned char mac[32];
    hmac_sha256_init(&h, secret, sizeof secret);
    hmac_sha256_update(&h, framing, strlen(framing));
    hmac_sha256_update(&h, content, clen);
    hmac_sha256_final(&h, mac);
    sha256_to_hex(mac, hex);
    snprintf(want, sizeof want, "batchode-cache-mac-v1\nsize %zu\nhmac-sha256 %s\n", clen, hex);
    size_t len = 0;
    char *text = slurp(sum, &len);
    T_EQ_STR(text, want);
    free(text);

    /* Written by another member of the group: still a hit (as root: chown to 65534). */
    if (geteuid() == 0) {
        T_EQ_INT(chown(path, 65534, 65534), 0);
        T_EQ_INT(chown(sum, 65534, 65534), 0);
        T_EQ_INT(cc_lookup(ctx, key, "so"), 1);
    }

    /* A plain sum (all that someone without the secret can write) is a miss, removed. */
    char hex2[65], plain[256];
    sha256_hex(content, clen, hex2);
    int n =
        snprintf(plain, sizeof plain, "batchode-cache-sum-v1\nsize %zu\nsha256 %s\n", clen, hex2);
    unlink(sum);
    spit(sum, plain, (size_t)n);
    T_EQ_INT(cc_lookup(ctx, key, "so"), 0);
    T_CHECK(!exists(path) && !exists(sum));

    /* An entry moved to another key's name does not verify there. */
    T_EQ_INT(cc_store_bytes(ctx, key, "so", content, clen), BO_OK);
    char *opath = entry_path(other, "so", 0), *osum = entry_path(other, "so", 1);
    T_EQ_INT(rename(path, opath), 0);
    T_EQ_INT(rename(sum, osum), 0);
    T_EQ_INT(cc_lookup(ctx, other, "so"), 0);
    bo_free(opath);
    bo_free(osum);

    /* Another secret: the entries of the first do not verify. */
    T_EQ_INT(cc_store_bytes(ctx, key, "so", content, clen), BO_OK);
    write_key_file(key_file, 64, 0600);
    T_EQ_INT(cc_lookup(ctx, key, "so"), 0);

    /* Key files that others may read, the group may write, or that are too short are not
     * used: a warning, a miss, a failed store. */
    struct {
        size_t n;
        unsigned mode;
        const char *why;
    } bad[3] = {{48, 0644, "mode 0644"}, {48, 0660, "mode 0660"}, {16, 0600, "32 to 4096 bytes"}};
    for (int i = 0; i < 3; ++i) {
        write_key_file(key_file, bad[i].n, bad[i].mode);
        bo_clear_warnings(ctx);
        T_EQ_INT(cc_lookup(ctx, key, "so"), 0);
        T_CONTAINS(bo_warnings(ctx), bad[i].why);
        T_EQ_INT(cc_store_bytes(ctx, key, "so", content, clen), BO_ERR_IO);
    }
    write_key_file(key_file, 48, 0640);

    /* The directory: others may not write it unless it is sticky. */
    chmod(dir, 0777);
    bo_clear_warnings(ctx);
    T_EQ_INT(cc_store_bytes(ctx, key, "so", content, clen), BO_ERR_IO);
    T_CONTAINS(bo_warnings(ctx), "writable by others and not sticky");
    chmod(dir, 01777);
    T_EQ_INT(cc_store_bytes(ctx, key, "so", content, clen), BO_OK);
    T_EQ_INT(cc_lookup(ctx, key, "so"), 1);
    unsetenv("BATCHODE_CACHE_KEY_FILE");
    /* Without the key the keyed entries are plain damage to a private reader, but this
     * directory is not private: refused before any entry is read. */
    bo_clear_warnings(ctx);
    T_EQ_INT(cc_lookup(ctx, key, "so"), 0);
    T_CONTAINS(bo_warnings(ctx), "writable by group or others");
    T_CHECK(exists(path));
    bo_free(path);
    bo_free(sum);
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
    test_hmac_vectors();
    test_private_trust();
    test_keyed();
    test_mem();
    bo_context_destroy(ctx);
    remove_tree(root);
    T_DONE();
}
