/* Writers for results: CSV (final.csv, series.csv, summaries.csv, counters.csv, events.csv)
 * and NumPy .npy files with a legend.json (docs/outputs.md lists every file and column).
 *
 * A write is one transaction on the directory: each file is written to a hidden temporary
 * name in it and synced; then the result files of an earlier write that this one does not
 * produce are removed, the temporaries renamed into place, and the directory synced. A failed
 * call leaves no partial file and replaces nothing; a finished one leaves exactly its own
 * files. Temporaries that an interrupted write left behind are removed by the next write into
 * the directory, once the process that made them is gone.
 *
 * CSV rows are formatted in parallel pieces (numbers by util/numfmt, never printf) and written
 * in order by whichever thread holds the next piece, so formatting and writing overlap. The
 * disk writes start as data is written (on Linux) and are waited for once, for all files, at
 * the end, so the syncs overlap the formatting and each other. */
#if defined(__linux__)
#define _GNU_SOURCE /* sync_file_range */
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h> /* rename */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "util/internal.h"
#include "results_internal.h"
#include "util/numfmt.h"
#include "util/parallel.h"
#include "util/strbuf.h"

/* Every file a write can produce, in either format. A write removes those of them it did not
 * produce (from an earlier write), and only those. */
static const char *const known_files[] = {
    "final.csv",        "series.csv", "summaries.csv", "counters.csv",    "final.npy",
    "final_t.npy",      "status.npy", "steps.npy",     "rejections.npy",  "newton_iters.npy",
    "init.npy",         "params.npy", "save_t.npy",    "series.npy",      "summaries.npy",
    "legend.json",      "events.csv", "events.npy",    "event_index.npy", "event_state.npy",
    "event_counts.npy", "spans.npy"};
#define WR_MAX_FILES (sizeof known_files / sizeof known_files[0])

static int known_index(const char *name, size_t len)
{
    for (size_t i = 0; i < WR_MAX_FILES; ++i)
        if (strlen(known_files[i]) == len && memcmp(known_files[i], name, len) == 0)
            return (int)i;
    return -1;
}

typedef struct {
    char *path; /* final name */
    char *tmp;  /* temporary name in the same directory (so rename is atomic) */
    int known;  /* index in known_files */
    int fd;     /* open until the commit syncs it; -1 after */
} wr_file;

typedef struct {
    bo_context *ctx;
    const char *dir;
    wr_file file[WR_MAX_FILES];
    size_t n;
    char host[65]; /* this host's name as temporaries carry it */
    int threads;   /* threads for formatting */
    par_pool *pool;
} wr_job;

/* mkdir -p: create dir and any missing parents. */
static int make_dirs(bo_context *ctx, const char *dir)
{
    char *p = bo_strdup(dir);
    if (!p)
        return bo_error(ctx, BO_ERR_NOMEM, "out of memory");
    int rc = BO_OK;
    for (char *s = p + 1;; ++s) {
        if (*s != '/' && *s != '\0')
            continue;
        char saved = *s;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            rc = bo_error(ctx, BO_ERR_IO, "cannot create directory %s: %s", p, strerror(errno));
            break;
        }
        *s = saved;
        if (saved == '\0')
            break;
    }
    struct stat st;
    if (rc == BO_OK && (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)))
        rc = bo_error(ctx, BO_ERR_IO, "cannot write results into %s: not a directory", dir);
    bo_free(p);
    return rc;
}

/* ---- temporaries ----------------------------------------------------------------------- */

/* This host's name, reduced to the characters a temporary's name may carry ([A-Za-z0-9._]):
 * a temporary names its host so that a process on another host (or in another PID namespace,
 * which containers give their own host name) sharing the directory never judges it. */
static void host_tag(char *out, size_t len)
{
    char h[256] = "";
    if (gethostname(h, sizeof h - 1) != 0 || !h[0])
        strcpy(h, "localhost");
    h[sizeof h - 1] = '\0';
    size_t n = 0;
    for (const char *p = h; *p && n + 1 < len; ++p) {
        char c = *p;
        int ok =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.';
        out[n++] = ok ? c : '_';
    }
    out[n] = '\0';
}

/* Digits only, at least one, no overflow past long. */
static int parse_digits(const char *s, size_t len, long *out)
{
    if (len == 0 || len > 9)
        return 0;
    long v = 0;
    for (size_t i = 0; i < len; ++i) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = 10 * v + (s[i] - '0');
    }
    *out = v;
    return 1;
}

/* The process id in a temporary's name ".<known file>.tmp-<host>-<pid>-<n>" when the name is
 * one and names this host; 0 otherwise. Names without a host (".final.csv.tmp-<pid>-<n>",
 * from before temporaries carried one) count as this host's. */
static long temp_owner(const char *name, const char *host)
{
    if (name[0] != '.')
        return 0;
    const char *tag = strstr(name, ".tmp-");
    if (!tag || known_index(name + 1, (size_t)(tag - name - 1)) < 0)
        return 0;
    const char *rest = tag + 5, *last = strrchr(rest, '-');
    long pid, n;
    if (!last || !parse_digits(last + 1, strlen(last + 1), &n))
        return 0;
    const char *prev = last;
    while (prev > rest && prev[-1] != '-')
        --prev;
    if (!parse_digits(prev, (size_t)(last - prev), &pid) || pid <= 0)
        return 0;
    if (prev > rest) { /* a host: rest up to the '-' before the pid */
        size_t hl = (size_t)(prev - 1 - rest);
        if (strlen(host) != hl || memcmp(rest, host, hl) != 0)
            return 0;
    }
    return pid;
}

