/* The CUDA backend through its internal API (cu_module_load, cu_run), on a GPU; exits 77
 * without one.
 *
 * Truth is independent of the backend: RK4 on x' = -k x multiplies by the stability
 * polynomial R(z) = 1 + z + z^2/2 + z^3/6 + z^4/24 per step (z = -k dt), so after N steps of
 * dt = 1/64 the state is x0 R(z)^N up to rounding; an adaptive run is checked against
 * x0 exp(-k t); Lorenz with RK4 is checked against a plain host RK4 written here. Beyond that,
 * runs depend only on their own inputs, so chunking and block size must not change a single
 * bit, and moving buffers between local and shared memory changes only where values live,
 * not the arithmetic: those comparisons are exact (memcmp). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "backend/cuda/cuda.h"
#include "batchode.h"
#include "harness.h"
#include "solve/solver_internal.h"
#include "status.h"

static bo_context *ctx;

static const char *const decay_text = "model decay\n"
                                      "param k = 1.5\n"
                                      "state x = 2.385\n"
                                      "dx/dt = -k*x\n";

static const char *const lorenz_text = "model lorenz\n"
                                       "const beta = 8/3\n"
                                       "param sigma = 10, rho = 28\n"
                                       "state x = 1, y = 0, z = 0\n"
                                       "dx/dt = sigma*(y - x)\n"
                                       "dy/dt = x*(rho - z) - y\n"
                                       "dz/dt = x*y - beta*z\n"
                                       "obs radius = sqrt(x^2 + y^2 + z^2)\n";

typedef struct {
    cu_module *m;
    size_t stride;
    int pbytes;
} program;

/* Build a program from key/value pairs (NULL-terminated). */
static int build(const bo_model *model, const char *const *kv, program *p)
{
    memset(p, 0, sizeof *p);
    bo_settings *s = NULL;
    int rc = bo_settings_create(ctx, &s);
    for (size_t i = 0; rc == BO_OK && kv[i]; i += 2) {
        rc = bo_settings_set(s, kv[i], kv[i + 1]);
        if (rc != BO_OK)
            printf("setting %s=%s: %s\n", kv[i], kv[i + 1], bo_errmsg(ctx));
    }
    char *src = NULL;
    if (rc == BO_OK)
        rc = sv_generate(ctx, model, s, &src, &p->stride, &p->pbytes);
    if (rc == BO_OK)
        rc = cu_module_load(ctx, src, 0, 1, &p->m);
    if (rc != BO_OK)
        printf("build failed: %s\n%s\n", bo_errmsg(ctx), bo_errlog(ctx));
    bo_free(src);
    bo_settings_destroy(s);
    return rc;
}

/* Host side of one launch: every array in double (cu_run converts to and from the program's
 * precision in its staging passes); pbytes is that precision. */
typedef struct {
    size_t n, np, nv, nsaves;
    int64_t runs;
    int pbytes;
    void *init, *params, *final, *series;
    double *final_time;
    int32_t *status;
    int64_t *steps, *rej;
} io;

static void io_free(io *b)
{
    free(b->init);
    free(b->params);
    free(b->final);
    free(b->series);
    free(b->final_time);
    free(b->status);
    free(b->steps);
    free(b->rej);
    memset(b, 0, sizeof *b);
}

static int io_alloc(io *b, size_t n, size_t np, size_t nv, size_t nsaves, int64_t runs, int pbytes)
{
    memset(b, 0, sizeof *b);
    b->n = n;
    b->np = np;
    b->nv = nv;
    b->nsaves = nsaves;
    b->runs = runs;
    b->pbytes = pbytes;
    size_t r = (size_t)runs, p = sizeof(double);
    b->init = calloc(n * r + 1, p);
    b->params = calloc(np * r + 1, p);
    b->final = calloc(n * r + 1, p);
    b->series = nsaves ? calloc(nsaves * nv * r + 1, p) : NULL;
    b->final_time = calloc(r + 1, sizeof(double));
    b->status = calloc(r + 1, sizeof(int32_t));
    b->steps = calloc(r + 1, sizeof(int64_t));
    b->rej = calloc(r + 1, sizeof(int64_t));
    if (!b->init || !b->params || !b->final || (nsaves && !b->series) || !b->final_time ||
        !b->status || !b->steps || !b->rej) {
        io_free(b);
        return -1;
    }
    return 0;
}

