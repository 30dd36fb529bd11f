/* The buffer registry: layouts of many registration sequences checked against offsets worked
 * out by hand (in the comments beside each case), size queries, replacement in place, the
 * location setting, the owner tree, the step-controller case of the design, the bank-padded
 * stride, and every error. */
#include "harness.h"
#include "codegen/registry.h"
#include "util/strbuf.h"

static bo_context *ctx;

/* Layout of one buffer, or a class no buffer has when it is missing. */
static reg_buffer_info info(const reg_registry *r, const char *owner, const char *name)
{
    reg_buffer_info bi;
    memset(&bi, 0, sizeof bi);
    bi.cls = (reg_class)99;
    if (reg_find(r, owner, name, &bi) != BO_OK)
        bi.cls = (reg_class)99;
    return bi;
}

#define T_AT(r, owner, name, cls_, off)                                                            \
    do {                                                                                           \
        reg_buffer_info bi_ = info(r, owner, name);                                                \
        T_EQ_INT(bi_.cls, cls_);                                                                   \
        T_EQ_INT(bi_.offset, off);                                                                 \
    } while (0)

static reg_registry *fresh(void)
{
    reg_registry *r = NULL;
    T_EQ_INT(reg_create(ctx, &r), BO_OK);
    return r;
}

static void test_create(void)
{
    reg_registry *r = (reg_registry *)&r;
    T_EQ_INT(reg_create(ctx, NULL), BO_ERR_INVALID_ARG);
    reg_destroy(NULL);
    /* A failed create leaves *out NULL. */
    bo_test_fail_alloc_after(0);
    T_EQ_INT(reg_create(ctx, &r), BO_ERR_NOMEM);
    bo_test_fail_alloc_after(-1);
    T_CHECK(r == NULL);
    r = fresh();
    T_CHECK(reg_root(r) == NULL);
    T_EQ_INT(reg_shared_stride(r), 0);
    T_EQ_INT(reg_layout(r), BO_OK);
    reg_destroy(r);
}

/* Shared and persistent buffers pack in their own spaces in registration order; plain local
 * buffers take no space there; zero sizes are legal everywhere. */
static void test_basic_packing(void)
{
    reg_registry *r = fresh();
    T_EQ_INT(reg_register(r, "loop", "state", 5, REG_SHARED, 0, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "loop", "error", 5, REG_LOCAL, 0, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "loop", "history", 4, REG_LOCAL, 1, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "loop", "empty_shared", 0, REG_SHARED, 0, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "loop", "drivers", 2, REG_SHARED, 1, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "loop", "empty_local", 0, REG_LOCAL, 0, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "loop", "empty_pers", 0, REG_LOCAL, 1, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "loop", "counts", 7, REG_LOCAL, 0, NULL, REG_I32), BO_OK);
    T_EQ_INT(reg_register(r, "loop", "dt", 1, REG_LOCAL, 1, NULL, REG_F64), BO_OK);
    /* shared: state 0..4, empty_shared at 5 (size 0), drivers 5..6 -> 7.
     * persistent: history 0..3, empty_pers at 4, dt 4 -> 5.
     * local: error 5 + empty_local max(0,1) + counts 7 = 13. */
    T_AT(r, "loop", "state", REG_CLASS_SHARED, 0);
    T_AT(r, "loop", "empty_shared", REG_CLASS_SHARED, 5);
    T_AT(r, "loop", "drivers", REG_CLASS_SHARED, 5);
    T_AT(r, "loop", "history", REG_CLASS_PERSISTENT, 0);
    T_AT(r, "loop", "empty_pers", REG_CLASS_PERSISTENT, 4);
    T_AT(r, "loop", "dt", REG_CLASS_PERSISTENT, 4);
    T_EQ_INT(info(r, "loop", "error").cls, REG_CLASS_LOCAL);
    T_EQ_INT(info(r, "loop", "empty_local").elements, 1);
    T_EQ_INT(info(r, "loop", "empty_local").size, 0);
    T_EQ_INT(info(r, "loop", "empty_shared").elements, 0);
    T_EQ_INT(info(r, "loop", "counts").prec, REG_I32);
    T_EQ_INT(reg_shared_elements(r, "loop"), 7);
    T_EQ_INT(reg_persistent_elements(r, "loop"), 5);
    T_EQ_INT(reg_local_elements(r, "loop"), 13);
    T_EQ_INT(reg_shared_stride(r), 7);
    T_EQ_STR(reg_root(r), "loop");
    T_EQ_INT(reg_layout(r), BO_OK);
    T_EQ_INT(reg_layout(r), BO_OK); /* idempotent */
    T_AT(r, "loop", "drivers", REG_CLASS_SHARED, 5);
    /* Unknown names. */
    T_EQ_INT(reg_shared_elements(r, "nobody"), 0);
    T_EQ_INT(reg_local_elements(r, "nobody"), 0);
    T_EQ_INT(reg_find(r, "loop", "nothing", NULL), BO_ERR_NOT_FOUND);
    T_CONTAINS(bo_errmsg(ctx), "loop.nothing");
    reg_destroy(r);
}

/* Aliases: packing inside a shared target, fallback when the target is full or lives
 * elsewhere, local aliases of local targets, overlap in persistent space. */
