/* The CellML model as a whole: components instantiated (those of imported files included,
 * with what they encapsulate), their variables with units, the connections between them
 * (checked against the encapsulation hierarchy and the interfaces), and the equations. Then
 * connected variables are grouped into classes, one value each, and each class is worked
 * out: the variable of integration, a state, a constant, a constant computed from constants,
 * or an algebraic variable, with conversion factors wherever a member's units differ from
 * those of the variable that defines the class. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cellml_internal.h"

/* ---- the documents' structure --------------------------------------------------------- */

static int name_is(const xmlNode *n, const char *attr, const char *name)
{
    /* Without copying the value: these lookups run for every component of large models. A
     * value that is not one plain text node (entity references) takes the slow path. */
    xmlAttrPtr a = xmlHasProp(n, (const xmlChar *)attr);
    if (!a || !a->children)
        return 0;
    if (!a->children->next && a->children->type == XML_TEXT_NODE && a->children->content)
        return strcmp((const char *)a->children->content, name) == 0;
    xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)attr);
    int hit = v && strcmp((const char *)v, name) == 0;
    xmlFree(v);
    return hit;
}

/* The component named name in doc: a <component> element, or the <component> of an <import>
 * (then *import is the <import>). */
static xmlNodePtr find_comp(cm_doc *doc, const char *name, xmlNodePtr *import)
{
    *import = NULL;
    for (xmlNodePtr c = doc->model->children; c; c = c->next) {
        if (cm_is(doc, c, "component") && name_is(c, "name", name))
            return c;
        if (cm_is(doc, c, "import"))
            for (xmlNodePtr ic = c->children; ic; ic = ic->next)
                if (cm_is(doc, ic, "component") && name_is(ic, "name", name)) {
                    *import = c;
                    return ic;
                }
    }
    return NULL;
}

static int is_encapsulation(cm_doc *doc, xmlNodePtr g)
{
    if (doc->version >= 20)
        return cm_is(doc, g, "encapsulation");
    if (!cm_is(doc, g, "group"))
        return 0;
    for (xmlNodePtr r = g->children; r; r = r->next)
        if (cm_is(doc, r, "relationship_ref") && name_is(r, "relationship", "encapsulation"))
            return 1;
    return 0;
}

/* The <component_ref> of name inside doc's encapsulation hierarchy, NULL when none. */
static xmlNodePtr find_ref_in(cm_doc *doc, xmlNodePtr parent, const char *name)
{
    for (xmlNodePtr r = parent->children; r; r = r->next) {
        if (!cm_is(doc, r, "component_ref"))
            continue;
        if (name_is(r, "component", name))
            return r;
        xmlNodePtr in = find_ref_in(doc, r, name);
        if (in)
            return in;
    }
    return NULL;
}

static xmlNodePtr encaps_ref(cm_doc *doc, const char *name)
{
    for (xmlNodePtr g = doc->model->children; g; g = g->next)
        if (is_encapsulation(doc, g)) {
            xmlNodePtr r = find_ref_in(doc, g, name);
            if (r)
                return r;
        }
    return NULL;
}

/* ---- instantiation -------------------------------------------------------------------- */

/* Names of one document's components as instantiated once: name in that file -> component. */
typedef struct {
    char **names;
    int *comp;
    size_t n, cap;
} name_map;

static int map_add(cm_state *st, name_map *m, const char *name, int comp)
{
    if (m->n == m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 16;
        char **nn = bo_array_realloc(m->names, nc, sizeof *nn);
        if (!nn)
            return cm_nomem(st);
        m->names = nn;
        int *ncomp = bo_array_realloc(m->comp, nc, sizeof *ncomp);
        if (!ncomp)
            return cm_nomem(st);
        m->comp = ncomp;
        m->cap = nc;
    }
    if (!(m->names[m->n] = bo_strdup(name)))
        return cm_nomem(st);
    m->comp[m->n++] = comp;
    return BO_OK;
}

static int map_get(const name_map *m, const char *name)
{
    for (size_t i = 0; i < m->n; ++i)
        if (strcmp(m->names[i], name) == 0)
            return m->comp[i];
    return -1;
}

static void map_free(name_map *m)
{
    for (size_t i = 0; i < m->n; ++i)
        free(m->names[i]);
    free(m->names);
    free(m->comp);
}

static int comp_named(const cm_state *st, const char *name)
{
    for (size_t i = 0; i < st->ncomp; ++i)
        if (strcmp(st->comps[i].name, name) == 0)
            return (int)i;
    return -1;
}

