// Salama proxy auto-configuration (PAC).
// Every web address goes through the Salama filter, except this dashboard,
// the proxy itself and local names.  There is no "DIRECT" fallback on
// purpose: when the filter is down, pages wait for it rather than load
// unfiltered.
function FindProxyForURL(url, host) {
  host = host.toLowerCase();
  if (host === {{ dashboard_host|tojson }} || host === {{ proxy_host|tojson }} ||
      isPlainHostName(host) || host === "localhost" ||
      dnsDomainIs(host, ".localhost") || dnsDomainIs(host, ".local") ||
      dnsDomainIs(host, ".lan") || dnsDomainIs(host, ".home.arpa") ||
      shExpMatch(host, "127.*") || shExpMatch(host, "10.*") ||
      shExpMatch(host, "192.168.*") || shExpMatch(host, "169.254.*") ||
      /^172\.(1[6-9]|2[0-9]|3[01])\./.test(host) || host === "::1") {
    return "DIRECT";
  }
  return {{ proxy|tojson }};
}
