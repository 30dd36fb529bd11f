/* CellML units: every units definition reduced to a multiplier (and offset) times powers of
 * base dimensions (the seven SI base units and the models' own base units), so that two
 * connected variables' units can be compared and the factor between them computed. Units
 * are looked up as CellML scopes them: the component's own definitions, then the model's
 * (imported units included), then the standard units of the CellML specification (section
 * 5.2.2 of CellML 1.1; the same list in CellML 2.0). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cellml_internal.h"

enum { D_A, D_CD, D_K, D_KG, D_M, D_MOL, D_S };

/* Standard units: multiplier and exponents of A, cd, K, kg, m, mol, s. */
static const struct {
    const char *name;
    double mult, offset;
    signed char d[7];
} STANDARD[] = {
    {"ampere", 1, 0, {1, 0, 0, 0, 0, 0, 0}},   {"becquerel", 1, 0, {0, 0, 0, 0, 0, 0, -1}},
    {"candela", 1, 0, {0, 1, 0, 0, 0, 0, 0}},  {"celsius", 1, 273.15, {0, 0, 1, 0, 0, 0, 0}},
    {"coulomb", 1, 0, {1, 0, 0, 0, 0, 0, 1}},  {"dimensionless", 1, 0, {0, 0, 0, 0, 0, 0, 0}},
    {"farad", 1, 0, {2, 0, 0, -1, -2, 0, 4}},  {"gram", 1e-3, 0, {0, 0, 0, 1, 0, 0, 0}},
    {"gray", 1, 0, {0, 0, 0, 0, 2, 0, -2}},    {"henry", 1, 0, {-2, 0, 0, 1, 2, 0, -2}},
    {"hertz", 1, 0, {0, 0, 0, 0, 0, 0, -1}},   {"joule", 1, 0, {0, 0, 0, 1, 2, 0, -2}},
    {"katal", 1, 0, {0, 0, 0, 0, 0, 1, -1}},   {"kelvin", 1, 0, {0, 0, 1, 0, 0, 0, 0}},
    {"kilogram", 1, 0, {0, 0, 0, 1, 0, 0, 0}}, {"liter", 1e-3, 0, {0, 0, 0, 0, 3, 0, 0}},
    {"litre", 1e-3, 0, {0, 0, 0, 0, 3, 0, 0}}, {"lumen", 1, 0, {0, 1, 0, 0, 0, 0, 0}},
    {"lux", 1, 0, {0, 1, 0, 0, -2, 0, 0}},     {"meter", 1, 0, {0, 0, 0, 0, 1, 0, 0}},
    {"metre", 1, 0, {0, 0, 0, 0, 1, 0, 0}},    {"mole", 1, 0, {0, 0, 0, 0, 0, 1, 0}},
    {"newton", 1, 0, {0, 0, 0, 1, 1, 0, -2}},  {"ohm", 1, 0, {-2, 0, 0, 1, 2, 0, -3}},
    {"pascal", 1, 0, {0, 0, 0, 1, -1, 0, -2}}, {"radian", 1, 0, {0, 0, 0, 0, 0, 0, 0}},
    {"second", 1, 0, {0, 0, 0, 0, 0, 0, 1}},   {"siemens", 1, 0, {2, 0, 0, -1, -2, 0, 3}},
    {"sievert", 1, 0, {0, 0, 0, 0, 2, 0, -2}}, {"steradian", 1, 0, {0, 0, 0, 0, 0, 0, 0}},
    {"tesla", 1, 0, {-1, 0, 0, 1, 0, 0, -2}},  {"volt", 1, 0, {-1, 0, 0, 1, 2, 0, -3}},
    {"watt", 1, 0, {0, 0, 0, 1, 2, 0, -3}},    {"weber", 1, 0, {-1, 0, 0, 1, 2, 0, -2}},
};

static const struct {
    const char *name;
    int exp10;
} PREFIXES[] = {
    {"yotta", 24}, {"zetta", 21},  {"exa", 18},    {"peta", 15}, {"tera", 12},  {"giga", 9},
    {"mega", 6},   {"kilo", 3},    {"hecto", 2},   {"deca", 1},  {"deka", 1},   {"deci", -1},
    {"centi", -2}, {"milli", -3},  {"micro", -6},  {"nano", -9}, {"pico", -12}, {"femto", -15},
    {"atto", -18}, {"zepto", -21}, {"yocto", -24},
};

enum { MAX_UNITS_DEPTH = 64 };

static int lookup(cm_state *st, cm_doc *doc, xmlNodePtr comp, const char *name, xmlNodePtr where,
                  int depth, cm_units *out);

