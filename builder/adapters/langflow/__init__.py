"""Import of Langflow 1.x flow exports."""

from builder.adapters.langflow.convert import ImportReport, LangflowFormatError, convert_langflow

__all__ = ["ImportReport", "LangflowFormatError", "convert_langflow"]
