/* The buffer registry (see registry.h and docs/registry.md): registration, the owner tree, the
 * per-run layout and the emitted allocator macros.
 *
 * Registries hold tens of buffers, so lookups are linear scans by name and every change simply
 * re-lays-out everything. The layout needs no allocation, so it cannot fail, and every query
 * sees offsets that match the current registrations. */
#include "registry.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Sizes and per-run totals must fit the int arithmetic of the emitted code. */
#define REG_MAX_ELEMENTS ((size_t)INT32_MAX)

typedef struct {
    char *owner;
    char *name;
    char *alias; /* NULL when not an alias */
    size_t size;
    reg_location loc;
    int persistent;
    reg_precision prec;
    /* layout */
    reg_class cls;
    size_t offset;
    size_t claimed; /* elements of this buffer already handed to aliases */
    int inside;
    int placed;
} reg_buf;

typedef struct {
    char *name;
    char *parent;        /* NULL for a root */
    unsigned long order; /* when the edge to the parent was added: children's order */
    /* layout */
    size_t shared_total;
    size_t persistent_total;
    size_t shared_offset; /* of this owner's slices inside the parent's */
    size_t persistent_offset;
} reg_owner;

struct reg_registry {
    bo_context *ctx;
    reg_precision working;
    reg_buf *bufs;
    size_t nbufs, capbufs;
    reg_owner *owners;
    size_t nowners, capowners;
    unsigned long next_order;
};

static const char *class_word(reg_class c)
{
    switch (c) {
    case REG_CLASS_SHARED:
        return "shared";
    case REG_CLASS_PERSISTENT:
        return "persistent local";
    default:
        return "local";
    }
}

static const char *prec_word(reg_precision p)
{
    switch (p) {
    case REG_F32:
        return "f32";
    case REG_F64:
        return "f64";
    default:
        return "i32";
    }
}

static int is_identifier(const char *s)
{
    if (!s || !*s)
        return 0;
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
        return 0;
    for (const char *p = s + 1; *p; ++p) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_'))
            return 0;
    }
    return 1;
}

static reg_class class_of(reg_location loc, int persistent)
{
    if (loc == REG_SHARED)
        return REG_CLASS_SHARED;
    return persistent ? REG_CLASS_PERSISTENT : REG_CLASS_LOCAL;
}

static long find_owner(const reg_registry *r, const char *name)
{
    for (size_t i = 0; i < r->nowners; ++i) {
        if (strcmp(r->owners[i].name, name) == 0)
            return (long)i;
    }
    return -1;
}

static long find_buf(const reg_registry *r, const char *owner, const char *name)
{
    for (size_t i = 0; i < r->nbufs; ++i) {
        if (strcmp(r->bufs[i].owner, owner) == 0 && strcmp(r->bufs[i].name, name) == 0)
            return (long)i;
    }
    return -1;
}

/* The child of parent whose edge was added next after prev's (-1: the first child), or -1. */
static long next_child(const reg_registry *r, const char *parent, long prev)
{
    long next = -1;
    for (size_t c = 0; c < r->nowners; ++c) {
        const reg_owner *o = &r->owners[c];
        if (!o->parent || strcmp(o->parent, parent) != 0)
            continue;
        if (prev >= 0 && o->order <= r->owners[prev].order)
            continue;
        if (next < 0 || o->order < r->owners[next].order)
            next = (long)c;
    }
    return next;
}

/* Claim space at the end of the owner's shared or persistent space. */
static void append(reg_buf *b, size_t *shared, size_t *persistent)
{
    if (b->cls == REG_CLASS_SHARED) {
        b->offset = *shared;
        *shared += b->size;
    } else if (b->cls == REG_CLASS_PERSISTENT) {
        b->offset = *persistent;
        *persistent += b->size;
    } else {
        b->offset = 0;
    }
    b->placed = 1;
}