/* A float32 program reads (float)v; the host arrays hold doubles either way. */
static void put(void *a, int pbytes, size_t i, double v)
{
    ((double *)a)[i] = pbytes == 4 ? (double)(float)v : v;
}

static double get(const void *a, int pbytes, size_t i)
{
    (void)pbytes;
    return ((const double *)a)[i];
}

typedef struct {
    size_t calls, last, total;
    int monotone;
} progress_log;

static void on_progress(void *user, size_t done, size_t total)
{
    progress_log *p = user;
    if (p->calls && done < p->last)
        p->monotone = 0;
    p->calls++;
    p->last = done;
    p->total = total;
}

typedef struct {
    double t0, settling, duration, save_every, dt0;
    int64_t max_steps;
    int block;
    int64_t max_chunk;
} run_opts;

static int launch(const program *p, io *b, const run_opts *o, float *kernel_ms, progress_log *pl)
{
    cu_launch L;
    memset(&L, 0, sizeof L);
    L.precision_bytes = p->pbytes;
    L.n_states = b->n;
    L.n_params = b->np;
    L.n_vars = b->nv;
    L.n_saves = b->nsaves;
    L.runs = b->runs;
    L.init = b->init;
    L.params = b->params;
    L.final_state = b->final;
    L.series = b->series;
    L.final_time = b->final_time;
    L.status = b->status;
    L.steps = b->steps;
    L.rejections = b->rej;
    L.t0 = o->t0;
    L.settling = o->settling;
    L.duration = o->duration;
    L.save_every = o->save_every;
    L.dt0 = o->dt0;
    L.max_steps = o->max_steps ? o->max_steps : 1000000;
    L.shared_stride = p->stride;
    L.block_size = o->block;
    L.max_chunk_runs = o->max_chunk;
    if (pl) {
        memset(pl, 0, sizeof *pl);
        pl->monotone = 1;
        L.progress = on_progress;
        L.user = pl;
    }
    int rc = cu_run(ctx, p->m, &L);
    if (rc != BO_OK)
        printf("cu_run: %s\n", bo_errmsg(ctx));
    if (kernel_ms)
        *kernel_ms = L.kernel_ms;
    return rc;
}

/* Every output array of two launches, byte for byte. */
static int same_outputs(const io *a, const io *b)
{
    size_t r = (size_t)a->runs, p = sizeof(double);
    int same = memcmp(a->final, b->final, a->n * r * p) == 0 &&
               memcmp(a->final_time, b->final_time, r * sizeof(double)) == 0 &&
               memcmp(a->status, b->status, r * sizeof(int32_t)) == 0 &&
               memcmp(a->steps, b->steps, r * sizeof(int64_t)) == 0 &&
               memcmp(a->rej, b->rej, r * sizeof(int64_t)) == 0;
    if (a->nsaves)
        same = same && memcmp(a->series, b->series, a->nsaves * a->nv * r * p) == 0;
    return same;
}

/* Two launches of programs that differ only in buffer placement. ptxas may fuse a different
 * set of multiply-adds into FMAs when operands live in shared rather than local memory
 * (plain mul/add in PTX may be contracted), so results agree to rounding, not bit for bit:
 * runs that took the same steps agree to `same_tol` (relative); a rounding-level difference
 * may flip an accept decision in a few adaptive runs, which then agree to the controller's
 * tolerance (`flip_tol`) — allowed in at most flip_fraction of the runs. Statuses must match.
 * The bounds allow rounding (float64 ~1e-16, float32 ~6e-8 per operation) accumulated over
 * a few hundred steps of a non-chaotic run; float32 at rtol 1e-4 sits nearer its rounding,
 * so more of its adaptive decisions are at the edge and may flip. */
