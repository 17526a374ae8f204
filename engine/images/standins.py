"""Stand-in base images built offline from Debian's busybox-static.

Students need `hello-world`, `busybox` and `alpine` before they have any
registry. These recipes build look-alikes from the host's static busybox:
same names, same default commands, and honest about what they are (a label,
/etc/os-release, and a greeting that says so). Everything is deterministic:
the same busybox gives the same layers, hence the same image ids.
"""
from __future__ import annotations

import json
import struct
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import EngineError
from .layerstore import Layer
from .oci import rfc3339
from .recipe import Progress, Recipe
from .store import Image, ImageStore
from .treetar import TreeTar

BUSYBOX = Path("/bin/busybox")
STANDIN_LABEL = "org.dockerlab.standin"
DESCRIPTION_LABEL = "org.dockerlab.description"
PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class MissingBusybox(EngineError):
    """The host has no static busybox to build the base images from."""


@dataclass(frozen=True)
class Busybox:
    """The host's busybox-static binary and what the recipes need to know of it."""

    path: Path
    version: str                 # "BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1)"
    applets: tuple[str, ...]
    mtime: int                   # used as every file's mtime and as the images' date


def _is_static_elf(path: Path) -> bool:
    """True when the ELF file has no program interpreter (needs no libc in the image)."""
    with open(path, "rb") as f:
        head = f.read(64)
        if head[:4] != b"\x7fELF":
            return False
        is64, endian = head[4] == 2, "<" if head[5] == 1 else ">"
        if is64:
            phoff, = struct.unpack_from(endian + "Q", head, 32)
            phentsize, phnum = struct.unpack_from(endian + "HH", head, 54)
        else:
            phoff, = struct.unpack_from(endian + "I", head, 28)
            phentsize, phnum = struct.unpack_from(endian + "HH", head, 42)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    return all(struct.unpack_from(endian + "I", table, i * phentsize)[0] != 3   # PT_INTERP
               for i in range(phnum))


def find_busybox(path: Path = BUSYBOX) -> Busybox:
    """Describe the host's static busybox, or say how to install it."""
    if not path.is_file():
        raise MissingBusybox(f"the offline base images are built from Debian's busybox-static, "
                             f"and {path} is missing: run `apt-get install busybox-static`")
    if not _is_static_elf(path):
        raise MissingBusybox(f"{path} is not statically linked, so it cannot run alone in an "
                             "image: run `apt-get install busybox-static`")
    listing = subprocess.run([str(path), "--list"], capture_output=True, text=True, check=True)
    banner = subprocess.run([str(path)], capture_output=True, text=True)
    version = (banner.stdout.splitlines() or ["BusyBox"])[0].split(" multi-call")[0].strip()
    applets = tuple(sorted(a for a in listing.stdout.split() if a and a != "busybox"))
    return Busybox(path=path, version=version, applets=applets, mtime=int(path.stat().st_mtime))


# -- file trees ---------------------------------------------------------------

PASSWD = """root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
sys:x:3:3:sys:/dev:/bin/false
sync:x:4:100:sync:/bin:/bin/sync
mail:x:8:8:mail:/var/spool/mail:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
operator:x:37:37:Operator:/var:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
"""

GROUP = """root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
disk:x:6:
lp:x:7:
mail:x:8:
kmem:x:9:
wheel:x:10:root
cdrom:x:11:
dialout:x:18:
floppy:x:19:
video:x:28:
audio:x:29:
tape:x:32:
www-data:x:33:
operator:x:37:
utmp:x:43:
plugdev:x:46:
staff:x:50:
lock:x:54:
netdev:x:82:
users:x:100:
nogroup:x:65534:
"""

HELLO = """#!/bin/busybox sh
exec /bin/busybox cat <<'EOF'

Hello from Docker!
This text comes from dockerlab's stand-in for the hello-world image: dockerlab
runs your containers on its own small engine, made for learning, without Docker.

If you can read it, everything works. Here is what just happened:
 1. The docker command you typed handed your request to the engine.
 2. The engine looked for the "hello-world" image in its local store
    (dockerlab builds that image offline: nothing was downloaded).
 3. The engine made a container from the image: its own namespaces, its own
    cgroup, and a root filesystem stacked from the image's layers.
 4. It started the image's program, /hello, which wrote these lines; the engine
    passed them on to your terminal, and the container stopped when /hello ended.

For a first real shell in a container, try:
 $ docker run -it busybox sh

EOF
"""

