/* write_sarif.c - SARIF 2.1.0 for code-scanning viewers (GitHub code
 * scanning, GitLab, VS Code): one run per tool, each with its own
 * automationDetails.id ("racelab/tsan/"), one result per unique finding,
 * located at the first frame of the user's code (inside the source root:
 * not libc, not an interceptor, not a __wrap_ function) with a URI relative
 * to %SRCROOT%, the other access in relatedLocations, the baseline state,
 * and a fingerprint that survives edits (finding.c). */
#include "result.h"
#include "report_util.h"
#include "diagnosis.h"

#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *source_root;       /* absolute, no trailing '/' */

void write_sarif_set_source_root(const char *dir)
{
    const char *env = getenv("GITHUB_WORKSPACE");
    char buf[PATH_MAX], *real;

    if (!dir || !*dir)
        dir = env && *env ? env : getenv("CI_PROJECT_DIR");
    if (!dir || !*dir)
        dir = getcwd(buf, sizeof buf) ? buf : ".";
    real = realpath(dir, NULL);
    free(source_root);
    source_root = real ? real : rl_strdup(dir);
    for (size_t n = strlen(source_root); n > 1 && source_root[n - 1] == '/'; n--)
        source_root[n - 1] = '\0';
}

const char *write_sarif_source_root(void)
{
    if (!source_root)
        write_sarif_set_source_root(NULL);
    return source_root;
}

/* FILE relative to the source root, or NULL when it lies outside.  A
 * relative path (compiled with one) is taken as relative to the root. */
static const char *in_root(const char *file)
{
    size_t n;

    if (!file || !*file)
        return NULL;
    if (file[0] != '/') {
        while (file[0] == '.' && file[1] == '/')
            file += 2;
        return strncmp(file, "../", 3) == 0 ? NULL : file;
    }
    n = strlen(source_root);
    if (n == 1 && source_root[0] == '/')
        return file + 1;
    if (strncmp(file, source_root, n) == 0 && file[n] == '/')
        return file + n + 1;
    return NULL;
}

static bool runtime_function(const char *fn)
{
    static const char *const prefixes[] = {
        "__wrap_", "__interceptor_", "__tsan", "__sanitizer", "__asan",
        "__ubsan", "__real_", "_vgr", "vgPlain_",
    };

    for (size_t i = 0; fn && i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (strncmp(fn, prefixes[i], strlen(prefixes[i])) == 0)
            return true;
    return false;
}

/* The first frame of S in the user's code, or NULL. */
static const struct frame *user_frame(const struct stack *s)
{
    /* A frame with a line first; then one without (a line-less frame of
     * the program beats libc's frame below it). */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; s && i < s->nframes; i++) {
            const struct frame *fr = &s->frames[i];

            if ((pass || fr->line > 0) && in_root(fr->file) &&
                !runtime_function(fr->function) && frame_is_program(fr))
                return fr;
        }
    return NULL;
}

static const char *base_name(const char *p)
{
    const char *s = p ? strrchr(p, '/') : NULL;

    return s ? s + 1 : p;
}

/* A relative URI reference for PATH: reserved characters escaped. */
static char *uri_escape(const char *path)
{
    size_t n = strlen(path);
    char *out = malloc(3 * n + 1), *o = out;

    if (!out)
        return NULL;
    for (; *path; path++) {
        unsigned char ch = (unsigned char)*path;

        if (ch <= ' ' || ch >= 0x7f || strchr("%#?[]\"<>\\^`{|}", ch))
            o += sprintf(o, "%%%02X", ch);
        else
            *o++ = (char)ch;
    }
    *o = '\0';
    return out;
}

static const char *const kind_help[FINDING_KIND_COUNT] = {
    [FINDING_DATA_RACE] = "Two threads access the same memory, at least one "
                          "writes, and no synchronization orders them.",
    [FINDING_LOCK_ORDER] = "Mutexes are acquired in inconsistent orders: a "
                           "potential deadlock.",
    [FINDING_THREAD_LEAK] = "A joinable thread was neither joined nor detached.",
    [FINDING_USE_AFTER_FREE] = "Memory is accessed after another thread freed it.",
    [FINDING_SIGNAL_UNSAFE] = "A signal handler calls a function that is not "
                              "async-signal-safe.",
    [FINDING_UNLOCK_UNLOCKED] = "A mutex is unlocked while not locked, or by a "
                                "thread that does not own it.",
    [FINDING_DESTROY_LOCKED] = "A mutex is destroyed while locked.",
    [FINDING_PTHREAD_MISUSE] = "A pthread API is used incorrectly.",
    [FINDING_OTHER] = "Another concurrency problem reported by the tool.",
    [FINDING_EXIT_STATUS] = "The program exited with a non-zero status of "
                            "its own (not on racelab's SIGTERM).",
    [FINDING_MEMORY_ERROR] = "Memory is accessed out of bounds, or freed twice "
                             "or wrongly (AddressSanitizer).",
    [FINDING_LEAK] = "Memory is still allocated and unreachable at exit "
                     "(LeakSanitizer).",
    [FINDING_UNDEFINED] = "The program executed undefined behavior "
                          "(UndefinedBehaviorSanitizer).",
};