static int close_outputs(const io *a, const io *b, double same_tol, double flip_tol,
                         double flip_fraction, double *worst_same, size_t *flipped)
{
    size_t r = (size_t)a->runs;
    int ok = memcmp(a->status, b->status, r * sizeof(int32_t)) == 0;
    *worst_same = 0.0;
    *flipped = 0;
    for (size_t run = 0; run < r; ++run) {
        int same_steps = a->steps[run] == b->steps[run] && a->rej[run] == b->rej[run];
        *flipped += !same_steps;
        for (size_t i = 0; i < a->n; ++i) {
            double x = get(a->final, a->pbytes, i * r + run);
            double y = get(b->final, b->pbytes, i * r + run);
            double rel = fabs(x - y) / (fabs(x) > 1.0 ? fabs(x) : 1.0);
            if (same_steps && rel > *worst_same)
                *worst_same = rel;
            ok = ok && rel <= (same_steps ? same_tol : flip_tol);
        }
    }
    return ok && (double)*flipped <= flip_fraction * (double)r;
}

static double rk4_factor(double z)
{
    return 1.0 + z + z * z / 2.0 + z * z * z / 6.0 + z * z * z * z / 24.0;
}

/* RK4 on x' = -k x against the stability polynomial, with saves; float64 and float32. */
static void test_decay_rk4(const bo_model *decay, const char *prec, double tol)
{
    const char *kv[] = {"algorithm", "rk4", "step_controller", "fixed", "precision", prec, NULL};
    program p;
    if (build(decay, kv, &p) != BO_OK) {
        T_CHECK(0);
        return;
    }
    const int64_t runs = 1000;
    const double dt = 1.0 / 64.0, x0 = 2.385;
    io b;
    T_CHECK(io_alloc(&b, 1, 1, 1, 5, runs, p.pbytes) == 0);
    for (size_t i = 0; i < (size_t)runs; ++i) {
        put(b.init, p.pbytes, i, x0);
        put(b.params, p.pbytes, i, 0.5 + 0.001 * (double)i);
    }
    run_opts o = {0.0, 0.0, 1.0, 0.25, dt, 0, 0, 0};
    float ms = 0;
    progress_log pl;
    T_EQ_INT(launch(&p, &b, &o, &ms, &pl), BO_OK);
    T_CHECK(ms > 0.0f);
    T_CHECK(pl.monotone && pl.last == (size_t)runs && pl.total == (size_t)runs);
    int bad = 0;
    for (size_t i = 0; i < (size_t)runs; ++i) {
        double k = get(b.params, p.pbytes, i);
        double f = rk4_factor(-k * dt), want = get(b.init, p.pbytes, i);
        for (size_t s = 0; s < 5; ++s) {
            if (s > 0)
                for (int j = 0; j < 16; ++j)
                    want *= f;
            double got = get(b.series, p.pbytes, s * (size_t)runs + i);
            bad += !t_rel_ok(got, want, tol);
        }
        bad += !t_rel_ok(get(b.final, p.pbytes, i), want, tol);
        bad += b.final_time[i] != 1.0 || b.status[i] != 0 || b.steps[i] != 64 || b.rej[i] != 0;
    }
    T_CHECKF(bad == 0, "%s: %d mismatches against x0*R(-k dt)^N", prec, bad);
    io_free(&b);
    cu_module_release(p.m);
}

/* Tsit5 with tight tolerances against the exact solution. */
static void test_decay_adaptive(const bo_model *decay)
{
    const char *kv[] = {"algorithm", "tsit5", "step_controller", "pi", "rtol",
                        "1e-10",     "atol",  "1e-12",           NULL};
    program p;
    if (build(decay, kv, &p) != BO_OK) {
        T_CHECK(0);
        return;
    }
    const int64_t runs = 333;
    io b;
    T_CHECK(io_alloc(&b, 1, 1, 1, 0, runs, p.pbytes) == 0);
    for (size_t i = 0; i < (size_t)runs; ++i) {
        put(b.init, p.pbytes, i, 2.385);
        put(b.params, p.pbytes, i, 0.1 + 0.01 * (double)i);
    }
    run_opts o = {0.5, 0.0, 2.0, 0.0, 0.0, 0, 0, 0};
    T_EQ_INT(launch(&p, &b, &o, NULL, NULL), BO_OK);
    int bad = 0;
    for (size_t i = 0; i < (size_t)runs; ++i) {
        double k = get(b.params, p.pbytes, i);
        bad += !t_rel_ok(get(b.final, p.pbytes, i), 2.385 * exp(-k * 2.0), 1e-7);
        bad += b.final_time[i] != 2.5 || b.status[i] != 0 || b.steps[i] < 2;
    }
    T_CHECKF(bad == 0, "tsit5: %d runs off the exact solution", bad);
    io_free(&b);
    cu_module_release(p.m);
}

