/* Session file: location, safe creation, atomic replacement, strict loading. */
#include "session.h"
#include "http.h"
#include "json.h"
#include "url.h"

#include "b64.h"
#include "csrf.h"
#include "sock.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>
#include <sodium.h>

#define SESSION_FILE	"session"

static const char *
home_dir(void)
{
	const char	*h = getenv("HOME");
	struct passwd	*pw;

	if (h && h[0] == '/')
		return h;
	if ((pw = getpwuid(getuid())) != NULL && pw->pw_dir && pw->pw_dir[0] == '/')
		return pw->pw_dir;
	return NULL;
}

int
session_dir(char *dir, size_t n, char *err, size_t errlen)
{
	const char *x = getenv("XDG_CONFIG_HOME"), *h;
	int	 len;

	/* The XDG spec says a relative $XDG_CONFIG_HOME is invalid: ignore it. */
	if (x && x[0] == '/')
		len = snprintf(dir, n, "%s/airlock", x);
	else if ((h = home_dir()) != NULL)
		len = snprintf(dir, n, "%s/.config/airlock", h);
	else {
		snprintf(err, errlen, "cannot find a config directory (set HOME or XDG_CONFIG_HOME)");
		return -1;
	}
	if (len < 0 || (size_t)len >= n) {
		snprintf(err, errlen, "config directory path too long");
		return -1;
	}
	return 0;
}

static int
file_path(char *path, size_t n, const char *dir, const char *name)
{
	int	 len = snprintf(path, n, "%s/%s", dir, name);

	return len < 0 || (size_t)len >= n ? -1 : 0;
}

void
session_wipe(struct cli_session *s)
{
	sodium_memzero(s, sizeof(*s));
}

const char *
session_token(const struct cli_session *s)
{
	const char *v = strchr(s->cookie, '=');

	return v != NULL ? v + 1 : "";
}

/* --- loading --- */

static int
read_bounded(int fd, char *buf, size_t max, size_t *len)
{
	ssize_t	 r;

	*len = 0;
	for (;;) {
		r = read(fd, buf + *len, max - *len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return 0;
		*len += (size_t)r;
		if (*len == max)
			return -1;	/* larger than any session file we write */
	}
}

static int
open_checked(const char *path, char *err, size_t errlen)
{
	struct stat	 st;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)) == -1) {
		if (errno == ENOENT)
			return -2;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s is not a regular file", path);
		close(fd);
		return -1;
	}
	if (st.st_uid != getuid() || (st.st_mode & 077) != 0) {
		snprintf(err, errlen, "%s has unsafe owner or mode (want yours, 0600); "
		    "remove it and run airlock login", path);
		close(fd);
		return -1;
	}
	return fd;
}

static int
parse_session(const char *buf, size_t len, struct cli_session *s, int allow_http,
    char *err, size_t errlen)
{
	struct json_object *o;
	char	 server[CLI_MAX_URL], why[256];
	int	 ok;

	if ((o = json_parse_object(buf, len, CLI_JSON_MAX_DEPTH, NULL)) == NULL) {
		snprintf(err, errlen, "session file is not valid JSON; run airlock login");
		return -1;
	}
	ok = json_str_copy(o, "server", server, sizeof(server)) == 0 &&
	    json_str_copy(o, "cookie", s->cookie, sizeof(s->cookie)) == 0;
	json_object_put(o);
	if (!ok || !http_cookie_pair_ok(s->cookie)) {
		snprintf(err, errlen, "session file is damaged; run airlock login");
		return -1;
	}
	if (url_server_base(server, allow_http, s->server, sizeof(s->server),
	    why, sizeof(why)) == -1) {
		snprintf(err, errlen, "session file: %s", why);
		return -1;
	}
	return 0;
}

int
session_load(const char *dir, struct cli_session *s, int allow_http, char *err, size_t errlen)
{
	char	 path[CLI_MAX_URL + 16], *buf;
	size_t	 len;
	int	 fd, rc;

	memset(s, 0, sizeof(*s));
	if (file_path(path, sizeof(path), dir, SESSION_FILE) == -1) {
		snprintf(err, errlen, "session path too long");
		return -1;
	}
	if ((fd = open_checked(path, err, errlen)) == -2)
		return 1;
	if (fd == -1)
		return -1;
	if ((buf = malloc(SESSION_MAX_FILE)) == NULL) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = read_bounded(fd, buf, SESSION_MAX_FILE, &len);
	close(fd);
	if (rc == -1)
		snprintf(err, errlen, "cannot read %s (too large or I/O error)", path);
	else
		rc = parse_session(buf, len, s, allow_http, err, errlen);
	sodium_memzero(buf, SESSION_MAX_FILE);
	free(buf);
	if (rc == -1)
		session_wipe(s);
	return rc;
}

