/* The emitted model functions compiled by NVRTC (the CUDA path, no GPU needed): a unit of
 * the prelude, the model functions and a kernel calling each of them, for sm_90 as a cubin
 * and as PTX, in double and float; for Lorenz, the kitchen-sink model and a 300-state chain
 * whose functions are written in parts (BO_MODEL_PART, values shared through an array) with
 * a Jacobian too large to list entry by entry. Skips (77) only when libnvrtc cannot be
 * loaded. */
#include "backend/cuda/nvrtc.h"
#include "codegen/codegen.h"
#include "harness.h"
#include "testmodels.h"
#include "util/strbuf.h"

static const char kernel[] =
    "#define W_N(a) ((a) > 0 ? (a) : 1)\n"
    "extern \"C\" __global__ void bo_test_kernel(const bo_real *y, const bo_real *p,\n"
    "    const bo_real *drv, bo_real t, const bo_real *v, const bo_real *ddt, bo_real *out)\n"
    "{\n"
    "    const int r = (int)(blockIdx.x * blockDim.x + threadIdx.x);\n"
    "    const int stride = W_N(BO_MODEL_N) * (4 + BO_MODEL_N + BO_MODEL_ND) + BO_MODEL_NO;\n"
    "    bo_real *o = out + r * stride;\n"
    "    const bo_real *yr = y + r * W_N(BO_MODEL_N);\n"
    "    bo_model_dxdt(yr, p, drv, t, o);\n"
    "    o += W_N(BO_MODEL_N);\n"
    "    bo_model_observables(yr, p, drv, t, o);\n"
    "    o += BO_MODEL_NO;\n"
    "    bo_model_jacobian(yr, p, drv, t, o);\n"
    "    o += W_N(BO_MODEL_N) * BO_MODEL_N;\n"
    "    bo_model_jvp(yr, p, drv, t, v, o);\n"
    "    o += W_N(BO_MODEL_N);\n"
    "    bo_model_dfdt(yr, p, drv, t, ddt, o);\n"
    "    o += W_N(BO_MODEL_N);\n"
    "    bo_model_dfddrv(yr, p, drv, t, o);\n"
    "}\n";

static void compile_model(bo_context *ctx, bo_model *m)
{
    for (int prec = 64; prec >= 32; prec -= 32) {
        sb_buf b;
        sb_init(&b);
        T_EQ_INT(cg_emit_unit(ctx, m, prec, &b), BO_OK);
        sb_append(&b, kernel);
        for (int cubin = 0; cubin < 2; ++cubin) {
            char *out = NULL;
            size_t size = 0;
            int rc = cu_nvrtc_compile(ctx, sb_cstr(&b), m->name, 90, cubin, &out, &size);
            T_CHECKF(rc == BO_OK, "%s precision %d %s: %s\n%s", m->name, prec,
                     cubin ? "cubin" : "PTX", bo_errmsg(ctx), bo_errlog(ctx));
            if (rc == BO_OK) {
                T_CHECK(out != NULL && size > 16);
                if (cubin) {
                    T_CHECK(memcmp(out,
                                   "\x7f"
                                   "ELF",
                                   4) == 0);
                } else {
                    T_CONTAINS(out, ".target sm_90");
                    T_CONTAINS(out, ".entry bo_test_kernel");
                    T_CONTAINS(out, prec == 64 ? ".f64" : ".f32");
                }
            }
            bo_free(out);
        }
        sb_free(&b);
    }
}

int main(void)
{
    bo_context *ctx = NULL;
    bo_context_create(&ctx);
    if (cu_nvrtc_load(ctx) != BO_OK) {
        printf("%s\n", bo_errmsg(ctx));
        bo_context_destroy(ctx);
        T_SKIP("libnvrtc cannot be loaded");
    }
    int major = 0, minor = 0;
    T_EQ_INT(cu_nvrtc_version(ctx, &major, &minor), BO_OK);
    T_CHECK(major >= 11);
    printf("NVRTC %d.%d\n", major, minor);

    bo_model *m = lorenz();
    compile_model(ctx, m);
    model_free(m);
    m = kitchen();
    compile_model(ctx, m);
    model_free(m);

    /* dx_i/dt = -x_i + 0.001 x_{i+1}, and + x_0 s for every 50th, s = x_0 + ... + x_299 (a
     * sum shared by the parts). */
    sb_buf t;
    sb_init(&t);
    sb_append(&t, "model chain300\nstate x0 = 1");
    for (int i = 1; i < 300; ++i)
        sb_printf(&t, ", x%d = 1", i);
    sb_append(&t, "\naux s = x0");
    for (int i = 1; i < 300; ++i)
        sb_printf(&t, " + x%d", i);
    sb_append(&t, "\n");
    for (int i = 0; i < 300; ++i)
        sb_printf(&t, "dx%d/dt = -x%d + 0.001*x%d%s\n", i, i, (i + 1) % 300,
                  i % 50 == 0 ? " + x0*s" : "");
    m = NULL;
    T_EQ_INT(bo_model_load_string(ctx, sb_cstr(&t), "chain300", &m), BO_OK);
    sb_free(&t);
    if (m) {
        compile_model(ctx, m);
        bo_model_destroy(m);
    }

    /* A compile error: BO_ERR_COMPILE, the whole log kept, its first error line quoted. */
    char *out = (char *)ctx;
    size_t size = 7;
    int rc = cu_nvrtc_compile(ctx, "__global__ void k(void) { undeclared_name = 1; }\n",
                              "broken.cu", 90, 1, &out, &size);
    T_EQ_INT(rc, BO_ERR_COMPILE);
    T_CHECK(out == NULL && size == 0);
    T_CONTAINS(bo_errmsg(ctx), "broken.cu");
    T_CONTAINS(bo_errmsg(ctx), "undeclared_name");
    T_CONTAINS(bo_errlog(ctx), "error");
    T_EQ_INT(cu_nvrtc_compile(ctx, "", "x.cu", 3, 1, &out, &size), BO_ERR_INVALID_ARG);
    T_EQ_INT(cu_nvrtc_compile(ctx, NULL, "x.cu", 90, 1, &out, &size), BO_ERR_INVALID_ARG);
    bo_context_destroy(ctx);
    T_DONE();
}