static int iface(cm_state *st, cm_doc *doc, xmlNodePtr v, const char *attr, int *out)
{
    char *s = cm_attr(st, v, attr);
    if (st->status)
        return st->status;
    *out = CM_IF_NONE;
    if (!s)
        return BO_OK;
    int rc = BO_OK;
    if (doc->version >= 20) {
        int pub = strcmp(s, "public") == 0, priv = strcmp(s, "private") == 0,
            both = strcmp(s, "public_and_private") == 0;
        if (!pub && !priv && !both && strcmp(s, "none") != 0)
            rc = cm_fail(st, doc, v, BO_ERR_MODEL,
                         "interface '%s': expected public, private, public_and_private or none", s);
        else
            *out = (pub || both ? 1 : 0) | (priv || both ? 2 : 0);
    } else if (strcmp(s, "in") == 0) {
        *out = CM_IF_IN;
    } else if (strcmp(s, "out") == 0) {
        *out = CM_IF_OUT;
    } else if (strcmp(s, "none") != 0) {
        rc = cm_fail(st, doc, v, BO_ERR_MODEL, "%s '%s': expected in, out or none", attr, s);
    }
    free(s);
    return rc;
}

static int add_variable(cm_state *st, int comp, xmlNodePtr v)
{
    cm_comp *c = &st->comps[comp];
    cm_doc *doc = c->doc;
    if (st->nvar == st->capvar) {
        size_t nc = st->capvar ? st->capvar * 2 : 64;
        cm_var *nv = bo_array_realloc(st->vars, nc, sizeof *nv);
        if (!nv)
            return cm_nomem(st);
        st->vars = nv;
        st->capvar = nc;
    }
    cm_var *x = &st->vars[st->nvar];
    memset(x, 0, sizeof *x);
    x->comp = comp;
    x->node = v;
    x->uf = (int)st->nvar;
    x->cls = -1;
    ++st->nvar;
    x->name = cm_attr(st, v, "name");
    x->units_name = cm_attr(st, v, "units");
    x->init = cm_attr(st, v, "initial_value");
    if (st->status)
        return st->status;
    if (!x->name || !*x->name)
        return cm_fail(st, doc, v, BO_ERR_MODEL, "a variable of component '%s' has no name",
                       c->name);
    if (!x->units_name)
        return cm_fail(st, doc, v, BO_ERR_MODEL, "variable '%s' of component '%s' has no units",
                       x->name, c->name);
    for (size_t i = c->var0; i + 1 < st->nvar; ++i)
        if (strcmp(st->vars[i].name, x->name) == 0)
            return cm_fail(st, doc, v, BO_ERR_MODEL, "component '%s' declares variable '%s' twice",
                           c->name, x->name);
    int rc;
    if (doc->version >= 20) {
        int f;
        if ((rc = iface(st, doc, v, "interface", &f)))
            return rc;
        st->vars[st->nvar - 1].pub = f & 1 ? CM_IF_OUT : CM_IF_NONE;
        st->vars[st->nvar - 1].priv = f & 2 ? CM_IF_OUT : CM_IF_NONE;
    } else {
        int p, q;
        if ((rc = iface(st, doc, v, "public_interface", &p)) ||
            (rc = iface(st, doc, v, "private_interface", &q)))
            return rc;
        st->vars[st->nvar - 1].pub = p;
        st->vars[st->nvar - 1].priv = q;
    }
    x = &st->vars[st->nvar - 1];
    if (x->init && (x->pub == CM_IF_IN || x->priv == CM_IF_IN))
        return cm_fail(st, doc, v, BO_ERR_MODEL,
                       "variable '%s' of component '%s' has an 'in' interface and an initial "
                       "value: its value comes through a connection",
                       x->name, c->name);
    return cm_units_resolve(st, doc, c->node, x->units_name, v, &x->units);
}