/* The alias rule: an alias shares memory with its target when both are in the same space
 * (shared or persistent) and it fits in the target's unclaimed elements; several aliases of one
 * target pack one after another, so they never overlap each other. Otherwise it gets space of
 * its own. Local arrays never overlap: each is declared by the function that allocates it. */
static void place_alias(reg_buf *b, reg_buf *t, size_t *shared, size_t *persistent)
{
    if (b->cls != REG_CLASS_LOCAL && b->cls == t->cls && b->size <= t->size - t->claimed) {
        b->offset = t->offset + t->claimed;
        t->claimed += b->size;
        b->inside = 1;
        b->placed = 1;
        return;
    }
    append(b, shared, persistent);
}

static void layout_owner(reg_registry *r, size_t oi)
{
    const char *owner = r->owners[oi].name;
    size_t shared = 0, persistent = 0;
    for (size_t i = 0; i < r->nbufs; ++i) {
        reg_buf *b = &r->bufs[i];
        if (strcmp(b->owner, owner) != 0)
            continue;
        b->cls = class_of(b->loc, b->persistent);
        b->offset = 0;
        b->claimed = 0;
        b->inside = 0;
        b->placed = 0;
    }
    /* Buffers with space of their own first, so aliases find their targets placed. */
    for (size_t i = 0; i < r->nbufs; ++i) {
        reg_buf *b = &r->bufs[i];
        if (strcmp(b->owner, owner) == 0 && !b->alias)
            append(b, &shared, &persistent);
    }
    /* Aliases in registration order. A target that is itself an alias registered later (after
     * a replacement in place) is placed first; registration rejects alias cycles. */
    for (size_t i = 0; i < r->nbufs; ++i) {
        reg_buf *b = &r->bufs[i];
        if (strcmp(b->owner, owner) != 0 || !b->alias)
            continue;
        while (!b->placed) {
            reg_buf *x = b;
            reg_buf *t = &r->bufs[find_buf(r, owner, x->alias)];
            while (!t->placed) {
                x = t;
                t = &r->bufs[find_buf(r, owner, x->alias)];
            }
            place_alias(x, t, &shared, &persistent);
        }
    }
    /* Then the children's slices, in the order their edges were added. */
    for (long c = next_child(r, owner, -1); c >= 0; c = next_child(r, owner, c)) {
        layout_owner(r, (size_t)c);
        reg_owner *child = &r->owners[c];
        child->shared_offset = shared;
        child->persistent_offset = persistent;
        shared += child->shared_total;
        persistent += child->persistent_total;
    }
    r->owners[oi].shared_total = shared;
    r->owners[oi].persistent_total = persistent;
}

static void relayout(reg_registry *r)
{
    for (size_t i = 0; i < r->nowners; ++i) {
        if (!r->owners[i].parent) {
            r->owners[i].shared_offset = 0;
            r->owners[i].persistent_offset = 0;
            layout_owner(r, i);
        }
    }
}

int reg_create(bo_context *ctx, reg_registry **out)
{
    if (!out)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "reg_create: out is NULL");
    *out = NULL;
    reg_registry *r = bo_calloc(1, sizeof *r);
    if (!r)
        return bo_error(ctx, BO_ERR_NOMEM, "out of memory creating the buffer registry");
    r->ctx = ctx;
    r->working = REG_F64;
    *out = r;
    return BO_OK;
}

static void free_buf(reg_buf *b)
{
    free(b->owner);
    free(b->name);
    free(b->alias);
}

static void free_owner(reg_owner *o)
{
    free(o->name);
    free(o->parent);
}

void reg_destroy(reg_registry *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nbufs; ++i)
        free_buf(&r->bufs[i]);
    for (size_t i = 0; i < r->nowners; ++i)
        free_owner(&r->owners[i]);
    free(r->bufs);
    free(r->owners);
    free(r);
}

