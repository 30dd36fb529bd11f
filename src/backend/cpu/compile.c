/* Running the system C compiler (see compile.h). The compiler is spawned with an argument
 * vector (posix_spawnp), never through /bin/sh, so a setting's value is only ever arguments.
 * Each compile works in its own directory $TMPDIR/batchode_cc_<pid>_<serial>_XXXXXX (mode
 * 0700, from mkdtemp), held under an flock while in use; a directory whose process is gone and
 * whose lock is free was left by a killed process and is removed by the next compile. */
#define _GNU_SOURCE /* memfd_create, pipe2, flock, environ */

#include "compile.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/strbuf.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U /* Linux 6.3: an executable memfd where vm.memfd_noexec asks for it */
#endif

#define WORK_PREFIX "batchode_cc_"

/* ---- argument vectors ------------------------------------------------------------------ */

void cpu_words_init(cpu_words *w)
{
    w->v = NULL;
    w->n = w->cap = 0;
}

void cpu_words_free(cpu_words *w)
{
    for (size_t i = 0; i < w->n; ++i)
        bo_free(w->v[i]);
    bo_free(w->v);
    cpu_words_init(w);
}

static int words_push(bo_context *ctx, cpu_words *w, char *word)
{
    if (!word)
        return bo_error(ctx, BO_ERR_NOMEM, "out of memory");
    if (w->n + 2 > w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 16;
        char **v = bo_array_realloc(w->v, cap, sizeof *v);
        if (!v) {
            bo_free(word);
            return bo_error(ctx, BO_ERR_NOMEM, "out of memory");
        }
        w->v = v;
        w->cap = cap;
    }
    w->v[w->n++] = word;
    w->v[w->n] = NULL;
    return BO_OK;
}

int cpu_words_add(bo_context *ctx, cpu_words *w, const char *word)
{
    return words_push(ctx, w, bo_strdup(word));
}

int cpu_words_split(bo_context *ctx, const char *what, const char *text, cpu_words *w)
{
    const char *p = text ? text : "";
    for (;;) {
        while (*p == ' ' || *p == '\t')
            ++p;
        if (!*p)
            return BO_OK;
        sb_buf b;
        sb_init(&b);
        sb_append(&b, ""); /* a word of only '' is still a word */
        while (*p && *p != ' ' && *p != '\t') {
            if (*p == '\'' || *p == '"') {
                const char *end = strchr(p + 1, *p);
                if (!end) {
                    sb_free(&b);
                    return bo_error(ctx, BO_ERR_SETTING,
                                    "%s: unterminated %s quote in '%s' (words are separated by "
                                    "spaces; '...' and \"...\" quote literally)",
                                    what, *p == '\'' ? "single" : "double", text);
                }
                sb_append_n(&b, p + 1, (size_t)(end - p - 1));
                p = end + 1;
            } else {
                sb_putc(&b, *p++);
            }
        }
        int r = words_push(ctx, w, sb_take(&b));
        if (r != BO_OK)
            return r;
    }
}

/* The words joined by spaces, for messages. */
static char *words_text(const cpu_words *w)
{
    sb_buf b;
    sb_init(&b);
    for (size_t i = 0; i < w->n; ++i)
        sb_printf(&b, "%s%s", i ? " " : "", w->v[i]);
    sb_append(&b, "");
    return sb_take(&b);
}

/* ---- spawning -------------------------------------------------------------------------- */

/* A descriptor of at least 3, so that dup2 onto 0-2 in the child never meets it there. */
static int high_fd(int fd)
{
    if (fd >= 3)
        return fd;
    int h = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    close(fd);
    return h;
}

/* Run argv (looked up in PATH, no shell) with stdin from /dev/null and stdout and stderr into
 * out. *status: the wait status, or -1 when it cannot be known (the process ignores SIGCHLD).
 * Returns 0 once the program ran, else the errno of the failed start (ENOENT: not found). */
