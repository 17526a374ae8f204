"""Everything decided before a start: networks, ports, limits, restart policy."""
from __future__ import annotations

import signal as signals

from . import healthcheck
from .errors import Conflict
from .fsutil import locked
from .runtime import hostsfile
from .runtime.shim import RestartPolicy, ShimRequest

DEFAULT_PIDS_LIMIT = 1024   # a fork bomb in a lab cannot take the machine down


def limits_of(hc: dict):
    from . import cgroups
    return cgroups.Limits(memory=hc.get("Memory") or None, memory_swap=hc.get("MemorySwap") or None,
                          nano_cpus=hc.get("NanoCpus") or None, cpu_shares=hc.get("CpuShares") or None,
                          cpuset_cpus=hc.get("CpusetCpus") or None,
                          pids_limit=hc.get("PidsLimit") if (hc.get("PidsLimit") or 0) > 0 else DEFAULT_PIDS_LIMIT)


def network_plan(engine, record: dict, spec) -> list:
    """[(network name, connect options)] and the resolv.conf text; sets join pid for container:X."""
    hc = record["HostConfig"]
    mode = hc.get("NetworkMode") or "bridge"
    if mode == "none":
        hostsfile.write_resolv_conf(spec, "# --network none: no name servers\n")
        return []
    if mode == "host":
        hostsfile.write_resolv_conf(spec, open("/etc/resolv.conf").read())
        return []
    if mode.startswith("container:"):
        from .lifecycle import current_state
        other = engine.resolve(mode.split(":", 1)[1])
        state = current_state(engine, other)
        if not state["Running"]:
            raise Conflict(f"cannot join network of a non running container: {other}")
        spec.join_netns_pid = state["Pid"]
        src = engine.containers.path(other)
        for name in ("hosts", "resolv.conf", "hostname"):
            if (src / name).exists():
                (spec.container_dir / name).write_bytes((src / name).read_bytes())
        _take_hostname(engine, record, spec, engine.containers.load(other)["Config"])
        return []
    from .network.attach import start_plan
    plan, dns_network = start_plan(engine, record)     # every network kept in the record
    from .network.legacy import dns_overrides
    hostsfile.write_resolv_conf(spec, dns_overrides(engine.networks.resolv_conf(dns_network), hc))
    return plan


def _take_hostname(engine, record: dict, spec, joined: dict) -> None:
    """`container:` mode: the joined container's host and domain names, kept in the
    record as dockerd's initializeNetworking keeps them."""
    spec.hostname, spec.domainname = joined.get("Hostname") or "", joined.get("Domainname") or ""
    if (record["Config"].get("Hostname"), record["Config"].get("Domainname")) != (spec.hostname,
                                                                                spec.domainname):
        record["Config"].update(Hostname=spec.hostname, Domainname=spec.domainname)
        engine.containers.save(record)


def port_specs(record: dict) -> list[str]:
    """The ports to publish: none for --network host (discarded, with dockerd's warning
    at create) or none (no interface to reach)."""
    hc = record["HostConfig"]
    if (hc.get("NetworkMode") or "") in ("host", "none"):
        return []
    specs = []
    for port, binds in (hc.get("PortBindings") or {}).items():
        for b in binds or [{}]:
            ip, host = b.get("HostIp", ""), b.get("HostPort", "")
            specs.append(f"{ip + ':' if ip else ''}{host}:{port}" if (ip or host) else port)
    if hc.get("PublishAllPorts"):
        bound = set(hc.get("PortBindings") or {})
        specs += [p for p in (record["Config"].get("ExposedPorts") or {}) if p not in bound]
    return specs


def device_plan(spec, hc: dict) -> tuple:
    """Nodes for the container's /dev and the cgroup rules that let it open them."""
    from . import cgroups
    from .runtime import devices
    if hc.get("Privileged"):
        spec.devices = devices.host_devices()
        return cgroups.ALLOW_ALL
    spec.devices = devices.from_host_config(hc.get("Devices") or [])
    rules = [cgroups.parse_rule(r) for r in hc.get("DeviceCgroupRules") or []]
    return tuple(cgroups.DOCKER_DEFAULT) + tuple(devices.cgroup_rules(spec.devices)) + tuple(rules)


