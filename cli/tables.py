"""Docker's list output: `ps`, `images`, `volume ls`, `network ls`.

The docker client renders every list through one pipeline (docker/cli
cli/command/formatter): a Go template per row, and for `table` formats a
header row rendered with the column names, all aligned by its copy of Go's
text/tabwriter (minwidth 10, tabwidth 1, padding 3, spaces). Reproducing
the pipeline, not just the default look, keeps `--format "table
{{.ID}}\\t{{.Names}}"`, `--format json`, `-q` and `--no-trunc` right too.

Rows take the Engine API's list objects (the JSON of GET /containers/json,
/images/json, /volumes, /networks) as plain dicts; each row class exposes
the same fields as Docker's (`.ID`, `.Names`, `.Ports`, `.Label "x"`...).
"""
from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from dockerlab.cli import units
from dockerlab.cli.flags import go_quote
from dockerlab.cli.formats import FieldFormat, Unsupported, compile_fields, preformat

try:
    from wcwidth import wcswidth as _wcswidth  # installed with prompt_toolkit
except ImportError:  # pragma: no cover - fallback keeps the module importable
    _wcswidth = None

__all__ = [
    "TabWriter", "tabwrite", "HeaderContext", "write_rows", "display_ports",
    "ellipsis", "truncate_id", "ContainerRow", "ImageRow", "VolumeRow", "NetworkRow",
    "render_containers", "render_images", "render_volumes", "render_networks",
    "container_format", "image_format",
]


# ---------------------------------------------------------------------------
# text/tabwriter (docker/cli's fork: widths counted in terminal columns).
# ---------------------------------------------------------------------------

def _text_width(text: str) -> int:
    """Display width, as go-runewidth counts it (wide CJK = 2 columns)."""
    if _wcswidth is not None:
        width = _wcswidth(text)
        if width >= 0:
            return width
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


class TabWriter:
    """Go's elastic-tabstop writer: tab-terminated cells in consecutive lines
    form a column, padded to its widest cell plus `padding`.

    Only the configuration docker uses is supported (space padding, no
    flags). Feed text with write(); flush() returns the aligned output.
    """

    def __init__(self, minwidth: int = 10, tabwidth: int = 1, padding: int = 3):
        self.minwidth, self.tabwidth, self.padding = minwidth, tabwidth, padding
        self._out: list[str] = []
        self._reset()

    def _reset(self) -> None:
        self._lines: list[list[tuple[str, int, bool]]] = [[]]
        self._cell = ""
        self._widths: list[int] = []

    def write(self, text: str) -> None:
        """Split `text` into cells; a line with a single cell ends a block."""
        for char in text:
            if char not in "\t\v\n\f":
                self._cell += char
                continue
            line = self._lines[-1]
            line.append((self._cell, _text_width(self._cell), char == "\t"))
            self._cell = ""
            if char in "\n\f":
                self._lines.append([])
                if char == "\f" or len(line) == 1:
                    self._format_all()

    def flush(self) -> str:
        """Format what is buffered and return all output produced so far."""
        if self._cell:
            self._lines[-1].append((self._cell, _text_width(self._cell), False))
            self._cell = ""
        self._format_all()
        out, self._out = "".join(self._out), []
        return out

    def _format_all(self) -> None:
        self._format(0, len(self._lines))
        self._reset()

    def _format(self, line0: int, line1: int) -> None:
        """Go's Writer.format: find column blocks, recurse right, print."""
        column = len(self._widths)
        this = line0
        while this < line1:
            if column >= len(self._lines[this]) - 1:
                this += 1
                continue
            self._write_lines(line0, this)
            line0 = this
            width = self.minwidth
            while this < line1 and column < len(self._lines[this]) - 1:
                width = max(width, self._lines[this][column][1] + self.padding)
                this += 1
            self._widths.append(width)
            self._format(line0, this)
            self._widths.pop()
            line0 = this
        self._write_lines(line0, line1)

    def _write_lines(self, line0: int, line1: int) -> None:
        for index in range(line0, line1):
            for column, (text, width, _) in enumerate(self._lines[index]):
                self._out.append(text)
                if column < len(self._widths):
                    self._out.append(" " * (self._widths[column] - width))
            if index + 1 < len(self._lines):
                self._out.append("\n")


