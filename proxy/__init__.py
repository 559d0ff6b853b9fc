"""The running proxy: assembly and start-up (`proxy.server`), the live state
(`proxy.runtime`), block pages (`proxy.blockpage`) and body decoding
(`proxy.bodies`).  The mitmproxy addons themselves are in `proxy.addons`.
"""
