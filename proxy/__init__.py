"""The running proxy: assembly and start-up (`proxy.server`), the live state
(`proxy.runtime`), block pages (`proxy.blockpage`) and body decoding
(`proxy.bodies`).  The mitmproxy addons themselves are in `proxy.addons`.
"""

import logging

# mitmproxy 11 imports passlib, which logs a harmless traceback when it reads
# the version of bcrypt 4 (installed for the proxy logins): keep it out of
# `salama run`'s output.  Set before anything here imports mitmproxy.
logging.getLogger("passlib.handlers.bcrypt").setLevel(logging.ERROR)
