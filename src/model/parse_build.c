/* Passes 2 and 3 of the model parser (see parser.c for the whole design): resolve every
 * name, match equations to states and evaluate values in declaration order, then build
 * auxiliaries, observables and derivatives into the expression DAG in dependency order, and
 * fill the bo_model. md_parse, the entry point, runs all three passes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parser_internal.h"

/* ---- pass 2: names and values --------------------------------------------------------- */

static int unknown_symbol(parser *p, const an_node *n)
{
    char buf[NAME_SHOWN + 4], sbuf[NAME_SHOWN + 40];
    pr_shown(p, n->pos, n->len, buf);
    suggestion s;
    pr_suggest_init(&s, buf);
    pr_suggest_syms(p, &s, 0);
    pr_suggest_try(&s, "t");
    pr_suggest_try(&s, "pi");
    return pr_fail_at(p, BO_ERR_MODEL, n->pos, n->line, n->col, "unknown symbol '%s'%s", buf,
                      pr_suggest_text(&s, sbuf, sizeof sbuf));
}

/* Resolve the names of one expression. owner >= 0: a value expression of that symbol, which
 * may only use numbers, pi and constants and parameters declared before it. */
static int resolve(parser *p, int32_t first, int32_t root, int32_t owner)
{
    char buf[NAME_SHOWN + 4], obuf[NAME_SHOWN + 4];
    for (int32_t i = first; i <= root; ++i) {
        an_node *n = &p->nodes[i];
        if (n->kind != AN_NAME)
            continue;
        if (pr_slice_is(p, n->pos, n->len, "t"))
            n->sym = SYM_T;
        else if (pr_slice_is(p, n->pos, n->len, "pi"))
            n->sym = SYM_PI;
        else if ((n->sym = pr_lookup(p, n->pos, n->len)) < 0)
            return unknown_symbol(p, n);
        if (owner < 0 || n->sym == SYM_PI)
            continue;
        const pr_sym *o = &p->syms[owner];
        pr_shown(p, o->pos, o->len, obuf);
        if (n->sym == SYM_T)
            return pr_fail_at(p, BO_ERR_MODEL, n->pos, n->line, n->col,
                              "the value of '%s' must be a constant expression, but it uses the "
                              "time 't'",
                              obuf);
        const pr_sym *y = &p->syms[n->sym];
        pr_shown(p, n->pos, n->len, buf);
        if (y->kind != BO_CONSTANT && y->kind != BO_PARAMETER)
            return pr_fail_at(p, BO_ERR_MODEL, n->pos, n->line, n->col,
                              "the value of '%s' must be a constant expression, but '%s' is %s %s",
                              obuf, buf,
                              y->kind == BO_AUXILIARY || y->kind == BO_OBSERVABLE ? "an" : "a",
                              pr_kind_word(y->kind));
        if (n->sym >= owner)
            return pr_fail_at(p, BO_ERR_MODEL, n->pos, n->line, n->col,
                              "'%s' is used before its definition (line %d)", buf, y->line);
    }
    return 0;
}

/* Build one expression range into g. Value expressions (values != 0) see constants and
 * parameters as their values; equations see parameters, states, drivers and t as variables
 * and auxiliaries as their built nodes. */
static ex_id build(parser *p, ex_graph *g, int32_t first, int32_t root, int values)
{
    ex_id *m = p->exmap;
    for (int32_t i = first; i <= root; ++i) {
        const an_node *n = &p->nodes[i];
        ex_id r = EX_NONE;
        switch (n->kind) {
        case AN_NUM:
            r = ex_const(g, n->value);
            break;
        case AN_NAME:
            if (n->sym == SYM_T) {
                r = ex_var(g, EXV_TIME, 0);
            } else if (n->sym == SYM_PI) {
                r = ex_const(g, PI_VALUE);
            } else {
                const pr_sym *y = &p->syms[n->sym];
                switch (y->kind) {
                case BO_STATE:
                    r = ex_var(g, EXV_STATE, y->index);
                    break;
                case BO_PARAMETER:
                    r = values ? ex_const(g, y->value) : ex_var(g, EXV_PARAM, y->index);
                    break;
                case BO_CONSTANT:
                    r = ex_const(g, y->value);
                    break;
                case BO_DRIVER:
                    r = ex_var(g, EXV_DRIVER, y->index);
                    break;
                default:
                    r = y->ex;
                    break;
                }
            }
            break;
        case AN_UNARY:
            r = ex_unary(g, (ex_op)n->op, m[n->a]);
            break;
        case AN_BINARY:
            r = ex_binary(g, (ex_op)n->op, m[n->a], m[n->b]);
            break;
        case AN_SELECT:
            r = ex_select(g, m[n->a], m[n->b], m[n->c]);
            break;
        case AN_CALL:
            r = ex_call(g, (ex_func)n->op, m[n->a], n->b >= 0 ? m[n->b] : EX_NONE);
            break;
        default:
            break;
        }
        m[i] = r;
    }
    return m[root];
}

