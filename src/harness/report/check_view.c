/* check_view.c - a check's detector runs told in terms of the student's
 * file (see check_view.h). */
#include "check_view.h"
#include "diagnosis.h"
#include "report_util.h"

#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *base_name(const char *path)
{
    const char *slash = path ? strrchr(path, '/') : NULL;

    return slash ? slash + 1 : path;
}

static char *replace_all(const char *s, const char *what, const char *with, bool whole);

static bool in_module(const struct frame *fr, const struct check_view *v)
{
    return fr->file && v->module_file && strcmp(base_name(fr->file), v->module_file) == 0;
}

/* --- preparing the cells ----------------------------------------------- */

/* Background stacks: where a mutex or thread was created, a heap block
 * allocated; never a party to the finding. */
static bool is_background(const struct stack *s)
{
    const char *r = s->role ? s->role : "";

    return s->context || !strncmp(r, "location", 8) || !strncmp(r, "thread ", 7) ||
           !strncmp(r, "as if", 5) || (!strncmp(r, "mutex ", 6) && strstr(r, "created")) ||
           strstr(r, "allocated") || strstr(r, "heap block") || strstr(r, "first observed");
}


/* The lock a source line takes or creates: the first "&NAME" argument
 * ("pthread_mutex_lock(&c->lock)" -> "c->lock"), else NULL. */
static char *lock_name_of_line(const char *line)
{
    const char *amp = strchr(line, '&');
    size_t n = 0;

    if (!amp || !strstr(line, "pthread_"))
        return NULL;
    amp++;
    while (amp[n] && (isalnum((unsigned char)amp[n]) || amp[n] == '_' || amp[n] == '.' ||
                      (amp[n] == '-' && amp[n + 1] == '>') || (amp[n] == '>' && n &&
                                                               amp[n - 1] == '-')))
        n++;
    return n ? strndup(amp, n) : NULL;
}

struct lock_name {
    char id[16];        /* "M3" */
    char *name;         /* "cache_lock" */
};

/* "mutex M3 created" stacks: where the lock was made or first taken. */
static size_t lock_names(const struct finding *f, struct lock_name *out, size_t max)
{
    size_t k = 0;

    for (size_t i = 0; i < f->nstacks && k < max; i++) {
        const struct stack *s = &f->stacks[i];
        char id[16], buf[240];

        if (!s->role || sscanf(s->role, "mutex %15s created", id) != 1 || id[0] != 'M')
            continue;
        for (size_t j = 0; j < s->nframes; j++) {
            const struct frame *fr = &s->frames[j];
            char *name;

            if (frame_is_noise(fr) || !fr->file || fr->line <= 0 ||
                rl_source_line(fr->file, fr->line, buf, sizeof buf) < 0)
                continue;
            name = lock_name_of_line(buf);
            if (name) {
                snprintf(out[k].id, sizeof out[k].id, "%s", id);
                out[k++].name = name;
                break;
            }
        }
    }
    return k;
}

/* S with each whole-word lock id replaced by its name; malloc'd. */
static char *name_locks(const char *s, const struct lock_name *ln, size_t n)
{
    char *out = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&out, &len);

    if (!m)
        return strdup(s);
    for (const char *p = s; *p;) {
        size_t i = 0, idl = 0;

        if (p == s || !isalnum((unsigned char)p[-1]))
            for (; i < n; i++) {
                idl = strlen(ln[i].id);
                if (!strncmp(p, ln[i].id, idl) && !isalnum((unsigned char)p[idl]))
                    break;
            }
        if (p == s || !isalnum((unsigned char)p[-1])) {
            if (i < n) {
                fputs(ln[i].name, m);
                p += idl;
                continue;
            }
        }
        fputc(*p++, m);
    }
    fclose(m);
    return out;
}