static void lorenz_inputs(io *b, int pbytes)
{
    size_t r = (size_t)b->runs;
    for (size_t i = 0; i < r; ++i) {
        put(b->init, pbytes, 0 * r + i, 1.0 + 0.001 * (double)(i % 97));
        put(b->init, pbytes, 1 * r + i, 0.5);
        put(b->init, pbytes, 2 * r + i, 2.385);
        put(b->params, pbytes, 0 * r + i, 8.0 + 0.5 * (double)(i % 9));
        put(b->params, pbytes, 1 * r + i, 50.0 * (double)i / (double)r);
    }
}

/* Chunking and block size change nothing; progress covers every run. */
static void test_chunking(const bo_model *lorenz)
{
    const char *kv[] = {"algorithm",         "tsit5", "step_controller", "pi", "outputs",
                        "state,observables", NULL};
    program p;
    if (build(lorenz, kv, &p) != BO_OK) {
        T_CHECK(0);
        return;
    }
    const int64_t runs = 5000;
    run_opts o = {0.0, 0.25, 1.0, 0.1, 0.0, 0, 0, 0};
    io ref;
    T_CHECK(io_alloc(&ref, 3, 2, 4, 11, runs, p.pbytes) == 0);
    lorenz_inputs(&ref, p.pbytes);
    T_EQ_INT(launch(&p, &ref, &o, NULL, NULL), BO_OK);
    int failed = 0;
    for (size_t i = 0; i < (size_t)runs; ++i)
        failed += ref.status[i] != 0 || ref.final_time[i] != 1.25;
    T_EQ_INT(failed, 0);

    const int64_t chunks[] = {1237, 64, 1};
    for (size_t c = 0; c < 3; ++c) {
        io b;
        T_CHECK(io_alloc(&b, 3, 2, 4, 11, runs, p.pbytes) == 0);
        lorenz_inputs(&b, p.pbytes);
        run_opts oc = o;
        oc.max_chunk = chunks[c];
        progress_log pl;
        T_EQ_INT(launch(&p, &b, &oc, NULL, &pl), BO_OK);
        T_CHECKF(same_outputs(&ref, &b), "max_chunk_runs %lld differs from one chunk",
                 (long long)chunks[c]);
        T_EQ_INT(pl.calls, (runs + chunks[c] - 1) / chunks[c]);
        T_CHECK(pl.monotone && pl.last == (size_t)runs);
        io_free(&b);
    }
    const int blocks[] = {32, 50, 96, 256};
    for (size_t k = 0; k < 4; ++k) {
        io b;
        T_CHECK(io_alloc(&b, 3, 2, 4, 11, runs, p.pbytes) == 0);
        lorenz_inputs(&b, p.pbytes);
        run_opts ob = o;
        ob.block = blocks[k];
        T_EQ_INT(launch(&p, &b, &ob, NULL, NULL), BO_OK);
        T_CHECKF(same_outputs(&ref, &b), "block_size %d differs from the automatic one", blocks[k]);
        io_free(&b);
    }
    /* Fewer runs than a block, and a ragged last block. */
    for (int64_t small = 1; small <= 33; small += 32) {
        io b;
        T_CHECK(io_alloc(&b, 3, 2, 4, 11, small, p.pbytes) == 0);
        for (size_t i = 0; i < (size_t)small; ++i)
            for (size_t v = 0; v < 3; ++v)
                put(b.init, p.pbytes, v * (size_t)small + i,
                    get(ref.init, p.pbytes, v * (size_t)runs + i));
        for (size_t i = 0; i < (size_t)small; ++i)
            for (size_t v = 0; v < 2; ++v)
                put(b.params, p.pbytes, v * (size_t)small + i,
                    get(ref.params, p.pbytes, v * (size_t)runs + i));
        T_EQ_INT(launch(&p, &b, &o, NULL, NULL), BO_OK);
        int diff = 0;
        for (size_t i = 0; i < (size_t)small; ++i) {
            for (size_t v = 0; v < 3; ++v)
                diff += get(b.final, p.pbytes, v * (size_t)small + i) !=
                        get(ref.final, p.pbytes, v * (size_t)runs + i);
            diff += b.steps[i] != ref.steps[i];
        }
        T_CHECKF(diff == 0, "%lld runs: %d values differ from the same runs in a big batch",
                 (long long)small, diff);
        io_free(&b);
    }

    /* The module reports its resources; a second load of the same source hits the cache. */
    char *info = NULL;
    T_EQ_INT(cu_module_info(p.m, &info), BO_OK);
    T_CONTAINS(info, "registers per thread");
    T_CONTAINS(info, "sm_");
    T_CONTAINS(info, "block size");
    printf("%s", info ? info : "");
    bo_free(info);
    program again;
    T_EQ_INT(build(lorenz, kv, &again), BO_OK);
    info = NULL;
    if (again.m) {
        T_EQ_INT(cu_module_info(again.m, &info), BO_OK);
        T_CONTAINS(info, "cache hit");
        bo_free(info);
    }
    cu_module_release(again.m);

    /* Launch errors: a block too large, shared memory no block can hold, bad precision. */
    io b;
    T_CHECK(io_alloc(&b, 3, 2, 4, 11, 100, p.pbytes) == 0);
    lorenz_inputs(&b, p.pbytes);
    run_opts oe = o;
    oe.block = 4096;
    T_EQ_INT(launch(&p, &b, &oe, NULL, NULL), BO_ERR_RANGE);
    program huge = p;
    huge.stride = 100000;
    T_EQ_INT(launch(&huge, &b, &o, NULL, NULL), BO_ERR_RANGE);
    T_CONTAINS(bo_errmsg(ctx), "shared memory");
    program badp = p;
    badp.pbytes = 3;
    T_EQ_INT(launch(&badp, &b, &o, NULL, NULL), BO_ERR_INVALID_ARG);
    io_free(&b);
    io empty;
    T_CHECK(io_alloc(&empty, 3, 2, 4, 11, 0, p.pbytes) == 0);
    progress_log pl;
    T_EQ_INT(launch(&p, &empty, &o, NULL, &pl), BO_OK);
    T_EQ_INT(pl.calls, 1);
    io_free(&empty);
    io_free(&ref);
    cu_module_release(p.m);
}

