"""The research screen's toast policy: pure decisions, tested without an app."""

from __future__ import annotations

import asyncio

from core import events as ev
from tui.toast_policy import ToastPolicy, shorten


def test_search_failures_toast_once_per_round() -> None:
    policy = ToastPolicy()
    first = policy.for_event(ev.WarningRaised(message="search down", kind="search", round=1))
    assert first is not None and first.key == "warning:search" and first.severity == "warning"
    assert "(more in the steps list)" in first.message
    assert policy.for_event(ev.WarningRaised(message="again", kind="search", round=1)) is None
    assert policy.for_event(ev.WarningRaised(message="round 2", kind="search", round=2)) is not None


def test_each_event_kind_gets_its_own_toast_or_none() -> None:
    policy = ToastPolicy()
    assert policy.for_event(ev.WarningRaised(message="no LLM", kind="report")) is None
    info = policy.for_event(ev.WarningRaised(message="note", kind="info"))
    assert info is not None and info.severity == "information" and info.key == "warning:info"
    error = policy.for_event(ev.ErrorRaised(kind="auth", message="bad key"))
    assert error is not None and (error.title, error.severity, error.key) == (
        "auth",
        "error",
        "error",
    )
    wait = policy.for_event(
        ev.RateLimited(retry_in_s=15, scope="llm", message="Quota hit, retry in 15s\nmore")
    )
    assert wait is not None and wait.title == "Waiting: Gemini"
    assert wait.message == "Quota hit,"  # the countdown belongs to the status bar
    report = policy.for_event(ev.ReportReady(path="/x/report.md", fallback=True), shown_path="~/r")
    assert report is not None and report.message == "Written without the LLM; saved to ~/r"
    assert policy.for_event(ev.RoundStarted(round=1)) is None


def test_outcomes_say_how_the_run_ended_without_repeating_an_error() -> None:
    done = ToastPolicy.for_outcome("done", "Batteries", error_toast_shown=False)
    assert (
        done is not None and done.message == "The research is done." and done.title == "Batteries"
    )
    stopped = ToastPolicy.for_outcome("stopped", "", error_toast_shown=True)
    assert stopped is not None and stopped.message == "The research was stopped."
    assert ToastPolicy.for_outcome("failed", "x", error_toast_shown=True) is None
    failed = ToastPolicy.for_outcome("failed", "x", error_toast_shown=False)
    assert failed is not None and failed.severity == "error"
    crash = ToastPolicy.for_crash(RuntimeError("boom"))
    assert crash.severity == "error" and crash.message == "Research failed: RuntimeError: boom"
    assert "space resumes" in ToastPolicy.for_crash(asyncio.CancelledError()).message


def test_shorten_cuts_at_a_word() -> None:
    assert shorten("a  b\nc") == "a b c"
    cut = shorten("word " * 40, 30)
    assert len(cut) <= 30 and cut.endswith("…") and not cut.endswith(" …")
