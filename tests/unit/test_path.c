/* test_path.c - request-target decoding and confined opening (path.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "path.h"

/* Decodes TARGET into a fresh buffer and checks the status and result. */
static void expect_path(const char *target, int want_rc, const char *want)
{
    char out[256];
    memset(out, 'Z', sizeof(out));
    int rc = path_from_target(target, strlen(target), out, sizeof(out));
    if (rc != want_rc)
        fail_msg("path_from_target(\"%s\"): rc %d, want %d", target, rc, want_rc);
    if (want != NULL && strcmp(out, want) != 0)
        fail_msg("path_from_target(\"%s\"): \"%s\", want \"%s\"", target, out, want);
}

/* --- path_from_target ---------------------------------------------------- */

static void test_path_normalization(void **state)
{
    expect_path("/", 0, "");
    expect_path("/index.html", 0, "index.html");
    expect_path("/a/b/c.txt", 0, "a/b/c.txt");
    expect_path("//a///b//", 0, "a/b");
    expect_path("/./a/./b/.", 0, "a/b");
    expect_path("/.", 0, "");
    expect_path("/a/", 0, "a");
    expect_path("/.../x", 0, ".../x");      /* three dots is a name */
    expect_path("/..a/a..", 0, "..a/a..");
    expect_path("/.hidden", 0, ".hidden");
}

static void test_path_percent_decoding(void **state)
{
    expect_path("/a%20b.txt", 0, "a b.txt");
    expect_path("/%41%62c", 0, "Abc");
    expect_path("/a%2fb", 0, "a/b");        /* a decoded slash separates */
    expect_path("/a%2Fb%2f%2f", 0, "a/b");
    expect_path("/%2e/x", 0, "x");          /* a decoded "." is dropped */
    expect_path("/%7e", 0, "~");
}

static void test_path_dotdot_forbidden(void **state)
{
    static const char *targets[] = {
        "/..", "/../", "/../etc/passwd", "/a/../b", "/a/b/..", "/a/..",
        "/%2e%2e", "/%2e%2e/etc/passwd", "/%2E%2e/x", "/%2E%2E", "/.%2e/x",
        "/%2e./x", "/..%2f", "/..%2fetc%2fpasswd", "/a%2f..%2fb", "/a/%2e%2e%2f",
        "/..?x", "/..#f", "/./../x", "//../x",
    };
    for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++)
        expect_path(targets[i], 403, NULL);
}

static void test_path_double_encoding_stays_literal(void **state)
{
    /* Decoded once only: "%252e" is the three characters "%2e". */
    expect_path("/%252e%252e/etc/passwd", 0, "%2e%2e/etc/passwd");
    expect_path("/%252e%252e%252f", 0, "%2e%2e%2f");
    expect_path("/%25", 0, "%");
}

static void test_path_backslash_is_literal(void **state)
{
    expect_path("/..\\..\\etc\\passwd", 0, "..\\..\\etc\\passwd");
    expect_path("/%5c..%5c", 0, "\\..\\");
}

static void test_path_encoded_nul_rejected(void **state)
{
    expect_path("/%00", 400, NULL);
    expect_path("/a.txt%00.html", 400, NULL);
    expect_path("/a%00/b", 400, NULL);
}

static void test_path_bad_percent_rejected(void **state)
{
    static const char *targets[] = {
        "/%zz", "/%", "/a%", "/a%2", "/%2g", "/%g2", "/%%41", "/a%2?x", "/%-1",
    };
    for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++)
        expect_path(targets[i], 400, NULL);
}

static void test_path_query_and_fragment_stripped(void **state)
{
    expect_path("/a.txt?x=1", 0, "a.txt");
    expect_path("/a.txt#frag", 0, "a.txt");
    expect_path("/dir/?q=/../../etc", 0, "dir");
    expect_path("/?", 0, "");
    expect_path("/#", 0, "");
    expect_path("/a?b#c", 0, "a");
    /* Only the path is decoded: the query is not looked at. */
    expect_path("/a?%zz", 0, "a");
    /* An encoded '?' is part of the name. */
    expect_path("/a%3fb", 0, "a?b");
}

static void test_path_non_origin_form_rejected(void **state)
{
    expect_path("", 400, NULL);
    expect_path("*", 400, NULL);
    expect_path("http://example.com/a", 400, NULL);
    expect_path("example.com:80", 400, NULL);
    expect_path("a/b", 400, NULL);
    expect_path("%2fa", 400, NULL);
}

