/* Internal view of the settings object: the key tables every component declares
 * (settings_tables.c) and the typed getters the solver, registry and code generator read them
 * with. The public, text-only interface is bo_settings_* in batchode.h. */
#ifndef BO_SETTINGS_H
#define BO_SETTINGS_H

#include <stddef.h>

#include "util/internal.h"
#include "util/strbuf.h"

typedef enum {
    ST_REAL,      /* one finite real */
    ST_INT,       /* one integer */
    ST_BOOL,      /* true/false (also 1/0, yes/no, on/off on input) */
    ST_CHOICE,    /* one of a fixed list, with aliases */
    ST_REAL_LIST, /* a real, or a comma list with one real per state */
    ST_NAMES,     /* comma list of names (from a fixed list when choices is set) */
    ST_STRING     /* free text without control characters */
} st_type;

/* What changing a key affects. Exactly one of these is set on every key. */
#define ST_CODE 1u /* compiled into the generated source: part of st_code_fingerprint */
#define ST_BUILD                                                                                   \
    2u                /* how the source is compiled or where it runs (compiler, flags, backend,    \
                         device): part of the compile-cache key, not of the source */
#define ST_RUNTIME 4u /* passed per call; never recompiles */
/* Accepts "auto": the solver resolves it from the algorithm and the model. */
#define ST_AUTO 8u
/* ST_NAMES with choices: items may also be summary metrics ("mean", "peaks[3]",
 * src/codegen/summaries.h). */
#define ST_METRICS 16u

/* Range bounds for ST_REAL / ST_INT / ST_REAL_LIST. */
#define ST_LO 1u        /* value >= lo */
#define ST_LO_OPEN 2u   /* value > lo */
#define ST_HI 4u        /* value <= hi */
#define ST_HI_OPEN 8u   /* value < hi */
#define ST_BLOCK 16u    /* special rule: 0, or a multiple of 32 in [32, 1024] */
#define ST_NONEMPTY 32u /* ST_STRING: must not be empty */

typedef struct {
    const char *key;
    const char *component; /* "solver", "controller", "loop", "buffers" */
    const char *also;      /* other components that recognise the key ("controller"), or NULL */
    const char *same_as;   /* another name for this key's value (one stored value), or NULL */
    st_type type;
    const char *def; /* default, in normalised form */
    unsigned bounds;
    double lo, hi;
    const char *const *choices; /* NULL-terminated canonical values (choice and name lists) */
    const char *const *aliases; /* NULL-terminated pairs: alias, canonical */
    unsigned flags;
    const char *doc;
} st_entry;

/* One buffer a component registers; each has a "<name>_location" key. */
typedef struct {
    const char *owner; /* "loop", "algorithm", "controller" */
    const char *name;
} st_buffer_decl;

/* A component's section in the documentation. */
typedef struct {
    const char *name;  /* as in st_entry.component */
    const char *title; /* section heading */
    const char *intro; /* paragraph under the heading */
} st_component_info;

extern const st_entry st_table[];
extern const size_t st_table_len;
extern const st_buffer_decl st_buffers[];
extern const size_t st_buffers_len;
extern const st_component_info st_components[];
extern const size_t st_components_len;

/* Table entry for a key (NULL when unknown). */
const st_entry *st_find(const char *key);
/* 1 if the component recognises key (it owns it or shares it), else 0. */
int st_component_recognises(const char *component, const char *key);

/* The context errors of s go to. */
bo_context *st_ctx(const bo_settings *s);

/* Typed getters. Unknown key: BO_ERR_UNKNOWN_KEY; wrong type: BO_ERR_INVALID_ARG; a key still
 * "auto": BO_ERR_STATE (check st_is_auto first). */
int st_is_auto(const bo_settings *s, const char *key); /* 1, 0, or <0 on an unknown key */
int st_get_real(const bo_settings *s, const char *key, double *out);
int st_get_int(const bo_settings *s, const char *key, long *out);
int st_get_bool(const bo_settings *s, const char *key, int *out);
/* Canonical choice (ST_CHOICE) or text (ST_STRING); *out points into s, valid until the key
 * changes. */
int st_get_choice(const bo_settings *s, const char *key, const char **out);

/* A list value: reals for ST_REAL_LIST (also ST_REAL: count 1), names for ST_NAMES. A real
 * list of length 1 means "the same for every state"; its length against the model is the
 * solver's check. */
typedef struct {
    size_t count;
    double *reals;
    char **names;
} st_list;
int st_get_list(const bo_settings *s, const char *key, st_list *out);
void st_list_free(st_list *l);

/* The allowed range of a numeric entry as text ("in [0, 1]", ">= 1", ...). */
void st_range_text(sb_buf *b, const st_entry *e);

/* SHA-256 (hex) of the canonical "key=value" lines of every ST_CODE key: changes exactly when
 * a setting that reaches the generated source changes. */
int st_code_fingerprint(const bo_settings *s, char hex[65]);

#endif
