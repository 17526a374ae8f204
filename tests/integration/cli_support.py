"""A `docker` callable over docker_main for the CLI tests: (exit code, stdout, stderr)."""
from __future__ import annotations

import io
from dataclasses import dataclass

from dockerlab.cli.context import Context
from dockerlab.cli.main import docker_main


@dataclass
class Result:
    code: int
    out: str
    err: str


class Docker:
    """One engine per test (the state_root fixture's), fresh output streams per command."""

    def __init__(self, settings):
        from dockerlab.engine.engine import Engine
        self.engine = Engine(settings)

    def __call__(self, *argv: str) -> Result:
        ctx = Context(out=io.StringIO(), err=io.StringIO(), _engine=self.engine)
        code = docker_main(list(argv), ctx)
        return Result(code, ctx.out.getvalue(), ctx.err.getvalue())

    def ok(self, *argv: str) -> str:
        """Run a command that must succeed; returns its stdout."""
        r = self(*argv)
        assert r.code == 0, f"docker {' '.join(argv)} -> {r.code}\n{r.err}"
        return r.out

    def detached(self, name: str, *cmd: str, opts: tuple[str, ...] = ()) -> str:
        """`run -d --name NAME [opts] busybox CMD...`; returns the full id."""
        cid = self.ok("run", "-d", "--name", name, *opts, "busybox", *(cmd or ("sleep", "60"))).strip()
        assert len(cid) == 64
        return cid