/* --- saving --- */

/* mkdir -p with mode 0700 for every directory created. */
static int
mkdirs(const char *dir, char *err, size_t errlen)
{
	char	 p[CLI_MAX_URL];
	size_t	 i, len = strlen(dir);

	if (len == 0 || len >= sizeof(p) || dir[0] != '/') {
		snprintf(err, errlen, "bad config directory %s", dir);
		return -1;
	}
	memcpy(p, dir, len + 1);
	for (i = 1; i <= len; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0700) == -1 && errno != EEXIST) {
			snprintf(err, errlen, "cannot create %s: %s", p, strerror(errno));
			return -1;
		}
		p[i] = dir[i];
	}
	return 0;
}

/* The airlock directory itself must be ours and private (fixed to 0700 if not). */
static int
check_dir(const char *dir, char *err, size_t errlen)
{
	struct stat	 st;

	if (lstat(dir, &st) == -1) {
		snprintf(err, errlen, "cannot stat %s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != getuid()) {
		snprintf(err, errlen, "%s is not a directory owned by you", dir);
		return -1;
	}
	if ((st.st_mode & 077) != 0 && chmod(dir, 0700) == -1) {
		snprintf(err, errlen, "cannot chmod 0700 %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

static char *
session_json(const struct cli_session *s)
{
	struct json_object *o;
	const char *txt;
	char	*copy = NULL;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	if (json_object_object_add(o, "server", json_object_new_string(s->server)) == 0 &&
	    json_object_object_add(o, "cookie", json_object_new_string(s->cookie)) == 0 &&
	    (txt = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE)) != NULL) {
		copy = strdup(txt);
		/* The text lives in the object's own buffer: wipe it before release. */
		sodium_memzero((char *)txt, strlen(txt));
	}
	json_object_put(o);
	return copy;
}

static int
write_temp(const char *tmp_template, char *tmp, size_t n, const char *json,
    char *err, size_t errlen)
{
	int	 fd;

	snprintf(tmp, n, "%s", tmp_template);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "cannot create a file in the config directory: %s",
		    strerror(errno));
		return -1;
	}
	if (fchmod(fd, 0600) == -1 || fd_write_all(fd, json, strlen(json)) == -1 ||
	    fd_write_all(fd, "\n", 1) == -1 || fsync(fd) == -1) {
		snprintf(err, errlen, "cannot write the session file: %s", strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (close(fd) == -1) {
		snprintf(err, errlen, "cannot write the session file: %s", strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static void
sync_dir(const char *dir)
{
	int	 fd;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(fd);
		close(fd);
	}
}

int
session_save(const char *dir, const struct cli_session *s, char *err, size_t errlen)
{
	char	 path[CLI_MAX_URL + 16], tmpl[CLI_MAX_URL + 32], tmp[CLI_MAX_URL + 32];
	char	*json;
	int	 rc;

	if (dir[0] != '/' || file_path(path, sizeof(path), dir, SESSION_FILE) == -1 ||
	    file_path(tmpl, sizeof(tmpl), dir, ".session.XXXXXX") == -1) {
		snprintf(err, errlen, "bad config directory");
		return -1;
	}
	if (mkdirs(dir, err, errlen) == -1 || check_dir(dir, err, errlen) == -1)
		return -1;
	if ((json = session_json(s)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = write_temp(tmpl, tmp, sizeof(tmp), json, err, errlen);
	sodium_memzero(json, strlen(json));
	free(json);
	if (rc == -1)
		return -1;
	if (rename(tmp, path) == -1) {
		snprintf(err, errlen, "cannot replace %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	sync_dir(dir);
	return 0;
}

int
session_remove(const char *dir, char *err, size_t errlen)
{
	char	 path[CLI_MAX_URL + 16];

	if (file_path(path, sizeof(path), dir, SESSION_FILE) == -1) {
		snprintf(err, errlen, "session path too long");
		return -1;
	}
	if (unlink(path) == -1 && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove %s: %s", path, strerror(errno));
		return -1;
	}
	sync_dir(dir);
	return 0;
}

int
session_csrf(const char *cookie, char *out, size_t n)
{
	uint8_t		 token[TOKEN_LEN];
	const char	*v = strchr(cookie, '=');

	if (v == NULL || n < CSRF_LEN + 1)
		return -1;
	v++;
	if (b64_decode_exact(token, sizeof(token), v, strlen(v)) == -1)
		return -1;
	csrf_derive(out, token);
	sodium_memzero(token, sizeof(token));
	return 0;
}
