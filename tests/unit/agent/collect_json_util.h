/* collect_json_util.h - reading the collectors' ECS JSON records in tests. */
#ifndef CANH_COLLECT_JSON_UTIL_H
#define CANH_COLLECT_JSON_UTIL_H

#include <jansson.h>
#include <string.h>

/* The value at a dotted path ("package.name"), or NULL. */
static inline json_t *jpath(json_t *doc, const char *path)
{
    char key[128];
    json_t *v = doc;
    while (v && *path) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        if (n >= sizeof key)
            return NULL;
        memcpy(key, path, n);
        key[n] = '\0';
        v = json_object_get(v, key);
        path += n + (dot ? 1 : 0);
    }
    return v;
}

static inline const char *jstr(json_t *doc, const char *path)
{
    json_t *v = jpath(doc, path);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static inline long long jint(json_t *doc, const char *path)
{
    json_t *v = jpath(doc, path);
    return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

/* First element of an array at path, when it is a string. */
static inline const char *jfirst(json_t *doc, const char *path)
{
    json_t *v = jpath(doc, path);
    return json_is_array(v) && json_is_string(json_array_get(v, 0))
               ? json_string_value(json_array_get(v, 0))
               : NULL;
}

static inline json_t *jparse(const char *s)
{
    json_error_t err;
    json_t *doc = json_loads(s, 0, &err);
    if (!doc)
        fail_msg("not JSON (%s): %.200s", err.text, s);
    return doc;
}

#endif