static void test_aliases(void)
{
    reg_registry *r = fresh();
    T_EQ_INT(reg_register(r, "step", "pre", 2, REG_SHARED, 0, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "step", "acc", 10, REG_SHARED, 0, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "step", "a1", 4, REG_SHARED, 0, "acc", REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "step", "a2", 5, REG_SHARED, 0, "acc", REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "step", "a3", 2, REG_SHARED, 0, "acc", REG_F64), BO_OK); /* full */
    T_EQ_INT(reg_register(r, "step", "a4", 1, REG_SHARED, 0, "acc", REG_F64), BO_OK); /* fits */
    T_EQ_INT(reg_register(r, "step", "loc", 3, REG_LOCAL, 0, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "step", "a5", 3, REG_LOCAL, 0, "loc", REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "step", "a6", 2, REG_SHARED, 0, "loc", REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "step", "a7", 3, REG_LOCAL, 0, "acc", REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "step", "hist", 4, REG_LOCAL, 1, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "step", "h1", 3, REG_LOCAL, 1, "hist", REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "step", "h2", 3, REG_LOCAL, 1, "hist", REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "step", "s_of_p", 1, REG_SHARED, 0, "hist", REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "step", "z", 0, REG_SHARED, 0, "acc", REG_F64), BO_OK);
    /* Own space first: pre 0..1, acc 2..11; hist persistent 0..3.
     * Aliases in order: a1 -> acc+0 = 2 (claimed 4); a2 -> acc+4 = 6 (claimed 9);
     * a3 needs 2 > 1 left: own shared at 12 (-> 14); a4 -> acc+9 = 11 (claimed 10);
     * a5 local alias of local: own array; a6 shared alias of local target: own shared at 14;
     * a7 local alias of shared: own array; h1 -> hist+0 (claimed 3); h2 needs 3 > 1: own
     * persistent at 4 (-> 7); s_of_p shared alias of persistent target: own shared at 16 (-> 17);
     * z (size 0) fits: acc+10 = 12. */
    T_AT(r, "step", "acc", REG_CLASS_SHARED, 2);
    T_AT(r, "step", "a1", REG_CLASS_SHARED, 2);
    T_AT(r, "step", "a2", REG_CLASS_SHARED, 6);
    T_AT(r, "step", "a3", REG_CLASS_SHARED, 12);
    T_AT(r, "step", "a4", REG_CLASS_SHARED, 11);
    T_EQ_INT(info(r, "step", "a5").cls, REG_CLASS_LOCAL);
    T_AT(r, "step", "a6", REG_CLASS_SHARED, 14);
    T_EQ_INT(info(r, "step", "a7").cls, REG_CLASS_LOCAL);
    T_AT(r, "step", "h1", REG_CLASS_PERSISTENT, 0);
    T_AT(r, "step", "h2", REG_CLASS_PERSISTENT, 4);
    T_AT(r, "step", "s_of_p", REG_CLASS_SHARED, 16);
    T_AT(r, "step", "z", REG_CLASS_SHARED, 12);
    T_EQ_INT(info(r, "step", "a1").inside_target, 1);
    T_EQ_INT(info(r, "step", "a2").inside_target, 1);
    T_EQ_INT(info(r, "step", "a3").inside_target, 0);
    T_EQ_INT(info(r, "step", "a4").inside_target, 1);
    T_EQ_INT(info(r, "step", "a5").inside_target, 0);
    T_EQ_INT(info(r, "step", "h1").inside_target, 1);
    T_EQ_INT(info(r, "step", "h2").inside_target, 0);
    T_EQ_INT(reg_shared_elements(r, "step"), 17);
    T_EQ_INT(reg_persistent_elements(r, "step"), 7);
    T_EQ_INT(reg_local_elements(r, "step"), 9); /* loc, a5, a7 */
    reg_destroy(r);

    /* An alias of an alias nests inside the first alias's unclaimed elements. */
    r = fresh();
    T_EQ_INT(reg_register(r, "s", "big", 8, REG_SHARED, 0, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "s", "mid", 6, REG_SHARED, 0, "big", REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "s", "small", 4, REG_SHARED, 0, "mid", REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "s", "tiny", 2, REG_SHARED, 0, "mid", REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "s", "more", 2, REG_SHARED, 0, "big", REG_F64), BO_OK);
    /* mid at big+0 (big claimed 6); small at mid+0, tiny at mid+4; more at big+6. */
    T_AT(r, "s", "mid", REG_CLASS_SHARED, 0);
    T_AT(r, "s", "small", REG_CLASS_SHARED, 0);
    T_AT(r, "s", "tiny", REG_CLASS_SHARED, 4);
    T_AT(r, "s", "more", REG_CLASS_SHARED, 6);
    T_EQ_INT(reg_shared_elements(r, "s"), 8);
    /* Re-registering mid (in place) as an alias of `more`, registered after it: more goes
     * into big first (big+0, claimed 2), then mid cannot fit in more's 2 elements and takes
     * space of its own at 8; small/tiny follow mid. */
    T_EQ_INT(reg_register(r, "s", "mid", 6, REG_SHARED, 0, "more", REG_F64), BO_OK);
    T_AT(r, "s", "more", REG_CLASS_SHARED, 0);
    T_AT(r, "s", "mid", REG_CLASS_SHARED, 8);
    T_AT(r, "s", "small", REG_CLASS_SHARED, 8);
    T_AT(r, "s", "tiny", REG_CLASS_SHARED, 12);
    T_EQ_INT(reg_shared_elements(r, "s"), 14);
    reg_destroy(r);
}

