import pytest

from runtime.spec import DocumentError, load_graph, load_json_document


def test_ten_megabyte_document_is_refused_before_parsing() -> None:
    with pytest.raises(DocumentError, match="limit"):
        load_json_document(b"[" + b"1," * 5_000_000 + b"1]")


def test_ten_thousand_deep_nesting_is_refused() -> None:
    with pytest.raises(DocumentError, match="nested deeper"):
        load_json_document("[" * 10_000 + "]" * 10_000)


def test_moderate_nesting_beyond_the_limit_is_refused() -> None:
    with pytest.raises(DocumentError, match="nested deeper"):
        load_json_document("[" * 100 + "]" * 100)


def test_malformed_json_names_the_problem() -> None:
    with pytest.raises(DocumentError, match="not valid JSON"):
        load_graph(b'{"nodes": [}')
