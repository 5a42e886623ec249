/* valgrind_xml.c - Helgrind and DRD --xml=yes output into findings.
 *
 * Streaming with expat: an <error> becomes a finding when its </error>
 * arrives, so a file cut short by a killed process still yields every
 * error that was written completely.  Inside an error, <xwhat>/<what>
 * and <xauxwhat>/<auxwhat> describe the stack that follows them (its role
 * and, through <hthreadid>, its thread).
 */
#include "finding.h"
#include "report_util.h"

#include <errno.h>
#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_DEPTH = 32 };

struct vg_parser {
    const char *tool;
    struct finding_list *out;
    int added;
    bool saw_root;

    const char *path[MAX_DEPTH];    /* element names, interned below */
    int depth;
    char *text;                     /* character data of the open leaf */
    size_t text_len, text_cap;

    bool in_error;
    struct finding cur;
    size_t stack_cap, frame_cap;
    char *kind_text;
    char *what;                     /* the error's main description */
    char *pending_role;             /* for the next <stack> */
    int pending_thread;
    int error_tid;
    char *pending_lock;             /* "Locks held: ..." */
    struct frame frame;             /* the open <frame> */
    char *frame_dir;
    bool in_frame;
};

static const char *intern(const char *name)
{
    static const char *const known[] = {
        "valgrindoutput", "error", "kind", "tid", "what", "xwhat", "text",
        "auxwhat", "xauxwhat", "hthreadid", "stack", "frame", "fn", "dir",
        "file", "line", "first_observed_at", "other_segment_start",
        "other_segment_end", "announcethread", "suppcounts", "pair", "count",
    };

    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(name, known[i]) == 0)
            return known[i];
    return "";
}

static bool is(const char *a, const char *b)
{
    return strcmp(a, b) == 0;
}

/* The element N levels above the current one ("" when none). */
static const char *up(const struct vg_parser *p, int n)
{
    int i = p->depth - 1 - n;

    return i >= 0 && i < MAX_DEPTH ? p->path[i] : "";
}

/* --- kinds -------------------------------------------------------------- */

static enum finding_kind helgrind_kind(const char *k, const char *what)
{
    if (is(k, "Race"))
        return FINDING_DATA_RACE;
    if (is(k, "LockOrder"))
        return FINDING_LOCK_ORDER;
    if (is(k, "UnlockUnlocked") || is(k, "UnlockForeign") ||
        is(k, "UnlockBogus"))
        return FINDING_UNLOCK_UNLOCKED;
    if (is(k, "Misc") && what && strstr(what, "destroy of a locked"))
        return FINDING_DESTROY_LOCKED;
    if (is(k, "PthAPIerror") || is(k, "Misc") || is(k, "Dubious"))
        return FINDING_PTHREAD_MISUSE;
    return FINDING_OTHER;
}

static enum finding_kind drd_kind(const char *k, const char *what)
{
    if (is(k, "ConflictingAccess"))
        return FINDING_DATA_RACE;
    if (is(k, "MutexErr") && what) {
        if (strstr(what, "Destroying locked mutex"))
            return FINDING_DESTROY_LOCKED;
        if (strstr(what, "not locked") || strstr(what, "not a mutex"))
            return FINDING_UNLOCK_UNLOCKED;
    }
    if (is(k, "MutexErr") || is(k, "CondErr") || is(k, "CondDestrErr") ||
        is(k, "CondRaceErr") || is(k, "CondWaitErr") || is(k, "SemaErr") ||
        is(k, "SemaphoreErr") ||    /* what DRD 3.19 really writes */
        is(k, "BarrierErr") || is(k, "RwlockErr") || is(k, "InvalidThreadId"))
        return FINDING_PTHREAD_MISUSE;
    return FINDING_OTHER;          /* HoldtimeErr, GenericErr, ... */
}

/* --- roles -------------------------------------------------------------- */