/* "write M3" -> "cache_lock", "read M3" -> "cache_lock (read)". */
static char *held_text(const char *held, const struct lock_name *ln, size_t n)
{
    char *named;

    if (!strncmp(held, "write ", 6))
        return name_locks(held + 6, ln, n);
    if (!strncmp(held, "read ", 5)) {
        char *r = name_locks(held + 5, ln, n), *out = NULL;
        if (r && asprintf(&out, "%s (read)", r) < 0)
            out = NULL;
        free(r);
        return out;
    }
    named = name_locks(held, ln, n);
    return named;
}

/* *S without the executable's path and the hidden strings. */
static void scrub_in_place(char **s, const struct cell_result *c, const struct check_view *v)
{
    char *a, *b;

    if (!*s)
        return;
    a = c->executable && *c->executable ? replace_all(*s, c->executable, "the server", false)
                                        : strdup(*s);
    b = a ? check_view_scrub(a, v, "the server") : NULL;
    free(a);
    if (b) {
        free(*s);
        *s = b;
    }
}

char *check_view_hang_report(const char *rep, const struct cell_result *c,
                             const struct check_view *v)
{
    char *s = strdup(rep ? rep : ""), *out = NULL;
    size_t len = 0;
    FILE *m;

    scrub_in_place(&s, c, v);
    if (!s || !v->student_path || !(m = open_memstream(&out, &len)))
        return s;
    /* "PATH/MODULE.c:LINE" (any PATH) -> the student's file */
    size_t ml = strlen(v->module_file);
    for (const char *p = s; *p;) {
        const char *q = strstr(p, v->module_file);
        if (!q) {
            fputs(p, m);
            break;
        }
        const char *start = q;
        while (start > p && !isspace((unsigned char)start[-1]) && start[-1] != '(')
            start--;
        bool ok = q[ml] == ':' && (start == q || q[-1] == '/');
        fwrite(p, 1, (size_t)(start - p), m);
        if (ok)
            fputs(v->student_path, m);
        else
            fwrite(start, 1, (size_t)(q + ml - start), m);
        p = q + ml;
    }
    fclose(m);
    free(s);
    return out;
}

void check_view_prepare(struct cell_result *c, const struct check_view *v)
{
    for (size_t u = 0; u < c->nfindings; u++) {
        struct finding *f = &c->findings[u].finding;
        struct lock_name ln[16];
        size_t n;

        scrub_in_place(&f->summary, c, v);
        for (size_t i = 0; i < f->nstacks; i++)
            for (size_t j = 0; j < f->stacks[i].nframes; j++) {
                scrub_in_place(&f->stacks[i].frames[j].function, c, v);
                if (!in_module(&f->stacks[i].frames[j], v))
                    scrub_in_place(&f->stacks[i].frames[j].file, c, v);
            }

        for (size_t i = 0; i < f->nstacks; i++)
            for (size_t j = 0; j < f->stacks[i].nframes; j++) {
                struct frame *fr = &f->stacks[i].frames[j];
                if (in_module(fr, v) && v->student_path) {
                    free(fr->file);
                    fr->file = strdup(v->student_path);
                }
            }
        n = lock_names(f, ln, 16);
        for (size_t i = 0; i < f->nstacks; i++) {
            struct stack *s = &f->stacks[i];
            s->context = s->context || is_background(s);
            for (size_t k = 0; k < s->nlocks; k++) {
                char *t = held_text(s->locks_held[k], ln, n);
                if (t) {
                    free(s->locks_held[k]);
                    s->locks_held[k] = t;
                }
            }
            if (s->role && n && strncmp(s->role, "mutex ", 6) == 0 && !strstr(s->role, "created")) {
                char *t = name_locks(s->role, ln, n);
                if (t) {
                    free(s->role);
                    s->role = t;
                }
            }
        }
        for (size_t i = 0; i < n; i++)
            free(ln[i].name);
    }
}

/* --- text helpers ------------------------------------------------------- */