/* Remove the temporaries in dir that writes of processes no longer running on this host left
 * behind (a write interrupted by a signal, a crash or a power cut). A live process's are
 * kept: it may still be writing them, and this process's own are its other threads'. Best
 * effort: what cannot be removed stays for a later write. */
static void remove_stale_temps(const wr_job *j)
{
    DIR *d = opendir(j->dir);
    if (!d)
        return;
    long self = (long)getpid();
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        long pid = temp_owner(e->d_name, j->host);
        if (pid == 0 || pid == self || (pid_t)pid != pid)
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue; /* alive (EPERM: alive, another user's) */
        char *p = bo_asprintf("%s/%s", j->dir, e->d_name);
        if (p)
            unlink(p);
        bo_free(p);
    }
    closedir(d);
}

static void job_abandon(wr_job *j)
{
    for (size_t i = 0; i < j->n; ++i) {
        if (j->file[i].fd >= 0)
            close(j->file[i].fd);
        if (j->file[i].tmp)
            unlink(j->file[i].tmp);
        bo_free(j->file[i].tmp);
        bo_free(j->file[i].path);
    }
    j->n = 0;
}

/* Open a temporary file that will become dir/name (one of known_files). The temporary is
 * created with O_EXCL so that concurrent writers into one directory never share it, and with
 * mode 0666 so the renamed file gets the user's usual permissions (mkstemp would make it
 * 0600). Its name carries host and process id for remove_stale_temps. */
static int job_open(wr_job *j, const char *name, int *out)
{
    *out = -1;
    int known = known_index(name, strlen(name));
    if (known < 0 || j->n == WR_MAX_FILES)
        return bo_error(j->ctx, BO_ERR_INTERNAL, "results: unexpected output file %s", name);
    wr_file *f = &j->file[j->n];
    f->path = bo_asprintf("%s/%s", j->dir, name);
    f->tmp = NULL;
    f->known = known;
    if (!f->path)
        return bo_error(j->ctx, BO_ERR_NOMEM, "out of memory");
    struct stat st;
    if (stat(f->path, &st) == 0 && S_ISDIR(st.st_mode)) {
        bo_free(f->path);
        return bo_error(j->ctx, BO_ERR_IO, "cannot write %s/%s: a directory is in the way", j->dir,
                        name);
    }
    int fd = -1;
    for (unsigned attempt = 0; attempt < 100 && fd < 0; ++attempt) {
        bo_free(f->tmp);
        f->tmp =
            bo_asprintf("%s/.%s.tmp-%s-%ld-%u", j->dir, name, j->host, (long)getpid(), attempt);
        if (!f->tmp)
            break;
        fd = open(f->tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        int err = errno;
        bo_free(f->tmp);
        bo_free(f->path);
        return bo_error(j->ctx, BO_ERR_IO, "cannot create a file in %s: %s", j->dir, strerror(err));
    }
    f->fd = fd;
    ++j->n; /* from here on job_abandon closes and removes it */
    *out = fd;
    return BO_OK;
}

static int write_error(wr_job *j, int err)
{
    return bo_error(j->ctx, BO_ERR_IO, "cannot write %s: %s", j->file[j->n - 1].path,
                    strerror(err));
}

/* Write all of data to fd; 0 or an errno value. */
static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len < ((size_t)1 << 30) ? len : ((size_t)1 << 30));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? errno : EIO;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Start writing bytes [off, off + len) of fd to the disk without waiting (the commit waits);
 * len 0: to the end of the file. Only a head start: without it the commit's fsync does it all. */
static void start_writeback(int fd, size_t off, size_t len)
{
#if defined(__linux__)
    (void)sync_file_range(fd, (off_t)off, (off_t)len, SYNC_FILE_RANGE_WRITE);
#else
    (void)fd;
    (void)off;
    (void)len;
#endif
}

/* The file opened last is complete (rc: the status of writing it): start its writeback. It
 * stays open for the commit to sync. */
static int job_close(wr_job *j, int fd, int rc)
{
    (void)j;
    if (rc == BO_OK)
        start_writeback(fd, 0, 0);
    return rc;
}

/* Wait until every file's data is on the disk: a rename must not reach the disk before the
 * data does, or a crash could leave an empty or partial file under the final name. */
static int job_sync(wr_job *j)
{
    for (size_t i = 0; i < j->n; ++i) {
        wr_file *f = &j->file[i];
        int err = fsync(f->fd) != 0 ? errno : 0;
        if (close(f->fd) != 0 && !err)
            err = errno;
        f->fd = -1;
        if (err)
            return bo_error(j->ctx, BO_ERR_IO, "cannot write %s: %s", f->path, strerror(err));
    }
    return BO_OK;
}

/* Sync every file, remove the known result files this write does not produce, rename every
 * temporary into place and sync the directory. Stale files go first: should the process die in
 * between, the directory holds the earlier write's files that this one replaces and no others,
 * never a mix of two writes beyond the file being renamed. A rename failure (rare: the directory
 * changed under us) leaves the files renamed so far, which are complete, and removes the
 * rest. */
