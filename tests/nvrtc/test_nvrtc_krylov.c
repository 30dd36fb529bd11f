/* The Krylov linear solver (kernels/krylov.h) compiled by NVRTC into an sm_90 cubin (no GPU
 * needed), as a generated program contains it: the emitted model functions, the constants from
 * pg_emit_linsolve, the registry's allocators from pg_register_linsolve (every Krylov buffer
 * local, or every one moved to shared memory), the embedded status.h, linsolve.h and
 * krylov.h, and a kernel that records a point, factors and solves. Lorenz (n = 3, basis
 * clipped to n) and a 64-state reaction-diffusion chain, float32 and float64, with and
 * without Jacobi. Skips (77) only when libnvrtc cannot be loaded. */
#include <string.h>

#include "backend/cuda/nvrtc.h"
#include "methods/algorithm.h"
#include "codegen/codegen.h"
#include "util/embedded.h"
#include "harness.h"
#include "codegen/registry.h"

static const char *const lorenz_text = "model lorenz\n"
                                       "const beta = 8/3\n"
                                       "param sigma = 10, rho = 28\n"
                                       "state x = 1, y = 0, z = 0\n"
                                       "dx/dt = sigma*(y - x)\n"
                                       "dy/dt = x*(rho - z) - y\n"
                                       "dz/dt = x*y - beta*z\n";

static char *chain_text(int n)
{
    sb_buf t;
    sb_init(&t);
    sb_append(&t, "model chain\nparam D = 2.385, r = 1.5\nstate ");
    for (int i = 0; i < n; ++i)
        sb_printf(&t, "%sx%d = 0.5", i ? ", " : "", i);
    sb_append(&t, "\n");
    for (int i = 0; i < n; ++i)
        sb_printf(&t, "dx%d/dt = D*(x%d - 2*x%d + x%d) + r*x%d*(1 - x%d)\n", i, (i + n - 1) % n, i,
                  (i + 1) % n, i, i);
    return sb_take(&t);
}

static const char kernel[] =
    "extern \"C\" __global__ void bo_krylov_kernel(const bo_real *y, const bo_real *p,\n"
    "                                              bo_real c, bo_real *x, int *status)\n"
    "{\n"
    "    extern __shared__ bo_real bo_shared_block[];\n"
    "    const int r = (int)(blockIdx.x * blockDim.x + threadIdx.x);\n"
    "    bo_real pers[BO_PERSISTENT_ELEMENTS_algorithm + 1];\n"
    "    bo_real *sh = bo_shared_block + threadIdx.x * (BO_SHARED_ELEMENTS_algorithm + 1);\n"
    "    bo_real *ls_sh = BO_CHILD_SHARED_algorithm_linear_solver(sh);\n"
    "    bo_real *ls_pe = BO_CHILD_PERSISTENT_algorithm_linear_solver(pers);\n"
    "    BO_LS_WORKSPACE(ws, ls_sh, ls_pe);\n"
    "    bo_real yy[BO_N], xx[BO_N], drv[1];\n"
    "    drv[0] = BO_C(0);\n"
    "    BO_UNROLL\n"
    "    for (int i = 0; i < BO_N; ++i) {\n"
    "        yy[i] = y[r * BO_N + i];\n"
    "        xx[i] = x[r * BO_N + i];\n"
    "    }\n"
    "    bo_ls_jacobian(&ws, yy, p, drv, BO_C(0));\n"
    "    int rc = bo_ls_factor(&ws, c);\n"
    "    rc |= bo_ls_solve(&ws, p, drv, BO_C(0), xx);\n"
    "    BO_UNROLL\n"
    "    for (int i = 0; i < BO_N; ++i)\n"
    "        x[r * BO_N + i] = xx[i];\n"
    "    status[r] = rc | (ws.iters << 16);\n"
    "}\n";

static const char *const krylov_buffers[] = {"krylov_point", "krylov_diag",       "krylov_precond",
                                             "krylov_basis", "krylov_hessenberg", "krylov_work"};

