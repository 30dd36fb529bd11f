/* The parser of the model language (docs/model-language.md): model text -> bo_model.
 *
 * It works in three passes so that auxiliaries, observables and equations may appear in any
 * order while initial values, defaults and constants are checked in declaration order:
 *  1. syntax: statements are parsed into a flat expression tree whose nodes are stored in
 *     postfix order (children before parents, one contiguous range per expression), and every
 *     declared name enters the symbol table (reserved and duplicate names are caught here);
 *  2. names: in source order, every name in every expression is resolved, equation left-hand
 *     sides are matched to states, and value expressions are evaluated (they may only use
 *     numbers, pi and earlier constants and parameters);
 *  3. graph: auxiliaries and observables are built into the expression DAG in dependency
 *     order (an iterative depth-first search, which also finds cycles), then derivatives.
 * Nothing here recurses over data except the expression parser, whose depth is capped, so
 * hostile input (huge files, long lines, deep nesting) fails fast with a clean message.
 * The first error stops parsing; it is reported as "source:line:col: message", the source
 * line and a caret. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parser_internal.h"

static const char *const keywords[] = {"model",  "state", "param", "const",
                                       "driver", "obs",   "aux",   "event"};

const char *pr_kind_word(bo_symbol_kind k)
{
    switch (k) {
    case BO_STATE:
        return "state";
    case BO_PARAMETER:
        return "parameter";
    case BO_CONSTANT:
        return "constant";
    case BO_DRIVER:
        return "driver";
    case BO_OBSERVABLE:
        return "observable";
    case BO_AUXILIARY:
        return "auxiliary";
    default:
        return "symbol";
    }
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 1;
    size_t c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    void *n = bo_array_realloc(*arr, c, elem);
    if (!n)
        return 0;
    *arr = n;
    *cap = c;
    return 1;
}

/* ---- messages ------------------------------------------------------------------------- */

/* Copy of text[pos, pos+len) for a message, shortened with "..." when long. */
const char *pr_shown(const parser *p, size_t pos, size_t len, char *buf)
{
    size_t n = len < NAME_SHOWN ? len : NAME_SHOWN;
    memcpy(buf, p->text + pos, n);
    buf[n] = '\0';
    if (n < len)
        memcpy(buf + n, "...", 4);
    return buf;
}

/* Length of a well-formed UTF-8 sequence at s[0..avail), 0 if malformed. */
static size_t utf8_len(const unsigned char *s, size_t avail)
{
    size_t n;
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        n = 2;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF)
        n = 3;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4)
        n = 4;
    else
        return 0;
    if (n > avail)
        return 0;
    for (size_t i = 1; i < n; ++i)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

/* Append the source line around pos (indented by 4) and a caret line under pos. Very long
 * lines show a window around pos; control bytes and malformed UTF-8 show as '?'. */
static void show_line(const parser *p, sb_buf *b, size_t line_start, size_t pos)
{
    const unsigned char *t = (const unsigned char *)p->text;
    size_t end = line_start;
    while (end < p->len && t[end] != '\n')
        ++end;
    if (end > line_start && t[end - 1] == '\r')
        --end;
    if (pos > end)
        pos = end;
    size_t ws = line_start, we = end;
    if (end - line_start > 150) {
        ws = pos > line_start + 70 ? pos - 70 : line_start;
        while (ws > line_start && ws < pos && (t[ws] & 0xC0) == 0x80)
            ++ws;
        we = ws + 150 < end ? ws + 150 : end;
    }
    sb_buf caret;
    sb_init(&caret);
    sb_append(b, "\n    ");
    sb_append(&caret, "    ");
    if (ws > line_start) {
        sb_append(b, "...");
        sb_append(&caret, "   ");
    }
    size_t i = ws;
    while (i < we) {
        size_t n = 1;
        char pad = ' ';
        if (t[i] == '\t') {
            sb_putc(b, '\t');
            pad = '\t';
        } else if (t[i] < 0x20 || t[i] == 0x7f) {
            sb_putc(b, '?');
        } else if (t[i] < 0x80) {
            sb_putc(b, (char)t[i]);
        } else if ((n = utf8_len(t + i, we - i)) > 0) {
            sb_append_n(b, p->text + i, n);
        } else {
            n = 1;
            sb_putc(b, '?');
        }
        if (i < pos)
            sb_putc(&caret, pad);
        i += n;
    }
    if (we < end)
        sb_append(b, "...");
    sb_putc(&caret, '^');
    sb_putc(b, '\n');
    sb_append(b, sb_cstr(&caret));
    if (caret.failed)
        b->failed = 1;
    sb_free(&caret);
}