def tabwrite(text: str, minwidth: int = 10, tabwidth: int = 1, padding: int = 3) -> str:
    """Align `text` as docker's table writer does."""
    writer = TabWriter(minwidth, tabwidth, padding)
    writer.write(text)
    return writer.flush()


# ---------------------------------------------------------------------------
# The formatter pipeline (formatter.Context.Write).
# ---------------------------------------------------------------------------

class HeaderContext:
    """The header row's data: column names by field (SubHeaderContext).

    Unknown fields print `<no value>` (it is a Go map); `.Label "a.b-c"`
    gives the label's last dotted part with - and _ as spaces ("b c").
    """

    def __init__(self, headers: Mapping[str, str]):
        self.headers = dict(headers)

    def __gotemplate_lookup__(self, name: str) -> object:
        if name == "Label":
            return self.label
        return self.headers[name]  # KeyError -> <no value>

    def label(self, name: str) -> str:
        return name.split(".")[-1].replace("-", " ").replace("_", " ")


def write_rows(fmt: str, rows: Sequence[object], headers: Mapping[str, str]) -> str:
    """Render `rows` with a final format ("table ..." or a template).

    Raises TemplateError with Docker's message when the template does not
    parse or a row cannot be rendered. Formats of plain fields skip the
    template engine (cli/formats.py); the output is the same.
    """
    is_table, source = preformat(fmt)
    fields = compile_fields(source)
    try:
        if fields is None:
            raise Unsupported(source)
        header, body = _fields_text(fields, rows, headers, is_table)
    except Unsupported:
        header, body = _template_text(source, rows, headers, is_table)
    if not is_table:
        return body
    writer = TabWriter()
    writer.write(header)
    writer.write("\n")
    writer.write(body)
    return writer.flush()


def _template_text(source: str, rows: Sequence[object], headers: Mapping[str, str],
                   is_table: bool) -> tuple[str, str]:
    """(header, body) through the Go template engine."""
    from dockerlab.cli.templates import parse
    template = parse(source)
    body = "".join(template.execute(row) + "\n" for row in rows)
    header = template.execute_header(HeaderContext(headers)) if is_table else ""
    return header, body


def _fields_text(fields: FieldFormat, rows: Sequence[object], headers: Mapping[str, str],
                 is_table: bool) -> tuple[str, str]:
    """(header, body) of a field-only format; Unsupported when a value needs the engine."""
    body = "".join(fields.render(_row_values(row)) + "\n" for row in rows)
    header = fields.render(_header_values(headers)) if is_table else ""
    return header, body


def _row_values(row: object):
    """A row's fields as gotpl reads them: its argument-less Go methods, which return strings."""
    names = getattr(row, "FIELDS", ())

    def value(name: str) -> str:
        method = getattr(row, name, None) if name in names else None
        if not callable(method):
            raise Unsupported(name)        # Docker's "can't evaluate field" error comes from gotpl
        got = method()
        if not isinstance(got, str):
            raise Unsupported(name)
        return got
    return value


def _header_values(headers: Mapping[str, str]):
    def value(name: str) -> str:
        got = headers.get(name)
        if not isinstance(got, str):
            raise Unsupported(name)        # `<no value>` and friends: gotpl's
        return got
    return value


class _Row:
    """A formatter context: Go methods exposed as template fields.

    A field the row lacks is an error in Docker ("can't evaluate field Foo
    in type *formatter.ContainerContext"); `{{json .}}` marshals every
    argument-less field, keys sorted.
    """

    GO_TYPE = "*formatter.Context"
    FIELDS: tuple[str, ...] = ()

    def __gotemplate_lookup__(self, name: str) -> object:
        if name in self.FIELDS or name == "Label":
            return getattr(self, name)
        from gotpl import TemplateExecutionError   # loaded: gotpl is the caller
        raise TemplateExecutionError(f"can't evaluate field {name} in type {self.GO_TYPE}")

    def __go_json__(self) -> Mapping[str, Any]:
        return {name: getattr(self, name)() for name in sorted(self.FIELDS)}


def ellipsis(text: str, max_width: int) -> str:
    """formatter.Ellipsis: cut to `max_width` columns, ending with "…"."""
    if max_width <= 0:
        return ""
    if max_width == 1:
        return text[:1]
    if _text_width(text) <= max_width:
        return text
    out, width = "", 0
    for char in text:
        char_width = _text_width(char)
        if width + char_width > max_width - 1:
            break
        out += char
        width += char_width
    return out + "…"


