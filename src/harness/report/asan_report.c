/* asan_report.c - AddressSanitizer, LeakSanitizer and UndefinedBehavior-
 * Sanitizer text reports into findings.
 *
 * ASan: "==PID==ERROR: AddressSanitizer: heap-use-after-free on address
 * ..." opens a report; "READ of size 8 at 0x... thread T3" opens the access
 * stack, "freed by thread T2 here:" and "previously allocated by thread T1
 * here:" the others, "Thread T3 created by T0 here:" a background one;
 * "SUMMARY: AddressSanitizer: ..." closes it.  A report that is not closed
 * (the process was killed while writing it) is dropped.  A SEGV that ASan
 * caught ("AddressSanitizer: SEGV on unknown address") is the program's
 * crash, not a finding: the runner reports it as one.
 * LSan: "ERROR: LeakSanitizer: detected memory leaks", then one finding
 * per "Direct leak of N byte(s) in M object(s) allocated from:" stack
 * (indirect leaks follow from a direct one and are not findings).
 * UBSan: "FILE:LINE:COL: runtime error: MESSAGE", its stack
 * (print_stacktrace=1) after it.
 */
#include "finding.h"
#include "report_util.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum mode { M_NONE, M_ASAN, M_LEAKS, M_LEAK, M_UBSAN };

struct parser {
    struct finding cur;
    size_t stack_cap, frame_cap;
    enum mode mode;
    struct finding_list *out;
    int added;
};

static enum finding_kind asan_kind(const char *what)
{
    return strncmp(what, "heap-use-after-free", 19) == 0 ? FINDING_USE_AFTER_FREE
                                                          : FINDING_MEMORY_ERROR;
}

static void reset(struct parser *p)
{
    finding_free(&p->cur);
    memset(&p->cur, 0, sizeof p->cur);
    p->stack_cap = p->frame_cap = 0;
}

static struct stack *new_stack(struct parser *p, const char *role, int thread,
                               bool context)
{
    struct stack *s;

    if (rl_reserve(&p->cur.stacks, &p->stack_cap, p->cur.nstacks + 1,
                   sizeof *p->cur.stacks) < 0)
        return NULL;
    s = &p->cur.stacks[p->cur.nstacks++];
    memset(s, 0, sizeof *s);
    s->role = strdup(role);
    s->thread = thread;
    s->context = context;
    p->frame_cap = 0;
    return s;
}

/* "thread T3" -> 3 ("T0" is the main thread). */
static int thread_of(const char *s)
{
    const char *t = strstr(s, "thread T");

    return t && isdigit((unsigned char)t[8]) ? atoi(t + 8) : -1;
}

static void push(struct parser *p)
{
    if (!p->cur.tool)
        p->cur.tool = strdup("asan");
    finding_fingerprint(&p->cur);
    if (finding_list_push(p->out, &p->cur) == 0)
        p->added++;
    else
        finding_free(&p->cur);
    memset(&p->cur, 0, sizeof p->cur);
    p->stack_cap = p->frame_cap = 0;
}

/* "file:line:col" / "file:line" / "file" into FR. */
static void parse_location(struct frame *fr, const char *loc, size_t len)
{
    char *copy = strndup(loc, len), *c;

    if (!copy)
        return;
    for (int i = 0; i < 2 && (c = strrchr(copy, ':')) != NULL; i++) {
        if (!c[1] || strspn(c + 1, "0123456789") != strlen(c + 1))
            break;
        fr->line = atoi(c + 1);     /* the last number is the column if two */
        *c = '\0';
    }
    fr->file = copy;
}

/* "    #1 0x55d0c1 in cache_get /src/buggy.c:127:16" or, unsymbolized,
 * "    #1 0x55d0c1  (/path/prog+0x1234)". */
