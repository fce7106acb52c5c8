"""Setup wizard (设置向导, `yichuang setup`): station, platform, devices, kiosk categories, summary."""

from ui.setup.launch import run_setup
from ui.setup.wizard import SetupWizard

__all__ = ["SetupWizard", "run_setup"]
