/* The tokenizer of the model language (docs/model-language.md). It turns the model text into
 * tokens with 1-based line and byte-column positions, never allocates, and reports the first
 * lexical problem (stray character, malformed number, malformed unit) as an LX_ERROR token
 * whose message sits in the lexer. Units between '[' and ']' have their own small grammar,
 * scanned on request by lx_unit once the parser has seen the '['. */
#ifndef BO_MODEL_LEXER_H
#define BO_MODEL_LEXER_H

#include <stddef.h>

typedef enum {
    LX_EOF,
    LX_NEWLINE,
    LX_IDENT,
    LX_NUMBER,
    LX_PLUS,
    LX_MINUS,
    LX_STAR,
    LX_SLASH,
    LX_CARET,
    LX_LPAREN,
    LX_RPAREN,
    LX_LBRACKET,
    LX_RBRACKET,
    LX_COMMA,
    LX_ASSIGN, /* = */
    LX_EQ,     /* == */
    LX_NE,     /* != */
    LX_LT,
    LX_LE,
    LX_GT,
    LX_GE,
    LX_AND, /* && */
    LX_OR,  /* || */
    LX_NOT, /* ! */
    LX_QUESTION,
    LX_COLON,
    LX_PRIME, /* ' as in x' = ... */
    LX_UNIT,  /* text of a unit, from lx_unit */
    LX_ERROR
} lx_kind;

typedef struct {
    lx_kind kind;
    size_t pos, len; /* byte offset and length in the text */
    int line, col;   /* 1-based; col counts bytes */
    double number;   /* LX_NUMBER */
} lx_token;

typedef struct {
    const char *text;
    size_t len, pos;
    int line;
    size_t line_start;
    char msg[200]; /* LX_ERROR: the message (the token gives the position) */
} lx_lexer;

void lx_init(lx_lexer *lx, const char *text, size_t len);
/* Scan the next token. Newlines are tokens; comments, blanks, a carriage return before a
 * newline and backslash-newline continuations are skipped. */
void lx_next(lx_lexer *lx, lx_token *tok);
/* Call right after an LX_LBRACKET token: scan a unit and its closing ']'. Gives LX_UNIT
 * (pos/len: the unit text without surrounding blanks) or LX_ERROR. */
void lx_unit(lx_lexer *lx, lx_token *tok);
/* How a token kind reads in messages ("end of line", "'*'"). */
const char *lx_kind_text(lx_kind kind);

#endif
