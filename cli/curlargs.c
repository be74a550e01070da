/* curl's options as curl 7.88 lists them (curl --help all): name, short letter,
 * whether a value follows, and why airlock refuses it (NULL: passed on).  An
 * option missing here is refused: airlock must know where the URLs are. */
#include "curlargs.h"

#include <stdio.h>
#include <string.h>

struct curlopt {
	const char	*name;
	char		 letter;
	int		 value;
	const char	*refused;
};

static const struct curlopt opts[] = {
	{ "abstract-unix-socket", 0, 1, ": connects to a local socket instead of the URL's host" },
	{ "alt-svc", 0, 1, ": may move the connection to another host" },
	{ "anyauth", 0, 0, NULL },
	{ "append", 'a', 0, NULL },
	{ "aws-sigv4", 0, 1, NULL },
	{ "basic", 0, 0, NULL },
	{ "cacert", 0, 1, NULL },
	{ "capath", 0, 1, NULL },
	{ "cert", 'E', 1, NULL },
	{ "cert-status", 0, 0, NULL },
	{ "cert-type", 0, 1, NULL },
	{ "ciphers", 0, 1, NULL },
	{ "compressed", 0, 0, NULL },
	{ "compressed-ssh", 0, 0, NULL },
	{ "config", 'K', 1, ": a config file may name other URLs or options" },
	{ "connect-timeout", 0, 1, NULL },
	{ "connect-to", 0, 1, ": moves the connection to another host" },
	{ "continue-at", 'C', 1, NULL },
	{ "cookie", 'b', 1, NULL },
	{ "cookie-jar", 'c', 1, NULL },
	{ "create-dirs", 0, 0, NULL },
	{ "create-file-mode", 0, 1, NULL },
	{ "crlf", 0, 0, NULL },
	{ "crlfile", 0, 1, NULL },
	{ "curves", 0, 1, NULL },
	{ "data", 'd', 1, NULL },
	{ "data-ascii", 0, 1, NULL },
	{ "data-binary", 0, 1, NULL },
	{ "data-raw", 0, 1, NULL },
	{ "data-urlencode", 0, 1, NULL },
	{ "delegation", 0, 1, NULL },
	{ "digest", 0, 0, NULL },
	{ "disable", 'q', 0, NULL },
	{ "disable-eprt", 0, 0, NULL },
	{ "disable-epsv", 0, 0, NULL },
	{ "disallow-username-in-url", 0, 0, NULL },
	{ "dns-interface", 0, 1, NULL },
	{ "dns-ipv4-addr", 0, 1, NULL },
	{ "dns-ipv6-addr", 0, 1, NULL },
	{ "dns-servers", 0, 1, NULL },
	{ "doh-cert-status", 0, 0, NULL },
	{ "doh-insecure", 0, 0, NULL },
	{ "doh-url", 0, 1, NULL },
	{ "dump-header", 'D', 1, NULL },
	{ "egd-file", 0, 1, NULL },
	{ "engine", 0, 1, NULL },
	{ "etag-compare", 0, 1, NULL },
	{ "etag-save", 0, 1, NULL },
	{ "expect100-timeout", 0, 1, NULL },
	{ "fail", 'f', 0, NULL },
	{ "fail-early", 0, 0, NULL },
	{ "fail-with-body", 0, 0, NULL },
	{ "false-start", 0, 0, NULL },
	{ "form", 'F', 1, NULL },
	{ "form-escape", 0, 0, NULL },
	{ "form-string", 0, 1, NULL },
	{ "ftp-account", 0, 1, NULL },
	{ "ftp-alternative-to-user", 0, 1, NULL },
	{ "ftp-create-dirs", 0, 0, NULL },
	{ "ftp-method", 0, 1, NULL },
	{ "ftp-pasv", 0, 0, NULL },
	{ "ftp-port", 'P', 1, NULL },
	{ "ftp-pret", 0, 0, NULL },
	{ "ftp-skip-pasv-ip", 0, 0, NULL },
	{ "ftp-ssl-ccc", 0, 0, NULL },
	{ "ftp-ssl-ccc-mode", 0, 1, NULL },
	{ "ftp-ssl-control", 0, 0, NULL },
	{ "get", 'G', 0, NULL },
	{ "globoff", 'g', 0, NULL },
	{ "happy-eyeballs-timeout-ms", 0, 1, NULL },
	{ "haproxy-protocol", 0, 0, NULL },
	{ "head", 'I', 0, NULL },
	{ "header", 'H', 1, NULL },
	{ "help", 'h', 1, ": not a transfer" },
	{ "hostpubmd5", 0, 1, NULL },
	{ "hostpubsha256", 0, 1, NULL },
	{ "hsts", 0, 1, NULL },
	{ "http0.9", 0, 0, NULL },
	{ "http1.0", '0', 0, NULL },
	{ "http1.1", 0, 0, NULL },
	{ "http2", 0, 0, NULL },
	{ "http2-prior-knowledge", 0, 0, NULL },
	{ "http3", 0, 0, NULL },
	{ "http3-only", 0, 0, NULL },
	{ "ignore-content-length", 0, 0, NULL },
	{ "include", 'i', 0, NULL },
	{ "insecure", 'k', 0, ": without certificate checks anyone could take the token" },
	{ "interface", 0, 1, NULL },
	{ "ipv4", '4', 0, NULL },
	{ "ipv6", '6', 0, NULL },
	{ "json", 0, 1, NULL },
	{ "junk-session-cookies", 'j', 0, NULL },
	{ "keepalive-time", 0, 1, NULL },
	{ "key", 0, 1, NULL },
	{ "key-type", 0, 1, NULL },
	{ "krb", 0, 1, NULL },
	{ "libcurl", 0, 1, NULL },
	{ "limit-rate", 0, 1, NULL },
	{ "list-only", 'l', 0, NULL },
	{ "local-port", 0, 1, NULL },
	{ "location", 'L', 0, NULL },
	{ "location-trusted", 0, 0, ": sends the token on to other hosts" },
	{ "login-options", 0, 1, NULL },
	{ "mail-auth", 0, 1, NULL },
	{ "mail-from", 0, 1, NULL },
	{ "mail-rcpt", 0, 1, NULL },
	{ "mail-rcpt-allowfails", 0, 0, NULL },
	{ "manual", 'M', 0, ": not a transfer" },
	{ "max-filesize", 0, 1, NULL },
	{ "max-redirs", 0, 1, NULL },
	{ "max-time", 'm', 1, NULL },
	{ "metalink", 0, 0, NULL },
	{ "negotiate", 0, 0, NULL },
	{ "netrc", 'n', 0, NULL },
	{ "netrc-file", 0, 1, NULL },
	{ "netrc-optional", 0, 0, NULL },
	{ "next", ':', 0, ": one transfer only" },
	{ "no-alpn", 0, 0, NULL },
	{ "no-buffer", 'N', 0, NULL },
	{ "no-clobber", 0, 0, NULL },
	{ "no-keepalive", 0, 0, NULL },
	{ "no-npn", 0, 0, NULL },
	{ "no-progress-meter", 0, 0, NULL },
	{ "no-sessionid", 0, 0, NULL },
	{ "noproxy", 0, 1, ": airlock sets the proxy rules" },
	{ "ntlm", 0, 0, NULL },
	{ "ntlm-wb", 0, 0, NULL },
	{ "oauth2-bearer", 0, 1, NULL },
	{ "output", 'o', 1, NULL },
	{ "output-dir", 0, 1, NULL },
	{ "parallel", 'Z', 0, NULL },
	{ "parallel-immediate", 0, 0, NULL },
	{ "parallel-max", 0, 1, NULL },
	{ "pass", 0, 1, NULL },
	{ "path-as-is", 0, 0, NULL },
	{ "pinnedpubkey", 0, 1, NULL },
	{ "post301", 0, 0, NULL },
	{ "post302", 0, 0, NULL },
	{ "post303", 0, 0, NULL },
	{ "preproxy", 0, 1, ": a proxy may see the token" },
	{ "progress-bar", '#', 0, NULL },
	{ "proto", 0, 1, NULL },
	{ "proto-default", 0, 1, NULL },
	{ "proto-redir", 0, 1, NULL },
	{ "proxy", 'x', 1, ": a proxy may see the token" },
	{ "proxy-anyauth", 0, 0, NULL },
	{ "proxy-basic", 0, 0, NULL },
	{ "proxy-cacert", 0, 1, NULL },
	{ "proxy-capath", 0, 1, NULL },
	{ "proxy-cert", 0, 1, NULL },
	{ "proxy-cert-type", 0, 1, NULL },
	{ "proxy-ciphers", 0, 1, NULL },
	{ "proxy-crlfile", 0, 1, NULL },
	{ "proxy-digest", 0, 0, NULL },
	{ "proxy-header", 0, 1, NULL },
	{ "proxy-insecure", 0, 0, NULL },
	{ "proxy-key", 0, 1, NULL },
	{ "proxy-key-type", 0, 1, NULL },
	{ "proxy-negotiate", 0, 0, NULL },
	{ "proxy-ntlm", 0, 0, NULL },
	{ "proxy-pass", 0, 1, NULL },
	{ "proxy-pinnedpubkey", 0, 1, NULL },
	{ "proxy-service-name", 0, 1, NULL },
	{ "proxy-ssl-allow-beast", 0, 0, NULL },
	{ "proxy-ssl-auto-client-cert", 0, 0, NULL },
	{ "proxy-tls13-ciphers", 0, 1, NULL },
	{ "proxy-tlsauthtype", 0, 1, NULL },
	{ "proxy-tlspassword", 0, 1, NULL },
	{ "proxy-tlsuser", 0, 1, NULL },
	{ "proxy-tlsv1", 0, 0, NULL },
	{ "proxy-user", 'U', 1, NULL },
	{ "proxy1.0", 0, 1, ": a proxy may see the token" },
	{ "proxytunnel", 'p', 0, NULL },
	{ "pubkey", 0, 1, NULL },
	{ "quote", 'Q', 1, NULL },
	{ "random-file", 0, 1, NULL },
	{ "range", 'r', 1, NULL },
	{ "rate", 0, 1, NULL },
	{ "raw", 0, 0, NULL },
	{ "referer", 'e', 1, NULL },
	{ "remote-header-name", 'J', 0, NULL },
	{ "remote-name", 'O', 0, NULL },
	{ "remote-name-all", 0, 0, NULL },
	{ "remote-time", 'R', 0, NULL },
	{ "remove-on-error", 0, 0, NULL },
	{ "request", 'X', 1, NULL },
	{ "request-target", 0, 1, NULL },
	{ "resolve", 0, 1, ": moves the connection to another address" },
	{ "retry", 0, 1, NULL },
	{ "retry-all-errors", 0, 0, NULL },
	{ "retry-connrefused", 0, 0, NULL },
	{ "retry-delay", 0, 1, NULL },
	{ "retry-max-time", 0, 1, NULL },
	{ "sasl-authzid", 0, 1, NULL },
	{ "sasl-ir", 0, 0, NULL },
	{ "service-name", 0, 1, NULL },
	{ "show-error", 'S', 0, NULL },
	{ "silent", 's', 0, NULL },
	{ "socks4", 0, 1, ": a proxy may see the token" },
	{ "socks4a", 0, 1, ": a proxy may see the token" },
	{ "socks5", 0, 1, ": a proxy may see the token" },
	{ "socks5-basic", 0, 0, NULL },
	{ "socks5-gssapi", 0, 0, NULL },
	{ "socks5-gssapi-nec", 0, 0, NULL },
	{ "socks5-gssapi-service", 0, 1, NULL },
	{ "socks5-hostname", 0, 1, ": a proxy may see the token" },
	{ "speed-limit", 'Y', 1, NULL },
	{ "speed-time", 'y', 1, NULL },
	{ "ssl", 0, 0, NULL },
	{ "ssl-allow-beast", 0, 0, NULL },
	{ "ssl-auto-client-cert", 0, 0, NULL },
	{ "ssl-no-revoke", 0, 0, NULL },
	{ "ssl-reqd", 0, 0, NULL },
	{ "ssl-revoke-best-effort", 0, 0, NULL },
	{ "sslv2", '2', 0, NULL },
	{ "sslv3", '3', 0, NULL },
	{ "stderr", 0, 1, NULL },
	{ "styled-output", 0, 0, NULL },
	{ "suppress-connect-headers", 0, 0, NULL },
	{ "tcp-fastopen", 0, 0, NULL },
	{ "tcp-nodelay", 0, 0, NULL },
	{ "telnet-option", 't', 1, NULL },
	{ "tftp-blksize", 0, 1, NULL },
	{ "tftp-no-options", 0, 0, NULL },
	{ "time-cond", 'z', 1, NULL },
	{ "tls-max", 0, 1, NULL },
	{ "tls13-ciphers", 0, 1, NULL },
	{ "tlsauthtype", 0, 1, NULL },
	{ "tlspassword", 0, 1, NULL },
	{ "tlsuser", 0, 1, NULL },
	{ "tlsv1", '1', 0, NULL },
	{ "tlsv1.0", 0, 0, NULL },
	{ "tlsv1.1", 0, 0, NULL },
	{ "tlsv1.2", 0, 0, NULL },
	{ "tlsv1.3", 0, 0, NULL },
	{ "tr-encoding", 0, 0, NULL },
	{ "trace", 0, 1, NULL },
	{ "trace-ascii", 0, 1, NULL },
	{ "trace-time", 0, 0, NULL },
	{ "unix-socket", 0, 1, ": connects to a local socket instead of the URL's host" },
	{ "upload-file", 'T', 1, NULL },
	{ "url", 0, 1, NULL },
	{ "url-query", 0, 1, NULL },
	{ "use-ascii", 'B', 0, NULL },
	{ "user", 'u', 1, NULL },
	{ "user-agent", 'A', 1, NULL },
	{ "verbose", 'v', 0, NULL },
	{ "version", 'V', 0, ": not a transfer" },
	{ "write-out", 'w', 1, NULL },
	{ "xattr", 0, 0, NULL },
};

