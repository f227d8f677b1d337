"""Two roles: one changes the schema (migrations), the other only reads and writes rows
(the app). An administrator runs this SQL once per database."""

from __future__ import annotations


# --8<-- [start:roles]
def role_grants(database: str, migrator: str, app: str) -> list[str]:
    return [
        # The migrator owns the database, and so (PostgreSQL 15+) its public schema.
        f'ALTER DATABASE "{database}" OWNER TO "{migrator}"',
        f'GRANT USAGE ON SCHEMA public TO "{app}"',
        # Tables and sequences the migrator creates later are usable by the app at once.
        f'ALTER DEFAULT PRIVILEGES FOR ROLE "{migrator}" IN SCHEMA public'
        f' GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "{app}"',
        f'ALTER DEFAULT PRIVILEGES FOR ROLE "{migrator}" IN SCHEMA public'
        f' GRANT USAGE, SELECT ON SEQUENCES TO "{app}"',
    ]


# --8<-- [end:roles]
