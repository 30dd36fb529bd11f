/* The CSV reader behind run files and driver files: its quoting rules field by field, the
 * inputs that overflowed the old reader (a quote inside an unquoted field hid later commas
 * from the field count, so the split wrote past its arrays), NUL bytes, and random inputs
 * checked against an independent reference tokenizer written here as a character state
 * machine (run under ASan in the sanitizer build, where any write past the field arrays is
 * caught). Random text also goes through bo_batch_load_csv and the driver loader, which must
 * answer with a status, never a crash. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "util/csv.h"
#include "util/internal.h"

static bo_context *ctx;

/* ---- the reference tokenizer ------------------------------------------------------------ */

/* Sized from the text: a line of len bytes has at most len + 1 fields. */
typedef struct {
    size_t n;
    char **field;
    size_t *col;
    size_t line;
} ref_row;

typedef struct {
    int ok; /* 1: rows below; 0: an error at (err_line, err_col) */
    size_t err_line, err_col;
    const char *err_kind; /* a word of the expected message */
    ref_row *row;
    size_t n_rows;
} ref_result;

static void ref_free(ref_result *r)
{
    /* Row n_rows is the one an error stopped in (or an empty one). */
    for (size_t i = 0; i <= r->n_rows; ++i) {
        for (size_t f = 0; f < r->row[i].n; ++f)
            free(r->row[i].field[f]);
        free(r->row[i].field);
        free(r->row[i].col);
    }
    free(r->row);
}

static int ref_fail(ref_result *r, size_t line, size_t col, const char *kind)
{
    r->ok = 0;
    r->err_line = line;
    r->err_col = col;
    r->err_kind = kind;
    return 0;
}

static void ref_emit(ref_row *row, const char *buf, size_t len, size_t col)
{
    while (len && (buf[len - 1] == ' ' || buf[len - 1] == '\t'))
        --len;
    row->field[row->n] = strndup(buf, len);
    row->col[row->n++] = col;
}

/* One line, character by character: START (blanks before a field), UNQ (inside an unquoted
 * field), QUOTED, AFTER (after a closing quote). */
static int ref_line(ref_result *r, size_t line, const char *s, size_t len)
{
    enum { START, UNQ, QUOTED, AFTER } st = START;
    ref_row *row = &r->row[r->n_rows];
    row->n = 0;
    row->line = line;
    row->field = calloc(len + 1, sizeof *row->field);
    row->col = calloc(len + 1, sizeof *row->col);
    char *buf = malloc(len + 1);
    size_t blen = 0, col = 0, open = 0;
    for (size_t i = 0; i < len; ++i) {
        char c = s[i];
        int blank = c == ' ' || c == '\t';
        switch (st) {
        case START:
            if (blank)
                break;
            col = i + 1;
            blen = 0;
            if (c == '"') {
                open = i + 1;
                st = QUOTED;
            } else if (c == ',') {
                ref_emit(row, buf, 0, col);
            } else {
                buf[blen++] = c;
                st = UNQ;
            }
            break;
        case UNQ:
            if (c == '"') {
                free(buf);
                return ref_fail(r, line, i + 1, "quote inside an unquoted field");
            }
            if (c == ',') {
                ref_emit(row, buf, blen, col);
                st = START;
            } else {
                buf[blen++] = c;
            }
            break;
        case QUOTED:
            if (c == '"' && i + 1 < len && s[i + 1] == '"') {
                buf[blen++] = '"';
                ++i;
            } else if (c == '"') {
                st = AFTER;
            } else {
                buf[blen++] = c;
            }
            break;
        case AFTER:
            if (c == ',') {
                /* Blanks after a closing quote are not part of the field. */
                row->field[row->n] = strndup(buf, blen);
                row->col[row->n++] = col;
                st = START;
            } else if (!blank) {
                free(buf);
                return ref_fail(r, line, i + 1, "unexpected character after closing quote");
            }
            break;
        }
    }
    switch (st) {
    case START:
        ref_emit(row, buf, 0, len + 1);
        break;
    case UNQ:
        ref_emit(row, buf, blen, col);
        break;
    case QUOTED:
        free(buf);
        return ref_fail(r, line, open, "unterminated quote");
    case AFTER:
        row->field[row->n] = strndup(buf, blen);
        row->col[row->n++] = col;
        break;
    }
    free(buf);
    ++r->n_rows;
    return 1;
}