int reg_set_working_precision(reg_registry *r, reg_precision prec)
{
    if (!r)
        return BO_ERR_INVALID_ARG;
    if (prec != REG_F32 && prec != REG_F64)
        return bo_error(r->ctx, BO_ERR_SETTING,
                        "the working precision of the buffer registry must be f32 or f64");
    for (size_t i = 0; i < r->nbufs; ++i) {
        const reg_buf *b = &r->bufs[i];
        if (b->cls != REG_CLASS_LOCAL && b->prec != prec)
            return bo_error(r->ctx, BO_ERR_SETTING,
                            "cannot make %s the working precision: buffer %s.%s is %s and lives "
                            "in %s memory",
                            prec_word(prec), b->owner, b->name, prec_word(b->prec),
                            class_word(b->cls));
    }
    r->working = prec;
    return BO_OK;
}

/* Index of owner, declaring it when new; -1 when out of memory. */
static long ensure_owner(reg_registry *r, const char *owner)
{
    long i = find_owner(r, owner);
    if (i >= 0)
        return i;
    if (r->nowners == r->capowners) {
        size_t cap = r->capowners ? 2 * r->capowners : 8;
        reg_owner *p = bo_array_realloc(r->owners, cap, sizeof *p);
        if (!p)
            return -1;
        r->owners = p;
        r->capowners = cap;
    }
    char *name = bo_strdup(owner);
    if (!name)
        return -1;
    reg_owner *o = &r->owners[r->nowners];
    memset(o, 0, sizeof *o);
    o->name = name;
    return (long)r->nowners++;
}

int reg_add_owner(reg_registry *r, const char *owner)
{
    if (!r)
        return BO_ERR_INVALID_ARG;
    if (!is_identifier(owner))
        return bo_error(r->ctx, BO_ERR_INVALID_ARG,
                        "buffer owner '%s' is not a C identifier (letters, digits, '_')",
                        owner ? owner : "(null)");
    if (ensure_owner(r, owner) < 0)
        return bo_error(r->ctx, BO_ERR_NOMEM, "out of memory declaring owner '%s'", owner);
    return BO_OK;
}

/* Why a buffer of precision prec may not be placed in class cls; NULL when it may. */
static const char *placement_problem(const reg_registry *r, reg_precision prec, reg_class cls)
{
    if (cls == REG_CLASS_LOCAL)
        return NULL;
    if (prec == REG_I32)
        return "i32 buffers must stay local and not persistent (the shared and persistent arrays "
               "hold the working precision)";
    if (prec != r->working)
        return "buffers of a precision other than the working precision must stay local and not "
               "persistent (the shared and persistent arrays hold the working precision)";
    return NULL;
}

