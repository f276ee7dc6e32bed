"""Agent lifecycle: a graph moves draft -> published (a pinned version at a stable slug) -> archived.

`publish.py` pins, re-pins, rolls back and unpublishes; `keys.py` holds the API keys scoped to one published
agent (rate limit and usage counts per key); `api.py` serves `/api/agents/<slug>/run` to those keys;
`snippets.py` writes the "Use it" snippets; `cli.py` adds `lcnc templates`.
"""
