/* Per-run evaluation of values written with parameters (see values.h). The plan is a tape:
 * the value-graph nodes the wanted values reach, in increasing id order (a topological
 * order, since children have smaller ids), each reading its operands by tape position. A
 * parameter read by a later value is either an input (the batch's value for the run: given
 * explicitly, or a plain default) or, when its own default is an expression the batch leaves
 * to the model, the tape position of that expression, which precedes every reader because
 * a value can only read parameters declared before it. */
#include "values.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "model_internal.h"
#include "util/internal.h"

enum { TP_CONST, TP_INPUT, TP_OP };

typedef struct {
    uint8_t kind;    /* TP_... */
    uint8_t op, fn;  /* TP_OP: ex_op, ex_func */
    int32_t a, b, c; /* TP_OP: operand positions (-1: none); TP_INPUT: a = input slot */
    double value;    /* TP_CONST */
} tp_entry;

typedef struct {
    bo_symbol_kind kind;
    size_t index;
    size_t pos; /* tape position of the value */
} tp_output;

struct md_values {
    tp_entry *tape;
    size_t n_tape;
    size_t *input; /* parameter index of each input slot */
    size_t n_inputs;
    tp_output *out;
    size_t n_out;
    unsigned char *produces[2]; /* [kind][index]: 1 for the outputs */
};

void md_values_destroy(md_values *v)
{
    if (!v)
        return;
    bo_free(v->tape);
    bo_free(v->input);
    bo_free(v->out);
    bo_free(v->produces[0]);
    bo_free(v->produces[1]);
    bo_free(v);
}

/* Is the value of (kind, i) left to the model and written with parameters? */
static int evaluated(const bo_model *m, bo_symbol_kind kind, size_t i, const unsigned char *given)
{
    return !(given && given[i]) && m->sym[kind][i].value_expr != EX_NONE;
}

int md_values_plan(const bo_model *m, const unsigned char *given_state,
                   const unsigned char *given_param, md_values **out)
{
    *out = NULL;
    if (!m || !m->vg)
        return BO_OK;
    const ex_graph *g = m->vg;
    size_t ns = m->count[BO_STATE], np = m->count[BO_PARAMETER], nn = ex_count(g);
    size_t n_out = 0;
    for (size_t p = 0; p < np; ++p)
        n_out += (size_t)evaluated(m, BO_PARAMETER, p, given_param);
    for (size_t s = 0; s < ns; ++s)
        n_out += (size_t)evaluated(m, BO_STATE, s, given_state);
    if (n_out == 0)
        return BO_OK;

    md_values *v = bo_calloc(1, sizeof *v);
    unsigned char *mark = bo_calloc(nn, 1);
    int32_t *pos = bo_array_realloc(NULL, nn, sizeof *pos);
    int32_t *slot = bo_array_realloc(NULL, np ? np : 1, sizeof *slot);
    int rc = BO_ERR_NOMEM;
    if (!v || !mark || !pos || !slot)
        goto done;
    v->out = bo_calloc(n_out, sizeof *v->out);
    v->produces[BO_STATE] = bo_calloc(ns ? ns : 1, 1);
    v->produces[BO_PARAMETER] = bo_calloc(np ? np : 1, 1);
    if (!v->out || !v->produces[BO_STATE] || !v->produces[BO_PARAMETER])
        goto done;
    for (int k = 0; k < 2; ++k) {
        bo_symbol_kind kind = k == 0 ? BO_PARAMETER : BO_STATE;
        size_t count = k == 0 ? np : ns;
        for (size_t i = 0; i < count; ++i)
            if (evaluated(m, kind, i, k == 0 ? given_param : given_state)) {
                v->out[v->n_out].kind = kind;
                v->out[v->n_out++].index = i;
                v->produces[kind][i] = 1;
                mark[m->sym[kind][i].value_expr] = 1;
            }
    }
    /* What the outputs reach, from the top down (children have smaller ids). */
    for (size_t id = nn; id-- > 0;) {
        const ex_node *n = ex_get(g, (ex_id)id);
        if (!mark[id] || n->op == EX_CONST)
            continue;
        if (n->op == EX_VAR) {
            if (n->sub == EXV_PARAM && evaluated(m, BO_PARAMETER, (size_t)n->a, given_param))
                mark[m->sym[BO_PARAMETER][n->a].value_expr] = 1;
            continue;
        }
        if (n->a >= 0)
            mark[n->a] = 1;
        if (n->b >= 0)
            mark[n->b] = 1;
        if (n->c >= 0)
            mark[n->c] = 1;
    }
    size_t n_tape = 0;
    for (size_t id = 0; id < nn; ++id)
        n_tape += mark[id];
    v->tape = bo_calloc(n_tape, sizeof *v->tape);
    v->input = bo_calloc(np ? np : 1, sizeof *v->input);
    if (!v->tape || !v->input)
        goto done;
    for (size_t p = 0; p < np; ++p)
        slot[p] = -1;
    for (size_t id = 0; id < nn; ++id) {
        if (!mark[id])
            continue;
        const ex_node *n = ex_get(g, (ex_id)id);
        if (n->op == EX_VAR && n->sub == EXV_PARAM &&
            evaluated(m, BO_PARAMETER, (size_t)n->a, given_param)) {
            /* The run's value of this parameter is its own expression, already on the tape. */
            pos[id] = pos[m->sym[BO_PARAMETER][n->a].value_expr];
            continue;
        }
        tp_entry *e = &v->tape[v->n_tape];
        pos[id] = (int32_t)v->n_tape++;
        e->a = e->b = e->c = -1;
        if (n->op == EX_CONST) {
            e->kind = TP_CONST;
            e->value = n->value;
        } else if (n->op == EX_VAR && n->sub == EXV_PARAM) {
            if (slot[n->a] < 0) {
                slot[n->a] = (int32_t)v->n_inputs;
                v->input[v->n_inputs++] = (size_t)n->a;
            }
            e->kind = TP_INPUT;
            e->a = slot[n->a];
        } else if (n->op == EX_VAR) {
            /* Values read only parameters (the parser checks); anything else has no value. */
            e->kind = TP_CONST;
            e->value = NAN;
        } else {
            e->kind = TP_OP;
            e->op = n->op;
            e->fn = n->op == EX_CALL ? n->sub : 0;
            e->a = n->a >= 0 ? pos[n->a] : -1;
            e->b = n->b >= 0 ? pos[n->b] : -1;
            e->c = n->c >= 0 ? pos[n->c] : -1;
        }
    }
    for (size_t j = 0; j < v->n_out; ++j)
        v->out[j].pos = (size_t)pos[m->sym[v->out[j].kind][v->out[j].index].value_expr];
    *out = v;
    v = NULL;
    rc = BO_OK;
done:
    md_values_destroy(v);
    bo_free(mark);
    bo_free(pos);
    bo_free(slot);
    return rc;
}