int pr_fail_at(parser *p, int code, size_t pos, int line, int col, const char *fmt, ...)
{
    sb_buf b;
    sb_init(&b);
    sb_printf(&b, "%s:%d:%d: ", p->source, line, col);
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&b, fmt, ap);
    va_end(ap);
    show_line(p, &b, pos - (size_t)(col - 1), pos);
    char *msg = sb_take(&b);
    if (!msg)
        return p->err =
                   bo_error(p->ctx, BO_ERR_NOMEM, "out of memory while reporting a model error");
    p->err = bo_error(p->ctx, code, "%s", msg);
    free(msg);
    return code;
}

int pr_nomem(parser *p)
{
    return p->err = bo_error(p->ctx, BO_ERR_NOMEM, "out of memory while reading the model");
}

/* How the current token reads in "but found ..." messages. */
static const char *found(const parser *p, const lx_token *t, char *buf)
{
    if (t->kind == LX_IDENT || t->kind == LX_NUMBER) {
        char name[NAME_SHOWN + 4];
        buf[0] = '\'';
        strcpy(buf + 1, pr_shown(p, t->pos, t->len, name));
        strcat(buf, "'");
        return buf;
    }
    return lx_kind_text(t->kind);
}

void pr_suggest_init(suggestion *s, const char *name)
{
    size_t len = strlen(name);
    s->name = name;
    s->cap = (len + 1) / 3 < 3 ? (len + 1) / 3 : 3;
    s->best = s->cap + 1;
    s->choice[0] = '\0';
}

void pr_suggest_try(suggestion *s, const char *cand)
{
    if (s->cap == 0)
        return;
    size_t d = bo_edit_distance(s->name, cand, s->cap);
    if (d < s->best) {
        s->best = d;
        size_t n = strlen(cand);
        if (n > NAME_SHOWN)
            n = NAME_SHOWN;
        memcpy(s->choice, cand, n);
        s->choice[n] = '\0';
    }
}

void pr_suggest_syms(const parser *p, suggestion *s, int states_only)
{
    for (size_t i = 0; i < p->nsyms; ++i) {
        const pr_sym *y = &p->syms[i];
        if (states_only && y->kind != BO_STATE)
            continue;
        char buf[NAME_SHOWN + 4];
        if (y->len <= NAME_SHOWN)
            pr_suggest_try(s, pr_shown(p, y->pos, y->len, buf));
    }
}

/* " (did you mean 'x'?)" or "". */
const char *pr_suggest_text(const suggestion *s, char *buf, size_t size)
{
    if (s->best > s->cap || !s->choice[0])
        return "";
    snprintf(buf, size, " (did you mean '%s'?)", s->choice);
    return buf;
}

/* ---- symbol table --------------------------------------------------------------------- */

/* FNV-1a, then MurmurHash3's finaliser: the table keeps the low bits, and FNV's low bits
 * depend only on the low bits of each byte, so names like p0 .. p99999 would cluster. */
static uint64_t hash_slice(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; ++i) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

int32_t pr_lookup(const parser *p, size_t pos, size_t len)
{
    if (!p->cap_table)
        return SYM_NONE;
    size_t m = p->cap_table - 1;
    size_t h = (size_t)hash_slice(p->text + pos, len) & m;
    while (p->table[h] >= 0) {
        const pr_sym *y = &p->syms[p->table[h]];
        if (y->len == len && memcmp(p->text + y->pos, p->text + pos, len) == 0)
            return p->table[h];
        h = (h + 1) & m;
    }
    return SYM_NONE;
}

static int table_insert(parser *p, int32_t idx)
{
    if ((p->nsyms + 1) * 2 > p->cap_table) {
        size_t cap = p->cap_table ? p->cap_table * 2 : 64;
        int32_t *t = bo_array_realloc(NULL, cap, sizeof *t);
        if (!t)
            return 0;
        for (size_t i = 0; i < cap; ++i)
            t[i] = -1;
        for (size_t i = 0; i < p->cap_table; ++i) {
            if (p->table[i] < 0)
                continue;
            const pr_sym *y = &p->syms[p->table[i]];
            size_t h = (size_t)hash_slice(p->text + y->pos, y->len) & (cap - 1);
            while (t[h] >= 0)
                h = (h + 1) & (cap - 1);
            t[h] = p->table[i];
        }
        free(p->table);
        p->table = t;
        p->cap_table = cap;
    }
    const pr_sym *y = &p->syms[idx];
    size_t m = p->cap_table - 1;
    size_t h = (size_t)hash_slice(p->text + y->pos, y->len) & m;
    while (p->table[h] >= 0)
        h = (h + 1) & m;
    p->table[h] = idx;
    return 1;
}

