/* From settings to program: resolve every code setting against the model (per-algorithm
 * defaults, per-state tolerances, output and summary selection, implicit-method options) into
 * a pg_config, place the buffers, and emit the generated source. The source is a pure
 * function of (model, pg_config, buffer layout). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/program.h"
#include "util/internal.h"
#include "model/model_internal.h"
#include "codegen/registry.h"
#include "settings/settings.h"
#include "solver_config.h"
#include "methods/dense.h"
#include "solver_internal.h"
#include "util/strbuf.h"
#include "codegen/summaries.h"
#include "methods/tableau.h"

void sv_config_free(pg_config *c)
{
    free(c->atol);
    free(c->rtol);
    free(c->saved_states);
    free(c->saved_obs);
    free(c->sum_metrics);
    free(c->sum_states);
    free(c->sum_obs);
    memset(c, 0, sizeof *c);
}

/* A real setting, or fallback when it is "auto". */
static int real_or(const bo_settings *s, const char *key, double fallback, double *out)
{
    int a = st_is_auto(s, key);
    if (a < 0)
        return a;
    if (a) {
        *out = fallback;
        return BO_OK;
    }
    return st_get_real(s, key, out);
}

static int controller_kind(const char *name)
{
    if (strcmp(name, "fixed") == 0)
        return PG_CTRL_FIXED;
    if (strcmp(name, "i") == 0)
        return PG_CTRL_I;
    if (strcmp(name, "pi") == 0)
        return PG_CTRL_PI;
    if (strcmp(name, "pid") == 0)
        return PG_CTRL_PID;
    if (strcmp(name, "gustafsson") == 0)
        return PG_CTRL_GUSTAFSSON;
    return -1;
}

/* The smallest rtol the precision can deliver: below it the error estimate is mostly round-off,
 * so the controller keeps shrinking the step and the step count explodes for no accuracy
 * (Tsit5 in float32: 131 steps at rtol 1e-8, 9,574 at 1e-10, the same error). A few hundred
 * units of round-off for float32 (1.2e-7) and float64 (2.2e-16) per step, rounded to the
 * decade users think in. docs/accuracy.md explains. */
#define RTOL_FLOOR_F32 1e-6
#define RTOL_FLOOR_F64 1e-14

/* Warn (not refuse: it runs, only wastefully) when an adaptive solve asks for an rtol below
 * that floor for some state. rtol = 0 (absolute control only) is a deliberate choice. */
static void tolerance_floor(bo_context *ctx, size_t n, const pg_config *c)
{
    if (c->controller == PG_CTRL_FIXED)
        return;
    double floor_rtol = c->precision == 32 ? RTOL_FLOOR_F32 : RTOL_FLOOR_F64;
    double lowest = INFINITY;
    for (size_t i = 0; i < n; ++i)
        if (c->rtol[i] > 0.0 && c->rtol[i] < lowest)
            lowest = c->rtol[i];
    if (lowest < floor_rtol)
        bo_warn(ctx,
                "rtol %g is below what %s arithmetic can deliver (about %g): steps multiply "
                "for no gain in accuracy; use rtol >= %g%s",
                lowest, c->precision == 32 ? "float32" : "float64", floor_rtol, floor_rtol,
                c->precision == 32 ? " or precision=float64" : "");
}

/* Per-state tolerance list: one value broadcast, or exactly one per state. */
static int tolerance(bo_context *ctx, const bo_settings *s, const char *key, size_t n, double **out)
{
    st_list l;
    memset(&l, 0, sizeof l);
    int rc = st_get_list(s, key, &l);
    if (rc != BO_OK)
        return rc;
    if (l.count != 1 && l.count != n) {
        size_t given = l.count; /* st_list_free zeroes the list */
        st_list_free(&l);
        return bo_error(ctx, BO_ERR_SETTING,
                        "setting '%s' has %zu values; the model has %zu states (give one "
                        "value, or one per state)",
                        key, given, n);
    }
    double *v = bo_calloc(n ? n : 1, sizeof *v);
    if (!v) {
        st_list_free(&l);
        return BO_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; ++i)
        v[i] = l.reals[l.count == 1 ? 0 : i];
    st_list_free(&l);
    *out = v;
    return BO_OK;
}