/* A short role from a tool's description of the stack that follows. */
static char *role_from_text(const char *t, bool *context)
{
    static const struct {
        const char *needle, *role;
        bool context;
    } map[] = {
        {"previous write", "previous write", false},
        {"previous read", "previous read", false},
        {"during write", "write", false},
        {"during read", "read", false},
        {"Conflicting store", "write", false},
        {"Conflicting load", "read", false},
        {"lock order", "lock", false},
        {"Required order was established", "earlier lock", false},
        {"followed by a later acquisition", "later lock", false},
        {"first observed", "lock first observed", true},
        {"unlocked", "unlock", false},
        {"not locked", "unlock", false},
        {"not a mutex", "unlock", false},
        {"destroy", "destroy", false},
        {"Destroying", "destroy", false},
        {"was created", "thread created", true},
        /* where the racing heap block came from (Helgrind: "Address 0x..
         * is 4 bytes inside a block of size 16 alloc'd", DRD: "Address
         * 0x.. is at offset 4 from 0x..", older: "Allocation context:"):
         * background, as TSan's "Location is heap block";
         * finding_object() names the block by it */
        {"alloc'd", "heap block allocated", true},
        {"is at offset", "heap block allocated", true},
        {"Allocation context", "heap block allocated", true},
    };

    *context = false;
    for (size_t i = 0; t && i < sizeof map / sizeof map[0]; i++)
        if (strstr(t, map[i].needle)) {
            *context = map[i].context;
            return strdup(map[i].role);
        }
    return rl_strdup(t ? t : "report");
}

/* "Locks held: 1, at address 0x10C0A0" -> "0x10C0A0"; none -> NULL. */
static char *lock_from_text(const char *t)
{
    const char *at = strstr(t, "at address ");

    if (strstr(t, "Locks held: none"))
        return NULL;
    return at ? strdup(at + 11) : strdup(t + 12);
}

static void set_pending(struct vg_parser *p, const char *text, bool main_what)
{
    if (strncmp(text, "Locks held:", 11) == 0) {
        free(p->pending_lock);
        p->pending_lock = lock_from_text(text);
        return;
    }
    /* Helgrind: 'Address 0x10c030 is 0 bytes inside data symbol "counter"'
     * (older Valgrind: 'global var "counter"'): the racing memory. */
    const char *sym = strstr(text, "data symbol \"");
    if (!sym && (sym = strstr(text, "global var \"")))
        sym += 12;
    else if (sym)
        sym += 13;
    if (sym && !p->cur.object) {
        char obj[300];

        snprintf(obj, sizeof obj, "global %.*s", (int)strcspn(sym, "\""), sym);
        p->cur.object = strdup(obj);
    }
    if (main_what && p->what && p->pending_role)
        return;     /* PthAPIerror's <what> only adds the error code */
    if (main_what && !p->what)
        p->what = strdup(text);
    free(p->pending_role);
    p->pending_role = strdup(text);
}

/* --- building the finding ----------------------------------------------- */

static void reset_error(struct vg_parser *p)
{
    finding_free(&p->cur);
    free(p->kind_text);
    free(p->what);
    free(p->pending_role);
    free(p->pending_lock);
    free(p->frame.function);
    free(p->frame.file);
    free(p->frame_dir);
    p->kind_text = p->what = p->pending_role = p->pending_lock = NULL;
    p->frame_dir = NULL;
    memset(&p->frame, 0, sizeof p->frame);
    p->stack_cap = p->frame_cap = 0;
    p->pending_thread = p->error_tid = -1;
    p->in_error = p->in_frame = false;
}

static void open_stack(struct vg_parser *p)
{
    const char *parent = up(p, 1);
    struct stack *s;
    bool context = false;

    if (rl_reserve(&p->cur.stacks, &p->stack_cap, p->cur.nstacks + 1,
                   sizeof *p->cur.stacks) < 0)
        return;
    s = &p->cur.stacks[p->cur.nstacks++];
    memset(s, 0, sizeof *s);
    p->frame_cap = 0;
    if (is(parent, "first_observed_at")) {
        s->role = strdup("first observed");
        s->context = true;
    } else if (is(parent, "other_segment_start") ||
               is(parent, "other_segment_end")) {
        /* DRD: where the conflicting thread's segment began / ended */
        s->role = strdup(is(parent, "other_segment_start")
                         ? "other segment start" : "other segment end");
        s->context = true;
    } else {
        s->role = role_from_text(p->pending_role, &context);
        s->context = context;
    }
    s->thread = p->pending_thread >= 0 ? p->pending_thread
              : p->cur.nstacks == 1 ? p->error_tid : -1;
    if (p->pending_lock) {
        s->locks_held = calloc(1, sizeof *s->locks_held);
        if (s->locks_held) {
            s->locks_held[0] = p->pending_lock;
            s->nlocks = 1;
            p->pending_lock = NULL;
        }
    }
    free(p->pending_role);
    p->pending_role = NULL;
    p->pending_thread = -1;
}

