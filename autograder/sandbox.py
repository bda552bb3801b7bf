"""Run a submission's kernel in a sandbox.

Student code runs in a Jupyter kernel; without a sandbox it runs with the
grader's rights.  :class:`SandboxedKernelManager` starts each student kernel
through well-kept tools from Debian's packages instead:

* a memory cgroup and a pids cgroup (v1 or v2), joined before anything else
  runs, cap memory and the number of processes and threads (RLIMIT_AS would
  break TensorFlow and PyTorch, which reserve huge address space);
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

import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Integer, Unicode
from traitlets.config import Configurable

import dlcourse

#: The unprivileged user student kernels run as (created by `make sandbox`).
SANDBOX_USER = "dlgrader"
CGROUP_ROOT = Path("/sys/fs/cgroup")
CGROUP_NAME = "dlcourse-grading"


class SandboxError(RuntimeError):
    """The sandbox cannot work on this machine; the message says why and how to fix it."""


class SandboxLimits(Configurable):
    """Hard limits for one student kernel."""

    user = Unicode(SANDBOX_USER, help="Unprivileged user the kernel runs as.").tag(config=True)
    memory_mb = Integer(3072, help="Memory cgroup limit (MB).").tag(config=True)
    max_tasks = Integer(256, help="Processes and threads (pids cgroup).").tag(config=True)
    cpu_seconds = Integer(1800, help="CPU time, all threads together (RLIMIT_CPU).").tag(config=True)
    file_mb = Integer(64, help="Largest file the kernel may write (RLIMIT_FSIZE).").tag(config=True)
    tmp_mb = Integer(256, help="Size of the kernel's private /tmp (tmpfs).").tag(config=True)

#: Environment variables that set how many threads a kernel's math libraries
#: start (OpenMP, OpenBLAS, MKL, TensorFlow's two pools).
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")


def _new_sandbox_dir() -> Path:
    """A short-named folder for one kernel (socket paths must stay under 108
    characters)."""
    return Path(tempfile.mkdtemp(prefix="dlsb-"))


# -- cgroups ------------------------------------------------------------------


def _cgroup_version() -> int:
    if (CGROUP_ROOT / "cgroup.controllers").is_file():
        return 2
    if (CGROUP_ROOT / "memory").is_dir() and (CGROUP_ROOT / "pids").is_dir():
        return 1
    return 0


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
            for controller in ("memory", "pids"):
                if controller not in enabled:
                    control.write_text(f"+{controller}")
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
    return [mem, pids]


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


def remove_cgroups(groups: list[Path]) -> None:
    for group in groups:
        try:
            group.rmdir()
        except OSError:
            pass


# -- what the sandbox shows --------------------------------------------------------


def _python_roots() -> list[Path]:
    """Folders the kernel's Python needs: the installation and the venv."""
    roots = {Path(sys.base_prefix).resolve(), Path(sys.prefix)}
    return sorted(roots)


def _helper_package() -> Path:
    return Path(dlcourse.__file__).resolve().parent


def bwrap_command(kernel_dir: Path, limits: SandboxLimits) -> list[str]:
    cmd = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--clearenv",
           "--ro-bind", "/usr", "/usr"]
    for name in ("bin", "lib", "lib64", "sbin"):
        path = Path("/") / name
        if path.is_symlink():
            cmd += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            cmd += ["--ro-bind", str(path), str(path)]
    for etc in ("/etc/ld.so.cache", "/etc/localtime", "/etc/nsswitch.conf"):
        if Path(etc).exists():
            cmd += ["--ro-bind", etc, etc]
    # The private /tmp comes before the other mounts: one of them (the socket
    # folder, or the course itself) may live under /tmp and must not be
    # hidden by it.
    size = str(limits.tmp_mb * 2**20)
    cmd += ["--size", size, "--tmpfs", "/tmp"]
    for root in _python_roots():
        cmd += ["--ro-bind", str(root), str(root)]
    package = _helper_package()
    cmd += ["--ro-bind", str(package), str(package),
            "--bind", str(kernel_dir), str(kernel_dir),
            "--size", size, "--tmpfs", "/home/student",
            "--proc", "/proc", "--dev", "/dev",
            "--size", size, "--tmpfs", "/dev/shm",  # PyTorch's DataLoader workers share memory here
            "--chdir", "/home/student"]
    env = {"HOME": "/home/student", "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
           "LANG": "C.UTF-8", "MPLCONFIGDIR": "/tmp", "PYTHONDONTWRITEBYTECODE": "1",
           "PYTHONPATH": str(package.parent)}
    # One thread per kernel for NumPy's BLAS, PyTorch and TensorFlow: the
    # grader runs one kernel per core, and math libraries that start a thread
    # per core in each kernel (and spin while waiting) would fight over them.
    env |= {name: "1" for name in THREAD_VARIABLES}
    for key, value in env.items():
        cmd += ["--setenv", key, value]
    return cmd


