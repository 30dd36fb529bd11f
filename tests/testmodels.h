/* Test models built by hand (the parser is not involved): helpers that add symbols and
 * expression nodes to a bo_model directly, and the fixed models the emitter tests share:
 * Lorenz, a "kitchen sink" using every function and operator, and a driven FitzHugh-Nagumo.
 * Header-only (static functions); include from one test source and call what it needs. */
#ifndef BO_TEST_TESTMODELS_H
#define BO_TEST_TESTMODELS_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/internal.h"
#include "model/model_internal.h"

static inline bo_model *model_new(const char *name)
{
    bo_model *m = bo_calloc(1, sizeof *m);
    m->name = bo_strdup(name);
    m->source_name = bo_strdup("<test>");
    m->g = ex_graph_create();
    return m;
}

static inline void model_add(bo_model *m, bo_symbol_kind kind, const char *name, double value,
                             ex_id expr)
{
    size_t n = m->count[kind];
    m->sym[kind] = bo_array_realloc(m->sym[kind], n + 1, sizeof *m->sym[kind]);
    md_symbol *s = &m->sym[kind][n];
    memset(s, 0, sizeof *s);
    s->name = bo_strdup(name);
    s->value = value;
    s->expr = expr;
    m->count[kind] = n + 1;
}

static inline void model_free(bo_model *m)
{
    if (!m)
        return;
    for (int k = 0; k < BO_SYMBOL_KIND_COUNT; ++k) {
        for (size_t i = 0; i < m->count[k]; ++i) {
            free(m->sym[k][i].name);
            free(m->sym[k][i].unit);
        }
        free(m->sym[k]);
    }
    ex_graph_destroy(m->g);
    free(m->name);
    free(m->source_name);
    free(m);
}

static inline ex_id C(bo_model *m, double v)
{
    return ex_const(m->g, v);
}

static inline ex_id V(bo_model *m, ex_varkind k, int i)
{
    return ex_var(m->g, k, i);
}

static inline ex_id F1(bo_model *m, ex_func fn, ex_id a)
{
    return ex_call(m->g, fn, a, EX_NONE);
}

static inline ex_id F2(bo_model *m, ex_func fn, ex_id a, ex_id b)
{
    return ex_call(m->g, fn, a, b);
}

static inline bo_model *lorenz(void)
{
    bo_model *m = model_new("lorenz");
    ex_graph *g = m->g;
    ex_id x = V(m, EXV_STATE, 0), y = V(m, EXV_STATE, 1), z = V(m, EXV_STATE, 2);
    ex_id s = V(m, EXV_PARAM, 0), r = V(m, EXV_PARAM, 1), b = V(m, EXV_PARAM, 2);
    model_add(m, BO_STATE, "x", 1.0, ex_mul(g, s, ex_sub(g, y, x)));
    model_add(m, BO_STATE, "y", 1.0, ex_sub(g, ex_mul(g, x, ex_sub(g, r, z)), y));
    model_add(m, BO_STATE, "z", 1.0, ex_sub(g, ex_mul(g, x, y), ex_mul(g, b, z)));
    model_add(m, BO_PARAMETER, "sigma", 10.0, EX_NONE);
    model_add(m, BO_PARAMETER, "rho", 28.0, EX_NONE);
    model_add(m, BO_PARAMETER, "beta", 8.0 / 3.0, EX_NONE);
    return m;
}

