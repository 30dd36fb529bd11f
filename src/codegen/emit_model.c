/* Emission of a model's functions as device code: dx/dt, observables, the Jacobian and its
 * diagonal, the Jacobian-vector product, the total time derivative and df/ddrivers.
 *
 * The model's expressions are first copied into a private graph (only the nodes they reach),
 * so derivative nodes never touch the model and node order, hence the text, depends on the
 * model alone. The Jacobian and df/ddrivers are built and kept sparse (compressed rows of
 * derivative nodes): nothing here costs n*n for n states. Each function is then written by
 * emit_function.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen.h"
#include "emit_function.h"
#include "util/embedded.h"
#include "model/deriv.h"

/* ---- copying the model's expressions ------------------------------------------------- */

static int import_roots(bo_context *ctx, const bo_model *m, ex_graph *dst, size_t nroots,
                        const ex_id *roots, ex_id *out)
{
    const ex_graph *src = m->g;
    size_t count = ex_count(src);
    if (nroots == 0)
        return BO_OK;
    ex_id *map = bo_malloc(count * sizeof *map);
    unsigned char *need = bo_calloc(count, 1);
    if (!map || !need) {
        free(map);
        free(need);
        return bo_error(ctx, BO_ERR_NOMEM, "out of memory while emitting model functions");
    }
    int rc = BO_OK;
    for (size_t i = 0; i < nroots; ++i)
        need[roots[i]] = 1;
    ex_mark_reachable(src, (ex_id)count - 1, need);
    for (size_t id = 0; id < count && rc == BO_OK; ++id) {
        if (!need[id])
            continue;
        const ex_node *n = ex_get(src, (ex_id)id);
        ex_id r = EX_NONE;
        switch ((ex_op)n->op) {
        case EX_CONST:
            r = ex_const(dst, n->value);
            break;
        case EX_VAR: {
            static const bo_symbol_kind kinds[EXV_KIND_COUNT] = {BO_STATE,
                                                                 BO_PARAMETER,
                                                                 BO_DRIVER,
                                                                 BO_SYMBOL_KIND_COUNT,
                                                                 BO_SYMBOL_KIND_COUNT,
                                                                 BO_SYMBOL_KIND_COUNT};
            int ok = 0;
            if (n->sub == EXV_TIME)
                ok = n->a == 0;
            else if (n->sub < EXV_KIND_COUNT && kinds[n->sub] != BO_SYMBOL_KIND_COUNT)
                ok = n->a >= 0 && (size_t)n->a < m->count[kinds[n->sub]];
            if (!ok)
                rc = bo_error(ctx, BO_ERR_MODEL,
                              "model expression refers to variable kind %u index %d, which "
                              "the model does not have",
                              (unsigned)n->sub, (int)n->a);
            else
                r = ex_var(dst, (ex_varkind)n->sub, n->a);
            break;
        }
        case EX_NEG:
        case EX_NOT:
            r = ex_unary(dst, (ex_op)n->op, map[n->a]);
            break;
        case EX_SELECT:
            r = ex_select(dst, map[n->a], map[n->b], map[n->c]);
            break;
        case EX_CALL:
            if (n->sub >= EXF_COUNT) {
                rc = bo_error(ctx, BO_ERR_MODEL, "model expression calls unknown function %u",
                              (unsigned)n->sub);
                break;
            }
            r = ex_call(dst, (ex_func)n->sub, map[n->a],
                        ex_func_arity((ex_func)n->sub) == 2 ? map[n->b] : EX_NONE);
            break;
        default:
            if (n->op >= EX_ADD && n->op <= EX_OR)
                r = ex_binary(dst, (ex_op)n->op, map[n->a], map[n->b]);
            else
                rc = bo_error(ctx, BO_ERR_MODEL, "model expression has unknown operation %u",
                              (unsigned)n->op);
            break;
        }
        if (rc == BO_OK && r == EX_NONE)
            rc = bo_error(ctx, BO_ERR_NOMEM, "out of memory while emitting model functions");
        map[id] = r;
    }
    if (rc == BO_OK)
        for (size_t i = 0; i < nroots; ++i)
            out[i] = map[roots[i]];
    free(map);
    free(need);
    return rc;
}

/* The model in a private graph, with every derivative the emitted functions need. The
 * Jacobian and df/ddrivers are sparse: nothing here is n*n. */
