"""The sandbox's pieces that need no kernel: the bubblewrap command line and
reading which cgroup limit a kernel ran into.  (test_sandbox.py and the
attack tests run real kernels in it.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from autograder.sandbox import NEUTRAL_LIB, SandboxLimits, _venv, bwrap_command, limits_hit

#: The grader's Korean font (`make sandbox`).
KOREAN_FONTS = Path("/usr/share/fonts/truetype/nanum")


def mounts(cmd: list[str]) -> list[tuple[str, str, str]]:
    """(kind, source, target) of every bind in a bwrap command line."""
    found = []
    for i, arg in enumerate(cmd):
        if arg in ("--bind", "--ro-bind", "--dev-bind"):
            found.append((arg, cmd[i + 1], cmd[i + 2]))
    return found


@pytest.fixture
def command(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_SECRET", "the solutions are in /work")
    kernel_dir = tmp_path / "kernel"
    kernel_dir.mkdir()
    return kernel_dir, bwrap_command(kernel_dir, SandboxLimits(), base=tmp_path)


def test_the_kernel_gets_new_namespaces_and_a_clean_environment(command):
    _, cmd = command
    assert cmd[0] == "bwrap"
    for flag in ("--unshare-all", "--die-with-parent", "--new-session", "--clearenv"):
        assert flag in cmd
    assert "--share-net" not in cmd
    env = {cmd[i + 1]: cmd[i + 2] for i, arg in enumerate(cmd) if arg == "--setenv"}
    assert "GRADER_SECRET" not in env and not any("/work" in v for v in env.values())
    assert env["HOME"] == "/home/student" and env["PYTHONPATH"] == str(NEUTRAL_LIB)
    assert env["OMP_NUM_THREADS"] == "1"


def test_the_only_writable_folder_is_the_kernels_own(command):
    kernel_dir, cmd = command
    writable = [(src, dst) for kind, src, dst in mounts(cmd) if kind != "--ro-bind"]
    assert writable == [(str(kernel_dir), str(kernel_dir))]


def test_nothing_of_the_course_is_mounted_but_the_venv_and_a_copy_of_the_helpers(command, tmp_path):
    _, cmd = command
    venv = _venv()
    for _, src, dst in mounts(cmd):
        inside = Path(src).resolve()
        if venv is not None and inside == venv.resolve():
            assert not dst.startswith(str(ROOT)), "the venv is shown under a neutral path"
            continue
        assert ROOT not in inside.parents and inside != ROOT, src
        assert not str(dst).startswith(str(ROOT / "solutions")), dst
    helpers = [src for _, src, dst in mounts(cmd) if dst == str(NEUTRAL_LIB)]
    assert helpers and Path(helpers[0]).is_relative_to(tmp_path)
    assert (Path(helpers[0]) / "dlcourse" / "__init__.py").is_file()


@pytest.mark.parametrize("family", ["Malgun Gothic", "AppleGothic", "Comic Sans MS"])
def test_a_font_the_grader_lacks_draws_korean_and_says_nothing(command, tmp_path, family):
    """The sandbox's Python starts with the course's sitecustomize: a font the
    notebook asks for that the grader lacks (Malgun Gothic, on Korean
    Windows) printed 70 lines per figure, each Hangul glyph a warning, and
    the figure's Korean was empty boxes. The usual Korean fonts' names now
    draw with the grader's Korean font; any other missing font stays quiet."""
    if not (KOREAN_FONTS / "NanumGothic.ttf").is_file():
        pytest.fail(f"no Korean font in {KOREAN_FONTS}: run `make sandbox`")
    helpers = next(Path(src) for _, src, dst in mounts(command[1]) if dst == str(NEUTRAL_LIB))
    assert (helpers / "sitecustomize.py").is_file()
    plot = ("import matplotlib\nmatplotlib.use('agg')\nimport matplotlib.pyplot as plt\n"
            f"plt.rc('font', family={family!r})\nfig, ax = plt.subplots()\n"
            "ax.set_title('손실 곡선')\nfig.savefig('plot.png')\n"
            "from matplotlib.font_manager import findfont, FontProperties\n"
            f"print(findfont(FontProperties(family={family!r})))\n")
    said = {}
    for where, path in (("sandbox", str(helpers)), ("elsewhere", "")):
        env = {**os.environ, "PYTHONPATH": path, "MPLCONFIGDIR": str(tmp_path / "mpl")}
        said[where] = subprocess.run([sys.executable, "-c", plot], cwd=tmp_path, env=env,
                                     capture_output=True, text=True, timeout=120)
    assert said["sandbox"].stderr == ""
    assert "findfont" in said["elsewhere"].stderr  # what it keeps out
    drawn_with = Path(said["sandbox"].stdout.strip()).name
    assert drawn_with.startswith("NanumGothic") == (family != "Comic Sans MS"), drawn_with
    assert not Path(said["elsewhere"].stdout.strip()).name.startswith("Nanum")


