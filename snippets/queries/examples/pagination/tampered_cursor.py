import asyncio
import base64

from pydantic import SecretStr

from snippets.app import create_app
from snippets.sample_client import sample_client
from snippets.settings import Settings

# One process here; an API with several sets CURSOR_SECRET (see the settings page).
app = create_app(
    Settings(database_url="sqlite+aiosqlite://", cursor_secret=SecretStr("k" * 32))
)


async def main() -> None:
    async with sample_client(app) as (_, client):
        # --8<-- [start:pattern]
        cursor = (await client.get("/users", params={"limit": 1})).json()["next_cursor"]
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        print(raw[16:])  # after the signature: the scope and the last row's key
        #> b'["User.name asc,User.id asc","Ada Lovelace",1]'
        # A client edits the position: start after Grace instead of after Ada.
        edited = raw.replace(b"Ada Lovelace", b"Grace Hopper")
        forged = base64.urlsafe_b64encode(edited).rstrip(b"=").decode()
        for bad in (forged, cursor[:-4], "é"):
            response = await client.get("/users", params={"cursor": bad})
            print(response.status_code, response.json()["detail"])
            #> 400 invalid cursor: altered, or issued by another server or secret
            #> 400 invalid cursor: altered, or issued by another server or secret
            #> 400 invalid cursor: not base64url
        # --8<-- [end:pattern]


asyncio.run(main())
