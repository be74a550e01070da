#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define CONF_MAX_FILE		(1024 * 1024)
#define CONF_MAX_ENTRIES	1024
#define CONF_MAX_NAME		64

struct conf_entry {
	char	*section;
	char	*key;
	char	*value;
	int	 line;
};

struct conf {
	char			*file;
	struct conf_entry	*ent;
	size_t			 n;
	char			*sections[CONF_MAX_ENTRIES];
	size_t			 nsections;
};

void
conf_free(struct conf *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++) {
		free(c->ent[i].key);
		free(c->ent[i].value);
	}
	for (i = 0; i < c->nsections; i++)
		free(c->sections[i]);
	free(c->ent);
	free(c->file);
	free(c);
}

static int
name_ok(const char *s, size_t n, int dots)
{
	size_t i;

	if (n == 0 || n > CONF_MAX_NAME)
		return 0;
	for (i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) &&
		    s[i] != '_' && s[i] != '-' && !(dots && s[i] == '.'))
			return 0;
	return 1;
}

static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\r'))
		(*n)--;
}

static const struct conf_entry *
conf_find(const struct conf *c, const char *section, const char *key)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->ent[i].section, section) == 0 && strcmp(c->ent[i].key, key) == 0)
			return &c->ent[i];
	return NULL;
}

static int
add_section(struct conf *c, const char *s, size_t n, char *err, size_t errlen, int line)
{
	size_t i;

	if (!name_ok(s, n, 1)) {
		snprintf(err, errlen, "%s:%d: bad section name", c->file, line);
		return -1;
	}
	for (i = 0; i < c->nsections; i++)
		if (strlen(c->sections[i]) == n && memcmp(c->sections[i], s, n) == 0) {
			snprintf(err, errlen, "%s:%d: section [%.*s] appears twice", c->file, line, (int)n, s);
			return -1;
		}
	if (c->nsections == CONF_MAX_ENTRIES || (c->sections[c->nsections] = strndup(s, n)) == NULL) {
		snprintf(err, errlen, "%s:%d: too many sections", c->file, line);
		return -1;
	}
	c->nsections++;
	return 0;
}

static int
add_entry(struct conf *c, const char *line_s, size_t n, char *err, size_t errlen, int line)
{
	const char		*eq = memchr(line_s, '=', n), *k = line_s, *v;
	size_t			 kn, vn;
	struct conf_entry	*e;

	if (c->nsections == 0) {
		snprintf(err, errlen, "%s:%d: setting outside a [section]", c->file, line);
		return -1;
	}
	if (eq == NULL) {
		snprintf(err, errlen, "%s:%d: expected key = value", c->file, line);
		return -1;
	}
	kn = eq - line_s;
	v = eq + 1;
	vn = n - kn - 1;
	trim(&k, &kn);
	trim(&v, &vn);
	if (!name_ok(k, kn, 0)) {
		snprintf(err, errlen, "%s:%d: bad key name", c->file, line);
		return -1;
	}
	if (vn == 0 || vn > CONF_MAX_VALUE) {
		snprintf(err, errlen, "%s:%d: %s value", c->file, line, vn == 0 ? "empty" : "too long a");
		return -1;
	}
	if (c->n == CONF_MAX_ENTRIES) {
		snprintf(err, errlen, "%s:%d: too many settings", c->file, line);
		return -1;
	}
	e = &c->ent[c->n];
	e->section = c->sections[c->nsections - 1];
	e->line = line;
	if ((e->key = strndup(k, kn)) == NULL || (e->value = strndup(v, vn)) == NULL) {
		free(e->key);
		snprintf(err, errlen, "%s:%d: out of memory", c->file, line);
		return -1;
	}
	if (conf_find(c, e->section, e->key) != NULL) {
		snprintf(err, errlen, "%s:%d: %s set twice in [%s]", c->file, line, e->key, e->section);
		free(e->key);
		free(e->value);
		return -1;
	}
	c->n++;
	return 0;
}