/* A number attribute: the whole text must be a finite number. */
static int number_attr(cm_state *st, cm_doc *doc, xmlNodePtr node, const char *attr, double dflt,
                       double *out)
{
    char *v = cm_attr(st, node, attr);
    if (st->status)
        return st->status;
    *out = dflt;
    if (!v)
        return BO_OK;
    char *end;
    double x = strtod(v, &end);
    int bad = end == v || *end || !isfinite(x);
    if (bad) {
        int rc = cm_fail(st, doc, node, BO_ERR_MODEL, "the %s '%s' is not a number", attr, v);
        free(v);
        return rc;
    }
    free(v);
    *out = x;
    return BO_OK;
}

static int prefix_exp(cm_state *st, cm_doc *doc, xmlNodePtr node, double *out)
{
    char *v = cm_attr(st, node, "prefix");
    if (st->status)
        return st->status;
    *out = 0;
    if (!v)
        return BO_OK;
    for (size_t i = 0; i < sizeof PREFIXES / sizeof PREFIXES[0]; ++i)
        if (strcmp(v, PREFIXES[i].name) == 0) {
            *out = PREFIXES[i].exp10;
            free(v);
            return BO_OK;
        }
    char *end;
    long n = strtol(v, &end, 10);
    if (end != v && !*end && n > -400 && n < 400) {
        *out = (double)n;
        free(v);
        return BO_OK;
    }
    int rc = cm_fail(st, doc, node, BO_ERR_MODEL,
                     "unknown prefix '%s' (a name such as 'milli' or an integer power of ten)", v);
    free(v);
    return rc;
}

static int base_dim(cm_state *st, cm_doc *doc, xmlNodePtr node, const char *name)
{
    for (int i = 0; i < st->n_base; ++i)
        if (strcmp(st->base_names[i], name) == 0)
            return 7 + i;
    if (7 + st->n_base >= CM_MAX_DIMS) {
        cm_fail(st, doc, node, BO_ERR_RANGE, "more than %d base units", CM_MAX_DIMS - 7);
        return -1;
    }
    st->base_names[st->n_base] = bo_strdup(name);
    if (!st->base_names[st->n_base]) {
        cm_nomem(st);
        return -1;
    }
    return 7 + st->n_base++;
}

/* Reduce one <units> definition. */
static int reduce(cm_state *st, cm_doc *doc, xmlNodePtr comp, xmlNodePtr def, const char *name,
                  int depth, cm_units *out)
{
    memset(out, 0, sizeof *out);
    out->mult = 1;
    char *base = cm_attr(st, def, "base_units");
    if (st->status)
        return st->status;
    int is_base = base && strcmp(base, "yes") == 0;
    free(base);
    if (is_base) {
        int d = base_dim(st, doc, def, name);
        if (d < 0)
            return st->status;
        out->dim[d] = 1;
        return BO_OK;
    }
    int n = 0;
    double offset = 0;
    for (xmlNodePtr u = def->children; u; u = u->next) {
        if (u->type != XML_ELEMENT_NODE)
            continue;
        if (!cm_is(doc, u, "unit"))
            return cm_fail(st, doc, u, BO_ERR_MODEL, "unexpected element '%s' in units '%s'",
                           (const char *)u->name, name);
        char *ref = cm_attr(st, u, "units");
        if (st->status)
            return st->status;
        if (!ref)
            return cm_fail(st, doc, u, BO_ERR_MODEL, "a unit of '%s' without a units attribute",
                           name);
        cm_units r;
        int rc = lookup(st, doc, comp, ref, u, depth + 1, &r);
        free(ref);
        if (rc)
            return rc;
        double pfx, ex, mul, off;
        if ((rc = prefix_exp(st, doc, u, &pfx)) ||
            (rc = number_attr(st, doc, u, "exponent", 1, &ex)) ||
            (rc = number_attr(st, doc, u, "multiplier", 1, &mul)) ||
            (rc = number_attr(st, doc, u, "offset", 0, &off)))
            return rc;
        out->mult *= mul * pow(pow(10, pfx) * r.mult, ex);
        for (int k = 0; k < CM_MAX_DIMS; ++k)
            out->dim[k] += ex * r.dim[k];
        offset = off + r.offset;
        ++n;
    }
    /* An offset (celsius, or an offset attribute) only means something for a single unit. */
    if (n == 1)
        out->offset = offset;
    if (!isfinite(out->mult) || out->mult == 0)
        return cm_fail(st, doc, def, BO_ERR_MODEL, "units '%s' have a multiplier of %g", name,
                       out->mult);
    return BO_OK;
}

