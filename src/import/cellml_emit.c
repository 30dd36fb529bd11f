/* The CellML importer's output: a model-language name for every class of connected variables
 * (its defining variable's name, or component__variable where names clash: docs/cellml.md),
 * and the model text, declarations in dependency order with comments giving each item's
 * component, variable and units. Also the public entry points (bo_model_import_cellml,
 * bo_cellml_supported) and the hook bo_model_load_file and bo_model_load_string use; without
 * libxml2 these refuse CellML with a message that says why. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cellml_internal.h"
#include "model/model_internal.h"

int cm_looks_like_cellml(const char *path, const char *text, size_t len)
{
    if (path) {
        size_t n = strlen(path);
        const char *ext = ".cellml";
        if (n >= 7) {
            int same = 1;
            for (size_t i = 0; i < 7; ++i)
                same &= tolower((unsigned char)path[n - 7 + i]) == ext[i];
            if (same)
                return 1;
        }
    }
    if (!text)
        return 0;
    size_t i = 0;
    if (len >= 3 && (unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB &&
        (unsigned char)text[2] == 0xBF)
        i = 3;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
        ++i;
    return i < len && text[i] == '<';
}

#ifndef BO_HAVE_CELLML

int cm_import(bo_context *ctx, const char *path, const char *text, size_t len,
              const char *source_name, char **out)
{
    (void)text;
    (void)len;
    *out = NULL;
    return bo_error(ctx, BO_ERR_BACKEND,
                    "%s: CellML import is not available: this batchode was built without "
                    "libxml2 (install libxml2-dev and rebuild with BO_WITH_CELLML=AUTO or ON)",
                    path ? path : (source_name ? source_name : "<string>"));
}

int cm_load_model(bo_context *ctx, const char *path, const char *text, size_t len,
                  const char *source_name, bo_model **out)
{
    char *none;
    *out = NULL;
    return cm_import(ctx, path, text, len, source_name, &none);
}

int bo_cellml_supported(void)
{
    return 0;
}

#else

/* Names the model language keeps for itself (docs/model-language.md#reserved-names). */
static const char *const RESERVED[] = {
    "t",     "pi",    "model", "state",  "param",     "const", "driver", "obs",  "aux",
    "event", "exp",   "log",   "log10",  "log2",      "sqrt",  "cbrt",   "pow",  "sin",
    "cos",   "tan",   "asin",  "acos",   "atan",      "atan2", "sinh",   "cosh", "tanh",
    "asinh", "acosh", "atanh", "abs",    "sign",      "floor", "ceil",   "min",  "max",
    "erf",   "erfc",  "hypot", "ifelse", "piecewise",
};

static int reserved(const char *s)
{
    for (size_t i = 0; i < sizeof RESERVED / sizeof RESERVED[0]; ++i)
        if (strcmp(RESERVED[i], s) == 0)
            return 1;
    return 0;
}

/* A CellML name as a model-language name: letters, digits and '_', not starting with a
 * digit. */
static char *sanitize(const char *a, const char *b)
{
    char *s = b ? bo_asprintf("%s__%s", a, b) : bo_strdup(a);
    if (!s)
        return NULL;
    for (char *p = s; *p; ++p)
        if (!isalnum((unsigned char)*p) && *p != '_')
            *p = '_';
    if (isdigit((unsigned char)s[0])) {
        char *t = bo_asprintf("v_%s", s);
        free(s);
        s = t;
    }
    return s;
}

static int id_taken(const cm_state *st, size_t upto, const char *id)
{
    if (reserved(id))
        return 1;
    for (size_t c = 0; c < upto; ++c)
        if (st->cls[c].id && strcmp(st->cls[c].id, id) == 0)
            return 1;
    return 0;
}

static int emitted(cm_kind k)
{
    return k == CK_STATE || k == CK_CONST || k == CK_COMPUTED || k == CK_ALGEBRAIC;
}