def wrap(kernel_cmd: list[str], kernel_dir: Path, groups: list[Path],
         limits: SandboxLimits) -> list[str]:
    """``kernel_cmd`` run inside the cgroups, limits, user and namespaces."""
    join = " && ".join(f'echo $$ > "{g}/cgroup.procs"' for g in groups)
    user = pwd.getpwnam(limits.user)
    return [
        "/bin/sh", "-c", f'{join} && exec "$@"', "sandbox",
        "prlimit", f"--cpu={limits.cpu_seconds}", f"--fsize={limits.file_mb * 2**20}",
        "--nofile=4096", "--core=0", "--",
        "setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups",
        "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--",
        *bwrap_command(kernel_dir, limits),
        *kernel_cmd,
    ]


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager that starts the kernel inside the sandbox."""

    async def _async_pre_start_kernel(self, **kw):
        limits = SandboxLimits(parent=self)
        base = self._sandbox_dir = _new_sandbox_dir()
        self._sandbox_name = base.name
        kernel_dir = base / "kernel"
        kernel_dir.mkdir()
        user = pwd.getpwnam(limits.user)
        os.chown(kernel_dir, user.pw_uid, user.pw_gid)
        kernel_dir.chmod(0o700)
        base.chmod(0o755)
        # A signal would reach bwrap, not the kernel inside it: interrupt by
        # message instead (ipykernel then signals itself).
        self.kernel_spec.interrupt_mode = "message"
        self.transport = "ipc"
        self.ip = str(kernel_dir / "socket")
        self.connection_file = str(kernel_dir / "connection.json")
        kw.pop("cwd", None)  # the sandbox has its own working folder
        cmd, kw = await super()._async_pre_start_kernel(**kw)
        os.chown(self.connection_file, user.pw_uid, user.pw_gid)
        self._sandbox_groups = make_cgroups(self._sandbox_name, limits)
        kw["env"] = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        # What the kernel process writes to its own stdout and stderr (its
        # start-up banner, or a student's os.write(1, ...)) never reaches the
        # grader's terminal; cell output travels as messages.
        kw["stdout"] = kw["stderr"] = subprocess.DEVNULL
        self.sandbox_flags: list[str] = []
        return wrap(cmd, kernel_dir, self._sandbox_groups, limits), kw

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        self.finish_sandbox()

    def finish_sandbox(self) -> list[str]:
        """Note which limits the kernel hit, then remove its cgroups and
        folder.  Safe to call more than once; returns the limits hit."""
        groups = getattr(self, "_sandbox_groups", [])
        if groups:
            self.sandbox_flags = limits_hit(groups)
            remove_cgroups(groups)
            self._sandbox_groups = []
        if getattr(self, "_sandbox_dir", None):
            shutil.rmtree(self._sandbox_dir, ignore_errors=True)
            self._sandbox_dir = None
        return getattr(self, "sandbox_flags", [])


# -- Can this machine do it? ----------------------------------------------------------


def check(limits: SandboxLimits | None = None) -> None:
    """Raise SandboxError saying what is missing, or return if the sandbox works."""
    limits = limits or SandboxLimits()
    fix = "run `make sandbox` once (as root), or grade with --no-sandbox"
    if os.geteuid() != 0:
        raise SandboxError(f"the sandbox needs root to set up cgroups and drop to "
                           f"'{limits.user}'; {fix}")
    for tool in ("bwrap", "setpriv", "prlimit"):
        if shutil.which(tool) is None:
            raise SandboxError(f"'{tool}' is not installed; {fix}")
    try:
        pwd.getpwnam(limits.user)
    except KeyError:
        raise SandboxError(f"there is no user '{limits.user}'; {fix}") from None
    if _cgroup_version() == 0:
        raise SandboxError("no cgroup file system at /sys/fs/cgroup: memory and process "
                           "limits cannot be enforced; grade with --no-sandbox")
    scratch = _new_sandbox_dir()
    name = scratch.name
    user = pwd.getpwnam(limits.user)
    os.chown(scratch, user.pw_uid, user.pw_gid)
    groups = []
    try:
        groups = make_cgroups(name, limits)
        cmd = wrap([sys.executable, "-c", "import numpy, dlcourse"], scratch, groups, limits)
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    except OSError as error:
        raise SandboxError(f"cannot create cgroups ({error}); {fix}") from None
    finally:
        remove_cgroups(groups)
        shutil.rmtree(scratch, ignore_errors=True)
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


if __name__ == "__main__":  # used by `make sandbox`: print the folders to open
    print("\n".join(str(folder) for folder in blocked_parents()))