static json_t *rules(void)
{
    json_t *a = json_array();

    for (int k = 0; k < FINDING_KIND_COUNT; k++)
        json_array_append_new(a, json_pack(
            "{s:s, s:s, s:{s:s}, s:{s:s}}", "id", finding_kind_name(k),
            "name", finding_kind_name(k),
            "shortDescription", "text", kind_help[k],
            "defaultConfiguration", "level", "error"));
    return a;
}


/* A physicalLocation for FR: relative to %SRCROOT% when FR lies under the
 * source root; else (a library's or a system header's frame) only its
 * file's base name, and OUTSIDE is set so the result says so. */
static json_t *physical(const struct frame *fr, bool *outside)
{
    const char *rel = in_root(fr->file);
    char *uri = uri_escape(rel ? rel : base_name(fr->file));
    json_t *art = json_pack("{s:s}", "uri", uri ? uri : "unknown");
    json_t *loc;

    free(uri);
    if (rel)
        json_object_set_new(art, "uriBaseId", json_string("SRCROOT"));
    else if (outside)
        *outside = true;
    loc = json_pack("{s:o}", "artifactLocation", art);
    if (fr->line > 0)
        json_object_set_new(loc, "region",
                            json_pack("{s:i}", "startLine", fr->line));
    return loc;
}

static json_t *location(const struct frame *fr, const char *message, int id,
                        bool *outside)
{
    json_t *l = json_pack("{s:o}", "physicalLocation", physical(fr, outside));

    if (fr->function)
        json_object_set_new(l, "logicalLocations", json_pack(
            "[{s:s, s:s}]", "name", fr->function, "kind", "function"));
    if (id >= 0) {
        json_object_set_new(l, "id", json_integer(id));
        json_object_set_new(l, "message", json_pack("{s:s}", "text",
                                                    message ? message : ""));
    }
    return l;
}

/* The frame that stands for stack S: its first user frame, else its first
 * frame naming a file. */
static const struct frame *site(const struct stack *s)
{
    const struct frame *fr = user_frame(s);

    /* Outside the root, still a program's frame (a library's), not libc's
     * or a system header's, when there is one. */
    for (size_t i = 0; !fr && s && i < s->nframes; i++)
        if (frame_is_program(&s->frames[i]) &&
            !runtime_function(s->frames[i].function))
            fr = &s->frames[i];
    return fr ? fr : rl_first_file_frame(s);
}

struct msgbuf {
    char *p;
    size_t len, used;
};

/* Appends "write in cache_get (cache.c:127)" to B. */
static void describe(struct msgbuf *b,
                     const struct stack *s, const struct frame *fr)
{
    int n;

    if (b->used >= b->len)
        return;
    n = snprintf(b->p + b->used, b->len - b->used, "%s in %s (%s:%d)",
                 s->role && *s->role ? s->role : "access",
                 fr->function ? fr->function : "?", base_name(fr->file), fr->line);
    if (n > 0)
        b->used += (size_t)n;
}

static void add_props(json_t *r, const struct cell_result *c,
                      const struct unique_finding *u)
{
    size_t valid = c->total_runs - c->env_errors;
    json_t *p = json_pack("{s:o, s:o, s:s, s:I, s:b, s:b, s:b, s:f}",
        "scenario", c->scenario ? json_string(c->scenario) : json_null(),
        "variant", c->variant ? json_string(c->variant) : json_null(),
        "tool", c->tool ? c->tool : "",
        "runs_seen", (json_int_t)u->runs_seen,
        "true_positive", unique_finding_is_tp(c, u),
        "expected_false_positive", u->expected_false_positive,
        "intermittent", unique_finding_is_intermittent(c, u),
        "rate", valid ? (double)u->runs_seen / (double)valid : 0.0);

    if (u->finding.summary)
        json_object_set_new(p, "summary", json_string(u->finding.summary));
    json_object_set_new(p, "cellStatus", json_string(cell_status_name(c->status)));
    json_object_set_new(r, "properties", p);
}

