/* Batches: which runs a solve integrates. Values are kept per variable group (one variable
 * set by name, or the paired columns of a CSV run file); a grid rule turns the groups into
 * runs. Combinatorial grids are a Cartesian product over the groups in the order first
 * given (the last varies fastest); verbatim grids pair the groups row by row, a group of one
 * row broadcasting. The grid is never materialised: run r's row in each group is computed
 * from r, so batches of 2^24+ runs cost only their value lists.
 *
 * A state or parameter the batch does not give takes the model's value; when the model
 * writes that value with parameters (`state I = I0`), it is evaluated for each run from the
 * run's parameters (src/model/values.h), in blocks of runs after the bulk fill. The plan of
 * that evaluation depends only on which variables the batch gives, so it is made again
 * whenever a variable is given for the first time, before the batch changes. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch_internal.h"
#include "model/values.h"
#include "util/parallel.h"
#include "util/csv.h"
#include "util/internal.h"
#include "util/number.h"
#include "util/strbuf.h"

/* A batch variable: a state's initial value, a parameter, or one of the runs' time spans
 * (kind BT_SPAN, index a bo_span). */
enum { BT_SPAN = 2, BT_KINDS = 3 };
typedef struct {
    int kind;     /* BO_STATE, BO_PARAMETER or BT_SPAN */
    size_t index; /* index within the kind */
} bt_var;

typedef struct {
    size_t n_cols;
    bt_var *var;   /* [n_cols] */
    double **col;  /* col[c][row] */
    size_t n_rows; /* rows as given */
    /* Combinatorial grids use each single variable's distinct values in order of first
     * appearance (so a list with repeats does not repeat runs). NULL when the list has no
     * repeats (then col[0] serves). Blocks from files are used as given. */
    double *uniq;
    size_t n_uniq;
    char *source; /* file the block came from; NULL for a single variable */
} bt_group;

struct bo_batch {
    bo_context *ctx;
    const bo_model *model;
    size_t n_var[BT_KINDS];     /* states, parameters, spans */
    double *defaults[BT_KINDS]; /* model defaults per kind (NaN for spans: not given) */
    bo_grid grid;
    bt_group *group;
    size_t n_groups;
    md_values *values; /* per-run evaluation of the values left to the model (NULL: none) */
};

static const char *kind_word(int kind)
{
    return kind == BO_STATE ? "state" : kind == BO_PARAMETER ? "parameter" : "span";
}

static const char *const span_names[BO_SPAN_COUNT] = {"t0", "settling", "duration"};

const char *bo_span_name(bo_span span)
{
    return (int)span >= 0 && span < BO_SPAN_COUNT ? span_names[span] : NULL;
}

static void group_free(bt_group *g)
{
    if (g->col)
        for (size_t c = 0; c < g->n_cols; ++c)
            bo_free(g->col[c]);
    bo_free(g->col);
    bo_free(g->var);
    bo_free(g->uniq);
    bo_free(g->source);
    memset(g, 0, sizeof *g);
}

void bo_batch_destroy(bo_batch *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n_groups; ++i)
        group_free(&b->group[i]);
    bo_free(b->group);
    for (int k = 0; k < BT_KINDS; ++k)
        bo_free(b->defaults[k]);
    md_values_destroy(b->values);
    bo_free(b);
}

/* The evaluation plan for the variables the batch gives now plus extra[0..n_extra). */
static int plan_values(const bo_batch *b, const bt_var *extra, size_t n_extra, md_values **out)
{
    unsigned char *given[2];
    given[0] = bo_calloc(b->n_var[0] ? b->n_var[0] : 1, 1);
    given[1] = bo_calloc(b->n_var[1] ? b->n_var[1] : 1, 1);
    int rc = BO_ERR_NOMEM;
    if (given[0] && given[1]) {
        for (size_t g = 0; g < b->n_groups; ++g)
            for (size_t c = 0; c < b->group[g].n_cols; ++c)
                if (b->group[g].var[c].kind != BT_SPAN)
                    given[b->group[g].var[c].kind][b->group[g].var[c].index] = 1;
        for (size_t i = 0; i < n_extra; ++i)
            if (extra[i].kind != BT_SPAN)
                given[extra[i].kind][extra[i].index] = 1;
        rc = md_values_plan(b->model, given[0], given[1], out);
    }
    bo_free(given[0]);
    bo_free(given[1]);
    return rc;
}

int bo_batch_create(bo_context *ctx, const bo_model *model, bo_batch **out)
{
    if (!out)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "bo_batch_create: out is NULL");
    *out = NULL;
    if (!model)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "bo_batch_create: model is NULL");
    bo_batch *b = bo_calloc(1, sizeof *b);
    if (!b)
        return bo_error(ctx, BO_ERR_NOMEM, "out of memory creating a batch");
    b->ctx = ctx;
    b->model = model;
    b->grid = BO_GRID_COMBINATORIAL;
    for (int k = 0; k < BT_KINDS; ++k) {
        bo_symbol_kind kind = k == 0 ? BO_STATE : BO_PARAMETER;
        b->n_var[k] = k == BT_SPAN ? BO_SPAN_COUNT : bo_model_count(model, kind);
        b->defaults[k] = bo_calloc(b->n_var[k] ? b->n_var[k] : 1, sizeof(double));
        if (!b->defaults[k]) {
            bo_batch_destroy(b);
            return bo_error(ctx, BO_ERR_NOMEM, "out of memory creating a batch");
        }
        for (size_t i = 0; i < b->n_var[k]; ++i)
            b->defaults[k][i] = k == BT_SPAN ? NAN : bo_model_symbol_default(model, kind, i);
    }
    if (plan_values(b, NULL, 0, &b->values) != BO_OK) {
        bo_batch_destroy(b);
        return bo_error(ctx, BO_ERR_NOMEM, "out of memory creating a batch");
    }
    *out = b;
    return BO_OK;
}

