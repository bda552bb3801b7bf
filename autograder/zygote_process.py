"""The warm process that kernels are forked from (in the sandbox for students;
with ``--trusted``, outside it, for the book's chapters and the solutions).

This file runs *inside* the grading sandbox, as the sandbox user, started by
:mod:`autograder.zygote` with ``python -c <this file's text>``: it imports
nothing of the course but the helper package ``dlcourse``, and nothing from
``autograder`` (which the sandbox does not show).

It imports what every graded notebook pays for (NumPy, PyTorch with one
thread and one optimizer made, TensorFlow and Keras *imported only*: a
TensorFlow op run here would hang every forked child; IPython and
ipykernel), then reads one JSON request per line on stdin and answers one
JSON line on stdout:

``{"fork": {"connection_file": ..., "arguments": [...], "tmp_bytes": ..., "seed": ...,
"sockets": ...}}``
    fork a child, which waits; answer ``{"forked": pid}`` (the pid as this
    sandbox sees it).  ``sockets`` is the zygote's socket folder, shared by
    its kernels: each has a folder of its own in it, the one holding its
    connection file, and sees only that one.  The grader moves the child
    into the submission's cgroups, then sends
``{"go": pid}``
    the child goes on: new user, mount, PID, IPC, network and UTS
    namespaces; fresh ``/tmp``, ``/home/student`` and ``/dev/shm``; of the
    socket folder only its own folder; terminals of its own; a fresh
    ``/proc`` showing only its own processes; no capabilities; then the
    IPython kernel, in the forked process itself, with the warm imports,
    started with the connection file and the ``arguments`` that followed
    it in the kernel's command (the grader's, such as nbclient's
    ``--HistoryManager.hist_file=:memory:``).
``{"cancel": pid}``
    the child is killed instead.
``{"check": {"tmp_bytes": ..., "sockets": ..., "own": ...}}``
    fork a child that isolates itself as a kernel would and exits; answer
    ``{"checked": exit status}`` (0: every step worked, and it saw only
    itself and, in ``sockets``, only ``own``).

End of input ends the zygote.  It never forks while it has more than one
thread (a forked copy of a multi-threaded process may hang), and it runs no
request's code itself: each student's kernel is a copy of the zygote as it
was before any kernel existed.

Started with ``--trusted`` (the book's chapters, :mod:`autograder.zygote`'s
``TrustedZygote``), it runs outside any sandbox and its kernels are not
isolated: a fork request also names the kernel's working folder
(``"cwd"``), and the child restores PyTorch's default number of threads, so
that a chapter computes exactly as in a kernel started cold.
"""

import ctypes
import json
import os
import resource
import signal
import sys
import time

CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE, MS_BIND = 2, 4, 8, 0x4000, 1 << 18, 4096
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 1, 4, 24, 38
LINUX_CAPABILITY_VERSION_3 = 0x20080522
#: Folders each kernel gets empty, of its own.
PRIVATE_FOLDERS = ("/tmp", "/home/student", "/dev/shm")
#: Files of /proc that count for the whole machine, so that what one kernel
#: does moves them and another kernel graded at once reads it.  Reviewers
#: playing attackers passed data between two kernels through the open-file
#: count (holding files open) and through the thread count in /proc/loadavg
#: (starting threads in time slots); the others were found by reading every
#: file a kernel can read in /proc twice while the machine was busy, and
#: keeping those that changed (CPU and memory use, interrupts, pressure,
#: disk and terminal counts).  What is left is the kernel's own (its
#: processes, its network, its IPC, its mounts) or fixed.  Every kernel,
#: cold or forked, reads :func:`masked_proc_text` in their place.
MASKED_PROC_FILES = ("/proc/sys/fs/file-nr", "/proc/sys/fs/inode-nr",
                     "/proc/sys/fs/inode-state", "/proc/sys/fs/dentry-state",
                     "/proc/sys/fs/aio-nr", "/proc/sys/kernel/pty/nr",
                     "/proc/loadavg", "/proc/stat", "/proc/uptime", "/proc/meminfo",
                     "/proc/vmstat", "/proc/zoneinfo", "/proc/buddyinfo", "/proc/pagetypeinfo",
                     "/proc/swaps", "/proc/interrupts", "/proc/softirqs", "/proc/diskstats",
                     "/proc/cgroups", "/proc/pressure/cpu", "/proc/pressure/io",
                     "/proc/pressure/memory")