static int has_name(const st_list *l, const char *name)
{
    for (size_t i = 0; i < l->count; ++i)
        if (strcmp(l->names[i], name) == 0)
            return 1;
    return 0;
}

/* Every variable named in list (the value of key) is a state or observable of m. */
static int check_variables(bo_context *ctx, const bo_model *m, const char *key, const st_list *vars,
                           int all)
{
    for (size_t k = 0; !all && k < vars->count; ++k) {
        const char *v = vars->names[k];
        if (bo_model_find(m, BO_STATE, v) < 0 && bo_model_find(m, BO_OBSERVABLE, v) < 0) {
            const char *best = NULL;
            size_t bd = 3;
            for (int kind = BO_STATE; kind <= BO_OBSERVABLE; kind += BO_OBSERVABLE) {
                for (size_t i = 0; i < m->count[kind]; ++i) {
                    size_t d = bo_edit_distance(v, m->sym[kind][i].name, 2);
                    if (d < bd) {
                        bd = d;
                        best = m->sym[kind][i].name;
                    }
                }
            }
            return bo_error(ctx, BO_ERR_SETTING,
                            "setting '%s': '%s' is not a state or observable of model '%s'%s%s%s",
                            key, v, m->name, best ? " (did you mean '" : "", best ? best : "",
                            best ? "'?)" : "");
        }
    }
    return BO_OK;
}

/* Summary metrics requested in outputs, and the variables they summarise (summarise_variables,
 * or save_variables when it is auto): named variables of either kind; with all, every state
 * and, when outputs includes observables, every observable. */
static int select_summaries(bo_context *ctx, const bo_model *m, const bo_settings *s,
                            const st_list *outs, pg_config *c)
{
    size_t n = m->count[BO_STATE], no = m->count[BO_OBSERVABLE];
    c->sum_metrics = bo_calloc(outs->count ? outs->count : 1, sizeof *c->sum_metrics);
    c->sum_states = bo_calloc(n ? n : 1, sizeof *c->sum_states);
    c->sum_obs = bo_calloc(no ? no : 1, sizeof *c->sum_obs);
    if (!c->sum_metrics || !c->sum_states || !c->sum_obs)
        return BO_ERR_NOMEM;
    for (size_t i = 0; i < outs->count; ++i) {
        sm_request req;
        int is_metric = sm_parse(ctx, "outputs", outs->names[i], NULL, &req);
        if (is_metric < 0)
            return is_metric;
        if (is_metric)
            c->sum_metrics[c->n_sum_metrics++] = req;
    }
    if (!c->n_sum_metrics)
        return BO_OK;
    const char *key =
        st_is_auto(s, "summarise_variables") == 1 ? "save_variables" : "summarise_variables";
    st_list vars;
    memset(&vars, 0, sizeof vars);
    int rc = st_get_list(s, key, &vars);
    if (rc != BO_OK)
        return rc;
    int all = vars.count == 0 || (vars.count == 1 && strcmp(vars.names[0], "all") == 0);
    rc = check_variables(ctx, m, key, &vars, all);
    int with_obs = has_name(outs, "observables");
    for (size_t i = 0; rc == BO_OK && i < n; ++i)
        if (all || has_name(&vars, m->sym[BO_STATE][i].name))
            c->sum_states[c->n_sum_states++] = (int)i;
    for (size_t i = 0; rc == BO_OK && i < no; ++i)
        if ((all && with_obs) || (!all && has_name(&vars, m->sym[BO_OBSERVABLE][i].name)))
            c->sum_obs[c->n_sum_obs++] = (int)i;
    st_list_free(&vars);
    return rc;
}