int bo_batch_set_grid(bo_batch *b, bo_grid grid)
{
    if (!b)
        return BO_ERR_INVALID_ARG;
    if (grid != BO_GRID_COMBINATORIAL && grid != BO_GRID_VERBATIM)
        return bo_error(b->ctx, BO_ERR_INVALID_ARG,
                        "unknown grid %d: use BO_GRID_COMBINATORIAL or BO_GRID_VERBATIM",
                        (int)grid);
    b->grid = grid;
    return BO_OK;
}

/* ---- names ----------------------------------------------------------------------------- */

/* The closest state or parameter name to name, for "did you mean" (NULL when none is close). */
static const char *suggest(const bo_batch *b, const char *name)
{
    const char *best = NULL;
    size_t best_d = strlen(name) / 3 + 2;
    for (int k = 0; k < 2; ++k) {
        bo_symbol_kind kind = k == 0 ? BO_STATE : BO_PARAMETER;
        for (size_t i = 0; i < b->n_var[k]; ++i) {
            const char *cand = bo_model_symbol_name(b->model, kind, i);
            size_t d = bo_edit_distance(name, cand, best_d);
            if (d < best_d) {
                best_d = d;
                best = cand;
            }
        }
    }
    return best;
}

/* Resolve name as a variable of kind (kind < 0: either kind). where prefixes messages. */
static int resolve(const bo_batch *b, int kind, const char *name, const char *where, bt_var *v)
{
    for (int k = 0; k < 2; ++k) {
        if (kind >= 0 && k != kind)
            continue;
        long i = bo_model_find(b->model, k == 0 ? BO_STATE : BO_PARAMETER, name);
        if (i >= 0) {
            v->kind = k;
            v->index = (size_t)i;
            return BO_OK;
        }
    }
    if (kind >= 0) {
        int other = kind == BO_STATE ? BO_PARAMETER : BO_STATE;
        if (bo_model_find(b->model, (bo_symbol_kind)other, name) >= 0)
            return bo_error(b->ctx, BO_ERR_INVALID_ARG, "%s'%s' is a %s, not a %s", where, name,
                            kind_word(other), kind_word(kind));
    }
    const char *s = suggest(b, name);
    const char *what = kind < 0 ? "state or parameter" : kind_word(kind);
    if (s)
        return bo_error(b->ctx, BO_ERR_NOT_FOUND, "%sunknown %s '%s' (did you mean '%s'?)", where,
                        what, name, s);
    return bo_error(b->ctx, BO_ERR_NOT_FOUND, "%sunknown %s '%s'", where, what, name);
}

/* The span named name (plain), or -1. */
static int span_index(const char *name)
{
    for (int i = 0; i < BO_SPAN_COUNT; ++i)
        if (strcmp(name, span_names[i]) == 0)
            return i;
    return -1;
}

/* Resolve a column name of a run table: a state or parameter, a span (t0, settling,
 * duration), or a qualified name (state.NAME, parameter.NAME, span.NAME). A plain span name
 * that is also a state or parameter of the model is ambiguous. */
static int resolve_column(const bo_batch *b, const char *name, const char *where, int amb_code,
                          bt_var *v)
{
    static const char *const prefix[] = {"state.", "parameter.", "span."};
    for (int k = 0; k < BT_KINDS; ++k) {
        size_t len = strlen(prefix[k]);
        if (strncmp(name, prefix[k], len) != 0)
            continue;
        if (k < BT_SPAN)
            return resolve(b, k, name + len, where, v);
        int i = span_index(name + len);
        if (i < 0)
            return bo_error(b->ctx, BO_ERR_NOT_FOUND,
                            "%sunknown span '%s' (spans: t0, settling, duration)", where,
                            name + len);
        v->kind = BT_SPAN;
        v->index = (size_t)i;
        return BO_OK;
    }
    int i = span_index(name);
    if (i < 0)
        return resolve(b, -1, name, where, v);
    for (int k = 0; k < 2; ++k)
        if (bo_model_find(b->model, k == 0 ? BO_STATE : BO_PARAMETER, name) >= 0)
            return bo_error(b->ctx, amb_code,
                            "%scolumn '%s' is ambiguous: the model has a %s '%s' and every run "
                            "has a %s; name the column 'span.%s' for the run's %s or '%s.%s' "
                            "for the %s",
                            where, name, kind_word(k), name, name, name, name, kind_word(k), name,
                            kind_word(k));
    v->kind = BT_SPAN;
    v->index = (size_t)i;
    return BO_OK;
}

static const char *var_name(const bo_batch *b, bt_var v)
{
    if (v.kind == BT_SPAN)
        return span_names[v.index];
    return bo_model_symbol_name(b->model, v.kind == 0 ? BO_STATE : BO_PARAMETER, v.index);
}

