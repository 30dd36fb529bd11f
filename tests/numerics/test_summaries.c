/* Summary metrics against an independent computation: each run also saves its series densely at
 * exactly the sample times (save_every = sample_summaries_every), and the test recomputes every
 * metric of every window from those saved samples in double precision, by the definitions of
 * docs/outputs.md (windows own samples [start, end); differences and peaks use the neighbours
 * across a boundary; the first window has no sample before t0 + settling). Several windows,
 * settling > 0, two runs, states and an observable.
 *
 * Tolerances. float64: every metric is formed from the same samples; only the order of the
 * floating-point operations differs (shifted sums against plain sums, a product with 1/dt
 * against a division), a few units of roundoff relative to the size of the data, so
 * |got - want| <= 1e-12 * (|want| + scale), scale = the largest magnitude of the quantity over
 * the window. Extrema and peaks are selections of samples: they must match exactly.
 *
 * float32, offset signal y = 1e4 + x (|x| <= 1): naive sums of squares would lose everything
 * (Σy² ~ 1e8 N, one float32 ulp of it is ~6 N while the variance is ~0.5). The kernel shifts by
 * the window's first sample: the deviations y - shift are exact (Sterbenz: both within a factor
 * 2), at most 2 in size, and their sums over N = 600 samples carry a relative error of at most
 * N * eps32 = 600 * 6e-8 = 3.6e-5 (worst case); the variance S2/N - (S1/N)^2 then loses at most a
 * factor (S2/N) / var ~ 3 to cancellation here. The std must match the double computation from
 * the same float32 samples within 1e-4 relative, and the mean within 1e-6 relative (one float32
 * rounding of 1e4 plus the error of S1/N ~ 1e-5 absolute).
 *
 * Peaks of x = cos(w t) (t from 0, through the settling) lie at 2 pi k / w and troughs at
 * (2k + 1) pi / w: the detected times must be within one sample interval of them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batchode.h"
#include "harness.h"
#include "solvetest.h"

static const double pi = 3.14159265358979323846;

static const char *model_text = "model osc\n"
                                "param w = 2.385\n"
                                "state x = 1 [mV], v = 0\n"
                                "dx/dt = v\n"
                                "dv/dt = -w^2*x\n"
                                "obs y = 10000 + x\n";

#define ALL_METRICS                                                                                \
    "mean,rms,std,min,max,extrema,max_magnitude,peaks[3],negative_peaks[2],dxdt_max,dxdt_min,"     \
    "dxdt_extrema,d2xdt2_max,d2xdt2_min,d2xdt2_extrema"

/* Reference values of one window of one variable, from samples x[0..N] (x[N] the sample at
 * the window's end) and x[-1] when has_prev. */
typedef struct {
    double mean, rms, std, min, max, maxmag, d1max, d1min, d2max, d2min;
    double scale, d1scale, d2scale;
    double pk_t[3], pk_v[3], np_t[2], np_v[2];
} ref;

static void reference(const double *x, const double *t, long n, int has_prev, double dt, ref *r)
{
    double s = 0, s2 = 0;
    r->min = INFINITY;
    r->max = -INFINITY;
    r->maxmag = 0;
    r->scale = 0;
    for (long j = 0; j < n; ++j) {
        s += x[j];
        r->min = fmin(r->min, x[j]);
        r->max = fmax(r->max, x[j]);
        r->maxmag = fmax(r->maxmag, fabs(x[j]));
    }
    r->mean = s / (double)n;
    for (long j = 0; j < n; ++j)
        s2 += (x[j] - r->mean) * (x[j] - r->mean);
    r->std = sqrt(s2 / (double)n);
    r->rms = sqrt(r->mean * r->mean + s2 / (double)n);
    r->scale = r->maxmag;
    r->d1max = r->d2max = -INFINITY;
    r->d1min = r->d2min = INFINITY;
    r->d1scale = r->d2scale = 0;
    for (int i = 0; i < 3; ++i)
        r->pk_t[i] = r->pk_v[i] = NAN;
    for (int i = 0; i < 2; ++i)
        r->np_t[i] = r->np_v[i] = NAN;
    int npk = 0, nnp = 0;
    for (long j = 0; j < n; ++j) {
        double d1 = (x[j + 1] - x[j]) / dt;
        r->d1max = fmax(r->d1max, d1);
        r->d1min = fmin(r->d1min, d1);
        r->d1scale = fmax(r->d1scale, fabs(d1));
        if (j == 0 && !has_prev)
            continue;
        double d2 = (x[j + 1] - 2 * x[j] + x[j - 1]) / (dt * dt);
        r->d2max = fmax(r->d2max, d2);
        r->d2min = fmin(r->d2min, d2);
        r->d2scale = fmax(r->d2scale, fabs(d2));
        if (x[j - 1] < x[j] && x[j] > x[j + 1] && npk < 3) {
            r->pk_t[npk] = t[j];
            r->pk_v[npk++] = x[j];
        }
        if (x[j - 1] > x[j] && x[j] < x[j + 1] && nnp < 2) {
            r->np_t[nnp] = t[j];
            r->np_v[nnp++] = x[j];
        }
    }
}

