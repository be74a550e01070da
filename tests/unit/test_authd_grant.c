/* Sealed grants: round trip, key and file modes, tampering, swapping, sweep. */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "check.h"
#include "../../authd/grant.h"

static char dir[] = "/tmp/authd-grant-test.XXXXXX";

static int
file_has(const char *path, const char *needle)
{
	char	 buf[8192];
	ssize_t	 n;
	int	 fd = open(path, O_RDONLY);

	if (fd == -1)
		return 0;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	return n > 0 && memmem(buf, (size_t)n, needle, strlen(needle)) != NULL;
}

static void
grant_path(char *out, size_t n, const uint8_t h[GRANT_LEN])
{
	char hex[2 * GRANT_LEN + 1];

	sodium_bin2hex(hex, sizeof(hex), h, GRANT_LEN);
	snprintf(out, n, "%s/grants/%s.grant", dir, hex);
}

static void
test_grants(void)
{
	struct grants	*g;
	struct grant	 in, out;
	uint8_t		 h[GRANT_LEN], h2[GRANT_LEN];
	char		 err[256], path[512], path2[512], key[512];
	struct stat	 st;
	int		 fd;
	uint8_t		 byte;

	g = grants_open(dir, err, sizeof(err));
	CHECK(g != NULL, "open (%s)", g == NULL ? err : "ok");
	if (g == NULL)
		return;
	snprintf(key, sizeof(key), "%s/grant.key", dir);
	CHECK(stat(key, &st) == 0 && (st.st_mode & 0777) == 0600, "grant.key is 0600");
	memset(&in, 0, sizeof(in));
	strcpy(in.provider, "op");
	in.access_token = "ACCESS-TOKEN-MARKER";
	in.refresh_token = "REFRESH-TOKEN-MARKER";
	CHECK(grant_put(g, &in, h) == 0, "put");
	grant_path(path, sizeof(path), h);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "grant file is 0600");
	CHECK(!file_has(path, "ACCESS-TOKEN-MARKER") && !file_has(path, "REFRESH-TOKEN-MARKER"),
	    "tokens are not in the file in clear");
	CHECK(grant_get(g, h, &out) == 0 && strcmp(out.provider, "op") == 0 &&
	    strcmp(out.access_token, in.access_token) == 0 &&
	    strcmp(out.refresh_token, in.refresh_token) == 0, "get returns what was put");
	grant_clear(&out);

	in.refresh_token = NULL;
	CHECK(grant_put(g, &in, h2) == 0 && grant_get(g, h2, &out) == 0 &&
	    out.refresh_token == NULL, "grant without refresh token");
	grant_clear(&out);
	grant_path(path2, sizeof(path2), h2);
	CHECK(rename(path, path2) == 0 && grant_get(g, h2, &out) == -1,
	    "a grant file under another handle's name is refused");
	CHECK(grant_get(g, h, &out) == 1, "missing grant is not found");

	CHECK(grant_put(g, &in, h) == 0, "put again");
	grant_path(path, sizeof(path), h);
	fd = open(path, O_RDWR);
	CHECK(pread(fd, &byte, 1, 40) == 1 && (byte ^= 0x20, pwrite(fd, &byte, 1, 40)) == 1,
	    "flip one bit of the sealed grant");
	close(fd);
	CHECK(grant_get(g, h, &out) == -1, "tampered grant is refused");
	CHECK(grant_delete(g, h) == 0 && grant_get(g, h, &out) == 1, "delete");
	CHECK(grants_sweep(g, (uint64_t)time(NULL) + 100, 10) >= 1, "sweep removes old grants");
	grants_close(g);

	chmod(key, 0644);
	CHECK(grants_open(dir, err, sizeof(err)) == NULL && strstr(err, "group/world") != NULL,
	    "a readable grant.key is refused");
}

/* A raw key whose last byte happens to be '\n' is a key, not a line. */
static void
test_key_newline(void)
{
	char		 d2[] = "/tmp/authd-grant-key.XXXXXX", path[256], err[256], cmd[300];
	uint8_t		 k[32];
	struct grants	*g;
	int		 fd;

	if (mkdtemp(d2) == NULL)
		return;
	memset(k, 'A', sizeof(k));
	k[31] = '\n';
	snprintf(path, sizeof(path), "%s/grant.key", d2);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	CHECK(fd != -1 && write(fd, k, sizeof(k)) == (ssize_t)sizeof(k), "write a key ending in 0x0a");
	close(fd);
	g = grants_open(d2, err, sizeof(err));
	CHECK(g != NULL, "key ending in a newline byte loads (%s)", g == NULL ? err : "ok");
	grants_close(g);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d2);
	if (system(cmd) != 0)
		CHECK(0, "clean up");
}

int
main(void)
{
	char cmd[128];

	if (sodium_init() < 0 || mkdtemp(dir) == NULL)
		return 1;
	test_grants();
	test_key_newline();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return CHECK_DONE();
}
