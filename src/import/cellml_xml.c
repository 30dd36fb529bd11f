/* Reading CellML files: the bytes (bounded), the XML (libxml2 with no network access, no
 * DTD loading and no entity declarations at all, so neither external entities nor entity
 * expansion bombs get in), the root <model> and its version, imports of other files (local
 * relative paths inside the model's directory only, each file loaded once, cycles refused),
 * and error messages that name the file and line. */
/* realpath (POSIX XSI). */
#define _XOPEN_SOURCE 700

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "cellml_internal.h"

static const char *const CELLML_NS[] = {
    "http://www.cellml.org/cellml/1.0#",
    "http://www.cellml.org/cellml/1.1#",
    "http://www.cellml.org/cellml/2.0#",
};
static const int CELLML_VERSION[] = {10, 11, 20};
#define MATHML_NS "http://www.w3.org/1998/Math/MathML"
#define XLINK_NS "http://www.w3.org/1999/xlink"

int cm_fail(cm_state *st, const cm_doc *doc, const xmlNode *node, int code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    long line = node ? xmlGetLineNo(node) : 0;
    const char *path = doc ? doc->path : "<cellml>";
    if (line > 0)
        bo_error(st->ctx, code, "%s:%ld: %s", path, line, msg);
    else
        bo_error(st->ctx, code, "%s: %s", path, msg);
    st->status = code;
    return code;
}

int cm_nomem(cm_state *st)
{
    st->status = BO_ERR_NOMEM;
    return bo_error(st->ctx, BO_ERR_NOMEM, "out of memory importing CellML");
}

int cm_is(const cm_doc *doc, const xmlNode *node, const char *name)
{
    (void)doc;
    if (!node || node->type != XML_ELEMENT_NODE || strcmp((const char *)node->name, name) != 0)
        return 0;
    if (!node->ns || !node->ns->href)
        return 0;
    for (size_t i = 0; i < sizeof CELLML_NS / sizeof CELLML_NS[0]; ++i)
        if (strcmp((const char *)node->ns->href, CELLML_NS[i]) == 0)
            return 1;
    return 0;
}

int cm_is_mathml(const xmlNode *node, const char *name)
{
    return node && node->type == XML_ELEMENT_NODE && node->ns && node->ns->href &&
           strcmp((const char *)node->ns->href, MATHML_NS) == 0 &&
           (!name || strcmp((const char *)node->name, name) == 0);
}

/* Attributes: strdup'ed and trimmed of surrounding blanks, NULL when absent. CellML attributes
 * carry no namespace (xlink:href and cellml:units on MathML excepted). */
static char *trimmed(cm_state *st, xmlChar *v)
{
    if (!v)
        return NULL;
    const char *s = (const char *)v;
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        ++s;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        --n;
    char *r = bo_strndup(s, n);
    xmlFree(v);
    if (!r)
        cm_nomem(st);
    return r;
}

char *cm_attr(cm_state *st, const xmlNode *node, const char *name)
{
    return trimmed(st, xmlGetNoNsProp(node, (const xmlChar *)name));
}

char *cm_attr_ns(cm_state *st, const xmlNode *node, const char *name, const char *ns)
{
    return trimmed(st, xmlGetNsProp(node, (const xmlChar *)name, (const xmlChar *)ns));
}

/* ---- files ------------------------------------------------------------------------- */

static int read_file(cm_state *st, const cm_doc *from, const xmlNode *where, const char *path,
                     char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        if (from)
            return cm_fail(st, from, where, BO_ERR_IO, "cannot open the imported file '%s': %s",
                           path, strerror(e));
        return bo_error(st->ctx, BO_ERR_IO, "cannot open '%s': %s", path, strerror(e));
    }
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 && S_ISDIR(sb.st_mode)) {
        fclose(f);
        return bo_error(st->ctx, BO_ERR_IO, "cannot read '%s': Is a directory", path);
    }
    size_t cap = 65536, n = 0;
    char *buf = bo_malloc(cap);
    if (!buf) {
        fclose(f);
        return cm_nomem(st);
    }
    for (;;) {
        if (n == cap) {
            if (cap > CM_MAX_FILE_BYTES) {
                free(buf);
                fclose(f);
                return bo_error(st->ctx, BO_ERR_RANGE,
                                "'%s' is larger than 64 MiB, the most a CellML file may hold",
                                path);
            }
            char *nb = bo_realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                fclose(f);
                return cm_nomem(st);
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return bo_error(st->ctx, BO_ERR_IO, "cannot read '%s'", path);
    }
    if (n > CM_MAX_FILE_BYTES) {
        free(buf);
        return bo_error(st->ctx, BO_ERR_RANGE,
                        "'%s' is larger than 64 MiB, the most a CellML file may hold", path);
    }
    *out = buf;
    *len = n;
    return BO_OK;
}