/* Every function, every operator, a select, time, drivers and observables. */
static inline bo_model *kitchen(void)
{
    bo_model *m = model_new("kitchen");
    ex_graph *g = m->g;
    ex_id u0 = V(m, EXV_STATE, 0), u1 = V(m, EXV_STATE, 1), u2 = V(m, EXV_STATE, 2),
          u3 = V(m, EXV_STATE, 3);
    ex_id a = V(m, EXV_PARAM, 0), b = V(m, EXV_PARAM, 1);
    ex_id d0 = V(m, EXV_DRIVER, 0), d1 = V(m, EXV_DRIVER, 1), t = V(m, EXV_TIME, 0);
    ex_id sq1 = ex_add(g, ex_mul(g, u1, u1), C(m, 1.5)); /* shared: becomes a temporary */
    ex_id f0 = ex_add(g, F1(m, EXF_EXP, F1(m, EXF_SIN, u0)),
                      ex_mul(g, F1(m, EXF_LOG, sq1),
                             F1(m, EXF_LOG10, ex_add(g, C(m, 2.385), ex_mul(g, u2, u2)))));
    f0 = ex_sub(g, f0,
                ex_mul(g, F1(m, EXF_LOG2, ex_add(g, C(m, 1.2), F1(m, EXF_COS, t))),
                       F1(m, EXF_SQRT, ex_add(g, F1(m, EXF_ABS, u3), C(m, 0.5)))));
    f0 = ex_add(g, f0, F1(m, EXF_CBRT, ex_sub(g, u0, C(m, 2.1))));
    ex_id f1 = ex_add(g, ex_pow(g, sq1, a), F1(m, EXF_TAN, ex_mul(g, C(m, 0.3), u2)));
    f1 = ex_add(g, f1, F1(m, EXF_ASIN, ex_mul(g, C(m, 0.4), F1(m, EXF_TANH, u0))));
    f1 = ex_add(g, f1, F1(m, EXF_ACOS, ex_mul(g, C(m, 0.3), F1(m, EXF_TANH, u1))));
    f1 = ex_add(g, f1, F1(m, EXF_ATAN, ex_mul(g, u2, d0)));
    f1 = ex_sub(g, ex_add(g, f1, F1(m, EXF_SINH, ex_mul(g, C(m, 0.5), u3))),
                F1(m, EXF_COSH, ex_mul(g, C(m, 0.2), u0)));
    ex_id f2 = ex_add(g, F1(m, EXF_ASINH, ex_mul(g, u0, b)),
                      F1(m, EXF_ACOSH, ex_add(g, C(m, 1.5), ex_mul(g, u1, u1))));
    f2 = ex_add(g, f2, F1(m, EXF_ATANH, ex_mul(g, C(m, 0.5), F1(m, EXF_TANH, u2))));
    f2 = ex_add(g, f2,
                ex_mul(g, ex_mul(g, F1(m, EXF_FLOOR, u3), F1(m, EXF_CEIL, u0)),
                       F1(m, EXF_SIGN, ex_sub(g, u1, C(m, 0.1)))));
    f2 = ex_sub(g, ex_add(g, f2, F1(m, EXF_ERF, u0)),
                F1(m, EXF_ERFC, ex_mul(g, ex_mul(g, C(m, 0.5), u2), d1)));
    ex_id cond =
        ex_binary(g, EX_AND, ex_binary(g, EX_LT, u0, u1), ex_binary(g, EX_GT, t, C(m, 0.5)));
    ex_id sel = ex_select(g, cond, ex_pow(g, u0, C(m, 3)),
                          ex_div(g, u2, ex_add(g, C(m, 1), ex_mul(g, u3, u3))));
    ex_id f3 = ex_add(g, F2(m, EXF_ATAN2, u0, ex_add(g, u1, C(m, 3))),
                      ex_mul(g, F2(m, EXF_MIN, u2, d0), F2(m, EXF_MAX, u3, b)));
    f3 = ex_add(g, f3, F2(m, EXF_HYPOT, u0, u3));
    f3 = ex_add(g, f3, sel);
    f3 = ex_add(g, f3, ex_pow(g, u1, C(m, 2)));
    f3 = ex_add(g, f3, ex_pow(g, ex_add(g, u2, C(m, 3)), C(m, -2)));
    f3 = ex_add(g, f3, ex_pow(g, F1(m, EXF_SIN, u3), C(m, 4)));
    f3 = ex_add(g, f3, ex_pow(g, sq1, C(m, 0.5)));
    f3 = ex_add(g, f3, ex_pow(g, sq1, C(m, -1)));
    f3 = ex_add(g, f3, ex_pow(g, F1(m, EXF_COS, u0), C(m, 0))); /* base must not be emitted */
    f3 = ex_add(g, f3, ex_pow(g, sq1, C(m, 2.25)));
    ex_id logic =
        ex_add(g, ex_unary(g, EX_NOT, ex_binary(g, EX_GT, u0, C(m, 2))),
               ex_binary(g, EX_OR, ex_binary(g, EX_EQ, u0, u1), ex_binary(g, EX_LE, u2, u3)));
    logic = ex_add(g, logic, ex_add(g, ex_binary(g, EX_NE, u0, u1), ex_binary(g, EX_GE, u2, u3)));
    f3 = ex_add(g, f3, ex_mul(g, logic, ex_mul(g, t, u0)));
    model_add(m, BO_STATE, "u0", 0.1, f0);
    model_add(m, BO_STATE, "u1", 0.2, f1);
    model_add(m, BO_STATE, "u2", 0.3, f2);
    model_add(m, BO_STATE, "u3", 0.4, f3);
    model_add(m, BO_PARAMETER, "a", 1.3, EX_NONE);
    model_add(m, BO_PARAMETER, "b", 0.7, EX_NONE);
    model_add(m, BO_DRIVER, "d0", NAN, EX_NONE);
    model_add(m, BO_DRIVER, "d1", NAN, EX_NONE);
    model_add(m, BO_OBSERVABLE, "o_prod", NAN, ex_add(g, ex_mul(g, u0, u1), ex_mul(g, d1, t)));
    model_add(m, BO_OBSERVABLE, "o_sin2", NAN, ex_pow(g, F1(m, EXF_SIN, u2), C(m, 2)));
    model_add(m, BO_AUXILIARY, "sq1", NAN, sq1);
    m->uses_time = 1;
    return m;
}