static int assign_names(cm_state *st)
{
    for (size_t c = 0; c < st->ncls; ++c) {
        cm_class *k = &st->cls[c];
        if (k->kind == CK_TIME)
            k->id = bo_strdup("t");
        if (!emitted(k->kind))
            continue;
        const cm_var *x = &st->vars[k->src];
        int clash = 0;
        for (size_t o = 0; o < st->ncls && !clash; ++o)
            clash = o != c && emitted(st->cls[o].kind) &&
                    strcmp(st->vars[st->cls[o].src].name, x->name) == 0;
        char *id = sanitize(x->name, NULL);
        if (id && (clash || reserved(id) || strcmp(id, x->name) != 0)) {
            free(id);
            id = sanitize(st->comps[x->comp].name, x->name);
        }
        for (int n = 2; id && id_taken(st, c, id); ++n) {
            char *base = sanitize(st->comps[x->comp].name, x->name);
            free(id);
            id = base ? bo_asprintf("%s_%d", base, n) : NULL;
            free(base);
        }
        if (!id)
            return cm_nomem(st);
        k->id = id;
    }
    return BO_OK;
}

/* A units name the model language's unit syntax reads as one name. */
static int plain_unit(const char *u)
{
    if (!u || !(isalpha((unsigned char)u[0]) || u[0] == '_'))
        return 0;
    for (const char *p = u; *p; ++p)
        if (!isalnum((unsigned char)*p) && *p != '_')
            return 0;
    return 1;
}

static void unit_and_origin(const cm_state *st, int v, sb_buf *b)
{
    const cm_var *x = &st->vars[v];
    if (plain_unit(x->units_name))
        sb_printf(b, " [%s]", x->units_name);
    sb_printf(b, "  # %s.%s", st->comps[x->comp].name, x->name);
    if (!plain_unit(x->units_name))
        sb_printf(b, " [%s]", x->units_name);
    sb_putc(b, '\n');
}

static const cm_eq *init_eq(const cm_state *st, int c)
{
    for (size_t i = 0; i < st->neq; ++i)
        if (st->eqs[i].bvar == -2 && st->vars[st->eqs[i].lhs].cls == c)
            return &st->eqs[i];
    return NULL;
}