int reg_register(reg_registry *r, const char *owner, const char *name, size_t size,
                 reg_location loc, int persistent, const char *alias_of, reg_precision prec)
{
    if (!r)
        return BO_ERR_INVALID_ARG;
    if (!owner || !*owner)
        return bo_error(r->ctx, BO_ERR_INVALID_ARG, "buffer '%s' has an empty owner",
                        name ? name : "(null)");
    if (!name || !*name)
        return bo_error(r->ctx, BO_ERR_INVALID_ARG,
                        "owner '%s' registered a buffer with an empty name", owner);
    if (!is_identifier(owner) || !is_identifier(name))
        return bo_error(r->ctx, BO_ERR_INVALID_ARG,
                        "buffer %s.%s: owner and name must be C identifiers (letters, digits, "
                        "'_'), since they name the emitted allocator",
                        owner, name);
    if (loc != REG_LOCAL && loc != REG_SHARED)
        return bo_error(r->ctx, BO_ERR_INVALID_ARG, "buffer %s.%s: invalid location %d", owner,
                        name, (int)loc);
    if (prec != REG_F32 && prec != REG_F64 && prec != REG_I32)
        return bo_error(r->ctx, BO_ERR_INVALID_ARG, "buffer %s.%s: invalid precision %d", owner,
                        name, (int)prec);
    if (size > REG_MAX_ELEMENTS)
        return bo_error(r->ctx, BO_ERR_INVALID_ARG,
                        "buffer %s.%s: size %zu is larger than 2^31 - 1 elements", owner, name,
                        size);
    persistent = persistent ? 1 : 0;
    const char *why = placement_problem(r, prec, class_of(loc, persistent));
    if (why)
        return bo_error(r->ctx, BO_ERR_INVALID_ARG, "buffer %s.%s (%s, %s): %s", owner, name,
                        prec_word(prec), class_word(class_of(loc, persistent)), why);
    if (alias_of) {
        if (strcmp(alias_of, name) == 0)
            return bo_error(r->ctx, BO_ERR_INVALID_ARG, "buffer %s.%s cannot alias itself", owner,
                            name);
        long t = find_buf(r, owner, alias_of);
        if (t < 0)
            return bo_error(r->ctx, BO_ERR_INVALID_ARG,
                            "buffer %s.%s aliases '%s', which is not a buffer of owner '%s' "
                            "(an alias target must be registered first, by the same owner)",
                            owner, name, alias_of, owner);
        /* Walk the target's chain: reaching this buffer again would make a cycle. */
        for (long x = t; x >= 0 && r->bufs[x].alias;) {
            x = find_buf(r, owner, r->bufs[x].alias);
            if (x >= 0 && strcmp(r->bufs[x].name, name) == 0)
                return bo_error(r->ctx, BO_ERR_INVALID_ARG,
                                "buffer %s.%s aliasing '%s' would make a cycle of aliases", owner,
                                name, alias_of);
        }
    }

    char *alias_copy = NULL;
    if (alias_of && !(alias_copy = bo_strdup(alias_of)))
        return bo_error(r->ctx, BO_ERR_NOMEM, "out of memory registering %s.%s", owner, name);
    long i = find_buf(r, owner, name);
    if (i < 0) {
        char *owner_copy = bo_strdup(owner), *name_copy = bo_strdup(name);
        int grown = 1;
        if (r->nbufs == r->capbufs) {
            size_t cap = r->capbufs ? 2 * r->capbufs : 16;
            reg_buf *p = bo_array_realloc(r->bufs, cap, sizeof *p);
            if (p) {
                r->bufs = p;
                r->capbufs = cap;
            } else {
                grown = 0;
            }
        }
        /* Declaring the owner last: nothing after it can fail, so no undo is needed. */
        if (!owner_copy || !name_copy || !grown || ensure_owner(r, owner) < 0) {
            free(owner_copy);
            free(name_copy);
            free(alias_copy);
            return bo_error(r->ctx, BO_ERR_NOMEM, "out of memory registering %s.%s", owner, name);
        }
        i = (long)r->nbufs++;
        memset(&r->bufs[i], 0, sizeof r->bufs[i]);
        r->bufs[i].owner = owner_copy;
        r->bufs[i].name = name_copy;
    } else {
        free(r->bufs[i].alias);
    }
    reg_buf *b = &r->bufs[i];
    b->alias = alias_copy;
    b->size = size;
    b->loc = loc;
    b->persistent = persistent;
    b->prec = prec;
    relayout(r);
    return BO_OK;
}

int reg_parse_location(bo_context *ctx, const char *key, const char *text, reg_location *out)
{
    if (text && strcmp(text, "local") == 0) {
        if (out)
            *out = REG_LOCAL;
        return BO_OK;
    }
    if (text && strcmp(text, "shared") == 0) {
        if (out)
            *out = REG_SHARED;
        return BO_OK;
    }
    return bo_error(ctx, BO_ERR_SETTING,
                    "invalid value '%s' for '%s': allowed values are local, "
                    "shared",
                    text ? text : "(null)", key ? key : "(null)");
}

