/* SPDX-License-Identifier: Apache-2.0
 *
 * The coophub plugin ABI: the only contract between the hub and a connector plugin
 * built as a shared library. A plugin exports one symbol, coophub_plugin_entry, that
 * returns a static descriptor. The hub never calls it in its own process: a worker
 * process (coophub-worker, started by the hub) loads the plugin, calls it on one thread,
 * and turns what the plugin emits into JSON lines of the connector protocol.
 *
 * Rules of the road:
 *  - Text crosses as UTF-8 JSON with explicit lengths; no C++ type or exception
 *    crosses. Ints are status codes (coophub_status).
 *  - Memory is freed by the side that allocated it. The host's strings and buffers
 *    passed into a plugin call live until that call returns.
 *  - Versions (as DuckDB's extensions do): both structs start with struct_size and
 *    abi_version and only grow at the end; fields added later are marked
 *    "ABI 2 and later" and so on. A plugin states the oldest host ABI it needs in
 *    min_host_abi (COOPHUB_MIN_HOST_ABI in the C++ helper: define it before including
 *    <coophub/plugin.hpp>, default 1), and the host loads any plugin whose minimum it
 *    meets, reading the prefix of the descriptor it knows: a plugin built against a
 *    newer SDK runs on an older hub unless it says it cannot. A plugin checks
 *    host->abi_version (or host->struct_size) before using a callback added after the
 *    ABI it needs.
 *  - Threads: a worker calls one operation at a time, on one thread, and the host's
 *    callbacks must be called from that thread, during that call. A plugin may use
 *    threads of its own inside a call, but not to call the host.
 *  - Strings: every char* in these structs is UTF-8; the descriptor's are
 *    NUL-terminated and static; the ones passed with a length (json, message, request,
 *    the response's fields) need not be NUL-terminated and are valid only during the
 *    call (a response's, until http_free).
 */
#ifndef COOPHUB_PLUGIN_H_
#define COOPHUB_PLUGIN_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define COOPHUB_ABI_VERSION 2u
#define COOPHUB_ENTRY_SYMBOL "coophub_plugin_entry"

typedef enum coophub_status {
  COOPHUB_OK = 0,
  COOPHUB_ERROR = 1,     /* the run failed; the plugin should have emitted an ERROR message */
  COOPHUB_CANCELLED = 2, /* the plugin stopped because host->cancelled() said so */
  COOPHUB_INVALID = 3    /* the host was handed something malformed (bad JSON, bad args) */
} coophub_status;

typedef enum coophub_log_level {
  COOPHUB_LOG_DEBUG = 0,
  COOPHUB_LOG_INFO = 1,
  COOPHUB_LOG_WARN = 2,
  COOPHUB_LOG_ERROR = 3
} coophub_log_level;

/* Opaque per-call context owned by the host; pass it back to every callback. */
typedef struct coophub_run coophub_run;

/* A response to host->http. Owned by the host; release it with host->http_free. */
typedef struct coophub_http_response {
  int status;       /* HTTP status; 0 when no response arrived (see error) */
  const char* body; /* body bytes, not NUL-terminated */
  size_t body_len;
  const char* headers; /* "name: value\n" lines, names lower-cased */
  size_t headers_len;
  const char* error; /* transport error a person can act on, when status == 0 */
  size_t error_len;
  const char* url; /* the final URL after redirects */
  size_t url_len;
} coophub_http_response;

/* Callbacks the host offers a plugin. Valid for the duration of one plugin call. */
typedef struct coophub_host {
  uint32_t struct_size;
  uint32_t abi_version;
  /* Emit one protocol message: a JSON object with a "type" (RECORD, STATE, STREAM,
   * DELETE, CHECK, ERROR...). Returns COOPHUB_OK, COOPHUB_INVALID for text that is
   * not one JSON object, COOPHUB_CANCELLED when the run is being stopped. */
  int (*emit)(coophub_run* run, const char* json, size_t len);
  void (*log)(coophub_run* run, int level, const char* message, size_t len);
  void (*progress)(coophub_run* run, int64_t done, int64_t total /* -1: unknown */);
  int (*cancelled)(coophub_run* run); /* nonzero: stop soon and return COOPHUB_CANCELLED */
  /* An HTTP(S) or file:// request made by the host. request is JSON:
   * {"method":"GET","url":"...","headers":{"name":"value"},"body":"...","timeout_s":30}.
   * On COOPHUB_OK, *out holds a response (possibly with status 0 and an error);
   * on any other status *out is NULL. */
  int (*http)(coophub_run* run, const char* request, size_t len, coophub_http_response** out);
  void (*http_free)(coophub_run* run, coophub_http_response* response);
} coophub_host;

/* Each operation receives one JSON request:
 *   check, discover: {"config": {...}}
 *   read:            {"config": {...}, "state": {stream: state...}, "streams": [names] | null}
 *   subject:         {"config": {...}, "subject": {"account": "ana",
 *                     "identities": [{"kind": "email", "value": "ana@coop.example"}...]}}
 * and answers by emitting messages through host->emit. subject answers with the RECORDs
 * the source tool holds about that person (for the member's export; none are stored),
 * and LOG, PROGRESS or ERROR: nothing else. */
typedef int (*coophub_op)(const coophub_host* host, coophub_run* run, const char* request, size_t len);

typedef struct coophub_plugin {
  uint32_t struct_size;  /* sizeof(coophub_plugin) as the plugin was built */
  uint32_t abi_version;  /* COOPHUB_ABI_VERSION the plugin was built against */
  uint32_t min_host_abi; /* the oldest host ABI this plugin works with (the host checks it) */
  const char* name;      /* NUL-terminated, static: [a-z0-9_-]+ */
  const char* version;
  const char* description;
  const char* spec_json; /* JSON Schema of the config; "secret": true marks write-only fields */
  coophub_op check;
  coophub_op discover;
  coophub_op read;
  /* ABI 2 and later, optional (NULL: the plugin has none): what the source tool holds
   * about one person, asked when a member exports their data. The hub asks a plugin
   * whose descriptor has it; an ABI 1 hub never reads it. */
  coophub_op subject;
} coophub_plugin;

/* The one exported symbol. Returns a pointer to a static descriptor, never NULL. */
typedef const coophub_plugin* (*coophub_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* COOPHUB_PLUGIN_H_ */
