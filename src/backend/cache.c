/* The compile cache (see cache.h): content-addressed files on disk, published atomically and
 * verified on every read against a SHA-256 sum (or, in keyed mode, an HMAC), in a directory
 * whose ownership and modes are checked before anything in it is trusted; and a mutex-guarded
 * in-memory map of loaded handles for this process.
 *
 * Every file operation goes through the directory's descriptor, opened once after its checks,
 * so a path component swapped afterwards cannot redirect a read or a write. */
#define _XOPEN_SOURCE 700 /* realpath */

#include "cache.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/sha256.h"
#include "util/strbuf.h"

#define SUM_MAX 256 /* a valid sum file is well under this */
#define SECRET_MIN 32
#define SECRET_MAX 4096
#define WHY_MAX 512

/* ---- keys and paths -------------------------------------------------------------------- */

static void frame(sha256_ctx *c, const char *field)
{
    char len[32];
    size_t n = field ? strlen(field) : 0;
    int k = snprintf(len, sizeof len, "%zu:", n);
    sha256_update(c, len, (size_t)k);
    if (n)
        sha256_update(c, field, n);
    sha256_update(c, ",", 1);
}

void cc_key(const char *source, const char *compiler_id, const char *flags, char hex[65])
{
    sha256_ctx c;
    unsigned char d[32];
    sha256_init(&c);
    frame(&c, "batchode-compile-cache-v1");
    frame(&c, bo_version());
    frame(&c, source);
    frame(&c, compiler_id);
    frame(&c, flags);
    sha256_final(&c, d);
    sha256_to_hex(d, hex);
}

static const char *env_nonempty(const char *name)
{
    const char *v = getenv(name);
    return (v && *v) ? v : NULL;
}

int cc_dir(bo_context *ctx, char **out)
{
    *out = NULL;
    const char *v;
    if ((v = env_nonempty("BATCHODE_CACHE_DIR")) != NULL)
        *out = bo_strdup(v);
    else if ((v = env_nonempty("XDG_CACHE_HOME")) != NULL && v[0] == '/')
        *out = bo_asprintf("%s/batchode", v);
    else if ((v = env_nonempty("HOME")) != NULL)
        *out = bo_asprintf("%s/.cache/batchode", v);
    else
        return bo_error(ctx, BO_ERR_IO,
                        "no cache directory: set BATCHODE_CACHE_DIR (or XDG_CACHE_HOME or HOME)");
    return *out ? BO_OK : bo_error(ctx, BO_ERR_NOMEM, "out of memory");
}

static int valid_name(const char *key, const char *ext)
{
    if (!key || strlen(key) != 64 || !ext)
        return 0;
    for (const char *p = key; *p; ++p)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return 0;
    size_t n = strlen(ext);
    if (n == 0 || n > 15)
        return 0;
    for (const char *p = ext; *p; ++p)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return 0;
    return 1;
}

static int invalid_name(bo_context *ctx, const char *key, const char *ext)
{
    return bo_error(ctx, BO_ERR_INVALID_ARG, "invalid cache key or extension '%s.%s'",
                    key ? key : "(null)", ext ? ext : "(null)");
}

int cc_path(bo_context *ctx, const char *key, const char *ext, char **out)
{
    *out = NULL;
    if (!valid_name(key, ext))
        return invalid_name(ctx, key, ext);
    char *dir;
    int r = cc_dir(ctx, &dir);
    if (r != BO_OK)
        return r;
    *out = bo_asprintf("%s/%s.%s", dir, key, ext);
    bo_free(dir);
    return *out ? BO_OK : bo_error(ctx, BO_ERR_NOMEM, "out of memory");
}

static int io_error(bo_context *ctx, const char *what, const char *path)
{
    return bo_error(ctx, BO_ERR_IO, "compile cache: cannot %s '%s': %s", what, path,
                    strerror(errno));
}

static unsigned mode_bits(const struct stat *st)
{
    return (unsigned)(st->st_mode & 07777);
}