/* A span value's range: finite; settling >= 0; duration > 0. NULL when v fits, else why. */
static const char *span_fault(size_t span, double v)
{
    if (!isfinite(v))
        return "is not finite";
    if (span == BO_SPAN_SETTLING && !(v >= 0.0))
        return "is negative (settling must be >= 0)";
    if (span == BO_SPAN_DURATION && !(v > 0.0))
        return "is not positive (duration must be > 0)";
    return NULL;
}

/* ---- groups ---------------------------------------------------------------------------- */

static int find_var(const bo_batch *b, bt_var v, size_t *gi, size_t *ci)
{
    for (size_t g = 0; g < b->n_groups; ++g)
        for (size_t c = 0; c < b->group[g].n_cols; ++c)
            if (b->group[g].var[c].kind == v.kind && b->group[g].var[c].index == v.index) {
                *gi = g;
                *ci = c;
                return 1;
            }
    return 0;
}

static void remove_group(bo_batch *b, size_t gi)
{
    group_free(&b->group[gi]);
    memmove(&b->group[gi], &b->group[gi + 1], (b->n_groups - gi - 1) * sizeof *b->group);
    --b->n_groups;
}

/* Take variable v out of whichever group holds it, so a new group can own it. A single
 * variable's group stays in place (returned in *slot) so replaced values keep their position
 * in the grid order; a column of a block is dropped from the block. */
static void detach_var(bo_batch *b, bt_var v, size_t *slot)
{
    size_t gi, ci;
    *slot = (size_t)-1;
    if (!find_var(b, v, &gi, &ci))
        return;
    bt_group *g = &b->group[gi];
    if (g->n_cols == 1) {
        *slot = gi;
        return;
    }
    bo_free(g->col[ci]);
    memmove(&g->col[ci], &g->col[ci + 1], (g->n_cols - ci - 1) * sizeof *g->col);
    memmove(&g->var[ci], &g->var[ci + 1], (g->n_cols - ci - 1) * sizeof *g->var);
    --g->n_cols;
}

typedef struct {
    double v;
    size_t i;
} bt_pair;

static int cmp_pair(const void *pa, const void *pb)
{
    const bt_pair *a = pa, *b = pb;
    if (a->v < b->v)
        return -1;
    if (a->v > b->v)
        return 1;
    return a->i < b->i ? -1 : (a->i > b->i);
}

/* Fill g->uniq with the distinct values of g->col[0] in order of first appearance: sort
 * (value, position) pairs, mark the first position of each value, then keep marked values
 * in position order. O(n log n), so long linspace lists stay cheap. */
static int make_unique(bt_group *g)
{
    size_t n = g->n_rows;
    g->uniq = NULL;
    g->n_uniq = n;
    if (n < 2)
        return BO_OK;
    bt_pair *p = bo_calloc(n, sizeof *p);
    unsigned char *keep = bo_calloc(n, 1);
    if (!p || !keep) {
        bo_free(p);
        bo_free(keep);
        return BO_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; ++i) {
        p[i].v = g->col[0][i];
        p[i].i = i;
    }
    qsort(p, n, sizeof *p, cmp_pair);
    size_t distinct = 0;
    for (size_t i = 0; i < n; ++i)
        if (i == 0 || p[i].v != p[i - 1].v) {
            keep[p[i].i] = 1;
            ++distinct;
        }
    bo_free(p);
    if (distinct < n) {
        g->uniq = bo_calloc(distinct, sizeof(double));
        if (!g->uniq) {
            bo_free(keep);
            return BO_ERR_NOMEM;
        }
        size_t k = 0;
        for (size_t i = 0; i < n; ++i)
            if (keep[i])
                g->uniq[k++] = g->col[0][i];
        g->n_uniq = distinct;
    }
    bo_free(keep);
    return BO_OK;
}

static int append_group(bo_batch *b, bt_group *g)
{
    bt_group *ng = bo_array_realloc(b->group, b->n_groups + 1, sizeof *ng);
    if (!ng)
        return BO_ERR_NOMEM;
    b->group = ng;
    b->group[b->n_groups++] = *g;
    return BO_OK;
}

/* Install a single-variable group owning vals (taken over on success and on failure). */
static int put_single(bo_batch *b, bt_var v, double *vals, size_t count)
{
    bt_group g;
    memset(&g, 0, sizeof g);
    g.n_cols = 1;
    g.n_rows = count;
    g.var = bo_malloc(sizeof *g.var);
    g.col = bo_malloc(sizeof *g.col);
    if (!g.var || !g.col) {
        bo_free(g.var);
        bo_free(g.col);
        bo_free(vals);
        return bo_error(b->ctx, BO_ERR_NOMEM, "out of memory storing batch values");
    }
    g.var[0] = v;
    g.col[0] = vals;
    md_values *plan = NULL;
    if (make_unique(&g) != BO_OK || plan_values(b, &v, 1, &plan) != BO_OK) {
        group_free(&g);
        return bo_error(b->ctx, BO_ERR_NOMEM, "out of memory storing batch values");
    }
    size_t slot;
    detach_var(b, v, &slot);
    if (slot != (size_t)-1) {
        group_free(&b->group[slot]);
        b->group[slot] = g;
    } else if (append_group(b, &g) != BO_OK) {
        group_free(&g);
        md_values_destroy(plan);
        return bo_error(b->ctx, BO_ERR_NOMEM, "out of memory storing batch values");
    }
    md_values_destroy(b->values);
    b->values = plan;
    return BO_OK;
}

