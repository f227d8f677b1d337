import asyncio

from sqlalchemy.dialects.sqlite import insert

from snippets.queries.upserts import Member


async def main() -> None:
    # --8<-- [start:pattern]
    statement = insert(Member).values(tenant_id=1, email="ada@example.com", name="Ada")
    try:
        statement.on_conflict_do_update(  # type: ignore[call-arg]
            constraint="members_tenant_email_key",
            set_={"name": statement.excluded.name},
        )
    except TypeError as exc:
        print(f"{type(exc).__name__}: {exc}")
        """
        TypeError: Insert.on_conflict_do_update() got an unexpected keyword argument 'constraint'
        """
    # --8<-- [end:pattern]


asyncio.run(main())