/* Registering an existing (owner, name) again keeps its position and changes its fields. */
static void test_replace(void)
{
    reg_registry *r = fresh();
    T_EQ_INT(reg_register(r, "loop", "a", 3, REG_SHARED, 0, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "loop", "b", 4, REG_SHARED, 0, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "loop", "c", 5, REG_SHARED, 0, NULL, REG_F64), BO_OK);
    T_AT(r, "loop", "c", REG_CLASS_SHARED, 7);
    T_EQ_INT(reg_register(r, "loop", "a", 1, REG_SHARED, 0, NULL, REG_F64), BO_OK);
    /* a 0..0, b 1..4, c 5..9: a is still first. */
    T_AT(r, "loop", "a", REG_CLASS_SHARED, 0);
    T_AT(r, "loop", "b", REG_CLASS_SHARED, 1);
    T_AT(r, "loop", "c", REG_CLASS_SHARED, 5);
    T_EQ_INT(info(r, "loop", "a").size, 1);
    T_EQ_INT(reg_shared_elements(r, "loop"), 10);
    /* Replacing b with a local buffer leaves a and c packed together. */
    T_EQ_INT(reg_register(r, "loop", "b", 4, REG_LOCAL, 0, NULL, REG_F64), BO_OK);
    T_AT(r, "loop", "c", REG_CLASS_SHARED, 1);
    /* ... and back: same place again. */
    T_EQ_INT(reg_register(r, "loop", "b", 2, REG_SHARED, 0, NULL, REG_F64), BO_OK);
    T_AT(r, "loop", "b", REG_CLASS_SHARED, 1);
    T_AT(r, "loop", "c", REG_CLASS_SHARED, 3);
    /* Replacement can add and drop an alias. */
    T_EQ_INT(reg_register(r, "loop", "c", 2, REG_SHARED, 0, "b", REG_F64), BO_OK);
    T_AT(r, "loop", "c", REG_CLASS_SHARED, 1);
    T_EQ_INT(reg_shared_elements(r, "loop"), 3);
    T_EQ_INT(reg_register(r, "loop", "c", 2, REG_SHARED, 0, NULL, REG_F64), BO_OK);
    T_AT(r, "loop", "c", REG_CLASS_SHARED, 3);
    T_EQ_INT(reg_shared_elements(r, "loop"), 5);
    reg_destroy(r);
}

/* loop -> algorithm -> solver -> linear_solver and loop -> controller. Offsets and totals by
 * hand:
 *   linear_solver: temp shared 0..3; work persistent 0..1;           shared 4, persistent 2
 *   solver: delta shared 0..2, beta local; prev persistent 0;
 *           linear_solver at shared 3, persistent 1;                 shared 7, persistent 3
 *   algorithm: stage shared 0..5 (6), rhs persistent 0..2 (3);
 *           solver at shared 6, persistent 3;                        shared 13, persistent 6
 *   controller: timestep_buffer persistent 0..1;                     shared 0, persistent 2
 *   loop: state shared 0..1 (2), error local;
 *         algorithm at shared 2, persistent 0; controller at shared 15, persistent 6;
 *                                                                    shared 15, persistent 8
 * The loop is registered last and the edges added bottom-up, as components do. */
