"""Run a submission's kernel in a sandbox.

Student code runs in a Jupyter kernel; without a sandbox it runs with the
grader's rights.  :class:`SandboxedKernelManager` starts each student kernel
through well-kept tools from Debian's packages instead:

* a memory cgroup and a pids cgroup (v1 or v2), joined before anything else
  runs, cap memory and the number of processes and threads (RLIMIT_AS would
  break TensorFlow and PyTorch, which reserve huge address space); the CPU
  time of everything in the sandbox is counted there too (v1: a cpuacct
  cgroup's ``cpuacct.usage``; v2: ``cpu.stat``'s ``usage_usec``), and the
  grader's time limits count that, not the wall clock (see
  :func:`cgroup_cpu_seconds` and ``autograder.execute.TimeLimits``);
* ``prlimit`` caps CPU seconds, file size and open files;
* ``setpriv`` drops to an unprivileged user with no capabilities *before*
  ``bwrap`` starts (bubblewrap started by root keeps root's file access);
* ``bwrap`` gives the kernel new namespaces (no network: it talks to the
  grader over IPC sockets in a folder of its own), an empty environment, and
  a file system with only the Python installation, the course's helper
  package (read-only), its own socket folder and a private scratch folder.
  The course tree (solutions, gradebook, other submissions, the grader's
  files) is not there at all.

``python -m autograder sandbox-check`` says whether this machine can do all
that; ``make sandbox`` installs and sets up what it needs.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import errno
import logging
import multiprocessing
import os
import pwd
import re
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from queue import Empty

import zmq
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import ensure_async
from traitlets import DottedObjectName, Integer, Type, Unicode
from traitlets.config import Configurable

import dlcourse
from autograder.zygote_process import KERNEL_PENDING_SIGNALS, MASKED_PROC_FILES, masked_proc_text

#: The unprivileged user student kernels run as (created by `make sandbox`).
SANDBOX_USER = "dlgrader"
CGROUP_ROOT = Path("/sys/fs/cgroup")
CGROUP_NAME = "dlcourse-grading"
#: Where the sandbox shows the grader's Python environment and the course's
#: helper package: paths that say nothing about where the course lives.
NEUTRAL_ROOT = Path("/opt/dlcourse")
NEUTRAL_VENV = NEUTRAL_ROOT / "venv"
NEUTRAL_LIB = NEUTRAL_ROOT / "lib"
#: Prefix of each kernel's folder (in the temporary folder), of its cgroups'
#: names, and of what `sweep_stale` looks for.
PREFIX = "dlsb-"
#: Sandbox folders and cgroups younger than this are never swept: another
#: grader on the same machine may be starting a kernel in them.
SWEEP_MIN_AGE = 120


log = logging.getLogger(__name__)

#: Per machine: the audit architecture seccomp reports, and the numbers of
#: the calls :func:`shared_state_filter` refuses.  ``key``: add_key,
#: request_key, keyctl; ``ended``: flock, inotify_init (x86_64 only),
#: inotify_init1, fanotify_init, io_uring_setup, sysinfo, fadvise64,
#: perf_event_open, io_setup;
#: ``fcntl``: fcntl; ``rwf``: preadv2, pwritev2; ``madvise``: madvise.
SECCOMP_CALLS = {
    "x86_64": {"arch": 0xC000003E, "key": (248, 249, 250),
               "ended": (73, 253, 294, 300, 425, 99, 221, 298, 206), "fcntl": 72, "rwf": (327, 328),
               "madvise": 28},
    "aarch64": {"arch": 0xC00000B7, "key": (217, 218, 219),
                "ended": (32, 26, 262, 425, 179, 223, 241, 0), "fcntl": 25, "rwf": (286, 287),
                "madvise": 233},
}
#: fcntl's commands that lock a file or watch it (F_GETLK, F_SETLK,
#: F_SETLKW, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW, F_SETLEASE,
#: F_GETLEASE, F_NOTIFY).
FCNTL_SHARED = (5, 6, 7, 36, 37, 38, 1024, 1025, 1026)
#: madvise's advice that pushes pages of a file out of the machine's page
#: cache (MADV_COLD, MADV_PAGEOUT).
MADVISE_EVICT = (20, 21)
#: Where seccomp's data holds the low word of a call's argument i.
_ARGUMENT = {1: 24, 2: 32, 5: 56}


def shared_state_filter(machine: str | None = None) -> bytes:
    """A seccomp program (classic BPF, struct sock_filter[]) that refuses
    the calls through which two kernels could reach each other, and allows
    every other call.

    Every kernel runs as the same user and sees the same host files (/usr,
    the Python environment) read-only.  Reviewers playing attackers passed a
    classmate's answers between two kernels graded at once (a notebook with
    no answer code scored full marks) through:

    * the kernel keyring (a key one kernel adds shows in the other's
      /proc/keys): add_key, request_key and keyctl fail with EPERM;
    * locks on a shared read-only file (a lock's position and length carry
      data; another process reads them with F_GETLK or by trying to lock):
      flock and fcntl's lock and lease commands fail with ENOSYS, which
      libraries such as HDF5 read as "this file system has no locks";
    * notifications of another process opening a shared file (inotify, and
      fanotify, dnotify through fcntl's F_NOTIFY): ENOSYS;
    * the machine's counts of processes, free memory and load, which one
      kernel moves (starting threads, taking memory) and another reads:
      sysinfo fails with ENOSYS (the same counts in /proc are fixed text:
      MASKED_PROC_FILES); a program asking how much memory the machine
      has gets no answer (TensorFlow then assumes enough);
    * which pages of a shared file the machine holds in memory (its page
      cache), set by reading a page or dropping it and read without
      waiting: fadvise64, madvise's MADV_COLD and MADV_PAGEOUT, and
      preadv2 and pwritev2 with any flag (RWF_NOWAIT) fail with ENOSYS.
      (A first read of a page still takes longer than a second; that is
      not closed: ARCHITECTURE.md.);
    * the memory the machine lets one user lock for perf counters' ring
      buffers, which one kernel filled and emptied and the other tried to
      take from: perf_event_open fails with ENOSYS (a kernel can count its
      own events otherwise, but no notebook of the course does);
    * the machine's one allowance of asynchronous I/O events
      (fs.aio-max-nr), which one kernel used up and the other tried to take
      from (and which programs outside the sandbox need): io_setup fails
      with ENOSYS.  (The machine's pool of terminals is the same kind of
      thing: each kernel's own terminals are capped instead, in
      zygote_process.py.)

    io_uring_setup fails with ENOSYS too (its operations bypass this
    filter).  No notebook of the course needs any of these.  Calls made in
    another architecture's numbering (x32, 32-bit) fail with EPERM."""
    machine = machine or os.uname().machine
    if machine not in SECCOMP_CALLS:
        raise SandboxError(f"the sandbox cannot close the kernels' shared calls on a {machine} "
                           f"machine (known: {', '.join(SECCOMP_CALLS)})")
    calls = SECCOMP_CALLS[machine]
    load, jump_eq, jump_ge, ret = 0x20, 0x15, 0x35, 0x06   # BPF_LD|W|ABS, BPF_JMP|JEQ|K, JGE, BPF_RET|K
    allow = 0x7FFF0000                                     # SECCOMP_RET_ALLOW
    refused = {name: 0x00050000 | number                   # SECCOMP_RET_ERRNO
               for name, number in (("EPERM", errno.EPERM), ("ENOSYS", errno.ENOSYS))}
    # (code, true target, false target, k), or a label's name; targets are labels.
    program = [(load, None, None, 4),                      # the call's architecture
               (jump_eq, None, "EPERM", calls["arch"]),
               (load, None, None, 0),                      # the call's number
               (jump_ge, "EPERM", None, 0x40000000)]       # x32's numbering
    program += [(jump_eq, "EPERM", None, call) for call in calls["key"]]
    program += [(jump_eq, "ENOSYS", None, call) for call in calls["ended"]]
    program += [(jump_eq, "FCNTL", None, calls["fcntl"]),
                (jump_eq, "MADVISE", None, calls["madvise"])]
    program += [(jump_eq, "RWF", None, call) for call in calls["rwf"]]
    program += [(jump_eq, "ALLOW", "ALLOW", 0),               # every other call
                "FCNTL", (load, None, None, _ARGUMENT[1])]  # fcntl's command, low word
    program += [(jump_eq, "ENOSYS", None, command) for command in FCNTL_SHARED]
    program += [(jump_eq, "ALLOW", "ALLOW", 0),
                "MADVISE", (load, None, None, _ARGUMENT[2])]  # the advice
    program += [(jump_eq, "ENOSYS", None, advice) for advice in MADVISE_EVICT]
    program += [(jump_eq, "ALLOW", "ALLOW", 0),
                "RWF", (load, None, None, _ARGUMENT[5]),      # the flags
                (jump_eq, "ALLOW", "ENOSYS", 0),
                "ALLOW", (ret, None, None, allow),
                "EPERM", (ret, None, None, refused["EPERM"]),
                "ENOSYS", (ret, None, None, refused["ENOSYS"])]
    labels, instructions = {}, []
    for item in program:
        if isinstance(item, str):
            labels[item] = len(instructions)
        else:
            instructions.append(item)

    def offset(at: int, target: str | None) -> int:
        return 0 if target is None else labels[target] - at - 1

    return b"".join(struct.pack("=HBBI", code, offset(at, true), offset(at, false), k)
                    for at, (code, true, false, k) in enumerate(instructions))


#: The sandbox's PID 1: forbids the calls that reach other kernels
#: (shared_state_filter; the
#: kernel it starts, or a warm process and every kernel forked from it,
#: inherit that), starts the kernel, reaps orphaned processes, ignores
#: the signals the kernel's code may send it, and exits with the kernel
#: (which ends every process in the sandbox).  Passed
#: with ``-c``, so the sandbox's /proc/1/cmdline names no host folder, unlike
#: bubblewrap's own PID 1, a copy of the whole bwrap command line.
INIT_SOURCE = """\
import ctypes, os, resource, signal, sys
program = bytes.fromhex(sys.argv.pop(1))
pending = int(sys.argv.pop(1))
if pending:  # a kernel's, in its own user namespace (KERNEL_PENDING_SIGNALS)
    resource.setrlimit(resource.RLIMIT_SIGPENDING, (pending, pending))
class Filter(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_char_p)]
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(22, 2, ctypes.byref(Filter(len(program) // 8, program)), 0, 0) != 0:  # seccomp
    sys.exit(f"sandbox: the seccomp filter was refused: {os.strerror(ctypes.get_errno())}")
child = os.fork()
if child == 0:
    os.execv(sys.argv[1], sys.argv[1:])
for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGPIPE"):
    signal.signal(getattr(signal, name), signal.SIG_IGN)
while True:
    pid, status = os.wait()
    if pid == child:
        os._exit(os.waitstatus_to_exitcode(status) & 255)
"""


class SandboxError(RuntimeError):
    """The sandbox cannot work on this machine; the message says why and how to fix it."""


class SandboxLimits(Configurable):
    """Hard limits for one student kernel."""

    user = Unicode(SANDBOX_USER, help="Unprivileged user the kernel runs as.").tag(config=True)
    memory_mb = Integer(3072, help="Memory cgroup limit (MB).").tag(config=True)
    max_tasks = Integer(256, help="Processes and threads (pids cgroup).").tag(config=True)
    cpu_seconds = Integer(
        1800, help="CPU time of the kernel's own process, all threads together (RLIMIT_CPU): "
        "a last resort; the grader's time limits count the whole sandbox's CPU time "
        "(autograder.execute.TimeLimits).").tag(config=True)
    file_mb = Integer(64, help="Largest file the kernel may write (RLIMIT_FSIZE).").tag(config=True)
    tmp_mb = Integer(256, help="Size of the kernel's private /tmp (tmpfs).").tag(config=True)
    socket_dir_kb = Integer(
        1024, help="Size of the kernel's socket folder, the one folder the grader "
        "shares with it (a tmpfs of its own).").tag(config=True)
    worker_memory_mb = Integer(
        3072, help="Memory a grading worker process may add once it starts kernels "
        "(a memory cgroup of its own; 0: none).").tag(config=True)

#: Environment variables that set how many threads a kernel's math libraries
#: start (OpenMP, OpenBLAS, MKL, TensorFlow's two pools).
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")


def _new_sandbox_dir(prefix: str = PREFIX) -> Path:
    """A short-named folder for one kernel (socket paths must stay under 108
    characters), owned by its maker and naming the process that made it, so
    that a later one can tell a folder left by a dead one (:func:`_owner_alive`)."""
    base = Path(tempfile.mkdtemp(prefix=prefix))
    (base / "owner").write_text(f"{os.getpid()} {_start_time(os.getpid())}\n")
    return base


def new_kernel_folder(limits: SandboxLimits) -> tuple[Path, Path]:
    """A new sandbox folder and in it the kernel's socket folder, the one
    folder a kernel shares with the grader: a small tmpfs owned by the
    sandbox user, so that what a kernel writes there is counted in its memory
    cgroup and never fills the host's disk.  Returns (folder, socket folder)."""
    base = _new_sandbox_dir()
    kernel_dir = base / "kernel"
    kernel_dir.mkdir()
    user = pwd.getpwnam(limits.user)
    try:
        mount_tmpfs(kernel_dir, limits.socket_dir_kb, user.pw_uid, user.pw_gid)
    except OSError:
        clean_sandbox_dir(base)
        raise
    base.chmod(0o755)
    return base, kernel_dir


def launch_environment() -> dict[str, str]:
    """The environment the sandbox's command starts with (bubblewrap then
    clears it and sets the kernel's own): PATH only, none of the grader's."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}


def _start_time(pid: int) -> str:
    """A process's start time (jiffies after boot): with the pid, names one process."""
    try:
        stat_line = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat_line.rsplit(")", 1)[-1].split()[19]


def _command_lines() -> list[str]:
    """Every process's command line (a kernel's names its folder)."""
    lines = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            lines.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"))
        except OSError:
            pass
    return lines


def _owner_alive(base: Path) -> bool:
    try:
        pid, started = (base / "owner").read_text().split()
        return _start_time(int(pid)) == started
    except (OSError, ValueError):
        return False


# -- mounts -------------------------------------------------------------------

_libc = ctypes.CDLL(None, use_errno=True)
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT = 1, 2, 4, 8, 32
MS_SHARED = 1 << 20
MNT_DETACH = 2


def mount_tmpfs(path: Path, size_kb: int, uid: int, gid: int, inodes: int = 4096) -> None:
    """A size-limited tmpfs at ``path``: what is written there is counted
    against the writer's memory cgroup and never reaches the host's disk."""
    options = f"size={size_kb}k,nr_inodes={inodes},mode=0700,uid={uid},gid={gid}"
    if _libc.mount(b"tmpfs", os.fsencode(path), b"tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                   options.encode()) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"cannot mount a tmpfs at {path}: {os.strerror(error)}")


def make_read_only(path: Path) -> None:
    """Remount the tmpfs at ``path`` read-only, for every process that sees
    it (the file system itself, not one view of it)."""
    if _libc.mount(None, os.fsencode(path), None,
                   MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, None) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"cannot make {path} read-only: {os.strerror(error)}")


def share_mounts(path: Path) -> None:
    """Make the mount at ``path`` shared: mounts made under it later also
    appear in sandboxes that bound it earlier (a zygote's socket folder, in
    which each forked kernel gets a tmpfs of its own)."""
    if _libc.mount(None, os.fsencode(path), None, MS_SHARED, None) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"cannot share the mounts at {path}: {os.strerror(error)}")


