"""The test servers are the real ones, on loopback only, and each test database is its own."""

from __future__ import annotations

import os

import psycopg
import redis

from tests.support.services import PostgresServer, RedisServer


def test_postgresql_is_a_real_server_on_loopback(postgres_server: PostgresServer) -> None:
    with psycopg.connect(postgres_server.url().replace("+psycopg", "")) as connection:
        version = connection.execute("SHOW server_version").fetchone()[0]
        listen = connection.execute("SHOW listen_addresses").fetchone()[0]
        sockets = connection.execute("SHOW unix_socket_directories").fetchone()[0]
    assert int(version.split(".")[0]) >= 13
    assert listen == "127.0.0.1"
    assert sockets == str(postgres_server.folder)
    if os.geteuid() == 0:  # PostgreSQL refuses root: it runs as the `postgres` system user
        assert os.stat(postgres_server.folder / "data").st_uid != 0


def test_each_database_is_fresh_and_its_own(postgres_server: PostgresServer) -> None:
    first, second = postgres_server.create_database(), postgres_server.create_database()
    assert first != second
    try:
        with psycopg.connect(postgres_server.url(first).replace("+psycopg", ""), autocommit=True) as connection:
            connection.execute("CREATE TABLE only_here (x int)")
        with psycopg.connect(postgres_server.url(second).replace("+psycopg", "")) as connection:
            tables = connection.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'only_here'"
            ).fetchone()[0]
        assert tables == 0
    finally:
        postgres_server.drop_database(first)
        postgres_server.drop_database(second)


def test_redis_is_a_real_server_on_loopback_that_saves_nothing(redis_server: RedisServer) -> None:
    client = redis.Redis.from_url(redis_server.url, socket_timeout=5)
    try:
        client.set("ai-registry-test", "value", ex=60)
        assert client.get("ai-registry-test") == b"value"
        assert client.config_get("bind")["bind"] == "127.0.0.1"
        assert client.config_get("save")["save"] == ""
        assert client.config_get("appendonly")["appendonly"] == "no"
    finally:
        client.close()