def masked_proc_text(path: str) -> str:
    """What a kernel reads in place of ``path`` (one of MASKED_PROC_FILES):
    nothing that changes.  The files programs parse (the load average, the
    CPU and memory counts) keep their form, with what is fixed about the
    machine (its CPUs, its memory, its boot time) and zeros for the rest;
    the others are empty."""
    if path == "/proc/loadavg":
        return "0.00 0.00 0.00 1/1 1\n"
    if path == "/proc/uptime":
        return "1.00 0.00\n"
    if path == "/proc/stat":
        with open(path) as fh:
            real = fh.read().splitlines()
        cpus = [line.split()[0] for line in real if line.startswith("cpu")]
        boot = next((line for line in real if line.startswith("btime ")), "btime 0")
        return "".join(f"{cpu} 0 0 0 0 0 0 0 0 0 0\n" for cpu in cpus) + (
            f"intr 0\nctxt 0\n{boot}\nprocesses 1\nprocs_running 1\nprocs_blocked 0\n"
            "softirq 0 0 0 0 0 0 0 0 0 0 0\n")
    if path == "/proc/meminfo":
        with open(path) as fh:
            total = next((line.split()[1] for line in fh if line.startswith("MemTotal:")), "0")
        return "".join(f"{name}: {value} kB\n" for name, value in (
            ("MemTotal", total), ("MemFree", total), ("MemAvailable", total), ("Buffers", 0),
            ("Cached", 0), ("Shmem", 0), ("SReclaimable", 0), ("Active", 0), ("Inactive", 0),
            ("SwapTotal", 0), ("SwapFree", 0)))
    return ""
#: Signals a kernel may have queued and not yet handled (RLIMIT_SIGPENDING),
#: set once the kernel's own user namespace exists.  The machine counts the
#: sandbox user's queued signals across every namespace, against the limit
#: the namespace above was made with (about 96,000 on a 24 GB machine): one
#: kernel queueing that many made every queued signal of another kernel
#: graded at the same time fail, a way to pass data between them.  With
#: this many each, no number of kernels graded at once comes near that.
KERNEL_PENDING_SIGNALS = 256
#: Terminals a kernel may hold at once (IPython's `!command` takes one while
#: the command runs); the machine's pool holds about 3,000 for everyone.
KERNEL_TERMINALS = 16

libc = ctypes.CDLL(None, use_errno=True)
#: Kernels for the course's own notebooks: no sandbox, no isolation.
TRUSTED = "--trusted" in sys.argv[1:]
#: PyTorch's number of threads before the zygote set it to one.
_torch_threads = 0


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source, target, fstype, flags, data=None) -> None:
    enc = (lambda s: s.encode() if s is not None else None)
    _check(libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)),
           f"mount {target}")


def preload() -> list[str]:
    """Import what the kernels will need; return the modules' names."""
    loaded = []
    # Matplotlib reads its backend from the environment when it is imported
    # (PyTorch and Keras import it): the one ipykernel sets when it starts a
    # kernel cold, so that figures show inline.
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    import numpy  # noqa: F401

    loaded.append("numpy")
    try:
        import torch

        global _torch_threads
        _torch_threads = torch.get_num_threads()
        # One thread, before any op: a forked copy of a process whose
        # OpenMP pool has started hangs.
        torch.set_num_threads(1)
        torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)  # imports torch._dynamo
        loaded.append("torch")
    except ImportError:
        pass
    try:
        import keras  # noqa: F401
        import tensorflow  # noqa: F401  (no op may run here: forked children would hang)

        loaded.append("tensorflow")
    except ImportError:
        pass
    import ipykernel.kernelapp  # noqa: F401
    import IPython  # noqa: F401
    import matplotlib  # noqa: F401

    if TRUSTED:
        global threadpool_limits
        from threadpoolctl import threadpool_limits

    loaded += ["IPython", "ipykernel", "matplotlib"]
    try:
        import dlcourse  # noqa: F401

        loaded.append("dlcourse")
    except ImportError:
        pass
    return loaded


