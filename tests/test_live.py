"""Live code (`make live`): a chapter's cells run on a local Jupyter server.

Builds the live book as `make live` does, starts its two servers (JupyterLab
with a random token, and the book) on free ports with the same command
`make live` runs, then drives Chromium: open the address the command prints,
click "Run code" on chapter 1, wait for the kernel, run the setup cell and an
edited NumPy cell, and read the new output under the cell. Finally stops the
servers with Ctrl-C (SIGINT) and checks that no process is left behind.
"""

import contextlib
import re
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request

import psutil
import pytest
import yaml
from conftest import BOOK, ROOT

pytestmark = pytest.mark.browser

LIVE_HTML = BOOK / "_build" / "live" / "_build" / "html"
BOOK_ADDRESS = re.compile(r"(http://127\.0\.0\.1:\d+/intro\.html#jupyter-port=(\d+)&jupyter-token=([\w-]+))")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def live_book(built_book):
    """`make live-book`: fetch thebe, build the live book from the book's
    execution cache (so after the book's own build, which fills it)."""
    result = subprocess.run(["make", "--no-print-directory", "live-book"], cwd=ROOT,
                            capture_output=True, text=True)
    if result.returncode != 0:
        output = (result.stdout + result.stderr)[-6000:]
        pytest.fail(f"make live-book failed (exit {result.returncode}):\n{output}")
    return LIVE_HTML


@pytest.fixture(scope="module")
def live_servers(live_book):
    """`make live`'s command on free ports; yields (book address, port, token)."""
    command = [sys.executable, "-m", "dlcourse.live", "serve",
               "--port", str(free_port()), "--jupyter-port", str(free_port())]
    # Started with SIGINT ignored, as a shell starts a command run in the
    # background (and as `make test &` passes on): Ctrl-C must stop it anyway.
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    lines, found = [], threading.Event()

    def read():
        for line in process.stdout:
            lines.append(line)
            if BOOK_ADDRESS.search(line):
                found.set()

    threading.Thread(target=read, daemon=True).start()
    if not found.wait(120):
        process.kill()
        pytest.fail("`python -m dlcourse.live serve` printed no book address:\n" + "".join(lines)[-4000:])
    address, jupyter_port, token = BOOK_ADDRESS.search("".join(lines)).groups()
    yield address, int(jupyter_port), token
    # What runs now (JupyterLab, its kernels) must be gone after Ctrl-C.
    started = psutil.Process(process.pid).children(recursive=True)
    assert started, "the live command started no JupyterLab"
    process.send_signal(signal.SIGINT)
    try:  # JupyterLab shuts its kernels down first: slow on a busy machine
        code = process.wait(180)
    except subprocess.TimeoutExpired:
        # Say where it hung: what it printed, and what was still running.
        running = []
        for p in [psutil.Process(process.pid), *started]:
            try:
                running.append(f"{p.pid} {p.status()} {' '.join(p.cmdline())[:120]} "
                               f"threads={p.num_threads()}")
            except psutil.Error:
                pass
        process.kill()
        for p in started:  # nothing left behind for the tests that follow
            with contextlib.suppress(psutil.Error):
                p.kill()
        pytest.fail("the live command did not stop within 180 s of Ctrl-C; still running:\n"
                    + "\n".join(running) + "\noutput:\n" + "".join(lines)[-3000:])
    process.stdout.close()
    gone, alive = psutil.wait_procs(started, timeout=10)
    left = [p.pid for p in alive]
    for p in alive:
        p.kill()
    assert left == [], f"processes left running after Ctrl-C: {left}"
    assert code == 0, "".join(lines)[-4000:]


def test_only_the_live_build_loads_live_code(live_book):
    """`make book` stays as it was: only the live build's config adds the extension."""
    normal = yaml.safe_load((BOOK / "_config.yml").read_text(encoding="utf-8"))
    live = yaml.safe_load((BOOK / "_build" / "live" / "_config.yml").read_text(encoding="utf-8"))
    assert "live_code" not in normal["sphinx"].get("local_extensions", {})
    assert "live_code" in live["sphinx"]["local_extensions"]
    assert live["execute"]["cache"] == str(BOOK / "_build" / ".jupyter_cache")


def test_live_book_serves_thebe_itself(live_book):
    page = (live_book / "chapters" / "01_tensors.html").read_text(encoding="utf-8")
    assert '<meta name="live-code-source" content="book/chapters/01_tensors.md">' in page
    assert "_static/live-code.js" in page
    assert (live_book / "_static" / "thebe" / "index.js").is_file()
    assert (live_book / "_static" / "thebe" / "thebe.css").is_file()
    # No token or server port is baked into the build.
    assert "jupyter-token" not in page.replace("jupyter-token\")", "")


def test_jupyter_server_needs_the_token(live_servers):
    _, port, token = live_servers
    status = f"http://127.0.0.1:{port}/api/status"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(status, timeout=10)
    refused.value.close()
    assert refused.value.code == 403
    request = urllib.request.Request(status, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def test_run_a_cell_in_the_page(live_servers, browser_context):
    """Uses the session's Chromium (conftest.py): Playwright's synchronous
    API allows one running instance per process."""
    address, jupyter_port, token = live_servers
    page = browser_context.new_page()
    outside = []
    page.on("request", lambda r: None if r.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:"))
            else outside.append(r.url))
    page.goto(address)  # hands the port and token to the book's pages
    assert "jupyter-token" not in page.url, "the token stays in the address bar"
    page.goto(address.split("intro.html")[0] + "chapters/01_tensors.html")

    # The launch button opens this chapter in the local JupyterLab.
    lab = page.locator("a.btn-live-jupyterlab").first.get_attribute("href")
    assert lab == f"http://127.0.0.1:{jupyter_port}/notebooks/book/chapters/01_tensors.md?token={token}"

    bar = page.locator(".live-code")
    page.click("button.live-code-run")
    page.wait_for_selector('.live-code[data-live-status="ready"], .live-code[data-live-status="error"]',
                           timeout=120_000)
    assert bar.get_attribute("data-live-status") == "ready", bar.inner_text()

    page.locator("div.cell", has_text="quiet_logs()  # before").locator(".thebe-run-button").click()
    cell = page.locator("div.cell", has_text="scalar = np.array(3.5)")
    # Add a line, so the output can only come from the kernel, not the page.
    cell.locator(".thebe-input").click()
    page.keyboard.press("Control+End")
    page.keyboard.type('\nprint("live:", vector.sum() * 2)')
    cell.locator(".thebe-run-button").click()
    output = cell.locator("[data-output]")
    output.filter(has_text="live: 552.0").wait_for(timeout=60_000)
    text = output.inner_text()
    assert "matrix  rank (ndim) = 2  shape = (4, 3)     size = 12" in text
    assert text.strip().endswith("live: 552.0")
    assert outside == [], f"the page loaded from outside the machine: {outside}"
    page.close()

    # Following the launch link opens the chapter as a notebook, not as text.
    notebook = browser_context.new_page()
    notebook.goto(lab, timeout=60_000)
    # JupyterLab shows an empty panel first, then the chapter's cells.
    notebook.locator(".jp-NotebookPanel .jp-CodeCell",
                     has_text="from dlcourse import quiet_logs").first.wait_for(timeout=120_000)
    assert notebook.locator(".jp-FileEditor").count() == 0
    notebook.close()
