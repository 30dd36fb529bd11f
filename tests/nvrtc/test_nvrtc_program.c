/* Every generated program compiles with NVRTC into an sm_90 cubin (no GPU needed): each
 * algorithm with each controller it supports (fixed without an error estimate; i, pi, pid and
 * gustafsson with one), in float32 and float64, with the controller's history in local and in
 * shared memory, and with the loop and algorithm buffers all local or state, proposed_state
 * and stage_rhs in shared memory. The first model runs the full product; the second covers
 * every value of every axis in fewer combinations, keeping the test within a few minutes on
 * two cores. Compiles run on two threads (NVRTC is thread-safe across programs).
 *
 * The implicit methods (radau5, the diagonally implicit and the Rosenbrock families) compile with
 * fixed steps and the gustafsson controller in both precisions, with every buffer local, and with
 * every buffer of the method and of its linear solver in shared memory too; their unrolled LU
 * factorisations make each program slower to compile, so they get these eight combinations on
 * Lorenz and two on van der Pol.
 * The implicit methods but Radau IIA (which refuses it) also compile with linear_solver=krylov.
 *
 * The set of algorithms is cross-checked against the library: a fixed-step method must refuse
 * an adaptive controller, an embedded one must accept it, so a method added to the library
 * with the wrong expectation here fails the test instead of going uncompiled. */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "backend/cuda/cuda.h"
#include "backend/cuda/nvrtc.h"
#include "batchode.h"
#include "harness.h"
#include "solve/solver_internal.h"

static const char *const lorenz_text = "model lorenz\n"
                                       "const beta = 8/3\n"
                                       "param sigma = 10, rho = 28\n"
                                       "state x = 1, y = 0, z = 0\n"
                                       "dx/dt = sigma*(y - x)\n"
                                       "dy/dt = x*(rho - z) - y\n"
                                       "dz/dt = x*y - beta*z\n"
                                       "obs radius = sqrt(x^2 + y^2 + z^2)\n";

/* Van der Pol with an observable using a library function, to exercise the math macros. */
static const char *const vdp_text = "model vanderpol\n"
                                    "param mu = 2.385\n"
                                    "state x = 2, v = 0\n"
                                    "dx/dt = v\n"
                                    "dv/dt = mu*(1 - x^2)*v - x\n"
                                    "obs energy = 0.5*(x^2 + v^2)\n"
                                    "obs phase = atan2(v, x)\n";

typedef struct {
    const char *name;
    int embedded; /* has an error estimate: adaptive controllers allowed */
} algo;

static const algo algos[] = {
    {"euler", 0},     {"heun", 0},       {"ralston", 0}, {"rk4", 0},   {"bs3", 1},    {"dp5", 1},
    {"cash_karp", 1}, {"fehlberg45", 1}, {"tsit5", 1},   {"vern7", 1}, {"dop853", 1},
};
#define N_ALGOS (sizeof algos / sizeof algos[0])

/* Implicit methods and the buffers they register (moved to shared memory together). */
static const algo implicit_algos[] = {
    {"radau5", 1},         {"backward_euler", 0}, {"implicit_midpoint", 0},
    {"crank_nicolson", 1}, {"sdirk2", 0},         {"sdirk3", 0},
    {"sdirk4", 1},         {"kvaerno3", 1},       {"kvaerno5", 1},
    {"rosenbrock23", 1},   {"ros3p", 1},          {"rodas4", 1},
    {"rodas5p", 1}};
#define N_IMPLICIT (sizeof implicit_algos / sizeof implicit_algos[0])
static const char *const implicit_buffers[] = {
    "radau_stages",    "radau_rhs",       "radau_eta", "radau_state", "radau_lu_complex",
    "radau_f0",        "radau_predictor", "jacobian",  "lu",          "stage_accumulator",
    "stage_increment", "newton_eta",      NULL};

static const char *const adaptive[] = {"i", "pi", "pid", "gustafsson"};
static const char *const precisions[] = {"float32", "float64"};
static const char *const memories[] = {"local", "shared"};

typedef struct {
    char label[160];
    char *source;
    int ok;
    char *log;
    double ms;
} job;

typedef struct {
    job *jobs;
    size_t count;
    _Atomic size_t next;
} queue;