static int emit(cm_state *st, sb_buf *b)
{
    char q[512];
    const cm_doc *root = st->root;
    if (st->time_cls < 0)
        return cm_fail(st, st->root, st->root->model, BO_ERR_MODEL,
                       "the model has no differential equations (no variable is defined by "
                       "d(x)/d(t) = ...), so there is nothing to integrate");
    int *order = bo_malloc((st->ncls ? st->ncls : 1) * sizeof *order);
    if (!order)
        return cm_nomem(st);
    size_t n_order = 0;
    int rc = cm_order(st, order, &n_order);
    if (rc) {
        free(order);
        return rc;
    }
    /* Values of constants, in order, for the singularity analysis and for checking. */
    for (size_t i = 0; i < n_order; ++i) {
        cm_class *k = &st->cls[order[i]];
        if (k->kind == CK_COMPUTED)
            k->value = cm_eval(st, st->eqs[k->eq].rhs);
    }
    for (size_t i = 0; i < st->neq; ++i)
        if (st->eqs[i].bvar != -2 && st->cls[st->vars[st->eqs[i].lhs].cls].kind != CK_COMPUTED)
            if (!(st->eqs[i].rhs = cm_fix_singularities(st, st->eqs[i].rhs))) {
                free(order);
                return st->status ? st->status : cm_nomem(st);
            }
    char *mname = NULL;
    char *attr = cm_attr(st, root->model, "name");
    if (attr)
        mname = bo_strdup(attr); /* sanitized below */
    free(attr);
    const cm_class *tk = &st->cls[st->time_cls];
    const cm_var *tv = &st->vars[tk->src];
    sb_printf(b,
              "# Imported by batchode import (docs/cellml.md) from the CellML %d.%d model\n"
              "#   %s\n"
              "# Each name is the CellML variable's name, or component__variable where that\n"
              "# name is not unique; the comment after each item gives component.variable and\n"
              "# the CellML units. Every constant is a parameter; a constant computed from\n"
              "# others has its formula as its value. Algebraic variables are observables.\n",
              root->version / 10, root->version % 10, root->path);
    if (mname) {
        char *s = sanitize(mname, NULL);
        if (s)
            sb_printf(b, "model %s\n", s);
        free(s);
        free(mname);
    }
    sb_printf(b, "\n# t is the variable of integration %s.%s [%s]\n", st->comps[tv->comp].name,
              tv->name, tv->units_name);
    /* Parameters: constants and computed constants, in dependency order (constants first). */
    sb_append(b, "\n# Constants\n");
    for (size_t c = 0; c < st->ncls; ++c) {
        cm_class *k = &st->cls[c];
        if (k->kind != CK_CONST)
            continue;
        sb_printf(b, "param %s = ", k->id);
        cm_print_num(k->value, b);
        unit_and_origin(st, k->src, b);
    }
    int any = 0;
    for (size_t i = 0; i < n_order; ++i) {
        cm_class *k = &st->cls[order[i]];
        if (k->kind != CK_COMPUTED)
            continue;
        if (!any++)
            sb_append(b, "\n# Constants computed from others\n");
        sb_printf(b, "param %s = ", k->id);
        cm_print(st, st->eqs[k->eq].rhs, b);
        unit_and_origin(st, k->src, b);
    }
    sb_append(b, "\n# States\n");
    for (size_t c = 0; c < st->ncls; ++c) {
        cm_class *k = &st->cls[c];
        if (k->kind != CK_STATE)
            continue;
        const cm_eq *ie = init_eq(st, (int)c);
        if (!cm_is_constant(st, ie->rhs)) {
            free(order);
            return cm_fail(st, ie->doc, ie->node, BO_ERR_MODEL,
                           "the initial value of %s is not a constant",
                           cm_qual(st, k->src, q, sizeof q));
        }
        sb_printf(b, "state %s = ", k->id);
        cm_print(st, ie->rhs, b);
        unit_and_origin(st, k->src, b);
    }
    any = 0;
    for (size_t i = 0; i < n_order; ++i) {
        cm_class *k = &st->cls[order[i]];
        if (k->kind != CK_ALGEBRAIC)
            continue;
        if (!any++)
            sb_append(b, "\n# Algebraic variables\n");
        sb_printf(b, "obs %s = ", k->id);
        cm_print(st, st->eqs[k->eq].rhs, b);
        unit_and_origin(st, k->src, b);
    }
    sb_append(b, "\n# Differential equations\n");
    for (size_t c = 0; c < st->ncls; ++c) {
        cm_class *k = &st->cls[c];
        if (k->kind != CK_STATE)
            continue;
        const cm_eq *e = &st->eqs[k->eq];
        /* d(x)/d(tb) = rhs with tb = f*t: dx/dt = f*rhs. */
        double f = cm_var_factor(st, e->bvar);
        sb_printf(b, "d%s/dt = ", k->id);
        if (f != 1) {
            cm_print_num(f, b);
            sb_append(b, "*(");
        }
        cm_print(st, e->rhs, b);
        if (f != 1)
            sb_putc(b, ')');
        sb_printf(b, "  # %s\n", st->comps[e->comp].name);
    }
    free(order);
    return b->failed ? cm_nomem(st) : BO_OK;
}

static void free_state(cm_state *st)
{
    for (size_t i = 0; i < st->narena; ++i)
        free(st->arena[i]);
    free(st->arena);
    for (size_t i = 0; i < st->nvar; ++i) {
        free(st->vars[i].name);
        free(st->vars[i].units_name);
        free(st->vars[i].init);
    }
    free(st->vars);
    for (size_t i = 0; i < st->ncomp; ++i)
        free(st->comps[i].name);
    free(st->comps);
    free(st->conns);
    free(st->eqs);
    for (size_t i = 0; st->cls && i < st->ncls; ++i)
        free(st->cls[i].id);
    free(st->cls);
    for (int i = 0; i < st->n_base; ++i)
        free(st->base_names[i]);
    cm_free_docs(st);
}

/* Import into *out; with aliases (non-NULL) also the list "id\0component.variable\0" of
 * every emitted class, for bo_model_find. */
