/* The in-memory model: symbols by kind and their expressions in one expression DAG.
 * Built by the parser (parser.c), read by the symbolic core and the emitters. */
#ifndef BO_MODEL_INTERNAL_H
#define BO_MODEL_INTERNAL_H

#include "batchode.h"
#include "expr.h"

typedef struct {
    char *name;
    char *unit;       /* NULL when not declared */
    double value;     /* initial value / default / constant value; NaN for other kinds */
    ex_id expr;       /* states: derivative dx/dt; observables, auxiliaries: definition;
                         other kinds: EX_NONE */
    ex_id value_expr; /* states, parameters: the value written in the model as a node of vg,
                         with parameters as variables (EXV_PARAM), when it depends on a
                         parameter; else EX_NONE (value is then all there is). Read only
                         when vg is not NULL */
    int line, col;    /* where declared (1-based) */
    char *alias;      /* a second name bo_model_find accepts (an imported CellML variable's
                         "component.variable"); NULL for none */
} md_symbol;

struct bo_model {
    char *name;
    char *source_name; /* file path or the name given for a string */
    ex_graph *g;
    ex_graph *vg; /* value expressions of states and parameters (see md_symbol.value_expr);
                     NULL in a model built without them */
    md_symbol *sym[BO_SYMBOL_KIND_COUNT];
    size_t count[BO_SYMBOL_KIND_COUNT];
    int uses_time; /* any equation depends on t */
};

/* Parse text into a new model (parser.c). Errors go to ctx as
 * "source:line:col: message\n<line text>\n<caret>". */
int md_parse(bo_context *ctx, const char *text, size_t len, const char *source_name,
             bo_model **out);

#endif
