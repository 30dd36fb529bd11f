/* Device-code prelude: the portable C subset shared by the host C compiler and NVRTC.
 *
 * The generated translation unit defines BO_PRECISION (32 or 64) before this file. Device
 * code uses only what is defined here: bo_real, the math macros, the qualifier macros and
 * fixed-width integer types. No includes are made under NVRTC (it has none). */
#ifndef BO_PRELUDE_H
#define BO_PRELUDE_H

#ifndef BO_PRECISION
#define BO_PRECISION 64
#endif

#if defined(__CUDACC__) || defined(__CUDACC_RTC__)
#define BO_CUDA 1
#define BO_DEVICE static __device__ __forceinline__
#define BO_DEVICE_NOINLINE static __device__ __noinline__
#define BO_RESTRICT __restrict__
#define BO_CONST_ARRAY static __constant__ const
#define BO_PRAGMA(x) _Pragma(#x)
#define BO_UNROLL BO_PRAGMA(unroll)
#define BO_NO_UNROLL BO_PRAGMA(unroll 1)
typedef int bo_i32;
typedef unsigned int bo_u32;
typedef long long bo_i64;
typedef unsigned long long bo_u64;
#else
#define BO_CUDA 0
#include <math.h>
#include <stdint.h>
#if defined(__GNUC__)
#define BO_DEVICE static inline __attribute__((unused))
#else
#define BO_DEVICE static inline
#endif
#define BO_DEVICE_NOINLINE static
#define BO_RESTRICT restrict
#define BO_CONST_ARRAY static const
#define BO_PRAGMA(x) _Pragma(#x)
#if defined(__clang__)
#define BO_UNROLL BO_PRAGMA(unroll)
#define BO_NO_UNROLL BO_PRAGMA(nounroll)
#elif defined(__GNUC__)
#define BO_UNROLL BO_PRAGMA(GCC unroll 64)
#define BO_NO_UNROLL BO_PRAGMA(GCC unroll 1)
#else
#define BO_UNROLL
#define BO_NO_UNROLL
#endif
typedef int32_t bo_i32;
typedef uint32_t bo_u32;
typedef int64_t bo_i64;
typedef uint64_t bo_u64;
#endif

#if BO_PRECISION == 32
typedef float bo_real;
#define BO_C(x) ((float)(x))
#define BO_EPS 1.1920928955078125e-07f
#define BO_EXP expf
#define BO_LOG logf
#define BO_LOG10 log10f
#define BO_LOG2 log2f
#define BO_EXP2 exp2f
#define BO_SQRT sqrtf
#define BO_CBRT cbrtf
#define BO_POW powf
#define BO_SIN sinf
#define BO_COS cosf
#define BO_TAN tanf
#define BO_ASIN asinf
#define BO_ACOS acosf
#define BO_ATAN atanf
#define BO_ATAN2 atan2f
#define BO_SINH sinhf
#define BO_COSH coshf
#define BO_TANH tanhf
#define BO_ASINH asinhf
#define BO_ACOSH acoshf
#define BO_ATANH atanhf
#define BO_FABS fabsf
#define BO_FLOOR floorf
#define BO_CEIL ceilf
#define BO_ERF erff
#define BO_ERFC erfcf
#define BO_HYPOT hypotf
#else
typedef double bo_real;
#define BO_C(x) ((double)(x))
#define BO_EPS 2.220446049250313e-16
#define BO_EXP exp
#define BO_LOG log
#define BO_LOG10 log10
#define BO_LOG2 log2
#define BO_EXP2 exp2
#define BO_SQRT sqrt
#define BO_CBRT cbrt
#define BO_POW pow
#define BO_SIN sin
#define BO_COS cos
#define BO_TAN tan
#define BO_ASIN asin
#define BO_ACOS acos
#define BO_ATAN atan
#define BO_ATAN2 atan2
#define BO_SINH sinh
#define BO_COSH cosh
#define BO_TANH tanh
#define BO_ASINH asinh
#define BO_ACOSH acosh
#define BO_ATANH atanh
#define BO_FABS fabs
#define BO_FLOOR floor
#define BO_CEIL ceil
#define BO_ERF erf
#define BO_ERFC erfc
#define BO_HYPOT hypot
#endif

/* NaN-propagating helpers: a NaN argument gives a NaN result, so a failing model is seen as
 * a non-finite state instead of being hidden by fmin/fmax. Under -ffast-math we never enable
 * finite-math-only, so x != x still detects NaN. */
BO_DEVICE bo_real bo_min(bo_real a, bo_real b)
{
    return (a != a || a < b) ? a : b;
}

BO_DEVICE bo_real bo_max(bo_real a, bo_real b)
{
    return (a != a || a > b) ? a : b;
}

/* min/max of values that are never NaN (the controller's gains and step sizes): one
 * instruction on the GPU, a compare and select on the CPU (where fmin/fmax would be calls);
 * the same results as bo_min/bo_max for such values. */
BO_DEVICE bo_real bo_min_num(bo_real a, bo_real b)
{
#if BO_CUDA
    return fmin(a, b);
#else
    return a < b ? a : b;
#endif
}

BO_DEVICE bo_real bo_max_num(bo_real a, bo_real b)
{
#if BO_CUDA
    return fmax(a, b);
#else
    return a > b ? a : b;
#endif
}

BO_DEVICE bo_real bo_sign(bo_real a)
{
    return a > BO_C(0) ? BO_C(1) : (a < BO_C(0) ? BO_C(-1) : a);
}

BO_DEVICE int bo_isfinite(bo_real a)
{
    return (a == a) && (a - a == a - a);
}

/* Length of an array of driver values (at least 1, so a model without drivers still declares a
 * valid array); BO_MODEL_ND comes with the model functions, later in the unit. */
#define BO_DRV_LEN (BO_MODEL_ND > 0 ? BO_MODEL_ND : 1)

/* Flags the loop passes to the method's bo_step (src/methods/algorithm.h): the previous step
 * was accepted (an FSAL method's stage buffer holds f(t, y)); the previous attempt started
 * from this same (t, y) and was rejected (values evaluated at (t, y) may be reused); this is
 * the run's first attempt (persistent buffers still hold whatever the previous run on this
 * thread left: a method with history resets it here); the loop will interpolate inside the
 * step (kernels/dense.h). */
#define BO_STEP_FSAL_VALID 1
#define BO_STEP_RETRY 2
#define BO_STEP_FIRST 4
/* The loop will read the step's interior if it is accepted: record what the dense output
 * needs (kernels/dense.h). Only passed when the program keeps dense output (BO_DENSE). */
#define BO_STEP_DENSE 8

/* Time is accumulated in double on every backend, so long runs with many saves do not drift
 * in float32. */
typedef double bo_time;

#endif