int pr_slice_is(const parser *p, size_t pos, size_t len, const char *word)
{
    return strlen(word) == len && memcmp(p->text + pos, word, len) == 0;
}

static int is_keyword(const parser *p, size_t pos, size_t len)
{
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; ++i)
        if (pr_slice_is(p, pos, len, keywords[i]))
            return 1;
    return 0;
}

/* Built-in function names: the DAG's table plus the forms the parser rewrites. */
static int function_name(const parser *p, size_t pos, size_t len, ex_func *fn)
{
    char buf[16];
    if (len >= sizeof buf)
        return 0;
    memcpy(buf, p->text + pos, len);
    buf[len] = '\0';
    return ex_func_lookup(buf, fn);
}

static int is_reserved(const parser *p, size_t pos, size_t len)
{
    ex_func fn;
    return is_keyword(p, pos, len) || pr_slice_is(p, pos, len, "t") ||
           pr_slice_is(p, pos, len, "pi") || pr_slice_is(p, pos, len, "ifelse") ||
           pr_slice_is(p, pos, len, "piecewise") || pr_slice_is(p, pos, len, "pow") ||
           function_name(p, pos, len, &fn);
}

static int push_item(parser *p, int kind, size_t index)
{
    if (!grow((void **)&p->items, &p->cap_items, p->nitems + 1, sizeof *p->items))
        return pr_nomem(p);
    p->items[p->nitems].kind = kind;
    p->items[p->nitems].index = (int32_t)index;
    ++p->nitems;
    return 0;
}

/* Enter a declared name; returns its index, or -1 after reporting an error. */
int32_t pr_declare(parser *p, bo_symbol_kind kind, const lx_token *name)
{
    char buf[NAME_SHOWN + 4];
    if (is_reserved(p, name->pos, name->len)) {
        FAIL_TOK(p, BO_ERR_MODEL, name, "'%s' is reserved", pr_shown(p, name->pos, name->len, buf));
        return -1;
    }
    int32_t old = pr_lookup(p, name->pos, name->len);
    if (old >= 0) {
        FAIL_TOK(
            p, BO_ERR_MODEL, name, "duplicate name '%s' (already declared at line %d as %s %s)",
            pr_shown(p, name->pos, name->len, buf), p->syms[old].line,
            p->syms[old].kind == BO_AUXILIARY || p->syms[old].kind == BO_OBSERVABLE ? "an" : "a",
            pr_kind_word(p->syms[old].kind));
        return -1;
    }
    if (p->nsyms >= (size_t)INT32_MAX / 2 ||
        !grow((void **)&p->syms, &p->cap_syms, p->nsyms + 1, sizeof *p->syms)) {
        pr_nomem(p);
        return -1;
    }
    pr_sym *y = &p->syms[p->nsyms];
    memset(y, 0, sizeof *y);
    y->pos = name->pos;
    y->len = name->len;
    y->line = name->line;
    y->col = name->col;
    y->kind = kind;
    y->index = p->count[kind]++;
    y->first = y->root = -1;
    y->eq = -1;
    y->ex = EX_NONE;
    y->vex = EX_NONE;
    y->value = NAN;
    int32_t idx = (int32_t)p->nsyms++;
    if (!table_insert(p, idx) || push_item(p, PR_ITEM_SYM, (size_t)idx) < 0) {
        pr_nomem(p);
        return -1;
    }
    return idx;
}

/* ---- expressions ---------------------------------------------------------------------- */

int pr_advance(parser *p)
{
    lx_next(&p->lx, &p->cur);
    if (p->cur.kind == LX_ERROR)
        return FAIL_TOK(p, BO_ERR_PARSE, &p->cur, "%s", p->lx.msg);
    return 0;
}

static int32_t add_node(parser *p, int kind, int op, int32_t a, int32_t b, int32_t c,
                        const lx_token *at)
{
    if (p->nnodes >= (size_t)INT32_MAX - 1 ||
        !grow((void **)&p->nodes, &p->cap_nodes, p->nnodes + 1, sizeof *p->nodes)) {
        pr_nomem(p);
        return -1;
    }
    an_node *n = &p->nodes[p->nnodes];
    n->kind = (uint8_t)kind;
    n->op = (uint8_t)op;
    n->a = a;
    n->b = b;
    n->c = c;
    n->sym = SYM_NONE;
    n->value = at->number;
    n->pos = at->pos;
    n->len = at->len;
    n->line = at->line;
    n->col = at->col;
    return (int32_t)p->nnodes++;
}

static int enter(parser *p)
{
    if (++p->depth > MAX_DEPTH)
        return FAIL_TOK(p, BO_ERR_PARSE, &p->cur,
                        "expression is nested too deeply (more than %d "
                        "levels)",
                        MAX_DEPTH);
    return 0;
}

