"""Queue load: kiosk and window workers in separate processes against one shared database."""