/* Which states and observables the time series records, and what is summarised. */
static int select_outputs(bo_context *ctx, const bo_model *m, const bo_settings *s, pg_config *c)
{
    st_list outs, vars;
    memset(&outs, 0, sizeof outs);
    memset(&vars, 0, sizeof vars);
    int rc = st_get_list(s, "outputs", &outs);
    if (rc == BO_OK)
        rc = st_get_list(s, "save_variables", &vars);
    if (rc != BO_OK)
        goto done;
    int all = vars.count == 0 || (vars.count == 1 && strcmp(vars.names[0], "all") == 0);
    size_t n = m->count[BO_STATE], no = m->count[BO_OBSERVABLE];
    c->saved_states = bo_calloc(n ? n : 1, sizeof *c->saved_states);
    c->saved_obs = bo_calloc(no ? no : 1, sizeof *c->saved_obs);
    if (!c->saved_states || !c->saved_obs) {
        rc = BO_ERR_NOMEM;
        goto done;
    }
    if ((rc = check_variables(ctx, m, "save_variables", &vars, all)) != BO_OK)
        goto done;
    c->want_counters = has_name(&outs, "counters");
    /* Event records are on by default for a model with events: unless outputs is set and
     * leaves them out. */
    c->want_events =
        m->n_events > 0 && (has_name(&outs, "events") || bo_settings_is_set(s, "outputs") == 0);
    /* Events are located on the method's continuous extension (kernels/dense.h). */
    if (m->n_events > 0)
        c->dense = 1;
    if (has_name(&outs, "events") && m->n_events == 0)
        bo_warn(ctx, "outputs includes events, but model '%s' declares none", m->name);
    if (has_name(&outs, "state"))
        for (size_t i = 0; i < n; ++i)
            if (all || has_name(&vars, m->sym[BO_STATE][i].name))
                c->saved_states[c->n_saved_states++] = (int)i;
    if (has_name(&outs, "observables"))
        for (size_t i = 0; i < no; ++i)
            if (all || has_name(&vars, m->sym[BO_OBSERVABLE][i].name))
                c->saved_obs[c->n_saved_obs++] = (int)i;
    rc = select_summaries(ctx, m, s, &outs, c);
done:
    st_list_free(&outs);
    st_list_free(&vars);
    return rc;
}

/* The implicit methods' Newton and linear-solver settings. */
static int resolve_implicit(bo_context *ctx, const bo_settings *s, size_t n, pg_config *c)
{
    const char *v;
    long dense_max = 0, kmax = 0, restart = 0;
    int rc;
    if ((rc = st_get_choice(s, "linear_solver", &v)) != BO_OK ||
        (rc = st_get_int(s, "dense_max_states", &dense_max)) != BO_OK ||
        (rc = st_get_real(s, "newton_tolerance", &c->newton_tolerance)) != BO_OK ||
        (rc = st_get_real(s, "krylov_tolerance", &c->krylov_tolerance)) != BO_OK ||
        (rc = st_get_int(s, "krylov_max_iters", &kmax)) != BO_OK ||
        (rc = st_get_int(s, "krylov_restart", &restart)) != BO_OK)
        return rc;
    /* Radau IIA factors a complex system and has no Krylov path, so auto keeps it dense at
     * any size (an explicit linear_solver=krylov is refused when the program is generated). */
    if (strcmp(v, "auto") == 0)
        c->linear_solver = n <= (size_t)dense_max || (c->tableau && c->tableau->family == TAB_FIRK)
                               ? PG_LS_DENSE
                               : PG_LS_KRYLOV;
    else
        c->linear_solver = strcmp(v, "krylov") == 0 ? PG_LS_KRYLOV : PG_LS_DENSE;
    c->krylov_max_iters = (int)kmax;
    c->krylov_restart = (int)restart;
    if ((rc = st_get_choice(s, "preconditioner", &v)) != BO_OK)
        return rc;
    c->preconditioner = strcmp(v, "jacobi") == 0 ? PG_PRECOND_JACOBI : PG_PRECOND_NONE;
    (void)ctx;
    return BO_OK;
}

/* save_mode: interpolate needs the dense output (kernels/dense.h); auto interpolates where the
 * interpolant is at least third order and the controller adaptive (a fixed step already ends
 * on saves that are multiples of it). An explicit interpolate with a lower-order interpolant
 * is honoured with a warning, since its saves can be less accurate than the steps. */
