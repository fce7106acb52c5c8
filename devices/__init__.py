"""Hardware drivers: one sub-package per device kind (Protocol, real drivers, simulator)."""