static void close_frame(struct vg_parser *p)
{
    struct stack *s;

    p->in_frame = false;
    if (p->cur.nstacks == 0)
        goto done;
    s = &p->cur.stacks[p->cur.nstacks - 1];
    if (p->frame_dir && p->frame.file && p->frame.file[0] != '/') {
        char *joined;

        if (asprintf(&joined, "%s/%s", p->frame_dir, p->frame.file) >= 0) {
            free(p->frame.file);
            p->frame.file = joined;
        }
    }
    if (rl_reserve(&s->frames, &p->frame_cap, s->nframes + 1,
                   sizeof *s->frames) < 0)
        goto done;
    s->frames[s->nframes++] = p->frame;
    memset(&p->frame, 0, sizeof p->frame);
done:
    free(p->frame.function);
    free(p->frame.file);
    memset(&p->frame, 0, sizeof p->frame);
    free(p->frame_dir);
    p->frame_dir = NULL;
}

static void close_error(struct vg_parser *p)
{
    const char *k = p->kind_text ? p->kind_text : "";

    p->cur.kind = is(p->tool, "drd") ? drd_kind(k, p->what)
                                     : helgrind_kind(k, p->what);
    p->cur.tool = strdup(p->tool);
    p->cur.summary = p->what ? strdup(p->what) : rl_strdup(p->kind_text);
    finding_fingerprint(&p->cur);
    if (finding_list_push(p->out, &p->cur) == 0)
        p->added++;
    reset_error(p);
}

/* --- expat callbacks ---------------------------------------------------- */

static void XMLCALL on_start(void *ud, const XML_Char *name,
                             const XML_Char **attrs)
{
    struct vg_parser *p = ud;
    const char *n = intern(name);

    if (p->depth < MAX_DEPTH)
        p->path[p->depth] = n;
    p->depth++;
    p->text_len = 0;
    if (is(n, "valgrindoutput"))
        p->saw_root = true;
    else if (is(n, "error") && p->depth == 2) {
        reset_error(p);
        p->in_error = true;
    } else if (p->in_error && is(n, "stack"))
        open_stack(p);
    else if (p->in_error && is(n, "frame") && is(up(p, 1), "stack")) {
        p->in_frame = true;
        memset(&p->frame, 0, sizeof p->frame);
    }
}

static char *take_text(struct vg_parser *p)
{
    size_t b = 0, e = p->text_len;

    while (b < e && (p->text[b] == ' ' || p->text[b] == '\n' ||
                     p->text[b] == '\t' || p->text[b] == '\r'))
        b++;
    while (e > b && (p->text[e - 1] == ' ' || p->text[e - 1] == '\n' ||
                     p->text[e - 1] == '\t' || p->text[e - 1] == '\r'))
        e--;
    return strndup(p->text ? p->text + b : "", e - b);
}

/* A leaf inside an <error> closed: file its text where it belongs. */
static void on_error_leaf(struct vg_parser *p, const char *n, char *t)
{
    const char *parent = up(p, 1);

    if (p->in_frame && is(parent, "frame")) {
        if (is(n, "fn"))
            free(p->frame.function), p->frame.function = t, t = NULL;
        else if (is(n, "file"))
            free(p->frame.file), p->frame.file = t, t = NULL;
        else if (is(n, "dir"))
            free(p->frame_dir), p->frame_dir = t, t = NULL;
        else if (is(n, "line"))
            p->frame.line = atoi(t);
    } else if (is(parent, "error")) {
        if (is(n, "kind"))
            free(p->kind_text), p->kind_text = t, t = NULL;
        else if (is(n, "tid"))
            p->error_tid = atoi(t);
        else if (is(n, "what"))
            set_pending(p, t, true);
        else if (is(n, "auxwhat"))
            set_pending(p, t, false);
    } else if (is(n, "text") && is(parent, "xwhat")) {
        set_pending(p, t, true);
    } else if (is(n, "text") && is(parent, "xauxwhat")) {
        set_pending(p, t, false);
    } else if (is(n, "hthreadid") &&
               (is(parent, "xwhat") || is(parent, "xauxwhat"))) {
        p->pending_thread = atoi(t);
    }
    free(t);
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    struct vg_parser *p = ud;
    const char *n = p->depth <= MAX_DEPTH ? p->path[p->depth - 1] : "";

    /* <suppcounts><pair><count>N</count><name>..: reports suppressions
     * hid (Valgrind's default ones included). */
    if (!p->in_error && is(n, "count") && is(up(p, 1), "pair") &&
        is(up(p, 2), "suppcounts")) {
        char *t = take_text(p);

        if (t)
            p->out->suppressed += strtoul(t, NULL, 10);
        free(t);
    }
    if (p->in_error) {
        if (is(n, "frame") && p->in_frame && is(up(p, 1), "stack"))
            close_frame(p);
        else if (is(n, "error") && p->depth == 2)
            close_error(p);
        else if (!is(n, "stack"))
            on_error_leaf(p, n, take_text(p));
    }
    p->depth--;
    p->text_len = 0;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    struct vg_parser *p = ud;

    if ((!p->in_error && !(p->depth > 0 && p->depth <= MAX_DEPTH &&
                           is(p->path[p->depth - 1], "count"))) || len <= 0)
        return;
    if (rl_reserve(&p->text, &p->text_cap, p->text_len + (size_t)len + 1, 1) < 0)
        return;
    memcpy(p->text + p->text_len, s, (size_t)len);
    p->text_len += (size_t)len;
    p->text[p->text_len] = '\0';
}

