/* The public model API: loading a model from a file or a string (the parsing itself is in
 * parser.c; CellML is imported by src/import/ first), destroying it, and reading its symbols
 * by kind and index. */
#include <errno.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/internal.h"
#include "model_internal.h"
#include "import/cellml_internal.h"

static const char *errno_text(int err, char *buf, size_t size)
{
    /* XSI strerror_r (we build with _POSIX_C_SOURCE): thread-safe, unlike strerror. */
    if (strerror_r(err, buf, size) != 0)
        snprintf(buf, size, "error %d", err);
    return buf;
}

/* The limit in words, for messages. */
#define MAX_TEXT_WORDS "256 MiB"

static int too_large(bo_context *ctx, const char *path)
{
    if (path)
        return bo_error(ctx, BO_ERR_RANGE,
                        "'%s' is larger than " MAX_TEXT_WORDS
                        ", the most a model file may hold (BO_MODEL_MAX_BYTES)",
                        path);
    return bo_error(ctx, BO_ERR_RANGE,
                    "the model text is longer than " MAX_TEXT_WORDS
                    ", the most a model may hold (BO_MODEL_MAX_BYTES)");
}

int bo_model_load_file(bo_context *ctx, const char *path, bo_model **out)
{
    if (out)
        *out = NULL;
    if (!path || !out)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "bo_model_load_file: %s is NULL",
                        !path ? "path" : "out");
    char ebuf[128];
    FILE *f = fopen(path, "rb");
    if (!f)
        return bo_error(ctx, BO_ERR_IO, "cannot open '%s': %s", path,
                        errno_text(errno, ebuf, sizeof ebuf));
    /* A regular file too large is refused before reading it. */
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) &&
        (uintmax_t)sb.st_size > (uintmax_t)BO_MODEL_MAX_BYTES) {
        fclose(f);
        return too_large(ctx, path);
    }
    /* Read in growing chunks: works for pipes and special files, which have no size. Reading
     * stops one byte past the limit, so a source that never ends (/dev/zero, a pipe from a
     * runaway program) costs at most the limit in memory. */
    size_t len = 0, cap = 0;
    char *text = NULL;
    int err = 0;
    for (;;) {
        if (len > BO_MODEL_MAX_BYTES) {
            free(text);
            fclose(f);
            return too_large(ctx, path);
        }
        if (len + 4096 > cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            if (ncap > BO_MODEL_MAX_BYTES + 1)
                ncap = BO_MODEL_MAX_BYTES + 1;
            if (ncap <= len)
                ncap = len + 1;
            char *t = bo_realloc(text, ncap);
            if (!t) {
                free(text);
                fclose(f);
                return bo_error(ctx, BO_ERR_NOMEM, "out of memory reading '%s'", path);
            }
            text = t;
            cap = ncap;
        }
        size_t n = fread(text + len, 1, cap - len, f);
        len += n;
        if (n == 0) {
            if (ferror(f))
                err = errno ? errno : EIO;
            break;
        }
    }
    fclose(f);
    if (err) {
        free(text);
        return bo_error(ctx, BO_ERR_IO, "cannot read '%s': %s", path,
                        errno_text(err, ebuf, sizeof ebuf));
    }
    int rc = cm_looks_like_cellml(path, text, len) ? cm_load_model(ctx, path, text, len, NULL, out)
                                                   : md_parse(ctx, text, len, path, out);
    free(text);
    return rc;
}

int bo_model_load_string(bo_context *ctx, const char *text, const char *source_name, bo_model **out)
{
    if (out)
        *out = NULL;
    if (!text || !out)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "bo_model_load_string: %s is NULL",
                        !text ? "text" : "out");
    size_t len = strnlen(text, BO_MODEL_MAX_BYTES + 1);
    if (len > BO_MODEL_MAX_BYTES)
        return too_large(ctx, NULL);
    if (cm_looks_like_cellml(NULL, text, len))
        return cm_load_model(ctx, NULL, text, len, source_name, out);
    return md_parse(ctx, text, len, source_name, out);
}

void bo_model_destroy(bo_model *model)
{
    if (!model)
        return;
    for (int k = 0; k < BO_SYMBOL_KIND_COUNT; ++k) {
        for (size_t i = 0; model->sym[k] && i < model->count[k]; ++i) {
            free(model->sym[k][i].name);
            free(model->sym[k][i].unit);
            free(model->sym[k][i].alias);
        }
        free(model->sym[k]);
    }
    for (size_t e = 0; model->events && e < model->n_events; ++e) {
        free(model->events[e].name);
        free(model->events[e].assign_state);
        free(model->events[e].assign_expr);
    }
    free(model->events);
    ex_graph_destroy(model->g);
    ex_graph_destroy(model->vg);
    free(model->name);
    free(model->source_name);
    free(model);
}

const char *bo_model_name(const bo_model *model)
{
    return model ? model->name : NULL;
}

static const md_symbol *symbol(const bo_model *model, bo_symbol_kind kind, size_t i)
{
    if (!model || (unsigned)kind >= BO_SYMBOL_KIND_COUNT || i >= model->count[kind])
        return NULL;
    return &model->sym[kind][i];
}

size_t bo_model_count(const bo_model *model, bo_symbol_kind kind)
{
    if (!model || (unsigned)kind >= BO_SYMBOL_KIND_COUNT)
        return 0;
    return model->count[kind];
}

const char *bo_model_symbol_name(const bo_model *model, bo_symbol_kind kind, size_t i)
{
    const md_symbol *s = symbol(model, kind, i);
    return s ? s->name : NULL;
}

const char *bo_model_symbol_unit(const bo_model *model, bo_symbol_kind kind, size_t i)
{
    const md_symbol *s = symbol(model, kind, i);
    return s ? s->unit : NULL;
}

double bo_model_symbol_default(const bo_model *model, bo_symbol_kind kind, size_t i)
{
    const md_symbol *s = symbol(model, kind, i);
    return s ? s->value : NAN;
}

long bo_model_find(const bo_model *model, bo_symbol_kind kind, const char *name)
{
    if (!model || !name || (unsigned)kind >= BO_SYMBOL_KIND_COUNT)
        return -1;
    for (size_t i = 0; i < model->count[kind]; ++i)
        if (strcmp(model->sym[kind][i].name, name) == 0)
            return (long)i;
    for (size_t i = 0; i < model->count[kind]; ++i)
        if (model->sym[kind][i].alias && strcmp(model->sym[kind][i].alias, name) == 0)
            return (long)i;
    return -1;
}

static const md_event *event(const bo_model *model, size_t i)
{
    return model && i < model->n_events ? &model->events[i] : NULL;
}

size_t bo_model_event_count(const bo_model *model)
{
    return model ? model->n_events : 0;
}

const char *bo_model_event_name(const bo_model *model, size_t i)
{
    const md_event *e = event(model, i);
    return e ? e->name : NULL;
}

int bo_model_event_direction(const bo_model *model, size_t i)
{
    const md_event *e = event(model, i);
    return e ? e->direction : 0;
}

int bo_model_event_stops(const bo_model *model, size_t i)
{
    const md_event *e = event(model, i);
    return e ? e->stop : 0;
}

size_t bo_model_event_assignment_count(const bo_model *model, size_t i)
{
    const md_event *e = event(model, i);
    return e ? e->n_assign : 0;
}

long bo_model_event_find(const bo_model *model, const char *name)
{
    if (!model || !name)
        return -1;
    for (size_t i = 0; i < model->n_events; ++i)
        if (strcmp(model->events[i].name, name) == 0)
            return (long)i;
    return -1;
}
