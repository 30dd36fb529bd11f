/* The emitted model functions compiled by NVRTC (the CUDA path, no GPU needed): a unit of
 * the prelude, the model functions and a kernel calling each of them, for sm_90 as a cubin
 * and as PTX, in double and float. Skips (77) only when libnvrtc cannot be loaded. */
#include "backend/cuda/nvrtc.h"
#include "codegen/codegen.h"
#include "harness.h"
#include "testmodels.h"

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
