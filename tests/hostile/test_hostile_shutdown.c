/* test_hostile_shutdown.c - SIGTERM while 64 keep-alive clients are in the
 * middle of requests: every response a client receives is complete and
 * right, and the server exits 0.  Then the same with the valgrind flavor's
 * server under Valgrind memcheck, whose XML report must hold no error and
 * no definite, indirect or possible leak (skipped only when that
 * executable, or valgrind, is absent). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <expat.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rl_cmocka.h"
#include "hostile.h"

#ifndef HOSTILE_VALGRIND_SERVER
#error "HOSTILE_VALGRIND_SERVER must name the valgrind flavor's racelab-server"
#endif
#ifndef HOSTILE_VALGRIND
#define HOSTILE_VALGRIND ""
#endif

enum { NCLIENTS = 64 };
#define BIG_LEN (1u << 20)      /* above --cache-mb 4 / 8: streamed */

struct file { const char *path; int status; char *body; size_t len; };
static struct file files[] = {
    { "/a.txt", 200, NULL, 40 }, { "/b.html", 200, NULL, 300 },
    { "/sub/c.json", 200, NULL, 4096 }, { "/mid.bin", 200, NULL, 64 * 1024 },
    { "/big.bin", 200, NULL, BIG_LEN }, { "/nope", 404, NULL, 0 },
};
#define NFILES (sizeof(files) / sizeof(files[0]))

static int setup(void **state)
{
    struct rl_server *s = calloc(1, sizeof(*s));
    if (s == NULL || rl_server_init(s) < 0)
        return -1;
    for (size_t i = 0; i < NFILES; i++) {
        if (files[i].status != 200)
            continue;
        if (files[i].body == NULL) {
            files[i].body = malloc(files[i].len);
            if (files[i].body == NULL)
                return -1;
            for (size_t k = 0; k < files[i].len; k++)
                files[i].body[k] = (char)('A' + (k * 31 + i + k / 977) % 26);
        }
        if (rl_write_file(s, files[i].path + 1, files[i].body, files[i].len) < 0)
            return -1;
    }
    *state = s;
    return 0;
}

static int teardown(void **state)
{
    struct rl_server *s = *state;
    if (s != NULL) {
        rl_server_destroy(s);
        free(s);
    }
    return 0;
}

static int group_teardown(void **state)
{
    for (size_t i = 0; i < NFILES; i++) {
        free(files[i].body);
        files[i].body = NULL;
    }
    return 0;
}

/* --- the clients --------------------------------------------------------------- */

struct client {
    int port, id;
    atomic_long *complete_total;
    long complete;
    long partial;               /* a response cut short: never acceptable */
    long wrong;                 /* complete but not the file's bytes */
    char why[300];
};

/* Keep-alive loop until the server refuses connections.  Every other
 * request goes out in two pieces, so some are half-sent at the signal. */
static void *client_main(void *arg)
{
    struct client *cl = arg;
    struct rl_conn c = { .fd = -1 };
    for (int i = 0; ; i++) {
        if (c.fd < 0 && rl_conn_open(&c, cl->port) < 0)
            break;              /* refused: the server stopped listening */
        const struct file *f = &files[(size_t)(i + cl->id) % NFILES];
        bool head = (i + cl->id) % 7 == 0;
        char raw[256];
        snprintf(raw, sizeof(raw), "%s %s HTTP/1.1\r\nHost: t\r\n\r\n", head ? "HEAD" : "GET",
                 f->path);
        size_t cut = (i % 2) ? strlen(raw) / 2 : strlen(raw);
        int rc = rl_conn_send(&c, raw, cut);
        if (rc == 0 && cut < strlen(raw))
            rc = rl_conn_sendstr(&c, raw + cut);
        if (rc != 0) {
            rl_conn_close(&c);  /* closed under us before we asked */
            continue;
        }
        struct rl_response r;
        rc = rl_conn_read_response(&c, &r, head, RL_IO_TIMEOUT_MS);
        if (rc == 1) {
            const char *conn = rl_header(&r, "Connection");
            if (r.status == 408) {
                /* A request the shutdown caught half-sent: answered too. */
            } else if (r.status != f->status
                       || (f->status == 200 && (r.content_length != (long)f->len
                           || (!head && memcmp(r.body, f->body, f->len) != 0)))) {
                if (cl->wrong++ == 0)
                    snprintf(cl->why, sizeof(cl->why), "%s %s: %.200s", head ? "HEAD" : "GET",
                             f->path, r.head);
            } else {
                cl->complete++;
                atomic_fetch_add(cl->complete_total, 1);
            }
            if (r.status == 408 || conn == NULL || strcmp(conn, "close") == 0)
                rl_conn_close(&c);
            rl_response_free(&r);
        } else {
            if (rc < 0 && cl->partial++ == 0)
                snprintf(cl->why, sizeof(cl->why), "%s %s: response cut short",
                         head ? "HEAD" : "GET", f->path);
            rl_conn_close(&c);
        }
    }
    if (c.fd >= 0)
        rl_conn_close(&c);
    return NULL;
}

