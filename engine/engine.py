"""The Engine: one Python API over images, containers, volumes and networks.

The CLI, the guided shell and the Engine API server all call this class in
process; it never prints and never imports rich or prompt_toolkit.
"""
from __future__ import annotations

import os



from . import events, lifecycle
from .containers import ContainerStore
from .createbody import build_config, build_host_config, now_iso, validate_network_mode
from .errors import NotFound, RootRequired
from .fsutil import atomic_write_json
from .api.socketmount import rewrite_docker_sock, show_typed
from .mounts import resolve_mounts
from .runtime import hostsfile
from .runtime.initlayer import init_dir, make_init_layer
from .runtime.state import initial_state
from .settings import Settings
from .volumes import VolumeStore


def require_root() -> None:
    if os.geteuid() != 0:
        raise RootRequired("dockerlab needs root to run containers (namespaces, mounts, cgroups): "
                           "use sudo")


class Engine:
    def __init__(self, settings: Settings | None = None):
        require_root()
        self.settings = settings or Settings.load()
        self.containers = ContainerStore(self.settings)
        self.volumes = VolumeStore(self.settings)
        self._images = None
        self._networks = None

    @property
    def images(self):
        if self._images is None:
            from .images.store import ImageStore
            self._images = ImageStore(self.settings)
        return self._images

    @property
    def networks(self):
        if self._networks is None:
            from .network import NetworkManager
            self._networks = NetworkManager(self.settings)
        return self._networks

    # -- create ---------------------------------------------------------------
    def create(self, body: dict, name: str | None = None) -> dict:
        """Docker's POST /containers/create: returns {"Id", "Warnings"}."""
        image = self.images.get(body["Image"])
        typed = rewrite_docker_sock(body, self.settings)   # -v /var/run/docker.sock: dockerlab's API socket
        hc = build_host_config(body)
        warnings = validate_network_mode(body, hc)
        self._check_endpoints(body)
        cid = self.containers.new_id()
        config = build_config(body, body["Image"], image.config.get("config", {}), cid)
        name = self.containers.reserve_name(name, cid)
        cdir = self.containers.path(cid)
        try:
            for sub in ("upper", "work", "merged"):
                (cdir / sub).mkdir(parents=True, exist_ok=True)
            make_init_layer(cdir)                  # /.dockerenv, under the writable layer
            mounts, shown = resolve_mounts(config, hc, self.volumes)
            show_typed(hc, shown, typed)           # inspect shows the path typed, as Docker's
            record = self._record(cid, name, image, config, hc, shown, body)
            self.containers.save(record)
            atomic_write_json(cdir / "state.json", initial_state(), durable=False, compact=True)   # as StateFile.update
            self._write_etc(record)
        except BaseException:
            self.containers.release_name(name, cid)
            import shutil
            shutil.rmtree(cdir, ignore_errors=True)
            raise
        events.container(self.settings, cid, "create")
        return {"Id": cid, "Warnings": warnings}

    def _check_endpoints(self, body: dict) -> None:
        """A static IP or an alias the network cannot take is refused at create, as dockerd's
        validateEndpointSettings does, not left to fail the start."""
        for network, ep in ((body.get("NetworkingConfig") or {}).get("EndpointsConfig") or {}).items():
            ip = ((ep or {}).get("IPAMConfig") or {}).get("IPv4Address")
            aliases = (ep or {}).get("Aliases")
            if ip or aliases:
                from .network.store import PREDEFINED
                network = "bridge" if network in ("", "default") else network
                rec = {"Name": network} if network in PREDEFINED else self.networks.store.find(network)
                self.networks.validate_endpoint(rec, ip, aliases)

    def _record(self, cid, name, image, config, hc, shown, body) -> dict:
        argv = (config["Entrypoint"] or []) + (config["Cmd"] or [])
        cdir = self.containers.path(cid)
        lower = ":".join(str(p) for p in [init_dir(cdir), *reversed(self.images.layer_dirs(image))])
        return {
            "Id": cid, "Created": now_iso(), "Path": argv[0], "Args": argv[1:],
            "Image": image.id, "ResolvConfPath": str(cdir / "resolv.conf"),
            "HostnamePath": str(cdir / "hostname"), "HostsPath": str(cdir / "hosts"),
            "LogPath": str(cdir / "json.log"), "Name": "/" + name, "RestartCount": 0,
            "Driver": "overlay2", "Platform": "linux", "MountLabel": "", "ProcessLabel": "",
            "AppArmorProfile": "", "ExecIDs": None, "HostConfig": hc,
            "GraphDriver": {"Name": "overlay2", "Data": {
                "LowerDir": lower, "UpperDir": str(cdir / "upper"), "WorkDir": str(cdir / "work"),
                "MergedDir": str(cdir / "merged")}},
            "Mounts": shown, "Config": config,
            "NetworkingConfig": body.get("NetworkingConfig") or {},
        }

    def _write_etc(self, record: dict) -> None:
        spec = lifecycle.spec_of(self, record)
        hostsfile.write_hostname(spec)
        hostsfile.write_hosts(spec, "")

    # -- lookups ------------------------------------------------------------------
    def resolve(self, ref: str) -> str:
        return self.containers.resolve(ref)

    def record(self, ref: str) -> dict:
        cid = self.resolve(ref)
        record = self.containers.load(cid)
        if record is None:
            raise NotFound(f"No such container: {ref}")
        return record

    def state(self, ref: str) -> dict:
        return lifecycle.current_state(self, self.resolve(ref))

    def inspect_container(self, ref: str) -> dict:
        cid = self.resolve(ref)
        record = self.containers.load(cid)
        if record is None:
            raise NotFound(f"No such container: {ref}")
        return lifecycle.inspect_view(self, record, lifecycle.current_state(self, cid))

    def list_containers(self, all: bool = True) -> list[dict]:
        out = []
        for cid in self.containers.ids():
            record = self.containers.load(cid)
            if record is None:
                continue
            view = lifecycle.inspect_view(self, record, lifecycle.current_state(self, cid))
            if all or view["State"]["Running"]:
                out.append(view)
        out.sort(key=lambda c: c["Created"], reverse=True)
        return out

    # -- lifecycle (see lifecycle.py) -------------------------------------------
    def start(self, ref: str, attach=None) -> int:
        return lifecycle.start(self, self.resolve(ref), attach)

    def stop(self, ref: str, timeout: int | None = None, signal: str | None = None) -> None:
        lifecycle.stop(self, self.resolve(ref), timeout, signal)

    def kill(self, ref: str, signal: str | int = "KILL") -> None:
        lifecycle.kill(self, self.resolve(ref), signal)

    def restart(self, ref: str, timeout: int | None = None, signal: str | None = None) -> None:
        cid = self.resolve(ref)
        lifecycle.stop(self, cid, timeout, signal)
        lifecycle.start(self, cid, None)
        events.container(self.settings, cid, "restart")

    def wait(self, ref: str) -> dict:
        return lifecycle.wait(self, self.resolve(ref))

    def remove(self, ref: str, force: bool = False, volumes: bool = False) -> None:
        lifecycle.remove(self, self.resolve(ref), force, volumes)

    def pause(self, ref: str) -> None:
        lifecycle.set_paused(self, self.resolve(ref), True)

    def unpause(self, ref: str) -> None:
        lifecycle.set_paused(self, self.resolve(ref), False)

    def update(self, ref: str, changes: dict) -> list[str]:
        """`docker update`: HostConfig limits and restart policy; returns dockerd's warnings."""
        from .containerupdate import update
        return update(self, self.resolve(ref), changes)

    def rename(self, ref: str, new_name: str) -> None:
        lifecycle.rename(self, self.resolve(ref), new_name)

    def exec_run(self, ref: str, cmd: list[str], user: str | None = None,
                 env: list[str] | None = None, workdir: str | None = None) -> tuple[int, bytes]:
        """Run a command in a running container and capture its output (checks use it)."""
        from .runtime import execproc
        return execproc.run_captured(self, self.resolve(ref), cmd, user=user, env=env, workdir=workdir)

    # -- images, volumes, networks for checks and the CLI -------------------------
    def list_images(self) -> list[dict]:
        return [self.images.inspect(img) for img in self.images.list()]

    def inspect_image(self, ref: str) -> dict:
        return self.images.inspect(self.images.get(ref))

    def list_volumes(self) -> list[dict]:
        return self.volumes.list()

    def list_networks(self) -> list[dict]:
        return self.networks.list()

    def volume_users(self, name: str) -> list[str]:
        return [c["Id"] for c in self.list_containers(all=True)
                if any(m.get("Name") == name for m in c.get("Mounts") or [])]

    def remove_volume(self, name: str, force: bool = False) -> None:
        self.volumes.remove(name, users=self.volume_users(name), force=force)