#define NOPTS	(sizeof(opts) / sizeof(opts[0]))

static const struct curlopt *
by_name(const char *name)
{
	size_t	 i;

	for (i = 0; i < NOPTS; i++)
		if (strcmp(opts[i].name, name) == 0)
			return &opts[i];
	return NULL;
}

static const struct curlopt *
by_letter(char l)
{
	size_t	 i;

	for (i = 0; i < NOPTS; i++)
		if (opts[i].letter == l)
			return &opts[i];
	return NULL;
}

/* "PRE ARG POST" into err: -1. */
static int
refuse(char *err, size_t errlen, const char *pre, const char *arg, const char *post)
{
	snprintf(err, errlen, "%s%.64s%s", pre, arg, post);
	return -1;
}

/* "--NAME", or "--no-NAME" for a boolean NAME (*negated set): the option, or
 * NULL with err set. */
static const struct curlopt *
long_opt(const char *arg, int *negated, char *err, size_t errlen)
{
	const char	*name = arg + 2;
	const struct curlopt *o;

	*negated = 0;
	if ((o = by_name(name)) == NULL && strncmp(name, "no-", 3) == 0 &&
	    (o = by_name(name + 3)) != NULL) {
		*negated = 1;
		if (o->value)
			o = NULL;	/* only booleans have a --no- form */
	}
	if (o == NULL) {
		refuse(err, errlen, "unknown curl option ", arg,
		    strcmp(name, "gateway-host") == 0 ?
		    " (airlock's --gateway-host goes before curl's arguments)" :
		    " (spell long options out in full)");
		return NULL;
	}
	if (o->refused || (*negated && strcmp(o->name, "globoff") == 0)) {
		refuse(err, errlen, "refused curl option ", arg, o->refused ? o->refused :
		    ": airlock turns URL globbing off");
		return NULL;
	}
	return o;
}

