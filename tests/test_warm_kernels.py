"""Kernels for the book's chapters forked from a warm process
(autograder.zygote.TrustedZygote, used by book/_ext/parallel_execution.py):
a notebook's outputs are the same as in a kernel started cold, figures
included, and where the warm process cannot serve, kernels start cold.
"""

import logging
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT
from jupyter_cache.executors.utils import single_nb_execution
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from autograder import zygote

sys.path.insert(0, str(ROOT / "book" / "_ext"))
from parallel_execution import execute_in_thread  # noqa: E402

pytestmark = pytest.mark.grading

#: What a chapter's kernel must see as a cold kernel sees it: the folder it
#: runs in, quiet TensorFlow, PyTorch's and OpenBLAS's threads, an inline
#: figure, the frameworks computing, seeded randomness, and the options
#: nbclient starts a kernel with (its history kept in memory, not in a file
#: that every kernel of the build would write).
CELLS = [
    "from dlcourse import quiet_logs, set_seed\nquiet_logs()",
    "import os\nprint(os.path.basename(os.getcwd()), os.environ.get('OPENBLAS_NUM_THREADS'))",
    "import numpy as np\nimport torch\nimport keras\nset_seed(3)\n"
    "print(torch.get_num_threads(), np.random.rand(2), torch.rand(2))\n"
    "print(keras.ops.convert_to_numpy(keras.ops.sum(keras.ops.ones((2, 3)), axis=0)))",
    "from threadpoolctl import threadpool_info\n"
    "print(sorted(i['num_threads'] for i in threadpool_info() if i['user_api'] == 'blas'))",
    "import matplotlib.pyplot as plt\nfig, ax = plt.subplots(figsize=(2, 1))\n"
    "ax.plot([0, 1], [1, 0])\nplt.show()",
    "a = np.arange(40_000.0).reshape(200, 200) / 7\nprint(float((a @ a.T).sum()))",
    "print(get_ipython().history_manager.hist_file)",
]


def notebook(*sources):
    """A Python notebook of one code cell per source."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def outputs(nb):
    """Each cell's outputs, streams of one name joined (the book merges them)."""
    cells = []
    for cell in nb.cells:
        merged = []
        for out in cell.outputs:
            if (merged and out.output_type == "stream" and merged[-1]["output_type"] == "stream"
                    and merged[-1]["name"] == out.name):
                merged[-1]["text"] += out.text
            else:
                merged.append({key: value for key, value in out.items()
                               if key not in ("execution_count", "metadata")})
        cells.append(merged)
    return cells


def execute(folder, **kwargs):
    result = single_nb_execution(notebook(*CELLS), cwd=str(folder), timeout=120, allow_errors=False,
                                 **kwargs)
    assert result.err is None, result.exc_string
    return outputs(result.nb)


@pytest.fixture(scope="module")
def warm():
    # A folder left by a warm process whose owner was killed goes when the
    # next one starts; a live owner's stays.
    import tempfile

    left = Path(tempfile.mkdtemp(prefix=zygote.TrustedZygote.PREFIX))
    (left / "owner").write_text("4194304 0\n")  # no such process
    (left / "zygote.log").write_text("")
    process = zygote.TrustedZygote()
    assert not left.exists() and (process.folder / "owner").is_file()
    assert zygote.TrustedZygote.PREFIX in process.folder.name
    manager = type("ChapterKernelManager", (zygote.WarmKernelManager,), {"zygote": process})
    yield process, manager
    process.close()


def test_a_warm_kernel_computes_and_draws_as_a_cold_one(tmp_path, warm):
    process, manager = warm
    folder = tmp_path / "chapters"
    folder.mkdir()
    cold = execute(folder)
    forks = process.forks
    forked = execute(folder, kernel_manager_class=manager)
    assert process.forks == forks + 1
    assert forked == cold
    assert forked[-1][0]["text"] == ":memory:\n"  # nbclient's option reached the forked kernel
    # Not vacuous: the kernel ran in the folder it was given, with no
    # warning on stderr, and drew a figure.
    assert forked[1][0]["text"].startswith("chapters ")
    assert all(out.get("name") != "stderr" for cell in forked for out in cell)
    assert "image/png" in forked[4][0]["data"]


