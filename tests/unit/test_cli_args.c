/* Unit tests: command line parsing, URL and path checks, $BROWSER splitting. */
#include <stdarg.h>
#include <string.h>

#include "check.h"
#include "../../cli/args.h"
#include "../../cli/browser.h"
#include "../../cli/url.h"

static int
parse(struct cli_args *a, char *err, size_t n, int argc, ...)
{
	char	*argv[CHECK_ARGV_MAX];
	va_list	 ap;

	va_start(ap, argc);
	check_argv(argv, argc, ap);
	va_end(ap);
	return cli_parse_args(argc, argv, a, err, n);
}

static void
test_args(void)
{
	struct cli_args	 a;
	char		 err[256];

	CHECK(parse(&a, err, sizeof(err), 1, "airlock") == -1, "no command is a usage error");
	CHECK(parse(&a, err, sizeof(err), 2, "airlock", "--help") == 0 && a.cmd == CMD_HELP, "--help");
	CHECK(parse(&a, err, sizeof(err), 2, "airlock", "help") == 0 && a.cmd == CMD_HELP, "help");
	CHECK(parse(&a, err, sizeof(err), 3, "airlock", "--help", "x") == -1, "--help x rejected");
	CHECK(parse(&a, err, sizeof(err), 2, "airlock", "--version") == 0 && a.cmd == CMD_VERSION,
	    "--version");
	CHECK(parse(&a, err, sizeof(err), 2, "airlock", "login") == 0 && a.cmd == CMD_LOGIN &&
	    a.server == NULL, "login without --server");
	CHECK(parse(&a, err, sizeof(err), 4, "airlock", "login", "--server", "http://h:1") == 0 &&
	    a.server && strcmp(a.server, "http://h:1") == 0, "login --server URL");
	CHECK(parse(&a, err, sizeof(err), 3, "airlock", "login", "--server=https://x") == 0 &&
	    a.server && strcmp(a.server, "https://x") == 0, "login --server=URL");
	CHECK(parse(&a, err, sizeof(err), 3, "airlock", "login", "--server") == -1 &&
	    strstr(err, "--server needs a URL") != NULL, "login --server without URL");
	CHECK(parse(&a, err, sizeof(err), 3, "airlock", "login", "--server=") == -1,
	    "login --server= empty");
	CHECK(parse(&a, err, sizeof(err), 3, "airlock", "login", "--bogus") == -1 &&
	    strstr(err, "--bogus") != NULL, "login --bogus names the argument");
	CHECK(parse(&a, err, sizeof(err), 3, "airlock", "login", "-h") == 0 && a.cmd == CMD_HELP,
	    "login -h");
	CHECK(parse(&a, err, sizeof(err), 2, "airlock", "whoami") == 0 && a.cmd == CMD_WHOAMI, "whoami");
	CHECK(parse(&a, err, sizeof(err), 3, "airlock", "whoami", "x") == -1, "whoami x rejected");
	CHECK(parse(&a, err, sizeof(err), 2, "airlock", "logout") == 0 && a.cmd == CMD_LOGOUT, "logout");
	CHECK(parse(&a, err, sizeof(err), 3, "airlock", "logout", "--all") == -1, "logout --all rejected");
	CHECK(parse(&a, err, sizeof(err), 3, "airlock", "get", "/secured") == 0 && a.cmd == CMD_GET &&
	    strcmp(a.path, "/secured") == 0, "get /secured");
	CHECK(parse(&a, err, sizeof(err), 2, "airlock", "get") == -1, "get without PATH");
	CHECK(parse(&a, err, sizeof(err), 3, "airlock", "get", "secured") == -1, "get relative PATH");
	CHECK(parse(&a, err, sizeof(err), 4, "airlock", "get", "/a", "/b") == -1, "get two PATHs");
	CHECK(parse(&a, err, sizeof(err), 3, "airlock", "get", "https://h/x") == 0 &&
	    strcmp(a.path, "https://h/x") == 0 && a.ngateway == 0, "get URL");
	CHECK(parse(&a, err, sizeof(err), 6, "airlock", "get", "--gateway-host", "h:1",
	    "--gateway-host=g", "http://h:1/") == 0 && a.ngateway == 2 &&
	    strcmp(a.gateway[0], "h:1") == 0 && strcmp(a.gateway[1], "g") == 0,
	    "get --gateway-host HOST, --gateway-host=HOST");
	CHECK(parse(&a, err, sizeof(err), 4, "airlock", "get", "--gateway-host", "h") == -1,
	    "get --gateway-host without a URL");
	CHECK(parse(&a, err, sizeof(err), 5, "airlock", "get", "--gateway-host", "h", "/p") == -1,
	    "--gateway-host with a PATH");
	CHECK(parse(&a, err, sizeof(err), 3, "airlock", "get", "ftp://h/") == -1, "get ftp URL");
	CHECK(parse(&a, err, sizeof(err), 2, "airlock", "token") == 0 && a.cmd == CMD_TOKEN, "token");
	CHECK(parse(&a, err, sizeof(err), 3, "airlock", "token", "x") == -1, "token x rejected");
	CHECK(parse(&a, err, sizeof(err), 6, "airlock", "curl", "--gateway-host", "h", "-sS",
	    "https://h/") == 0 && a.cmd == CMD_CURL && a.ngateway == 1 && a.curl_argc == 2 &&
	    strcmp(a.curl_argv[0], "-sS") == 0, "curl: our options, then curl's");
	CHECK(parse(&a, err, sizeof(err), 5, "airlock", "curl", "--", "--gateway-host", "x") == 0 &&
	    a.ngateway == 0 && a.curl_argc == 2, "curl -- passes the rest on");
	CHECK(parse(&a, err, sizeof(err), 2, "airlock", "curl") == -1, "curl without arguments");
	CHECK(parse(&a, err, sizeof(err), 2, "airlock", "frobnicate") == -1 &&
	    strstr(err, "unknown command 'frobnicate'") != NULL, "unknown command named");
	CHECK(parse(&a, err, sizeof(err), 2, "airlock", "-x") == -1 &&
	    strstr(err, "unknown option") != NULL, "unknown option");
	CHECK(parse(&a, err, sizeof(err), 2, "airlock", "bad\033[2Jcmd") == -1 &&
	    strchr(err, '\033') == NULL, "control characters are not echoed");
}

