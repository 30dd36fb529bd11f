/* The settings object: every key of every component (settings_tables.c) held as normalised
 * text, validated when set, with the public bo_settings_* API, the typed st_* getters the
 * solver reads, and the code fingerprint that keys the compile cache. The reference
 * documentation generated from the same table is in settings_doc.c. */
#include "settings.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/number.h"
#include "util/sha256.h"
#include "util/strbuf.h"
#include "codegen/summaries.h"

struct bo_settings {
    bo_context *ctx;
    char **values;      /* per table entry, normalised; NULL for entries with same_as */
    unsigned char *set; /* per table entry: set explicitly (not a default) */
};

/* Pairs of keys whose values must be ordered (lo <= hi) when both are given. */
static const char *const ordered_pairs[][2] = {
    {"dt_min", "dt_max"},
    {"deadband_min", "deadband_max"},
};

/* ---- table lookup ---------------------------------------------------------------------- */

static long find_index(const char *key)
{
    for (size_t i = 0; i < st_table_len; ++i)
        if (strcmp(st_table[i].key, key) == 0)
            return (long)i;
    return -1;
}

/* Index of the entry that stores key i's value. */
static size_t primary(size_t i)
{
    if (!st_table[i].same_as)
        return i;
    long p = find_index(st_table[i].same_as);
    return p >= 0 ? (size_t)p : i;
}

const st_entry *st_find(const char *key)
{
    long i = key ? find_index(key) : -1;
    return i >= 0 ? &st_table[i] : NULL;
}