static int job_commit(wr_job *j)
{
    int rc = job_sync(j);
    int produced[WR_MAX_FILES] = {0};
    for (size_t i = 0; i < j->n; ++i)
        produced[j->file[i].known] = 1;
    for (size_t k = 0; k < WR_MAX_FILES && rc == BO_OK; ++k) {
        if (produced[k])
            continue;
        char *p = bo_asprintf("%s/%s", j->dir, known_files[k]);
        struct stat st;
        if (!p)
            rc = bo_error(j->ctx, BO_ERR_NOMEM, "out of memory");
        else if (lstat(p, &st) == 0 && !S_ISDIR(st.st_mode) && unlink(p) != 0 && errno != ENOENT)
            rc = bo_error(j->ctx, BO_ERR_IO, "cannot remove %s (from an earlier write): %s", p,
                          strerror(errno));
        bo_free(p);
    }
    for (size_t i = 0; i < j->n && rc == BO_OK; ++i) {
        if (rename(j->file[i].tmp, j->file[i].path) != 0) {
            rc = bo_error(j->ctx, BO_ERR_IO, "cannot rename %s to %s: %s", j->file[i].tmp,
                          j->file[i].path, strerror(errno));
            break;
        }
        bo_free(j->file[i].tmp);
        j->file[i].tmp = NULL;
    }
    job_abandon(j);
    if (rc == BO_OK) {
        /* Make the renames and removals durable. The files are in place whatever this
         * returns, and some file systems cannot sync a directory, so a failure is not an
         * error of the write. */
        int fd = open(j->dir, O_RDONLY | O_DIRECTORY);
        if (fd >= 0) {
            (void)fsync(fd);
            close(fd);
        }
    }
    return rc;
}

/* ---- CSV ------------------------------------------------------------------------------- */

/* The longest a field and its separator can be: a number (NF_DOUBLE_MAX covers integers). */
#define FIELD_MAX (NF_DOUBLE_MAX + 1)

/* Names are model identifiers, but quote anything a CSV reader would split. */
static void csv_name(sb_buf *b, const char *name, const char *suffix)
{
    sb_putc(b, ',');
    if (strpbrk(name, ",\"\n\r")) {
        sb_putc(b, '"');
        for (const char *p = name; *p; ++p) {
            if (*p == '"')
                sb_putc(b, '"');
            sb_putc(b, *p);
        }
        sb_append(b, suffix);
        sb_putc(b, '"');
    } else {
        sb_append(b, name);
        sb_append(b, suffix);
    }
}

static void csv_names(sb_buf *b, char *const *names, size_t n, const char *suffix)
{
    for (size_t i = 0; i < n; ++i)
        csv_name(b, names[i], suffix);
}

static inline char *put_num(char *p, double v)
{
    *p++ = ',';
    return p + nf_double(p, v);
}

/* The text a column last had in the piece being formatted. Parameters, initial values, save
 * and window times repeat from row to row (a sweep varies a few parameters; series rows
 * repeat their run's parameters and every run has the same save times): a repeated value is
 * copied from its earlier text instead of formatted again. */
typedef struct {
    uint64_t bits;
    const char *text; /* NULL: none yet */
    size_t len;
} col_memo;

static inline char *put_memo(char *p, double v, col_memo *m)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    *p++ = ',';
    if (m->text && bits == m->bits) {
        /* From an earlier row. A fixed-size copy (a few moves, within the field's room) when
         * the two cannot overlap, as in all but the shortest rows. */
        if (p - m->text >= 32)
            memcpy(p, m->text, 32);
        else
            memcpy(p, m->text, m->len);
    } else {
        m->bits = bits;
        m->len = nf_double(p, v);
    }
    m->text = p; /* the latest copy, in the piece's buffer */
    return p + m->len;
}

/* Saves and windows beyond this many format their times each time (their memos would cost
 * more to clear for each piece than they save). */
#define MEMO_INDEXED 4096

/* One column of every parameter of run i (memos memo[0 .. n_params)). */
static inline char *put_params(char *p, const bo_results *r, size_t i, col_memo *memo)
{
    for (size_t k = 0; k < r->n_params; ++k)
        p = put_memo(p, r->params[k * r->runs + i], &memo[k]);
    return p;
}

/* A CSV file: a header, then rows formatted by `row` (row index -> text ending in '\n', at
 * most `fields` fields), which may use `memos` column memos (cleared for each piece). */
typedef struct {
    const char *name;
    char *(*row)(const bo_results *r, size_t row, char *out, col_memo *memo);
    size_t rows, fields, memos;
} csv_table;

/* final.csv: run,status,t,[t0,settling,duration,]<params>,<state>_0...,<state>...,
 * <event>.count...; the spans when they vary per run; memos: params, t, init, spans. */
static char *row_final(const bo_results *r, size_t i, char *p, col_memo *memo)
{
    size_t R = r->runs;
    p += nf_u64(p, i);
    *p++ = ',';
    p += nf_i64(p, r->status[i]);
    p = put_memo(p, r->final_t[i], &memo[r->n_params]);
    if (r->spans)
        for (size_t s = 0; s < 3; ++s)
            p = put_memo(p, r->spans[s * R + i], &memo[r->n_params + 1 + r->n_states + s]);
    p = put_params(p, r, i, memo);
    for (size_t s = 0; s < r->n_states; ++s)
        p = put_memo(p, r->init[s * R + i], &memo[r->n_params + 1 + s]);
    for (size_t s = 0; s < r->n_states; ++s)
        p = put_num(p, r->final[s * R + i]);
    for (size_t e = 0; e < r->n_events; ++e) {
        *p++ = ',';
        p += nf_i64(p, r->event_counts[e * R + i]);
    }
    *p++ = '\n';
    return p;
}