/* Create one component from its definition and read its variables and equations. */
static int new_component(cm_state *st, cm_doc *doc, xmlNodePtr node, const char *local, int parent,
                         int *out)
{
    if (st->ncomp == st->capcomp) {
        size_t nc = st->capcomp ? st->capcomp * 2 : 16;
        cm_comp *ncs = bo_array_realloc(st->comps, nc, sizeof *ncs);
        if (!ncs)
            return cm_nomem(st);
        st->comps = ncs;
        st->capcomp = nc;
    }
    /* A unique name: components imported from different files may share one. */
    char *name = bo_strdup(local);
    for (int k = 2; name && comp_named(st, name) >= 0; ++k) {
        free(name);
        name = bo_asprintf("%s_%d", local, k);
    }
    if (!name)
        return cm_nomem(st);
    int ci = (int)st->ncomp++;
    st->comps[ci] = (cm_comp){name, doc, node, parent, st->nvar, 0};
    *out = ci;
    for (xmlNodePtr c = node->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (cm_is(doc, c, "variable")) {
            int rc = add_variable(st, ci, c);
            if (rc)
                return rc;
            st->comps[ci].nvar = st->nvar - st->comps[ci].var0;
        } else if (cm_is(doc, c, "reaction") || cm_is(doc, c, "reset")) {
            return cm_fail(st, doc, c, BO_ERR_PARSE, "<%s> elements are not supported",
                           (const char *)c->name);
        }
    }
    for (xmlNodePtr c = node->children; c; c = c->next)
        if (cm_is_mathml(c, "math")) {
            int rc = cm_math_read(st, ci, c);
            if (rc)
                return rc;
        }
    return BO_OK;
}

static int inst(cm_state *st, cm_doc *doc, name_map *map, const char *name, const char *local,
                int parent, xmlNodePtr where, int depth, int *out);

/* Everything doc's component `name` encapsulates, under the instantiated component ci. */
static int inst_children(cm_state *st, cm_doc *doc, name_map *map, const char *name, int ci,
                         int depth)
{
    xmlNodePtr ref = encaps_ref(doc, name);
    if (!ref)
        return BO_OK;
    for (xmlNodePtr r = ref->children; r; r = r->next) {
        if (!cm_is(doc, r, "component_ref"))
            continue;
        char *child = cm_attr(st, r, "component");
        if (st->status)
            return st->status;
        if (!child)
            return cm_fail(st, doc, r, BO_ERR_MODEL, "component_ref without a component");
        int dummy, rc = inst(st, doc, map, child, child, ci, r, depth + 1, &dummy);
        free(child);
        if (rc)
            return rc;
    }
    return BO_OK;
}

static int add_connections(cm_state *st, cm_doc *doc, const name_map *map, int strict);

/* Instantiate doc's component `name` as `local` under parent, with what it encapsulates;
 * map records it under name. */
static int inst(cm_state *st, cm_doc *doc, name_map *map, const char *name, const char *local,
                int parent, xmlNodePtr where, int depth, int *out)
{
    if (depth > CM_MAX_DEPTH)
        return cm_fail(st, doc, where, BO_ERR_MODEL, "components nest too deeply");
    if (map_get(map, name) >= 0)
        return cm_fail(st, doc, where, BO_ERR_MODEL, "component '%s' is encapsulated twice", name);
    xmlNodePtr import;
    xmlNodePtr node = find_comp(doc, name, &import);
    if (!node)
        return cm_fail(st, doc, where, BO_ERR_MODEL, "no component named '%s'", name);
    int rc, ci;
    if (import) {
        char *ref = cm_attr(st, node, "component_ref");
        if (st->status)
            return st->status;
        if (!ref)
            return cm_fail(st, doc, node, BO_ERR_MODEL,
                           "imported component '%s' without component_ref", name);
        cm_doc *other;
        name_map sub = {0};
        rc = cm_load_import(st, doc, import, &other);
        if (rc == BO_OK)
            rc = inst(st, other, &sub, ref, local, parent, node, depth + 1, &ci);
        if (rc == BO_OK)
            rc = add_connections(st, other, &sub, 0);
        map_free(&sub);
        free(ref);
        if (rc)
            return rc;
    } else {
        if ((rc = new_component(st, doc, node, local, parent, &ci)))
            return rc;
    }
    if ((rc = map_add(st, map, name, ci)))
        return rc;
    *out = ci;
    return inst_children(st, doc, map, name, ci, depth);
}

/* ---- connections ---------------------------------------------------------------------- */

static int find_var(const cm_state *st, int comp, const char *name)
{
    const cm_comp *c = &st->comps[comp];
    for (size_t i = 0; i < c->nvar; ++i)
        if (strcmp(st->vars[c->var0 + i].name, name) == 0)
            return (int)(c->var0 + i);
    return -1;
}

static int uf_find(cm_state *st, int v)
{
    while (st->vars[v].uf != v) {
        st->vars[v].uf = st->vars[st->vars[v].uf].uf;
        v = st->vars[v].uf;
    }
    return v;
}

/* The interface a variable of component c shows towards component other. */
static int facing(const cm_state *st, int v, int other)
{
    const cm_var *x = &st->vars[v];
    return st->comps[other].parent == x->comp ? x->priv : x->pub;
}