/* ---- the directory and its trust ------------------------------------------------------- */

typedef struct {
    int fd;     /* the directory, opened once after its checks; -1 when not open */
    char *path; /* as configured, for messages */
    int keyed;  /* entries carry an HMAC under secret */
    unsigned char secret[SECRET_MAX];
    size_t secret_len;
} cache_dir;

static void dir_close(cache_dir *d)
{
    if (d->fd >= 0)
        close(d->fd);
    d->fd = -1;
    bo_free(d->path);
    d->path = NULL;
    volatile unsigned char *s = d->secret;
    for (size_t i = 0; i < d->secret_len; ++i)
        s[i] = 0;
    d->secret_len = 0;
}

/* Read the shared cache's secret. 1: read; 0: unusable (why says so). Whoever can write the
 * key file can plant code, and whoever can read it can forge entries, so it must be a regular
 * file that neither the group may write nor others may read or write. */
static int read_secret(const char *path, cache_dir *d, char *why, size_t whylen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        snprintf(why, whylen, "cannot open the key file '%s': %s", path, strerror(errno));
        return 0;
    }
    struct stat st;
    int ok = 0;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        snprintf(why, whylen, "the key file '%s' is not a regular file", path);
    else if (st.st_mode & 027)
        snprintf(why, whylen,
                 "the key file '%s' has mode %04o: the group may not write it and others may "
                 "not read or write it (chmod 0640)",
                 path, mode_bits(&st));
    else if (st.st_size < SECRET_MIN || st.st_size > SECRET_MAX)
        snprintf(why, whylen, "the key file '%s' must hold %d to %d bytes (it has %lld)", path,
                 SECRET_MIN, SECRET_MAX, (long long)st.st_size);
    else
        ok = 1;
    size_t got = 0;
    while (ok && got < (size_t)st.st_size) {
        ssize_t n = read(fd, d->secret + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    if (ok && got < SECRET_MIN) {
        snprintf(why, whylen, "cannot read the key file '%s'", path);
        ok = 0;
    }
    d->secret_len = ok ? got : 0;
    return ok;
}

static int mkdir_p(bo_context *ctx, const char *dir)
{
    char *p = bo_strdup(dir);
    if (!p)
        return bo_error(ctx, BO_ERR_NOMEM, "out of memory");
    for (char *s = p + 1;; ++s) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        /* Private from the start; directories that exist already are checked, not changed. */
        if (mkdir(p, 0700) != 0 && errno != EEXIST) {
            int r = io_error(ctx, "create directory", p);
            bo_free(p);
            return r;
        }
        *s = c;
        if (!c)
            break;
    }
    bo_free(p);
    return BO_OK;
}

/* Check the resolved directory path and open it into d->fd. 1: trusted and open; 0: not (why
 * says so). In private mode every directory from / down must be owned by root or this user and
 * writable by no one else unless sticky (a sticky directory lets no one else rename or remove
 * what this user made in it), and the cache directory itself must be this user's and writable
 * by no one else. Directories are checked from the top down, so each check holds for as long
 * as the directories above it do, and the one opened is the one checked last. */