typedef struct {
    ex_graph *g;
    size_t n, np, nd, no;
    ex_id *f, *obs, *jv, *dfdt;
    dv_sparse jac, dfddrv;
    size_t ne, nasg; /* events, and their assignments over all events */
    ex_id *ev;       /* [ne] event functions */
    ex_id *asg;      /* [nasg] assigned values, event by event in declaration order */
} built_model;

static void built_free(built_model *b)
{
    ex_graph_destroy(b->g);
    free(b->f);
    free(b->obs);
    free(b->jv);
    free(b->dfdt);
    free(b->ev);
    free(b->asg);
    dv_sparse_free(&b->jac);
    dv_sparse_free(&b->dfddrv);
    memset(b, 0, sizeof *b);
}

static int check_model(bo_context *ctx, const bo_model *m)
{
    if (!m || !m->g)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "no model given");
    static const bo_symbol_kind with_expr[2] = {BO_STATE, BO_OBSERVABLE};
    for (int q = 0; q < 2; ++q) {
        bo_symbol_kind kind = with_expr[q];
        for (size_t i = 0; i < m->count[kind]; ++i) {
            ex_id e = m->sym[kind][i].expr;
            if (e < 0 || (size_t)e >= ex_count(m->g))
                return bo_error(ctx, BO_ERR_MODEL, "%s '%s' has no equation",
                                kind == BO_STATE ? "state" : "observable",
                                m->sym[kind][i].name ? m->sym[kind][i].name : "?");
        }
    }
    if (m->count[BO_STATE] > (size_t)INT32_MAX / 2 || m->count[BO_DRIVER] > (size_t)INT32_MAX)
        return bo_error(ctx, BO_ERR_MODEL, "model is too large");
    return BO_OK;
}

/* Build the private graph; with jac_only, only f and the Jacobian. */
static int build(bo_context *ctx, const bo_model *m, int jac_only, built_model *b)
{
    memset(b, 0, sizeof *b);
    int rc = check_model(ctx, m);
    if (rc)
        return rc;
    b->n = m->count[BO_STATE];
    b->np = m->count[BO_PARAMETER];
    b->nd = m->count[BO_DRIVER];
    b->no = m->count[BO_OBSERVABLE];
    size_t n = b->n;
    b->g = ex_graph_create();
    b->f = bo_calloc(n, sizeof *b->f);
    b->obs = bo_calloc(b->no, sizeof *b->obs);
    b->jv = bo_calloc(n, sizeof *b->jv);
    b->dfdt = bo_calloc(n, sizeof *b->dfdt);
    if (!b->g || !b->f || !b->obs || !b->jv || !b->dfdt)
        return bo_error(ctx, BO_ERR_NOMEM, "out of memory while emitting model functions");
    b->ne = m->n_events;
    for (size_t e = 0; e < b->ne; ++e)
        b->nasg += m->events[e].n_assign;
    size_t nr = n + b->no + b->ne + b->nasg;
    ex_id *roots = bo_calloc(nr ? nr : 1, sizeof *roots);
    ex_id *mapped = bo_calloc(nr ? nr : 1, sizeof *mapped);
    b->ev = bo_calloc(b->ne ? b->ne : 1, sizeof *b->ev);
    b->asg = bo_calloc(b->nasg ? b->nasg : 1, sizeof *b->asg);
    if (!roots || !mapped || !b->ev || !b->asg) {
        free(roots);
        free(mapped);
        return bo_error(ctx, BO_ERR_NOMEM, "out of memory while emitting model functions");
    }
    for (size_t i = 0; i < n; ++i)
        roots[i] = m->sym[BO_STATE][i].expr;
    for (size_t i = 0; i < b->no; ++i)
        roots[n + i] = m->sym[BO_OBSERVABLE][i].expr;
    size_t at = n + b->no;
    for (size_t e = 0; e < b->ne; ++e)
        roots[at++] = m->events[e].cond;
    for (size_t e = 0; e < b->ne; ++e)
        for (size_t k = 0; k < m->events[e].n_assign; ++k)
            roots[at++] = m->events[e].assign_expr[k];
    for (size_t r = n + b->no; r < nr && rc == BO_OK; ++r)
        if (roots[r] < 0 || (size_t)roots[r] >= ex_count(m->g))
            rc = bo_error(ctx, BO_ERR_MODEL, "an event of the model has no expression");
    if (rc == BO_OK)
        rc = import_roots(ctx, m, b->g, nr, roots, mapped);
    if (rc == BO_OK) {
        memcpy(b->f, mapped, n * sizeof *b->f);
        memcpy(b->obs, mapped + n, b->no * sizeof *b->obs);
        memcpy(b->ev, mapped + n + b->no, b->ne * sizeof *b->ev);
        memcpy(b->asg, mapped + n + b->no + b->ne, b->nasg * sizeof *b->asg);
    }
    free(roots);
    free(mapped);
    if (rc)
        return rc;
    rc = dv_jacobian_sparse(b->g, n, b->f, EXV_STATE, n, &b->jac);
    if (rc == BO_OK && !jac_only) {
        rc = dv_jvp(b->g, n, b->f, n, b->jv);
        if (rc == BO_OK)
            rc = dv_dfdt(b->g, n, b->f, b->nd, b->dfdt);
        if (rc == BO_OK)
            rc = dv_jacobian_sparse(b->g, n, b->f, EXV_DRIVER, b->nd, &b->dfddrv);
    }
    if (rc)
        return bo_error(ctx, rc, "%s while differentiating the model",
                        rc == BO_ERR_NOMEM ? "out of memory" : "internal error");
    return BO_OK;
}

