"""`python -m ai_registry users ... | keys create` as real subprocesses on a temporary data folder."""

from __future__ import annotations

import getpass
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ai_registry.__main__ import main
from ai_registry.identity.sessions import session_for_token
from ai_registry.identity.sign_in import WRONG_CREDENTIALS, sign_in
from ai_registry.store.api_keys import authenticate_api_key
from ai_registry.store.db import session_scope
from ai_registry.store.users import get_user_by_email, list_users

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a different long passphrase"


@pytest.fixture
def env(isolated_data_dir: Path) -> dict[str, str]:
    variables = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "AINATIVE_API_KEY")}
    variables["AI_REGISTRY_DATA_DIR"] = str(isolated_data_dir)
    return variables


def cli(env: dict[str, str], cwd: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ai_registry", *args], env=env, cwd=cwd, input=stdin,
        capture_output=True, text=True, timeout=60, check=False,
    )


def password_file(tmp_path: Path, password: str, name: str = "pw") -> str:
    path = tmp_path / name
    path.write_text(password + "\n")
    return str(path)


def create(env, tmp_path, email, role, password=PASSWORD) -> subprocess.CompletedProcess[str]:
    return cli(env, tmp_path, "users", "create", "--role", role, "--email", email,
               "--password-file", password_file(tmp_path, password))


def users_in_db() -> dict[str, tuple[str, bool]]:
    with session_scope() as session:
        return {u.email: (u.role, u.active) for u in list_users(session=session)}


def test_create_the_first_admin_on_a_fresh_data_folder_and_list_it(env, tmp_path, isolated_data_dir) -> None:
    made = create(env, tmp_path, "Ann@Example.org", "admin")
    assert made.returncode == 0, made.stderr
    assert "created admin ann@example.org" in made.stdout
    assert (isolated_data_dir / "registry.db").stat().st_mode & 0o777 == 0o600
    assert users_in_db() == {"ann@example.org": ("admin", True)}

    listed = cli(env, tmp_path, "users", "list")
    assert listed.returncode == 0, listed.stderr
    row = next(line for line in listed.stdout.splitlines() if line.startswith("ann@example.org"))
    assert row.split()[1:3] == ["admin", "active"]
    assert row.rstrip().endswith("never")  # never signed in
    assert listed.stdout.rstrip().endswith("1 users")
    assert PASSWORD not in made.stdout + made.stderr + listed.stdout
    with session_scope() as session:  # the trailing newline of the file is not part of the password
        assert sign_in(session=session, email="ann@example.org", password=PASSWORD).ok


def test_refusals_change_nothing(env, tmp_path) -> None:
    assert create(env, tmp_path, "ann@example.org", "admin").returncode == 0
    for args, message in [
        (("ann@example.org", "member"), "already exists"),
        (("bob@example.org", "member", "short"), "use at least 12"),
        (("not-an-email", "member"), "is not an email address"),
    ]:
        refused = create(env, tmp_path, *args)
        assert refused.returncode == 1
        assert message in refused.stderr
    bad_role = create(env, tmp_path, "bob@example.org", "owner")
    assert bad_role.returncode == 2 and "invalid choice" in bad_role.stderr
    missing = cli(env, tmp_path, "users", "create", "--role", "member", "--email", "bob@example.org",
                  "--password-file", str(tmp_path / "nope"))
    assert missing.returncode == 1 and "cannot read the password file" in missing.stderr
    no_tty = cli(env, tmp_path, "users", "create", "--role", "member", "--email", "bob@example.org", stdin="")
    assert no_tty.returncode == 1 and "--password-file" in no_tty.stderr
    assert cli(env, tmp_path, "users", "disable", "nobody@example.org").stderr.strip() == (
        "error: There is no account for nobody@example.org."
    )
    last_admin = cli(env, tmp_path, "users", "disable", "ann@example.org")
    assert last_admin.returncode == 1 and "only active administrator" in last_admin.stderr
    assert users_in_db() == {"ann@example.org": ("admin", True)}


def test_password_from_stdin(env, tmp_path) -> None:
    made = cli(env, tmp_path, "users", "create", "--role", "viewer", "--email", "vi@example.org",
               "--password-file", "-", stdin=PASSWORD + "\n")
    assert made.returncode == 0, made.stderr
    with session_scope() as session:
        assert sign_in(session=session, email="vi@example.org", password=PASSWORD).ok


