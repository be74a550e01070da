/*
 * airlock.conf: "key = value" lines, "[section]" headers, "#" comments.
 * Sections hold keys; "[provider.NAME]" sections describe providers.
 * Any syntax error, duplicate key or (after conf_check) unknown key stops the
 * daemon with "file:line: reason".
 */
#ifndef AIRLOCK_CONFIG_H
#define AIRLOCK_CONFIG_H

#include <stddef.h>

#define CONF_MAX_VALUE	4096

struct conf;

struct conf *conf_load(const char *path);		/* fatalx on error */
/* Same, but returns NULL and writes the reason to err (for tests and fuzzing). */
struct conf *conf_parse(const char *name, const char *text, size_t len, char *err, size_t errlen);
void	 conf_free(struct conf *);

const char *conf_get(const struct conf *, const char *section, const char *key);
/* Missing -> fatalx naming file, section and key. */
const char *conf_require(const struct conf *, const char *section, const char *key);
/* Integer in [min, max]; missing -> def; malformed -> fatalx with file:line. */
long long conf_num(const struct conf *, const char *section, const char *key,
	    long long min, long long max, long long def);
/* "yes"/"no"/"true"/"false"/"1"/"0"; missing -> def. */
int	 conf_bool(const struct conf *, const char *section, const char *key, int def);
/* Every key of section must be in the NULL-terminated list; fatalx otherwise. */
void	 conf_check(const struct conf *, const char *section, const char *const *known);
/* Names of sections starting with prefix (e.g. "provider."), in file order. */
size_t	 conf_sections(const struct conf *, const char *prefix, const char **names, size_t max);
const char *conf_file(const struct conf *);

#endif
