"""Errors the engine raises: each carries a message written for people.

Messages are the Docker daemon's wording (without the "Error response from
daemon: " prefix, which the CLI adds), so a student sees what Docker would
print. `status` is the HTTP status the Engine API answers with.
"""
from __future__ import annotations


class EngineError(Exception):
    """Base class: `str(err)` is the message shown to the user."""

    status = 500

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidArgument(EngineError):
    status = 400


class NotFound(EngineError):
    status = 404


class Conflict(EngineError):
    status = 409


class NotRunning(Conflict):
    """An operation needs a running container (exec, pause, top...)."""


class RootRequired(EngineError):
    """The engine needs root; nothing has been touched."""


class StartFailure(EngineError):
    """The container's process could not be started.

    `exit_code` is what `docker run` exits with: 126 (cannot execute),
    127 (not found) or 125 (anything else in the runtime).
    """

    def __init__(self, message: str, exit_code: int = 125):
        super().__init__(message)
        self.exit_code = exit_code