static int connect(cm_state *st, cm_doc *doc, xmlNodePtr node, int c1, int c2, const char *n1,
                   const char *n2)
{
    int v1 = find_var(st, c1, n1), v2 = find_var(st, c2, n2);
    if (v1 < 0 || v2 < 0)
        return cm_fail(st, doc, node, BO_ERR_MODEL,
                       "connection of an unknown variable: component '%s' has no variable '%s'",
                       st->comps[v1 < 0 ? c1 : c2].name, v1 < 0 ? n1 : n2);
    const cm_comp *a = &st->comps[c1], *b = &st->comps[c2];
    if (!(a->parent == b->parent || a->parent == c2 || b->parent == c1))
        return cm_fail(st, doc, node, BO_ERR_MODEL,
                       "components '%s' and '%s' cannot be connected: they are neither siblings "
                       "nor parent and child in the encapsulation hierarchy",
                       a->name, b->name);
    int f1 = facing(st, v1, c2), f2 = facing(st, v2, c1);
    int ok = doc->version >= 20
                 ? (f1 && f2)
                 : ((f1 == CM_IF_IN && f2 == CM_IF_OUT) || (f1 == CM_IF_OUT && f2 == CM_IF_IN));
    if (!ok)
        return cm_fail(st, doc, node, BO_ERR_MODEL,
                       "variables %s.%s and %s.%s cannot be connected: their interfaces towards "
                       "each other are not %s",
                       a->name, n1, b->name, n2,
                       doc->version >= 20 ? "both exposed" : "one 'in' and one 'out'");
    if (st->nconn == st->capconn) {
        size_t nc = st->capconn ? st->capconn * 2 : 64;
        cm_conn *ncn = bo_array_realloc(st->conns, nc, sizeof *ncn);
        if (!ncn)
            return cm_nomem(st);
        st->conns = ncn;
        st->capconn = nc;
    }
    st->conns[st->nconn++] = (cm_conn){v1, v2, doc, node};
    int r1 = uf_find(st, v1), r2 = uf_find(st, v2);
    if (r1 != r2)
        st->vars[r1].uf = r2;
    return BO_OK;
}

/* Connections of doc whose components are both in map (strict: a missing one is an error,
 * as in the model given; an imported file's connections reach components not imported). */
static int add_connections(cm_state *st, cm_doc *doc, const name_map *map, int strict)
{
    for (xmlNodePtr cn = doc->model->children; cn; cn = cn->next) {
        if (!cm_is(doc, cn, "connection"))
            continue;
        xmlNodePtr holder = cn;
        if (doc->version < 20) {
            holder = NULL;
            for (xmlNodePtr m = cn->children; m; m = m->next)
                if (cm_is(doc, m, "map_components"))
                    holder = m;
            if (!holder)
                return cm_fail(st, doc, cn, BO_ERR_MODEL, "connection without map_components");
        }
        char *n1 = cm_attr(st, holder, "component_1"), *n2 = cm_attr(st, holder, "component_2");
        int rc = st->status;
        if (!rc && (!n1 || !n2))
            rc = cm_fail(st, doc, holder, BO_ERR_MODEL,
                         "connection without component_1 and component_2");
        int c1 = rc ? -1 : map_get(map, n1), c2 = rc ? -1 : map_get(map, n2);
        if (!rc && (c1 < 0 || c2 < 0) && strict)
            rc = cm_fail(st, doc, holder, BO_ERR_MODEL, "connection names unknown component '%s'",
                         c1 < 0 ? n1 : n2);
        for (xmlNodePtr mv = cn->children; !rc && c1 >= 0 && c2 >= 0 && mv; mv = mv->next) {
            if (!cm_is(doc, mv, "map_variables"))
                continue;
            char *v1 = cm_attr(st, mv, "variable_1"), *v2 = cm_attr(st, mv, "variable_2");
            rc = st->status;
            if (!rc && (!v1 || !v2))
                rc = cm_fail(st, doc, mv, BO_ERR_MODEL,
                             "map_variables without variable_1 and variable_2");
            if (!rc)
                rc = connect(st, doc, mv, c1, c2, v1, v2);
            free(v1);
            free(v2);
        }
        free(n1);
        free(n2);
        if (rc)
            return rc;
    }
    return BO_OK;
}

