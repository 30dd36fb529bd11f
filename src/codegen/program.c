/* Assembly of the generated program (see program.h). The device library's files are pasted
 * in dependency order with their local #include lines removed, so the unit is
 * self-contained: NVRTC has no include path to them. */
#include "program.h"

#include <string.h>

#include "methods/algorithm.h"
#include "methods/dense.h"
#include "codegen.h"
#include "util/embedded.h"
#include "model/model_internal.h"

size_t pg_controller_history(int controller)
{
    switch (controller) {
    case PG_CTRL_PI:
        return 1;
    case PG_CTRL_PID:
    case PG_CTRL_GUSTAFSSON:
        return 2;
    default:
        return 0;
    }
}

size_t pg_summary_elements(const pg_config *cfg)
{
    size_t nv = cfg->n_sum_states + cfg->n_sum_obs;
    if (!cfg->n_sum_metrics || !nv)
        return 0;
    size_t acc = SM_HISTORY;
    for (size_t i = 0; i < cfg->n_sum_metrics; ++i)
        acc += sm_acc_size(&cfg->sum_metrics[i]);
    return nv * acc;
}

int pg_register_buffers(bo_context *ctx, const bo_model *model, const pg_config *cfg,
                        reg_registry *reg)
{
    size_t n = model->count[BO_STATE];
    size_t np = model->count[BO_PARAMETER];
    size_t nd = model->count[BO_DRIVER];
    size_t no = model->count[BO_OBSERVABLE];
    reg_precision prec = cfg->precision == 32 ? REG_F32 : REG_F64;
    int adaptive = cfg->controller != PG_CTRL_FIXED;
    int rc = reg_set_working_precision(reg, prec);
#define REG(owner, name, size, persistent)                                                         \
    do {                                                                                           \
        if (rc == BO_OK)                                                                           \
            rc = reg_register(reg, owner, name, size, REG_LOCAL, persistent, NULL, prec);          \
    } while (0)
    REG("loop", "state", n, 0);
    REG("loop", "proposed_state", n, 0);
    REG("loop", "parameters", np, 0);
    REG("loop", "drivers", nd, 0);
    REG("loop", "observables", no, 0);
    /* The step writes an error estimate whenever the method has one, even under a fixed
     * controller, so the buffer must exist then too. */
    REG("loop", "error", (adaptive || tab_has_error_estimate(cfg->tableau)) ? n : 0, 0);
    REG("controller", "timestep_buffer", pg_controller_history(cfg->controller), 1);
    /* Summary accumulators and each variable's last two samples survive between samples. */
    REG("summaries", "summaries", pg_summary_elements(cfg), 1);
#undef REG
    const pg_family *fam = pg_family_of(cfg->tableau);
    if (rc == BO_OK && !fam)
        return bo_error(ctx, BO_ERR_INTERNAL, "method '%s' belongs to no known family",
                        cfg->tableau->name);
    if (rc == BO_OK)
        rc = reg_add_owner(reg, "algorithm");
    if (rc == BO_OK)
        rc = reg_add_child(reg, "loop", "algorithm");
    if (rc == BO_OK)
        rc = fam->register_buffers(reg, cfg, n, prec);
    if (rc == BO_OK)
        rc = pg_dense_register(reg, cfg, n, prec);
    if (rc == BO_OK)
        rc = reg_add_child(reg, "loop", "controller");
    if (rc == BO_OK)
        rc = reg_add_child(reg, "loop", "summaries");
    if (rc != BO_OK && !bo_errmsg(ctx)[0])
        bo_error(ctx, rc, "registering buffers failed");
    return rc;
}

/* Paste an embedded device-library file without its local includes. */
static int paste(bo_context *ctx, sb_buf *out, const char *name)
{
    const char *text = bo_embedded_find(name);
    if (!text)
        return bo_error(ctx, BO_ERR_INTERNAL, "device library file '%s' is not embedded", name);
    sb_printf(out, "/* ---- kernels/%s ---- */\n", name);
    const char *p = text;
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) + 1 : strlen(p);
        const char *q = p;
        while (q < p + len && (*q == ' ' || *q == '\t'))
            ++q;
        int is_local_include = strncmp(q, "#include \"", 10) == 0;
        if (!is_local_include)
            sb_append_n(out, p, len);
        p += len;
    }
    sb_append(out, "\n");
    return BO_OK;
}

