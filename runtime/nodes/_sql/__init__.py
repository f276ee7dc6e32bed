"""SQL for nodes: named connections, parameter binding, the read-only check, row limit and timeout."""

from runtime.nodes._sql.connections import SqlConnection, SqlConnections, describe, run_query
from runtime.nodes._sql.drivers import Result, SqlError, parse_target
from runtime.nodes._sql.statements import StatementError, check_statement, scan

__all__ = ["Result", "SqlConnection", "SqlConnections", "SqlError", "StatementError", "check_statement",
           "describe", "parse_target", "run_query", "scan"]