static int import_text(bo_context *ctx, const char *path, const char *text, size_t len,
                       const char *source_name, char **out, sb_buf *aliases)
{
    cm_state st;
    memset(&st, 0, sizeof st);
    st.ctx = ctx;
    st.time_cls = -1;
    sb_buf b;
    sb_init(&b);
    int rc = cm_load_root(&st, path, text, len, source_name);
    if (!rc)
        rc = cm_build(&st);
    if (!rc)
        rc = cm_classify(&st);
    if (!rc)
        rc = assign_names(&st);
    if (!rc)
        rc = emit(&st, &b);
    if (!rc && aliases) {
        char q[512];
        for (size_t c = 0; c < st.ncls; ++c)
            if (emitted(st.cls[c].kind)) {
                sb_append(aliases, st.cls[c].id);
                sb_putc(aliases, '\n');
                sb_append(aliases, cm_qual(&st, st.cls[c].src, q, sizeof q));
                sb_putc(aliases, '\n');
            }
        if (aliases->failed)
            rc = cm_nomem(&st);
    }
    free_state(&st);
    if (rc) {
        sb_free(&b);
        return rc;
    }
    *out = sb_take(&b);
    return *out ? BO_OK : bo_error(ctx, BO_ERR_NOMEM, "out of memory importing CellML");
}

int bo_cellml_supported(void)
{
    return 1;
}

/* Give each symbol of the parsed model its "component.variable" name. */
static int set_aliases(bo_model *m, const char *list)
{
    const char *p = list;
    while (*p) {
        const char *nl = strchr(p, '\n');
        const char *q = nl ? nl + 1 : p + strlen(p);
        const char *nl2 = strchr(q, '\n');
        if (!nl || !nl2)
            break;
        for (int k = 0; k < BO_SYMBOL_KIND_COUNT; ++k)
            for (size_t i = 0; i < m->count[k]; ++i) {
                md_symbol *s = &m->sym[k][i];
                if (strlen(s->name) == (size_t)(nl - p) &&
                    strncmp(s->name, p, (size_t)(nl - p)) == 0 && !s->alias &&
                    !(s->alias = bo_strndup(q, (size_t)(nl2 - q))))
                    return BO_ERR_NOMEM;
            }
        p = nl2 + 1;
    }
    return BO_OK;
}

int cm_import(bo_context *ctx, const char *path, const char *text, size_t len,
              const char *source_name, char **out)
{
    *out = NULL;
    return import_text(ctx, path, text, len, source_name, out, NULL);
}

/* bo_model_load_file/_string for CellML: import, then parse the text with the model
 * language's parser. An error there (a value that is not finite, say) names the generated
 * text's line; `batchode import` shows that text. */
int cm_load_model(bo_context *ctx, const char *path, const char *text, size_t len,
                  const char *source_name, bo_model **out)
{
    char *ode = NULL;
    sb_buf aliases;
    sb_init(&aliases);
    int rc = import_text(ctx, path, text, len, source_name, &ode, &aliases);
    if (rc) {
        sb_free(&aliases);
        return rc;
    }
    const char *src = path ? path : (source_name ? source_name : "<string>");
    char *name = bo_asprintf("%s (imported; see batchode import)", src);
    if (!name) {
        free(ode);
        sb_free(&aliases);
        return bo_error(ctx, BO_ERR_NOMEM, "out of memory importing CellML");
    }
    rc = md_parse(ctx, ode, strlen(ode), name, out);
    free(name);
    free(ode);
    if (rc == BO_OK && set_aliases(*out, sb_cstr(&aliases)) != BO_OK) {
        bo_model_destroy(*out);
        *out = NULL;
        rc = bo_error(ctx, BO_ERR_NOMEM, "out of memory importing CellML");
    }
    sb_free(&aliases);
    return rc;
}

#endif /* BO_HAVE_CELLML */

int bo_model_import_cellml(bo_context *ctx, const char *path, char **out)
{
    if (out)
        *out = NULL;
    if (!path || !out)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "bo_model_import_cellml: %s is NULL",
                        !path ? "path" : "out");
    return cm_import(ctx, path, NULL, 0, NULL, out);
}
