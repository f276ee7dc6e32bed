"""Hooks the generated app calls; edit freely, regeneration keeps this file as you leave it."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI


def configure(app: FastAPI) -> None:
    """Called once when the app is built: add routers, middleware, startup handlers."""


def before_run(inputs: dict[str, Any]) -> dict[str, Any]:
    """Called with the validated inputs of every run; return the inputs to use."""
    return inputs


def after_run(outputs: dict[str, Any]) -> dict[str, Any]:
    """Called with the outputs of every finished run; return the outputs to send back."""
    return outputs
