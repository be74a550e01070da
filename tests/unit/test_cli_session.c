/* Unit tests: session file (location, modes, atomic save, strict load), JSON reading,
 * Set-Cookie parsing, and the login answer classification. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>
#include <sodium.h>

#include "check.h"
#include "../../cli/http.h"
#include "json.h"
#include "../../cli/pairing.h"
#include "../../cli/session.h"

static char tmpdir[] = "/tmp/airlock-cli-unit.XXXXXX";

static void
write_file(const char *path, const char *text, mode_t mode)
{
	int	 fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	if (fd == -1 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		perror(path);
	if (fd != -1) {
		fchmod(fd, mode);
		close(fd);
	}
}

static int
count_entries(const char *dir)
{
	DIR	*d = opendir(dir);
	struct dirent *e;
	int	 n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
test_dir(void)
{
	char	 dir[512], err[256], want[512];

	setenv("XDG_CONFIG_HOME", "/x/cfg", 1);
	CHECK(session_dir(dir, sizeof(dir), err, sizeof(err)) == 0 && strcmp(dir, "/x/cfg/airlock") == 0,
	    "XDG_CONFIG_HOME/airlock");
	setenv("XDG_CONFIG_HOME", "relative/cfg", 1);
	setenv("HOME", "/home/someone", 1);
	CHECK(session_dir(dir, sizeof(dir), err, sizeof(err)) == 0 &&
	    strcmp(dir, "/home/someone/.config/airlock") == 0, "relative XDG_CONFIG_HOME ignored");
	unsetenv("XDG_CONFIG_HOME");
	CHECK(session_dir(dir, sizeof(dir), err, sizeof(err)) == 0 &&
	    strcmp(dir, "/home/someone/.config/airlock") == 0, "default ~/.config/airlock");
	setenv("HOME", "", 1);
	CHECK(session_dir(dir, sizeof(dir), err, sizeof(err)) == 0 && dir[0] == '/',
	    "empty HOME falls back to the password database");
	snprintf(want, sizeof(want), "%s/cfg", tmpdir);
	setenv("XDG_CONFIG_HOME", want, 1);
}

static void
test_save_load(void)
{
	struct cli_session s, l;
	struct stat	 st;
	char		 dir[512], path[600], err[256];

	snprintf(dir, sizeof(dir), "%s/cfg/deeper/airlock", tmpdir);
	snprintf(path, sizeof(path), "%s/session", dir);
	memset(&s, 0, sizeof(s));
	snprintf(s.server, sizeof(s.server), "http://127.0.0.1:8000");
	snprintf(s.cookie, sizeof(s.cookie), "session=abcDEF-_123");
	CHECK(session_load(dir, &l, 0, err, sizeof(err)) == 1, "load without a file: not logged in");
	CHECK(session_save(dir, &s, err, sizeof(err)) == 0, "save creates missing directories (%s)", err);
	CHECK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700, "directory mode 0700");
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "file mode 0600");
	CHECK(count_entries(dir) == 1, "no temporary file left behind");
	CHECK(session_load(dir, &l, 0, err, sizeof(err)) == 0 && strcmp(l.server, s.server) == 0 &&
	    strcmp(l.cookie, s.cookie) == 0, "load reads back what was saved");

	chmod(dir, 0755);
	snprintf(s.cookie, sizeof(s.cookie), "__Host-session=second");
	CHECK(session_save(dir, &s, err, sizeof(err)) == 0 && stat(dir, &st) == 0 &&
	    (st.st_mode & 0777) == 0700, "save tightens an open directory to 0700");
	CHECK(session_load(dir, &l, 0, err, sizeof(err)) == 0 &&
	    strcmp(l.cookie, "__Host-session=second") == 0, "save replaces the old session");

	chmod(path, 0644);
	CHECK(session_load(dir, &l, 0, err, sizeof(err)) == -1 && strstr(err, "unsafe") != NULL,
	    "a group/world readable session file is refused");
	unlink(path);
	CHECK(symlink("/etc/passwd", path) == 0 && session_load(dir, &l, 0, err, sizeof(err)) == -1,
	    "a symlinked session file is refused");
	unlink(path);
	CHECK(mkdir(path, 0700) == 0 && session_load(dir, &l, 0, err, sizeof(err)) == -1,
	    "a directory in place of the file is refused");
	rmdir(path);

	write_file(path, "{\"server\":\"http://127.0.0.1:1\"}", 0600);
	CHECK(session_load(dir, &l, 0, err, sizeof(err)) == -1, "missing cookie refused");
	write_file(path, "{\"server\":\"http://127.0.0.1:1\",\"cookie\":\"session=a;b\"}", 0600);
	CHECK(session_load(dir, &l, 0, err, sizeof(err)) == -1, "cookie with ';' refused");
	write_file(path, "{\"server\":\"http://127.0.0.1:1\",\"cookie\":\"other=abc\"}", 0600);
	CHECK(session_load(dir, &l, 0, err, sizeof(err)) == -1, "cookie with another name refused");
	write_file(path, "{\"server\":\"http://evil.example\",\"cookie\":\"session=abc\"}", 0600);
	CHECK(session_load(dir, &l, 0, err, sizeof(err)) == -1 && strstr(err, "plain http") != NULL,
	    "saved remote http server refused");
	CHECK(session_load(dir, &l, 1, err, sizeof(err)) == 0, "... unless http is allowed");
	write_file(path, "not json", 0600);
	CHECK(session_load(dir, &l, 0, err, sizeof(err)) == -1, "garbage refused");
	{
		char	*big = malloc(SESSION_MAX_FILE + 10);

		memset(big, ' ', SESSION_MAX_FILE + 9);
		big[SESSION_MAX_FILE + 9] = '\0';
		big[0] = '{';
		write_file(path, big, 0600);
		free(big);
		CHECK(session_load(dir, &l, 0, err, sizeof(err)) == -1, "oversized file refused");
	}
	CHECK(session_remove(dir, err, sizeof(err)) == 0 && access(path, F_OK) == -1, "remove");
	CHECK(session_remove(dir, err, sizeof(err)) == 0, "remove without a file is fine");
	CHECK(session_save("relative/dir", &s, err, sizeof(err)) == -1, "relative directory refused");
}

/* The CLI reads server answers and its session file with this depth bound. */
#define JP(s, n)	json_parse_object(s, n, CLI_JSON_MAX_DEPTH, NULL)

