from alembic.config import Config
from sqlalchemy import URL

# --8<-- [start:pattern]
url = URL.create("postgresql+asyncpg", "app", "100%sure", "localhost", database="app")
rendered = url.render_as_string(hide_password=False)
config = Config()
try:
    config.set_main_option("sqlalchemy.url", rendered)
except ValueError as exc:
    print(f"{type(exc).__name__}: {exc}")
    """
    ValueError: invalid interpolation syntax in 'postgresql+asyncpg://app:100%25sure@localhost/app' at position 28
    """
config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
print(config.get_main_option("sqlalchemy.url") == rendered)
#> True
# --8<-- [end:pattern]