def truncate_id(identifier: str) -> str:
    """stringid.TruncateID: drop "sha256:", keep 12 characters."""
    return identifier.split(":", 1)[-1][:12]


def _labels_text(labels: Mapping[str, str] | None) -> str:
    return ",".join(sorted(f"{k}={v}" for k, v in (labels or {}).items()))


def _join_host_port(host: str, port: int | str) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _port_key(port: Mapping[str, Any]) -> tuple:
    """formatter.comparePorts: private port, IP (as text), public port, type."""
    return (int(port.get("PrivatePort", 0)), str(port.get("IP", "") or ""),
            int(port.get("PublicPort", 0) or 0), str(port.get("Type", "")))


def _port_group(key: str, first: int, last: int) -> str:
    ip, _, kind = key.rpartition("/")
    group = str(first) if first == last else f"{first}-{last}"
    if ip:
        group = f"{_join_host_port(ip, group)}->{group}"
    return f"{group}/{kind}"


def display_ports(ports: Sequence[Mapping[str, Any]]) -> str:
    """formatter.DisplayablePorts: "0.0.0.0:8080->80/tcp, 443/tcp".

    Consecutive ports with the same address and protocol collapse into
    ranges ("8000-8002/tcp"); published ports mapped to another number are
    listed last.
    """
    groups: dict[str, list[int]] = {}
    result, mappings = [], []
    for port in sorted(ports, key=_port_key):
        private, kind = int(port.get("PrivatePort", 0)), str(port.get("Type", ""))
        key, ip = kind, str(port.get("IP", "") or "")
        if ip:
            public = int(port.get("PublicPort", 0) or 0)
            if public != private:
                mappings.append(f"{_join_host_port(ip, public)}->{private}/{kind}")
                continue
            key = f"{ip}/{kind}"
        group = groups.get(key)
        if group is None:
            groups[key] = [private, private]
        elif private == group[1] + 1:
            group[1] = private
        else:
            result.append(_port_group(key, *group))
            groups[key] = [private, private]
    result += [_port_group(key, first, last) for key, (first, last) in groups.items()]
    return ", ".join(result + mappings)


# ---------------------------------------------------------------------------
# docker ps
# ---------------------------------------------------------------------------

CONTAINER_TABLE = ("table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t"
                   "{{.Status}}\t{{.Ports}}\t{{.Names}}")
CONTAINER_HEADERS = {
    "ID": "CONTAINER ID", "Names": "NAMES", "Image": "IMAGE", "Command": "COMMAND",
    "CreatedAt": "CREATED AT", "RunningFor": "CREATED", "Ports": "PORTS", "State": "STATE",
    "Status": "STATUS", "Size": "SIZE", "Labels": "LABELS", "Mounts": "MOUNTS",
    "LocalVolumes": "LOCAL VOLUMES", "Networks": "NETWORKS", "Platform": "PLATFORM",
}


def container_format(source: str, quiet: bool = False, size: bool = False) -> str:
    """formatter.NewContainerFormat: the template `docker ps` really uses."""
    if source in ("", "table"):
        return "{{.ID}}" if quiet else CONTAINER_TABLE + ("\t{{.Size}}" if size else "")
    return "{{.ID}}" if quiet else source