static int check_kind(bo_batch *b, bo_symbol_kind kind, const char *name)
{
    if (kind != BO_STATE && kind != BO_PARAMETER)
        return bo_error(b->ctx, BO_ERR_INVALID_ARG,
                        "batch values for '%s': kind must be BO_STATE or BO_PARAMETER",
                        name ? name : "(null)");
    if (!name)
        return bo_error(b->ctx, BO_ERR_INVALID_ARG, "batch values: name is NULL");
    return BO_OK;
}

int bo_batch_set_values(bo_batch *b, bo_symbol_kind kind, const char *name, const double *values,
                        size_t count)
{
    if (!b)
        return BO_ERR_INVALID_ARG;
    int rc = check_kind(b, kind, name);
    if (rc != BO_OK)
        return rc;
    bt_var v;
    if ((rc = resolve(b, (int)kind, name, "", &v)) != BO_OK)
        return rc;
    if (!values || count == 0)
        return bo_error(b->ctx, BO_ERR_INVALID_ARG, "no values given for %s '%s'",
                        kind_word((int)kind), name);
    for (size_t i = 0; i < count; ++i)
        if (!isfinite(values[i]))
            return bo_error(b->ctx, BO_ERR_INVALID_ARG, "value %zu for %s '%s' is not finite (%g)",
                            i, kind_word((int)kind), name, values[i]);
    double *copy = bo_array_realloc(NULL, count, sizeof *copy);
    if (!copy)
        return bo_error(b->ctx, BO_ERR_NOMEM, "out of memory storing %zu values for '%s'", count,
                        name);
    memcpy(copy, values, count * sizeof *copy);
    return put_single(b, v, copy, count);
}

static int check_span_arg(const bo_batch *b, bo_span span)
{
    if ((int)span < 0 || span >= BO_SPAN_COUNT)
        return bo_error(b->ctx, BO_ERR_INVALID_ARG,
                        "unknown span %d: use BO_SPAN_T0, BO_SPAN_SETTLING or BO_SPAN_DURATION",
                        (int)span);
    return BO_OK;
}

/* Check span values and install them as span's single-variable group (vals taken over). */
static int put_span(bo_batch *b, bo_span span, double *vals, size_t count)
{
    for (size_t i = 0; i < count; ++i) {
        const char *why = span_fault((size_t)span, vals[i]);
        if (why) {
            int rc = bo_error(b->ctx, BO_ERR_INVALID_ARG, "value %zu for span '%s' (%g) %s", i,
                              span_names[span], vals[i], why);
            bo_free(vals);
            return rc;
        }
    }
    bt_var v = {BT_SPAN, (size_t)span};
    return put_single(b, v, vals, count);
}

int bo_batch_set_span(bo_batch *b, bo_span span, const double *values, size_t count)
{
    if (!b)
        return BO_ERR_INVALID_ARG;
    int rc = check_span_arg(b, span);
    if (rc != BO_OK)
        return rc;
    if (!values || count == 0)
        return bo_error(b->ctx, BO_ERR_INVALID_ARG, "no values given for span '%s'",
                        span_names[span]);
    double *copy = bo_array_realloc(NULL, count, sizeof *copy);
    if (!copy)
        return bo_error(b->ctx, BO_ERR_NOMEM, "out of memory storing %zu values for '%s'", count,
                        span_names[span]);
    memcpy(copy, values, count * sizeof *copy);
    return put_span(b, span, copy, count);
}

int bo_batch_has_span(const bo_batch *b, bo_span span)
{
    size_t gi, ci;
    if (!b || (int)span < 0 || span >= BO_SPAN_COUNT)
        return 0;
    bt_var v = {BT_SPAN, (size_t)span};
    return find_var(b, v, &gi, &ci);
}

/* ---- specs ----------------------------------------------------------------------------- */

/* Parse spec for the variable called name into *vals, *count; errors name both. */
static int parse_spec(bo_batch *b, const char *name, const char *spec, double **vals, size_t *count)
{
    sb_buf why;
    sb_init(&why);
    int rc = num_spec(spec, vals, count, &why);
    if (rc != BO_OK)
        rc = bo_error(b->ctx, why.failed ? BO_ERR_NOMEM : rc, "spec '%s' for '%s': %s", spec, name,
                      why.failed ? "out of memory" : sb_cstr(&why));
    sb_free(&why);
    return rc;
}

int bo_batch_set_span_spec(bo_batch *b, bo_span span, const char *spec)
{
    if (!b)
        return BO_ERR_INVALID_ARG;
    int rc = check_span_arg(b, span);
    if (rc != BO_OK)
        return rc;
    if (!spec)
        return bo_error(b->ctx, BO_ERR_INVALID_ARG, "spec for '%s' is NULL", span_names[span]);
    double *vals = NULL;
    size_t count = 0;
    if ((rc = parse_spec(b, span_names[span], spec, &vals, &count)) != BO_OK)
        return rc;
    return put_span(b, span, vals, count);
}

int bo_batch_set_spec(bo_batch *b, bo_symbol_kind kind, const char *name, const char *spec)
{
    if (!b)
        return BO_ERR_INVALID_ARG;
    int rc = check_kind(b, kind, name);
    if (rc != BO_OK)
        return rc;
    if (!spec)
        return bo_error(b->ctx, BO_ERR_INVALID_ARG, "spec for '%s' is NULL", name);
    bt_var v;
    if ((rc = resolve(b, (int)kind, name, "", &v)) != BO_OK)
        return rc;
    double *vals = NULL;
    size_t count = 0;
    if ((rc = parse_spec(b, name, spec, &vals, &count)) != BO_OK)
        return rc;
    return put_single(b, v, vals, count);
}