/* The controller's history and the loop's buffers in shared memory give the same results,
 * up to the rounding of FMA contraction (see close_outputs). */
static void test_shared_local(const bo_model *lorenz, const char *prec, const char *ctrl)
{
    /* float32 runs at a tolerance float32 can meet (rtol 1e-4): at the default 1e-6, near
     * float32's resolution, rounding noise alone decides accept/reject. */
    int f32 = strcmp(prec, "float32") == 0;
    const char *rtol = f32 ? "1e-4" : "1e-6";
    const char *kv_local[] = {
        "algorithm", "dp5", "step_controller", ctrl, "precision", prec, "rtol", rtol, NULL};
    const char *kv_shared[] = {"rtol",
                               rtol,
                               "algorithm",
                               "dp5",
                               "step_controller",
                               ctrl,
                               "precision",
                               prec,
                               "timestep_memory",
                               "shared",
                               "state_location",
                               "shared",
                               "proposed_state_location",
                               "shared",
                               "stage_rhs_location",
                               "shared",
                               NULL};
    program pl, ps;
    if (build(lorenz, kv_local, &pl) != BO_OK || build(lorenz, kv_shared, &ps) != BO_OK) {
        T_CHECK(0);
        cu_module_release(pl.m);
        return;
    }
    T_CHECK(ps.stride > pl.stride);
    const int64_t runs = 3000;
    io a, b;
    T_CHECK(io_alloc(&a, 3, 2, 3, 0, runs, pl.pbytes) == 0);
    T_CHECK(io_alloc(&b, 3, 2, 3, 0, runs, ps.pbytes) == 0);
    lorenz_inputs(&a, pl.pbytes);
    lorenz_inputs(&b, ps.pbytes);
    /* rho in [0, 20): below the chaotic regime, so a rounding difference is not amplified
     * exponentially and the comparison measures placement, not chaos. */
    for (size_t i = 0; i < (size_t)runs; ++i) {
        double rho = 20.0 * (double)i / (double)runs;
        put(a.params, a.pbytes, (size_t)runs + i, rho);
        put(b.params, b.pbytes, (size_t)runs + i, rho);
    }
    run_opts o = {0.0, 0.0, 2.0, 0.0, 0.0, 0, 0, 0};
    T_EQ_INT(launch(&pl, &a, &o, NULL, NULL), BO_OK);
    T_EQ_INT(launch(&ps, &b, &o, NULL, NULL), BO_OK);
    double worst = 0.0;
    size_t flipped = 0;
    int f64 = pl.pbytes == 8;
    T_CHECKF(close_outputs(&a, &b, f64 ? 1e-10 : 1e-3, f64 ? 1e-4 : 2e-2, f64 ? 0.1 : 0.5, &worst,
                           &flipped),
             "%s %s: shared placement changed the results beyond rounding", prec, ctrl);
    printf("%s %s: shared vs local placement: max rel diff %.3e over runs with the same "
           "steps; %zu of %lld runs took different steps\n",
           prec, ctrl, worst, flipped, (long long)runs);
    io_free(&a);
    io_free(&b);
    cu_module_release(pl.m);
    cu_module_release(ps.m);
}