def unmount(path: Path) -> bool:
    """Detach the mount at ``path`` (lazily, so a busy one goes too); whether
    there was one."""
    if _libc.umount2(os.fsencode(path), MNT_DETACH) == 0:
        return True
    return False


def _is_mount(path: Path) -> bool:
    try:
        return os.path.ismount(path)
    except OSError:
        return False


def remove_tree(path: Path) -> tuple[int, int, int]:
    """Delete ``path`` and everything under it, however deep; returns the
    numbers of files, folders and bytes removed.

    ``shutil.rmtree`` recurses once per level and builds full paths, so a
    chain of thousands of nested folders makes it fail and leave data
    behind.  Here folders are emptied one at a time, relative to open
    descriptors (never following a link): a sub-folder's entries are moved up
    into the top folder, under fresh names, before it is removed, so the
    work never goes more than two levels deep.
    """
    files = folders = size = 0
    try:
        top = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return 0, 0, 0
    except OSError:  # a file or a link, not a folder
        try:
            size = os.lstat(path).st_size
            os.unlink(path)
            return 1, 0, size
        except FileNotFoundError:
            return 0, 0, 0
    token, counter = os.urandom(4).hex(), 0
    try:
        while True:
            names = os.listdir(top)
            if not names:
                break
            for name in names:
                try:
                    info = os.stat(name, dir_fd=top, follow_symlinks=False)
                except FileNotFoundError:
                    continue
                if not stat.S_ISDIR(info.st_mode):
                    os.unlink(name, dir_fd=top)
                    files, size = files + 1, size + info.st_size
                    continue
                sub = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=top)
                try:
                    os.fchmod(sub, 0o700)
                    for inner in os.listdir(sub):
                        counter += 1
                        os.rename(inner, f".rm-{token}-{counter}", src_dir_fd=sub, dst_dir_fd=top)
                finally:
                    os.close(sub)
                os.rmdir(name, dir_fd=top)
                folders += 1
    finally:
        os.close(top)
    os.rmdir(path)
    return files, folders + 1, size


