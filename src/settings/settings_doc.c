/* The settings reference generated from the table of settings_tables.c: docs/settings.md
 * (Markdown) and the plain text of the CLI's help (bo_settings_doc). */
#include <string.h>

#include "settings.h"
#include "util/strbuf.h"
#include "codegen/summaries.h"

/* ---- documentation --------------------------------------------------------------------- */

static const char *type_name(st_type t)
{
    switch (t) {
    case ST_REAL:
        return "real";
    case ST_INT:
        return "integer";
    case ST_BOOL:
        return "bool";
    case ST_CHOICE:
        return "choice";
    case ST_REAL_LIST:
        return "real or list";
    case ST_NAMES:
        return "names";
    case ST_STRING:
        return "string";
    }
    return "?";
}

/* Appends a value as `code` in Markdown, plain otherwise. */
static void code(sb_buf *b, int md, const char *text)
{
    sb_printf(b, md ? "`%s`" : "%s", text);
}

static void allowed_text(sb_buf *b, const st_entry *e, int md)
{
    switch (e->type) {
    case ST_REAL:
    case ST_INT:
    case ST_REAL_LIST:
        st_range_text(b, e);
        break;
    case ST_BOOL:
        code(b, md, "true");
        sb_append(b, ", ");
        code(b, md, "false");
        break;
    case ST_CHOICE:
    case ST_NAMES:
        if (!e->choices) {
            sb_append(b, "names from the model, or ");
            code(b, md, "all");
            break;
        }
        if (e->type == ST_NAMES)
            sb_append(b, "any of ");
        for (const char *const *c = e->choices; *c; ++c) {
            if (c != e->choices)
                sb_append(b, ", ");
            code(b, md, *c);
        }
        if (e->flags & ST_METRICS) {
            sb_append(b, ", and the summary metrics ");
            sm_forms(b, md);
        }
        for (const char *const *a = e->aliases; a && a[0]; a += 2) {
            sb_append(b, a == e->aliases ? " (aliases: " : ", ");
            code(b, md, a[0]);
            sb_append(b, " = ");
            code(b, md, a[1]);
            if (!a[2])
                sb_append(b, ")");
        }
        break;
    case ST_STRING:
        sb_append(b, (e->bounds & ST_NONEMPTY) ? "non-empty text" : "text");
        break;
    }
    if (e->flags & ST_AUTO) {
        sb_append(b, ", or ");
        code(b, md, "auto");
    }
}

static const char *effect_note(const st_entry *e)
{
    if (e->flags & ST_RUNTIME)
        return " *(runtime)*";
    if (e->flags & ST_BUILD)
        return " *(build)*";
    return "";
}

