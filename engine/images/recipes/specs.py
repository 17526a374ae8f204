"""The Debian-based images of the catalog: which packages, which files, which OCI config."""
from __future__ import annotations

from . import files
from .debian import ImageSpec

NGINX = ImageSpec(
    name="nginx",
    summary={"fr": "nginx de Debian, configuré comme l'image officielle (port 80)",
             "en": "Debian's nginx, set up like the official image (port 80)"},
    description="dockerlab stand-in for nginx: Debian's nginx package on Debian 12 (bookworm); "
                "serves /usr/share/nginx/html like the official image",
    packages=("nginx",),
    after="rm -f /etc/nginx/sites-enabled/default\n"
          "ln -sf /dev/stdout /var/log/nginx/access.log\n"
          "ln -sf /dev/stderr /var/log/nginx/error.log",
    files={"etc/nginx/conf.d/default.conf": (files.NGINX_DEFAULT_CONF, 0o644),
           "usr/share/nginx/html/index.html": (files.NGINX_INDEX, 0o644),
           "usr/share/nginx/html/50x.html": (files.NGINX_50X, 0o644)},
    config={"Cmd": ["nginx", "-g", "daemon off;"], "ExposedPorts": {"80/tcp": {}},
            "StopSignal": "SIGQUIT"},
)

PYTHON = ImageSpec(
    name="python",
    summary={"fr": "python3 de Debian (avec pip)", "en": "Debian's python3 (with pip)"},
    description="dockerlab stand-in for python: Debian's python3 and pip on Debian 12 "
                "(bookworm); pip installs system-wide as in the official image",
    packages=("python3", "python3-pip", "python-is-python3"),
    after="rm -f /usr/lib/python3*/EXTERNALLY-MANAGED",
    config={"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    "LANG=C.UTF-8"], "Cmd": ["python3"]},
)

GCC = ImageSpec(
    name="gcc",
    summary={"fr": "gcc, make et la libc de développement (liens statiques et dynamiques)",
             "en": "gcc, make and the C library for development (static and dynamic linking)"},
    description="dockerlab stand-in for gcc: Debian's gcc, make and libc6-dev (with libc.a for "
                "static linking) on Debian 12 (bookworm)",
    packages=("gcc", "libc6-dev", "make"),
    config={"Cmd": ["bash"]},
)

STRESS = ImageSpec(
    name="stress",
    summary={"fr": "stress et stress-ng pour charger mémoire et processeur",
             "en": "stress and stress-ng to load memory and CPU"},
    description="dockerlab stand-in for a stress image: Debian's stress and stress-ng on "
                "Debian 12 (bookworm); the entrypoint is stress --verbose",
    packages=("stress", "stress-ng"),
    config={"Entrypoint": ["/usr/bin/stress", "--verbose"]},
)

REGISTRY = ImageSpec(
    name="registry",
    summary={"fr": "un registre d'images (docker-registry de Debian, port 5000)",
             "en": "an image registry (Debian's docker-registry, port 5000)"},
    description="dockerlab stand-in for registry: Debian's docker-registry (Distribution) on "
                "Debian 12 (bookworm), listening on :5000, data in the /var/lib/registry volume",
    packages=("docker-registry",),
    after="mkdir -p /var/lib/registry",
    files={"etc/docker/registry/config.yml": (files.REGISTRY_CONFIG, 0o644)},
    config={"Entrypoint": ["/usr/bin/docker-registry", "serve"],
            "Cmd": ["/etc/docker/registry/config.yml"], "ExposedPorts": {"5000/tcp": {}},
            "Volumes": {"/var/lib/registry": {}}},
)

SPECS = (NGINX, PYTHON, GCC, STRESS, REGISTRY)