int st_component_recognises(const char *component, const char *key)
{
    const st_entry *e = st_find(key);
    if (!e || !component)
        return 0;
    if (strcmp(e->component, component) == 0)
        return 1;
    if (!e->also)
        return 0;
    size_t n = strlen(component);
    for (const char *p = e->also; (p = strstr(p, component)) != NULL; p += n)
        if ((p == e->also || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
            return 1;
    return 0;
}

/* "unknown setting 'rtoll' (did you mean 'rtol'?)": every key at the smallest edit distance
 * within a budget that grows with the key's length, so short typos do not suggest noise. */
static int unknown_key(bo_context *ctx, const char *key)
{
    size_t len = strlen(key);
    size_t cap = len <= 4 ? 1 : len <= 8 ? 2 : 3;
    size_t best = cap + 1;
    for (size_t i = 0; i < st_table_len; ++i) {
        size_t d = bo_edit_distance(key, st_table[i].key, cap);
        if (d < best)
            best = d;
    }
    if (best > cap)
        return bo_error(ctx, BO_ERR_UNKNOWN_KEY, "unknown setting '%s'", key);
    const char *near[3];
    size_t count = 0;
    for (size_t i = 0; i < st_table_len && count < 3; ++i)
        if (bo_edit_distance(key, st_table[i].key, cap) == best)
            near[count++] = st_table[i].key;
    sb_buf b;
    sb_init(&b);
    for (size_t i = 0; i < count; ++i)
        sb_printf(&b, "%s'%s'", i == 0 ? "" : (i + 1 == count ? " or " : ", "), near[i]);
    int r = bo_error(ctx, BO_ERR_UNKNOWN_KEY, "unknown setting '%s' (did you mean %s?)", key,
                     sb_cstr(&b));
    sb_free(&b);
    return r;
}

/* ---- value parsing and normalisation -------------------------------------------------- */

static int ieq(const char *a, const char *b)
{
    for (; *a && *b; ++a, ++b)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return 0;
    return *a == *b;
}

/* Whole string is one finite real (src/util/number.h: decimal, no blanks, no hex). */
static int parse_real(const char *s, double *out)
{
    return num_parse_str(s, out) == NUM_OK;
}

/* Whole string is an integer, written as one or as an exact real ("1e6"). */
static int parse_int(const char *s, long *out)
{
    double d;
    if (!parse_real(s, &d) || d != floor(d) || fabs(d) > 9.0e15)
        return 0;
    *out = (long)d;
    return 1;
}

void st_range_text(sb_buf *b, const st_entry *e)
{
    unsigned r = e->bounds;
    if (r & ST_BLOCK)
        sb_append(b, "0 or a multiple of 32 in [32, 1024]");
    else if ((r & (ST_LO | ST_LO_OPEN)) && (r & (ST_HI | ST_HI_OPEN)))
        sb_printf(b, "in %c%.10g, %.10g%c", (r & ST_LO_OPEN) ? '(' : '[', e->lo, e->hi,
                  (r & ST_HI_OPEN) ? ')' : ']');
    else if (r & (ST_LO | ST_LO_OPEN))
        sb_printf(b, "%s %.10g", (r & ST_LO_OPEN) ? ">" : ">=", e->lo);
    else if (r & (ST_HI | ST_HI_OPEN))
        sb_printf(b, "%s %.10g", (r & ST_HI_OPEN) ? "<" : "<=", e->hi);
    else
        sb_append(b, "any finite number");
}

static int in_range(const st_entry *e, double v)
{
    unsigned r = e->bounds;
    if (r & ST_BLOCK)
        return v == 0 || (v >= 32 && v <= 1024 && fmod(v, 32) == 0);
    if ((r & ST_LO) && !(v >= e->lo))
        return 0;
    if ((r & ST_LO_OPEN) && !(v > e->lo))
        return 0;
    if ((r & ST_HI) && !(v <= e->hi))
        return 0;
    if ((r & ST_HI_OPEN) && !(v < e->hi))
        return 0;
    return 1;
}

/* Reports "setting 'key' <text of b>" and frees b. */
static int bad_value(bo_context *ctx, const char *key, sb_buf *b)
{
    int r = bo_error(ctx, b->failed ? BO_ERR_NOMEM : BO_ERR_SETTING, "setting '%s' %s", key,
                     sb_cstr(b));
    sb_free(b);
    return r;
}

/* One number of a real, int or real-list key: parse, range-check, append normalised. */
static int number_item(bo_context *ctx, const st_entry *e, const char *key, const char *item,
                       const char *whole, sb_buf *out)
{
    sb_buf m;
    sb_init(&m);
    int is_int = e->type == ST_INT;
    double v = 0;
    long iv = 0;
    int ok = is_int ? parse_int(item, &iv) : parse_real(item, &v);
    if (is_int)
        v = (double)iv;
    if (!ok) {
        sb_append(&m, is_int ? "must be an integer" : "must be a real number");
        if (e->bounds) {
            sb_putc(&m, ' ');
            st_range_text(&m, e);
        }
        if (e->flags & ST_AUTO)
            sb_append(&m, " or auto");
        sb_printf(&m, ", got '%s'", item);
        const char *hint = num_syntax_hint(item, strlen(item));
        if (*hint)
            sb_printf(&m, " (%s)", hint);
    } else if (!in_range(e, v)) {
        sb_append(&m, "must be ");
        st_range_text(&m, e);
        if (e->flags & ST_AUTO)
            sb_append(&m, " or auto");
        sb_printf(&m, ", got %s", item);
    } else {
        if (is_int)
            sb_printf(out, "%ld", iv);
        else
            sb_double(out, v);
        return BO_OK;
    }
    if (whole != item)
        sb_printf(&m, " (in '%s')", whole);
    return bad_value(ctx, key, &m);
}

static int is_identifier(const char *s)
{
    if (!(isalpha((unsigned char)*s) || *s == '_'))
        return 0;
    for (++s; *s; ++s)
        if (!(isalnum((unsigned char)*s) || *s == '_'))
            return 0;
    return 1;
}

/* Canonical spelling of a choice (case-insensitive, aliases resolved), NULL if none. */
static const char *canonical_choice(const st_entry *e, const char *v)
{
    for (const char *const *c = e->choices; c && *c; ++c)
        if (ieq(*c, v))
            return *c;
    for (const char *const *a = e->aliases; a && a[0]; a += 2)
        if (ieq(a[0], v))
            return a[1];
    return NULL;
}

static int bad_choice(bo_context *ctx, const st_entry *e, const char *key, const char *v,
                      const char *whole)
{
    sb_buf m;
    sb_init(&m);
    sb_append(&m, e->type == ST_NAMES ? "takes names from: " : "must be one of: ");
    for (const char *const *c = e->choices; *c; ++c)
        sb_printf(&m, "%s%s", c == e->choices ? "" : ", ", *c);
    if (e->flags & ST_METRICS) {
        sb_append(&m, ", or summary metrics: ");
        sm_forms(&m, 0);
    }
    sb_printf(&m, "; got '%s'", v);
    if (whole != v)
        sb_printf(&m, " (in '%s')", whole);
    return bad_value(ctx, key, &m);
}

/* Split a comma list into items, trimmed of blanks when trim is set (names; numbers are
 * read strictly, blanks included). Returns the item count, or 0 when an item is empty; items
 * point into buf (a modified copy of the text). */
static size_t split_list(char *buf, int trim, char ***items_out)
{
    size_t n = 1;
    for (const char *p = buf; *p; ++p)
        n += *p == ',';
    char **items = bo_calloc(n, sizeof *items);
    *items_out = items;
    if (!items)
        return 0;
    char *p = buf;
    for (size_t i = 0; i < n; ++i) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        while (trim && isspace((unsigned char)*p))
            ++p;
        char *end = p + strlen(p);
        while (trim && end > p && isspace((unsigned char)end[-1]))
            *--end = '\0';
        if (!*p)
            return 0;
        items[i] = p;
        p = comma ? comma + 1 : end;
    }
    return n;
}

static int normalise_list(bo_context *ctx, const st_entry *e, const char *key, const char *text,
                          sb_buf *out)
{
    char *buf = bo_strdup(text);
    if (!buf)
        return bo_error(ctx, BO_ERR_NOMEM, "out of memory");
    char **items = NULL;
    size_t n = split_list(buf, e->type != ST_REAL_LIST, &items);
    int r = BO_OK;
    if (!items) {
        r = bo_error(ctx, BO_ERR_NOMEM, "out of memory");
    } else if (n == 0) {
        r = bo_error(ctx, BO_ERR_SETTING, "setting '%s' has an empty item in '%s'", key, text);
    }
    for (size_t i = 0; r == BO_OK && i < n; ++i) {
        /* Quote the whole list in messages only when there is more than the item. */
        const char *whole = n > 1 ? text : items[i];
        if (i)
            sb_putc(out, ',');
        if (e->type == ST_REAL_LIST) {
            r = number_item(ctx, e, key, items[i], whole, out);
            continue;
        }
        const char *name = items[i];
        sb_buf metric;
        sb_init(&metric);
        if (e->choices) {
            name = canonical_choice(e, items[i]);
            sm_request req;
            int is_metric =
                !name && (e->flags & ST_METRICS) ? sm_parse(ctx, key, items[i], whole, &req) : 0;
            if (is_metric < 0) {
                r = is_metric;
                break;
            }
            if (is_metric) {
                sm_format(&req, &metric);
                name = sb_cstr(&metric);
            } else if (!name) {
                r = bad_choice(ctx, e, key, items[i], whole);
                break;
            }
        } else if (!is_identifier(name)) {
            r = bo_error(ctx, BO_ERR_SETTING, "setting '%s' needs names, got '%s' in '%s'", key,
                         name, text);
            break;
        } else if (n > 1 && strcmp(name, "all") == 0) {
            r = bo_error(ctx, BO_ERR_SETTING,
                         "setting '%s': 'all' cannot be combined with other names, got '%s'", key,
                         text);
            break;
        }
        /* Earlier items are already in out, normalised; metrics compare by name alone. */
        size_t base = strcspn(name, "[");
        for (const char *prev = out->data; prev && r == BO_OK && prev < out->data + out->len;) {
            size_t plen = strcspn(prev, ",");
            if (plen && strcspn(prev, "[,") == base && strncmp(prev, name, base) == 0)
                r = bo_error(ctx, BO_ERR_SETTING, "setting '%s' lists '%.*s' twice in '%s'", key,
                             (int)base, name, text);
            prev += plen + 1;
        }
        sb_append(out, name);
        sb_free(&metric);
    }
    bo_free(items);
    bo_free(buf);
    return r;
}

/* Validate text for entry e (set under the name key) and return its normalised form. */
static int normalise(bo_context *ctx, const st_entry *e, const char *key, const char *value,
                     char **out)
{
    *out = NULL;
    const char *raw = value;
    while (isspace((unsigned char)*value))
        ++value;
    size_t len = strlen(value);
    while (len && isspace((unsigned char)value[len - 1]))
        --len;
    char *v = bo_strndup(value, len);
    if (!v)
        return bo_error(ctx, BO_ERR_NOMEM, "out of memory");
    sb_buf b;
    sb_init(&b);
    int r = BO_OK;
    if (!*v && !(e->type == ST_STRING && !(e->bounds & ST_NONEMPTY))) {
        r = bo_error(ctx, BO_ERR_SETTING, "setting '%s' needs a value", key);
    } else if ((e->flags & ST_AUTO) && ieq(v, "auto")) {
        sb_append(&b, "auto");
    } else {
        switch (e->type) {
        case ST_REAL:
        case ST_INT:
            /* The value as given: a number with blanks around it is not a number. */
            r = number_item(ctx, e, key, raw, raw, &b);
            break;
        case ST_BOOL:
            if (ieq(v, "true") || ieq(v, "1") || ieq(v, "yes") || ieq(v, "on"))
                sb_append(&b, "true");
            else if (ieq(v, "false") || ieq(v, "0") || ieq(v, "no") || ieq(v, "off"))
                sb_append(&b, "false");
            else
                r = bo_error(ctx, BO_ERR_SETTING,
                             "setting '%s' must be true or false (also 1/0, yes/no, on/off); "
                             "got '%s'",
                             key, v);
            break;
        case ST_CHOICE: {
            const char *c = canonical_choice(e, v);
            if (c)
                sb_append(&b, c);
            else
                r = bad_choice(ctx, e, key, v, v);
            break;
        }
        case ST_REAL_LIST:
            r = normalise_list(ctx, e, key, raw, &b);
            break;
        case ST_NAMES:
            r = normalise_list(ctx, e, key, v, &b);
            break;
        case ST_STRING:
            for (const char *p = v; *p; ++p)
                if ((unsigned char)*p < 0x20 || *p == 0x7f) {
                    r = bo_error(ctx, BO_ERR_SETTING,
                                 "setting '%s' must not contain control characters", key);
                    break;
                }
            sb_append(&b, v);
            break;
        }
    }
    bo_free(v);
    if (r != BO_OK) {
        sb_free(&b);
        return r;
    }
    *out = sb_take(&b);
    return *out ? BO_OK : bo_error(ctx, BO_ERR_NOMEM, "out of memory");
}

/* ---- create / copy / destroy ---------------------------------------------------------- */

static bo_settings *alloc_settings(bo_context *ctx)
{
    bo_settings *s = bo_calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->ctx = ctx;
    s->values = bo_calloc(st_table_len, sizeof *s->values);
    s->set = bo_calloc(st_table_len, 1);
    if (!s->values || !s->set) {
        bo_settings_destroy(s);
        return NULL;
    }
    return s;
}

int bo_settings_create(bo_context *ctx, bo_settings **out)
{
    if (!out)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "bo_settings_create: out is NULL");
    *out = NULL;
    bo_settings *s = alloc_settings(ctx);
    if (!s)
        return bo_error(ctx, BO_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < st_table_len; ++i) {
        if (st_table[i].same_as)
            continue;
        s->values[i] = bo_strdup(st_table[i].def);
        if (!s->values[i]) {
            bo_settings_destroy(s);
            return bo_error(ctx, BO_ERR_NOMEM, "out of memory");
        }
    }
    *out = s;
    return BO_OK;
}

