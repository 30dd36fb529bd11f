/* The CellML importer's shared declarations (prefix cm_). The importer reads a CellML 1.0,
 * 1.1 or 2.0 file with libxml2 and writes model-language text, which the model parser then
 * compiles like any .ode file: one front end, and `batchode import` shows exactly what is
 * solved (docs/cellml.md). The work is split by stage:
 *   cellml_xml.c    reading files safely, the documents and their imports, errors
 *   cellml_units.c  units: definitions reduced to base dimensions, conversion factors
 *   cellml_math.c   MathML content -> expression trees, and printing them
 *   cellml_eval.c   evaluating trees; removable singularities
 *   cellml_build.c  components, variables, connections, equations; what each variable is
 *   cellml_emit.c   names, ordering and the model text; the public entry points
 * Everything but cellml_emit.c is built only with libxml2 (BO_HAVE_CELLML: CMakeLists.txt
 * leaves the other files out without it); cellml_emit.c then provides the public functions,
 * which refuse CellML with a message. */
#ifndef BO_CELLML_INTERNAL_H
#define BO_CELLML_INTERNAL_H

#include <stddef.h>

#include "util/internal.h"
#include "util/strbuf.h"

#ifdef BO_HAVE_CELLML
#include <libxml/tree.h>

/* Limits: a CellML file (each file, imports included) is read up to CM_MAX_FILE_BYTES; XML
 * nesting is bounded by libxml2 (256 without XML_PARSE_HUGE) and MathML nesting by
 * CM_MAX_DEPTH; imports nest at most CM_MAX_IMPORT_DEPTH files deep. */
#define CM_MAX_FILE_BYTES ((size_t)64 * 1024 * 1024)
enum { CM_MAX_DEPTH = 200, CM_MAX_IMPORT_DEPTH = 32, CM_MAX_DIMS = 16 };

/* The half-width of the window around a removable singularity, in the exponent's units
 * (|L| < CM_SINGULAR_WINDOW where the denominator is c*(exp(L) - 1)): docs/cellml.md. */
#define CM_SINGULAR_WINDOW 1e-6

/* One CellML document (the file given, or one it imports). */
typedef struct cm_doc {
    char *path;        /* as opened (for messages) */
    char *dir;         /* its directory, for its imports ("" for a string) */
    xmlDocPtr xml;     /* owned */
    xmlNodePtr model;  /* the root <model> */
    int version;       /* 10, 11 or 20 */
    int depth;         /* import depth: 0 for the file given */
    xmlNodePtr *units; /* the model's own <units> and its <import>s, indexed once: units */
    size_t nunits;     /* are looked up for every variable */
    xmlNodePtr *imports;
    size_t nimports;
    int indexed;
    struct cm_doc *importer;
    struct cm_doc *next; /* every document, for freeing */
} cm_doc;

/* Units reduced to base dimensions: a value x in these units is x*mult + offset in the base
 * units. dim[k] is the exponent of base dimension k (the seven SI base units, then the
 * model's own base units). */
typedef struct {
    double mult, offset;
    double dim[CM_MAX_DIMS];
} cm_units;

/* Expression trees: the operations of the model language, so that printing is direct. */
typedef enum {
    CN_NUM,
    CN_VAR, /* a CellML variable (index into cm_state.vars) */
    CN_ADD,
    CN_SUB,
    CN_MUL,
    CN_DIV,
    CN_NEG,
    CN_POW,
    CN_NOT,
    CN_AND,
    CN_OR,
    CN_EQ,
    CN_NE,
    CN_LT,
    CN_LE,
    CN_GT,
    CN_GE,
    CN_CALL, /* fn: a function of the model language; args in kid[] */
    CN_PW    /* piecewise(c1, v1, ..., otherwise): an odd number of kids */
} cm_op;

typedef struct cm_node {
    cm_op op;
    int nkid;
    struct cm_node **kid;
    double num;     /* CN_NUM */
    int var;        /* CN_VAR */
    const char *fn; /* CN_CALL: a static name */
} cm_node;

/* A component as instantiated (imported components included). */
typedef struct {
    char *name; /* unique in the model (an imported one may be renamed: docs/cellml.md) */
    cm_doc *doc;
    xmlNodePtr node;
    int parent; /* encapsulating component, -1 at the top */
    size_t var0, nvar;
} cm_comp;

enum { CM_IF_NONE = 0, CM_IF_IN = 1, CM_IF_OUT = 2 };

typedef struct {
    char *name;
    int comp;
    xmlNodePtr node;
    char *units_name;
    cm_units units;
    char *init;    /* initial_value as written, NULL when none */
    int pub, priv; /* 1.x: CM_IF_*; 2.0: CM_IF_OUT when the interface is exposed */
    int uf;        /* union-find parent */
    int cls;       /* equivalence class after grouping */
} cm_var;

typedef struct {
    int a, b; /* variables */
    cm_doc *doc;
    xmlNodePtr node;
} cm_conn;

typedef struct {
    int comp;
    int lhs;  /* variable defined */
    int bvar; /* variable of integration for dx/dbvar = rhs; -1 for lhs = rhs */
    cm_node *rhs;
    cm_doc *doc;
    xmlNodePtr node;
} cm_eq;

/* What a class of connected variables is. */
typedef enum { CK_UNSET, CK_TIME, CK_STATE, CK_CONST, CK_COMPUTED, CK_ALGEBRAIC } cm_kind;

typedef struct {
    int src; /* the variable that defines the class (its value is in its units) */
    cm_kind kind;
    int eq;       /* defining equation, -1 for none */
    char *id;     /* identifier in the model text */
    double value; /* constants and computed constants: the default; NaN otherwise */
    int order;    /* emission position */
    int mark;     /* for the depth-first orderings */
} cm_class;