static const char *value_text(double v)
{
    return isnan(v) ? "nan" : v > 0 ? "inf" : "-inf";
}

static int evaluate(parser *p, ex_graph *vg, int32_t s)
{
    pr_sym *y = &p->syms[s];
    char buf[NAME_SHOWN + 4];
    ex_id r = build(p, vg, y->first, y->root, 1);
    const ex_node *n = ex_get(vg, r);
    if (ex_failed(vg) || !n)
        return pr_nomem(p);
    if (n->op != EX_CONST)
        return p->err =
                   bo_error(p->ctx, BO_ERR_INTERNAL, "value expression did not fold to a constant");
    y->value = n->value;
    if (isfinite(y->value))
        return 0;
    pr_shown(p, y->pos, y->len, buf);
    if (y->kind == BO_CONSTANT)
        return pr_fail_at(p, BO_ERR_MODEL, y->pos, y->line, y->col,
                          "constant '%s' is not finite (value %s)", buf, value_text(y->value));
    if (y->kind == BO_PARAMETER)
        return pr_fail_at(p, BO_ERR_MODEL, y->pos, y->line, y->col,
                          "default of parameter '%s' is not finite (value %s)", buf,
                          value_text(y->value));
    return pr_fail_at(p, BO_ERR_MODEL, y->pos, y->line, y->col,
                      "initial value of state '%s' is not finite (value %s)", buf,
                      value_text(y->value));
}

static int check_equation(parser *p, int32_t e)
{
    pr_eq *q = &p->eqs[e];
    char buf[NAME_SHOWN + 4], sbuf[NAME_SHOWN + 40];
    pr_shown(p, q->name_pos, q->name_len, buf);
    int32_t s = pr_lookup(p, q->name_pos, q->name_len);
    if (s < 0) {
        suggestion sg;
        pr_suggest_init(&sg, buf);
        pr_suggest_syms(p, &sg, 1);
        return pr_fail_at(p, BO_ERR_MODEL, q->pos, q->line, q->col,
                          "equation for '%s', which is not declared; declare it with 'state %s = "
                          "...'%s",
                          buf, buf, pr_suggest_text(&sg, sbuf, sizeof sbuf));
    }
    pr_sym *y = &p->syms[s];
    if (y->kind != BO_STATE)
        return pr_fail_at(p, BO_ERR_MODEL, q->pos, q->line, q->col,
                          "equation for '%s', which is %s %s, not a state", buf,
                          y->kind == BO_AUXILIARY || y->kind == BO_OBSERVABLE ? "an" : "a",
                          pr_kind_word(y->kind));
    if (y->eq >= 0)
        return pr_fail_at(p, BO_ERR_MODEL, q->pos, q->line, q->col,
                          "second equation for state '%s' (the first is at line %d)", buf,
                          p->eqs[y->eq].line);
    y->eq = e;
    q->sym = s;
    return 0;
}

/* The value of a state or parameter as an expression of parameters, built into the model's
 * value graph so that batches can evaluate it for each run's parameters (src/model/values.h).
 * It is built after every parameter it reads, so a reference to a parameter comes later in
 * the graph than that parameter's own value expression. */
static int value_expression(parser *p, bo_model *m, int32_t s)
{
    pr_sym *y = &p->syms[s];
    ex_id r = build(p, m->vg, y->first, y->root, 0);
    const ex_node *n = ex_get(m->vg, r);
    if (ex_failed(m->vg) || !n)
        return pr_nomem(p);
    y->vex = n->op == EX_CONST ? EX_NONE : r;
    return 0;
}

/* An event's assignments: each names a state, at most once per event; the values may use
 * anything an equation may. */