size_t md_values_n_inputs(const md_values *v)
{
    return v ? v->n_inputs : 0;
}

size_t md_values_input(const md_values *v, size_t k)
{
    return v->input[k];
}

size_t md_values_n_outputs(const md_values *v)
{
    return v ? v->n_out : 0;
}

void md_values_output(const md_values *v, size_t j, bo_symbol_kind *kind, size_t *index)
{
    *kind = v->out[j].kind;
    *index = v->out[j].index;
}

int md_values_produces(const md_values *v, bo_symbol_kind kind, size_t index)
{
    return v && (kind == BO_STATE || kind == BO_PARAMETER) && v->produces[kind][index];
}

size_t md_values_scratch(const md_values *v)
{
    return v ? v->n_tape : 0;
}

void md_values_eval(const md_values *v, size_t n, const double *in, double *out, double *scratch)
{
    for (size_t k = 0; k < v->n_tape; ++k) {
        const tp_entry *e = &v->tape[k];
        double *d = scratch + k * n;
        if (e->kind == TP_CONST) {
            for (size_t i = 0; i < n; ++i)
                d[i] = e->value;
            continue;
        }
        if (e->kind == TP_INPUT) {
            memcpy(d, in + (size_t)e->a * n, n * sizeof *d);
            continue;
        }
        const double *a = e->a >= 0 ? scratch + (size_t)e->a * n : NULL;
        const double *b = e->b >= 0 ? scratch + (size_t)e->b * n : NULL;
        const double *c = e->c >= 0 ? scratch + (size_t)e->c * n : NULL;
        /* The common operators as plain loops; everything else through ex_eval_op. */
        switch (e->op) {
        case EX_ADD:
            for (size_t i = 0; i < n; ++i)
                d[i] = a[i] + b[i];
            break;
        case EX_SUB:
            for (size_t i = 0; i < n; ++i)
                d[i] = a[i] - b[i];
            break;
        case EX_MUL:
            for (size_t i = 0; i < n; ++i)
                d[i] = a[i] * b[i];
            break;
        case EX_DIV:
            for (size_t i = 0; i < n; ++i)
                d[i] = a[i] / b[i];
            break;
        case EX_NEG:
            for (size_t i = 0; i < n; ++i)
                d[i] = -a[i];
            break;
        case EX_CALL:
            for (size_t i = 0; i < n; ++i)
                d[i] = ex_func_eval((ex_func)e->fn, a[i], b ? b[i] : 0.0);
            break;
        default:
            for (size_t i = 0; i < n; ++i)
                d[i] = ex_eval_op((ex_op)e->op, (ex_func)e->fn, a ? a[i] : 0.0, b ? b[i] : 0.0,
                                  c ? c[i] : 0.0);
            break;
        }
    }
    for (size_t j = 0; j < v->n_out; ++j)
        memcpy(out + j * n, scratch + v->out[j].pos * n, n * sizeof *out);
}