static void *worker(void *p)
{
    queue *q = p;
    bo_context *ctx = NULL;
    if (bo_context_create(&ctx) != BO_OK)
        return NULL;
    for (;;) {
        size_t i = atomic_fetch_add(&q->next, 1);
        if (i >= q->count)
            break;
        job *j = &q->jobs[i];
        char *out = NULL;
        size_t size = 0;
        int rc = cu_nvrtc_compile(ctx, j->source, "batchode.cu", 90, 1, &out, &size);
        j->ok = rc == BO_OK && out && size > 16 && memcmp(out, "\177ELF", 4) == 0;
        if (!j->ok) {
            const char *msg = bo_errmsg(ctx), *log = bo_errlog(ctx);
            size_t n = strlen(msg) + strlen(log) + 64;
            j->log = malloc(n);
            if (j->log)
                snprintf(j->log, n, "rc %d: %s\n%s", rc, msg, log);
        }
        bo_free(out);
    }
    bo_context_destroy(ctx);
    return NULL;
}

static int set(bo_settings *s, const char *k, const char *v)
{
    int rc = bo_settings_set(s, k, v);
    if (rc != BO_OK)
        printf("setting %s=%s failed: %d\n", k, v, rc);
    return rc;
}

/* Generate one configuration; appends a job. */
static void add_job(bo_context *ctx, const bo_model *model, const char *mname, const algo *a,
                    const char *ctrl, const char *prec, const char *tmem, int shared_buffers,
                    const char *const *more_shared, job *jobs, size_t *count)
{
    bo_settings *s = NULL;
    T_CHECK(bo_settings_create(ctx, &s) == BO_OK);
    if (!s)
        return;
    const char *buf = shared_buffers ? "shared" : "local";
    int rc = set(s, "algorithm", a->name);
    if (rc == BO_OK)
        rc = set(s, "step_controller", ctrl);
    if (rc == BO_OK)
        rc = set(s, "precision", prec);
    if (rc == BO_OK)
        rc = set(s, "timestep_memory", tmem);
    if (rc == BO_OK)
        rc = set(s, "state_location", buf);
    if (rc == BO_OK)
        rc = set(s, "proposed_state_location", buf);
    if (rc == BO_OK)
        rc = set(s, "stage_rhs_location", buf);
    for (size_t i = 0; shared_buffers && more_shared && more_shared[i] && rc == BO_OK; ++i) {
        char key[96];
        snprintf(key, sizeof key, "%s_location", more_shared[i]);
        rc = set(s, key, "shared");
    }
    if (rc == BO_OK)
        rc = set(s, "outputs", "state,observables");
    T_EQ_INT(rc, BO_OK);
    char *src = NULL;
    size_t stride = 0;
    int pbytes = 0;
    if (rc == BO_OK) {
        rc = sv_generate(ctx, model, s, &src, &stride, &pbytes);
        T_CHECKF(rc == BO_OK, "sv_generate %s %s %s: %s", mname, a->name, ctrl, bo_errmsg(ctx));
        T_EQ_INT(pbytes, strcmp(prec, "float32") == 0 ? 4 : 8);
        /* Shared placement must reach the layout: state and proposed_state alone are 2n. */
        if (shared_buffers)
            T_CHECK(stride >= 2 * bo_model_count(model, BO_STATE));
    }
    if (rc == BO_OK && src) {
        job *j = &jobs[(*count)++];
        memset(j, 0, sizeof *j);
        snprintf(j->label, sizeof j->label, "%s %s/%s %s timestep_memory=%s buffers=%s", mname,
                 a->name, ctrl, prec, tmem, buf);
        j->source = src;
    } else {
        bo_free(src);
    }
    bo_settings_destroy(s);
}

/* Implicit methods with linear_solver=krylov: each compiles with Jacobi and without, in
 * float32 and float64, with the Krylov buffers local and all in shared memory. */
static const char *const krylov_names[] = {"rodas5p", "rosenbrock23", "kvaerno5", "sdirk4",
                                           "crank_nicolson"};
#define N_KRYLOV (sizeof krylov_names / sizeof krylov_names[0])
static const char *const krylov_buffers[] = {"krylov_point", "krylov_diag",       "krylov_precond",
                                             "krylov_basis", "krylov_hessenberg", "krylov_work"};

static int algorithm_known(bo_context *ctx, const char *name)
{
    bo_settings *s = NULL;
    if (bo_settings_create(ctx, &s) != BO_OK)
        return 0;
    int known = bo_settings_set(s, "algorithm", name) == BO_OK;
    bo_settings_destroy(s);
    return known;
}