typedef struct {
    bo_context *ctx;
    cm_doc *docs; /* every document loaded */
    cm_doc *root;
    /* base dimensions beyond the SI ones: names of the models' own base units */
    char *base_names[CM_MAX_DIMS];
    int n_base;
    cm_comp *comps;
    size_t ncomp, capcomp;
    cm_var *vars;
    size_t nvar, capvar;
    cm_conn *conns;
    size_t nconn, capconn;
    cm_eq *eqs;
    size_t neq, capeq;
    cm_class *cls;
    size_t ncls;
    int time_cls; /* the class of the variable of integration, -1 when none */
    /* node arena */
    void **arena;
    size_t narena, caparena;
    int status; /* first error (0 = none) */
} cm_state;

/* ---- cellml_xml.c ---- */
/* Record an error at node's line in doc ("path:line: message"); returns code. */
int cm_fail(cm_state *st, const cm_doc *doc, const xmlNode *node, int code, const char *fmt, ...)
    BO_PRINTF(5, 6);
int cm_nomem(cm_state *st);
/* Read and parse the model: text when given (else the file at path); path, when given, names
 * it in messages and its directory holds its imports (without a path: source_name, and no
 * imports). */
int cm_load_root(cm_state *st, const char *path, const char *text, size_t len,
                 const char *source_name);
/* The document an <import> element's xlink:href names, loaded once (relative local paths only,
 * inside the importing model's directory; cycles refused). */
int cm_load_import(cm_state *st, cm_doc *doc, xmlNodePtr import, cm_doc **out);
/* Element helpers: is node a CellML element of doc named name; an attribute's value (a new
 * xmlChar string, NULL when absent; free with xmlFree), line numbers. */
int cm_is(const cm_doc *doc, const xmlNode *node, const char *name);
int cm_is_mathml(const xmlNode *node, const char *name);
char *cm_attr(cm_state *st, const xmlNode *node, const char *name);
char *cm_attr_ns(cm_state *st, const xmlNode *node, const char *name, const char *ns);
void cm_free_docs(cm_state *st);

/* ---- cellml_units.c ---- */
/* Reduce the units named name, seen from component node comp (NULL: model level) of doc. */
int cm_units_resolve(cm_state *st, cm_doc *doc, xmlNodePtr comp, const char *name, xmlNodePtr where,
                     cm_units *out);
int cm_units_compatible(const cm_units *a, const cm_units *b);
/* The factor f with value_in_b = f*value_in_a (compatible units without offsets). */
double cm_units_factor(const cm_units *a, const cm_units *b);

/* ---- cellml_math.c ---- */
cm_node *cm_node_new(cm_state *st, cm_op op, int nkid);
cm_node *cm_num(cm_state *st, double v);
/* Nodes of one and two operands and a call of a one-argument function (NULL operands give
 * NULL: out of memory passes through). */
cm_node *cm_mk1(cm_state *st, cm_op op, cm_node *a);
cm_node *cm_mk2(cm_state *st, cm_op op, cm_node *a, cm_node *b);
cm_node *cm_call1(cm_state *st, const char *fn, cm_node *a);
/* Does e hold numbers only (no variable)? */
int cm_const_tree(const cm_node *e);
/* Read one <math> element's equations into st->eqs (comp: the component's index). */
int cm_math_read(cm_state *st, int comp, xmlNodePtr math);
/* Print e in the model language; a variable v is printed as its class's identifier times the
 * conversion factor from the class's units to v's units. */
void cm_print(const cm_state *st, const cm_node *e, sb_buf *b);
/* Print a number so that it reads back exactly. */
void cm_print_num(double v, sb_buf *b);

/* ---- cellml_eval.c ---- */
/* The value of e when every variable is a constant whose class value is known (NaN else). */
double cm_eval(const cm_state *st, const cm_node *e);
/* Is e constant: numbers and variables of constant and computed-constant classes only? */
int cm_is_constant(const cm_state *st, const cm_node *e);
/* Replace removable singularities of the form N/(c*(exp(L) - 1)) with N and L vanishing at
 * the same point by a linear interpolation in a small window around it (docs/cellml.md).
 * Returns the (possibly new) tree. */
cm_node *cm_fix_singularities(cm_state *st, cm_node *e);

/* ---- cellml_build.c ---- */
/* Instantiate components (imports resolved), read variables, connections and math. */
int cm_build(cm_state *st);
/* Group connected variables into classes and work out what each is. */
int cm_classify(cm_state *st);
/* The dependency order of the computed constants and algebraic variables, cycles reported:
 * order (room for ncls) receives class numbers, *n how many. */
int cm_order(cm_state *st, int *order, size_t *n);
/* The conversion factor from variable v's class's units to v's units. */
double cm_var_factor(const cm_state *st, int v);
/* Component-qualified name "component.variable" (static buffer of the caller). */
const char *cm_qual(const cm_state *st, int v, char *buf, size_t size);

#endif /* BO_HAVE_CELLML */

/* The model text imported from CellML (cellml_emit.c): the file at path, or (path NULL) the
 * text given, named source_name in messages. *out: new string. */
int cm_import(bo_context *ctx, const char *path, const char *text, size_t len,
              const char *source_name, char **out);
/* Load a model from CellML (bo_model_load_file and _string): import, then parse the text. */
int cm_load_model(bo_context *ctx, const char *path, const char *text, size_t len,
                  const char *source_name, bo_model **out);
/* Does this file name or text look like CellML (docs/cellml.md: the name ends in ".cellml",
 * or the text starts with '<')? */
int cm_looks_like_cellml(const char *path, const char *text, size_t len);

#endif
