"""The two databases the suite runs on: a SQLite file per test, and a PostgreSQL database per
test when a server is given in ``MADOGUCHI_TEST_POSTGRES`` (``.ci/run`` starts one).

Each PostgreSQL test database is a copy of a template made once per run at the newest schema,
which takes about a tenth of a second; it is dropped when the test ends.
"""

from __future__ import annotations

import itertools
import os
from functools import cache

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from storage.db import Database

POSTGRES = os.environ.get("MADOGUCHI_TEST_POSTGRES", "")
HOW_TO_RUN = (
    "PostgreSQL tests skipped: no server in MADOGUCHI_TEST_POSTGRES. Run them with "
    "`make test-pg` (starts a local server; installs it from the system packages if missing)."
)
_TEMPLATE = f"madoguchi_template_{os.getpid()}"
_numbers = itertools.count(1)


@cache
def _admin() -> sa.Engine:
    return sa.create_engine(POSTGRES, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)


@cache
def postgres_problem() -> str | None:
    """Why PostgreSQL tests cannot run here, or None if they can."""
    if not POSTGRES:
        return HOW_TO_RUN
    try:
        with _admin().connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except sa.exc.OperationalError as error:
        return f"PostgreSQL at MADOGUCHI_TEST_POSTGRES is not reachable: {error.orig}"
    return None


def _url(database: str) -> str:
    return make_url(POSTGRES).set(database=database).render_as_string(hide_password=False)


@cache
def _template() -> str:
    """A database at the newest schema, made once per run (and per test process)."""
    with _admin().connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {_TEMPLATE} WITH (FORCE)")
        connection.exec_driver_sql(f"CREATE DATABASE {_TEMPLATE}")
    Database(_url(_TEMPLATE)).close()
    return _TEMPLATE


def new_postgres_database() -> str:
    """A fresh database at the newest schema; returns its URL."""
    name = f"madoguchi_test_{os.getpid()}_{next(_numbers)}"
    template = _template()
    with _admin().connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.exec_driver_sql(f"CREATE DATABASE {name} TEMPLATE {template}")
    return _url(name)


def new_empty_postgres_database() -> str:
    """A database with no tables at all (for migration tests)."""
    name = f"madoguchi_empty_{os.getpid()}_{next(_numbers)}"
    with _admin().connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    return _url(name)


def drop_postgres_database(url: str) -> None:
    name = make_url(url).database
    with _admin().connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def drop_template() -> None:
    if _template.cache_info().currsize:
        with _admin().connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {_TEMPLATE} WITH (FORCE)")