def new_socket_folder(folder: Path, limits: SandboxLimits) -> Path:
    """``folder`` made and a tmpfs of its own mounted on it, owned by the
    sandbox user: one kernel's socket folder inside a zygote's, so that
    what one kernel writes there can neither fill another's nor be seen by
    it."""
    folder.mkdir()
    user = pwd.getpwnam(limits.user)
    try:
        mount_tmpfs(folder, limits.socket_dir_kb, user.pw_uid, user.pw_gid)
    except OSError:
        folder.rmdir()
        raise
    return folder


def remove_socket_folder(folder: Path) -> str:
    """Unmount a kernel's socket folder in a zygote's (whatever it left
    there goes with it) and remove it; returns what was done, in words."""
    return _unmount_and_remove(folder, folder)


def _usage(path: Path) -> tuple[int, int]:
    """Bytes and files in use on the file system mounted at ``path``."""
    try:
        fs = os.statvfs(path)
    except OSError:
        return 0, 0
    return (fs.f_blocks - fs.f_bfree) * fs.f_frsize, fs.f_files - fs.f_ffree


def clean_sandbox_dir(base: Path) -> str:
    """Remove a kernel's folder: unmount its socket tmpfs (whatever the
    kernel left there goes with it), then delete the rest.  Returns what was
    cleaned, in words."""
    return _unmount_and_remove(base, base / "kernel")


def _unmount_and_remove(top: Path, socket_folder: Path) -> str:
    """Unmount the tmpfs at ``socket_folder`` if there is one, then delete
    ``top`` however deep; returns what was done, in words."""
    said = []
    if _is_mount(socket_folder):
        used, inodes = _usage(socket_folder)
        unmount(socket_folder)
        said.append(f"unmounted its socket folder ({inodes} files, {used // 1024} KB)")
    try:
        files, folders, size = remove_tree(top)
    except OSError as error:
        return f"could not remove {top}: {error}"
    said.append(f"removed {files} files and {folders} folders ({size // 1024} KB)")
    return f"{top}: " + ", ".join(said)


# -- cgroups ------------------------------------------------------------------


def _cgroup_version() -> int:
    if (CGROUP_ROOT / "cgroup.controllers").is_file():
        return 2
    if (CGROUP_ROOT / "memory").is_dir() and (CGROUP_ROOT / "pids").is_dir():
        return 1
    return 0


#: The cgroup v1 controller that counts CPU time (v2 counts it in every cgroup).
CPU_CONTROLLER_V1 = "cpuacct"
#: The cgroup v1 controller that shares the CPU out: each kernel in a group
#: of its own, all of the same weight, gets an equal share of a busy machine
#: however many threads it runs (in one group, or in the scheduler's one
#: group of a session, kernels graded at once shared it by thread: one with
#: hundreds of threads pushed another's cell past its wall-clock backstop).
CPU_SHARES_V1 = "cpu"


def _cpu_shares_v1() -> Path | None:
    """The v1 ``cpu`` hierarchy, where it is mounted apart from cpuacct's
    (mounted together, the cpuacct group is one already)."""
    cpu, accounting = CGROUP_ROOT / CPU_SHARES_V1, CGROUP_ROOT / CPU_CONTROLLER_V1
    if (cpu / "cpu.shares").is_file() and cpu.resolve() != accounting.resolve():
        return cpu
    return None


def _cgroup_parents() -> list[Path]:
    if _cgroup_version() == 2:
        return [CGROUP_ROOT / CGROUP_NAME]
    shares = _cpu_shares_v1()
    return [CGROUP_ROOT / "memory" / CGROUP_NAME, CGROUP_ROOT / "pids" / CGROUP_NAME,
            CGROUP_ROOT / CPU_CONTROLLER_V1 / CGROUP_NAME,
            *([shares / CGROUP_NAME] if shares else [])]


def cpu_accounting() -> str:
    """Where this machine counts a sandbox's CPU time, in words ("" when it cannot)."""
    version = _cgroup_version()
    if version == 2:
        return "cgroup v2 (cpu.stat usage_usec)"
    if version == 1 and (CGROUP_ROOT / CPU_CONTROLLER_V1).is_dir():
        return "cgroup v1 (cpuacct.usage)"
    return ""