int cm_build(cm_state *st)
{
    cm_doc *doc = st->root;
    name_map map = {0};
    int rc = BO_OK;
    for (xmlNodePtr c = doc->model->children; !rc && c; c = c->next) {
        xmlNodePtr comps[2] = {c, NULL};
        if (cm_is(doc, c, "import"))
            comps[0] = NULL;
        else if (!cm_is(doc, c, "component"))
            continue;
        /* Top-level components (and imported ones) not encapsulated by another. */
        for (xmlNodePtr ic = comps[0] ? comps[0] : c->children; !rc && ic;
             ic = comps[0] ? NULL : ic->next) {
            if (!cm_is(doc, ic, "component"))
                continue;
            char *name = cm_attr(st, ic, "name");
            rc = st->status;
            if (!rc && !name)
                rc = cm_fail(st, doc, ic, BO_ERR_MODEL, "a component without a name");
            if (!rc) {
                xmlNodePtr ref = encaps_ref(doc, name);
                int top = !ref || !cm_is(doc, ref->parent, "component_ref");
                int ci;
                if (top)
                    rc = inst(st, doc, &map, name, name, -1, ic, 0, &ci);
            }
            free(name);
        }
    }
    if (!rc)
        rc = add_connections(st, doc, &map, 1);
    map_free(&map);
    return rc;
}

/* ---- classes -------------------------------------------------------------------------- */

const char *cm_qual(const cm_state *st, int v, char *buf, size_t size)
{
    snprintf(buf, size, "%s.%s", st->comps[st->vars[v].comp].name, st->vars[v].name);
    return buf;
}

double cm_var_factor(const cm_state *st, int v)
{
    const cm_var *x = &st->vars[v];
    if (x->cls < 0 || !st->cls)
        return 1;
    int s = st->cls[x->cls].src;
    if (s == v || s < 0)
        return 1;
    return cm_units_factor(&st->vars[s].units, &x->units);
}

static int var_fail(cm_state *st, int v, int code, const char *fmt, const char *a, const char *b)
{
    const cm_var *x = &st->vars[v];
    return cm_fail(st, st->comps[x->comp].doc, x->node, code, fmt, a, b);
}

/* The dependencies of class c's definition (other classes it uses), for the orderings. */
static const cm_node *definition(const cm_state *st, int c)
{
    int e = st->cls[c].eq;
    return e >= 0 ? st->eqs[e].rhs : NULL;
}

/* The number of variable references in e: room enough for its dependency list. */
static size_t count_vars(const cm_node *e)
{
    size_t n = e->op == CN_VAR;
    for (int i = 0; i < e->nkid; ++i)
        n += count_vars(e->kid[i]);
    return n;
}

static void collect(const cm_state *st, const cm_node *e, int *out, size_t *n, size_t cap)
{
    if (e->op == CN_VAR) {
        int c = st->vars[e->var].cls;
        for (size_t i = 0; i < *n; ++i)
            if (out[i] == c)
                return;
        if (*n < cap)
            out[(*n)++] = c;
        return;
    }
    for (int i = 0; i < e->nkid; ++i)
        collect(st, e->kid[i], out, n, cap);
}

static void mark_used(const cm_state *st, const cm_node *e, unsigned char *used)
{
    if (e->op == CN_VAR)
        used[st->vars[e->var].cls] = 1;
    for (int i = 0; i < e->nkid; ++i)
        mark_used(st, e->kid[i], used);
}

/* Depth-first ordering of the algebraic and computed classes; a cycle is reported with the
 * names on it. order: the output list. */
typedef struct {
    int *order;
    size_t n;
    int *stack;
    size_t depth;
} dfs;

static int visit(cm_state *st, int c, dfs *d)
{
    cm_class *k = &st->cls[c];
    if (k->mark == 2 || (k->kind != CK_ALGEBRAIC && k->kind != CK_COMPUTED))
        return BO_OK;
    if (k->mark == 1) {
        sb_buf b;
        sb_init(&b);
        size_t from = 0;
        while (from < d->depth && d->stack[from] != c)
            ++from;
        char q[512];
        for (size_t i = from; i < d->depth; ++i)
            sb_printf(&b, "%s -> ", cm_qual(st, st->cls[d->stack[i]].src, q, sizeof q));
        sb_append(&b, cm_qual(st, k->src, q, sizeof q));
        const cm_eq *e = &st->eqs[k->eq];
        int rc = cm_fail(st, e->doc, e->node, BO_ERR_MODEL, "cyclic definition: %s",
                         b.failed ? "(out of memory)" : sb_cstr(&b));
        sb_free(&b);
        return rc;
    }
    k->mark = 1;
    d->stack[d->depth++] = c;
    const cm_node *def = definition(st, c);
    size_t cap = count_vars(def), n = 0;
    int *deps = bo_calloc(cap ? cap : 1, sizeof *deps);
    if (!deps)
        return cm_nomem(st);
    collect(st, def, deps, &n, cap);
    for (size_t i = 0; i < n; ++i) {
        int rc = visit(st, deps[i], d);
        if (rc) {
            free(deps);
            return rc;
        }
    }
    free(deps);
    --d->depth;
    st->cls[c].mark = 2;
    d->order[d->n++] = c;
    return BO_OK;
}

