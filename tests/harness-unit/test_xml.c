/* test_xml.c - every XML the report library writes parses with expat,
 * whatever bytes a tool, a program or a compiler put in a verdict: C0
 * controls, U+FFFE/U+FFFF and malformed UTF-8 are replaced by U+FFFD,
 * never written as character references (which XML 1.0 forbids for
 * them), and well-formed text survives unchanged. */
#include "cells.h"

#include <expat.h>
#include <unistd.h>

/* Every C0 control, DEL, then malformed UTF-8: a lone continuation byte,
 * 0xff, an overlong '/', a truncated euro sign, a UTF-16 surrogate, the
 * noncharacters U+FFFE and U+FFFF, a code point above U+10FFFF; then the
 * markup characters and well-formed UTF-8 that must survive. */
static const char hostile[] =
    "c0:\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f\x10\x11\x12"
    "\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x7f|"
    "bad:\x80|\xff|\xc0\xaf|\xe2\x82|\xed\xa0\x80|\xef\xbf\xbe|\xef\xbf\xbf|"
    "\xf4\x90\x80\x80|<&>\"'|ok:\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e";
/* 28 forbidden controls (DEL is allowed); then one U+FFFD per forbidden
 * character (U+FFFE, U+FFFF: 2) and per byte that starts no well-formed
 * sequence (0x80, 0xff: 2; overlong: 2; truncated: 2; surrogate: 3;
 * above U+10FFFF: 4). */
enum { HOSTILE_REPLACED = 28 + 2 + 2 + 2 + 2 + 3 + 4 };

static const char fffd[] = "\xef\xbf\xbd";

struct collect {
    char text[8192];
    size_t len;
    int elements;
    char attr[4096];
};

static void XMLCALL on_start(void *ud, const XML_Char *name,
                             const XML_Char **attrs)
{
    struct collect *c = ud;

    (void)name;     /* every element counts */
    c->elements++;
    for (size_t i = 0; attrs[i]; i += 2)
        if (strcmp(attrs[i], "message") == 0 || strcmp(attrs[i], "a") == 0)
            snprintf(c->attr, sizeof c->attr, "%s", attrs[i + 1]);
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    (void)ud;       /* nothing to do at an end tag */
    (void)name;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    struct collect *c = ud;

    if (c->len + (size_t)len < sizeof c->text) {
        memcpy(c->text + c->len, s, (size_t)len);
        c->len += (size_t)len;
        c->text[c->len] = '\0';
    }
}

/* Parses BUF (N bytes) with expat, failing the test with expat's message
 * and line; the raw text must hold no character reference either. */
static void parse_xml(const char *buf, size_t n, struct collect *c)
{
    XML_Parser xp = XML_ParserCreate(NULL);

    memset(c, 0, sizeof *c);
    assert_non_null(xp);
    XML_SetUserData(xp, c);
    XML_SetElementHandler(xp, on_start, on_end);
    XML_SetCharacterDataHandler(xp, on_text);
    if (XML_Parse(xp, buf, (int)n, 1) == XML_STATUS_ERROR)
        fail_msg("not well-formed XML: %s at line %lu: %.*s",
                 XML_ErrorString(XML_GetErrorCode(xp)),
                 (unsigned long)XML_GetCurrentLineNumber(xp), (int)n, buf);
    XML_ParserFree(xp);
    assert_null(strstr(buf, "&#x"));
}

static size_t count(const char *hay, const char *needle)
{
    size_t k = 0;

    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
        k++;
    return k;
}

static char *read_whole(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    char *buf = calloc(1, 1 << 20);

    assert_non_null(f);
    assert_non_null(buf);
    *n = fread(buf, 1, (1 << 20) - 1, f);
    assert_int_equal(ferror(f), 0);
    assert_int_equal(fclose(f), 0);
    return buf;
}

/* Writes the escaper's output of S into a FILE in memory. */
static char *escaped(const char *s, size_t *n)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, n);

    assert_non_null(f);
    rl_xml_escape(f, s);
    assert_int_equal(fclose(f), 0);
    return buf;
}