def make_cgroups(name: str, limits: SandboxLimits) -> list[Path]:
    """Create the kernel's cgroups; returns the folders whose cgroup.procs
    the kernel must join."""
    memory = str(limits.memory_mb * 2**20)
    if _cgroup_version() == 2:
        parent = CGROUP_ROOT / CGROUP_NAME
        parent.mkdir(exist_ok=True)
        for folder in (CGROUP_ROOT, parent):
            control = folder / "cgroup.subtree_control"
            enabled = control.read_text().split()
            for controller in ("memory", "pids", "cpu"):
                if controller not in enabled:
                    try:
                        control.write_text(f"+{controller}")
                    except OSError:  # cpu: refused where real-time tasks run
                        if controller != "cpu":
                            raise
                        log.warning("the cgroup v2 cpu controller cannot be enabled in %s: "
                                    "kernels graded at once share the CPU by thread, not equally",
                                    folder)
        group = parent / name
        group.mkdir()
        (group / "memory.max").write_text(memory)
        if (group / "memory.swap.max").exists():
            (group / "memory.swap.max").write_text("0")
        (group / "pids.max").write_text(str(limits.max_tasks))
        return [group]
    mem = CGROUP_ROOT / "memory" / CGROUP_NAME / name
    pids = CGROUP_ROOT / "pids" / CGROUP_NAME / name
    mem.mkdir(parents=True)
    pids.mkdir(parents=True)
    (mem / "memory.limit_in_bytes").write_text(memory)
    swap = mem / "memory.memsw.limit_in_bytes"
    if swap.exists():
        swap.write_text(memory)
    (pids / "pids.max").write_text(str(limits.max_tasks))
    cpu = CGROUP_ROOT / CPU_CONTROLLER_V1 / CGROUP_NAME / name
    cpu.mkdir(parents=True)
    groups = [mem, pids, cpu]
    if shares := _cpu_shares_v1():
        (shares / CGROUP_NAME / name).mkdir(parents=True)
        groups.append(shares / CGROUP_NAME / name)
    return groups


def cgroup_cpu_seconds(groups: list[Path]) -> float | None:
    """CPU seconds used so far by every process and thread that is or was in
    ``groups`` (children that exited included); None when none of them counts
    CPU time (or they are gone).  Cheap (one small file): safe to call often,
    from any thread."""
    for group in groups:
        try:
            return int((group / "cpuacct.usage").read_text()) / 1e9  # v1, nanoseconds
        except (OSError, ValueError):
            pass
        try:
            stat = (group / "cpu.stat").read_text()  # v2; a v1 cpu controller's has no usage_usec
        except OSError:
            continue
        found = re.search(r"^usage_usec (\d+)", stat, re.M)
        if found:
            return int(found.group(1)) / 1e6
    return None


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_tree_cpu_seconds(pid: int) -> float | None:
    """CPU seconds used so far by process ``pid``, its threads and its
    descendants (running ones, and the exited ones their parents waited
    for); None when ``pid`` is gone.  How an unsandboxed kernel's time is
    counted (the solution notebook's, or ``--no-sandbox``)."""
    children: dict[int, list[int]] = {}
    times: dict[int, int] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        child = int(entry.name)
        children.setdefault(int(fields[1]), []).append(child)
        # utime, stime, cutime, cstime (fields 14-17 of /proc/pid/stat)
        times[child] = sum(int(value) for value in fields[11:15])
    if pid not in times:
        return None
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        total += times.get(current, 0)
        stack.extend(children.get(current, []))
    return total / _CLOCK_TICKS


class CpuWaitMeter:
    """Seconds a kernel has spent ready to run but waiting for a CPU that
    other work on the machine held: time that its wall-clock backstops do
    not count (see ``autograder.execute.TimeLimits``), so that a kernel
    that works, on a machine too busy to give it much of a core, stops at
    its CPU limit as it would on a quiet one.

    Read from each of its threads' ``/proc/<tid>/schedstat`` (its second
    field: nanoseconds spent waiting on a run queue).  Between two reads,
    the longest wait of any one thread counts: threads that wait together
    count once, and a kernel cannot add up its threads' waits into time
    of its own.  Only threads of the ordinary policy (SCHED_OTHER), at a
    priority no lower than the grader's own, count: one that lowered its
    own (``SCHED_IDLE``, ``SCHED_BATCH``, ``nice``) waits by its own
    choice, and a sleeping loop in such a thread held a cell twice its
    backstop.  Every thread's reading is kept, counted or not, so that a
    thread switching its policy between reads is credited no more than it
    waited.  Threads that ended between reads are not counted (the
    backstop then comes a little sooner, as it did before it counted
    waiting).  Safe from any thread."""

    def __init__(self):
        self._lock = threading.Lock()
        self._seen: dict[int, int] = {}
        self._nice = os.nice(0)  # a grader run under nice: its kernels inherit it
        self.total = 0.0

    def read(self, tids) -> float:
        """The total so far, after reading the threads ``tids`` now has."""
        with self._lock:
            longest, seen = 0, {}
            for tid in tids:
                try:
                    waited, nice, policy = thread_wait(tid)
                except (OSError, ValueError, IndexError):
                    continue
                if nice <= self._nice and policy == 0:  # SCHED_OTHER
                    longest = max(longest, waited - self._seen.get(tid, waited))
                seen[tid] = waited
            self._seen = seen
            self.total += longest / 1e9
            return self.total


def thread_wait(tid: int) -> tuple[int, int, int]:
    """Thread ``tid``'s nanoseconds spent waiting on a run queue, its nice
    value and its scheduling policy (0: SCHED_OTHER)."""
    fields = Path(f"/proc/{tid}/stat").read_text().rsplit(")", 1)[1].split()
    waited = int(Path(f"/proc/{tid}/schedstat").read_text().split()[1])
    return waited, int(fields[16]), int(fields[38])


def process_threads(pid: int) -> list[int]:
    """The thread ids of process ``pid`` (empty once it is gone)."""
    try:
        return [int(tid) for tid in os.listdir(f"/proc/{pid}/task")]
    except (OSError, ValueError):
        return []


def cgroup_cpu_wait_seconds(groups: list[Path], meter: CpuWaitMeter) -> float | None:
    """Seconds the kernel in ``groups`` has waited for a CPU so far, read
    by ``meter`` from the threads in them (cgroup v2's ``cpu.pressure``
    would count the threads that lowered their own priority too); None
    when they cannot be listed."""
    for group in groups:
        for listing in ("tasks", "cgroup.threads"):  # v1, v2
            try:
                tids = [int(tid) for tid in (group / listing).read_text().split()]
            except (OSError, ValueError):
                continue
            return meter.read(tids)
    return None


def limits_hit(groups: list[Path]) -> list[str]:
    """Which of the cgroup limits the kernel ran into, in words."""
    hit = []
    for group in groups:
        def read(name):
            try:
                return (group / name).read_text()
            except OSError:
                return ""
        events = read("memory.events") + read("memory.oom_control")  # v2, v1
        if re.search(r"^oom_kill [1-9]", events, re.M):
            hit.append("memory limit")
        if re.search(r"^max [1-9]", read("pids.events"), re.M):
            hit.append("process limit")
    return sorted(set(hit))


def _members(group: Path) -> list[int]:
    try:
        return [int(pid) for pid in (group / "cgroup.procs").read_text().split()]
    except (OSError, ValueError):
        return []


