from configparser import InterpolationSyntaxError
from pathlib import Path
from tempfile import TemporaryDirectory

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
with TemporaryDirectory() as folder:  # the same URL written into alembic.ini
    ini = Path(folder, "alembic.ini")
    ini.write_text(f"[alembic]\nsqlalchemy.url = {rendered}\n")
    try:
        Config(ini).get_main_option("sqlalchemy.url")
    except InterpolationSyntaxError as exc:
        print(f"{type(exc).__name__}: {exc}")
        """
        InterpolationSyntaxError: '%' must be followed by '%' or '(', found: '%25sure@localhost/app'
        """
# --8<-- [end:pattern]
