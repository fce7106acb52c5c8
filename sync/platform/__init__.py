"""参考平台: the reference provincial platform that implements protocol v1 (`yichuang platform serve`).

FastAPI + SQLAlchemy with its own database (SQLite in a data folder by default, PostgreSQL by
URL), a back office to decide cases, and fault switches for tests and demos.
"""

from sync.platform.app import PlatformApp, create_app
from sync.platform.core import Platform
from sync.platform.faults import FaultSettings, parse_faults

__all__ = ["FaultSettings", "Platform", "PlatformApp", "create_app", "parse_faults"]