def kill_cgroups(groups: list[Path], wait: float = 5.0) -> int:
    """SIGKILL every process in ``groups`` until they are empty (or ``wait``
    seconds pass); returns how many were signalled.  Safe from any thread."""
    killed, stop = 0, time.monotonic() + wait
    while time.monotonic() < stop:
        pids = {pid for group in groups for pid in _members(group)}
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except ProcessLookupError:
                pass
        time.sleep(0.02)
    return killed


_confined: dict[int, Path] = {}


def confine_worker(limits: SandboxLimits) -> Path | None:
    """Put this process, a grading worker, in a memory cgroup of its own
    (once per process); returns the cgroup.  A worker reads what kernels
    send: its own limit keeps whatever slips past the socket limits from
    taking the machine's memory (the worker is stopped, not the machine).
    Memory the worker held before counts not; what it takes after does."""
    pid = os.getpid()
    if pid in _confined or not limits.worker_memory_mb or not _cgroup_version():
        return _confined.get(pid)
    memory = str(limits.worker_memory_mb * 2**20)
    name = f"{PREFIX}worker-{pid}"
    before = _memory_cgroup()
    if _cgroup_version() == 2:
        group = CGROUP_ROOT / CGROUP_NAME / name
        group.mkdir(parents=True, exist_ok=True)
        (group / "memory.max").write_text(memory)
        if (group / "memory.swap.max").exists():
            (group / "memory.swap.max").write_text("0")
    else:
        group = CGROUP_ROOT / "memory" / CGROUP_NAME / name
        group.mkdir(parents=True, exist_ok=True)
        (group / "memory.limit_in_bytes").write_text(memory)
    (group / "cgroup.procs").write_text(str(pid))
    _confined[pid] = group
    if before is not None:
        atexit.register(_leave_cgroup, pid, group, before)
    return group


def _memory_cgroup() -> Path | None:
    """The memory cgroup this process is in (None if it cannot be told)."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    version = _cgroup_version()
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if version == 2 and controllers == "":
            return CGROUP_ROOT / path.lstrip("/")
        if version == 1 and "memory" in controllers.split(","):
            return CGROUP_ROOT / "memory" / path.lstrip("/")
    return None


def _leave_cgroup(pid: int, group: Path, before: Path) -> None:
    """At the exit of a process :func:`confine_worker` confined: back to the
    cgroup it came from, and its own removed (otherwise the next grader
    finds it and sweeps it up as stale)."""
    if os.getpid() != pid:  # a child that inherited the hook
        return
    with contextlib.suppress(OSError):
        (before / "cgroup.procs").write_text(str(pid))
        group.rmdir()


def remove_cgroups(groups: list[Path]) -> None:
    for group in groups:
        try:
            group.rmdir()
        except OSError:
            pass


def sweep_stale(min_age: float = SWEEP_MIN_AGE, prefix: str = PREFIX) -> list[str]:
    """Remove what graders that are gone left behind: sandbox folders whose
    owner process is dead (their socket tmpfs unmounted first) and empty
    sandbox cgroups.  Things younger than ``min_age`` seconds are left alone.
    Returns what was removed, in words (also logged)."""
    done, now = [], time.time()
    stale_names = set()
    commands = _command_lines()
    for base in Path(tempfile.gettempdir()).glob(prefix + "*"):
        try:
            info = base.lstat()
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != 0 or now - info.st_mtime < min_age:
            continue
        if _owner_alive(base) or any(str(base) in line for line in commands):
            continue
        stale_names.add(base.name)
        done.append("stale sandbox folder " + clean_sandbox_dir(base))
    if _cgroup_version():
        live = {p.name for p in Path(tempfile.gettempdir()).glob(PREFIX + "*")
                if p.name not in stale_names}
        # A kernel's groups share its name; their age is the oldest one's (a
        # cgroup v1 folder's time can be reset to now when the kernel
        # reloads its inode, as cpuacct's often are).
        groups, ages = [], {}
        for parent in _cgroup_parents():
            for group in parent.glob(prefix + "*") if parent.is_dir() else []:
                try:
                    age = now - group.stat().st_mtime
                except OSError:
                    continue
                groups.append(group)
                ages[group.name] = max(age, ages.get(group.name, age))
        for group in groups:
            if group.name in live or ages[group.name] < min_age or _members(group):
                continue
            try:
                group.rmdir()
                done.append(f"stale sandbox cgroup {group}")
            except OSError:
                pass
    for line in done:
        log.warning("removed %s", line)
    return done


# -- what the sandbox shows --------------------------------------------------------


def _python_roots() -> list[Path]:
    """Folders the kernel's Python needs: the installation and the venv."""
    roots = {Path(sys.base_prefix).resolve(), Path(sys.prefix)}
    return sorted(roots)


def _venv() -> Path | None:
    """The grader's virtual environment, if it runs in one."""
    return Path(sys.prefix) if sys.prefix != sys.base_prefix else None


def _helper_package() -> Path:
    return Path(dlcourse.__file__).resolve().parent


def _course_paths() -> list[str]:
    """Host folders the sandbox must not name: the course (the helper
    package's parent) and the venv, as written and resolved."""
    paths = {str(_helper_package().parent), str(Path(sys.prefix)), str(Path(sys.prefix).resolve())}
    return sorted(paths, key=len, reverse=True)


def _neutral(text: str) -> str:
    """``text`` with the course's and the venv's host folders replaced by the
    sandbox's neutral ones."""
    venv = _venv()
    if venv is not None:
        text = text.replace(str(venv), str(NEUTRAL_VENV))
        text = text.replace(str(venv.resolve()), str(NEUTRAL_VENV))
    return text.replace(str(_helper_package().parent), str(NEUTRAL_LIB))


def _sanitized_files(base: Path) -> list[tuple[Path, Path]]:
    """Small files of the venv that name the course's folder (its
    ``pyvenv.cfg``, the helper package's editable-install hooks), rewritten
    with the neutral paths into ``base``: (copy, where the sandbox shows it)."""
    venv = _venv()
    if venv is None:
        return []
    candidates = [venv / "pyvenv.cfg"]
    for site in venv.glob("lib/python*/site-packages"):
        candidates += list(site.glob("*.pth")) + list(site.glob("__editable__*.py"))
        candidates += list(site.glob("*.dist-info/direct_url.json"))
    out, folder = [], base / "files"
    for index, path in enumerate(candidates):
        try:
            if path.is_symlink() or path.stat().st_size > 2**20:
                continue
            text = path.read_text()
        except (OSError, UnicodeDecodeError):
            continue
        if not any(p in text for p in _course_paths()):
            continue
        folder.mkdir(exist_ok=True)
        copy = folder / f"{index}-{path.name}"
        copy.write_text(_neutral(text))
        copy.chmod(0o644)
        out.append((copy, NEUTRAL_VENV / path.relative_to(venv)))
    return out


#: Python's start-up in the sandbox: the grader's missing fonts kept out of
#: students' outputs.
KERNEL_SITE = Path(__file__).resolve().parent / "kernel_site" / "sitecustomize.py"