static void
test_jparse(void)
{
	struct json_object *o;
	char	 s[16], deep[64];
	int64_t	 v;
	int	 i;

	o = JP("{\"a\":\"x\",\"n\":5} \n", 17);
	CHECK(o != NULL, "object with trailing whitespace");
	CHECK(o && json_str_copy(o, "a", s, sizeof(s)) == 0 && strcmp(s, "x") == 0, "string member");
	CHECK(o && json_int(o, "n", &v) == 1 && v == 5, "integer member");
	CHECK(o && json_int(o, "a", &v) == -1, "string is not an integer");
	CHECK(o && json_str_copy(o, "n", s, sizeof(s)) == -1, "integer is not a string");
	CHECK(o && json_str_copy(o, "missing", s, sizeof(s)) == -1, "missing member");
	json_object_put(o);
	o = JP("{\"a\":\"0123456789abcdefXYZ\"}", 27);
	CHECK(o && json_str_copy(o, "a", s, sizeof(s)) == -1, "too long string refused");
	json_object_put(o);
	o = JP("{\"a\":\"x\\u0000y\"}", 16);
	CHECK(o == NULL || json_str_copy(o, "a", s, sizeof(s)) == -1, "string with NUL refused");
	json_object_put(o);
	CHECK(JP("{\"a\":1}x", 8) == NULL, "trailing garbage refused");
	CHECK(JP("{\"a\":1", 6) == NULL, "truncated refused");
	CHECK(JP("[1]", 3) == NULL, "array refused");
	CHECK(JP("{\"a\":1,}", 8) == NULL, "trailing comma refused (strict)");
	CHECK(JP("{a:1}", 5) == NULL, "unquoted key refused");
	CHECK(JP("{\"a\":\"\xff\"}", 9) == NULL, "invalid UTF-8 refused");
	CHECK(JP("{\"a\":1}\0", 8) == NULL, "embedded NUL refused");
	CHECK(JP("", 0) == NULL, "empty refused");
	for (i = 0; i < 20; i++)
		deep[i] = '[';
	snprintf(deep + 20, sizeof(deep) - 20, "]]]]]]]]]]]]]]]]]]]]");
	memmove(deep + 5, deep, 41);
	memcpy(deep, "{\"a\":", 5);
	deep[46] = '}';
	CHECK(JP(deep, 47) == NULL, "too deep refused");
}

