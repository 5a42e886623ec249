/* tsan_report.c - ThreadSanitizer text reports into findings.
 *
 * A report runs from "WARNING: ThreadSanitizer: <what> (pid=N)" to
 * "SUMMARY: ThreadSanitizer: ...".  In between, header lines ending in ':'
 * ("  Write of size 4 at 0x... by thread T1 (mutexes: write M0):") open a
 * stack and "    #N function location (module+0xoff)" lines fill it.  A
 * report without its SUMMARY line (the process was killed while writing
 * it) is dropped, so a truncated log yields its complete reports only.
 */
#include "finding.h"
#include "report_util.h"

#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>

static const struct {
    const char *prefix;
    enum finding_kind kind;
} tsan_kinds[] = {
    {"data race", FINDING_DATA_RACE},
    {"lock-order-inversion", FINDING_LOCK_ORDER},
    {"thread leak", FINDING_THREAD_LEAK},
    {"heap-use-after-free", FINDING_USE_AFTER_FREE},
    {"signal-unsafe call", FINDING_SIGNAL_UNSAFE},
    {"signal handler spoils errno", FINDING_SIGNAL_UNSAFE},
    {"unlock of an unlocked mutex", FINDING_UNLOCK_UNLOCKED},
    {"read unlock of a write locked mutex", FINDING_UNLOCK_UNLOCKED},
    {"destroy of a locked mutex", FINDING_DESTROY_LOCKED},
    {"double lock of a mutex", FINDING_PTHREAD_MISUSE},
    {"read lock of a write locked mutex", FINDING_PTHREAD_MISUSE},
    {"use of an invalid mutex", FINDING_PTHREAD_MISUSE},
    /* compiler-rt's ReportTypeMutexHeldWrongContext (tsan_report.cpp);
     * clang 14's runtime does not have it yet, later ones do. */
    {"mutex held in the wrong context", FINDING_PTHREAD_MISUSE},
};

static enum finding_kind kind_of(const char *what)
{
    for (size_t i = 0; i < sizeof tsan_kinds / sizeof tsan_kinds[0]; i++)
        if (strncmp(what, tsan_kinds[i].prefix, strlen(tsan_kinds[i].prefix)) == 0)
            return tsan_kinds[i].kind;
    return FINDING_OTHER;
}

/* The role of the stack that directly follows the WARNING line. */
static const char *default_role(enum finding_kind kind)
{
    switch (kind) {
    case FINDING_SIGNAL_UNSAFE: return "call";
    case FINDING_UNLOCK_UNLOCKED: return "unlock";
    case FINDING_DESTROY_LOCKED: return "destroy";
    case FINDING_THREAD_LEAK: return "thread created";
    default: return "report";
    }
}

struct parser {
    struct finding cur;
    size_t stack_cap, frame_cap, lock_cap;
    bool in_report;
    struct finding_list *out;
    int added;
};

static void reset_report(struct parser *p)
{
    finding_free(&p->cur);
    p->stack_cap = p->frame_cap = p->lock_cap = 0;
    p->in_report = false;
}

static struct stack *new_stack(struct parser *p, const char *role)
{
    struct stack *s;

    if (rl_reserve(&p->cur.stacks, &p->stack_cap, p->cur.nstacks + 1,
                   sizeof *p->cur.stacks) < 0)
        return NULL;
    s = &p->cur.stacks[p->cur.nstacks++];
    memset(s, 0, sizeof *s);
    s->role = strdup(role);
    s->thread = -1;
    p->frame_cap = p->lock_cap = 0;
    return s;
}

static void add_lock(struct parser *p, struct stack *s, const char *name,
                     size_t len)
{
    while (len && isspace((unsigned char)*name))
        name++, len--;
    while (len && isspace((unsigned char)name[len - 1]))
        len--;
    if (len == 0 || rl_reserve(&s->locks_held, &p->lock_cap, s->nlocks + 1,
                               sizeof *s->locks_held) < 0)
        return;
    s->locks_held[s->nlocks] = strndup(name, len);
    if (s->locks_held[s->nlocks])
        s->nlocks++;
}

