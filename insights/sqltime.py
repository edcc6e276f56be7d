"""Whole days between two stored UTC moments, in SQL on both backends."""

from sqlalchemy import Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement


class whole_days_between(FunctionElement):  # noqa: N801 (reads as a SQL function)
    """Whole days from the first moment to the second (the second not earlier)."""

    type = Integer()
    inherit_cache = True
    name = "whole_days_between"


@compiles(whole_days_between, "postgresql")
def _postgresql(element, compiler, **kw):
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"CAST(floor(extract(epoch FROM ({end} - {start})) / 86400) AS INTEGER)"


@compiles(whole_days_between, "sqlite")
def _sqlite(element, compiler, **kw):
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"CAST(julianday({end}) - julianday({start}) AS INTEGER)"
