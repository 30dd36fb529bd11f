/* Read-only queries on a model's symbols (name, counts, names, units, defaults, lookup by
 * name): the part of the model API that batches and results need. */
#include <math.h>
#include <string.h>

#include "model/model_internal.h"

static const md_symbol *symbol_at(const bo_model *model, bo_symbol_kind kind, size_t i)
{
    if (!model || (int)kind < 0 || kind >= BO_SYMBOL_KIND_COUNT || i >= model->count[kind])
        return NULL;
    return &model->sym[kind][i];
}

const char *bo_model_name(const bo_model *model)
{
    return model ? model->name : NULL;
}

size_t bo_model_count(const bo_model *model, bo_symbol_kind kind)
{
    if (!model || (int)kind < 0 || kind >= BO_SYMBOL_KIND_COUNT)
        return 0;
    return model->count[kind];
}

const char *bo_model_symbol_name(const bo_model *model, bo_symbol_kind kind, size_t i)
{
    const md_symbol *s = symbol_at(model, kind, i);
    return s ? s->name : NULL;
}

const char *bo_model_symbol_unit(const bo_model *model, bo_symbol_kind kind, size_t i)
{
    const md_symbol *s = symbol_at(model, kind, i);
    return s ? s->unit : NULL;
}

double bo_model_symbol_default(const bo_model *model, bo_symbol_kind kind, size_t i)
{
    const md_symbol *s = symbol_at(model, kind, i);
    if (!s || (kind != BO_STATE && kind != BO_PARAMETER && kind != BO_CONSTANT))
        return NAN;
    return s->value;
}

long bo_model_find(const bo_model *model, bo_symbol_kind kind, const char *name)
{
    if (!model || !name || (int)kind < 0 || kind >= BO_SYMBOL_KIND_COUNT)
        return -1;
    for (size_t i = 0; i < model->count[kind]; ++i)
        if (strcmp(model->sym[kind][i].name, name) == 0)
            return (long)i;
    return -1;
}