/* ---- CSV run files --------------------------------------------------------------------- */

static int load_table(bo_batch *b, const csv_table *t, bt_group *g)
{
    const char *src = t->source;
    if (t->n_rows == 0)
        return bo_error(b->ctx, BO_ERR_PARSE, "%s: no header row", src);
    const csv_row *h = &t->row[0];
    if (t->n_rows < 2)
        return bo_error(b->ctx, BO_ERR_PARSE, "%s:%zu: header but no runs", src, h->line);
    g->n_cols = h->n;
    g->n_rows = t->n_rows - 1;
    g->var = bo_calloc(h->n, sizeof *g->var);
    g->col = bo_calloc(h->n, sizeof *g->col);
    if (!g->var || !g->col || !(g->source = bo_strdup(src)))
        return bo_error(b->ctx, BO_ERR_NOMEM, "out of memory reading %s", src);
    for (size_t c = 0; c < h->n; ++c) {
        char where[512];
        snprintf(where, sizeof where, "%s:%zu:%zu: ", src, h->line, h->col[c]);
        if (!*h->field[c])
            return bo_error(b->ctx, BO_ERR_PARSE, "%sempty column name", where);
        int rc = resolve_column(b, h->field[c], where, BO_ERR_PARSE, &g->var[c]);
        if (rc != BO_OK)
            return rc;
        for (size_t d = 0; d < c; ++d)
            if (g->var[d].kind == g->var[c].kind && g->var[d].index == g->var[c].index)
                return bo_error(b->ctx, BO_ERR_PARSE, "%scolumn '%s' appears twice", where,
                                h->field[c]);
        g->col[c] = bo_array_realloc(NULL, g->n_rows, sizeof(double));
        if (!g->col[c])
            return bo_error(b->ctx, BO_ERR_NOMEM, "out of memory reading %s", src);
    }
    for (size_t r = 1; r < t->n_rows; ++r) {
        const csv_row *row = &t->row[r];
        if (row->n != h->n) {
            size_t col = row->n < h->n ? row->end_col : row->col[h->n];
            return bo_error(b->ctx, BO_ERR_PARSE, "%s:%zu:%zu: expected %zu values, found %zu", src,
                            row->line, col, h->n, row->n);
        }
        for (size_t c = 0; c < h->n; ++c) {
            const char *f = row->field[c];
            int rc = num_parse_str(f, &g->col[c][r - 1]);
            if (rc != NUM_OK) {
                const char *hint = num_syntax_hint(f, strlen(f));
                return bo_error(b->ctx, BO_ERR_PARSE, "%s:%zu:%zu: %s '%s' for column '%s'%s%s%s",
                                src, row->line, row->col[c],
                                rc == NUM_NONFINITE ? "non-finite value" : "not a number:", f,
                                h->field[c], *hint ? " (" : "", hint, *hint ? ")" : "");
            }
            const char *why =
                g->var[c].kind == BT_SPAN ? span_fault(g->var[c].index, g->col[c][r - 1]) : NULL;
            if (why)
                return bo_error(b->ctx, BO_ERR_PARSE, "%s:%zu:%zu: %s '%s' %s", src, row->line,
                                row->col[c], h->field[c], f, why);
        }
    }
    return BO_OK;
}

/* Install block g (taken over on success and on failure): its columns leave the groups that
 * held them, and it becomes the last group. what names the source in a memory error. */
static int install_block(bo_batch *b, bt_group *g, const char *what)
{
    /* Reserve the slot and make the plan first so that detaching columns cannot be followed
     * by a failure. */
    md_values *plan = NULL;
    bt_group *ng = bo_array_realloc(b->group, b->n_groups + 1, sizeof *ng);
    if (ng)
        b->group = ng;
    if (!ng || plan_values(b, g->var, g->n_cols, &plan) != BO_OK) {
        group_free(g);
        return bo_error(b->ctx, BO_ERR_NOMEM, "out of memory loading %s", what);
    }
    md_values_destroy(b->values);
    b->values = plan;
    for (size_t c = 0; c < g->n_cols; ++c) {
        size_t slot;
        detach_var(b, g->var[c], &slot);
        if (slot != (size_t)-1)
            remove_group(b, slot);
    }
    for (size_t gi = b->n_groups; gi-- > 0;)
        if (b->group[gi].n_cols == 0)
            remove_group(b, gi);
    b->group[b->n_groups++] = *g;
    return BO_OK;
}

int bo_batch_load_csv(bo_batch *b, const char *path)
{
    if (!b)
        return BO_ERR_INVALID_ARG;
    csv_table *t = NULL;
    int rc = csv_read_file(b->ctx, path, &t);
    if (rc != BO_OK)
        return rc;
    bt_group g;
    memset(&g, 0, sizeof g);
    rc = load_table(b, t, &g);
    csv_destroy(t);
    if (rc != BO_OK) {
        group_free(&g);
        return rc;
    }
    return install_block(b, &g, path);
}

