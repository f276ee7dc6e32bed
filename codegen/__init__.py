"""Codegen: a graph becomes a standalone FastAPI + LangGraph project with Kubernetes manifests.

``render_project(spec, options)`` is pure (the same graph gives the same bytes, nothing is read or
written while rendering); ``write_folder`` / ``zip_bytes`` put the result somewhere.
"""

from codegen.errors import ExportError
from codegen.manifest import GENERATOR_VERSION, MANIFEST_PATH, spec_hash
from codegen.options import Example, ProjectOptions
from codegen.render import check_exportable, render_project
from codegen.writer import WriteReport, write_folder, write_zip, zip_bytes

__all__ = [
    "GENERATOR_VERSION",
    "MANIFEST_PATH",
    "Example",
    "ExportError",
    "ProjectOptions",
    "WriteReport",
    "check_exportable",
    "render_project",
    "spec_hash",
    "write_folder",
    "write_zip",
    "zip_bytes",
]
