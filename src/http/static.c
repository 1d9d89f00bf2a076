/* static.c — the web app's files (static.h). */
#include "http/static.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http/errors.h"

#define STATIC_INDEX "index.html"
#define STATIC_PATH_MAX 256

static const struct {
    const char *extension;
    const char *type;
} content_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".json", "application/json; charset=utf-8"},
    {".map", "application/json; charset=utf-8"},
    {".webmanifest", "application/manifest+json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".txt", "text/plain; charset=utf-8"},
    {".woff2", "font/woff2"},
};

const char *
http_static_type(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (dot != NULL) {
        for (size_t i = 0; i < sizeof(content_types) / sizeof(content_types[0]); i++)
            if (strcasecmp(dot, content_types[i].extension) == 0)
                return content_types[i].type;
    }
    return "application/octet-stream";
}

/* Whether every segment of path is a plain name: letters, digits, '-', '_' and '.', not
 * starting with '.' (so neither "..", "." nor hidden files), and not empty except after the
 * last '/' (a directory, which means its index). */
static bool
path_safe(const char *path)
{
    if (path[0] != '/' || strlen(path) > STATIC_PATH_MAX)
        return false;
    for (const char *s = path + 1; *s != '\0';) {
        size_t len = strcspn(s, "/");
        if (len == 0 || s[0] == '.')
            return false;
        for (size_t i = 0; i < len; i++) {
            char c = s[i];
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.'))
                return false;
        }
        s += len;
        if (*s == '/')
            s++;
    }
    return true;
}

static void
not_found(struct http_response *res)
{
    http_error_status(res, 404, "not_found", "there is nothing at this path");
}

void
http_static_serve(const struct http_request *req, struct http_response *res, const char *web_root)
{
    char path[PATH_MAX], real[PATH_MAX], root[PATH_MAX];
    struct stat st;
    int fd = -1;

    if (!path_safe(req->path)) {
        not_found(res);
        return;
    }
    size_t len = strlen(req->path);
    int n = snprintf(path, sizeof(path), "%s%s%s", web_root, req->path,
                     req->path[len - 1] == '/' ? STATIC_INDEX : "");
    if (n < 0 || (size_t)n >= sizeof(path) || realpath(web_root, root) == NULL ||
        realpath(path, real) == NULL) {
        not_found(res);
        return;
    }
    /* A link inside the root may point anywhere: what is served must be inside it. */
    size_t root_len = strlen(root);
    if (strncmp(real, root, root_len) != 0 || real[root_len] != '/') {
        not_found(res);
        return;
    }
    fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        (uint64_t)st.st_size > HTTP_STATIC_MAX) {
        if (fd >= 0)
            close(fd);
        not_found(res);
        return;
    }
    res->status = 200;
    res->fd = fd;
    res->fd_size = (uint64_t)st.st_size;
    res->content_type = http_static_type(real);
    /* The files change with each release: revalidate rather than trust a stale copy. */
    http_header_add(res, "Cache-Control", "no-cache");
}