static int check_and_open(const char *real, cache_dir *d, char *why, size_t whylen)
{
    uid_t me = geteuid();
    struct stat st;
    dev_t dev = 0;
    ino_t ino = 0;
    if (!d->keyed) {
        size_t n = strlen(real);
        char *p = bo_strdup(real);
        if (!p) {
            snprintf(why, whylen, "out of memory");
            return 0;
        }
        for (size_t i = 0; i <= n; ++i) {
            if (real[i] != '/' && real[i] != '\0')
                continue;
            size_t len = i == 0 ? 1 : i;
            memcpy(p, real, len);
            p[len] = '\0';
            int bad = 1;
            if (lstat(p, &st) != 0)
                snprintf(why, whylen, "cannot examine '%s': %s", p, strerror(errno));
            else if (!S_ISDIR(st.st_mode))
                snprintf(why, whylen, "'%s' is not a directory", p);
            else if (i == n && st.st_uid != me)
                snprintf(why, whylen, "it is owned by uid %lu, not by this user (uid %lu)",
                         (unsigned long)st.st_uid, (unsigned long)me);
            else if (i == n && (st.st_mode & 022))
                snprintf(why, whylen, "it is writable by group or others (mode %04o; chmod go-w)",
                         mode_bits(&st));
            else if (i < n && st.st_uid != 0 && st.st_uid != me)
                snprintf(why, whylen,
                         "the directory above it, '%s', is owned by uid %lu (neither root nor "
                         "this user)",
                         p, (unsigned long)st.st_uid);
            else if (i < n && (st.st_mode & 022) && !(st.st_mode & S_ISVTX))
                snprintf(why, whylen,
                         "the directory above it, '%s', is writable by group or others and not "
                         "sticky (mode %04o)",
                         p, mode_bits(&st));
            else
                bad = 0;
            if (bad) {
                bo_free(p);
                return 0;
            }
            if (i == n) {
                dev = st.st_dev;
                ino = st.st_ino;
                break;
            }
        }
        bo_free(p);
    }
    int fd = open(real, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, whylen, "cannot open it: %s", strerror(errno));
        return 0;
    }
    int ok = 0;
    if (fstat(fd, &st) != 0)
        snprintf(why, whylen, "cannot examine it: %s", strerror(errno));
    else if (!d->keyed && (st.st_dev != dev || st.st_ino != ino))
        snprintf(why, whylen, "it changed while it was being checked");
    else if (d->keyed && (st.st_mode & 002) && !(st.st_mode & S_ISVTX))
        snprintf(why, whylen, "it is writable by others and not sticky (mode %04o)",
                 mode_bits(&st));
    else
        ok = 1;
    if (!ok) {
        close(fd);
        return 0;
    }
    d->fd = fd;
    return 1;
}

/* Open the cache directory. 1: open and trusted; 0: no usable directory (absent and !create:
 * silently; untrusted: with a warning); negative: an error (the directory could not be
 * determined, or made when create). */
static int dir_open(bo_context *ctx, int create, cache_dir *d)
{
    memset(d, 0, sizeof *d);
    d->fd = -1;
    int r = cc_dir(ctx, &d->path);
    if (r != BO_OK)
        return r;
    char why[WHY_MAX] = "";
    const char *key_file = env_nonempty("BATCHODE_CACHE_KEY_FILE");
    if (key_file) {
        d->keyed = 1;
        if (!read_secret(key_file, d, why, sizeof why)) {
            bo_warn(ctx, "compile cache: not using '%s': %s; compiling without the cache", d->path,
                    why);
            return 0;
        }
    }
    if (create && (r = mkdir_p(ctx, d->path)) != BO_OK)
        return r;
    char *real = realpath(d->path, NULL);
    if (!real)
        return create ? io_error(ctx, "use directory", d->path) : 0;
    r = check_and_open(real, d, why, sizeof why);
    free(real);
    if (!r)
        bo_warn(ctx,
                "compile cache: not using '%s': %s; compiling without the cache "
                "(docs/cache.md)",
                d->path, why);
    return r;
}

/* ---- digests --------------------------------------------------------------------------- */

/* The sum of an entry: SHA-256 of the content, or in keyed mode HMAC-SHA256 of the entry's
 * name and content (the name binds an entry to its key, so entries cannot be swapped). */
typedef struct {
    int keyed;
    sha256_ctx plain;
    hmac_sha256_ctx mac;
} digest;

static void digest_init(digest *g, const cache_dir *d, const char *name)
{
    g->keyed = d->keyed;
    if (g->keyed) {
        hmac_sha256_init(&g->mac, d->secret, d->secret_len);
        char len[32];
        int k = snprintf(len, sizeof len, "batchode-cache-entry-v1 %zu:", strlen(name));
        hmac_sha256_update(&g->mac, len, (size_t)k);
        hmac_sha256_update(&g->mac, name, strlen(name));
    } else {
        sha256_init(&g->plain);
    }
}

