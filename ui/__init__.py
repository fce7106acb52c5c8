"""PySide6 user interface: one window per mode, widgets, the ops runner, translations."""
