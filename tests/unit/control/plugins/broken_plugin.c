/* Plugins that a host must refuse, one per compile definition. */
#include "rtpx/plugin.h"

#ifndef ABI_MAJOR
#define ABI_MAJOR RTPX_PLUGIN_ABI_MAJOR
#endif
#ifndef ABI_MINOR
#define ABI_MINOR RTPX_PLUGIN_ABI_MINOR
#endif
#ifndef NAME
#define NAME "broken"
#endif

static rtpx_status init(rtpx_host *h, const rtpx_host_api *a, void **s) {
  (void)h;
  (void)a;
  *s = 0;
  return RTPX_OK;
}
static rtpx_status start(void *s) {
  (void)s;
  return RTPX_OK;
}
static void stop(void *s) { (void)s; }

static const rtpx_plugin plugin = {sizeof(rtpx_plugin), ABI_MAJOR, ABI_MINOR, NAME, "0", "",
                                   init, start, stop, stop};

#ifndef NO_ENTRY
RTPX_PLUGIN_EXPORT const rtpx_plugin *rtpx_plugin_entry(void) { return &plugin; }
#else
RTPX_PLUGIN_EXPORT const rtpx_plugin *some_other_symbol(void) { return &plugin; }
#endif