def _copy_helper_package(base: Path) -> Path:
    """A copy of the helper package in ``base`` (bound read-only into the
    sandbox), with :data:`KERNEL_SITE`: a bind of the course's own folder
    would name it in the sandbox's /proc/self/mountinfo."""
    lib = base / "lib"
    shutil.copytree(_helper_package(), lib / "dlcourse",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(KERNEL_SITE, lib / KERNEL_SITE.name)
    for folder, _, names in os.walk(lib):
        os.chmod(folder, 0o755)
        for name in names:
            os.chmod(os.path.join(folder, name), 0o644)
    return lib


def sandbox_python() -> str:
    """The kernel's Python, as the sandbox shows it."""
    return _neutral(sys.executable)


def bwrap_command(kernel_dir: Path, limits: SandboxLimits, base: Path | None = None,
                  *, zygote: bool = False) -> list[str]:
    """The bwrap arguments.  ``base`` is the kernel's own root-owned folder,
    where the helper package's copy and the neutral files are put (default:
    ``kernel_dir``'s parent).  What runs inside cannot make user namespaces
    of its own (a kernel holding thousands would use up the sandbox user's
    allowance, and a kernel started beside it could not start), except a
    ``zygote``, whose forked kernels each make one and then forbid more (a
    zygote also gets the environment TensorFlow is imported with)."""
    base = base or kernel_dir.parent
    cmd = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--clearenv",
           "--as-pid-1", "--ro-bind", "/usr", "/usr"]
    if not zygote:
        cmd[2:2] = ["--unshare-user", "--disable-userns"]
    for name in ("bin", "lib", "lib64", "sbin"):
        path = Path("/") / name
        if path.is_symlink():
            cmd += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            cmd += ["--ro-bind", str(path), str(path)]
    for etc in ("/etc/ld.so.cache", "/etc/localtime", "/etc/nsswitch.conf", "/etc/fonts"):
        if Path(etc).exists():
            cmd += ["--ro-bind", etc, etc]
    # The private /tmp comes before the other mounts: one of them (the socket
    # folder, or the course itself) may live under /tmp and must not be
    # hidden by it.
    size = str(limits.tmp_mb * 2**20)
    cmd += ["--size", size, "--tmpfs", "/tmp"]
    venv = _venv()
    for root in _python_roots():
        if root != venv:
            cmd += ["--ro-bind", str(root), str(root)]
    if venv is not None:
        cmd += ["--ro-bind", str(venv), str(NEUTRAL_VENV)]
        for copy, shown in _sanitized_files(base):
            cmd += ["--ro-bind", str(copy), str(shown)]
    cmd += ["--ro-bind", str(_copy_helper_package(base)), str(NEUTRAL_LIB),
            "--bind", str(kernel_dir), str(kernel_dir),
            "--size", size, "--tmpfs", "/home/student",
            "--proc", "/proc", "--dev", "/dev",
            "--size", size, "--tmpfs", "/dev/shm",  # PyTorch's DataLoader workers share memory here
            # The root and /dev are bubblewrap's own tmpfs: read-only, so that
            # only the private folders above are writable.  (A zygote's
            # kernels share its root: a file left in /etc, or /home renamed,
            # would reach every later kernel.)
            "--remount-ro", "/dev", "--remount-ro", "/",
            "--chdir", "/home/student"]
    env = {"HOME": "/home/student", "PATH": f"{Path(sandbox_python()).parent}:/usr/bin:/bin",
           "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(NEUTRAL_LIB),
           # Matplotlib and fontconfig keep caches; without a writable place
           # every plotting notebook's output says "Fontconfig error".
           "MPLCONFIGDIR": "/tmp/matplotlib", "XDG_CACHE_HOME": "/tmp/cache"}
    # One thread per kernel for NumPy's BLAS, PyTorch and TensorFlow: the
    # grader runs one kernel per core, and math libraries that start a thread
    # per core in each kernel (and spin while waiting) would fight over them.
    env |= {name: "1" for name in THREAD_VARIABLES}
    # No transparent huge pages for NumPy's arrays: on a machine up for long,
    # whose memory is fragmented, each page fault of an array NumPy advises
    # for huge pages makes the kernel compact memory first, charged as the
    # student's CPU time (a 1 GB np.ones took 11.7 CPU s here, 0.5 s without:
    # a memory-limit attack ran into the per-cell CPU limit instead).  The
    # same notebook must cost the same on a fresh machine and an old one.
    env["NUMPY_MADVISE_HUGEPAGE"] = "0"
    if not zygote:
        # Fixed text in place of each machine-wide counter a kernel could
        # move and another read (MASKED_PROC_FILES).  Not for a zygote: a
        # /proc with files covered cannot be mounted again in the namespaces
        # of a forked kernel, which covers them in its own.
        masks = []
        for number, counter in enumerate(MASKED_PROC_FILES):
            if Path(counter).exists():
                mask = base / f"proc-{number}"
                mask.write_text(masked_proc_text(counter))
                mask.chmod(0o444)
                masks += ["--ro-bind", str(mask), counter]
        cmd[cmd.index("--remount-ro"):cmd.index("--remount-ro")] = masks
    if zygote:
        # The zygote imports TensorFlow for its kernels, with the settings
        # the notebooks' first call, dlcourse.quiet_logs(), would have made
        # (as the trusted zygote does): TensorFlow reads them only then.
        from dlcourse.notebook_setup import quiet_environment

        env |= quiet_environment()
    for key, value in env.items():
        cmd += ["--setenv", key, value]
    return cmd


def wrap(kernel_cmd: list[str], kernel_dir: Path, groups: list[Path],
         limits: SandboxLimits, base: Path | None = None, *, zygote: bool = False) -> list[str]:
    """``kernel_cmd`` run inside the cgroups, limits, user and namespaces,
    under a small init of its own as the sandbox's PID 1 (``zygote``: see
    :func:`bwrap_command`)."""
    join = " && ".join(f'echo $$ > "{g}/cgroup.procs"' for g in groups)
    user = pwd.getpwnam(limits.user)
    python = sandbox_python()
    kernel_cmd = [python if arg == sys.executable else arg for arg in kernel_cmd]
    return [
        "/bin/sh", "-c", f'{join} && exec "$@"', "sandbox",
        "prlimit", f"--cpu={limits.cpu_seconds}", f"--fsize={limits.file_mb * 2**20}",
        # --nice=0: a thread that lowered its priority cannot raise it again
        # (its waits for a CPU are not credited: CpuWaitMeter).
        "--nofile=4096", "--core=0", "--msgqueue=0", "--nice=0", "--",
        "setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups",
        "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--",
        *bwrap_command(kernel_dir, limits, base, zygote=zygote),
        python, "-c", INIT_SOURCE, shared_state_filter().hex(),
        # A zygote keeps the larger limit: its kernels set theirs.
        str(0 if zygote else KERNEL_PENDING_SIGNALS), *kernel_cmd,
    ]


# -- the grader's side of the kernel's sockets --------------------------------------

#: Per channel: the largest message the grader accepts from a kernel, and
#: how many received messages may wait in the grader before ZMQ drops (IOPub)
#: or stops reading (the others).  A longer message is never parsed: ZMQ
#: drops the connection instead (see `autograder.execute.KernelWatchdog`).
#: IOPub carries output (10 MB per submission are kept at most); the shell
#: carries replies, a probe's at most probe.MAX_REPLY_CHARS (4 M) characters.
CHANNEL_LIMITS = {
    "iopub": (8 * 2**20, 32),
    "shell": (16 * 2**20, 8),
    "control": (2**20, 8),
    "stdin": (2**20, 8),
    "hb": (2**20, 8),
}


