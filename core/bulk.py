"""SQL for statements over thousands of ids at once.

`column IN (:p1, ..., :p4000)` costs a bind parameter per id: SQLAlchemy renders each, psycopg
parses the query text again for every new count, and PostgreSQL plans it afresh. On PostgreSQL
`column = ANY(:ids)` sends the ids as one array parameter, the same statement every time, and
drives an index on `column` (one probe per id). `IN (SELECT unnest(:ids))` was tried: the
planner, estimating 10 ids, hashed them and scanned the whole table instead."""

from sqlalchemy import BigInteger, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY

from core.extensions import db


def among(column, ids):
    """`column` is one of `ids` (a list of integers)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(ids), type_=ARRAY(BigInteger)))
    return column.in_(list(ids))