/* Parse the XML and find the CellML model in it. */
static int parse_doc(cm_state *st, cm_doc *doc, const char *text, size_t len)
{
    if (len > (size_t)INT_MAX)
        return bo_error(st->ctx, BO_ERR_RANGE, "'%s' is too large", doc->path);
    xmlInitParser();
    xmlParserCtxtPtr pc = xmlNewParserCtxt();
    if (!pc)
        return cm_nomem(st);
    /* No network, no DTD loading, no entity substitution; errors are kept in the context,
     * never printed; lines beyond 65535 are counted. */
    int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA |
               XML_PARSE_BIG_LINES;
    doc->xml = xmlCtxtReadMemory(pc, text, (int)len, NULL, NULL, opts);
    if (!doc->xml) {
        xmlErrorPtr e = xmlCtxtGetLastError(pc);
        char msg[512] = "not well-formed XML";
        int line = 0;
        if (e && e->message) {
            snprintf(msg, sizeof msg, "%s", e->message);
            size_t n = strlen(msg);
            while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
                msg[--n] = '\0';
            line = e->line;
        }
        xmlFreeParserCtxt(pc);
        st->status = BO_ERR_PARSE;
        if (line > 0)
            return bo_error(st->ctx, BO_ERR_PARSE, "%s:%d: XML error: %s", doc->path, line, msg);
        return bo_error(st->ctx, BO_ERR_PARSE, "%s: XML error: %s", doc->path, msg);
    }
    xmlFreeParserCtxt(pc);
    xmlDtdPtr dtd = xmlGetIntSubset(doc->xml);
    if (dtd && dtd->entities)
        return cm_fail(st, doc, (xmlNodePtr)dtd, BO_ERR_PARSE,
                       "entity declarations are not accepted in a CellML file");
    xmlNodePtr root = xmlDocGetRootElement(doc->xml);
    if (!root || strcmp((const char *)root->name, "model") != 0)
        return cm_fail(st, doc, root, BO_ERR_PARSE,
                       "not a CellML file: the root element is '%s', not 'model'",
                       root ? (const char *)root->name : "(none)");
    const char *ns = root->ns && root->ns->href ? (const char *)root->ns->href : "";
    for (size_t i = 0; i < sizeof CELLML_NS / sizeof CELLML_NS[0]; ++i)
        if (strcmp(ns, CELLML_NS[i]) == 0)
            doc->version = CELLML_VERSION[i];
    if (!doc->version)
        return cm_fail(st, doc, root, BO_ERR_PARSE,
                       "not a CellML file: the model's namespace is '%s', not CellML 1.0, 1.1 "
                       "or 2.0 (http://www.cellml.org/cellml/1.0#, 1.1# or 2.0#)",
                       *ns ? ns : "(none)");
    doc->model = root;
    return BO_OK;
}

static cm_doc *new_doc(cm_state *st, const char *path, const char *dir)
{
    cm_doc *d = bo_calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->path = bo_strdup(path);
    d->dir = bo_strdup(dir);
    if (!d->path || !d->dir) {
        free(d->path);
        free(d->dir);
        free(d);
        return NULL;
    }
    d->next = st->docs;
    st->docs = d;
    return d;
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return bo_strdup(".");
    if (slash == path)
        return bo_strdup("/");
    return bo_strndup(path, (size_t)(slash - path));
}

int cm_load_root(cm_state *st, const char *path, const char *text, size_t len,
                 const char *source_name)
{
    char *buf = NULL;
    int rc;
    char *dir = path ? dir_of(path) : bo_strdup("");
    if (!dir)
        return cm_nomem(st);
    cm_doc *d = new_doc(st, path ? path : (source_name ? source_name : "<string>"), dir);
    free(dir);
    if (!d)
        return cm_nomem(st);
    st->root = d;
    if (path && !text) {
        if ((rc = read_file(st, NULL, NULL, path, &buf, &len)) != BO_OK)
            return rc;
        text = buf;
    }
    rc = parse_doc(st, d, text, len);
    free(buf);
    return rc;
}

/* An import's href must be a plain relative path that stays inside the directory: no
 * scheme, no absolute path, no '..' component. */