static long column(const bo_results *r, const char *name)
{
    for (size_t c = 0; c < bo_results_summary_count(r); ++c)
        if (strcmp(bo_results_summary_name(r, c), name) == 0)
            return (long)c;
    printf("no summary column %s\n", name);
    return -1;
}

static double get(const bo_results *r, size_t w, const char *var, const char *col, size_t run)
{
    char name[64];
    snprintf(name, sizeof name, "%s.%s", var, col);
    long c = column(r, name);
    return c < 0 ? NAN : bo_results_summary(r, w, (size_t)c, run);
}

#define CLOSE(got, want, scale, tol) T_ABS(got, want, (tol) * (fabs(want) + (scale)))

/* Every metric of every window, variable and run against the reference from the series. */
static void check_all(const bo_results *r, double dt, double tol)
{
    size_t W = bo_results_window_count(r), runs = bo_results_run_count(r);
    size_t nsave = bo_results_save_count(r);
    double *x = calloc(nsave, sizeof *x), *t = calloc(nsave, sizeof *t);
    for (size_t k = 0; k < nsave; ++k)
        t[k] = bo_results_save_time(r, k);
    for (size_t var = 0; var < bo_results_var_count(r); ++var) {
        const char *vn = bo_results_var_name(r, var);
        for (size_t run = 0; run < runs; ++run) {
            for (size_t k = 0; k < nsave; ++k)
                x[k] = bo_results_value(r, k, var, run);
            for (size_t w = 0; w < W; ++w) {
                /* Window w starts at the save whose time is its start. */
                size_t k0 = 0;
                while (k0 < nsave && fabs(t[k0] - bo_results_window_start(r, w)) > 1e-9)
                    ++k0;
                size_t k1 = k0;
                while (k1 < nsave && fabs(t[k1] - bo_results_window_end(r, w)) > 1e-9)
                    ++k1;
                T_CHECK(k1 < nsave);
                if (k1 >= nsave)
                    continue;
                ref f;
                reference(x + k0, t + k0, (long)(k1 - k0), k0 > 0, dt, &f);
                CLOSE(get(r, w, vn, "mean", run), f.mean, f.scale, tol);
                CLOSE(get(r, w, vn, "rms", run), f.rms, f.scale, tol);
                CLOSE(get(r, w, vn, "std", run), f.std, f.scale, tol);
                T_EQ_INT(get(r, w, vn, "min", run) == f.min, 1);
                T_EQ_INT(get(r, w, vn, "max", run) == f.max, 1);
                T_EQ_INT(get(r, w, vn, "extrema.max", run) == f.max, 1);
                T_EQ_INT(get(r, w, vn, "extrema.min", run) == f.min, 1);
                T_EQ_INT(get(r, w, vn, "max_magnitude", run) == f.maxmag, 1);
                CLOSE(get(r, w, vn, "dxdt_max", run), f.d1max, f.d1scale, tol);
                CLOSE(get(r, w, vn, "dxdt_min", run), f.d1min, f.d1scale, tol);
                CLOSE(get(r, w, vn, "dxdt_extrema.max", run), f.d1max, f.d1scale, tol);
                CLOSE(get(r, w, vn, "dxdt_extrema.min", run), f.d1min, f.d1scale, tol);
                /* Second differences cancel: x[j+1] - 2x[j] + x[j-1] ~ dt^2 x'', so their
                 * roundoff is eps * |x| / dt^2, measured against scale / dt^2. */
                double d2s = f.d2scale + f.scale / (dt * dt);
                CLOSE(get(r, w, vn, "d2xdt2_max", run), f.d2max, d2s, tol);
                CLOSE(get(r, w, vn, "d2xdt2_min", run), f.d2min, d2s, tol);
                CLOSE(get(r, w, vn, "d2xdt2_extrema.max", run), f.d2max, d2s, tol);
                CLOSE(get(r, w, vn, "d2xdt2_extrema.min", run), f.d2min, d2s, tol);
                for (int i = 0; i < 3; ++i) {
                    char c[32];
                    snprintf(c, sizeof c, "peaks.t%d", i + 1);
                    T_REL(get(r, w, vn, c, run), f.pk_t[i], 1e-15);
                    snprintf(c, sizeof c, "peaks.v%d", i + 1);
                    T_REL(get(r, w, vn, c, run), f.pk_v[i], 0);
                }
                for (int i = 0; i < 2; ++i) {
                    char c[32];
                    snprintf(c, sizeof c, "negative_peaks.t%d", i + 1);
                    T_REL(get(r, w, vn, c, run), f.np_t[i], 1e-15);
                    snprintf(c, sizeof c, "negative_peaks.v%d", i + 1);
                    T_REL(get(r, w, vn, c, run), f.np_v[i], 0);
                }
            }
        }
    }
    free(x);
    free(t);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = calloc((size_t)n + 1, 1);
    if (fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    fclose(f);
    return s;
}

/* summaries.csv, summaries.npy and legend.json read back: the same numbers as the accessors. */
static void check_files(const bo_results *r)
{
    char dir[] = "/tmp/bo_sum_XXXXXX";
    T_CHECK(mkdtemp(dir) != NULL);
    T_EQ_INT(bo_results_write(r, dir, "csv"), BO_OK);
    char path[256];
    snprintf(path, sizeof path, "%s/summaries.csv", dir);
    char *csv = slurp(path);
    T_CHECK(csv != NULL);
    size_t runs = bo_results_run_count(r), W = bo_results_window_count(r);
    size_t C = bo_results_summary_count(r);
    if (csv) {
        T_CHECK(strncmp(csv, "run,w,window,t_start,t_end,x.mean,x.rms,", 40) == 0);
        char *line = strtok(csv, "\n");
        size_t rows = 0;
        while ((line = strtok(NULL, "\n")) != NULL) {
            size_t run = rows / W, w = rows % W;
            char *p = line;
            double v[512];
            size_t n = 0;
            while (n < 512) {
                v[n++] = strtod(p, &p);
                if (*p != ',')
                    break;
                ++p;
            }
            T_EQ_INT(n, 5 + C);
            T_EQ_INT((long)v[0], (long)run);
            T_EQ_INT((long)v[2], (long)w);
            T_CHECK(v[3] == bo_results_window_start(r, w) && v[4] == bo_results_window_end(r, w));
            int same = 1;
            for (size_t c = 0; c < C && n == 5 + C; ++c) {
                double want = bo_results_summary(r, w, c, run);
                same &= (isnan(want) && isnan(v[5 + c])) || v[5 + c] == want;
            }
            T_CHECK(same);
            ++rows;
        }
        T_EQ_INT(rows, runs * W);
    }
    free(csv);
    T_EQ_INT(bo_results_write(r, dir, "npy"), BO_OK);
    snprintf(path, sizeof path, "%s/summaries.npy", dir);
    char *npy = slurp(path);
    T_CHECK(npy != NULL);
    if (npy) {
        char shape[96];
        snprintf(shape, sizeof shape, "'shape': (%zu, %zu, %zu)", W, C, runs);
        T_CONTAINS(npy + 10, shape);
        size_t hlen = (size_t)(unsigned char)npy[8] | (size_t)(unsigned char)npy[9] << 8;
        const double *data = (const double *)(const void *)(npy + 10 + hlen);
        T_EQ_INT(memcmp(data, bo_results_summary_array(r), W * C * runs * sizeof(double)), 0);
    }
    free(npy);
    snprintf(path, sizeof path, "%s/legend.json", dir);
    char *legend = slurp(path);
    T_CONTAINS(legend, "\"summaries.npy\": {\"dtype\": \"<f8\"");
    T_CONTAINS(legend, "{\"name\": \"x.peaks.t1\", \"variable\": \"x\", \"metric\": \"peaks[3]\", "
                       "\"output\": \"t1\", \"unit\": \"mV\"}");
    T_CONTAINS(legend, "{\"name\": \"v.mean\", \"variable\": \"v\", \"metric\": \"mean\", "
                       "\"output\": \"mean\", \"unit\": null}");
    T_CONTAINS(legend, "\"windows\": [[0.37");
    free(legend);
    const char *files[] = {"summaries.csv",    "summaries.npy", "final.csv",  "final.npy",
                           "legend.json",      "series.csv",    "series.npy", "save_t.npy",
                           "final_t.npy",      "status.npy",    "steps.npy",  "rejections.npy",
                           "newton_iters.npy", "init.npy",      "params.npy"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; ++i) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}

/* A runtime setting that the solve must refuse, with a message naming it. */
static void expect_solve_error(bo_context *ctx, bo_solver *sv, const bo_batch *b, const char *key,
                               const char *value, const char *needle)
{
    bo_results *r = NULL;
    T_EQ_INT(bo_solver_set(sv, key, value), BO_OK);
    T_EQ_INT(bo_solver_solve(sv, b, &r), BO_ERR_SETTING);
    T_CONTAINS(bo_errmsg(ctx), needle);
    bo_results_destroy(r);
}

static void expect_setting_error(bo_context *ctx, const char *key, const char *value,
                                 const char *needle)
{
    bo_settings *s = NULL;
    bo_settings_create(ctx, &s);
    T_EQ_INT(bo_settings_set(s, key, value), BO_ERR_SETTING);
    T_CONTAINS(bo_errmsg(ctx), needle);
    bo_settings_destroy(s);
}

int main(void)
{
    bo_context *ctx = NULL;
    bo_model *m = NULL;
    bo_batch *b = NULL;
    bo_context_create(&ctx);
    T_EQ_INT(bo_model_load_string(ctx, model_text, "osc", &m), BO_OK);
    T_EQ_INT(bo_batch_create(ctx, m, &b), BO_OK);
    const double w2[] = {2.385, 3.1};
    T_EQ_INT(bo_batch_set_values(b, BO_PARAMETER, "w", w2, 2), BO_OK);

    /* float64: 4 windows of 1.5 (150 samples) after a settling of 0.37, dense saves. */
    const double dt = 0.01;
    bo_results *r = solve(ctx, m, b,
                          "outputs=state,observables," ALL_METRICS
                          " summarise_every=1.5 sample_summaries_every=0.01 save_every=0.01"
                          " duration=6 settling=0.37 rtol=1e-10 atol=1e-12");
    T_CHECK(r != NULL);
    if (r) {
        T_EQ_INT(bo_results_window_count(r), 4);
        T_EQ_INT(bo_results_summary_count(r),
                 3 * (1 + 1 + 1 + 1 + 1 + 2 + 1 + 6 + 4 + 1 + 1 + 2 + 1 + 1 + 2));
        T_REL(bo_results_window_start(r, 0), 0.37, 1e-15);
        T_REL(bo_results_window_end(r, 3), 6.37, 1e-15);
        T_EQ_STR(bo_results_summary_name(r, 0), "x.mean");
        T_EQ_STR(bo_results_summary_unit(r, 0), "mV");
        T_CHECK(bo_results_summary_unit(r, (size_t)column(r, "v.mean")) == NULL);
        T_EQ_STR(bo_results_summary_metric(r, (size_t)column(r, "y.peaks.v2")), "peaks[3]");
        T_EQ_STR(bo_results_summary_output(r, (size_t)column(r, "y.peaks.v2")), "v2");
        T_EQ_STR(bo_results_summary_variable(r, (size_t)column(r, "y.peaks.v2")), "y");
        T_CHECK(isnan(bo_results_summary(r, 4, 0, 0)));
        check_all(r, dt, 1e-12);
        check_files(r);
    }
    bo_results_destroy(r);

    /* One window over the whole duration (summarise_every=0): peaks of x = cos(w t) at
     * 2 pi k / w, troughs at (2k+1) pi / w, each within one sample interval. */
    r = solve(ctx, m, b,
              "outputs=peaks[3],negative_peaks[2] sample_summaries_every=0.005 duration=6"
              " settling=0.37 rtol=1e-10 atol=1e-12 summarise_variables=x");
    T_CHECK(r != NULL);
    if (r) {
        T_EQ_INT(bo_results_window_count(r), 1);
        T_EQ_INT(bo_results_summary_count(r), 10);
        for (size_t run = 0; run < 2; ++run) {
            double w = w2[run];
            double first = 2 * pi / w; /* the first peak after the start of the window */
            for (int i = 0; i < 3; ++i) {
                double want = first + 2 * pi * i / w;
                double got = get(r, 0, "x",
                                 i == 0   ? "peaks.t1"
                                 : i == 1 ? "peaks.t2"
                                          : "peaks.t3",
                                 run);
                if (want > 6.37)
                    T_CHECK(isnan(got));
                else
                    T_CHECKF(fabs(got - want) <= 0.005, "peak %d of run %zu at %g, want %g", i, run,
                             got, want);
            }
            for (int i = 0; i < 2; ++i) {
                double want = pi / w + 2 * pi * i / w;
                while (want < 0.37)
                    want += 2 * pi / w;
                double got =
                    get(r, 0, "x", i == 0 ? "negative_peaks.t1" : "negative_peaks.t2", run);
                T_CHECKF(fabs(got - want) <= 0.005, "trough %d of run %zu at %g, want %g", i, run,
                         got, want);
                T_REL(get(r, 0, "x", i == 0 ? "negative_peaks.v1" : "negative_peaks.v2", run), -1.0,
                      1e-3);
            }
        }
    }
    bo_results_destroy(r);

    /* float32 with a large offset: y = 1e4 + x. */
    r = solve(ctx, m, b,
              "precision=float32 outputs=observables,mean,std,extrema summarise_variables=y"
              " save_every=0.01 sample_summaries_every=0.01 duration=6 settling=0.37"
              " rtol=1e-6 atol=1e-6");
    T_CHECK(r != NULL);
    if (r) {
        size_t N = bo_results_save_count(r) - 1; /* the last save only closes the window */
        T_EQ_INT(N, 600);
        for (size_t run = 0; run < 2; ++run) {
            double s = 0, s2 = 0, mx = -INFINITY;
            for (size_t k = 0; k < N; ++k)
                s += bo_results_value(r, k, 0, run);
            double mean = s / (double)N;
            for (size_t k = 0; k < N; ++k) {
                double y = bo_results_value(r, k, 0, run);
                s2 += (y - mean) * (y - mean);
                mx = fmax(mx, y);
            }
            double sd = sqrt(s2 / (double)N);
            T_CHECK(sd > 0.6 && sd < 0.8);
            T_REL(get(r, 0, "y", "std", run), sd, 1e-4);
            T_REL(get(r, 0, "y", "mean", run), mean, 1e-6);
            T_EQ_INT(get(r, 0, "y", "extrema.max", run) == mx, 1);
        }
    }
    bo_results_destroy(r);

    /* Validation: metric forms in outputs, and the window timing at solve time. */
    expect_setting_error(ctx, "outputs", "state,peaks", "peaks[k] with k in 1..64");
    expect_setting_error(ctx, "outputs", "peaks[0]", "peaks[k] with k in 1..64");
    expect_setting_error(ctx, "outputs", "peaks[65]", "got 'peaks[65]'");
    expect_setting_error(ctx, "outputs", "peaks[3x]", "setting 'outputs'");
    expect_setting_error(ctx, "outputs", "mean[2]", "metric 'mean' takes no count");
    expect_setting_error(ctx, "outputs", "meen", "or summary metrics: mean, rms, std");
    expect_setting_error(ctx, "outputs", "peaks[2],peaks[3]", "lists 'peaks' twice");
    expect_setting_error(ctx, "sample_summaries_every", "0", "must be > 0");
    bo_settings *s = NULL;
    bo_settings_create(ctx, &s);
    T_EQ_INT(bo_settings_set(s, "outputs", "Mean,PEAKS[2],state"), BO_OK);
    char *v = NULL;
    bo_settings_get(s, "outputs", &v);
    T_EQ_STR(v, "mean,peaks[2],state");
    bo_free(v);
    bo_settings_set(s, "backend", "cpu");
    bo_settings_set(s, "duration", "2");
    bo_settings_set(s, "summarise_variables", "z");
    bo_solver *sv = NULL;
    T_EQ_INT(bo_solver_create(ctx, m, s, &sv), BO_ERR_SETTING);
    T_CONTAINS(bo_errmsg(ctx), "setting 'summarise_variables': 'z' is not a state or observable");
    bo_settings_set(s, "summarise_variables", "auto");
    T_EQ_INT(bo_solver_create(ctx, m, s, &sv), BO_OK);
    if (sv) {
        expect_solve_error(ctx, sv, b, "sample_summaries_every", "0.3", "must divide");
        expect_solve_error(ctx, sv, b, "summarise_every", "0.5", "(0.3) must divide");
        bo_solver_set(sv, "sample_summaries_every", "0.25");
        expect_solve_error(ctx, sv, b, "duration", "2.1", "must divide duration (2.1)");
        bo_solver_set(sv, "duration", "2");
        expect_solve_error(ctx, sv, b, "summarise_every", "3", "longer than duration");
        /* A window that does not divide the duration: the trailing part is not summarised. */
        bo_solver_set(sv, "summarise_every", "0.75");
        bo_results *r2 = NULL;
        T_EQ_INT(bo_solver_solve(sv, b, &r2), BO_OK);
        T_EQ_INT(bo_results_window_count(r2), 2);
        T_REL(bo_results_window_end(r2, 1), 1.5, 1e-15);
        bo_results_destroy(r2);
    }
    bo_solver_destroy(sv);
    bo_settings_destroy(s);

    bo_batch_destroy(b);
    bo_model_destroy(m);
    bo_context_destroy(ctx);
    T_DONE();
}