/* FitzHugh-Nagumo driven by an input current, with a time-modulated gain, a threshold
 * select and observables. */
static inline bo_model *fhn_driven(void)
{
    bo_model *m = model_new("fhn_driven");
    ex_graph *g = m->g;
    ex_id v = V(m, EXV_STATE, 0), w = V(m, EXV_STATE, 1);
    ex_id a = V(m, EXV_PARAM, 0), b = V(m, EXV_PARAM, 1), eps = V(m, EXV_PARAM, 2);
    ex_id I = V(m, EXV_DRIVER, 0), t = V(m, EXV_TIME, 0);
    ex_id gain = ex_add(g, C(m, 1.0), ex_mul(g, C(m, 0.1), F1(m, EXF_SIN, t)));
    ex_id fv = ex_sub(g, ex_sub(g, v, ex_div(g, ex_pow(g, v, C(m, 3)), C(m, 3))), w);
    fv = ex_add(g, fv, ex_mul(g, gain, I));
    ex_id fw = ex_mul(g, eps, ex_sub(g, ex_add(g, v, a), ex_mul(g, b, w)));
    fw = ex_select(g, ex_binary(g, EX_GT, v, C(m, 1.5)), ex_mul(g, C(m, 2.0), fw), fw);
    model_add(m, BO_STATE, "v", -1.0, fv);
    model_add(m, BO_STATE, "w", 1.0, fw);
    model_add(m, BO_PARAMETER, "a", 0.7, EX_NONE);
    model_add(m, BO_PARAMETER, "b", 0.8, EX_NONE);
    model_add(m, BO_PARAMETER, "eps", 0.08, EX_NONE);
    model_add(m, BO_DRIVER, "I_ext", NAN, EX_NONE);
    model_add(m, BO_OBSERVABLE, "spiking", NAN, ex_binary(g, EX_GT, v, C(m, 1.0)));
    model_add(m, BO_OBSERVABLE, "energy", NAN,
              F2(m, EXF_HYPOT, v, ex_mul(g, w, ex_call(g, EXF_EXP, ex_neg(g, w), EX_NONE))));
    m->uses_time = 1;
    return m;
}

#endif
