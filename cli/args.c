/* Parsing of the command line: no getopt, the grammar is small and strict. */
#include "args.h"
#include "cli.h"
#include "gateway.h"

#include <stdio.h>
#include <string.h>

static const char usage_text[] =
"usage: airlock COMMAND [ARGS]\n"
"\n"
"Log this command line in to an airlock server through your browser.\n"
"\n"
"commands:\n"
"  login [--server URL]  pair with the server: prints a URL and a code to approve\n"
"                        in the browser, then saves the session\n"
"  whoami                print the user id of the saved session\n"
"  get PATH              authenticated GET of PATH (e.g. /secured), body to stdout\n"
"  get [--gateway-host HOST[:PORT]]... URL\n"
"                        GET of URL with the session as a bearer token, body to stdout\n"
"  curl [--gateway-host HOST[:PORT]]... [--] CURL-ARGS...\n"
"                        runs curl with the session as a bearer token\n"
"  token                 print the saved session token (a bearer token)\n"
"  logout                revoke the saved session on the server and forget it\n"
"  help, --help          this text\n"
"  --version             the version\n"
"\n"
"The session is kept in $XDG_CONFIG_HOME/airlock/session (default\n"
"~/.config/airlock/session), mode 0600. The server is --server, else\n"
"$AIRLOCK_SERVER, else the saved session's, else " CLI_DEFAULT_SERVER ".\n"
"Plain http is only used for loopback servers unless AIRLOCK_ALLOW_HTTP=1;\n"
"AIRLOCK_CA_FILE names extra trusted certificates for https.\n"
"The token is only sent to the server's origin and to gateway hosts named with\n"
"--gateway-host or $AIRLOCK_GATEWAY_HOSTS (comma-separated HOST[:PORT]).\n"
"\n"
"exit status: 0 ok, 1 failed, 2 usage error\n";

void
cli_usage(void)
{
	fputs(usage_text, stdout);
}

static int
is_help(const char *s)
{
	return strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0 || strcmp(s, "help") == 0;
}

static int
usage_err(char *err, size_t errlen, const char *what, const char *arg)
{
	char	 shown[64];
	size_t	 i;

	/* Echo at most a short, printable piece of the offending argument. */
	for (i = 0; arg && arg[i] && i < sizeof(shown) - 1; i++)
		shown[i] = (arg[i] < 0x20 || arg[i] == 0x7f) ? '?' : arg[i];
	shown[i] = '\0';
	if (arg)
		snprintf(err, errlen, "%s '%s' (see airlock --help)", what, shown);
	else
		snprintf(err, errlen, "%s (see airlock --help)", what);
	return -1;
}

static int
parse_login(int argc, char *const argv[], struct cli_args *a, char *err, size_t errlen)
{
	int	 i;

	for (i = 2; i < argc; i++) {
		if (is_help(argv[i])) {
			a->cmd = CMD_HELP;
			return 0;
		} else if (strcmp(argv[i], "--server") == 0) {
			if (i + 1 >= argc)
				return usage_err(err, errlen, "--server needs a URL", NULL);
			a->server = argv[++i];
		} else if (strncmp(argv[i], "--server=", 9) == 0) {
			a->server = argv[i] + 9;
		} else
			return usage_err(err, errlen, "login: unexpected argument", argv[i]);
		if (a->server[0] == '\0')
			return usage_err(err, errlen, "--server needs a URL", NULL);
	}
	return 0;
}

static int
parse_no_operands(int argc, char *const argv[], struct cli_args *a, char *err, size_t errlen)
{
	if (argc == 2)
		return 0;
	if (argc == 3 && is_help(argv[2])) {
		a->cmd = CMD_HELP;
		return 0;
	}
	return usage_err(err, errlen, "unexpected argument", argv[2]);
}

/* "--gateway-host HOST" or "--gateway-host=HOST" at argv[*i]: 1 taken, 0 not
 * that option, -1 usage error. */
