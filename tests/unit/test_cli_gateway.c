/* Unit tests: where the CLI may send its session token (gateway.c, url.c's
 * url_origin_of) and which of curl's arguments are URLs (curlargs.c). */
#include <stdarg.h>
#include <string.h>

#include "check.h"
#include "../../cli/curlargs.h"
#include "../../cli/gateway.h"

static struct gw_hosts g;

static int
ok(const char *server, const char *url, int allow_http)
{
	char	 canon[2048], err[512];

	return gw_url_check(url, server, &g, allow_http, canon, sizeof(canon),
	    err, sizeof(err)) == 0;
}

static void
test_origin(void)
{
	struct url_origin o;
	char	 canon[256];

	CHECK(url_origin_of("HTTPS://Api.Example.COM/x?y=1#f", &o, canon, sizeof(canon)) == 0 &&
	    strcmp(o.scheme, "https") == 0 && strcmp(o.host, "api.example.com") == 0 &&
	    o.port == 443 && !o.userinfo, "scheme and host lowercased, default port 443");
	CHECK(url_origin_of("http://[::1]:8080/", &o, NULL, 0) == 0 &&
	    strcmp(o.host, "[::1]") == 0 && o.port == 8080, "IPv6 literal with port");
	CHECK(url_origin_of("http://u:p@h/", &o, NULL, 0) == 0 && o.userinfo, "user info seen");
	CHECK(url_origin_of("example.com/x", &o, NULL, 0) == -1, "no scheme: refused");
	CHECK(url_origin_of("ftp://h/", &o, NULL, 0) == -1, "ftp: refused");
	CHECK(url_origin_of("https://h%2eevil/", &o, NULL, 0) == 0 && strcmp(o.host, "h.evil") == 0,
	    "percent in host: decoded as libcurl connects");
	CHECK(url_origin_of("https://h%0a.x/", &o, NULL, 0) == -1, "encoded control byte in host");
	CHECK(url_origin_of("https://[fe80::1%25eth0]/", &o, NULL, 0) == -1, "zone id: refused");
	CHECK(url_origin_of("https://h /", &o, NULL, 0) == -1, "space: refused");
	CHECK(url_origin_of("https://h:99999/", &o, NULL, 0) == -1, "port out of range");
}

static void
test_check(void)
{
	char	 err[256];
	const char *srv = "https://airlock.example.com/prefix";

	memset(&g, 0, sizeof(g));
	CHECK(ok(srv, "https://airlock.example.com/auth", 0), "the server's origin");
	CHECK(ok(srv, "https://AIRLOCK.example.com:443/other/path?q", 0),
	    "the server's origin, any path, explicit default port");
	CHECK(!ok(srv, "http://airlock.example.com/", 1), "the server's host over http: refused");
	CHECK(!ok(srv, "https://airlock.example.com:8443/", 0), "another port: refused");
	CHECK(!ok(srv, "https://evil.example.com/", 0), "another host: refused");
	CHECK(!ok(srv, "https://airlock.example.com.evil.net/", 0), "suffix trick: refused");
	CHECK(!ok(srv, "https://evil.net\\@airlock.example.com/", 0), "backslash trick: refused");
	CHECK(!ok(srv, "https://user@airlock.example.com/", 0), "user info: refused");
	CHECK(ok(srv, "https://airlock.example.com", 0), "origin without path");

	CHECK(gw_hosts_add(&g, "app.example.com", err, sizeof(err)) == 0, "add HOST");
	CHECK(gw_hosts_add(&g, "api.example.com:8443", err, sizeof(err)) == 0, "add HOST:PORT");
	CHECK(gw_hosts_add_list(&g, " a.example.com,[::1]:9000 ,", err, sizeof(err)) == 0 &&
	    g.n == 4, "add a list");
	CHECK(ok(srv, "https://app.example.com/x", 0), "listed host on 443");
	CHECK(!ok(srv, "https://app.example.com:8443/x", 0), "listed host, other port: refused");
	CHECK(!ok(srv, "http://app.example.com/x", 0), "listed host over http: refused");
	CHECK(!ok(srv, "http://app.example.com/x", 1),
	    "listed host over http, https server, AIRLOCK_ALLOW_HTTP: refused");
	CHECK(ok(srv, "https://api.example.com:8443/", 0), "listed HOST:PORT");
	CHECK(!ok(srv, "https://api.example.com/", 0), "listed HOST:PORT, default port: refused");
	CHECK(!ok(srv, "https://sub.app.example.com/", 0), "no wildcard subdomains");
	CHECK(ok(srv, "https://[::1]:9000/", 0), "listed IPv6 with port");

	memset(&g, 0, sizeof(g));
	gw_hosts_add(&g, "127.0.0.1:9000", err, sizeof(err));
	gw_hosts_add(&g, "gw.example.com:9001", err, sizeof(err));
	CHECK(ok("http://127.0.0.1:8000", "http://127.0.0.1:9000/", 0),
	    "plain http server on loopback: listed loopback http host");
	CHECK(!ok("http://127.0.0.1:8000", "http://gw.example.com:9001/", 0),
	    "plain http server on loopback: listed remote http host refused");
	CHECK(ok("http://127.0.0.1:8000", "http://gw.example.com:9001/", 1),
	    "... allowed with AIRLOCK_ALLOW_HTTP");
	CHECK(!ok("http://127.0.0.1:8000", "http://localhost:8000/", 0),
	    "localhost is not 127.0.0.1 (exact origins)");

	CHECK(gw_hosts_add(&g, "", err, sizeof(err)) == -1, "empty host refused");
	CHECK(gw_hosts_add(&g, "h/x", err, sizeof(err)) == -1, "host with a path refused");
	CHECK(gw_hosts_add(&g, "u@h", err, sizeof(err)) == -1, "host with user info refused");
	CHECK(gw_hosts_add(&g, "https://h", err, sizeof(err)) == -1, "a URL is not a host");
	CHECK(gw_hosts_add(&g, "*.example.com", err, sizeof(err)) == -1, "wildcard refused");
	CHECK(gw_looks_like_url("HTTPS://x") && gw_looks_like_url("http://x") &&
	    !gw_looks_like_url("ftp://x") && !gw_looks_like_url("x"), "looks like a URL");
}