static void test_path_overlong_rejected(void **state)
{
    char target[600], out[64];
    target[0] = '/';
    memset(target + 1, 'a', sizeof(target) - 2);
    target[sizeof(target) - 1] = '\0';
    assert_int_equal(path_from_target(target, strlen(target), out, sizeof(out)), 400);

    /* Many short segments past the end are refused too. */
    char segs[600] = "";
    while (strlen(segs) < 300)
        strcat(segs, "/ab");
    assert_int_equal(path_from_target(segs, strlen(segs), out, sizeof(out)), 400);

    /* Something that fits with room to spare is fine. */
    assert_int_equal(path_from_target("/abcdef", 7, out, 16), 0);
    assert_string_equal(out, "abcdef");
}

static void test_path_target_length_is_respected(void **state)
{
    /* Only LEN bytes are the target: the rest of the buffer is not. */
    char out[64];
    const char *buf = "/a.txt HTTP/1.1\r\n";
    assert_int_equal(path_from_target(buf, 6, out, sizeof(out)), 0);
    assert_string_equal(out, "a.txt");
}

/* --- path_open_beneath on a temp tree -------------------------------------
 *
 *   tmp/outside.txt
 *   tmp/root/in.txt
 *   tmp/root/sub/deep.txt
 *   tmp/root/link_in      -> sub/deep.txt
 *   tmp/root/sub/link_up  -> ../in.txt        (a ".." that stays inside)
 *   tmp/root/link_out     -> ../outside.txt
 *   tmp/root/link_abs     -> <tmp>/root/in.txt (absolute, even if inside)
 *   tmp/root/link_etc     -> /etc/passwd
 *   tmp/root/dir_out      -> ..               (directory out of the root)
 */
struct tree {
    char tmp[PATH_MAX];
    int rootfd;
};

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static int tree_setup(void **state)
{
    struct tree *t = calloc(1, sizeof(*t));
    char p[PATH_MAX + 64], q[PATH_MAX + 64];
    if (t == NULL)
        return -1;
    const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(t->tmp, sizeof(t->tmp), "%s/racelab-path-XXXXXX", base);
    if (mkdtemp(t->tmp) == NULL)
        return -1;
    snprintf(p, sizeof(p), "%s/outside.txt", t->tmp); write_file(p, "outside\n");
    snprintf(p, sizeof(p), "%s/root", t->tmp);        mkdir(p, 0755);
    snprintf(p, sizeof(p), "%s/root/sub", t->tmp);    mkdir(p, 0755);
    snprintf(p, sizeof(p), "%s/root/in.txt", t->tmp); write_file(p, "inside\n");
    snprintf(p, sizeof(p), "%s/root/sub/deep.txt", t->tmp); write_file(p, "deep\n");
    snprintf(p, sizeof(p), "%s/root/link_in", t->tmp);
    if (symlink("sub/deep.txt", p) < 0) return -1;
    snprintf(p, sizeof(p), "%s/root/sub/link_up", t->tmp);
    if (symlink("../in.txt", p) < 0) return -1;
    snprintf(p, sizeof(p), "%s/root/link_out", t->tmp);
    if (symlink("../outside.txt", p) < 0) return -1;
    snprintf(p, sizeof(p), "%s/root/link_abs", t->tmp);
    snprintf(q, sizeof(q), "%s/root/in.txt", t->tmp);
    if (symlink(q, p) < 0) return -1;
    snprintf(p, sizeof(p), "%s/root/link_etc", t->tmp);
    if (symlink("/etc/passwd", p) < 0) return -1;
    snprintf(p, sizeof(p), "%s/root/dir_out", t->tmp);
    if (symlink("..", p) < 0) return -1;
    snprintf(p, sizeof(p), "%s/root", t->tmp);
    t->rootfd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (t->rootfd < 0)
        return -1;
    *state = t;
    return 0;
}

static int tree_teardown(void **state)
{
    struct tree *t = *state;
    if (t == NULL)
        return 0;
    close(t->rootfd);
    nftw(t->tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(t);
    return 0;
}

/* Reads the whole (small) file FD as a string and closes it. */
static void expect_contents(int fd, const char *want)
{
    char buf[256];
    assert_true(fd >= 0);
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    assert_true(n >= 0);
    buf[n] = '\0';
    assert_string_equal(buf, want);
}

static bool have_openat2(void)
{
    struct open_how how = { .flags = O_RDONLY | O_CLOEXEC };
    long fd = syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how));
    if (fd >= 0) {
        close((int)fd);
        return true;
    }
    return errno != ENOSYS;
}