int cg_jacobian_sparsity(bo_context *ctx, const bo_model *model, size_t *nnz, size_t *row_start,
                         size_t *cols, size_t cols_cap)
{
    if (!model)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "no model given");
    built_model b;
    int rc = build(ctx, model, 1, &b);
    if (rc == BO_OK) {
        if (nnz)
            *nnz = b.jac.nnz;
        if (row_start)
            memcpy(row_start, b.jac.row_start, (b.n + 1) * sizeof *row_start);
        if (cols && b.jac.nnz > cols_cap)
            rc = bo_error(ctx, BO_ERR_RANGE,
                          "the Jacobian has %zu structural nonzeros, more than the %zu the "
                          "column array holds",
                          b.jac.nnz, cols_cap);
        else if (cols)
            for (size_t e = 0; e < b.jac.nnz; ++e)
                cols[e] = (size_t)b.jac.col[e];
    }
    built_free(&b);
    return rc;
}

int cg_jacobian_pattern(const bo_model *model, unsigned char *pattern)
{
    if (!model || !pattern)
        return BO_ERR_INVALID_ARG;
    built_model b;
    int rc = build(NULL, model, 1, &b);
    if (rc == BO_OK && b.n > 0 && b.n > SIZE_MAX / b.n)
        rc = BO_ERR_INVALID_ARG;
    if (rc == BO_OK) {
        memset(pattern, 0, b.n * b.n);
        for (size_t i = 0; i < b.n; ++i)
            for (size_t e = b.jac.row_start[i]; e < b.jac.row_start[i + 1]; ++e)
                pattern[i * b.n + (size_t)b.jac.col[e]] = 1;
    }
    built_free(&b);
    return rc;
}

/* A 2-D output (the Jacobian, df/ddrivers) of at most this many entries is written entry by
 * entry, structural zeros included, as straight-line code the compiler folds into the
 * dense solver; a larger one is cleared by a loop and only its structural nonzeros are
 * written, so the text grows with the nonzeros, not with rows x columns. */
#define LIST_ALL_MAX 1024

/* Does any of the roots depend on the variable kind? */
static int reaches_kind(const ex_graph *g, size_t n, const ex_id *roots, ex_varkind kind,
                        int *result)
{
    size_t c = ex_count(g);
    unsigned char *need = bo_calloc(c, 1);
    if (!need)
        return BO_ERR_NOMEM;
    for (size_t i = 0; i < n; ++i)
        need[roots[i]] = 1;
    ex_mark_reachable(g, (ex_id)c - 1, need);
    *result = ex_marked_has_var(g, (ex_id)c - 1, need, kind);
    free(need);
    return BO_OK;
}

static void put_symbol_list(sb_buf *b, const bo_model *m, bo_symbol_kind kind, const char *label,
                            const char *arr)
{
    if (m->count[kind] == 0)
        return;
    sb_printf(b, " * %s:", label);
    for (size_t i = 0; i < m->count[kind]; ++i) {
        sb_printf(b, "%s %s[%zu] ", i ? "," : "", arr, i);
        cg_put_name(b, cg_sym_name(m, kind, i));
    }
    sb_putc(b, '\n');
}

/* The outputs of a 2-D function from its sparse matrix: every entry (structural zeros as the
 * constant 0) up to LIST_ALL_MAX entries, else the nonzeros after a clearing loop. */
typedef struct {
    ex_id *ids;
    size_t *index; /* NULL when every entry is listed in order */
    size_t nout, clear_rows;
} out2d;