static void compile(bo_context *ctx, const bo_model *m, int prec, int jacobi, int shared)
{
    size_t n = bo_model_count(m, BO_STATE);
    sb_buf b;
    sb_init(&b);
    T_EQ_INT(cg_emit_unit(ctx, m, prec, &b), BO_OK);
    sb_append(&b, bo_embedded_find("status.h"));
    sb_append(&b, "#define BO_N BO_MODEL_N\n");
    pg_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.precision = prec;
    cfg.linear_solver = PG_LS_KRYLOV;
    cfg.preconditioner = jacobi ? PG_PRECOND_JACOBI : PG_PRECOND_NONE;
    cfg.newton_tolerance = 0.03;
    cfg.krylov_tolerance = prec == 32 ? 1e-5 : 1e-8;
    cfg.krylov_max_iters = 100;
    cfg.krylov_restart = 10;
    pg_emit_linsolve(&cfg, n, &b);
    reg_registry *reg = NULL;
    reg_precision rp = prec == 32 ? REG_F32 : REG_F64;
    T_EQ_INT(reg_create(ctx, &reg), BO_OK);
    T_EQ_INT(reg_set_working_precision(reg, rp), BO_OK);
    T_EQ_INT(reg_add_owner(reg, "algorithm"), BO_OK);
    T_EQ_INT(pg_register_linsolve(reg, &cfg, n, rp), BO_OK);
    for (size_t i = 0; shared && i < sizeof krylov_buffers / sizeof krylov_buffers[0]; ++i)
        T_EQ_INT(reg_set_location(reg, krylov_buffers[i], REG_SHARED), 1);
    T_EQ_INT(reg_emit(reg, ctx, &b), BO_OK);
    if (shared)
        T_CHECK(reg_shared_elements(reg, "algorithm") >= 4 * n);
    reg_destroy(reg);
    const char *lib[2] = {"linsolve.h", "krylov.h"};
    for (int i = 0; i < 2; ++i) {
        const char *text = bo_embedded_find(lib[i]);
        T_CHECKF(text != NULL, "%s is not embedded", lib[i]);
        T_CHECK(text && strstr(text, "#include") == NULL);
        if (text)
            sb_append(&b, text);
    }
    sb_append(&b, kernel);
    char *out = NULL;
    size_t size = 0;
    int rc = cu_nvrtc_compile(ctx, sb_cstr(&b), "krylov.cu", 90, 1, &out, &size);
    T_CHECKF(rc == BO_OK && out && size > 16 && memcmp(out, "\177ELF", 4) == 0,
             "%s float%d jacobi=%d shared=%d: %s\n%s", bo_model_name(m), prec, jacobi, shared,
             bo_errmsg(ctx), bo_errlog(ctx));
    bo_free(out);
    sb_free(&b);
}

int main(void)
{
    bo_context *ctx = NULL;
    if (bo_context_create(&ctx) != BO_OK)
        return 1;
    if (cu_nvrtc_load(ctx) != BO_OK) {
        printf("%s\n", bo_errmsg(ctx));
        bo_context_destroy(ctx);
        T_SKIP("NVRTC cannot be loaded");
    }
    bo_model *lorenz = NULL, *chain = NULL;
    char *text = chain_text(64);
    T_EQ_INT(bo_model_load_string(ctx, lorenz_text, "lorenz", &lorenz), BO_OK);
    T_EQ_INT(bo_model_load_string(ctx, text, "chain", &chain), BO_OK);
    bo_free(text);
    if (lorenz && chain) {
        /* Every value of every axis, in rotation. */
        for (int q = 0; q < 8; ++q)
            compile(ctx, q % 2 ? chain : lorenz, q & 2 ? 32 : 64, (q / 4) % 2 == 0,
                    ((q + q / 4) / 2) % 2);
    }
    bo_model_destroy(lorenz);
    bo_model_destroy(chain);
    bo_context_destroy(ctx);
    T_DONE();
}