static int check_event(parser *p, int32_t e)
{
    const pr_event *ev = &p->events[e];
    char buf[NAME_SHOWN + 4], sbuf[NAME_SHOWN + 40], ebuf[NAME_SHOWN + 4];
    int rc = resolve(p, ev->first, ev->root, -1);
    pr_shown(p, ev->pos, ev->len, ebuf);
    for (size_t k = 0; rc == 0 && k < ev->n_asg; ++k) {
        pr_eq *q = &p->asg[ev->asg_first + k];
        pr_shown(p, q->name_pos, q->name_len, buf);
        int32_t s = pr_lookup(p, q->name_pos, q->name_len);
        if (s < 0) {
            suggestion sg;
            pr_suggest_init(&sg, buf);
            pr_suggest_syms(p, &sg, 1);
            return pr_fail_at(p, BO_ERR_MODEL, q->pos, q->line, q->col,
                              "event '%s' assigns '%s', which is not declared; only states may "
                              "be assigned%s",
                              ebuf, buf, pr_suggest_text(&sg, sbuf, sizeof sbuf));
        }
        const pr_sym *y = &p->syms[s];
        if (y->kind != BO_STATE)
            return pr_fail_at(p, BO_ERR_MODEL, q->pos, q->line, q->col,
                              "event '%s' assigns '%s', which is %s %s, not a state", ebuf, buf,
                              y->kind == BO_AUXILIARY || y->kind == BO_OBSERVABLE ? "an" : "a",
                              pr_kind_word(y->kind));
        for (size_t j = 0; j < k; ++j)
            if (p->asg[ev->asg_first + j].sym == s)
                return pr_fail_at(p, BO_ERR_MODEL, q->pos, q->line, q->col,
                                  "event '%s' assigns '%s' twice", ebuf, buf);
        q->sym = s;
        rc = resolve(p, q->first, q->root, -1);
    }
    return rc;
}

static int pass_names(parser *p, bo_model *m)
{
    ex_graph *vg = ex_graph_create();
    if (!vg)
        return pr_nomem(p);
    int rc = 0;
    for (size_t k = 0; k < p->nitems && rc == 0; ++k) {
        const pr_item *it = &p->items[k];
        if (it->kind == PR_ITEM_EQ) {
            rc = check_equation(p, it->index);
            if (rc == 0)
                rc = resolve(p, p->eqs[it->index].first, p->eqs[it->index].root, -1);
            continue;
        }
        if (it->kind == PR_ITEM_EVENT) {
            rc = check_event(p, it->index);
            continue;
        }
        const pr_sym *y = &p->syms[it->index];
        if (y->first < 0)
            continue;
        int value = y->kind == BO_STATE || y->kind == BO_PARAMETER || y->kind == BO_CONSTANT;
        rc = resolve(p, y->first, y->root, value ? it->index : -1);
        if (rc == 0 && value)
            rc = evaluate(p, vg, it->index);
        if (rc == 0 && (y->kind == BO_STATE || y->kind == BO_PARAMETER))
            rc = value_expression(p, m, it->index);
    }
    ex_graph_destroy(vg);
    return rc;
}

/* ---- pass 3: the graph ---------------------------------------------------------------- */

static int is_definition(const pr_sym *y)
{
    return y->kind == BO_AUXILIARY || y->kind == BO_OBSERVABLE;
}

static int report_cycle(parser *p, const int32_t *stack, size_t top, int32_t again)
{
    size_t k = 0;
    while (stack[k] != again)
        ++k;
    sb_buf b;
    sb_init(&b);
    char buf[NAME_SHOWN + 4];
    size_t n = top - k;
    for (size_t i = k; i < top; ++i) {
        /* A long cycle shows its first and last links. */
        if (n > 12 && i == k + 6) {
            sb_append(&b, "... -> ");
            i = top - 5;
        }
        const pr_sym *y = &p->syms[stack[i]];
        sb_printf(&b, "%s -> ", pr_shown(p, y->pos, y->len, buf));
    }
    const pr_sym *a = &p->syms[again];
    sb_append(&b, pr_shown(p, a->pos, a->len, buf));
    char *path = sb_take(&b);
    if (!path)
        return pr_nomem(p);
    int rc = pr_fail_at(p, BO_ERR_MODEL, a->pos, a->line, a->col, "cyclic definition: %s", path);
    free(path);
    return rc;
}

/* Build auxiliaries and observables in dependency order with an explicit stack, so a long
 * chain of definitions cannot exhaust the C stack; meeting a symbol that is still on the
 * stack means a cycle. */
