/* SPDX-License-Identifier: Apache-2.0
 *
 * hello_c: a coophub connector in plain C, written against <coophub/plugin.h> only.
 * It shows the four things every plugin does through the host:
 *   - emit protocol messages (RECORDs, then a STATE that commits them);
 *   - resume from the state its last run committed;
 *   - fetch over HTTP (or file://) through the host, never on its own;
 *   - stop when the host says the run is cancelled.
 * Config: {"name": "Riverside", "count": 3, "url": "https://coop.example/"}; name and
 * count say whom to greet and how often, url (optional) is fetched once a run and its
 * size reported as a record.
 *
 * Build: cmake -S . -B build -DCMAKE_PREFIX_PATH=/usr/local && cmake --build build
 * Try:   coophub read build/hello_c.so --config '{"name":"Riverside","count":2}'
 */
#define _POSIX_C_SOURCE 200809L /* strndup */
#include <coophub/plugin.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The integer after `key` in a JSON text, or fallback. Enough for this plugin's flat
 * config and state; a real one parses JSON with a library (cJSON, jansson...). */
static long json_long(const char* text, size_t len, const char* key, long fallback) {
  char* copy = strndup(text, len);
  const char* at = copy ? strstr(copy, key) : NULL;
  long value = fallback;
  if (at) {
    at += strlen(key);
    while (*at == ' ' || *at == ':') ++at;
    char* end = NULL;
    long v = strtol(at, &end, 10);
    if (end != at) value = v;
  }
  free(copy);
  return value;
}

/* The string after `key` (letters, digits, spaces and -_. only: safe in JSON as it is). */
static void json_word(const char* text, size_t len, const char* key, char* out, size_t out_size, const char* fallback) {
  char* copy = strndup(text, len);
  const char* at = copy ? strstr(copy, key) : NULL;
  snprintf(out, out_size, "%s", fallback);
  if (at) {
    at = strchr(at + strlen(key), '"');
    size_t n = 0;
    for (const char* c = at ? at + 1 : ""; *c && *c != '"' && n + 1 < out_size; ++c)
      if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || strchr(" -_.:/", *c))
        out[n++] = *c;
    if (at) out[n] = '\0';
  }
  free(copy);
}

static int emit(const coophub_host* host, coophub_run* run, const char* line) {
  return host->emit(run, line, strlen(line));
}

static int read_op(const coophub_host* host, coophub_run* run, const char* request, size_t len) {
  char name[64], url[512], line[1024];
  json_word(request, len, "\"name\"", name, sizeof name, "world");
  json_word(request, len, "\"url\"", url, sizeof url, "");
  long count = json_long(request, len, "\"count\"", 3);
  long greeted = json_long(request, len, "\"greeted\"", 0); /* from state.greetings */

  for (long i = greeted + 1; i <= greeted + count; ++i) {
    if (host->cancelled(run)) return COOPHUB_CANCELLED;
    snprintf(line, sizeof line,
             "{\"type\":\"RECORD\",\"stream\":\"greetings\",\"record\":{\"id\":\"%ld\",\"kind\":\"post\","
             "\"title\":\"Hello from C, %s #%ld\"}}",
             i, name, i);
    if (emit(host, run, line) != COOPHUB_OK) return COOPHUB_CANCELLED;
    host->progress(run, i - greeted, count);
  }
  snprintf(line, sizeof line, "{\"type\":\"STATE\",\"stream\":\"greetings\",\"state\":{\"greeted\":%ld}}",
           greeted + count);
  emit(host, run, line);

  if (url[0]) {
    char req[700];
    snprintf(req, sizeof req, "{\"method\":\"GET\",\"url\":\"%s\",\"timeout_s\":10}", url);
    coophub_http_response* resp = NULL;
    if (host->http(run, req, strlen(req), &resp) != COOPHUB_OK || !resp) return COOPHUB_ERROR;
    if (resp->status == 0) {
      snprintf(line, sizeof line, "{\"type\":\"ERROR\",\"message\":\"%.*s\",\"retryable\":true}",
               (int)(resp->error_len < 400 ? resp->error_len : 400), resp->error);
      host->http_free(run, resp);
      emit(host, run, line);
      return COOPHUB_ERROR;
    }
    snprintf(line, sizeof line,
             "{\"type\":\"RECORD\",\"stream\":\"pages\",\"record\":{\"id\":\"%s\",\"kind\":\"resource\","
             "\"title\":\"%s answered %d with %zu bytes\"}}",
             url, url, resp->status, resp->body_len);
    host->http_free(run, resp);
    emit(host, run, line);
    emit(host, run, "{\"type\":\"STATE\",\"stream\":\"pages\",\"state\":{}}");
  }
  return COOPHUB_OK;
}

static int check_op(const coophub_host* host, coophub_run* run, const char* request, size_t len) {
  (void)request;
  (void)len;
  return emit(host, run, "{\"type\":\"CHECK\",\"ok\":true,\"message\":\"hello_c needs nothing to check\"}");
}

static int discover_op(const coophub_host* host, coophub_run* run, const char* request, size_t len) {
  (void)request;
  (void)len;
  emit(host, run, "{\"type\":\"STREAM\",\"name\":\"greetings\",\"kind\":\"post\",\"key\":[\"id\"]}");
  return emit(host, run, "{\"type\":\"STREAM\",\"name\":\"pages\",\"kind\":\"resource\",\"key\":[\"id\"]}");
}

__attribute__((visibility("default"))) const coophub_plugin* coophub_plugin_entry(void) {
  static const coophub_plugin descriptor = {
      sizeof(coophub_plugin),
      COOPHUB_ABI_VERSION,
      1 /* min_host_abi */,
      "hello_c",
      "1.0.0",
      "Greets, in C, and fetches a page through the host",
      "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},\"count\":{\"type\":\"integer\"},"
      "\"url\":{\"type\":\"string\"}}}",
      check_op,
      discover_op,
      read_op,
      NULL /* subject (ABI 2): none */};
  return &descriptor;
}