/* "mutexes: write M12, read M13" -> "write M12", "read M13". */
static void parse_mutexes(struct parser *p, struct stack *s, const char *list)
{
    const char *end = strchr(list, ')');

    if (!end)
        end = list + strlen(list);
    while (list < end) {
        const char *comma = memchr(list, ',', (size_t)(end - list));
        const char *stop = comma ? comma : end;

        add_lock(p, s, list, (size_t)(stop - list));
        list = stop + 1;
    }
}

/* Thread after "by " or "in ": "main thread" is 0, "thread T7" is 7. */
static int parse_thread(const char *s)
{
    const char *t;

    if (strncmp(s, "main thread", 11) == 0)
        return 0;
    t = strstr(s, "thread T");
    if (t && isdigit((unsigned char)t[8]))
        return atoi(t + 8);
    return -1;
}

static bool is_context_header(const char *h)
{
    return strncmp(h, "Mutex ", 6) == 0 ? strstr(h, " created at") != NULL
         : strncmp(h, "Thread T", 8) == 0 || strncmp(h, "Location is", 11) == 0
         || strncmp(h, "As if synchronized", 18) == 0;
}

/* Lowercases the access words: "Previous atomic write" -> same, lower. */
static char *access_role(const char *h, size_t len)
{
    char *r = strndup(h, len);

    for (char *c = r; c && *c; c++)
        *c = (char)tolower((unsigned char)*c);
    return r;
}

/* A stack header: the text of the line without indent and final ':'. */
static void parse_header(struct parser *p, const char *h, size_t len)
{
    char buf[512], role[160];
    const char *of, *by, *mx;
    struct stack *s;

    snprintf(buf, sizeof buf, "%.*s", (int)len, h);
    of = strstr(buf, " of size ");
    by = strstr(buf, " by ");
    /* "Location is heap block of size 264 at 0x.. allocated by thread T2"
     * has " of size " and " by " too, but is where the memory came from
     * (background), not an access. */
    if (of && by && strncmp(buf, "Location is", 11) != 0) {   /* an access */
        char *r = access_role(buf, (size_t)(of - buf));

        s = new_stack(p, r ? r : "access");
        free(r);
        if (!s)
            return;
        s->thread = parse_thread(by + 4);
        mx = strstr(by, "(mutexes: ");
        if (mx)
            parse_mutexes(p, s, mx + 10);
        return;
    }
    if (strncmp(buf, "Mutex ", 6) == 0 && strstr(buf, " acquired here")) {
        const char *hold = strstr(buf, "while holding mutex ");
        const char *in = strstr(buf, " in ");
        size_t n = strcspn(buf + 6, " ");

        snprintf(role, sizeof role, "mutex %.*s acquired", (int)n, buf + 6);
        s = new_stack(p, role);
        if (!s)
            return;
        if (in)
            s->thread = parse_thread(in + 4);
        if (hold)
            add_lock(p, s, hold + 20, strcspn(hold + 20, " "));
        return;
    }
    if (strncmp(buf, "Mutex ", 6) == 0 && strstr(buf, " previously acquired")) {
        /* double lock: "Mutex M0 previously acquired by the same thread
         * here" is where it was locked first, not where it was made */
        snprintf(role, sizeof role, "mutex %.*s previously acquired",
                 (int)strcspn(buf + 6, " "), buf + 6);
    } else if (strncmp(buf, "Mutex ", 6) == 0) {   /* Mutex M0 (0x..) created at */
        snprintf(role, sizeof role, "mutex %.*s created",
                 (int)strcspn(buf + 6, " "), buf + 6);
    } else if (strncmp(buf, "Thread T", 8) == 0) {  /* Thread T1 (...) created by */
        snprintf(role, sizeof role, "thread %.*s created",
                 (int)strcspn(buf + 7, " "), buf + 7);
    } else if (strncmp(buf, "Location is heap block", 22) == 0) {
        snprintf(role, sizeof role, "heap block allocated");
    } else if (strcmp(buf, "and") == 0) {
        /* destroy-locked: "and:" precedes where the mutex was locked */
        snprintf(role, sizeof role, "%s",
                 p->cur.kind == FINDING_DESTROY_LOCKED ? "lock" : "and");
    } else {
        snprintf(role, sizeof role, "%.*s", (int)sizeof role - 1, buf);
        for (char *c = role; *c; c++)
            *c = (char)tolower((unsigned char)*c);
    }
    s = new_stack(p, role);
    if (!s)
        return;
    s->context = is_context_header(buf);
    by = strstr(buf, " by ");
    if (strncmp(buf, "Thread T", 8) == 0 && by)
        s->thread = parse_thread(by + 4);       /* the creating thread */
    else if (by)
        s->thread = parse_thread(by + 4);
}

