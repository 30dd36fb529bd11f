/* The compile cache (see cache.h): content-addressed files on disk, published atomically and
 * verified against a SHA-256 sum on every read, and a mutex-guarded in-memory map of loaded
 * handles for this process. */
#include "cache.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/sha256.h"
#include "util/strbuf.h"

#define SUM_MAX 256 /* a valid sum file is well under this */

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

int cc_path(bo_context *ctx, const char *key, const char *ext, char **out)
{
    *out = NULL;
    if (!valid_name(key, ext))
        return bo_error(ctx, BO_ERR_INVALID_ARG, "invalid cache key or extension '%s.%s'",
                        key ? key : "(null)", ext ? ext : "(null)");
    char *dir;
    int r = cc_dir(ctx, &dir);
    if (r != BO_OK)
        return r;
    *out = bo_asprintf("%s/%s.%s", dir, key, ext);
    bo_free(dir);
    return *out ? BO_OK : bo_error(ctx, BO_ERR_NOMEM, "out of memory");
}

/* The text a sum file must hold for content of this size and digest. */
static int sum_text(char buf[SUM_MAX], size_t size, const char *hex)
{
    return snprintf(buf, SUM_MAX, "batchode-cache-sum-v1\nsize %zu\nsha256 %s\n", size, hex);
}

/* ---- reading --------------------------------------------------------------------------- */

/* Which file a path named when it was read: a writer's rename swaps in a new inode, damage in
 * place keeps the inode but (usually) not the size or time. */
typedef struct {
    int present;
    dev_t dev;
    ino_t ino;
    off_t size;
    time_t sec;
    long nsec;
} file_id;

static void identify(int fd, file_id *id)
{
    struct stat st;
    memset(id, 0, sizeof *id);
    if (fd < 0 || fstat(fd, &st) != 0)
        return;
    id->present = 1;
    id->dev = st.st_dev;
    id->ino = st.st_ino;
    id->size = st.st_size;
    id->sec = st.st_mtim.tv_sec;
    id->nsec = st.st_mtim.tv_nsec;
}

static int same_id(const file_id *a, const file_id *b)
{
    return a->present == b->present && a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->sec == b->sec && a->nsec == b->nsec;
}

/* Read at most max bytes of a file into buf (NUL-terminated); -1 if it cannot be opened. */
static long read_small(const char *path, char *buf, size_t max, file_id *id)
{
    int fd = open(path, O_RDONLY);
    identify(fd, id);
    if (fd < 0)
        return -1;
    size_t got = 0;
    while (got + 1 < max) {
        ssize_t n = read(fd, buf + got, max - 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    buf[got] = '\0';
    return (long)got;
}

typedef enum { V_HIT, V_ABSENT, V_BAD, V_ERROR } verdict;

/* Check content against sum. With keep, the verified bytes are returned (*keep, *size). ids
 * receive the identities of the content and sum files that were read. */
static verdict verify(bo_context *ctx, const char *path, const char *sum_path, void **keep,
                      size_t *size, int *code, file_id ids[2])
{
    char sum[SUM_MAX];
    long sum_len = read_small(sum_path, sum, sizeof sum, &ids[1]);
    int fd = open(path, O_RDONLY);
    identify(fd, &ids[0]);
    if (fd < 0)
        return sum_len < 0 ? V_ABSENT : V_BAD;
    if (sum_len < 0 || ids[0].size < 0) {
        close(fd);
        return V_BAD;
    }
    size_t expect = (size_t)ids[0].size;
    unsigned char *data = NULL;
    if (keep) {
        data = bo_malloc(expect);
        if (!data) {
            close(fd);
            *code = bo_error(ctx, BO_ERR_NOMEM, "out of memory");
            return V_ERROR;
        }
    }
    sha256_ctx c;
    sha256_init(&c);
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
        sha256_update(&c, dst, (size_t)n);
    }
    close(fd);
    unsigned char d[32];
    char hex[65], want[SUM_MAX];
    sha256_final(&c, d);
    sha256_to_hex(d, hex);
    sum_text(want, total, hex);
    if (total != expect || strcmp(want, sum) != 0) {
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
static int lookup(bo_context *ctx, const char *key, const char *ext, char **path_out, void **data,
                  size_t *size)
{
    char *path = NULL, *sum_path = NULL;
    int r = cc_path(ctx, key, ext, &path);
    if (r != BO_OK)
        return r;
    sum_path = bo_asprintf("%s.sum", path);
    if (!sum_path) {
        bo_free(path);
        return bo_error(ctx, BO_ERR_NOMEM, "out of memory");
    }
    int code = BO_OK;
    file_id prev[2], ids[2];
    verdict v = verify(ctx, path, sum_path, data, size, &code, ids);
    /* A mismatch is either damage or a writer caught between publishing the content and its
     * sum. Damage stays put; a writer's renames swap in new files. So look again, and remove
     * the entry only when the very same files fail twice; if they keep changing it is a miss
     * that some writer is about to repair. */
    for (int attempt = 0; v == V_BAD && attempt < 3; ++attempt) {
        memcpy(prev, ids, sizeof ids);
        pause_briefly();
        v = verify(ctx, path, sum_path, data, size, &code, ids);
        if (v == V_BAD && same_id(&prev[0], &ids[0]) && same_id(&prev[1], &ids[1])) {
            unlink(sum_path);
            unlink(path);
            break;
        }
    }
    bo_free(sum_path);
    if (v == V_ERROR) {
        bo_free(path);
        return code;
    }
    if (v == V_HIT && path_out)
        *path_out = path;
    else
        bo_free(path);
    return v == V_HIT;
}

int cc_lookup(bo_context *ctx, const char *key, const char *ext, char **path_out)
{
    if (path_out)
        *path_out = NULL;
    return lookup(ctx, key, ext, path_out, NULL, NULL);
}

int cc_load_bytes(bo_context *ctx, const char *key, const char *ext, void **data, size_t *size)
{
    if (!data || !size)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "cc_load_bytes: data or size is NULL");
    *data = NULL;
    *size = 0;
    return lookup(ctx, key, ext, NULL, data, size);
}

/* ---- writing --------------------------------------------------------------------------- */

static int io_error(bo_context *ctx, const char *what, const char *path)
{
    return bo_error(ctx, BO_ERR_IO, "compile cache: cannot %s '%s': %s", what, path,
                    strerror(errno));
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
        if (mkdir(p, 0755) != 0 && errno != EEXIST) {
            int r = io_error(ctx, "create directory", p);
            bo_free(p);
            return r;
        }
        *s = c;
        if (!c)
            break;
    }
    bo_free(p);
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return io_error(ctx, "use directory", dir);
    }
    return BO_OK;
}

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

