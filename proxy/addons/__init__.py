"""Thin mitmproxy addons, one concern each, calling the engines in `rules`
and `classifier` through the shared `proxy.runtime.Runtime`."""