int bo_batch_set_runs(bo_batch *b, size_t n_cols, const char *const *names,
                      const double *const *columns, size_t n_rows)
{
    if (!b)
        return BO_ERR_INVALID_ARG;
    if (n_cols == 0 || !names || !columns)
        return bo_error(b->ctx, BO_ERR_INVALID_ARG, "bo_batch_set_runs: no columns given");
    if (n_rows == 0)
        return bo_error(b->ctx, BO_ERR_INVALID_ARG, "bo_batch_set_runs: no runs given");
    bt_group g;
    memset(&g, 0, sizeof g);
    g.n_rows = n_rows;
    g.var = bo_calloc(n_cols, sizeof *g.var);
    g.col = bo_calloc(n_cols, sizeof *g.col);
    if (!g.var || !g.col) {
        group_free(&g);
        return bo_error(b->ctx, BO_ERR_NOMEM, "out of memory storing %zu runs", n_rows);
    }
    int rc = BO_OK;
    for (size_t c = 0; c < n_cols && rc == BO_OK; ++c) {
        g.n_cols = c + 1; /* group_free frees the columns made so far */
        if (!names[c] || !columns[c]) {
            rc = bo_error(b->ctx, BO_ERR_INVALID_ARG, "bo_batch_set_runs: column %zu is NULL", c);
            break;
        }
        if ((rc = resolve_column(b, names[c], "", BO_ERR_INVALID_ARG, &g.var[c])) != BO_OK)
            break;
        for (size_t d = 0; d < c; ++d)
            if (g.var[d].kind == g.var[c].kind && g.var[d].index == g.var[c].index) {
                rc = bo_error(b->ctx, BO_ERR_INVALID_ARG, "column '%s' appears twice", names[c]);
                break;
            }
        for (size_t r = 0; r < n_rows && rc == BO_OK; ++r) {
            if (!isfinite(columns[c][r]))
                rc = bo_error(b->ctx, BO_ERR_INVALID_ARG,
                              "run %zu: value for '%s' is not finite (%g)", r, names[c],
                              columns[c][r]);
            const char *why =
                g.var[c].kind == BT_SPAN ? span_fault(g.var[c].index, columns[c][r]) : NULL;
            if (rc == BO_OK && why)
                rc = bo_error(b->ctx, BO_ERR_INVALID_ARG, "run %zu: value for '%s' (%g) %s", r,
                              names[c], columns[c][r], why);
        }
        if (rc != BO_OK)
            break;
        g.col[c] = bo_array_realloc(NULL, n_rows, sizeof(double));
        if (!g.col[c]) {
            rc = bo_error(b->ctx, BO_ERR_NOMEM, "out of memory storing %zu runs", n_rows);
            break;
        }
        memcpy(g.col[c], columns[c], n_rows * sizeof(double));
    }
    if (rc != BO_OK) {
        group_free(&g);
        return rc;
    }
    return install_block(b, &g, "runs");
}

/* ---- run arithmetic -------------------------------------------------------------------- */

/* Rows of group g under the current grid rule. */
static size_t group_len(const bo_batch *b, const bt_group *g)
{
    return b->grid == BO_GRID_COMBINATORIAL && g->uniq ? g->n_uniq : g->n_rows;
}

static double group_value(const bo_batch *b, const bt_group *g, size_t c, size_t row)
{
    if (b->grid == BO_GRID_COMBINATORIAL && g->uniq)
        return g->uniq[row];
    return g->col[c][row];
}

static void describe_group(const bo_batch *b, const bt_group *g, sb_buf *sb)
{
    for (size_t c = 0; c < g->n_cols; ++c)
        sb_printf(sb, "%s%s", c ? "," : "", var_name(b, g->var[c]));
    if (g->source)
        sb_printf(sb, " (from %s)", g->source);
    sb_printf(sb, " %s %zu", g->n_cols > 1 ? "have" : "has", group_len(b, g));
}

/* Number of runs, or an error (written to why when given) for a mismatch or overflow. */
static int count_runs(const bo_batch *b, size_t *runs, sb_buf *why)
{
    size_t n = 1;
    if (b->grid == BO_GRID_COMBINATORIAL) {
        for (size_t g = 0; g < b->n_groups; ++g) {
            size_t len = group_len(b, &b->group[g]);
            if (len && n > SIZE_MAX / len) {
                if (why) {
                    sb_append(why, "combinatorial grid has too many runs (more than "
                                   "SIZE_MAX): ");
                    for (size_t k = 0; k < b->n_groups; ++k) {
                        sb_append(why, k ? ", " : "");
                        describe_group(b, &b->group[k], why);
                    }
                }
                *runs = 0;
                return BO_ERR_RANGE;
            }
            n *= len;
        }
        *runs = n;
        return BO_OK;
    }
    for (size_t g = 0; g < b->n_groups; ++g) {
        size_t len = b->group[g].n_rows;
        if (len != 1 && n != 1 && len != n) {
            if (why) {
                sb_append(why, "verbatim grid: value counts differ: ");
                for (size_t k = 0; k < b->n_groups; ++k) {
                    sb_append(why, k ? ", " : "");
                    describe_group(b, &b->group[k], why);
                }
                sb_append(why, " (give every variable the same number of values, or one to "
                               "broadcast)");
            }
            *runs = 0;
            return BO_ERR_INVALID_ARG;
        }
        if (len != 1)
            n = len;
    }
    *runs = n;
    return BO_OK;
}

size_t bo_batch_run_count(const bo_batch *b)
{
    size_t n = 0;
    if (!b || count_runs(b, &n, NULL) != BO_OK)
        return 0;
    return n;
}

