/* screen.c - refusing what a submission may not contain (see screen.h). */
#include "screen.h"
#include "harness_util.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Pragmas that change nothing the detectors or the grader see. */
static const char *const pragma_ok[] = {"once", "GCC diagnostic", "clang diagnostic",
                                        "STDC", "GCC poison", "GCC warning", "GCC error"};

/* Attributes that blind a sanitizer, run code outside the tests, or place
 * code where the loader runs it. */
static const char *const attr_banned[] = {
    "constructor", "destructor", "section", "no_sanitize", "no_sanitize_thread",
    "no_sanitize_address", "no_sanitize_undefined", "no_sanitize_memory",
    "no_address_safety_analysis", "disable_sanitizer_instrumentation", "ifunc",
    "alias", "weakref", "naked", "init_priority"};

/* Identifiers (prefixes) of the detectors' own interfaces. */
static const char *const ident_banned[] = {
    "__tsan_", "__asan_", "__msan_", "__lsan_", "__ubsan_", "__hwasan_", "__sanitizer_",
    "Annotate", "ANNOTATE_", "VALGRIND_", "_zzq_", "__SPECIAL_INSTRUCTION_PREAMBLE",
    "RUNNING_ON_VALGRIND"};

/* Macros that tell a file which build it is in: they vanish in -E, so
 * they are looked for in the file as written. */
static const char *const build_probes[] = {
    "__SANITIZE_THREAD__", "__SANITIZE_ADDRESS__", "__has_feature", "__has_extension",
    "RACELAB_FLAVOR", "__clang__", "__OPTIMIZE__", "__OPTIMIZE_SIZE__", "__NO_INLINE__"};