static xmlNodePtr find_units(cm_doc *doc, xmlNodePtr parent, const char *name)
{
    for (xmlNodePtr c = parent ? parent->children : NULL; c; c = c->next) {
        if (!cm_is(doc, c, "units"))
            continue;
        xmlChar *n = xmlGetNoNsProp(c, (const xmlChar *)"name");
        int hit = n && strcmp((const char *)n, name) == 0;
        xmlFree(n);
        if (hit)
            return c;
    }
    return NULL;
}

/* Index the model-level <units> and <import> elements of doc (once). */
static int index_doc(cm_state *st, cm_doc *doc)
{
    if (doc->indexed)
        return BO_OK;
    size_t n = 0;
    for (xmlNodePtr c = doc->model->children; c; c = c->next)
        ++n;
    doc->units = bo_calloc(n + 1, sizeof *doc->units);
    doc->imports = bo_calloc(n + 1, sizeof *doc->imports);
    if (!doc->units || !doc->imports)
        return cm_nomem(st);
    for (xmlNodePtr c = doc->model->children; c; c = c->next) {
        if (cm_is(doc, c, "units"))
            doc->units[doc->nunits++] = c;
        else if (cm_is(doc, c, "import"))
            doc->imports[doc->nimports++] = c;
    }
    doc->indexed = 1;
    return BO_OK;
}

static xmlNodePtr find_model_units(cm_doc *doc, const char *name)
{
    for (size_t i = 0; i < doc->nunits; ++i) {
        xmlAttrPtr a = xmlHasProp(doc->units[i], (const xmlChar *)"name");
        xmlChar *n = a ? xmlNodeListGetString(doc->xml, a->children, 1) : NULL;
        int hit = n && strcmp((const char *)n, name) == 0;
        xmlFree(n);
        if (hit)
            return doc->units[i];
    }
    return NULL;
}

static int lookup(cm_state *st, cm_doc *doc, xmlNodePtr comp, const char *name, xmlNodePtr where,
                  int depth, cm_units *out)
{
    int rc = index_doc(st, doc);
    if (rc)
        return rc;
    if (depth > MAX_UNITS_DEPTH)
        return cm_fail(st, doc, where, BO_ERR_MODEL,
                       "units '%s' are defined in terms of themselves (a cycle)", name);
    xmlNodePtr def = find_units(doc, comp, name);
    if (def)
        return reduce(st, doc, comp, def, name, depth, out);
    if ((def = find_model_units(doc, name)))
        return reduce(st, doc, NULL, def, name, depth, out);
    /* Imported units: <import xlink:href><units name units_ref/></import>. */
    for (size_t ii = 0; ii < doc->nimports; ++ii) {
        xmlNodePtr im = doc->imports[ii];
        for (xmlNodePtr u = im->children; u; u = u->next) {
            if (!cm_is(doc, u, "units"))
                continue;
            xmlChar *n = xmlGetNoNsProp(u, (const xmlChar *)"name");
            int hit = n && strcmp((const char *)n, name) == 0;
            xmlFree(n);
            if (!hit)
                continue;
            char *ref = cm_attr(st, u, "units_ref");
            if (st->status)
                return st->status;
            if (!ref)
                return cm_fail(st, doc, u, BO_ERR_MODEL, "imported units '%s' without units_ref",
                               name);
            cm_doc *other;
            rc = cm_load_import(st, doc, im, &other);
            if (rc == BO_OK)
                rc = lookup(st, other, NULL, ref, u, depth + 1, out);
            free(ref);
            return rc;
        }
    }
    for (size_t i = 0; i < sizeof STANDARD / sizeof STANDARD[0]; ++i) {
        if (strcmp(STANDARD[i].name, name) != 0)
            continue;
        memset(out, 0, sizeof *out);
        out->mult = STANDARD[i].mult;
        out->offset = STANDARD[i].offset;
        for (int k = 0; k < 7; ++k)
            out->dim[k] = STANDARD[i].d[k];
        return BO_OK;
    }
    return cm_fail(st, doc, where, BO_ERR_MODEL, "unknown units '%s'", name);
}

int cm_units_resolve(cm_state *st, cm_doc *doc, xmlNodePtr comp, const char *name, xmlNodePtr where,
                     cm_units *out)
{
    return lookup(st, doc, comp, name, where, 0, out);
}

int cm_units_compatible(const cm_units *a, const cm_units *b)
{
    for (int k = 0; k < CM_MAX_DIMS; ++k)
        if (fabs(a->dim[k] - b->dim[k]) > 1e-9)
            return 0;
    return 1;
}

double cm_units_factor(const cm_units *a, const cm_units *b)
{
    return a->mult / b->mult;
}