static int check_units(cm_state *st)
{
    char q1[512], q2[512];
    for (size_t i = 0; i < st->nconn; ++i) {
        const cm_conn *cn = &st->conns[i];
        const cm_var *a = &st->vars[cn->a], *b = &st->vars[cn->b];
        if (!cm_units_compatible(&a->units, &b->units))
            return cm_fail(st, cn->doc, cn->node, BO_ERR_MODEL,
                           "units mismatch: %s [%s] and %s [%s] are connected but their units "
                           "are not compatible",
                           cm_qual(st, cn->a, q1, sizeof q1), a->units_name,
                           cm_qual(st, cn->b, q2, sizeof q2), b->units_name);
        if (a->units.offset != b->units.offset)
            return cm_fail(st, cn->doc, cn->node, BO_ERR_MODEL,
                           "%s [%s] and %s [%s] are connected but their units differ by an "
                           "offset, which is not converted",
                           cm_qual(st, cn->a, q1, sizeof q1), a->units_name,
                           cm_qual(st, cn->b, q2, sizeof q2), b->units_name);
    }
    return BO_OK;
}

/* The initial value of a variable: a number, or (CellML 2.0) a variable of its component. */
static int init_value(cm_state *st, int v, cm_node **out)
{
    cm_var *x = &st->vars[v];
    char *end;
    double val = strtod(x->init, &end);
    if (end != x->init && !*end) {
        if (!isfinite(val))
            return var_fail(st, v, BO_ERR_MODEL, "initial value '%s' of '%s' is not finite",
                            x->init, x->name);
        *out = cm_num(st, val);
        return *out ? BO_OK : st->status;
    }
    int r = find_var(st, x->comp, x->init);
    if (r < 0)
        return var_fail(st, v, BO_ERR_MODEL,
                        "initial value '%s' of '%s' is neither a number nor a variable of its "
                        "component",
                        x->init, x->name);
    if (!cm_units_compatible(&st->vars[r].units, &x->units))
        return var_fail(st, v, BO_ERR_MODEL,
                        "initial value of '%s' is variable '%s', whose units are not compatible",
                        x->name, x->init);
    cm_node *ref = cm_node_new(st, CN_VAR, 0);
    if (!ref)
        return st->status;
    ref->var = r;
    double f = cm_units_factor(&st->vars[r].units, &x->units);
    *out = f == 1 ? ref : NULL;
    if (f != 1) {
        cm_node *m = cm_node_new(st, CN_MUL, 2);
        cm_node *fn = cm_num(st, f);
        if (!m || !fn)
            return st->status;
        m->kid[0] = fn;
        m->kid[1] = ref;
        *out = m;
    }
    return BO_OK;
}