#: OPENBLAS_NUM_THREADS as the trusted zygote found it (None: unset), and
#: the number of OpenBLAS threads a kernel started cold would have.
_blas_setting: str | None = None
_blas_threads = 1


def _one_blas_thread() -> None:
    """Before NumPy is imported (trusted zygote): one OpenBLAS thread, since
    OpenBLAS starts its threads when it is loaded, and the zygote must not
    have threads when it forks.  Works out, here (so that a kernel cannot
    fail at it), how many a kernel started cold would have."""
    global _blas_setting, _blas_threads
    _blas_setting = os.environ.get("OPENBLAS_NUM_THREADS")
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    for setting in (_blas_setting, os.environ.get("OMP_NUM_THREADS")):
        try:  # OpenBLAS reads the first number of a list such as "4,2"
            _blas_threads = max(1, int((setting or "").split(",")[0]))
            break
        except ValueError:
            continue
    else:
        _blas_threads = len(os.sched_getaffinity(0))


def _restore_blas_threads() -> None:
    """In a trusted kernel: OpenBLAS's threads and the environment as a kernel
    started cold has them."""
    if _blas_setting is None:
        os.environ.pop("OPENBLAS_NUM_THREADS", None)
    else:
        os.environ["OPENBLAS_NUM_THREADS"] = _blas_setting
    threadpool_limits(limits=_blas_threads, user_api="blas")


def threads() -> int:
    return len(os.listdir("/proc/self/task"))


def _mounts_under(folder: str) -> list[str]:
    """Mount points strictly below ``folder`` (parents first)."""
    points = []
    with open("/proc/self/mountinfo") as fh:
        for line in fh:
            point = line.split()[4].replace("\\040", " ")
            if point.startswith(folder.rstrip("/") + "/"):
                points.append(point)
    return sorted(set(points), key=lambda p: p.count("/"))


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _private_folders(tmp_bytes: int, sockets: str = "", own: str = "") -> None:
    """Mount an empty tmpfs on each private folder, keeping what the sandbox
    mounted under one (a Python under /tmp).  Of the zygote's socket folder
    ``sockets``, which holds every kernel's own socket folder, only this
    kernel's ``own`` is kept: the other kernels' are hidden."""
    private = list(PRIVATE_FOLDERS)
    if sockets and not any(_inside(sockets, folder) for folder in PRIVATE_FOLDERS):
        private.append(sockets)
    points = [point for folder in PRIVATE_FOLDERS for point in _mounts_under(folder)
              if not (sockets and _inside(point, sockets))]
    if own:
        if not sockets or os.path.dirname(own) != sockets.rstrip("/"):
            raise OSError(22, f"the kernel's folder {own} is not in the socket folder {sockets}")
        points.append(own)
    keep = [(point, os.open(point, os.O_PATH), os.path.isdir(point))
            for point in sorted(set(points), key=lambda p: p.count("/"))]
    uid, gid = os.getuid(), os.getgid()
    for folder in private:
        _mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV,
               f"size={tmp_bytes},mode=755,uid={uid},gid={gid}")
    for point, fd, is_dir in keep:
        if is_dir:
            os.makedirs(point, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(point), exist_ok=True)
            open(point, "a").close()
        _mount(f"/proc/self/fd/{fd}", point, None, MS_BIND | MS_REC)
        os.close(fd)
    # Terminals of its own (/dev/ptmx leads to /dev/pts/ptmx): kernels forked
    # from one zygote would otherwise share the sandbox's, and one could
    # write into another's.  At most KERNEL_TERMINALS of them: every
    # instance draws from the machine's one pool (kernel.pty.max), which a
    # kernel that opened terminals until none were left emptied for the
    # machine, and a kernel graded beside it read the pool's state as data.
    _mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
           f"newinstance,ptmxmode=0666,mode=600,max={KERNEL_TERMINALS}")


