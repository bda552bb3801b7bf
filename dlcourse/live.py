"""Run the book's code cells on a local Jupyter server (`make live`).

For readers who installed the course: `make live` builds a copy of the book
whose chapter pages can run their cells in place, starts a Jupyter server
for them, and serves that book, both on 127.0.0.1 only.

    python -m dlcourse.live prepare   # fetch thebe, write the live build's config
    jupyter-book build --config book/_build/live/_config.yml --path-output book/_build/live book
    python -m dlcourse.live serve     # start JupyterLab and serve the live book

`prepare` fetches thebe, the browser library that connects code cells to a
Jupyter kernel, from the npm registry with `npm pack`, at an exact version,
and checks the package's SHA-512 before unpacking it into the git-ignored
`book/_build/npm/`. It writes the live build's configuration: the book's own
`_config.yml` plus the `live_code` Sphinx extension (`book/_ext/live_code.py`)
and the normal build's execution cache, so no chapter runs twice.

`serve` makes a random token, starts JupyterLab on 127.0.0.1 with it (the
token goes through the environment, not the command line, which other users
can read), allows the book's address as the only cross-origin caller, serves
the live book, and prints both addresses. The book's address carries the
server's port and token in its fragment, which browsers never send to a
server; the pages keep it in the browser. Ctrl-C stops both servers.
"""

import argparse
import base64
import contextlib
import hashlib
import http.server
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.error
import urllib.request
from functools import partial
from pathlib import Path

from dlcourse.book_config import derived_config
from dlcourse.book_config import write_config as write_derived_config

BOOK = Path(__file__).resolve().parents[1] / "book"
# thebe from npm: exact version and the registry's integrity string for its
# tarball (`npm view thebe@0.9.3 dist.integrity`), checked before unpacking.
THEBE_VERSION = "0.9.3"
THEBE_INTEGRITY = ("sha512-Rb/7kVhtlffXra3kIe7OuIGE7awsm2/fGWxw21DiNfnWLnUQiDl9AWqYdshPwZPG/"
                   "5DzLpsJRPix2xtCPtJmQQ==")
HOST = "127.0.0.1"


class LiveError(Exception):
    """Something the reader must fix; printed without a traceback."""


def live_dir(book):
    return Path(book).resolve() / "_build" / "live"


def live_html(book):
    return live_dir(book) / "_build" / "html"


