from sqlalchemy import select
from sqlalchemy.exc import ArgumentError

from snippets.types.computed import PlainPerson

# --8<-- [start:pattern]
try:
    select(PlainPerson).order_by(PlainPerson.full_name)  # type: ignore[arg-type]
except ArgumentError as exc:
    address = hex(id(PlainPerson.full_name))
    print(f"{type(exc).__name__}: {exc}".replace(address, "0x..."))
    #> ArgumentError: ORDER BY expression expected, got <property object at 0x...>.
# --8<-- [end:pattern]