/* Write bytes (or everything readable from src_fd when src_fd >= 0) to a temp file in dir,
 * fsync it and rename it to final. hex/size (may be NULL) receive the content's digest. */
static int publish(bo_context *ctx, const char *dir, const char *final, const void *data,
                   size_t len, int src_fd, char hex[65], size_t *size)
{
    char *tmp = bo_asprintf("%s/.tmp-XXXXXX", dir);
    if (!tmp)
        return bo_error(ctx, BO_ERR_NOMEM, "out of memory");
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int r = io_error(ctx, "create a file in", dir);
        bo_free(tmp);
        return r;
    }
    sha256_ctx c;
    sha256_init(&c);
    size_t total = 0;
    int failed = 0;
    if (src_fd < 0) {
        sha256_update(&c, data, len);
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
            sha256_update(&c, chunk, (size_t)n);
            total += (size_t)n;
            if (write_all(fd, chunk, (size_t)n) != 0) {
                failed = 1;
                break;
            }
        }
    }
    /* Readable by others (mkstemp makes 0600) so a shared cache directory works. */
    if (!failed && (fchmod(fd, 0644) != 0 || fsync(fd) != 0))
        failed = 1;
    if (close(fd) != 0)
        failed = 1;
    if (!failed && rename(tmp, final) != 0)
        failed = 1;
    int r = BO_OK;
    if (failed) {
        r = io_error(ctx, "write", final);
        unlink(tmp);
    }
    bo_free(tmp);
    if (r == BO_OK && hex) {
        unsigned char d[32];
        sha256_final(&c, d);
        sha256_to_hex(d, hex);
    }
    if (size)
        *size = total;
    return r;
}

static void sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Publish content then its sum; the sum is what makes the entry visible as a hit. */
static int store(bo_context *ctx, const char *key, const char *ext, const void *data, size_t len,
                 int src_fd)
{
    char *dir = NULL, *path = NULL, *sum_path = NULL;
    int r = cc_path(ctx, key, ext, &path);
    if (r == BO_OK)
        r = cc_dir(ctx, &dir);
    if (r == BO_OK && !(sum_path = bo_asprintf("%s.sum", path)))
        r = bo_error(ctx, BO_ERR_NOMEM, "out of memory");
    if (r == BO_OK)
        r = mkdir_p(ctx, dir);
    char hex[65];
    size_t size = 0;
    if (r == BO_OK)
        r = publish(ctx, dir, path, data, len, src_fd, hex, &size);
    if (r == BO_OK) {
        char text[SUM_MAX];
        int n = sum_text(text, size, hex);
        r = publish(ctx, dir, sum_path, text, (size_t)n, -1, NULL, NULL);
    }
    if (r == BO_OK)
        sync_dir(dir);
    bo_free(dir);
    bo_free(path);
    bo_free(sum_path);
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
    int fd = open(src_path, O_RDONLY);
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
