/* Writers for results: CSV (final.csv, series.csv, summaries.csv) and NumPy .npy files with a
 * legend.json (docs/outputs.md lists every file and column). Each file is written to a temporary
 * name in the target directory and only renamed into place once every file of the call has been
 * written, so a failed call leaves no partial file and replaces nothing. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "util/internal.h"
#include "results_internal.h"
#include "util/strbuf.h"

#define WR_MAX_FILES 16

typedef struct {
    char *path; /* final name */
    char *tmp;  /* temporary name in the same directory (so rename is atomic) */
} wr_file;

typedef struct {
    bo_context *ctx;
    const char *dir;
    wr_file file[WR_MAX_FILES];
    size_t n;
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

static void job_abandon(wr_job *j)
{
    for (size_t i = 0; i < j->n; ++i) {
        if (j->file[i].tmp)
            unlink(j->file[i].tmp);
        bo_free(j->file[i].tmp);
        bo_free(j->file[i].path);
    }
    j->n = 0;
}

/* Open a temporary file that will become dir/name. The temporary is created with O_EXCL so
 * that concurrent writers into one directory never share it, and with mode 0666 so the
 * renamed file gets the user's usual permissions (mkstemp would make it 0600). */
static int job_open(wr_job *j, const char *name, FILE **out)
{
    *out = NULL;
    if (j->n == WR_MAX_FILES)
        return bo_error(j->ctx, BO_ERR_INTERNAL, "too many output files");
    wr_file *f = &j->file[j->n];
    f->path = bo_asprintf("%s/%s", j->dir, name);
    f->tmp = NULL;
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
        f->tmp = bo_asprintf("%s/.%s.tmp-%ld-%u", j->dir, name, (long)getpid(), attempt);
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
    ++j->n; /* from here on job_abandon removes it */
    *out = fdopen(fd, "wb");
    if (!*out) {
        close(fd);
        return bo_error(j->ctx, BO_ERR_IO, "cannot write %s: %s", f->path, strerror(errno));
    }
    return BO_OK;
}

/* Close the file opened last, turning any write error into BO_ERR_IO. */
static int job_close(wr_job *j, FILE *f, int rc)
{
    int bad = ferror(f);
    int err = errno;
    if (fclose(f) != 0 && !bad) {
        bad = 1;
        err = errno;
    }
    if (rc == BO_OK && bad)
        rc = bo_error(j->ctx, BO_ERR_IO, "cannot write %s: %s", j->file[j->n - 1].path,
                      strerror(err));
    return rc;
}

/* Rename every temporary into place. A rename failure (rare: the directory changed under
 * us) leaves the files renamed so far, which are complete, and removes the rest. */
static int job_commit(wr_job *j)
{
    int rc = BO_OK;
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
    return rc;
}

/* ---- CSV ------------------------------------------------------------------------------- */

static void csv_num(FILE *f, double v)
{
    if (isnan(v))
        fputs("nan", f);
    else if (isinf(v))
        fputs(v > 0 ? "inf" : "-inf", f);
    else {
        /* %.17g always reads back exactly but prints 2.385 as 2.3849999999999998; the first
         * of 15, 16, 17 digits that reads back is as exact and stays readable. */
        char tmp[32];
        for (int prec = 15; prec <= 17; ++prec) {
            snprintf(tmp, sizeof tmp, "%.*g", prec, v);
            if (prec == 17 || strtod(tmp, NULL) == v)
                break;
        }
        fputs(tmp, f);
    }
}

/* Names are model identifiers, but quote anything a CSV reader would split. */
static void csv_name(FILE *f, const char *name, const char *suffix)
{
    if (strpbrk(name, ",\"\n\r")) {
        fputc('"', f);
        for (const char *p = name; *p; ++p) {
            if (*p == '"')
                fputc('"', f);
            fputc(*p, f);
        }
        fprintf(f, "%s\"", suffix);
    } else {
        fprintf(f, "%s%s", name, suffix);
    }
}

static void write_final_csv(const bo_results *r, FILE *f)
{
    size_t runs = r->runs;
    fputs("run,status,t", f);
    for (size_t p = 0; p < r->n_params; ++p) {
        fputc(',', f);
        csv_name(f, r->param_names[p], "");
    }
    for (size_t s = 0; s < r->n_states; ++s) {
        fputc(',', f);
        csv_name(f, r->state_names[s], "_0");
    }
    for (size_t s = 0; s < r->n_states; ++s) {
        fputc(',', f);
        csv_name(f, r->state_names[s], "");
    }
    fputc('\n', f);
    for (size_t i = 0; i < runs && !ferror(f); ++i) {
        fprintf(f, "%zu,%ld,", i, (long)r->status[i]);
        csv_num(f, r->final_t[i]);
        for (size_t p = 0; p < r->n_params; ++p) {
            fputc(',', f);
            csv_num(f, r->params[p * runs + i]);
        }
        for (size_t s = 0; s < r->n_states; ++s) {
            fputc(',', f);
            csv_num(f, r->init[s * runs + i]);
        }
        for (size_t s = 0; s < r->n_states; ++s) {
            fputc(',', f);
            csv_num(f, r->final[s * runs + i]);
        }
        fputc('\n', f);
    }
}

static void write_series_csv(const bo_results *r, FILE *f)
{
    size_t runs = r->runs;
    fputs("run", f);
    for (size_t p = 0; p < r->n_params; ++p) {
        fputc(',', f);
        csv_name(f, r->param_names[p], "");
    }
    fputs(",t", f);
    for (size_t v = 0; v < r->n_vars; ++v) {
        fputc(',', f);
        csv_name(f, r->var_names[v], "");
    }
    fputc('\n', f);
    for (size_t i = 0; i < runs && !ferror(f); ++i) {
        for (size_t k = 0; k < r->n_saves; ++k) {
            fprintf(f, "%zu", i);
            for (size_t p = 0; p < r->n_params; ++p) {
                fputc(',', f);
                csv_num(f, r->params[p * runs + i]);
            }
            fputc(',', f);
            csv_num(f, r->save_t[k]);
            for (size_t v = 0; v < r->n_vars; ++v) {
                fputc(',', f);
                csv_num(f, r->series[(k * r->n_vars + v) * runs + i]);
            }
            fputc('\n', f);
        }
    }
}

static void write_counters_csv(const bo_results *r, FILE *f)
{
    fputs("run,status,steps,rejections,newton_iters\n", f);
    for (size_t i = 0; i < r->runs && !ferror(f); ++i)
        fprintf(f, "%zu,%ld,%lld,%lld,%lld\n", i, (long)r->status[i], (long long)r->steps[i],
                (long long)r->rejections[i], (long long)r->newton_iters[i]);
}

/* One row per (run, window), runs in order and windows in time order within a run. */
static void write_summaries_csv(const bo_results *r, FILE *f)
{
    size_t runs = r->runs;
    fputs("run", f);
    for (size_t p = 0; p < r->n_params; ++p) {
        fputc(',', f);
        csv_name(f, r->param_names[p], "");
    }
    fputs(",window,t_start,t_end", f);
    for (size_t c = 0; c < r->n_sum_cols; ++c) {
        fputc(',', f);
        csv_name(f, r->sum_names[c], "");
    }
    fputc('\n', f);
    for (size_t i = 0; i < runs && !ferror(f); ++i) {
        for (size_t w = 0; w < r->n_windows; ++w) {
            fprintf(f, "%zu", i);
            for (size_t p = 0; p < r->n_params; ++p) {
                fputc(',', f);
                csv_num(f, r->params[p * runs + i]);
            }
            fprintf(f, ",%zu,", w);
            csv_num(f, r->window_t[2 * w]);
            fputc(',', f);
            csv_num(f, r->window_t[2 * w + 1]);
            for (size_t c = 0; c < r->n_sum_cols; ++c) {
                fputc(',', f);
                csv_num(f, r->summaries[(w * r->n_sum_cols + c) * runs + i]);
            }
            fputc('\n', f);
        }
    }
}

static int write_csv(const bo_results *r, wr_job *j)
{
    FILE *f;
    int rc = job_open(j, "final.csv", &f);
    if (rc != BO_OK)
        return rc;
    write_final_csv(r, f);
    if ((rc = job_close(j, f, BO_OK)) != BO_OK)
        return rc;
    if (r->write_counters) {
        if ((rc = job_open(j, "counters.csv", &f)) != BO_OK)
            return rc;
        write_counters_csv(r, f);
        if ((rc = job_close(j, f, BO_OK)) != BO_OK)
            return rc;
    }
    if (r->n_windows > 0) {
        if ((rc = job_open(j, "summaries.csv", &f)) != BO_OK)
            return rc;
        write_summaries_csv(r, f);
        if ((rc = job_close(j, f, BO_OK)) != BO_OK)
            return rc;
    }
    if (r->n_saves == 0)
        return rc;
    if ((rc = job_open(j, "series.csv", &f)) != BO_OK)
        return rc;
    write_series_csv(r, f);
    return job_close(j, f, BO_OK);
}

/* ---- NPY ------------------------------------------------------------------------------- */

static int host_is_little_endian(void)
{
    const uint16_t one = 1;
    unsigned char c;
    memcpy(&c, &one, 1);
    return c == 1;
}

/* Write count elements of size bytes as little-endian. */
static void write_le(FILE *f, const void *data, size_t count, size_t size)
{
    if (host_is_little_endian()) {
        fwrite(data, size, count, f);
        return;
    }
    const unsigned char *p = data;
    unsigned char buf[4096];
    size_t per = sizeof buf / size;
    while (count) {
        size_t n = count < per ? count : per;
        for (size_t e = 0; e < n; ++e)
            for (size_t b = 0; b < size; ++b)
                buf[e * size + b] = p[e * size + size - 1 - b];
        fwrite(buf, size, n, f);
        p += n * size;
        count -= n;
    }
}

/* NPY format 1.0 (numpy.lib.format): magic "\x93NUMPY", version 1 0, a little-endian uint16
 * header length, then a Python dict literal padded with spaces and ended by '\n' so that the
 * data starts at a multiple of 64 bytes. */
static int write_npy(wr_job *j, const char *name, const char *descr, const size_t *shape,
                     size_t ndim, const void *data, size_t size)
{
    sb_buf h;
    sb_init(&h);
    sb_printf(&h, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
    size_t count = 1;
    for (size_t d = 0; d < ndim; ++d) {
        sb_printf(&h, "%s%zu", d ? ", " : "", shape[d]);
        count *= shape[d];
    }
    sb_append(&h, ndim == 1 ? ",), }" : "), }");
    while ((10 + h.len + 1) % 64 != 0)
        sb_putc(&h, ' ');
    sb_putc(&h, '\n');
    if (h.failed || h.len > 65535) {
        sb_free(&h);
        return bo_error(j->ctx, BO_ERR_NOMEM, "out of memory");
    }
    FILE *f;
    int rc = job_open(j, name, &f);
    if (rc != BO_OK) {
        sb_free(&h);
        return rc;
    }
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0, 0};
    pre[8] = (unsigned char)(h.len & 0xff);
    pre[9] = (unsigned char)(h.len >> 8);
    fwrite(pre, 1, sizeof pre, f);
    fwrite(h.data, 1, h.len, f);
    sb_free(&h);
    write_le(f, data, count, size);
    return job_close(j, f, BO_OK);
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
    json_names(&b, "states", r->state_names, r->n_states);
    json_names(&b, "parameters", r->param_names, r->n_params);
    json_names(&b, "variables", r->var_names, r->n_vars);
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
    const void *data[] = {r->final,      r->final_t,      r->status,   r->steps,
                          r->rejections, r->newton_iters, r->init,     r->params,
                          r->save_t,     r->series,       r->summaries};
    const size_t sizes[] = {8, 8, 4, 8, 8, 8, 8, 8, 8, 8, 8};
    /* Which entries exist: always (0), only with saves (1), only with summary windows (2). */
    const int only_with[] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2};
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
        {"save_t.npy", "<f8", "\"save\"", "save times", 1, {r->n_saves, 0, 0}},
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
    };
    /* The series entries when there are saves, the summaries entry when there are windows. */
    size_t n = 0;
    for (size_t i = 0; i < sizeof e / sizeof e[0]; ++i) {
        if ((only_with[i] == 1 && !r->n_saves) || (only_with[i] == 2 && !r->n_windows))
            continue;
        int rc = write_npy(j, e[i].file, e[i].dtype, e[i].shape, e[i].ndim, data[i], sizes[i]);
        if (rc != BO_OK)
            return rc;
        e[n++] = e[i];
    }
    char *legend = legend_json(r, e, n);
    if (!legend)
        return bo_error(j->ctx, BO_ERR_NOMEM, "out of memory");
    FILE *f;
    int rc = job_open(j, "legend.json", &f);
    if (rc == BO_OK) {
        fputs(legend, f);
        rc = job_close(j, f, BO_OK);
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
    rc = strcmp(format, "csv") == 0 ? write_csv(r, &j) : write_npy_all(r, &j);
    if (rc != BO_OK) {
        job_abandon(&j);
        return rc;
    }
    return job_commit(&j);
}