static int resolve_save_mode(bo_context *ctx, const bo_settings *s, pg_config *c)
{
    const char *v;
    int rc = st_get_choice(s, "save_mode", &v);
    if (rc != BO_OK)
        return rc;
    pg_dense_info d = pg_dense_describe(c->tableau);
    if (strcmp(v, "interpolate") == 0) {
        c->interpolate = 1;
        if (d.order < 3)
            bo_warn(ctx,
                    "save_mode=interpolate with %s: its interpolant has order %d, so saves "
                    "between steps may be less accurate than the tolerance (save_mode=land "
                    "lands on them)",
                    c->tableau->name, d.order);
    } else if (strcmp(v, "auto") == 0) {
        c->interpolate = c->controller != PG_CTRL_FIXED && pg_dense_default_interpolate(c->tableau);
    } else {
        c->interpolate = 0;
    }
    c->dense = c->interpolate;
    return BO_OK;
}

/* Resolve every code setting into a pg_config. */
static int resolve(bo_context *ctx, const bo_model *m, const bo_settings *s, pg_config *c)
{
    memset(c, 0, sizeof *c);
    size_t n = m->count[BO_STATE];
    const char *v;
    int rc;
    if ((rc = st_get_choice(s, "precision", &v)) != BO_OK)
        return rc;
    c->precision = strcmp(v, "float32") == 0 ? 32 : 64;
    if ((rc = st_get_choice(s, "algorithm", &v)) != BO_OK)
        return rc;
    c->tableau = tab_find(v);
    if (!c->tableau)
        return bo_error(ctx, BO_ERR_SETTING, "algorithm '%s' is not available", v);
    tab_controller_defaults d = tab_default_controller(c->tableau);
    int embedded = tab_has_error_estimate(c->tableau);

    long nset = 0;
    if ((rc = st_get_int(s, "n", &nset)) != BO_OK)
        return rc;
    if (nset != 0 && (size_t)nset != n)
        return bo_error(ctx, BO_ERR_SETTING, "setting 'n' is %ld but model '%s' has %zu states",
                        nset, m->name, n);

    if (st_is_auto(s, "step_controller") == 1) {
        v = d.controller;
    } else if ((rc = st_get_choice(s, "step_controller", &v)) != BO_OK) {
        return rc;
    }
    c->controller = controller_kind(v);
    if (c->controller < 0)
        return bo_error(ctx, BO_ERR_SETTING, "unknown step controller '%s'", v);
    if (c->controller != PG_CTRL_FIXED && !embedded)
        return bo_error(ctx, BO_ERR_SETTING,
                        "algorithm '%s' has no embedded error estimate, so it cannot drive the "
                        "adaptive controller '%s': use step_controller=fixed (and set dt), or "
                        "an embedded method such as tsit5 or dp5",
                        c->tableau->name, v);

    /* The controller's exponent 1/(order+1) follows the order of the error estimate: the
     * lower order min(p, q) of a plain pair, 7 for dop853's combined estimate (cubie used
     * the higher order p: a deliberate change). */
    long order = 0;
    if (st_is_auto(s, "algorithm_order") == 1)
        order = embedded ? c->tableau->error_order : c->tableau->order;
    else if ((rc = st_get_int(s, "algorithm_order", &order)) != BO_OK)
        return rc;
    c->order = (int)order;

    int gus = c->controller == PG_CTRL_GUSTAFSSON;
    if ((rc = st_get_real(s, "safety", &c->safety)) != BO_OK ||
        (rc = real_or(s, "min_gain", d.min_gain, &c->min_gain)) != BO_OK ||
        (rc = real_or(s, "max_gain", gus ? 8.0 : d.max_gain, &c->max_gain)) != BO_OK ||
        (rc = real_or(s, "kp", d.kp, &c->kp)) != BO_OK ||
        (rc = real_or(s, "ki", d.ki, &c->ki)) != BO_OK ||
        (rc = real_or(s, "kd", 0.0, &c->kd)) != BO_OK ||
        (rc = real_or(s, "deadband_min", gus ? 1.0 : d.deadband_min, &c->deadband_min)) != BO_OK ||
        (rc = real_or(s, "deadband_max", gus ? 1.2 : d.deadband_max, &c->deadband_max)) != BO_OK ||
        (rc = st_get_real(s, "gamma", &c->gamma)) != BO_OK ||
        (rc = real_or(s, "dt_min", 1e-12, &c->dt_min)) != BO_OK ||
        (rc = real_or(s, "dt_max", INFINITY, &c->dt_max)) != BO_OK)
        return rc;
    if (c->min_gain > 1.0 || c->max_gain < 1.0)
        return bo_error(ctx, BO_ERR_SETTING,
                        "step gains must satisfy min_gain <= 1 <= max_gain (got %g, %g)",
                        c->min_gain, c->max_gain);
    if (c->deadband_min > c->deadband_max)
        return bo_error(ctx, BO_ERR_SETTING, "deadband_min (%g) is larger than deadband_max (%g)",
                        c->deadband_min, c->deadband_max);
    if (c->dt_min > c->dt_max)
        return bo_error(ctx, BO_ERR_SETTING, "dt_min (%g) is larger than dt_max (%g)", c->dt_min,
                        c->dt_max);
    long nit = 0;
    if ((rc = st_get_int(s, "max_newton_iters", &nit)) != BO_OK)
        return rc;
    c->max_newton_iters = (int)nit;
    long maxreg = 0;
    if ((rc = st_get_int(s, "max_registers", &maxreg)) != BO_OK)
        return rc;
    c->max_registers = (int)maxreg;
    if ((rc = resolve_implicit(ctx, s, n, c)) != BO_OK)
        return rc;
    if ((rc = resolve_save_mode(ctx, s, c)) != BO_OK)
        return rc;
    if ((rc = tolerance(ctx, s, "atol", n, &c->atol)) != BO_OK ||
        (rc = tolerance(ctx, s, "rtol", n, &c->rtol)) != BO_OK)
        return rc;
    tolerance_floor(ctx, n, c);
    return select_outputs(ctx, m, s, c);
}

