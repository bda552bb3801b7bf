"""Kernels for the book's chapters forked from a warm process
(autograder.zygote.TrustedZygote, used by book/_ext/parallel_execution.py):
a notebook's outputs are the same as in a kernel started cold, figures
included, and where the warm process cannot serve, kernels start cold.
"""

import logging
import os

import nbformat
import pytest
from jupyter_cache.executors.utils import single_nb_execution

from autograder import zygote
from dlcourse.notebook_setup import quiet_environment

pytestmark = pytest.mark.grading

#: What a chapter's kernel must see as a cold kernel sees it: the folder it
#: runs in, quiet TensorFlow, PyTorch's and OpenBLAS's threads, an inline
#: figure, the frameworks computing, seeded randomness.
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
]


def notebook():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
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
    result = single_nb_execution(notebook(), cwd=str(folder), timeout=120, allow_errors=False,
                                 **kwargs)
    assert result.err is None, result.exc_string
    return outputs(result.nb)


@pytest.fixture(scope="module")
def warm():
    process = zygote.TrustedZygote(dict(os.environ, **quiet_environment()))
    manager = type("ChapterKernelManager", (zygote.WarmKernelManager,), {"zygote": process})
    yield process, manager
    process.close()


def test_a_warm_kernel_computes_and_draws_as_a_cold_one(tmp_path, warm):
    process, manager = warm
    folder = tmp_path / "chapters"
    folder.mkdir()
    cold = execute(folder)
    forked = execute(folder, kernel_manager_class=manager)
    assert process.forks >= 1
    assert forked == cold
    # Not vacuous: the kernel ran in the folder it was given, with no
    # warning on stderr, a figure, and the machine's threads.
    assert cold[1] == [{"name": "stdout", "output_type": "stream", "text": "chapters None\n"}]
    assert all(out.get("name") != "stderr" for cell in forked for out in cell)
    assert "image/png" in forked[4][0]["data"]
    threads = len(os.sched_getaffinity(0))
    assert forked[2][0]["text"].startswith(f"{threads} ")
    assert f"[{threads}" in forked[3][0]["text"]


def test_each_warm_kernel_starts_from_the_same_state(tmp_path, warm):
    # What one chapter leaves in its kernel (a module, a global, the
    # environment) is gone in the next one.
    process, manager = warm
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import os, torch\nprint(globals().get('left_behind'), os.environ.get('LEFT_BEHIND'), "
        "getattr(torch, 'left_behind', None))\n"
        "left_behind = 1\nos.environ['LEFT_BEHIND'] = '1'\ntorch.left_behind = 1")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for _ in range(2):
        result = single_nb_execution(nbformat.from_dict(nb), cwd=str(tmp_path), timeout=60,
                                     allow_errors=False, kernel_manager_class=manager)
        assert result.err is None, result.exc_string
        assert result.nb.cells[0].outputs[0].text == "None None None\n"


def test_where_the_warm_process_is_gone_kernels_start_cold(tmp_path, caplog):
    process = zygote.TrustedZygote(dict(os.environ, **quiet_environment()))
    manager = type("ChapterKernelManager", (zygote.WarmKernelManager,), {"zygote": process})
    process.close()
    caplog.set_level(logging.WARNING, logger="autograder.zygote")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import sys\nprint('torch' in sys.modules)")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    result = single_nb_execution(nb, cwd=str(tmp_path), timeout=60, allow_errors=False,
                                 kernel_manager_class=manager)
    assert result.err is None, result.exc_string
    assert result.nb.cells[0].outputs[0].text == "False\n"  # a cold kernel: nothing preloaded
    assert process.forks == 0


def test_a_failed_fork_starts_that_kernel_cold(tmp_path, caplog, monkeypatch, warm):
    process, manager = warm

    def refuse(*args, **kwargs):
        raise zygote.ZygoteError("the zygote has 3 threads: it cannot fork")

    monkeypatch.setattr(process, "fork", refuse)
    caplog.set_level(logging.WARNING, logger="autograder.zygote")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import sys\nprint('torch' in sys.modules)")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    result = single_nb_execution(nb, cwd=str(tmp_path), timeout=60, allow_errors=False,
                                 kernel_manager_class=manager)
    assert result.err is None, result.exc_string
    assert result.nb.cells[0].outputs[0].text == "False\n"  # a cold kernel: nothing preloaded
    assert "it starts cold" in caplog.text