static void parse_frame(struct parser *p, const char *line, size_t len)
{
    const char *end = line + len, *in = memmem(line, len, " in ", 4), *sp;
    struct stack *s;
    struct frame *fr;

    if (p->cur.nstacks == 0 && !new_stack(p, "report", -1, false))
        return;
    s = &p->cur.stacks[p->cur.nstacks - 1];
    if (rl_reserve(&s->frames, &p->frame_cap, s->nframes + 1,
                   sizeof *s->frames) < 0)
        return;
    fr = &s->frames[s->nframes++];
    memset(fr, 0, sizeof *fr);
    if (!in)
        return;                 /* unsymbolized: neither function nor file */
    in += 4;
    sp = memchr(in, ' ', (size_t)(end - in));
    fr->function = strndup(in, sp ? (size_t)(sp - in) : (size_t)(end - in));
    if (sp && sp + 1 < end && sp[1] != '(') {
        size_t l = (size_t)(end - sp - 1);
        const char *paren = memchr(sp + 1, ' ', l);
        parse_location(fr, sp + 1, paren ? (size_t)(paren - sp - 1) : l);
    }
}

static bool is_frame(const char *line, size_t len)
{
    size_t i = 0;

    while (i < len && line[i] == ' ')
        i++;
    return i > 0 && i + 1 < len && line[i] == '#' && isdigit((unsigned char)line[i + 1]);
}

/* A line inside an ASan report that opens a stack. */
static void asan_header(struct parser *p, const char *line, size_t len)
{
    char buf[256];

    snprintf(buf, sizeof buf, "%.*s", (int)len, line);
    if ((!strncmp(buf, "READ of size", 12) || !strncmp(buf, "WRITE of size", 13)) &&
        strstr(buf, " thread ")) {
        new_stack(p, buf[0] == 'R' ? "read" : "write", thread_of(buf), false);
    } else if (strstr(buf, " by thread ") && strlen(buf) > 6 && strcmp(buf + strlen(buf) - 6, " here:") == 0) {
        /* "freed by thread T2 here:", "previously allocated by ...":
         * the free is half of the bug; the allocation is background */
        bool alloc = strstr(buf, "allocated by") != NULL;
        new_stack(p, alloc ? "heap block allocated" : "freed", thread_of(buf), alloc);
    } else if (!strncmp(buf, "Thread T", 8) && strstr(buf, " created by T")) {
        char role[64];
        snprintf(role, sizeof role, "thread %.*s created",
                 (int)strcspn(buf + 7, " "), buf + 7);
        const char *by = strstr(buf, " created by T") + 13;   /* the creator */
        new_stack(p, role, isdigit((unsigned char)*by) ? atoi(by) : -1, true);
    }
}

/* "==123==ERROR: AddressSanitizer: heap-use-after-free on address ...",
 * "==123==ERROR: LeakSanitizer: detected memory leaks". */
static bool start_error(struct parser *p, const char *line, size_t len)
{
    static const char asan[] = "ERROR: AddressSanitizer: ";
    static const char lsan[] = "ERROR: LeakSanitizer: ";
    const char *a = memmem(line, len, asan, sizeof asan - 1);

    if (a) {
        const char *what = a + sizeof asan - 1;
        reset(p);
        if (!strncmp(what, "SEGV", 4) || !strncmp(what, "BUS", 3) ||
            !strncmp(what, "FPE", 3) || !strncmp(what, "ILL", 3) ||
            !strncmp(what, "ABRT", 4) || !strncmp(what, "stack-overflow", 14)) {
            p->mode = M_NONE;   /* a deadly signal: the runner's crash */
            return true;
        }
        p->mode = M_ASAN;
        p->cur.kind = asan_kind(what);
        return true;
    }
    if (memmem(line, len, lsan, sizeof lsan - 1)) {
        reset(p);
        p->mode = M_LEAKS;
        return true;
    }
    return false;
}

/* "Direct leak of 64 byte(s) in 1 object(s) allocated from:" */
static void start_leak(struct parser *p, const char *line, size_t len)
{
    reset(p);
    p->mode = M_LEAK;
    p->cur.kind = FINDING_LEAK;
    p->cur.summary = strndup(line, len && line[len - 1] == ':' ? len - 1 : len);
    new_stack(p, "allocated", -1, false);
}

