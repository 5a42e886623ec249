/* report_util.c - small helpers shared by the parsers and writers. */
#include "report_util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *rl_strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

char *rl_strndup(const char *s, size_t n)
{
    return s ? strndup(s, n) : NULL;
}

void rl_seterr(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (!err || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

int rl_reserve(void *arr, size_t *cap, size_t need, size_t size)
{
    void **p = arr;
    size_t ncap;
    void *n;

    if (need <= *cap)
        return 0;
    ncap = *cap ? *cap : 4;
    while (ncap < need)
        ncap *= 2;
    if (ncap > SIZE_MAX / size)
        return -1;
    n = realloc(*p, ncap * size);
    if (!n)
        return -1;
    /* Zero the new tail so partly filled elements free cleanly. */
    memset((char *)n + *cap * size, 0, (ncap - *cap) * size);
    *p = n;
    *cap = ncap;
    return 0;
}

/* The code point of the UTF-8 sequence at S, and its length in *LEN; -1
 * (and *LEN 1) for a byte that does not start a well-formed sequence:
 * a stray continuation byte, a truncated or overlong sequence, a
 * surrogate, or beyond U+10FFFF. */
static long utf8_decode(const unsigned char *s, size_t *len)
{
    unsigned char c = s[0];
    size_t n;
    long cp, min;

    *len = 1;
    if (c < 0x80)
        return c;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2, cp = c & 0x1f, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3, cp = c & 0x0f, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4, cp = c & 0x07, min = 0x10000;
    else
        return -1;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)  /* also stops at the NUL */
            return -1;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return -1;
    *len = n;
    return cp;
}

/* XML 1.0's Char production (section 2.2). */
static bool xml_char_allowed(long cp)
{
    return cp == 0x9 || cp == 0xa || cp == 0xd ||
           (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) ||
           (cp >= 0x10000 && cp <= 0x10ffff);
}

void rl_xml_escape(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    if (!s)
        return;
    while (*p) {
        size_t len;
        long cp = utf8_decode(p, &len);

        switch (cp) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default:
            /* Forbidden even as a character reference: U+FFFD says
             * something was there. */
            if (xml_char_allowed(cp))
                fwrite(p, 1, len, f);
            else
                fputs("\xef\xbf\xbd", f);
        }
        p += len;
    }
}

const char *rl_source_relative(const char *path)
{
    const char *root = RACELAB_SOURCE_DIR;
    size_t n = strlen(root);

    if (!path || n == 0)
        return path;
    while (n > 1 && root[n - 1] == '/')
        n--;
    if (strncmp(path, root, n) == 0 && path[n] == '/')
        return path + n + 1;
    return path;
}

const struct stack *rl_primary_stack(const struct finding *f)
{
    for (size_t i = 0; i < f->nstacks; i++)
        if (!f->stacks[i].context)
            return &f->stacks[i];
    return f->nstacks ? &f->stacks[0] : NULL;
}

const struct frame *rl_first_file_frame(const struct stack *s)
{
    for (size_t i = 0; s && i < s->nframes; i++)
        if (s->frames[i].file)
            return &s->frames[i];
    return NULL;
}

bool rl_cell_is_fixed(const struct cell_result *c)
{
    return c->variant && strcmp(c->variant, "fixed") == 0;
}

static struct rl_tool_total *totals_slot(struct rl_totals *t, const char *tool)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->tools[i].tool, tool) == 0)
            return &t->tools[i];
    if (t->n == sizeof t->tools / sizeof t->tools[0])
        return NULL;
    t->tools[t->n].tool = tool;
    return &t->tools[t->n++];
}

void rl_totals_compute(const struct cell_result *cells, size_t n,
                       struct rl_totals *t)
{
    memset(t, 0, sizeof *t);
    for (size_t i = 0; i < n; i++) {
        const struct cell_result *c = &cells[i];
        struct rl_tool_total *s;

        if (!c->tool || !c->expect.known || strcmp(c->tool, "none") == 0)
            continue;
        s = totals_slot(t, c->tool);
        if (!s)
            continue;
        s->tp += c->tp;
        s->fp += c->fp;
        s->fn += c->fn;
        s->cells++;
    }
}

double rl_precision(const struct rl_tool_total *t)
{
    return t->tp + t->fp ? (double)t->tp / (double)(t->tp + t->fp) : -1;
}

double rl_recall(const struct rl_tool_total *t)
{
    return t->tp + t->fn ? (double)t->tp / (double)(t->tp + t->fn) : -1;
}

FILE *rl_open_out(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "w");

    if (!f)
        rl_seterr(err, errlen, "fopen %s: %s", path, strerror(errno));
    return f;
}

int rl_close_out(FILE *f, const char *path, char *err, size_t errlen)
{
    int bad = ferror(f);
    int saved = errno;

    if (fclose(f) != 0 && !bad) {
        rl_seterr(err, errlen, "fclose %s: %s", path, strerror(errno));
        return -1;
    }
    if (bad) {
        rl_seterr(err, errlen, "write %s: %s", path,
                  strerror(saved ? saved : EIO));
        return -1;
    }
    return 0;
}

const char *rl_status_upper(enum cell_status s)
{
    switch (s) {
    case CELL_PASS: return "PASS";
    case CELL_FAIL: return "FAIL";
    case CELL_INCONCLUSIVE: return "INCONCLUSIVE";
    case CELL_ERROR: return "ERROR";
    }
    return "?";
}

char *rl_read_file(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    char *buf = NULL;
    size_t cap = 0, n;

    *len = 0;
    if (!f) {
        rl_seterr(err, errlen, "fopen %s: %s", path, strerror(errno));
        return NULL;
    }
    do {
        if (rl_reserve(&buf, &cap, *len + 65536, 1) < 0) {
            rl_seterr(err, errlen, "read %s: out of memory", path);
            fclose(f);      /* read only, failing anyway */
            free(buf);
            return NULL;
        }
        n = fread(buf + *len, 1, cap - *len - 1, f);
        *len += n;
    } while (n > 0);
    if (ferror(f)) {
        rl_seterr(err, errlen, "fread %s: %s", path, strerror(errno));
        fclose(f);          /* read only, failing anyway */
        free(buf);
        return NULL;
    }
    fclose(f);              /* read only: everything is in BUF */
    buf[*len] = '\0';
    return buf;
}
