/* A small CSV reader for run tables (bo_batch_load_csv) and sampled driver tables. It keeps
 * the line and column of every field so that callers can report errors as file:line:col.
 * The dialect (docs/batches.md, docs/drivers.md), close to RFC 4180:
 * - fields are separated by commas; spaces and tabs around a field are dropped;
 * - a field is quoted when its first non-blank character is '"': it runs to the next single
 *   '"', and "" inside it is one quote; after the closing quote only blanks may come before
 *   the comma or the line end. Quoted fields do not span lines (unterminated quote);
 * - a '"' anywhere else (inside an unquoted field: k"a) is an error, since it means either a
 *   field that should have been quoted or a file that is not CSV;
 * - lines end in LF or CRLF; a UTF-8 byte order mark at the start is skipped; blank lines and
 *   lines whose first non-blank character is '#' are skipped;
 * - a NUL byte anywhere is an error (file:line:col), never the end of a field.
 * Numbers in fields are read with num_parse (src/util/number.h). */
#ifndef BO_CSV_H
#define BO_CSV_H

#include <stddef.h>

#include "internal.h"

typedef struct {
    char **field;   /* field[i]: NUL-terminated text, unquoted, surrounding blanks removed */
    size_t *col;    /* 1-based byte column where field i starts */
    size_t n;       /* number of fields */
    size_t line;    /* 1-based line number in the source */
    size_t end_col; /* column just past the row's last character */
    char *text;     /* storage for the fields */
} csv_row;

typedef struct {
    char *source; /* file name (or the name given) used in messages */
    csv_row *row;
    size_t n_rows;
} csv_table;

/* Read and split a whole file. Errors: BO_ERR_IO (cannot read), BO_ERR_PARSE ("file:line:col:
 * unterminated quote" and similar). */
int csv_read_file(bo_context *ctx, const char *path, csv_table **out);
/* The same from memory; source names the text in messages. */
int csv_read_string(bo_context *ctx, const char *text, size_t len, const char *source,
                    csv_table **out);
void csv_destroy(csv_table *t);

#endif
