"""The node kinds the editor can place, with their config schemas and ports."""

from __future__ import annotations

from fastapi import APIRouter

from builder.errors import NotFound
from builder.schemas import NodeKindPublic
from runtime.nodes import KINDS

router = APIRouter(prefix="/api/workflow/node-kinds", tags=["node-kinds"])


@router.get("", response_model=list[NodeKindPublic], summary="List node kinds")
async def list_node_kinds() -> list[dict]:
    return [kind.describe() for kind in KINDS.values()]


@router.get("/{name}", response_model=NodeKindPublic, summary="One node kind")
async def get_node_kind(name: str) -> dict:
    kind = KINDS.get(name)
    if kind is None:
        raise NotFound(f"node kind '{name}'")
    return kind.describe()
