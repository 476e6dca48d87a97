"""A member's browser opens its own socket and sends admin events by hand: the server refuses them."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import UPSTREAM_KEY

pytestmark = pytest.mark.e2e

GALLERY = "/dashboard/ai-settings"


def upstream_key_in_db(data_dir) -> str | None:
    """The saved upstream key, decrypted with the data folder's key file as the app does."""
    import sqlite3

    from ai_registry.store.app_settings import UPSTREAM_API_KEY, load_secret_box

    with sqlite3.connect(data_dir / "registry.db") as db:
        row = db.execute("SELECT value FROM app_setting WHERE key = ?", (UPSTREAM_API_KEY,)).fetchone()
    return load_secret_box(data_dir=data_dir, secret_key=None).decrypt(row[0])[0] if row else None

HAND_MADE_EVENT = """
async ([name, payload]) => {
  const token = crypto.randomUUID();
  const ws = new WebSocket(`ws://${location.host}/_event/?EIO=4&transport=websocket&token=${token}`);
  const replies = [];
  return await new Promise((resolve) => {
    const finish = () => { ws.close(); resolve(replies); };
    setTimeout(finish, 6000);
    ws.onmessage = (message) => {
      const data = String(message.data);
      if (data.startsWith("0")) ws.send("40/_event,");
      else if (data.startsWith("40/_event")) {
        const event = {name, payload, router_data: {pathname: "/dashboard/developer-settings", query: {},
                       asPath: "/dashboard/developer-settings"}};
        ws.send("42/_event," + JSON.stringify(["event", event]));
      } else if (data === "2") ws.send("3");
      else if (data.startsWith("42/_event")) replies.push(data);
    };
    ws.onerror = () => { replies.push("socket error"); finish(); };
  });
}
"""


def send_by_hand(page, handler: str, payload: dict) -> str:
    """Open a second, hand-made socket from this signed-in page and send one event; returns every reply."""
    from ai_registry.state.developer import DeveloperState

    return "\n".join(page.evaluate(HAND_MADE_EVENT, [f"{DeveloperState.get_full_name()}.{handler}", payload]))


def test_a_member_calling_admin_handlers_over_a_hand_made_socket_is_refused(browser, app_server):
    member_context = app_server.signed_in_context(browser, "member")
    admin_context = app_server.signed_in_context(browser, "admin")
    try:
        member, admin = member_context.new_page(), admin_context.new_page()
        for page in (member, admin):
            page.goto(GALLERY)
            expect(page.get_by_test_id("account-role")).not_to_have_text("")

        replies = send_by_hand(member, "save_upstream_key", {"form_data": {"upstream_key": "sk-stolen-by-member"}})
        assert "Only an administrator can do this." in replies
        assert "upstream_notice" not in replies and "Key saved" not in replies
        replies = send_by_hand(member, "ask_remove_upstream_key", {})
        assert "Only an administrator can do this." in replies and "confirm_upstream_removal" not in replies

        # The same hand-made message from an admin's browser goes through: the channel itself works.
        replies = send_by_hand(admin, "ask_remove_upstream_key", {})
        assert "confirm_upstream_removal" in replies and "Only an administrator" not in replies

        # Nothing changed: the saved key is still the session's.
        assert upstream_key_in_db(app_server.data_dir) == UPSTREAM_KEY
        # ... and it is stored encrypted: the running app's database files never hold it in clear.
        files = list(app_server.data_dir.glob("registry.db*"))
        assert files and all(UPSTREAM_KEY.encode() not in f.read_bytes() for f in files)
    finally:
        member_context.close()
        admin_context.close()