int reg_set_location(reg_registry *r, const char *name, reg_location loc)
{
    if (!r || !name)
        return BO_ERR_INVALID_ARG;
    if (loc != REG_LOCAL && loc != REG_SHARED)
        return bo_error(r->ctx, BO_ERR_SETTING, "invalid location %d for buffer '%s'", (int)loc,
                        name);
    int matched = 0;
    for (size_t i = 0; i < r->nbufs; ++i) {
        const reg_buf *b = &r->bufs[i];
        if (strcmp(b->name, name) != 0)
            continue;
        const char *why = placement_problem(r, b->prec, class_of(loc, b->persistent));
        if (why)
            return bo_error(r->ctx, BO_ERR_SETTING, "%s_location: buffer %s.%s is %s; %s", name,
                            b->owner, b->name, prec_word(b->prec), why);
        ++matched;
    }
    for (size_t i = 0; i < r->nbufs; ++i) {
        if (strcmp(r->bufs[i].name, name) == 0)
            r->bufs[i].loc = loc;
    }
    if (matched)
        relayout(r);
    return matched;
}

int reg_add_child(reg_registry *r, const char *parent, const char *child)
{
    if (!r)
        return BO_ERR_INVALID_ARG;
    long p = parent ? find_owner(r, parent) : -1;
    long c = child ? find_owner(r, child) : -1;
    if (p < 0)
        return bo_error(r->ctx, BO_ERR_NOT_FOUND, "unknown parent owner '%s' (declare it first)",
                        parent ? parent : "(null)");
    if (c < 0)
        return bo_error(r->ctx, BO_ERR_NOT_FOUND, "unknown child owner '%s' (declare it first)",
                        child ? child : "(null)");
    if (p == c)
        return bo_error(r->ctx, BO_ERR_INVALID_ARG, "owner '%s' cannot be its own child", parent);
    reg_owner *co = &r->owners[c];
    if (co->parent) {
        if (strcmp(co->parent, parent) == 0)
            return BO_OK;
        return bo_error(r->ctx, BO_ERR_STATE, "owner '%s' is already a child of '%s'", child,
                        co->parent);
    }
    for (const char *a = parent; a;) {
        long ai = find_owner(r, a);
        if (strcmp(a, child) == 0)
            return bo_error(r->ctx, BO_ERR_INVALID_ARG,
                            "making '%s' a child of '%s' would make a cycle", child, parent);
        a = r->owners[ai].parent;
    }
    char *copy = bo_strdup(parent);
    if (!copy)
        return bo_error(r->ctx, BO_ERR_NOMEM, "out of memory adding child '%s'", child);
    co->parent = copy;
    co->order = r->next_order++;
    relayout(r);
    return BO_OK;
}

/* Remove owner i's descendants (buffers and owner records) and its own buffers. */
static void clear_tree(reg_registry *r, const char *owner, int remove_self)
{
    for (;;) {
        long child = -1;
        for (size_t c = 0; c < r->nowners; ++c) {
            if (r->owners[c].parent && strcmp(r->owners[c].parent, owner) == 0) {
                child = (long)c;
                break;
            }
        }
        if (child < 0)
            break;
        clear_tree(r, r->owners[child].name, 1);
    }
    size_t kept = 0;
    for (size_t i = 0; i < r->nbufs; ++i) {
        if (strcmp(r->bufs[i].owner, owner) == 0)
            free_buf(&r->bufs[i]);
        else
            r->bufs[kept++] = r->bufs[i];
    }
    r->nbufs = kept;
    if (remove_self) {
        long i = find_owner(r, owner);
        reg_owner gone = r->owners[i];
        memmove(&r->owners[i], &r->owners[i + 1],
                (r->nowners - (size_t)i - 1) * sizeof r->owners[0]);
        --r->nowners;
        free_owner(&gone);
    }
}

int reg_clear_owner(reg_registry *r, const char *owner)
{
    if (!r)
        return BO_ERR_INVALID_ARG;
    long i = owner ? find_owner(r, owner) : -1;
    if (i < 0)
        return bo_error(r->ctx, BO_ERR_NOT_FOUND, "unknown buffer owner '%s'",
                        owner ? owner : "(null)");
    clear_tree(r, r->owners[i].name, 0);
    relayout(r);
    return BO_OK;
}

const char *reg_root(const reg_registry *r)
{
    if (!r)
        return NULL;
    for (size_t i = 0; i < r->nowners; ++i) {
        if (!r->owners[i].parent)
            return r->owners[i].name;
    }
    return NULL;
}