/* The run's invocation: every cell of TOOL with its status and verdict
 * (pass / fail / inconclusive / error), as tool execution notifications
 * for the ones that are not a pass; executionSuccessful is false when a
 * cell could not be tested (error). */
static json_t *invocation(const char *tool, const struct cell_result *cells,
                          size_t n)
{
    json_t *notes = json_array(), *list = json_array();
    bool ok = true;

    for (size_t i = 0; i < n; i++) {
        const struct cell_result *c = &cells[i];
        char text[1400];

        if (tool && (!c->tool || strcmp(c->tool, tool) != 0))
            continue;
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:s}",
            "scenario", c->scenario ? c->scenario : "",
            "variant", c->variant ? c->variant : "",
            "tool", c->tool ? c->tool : "",
            "status", cell_status_name(c->status),
            "verdict", c->verdict ? c->verdict : ""));
        if (c->status == CELL_PASS)
            continue;
        ok &= c->status != CELL_ERROR;
        snprintf(text, sizeof text, "%s %s %s: %s: %s", c->scenario ? c->scenario : "",
                 c->variant ? c->variant : "", c->tool ? c->tool : "",
                 cell_status_name(c->status), c->verdict ? c->verdict : "");
        json_array_append_new(notes, json_pack("{s:s, s:{s:s}}",
            "level", c->status == CELL_ERROR ? "error"
                     : c->status == CELL_FAIL ? "warning" : "note",
            "message", "text", text));
    }
    return json_pack("{s:b, s:o, s:{s:o}}", "executionSuccessful", ok,
                     "toolExecutionNotifications", notes,
                     "properties", "cells", list);
}

static json_t *result(const struct cell_result *c,
                      const struct unique_finding *u, bool absent)
{
    const struct finding *f = &u->finding;
    const struct stack *main_stack = NULL;
    const struct frame *top = NULL;
    json_t *locs = json_array(), *related = json_array(), *r;
    char kind[64], msg[1024];
    struct msgbuf b = {msg, sizeof msg, 0};
    bool outside = false;
    int id = 0;

    /* Primary: the first non-context stack with a frame in the user's
     * code (inside the source root, not libc or a system header); failing
     * that, a program frame outside the root, else a frame naming a file. */
    for (int pass = 0; pass < 3 && !top; pass++)
        for (size_t i = 0; i < f->nstacks && !top; i++) {
            if (pass < 2 && f->stacks[i].context)
                continue;
            top = pass == 0 ? user_frame(&f->stacks[i]) : site(&f->stacks[i]);
            main_stack = top ? &f->stacks[i] : NULL;
        }
    snprintf(kind, sizeof kind, "%s", finding_kind_name(f->kind));
    for (char *k = kind; *k; k++)
        if (*k == '-')
            *k = ' ';
    b.used = (size_t)snprintf(msg, sizeof msg, "%s: ", kind);
    if (top) {
        json_array_append_new(locs, location(top, NULL, -1, &outside));
        describe(&b, main_stack, top);
    }
    for (size_t i = 0; i < f->nstacks; i++) {
        const struct frame *fr;

        if (&f->stacks[i] == main_stack || f->stacks[i].context)
            continue;
        fr = site(&f->stacks[i]);
        if (!fr)
            continue;
        json_array_append_new(related, location(fr, f->stacks[i].role, id++,
                                                NULL));
        if (id <= 2 && b.used + 4 < b.len) {
            b.used += (size_t)snprintf(msg + b.used, b.len - b.used, " vs ");
            describe(&b, &f->stacks[i], fr);
        }
    }
    if (!top) {
        /* Nothing names a file (racelab's exit-status finding, a report
         * without symbols): the program itself, marked as such. */
        const char *exe = c->executable ? c->executable : "unknown";
        struct frame fr = {NULL, (char *)exe, 0};

        json_array_append_new(locs, location(&fr, NULL, -1, &outside));
        outside = outside || !in_root(exe);
        snprintf(msg + b.used, b.len - b.used, "%s", f->summary ? f->summary
                 : "no source location in the report");
    }
    if (outside && b.used + 40 < b.len)
        snprintf(msg + strlen(msg), b.len - strlen(msg),
                 " (no frame inside the source root)");
    r = json_pack("{s:s, s:i, s:s, s:{s:s}, s:o, s:{s:s}}",
                  "ruleId", finding_kind_name(f->kind), "ruleIndex", (int)f->kind,
                  "level", absent ? "none" : u->expected_false_positive ? "note"
                                                                       : "error",
                  "message", "text", msg,
                  "locations", locs,
                  "partialFingerprints", "racelabFingerprint/v3", f->fingerprint);
    if (json_array_size(related))
        json_object_set_new(r, "relatedLocations", related);
    else
        json_decref(related);
    if (absent) {
        json_object_set_new(r, "kind", json_string("pass"));
        json_object_set_new(r, "baselineState", json_string("absent"));
    } else if (u->baseline != BASELINE_NONE)
        json_object_set_new(r, "baselineState", json_string(
            u->baseline == BASELINE_KNOWN ? "unchanged" : "new"));
    add_props(r, c, u);
    if (outside)
        json_object_set_new(json_object_get(r, "properties"),
                            "outside_source_root", json_true());
    return r;
}

