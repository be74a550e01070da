/* Parsing of the command line: no getopt, the grammar is small and strict. */
#include "args.h"
#include "cli.h"

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
"  logout                revoke the saved session on the server and forget it\n"
"  help, --help          this text\n"
"  --version             the version\n"
"\n"
"The session is kept in $XDG_CONFIG_HOME/airlock/session (default\n"
"~/.config/airlock/session), mode 0600. The server is --server, else\n"
"$AIRLOCK_SERVER, else the saved session's, else " CLI_DEFAULT_SERVER ".\n"
"Plain http is only used for loopback servers unless AIRLOCK_ALLOW_HTTP=1;\n"
"AIRLOCK_CA_FILE names extra trusted certificates for https.\n"
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

static int
parse_get(int argc, char *const argv[], struct cli_args *a, char *err, size_t errlen)
{
	if (argc == 3 && is_help(argv[2])) {
		a->cmd = CMD_HELP;
		return 0;
	}
	if (argc < 3)
		return usage_err(err, errlen, "get needs a PATH", NULL);
	if (argc > 3)
		return usage_err(err, errlen, "get: unexpected argument", argv[3]);
	if (argv[2][0] != '/')
		return usage_err(err, errlen, "get: PATH must start with '/', not", argv[2]);
	a->path = argv[2];
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