static int validate(const reg_registry *r, bo_context *ctx)
{
    const char *root = reg_root(r);
    for (size_t i = 0; root && i < r->nowners; ++i) {
        const reg_owner *o = &r->owners[i];
        if (!o->parent && strcmp(o->name, root) != 0)
            return bo_error(ctx, BO_ERR_STATE,
                            "buffer owners '%s' and '%s' both lack a parent; only the root (the "
                            "loop) may (add the missing child edge)",
                            root, o->name);
    }
    if (reg_shared_stride(r) > REG_MAX_ELEMENTS ||
        reg_persistent_elements(r, root ? root : "") > REG_MAX_ELEMENTS)
        return bo_error(ctx, BO_ERR_RANGE,
                        "the buffers of one run need more than 2^31 - 1 elements (shared %zu, "
                        "persistent %zu)",
                        reg_shared_stride(r), reg_persistent_elements(r, root ? root : ""));
    return BO_OK;
}

int reg_layout(reg_registry *r)
{
    if (!r)
        return BO_ERR_INVALID_ARG;
    return validate(r, r->ctx);
}

size_t reg_shared_elements(const reg_registry *r, const char *owner)
{
    long i = (r && owner) ? find_owner(r, owner) : -1;
    return i < 0 ? 0 : r->owners[i].shared_total;
}

size_t reg_persistent_elements(const reg_registry *r, const char *owner)
{
    long i = (r && owner) ? find_owner(r, owner) : -1;
    return i < 0 ? 0 : r->owners[i].persistent_total;
}

size_t reg_local_elements(const reg_registry *r, const char *owner)
{
    if (!r || !owner)
        return 0;
    size_t n = 0;
    for (size_t i = 0; i < r->nbufs; ++i) {
        const reg_buf *b = &r->bufs[i];
        if (b->cls == REG_CLASS_LOCAL && strcmp(b->owner, owner) == 0)
            n += b->size ? b->size : 1;
    }
    return n;
}

size_t reg_shared_stride(const reg_registry *r)
{
    const char *root = reg_root(r);
    size_t n = root ? reg_shared_elements(r, root) : 0;
    /* An odd stride makes run r's element j fall in bank (r*stride + j) mod 32: 32 consecutive
     * runs hit 32 distinct banks. docs/registry.md works through float and double. */
    return (n > 0 && n % 2 == 0) ? n + 1 : n;
}

size_t reg_shared_bytes_per_block(const reg_registry *r, int precision_bytes, int runs)
{
    if (precision_bytes <= 0 || runs <= 0)
        return 0;
    size_t stride = reg_shared_stride(r);
    size_t pb = (size_t)precision_bytes, n = (size_t)runs;
    if (stride != 0 && pb > SIZE_MAX / stride)
        return SIZE_MAX;
    size_t per_run = stride * pb;
    if (per_run != 0 && n > SIZE_MAX / per_run)
        return SIZE_MAX;
    return per_run * n;
}

int reg_find(const reg_registry *r, const char *owner, const char *name, reg_buffer_info *out)
{
    if (!r || !owner || !name)
        return BO_ERR_INVALID_ARG;
    long i = find_buf(r, owner, name);
    if (i < 0)
        return bo_error(r->ctx, BO_ERR_NOT_FOUND, "no buffer %s.%s is registered", owner, name);
    const reg_buf *b = &r->bufs[i];
    if (out) {
        out->cls = b->cls;
        out->offset = b->offset;
        out->size = b->size;
        out->elements = (b->cls == REG_CLASS_LOCAL && b->size == 0) ? 1 : b->size;
        out->inside_target = b->inside;
        out->prec = b->prec;
    }
    return BO_OK;
}