static void add_krylov_job(bo_context *ctx, const bo_model *model, const char *mname,
                           const char *aname, const char *prec, int jacobi, int shared, job *jobs,
                           size_t *count)
{
    bo_settings *s = NULL;
    T_CHECK(bo_settings_create(ctx, &s) == BO_OK);
    if (!s)
        return;
    int rc = set(s, "algorithm", aname);
    if (rc == BO_OK)
        rc = set(s, "precision", prec);
    if (rc == BO_OK)
        rc = set(s, "linear_solver", "krylov");
    if (rc == BO_OK)
        rc = set(s, "preconditioner", jacobi ? "jacobi" : "none");
    for (size_t i = 0;
         shared && rc == BO_OK && i < sizeof krylov_buffers / sizeof krylov_buffers[0]; ++i) {
        char key[64];
        snprintf(key, sizeof key, "%s_location", krylov_buffers[i]);
        rc = set(s, key, "shared");
    }
    T_EQ_INT(rc, BO_OK);
    char *src = NULL;
    size_t stride = 0;
    if (rc == BO_OK) {
        rc = sv_generate(ctx, model, s, &src, &stride, NULL);
        T_CHECKF(rc == BO_OK, "sv_generate %s %s krylov: %s", mname, aname, bo_errmsg(ctx));
        if (rc == BO_OK) {
            T_CONTAINS(src, "/* ---- kernels/krylov.h ---- */");
            /* The basis alone is (min(restart, n) + 1) * n. */
            size_t n = bo_model_count(model, BO_STATE);
            if (shared)
                T_CHECK(stride >= (n + 1) * n);
        }
    }
    if (rc == BO_OK && src) {
        job *j = &jobs[(*count)++];
        memset(j, 0, sizeof *j);
        snprintf(j->label, sizeof j->label,
                 "%s %s %s linear_solver=krylov preconditioner=%s "
                 "krylov buffers=%s",
                 mname, aname, prec, jacobi ? "jacobi" : "none", shared ? "shared" : "local");
        j->source = src;
    } else {
        bo_free(src);
    }
    bo_settings_destroy(s);
}

/* Fixed-step methods refuse adaptive control; embedded ones accept it. */
static void check_algorithm_table(bo_context *ctx, const bo_model *model)
{
    for (size_t i = 0; i < N_ALGOS + N_IMPLICIT; ++i) {
        const algo *a = i < N_ALGOS ? &algos[i] : &implicit_algos[i - N_ALGOS];
        bo_settings *s = NULL;
        T_CHECK(bo_settings_create(ctx, &s) == BO_OK);
        if (!s)
            return;
        T_EQ_INT(bo_settings_set(s, "algorithm", a->name), BO_OK);
        T_EQ_INT(bo_settings_set(s, "step_controller", "pi"), BO_OK);
        char *src = NULL;
        int rc = sv_generate(ctx, model, s, &src, NULL, NULL);
        T_CHECKF((rc == BO_OK) == (a->embedded != 0), "%s with pi: rc %d (%s)", a->name, rc,
                 bo_errmsg(ctx));
        bo_free(src);
        bo_settings_destroy(s);
    }
}

/* Without a GPU (CI) the backend says why and creates nothing; bad arguments are refused
 * before any driver call. */
static void check_backend_api(bo_context *ctx)
{
    T_EQ_INT(cu_available(ctx, -1), BO_ERR_INVALID_ARG);
    int avail = cu_available(ctx, 0);
    if (avail != BO_OK) {
        T_EQ_INT(avail, BO_ERR_BACKEND);
        T_CONTAINS(bo_errmsg(ctx), "CUDA backend unavailable");
        printf("no GPU here: %s\n", bo_errmsg(ctx));
        cu_module *m = (cu_module *)&avail; /* must be reset to NULL */
        T_EQ_INT(cu_module_load(ctx, "int x;", 0, 1, &m), BO_ERR_BACKEND);
        T_CHECK(m == NULL);
    }
    T_EQ_INT(cu_module_load(ctx, "int x;", 0, 1, NULL), BO_ERR_INVALID_ARG);
    cu_launch L;
    memset(&L, 0, sizeof L);
    T_EQ_INT(cu_run(ctx, NULL, &L), BO_ERR_INVALID_ARG);
    char *text = (char *)"x";
    T_EQ_INT(cu_module_info(NULL, &text), BO_ERR_INVALID_ARG);
    T_CHECK(text == NULL);
    cu_module_release(NULL);
}

