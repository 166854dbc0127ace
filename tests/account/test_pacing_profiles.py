"""Every profile that talks to a People endpoint is paced; quotas are per profile."""

from __future__ import annotations

import pytest

from contacts_crm import config as cfg
from contacts_crm.account.connected import pacer_for
from contacts_crm.account.pacing import OBSERVED_LIMITS
from contacts_crm.errors import ConfigError


@pytest.mark.parametrize("kind", ["google", "endpoint"])
def test_google_and_endpoint_profiles_pace_at_the_observed_limits(kind: str) -> None:
    profile = cfg.Profile(name="p", kind=kind, endpoint="http://127.0.0.1:9")
    assert pacer_for(profile).limits == OBSERVED_LIMITS


def test_the_local_account_is_not_paced_and_quotas_are_configurable() -> None:
    assert pacer_for(cfg.Profile(name="local")).limits == {}
    lab = cfg.Profile(name="lab", kind="endpoint", endpoint="http://x", quotas={"write": 5})
    assert pacer_for(lab).limits == {"write": 5}
    off = cfg.Profile(name="lab", kind="endpoint", endpoint="http://x", quotas={})
    assert pacer_for(off).limits == {}


def test_quotas_round_trip_through_the_config_file_and_bad_ones_are_named(tmp_path) -> None:
    path = tmp_path / "config.toml"
    conf = cfg.Config(path=path)
    conf.profiles["lab"] = cfg.Profile(
        name="lab", kind="endpoint", endpoint="http://x", quotas={"critical_write": 12}
    )
    cfg.save(conf, path)
    assert cfg.load(path).profiles["lab"].quotas == {"critical_write": 12}
    path.write_text(
        '[profiles.lab]\nkind = "endpoint"\nendpoint = "http://x"\n'
        "[profiles.lab.quotas]\ncritical_writes = 5\nwrite = 0\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as err:
        cfg.load(path)
    problems = "\n".join(err.value.problems)
    assert "profiles.lab.quotas.critical_writes: not one of" in problems
    assert "profiles.lab.quotas.write: a whole number of at least 1" in problems
