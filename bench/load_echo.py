"""Load figures for the baseline: a bare PTB echo bot (bench/echo_bot.py) under the same load as Pantau.

    python -m bench.load_echo [--reporters 200] [--concurrency N] [--in-process]

Each simulated user sends as many text messages as a Pantau report takes updates (the texts a reporter
types, or the labels of the buttons they press), each time waiting for the echo before the next.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/load_echo.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import echo_bot
from bench.common import BenchFailure, Scenario, Stopper, TimedUser, Workspace, main
from bench.load_report import STEP_NAMES, STEPS

ECHO_BOT = Path(echo_bot.__file__).resolve()


async def converse(u: TimedUser, workspace: Workspace) -> object:
    for name, text in STEPS:
        await u.step(name, lambda text=text: u.say(text), text)  # type: ignore[misc]
    return u.updates


def verify(workspace: Workspace, outcomes: list[object]) -> list[str]:
    expected = len(outcomes) * len(STEPS)
    echoes = len(workspace.fake.calls("sendMessage"))
    if echoes != expected:
        raise BenchFailure(f"the echo bot sent {echoes} messages, expected {expected} (one per message)")
    return [f"echoes: {echoes} sendMessage calls == {len(outcomes)} users × {len(STEPS)} messages"]


async def start_in_process(workspace: Workspace) -> Stopper:
    fake = workspace.fake
    application = echo_bot.build_application(fake.token, fake.base_url, fake.file_base_url,
                                             limited=workspace.options.limited)
    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(timeout=10)

    async def stop() -> None:
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()

    return stop


SCENARIO = Scenario(
    name="echo",
    title=f"{len(STEPS)} text messages (what a reporter types or taps), each awaiting its echo",
    steps=STEP_NAMES,
    subprocess_argv=(sys.executable, str(ECHO_BOT), "--log-level", "INFO"),
    start_in_process=start_in_process,
    converse=converse,
    verify=verify,
    notes=("echo: bare PTB Application, updates one at a time (PTB default), AIORateLimiter(max_retries=2) "
           "with default rates (30 calls with a chat_id a second), none with --no-limiter. Step names are those "
           "of the report step each message stands for.",),
)


def run_main(argv: Sequence[str] | None = None) -> int:
    return main(SCENARIO, __doc__.splitlines()[0] if __doc__ else "", argv)


if __name__ == "__main__":
    sys.exit(run_main())