class ContainerRow(_Row):
    """One `docker ps` row over a container summary (GET /containers/json)."""

    GO_TYPE = "*formatter.ContainerContext"
    FIELDS = ("Command", "CreatedAt", "ID", "Image", "Labels", "LocalVolumes", "Mounts",
              "Names", "Networks", "Platform", "Ports", "RunningFor", "Size", "State",
              "Status")

    def __init__(self, summary: Mapping[str, Any], trunc: bool = True,
                 now: datetime | None = None):
        self.c, self.trunc, self.now = summary, trunc, now

    def ID(self) -> str:
        identifier = str(self.c.get("Id", ""))
        return truncate_id(identifier) if self.trunc else identifier

    def Names(self) -> str:
        names = [str(n)[1:] for n in self.c.get("Names") or []]
        if self.trunc:
            names = next(([n] for n in names if "/" not in n), names)
        return ",".join(names)

    def Image(self) -> str:
        image = str(self.c.get("Image", ""))
        if not image:
            return "<no image>"
        if self.trunc and truncate_id(str(self.c.get("ImageID", ""))) == truncate_id(image):
            return truncate_id(image)
        return image

    def Command(self) -> str:
        command = str(self.c.get("Command", ""))
        return go_quote(ellipsis(command, 20) if self.trunc else command)

    def CreatedAt(self) -> str:
        return units.go_time_string(int(self.c.get("Created", 0)))

    def RunningFor(self) -> str:
        return units.created_ago(int(self.c.get("Created", 0)), self.now)

    def Ports(self) -> str:
        return display_ports(self.c.get("Ports") or [])

    def State(self) -> str:
        return str(self.c.get("State", ""))

    def Status(self) -> str:
        return str(self.c.get("Status", ""))

    def Size(self) -> str:
        rw = units.human_size(int(self.c.get("SizeRw", 0) or 0))
        root = int(self.c.get("SizeRootFs", 0) or 0)
        return f"{rw} (virtual {units.human_size(root)})" if root > 0 else rw

    def Labels(self) -> str:
        return _labels_text(self.c.get("Labels"))

    def Label(self, name: str) -> str:
        return str((self.c.get("Labels") or {}).get(name, ""))

    def Mounts(self) -> str:
        names = []
        for mount in self.c.get("Mounts") or []:
            name = mount.get("Name") or mount.get("Source", "")
            names.append(ellipsis(name, 15) if self.trunc else name)
        return ",".join(names)

    def LocalVolumes(self) -> str:
        mounts = self.c.get("Mounts") or []
        return str(sum(1 for m in mounts if m.get("Driver") == "local"))

    def Networks(self) -> str:
        settings = self.c.get("NetworkSettings") or {}
        return ",".join((settings.get("Networks") or {}).keys())

    def Platform(self) -> None:
        return None


def render_containers(summaries: Sequence[Mapping[str, Any]], fmt: str = "", *,
                      quiet: bool = False, size: bool = False, trunc: bool = True,
                      now: datetime | None = None) -> str:
    """What `docker ps` prints for these container summaries."""
    rows = [ContainerRow(s, trunc, now) for s in summaries]
    return write_rows(container_format(fmt, quiet, size), rows, CONTAINER_HEADERS)


# ---------------------------------------------------------------------------
# docker images
# ---------------------------------------------------------------------------

IMAGE_TABLE = ("table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t"
               "{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}")
IMAGE_TABLE_DIGEST = ("table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t"
                      "{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}")
IMAGE_HEADERS = {
    "ID": "IMAGE ID", "Repository": "REPOSITORY", "Tag": "TAG", "Digest": "DIGEST",
    "CreatedSince": "CREATED", "CreatedAt": "CREATED AT", "Size": "SIZE",
    "Containers": "CONTAINERS", "VirtualSize": "SIZE", "SharedSize": "SHARED SIZE",
    "UniqueSize": "UNIQUE SIZE",
}


def image_format(source: str, quiet: bool = False, digests: bool = False) -> str:
    """formatter.NewImageFormat."""
    if source in ("", "table"):
        if quiet:
            return "{{.ID}}"
        return IMAGE_TABLE_DIGEST if digests else IMAGE_TABLE
    if source.startswith("table") and digests and "{{.Digest}}" not in source:
        return source + "\t{{.Digest}}"
    return source


def familiar_name(name: str) -> str:
    """reference.FamiliarName: docker.io/library/alpine -> alpine."""
    if not name.startswith("docker.io/"):
        return name
    rest = name[len("docker.io/"):]
    if rest.startswith("library/") and rest.count("/") == 1:
        return rest[len("library/"):]
    return rest


def _split_ref(ref: str) -> tuple[str, str, str]:
    """"alpine:3.19" -> ("alpine", "3.19", ""); "a@sha256:x" -> ("a", "", "sha256:x")."""
    name, _, digest = ref.partition("@")
    slash = name.rfind("/")
    colon = name.rfind(":")
    tag = ""
    if colon > slash:
        name, tag = name[:colon], name[colon + 1:]
    return familiar_name(name), tag, digest