/* Runs NCLIENTS clients until COMPLETE_BEFORE responses went through,
 * sends SIGTERM and waits STOP_MS for the exit.  Returns the wait status
 * (-1: no exit in time) after checking every response. */
static int load_then_sigterm(struct rl_server *s, long complete_before, int stop_ms)
{
    atomic_long total = 0;
    static struct client cl[NCLIENTS];
    pthread_t th[NCLIENTS];
    for (int i = 0; i < NCLIENTS; i++) {
        cl[i] = (struct client){ .port = s->port, .id = i, .complete_total = &total };
        assert_int_equal(pthread_create(&th[i], NULL, client_main, &cl[i]), 0);
    }
    long long deadline = rl_now_ms() + 60000;
    while (atomic_load(&total) < complete_before && rl_now_ms() < deadline)
        usleep(2000);
    long before = atomic_load(&total);

    int status = rl_server_stop(s, stop_ms);
    long complete = 0, partial = 0, wrong = 0;
    for (int i = 0; i < NCLIENTS; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < NCLIENTS; i++) {
        complete += cl[i].complete;
        partial += cl[i].partial;
        wrong += cl[i].wrong;
        if (cl[i].why[0] != '\0')
            fprintf(stderr, "client %d: %s\n", i, cl[i].why);
    }
    fprintf(stderr, "%ld complete responses, %ld before SIGTERM\n", complete, before);
    if (before < complete_before)
        fail_msg("only %ld responses in 60 s before the signal", before);
    assert_int_equal(partial, 0);
    assert_int_equal(wrong, 0);
    assert_true(complete >= before);
    return status;
}

static void test_hostile_sigterm_under_keepalive_load(void **state)
{
    struct rl_server *s = *state;
    static const char *const args[] = { "--threads", "4", "--cache-mb", "4", NULL };
    if (rl_server_start(s, args) < 0)
        fail_msg("could not start %s", rl_server_exe());
    int status = load_then_sigterm(s, 1500, RL_STOP_TIMEOUT_MS);
    rl_expect_no_reports(s);
    if (!rl_exited_zero(status))
        fail_msg("the server did not exit 0 after SIGTERM (wait status 0x%x)", status);
}

/* --- Valgrind memcheck ------------------------------------------------------------- */

struct vgxml {
    int depth_error;            /* > 0 inside <error> */
    bool in_kind, in_state;
    long errors;
    char kinds[512];
    char state[32];
};

static void XMLCALL vg_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
    struct vgxml *x = ud;
    (void)attrs;
    if (strcmp(name, "error") == 0) {
        x->depth_error++;
        x->errors++;
    } else if (strcmp(name, "kind") == 0 && x->depth_error > 0) {
        x->in_kind = true;
        if (strlen(x->kinds) + 2 < sizeof(x->kinds))
            strcat(x->kinds, " ");
    } else if (strcmp(name, "state") == 0) {
        x->in_state = true;
        x->state[0] = '\0';
    }
}