int reg_child_slice(const reg_registry *r, const char *child, size_t *shared_offset,
                    size_t *persistent_offset)
{
    if (!r || !child)
        return BO_ERR_INVALID_ARG;
    long i = find_owner(r, child);
    if (i < 0 || !r->owners[i].parent)
        return bo_error(r->ctx, BO_ERR_NOT_FOUND, "'%s' is not a child owner", child);
    if (shared_offset)
        *shared_offset = r->owners[i].shared_offset;
    if (persistent_offset)
        *persistent_offset = r->owners[i].persistent_offset;
    return BO_OK;
}

/* ------------------------------------------------------------------------------------------
 * Emission
 * ---------------------------------------------------------------------------------------- */

/* The emitted macro names paste owner and name with '_', so owner "a_b" + name "c" and owner
 * "a" + name "b_c" would both define BO_ALLOC_a_b_c. Refuse instead of emitting a redefinition. */
static int joined_equal(const char *a1, const char *b1, const char *a2, const char *b2)
{
    size_t n1 = strlen(a1), n2 = strlen(a2);
    if (strlen(b1) + n1 != strlen(b2) + n2)
        return 0;
    /* Compare a1 "_" b1 with a2 "_" b2 character by character without building them. */
    size_t len = n1 + 1 + strlen(b1);
    for (size_t k = 0; k < len; ++k) {
        char c1 = k < n1 ? a1[k] : (k == n1 ? '_' : b1[k - n1 - 1]);
        char c2 = k < n2 ? a2[k] : (k == n2 ? '_' : b2[k - n2 - 1]);
        if (c1 != c2)
            return 0;
    }
    return 1;
}

static int check_names(reg_registry *r, bo_context *ctx)
{
    for (size_t i = 0; i < r->nbufs; ++i) {
        for (size_t j = i + 1; j < r->nbufs; ++j) {
            const reg_buf *a = &r->bufs[i], *b = &r->bufs[j];
            if (joined_equal(a->owner, a->name, b->owner, b->name))
                return bo_error(ctx, BO_ERR_INVALID_ARG,
                                "buffers %s.%s and %s.%s would both emit BO_ALLOC_%s_%s; rename "
                                "one",
                                a->owner, a->name, b->owner, b->name, a->owner, a->name);
        }
    }
    for (size_t i = 0; i < r->nowners; ++i) {
        for (size_t j = i + 1; j < r->nowners; ++j) {
            const reg_owner *a = &r->owners[i], *b = &r->owners[j];
            if (a->parent && b->parent && joined_equal(a->parent, a->name, b->parent, b->name))
                return bo_error(ctx, BO_ERR_INVALID_ARG,
                                "child slices %s.%s and %s.%s would both emit "
                                "BO_CHILD_SHARED_%s_%s; rename one",
                                a->parent, a->name, b->parent, b->name, a->parent, a->name);
        }
    }
    return BO_OK;
}

static const char *local_type(const reg_registry *r, reg_precision p)
{
    if (p == REG_I32)
        return "bo_i32";
    if (p == r->working)
        return "bo_real";
    return p == REG_F32 ? "float" : "double";
}

static void emit_buffer(const reg_registry *r, const reg_buf *b, sb_buf *out)
{
    sb_printf(out, "/* %s.%s: %s, %zu element%s", b->owner, b->name, class_word(b->cls), b->size,
              b->size == 1 ? "" : "s");
    if (b->cls != REG_CLASS_LOCAL)
        sb_printf(out, " at %zu", b->offset);
    else if (b->size == 0)
        sb_append(out, " (array of 1)");
    if (b->alias)
        sb_printf(out, b->inside ? " inside %s.%s" : " (alias of %s.%s, space of its own)",
                  b->owner, b->alias);
    if (b->cls == REG_CLASS_LOCAL && b->prec != r->working)
        sb_printf(out, ", %s", prec_word(b->prec));
    sb_append(out, " */\n");
    sb_printf(out, "#define BO_ALLOC_%s_%s(var, shared, persistent) ", b->owner, b->name);
    if (b->cls == REG_CLASS_SHARED) {
        sb_printf(out, "bo_real *var = (shared) + %zu\n", b->offset);
    } else if (b->cls == REG_CLASS_PERSISTENT) {
        sb_printf(out, "bo_real *var = (persistent) + %zu\n", b->offset);
    } else {
        const char *t = local_type(r, b->prec);
        sb_printf(out, "%s var##_buf[%zu]; %s *var = var##_buf\n", t, b->size ? b->size : 1, t);
    }
}