static void build_tree(reg_registry *r)
{
    T_EQ_INT(reg_register(r, "linear_solver", "temp", 4, REG_SHARED, 0, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "linear_solver", "work", 2, REG_LOCAL, 1, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "solver", "delta", 3, REG_SHARED, 0, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "solver", "beta", 3, REG_LOCAL, 0, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "solver", "prev", 1, REG_LOCAL, 1, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_add_child(r, "solver", "linear_solver"), BO_OK);
    T_EQ_INT(reg_register(r, "algorithm", "stage", 6, REG_SHARED, 0, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "algorithm", "rhs", 3, REG_LOCAL, 1, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_add_child(r, "algorithm", "solver"), BO_OK);
    T_EQ_INT(reg_register(r, "controller", "timestep_buffer", 2, REG_LOCAL, 1, NULL, REG_F64),
             BO_OK);
    T_EQ_INT(reg_register(r, "loop", "state", 2, REG_SHARED, 0, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "loop", "error", 2, REG_LOCAL, 0, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_add_child(r, "loop", "algorithm"), BO_OK);
    T_EQ_INT(reg_add_child(r, "loop", "controller"), BO_OK);
}

static void child_at(const reg_registry *r, const char *child, size_t sh, size_t pe)
{
    size_t s = 99, p = 99;
    T_EQ_INT(reg_child_slice(r, child, &s, &p), BO_OK);
    T_EQ_INT(s, sh);
    T_EQ_INT(p, pe);
}

static void test_tree(void)
{
    reg_registry *r = fresh();
    build_tree(r);
    T_EQ_INT(reg_layout(r), BO_OK);
    T_EQ_STR(reg_root(r), "loop");
    T_EQ_INT(reg_shared_elements(r, "linear_solver"), 4);
    T_EQ_INT(reg_persistent_elements(r, "linear_solver"), 2);
    T_EQ_INT(reg_shared_elements(r, "solver"), 7);
    T_EQ_INT(reg_persistent_elements(r, "solver"), 3);
    T_EQ_INT(reg_local_elements(r, "solver"), 3);
    T_EQ_INT(reg_shared_elements(r, "algorithm"), 13);
    T_EQ_INT(reg_persistent_elements(r, "algorithm"), 6);
    T_EQ_INT(reg_shared_elements(r, "controller"), 0);
    T_EQ_INT(reg_persistent_elements(r, "controller"), 2);
    T_EQ_INT(reg_shared_elements(r, "loop"), 15);
    T_EQ_INT(reg_persistent_elements(r, "loop"), 8);
    T_EQ_INT(reg_local_elements(r, "loop"), 2); /* own only: children allocate their own */
    child_at(r, "linear_solver", 3, 1);
    child_at(r, "solver", 6, 3);
    child_at(r, "algorithm", 2, 0);
    child_at(r, "controller", 15, 6);
    T_EQ_INT(reg_child_slice(r, "loop", NULL, NULL), BO_ERR_NOT_FOUND);
    T_EQ_INT(reg_shared_stride(r), 15);
    /* Adding an edge twice changes nothing. */
    T_EQ_INT(reg_add_child(r, "loop", "algorithm"), BO_OK);
    child_at(r, "controller", 15, 6);

    /* A buffer added to an inner owner shifts every slice after it. */
    T_EQ_INT(reg_register(r, "solver", "extra", 1, REG_SHARED, 0, NULL, REG_F64), BO_OK);
    child_at(r, "linear_solver", 4, 1);
    child_at(r, "controller", 16, 6);
    T_EQ_INT(reg_shared_stride(r), 17); /* 16 padded to odd */

    /* Swapping the solver: clearing it drops its buffers and the linear solver below it, but
     * keeps its place under the algorithm. */
    T_EQ_INT(reg_clear_owner(r, "solver"), BO_OK);
    T_EQ_INT(reg_find(r, "linear_solver", "temp", NULL), BO_ERR_NOT_FOUND);
    T_EQ_INT(reg_find(r, "solver", "delta", NULL), BO_ERR_NOT_FOUND);
    T_EQ_INT(reg_child_slice(r, "linear_solver", NULL, NULL), BO_ERR_NOT_FOUND);
    child_at(r, "solver", 6, 3);
    T_EQ_INT(reg_shared_elements(r, "algorithm"), 6);
    T_EQ_INT(reg_persistent_elements(r, "algorithm"), 3);
    child_at(r, "controller", 8, 3);
    T_EQ_INT(reg_register(r, "solver", "delta", 5, REG_SHARED, 0, NULL, REG_F64), BO_OK);
    child_at(r, "controller", 13, 3);
    T_EQ_INT(reg_shared_elements(r, "loop"), 13);
    /* Clearing the root removes everything but the root. */
    T_EQ_INT(reg_clear_owner(r, "loop"), BO_OK);
    T_EQ_INT(reg_shared_elements(r, "loop"), 0);
    T_EQ_INT(reg_persistent_elements(r, "loop"), 0);
    T_EQ_INT(reg_find(r, "controller", "timestep_buffer", NULL), BO_ERR_NOT_FOUND);
    T_EQ_INT(reg_add_child(r, "loop", "controller"), BO_ERR_NOT_FOUND);
    T_EQ_STR(reg_root(r), "loop");
    reg_destroy(r);

    /* An owner with no buffers (explicit Euler registers none) still takes part. */
    r = fresh();
    T_EQ_INT(reg_add_owner(r, "loop"), BO_OK);
    T_EQ_INT(reg_add_owner(r, "algorithm"), BO_OK);
    T_EQ_INT(reg_add_owner(r, "algorithm"), BO_OK);
    T_EQ_INT(reg_register(r, "controller", "timestep_buffer", 1, REG_SHARED, 1, NULL, REG_F64),
             BO_OK);
    T_EQ_INT(reg_add_child(r, "loop", "algorithm"), BO_OK);
    T_EQ_INT(reg_add_child(r, "loop", "controller"), BO_OK);
    child_at(r, "algorithm", 0, 0);
    child_at(r, "controller", 0, 0);
    T_EQ_INT(reg_shared_stride(r), 1);
    reg_destroy(r);
}

/* The `<name>_location` setting moves every buffer of that name between spaces. */
static void test_set_location(void)
{
    reg_registry *r = fresh();
    build_tree(r);
    reg_location loc = REG_SHARED;
    T_EQ_INT(reg_parse_location(ctx, "delta_location", "local", &loc), BO_OK);
    T_EQ_INT(loc, REG_LOCAL);
    T_EQ_INT(reg_set_location(r, "delta", loc), 1);
    /* solver: delta leaves shared (3 fewer): linear_solver at shared 0; solver shared 4. */
    T_EQ_INT(info(r, "solver", "delta").cls, REG_CLASS_LOCAL);
    child_at(r, "linear_solver", 0, 1);
    T_EQ_INT(reg_shared_elements(r, "solver"), 4);
    T_EQ_INT(reg_local_elements(r, "solver"), 6);
    child_at(r, "controller", 12, 6);
    /* A persistent local buffer moved to shared, and back: persistence is kept. */
    T_EQ_INT(reg_set_location(r, "rhs", REG_SHARED), 1);
    T_AT(r, "algorithm", "rhs", REG_CLASS_SHARED, 6);
    T_EQ_INT(reg_persistent_elements(r, "algorithm"), 3);
    T_EQ_INT(reg_set_location(r, "rhs", REG_LOCAL), 1);
    T_AT(r, "algorithm", "rhs", REG_CLASS_PERSISTENT, 0);
    /* One name, several owners: all move. */
    T_EQ_INT(reg_register(r, "algorithm", "temp", 1, REG_LOCAL, 0, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_set_location(r, "temp", REG_SHARED), 2);
    T_AT(r, "algorithm", "temp", REG_CLASS_SHARED, 6);
    T_AT(r, "linear_solver", "temp", REG_CLASS_SHARED, 0);
    T_EQ_INT(reg_set_location(r, "nothing", REG_SHARED), 0);
    T_EQ_INT(reg_set_location(r, "temp", (reg_location)7), BO_ERR_SETTING);
    /* An i32 buffer may not move to shared; nothing moves when one of the matches cannot. */
    T_EQ_INT(reg_register(r, "loop", "flag", 1, REG_LOCAL, 0, NULL, REG_I32), BO_OK);
    T_EQ_INT(reg_register(r, "solver", "flag", 1, REG_LOCAL, 0, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_set_location(r, "flag", REG_SHARED), BO_ERR_SETTING);
    T_CONTAINS(bo_errmsg(ctx), "flag_location");
    T_CONTAINS(bo_errmsg(ctx), "must stay local");
    T_EQ_INT(info(r, "solver", "flag").cls, REG_CLASS_LOCAL);
    /* Parse errors name the key and the allowed values. */
    T_EQ_INT(reg_parse_location(ctx, "state_location", "global", &loc), BO_ERR_SETTING);
    T_CONTAINS(bo_errmsg(ctx), "state_location");
    T_CONTAINS(bo_errmsg(ctx), "'global'");
    T_CONTAINS(bo_errmsg(ctx), "local, shared");
    T_EQ_INT(reg_parse_location(ctx, "state_location", "Shared", &loc), BO_ERR_SETTING);
    T_EQ_INT(reg_parse_location(ctx, "state_location", NULL, &loc), BO_ERR_SETTING);
    T_EQ_INT(reg_parse_location(ctx, "state_location", "shared", &loc), BO_OK);
    T_EQ_INT(loc, REG_SHARED);
    reg_destroy(r);
}

/* The design's controller case: timestep_buffer (persistent) sized by the history length of
 * each controller, placed by timestep_memory / timestep_buffer_location. */
static void test_controller(void)
{
    /* fixed, i, pi, pid, gustafsson */
    static const size_t history[5] = {0, 0, 1, 2, 2};
    for (int k = 0; k < 5; ++k) {
        for (int shared = 0; shared < 2; ++shared) {
            reg_registry *r = fresh();
            /* loop: state 3 shared, proposed 3 shared, error 3 local. */
            T_EQ_INT(reg_register(r, "loop", "state", 3, REG_SHARED, 0, NULL, REG_F64), BO_OK);
            T_EQ_INT(reg_register(r, "loop", "proposed_state", 3, REG_SHARED, 0, NULL, REG_F64),
                     BO_OK);
            T_EQ_INT(reg_register(r, "loop", "error", 3, REG_LOCAL, 0, NULL, REG_F64), BO_OK);
            reg_location loc = REG_LOCAL;
            T_EQ_INT(reg_parse_location(ctx, "timestep_memory", shared ? "shared" : "local", &loc),
                     BO_OK);
            T_EQ_INT(
                reg_register(r, "controller", "timestep_buffer", history[k], loc, 1, NULL, REG_F64),
                BO_OK);
            T_EQ_INT(reg_add_child(r, "loop", "controller"), BO_OK);
            size_t h = history[k];
            reg_buffer_info bi = info(r, "controller", "timestep_buffer");
            T_EQ_INT(bi.size, h);
            T_EQ_INT(bi.cls, shared ? REG_CLASS_SHARED : REG_CLASS_PERSISTENT);
            T_EQ_INT(bi.offset, 0);
            T_EQ_INT(reg_shared_elements(r, "controller"), shared ? h : 0);
            T_EQ_INT(reg_persistent_elements(r, "controller"), shared ? 0 : h);
            T_EQ_INT(reg_local_elements(r, "controller"), 0);
            child_at(r, "controller", 6, 0);
            T_EQ_INT(reg_shared_elements(r, "loop"), 6 + (shared ? h : 0));
            T_EQ_INT(reg_persistent_elements(r, "loop"), shared ? 0 : h);
            /* The setting moves a local history into shared space after the fact. */
            if (!shared) {
                T_EQ_INT(reg_parse_location(ctx, "timestep_buffer_location", "shared", &loc),
                         BO_OK);
                T_EQ_INT(reg_set_location(r, "timestep_buffer", loc), 1);
                T_AT(r, "controller", "timestep_buffer", REG_CLASS_SHARED, 0);
                T_EQ_INT(reg_shared_elements(r, "controller"), h);
                T_EQ_INT(reg_persistent_elements(r, "controller"), 0);
                T_EQ_INT(reg_shared_elements(r, "loop"), 6 + h);
            }
            /* 6, 7, 8 elements: 6 and 8 are padded to 7 and 9. */
            size_t n = 6 + h;
            T_EQ_INT(reg_shared_stride(r), n % 2 ? n : n + 1);
            reg_destroy(r);
        }
    }
}

/* Independent check of the bank argument in docs/registry.md: with an odd stride, element j
 * of 32 consecutive runs (a warp) falls in 32 distinct 4-byte banks for float; for double, a
 * warp's 8-byte accesses are served per half-warp, and the 16 runs of a half-warp occupy 16
 * distinct 8-byte bank pairs. */
static int conflict_free(size_t stride, size_t elem_bytes)
{
    size_t group = elem_bytes == 4 ? 32 : 16;
    for (size_t j = 0; j < stride; ++j) {
        for (size_t base = 0; base < 64; base += group) {
            unsigned char seen[32] = {0};
            for (size_t t = 0; t < group; ++t) {
                size_t byte = ((base + t) * stride + j) * elem_bytes;
                size_t bank = (byte / 4) % 32;
                if (seen[bank])
                    return 0;
                /* A double occupies two adjacent banks. */
                seen[bank] = 1;
                if (elem_bytes == 8)
                    seen[(bank + 1) % 32] = 1;
            }
        }
    }
    return 1;
}

static void test_stride(void)
{
    for (size_t n = 0; n <= 40; ++n) {
        reg_registry *r = fresh();
        T_EQ_INT(reg_register(r, "loop", "state", n, REG_SHARED, 0, NULL, REG_F64), BO_OK);
        size_t s = reg_shared_stride(r);
        T_CHECKF(s == (n == 0 ? 0 : (n % 2 ? n : n + 1)), "n=%zu stride=%zu", n, s);
        if (n > 0) {
            T_CHECKF(conflict_free(s, 4), "float stride %zu", s);
            T_CHECKF(conflict_free(s, 8), "double stride %zu", s);
            /* Without the padding an even count conflicts (the point of padding). */
            if (n % 2 == 0)
                T_CHECKF(!conflict_free(n, 4), "unpadded %zu should conflict", n);
        }
        T_EQ_INT(reg_shared_bytes_per_block(r, 8, 256), s * 8 * 256);
        T_EQ_INT(reg_shared_bytes_per_block(r, 4, 32), s * 4 * 32);
        reg_destroy(r);
    }
    reg_registry *r = fresh();
    T_EQ_INT(reg_register(r, "loop", "state", 6, REG_SHARED, 0, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_shared_bytes_per_block(r, 0, 256), 0);
    T_EQ_INT(reg_shared_bytes_per_block(r, 8, 0), 0);
    T_EQ_INT(reg_shared_bytes_per_block(r, 8, -3), 0);
    /* Saturates instead of wrapping: (2^31 - 1)^2 * 8 bytes exceeds even a 64-bit size_t. */
    T_EQ_INT(reg_register(r, "loop", "state", (size_t)2147483647, REG_SHARED, 0, NULL, REG_F64),
             BO_OK);
    T_CHECK(reg_shared_bytes_per_block(r, 8, 2147483647) == (size_t)-1);
    reg_destroy(r);
}

/* Every error, and that a failed call changes nothing. */
static void test_errors(void)
{
    reg_registry *r = fresh();
    T_EQ_INT(reg_register(r, "loop", "a", 4, REG_SHARED, 0, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "other", "t", 4, REG_SHARED, 0, NULL, REG_F64), BO_OK);

    T_EQ_INT(reg_register(r, "", "x", 1, REG_SHARED, 0, NULL, REG_F64), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "empty owner");
    T_EQ_INT(reg_register(r, NULL, "x", 1, REG_SHARED, 0, NULL, REG_F64), BO_ERR_INVALID_ARG);
    T_EQ_INT(reg_register(r, "loop", "", 1, REG_SHARED, 0, NULL, REG_F64), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "empty name");
    T_EQ_INT(reg_register(r, "loop", NULL, 1, REG_SHARED, 0, NULL, REG_F64), BO_ERR_INVALID_ARG);
    T_EQ_INT(reg_register(r, "loop", "a-b", 1, REG_SHARED, 0, NULL, REG_F64), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "C identifier");
    T_EQ_INT(reg_register(r, "2loop", "x", 1, REG_SHARED, 0, NULL, REG_F64), BO_ERR_INVALID_ARG);
    T_EQ_INT(reg_register(r, "loop", "b", 1, REG_SHARED, 0, "b", REG_F64), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "cannot alias itself");
    T_EQ_INT(reg_register(r, "loop", "b", 1, REG_SHARED, 0, "zzz", REG_F64), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "'zzz'");
    T_CONTAINS(bo_errmsg(ctx), "registered first");
    /* Targets of other owners are not visible. */
    T_EQ_INT(reg_register(r, "loop", "b", 1, REG_SHARED, 0, "t", REG_F64), BO_ERR_INVALID_ARG);
    /* Sizes up to 2^31 - 1. */
    T_EQ_INT(reg_register(r, "loop", "b", (size_t)2147483648u, REG_SHARED, 0, NULL, REG_F64),
             BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "2^31");
    T_EQ_INT(reg_register(r, "loop", "b", (size_t)-1, REG_LOCAL, 0, NULL, REG_F64),
             BO_ERR_INVALID_ARG);
    /* Precision rules: i32 and non-working precisions stay local. */
    T_EQ_INT(reg_register(r, "loop", "n", 1, REG_SHARED, 0, NULL, REG_I32), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "must stay local");
    T_EQ_INT(reg_register(r, "loop", "n", 1, REG_LOCAL, 1, NULL, REG_I32), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "i32");
    T_EQ_INT(reg_register(r, "loop", "f", 1, REG_SHARED, 0, NULL, REG_F32), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "working precision");
    T_EQ_INT(reg_register(r, "loop", "f", 1, REG_LOCAL, 1, NULL, REG_F32), BO_ERR_INVALID_ARG);
    T_EQ_INT(reg_register(r, "loop", "f", 1, REG_LOCAL, 0, NULL, REG_F32), BO_OK);
    T_EQ_INT(reg_register(r, "loop", "n", 1, REG_LOCAL, 0, NULL, REG_I32), BO_OK);
    T_EQ_INT(reg_register(r, "loop", "x", 1, (reg_location)5, 0, NULL, REG_F64),
             BO_ERR_INVALID_ARG);
    T_EQ_INT(reg_register(r, "loop", "x", 1, REG_LOCAL, 0, NULL, (reg_precision)9),
             BO_ERR_INVALID_ARG);
    /* Alias cycles through replacement. */
    T_EQ_INT(reg_register(r, "loop", "b", 2, REG_SHARED, 0, "a", REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "loop", "c", 1, REG_SHARED, 0, "b", REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "loop", "a", 4, REG_SHARED, 0, "c", REG_F64), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "cycle");
    /* None of the failures changed anything: a 0..3, b inside a, c inside b. */
    T_AT(r, "loop", "a", REG_CLASS_SHARED, 0);
    T_AT(r, "loop", "b", REG_CLASS_SHARED, 0);
    T_AT(r, "loop", "c", REG_CLASS_SHARED, 0);
    T_EQ_INT(reg_shared_elements(r, "loop"), 4);
    T_EQ_INT(reg_local_elements(r, "loop"), 2);
    T_EQ_INT(reg_find(r, "loop", "x", NULL), BO_ERR_NOT_FOUND);

    /* Working precision. */
    T_EQ_INT(reg_set_working_precision(r, REG_I32), BO_ERR_SETTING);
    T_EQ_INT(reg_set_working_precision(r, REG_F32), BO_ERR_SETTING);
    T_CONTAINS(bo_errmsg(ctx), "loop.a");
    T_EQ_INT(reg_set_working_precision(r, REG_F64), BO_OK);

    /* Tree errors. */
    T_EQ_INT(reg_add_owner(r, ""), BO_ERR_INVALID_ARG);
    T_EQ_INT(reg_add_owner(r, "a b"), BO_ERR_INVALID_ARG);
    T_EQ_INT(reg_add_child(r, "nobody", "loop"), BO_ERR_NOT_FOUND);
    T_CONTAINS(bo_errmsg(ctx), "unknown parent owner 'nobody'");
    T_EQ_INT(reg_add_child(r, "loop", "nobody"), BO_ERR_NOT_FOUND);
    T_CONTAINS(bo_errmsg(ctx), "unknown child owner 'nobody'");
    T_EQ_INT(reg_add_child(r, "loop", "loop"), BO_ERR_INVALID_ARG);
    /* Two roots: layout and emission refuse until the edge is added. */
    T_EQ_INT(reg_layout(r), BO_ERR_STATE);
    T_CONTAINS(bo_errmsg(ctx), "'other'");
    sb_buf out;
    sb_init(&out);
    T_EQ_INT(reg_emit(r, NULL, &out), BO_ERR_STATE);
    T_EQ_INT(reg_add_child(r, "loop", "other"), BO_OK);
    T_EQ_INT(reg_add_owner(r, "third"), BO_OK);
    T_EQ_INT(reg_add_child(r, "third", "other"), BO_ERR_STATE);
    T_CONTAINS(bo_errmsg(ctx), "already a child of 'loop'");
    T_EQ_INT(reg_add_child(r, "other", "third"), BO_OK);
    T_EQ_INT(reg_add_child(r, "third", "loop"), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "cycle");
    T_EQ_INT(reg_clear_owner(r, "nobody"), BO_ERR_NOT_FOUND);
    T_EQ_INT(reg_layout(r), BO_OK);
    /* Pasted names that collide: owner "other" + "t_x" and owner "other_t" + "x". */
    T_EQ_INT(reg_register(r, "third", "t_x", 1, REG_LOCAL, 0, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "third_t", "x", 1, REG_LOCAL, 0, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_add_child(r, "third", "third_t"), BO_OK);
    bo_context *other_ctx = NULL;
    T_EQ_INT(bo_context_create(&other_ctx), BO_OK);
    T_EQ_INT(reg_emit(r, other_ctx, &out), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(other_ctx), "BO_ALLOC_third_t_x");
    bo_context_destroy(other_ctx);
    T_EQ_INT(reg_emit(NULL, ctx, &out), BO_ERR_INVALID_ARG);
    T_EQ_INT(reg_emit(r, ctx, NULL), BO_ERR_INVALID_ARG);
    sb_free(&out);
    reg_destroy(r);

    /* Child-slice macro names collide the same way. */
    r = fresh();
    T_EQ_INT(reg_add_owner(r, "a"), BO_OK);
    T_EQ_INT(reg_add_owner(r, "a_b"), BO_OK);
    T_EQ_INT(reg_add_owner(r, "b_c"), BO_OK);
    T_EQ_INT(reg_add_owner(r, "c"), BO_OK);
    T_EQ_INT(reg_add_child(r, "a", "b_c"), BO_OK);
    T_EQ_INT(reg_add_child(r, "a", "a_b"), BO_OK);
    T_EQ_INT(reg_add_child(r, "a_b", "c"), BO_OK);
    sb_init(&out);
    T_EQ_INT(reg_emit(r, NULL, &out), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "BO_CHILD_SHARED_a_b_c");
    sb_free(&out);
    reg_destroy(r);

    /* Per-run totals beyond 2^31 - 1 elements. */
    r = fresh();
    T_EQ_INT(reg_register(r, "loop", "a", (size_t)2147483647, REG_SHARED, 0, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_register(r, "loop", "b", 1, REG_SHARED, 0, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_layout(r), BO_ERR_RANGE);
    T_EQ_INT(reg_register(r, "loop", "b", 1, REG_LOCAL, 0, NULL, REG_F64), BO_OK);
    T_EQ_INT(reg_layout(r), BO_OK);
    T_EQ_INT(reg_shared_stride(r), 2147483647);
    reg_destroy(r);
}

/* Every allocation a call makes can fail without leaking or changing the registry (the
 * sanitizer build checks the leaks). */
static void test_alloc_failures(void)
{
    for (long n = 0; n < 12; ++n) {
        reg_registry *r = fresh();
        T_EQ_INT(reg_register(r, "loop", "a", 2, REG_SHARED, 0, NULL, REG_F64), BO_OK);
        T_EQ_INT(reg_add_owner(r, "ctl"), BO_OK);
        bo_test_fail_alloc_after(n);
        int rc1 = reg_register(r, "algo", "b", 3, REG_SHARED, 0, NULL, REG_F64);
        int rc2 = reg_register(r, "loop", "c", 1, REG_SHARED, 0, "a", REG_F64);
        int rc3 = reg_add_child(r, "loop", "ctl");
        bo_test_fail_alloc_after(-1);
        T_CHECK(rc1 == BO_OK || rc1 == BO_ERR_NOMEM);
        T_CHECK(rc2 == BO_OK || rc2 == BO_ERR_NOMEM);
        T_CHECK(rc3 == BO_OK || rc3 == BO_ERR_NOMEM);
        T_EQ_INT(reg_find(r, "algo", "b", NULL), rc1 == BO_OK ? BO_OK : BO_ERR_NOT_FOUND);
        T_EQ_INT(reg_find(r, "loop", "c", NULL), rc2 == BO_OK ? BO_OK : BO_ERR_NOT_FOUND);
        T_EQ_INT(reg_shared_elements(r, "algo"), rc1 == BO_OK ? 3 : 0);
        T_EQ_INT(reg_child_slice(r, "ctl", NULL, NULL), rc3 == BO_OK ? BO_OK : BO_ERR_NOT_FOUND);
        T_EQ_INT(reg_shared_elements(r, "loop"), 2);
        /* Emission into a well-formed tree. */
        T_EQ_INT(reg_add_owner(r, "algo"), BO_OK);
        T_EQ_INT(reg_add_child(r, "loop", "algo"), BO_OK);
        T_EQ_INT(reg_add_child(r, "loop", "ctl"), BO_OK);
        sb_buf out;
        sb_init(&out);
        bo_test_fail_alloc_after(n);
        int rc4 = reg_emit(r, NULL, &out);
        bo_test_fail_alloc_after(-1);
        T_CHECK(rc4 == BO_OK || rc4 == BO_ERR_NOMEM);
        T_CHECK(rc4 != BO_OK || strstr(sb_cstr(&out), "#define BO_PERSISTENT_TOTAL 0") != NULL);
        sb_free(&out);
        reg_destroy(r);
    }
}

int main(void)
{
    T_EQ_INT(bo_context_create(&ctx), BO_OK);
    test_create();
    test_basic_packing();
    test_aliases();
    test_replace();
    test_tree();
    test_set_location();
    test_controller();
    test_stride();
    test_errors();
    test_alloc_failures();
    bo_context_destroy(ctx);
    T_DONE();
}
