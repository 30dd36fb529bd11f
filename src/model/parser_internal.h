/* The model parser's private interface, shared by its two halves: parser.c (pass 1: the
 * syntax of statements and expressions, messages, the symbol table) and parse_build.c
 * (passes 2 and 3: names, values and the expression graph, and md_parse). */
#ifndef BO_PARSER_INTERNAL_H
#define BO_PARSER_INTERNAL_H

#include <stdint.h>

#include "util/internal.h"
#include "lexer.h"
#include "model_internal.h"
#include "util/strbuf.h"

#define PI_VALUE 3.14159265358979323846
/* Nesting budget of the recursive-descent expression parser (parentheses, prefix operators,
 * right operands of '^' and '?:' each take one). Keeps the C stack small on hostile input. */
#define MAX_DEPTH 256
/* Names longer than this are shortened in messages. */
#define NAME_SHOWN 64
/* Resolved names that are not table symbols. */
#define SYM_NONE (-1)
#define SYM_T (-2)
#define SYM_PI (-3)

enum { AN_NUM, AN_NAME, AN_UNARY, AN_BINARY, AN_SELECT, AN_CALL };

typedef struct {
    uint8_t kind; /* AN_... */
    uint8_t op;   /* ex_op (unary, binary), ex_func (call) */
    int32_t a, b, c;
    int32_t sym; /* AN_NAME: table index or SYM_T / SYM_PI after pass 2 */
    double value;
    size_t pos, len; /* source text of the number or name */
    int line, col;
} an_node;

typedef struct {
    size_t pos, len; /* the name in the text */
    int line, col;
    bo_symbol_kind kind;
    int index;           /* within its kind */
    int32_t first, root; /* expression nodes; -1 when none */
    size_t unit_pos, unit_len;
    int has_unit;
    int32_t eq;   /* states: equation index, -1 none */
    int mark;     /* dependency search: 0 new, 1 on the stack, 2 built */
    ex_id ex;     /* auxiliaries, observables: the built node */
    double value; /* states, parameters, constants */
    ex_id vex;    /* states, parameters: the value expression in the model's value graph */
} pr_sym;

typedef struct {
    size_t name_pos, name_len; /* the state's name inside the left-hand side */
    size_t pos;                /* the left-hand side */
    int line, col;
    int32_t first, root;
    int32_t sym;
} pr_eq;

/* An `event` statement: its name, event function, direction, assignments and stop. */
typedef struct {
    size_t pos, len; /* the name */
    int line, col;
    int32_t first, root; /* the event function's expression nodes */
    int direction;       /* 1 rising, -1 falling, 0 either */
    int stop;
    size_t asg_first, n_asg; /* its assignments: asg[asg_first .. asg_first + n_asg) */
} pr_event;

/* What an item of the source order is: a declared symbol, an equation or an event. */
enum { PR_ITEM_SYM, PR_ITEM_EQ, PR_ITEM_EVENT };

typedef struct {
    int kind; /* PR_ITEM_* */
    int32_t index;
} pr_item;

typedef struct {
    bo_context *ctx;
    const char *text;
    size_t len;
    const char *source;
    lx_lexer lx;
    lx_token cur;
    int depth;

    an_node *nodes;
    size_t nnodes, cap_nodes;
    pr_sym *syms;
    size_t nsyms, cap_syms;
    pr_eq *eqs;
    size_t neqs, cap_eqs;
    pr_event *events;
    size_t nevents, cap_events;
    pr_eq *asg; /* event assignments: a state, '=', an expression (like an equation) */
    size_t nasg, cap_asg;
    pr_item *items;
    size_t nitems, cap_items;
    int32_t *table; /* open addressing over syms, -1 = empty */
    size_t cap_table;
    int32_t *args; /* argument stack of the function calls being parsed */
    size_t nargs, cap_args;
    int count[BO_SYMBOL_KIND_COUNT];

    int err; /* the code of the reported error */
    int have_name;
    lx_token name_tok;
    ex_id *exmap; /* pass 3: node -> built expression */
} parser;

/* Closest name to `name` among candidates, for "did you mean" (NULL when none is close). */
typedef struct {
    const char *name;
    size_t best;
    size_t cap;
    char choice[NAME_SHOWN + 4];
} suggestion;

#define FAIL_TOK(p, code, tok, ...)                                                                \
    pr_fail_at(p, code, (tok)->pos, (tok)->line, (tok)->col, __VA_ARGS__)

int pr_advance(parser *p);
int32_t pr_declare(parser *p, bo_symbol_kind kind, const lx_token *name);
int pr_fail_at(parser *p, int code, size_t pos, int line, int col, const char *fmt, ...)
    BO_PRINTF(6, 7);
const char *pr_kind_word(bo_symbol_kind k);
int32_t pr_lookup(const parser *p, size_t pos, size_t len);
int pr_nomem(parser *p);
int pr_parse_statement(parser *p);
const char *pr_shown(const parser *p, size_t pos, size_t len, char *buf);
int pr_slice_is(const parser *p, size_t pos, size_t len, const char *word);
void pr_suggest_init(suggestion *s, const char *name);
void pr_suggest_syms(const parser *p, suggestion *s, int states_only);
const char *pr_suggest_text(const suggestion *s, char *buf, size_t size);
void pr_suggest_try(suggestion *s, const char *cand);

#endif