static json_t *sarif_run(const char *tool, const struct cell_result *cells,
                         size_t n)
{
    json_t *results = json_array();
    char *root_uri, *esc, id[128];

    for (size_t i = 0; i < n; i++) {
        const struct cell_result *c = &cells[i];

        if (tool && (!c->tool || strcmp(c->tool, tool) != 0))
            continue;
        for (size_t j = 0; j < c->nfindings; j++)
            json_array_append_new(results, result(c, &c->findings[j], false));
        for (size_t j = 0; j < c->baseline_fixed && c->fixed_findings; j++) {
            struct unique_finding u = {.finding = c->fixed_findings[j]};

            json_array_append_new(results, result(c, &u, true));
        }
    }
    esc = uri_escape(source_root);
    root_uri = malloc(strlen(esc ? esc : "") + 16);
    sprintf(root_uri, "file://%s/", strcmp(esc, "/") ? esc : "");
    snprintf(id, sizeof id, "racelab/%s/", tool ? tool : "all");
    json_t *run = json_pack("{s:{s:{s:s, s:s, s:s, s:o}}, s:{s:s},"
                            " s:{s:{s:s}}, s:o, s:s}",
                            "tool", "driver", "name", "racelab",
                            "version", "0.1.0",
                            "informationUri", "https://github.com/racelab/racelab",
                            "rules", rules(),
                            "automationDetails", "id", id,
                            "originalUriBaseIds", "SRCROOT", "uri", root_uri,
                            "results", results, "columnKind", "utf16CodeUnits");
    json_object_set_new(run, "invocations", json_pack("[o]",
                        invocation(tool, cells, n)));
    free(esc);
    free(root_uri);
    return run;
}

int write_sarif(const char *path, const struct cell_result *cells, size_t n,
                char *err, size_t errlen)
{
    json_t *runs = json_array(), *root;
    const char *tools[16];
    size_t ntools = 0;
    FILE *f;
    int rc;

    if (!source_root)
        write_sarif_set_source_root(NULL);
    for (size_t i = 0; i < n; i++) {
        bool seen = false;

        for (size_t k = 0; k < ntools; k++)
            seen |= cells[i].tool && strcmp(tools[k], cells[i].tool) == 0;
        if (!seen && cells[i].tool && ntools < 16)
            tools[ntools++] = cells[i].tool;
    }
    /* One run per tool: code scanning keys results by tool and category. */
    for (size_t k = 0; k < ntools; k++)
        json_array_append_new(runs, sarif_run(tools[k], cells, n));
    if (ntools == 0)
        json_array_append_new(runs, sarif_run(NULL, cells, n));
    root = json_pack("{s:s, s:s, s:o}",
                     "$schema", "https://json.schemastore.org/sarif-2.1.0.json",
                     "version", "2.1.0", "runs", runs);
    if (!root) {
        rl_seterr(err, errlen, "json_pack %s: out of memory", path);
        return -1;
    }
    f = rl_open_out(path, err, errlen);
    if (!f) {
        json_decref(root);
        return -1;
    }
    rc = json_dumpf(root, f, JSON_INDENT(2));
    fputc('\n', f);
    json_decref(root);
    if (rl_close_out(f, path, err, errlen) < 0)
        return -1;
    if (rc < 0) {
        rl_seterr(err, errlen, "json_dumpf %s: failed", path);
        return -1;
    }
    return 0;
}