def test_each_warm_kernel_starts_from_the_same_state(tmp_path, warm):
    # What one chapter leaves in its kernel (a module, a global, the
    # environment) is gone in the next one.
    process, manager = warm
    nb = notebook(
        "import os, torch\nprint(globals().get('left_behind'), os.environ.get('LEFT_BEHIND'), "
        "getattr(torch, 'left_behind', None))\n"
        "left_behind = 1\nos.environ['LEFT_BEHIND'] = '1'\ntorch.left_behind = 1")
    forks = process.forks
    for _ in range(2):
        result = single_nb_execution(nbformat.from_dict(nb), cwd=str(tmp_path), timeout=60,
                                     allow_errors=False, kernel_manager_class=manager)
        assert result.err is None, result.exc_string
        assert result.nb.cells[0].outputs[0].text == "None None None\n"
    assert process.forks == forks + 2


def test_two_chapters_at_once_each_get_a_kernel(tmp_path, warm):
    process, manager = warm
    forks = process.forks
    with ThreadPoolExecutor(2) as pool:  # as book/_ext/parallel_execution.py runs chapters
        runs = [pool.submit(execute_in_thread, notebook(f"import os\nprint({n}, os.getpid())"),
                            cwd=str(tmp_path), timeout=60, allow_errors=False,
                            kernel_manager_class=manager) for n in range(2)]
        results = [run.result() for run in runs]
    assert process.forks == forks + 2
    texts = [result.nb.cells[0].outputs[0].text.split() for result in results]
    assert [t[0] for t in texts] == ["0", "1"] and texts[0][1] != texts[1][1]


def test_the_cell_timeout_holds_in_a_warm_kernel(tmp_path, warm):
    _, manager = warm
    started = time.monotonic()
    result = single_nb_execution(notebook("import time\ntime.sleep(60)"), cwd=str(tmp_path),
                                 timeout=3, allow_errors=False, kernel_manager_class=manager)
    assert isinstance(result.err, CellTimeoutError)
    assert time.monotonic() - started < 30


def test_a_warm_kernel_that_dies_is_noticed_at_once(tmp_path, warm):
    _, manager = warm
    started = time.monotonic()
    with pytest.raises(DeadKernelError):
        single_nb_execution(notebook("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"),
                            cwd=str(tmp_path), timeout=60, allow_errors=False,
                            kernel_manager_class=manager)
    assert time.monotonic() - started < 30


def started_cold(manager, folder) -> bool:
    """Whether a kernel ``manager`` starts has nothing preloaded (started cold)."""
    result = single_nb_execution(notebook("import sys\nprint('torch' in sys.modules)"),
                                 cwd=str(folder), timeout=60, allow_errors=False,
                                 kernel_manager_class=manager)
    assert result.err is None, result.exc_string
    return result.nb.cells[0].outputs[0].text == "False\n"


def test_where_the_warm_process_is_gone_kernels_start_cold(tmp_path, caplog):
    process = zygote.TrustedZygote()
    manager = type("ChapterKernelManager", (zygote.WarmKernelManager,), {"zygote": process})
    process.close()
    caplog.set_level(logging.WARNING, logger="autograder.zygote")
    assert started_cold(manager, tmp_path)
    assert "has ended; this kernel starts cold" in caplog.text


def test_a_failed_fork_starts_that_kernel_cold(tmp_path, caplog, monkeypatch, warm):
    process, manager = warm

    def refuse(*args, **kwargs):
        raise zygote.ZygoteError("the zygote has 3 threads: it cannot fork")

    monkeypatch.setattr(process, "fork", refuse)
    caplog.set_level(logging.WARNING, logger="autograder.zygote")
    assert started_cold(manager, tmp_path)
    assert "it starts cold" in caplog.text
