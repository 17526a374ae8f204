"""Lab files: format (schema), reading with positions (loader), validation.

Public API: `load_lab`, `read_lab`, `validate_files`, `json_schema`, the
models `Lab`, `Step`, `Quiz`, `SetupAction`, and `LabError` / `Diagnostic`.
"""
from dockerlab.tutor.labs.diagnostics import Diagnostic, LabError
from dockerlab.tutor.labs.json_schema import json_schema
from dockerlab.tutor.labs.loader import load_document, load_lab, read_document, read_lab
from dockerlab.tutor.labs.schema import Lab, Quiz, SetupAction, Step
from dockerlab.tutor.labs.validate import validate_files

__all__ = ["Diagnostic", "LabError", "json_schema", "load_document", "load_lab",
           "read_document", "read_lab", "Lab", "Quiz", "SetupAction", "Step",
           "validate_files"]