class ImageRow(_Row):
    """One `docker images` row: an image summary with one repository/tag."""

    GO_TYPE = "*formatter.imageContext"
    FIELDS = ("Containers", "CreatedAt", "CreatedSince", "Digest", "ID", "Repository",
              "SharedSize", "Size", "Tag", "UniqueSize", "VirtualSize")

    def __init__(self, summary: Mapping[str, Any], repo: str, tag: str, digest: str,
                 trunc: bool = True, now: datetime | None = None):
        self.i, self.repo, self.tag, self.digest = summary, repo, tag, digest
        self.trunc, self.now = trunc, now

    def ID(self) -> str:
        identifier = str(self.i.get("Id", ""))
        return truncate_id(identifier) if self.trunc else identifier

    def Repository(self) -> str:
        return self.repo

    def Tag(self) -> str:
        return self.tag

    def Digest(self) -> str:
        return self.digest

    def CreatedSince(self) -> str:
        return units.created_ago(int(self.i.get("Created", 0)), self.now)

    def CreatedAt(self) -> str:
        return units.go_time_string(int(self.i.get("Created", 0)))

    def Size(self) -> str:
        return units.human_size(int(self.i.get("Size", 0)))

    VirtualSize = Size

    def Containers(self) -> str:
        count = int(self.i.get("Containers", -1))
        return "N/A" if count == -1 else str(count)

    def SharedSize(self) -> str:
        shared = int(self.i.get("SharedSize", -1))
        return "N/A" if shared == -1 else units.human_size(shared, 4)

    def UniqueSize(self) -> str:
        size = int(self.i.get("Size", -1))
        shared = int(self.i.get("SharedSize", -1))
        return "N/A" if -1 in (size, shared) else units.human_size(size - shared, 4)


def image_rows(summary: Mapping[str, Any], digests: bool = False, trunc: bool = True,
               now: datetime | None = None) -> list[ImageRow]:
    """The rows of one image: one per repository:tag, "<none>" when dangling."""
    tags = [t for t in summary.get("RepoTags") or [] if t != "<none>:<none>"]
    refs = [d for d in summary.get("RepoDigests") or [] if d != "<none>@<none>"]
    if not tags and not refs:
        return [ImageRow(summary, "<none>", "<none>", "<none>", trunc, now)]
    by_repo: dict[str, list[str]] = {}
    for ref in refs:
        repo, _, digest = _split_ref(ref)
        by_repo.setdefault(repo, []).append(digest)
    rows = []
    for ref in tags:
        repo, tag, _ = _split_ref(ref)
        repo_digests = by_repo.get(repo, []) if digests else []
        rows += [ImageRow(summary, repo, tag, d, trunc, now) for d in repo_digests] or \
            [ImageRow(summary, repo, tag, "<none>", trunc, now)]
    tagged = {_split_ref(t)[0] for t in tags}
    for repo, repo_digests in by_repo.items():
        if repo not in tagged:
            rows += [ImageRow(summary, repo, "<none>", d, trunc, now) for d in repo_digests] \
                if digests else [ImageRow(summary, repo, "<none>", "", trunc, now)]
    return rows


def render_images(summaries: Sequence[Mapping[str, Any]], fmt: str = "", *,
                  quiet: bool = False, digests: bool = False, trunc: bool = True,
                  now: datetime | None = None) -> str:
    """What `docker images` prints for these image summaries."""
    final = image_format(fmt, quiet, digests)
    show_digests = digests or "{{.Digest}}" in final
    rows = [row for s in summaries for row in image_rows(s, show_digests, trunc, now)]
    return write_rows(final, rows, IMAGE_HEADERS)


# ---------------------------------------------------------------------------
# docker volume ls / docker network ls
# ---------------------------------------------------------------------------

VOLUME_HEADERS = {
    "ID": "ID", "Name": "VOLUME NAME", "Group": "GROUP", "Driver": "DRIVER",
    "Scope": "SCOPE", "Availability": "AVAILABILITY", "Mountpoint": "MOUNTPOINT",
    "Labels": "LABELS", "Links": "LINKS", "Size": "SIZE", "Status": "STATUS",
}