static void
test_urls(void)
{
	char	 base[2048], err[256];

	CHECK(url_server_base("http://127.0.0.1:8000", 0, base, sizeof(base), err, sizeof(err)) == 0 &&
	    strcmp(base, "http://127.0.0.1:8000") == 0, "loopback http accepted");
	CHECK(url_server_base("http://127.0.0.1:8000/", 0, base, sizeof(base), err, sizeof(err)) == 0 &&
	    strcmp(base, "http://127.0.0.1:8000") == 0, "trailing slash dropped");
	CHECK(url_server_base("https://airlock.example/app//", 0, base, sizeof(base), err, sizeof(err)) == 0 &&
	    strcmp(base, "https://airlock.example/app") == 0, "https with prefix");
	CHECK(url_server_base("https://airlock.example:443", 0, base, sizeof(base), err, sizeof(err)) == 0 &&
	    strcmp(base, "https://airlock.example") == 0, "default port dropped");
	CHECK(url_server_base("http://localhost:9", 0, base, sizeof(base), err, sizeof(err)) == 0,
	    "localhost http accepted");
	CHECK(url_server_base("http://[::1]:9", 0, base, sizeof(base), err, sizeof(err)) == 0,
	    "[::1] http accepted");
	CHECK(url_server_base("http://example.com", 0, base, sizeof(base), err, sizeof(err)) == -1 &&
	    strstr(err, "plain http") != NULL, "remote http refused");
	CHECK(url_server_base("http://example.com", 1, base, sizeof(base), err, sizeof(err)) == 0,
	    "remote http with explicit opt-in");
	CHECK(url_server_base("http://127.0.0.2.evil.com", 0, base, sizeof(base), err, sizeof(err)) == -1,
	    "127.x prefix of a name is not loopback");
	CHECK(url_server_base("ftp://127.0.0.1", 0, base, sizeof(base), err, sizeof(err)) == -1, "ftp refused");
	CHECK(url_server_base("127.0.0.1:8000", 0, base, sizeof(base), err, sizeof(err)) == -1,
	    "scheme required");
	CHECK(url_server_base("https://u:p@h", 0, base, sizeof(base), err, sizeof(err)) == -1,
	    "user info refused");
	CHECK(url_server_base("https://h/?q=1", 0, base, sizeof(base), err, sizeof(err)) == -1,
	    "query refused");
	CHECK(url_server_base("https://h/#f", 0, base, sizeof(base), err, sizeof(err)) == -1,
	    "fragment refused");
	CHECK(url_server_base("https://h /x", 0, base, sizeof(base), err, sizeof(err)) == -1,
	    "space refused");
	CHECK(url_server_base("https://h\r\nX: y", 0, base, sizeof(base), err, sizeof(err)) == -1,
	    "CRLF refused");
	CHECK(url_server_base("", 0, base, sizeof(base), err, sizeof(err)) == -1, "empty refused");
	CHECK(url_path_ok("/secured"), "path /secured");
	CHECK(url_path_ok("/a?b=c&d=%20"), "path with query");
	CHECK(!url_path_ok("secured"), "relative path refused");
	CHECK(!url_path_ok("/a b"), "path with space refused");
	CHECK(!url_path_ok("/a\nb"), "path with newline refused");
	CHECK(!url_path_ok("/a#b"), "path with fragment refused");
	CHECK(url_browser_ok("http://127.0.0.1:8000/pair/abc"), "browser URL ok");
	CHECK(!url_browser_ok("javascript:alert(1)"), "javascript: refused");
	CHECK(!url_browser_ok("--new-window"), "option-like browser URL refused");
	CHECK(!url_browser_ok("file:///etc/passwd"), "file: refused");
}