int main(void)
{
    bo_context *ctx = NULL;
    if (bo_context_create(&ctx) != BO_OK)
        return 1;
    check_backend_api(ctx);
    if (cu_nvrtc_load(ctx) != BO_OK) {
        printf("%s\n", bo_errmsg(ctx));
        bo_context_destroy(ctx);
        T_SKIP("NVRTC cannot be loaded");
    }
    bo_model *lorenz = NULL, *vdp = NULL;
    T_EQ_INT(bo_model_load_string(ctx, lorenz_text, "lorenz", &lorenz), BO_OK);
    T_EQ_INT(bo_model_load_string(ctx, vdp_text, "vanderpol", &vdp), BO_OK);
    if (!lorenz || !vdp) {
        printf("%s\n", bo_errmsg(ctx));
        bo_model_destroy(lorenz);
        bo_model_destroy(vdp);
        bo_context_destroy(ctx);
        T_DONE();
    }
    check_algorithm_table(ctx, lorenz);

    size_t cap = 2 * (N_ALGOS + N_IMPLICIT) * 5 * 2 * 2 * 2 + N_KRYLOV * 4;
    job *jobs = calloc(cap, sizeof *jobs);
    size_t count = 0;
    if (!jobs)
        return 1;

    /* Lorenz: the full product. */
    for (size_t i = 0; i < N_ALGOS; ++i) {
        size_t nc = algos[i].embedded ? 4 : 1;
        for (size_t c = 0; c < nc; ++c)
            for (size_t p = 0; p < 2; ++p)
                for (size_t t = 0; t < 2; ++t)
                    for (int sh = 0; sh < 2; ++sh)
                        add_job(ctx, lorenz, "lorenz", &algos[i],
                                algos[i].embedded ? adaptive[c] : "fixed", precisions[p],
                                memories[t], sh, NULL, jobs, &count);
    }
    /* Van der Pol: every algorithm with every controller once (plus fixed steps for an
     * embedded method), precision and placements rotating so each value of each axis
     * appears with several algorithms. */
    size_t k = 0;
    for (size_t i = 0; i < N_ALGOS; ++i) {
        size_t nc = algos[i].embedded ? 4 : 1;
        for (size_t c = 0; c < nc; ++c, ++k)
            add_job(ctx, vdp, "vanderpol", &algos[i], algos[i].embedded ? adaptive[c] : "fixed",
                    precisions[k % 2], memories[(k / 2) % 2], (int)((k / 4) % 2), NULL, jobs,
                    &count);
    }
    add_job(ctx, vdp, "vanderpol", &algos[8], "fixed", "float32", "shared", 1, NULL, jobs, &count);
    /* Implicit methods: fixed and gustafsson, both precisions, all local or all shared. */
    static const char *const implicit_ctrls[] = {"fixed", "gustafsson"};
    for (size_t i = 0; i < N_IMPLICIT; ++i) {
        for (size_t c = 0; c < (implicit_algos[i].embedded ? 2u : 1u); ++c)
            for (size_t p = 0; p < 2; ++p)
                for (int sh = 0; sh < 2; ++sh)
                    add_job(ctx, lorenz, "lorenz", &implicit_algos[i], implicit_ctrls[c],
                            precisions[p], memories[sh], sh, implicit_buffers, jobs, &count);
        if (!implicit_algos[i].embedded)
            continue;
        add_job(ctx, vdp, "vanderpol", &implicit_algos[i], "gustafsson", "float32", "local", 1,
                implicit_buffers, jobs, &count);
        add_job(ctx, vdp, "vanderpol", &implicit_algos[i], "pi", "float64", "shared", 0,
                implicit_buffers, jobs, &count);
    }
    size_t n_krylov = 0;
    for (size_t i = 0; i < N_KRYLOV; ++i) {
        if (!algorithm_known(ctx, krylov_names[i]))
            continue;
        for (int q = 0; q < 4; ++q, ++n_krylov)
            add_krylov_job(ctx, q % 2 ? lorenz : vdp, q % 2 ? "lorenz" : "vanderpol",
                           krylov_names[i], q < 2 ? "float64" : "float32", q == 0 || q == 3,
                           q == 1 || q == 2, jobs, &count);
    }
    T_CHECKF(n_krylov > 0, "no implicit method takes linear_solver=krylov");

    queue q;
    q.jobs = jobs;
    q.count = count;
    atomic_init(&q.next, 0);
    pthread_t tid;
    int started = pthread_create(&tid, NULL, worker, &q) == 0;
    worker(&q);
    if (started)
        pthread_join(tid, NULL);

    size_t failed = 0;
    for (size_t i = 0; i < count; ++i) {
        T_CHECKF(jobs[i].ok, "NVRTC failed for %s:\n%s", jobs[i].label,
                 jobs[i].log ? jobs[i].log : "(no log)");
        failed += !jobs[i].ok;
        bo_free(jobs[i].source);
        free(jobs[i].log);
    }
    printf("compiled %zu programs for sm_90, %zu failed\n", count, failed);
    T_CHECK(count >= 2 * 32);
    free(jobs);
    bo_model_destroy(lorenz);
    bo_model_destroy(vdp);
    bo_context_destroy(ctx);
    T_DONE();
}
