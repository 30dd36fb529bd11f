/* Emitted buffer allocators: golden files for two fixed registrations, and the emitted macros
 * compiled natively and exercised. A generated driver walks the owner tree the way the device
 * code does (each owner allocates its buffers from the slices its parent hands it and passes its
 * children's slices on), writes distinct values through every allocator for two runs, and
 * prints where each pointer landed and the final shared and persistent arrays. The test checks
 * those against offsets worked out by hand below, against the registry's own queries, and that
 * aliases really overlap their targets.
 *
 * `test_registry_golden --regen DIR` rewrites DIR/registry_*.expected (review the diff). */
#include "ccutil.h"
#include "harness.h"
#include "codegen/registry.h"
#include "util/strbuf.h"

static bo_context *ctx;

/* What one buffer should look like after layout. space: 'S' shared, 'P' persistent, 'L' local.
 * abs: offset from the start of the run's shared region / persistent array (hand-computed).
 * For 'L', count and bytes are the declared array's length and element size. */
typedef struct {
    const char *owner, *name;
    char space;
    long abs;
    int size;
    const char *alias; /* target, when the buffer must sit inside it */
    int count, bytes;
} want_buf;

typedef struct {
    const char *parent, *child;
} edge;

/* Case "tree" (f64): loop -> algorithm -> solver -> linear_solver and loop -> controller.
 *   loop own:       shared state 0..2, proposed_state 3..5, parameters 6..7, observables 8 (0);
 *                   persistent dt 0                                          -> shared 8, pers 1
 *   algorithm own:  shared stage_accumulator 0..5, stage_base inside it at 0..2, stage_tmp inside
 *                   at 3..4, stage_extra does not fit (3+2+2 > 6): own 6..7; persistent
 *                   stage_rhs 0..2                                           -> shared 8, pers 3
 *   solver own:     shared delta 0..2, residual 3..5; persistent prev_theta 0 -> shared 6, pers 1
 *   linear_solver:  shared temp 0..2; persistent history 0..1, history_view inside it at 0
 *                                                                            -> shared 3, pers 2
 *   controller:     persistent timestep_buffer 0..1 (PID)                    -> shared 0, pers 2
 * Slices: algorithm at (8, 1) in loop; solver at (8, 3) in algorithm; linear_solver at (6, 1) in
 * solver; controller at (8 + 17, 1 + 6) = (25, 7) in loop. Root totals: shared 25 (odd: stride
 * 25), persistent 9. Absolute offsets add the slice offsets down the tree. */
static const want_buf tree_want[] = {
    {"loop", "state", 'S', 0, 3, NULL, 0, 0},
    {"loop", "proposed_state", 'S', 3, 3, NULL, 0, 0},
    {"loop", "error", 'L', 0, 3, NULL, 3, 8},
    {"loop", "parameters", 'S', 6, 2, NULL, 0, 0},
    {"loop", "counters", 'L', 0, 0, NULL, 1, 8},
    {"loop", "proposed_counters", 'L', 0, 2, NULL, 2, 4},
    {"loop", "dt", 'P', 0, 1, NULL, 0, 0},
    {"loop", "observables", 'S', 8, 0, NULL, 0, 0},
    {"algorithm", "stage_accumulator", 'S', 8, 6, NULL, 0, 0},
    {"algorithm", "stage_base", 'S', 8, 3, "stage_accumulator", 0, 0},
    {"algorithm", "stage_rhs", 'P', 1, 3, NULL, 0, 0},
    {"algorithm", "stage_tmp", 'S', 11, 2, "stage_accumulator", 0, 0},
    {"algorithm", "stage_extra", 'S', 14, 2, NULL, 0, 0},
    {"solver", "delta", 'S', 16, 3, NULL, 0, 0},
    {"solver", "residual", 'S', 19, 3, NULL, 0, 0},
    {"solver", "krylov_iters", 'L', 0, 1, NULL, 1, 4},
    {"solver", "prev_theta", 'P', 4, 1, NULL, 0, 0},
    {"solver", "residual_temp", 'L', 0, 3, NULL, 3, 8},
    {"linear_solver", "preconditioned_vec", 'L', 0, 3, NULL, 3, 8},
    {"linear_solver", "temp", 'S', 22, 3, NULL, 0, 0},
    {"linear_solver", "chain_scratch", 'L', 0, 3, NULL, 3, 8},
    {"linear_solver", "history", 'P', 5, 2, NULL, 0, 0},
    {"linear_solver", "history_view", 'P', 5, 1, "history", 0, 0},
    {"controller", "timestep_buffer", 'P', 7, 2, NULL, 0, 0},
};
static const edge tree_edges[] = {
    {"loop", "algorithm"},
    {"loop", "controller"},
    {"algorithm", "solver"},
    {"solver", "linear_solver"},
};

