"""The package cache over HTTP on loopback: caching, offline answers, refusals, apk bundles.

The "mirror" is a local HTTP server on 127.0.0.1 serving a Debian-shaped
tree made here with dpkg-deb; nothing leaves the machine. No root needed.
"""
from __future__ import annotations

import functools
import http.client
import io
import tarfile
import urllib.error
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from debrepo import make_deb, write_archive
from http_support import serving
from dockerlab.engine.errors import NotFound
from dockerlab.engine.pkgcache import apk
from dockerlab.engine.pkgcache.config import CacheConfig, configured_mirror
from dockerlab.engine.pkgcache.index import PackageIndex, parse_deb822
from dockerlab.engine.pkgcache.server import ThreadedCache

OFFLINE = "http://127.0.0.1:9/debian"      # loopback, nothing listens: the mirror is unreachable
HELLO = "#!/bin/sh\necho hello from a test package\n"


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def mirror(tmp_path):
    """A Debian-shaped archive at http://127.0.0.1:PORT/debian, stoppable by the test."""
    root = tmp_path / "mirror"
    debs = tmp_path / "debs"
    debs.mkdir()
    hello = make_deb(debs, "dlab-hello", depends="libdlab1 | dlab-missing, dlab-virtual",
                     files={"usr/bin/dlab-hello": (HELLO, 0o755),
                            "usr/share/doc/dlab-hello/README": ("docs\n", 0o644)})
    lib = make_deb(debs, "libdlab1", files={"usr/lib/libdlab.txt": ("lib\n", 0o644)})
    write_archive(root / "debian", "bookworm", [hello, lib])
    with serving(ThreadingHTTPServer(("127.0.0.1", 0),
                                     functools.partial(Quiet, directory=str(root)))) as server:
        server.upstream = f"http://127.0.0.1:{server.server_address[1]}/debian"
        yield server