/* Strips one trailing "(...)" group when it is a module+offset or a
 * BuildId; returns the new length. */
static size_t strip_paren(const char *s, size_t len)
{
    size_t open;

    while (len && s[len - 1] == ' ')
        len--;
    if (!len || s[len - 1] != ')')
        return len;
    for (open = len - 1; open > 0 && s[open] != '('; open--)
        ;
    if (s[open] != '(' || open == 0 || s[open - 1] != ' ')
        return len;
    if (strncmp(s + open, "(BuildId:", 9) != 0 &&
        !memmem(s + open, len - open, "+0x", 3))
        return len;
    return open - 1;
}

static bool all_digits(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

/* "file:line:col", "file:line", "file" or "<null>". */
static void parse_location(struct frame *fr, const char *loc, size_t len)
{
    const char *c1, *c2 = NULL;

    if (len == 6 && strncmp(loc, "<null>", 6) == 0)
        return;
    c1 = memrchr(loc, ':', len);
    if (c1 && all_digits(c1 + 1, len - (size_t)(c1 - loc) - 1)) {
        c2 = memrchr(loc, ':', (size_t)(c1 - loc));
        if (c2 && all_digits(c2 + 1, (size_t)(c1 - c2) - 1)) {
            fr->line = atoi(c2 + 1);        /* file:line:col */
            fr->file = strndup(loc, (size_t)(c2 - loc));
        } else {
            fr->line = atoi(c1 + 1);        /* file:line */
            fr->file = strndup(loc, (size_t)(c1 - loc));
        }
        return;
    }
    fr->file = strndup(loc, len);
}

/* Does the last word look like a source location rather than the tail of
 * a C++ signature such as "void*)"? */
static bool looks_like_location(const char *w, size_t n)
{
    if (n == 6 && strncmp(w, "<null>", 6) == 0)
        return true;
    if (memchr(w, '(', n) || memchr(w, ')', n) || memchr(w, ',', n))
        return false;
    return memchr(w, '/', n) || memchr(w, '.', n) || memchr(w, ':', n);
}

/* "    #3 main /path/f.c:30:5 (prog+0xd0144) (BuildId: ...)" */
static void parse_frame(struct parser *p, const char *line, size_t len)
{
    const char *body = line, *end = line + len, *sp;
    struct stack *s;
    struct frame *fr;
    size_t blen;

    if (p->cur.nstacks == 0 && !new_stack(p, default_role(p->cur.kind)))
        return;
    s = &p->cur.stacks[p->cur.nstacks - 1];
    if (rl_reserve(&s->frames, &p->frame_cap, s->nframes + 1,
                   sizeof *s->frames) < 0)
        return;
    fr = &s->frames[s->nframes++];
    memset(fr, 0, sizeof *fr);

    while (body < end && (*body == ' ' || *body == '#' ||
                          isdigit((unsigned char)*body)))
        body++;
    blen = (size_t)(end - body);
    blen = strip_paren(body, blen);     /* BuildId */
    blen = strip_paren(body, blen);     /* module+offset */
    sp = memrchr(body, ' ', blen);
    if (sp && looks_like_location(sp + 1, blen - (size_t)(sp + 1 - body))) {
        parse_location(fr, sp + 1, blen - (size_t)(sp + 1 - body));
        blen = (size_t)(sp - body);
    }
    if (!(blen == 6 && strncmp(body, "<null>", 6) == 0) && blen > 0)
        fr->function = strndup(body, blen);
}

static void finish_report(struct parser *p, const char *summary, size_t len)
{
    p->cur.summary = strndup(summary, len);
    p->cur.tool = strdup("tsan");
    finding_fingerprint(&p->cur);
    if (finding_list_push(p->out, &p->cur) == 0)
        p->added++;
    reset_report(p);
}

static void start_report(struct parser *p, const char *what, size_t len)
{
    char buf[256];

    reset_report(p);
    snprintf(buf, sizeof buf, "%.*s", (int)len, what);
    p->cur.kind = kind_of(buf);
    p->in_report = true;
}

static void parse_line(struct parser *p, const char *line, size_t len)
{
    static const char warn[] = "WARNING: ThreadSanitizer: ";
    static const char summ[] = "SUMMARY: ThreadSanitizer: ";
    const char *w = memmem(line, len, warn, sizeof warn - 1);
    size_t indent = 0;

    if (w) {
        const char *what = w + sizeof warn - 1;
        start_report(p, what, len - (size_t)(what - line));
        return;
    }
    if (!p->in_report)
        return;
    if (len >= sizeof summ - 1 && strncmp(line, summ, sizeof summ - 1) == 0) {
        finish_report(p, line, len);
        return;
    }
    while (indent < len && line[indent] == ' ')
        indent++;
    if (indent < len && line[indent] == '#' && indent + 1 < len &&
        isdigit((unsigned char)line[indent + 1])) {
        parse_frame(p, line, len);
        return;
    }
    /* "Location is global 'current_time' of size 4 at 0x.. (prog+0x..)":
     * the racing memory, by name. */
    if (len > indent + 20 &&
        strncmp(line + indent, "Location is global '", 20) == 0 && !p->cur.object) {
        const char *name = line + indent + 20;
        const char *q = memchr(name, '\'', len - indent - 20);
        char obj[300];

        /* "global '??' at 0x7fff.. ([stack]+..)": not a name */
        if (q && q > name && strncmp(name, "??", 2) != 0) {
            snprintf(obj, sizeof obj, "global %.*s", (int)(q - name), name);
            p->cur.object = strdup(obj);
        }
        return;
    }
    /* Stack headers end in ':'; other lines ("Cycle in lock order graph",
     * "Hint: ...") carry no stack. */
    if (indent > 0 && len > indent + 1 && line[len - 1] == ':' &&
        strncmp(line + indent, "Hint:", 5) != 0)
        parse_header(p, line + indent, len - indent - 1);
}

int tsan_parse_buffer(const char *text, size_t len, struct finding_list *out,
                      char *err, size_t errlen)
{
    struct parser p;
    const char *end = text + len;
    bool in_supp = false;

    memset(&p, 0, sizeof p);
    p.out = out;
    while (text < end) {
        const char *nl = memchr(text, '\n', (size_t)(end - text));
        size_t n = nl ? (size_t)(nl - text) : (size_t)(end - text);

        if (n && text[n - 1] == '\r')
            n--;
        /* print_suppressions=1 ends the log with "ThreadSanitizer: Matched
         * 2 suppressions (pid=N):" and one "HITS type:pattern" line per
         * suppression; the hits are the reports it hid. */
        if (n > 28 && strncmp(text, "ThreadSanitizer: Matched ", 25) == 0) {
            in_supp = true;
        } else if (in_supp) {
            char *stop;
            unsigned long hits = strtoul(text, &stop, 10);

            if (stop != text && stop < text + n && *stop == ' ')
                out->suppressed += hits;
            else
                in_supp = false;
        }
        parse_line(&p, text, n);
        text = nl ? nl + 1 : end;
    }
    reset_report(&p);       /* an unfinished report: truncated, dropped */
    return p.added;
}

int tsan_parse_file(const char *path, struct finding_list *out,
                    char *err, size_t errlen)
{
    size_t len;
    char *text = rl_read_file(path, &len, err, errlen);
    int rc;

    if (!text)
        return -1;
    rc = tsan_parse_buffer(text, len, out, err, errlen);
    free(text);
    return rc;
}

int tsan_parse_logs(const char *prefix, struct finding_list *out,
                    char *err, size_t errlen)
{
    char pattern[4096];
    glob_t g;
    int total = 0, rc;

    snprintf(pattern, sizeof pattern, "%s.*", prefix);
    rc = glob(pattern, 0, NULL, &g);
    if (rc == GLOB_NOMATCH)
        return 0;
    if (rc != 0) {
        rl_seterr(err, errlen, "glob %s: failed (%d)", pattern, rc);
        return -1;
    }
    for (size_t i = 0; i < g.gl_pathc; i++) {
        rc = tsan_parse_file(g.gl_pathv[i], out, err, errlen);
        if (rc < 0) {
            globfree(&g);
            return -1;
        }
        total += rc;
    }
    globfree(&g);
    return total;
}