static void test_escaper_text_and_attribute(void **state)
{
    size_t n;
    char *esc = escaped(hostile, &n);
    char *doc;
    struct collect c;

    (void)state;
    assert_int_equal(asprintf(&doc, "<r a=\"%s\">%s</r>", esc, esc) > 0, 1);
    parse_xml(doc, strlen(doc), &c);
    assert_int_equal(count(c.text, fffd), HOSTILE_REPLACED);
    assert_int_equal(count(c.attr, fffd), HOSTILE_REPLACED);
    /* tab and LF stay (CR becomes LF in text, as XML normalizes it) */
    assert_non_null(strstr(c.text, "\t\n"));
    assert_non_null(strstr(c.text, "<&>\"'|ok:\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e"));
    for (size_t i = 0; i < c.len; i++) {
        unsigned char b = (unsigned char)c.text[i];

        assert_true(b >= 0x20 || b == '\t' || b == '\n');
    }
    free(doc);
    free(esc);
}

static void test_escaper_plain_text_unchanged(void **state)
{
    size_t n;
    char *esc = escaped("data race at cache.c:42 in worker()", &n);

    (void)state;
    assert_string_equal(esc, "data race at cache.c:42 in worker()");
    free(esc);
    esc = escaped("", &n);
    assert_string_equal(esc, "");
    free(esc);
    esc = escaped("\xe2", &n);      /* truncated at the end of the string */
    assert_string_equal(esc, fffd);
    free(esc);
}

/* A cell whose every string a tool or program wrote is hostile. */
static void hostile_cell(struct cell_result *c, const char *variant,
                         enum run_outcome outcome)
{
    cell_init(c, hostile, variant, "tsan", 1u << FINDING_DATA_RACE);
    cell_add_run(c, DATA("tsan-race.log"), 1.0, 0.5, NULL, 0);
    c->runs[0].outcome = outcome;
    c->runs[0].reason = strdup(hostile);
    c->runs[0].hang_report = strdup(hostile);
    free(c->findings[0].finding.summary);
    c->findings[0].finding.summary = strdup(hostile);
    cell_judge(c);
    free(c->verdict);
    c->verdict = strdup(hostile);
}

/* JUnit is the one XML writer of run, matrix, stress and merge: a failed,
 * an error, an inconclusive and a gate-annotated pass cell each carry the
 * hostile text in an attribute or in text. */
static void test_junit_hostile_cells_parse(void **state)
{
    struct cell_result cells[4];
    char dir[] = "/tmp/racelab-xml-XXXXXX", path[64], err[256] = "", *buf;
    size_t n;
    struct collect c;

    (void)state;
    assert_non_null(mkdtemp(dir));
    hostile_cell(&cells[0], "fixed", RUN_FINDING);
    cells[0].status = CELL_FAIL;
    hostile_cell(&cells[1], "buggy", RUN_TOOL_ERROR);
    cells[1].status = CELL_ERROR;
    hostile_cell(&cells[2], "buggy", RUN_CLEAN);
    cells[2].status = CELL_INCONCLUSIVE;
    hostile_cell(&cells[3], "buggy", RUN_FINDING);
    cells[3].status = CELL_PASS;
    cells[3].baseline_used = true;
    snprintf(path, sizeof path, "%s/r.xml", dir);
    assert_int_equal(write_junit(path, cells, 4, err, sizeof err), 0);
    buf = read_whole(path, &n);
    parse_xml(buf, n, &c);
    assert_int_equal(count(buf, "<testcase "), 4);
    /* each of the four cells' verdict, the finding summary, the reason
     * and the hang report: all replaced, none dropped silently */
    assert_true(count(c.text, fffd) >= 3 * HOSTILE_REPLACED);
    assert_int_equal(count(c.attr, fffd), HOSTILE_REPLACED);
    free(buf);
    for (int i = 0; i < 4; i++)
        cell_result_free(&cells[i]);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escaper_text_and_attribute),
        cmocka_unit_test(test_escaper_plain_text_unchanged),
        cmocka_unit_test(test_junit_hostile_cells_parse),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
