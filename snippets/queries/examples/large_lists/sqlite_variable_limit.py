import sqlite3

# --8<-- [start:pattern]
ids = list(range(40_000))
in_list = f"SELECT count(*) FROM (SELECT 1) WHERE 1 IN ({', '.join('?' * len(ids))})"
limit = sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER
installed = sqlite3.connect(":memory:")
print(f"SQLite {sqlite3.sqlite_version}: {installed.getlimit(limit)} variables")
#> SQLite 3.40.1: 250000 variables
print(installed.execute(in_list, ids).fetchone())
#> (1,)
upstream = sqlite3.connect(":memory:")
upstream.setlimit(limit, 32766)  # SQLite's own default, where a build keeps it
try:
    upstream.execute(in_list, ids)
except sqlite3.OperationalError as exc:
    print(f"{type(exc).__name__}: {exc}")
    #> OperationalError: too many SQL variables
# --8<-- [end:pattern]