def sri(data):
    """The Subresource-Integrity form of a SHA-512 digest, as npm reports it."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def fetch_thebe(book):
    """thebe's `lib/` folder, fetched with `npm pack` and checked, once."""
    target = Path(book).resolve() / "_build" / "npm" / f"thebe-{THEBE_VERSION}"
    lib = target / "lib"
    if (lib / "index.js").is_file():
        return lib
    npm = shutil.which("npm")
    if npm is None:
        raise LiveError("npm not found: `make live` fetches thebe with npm; install Node.js and npm "
                        "(Debian: apt-get install npm)")
    print(f"Fetching thebe {THEBE_VERSION} with npm ...", flush=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        result = subprocess.run([npm, "pack", f"thebe@{THEBE_VERSION}", "--pack-destination", tmp],
                                cwd=tmp, capture_output=True, text=True)
        tarball = Path(tmp) / f"thebe-{THEBE_VERSION}.tgz"
        if result.returncode != 0 or not tarball.is_file():
            raise LiveError(f"npm pack thebe@{THEBE_VERSION} failed:\n{result.stderr.strip()}")
        found = sri(tarball.read_bytes())
        if found != THEBE_INTEGRITY:
            raise LiveError(f"thebe {THEBE_VERSION} from npm has integrity {found}, "
                            f"expected {THEBE_INTEGRITY}: not using it")
        with tarfile.open(tarball) as tar:
            tar.extractall(Path(tmp) / "unpacked", filter="data")
        (Path(tmp) / "unpacked" / "package").rename(target)
    return lib


def write_config(book, thebe_lib):
    """The live build's _config.yml: the book's own, plus live code."""
    book = Path(book).resolve()
    config = derived_config(book)
    sphinx = config["sphinx"]
    sphinx["local_extensions"]["live_code"] = str(book / "_ext")
    settings = sphinx["config"]
    settings["live_code_thebe"] = str(thebe_lib)
    # The Jupyter server's root is the book's parent folder (the repository).
    settings["live_code_book_path"] = book.name
    # The live book is English only: no links to editions it does not build.
    settings["book_editions"] = {}
    return write_derived_config(config, live_dir(book) / "_config.yml", "python -m dlcourse.live prepare")


def prepare(book):
    path = write_config(book, fetch_thebe(book))
    print(f"Live build configuration: {path}")


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the live book's files without a log line per request."""

    def log_message(self, format, *args):
        pass


def jupyter_command(root, port, book_origin):
    # JupyterLab refuses to run as root unless told; containers and CI
    # machines often are root (a reader's own machine should not be).
    as_root = ["--ServerApp.allow_root=True"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    return [
        sys.executable, "-m", "jupyterlab",
        f"--ServerApp.ip={HOST}",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.open_browser=False",
        f"--ServerApp.root_dir={root}",
        # The only other origin allowed to call the server: the live book.
        f"--ServerApp.allow_origin={book_origin}",
        # Offline by design: JupyterLab never asks the internet for news or updates.
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        # Settings overrides: the chapters' MyST Markdown files open as
        # notebooks (jupytext's viewer), not as text.
        f"--LabApp.app_settings_dir={Path(root) / 'book' / '_ext' / 'live_settings'}",
        *as_root,
    ]


def wait_for_jupyter(process, port, token, timeout=120):
    url = f"http://{HOST}:{port}/api/status"
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LiveError(f"JupyterLab exited (code {process.returncode}) before it was ready (its log "
                            f"is above); if port {port} is in use, try `make live JUPYTER_PORT=...`")
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return
        except urllib.error.HTTPError as err:
            err.close()
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise LiveError(f"JupyterLab did not answer on {url} within {timeout} s")


def stop(process, timeout=20):
    """Stop JupyterLab (it shuts its kernels down on SIGTERM); if it takes
    longer than ``timeout``, kill it and everything it started (it leads a
    session of its own)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def serve(book, port, jupyter_port):
    book = Path(book).resolve()
    html = live_html(book)
    if not (html / "index.html").is_file():
        raise LiveError(f"no live build in {html}: run `make live`")
    origin = f"http://{HOST}:{port}"
    try:
        httpd = http.server.ThreadingHTTPServer((HOST, port), partial(QuietHandler, directory=str(html)))
    except OSError as err:
        raise LiveError(f"cannot serve the book on {origin}: {err}; try `make live LIVE_PORT=...`") from None
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    token = secrets.token_urlsafe(32)
    # Its own session: Ctrl-C in the terminal reaches only this process, which
    # then stops JupyterLab (instead of JupyterLab asking whether to quit).
    jupyter = subprocess.Popen(jupyter_command(book.parent, jupyter_port, origin),
                               env={**os.environ, "JUPYTER_TOKEN": token},
                               stdin=subprocess.DEVNULL, start_new_session=True)

    def terminate(signum, frame):
        raise KeyboardInterrupt

    # Ctrl-C stops both servers even when this command was started with
    # SIGINT ignored (as a shell does for a command run in the background),
    # and SIGTERM does the same.
    signal.signal(signal.SIGINT, terminate)
    signal.signal(signal.SIGTERM, terminate)
    try:
        wait_for_jupyter(jupyter, jupyter_port, token)
        print(f"\nJupyterLab (runs the code):  http://{HOST}:{jupyter_port}/lab?token={token}", flush=True)
        print("The book, with live code:    "
              f"{origin}/intro.html#jupyter-port={jupyter_port}&jupyter-token={token}",
              flush=True)
        print("Open the book's address (it hands the token to the pages); "
              "Ctrl-C stops both servers.", flush=True)
        while jupyter.poll() is None:
            time.sleep(0.5)
        raise LiveError(f"JupyterLab stopped (code {jupyter.returncode})")
    except KeyboardInterrupt:
        print("\nStopping the book and JupyterLab ...", flush=True)
    finally:
        httpd.shutdown()
        httpd.server_close()
        stop(jupyter)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m dlcourse.live", description=__doc__.split("\n\n")[0])
    parser.add_argument("--book", type=Path, default=BOOK, help="the book's folder (default: book/)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("prepare", help="fetch thebe and write the live build's configuration")
    run = commands.add_parser("serve", help="start JupyterLab and serve the live book")
    run.add_argument("--port", type=int, default=8001, help="the book's port (default 8001)")
    run.add_argument("--jupyter-port", type=int, default=8888, help="JupyterLab's port (default 8888)")
    args = parser.parse_args(argv)
    try:
        if args.command == "prepare":
            prepare(args.book)
        else:
            serve(args.book, args.port, args.jupyter_port)
    except LiveError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