const bo_model *bt_model(const bo_batch *b)
{
    return b ? b->model : NULL;
}

int bo_batch_validate(const bo_batch *b)
{
    if (!b)
        return BO_ERR_INVALID_ARG;
    size_t n;
    sb_buf why;
    sb_init(&why);
    int rc = count_runs(b, &n, &why);
    if (rc != BO_OK)
        rc = bo_error(b->ctx, rc, "%s", why.failed ? "batch is inconsistent" : sb_cstr(&why));
    sb_free(&why);
    return rc;
}

static double *kind_out(int kind, double *init, double *params)
{
    return kind == BO_STATE ? init : kind == BO_PARAMETER ? params : NULL;
}

/* One run's values left to the model, from its parameters params[] (complete): written into
 * init[] (when not NULL) and params[]. */
static int eval_run(const bo_batch *b, double *init, double *params)
{
    const md_values *pv = b->values;
    size_t ni = md_values_n_inputs(pv), no = md_values_n_outputs(pv);
    double *buf = bo_array_realloc(NULL, ni + no + md_values_scratch(pv), sizeof *buf);
    if (!buf)
        return bo_error(b->ctx, BO_ERR_NOMEM, "out of memory");
    for (size_t k = 0; k < ni; ++k)
        buf[k] = params[md_values_input(pv, k)];
    md_values_eval(pv, 1, buf, buf + ni, buf + ni + no);
    for (size_t j = 0; j < no; ++j) {
        bo_symbol_kind kind;
        size_t index;
        md_values_output(pv, j, &kind, &index);
        double *dst = kind == BO_STATE ? init : params;
        if (dst)
            dst[index] = buf[ni + j];
    }
    bo_free(buf);
    return BO_OK;
}

int bo_batch_get_run(const bo_batch *b, size_t run, double *init, double *params)
{
    if (!b)
        return BO_ERR_INVALID_ARG;
    size_t runs;
    int rc = bo_batch_validate(b);
    if (rc != BO_OK)
        return rc;
    count_runs(b, &runs, NULL);
    if (run >= runs)
        return bo_error(b->ctx, BO_ERR_RANGE, "run %zu is out of range (the batch has %zu runs)",
                        run, runs);
    /* The values left to the model may read parameters the caller did not ask for. */
    double *tmp = NULL;
    if (!params && b->values) {
        params = tmp = bo_array_realloc(NULL, b->n_var[1] ? b->n_var[1] : 1, sizeof *tmp);
        if (!tmp)
            return bo_error(b->ctx, BO_ERR_NOMEM, "out of memory");
    }
    if (init)
        memcpy(init, b->defaults[0], b->n_var[0] * sizeof *init);
    if (params)
        memcpy(params, b->defaults[1], b->n_var[1] * sizeof *params);
    /* Mixed-radix digits of run, least significant (last group) first. */
    size_t rest = run;
    for (size_t gi = b->n_groups; gi-- > 0;) {
        const bt_group *g = &b->group[gi];
        size_t len = group_len(b, g), row;
        if (b->grid == BO_GRID_COMBINATORIAL) {
            row = rest % len;
            rest /= len;
        } else {
            row = len == 1 ? 0 : run;
        }
        for (size_t c = 0; c < g->n_cols; ++c) {
            double *dst = kind_out(g->var[c].kind, init, params);
            if (dst)
                dst[g->var[c].index] = group_value(b, g, c, row);
        }
    }
    rc = b->values ? eval_run(b, init, params) : BO_OK;
    bo_free(tmp);
    return rc;
}

static void fill_row(const bo_batch *b, int kind, size_t index, size_t first_run, size_t count,
                     void *o, int elem);

int bo_batch_get_span(const bo_batch *b, size_t run, double span[BO_SPAN_COUNT])
{
    if (!b || !span)
        return BO_ERR_INVALID_ARG;
    size_t runs;
    int rc = bo_batch_validate(b);
    if (rc != BO_OK)
        return rc;
    count_runs(b, &runs, NULL);
    if (run >= runs)
        return bo_error(b->ctx, BO_ERR_RANGE, "run %zu is out of range (the batch has %zu runs)",
                        run, runs);
    for (size_t i = 0; i < BO_SPAN_COUNT; ++i)
        fill_row(b, BT_SPAN, i, run, 1, &span[i], 8);
    return BO_OK;
}

int bt_fill_spans(const bo_batch *b, size_t first_run, size_t count, size_t row_stride,
                  double *spans, const double fallback[BO_SPAN_COUNT])
{
    for (size_t i = 0; i < BO_SPAN_COUNT; ++i) {
        double *row = spans + i * row_stride;
        if (bo_batch_has_span(b, (bo_span)i))
            fill_row(b, BT_SPAN, i, first_run, count, row, 8);
        else
            par_fill_value(row, count, fallback[i], 8);
    }
    return BO_OK;
}

int bt_fill(const bo_batch *b, size_t first_run, size_t count, double *init, double *params)
{
    return bt_fill_rows(b, first_run, count, count, init, params);
}

/* One row of count values of variable (kind, index): the swept value when a group holds it,
 * else the default. Written as bulk copies and fills (src/util/parallel.h), not value by value:
 * the rows of a large batch are filled on the critical path of every GPU solve. */
