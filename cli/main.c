/* airlock: log a command line in to an airlock server through the browser. */
#include "args.h"
#include "cli.h"
#include "commands.h"
#include "http.h"
#include "login.h"

#include <stdio.h>
#include <sys/resource.h>

#include <sodium.h>

#define CLI_VERSION	"0.1"

static int
run(const struct cli_args *a)
{
	switch (a->cmd) {
	case CMD_LOGIN:
		return cmd_login(a->server);
	case CMD_WHOAMI:
		return cmd_whoami();
	case CMD_GET:
		return a->path[0] == '/' ? cmd_get(a->path) : cmd_get_url(a);
	case CMD_TOKEN:
		return cmd_token();
	case CMD_CURL:
		return cmd_curl(a);
	case CMD_LOGOUT:
		return cmd_logout();
	case CMD_HELP:
	case CMD_VERSION:
		break;
	}
	return EXIT_USAGE;
}

int
main(int argc, char *argv[])
{
	struct cli_args	 a;
	struct rlimit	 no_core = { 0, 0 };
	char		 err[256];
	int		 rc;

	if (cli_parse_args(argc, argv, &a, err, sizeof(err)) == -1) {
		cli_error("%s", err);
		return EXIT_USAGE;
	}
	if (a.cmd == CMD_HELP) {
		cli_usage();
		return EXIT_OK;
	}
	if (a.cmd == CMD_VERSION) {
		printf("airlock %s\n", CLI_VERSION);
		return EXIT_OK;
	}
	/* The session cookie must not end up in a core file. */
	setrlimit(RLIMIT_CORE, &no_core);
	if (sodium_init() < 0 || http_global_init() == -1) {
		cli_error("cannot initialize libsodium or libcurl");
		return EXIT_FAIL;
	}
	rc = run(&a);
	http_global_cleanup();
	return rc;
}