/* Buffer placement: `<name>_location` settings (timestep_memory is the controller's). */
static int apply_locations(bo_context *ctx, const bo_settings *s, reg_registry *reg)
{
    for (size_t i = 0; i < st_buffers_len; ++i) {
        char key[128];
        snprintf(key, sizeof key, "%s_location", st_buffers[i].name);
        const char *v;
        int rc = st_get_choice(s, key, &v);
        if (rc != BO_OK)
            return rc;
        reg_location loc;
        if ((rc = reg_parse_location(ctx, key, v, &loc)) != BO_OK)
            return rc;
        reg_set_location(reg, st_buffers[i].name, loc);
    }
    return BO_OK;
}

int sv_generate_config(bo_context *ctx, const bo_model *model, const bo_settings *settings,
                       pg_config *cfg, char **source, size_t *stride)
{
    *source = NULL;
    int rc = resolve(ctx, model, settings, cfg);
    if (rc != BO_OK)
        return rc;
    reg_registry *reg = NULL;
    if ((rc = reg_create(ctx, &reg)) != BO_OK)
        return rc;
    rc = pg_register_buffers(ctx, model, cfg, reg);
    if (rc == BO_OK)
        rc = apply_locations(ctx, settings, reg);
    if (rc == BO_OK)
        rc = reg_layout(reg);
    sb_buf src;
    sb_init(&src);
    if (rc == BO_OK)
        rc = pg_emit(ctx, model, cfg, reg, &src);
    if (stride)
        *stride = reg_shared_stride(reg);
    reg_destroy(reg);
    if (rc != BO_OK) {
        sb_free(&src);
        return rc;
    }
    *source = sb_take(&src);
    return *source ? BO_OK : BO_ERR_NOMEM;
}

int sv_generate(bo_context *ctx, const bo_model *model, const bo_settings *settings, char **source,
                size_t *shared_stride, int *precision_bytes)
{
    pg_config cfg;
    memset(&cfg, 0, sizeof cfg);
    int rc = sv_generate_config(ctx, model, settings, &cfg, source, shared_stride);
    if (precision_bytes)
        *precision_bytes = cfg.precision == 32 ? 4 : 8;
    sv_config_free(&cfg);
    return rc;
}