static int build_definitions(parser *p, ex_graph *g)
{
    int32_t *stack = bo_array_realloc(NULL, p->nsyms + 1, sizeof *stack);
    int32_t *cursor = bo_array_realloc(NULL, p->nsyms + 1, sizeof *cursor);
    int rc = 0;
    if (!stack || !cursor) {
        rc = pr_nomem(p);
        goto done;
    }
    for (size_t s0 = 0; s0 < p->nsyms && rc == 0; ++s0) {
        if (!is_definition(&p->syms[s0]) || p->syms[s0].mark)
            continue;
        size_t top = 0;
        stack[top] = (int32_t)s0;
        cursor[top++] = p->syms[s0].first;
        p->syms[s0].mark = 1;
        while (top > 0 && rc == 0) {
            pr_sym *y = &p->syms[stack[top - 1]];
            int32_t i = cursor[top - 1];
            int32_t next = -1;
            for (; i <= y->root; ++i) {
                const an_node *n = &p->nodes[i];
                if (n->kind != AN_NAME || n->sym < 0 || !is_definition(&p->syms[n->sym]))
                    continue;
                int mark = p->syms[n->sym].mark;
                if (mark == 1) {
                    rc = report_cycle(p, stack, top, n->sym);
                    break;
                }
                if (mark == 0) {
                    next = n->sym;
                    ++i;
                    break;
                }
            }
            if (rc)
                break;
            cursor[top - 1] = i;
            if (next >= 0) {
                stack[top] = next;
                cursor[top++] = p->syms[next].first;
                p->syms[next].mark = 1;
                continue;
            }
            y->ex = build(p, g, y->first, y->root, 0);
            y->mark = 2;
            --top;
        }
    }
done:
    free(stack);
    free(cursor);
    return rc;
}

static int pass_graph(parser *p, bo_model *m)
{
    char buf[NAME_SHOWN + 4];
    int rc = build_definitions(p, m->g);
    if (rc)
        return rc;
    if (p->count[BO_STATE] == 0)
        return pr_fail_at(p, BO_ERR_MODEL, 0, 1, 1, "model defines no states");
    for (size_t s = 0; s < p->nsyms; ++s) {
        pr_sym *y = &p->syms[s];
        if (y->kind != BO_STATE)
            continue;
        if (y->eq < 0) {
            pr_shown(p, y->pos, y->len, buf);
            return pr_fail_at(p, BO_ERR_MODEL, y->pos, y->line, y->col,
                              "state '%s' has no equation (write d%s/dt = ...)", buf, buf);
        }
        y->ex = build(p, m->g, p->eqs[y->eq].first, p->eqs[y->eq].root, 0);
    }
    if (p->nevents) {
        m->events = bo_calloc(p->nevents, sizeof *m->events);
        if (!m->events)
            return pr_nomem(p);
        m->n_events = p->nevents;
    }
    for (size_t e = 0; e < p->nevents; ++e) {
        const pr_event *ev = &p->events[e];
        md_event *d = &m->events[e];
        d->name = bo_strndup(p->text + ev->pos, ev->len);
        d->cond = build(p, m->g, ev->first, ev->root, 0);
        d->direction = ev->direction;
        d->stop = ev->stop;
        d->line = ev->line;
        d->col = ev->col;
        d->assign_state = bo_calloc(ev->n_asg ? ev->n_asg : 1, sizeof *d->assign_state);
        d->assign_expr = bo_calloc(ev->n_asg ? ev->n_asg : 1, sizeof *d->assign_expr);
        if (!d->name || !d->assign_state || !d->assign_expr)
            return pr_nomem(p);
        d->n_assign = ev->n_asg;
        for (size_t k = 0; k < ev->n_asg; ++k) {
            const pr_eq *q = &p->asg[ev->asg_first + k];
            d->assign_state[k] = p->syms[q->sym].index;
            d->assign_expr[k] = build(p, m->g, q->first, q->root, 0);
        }
    }
    if (ex_failed(m->g))
        return pr_nomem(p);
    return 0;
}

/* Does any derivative or observable depend on t? Marks what the roots reach, walking ids
 * downwards (children have smaller ids than their parents). */
static int depends_on_time(const parser *p, const ex_graph *g)
{
    size_t n = ex_count(g);
    unsigned char *live = bo_calloc(n ? n : 1, 1);
    if (!live)
        return -1;
    for (size_t s = 0; s < p->nsyms; ++s) {
        const pr_sym *y = &p->syms[s];
        if ((y->kind == BO_STATE || y->kind == BO_OBSERVABLE) && y->ex >= 0)
            live[y->ex] = 1;
    }
    ex_mark_reachable(g, (ex_id)n - 1, live);
    int uses = ex_marked_has_var(g, (ex_id)n - 1, live, EXV_TIME);
    free(live);
    return uses;
}