static int spawn_capture(char *const argv[], sb_buf *out, int *status)
{
    *status = -1;
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return errno;
    p[0] = high_fd(p[0]);
    p[1] = high_fd(p[1]);
    if (p[0] < 0 || p[1] < 0) {
        int e = errno;
        if (p[0] >= 0)
            close(p[0]);
        if (p[1] >= 0)
            close(p[1]);
        return e;
    }
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&at);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    posix_spawn_file_actions_adddup2(&fa, p[1], 2);
    /* The compiler gets a clean signal mask whatever the calling thread blocks. */
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK);
    pid_t pid;
    int e = posix_spawnp(&pid, argv[0], &fa, &at, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(p[1]);
    if (e != 0) {
        close(p[0]);
        return e;
    }
    char buf[4096];
    for (;;) {
        ssize_t n = read(p[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        sb_append_n(out, buf, (size_t)n);
    }
    close(p[0]);
    int st = 0;
    pid_t w;
    while ((w = waitpid(pid, &st, 0)) < 0 && errno == EINTR) {
    }
    *status = w == pid ? st : -1;
    return 0;
}

static int start_error(bo_context *ctx, const cpu_words *cc, int e)
{
    char *name = words_text(cc);
    int r;
    bo_set_log(ctx, ""); /* nothing ran, so there is no compiler output */
    if (e == ENOENT)
        r = bo_error(ctx, BO_ERR_COMPILE,
                     "C compiler '%s' not found (no such program%s; set the 'cc' setting, or "
                     "install gcc or clang)",
                     name ? name : cc->v[0], strchr(cc->v[0], '/') ? "" : " in PATH");
    else
        r = bo_error(ctx, BO_ERR_COMPILE, "cannot run the C compiler '%s': %s",
                     name ? name : cc->v[0], strerror(e));
    bo_free(name);
    return r;
}

/* cc's words followed by more, as one argument vector. */
static int command(bo_context *ctx, const cpu_words *cc, const cpu_words *flags,
                   const char *const *tail, cpu_words *out)
{
    cpu_words_init(out);
    int r = BO_OK;
    for (size_t i = 0; r == BO_OK && i < cc->n; ++i)
        r = cpu_words_add(ctx, out, cc->v[i]);
    for (size_t i = 0; r == BO_OK && flags && i < flags->n; ++i)
        r = cpu_words_add(ctx, out, flags->v[i]);
    for (size_t i = 0; r == BO_OK && tail[i]; ++i)
        r = cpu_words_add(ctx, out, tail[i]);
    return r;
}

/* ---- identity -------------------------------------------------------------------------- */

const char *cpu_temp_dir(void)
{
    const char *t = getenv("TMPDIR");
    return (t && t[0] == '/') ? t : "/tmp";
}

char *cpu_target_lines(const char *cpuinfo)
{
    static const char *const keys[] = {
        "vendor_id",        "cpu family",  "model",    "flags", "Features", "CPU implementer",
        "CPU architecture", "CPU variant", "CPU part", "isa",   "cpu",      NULL};
    sb_buf b;
    sb_init(&b);
    FILE *f = fopen(cpuinfo, "re");
    int found = 0, keep = 0;
    if (f) {
        char line[8192];
        int continued = 0;
        while (fgets(line, sizeof line, f)) {
            size_t len = strlen(line);
            int whole = len && line[len - 1] == '\n';
            if (continued) { /* the rest of a line longer than the buffer */
                if (keep)
                    sb_append(&b, line);
                continued = !whole;
                continue;
            }
            continued = !whole;
            keep = 0;
            if (line[0] == '\n' && found)
                break; /* the end of the first processor's block */
            const char *colon = strchr(line, ':');
            if (!colon)
                continue;
            size_t k = (size_t)(colon - line);
            while (k && (line[k - 1] == ' ' || line[k - 1] == '\t'))
                --k;
            for (int i = 0; keys[i] && !keep; ++i)
                keep = strlen(keys[i]) == k && strncmp(line, keys[i], k) == 0;
            if (keep) {
                sb_append(&b, line);
                found = 1;
            }
        }
        fclose(f);
    }
    if (!found) {
        struct utsname u;
        if (uname(&u) == 0)
            sb_printf(&b, "host %s %s\n", u.nodename, u.machine);
    }
    sb_append(&b, "");
    return sb_take(&b);
}

/* Whether the flags make code for the host's CPU: the last of each of -march=, -mcpu= and
 * -mtune= decides (as for gcc and clang, a later one wins), and any of them being native does. */
static int host_target(const cpu_words *flags)
{
    static const char *const opts[] = {"-march=", "-mcpu=", "-mtune="};
    int native = 0;
    for (int k = 0; k < 3; ++k) {
        const char *last = NULL;
        size_t n = strlen(opts[k]);
        for (size_t i = 0; flags && i < flags->n; ++i)
            if (strncmp(flags->v[i], opts[k], n) == 0)
                last = flags->v[i] + n;
        native |= last && strcmp(last, "native") == 0;
    }
    return native;
}

int cpu_compiler_identity(bo_context *ctx, const cpu_words *cc, const cpu_words *flags, char **out)
{
    *out = NULL;
    static const char *const tail[] = {"--version", NULL};
    cpu_words argv;
    int r = command(ctx, cc, NULL, tail, &argv);
    sb_buf version;
    sb_init(&version);
    int status = 0, e = 0;
    if (r == BO_OK && (e = spawn_capture(argv.v, &version, &status)) != 0)
        r = start_error(ctx, cc, e);
    cpu_words_free(&argv);
    int native = host_target(flags);
    char *cpu = (r == BO_OK && native) ? cpu_target_lines("/proc/cpuinfo") : NULL;
    if (r == BO_OK) {
        const char *v = sb_cstr(&version);
        *out = bo_asprintf("%.*s\n%s", (int)strcspn(v, "\n"), v, cpu ? cpu : "");
        if (!*out || (native && !cpu))
            r = bo_error(ctx, BO_ERR_NOMEM, "out of memory");
    }
    if (r != BO_OK) {
        bo_free(*out);
        *out = NULL;
    }
    bo_free(cpu);
    sb_free(&version);
    return r;
}

/* ---- work directories ------------------------------------------------------------------ */

typedef struct {
    char *path;
    int fd; /* the directory, flock-ed while in use */
} work_dir;

/* The pid in a work directory's name, or 0 when the name is not one of ours. */
static long work_dir_pid(const char *name)
{
    size_t n = strlen(WORK_PREFIX);
    if (strncmp(name, WORK_PREFIX, n) != 0)
        return 0;
    char *end;
    errno = 0;
    long pid = strtol(name + n, &end, 10);
    if (errno || end == name + n || *end != '_' || pid <= 0 || pid > INT_MAX)
        return 0;
    return pid;
}

/* Remove the files in the directory open as fd (a work directory is flat: the source, the
 * object, and whatever else flags such as -save-temps make the compiler leave there). */
static void empty_dir(int fd)
{
    int lfd = dup(fd);
    DIR *sub = lfd >= 0 ? fdopendir(lfd) : NULL;
    if (!sub && lfd >= 0)
        close(lfd);
    struct dirent *e;
    while (sub && (e = readdir(sub)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            unlinkat(fd, e->d_name, 0);
    if (sub)
        closedir(sub);
}

/* Remove work directories left by killed processes: named by a process that no longer exists,
 * owned by this user, and with no process holding their lock (the lock also covers a process
 * of another pid namespace sharing the directory). Everything goes through descriptors, so a
 * name swapped meanwhile cannot redirect a removal. */
static void remove_stale_work_dirs(const char *tmp)
{
    DIR *dh = opendir(tmp);
    if (!dh)
        return;
    int tfd = dirfd(dh);
    struct dirent *ent;
    while ((ent = readdir(dh)) != NULL) {
        long pid = work_dir_pid(ent->d_name);
        if (!pid || pid == (long)getpid())
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue; /* alive (or someone else's) */
        int fd = openat(tfd, ent->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            continue;
        struct stat st;
        if (fstat(fd, &st) != 0 || st.st_uid != geteuid() || flock(fd, LOCK_EX | LOCK_NB) != 0) {
            close(fd);
            continue;
        }
        empty_dir(fd);
        unlinkat(tfd, ent->d_name, AT_REMOVEDIR);
        close(fd);
    }
    closedir(dh);
}

static _Atomic unsigned long work_serial;

static int work_dir_create(bo_context *ctx, work_dir *w)
{
    w->fd = -1;
    const char *tmp = cpu_temp_dir();
    remove_stale_work_dirs(tmp);
    /* The pid finds the owner; the serial keeps every name of this process distinct, so a
     * loaded object's file name is never reused while it is loaded. */
    w->path = bo_asprintf("%s/" WORK_PREFIX "%ld_%lu_XXXXXX", tmp, (long)getpid(),
                          atomic_fetch_add(&work_serial, 1));
    if (!w->path)
        return bo_error(ctx, BO_ERR_NOMEM, "out of memory");
    if (!mkdtemp(w->path)) {
        int r = bo_error(ctx, BO_ERR_IO, "cannot create a temporary directory in '%s'%s: %s", tmp,
                         getenv("TMPDIR") ? " ($TMPDIR)" : "", strerror(errno));
        bo_free(w->path);
        w->path = NULL;
        return r;
    }
    w->fd = open(w->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (w->fd < 0 || flock(w->fd, LOCK_EX) != 0) {
        int r = bo_error(ctx, BO_ERR_IO, "cannot use the temporary directory '%s': %s", w->path,
                         strerror(errno));
        if (w->fd >= 0)
            close(w->fd);
        rmdir(w->path);
        bo_free(w->path);
        w->path = NULL;
        w->fd = -1;
        return r;
    }
    return BO_OK;
}

static void work_dir_remove(work_dir *w)
{
    if (!w->path)
        return;
    empty_dir(w->fd);
    rmdir(w->path);
    close(w->fd); /* releases the lock */
    bo_free(w->path);
    w->path = NULL;
    w->fd = -1;
}

static int write_all(int fd, const void *data, size_t n)
{
    const unsigned char *p = data;
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Create name in the work directory with the given bytes. */
static int work_write(bo_context *ctx, const work_dir *w, const char *name, const void *data,
                      size_t n)
{
    int fd = openat(w->fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    int bad = fd < 0 || write_all(fd, data, n) != 0;
    int e = errno;
    if (fd >= 0 && close(fd) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (bad)
        return bo_error(ctx, BO_ERR_IO, "cannot write '%s/%s': %s", w->path, name, strerror(e));
    return BO_OK;
}

/* Read name from the work directory (*data: bo_free). */
static int work_read(bo_context *ctx, const work_dir *w, const char *name, void **data,
                     size_t *size)
{
    *data = NULL;
    *size = 0;
    int fd = openat(w->fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return bo_error(ctx, BO_ERR_COMPILE, "the compiler wrote no '%s/%s': %s", w->path, name,
                        strerror(e));
    }
    size_t n = (size_t)st.st_size;
    unsigned char *buf = bo_malloc(n ? n : 1);
    size_t got = 0;
    while (buf && got < n) {
        ssize_t k = read(fd, buf + got, n - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    close(fd);
    if (!buf)
        return bo_error(ctx, BO_ERR_NOMEM, "out of memory");
    if (got != n) {
        bo_free(buf);
        return bo_error(ctx, BO_ERR_IO, "cannot read '%s/%s'", w->path, name);
    }
    *data = buf;
    *size = n;
    return BO_OK;
}

/* ---- compiling and loading ------------------------------------------------------------- */

int cpu_compile(bo_context *ctx, const cpu_words *cc, const cpu_words *flags, const char *source,
                void **so, size_t *size)
{
    *so = NULL;
    *size = 0;
    work_dir w;
    int r = work_dir_create(ctx, &w);
    if (r != BO_OK)
        return r;
    char *src = bo_asprintf("%s/program.c", w.path);
    char *out = bo_asprintf("%s/program.so", w.path);
    r = (src && out) ? work_write(ctx, &w, "program.c", source, strlen(source))
                     : bo_error(ctx, BO_ERR_NOMEM, "out of memory");
    cpu_words argv;
    cpu_words_init(&argv);
    if (r == BO_OK) {
        const char *tail[] = {"-o", out, src, "-lm", NULL};
        r = command(ctx, cc, flags, tail, &argv);
    }
    sb_buf log;
    sb_init(&log);
    if (r == BO_OK) {
        int status = 0;
        int e = spawn_capture(argv.v, &log, &status);
        char *name = words_text(cc);
        if (e != 0) {
            r = start_error(ctx, cc, e);
        } else if (status != -1 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
            bo_set_log(ctx, sb_cstr(&log));
            if (WIFEXITED(status))
                r = bo_error(ctx, BO_ERR_COMPILE,
                             "compiling the generated program with '%s' failed (exit %d); the "
                             "compiler's output is in the error log",
                             name ? name : cc->v[0], WEXITSTATUS(status));
            else
                r = bo_error(ctx, BO_ERR_COMPILE,
                             "the C compiler '%s' was killed by signal %d; its output is in the "
                             "error log",
                             name ? name : cc->v[0], WIFSIGNALED(status) ? WTERMSIG(status) : 0);
        }
        bo_free(name);
    }
    /* With SIGCHLD ignored the status is lost: the object's presence decides. */
    if (r == BO_OK && (r = work_read(ctx, &w, "program.so", so, size)) == BO_ERR_COMPILE)
        bo_set_log(ctx, sb_cstr(&log));
    sb_free(&log);
    cpu_words_free(&argv);
    bo_free(src);
    bo_free(out);
    work_dir_remove(&w);
    return r;
}

static _Atomic int no_memfd;

void cpu_test_no_memfd(int on)
{
    atomic_store(&no_memfd, on);
}

static int load_error(bo_context *ctx)
{
    const char *e = dlerror();
    return bo_error(ctx, BO_ERR_COMPILE, "cannot load the compiled program: %s",
                    e ? e : "unknown error");
}

/* The memfd route: 1 loaded, 0 not available here (no memfd, no /proc), negative an error. */
static int dlopen_memfd(bo_context *ctx, const void *so, size_t size, void **handle, int *hold_fd)
{
    if (atomic_load(&no_memfd))
        return 0;
    int fd = memfd_create("batchode-program", MFD_CLOEXEC | MFD_EXEC);
    if (fd < 0 && errno == EINVAL) /* a kernel before 6.3 knows no MFD_EXEC */
        fd = memfd_create("batchode-program", MFD_CLOEXEC);
    if (fd < 0)
        return 0;
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    if (write_all(fd, so, size) != 0) {
        close(fd);
        return bo_error(ctx, BO_ERR_IO, "cannot write the compiled program to memory: %s",
                        strerror(errno));
    }
    if (access(path, R_OK) != 0) {
        close(fd);
        return 0;
    }
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        close(fd);
        return load_error(ctx);
    }
    *handle = h;
    *hold_fd = fd;
    return 1;
}

int cpu_dlopen_bytes(bo_context *ctx, const void *so, size_t size, void **handle, int *hold_fd)
{
    *handle = NULL;
    *hold_fd = -1;
    int r = dlopen_memfd(ctx, so, size, handle, hold_fd);
    if (r != 0)
        return r < 0 ? r : BO_OK;
    work_dir w;
    if ((r = work_dir_create(ctx, &w)) != BO_OK)
        return r;
    char *path = bo_asprintf("%s/program.so", w.path);
    r = path ? work_write(ctx, &w, "program.so", so, size)
             : bo_error(ctx, BO_ERR_NOMEM, "out of memory");
    if (r == BO_OK && !(*handle = dlopen(path, RTLD_NOW | RTLD_LOCAL)))
        r = load_error(ctx);
    bo_free(path);
    work_dir_remove(&w);
    return r;
}