/* events.csv: one row per recorded event (run, record): run,<params>,record,t,event,<states>;
 * records a run did not fill give no row. memos: params. */
static char *row_events(const bo_results *r, size_t row, char *p, col_memo *memo)
{
    size_t R = r->runs, i = row / r->n_records, k = row % r->n_records;
    int32_t e = r->ev_index[k * R + i];
    if (e < 0 || (size_t)e >= r->n_events)
        return p;
    p += nf_u64(p, i);
    p = put_params(p, r, i, memo);
    *p++ = ',';
    p += nf_u64(p, k);
    p = put_num(p, r->ev_time[k * R + i]);
    *p++ = ',';
    size_t n = strlen(r->event_names[e]); /* an identifier: nothing to quote */
    memcpy(p, r->event_names[e], n);
    p += n;
    for (size_t s = 0; s < r->n_states; ++s)
        p = put_num(p, r->ev_state[(k * r->n_states + s) * R + i]);
    *p++ = '\n';
    return p;
}

/* series.csv: one row per (run, save): run,<params>,t,<vars>; memos: params, then one per
 * save for its time. */
static char *row_series(const bo_results *r, size_t row, char *p, col_memo *memo)
{
    size_t R = r->runs, i = row / r->n_saves, k = row % r->n_saves;
    p += nf_u64(p, i);
    p = put_params(p, r, i, memo);
    if (r->spans) /* each run's own times */
        p = put_num(p, r->spans[i] + r->spans[R + i] + r->save_t[k]);
    else
        p = k < MEMO_INDEXED ? put_memo(p, r->save_t[k], &memo[r->n_params + k])
                             : put_num(p, r->save_t[k]);
    for (size_t v = 0; v < r->n_vars; ++v)
        p = put_num(p, r->series[(k * r->n_vars + v) * R + i]);
    *p++ = '\n';
    return p;
}

/* summaries.csv: one row per (run, window): run,<params>,window,t_start,t_end,<columns>;
 * memos: params, then two per window for its times. */
static char *row_summaries(const bo_results *r, size_t row, char *p, col_memo *memo)
{
    size_t R = r->runs, i = row / r->n_windows, w = row % r->n_windows;
    p += nf_u64(p, i);
    p = put_params(p, r, i, memo);
    *p++ = ',';
    p += nf_u64(p, w);
    if (r->spans) { /* each run's own times */
        double start = r->spans[i] + r->spans[R + i];
        p = put_num(p, start + r->window_t[2 * w]);
        p = put_num(p, start + r->window_t[2 * w + 1]);
    } else if (w < MEMO_INDEXED) {
        p = put_memo(p, r->window_t[2 * w], &memo[r->n_params + 2 * w]);
        p = put_memo(p, r->window_t[2 * w + 1], &memo[r->n_params + 2 * w + 1]);
    } else {
        p = put_num(p, r->window_t[2 * w]);
        p = put_num(p, r->window_t[2 * w + 1]);
    }
    for (size_t c = 0; c < r->n_sum_cols; ++c)
        p = put_num(p, r->summaries[(w * r->n_sum_cols + c) * R + i]);
    *p++ = '\n';
    return p;
}

/* counters.csv: run,status,steps,rejections,newton_iters */
static char *row_counters(const bo_results *r, size_t i, char *p, col_memo *memo)
{
    (void)memo;
    p += nf_u64(p, i);
    *p++ = ',';
    p += nf_i64(p, r->status[i]);
    *p++ = ',';
    p += nf_i64(p, r->steps[i]);
    *p++ = ',';
    p += nf_i64(p, r->rejections[i]);
    *p++ = ',';
    p += nf_i64(p, r->newton_iters[i]);
    *p++ = '\n';
    return p;
}

/* Rows are formatted in pieces of `per_piece` rows into a ring of `ring` buffers: piece s
 * goes to buffer s % ring once piece s - ring has been written. The thread that finishes the
 * piece next in file order writes it, and every finished piece after it, while the others
 * format on; so formatting runs on every thread and writing overlaps it. */
#define PIECE_BYTES ((size_t)2 << 20) /* bound on a piece's text (writes of ~1 MB) */
#define RING_BYTES ((size_t)64 << 20) /* bound on all buffers together */
#define RING_PER_THREAD 4             /* buffers per thread */

typedef struct {
    const bo_results *r;
    const csv_table *t;
    int fd;
    size_t per_piece, pieces, ring, cap;
    char *buf;      /* ring * cap bytes */
    size_t *len;    /* [ring]: length of the formatted piece in the buffer */
    size_t *ready;  /* [ring]: piece number + 1 of the formatted piece waiting in it, 0 none */
    col_memo *memo; /* [threads][t->memos] */
    pthread_mutex_t mu;
    pthread_cond_t freed;
    size_t next_claim, written;
    size_t offset; /* bytes of rows written (after the header) */
    int writing, err;
} csv_pipe;

