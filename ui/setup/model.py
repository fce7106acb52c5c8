"""What the setup wizard is building (设置向导的数据), and the ops that read and write it.

:class:`SetupModel` holds the configuration values the wizard will write, starting from the ones in
force that are not defaults (the existing file and ``--set`` overrides), the kiosk categories, the
device test outcomes and the enrollment. Pages read and write it; nothing is written to disk or
to the database before the summary page's 完成.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from app import setup_profile
from app.config import KEYS_BY_NAME, Config
from app.context import AppContext
from app.doctor import CheckResult, check_platform
from app.services.queue import DEFAULT_CATEGORIES
from app.setup_profile import CategorySpec, StationProfile
from ui.ops import Op
from ui.setup.device_tests import TestOutcome

#: Keys written whatever their value: a device choice is a decision, not a default to inherit.
ALWAYS_WRITTEN = frozenset(name for name in KEYS_BY_NAME if name.startswith("devices.") and "_" not in name)


class SetupModel:
    def __init__(self, ctx: AppContext, target: Path) -> None:
        self.ctx = ctx
        self.target = target
        config = ctx.config
        self.initial: dict[str, object] = {
            name: config.get(name) for name in KEYS_BY_NAME if config.origin(name) != "default"
        }
        self.values: dict[str, object] = dict(self.initial)
        self.categories: list[CategorySpec] = []
        self.results: dict[str, TestOutcome] = {}
        self.enrolled_as: str | None = None
        self.profile: StationProfile | None = None
        self.saved: Config | None = None

    def default(self, name: str) -> object:
        resolved = {"ui.demo": self.values.get("ui.demo", KEYS_BY_NAME["ui.demo"].default)}
        return KEYS_BY_NAME[name].default_for(resolved)

    def get(self, name: str) -> object:
        return self.values[name] if name in self.values else self.default(name)

    def get_str(self, name: str) -> str:
        return str(self.get(name))

    def put(self, name: str, value: object) -> None:
        """Set ``name``; a value equal to its default is not written unless it was already set."""
        if name not in KEYS_BY_NAME:
            raise KeyError(f"unknown config key {name!r}")
        if value == self.default(name) and name not in self.initial and name not in ALWAYS_WRITTEN:
            self.values.pop(name, None)
        else:
            self.values[name] = value

    def preview(self) -> Config:
        """The configuration as it will be once written (for tests, enrollment and the summary)."""
        return Config(values={name: self.get(name) for name in KEYS_BY_NAME})

    @property
    def station_code(self) -> str:
        return self.get_str("station.code") or "LOCAL"

    def apply_profile(self, profile: StationProfile) -> None:
        """Take a station profile's values and categories (the machine's own secrets stay)."""
        for name in list(self.values):
            if name not in setup_profile.SECRET_KEYS:
                del self.values[name]
        self.values.update(profile.values)
        if profile.ca_bundle_pem is not None:
            ca_file = self.target.parent / setup_profile.CA_FILE_NAME
            ca_file.parent.mkdir(parents=True, exist_ok=True)
            ca_file.write_text(profile.ca_bundle_pem.strip() + "\n", encoding="utf-8")
            self.values["sync.ca_bundle"] = str(ca_file.absolute())
        if profile.categories is not None:
            self.categories = list(profile.categories)
        self.results.clear()
        self.profile = profile


# --- ops ------------------------------------------------------------------------------------------


def load_categories_op(ctx: AppContext, station_code: str) -> Op[list[CategorySpec]]:
    """The station's categories, or the usual six of a hall when it has none yet."""

    def run() -> list[CategorySpec]:
        with ctx.db.session() as session:
            found = setup_profile.station_categories(session, station_code)
        return found or [CategorySpec(code, name) for code, name in DEFAULT_CATEGORIES]

    return Op(run=run, name="setup_load_categories")


def read_profile_op(path: Path) -> Op[StationProfile]:
    return Op(run=lambda: setup_profile.read_profile(path), name="setup_read_profile")


def platform_check_op(config: Config) -> Op[list[CheckResult]]:
    """Doctor's platform checks (reachability, certificate, clock) for the URL being entered."""
    return Op(run=lambda: check_platform(config), name="setup_check_platform").on_network()


@dataclass(frozen=True)
class Enrolled:
    station_id: str


def enroll_op(ctx: AppContext, config: Config, code: str) -> Op[Enrolled]:
    """Trade the one-time enrollment code for the station's token (kept by sync.token_store)."""

    def run() -> Enrolled:
        from sync.client import PlatformClient, settings_from_config
        from sync.token_store import enroll, open_token_store

        store = open_token_store(config, ctx.db, ctx.cipher)
        with PlatformClient(settings_from_config(config)) as client:
            enrollment = enroll(
                client,
                store,
                ctx.db,
                code=code,
                station_code=config.get_str("station.code"),
                station_name=config.get_str("station.name"),
            )
        return Enrolled(enrollment.station_id)

    return Op(run=run, name="setup_enroll").on_network()


def save_op(
    ctx: AppContext, values: dict[str, object], target: Path, categories: Sequence[CategorySpec]
) -> Op[Config]:
    """Write the configuration file, then the station row and its categories, in that order.

    The file is checked by app.config before it replaces the old one, so a bad value stops here
    with a message naming the key and nothing is half written.
    """
    values = dict(values)
    wanted = list(categories)

    def run() -> Config:
        config = setup_profile.write_config(values, target)
        with ctx.db.session() as session:
            setup_profile.save_station(session, config)
            setup_profile.save_categories(session, config.get_str("station.code") or "LOCAL", wanted)
        return config

    return Op(run=run, name="setup_save")