def test_private_tmp_comes_before_the_binds_that_may_live_under_it(command):
    kernel_dir, cmd = command
    tmp = next(i for i, arg in enumerate(cmd) if arg == "--tmpfs" and cmd[i + 1] == "/tmp")
    bind = next(i for i, arg in enumerate(cmd) if arg == "--bind" and cmd[i + 1] == str(kernel_dir))
    assert tmp < bind


def cgroup(tmp_path: Path, name: str, files: dict[str, str]) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    for file, text in files.items():
        (folder / file).write_text(text)
    return folder


@pytest.mark.parametrize("files, hit", [
    ({"memory.events": "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n"}, ["memory limit"]),
    ({"memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n"}, ["memory limit"]),
    ({"pids.events": "max 12\n"}, ["process limit"]),
    ({"memory.events": "max 7\noom 0\noom_kill 0\n", "pids.events": "max 0\n"}, []),
    ({}, []),
])
def test_the_limit_a_kernel_ran_into_is_named(tmp_path, files, hit):
    assert limits_hit([cgroup(tmp_path, "kernel", files)]) == hit


def test_limits_of_several_cgroups_are_named_once(tmp_path):
    groups = [cgroup(tmp_path, "memory", {"memory.oom_control": "oom_kill 1\n"}),
              cgroup(tmp_path, "pids", {"pids.events": "max 3\n"}),
              cgroup(tmp_path, "again", {"pids.events": "max 1\n"})]
    assert limits_hit(groups) == ["memory limit", "process limit"]
    os.chmod(groups[1] / "pids.events", 0)  # unreadable: nothing said, nothing raised
    if os.geteuid() != 0:
        assert limits_hit(groups[1:2]) == []


def test_the_sandbox_refuses_per_user_counts_one_kernel_could_move_for_another(
        tmp_path, monkeypatch):
    # Every kernel runs as one user. With the machine's usual epoll allowance
    # one kernel could hold all the user's watches within its memory limit,
    # and the kernels started beside it would die; with the usual soft limit
    # of pipe pages, one kernel decides the size of another's new pipes.
    from autograder import sandbox

    if os.geteuid() != 0:
        pytest.skip("the sandbox's check needs root")
    watches, pages = tmp_path / "max_user_watches", tmp_path / "pipe-user-pages-soft"
    monkeypatch.setattr(sandbox, "EPOLL_WATCHES", watches)
    monkeypatch.setattr(sandbox, "PIPE_USER_PAGES", pages)
    watches.write_text("5491333\n")  # the default of a 24 GB machine
    pages.write_text("0\n")
    with pytest.raises(sandbox.SandboxError, match="epoll watches"):
        sandbox.check()
    watches.write_text(f"{sandbox.epoll_watches_needed()}\n")
    pages.write_text("16384\n")  # the default
    with pytest.raises(sandbox.SandboxError, match="pipe-user-pages-soft is 16384: .*new pipes"):
        sandbox.check()
    assert sandbox.epoll_watches_needed() * sandbox.EPOLL_WATCH_BYTES >= \
        os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") - sandbox.EPOLL_WATCH_BYTES


def test_time_spent_waiting_for_a_cpu_holds_the_backstop_back_up_to_a_hard_limit(monkeypatch):
    """The backstops run on the kernel's clock: the wall clock less the time
    it waited for a CPU; waiting stops counting at HARD_FACTOR times the
    submission's backstop of real time."""
    from autograder import execute

    now, waited = [100.0], [0.0]
    monkeypatch.setattr(execute, "monotonic", lambda: now[0])
    limits = execute.TimeLimits(lambda: 1.0, cell=2, submission=10, probe=5, factor=4,
                                waited=lambda: waited[0])  # a backstop of 40 s
    now[0] = 139.0
    assert limits.submission_over() == ""
    now[0], waited[0] = 141.0, 5.0  # 36 s on the kernel's clock
    assert limits.submission_over() == ""
    cell_deadline = limits.clock() + 2  # 138 on the kernel's clock
    now[0] = 142.5
    assert limits.cell_over(0.0, cell_deadline) == ""
    now[0] = 143.0
    assert limits.cell_over(0.0, cell_deadline).startswith("timeout (wall clock): a cell ran 8 s")
    now[0] = 145.0
    assert limits.submission_over() == "timeout (wall clock): 40 s"
    waited[0] = 1.0  # a lower reading (a thread gone) never turns the clock back
    assert limits.clock() == 140.0

    now[0] = 100.0
    forever = execute.TimeLimits(lambda: 1.0, cell=2, submission=10, probe=5, factor=4,
                                 waited=lambda: 1e9)
    now[0] = 100.0 + 3 * 40 - 0.5
    assert forever.submission_over() == ""
    now[0] = 100.0 + 3 * 40
    assert forever.submission_over() == "timeout (wall clock): 40 s"