static const char *bad_href(const char *href)
{
    if (!*href)
        return "it is empty";
    if (strchr(href, ':'))
        return "URLs are not imported (only local files, by a relative path)";
    if (href[0] == '/' || href[0] == '\\')
        return "absolute paths are refused (only paths relative to the model's directory)";
    if (strchr(href, '\\'))
        return "'\\' is not a path separator here; write '/'";
    const char *p = href;
    while (*p) {
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 2 && p[0] == '.' && p[1] == '.')
            return "'..' would leave the model's directory";
        if (!e)
            break;
        p = e + 1;
    }
    return NULL;
}

int cm_load_import(cm_state *st, cm_doc *doc, xmlNodePtr import, cm_doc **out)
{
    *out = NULL;
    char *href = cm_attr_ns(st, import, "href", XLINK_NS);
    if (st->status)
        return st->status;
    if (!href)
        return cm_fail(st, doc, import, BO_ERR_MODEL, "import without an xlink:href attribute");
    const char *why = bad_href(href);
    if (!why && !*doc->dir)
        why = "a model given as text has no directory to import from";
    if (why) {
        int rc = cm_fail(st, doc, import, BO_ERR_IO, "cannot import '%s': %s", href, why);
        free(href);
        return rc;
    }
    if (doc->depth + 1 > CM_MAX_IMPORT_DEPTH) {
        int rc = cm_fail(st, doc, import, BO_ERR_MODEL, "imports nest more than %d files deep",
                         CM_MAX_IMPORT_DEPTH);
        free(href);
        return rc;
    }
    char *path = bo_asprintf("%s/%s", doc->dir, href);
    free(href);
    if (!path)
        return cm_nomem(st);
    /* The file must exist and resolve (symbolic links followed) inside the root model's
     * directory. */
    char real[PATH_MAX], rootreal[PATH_MAX], other[PATH_MAX];
    if (!realpath(path, real)) {
        int rc = cm_fail(st, doc, import, BO_ERR_IO, "cannot open the imported file '%s': %s", path,
                         strerror(errno));
        free(path);
        return rc;
    }
    if (!realpath(st->root->dir, rootreal)) {
        free(path);
        return cm_fail(st, doc, import, BO_ERR_IO, "cannot resolve the model's directory");
    }
    size_t rl = strlen(rootreal);
    if (strncmp(real, rootreal, rl) != 0 || (real[rl] != '/' && rl > 1)) {
        int rc = cm_fail(st, doc, import, BO_ERR_IO,
                         "cannot import '%s': it resolves outside the model's directory", path);
        free(path);
        return rc;
    }
    /* A cycle: the file is one of those importing this one. */
    for (const cm_doc *d = doc; d; d = d->importer) {
        if (realpath(d->path, other) && strcmp(other, real) == 0) {
            sb_buf chain;
            sb_init(&chain);
            sb_append(&chain, path);
            for (const cm_doc *e = doc; e; e = e->importer) {
                sb_printf(&chain, " <- %s", e->path);
                if (e == d)
                    break;
            }
            int rc = cm_fail(st, doc, import, BO_ERR_MODEL, "import cycle: %s",
                             chain.failed ? "(out of memory)" : sb_cstr(&chain));
            sb_free(&chain);
            free(path);
            return rc;
        }
    }
    /* Loaded already (imported by another model too): shared. */
    for (cm_doc *d = st->docs; d; d = d->next) {
        if (d->xml && realpath(d->path, other) && strcmp(other, real) == 0) {
            free(path);
            *out = d;
            return BO_OK;
        }
    }
    char *dir = dir_of(path);
    cm_doc *d = dir ? new_doc(st, path, dir) : NULL;
    free(dir);
    if (!d) {
        free(path);
        return cm_nomem(st);
    }
    d->depth = doc->depth + 1;
    d->importer = doc;
    char *buf = NULL;
    size_t len = 0;
    int rc = read_file(st, doc, import, path, &buf, &len);
    free(path);
    if (rc == BO_OK)
        rc = parse_doc(st, d, buf, len);
    free(buf);
    if (rc == BO_OK)
        *out = d;
    return rc;
}

void cm_free_docs(cm_state *st)
{
    cm_doc *d = st->docs;
    while (d) {
        cm_doc *n = d->next;
        if (d->xml)
            xmlFreeDoc(d->xml);
        free(d->units);
        free(d->imports);
        free(d->path);
        free(d->dir);
        free(d);
        d = n;
    }
    st->docs = NULL;
    st->root = NULL;
}
