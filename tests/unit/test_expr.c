/* The expression DAG: hash-consing, folding and the IEEE-exact simplifications. */
#include "harness.h"
#include "model/expr.h"

int main(void)
{
    ex_graph *g = ex_graph_create();
    T_CHECK(g != NULL);
    ex_id x = ex_var(g, EXV_STATE, 0), y = ex_var(g, EXV_STATE, 1);
    T_EQ_INT(ex_var(g, EXV_STATE, 0), x);
    /* a+b and b+a are one node; so are repeated subexpressions. */
    ex_id s1 = ex_add(g, x, y), s2 = ex_add(g, y, x);
    T_EQ_INT(s1, s2);
    ex_id e1 = ex_mul(g, ex_call(g, EXF_SIN, s1, EX_NONE), s1);
    ex_id e2 = ex_mul(g, s2, ex_call(g, EXF_SIN, s2, EX_NONE));
    T_EQ_INT(e1, e2);
    /* Folding. */
    T_CHECK(ex_is_const(g, ex_add(g, ex_const(g, 2.5), ex_const(g, 0.25)), 2.75));
    T_CHECK(ex_is_const(g, ex_call(g, EXF_MAX, ex_const(g, 2.0), ex_const(g, -1.0)), 2.0));
    /* Exact identities. */
    T_EQ_INT(ex_mul(g, x, ex_const(g, 1.0)), x);
    T_EQ_INT(ex_div(g, x, ex_const(g, 1.0)), x);
    T_EQ_INT(ex_sub(g, x, ex_const(g, 0.0)), x);
    T_EQ_INT(ex_neg(g, ex_neg(g, x)), x);
    /* Not simplified: x*0 and x+0 would change NaN / signed-zero results. */
    T_CHECK(!ex_is_zero(g, ex_mul(g, x, ex_const(g, 0.0))));
    T_CHECK(ex_add(g, x, ex_const(g, 0.0)) != x);
    /* Children precede parents. */
    for (size_t i = 0; i < ex_count(g); ++i) {
        const ex_node *n = ex_get(g, (ex_id)i);
        if (n->op != EX_VAR && n->op != EX_CONST) {
            T_CHECK(n->a < (ex_id)i && n->b < (ex_id)i && n->c < (ex_id)i);
        }
    }
    /* Evaluation. */
    double ys[2] = {0.3, 1.2};
    ex_env env = {{0}};
    env.vars[EXV_STATE] = ys;
    T_REL(ex_eval(g, e1, &env), sin(1.5) * 1.5, 1e-15);
    ex_id sel = ex_select(g, ex_binary(g, EX_LT, x, y), x, y);
    T_REL(ex_eval(g, sel, &env), 0.3, 0);
    T_EQ_INT(ex_select(g, ex_const(g, 0.0), x, y), y);
    /* Reachability: sel reads x and y (through the comparison), never t. */
    ex_id tvar = ex_var(g, EXV_TIME, 0);
    unsigned char mark[64] = {0};
    T_CHECK(ex_count(g) <= sizeof mark);
    mark[sel] = 1;
    ex_mark_reachable(g, (ex_id)ex_count(g) - 1, mark);
    T_CHECK(mark[x] && mark[y] && !mark[tvar] && !mark[e1]);
    T_CHECK(ex_marked_has_var(g, (ex_id)ex_count(g) - 1, mark, EXV_STATE));
    T_CHECK(!ex_marked_has_var(g, (ex_id)ex_count(g) - 1, mark, EXV_TIME));
    ex_graph_destroy(g);
    T_DONE();
}