/* The model's name when no `model` line gives one: the source's file name without its
 * directory and extension, else "model". */
static char *default_name(const char *source)
{
    if (!source)
        return bo_strdup("model");
    const char *base = strrchr(source, '/');
    base = base ? base + 1 : source;
    const char *dot = strrchr(base, '.');
    size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    if (n == 0)
        return bo_strdup("model");
    return bo_strndup(base, n);
}

static int fill_model(parser *p, bo_model *m, const char *source_name)
{
    m->name = p->have_name ? bo_strndup(p->text + p->name_tok.pos, p->name_tok.len)
                           : default_name(source_name);
    if (!m->name)
        return pr_nomem(p);
    for (int k = 0; k < BO_SYMBOL_KIND_COUNT; ++k) {
        m->count[k] = (size_t)p->count[k];
        m->sym[k] = bo_calloc((size_t)p->count[k], sizeof *m->sym[k]);
        if (!m->sym[k])
            return pr_nomem(p);
    }
    for (size_t s = 0; s < p->nsyms; ++s) {
        const pr_sym *y = &p->syms[s];
        md_symbol *d = &m->sym[y->kind][y->index];
        d->name = bo_strndup(p->text + y->pos, y->len);
        if (!d->name)
            return pr_nomem(p);
        if (y->has_unit) {
            d->unit = bo_strndup(p->text + y->unit_pos, y->unit_len);
            if (!d->unit)
                return pr_nomem(p);
        }
        d->value = y->kind == BO_STATE || y->kind == BO_PARAMETER || y->kind == BO_CONSTANT
                       ? y->value
                       : NAN;
        d->expr = y->kind == BO_STATE || is_definition(y) ? y->ex : EX_NONE;
        d->value_expr = y->kind == BO_STATE || y->kind == BO_PARAMETER ? y->vex : EX_NONE;
        d->line = y->line;
        d->col = y->col;
    }
    int t = depends_on_time(p, m->g);
    if (t < 0)
        return pr_nomem(p);
    m->uses_time = t;
    return 0;
}

static int parse_all(parser *p, bo_model *m, const char *source_name)
{
    if (pr_advance(p) < 0)
        return -1;
    while (p->cur.kind != LX_EOF) {
        if (p->cur.kind == LX_NEWLINE) {
            if (pr_advance(p) < 0)
                return -1;
            continue;
        }
        p->depth = 0;
        p->nargs = 0;
        if (pr_parse_statement(p) < 0)
            return -1;
    }
    p->exmap = bo_array_realloc(NULL, p->nnodes + 1, sizeof *p->exmap);
    if (!p->exmap)
        return pr_nomem(p);
    int rc = pass_names(p, m);
    if (rc)
        return rc;
    rc = pass_graph(p, m);
    if (rc)
        return rc;
    return fill_model(p, m, source_name);
}

int md_parse(bo_context *ctx, const char *text, size_t len, const char *source_name, bo_model **out)
{
    if (!out)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "md_parse: out is NULL");
    *out = NULL;
    if (!text && len)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "md_parse: text is NULL");
    parser p;
    memset(&p, 0, sizeof p);
    p.ctx = ctx;
    p.text = text ? text : "";
    p.len = len;
    p.source = source_name ? source_name : "<string>";
    lx_init(&p.lx, p.text, p.len);

    bo_model *m = bo_calloc(1, sizeof *m);
    int rc = BO_ERR_NOMEM;
    if (m) {
        m->g = ex_graph_create();
        m->vg = ex_graph_create();
        m->source_name = bo_strdup(p.source);
    }
    if (!m || !m->g || !m->vg || !m->source_name) {
        pr_nomem(&p);
    } else {
        /* Every failure was reported through pr_fail_at or pr_nomem, which kept its code. */
        if (parse_all(&p, m, source_name) != 0)
            rc = p.err ? p.err : BO_ERR_INTERNAL;
        else
            rc = BO_OK;
    }
    free(p.nodes);
    free(p.syms);
    free(p.eqs);
    free(p.events);
    free(p.asg);
    free(p.items);
    free(p.table);
    free(p.args);
    free(p.exmap);
    if (rc != 0) {
        bo_model_destroy(m);
        return rc;
    }
    *out = m;
    return BO_OK;
}
