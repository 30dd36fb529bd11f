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

/* An event (docs/model-language.md#events): a sign change of `cond` in the direction asked
 * for, with assignments to states applied at the event (all right-hand sides read the state
 * before the event) and an optional stop. */
typedef struct {
    char *name;
    ex_id cond;         /* the event function */
    int direction;      /* 1 rising, -1 falling, 0 either */
    int stop;           /* 1: the run ends at the event */
    size_t n_assign;    /* assignments */
    int *assign_state;  /* [n_assign] the assigned states' indices */
    ex_id *assign_expr; /* [n_assign] their new values */
    int line, col;      /* where declared (1-based) */
} md_event;

struct bo_model {
    char *name;
    char *source_name; /* file path or the name given for a string */
    ex_graph *g;
    ex_graph *vg; /* value expressions of states and parameters (see md_symbol.value_expr);
                     NULL in a model built without them */
    md_symbol *sym[BO_SYMBOL_KIND_COUNT];
    size_t count[BO_SYMBOL_KIND_COUNT];
    int uses_time;    /* any equation depends on t */
    md_event *events; /* in declaration order */
    size_t n_events;
};

/* Parse text into a new model (parser.c). Errors go to ctx as
 * "source:line:col: message\n<line text>\n<caret>". */
int md_parse(bo_context *ctx, const char *text, size_t len, const char *source_name,
             bo_model **out);

#endif