static void doc_markdown(sb_buf *b)
{
    sb_append(
        b,
        "# Settings reference\n\n"
        "<!-- Generated from src/settings/settings_tables.c by scripts/gen-settings-doc.sh; a test "
        "checks that this file is current. Do not edit by hand. -->\n\n"
        "Every setting is a key with a text value: `bo_settings_set(s, \"rtol\", \"1e-8\")` in "
        "C, `rtol=1e-8` on the command line. A value is checked when it is set: an unknown key "
        "fails with `BO_ERR_UNKNOWN_KEY` and the nearest known keys, a bad value with "
        "`BO_ERR_SETTING` and the allowed range or values, and the settings stay unchanged. "
        "`bo_settings_update` sets several keys all or nothing.\n\n"
        "- **Numbers** are decimal, as in the model language with an optional sign (`0.25`, "
        "`-3`, `1e-8`, `.5`), read whole and finite: hexadecimal (`0x10`), blanks around or "
        "inside (`'1e-6 '`), `inf` and `nan` are errors. An integer may also be written as an "
        "exact real (`1e6`). Values are stored normalised, so `1e-6` and `0.000001` are the "
        "same setting.\n"
        "- **Lists** are comma-separated, with no blanks around the numbers. A tolerance is one "
        "value for every state, or one "
        "value per state (`atol=1e-8,1e-6,1e-6`); the length is checked against the model "
        "when the solver is built.\n"
        "- **Choices** are case-insensitive; aliases are stored as the canonical name.\n"
        "- **auto** leaves the value to the solver, which derives it from the algorithm and the "
        "model.\n"
        "- **Effect of a change.** Keys marked *(runtime)* are passed on every call and never "
        "recompile. Keys marked *(build)* select the compiler, its flags, the backend or the "
        "device: they are part of the compile-cache key but not of the generated source. All "
        "other keys are compiled into the generated code, so changing one recompiles (the "
        "result is cached on disk and in memory).\n");
    for (size_t c = 0; c < st_components_len; ++c) {
        const st_component_info *info = &st_components[c];
        sb_printf(b, "\n## %s\n\n%s\n\n", info->title, info->intro);
        sb_append(b, "| key | type | default | allowed | description |\n"
                     "|---|---|---|---|---|\n");
        for (size_t i = 0; i < st_table_len; ++i) {
            const st_entry *e = &st_table[i];
            if (strcmp(e->component, info->name) != 0)
                continue;
            sb_printf(b, "| `%s` | %s | ", e->key, type_name(e->type));
            if (*e->def)
                code(b, 1, e->def);
            sb_append(b, " | ");
            allowed_text(b, e, 1);
            sb_printf(b, " | %s%s |\n", e->doc, effect_note(e));
        }
    }
}

/* Appends text wrapped at 96 columns: the first line indented by indent spaces, the others by
 * hang. */
static void wrapped(sb_buf *b, const char *text, int indent, int hang)
{
    const int width = 96;
    int col = 0;
    const char *p = text;
    while (*p) {
        while (*p == ' ')
            ++p;
        size_t w = strcspn(p, " ");
        if (!w)
            break;
        if (col > 0 && col + 1 + (int)w > width) {
            sb_putc(b, '\n');
            col = 0;
            indent = hang;
        }
        if (col == 0) {
            sb_printf(b, "%*s", indent, "");
            col = indent;
        } else {
            sb_putc(b, ' ');
            ++col;
        }
        sb_append_n(b, p, w);
        col += (int)w;
        p += w;
    }
    sb_putc(b, '\n');
}

static void doc_plain(sb_buf *b)
{
    sb_append(b, "Settings (KEY=VALUE; docs/settings.md has the full reference).\n"
                 "(runtime): never recompiles. (build): compiler, flags or device.\n");
    for (size_t c = 0; c < st_components_len; ++c) {
        const st_component_info *info = &st_components[c];
        sb_printf(b, "\n%s:\n", info->title);
        for (size_t i = 0; i < st_table_len; ++i) {
            const st_entry *e = &st_table[i];
            if (strcmp(e->component, info->name) != 0)
                continue;
            sb_buf line;
            sb_init(&line);
            sb_printf(&line, "%s (%s, default '%s'): ", e->key, type_name(e->type), e->def);
            allowed_text(&line, e, 0);
            wrapped(b, sb_cstr(&line), 2, 4);
            sb_free(&line);
            sb_init(&line);
            sb_append(&line, e->doc);
            if (e->flags & ST_RUNTIME)
                sb_append(&line, " (runtime)");
            else if (e->flags & ST_BUILD)
                sb_append(&line, " (build)");
            wrapped(b, sb_cstr(&line), 6, 6);
            sb_free(&line);
        }
    }
}

int bo_settings_doc(int markdown, char **out)
{
    if (!out)
        return BO_ERR_INVALID_ARG;
    sb_buf b;
    sb_init(&b);
    if (markdown)
        doc_markdown(&b);
    else
        doc_plain(&b);
    *out = sb_take(&b);
    return *out ? BO_OK : BO_ERR_NOMEM;
}