def test_password_prompt_asks_twice(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    """Without --password-file the command asks at a hidden prompt (in-process: getpass is the terminal)."""
    answers: list[str] = []
    prompts: list[str] = []

    def fake_getpass(prompt: str) -> str:
        prompts.append(prompt)
        return answers.pop(0)

    monkeypatch.setattr(getpass, "getpass", fake_getpass)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    assert main(["migrate"]) == 0
    args = ["users", "create", "--role", "member", "--email", "mo@example.org"]
    answers[:] = [PASSWORD, PASSWORD + "x"]
    assert main(args) == 1
    assert "the two passwords differ" in capsys.readouterr().err
    assert users_in_db() == {}
    answers[:] = [PASSWORD, PASSWORD]
    assert main(args) == 0
    assert prompts[-2:] == ["Password: ", "Password again: "]
    assert users_in_db() == {"mo@example.org": ("member", True)}


def test_keys_create_prints_the_key_once_and_it_acts_for_its_owner(env, tmp_path) -> None:
    assert create(env, tmp_path, "ann@example.org", "admin").returncode == 0
    assert create(env, tmp_path, "mo@example.org", "member").returncode == 0
    assert create(env, tmp_path, "vi@example.org", "viewer").returncode == 0

    made = cli(env, tmp_path, "keys", "create", "--user", "mo@example.org", "--name", "nightly job")
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip()
    assert key.startswith("air_") and "\n" not in key
    assert "shown once" in made.stderr and key not in made.stderr
    identity = authenticate_api_key(key)
    assert identity is not None
    assert (identity.owner_email, identity.owner_role, identity.key_name) == ("mo@example.org", "member", "nightly job")

    viewer = cli(env, tmp_path, "keys", "create", "--user", "vi@example.org", "--name", "x")
    assert viewer.returncode == 1 and "viewers cannot call models" in viewer.stderr and viewer.stdout == ""
    unnamed = cli(env, tmp_path, "keys", "create", "--user", "mo@example.org", "--name", " ")
    assert unnamed.returncode == 1 and "Give the key a name" in unnamed.stderr
    nobody = cli(env, tmp_path, "keys", "create", "--user", "x@example.org", "--name", "x")
    assert nobody.returncode == 1 and "There is no account" in nobody.stderr


def test_disable_ends_sessions_and_keys_at_once_and_enable_does_not_revive_them(env, tmp_path) -> None:
    assert create(env, tmp_path, "ann@example.org", "admin").returncode == 0
    assert create(env, tmp_path, "mo@example.org", "member").returncode == 0
    key = cli(env, tmp_path, "keys", "create", "--user", "mo@example.org", "--name", "ci").stdout.strip()
    with session_scope() as session:
        token = sign_in(session=session, email="mo@example.org", password=PASSWORD).token
    with session_scope() as session:
        assert session_for_token(session=session, raw_token=token) is not None

    disabled = cli(env, tmp_path, "users", "disable", "mo@example.org")
    assert disabled.returncode == 0, disabled.stderr
    assert "1 sessions ended, 1 keys revoked" in disabled.stdout
    assert authenticate_api_key(key) is None
    with session_scope() as session:
        assert session_for_token(session=session, raw_token=token) is None
        assert not sign_in(session=session, email="mo@example.org", password=PASSWORD).ok
    again = cli(env, tmp_path, "users", "disable", "mo@example.org")
    assert again.returncode == 1 and "already disabled" in again.stderr
    refused_key = cli(env, tmp_path, "keys", "create", "--user", "mo@example.org", "--name", "x")
    assert refused_key.returncode == 1 and "is disabled" in refused_key.stderr

    enabled = cli(env, tmp_path, "users", "enable", "mo@example.org")
    assert enabled.returncode == 0, enabled.stderr
    assert users_in_db()["mo@example.org"] == ("member", True)
    assert authenticate_api_key(key) is None  # old keys and sessions stay ended
    with session_scope() as session:
        assert session_for_token(session=session, raw_token=token) is None
        assert sign_in(session=session, email="mo@example.org", password=PASSWORD).ok


def test_reset_password_ends_sessions_and_the_old_password(env, tmp_path) -> None:
    assert create(env, tmp_path, "mo@example.org", "member").returncode == 0
    with session_scope() as session:
        token = sign_in(session=session, email="mo@example.org", password=PASSWORD).token
    short = cli(env, tmp_path, "users", "reset-password", "mo@example.org",
                "--password-file", password_file(tmp_path, "short", "short"))
    assert short.returncode == 1 and "use at least 12" in short.stderr
    with session_scope() as session:
        assert session_for_token(session=session, raw_token=token) is not None  # refused: nothing changed

    reset = cli(env, tmp_path, "users", "reset-password", "mo@example.org",
                "--password-file", password_file(tmp_path, NEW_PASSWORD, "new"))
    assert reset.returncode == 0, reset.stderr
    assert "1 sessions ended" in reset.stdout
    with session_scope() as session:
        assert session_for_token(session=session, raw_token=token) is None
        assert sign_in(session=session, email="mo@example.org", password=PASSWORD).error == WRONG_CREDENTIALS
    with session_scope() as session:
        assert sign_in(session=session, email="mo@example.org", password=NEW_PASSWORD).ok
        assert get_user_by_email(session=session, email="mo@example.org").last_sign_in_at is not None