static void
test_browser_argv(void)
{
	char	 buf[512], *argv[BROWSER_MAX_ARGS + 2];

	CHECK(browser_argv("firefox", "http://x/", buf, sizeof(buf), argv) == 0 &&
	    strcmp(argv[0], "firefox") == 0 && strcmp(argv[1], "http://x/") == 0 && argv[2] == NULL,
	    "BROWSER without %%s appends the URL");
	CHECK(browser_argv("  open -a  Safari ", "http://x/", buf, sizeof(buf), argv) == 0 &&
	    strcmp(argv[1], "-a") == 0 && strcmp(argv[2], "Safari") == 0 &&
	    strcmp(argv[3], "http://x/") == 0 && argv[4] == NULL, "words split on blanks");
	CHECK(browser_argv("b --url=%s --x", "http://x/", buf, sizeof(buf), argv) == 0 &&
	    strcmp(argv[1], "--url=http://x/") == 0 && strcmp(argv[2], "--x") == 0 && argv[3] == NULL,
	    "%%s replaced inside a word, URL not appended twice");
	CHECK(browser_argv("   ", "http://x/", buf, sizeof(buf), argv) == -1, "empty command refused");
	CHECK(browser_argv("a b c d e f g h i j k l m n o p q", "u", buf, sizeof(buf), argv) == -1,
	    "too many words refused");
	CHECK(browser_argv("browser", "http://x/", buf, 12, argv) == -1, "small buffer refused");
}

int
main(void)
{
	test_args();
	test_urls();
	test_browser_argv();
	return CHECK_DONE();
}