static void emit_real_array(sb_buf *out, const char *name, const double *v, size_t n)
{
    sb_printf(out, "BO_CONST_ARRAY bo_real %s[%zu] = {", name, n ? n : 1);
    for (size_t i = 0; i < n; ++i) {
        sb_append(out, i ? ", BO_C(" : "BO_C(");
        sb_double(out, v[i]);
        sb_append(out, ")");
    }
    if (!n)
        sb_append(out, "BO_C(0)");
    sb_append(out, "};\n");
}

static void emit_int_array(sb_buf *out, const char *name, const int *v, size_t n)
{
    sb_printf(out, "BO_CONST_ARRAY int %s[%zu] = {", name, n ? n : 1);
    for (size_t i = 0; i < n; ++i)
        sb_printf(out, i ? ", %d" : "%d", v[i]);
    if (!n)
        sb_append(out, "0");
    sb_append(out, "};\n");
}

int pg_emit(bo_context *ctx, const bo_model *model, const pg_config *cfg, reg_registry *reg,
            sb_buf *out)
{
    int rc;
    size_t n = model->count[BO_STATE];
    sb_printf(out,
              "/* Generated by batchode %s for model '%s': %s, %s controller, float%d.\n"
              " * Do not edit: regenerate from the model and settings. */\n",
              bo_version(), model->name, cfg->tableau->name,
              cfg->controller == PG_CTRL_FIXED ? "fixed"
              : cfg->controller == PG_CTRL_I   ? "I"
              : cfg->controller == PG_CTRL_PI  ? "PI"
              : cfg->controller == PG_CTRL_PID ? "PID"
                                               : "Gustafsson",
              cfg->precision);
    sb_printf(out, "#define BO_PRECISION %d\n", cfg->precision);
    /* Read by the CUDA backend, which compiles with --maxrregcount when it is nonzero. */
    sb_printf(out, "#define BO_MAX_REGISTERS %d\n", cfg->max_registers);
    if ((rc = paste(ctx, out, "prelude.h")) != BO_OK)
        return rc;
    if ((rc = paste(ctx, out, "status.h")) != BO_OK)
        return rc;
    if ((rc = paste(ctx, out, "args.h")) != BO_OK)
        return rc;
    sb_append(out, "typedef bo_i32 bo_args_i32;\ntypedef bo_i64 bo_args_i64;\n"
                   "BO_ARGS_STRUCT(bo_args, bo_real)\n\n");

    sb_append(out, "/* ---- model ---- */\n");
    if ((rc = cg_emit_model(ctx, model, out)) != BO_OK)
        return rc;
    sb_append(out, "#define BO_N BO_MODEL_N\n");
    /* The device library unrolls its loops over the states (BO_UNROLL: fully under NVRTC, by
     * 64 under gcc), which pays while the states fit in registers. A large model's loops stay
     * as the compiler chooses: unrolled, they made compile time grow with the state count
     * (gcc took 15 s instead of 8 s for a 10^4-state Rosenbrock program). */
    sb_printf(out, "#if BO_N > %d\n#undef BO_UNROLL\n#define BO_UNROLL\n#endif\n",
              PG_UNROLL_STATES_MAX);
    /* Drivers are interpolated from the launch's driver block; without drivers both entry
     * points stay, as no-ops, so the device library calls them unconditionally. */
    if (model->count[BO_DRIVER] > 0) {
        if ((rc = paste(ctx, out, "drivers.h")) != BO_OK)
            return rc;
    } else {
        sb_append(out, "BO_DEVICE void bo_drivers_eval(const void *data, bo_real t, bo_real "
                       "*drv)\n{\n    (void)data;\n    (void)t;\n    (void)drv;\n}\n");
        sb_append(out, "BO_DEVICE void bo_drivers_eval_dt(const void *data, bo_real t, bo_real "
                       "*ddrv_dt)\n{\n    (void)data;\n    (void)t;\n    (void)ddrv_dt;\n}\n");
    }

    sb_append(out, "\n/* ---- controller configuration ---- */\n");
    sb_printf(out, "#define BO_CONTROLLER %d\n", cfg->controller);
    sb_printf(out, "#define BO_CTRL_ORDER %d\n", cfg->order);
    tab_emit_real(out, "BO_CTRL_SAFETY", cfg->safety);
    tab_emit_real(out, "BO_CTRL_MIN_GAIN", cfg->min_gain);
    tab_emit_real(out, "BO_CTRL_MAX_GAIN", cfg->max_gain);
    tab_emit_real(out, "BO_CTRL_KP", cfg->kp);
    tab_emit_real(out, "BO_CTRL_KI", cfg->ki);
    tab_emit_real(out, "BO_CTRL_KD", cfg->kd);
    tab_emit_real(out, "BO_CTRL_DEADBAND_MIN", cfg->deadband_min);
    tab_emit_real(out, "BO_CTRL_DEADBAND_MAX", cfg->deadband_max);
    tab_emit_real(out, "BO_CTRL_GAMMA", cfg->gamma);
    sb_printf(out, "#define BO_CTRL_MAX_NEWTON_ITERS %d\n", cfg->max_newton_iters);
    tab_emit_real(out, "BO_CTRL_DT_MIN", cfg->dt_min);
    /* "Unbounded" is the largest finite value of the precision's range we write. */
    double dt_max = cfg->dt_max;
    if (dt_max > (cfg->precision == 32 ? 3e38 : 1e300))
        dt_max = cfg->precision == 32 ? 3e38 : 1e300;
    tab_emit_real(out, "BO_CTRL_DT_MAX", dt_max);
    emit_real_array(out, "bo_ctrl_atol", cfg->atol, n);
    emit_real_array(out, "bo_ctrl_rtol", cfg->rtol, n);

    sb_append(out, "\n/* ---- outputs ---- */\n");
    sb_printf(out, "#define BO_N_SAVED_STATES %zu\n#define BO_N_SAVED_OBS %zu\n",
              cfg->n_saved_states, cfg->n_saved_obs);
    emit_int_array(out, "bo_saved_states", cfg->saved_states, cfg->n_saved_states);
    if (cfg->n_saved_obs) /* read only when there are some: no unused array otherwise */
        emit_int_array(out, "bo_saved_obs", cfg->saved_obs, cfg->n_saved_obs);
    sm_emit(out, cfg->sum_metrics, cfg->n_sum_metrics, cfg->sum_states, cfg->n_sum_states,
            cfg->sum_obs, cfg->n_sum_obs);

    const pg_family *fam = pg_family_of(cfg->tableau);
    if (!fam)
        return bo_error(ctx, BO_ERR_INTERNAL, "method '%s' belongs to no known family",
                        cfg->tableau->name);
    sb_append(out, "\n/* ---- method ---- */\n");
    if ((rc = fam->emit(ctx, cfg, n, out)) != BO_OK)
        return rc;
    if ((rc = pg_dense_emit(ctx, cfg, out)) != BO_OK)
        return rc;

    sb_append(out, "\n/* ---- buffer allocators ---- */\n");
    if ((rc = reg_emit(reg, ctx, out)) != BO_OK)
        return rc;

    if ((rc = paste(ctx, out, "controllers.h")) != BO_OK)
        return rc;
    const char *files[8];
    size_t nfiles = pg_family_kernels(fam, cfg, files);
    for (size_t i = 0; i < nfiles; ++i)
        if ((rc = paste(ctx, out, files[i])) != BO_OK)
            return rc;
    if (cfg->dense && (rc = paste(ctx, out, "dense.h")) != BO_OK)
        return rc;
    if ((rc = paste(ctx, out, "summaries.h")) != BO_OK)
        return rc;
    if (model->n_events > 0 && (rc = paste(ctx, out, "events.h")) != BO_OK)
        return rc;
    if ((rc = paste(ctx, out, "loop.h")) != BO_OK)
        return rc;
    if (out->failed)
        return bo_error(ctx, BO_ERR_NOMEM, "out of memory while generating the program");
    return BO_OK;
}

int bo_model_jacobian_pattern(const bo_model *model, unsigned char *pattern)
{
    if (!model || !pattern)
        return BO_ERR_INVALID_ARG;
    return cg_jacobian_pattern(model, pattern);
}

int bo_model_jacobian_nnz(const bo_model *model, size_t *nnz)
{
    if (!model || !nnz)
        return BO_ERR_INVALID_ARG;
    return cg_jacobian_sparsity(NULL, model, nnz, NULL, NULL, 0);
}

int bo_model_jacobian_csr(const bo_model *model, size_t *row_start, size_t *cols, size_t cols_cap)
{
    if (!model || !row_start || (!cols && cols_cap > 0))
        return BO_ERR_INVALID_ARG;
    size_t nnz = 0;
    int rc = cg_jacobian_sparsity(NULL, model, &nnz, row_start, cols, cols_cap);
    if (rc == BO_OK && !cols && nnz > 0)
        rc = BO_ERR_RANGE;
    return rc;
}