def test_the_wait_meter_credits_no_more_than_ordinary_threads_waited(monkeypatch):
    """Between two reads the longest wait of one ordinary thread counts; a
    thread that lowers its priority is not counted, and one switching its
    policy between reads was credited its whole past wait again each time
    it came back (a reviewer's kernel froze its clock this way)."""
    from autograder import sandbox

    state = {}  # tid -> (nanoseconds waited so far, nice, policy)
    monkeypatch.setattr(sandbox, "thread_wait", lambda tid: state[tid])
    monkeypatch.setattr(sandbox.os, "nice", lambda increment: 0)
    meter = sandbox.CpuWaitMeter()
    state.update({1: (0, 0, 0), 2: (0, 0, 0)})
    assert meter.read([1, 2]) == 0.0
    state.update({1: (2 * 10**9, 0, 0), 2: (3 * 10**9, 0, 0)})  # waiting together: once
    assert meter.read([1, 2]) == 3.0
    state.update({1: (3 * 10**9, 0, 0), 2: (9 * 10**9, 0, 5)})  # 2 is now SCHED_IDLE
    assert meter.read([1, 2]) == 4.0
    for _ in range(3):  # 2 back and forth, waiting no more
        state[2] = (9 * 10**9, 0, 0)
        assert meter.read([1, 2]) == 4.0
        state[2] = (9 * 10**9, 0, 3)
        assert meter.read([1, 2]) == 4.0
    state.update({3: (50 * 10**9, 0, 0)})  # first seen: its past is not credited
    assert meter.read([1, 2, 3]) == 4.0
    state.update({1: (3 * 10**9, 19, 0)})  # niced
    state.update({3: (51 * 10**9, 0, 0)})
    assert meter.read([1, 2, 3]) == 5.0


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="a machine of one CPU")
def test_forked_kernels_each_get_a_cpu_of_their_own_while_one_is_free(tmp_path):
    """zygote.CpuChoice, as two graders on one machine use it (one registry):
    a CPU each, then none (two kept to one CPU could not move when another
    fell idle); a freed CPU is the next kernel's; what a kernel does to its
    own CPUs changes nobody's choice."""
    from autograder.zygote import CpuChoice

    cpus = sorted(os.sched_getaffinity(0))
    graders = [CpuChoice(tmp_path / "registry"), CpuChoice(tmp_path / "registry")]
    kernels = [subprocess.Popen(["sleep", "60"]) for _ in range(len(cpus) + 1)]
    try:
        got = [graders[i % 2].pin(kernel.pid) for i, kernel in enumerate(kernels)]
        assert got == [*cpus, None]
        assert [os.sched_getaffinity(k.pid) for k in kernels[:-1]] == [{cpu} for cpu in cpus]
        assert os.sched_getaffinity(kernels[-1].pid) == set(cpus)  # left to the system
        os.sched_setaffinity(kernels[1].pid, set(cpus))  # a kernel that moves itself
        kernels[0].kill()
        kernels[0].wait()
        kernels.append(subprocess.Popen(["sleep", "60"]))
        assert graders[1].pin(kernels[-1].pid) == cpus[0]  # the CPU the ended one left
        kernels.append(subprocess.Popen(["sleep", "60"]))
        assert graders[0].pin(kernels[-1].pid) is None  # kernels[1] still holds its CPU
        assert sorted(p.name.split("-")[0] for p in (tmp_path / "registry").glob("*-*")) == \
            sorted(str(k.pid) for k in kernels[1:len(cpus)] + [kernels[-2]])
    finally:
        for kernel in kernels:
            kernel.kill()
            kernel.wait()


def test_a_cpu_record_made_by_someone_else_is_not_used(tmp_path):
    """The graders' record of who keeps to which CPU lies in the shared
    temporary folder: one that another user made, or anyone may write in,
    or a link, is not written in (no kernel is kept to a CPU)."""
    from autograder.zygote import CpuChoice

    kernel = subprocess.Popen(["sleep", "60"])
    try:
        (tmp_path / "elsewhere").mkdir(mode=0o700)
        (tmp_path / "link").symlink_to(tmp_path / "elsewhere")
        (tmp_path / "open").mkdir()
        (tmp_path / "open").chmod(0o777)
        for registry in (tmp_path / "link", tmp_path / "open"):
            assert CpuChoice(registry).pin(kernel.pid) is None
        assert os.sched_getaffinity(kernel.pid) == os.sched_getaffinity(0)
        assert list((tmp_path / "elsewhere").iterdir()) == list((tmp_path / "open").iterdir()) == []
    finally:
        kernel.kill()
        kernel.wait()