def get(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.read(), resp.headers.get("X-Dockerlab-Source", "")
    except urllib.error.HTTPError as err:
        return err.code, err.read(), ""


def proxy_get(cache: ThreadedCache, absolute_url: str) -> tuple[int, bytes]:
    """A request as apt sends it to a proxy: the absolute URL on the request line."""
    host, port = cache.server.server_address
    conn = http.client.HTTPConnection(host, port, timeout=10)
    conn.request("GET", absolute_url)
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, body


def test_files_are_fetched_once_and_served_offline(mirror, tmp_path):
    cfg = CacheConfig(store_dir=tmp_path / "store", upstream=mirror.upstream)
    deb = "pool/main/d/dlab-hello/dlab-hello_1.0_all.deb"
    with ThreadedCache(cfg) as cache:
        code, body, source = get(f"{cache.url}/debian/{deb}")
        assert (code, source) == (200, "mirror") and body[:8] == b"!<arch>\n"
        assert (tmp_path / "store" / deb).read_bytes() == body
        assert get(f"{cache.url}/debian/{deb}")[2] == "cache"      # immutable: not asked again
        assert get(f"{cache.url}/debian/dists/bookworm/Release")[2] == "mirror"
        own = tmp_path / "store/dists/own/Release"        # a suite seeded by hand
        own.parent.mkdir(parents=True)
        own.write_text("Suite: own\n")
        assert get(f"{cache.url}/debian/dists/own/Release")[:2] == (200, b"Suite: own\n")
        mirror.shutdown()
        mirror.server_close()
        code, again, source = get(f"{cache.url}/debian/{deb}")
        assert (code, again) == (200, body)
        code, _, source = get(f"{cache.url}/debian/dists/bookworm/Release")
        assert (code, source) == (200, "cache (mirror unreachable)")
        code, text, _ = get(f"{cache.url}/debian/pool/main/n/nope/nope_1_all.deb")
        assert code == 404 and b"cannot be reached" in text and b"no copy" in text


def test_proxy_requests_go_to_the_configured_mirror_only(mirror, tmp_path):
    cfg = CacheConfig(store_dir=tmp_path / "store", upstream=mirror.upstream)
    with ThreadedCache(cfg) as cache:
        # the host named by the container is never contacted (.invalid cannot resolve)
        code, body = proxy_get(cache, "http://deb.example.invalid/debian/dists/bookworm/Release")
        assert code == 200 and body.startswith(b"Suite: bookworm")
        code, body = proxy_get(cache, "http://example.invalid/index.html")
        assert code == 403 and b"only serves the Debian archive" in body
        code, _ = proxy_get(cache, "http://example.invalid/debian-security/dists/x/Release")
        assert code == 403
        code, _, _ = get(f"{cache.url}/debian/..%2f..%2f..%2fetc/passwd")
        assert code == 404                       # looked up as etc/passwd inside the archive
        assert not (tmp_path / "etc").exists() and not (tmp_path / "store" / "etc").exists()
        code, _, _ = get(f"{cache.url}/debian/pool/main/n/nope/nope_1_all.deb")
        assert code == 404


POSTINST = """#!/bin/sh
set -e
if [ "$1" = configure ]; then
  update-alternatives --install /usr/bin/dlab-hi dlab-hi \\
        /usr/bin/dlab-hello 30 --slave /usr/share/man/man1/dlab-hi.1.gz \\
        dlab-hi.1.gz /usr/share/man/man1/dlab-hello.1.gz
  update-alternatives --install /usr/bin/dlab-low dlab-low /usr/bin/nowhere 10
  update-alternatives --install "$DIR/x" x "$DIR/y" 20
fi
"""


def test_apk_plan_and_bundle_from_a_seeded_offline_cache(tmp_path):
    debs = tmp_path / "debs"
    debs.mkdir()
    hello = make_deb(debs, "dlab-hello", depends="libdlab1 | dlab-missing",
                     files={"usr/bin/dlab-hello": (HELLO, 0o755),
                            "usr/share/doc/dlab-hello/README": ("docs\n", 0o644),
                            "DEBIAN/postinst": (POSTINST, 0o755)})
    lib = make_deb(debs, "libdlab1", files={"usr/lib/libdlab.txt": ("lib\n", 0o644)})
    write_archive(tmp_path / "store", "bookworm", [hello, lib], release=False)
    cfg = CacheConfig(store_dir=tmp_path / "store", upstream=OFFLINE)
    with ThreadedCache(cfg) as cache:
        code, plan, _ = get(f"{cache.url}/apk/plan?pkgs=dlab-hello")
        assert code == 200
        assert plan.decode().splitlines() == ["ok libdlab1 1.0", "ok dlab-hello 1.0"]
        code, plan, _ = get(f"{cache.url}/apk/plan?pkgs=dlab-hello,php82")
        assert plan.decode() == "missing php82\n"
        code, body, _ = get(f"{cache.url}/apk/bundle?pkgs=dlab-hello")
        assert code == 200
        with tarfile.open(fileobj=io.BytesIO(body)) as tar:
            names = tar.getnames()
            link = tar.getmember("usr/bin/dlab-hi")
            assert tar.extractfile("usr/bin/dlab-hello").read().decode() == HELLO
            assert tar.getmember("usr/bin/dlab-hello").mode == 0o755
        assert "usr/lib/libdlab.txt" in names
        assert not [n for n in names if n.startswith(("./", "/", "usr/share/doc"))]
        # the postinst's alternative, as the installed package has it (no dpkg in the image);
        # not the man page (left out), nor a link to a file the bundle lacks, nor "$DIR/x"
        assert link.issym() and link.linkname == "/usr/bin/dlab-hello"
        assert not [n for n in names if "dlab-low" in n or "man1" in n or "x" == n[-1:]]
        code, _, _ = get(f"{cache.url}/apk/plan?pkgs=Bad%20Name;rm")
        assert code == 400
    apk._cached.clear()


def test_index_closure_takes_first_existing_alternative_and_skips_essentials():
    text = """Package: app
Depends: libc6 (>= 2.36), libfoo | libbar, virtual-thing, dpkg
Pre-Depends: init-system-helpers (>= 1.54~)

Package: libc6
Depends: libgcc-s1

Package: libgcc-s1
Depends: libc6

Package: libbar

Package: provider
Provides: virtual-thing (= 1)
Essential: no

Package: init-system-helpers
Essential: yes
"""
    index = PackageIndex.from_text(text)
    assert [s["Package"] for s in index.closure(["app"])] == \
        ["libgcc-s1", "libc6", "libbar", "provider", "app"]
    with pytest.raises(NotFound, match="nothing-here"):
        index.closure(["app", "nothing-here"])
    assert parse_deb822("A: 1\nB: two\n  lines\n\nA: 2\n") == [{"A": "1", "B": "two\nlines"},
                                                              {"A": "2"}]


def test_configured_mirror_reads_deb822_and_one_line_sources(tmp_path):
    apt = tmp_path / "apt"
    (apt / "sources.list.d").mkdir(parents=True)
    assert configured_mirror(apt) == "http://deb.debian.org/debian"
    (apt / "sources.list").write_text("deb [arch=amd64] http://ftp.fr.debian.org/debian/ "
                                      "bookworm main\n")
    assert configured_mirror(apt) == "http://ftp.fr.debian.org/debian"
    (apt / "sources.list.d/debian.sources").write_text(
        "Types: deb\nURIs: http://security.debian.org/debian-security\n"
        "Suites: bookworm-security\nComponents: main\n\n"
        "Types: deb\n# a comment\nURIs: http://mirror.example/debian\n"
        "Suites: bookworm bookworm-updates\nComponents: main\n")
    assert configured_mirror(apt) == "http://mirror.example/debian"