static void emit_owner(const reg_registry *r, size_t oi, sb_buf *out)
{
    const reg_owner *o = &r->owners[oi];
    sb_printf(out, "\n/* ---- %s ---- */\n", o->name);
    for (size_t i = 0; i < r->nbufs; ++i) {
        if (strcmp(r->bufs[i].owner, o->name) == 0)
            emit_buffer(r, &r->bufs[i], out);
    }
    for (long c = next_child(r, o->name, -1); c >= 0; c = next_child(r, o->name, c)) {
        const reg_owner *k = &r->owners[c];
        sb_printf(out, "/* child %s: shared %zu elements at %zu, persistent %zu at %zu */\n",
                  k->name, k->shared_total, k->shared_offset, k->persistent_total,
                  k->persistent_offset);
        sb_printf(out, "#define BO_CHILD_SHARED_%s_%s(shared) ((shared) + %zu)\n", o->name, k->name,
                  k->shared_offset);
        sb_printf(out, "#define BO_CHILD_PERSISTENT_%s_%s(persistent) ((persistent) + %zu)\n",
                  o->name, k->name, k->persistent_offset);
    }
    sb_printf(out, "#define BO_SHARED_ELEMENTS_%s %zu\n", o->name, o->shared_total);
    sb_printf(out, "#define BO_PERSISTENT_ELEMENTS_%s %zu\n", o->name, o->persistent_total);
    /* Then the subtrees, so a parent's macros precede its children's. */
    for (long c = next_child(r, o->name, -1); c >= 0; c = next_child(r, o->name, c))
        emit_owner(r, (size_t)c, out);
}

int reg_emit(reg_registry *r, bo_context *ctx, sb_buf *out)
{
    if (!ctx && r)
        ctx = r->ctx;
    if (!r || !out)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "reg_emit: registry or output is NULL");
    int rc = validate(r, ctx);
    if (rc < 0)
        return rc;
    if ((rc = check_names(r, ctx)) < 0)
        return rc;
    const char *root = reg_root(r);
    int bits = r->working == REG_F32 ? 32 : 64;
    sb_printf(out,
              "/* Buffer allocators from the buffer registry (docs/registry.md).\n"
              " * BO_ALLOC_<owner>_<name>(var, shared, persistent) declares `var`, a pointer to\n"
              " * the buffer, given the owner's shared and persistent slices. Sizes and offsets\n"
              " * are in elements of the %d-bit working precision. */\n",
              bits);
    sb_printf(out, "#if BO_PRECISION != %d\n", bits);
    sb_printf(out, "#error \"buffer layout was computed for %d-bit working precision\"\n", bits);
    sb_append(out, "#endif\n");
    if (root)
        emit_owner(r, (size_t)find_owner(r, root), out);
    sb_printf(out, "\n/* per run: root %s; shared stride padded to an odd count (bank spread) */\n",
              root ? root : "(none)");
    sb_printf(out, "#define BO_SHARED_STRIDE %zu\n", reg_shared_stride(r));
    sb_printf(out, "#define BO_PERSISTENT_TOTAL %zu\n",
              root ? reg_persistent_elements(r, root) : (size_t)0);
    size_t local = 0;
    for (size_t i = 0; i < r->nbufs; ++i)
        if (r->bufs[i].cls == REG_CLASS_LOCAL)
            local += r->bufs[i].size ? r->bufs[i].size : 1;
    sb_printf(out, "/* every local buffer at once: a bound on what a run keeps on the stack */\n");
    sb_printf(out, "#define BO_LOCAL_TOTAL %zu\n", local);
    if (out->failed)
        return bo_error(ctx, BO_ERR_NOMEM, "out of memory emitting allocators");
    return BO_OK;
}
