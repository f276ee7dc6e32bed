"""The platform's OpenAPI document as stable JSON; the web editor's API types are generated from it.

`lcnc openapi` prints it, `lcnc openapi --write` rewrites `web/openapi.json`, `--check` exits 1 when the
committed file is stale. After `--write`, run `cd web && npm run gen:api` to regenerate the TypeScript types.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from builder.cli import app

OPENAPI_PATH = Path(__file__).resolve().parents[1] / "web" / "openapi.json"


def platform_openapi() -> dict[str, Any]:
    """The OpenAPI document of the platform with every service role served."""
    from builder.app import create_app
    from builder.settings import SERVICE_ROLES, Settings

    # Fixed settings so the document does not depend on the environment it is rendered in.
    settings = Settings(services=list(SERVICE_ROLES), cors_origins=[], environment="development", local_mode=True)
    return create_app(settings).openapi()


def render_openapi() -> str:
    return json.dumps(platform_openapi(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@app.command()
def openapi(
    write: Annotated[bool, typer.Option("--write", help="Rewrite web/openapi.json.")] = False,
    check: Annotated[bool, typer.Option("--check", help="Exit 1 when web/openapi.json is stale.")] = False,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write to this file instead.")] = None,
) -> None:
    """Print, write or check the platform's OpenAPI JSON (source of the web editor's API types).

    Example: `lcnc openapi --write && (cd web && npm run gen:api)`
    """
    text = render_openapi()
    if check:
        fresh = OPENAPI_PATH.exists() and OPENAPI_PATH.read_text(encoding="utf-8") == text
        typer.echo("openapi.json is fresh" if fresh else
                   f"{OPENAPI_PATH} is stale: run `lcnc openapi --write && (cd web && npm run gen:api)`")
        raise typer.Exit(0 if fresh else 1)
    target = output or (OPENAPI_PATH if write else None)
    if target is None:
        typer.echo(text, nl=False)
        return
    target.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {target}")


if __name__ == "__main__":
    typer.run(openapi)