def _drop_capabilities() -> None:
    for cap in range(64):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            break
    header = (ctypes.c_uint32 * 2)(LINUX_CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()
    _check(libc.capset(header, data), "capset")
    _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")


def _init(child: int) -> None:
    """PID 1 of the kernel's namespace: reap, ignore signals, end with the kernel."""
    for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGPIPE"):
        signal.signal(getattr(signal, name), signal.SIG_IGN)
    while True:
        pid, status = os.wait()
        if pid == child:
            os._exit(os.waitstatus_to_exitcode(status) & 255)


def become_kernel(request: dict, gate: int) -> None:
    """In the forked child: wait for the grader, isolate, run the kernel."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for fd in (0, 1):
        os.dup2(os.open(os.devnull, os.O_RDWR), fd)
    go = os.read(gate, 1)
    os.close(gate)
    if go != b"g":
        os._exit(1)
    if TRUSTED:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # ends with the zygote
        os.setsid()  # a process group of its own, as a kernel started cold has
        os.chdir(request["cwd"])
        _reseed(int(request["seed"]))
        if _torch_threads:
            sys.modules["torch"].set_num_threads(_torch_threads)
        _restore_blas_threads()
    else:
        sockets = request.get("sockets", "")
        isolate(int(request["tmp_bytes"]), sockets,
                os.path.dirname(request["connection_file"]) if sockets else "")
        _reseed(int(request["seed"]))
    # What the kernel's command gave after its connection file (the grader's
    # and nbclient's, never a student's): what a cold kernel is started with.
    sys.argv = ["ipykernel_launcher", "-f", request["connection_file"],
                *map(str, request.get("arguments", []))]
    sys.path[0] = ""
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()
    os._exit(0)


def isolate(tmp_bytes: int, sockets: str = "", own: str = "") -> None:
    """Give this process namespaces, folders and a /proc of its own, under
    an init of its own, without capabilities, and of the socket folder
    ``sockets`` only its own folder ``own``; returns in the process that is
    to run the kernel (its parents wait for it and end with it)."""
    uid, gid = os.getuid(), os.getgid()
    # (The grader has moved this process into its cgroups: a new cgroup
    # namespace shows them as the root, naming no host cgroup.)
    _check(libc.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC
                        | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWCGROUP), "unshare")
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"),
                       ("gid_map", f"{gid} {gid} 1")):
        with open(f"/proc/self/{name}", "w") as fh:
            fh.write(text)
    # Only now: the zygote's namespace keeps its larger limit, the one the
    # sandbox user's signals in all its kernels are counted against.
    resource.setrlimit(resource.RLIMIT_SIGPENDING, (KERNEL_PENDING_SIGNALS,) * 2)
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _private_folders(tmp_bytes, sockets, own)
    init = os.fork()
    if init:  # outside the new PID namespace: wait for it, end with it
        _, status = os.waitpid(init, 0)
        os._exit(os.waitstatus_to_exitcode(status) & 255)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    # A file of fixed text in place of each counter (not /dev/null: /proc
    # allows no device files).  It lies in the kernel's own /tmp: what the
    # kernel might write there changes only its own view.
    for number, counter in enumerate(MASKED_PROC_FILES):
        if os.path.exists(counter):
            mask = f"/tmp/.proc-{number}"
            with open(mask, "w") as fh:
                fh.write(masked_proc_text(counter))
            _mount(mask, counter, None, MS_BIND)
    # No user namespaces of its own (what bwrap's --disable-userns does for a
    # cold kernel): a kernel holding thousands of them would use up the
    # sandbox user's allowance, and a kernel started beside it could not
    # isolate itself.
    with open("/proc/sys/user/max_user_namespaces", "w") as fh:
        fh.write("0")
    libc.sethostname(b"sandbox", 7)
    kernel = os.fork()
    if kernel:
        _drop_capabilities()
        # The kernel's code runs as the same user in the same namespace:
        # nothing of the init (the descriptors it inherited from the zygote,
        # its memory) may be reachable through ptrace, pidfd_getfd or /proc.
        _check(libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0), "dumpable")
        os.closerange(3, 65536)
        for fd in (0, 1, 2):
            os.dup2(os.open(os.devnull, os.O_RDWR), fd)
        _init(kernel)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    _drop_capabilities()
    os.closerange(3, 65536)
    # What the kernel writes to its own stderr never reaches the zygote's log.
    os.dup2(os.open(os.devnull, os.O_RDWR), 2)
    os.chdir("/home/student")


def check(tmp_bytes: int, sockets: str = "", own: str = "") -> int:
    """Fork a child that isolates itself as a kernel would, then exits:
    0 if every step worked and it sees only itself, and of the socket
    folder only its own folder (the grader's check before the first kernel)."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    try:
        pid = os.fork()
        if pid == 0:
            try:
                for fd in (0, 1):
                    os.dup2(os.open(os.devnull, os.O_RDWR), fd)
                isolate(tmp_bytes, sockets, own)
                ok = sorted(int(p) for p in os.listdir("/proc") if p.isdigit()) == [1, 2]
                if sockets:
                    ok = ok and os.listdir(sockets) == [os.path.basename(own)]
                os._exit(0 if ok else 2)
            except BaseException as error:  # noqa: BLE001 (the child must never return)
                os.write(2, f"kernel setup failed: {error}\n".encode())
            os._exit(1)
        _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status)
    finally:
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)