static void pipe_worker(void *user, size_t begin, size_t end)
{
    csv_pipe *pp = user;
    col_memo *memo = pp->memo + begin * pp->t->memos; /* item `begin`: this worker's */
    (void)end;
    for (;;) {
        pthread_mutex_lock(&pp->mu);
        size_t s = pp->next_claim++;
        while (!pp->err && s < pp->pieces && s >= pp->written + pp->ring)
            pthread_cond_wait(&pp->freed, &pp->mu);
        int stop = pp->err || s >= pp->pieces;
        pthread_mutex_unlock(&pp->mu);
        if (stop)
            return;
        size_t slot = s % pp->ring, first = s * pp->per_piece;
        size_t last = first + pp->per_piece < pp->t->rows ? first + pp->per_piece : pp->t->rows;
        char *start = pp->buf + slot * pp->cap, *p = start;
        if (pp->t->memos)
            memset(memo, 0, pp->t->memos * sizeof *memo); /* texts of a reused buffer */
        for (size_t row = first; row < last; ++row)
            p = pp->t->row(pp->r, row, p, memo);
        pthread_mutex_lock(&pp->mu);
        pp->len[slot] = (size_t)(p - start);
        pp->ready[slot] = s + 1;
        if (!pp->writing) {
            /* Write pieces in order for as long as the next one is ready. */
            pp->writing = 1;
            for (;;) {
                size_t w = pp->written, ws = w % pp->ring;
                if (pp->err || pp->ready[ws] != w + 1)
                    break;
                pthread_mutex_unlock(&pp->mu);
                int err = write_all(pp->fd, pp->buf + ws * pp->cap, pp->len[ws]);
                if (!err)
                    start_writeback(pp->fd, pp->offset, pp->len[ws]);
                pthread_mutex_lock(&pp->mu);
                pp->offset += pp->len[ws];
                pp->ready[ws] = 0;
                if (err)
                    pp->err = err;
                else
                    pp->written = w + 1;
                pthread_cond_broadcast(&pp->freed);
            }
            pp->writing = 0;
        }
        pthread_mutex_unlock(&pp->mu);
    }
}

static int write_csv_file(const bo_results *r, wr_job *j, const csv_table *t, const sb_buf *head)
{
    int fd;
    int rc = job_open(j, t->name, &fd);
    if (rc != BO_OK)
        return rc;
    if (head->failed)
        return job_close(j, fd, bo_error(j->ctx, BO_ERR_NOMEM, "out of memory"));
    int err = write_all(fd, head->data, head->len);
    if (err)
        return job_close(j, fd, write_error(j, err));
    if (t->rows == 0)
        return job_close(j, fd, BO_OK);

    csv_pipe pp;
    memset(&pp, 0, sizeof pp);
    pp.r = r;
    pp.t = t;
    pp.fd = fd;
    pp.offset = head->len;
    size_t max_row = t->fields <= (SIZE_MAX - 1) / FIELD_MAX ? t->fields * FIELD_MAX + 1 : 0;
    if (max_row == 0)
        return job_close(j, fd, bo_error(j->ctx, BO_ERR_RANGE, "rows of %s too long", t->name));
    pp.per_piece = PIECE_BYTES / max_row ? PIECE_BYTES / max_row : 1;
    pp.pieces = t->rows / pp.per_piece + (t->rows % pp.per_piece != 0);
    pp.cap = pp.per_piece * max_row;
    /* Four buffers per thread, so threads format on while the piece next in file order is
     * late (its thread descheduled, on a busy machine); no more than the pieces, nor (beyond
     * two) than RING_BYTES hold. */
    size_t threads = j->threads < 1 ? 1 : (size_t)j->threads;
    pp.ring = RING_PER_THREAD * threads;
    if (pp.ring > RING_BYTES / pp.cap)
        pp.ring = RING_BYTES / pp.cap > 2 ? RING_BYTES / pp.cap : 2;
    if (pp.ring > pp.pieces)
        pp.ring = pp.pieces;
    if (threads > pp.ring)
        threads = pp.ring;
    pp.buf = bo_array_realloc(NULL, pp.ring, pp.cap);
    pp.len = bo_calloc(pp.ring, sizeof *pp.len);
    pp.ready = bo_calloc(pp.ring, sizeof *pp.ready);
    pp.memo = bo_array_realloc(NULL, threads * (t->memos ? t->memos : 1), sizeof *pp.memo);
    if (!pp.buf || !pp.len || !pp.ready || !pp.memo) {
        bo_free(pp.buf);
        bo_free(pp.len);
        bo_free(pp.ready);
        bo_free(pp.memo);
        return job_close(j, fd,
                         bo_error(j->ctx, BO_ERR_NOMEM, "out of memory writing %s", t->name));
    }
    pthread_mutex_init(&pp.mu, NULL);
    pthread_cond_init(&pp.freed, NULL);
    /* One item per thread: each runs pipe_worker until the pieces run out. */
    par_for(threads > 1 ? j->pool : NULL, threads, 1, (int)threads, pipe_worker, &pp);
    pthread_cond_destroy(&pp.freed);
    pthread_mutex_destroy(&pp.mu);
    bo_free(pp.buf);
    bo_free(pp.len);
    bo_free(pp.ready);
    bo_free(pp.memo);
    return job_close(j, fd, pp.err ? write_error(j, pp.err) : BO_OK);
}

/* ",t0,settling,duration": each as "span.NAME" when a state or parameter has its name, as a
 * run file names them (docs/batches.md), so no two columns share a name. */
static void span_names(sb_buf *h, const bo_results *r)
{
    static const char *const names[3] = {"t0", "settling", "duration"};
    for (size_t s = 0; s < 3; ++s) {
        int taken = 0;
        for (size_t i = 0; i < r->n_params; ++i)
            taken |= strcmp(r->param_names[i], names[s]) == 0;
        for (size_t i = 0; i < r->n_states; ++i)
            taken |= strcmp(r->state_names[i], names[s]) == 0;
        sb_printf(h, ",%s%s", taken ? "span." : "", names[s]);
    }
}