static int layout_2d(ex_graph *g, const dv_sparse *sp, out2d *o)
{
    memset(o, 0, sizeof *o);
    size_t rows = sp->nrows, cols = sp->ncols;
    if (cols == 0 || rows <= LIST_ALL_MAX / cols) {
        size_t total = rows * cols;
        ex_id zero = ex_const(g, 0.0);
        o->ids = bo_calloc(total ? total : 1, sizeof *o->ids);
        if (!o->ids || zero == EX_NONE)
            return BO_ERR_NOMEM;
        for (size_t q = 0; q < total; ++q)
            o->ids[q] = zero;
        for (size_t i = 0; i < rows; ++i)
            for (size_t e = sp->row_start[i]; e < sp->row_start[i + 1]; ++e)
                o->ids[i * cols + (size_t)sp->col[e]] = sp->val[e];
        o->nout = total;
        return BO_OK;
    }
    size_t nnz = sp->nnz;
    o->ids = bo_malloc((nnz ? nnz : 1) * sizeof *o->ids);
    o->index = bo_malloc((nnz ? nnz : 1) * sizeof *o->index);
    if (!o->ids || !o->index)
        return BO_ERR_NOMEM;
    for (size_t i = 0; i < rows; ++i) {
        for (size_t e = sp->row_start[i]; e < sp->row_start[i + 1]; ++e) {
            o->ids[e] = sp->val[e];
            o->index[e] = i * cols + (size_t)sp->col[e];
        }
    }
    o->nout = nnz;
    o->clear_rows = rows;
    return BO_OK;
}

static void out2d_free(out2d *o)
{
    free(o->ids);
    free(o->index);
}

/* The diagonal of the Jacobian from its rows (columns ascending within a row). */
static int jacobian_diagonal(ex_graph *g, const dv_sparse *jac, ex_id *diag)
{
    ex_id zero = ex_const(g, 0.0);
    if (zero == EX_NONE)
        return BO_ERR_NOMEM;
    for (size_t i = 0; i < jac->nrows; ++i) {
        size_t lo = jac->row_start[i], hi = jac->row_start[i + 1];
        diag[i] = zero;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if ((size_t)jac->col[mid] < i) {
                lo = mid + 1;
            } else {
                if ((size_t)jac->col[mid] == i)
                    diag[i] = jac->val[mid];
                hi = mid;
            }
        }
    }
    return BO_OK;
}

static void put_event_table(sb_buf *b, const char *name, const char *doc, const bo_model *m,
                            int which)
{
    sb_printf(b, "/* %s */\nBO_CONST_ARRAY int %s[%zu] = {", doc, name, m->n_events);
    for (size_t e = 0; e < m->n_events; ++e) {
        const md_event *ev = &m->events[e];
        int v = which == 0 ? ev->direction : which == 1 ? ev->stop : ev->n_assign > 0;
        sb_printf(b, e ? ", %d" : "%d", v);
    }
    sb_append(b, "};\n");
}

/* The events (docs/codegen.md#events): their count and tables, bo_model_events (every event
 * function at once), one function per event with assignments writing the assigned states'
 * new values, and bo_model_event_apply dispatching to them. Emitted only for models with
 * events, so the text of other models does not change. */