/* A cluster of short options ("-sSL", "-ofile", "-H" VALUE): index of its last argument. */
static int
short_opts(int argc, char *const argv[], int i, struct curlargs *c, char *err, size_t errlen)
{
	const struct curlopt *o;
	const char	*a = argv[i];
	char		 l[3] = "-?";
	size_t		 k;

	if (a[1] == '\0')
		return refuse(err, errlen, "curl argument ", a, " is not an option");
	for (k = 1; a[k] != '\0'; k++) {
		l[1] = a[k];
		if ((o = by_letter(a[k])) == NULL)
			return refuse(err, errlen, "unknown curl option ", l, "");
		if (o->refused)
			return refuse(err, errlen, "refused curl option ", l, o->refused);
		if (o->letter == 'L')
			c->location = 1;
		if (!o->value)
			continue;
		if (a[k + 1] != '\0')
			return i;	/* "-ofile": the rest is the value */
		if (i + 1 >= argc)
			return refuse(err, errlen, "curl option ", l, " needs a value");
		return i + 1;
	}
	return i;
}

int
curlargs_scan(int argc, char *const argv[], struct curlargs *c, char *err, size_t errlen)
{
	const struct curlopt *o;
	int	 i, negated, options = 1;

	memset(c, 0, sizeof(*c));
	if (argc < 0 || argc > CURLARGS_MAX)
		return refuse(err, errlen, "too many curl arguments", "", "");
	for (i = 0; i < argc; i++) {
		if (options && strcmp(argv[i], "--") == 0) {
			options = 0;
		} else if (options && strncmp(argv[i], "--", 2) == 0) {
			if ((o = long_opt(argv[i], &negated, err, errlen)) == NULL)
				return -1;
			if (strcmp(o->name, "location") == 0)
				c->location = !negated;
			if (!o->value)
				continue;
			if (++i >= argc)
				return refuse(err, errlen, "curl option ", argv[i - 1], " needs a value");
			if (strcmp(o->name, "url") == 0) {
				c->is_url[i] = 1;
				c->nurls++;
			}
		} else if (options && argv[i][0] == '-') {
			if ((i = short_opts(argc, argv, i, c, err, errlen)) == -1)
				return -1;
		} else {
			c->is_url[i] = 1;
			c->nurls++;
		}
	}
	return 0;
}
