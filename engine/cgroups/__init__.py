"""Per-container cgroups on cgroup v1 or v2 (detected at run time).

Public API: `version()`, `Limits`, `Cgroup`, `remove_all(settings)`,
`validate(limits)` (Docker's create-time checks and warnings), the device
rule lists `DOCKER_DEFAULT` / `ALLOW_ALL`, and `Layout` for pointing the
engine at a given hierarchy.
"""
from .cgroup import Cgroup, validate
from .cleanup import remove_all
from .devices import ALLOW_ALL, DOCKER_DEFAULT, DeviceRule, parse_rule
from .layout import Layout, version
from .limits import Limits

__all__ = ["ALLOW_ALL", "Cgroup", "DOCKER_DEFAULT", "DeviceRule", "Layout", "Limits",
           "parse_rule", "remove_all", "validate", "version"]
