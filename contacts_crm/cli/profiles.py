"""Profiles, settings and login."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from contacts_crm import config as cfg
from contacts_crm.cli.output import Ctx, Listing, emit, output_options, pass_ctx
from contacts_crm.cli.output import show as show_listing
from contacts_crm.defaults import DEFAULT_REGION
from contacts_crm.errors import UsageError
from contacts_crm.i18n import _


@click.group()
def profile() -> None:
    """Manage account profiles (local, a compatible endpoint, or Google).

    \b
    Examples:
      crm profile list
      crm profile add lab --endpoint http://127.0.0.1:8765
      crm profile add office --google --client-secrets ~/client_secret.json
      crm profile add office --google --service-account key.json --subject boss@firm.com
      crm profile use office
      crm profile remove lab
    """


@profile.command("list")
@output_options()
@pass_ctx
def list_(ctx: Ctx) -> None:
    """List profiles; the default is marked with *.

    \b
    Example:
      crm profile list
    """
    conf = cfg.load()
    data = [
        {
            "name": p.name,
            "kind": p.kind,
            "default": p.name == conf.default_profile,
            "endpoint": p.endpoint,
            "user": p.user,
        }
        for p in conf.profiles.values()
    ]
    rows = [("*" if d["default"] else "", d["name"], d["kind"], d["endpoint"] or "", d["user"])
            for d in data]  # fmt: skip
    columns = [_("Default"), _("Profile"), _("Kind"), _("Endpoint"), _("User")]
    keys = ["default", "profile", "kind", "endpoint", "user"]
    show_listing(ctx, Listing(columns, rows, keys=keys), data)


@profile.command()
@click.argument("name")
@click.option("--endpoint", metavar="URL", help="A People-API-compatible endpoint.")
@click.option("--google", is_flag=True, help="A real Google account.")
@click.option(
    "--client-secrets",
    type=click.Path(exists=True, dir_okay=False),
    help="Your OAuth client JSON (Desktop app) for --google.",
)
@click.option(
    "--service-account",
    type=click.Path(exists=True, dir_okay=False),
    help="A service account key for --google (Workspace).",
)
@click.option("--subject", metavar="EMAIL", help="User to act as (domain-wide delegation).")
@click.option("--region", default=DEFAULT_REGION, show_default=True, help="Default phone region.")
@click.option("--user", default="", help="Your name, to sign calls and order steps.")
@click.option(
    "--language",
    type=click.Choice(cfg.LANGUAGES),
    default="en",
    show_default=True,
    help="Language of the card labels.",
)
@click.option("--default", "make_default", is_flag=True, help="Make it the default profile.")
@pass_ctx
def add(
    ctx: Ctx,
    name: str,
    endpoint: str | None,
    google: bool,
    client_secrets: str | None,
    service_account: str | None,
    subject: str | None,
    region: str,
    user: str,
    language: str,
    make_default: bool,
) -> None:
    """Add (or replace) a profile.

    \b
    Examples:
      crm profile add lab --endpoint http://127.0.0.1:8765
      crm profile add office --google --client-secrets ~/client_secret.json --default
      crm profile add istanbul --region TR --language tr --user Ayşe
    """
    if endpoint and google:
        raise UsageError(_("choose either --endpoint or --google"))
    kind = "google" if google else "endpoint" if endpoint else "local"
    prof = cfg.Profile(
        name=name,
        kind=kind,
        endpoint=endpoint,
        auth="service_account" if service_account else "oauth",
        client_secrets=_abs(client_secrets),
        service_account_file=_abs(service_account),
        subject=subject,
        region=region.upper(),
        user=user,
        language=language,
    )
    problems = cfg.validate_profile(prof)
    if problems:
        from contacts_crm.errors import ConfigError

        raise ConfigError(_("profile {name!r} is not valid").format(name=name), problems)
    if client_secrets or service_account:
        from contacts_crm.account.auth import check_key_file

        if not google:
            raise UsageError(_("--client-secrets and --service-account go with --google"))
        if client_secrets:
            check_key_file(Path(client_secrets), "oauth")
        if service_account:
            check_key_file(Path(service_account), "service_account")
    conf = cfg.load()
    conf.profiles[name] = prof
    if make_default:
        conf.default_profile = name
    path = cfg.save(conf)
    next_step = (
        f"crm --profile {name} login"
        if kind == "google" and not service_account
        else f"crm --profile {name} sync"
    )
    emit(
        ctx,
        {"profile": name, "kind": kind, "config": str(path)},
        _("Saved profile {name} ({kind}) in {path}").format(
            name=name, kind=kind, path=cfg.shown_path(path)
        )
        + "\n"
        + _("Next: {step}").format(step=next_step),
    )


@profile.command()
@click.argument("name")
@pass_ctx
def use(ctx: Ctx, name: str) -> None:
    """Make NAME the default profile.

    \b
    Example:
      crm profile use office
    """
    conf = cfg.load()
    conf.profile(name)  # raises NotFoundError with a hint
    conf.default_profile = name
    cfg.save(conf)
    emit(ctx, {"default": name}, _("Default profile: {name}").format(name=name))


@profile.command()
@click.argument("name")
@pass_ctx
def remove(ctx: Ctx, name: str) -> None:
    """Forget a profile (its local data and token stay on disk).

    \b
    Example:
      crm profile remove lab
    """
    conf = cfg.load()
    conf.profile(name)
    conf.profiles.pop(name, None)
    if conf.default_profile == name:
        conf.default_profile = "local"
    cfg.save(conf)
    emit(ctx, {"removed": name}, _("Removed profile {name}").format(name=name))


@click.group("config")
def config_group() -> None:
    """Show or change settings of the current profile.

    \b
    Examples:
      crm config set user Olga
      crm config set region TR
      crm config set language ru
      crm config unset user
      crm config show
    """


@config_group.command("show")
@pass_ctx
def show(ctx: Ctx) -> None:
    """Show the current profile's settings and where files live.

    \b
    Examples:
      crm config show
      crm --profile office --json config show
    """
    conf = cfg.load()
    prof = conf.profile(ctx.profile)
    data = {
        **asdict(prof),
        "config_file": str(cfg.config_path()),
        "data_dir": str(cfg.data_dir() / "profiles" / prof.name),
    }
    if prof.kind != "google":  # how to log in means nothing for a local or endpoint profile
        for key in ("auth", "client_secrets", "service_account_file", "subject"):
            data.pop(key, None)

    def human() -> None:
        for key, value in data.items():
            if value not in (None, ""):
                click.echo(f"{key:22} {value}")

    emit(ctx, data, human)


class SettingKey(click.Choice):
    """A setting's name; an unknown one is answered with the nearest ("lang": language)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        return cfg.setting_key(str(value))