int cm_classify(cm_state *st)
{
    int rc;
    char q1[512], q2[512];
    /* Classes: one per union-find root, numbered in variable order. */
    int *root_cls = bo_malloc((st->nvar ? st->nvar : 1) * sizeof *root_cls);
    if (!root_cls)
        return cm_nomem(st);
    for (size_t v = 0; v < st->nvar; ++v)
        root_cls[v] = -1;
    st->ncls = 0;
    for (size_t v = 0; v < st->nvar; ++v) {
        int r = uf_find(st, (int)v);
        if (root_cls[r] < 0)
            root_cls[r] = (int)st->ncls++;
        st->vars[v].cls = root_cls[r];
    }
    free(root_cls);
    st->cls = bo_calloc(st->ncls ? st->ncls : 1, sizeof *st->cls);
    if (!st->cls)
        return cm_nomem(st);
    for (size_t c = 0; c < st->ncls; ++c) {
        st->cls[c].src = -1;
        st->cls[c].eq = -1;
        st->cls[c].value = NAN;
    }
    if ((rc = check_units(st)))
        return rc;
    /* Equations define classes; the variable of integration is one class. */
    st->time_cls = -1;
    int time_var = -1;
    for (size_t i = 0; i < st->neq; ++i) {
        cm_eq *e = &st->eqs[i];
        cm_class *k = &st->cls[st->vars[e->lhs].cls];
        if (k->eq >= 0) {
            const cm_eq *o = &st->eqs[k->eq];
            return cm_fail(st, e->doc, e->node, BO_ERR_MODEL,
                           "%s is defined twice (also at %s:%ld)",
                           cm_qual(st, e->lhs, q1, sizeof q1), o->doc->path, xmlGetLineNo(o->node));
        }
        k->eq = (int)i;
        k->src = e->lhs;
        k->kind = e->bvar >= 0 ? CK_STATE : CK_ALGEBRAIC;
        if (e->bvar >= 0) {
            int tc = st->vars[e->bvar].cls;
            if (st->time_cls >= 0 && tc != st->time_cls)
                return cm_fail(st, e->doc, e->node, BO_ERR_MODEL,
                               "two variables of integration: %s and %s (they must be connected)",
                               cm_qual(st, time_var, q1, sizeof q1),
                               cm_qual(st, e->bvar, q2, sizeof q2));
            st->time_cls = tc;
            if (time_var < 0)
                time_var = e->bvar;
        }
    }
    if (st->time_cls >= 0) {
        cm_class *k = &st->cls[st->time_cls];
        if (k->eq >= 0)
            return cm_fail(st, st->eqs[k->eq].doc, st->eqs[k->eq].node, BO_ERR_MODEL,
                           "the variable of integration %s is defined by an equation",
                           cm_qual(st, k->src, q1, sizeof q1));
        k->kind = CK_TIME;
        /* Its own units are those of a member that is not 'in' (the one at the top). */
        k->src = time_var;
        for (size_t v = 0; v < st->nvar; ++v)
            if (st->vars[v].cls == st->time_cls && st->vars[v].pub != CM_IF_IN &&
                st->vars[v].priv != CM_IF_IN) {
                k->src = (int)v;
                break;
            }
    }
    /* Initial values: of states, or the value of a constant. */
    cm_node **init = bo_calloc(st->ncls ? st->ncls : 1, sizeof *init);
    if (!init)
        return cm_nomem(st);
    rc = BO_OK;
    int *init_var = bo_malloc((st->ncls ? st->ncls : 1) * sizeof *init_var);
    if (!init_var) {
        free(init);
        return cm_nomem(st);
    }
    for (size_t c = 0; c < st->ncls; ++c)
        init_var[c] = -1;
    for (size_t v = 0; !rc && v < st->nvar; ++v) {
        cm_var *x = &st->vars[v];
        if (!x->init)
            continue;
        cm_class *k = &st->cls[x->cls];
        if (init_var[x->cls] >= 0) {
            rc = var_fail(st, (int)v, BO_ERR_MODEL, "%s and %s both give an initial value",
                          cm_qual(st, init_var[x->cls], q1, sizeof q1),
                          cm_qual(st, (int)v, q2, sizeof q2));
            break;
        }
        init_var[x->cls] = (int)v;
        if (k->kind == CK_TIME) {
            rc = var_fail(st, (int)v, BO_ERR_MODEL,
                          "the variable of integration %s has an initial value%s",
                          cm_qual(st, (int)v, q1, sizeof q1), "");
        } else if (k->kind == CK_ALGEBRAIC) {
            bo_warn(st->ctx, "%s: %s is defined by an equation; its initial value %s is ignored",
                    st->comps[x->comp].doc->path, cm_qual(st, (int)v, q1, sizeof q1), x->init);
        } else if (k->kind == CK_UNSET) {
            k->kind = CK_CONST;
            k->src = (int)v;
        }
    }
    /* Initial values of states and constants; in CellML 2.0 one may name another variable. */
    for (size_t c = 0; !rc && c < st->ncls; ++c) {
        cm_class *k = &st->cls[c];
        if ((k->kind == CK_STATE || k->kind == CK_CONST) && init_var[c] >= 0)
            rc = init_value(st, init_var[c], &init[c]);
    }
    /* Every class that is used (by an equation or an initial value) has a value; one that
     * nothing uses is left out. */
    unsigned char *used = rc ? NULL : bo_calloc(st->ncls ? st->ncls : 1, 1);
    if (!used) {
        free(init);
        free(init_var);
        return rc ? rc : cm_nomem(st);
    }
    for (size_t i = 0; i < st->neq; ++i)
        mark_used(st, st->eqs[i].rhs, used);
    for (size_t c = 0; c < st->ncls; ++c)
        if (init[c])
            mark_used(st, init[c], used);
    for (size_t c = 0; !rc && c < st->ncls; ++c) {
        if (st->cls[c].kind != CK_UNSET)
            continue;
        if (!used[c]) {
            for (size_t i = 0; i < st->nvar; ++i)
                if (st->vars[i].cls == (int)c) {
                    bo_warn(st->ctx, "%s: %s has no value and is not used; it is left out",
                            st->comps[st->vars[i].comp].doc->path,
                            cm_qual(st, (int)i, q1, sizeof q1));
                    break;
                }
            continue;
        }
        int v = -1;
        for (size_t i = 0; i < st->nvar && v < 0; ++i)
            if (st->vars[i].cls == (int)c)
                v = (int)i;
        for (size_t i = 0; i < st->nvar; ++i)
            if (st->vars[i].cls == (int)c && st->vars[i].pub != CM_IF_IN &&
                st->vars[i].priv != CM_IF_IN) {
                v = (int)i;
                break;
            }
        rc = var_fail(st, v, BO_ERR_MODEL,
                      "%s has no value: no equation defines it and it has no initial_value%s",
                      cm_qual(st, v, q1, sizeof q1), "");
    }
    free(used);
    /* States need an initial value. */
    for (size_t c = 0; !rc && c < st->ncls; ++c) {
        cm_class *k = &st->cls[c];
        if (k->kind == CK_STATE && init_var[c] < 0)
            rc = var_fail(st, k->src, BO_ERR_MODEL, "state %s has no initial value%s",
                          cm_qual(st, k->src, q1, sizeof q1), "");
    }
    if (rc) {
        free(init);
        free(init_var);
        return rc;
    }
    /* A constant whose initial value names a variable is computed from it; the init of a
     * state in another member's units is converted to the class's. Equations for computed
     * constants are made here: the state and constant values live in st->eqs too. */
    for (size_t c = 0; !rc && c < st->ncls; ++c) {
        cm_class *k = &st->cls[c];
        if (!init[c])
            continue;
        cm_node *val = init[c];
        double f = cm_units_factor(&st->vars[k->src].units, &st->vars[init_var[c]].units);
        if (f != 1) {
            cm_node *d = cm_node_new(st, CN_DIV, 2);
            cm_node *fn = cm_num(st, f);
            if (!d || !fn) {
                rc = st->status;
                break;
            }
            d->kid[0] = val;
            d->kid[1] = fn;
            val = d;
        }
        if (st->neq == st->capeq) {
            size_t nc = st->capeq ? st->capeq * 2 : 64;
            cm_eq *ne = bo_array_realloc(st->eqs, nc, sizeof *ne);
            if (!ne) {
                rc = cm_nomem(st);
                break;
            }
            st->eqs = ne;
            st->capeq = nc;
        }
        const cm_var *iv = &st->vars[init_var[c]];
        st->eqs[st->neq] = (cm_eq){iv->comp, k->src, -2, val, st->comps[iv->comp].doc, iv->node};
        if (k->kind == CK_CONST && val->op == CN_NUM) {
            k->value = val->num;
        } else if (k->kind == CK_CONST) {
            k->kind = CK_COMPUTED;
            k->eq = (int)st->neq;
        }
        /* States keep their derivative equation in eq; the initial value is found by
         * cm_state_init (bvar -2 marks it). */
        ++st->neq;
    }
    free(init);
    free(init_var);
    if (rc)
        return rc;
    /* Computed constants: algebraic variables that depend on constants only. Found by
     * iterating to a fixed point over the dependency lists. */
    int changed = 1;
    while (changed) {
        changed = 0;
        for (size_t c = 0; c < st->ncls; ++c) {
            cm_class *k = &st->cls[c];
            if (k->kind != CK_ALGEBRAIC)
                continue;
            size_t n = 0, cap = count_vars(st->eqs[k->eq].rhs);
            int *deps = bo_calloc(cap ? cap : 1, sizeof *deps);
            if (!deps)
                return cm_nomem(st);
            collect(st, st->eqs[k->eq].rhs, deps, &n, cap);
            int all = 1;
            for (size_t i = 0; i < n && all; ++i) {
                cm_kind dk = st->cls[deps[i]].kind;
                all = dk == CK_CONST || (dk == CK_COMPUTED && deps[i] != (int)c);
            }
            free(deps);
            if (all) {
                k->kind = CK_COMPUTED;
                changed = 1;
            }
        }
    }
    return BO_OK;
}

/* The dependency order of the computed constants and algebraic variables (cycles reported):
 * order receives their class numbers, *n how many. */
int cm_order(cm_state *st, int *order, size_t *n)
{
    dfs d = {order, 0, bo_calloc(st->ncls ? st->ncls : 1, sizeof(int)), 0};
    if (!d.stack)
        return cm_nomem(st);
    for (size_t c = 0; c < st->ncls; ++c)
        st->cls[c].mark = 0;
    int rc = BO_OK;
    for (size_t c = 0; !rc && c < st->ncls; ++c)
        rc = visit(st, (int)c, &d);
    free(d.stack);
    *n = d.n;
    return rc;
}
