"""The ``command`` check: run a program, healthy when it exits 0 within the timeout.

Running programs from a configuration file is a privilege, so the type is off
unless vigil.yml sets ``allow_command_checks: true`` (checked when the file
loads, see ``console.config``). The argv list runs without a shell.
"""

from __future__ import annotations

import subprocess
import time
from typing import TYPE_CHECKING

from pydantic import Field

from collectors.checks.base import CheckOptions, ProbeFailure, ProbeResult, timed_probe
from collectors.httpfetch import Clock

if TYPE_CHECKING:
    from collectors.config import HealthCheckConfig

ENABLE_FLAG = "allow_command_checks"
_MAX_REASON = 300


class CommandOptions(CheckOptions):
    command: list[str] = Field(min_length=1)
    """The program and its arguments, run without a shell."""
    working_directory: str | None = None


def _last_line(output: bytes) -> str:
    lines = output.decode("utf-8", "replace").strip().splitlines()
    return lines[-1][:_MAX_REASON] if lines else ""


class CommandCheck:
    options = CommandOptions

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._clock = clock

    def check_target(self, target: str) -> None:
        if not target.strip():
            raise ValueError("a command check needs a target: a name for what it checks")

    def run(self, config: HealthCheckConfig, now: float) -> ProbeResult:
        options = config.options
        assert isinstance(options, CommandOptions)

        def attempt() -> dict[str, float]:
            try:
                finished = subprocess.run(
                    options.command,
                    cwd=options.working_directory,
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    timeout=config.timeout,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                raise ProbeFailure(f"timeout after {config.timeout:g}s") from None
            code = float(finished.returncode)
            if finished.returncode != 0:
                said = _last_line(finished.stderr) or _last_line(finished.stdout)
                reason = f"exit status {finished.returncode}" + (f": {said}" if said else "")
                raise ProbeFailure(reason, {"probe_command_exit_code": code})
            return {"probe_command_exit_code": code}

        return timed_probe(attempt, target=config.target, clock=self._clock)
