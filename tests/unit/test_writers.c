/* Writers: results written as CSV and NPY into a fresh nested directory, then read back
 * independently (CSV with the CSV reader, NPY by parsing the format in this file and, when
 * available, with numpy.load), plus the error paths (unknown format, unusable directory, a
 * directory in the way) leaving no partial or temporary files; a directory holding only the
 * files of the last write (none left from an earlier one); the temporaries of dead writers
 * removed and those of live ones kept; and a large CSV, formatted in parallel pieces, reading
 * back bit for bit and identical whatever the thread count. */
#include <ctype.h>
#include <dirent.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/csv.h"
#include "util/number.h"
#include "harness.h"
#include "util/internal.h"
#include "model/model_internal.h"
#include "solve/results_internal.h"
#include "status.h"

#define RUNS 3

/* A hand-built model "osc": states x, y and parameters k, alpha. */
static bo_model *make_model(void)
{
    static const char *st[] = {"x", "y"}, *pa[] = {"k", "alpha"};
    bo_model *m = calloc(1, sizeof *m);
    m->name = bo_strdup("osc");
    m->count[BO_STATE] = 2;
    m->count[BO_PARAMETER] = 2;
    m->sym[BO_STATE] = calloc(2, sizeof(md_symbol));
    m->sym[BO_PARAMETER] = calloc(2, sizeof(md_symbol));
    for (int i = 0; i < 2; ++i) {
        m->sym[BO_STATE][i].name = bo_strdup(st[i]);
        m->sym[BO_PARAMETER][i].name = bo_strdup(pa[i]);
    }
    return m;
}

static void free_model(bo_model *m)
{
    for (int k = 0; k < BO_SYMBOL_KIND_COUNT; ++k) {
        for (size_t i = 0; i < m->count[k]; ++i)
            free(m->sym[k][i].name);
        free(m->sym[k]);
    }
    free(m->name);
    free(m);
}

/* Values chosen by hand; run 1 fails. Indexing as documented: [var][run], [save][var][run]. */
static const double K[RUNS] = {2.385, 0.1, -7.0}, ALPHA[RUNS] = {1e-300, 3.0, 4.5};
static const double X0[RUNS] = {1.0, 2.0, 1.0 / 3.0}, Y0[RUNS] = {0.0, -0.5, 6.02214076e23};
static const double XF[RUNS] = {-0.125, 99.0, 2.0 / 3.0}, YF[RUNS] = {7.25, 98.0, -1e-5};
static const double TF[RUNS] = {10.0, 4.75, 10.0}, SAVE_T[2] = {0.0, 10.0};
static const int32_t STATUS[RUNS] = {0, BO_RUN_STEP_TOO_SMALL | BO_RUN_NONFINITE, 0};
static const int64_t STEPS[RUNS] = {12, 345678901234, 56}, REJ[RUNS] = {1, 0, 3};

static double series_value(size_t k, size_t v, size_t i)
{
    return STATUS[i] ? NAN : 1.5 + (double)(100 * k + 10 * v + i);
}

static bo_results *make_results(bo_context *ctx, const bo_model *m, size_t n_saves)
{
    const char *vars[] = {"x", "obs"};
    bo_results *r = NULL;
    if (rs_create(ctx, m, RUNS, n_saves, 2, vars, NULL, &r) != BO_OK)
        return NULL;
    for (size_t i = 0; i < RUNS; ++i) {
        r->params[0 * RUNS + i] = K[i];
        r->params[1 * RUNS + i] = ALPHA[i];
        r->init[0 * RUNS + i] = X0[i];
        r->init[1 * RUNS + i] = Y0[i];
        /* A failed run's values are NaN, as the solver leaves them by default. */
        r->final[0 * RUNS + i] = STATUS[i] ? NAN : XF[i];
        r->final[1 * RUNS + i] = STATUS[i] ? NAN : YF[i];
        r->final_t[i] = TF[i];
        r->status[i] = STATUS[i];
        r->steps[i] = STEPS[i];
        r->rejections[i] = REJ[i];
    }
    for (size_t k = 0; k < n_saves; ++k) {
        r->save_t[k] = SAVE_T[k];
        for (size_t v = 0; v < 2; ++v)
            for (size_t i = 0; i < RUNS; ++i)
                r->series[(k * 2 + v) * RUNS + i] = series_value(k, v, i);
    }
    return r;
}