class LimitedKernelClient(AsyncKernelClient):
    """A kernel client whose sockets refuse huge messages and queue few:
    the memory a kernel can make the grader use is bounded by
    ``CHANNEL_LIMITS`` (at most 8 MB x 32 on IOPub), however much it sends."""

    def _create_connected_socket(self, channel, identity=None):
        size, hwm = CHANNEL_LIMITS.get(channel, (2**20, 8))
        defaults = self.context.sockopts
        saved = dict(defaults)
        defaults.update({zmq.MAXMSGSIZE: size, zmq.RCVHWM: hwm})
        try:
            return super()._create_connected_socket(channel, identity=identity)
        finally:
            defaults.clear()
            defaults.update(saved)

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        """jupyter_client's wait for a new kernel (its kernel_info answered,
        IOPub connected), without its last step, which waits until IOPub has
        been quiet for 0.2 s: a grader starts hundreds of kernels.  What that
        step would drop is the kernel_info's own status; nbclient and the
        probe read only the messages that answer their own requests."""
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            self.kernel_info()
            try:
                reply = await ensure_async(self.shell_channel.get_msg(timeout=1))
            except Empty:
                reply = None
            if reply is not None and reply["msg_type"] == "kernel_info_reply":
                try:  # IOPub is connected once the kernel_info's status arrives
                    await ensure_async(self.iopub_channel.get_msg(timeout=0.2))
                except Empty:
                    pass
                else:
                    self._handle_kernel_info_reply(reply)
                    return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")


class LimitedKernelManager(AsyncKernelManager):
    """jupyter_client's manager with :class:`LimitedKernelClient`; used for the
    solution's kernel, and the base of :class:`SandboxedKernelManager`."""

    client_class = DottedObjectName("autograder.sandbox.LimitedKernelClient")
    client_factory = Type(LimitedKernelClient, klass=AsyncKernelClient, config=True)

    def _context_default(self):
        context = super()._context_default()
        context.setsockopt(zmq.MAXMSGSIZE, 2**20)  # the manager's control socket
        context.setsockopt(zmq.RCVHWM, 8)
        return context

    _cpu_seen = 0.0
    _wait_meter: CpuWaitMeter | None = None

    def cpu_seconds(self) -> float:
        """CPU seconds the kernel has used so far (with its threads and child
        processes); the last value read once it is gone.  Safe from any thread."""
        process = getattr(getattr(self, "provisioner", None), "process", None)
        used = process_tree_cpu_seconds(process.pid) if process is not None else None
        if used is not None and used > self._cpu_seen:
            self._cpu_seen = used
        return self._cpu_seen

    @property
    def wait_meter(self) -> CpuWaitMeter:
        """The kernel's :class:`CpuWaitMeter` (one per kernel manager)."""
        if self._wait_meter is None:
            self._wait_meter = CpuWaitMeter()
        return self._wait_meter

    def cpu_wait_seconds(self) -> float | None:
        """Seconds the kernel process's threads have waited for a CPU so far
        (see :class:`CpuWaitMeter`; its child processes are not read)."""
        process = getattr(getattr(self, "provisioner", None), "process", None)
        if process is None:
            return None
        return self.wait_meter.read(process_threads(process.pid))

    def kill_now(self) -> None:
        """SIGKILL the kernel at once.  Safe from any thread (the watchdog)."""
        process = getattr(getattr(self, "provisioner", None), "process", None)
        if process is not None:
            try:
                os.kill(process.pid, signal.SIGKILL)
            except (ProcessLookupError, OSError):
                pass


class SandboxedKernelManager(LimitedKernelManager):
    """A kernel manager that starts the kernel inside the sandbox (cold: a
    new Python; ``autograder.zygote.ZygoteKernelManager`` forks it warm)."""

    def _warm_start(self, limits: SandboxLimits):
        """``(provisioner, socket folder, name)`` to fork the kernel from a
        warm process with, or None to start it cold."""
        return None

    async def _async_pre_start_kernel(self, **kw):
        limits = SandboxLimits(parent=self)
        if multiprocessing.parent_process() is not None:  # a grading worker
            try:
                confine_worker(limits)
            except OSError as error:
                log.warning("grading worker left without a memory limit: %s", error)
        warm = self._warm_start(limits)
        user = pwd.getpwnam(limits.user)
        if warm is not None:
            provisioner, kernel_dir, self._sandbox_name = warm
            self._sandbox_dir = None
        else:
            self._sandbox_dir, kernel_dir = new_kernel_folder(limits)
            self._sandbox_name = self._sandbox_dir.name
        # A signal would reach bwrap, not the kernel inside it: interrupt by
        # message instead (ipykernel then signals itself).
        self.kernel_spec.interrupt_mode = "message"
        self.transport = "ipc"
        self.ip = str(kernel_dir / "socket")
        self.connection_file = str(kernel_dir / "connection.json")
        kw.pop("cwd", None)  # the sandbox has its own working folder
        self._sandbox_groups = make_cgroups(self._sandbox_name, limits)
        self.sandbox_flags: list[str] = []
        self.sandbox_cleanup = ""
        if warm is not None:
            # jupyter_client uses a provisioner already set instead of making one.
            provisioner.groups = self._sandbox_groups
            self.provisioner = provisioner
        cmd, kw = await super()._async_pre_start_kernel(**kw)
        os.chown(self.connection_file, user.pw_uid, user.pw_gid)
        if warm is not None:
            return cmd, kw
        kw["env"] = launch_environment()
        # What the kernel process writes to its own stdout and stderr (its
        # start-up banner, or a student's os.write(1, ...)) never reaches the
        # grader's terminal; cell output travels as messages.
        kw["stdout"] = kw["stderr"] = subprocess.DEVNULL
        return wrap(cmd, kernel_dir, self._sandbox_groups, limits, self._sandbox_dir), kw

    def seal_socket_folder(self) -> None:
        """Make the kernel's socket folder read-only, once the grader is
        connected and before any of the notebook's code runs.  Its sockets
        stay as they are (connecting needs no writing); the kernel can no
        longer put a link in place of one, which the grader (root) would
        have followed on its next reconnect to any socket on the host
        (found by a reviewer playing an attacker: the kernel closed a socket
        and linked its path to a listener of its own)."""
        make_read_only(Path(self.connection_file).parent)

    def cpu_seconds(self) -> float:
        """CPU seconds used by everything in the kernel's sandbox so far (its
        cgroup's count); the last value read once the sandbox is gone."""
        used = cgroup_cpu_seconds(list(getattr(self, "_sandbox_groups", []) or []))
        if used is not None and used > self._cpu_seen:
            self._cpu_seen = used
        return self._cpu_seen

    def cpu_wait_seconds(self) -> float | None:
        """Seconds everything in the kernel's sandbox has waited for a CPU so
        far (see :func:`cgroup_cpu_wait_seconds`)."""
        return cgroup_cpu_wait_seconds(list(getattr(self, "_sandbox_groups", []) or []),
                                       self.wait_meter)

    def kill_now(self) -> None:
        """SIGKILL the kernel and everything it started.  Safe from any thread."""
        super().kill_now()
        kill_cgroups(list(getattr(self, "_sandbox_groups", []) or []), wait=2.0)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        self.finish_sandbox()

    def finish_sandbox(self) -> list[str]:
        """Note which limits the kernel hit, end whatever it left running,
        then remove its cgroups and folder (saying what was removed in the
        log).  Safe to call more than once; returns the limits hit."""
        groups = getattr(self, "_sandbox_groups", [])
        if groups:
            self.cpu_seconds()  # the last count, before the cgroups go
            self.sandbox_flags = limits_hit(groups)
            kill_cgroups(groups)
            remove_cgroups(groups)
            self._sandbox_groups = []
        if getattr(self, "_sandbox_dir", None):
            self.sandbox_cleanup = clean_sandbox_dir(self._sandbox_dir)
            if Path(self._sandbox_dir).exists():
                log.warning("sandbox cleanup incomplete: %s", self.sandbox_cleanup)
            else:
                log.debug("sandbox cleanup: %s", self.sandbox_cleanup)
            self._sandbox_dir = None
        return getattr(self, "sandbox_flags", [])


