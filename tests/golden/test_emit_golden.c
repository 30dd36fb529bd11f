/* Golden outputs of the model emitter: the emitted functions of fixed models must equal
 * tests/golden/<name>.expected byte for byte, so any change to the generated code shows up in
 * review as a diff of those files. Regenerate them with scripts/regen-golden.sh (this binary
 * with `--regen DIR`) after checking that the change is intended. */
#include "codegen/codegen.h"
#include "harness.h"
#include "testmodels.h"

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