static int emit_events(bo_context *ctx, const bo_model *m, const built_model *bm,
                       int *parts_defined, size_t *stack_elems, sb_buf *out)
{
    sb_printf(out, "#define BO_MODEL_NE %zu /* events */\n", bm->ne);
    put_event_table(out, "bo_event_direction", "1 rising, -1 falling, 0 either", m, 0);
    put_event_table(out, "bo_event_stop", "1: the event ends the run", m, 1);
    put_event_table(out, "bo_event_assigns", "1: the event assigns states", m, 2);
    sb_append(out, "\n");
    cg_fn_spec spec = {"bo_model_events",
                       "g[k] = event function k; an event is its sign change",
                       NULL,
                       "g",
                       bm->ne,
                       bm->ev,
                       NULL,
                       0,
                       0,
                       BO_SYMBOL_KIND_COUNT,
                       BO_SYMBOL_KIND_COUNT};
    int rc = cg_emit_function(ctx, m, bm->g, &spec, parts_defined, stack_elems, out);
    size_t at = 0;
    for (size_t e = 0; e < bm->ne && rc == BO_OK; ++e) {
        const md_event *ev = &m->events[e];
        if (!ev->n_assign)
            continue;
        char name[48];
        snprintf(name, sizeof name, "bo_model_event_%zu", e);
        size_t *index = bo_calloc(ev->n_assign, sizeof *index);
        if (!index)
            return bo_error(ctx, BO_ERR_NOMEM, "out of memory while emitting model functions");
        for (size_t k = 0; k < ev->n_assign; ++k)
            index[k] = (size_t)ev->assign_state[k];
        cg_fn_spec as = {name,
                         "the states event k assigns, from the state before it (y); the "
                         "others are left as they are",
                         NULL,
                         "y_out",
                         ev->n_assign,
                         bm->asg + at,
                         index,
                         0,
                         0,
                         BO_STATE,
                         BO_STATE};
        rc = cg_emit_function(ctx, m, bm->g, &as, parts_defined, stack_elems, out);
        free(index);
        at += ev->n_assign;
    }
    if (rc != BO_OK)
        return rc;
    sb_append(out,
              "/* Apply the assignments of event k: y_out, which holds y on entry, receives the "
              "assigned\n * states. */\n"
              "BO_DEVICE void bo_model_event_apply(int k, const bo_real *BO_RESTRICT y,\n"
              "                                    const bo_real *BO_RESTRICT p,\n"
              "                                    const bo_real *BO_RESTRICT drv, bo_real "
              "t,\n"
              "                                    bo_real *BO_RESTRICT y_out)\n{\n"
              "    switch (k) {\n");
    for (size_t e = 0; e < bm->ne; ++e)
        if (m->events[e].n_assign)
            sb_printf(out,
                      "    case %zu:\n        bo_model_event_%zu(y, p, drv, t, y_out);\n"
                      "        break;\n",
                      e, e);
    sb_append(out, "    default:\n        (void)y;\n        (void)p;\n        (void)drv;\n"
                   "        (void)t;\n        (void)y_out;\n        break;\n    }\n}\n\n");
    return BO_OK;
}