static int file_exists(const char *dir, const char *name)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return access(p, F_OK) == 0;
}

/* Number of entries in dir whose names start with '.', other than . and .. */
static int hidden_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (e->d_name[0] == '.' && strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            ++n;
    if (d)
        closedir(d);
    return n;
}

static char *join_header(const csv_row *row)
{
    static char buf[512];
    buf[0] = '\0';
    for (size_t i = 0; i < row->n; ++i) {
        strcat(buf, i ? "," : "");
        strcat(buf, row->field[i]);
    }
    return buf;
}

/* Field equals want exactly (NaN matches the text "nan"). */
static int field_is(const char *field, double want)
{
    if (isnan(want))
        return strcmp(field, "nan") == 0;
    double got;
    return num_parse_str(field, &got) == NUM_OK && got == want;
}

static void check_csv(bo_context *ctx, const char *dir)
{
    char p[512];
    csv_table *t = NULL;
    snprintf(p, sizeof p, "%s/final.csv", dir);
    T_EQ_INT(csv_read_file(ctx, p, &t), BO_OK);
    if (!t)
        return;
    T_EQ_INT(t->n_rows, 1 + RUNS);
    T_EQ_STR(join_header(&t->row[0]), "run,status,t,k,alpha,x_0,y_0,x,y");
    for (size_t i = 0; i < RUNS && i + 1 < t->n_rows; ++i) {
        char **f = t->row[i + 1].field;
        int fail = STATUS[i] != 0;
        T_EQ_INT(t->row[i + 1].n, 9);
        T_CHECK(field_is(f[0], (double)i) && field_is(f[1], (double)STATUS[i]));
        T_CHECK(field_is(f[2], TF[i]) && field_is(f[3], K[i]) && field_is(f[4], ALPHA[i]));
        T_CHECK(field_is(f[5], X0[i]) && field_is(f[6], Y0[i]));
        T_CHECK(field_is(f[7], fail ? NAN : XF[i]) && field_is(f[8], fail ? NAN : YF[i]));
    }
    T_EQ_STR(t->row[2].field[1], "520");
    T_EQ_STR(t->row[2].field[7], "nan");
    csv_destroy(t);

    snprintf(p, sizeof p, "%s/series.csv", dir);
    T_EQ_INT(csv_read_file(ctx, p, &t), BO_OK);
    if (!t)
        return;
    T_EQ_INT(t->n_rows, 1 + RUNS * 2);
    T_EQ_STR(join_header(&t->row[0]), "run,k,alpha,t,x,obs");
    for (size_t i = 0; i < RUNS; ++i)
        for (size_t k = 0; k < 2; ++k) {
            size_t row = 1 + i * 2 + k;
            if (row >= t->n_rows)
                break;
            char **f = t->row[row].field;
            T_CHECK(field_is(f[0], (double)i) && field_is(f[1], K[i]) && field_is(f[2], ALPHA[i]) &&
                    field_is(f[3], SAVE_T[k]));
            T_CHECK(field_is(f[4], series_value(k, 0, i)) && field_is(f[5], series_value(k, 1, i)));
        }
    csv_destroy(t);
}

static uint64_t le_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int b = 7; b >= 0; --b)
        v = (v << 8) | p[b];
    return v;
}

/* Parse an .npy v1.0 file; check the prefix, alignment and the dict text; return its data. */
static unsigned char *read_npy(const char *dir, const char *name, const char *want_dict,
                               size_t want_bytes)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "rb");
    T_CHECKF(f != NULL, "%s", p);
    if (!f)
        return NULL;
    unsigned char *buf = malloc(1 << 16);
    size_t n = fread(buf, 1, 1 << 16, f);
    fclose(f);
    T_CHECK(n >= 10 && memcmp(buf, "\x93NUMPY", 6) == 0);
    T_CHECK(buf[6] == 1 && buf[7] == 0);
    size_t hlen = (size_t)buf[8] | ((size_t)buf[9] << 8);
    T_CHECKF((10 + hlen) % 64 == 0, "%s: header length %zu", name, hlen);
    T_CHECKF(n == 10 + hlen + want_bytes, "%s: %zu bytes, want %zu", name, n,
             10 + hlen + want_bytes);
    if (n < 10 + hlen || hlen == 0) {
        free(buf);
        return NULL;
    }
    T_CHECK(buf[10 + hlen - 1] == '\n');
    char dict[256];
    size_t dl = hlen - 1;
    while (dl && buf[10 + dl - 1] == ' ')
        --dl;
    snprintf(dict, sizeof dict, "%.*s", (int)dl, (const char *)buf + 10);
    T_EQ_STR(dict, want_dict);
    memmove(buf, buf + 10 + hlen, n - 10 - hlen);
    return buf;
}