static int32_t parse_expr(parser *p);
static int32_t parse_unary(parser *p);

static int missing_paren(parser *p, const lx_token *open)
{
    char buf[NAME_SHOWN + 8];
    if (p->cur.kind == LX_NEWLINE || p->cur.kind == LX_EOF) {
        if (open->line == p->cur.line)
            return FAIL_TOK(p, BO_ERR_PARSE, &p->cur, "missing ')' for the '(' at column %d",
                            open->col);
        return FAIL_TOK(p, BO_ERR_PARSE, &p->cur, "missing ')' for the '(' at line %d, column %d",
                        open->line, open->col);
    }
    return FAIL_TOK(p, BO_ERR_PARSE, &p->cur, "expected ')' but found %s", found(p, &p->cur, buf));
}

static int push_arg(parser *p, int32_t a)
{
    if (!grow((void **)&p->args, &p->cap_args, p->nargs + 1, sizeof *p->args))
        return pr_nomem(p);
    p->args[p->nargs++] = a;
    return 0;
}

/* name '(' args ')' with the name already consumed; cur is the '('. */
static int32_t parse_call(parser *p, const lx_token *name)
{
    char buf[NAME_SHOWN + 8], sbuf[NAME_SHOWN + 40];
    ex_func fn = EXF_COUNT;
    int special = 0; /* 1 pow, 2 ifelse, 3 piecewise */
    if (pr_slice_is(p, name->pos, name->len, "pow"))
        special = 1;
    else if (pr_slice_is(p, name->pos, name->len, "ifelse"))
        special = 2;
    else if (pr_slice_is(p, name->pos, name->len, "piecewise"))
        special = 3;
    else if (!function_name(p, name->pos, name->len, &fn)) {
        pr_shown(p, name->pos, name->len, buf);
        suggestion s;
        pr_suggest_init(&s, buf);
        for (int i = 0; i < EXF_COUNT; ++i)
            pr_suggest_try(&s, ex_func_name((ex_func)i));
        pr_suggest_try(&s, "pow");
        pr_suggest_try(&s, "ifelse");
        pr_suggest_try(&s, "piecewise");
        FAIL_TOK(p, BO_ERR_MODEL, name, "unknown function '%s'%s", buf,
                 pr_suggest_text(&s, sbuf, sizeof sbuf));
        return -1;
    }
    lx_token open = p->cur;
    size_t base = p->nargs;
    if (pr_advance(p) < 0)
        return -1;
    if (p->cur.kind != LX_RPAREN) {
        for (;;) {
            int32_t a = parse_expr(p);
            if (a < 0 || push_arg(p, a) < 0)
                return -1;
            if (p->cur.kind == LX_COMMA) {
                if (pr_advance(p) < 0)
                    return -1;
                continue;
            }
            if (p->cur.kind == LX_RPAREN)
                break;
            if (p->cur.kind == LX_NEWLINE || p->cur.kind == LX_EOF)
                return missing_paren(p, &open);
            FAIL_TOK(p, BO_ERR_PARSE, &p->cur, "expected ',' or ')' but found %s",
                     found(p, &p->cur, buf));
            return -1;
        }
    }
    size_t nargs = p->nargs - base;
    /* A call without arguments may come before any argument was ever pushed: p->args is then
     * NULL, and NULL + 0 is undefined behaviour in C. */
    const int32_t *arg = nargs ? p->args + base : NULL;
    pr_shown(p, name->pos, name->len, buf);
    int want = special == 1 ? 2 : special == 2 ? 3 : special == 3 ? 0 : ex_func_arity(fn);
    if (special == 3 && (nargs < 3 || nargs % 2 == 0)) {
        FAIL_TOK(p, BO_ERR_MODEL, name,
                 "'piecewise' takes condition, value pairs and a final value (an odd number "
                 "of at least 3 arguments), got %zu",
                 nargs);
        return -1;
    }
    if (special != 3 && nargs != (size_t)want) {
        FAIL_TOK(p, BO_ERR_MODEL, name, "'%s' takes %d argument%s, got %zu", buf, want,
                 want == 1 ? "" : "s", nargs);
        return -1;
    }
    int32_t r;
    if (special == 1) {
        r = add_node(p, AN_BINARY, EX_POW, arg[0], arg[1], -1, name);
    } else if (special == 2) {
        r = add_node(p, AN_SELECT, 0, arg[0], arg[1], arg[2], name);
    } else if (special == 3) {
        /* piecewise(c1, v1, ..., cn, vn, other) = c1 ? v1 : (... (cn ? vn : other)). */
        r = arg[nargs - 1];
        for (size_t k = nargs - 1; k >= 2 && r >= 0; k -= 2)
            r = add_node(p, AN_SELECT, 0, arg[k - 2], arg[k - 1], r, name);
    } else {
        r = add_node(p, AN_CALL, (int)fn, arg[0], want == 2 ? arg[1] : -1, -1, name);
    }
    p->nargs = base;
    if (r < 0 || pr_advance(p) < 0)
        return -1;
    return r;
}