void bo_settings_destroy(bo_settings *s)
{
    if (!s)
        return;
    if (s->values)
        for (size_t i = 0; i < st_table_len; ++i)
            bo_free(s->values[i]);
    bo_free(s->values);
    bo_free(s->set);
    bo_free(s);
}

int bo_settings_copy(const bo_settings *s, bo_settings **out)
{
    if (!out)
        return bo_error(s ? s->ctx : NULL, BO_ERR_INVALID_ARG, "bo_settings_copy: out is NULL");
    *out = NULL;
    if (!s)
        return BO_ERR_INVALID_ARG;
    bo_settings *c = alloc_settings(s->ctx);
    if (!c)
        return bo_error(s->ctx, BO_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < st_table_len; ++i) {
        c->set[i] = s->set[i];
        if (!s->values[i])
            continue;
        c->values[i] = bo_strdup(s->values[i]);
        if (!c->values[i]) {
            bo_settings_destroy(c);
            return bo_error(s->ctx, BO_ERR_NOMEM, "out of memory");
        }
    }
    *out = c;
    return BO_OK;
}

/* ---- set / update / get ---------------------------------------------------------------- */

/* Check ordered pairs on the values v; `changed` marks the entries this update wrote, so the
 * message names a key the caller just gave. */
static int check_pairs(bo_context *ctx, char *const *v, const unsigned char *changed)
{
    for (size_t k = 0; k < sizeof ordered_pairs / sizeof ordered_pairs[0]; ++k) {
        size_t lo = (size_t)find_index(ordered_pairs[k][0]);
        size_t hi = (size_t)find_index(ordered_pairs[k][1]);
        if (strcmp(v[lo], "auto") == 0 || strcmp(v[hi], "auto") == 0)
            continue;
        double a = strtod(v[lo], NULL), b = strtod(v[hi], NULL);
        if (a <= b)
            continue;
        if (changed[hi] || !changed[lo])
            return bo_error(ctx, BO_ERR_SETTING, "setting '%s' must be >= %s (%s), got %s",
                            st_table[hi].key, st_table[lo].key, v[lo], v[hi]);
        return bo_error(ctx, BO_ERR_SETTING, "setting '%s' must be <= %s (%s), got %s",
                        st_table[lo].key, st_table[hi].key, v[hi], v[lo]);
    }
    return BO_OK;
}

