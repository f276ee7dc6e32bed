"""The platform's side of a parity test: a run of a saved graph with the services the platform builds for it, and
the project its export API answers, unzipped."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from runtime.engine import ListSink, run_graph
from runtime.spec import GraphSpec


def run_on_platform(client: TestClient, spec: GraphSpec, inputs: dict[str, Any]) -> dict[str, Any]:
    """Run ``spec`` in the app's workspace with ``build_run_services``: its outcome and node events."""
    from builder.tools.run_services import build_run_services

    app = client.app

    async def run() -> dict[str, Any]:
        services = await build_run_services(app.state.sessionmaker, app.state.settings,  # type: ignore[attr-defined]
                                            app.state.local_context.workspace_id, spec)  # type: ignore[attr-defined]
        sink = ListSink()
        outcome = await run_graph(spec, inputs, thread_id="platform", sink=sink, services=services)
        return {"status": outcome.status, "outputs": outcome.outputs, "error": outcome.error,
                "events": [[e["type"], e.get("node_id")] for e in sink.events]}

    return client.portal.call(run)  # type: ignore[union-attr]


def export_project(client: TestClient, graph_id: str, root: Path, folder: str) -> Path:
    """The project ``GET /api/workflow/graphs/{graph_id}/project`` answers, unzipped in ``root``."""
    response = client.get(f"/api/workflow/graphs/{graph_id}/project")
    assert response.status_code == 200, response.text
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        archive.extractall(root)
    return root / folder