# -- Can this machine do it? ----------------------------------------------------------


#: Every kernel runs as the one sandbox user, and the machine keeps some
#: counts per user, across every namespace.  Two of them matter to the
#: sandbox, and `make sandbox` sets both (:func:`set_machine_settings`):
#:
#: * epoll watches (``fs.epoll.max_user_watches``, about 5.5 million on a
#:   24 GB machine).  Each watch's kernel memory is counted in its kernel's
#:   memory cgroup, but 5.5 million fit in one kernel's limit: a kernel
#:   holding them all would stop every kernel started beside it (ZMQ needs
#:   epoll), whose students would score 0 for "kernel died".  With the
#:   allowance raised past what the machine's memory could hold, each
#:   kernel's memory limit stops it first.
#: * pipe buffer pages (``fs.pipe-user-pages-soft``, 16384): past it, every
#:   new pipe of that user gets a small buffer.  A reviewer playing an
#:   attacker passed a classmate's answers between two kernels graded at
#:   once that way: one opened and closed a thousand pipes in time slots,
#:   the other read each new pipe's size.  0 turns the soft limit off; each
#:   pipe's buffer is counted in its kernel's memory cgroup instead.
EPOLL_WATCHES = Path("/proc/sys/fs/epoll/max_user_watches")
#: Kernel memory of one epoll watch, at least (its epitem).
EPOLL_WATCH_BYTES = 128
PIPE_USER_PAGES = Path("/proc/sys/fs/pipe-user-pages-soft")
MACHINE_SETTINGS_FILE = Path("/etc/sysctl.d/60-dlcourse-grading.conf")


def epoll_watches_needed() -> int:
    """The allowance above which no kernel's memory limit can reach it."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return total // EPOLL_WATCH_BYTES


def _read_setting(path: Path) -> int | None:
    try:
        return int(path.read_text())
    except (OSError, ValueError):  # not on this machine, or not readable here
        return None


def machine_settings_wrong() -> list[str]:
    """What of the machine's per-user counts one kernel could use to reach
    another (empty when `make sandbox` has set them), in words."""
    wrong = []
    watches = _read_setting(EPOLL_WATCHES)
    if watches is not None and watches < epoll_watches_needed():
        wrong.append(f"fs.epoll.max_user_watches is {watches}: one kernel could use up the "
                     "sandbox user's epoll watches, which every kernel beside it needs to start")
    pages = _read_setting(PIPE_USER_PAGES)
    if pages:
        wrong.append(f"fs.pipe-user-pages-soft is {pages}: a kernel could signal to another "
                     "one graded at the same time through the sizes of new pipes")
    return wrong


def set_machine_settings() -> str:
    """As root (`make sandbox`): set the counts of :func:`machine_settings_wrong`
    now and at every boot; returns what was done, in words."""
    wanted = [("fs.epoll.max_user_watches", EPOLL_WATCHES, epoll_watches_needed()),
              ("fs.pipe-user-pages-soft", PIPE_USER_PAGES, 0)]
    MACHINE_SETTINGS_FILE.parent.mkdir(exist_ok=True)
    MACHINE_SETTINGS_FILE.write_text(
        "# The course's grading sandbox (autograder/sandbox.py, machine_settings_wrong)\n"
        + "".join(f"{name} = {value}\n" for name, _, value in wanted))
    done = []
    for name, path, value in wanted:
        before = int(path.read_text())
        if (before >= value) if path == EPOLL_WATCHES else (before == value):
            done.append(f"{name} is {before}")
        else:
            path.write_text(str(value))
            done.append(f"{name} set from {before} to {value}")
    return "; ".join(done)


def check(limits: SandboxLimits | None = None) -> None:
    """Raise SandboxError saying what is missing, or return if the sandbox
    works.  Removes what earlier graders left behind first."""
    limits = limits or SandboxLimits()
    fix = "run `make sandbox` once (as root), or grade with --no-sandbox"
    if os.geteuid() != 0:
        raise SandboxError(f"the sandbox needs root to set up cgroups and drop to "
                           f"'{limits.user}'; {fix}")
    for tool in ("bwrap", "setpriv", "prlimit"):
        if shutil.which(tool) is None:
            raise SandboxError(f"'{tool}' is not installed; {fix}")
    wrong = machine_settings_wrong()
    if wrong:
        raise SandboxError(f"{'; '.join(wrong)}; {fix}")
    try:
        pwd.getpwnam(limits.user)
    except KeyError:
        raise SandboxError(f"there is no user '{limits.user}'; {fix}") from None
    if _cgroup_version() == 0:
        raise SandboxError("no cgroup file system at /sys/fs/cgroup: memory and process "
                           "limits cannot be enforced; grade with --no-sandbox")
    if not cpu_accounting():
        raise SandboxError(f"no {CPU_CONTROLLER_V1} cgroup at {CGROUP_ROOT}: a kernel's CPU time "
                           "cannot be counted for its time limits; grade with --no-sandbox")
    sweep_stale()
    base = _new_sandbox_dir()
    scratch = base / "kernel"
    scratch.mkdir()
    user = pwd.getpwnam(limits.user)
    groups = []
    try:
        try:
            mount_tmpfs(scratch, limits.socket_dir_kb, user.pw_uid, user.pw_gid)
        except OSError as error:
            raise SandboxError(f"{error}; the grader must be able to mount file systems"
                               " (root, outside a restricted container)") from None
        base.chmod(0o755)
        groups = make_cgroups(base.name, limits)
        cmd = wrap([sys.executable, "-c", "import numpy, dlcourse"], scratch, groups, limits, base)
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    except OSError as error:
        raise SandboxError(f"cannot create cgroups ({error}); {fix}") from None
    finally:
        kill_cgroups(groups)
        remove_cgroups(groups)
        clean_sandbox_dir(base)
    if result.returncode != 0:
        detail = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise SandboxError(f"a sandboxed Python does not start ({detail}); {fix}")


def blocked_parents() -> list[Path]:
    """Folders above the Python installation and the helper package that
    other users (the sandbox user among them) cannot pass through, for
    `make sandbox` to open with traverse-only permission."""
    blocked = []
    for root in _python_roots() + [_helper_package()]:
        for folder in reversed(root.parents):
            if folder != Path("/") and not folder.stat().st_mode & 0o001:
                blocked.append(folder)
    return sorted(set(blocked))


if __name__ == "__main__":  # used by `make sandbox`
    if sys.argv[1:] == ["machine-settings"]:
        print(set_machine_settings())
    else:  # the folders to open
        print("\n".join(str(folder) for folder in blocked_parents()))