static char *dupn(const char *s, size_t n)
{
    char *d = xmalloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static bool is_ident(int c)
{
    return isalnum(c) || c == '_';
}

/* Blanks comments (keeping newlines) of a C text; strings kept. */
static char *strip_comments(const char *s, size_t len)
{
    char *o = xmalloc(len + 1);
    size_t i = 0;
    char q = 0;

    memcpy(o, s, len);
    o[len] = '\0';
    while (i < len) {
        if (q) {
            if (o[i] == '\\' && i + 1 < len)
                i += 2;
            else {
                if (o[i] == q || o[i] == '\n')
                    q = 0;
                i++;
            }
        } else if (o[i] == '"' || o[i] == '\'') {
            q = o[i++];
        } else if (o[i] == '/' && i + 1 < len && o[i + 1] == '*') {
            size_t j = i + 2;
            while (j + 1 < len && !(o[j] == '*' && o[j + 1] == '/'))
                j++;
            j = j + 1 < len ? j + 2 : len;
            for (; i < j; i++)
                if (o[i] != '\n')
                    o[i] = ' ';
        } else if (o[i] == '/' && i + 1 < len && o[i + 1] == '/') {
            while (i < len && o[i] != '\n')
                o[i++] = ' ';
        } else
            i++;
    }
    return o;
}

/* Blanks the contents of string and character literals of LINE in place. */
static void blank_strings(char *line)
{
    char q = 0;
    for (char *p = line; *p; p++) {
        if (q) {
            if (*p == '\\' && p[1]) {
                *p = ' ';
                *++p = ' ';
            } else if (*p == q)
                q = 0;
            else
                *p = ' ';
        } else if (*p == '"' || *p == '\'')
            q = *p;
    }
}

/* Calls FN on each identifier of LINE (strings blanked) with its start;
 * stops at the first non-NULL reason. */
typedef char *(*ident_fn)(const char *id, size_t n, const char *at, void *ctx);
static char *each_ident(const char *line, ident_fn fn, void *ctx)
{
    for (const char *p = line; *p;) {
        if (is_ident((unsigned char)*p) && !isdigit((unsigned char)*p) &&
            (p == line || !is_ident((unsigned char)p[-1]))) {
            size_t n = 0;
            while (is_ident((unsigned char)p[n]))
                n++;
            char *r = fn(p, n, p + n, ctx);
            if (r)
                return r;
            p += n;
        } else
            p++;
    }
    return NULL;
}

static bool ident_is(const char *id, size_t n, const char *word)
{
    return strlen(word) == n && !strncmp(id, word, n);
}

/* "pragma X": NULL when X is harmless, else the reason. */
static char *pragma_check(const char *rest, int line)
{
    rest += strspn(rest, " \t");
    for (size_t i = 0; i < sizeof pragma_ok / sizeof *pragma_ok; i++) {
        size_t n = strlen(pragma_ok[i]);
        if (!strncmp(rest, pragma_ok[i], n) && !is_ident((unsigned char)rest[n]))
            return NULL;
    }
    size_t n = strcspn(rest, "\n");
    return xasprintf("line %d: `#pragma %.*s` is not allowed in a submission (a pragma can "
                     "switch a detector off; only once and diagnostic pragmas are)", line,
                     (int)(n > 80 ? 80 : n), rest);
}

struct src_ctx {
    int line;
};

static char *probe_ident(const char *id, size_t n, const char *at, void *ctx)
{
    struct src_ctx *c = ctx;
    (void)at;
    for (size_t i = 0; i < sizeof build_probes / sizeof *build_probes; i++)
        if (ident_is(id, n, build_probes[i]))
            return xasprintf("line %d: %s asks which build the module is in: a module must "
                             "behave the same in every build (release, TSan, Valgrind)",
                             c->line, build_probes[i]);
    return NULL;
}

/* One #include operand: NULL if allowed. */
static char *include_check(const char *op, int line, const char *const *headers,
                           size_t nheaders)
{
    char open = *op, close = open == '"' ? '"' : open == '<' ? '>' : 0;
    const char *end = close ? strchr(op + 1, close) : NULL;

    if (!end)
        return xasprintf("line %d: #include %.60s: an include must name a file in \"\" or "
                         "<> (no macros)", line, op);
    size_t n = (size_t)(end - op - 1);
    char *name = dupn(op + 1, n);
    char *r = NULL;
    if (name[0] == '/' || strstr(name, ".."))
        r = xasprintf("line %d: #include %c%s%c: absolute and `..` paths are not allowed "
                      "(only the module's header, the server's headers and system headers)",
                      line, open, name, close);
    else if (strstr(name, "valgrind") || strstr(name, "helgrind") || strstr(name, "drd.h") ||
             strstr(name, "memcheck.h") || !strncmp(name, "sanitizer/", 10))
        r = xasprintf("line %d: #include %c%s%c: a detector's client interface is not "
                      "allowed (it can switch the detector off)", line, open, name, close);
    else if (open == '"') {
        bool ok = false;
        for (size_t i = 0; i < nheaders && !ok; i++)
            ok = !strcmp(name, headers[i]);
        if (!ok) {
            struct strbuf allowed;
            sb_init(&allowed);
            for (size_t i = 0; i < nheaders; i++)
                sb_printf(&allowed, "%s%s", i ? ", " : "", headers[i]);
            r = xasprintf("line %d: #include \"%s\": not an allowed header (the server's "
                          "headers: %s; and system headers in <>)", line, name, allowed.buf);
            sb_free(&allowed);
        }
    }
    free(name);
    return r;
}

/* One directive (text after '#'). */
static char *directive_check(const char *d, int line, const char *const *headers,
                             size_t nheaders)
{
    d += strspn(d, " \t");
    size_t n = 0;
    while (is_ident((unsigned char)d[n]))
        n++;
    if (isdigit((unsigned char)*d) || ident_is(d, n, "line"))
        return xasprintf("line %d: #line directives are not allowed in a submission", line);
    if (ident_is(d, n, "include_next") || ident_is(d, n, "import") || ident_is(d, n, "embed"))
        return xasprintf("line %d: #%.*s is not allowed (#include only)", line, (int)n, d);
    if (ident_is(d, n, "include"))
        return include_check(d + n + strspn(d + n, " \t"), line, headers, nheaders);
    if (ident_is(d, n, "pragma"))
        return pragma_check(d + n, line);
    return NULL;
}

char *screen_source(const char *code, size_t len, const char *const *headers,
                    size_t nheaders)
{
    char *text = strip_comments(code, len), *r = NULL;
    int line = 1;

    if (memchr(code, '\0', len))
        r = xstrdup("the file holds NUL bytes: not a C source file");
    for (char *p = text; !r && *p;) {
        /* one logical line: physical lines joined at backslash-newline */
        struct strbuf l;
        int first = line;
        sb_init(&l);
        for (;;) {
            char *nl = strchr(p, '\n');
            size_t k = nl ? (size_t)(nl - p) : strlen(p);
            bool cont = k > 0 && p[k - 1] == '\\';
            sb_printf(&l, "%.*s", (int)(cont ? k - 1 : k), p);
            p += k + (nl ? 1 : 0);
            if (nl)
                line++;
            if (!cont || !nl)
                break;
        }
        const char *s = l.buf + strspn(l.buf, " \t");
        if (*s == '#')
            r = directive_check(s + 1, first, headers, nheaders);
        else if (s[0] == '%' && s[1] == ':')    /* the digraph of # */
            r = directive_check(s + 2, first, headers, nheaders);
        if (!r) {
            struct src_ctx c = {first};
            blank_strings(l.buf);
            r = each_ident(l.buf, probe_ident, &c);
        }
        sb_free(&l);
    }
    free(text);
    return r;
}

/* --- the preprocessed text --------------------------------------------- */

struct pp_ctx {
    int line;
};

/* The balanced (...) after an attribute keyword at AT: banned names? */
static char *attr_scan(const char *at, int line)
{
    const char *p = at + strspn(at, " \t");
    int depth = 0;
    const char *start = p;

    if (*p != '(')
        return NULL;
    do {
        if (*p == '(')
            depth++;
        else if (*p == ')')
            depth--;
        p++;
    } while (*p && depth > 0);
    for (const char *q = start; q < p; q++) {
        if (!is_ident((unsigned char)*q) || (q > start && is_ident((unsigned char)q[-1])))
            continue;
        size_t n = 0;
        while (is_ident((unsigned char)q[n]))
            n++;
        const char *id = q;
        size_t m = n;
        if (m > 4 && !strncmp(id, "__", 2) && !strncmp(id + m - 2, "__", 2)) {
            id += 2;    /* __constructor__ */
            m -= 4;
        }
        for (size_t i = 0; i < sizeof attr_banned / sizeof *attr_banned; i++)
            if (ident_is(id, m, attr_banned[i]))
                return xasprintf("line %d: __attribute__((%s)) is not allowed in a "
                                 "submission (%s)", line, attr_banned[i],
                                 strstr(attr_banned[i], "sanit") ||
                                 strstr(attr_banned[i], "safety")
                                     ? "it switches a detector off"
                                     : "it runs or places code outside the module's "
                                       "functions");
    }
    return NULL;
}

static char *pp_ident(const char *id, size_t n, const char *at, void *ctx)
{
    struct pp_ctx *c = ctx;
    if (ident_is(id, n, "asm") || ident_is(id, n, "__asm__") || ident_is(id, n, "__asm"))
        return xasprintf("line %d: inline assembly is not allowed in a submission (it can "
                         "issue a detector's client requests)", c->line);
    if (ident_is(id, n, "__attribute__") || ident_is(id, n, "__attribute") ||
        ident_is(id, n, "__declspec"))
        return attr_scan(at, c->line);
    if (ident_is(id, n, "main") && at[strspn(at, " \t")] == '(')
        return xasprintf("line %d: main() in a module is not allowed (the server and the "
                         "tests have their own)", c->line);
    for (size_t i = 0; i < sizeof ident_banned / sizeof *ident_banned; i++)
        if (n >= strlen(ident_banned[i]) && !strncmp(id, ident_banned[i], strlen(ident_banned[i])))
            return xasprintf("line %d: %.*s belongs to a detector's own interface (TSan "
                             "annotations, sanitizer hooks, Valgrind client requests): not "
                             "allowed in a submission", c->line, (int)n, id);
    return NULL;
}

/* C2x attributes: [[gnu::constructor]] */
static char *std_attr_scan(const char *l, int line)
{
    for (const char *p = strstr(l, "[["); p; p = strstr(p + 2, "[[")) {
        const char *e = strstr(p, "]]");
        struct strbuf b;
        sb_init(&b);
        sb_printf(&b, "(%.*s)", (int)(e ? e - p - 2 : (long)strlen(p + 2)), p + 2);
        for (char *q = b.buf; *q; q++)
            if (*q == ':')
                *q = ' ';
        char *r = attr_scan(b.buf, line);
        sb_free(&b);
        if (r)
            return r;
    }
    return NULL;
}

char *screen_preprocessed(const char *text, const char *main)
{
    bool in_main = false;
    int line = 0;
    char *r = NULL;

    for (const char *p = text; !r && p && *p;) {
        const char *nl = strchr(p, '\n');
        char *l = dupn(p, nl ? (size_t)(nl - p) : strlen(p));
        p = nl ? nl + 1 : NULL;
        const char *s = l + strspn(l, " \t");
        if (s[0] == '#' && isdigit((unsigned char)s[1 + strspn(s + 1, " ")])) {
            /* linemarker: # N "file" flags */
            const char *q = s + 1;
            line = atoi(q) - 1;
            const char *f = strchr(q, '"');
            in_main = f && !strncmp(f + 1, main, strlen(main)) && f[1 + strlen(main)] == '"';
        } else if (in_main) {
            if (!strncmp(s, "#pragma", 7) || !strncmp(s, "# pragma", 8))
                r = pragma_check(strstr(s, "pragma") + 6, line + 1);
            else {
                struct pp_ctx c = {line + 1};
                blank_strings(l);
                r = each_ident(l, pp_ident, &c);
                if (!r)
                    r = std_attr_scan(l, line + 1);
            }
        }
        line++;
        free(l);
    }
    return r;
}

/* --- the object ---------------------------------------------------------- */

char *screen_object(const char *nm_out, const char *sections_out,
                    int (*libc_defines)(const char *name))
{
    static const char *const loader_types[] = {"INIT_ARRAY", "FINI_ARRAY", "PREINIT_ARRAY"};
    static const char *const loader_names[] = {".init_array", ".fini_array", ".preinit_array",
                                               ".ctors", ".dtors", ".init", ".fini"};
    char *r = NULL;

    for (const char *p = sections_out; !r && p && *p;) {
        const char *nl = strchr(p, '\n');
        char *l = dupn(p, nl ? (size_t)(nl - p) : strlen(p));
        p = nl ? nl + 1 : NULL;
        const char *b = strchr(l, ']');
        if (b && strchr(l, '[')) {
            char name[256] = "", type[64] = "";
            if (sscanf(b + 1, " %255s %63s", name, type) == 2) {
                bool bad = false;
                for (size_t i = 0; i < 3; i++)
                    bad |= !strcmp(type, loader_types[i]);
                for (size_t i = 0; i < sizeof loader_names / sizeof *loader_names; i++) {
                    size_t n = strlen(loader_names[i]);
                    bad |= !strncmp(name, loader_names[i], n) &&
                           (name[n] == '\0' || name[n] == '.');
                }
                if (bad)
                    r = xasprintf("the object has a %s section (%s): constructors and "
                                  "destructors run outside the tests and are not allowed",
                                  name, type);
            }
        }
        free(l);
    }
    for (const char *p = nm_out; !r && p && *p;) {
        const char *nl = strchr(p, '\n');
        char *l = dupn(p, nl ? (size_t)(nl - p) : strlen(p));
        p = nl ? nl + 1 : NULL;
        char name[512] = "", type[8] = "";
        if (sscanf(l, "%511s %7s", name, type) == 2 && isupper((unsigned char)type[0]) &&
            type[0] != 'U') {
            if (!strcmp(name, "main"))
                r = xstrdup("the module defines main(): a module is linked into the "
                            "server and the tests, which have their own");
            else if (name[0] == '_' && (name[1] == '_' || isupper((unsigned char)name[1])))
                r = xasprintf("the module defines %s, a reserved name (the C library's and "
                              "the detectors' runtime): make it static or rename it", name);
            else if (libc_defines && libc_defines(name))
                r = xasprintf("the module defines %s, a C library name: it would replace the "
                              "library's for the whole server (make it static or rename it)",
                              name);
        }
        free(l);
    }
    return r;
}