static int write_csv(const bo_results *r, wr_job *j)
{
    sb_buf h;
    sb_init(&h);
    sb_append(&h, "run,status,t");
    if (r->spans)
        span_names(&h, r);
    csv_names(&h, r->param_names, r->n_params, "");
    csv_names(&h, r->state_names, r->n_states, "_0");
    csv_names(&h, r->state_names, r->n_states, "");
    csv_names(&h, r->event_names, r->n_events, ".count");
    sb_putc(&h, '\n');
    csv_table t = {"final.csv", row_final, r->runs, 6 + r->n_params + 2 * r->n_states + r->n_events,
                   r->n_params + 1 + r->n_states + 3};
    int rc = write_csv_file(r, j, &t, &h);
    if (rc == BO_OK && r->n_records > 0) {
        sb_free(&h);
        sb_append(&h, "run");
        csv_names(&h, r->param_names, r->n_params, "");
        sb_append(&h, ",record,t,event");
        csv_names(&h, r->state_names, r->n_states, "");
        sb_putc(&h, '\n');
        size_t name_fields = 1; /* the longest event name, in fields' worth of room */
        for (size_t e = 0; e < r->n_events; ++e)
            if (strlen(r->event_names[e]) / FIELD_MAX + 1 > name_fields)
                name_fields = strlen(r->event_names[e]) / FIELD_MAX + 1;
        t = (csv_table){"events.csv", row_events, 0, 3 + r->n_params + name_fields + r->n_states,
                        r->n_params};
        if (r->runs > SIZE_MAX / r->n_records)
            rc = bo_error(j->ctx, BO_ERR_RANGE, "too many rows for events.csv");
        else
            t.rows = r->runs * r->n_records;
        if (rc == BO_OK)
            rc = write_csv_file(r, j, &t, &h);
    }
    if (rc == BO_OK && r->write_counters) {
        sb_free(&h);
        sb_append(&h, "run,status,steps,rejections,newton_iters\n");
        t = (csv_table){"counters.csv", row_counters, r->runs, 5, 0};
        rc = write_csv_file(r, j, &t, &h);
    }
    if (rc == BO_OK && r->n_windows > 0) {
        sb_free(&h);
        sb_append(&h, "run");
        csv_names(&h, r->param_names, r->n_params, "");
        sb_append(&h, ",window,t_start,t_end");
        csv_names(&h, r->sum_names, r->n_sum_cols, "");
        sb_putc(&h, '\n');
        size_t w = r->n_windows < MEMO_INDEXED ? r->n_windows : MEMO_INDEXED;
        t = (csv_table){"summaries.csv", row_summaries, 0, 4 + r->n_params + r->n_sum_cols,
                        r->n_params + 2 * w};
        if (r->runs > SIZE_MAX / r->n_windows)
            rc = bo_error(j->ctx, BO_ERR_RANGE, "too many rows for summaries.csv");
        else
            t.rows = r->runs * r->n_windows;
        if (rc == BO_OK)
            rc = write_csv_file(r, j, &t, &h);
    }
    if (rc == BO_OK && r->n_saves > 0) {
        sb_free(&h);
        sb_append(&h, "run");
        csv_names(&h, r->param_names, r->n_params, "");
        sb_append(&h, ",t");
        csv_names(&h, r->var_names, r->n_vars, "");
        sb_putc(&h, '\n');
        size_t k = r->n_saves < MEMO_INDEXED ? r->n_saves : MEMO_INDEXED;
        t = (csv_table){"series.csv", row_series, 0, 2 + r->n_params + r->n_vars, r->n_params + k};
        if (r->runs > SIZE_MAX / r->n_saves)
            rc = bo_error(j->ctx, BO_ERR_RANGE, "too many rows for series.csv");
        else
            t.rows = r->runs * r->n_saves;
        if (rc == BO_OK)
            rc = write_csv_file(r, j, &t, &h);
    }
    sb_free(&h);
    return rc;
}

/* ---- NPY ------------------------------------------------------------------------------- */

static int host_is_little_endian(void)
{
    const uint16_t one = 1;
    unsigned char c;
    memcpy(&c, &one, 1);
    return c == 1;
}

/* Write count elements of size bytes as little-endian; 0 or an errno value. */
static int write_le(int fd, const void *data, size_t count, size_t size)
{
    if (host_is_little_endian())
        return write_all(fd, data, count * size);
    const unsigned char *p = data;
    unsigned char buf[65536];
    size_t per = sizeof buf / size;
    while (count) {
        size_t n = count < per ? count : per;
        for (size_t e = 0; e < n; ++e)
            for (size_t b = 0; b < size; ++b)
                buf[e * size + b] = p[e * size + size - 1 - b];
        int err = write_all(fd, buf, n * size);
        if (err)
            return err;
        p += n * size;
        count -= n;
    }
    return 0;
}

/* NPY format 1.0 (numpy.lib.format): magic "\x93NUMPY", version 1 0, a little-endian uint16
 * header length, then a Python dict literal padded with spaces and ended by '\n' so that the
 * data starts at a multiple of 64 bytes. */
