"""Counter mode (综合窗口受理): the clerk's main window and its start-up."""

from ui.counter.launch import run_counter

__all__ = ["run_counter"]