int bo_settings_update(bo_settings *s, size_t count, const char *const *keys,
                       const char *const *values, unsigned char *recognised)
{
    if (!s)
        return BO_ERR_INVALID_ARG;
    if (count && (!keys || !values))
        return bo_error(s->ctx, BO_ERR_INVALID_ARG, "bo_settings_update: keys or values NULL");
    for (size_t i = 0; i < count; ++i)
        if (!keys[i] || !values[i])
            return bo_error(s->ctx, BO_ERR_INVALID_ARG,
                            "bo_settings_update: key or value %zu is NULL", i);
    long first_unknown = -1;
    for (size_t i = 0; i < count; ++i) {
        int known = find_index(keys[i]) >= 0;
        if (recognised)
            recognised[i] = (unsigned char)known;
        if (!known && first_unknown < 0)
            first_unknown = (long)i;
    }
    if (first_unknown >= 0)
        return unknown_key(s->ctx, keys[first_unknown]);

    /* Work on a copy of the value pointers so a failure leaves s untouched. */
    char **v = bo_calloc(st_table_len, sizeof *v);
    char **fresh = bo_calloc(count, sizeof *fresh);
    unsigned char *changed = bo_calloc(st_table_len, 1);
    int r = (v && fresh && changed) ? BO_OK : bo_error(s->ctx, BO_ERR_NOMEM, "out of memory");
    if (r == BO_OK)
        memcpy(v, s->values, st_table_len * sizeof *v);
    for (size_t i = 0; r == BO_OK && i < count; ++i) {
        size_t idx = (size_t)find_index(keys[i]);
        size_t p = primary(idx);
        r = normalise(s->ctx, &st_table[idx], keys[i], values[i], &fresh[i]);
        if (r == BO_OK) {
            v[p] = fresh[i];
            changed[p] = 1;
        }
    }
    if (r == BO_OK)
        r = check_pairs(s->ctx, v, changed);
    if (r == BO_OK) {
        /* Commit: free the replaced strings (each once) and the superseded fresh ones. */
        for (size_t i = 0; i < st_table_len; ++i)
            if (v[i] != s->values[i])
                bo_free(s->values[i]);
        for (size_t i = 0; i < count; ++i) {
            int used = 0;
            for (size_t j = 0; j < st_table_len && !used; ++j)
                used = v[j] == fresh[i];
            if (!used)
                bo_free(fresh[i]);
        }
        memcpy(s->values, v, st_table_len * sizeof *v);
        for (size_t i = 0; i < st_table_len; ++i)
            s->set[i] = (unsigned char)(s->set[i] | changed[i]);
    } else if (fresh) {
        for (size_t i = 0; i < count; ++i)
            bo_free(fresh[i]);
    }
    bo_free(v);
    bo_free(fresh);
    bo_free(changed);
    return r;
}