static void digest_update(digest *g, const void *data, size_t n)
{
    if (g->keyed)
        hmac_sha256_update(&g->mac, data, n);
    else
        sha256_update(&g->plain, data, n);
}

/* The text the sum file must hold for content of this size. */
static int digest_text(digest *g, size_t size, char buf[SUM_MAX])
{
    unsigned char d[32];
    char hex[65];
    if (g->keyed)
        hmac_sha256_final(&g->mac, d);
    else
        sha256_final(&g->plain, d);
    sha256_to_hex(d, hex);
    if (g->keyed)
        return snprintf(buf, SUM_MAX, "batchode-cache-mac-v1\nsize %zu\nhmac-sha256 %s\n", size,
                        hex);
    return snprintf(buf, SUM_MAX, "batchode-cache-sum-v1\nsize %zu\nsha256 %s\n", size, hex);
}

/* Equal strings, in time that does not depend on where they differ. */
static int same_text(const char *a, const char *b)
{
    size_t n = strlen(a);
    if (n != strlen(b))
        return 0;
    unsigned char diff = 0;
    for (size_t i = 0; i < n; ++i)
        diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

/* ---- reading --------------------------------------------------------------------------- */

/* Which file a name held when it was read: a writer's rename swaps in a new inode, damage in
 * place keeps the inode but (usually) not the size or time. */
typedef struct {
    int present;
    dev_t dev;
    ino_t ino;
    off_t size;
    time_t sec;
    long nsec;
} file_id;

static void identify(const struct stat *st, file_id *id)
{
    memset(id, 0, sizeof *id);
    if (!st)
        return;
    id->present = 1;
    id->dev = st->st_dev;
    id->ino = st->st_ino;
    id->size = st->st_size;
    id->sec = st->st_mtim.tv_sec;
    id->nsec = st->st_mtim.tv_nsec;
}

static int same_id(const file_id *a, const file_id *b)
{
    return a->present == b->present && a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->sec == b->sec && a->nsec == b->nsec;
}

typedef enum { V_HIT, V_ABSENT, V_BAD, V_UNTRUSTED, V_ERROR } verdict;

/* Open one file of an entry (no symlinks; O_NONBLOCK so a planted FIFO cannot stall us).
 * V_HIT with *fd and *st, V_ABSENT, V_BAD (not a readable regular file) or V_UNTRUSTED (why
 * says so: in private mode the file must be this user's and writable by no one else). */
static verdict open_entry(const cache_dir *d, const char *name, int *fd, struct stat *st, char *why,
                          size_t whylen)
{
    *fd = openat(d->fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (*fd < 0)
        return errno == ENOENT ? V_ABSENT : V_BAD;
    verdict v = V_HIT;
    if (fstat(*fd, st) != 0 || !S_ISREG(st->st_mode) || st->st_size < 0) {
        v = V_BAD;
    } else if (!d->keyed && st->st_uid != geteuid()) {
        snprintf(why, whylen, "it is owned by uid %lu, not by this user (uid %lu)",
                 (unsigned long)st->st_uid, (unsigned long)geteuid());
        v = V_UNTRUSTED;
    } else if (!d->keyed && (st->st_mode & 022)) {
        snprintf(why, whylen, "it is writable by group or others (mode %04o)", mode_bits(st));
        v = V_UNTRUSTED;
    }
    if (v != V_HIT) {
        close(*fd);
        *fd = -1;
    }
    return v;
}

/* Read at most max - 1 bytes (NUL-terminated); the length read. */
static size_t read_small(int fd, char *buf, size_t max)
{
    size_t got = 0;
    while (got + 1 < max) {
        ssize_t n = read(fd, buf + got, max - 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    buf[got] = '\0';
    return got;
}

/* Check an entry's content against its sum. With keep, the verified bytes are returned (*keep,
 * *size): the very bytes that were hashed. ids receive the identities of the content and sum
 * files that were read; why, the reason for V_UNTRUSTED. */
static verdict verify(bo_context *ctx, const cache_dir *d, const char *name, const char *sum_name,
                      void **keep, size_t *size, int *code, file_id ids[2], char *why,
                      size_t whylen)
{
    char sum[SUM_MAX];
    struct stat st;
    int fd;
    identify(NULL, &ids[0]);
    identify(NULL, &ids[1]);
    verdict vs = open_entry(d, sum_name, &fd, &st, why, whylen);
    if (vs == V_UNTRUSTED)
        return V_UNTRUSTED;
    if (vs == V_HIT) {
        identify(&st, &ids[1]);
        read_small(fd, sum, sizeof sum);
        close(fd);
    }
    verdict vc = open_entry(d, name, &fd, &st, why, whylen);
    if (vc == V_UNTRUSTED)
        return V_UNTRUSTED;
    if (vc != V_HIT)
        return vs == V_ABSENT && vc == V_ABSENT ? V_ABSENT : V_BAD;
    identify(&st, &ids[0]);
    if (vs != V_HIT) {
        close(fd);
        return V_BAD;
    }
    size_t expect = (size_t)st.st_size;
    unsigned char *data = NULL;
    if (keep) {
        data = bo_malloc(expect ? expect : 1);
        if (!data) {
            close(fd);
            *code = bo_error(ctx, BO_ERR_NOMEM, "out of memory");
            return V_ERROR;
        }
    }
    digest g;
    digest_init(&g, d, name);
    unsigned char chunk[65536];
    size_t total = 0;
    for (;;) {
        /* Entries are replaced by rename, never rewritten, so a file that grows past the size
         * fstat gave is damaged: read one chunk more to notice. */
        int past = !data || total >= expect;
        unsigned char *dst = past ? chunk : data + total;
        size_t room = past ? sizeof chunk : expect - total;
        ssize_t n = read(fd, dst, room);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        total += (size_t)n;
        if (data && past)
            break;
        digest_update(&g, dst, (size_t)n);
    }
    close(fd);
    char want[SUM_MAX];
    digest_text(&g, total, want);
    if (total != expect || !same_text(want, sum)) {
        bo_free(data);
        return V_BAD;
    }
    if (keep) {
        *keep = data;
        *size = total;
    }
    return V_HIT;
}

static void pause_briefly(void)
{
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
}

/* Shared body of cc_lookup and cc_load_bytes. */
static int lookup(bo_context *ctx, const char *key, const char *ext, void **data, size_t *size)
{
    if (!valid_name(key, ext))
        return invalid_name(ctx, key, ext);
    cache_dir d;
    int r = dir_open(ctx, 0, &d);
    if (r <= 0) {
        dir_close(&d);
        return r;
    }
    char name[96], sum_name[96];
    snprintf(name, sizeof name, "%s.%s", key, ext);
    snprintf(sum_name, sizeof sum_name, "%s.%s.sum", key, ext);
    int code = BO_OK;
    char why[WHY_MAX] = "";
    file_id prev[2], ids[2];
    verdict v = verify(ctx, &d, name, sum_name, data, size, &code, ids, why, sizeof why);
    /* A mismatch is either damage or a writer caught between publishing the content and its
     * sum. Damage stays put; a writer's renames swap in new files. So look again, and remove
     * the entry only when the very same files fail twice; if they keep changing it is a miss
     * that some writer is about to repair. */
    for (int attempt = 0; v == V_BAD && attempt < 3; ++attempt) {
        memcpy(prev, ids, sizeof ids);
        pause_briefly();
        v = verify(ctx, &d, name, sum_name, data, size, &code, ids, why, sizeof why);
        if (v == V_BAD && same_id(&prev[0], &ids[0]) && same_id(&prev[1], &ids[1])) {
            unlinkat(d.fd, sum_name, 0);
            unlinkat(d.fd, name, 0);
            break;
        }
    }
    if (v == V_UNTRUSTED)
        bo_warn(ctx,
                "compile cache: not using '%s/%s': %s; compiling afresh, which replaces it "
                "(docs/cache.md)",
                d.path, name, why);
    dir_close(&d);
    if (v == V_ERROR)
        return code;
    return v == V_HIT;
}

int cc_lookup(bo_context *ctx, const char *key, const char *ext)
{
    return lookup(ctx, key, ext, NULL, NULL);
}

int cc_load_bytes(bo_context *ctx, const char *key, const char *ext, void **data, size_t *size)
{
    if (!data || !size)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "cc_load_bytes: data or size is NULL");
    *data = NULL;
    *size = 0;
    return lookup(ctx, key, ext, data, size);
}

int cc_remove(bo_context *ctx, const char *key, const char *ext)
{
    if (!valid_name(key, ext))
        return invalid_name(ctx, key, ext);
    cache_dir d;
    int r = dir_open(ctx, 0, &d);
    if (r > 0) {
        char name[96];
        snprintf(name, sizeof name, "%s.%s.sum", key, ext);
        unlinkat(d.fd, name, 0);
        name[strlen(name) - 4] = '\0';
        unlinkat(d.fd, name, 0);
    }
    dir_close(&d);
    return r < 0 ? r : BO_OK;
}

/* ---- writing --------------------------------------------------------------------------- */

static int write_all(int fd, const unsigned char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Names of temporary files: unique within the process by the counter, across processes by the
 * pid; O_EXCL settles the rest (a name left by a killed process with a recycled pid). */
static _Atomic unsigned long tmp_serial;

static int create_temp(const cache_dir *d, char name[64])
{
    for (int attempt = 0; attempt < 100; ++attempt) {
        snprintf(name, 64, ".tmp-%ld-%lu", (long)getpid(), atomic_fetch_add(&tmp_serial, 1));
        int fd = openat(d->fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    return -1;
}

/* Write bytes (or everything readable from src_fd when src_fd >= 0) to a temp file in the
 * directory, fsync it and rename it to final. g (may be NULL) receives the content, *size its
 * length. */
static int publish(bo_context *ctx, const cache_dir *d, const char *final, const void *data,
                   size_t len, int src_fd, digest *g, size_t *size)
{
    char tmp[64];
    int fd = create_temp(d, tmp);
    if (fd < 0)
        return io_error(ctx, "create a file in", d->path);
    size_t total = 0;
    int failed = 0;
    if (src_fd < 0) {
        if (g)
            digest_update(g, data, len);
        failed = write_all(fd, data, len) != 0;
        total = len;
    } else {
        unsigned char chunk[65536];
        for (;;) {
            ssize_t n = read(src_fd, chunk, sizeof chunk);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                failed = 1;
            if (n <= 0)
                break;
            if (g)
                digest_update(g, chunk, (size_t)n);
            total += (size_t)n;
            if (write_all(fd, chunk, (size_t)n) != 0) {
                failed = 1;
                break;
            }
        }
    }
    /* 0600 from openat; a keyed (shared) cache's entries are for its group to read. */
    if (!failed && d->keyed && fchmod(fd, 0640) != 0)
        failed = 1;
    if (!failed && fsync(fd) != 0)
        failed = 1;
    if (close(fd) != 0)
        failed = 1;
    if (!failed && renameat(d->fd, tmp, d->fd, final) != 0)
        failed = 1;
    int r = BO_OK;
    if (failed) {
        char *where = bo_asprintf("%s/%s", d->path, final);
        r = io_error(ctx, "write", where ? where : final);
        bo_free(where);
        unlinkat(d->fd, tmp, 0);
    }
    if (size)
        *size = total;
    return r;
}

/* Publish content then its sum; the sum is what makes the entry visible as a hit. */
static int store(bo_context *ctx, const char *key, const char *ext, const void *data, size_t len,
                 int src_fd)
{
    if (!valid_name(key, ext))
        return invalid_name(ctx, key, ext);
    cache_dir d;
    int r = dir_open(ctx, 1, &d);
    if (r == 0)
        r = bo_error(ctx, BO_ERR_IO, "compile cache: not using '%s' (see the warnings)", d.path);
    if (r < 0) {
        dir_close(&d);
        return r;
    }
    char name[96], sum_name[96];
    snprintf(name, sizeof name, "%s.%s", key, ext);
    snprintf(sum_name, sizeof sum_name, "%s.%s.sum", key, ext);
    digest g;
    digest_init(&g, &d, name);
    size_t size = 0;
    r = publish(ctx, &d, name, data, len, src_fd, &g, &size);
    if (r == BO_OK) {
        char text[SUM_MAX];
        int n = digest_text(&g, size, text);
        r = publish(ctx, &d, sum_name, text, (size_t)n, -1, NULL, NULL);
    }
    if (r == BO_OK)
        fsync(d.fd);
    dir_close(&d);
    return r;
}

int cc_store_bytes(bo_context *ctx, const char *key, const char *ext, const void *data, size_t size)
{
    if (!data && size)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "cc_store_bytes: data is NULL");
    return store(ctx, key, ext, data ? data : "", size, -1);
}

int cc_store_file(bo_context *ctx, const char *key, const char *ext, const char *src_path)
{
    if (!src_path)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "cc_store_file: path is NULL");
    int fd = open(src_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return io_error(ctx, "read", src_path);
    int r = store(ctx, key, ext, NULL, 0, fd);
    close(fd);
    return r;
}

/* ---- in-memory map --------------------------------------------------------------------- */

typedef struct mem_node {
    char *key;
    void *value;
    cc_destroy_fn destroy;
    struct mem_node *next;
} mem_node;

/* Process-wide by design: loaded code is shared by every solver of the process. */
static pthread_mutex_t mem_lock = PTHREAD_MUTEX_INITIALIZER;
static mem_node *mem_head;

void *cc_mem_get(const char *key)
{
    if (!key)
        return NULL;
    void *v = NULL;
    pthread_mutex_lock(&mem_lock);
    for (mem_node *n = mem_head; n; n = n->next)
        if (strcmp(n->key, key) == 0) {
            v = n->value;
            break;
        }
    pthread_mutex_unlock(&mem_lock);
    return v;
}

int cc_mem_put(bo_context *ctx, const char *key, void *value, cc_destroy_fn destroy, void **held)
{
    if (!key || !held)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "cc_mem_put: key or held is NULL");
    *held = NULL;
    mem_node *node = bo_malloc(sizeof *node);
    char *k = bo_strdup(key);
    if (!node || !k) {
        bo_free(node);
        bo_free(k);
        return bo_error(ctx, BO_ERR_NOMEM, "out of memory");
    }
    node->key = k;
    node->value = value;
    node->destroy = destroy;
    void *existing = NULL;
    int found = 0;
    pthread_mutex_lock(&mem_lock);
    for (mem_node *n = mem_head; n && !found; n = n->next)
        if (strcmp(n->key, key) == 0) {
            existing = n->value;
            found = 1;
        }
    if (!found) {
        node->next = mem_head;
        mem_head = node;
    }
    pthread_mutex_unlock(&mem_lock);
    if (found) {
        bo_free(node->key);
        bo_free(node);
        if (existing != value && destroy)
            destroy(value);
        *held = existing;
    } else {
        *held = value;
    }
    return BO_OK;
}

void cc_mem_clear(void)
{
    pthread_mutex_lock(&mem_lock);
    mem_node *n = mem_head;
    mem_head = NULL;
    pthread_mutex_unlock(&mem_lock);
    while (n) {
        mem_node *next = n->next;
        if (n->destroy)
            n->destroy(n->value);
        bo_free(n->key);
        bo_free(n);
        n = next;
    }
}
