"""The rate limiter's Redis connections carry the same socket timeouts as every other Redis call, the Sentinel
connections included (limits builds its Sentinel with empty sentinel_kwargs unless told)."""

from __future__ import annotations

from limits.storage import RedisSentinelStorage, RedisStorage, storage_from_string

from miniapp_api.platform.rate_limits import storage_options, storage_uri

TIMEOUTS = {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}


def test_the_limiters_sentinel_and_master_connections_time_out_like_every_redis_call():
    uri = storage_uri("redis://127.0.0.1:6379/0", "127.0.0.1:26379, 127.0.0.1:26380", "banshi")
    storage = storage_from_string(uri, **storage_options(0.5, "127.0.0.1:26379, 127.0.0.1:26380"))
    assert isinstance(storage, RedisSentinelStorage)
    # Built, not connected: the options as redis-py will use them for each Sentinel and for the master.
    sentinel_kwargs = [s.connection_pool.connection_kwargs for s in storage.sentinel.sentinels]
    assert len(sentinel_kwargs) == 2
    assert all({k: kwargs.get(k) for k in TIMEOUTS} == TIMEOUTS for kwargs in sentinel_kwargs)
    assert {k: storage.sentinel.connection_kwargs.get(k) for k in TIMEOUTS} == TIMEOUTS


def test_without_sentinels_the_plain_redis_storage_takes_the_timeouts_and_nothing_it_would_refuse():
    options = storage_options(0.5)
    assert options == TIMEOUTS
    storage = storage_from_string(storage_uri("redis://127.0.0.1:6379/0"), **options)
    assert isinstance(storage, RedisStorage)
    assert {k: storage.storage.connection_pool.connection_kwargs.get(k) for k in TIMEOUTS} == TIMEOUTS