int bo_settings_set(bo_settings *s, const char *key, const char *value)
{
    if (!s)
        return BO_ERR_INVALID_ARG;
    if (!key || !value)
        return bo_error(s->ctx, BO_ERR_INVALID_ARG, "bo_settings_set: key or value is NULL");
    return bo_settings_update(s, 1, &key, &value, NULL);
}

/* Index of the stored value for key, or an error in s's context. */
static int lookup(const bo_settings *s, const char *key, size_t *idx)
{
    if (!key)
        return bo_error(s->ctx, BO_ERR_INVALID_ARG, "setting key is NULL");
    long i = find_index(key);
    if (i < 0)
        return unknown_key(s->ctx, key);
    *idx = primary((size_t)i);
    return BO_OK;
}

int bo_settings_get(const bo_settings *s, const char *key, char **value)
{
    if (!s || !value)
        return s ? bo_error(s->ctx, BO_ERR_INVALID_ARG, "bo_settings_get: value is NULL")
                 : BO_ERR_INVALID_ARG;
    *value = NULL;
    size_t i;
    int r = lookup(s, key, &i);
    if (r != BO_OK)
        return r;
    *value = bo_strdup(s->values[i]);
    return *value ? BO_OK : bo_error(s->ctx, BO_ERR_NOMEM, "out of memory");
}

