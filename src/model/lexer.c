/* Tokenizer of the model language (see lexer.h). Positions are byte offsets plus 1-based
 * line and byte column, which the parser turns into "file:line:col" messages. Numbers are
 * converted with strtod on a copy whose decimal point is adapted to the C locale in force,
 * so a host program that called setlocale still reads "1.5" as 1.5. */
#include "lexer.h"

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longer numbers are rejected rather than copied to the heap: no real model needs them. */
#define MAX_NUMBER_LEN 400
/* Parentheses inside a unit ("[kg/(m*s^2)]") nest at most this deep. */
#define MAX_UNIT_DEPTH 16

void lx_init(lx_lexer *lx, const char *text, size_t len)
{
    lx->text = text;
    lx->len = len;
    lx->pos = 0;
    lx->line = 1;
    lx->line_start = 0;
    lx->msg[0] = '\0';
    /* A UTF-8 byte order mark is not part of the model. */
    if (len >= 3 && (unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB &&
        (unsigned char)text[2] == 0xBF) {
        lx->pos = 3;
        lx->line_start = 3;
    }
}

const char *lx_kind_text(lx_kind kind)
{
    switch (kind) {
    case LX_EOF:
        return "end of input";
    case LX_NEWLINE:
        return "end of line";
    case LX_IDENT:
        return "a name";
    case LX_NUMBER:
        return "a number";
    case LX_PLUS:
        return "'+'";
    case LX_MINUS:
        return "'-'";
    case LX_STAR:
        return "'*'";
    case LX_SLASH:
        return "'/'";
    case LX_CARET:
        return "'^'";
    case LX_LPAREN:
        return "'('";
    case LX_RPAREN:
        return "')'";
    case LX_LBRACKET:
        return "'['";
    case LX_RBRACKET:
        return "']'";
    case LX_COMMA:
        return "','";
    case LX_ASSIGN:
        return "'='";
    case LX_EQ:
        return "'=='";
    case LX_NE:
        return "'!='";
    case LX_LT:
        return "'<'";
    case LX_LE:
        return "'<='";
    case LX_GT:
        return "'>'";
    case LX_GE:
        return "'>='";
    case LX_AND:
        return "'&&'";
    case LX_OR:
        return "'||'";
    case LX_NOT:
        return "'!'";
    case LX_QUESTION:
        return "'?'";
    case LX_COLON:
        return "':'";
    case LX_PRIME:
        return "'''";
    case LX_UNIT:
        return "a unit";
    case LX_ERROR:
        break;
    }
    return "an invalid token";
}

static int is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int is_blank(int c)
{
    return c == ' ' || c == '\t' || c == '\f' || c == '\v';
}

/* Byte at i, or 0 past the end (the text may hold NUL bytes itself; callers check pos). */
static int at(const lx_lexer *lx, size_t i)
{
    return i < lx->len ? (unsigned char)lx->text[i] : 0;
}

static void set_pos(const lx_lexer *lx, lx_token *tok, size_t pos, size_t len)
{
    tok->pos = pos;
    tok->len = len;
    tok->line = lx->line;
    tok->col = (int)(pos - lx->line_start + 1);
}

/* Write a byte for a message: 'c' when printable ASCII, else its hex code. */
static void describe_char(char *buf, size_t size, int c)
{
    if (c > 0x20 && c < 0x7f && c != '\'')
        snprintf(buf, size, "'%c'", c);
    else if (c == '\'')
        snprintf(buf, size, "\"'\"");
    else if (c == ' ')
        snprintf(buf, size, "' '");
    else
        snprintf(buf, size, "byte 0x%02X", (unsigned)c);
}

static void error_at(lx_lexer *lx, lx_token *tok, size_t pos, size_t len, const char *fmt,
                     const char *arg)
{
    tok->kind = LX_ERROR;
    set_pos(lx, tok, pos, len);
    snprintf(lx->msg, sizeof lx->msg, fmt, arg);
}

/* Copy of a token's text for a message, shortened with "..." when long. */
static void snippet(const lx_lexer *lx, size_t pos, size_t len, char *buf, size_t size)
{
    size_t n = len < size - 4 ? len : size - 4;
    memcpy(buf, lx->text + pos, n);
    buf[n] = '\0';
    if (n < len)
        strcat(buf, "...");
}

static void lex_number(lx_lexer *lx, lx_token *tok)
{
    size_t start = lx->pos, i = lx->pos;
    int ok = 1;
    while (is_digit(at(lx, i)))
        ++i;
    if (at(lx, i) == '.') {
        ++i;
        while (is_digit(at(lx, i)))
            ++i;
    }
    if (at(lx, i) == 'e' || at(lx, i) == 'E') {
        ++i;
        if (at(lx, i) == '+' || at(lx, i) == '-')
            ++i;
        if (!is_digit(at(lx, i)))
            ok = 0;
        while (is_digit(at(lx, i)))
            ++i;
    }
    /* "1.2.3", "12abc", "0x1F": take the whole run so the message shows what was written. */
    if (is_alpha(at(lx, i)) || is_digit(at(lx, i)) || at(lx, i) == '.') {
        ok = 0;
        while (i < lx->len && (is_alpha(at(lx, i)) || is_digit(at(lx, i)) || at(lx, i) == '.'))
            ++i;
    }
    char text[64];
    snippet(lx, start, i - start, text, sizeof text);
    lx->pos = i;
    if (!ok) {
        error_at(lx, tok, start, i - start, "bad number '%s'", text);
        return;
    }
    if (i - start > MAX_NUMBER_LEN) {
        error_at(lx, tok, start, i - start, "bad number '%s': too many digits", text);
        return;
    }
    char buf[MAX_NUMBER_LEN + 1];
    memcpy(buf, lx->text + start, i - start);
    buf[i - start] = '\0';
    const char *dp = localeconv()->decimal_point;
    char *dot = strchr(buf, '.');
    if (dot && dp && dp[0] && dp[0] != '.' && dp[1] == '\0')
        *dot = dp[0];
    double v = strtod(buf, NULL);
    if (isinf(v)) {
        error_at(lx, tok, start, i - start, "number '%s' is too large", text);
        return;
    }
    tok->kind = LX_NUMBER;
    tok->number = v;
    set_pos(lx, tok, start, i - start);
}

/* Skip blanks, comments, a carriage return before a newline and backslash-newline
 * continuations. Returns 0, or -1 after setting an error token (a stray backslash). */
static int skip_space(lx_lexer *lx, lx_token *tok)
{
    for (;;) {
        int c = at(lx, lx->pos);
        if (lx->pos >= lx->len)
            return 0;
        if (is_blank(c) || (c == '\r' && at(lx, lx->pos + 1) != '\n')) {
            /* A lone carriage return is blank space too. */
            ++lx->pos;
        } else if (c == '#') {
            while (lx->pos < lx->len && at(lx, lx->pos) != '\n')
                ++lx->pos;
        } else if (c == '\\') {
            size_t i = lx->pos + 1;
            while (is_blank(at(lx, i)) || at(lx, i) == '\r')
                ++i;
            if (i >= lx->len || at(lx, i) != '\n') {
                error_at(lx, tok, lx->pos, 1, "%s",
                         "stray '\\': a continuation '\\' must be the last thing on its line");
                return -1;
            }
            lx->pos = i + 1;
            ++lx->line;
            lx->line_start = lx->pos;
        } else {
            return 0;
        }
    }
}

void lx_next(lx_lexer *lx, lx_token *tok)
{
    tok->number = 0.0;
    if (skip_space(lx, tok) < 0)
        return;
    if (lx->pos >= lx->len) {
        tok->kind = LX_EOF;
        set_pos(lx, tok, lx->len, 0);
        return;
    }
    size_t start = lx->pos;
    int c = at(lx, start), c2 = at(lx, start + 1);
    if (c == '\r' || c == '\n') {
        /* The newline token sits on the CR of a CRLF, so a caret at "end of line" lands
         * right after the visible text. */
        tok->kind = LX_NEWLINE;
        set_pos(lx, tok, start, 1);
        lx->pos = start + (c == '\r' ? 2 : 1);
        ++lx->line;
        lx->line_start = lx->pos;
        return;
    }
    if (is_alpha(c)) {
        size_t i = start + 1;
        while (i < lx->len && (is_alpha(at(lx, i)) || is_digit(at(lx, i))))
            ++i;
        tok->kind = LX_IDENT;
        set_pos(lx, tok, start, i - start);
        lx->pos = i;
        return;
    }
    if (is_digit(c) || (c == '.' && is_digit(c2))) {
        lex_number(lx, tok);
        return;
    }
    lx_kind k = LX_ERROR;
    size_t n = 1;
    switch (c) {
    case '+':
        k = LX_PLUS;
        break;
    case '-':
        k = LX_MINUS;
        break;
    case '*':
        k = LX_STAR;
        break;
    case '/':
        k = LX_SLASH;
        break;
    case '^':
        k = LX_CARET;
        break;
    case '(':
        k = LX_LPAREN;
        break;
    case ')':
        k = LX_RPAREN;
        break;
    case '[':
        k = LX_LBRACKET;
        break;
    case ']':
        k = LX_RBRACKET;
        break;
    case ',':
        k = LX_COMMA;
        break;
    case '?':
        k = LX_QUESTION;
        break;
    case ':':
        k = LX_COLON;
        break;
    case '\'':
        k = LX_PRIME;
        break;
    case '=':
        k = c2 == '=' ? LX_EQ : LX_ASSIGN;
        n = c2 == '=' ? 2 : 1;
        break;
    case '!':
        k = c2 == '=' ? LX_NE : LX_NOT;
        n = c2 == '=' ? 2 : 1;
        break;
    case '<':
        k = c2 == '=' ? LX_LE : LX_LT;
        n = c2 == '=' ? 2 : 1;
        break;
    case '>':
        k = c2 == '=' ? LX_GE : LX_GT;
        n = c2 == '=' ? 2 : 1;
        break;
    case '&':
        if (c2 == '&') {
            k = LX_AND;
            n = 2;
        }
        break;
    case '|':
        if (c2 == '|') {
            k = LX_OR;
            n = 2;
        }
        break;
    default:
        break;
    }
    if (k == LX_ERROR) {
        char what[32];
        describe_char(what, sizeof what, c);
        if (c == '&' || c == '|')
            error_at(lx, tok, start, 1, "unexpected %s (did you mean '&&' or '||'?)", what);
        else
            error_at(lx, tok, start, 1, "unexpected character %s", what);
        lx->pos = start + 1;
        return;
    }
    tok->kind = k;
    set_pos(lx, tok, start, n);
    lx->pos = start + n;
}

/* ---- units ---------------------------------------------------------------------------- */

typedef struct {
    lx_lexer *lx;
    lx_token *tok;
    size_t i, end; /* cursor and end of the unit text */
} unit_cursor;

static int unit_name_char(int c, int first)
{
    return is_alpha(c) || c == '%' || c >= 0x80 || (!first && is_digit(c));
}

static void unit_skip(unit_cursor *u)
{
    while (u->i < u->end && is_blank(at(u->lx, u->i)))
        ++u->i;
}

static int unit_fail(unit_cursor *u, const char *expected)
{
    char what[32];
    if (u->i >= u->end)
        snprintf(what, sizeof what, "']'");
    else
        describe_char(what, sizeof what, at(u->lx, u->i));
    char msg[120];
    snprintf(msg, sizeof msg, "bad unit: expected %s but found %s", expected, what);
    error_at(u->lx, u->tok, u->i, 1, "%s", msg);
    return -1;
}

static int unit_product(unit_cursor *u, int depth);

/* atom [^ [+-] digits] */
static int unit_power(unit_cursor *u, int depth)
{
    int c = at(u->lx, u->i);
    if (u->i < u->end && unit_name_char(c, 1)) {
        while (u->i < u->end && unit_name_char(at(u->lx, u->i), 0))
            ++u->i;
    } else if (u->i < u->end && is_digit(c)) {
        while (u->i < u->end && is_digit(at(u->lx, u->i)))
            ++u->i;
    } else if (u->i < u->end && c == '(') {
        size_t open = u->i;
        if (depth >= MAX_UNIT_DEPTH)
            return unit_fail(u, "fewer nested parentheses");
        ++u->i;
        unit_skip(u);
        if (unit_product(u, depth + 1) < 0)
            return -1;
        unit_skip(u);
        if (u->i >= u->end || at(u->lx, u->i) != ')') {
            if (u->i >= u->end) {
                error_at(u->lx, u->tok, open, 1, "bad unit: missing ')' for this '%s'", "(");
                return -1;
            }
            return unit_fail(u, "')'");
        }
        ++u->i;
    } else {
        return unit_fail(u, "a unit name, a number or '('");
    }
    if (u->i < u->end && at(u->lx, u->i) == '^') {
        ++u->i;
        if (u->i < u->end && (at(u->lx, u->i) == '-' || at(u->lx, u->i) == '+'))
            ++u->i;
        if (u->i >= u->end || !is_digit(at(u->lx, u->i)))
            return unit_fail(u, "an integer exponent");
        while (u->i < u->end && is_digit(at(u->lx, u->i)))
            ++u->i;
    }
    return 0;
}

/* power ((* | / | blank) power)* */
static int unit_product(unit_cursor *u, int depth)
{
    if (unit_power(u, depth) < 0)
        return -1;
    for (;;) {
        size_t before = u->i;
        unit_skip(u);
        if (u->i >= u->end)
            return 0;
        int c = at(u->lx, u->i);
        if (c == '*' || c == '/') {
            ++u->i;
            unit_skip(u);
        } else if (c == ')') {
            return 0;
        } else if (u->i == before) {
            return unit_fail(u, "'*', '/' or ']'");
        }
        if (unit_power(u, depth) < 0)
            return -1;
    }
}

void lx_unit(lx_lexer *lx, lx_token *tok)
{
    size_t open = lx->pos - 1; /* the '[' */
    size_t close = lx->pos;
    while (close < lx->len && at(lx, close) != ']' && at(lx, close) != '\n')
        ++close;
    if (close >= lx->len || at(lx, close) != ']') {
        error_at(lx, tok, open, 1, "bad unit: missing ']' for this '%s'", "[");
        return;
    }
    size_t s = lx->pos, e = close;
    while (s < e && (is_blank(at(lx, s)) || at(lx, s) == '\r'))
        ++s;
    while (e > s && (is_blank(at(lx, e - 1)) || at(lx, e - 1) == '\r'))
        --e;
    if (s == e) {
        error_at(lx, tok, open, 1, "bad unit: empty unit%s", "");
        return;
    }
    unit_cursor u;
    u.lx = lx;
    u.tok = tok;
    u.i = s;
    u.end = e;
    if (unit_product(&u, 0) < 0)
        return;
    if (u.i < e) {
        /* Only an unmatched ')' stops the top-level product early. */
        unit_fail(&u, "'*', '/' or ']'");
        return;
    }
    tok->kind = LX_UNIT;
    tok->number = 0.0;
    set_pos(lx, tok, s, e - s);
    lx->pos = close + 1;
}