static double le_f64(const unsigned char *p)
{
    uint64_t u = le_u64(p);
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

static int same(double a, double b)
{
    return (isnan(a) && isnan(b)) || a == b;
}

static void check_npy(const char *dir)
{
    unsigned char *d;
    d = read_npy(dir, "final.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }",
                 2 * RUNS * 8);
    if (d) {
        for (size_t i = 0; i < RUNS; ++i) {
            T_CHECK(same(le_f64(d + 8 * (0 * RUNS + i)), STATUS[i] ? NAN : XF[i]));
            T_CHECK(same(le_f64(d + 8 * (1 * RUNS + i)), STATUS[i] ? NAN : YF[i]));
        }
        free(d);
    }
    d = read_npy(dir, "status.npy", "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }",
                 RUNS * 4);
    if (d) {
        for (size_t i = 0; i < RUNS; ++i)
            T_EQ_INT((int32_t)((uint32_t)d[4 * i] | (uint32_t)d[4 * i + 1] << 8 |
                               (uint32_t)d[4 * i + 2] << 16 | (uint32_t)d[4 * i + 3] << 24),
                     STATUS[i]);
        free(d);
    }
    d = read_npy(dir, "steps.npy", "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }",
                 RUNS * 8);
    if (d) {
        for (size_t i = 0; i < RUNS; ++i)
            T_EQ_INT((int64_t)le_u64(d + 8 * i), STEPS[i]);
        free(d);
    }
    d = read_npy(dir, "rejections.npy", "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }",
                 RUNS * 8);
    if (d) {
        T_EQ_INT((int64_t)le_u64(d + 16), REJ[2]);
        free(d);
    }
    d = read_npy(dir, "final_t.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }",
                 RUNS * 8);
    if (d) {
        T_CHECK(le_f64(d + 8) == TF[1]);
        free(d);
    }
    d = read_npy(dir, "init.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }",
                 2 * RUNS * 8);
    if (d) {
        T_CHECK(le_f64(d + 8 * 2) == X0[2] && le_f64(d + 8 * 4) == Y0[1]);
        free(d);
    }
    d = read_npy(dir, "params.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }",
                 2 * RUNS * 8);
    if (d) {
        T_CHECK(le_f64(d) == K[0] && le_f64(d + 8 * 3) == ALPHA[0]);
        free(d);
    }
    d = read_npy(dir, "save_t.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }",
                 2 * 8);
    if (d) {
        T_CHECK(le_f64(d + 8) == SAVE_T[1]);
        free(d);
    }
    d = read_npy(dir, "series.npy",
                 "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2, 3), }", 12 * 8);
    if (d) {
        for (size_t k = 0; k < 2; ++k)
            for (size_t v = 0; v < 2; ++v)
                for (size_t i = 0; i < RUNS; ++i)
                    T_CHECK(same(le_f64(d + 8 * ((k * 2 + v) * RUNS + i)), series_value(k, v, i)));
        free(d);
    }
}

/* Load every file with numpy and the legend with json, printing what a user would see. */
static const char *PY_SCRIPT =
    "import json, sys, numpy as np\n"
    "d = sys.argv[1]\n"
    "leg = json.load(open(d + '/legend.json'))\n"
    "for name in sorted(leg['files']):\n"
    "    a = np.load(d + '/' + name)\n"
    "    e = leg['files'][name]\n"
    "    print(name, a.shape, a.dtype.str, list(a.shape) == e['shape'], len(e['axes']) == "
    "a.ndim)\n"
    "f = np.load(d + '/final.npy'); s = np.load(d + '/series.npy')\n"
    "print('%.17g %.17g %s' % (f[1, 2], s[1, 1, 0], np.isnan(s[0, 0, 1])))\n"
    "print(np.load(d + '/status.npy').tolist(), np.load(d + '/steps.npy').tolist())\n"
    "print(leg['model'], leg['states'], leg['parameters'], leg['variables'], leg['runs'])\n"
    "print(leg['status_flags']['step_too_small'], leg['files']['series.npy']['axes'])\n";

static void check_numpy(const char *dir)
{
    if (system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") != 0) {
        printf("note: numpy not available, numpy.load check skipped\n");
        return;
    }
    char script[] = "/tmp/bo_npy_XXXXXX";
    int fd = mkstemp(script);
    if (fd < 0 || write(fd, PY_SCRIPT, strlen(PY_SCRIPT)) < 0)
        return;
    close(fd);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %s 2>&1", script, dir);
    FILE *p = popen(cmd, "r");
    char out[4096];
    size_t n = p ? fread(out, 1, sizeof out - 1, p) : 0;
    out[n] = '\0';
    int rc = p ? pclose(p) : -1;
    unlink(script);
    T_EQ_INT(rc, 0);
    char want[2048];
    snprintf(want, sizeof want,
             "final.npy (2, 3) <f8 True True\n"
             "final_t.npy (3,) <f8 True True\n"
             "init.npy (2, 3) <f8 True True\n"
             "newton_iters.npy (3,) <i8 True True\n"
             "params.npy (2, 3) <f8 True True\n"
             "rejections.npy (3,) <i8 True True\n"
             "save_t.npy (2,) <f8 True True\n"
             "series.npy (2, 2, 3) <f8 True True\n"
             "status.npy (3,) <i4 True True\n"
             "steps.npy (3,) <i8 True True\n"
             "%.17g %.17g True\n"
             "[0, 520, 0] [12, 345678901234, 56]\n"
             "osc ['x', 'y'] ['k', 'alpha'] ['x', 'obs'] 3\n"
             "8 ['save', 'variable', 'run']\n",
             YF[2], series_value(1, 1, 0));
    T_EQ_STR(out, want);
}

/* ---- the directory holds the last write's files only ---------------------------------- */

static void touch(const char *dir, const char *name)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    T_CHECKF(f != NULL, "%s", p);
    if (f) {
        fputs("earlier\n", f);
        fclose(f);
    }
}