@config_group.command("set")
@click.argument("key", type=SettingKey(sorted(cfg.SETTABLE)))
@click.argument("value")
@pass_ctx
def set_(ctx: Ctx, key: str, value: str) -> None:
    """Set KEY to VALUE for the current profile.

    \b
    Examples:
      crm config set user Olga
      crm --profile office config set region TR
    """
    if not value.strip():
        raise UsageError(_("{key} cannot be set to an empty value").format(key=key),
                         hint=_("to go back to the default: crm config unset {key}").format(
                             key=key))  # fmt: skip
    conf = cfg.load()
    name = conf.profile(ctx.profile).name
    cfg.set_value(conf, name, key, value)
    cfg.save(conf)
    emit(ctx, {"profile": name, key: value}, f"{name}: {key} = {value}")


@config_group.command("unset")
@click.argument("key", type=SettingKey(sorted(cfg.SETTABLE)))
@pass_ctx
def unset(ctx: Ctx, key: str) -> None:
    """Put KEY of the current profile back to its default.

    \b
    Examples:
      crm config unset user
      crm config unset card_max_lines
    """
    conf = cfg.load()
    prof = conf.profile(ctx.profile)
    default = getattr(cfg.Profile(name=prof.name), key)
    updated = cfg.Profile(**{**asdict(prof), key: default})
    problems = cfg.validate_profile(updated)
    if problems:
        from contacts_crm.errors import ConfigError

        raise ConfigError(_("{key} cannot be unset for profile {name!r}").format(
            key=key, name=prof.name), problems)  # fmt: skip
    conf.profiles[prof.name] = updated
    cfg.save(conf)
    shown = _("(none)") if default in (None, "") else default
    emit(ctx, {"profile": prof.name, key: default},
         _("{profile}: {key} = {value} (default)").format(profile=prof.name, key=key,
                                                         value=shown))  # fmt: skip


@click.command()
@click.option("--no-browser", is_flag=True, help="Print the URL instead of opening a browser.")
@pass_ctx
def login(ctx: Ctx, no_browser: bool) -> None:
    """Log in to the Google account of the current profile (OAuth, once).

    Opens a browser on Google's consent page; the token is stored next to
    the profile's data, readable by you only.

    \b
    Examples:
      crm --profile office login
      crm --profile office login --no-browser
    """
    from contacts_crm.account import auth

    conf = cfg.load()
    prof = conf.profile(ctx.profile)
    runner = (lambda f: f.run_local_server(port=0, open_browser=False)) if no_browser else None
    path = auth.login(prof, cfg.profile_dir(prof.name), flow_runner=runner)
    emit(
        ctx,
        {"profile": prof.name, "token": str(path)},
        _("Logged in. Token saved to {path} (mode 600).").format(path=path),
    )


def _abs(path: str | None) -> str | None:
    return str(Path(path).expanduser().resolve()) if path else None


COMMANDS = [profile, config_group, login]