def console_size_of(hc: dict) -> tuple[int, int]:
    """HostConfig.ConsoleSize as (rows, columns); (0, 0), leave the tty as made, if unusable."""
    try:
        rows, cols = (int(v) for v in hc.get("ConsoleSize") or (0, 0))
    except (TypeError, ValueError):
        return 0, 0
    return (rows, cols) if 0 < rows < 65536 and 0 < cols < 65536 else (0, 0)


def plan_start(engine, record: dict):
    from .lifecycle import parse_signal, spec_of
    spec = spec_of(engine, record)
    from .api.socketmount import mount_at_start
    mount_at_start(engine.settings, spec.mounts)     # -v /var/run/docker.sock: dockerlab's socket
    spec.console_size = console_size_of(record["HostConfig"])
    hc = record["HostConfig"]
    networks = network_plan(engine, record, spec)
    extra = [tuple(h.split(":", 1)) for h in hc.get("ExtraHosts") or []]
    from .network.legacy import link_env, link_hosts
    extra += link_hosts(engine, record)      # --link on the default bridge: /etc/hosts lines
    spec.env = link_env(engine, record) + list(spec.env)     # ...and ALIAS_PORT_*, ALIAS_ENV_* variables
    (spec.container_dir / "hosts.extra").write_text("".join(f"{ip}\t{name}\n" for name, ip in extra))
    listeners = []
    specs = port_specs(record)
    if specs:
        if not networks:
            raise Conflict("published ports need a bridge network (not --network none/host)")
        from .network import ports
        bindings = [b for s in specs for b in ports.parse_publish(s)]
        engine.settings.run_dir.mkdir(parents=True, exist_ok=True)
        with locked(engine.settings.run_dir / ".publish.lock"):   # bind + register as one step:
            listeners = ports.publish(engine.settings, record["Id"], bindings, None,   # racers
                                      endpoint_name=record["Name"].lstrip("/"),
                                      endpoint_id=_endpoint_id(engine, record["Id"], networks[0][0]))
        # then see "port is already allocated", as Docker's daemon serializes them
        engine.containers.state(record["Id"]).update(Ports=ports.describe(listeners))
    policy = hc.get("RestartPolicy") or {}
    cid = record["Id"]

    on_removed = RemoveRecord(engine.settings, cid, record, engine)
    req = ShimRequest(spec=spec, devices=device_plan(spec, hc), settings=engine.settings, limits=limits_of(hc),
                      restart=RestartPolicy(policy.get("Name") or "no", policy.get("MaximumRetryCount") or 0),
                      auto_remove=bool(hc.get("AutoRemove")),
                      stop_signal=parse_signal(record["Config"].get("StopSignal"), signals.SIGTERM),
                      networks=networks, listeners=listeners, on_removed=on_removed,
                      health=healthcheck.plan(record["Config"]))
    return req, listeners




class RemoveRecord:
    """What a --rm container's shim calls once it has cleaned up: delete the record.

    A class, not a closure, so it pickles: a slimmed shim carries it across exec
    (runtime/monitor.py) and builds its own Engine then.
    """

    def __init__(self, settings, container_id: str, record: dict, engine=None):
        self.settings, self.container_id, self.record, self.engine = settings, container_id, record, engine

    def __getstate__(self) -> dict:
        return {**self.__dict__, "engine": None}

    def __call__(self, _cid: str) -> None:
        if self.engine is None:
            from .engine import Engine
            self.engine = Engine(self.settings)
        from .lifecycle import delete_files
        engine, cid = self.engine, self.container_id
        delete_files(engine, cid, engine.containers.load(cid) or self.record, True)


def _endpoint_id(engine, container_id: str, network: str) -> str | None:
    """The id Docker shows in "driver failed programming external connectivity on endpoint NAME (ID)"."""
    from .network.manager import endpoint_id
    try:
        return endpoint_id(container_id, engine.networks.get(network)["Id"])
    except Exception:  # noqa: BLE001 - only the wording of an error depends on it
        return None
