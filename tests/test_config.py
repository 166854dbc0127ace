"""Configuration: one TOML file, validated with every problem reported at once."""

from __future__ import annotations

import json
import os
import stat

import pytest
from cli_helpers import crm

from contacts_crm import config as cfg
from contacts_crm.errors import ConfigError, NotFoundError, UsageError


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_missing_file_means_the_local_default(isolated_home):
    conf = cfg.load()
    assert conf.path == isolated_home / "config.toml"
    assert conf.default_profile == "local"
    assert conf.profile().kind == "local"
    assert not conf.path.exists()  # loading never writes


def test_save_load_round_trip(isolated_home):
    conf = cfg.load()
    conf.profiles["lab"] = cfg.Profile(
        name="lab",
        kind="endpoint",
        endpoint="http://127.0.0.1:8765",
        region="TR",
        user="Olga",
        language="tr",
        card_max_lines=20,
        card_max_chars=2000,
    )
    conf.profiles["office"] = cfg.Profile(
        name="office",
        kind="google",
        auth="service_account",
        service_account_file="/keys/sa.json",
        subject="boss@firm.com",
    )
    conf.default_profile = "lab"
    path = cfg.save(conf)
    assert path == isolated_home / "config.toml"
    again = cfg.load()
    assert again.default_profile == "lab"
    assert again.profiles == conf.profiles
    assert again.profile().endpoint == "http://127.0.0.1:8765"
    # defaults are not written out: the file stays short and readable
    text = path.read_text(encoding="utf-8")
    assert "card_max_lines = 20" in text and 'region = "RU"' not in text


def test_every_problem_is_reported_at_once_with_the_path(isolated_home):
    path = isolated_home / "config.toml"
    path.write_text(
        "colour = 'red'\n"
        "[profiles.a]\nkind = 'cloud'\nregion = 'XX'\nlanguage = 'de'\nfavourite = 1\n"
        "[profiles.b]\nkind = 'endpoint'\ncard_max_lines = 1\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        cfg.load()
    err = info.value
    assert str(path) in err.message
    joined = "\n".join(err.problems)
    for expected in (
        "colour: unknown setting",
        "profiles.a.favourite: unknown setting",
        "profiles.a.kind: 'cloud'",
        "profiles.a.region: 'XX'",
        "profiles.a.language: 'de'",
        "profiles.b.endpoint",
        "profiles.b.card_max_lines",
    ):
        assert expected in joined, expected
    assert len(err.problems) == 7
    assert err.exit_code == 78 and err.hint


def test_invalid_toml_names_the_file(isolated_home):
    path = isolated_home / "config.toml"
    path.write_text("[profiles\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        cfg.load()
    assert str(path) in info.value.message


def test_wrong_types_are_problems_not_crashes(isolated_home):
    path = isolated_home / "config.toml"
    path.write_text(
        "default_profile = 3\n[profiles.a]\nregion = 7\nendpoint = ['x']\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError) as info:
        cfg.load()
    joined = "\n".join(info.value.problems)
    assert "default_profile" in joined
    assert "profiles.a.region" in joined and "profiles.a.endpoint" in joined


def test_crm_profile_env_picks_the_profile(isolated_home, monkeypatch):
    conf = cfg.load()
    conf.profiles["lab"] = cfg.Profile(name="lab", kind="endpoint", endpoint="http://x.test")
    cfg.save(conf)
    assert cfg.load().profile().name == "local"
    monkeypatch.setenv("CRM_PROFILE", "lab")
    assert cfg.load().profile().name == "lab"
    assert cfg.load().profile("local").name == "local"  # an explicit name wins
    monkeypatch.setenv("CRM_PROFILE", "ghost")
    with pytest.raises(NotFoundError) as info:
        cfg.load().profile()
    assert "crm profile" in (info.value.hint or "")


def test_crm_profile_env_reaches_the_cli(isolated_home, monkeypatch):
    assert (
        crm("profile", "add", "lab", "--endpoint", "http://127.0.0.1:9", "--user", "Ivan")[0] == 0
    )
    monkeypatch.setenv("CRM_PROFILE", "lab")
    code, out = crm("--json", "config", "show")
    assert code == 0
    assert json.loads(out)["name"] == "lab" and json.loads(out)["user"] == "Ivan"


def test_config_set_user_persists_and_file_is_0600(isolated_home):
    code, out = crm("config", "set", "user", "Olga")
    assert code == 0, out
    path = isolated_home / "config.toml"
    assert mode(path) == 0o600
    assert cfg.load().profile().user == "Olga"
    code, out = crm("--json", "config", "show")
    assert json.loads(out)["user"] == "Olga"
    assert crm("config", "set", "region", "tr")[0] == 0
    assert cfg.load().profile().region == "TR"
    assert cfg.load().profile().user == "Olga"  # the earlier setting stayed
    assert mode(path) == 0o600


def test_config_set_rejects_bad_values(isolated_home):
    conf = cfg.load()
    with pytest.raises(ConfigError):
        cfg.set_value(conf, "local", "region", "XX")
    with pytest.raises(ConfigError):
        cfg.set_value(conf, "local", "language", "de")
    with pytest.raises(UsageError):
        cfg.set_value(conf, "local", "card_max_lines", "many")
    with pytest.raises(UsageError):
        cfg.set_value(conf, "local", "client_secrets", "/tmp/x")  # not settable
    assert crm("config", "set", "region", "XX")[0] == 78
    assert crm("config", "set", "colour", "red")[0] == 2
    assert not (isolated_home / "config.toml").exists()  # nothing half-saved


def test_profile_dir_is_private(isolated_home):
    path = cfg.profile_dir("lab")
    assert path == isolated_home / "profiles" / "lab"
    assert mode(path) == 0o700


def test_atomic_write_leaves_no_temp_files(tmp_path):
    target = tmp_path / "sub" / "token.json"
    cfg.atomic_write(target, b"one")
    cfg.atomic_write(target, b"two", mode=0o640)
    assert target.read_bytes() == b"two"
    assert mode(target) == 0o640
    assert [p.name for p in target.parent.iterdir()] == ["token.json"]


def test_atomic_write_failure_keeps_the_old_file_and_no_temp(tmp_path):
    target = tmp_path / "config.toml"
    cfg.atomic_write(target, b"old")

    with pytest.raises(TypeError):
        cfg.atomic_write(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]
