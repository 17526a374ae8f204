"""/_ping, /version, /info, /events."""
from __future__ import annotations

import os
import platform
import time

from .. import events
from .httpio import API_VERSION, MIN_API_VERSION
from .relay import client_gone

VERSION = "28.2.2-dockerlab"


def ping(req) -> None:
    headers = {"Builder-Version": "1", "Cache-Control": "no-cache, no-store, must-revalidate",
               "Pragma": "no-cache"}
    req.send(200, b"OK", "text/plain; charset=utf-8", headers)


def _arch() -> str:
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())


def version(req) -> None:
    details = {"ApiVersion": API_VERSION, "Arch": _arch(), "BuildTime": "", "Experimental": "false",
               "GitCommit": "dockerlab", "GoVersion": "python" + platform.python_version(),
               "KernelVersion": platform.release(), "MinAPIVersion": MIN_API_VERSION, "Os": "linux"}
    req.send_json(200, {
        "Platform": {"Name": "dockerlab engine"},
        "Components": [{"Name": "Engine", "Version": VERSION, "Details": details}],
        "Version": VERSION, "ApiVersion": API_VERSION, "MinAPIVersion": MIN_API_VERSION,
        "GitCommit": "dockerlab", "GoVersion": details["GoVersion"], "Os": "linux", "Arch": _arch(),
        "KernelVersion": platform.release(), "BuildTime": "",
    })


def info(req) -> None:
    from .. import cgroups
    eng = req.engine
    cs = eng.list_containers(all=True)
    running = sum(1 for c in cs if c["State"]["Running"])
    paused = sum(1 for c in cs if c["State"]["Paused"])
    try:
        os_name = platform.freedesktop_os_release().get("PRETTY_NAME", "Linux")
    except OSError:
        os_name = "Linux"
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    cg = cgroups.version()
    req.send_json(200, {
        "ID": eng.settings.bridge, "Containers": len(cs), "ContainersRunning": running,
        "ContainersPaused": paused, "ContainersStopped": len(cs) - running - paused,
        "Images": len(eng.images.list()), "Driver": "overlay2",
        "DriverStatus": [["Backing Filesystem", "extfs"], ["Supports d_type", "true"]],
        "Plugins": {"Volume": ["local"], "Network": ["bridge", "host", "null"], "Authorization": None,
                    "Log": ["json-file"]},
        "MemoryLimit": True, "SwapLimit": True, "CpuCfsPeriod": True, "CpuCfsQuota": True,
        "CPUShares": True, "CPUSet": True, "PidsLimit": True, "IPv4Forwarding": False,
        "Debug": False, "NFd": len(os.listdir("/proc/self/fd")), "OomKillDisable": False,
        "NGoroutines": 0, "SystemTime": time.strftime("%Y-%m-%dT%H:%M:%S.000000000Z", time.gmtime()),
        "LoggingDriver": "json-file", "CgroupDriver": "cgroupfs", "CgroupVersion": str(cg),
        "NEventsListener": 0, "KernelVersion": platform.release(), "OperatingSystem": os_name,
        "OSVersion": "", "OSType": "linux", "Architecture": platform.machine(),
        "IndexServerAddress": "https://index.docker.io/v1/", "RegistryConfig": None,
        "NCPU": os.cpu_count() or 1, "MemTotal": mem, "GenericResources": None,
        "DockerRootDir": str(eng.settings.root), "HttpProxy": "", "HttpsProxy": "", "NoProxy": "",
        "Name": platform.node(), "Labels": [], "ExperimentalBuild": False,
        "ServerVersion": VERSION, "Runtimes": {"runc": {"path": "dockerlab"}},
        "DefaultRuntime": "runc", "Swarm": {"LocalNodeState": "inactive", "NodeID": "", "NodeAddr": "",
                                            "ControlAvailable": False, "Error": "", "RemoteManagers": None},
        "LiveRestoreEnabled": True, "Isolation": "", "InitBinary": "", "SecurityOptions":
            ["name=seccomp,profile=builtin", "name=cgroupns" if cg == 2 else "name=no-cgroupns"],
        "Warnings": None,
    })


def _since(text: str | None) -> int | None:
    if not text:
        return None
    try:
        return int(float(text) * 1_000_000_000)
    except ValueError:
        from . import shapes
        return shapes.unix_time(text) * 1_000_000_000


def events_(req) -> None:
    since, until = _since(req.q("since")), _since(req.q("until"))
    filters = req.filters()
    w = req.stream(200, "application/json")
    conn = req.handler.connection
    for ev in events.read(req.engine.settings, since_ns=since, until_ns=until,
                          follow=True, stopped=lambda: client_gone(conn)):
        if events.matches(ev, filters):
            try:
                w.json(ev)
            except OSError:
                return
    w.close()


def df(req) -> None:
    from . import shapes
    eng = req.engine
    req.send_json(200, {
        "LayersSize": sum(i.size for i in eng.images.list()),
        "Images": [shapes.image_summary(eng.images, i) for i in eng.images.list()],
        "Containers": [shapes.container_summary(c) for c in eng.list_containers(all=True)],
        "Volumes": eng.list_volumes(), "BuildCache": [],
    })


ROUTES = [
    ("GET", "/_ping", ping),
    ("HEAD", "/_ping", ping),
    ("GET", "/version", version),
    ("GET", "/info", info),
    ("GET", "/events", events_),
    ("GET", "/system/df", df),
]