/* Status flags: non-finite inputs, too few steps; the other runs are untouched. */
static void test_status(const bo_model *lorenz)
{
    const char *kv[] = {"algorithm", "tsit5", "step_controller", "gustafsson", NULL};
    program p;
    if (build(lorenz, kv, &p) != BO_OK) {
        T_CHECK(0);
        return;
    }
    const int64_t runs = 200;
    io b;
    T_CHECK(io_alloc(&b, 3, 2, 3, 0, runs, p.pbytes) == 0);
    lorenz_inputs(&b, p.pbytes);
    put(b.init, p.pbytes, 1 * (size_t)runs + 7, NAN);
    put(b.params, p.pbytes, 1 * (size_t)runs + 150, INFINITY);
    run_opts o = {0.0, 0.0, 1.0, 0.0, 0.0, 0, 0, 0};
    T_EQ_INT(launch(&p, &b, &o, NULL, NULL), BO_OK);
    int bad = 0;
    for (size_t i = 0; i < (size_t)runs; ++i) {
        int32_t want = (i == 7 || i == 150) ? BO_RUN_BAD_INPUT : 0;
        bad += b.status[i] != want;
    }
    T_CHECKF(bad == 0, "%d runs have the wrong status for non-finite inputs", bad);

    o.max_steps = 5;
    T_EQ_INT(launch(&p, &b, &o, NULL, NULL), BO_OK);
    bad = 0;
    for (size_t i = 0; i < (size_t)runs; ++i) {
        int32_t want = (i == 7 || i == 150) ? BO_RUN_BAD_INPUT : BO_RUN_MAX_STEPS;
        bad += b.status[i] != want;
        if (want == BO_RUN_MAX_STEPS)
            bad += b.steps[i] != 5 || !(b.final_time[i] < 1.0);
    }
    T_CHECKF(bad == 0, "%d runs have the wrong status or counters with max_steps 5", bad);
    io_free(&b);
    cu_module_release(p.m);
}

/* Host RK4 for Lorenz (beta = 8/3), the classical scheme. */
static void lorenz_f(const double *y, double sigma, double rho, double *f)
{
    f[0] = sigma * (y[1] - y[0]);
    f[1] = y[0] * (rho - y[2]) - y[1];
    f[2] = y[0] * y[1] - 8.0 / 3.0 * y[2];
}