static int32_t parse_primary(parser *p)
{
    char buf[NAME_SHOWN + 8];
    lx_token t = p->cur;
    if (t.kind == LX_NUMBER) {
        int32_t r = add_node(p, AN_NUM, 0, -1, -1, -1, &t);
        return r < 0 || pr_advance(p) < 0 ? -1 : r;
    }
    if (t.kind == LX_IDENT) {
        if (pr_advance(p) < 0)
            return -1;
        if (p->cur.kind == LX_LPAREN)
            return parse_call(p, &t);
        return add_node(p, AN_NAME, 0, -1, -1, -1, &t);
    }
    if (t.kind == LX_LPAREN) {
        if (pr_advance(p) < 0)
            return -1;
        int32_t r = parse_expr(p);
        if (r < 0)
            return -1;
        if (p->cur.kind != LX_RPAREN) {
            missing_paren(p, &t);
            return -1;
        }
        return pr_advance(p) < 0 ? -1 : r;
    }
    FAIL_TOK(p, BO_ERR_PARSE, &t, "expected an expression but found %s", found(p, &t, buf));
    return -1;
}

/* primary ['^' unary]: '^' is right-associative and binds tighter than unary minus, and its
 * right operand may carry a sign (2^-1). */
static int32_t parse_power(parser *p)
{
    int32_t base = parse_primary(p);
    if (base < 0 || p->cur.kind != LX_CARET)
        return base;
    lx_token op = p->cur;
    if (enter(p) < 0 || pr_advance(p) < 0)
        return -1;
    int32_t e = parse_unary(p);
    --p->depth;
    if (e < 0)
        return -1;
    return add_node(p, AN_BINARY, EX_POW, base, e, -1, &op);
}

static int32_t parse_unary(parser *p)
{
    lx_kind k = p->cur.kind;
    if (k != LX_MINUS && k != LX_PLUS && k != LX_NOT)
        return parse_power(p);
    lx_token op = p->cur;
    if (enter(p) < 0 || pr_advance(p) < 0)
        return -1;
    int32_t a = parse_unary(p);
    --p->depth;
    if (a < 0 || k == LX_PLUS)
        return a;
    return add_node(p, AN_UNARY, k == LX_MINUS ? EX_NEG : EX_NOT, a, -1, -1, &op);
}

/* Binary levels, loosest first: || && (== !=) (< <= > >=) (+ -) (* /). */
static int binary_op(lx_kind k, int level)
{
    switch (level) {
    case 0:
        return k == LX_OR ? EX_OR : -1;
    case 1:
        return k == LX_AND ? EX_AND : -1;
    case 2:
        return k == LX_EQ ? EX_EQ : k == LX_NE ? EX_NE : -1;
    case 3:
        return k == LX_LT   ? EX_LT
               : k == LX_LE ? EX_LE
               : k == LX_GT ? EX_GT
               : k == LX_GE ? EX_GE
                            : -1;
    case 4:
        return k == LX_PLUS ? EX_ADD : k == LX_MINUS ? EX_SUB : -1;
    case 5:
        return k == LX_STAR ? EX_MUL : k == LX_SLASH ? EX_DIV : -1;
    default:
        return -1;
    }
}

static int32_t parse_binary(parser *p, int level)
{
    if (level == 6)
        return parse_unary(p);
    int32_t lhs = parse_binary(p, level + 1);
    int chained = 0;
    int op;
    while (lhs >= 0 && (op = binary_op(p->cur.kind, level)) >= 0) {
        lx_token t = p->cur;
        /* a < b < c means (a < b) < c in C, which is never what a model means. */
        if ((level == 2 || level == 3) && chained) {
            FAIL_TOK(p, BO_ERR_PARSE, &t,
                     "comparisons cannot be chained; combine them with '&&' or '||'");
            return -1;
        }
        chained = 1;
        if (pr_advance(p) < 0)
            return -1;
        int32_t rhs = parse_binary(p, level + 1);
        if (rhs < 0)
            return -1;
        lhs = add_node(p, AN_BINARY, op, lhs, rhs, -1, &t);
    }
    return lhs;
}

