/* diagnosis.c - noise frames, source lines and wait-for cycles for the
 * table and the HTML page (see diagnosis.h). */
#include "diagnosis.h"
#include "report_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool starts(const char *s, const char *prefix)
{
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool has(const char *s, const char *part)
{
    return s && strstr(s, part) != NULL;
}

static const char *base_name(const char *path)
{
    const char *slash = path ? strrchr(path, '/') : NULL;

    return slash ? slash + 1 : path;
}

bool frame_is_noise(const struct frame *fr)
{
    static const char *const fn_prefixes[] = {
        "__wrap_", "__real_", "__interceptor_", "__tsan_", "__tsan::",
        "__sanitizer::", "__sanitizer_", "___interceptor_", "_vgr", "_vgw",
    };
    static const char *const file_parts[] = {
        "compiler-rt/", "sanitizer_common/", "/tsan/rtl/", "libtsan",
        "vgpreload_",
    };
    static const char *const file_names[] = {
        "hg_intercepts.c", "drd_pthread_intercepts.c", "vg_replace_malloc.c",
        "tsan_interceptors_posix.cpp", "tsan_interceptors.cpp",
    };
    const char *fn = fr->function, *file = fr->file;
    size_t n;

    if (!fn && !file)
        return true;
    for (size_t i = 0; i < sizeof fn_prefixes / sizeof fn_prefixes[0]; i++)
        if (starts(fn, fn_prefixes[i]))
            return true;
    /* Valgrind names its preloaded replacements "pthread_mutex_lock@*". */
    n = fn ? strlen(fn) : 0;
    if (n >= 2 && strcmp(fn + n - 2, "@*") == 0)
        return true;
    for (size_t i = 0; i < sizeof file_parts / sizeof file_parts[0]; i++)
        if (has(file, file_parts[i]))
            return true;
    for (size_t i = 0; i < sizeof file_names / sizeof file_names[0]; i++)
        if (file && strcmp(base_name(file), file_names[i]) == 0)
            return true;
    return false;
}

bool rl_system_file(const char *file)
{
    static const char *const parts[] = {
        "sysdeps/", "/usr/include/", "/usr/lib/", "/lib/x86_64-linux-gnu/",
        "libstdc++-v3/", "/include/c++/",
    };

    if (!file || !*file)
        return false;
    /* glibc's debug info names its sources relative to its own tree:
     * "./nptl/pthread_create.c", "../sysdeps/...", "csu/../sysdeps/..." */
    if (starts(file, "./") || starts(file, "../") || starts(file, "csu/") ||
        (file[0] != '/' && has(file, "/../")))
        return true;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        if (has(file, parts[i]))
            return true;
    return false;
}

bool frame_is_program(const struct frame *fr)
{
    return fr->file && !frame_is_noise(fr) && !rl_system_file(fr->file);
}

const struct frame *rl_top_frame(const struct stack *s)
{
    const struct frame *any = NULL;

    for (size_t i = 0; s && i < s->nframes; i++) {
        if (frame_is_noise(&s->frames[i]))
            continue;
        if (s->frames[i].file)
            return &s->frames[i];
        if (!any)
            any = &s->frames[i];
    }
    return any;
}

size_t rl_noise_frames(const struct stack *s)
{
    size_t k = 0;

    for (size_t i = 0; s && i < s->nframes; i++)
        k += frame_is_noise(&s->frames[i]);
    return k;
}

void rl_finding_sites(const struct finding *f, const struct stack **access,
                      const struct stack **other)
{
    *access = rl_primary_stack(f);
    *other = NULL;
    for (size_t i = 0; *access && i < f->nstacks; i++)
        if (&f->stacks[i] != *access && !f->stacks[i].context) {
            *other = &f->stacks[i];
            return;
        }
}

/* Opens FILE as given, else under the source root. */
static FILE *open_source(const char *file)
{
    FILE *f;
    char path[4096];
    const char *rel;

    if (!file || !*file)
        return NULL;
    f = fopen(file, "r");
    if (f)
        return f;
    rel = rl_source_relative(file);
    if (rel[0] == '/' || !RACELAB_SOURCE_DIR[0])
        return NULL;
    snprintf(path, sizeof path, "%s/%s", RACELAB_SOURCE_DIR, rel);
    return fopen(path, "r");
}

/* Copies LINE into BUF without its newline, tabs as spaces. */
static int copy_line(const char *line, char *buf, size_t len)
{
    size_t k = 0;

    for (; *line && *line != '\n' && *line != '\r' && k + 1 < len; line++)
        buf[k++] = *line == '\t' ? ' ' : *line;
    buf[k] = '\0';
    return (int)k;
}

size_t rl_source_excerpt(const char *file, int line, int context,
                         struct rl_source_line *out, size_t max)
{
    FILE *f;
    char *text = NULL;
    size_t cap = 0, k = 0;
    int no = 0;

    if (line <= 0 || max == 0)
        return 0;
    f = open_source(file);
    if (!f)
        return 0;
    while (getline(&text, &cap, f) >= 0 && k < max) {
        no++;
        if (no < line - context)
            continue;
        if (no > line + context)
            break;
        out[k].no = no;
        copy_line(text, out[k].text, sizeof out[k].text);
        k++;
    }
    free(text);
    fclose(f);          /* read only: a failed close loses nothing */
    /* A line past the end is not the line the tool meant. */
    if (no < line)
        return 0;
    return k;
}

int rl_source_line(const char *file, int line, char *buf, size_t len)
{
    struct rl_source_line l;

    if (len == 0 || rl_source_excerpt(file, line, 0, &l, 1) != 1)
        return -1;
    return copy_line(l.text, buf, len);
}

/* Copies the text from *P up to the first STOP (not included) into BUF,
 * advancing *P past STOP.  False if STOP is not found. */
static bool take_until(const char **p, const char *stop, char *buf, size_t len)
{
    const char *e = strstr(*p, stop);
    size_t n;

    if (!e)
        return false;
    n = (size_t)(e - *p);
    if (n >= len)
        n = len - 1;
    memcpy(buf, *p, n);
    buf[n] = '\0';
    *p = e + strlen(stop);
    return true;
}

/* "0xADDR (name)" -> ADDR, NAME; *P moves past it. */
static bool take_mutex(const char **p, char *addr, size_t alen,
                       char *name, size_t nlen)
{
    return take_until(p, " (", addr, alen) && take_until(p, ")", name, nlen);
}

size_t rl_parse_wait_cycle(const char *hang_report, struct rl_wait *out,
                           size_t max)
{
    const char *p = hang_report ? strstr(hang_report, "deadlock: ") : NULL;
    const char *eol;
    char line[4096];
    size_t k = 0;

    if (!p)
        return 0;
    p += strlen("deadlock: ");
    eol = strchr(p, '\n');
    snprintf(line, sizeof line, "%.*s", (int)(eol ? eol - p : (long)strlen(p)), p);
    p = line;
    while (k < max && starts(p, "thread ")) {
        struct rl_wait *w = &out[k];
        char *end;
        const char *semi;

        memset(w, 0, sizeof *w);
        w->thread = strtol(p + 7, &end, 10);
        p = end;
        if (!starts(p, " holds "))
            break;
        p += strlen(" holds ");
        if (!take_mutex(&p, w->held_addr, sizeof w->held_addr,
                        w->held_name, sizeof w->held_name))
            break;
        if (!starts(p, " and waits for "))
            break;
        p += strlen(" and waits for ");
        if (!take_mutex(&p, w->wait_addr, sizeof w->wait_addr,
                        w->wait_name, sizeof w->wait_name))
            break;
        if (starts(p, " at "))
            p += 4;
        semi = strstr(p, "; thread ");
        snprintf(w->where, sizeof w->where, "%.*s",
                 (int)(semi ? semi - p : (long)strlen(p)), p);
        k++;
        if (!semi)
            break;
        p = semi + 2;
    }
    return k;
}

bool rl_where_frame(const char *where, char *buf, size_t len,
                    struct frame *out)
{
    const char *colon = where ? strrchr(where, ':') : NULL;
    char *end;
    long line;

    if (!colon || colon == where || len == 0)
        return false;
    line = strtol(colon + 1, &end, 10);
    if (*end != '\0' || line <= 0 || line > 10000000)
        return false;
    snprintf(buf, len, "%.*s", (int)(colon - where), where);
    out->function = NULL;
    out->file = buf;
    out->line = (int)line;
    return true;
}
