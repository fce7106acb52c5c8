"""YiChuang (一窗) domain core: model, rules, services and storage. No Qt, no devices, no sync."""

__version__ = "0.1.0"
