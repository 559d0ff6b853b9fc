"""The no-intercept list through the real proxy: the app sees its bank's own
certificate (no interception), and a blocked name is refused at CONNECT."""

from __future__ import annotations

import http.client
import ssl

import pytest

from proxy.runtime import Runtime
from tests.inprocess import InProcessProxy
from tests.upstream import LocalSite

POLICY = """
no_intercept: [bank.test, blocked-bank.test]
deny: [blocked-bank.test]
"""


@pytest.fixture
def setup(home):
    home.policy_path.write_text(POLICY)
    site = LocalSite({"/": ("text/plain", b"your balance")}, tls=True, names=["bank.test", "blocked-bank.test"])
    rt = Runtime(policy_path=home.policy_path, index_path=home.index_path, model_dir=home.model_dir,
                 database_url=home.database_url, status_dir=home.root, use_model=False)
    proxy = InProcessProxy(rt, home.ca_dir, [f"{h}=127.0.0.1:{site.port}" for h in ("bank.test", "blocked-bank.test")])
    yield proxy, site, rt
    proxy.stop()
    rt.close()
    site.close()


def tunnel(proxy_port: int, host: str, cafile) -> http.client.HTTPSConnection:
    ctx = ssl.create_default_context(cafile=str(cafile))  # trusts only the bank's own certificate
    conn = http.client.HTTPSConnection("127.0.0.1", proxy_port, context=ctx, timeout=10)
    conn.set_tunnel(host, 443)
    return conn


def test_pinned_app_sees_the_real_certificate(setup):
    proxy, site, _ = setup
    conn = tunnel(proxy.port, "bank.test", site.cert_path)
    conn.request("GET", "/")
    response = conn.getresponse()
    assert response.status == 200 and response.read() == b"your balance"
    conn.close()


def test_blocked_name_is_refused_before_the_tunnel(setup):
    proxy, site, rt = setup
    conn = tunnel(proxy.port, "blocked-bank.test", site.cert_path)
    with pytest.raises(OSError, match="403"):
        conn.request("GET", "/")
    conn.close()
    rt.journal.flush()
    assert rt.events.query()[0]["url"] == "https://blocked-bank.test/"