class VolumeRow(_Row):
    """One `docker volume ls` row (a Volume object of GET /volumes)."""

    GO_TYPE = "*formatter.volumeContext"
    FIELDS = ("Availability", "Driver", "Group", "Labels", "Links", "Mountpoint", "Name",
              "Scope", "Size", "Status")

    def __init__(self, volume: Mapping[str, Any]):
        self.v = volume

    def Name(self) -> str:
        return str(self.v.get("Name", ""))

    def Driver(self) -> str:
        return str(self.v.get("Driver", ""))

    def Scope(self) -> str:
        return str(self.v.get("Scope", ""))

    def Mountpoint(self) -> str:
        return str(self.v.get("Mountpoint", ""))

    def Labels(self) -> str:
        return _labels_text(self.v.get("Labels"))

    def Label(self, name: str) -> str:
        return str((self.v.get("Labels") or {}).get(name, ""))

    def _usage(self, key: str) -> int | None:
        usage = self.v.get("UsageData")
        return None if not usage else int(usage.get(key, -1))

    def Links(self) -> str:
        count = self._usage("RefCount")
        return "N/A" if count is None else str(count)

    def Size(self) -> str:
        size = self._usage("Size")
        return "N/A" if size is None or size == -1 else units.human_size(size, 4)

    def Group(self) -> str:
        return ""

    def Availability(self) -> str:
        return ""

    def Status(self) -> str:
        return ""


def render_volumes(volumes: Sequence[Mapping[str, Any]], fmt: str = "", *,
                   quiet: bool = False) -> str:
    """What `docker volume ls` prints."""
    if fmt in ("", "table"):  # a custom format wins over -q (NewVolumeFormat)
        fmt = "{{.Name}}" if quiet else "table {{.Driver}}\t{{.Name}}"
    return write_rows(fmt, [VolumeRow(v) for v in volumes], VOLUME_HEADERS)


NETWORK_HEADERS = {
    "ID": "NETWORK ID", "Name": "NAME", "Driver": "DRIVER", "Scope": "SCOPE",
    "IPv4": "IPV4", "IPv6": "IPV6", "Internal": "INTERNAL", "Labels": "LABELS",
    "CreatedAt": "CREATED AT",
}


class NetworkRow(_Row):
    """One `docker network ls` row (a network of GET /networks)."""

    GO_TYPE = "*network.networkContext"
    FIELDS = ("CreatedAt", "Driver", "ID", "IPv4", "IPv6", "Internal", "Labels", "Name",
              "Scope")

    def __init__(self, network: Mapping[str, Any], trunc: bool = True):
        self.n, self.trunc = network, trunc

    def ID(self) -> str:
        identifier = str(self.n.get("Id", ""))
        return truncate_id(identifier) if self.trunc else identifier

    def Name(self) -> str:
        return str(self.n.get("Name", ""))

    def Driver(self) -> str:
        return str(self.n.get("Driver", ""))

    def Scope(self) -> str:
        return str(self.n.get("Scope", ""))

    def IPv4(self) -> str:
        return "true" if self.n.get("EnableIPv4", True) else "false"

    def IPv6(self) -> str:
        return "true" if self.n.get("EnableIPv6") else "false"

    def Internal(self) -> str:
        return "true" if self.n.get("Internal") else "false"

    def Labels(self) -> str:
        return _labels_text(self.n.get("Labels"))

    def Label(self, name: str) -> str:
        return str((self.n.get("Labels") or {}).get(name, ""))

    def CreatedAt(self) -> str:
        return units.go_time_string(self.n.get("Created", ""))


def render_networks(networks: Sequence[Mapping[str, Any]], fmt: str = "", *,
                    quiet: bool = False, trunc: bool = True) -> str:
    """What `docker network ls` prints."""
    if fmt in ("", "table"):  # a custom format wins over -q (network.NewFormat)
        fmt = "{{.ID}}" if quiet else "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}"
    return write_rows(fmt, [NetworkRow(n, trunc) for n in networks], NETWORK_HEADERS)


def __getattr__(name: str):
    """`tables.TemplateError`, as before, without loading gotpl for every listing."""
    if name == "TemplateError":
        from dockerlab.cli.templates import TemplateError
        return TemplateError
    raise AttributeError(name)


__all__ += ["TemplateError", "image_rows", "familiar_name", "CONTAINER_TABLE",
            "IMAGE_TABLE", "CONTAINER_HEADERS", "IMAGE_HEADERS", "VOLUME_HEADERS",
            "NETWORK_HEADERS"]