int bo_settings_is_set(const bo_settings *s, const char *key)
{
    if (!s)
        return BO_ERR_INVALID_ARG;
    size_t i;
    int r = lookup(s, key, &i);
    return r != BO_OK ? r : s->set[i];
}

int bo_settings_reset(bo_settings *s, const char *key)
{
    if (!s)
        return BO_ERR_INVALID_ARG;
    size_t i;
    int r = lookup(s, key, &i);
    if (r != BO_OK)
        return r;
    char *d = bo_strdup(st_table[i].def);
    if (!d)
        return bo_error(s->ctx, BO_ERR_NOMEM, "out of memory");
    bo_free(s->values[i]);
    s->values[i] = d;
    s->set[i] = 0;
    return BO_OK;
}

int bo_settings_dump(const bo_settings *s, char **out)
{
    if (!s || !out)
        return s ? bo_error(s->ctx, BO_ERR_INVALID_ARG, "bo_settings_dump: out is NULL")
                 : BO_ERR_INVALID_ARG;
    sb_buf b;
    sb_init(&b);
    for (size_t i = 0; i < st_table_len; ++i)
        sb_printf(&b, "%s = %s\n", st_table[i].key, s->values[primary(i)]);
    *out = sb_take(&b);
    return *out ? BO_OK : bo_error(s->ctx, BO_ERR_NOMEM, "out of memory");
}

/* ---- internal typed access ------------------------------------------------------------- */

bo_context *st_ctx(const bo_settings *s)
{
    return s ? s->ctx : NULL;
}

/* Stored text of key, checking that its type is one of the allowed ones. */
static int typed(const bo_settings *s, const char *key, unsigned type_mask, const char **text)
{
    if (!s)
        return BO_ERR_INVALID_ARG;
    size_t i;
    int r = lookup(s, key, &i);
    if (r != BO_OK)
        return r;
    if (!(type_mask & (1u << st_table[i].type)))
        return bo_error(s->ctx, BO_ERR_INVALID_ARG, "setting '%s' is not of the requested type",
                        key);
    *text = s->values[i];
    return BO_OK;
}