static void test_no_stale_results(bo_context *ctx, bo_model *m, const char *base)
{
    char dir[512], p[600];
    snprintf(dir, sizeof dir, "%s/stale", base);
    /* An earlier sweep with saves, summaries and counters, as CSV. */
    bo_results *r = make_results(ctx, m, 2);
    T_CHECK(r != NULL);
    if (!r)
        return;
    rs_sum_column col = {"x", "mean", NULL, NULL};
    T_EQ_INT(rs_set_summaries(r, 2, 0.0, 5.0, 1, &col, NULL), BO_OK);
    for (size_t i = 0; i < 2 * RUNS; ++i)
        r->summaries[i] = 0.25 * (double)i;
    r->write_counters = 1;
    T_EQ_INT(bo_results_write(r, dir, "csv"), BO_OK);
    T_CHECK(file_exists(dir, "series.csv") && file_exists(dir, "summaries.csv") &&
            file_exists(dir, "counters.csv"));
    bo_results_destroy(r);
    /* Files that are not results stay, and so does a directory with a result's name. */
    touch(dir, "notes.txt");
    snprintf(p, sizeof p, "%s/summaries.npy", dir);
    T_EQ_INT(mkdir(p, 0777), 0);

    /* A solve of one kind fewer: only final.csv. */
    r = make_results(ctx, m, 0);
    T_EQ_INT(bo_results_write(r, dir, "csv"), BO_OK);
    T_CHECK(file_exists(dir, "final.csv"));
    T_CHECK(!file_exists(dir, "series.csv"));
    T_CHECK(!file_exists(dir, "summaries.csv"));
    T_CHECK(!file_exists(dir, "counters.csv"));
    T_CHECK(file_exists(dir, "notes.txt") && file_exists(dir, "summaries.npy"));

    /* NPY into the same directory replaces the CSV set, and CSV the NPY set, legend too. */
    T_EQ_INT(bo_results_write(r, dir, "npy"), BO_OK);
    T_CHECK(file_exists(dir, "final.npy") && file_exists(dir, "legend.json"));
    T_CHECK(!file_exists(dir, "final.csv"));
    T_EQ_INT(bo_results_write(r, dir, "csv"), BO_OK);
    T_CHECK(file_exists(dir, "final.csv"));
    T_CHECK(!file_exists(dir, "final.npy") && !file_exists(dir, "legend.json") &&
            !file_exists(dir, "status.npy"));
    T_CHECK(file_exists(dir, "notes.txt"));

    /* A failed write removes nothing: a directory where final.npy belongs. */
    snprintf(p, sizeof p, "%s/final.npy", dir);
    T_EQ_INT(mkdir(p, 0777), 0);
    T_EQ_INT(bo_results_write(r, dir, "npy"), BO_ERR_IO);
    T_CHECK(file_exists(dir, "final.csv"));
    T_EQ_INT(hidden_entries(dir), 0);
    bo_results_destroy(r);
}