static void build_tree(reg_registry *r)
{
    /* Components register bottom-up, as they are constructed, and the loop last. */
    T_EQ_INT(reg_register(r, "linear_solver", "preconditioned_vec", 3, REG_LOCAL, 0, NULL, REG_F64),
             BO_OK);
    T_EQ_INT(reg_register(r, "linear_solver", "temp", 3, REG_SHARED, 0, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "linear_solver", "chain_scratch", 3, REG_LOCAL, 0,
                          "preconditioned_vec", REG_F64),
             BO_OK);
    T_EQ_INT(reg_register(r, "linear_solver", "history", 2, REG_LOCAL, 1, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "linear_solver", "history_view", 1, REG_LOCAL, 1, "history", REG_F64),
             BO_OK);
    T_EQ_INT(reg_register(r, "solver", "delta", 3, REG_SHARED, 0, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "solver", "residual", 3, REG_SHARED, 0, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "solver", "krylov_iters", 1, REG_LOCAL, 0, NULL, REG_I32), BO_OK);
    T_EQ_INT(reg_register(r, "solver", "prev_theta", 1, REG_LOCAL, 1, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "solver", "residual_temp", 3, REG_LOCAL, 0, "residual", REG_F64),
             BO_OK);
    T_EQ_INT(reg_add_child(r, "solver", "linear_solver"), BO_OK);
    T_EQ_INT(reg_register(r, "algorithm", "stage_accumulator", 6, REG_SHARED, 0, NULL, REG_F64),
             BO_OK);
    T_EQ_INT(
        reg_register(r, "algorithm", "stage_base", 3, REG_SHARED, 0, "stage_accumulator", REG_F64),
        BO_OK);
    T_EQ_INT(reg_register(r, "algorithm", "stage_rhs", 3, REG_LOCAL, 1, NULL, REG_F64), BO_OK);
    T_EQ_INT(
        reg_register(r, "algorithm", "stage_tmp", 2, REG_SHARED, 0, "stage_accumulator", REG_F64),
        BO_OK);
    T_EQ_INT(
        reg_register(r, "algorithm", "stage_extra", 2, REG_SHARED, 0, "stage_accumulator", REG_F64),
        BO_OK);
    T_EQ_INT(reg_add_child(r, "algorithm", "solver"), BO_OK);
    T_EQ_INT(reg_register(r, "controller", "timestep_buffer", 2, REG_LOCAL, 1, NULL, REG_F64),
             BO_OK);
    T_EQ_INT(reg_register(r, "loop", "state", 3, REG_SHARED, 0, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "loop", "proposed_state", 3, REG_SHARED, 0, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "loop", "error", 3, REG_LOCAL, 0, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "loop", "parameters", 2, REG_SHARED, 0, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "loop", "counters", 0, REG_LOCAL, 0, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "loop", "proposed_counters", 2, REG_LOCAL, 0, NULL, REG_I32), BO_OK);
    T_EQ_INT(reg_register(r, "loop", "dt", 1, REG_LOCAL, 1, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "loop", "observables", 0, REG_SHARED, 0, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_add_child(r, "loop", "algorithm"), BO_OK);
    T_EQ_INT(reg_add_child(r, "loop", "controller"), BO_OK);
}

/* Case "f32" (f32 working precision): loop state shared 0..3, error local f32, accum local f64,
 * flags local i32; controller (Gustafsson, timestep_buffer_location=shared) at shared 4, its
 * timestep_buffer 4..5. Shared 6 is even: stride 7. Persistent 0: the kernel declares 1. */
static const want_buf f32_want[] = {
    {"loop", "state", 'S', 0, 4, NULL, 0, 0},
    {"loop", "error", 'L', 0, 4, NULL, 4, 4},
    {"loop", "accum", 'L', 0, 2, NULL, 2, 8},
    {"loop", "flags", 'L', 0, 1, NULL, 1, 4},
    {"controller", "timestep_buffer", 'S', 4, 2, NULL, 0, 0},
};
static const edge f32_edges[] = {{"loop", "controller"}};

static void build_f32(reg_registry *r)
{
    T_EQ_INT(reg_set_working_precision(r, REG_F32), BO_OK);
    T_EQ_INT(reg_register(r, "controller", "timestep_buffer", 2, REG_LOCAL, 1, NULL, REG_F32),
             BO_OK);
    T_EQ_INT(reg_register(r, "loop", "state", 4, REG_SHARED, 0, NULL, REG_F32), BO_OK);
    T_EQ_INT(reg_register(r, "loop", "error", 4, REG_LOCAL, 0, NULL, REG_F32), BO_OK);
    T_EQ_INT(reg_register(r, "loop", "accum", 2, REG_LOCAL, 0, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "loop", "flags", 1, REG_LOCAL, 0, NULL, REG_I32), BO_OK);
    T_EQ_INT(reg_add_child(r, "loop", "controller"), BO_OK);
    reg_location loc = REG_LOCAL;
    T_EQ_INT(reg_parse_location(ctx, "timestep_buffer_location", "shared", &loc), BO_OK);
    T_EQ_INT(reg_set_location(r, "timestep_buffer", loc), 1);
}

/* Absolute offset of owner's slices: the sum of slice offsets from the root down the edges. */
static void slice_base(const reg_registry *r, const char *owner, const edge *e, size_t ne,
                       size_t *sh, size_t *pe)
{
    *sh = 0;
    *pe = 0;
    for (int depth = 0; depth < 16; ++depth) {
        const char *parent = NULL;
        for (size_t k = 0; k < ne; ++k) {
            if (strcmp(e[k].child, owner) == 0)
                parent = e[k].parent;
        }
        if (!parent)
            return;
        size_t s = 0, p = 0;
        T_EQ_INT(reg_child_slice(r, owner, &s, &p), BO_OK);
        *sh += s;
        *pe += p;
        owner = parent;
    }
}

/* The registry's queries agree with the hand-computed table. */
static void check_queries(const reg_registry *r, const want_buf *w, size_t n, const edge *e,
                          size_t ne)
{
    for (size_t i = 0; i < n; ++i) {
        reg_buffer_info bi;
        T_EQ_INT(reg_find(r, w[i].owner, w[i].name, &bi), BO_OK);
        size_t sh, pe;
        slice_base(r, w[i].owner, e, ne, &sh, &pe);
        reg_class want_cls = w[i].space == 'S'   ? REG_CLASS_SHARED
                             : w[i].space == 'P' ? REG_CLASS_PERSISTENT
                                                 : REG_CLASS_LOCAL;
        T_CHECKF(bi.cls == want_cls, "%s.%s class %d", w[i].owner, w[i].name, (int)bi.cls);
        T_EQ_INT(bi.size, w[i].size);
        T_EQ_INT(bi.inside_target, w[i].alias != NULL);
        if (w[i].space != 'L') {
            long got = (long)(bi.offset + (w[i].space == 'S' ? sh : pe));
            T_CHECKF(got == w[i].abs, "%s.%s at %ld, want %ld", w[i].owner, w[i].name, got,
                     w[i].abs);
        } else {
            T_EQ_INT(bi.elements, w[i].count);
        }
    }
}

static int owner_index(const char *const *owners, size_t n, const char *o)
{
    for (size_t i = 0; i < n; ++i) {
        if (strcmp(owners[i], o) == 0)
            return (int)i;
    }
    return -1;
}

/* A driver that exercises the allocators. Owner functions are emitted children first so each
 * is defined before use. Buffer i of the table writes run*10000 + i*100 + k into element k. */
static char *driver(const char *alloc_code, int bits, const want_buf *w, size_t n, const edge *e,
                    size_t ne)
{
    const char *owners[8];
    size_t no = 0;
    for (size_t i = 0; i < n; ++i) {
        if (owner_index(owners, no, w[i].owner) < 0)
            owners[no++] = w[i].owner;
    }
    sb_buf b;
    sb_init(&b);
    sb_printf(&b, "#define BO_PRECISION %d\n#include \"prelude.h\"\n#include <stdio.h>\n", bits);
    sb_append(&b, alloc_code);
    sb_append(&b, "\nstatic bo_real *g_sh;\nstatic bo_real *g_pe;\nstatic int g_run;\n"
                  "static void fill(bo_real *p, int n, int id)\n{\n"
                  "    for (int k = 0; k < n; ++k)\n"
                  "        p[k] = (bo_real)(g_run * 10000 + id * 100 + k);\n}\n");
    for (size_t oi = no; oi-- > 0;) {
        const char *o = owners[oi];
        sb_printf(&b, "static void %s_fn(bo_real *shared, bo_real *persistent)\n{\n", o);
        sb_append(&b, "    (void)shared;\n    (void)persistent;\n");
        for (size_t i = 0; i < n; ++i) {
            if (strcmp(w[i].owner, o) != 0)
                continue;
            sb_printf(&b, "    BO_ALLOC_%s_%s(b%zu, shared, persistent);\n", o, w[i].name, i);
            if (w[i].space == 'L') {
                /* Every element of a local array is writable and reads back. */
                sb_printf(&b,
                          "    for (int k = 0; k < %d; ++k)\n        b%zu[k] = 3;\n"
                          "    if (g_run == 0)\n        printf(\"L %s %s %%d %%d %%d\\n\", "
                          "(int)(sizeof b%zu_buf / sizeof b%zu_buf[0]), (int)sizeof b%zu[0], "
                          "(int)b%zu[%d]);\n",
                          w[i].count, i, o, w[i].name, i, i, i, i, w[i].count - 1);
            } else {
                sb_printf(&b, "    fill(b%zu, %d, %zu);\n", i, w[i].size, i);
                sb_printf(&b,
                          "    if (g_run == 0)\n        printf(\"%c %s %s %%ld\\n\", (long)(b%zu "
                          "- %s));\n",
                          w[i].space, o, w[i].name, i, w[i].space == 'S' ? "g_sh" : "g_pe");
            }
        }
        for (size_t k = 0; k < ne; ++k) {
            if (strcmp(e[k].parent, o) == 0)
                sb_printf(&b,
                          "    %s_fn(BO_CHILD_SHARED_%s_%s(shared), "
                          "BO_CHILD_PERSISTENT_%s_%s(persistent));\n",
                          e[k].child, o, e[k].child, o, e[k].child);
        }
        sb_append(&b, "}\n");
    }
    sb_printf(&b,
              "int main(void)\n{\n"
              "    static bo_real shared[2 * BO_SHARED_STRIDE + 1];\n"
              "    static bo_real persistent[2][BO_PERSISTENT_TOTAL > 0 ? BO_PERSISTENT_TOTAL : "
              "1];\n"
              "    for (int k = 0; k < 2 * BO_SHARED_STRIDE + 1; ++k)\n"
              "        shared[k] = -1;\n"
              "    for (int k = 0; k < (BO_PERSISTENT_TOTAL > 0 ? BO_PERSISTENT_TOTAL : 1); ++k)\n"
              "        persistent[0][k] = persistent[1][k] = -1;\n"
              "    for (g_run = 0; g_run < 2; ++g_run) {\n"
              "        g_sh = shared + g_run * BO_SHARED_STRIDE;\n"
              "        g_pe = persistent[g_run];\n"
              "        %s_fn(g_sh, g_pe);\n"
              "    }\n"
              "    printf(\"stride %%d persistent %%d\\n\", BO_SHARED_STRIDE, "
              "BO_PERSISTENT_TOTAL);\n"
              "    printf(\"shared\");\n"
              "    for (int k = 0; k < 2 * BO_SHARED_STRIDE + 1; ++k)\n"
              "        printf(\" %%.0f\", (double)shared[k]);\n"
              "    for (int r = 0; r < 2; ++r) {\n"
              "        printf(\"\\npersistent\");\n"
              "        for (int k = 0; k < BO_PERSISTENT_TOTAL; ++k)\n"
              "            printf(\" %%.0f\", (double)persistent[r][k]);\n"
              "    }\n"
              "    printf(\"\\n\");\n"
              "    return 0;\n}\n",
              owners[0]);
    return sb_take(&b);
}

/* Parse "name v v v ..." from the line starting with name; returns how many values. */
static int parse_values(const char *out, const char *name, int nth, double *v, int max)
{
    const char *p = out;
    size_t len = strlen(name);
    for (;;) {
        p = strstr(p, name);
        if (!p)
            return -1;
        if ((p == out || p[-1] == '\n') && (p[len] == ' ' || p[len] == '\n') && nth-- == 0)
            break;
        p += len;
    }
    p += len;
    int n = 0;
    while (*p == ' ' && n < max) {
        char *end;
        v[n++] = strtod(p, &end);
        p = end;
    }
    return n;
}

static void exercise(const char *label, const char *code, int bits, const want_buf *w, size_t n,
                     const edge *e, size_t ne, long stride, long ptotal)
{
    char *src = driver(code, bits, w, n, e, ne);
    T_CHECK(src != NULL);
    if (!src)
        return;
    int rc = -1;
    char *run_out = ccu_compile_run(src, CCU_STRICT " -I" BO_SOURCE_DIR "/kernels", &rc);
    T_CHECKF(run_out != NULL, "%s: driver did not compile", label);
    T_EQ_INT(rc, 0);
    /* A leading newline lets every line, the first included, be found as "\n<line>". */
    char *out = run_out ? bo_asprintf("\n%s", run_out) : NULL;
    free(run_out);
    if (!out) {
        printf("%s\n", src);
        free(src);
        return;
    }
    /* Where each pointer landed (run 0) and, for locals, the declared array. */
    for (size_t i = 0; i < n; ++i) {
        char key[160];
        snprintf(key, sizeof key, "\n%c %s %s ", w[i].space, w[i].owner, w[i].name);
        const char *p = strstr(out, key);
        T_CHECKF(p != NULL, "%s: no line for %s.%s", label, w[i].owner, w[i].name);
        if (!p)
            continue;
        p += strlen(key);
        if (w[i].space == 'L') {
            int count = -1, bytes = -1, readback = -1;
            T_EQ_INT(sscanf(p, "%d %d %d", &count, &bytes, &readback), 3);
            T_CHECKF(count == w[i].count && bytes == w[i].bytes && readback == 3,
                     "%s: %s.%s local array %d x %d bytes", label, w[i].owner, w[i].name, count,
                     bytes);
        } else {
            long at = -1;
            T_EQ_INT(sscanf(p, "%ld", &at), 1);
            T_CHECKF(at == w[i].abs, "%s: %s.%s at %ld, want %ld", label, w[i].owner, w[i].name, at,
                     w[i].abs);
        }
        /* Aliases sit inside their targets. */
        for (size_t t = 0; w[i].alias && t < n; ++t) {
            if (strcmp(w[t].owner, w[i].owner) == 0 && strcmp(w[t].name, w[i].alias) == 0) {
                T_CHECK(w[t].space == w[i].space);
                T_CHECK(w[i].abs >= w[t].abs && w[i].abs + w[i].size <= w[t].abs + w[t].size);
            }
        }
    }
    /* The arrays: what the writes in table order must leave, computed here, for both runs. */
    double want_sh[64], want_pe[2][64];
    for (int k = 0; k < 64; ++k)
        want_sh[k] = want_pe[0][k] = want_pe[1][k] = -1;
    for (int run = 0; run < 2; ++run) {
        for (size_t i = 0; i < n; ++i) {
            for (int k = 0; k < w[i].size && w[i].space != 'L'; ++k) {
                double v = run * 10000 + (double)i * 100 + k;
                if (w[i].space == 'S')
                    want_sh[run * stride + w[i].abs + k] = v;
                else
                    want_pe[run][w[i].abs + k] = v;
            }
        }
    }
    char head[64];
    snprintf(head, sizeof head, "stride %ld persistent %ld\n", stride, ptotal);
    T_CONTAINS(out, head);
    double got[64];
    int ns = parse_values(out, "shared", 0, got, 64);
    T_EQ_INT(ns, 2 * stride + 1);
    for (int k = 0; k < ns && k < 2 * stride + 1; ++k)
        T_CHECKF(got[k] == want_sh[k], "%s: shared[%d] = %.0f, want %.0f", label, k, got[k],
                 want_sh[k]);
    for (int run = 0; run < 2; ++run) {
        int np = parse_values(out, "persistent", run, got, 64);
        T_EQ_INT(np, ptotal);
        for (int k = 0; k < np; ++k)
            T_CHECKF(got[k] == want_pe[run][k], "%s: persistent[%d][%d] = %.0f, want %.0f", label,
                     run, k, got[k], want_pe[run][k]);
    }
    free(out);
    free(src);
}

/* NVRTC compiles C++: the emitted macros must be valid C++ too. */
static void check_cxx(const char *code, int bits)
{
    if (system("c++ --version > /dev/null 2>&1") != 0) {
        printf("note: no c++ compiler; C++ check skipped\n");
        return;
    }
    sb_buf b;
    sb_init(&b);
    sb_printf(&b, "#define BO_PRECISION %d\n#include \"prelude.h\"\n%s\n", bits, code);
    sb_append(&b, "int use(bo_real *shared, bo_real *persistent);\n"
                  "int use(bo_real *shared, bo_real *persistent)\n{\n"
                  "    BO_ALLOC_loop_state(s, shared, persistent);\n"
                  "    (void)persistent;\n"
                  "    s[0] = BO_C(1.0);\n"
                  "    return BO_SHARED_STRIDE + BO_PERSISTENT_TOTAL;\n}\n");
    char *text = sb_take(&b);
    char *path = text ? ccu_write_temp(text, ".cpp") : NULL;
    T_CHECK(path != NULL);
    if (path) {
        char cmd[1024];
        snprintf(cmd, sizeof cmd,
                 "c++ -std=c++11 -Wall -Wextra -Werror -pedantic -fsyntax-only -I%s/kernels %s",
                 BO_SOURCE_DIR, path);
        T_EQ_INT(system(cmd), 0);
        unlink(path);
        free(path);
    }
    free(text);
}

typedef struct {
    const char *name;
    void (*build)(reg_registry *);
    int bits;
    const want_buf *want;
    size_t nwant;
    const edge *edges;
    size_t nedges;
    long stride, ptotal;
} golden_case;

static const golden_case cases[] = {
    {"tree", build_tree, 64, tree_want, sizeof tree_want / sizeof tree_want[0], tree_edges,
     sizeof tree_edges / sizeof tree_edges[0], 25, 9},
    {"f32", build_f32, 32, f32_want, sizeof f32_want / sizeof f32_want[0], f32_edges,
     sizeof f32_edges / sizeof f32_edges[0], 7, 0},
};

int main(int argc, char **argv)
{
    const char *regen = NULL;
    if (argc == 3 && strcmp(argv[1], "--regen") == 0)
        regen = argv[2];
    T_EQ_INT(bo_context_create(&ctx), BO_OK);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; ++c) {
        const golden_case *gc = &cases[c];
        reg_registry *r = NULL;
        T_EQ_INT(reg_create(ctx, &r), BO_OK);
        gc->build(r);
        T_EQ_INT(reg_layout(r), BO_OK);
        check_queries(r, gc->want, gc->nwant, gc->edges, gc->nedges);
        T_EQ_INT(reg_shared_stride(r), gc->stride);
        T_EQ_INT(reg_persistent_elements(r, "loop"), gc->ptotal);
        sb_buf b;
        sb_init(&b);
        T_EQ_INT(reg_emit(r, ctx, &b), BO_OK);
        /* Emission is deterministic and does not change the layout. */
        sb_buf again;
        sb_init(&again);
        T_EQ_INT(reg_emit(r, ctx, &again), BO_OK);
        T_EQ_STR(sb_cstr(&again), sb_cstr(&b));
        sb_free(&again);
        char *code = sb_take(&b);
        T_CHECK(code != NULL);
        if (!code) {
            reg_destroy(r);
            continue;
        }
        char path[1024];
        if (regen) {
            snprintf(path, sizeof path, "%s/registry_%s.expected", regen, gc->name);
            FILE *f = fopen(path, "w");
            T_CHECK(f != NULL);
            if (f) {
                fputs(code, f);
                fclose(f);
                printf("wrote %s\n", path);
            }
        } else {
            snprintf(path, sizeof path, "%s/tests/golden/registry_%s.expected", BO_SOURCE_DIR,
                     gc->name);
            char *expected = ccu_read_file(path);
            T_CHECKF(expected != NULL, "cannot read %s (regenerate with --regen)", path);
            if (expected)
                T_CHECKF(strcmp(expected, code) == 0, "%s differs from the emitted code:\n%s", path,
                         code);
            free(expected);
        }
        exercise(gc->name, code, gc->bits, gc->want, gc->nwant, gc->edges, gc->nedges, gc->stride,
                 gc->ptotal);
        check_cxx(code, gc->bits);
        /* The layout guard: compiling for the other precision is refused. */
        char *other = NULL;
        sb_init(&b);
        sb_printf(&b,
                  "#define BO_PRECISION %d\n#include \"prelude.h\"\n%s\nint main(void)\n"
                  "{\n    return 0;\n}\n",
                  gc->bits == 64 ? 32 : 64, code);
        other = sb_take(&b);
        int rc = 0;
        printf("(a compile error mentioning the working precision is expected next)\n");
        char *o =
            other ? ccu_compile_run(other, CCU_STRICT " -I" BO_SOURCE_DIR "/kernels", &rc) : NULL;
        T_CHECK(o == NULL);
        free(o);
        free(other);
        free(code);
        reg_destroy(r);
    }
    bo_context_destroy(ctx);
    T_DONE();
}
