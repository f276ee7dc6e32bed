"""The safe template renderer: lookups only; anything code-like is left as text and never runs."""

import pytest

from runtime.nodes._template import TemplateError, lookup, placeholders, render_json, render_text


def test_fills_names_and_dotted_paths() -> None:
    values = {"data": {"user": {"name": "Ada", "tags": ["x", "y"]}, "n": 3}, "prompt": "hi"}
    assert render_text("{{ prompt }}, {{data.user.name}}! {{ data.n }} {{ data.user.tags.1 }}", values) == "hi, Ada! 3 y"


def test_missing_paths_render_empty_and_values_render_as_json() -> None:
    assert render_text("[{{ nope }}][{{ data.a.b }}]", {"data": "text"}) == "[][]"
    assert render_text("{{ data }}", {"data": {"a": [1, True, None]}}) == '{"a": [1, true, null]}'
    assert render_text("{{ data }}", {"data": False}) == "false"


@pytest.mark.parametrize(
    "template",
    [
        "{{ __import__('os').system('touch /tmp/pwned') }}",
        "{{ 1 + 1 }}",
        "{{ data | upper }}",
        "{{ data() }}",
        "{{ data['a'] }}",
        "{{ ''.__class__.__mro__ }}",
        "{% if data %}yes{% endif %}",
    ],
)
def test_code_like_placeholders_are_left_untouched(template: str) -> None:
    assert placeholders(template) == []
    assert render_text(template, {"data": {"a": 1}}) == template


def test_statements_are_plain_text() -> None:
    assert render_text("{% for x in data %}{{ x }}{% endfor %}", {"data": [1, 2]}) == "{% for x in data %}{% endfor %}"


def test_python_attributes_are_never_read() -> None:
    class Secret:
        token = "s3cr3t"

    assert render_text("{{ data.__class__ }}{{ data.token }}{{ data.__dict__ }}", {"data": Secret()}) == ""
    assert lookup({"a": "text"}, "a.upper") is None


def test_values_are_not_rendered_again() -> None:
    assert render_text("{{ data }}", {"data": "{{ secret }}", "secret": "leak"}) == "{{ secret }}"


def test_json_mode_keeps_quotes_in_values_safe_and_types() -> None:
    assert render_json('{"customer": "{{ data }}"}', {"data": 'a "quoted", name'}) == {"customer": 'a "quoted", name'}
    assert render_json('{"obj": "{{ data }}", "s": "id-{{ data.n }}"}', {"data": {"n": 4}}) == {
        "obj": {"n": 4},
        "s": "id-4",
    }
    assert render_json("{{ data }}", {"data": [1, 2]}) == [1, 2]
    assert render_json('{"n": {{ data }} }', {"data": 5}) == {"n": 5}


def test_json_mode_refuses_invalid_results() -> None:
    with pytest.raises(TemplateError, match="not valid JSON"):
        render_json("{ {{ data }} ", {"data": "x"})


def test_result_size_is_bounded() -> None:
    big = "x" * 3_000_000
    with pytest.raises(TemplateError, match="limit"):
        render_text("{{ data }}{{ data }}", {"data": big})
