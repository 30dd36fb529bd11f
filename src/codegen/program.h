/* Assembly of the generated program: one translation unit = precision + device prelude +
 * model functions + configuration constants + tableau + the registry's allocators + the
 * device library (controllers, step, loop) + entry points. The same unit compiles with the
 * host C compiler (CPU backend) and with NVRTC (CUDA backend). */
#ifndef BO_PROGRAM_H
#define BO_PROGRAM_H

#include <stddef.h>

#include "batchode.h"
#include "registry.h"
#include "util/strbuf.h"
#include "summaries.h"
#include "methods/tableau.h"

/* Controller kinds, matching kernels/controllers.h. */
enum { PG_CTRL_FIXED = 0, PG_CTRL_I = 1, PG_CTRL_PI = 2, PG_CTRL_PID = 3, PG_CTRL_GUSTAFSSON = 4 };

/* Everything that reaches the generated code, resolved from the settings and the model. */
typedef struct {
    int precision; /* 32 or 64 */
    const bo_tableau *tableau;
    int controller; /* PG_CTRL_* */
    int order;      /* exponent order of the controller */
    double safety, min_gain, max_gain, kp, ki, kd, deadband_min, deadband_max, gamma;
    double dt_min, dt_max;
    int max_newton_iters;
    double *atol, *rtol; /* one per state */
    int *saved_states;   /* indices of states saved in the time series */
    size_t n_saved_states;
    int *saved_obs; /* indices of observables saved */
    size_t n_saved_obs;
    int want_counters;       /* outputs include the per-run step counters (host side only) */
    int want_events;         /* event records (outputs includes events, or outputs is not set
                                and the model has events; host side only) */
    sm_request *sum_metrics; /* summary metrics requested, in request order */
    size_t n_sum_metrics;
    int *sum_states; /* indices of the summarised states */
    size_t n_sum_states;
    int *sum_obs; /* indices of the summarised observables */
    size_t n_sum_obs;
    int max_registers; /* GPU register cap per thread, 0 = the compiler's choice */
    /* Implicit methods (kernels/linsolve.h, docs/implicit.md). */
    int linear_solver;       /* PG_LS_DENSE or PG_LS_KRYLOV (resolved from "auto") */
    double newton_tolerance; /* Newton stops when the weighted norm of the predicted remaining
                                error is below this fraction of the error tolerance */
    double krylov_tolerance; /* relative residual at which the Krylov solve stops */
    int krylov_max_iters;    /* Krylov iterations per linear solve (over all restarts) */
    int krylov_restart;      /* GMRES restart length m (basis vectors kept) */
    int preconditioner;      /* PG_PRECOND_NONE or PG_PRECOND_JACOBI */
    /* Dense output (kernels/dense.h): 1 when the program keeps the method's continuous
     * extension (BO_DENSE), for interpolated saves and samples or for event location. */
    int dense;
    /* 1 when saves and summary samples are interpolated inside steps (save_mode=interpolate;
     * needs dense), 0 when steps land on them (save_mode=land). */
    int interpolate;
} pg_config;

/* Models with more states than this keep the device library's loops over the states rolled
 * (BO_UNROLL is emptied). */
#define PG_UNROLL_STATES_MAX 64

/* Linear solvers and preconditioners of the implicit methods. */
enum { PG_LS_DENSE = 0, PG_LS_KRYLOV = 1 };
enum { PG_PRECOND_NONE = 0, PG_PRECOND_JACOBI = 1 };

/* History length of each controller's timestep_buffer (0 fixed, 0 I, 1 PI, 2 PID,
 * 2 Gustafsson). */
size_t pg_controller_history(int controller);

/* Persistent accumulator elements per run of the summaries (0 when there are none). */
size_t pg_summary_elements(const pg_config *cfg);

/* Register every component's buffers for this configuration (loop -> algorithm, loop ->
 * controller, loop -> summaries) and apply `<name>_location` overrides from locations (pairs of
 * name and location; count pairs). */
int pg_register_buffers(bo_context *ctx, const bo_model *model, const pg_config *cfg,
                        reg_registry *reg);

/* Write the whole unit. */
int pg_emit(bo_context *ctx, const bo_model *model, const pg_config *cfg, reg_registry *reg,
            sb_buf *out);

#endif