static int
gateway_opt(int argc, char *const argv[], int *i, struct cli_args *a, char *err, size_t errlen)
{
	const char	*v;

	if (strcmp(argv[*i], "--gateway-host") == 0) {
		if (*i + 1 >= argc)
			return usage_err(err, errlen, "--gateway-host needs a HOST", NULL);
		v = argv[++*i];
	} else if (strncmp(argv[*i], "--gateway-host=", 15) == 0)
		v = argv[*i] + 15;
	else
		return 0;
	if (v[0] == '\0')
		return usage_err(err, errlen, "--gateway-host needs a HOST", NULL);
	if (a->ngateway >= ARGS_MAX_GATEWAY)
		return usage_err(err, errlen, "too many --gateway-host options", NULL);
	a->gateway[a->ngateway++] = v;
	return 1;
}

static int
parse_get(int argc, char *const argv[], struct cli_args *a, char *err, size_t errlen)
{
	int	 i, rc;

	if (argc == 3 && is_help(argv[2])) {
		a->cmd = CMD_HELP;
		return 0;
	}
	for (i = 2; i < argc; i++) {
		if ((rc = gateway_opt(argc, argv, &i, a, err, errlen)) == -1)
			return -1;
		if (rc == 1)
			continue;
		if (a->path != NULL)
			return usage_err(err, errlen, "get: unexpected argument", argv[i]);
		if (argv[i][0] != '/' && !gw_looks_like_url(argv[i]))
			return usage_err(err, errlen,
			    "get: want a PATH starting with '/' or an http(s) URL, not", argv[i]);
		a->path = argv[i];
	}
	if (a->path == NULL)
		return usage_err(err, errlen, "get needs a PATH or URL", NULL);
	if (a->path[0] == '/' && a->ngateway > 0)
		return usage_err(err, errlen, "get: --gateway-host goes with a URL, not a PATH", NULL);
	return 0;
}

/* curl [--gateway-host HOST]... [--] ARGS: everything else is curl's. */
static int
parse_curl(int argc, char *const argv[], struct cli_args *a, char *err, size_t errlen)
{
	int	 i, rc;

	if (argc == 3 && is_help(argv[2])) {
		a->cmd = CMD_HELP;
		return 0;
	}
	for (i = 2; i < argc; i++) {
		if ((rc = gateway_opt(argc, argv, &i, a, err, errlen)) == -1)
			return -1;
		if (rc == 0)
			break;
	}
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	if (i >= argc)
		return usage_err(err, errlen, "curl needs curl's arguments (at least a URL)", NULL);
	a->curl_argc = argc - i;
	a->curl_argv = argv + i;
	return 0;
}

/* "help" and "--version" take no operand at all. */
static int
parse_alone(int argc, char *const argv[], struct cli_args *a, char *err, size_t errlen)
{
	return argc == 2 ? 0 : usage_err(err, errlen, "unexpected argument", argv[2]);
}

static const struct {
	const char	*name;
	enum cli_cmd	 cmd;
	int		(*parse)(int, char *const [], struct cli_args *, char *, size_t);
} commands[] = {
	{ "help", CMD_HELP, parse_alone },
	{ "-h", CMD_HELP, parse_alone },
	{ "--help", CMD_HELP, parse_alone },
	{ "--version", CMD_VERSION, parse_alone },
	{ "login", CMD_LOGIN, parse_login },
	{ "whoami", CMD_WHOAMI, parse_no_operands },
	{ "logout", CMD_LOGOUT, parse_no_operands },
	{ "get", CMD_GET, parse_get },
	{ "token", CMD_TOKEN, parse_no_operands },
	{ "curl", CMD_CURL, parse_curl },
};

int
cli_parse_args(int argc, char *const argv[], struct cli_args *a, char *err, size_t errlen)
{
	const char	*cmd;
	size_t		 i;

	memset(a, 0, sizeof(*a));
	if (errlen > 0)
		err[0] = '\0';
	if (argc < 2 || argv[1] == NULL)
		return usage_err(err, errlen, "missing command", NULL);
	cmd = argv[1];
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(cmd, commands[i].name) == 0) {
			a->cmd = commands[i].cmd;
			return commands[i].parse(argc, argv, a, err, errlen);
		}
	if (cmd[0] == '-')
		return usage_err(err, errlen, "unknown option", cmd);
	return usage_err(err, errlen, "unknown command", cmd);
}
