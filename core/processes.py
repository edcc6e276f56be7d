"""Who holds a claim (a delivery being sent, RQ's scheduler lock), and whether that process still
runs: a claim left by a process that died on this machine can be taken over at once instead of
waiting for its lease to run out."""

import os
import socket
import uuid


def this_host() -> str:
    return socket.gethostname()


def owner_token() -> str:
    """Names the process making a claim (host and pid) and the claim itself (threads of one
    process are different owners)."""
    return f"{this_host()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def died_here(owner: str) -> bool:
    """Did the owner run on this machine and has it stopped? Unknown hosts: False (wait)."""
    host, pid = _host_and_pid(owner)
    return host == this_host() and pid is not None and not is_running(pid)


def is_running(pid: int) -> bool:
    """Is a process with this pid alive on this machine (a zombie is not)?"""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return not _is_zombie(pid)


def _host_and_pid(owner: str) -> tuple[str, int | None]:
    parts = owner.rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return "", None
    return parts[0], int(parts[1])


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            # "pid (command) state ...": the command may hold spaces, the state follows ")".
            return stat.read().rpartition(")")[2].split()[0] == "Z"
    except (OSError, IndexError):
        return False