static void test_path_open_files_inside(void **state)
{
    struct tree *t = *state;
    expect_contents(path_open_beneath(t->rootfd, "in.txt", O_RDONLY), "inside\n");
    expect_contents(path_open_beneath(t->rootfd, "sub/deep.txt", O_RDONLY), "deep\n");
    /* "" is the root itself. */
    int fd = path_open_beneath(t->rootfd, "", O_RDONLY);
    assert_true(fd >= 0);
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    close(fd);
    /* The result is close-on-exec. */
    fd = path_open_beneath(t->rootfd, "in.txt", O_RDONLY);
    assert_true(fd >= 0);
    assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    close(fd);
}

static void test_path_open_missing_is_enoent(void **state)
{
    struct tree *t = *state;
    assert_int_equal(path_open_beneath(t->rootfd, "nope.txt", O_RDONLY), -ENOENT);
    assert_int_equal(path_open_beneath(t->rootfd, "in.txt/x", O_RDONLY), -ENOTDIR);
}

static void test_path_open_symlink_outside_refused(void **state)
{
    struct tree *t = *state;
    int fd = path_open_beneath(t->rootfd, "link_out", O_RDONLY);
    if (fd >= 0)
        close(fd);
    assert_true(fd == -EXDEV || fd == -ELOOP);
    fd = path_open_beneath(t->rootfd, "dir_out/outside.txt", O_RDONLY);
    if (fd >= 0)
        close(fd);
    assert_true(fd == -EXDEV || fd == -ELOOP);
}

static void test_path_open_absolute_symlink_refused(void **state)
{
    struct tree *t = *state;
    int fd = path_open_beneath(t->rootfd, "link_etc", O_RDONLY);
    if (fd >= 0)
        close(fd);
    assert_true(fd == -EXDEV || fd == -ELOOP);
    /* Absolute links are refused even when they point back inside. */
    fd = path_open_beneath(t->rootfd, "link_abs", O_RDONLY);
    if (fd >= 0)
        close(fd);
    assert_true(fd == -EXDEV || fd == -ELOOP);
}

static void test_path_open_dotdot_and_absolute_refused(void **state)
{
    struct tree *t = *state;
    int fd = path_open_beneath(t->rootfd, "../outside.txt", O_RDONLY);
    if (fd >= 0)
        close(fd);
    assert_true(fd == -EXDEV || fd == -ELOOP || fd == -ENOENT);
    char abs[PATH_MAX + 32];
    snprintf(abs, sizeof(abs), "%s/outside.txt", t->tmp);
    fd = path_open_beneath(t->rootfd, abs, O_RDONLY);
    if (fd >= 0)
        close(fd);
    assert_true(fd < 0);
}

static void test_path_open_symlink_inside_allowed(void **state)
{
    struct tree *t = *state;
    if (!have_openat2())
        skip();     /* the pre-5.6 fallback refuses every symlink */
    expect_contents(path_open_beneath(t->rootfd, "link_in", O_RDONLY), "deep\n");
    expect_contents(path_open_beneath(t->rootfd, "sub/link_up", O_RDONLY), "inside\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_path_normalization),
        cmocka_unit_test(test_path_percent_decoding),
        cmocka_unit_test(test_path_dotdot_forbidden),
        cmocka_unit_test(test_path_double_encoding_stays_literal),
        cmocka_unit_test(test_path_backslash_is_literal),
        cmocka_unit_test(test_path_encoded_nul_rejected),
        cmocka_unit_test(test_path_bad_percent_rejected),
        cmocka_unit_test(test_path_query_and_fragment_stripped),
        cmocka_unit_test(test_path_non_origin_form_rejected),
        cmocka_unit_test(test_path_overlong_rejected),
        cmocka_unit_test(test_path_target_length_is_respected),
        cmocka_unit_test_setup_teardown(test_path_open_files_inside, tree_setup, tree_teardown),
        cmocka_unit_test_setup_teardown(test_path_open_missing_is_enoent, tree_setup, tree_teardown),
        cmocka_unit_test_setup_teardown(test_path_open_symlink_outside_refused, tree_setup, tree_teardown),
        cmocka_unit_test_setup_teardown(test_path_open_absolute_symlink_refused, tree_setup, tree_teardown),
        cmocka_unit_test_setup_teardown(test_path_open_dotdot_and_absolute_refused, tree_setup, tree_teardown),
        cmocka_unit_test_setup_teardown(test_path_open_symlink_inside_allowed, tree_setup, tree_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
