/*
 * rtpx plugin ABI: the only interface between a plugin and the rtpx plugin host (rtpx-plugins).
 * Pure C, opaque handles and callbacks, buffers as pointer + length.
 *
 * A plugin is a shared object exporting one function:
 *
 *     const rtpx_plugin *rtpx_plugin_entry(void);
 *
 * returning a static descriptor. The host checks abi_major (must equal its own) and abi_minor
 * (the host must be at least as new), then calls init() with a host handle and the host API
 * table, start() once every plugin is initialised, stop() before unloading and destroy() last.
 * Every call, callback and timer runs on the host's single event-loop thread: a plugin needs no
 * locks, and must not block (a blocked callback delays every plugin of the host, never rtpxd).
 * A plugin that runs a thread of its own (a SIP stack's loop, say) hands work back to that
 * thread with post(), the one host function callable from any thread (ABI 1.1).
 *
 * ABI policy: appending a member to a struct, or a new function, is a minor change; changing or
 * removing one is a major change. Structs start with their size so either side can tell which
 * members the other one has.
 */
#ifndef RTPX_PLUGIN_H
#define RTPX_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RTPX_PLUGIN_ABI_MAJOR 1
#define RTPX_PLUGIN_ABI_MINOR 1

/* The entry point's name, for dlsym, and how to export it:
 *     RTPX_PLUGIN_EXPORT const rtpx_plugin *rtpx_plugin_entry(void) { return &my_plugin; }  */
#define RTPX_PLUGIN_ENTRY_SYMBOL "rtpx_plugin_entry"
#define RTPX_PLUGIN_EXPORT __attribute__((visibility("default")))

/* Status codes returned by host functions and plugin hooks. */
typedef enum rtpx_status {
  RTPX_OK = 0,
  RTPX_ERR_INVALID = -1,       /* a bad argument */
  RTPX_ERR_NOT_FOUND = -2,     /* no such key, service, timer */
  RTPX_ERR_EXISTS = -3,        /* a service name already registered */
  RTPX_ERR_NOT_SUPPORTED = -4, /* not available in this host */
  RTPX_ERR_FAILED = -5         /* anything else; the host logs why */
} rtpx_status;

typedef enum rtpx_log_level {
  RTPX_LOG_DEBUG = 0,
  RTPX_LOG_INFO = 1,
  RTPX_LOG_WARN = 2,
  RTPX_LOG_ERROR = 3
} rtpx_log_level;

/* A byte string that is not necessarily NUL-terminated. */
typedef struct rtpx_str {
  const char *ptr;
  size_t len;
} rtpx_str;

/* One plugin's handle in the host; passed back to every host function. */
typedef struct rtpx_host rtpx_host;

/* The reply to an asynchronous request: ok is 1 with a JSON result, 0 with a JSON error object
 * ({"code": ..., "field": ..., "message": ...}). The buffer is valid during the call only. */
typedef void (*rtpx_reply_fn)(void *user, int ok, rtpx_str json);
/* An rtpxd event: its name ("session_created", "session_deleted", "media_timeout", ...) and the
 * whole event as JSON. */
typedef void (*rtpx_event_fn)(void *user, rtpx_str name, rtpx_str json);
typedef void (*rtpx_timer_fn)(void *user);
/* A service a plugin offers to the others (e.g. "dialplan.route"): a JSON request in, a reply
 * through `reply` (now or later, exactly once). */
typedef void (*rtpx_service_fn)(void *user, rtpx_str request_json, rtpx_reply_fn reply,
                                void *reply_user);

/* What the host offers. Check struct_size before using a member added after 1.0. */
typedef struct rtpx_host_api {
  uint32_t struct_size;
  uint16_t abi_major;
  uint16_t abi_minor;

  void (*log)(rtpx_host *host, rtpx_log_level level, rtpx_str message);

  /* The plugin's own config table ([plugins.<name>] in rtpx.toml), read with a dotted key
   * ("gateway.proxy"). Writes the value as JSON into *out (valid until the plugin's stop());
   * RTPX_ERR_NOT_FOUND when absent. An empty key gives the whole table. */
  rtpx_status (*config_get)(rtpx_host *host, const char *key, rtpx_str *out);

  /* A control-socket request to rtpxd ({"cmd": cmd, "args": args_json}); the reply comes later
   * through `reply`. */
  rtpx_status (*control_request)(rtpx_host *host, const char *cmd, rtpx_str args_json,
                                 rtpx_reply_fn reply, void *user);

  /* Events from rtpxd, by name; kept across rtpxd restarts (the host subscribes again). */
  rtpx_status (*subscribe)(rtpx_host *host, const char *event, rtpx_event_fn fn, void *user);

  /* A timer after `ms` milliseconds, every `ms` when `repeat` is non-zero. Returns its id (0 on
   * failure). Timers die with the plugin. */
  uint64_t (*timer_start)(rtpx_host *host, uint32_t ms, int repeat, rtpx_timer_fn fn, void *user);
  rtpx_status (*timer_cancel)(rtpx_host *host, uint64_t id);

  /* The service registry: plugins cooperate by name without linking to each other. */
  rtpx_status (*service_register)(rtpx_host *host, const char *name, rtpx_service_fn fn,
                                  void *user);
  rtpx_status (*service_call)(rtpx_host *host, const char *name, rtpx_str request_json,
                              rtpx_reply_fn reply, void *user);

  /* 1.1: runs fn(user) soon on the host's loop thread. Callable from any thread; the plugin's
   * own threads must be joined in its stop(), and nothing posted runs once it is unloaded. */
  rtpx_status (*post)(rtpx_host *host, rtpx_timer_fn fn, void *user);
} rtpx_host_api;

/* Whether the host's table has a member (added after 1.0): RTPX_HOST_HAS(api, post). */
#define RTPX_HOST_HAS(api, member)                                                               \
  ((api)->struct_size >= offsetof(rtpx_host_api, member) + sizeof((api)->member))

/* What a plugin is. A static object in the plugin; the host never writes to it. */
typedef struct rtpx_plugin {
  uint32_t struct_size; /* sizeof(rtpx_plugin) */
  uint16_t abi_major;   /* RTPX_PLUGIN_ABI_MAJOR the plugin was built with */
  uint16_t abi_minor;   /* RTPX_PLUGIN_ABI_MINOR the plugin was built with */
  const char *name;     /* unique, [a-z0-9_-]+, also its config table's name */
  const char *version;  /* the plugin's own version */
  const char *description;

  /* Set up; *state is handed back to the other hooks. Not RTPX_OK: the plugin is not loaded. */
  rtpx_status (*init)(rtpx_host *host, const rtpx_host_api *api, void **state);
  /* Every plugin is initialised: services of others may be used from here on. */
  rtpx_status (*start)(void *state);
  /* Stop working (unload, reload or host shutdown); timers and subscriptions end after it. */
  void (*stop)(void *state);
  /* Free everything. */
  void (*destroy)(void *state);
} rtpx_plugin;

typedef const rtpx_plugin *(*rtpx_plugin_entry_fn)(void);

/* Convenience for plugins: builds an rtpx_str from a NUL-terminated string. */
static inline rtpx_str rtpx_cstr(const char *s) {
  rtpx_str r;
  size_t n = 0;
  if (s)
    while (s[n]) ++n;
  r.ptr = s;
  r.len = n;
  return r;
}

#ifdef __cplusplus
}
#endif

#endif /* RTPX_PLUGIN_H */