static void lorenz_rk4(double *y, double sigma, double rho, double dt, int steps)
{
    for (int s = 0; s < steps; ++s) {
        double k1[3], k2[3], k3[3], k4[3], t[3];
        lorenz_f(y, sigma, rho, k1);
        for (int i = 0; i < 3; ++i)
            t[i] = y[i] + 0.5 * dt * k1[i];
        lorenz_f(t, sigma, rho, k2);
        for (int i = 0; i < 3; ++i)
            t[i] = y[i] + 0.5 * dt * k2[i];
        lorenz_f(t, sigma, rho, k3);
        for (int i = 0; i < 3; ++i)
            t[i] = y[i] + dt * k3[i];
        lorenz_f(t, sigma, rho, k4);
        for (int i = 0; i < 3; ++i)
            y[i] += dt / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
    }
}

/* 2^24 runs in one call: automatic chunking over the device and pinned staging limits. */
static void test_huge(const bo_model *lorenz)
{
    const char *kv[] = {"algorithm", "rk4", "step_controller", "fixed", NULL};
    program p;
    if (build(lorenz, kv, &p) != BO_OK) {
        T_CHECK(0);
        return;
    }
    const int64_t runs = (int64_t)1 << 24;
    io b;
    if (io_alloc(&b, 3, 2, 3, 0, runs, p.pbytes) != 0) {
        printf("not enough host memory for 2^24 runs\n");
        T_CHECK(0);
        cu_module_release(p.m);
        return;
    }
    lorenz_inputs(&b, p.pbytes);
    run_opts o = {0.0, 0.0, 0.05, 0.0, 0.01, 0, 0, 0};
    float ms = 0;
    progress_log pl;
    T_EQ_INT(launch(&p, &b, &o, &ms, &pl), BO_OK);
    printf("2^24 runs: kernel %.1f ms, %zu progress calls\n", (double)ms, pl.calls);
    T_CHECK(pl.monotone && pl.last == (size_t)runs);
    size_t r = (size_t)runs;
    int64_t failed = 0, wrong_steps = 0;
    for (size_t i = 0; i < r; ++i) {
        failed += b.status[i] != 0;
        wrong_steps += b.steps[i] != 5;
    }
    T_EQ_INT(failed, 0);
    T_EQ_INT(wrong_steps, 0);
    /* Rounding differences (FMA contraction, operation order) stay near 1e-16 relative over
     * five steps; 1e-12 leaves a wide margin while catching any misplaced run. */
    int bad = 0;
    for (size_t i = 0; i < r; i += 4093) {
        double y[3] = {((double *)b.init)[i], ((double *)b.init)[r + i],
                       ((double *)b.init)[2 * r + i]};
        lorenz_rk4(y, ((double *)b.params)[i], ((double *)b.params)[r + i], 0.01, 5);
        for (size_t v = 0; v < 3; ++v)
            bad += !t_abs_ok(((double *)b.final)[v * r + i], y[v], 1e-12 * (1.0 + fabs(y[v])));
    }
    T_CHECKF(bad == 0, "%d sampled values differ from the host RK4", bad);
    io_free(&b);
    cu_module_release(p.m);
}

int main(void)
{
    if (bo_context_create(&ctx) != BO_OK)
        return 1;
    if (cu_available(ctx, 0) != BO_OK) {
        printf("%s\n", bo_errmsg(ctx));
        bo_context_destroy(ctx);
        T_SKIP("no usable CUDA device");
    }
    bo_model *decay = NULL, *lorenz = NULL;
    T_EQ_INT(bo_model_load_string(ctx, decay_text, "decay", &decay), BO_OK);
    T_EQ_INT(bo_model_load_string(ctx, lorenz_text, "lorenz", &lorenz), BO_OK);
    if (decay && lorenz) {
        test_decay_rk4(decay, "float64", 1e-13);
        test_decay_rk4(decay, "float32", 1e-5);
        test_decay_adaptive(decay);
        test_chunking(lorenz);
        test_shared_local(lorenz, "float64", "pid");
        test_shared_local(lorenz, "float32", "gustafsson");
        test_shared_local(lorenz, "float64", "pi");
        test_status(lorenz);
        test_huge(lorenz);
    }
    bo_model_destroy(decay);
    bo_model_destroy(lorenz);
    bo_context_destroy(ctx);
    T_DONE();
}