static void fill_row(const bo_batch *b, int kind, size_t index, size_t first_run, size_t count,
                     void *o, int elem)
{
    unsigned char *out = o;
    size_t e = (size_t)elem;
    size_t stride = 1;
    for (size_t gi = b->n_groups; gi-- > 0;) {
        const bt_group *g = &b->group[gi];
        size_t len = group_len(b, g);
        for (size_t c = 0; c < g->n_cols; ++c) {
            if (g->var[c].kind != kind || g->var[c].index != index)
                continue;
            /* The group's row advances by one every `stride` runs and wraps at its length.
             * Verbatim grids are stride 1 (a broadcast group has length 1 and so stays on
             * row 0). */
            size_t row = (first_run / stride) % len, left = stride - first_run % stride;
            size_t i = 0;
            if (stride == 1 && len > 1) {
                /* Consecutive runs take consecutive values: copy them, wrapping at len. */
                const double *src =
                    (b->grid == BO_GRID_COMBINATORIAL && g->uniq) ? g->uniq : g->col[c];
                while (i < count) {
                    size_t take = len - row < count - i ? len - row : count - i;
                    par_segment seg = {out + i * e, src + row, take, (unsigned char)e, 8};
                    par_copy_segment(&seg);
                    i += take;
                    row = 0;
                }
                return;
            }
            /* Each value repeats for `stride` runs (all of them when len is 1). */
            while (i < count) {
                size_t take = len == 1 ? count - i : (left < count - i ? left : count - i);
                par_fill_value(out + i * e, take, group_value(b, g, c, row), elem);
                i += take;
                left = stride;
                if (++row == len)
                    row = 0;
            }
            return;
        }
        if (b->grid == BO_GRID_COMBINATORIAL)
            stride *= len;
    }
    par_fill_value(o, count, b->defaults[kind][index], elem);
}

/* Scratch of the per-run evaluation kept on the stack when it fits (32 KiB). */
enum { FILL_STACK_DOUBLES = 4096, FILL_MAX_BLOCK = 256 };

/* The rows of the values left to the model, for runs [first_run, first_run + count), in
 * blocks of runs: the inputs (the runs' parameters) filled as rows, then evaluated
 * operation by operation over the block. Runs on worker threads, so it reports a failure
 * only by its code (the caller names it). */
static int fill_values(const bo_batch *b, size_t first_run, size_t count, size_t row_stride,
                       unsigned char *init, unsigned char *params, int elem)
{
    const md_values *pv = b->values;
    size_t ni = md_values_n_inputs(pv), no = md_values_n_outputs(pv);
    size_t per_run = ni + no + md_values_scratch(pv);
    size_t block = FILL_STACK_DOUBLES / per_run;
    double stack[FILL_STACK_DOUBLES], *buf = stack;
    if (block == 0) {
        block = 16;
        buf = bo_array_realloc(NULL, per_run * block, sizeof *buf);
        if (!buf)
            return BO_ERR_NOMEM;
    }
    if (block > FILL_MAX_BLOCK)
        block = FILL_MAX_BLOCK;
    size_t e = (size_t)elem;
    for (size_t off = 0; off < count; off += block) {
        size_t nb = count - off < block ? count - off : block;
        double *in = buf, *out = buf + ni * nb, *scratch = out + no * nb;
        for (size_t k = 0; k < ni; ++k)
            fill_row(b, BO_PARAMETER, md_values_input(pv, k), first_run + off, nb, in + k * nb, 8);
        md_values_eval(pv, nb, in, out, scratch);
        for (size_t j = 0; j < no; ++j) {
            bo_symbol_kind kind;
            size_t index;
            md_values_output(pv, j, &kind, &index);
            unsigned char *dst = kind == BO_STATE ? init : params;
            if (!dst)
                continue;
            par_segment seg = {dst + (index * row_stride + off) * e, out + j * nb, nb,
                               (unsigned char)e, 8};
            par_copy_segment(&seg);
        }
    }
    if (buf != stack)
        bo_free(buf);
    return BO_OK;
}

int bt_fill_rows_as(const bo_batch *b, size_t first_run, size_t count, size_t row_stride,
                    void *init, void *params, int elem_bytes)
{
    if (!b || (elem_bytes != 4 && elem_bytes != 8))
        return BO_ERR_INVALID_ARG;
    size_t runs;
    int rc = bo_batch_validate(b);
    if (rc != BO_OK)
        return rc;
    count_runs(b, &runs, NULL);
    if (first_run > runs || count > runs - first_run)
        return bo_error(b->ctx, BO_ERR_RANGE,
                        "runs %zu..%zu are out of range (the batch has %zu runs)", first_run,
                        first_run + count, runs);
    for (int k = 0; k < 2; ++k) {
        bo_symbol_kind kind = k == 0 ? BO_STATE : BO_PARAMETER;
        unsigned char *dst = k == 0 ? init : params;
        if (!dst)
            continue;
        for (size_t v = 0; v < b->n_var[k]; ++v)
            if (!md_values_produces(b->values, kind, v))
                fill_row(b, (int)kind, v, first_run, count,
                         dst + v * row_stride * (size_t)elem_bytes, elem_bytes);
    }
    return b->values ? fill_values(b, first_run, count, row_stride, init, params, elem_bytes)
                     : BO_OK;
}

int bt_fill_rows(const bo_batch *b, size_t first_run, size_t count, size_t row_stride, double *init,
                 double *params)
{
    return bt_fill_rows_as(b, first_run, count, row_stride, init, params, 8);
}