/* One parse: vg_begin, vg_feed for each chunk as it is read, vg_end. */
struct vg_run {
    struct vg_parser p;
    XML_Parser xp;
    bool failed;            /* expat stopped; later chunks are ignored */
    size_t fed;
};

static int vg_begin(struct vg_run *r, const char *tool,
                    struct finding_list *out, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    r->xp = XML_ParserCreate(NULL);
    if (!r->xp) {
        rl_seterr(err, errlen, "XML_ParserCreate: out of memory");
        return -1;
    }
    r->p.tool = tool && is(tool, "drd") ? "drd" : "helgrind";
    r->p.out = out;
    r->p.pending_thread = r->p.error_tid = -1;
    XML_SetUserData(r->xp, &r->p);
    XML_SetElementHandler(r->xp, on_start, on_end);
    XML_SetCharacterDataHandler(r->xp, on_text);
    return 0;
}

static void vg_feed(struct vg_run *r, const char *buf, size_t len)
{
    while (!r->failed && len > 0) {     /* XML_Parse takes an int length */
        int chunk = len > (1u << 30) ? (1 << 30) : (int)len;

        if (XML_Parse(r->xp, buf, chunk, 0) == XML_STATUS_ERROR)
            r->failed = true;
        buf += chunk;
        len -= (size_t)chunk;
        r->fed += (size_t)chunk;
    }
}

static int vg_end(struct vg_run *r, char *err, size_t errlen)
{
    int rc;

    if (!r->failed && XML_Parse(r->xp, "", 0, 1) == XML_STATUS_ERROR)
        r->failed = true;
    rc = r->p.added;
    /* After <valgrindoutput> opened, an error is a file cut short (the
     * process was killed): keep the complete errors.  Before it, this is
     * not Valgrind XML.  An empty file means Valgrind never wrote. */
    if (r->failed && !r->p.saw_root && r->fed > 0) {
        rl_seterr(err, errlen, "XML_Parse: %s at line %lu",
                  XML_ErrorString(XML_GetErrorCode(r->xp)),
                  (unsigned long)XML_GetCurrentLineNumber(r->xp));
        rc = -1;
    }
    reset_error(&r->p);
    free(r->p.text);
    XML_ParserFree(r->xp);
    return rc;
}

int valgrind_parse_xml_buffer(const char *xml, size_t len, const char *tool,
                              struct finding_list *out, char *err, size_t errlen)
{
    struct vg_run r;

    if (vg_begin(&r, tool, out, err, errlen) < 0)
        return -1;
    vg_feed(&r, xml, len);
    return vg_end(&r, err, errlen);
}

int valgrind_parse_xml_file(const char *path, const char *tool,
                            struct finding_list *out, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    char buf[65536], msg[512];
    struct vg_run r;
    size_t n;
    int rc;

    if (!f) {
        rl_seterr(err, errlen, "fopen %s: %s", path, strerror(errno));
        return -1;
    }
    if (vg_begin(&r, tool, out, err, errlen) < 0) {
        fclose(f);          /* read only, failing anyway */
        return -1;
    }
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        vg_feed(&r, buf, n);
    if (ferror(f)) {
        rl_seterr(err, errlen, "fread %s: %s", path, strerror(errno));
        fclose(f);          /* read only, failing anyway */
        vg_end(&r, NULL, 0);    /* frees the parser; the error is ERR's */
        return -1;
    }
    fclose(f);              /* read only: everything was parsed */
    rc = vg_end(&r, msg, sizeof msg);
    if (rc < 0)
        rl_seterr(err, errlen, "%s: %s", path, msg);
    return rc;
}