static int
parse_line(struct conf *c, const char *s, size_t n, char *err, size_t errlen, int line)
{
	trim(&s, &n);
	if (memchr(s, '\0', n) != NULL) {
		snprintf(err, errlen, "%s:%d: NUL byte", c->file, line);
		return -1;
	}
	if (n == 0 || s[0] == '#')
		return 0;
	if (s[0] == '[') {
		if (s[n - 1] != ']') {
			snprintf(err, errlen, "%s:%d: unterminated [section]", c->file, line);
			return -1;
		}
		return add_section(c, s + 1, n - 2, err, errlen, line);
	}
	return add_entry(c, s, n, err, errlen, line);
}

struct conf *
conf_parse(const char *name, const char *text, size_t len, char *err, size_t errlen)
{
	struct conf	*c;
	size_t		 off = 0, n;
	const char	*nl;
	int		 line = 0;

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->ent = calloc(CONF_MAX_ENTRIES, sizeof(*c->ent))) == NULL ||
	    (c->file = strdup(name)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		conf_free(c);
		return NULL;
	}
	while (off < len) {
		line++;
		nl = memchr(text + off, '\n', len - off);
		n = nl == NULL ? len - off : (size_t)(nl - (text + off));
		if (parse_line(c, text + off, n, err, errlen, line) == -1) {
			conf_free(c);
			return NULL;
		}
		off += n + 1;
	}
	return c;
}

struct conf *
conf_read(const char *path, char *err, size_t errlen)
{
	FILE		*f;
	char		*buf;
	size_t		 len;
	struct conf	*c;

	if ((f = fopen(path, "re")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((buf = malloc(CONF_MAX_FILE + 1)) == NULL) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	len = fread(buf, 1, CONF_MAX_FILE + 1, f);
	c = NULL;
	if (ferror(f))
		snprintf(err, errlen, "%s: read error", path);
	else if (len > CONF_MAX_FILE)
		snprintf(err, errlen, "%s: file too large", path);
	else
		c = conf_parse(path, buf, len, err, errlen);
	fclose(f);
	free(buf);
	return c;
}

const char *
conf_file(const struct conf *c)
{
	return c->file;
}

const char *
conf_get(const struct conf *c, const char *section, const char *key)
{
	const struct conf_entry *e = conf_find(c, section, key);

	return e == NULL ? NULL : e->value;
}

int
conf_line(const struct conf *c, const char *section, const char *key)
{
	const struct conf_entry *e = conf_find(c, section, key);

	return e == NULL ? 0 : e->line;
}

/* Calls back for each setting in file order until fn returns -1. */
int
conf_each(const struct conf *c, int (*fn)(void *, const char *, const char *, const char *, int),
    void *arg)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (fn(arg, c->ent[i].section, c->ent[i].key, c->ent[i].value, c->ent[i].line) == -1)
			return -1;
	return 0;
}

const char *
conf_require(const struct conf *c, const char *section, const char *key)
{
	const char *v = conf_get(c, section, key);

	if (v == NULL)
		fatalx("%s: [%s] %s is missing", c->file, section, key);
	return v;
}

void
conf_check(const struct conf *c, const char *section, const char *const *known)
{
	size_t	i, k;

	for (i = 0; i < c->n; i++) {
		if (strcmp(c->ent[i].section, section) != 0)
			continue;
		for (k = 0; known[k] != NULL; k++)
			if (strcmp(known[k], c->ent[i].key) == 0)
				break;
		if (known[k] == NULL)
			fatalx("%s:%d: unknown setting %s in [%s]", c->file, c->ent[i].line,
			    c->ent[i].key, section);
	}
}

size_t
conf_sections(const struct conf *c, const char *prefix, const char **names, size_t max)
{
	size_t i, n = 0, plen = strlen(prefix);

	for (i = 0; i < c->nsections && n < max; i++)
		if (strncmp(c->sections[i], prefix, plen) == 0)
			names[n++] = c->sections[i];
	return n;
}