static int write_npy(wr_job *j, const char *name, const char *descr, const size_t *shape,
                     size_t ndim, const void *data, size_t size)
{
    sb_buf h;
    sb_init(&h);
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0, 0};
    sb_append_n(&h, (const char *)pre, sizeof pre);
    sb_printf(&h, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
    size_t count = 1;
    for (size_t d = 0; d < ndim; ++d) {
        sb_printf(&h, "%s%zu", d ? ", " : "", shape[d]);
        count *= shape[d];
    }
    sb_append(&h, ndim == 1 ? ",), }" : "), }");
    while ((h.len + 1) % 64 != 0)
        sb_putc(&h, ' ');
    sb_putc(&h, '\n');
    if (h.failed || h.len - sizeof pre > 65535) {
        sb_free(&h);
        return bo_error(j->ctx, BO_ERR_NOMEM, "out of memory");
    }
    h.data[8] = (char)((h.len - sizeof pre) & 0xff);
    h.data[9] = (char)((h.len - sizeof pre) >> 8);
    int fd;
    int rc = job_open(j, name, &fd);
    if (rc != BO_OK) {
        sb_free(&h);
        return rc;
    }
    int err = write_all(fd, h.data, h.len);
    sb_free(&h);
    if (!err)
        err = write_le(fd, data, count, size);
    return job_close(j, fd, err ? write_error(j, err) : BO_OK);
}

static void json_string(sb_buf *b, const char *s)
{
    sb_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; ++p) {
        if (*p == '"' || *p == '\\')
            sb_printf(b, "\\%c", *p);
        else if (*p < 0x20)
            sb_printf(b, "\\u%04x", *p);
        else
            sb_putc(b, (char)*p);
    }
    sb_putc(b, '"');
}

static void json_names(sb_buf *b, const char *key, char *const *names, size_t n)
{
    sb_printf(b, "  \"%s\": [", key);
    for (size_t i = 0; i < n; ++i) {
        sb_append(b, i ? ", " : "");
        json_string(b, names[i]);
    }
    sb_append(b, "],\n");
}

typedef struct {
    const char *file, *dtype, *axes, *text;
    size_t ndim, shape[3];
} npy_entry;

static char *legend_json(const bo_results *r, const npy_entry *e, size_t n)
{
    sb_buf b;
    sb_init(&b);
    sb_append(&b, "{\n  \"format\": \"batchode-npy-1\",\n  \"model\": ");
    json_string(&b, r->model_name);
    sb_printf(&b, ",\n  \"runs\": %zu,\n  \"saves\": %zu,\n", r->runs, r->n_saves);
    /* "run": save and window times are offsets from each run's start (spans.npy). */
    sb_printf(&b, "  \"time_origin\": \"%s\",\n", r->spans ? "run" : "absolute");
    json_names(&b, "states", r->state_names, r->n_states);
    json_names(&b, "parameters", r->param_names, r->n_params);
    json_names(&b, "variables", r->var_names, r->n_vars);
    if (r->n_events > 0) {
        json_names(&b, "events", r->event_names, r->n_events);
        sb_printf(&b, "  \"event_records\": %zu,\n", r->n_records);
    }
    if (r->n_windows > 0) {
        sb_append(&b, "  \"summaries\": {\n    \"windows\": [");
        for (size_t w = 0; w < r->n_windows; ++w) {
            sb_append(&b, w ? ", [" : "[");
            sb_double(&b, r->window_t[2 * w]);
            sb_append(&b, ", ");
            sb_double(&b, r->window_t[2 * w + 1]);
            sb_append(&b, "]");
        }
        sb_append(&b, "],\n    \"columns\": [\n");
        for (size_t c = 0; c < r->n_sum_cols; ++c) {
            sb_append(&b, "      {\"name\": ");
            json_string(&b, r->sum_names[c]);
            sb_append(&b, ", \"variable\": ");
            json_string(&b, r->sum_vars[c]);
            sb_append(&b, ", \"metric\": ");
            json_string(&b, r->sum_metrics[c]);
            sb_append(&b, ", \"output\": ");
            json_string(&b, r->sum_outputs[c]);
            sb_append(&b, ", \"unit\": ");
            if (r->sum_units[c])
                json_string(&b, r->sum_units[c]);
            else
                sb_append(&b, "null");
            sb_append(&b, c + 1 < r->n_sum_cols ? "},\n" : "}\n");
        }
        sb_append(&b, "    ]\n  },\n");
    }
    sb_append(&b, "  \"status_flags\": {");
    int first = 1;
    for (unsigned bit = 0; bit < 32; ++bit) {
        char name[64];
        if (!rs_flag_name(bit, name, sizeof name))
            continue;
        sb_printf(&b, "%s\"%s\": %lu", first ? "" : ", ", name, 1ul << bit);
        first = 0;
    }
    sb_append(&b, "},\n  \"files\": {\n");
    for (size_t i = 0; i < n; ++i) {
        sb_printf(&b, "    \"%s\": {\"dtype\": \"%s\", \"shape\": [", e[i].file, e[i].dtype);
        for (size_t d = 0; d < e[i].ndim; ++d)
            sb_printf(&b, "%s%zu", d ? ", " : "", e[i].shape[d]);
        sb_printf(&b, "], \"axes\": [%s], \"description\": \"%s\"}%s\n", e[i].axes, e[i].text,
                  i + 1 < n ? "," : "");
    }
    sb_append(&b, "  }\n}\n");
    return sb_take(&b);
}