APK = r"""#!/bin/sh
# dockerlab stand-in for Alpine's apk. There is no Alpine package repository in the
# lab: `apk add NAME` installs the Debian 12 package NAME and the libraries it needs,
# fetched through the lab's package cache (the container's gateway, port 3142), and
# says so. Removing packages is not supported.
DB=/lib/apk/dockerlab-installed
SUITE="Debian 12 (bookworm)"
say() { echo "$*"; }
cache() {
    gw=$(ip route 2>/dev/null | awk '/^default/ {print $3; exit}')
    [ -n "$gw" ] && echo "http://$gw:3142"
}
debian_name() {   # a few Alpine names whose Debian package is called otherwise
    case "${1%%[=<>~]*}" in
        build-base) echo "gcc libc6-dev make" ;;
        bind-tools) echo dnsutils ;;
        iputils) echo iputils-ping ;;
        py3-pip) echo python3-pip ;;
        openssh-client) echo openssh-client ;;
        *) echo "${1%%[=<>~]*}" ;;
    esac
}
no_cache() {
    say "ERROR: the lab's package cache cannot be reached (no default gateway, or no cache on it)"
    say "(dockerlab stand-in for apk: packages come from $SUITE through the lab's cache)"
    exit 1
}
cmd=""; pkgs=""; skip=""
for a in "$@"; do
    if [ -n "$skip" ]; then skip=""; continue; fi
    case "$a" in
        -t|--virtual|-X|--repository|-p|--root|--arch) skip=1 ;;
        --version|-V) say "apk-tools 0.0 (dockerlab stand-in: installs $SUITE packages)"; exit 0 ;;
        -*) ;;
        *) if [ -z "$cmd" ]; then cmd=$a; else pkgs="$pkgs $a"; fi ;;
    esac
done
case "$cmd" in
update)
    base=$(cache) || no_cache
    say "fetch $base/debian/dists/bookworm/InRelease (dockerlab stand-in: $SUITE packages)"
    wget -q -O /dev/null "$base/debian/dists/bookworm/InRelease" || no_cache
    say "OK: $SUITE package index reachable through the lab's package cache" ;;
add)
    [ -n "$pkgs" ] || { say "ERROR: apk add: no package given"; exit 1; }
    base=$(cache) || no_cache
    list=""; for p in $pkgs; do list="$list $(debian_name "$p")"; done
    query=$(echo $list | tr ' ' ',')
    say "fetch $base (dockerlab stand-in for apk: installing $SUITE packages)"
    plan=$(wget -q -O - "$base/apk/plan?pkgs=$query") || no_cache
    missing=$(echo "$plan" | awk '$1 == "missing" {print $2}')
    if [ -n "$missing" ]; then
        say "ERROR: unable to select packages:"
        for m in $missing; do say "  $m (no such package):"; say "    required by: world[$m]"; done
        say "(dockerlab stand-in: there is no Debian package by that name in $SUITE)"
        exit 1
    fi
    total=$(echo "$plan" | grep -c '^ok ')
    tmp=/tmp/.apk-dockerlab.$$.tar
    wget -q -O "$tmp" "$base/apk/bundle?pkgs=$query" || { rm -f "$tmp"; no_cache; }
    i=0
    echo "$plan" | while read -r ok name version; do
        i=$((i + 1)); say "($i/$total) Installing $name ($version)"
    done
    tar -xf "$tmp" -C / || { rm -f "$tmp"; say "ERROR: could not unpack the packages"; exit 1; }
    rm -f "$tmp"
    mkdir -p "${DB%/*}"
    echo "$plan" | awk '{print $2, $3}' >> "$DB"
    say "OK: $total Debian packages installed (dockerlab stand-in for apk)" ;;
info|list)
    [ -f "$DB" ] && awk '{print $1 "-" $2}' "$DB" | sort -u ;
    exit 0 ;;
del)
    say "ERROR: apk del: the dockerlab stand-in cannot remove packages"; exit 1 ;;
*)
    say "usage: apk add|update|info PACKAGE... (dockerlab stand-in: installs $SUITE packages"
    say "       through the lab's package cache)"
    exit 1 ;;
esac
"""


def base_tree(bb: Busybox) -> TreeTar:
    """A busybox root: the binary, applet links in /bin, users and the usual dirs."""
    tree = TreeTar(bb.mtime)
    for d in ("dev", "etc", "home", "proc", "run", "sbin", "sys", "usr/bin", "usr/sbin",
              "usr/local/bin", "var/log", "var/spool/mail", "var/www"):
        tree.dir(d)
    tree.dir("root", 0o700)
    tree.dir("tmp", 0o1777)
    tree.dir("var/tmp", 0o1777)
    tree.file("bin/busybox", bb.path, 0o755)
    for applet in bb.applets:
        tree.symlink(f"bin/{applet}", "busybox")
    tree.file("etc/passwd", PASSWD)
    tree.file("etc/group", GROUP)
    tree.file("etc/shadow", "".join(f"{line.split(':')[0]}:*:19000:0:99999:7:::\n"
                                    for line in PASSWD.splitlines()), 0o600)
    return tree