/* ---- temporaries of interrupted writes ------------------------------------------------ */

/* The host name as temporaries carry it (docs/outputs.md): letters, digits and '.', anything
 * else as '_'. */
static void host_name(char *out, size_t len)
{
    char h[256] = "";
    if (gethostname(h, sizeof h - 1) != 0 || !h[0])
        strcpy(h, "localhost");
    size_t n = 0;
    for (const char *c = h; *c && n + 1 < len; ++c)
        out[n++] = (isalnum((unsigned char)*c) || *c == '.') ? *c : '_';
    out[n] = '\0';
}

/* A process id that was just used and no longer runs. */
static long dead_pid(void)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    int status;
    waitpid(pid, &status, 0);
    return (long)pid;
}

static void test_stale_temps(bo_context *ctx, bo_model *m, const char *base)
{
    char dir[512], host[128], name[16][200];
    snprintf(dir, sizeof dir, "%s/temps", base);
    T_EQ_INT(mkdir(dir, 0777), 0);
    host_name(host, sizeof host);
    long dead = dead_pid(), live = (long)getppid(), self = (long)getpid();
    T_CHECK(dead > 0 && kill((pid_t)dead, 0) != 0);
    /* Removed: a dead writer's, with this host or without a host (the older form). */
    snprintf(name[0], sizeof name[0], ".final.csv.tmp-%s-%ld-0", host, dead);
    snprintf(name[1], sizeof name[1], ".series.csv.tmp-%ld-3", dead);
    snprintf(name[2], sizeof name[2], ".legend.json.tmp-%s-%ld-12", host, dead);
    /* Kept: a live process's, this process's own, another host's, and anything that is not
     * exactly a writer's temporary. */
    snprintf(name[3], sizeof name[3], ".final.csv.tmp-%s-%ld-0", host, live);
    snprintf(name[4], sizeof name[4], ".final.npy.tmp-%s-%ld-1", host, self);
    snprintf(name[5], sizeof name[5], ".final.csv.tmp-other-host-%ld-0", dead);
    snprintf(name[6], sizeof name[6], ".notes.txt.tmp-%s-%ld-0", host, dead);
    snprintf(name[7], sizeof name[7], ".final.csv.tmp-%s-%ldx-0", host, dead);
    snprintf(name[8], sizeof name[8], "final.csv.tmp-%s-%ld-0", host, dead);
    snprintf(name[9], sizeof name[9], ".final.csv.tmp-%s-%ld-", host, dead);
    for (int i = 0; i < 10; ++i)
        touch(dir, name[i]);
    bo_results *r = make_results(ctx, m, 0);
    T_EQ_INT(bo_results_write(r, dir, "csv"), BO_OK);
    for (int i = 0; i < 3; ++i)
        T_CHECKF(!file_exists(dir, name[i]), "%s was kept", name[i]);
    for (int i = 3; i < 10; ++i)
        T_CHECKF(file_exists(dir, name[i]), "%s was removed", name[i]);
    T_CHECK(file_exists(dir, "final.csv"));
    bo_results_destroy(r);
}