char *check_view_clip(const char *s, size_t max, bool tail)
{
    size_t n = s ? strlen(s) : 0, cut;
    const char *p;
    char *out = NULL;

    if (!s)
        return strdup("");
    if (n <= max)
        return strdup(s);
    if (tail) {
        p = s + n - max;
        const char *nl = strchr(p, '\n');
        if (nl && (size_t)(nl - p) < max / 2)
            p = nl + 1;
        else
            while (*p && !isspace((unsigned char)p[-1]))
                p++;
        if (asprintf(&out, "[...] %s", p) < 0)
            out = NULL;
        return out;
    }
    cut = max;
    for (size_t i = max; i > max / 2; i--)
        if (s[i] == '\n') {
            cut = i;
            break;
        }
    if (cut == max)
        while (cut > max / 2 && !isspace((unsigned char)s[cut]))
            cut--;
    if (asprintf(&out, "%.*s [...]", (int)cut, s) < 0)
        out = NULL;
    return out;
}

static bool token_char(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '_';
}

/* S with each WHAT replaced by WITH; with WHOLE, only where WHAT is not
 * part of a longer name ("lock-order" but not "lock-order-inversion"). */
static char *replace_all(const char *s, const char *what, const char *with, bool whole)
{
    size_t wl = strlen(what), len = 0;
    char *out = NULL;
    FILE *m;

    if (!wl || !strstr(s, what))
        return strdup(s);
    m = open_memstream(&out, &len);
    if (!m)
        return strdup(s);
    for (const char *p = s; *p;) {
        const char *q = strstr(p, what);
        if (!q) {
            fputs(p, m);
            break;
        }
        bool ok = !whole || ((q == s || !token_char(q[-1])) && !token_char(q[wl]));
        fwrite(p, 1, (size_t)(q - p), m);
        fputs(ok ? with : what, m);
        p = q + wl;
    }
    fclose(m);
    return out;
}

/* "crash: crash: x" -> "crash: x", wherever a "WORD: " repeats at once. */
static void collapse_doubled(char *s)
{
    for (char *p = s; *p; p++) {
        size_t w = 0;

        if (p != s && isalnum((unsigned char)p[-1]))
            continue;
        while (isalnum((unsigned char)p[w]) || p[w] == '-')
            w++;
        if (w && p[w] == ':' && p[w + 1] == ' ' && !strncmp(p + w + 2, p, w + 2))
            memmove(p, p + w + 2, strlen(p + w + 2) + 1);
    }
}