def _reseed(seed: int) -> None:
    """Each kernel draws its own random numbers (a fork copies the zygote's state)."""
    import random

    random.seed(seed)
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed(seed % 2**32)
    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(seed)


def serve() -> None:
    started = time.process_time()
    if TRUSTED:
        _one_blas_thread()
    loaded = preload()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # forked children are reaped at once
    out = sys.stdout
    print(json.dumps({"ready": loaded, "cpu_seconds": round(time.process_time() - started, 2)}),
          file=out, flush=True)
    gates: dict[int, int] = {}
    for line in sys.stdin:
        request = json.loads(line)
        if "fork" in request:
            if threads() > 1:
                print(json.dumps({"error": f"the zygote has {threads()} threads: it cannot fork"}),
                      file=out, flush=True)
                continue
            read, write = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(write)
                for other in gates.values():
                    os.close(other)
                try:
                    become_kernel(request["fork"], read)
                except BaseException as error:  # noqa: BLE001 (the child must never return)
                    os.write(2, f"kernel setup failed: {error}\n".encode())
                os._exit(1)
            os.close(read)
            gates[pid] = write
            print(json.dumps({"forked": pid}), file=out, flush=True)
        elif "check" in request:
            asked = request["check"]
            print(json.dumps({"checked": check(int(asked["tmp_bytes"]), asked.get("sockets", ""),
                                               asked.get("own", ""))}),
                  file=out, flush=True)
        elif "go" in request or "cancel" in request:
            pid = request.get("go") or request.get("cancel")
            gate = gates.pop(pid, None)
            if gate is not None:
                try:
                    os.write(gate, b"g" if "go" in request else b"x")
                except OSError:
                    pass
                os.close(gate)
            print(json.dumps({"done": pid}), file=out, flush=True)


if __name__ == "__main__":
    serve()
    # Its input ended: the grader is done with it.  Nothing is left to save,
    # and unloading TensorFlow and PyTorch would take a second or two.
    sys.stdout.flush()
    os._exit(0)