static int
scan(struct curlargs *c, char *err, size_t n, int argc, ...)
{
	char	*argv[CHECK_ARGV_MAX];
	va_list	 ap;

	va_start(ap, argc);
	check_argv(argv, argc, ap);
	va_end(ap);
	return curlargs_scan(argc, argv, c, err, n);
}

static void
test_curlargs(void)
{
	struct curlargs	 c;
	char		 err[256];

	CHECK(scan(&c, err, sizeof(err), 1, "https://h/") == 0 && c.nurls == 1 && c.is_url[0],
	    "a bare URL");
	CHECK(scan(&c, err, sizeof(err), 4, "-sS", "-o", "out", "https://h/") == 0 &&
	    c.nurls == 1 && c.is_url[3] && !c.is_url[2], "option values are not URLs");
	CHECK(scan(&c, err, sizeof(err), 3, "-ofile", "evil.example", "-s") == 0 &&
	    c.nurls == 1 && c.is_url[1], "-oVALUE attached; the next operand is a URL");
	CHECK(scan(&c, err, sizeof(err), 3, "-sH", "X: y", "h2") == 0 && c.is_url[2] &&
	    !c.is_url[1], "value of the last letter of a cluster");
	CHECK(scan(&c, err, sizeof(err), 2, "--url", "evil.example") == 0 && c.is_url[1],
	    "--url VALUE is a URL");
	CHECK(scan(&c, err, sizeof(err), 3, "--", "-not-an-option", "x") == 0 &&
	    c.nurls == 2 && c.is_url[1], "after -- everything is a URL");
	CHECK(scan(&c, err, sizeof(err), 2, "-L", "u") == 0 && c.location, "-L seen");
	CHECK(scan(&c, err, sizeof(err), 3, "-sL", "--no-location", "u") == 0 && !c.location,
	    "--no-location undoes -L");
	CHECK(scan(&c, err, sizeof(err), 2, "--no-buffer", "u") == 0, "--no-buffer is an option");
	CHECK(scan(&c, err, sizeof(err), 2, "-k", "u") == -1 && strstr(err, "-k"), "-k refused");
	CHECK(scan(&c, err, sizeof(err), 2, "-sSk", "u") == -1, "-k in a cluster refused");
	CHECK(scan(&c, err, sizeof(err), 2, "--insecure", "u") == -1, "--insecure refused");
	CHECK(scan(&c, err, sizeof(err), 3, "-K", "f", "u") == -1, "-K refused");
	CHECK(scan(&c, err, sizeof(err), 3, "-x", "p:1", "u") == -1, "-x refused");
	CHECK(scan(&c, err, sizeof(err), 3, "--connect-to", "a", "u") == -1, "--connect-to refused");
	CHECK(scan(&c, err, sizeof(err), 3, "--resolve", "a", "u") == -1, "--resolve refused");
	CHECK(scan(&c, err, sizeof(err), 3, "--unix-socket", "s", "u") == -1, "--unix-socket refused");
	CHECK(scan(&c, err, sizeof(err), 2, "--location-trusted", "u") == -1,
	    "--location-trusted refused");
	CHECK(scan(&c, err, sizeof(err), 3, "u", "--next", "v") == -1, "--next refused");
	CHECK(scan(&c, err, sizeof(err), 3, "u", "-:", "v") == -1, "-: refused");
	CHECK(scan(&c, err, sizeof(err), 2, "--no-globoff", "u") == -1, "--no-globoff refused");
	CHECK(scan(&c, err, sizeof(err), 3, "--noproxy", "*", "u") == -1, "--noproxy refused");
	CHECK(scan(&c, err, sizeof(err), 2, "--location-t", "u") == -1 && strstr(err, "unknown"),
	    "abbreviated long option refused");
	CHECK(scan(&c, err, sizeof(err), 2, "--data=x", "u") == -1, "--opt=value refused");
	CHECK(scan(&c, err, sizeof(err), 2, "--no-data", "u") == -1, "--no- of a valued option");
	CHECK(scan(&c, err, sizeof(err), 2, "-@", "u") == -1, "unknown letter refused");
	CHECK(scan(&c, err, sizeof(err), 2, "-", "u") == -1, "a lone - refused");
	CHECK(scan(&c, err, sizeof(err), 2, "u", "-o") == -1 && strstr(err, "needs a value"),
	    "missing value refused");
}

int
main(void)
{
	test_origin();
	test_check();
	test_curlargs();
	return CHECK_DONE();
}
