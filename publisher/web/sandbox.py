"""Kernel-enforced limits for a query worker: no network, bounded memory and CPU, no orphans.

The guard (``publisher.sparql_guard``) refuses SERVICE before the engine sees a query; this is
the second wall, in case the guard's parser and the engine's ever disagree about what a text
says. A worker never needs the network (it talks to the server over a pipe), so a seccomp
filter makes ``socket(AF_INET…)`` and ``socket(AF_INET6…)`` fail with EPERM for the rest of
its life: pyoxigraph's HTTP client cannot even open a socket. Linux only, on x86-64 and
AArch64; elsewhere the guard stands alone and ``block_network`` says so by returning False.

A worker also dies with its parent (PR_SET_PDEATHSIG), cannot grow past a memory ceiling
(RLIMIT_AS), and is killed by the kernel if a query outlives its time limit by far
(RLIMIT_CPU) — should the server that normally kills it be gone.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import platform
import resource
import signal
import socket
import sys

_PR_SET_PDEATHSIG = 1
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_SECCOMP_RET_ALLOW = 0x7FFF0000
_SECCOMP_RET_ERRNO = 0x00050000

# BPF instructions (linux/filter.h)
_LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
_JEQ_K = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_JGE_K = 0x35  # BPF_JMP | BPF_JGE | BPF_K
_RET_K = 0x06  # BPF_RET | BPF_K

# struct seccomp_data: int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6];
_OFFSET_NR, _OFFSET_ARCH, _OFFSET_ARG0 = 0, 4, 16

#: machine -> (AUDIT_ARCH_*, number of the socket syscall)
_ARCHITECTURES = {"x86_64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198)}
_X32_SYSCALL_BIT = 0x40000000


class _SockFilter(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_ushort),
        ("jt", ctypes.c_ubyte),
        ("jf", ctypes.c_ubyte),
        ("k", ctypes.c_uint32),
    ]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def confine(memory_mb: int) -> list[str]:
    """Apply every limit this platform allows; returns the names of those that could not be."""
    missing = []
    if not die_with_parent():
        missing.append("die-with-parent")
    if memory_mb > 0 and not limit_memory(memory_mb):
        missing.append("memory limit")
    if not block_network():
        missing.append("network block")
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in the server's terminal is the server's
    return missing


def block_network() -> bool:
    """Make every later ``socket(AF_INET|AF_INET6, …)`` of this process fail with EPERM."""
    if sys.platform != "linux" or platform.machine() not in _ARCHITECTURES:
        return False
    audit_arch, socket_nr = _ARCHITECTURES[platform.machine()]
    deny = _SECCOMP_RET_ERRNO | errno.EPERM
    # Jumps count instructions after the next one: (code, jump if true, jump if false, k).
    program = [
        (_LD_W_ABS, 0, 0, _OFFSET_ARCH),  # 0
        (_JEQ_K, 1, 0, audit_arch),  # 1: our ABI -> 3
        (_RET_K, 0, 0, _SECCOMP_RET_ALLOW),  # 2: another ABI is not ours to judge
        (_LD_W_ABS, 0, 0, _OFFSET_NR),  # 3
        (_JGE_K, 0, 1, _X32_SYSCALL_BIT),  # 4: x32 numbering (could dodge the check) -> 5, else 6
        (_RET_K, 0, 0, deny),  # 5
        (_JEQ_K, 0, 3, socket_nr),  # 6: socket() -> 7, anything else -> 10
        (_LD_W_ABS, 0, 0, _OFFSET_ARG0),  # 7: the address family (low 32 bits, little-endian)
        (_JEQ_K, 2, 0, socket.AF_INET),  # 8: -> 11
        (_JEQ_K, 1, 0, socket.AF_INET6),  # 9: -> 11
        (_RET_K, 0, 0, _SECCOMP_RET_ALLOW),  # 10: AF_UNIX (the pipe to the server) and the rest
        (_RET_K, 0, 0, deny),  # 11
    ]
    filters = (_SockFilter * len(program))(*(_SockFilter(*instruction) for instruction in program))
    fprog = _SockFprog(len(program), filters)
    libc = _libc()
    if libc is None or libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return False
    return libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.addressof(fprog), 0, 0) == 0


def die_with_parent() -> bool:
    """Have the kernel kill this process when its parent exits (Linux)."""
    libc = _libc()
    return libc is not None and libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0


def limit_memory(megabytes: int) -> bool:
    """Cap the address space: an allocation past it fails and the worker dies, not the server."""
    try:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = megabytes * 1024 * 1024
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError):
        return False
    return True


def limit_cpu(seconds: float) -> None:
    """Let the kernel kill this process if the next job uses more than ``seconds`` of CPU.

    A backstop only: the server kills a worker at the time limit (wall clock); this holds
    even if the server is gone. RLIMIT_CPU counts the process's whole life, hence the offset.
    """
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = usage.ru_utime + usage.ru_stime
    _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    wanted = int(used + seconds) + 1
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CPU, (wanted, hard))


def _libc():
    if sys.platform != "linux":
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    libc.prctl.restype = ctypes.c_int
    return libc
