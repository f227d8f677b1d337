"""Two roles: one changes the schema (migrations), the other only reads and writes rows
(the app). An administrator runs this SQL once per database."""

from __future__ import annotations


# --8<-- [start:roles]
def role_grants(database: str, migrator: str, app: str) -> list[str]:
    return [
        f'ALTER DATABASE "{database}" OWNER TO "{migrator}"',
        # PostgreSQL 14 and older: public belongs to the superuser and every role
        # (PUBLIC) may create in it. Give it to the migrator, and take that right away.
        f'ALTER SCHEMA public OWNER TO "{migrator}"',
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        f'GRANT USAGE ON SCHEMA public TO "{app}"',
        # Tables and sequences that exist already...
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public"
        f' TO "{app}"',
        f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{app}"',
        # ...and those the migrator creates later.
        f'ALTER DEFAULT PRIVILEGES FOR ROLE "{migrator}" IN SCHEMA public'
        f' GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "{app}"',
        f'ALTER DEFAULT PRIVILEGES FOR ROLE "{migrator}" IN SCHEMA public'
        f' GRANT USAGE, SELECT ON SEQUENCES TO "{app}"',
    ]


# --8<-- [end:roles]
