"""End-to-end scenarios reuse the UI fixtures (offscreen Qt, demo context, leak guard)."""

from tests.ui.conftest import demo_ctx, no_leaked_threads_or_timers  # noqa: F401