int cg_emit_model(bo_context *ctx, const bo_model *model, sb_buf *out)
{
    if (!out)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "no output buffer given");
    built_model bm;
    int rc = build(ctx, model, 0, &bm);
    if (rc) {
        built_free(&bm);
        return rc;
    }
    size_t n = bm.n;
    int time_f = 0, time_o = 0;
    rc = reaches_kind(bm.g, n, bm.f, EXV_TIME, &time_f);
    if (rc == BO_OK)
        rc = reaches_kind(bm.g, bm.no, bm.obs, EXV_TIME, &time_o);
    /* The diagonal alone, for the Jacobi preconditioner of the Krylov solver (kernels/krylov.h),
     * which must not pay for the whole Jacobian. */
    ex_id *diag = bo_calloc(n ? n : 1, sizeof *diag);
    out2d jac, dfddrv;
    memset(&jac, 0, sizeof jac);
    memset(&dfddrv, 0, sizeof dfddrv);
    if (rc == BO_OK && !diag)
        rc = BO_ERR_NOMEM;
    if (rc == BO_OK)
        rc = jacobian_diagonal(bm.g, &bm.jac, diag);
    if (rc == BO_OK)
        rc = layout_2d(bm.g, &bm.jac, &jac);
    if (rc == BO_OK)
        rc = layout_2d(bm.g, &bm.dfddrv, &dfddrv);
    if (rc) {
        free(diag);
        out2d_free(&jac);
        out2d_free(&dfddrv);
        built_free(&bm);
        return bo_error(ctx, rc, "out of memory while emitting model functions");
    }

    sb_append(out, "/* Model functions of '");
    cg_put_name(out, model->name ? model->name : "model");
    sb_append(out, "', generated by batchode from the model's equations. Do not edit.\n");
    put_symbol_list(out, model, BO_STATE, "states", "y");
    put_symbol_list(out, model, BO_PARAMETER, "parameters", "p");
    put_symbol_list(out, model, BO_DRIVER, "drivers", "drv");
    put_symbol_list(out, model, BO_OBSERVABLE, "observables", "obs");
    sb_append(out, " */\n");
    sb_printf(out, "#define BO_MODEL_N %zu /* states */\n", n);
    sb_printf(out, "#define BO_MODEL_NP %zu /* parameters */\n", bm.np);
    sb_printf(out, "#define BO_MODEL_ND %zu /* drivers */\n", bm.nd);
    sb_printf(out, "#define BO_MODEL_NO %zu /* observables */\n", bm.no);
    sb_printf(out, "#define BO_MODEL_JAC_NNZ %zu /* structural nonzeros of df/dy */\n", bm.jac.nnz);
    sb_printf(out, "#define BO_MODEL_USES_TIME %d /* dx/dt or observables depend on t */\n\n",
              time_f || time_o);

    const cg_fn_spec specs[7] = {
        {"bo_model_dxdt", "dydt[i] = f_i(y, p, drv, t)", NULL, "dydt", n, bm.f, NULL, 0, 0,
         BO_STATE, BO_STATE},
        {"bo_model_observables", "obs[i] = observable i", NULL, "obs", bm.no, bm.obs, NULL, 0, 0,
         BO_OBSERVABLE, BO_OBSERVABLE},
        {"bo_model_jacobian",
         jac.clear_rows
             ? "jac[i*BO_MODEL_N + j] = df_i/dy_j, row-major; cleared, then the structural "
               "nonzeros are written"
             : "jac[i*BO_MODEL_N + j] = df_i/dy_j, row-major; every entry is written",
         NULL, "jac", jac.nout, jac.ids, jac.index, jac.clear_rows, n, BO_STATE, BO_STATE},
        {"bo_model_jacobian_diag", "d[i] = df_i/dy_i, the diagonal of the Jacobian", NULL, "d", n,
         diag, NULL, 0, 0, BO_STATE, BO_STATE},
        {"bo_model_jvp", "jv = (df/dy) v without forming the Jacobian", "v", "jv", n, bm.jv, NULL,
         0, 0, BO_STATE, BO_STATE},
        {"bo_model_dfdt", "dfdt[i] = df_i/dt + sum_k df_i/ddrv_k * ddrv_dt[k]", "ddrv_dt", "dfdt",
         n, bm.dfdt, NULL, 0, 0, BO_STATE, BO_STATE},
        {"bo_model_dfddrv",
         dfddrv.clear_rows ? "out[i*BO_MODEL_ND + k] = df_i/ddrv_k, row-major; cleared, then the "
                             "structural nonzeros are written"
                           : "out[i*BO_MODEL_ND + k] = df_i/ddrv_k, row-major",
         NULL, "out", dfddrv.nout, dfddrv.ids, dfddrv.index, dfddrv.clear_rows, bm.nd, BO_STATE,
         BO_DRIVER},
    };
    int parts_defined = 0;
    size_t stack_elems = 0;
    for (int q = 0; q < 7 && rc == BO_OK; ++q)
        rc = cg_emit_function(ctx, model, bm.g, &specs[q], &parts_defined, &stack_elems, out);
    if (rc == BO_OK && bm.ne > 0)
        rc = emit_events(ctx, model, &bm, &parts_defined, &stack_elems, out);
    if (rc == BO_OK && stack_elems > 0)
        sb_printf(out,
                  "/* Values the largest model function keeps on the stack (its parts share them "
                  "through one array). */\n#define BO_MODEL_STACK_ELEMS %zu\n\n",
                  stack_elems);
    free(diag);
    out2d_free(&jac);
    out2d_free(&dfddrv);
    built_free(&bm);
    if (rc == BO_OK && out->failed)
        rc = bo_error(ctx, BO_ERR_NOMEM, "out of memory while emitting model functions");
    return rc;
}

int cg_emit_unit(bo_context *ctx, const bo_model *model, int precision, sb_buf *out)
{
    if (!out)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "no output buffer given");
    if (precision != 32 && precision != 64)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "precision must be 32 or 64, not %d", precision);
    const char *prelude = bo_embedded_find("prelude.h");
    if (!prelude)
        return bo_error(ctx, BO_ERR_INTERNAL, "the device prelude is not embedded");
    sb_printf(out, "#define BO_PRECISION %d\n", precision);
    sb_append(out, prelude);
    sb_append(out, "\n");
    return cg_emit_model(ctx, model, out);
}

int bo_model_emit_c(bo_context *ctx, const bo_model *model, char **out)
{
    if (!out)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "bo_model_emit_c: out is NULL");
    *out = NULL;
    if (!model)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "bo_model_emit_c: model is NULL");
    sb_buf b;
    sb_init(&b);
    int rc = cg_emit_unit(ctx, model, 64, &b);
    if (rc) {
        sb_free(&b);
        return rc;
    }
    char *text = sb_take(&b);
    if (!text)
        return bo_error(ctx, BO_ERR_NOMEM, "out of memory while emitting model functions");
    *out = text;
    return BO_OK;
}