static void ref_read(const char *text, size_t len, ref_result *r)
{
    memset(r, 0, sizeof *r);
    r->ok = 1;
    size_t lines = 1;
    for (size_t i = 0; i < len; ++i)
        lines += text[i] == '\n';
    r->row = calloc(lines + 1, sizeof *r->row);
    size_t pos = 0, line = 0;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    while (pos < len) {
        ++line;
        size_t end = pos;
        while (end < len && text[end] != '\n')
            ++end;
        size_t next = end < len ? end + 1 : len;
        if (end > pos && text[end - 1] == '\r')
            --end;
        for (size_t i = pos; i < end; ++i)
            if (text[i] == '\0') {
                ref_fail(r, line, i - pos + 1, "NUL byte");
                return;
            }
        size_t k = pos;
        while (k < end && (text[k] == ' ' || text[k] == '\t'))
            ++k;
        if (k < end && text[k] != '#' && !ref_line(r, line, text + pos, end - pos))
            return;
        pos = next;
    }
}

/* Does the reader agree with the reference on text? */
static int agrees(const char *text, size_t len)
{
    ref_result want;
    ref_read(text, len, &want);
    csv_table *t = NULL;
    int rc = csv_read_string(ctx, text, len, "in", &t);
    int ok = 1;
    if (!want.ok) {
        char prefix[64];
        snprintf(prefix, sizeof prefix, "in:%zu:%zu: ", want.err_line, want.err_col);
        ok = rc == BO_ERR_PARSE && t == NULL &&
             strncmp(bo_errmsg(ctx), prefix, strlen(prefix)) == 0 &&
             strstr(bo_errmsg(ctx), want.err_kind) != NULL;
    } else {
        ok = rc == BO_OK && t && t->n_rows == want.n_rows;
        for (size_t i = 0; ok && i < want.n_rows; ++i) {
            const csv_row *g = &t->row[i];
            const ref_row *w = &want.row[i];
            ok = g->n == w->n && g->line == w->line;
            for (size_t f = 0; ok && f < w->n; ++f)
                ok = strcmp(g->field[f], w->field[f]) == 0 && g->col[f] == w->col[f];
        }
    }
    if (!ok) {
        printf("disagreement on %zu bytes:", len);
        for (size_t i = 0; i < len && i < 200; ++i)
            printf(" %02x", (unsigned char)text[i]);
        printf("\n  reader: %s\n", rc == BO_OK ? "ok" : bo_errmsg(ctx));
    }
    csv_destroy(t);
    ref_free(&want);
    return ok;
}

/* ---- fixed cases ------------------------------------------------------------------------ */

static csv_table *read_ok(const char *text)
{
    csv_table *t = NULL;
    T_EQ_INT(csv_read_string(ctx, text, strlen(text), "in", &t), BO_OK);
    return t;
}

static void expect_error(const char *text, size_t len, const char *msg)
{
    csv_table *t = (csv_table *)&t;
    T_EQ_INT(csv_read_string(ctx, text, len, "in", &t), BO_ERR_PARSE);
    T_CHECK(t == NULL);
    T_CONTAINS(bo_errmsg(ctx), msg);
}

