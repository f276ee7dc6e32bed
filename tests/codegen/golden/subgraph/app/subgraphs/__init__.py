"""The saved graphs that subgraph nodes run, by graph id."""

from __future__ import annotations

from types import ModuleType

from app.subgraphs import g_linear_transform

SUBGRAPHS: dict[str, ModuleType] = {
    'linear_transform': g_linear_transform,
}
