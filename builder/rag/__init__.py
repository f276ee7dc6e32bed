"""The rag service: collections, document ingest (single and background jobs with progress), search."""
