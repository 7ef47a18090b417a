/* A plugin that misbehaves on purpose, as its config table says: mode = "segv" | "abort" |
 * "block", after_ms = when, block_ms = how long "block" keeps the host's loop busy. */
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "rtpx/plugin.h"

typedef struct {
  rtpx_host* host;
  const rtpx_host_api* api;
  char mode[16];
  long after_ms, block_ms;
} crashy;

static long number(crashy* c, const char* key, long fallback) {
  rtpx_str v;
  if (c->api->config_get(c->host, key, &v) != RTPX_OK) return fallback;
  return strtol(v.ptr, NULL, 10); /* a JSON number: digits up to the end */
}

static void misbehave(void* user) {
  crashy* c = (crashy*)user;
  c->api->log(c->host, RTPX_LOG_WARN, rtpx_cstr(c->mode));
  if (c->mode[0] == 's') raise(SIGSEGV);
  if (c->mode[0] == 'a') abort();
  struct timespec t = {c->block_ms / 1000, (c->block_ms % 1000) * 1000000L};
  nanosleep(&t, NULL); /* blocks the host's whole event loop */
  c->api->log(c->host, RTPX_LOG_WARN, rtpx_cstr("unblocked"));
}

static rtpx_status init(rtpx_host* h, const rtpx_host_api* a, void** s) {
  crashy* c = (crashy*)calloc(1, sizeof *c);
  if (!c) return RTPX_ERR_FAILED;
  c->host = h;
  c->api = a;
  rtpx_str m;
  const char* mode = "segv";
  size_t n = 4;
  if (a->config_get(h, "mode", &m) == RTPX_OK && m.len > 2) { /* "\"abort\"" */
    mode = m.ptr + 1;
    n = m.len - 2;
  }
  if (n >= sizeof c->mode) n = sizeof c->mode - 1;
  for (size_t i = 0; i < n; ++i) c->mode[i] = mode[i];
  c->after_ms = number(c, "after_ms", 500);
  c->block_ms = number(c, "block_ms", 3000);
  *s = c;
  return RTPX_OK;
}
static rtpx_status start(void* s) {
  crashy* c = (crashy*)s;
  c->api->timer_start(c->host, (uint32_t)c->after_ms, 0, misbehave, c);
  return RTPX_OK;
}
static void stop(void* s) {
  (void)s;
}
static void destroy(void* s) {
  free(s);
}

static const rtpx_plugin plugin = {sizeof(rtpx_plugin),
                                   RTPX_PLUGIN_ABI_MAJOR,
                                   RTPX_PLUGIN_ABI_MINOR,
                                   "crashy",
                                   "1",
                                   "misbehaves on purpose",
                                   init,
                                   start,
                                   stop,
                                   destroy};

RTPX_PLUGIN_EXPORT const rtpx_plugin* rtpx_plugin_entry(void) {
  return &plugin;
}
