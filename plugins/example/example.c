/*
 * The smallest useful rtpx plugin, in plain C against rtpx/plugin.h only: it reads a greeting
 * from its config table ([plugins.example] greeting = "..."), logs it when it starts, asks
 * rtpxd for engine.info, logs every call rtpxd creates or deletes, and offers a service
 * "example.echo" that answers every request with the request itself.
 * Copy this folder to start a plugin.
 */
#include <stdlib.h>

#include "rtpx/plugin.h"

typedef struct example_state {
  rtpx_host *host;
  const rtpx_host_api *api;
  rtpx_str greeting;
  unsigned echoed;
} example_state;

static void on_info(void *user, int ok, rtpx_str json);

static void ask_info(void *user) {
  example_state *st = (example_state *)user;
  st->api->control_request(st->host, "engine.info", rtpx_cstr(""), on_info, st);
}

static void echo(void *user, rtpx_str request_json, rtpx_reply_fn reply, void *reply_user) {
  example_state *st = (example_state *)user;
  st->echoed++;
  reply(reply_user, 1, request_json);
}

static rtpx_status example_init(rtpx_host *host, const rtpx_host_api *api, void **state) {
  example_state *st = (example_state *)calloc(1, sizeof *st);
  if (!st) return RTPX_ERR_FAILED;
  st->host = host;
  st->api = api;
  if (api->config_get(host, "greeting", &st->greeting) != RTPX_OK)
    st->greeting = rtpx_cstr("\"hello from the example plugin\"");
  rtpx_status s = api->service_register(host, "example.echo", echo, st);
  if (s != RTPX_OK) {
    free(st);
    return s;
  }
  *state = st;
  return RTPX_OK;
}

/* rtpxd's answer to engine.info: log its version. */
static void on_info(void *user, int ok, rtpx_str json) {
  example_state *st = (example_state *)user;
  st->api->log(st->host, ok ? RTPX_LOG_INFO : RTPX_LOG_WARN, json);
}

/* Every call rtpxd creates or deletes. */
static void on_session(void *user, rtpx_str name, rtpx_str json) {
  example_state *st = (example_state *)user;
  (void)name;
  st->api->log(st->host, RTPX_LOG_INFO, json);
}

static rtpx_status example_start(void *state) {
  example_state *st = (example_state *)state;
  st->api->log(st->host, RTPX_LOG_INFO, st->greeting);
  st->api->subscribe(st->host, "session_created", on_session, st);
  st->api->subscribe(st->host, "session_deleted", on_session, st);
  /* Asked once rtpxd is reachable: a timer gives the host a moment to connect. */
  st->api->timer_start(st->host, 200, 0, ask_info, st);
  return RTPX_OK;
}

static void example_stop(void *state) {
  example_state *st = (example_state *)state;
  st->api->log(st->host, RTPX_LOG_INFO, rtpx_cstr("example plugin stopping"));
}

static void example_destroy(void *state) { free(state); }

static const rtpx_plugin example_plugin = {
    sizeof(rtpx_plugin),
    RTPX_PLUGIN_ABI_MAJOR,
    RTPX_PLUGIN_ABI_MINOR,
    "example",
    "1.0.0",
    "logs a greeting from its config and offers the example.echo service",
    example_init,
    example_start,
    example_stop,
    example_destroy,
};

RTPX_PLUGIN_EXPORT const rtpx_plugin *rtpx_plugin_entry(void) { return &example_plugin; }
