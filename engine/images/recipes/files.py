"""Files the Debian-based images carry besides Debian's packages (lab wiring, configs, pages)."""
from __future__ import annotations

from ...pkgcache.config import PORT

APT_PROXY_CONF = """// dockerlab: apt asks the lab's package cache (on this container's gateway, port {port})
// which fetches from the Debian mirror of the machine running the lab, or serves its copy.
Acquire::http::Proxy-Auto-Detect "/usr/local/sbin/dockerlab-apt-proxy";
""".format(port=PORT)

APT_PROXY_SCRIPT = """#!/bin/sh
# dockerlab: prints the proxy apt should use: the lab's package cache, which
# listens on the container's default gateway, port {port} (DIRECT without a gateway).
while read -r iface dest gw rest; do
    if [ "$dest" = 00000000 ] && [ "$gw" != 00000000 ]; then
        h() {{ echo "$gw" | cut -c"$1"; }}
        printf 'http://%d.%d.%d.%d:{port}\\n' "0x$(h 7-8)" "0x$(h 5-6)" "0x$(h 3-4)" "0x$(h 1-2)"
        exit 0
    fi
done < /proc/net/route
echo DIRECT
""".format(port=PORT)

BASE_FILES = {
    "etc/apt/apt.conf.d/01dockerlab-proxy": (APT_PROXY_CONF, 0o644),
    "usr/local/sbin/dockerlab-apt-proxy": (APT_PROXY_SCRIPT, 0o755),
}

UBUNTU_OS_RELEASE = """PRETTY_NAME="dockerlab stand-in for Ubuntu (Debian GNU/Linux 12 (bookworm) inside)"
NAME="Ubuntu (dockerlab stand-in)"
VERSION_ID="0.0-dockerlab"
VERSION="stand-in built from Debian 12 (bookworm) packages"
ID=ubuntu
ID_LIKE=debian
HOME_URL="https://ubuntu.com/"
"""

UBUNTU_LSB_RELEASE = """DISTRIB_ID=Ubuntu
DISTRIB_RELEASE=0.0-dockerlab
DISTRIB_CODENAME=bookworm
DISTRIB_DESCRIPTION="dockerlab stand-in for Ubuntu (Debian 12 packages inside)"
"""

NGINX_DEFAULT_CONF = """server {
    listen       80;
    listen  [::]:80;
    server_name  localhost;

    location / {
        root   /usr/share/nginx/html;
        index  index.html index.htm;
    }

    error_page   500 502 503 504  /50x.html;
    location = /50x.html {
        root   /usr/share/nginx/html;
    }
}
"""

NGINX_INDEX = """<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>This nginx is Debian's package, in dockerlab's stand-in for the official
nginx image. The page lives in /usr/share/nginx/html, as in the official image.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
"""

NGINX_50X = """<!DOCTYPE html>
<html>
<head><title>Error</title></head>
<body>
<h1>An error occurred.</h1>
<p>Sorry, the page you are looking for is currently unavailable.<br/>
Please try again later.</p>
</body>
</html>
"""

REGISTRY_CONFIG = """version: 0.1
log:
  fields:
    service: registry
storage:
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: /var/lib/registry
http:
  addr: :5000
  headers:
    X-Content-Type-Options: [nosniff]
health:
  storagedriver:
    enabled: true
    interval: 10s
    threshold: 3
"""