static void
test_set_cookie(void)
{
	char	 c[64];
#define SC(s) http_parse_set_cookie(s, strlen(s), c, sizeof(c))
	CHECK(SC("Set-Cookie: session=abc; HttpOnly; Path=/\r\n") == 0 && strcmp(c, "session=abc") == 0,
	    "session cookie");
	CHECK(SC("set-cookie:__Host-session=A-b_9; Secure\r\n") == 0 &&
	    strcmp(c, "__Host-session=A-b_9") == 0, "__Host-session cookie, lower-case header");
	CHECK(SC("Set-Cookie: session=abc\r\n") == 0 && strcmp(c, "session=abc") == 0, "no attributes");
	CHECK(SC("Set-Cookie: prelogin=abc\r\n") == -1, "other cookie ignored");
	CHECK(SC("Set-Cookie: mysession=abc\r\n") == -1, "similar name ignored");
	CHECK(SC("Set-Cookie: session=; Max-Age=0\r\n") == -1, "deleting cookie ignored");
	CHECK(SC("Set-Cookie: session=a b\r\n") == -1, "space in value refused");
	CHECK(SC("Set-Cookie: session=\"ab\"\r\n") == -1, "quoted value refused");
	CHECK(SC("Location: session=abc\r\n") == -1, "other header ignored");
	CHECK(SC("Set-Cookie: session=0123456789012345678901234567890123456789012345678901234567890123\r\n")
	    == -1, "too long for the buffer refused");
#undef SC
	CHECK(http_cookie_pair_ok("session=abc"), "pair ok");
	CHECK(!http_cookie_pair_ok("session=abc; x"), "pair with attributes refused");
	CHECK(!http_cookie_pair_ok("session=abc\r\nX: y"), "pair with CRLF refused");
}

static void
test_csrf(void)
{
	char	 out[64];

	/* Vector from Python: blake2b(bytes(range(32)), digest_size=32, key=b"airlock-csrf-v1:") */
	CHECK(session_csrf("session=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", out, sizeof(out)) == 0 &&
	    strcmp(out, "LhmF6XjkP0lsLms645k_WSlZ2n2XISAwlJ6_hQXmJTY") == 0, "CSRF value as the frontend derives it");
	CHECK(session_csrf("__Host-session=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", out, sizeof(out)) == 0 &&
	    strcmp(out, "LhmF6XjkP0lsLms645k_WSlZ2n2XISAwlJ6_hQXmJTY") == 0, "CSRF value with the __Host- name");
	CHECK(session_csrf("session=short", out, sizeof(out)) == -1, "CSRF: not a 32-byte token");
	CHECK(session_csrf("session", out, sizeof(out)) == -1, "CSRF: no value");
	CHECK(session_csrf("session=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", out, 20) == -1,
	    "CSRF: small buffer refused");
}

static enum poll_result
classify(long status, const char *body, const char *cookie, char *user)
{
	struct http_resp r;
	char	 why[256];

	memset(&r, 0, sizeof(r));
	r.status = status;
	r.body = (char *)body;
	r.len = strlen(body);
	snprintf(r.cookie, sizeof(r.cookie), "%s", cookie);
	return login_classify(&r, user, CLI_MAX_USER, why, sizeof(why));
}