def alpine_tree(bb: Busybox) -> TreeTar:
    """What makes the busybox root look like Alpine, and say it is not."""
    tree = TreeTar(bb.mtime)
    honest = "dockerlab stand-in for Alpine Linux built from busybox"
    tree.file("etc/os-release", f'NAME="Alpine Linux (dockerlab stand-in)"\nID=alpine\n'
                                f'VERSION_ID=0.0-dockerlab\nPRETTY_NAME="{honest}"\n'
                                f'HOME_URL="https://alpinelinux.org/"\n')
    tree.file("etc/alpine-release", f"0.0-dockerlab ({honest}, {bb.version})\n")
    tree.file("etc/issue", f"Welcome to the {honest}\nKernel \\r on an \\m (\\l)\n\n")
    tree.file("sbin/apk", APK, 0o755)
    return tree


def hello_tree(bb: Busybox) -> TreeTar:
    tree = TreeTar(bb.mtime)
    tree.file("bin/busybox", bb.path, 0o755)
    tree.file("hello", HELLO, 0o755)
    return tree


# -- building -----------------------------------------------------------------

def _add_tree(store: ImageStore, tree: TreeTar, parent: Layer | None) -> Layer:
    with tempfile.TemporaryFile() as tmp:
        tree.write(tmp)
        tmp.seek(0)
        return store.add_layer(tmp, parent)


def _create(store: ImageStore, name: str, bb: Busybox, layers: list[tuple[str, Layer]],
            cmd: list[str], description: str) -> Image:
    created = rfc3339(bb.mtime)
    labels = {STANDIN_LABEL: "true", DESCRIPTION_LABEL: description}
    history = [{"created": created, "created_by": f"ADD {what} / # dockerlab, from {bb.version}"}
               for what, _ in layers]
    history += [{"created": created, "created_by": f"LABEL {STANDIN_LABEL}=true",
                 "empty_layer": True},
                {"created": created, "created_by": f"ENV {PATH_ENV}", "empty_layer": True},
                {"created": created, "created_by": "CMD " + json.dumps(cmd), "empty_layer": True}]
    config = {"created": created, "history": history,
              "config": {"Env": [PATH_ENV], "Cmd": cmd, "Labels": labels}}
    return store.create_image(config, [layer for _, layer in layers], tags=[f"{name}:latest"])


def build_hello_world(store: ImageStore, progress: Progress) -> Image:
    bb = find_busybox()
    progress(f"hello-world: layer 1/1 from {bb.path} ({bb.version})")
    layer = _add_tree(store, hello_tree(bb), None)
    return _create(store, "hello-world", bb, [("hello-rootfs", layer)], ["/hello"],
                   "dockerlab stand-in for hello-world: /hello is a busybox sh script "
                   "that explains how the container was run")


def _base_layer(store: ImageStore, bb: Busybox, name: str, step: str,
                progress: Progress) -> Layer:
    progress(f"{name}: layer {step} busybox root from {bb.path} ({bb.version}, "
             f"{len(bb.applets)} applets)")
    return _add_tree(store, base_tree(bb), None)


def build_busybox(store: ImageStore, progress: Progress) -> Image:
    bb = find_busybox()
    base = _base_layer(store, bb, "busybox", "1/1", progress)
    return _create(store, "busybox", bb, [("busybox-rootfs", base)], ["sh"],
                   f"dockerlab stand-in for busybox: {bb.version} from Debian's busybox-static")


def build_alpine(store: ImageStore, progress: Progress) -> Image:
    bb = find_busybox()
    base = _base_layer(store, bb, "alpine", "1/2", progress)
    progress("alpine: layer 2/2 Alpine-like /etc files and an apk that installs Debian packages")
    top = _add_tree(store, alpine_tree(bb), base)
    return _create(store, "alpine", bb, [("busybox-rootfs", base), ("alpine-files", top)],
                   ["/bin/sh"], "dockerlab stand-in for Alpine Linux built from busybox "
                   f"({bb.version}); its apk installs Debian 12 packages through the lab's "
                   "package cache")


RECIPES = (
    Recipe("hello-world", {"fr": "l'image de bienvenue (remplaçant construit avec busybox)",
                           "en": "the welcome image (stand-in built with busybox)"},
           "busybox-static", build_hello_world),
    Recipe("busybox", {"fr": "busybox : un shell et les outils Unix de base",
                       "en": "busybox: a shell and the basic Unix tools"},
           "busybox-static", build_busybox),
    Recipe("alpine", {"fr": "remplaçant d'Alpine Linux construit avec busybox "
                            "(apk installe des paquets Debian)",
                      "en": "stand-in for Alpine Linux built with busybox "
                            "(apk installs Debian packages)"},
           "busybox-static", build_alpine),
)
