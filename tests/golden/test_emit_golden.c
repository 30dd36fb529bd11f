/* Golden outputs of the model emitter: the emitted functions of fixed models must equal
 * tests/golden/<name>.expected byte for byte, so any change to the generated code shows up in
 * review as a diff of those files. Regenerate them with scripts/regen-golden.sh (this binary
 * with `--regen DIR`) after checking that the change is intended. */
#include "codegen/codegen.h"
#include "harness.h"

/* ---- building models by hand (the parser is not involved) ----------------------------- */

static bo_model *model_new(const char *name)
{
    bo_model *m = bo_calloc(1, sizeof *m);
    m->name = bo_strdup(name);
    m->source_name = bo_strdup("<test>");
    m->g = ex_graph_create();
    return m;
}

static void model_add(bo_model *m, bo_symbol_kind kind, const char *name, double value, ex_id expr)
{
    size_t n = m->count[kind];
    m->sym[kind] = bo_array_realloc(m->sym[kind], n + 1, sizeof *m->sym[kind]);
    md_symbol *s = &m->sym[kind][n];
    memset(s, 0, sizeof *s);
    s->name = bo_strdup(name);
    s->value = value;
    s->expr = expr;
    m->count[kind] = n + 1;
}

static void model_free(bo_model *m)
{
    if (!m)
        return;
    for (int k = 0; k < BO_SYMBOL_KIND_COUNT; ++k) {
        for (size_t i = 0; i < m->count[k]; ++i) {
            free(m->sym[k][i].name);
            free(m->sym[k][i].unit);
        }
        free(m->sym[k]);
    }
    ex_graph_destroy(m->g);
    free(m->name);
    free(m->source_name);
    free(m);
}

static ex_id C(bo_model *m, double v)
{
    return ex_const(m->g, v);
}

static ex_id V(bo_model *m, ex_varkind k, int i)
{
    return ex_var(m->g, k, i);
}

static ex_id F1(bo_model *m, ex_func fn, ex_id a)
{
    return ex_call(m->g, fn, a, EX_NONE);
}

static ex_id F2(bo_model *m, ex_func fn, ex_id a, ex_id b)
{
    return ex_call(m->g, fn, a, b);
}

static bo_model *lorenz(void)
{
    bo_model *m = model_new("lorenz");
    ex_graph *g = m->g;
    ex_id x = V(m, EXV_STATE, 0), y = V(m, EXV_STATE, 1), z = V(m, EXV_STATE, 2);
    ex_id s = V(m, EXV_PARAM, 0), r = V(m, EXV_PARAM, 1), b = V(m, EXV_PARAM, 2);
    model_add(m, BO_STATE, "x", 1.0, ex_mul(g, s, ex_sub(g, y, x)));
    model_add(m, BO_STATE, "y", 1.0, ex_sub(g, ex_mul(g, x, ex_sub(g, r, z)), y));
    model_add(m, BO_STATE, "z", 1.0, ex_sub(g, ex_mul(g, x, y), ex_mul(g, b, z)));
    model_add(m, BO_PARAMETER, "sigma", 10.0, EX_NONE);
    model_add(m, BO_PARAMETER, "rho", 28.0, EX_NONE);
    model_add(m, BO_PARAMETER, "beta", 8.0 / 3.0, EX_NONE);
    return m;
}

/* FitzHugh-Nagumo driven by an input current, with a time-modulated gain, a threshold
 * select and observables. */
static bo_model *fhn_driven(void)
{
    bo_model *m = model_new("fhn_driven");
    ex_graph *g = m->g;
    ex_id v = V(m, EXV_STATE, 0), w = V(m, EXV_STATE, 1);
    ex_id a = V(m, EXV_PARAM, 0), b = V(m, EXV_PARAM, 1), eps = V(m, EXV_PARAM, 2);
    ex_id I = V(m, EXV_DRIVER, 0), t = V(m, EXV_TIME, 0);
    ex_id gain = ex_add(g, C(m, 1.0), ex_mul(g, C(m, 0.1), F1(m, EXF_SIN, t)));
    ex_id fv = ex_sub(g, ex_sub(g, v, ex_div(g, ex_pow(g, v, C(m, 3)), C(m, 3))), w);
    fv = ex_add(g, fv, ex_mul(g, gain, I));
    ex_id fw = ex_mul(g, eps, ex_sub(g, ex_add(g, v, a), ex_mul(g, b, w)));
    fw = ex_select(g, ex_binary(g, EX_GT, v, C(m, 1.5)), ex_mul(g, C(m, 2.0), fw), fw);
    model_add(m, BO_STATE, "v", -1.0, fv);
    model_add(m, BO_STATE, "w", 1.0, fw);
    model_add(m, BO_PARAMETER, "a", 0.7, EX_NONE);
    model_add(m, BO_PARAMETER, "b", 0.8, EX_NONE);
    model_add(m, BO_PARAMETER, "eps", 0.08, EX_NONE);
    model_add(m, BO_DRIVER, "I_ext", NAN, EX_NONE);
    model_add(m, BO_OBSERVABLE, "spiking", NAN, ex_binary(g, EX_GT, v, C(m, 1.0)));
    model_add(m, BO_OBSERVABLE, "energy", NAN,
              F2(m, EXF_HYPOT, v, ex_mul(g, w, ex_call(g, EXF_EXP, ex_neg(g, w), EX_NONE))));
    m->uses_time = 1;
    return m;
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    sb_buf b;
    sb_init(&b);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        sb_append_n(&b, chunk, n);
    fclose(f);
    return sb_take(&b);
}

/* Print where two texts first differ, as a line number and both lines. */
static void show_difference(const char *got, const char *want)
{
    int line = 1;
    const char *g = got, *w = want;
    while (*g && *g == *w) {
        if (*g == '\n') {
            ++line;
            got = g + 1;
            want = w + 1;
        }
        ++g;
        ++w;
    }
    printf("first difference at line %d:\n  got:  %.*s\n  want: %.*s\n", line,
           (int)strcspn(got, "\n"), got, (int)strcspn(want, "\n"), want);
}

int main(int argc, char **argv)
{
    const char *regen = NULL;
    if (argc == 3 && strcmp(argv[1], "--regen") == 0)
        regen = argv[2];
    else if (argc != 1) {
        fprintf(stderr, "usage: %s [--regen DIR]\n", argv[0]);
        return 2;
    }
    bo_model *models[2] = {lorenz(), fhn_driven()};
    for (int i = 0; i < 2; ++i) {
        sb_buf b;
        sb_init(&b);
        T_EQ_INT(cg_emit_model(NULL, models[i], &b), BO_OK);
        char path[1024];
        snprintf(path, sizeof path, "%s/%s.expected", regen ? regen : BO_SOURCE_DIR "/tests/golden",
                 models[i]->name);
        if (regen) {
            FILE *f = fopen(path, "wb");
            T_CHECKF(f != NULL, "cannot write %s", path);
            if (f) {
                fputs(sb_cstr(&b), f);
                fclose(f);
                printf("wrote %s\n", path);
            }
        } else {
            char *want = read_text(path);
            T_CHECKF(want != NULL, "cannot read %s (run scripts/regen-golden.sh)", path);
            if (want) {
                int same = strcmp(sb_cstr(&b), want) == 0;
                T_CHECKF(same, "emitted code of %s differs from %s", models[i]->name, path);
                if (!same)
                    show_difference(sb_cstr(&b), want);
            }
            free(want);
        }
        sb_free(&b);
        model_free(models[i]);
    }
    T_DONE();
}