static void
test_login(void)
{
	struct login_start ls;
	char	 why[256], user[CLI_MAX_USER], pc[64], pc2[64];
	const char *ok = "{\"login_url\":\"http://127.0.0.1:8000/pair/XYZ\",\"user_code\":\"WDJB-MJHT\","
	    "\"expires_in\":600,\"interval\":1}";
	size_t	 i;

	CHECK(login_parse_start(ok, strlen(ok), &ls, why, sizeof(why)) == 0 &&
	    strcmp(ls.user_code, "WDJB-MJHT") == 0 && ls.expires_in == 600 && ls.interval == 1,
	    "cli_login answer parsed");
#define START(s) login_parse_start(s, strlen(s), &ls, why, sizeof(why))
	CHECK(START("{\"login_url\":\"http://a/\",\"user_code\":\"AB\",\"expires_in\":99999,"
	    "\"interval\":0}") == 0 && ls.expires_in == LOGIN_MAX_EXPIRES && ls.interval == 1,
	    "expires_in and interval clamped");
	CHECK(START("{\"login_url\":\"http://a/\",\"user_code\":\"AB\"}") == 0 &&
	    ls.expires_in == LOGIN_MAX_EXPIRES && ls.interval == 1, "defaults");
	CHECK(START("{\"login_url\":\"javascript:x\",\"user_code\":\"AB\"}") == -1, "bad login_url");
	CHECK(START("{\"login_url\":\"http://a/\",\"user_code\":\"A\\u001bB\"}") == -1,
	    "control character in user code");
	CHECK(START("{\"login_url\":\"http://a/\"}") == -1, "missing user code");
	CHECK(START("http://127.0.0.1:8000/pair/XYZ") == -1, "text answer refused");
#undef START

	CHECK(classify(200, "{\"user\":\"oidc:alice\"}", "session=abc", user) == POLL_DONE &&
	    strcmp(user, "oidc:alice") == 0, "approved (JSON)");
	CHECK(classify(200, "oidc:bob\n", "session=abc", user) == POLL_DONE &&
	    strcmp(user, "oidc:bob") == 0, "approved (text, seed style)");
	CHECK(classify(200, "", "", user) == POLL_PENDING, "empty 200 is pending (seed style)");
	CHECK(classify(400, "{\"error\":\"authorization_pending\"}", "", user) == POLL_PENDING,
	    "authorization_pending");
	CHECK(classify(200, "{\"error\":\"authorization_pending\"}", "", user) == POLL_PENDING,
	    "authorization_pending with 200");
	CHECK(classify(400, "{\"error\":\"slow_down\"}", "", user) == POLL_SLOW_DOWN, "slow_down");
	CHECK(classify(429, "", "", user) == POLL_SLOW_DOWN, "429 without JSON is slow_down");
	CHECK(classify(400, "{\"error\":\"expired_token\"}", "", user) == POLL_EXPIRED, "expired_token");
	CHECK(classify(400, "{\"error\":\"access_denied\"}", "", user) == POLL_DENIED, "access_denied");
	CHECK(classify(400, "{\"error\":\"invalid_grant\"}", "", user) == POLL_FAIL, "other error fails");
	CHECK(classify(503, "busy", "", user) == POLL_RETRY, "5xx retried");
	CHECK(classify(0, "", "", user) == POLL_RETRY, "no answer retried");
	CHECK(classify(404, "nope", "", user) == POLL_FAIL, "404 fails");
	CHECK(classify(200, "oidc:alice", "", user) == POLL_FAIL, "approval without cookie fails");
	CHECK(classify(400, "{\"error\":\"access_denied\"}", "session=abc", user) == POLL_DENIED,
	    "a cookie on an error answer is not a login");

	CHECK(login_retry_wait(1, 1) == 1 && login_retry_wait(1, 2) == 2 && login_retry_wait(1, 3) == 4 &&
	    login_retry_wait(1, 50) == LOGIN_MAX_RETRY_WAIT, "retry backoff doubles and is capped");

	login_paircode(pc, sizeof(pc));
	login_paircode(pc2, sizeof(pc2));
	for (i = 0; pc[i]; i++)
		if (!(pc[i] == '-' || pc[i] == '_' || (pc[i] >= '0' && pc[i] <= '9') ||
		    (pc[i] >= 'a' && pc[i] <= 'z') || (pc[i] >= 'A' && pc[i] <= 'Z')))
			break;
	CHECK(strlen(pc) >= 22 && strlen(pc) <= 128 && pc[i] == '\0', "paircode: 22+ URL-safe characters");
	CHECK(strcmp(pc, pc2) != 0, "paircodes differ");
}

int
main(void)
{
	if (sodium_init() < 0 || mkdtemp(tmpdir) == NULL)
		return 1;
	test_dir();
	test_save_load();
	test_jparse();
	test_set_cookie();
	test_login();
	test_csrf();
	{
		char	 cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			return 1;
	}
	return CHECK_DONE();
}