static void XMLCALL vg_end(void *ud, const XML_Char *name)
{
    struct vgxml *x = ud;
    if (strcmp(name, "error") == 0)
        x->depth_error--;
    else if (strcmp(name, "kind") == 0)
        x->in_kind = false;
    else if (strcmp(name, "state") == 0)
        x->in_state = false;
}

static void XMLCALL vg_text(void *ud, const XML_Char *text, int len)
{
    struct vgxml *x = ud;
    char *dst = x->in_kind ? x->kinds : x->in_state ? x->state : NULL;
    size_t size = x->in_kind ? sizeof(x->kinds) : sizeof(x->state);
    if (dst == NULL)
        return;
    size_t have = strlen(dst);
    size_t n = (size_t)len < size - have - 1 ? (size_t)len : size - have - 1;
    memcpy(dst + have, text, n);
    dst[have + n] = '\0';
}

static void test_hostile_sigterm_under_load_valgrind_memcheck(void **state)
{
    struct rl_server *s = *state;
    const char *vg = HOSTILE_VALGRIND;
    const char *exe = HOSTILE_VALGRIND_SERVER;
    if (vg[0] == '\0' || access(vg, X_OK) != 0) {
        fprintf(stderr, "valgrind not found: skipped\n");
        skip();
    }
    if (access(exe, X_OK) != 0) {
        fprintf(stderr, "%s is absent (build it: cmake --preset valgrind -B build/valgrind && "
                "cmake --build build/valgrind --target racelab-server): skipped\n", exe);
        skip();
    }
    char xml_opt[PATH_MAX + 64], xml_path[PATH_MAX + 32];
    snprintf(xml_path, sizeof(xml_path), "%s/memcheck.xml", s->dir);
    snprintf(xml_opt, sizeof(xml_opt), "--xml-file=%s", xml_path);
    const char *const wrapper[] = {
        vg, "--tool=memcheck", "--leak-check=full",
        "--show-leak-kinds=definite,indirect,possible",
        "--errors-for-leak-kinds=definite,indirect,possible", "--error-exitcode=99",
        "--xml=yes", xml_opt, "--num-callers=30", NULL,
    };
    static const char *const args[] = { "--threads", "4", "--cache-mb", "4", NULL };
    if (rl_server_start_wrapped(s, wrapper, exe, args) < 0)
        fail_msg("could not start %s under valgrind", exe);

    /* Light load: memcheck runs the server one thread at a time. */
    int status = load_then_sigterm(s, 300, 120000);
    if (status == -1)
        fail_msg("the server under memcheck did not exit within 120 s of SIGTERM");
    if (WIFEXITED(status) && WEXITSTATUS(status) == 99)
        fprintf(stderr, "memcheck found errors (exit 99)\n");
    else if (!rl_exited_zero(status))
        fail_msg("the server under memcheck did not exit 0 (wait status 0x%x)", status);

    char *xml = rl_read_dir_file(s, "memcheck.xml");
    if (xml == NULL)
        fail_msg("no memcheck XML at %s", xml_path);
    struct vgxml x = { 0 };
    XML_Parser p = XML_ParserCreate(NULL);
    assert_non_null(p);
    XML_SetUserData(p, &x);
    XML_SetElementHandler(p, vg_start, vg_end);
    XML_SetCharacterDataHandler(p, vg_text);
    enum XML_Status ok = XML_Parse(p, xml, (int)strlen(xml), 1);
    if (ok != XML_STATUS_OK)
        fail_msg("memcheck XML does not parse: %s", XML_ErrorString(XML_GetErrorCode(p)));
    XML_ParserFree(p);
    if (x.errors > 0) {
        fprintf(stderr, "%s\n", xml);
        free(xml);
        fail_msg("memcheck reported %ld error(s):%s", x.errors, x.kinds);
    }
    free(xml);
    assert_string_equal(x.state, "FINISHED");
    assert_true(rl_exited_zero(status));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hostile_sigterm_under_keepalive_load, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_hostile_sigterm_under_load_valgrind_memcheck,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, group_teardown);
}