static int not_resolved(const bo_settings *s, const char *key)
{
    return bo_error(s->ctx, BO_ERR_STATE, "setting '%s' is auto and has not been resolved", key);
}

int st_is_auto(const bo_settings *s, const char *key)
{
    if (!s)
        return BO_ERR_INVALID_ARG;
    size_t i;
    int r = lookup(s, key, &i);
    return r != BO_OK ? r : strcmp(s->values[i], "auto") == 0;
}

int st_get_real(const bo_settings *s, const char *key, double *out)
{
    const char *t = NULL;
    int r = typed(s, key, 1u << ST_REAL | 1u << ST_INT, &t);
    if (r != BO_OK)
        return r;
    if (strcmp(t, "auto") == 0)
        return not_resolved(s, key);
    *out = strtod(t, NULL);
    return BO_OK;
}

int st_get_int(const bo_settings *s, const char *key, long *out)
{
    const char *t = NULL;
    int r = typed(s, key, 1u << ST_INT, &t);
    if (r != BO_OK)
        return r;
    if (strcmp(t, "auto") == 0)
        return not_resolved(s, key);
    *out = strtol(t, NULL, 10);
    return BO_OK;
}

int st_get_bool(const bo_settings *s, const char *key, int *out)
{
    const char *t = NULL;
    int r = typed(s, key, 1u << ST_BOOL, &t);
    if (r == BO_OK)
        *out = strcmp(t, "true") == 0;
    return r;
}

int st_get_choice(const bo_settings *s, const char *key, const char **out)
{
    return typed(s, key, 1u << ST_CHOICE | 1u << ST_STRING, out);
}

void st_list_free(st_list *l)
{
    if (!l)
        return;
    if (l->names)
        for (size_t i = 0; i < l->count; ++i)
            bo_free(l->names[i]);
    bo_free(l->names);
    bo_free(l->reals);
    l->count = 0;
    l->names = NULL;
    l->reals = NULL;
}

int st_get_list(const bo_settings *s, const char *key, st_list *out)
{
    if (!out)
        return s ? bo_error(s->ctx, BO_ERR_INVALID_ARG, "st_get_list: out is NULL")
                 : BO_ERR_INVALID_ARG;
    out->count = 0;
    out->reals = NULL;
    out->names = NULL;
    const char *t = NULL;
    int r = typed(s, key, 1u << ST_REAL | 1u << ST_REAL_LIST | 1u << ST_NAMES, &t);
    if (r != BO_OK)
        return r;
    if (strcmp(t, "auto") == 0)
        return not_resolved(s, key);
    int reals = st_find(key)->type != ST_NAMES;
    size_t n = 1;
    for (const char *p = t; *p; ++p)
        n += *p == ',';
    if (reals)
        out->reals = bo_calloc(n, sizeof *out->reals);
    else
        out->names = bo_calloc(n, sizeof *out->names);
    if (!out->reals && !out->names)
        return bo_error(s->ctx, BO_ERR_NOMEM, "out of memory");
    const char *p = t;
    for (size_t i = 0; i < n; ++i) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (reals) {
            out->reals[i] = strtod(p, NULL);
        } else if (!(out->names[i] = bo_strndup(p, len))) {
            out->count = i;
            st_list_free(out);
            return bo_error(s->ctx, BO_ERR_NOMEM, "out of memory");
        }
        p += len + 1;
    }
    out->count = n;
    return BO_OK;
}

int st_code_fingerprint(const bo_settings *s, char hex[65])
{
    if (!s)
        return BO_ERR_INVALID_ARG;
    sb_buf b;
    sb_init(&b);
    sb_append(&b, "batchode-settings-v1\n");
    for (size_t i = 0; i < st_table_len; ++i)
        if ((st_table[i].flags & ST_CODE) && !st_table[i].same_as)
            sb_printf(&b, "%s=%s\n", st_table[i].key, s->values[i]);
    if (b.failed) {
        sb_free(&b);
        return bo_error(s->ctx, BO_ERR_NOMEM, "out of memory");
    }
    sha256_hex(b.data, b.len, hex);
    sb_free(&b);
    return BO_OK;
}