static bool is_source_name(const char *name, size_t n)
{
    static const char *const ext[] = {".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".S"};

    for (size_t i = 0; i < sizeof ext / sizeof *ext; i++) {
        size_t e = strlen(ext[i]);
        if (n > e && !memcmp(name + n - e, ext[i], e))
            return true;
    }
    return false;
}

/* "/x/build/check-cache/core-3ac6.../src/server/server.c:272" becomes
 * "server.c:272": the directories a source file was built in are racelab's
 * (its cache, a sandbox), never something a student can use. */
static void source_paths_to_names(char *s)
{
    static const char stop[] = " \t\n()[]<>\"',;=";
    char *p = s;

    while (*p) {
        size_t w = strcspn(p, stop);
        if (w == 0) {
            p++;
            continue;
        }
        size_t name_end = strcspn(p, ":");
        if (name_end > w)
            name_end = w;
        char *slash = memrchr(p, '/', name_end);
        if (slash && is_source_name(slash + 1, (size_t)(p + name_end - slash - 1))) {
            size_t cut = (size_t)(slash + 1 - p);
            memmove(p, slash + 1, strlen(slash + 1) + 1);
            w -= cut;
        }
        p += w;
    }
}

char *check_view_scrub(const char *s, const struct check_view *v, const char *repl)
{
    char *out = strdup(s ? s : "");

    for (size_t i = 0; out && v && v->hide && v->hide[i]; i++) {
        char *t;
        if (!v->hide[i][0])
            continue;
        t = replace_all(out, v->hide[i], repl, true);
        free(out);
        out = t;
    }
    if (out) {
        source_paths_to_names(out);
        collapse_doubled(out);
    }
    return out;
}

/* --- the evidence text -------------------------------------------------- */

/* The two parties of F: the first two stacks that are not background. */
static void sites_of(const struct finding *f, const struct stack **a, const struct stack **b)
{
    *a = *b = NULL;
    for (size_t i = 0; i < f->nstacks; i++) {
        if (is_background(&f->stacks[i]))
            continue;
        if (!*a)
            *a = &f->stacks[i];
        else if (!*b) {
            *b = &f->stacks[i];
            return;
        }
    }
}

/* The frame a site is read at: the innermost in the student's file with a
 * line, else the innermost of the program with a line, else any. */
static const struct frame *site_frame(const struct stack *s, const struct check_view *v)
{
    const struct frame *any = NULL, *lined = NULL;

    for (size_t i = 0; s && i < s->nframes; i++) {
        const struct frame *fr = &s->frames[i];
        if (frame_is_noise(fr))
            continue;
        if (fr->line > 0 && fr->file && (in_module(fr, v) ||
                                         (v->student_path && !strcmp(fr->file, v->student_path))))
            return fr;
        if (!lined && fr->line > 0 && fr->file)
            lined = fr;
        if (!any)
            any = fr;
    }
    return lined ? lined : any;
}

static bool is_student(const struct frame *fr, const struct check_view *v)
{
    return fr && fr->file && (in_module(fr, v) ||
                              (v->student_path && !strcmp(fr->file, v->student_path)));
}

/* "cache.c:73 (lru_push_front)"; no ":0". */
static void site_short(FILE *m, const struct frame *fr, const struct check_view *v)
{
    if (!fr) {
        fputs("(no source location)", m);
        return;
    }
    if (fr->file)
        fputs(is_student(fr, v) ? v->shown_name : base_name(fr->file), m);
    if (fr->file && fr->line > 0)
        fprintf(m, ":%d", fr->line);
    if (fr->function)
        fprintf(m, fr->file ? " (%s)" : "%s", fr->function);
}

static void site_long(FILE *m, const char *tag, const struct stack *s,
                      const struct check_view *v)
{
    const struct frame *fr = site_frame(s, v);
    char line[240];

    fprintf(m, "\n    %s: %s", tag, s->role ? s->role : "access");
    if (s->thread >= 0)
        fprintf(m, " by thread T%d", s->thread);
    if (s->nlocks) {
        fputs(", holding ", m);
        for (size_t i = 0; i < s->nlocks; i++)
            fprintf(m, "%s%s", i ? ", " : "", s->locks_held[i]);
    } else
        fputs(", holding no lock", m);
    if (!fr)
        return;
    fputs(is_student(fr, v) ? " -- " : " -- not your file: ", m);
    if (is_student(fr, v))
        fprintf(m, "%s", v->label);
    else if (fr->file)
        fputs(base_name(fr->file), m);
    if (fr->file && fr->line > 0)
        fprintf(m, ":%d", fr->line);
    if (fr->function)
        fprintf(m, " in %s", fr->function);
    if (fr->file && fr->line > 0 && rl_source_line(fr->file, fr->line, line, sizeof line) >= 0) {
        const char *t = line;
        while (*t == ' ')
            t++;
        fprintf(m, "\n        %5d | %s", fr->line, t);
    }
}

static void finding_text(FILE *m, const struct cell_result *c, const struct unique_finding *u,
                         const struct check_view *v)
{
    const struct stack *a, *b;

    sites_of(&u->finding, &a, &b);
    fprintf(m, "\n  %s at ", finding_kind_name(u->finding.kind));
    site_short(m, site_frame(a, v), v);
    if (b) {
        fputs(" vs ", m);
        site_short(m, site_frame(b, v), v);
    }
    fprintf(m, ", in %zu of %zu runs%s", u->runs_seen, c->total_runs,
            u->expected_false_positive ? " (a documented false positive of this tool)" : "");
    if (a)
        site_long(m, b ? "A" : "at", a, v);
    if (b)
        site_long(m, "B", b, v);
}

/* A race where one side held a lock and the other held none: the usual
 * lesson (a missing lock), so check shows these first. */
static bool one_side_locked(const struct finding *f)
{
    const struct stack *a, *b;

    if (f->kind != FINDING_DATA_RACE)
        return false;
    sites_of(f, &a, &b);
    return a && b && (a->nlocks > 0) != (b->nlocks > 0);
}

/* The distinct findings of C (the same kind at the same two sites once),
 * up to MAX: first the races with one side locked and the other not, then
 * the rest, each in report order. */
static void findings_text(FILE *m, const struct cell_result *c, const struct check_view *v,
                          size_t max)
{
    char (*seen)[512] = calloc(c->nfindings + 1, sizeof *seen);
    bool *dup = calloc(c->nfindings + 1, sizeof *dup);
    size_t shown = 0, more = 0, keyed = 0;

    for (size_t i = 0; seen && dup && i < c->nfindings; i++, keyed++) {
        const struct unique_finding *u = &c->findings[i];
        const struct stack *a, *b;
        char *key = NULL;
        size_t kl = 0;
        FILE *k = open_memstream(&key, &kl);

        if (!k)
            break;
        sites_of(&u->finding, &a, &b);
        fprintf(k, "%s ", finding_kind_name(u->finding.kind));
        site_short(k, site_frame(a, v), v);
        site_short(k, site_frame(b, v), v);
        fclose(k);
        snprintf(seen[i], sizeof seen[i], "%s", key ? key : "");
        free(key);
        for (size_t j = 0; j < i && !dup[i]; j++)
            dup[i] = strcmp(seen[j], seen[i]) == 0;
    }
    for (int lesson = 1; lesson >= 0; lesson--)
        for (size_t i = 0; i < keyed; i++) {
            if (dup[i] || one_side_locked(&c->findings[i].finding) != (lesson == 1))
                continue;
            if (shown < max) {
                finding_text(m, c, &c->findings[i], v);
                shown++;
            } else
                more++;
        }
    if (more)
        fprintf(m, "\n  ... and %zu more finding%s at other sites (--html FILE shows "
                "every one)", more, more == 1 ? "" : "s");
    free(seen);
    free(dup);
}

static void hang_text(FILE *m, size_t run, const char *rep, const struct check_view *v)
{
    struct rl_wait w[16];
    size_t k = rl_parse_wait_cycle(rep, w, 16);

    if (k == 0) {
        char *s = check_view_scrub(rep, v, "the server"), *c = check_view_clip(s, 900, false);
        fprintf(m, "\n  run %zu hung; its report:\n    %s", run + 1, c ? c : "");
        free(s);
        free(c);
        return;
    }
    fprintf(m, "\n  deadlock in run %zu: a wait-for cycle of %zu threads", run + 1, k);
    for (size_t j = 0; j < k; j++) {
        char file[256], line[240];
        struct frame fr;
        bool mine = rl_where_frame(w[j].where, file, sizeof file, &fr) &&
                    strcmp(base_name(file), v->module_file) == 0;
        fprintf(m, "\n    thread %ld holds %s and waits for %s at %s", w[j].thread,
                w[j].held_name, w[j].wait_name, mine ? v->label : base_name(w[j].where));
        if (mine)
            fprintf(m, ":%d", fr.line);
        if (mine && v->student_path &&
            rl_source_line(v->student_path, fr.line, line, sizeof line) >= 0) {
            const char *t = line;
            while (*t == ' ')
                t++;
            fprintf(m, "\n        %5d | %s", fr.line, t);
        }
    }
}

/* The parts of a "; "-separated LIST that do not repeat what the run's
 * header says (OUTCOME: ...), with EXE named "the server". */
static void parts_text(FILE *m, const char *list, const char *outcome, const char *exe,
                       const struct check_view *v)
{
    char *s = check_view_scrub(list, v, "the server"), *t = s, *part;
    size_t ol = strlen(outcome);

    for (part = strtok_r(t, ";", &t); part; part = strtok_r(NULL, ";", &t)) {
        while (*part == ' ')
            part++;
        if (!*part || (!strncmp(part, outcome, ol) && part[ol] == ':') ||
            (!strncmp(part, "exit ", 5) && strspn(part + 5, "0123456789") == strlen(part + 5)))
            continue;   /* what the run's header says already */
        if (exe && *exe && !strncmp(part, exe, strlen(exe)))
            fprintf(m, "; the server%s", part + strlen(exe));
        else {
            char *c = check_view_clip(part, 400, false);
            fprintf(m, "; %s", c ? c : "");
            free(c);
        }
    }
    free(s);
}

static void run_text(FILE *m, size_t i, const struct run_record *r, const char *exe,
                     const struct check_view *v)
{
    const char *oc = run_outcome_name(r->outcome);
    bool clean = r->outcome == RUN_CLEAN || r->outcome == RUN_FINDING;

    if (clean && !r->symptom_detail && !r->reason && !r->oracles)
        return;
    fprintf(m, "\n  run %zu: %s", i + 1, oc);
    if (r->outcome == RUN_CRASH && r->signal > 0)
        fprintf(m, " (signal %d, %s)", r->signal, strsignal(r->signal));
    else if (r->outcome == RUN_CRASH && r->exit_status >= 0)
        fprintf(m, " (exit %d)", r->exit_status);
    if (r->symptom_detail) {
        const char *d = r->symptom_detail;
        size_t ol = strlen(oc);
        while (!strncmp(d, oc, ol) && !strncmp(d + ol, ": ", 2))
            d += ol + 2;    /* "hang: hang: ..." */
        char *s = check_view_scrub(d, v, "the server");
        fprintf(m, ": %s", s ? s : "");
        free(s);
    }
    if (r->oracles)
        parts_text(m, r->oracles, oc, exe, v);
    if (r->reason)
        parts_text(m, r->reason, oc, exe, v);
}

char *check_view_evidence(const struct cell_result *c, const struct check_view *v, size_t max)
{
    char *out = NULL;
    size_t len = 0, kinds[FINDING_KIND_COUNT] = {0}, hangs = 0;
    FILE *m = open_memstream(&out, &len);
    bool first = true;

    if (!m)
        return NULL;
    size_t crashes = 0, hung = 0, symptom = 0;

    for (size_t i = 0; i < c->nfindings; i++)
        kinds[c->findings[i].finding.kind]++;
    for (size_t i = 0; i < c->nruns; i++) {
        crashes += c->runs[i].outcome == RUN_CRASH;
        hung += c->runs[i].outcome == RUN_HANG;
        symptom += c->runs[i].symptom;
    }
    fprintf(m, "%s in %zu run%s: ", v->label, c->total_runs, c->total_runs == 1 ? "" : "s");
    if (crashes || hung || symptom) {
        fprintf(m, "%zu crash%s, %zu hang%s, the symptom in %zu", crashes,
                crashes == 1 ? "" : "es", hung, hung == 1 ? "" : "s", symptom);
        first = false;
    }
    for (int k = 0; k < FINDING_KIND_COUNT; k++)
        if (kinds[k]) {
            fprintf(m, "%s%zu %s", first ? "" : "; ", kinds[k], finding_kind_name(k));
            first = false;
        }
    if (first)
        fputs(c->env_errors ? "no run could be made" : "nothing found", m);
    findings_text(m, c, v, max);
    /* run numbers, not record numbers: records fold clean runs */
    size_t number = 0;
    for (size_t i = 0; i < c->nruns; number += 1 + c->runs[i++].folded)
        run_text(m, number, &c->runs[i], c->executable, v);
    number = 0;
    for (size_t i = 0; i < c->nruns && hangs < 2; number += 1 + c->runs[i++].folded)
        if (c->runs[i].hang_report) {
            hang_text(m, number, c->runs[i].hang_report, v);
            hangs++;
        }
    fclose(m);
    return out;
}