/* or ['?' expr ':' expr], right-associative, the loosest operator. */
static int32_t parse_expr(parser *p)
{
    char buf[NAME_SHOWN + 8];
    if (enter(p) < 0)
        return -1;
    int32_t r = parse_binary(p, 0);
    if (r >= 0 && p->cur.kind == LX_QUESTION) {
        lx_token q = p->cur;
        int32_t a = -1, b = -1;
        if (pr_advance(p) < 0 || (a = parse_expr(p)) < 0) {
            r = -1;
        } else if (p->cur.kind != LX_COLON) {
            FAIL_TOK(p, BO_ERR_PARSE, &p->cur, "expected ':' of the '?' at column %d but found %s",
                     q.col, found(p, &p->cur, buf));
            r = -1;
        } else if (pr_advance(p) < 0 || (b = parse_expr(p)) < 0) {
            r = -1;
        } else {
            r = add_node(p, AN_SELECT, 0, r, a, b, &q);
        }
    }
    --p->depth;
    return r;
}

/* ---- statements ----------------------------------------------------------------------- */

static int parse_unit(parser *p, int32_t sym)
{
    char buf[NAME_SHOWN + 4];
    lx_token t;
    lx_token open = p->cur;
    lx_unit(&p->lx, &t);
    if (t.kind == LX_ERROR)
        return FAIL_TOK(p, BO_ERR_PARSE, &t, "%s", p->lx.msg);
    pr_sym *y = &p->syms[sym];
    if (y->has_unit)
        return FAIL_TOK(p, BO_ERR_PARSE, &open, "the unit of '%s' is given twice",
                        pr_shown(p, y->pos, y->len, buf));
    y->has_unit = 1;
    y->unit_pos = t.pos;
    y->unit_len = t.len;
    return pr_advance(p);
}

static int end_of_statement(parser *p, int list)
{
    char buf[NAME_SHOWN + 8];
    if (p->cur.kind == LX_NEWLINE || p->cur.kind == LX_EOF)
        return 0;
    if (p->cur.kind == LX_RPAREN)
        return FAIL_TOK(p, BO_ERR_PARSE, &p->cur, "unmatched ')'");
    return FAIL_TOK(p, BO_ERR_PARSE, &p->cur, "expected an operator%s or end of line but found %s",
                    list ? ", ','" : "", found(p, &p->cur, buf));
}

/* One declaration item; the name is already consumed (cur is what follows it). */
static int parse_item(parser *p, bo_symbol_kind kind, const lx_token *name)
{
    char buf[NAME_SHOWN + 8];
    int32_t s = pr_declare(p, kind, name);
    if (s < 0)
        return -1;
    if (p->cur.kind == LX_LBRACKET && parse_unit(p, s) < 0)
        return -1;
    if (kind == BO_DRIVER)
        return 0;
    if (p->cur.kind != LX_ASSIGN)
        return FAIL_TOK(p, BO_ERR_PARSE, &p->cur, "expected '=' after '%s'",
                        pr_shown(p, name->pos, name->len, buf));
    if (pr_advance(p) < 0)
        return -1;
    int32_t first = (int32_t)p->nnodes;
    int32_t root = parse_expr(p);
    if (root < 0)
        return -1;
    p->syms[s].first = first;
    p->syms[s].root = root;
    if (p->cur.kind == LX_LBRACKET && parse_unit(p, s) < 0)
        return -1;
    return 0;
}

static int parse_items(parser *p, bo_symbol_kind kind, const lx_token *first_name)
{
    char buf[NAME_SHOWN + 8];
    const lx_token *name = first_name;
    lx_token t;
    for (;;) {
        if (!name) {
            if (p->cur.kind != LX_IDENT)
                return FAIL_TOK(p, BO_ERR_PARSE, &p->cur, "expected a name but found %s",
                                found(p, &p->cur, buf));
            t = p->cur;
            name = &t;
            if (pr_advance(p) < 0)
                return -1;
        }
        if (parse_item(p, kind, name) < 0)
            return -1;
        if (p->cur.kind != LX_COMMA)
            return end_of_statement(p, 1);
        if (pr_advance(p) < 0)
            return -1;
        name = NULL;
    }
}

/* lhs '=' expr for a derivative; cur is the '='. */
static int parse_equation(parser *p, const lx_token *lhs, size_t name_pos, size_t name_len)
{
    if (pr_advance(p) < 0)
        return -1;
    int32_t first = (int32_t)p->nnodes;
    int32_t root = parse_expr(p);
    if (root < 0)
        return -1;
    if (!grow((void **)&p->eqs, &p->cap_eqs, p->neqs + 1, sizeof *p->eqs))
        return pr_nomem(p);
    pr_eq *e = &p->eqs[p->neqs];
    e->name_pos = name_pos;
    e->name_len = name_len;
    e->pos = lhs->pos;
    e->line = lhs->line;
    e->col = lhs->col;
    e->first = first;
    e->root = root;
    e->sym = SYM_NONE;
    if (push_item(p, PR_ITEM_EQ, p->neqs++) < 0)
        return -1;
    return end_of_statement(p, 0);
}

