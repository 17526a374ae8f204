"""`dockerlab lab schema`: the lab format as JSON Schema, for editors.

The YAML language server (VS Code, vim, ...) validates and completes a lab
file when it starts with
`# yaml-language-server: $schema=<file written by dockerlab lab schema>`.
"""
from __future__ import annotations

from typing import Any

from dockerlab.tutor.labs.schema import Lab


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a lab file, keys as written in YAML."""
    schema = Lab.model_json_schema(by_alias=True, mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