static void test_quoting(void)
{
    /* Quoted fields keep commas and blanks; "" is one quote; blanks around fields go. */
    csv_table *t = read_ok(" a , \"b,c\" ,\"d\"\"e\", \" f \"\n");
    if (t) {
        T_EQ_INT(t->n_rows, 1);
        T_EQ_INT(t->row[0].n, 4);
        T_EQ_STR(t->row[0].field[0], "a");
        T_EQ_STR(t->row[0].field[1], "b,c");
        T_EQ_STR(t->row[0].field[2], "d\"e");
        T_EQ_STR(t->row[0].field[3], " f ");
        T_EQ_INT(t->row[0].col[0], 2);
        T_EQ_INT(t->row[0].col[1], 6);
        T_EQ_INT(t->row[0].col[2], 13);
    }
    csv_destroy(t);
    /* Empty fields, a trailing comma, CRLF, a BOM, comments and blank lines. */
    t = read_ok("\xEF\xBB\xBF# comment\r\n\r\n  \t\n,x,\r\n\"\",\"\"\"\"\n");
    if (t) {
        T_EQ_INT(t->n_rows, 2);
        T_EQ_INT(t->row[0].line, 4);
        T_EQ_INT(t->row[0].n, 3);
        T_EQ_STR(t->row[0].field[0], "");
        T_EQ_STR(t->row[0].field[2], "");
        T_EQ_INT(t->row[0].col[2], 4);
        T_EQ_STR(t->row[1].field[0], "");
        T_EQ_STR(t->row[1].field[1], "\"");
    }
    csv_destroy(t);
    /* "#" quoted is a field, not a comment. */
    t = read_ok("\"#\",1\n");
    if (t)
        T_EQ_STR(t->row[0].field[0], "#");
    csv_destroy(t);

    expect_error("a,\"b\n", 5, "in:1:3: unterminated quote");
    expect_error("\"a\"b,c\n", 7, "in:1:4: unexpected character after closing quote");
    expect_error("x\n\"a\" \"b\"\n", 10, "in:2:5: unexpected character after closing quote");
    /* A quote inside an unquoted field is an error at the quote: the dialect has no meaning
     * for it (RFC 4180 quotes the whole field), and reading it literally would hide typos. */
    expect_error("k\"a,y\n1,2\n", 10, "in:1:2: quote inside an unquoted field");
    expect_error("ab\"\n", 4, "in:1:3: quote inside an unquoted field");
}

/* The inputs of the reliability review that overflowed the field arrays (11 bytes, a 4 KB and
 * a 40 KB header, and the driver file), now clean errors. */
static void test_overflow_inputs(void)
{
    expect_error("k\"a,y\n1,2\n", 10, "in:1:2: quote inside an unquoted field");
    for (int reps = 2000; reps <= 20000; reps *= 10) {
        size_t len = 3 + 2 * (size_t)reps + 5;
        char *text = malloc(len + 1);
        memcpy(text, "k\"a", 3);
        for (int i = 0; i < reps; ++i)
            memcpy(text + 3 + 2 * i, ",y", 2);
        memcpy(text + 3 + 2 * (size_t)reps, "\n1,2\n", 5);
        expect_error(text, len, "in:1:2: quote inside an unquoted field");
        free(text);
    }
    expect_error("t,F\"x,\n0,1\n1,2\n", 15, "in:1:4: quote inside an unquoted field");
    /* The fuzzer's 29-byte driver input, less its selector bytes. */
    const char fz[] = "time,F\"G,\n01,2\n1,2,3\n2,3,4\n";
    expect_error(fz, sizeof fz - 1, "in:1:7: quote inside an unquoted field");
}

/* NUL bytes are errors at their position, in data, headers and comments alike (they used to
 * end the field: "1<NUL>2" read as 1, a header "k<NUL>,y" as "k,y"). */
static void test_nul(void)
{
    expect_error("k,y\n1\0002,3\n", 10, "in:2:2: NUL byte");
    expect_error("k\000,y\n1,2\n", 9, "in:1:2: NUL byte");
    expect_error("# a\000b\nk\n1\n", 10, "in:1:4: NUL byte");
    expect_error("k\n\"1\0002\"\n", 9, "in:2:3: NUL byte");
}