/* Peek at the token after the current one without consuming anything. */
static lx_kind peek(parser *p)
{
    lx_lexer save = p->lx;
    lx_token t;
    lx_next(&p->lx, &t);
    p->lx = save;
    return t.kind;
}

/* Is the current token the word `word`? */
static int at_word(const parser *p, const char *word)
{
    return p->cur.kind == LX_IDENT && pr_slice_is(p, p->cur.pos, p->cur.len, word);
}

/* One assignment of an event's `then` list: NAME '=' expr; cur is the NAME. */
static int parse_assignment(parser *p)
{
    char buf[NAME_SHOWN + 8];
    if (p->cur.kind != LX_IDENT)
        return FAIL_TOK(p, BO_ERR_PARSE, &p->cur, "expected a state to assign but found %s",
                        found(p, &p->cur, buf));
    lx_token lhs = p->cur;
    if (pr_advance(p) < 0)
        return -1;
    if (p->cur.kind != LX_ASSIGN)
        return FAIL_TOK(p, BO_ERR_PARSE, &p->cur, "expected '=' after '%s'",
                        pr_shown(p, lhs.pos, lhs.len, buf));
    if (pr_advance(p) < 0)
        return -1;
    p->depth = 0;
    int32_t first = (int32_t)p->nnodes;
    int32_t root = parse_expr(p);
    if (root < 0)
        return -1;
    if (!grow((void **)&p->asg, &p->cap_asg, p->nasg + 1, sizeof *p->asg))
        return pr_nomem(p);
    pr_eq *a = &p->asg[p->nasg++];
    a->name_pos = a->pos = lhs.pos;
    a->name_len = lhs.len;
    a->line = lhs.line;
    a->col = lhs.col;
    a->first = first;
    a->root = root;
    a->sym = SYM_NONE;
    return 0;
}

/* event NAME when EXPR [rising | falling] [then NAME = EXPR {, NAME = EXPR}] [stop]; cur is the
 * token after `event`. The words after the expression need not be reserved: a complete
 * expression is never followed by a name. */
static int parse_event(parser *p)
{
    char buf[NAME_SHOWN + 8];
    if (p->cur.kind != LX_IDENT)
        return FAIL_TOK(p, BO_ERR_PARSE, &p->cur,
                        "expected the event's name after 'event' but found %s",
                        found(p, &p->cur, buf));
    lx_token name = p->cur;
    for (size_t i = 0; i < p->nevents; ++i) {
        const pr_event *o = &p->events[i];
        if (o->len == name.len && memcmp(p->text + o->pos, p->text + name.pos, name.len) == 0)
            return FAIL_TOK(p, BO_ERR_MODEL, &name,
                            "duplicate event name '%s' (already declared at line %d)",
                            pr_shown(p, name.pos, name.len, buf), o->line);
    }
    if (pr_advance(p) < 0)
        return -1;
    if (!at_word(p, "when"))
        return FAIL_TOK(p, BO_ERR_PARSE, &p->cur,
                        "expected 'when' and the event function after the event's name but "
                        "found %s",
                        found(p, &p->cur, buf));
    if (pr_advance(p) < 0)
        return -1;
    if (p->nevents >= (size_t)INT32_MAX / 2 ||
        !grow((void **)&p->events, &p->cap_events, p->nevents + 1, sizeof *p->events))
        return pr_nomem(p);
    pr_event ev;
    memset(&ev, 0, sizeof ev);
    ev.pos = name.pos;
    ev.len = name.len;
    ev.line = name.line;
    ev.col = name.col;
    ev.first = (int32_t)p->nnodes;
    ev.root = parse_expr(p);
    if (ev.root < 0)
        return -1;
    if (at_word(p, "rising") || at_word(p, "falling")) {
        ev.direction = at_word(p, "rising") ? 1 : -1;
        if (pr_advance(p) < 0)
            return -1;
    }
    ev.asg_first = p->nasg;
    if (at_word(p, "then")) {
        if (pr_advance(p) < 0)
            return -1;
        /* `then stop` reads as `stop` (unless it assigns a state named stop). */
        if (!(at_word(p, "stop") && peek(p) != LX_ASSIGN)) {
            for (;;) {
                if (parse_assignment(p) < 0)
                    return -1;
                if (p->cur.kind != LX_COMMA)
                    break;
                if (pr_advance(p) < 0)
                    return -1;
            }
        }
    }
    ev.n_asg = p->nasg - ev.asg_first;
    if (at_word(p, "stop")) {
        ev.stop = 1;
        if (pr_advance(p) < 0)
            return -1;
    }
    if (p->cur.kind != LX_NEWLINE && p->cur.kind != LX_EOF) {
        if (p->cur.kind == LX_RPAREN)
            return FAIL_TOK(p, BO_ERR_PARSE, &p->cur, "unmatched ')'");
        return FAIL_TOK(p, BO_ERR_PARSE, &p->cur,
                        "expected an operator, %sor end of line but found %s",
                        ev.stop        ? ""
                        : ev.n_asg     ? "',', 'stop' "
                        : ev.direction ? "'then', 'stop' "
                                       : "'rising', 'falling', 'then', 'stop' ",
                        found(p, &p->cur, buf));
    }
    p->events[p->nevents] = ev;
    return push_item(p, PR_ITEM_EVENT, p->nevents++);
}