static int write_npy_all(const bo_results *r, wr_job *j)
{
    size_t R = r->runs;
    const void *data[] = {r->final,      r->final_t,      r->status,    r->steps,
                          r->rejections, r->newton_iters, r->init,      r->params,
                          r->save_t,     r->series,       r->summaries, r->event_counts,
                          r->ev_time,    r->ev_index,     r->ev_state,  r->spans};
    const size_t sizes[] = {8, 8, 4, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 4, 8, 8};
    /* Which entries exist: always (0), only with saves (1), only with summary windows (2),
     * only with events (3), only with event records (4), only with per-run spans (5). */
    const int only_with[] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4, 4, 4, 5};
    npy_entry e[] = {
        {"final.npy",
         "<f8",
         "\"state\", \"run\"",
         "final state values (NaN for failed runs)",
         2,
         {r->n_states, R, 0}},
        {"final_t.npy", "<f8", "\"run\"", "time reached by each run", 1, {R, 0, 0}},
        {"status.npy",
         "<i4",
         "\"run\"",
         "status bit flags, 0 = success (see status_flags)",
         1,
         {R, 0, 0}},
        {"steps.npy", "<i8", "\"run\"", "steps attempted", 1, {R, 0, 0}},
        {"rejections.npy", "<i8", "\"run\"", "steps rejected", 1, {R, 0, 0}},
        {"newton_iters.npy", "<i8", "\"run\"", "Newton iterations", 1, {R, 0, 0}},
        {"init.npy", "<f8", "\"state\", \"run\"", "initial values used", 2, {r->n_states, R, 0}},
        {"params.npy",
         "<f8",
         "\"parameter\", \"run\"",
         "parameter values used",
         2,
         {r->n_params, R, 0}},
        {"save_t.npy",
         "<f8",
         "\"save\"",
         r->spans ? "save times, as offsets from each run's start (t0 + settling in spans.npy)"
                  : "save times",
         1,
         {r->n_saves, 0, 0}},
        {"series.npy",
         "<f8",
         "\"save\", \"variable\", \"run\"",
         "saved values (NaN for failed runs)",
         3,
         {r->n_saves, r->n_vars, R}},
        {"summaries.npy",
         "<f8",
         "\"window\", \"summary\", \"run\"",
         "summary values (NaN for failed runs; columns in summaries.columns)",
         3,
         {r->n_windows, r->n_sum_cols, R}},
        {"event_counts.npy",
         "<i8",
         "\"event\", \"run\"",
         "occurrences of each event after settling (events: their names)",
         2,
         {r->n_events, R, 0}},
        {"events.npy",
         "<f8",
         "\"record\", \"run\"",
         "time of each run's first events after settling (NaN: no such event)",
         2,
         {r->n_records, R, 0}},
        {"event_index.npy",
         "<i4",
         "\"record\", \"run\"",
         "the event of each record, an index into events (-1: no such event)",
         2,
         {r->n_records, R, 0}},
        {"event_state.npy",
         "<f8",
         "\"record\", \"state\", \"run\"",
         "the state at each recorded event, before its assignments",
         3,
         {r->n_records, r->n_states, R}},
        {"spans.npy",
         "<f8",
         "\"span\", \"run\"",
         "each run's t0, settling, duration (rows in that order)",
         2,
         {3, R, 0}},
    };
    /* The series entries when there are saves, the summaries entry when there are windows. */
    size_t n = 0;
    for (size_t i = 0; i < sizeof e / sizeof e[0]; ++i) {
        if ((only_with[i] == 1 && !r->n_saves) || (only_with[i] == 2 && !r->n_windows) ||
            (only_with[i] == 3 && !r->n_events) || (only_with[i] == 4 && !r->n_records) ||
            (only_with[i] == 5 && !r->spans))
            continue;
        int rc = write_npy(j, e[i].file, e[i].dtype, e[i].shape, e[i].ndim, data[i], sizes[i]);
        if (rc != BO_OK)
            return rc;
        e[n++] = e[i];
    }
    char *legend = legend_json(r, e, n);
    if (!legend)
        return bo_error(j->ctx, BO_ERR_NOMEM, "out of memory");
    int fd;
    int rc = job_open(j, "legend.json", &fd);
    if (rc == BO_OK) {
        int err = write_all(fd, legend, strlen(legend));
        rc = job_close(j, fd, err ? write_error(j, err) : BO_OK);
    }
    bo_free(legend);
    return rc;
}

int bo_results_write(const bo_results *r, const char *dir, const char *format)
{
    if (!r)
        return BO_ERR_INVALID_ARG;
    if (!dir || !*dir)
        return bo_error(r->ctx, BO_ERR_INVALID_ARG, "results: no output directory given");
    if (!format || (strcmp(format, "csv") != 0 && strcmp(format, "npy") != 0))
        return bo_error(r->ctx, BO_ERR_INVALID_ARG,
                        "unknown output format '%s' (known formats: csv, npy)",
                        format ? format : "(null)");
    int rc = make_dirs(r->ctx, dir);
    if (rc != BO_OK)
        return rc;
    wr_job j;
    memset(&j, 0, sizeof j);
    j.ctx = r->ctx;
    j.dir = dir;
    host_tag(j.host, sizeof j.host);
    remove_stale_temps(&j);
    int csv = strcmp(format, "csv") == 0;
    j.threads = r->threads > 0 ? r->threads : par_cores();
    if (csv && j.threads > 1)
        j.pool = par_pool_create(j.threads); /* NULL: threads made per file */
    rc = csv ? write_csv(r, &j) : write_npy_all(r, &j);
    par_pool_destroy(j.pool);
    if (rc != BO_OK) {
        job_abandon(&j);
        return rc;
    }
    return job_commit(&j);
}