/* ---- random inputs ---------------------------------------------------------------------- */

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static uint32_t next_u32(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

/* Text made of the bytes that matter to the dialect, plus ordinary ones. */
static size_t random_text(char *buf, size_t cap)
{
    static const char alphabet[] = {',', ',', ',', '"', '"', '"', ' ', '\t', '\n', '\n',  '\r',
                                    '#', 'a', 'k', '1', '2', '.', 'e', '-',  '\0', '\xEF'};
    size_t len = next_u32() % cap;
    for (size_t i = 0; i < len; ++i)
        buf[i] = alphabet[next_u32() % sizeof alphabet];
    /* Rarely: no NUL, so that most inputs get past the NUL check. */
    if (next_u32() % 4)
        for (size_t i = 0; i < len; ++i)
            if (buf[i] == '\0')
                buf[i] = 'x';
    if (len >= 3 && next_u32() % 16 == 0)
        memcpy(buf, "\xEF\xBB\xBF", 3);
    return len;
}

static void test_random(void)
{
    char buf[160];
    int bad = 0;
    for (int i = 0; i < 200000 && bad < 5; ++i) {
        size_t len = random_text(buf, sizeof buf);
        bad += !agrees(buf, len);
    }
    T_CHECK(bad == 0);
    /* Long lines: many fields, and one quote among them. */
    char *big = malloc(20001);
    for (int i = 0; i < 200 && !bad; ++i) {
        size_t len = 1000 + next_u32() % 19000;
        for (size_t k = 0; k < len; ++k)
            big[k] = ",,a1 "[next_u32() % 5];
        if (i % 2)
            big[next_u32() % len] = '"';
        bad += !agrees(big, len);
    }
    free(big);
    T_CHECK(bad == 0);
}

/* Random files through the two loaders: a status, never a crash (ASan checks the rest). */
static void test_loaders(void)
{
    bo_model *m = NULL;
    T_EQ_INT(bo_model_load_string(ctx, "param k = 1\ndriver F\nstate y = 2.385\ndy/dt = -k*y + F\n",
                                  "decay", &m),
             BO_OK);
    bo_settings *st = NULL;
    bo_solver *sv = NULL;
    T_EQ_INT(bo_settings_create(ctx, &st), BO_OK);
    T_EQ_INT(bo_solver_create(ctx, m, st, &sv), BO_OK);
    if (!m || !sv)
        return;
    char path[] = "/tmp/bo_csv_XXXXXX";
    int fd = mkstemp(path);
    T_CHECK(fd >= 0);
    close(fd);
    static const char *heads[] = {"k,y\n", "y\n", "t,F\n", "", "k\"a,y\n", "t,F\"x,\n"};
    char buf[200];
    int bad = 0;
    for (int i = 0; i < 600; ++i) {
        const char *h = heads[next_u32() % 6];
        size_t hl = strlen(h);
        memcpy(buf, h, hl);
        size_t len = hl + random_text(buf + hl, sizeof buf - hl);
        FILE *f = fopen(path, "wb");
        fwrite(buf, 1, len, f);
        fclose(f);
        bo_batch *b = NULL;
        bo_batch_create(ctx, m, &b);
        int rb = bo_batch_load_csv(b, path);
        int rd = bo_solver_load_driver_csv(sv, "F", path, NULL);
        bad += !(rb == BO_OK || rb == BO_ERR_PARSE || rb == BO_ERR_NOT_FOUND ||
                 rb == BO_ERR_INVALID_ARG);
        bad += !(rd == BO_OK || rd == BO_ERR_PARSE || rd == BO_ERR_INVALID_ARG);
        bo_batch_destroy(b);
    }
    T_CHECK(bad == 0);
    unlink(path);
    bo_solver_destroy(sv);
    bo_settings_destroy(st);
    bo_model_destroy(m);
}

int main(void)
{
    bo_context_create(&ctx);
    test_quoting();
    test_overflow_inputs();
    test_nul();
    test_random();
    test_loaders();
    bo_context_destroy(ctx);
    T_DONE();
}