/* ---- a large CSV in parallel pieces ---------------------------------------------------- */

#define BIG 40000 /* runs: final.csv and series.csv span several pieces of rows */

static uint64_t rng_state = 0x2545f4914f6cdd1du;
static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1du;
}

/* Mostly random bit patterns (every magnitude, subnormals included), some plain values. */
static double any_double(void)
{
    uint64_t b = rng();
    switch (b % 8) {
    case 0:
        return (double)(b >> 40) / 1024.0;
    case 1:
        return b & 256 ? -0.0 : (b & 512 ? INFINITY : -INFINITY);
    default: {
        double v;
        memcpy(&v, &b, sizeof v);
        return v; /* NaN too, now and then */
    }
    }
}

static char *slurp(const char *dir, const char *name, size_t *len)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    *len = fread(buf, 1, (size_t)n, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

/* Field `*p` (up to ',' or '\n') read as a double equals want bit for bit (nan: any NaN). */
static int next_is(char **p, double want)
{
    char *end;
    double got = strtod(*p, &end);
    int ok = (*end == ',' || *end == '\n') && end > *p &&
             (isnan(want) ? isnan(got) && strncmp(*p, "nan", 3) == 0
                          : memcmp(&got, &want, sizeof got) == 0);
    *p = end + (*end != '\0');
    return ok;
}

static int next_int(char **p, long long want)
{
    char *end;
    long long got = strtoll(*p, &end, 10);
    int ok = (*end == ',' || *end == '\n') && end > *p && got == want;
    *p = end + (*end != '\0');
    return ok;
}

static char *skip_line(char *p)
{
    char *nl = strchr(p, '\n');
    return nl ? nl + 1 : p + strlen(p);
}

static void test_big_csv(bo_context *ctx, bo_model *m, const char *base)
{
    const char *vars[] = {"x", "obs"};
    bo_results *r = NULL;
    T_EQ_INT(rs_create(ctx, m, BIG, 3, 2, vars, NULL, &r), BO_OK);
    if (!r)
        return;
    rs_sum_column cols[2] = {{"x", "mean", NULL, NULL}, {"x", "peaks[1]", "t1", "s"}};
    T_EQ_INT(rs_set_summaries(r, 2, 0.5, 0.25, 2, cols, NULL), BO_OK);
    r->write_counters = 1;
    for (size_t i = 0; i < 2 * BIG; ++i) {
        r->params[i] = any_double();
        r->init[i] = any_double();
        r->final[i] = any_double();
    }
    /* Columns that repeat, as in a sweep of one parameter: alpha in runs of equal values,
     * changing now and then to its neighbour (one bit apart), to 0 or -0, or to anything; y0
     * constant; final times mostly one value. */
    double alpha = 2.385;
    for (size_t i = 0; i < BIG; ++i) {
        uint64_t pick = rng() % 27;
        if (pick == 0)
            alpha = isfinite(alpha) ? nextafter(alpha, INFINITY) : 1.5;
        else if (pick == 1)
            alpha = alpha == 0 && !signbit(alpha) ? -0.0 : 0.0;
        else if (pick == 2)
            alpha = any_double();
        r->params[BIG + i] = alpha;
        r->init[BIG + i] = 6.02214076e23;
    }
    for (size_t i = 0; i < BIG; ++i) {
        r->final_t[i] = rng() % 50 ? 10.0 : any_double();
        r->status[i] = (int32_t)(uint32_t)rng();
        r->steps[i] = (int64_t)rng();
        r->rejections[i] = (int64_t)(rng() >> 20);
        r->newton_iters[i] = -(int64_t)(rng() >> 1);
    }
    for (size_t k = 0; k < 3; ++k)
        r->save_t[k] = 0.1 * (double)k;
    for (size_t i = 0; i < 3 * 2 * BIG; ++i)
        r->series[i] = any_double();
    for (size_t i = 0; i < 2 * 2 * BIG; ++i)
        r->summaries[i] = any_double();

    static const char *files[] = {"final.csv", "series.csv", "summaries.csv", "counters.csv"};
    char *ref[4] = {NULL, NULL, NULL, NULL};
    size_t ref_len[4] = {0, 0, 0, 0};
    const int threads[] = {1, 2, 3, 8};
    for (int t = 0; t < 4; ++t) {
        char dir[512];
        snprintf(dir, sizeof dir, "%s/big%d", base, threads[t]);
        r->threads = threads[t];
        T_EQ_INT(bo_results_write(r, dir, "csv"), BO_OK);
        for (int f = 0; f < 4; ++f) {
            size_t len = 0;
            char *text = slurp(dir, files[f], &len);
            T_CHECKF(text != NULL, "%s/%s", dir, files[f]);
            if (t == 0) {
                ref[f] = text;
                ref_len[f] = len;
            } else {
                T_CHECKF(text && len == ref_len[f] && memcmp(text, ref[f], len) == 0,
                         "%s with %d threads differs from 1 thread", files[f], threads[t]);
                free(text);
            }
        }
    }
    if (!ref[0] || !ref[1] || !ref[2] || !ref[3]) {
        bo_results_destroy(r);
        return;
    }
    /* Every value reads back to the same bits, in the documented row order. */
    long bad = 0;
    char *p = skip_line(ref[0]);
    for (size_t i = 0; i < BIG; ++i) {
        int ok =
            next_int(&p, (long long)i) && next_int(&p, r->status[i]) && next_is(&p, r->final_t[i]);
        for (size_t k = 0; k < 2; ++k)
            ok = ok && next_is(&p, r->params[k * BIG + i]);
        for (size_t k = 0; k < 2; ++k)
            ok = ok && next_is(&p, r->init[k * BIG + i]);
        for (size_t k = 0; k < 2; ++k)
            ok = ok && next_is(&p, r->final[k * BIG + i]);
        bad += !ok || p[-1] != '\n';
    }
    T_CHECK(*p == '\0');
    p = skip_line(ref[1]);
    for (size_t i = 0; i < BIG; ++i)
        for (size_t k = 0; k < 3; ++k) {
            int ok = next_int(&p, (long long)i) && next_is(&p, r->params[i]) &&
                     next_is(&p, r->params[BIG + i]) && next_is(&p, r->save_t[k]) &&
                     next_is(&p, r->series[(k * 2 + 0) * BIG + i]) &&
                     next_is(&p, r->series[(k * 2 + 1) * BIG + i]);
            bad += !ok || p[-1] != '\n';
        }
    T_CHECK(*p == '\0');
    p = ref[2];
    T_CHECK(strncmp(p, "run,k,alpha,window,t_start,t_end,x.mean,x.peaks.t1\n", 51) == 0);
    p = skip_line(p);
    for (size_t i = 0; i < BIG; ++i)
        for (size_t w = 0; w < 2; ++w) {
            int ok = next_int(&p, (long long)i) && next_is(&p, r->params[i]) &&
                     next_is(&p, r->params[BIG + i]) && next_int(&p, (long long)w) &&
                     next_is(&p, 0.5 + 0.25 * (double)w) &&
                     next_is(&p, 0.5 + 0.25 * (double)(w + 1)) &&
                     next_is(&p, r->summaries[(w * 2 + 0) * BIG + i]) &&
                     next_is(&p, r->summaries[(w * 2 + 1) * BIG + i]);
            bad += !ok || p[-1] != '\n';
        }
    T_CHECK(*p == '\0');
    p = skip_line(ref[3]);
    for (size_t i = 0; i < BIG; ++i) {
        int ok = next_int(&p, (long long)i) && next_int(&p, r->status[i]) &&
                 next_int(&p, r->steps[i]) && next_int(&p, r->rejections[i]) &&
                 next_int(&p, r->newton_iters[i]);
        bad += !ok || p[-1] != '\n';
    }
    T_CHECK(*p == '\0');
    T_EQ_INT(bad, 0);
    for (int f = 0; f < 4; ++f)
        free(ref[f]);
    bo_results_destroy(r);
}

int main(void)
{
    bo_context *ctx;
    bo_context_create(&ctx);
    bo_model *m = make_model();
    char base[] = "/tmp/bo_writers_XXXXXX";
    if (!mkdtemp(base))
        T_SKIP("cannot create a temporary directory");
    char dir[256], dir2[256];
    snprintf(dir, sizeof dir, "%s/out/csv", base);
    snprintf(dir2, sizeof dir2, "%s/out/npy", base);

    bo_results *r = make_results(ctx, m, 2);
    T_CHECK(r != NULL);
    T_EQ_INT(bo_results_write(r, dir, "csv"), BO_OK);
    check_csv(ctx, dir);
    T_EQ_INT(hidden_entries(dir), 0);
    T_CHECK(!file_exists(dir, "legend.json"));
    T_EQ_INT(bo_results_write(r, dir2, "npy"), BO_OK);
    check_npy(dir2);
    T_EQ_INT(hidden_entries(dir2), 0);
    check_numpy(dir2);

    /* Rewriting replaces the files. */
    r->final_t[0] = 11.5;
    T_EQ_INT(bo_results_write(r, dir, "csv"), BO_OK);
    char p[512];
    snprintf(p, sizeof p, "%s/final.csv", dir);
    csv_table *t = NULL;
    T_EQ_INT(csv_read_file(ctx, p, &t), BO_OK);
    T_CHECK(t && t->n_rows == 4 && field_is(t->row[1].field[2], 11.5));
    csv_destroy(t);

    /* Errors. */
    T_EQ_INT(bo_results_write(r, dir, "hdf5"), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "unknown output format 'hdf5' (known formats: csv, npy)");
    T_EQ_INT(bo_results_write(r, "", "csv"), BO_ERR_INVALID_ARG);
    char blocker[512];
    snprintf(blocker, sizeof blocker, "%s/final.csv/sub", dir);
    T_EQ_INT(bo_results_write(r, blocker, "csv"), BO_ERR_IO);
    T_CONTAINS(bo_errmsg(ctx), "cannot create directory");
    snprintf(blocker, sizeof blocker, "%s/final.csv", dir);
    T_EQ_INT(bo_results_write(r, blocker, "npy"), BO_ERR_IO);
    T_CONTAINS(bo_errmsg(ctx), "not a directory");
    /* A directory where series.csv belongs: nothing is written, nothing is left behind. */
    char blocked[512];
    snprintf(blocked, sizeof blocked, "%s/blocked/series.csv", base);
    T_EQ_INT(system(strcat(strcpy(p, "mkdir -p "), blocked)), 0);
    snprintf(blocked, sizeof blocked, "%s/blocked", base);
    T_EQ_INT(bo_results_write(r, blocked, "csv"), BO_ERR_IO);
    T_CONTAINS(bo_errmsg(ctx), "a directory is in the way");
    T_CHECK(!file_exists(blocked, "final.csv"));
    T_EQ_INT(hidden_entries(blocked), 0);
    bo_results_destroy(r);

    /* Without saves: only the final files, and the legend lists only what exists. */
    r = make_results(ctx, m, 0);
    snprintf(dir, sizeof dir, "%s/nosave", base);
    T_EQ_INT(bo_results_write(r, dir, "npy"), BO_OK);
    T_CHECK(file_exists(dir, "final.npy") && file_exists(dir, "legend.json"));
    T_CHECK(!file_exists(dir, "series.npy") && !file_exists(dir, "save_t.npy"));
    snprintf(p, sizeof p, "%s/legend.json", dir);
    FILE *lf = fopen(p, "r");
    char legend[4096] = "";
    if (lf) {
        legend[fread(legend, 1, sizeof legend - 1, lf)] = '\0';
        fclose(lf);
    }
    T_CONTAINS(legend, "\"final.npy\": {\"dtype\": \"<f8\", \"shape\": [2, 3]");
    T_CHECK(strstr(legend, "series.npy") == NULL);
    T_EQ_INT(bo_results_write(r, dir, "csv"), BO_OK);
    T_CHECK(file_exists(dir, "final.csv") && !file_exists(dir, "series.csv"));
    bo_results_destroy(r);

    test_no_stale_results(ctx, m, base);
    test_stale_temps(ctx, m, base);
    test_big_csv(ctx, m, base);

    snprintf(p, sizeof p, "rm -rf %s", base);
    T_EQ_INT(system(p), 0);
    free_model(m);
    bo_context_destroy(ctx);
    T_DONE();
}