int pr_parse_statement(parser *p)
{
    char buf[NAME_SHOWN + 8], fbuf[NAME_SHOWN + 8];
    lx_token first = p->cur;
    if (first.kind != LX_IDENT)
        return FAIL_TOK(p, BO_ERR_PARSE, &first,
                        "expected a declaration or an equation but found %s",
                        found(p, &first, buf));
    if (is_keyword(p, first.pos, first.len)) {
        lx_kind next = peek(p);
        if (next == LX_ASSIGN || next == LX_PRIME)
            return FAIL_TOK(p, BO_ERR_MODEL, &first, "'%s' is reserved",
                            pr_shown(p, first.pos, first.len, buf));
        if (pr_advance(p) < 0)
            return -1;
        if (pr_slice_is(p, first.pos, first.len, "event"))
            return parse_event(p);
        if (pr_slice_is(p, first.pos, first.len, "model")) {
            if (p->cur.kind != LX_IDENT)
                return FAIL_TOK(p, BO_ERR_PARSE, &p->cur,
                                "expected the model's name after 'model' but found %s",
                                found(p, &p->cur, buf));
            if (p->have_name)
                return FAIL_TOK(p, BO_ERR_MODEL, &p->cur,
                                "the model's name is given twice (first at line %d)",
                                p->name_tok.line);
            p->have_name = 1;
            p->name_tok = p->cur;
            if (pr_advance(p) < 0)
                return -1;
            return end_of_statement(p, 0);
        }
        bo_symbol_kind kind = pr_slice_is(p, first.pos, first.len, "state")    ? BO_STATE
                              : pr_slice_is(p, first.pos, first.len, "param")  ? BO_PARAMETER
                              : pr_slice_is(p, first.pos, first.len, "const")  ? BO_CONSTANT
                              : pr_slice_is(p, first.pos, first.len, "driver") ? BO_DRIVER
                              : pr_slice_is(p, first.pos, first.len, "obs")    ? BO_OBSERVABLE
                                                                               : BO_AUXILIARY;
        return parse_items(p, kind, NULL);
    }
    if (pr_advance(p) < 0)
        return -1;
    if (p->cur.kind == LX_PRIME) {
        if (pr_advance(p) < 0)
            return -1;
        if (p->cur.kind != LX_ASSIGN)
            return FAIL_TOK(p, BO_ERR_PARSE, &p->cur, "expected '=' after '%s''",
                            pr_shown(p, first.pos, first.len, buf));
        return parse_equation(p, &first, first.pos, first.len);
    }
    if (p->cur.kind == LX_SLASH && first.len > 1 && p->text[first.pos] == 'd') {
        if (pr_advance(p) < 0)
            return -1;
        if (p->cur.kind != LX_IDENT || !pr_slice_is(p, p->cur.pos, p->cur.len, "dt"))
            return FAIL_TOK(p, BO_ERR_PARSE, &p->cur, "expected 'dt' after '%s/' but found %s",
                            pr_shown(p, first.pos, first.len, buf), found(p, &p->cur, fbuf));
        if (pr_advance(p) < 0)
            return -1;
        if (p->cur.kind != LX_ASSIGN)
            return FAIL_TOK(p, BO_ERR_PARSE, &p->cur, "expected '=' after '%s/dt'",
                            pr_shown(p, first.pos, first.len, buf));
        return parse_equation(p, &first, first.pos + 1, first.len - 1);
    }
    if (p->cur.kind == LX_ASSIGN || p->cur.kind == LX_LBRACKET)
        return parse_items(p, BO_AUXILIARY, &first);
    return FAIL_TOK(p, BO_ERR_PARSE, &p->cur, "expected '=' after '%s'",
                    pr_shown(p, first.pos, first.len, buf));
}