/* "/src/x.c:12:5: runtime error: signed integer overflow: ..." */
static bool start_ubsan(struct parser *p, const char *line, size_t len)
{
    const char *re = memmem(line, len, ": runtime error: ", 17);
    struct stack *s;

    if (!re)
        return false;
    if (p->mode == M_UBSAN)
        push(p);
    reset(p);
    p->mode = M_UBSAN;
    p->cur.kind = FINDING_UNDEFINED;
    p->cur.summary = strndup(line, len);
    s = new_stack(p, "undefined behavior", -1, false);
    if (s && !rl_reserve(&s->frames, &p->frame_cap, 1, sizeof *s->frames)) {
        /* its location, in case no stack follows */
        memset(&s->frames[0], 0, sizeof s->frames[0]);
        parse_location(&s->frames[0], line, (size_t)(re - line));
        s->nframes = 1;
    }
    return true;
}

static void parse_line(struct parser *p, const char *line, size_t len)
{
    if (start_error(p, line, len) || start_ubsan(p, line, len))
        return;
    if (is_frame(line, len)) {
        if (p->mode == M_UBSAN && p->cur.nstacks == 1 &&
            p->cur.stacks[0].nframes == 1 && !p->cur.stacks[0].frames[0].function) {
            /* the stack replaces the bare location */
            free(p->cur.stacks[0].frames[0].file);
            free(p->cur.stacks[0].frames[0].function);
            p->cur.stacks[0].nframes = 0;
        }
        if (p->mode != M_NONE && p->mode != M_LEAKS)
            parse_frame(p, line, len);
        return;
    }
    switch (p->mode) {
    case M_ASAN:
        if (!strncmp(line, "SUMMARY: AddressSanitizer: ", 27)) {
            p->cur.summary = strndup(line, len);
            push(p);
            p->mode = M_NONE;
        } else
            asan_header(p, line, len);
        return;
    case M_LEAK:
    case M_LEAKS:
        if (!strncmp(line, "Direct leak of ", 15)) {
            if (p->mode == M_LEAK)
                push(p);
            start_leak(p, line, len);
        } else if (!strncmp(line, "Indirect leak of ", 17) ||
                   !strncmp(line, "SUMMARY: ", 9)) {
            if (p->mode == M_LEAK)
                push(p);
            p->mode = M_LEAKS;
            if (line[0] == 'S')
                p->mode = M_NONE;
        }
        return;
    case M_UBSAN:
        if (len == 0 || !strncmp(line, "SUMMARY: ", 9) || !strncmp(line, "==", 2)) {
            push(p);
            p->mode = M_NONE;
        }
        return;
    case M_NONE:
        return;
    }
}

int asan_parse_buffer(const char *text, size_t len, struct finding_list *out,
                      char *err, size_t errlen)
{
    struct parser p;
    const char *end = text + len;

    (void)err;          /* text cannot be malformed: unknown lines are skipped */
    (void)errlen;
    memset(&p, 0, sizeof p);
    p.out = out;
    while (text < end) {
        const char *nl = memchr(text, '\n', (size_t)(end - text));
        size_t n = nl ? (size_t)(nl - text) : (size_t)(end - text);

        if (n && text[n - 1] == '\r')
            n--;
        parse_line(&p, text, n);
        text = nl ? nl + 1 : end;
    }
    /* A UBSan report or a leak has no closing line of its own; an ASan
     * report without its SUMMARY was cut off: dropped. */
    if (p.mode == M_UBSAN || p.mode == M_LEAK)
        push(&p);
    reset(&p);
    return p.added;
}

int asan_parse_file(const char *path, struct finding_list *out,
                    char *err, size_t errlen)
{
    size_t len;
    char *text = rl_read_file(path, &len, err, errlen);
    int rc;

    if (!text)
        return -1;
    rc = asan_parse_buffer(text, len, out, err, errlen);
    free(text);
    return rc;
}
